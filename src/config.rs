//! `dbarch.toml`: load, merge with the environment and flags, validate, dump.
//!
//! Layers, lowest first: built-in defaults ([`Config::defaults`]) < `dbarch.toml` at the
//! repository root < `DBARCH_*` environment variables (see [`ENV_VARS`]) < command-line
//! flags ([`Overrides`]). The file layer keeps every leaf optional so a key that is absent
//! falls through to the layer below.
//!
//! Every error names the file, the line and column, and the key, e.g.
//! `dbarch.toml:7:1: unknown key `reviewrs` in [[docs]] (expected one of: path, ...)`.
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::interval::Interval;
use crate::{Error, Result};

/// The configuration file's name, at the repository root.
pub const FILE_NAME: &str = "dbarch.toml";

/// A commented `dbarch.toml` with every key at its default (what `dbarch init` writes).
/// Parses to exactly [`Config::defaults`].
pub const TEMPLATE: &str = include_str!("templates/dbarch.toml");

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
    pub fields: FieldLabels,
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
    pub migrations: Vec<String>,
    /// Globs left out (down and undo migrations by default).
    pub exclude: Vec<String>,
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
    fn default() -> Self {
        SchemaConfig {
            migrations: DEFAULT_MIGRATION_GLOBS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            exclude: DEFAULT_MIGRATION_EXCLUDES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            dialect: SqlDialect::Auto,
            require_mentions: false,
        }
    }
}

impl SchemaConfig {
    fn is_default(&self) -> bool {
        *self == SchemaConfig::default()
    }

    fn overlay(&self, f: FileSchema) -> SchemaConfig {
        SchemaConfig {
            migrations: f
                .migrations
                .map(|v| v.into_iter().map(|g| g.0).collect())
                .unwrap_or_else(|| self.migrations.clone()),
            exclude: f
                .exclude
                .map(|v| v.into_iter().map(|g| g.0).collect())
                .unwrap_or_else(|| self.exclude.clone()),
            dialect: f.dialect.unwrap_or(self.dialect),
            require_mentions: f.require_mentions.unwrap_or(self.require_mentions),
        }
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
    pub paths: Vec<String>,
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
    pub path: Option<String>,
    /// A section name (heading text) the commit touched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub impact: String,
}

/// `[fields]`: the header labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FieldLabels {
    pub last_updated: String,
    pub reviewed_by: String,
    pub next_review: String,
}

/// `[hook]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct HookConfig {
    pub mode: HookMode,
    /// Branches (names or globs) the hook writes rows on; empty = every branch. The
    /// conflict-free team setup sets it to the default branch (README: Working in a team).
    pub branches: Vec<String>,
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

/// Which clock Change Log dates are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timezone {
    /// The commit's own UTC offset.
    Commit,
    /// A fixed IANA zone.
    Named(chrono_tz::Tz),
}

impl Timezone {
    /// `commit` or an exact IANA name (`Europe/Lisbon`, `UTC`).
    pub fn parse(s: &str) -> std::result::Result<Timezone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("commit") {
            return Ok(Timezone::Commit);
        }
        if let Ok(tz) = t.parse::<chrono_tz::Tz>() {
            return Ok(Timezone::Named(tz));
        }
        let hint = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(t))
            .map(|tz| format!("did you mean `{}`? ", tz.name()))
            .unwrap_or_default();
        Err(format!(
            "unknown timezone `{t}`: {hint}use \"commit\" or an IANA name such as \
             \"Europe/Lisbon\" or \"UTC\""
        ))
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timezone::Commit => f.write_str("commit"),
            Timezone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

impl std::str::FromStr for Timezone {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Timezone::parse(s)
    }
}

impl Serialize for Timezone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timezone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_str(ParseVisitor::new(
            "\"commit\" or an IANA timezone name",
            Timezone::parse,
        ))
    }
}

/// A string-valued enum: the variants, their spelling, `parse`, `Display`, `FromStr`,
/// serde (as the string), and `clap::ValueEnum`.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])* $name:ident, $what:literal,
        { $($(#[$vmeta:meta])* $var:ident => $s:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
        pub enum $name {
            $($(#[$vmeta])* #[value(name = $s)] $var),+
        }

        impl $name {
            /// Every spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// Exact (case-insensitive) spelling; the error lists the accepted values.
            pub fn parse(s: &str) -> std::result::Result<Self, String> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($s) { return Ok($name::$var); })+
                Err(format!(
                    "unknown {} `{}` (expected one of: {})",
                    $what,
                    t,
                    Self::NAMES.join(", ")
                ))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                d.deserialize_str(ParseVisitor::new(concat!("a ", $what, " string"), $name::parse))
            }
        }
    };
}

keyword_enum!(
    /// Change Log row order.
    Order, "order", {
        /// Detect from the existing rows; oldest-first when there is nothing to detect.
        Auto => "auto",
        OldestFirst => "oldest-first",
        NewestFirst => "newest-first",
    }
);

keyword_enum!(
    /// What the git hook does with the rewritten document.
    HookMode, "hook mode", {
        /// Amend the commit that changed the document.
        Amend => "amend",
        /// Leave the rewrite in the working tree.
        Worktree => "worktree",
        /// Do nothing.
        Off => "off",
    }
);

keyword_enum!(
    /// How review reminders reach GitHub.
    GithubMode, "github mode", {
        Issue => "issue",
        Pr => "pr",
        Both => "both",
    }
);

keyword_enum!(
    /// The SQL dialect of the migrations.
    SqlDialect, "SQL dialect", {
        /// The generic dialect, then PostgreSQL, MySQL, SQLite and MS SQL in turn.
        Auto => "auto",
        Generic => "generic",
        Postgres => "postgres",
        Mysql => "mysql",
        Sqlite => "sqlite",
        Mssql => "mssql",
    }
);

/// Values from flags, already parsed by clap; `None` = not given.
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

impl Default for FieldLabels {
    fn default() -> Self {
        FieldLabels {
            last_updated: "Last Updated".to_string(),
            reviewed_by: "Reviewed By".to_string(),
            next_review: "Next Review".to_string(),
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
        let mut config = match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|e| {
                    let (line, col) = line_col_of_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
                    Error::Config(format!("{name}:{line}:{col}: not valid UTF-8"))
                })?;
                let mut c = Config::parse_str(&text, &name)?;
                c.source = Some(path);
                c
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Config::defaults(),
            Err(e) => return Err(Error::io(path, e)),
        };
        config.apply_env(env)?;
        config.apply_overrides(overrides)?;
        Ok(config)
    }

    /// Parses the text of a `dbarch.toml` over the defaults (no environment, no flags).
    /// `file_name` is what error messages call the file.
    pub fn parse_str(text: &str, file_name: &str) -> Result<Config> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let src = Source::new(text, file_name)?;
        src.reject_arrays_for_tables()?;
        let file: FileConfig = toml::from_str(text).map_err(|e| src.serde_error(&e))?;
        resolve(file, &src)
    }

    /// The built-in defaults: one document, [`DEFAULT_DOC_PATH`], reviewed every 90 days.
    pub fn defaults() -> Config {
        Config {
            docs: vec![DocConfig::default()],
            changelog: ChangelogConfig::default(),
            fields: FieldLabels::default(),
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
    /// returned `path` is `rel_path` (normalized: `./` dropped, `\` as `/`).
    pub fn doc_settings(&self, rel_path: &str) -> DocConfig {
        let rel = normalize_rel(rel_path);
        // A literal path matches only itself: no glob is compiled for it, so looking up
        // every document of a long `[[docs]]` list stays fast (2,000 entries).
        let found = self.docs.iter().find(|d| {
            d.path == rel
                || (d.path.contains(['*', '?', '[', '{', '\\'])
                    && compile_glob(&d.path)
                        .map(|g| g.is_match(&rel))
                        .unwrap_or(false))
        });
        let mut doc = found.cloned().unwrap_or_else(|| self.doc_defaults.clone());
        doc.path = rel;
        doc
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let bad =
            |name: &str, msg: String| Error::Config(format!("environment variable {name}: {msg}"));
        if let Some(v) = get(ENV_HOOK_MODE) {
            self.hook.mode = HookMode::parse(&v).map_err(|m| bad(ENV_HOOK_MODE, m))?;
        }
        if let Some(v) = get(ENV_GITHUB_MODE) {
            self.github.mode = GithubMode::parse(&v).map_err(|m| bad(ENV_GITHUB_MODE, m))?;
        }
        if let Some(v) = get(ENV_TIMEZONE) {
            self.changelog.timezone = Timezone::parse(&v).map_err(|m| bad(ENV_TIMEZONE, m))?;
        }
        if let Some(v) = get(ENV_REVIEW_EVERY) {
            let every = Interval::parse(&v).map_err(|m| bad(ENV_REVIEW_EVERY, m))?;
            for d in &mut self.docs {
                d.review_every = every;
            }
            self.doc_defaults.review_every = every;
        }
        if let Some(v) = get(ENV_LABELS) {
            self.github.labels = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
        }
        Ok(())
    }

    fn apply_overrides(&mut self, o: &Overrides) -> Result<()> {
        if let Some(m) = o.hook_mode {
            self.hook.mode = m;
        }
        if let Some(m) = o.github_mode {
            self.github.mode = m;
        }
        if let Some(tz) = &o.timezone {
            self.changelog.timezone =
                Timezone::parse(tz).map_err(|m| Error::Usage(format!("--timezone: {m}")))?;
        }
        if !o.docs.is_empty() {
            let mut docs = Vec::with_capacity(o.docs.len());
            for p in &o.docs {
                let p = check_doc_path(p).map_err(Error::Usage)?;
                docs.push(self.doc_settings(&p));
            }
            self.docs = docs;
            self.docs_explicit = true;
        }
        Ok(())
    }
}

/// The 1-based line of the key `path` (`["docs", "0", "review-every"]`: a number is an
/// index into an array of tables) in the TOML `text`, for `dbarch config --show-origin`.
pub fn key_line(text: &str, path: &[String]) -> Option<usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let src = Source::new(text, FILE_NAME).ok()?;
    let segs: Vec<Seg> = path
        .iter()
        .map(|p| match p.parse::<usize>() {
            Ok(i) => Seg::Index(i),
            Err(_) => Seg::Key(p.clone()),
        })
        .collect();
    src.line_of(&segs)
}

