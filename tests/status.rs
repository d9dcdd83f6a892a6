//! `dbarch status`: the review state of each document (ok, due-soon, due, overdue), where
//! Next Review comes from, interval arithmetic as the CLI shows it (month ends, leap days,
//! `Month YYYY` dates, "today" around midnight), unrecorded commits, drift, JSON output,
//! GitHub annotations and step summary, and exit codes.
//!
//! Every scenario runs on a fixed clock (`DBARCH_NOW`, 2026-11-26 unless a test says
//! otherwise) with defaults `review-every = 90d`, `remind-before = 14d`, `grace = 14d`.
use std::path::Path;

use serde_json::{json, Value};

use crate::common::{doc_header, stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};

// ---------------------------------------------------------------------------------------
// Shared fixtures (also used by the `review` and `review_pty` modules)
// ---------------------------------------------------------------------------------------

/// A Change Log row: `(date, change, author, impact)`.
pub type Row<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A small, fully filled document with the given header values and Change Log rows.
/// Line 5 is the Next Review field.
pub fn doc_with(last: &str, by: &str, next: &str, rows: &[Row]) -> String {
    let mut s = doc_header(last, by, next)
        + "## Overview\n\
           PostgreSQL 16 for everything transactional.\n\
           \n\
           ## Indexing Strategy\n\
           B-tree indexes on every foreign key.\n\
           \n\
           ## Security Architecture\n\
           Row-level security on tenant tables.\n\
           \n\
           ## Change Log\n\
           | Date | Change | Author | Impact |\n\
           |------|--------|--------|--------|\n";
    for (date, change, author, impact) in rows {
        s.push_str(&format!("| {date} | {change} | {author} | {impact} |\n"));
    }
    s
}

/// [`doc_with`] last updated 2026-11-20 by "DBA Team", with one row, and `next` as the
/// Next Review.
pub fn doc_due(next: &str) -> String {
    doc_with(
        "2026-11-20",
        "DBA Team",
        next,
        &[("2026-11-20", "First version", "Alice Example", "Low")],
    )
}

/// The date the fixtures commit documents on (before every scenario's "today").
pub const FIRST_COMMIT: &str = "2026-11-20T10:00:00+00:00";

/// A repository holding `docs` (`(path, text)`), committed by Alice in one commit on
/// [`FIRST_COMMIT`] (the commit adds the Change Log rows, so it is recorded).
pub fn repo_with(docs: &[(&str, &str)]) -> TestRepo {
    let repo = TestRepo::new();
    for (path, text) in docs {
        repo.write(path, text);
    }
    let paths: Vec<&str> = docs.iter().map(|(p, _)| *p).collect();
    repo.commit(&paths, "docs: architecture documents", ALICE, FIRST_COMMIT);
    repo
}

/// `dbarch status --format json` (plus `args`), asserting exit `code`.
pub fn status_json(repo: &TestRepo, args: &[&str], now: &str, code: i32) -> Value {
    let a = repo
        .dbarch()
        .env("DBARCH_NOW", now)
        .args(["status", "--format", "json"])
        .args(args)
        .assert()
        .code(code);
    serde_json::from_str(&stdout_of(&a))
        .unwrap_or_else(|e| panic!("status JSON: {e}\n{}", stdout_of(&a)))
}

/// [`status_json`] on `now` (exit 0): the entry of the document at [`DOC`].
pub fn doc_status(repo: &TestRepo, now: &str) -> Value {
    doc_entry(&status_json(repo, &[], now, 0), DOC).clone()
}

/// [`doc_with`] with placeholder header values and one row, from 2026-08-01.
pub fn placeholder_doc() -> String {
    doc_with(
        "[DATE]",
        "[TEAM]",
        "[DATE]",
        &[("2026-08-01", "First version", "Alice Example", "Low")],
    )
}

/// The drift scenarios' sections (for [`TestRepo::write_doc_config`]): Indexing Strategy
/// follows `migrations/**`.
pub const DRIFT_SECTIONS: &str =
    "\n[docs.sections.\"Indexing Strategy\"]\npaths = [\"migrations/**\"]\n";

