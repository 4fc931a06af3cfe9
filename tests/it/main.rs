//! The one integration-test binary: every module below is a group of tests.

mod support;

mod assemble;
mod clean;
mod cli;
mod cluster;
mod config;
mod control;
mod crawl;
mod dedup;
mod extract;
mod fetch;
mod fields;
mod health;
mod inputs;
mod layers;
mod profiles;
mod publish;
mod reliability;
mod retention;
mod service;
mod store;
mod terminal;
mod web;
