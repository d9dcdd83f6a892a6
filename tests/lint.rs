//! `dbarch lint`.
use std::time::Duration;

use crate::common::{filled_doc, stderr_of, stdout_of, template_with_header, TestRepo, DOC};

/// A repository holding `doc` at the default path (no git needed by lint).
fn with_doc(doc: impl AsRef<[u8]>) -> TestRepo {
    let repo = TestRepo::without_git();
    repo.write(DOC, doc);
    repo
}

/// Runs `dbarch lint` and returns (exit code, stdout, stderr).
fn lint(repo: &TestRepo, args: &[&str]) -> (i32, String, String) {
    let a = repo.dbarch().arg("lint").args(args).assert();
    let code = a.get_output().status.code().expect("an exit code");
    let err = stderr_of(&a);
    assert!(!err.contains("panicked"), "{err}");
    (code, stdout_of(&a), err)
}

/// The finding lines (`path:...: kind: message`) of a given kind.
fn findings<'a>(out: &'a str, kind: &str) -> Vec<&'a str> {
    let needle = format!(": {kind}: ");
    out.lines().filter(|l| l.contains(&needle)).collect()
}

/// 1-based line and column of the first `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle in text");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

#[test]
fn fresh_init_document_reports_placeholders_per_section() {
    let repo = TestRepo::without_git();
    repo.dbarch().arg("init").assert().success();
    let doc = repo.read(DOC);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1, "{out}");
    let (line, _) = line_col(&doc, "- **Full Backups:** [SCHEDULE]");
    let col = "- **Full Backups:** ".len() + 1;
    let expected = format!(
        "{DOC}:{line}:{col}: placeholders: Data Management > Backup Strategy: 4 of 4 lines \
         unfilled ([SCHEDULE], [SCHEDULE], [RETENTION_PERIOD], [TESTING_SCHEDULE]); \
         write the real value in place of each `[TOKEN]`, brackets included"
    );
    assert!(
        out.lines().any(|l| l == expected),
        "{expected}\nnot in\n{out}"
    );

    let sections = findings(&out, "placeholders");
    assert!(sections.len() > 20, "{out}");
    for name in [
        "Technology Stack > Database Engine",
        "Security Architecture > Access Control",
        "References",
        "(preamble): 1 of 3 lines unfilled ([TEAM])",
    ] {
        assert!(
            sections
                .iter()
                .any(|l| l.contains(&format!("placeholders: {name}"))),
            "{name} missing in\n{out}"
        );
    }
    // The header dates were filled; the placeholder row has its own finding and does not
    // count again under "Change Log".
    assert!(findings(&out, "placeholder-date").is_empty(), "{out}");
    assert_eq!(findings(&out, "placeholder-row").len(), 1, "{out}");
    assert!(!out.contains("placeholders: Change Log"), "{out}");
    let n = out.lines().filter(|l| l.starts_with(DOC)).count();
    assert!(
        out.ends_with(&format!("{n} findings in 1 document\n")),
        "{out}"
    );
}

#[test]
fn filled_document_passes() {
    let repo = with_doc(filled_doc());
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "0 findings in 1 document\n");
}

#[test]
fn each_missing_header_field_is_a_finding() {
    for (label, line) in [
        ("Last Updated", "**Last Updated:** 2026-11-20  \n"),
        ("Reviewed By", "**Reviewed By:** DBA Team  \n"),
        ("Next Review", "**Next Review:** 2027-02-18  \n"),
    ] {
        let repo = with_doc(filled_doc().replace(line, ""));
        let (code, out, _) = lint(&repo, &[]);
        assert_eq!(code, 1, "{out}");
        let f = findings(&out, "missing-field");
        assert_eq!(f.len(), 1, "{out}");
        assert!(
            f[0].starts_with(&format!(
                "{DOC}: missing-field: the header has no {label} field"
            )),
            "{out}"
        );
        assert!(out.ends_with("1 finding in 1 document\n"), "{out}");
    }
}