/// A repository holding `text` at [`DOC`] and a `dbarch.toml` managing it (`extra`
/// appended), committed together by Alice on 2026-03-02.
fn repo_with_config(text: &str, extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(DOC, text);
    repo.write_doc_config(extra);
    repo.commit(
        &[DOC, "dbarch.toml"],
        "docs: architecture document",
        ALICE,
        "2026-03-02T10:00:00+00:00",
    );
    repo
}

/// The stdout of `dbarch status`, which must exit 0.
fn status_text(repo: &TestRepo) -> String {
    stdout_of(&repo.dbarch().arg("status").assert().code(0))
}

/// `dbarch` as under GitHub Actions, writing its step summary to `summary`.
fn in_actions(repo: &TestRepo, summary: &Path) -> assert_cmd::Command {
    let mut cmd = repo.dbarch();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary);
    cmd
}

/// The first 7 hex digits of a commit id, as reports show it.
fn short(id: &str) -> String {
    id[..7].to_string()
}

fn doc_entry<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in {report:#}"))
}

// ---------------------------------------------------------------------------------------
// States and exit codes
// ---------------------------------------------------------------------------------------

/// Next Review → state and days left on 2026-11-26, with remind-before 14d and grace 14d,
/// and the exit codes of `status` (always 0) and `status --check` (1 for due/overdue).
const STATES: &[(&str, &str, &str, i64)] = &[
    ("docs/ok.md", "2027-02-18", "ok", 84),
    ("docs/ok-edge.md", "2026-12-11", "ok", 15),
    ("docs/soon.md", "2026-12-10", "due-soon", 14),
    ("docs/soon-edge.md", "2026-11-27", "due-soon", 1),
    ("docs/due-today.md", "2026-11-26", "due", 0),
    ("docs/due-grace.md", "2026-11-12", "due", -14),
    ("docs/overdue.md", "2026-11-11", "overdue", -15),
];

#[test]
fn each_state_with_its_days_left_and_check_exit_code() {
    let texts: Vec<(String, String)> = STATES
        .iter()
        .map(|(p, next, _, _)| (p.to_string(), doc_due(next)))
        .collect();
    let docs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let repo = repo_with(&docs);

    let report = status_json(&repo, &[], "2026-11-26", 0);
    assert_eq!(report["today"], "2026-11-26");
    assert_eq!(report["documents"].as_array().unwrap().len(), STATES.len());
    for (path, next, state, days) in STATES {
        let d = doc_entry(&report, path);
        assert_eq!(d["state"], *state, "{path}");
        assert_eq!(d["days_left"], *days, "{path}");
        assert_eq!(d["next_review"], *next, "{path}");
        assert_eq!(d["next_review_from"], json!({"from": "field"}), "{path}");
        assert_eq!(d["error"], Value::Null, "{path}");

        // One document at a time: `status` is 0 whatever the state, `--check` is 1 only
        // for due and overdue.
        repo.dbarch().args(["status", path]).assert().code(0);
        let want = if *state == "due" || *state == "overdue" {
            1
        } else {
            0
        };
        repo.dbarch()
            .args(["status", "--check", path])
            .assert()
            .code(want);
    }
    assert_eq!(
        report["summary"],
        json!({"ok": 2, "due-soon": 2, "due": 2, "overdue": 1, "errors": 0})
    );
    // All together: one due document is enough for --check to fail.
    repo.dbarch().args(["status"]).assert().code(0);
    repo.dbarch().args(["status", "--check"]).assert().code(1);
}

#[test]
fn text_table_for_people() {
    let repo = repo_with(&[
        ("docs/a.md", &doc_due("2027-02-18")),
        ("docs/b.md", &doc_due("2026-11-11")),
    ]);
    let a = repo.dbarch().arg("status").assert().code(0);
    assert_eq!(
        stdout_of(&a),
        "DOCUMENT   LAST UPDATED  REVIEWED BY  NEXT REVIEW  DAYS  STATE    TODO  UNRECORDED  DRIFT\n\
         docs/a.md  2026-11-20    DBA Team     2027-02-18   84    ok       0     0           -\n\
         docs/b.md  2026-11-20    DBA Team     2026-11-11   -15   overdue  0     0           -\n\
         2 documents: 1 ok, 1 overdue\n"
    );
    assert_eq!(stderr_of(&a), "");
}

