//! Merging a managed document by meaning (the classic anchor: gnulib's
//! `git-merge-changelog` for GNU ChangeLog files).
//!
//! The body is merged with git's own 3-way line merge (libgit2's `merge_file`, the same
//! algorithm as `git merge-file`); the managed parts are merged by what they mean:
//!
//! - **Change Log rows**: the union of both sides, no row twice (rows compare by their
//!   trimmed cells, so re-aligned columns are the same row). Rows of the side being
//!   merged into (ours) stay, unless the other side edited one relative to the merge base
//!   (it has a new row with the same Date and Author instead): a row the other side
//!   removed outright stays (a revert removes its commit's row with the change; the log
//!   keeps both). Rows only the other side added are placed by their date in the
//!   table's order (oldest or newest first); rows the base has but ours does not stay
//!   out (a cherry-pick brings only the picked commit's row). The template's
//!   placeholder row goes once a real row exists.
//! - **Last Updated / Next Review**: the newest date of the two sides, written as that
//!   side wrote it.
//! - **Reviewed By**: the side that changed it relative to the base; when both did, the
//!   side whose Next Review is newer (the later review).
//!
//! How: the merged managed parts are written into all three versions (base, ours,
//! theirs) first, so the line merge sees no change there and the only conflicts left
//! are real ones in the body. A version that does not parse (binary, a second Change Log,
//! conflict markers in a virtual merge base) is merged as plain text: nothing is lost,
//! a conflict stays a conflict.
//!
//! [`resolve_markers`] finishes a merge made without the driver: it rebuilds both sides
//! (and the base, from `diff3` markers) from the conflict markers in the file, and
//! merges them the same way, so conflicts confined to managed parts go away and conflicts
//! in the body stay as markers.
use std::collections::HashSet;

use chrono::NaiveDate;

use crate::doc::{self, Column, Document, FieldKind, Labels, Order};

/// A 3-way merge's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub bytes: Vec<u8>,
    /// Conflict markers were left in the body.
    pub conflicts: bool,
}

/// Labels and marker size of the conflict markers (`git merge-file -L`, `%L`).
#[derive(Debug, Clone)]
pub struct MarkerStyle {
    pub ours: String,
    pub base: String,
    pub theirs: String,
    pub size: u16,
    pub diff3: bool,
}

impl Default for MarkerStyle {
    fn default() -> Self {
        MarkerStyle {
            ours: "ours".into(),
            base: "base".into(),
            theirs: "theirs".into(),
            size: 7,
            diff3: false,
        }
    }
}

/// One Change Log row as written.
#[derive(Debug, Clone)]
struct RowLine {
    key: String,
    /// The Date and Author cells: an edited row keeps them.
    who_when: (String, String),
    line: String,
    date: Option<NaiveDate>,
    placeholder: bool,
}

/// The managed parts of one version.
#[derive(Debug, Clone, Default)]
struct Managed {
    /// Raw values of the header fields the version has.
    fields: Vec<(FieldKind, String)>,
    /// The table's rows, when it has a table.
    rows: Option<Vec<RowLine>>,
    order: Option<Order>,
}

impl Managed {
    fn field(&self, k: FieldKind) -> Option<&str> {
        self.fields
            .iter()
            .find(|(x, _)| *x == k)
            .map(|(_, v)| v.as_str())
    }
}

