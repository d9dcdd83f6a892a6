//! The integration tests: one test binary, one module per area. Every test runs the real
//! `dbarch` binary in a throwaway directory (see `common`).
mod common;
mod fake_github;

mod config_cmd;
mod contract;
mod github_client;
mod hardening;
mod hook;
mod init;
mod lint;
mod remind;
mod review;
mod review_pty;
mod schema;
mod status;
mod sync;
