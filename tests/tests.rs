//! The integration tests: one test binary, one module per area. Every test runs the real
//! `dbarch` binary in a throwaway directory (see `common`).
mod common;

mod config_cmd;
mod init;
mod lint;
mod sync;
