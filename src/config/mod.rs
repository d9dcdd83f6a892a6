//! `dbarch.toml`: load, merge with the environment and flags, validate, dump.
//!
//! Layers, lowest first: built-in defaults ([`Config::defaults`]) < `dbarch.toml` at the
//! repository root < `DBARCH_*` environment variables (see [`ENV_VARS`]) < command-line
//! flags ([`Overrides`]). The three upper layers are one tree with every leaf optional,
//! so a key a layer does not set falls through to the layer below; they are merged once,
//! then laid over the defaults (the `file` module).
//!
//! The resolved [`Config`] holds values ready to use: globs compiled once, when the file
//! is read ([`Glob`]), and the header labels as the document reads them ([`Labels`]).
//!
//! Every error names the file, the line and column, and the key, e.g.
//! `dbarch.toml:7:1: unknown key `reviewrs` in [[docs]] (expected one of: path, ...)`.
//!
//! This module holds the resolved [`Config`] and [`Config::load`]; `file` the layer tree,
//! its checks and the merge, `diagnostics` the `file:line:col` messages, `values` the
//! keyword enums, time zones, globs and value validators. Document path resolution (the
//! refusal of a path that leaves the work tree) is [`crate::fsutil::resolve_doc_path`].
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::doc::Labels;
use crate::interval::Interval;
use crate::{Error, Result};

mod diagnostics;
mod file;
#[cfg(test)]
mod tests;
mod values;

pub use diagnostics::key_line;
pub use file::env_origin;
pub use values::{
    compile_glob, BranchPattern, GithubMode, Glob, HookMode, Order, SqlDialect, Timezone,
};

use diagnostics::{line_col_of_bytes, Source};
use file::{resolve, FileConfig};
use values::normalize_rel;

/// The configuration file's name, at the repository root.
pub const FILE_NAME: &str = "dbarch.toml";

/// A commented `dbarch.toml` with every key at its default (what `dbarch init` writes).
/// Parses to exactly [`Config::defaults`].
pub const TEMPLATE: &str = include_str!("../templates/dbarch.toml");

/// The document a repository without `[[docs]]` entries is about.
pub const DEFAULT_DOC_PATH: &str = "docs/database-architecture.md";

/// The placeholders `change-template` may use.
pub const CHANGE_PLACEHOLDERS: &[&str] = &["subject", "sections", "sha", "body"];

/// The smallest accepted `max-cell-width`.
pub const MIN_CELL_WIDTH: usize = 10;

/// `DBARCH_HOOK_MODE`: overrides `[hook] mode` (`amend`, `worktree` or `off`).
pub const ENV_HOOK_MODE: &str = "DBARCH_HOOK_MODE";
/// `DBARCH_GITHUB_MODE`: overrides `[github] mode` (`issue`, `pr` or `both`).
pub const ENV_GITHUB_MODE: &str = "DBARCH_GITHUB_MODE";
/// `DBARCH_TIMEZONE`: overrides `[changelog] timezone` (`commit` or an IANA name).
pub const ENV_TIMEZONE: &str = "DBARCH_TIMEZONE";
/// `DBARCH_REVIEW_EVERY`: overrides `review-every` of every `[[docs]]` entry and of
/// unconfigured documents (per-section `review-every` values are kept).
pub const ENV_REVIEW_EVERY: &str = "DBARCH_REVIEW_EVERY";
/// `DBARCH_LABELS`: overrides `[github] labels`; comma-separated, blanks dropped.
pub const ENV_LABELS: &str = "DBARCH_LABELS";

/// The environment variables read by [`Config::load`], with what each overrides. An
/// empty or blank value counts as unset.
pub const ENV_VARS: &[(&str, &str)] = &[
    (ENV_HOOK_MODE, "[hook] mode: amend | worktree | off"),
    (ENV_GITHUB_MODE, "[github] mode: issue | pr | both"),
    (
        ENV_TIMEZONE,
        "[changelog] timezone: commit or an IANA name (Europe/Lisbon)",
    ),
    (
        ENV_REVIEW_EVERY,
        "review-every of every document (90d, 3mo, quarterly, ...)",
    ),
    (ENV_LABELS, "[github] labels, comma-separated"),
];

// ---------------------------------------------------------------------------------------
// Resolved configuration
// ---------------------------------------------------------------------------------------

