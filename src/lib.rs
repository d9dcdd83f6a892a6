//! `dbarch` keeps architecture documents honest.
//!
//! The flow reads top to bottom: a command ([`commands`]) loads the configuration
//! ([`config`]), asks the engine ([`doc`], [`history`], [`changelog`], [`review`],
//! [`status`], [`sync`]) what is true, applies the effects (an atomic file write through
//! [`fsutil`]) and reports through [`ui`]. The engine never prints.
#![deny(unsafe_code)]

pub mod changelog;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod doc;
pub mod error;
pub mod fsutil;
pub mod git;
pub mod github;
pub mod guard;
pub mod history;
pub mod hook;
pub mod interval;
pub mod prompt;
pub mod rename;
pub mod review;
pub mod schema;
mod similarity;
pub mod status;
pub mod sync;
pub mod syncstate;
pub mod ui;
pub mod workspace;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use error::{Error, Result};

/// The version `--version` prints: the crate version and the commit it was built from
/// (`unknown` outside a git checkout, e.g. from crates.io; see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DBARCH_GIT_COMMIT"),
    ")"
);

/// Exit codes, documented in the README.
pub mod exit {
    /// Everything is fine.
    pub const OK: u8 = 0;
    /// Findings: a document is due, out of date, or fails lint.
    pub const FINDINGS: u8 = 1;
    /// Usage, configuration or input error.
    pub const USAGE: u8 = 2;
    /// Internal error (a bug, or the environment failed us).
    pub const INTERNAL: u8 = 3;
    /// Cancelled by the person (Ctrl-C at a prompt): 128 + SIGINT, the shell convention.
    pub const CANCELLED: u8 = 130;
    /// GitHub or the network to it failed or refused a request (`remind`).
    pub const REMOTE: u8 = 4;
}

/// Entry point shared by the binary and the tests.
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> ExitCode {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut ui = ui::Ui::from_env(cli.global.verbose);
    match commands::run(&mut ui, cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            ui.error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}