#[test]
fn check_passes_when_everything_is_ok_or_due_soon() {
    let repo = repo_with(&[
        ("docs/a.md", &doc_due("2027-02-18")),
        ("docs/b.md", &doc_due("2026-12-01")),
    ]);
    let a = repo.dbarch().args(["status", "--check"]).assert().code(0);
    assert!(stdout_of(&a).ends_with("2 documents: 1 ok, 1 due soon\n"));
}

#[test]
fn an_unparseable_document_exits_2_and_the_others_are_still_listed() {
    // Two Next Review fields: the document cannot be parsed.
    let broken = doc_due("2027-02-18").replacen(
        "**Next Review:** 2027-02-18  \n",
        "**Next Review:** 2027-02-18  \n**Next Review:** 2027-03-01  \n",
        1,
    );
    let repo = repo_with(&[
        ("docs/a-ok.md", &doc_due("2027-02-18")),
        ("docs/b-broken.md", &broken),
        ("docs/c-due.md", &doc_due("2026-11-20")),
    ]);
    let before = repo.read_bytes("docs/b-broken.md");

    let a = repo.dbarch().arg("status").assert().code(2);
    let out = stdout_of(&a);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].starts_with("docs/a-ok.md "), "{out}");
    assert!(lines[1].contains(" ok "), "{out}");
    assert!(lines[2].starts_with("docs/b-broken.md "), "{out}");
    assert!(lines[2].contains(" error "), "{out}");
    assert!(lines[3].starts_with("docs/c-due.md "), "{out}");
    assert!(lines[3].contains(" due "), "{out}");
    // The error names the document, the line and the problem.
    let err_line = lines
        .iter()
        .find(|l| l.starts_with("docs/b-broken.md: "))
        .unwrap_or_else(|| panic!("no error line in\n{out}"));
    assert!(err_line.contains("duplicate header field"), "{err_line}");
    assert!(err_line.contains(":6:"), "line 6 in {err_line}");
    assert!(
        out.ends_with("3 documents: 1 ok, 1 due, 1 unreadable\n"),
        "{out}"
    );

    // Still 2 with --check (an error beats findings), and in JSON.
    repo.dbarch().args(["status", "--check"]).assert().code(2);
    let report = status_json(&repo, &[], "2026-11-26", 2);
    let b = doc_entry(&report, "docs/b-broken.md");
    assert_eq!(b["state"], Value::Null);
    assert!(b["error"]
        .as_str()
        .unwrap()
        .contains("duplicate header field"));
    assert_eq!(doc_entry(&report, "docs/c-due.md")["state"], "due");
    assert_eq!(
        report["summary"],
        json!({"ok": 1, "due-soon": 0, "due": 1, "overdue": 0, "errors": 1})
    );
    // Untouched.
    assert_eq!(repo.read_bytes("docs/b-broken.md"), before);
}

// ---------------------------------------------------------------------------------------
// Interval arithmetic as the CLI shows it
// ---------------------------------------------------------------------------------------

#[test]
fn month_only_next_review_means_the_first_of_the_month() {
    let text = doc_with(
        "November 2026",
        "DBA Team",
        "February 2027",
        &[("2026-11-20", "First version", "Alice Example", "Low")],
    );
    let repo = repo_with(&[(DOC, &text)]);
    // (today, state, days left): February 2027 = 2027-02-01.
    for (now, state, days) in [
        ("2026-11-26", "ok", 67),
        ("2027-01-18", "due-soon", 14),
        ("2027-01-31", "due-soon", 1),
        ("2027-02-01", "due", 0),
        ("2027-02-15", "due", -14),
        ("2027-02-16", "overdue", -15),
    ] {
        let d = doc_status(&repo, now);
        assert_eq!(d["next_review"], "2027-02-01", "{now}");
        assert_eq!(d["state"], state, "{now}");
        assert_eq!(d["days_left"], days, "{now}");
        assert_eq!(d["last_updated"], "November 2026", "{now}");
    }
}