fn row_key(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn extract(d: &Document) -> Managed {
    let fields = FieldKind::ALL
        .iter()
        .filter_map(|k| d.field(*k).map(|f| (*k, f.raw.clone())))
        .collect();
    let (rows, order) = match d.table() {
        Some(t) => {
            let date_col = t.index_of(Column::Date);
            let cell = |r: &doc::Row, c| {
                t.index_of(c)
                    .and_then(|i| r.cells.get(i))
                    .cloned()
                    .unwrap_or_default()
            };
            let rows = t
                .rows
                .iter()
                .map(|r| RowLine {
                    key: row_key(&r.cells),
                    who_when: (cell(r, Column::Date), cell(r, Column::Author)),
                    line: d.text.line_text(r.line).to_string(),
                    date: date_col
                        .and_then(|i| r.cells.get(i))
                        .and_then(|c| doc::date::parse(c))
                        .map(|x| x.date),
                    placeholder: r.placeholder,
                })
                .collect();
            (Some(rows), Some(t.order))
        }
        None => (None, None),
    };
    Managed {
        fields,
        rows,
        order,
    }
}

/// The merged managed parts of `ours` and `theirs` (with `base` when known).
fn merge_managed(base: Option<&Managed>, ours: &Managed, theirs: &Managed) -> Managed {
    let mut fields = Vec::new();
    let date_of = |m: &Managed, k| m.field(k).and_then(doc::date::parse).map(|d| d.date);
    let newer_next_is_theirs = match (
        date_of(ours, FieldKind::NextReview),
        date_of(theirs, FieldKind::NextReview),
    ) {
        (Some(a), Some(b)) => b > a,
        _ => false,
    };
    for k in FieldKind::ALL {
        let (o, t) = (ours.field(k), theirs.field(k));
        let b = base.and_then(|b| b.field(k));
        let v = match (o, t) {
            (Some(o), Some(t)) if o == t => o,
            (Some(o), Some(t)) => {
                let (od, td) = (date_of(ours, k), date_of(theirs, k));
                match (k.is_date(), od, td) {
                    (true, Some(a), Some(b)) => {
                        if b > a {
                            t
                        } else {
                            o
                        }
                    }
                    _ if b == Some(o) => t,
                    _ if b == Some(t) => o,
                    _ if newer_next_is_theirs => t,
                    _ => o,
                }
            }
            (Some(o), None) => o,
            (None, Some(t)) => t,
            (None, None) => continue,
        };
        fields.push((k, v.to_string()));
    }
    let rows = match (&ours.rows, &theirs.rows) {
        (Some(o), Some(t)) => Some(merge_rows(
            base.and_then(|b| b.rows.as_deref()),
            o,
            t,
            ours.order.unwrap_or(Order::OldestFirst),
        )),
        _ => None,
    };
    Managed {
        fields,
        rows,
        order: ours.order,
    }
}

fn merge_rows(
    base: Option<&[RowLine]>,
    ours: &[RowLine],
    theirs: &[RowLine],
    order: Order,
) -> Vec<RowLine> {
    let keys = |rows: &[RowLine]| rows.iter().map(|r| r.key.clone()).collect::<HashSet<_>>();
    let in_base = base.map(keys).unwrap_or_default();
    let in_ours = keys(ours);
    // Our rows stay, unless their side edited one (it has a new row with the same Date
    // and Author cells instead): a row their side removed outright stays — a revert
    // takes its commit's row out with the change, and the log keeps both.
    let edited_away = |r: &RowLine, side: &[RowLine]| {
        in_base.contains(&r.key)
            && !side.iter().any(|x| x.key == r.key)
            && side
                .iter()
                .any(|x| !in_base.contains(&x.key) && x.who_when == r.who_when)
    };
    let mut seen = HashSet::new();
    let mut out: Vec<RowLine> = ours
        .iter()
        .filter(|r| !edited_away(r, theirs))
        .filter(|r| seen.insert(r.key.clone()))
        .cloned()
        .collect();
    // Their rows that the base has are ours to keep or not (a cherry-pick or rebase
    // brings only the picked commit's row, not the rows before it).
    for r in theirs {
        if in_ours.contains(&r.key) || in_base.contains(&r.key) || !seen.insert(r.key.clone()) {
            continue;
        }
        let pos = r.date.and_then(|d| {
            out.iter().position(|x| {
                !x.placeholder
                    && x.date.is_some_and(|xd| match order {
                        Order::OldestFirst => xd > d,
                        Order::NewestFirst => xd <= d,
                    })
            })
        });
        match (pos, order) {
            (Some(p), _) => out.insert(p, r.clone()),
            (None, Order::NewestFirst) if r.date.is_none() => out.insert(0, r.clone()),
            (None, _) => out.push(r.clone()),
        }
    }
    if out.iter().any(|r| !r.placeholder) {
        out.retain(|r| !r.placeholder);
    }
    out
}

/// `d`'s text with the managed parts set to `m` (only the parts `d` has).
fn apply(d: &Document, m: &Managed) -> String {
    let t = &d.text;
    let mut edits = Vec::new();
    for (k, v) in &m.fields {
        if let Some(f) = d.field(*k) {
            if f.raw != *v {
                edits.push(doc::Edit {
                    range: f.value.clone(),
                    text: v.clone(),
                });
            }
        }
    }
    if let (Some(table), Some(rows)) = (d.table(), &m.rows) {
        let nl = match t.lines[table.header_line].ending(&t.src) {
            "" => t.newline(),
            e => e,
        };
        let joined = rows
            .iter()
            .map(|r| r.line.as_str())
            .collect::<Vec<_>>()
            .join(nl);
        let delim = t.lines[table.delimiter_line];
        if table.last_line > table.delimiter_line {
            let first = t.lines[table.delimiter_line + 1];
            let last = t.lines[table.last_line];
            let (end, text) = if rows.is_empty() {
                (last.next, String::new())
            } else {
                (last.end, joined)
            };
            edits.push(doc::Edit {
                range: first.start..end,
                text,
            });
        } else if !rows.is_empty() {
            let text = if delim.next == delim.end {
                format!("{nl}{joined}")
            } else {
                format!("{joined}{nl}")
            };
            edits.push(doc::Edit {
                range: delim.next..delim.next,
                text,
            });
        }
    }
    doc::edit::splice(&t.src, &edits).unwrap_or_else(|_| t.src.clone())
}

fn parse(bytes: &[u8], labels: &Labels) -> Option<Document> {
    Document::parse(bytes.to_vec(), labels).ok()
}

/// git's 3-way line merge of three byte strings.
fn merge_lines(base: &[u8], ours: &[u8], theirs: &[u8], style: &MarkerStyle) -> Merged {
    let labels = [
        style.ours.as_str(),
        style.base.as_str(),
        style.theirs.as_str(),
    ];
    let markers = crate::git::merge::MarkerStyle {
        labels,
        marker_size: style.size.max(1),
        diff3: style.diff3,
    };
    match crate::git::merge::merge_file(base, ours, theirs, Some(markers)) {
        Some((bytes, conflicts)) => Merged { bytes, conflicts },
        // libgit2 refuses (e.g. binary content): keep ours, and say it conflicts so git
        // leaves the file for a person.
        None => Merged {
            bytes: ours.to_vec(),
            conflicts: ours != theirs,
        },
    }
}

/// Merges three versions of a managed document (see the module documentation).
pub fn merge3(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    labels: &Labels,
    style: &MarkerStyle,
) -> Merged {
    let (Some(o), Some(t)) = (parse(ours, labels), parse(theirs, labels)) else {
        return merge_lines(base, ours, theirs, style);
    };
    let b = parse(base, labels);
    let merged = merge_managed(b.as_ref().map(extract).as_ref(), &extract(&o), &extract(&t));
    let (o_n, t_n) = (apply(&o, &merged), apply(&t, &merged));
    let b_n = match &b {
        Some(b) => apply(b, &merged).into_bytes(),
        None => base.to_vec(),
    };
    merge_lines(&b_n, o_n.as_bytes(), t_n.as_bytes(), style)
}

/// What [`resolve_markers`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The new text (unchanged when nothing could be resolved).
    pub text: String,
    /// Conflict regions in the file before.
    pub before: usize,
    /// Conflict regions left (in the body).
    pub after: usize,
}