/// The fully resolved configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Config {
    /// `[[docs]]`: the documents dbarch keeps, in file order.
    pub docs: Vec<DocConfig>,
    pub changelog: ChangelogConfig,
    /// `[fields]`: the header labels.
    pub fields: Labels,
    pub hook: HookConfig,
    pub github: GithubConfig,
    /// `[schema]`: the migrations behind the schema inventory (`dbarch schema`).
    #[serde(skip_serializing_if = "SchemaConfig::is_default")]
    pub schema: SchemaConfig,
    /// The file read, if any.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Settings for a document no `[[docs]]` entry matches: the built-in defaults with
    /// `DBARCH_REVIEW_EVERY` applied. Not part of the file (`to_toml` leaves it out).
    #[serde(skip)]
    pub doc_defaults: DocConfig,
    /// Whether `docs` was given (by `[[docs]]` or on the command line). When it was not,
    /// commands discover documents instead of using the default path alone.
    #[serde(skip)]
    pub docs_explicit: bool,
}

/// One `[[docs]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DocConfig {
    /// A path or a glob (`*` stays within a directory, `**` crosses), relative to the
    /// repository root, `/`-separated.
    pub path: String,
    /// `path` compiled, when it is a glob (`None` for a literal path, and for the
    /// settings of one document that [`Config::doc_settings`] returns).
    #[serde(skip)]
    pub glob: Option<Glob>,
    pub review_every: Interval,
    /// GitHub users or teams (`@octocat`, `@acme/dba-team`); also the Reviewed By default.
    pub reviewers: Vec<String>,
    pub remind_before: Interval,
    /// Overdue = past Next Review by more than this.
    pub grace: Interval,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sections: BTreeMap<String, SectionConfig>,
    /// Paths (newest first; the document's own path for a delete and re-add in place)
    /// where an earlier life of the document was deleted before it was added again: the
    /// history goes on there. Without, an add that is no rename starts the history.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous_paths: Vec<String>,
    /// `[docs.schema]`: this document's schema settings, over the top-level `[schema]`
    /// (`None`: the top-level ones). See [`Config::schema_for`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaConfig>,
}

impl DocConfig {
    /// Whether this entry names `rel` or its glob matches it. A literal path matches only
    /// itself, so looking up every document of a long `[[docs]]` list stays fast.
    pub fn matches(&self, rel: &str) -> bool {
        self.path == rel || self.glob.as_ref().is_some_and(|g| g.is_match(rel))
    }

    /// [`DocConfig::previous_paths`] as the history walk takes them, for `rel`.
    pub fn history_previous_paths(&self, rel: &str) -> Vec<(PathBuf, Vec<PathBuf>)> {
        if self.previous_paths.is_empty() {
            return Vec::new();
        }
        let paths = self
            .previous_paths
            .iter()
            .map(|p| PathBuf::from(p.trim_start_matches("./")))
            .collect();
        vec![(PathBuf::from(rel), paths)]
    }
}

/// `[schema]` (and `[docs.schema]`): where the migrations are and how to read them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SchemaConfig {
    /// Globs of migration files, relative to the repository root. The defaults find
    /// Flyway, golang-migrate, dbmate, sqlx, Atlas, Prisma, Diesel and plain
    /// `migrations/` layouts; `schema.sql` / `structure.sql` dumps count only when no
    /// other migration file matches. An empty list turns the feature off.
    pub migrations: Vec<Glob>,
    /// Globs left out (down and undo migrations by default).
    pub exclude: Vec<Glob>,
    /// The SQL dialect: auto (generic, then each dialect in turn), generic, postgres,
    /// mysql, sqlite or mssql.
    pub dialect: SqlDialect,
    /// `lint` fails (exit 1) on schema findings.
    pub require_mentions: bool,
}

/// The default `[schema] migrations` globs.
pub const DEFAULT_MIGRATION_GLOBS: &[&str] = &[
    "**/V*__*.sql",
    "**/R__*.sql",
    "**/*.up.sql",
    "**/up.sql",
    "**/migration.sql",
    "**/migrations/**/*.sql",
    "**/migrate/**/*.sql",
    "**/schema.sql",
    "**/structure.sql",
];

/// The default `[schema] exclude` globs.
pub const DEFAULT_MIGRATION_EXCLUDES: &[&str] = &[
    "**/*.down.sql",
    "**/down.sql",
    "**/U*__*.sql",
    "**/node_modules/**",
];