/// `review-every = "1mo"` from a review on the 31st: the derived Next Review clamps to
/// the end of February (28th, or 29th in a leap year).
#[test]
fn one_month_from_january_31_clamps_to_the_end_of_february() {
    for (review, next, now, days) in [
        ("2027-01-31", "2027-02-28", "2027-02-20", 8),
        ("2028-01-31", "2028-02-29", "2028-02-20", 9),
        ("2026-10-31", "2026-11-30", "2026-11-26", 4),
    ] {
        let text = doc_with(
            review,
            "DBA Team",
            "[DATE]",
            &[("2026-01-05", "First version", "Alice Example", "Low")]
                .into_iter()
                .chain([(review, "Architecture review", "Ana Lima", "Review")])
                .collect::<Vec<_>>(),
        );
        let repo = repo_with(&[(DOC, &text)]);
        repo.write_doc_config("review-every = \"1mo\"\n");
        let d = doc_status(&repo, now);
        assert_eq!(d["next_review"], next, "{review}");
        assert_eq!(
            d["next_review_from"],
            json!({"from": "last-review", "review": review}),
            "{review}"
        );
        assert_eq!(d["days_left"], days, "{review}");
        assert_eq!(d["state"], "due-soon", "{review}");
    }
}

/// A leap day plus a year is the last day of February; plus four years, the leap day.
#[test]
fn yearly_from_a_leap_day() {
    for (every, next) in [("yearly", "2029-02-28"), ("4y", "2032-02-29")] {
        let text = doc_with(
            "2028-02-29",
            "DBA Team",
            "[DATE]",
            &[("2028-02-29", "Architecture review", "Ana Lima", "Review")],
        );
        let repo = repo_with(&[(DOC, &text)]);
        repo.write_doc_config(&format!("review-every = \"{every}\"\n"));
        let d = doc_status(&repo, "2028-03-01");
        assert_eq!(d["next_review"], next, "{every}");
        assert_eq!(d["state"], "ok", "{every}");
    }
}

/// "Today" is the date at the clock's own offset: 23:30 in New York on the 26th is still
/// the 26th (though UTC is already on the 27th), and 00:30 in Tokyo on the 27th is the
/// 27th (though UTC is still on the 26th).
#[test]
fn today_is_the_local_date_around_midnight() {
    let repo = repo_with(&[(DOC, &doc_due("2026-11-27"))]);
    for (now, today, state, days) in [
        ("2026-11-26T23:30:00-05:00", "2026-11-26", "due-soon", 1),
        ("2026-11-27T00:30:00+09:00", "2026-11-27", "due", 0),
        ("2026-11-26T23:59:59+00:00", "2026-11-26", "due-soon", 1),
        ("2026-11-27T00:00:00+00:00", "2026-11-27", "due", 0),
    ] {
        let r = status_json(&repo, &[], now, 0);
        assert_eq!(r["today"], today, "{now}");
        let d = doc_entry(&r, DOC);
        assert_eq!(d["state"], state, "{now}");
        assert_eq!(d["days_left"], days, "{now}");
    }
}

// ---------------------------------------------------------------------------------------
// Where Next Review comes from
// ---------------------------------------------------------------------------------------

