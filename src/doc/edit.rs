//! Edits as splices: each [`Edit`] replaces one byte range of the original text. The
//! operations here compute the edits for a [`Document`]; [`Document::apply`] splices
//! them and re-parses the result, so an edit that would break the document is caught
//! before anything is written.
use std::ops::Range;

use chrono::NaiveDate;

use super::date::{self, DateStyle};
use super::header::{FieldForm, FieldKind};
use super::table::{escape_cell, is_changelog_title, Column, Order, Table};
use super::text::Text;
use super::{DocError, Document};

/// Replace `range` of the original text with `text`. An empty range inserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// Where missing header fields are inserted: `prefix`, the field lines, `suffix`.
struct InsertPoint {
    at: usize,
    prefix: String,
    suffix: String,
}

/// A Change Log row to add, as plain text; cells are escaped when written.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NewRow {
    pub date: String,
    pub change: String,
    pub author: String,
    pub impact: String,
    /// The Commit cell (a short id) when the table has that column. Not serialised: the
    /// planned row carries the full id.
    #[serde(skip)]
    pub commit: Option<String>,
}

impl NewRow {
    fn value(&self, c: Column) -> &str {
        match c {
            Column::Date => &self.date,
            Column::Change => &self.change,
            Column::Author => &self.author,
            Column::Impact => &self.impact,
            Column::Commit => self.commit.as_deref().unwrap_or(""),
        }
    }
}

