//! Integration tests: clean.
