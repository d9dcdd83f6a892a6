//! The lint rules: what is wrong with one parsed document's structure, header dates and
//! placeholders, as [`Finding`]s in document order. Reads only; `dbarch lint` reports
//! these (plus `parse-error`, `unreadable` and `schema`, which need more than a parsed
//! document).
//!
//! Finding kinds (the `kind` slug, stable):
//!
//! | kind | what |
//! |---|---|
//! | `parse-error` | the document cannot be parsed (not UTF-8, binary, a duplicate header field, a broken Change Log table, ...); the position is where |
//! | `unreadable` | the file cannot be read (missing, permissions); no position |
//! | `missing-field` | one of the three header fields is absent (one finding each); no position |
//! | `empty-field` | a header field has no value |
//! | `placeholder-date` | Last Updated or Next Review is still a placeholder such as `[DATE]` |
//! | `invalid-date` | a date field holds text that is not a date in an accepted form |
//! | `review-before-update` | Next Review is not after Last Updated |
//! | `no-changelog` | the document has no Change Log section; no position |
//! | `no-changelog-table` | the Change Log section has no table |
//! | `unclosed-block` | a code block or HTML block is never closed, so a Change Log added at the end would be inside it (`sync` and `adopt` refuse) |
//! | `row-cells` | a Change Log row has fewer or more cells than the header |
//! | `placeholder-row` | the template's `\| [DATE] \| [CHANGE] \| ... \|` row is still there |
//! | `placeholders` | a section still holds `[UPPER_SNAKE]` placeholders (one finding per section) |
//!
//! Decisions:
//! - Placeholder tokens already reported by a more precise finding (a date field that is
//!   `[DATE]`, the placeholder row) are left out of the per-section `placeholders`
//!   findings and of the JSON `placeholders` list, so nothing is reported twice. The
//!   `[TEAM]` of Reviewed By has no finding of its own and shows under `(preamble)`.
//! - A `placeholders` message lists at most [`MAX_LISTED`] tokens, then `… and N more`
//!   (the JSON lists them all).
//! - Findings are in document order (by line, then column); the ones without a position
//!   come first.
use std::collections::HashSet;

use serde::Serialize;

use crate::doc::{ChangeLog, Document, Field, FieldKind, Row, SectionPlaceholders, Table};
use crate::ui;

/// The most placeholder tokens one `placeholders` message lists.
pub(crate) const MAX_LISTED: usize = 12;

/// The date forms a header field may use, for messages.
const DATE_FORMS: &str =
    "2026-11-26, 2026/11/26, 26 Nov 2026, Nov 26, 2026, November 26, 2026 or November 2026";

/// One finding (`dbarch lint --format json` lists them per document).
///
/// - `line`, `col`: 1-based (the column counts characters); `null` when the finding has
///   no position (a missing field or section, an unreadable file).
/// - `kind`: a stable slug, listed in the module documentation.
/// - `message`: for people; quotes document text as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Finding {
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub kind: &'static str,
    pub message: String,
}

impl Finding {
    pub(crate) fn at(line: usize, col: usize, kind: &'static str, message: String) -> Finding {
        Finding {
            line: Some(line),
            col: Some(col),
            kind,
            message,
        }
    }

    pub(crate) fn nowhere(kind: &'static str, message: String) -> Finding {
        Finding {
            line: None,
            col: None,
            kind,
            message,
        }
    }
}