/// The `DBARCH_*` variable that sets the key `path` of the effective configuration, if
/// the environment (`env`) sets it.
pub fn env_origin(path: &[String], env: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let var = match p.as_slice() {
        ["hook", "mode"] => ENV_HOOK_MODE,
        ["github", "mode"] => ENV_GITHUB_MODE,
        ["github", "labels", ..] => ENV_LABELS,
        ["changelog", "timezone"] => ENV_TIMEZONE,
        ["docs", _, "review-every"] => ENV_REVIEW_EVERY,
        _ => return None,
    };
    env(var).filter(|v| !v.trim().is_empty()).map(|_| var)
}

/// Compiles a path glob the way dbarch matches them everywhere: `/`-separated, relative
/// to the repository root, `*` and `?` stay within one directory, `**` crosses.
pub fn compile_glob(pattern: &str) -> std::result::Result<globset::GlobMatcher, String> {
    #[cfg(test)]
    GLOBS_COMPILED.with(|c| c.set(c.get() + 1));
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

#[cfg(test)]
thread_local! {
    /// How many globs [`compile_glob`] compiled on this thread (tests count them).
    static GLOBS_COMPILED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// ---------------------------------------------------------------------------------------
// File layer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the dbarch.toml table")]
struct FileConfig {
    docs: Option<Vec<FileDoc>>,
    changelog: FileChangelog,
    fields: FileFields,
    hook: FileHook,
    github: FileGithub,
    schema: Option<FileSchema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [[docs]] table")]
struct FileDoc {
    path: Option<DocPath>,
    review_every: Option<Interval>,
    reviewers: Option<Vec<Text>>,
    remind_before: Option<Interval>,
    grace: Option<Interval>,
    sections: Option<BTreeMap<String, FileSection>>,
    previous_paths: Option<Vec<Text>>,
    schema: Option<FileSchema>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [schema] table")]
struct FileSchema {
    migrations: Option<Vec<PathGlob>>,
    exclude: Option<Vec<PathGlob>>,
    dialect: Option<SqlDialect>,
    require_mentions: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a table of section settings")]
struct FileSection {
    review_every: Option<Interval>,
    paths: Option<Vec<PathGlob>>,
    impact: Option<Impact>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [changelog] table")]
struct FileChangelog {
    timezone: Option<Timezone>,
    skip_authors: Option<Vec<Text>>,
    skip_whitespace_only: Option<bool>,
    ignore_revs_file: Option<String>,
    change_template: Option<ChangeTemplate>,
    max_cell_width: Option<CellWidth>,
    order: Option<Order>,
    default_impact: Option<Impact>,
    date_format: Option<DateFormat>,
    impact_rules: Option<Vec<FileImpactRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "a [[changelog.impact-rules]] table")]
struct FileImpactRule {
    path: Option<PathGlob>,
    section: Option<Text>,
    impact: Option<Impact>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [fields] table")]
struct FileFields {
    last_updated: Option<Text>,
    reviewed_by: Option<Text>,
    next_review: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [hook] table")]
struct FileHook {
    mode: Option<HookMode>,
    branches: Option<Vec<Text>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
#[serde(expecting = "the [github] table")]
struct FileGithub {
    mode: Option<GithubMode>,
    labels: Option<Vec<Text>>,
    changelog_pr: Option<bool>,
    login: Option<Text>,
}

/// A string visitor that runs a parser, so a bad value's error carries its span.
struct ParseVisitor<T> {
    expecting: &'static str,
    parse: fn(&str) -> std::result::Result<T, String>,
}

impl<T> ParseVisitor<T> {
    fn new(expecting: &'static str, parse: fn(&str) -> std::result::Result<T, String>) -> Self {
        ParseVisitor { expecting, parse }
    }
}

impl<T> serde::de::Visitor<'_> for ParseVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

/// Declares a validated string newtype deserialized through `$check`.
macro_rules! checked_string {
    ($name:ident, $expecting:literal, $check:expr) => {
        #[derive(Debug, Clone)]
        struct $name(String);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                d.deserialize_str(ParseVisitor::new($expecting, |s: &str| {
                    let check: fn(&str) -> std::result::Result<String, String> = $check;
                    check(s).map($name)
                }))
            }
        }
    };
}

checked_string!(DocPath, "a document path or glob", check_doc_path);
checked_string!(PathGlob, "a path glob", check_path_glob);
checked_string!(Impact, "an impact such as \"High\" or \"Low\"", |s| {
    check_cell_text(s, "an impact")
});
checked_string!(Text, "a string", |s| {
    if s.trim().is_empty() {
        Err("must not be empty".to_string())
    } else if s.contains(['\n', '\r']) {
        Err("must be a single line".to_string())
    } else {
        Ok(s.to_string())
    }
});
checked_string!(
    ChangeTemplate,
    "a change template string",
    check_change_template
);
checked_string!(DateFormat, "a strftime format string", check_date_format);

#[derive(Debug, Clone, Copy)]
struct CellWidth(usize);

impl<'de> Deserialize<'de> for CellWidth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if n < MIN_CELL_WIDTH as i64 {
            return Err(serde::de::Error::custom(format!(
                "must be at least {MIN_CELL_WIDTH}, found {n}"
            )));
        }
        usize::try_from(n)
            .map(CellWidth)
            .map_err(|_| serde::de::Error::custom(format!("too large: {n}")))
    }
}

fn normalize_rel(p: &str) -> String {
    let mut s = p.trim().replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

/// A document path or glob: non-empty, relative, no `..`, a valid glob. Returns it
/// normalized (`./` dropped, `\` as `/`).
fn check_doc_path(p: &str) -> std::result::Result<String, String> {
    let n = normalize_rel(p);
    if n.is_empty() {
        return Err("document path must not be empty".to_string());
    }
    if n.starts_with('/') || Path::new(&n).is_absolute() || n.chars().nth(1) == Some(':') {
        return Err(format!(
            "document path `{p}` must be relative to the repository root"
        ));
    }
    // `..` is resolved where the path stays inside (`docs/sub/../x.md` is `docs/x.md`).
    let mut parts: Vec<&str> = Vec::new();
    for c in n.split('/') {
        match c {
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("document path `{p}` leaves the repository (`..`)"));
                }
            }
            "." | "" => {}
            c => parts.push(c),
        }
    }
    let n = if !n.split('/').any(|c| c == "..") {
        n
    } else if n.contains(['*', '?', '[', '{']) {
        return Err(format!(
            "document path `{p}`: `..` is not allowed in a glob"
        ));
    } else {
        parts.join("/")
    };
    if n.is_empty() {
        return Err(format!("document path `{p}` is the repository root"));
    }
    compile_glob(&n)?;
    Ok(n)
}

fn check_path_glob(p: &str) -> std::result::Result<String, String> {
    if p.trim().is_empty() {
        return Err("path glob must not be empty".to_string());
    }
    if p.starts_with('/') {
        return Err(format!(
            "path glob `{p}` must be relative to the repository root (drop the leading `/`)"
        ));
    }
    compile_glob(p)?;
    Ok(p.to_string())
}

/// Text that lands in a Markdown table cell: non-empty, one line, no `|`.
fn check_cell_text(s: &str, what: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if t.contains(['\n', '\r', '|']) {
        return Err(format!("{what} must be one line without `|`: `{t}`"));
    }
    Ok(t.to_string())
}

fn check_change_template(t: &str) -> std::result::Result<String, String> {
    if t.trim().is_empty() {
        return Err("change-template must not be empty".to_string());
    }
    let expected = CHANGE_PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!(
                "unclosed `{{` in change-template `{t}` (placeholders: {expected})"
            ));
        };
        let name = &after[..close];
        if !CHANGE_PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{name}}}` in change-template (placeholders: {expected})"
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(t.to_string())
}

fn check_date_format(f: &str) -> std::result::Result<String, String> {
    use std::fmt::Write;
    if f.is_empty() {
        return Ok(String::new());
    }
    let sample = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let mut out = String::new();
    if write!(out, "{}", sample.format(f)).is_err() {
        return Err(format!(
            "date-format `{f}` cannot format a date \
             (use date specifiers such as %Y-%m-%d or %B %-d, %Y)"
        ));
    }
    if out.contains(['\n', '\r', '|']) {
        return Err(format!(
            "date-format `{f}` must produce one line without `|`"
        ));
    }
    Ok(f.to_string())
}

// ---------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------

fn texts(v: Vec<Text>) -> Vec<String> {
    v.into_iter().map(|t| t.0).collect()
}

fn resolve(file: FileConfig, src: &Source<'_>) -> Result<Config> {
    let mut config = Config::defaults();
    let base = DocConfig::default();
    if let Some(s) = file.schema {
        config.schema = SchemaConfig::default().overlay(s);
    }

    if let Some(docs) = file.docs {
        config.docs_explicit = true;
        let mut out: Vec<DocConfig> = Vec::with_capacity(docs.len());
        for (i, d) in docs.into_iter().enumerate() {
            let here = [Seg::key("docs"), Seg::Index(i)];
            let Some(path) = d.path else {
                return Err(src.error_at(&here, "a [[docs]] entry needs a `path`"));
            };
            if let Some(prev) = out.iter().position(|o| o.path == path.0) {
                let first = src
                    .line_of(&[Seg::key("docs"), Seg::Index(prev), Seg::key("path")])
                    .map(|l| format!(" (first at line {l})"))
                    .unwrap_or_default();
                return Err(src.error_at(
                    &[Seg::key("docs"), Seg::Index(i), Seg::key("path")],
                    &format!("duplicate [[docs]] path `{}`{first}", path.0),
                ));
            }
            let sections = d
                .sections
                .unwrap_or_default()
                .into_iter()
                .map(|(name, s)| {
                    let sc = SectionConfig {
                        review_every: s.review_every,
                        paths: s
                            .paths
                            .unwrap_or_default()
                            .into_iter()
                            .map(|g| g.0)
                            .collect(),
                        impact: s.impact.map(|i| i.0),
                    };
                    (name, sc)
                })
                .collect();
            out.push(DocConfig {
                path: path.0,
                review_every: d.review_every.unwrap_or(base.review_every),
                reviewers: d
                    .reviewers
                    .map(texts)
                    .unwrap_or_else(|| base.reviewers.clone()),
                remind_before: d.remind_before.unwrap_or(base.remind_before),
                grace: d.grace.unwrap_or(base.grace),
                sections,
                previous_paths: d.previous_paths.map(texts).unwrap_or_default(),
                schema: d.schema.map(|s| config.schema.overlay(s)),
            });
        }
        config.docs = out;
    }

    let c = file.changelog;
    let cl = &mut config.changelog;
    if let Some(v) = c.timezone {
        cl.timezone = v;
    }
    if let Some(v) = c.skip_authors {
        cl.skip_authors = texts(v);
    }
    if let Some(v) = c.skip_whitespace_only {
        cl.skip_whitespace_only = v;
    }
    if let Some(v) = c.ignore_revs_file {
        cl.ignore_revs_file = v;
    }
    if let Some(v) = c.change_template {
        cl.change_template = v.0;
    }
    if let Some(v) = c.max_cell_width {
        cl.max_cell_width = v.0;
    }
    if let Some(v) = c.order {
        cl.order = v;
    }
    if let Some(v) = c.default_impact {
        cl.default_impact = v.0;
    }
    if let Some(v) = c.date_format {
        cl.date_format = v.0;
    }
    if let Some(rules) = c.impact_rules {
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.into_iter().enumerate() {
            let here = [
                Seg::key("changelog"),
                Seg::key("impact-rules"),
                Seg::Index(i),
            ];
            let key = |k: &str| {
                [
                    Seg::key("changelog"),
                    Seg::key("impact-rules"),
                    Seg::Index(i),
                    Seg::key(k),
                ]
            };
            let Some(impact) = r.impact else {
                return Err(
                    src.error_at(&here, "a [[changelog.impact-rules]] rule needs an `impact`")
                );
            };
            match (&r.path, &r.section) {
                (Some(_), Some(_)) => return Err(src.error_at(
                    &key("section"),
                    "a [[changelog.impact-rules]] rule takes either `path` or `section`, not both",
                )),
                (None, None) => {
                    return Err(src.error_at(
                        &key("impact"),
                        "a [[changelog.impact-rules]] rule needs a `path` glob or a `section` name",
                    ))
                }
                _ => {}
            }
            out.push(ImpactRule {
                path: r.path.map(|p| p.0),
                section: r.section.map(|s| s.0),
                impact: impact.0,
            });
        }
        cl.impact_rules = out;
    }

    let f = file.fields;
    if let Some(v) = f.last_updated {
        config.fields.last_updated = v.0;
    }
    if let Some(v) = f.reviewed_by {
        config.fields.reviewed_by = v.0;
    }
    if let Some(v) = f.next_review {
        config.fields.next_review = v.0;
    }
    if let Some(v) = file.hook.mode {
        config.hook.mode = v;
    }
    if let Some(v) = file.hook.branches {
        config.hook.branches = v.into_iter().map(|t| t.0).collect();
    }
    if let Some(v) = file.github.mode {
        config.github.mode = v;
    }
    if let Some(v) = file.github.labels {
        config.github.labels = texts(v);
    }
    if let Some(v) = file.github.changelog_pr {
        config.github.changelog_pr = v;
    }
    if let Some(v) = file.github.login {
        config.github.login =
            Some(v.0.trim().trim_start_matches('@').to_string()).filter(|l| !l.is_empty());
    }
    Ok(config)
}

// ---------------------------------------------------------------------------------------
// Error locations
// ---------------------------------------------------------------------------------------

/// A step in a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// The text of a `dbarch.toml` with its parsed tree, for locating errors.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    tree: Spanned<DeTable<'a>>,
}

impl<'a> Source<'a> {
    /// Parses the text; a syntax error is reported with its position.
    fn new(text: &'a str, name: &'a str) -> Result<Source<'a>> {
        match DeTable::parse(text) {
            Ok(tree) => Ok(Source { name, text, tree }),
            Err(e) => {
                let msg = e.message();
                let at = e.span().map(|s| snippet(text, &s)).unwrap_or_default();
                let msg = if msg == "duplicate key" && !at.is_empty() {
                    format!("duplicate key `{}`", at.trim_matches('"'))
                } else {
                    format!("invalid TOML: {msg}")
                };
                Err(Error::Config(format!(
                    "{}: {msg}",
                    position(name, text, e.span())
                )))
            }
        }
    }

    /// Rewrites a serde error: position, key and table, and a readable unknown-key list.
    fn serde_error(&self, e: &toml::de::Error) -> Error {
        let msg = e.message();
        let Some(span) = e.span() else {
            return Error::Config(format!("{}: {msg}", self.name));
        };
        let pos = position(self.name, self.text, Some(span.clone()));
        let mut path = Vec::new();
        if !find_in_table(self.tree.get_ref(), span.start, &mut path) {
            return Error::Config(format!("{pos}: {msg}"));
        }
        if let Some(rest) = msg.strip_prefix("unknown field `") {
            let names = backticked(rest);
            let key = rest.split('`').next().unwrap_or_default();
            // The unknown key is the last `Key` in the path; its table is what comes before.
            let table = match last_key(&path) {
                Some((i, _)) => &path[..i],
                None => &path[..],
            };
            let expected = if names.is_empty() {
                "this table takes no keys".to_string()
            } else {
                format!("expected one of: {}", names.join(", "))
            };
            let help = closest(key, &names)
                .map(|n| format!("did you mean `{n}`?"))
                .unwrap_or_else(|| "remove the key, or check its table".to_string());
            return Error::Config(format!(
                "{pos}: unknown key `{key}` {} ({expected}){}",
                where_is(table),
                excerpt(self.text, &span, &help)
            ));
        }
        // A value error: name the key and its table, in words (no Rust type names).
        let msg = plain_serde(msg);
        let ex = excerpt(self.text, &span, "");
        match last_key(&path) {
            Some((i, key)) => Error::Config(format!(
                "{pos}: `{key}` {}: {msg}{ex}",
                where_is(&path[..i])
            )),
            None => Error::Config(format!("{pos}: {msg}{ex}")),
        }
    }

    /// An error at the key (or `[[table]]` header) `path` names, or at the file when it
    /// cannot be found. `msg` names the table.
    fn error_at(&self, path: &[Seg], msg: &str) -> Error {
        let span = locate(self.tree.get_ref(), path);
        Error::Config(format!("{}: {msg}", position(self.name, self.text, span)))
    }

    /// serde accepts a sequence where a struct is expected (`changelog = []` would mean
    /// the defaults); refuse an array wherever dbarch expects a table.
    fn reject_arrays_for_tables(&self) -> Result<()> {
        fn check(src: &Source<'_>, v: &Spanned<DeValue<'_>>, path: &[Seg]) -> Result<()> {
            if let (DeValue::Array(_), Some((i, key))) = (v.get_ref(), last_key(path)) {
                let table = &path[..i];
                return Err(Error::Config(format!(
                    "{}: `{key}` {}: invalid type: array, expected a table",
                    position(src.name, src.text, Some(v.span())),
                    where_is(table)
                )));
            }
            Ok(())
        }
        fn table<'t, 'i>(v: &'t Spanned<DeValue<'i>>) -> Option<&'t DeTable<'i>> {
            match v.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            }
        }
        fn array<'t, 'i>(v: &'t Spanned<DeValue<'i>>) -> &'t [Spanned<DeValue<'i>>] {
            match v.get_ref() {
                DeValue::Array(a) => a,
                _ => &[],
            }
        }
        fn get<'t, 'i>(t: &'t DeTable<'i>, k: &str) -> Option<&'t Spanned<DeValue<'i>>> {
            t.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v)
        }
        let top = self.tree.get_ref();
        for k in ["changelog", "fields", "hook", "github"] {
            if let Some(v) = get(top, k) {
                check(self, v, &[Seg::key(k)])?;
            }
        }
        if let Some(docs) = get(top, "docs") {
            for (i, d) in array(docs).iter().enumerate() {
                let here = [Seg::key("docs"), Seg::Index(i)];
                check(self, d, &here)?;
                let Some(sections) = table(d).and_then(|t| get(t, "sections")) else {
                    continue;
                };
                let here = [Seg::key("docs"), Seg::Index(i), Seg::key("sections")];
                check(self, sections, &here)?;
                for (name, s) in table(sections).into_iter().flat_map(|t| t.iter()) {
                    let mut p = here.to_vec();
                    p.push(Seg::Key(name.get_ref().to_string()));
                    check(self, s, &p)?;
                }
            }
        }
        if let Some(rules) = get(top, "changelog")
            .and_then(table)
            .and_then(|t| get(t, "impact-rules"))
        {
            for (i, r) in array(rules).iter().enumerate() {
                check(
                    self,
                    r,
                    &[
                        Seg::key("changelog"),
                        Seg::key("impact-rules"),
                        Seg::Index(i),
                    ],
                )?;
            }
        }
        Ok(())
    }

    fn line_of(&self, path: &[Seg]) -> Option<usize> {
        locate(self.tree.get_ref(), path).map(|s| line_col(self.text, s.start).0)
    }
}

