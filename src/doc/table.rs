//! The Change Log table: found under the `## Change Log` heading, columns found by header
//! name, the template's placeholder row recognised, and the order of the rows detected.
//! Cell splitting follows GitHub Flavored Markdown: an unescaped `|` ends a cell, even
//! inside a code span.
use super::date;
use super::outline::{is_placeholder, Outline};
use super::text::Text;
use super::DocError;

/// The columns `dbarch` knows, by header name (case-insensitive; a few synonyms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Column {
    Date,
    Change,
    Author,
    Impact,
    Commit,
}

impl Column {
    pub fn from_header(name: &str) -> Option<Column> {
        let n = name.trim().trim_matches('*').trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "date" | "when" => Column::Date,
            "change" | "changes" | "description" | "summary" => Column::Change,
            "author" | "authors" | "by" | "who" | "changed by" => Column::Author,
            "impact" | "severity" => Column::Impact,
            "commit" | "sha" | "ref" | "revision" => Column::Commit,
            _ => return None,
        })
    }
}

/// Row order in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// One body row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 0-based line index.
    pub line: usize,
    /// Cell texts, trimmed, escapes kept as written.
    pub cells: Vec<String>,
    /// The template's `| [DATE] | [CHANGE] | ... |` row.
    pub placeholder: bool,
}

/// The Change Log table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub header_line: usize,
    pub delimiter_line: usize,
    /// Header names as written.
    pub headers: Vec<String>,
    /// The known column for each header position.
    pub columns: Vec<Option<Column>>,
    pub rows: Vec<Row>,
    /// Line index of the last table line.
    pub last_line: usize,
    pub order: Order,
    /// Whether the header row ends with a `|` (new rows copy it).
    pub trailing_pipe: bool,
    /// Indentation of the header row (new rows copy it).
    pub indent: String,
}

impl Table {
    pub fn index_of(&self, c: Column) -> Option<usize> {
        self.columns.iter().position(|x| *x == Some(c))
    }

    pub fn cell<'a>(&self, row: &'a Row, c: Column) -> Option<&'a str> {
        self.index_of(c)
            .and_then(|i| row.cells.get(i))
            .map(String::as_str)
    }

    pub fn real_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| !r.placeholder)
    }
}

/// The Change Log section and its table (absent when the section has none yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeLog {
    /// Index into the outline's sections.
    pub section: usize,
    pub table: Option<Table>,
}

/// Whether a heading names the Change Log.
pub fn is_changelog_title(title: &str) -> bool {
    let t: String = title
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    t.eq_ignore_ascii_case("changelog")
}

/// Finds the Change Log section and parses its table.
pub fn find(text: &Text, outline: &Outline) -> Result<Option<ChangeLog>, DocError> {
    let mut found = outline
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| is_changelog_title(&s.title));
    let Some((index, section)) = found.next() else {
        return Ok(None);
    };
    if let Some((_, second)) = found.next() {
        return Err(DocError {
            line: second.line + 1,
            col: 1,
            msg: format!(
                "a second Change Log section (the first is at line {}); merge them into one",
                section.line + 1
            ),
        });
    }
    let first = text.line_of(section.range.start) + 1;
    let last = if section.range.end >= text.src.len() {
        text.lines.len()
    } else {
        text.line_of(section.range.end)
    };
    let start = (first..last)
        .find(|&i| is_table_line(text.line_text(i)) && !outline.line_in_code_block(text, i));
    let Some(start) = start else {
        return Ok(Some(ChangeLog {
            section: index,
            table: None,
        }));
    };
    let end = (start..last)
        .take_while(|&i| is_table_line(text.line_text(i)))
        .last()
        .unwrap_or(start);
    parse_table(text, start, end).map(|table| {
        Some(ChangeLog {
            section: index,
            table: Some(table),
        })
    })
}

fn is_table_line(line: &str) -> bool {
    let t = line.trim_start();
    line.len() - t.len() <= 3 && t.starts_with('|')
}