impl Default for SchemaConfig {
    /// The defaults, compiled once per process.
    fn default() -> Self {
        static DEFAULT: std::sync::OnceLock<SchemaConfig> = std::sync::OnceLock::new();
        let compiled = |globs: &[&str]| -> Vec<Glob> {
            globs
                .iter()
                .map(|g| Glob::new(g).expect("the default [schema] globs compile"))
                .collect()
        };
        DEFAULT
            .get_or_init(|| SchemaConfig {
                migrations: compiled(DEFAULT_MIGRATION_GLOBS),
                exclude: compiled(DEFAULT_MIGRATION_EXCLUDES),
                dialect: SqlDialect::Auto,
                require_mentions: false,
            })
            .clone()
    }
}

impl SchemaConfig {
    fn is_default(&self) -> bool {
        *self == SchemaConfig::default()
    }
}

/// `[docs.sections."Name"]`: per-section settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SectionConfig {
    /// Overrides the document's `review-every` for this section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Interval>,
    /// Drift: code path globs related to this section.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Glob>,
    /// Any change touching this section gets this impact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
}

/// `[changelog]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ChangelogConfig {
    pub timezone: Timezone,
    /// Substrings of the author name or email; matching commits are left out.
    pub skip_authors: Vec<String>,
    pub skip_whitespace_only: bool,
    /// Read when it exists; empty means none.
    pub ignore_revs_file: String,
    /// Placeholders: see [`CHANGE_PLACEHOLDERS`].
    pub change_template: String,
    /// Longer cell text is cut with an ellipsis.
    pub max_cell_width: usize,
    pub order: Order,
    pub default_impact: String,
    /// Empty: keep the document's style; else a chrono strftime format (validated to
    /// format a date).
    pub date_format: String,
    /// `[[changelog.impact-rules]]`, in file order; the first match wins.
    pub impact_rules: Vec<ImpactRule>,
}

/// `[[changelog.impact-rules]]`. Exactly one of `path` and `section` is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImpactRule {
    /// A glob matched against every file the commit changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Glob>,
    /// A section name (heading text) the commit touched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub impact: String,
}

/// `[hook]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct HookConfig {
    pub mode: HookMode,
    /// Branches (names or globs) the hook writes rows on; empty = every branch. The
    /// conflict-free team setup sets it to the default branch (README: Working in a team).
    pub branches: Vec<BranchPattern>,
}

/// `[github]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct GithubConfig {
    pub mode: GithubMode,
    pub labels: Vec<String>,
    /// `changelog-pr`: open a Change Log pull request for commits the Change Log does not
    /// record (needs `contents: write` and `pull-requests: write`). Off by default.
    pub changelog_pr: bool,
    /// `login`: the GitHub login whose review issues `remind` trusts (its own). Unset: the
    /// token's identity (`GET /user`), or `github-actions[bot]` for the job token.
    pub login: Option<String>,
}

/// Values from flags, already parsed by clap; `None` = not given. [`Config::load`] makes
/// them the top layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub hook_mode: Option<HookMode>,
    pub github_mode: Option<GithubMode>,
    /// `commit` or an IANA name; parsed by [`Config::load`] (a bad value is a usage error).
    pub timezone: Option<String>,
    /// Doc paths from the command line replace `[[docs]]`: each keeps the settings of the
    /// `[[docs]]` entry it matches (see [`Config::doc_settings`]), else the defaults.
    pub docs: Vec<String>,
}

impl Default for DocConfig {
    fn default() -> Self {
        DocConfig {
            path: DEFAULT_DOC_PATH.to_string(),
            glob: None,
            review_every: Interval::Days(90),
            reviewers: Vec::new(),
            remind_before: Interval::Days(14),
            grace: Interval::Days(14),
            sections: BTreeMap::new(),
            previous_paths: Vec::new(),
            schema: None,
        }
    }
}

impl Default for ChangelogConfig {
    fn default() -> Self {
        ChangelogConfig {
            timezone: Timezone::Commit,
            skip_authors: vec!["[bot]".to_string()],
            skip_whitespace_only: false,
            ignore_revs_file: ".git-blame-ignore-revs".to_string(),
            change_template: "{subject}".to_string(),
            max_cell_width: 120,
            order: Order::Auto,
            default_impact: "Low".to_string(),
            date_format: String::new(),
            impact_rules: Vec::new(),
        }
    }
}

impl Default for HookConfig {
    fn default() -> Self {
        HookConfig {
            mode: HookMode::Amend,
            branches: Vec::new(),
        }
    }
}

