//! Parser and editor tests: the seed template, real-world shapes, and the
//! byte-preservation property.
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

const SEED: &str = include_str!("../templates/database-architecture.md");

fn parse(src: &str) -> Document {
    Document::parse_str(src, &Labels::default()).unwrap()
}

fn row(date: &str, change: &str) -> NewRow {
    NewRow {
        date: date.into(),
        change: change.into(),
        author: "Ana Lima".into(),
        impact: "Low".into(),
        commit: None,
    }
}

fn edited(doc: &Document, edits: &[Edit]) -> String {
    doc.apply(edits).unwrap().0
}

#[test]
fn seed_template_parses() {
    let doc = parse(SEED);
    assert_eq!(doc.title(), Some("Database Architecture"));
    let raws: Vec<_> = doc
        .fields
        .iter()
        .map(|f| (f.kind, f.raw.as_str(), f.date))
        .collect();
    assert_eq!(
        raws,
        [
            (FieldKind::LastUpdated, "[DATE]", None),
            (FieldKind::ReviewedBy, "[TEAM]", None),
            (FieldKind::NextReview, "[DATE]", None),
        ]
    );
    assert!(doc.fields.iter().all(|f| f.is_placeholder()));
    let table = doc.table().unwrap();
    assert_eq!(table.headers, ["Date", "Change", "Author", "Impact"]);
    assert_eq!(table.rows.len(), 1);
    assert!(table.rows[0].placeholder);
    let by_section = doc.placeholders_by_section();
    let backup = by_section
        .iter()
        .find(|s| s.section == "Data Management > Backup Strategy")
        .unwrap();
    assert_eq!((backup.unfilled, backup.lines), (4, 4));
    // A code block holds a placeholder only when its whole content is one (the
    // template's `[Index creation examples with format placeholders]`); the Change Log
    // row's do count.
    let perf = by_section
        .iter()
        .find(|s| s.section == "Indexing Strategy > Performance Indexes")
        .unwrap();
    assert_eq!((perf.unfilled, perf.lines), (1, 1));
    assert_eq!(
        perf.tokens[0].token,
        "[Index creation examples with format placeholders]"
    );
    // Prose placeholders are found: the Overview, the compliance standards.
    let overview = by_section.iter().find(|s| s.section == "Overview").unwrap();
    assert_eq!(
        overview.tokens[0].token,
        "[Database architecture strategy and design principles]"
    );
    let compliance = by_section
        .iter()
        .find(|s| s.section == "Security Architecture > Compliance")
        .unwrap();
    assert_eq!(compliance.tokens.len(), 6, "{compliance:?}");
    // Links are not placeholders: References lists its [LINK] targets only.
    let refs = by_section
        .iter()
        .find(|s| s.section == "References")
        .unwrap();
    assert!(refs.tokens.iter().all(|t| t.token == "[LINK]"), "{refs:?}");
    let sections: Vec<_> = doc
        .outline
        .sections
        .iter()
        .filter(|s| s.level == 2)
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(sections.first(), Some(&"Overview"));
    assert_eq!(sections.last(), Some(&"References"));
    assert_eq!(sections.len(), 16);
}

