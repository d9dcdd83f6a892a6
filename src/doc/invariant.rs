//! The editing invariant as one executable check, shared by the fuzz target
//! (`fuzz/fuzz_targets/edit.rs`) and the test that replays its committed corpus
//! (`tests/hardening.rs`).
//!
//! [`check_edit_invariant`] reads arbitrary bytes as "an edit program + a document",
//! parses the document, applies the edit (set header fields, add Change Log rows — what
//! `sync` and `review` do), re-parses the result, and checks:
//!
//! 1. nothing panics, and a document that cannot be parsed is refused with a 1-based
//!    line and column inside the file;
//! 2. every byte outside the edited spans is identical, in order (BOM, line endings,
//!    trailing spaces, the final newline included); an edit replaces at most one line,
//!    or removes a whole template placeholder row;
//! 3. the edited document parses again and shows the edit: each field holds the value
//!    set, the table holds the old hand-written rows untouched and the new rows in the
//!    table's order, the placeholder rows are gone;
//! 4. new lines use the document's line ending (a pure-CRLF document stays pure CRLF);
//! 5. setting the same fields again is no edit (idempotent).
//!
//! The input layout (so the fuzzer can steer it): byte 0 is a bit mask of the fields to
//! set; byte 1 picks the field value (low nibble) and the number of rows, 0–3 (high
//! bits); byte 2 picks the rows' texts; byte 3 picks the order override and the cell
//! width; the rest is the document.
use super::edit::render_row;
use super::table::{split_cells, Order};
use super::{Document, FieldKind, Labels, NewRow};

/// What the check found for one input (all of them are fine; a violation is an `Err`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The document was refused with this position and message (nothing is edited).
    Refused {
        line: usize,
        col: usize,
        msg: String,
    },
    /// The edit was computed, applied and verified; `edits` spans were changed.
    Edited { edits: usize },
}

/// Field values the program picks from (all single-line and trimmed, as callers pass).
const VALUES: [&str; 16] = [
    "2027-02-24",
    "2027/02/24",
    "24 Feb 2027",
    "Feb 24, 2027",
    "February 2027",
    "DBA Team",
    "@acme/dba-team, Ana Lima",
    "Équipe données",
    "数据库团队",
    "[TEAM]",
    "x",
    "a | b",
    "`code`",
    "Дмитрий Иванов",
    "1999-12-31",
    "محمد علي",
];

/// Change texts: hostile on purpose (pipes, HTML, escapes, control characters, long).
const CHANGES: [&str; 16] = [
    "Add read replicas",
    "fix | pipes \\| and `code | span`",
    "<script>alert(1)</script> <b>bold</b>",
    "\u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}",
    "line one\nline two\r\nline three\u{2028}four",
    "tab\there\u{7}bell\u{8}back\u{c}feed",
    "Ünïcødé 数据库 🚀 مرحبا",
    "[CHANGE]",
    "",
    "ends with a backslash \\",
    "## not a heading",
    "**Last Updated:** 2020-01-01",
    "```",
    "| leading pipe",
    "trailing pipe |",
    "a very long change text that keeps going and going well past any sensible cell width limit for a table",
];

const AUTHORS: [&str; 8] = [
    "Ana Lima",
    "José Ñúñez",
    "Дмитрий Иванов",
    "山田太郎",
    "محمد علي",
    "bot[bot]",
    "a|b",
    "Ana <ana@example.com>",
];

const DATES: [&str; 4] = ["2026-06-01", "Jun 2, 2026", "June 2026", "2026/06/03"];

