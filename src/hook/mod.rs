//! What dbarch installs into git, and what git runs: the post-commit hook
//! ([`post_commit`]: record a commit in its documents' Change Log), the merge driver
//! ([`merge`]: merge a managed document by meaning), and their installation ([`install`]).
//! [`git_ops`] holds the git operations they need until the git layer takes them.
pub mod install;
pub mod merge;
pub mod post_commit;

mod git_ops;

pub use install::{
    install, location, render_script, status, uninstall, HookLocation, HookStatus, InstallReport,
    Installed, Removed, UninstallReport,
};
pub use post_commit::{
    post_commit, preview, Outcome, PreviewDates, PreviewDoc, Staged, PLACEHOLDER_SUBJECT,
};

/// Set (to `1`) for every git command dbarch runs from the hook; while set, the hook
/// script and `dbarch hook post-commit` do nothing. Re-entry is impossible.
pub const ENV_RUNNING: &str = "DBARCH_HOOK_RUNNING";
/// When set (non-empty), `dbarch hook post-commit` also says why it did nothing.
pub const ENV_VERBOSE: &str = "DBARCH_HOOK_VERBOSE";
/// The hook's file name.
pub const HOOK_NAME: &str = "post-commit";
/// Where an existing post-commit hook goes when dbarch's is installed over it.
pub const CHAINED_NAME: &str = "post-commit.dbarch-chained";
/// The shipped hook script (`hooks/post-commit`).
pub const SCRIPT: &str = include_str!("../../hooks/post-commit");
/// The line that marks a hook as dbarch's.
const MARKER: &str = "# dbarch-managed-hook";
/// The script's line that `install` fills with the binary's path.
const BIN_LINE: &str = "DBARCH_INSTALLED_BIN=''";
