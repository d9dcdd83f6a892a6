//! What dbarch installs into git, and what git then runs: the post-commit hook
//! ([`post_commit`](mod@post_commit): record a commit in its documents' Change Log), the merge driver
//! ([`merge`]: merge a managed document by meaning), and their installation
//! ([`install`]). Each of them is a [`HookKind`], which owns how git finds it.
//! Their git operations are [`crate::git`]'s (reads on [`crate::git::Repo`], writes in
//! [`crate::git::write`]); nothing here names git2.
//!
//! # Adding a kind
//! To add a git hook that dbarch installs, say `pre-push`, a newcomer touches:
//! 1. this file: a `HookKind::PrePush` variant, its place in [`HookKind::ALL`] (the order
//!    of `hooks install`, `uninstall` and `status`), its arm in [`HookKind::wiring`] (a
//!    `const PRE_PUSH: Script` beside `POST_COMMIT`, naming `pre-push`,
//!    `pre-push.dbarch-chained` and the script) and in [`HookKind::name`];
//! 2. the script, `hooks/pre-push` (and its line in Cargo.toml's `include`): `#!/bin/sh`,
//!    `MARKER` on line 2 and one `DBARCH_INSTALLED_BIN=''` line, as in
//!    `hooks/post-commit` (a unit test in `install.rs` checks every script);
//! 3. its runtime, `src/hook/pre_push.rs`, with the `HookEvent::PrePush` that
//!    `src/cli.rs` parses and `src/commands/hook.rs` dispatches to it.
//!
//! Installing, chaining an existing hook, uninstalling and reporting status are driven
//! by the enum ([`install::install`], [`install::uninstall`] and [`install::status`] take
//! a kind; `hooks install | uninstall | status`, `init --hook` and `doctor` go over
//! [`HookKind::ALL`]): they need no change.
pub mod install;
pub mod merge;
pub mod post_commit;

pub use post_commit::{
    post_commit, preview, Outcome, PreviewDates, PreviewDoc, Staged, PLACEHOLDER_SUBJECT,
};

/// Set (to `1`) for every git command dbarch runs from the hook; while set, the hook
/// script and `dbarch hook post-commit` do nothing. Re-entry is impossible.
pub const ENV_RUNNING: &str = "DBARCH_HOOK_RUNNING";
/// When set (non-empty), `dbarch hook post-commit` also says why it did nothing.
pub const ENV_VERBOSE: &str = "DBARCH_HOOK_VERBOSE";
/// The line that marks a hook script as dbarch's (within its first five lines).
pub(crate) const MARKER: &str = "# dbarch-managed-hook";
/// The script's line that `install` fills with the binary's path.
pub(crate) const BIN_LINE: &str = "DBARCH_INSTALLED_BIN=''";

/// A thing dbarch installs into git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `hooks/post-commit`: records each commit in its documents' Change Log
    /// ([`post_commit`](mod@post_commit)).
    PostCommit,
    /// The `dbarch` merge driver: merges a managed document by meaning ([`merge`]).
    MergeDriver,
}

/// How git finds one [`HookKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wiring {
    /// A script in the hooks directory.
    Script(Script),
    /// A merge driver: `merge.<name>.*` in the repository's own config and a
    /// `<path> merge=<name>` line in `.gitattributes` per managed document.
    Driver(Driver),
}

/// A hook script: its file name, where another program's hook goes when dbarch's is
/// installed over it, and the shipped text. It is dbarch's when it carries `MARKER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Script {
    pub file_name: &'static str,
    pub chained_name: &'static str,
    pub text: &'static str,
}

/// A merge driver's git configuration (`merge.<name>.name`, `merge.<name>.driver`) and
/// attribute. Lines of `.gitattributes` ending in ` <attribute>`, and the `comment`
/// line, are dbarch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Driver {
    /// The driver's name in `merge.<name>.*` and `merge=<name>`.
    pub name: &'static str,
    /// The attribute written for each managed document.
    pub attribute: &'static str,
    /// The comment line written before the first attribute line.
    pub comment: &'static str,
    /// `merge.<name>.name`.
    pub description: &'static str,
    /// The arguments after the binary in `merge.<name>.driver`.
    pub args: &'static str,
}

/// The post-commit hook's script.
const POST_COMMIT: Script = Script {
    file_name: "post-commit",
    chained_name: "post-commit.dbarch-chained",
    text: include_str!("../../hooks/post-commit"),
};

/// The merge driver's wiring (also used where a document's rename is followed).
pub(crate) const MERGE_DRIVER: Driver = Driver {
    name: "dbarch",
    attribute: "merge=dbarch",
    comment: "# dbarch: merge managed documents by meaning \
              (`dbarch hooks install` wrote these lines)",
    description: "dbarch: Change Log rows as a union, header dates the newest",
    args: "merge-driver --marker-size %L %O %A %B %P",
};

impl HookKind {
    /// Every kind, in the order they are installed and reported.
    pub const ALL: [HookKind; 2] = [HookKind::PostCommit, HookKind::MergeDriver];

    /// How git finds this kind.
    pub fn wiring(self) -> Wiring {
        match self {
            HookKind::PostCommit => Wiring::Script(POST_COMMIT),
            HookKind::MergeDriver => Wiring::Driver(MERGE_DRIVER),
        }
    }

    /// What messages call it: `post-commit hook`, `merge driver`.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::PostCommit => "post-commit hook",
            HookKind::MergeDriver => "merge driver",
        }
    }
}
