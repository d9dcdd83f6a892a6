//! The managed header fields: `**Last Updated:** 2026-11-26` lines (the bold-label form)
//! or YAML front matter keys (`last_updated: 2026-11-26`). Each field remembers the exact
//! span of its value so an edit replaces only that.
use std::ops::Range;

use super::date::{self, DocDate};
use super::outline::{is_placeholder, Outline};
use super::text::Text;
use super::DocError;

/// Which managed field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    LastUpdated,
    ReviewedBy,
    NextReview,
}

impl FieldKind {
    pub const ALL: [FieldKind; 3] = [
        FieldKind::LastUpdated,
        FieldKind::ReviewedBy,
        FieldKind::NextReview,
    ];

    pub fn is_date(self) -> bool {
        self != FieldKind::ReviewedBy
    }
}

/// The labels of the header fields: `[fields]` of `dbarch.toml` (the configuration
/// holds this type, `config::Config::fields`); defaults as in the template.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Labels {
    pub last_updated: String,
    pub reviewed_by: String,
    pub next_review: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            last_updated: "Last Updated".into(),
            reviewed_by: "Reviewed By".into(),
            next_review: "Next Review".into(),
        }
    }
}

impl Labels {
    pub fn get(&self, kind: FieldKind) -> &str {
        match kind {
            FieldKind::LastUpdated => &self.last_updated,
            FieldKind::ReviewedBy => &self.reviewed_by,
            FieldKind::NextReview => &self.next_review,
        }
    }

    /// The front matter key for a label: `Last Updated` → `last_updated`.
    pub fn key(&self, kind: FieldKind) -> String {
        self.get(kind)
            .trim()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldForm {
    Bold,
    FrontMatter,
}

/// One header field as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub kind: FieldKind,
    pub form: FieldForm,
    /// 0-based line index.
    pub line: usize,
    /// The value's bytes, trimmed (empty range right after the label when empty).
    pub value: Range<usize>,
    pub raw: String,
    /// For date fields: the parsed date, `None` for a placeholder or unparseable text.
    pub date: Option<DocDate>,
}

impl Field {
    pub fn is_placeholder(&self) -> bool {
        is_placeholder(&self.raw)
    }
}

/// YAML front matter: the lines between the opening `---` and the closing `---`/`...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontMatter {
    /// Line index of the opening and closing fences.
    pub open: usize,
    pub close: usize,
}

impl FrontMatter {
    pub fn find(text: &Text) -> Option<FrontMatter> {
        if text.lines.is_empty() || text.line_text(0).trim_end() != "---" {
            return None;
        }
        (1..text.lines.len())
            .find(|&i| matches!(text.line_text(i).trim_end(), "---" | "..."))
            .map(|close| FrontMatter { open: 0, close })
    }

    /// Byte offset where the Markdown body begins.
    pub fn body_start(&self, text: &Text) -> usize {
        text.lines[self.close].next
    }
}

/// Finds the header fields. A field given twice is an error (we could not know which one
/// to keep true).
pub fn find_fields(
    text: &Text,
    front: Option<&FrontMatter>,
    outline: &Outline,
    labels: &Labels,
) -> Result<Vec<Field>, DocError> {
    let mut fields: Vec<Field> = Vec::new();
    let mut push = |f: Field| -> Result<(), DocError> {
        if let Some(first) = fields.iter().find(|g| g.kind == f.kind) {
            let (line, col) = text.line_col(text.lines[f.line].start);
            return Err(DocError {
                line,
                col,
                msg: format!(
                    "duplicate header field {:?} (first at line {}); keep one",
                    labels.get(f.kind),
                    first.line + 1
                ),
            });
        }
        fields.push(f);
        Ok(())
    };
    if let Some(fm) = front {
        for i in fm.open + 1..fm.close {
            for kind in FieldKind::ALL {
                if let Some(value) = front_matter_value(text, i, &labels.key(kind)) {
                    push(field(text, kind, FieldForm::FrontMatter, i, value))?;
                }
            }
        }
    }
    let first_body_line = front.map_or(0, |f| f.close + 1);
    for i in first_body_line..text.lines.len() {
        if outline.line_in_code_block(text, i) {
            continue;
        }
        for kind in FieldKind::ALL {
            if let Some(value) = bold_value(text, i, labels.get(kind)) {
                push(field(text, kind, FieldForm::Bold, i, value))?;
            }
        }
    }
    fields.sort_by_key(|f| f.kind);
    Ok(fields)
}