/// Splices `edits` into `src`. Edits must not overlap; inserts at the same offset keep
/// the order they were given in.
pub fn splice(src: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out =
        String::with_capacity(src.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in sorted {
        if e.range.start < pos || e.range.end > src.len() || e.range.start > e.range.end {
            return Err(format!(
                "overlapping or out-of-range edit at byte {}",
                e.range.start
            ));
        }
        if !src.is_char_boundary(e.range.start) || !src.is_char_boundary(e.range.end) {
            return Err(format!("edit at byte {} splits a character", e.range.start));
        }
        out.push_str(&src[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&src[pos..]);
    Ok(out)
}

/// A date as chrono writes a year past 9999 (`+10000-01-01`), or a year with more than
/// four digits, found in `text`.
fn unreadable_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'+' {
            i += 1;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let at_word = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        let end = i + digits;
        let dated = digits >= 5
            && b.get(end) == Some(&b'-')
            && b.get(end + 1..end + 3)
                .is_some_and(|m| m.iter().all(u8::is_ascii_digit))
            && b.get(end + 3) == Some(&b'-');
        if at_word && dated {
            let stop = (end + 6).min(b.len());
            return Some(String::from_utf8_lossy(&b[start..stop]).into_owned());
        }
        i = if digits > 0 { end } else { start + 1 };
    }
    None
}

impl Document {
    /// Applies edits and re-parses; the result is the new text and its parse.
    pub fn apply(&self, edits: &[Edit]) -> Result<(String, Document), DocError> {
        // A date dbarch could not read back (a year past 9999, from a commit dated so
        // far ahead) is never written.
        if let Some(bad) = edits.iter().find_map(|e| unreadable_date(&e.text)) {
            return Err(DocError {
                line: 1,
                col: 1,
                msg: format!(
                    "refusing to write the date `{bad}`: dates are read back with four-digit \
                     years (1000–9999); nothing written"
                ),
            });
        }
        let new = splice(self.src(), edits).map_err(|msg| DocError {
            line: 1,
            col: 1,
            msg: format!("internal: {msg}"),
        })?;
        let doc = Document::parse_str(&new, &self.labels).map_err(|e| DocError {
            msg: format!("the edited document would not parse: {}", e.msg),
            ..e
        })?;
        Ok((new, doc))
    }

    /// Writes a date for a field in the style the field already uses (else `fallback`,
    /// else ISO 8601).
    pub fn format_date(
        &self,
        kind: FieldKind,
        d: NaiveDate,
        fallback: Option<DateStyle>,
    ) -> String {
        let style = self
            .date(kind)
            .map(|x| x.style)
            .or(fallback)
            .unwrap_or(DateStyle::Iso);
        date::format(d, style)
    }

    /// Sets a header field's value; inserts the field when the document lacks it. No edit
    /// when the value is already there.
    pub fn set_field(&self, kind: FieldKind, value: &str) -> Option<Edit> {
        self.set_fields(&[(kind, value.to_string())]).pop()
    }

    /// Sets several header fields at once. Missing fields that go to the same place are
    /// inserted as one block, in field order (Last Updated, Reviewed By, Next Review).
    pub fn set_fields(&self, values: &[(FieldKind, String)]) -> Vec<Edit> {
        let mut sorted: Vec<&(FieldKind, String)> = values.iter().collect();
        sorted.sort_by_key(|(k, _)| *k);
        let mut edits: Vec<Edit> = Vec::new();
        let mut blocks: Vec<(InsertPoint, String)> = Vec::new();
        for (kind, value) in sorted {
            match self.field(*kind) {
                Some(f) if f.raw == *value => {}
                Some(f) if f.form == FieldForm::FrontMatter => {
                    // YAML: the value as the quotes around it (if any) need it.
                    let before = f.value.start.checked_sub(1).map(|i| &self.text.src[i..=i]);
                    let text = match before {
                        Some("\"") => yaml_double_quoted_body(value),
                        Some("'") => value.replace('\'', "''"),
                        _ => yaml_scalar(value),
                    };
                    edits.push(Edit {
                        range: f.value.clone(),
                        text,
                    })
                }
                Some(f) => edits.push(Edit {
                    range: f.value.clone(),
                    text: value.clone(),
                }),
                None => {
                    let (point, line) = self.insert_point(*kind, value);
                    match blocks.iter_mut().find(|(p, _)| p.at == point.at) {
                        Some((_, lines)) => lines.push_str(&line),
                        None => blocks.push((point, line)),
                    }
                }
            }
        }
        for (p, lines) in blocks {
            edits.push(Edit {
                range: p.at..p.at,
                text: format!("{}{lines}{}", p.prefix, p.suffix),
            });
        }
        edits
    }

    /// Where a missing field goes, and its line (with the line ending).
    fn insert_point(&self, kind: FieldKind, value: &str) -> (InsertPoint, String) {
        let t = &self.text;
        let nl = t.newline();
        let label = self.labels.get(kind);
        let point = |at: usize, prefix: String, suffix: &str| InsertPoint {
            at,
            prefix,
            suffix: suffix.to_string(),
        };
        // Front matter documents keep their fields there.
        if let Some(fm) = &self.front_matter {
            if self.fields.iter().all(|f| f.form == FieldForm::FrontMatter) {
                let at = t.lines[fm.close].start;
                let line = format!("{}: {}{nl}", self.labels.key(kind), yaml_scalar(value));
                return (point(at, String::new(), ""), line);
            }
        }
        // The template's form: two trailing spaces are the Markdown line break.
        let line = format!("**{label}:** {value}  {nl}");
        let no_newline = |i: usize| {
            if t.lines[i].next == t.lines[i].end {
                nl
            } else {
                ""
            }
        };
        // After the last bold field that comes before this one, else before the first
        // that comes after it.
        let bold = |f: &&super::header::Field| f.form == FieldForm::Bold;
        if let Some(f) = self.fields.iter().filter(bold).rfind(|f| f.kind < kind) {
            let at = t.lines[f.line].next;
            return (point(at, no_newline(f.line).to_string(), ""), line);
        }
        if let Some(f) = self.fields.iter().filter(bold).find(|f| f.kind > kind) {
            return (point(t.lines[f.line].start, String::new(), ""), line);
        }
        // No header yet: a block after the title, else at the top.
        if let Some(h) = self.outline.headings.iter().find(|h| h.level == 1) {
            let i = t.line_of(h.range.end.saturating_sub(1).max(h.range.start));
            let next_blank = t
                .lines
                .get(i + 1)
                .is_none_or(|_| t.line_text(i + 1).trim().is_empty());
            let suffix = if next_blank { "" } else { nl };
            return (
                point(t.lines[i].next, format!("{}{nl}", no_newline(i)), suffix),
                line,
            );
        }
        let at = self
            .front_matter
            .as_ref()
            .map_or(t.body_start, |f| f.body_start(t));
        let suffix = if at >= t.src.len() { "" } else { nl };
        (point(at, String::new(), suffix), line)
    }

    /// Adds rows (given oldest first) where the table's order says, replacing the
    /// template's placeholder row. Creates the table, or the whole Change Log section
    /// (before `## References`, else at the end), when missing.
    pub fn add_rows(&self, rows: &[NewRow], max_cell: usize) -> Result<Vec<Edit>, DocError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let t = &self.text;
        let nl = t.newline();
        let Some(table) = self.table() else {
            return self.create_table(rows, max_cell).map(|e| vec![e]);
        };
        let nl = {
            let e = t.lines[table.header_line].ending(&t.src);
            if e.is_empty() {
                nl
            } else {
                e
            }
        };
        let placeholders: Vec<_> = table.rows.iter().filter(|r| r.placeholder).collect();
        if placeholders.is_empty() {
            if let Some(edits) = self.insert_by_date(table, rows, max_cell, nl) {
                return Ok(edits);
            }
        }
        let mut edits = Vec::new();
        let ordered: Vec<&NewRow> = match table.order {
            Order::OldestFirst => rows.iter().collect(),
            Order::NewestFirst => rows.iter().rev().collect(),
        };
        let mut block = String::new();
        for r in &ordered {
            block.push_str(&render_row(table, r, max_cell));
            block.push_str(nl);
        }
        let anchor = match table.order {
            Order::OldestFirst => table.last_line,
            Order::NewestFirst => table.delimiter_line,
        };
        let mut insert_at = t.lines[anchor].next;
        let mut prefix = "";
        if t.lines[anchor].next == t.lines[anchor].end {
            prefix = nl; // the table ends the file without a newline
        }
        for p in &placeholders {
            let l = t.lines[p.line];
            if (table.order == Order::OldestFirst && p.line == table.last_line)
                || (table.order == Order::NewestFirst && p.line == table.delimiter_line + 1)
            {
                // Replace the placeholder row in place with the new rows.
                let body = block.strip_suffix(nl).unwrap_or(&block).to_string();
                edits.push(Edit {
                    range: l.start..l.end,
                    text: body,
                });
                insert_at = usize::MAX;
            } else {
                edits.push(Edit {
                    range: l.start..l.next,
                    text: String::new(),
                });
            }
        }
        if insert_at != usize::MAX {
            let text = if prefix.is_empty() {
                block
            } else {
                format!("{prefix}{}", block.strip_suffix(nl).unwrap_or(&block))
            };
            edits.push(Edit {
                range: insert_at..insert_at,
                text,
            });
        }
        Ok(edits)
    }

    /// New rows dated before the table's newest row (a late commit: rebased,
    /// cherry-picked, or merged from a long branch) go where their date puts them, not at
    /// the end: each before the first existing row dated after it (oldest first), or
    /// after the last one dated after it (newest first). Rows of the same day keep the
    /// table's order. `None` when every new row goes at the end anyway (the plain append
    /// does it) or a date does not parse.
    fn insert_by_date(
        &self,
        table: &Table,
        rows: &[NewRow],
        max_cell: usize,
        nl: &str,
    ) -> Option<Vec<Edit>> {
        let t = &self.text;
        let date_of = |text: &str| super::date::parse(text).map(|d| d.date);
        let existing: Vec<(usize, chrono::NaiveDate)> = table
            .real_rows()
            .map(|r| Some((r.line, date_of(table.cell(r, Column::Date)?)?)))
            .collect::<Option<_>>()?;
        let newest = existing.iter().map(|(_, d)| *d).max()?;
        let new: Vec<(chrono::NaiveDate, &NewRow)> = rows
            .iter()
            .map(|r| Some((date_of(&r.date)?, r)))
            .collect::<Option<_>>()?;
        if new.iter().all(|(d, _)| *d >= newest) {
            return None;
        }
        // Each new row's insertion offset: before the line of the first row (in table
        // order) that it must precede, else at the table's end.
        let end = t.lines[table.last_line].next;
        let mut by_offset: std::collections::BTreeMap<usize, Vec<&NewRow>> = Default::default();
        for (d, r) in &new {
            let at = existing
                .iter()
                .find(|(_, e)| match table.order {
                    Order::OldestFirst => e > d,
                    Order::NewestFirst => e < d,
                })
                .map_or(end, |(line, _)| t.lines[*line].start);
            by_offset.entry(at).or_default().push(r);
        }
        let needs_newline = t.lines[table.last_line].next == t.lines[table.last_line].end;
        let mut edits = Vec::new();
        for (at, mut group) in by_offset {
            if table.order == Order::NewestFirst {
                group.reverse();
            }
            let mut block = String::new();
            for r in group {
                block.push_str(&render_row(table, r, max_cell));
                block.push_str(nl);
            }
            let text = if at == end && needs_newline {
                format!("{nl}{}", block.strip_suffix(nl).unwrap_or(&block))
            } else {
                block
            };
            edits.push(Edit {
                range: at..at,
                text,
            });
        }
        Some(edits)
    }

    fn create_table(&self, rows: &[NewRow], max_cell: usize) -> Result<Edit, DocError> {
        let t = &self.text;
        let nl = t.newline();
        let header = "| Date | Change | Author | Impact |";
        let mut table = format!("{header}{nl}|------|--------|--------|--------|{nl}");
        let skeleton = Table {
            header_line: 0,
            delimiter_line: 1,
            headers: vec![],
            columns: vec![
                Some(Column::Date),
                Some(Column::Change),
                Some(Column::Author),
                Some(Column::Impact),
            ],
            rows: vec![],
            last_line: 1,
            order: Order::OldestFirst,
            trailing_pipe: true,
            indent: String::new(),
        };
        for r in rows {
            table.push_str(&render_row(&skeleton, r, max_cell));
            table.push_str(nl);
        }
        if let Some(cl) = &self.changelog {
            // The section exists without a table: put it right under the heading.
            let s = &self.outline.sections[cl.section];
            let h = self
                .outline
                .headings
                .iter()
                .find(|h| h.range.start == s.range.start);
            let end = h.map_or(s.range.start, |h| {
                h.range.end.saturating_sub(1).max(h.range.start)
            });
            let i = t.line_of(end);
            let l = t.lines[i];
            let prefix = if l.next == l.end { nl } else { "" };
            // Text right under the heading would continue the table (GitHub reads a
            // line after a table as one more row): keep a blank line between them.
            let suffix = match t.lines.get(i + 1) {
                Some(_) if !t.line_text(i + 1).trim().is_empty() => nl,
                _ => "",
            };
            return Ok(Edit {
                range: l.next..l.next,
                text: format!("{prefix}{table}{suffix}"),
            });
        }
        let section = format!("## Change Log{nl}{table}");
        let refs = self
            .outline
            .sections
            .iter()
            .find(|s| s.level == 2 && s.title.eq_ignore_ascii_case("references"));
        if let Some(r) = refs {
            return Ok(Edit {
                range: r.range.start..r.range.start,
                text: format!("{section}{nl}"),
            });
        }
        let end = t.src.len();
        if let Some(block) = self
            .outline
            .code_blocks
            .iter()
            .find(|b| b.end >= end && b.start < end)
        {
            let (line, col) = t.line_col(block.start);
            return Err(DocError {
                line,
                col,
                msg: "this code block is never closed, so a Change Log added at the end would be inside it; close the code block".into(),
            });
        }
        let mut prefix = String::new();
        if !t.ends_with_newline() {
            prefix.push_str(nl);
        }
        let last_blank = t
            .lines
            .last()
            .is_none_or(|_| t.line_text(t.lines.len() - 1).trim().is_empty());
        if !last_blank {
            prefix.push_str(nl);
        }
        let edit = Edit {
            range: end..end,
            text: format!("{prefix}{section}"),
        };
        // An HTML block that is never closed (`<pre>`, `<script>`, `<!--` ... without
        // their end) swallows anything appended, blank lines included: check that the new
        // heading is a heading before offering the edit.
        let body = self
            .front_matter
            .as_ref()
            .map_or(t.body_start, |f| f.body_start(t));
        let appended = Text::new(format!("{}{}", t.src, edit.text));
        let seen = super::outline::scan(&appended, body)
            .headings
            .iter()
            .any(|h| h.range.start >= end && is_changelog_title(&h.title));
        if !seen {
            let block = self
                .outline
                .opaque
                .iter()
                .filter(|r| r.end >= end.saturating_sub(1) && r.start < end)
                .map(|r| r.start)
                .min()
                .unwrap_or(end);
            let (line, col) = t.line_col(block);
            return Err(DocError {
                line,
                col,
                msg: "this HTML block or comment is never closed, so a Change Log added at the end would be inside it; close it".into(),
            });
        }
        Ok(edit)
    }
}

/// `value` as a YAML scalar that reads back as this string: plain when YAML reads it so
/// (`2026-01-05`, `DBA Team`), else double-quoted — `[TEAM]` would be a list,
/// `@org/team` does not parse, `a: b` is a mapping, `yes` a boolean.
pub fn yaml_scalar(value: &str) -> String {
    let first = value.chars().next();
    let special_start = first.is_none_or(|c| "-?:,[]{}#&*!|>'\"%@`~ \t".contains(c));
    let word = value.to_ascii_lowercase();
    let keyword = matches!(
        word.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    );
    let number = value.parse::<f64>().is_ok();
    let needs = special_start
        || keyword
        || number
        || value.contains(": ")
        || value.contains(" #")
        || value.ends_with(':')
        || value.ends_with(' ')
        || value.chars().any(|c| c.is_control());
    if needs {
        format!("\"{}\"", yaml_double_quoted_body(value))
    } else {
        value.to_string()
    }
}

/// The inside of a YAML double-quoted scalar for `value`.
fn yaml_double_quoted_body(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One row in the table's column order, cells escaped and cut to `max_cell` characters.
pub fn render_row(table: &Table, row: &NewRow, max_cell: usize) -> String {
    let cells: Vec<String> = table
        .columns
        .iter()
        .map(|c| c.map_or_else(String::new, |c| escape_cell(row.value(c), max_cell)))
        .collect();
    let mut s = format!("{}| {}", table.indent, cells.join(" | "));
    if table.trailing_pipe {
        s.push_str(" |");
    }
    s
}
