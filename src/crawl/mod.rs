//! crawl (being built).
