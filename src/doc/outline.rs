//! The document's structure as Markdown sees it: headings, the `##`/`###` section tree,
//! the spans that are code or HTML (where placeholders and fields do not count), and the
//! `[UPPER_SNAKE]` placeholders per section. pulldown-cmark does the Markdown; we keep
//! its byte offsets.
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::text::Text;

/// A heading of any level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub title: String,
    /// Byte range of the heading's source (one line for ATX, two for setext).
    pub range: Range<usize>,
    /// 0-based line index of the heading's first line.
    pub line: usize,
}

/// A `##` or `###` section: its heading and the bytes up to the next heading of the same
/// or a higher level. Deeper headings (`####`) belong to their `###` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub level: u8,
    pub title: String,
    pub line: usize,
    pub range: Range<usize>,
    /// Index of the enclosing `##` section for a `###`.
    pub parent: Option<usize>,
}

/// An unfilled `[UPPER_SNAKE]` token.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Placeholder {
    pub token: String,
    #[serde(skip)]
    pub span: Range<usize>,
    pub line: usize,
    pub col: usize,
    /// The innermost section holding it (index into the section list).
    #[serde(skip)]
    pub section: Option<usize>,
}

/// What [`scan`] finds.
#[derive(Clone, Debug, Default)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    /// Code blocks, code spans, HTML blocks and inline HTML: byte ranges, sorted.
    pub opaque: Vec<Range<usize>>,
    /// Byte ranges of fenced or indented code blocks only, sorted.
    pub code_blocks: Vec<Range<usize>>,
    pub placeholders: Vec<Placeholder>,
}

impl Outline {
    pub fn in_code_block(&self, offset: usize) -> bool {
        contains(&self.code_blocks, offset)
    }

    /// Whether line `i` of `text` is code. Its first non-blank character decides: an
    /// indented code block's range starts after the indentation, not at the line start.
    pub fn line_in_code_block(&self, text: &Text, i: usize) -> bool {
        let l = text.lines[i];
        let line = &text.src[l.start..l.end];
        let indent = line.len() - line.trim_start().len();
        self.in_code_block(l.start) || self.in_code_block(l.start + indent)
    }

    pub fn in_opaque(&self, offset: usize) -> bool {
        contains(&self.opaque, offset)
    }

    /// Index of the innermost section containing `offset` (sections are sorted and
    /// nested, so a binary search and a walk up the parents find it).
    pub fn section_at(&self, offset: usize) -> Option<usize> {
        let mut i = self
            .sections
            .partition_point(|s| s.range.start <= offset)
            .checked_sub(1)?;
        loop {
            if self.sections[i].range.contains(&offset) {
                return Some(i);
            }
            i = self.sections[i].parent?;
        }
    }

    /// The full name of a section, `Parent > Child` for a `###`.
    pub fn section_path(&self, i: usize) -> String {
        let s = &self.sections[i];
        match s.parent {
            Some(p) => format!("{} > {}", self.sections[p].title, s.title),
            None => s.title.clone(),
        }
    }
}

fn contains(ranges: &[Range<usize>], offset: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= offset);
    ranges.get(i).is_some_and(|r| r.start <= offset)
}

/// Scans `text` from `from` (after any front matter) to the end.
pub fn scan(text: &Text, from: usize) -> Outline {
    let body = &text.src[from..];
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    let mut out = Outline::default();
    let mut heading: Option<(u8, Range<usize>, String)> = None;
    for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
        let range = range.start + from..range.end + from;
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, range, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, range, title)) = heading.take() {
                    let line = text.line_of(range.start);
                    out.headings.push(Heading {
                        level,
                        title: title.trim().to_string(),
                        range,
                        line,
                    });
                }
            }
            Event::Text(t) if heading.is_some() => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::Code(t) if heading.is_some() => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
                out.opaque.push(range);
            }
            Event::Code(_) | Event::Html(_) | Event::InlineHtml(_) => out.opaque.push(range),
            Event::Start(Tag::CodeBlock(_)) => {
                out.code_blocks.push(range.clone());
                out.opaque.push(range);
            }
            Event::Start(Tag::HtmlBlock) => out.opaque.push(range),
            _ => {}
        }
    }
    out.opaque.sort_by_key(|r| r.start);
    out.code_blocks.sort_by_key(|r| r.start);
    out.sections = sections(&out.headings, text.src.len());
    out.placeholders = placeholders(text, from, &out);
    out
}

