//! commands (being written).
pub fn run(_ui: &mut crate::ui::Ui, _cli: crate::cli::Cli) -> crate::Result<u8> {
    Ok(0)
}
