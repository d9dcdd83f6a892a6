//! The `dbarch` binary: parse arguments, run, map the outcome to an exit code.
use std::process::ExitCode;

fn main() -> ExitCode {
    dbarch::main_with_args(std::env::args_os())
}
