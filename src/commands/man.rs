//! `dbarch man`: the manual page (roff) generated from the clap definitions, so it never
//! drifts from `--help`. The release archives ship it as `dbarch.1`.
use clap::CommandFactory;

use crate::cli::Cli;
use crate::ui::Ui;
use crate::{Error, Result};

pub fn run(ui: &mut Ui) -> Result<u8> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::Internal(format!("cannot render the manual page: {e}")))?;
    ui.print(&String::from_utf8_lossy(&buf));
    Ok(crate::exit::OK)
}