#[test]
fn placeholder_dates_are_findings() {
    let repo = with_doc(template_with_header(None, Some("DBA"), None));
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "placeholder-date");
    assert_eq!(
        f,
        [
            format!("{DOC}:3:19: placeholder-date: Last Updated is still the placeholder [DATE]; write the date of the last change (`dbarch sync` sets it from git history)"),
            format!("{DOC}:5:18: placeholder-date: Next Review is still the placeholder [DATE]; write the date of the next review"),
        ]
    );
    // Not reported a second time as preamble placeholders.
    assert!(!out.contains("(preamble)"), "{out}");
}

#[test]
fn unparseable_date_says_which_forms_are_accepted() {
    let repo = with_doc(filled_doc().replace("2027-02-18", "next spring"));
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "invalid-date");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].starts_with(&format!(
            "{DOC}:5:18: invalid-date: Next Review `next spring` is not a date; accepted forms: 2026-11-26, "
        )),
        "{out}"
    );
    assert!(f[0].contains("26 Nov 2026"), "{out}");
    assert!(f[0].contains("November 2026"), "{out}");
}

#[test]
fn other_date_styles_are_accepted() {
    let doc = filled_doc()
        .replace("2026-11-20  \n**Reviewed", "20 Nov 2026  \n**Reviewed")
        .replace("2027-02-18", "February 2027");
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn next_review_must_be_after_last_updated() {
    for next in ["2026-11-20", "2026-01-01"] {
        let repo = with_doc(filled_doc().replace("2027-02-18", next));
        let (code, out, _) = lint(&repo, &[]);
        assert_eq!(code, 1);
        assert_eq!(
            findings(&out, "review-before-update"),
            [format!("{DOC}:5:18: review-before-update: Next Review ({next}) is not after Last Updated (2026-11-20)")],
            "{out}"
        );
    }
}

#[test]
fn missing_change_log_section() {
    let doc = filled_doc();
    let start = doc.find("## Change Log").unwrap();
    let end = doc.find("## References").unwrap();
    let repo = with_doc(format!("{}{}", &doc[..start], &doc[end..]));
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "no-changelog");
    assert_eq!(f.len(), 1, "{out}");
    assert!(f[0].starts_with(&format!("{DOC}: no-changelog: no Change Log section")));
}

#[test]
fn change_log_without_a_table() {
    let doc = filled_doc();
    let start = doc.find("| Date |").unwrap();
    let end = doc.find("## References").unwrap();
    let doc = format!("{}Nothing yet.\n\n{}", &doc[..start], &doc[end..]);
    let (line, _) = line_col(&doc, "## Change Log");
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "no-changelog-table");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].starts_with(&format!(
            "{DOC}:{line}:1: no-changelog-table: the Change Log section has no table"
        )),
        "{out}"
    );
}

#[test]
fn rows_with_missing_or_extra_cells() {
    let doc = filled_doc().replace(
        "| 2026-11-20 | First version | Alice Example | Low |\n",
        "| 2026-11-20 | First version | Alice Example | Low |\n\
         | 2026-11-21 | Second | Bob |\n\
         | 2026-11-22 | a | b | c | d | e |\n",
    );
    let (missing, _) = line_col(&doc, "| 2026-11-21");
    let (extra, _) = line_col(&doc, "| 2026-11-22");
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "row-cells");
    assert_eq!(f.len(), 2, "{out}");
    assert!(
        f[0].starts_with(&format!(
            "{DOC}:{missing}:1: row-cells: Change Log row on line {missing} has 3 cells, the header has 4 (1 missing)"
        )),
        "{out}"
    );
    assert!(
        f[1].starts_with(&format!(
            "{DOC}:{extra}:1: row-cells: Change Log row on line {extra} has 6 cells, the header has 4 (2 extra)"
        )),
        "{out}"
    );
}

#[test]
fn placeholder_row_still_present() {
    let doc = filled_doc().replace(
        "| 2026-11-20 | First version | Alice Example | Low |\n",
        "| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n",
    );
    let (line, _) = line_col(&doc, "| [DATE]");
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "placeholder-row");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].starts_with(&format!("{DOC}:{line}:1: placeholder-row: ")),
        "{out}"
    );
    assert!(findings(&out, "placeholders").is_empty(), "{out}");
}