/// Runs the check on `data` (see the module documentation). `Err` describes a violated
/// invariant; the fuzz target turns it into a crash.
pub fn check_edit_invariant(data: &[u8]) -> Result<Outcome, String> {
    let mut control = [0u8; 4];
    let split = data.len().min(4);
    control[..split].copy_from_slice(&data[..split]);
    let bytes = data[split..].to_vec();
    let [mask, pick, texts, shape] = control;

    let labels = Labels::default();
    let lines_in_file = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let doc = match Document::parse(bytes.clone(), &labels) {
        Ok(d) => d,
        Err(e) => {
            if e.line == 0 || e.col == 0 || e.line > lines_in_file {
                return Err(format!(
                    "refusal at an impossible position {}:{} ({} lines): {}",
                    e.line, e.col, lines_in_file, e.msg
                ));
            }
            return Ok(Outcome::Refused {
                line: e.line,
                col: e.col,
                msg: e.msg,
            });
        }
    };
    if doc.src().as_bytes() != bytes.as_slice() {
        return Err("the parsed text differs from the bytes read".into());
    }
    // The read-only queries every command makes must not panic either.
    let _ = doc.placeholders_by_section();
    let _ = doc.title();
    let _ = crate::changelog::last_review(&doc);

    // The edit program.
    let fields: Vec<(FieldKind, String)> = FieldKind::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(i, k)| {
            let v = VALUES[(usize::from(pick & 0x0f) + i * 5) % VALUES.len()];
            (*k, v.to_string())
        })
        .collect();
    let nrows = usize::from(pick >> 4) % 4;
    let rows: Vec<NewRow> = (0..nrows)
        .map(|i| NewRow {
            date: DATES[(usize::from(texts) + i) % DATES.len()].to_string(),
            change: CHANGES[(usize::from(texts) + 7 * i) % CHANGES.len()].to_string(),
            author: AUTHORS[(usize::from(texts >> 4) + i) % AUTHORS.len()].to_string(),
            impact: ["Low", "High", "Review", ""][(usize::from(shape >> 4) + i) % 4].to_string(),
            commit: Some(format!("abc{i:04}")),
        })
        .collect();
    let max_cell = [0usize, 12, 120][usize::from(shape / 3) % 3];
    let mut work = doc.clone();
    if let Some(t) = work.changelog.as_mut().and_then(|c| c.table.as_mut()) {
        match shape % 3 {
            1 => t.order = Order::OldestFirst,
            2 => t.order = Order::NewestFirst,
            _ => {}
        }
    }

    let mut edits = work.set_fields(&fields);
    match work.add_rows(&rows, max_cell) {
        Ok(e) => edits.extend(e),
        Err(e) if e.msg.contains("never closed") => {
            if e.line == 0 || e.col == 0 || e.line > lines_in_file {
                return Err(format!("refusal at an impossible position: {e:?}"));
            }
            return Ok(Outcome::Refused {
                line: e.line,
                col: e.col,
                msg: e.msg,
            });
        }
        Err(e) => return Err(format!("add_rows failed unexpectedly: {e:?}")),
    }
    let (new, re) = work
        .apply(&edits)
        .map_err(|e| format!("the edit broke the document: {e:?}"))?;
    if re.src() != new {
        return Err("the re-parse does not hold the edited text".into());
    }
    let src = doc.src();

    // 2. Every byte outside the edits is identical; edits are narrow.
    outside_identical(src, &new, &edits)?;
    let placeholder_lines: Vec<std::ops::Range<usize>> = doc
        .table()
        .map(|t| {
            t.rows
                .iter()
                .filter(|r| r.placeholder)
                .map(|r| {
                    let l = doc.text.lines[r.line];
                    l.start..l.next
                })
                .collect()
        })
        .unwrap_or_default();
    for e in &edits {
        let replaced = &src[e.range.clone()];
        if replaced.contains('\n') && !placeholder_lines.contains(&e.range) {
            return Err(format!(
                "an edit replaces more than one line: {:?} -> {:?}",
                replaced, e.text
            ));
        }
    }
    if new.starts_with('\u{feff}') != src.starts_with('\u{feff}') {
        return Err("the BOM was added or lost".into());
    }

    // 4. Line endings of the new text follow the document.
    let inserted: String = edits.iter().map(|e| e.text.as_str()).collect();
    let crlf = doc
        .text
        .lines
        .iter()
        .filter(|l| l.next - l.end == 2)
        .count();
    let lf = doc
        .text
        .lines
        .iter()
        .filter(|l| l.next - l.end == 1)
        .count();
    if crlf > 0 && lf == 0 && inserted.replace("\r\n", "").contains('\n') {
        return Err("a bare LF was written into a CRLF document".into());
    }
    if lf > 0 && crlf == 0 && inserted.contains('\r') {
        return Err("a CR was written into an LF document".into());
    }

    // 3. The re-parse shows the edit.
    for (kind, value) in &fields {
        match re.field(*kind) {
            Some(f) if f.raw == *value => {}
            Some(f) => {
                return Err(format!(
                    "{kind:?} was set to {value:?} but reads {:?} after the edit",
                    f.raw
                ))
            }
            None => {
                return Err(format!(
                    "{kind:?} was set to {value:?} but is missing after the edit"
                ))
            }
        }
    }
    // Fields not edited keep their values.
    for f in &doc.fields {
        if fields.iter().any(|(k, _)| *k == f.kind) {
            continue;
        }
        if re.field(f.kind).map(|g| &g.raw) != Some(&f.raw) {
            return Err(format!("{:?} changed although it was not edited", f.kind));
        }
    }
    if !rows.is_empty() {
        let Some(t) = re.table() else {
            return Err("rows were added but the re-parse finds no Change Log table".into());
        };
        let before: Vec<Vec<String>> = work
            .table()
            .map(|t| {
                t.rows
                    .iter()
                    .filter(|r| !r.placeholder)
                    .map(|r| r.cells.clone())
                    .collect()
            })
            .unwrap_or_default();
        let layout = work.table().cloned().unwrap_or_else(|| t.clone());
        let mut added: Vec<Vec<String>> = rows
            .iter()
            .map(|r| split_cells(&render_row(&layout, r, max_cell)))
            .collect();
        let order = work.table().map_or(Order::OldestFirst, |t| t.order);
        if order == Order::NewestFirst {
            added.reverse();
        }
        // The old rows and the new ones, each in its own order, interleaved: a late row
        // goes where its date puts it (see `Document::add_rows`).
        let got: Vec<Vec<String>> = t.rows.iter().map(|r| r.cells.clone()).collect();
        if !is_interleaving(&got, &before, &added) {
            let expected: Vec<Vec<String>> = match order {
                Order::OldestFirst => before.into_iter().chain(added).collect(),
                Order::NewestFirst => added.into_iter().chain(before).collect(),
            };
            return Err(format!(
                "the table after the edit is not the old rows plus the new ones\n got: {got:?}\nwant (in some interleaving): {expected:?}"
            ));
        }
        if let Some(r) = t.rows.iter().find(|r| r.placeholder) {
            return Err(format!(
                "a placeholder row is left after adding rows: line {}: {:?}",
                r.line + 1,
                re.text.line_text(r.line)
            ));
        }
    } else {
        let cells = |d: &Document| {
            d.table()
                .map(|t| t.rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>())
        };
        if cells(&doc) != cells(&re) {
            return Err("the table changed although no rows were added".into());
        }
    }

    // 5. Idempotent: the same values again are no edit.
    let again = re.set_fields(&fields);
    if !again.is_empty() {
        return Err(format!("setting the same fields again edits: {again:?}"));
    }
    let _ = re.sections_changed(&doc);
    Ok(Outcome::Edited { edits: edits.len() })
}

