//! being written
use crate::cli::InitArgs;
use crate::ui::Ui;
use crate::workspace::Workspace;
use crate::Result;

pub fn run(_ui: &mut Ui, _ws: &Workspace, _args: InitArgs) -> Result<u8> {
    Err(crate::Error::Internal("not yet".into()))
}
