//! Integration tests: dedup.