#[test]
fn parse_error_is_a_finding_with_its_position() {
    let doc = filled_doc().replace(
        "## Overview\n",
        "## Overview\n**Next Review:** 2030-01-01\n",
    );
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let f = findings(&out, "parse-error");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].starts_with(&format!("{DOC}:8:1: parse-error: duplicate header field")),
        "{out}"
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let repo = TestRepo::without_git();
    repo.dbarch().arg("init").assert().success();
    repo.write("docs/clean.md", filled_doc());
    let a = repo
        .dbarch()
        .args(["lint", "--format", "json", DOC, "docs/clean.md"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 2, "{v}");
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["path"], DOC);
    assert_eq!(docs[1]["path"], "docs/clean.md");
    assert_eq!(docs[1]["findings"].as_array().unwrap().len(), 0);
    assert_eq!(docs[1]["placeholders"].as_array().unwrap().len(), 0);

    let f = docs[0]["findings"].as_array().unwrap();
    assert_eq!(v["findings"].as_u64().unwrap() as usize, f.len());
    for finding in f {
        let o = finding.as_object().unwrap();
        let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["col", "kind", "line", "message"]);
        assert!(o["line"].is_u64() && o["col"].is_u64(), "{finding}");
        assert!(o["kind"].is_string() && o["message"].is_string());
    }
    let p = docs[0]["placeholders"].as_array().unwrap();
    let backup = p
        .iter()
        .find(|g| g["section"] == "Data Management > Backup Strategy")
        .unwrap();
    assert_eq!(backup["unfilled"], 4);
    assert_eq!(backup["lines"], 4);
    let tokens: Vec<&str> = backup["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    assert_eq!(
        tokens,
        [
            "[SCHEDULE]",
            "[SCHEDULE]",
            "[RETENTION_PERIOD]",
            "[TESTING_SCHEDULE]"
        ]
    );
    let first = &backup["tokens"][0];
    assert!(first["line"].is_u64() && first["col"].is_u64(), "{first}");
    // One placeholder finding per placeholder group.
    let groups = f.iter().filter(|x| x["kind"] == "placeholders").count();
    assert_eq!(groups, p.len());
}

#[test]
fn json_finding_without_a_position_has_null_line_and_col() {
    let repo = with_doc("");
    let a = repo
        .dbarch()
        .args(["lint", "--format", "json"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let f = &v["documents"][0]["findings"][0];
    assert_eq!(f["kind"], "missing-field");
    assert!(f["line"].is_null() && f["col"].is_null(), "{v}");
}

#[test]
fn clean_json_exits_zero() {
    let repo = with_doc(filled_doc());
    let a = repo
        .dbarch()
        .args(["lint", "--format", "json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["findings"], 0);
}

#[test]
fn non_utf8_document_is_a_finding_and_untouched() {
    let mut bytes = b"# T\n\n**Last Updated:** 2026-11-".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"20\n");
    let repo = with_doc(&bytes);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1, "{out}");
    let f = findings(&out, "parse-error");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].starts_with(&format!("{DOC}:3:27: parse-error: ")),
        "{out}"
    );
    assert!(f[0].contains("UTF-8"), "{out}");
    assert_eq!(repo.read_bytes(DOC), bytes);
}

#[test]
fn binary_document_is_a_finding() {
    let repo = with_doc(b"abc\n\0def".as_slice());
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("{DOC}:2:1: parse-error: ")),
        "{out}"
    );
}

#[test]
fn empty_document_reports_missing_fields() {
    let repo = with_doc("");
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    let missing = findings(&out, "missing-field");
    assert_eq!(missing.len(), 3, "{out}");
    for label in ["Last Updated", "Reviewed By", "Next Review"] {
        assert!(missing.iter().any(|l| l.contains(label)), "{out}");
    }
    assert_eq!(findings(&out, "no-changelog").len(), 1, "{out}");
    assert!(out.ends_with("4 findings in 1 document\n"), "{out}");
    assert_eq!(repo.read(DOC), "");
}