#[test]
fn placeholder_next_review_is_derived_from_the_last_review_row() {
    let text = doc_with(
        "2026-09-01",
        "DBA Team",
        "[DATE]",
        &[
            ("2026-03-02", "First version", "Alice Example", "Low"),
            ("2026-06-01", "Architecture review", "Ana Lima", "Review"),
            ("2026-09-01", "Architecture review", "Bo Chen", "Review"),
        ],
    );
    let repo = repo_with(&[(DOC, &text)]);
    let d = doc_status(&repo, "2026-11-26");
    // 2026-09-01 + 90d = 2026-11-30 (the newest Review row, not the first).
    assert_eq!(d["next_review"], "2026-11-30");
    assert_eq!(
        d["next_review_from"],
        json!({"from": "last-review", "review": "2026-09-01"})
    );
    assert_eq!(d["last_review"], "2026-09-01");
    assert_eq!(d["state"], "due-soon");
    assert_eq!(d["days_left"], 4);
    // The placeholder is still counted as unfilled.
    assert_eq!(d["placeholders"], 1);

    let out = status_text(&repo);
    assert!(out.contains(" 2026-11-30 (derived) "), "{out}");
    assert!(
        out.contains(&format!(
            "{DOC}: Next Review is missing or a placeholder; derived from the last review (2026-09-01) + interval\n"
        )),
        "{out}"
    );
}

#[test]
fn placeholder_next_review_without_a_review_row_is_derived_from_the_first_commit() {
    let repo = TestRepo::new();
    repo.write_commit(
        DOC,
        placeholder_doc(),
        "docs: add the architecture document",
        ALICE,
        "2026-08-01T09:00:00+02:00",
    );
    let d = doc_status(&repo, "2026-11-26");
    // 2026-08-01 + 90d = 2026-10-30: 27 days past, beyond the 14-day grace.
    assert_eq!(d["next_review"], "2026-10-30");
    assert_eq!(
        d["next_review_from"],
        json!({"from": "first-commit", "commit": "2026-08-01"})
    );
    assert_eq!(d["state"], "overdue");
    assert_eq!(d["days_left"], -27);
    assert_eq!(d["placeholders"], 3);
    let out = status_text(&repo);
    assert!(
        out.contains(&format!(
            "{DOC}: Next Review is missing or a placeholder; derived from the first commit (2026-08-01) + interval\n"
        )),
        "{out}"
    );
    repo.dbarch().args(["status", "--check"]).assert().code(1);
}

// ---------------------------------------------------------------------------------------
// Per-section intervals, unrecorded commits, drift
// ---------------------------------------------------------------------------------------

#[test]
fn a_section_with_a_shorter_interval_makes_the_document_due() {
    // The document is next due in February, but Security is reviewed monthly: one month
    // after the last review (2026-10-20) it is due on 2026-11-20, six days ago.
    let text = doc_with(
        "2026-10-20",
        "DBA Team",
        "2027-01-18",
        &[("2026-10-20", "Architecture review", "Ana Lima", "Review")],
    );
    let repo = repo_with(&[(DOC, &text)]);
    repo.write_doc_config("\n[docs.sections.\"Security Architecture\"]\nreview-every = \"1mo\"\n");
    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(d["next_review"], "2027-01-18");
    assert_eq!(d["state"], "due");
    assert_eq!(d["days_left"], -6);
    assert_eq!(
        d["sections"],
        json!([{
            "section": "Security Architecture",
            "interval": "1mo",
            "next_review": "2026-11-20",
            "state": "due"
        }])
    );
    let out = status_text(&repo);
    assert!(
        out.contains(&format!(
            "{DOC}: section \"Security Architecture\" (1mo) is due on 2026-11-20\n"
        )),
        "{out}"
    );
    repo.dbarch().args(["status", "--check"]).assert().code(1);

    // A section the document does not have changes nothing.
    repo.write_doc_config("\n[docs.sections.\"Sharding\"]\nreview-every = \"1mo\"\n");
    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(d["state"], "ok");
    assert_eq!(d["sections"], json!([]));
}

