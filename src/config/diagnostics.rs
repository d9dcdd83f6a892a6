//! Messages about `dbarch.toml` that point into it: `dbarch.toml:L:C: … in [table]`, with
//! the line and a caret under the offending key or value, as cargo shows them.
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::FILE_NAME;
use crate::{Error, Result};

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

// ---------------------------------------------------------------------------------------
// Error locations
// ---------------------------------------------------------------------------------------

/// A step in a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub(super) fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// The text of a `dbarch.toml` with its parsed tree, for locating errors.
pub(super) struct Source<'a> {
    name: &'a str,
    text: &'a str,
    tree: Spanned<DeTable<'a>>,
}

impl<'a> Source<'a> {
    /// Parses the text; a syntax error is reported with its position.
    pub(super) fn new(text: &'a str, name: &'a str) -> Result<Source<'a>> {
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
    pub(super) fn serde_error(&self, e: &toml::de::Error) -> Error {
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
    pub(super) fn error_at(&self, path: &[Seg], msg: &str) -> Error {
        let span = locate(self.tree.get_ref(), path);
        Error::Config(format!("{}: {msg}", position(self.name, self.text, span)))
    }

    /// serde accepts a sequence where a struct is expected (`changelog = []` would mean
    /// the defaults); refuse an array wherever dbarch expects a table.
    pub(super) fn reject_arrays_for_tables(&self) -> Result<()> {
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

    pub(super) fn line_of(&self, path: &[Seg]) -> Option<usize> {
        locate(self.tree.get_ref(), path).map(|s| line_col(self.text, s.start).0)
    }
}

/// `name:line:col` (1-based; the column counts characters), or `name` without a span.
pub(super) fn position(name: &str, text: &str, span: Option<Range<usize>>) -> String {
    match span {
        Some(s) => {
            let (line, col) = line_col(text, s.start);
            format!("{name}:{line}:{col}")
        }
        None => name.to_string(),
    }
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

pub(super) fn line_col_of_bytes(bytes: &[u8], offset: usize) -> (usize, usize) {
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
pub(super) fn excerpt(text: &str, span: &Range<usize>, help: &str) -> String {
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
pub(super) fn closest<'n>(key: &str, names: &[&'n str]) -> Option<&'n str> {
    let limit = (key.chars().count() / 3).max(2);
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(key, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// serde's type names in words a person reads: `expected a sequence` → `expected a list`.
pub(super) fn plain_serde(msg: &str) -> String {
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
pub(super) fn snippet(text: &str, span: &Range<usize>) -> String {
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
pub(super) fn backticked(rest: &str) -> Vec<&str> {
    rest.split('`').skip(2).step_by(2).collect()
}

/// The last table key in `path`, with its index.
pub(super) fn last_key(path: &[Seg]) -> Option<(usize, &str)> {
    path.iter().enumerate().rev().find_map(|(i, s)| match s {
        Seg::Key(k) => Some((i, k.as_str())),
        Seg::Index(_) => None,
    })
}

/// "in [[docs]]", "in [docs.sections."Security Architecture"]", "at the top level".
pub(super) fn where_is(table: &[Seg]) -> String {
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

pub(super) fn toml_key(k: &str) -> String {
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

pub(super) fn contains(span: &Range<usize>, pos: usize) -> bool {
    (span.start <= pos && pos < span.end) || (span.start == pos && span.end == pos)
}

/// Finds the key path of whatever is at byte `pos`: a key, or a value. Depth first.
pub(super) fn find_in_table(t: &DeTable<'_>, pos: usize, path: &mut Vec<Seg>) -> bool {
    for (k, v) in t.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        if contains(&k.span(), pos) || find_in_value(v, pos, path) {
            return true;
        }
        path.pop();
    }
    false
}

pub(super) fn find_in_value(v: &Spanned<DeValue<'_>>, pos: usize, path: &mut Vec<Seg>) -> bool {
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
pub(super) fn locate(t: &DeTable<'_>, path: &[Seg]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let Seg::Key(k) = first else { return None };
    let (key, value) = t.iter().find(|(key, _)| key.get_ref() == k)?;
    if rest.is_empty() {
        return Some(key.span());
    }
    locate_value(value, rest)
}

pub(super) fn locate_value(v: &Spanned<DeValue<'_>>, path: &[Seg]) -> Option<Range<usize>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v.span());
    };
    match (first, v.get_ref()) {
        (Seg::Index(i), DeValue::Array(a)) => locate_value(a.get(*i)?, rest),
        (Seg::Key(_), DeValue::Table(t)) => locate(t, path),
        _ => None,
    }
}
