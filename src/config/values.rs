//! Values of `dbarch.toml` keys: the keyword enums (`order`, `[hook] mode`, `[github]
//! mode`, `dialect`), time zones, path globs, and the validators a value passes while it
//! is read, so a bad value's error carries its position.
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{CHANGE_PLACEHOLDERS, MIN_CELL_WIDTH};

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
    pub(super) static GLOBS_COMPILED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A path glob from the configuration, compiled once when the configuration is read (as
/// [`compile_glob`] compiles it). It compares, hashes and prints as the text written.
#[derive(Clone, Debug)]
pub struct Glob {
    text: String,
    matcher: globset::GlobMatcher,
}

impl Glob {
    /// Compiles `pattern`; the error is [`compile_glob`]'s.
    pub fn new(pattern: &str) -> std::result::Result<Glob, String> {
        Ok(Glob {
            text: pattern.to_string(),
            matcher: compile_glob(pattern)?,
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the `/`-separated `path` (relative to the repository root) matches.
    pub fn is_match(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The compiled glob, to build a `globset::GlobSet` from several.
    pub fn glob(&self) -> &globset::Glob {
        self.matcher.glob()
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Glob) -> bool {
        self.text == other.text
    }
}

impl Eq for Glob {}

impl PartialEq<&str> for Glob {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl std::hash::Hash for Glob {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.text.hash(h)
    }
}

impl std::borrow::Borrow<str> for Glob {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Glob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_str(ParseVisitor::new("a path glob", check_path_glob))
    }
}

/// A string visitor that runs a parser, so a bad value's error carries its span.
pub(super) struct ParseVisitor<T> {
    expecting: &'static str,
    parse: fn(&str) -> std::result::Result<T, String>,
}

impl<T> ParseVisitor<T> {
    pub(super) fn new(
        expecting: &'static str,
        parse: fn(&str) -> std::result::Result<T, String>,
    ) -> Self {
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
        pub(super) struct $name(pub(super) String);
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

/// A `[hook] branches` entry: a branch name, or a glob over branch names, compiled once
/// when the configuration is read. A pattern that is no valid glob matches only itself.
#[derive(Clone, Debug)]
pub struct BranchPattern {
    text: String,
    glob: Option<globset::GlobMatcher>,
}

impl BranchPattern {
    pub fn new(text: &str) -> BranchPattern {
        let glob = if is_glob(text) {
            compile_glob(text).ok()
        } else {
            None
        };
        BranchPattern {
            text: text.to_string(),
            glob,
        }
    }

    /// Whether `branch` (a short name, `main`) is this name or matches this glob.
    pub fn matches(&self, branch: &str) -> bool {
        self.text == branch || self.glob.as_ref().is_some_and(|g| g.is_match(branch))
    }
}

impl PartialEq for BranchPattern {
    fn eq(&self, other: &BranchPattern) -> bool {
        self.text == other.text
    }
}

impl Eq for BranchPattern {}

impl PartialEq<&str> for BranchPattern {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl std::borrow::Borrow<str> for BranchPattern {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl Serialize for BranchPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// A checked `[[docs]] path`: normalized, with its glob when it is one.
#[derive(Debug, Clone)]
pub(super) struct DocPath {
    pub(super) path: String,
    /// Compiled when the path holds glob characters; `None` for a literal path.
    pub(super) glob: Option<Glob>,
}

impl<'de> Deserialize<'de> for DocPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_str(ParseVisitor::new("a document path or glob", check_doc_path))
    }
}

/// Whether a (normalized) document path or a branch pattern is a glob rather than a name.
fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

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
pub(super) struct CellWidth(pub(super) usize);

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

pub(super) fn normalize_rel(p: &str) -> String {
    let mut s = p.trim().replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

/// A document path or glob: non-empty, relative, no `..`, a valid glob. Returns it
/// normalized (`./` dropped, `\` as `/`), compiled when it is a glob.
pub(super) fn check_doc_path(p: &str) -> std::result::Result<DocPath, String> {
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
    // Every path is compiled, a literal one too: that is what refuses `a}.md`.
    let glob = Glob::new(&n)?;
    Ok(DocPath {
        glob: is_glob(&n).then_some(glob),
        path: n,
    })
}

pub(super) fn check_path_glob(p: &str) -> std::result::Result<Glob, String> {
    if p.trim().is_empty() {
        return Err("path glob must not be empty".to_string());
    }
    if p.starts_with('/') {
        return Err(format!(
            "path glob `{p}` must be relative to the repository root (drop the leading `/`)"
        ));
    }
    Glob::new(p)
}

/// Text that lands in a Markdown table cell: non-empty, one line, no `|`.
pub(super) fn check_cell_text(s: &str, what: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if t.contains(['\n', '\r', '|']) {
        return Err(format!("{what} must be one line without `|`: `{t}`"));
    }
    Ok(t.to_string())
}

pub(super) fn check_change_template(t: &str) -> std::result::Result<String, String> {
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

pub(super) fn check_date_format(f: &str) -> std::result::Result<String, String> {
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