#[test]
fn unrecorded_commits_are_counted_and_listed() {
    let repo = repo_with(&[(DOC, &doc_due("2027-02-18"))]);
    let edit = |from: &str, to: &str, msg: &str, who, date| {
        let text = repo.read(DOC).replacen(from, to, 1);
        repo.write_commit(DOC, text, msg, who, date)
    };
    let c1 = edit(
        "PostgreSQL 16 for everything transactional.",
        "PostgreSQL 17 for everything transactional.",
        "feat: move to PostgreSQL 17",
        BOB,
        "2026-11-21T09:00:00+01:00",
    );
    let c2 = edit(
        "B-tree indexes on every foreign key.",
        "B-tree indexes on every foreign key; BRIN on events.",
        "docs: BRIN for events",
        ALICE,
        "2026-11-22T18:00:00-08:00",
    );
    // Commits that do not touch the document are not counted.
    repo.write_commit(
        "README.md",
        "hello\n",
        "readme",
        ALICE,
        "2026-11-23T09:00:00+00:00",
    );
    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(
        d["unrecorded"],
        json!([
            {"commit": short(&c1), "date": "2026-11-21T09:00:00+01:00",
             "author": "Bob Example", "subject": "feat: move to PostgreSQL 17"},
            {"commit": short(&c2), "date": "2026-11-22T18:00:00-08:00",
             "author": "Alice Example", "subject": "docs: BRIN for events"},
        ])
    );
    let out = status_text(&repo);
    let row = out.lines().nth(1).unwrap();
    assert!(row.ends_with("ok     0     2           -"), "{out}");

    // Once synced, nothing is unrecorded.
    repo.dbarch().arg("sync").assert().code(0);
    assert_eq!(doc_status(&repo, "2026-11-26")["unrecorded"], json!([]));
}

/// Commits the first migration, `migrations/001_init.sql`, as Alice on `date`.
fn init_schema(repo: &TestRepo, date: &str) -> String {
    repo.write_commit(
        "migrations/001_init.sql",
        "create table t (id int);\n",
        "migrations: initial schema",
        ALICE,
        date,
    )
}

/// Commits the migration `migrations/002_orders_idx.sql` as `who` on `date`; returns its id.
fn index_orders(repo: &TestRepo, who: (&str, &str), date: &str) -> String {
    repo.write_commit(
        "migrations/002_orders_idx.sql",
        "create index on orders (customer_id);\n",
        "migrations: index orders by customer",
        who,
        date,
    )
}

/// A repository whose document was last reviewed on 2026-11-20 (a Review row), with the
/// drift configuration committed.
fn drift_repo() -> TestRepo {
    let text = doc_with(
        "2026-11-20",
        "DBA Team",
        "2027-02-18",
        &[
            ("2026-03-02", "First version", "Alice Example", "Low"),
            ("2026-11-20", "Architecture review", "Ana Lima", "Review"),
        ],
    );
    repo_with_config(&text, DRIFT_SECTIONS)
}

#[test]
fn drift_reports_a_migration_after_the_last_review_with_its_commit() {
    let repo = drift_repo();
    init_schema(&repo, "2026-11-10T10:00:00+00:00");
    let after = index_orders(&repo, BOB, "2026-11-24T15:00:00+01:00");
    // A change elsewhere is not drift.
    repo.write_commit(
        "src/app.rs",
        "fn main() {}\n",
        "app",
        BOB,
        "2026-11-25T10:00:00+00:00",
    );
    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(d["last_review"], "2026-11-20");
    assert_eq!(
        d["drift"],
        json!([{
            "section": "Indexing Strategy",
            "paths": ["migrations/**"],
            "commits": [{
                "commit": short(&after),
                "date": "2026-11-24T15:00:00+01:00",
                "author": "Bob Example",
                "subject": "migrations: index orders by customer"
            }]
        }])
    );
    let out = status_text(&repo);
    assert!(
        out.lines().nth(1).unwrap().ends_with(" Indexing Strategy"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{DOC}: \"Indexing Strategy\" drifted since the last review: {} migrations: index orders by customer\n",
            short(&after)
        )),
        "{out}"
    );
    // Drift alone does not make the document due.
    assert_eq!(d["state"], "ok");
    repo.dbarch().args(["status", "--check"]).assert().code(0);
}