/// `name:line:col` (1-based; the column counts characters), or `name` without a span.
fn position(name: &str, text: &str, span: Option<Range<usize>>) -> String {
    match span {
        Some(s) => {
            let (line, col) = line_col(text, s.start);
            format!("{name}:{line}:{col}")
        }
        None => name.to_string(),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

fn line_col_of_bytes(bytes: &[u8], offset: usize) -> (usize, usize) {
    let valid = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]);
    line_col(&valid, valid.len())
}

/// The line of `span` with a caret under it, as cargo shows it, and an optional `= help:`
/// line; the message's first line stays `file:line:col: what`.
///
/// ```text
///   |
/// 7 | reviewrs = ["@x"]
///   | ^^^^^^^^
///   = help: did you mean `reviewers`?
/// ```
fn excerpt(text: &str, span: &Range<usize>, help: &str) -> String {
    let (line, col) = line_col(text, span.start);
    let Some(src) = text.lines().nth(line - 1) else {
        return String::new();
    };
    let src = src.trim_end_matches('\r');
    let shown: String = src.chars().take(120).collect();
    let span_chars = text
        .get(span.clone())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        .max(1);
    let width = span_chars.min(shown.chars().count().saturating_sub(col - 1).max(1));
    let gutter = " ".repeat(line.to_string().len());
    let mut out = format!(
        "\n{gutter} |\n{line} | {}\n{gutter} | {}{}",
        crate::ui::sanitize(&shown),
        " ".repeat(col - 1),
        "^".repeat(width)
    );
    if !help.is_empty() {
        out.push_str(&format!("\n{gutter} = help: {help}"));
    }
    out
}