/// The conflict regions of a text: `(start line, end line inclusive)` pairs and the three
/// versions rebuilt from them (base only when every region has a `|||||||` part).
struct Split {
    regions: usize,
    ours: String,
    theirs: String,
    base: String,
    base_complete: bool,
    /// The labels of the first region's `<<<<<<<` and `>>>>>>>` lines.
    labels: (String, String),
}

fn marker(line: &str, c: char) -> bool {
    let n = line.chars().take_while(|&x| x == c).count();
    n >= 7
        && line[n..]
            .chars()
            .next()
            .is_none_or(|x| matches!(x, ' ' | '\r' | '\n'))
}

fn split_markers(text: &str) -> Option<Split> {
    #[derive(PartialEq)]
    enum St {
        Out,
        Ours,
        Base,
        Theirs,
    }
    let mut st = St::Out;
    let (mut ours, mut theirs, mut base) = (String::new(), String::new(), String::new());
    let mut regions = 0;
    let mut base_complete = true;
    let mut had_base = false;
    let mut labels = (String::new(), String::new());
    let label = |line: &str| line.trim_start_matches(['<', '>']).trim().to_string();
    for line in text.split_inclusive('\n') {
        match st {
            St::Out if marker(line, '<') => {
                st = St::Ours;
                regions += 1;
                had_base = false;
                if regions == 1 {
                    labels.0 = label(line);
                }
            }
            St::Out => {
                ours.push_str(line);
                theirs.push_str(line);
                base.push_str(line);
            }
            St::Ours if marker(line, '|') => {
                st = St::Base;
                had_base = true;
            }
            St::Ours | St::Base if marker(line, '=') => st = St::Theirs,
            St::Ours => ours.push_str(line),
            St::Base => base.push_str(line),
            St::Theirs if marker(line, '>') => {
                st = St::Out;
                if regions == 1 {
                    labels.1 = label(line);
                }
                base_complete &= had_base;
            }
            St::Theirs => theirs.push_str(line),
        }
    }
    if st != St::Out || regions == 0 {
        return None;
    }
    Some(Split {
        regions,
        ours,
        theirs,
        base,
        base_complete,
        labels,
    })
}

