//! fetch (being built).