#[test]
fn a_migration_before_the_last_review_is_not_drift() {
    let repo = drift_repo();
    init_schema(&repo, "2026-11-19T10:00:00+00:00");
    // On the review day itself: the review covers it.
    index_orders(&repo, ALICE, "2026-11-20T08:00:00+00:00");
    assert_eq!(doc_status(&repo, "2026-11-26")["drift"], json!([]));
    let out = status_text(&repo);
    assert!(out.lines().nth(1).unwrap().ends_with(" -"));
    assert!(!out.contains("drifted"));
}

/// A migration made at 01:00 on 2026-11-21 in Tokyo (16:00 UTC on the 20th), after a
/// review recorded on 2026-11-20, is drift: by its own date it is after the review.
#[test]
fn drift_counts_a_commit_after_the_review_day_in_its_own_time_zone() {
    let repo = drift_repo();
    let tokyo = index_orders(&repo, BOB, "2026-11-21T01:00:00+09:00");
    let d = doc_status(&repo, "2026-11-26");
    let drift = &d["drift"];
    assert_eq!(
        drift[0]["commits"][0]["commit"],
        short(&tokyo),
        "expected drift from {}, got {drift:#}",
        short(&tokyo)
    );
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// The whole `--format json` report of a document with drift, an unrecorded commit,
/// placeholders and a section interval, compared exactly.
#[test]
fn json_report_exact() {
    let text = doc_with(
        "2026-11-20",
        "[TEAM]",
        "2026-12-01",
        &[
            ("2026-03-02", "First version", "Alice Example", "Low"),
            ("2026-11-20", "Architecture review", "Ana Lima", "Review"),
        ],
    )
    .replacen(
        "Row-level security on tenant tables.",
        "Row-level security on tenant tables.\n- **Encryption:** [CIPHER]",
        1,
    );
    let repo = repo_with_config(
        &text,
        &format!(
            "{DRIFT_SECTIONS}\n[docs.sections.\"Security Architecture\"]\nreview-every = \"quarterly\"\n"
        ),
    );
    let mig = index_orders(&repo, BOB, "2026-11-24T15:00:00+01:00");
    let edit = repo.write_commit(
        DOC,
        repo.read(DOC).replacen("PostgreSQL 16", "PostgreSQL 17", 1),
        "feat: PostgreSQL 17",
        BOB,
        "2026-11-25T09:30:00+01:00",
    );
    let r = status_json(&repo, &[], "2026-11-26", 0);
    let first = repo
        .git(&["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_string();
    let commit = |id: &str, date: &str, subject: &str| json!({"commit": short(id), "date": date, "author": "Bob Example", "subject": subject});
    assert_eq!(
        r,
        json!({
            "today": "2026-11-26",
            "documents": [{
                "path": DOC,
                "last_updated": "2026-11-20",
                "reviewed_by": "[TEAM]",
                "next_review": "2026-12-01",
                "next_review_from": {"from": "field"},
                "days_left": 5,
                "state": "due-soon",
                "last_review": "2026-11-20",
                "placeholders": 2,
                "placeholder_sections": [
                    {"section": "(preamble)", "unfilled": 1, "lines": 3,
                     "tokens": [{"token": "[TEAM]", "line": 4, "col": 18}]},
                    {"section": "Security Architecture", "unfilled": 1, "lines": 2,
                     "tokens": [{"token": "[CIPHER]", "line": 15, "col": 19}]}
                ],
                "unrecorded": [commit(&edit, "2026-11-25T09:30:00+01:00", "feat: PostgreSQL 17")],
                "drift": [{
                    "section": "Indexing Strategy",
                    "paths": ["migrations/**"],
                    "commits": [commit(&mig, "2026-11-24T15:00:00+01:00", "migrations: index orders by customer")]
                }],
                "sections": [{
                    "section": "Security Architecture",
                    "interval": "3mo",
                    "next_review": "2027-02-20",
                    "state": "ok"
                }],
                "history_start": {
                    "commit": short(&first),
                    "cut_off": false,
                    "date": "2026-03-02",
                    "path": DOC
                },
                // migrations/ holds migrations: the schema feature's count (index
                // `orders_customer_id_idx` created since the review, not mentioned).
                "schema_findings": 1,
                "error": null
            }],
            "summary": {"ok": 0, "due-soon": 1, "due": 0, "overdue": 0, "errors": 0}
        }),
        "{r:#}"
    );
}

// ---------------------------------------------------------------------------------------
// GitHub Actions
// ---------------------------------------------------------------------------------------

#[test]
fn github_annotations_and_step_summary() {
    let repo = repo_with(&[
        ("docs/a-ok.md", &doc_due("2027-02-18")),
        ("docs/b-soon.md", &doc_due("2026-12-01")),
        ("docs/c-due.md", &doc_due("2026-11-20")),
        ("docs/d-overdue.md", &doc_due("2026-10-01")),
    ]);
    let summary_dir = tempfile::tempdir().unwrap();
    let summary = summary_dir.path().join("step-summary.md");
    let run = || in_actions(&repo, &summary).arg("status").assert().code(0);
    let a = run();
    let out = stdout_of(&a);
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations,
        [
            "::warning file=docs/c-due.md,line=5,title=Architecture review due::docs/c-due.md is due for review: Next Review 2026-11-20 (6 days ago). Run `dbarch review docs/c-due.md` after reviewing it.",
            "::error file=docs/d-overdue.md,line=5,title=Architecture review overdue::docs/d-overdue.md is overdue for review: Next Review 2026-10-01 (56 days ago). Run `dbarch review docs/d-overdue.md` after reviewing it.",
        ],
        "{out}"
    );
    let table = "### Architecture documents\n\
\n\
| Document | Last Updated | Reviewed By | Next Review | Days left | State | Placeholders | Unrecorded commits | Drift |\n\
|---|---|---|---|---|---|---|---|---|\n\
| docs/a-ok.md | 2026-11-20 | DBA Team | 2027-02-18 | 84 | ok | 0 | 0 |  |\n\
| docs/b-soon.md | 2026-11-20 | DBA Team | 2026-12-01 | 5 | due-soon | 0 | 0 |  |\n\
| docs/c-due.md | 2026-11-20 | DBA Team | 2026-11-20 | -6 | due | 0 | 0 |  |\n\
| docs/d-overdue.md | 2026-11-20 | DBA Team | 2026-10-01 | -56 | overdue | 0 | 0 |  |\n\
\n";
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), table);
    // A second run appends a second table.
    run();
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("{table}{table}")
    );

    // Outside Actions: no annotation, no summary.
    let a = repo
        .dbarch()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("status")
        .assert()
        .code(0);
    assert!(!stdout_of(&a).contains("::"), "{}", stdout_of(&a));
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("{table}{table}")
    );
}