fn sections(headings: &[Heading], len: usize) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    // The latest `##` section: a `###` belongs to it when it ends inside it. Kept as we
    // go so a `##` with thousands of `###` children stays linear.
    let mut last_h2: Option<usize> = None;
    for (i, h) in headings.iter().enumerate() {
        if !(2..=3).contains(&h.level) {
            continue;
        }
        let end = headings[i + 1..]
            .iter()
            .find(|n| n.level <= h.level)
            .map_or(len, |n| n.range.start);
        let parent = if h.level == 3 {
            last_h2.filter(|&p| out[p].range.end >= end)
        } else {
            last_h2 = Some(out.len());
            None
        };
        out.push(Section {
            level: h.level,
            title: h.title.clone(),
            line: h.line,
            range: h.range.start..end,
            parent,
        });
    }
    out
}

/// `[UPPER_SNAKE]` tokens outside code and HTML. A token followed by `(` or `[` is link
/// text, not a placeholder; one-letter tokens (`[X]`, a ticked task) are not either.
fn placeholders(text: &Text, from: usize, outline: &Outline) -> Vec<Placeholder> {
    let src = &text.src;
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    while let Some(rel) = src[i..].find('[') {
        let start = i + rel;
        i = start + 1;
        let Some(len) = token_len(&bytes[start + 1..]) else {
            continue;
        };
        let end = start + 1 + len + 1;
        if len < 2 || matches!(bytes.get(end), Some(b'(') | Some(b'[')) {
            continue;
        }
        if start > 0 && bytes[start - 1] == b'\\' {
            continue;
        }
        if outline.in_opaque(start) {
            continue;
        }
        let (line, col) = text.line_col(start);
        out.push(Placeholder {
            token: src[start..end].to_string(),
            span: start..end,
            line,
            col,
            section: outline.section_at(start),
        });
        i = end;
    }
    out
}

/// Length of `UPPER_SNAKE` followed by `]`, if `rest` starts with one.
pub(crate) fn token_len(rest: &[u8]) -> Option<usize> {
    let n = rest
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
        .count();
    let first_is_letter = rest.first().is_some_and(|b| b.is_ascii_uppercase());
    (n > 0 && first_is_letter && rest.get(n) == Some(&b']')).then_some(n)
}

/// Whether a whole cell or value is just a placeholder token such as `[DATE]`.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.len() >= 3
        && v.starts_with('[')
        && token_len(&v.as_bytes()[1..]).is_some_and(|n| n + 2 == v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(src: &str) -> (Text, Outline) {
        let t = Text::new(src.to_string());
        let o = scan(&t, t.body_start);
        (t, o)
    }

    #[test]
    fn section_tree_and_placeholders() {
        let (_, o) = outline(
            "# T\n\n## A\n- x: [ONE]\n### A1\n- `[CODE]` [TWO_2]\n#### deep\n[THREE]\n## B\n```\n[FENCED]\n```\n[Link](u) [API](x) [X] [lower] ([LINK])\n",
        );
        let titles: Vec<_> = o
            .sections
            .iter()
            .map(|s| (s.level, s.title.as_str(), s.parent))
            .collect();
        assert_eq!(titles, [(2, "A", None), (3, "A1", Some(0)), (2, "B", None)]);
        let found: Vec<_> = o
            .placeholders
            .iter()
            .map(|p| (p.token.as_str(), p.section.map(|s| o.section_path(s))))
            .collect();
        assert_eq!(
            found,
            [
                ("[ONE]", Some("A".to_string())),
                ("[TWO_2]", Some("A > A1".to_string())),
                ("[THREE]", Some("A > A1".to_string())),
                ("[LINK]", Some("B".to_string())),
            ]
        );
    }

    #[test]
    fn placeholder_values() {
        assert!(is_placeholder("[DATE]"));
        assert!(is_placeholder(" [TEAM] "));
        assert!(!is_placeholder("[Date]"));
        assert!(!is_placeholder("[DATE] x"));
        assert!(!is_placeholder("2026-01-01"));
    }
}
