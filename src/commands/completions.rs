//! `dbarch completions SHELL`: a completion script on stdout.
use clap::CommandFactory;

use crate::cli::Cli;
use crate::ui::Ui;
use crate::Result;

pub fn run(ui: &mut Ui, shell: clap_complete::Shell) -> Result<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dbarch", &mut buf);
    ui.print(&String::from_utf8_lossy(&buf));
    Ok(crate::exit::OK)
}