#[test]
fn no_annotation_when_everything_is_ok() {
    let repo = repo_with(&[(DOC, &doc_due("2027-02-18"))]);
    let summary_dir = tempfile::tempdir().unwrap();
    let summary = summary_dir.path().join("summary.md");
    let a = in_actions(&repo, &summary)
        .args(["status", "--check"])
        .assert()
        .code(0);
    assert!(!stdout_of(&a).contains("::"), "{}", stdout_of(&a));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains(&format!(
        "| {DOC} | 2026-11-20 | DBA Team | 2027-02-18 | 84 | ok |"
    )));
}

/// Under GitHub Actions, `--format json` still prints nothing but the JSON document on
/// stdout (a workflow step pipes it into `jq`); the step summary is still written.
#[test]
fn json_stays_parseable_under_github_actions() {
    let repo = repo_with(&[(DOC, &doc_due("2026-11-20"))]);
    let summary_dir = tempfile::tempdir().unwrap();
    let summary = summary_dir.path().join("summary.md");
    let a = in_actions(&repo, &summary)
        .args(["status", "--format", "json"])
        .assert()
        .code(0);
    let out = stdout_of(&a);
    let parsed: Result<Value, _> = serde_json::from_str(&out);
    assert!(
        parsed.is_ok(),
        "stdout is not one JSON document: {parsed:?}\n{out}"
    );
    assert_eq!(parsed.unwrap()["documents"][0]["state"], "due");
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("| due |"));
}