fn parse_table(text: &Text, start: usize, end: usize) -> Result<Table, DocError> {
    let header_text = text.line_text(start);
    let headers = split_cells(header_text);
    let delimiter_ok = start < end && is_delimiter(text.line_text(start + 1));
    if !delimiter_ok {
        // The line where the delimiter row should be; past the header's end when the
        // header is the file's last line.
        let (line, col) = if start + 1 < text.lines.len() {
            (start + 2, 1)
        } else {
            (start + 1, header_text.chars().count() + 1)
        };
        return Err(DocError {
            line,
            col,
            msg: "the Change Log table has no delimiter row (`|---|---|`) under its header".into(),
        });
    }
    let columns: Vec<Option<Column>> = headers.iter().map(|h| Column::from_header(h)).collect();
    if !columns.contains(&Some(Column::Change)) {
        return Err(DocError {
            line: start + 1,
            col: 1,
            msg: format!(
                "the Change Log table has no Change column (headers: {})",
                headers.join(", ")
            ),
        });
    }
    let rows: Vec<Row> = (start + 2..=end)
        .map(|i| {
            let cells = split_cells(text.line_text(i));
            let placeholder = cells.iter().any(|c| !c.is_empty())
                && cells.iter().all(|c| c.is_empty() || is_placeholder(c));
            Row {
                line: i,
                cells,
                placeholder,
            }
        })
        .collect();
    let indent_len = header_text.len() - header_text.trim_start().len();
    let mut table = Table {
        header_line: start,
        delimiter_line: start + 1,
        headers,
        columns,
        rows,
        last_line: end,
        order: Order::OldestFirst,
        trailing_pipe: header_text.trim_end().ends_with('|'),
        indent: header_text[..indent_len].to_string(),
    };
    table.order = detect_order(&table);
    Ok(table)
}

/// Newest-first when the dated rows never go up and go down at least once; else the
/// default, oldest-first.
fn detect_order(t: &Table) -> Order {
    let Some(i) = t.index_of(Column::Date) else {
        return Order::OldestFirst;
    };
    let dates: Vec<_> = t
        .real_rows()
        .filter_map(|r| r.cells.get(i))
        .filter_map(|c| date::parse(c))
        .map(|d| d.date)
        .collect();
    let ups = dates.windows(2).filter(|w| w[1] > w[0]).count();
    let downs = dates.windows(2).filter(|w| w[1] < w[0]).count();
    if downs > 0 && ups == 0 {
        Order::NewestFirst
    } else {
        Order::OldestFirst
    }
}

fn is_delimiter(line: &str) -> bool {
    let cells = split_cells(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            let inner = c.strip_prefix(':').unwrap_or(c);
            let inner = inner.strip_suffix(':').unwrap_or(inner);
            !inner.is_empty() && inner.bytes().all(|b| b == b'-')
        })
}

/// Splits a table line into trimmed cells. `\|` does not split; the outer pipes are not
/// cells.
pub fn split_cells(line: &str) -> Vec<String> {
    let mut t = line.trim();
    t = t.strip_prefix('|').unwrap_or(t);
    let bytes = t.as_bytes();
    let mut cells = Vec::new();
    let (mut start, mut i) = (0, 0);
    // `|` is ASCII: the slices below fall on character boundaries.
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'|') => i += 2,
            b'|' => {
                cells.push(t[start..i].trim().to_string());
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    let last = t[start..].trim();
    if !last.is_empty() {
        cells.push(last.to_string());
    }
    cells
}

/// Makes text safe for one table cell: control characters and ANSI/OSC escape sequences
/// become spaces, whitespace runs collapse, `|` is escaped, `<`/`>` become entities (so
/// HTML in a commit message stays text), a `[UPPER_SNAKE]` token gets a backslash
/// (`\[WIP]` renders as `[WIP]` but is not an unfilled placeholder, and a row of such
/// tokens is not the template's placeholder row), and text longer than `max_chars` is
/// cut with an ellipsis (0 = no limit).
pub fn escape_cell(text: &str, max_chars: usize) -> String {
    let plain = strip_escapes(text);
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut joined = words.join(" ");
    if max_chars > 0 && joined.chars().count() > max_chars {
        let cut: String = joined.chars().take(max_chars.saturating_sub(1)).collect();
        joined = format!("{}…", cut.trim_end());
    }
    let mut out = String::with_capacity(joined.len());
    let code = code_spans(&joined);
    for (i, c) in joined.char_indices() {
        let in_code = code.iter().any(|&(a, b)| a <= i && i < b);
        match c {
            // Code shows its text as it is: an entity or a backslash there would be
            // shown literally (only `|` is escaped, which GFM tables undo in code too).
            '<' | '>' | '[' if in_code => out.push(c),
            '[' if super::outline::token_len(&joined.as_bytes()[i + 1..])
                .is_some_and(|n| n >= 2) =>
            {
                out.push_str("\\[")
            }
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// The byte ranges of `text`'s code spans (a run of backticks up to the next run of the
/// same length, as CommonMark reads them); an unclosed run is text.
fn code_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let run = |at: usize| b[at..].iter().take_while(|&&c| c == b'`').count();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let mut closed = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run(j);
                if m == n {
                    closed = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                spans.push((i, end));
                i = end;
            }
            None => i += n,
        }
    }
    spans
}