#[test]
fn month_year_document_with_free_text_impact() {
    let src = "# Database Architecture\n\n**Last Updated:** November 2026  \n**Reviewed By:** Platform Guild  \n**Next Review:** February 2027  \n\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| January 2025 | Initial design | Ana Lima | High availability and resilience |\n| March 2025 | Add read replicas | Bo Chen | Read scaling for reporting |\n";
    let doc = parse(src);
    let lu = doc.date(FieldKind::LastUpdated).unwrap();
    assert_eq!(lu.date, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    assert_eq!(lu.style, DateStyle::MonthYear { full: true });
    let table = doc.table().unwrap();
    assert_eq!(table.order, Order::OldestFirst);
    let impacts: Vec<_> = table
        .real_rows()
        .map(|r| table.cell(r, Column::Impact).unwrap())
        .collect();
    assert_eq!(
        impacts,
        [
            "High availability and resilience",
            "Read scaling for reporting"
        ]
    );
    // Writing a date keeps the month-only style.
    let d = NaiveDate::from_ymd_opt(2027, 5, 17).unwrap();
    let text = doc.format_date(FieldKind::NextReview, d, None);
    assert_eq!(text, "May 2027");
    let out = edited(
        &doc,
        &[doc.set_field(FieldKind::NextReview, &text).unwrap()],
    );
    assert_eq!(out, src.replace("February 2027", "May 2027"));
}

#[test]
fn placeholder_row_is_replaced_by_the_first_rows() {
    let doc = parse(SEED);
    let rows = [
        row("2026-11-20", "Add read-replica strategy"),
        row("2026-11-21", "Two"),
    ];
    let out = edited(&doc, &doc.add_rows(&rows, 0).unwrap());
    let before = "| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |";
    let after = "| 2026-11-20 | Add read-replica strategy | Ana Lima | Low |\n| 2026-11-21 | Two | Ana Lima | Low |";
    assert_eq!(out, SEED.replace(before, after));
}

#[test]
fn newest_first_tables_get_rows_on_top() {
    let src =
        "## Change Log\n| Date | Change |\n|---|---|\n| 2026-03-01 | b |\n| 2026-01-01 | a |\n";
    let doc = parse(src);
    assert_eq!(doc.table().unwrap().order, Order::NewestFirst);
    let out = edited(
        &doc,
        &doc.add_rows(&[row("2026-04-01", "c"), row("2026-05-01", "d")], 0)
            .unwrap(),
    );
    assert_eq!(
        out,
        "## Change Log\n| Date | Change |\n|---|---|\n| 2026-05-01 | d |\n| 2026-04-01 | c |\n| 2026-03-01 | b |\n| 2026-01-01 | a |\n"
    );
}

#[test]
fn late_rows_go_where_their_date_puts_them_in_either_order() {
    let oldest = "## Change Log\n| Date | Change |\n|---|---|\n| 2026-01-01 | a |\n| 2026-03-01 | c |\n| 2026-03-01 | c2 |";
    let doc = parse(oldest);
    let out = edited(
        &doc,
        &doc.add_rows(
            &[
                row("2026-02-01", "b"),
                row("2026-03-01", "c3"),
                row("2026-04-01", "d"),
            ],
            0,
        )
        .unwrap(),
    );
    assert_eq!(
        out,
        "## Change Log\n| Date | Change |\n|---|---|\n| 2026-01-01 | a |\n| 2026-02-01 | b |\n| 2026-03-01 | c |\n| 2026-03-01 | c2 |\n| 2026-03-01 | c3 |\n| 2026-04-01 | d |"
    );
    let newest =
        "## Change Log\n| Date | Change |\n|---|---|\n| 2026-03-01 | c |\n| 2026-01-01 | a |\n";
    let doc = parse(newest);
    let out = edited(
        &doc,
        &doc.add_rows(&[row("2026-02-01", "b"), row("2026-04-01", "d")], 0)
            .unwrap(),
    );
    assert_eq!(
        out,
        "## Change Log\n| Date | Change |\n|---|---|\n| 2026-04-01 | d |\n| 2026-03-01 | c |\n| 2026-02-01 | b |\n| 2026-01-01 | a |\n"
    );
}

#[test]
fn columns_are_found_by_name_in_any_order() {
    let src = "## Change Log\n| Impact | Ticket | Author | date | Change |\n|-|-|-|-|-|\n";
    let doc = parse(src);
    let out = edited(&doc, &doc.add_rows(&[row("2026-04-01", "c")], 0).unwrap());
    assert!(
        out.ends_with("|-|-|-|-|-|\n| Low |  | Ana Lima | 2026-04-01 | c |\n"),
        "{out}"
    );
}

#[test]
fn crlf_bom_and_missing_final_newline_survive() {
    let src = "\u{feff}# T\r\n\r\n**Last Updated:** 2026-01-02  \r\n\r\n## Change Log\r\n| Date | Change |\r\n|---|---|\r\n| 2026-01-01 | a |";
    let doc = parse(src);
    let mut edits = doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap();
    edits.extend(doc.set_field(FieldKind::LastUpdated, "2026-02-01"));
    let out = edited(&doc, &edits);
    assert_eq!(
        out,
        "\u{feff}# T\r\n\r\n**Last Updated:** 2026-02-01  \r\n\r\n## Change Log\r\n| Date | Change |\r\n|---|---|\r\n| 2026-01-01 | a |\r\n| 2026-02-01 | b |"
    );
}

#[test]
fn missing_changelog_goes_before_references() {
    let src = "# T\n\n## Overview\ntext\n\n## References\n- x\n";
    let doc = parse(src);
    let out = edited(&doc, &doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap());
    assert_eq!(
        out,
        "# T\n\n## Overview\ntext\n\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| 2026-02-01 | b | Ana Lima | Low |\n\n## References\n- x\n"
    );
}

#[test]
fn missing_changelog_goes_at_the_end() {
    let doc = parse("# T\ntext");
    let out = edited(&doc, &doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap());
    assert_eq!(
        out,
        "# T\ntext\n\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| 2026-02-01 | b | Ana Lima | Low |\n"
    );
}

#[test]
fn missing_header_fields_are_inserted_under_the_title_in_order() {
    let doc = parse("# T\n\n## Overview\n");
    let edits = doc.set_fields(&FieldKind::ALL.map(|k| (k, "x".to_string())));
    let out = edited(&doc, &edits);
    assert_eq!(
        out,
        "# T\n\n**Last Updated:** x  \n**Reviewed By:** x  \n**Next Review:** x  \n\n## Overview\n"
    );
    let one = parse("# T\n\n**Last Updated:** 2026-01-01  \n**Next Review:** 2026-04-01  \n");
    let out = edited(
        &one,
        &[one.set_field(FieldKind::ReviewedBy, "DBA").unwrap()],
    );
    assert_eq!(out, "# T\n\n**Last Updated:** 2026-01-01  \n**Reviewed By:** DBA  \n**Next Review:** 2026-04-01  \n");
}

#[test]
fn front_matter_fields_are_edited_in_place() {
    let doc = parse("---\nlast_updated: 2026-01-01\n---\n# T\n");
    let mut edits: Vec<_> = doc
        .set_field(FieldKind::LastUpdated, "2026-02-02")
        .into_iter()
        .collect();
    edits.extend(doc.set_field(FieldKind::NextReview, "2026-05-02"));
    assert_eq!(
        edited(&doc, &edits),
        "---\nlast_updated: 2026-02-02\nnext_review: 2026-05-02\n---\n# T\n"
    );
}

#[test]
fn setting_the_same_value_is_no_edit() {
    let doc = parse("**Last Updated:** 2026-01-01\n");
    assert_eq!(doc.set_field(FieldKind::LastUpdated, "2026-01-01"), None);
}

#[test]
fn hostile_cells_stay_one_row() {
    let doc = parse(SEED);
    let nasty = format!(
        "fix | this <script>x</script> `a|b` \u{1b}[31mred\u{1b}[0m\r\nline2 {}",
        "y".repeat(500)
    );
    let (out, re) = doc
        .apply(&doc.add_rows(&[row("2026-01-01", &nasty)], 120).unwrap())
        .unwrap();
    let t = re.table().unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].cells.len(), 4);
    let change = t.cell(&t.rows[0], Column::Change).unwrap();
    assert!(
        change.starts_with("fix \\| this &lt;script&gt;"),
        "{change}"
    );
    // Cut at 120 characters of text, before escaping added `\\` and entities.
    assert!(
        change.ends_with('…') && change.chars().count() < 150,
        "{change}"
    );
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn bad_tables_and_files_are_refused_with_positions() {
    let labels = Labels::default();
    let no_delim = Document::parse_str(
        "## Change Log\n| Date | Change |\n| 2026-01-01 | a |\n",
        &labels,
    )
    .unwrap_err();
    assert_eq!((no_delim.line, no_delim.col), (3, 1));
    assert!(no_delim.msg.contains("delimiter"));
    let two = Document::parse_str("## Change Log\n\n## Changelog\n", &labels).unwrap_err();
    assert_eq!(two.line, 3);
    let bin = Document::parse(b"ab\0c".to_vec(), &labels).unwrap_err();
    assert!(bin.msg.contains("binary"));
    let utf = Document::parse(b"# T\n\xc3\x28\n".to_vec(), &labels).unwrap_err();
    assert_eq!((utf.line, utf.col), (2, 1));
}

