//! Output (being written).
pub struct Ui;
impl Ui {
    pub fn from_env(_v: bool) -> Self {
        Ui
    }
    pub fn error(&mut self, e: &crate::Error) {
        eprintln!("error: {e}");
    }
}