impl Default for GithubConfig {
    fn default() -> Self {
        GithubConfig {
            mode: GithubMode::Issue,
            labels: vec!["architecture-review".to_string()],
            changelog_pr: false,
            login: None,
        }
    }
}

/// The file layer of a `dbarch.toml` text, checked; a problem names the file, the line
/// and the column.
fn parse_file(text: &str, file_name: &str) -> Result<FileConfig> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let src = Source::new(text, file_name)?;
    src.reject_arrays_for_tables()?;
    let file: FileConfig = toml::from_str(text).map_err(|e| src.serde_error(&e))?;
    file.check(&src)?;
    Ok(file)
}

impl Default for Config {
    fn default() -> Self {
        Config::defaults()
    }
}

impl Config {
    /// Reads `<root>/dbarch.toml` when present (or `explicit` when given — then it must
    /// exist; a relative `explicit` is taken as given, i.e. from the current directory),
    /// then the environment (`env` looks a variable up; see [`ENV_VARS`]), then
    /// `overrides`.
    ///
    /// File and environment problems are [`Error::Config`]; a bad override is
    /// [`Error::Usage`]; an unreadable file is [`Error::Io`].
    pub fn load(
        root: &Path,
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Config> {
        let (path, name, required) = match explicit {
            Some(p) => (p.to_path_buf(), p.display().to_string(), true),
            None => (root.join(FILE_NAME), FILE_NAME.to_string(), false),
        };
        let text = match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|e| {
                let (line, col) = line_col_of_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
                Error::Config(format!("{name}:{line}:{col}: not valid UTF-8"))
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => None,
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut config = Config::from_layers(text.as_deref().map(|t| (t, &*name)), env, overrides)?;
        config.source = text.map(|_| path);
        Ok(config)
    }

    /// The layers merged (see the `file` module): the text of a `dbarch.toml` and the
    /// name its messages call it, if there is one, then the environment, then the flags.
    fn from_layers(
        file: Option<(&str, &str)>,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Config> {
        let mut layers = match file {
            Some((text, name)) => parse_file(text, name)?,
            None => FileConfig::default(),
        };
        layers.update(FileConfig::from_env(env)?);
        layers.update(FileConfig::from_flags(overrides)?);
        Ok(resolve(layers))
    }

    /// Parses the text of a `dbarch.toml` over the defaults (no environment, no flags).
    /// `file_name` is what error messages call the file.
    pub fn parse_str(text: &str, file_name: &str) -> Result<Config> {
        parse_file(text, file_name).map(resolve)
    }

    /// The built-in defaults: one document, [`DEFAULT_DOC_PATH`], reviewed every 90 days.
    pub fn defaults() -> Config {
        Config {
            docs: vec![DocConfig::default()],
            changelog: ChangelogConfig::default(),
            fields: Labels::default(),
            hook: HookConfig::default(),
            github: GithubConfig::default(),
            schema: SchemaConfig::default(),
            source: None,
            doc_defaults: DocConfig::default(),
            docs_explicit: false,
        }
    }

    /// The effective configuration as TOML (what `dbarch config` prints); round-trips
    /// through [`Config::load`] (except [`Config::doc_defaults`], which has no key).
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Effective dbarch configuration \
             (defaults < dbarch.toml < DBARCH_* environment < flags).\n",
        );
        if let Some(p) = &self.source {
            out.push_str(&format!("# Read from: {}\n", p.display()));
        }
        out.push('\n');
        match toml::to_string(self) {
            Ok(body) => out.push_str(&body),
            Err(e) => out.push_str(&format!("# cannot render the configuration: {e}\n")),
        }
        out
    }

    /// The schema settings of a document: its `[docs.schema]`, else `[schema]`.
    pub fn schema_for(&self, doc: &DocConfig) -> SchemaConfig {
        doc.schema.clone().unwrap_or_else(|| self.schema.clone())
    }

    /// The settings for a document path: the first `[[docs]]` entry whose path equals
    /// `rel_path` or whose glob matches it, else [`Config::doc_defaults`]. The
    /// returned `path` is `rel_path` (normalized: `./` dropped, `\` as `/`), its `glob`
    /// `None`. No glob is compiled: each entry's was, when the configuration was read.
    pub fn doc_settings(&self, rel_path: &str) -> DocConfig {
        let rel = normalize_rel(rel_path);
        let found = self.docs.iter().find(|d| d.matches(&rel));
        let mut doc = found.cloned().unwrap_or_else(|| self.doc_defaults.clone());
        doc.path = rel;
        doc.glob = None;
        doc
    }
}