/// The known name closest to a mistyped `key` (edit distance at most 2, or a third of
/// its length), for "did you mean".
fn closest<'n>(key: &str, names: &[&'n str]) -> Option<&'n str> {
    let limit = (key.chars().count() / 3).max(2);
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(key, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// serde's type names in words a person reads: `expected a sequence` → `expected a list`.
fn plain_serde(msg: &str) -> String {
    let mut m = msg.to_string();
    for (rust, words) in [
        ("a sequence", "a list such as [\"a\", \"b\"]"),
        ("a map", "a table"),
        ("i64", "a whole number"),
        ("u64", "a whole number"),
        ("u32", "a whole number"),
        ("u8", "a whole number"),
        ("usize", "a whole number"),
        ("f64", "a number"),
        ("a boolean", "true or false"),
    ] {
        if let Some(rest) = m.strip_suffix(&format!("expected {rust}")) {
            m = format!("{rest}expected {words}");
        }
    }
    m.replace("invalid type: ", "")
}

/// The source text of a span, for messages (one line, bounded).
fn snippet(text: &str, span: &Range<usize>) -> String {
    text.get(span.clone())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect()
}

/// The `` `names` `` in a serde message, after the first (which is the offending key).
fn backticked(rest: &str) -> Vec<&str> {
    rest.split('`').skip(2).step_by(2).collect()
}

/// The last table key in `path`, with its index.
fn last_key(path: &[Seg]) -> Option<(usize, &str)> {
    path.iter().enumerate().rev().find_map(|(i, s)| match s {
        Seg::Key(k) => Some((i, k.as_str())),
        Seg::Index(_) => None,
    })
}

/// "in [[docs]]", "in [docs.sections."Security Architecture"]", "at the top level".
fn where_is(table: &[Seg]) -> String {
    if table.is_empty() {
        return "at the top level".to_string();
    }
    let name = table
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(toml_key(k)),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".");
    if matches!(table.last(), Some(Seg::Index(_))) {
        format!("in [[{name}]]")
    } else {
        format!("in [{name}]")
    }
}