/// Everything `lint` reports about one parsed document: the findings (in document
/// order) and the sections with unfilled placeholders.
pub(crate) fn check(doc: &Document) -> (Vec<Finding>, Vec<SectionPlaceholders>) {
    let mut out: Vec<Finding> = FieldKind::ALL
        .into_iter()
        .filter_map(|kind| header_field(doc, kind))
        .collect();
    out.extend(review_before_update(doc));
    let mut placeholder_lines: HashSet<usize> = HashSet::new();
    match &doc.changelog {
        None => {
            out.push(no_changelog());
            out.extend(unclosed_block(doc));
        }
        Some(cl) => match &cl.table {
            None => out.push(no_changelog_table(doc, cl)),
            Some(table) => {
                for row in &table.rows {
                    out.extend(row_cells(table, row));
                    out.extend(placeholder_row(row));
                }
                placeholder_lines = table
                    .rows
                    .iter()
                    .filter(|r| r.placeholder)
                    .map(|r| r.line)
                    .collect();
            }
        },
    }
    let groups = unfilled_sections(doc, &placeholder_lines);
    out.extend(groups.iter().map(placeholders));
    out.sort_by_key(|f| (f.line.unwrap_or(0), f.col.unwrap_or(0)));
    (out, groups)
}

/// The one finding about a header field, if any: `missing-field`, else `empty-field`,
/// else `placeholder-date`, else `invalid-date`.
fn header_field(doc: &Document, kind: FieldKind) -> Option<Finding> {
    let Some(f) = doc.field(kind) else {
        return Some(missing_field(doc, kind));
    };
    empty_field(doc, f)
        .or_else(|| placeholder_date(doc, f))
        .or_else(|| invalid_date(doc, f))
}

/// `missing-field`: the header has no such field.
fn missing_field(doc: &Document, kind: FieldKind) -> Finding {
    let label = doc.labels.get(kind);
    let example = if kind.is_date() { "2026-11-26" } else { "..." };
    Finding::nowhere(
        "missing-field",
        format!(
            "the header has no {label} field; add a line `**{label}:** {example}` \
             under the title (`dbarch adopt` adds the whole header)"
        ),
    )
}

/// A finding at the start of a field's value.
fn at_value(doc: &Document, f: &Field, kind: &'static str, message: String) -> Finding {
    let (line, col) = doc.text.line_col(f.value.start);
    Finding::at(line, col, kind, message)
}

/// `empty-field`: the field has no value.
fn empty_field(doc: &Document, f: &Field) -> Option<Finding> {
    if !f.raw.trim().is_empty() {
        return None;
    }
    let what = if f.kind.is_date() {
        format!("a date ({DATE_FORMS})")
    } else {
        "who reviewed the document".to_string()
    };
    let label = doc.labels.get(f.kind);
    Some(at_value(
        doc,
        f,
        "empty-field",
        format!("{label} is empty; write {what}"),
    ))
}

/// `placeholder-date`: a date field still holds a placeholder such as `[DATE]`.
fn placeholder_date(doc: &Document, f: &Field) -> Option<Finding> {
    if !(f.kind.is_date() && f.is_placeholder()) {
        return None;
    }
    let hint = match f.kind {
        FieldKind::LastUpdated => {
            "write the date of the last change (`dbarch sync` sets it from git history)"
        }
        _ => "write the date of the next review",
    };
    let label = doc.labels.get(f.kind);
    Some(at_value(
        doc,
        f,
        "placeholder-date",
        format!("{label} is still the placeholder {}; {hint}", f.raw),
    ))
}

/// `invalid-date`: a date field holds text that is not a date.
fn invalid_date(doc: &Document, f: &Field) -> Option<Finding> {
    if !(f.kind.is_date() && f.date.is_none()) {
        return None;
    }
    let label = doc.labels.get(f.kind);
    Some(at_value(
        doc,
        f,
        "invalid-date",
        format!(
            "{label} `{}` is not a date; accepted forms: {DATE_FORMS}",
            f.raw
        ),
    ))
}

/// `review-before-update`: Next Review is not after Last Updated.
fn review_before_update(doc: &Document) -> Option<Finding> {
    let last = doc.date(FieldKind::LastUpdated)?;
    let next = doc.date(FieldKind::NextReview)?;
    let f = doc.field(FieldKind::NextReview)?;
    if next.date > last.date {
        return None;
    }
    let last_raw = doc
        .field(FieldKind::LastUpdated)
        .map_or("", |f| f.raw.as_str());
    let labels = &doc.labels;
    Some(at_value(
        doc,
        f,
        "review-before-update",
        format!(
            "{} ({}) is not after {} ({last_raw})",
            labels.next_review, f.raw, labels.last_updated
        ),
    ))
}

