//! Command-line types (clap derive). The doc comments are the `--help` text.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps architecture documents honest: the Change Log from git history, true dates,
/// and the review cycle.
///
/// Exit codes: 0 ok, 1 findings (lint problems, out of date, due), 2 usage, config or
/// document error, 3 internal error, 4 GitHub or the network failed (`remind`), 130
/// cancelled (Ctrl-C at a prompt).
#[derive(Parser, Debug)]
#[command(
    name = "dbarch",
    version = crate::VERSION,
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
    /// When to colour output and prompts. `auto`: on a terminal, unless NO_COLOR is set;
    /// `always` and `never` win over NO_COLOR.
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
    #[command(after_help = "\
Examples:
  dbarch init                          docs/database-architecture.md and dbarch.toml
  dbarch init --path docs/db.md --reviewer \"DBA Team\" --hook
  dbarch init --force                  overwrite both files")]
    Init(InitArgs),
    /// Check structure, dates and unfilled placeholders of the managed documents.
    #[command(after_help = "\
Examples:
  dbarch lint                          every managed document
  dbarch lint docs/db.md --format json
  dbarch lint || echo 'fill in the placeholders first'   exit 1 on findings")]
    Lint(LintArgs),
    /// Add Change Log rows for commits not yet recorded, and set Last Updated.
    #[command(after_help = "\
Examples:
  dbarch sync                          write the missing rows
  dbarch sync --dry-run                show the diff, write nothing
  dbarch sync --check                  in CI: exit 1 when a document is out of date
  dbarch sync --timezone Europe/Berlin --format json")]
    Sync(SyncArgs),
    /// Bring an existing document under management: add the header and a Change Log
    /// backfilled from its whole history.
    #[command(after_help = "\
Examples:
  dbarch adopt docs/ARCHITECTURE.md --dry-run
  dbarch adopt docs/ARCHITECTURE.md --reviewer \"@acme/dba-team\"")]
    Adopt(AdoptArgs),
    /// Show each document's review state: dates, days left, placeholders, unrecorded
    /// commits, drifted sections.
    #[command(after_help = "\
Examples:
  dbarch status                        a table that fits the terminal
  dbarch status --wide                 every column, nothing shortened
  dbarch status --check                exit 1 when a document is due or overdue
  dbarch status --format shields > badge.json   a shields.io endpoint badge")]
    Status(StatusArgs),
    /// Record a review: shows what changed since the last one, asks who reviewed, then
    /// sets Reviewed By, Next Review and Last Updated and adds a Review row.
    #[command(after_help = "\
Examples:
  dbarch review                        asks which document, who and when
  dbarch review docs/db.md --reviewer \"Ana Lima\" --yes --commit
  dbarch review --date 2026-11-20 --yes")]
    Review(ReviewArgs),
    /// Open, update, escalate and close GitHub review issues and pull requests (what the
    /// scheduled Action runs). Token from GITHUB_TOKEN or GH_TOKEN.
    #[command(after_help = "\
Examples:
  dbarch remind --dry-run              the calls it would make, nothing written
  GITHUB_TOKEN=... dbarch remind --mode both")]
    Remind(RemindArgs),
    /// Print the effective configuration (defaults < dbarch.toml < environment < flags).
    #[command(after_help = "\
Examples:
  dbarch config                        the configuration in effect, as TOML
  dbarch config --show-origin          and where each value came from
  dbarch --config ci/dbarch.toml config")]
    Config(ConfigArgs),
    /// The schema the migrations build, what changed since the last review, and what the
    /// document does not say about it (`[schema]` in dbarch.toml).
    #[command(after_help = "\
Examples:
  dbarch schema                        the inventory, changes since the review, findings
  dbarch schema --format json
  dbarch schema --check                exit 1 on findings (for CI)")]
    Schema(SchemaArgs),
    /// Run the whole cycle on a throwaway repository and show each step.
    #[command(after_help = "\
Examples:
  dbarch demo                          in a new temporary directory (kept)
  dbarch demo --dir /tmp/dbarch-demo")]
    Demo(DemoArgs),
    /// Install, remove or inspect the git post-commit hook that records each commit in
    /// the Change Log (`install` chains with an existing hook; `uninstall` restores it).
    #[command(after_help = "\
Examples:
  dbarch hooks install
  dbarch hooks status                  exit 1 when not installed
  dbarch hooks uninstall               puts back the hook it replaced")]
    Hooks(HooksArgs),
    /// What git's hooks run: `dbarch hook post-commit` records the commit just made.
    /// Never fails a commit: a problem is one line on stderr, and the exit code is 0.
    Hook(HookArgs),
    /// What git runs to merge a managed document (`hooks install` registers it as
    /// `merge.dbarch.driver`): the body by git's 3-way merge, the Change Log as the union
    /// of both sides' rows, header dates the newest. Exit 1 when a body conflict is left
    /// as conflict markers.
    #[command(after_help = "\