#[test]
fn ten_megabyte_document_finishes_and_reports() {
    let mut doc = filled_doc();
    doc.push_str("\n## Inventory\n");
    let mut i = 0;
    while doc.len() < 10 * 1024 * 1024 {
        doc.push_str(&format!(
            "- **Table {i}:** owner [OWNER], retention 30 days, notes on this table\n"
        ));
        i += 1;
    }
    let repo = with_doc(&doc);
    let a = repo
        .dbarch()
        .arg("lint")
        .timeout(Duration::from_secs(300))
        .assert()
        .code(1);
    let out = stdout_of(&a);
    let f = findings(&out, "placeholders");
    assert_eq!(f.len(), 1, "{out}");
    assert!(
        f[0].contains(&format!("Inventory: {i} of {i} lines unfilled ([OWNER], ")),
        "{out}"
    );
    assert!(
        f[0].contains(&format!(", … and {} more); ", i - 12)),
        "{out}"
    );
    assert!(out.len() < 10_000, "the report stays short");
}

#[test]
fn document_text_is_sanitised_in_text_output() {
    let doc = filled_doc().replace(
        "### Backup Strategy\n",
        "### Backup \u{1b}]8;;http://x\u{7}Strategy\n- [SCHEDULE]\n",
    );
    let repo = with_doc(doc);
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 1);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\u{1b}"), "{out}");
}

#[test]
fn named_documents_are_checked() {
    let repo = TestRepo::without_git();
    repo.write("a.md", filled_doc());
    repo.write("b.md", template_with_header(None, None, None));
    let (code, out, _) = lint(&repo, &["a.md"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = lint(&repo, &["a.md", "b.md"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.lines().all(|l| !l.starts_with("a.md:")), "{out}");
    assert!(out.contains("b.md:3:19: placeholder-date"), "{out}");
    assert!(out.contains(" in 2 documents\n"), "{out}");
}

#[test]
fn a_missing_named_document_is_a_finding() {
    let repo = with_doc(filled_doc());
    let (code, out, _) = lint(&repo, &["nope.md", DOC]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("nope.md: unreadable: cannot read the file"),
        "{out}"
    );
    assert!(out.ends_with("1 finding in 2 documents\n"), "{out}");
}

#[test]
fn documents_outside_the_repository_are_refused() {
    let repo = with_doc(filled_doc());
    let (code, _, err) = lint(&repo, &["../outside.md"]);
    assert_eq!(code, 2);
    assert!(err.contains("refusing"), "{err}");
}

#[test]
fn no_documents_is_a_usage_error() {
    let repo = TestRepo::without_git();
    let (code, _, err) = lint(&repo, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no managed documents found"), "{err}");
}

#[test]
fn lint_in_a_git_repository_finds_tracked_documents() {
    let repo = TestRepo::new();
    repo.write_commit(
        "notes/arch.md",
        filled_doc(),
        "Add the architecture notes",
        crate::common::ALICE,
        "2026-11-20T10:00:00+01:00",
    );
    // An untracked document is not discovered.
    repo.write("untracked.md", template_with_header(None, None, None));
    let (code, out, _) = lint(&repo, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "0 findings in 1 document\n");
}

#[test]
fn lint_finds_every_placeholder_of_the_seed_template_and_says_how_to_fill_it() {
    let repo = TestRepo::new();
    repo.dbarch().arg("init").assert().success();
    let (_, out, _) = lint(&repo, &[]);
    for (section, token) in [
        (
            "Overview",
            "[Database architecture strategy and design principles]",
        ),
        (
            "Database Design > Table Structure",
            "[Table creation examples with proper format placeholders]",
        ),
        (
            "Indexing Strategy > Performance Indexes",
            "[Index creation examples with format placeholders]",
        ),
        (
            "Security Architecture > Compliance",
            "[Compliance Standard 1]",
        ),
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("placeholders: {section}: ")))
            .unwrap_or_else(|| panic!("no finding for {section}:\n{out}"));
        assert!(line.contains(token), "{line}");
        assert!(line.contains("brackets included"), "{line}");
    }
    // Filled in, they are gone.
    let filled = repo
        .read(DOC)
        .replace(
            "[Database architecture strategy and design principles]",
            "PostgreSQL 16 is the system of record; see [the ADRs](adr/).",
        )
        .replace("[Compliance Standard 1]", "SOC 2");
    repo.write(DOC, filled);
    let (_, out, _) = lint(&repo, &[]);
    assert!(!out.contains("placeholders: Overview:"), "{out}");
    assert!(!out.contains("[Compliance Standard 1]"), "{out}");
    assert!(out.contains("[Compliance Standard 2]"), "{out}");
}
