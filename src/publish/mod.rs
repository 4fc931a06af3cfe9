//! publish (being built).