Examples:
  dbarch hooks install                 sets merge.dbarch.driver and .gitattributes
  git config merge.dbarch.driver 'dbarch merge-driver --marker-size %L %O %A %B %P'")]
    MergeDriver(MergeDriverArgs),
    /// Finish a conflicted merge of a managed document made without the merge driver:
    /// resolves the conflicts in the Change Log and header, leaves those in the body.
    /// Exit 1 when body conflicts remain.
    #[command(after_help = "\
Examples:
  git merge topic                      conflicts in docs/database-architecture.md
  dbarch resolve                       fixes the Change Log and header, stages the file
  git commit                           when no body conflict is left")]
    Resolve(ResolveArgs),
    /// Say which dbarch, git and libgit2 this is, with which features, and whether the
    /// repository is fit for dbarch (full history, commit-graph, hook, merge driver).
    /// Exit 1 when something is not as dbarch needs it.
    #[command(after_help = "\
Examples:
  dbarch doctor                        in the repository to check
  dbarch -C ../other-repo doctor")]
    Doctor,
    /// Print a shell completion script (see below for where each shell reads it).
    #[command(after_help = "\
Where to put the script:
  bash        dbarch completions bash > ~/.local/share/bash-completion/completions/dbarch
  zsh         dbarch completions zsh > ~/.zfunc/_dbarch
              (with `fpath+=~/.zfunc; autoload -U compinit; compinit` in ~/.zshrc)
  fish        dbarch completions fish > ~/.config/fish/completions/dbarch.fish
  elvish      dbarch completions elvish >> ~/.config/elvish/rc.elv
  powershell  dbarch completions powershell >> $PROFILE
Open a new shell afterwards.")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from this help: `dbarch man > dbarch.1`,
    /// or `dbarch man | man -l -`.
    #[command(after_help = "\
Examples:
  dbarch man | man -l -                read it now
  dbarch man > /usr/local/share/man/man1/dbarch.1   install it")]
    Man,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Show where each value came from: `default`, `file:dbarch.toml:LINE`, `env:NAME`
    /// (as `git config --show-origin` does), one `key = value` per line.
    #[arg(long)]
    pub show_origin: bool,
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
    /// An existing post-commit hook is kept and runs after dbarch's. Also registers the
    /// merge driver (`merge.dbarch.*` in .git/config, `merge=dbarch` in .gitattributes).
    /// Idempotent.
    Install,
    /// Remove the hook and put back, byte for byte, the one it replaced; unregister the
    /// merge driver.
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
pub struct MergeDriverArgs {
    /// Conflict marker size (git's `%L`).
    #[arg(long, value_name = "N")]
    pub marker_size: Option<u16>,
    /// The merge base's version (git's `%O`).
    pub base: PathBuf,
    /// Our version, where the result is written (git's `%A`).
    pub ours: PathBuf,
    /// Their version (git's `%B`).
    pub theirs: PathBuf,
    /// The document's path in the repository (git's `%P`), for messages.
    pub path: Option<String>,
}

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// The conflicted document (default: every managed document with conflict markers).
    pub doc: Option<String>,
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
    /// Preview what the post-commit hook will write for the staged change if you commit
    /// now: the row(s) and the Last Updated change. Writes nothing.
    #[arg(long, conflicts_with_all = ["dry_run", "check", "timezone"])]
    pub staged: bool,
    /// With --staged: the commit message you will use (its subject is the row's Change
    /// text, and `[skip changelog]` in it is honoured).
    #[arg(short, long, requires = "staged", value_name = "MESSAGE")]
    pub message: Option<String>,
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
    /// Next Review for the header, YYYY-MM-DD (default: today + the review interval).
    #[arg(long, value_name = "DATE")]
    pub next_review: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusFormat {
    /// For people.
    #[default]
    Text,
    /// For programs (a stable schema, documented in the README).
    Json,
    /// A shields.io endpoint badge (`schemaVersion`, `label`, `message`, `color`) for the
    /// most urgent document.
    Shields,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Documents to show (default: the configured or discovered ones).
    pub docs: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: StatusFormat,
    /// Print only the summary line (and errors).
    #[arg(short, long, conflicts_with = "wide")]
    pub quiet: bool,
    /// Do not shorten the table to the terminal's width.
    #[arg(long)]
    pub wide: bool,
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