/// The 0-based line of the first `<<<<<<<` marker of a complete conflict region.
pub fn first_conflict_line(text: &str) -> Option<usize> {
    if !text.contains("<<<<<<<") || !text.contains(">>>>>>>") {
        return None;
    }
    // Markers shown inside a fenced code block (a document about git) are text.
    let mut fence: Option<&str> = None;
    let outside: String = text
        .split_inclusive('\n')
        .map(|l| {
            let t = l.trim_start();
            let f = ["```", "~~~"].into_iter().find(|f| t.starts_with(f));
            match (fence, f) {
                (None, Some(f)) => {
                    fence = Some(f);
                    "\n"
                }
                (Some(open), Some(f)) if open == f => {
                    fence = None;
                    "\n"
                }
                (Some(_), _) => "\n",
                (None, None) => l,
            }
        })
        .collect();
    split_markers(&outside)?;
    outside.split_inclusive('\n').position(|l| marker(l, '<'))
}

/// Counts conflict regions (a `<<<<<<<` line followed by `=======` and `>>>>>>>`).
pub fn conflict_regions(text: &str) -> usize {
    split_markers(text).map_or(0, |s| s.regions)
}

/// Resolves the conflicts of a conflicted file that are confined to the managed parts;
/// leaves conflicts in the body as markers. `None` when the text has no conflict markers.
pub fn resolve_markers(text: &str, labels: &Labels) -> Option<Resolution> {
    let s = split_markers(text)?;
    let (Some(o), Some(t)) = (
        parse(s.ours.as_bytes(), labels),
        parse(s.theirs.as_bytes(), labels),
    ) else {
        return Some(Resolution {
            text: text.to_string(),
            before: s.regions,
            after: s.regions,
        });
    };
    let b = if s.base_complete {
        parse(s.base.as_bytes(), labels)
    } else {
        None
    };
    let merged = merge_managed(b.as_ref().map(extract).as_ref(), &extract(&o), &extract(&t));
    let (o_n, t_n) = (apply(&o, &merged), apply(&t, &merged));
    // Without a real base, the text outside the conflicts is the base: body conflicts
    // stay conflicts, identical managed parts merge cleanly.
    let b_n = match &b {
        Some(b) => apply(b, &merged),
        None => match parse(s.base.as_bytes(), labels) {
            Some(b) => apply(&b, &merged),
            None => s.base.clone(),
        },
    };
    let or = |l: &str, d: &str| {
        if l.is_empty() {
            d.to_string()
        } else {
            l.to_string()
        }
    };
    let style = MarkerStyle {
        diff3: s.base_complete,
        ours: or(&s.labels.0, "ours"),
        theirs: or(&s.labels.1, "theirs"),
        ..MarkerStyle::default()
    };
    let m = merge_lines(b_n.as_bytes(), o_n.as_bytes(), t_n.as_bytes(), &style);
    let out = String::from_utf8(m.bytes).ok()?;
    let after = conflict_regions(&out);
    if after >= s.regions {
        return Some(Resolution {
            text: text.to_string(),
            before: s.regions,
            after: s.regions,
        });
    }
    Some(Resolution {
        text: out,
        before: s.regions,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(last: &str, body: &str, rows: &[&str]) -> String {
        let mut s = format!(
            "# T\n\n**Last Updated:** {last}  \n**Reviewed By:** DBA  \n**Next Review:** 2027-01-01  \n\n## Overview\n{body}\n\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n"
        );
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s.push_str("\n## References\n- x\n");
        s
    }

    const R1: &str = "| 2026-11-01 | First | A | Low |";
    const R2: &str = "| 2026-11-05 | Ours | A | Low |";
    const R3: &str = "| 2026-11-03 | Theirs | B | Low |";

    #[test]
    fn rows_union_in_date_order_and_newest_date() {
        let base = doc("2026-11-01", "a\nb\nc\nd\ne", &[R1]);
        let ours = doc("2026-11-05", "a\nB\nc\nd\ne", &[R1, R2]);
        let theirs = doc("2026-11-03", "a\nb\nc\nd\nE", &[R1, R3]);
        let m = merge3(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            &Labels::default(),
            &MarkerStyle::default(),
        );
        assert!(!m.conflicts);
        let want = doc("2026-11-05", "a\nB\nc\nd\nE", &[R1, R3, R2]);
        assert_eq!(String::from_utf8(m.bytes).unwrap(), want);
    }

    #[test]
    fn body_conflict_stays_and_edited_row_is_not_doubled() {
        let base = doc("2026-11-01", "a", &[R1]);
        let fixed = "| 2026-11-01 | First version | A | Low |";
        // (the row is edited on our side, kept as it was on theirs)
        let ours = doc("2026-11-01", "ours", &[fixed]);
        let theirs = doc("2026-11-03", "theirs", &[R1, R3]);
        let m = merge3(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            &Labels::default(),
            &MarkerStyle::default(),
        );
        let out = String::from_utf8(m.bytes).unwrap();
        assert!(m.conflicts, "{out}");
        assert!(out.contains("<<<<<<< ours\nours\n=======\ntheirs\n>>>>>>> theirs\n"));
        assert!(out.contains(&format!("{fixed}\n{R3}\n\n")), "{out}");
        assert!(!out.contains(R1));
        assert!(out.contains("**Last Updated:** 2026-11-03"));
    }

    #[test]
    fn resolve_leaves_body_conflicts_and_fixes_managed_ones() {
        let text = "# T\n\n<<<<<<< HEAD\n**Last Updated:** 2026-11-05  \n=======\n**Last Updated:** 2026-11-03  \n>>>>>>> b\n**Next Review:** 2027-01-01  \n\n## Overview\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n\n## Change Log\n| Date | Change |\n|---|---|\n| 2026-11-01 | First |\n<<<<<<< HEAD\n| 2026-11-05 | Ours |\n=======\n| 2026-11-03 | Theirs |\n>>>>>>> b\n";
        let r = resolve_markers(text, &Labels::default()).unwrap();
        assert_eq!((r.before, r.after), (3, 1));
        assert!(r.text.contains("**Last Updated:** 2026-11-05  \n"));
        assert!(r
            .text
            .ends_with("| 2026-11-01 | First |\n| 2026-11-03 | Theirs |\n| 2026-11-05 | Ours |\n"));
        assert!(r
            .text
            .contains("<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n"));
        assert!(resolve_markers("no markers\n", &Labels::default()).is_none());
        // Markers in a fenced code block are not a conflict; outside one they are.
        let shown = "# T\n```\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n```\n";
        assert_eq!(first_conflict_line(shown), None);
        assert_eq!(first_conflict_line(text), Some(2));
    }
}