/// Every byte of `old` outside the edit ranges is found, in order, in `new`.
fn outside_identical(old: &str, new: &str, edits: &[super::Edit]) -> Result<(), String> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let (mut o, mut n) = (0usize, 0usize);
    for e in &sorted {
        let keep = &old.as_bytes()[o..e.range.start];
        if new.as_bytes().get(n..n + keep.len()) != Some(keep) {
            return Err(format!(
                "bytes {o}..{} outside the edits changed",
                e.range.start
            ));
        }
        n += keep.len();
        if new.as_bytes().get(n..n + e.text.len()) != Some(e.text.as_bytes()) {
            return Err(format!(
                "the edit at byte {} is not in the output",
                e.range.start
            ));
        }
        n += e.text.len();
        o = e.range.end;
    }
    if new.as_bytes().get(n..) != Some(&old.as_bytes()[o..]) {
        return Err(format!("bytes after {o} outside the edits changed"));
    }
    Ok(())
}

/// Whether `got` is `a` and `b` interleaved, each keeping its own order.
fn is_interleaving<T: PartialEq>(got: &[T], a: &[T], b: &[T]) -> bool {
    if got.len() != a.len() + b.len() {
        return false;
    }
    // can[j]: the first i of `a` and j of `b` make the first i + j of `got`.
    let mut can = vec![false; b.len() + 1];
    can[0] = true;
    for j in 1..=b.len() {
        can[j] = can[j - 1] && got[j - 1] == b[j - 1];
    }
    for i in 1..=a.len() {
        can[0] = can[0] && got[i - 1] == a[i - 1];
        for j in 1..=b.len() {
            let k = i + j - 1;
            can[j] = (can[j] && got[k] == a[i - 1]) || (can[j - 1] && got[k] == b[j - 1]);
        }
    }
    can[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(control: [u8; 4], doc: &str) -> Vec<u8> {
        let mut v = control.to_vec();
        v.extend_from_slice(doc.as_bytes());
        v
    }

    #[test]
    fn the_seed_template_passes() {
        let seed = include_str!("../templates/database-architecture.md");
        for c in 0..=255u8 {
            let data = input([c, c.wrapping_mul(7), c.wrapping_mul(13), c], seed);
            let out = check_edit_invariant(&data).unwrap();
            assert!(matches!(out, Outcome::Edited { .. }), "{out:?}");
        }
    }

    #[test]
    fn short_and_binary_inputs_are_fine() {
        assert!(check_edit_invariant(b"").is_ok());
        assert!(check_edit_invariant(b"\x07").is_ok());
        let out = check_edit_invariant(b"\x07\x30\x00\x00ab\0c").unwrap();
        assert!(matches!(out, Outcome::Refused { line: 1, .. }), "{out:?}");
        let out = check_edit_invariant(b"\x07\x30\x00\x00ok\n\xff").unwrap();
        assert!(
            matches!(
                out,
                Outcome::Refused {
                    line: 2,
                    col: 1,
                    ..
                }
            ),
            "{out:?}"
        );
    }

    #[test]
    fn crlf_and_bom_documents_pass() {
        let doc = "\u{feff}# T\r\n\r\n**Last Updated:** 2026-01-02  \r\n\r\n## Change Log\r\n| Date | Change |\r\n|---|---|\r\n| 2026-01-01 | a |";
        for c in 0..=255u8 {
            check_edit_invariant(&input([c, 0x30 | c, c, c], doc)).unwrap();
        }
    }

    #[test]
    fn interleavings_keep_each_sides_order() {
        assert!(is_interleaving(&[1, 2, 3, 4], &[1, 3], &[2, 4]));
        assert!(is_interleaving(&[1, 1, 2], &[1, 2], &[1]));
        assert!(!is_interleaving(&[3, 1, 2], &[1, 3], &[2]));
        assert!(!is_interleaving(&[1, 2], &[1, 2], &[3]));
    }
}
