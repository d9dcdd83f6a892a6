//! The document: parse (header fields, sections, placeholders, Change Log table), edit
//! by splicing into the original bytes, and check ([`lint`]).
//!
//! Invariant: every byte outside the spans an [`Edit`] names stays identical — line
//! endings, a BOM, trailing spaces, table alignment, the final newline. A document that
//! cannot be parsed safely is refused with a line and column, never half-edited.
pub mod date;
pub mod edit;
pub mod header;
pub mod invariant;
pub mod lint;
pub mod outline;
pub mod table;
pub mod text;

use std::path::Path;

pub use date::{DateStyle, DocDate};
pub use edit::{Edit, NewRow};
pub use header::{Field, FieldForm, FieldKind, FrontMatter, Labels};
pub use invariant::check_edit_invariant;
pub use outline::{Outline, Placeholder, Section};
pub use table::{ChangeLog, Column, Order, Row, Table};
pub use text::Text;

use crate::{Error, Result};

/// Where and why a document could not be parsed (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl DocError {
    pub fn into_error(self, path: &Path) -> Error {
        Error::Document {
            path: path.to_path_buf(),
            line: self.line,
            col: self.col,
            msg: self.msg,
        }
    }
}

/// A parsed document. Cheap to re-create: parse again after every edit.
#[derive(Clone, Debug)]
pub struct Document {
    pub text: Text,
    pub front_matter: Option<FrontMatter>,
    pub outline: Outline,
    pub fields: Vec<Field>,
    pub changelog: Option<ChangeLog>,
    pub labels: Labels,
}

/// Unfilled placeholders of one section, for reports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SectionPlaceholders {
    /// `Parent > Child` for a `###` section; `(preamble)` before the first section.
    pub section: String,
    /// Content lines in the section (outside code) holding at least one placeholder.
    pub unfilled: usize,
    /// Content lines in the section (outside code blocks, headings and blank lines).
    pub lines: usize,
    pub tokens: Vec<Placeholder>,
}

impl Document {
    /// Parses raw bytes (UTF-8, optional BOM, LF or CRLF).
    pub fn parse(bytes: Vec<u8>, labels: &Labels) -> Result<Document, DocError> {
        if let Some(pos) = memchr::memchr(0, &bytes) {
            let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(DocError {
                line,
                col: 1,
                msg: "the file holds NUL bytes: it is binary, not a Markdown document".into(),
            });
        }
        let text = Text::from_bytes(bytes).map_err(|e| DocError {
            line: e.line,
            col: e.col,
            msg: "the file is not valid UTF-8; dbarch only edits UTF-8 documents".into(),
        })?;
        Document::from_text(text, labels)
    }

    pub fn parse_str(src: &str, labels: &Labels) -> Result<Document, DocError> {
        Document::from_text(Text::new(src.to_string()), labels)
    }

    fn from_text(text: Text, labels: &Labels) -> Result<Document, DocError> {
        // Markdown ends a line at a lone CR too, dbarch's line index only at LF: where
        // they would disagree the document is refused rather than edited in the wrong
        // place (found by the fuzzer).
        let bytes = text.src.as_bytes();
        if let Some(pos) =
            memchr::memchr_iter(b'\r', bytes).find(|&i| bytes.get(i + 1) != Some(&b'\n'))
        {
            let (line, col) = text.line_col(pos);
            return Err(DocError {
                line,
                col,
                msg: "a carriage return (CR) that is not part of a CRLF line ending; dbarch edits documents with LF or CRLF line endings only".into(),
            });
        }
        if let Some(line) = crate::hook::merge::first_conflict_line(&text.src) {
            return Err(DocError {
                line: line + 1,
                col: 1,
                msg: "merge conflict: the document holds conflict markers; finish the merge \
                      (`dbarch resolve` resolves the conflicts in the Change Log and header)"
                    .into(),
            });
        }
        let front_matter = FrontMatter::find(&text);
        let body = front_matter
            .as_ref()
            .map_or(text.body_start, |f| f.body_start(&text));
        let outline = outline::scan(&text, body);
        let fields = header::find_fields(&text, front_matter.as_ref(), &outline, labels)?;
        let changelog = table::find(&text, &outline)?;
        Ok(Document {
            text,
            front_matter,
            outline,
            fields,
            changelog,
            labels: labels.clone(),
        })
    }

    pub fn src(&self) -> &str {
        &self.text.src
    }

    pub fn field(&self, kind: FieldKind) -> Option<&Field> {
        self.fields.iter().find(|f| f.kind == kind)
    }

    /// The date a field holds, when it holds one.
    pub fn date(&self, kind: FieldKind) -> Option<DocDate> {
        self.field(kind).and_then(|f| f.date)
    }