#[test]
fn missing_cells_are_read_as_empty_and_rows_still_added() {
    let src = "## Change Log\n| Date | Change | Author | Impact |\n|---|---|---|---|\n| 2026-01-01 | only two |\n";
    let doc = parse(src);
    let t = doc.table().unwrap();
    assert_eq!(t.cell(&t.rows[0], Column::Author), None);
    let out = edited(&doc, &doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap());
    assert_eq!(out, format!("{src}| 2026-02-01 | b | Ana Lima | Low |\n"));
}

#[test]
fn empty_and_huge_documents() {
    let empty = parse("");
    assert!(empty.fields.is_empty() && empty.changelog.is_none());
    let out = edited(
        &empty,
        &empty.add_rows(&[row("2026-02-01", "b")], 0).unwrap(),
    );
    assert!(out.starts_with("## Change Log\n"), "{out:?}");
    let mut big = String::from("# Big\n\n**Last Updated:** 2026-01-01  \n\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("## Section\nSome text with [PLACEHOLDER] and `code [X_Y]`.\n\n");
    }
    big.push_str("## Change Log\n| Date | Change |\n|---|---|\n");
    let doc = parse(&big);
    let (out, _) = doc
        .apply(&doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap())
        .unwrap();
    assert_eq!(out.len(), big.len() + "| 2026-02-01 | b |\n".len());
}

