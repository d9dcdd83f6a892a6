//! The integration tests: one test binary, one module per area. Every test runs the real
//! `dbarch` binary in a throwaway directory (see `common`).
mod common;
mod fake_github;

mod config_cmd;
mod contract;
mod doctor;
mod github_client;
mod hardening;
mod hook;
mod init;
mod lint;
mod real_histories;
mod remind;
mod remind_github;
mod review;
mod review_pty;
mod safety;
mod schema;
mod staged;
mod status;
mod surface;
mod sync;
mod teams;