/// `no-changelog`: the document has no Change Log section.
fn no_changelog() -> Finding {
    Finding::nowhere(
        "no-changelog",
        "no Change Log section (`## Change Log`); `dbarch sync` adds one with rows from \
         git history"
            .to_string(),
    )
}

/// `unclosed-block`: where `sync`/`adopt` would add the Change Log, a block that is
/// never closed refuses it.
fn unclosed_block(doc: &Document) -> Option<Finding> {
    let probe = crate::doc::NewRow {
        date: "2000-01-01".into(),
        change: "probe".into(),
        author: "probe".into(),
        impact: "Low".into(),
        commit: None,
    };
    let e = doc.add_rows(&[probe], 0).err()?;
    Some(Finding::at(e.line, e.col, "unclosed-block", e.msg))
}

/// `no-changelog-table`: the Change Log section has no table.
fn no_changelog_table(doc: &Document, cl: &ChangeLog) -> Finding {
    let s = &doc.outline.sections[cl.section];
    Finding::at(
        s.line + 1,
        1,
        "no-changelog-table",
        format!(
            "the {} section has no table (`| Date | Change | Author | Impact |`); \
             `dbarch sync` adds one",
            s.title
        ),
    )
}

/// `row-cells`: a Change Log row has fewer or more cells than the header.
fn row_cells(table: &Table, row: &Row) -> Option<Finding> {
    let want = table.headers.len();
    let have = row.cells.len();
    if have == want {
        return None;
    }
    let line = row.line + 1;
    let diff = if have < want {
        format!("{} missing", want - have)
    } else {
        format!("{} extra", have - want)
    };
    Some(Finding::at(
        line,
        1,
        "row-cells",
        format!(
            "Change Log row on line {line} has {have} cell{}, the header \
             has {want} ({diff}); an unescaped `|` in a cell splits it \
             (write `\\|`)",
            if have == 1 { "" } else { "s" }
        ),
    ))
}

/// `placeholder-row`: the template's placeholder row is still in the Change Log.
fn placeholder_row(row: &Row) -> Option<Finding> {
    if !row.placeholder {
        return None;
    }
    let line = row.line + 1;
    Some(Finding::at(
        line,
        1,
        "placeholder-row",
        format!(
            "the template's placeholder row is still in the Change Log \
             (line {line}); `dbarch sync` replaces it with rows from git \
             history"
        ),
    ))
}

/// The sections that still hold placeholders, less the tokens a more precise finding
/// reports: a date field that is a placeholder, the placeholder row (`placeholder_lines`,
/// 0-based).
fn unfilled_sections(
    doc: &Document,
    placeholder_lines: &HashSet<usize>,
) -> Vec<SectionPlaceholders> {
    let reported: Vec<std::ops::Range<usize>> = doc
        .fields
        .iter()
        .filter(|f| f.kind.is_date() && f.is_placeholder())
        .map(|f| f.value.clone())
        .collect();
    let mut groups = doc.placeholders_by_section();
    for g in &mut groups {
        g.tokens.retain(|t| {
            !placeholder_lines.contains(&(t.line - 1))
                && !reported
                    .iter()
                    .any(|r| r.start <= t.span.start && t.span.end <= r.end)
        });
        let mut lines: Vec<usize> = g.tokens.iter().map(|t| t.line).collect();
        lines.dedup();
        g.unfilled = lines.len();
    }
    groups.retain(|g| !g.tokens.is_empty());
    groups
}