fn field(text: &Text, kind: FieldKind, form: FieldForm, line: usize, value: Range<usize>) -> Field {
    let raw = text.src[value.clone()].to_string();
    let date = if kind.is_date() {
        date::parse(&raw)
    } else {
        None
    };
    Field {
        kind,
        form,
        line,
        value,
        raw,
        date,
    }
}

/// `**Label:** value` or `**Label**: value`, optionally as a list item, with the value's
/// trailing hard break (two spaces or a backslash) left outside the span.
fn bold_value(text: &Text, i: usize, label: &str) -> Option<Range<usize>> {
    let line = text.lines[i];
    let s = &text.src[line.start..line.end];
    let indent = s.len() - s.trim_start().len();
    let mut rest = &s[indent..];
    for bullet in ["- ", "* ", "+ "] {
        if let Some(r) = rest.strip_prefix(bullet) {
            rest = r.trim_start();
        }
    }
    let rest = rest.strip_prefix("**")?;
    let rest = rest.strip_prefix(label).or_else(|| {
        // Labels match case-insensitively.
        let head = rest.get(..label.len())?;
        head.eq_ignore_ascii_case(label)
            .then(|| &rest[label.len()..])
    })?;
    let rest = rest
        .strip_prefix(":**")
        .or_else(|| rest.strip_prefix("**:"))?;
    let value_start = line.end - rest.len();
    Some(trim_value(&text.src, value_start, line.end))
}

/// `key: value` or `key: "value"` in front matter.
fn front_matter_value(text: &Text, i: usize, key: &str) -> Option<Range<usize>> {
    let line = text.lines[i];
    let s = &text.src[line.start..line.end];
    let dashed = key.replace('_', "-");
    let rest = s
        .strip_prefix(key)
        .or_else(|| s.strip_prefix(dashed.as_str()))?
        .strip_prefix(':')?;
    let r = trim_value(&text.src, line.end - rest.len(), line.end);
    let v = &text.src[r.clone()];
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return Some(r.start + 1..r.end - 1);
    }
    Some(r)
}

fn trim_value(src: &str, start: usize, end: usize) -> Range<usize> {
    let s = &src[start..end];
    let lead = s.len() - s.trim_start().len();
    let mut t = s.trim();
    if let Some(x) = t.strip_suffix('\\') {
        t = x.trim_end();
    }
    start + lead..start + lead + t.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::outline;

    fn fields(src: &str) -> Result<Vec<(FieldKind, FieldForm, String)>, DocError> {
        let t = Text::new(src.to_string());
        let fm = FrontMatter::find(&t);
        let o = outline::scan(&t, fm.as_ref().map_or(t.body_start, |f| f.body_start(&t)));
        Ok(find_fields(&t, fm.as_ref(), &o, &Labels::default())?
            .into_iter()
            .map(|f| (f.kind, f.form, f.raw))
            .collect())
    }

    #[test]
    fn bold_fields_with_hard_breaks() {
        let got = fields(
            "# T\n\n**Last Updated:** 2026-11-26  \n**Reviewed By:** DBA Team\\\n- **Next Review**: [DATE]\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (FieldKind::LastUpdated, FieldForm::Bold, "2026-11-26".into()),
                (FieldKind::ReviewedBy, FieldForm::Bold, "DBA Team".into()),
                (FieldKind::NextReview, FieldForm::Bold, "[DATE]".into()),
            ]
        );
    }

    #[test]
    fn front_matter_fields() {
        let got = fields(
            "---\ntitle: x\nlast_updated: \"2026-11-26\"\nnext-review: 2027-02-24\n---\n# T\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (
                    FieldKind::LastUpdated,
                    FieldForm::FrontMatter,
                    "2026-11-26".into()
                ),
                (
                    FieldKind::NextReview,
                    FieldForm::FrontMatter,
                    "2027-02-24".into()
                ),
            ]
        );
    }

    #[test]
    fn fields_in_code_blocks_do_not_count() {
        let got = fields("```\n**Last Updated:** 2020-01-01\n```\n").unwrap();
        assert!(got.is_empty());
        // An indented code block's first line too (found by the fuzzer).
        let got = fields("\t\t**Reviewed By:** x\n\n    **Next Review:** y\n").unwrap();
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn duplicate_field_is_an_error_with_position() {
        let err =
            fields("**Next Review:** 2026-01-01\ntext\n**Next Review:** 2027-01-01\n").unwrap_err();
        assert_eq!((err.line, err.col), (3, 1));
        assert!(err.msg.contains("first at line 1"), "{}", err.msg);
    }
}