    pub fn table(&self) -> Option<&Table> {
        self.changelog.as_ref().and_then(|c| c.table.as_ref())
    }

    /// The first `#` heading's title.
    pub fn title(&self) -> Option<&str> {
        self.outline
            .headings
            .iter()
            .find(|h| h.level == 1)
            .map(|h| h.title.as_str())
    }

    /// Placeholders grouped by section, in document order; sections without any are left
    /// out.
    pub fn placeholders_by_section(&self) -> Vec<SectionPlaceholders> {
        let mut out: Vec<SectionPlaceholders> = Vec::new();
        // Group index by section name (a map, so a document with thousands of sections
        // stays linear).
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut last_line = None;
        for p in &self.outline.placeholders {
            let name = p.section.map_or_else(
                || "(preamble)".to_string(),
                |s| self.outline.section_path(s),
            );
            let i = match index.get(&name) {
                Some(&i) => i,
                None => {
                    index.insert(name.clone(), out.len());
                    out.push(SectionPlaceholders {
                        section: name,
                        unfilled: 0,
                        lines: 0,
                        tokens: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            if last_line != Some((i, p.line)) {
                out[i].unfilled += 1;
                last_line = Some((i, p.line));
            }
            out[i].tokens.push(p.clone());
        }
        if !out.is_empty() {
            let counts = self.content_lines();
            for g in &mut out {
                g.lines = counts.get(&g.section).copied().unwrap_or(0);
            }
        }
        out
    }

    /// Per section name: lines with content that belong directly to it (not to a child
    /// section), outside code blocks and headings. A code block's line that is itself a
    /// placeholder (the template's `[Table creation examples ...]`) counts.
    fn content_lines(&self) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        let placeholder_lines: std::collections::HashSet<usize> = self
            .outline
            .placeholders
            .iter()
            .map(|p| p.line - 1)
            .collect();
        for (i, l) in self.text.lines.iter().enumerate() {
            let t = self.text.line_text(i).trim();
            let rule = t.len() >= 3
                && ['-', '*', '_']
                    .iter()
                    .any(|c| t.chars().all(|x| x == *c || x == ' '));
            if t.is_empty()
                || rule
                || t.starts_with('#')
                || (self.outline.line_in_code_block(&self.text, i)
                    && !placeholder_lines.contains(&i))
            {
                continue;
            }
            let name = self.outline.section_at(l.start).map_or_else(
                || "(preamble)".to_string(),
                |s| self.outline.section_path(s),
            );
            *counts.entry(name).or_insert(0) += 1;
        }
        counts
    }

    /// The names of the sections (`Parent > Child`) whose text differs between `self`
    /// and `other`: compared by section name so moved text does not count twice. A
    /// section that exists in only one of them counts as touched.
    pub fn sections_changed(&self, other: &Document) -> Vec<String> {
        // The first section of each name (maps keep this linear on large documents).
        let first = |v: &[(String, std::borrow::Cow<'_, str>)]| {
            let mut m: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for (i, (n, _)) in v.iter().enumerate() {
                m.entry(n.clone()).or_insert(i);
            }
            m
        };
        let a = own_texts(self);
        let b = own_texts(other);
        let (in_a, in_b) = (first(&a), first(&b));
        let mut names: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (name, text) in &b {
            let before = in_a.get(name).map(|&i| &a[i].1);
            if before != Some(text) && seen.insert(name.clone()) {
                names.push(name.clone());
            }
        }
        for (name, _) in &a {
            if !in_b.contains_key(name) && seen.insert(name.clone()) {
                names.push(name.clone());
            }
        }
        names
    }
}

/// Each section's path and own text (from its heading to its first child's), line
/// endings normalised.
fn own_texts(d: &Document) -> Vec<(String, std::borrow::Cow<'_, str>)> {
    let mut v = Vec::with_capacity(d.outline.sections.len());
    for (i, s) in d.outline.sections.iter().enumerate() {
        // Own text only: from the heading to the first child heading, which
        // (sections being in document order) is the next section if any.
        let own_end = d
            .outline
            .sections
            .get(i + 1)
            .filter(|c| c.parent == Some(i))
            .map_or(s.range.end, |c| c.range.start);
        v.push((
            d.outline.section_path(i),
            normalise(&d.text.src[s.range.start..own_end]),
        ));
    }
    v
}

fn normalise(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\r') {
        std::borrow::Cow::Owned(s.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Reads and parses a document file. A directory, a binary or a non-UTF-8 file is an
/// error naming the path.
pub fn load(path: &Path, labels: &Labels) -> Result<Document> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::Document {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            msg: "is a directory, not a Markdown document".into(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Document::parse(bytes, labels).map_err(|e| e.into_error(path))
}

#[cfg(test)]
mod tests;