fn toml_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        k.to_string()
    } else {
        let escaped: String = k
            .chars()
            .flat_map(|c| match c {
                '"' => "\\\"".chars().collect::<Vec<_>>(),
                '\\' => "\\\\".chars().collect(),
                c if c.is_control() => c.escape_unicode().collect(),
                c => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    }
}

fn contains(span: &Range<usize>, pos: usize) -> bool {
    (span.start <= pos && pos < span.end) || (span.start == pos && span.end == pos)
}

/// Finds the key path of whatever is at byte `pos`: a key, or a value. Depth first.
fn find_in_table(t: &DeTable<'_>, pos: usize, path: &mut Vec<Seg>) -> bool {
    for (k, v) in t.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        if contains(&k.span(), pos) || find_in_value(v, pos, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(v: &Spanned<DeValue<'_>>, pos: usize, path: &mut Vec<Seg>) -> bool {
    match v.get_ref() {
        DeValue::Table(t) if find_in_table(t, pos, path) => return true,
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                if find_in_value(e, pos, path) {
                    return true;
                }
                path.pop();
            }
        }
        _ => {}
    }
    contains(&v.span(), pos)
}

/// The span of the key `path` ends with, or of the element (a `[[table]]` header) it
/// ends with.
fn locate(t: &DeTable<'_>, path: &[Seg]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let Seg::Key(k) = first else { return None };
    let (key, value) = t.iter().find(|(key, _)| key.get_ref() == k)?;
    if rest.is_empty() {
        return Some(key.span());
    }
    locate_value(value, rest)
}

fn locate_value(v: &Spanned<DeValue<'_>>, path: &[Seg]) -> Option<Range<usize>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v.span());
    };
    match (first, v.get_ref()) {
        (Seg::Index(i), DeValue::Array(a)) => locate_value(a.get(*i)?, rest),
        (Seg::Key(_), DeValue::Table(t)) => locate(t, path),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<Config> {
        Config::parse_str(text, FILE_NAME)
    }

    /// The first line of the error (`file:line:col: what`); [`err_full`] has the excerpt.
    fn err(text: &str) -> String {
        err_full(text)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    fn err_full(text: &str) -> String {
        match parse(text) {
            Ok(c) => panic!("expected an error for {text:?}, got {c:?}"),
            Err(Error::Config(m)) => m,
            Err(e) => panic!("expected a config error, got {e:?}"),
        }
    }

    #[test]
    fn errors_show_the_line_with_a_caret_and_suggest_the_closest_key() {
        assert_eq!(
            err_full("[[docs]]\npath = \"a.md\"\nreviw-every = \"90d\"\n"),
            "dbarch.toml:3:1: unknown key `reviw-every` in [[docs]] (expected one of: \
             path, review-every, reviewers, remind-before, grace, sections, previous-paths, \
             schema)\n  |\n3 | reviw-every = \"90d\"\n  | ^^^^^^^^^^^\n  = help: did you mean `review-every`?"
        );
        assert_eq!(
            err_full("[changelog]\nskip-whitespace-only = \"yes\"\n"),
            "dbarch.toml:2:24: `skip-whitespace-only` in [changelog]: string \"yes\", \
             expected true or false\n  |\n2 | skip-whitespace-only = \"yes\"\n  | "
                .to_string()
                + &" ".repeat(23)
                + "^^^^^"
        );
        // Nothing close: no guess, a plain hint.
        assert!(err_full("[hook]\nzzzzzzzz = 1\n").contains("= help: remove the key"));
    }

    fn without_source(mut c: Config) -> Config {
        c.source = None;
        c
    }

    const FULL: &str = r#"
[[docs]]
path = "docs/database-architecture.md"
review-every = "90d"
reviewers = ["@acme/dba-team"]
remind-before = "14d"
grace = "14d"
[docs.sections."Security Architecture"]
review-every = "quarterly"
paths = ["db/security/**"]
impact = "High"

[[docs]]
path = "docs/adr/*.md"
review-every = "1y"

[changelog]
timezone = "Europe/Lisbon"
skip-authors = ["[bot]", "renovate"]
skip-whitespace-only = true
ignore-revs-file = ""
change-template = "{subject} ({sha})"
max-cell-width = 80
order = "newest-first"
default-impact = "Medium"
date-format = "%Y-%m-%d"
[[changelog.impact-rules]]
path = "migrations/**"
impact = "High"
[[changelog.impact-rules]]
section = "Security Architecture"
impact = "High"

[fields]
last-updated = "Updated"
reviewed-by = "Reviewers"
next-review = "Review Due"

[hook]
mode = "worktree"

[github]
mode = "both"
labels = ["architecture-review", "db"]
"#;

    #[test]
    fn template_parses_to_defaults() {
        let c = parse(TEMPLATE).unwrap();
        let expected = Config {
            docs_explicit: true,
            ..Config::defaults()
        };
        assert_eq!(c, expected);
    }

    #[test]
    fn template_mentions_every_key() {
        // Every key of a fully populated configuration appears in the template.
        let full = parse(FULL).unwrap().to_toml();
        for line in full.lines() {
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            let key = key.trim();
            assert!(
                TEMPLATE.contains(&format!("{key} = ")),
                "template lacks `{key}`"
            );
        }
        for table in [
            "[[docs]]",
            "[docs.sections.",
            "[changelog]",
            "[[changelog.impact-rules]]",
            "[fields]",
            "[hook]",
            "[github]",
        ] {
            assert!(TEMPLATE.contains(table), "template lacks {table}");
        }
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(parse("").unwrap(), Config::defaults());
        assert_eq!(
            parse("\u{feff}# just a comment\n").unwrap(),
            Config::defaults()
        );
    }

    #[test]
    fn full_example_parses() {
        let c = parse(FULL).unwrap();
        assert_eq!(c.docs.len(), 2);
        let d = &c.docs[0];
        assert_eq!(d.reviewers, vec!["@acme/dba-team"]);
        let s = &d.sections["Security Architecture"];
        assert_eq!(s.review_every, Some(Interval::Months(3)));
        assert_eq!(s.paths, vec!["db/security/**"]);
        assert_eq!(s.impact.as_deref(), Some("High"));
        assert_eq!(c.docs[1].review_every, Interval::Months(12));
        assert_eq!(c.docs[1].grace, Interval::Days(14));
        assert_eq!(
            c.changelog.timezone,
            Timezone::Named(chrono_tz::Europe::Lisbon)
        );
        assert_eq!(c.changelog.order, Order::NewestFirst);
        assert_eq!(c.changelog.max_cell_width, 80);
        assert_eq!(c.changelog.ignore_revs_file, "");
        assert_eq!(
            c.changelog.impact_rules,
            vec![
                ImpactRule {
                    path: Some("migrations/**".into()),
                    section: None,
                    impact: "High".into()
                },
                ImpactRule {
                    path: None,
                    section: Some("Security Architecture".into()),
                    impact: "High".into()
                },
            ]
        );
        assert_eq!(c.fields.next_review, "Review Due");
        assert_eq!(c.hook.mode, HookMode::Worktree);
        assert_eq!(c.github.mode, GithubMode::Both);
        assert_eq!(c.github.labels, vec!["architecture-review", "db"]);
    }

    #[test]
    fn to_toml_round_trips() {
        for text in [FULL, "", TEMPLATE] {
            let c = parse(text).unwrap();
            let dumped = c.to_toml();
            let again = parse(&dumped).unwrap_or_else(|e| panic!("{e}\n{dumped}"));
            // The dump always lists [[docs]], so only whether they were explicit differs.
            let again = Config {
                docs_explicit: c.docs_explicit,
                ..again
            };
            assert_eq!(again, c, "{dumped}");
        }
    }

    #[test]
    fn to_toml_round_trips_through_load() {
        let dir = tempfile::tempdir().unwrap();
        let c = parse(FULL).unwrap();
        std::fs::write(dir.path().join(FILE_NAME), c.to_toml()).unwrap();
        let loaded = Config::load(dir.path(), None, &no_env, &Overrides::default()).unwrap();
        assert_eq!(loaded.source, Some(dir.path().join(FILE_NAME)));
        assert_eq!(without_source(loaded), c);
    }

    #[test]
    fn error_unknown_top_level_key() {
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n\n[hooks]\nmode = \"off\"\n"),
            "dbarch.toml:4:2: unknown key `hooks` at the top level \
             (expected one of: docs, changelog, fields, hook, github, schema)"
        );
        assert_eq!(
            err("verbose = true\n"),
            "dbarch.toml:1:1: unknown key `verbose` at the top level \
             (expected one of: docs, changelog, fields, hook, github, schema)"
        );
    }

    #[test]
    fn error_unknown_key_in_docs() {
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n\n[[docs]]\npath = \"b.md\"\n\nreviewrs = [\"@x\"]\n"),
            "dbarch.toml:7:1: unknown key `reviewrs` in [[docs]] (expected one of: \
             path, review-every, reviewers, remind-before, grace, sections, previous-paths, schema)"
        );
    }

    #[test]
    fn error_unknown_key_in_section_and_rule() {
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n[docs.sections.\"Security Architecture\"]\nimpacts = \"High\"\n"),
            "dbarch.toml:4:1: unknown key `impacts` in [docs.sections.\"Security Architecture\"] \
             (expected one of: review-every, paths, impact)"
        );
        assert_eq!(
            err("[[changelog.impact-rules]]\npaths = \"x/**\"\nimpact = \"High\"\n"),
            "dbarch.toml:2:1: unknown key `paths` in [[changelog.impact-rules]] \
             (expected one of: path, section, impact)"
        );
        assert_eq!(
            err("[hook]\nmod = \"off\"\n"),
            "dbarch.toml:2:1: unknown key `mod` in [hook] (expected one of: mode, branches)"
        );
    }

    #[test]
    fn error_wrong_type() {
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\nreview-every = 90\n"),
            "dbarch.toml:3:16: `review-every` in [[docs]]: integer `90`, \
             expected an interval string such as \"90d\", \"3mo\" or \"quarterly\""
        );
        assert_eq!(
            err("[changelog]\nskip-whitespace-only = \"yes\"\n"),
            "dbarch.toml:2:24: `skip-whitespace-only` in [changelog]: \
             string \"yes\", expected true or false"
        );
        assert_eq!(
            err("[github]\nlabels = \"x\"\n"),
            "dbarch.toml:2:10: `labels` in [github]: string \"x\", \
             expected a list such as [\"a\", \"b\"]"
        );
    }

    #[test]
    fn error_bad_interval() {
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\ngrace = \"3x\"\n"),
            format!(
                "dbarch.toml:3:9: `grace` in [[docs]]: invalid interval `3x`: unknown unit `x`; \
                 expected {}",
                crate::interval::ACCEPTED_FORMS
            )
        );
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n[docs.sections.Security]\nreview-every = \"0d\"\n"),
            format!(
                "dbarch.toml:4:16: `review-every` in [docs.sections.Security]: invalid interval \
                 `0d`: must be longer than zero; expected {}",
                crate::interval::ACCEPTED_FORMS
            )
        );
    }

    #[test]
    fn error_bad_timezone() {
        assert_eq!(
            err("[changelog]\ntimezone = \"Europe/Lisbn\"\n"),
            "dbarch.toml:2:12: `timezone` in [changelog]: unknown timezone `Europe/Lisbn`: \
             use \"commit\" or an IANA name such as \"Europe/Lisbon\" or \"UTC\""
        );
        assert_eq!(
            err("[changelog]\ntimezone = \"europe/lisbon\"\n"),
            "dbarch.toml:2:12: `timezone` in [changelog]: unknown timezone `europe/lisbon`: \
             did you mean `Europe/Lisbon`? use \"commit\" or an IANA name such as \
             \"Europe/Lisbon\" or \"UTC\""
        );
    }

    #[test]
    fn error_bad_enum_values() {
        assert_eq!(
            err("[hook]\nmode = \"amnd\"\n"),
            "dbarch.toml:2:8: `mode` in [hook]: unknown hook mode `amnd` \
             (expected one of: amend, worktree, off)"
        );
        assert_eq!(
            err("[changelog]\norder = \"oldest\"\n"),
            "dbarch.toml:2:9: `order` in [changelog]: unknown order `oldest` \
             (expected one of: auto, oldest-first, newest-first)"
        );
    }

    #[test]
    fn error_impact_rules() {
        assert_eq!(
            err(
                "[[changelog.impact-rules]]\npath = \"m/**\"\nsection = \"S\"\nimpact = \"High\"\n"
            ),
            "dbarch.toml:3:1: a [[changelog.impact-rules]] rule takes either `path` or \
             `section`, not both"
        );
        assert_eq!(
            err("[changelog]\n[[changelog.impact-rules]]\nimpact = \"High\"\n"),
            "dbarch.toml:3:1: a [[changelog.impact-rules]] rule needs a `path` glob or a \
             `section` name"
        );
        assert_eq!(
            err("[[changelog.impact-rules]]\npath = \"m/**\"\n"),
            "dbarch.toml:1:1: a [[changelog.impact-rules]] rule needs an `impact`"
        );
        assert_eq!(
            err("[[changelog.impact-rules]]\npath = \"m/**\"\nimpact = \"\"\n"),
            "dbarch.toml:3:10: `impact` in [[changelog.impact-rules]]: an impact must not be empty"
        );
    }

    #[test]
    fn error_doc_paths() {
        assert_eq!(
            err("[[docs]]\npath = \"\"\n"),
            "dbarch.toml:2:8: `path` in [[docs]]: document path must not be empty"
        );
        assert_eq!(
            err("[[docs]]\nreview-every = \"90d\"\n"),
            "dbarch.toml:1:1: a [[docs]] entry needs a `path`"
        );
        assert_eq!(
            err("[[docs]]\npath = \"../x.md\"\n"),
            "dbarch.toml:2:8: `path` in [[docs]]: document path `../x.md` leaves the \
             repository (`..`)"
        );
        assert_eq!(
            err("[[docs]]\npath = \"/etc/x.md\"\n"),
            "dbarch.toml:2:8: `path` in [[docs]]: document path `/etc/x.md` must be relative \
             to the repository root"
        );
        assert_eq!(
            err("[[docs]]\npath = \"docs/[x.md\"\n"),
            "dbarch.toml:2:8: `path` in [[docs]]: invalid glob `docs/[x.md`: \
             unclosed character class; missing ']'"
        );
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n[[docs]]\npath = \"./a.md\"\n"),
            "dbarch.toml:4:1: duplicate [[docs]] path `a.md` (first at line 2)"
        );
        assert_eq!(
            err("[[docs]]\npath = \"a.md\"\n[docs.sections.S]\npaths = [\"ok/**\", \"/abs/**\"]\n"),
            "dbarch.toml:4:19: `paths` in [docs.sections.S]: path glob `/abs/**` must be \
             relative to the repository root (drop the leading `/`)"
        );
    }

    #[test]
    fn error_other_validation() {
        assert_eq!(
            err("[changelog]\nchange-template = \"{subject} {author}\"\n"),
            "dbarch.toml:2:19: `change-template` in [changelog]: unknown placeholder `{author}` \
             in change-template (placeholders: {subject} {sections} {sha} {body})"
        );
        assert_eq!(
            err("[changelog]\nmax-cell-width = 3\n"),
            "dbarch.toml:2:18: `max-cell-width` in [changelog]: must be at least 10, found 3"
        );
        assert_eq!(
            err("[changelog]\ndate-format = \"%H:%M\"\n"),
            "dbarch.toml:2:15: `date-format` in [changelog]: date-format `%H:%M` cannot \
             format a date (use date specifiers such as %Y-%m-%d or %B %-d, %Y)"
        );
        assert_eq!(
            err("[changelog]\nskip-authors = [\"\"]\n"),
            "dbarch.toml:2:17: `skip-authors` in [changelog]: must not be empty"
        );
    }

    #[test]
    fn error_syntax() {
        assert_eq!(
            err("[hook]\nmode = amend\n"),
            "dbarch.toml:2:8: invalid TOML: string values must be quoted, expected literal string"
        );
        assert_eq!(
            err("[hook]\nmode = \"off\"\nmode = \"amend\"\n"),
            "dbarch.toml:3:1: duplicate key `mode`"
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "[",
            "[[docs]]\n",
            "docs = 1",
            "docs = [1]",
            "docs = [{}]",
            "docs = [{path = \"x\", sections = 3}]",
            "[docs]\npath = \"x\"",
            "[[docs]]\npath = \"x\"\n[docs.sections]\nreview-every = \"3mo\"\n",
            "changelog = []",
            "docs = [[]]",
            "[[docs]]\npath = \"x\"\nsections = []",
            "[[docs]]\npath = \"x\"\nsections = { S = [] }",
            "[changelog]\nimpact-rules = [[]]",
            "[changelog]\nimpact-rules = [1]",
            "[changelog]\nmax-cell-width = -1",
            "[changelog]\nmax-cell-width = 99999999999999999999",
            "[changelog]\ndate-format = \"%\"",
            "[changelog]\nchange-template = \"{\"",
            "[changelog]\ntimezone = \"\"",
            "[changelog]\ntimezone = 3",
            "\"\u{e9}\u{e9}\" = 1",
            "[\"h\u{e9}\u{e9}k\"]\n\u{e9} = 2",
            "a = \"\\u0000\"",
        ] {
            let r = parse(text);
            assert!(matches!(r, Err(Error::Config(_))), "{text:?}: {r:?}");
        }
    }

    #[test]
    fn precedence_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[[docs]]\npath = \"a.md\"\nreview-every = \"30d\"\n\
             [changelog]\ntimezone = \"UTC\"\n[hook]\nmode = \"worktree\"\n\
             [github]\nmode = \"pr\"\nlabels = [\"file\"]\n",
        )
        .unwrap();
        let root = dir.path();

        // File over defaults.
        let c = Config::load(root, None, &no_env, &Overrides::default()).unwrap();
        assert_eq!(c.docs[0].review_every, Interval::Days(30));
        assert_eq!(c.changelog.timezone, Timezone::Named(chrono_tz::UTC));
        assert_eq!(c.hook.mode, HookMode::Worktree);
        assert_eq!(c.github.mode, GithubMode::Pr);
        assert_eq!(c.github.labels, vec!["file"]);

        // Environment over file.
        let env = |k: &str| -> Option<String> {
            match k {
                ENV_HOOK_MODE => Some("off".into()),
                ENV_GITHUB_MODE => Some("both".into()),
                ENV_TIMEZONE => Some("Europe/Lisbon".into()),
                ENV_REVIEW_EVERY => Some("quarterly".into()),
                ENV_LABELS => Some(" env-a, ,env-b ".into()),
                _ => None,
            }
        };
        let c = Config::load(root, None, &env, &Overrides::default()).unwrap();
        assert_eq!(c.hook.mode, HookMode::Off);
        assert_eq!(c.github.mode, GithubMode::Both);
        assert_eq!(
            c.changelog.timezone,
            Timezone::Named(chrono_tz::Europe::Lisbon)
        );
        assert_eq!(c.docs[0].review_every, Interval::Months(3));
        assert_eq!(c.doc_settings("other.md").review_every, Interval::Months(3));
        assert_eq!(c.github.labels, vec!["env-a", "env-b"]);

        // Flags over environment.
        let o = Overrides {
            hook_mode: Some(HookMode::Amend),
            github_mode: Some(GithubMode::Issue),
            timezone: Some("commit".into()),
            docs: vec!["a.md".into(), "./b.md".into()],
        };
        let c = Config::load(root, None, &env, &o).unwrap();
        assert_eq!(c.hook.mode, HookMode::Amend);
        assert_eq!(c.github.mode, GithubMode::Issue);
        assert_eq!(c.changelog.timezone, Timezone::Commit);
        assert_eq!(c.docs.len(), 2);
        assert_eq!(c.docs[0].path, "a.md");
        assert_eq!(c.docs[0].review_every, Interval::Months(3));
        assert_eq!(c.docs[1].path, "b.md");
        assert_eq!(c.docs[1].review_every, Interval::Months(3));
        assert_eq!(c.docs[1].grace, Interval::Days(14));

        // Blank environment values count as unset.
        let blank = |_: &str| Some("  ".to_string());
        let c = Config::load(root, None, &blank, &Overrides::default()).unwrap();
        assert_eq!(c.hook.mode, HookMode::Worktree);
        assert_eq!(c.github.labels, vec!["file"]);
    }

    #[test]
    fn override_docs_keep_matching_entry_settings() {
        let c = parse(FULL).unwrap();
        let mut c2 = c.clone();
        c2.apply_overrides(&Overrides {
            docs: vec!["docs/adr/0001-x.md".into(), "notes/y.md".into()],
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c2.docs[0].path, "docs/adr/0001-x.md");
        assert_eq!(c2.docs[0].review_every, Interval::Months(12));
        assert_eq!(c2.docs[1].path, "notes/y.md");
        assert_eq!(c2.docs[1].review_every, Interval::Days(90));
        let e = c
            .clone()
            .apply_overrides(&Overrides {
                docs: vec!["../x.md".into()],
                ..Overrides::default()
            })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "document path `../x.md` leaves the repository (`..`)"
        );
        assert!(matches!(e, Error::Usage(_)));
    }

    #[test]
    fn error_bad_env_var() {
        let root = tempfile::tempdir().unwrap();
        let load_with = |name: &'static str, value: &'static str| {
            let env = move |k: &str| (k == name).then(|| value.to_string());
            match Config::load(root.path(), None, &env, &Overrides::default()) {
                Err(Error::Config(m)) => m,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            load_with(ENV_HOOK_MODE, "sometimes"),
            "environment variable DBARCH_HOOK_MODE: unknown hook mode `sometimes` \
             (expected one of: amend, worktree, off)"
        );
        assert_eq!(
            load_with(ENV_GITHUB_MODE, "mail"),
            "environment variable DBARCH_GITHUB_MODE: unknown github mode `mail` \
             (expected one of: issue, pr, both)"
        );
        assert_eq!(
            load_with(ENV_TIMEZONE, "Mars/Base"),
            "environment variable DBARCH_TIMEZONE: unknown timezone `Mars/Base`: use \
             \"commit\" or an IANA name such as \"Europe/Lisbon\" or \"UTC\""
        );
        assert_eq!(
            load_with(ENV_REVIEW_EVERY, "fortnightly"),
            format!(
                "environment variable DBARCH_REVIEW_EVERY: invalid interval `fortnightly`: \
                 expected {}",
                crate::interval::ACCEPTED_FORMS
            )
        );
    }

    #[test]
    fn bad_timezone_flag_is_usage_error() {
        let root = tempfile::tempdir().unwrap();
        let o = Overrides {
            timezone: Some("Nowhere".into()),
            ..Overrides::default()
        };
        let e = Config::load(root.path(), None, &no_env, &o).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e
            .to_string()
            .starts_with("--timezone: unknown timezone `Nowhere`"));
    }

    #[test]
    fn load_without_file_is_defaults_and_explicit_must_exist() {
        let root = tempfile::tempdir().unwrap();
        let c = Config::load(root.path(), None, &no_env, &Overrides::default()).unwrap();
        assert_eq!(c, Config::defaults());
        let missing = root.path().join("nope.toml");
        let e =
            Config::load(root.path(), Some(&missing), &no_env, &Overrides::default()).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e:?}");

        let explicit = root.path().join("other.toml");
        std::fs::write(&explicit, "[hook]\nmode = \"nope\"\n").unwrap();
        let e =
            Config::load(root.path(), Some(&explicit), &no_env, &Overrides::default()).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            format!(
                "{}:2:8: `mode` in [hook]: unknown hook mode `nope` \
                 (expected one of: amend, worktree, off)",
                explicit.display()
            )
        );

        std::fs::write(root.path().join(FILE_NAME), b"a = \"\xff\"\n").unwrap();
        let e = Config::load(root.path(), None, &no_env, &Overrides::default()).unwrap_err();
        assert_eq!(e.to_string(), "dbarch.toml:1:6: not valid UTF-8");
    }

    #[test]
    fn doc_settings_matches_paths_and_globs() {
        let c = parse(FULL).unwrap();
        let d = c.doc_settings("docs/database-architecture.md");
        assert_eq!(d.reviewers, vec!["@acme/dba-team"]);
        assert!(d.sections.contains_key("Security Architecture"));
        let adr = c.doc_settings("./docs/adr/0002.md");
        assert_eq!(adr.path, "docs/adr/0002.md");
        assert_eq!(adr.review_every, Interval::Months(12));
        // `*` does not cross directories.
        let deep = c.doc_settings("docs/adr/old/0001.md");
        assert_eq!(deep.review_every, Interval::Days(90));
        assert_eq!(deep.path, "docs/adr/old/0001.md");
        assert!(deep.reviewers.is_empty());
    }

    #[test]
    fn doc_settings_of_many_literal_paths_compiles_no_glob() {
        // 2,000 `[[docs]]` entries: each lookup compares paths; none compiles a glob
        // (that made `lint` quadratic: 57 s for 2,000 entries).
        let toml: String = (0..2000)
            .map(|i| format!("[[docs]]\npath = \"docs/d{i}.md\"\n"))
            .collect();
        let c = parse(&toml).unwrap();
        let before = GLOBS_COMPILED.with(|g| g.get());
        for i in 0..2000 {
            let d = c.doc_settings(&format!("docs/d{i}.md"));
            assert_eq!(d.path, format!("docs/d{i}.md"));
        }
        assert_eq!(GLOBS_COMPILED.with(|g| g.get()) - before, 0);
        assert_eq!(
            c.doc_settings("docs/other.md").review_every,
            Interval::Days(90)
        );
    }

    #[test]
    fn keyword_enums_and_timezone_parse() {
        assert_eq!("Worktree".parse::<HookMode>(), Ok(HookMode::Worktree));
        assert_eq!(GithubMode::parse("pr"), Ok(GithubMode::Pr));
        assert_eq!(Order::parse("oldest-first"), Ok(Order::OldestFirst));
        assert_eq!(Timezone::parse("commit"), Ok(Timezone::Commit));
        assert_eq!(
            Timezone::parse("America/New_York").map(|t| t.to_string()),
            Ok("America/New_York".to_string())
        );
        assert_eq!(Order::NAMES, &["auto", "oldest-first", "newest-first"]);
    }
}
