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

/// An unfilled placeholder: an `[UPPER_SNAKE]` token, bracketed prose that is not a
/// link (`[Database architecture strategy and design principles]`), or a code block that
/// holds nothing but such prose (the template's `[Table creation examples ...]`).
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
    /// Links and images (their whole source), sorted: bracketed text in them is not a
    /// placeholder.
    pub links: Vec<Range<usize>>,
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
            Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
                out.links.push(range)
            }
            _ => {}
        }
    }
    out.links.sort_by_key(|r| r.start);
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

/// Placeholders outside code and HTML: `[UPPER_SNAKE]` tokens, and bracketed prose
/// (see [`prose_len`]) that is not part of a link. A bracket followed by `(`, `[` or `:`
/// is link syntax, not a placeholder; one-letter tokens (`[X]`, a ticked task) are not
/// either. A code block whose only content is bracketed prose is one placeholder too.
fn placeholders(text: &Text, from: usize, outline: &Outline) -> Vec<Placeholder> {
    let src = &text.src;
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    let mut blocks = outline.code_blocks.iter().peekable();
    while let Some(rel) = src[i..].find('[') {
        let start = i + rel;
        i = start + 1;
        while blocks.peek().is_some_and(|b| b.end <= start) {
            blocks.next();
        }
        if let Some(block) = blocks.next_if(|b| b.start <= start) {
            // A code block is looked at once, as a whole, then skipped.
            out.extend(code_block_placeholder(text, block, outline));
            i = block.end.max(start + 1);
            continue;
        }
        let len = match token_len(&bytes[start + 1..]) {
            Some(len) if len >= 2 => len,
            Some(_) => continue,
            None => match prose_len(&src[start + 1..]) {
                Some(len) if !contains(&outline.links, start) => len,
                _ => continue,
            },
        };
        let end = start + 1 + len + 1;
        // `[x](url)`, `[x][ref]`, and `[ref]: url` at the start of a line are link syntax.
        let line_start = src[..start].rfind('\n').map_or(0, |n| n + 1);
        let definition = bytes.get(end) == Some(&b':') && src[line_start..start].trim().is_empty();
        if matches!(bytes.get(end), Some(b'(') | Some(b'[')) || definition {
            continue;
        }
        if start > 0 && matches!(bytes[start - 1], b'\\' | b'!' | b']') {
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

/// The placeholder of the code block `block`, when its only content is one line of
/// bracketed prose between the fences. Read once per block, up to its second content line.
fn code_block_placeholder(
    text: &Text,
    block: &Range<usize>,
    outline: &Outline,
) -> Option<Placeholder> {
    let src = &text.src;
    let mut offset = block.start;
    let mut content = Vec::with_capacity(2);
    for l in src[block.clone()].split_inclusive('\n') {
        let t = l.trim();
        if !(t.starts_with("```") || t.starts_with("~~~") || t.is_empty()) {
            content.push((offset + (l.len() - l.trim_start().len()), t));
            if content.len() == 2 {
                return None;
            }
        }
        offset += l.len();
    }
    let [(start, t)] = content.as_slice() else {
        return None;
    };
    let (start, t) = (*start, *t);
    let len = prose_len(t.get(1..)?)?;
    if !t.starts_with('[') || len + 2 != t.len() {
        return None;
    }
    let (line, col) = text.line_col(start);
    Some(Placeholder {
        token: t.to_string(),
        span: start..start + t.len(),
        line,
        col,
        section: outline.section_at(start),
    })
}

/// Length of bracketed prose followed by `]`, if `rest` (after a `[`) starts with one:
/// an upper-case letter, at least two words, no brackets, backticks or line breaks, at
/// most 120 characters: `[Compliance Standard 1]`, `[Database architecture strategy]`.
pub(crate) fn prose_len(rest: &str) -> Option<usize> {
    let end = rest.find(']')?;
    let inner = &rest[..end];
    let ok = inner.starts_with(|c: char| c.is_ascii_uppercase())
        && inner.contains(' ')
        && inner.len() <= 120
        && !inner.contains(['[', '\n', '\r', '`', '|'])
        && !inner.ends_with(' ');
    ok.then_some(end)
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
    fn bracketed_prose_is_a_placeholder_unless_it_is_link_syntax() {
        let src = "# T\n\n## A\n[Strategy and design principles]\n\
            - **[Compliance Standard 1]:** done\n\
            - [Backend Architecture](x.md) and [Data Contracts][dc] and [Design Notes]\n\
            - [ ] task, [^1] note, [lower case words], [One]\n\
            \n[Ref Label]: https://example.com\n[dc]: https://example.com\n\
            [Design Notes]: https://example.com/notes\n\
            ```sql\n[Table creation examples]\n```\n```\n[Not alone]\nSELECT 1;\n```\n";
        let (_, o) = outline(src);
        let found: Vec<&str> = o.placeholders.iter().map(|p| p.token.as_str()).collect();
        assert_eq!(
            found,
            [
                "[Strategy and design principles]",
                "[Compliance Standard 1]",
                "[Table creation examples]"
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