/// `placeholders`: one section's unfilled placeholders (at most [`MAX_LISTED`] listed).
fn placeholders(g: &SectionPlaceholders) -> Finding {
    let first = &g.tokens[0];
    let listed: Vec<&str> = g
        .tokens
        .iter()
        .take(MAX_LISTED)
        .map(|t| t.token.as_str())
        .collect();
    let more = g.tokens.len().saturating_sub(MAX_LISTED);
    let more_text = if more > 0 {
        format!(", … and {more} more")
    } else {
        String::new()
    };
    Finding::at(
        first.line,
        first.col,
        "placeholders",
        format!(
            "{}: {} of {} unfilled ({}{more_text}); {}",
            g.section,
            g.unfilled,
            ui::count(g.lines, "line", "lines"),
            listed.join(", "),
            how_to_fill(&g.tokens)
        ),
    )
}

/// What to do about a section's placeholders, in one short clause.
fn how_to_fill(tokens: &[crate::doc::Placeholder]) -> &'static str {
    let prose = tokens.iter().any(|t| t.token.contains(' '));
    let upper = tokens.iter().any(|t| !t.token.contains(' '));
    match (upper, prose) {
        (true, true) => "write the real value in place of each `[TOKEN]` and your own text in place of each bracketed description (brackets included)",
        (false, true) => "replace each bracketed description, brackets included, with your own text (in a code block: with real examples)",
        _ => "write the real value in place of each `[TOKEN]`, brackets included",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Labels;

    fn kinds(src: &str) -> Vec<&'static str> {
        let doc = Document::parse_str(src, &Labels::default()).unwrap();
        check(&doc).0.into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn clean_document_has_no_findings() {
        let src = "# T\n\n**Last Updated:** 2026-11-26  \n**Reviewed By:** DBA  \n**Next Review:** 2027-02-24  \n\n## Change Log\n| Date | Change | Author | Impact |\n|---|---|---|---|\n| 2026-11-26 | x | a | Low |\n";
        assert!(kinds(src).is_empty(), "{:?}", kinds(src));
    }

    #[test]
    fn structural_findings() {
        let src = "# T\n\n**Last Updated:** 2026-11-26  \n**Next Review:** soon  \n\n## Change Log\n| Date | Change | Author | Impact |\n|---|---|---|---|\n| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n| 2026-11-26 | x | a |\n";
        assert_eq!(
            kinds(src),
            [
                "missing-field",
                "invalid-date",
                "placeholder-row",
                "row-cells"
            ]
        );
    }

    #[test]
    fn an_unclosed_code_block_where_the_change_log_would_go_is_reported() {
        let src = "# T\n\n**Last Updated:** 2026-11-26  \n**Reviewed By:** DBA  \n**Next Review:** 2027-02-24  \n\nSection\n~~~~~~~\n\ntext\n";
        let doc = Document::parse_str(src, &Labels::default()).unwrap();
        let findings = check(&doc).0;
        let f = findings
            .iter()
            .find(|f| f.kind == "unclosed-block")
            .expect("reported");
        assert_eq!(
            f.line,
            Some(8),
            "{:?}",
            findings.iter().map(|f| f.kind).collect::<Vec<_>>()
        );
    }

    #[test]
    fn review_must_come_after_update() {
        let src = "**Last Updated:** Nov 2026\n**Reviewed By:** x\n**Next Review:** 2026-11-01\n## Change Log\n";
        assert_eq!(kinds(src), ["review-before-update", "no-changelog-table"]);
    }

    #[test]
    fn placeholder_messages_are_capped() {
        let mut src = String::from("## A\n");
        for _ in 0..20 {
            src.push_str("- [VALUE]\n");
        }
        let doc = Document::parse_str(&src, &Labels::default()).unwrap();
        let (findings, groups) = check(&doc);
        let f = findings.iter().find(|f| f.kind == "placeholders").unwrap();
        assert!(
            f.message
                .starts_with("A: 20 of 20 lines unfilled ([VALUE], "),
            "{}",
            f.message
        );
        assert!(f.message.contains(", … and 8 more); "), "{}", f.message);
        assert_eq!(groups[0].tokens.len(), 20);
    }
}
