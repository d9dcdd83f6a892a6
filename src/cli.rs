//! Command-line types (clap derive). The doc comments are the `--help` text.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps architecture documents honest: the Change Log from git history, true dates,
/// and the review cycle.
///
/// Exit codes: 0 ok, 1 findings (lint problems, out of date, due), 2 usage, config or
/// document error, 3 internal error.
#[derive(Parser, Debug)]
#[command(
    name = "dbarch",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Run as if started in DIR (the repository or a directory inside it).
    #[arg(
        short = 'C',
        long = "repo",
        global = true,
        value_name = "DIR",
        default_value = "."
    )]
    pub repo: PathBuf,
    /// Read this configuration file instead of `<repo>/dbarch.toml`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Say more about what happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to colour output (never with NO_COLOR set).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For programs (a stable schema, documented in the README).
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write the document template and a commented dbarch.toml.
    Init(InitArgs),
    /// Check structure, dates and unfilled placeholders of the managed documents.
    Lint(LintArgs),
    /// Add Change Log rows for commits not yet recorded, and set Last Updated.
    Sync(SyncArgs),
    /// Bring an existing document under management: add the header and a Change Log
    /// backfilled from its whole history.
    Adopt(AdoptArgs),
    /// Show each document's review state: dates, days left, placeholders, unrecorded
    /// commits, drifted sections.
    Status(StatusArgs),
    /// Record a review: shows what changed since the last one, asks who reviewed, then
    /// sets Reviewed By, Next Review and Last Updated and adds a Review row.
    Review(ReviewArgs),
    /// Open, update, escalate and close GitHub review issues and pull requests (what the
    /// scheduled Action runs). Token from GITHUB_TOKEN or GH_TOKEN.
    Remind(RemindArgs),
    /// Print the effective configuration (defaults < dbarch.toml < environment < flags).
    Config,
    /// The schema the migrations build, what changed since the last review, and what the
    /// document does not say about it (`[schema]` in dbarch.toml).
    Schema(SchemaArgs),
    /// Run the whole cycle on a throwaway repository and show each step.
    Demo(DemoArgs),
    /// Install, remove or inspect the git post-commit hook that records each commit in
    /// the Change Log (`install` chains with an existing hook; `uninstall` restores it).
    Hooks(HooksArgs),
    /// What git's hooks run: `dbarch hook post-commit` records the commit just made.
    /// Never fails a commit: a problem is one line on stderr, and the exit code is 0.
    Hook(HookArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the document, relative to the repository root.
    #[arg(long, default_value = "docs/database-architecture.md")]
    pub path: String,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
    /// Reviewed By for the new document (default: the configured reviewers, else the
    /// template's placeholder).
    #[arg(long)]
    pub reviewer: Option<String>,
    /// Also install the git post-commit hook (as `dbarch hooks install`).
    #[arg(long)]
    pub hook: bool,
}

#[derive(Args, Debug)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub action: HooksAction,
}

#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HooksAction {
    /// Install the post-commit hook where git looks for it (`core.hooksPath` honoured).
    /// An existing post-commit hook is kept and runs after dbarch's. Idempotent.
    Install,
    /// Remove the hook and put back, byte for byte, the one it replaced.
    Uninstall,
    /// Say whether the hook is installed, where, with which binary, and the mode in
    /// effect. Exit 1 when it is not installed.
    Status,
}

#[derive(Args, Debug)]
pub struct HookArgs {
    #[command(subcommand)]
    pub event: HookEvent,
}

#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    /// Record HEAD in the Change Log of the managed documents it changed (`[hook] mode`:
    /// amend, worktree or off).
    PostCommit,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Documents to check (default: the configured or discovered ones).
    pub docs: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Documents to sync (default: the configured or discovered ones).
    pub docs: Vec<String>,
    /// Print a unified diff of what would change; write nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Exit 1 when a document is out of date (rows or dates missing); write nothing.
    #[arg(long)]
    pub check: bool,
    /// Time zone for row dates: `commit` (each commit's own offset) or an IANA name.
    #[arg(long)]
    pub timezone: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct AdoptArgs {
    /// The existing document.
    pub path: String,
    /// Print a unified diff of what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Reviewed By for the header (default: the configured reviewers, else `[TEAM]`).
    #[arg(long)]
    pub reviewer: Option<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Documents to show (default: the configured or discovered ones).
    pub docs: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when any document is due or overdue.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The document reviewed (default: the due one; a pick list when several are due).
    pub doc: Option<String>,
    /// Who reviewed (default: the configured reviewers, else your git user name).
    #[arg(long)]
    pub reviewer: Option<String>,
    /// The review date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
    /// Do not ask: accept the defaults and confirm.
    #[arg(short, long)]
    pub yes: bool,
    /// Commit the document with a `Reviewed-by:` trailer.
    #[arg(long)]
    pub commit: bool,
}

#[derive(Args, Debug)]
pub struct RemindArgs {
    /// Documents to remind about (default: the configured or discovered ones).
    pub docs: Vec<String>,
    /// issue, pr or both (default: `[github] mode` of dbarch.toml).
    #[arg(long, value_enum)]
    pub mode: Option<crate::config::GithubMode>,
    /// List the calls that would be made; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Documents to check (default: the configured or discovered ones).
    pub docs: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when there are schema findings.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Build the demo repository here (default: a new temporary directory, kept).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}
