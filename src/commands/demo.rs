//! being written
use crate::cli::DemoArgs;
use crate::ui::Ui;
use crate::Result;

pub fn run(_ui: &mut Ui, _args: DemoArgs) -> Result<u8> {
    Err(crate::Error::Internal("not yet".into()))
}