/// Replaces ANSI CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ESC \`) and other escape
/// sequences, and every other control character, with a space.
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
            out.push(' ');
        } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character splitter `split_cells` replaced (kept to compare).
    fn split_cells_by_char(line: &str) -> Vec<String> {
        let mut t = line.trim();
        t = t.strip_prefix('|').unwrap_or(t);
        let mut cells = Vec::new();
        let mut cur = String::new();
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'|') => {
                    cur.push('\\');
                    cur.push('|');
                    chars.next();
                }
                '|' => cells.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        if !cur.trim().is_empty() {
            cells.push(cur);
        }
        cells.into_iter().map(|c| c.trim().to_string()).collect()
    }

    proptest::proptest! {
        #[test]
        fn split_cells_splits_as_before(line in "[|\\\\ aé`]{0,24}") {
            proptest::prop_assert_eq!(split_cells(&line), split_cells_by_char(&line));
        }
    }

    #[test]
    fn cells_split_like_gfm() {
        assert_eq!(
            split_cells("| a | b \\| c | `x|y` |"),
            ["a", "b \\| c", "`x", "y`"]
        );
        assert_eq!(split_cells("a | b"), ["a", "b"]);
        assert_eq!(split_cells("| a | |"), ["a", ""]);
    }

    #[test]
    fn delimiter_rows() {
        assert!(is_delimiter("|------|--------|"));
        assert!(is_delimiter("| :--- | ---: | :-: |"));
        assert!(!is_delimiter("| Date | Change |"));
        assert!(!is_delimiter("| --- | x |"));
    }

    #[test]
    fn escaping_keeps_one_cell() {
        let s = escape_cell("fix | pipes <b>bold</b> `code` \u{1b}[31mred\u{1b}[0m\nnext\u{1b}]8;;http://x\u{7}link", 0);
        assert_eq!(
            s,
            "fix \\| pipes &lt;b&gt;bold&lt;/b&gt; `code` red next link"
        );
        assert_eq!(split_cells(&format!("| {s} |")).len(), 1);
    }

    #[test]
    fn escaping_leaves_code_spans_as_they_are() {
        assert_eq!(
            escape_cell("use `git log <path>` or <b>", 0),
            "use `git log <path>` or &lt;b&gt;"
        );
        assert_eq!(
            escape_cell("``a `<x>` b`` <y>", 0),
            "``a `<x>` b`` &lt;y&gt;"
        );
        assert_eq!(escape_cell("`[WIP]` [WIP]", 0), "`[WIP]` \\[WIP]");
        // An unclosed backtick is text: HTML after it is escaped.
        assert_eq!(escape_cell("a ` <b>", 0), "a ` &lt;b&gt;");
        assert_eq!(escape_cell("`a|b`", 0), "`a\\|b`");
    }

    #[test]
    fn placeholder_tokens_from_commits_are_escaped() {
        assert_eq!(
            escape_cell("[WIP] add [X] and [CHANGE]", 0),
            "\\[WIP] add [X] and \\[CHANGE]"
        );
        assert!(!crate::doc::outline::is_placeholder(&escape_cell(
            "[CHANGE]", 0
        )));
        assert_eq!(
            escape_cell("already \\[ESCAPED]", 0),
            "already \\\\[ESCAPED]"
        );
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let s = escape_cell(&"word ".repeat(100), 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn column_names() {
        assert_eq!(Column::from_header(" DATE "), Some(Column::Date));
        assert_eq!(Column::from_header("**Impact**"), Some(Column::Impact));
        assert_eq!(Column::from_header("Ticket"), None);
    }
}
