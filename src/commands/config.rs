//! `dbarch config`: the effective configuration as TOML.
use crate::ui::Ui;
use crate::workspace::Workspace;
use crate::Result;

pub fn run(ui: &mut Ui, ws: &Workspace) -> Result<u8> {
    ui.print(&ws.config.to_toml());
    Ok(crate::exit::OK)
}