// ---- the byte-preservation property -------------------------------------------------

fn piece() -> impl Strategy<Value = String> {
    let seed_lines: Vec<String> = SEED.lines().map(|l| format!("{l}\n")).collect();
    prop_oneof![
        3 => proptest::sample::select(seed_lines),
        1 => "[a-zA-Z0-9 *_`#|\\[\\]:.-]{0,40}\n",
        1 => Just("```\n**Last Updated:** 1999-01-01\n```\n".to_string()),
        1 => Just("| 2026-01-05 | hand row | Bo | High availability and resilience |\n".to_string()),
        1 => Just("   \n".to_string()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(piece(), 0..60),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(pieces, crlf, bom, final_nl)| {
            let mut s: String = pieces.concat();
            if crlf {
                s = s.replace('\n', "\r\n");
            }
            if !final_nl {
                while s.ends_with('\n') || s.ends_with('\r') {
                    s.pop();
                }
            }
            if bom {
                s.insert(0, '\u{feff}');
            }
            s
        })
}

/// Every byte outside the edit ranges is found, in order, in the output.
fn assert_outside_identical(old: &str, new: &str, edits: &[Edit]) {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let (mut o, mut n) = (0usize, 0usize);
    for e in &sorted {
        let keep = &old[o..e.range.start];
        assert_eq!(&new[n..n + keep.len()], keep);
        n += keep.len() + e.text.len();
        o = e.range.end;
    }
    assert_eq!(&new[n..], &old[o..]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn edits_touch_only_their_spans(src in document(), which in 0usize..3, value in "[A-Za-z0-9 ]{1,12}") {
        let labels = Labels::default();
        let Ok(doc) = Document::parse_str(&src, &labels) else { return Ok(()) };
        let kind = FieldKind::ALL[which];
        let mut edits: Vec<Edit> = doc.set_field(kind, value.trim()).into_iter().collect();
        let had_field = doc.field(kind).is_some();
        let rows = [row("2026-06-01", &value), row("2026-06-02", "second | row")];
        match doc.add_rows(&rows, 80) {
            Ok(e) => edits.extend(e),
            // Refused (an unclosed code fence at the end): nothing to check.
            Err(e) => { prop_assert!(e.msg.contains("never closed")); return Ok(()) }
        }
        let (new, re) = match doc.apply(&edits) {
            Ok(x) => x,
            Err(e) => panic!("edit broke the document: {e:?}\n{src:?}"),
        };
        assert_outside_identical(&src, &new, &edits);
        // Replacements stay inside one line (field values, the placeholder row).
        for e in &edits {
            prop_assert!(!src[e.range.clone()].contains('\n'));
        }
        // The edit shows on re-parse.
        if value.trim().is_empty() || !had_field && re.field(kind).is_none() {
            return Ok(());
        }
        prop_assert_eq!(re.field(kind).map(|f| f.raw.as_str()), Some(value.trim()));
        let t = re.table().expect("a table after adding rows");
        let changes: Vec<_> = t.real_rows().filter_map(|r| t.cell(r, Column::Change)).collect();
        prop_assert!(changes.contains(&"second \\| row"), "{:?}", changes);
        // New lines use the document's own line ending.
        if src.contains("\r\n") && !src.replace("\r\n", "").contains('\n') {
            prop_assert!(!new.replace("\r\n", "").contains('\n'));
        }
        // The BOM stays first.
        prop_assert_eq!(new.starts_with('\u{feff}'), src.starts_with('\u{feff}'));
    }
}

// ---- regressions found by the fuzzer (fuzz/artifacts/edit) ----------------------------

#[test]
fn table_under_a_heading_with_text_keeps_a_blank_line_before_the_text() {
    let doc = parse("## Change Log\nAll changes, newest last.\n");
    let out = edited(&doc, &doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap());
    assert_eq!(
        out,
        "## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| 2026-02-01 | b | Ana Lima | Low |\n\nAll changes, newest last.\n"
    );
}

#[test]
fn change_log_after_an_unclosed_html_block_is_refused() {
    let doc = parse("# T\n\n<pre>\n**Last Updated:** 2020-01-01\n");
    let err = doc.add_rows(&[row("2026-02-01", "b")], 0).unwrap_err();
    assert_eq!((err.line, err.col), (3, 1));
    assert!(err.msg.contains("never closed"), "{}", err.msg);
    // A block that a blank line closes is fine.
    let ok = parse("# T\n\n<div>\ntext");
    edited(&ok, &ok.add_rows(&[row("2026-02-01", "b")], 0).unwrap());
}

#[test]
fn missing_delimiter_at_the_end_of_the_file_is_reported_inside_it() {
    let err =
        Document::parse_str("## Change Log\n| Date | Change |", &Labels::default()).unwrap_err();
    assert_eq!((err.line, err.col), (2, 18));
    let err =
        Document::parse_str("## Change Log\n| Date | Change |\n", &Labels::default()).unwrap_err();
    assert_eq!((err.line, err.col), (2, 18));
}

#[test]
fn thousands_of_sections_stay_fast() {
    let mut src = String::from("# T\n\n## Bulk\n");
    for i in 0..20_000 {
        src.push_str(&format!("### Part {i}\n[FILL_{i}]\n\n"));
    }
    let start = std::time::Instant::now();
    let doc = parse(&src);
    assert_eq!(doc.placeholders_by_section().len(), 20_000);
    assert!(doc.sections_changed(&doc).is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_lone_carriage_return_is_refused_with_its_position() {
    let err = Document::parse(
        b"# T\r\n## Change Log\r## Other\r\n".to_vec(),
        &Labels::default(),
    )
    .unwrap_err();
    assert_eq!((err.line, err.col), (2, 14));
    assert!(err.msg.contains("carriage return"), "{}", err.msg);
}
