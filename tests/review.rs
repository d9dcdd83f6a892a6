//! `dbarch review` without a terminal: `--yes`, `--reviewer`, `--date`, `--commit`; what
//! it writes (Reviewed By, Next Review in the field's own style, Last Updated, a Review
//! row), and how it fails (no terminal and no flags, several documents due, a bad date).
//! The interactive prompts are driven through a pseudo-terminal in `review_pty`.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use wait_timeout::ChildExt;

use crate::common::{hermetic_env, stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};
use crate::status::{doc_due, doc_status, doc_with, placeholder_doc, repo_with, DRIFT_SECTIONS};

/// The reviewer most scenarios name.
const ANA: &str = "Ana Lima";

/// The document the scenarios review: due on 2026-11-20 (six days before today).
fn due_doc() -> String {
    doc_due("2026-11-20")
}

/// `due_doc` after a review by `who` on `date` with next review `next` (ISO dates).
pub fn reviewed(who: &str, date: &str, next: &str) -> String {
    doc_with(
        date,
        who,
        next,
        &[
            ("2026-11-20", "First version", "Alice Example", "Low"),
            (
                date,
                &format!("Architecture review (next review {next})"),
                who,
                "Review",
            ),
        ],
    )
}

/// A repository holding [`due_doc`] at [`DOC`].
fn due_repo() -> TestRepo {
    repo_with(&[(DOC, &due_doc())])
}

/// `dbarch review --yes --reviewer "Ana Lima"` followed by `extra`, not yet run.
fn review_by_ana(repo: &TestRepo, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = repo.dbarch();
    cmd.args(["review", "--yes", "--reviewer", ANA]).args(extra);
    cmd
}

/// [`review_by_ana`] with the clock (`DBARCH_NOW`) at `now`, which must exit 0.
fn review_by_ana_on(repo: &TestRepo, now: &str, extra: &[&str]) {
    review_by_ana(repo, extra)
        .env("DBARCH_NOW", now)
        .assert()
        .code(0);
}

#[test]
fn yes_with_a_reviewer_records_the_review() {
    let repo = due_repo();
    let a = review_by_ana(&repo, &[]).assert().code(0);
    // 2026-11-26 + 90d = 2027-02-24.
    assert_eq!(repo.read(DOC), reviewed(ANA, "2026-11-26", "2027-02-24"));
    let out = stdout_of(&a);
    assert!(
        out.contains("Record the review: Reviewed By Ana Lima, Last Updated 2026-11-26, Next Review 2027-02-24 (90d from 2026-11-26)."),
        "{out}"
    );
    assert!(
        out.ends_with(&format!("{DOC}: review recorded; next review 2027-02-24\n")),
        "{out}"
    );
    // Nothing committed without --commit.
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(repo.git(&["status", "--porcelain"]), format!(" M {DOC}\n"));
}

#[test]
fn what_changed_since_the_last_review_is_shown() {
    let repo = due_repo();
    let text = repo.read(DOC).replacen("PostgreSQL 16", "PostgreSQL 17", 1);
    let c = repo.write_commit(
        DOC,
        text,
        "feat: PostgreSQL 17",
        BOB,
        "2026-11-23T10:00:00+00:00",
    );
    let first = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let a = review_by_ana(&repo, &[]).assert().code(0);
    let out = stdout_of(&a);
    // Never reviewed: the changes count from the document's first commit.
    assert!(
        out.starts_with(&format!(
            "{DOC} — due (Next Review 2026-11-20)\nChanges since the document began (no review on record):\n  {} 2026-11-20 Alice Example — docs: architecture documents\n  {} 2026-11-23 Bob Example — feat: PostgreSQL 17 [Overview]\n",
            &first[..7],
            &c[..7]
        )),
        "{out}"
    );
}

#[test]
fn the_date_flag_sets_the_review_date() {
    let repo = due_repo();
    review_by_ana(&repo, &["--date", "2026-11-24"])
        .assert()
        .code(0);
    // 2026-11-24 + 90d = 2027-02-22.
    assert_eq!(repo.read(DOC), reviewed(ANA, "2026-11-24", "2027-02-22"));
}

#[test]
fn yes_alone_takes_the_configured_reviewers_then_the_git_user() {
    let repo = due_repo();
    repo.dbarch().args(["review", "--yes"]).assert().code(0);
    assert!(repo.read(DOC).contains("**Reviewed By:** Test User  \n"));

    let repo = due_repo();
    repo.write_doc_config("reviewers = [\"@acme/dba-team\", \"@ana\"]\n");
    repo.dbarch().args(["review", "--yes"]).assert().code(0);
    assert!(repo
        .read(DOC)
        .contains("**Reviewed By:** @acme/dba-team, @ana  \n"));
}

/// Dates keep the style their field is written in: a `Month YYYY` document stays so.
#[test]
fn next_review_keeps_the_style_of_its_field() {
    let text = doc_with(
        "November 2026",
        "DBA Team",
        "February 2027",
        &[("Nov 2, 2026", "First version", "Alice Example", "Low")],
    );
    let repo = repo_with(&[(DOC, &text)]);
    review_by_ana(&repo, &[]).assert().code(0);
    // 2026-11-26 + 90d = 2027-02-24: "February 2027"; the row follows the rows' style.
    assert_eq!(
        repo.read(DOC),
        doc_with(
            "November 2026",
            "Ana Lima",
            "February 2027",
            &[
                ("Nov 2, 2026", "First version", "Alice Example", "Low"),
                (
                    "Nov 26, 2026",
                    "Architecture review (next review 2027-02-24)",
                    "Ana Lima",
                    "Review"
                ),
            ],
        )
    );

    // Other styles: `26 Nov 2026` and `2026/11/26`.
    let text = doc_with(
        "20 Nov 2026",
        "DBA Team",
        "2026/11/20",
        &[("2026-11-20", "First version", "Alice Example", "Low")],
    );
    let repo = repo_with(&[(DOC, &text)]);
    review_by_ana(&repo, &[]).assert().code(0);
    let out = repo.read(DOC);
    assert!(out.contains("**Last Updated:** 26 Nov 2026  \n"), "{out}");
    assert!(out.contains("**Next Review:** 2027/02/24  \n"), "{out}");
}

/// A placeholder Next Review is written in ISO 8601.
#[test]
fn a_placeholder_next_review_is_written_in_iso() {
    let repo = repo_with(&[(DOC, &placeholder_doc())]);
    review_by_ana(&repo, &[]).assert().code(0);
    let out = repo.read(DOC);
    assert!(
        out.starts_with(
            "# Database Architecture\n\n**Last Updated:** 2026-11-26  \n**Reviewed By:** Ana Lima  \n**Next Review:** 2027-02-24  \n"
        ),
        "{out}"
    );
}

/// `review-every = "1mo"` from January 31 clamps to the end of February, also in a leap
/// year.
#[test]
fn one_month_from_january_31() {
    for (date, next) in [("2027-01-31", "2027-02-28"), ("2028-01-31", "2028-02-29")] {
        let repo = due_repo();
        repo.write_doc_config("review-every = \"1mo\"\n");
        review_by_ana_on(&repo, date, &[]);
        assert_eq!(repo.read(DOC), reviewed(ANA, date, next), "{date}");
    }
    // --date on a leap day with a yearly interval.
    let repo = due_repo();
    repo.write_doc_config("review-every = \"yearly\"\n");
    review_by_ana_on(&repo, "2028-03-02", &["--date", "2028-02-29"]);
    assert_eq!(repo.read(DOC), reviewed(ANA, "2028-02-29", "2029-02-28"));
}

/// Late in the evening in New York it is still the 26th there (UTC is on the 27th): the
/// review is dated the 26th.
#[test]
fn the_review_date_is_the_local_date_around_midnight() {
    let repo = due_repo();
    review_by_ana_on(&repo, "2026-11-26T23:30:00-05:00", &[]);
    assert_eq!(repo.read(DOC), reviewed(ANA, "2026-11-26", "2027-02-24"));
}

#[test]
fn commit_commits_only_the_document_with_a_reviewed_by_trailer() {
    let repo = due_repo();
    // Another change staged, and one unstaged: both stay as they were.
    repo.write("notes.txt", "staged\n");
    repo.git(&["add", "notes.txt"]);
    repo.write("scratch.txt", "untracked\n");
    let a = review_by_ana(&repo, &["--commit"]).assert().code(0);
    let head = repo.head();
    assert!(
        stdout_of(&a).ends_with(&format!("committed {}\n", &head[..7])),
        "{}",
        stdout_of(&a)
    );
    assert_eq!(
        repo.git(&["show", "--format=", "--name-only", "HEAD"]),
        format!("{DOC}\n")
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%B"]),
        format!("docs: record architecture review of {DOC}\n\nReviewed-by: Ana Lima\n\n")
    );
    assert_eq!(
        repo.git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Reviewed-by,valueonly)"
        ])
        .trim(),
        "Ana Lima"
    );
    // The committed document is the reviewed one, and the work tree matches it.
    assert_eq!(
        repo.git(&["show", &format!("HEAD:{DOC}")]),
        reviewed(ANA, "2026-11-26", "2027-02-24")
    );
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "A  notes.txt\n?? scratch.txt\n"
    );
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "notes.txt\n"
    );
}

#[test]
fn after_a_review_status_is_ok_and_sync_adds_no_row() {
    let repo = due_repo();
    repo.dbarch().args(["status", "--check"]).assert().code(1);
    review_by_ana(&repo, &["--commit"]).assert().code(0);
    let reviewed_text = repo.read(DOC);

    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(d["state"], "ok");
    assert_eq!(d["next_review"], "2027-02-24");
    assert_eq!(d["days_left"], 90);
    assert_eq!(d["last_review"], "2026-11-26");
    assert_eq!(d["reviewed_by"], "Ana Lima");
    assert_eq!(d["unrecorded"], json!([]));
    repo.dbarch().args(["status", "--check"]).assert().code(0);

    // The review commit only touched managed parts: sync has nothing to add.
    repo.dbarch().args(["sync", "--check"]).assert().code(0);
    repo.dbarch().arg("sync").assert().code(0);
    assert_eq!(repo.read(DOC), reviewed_text);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_review_clears_drift() {
    let repo = due_repo();
    repo.write_doc_config(DRIFT_SECTIONS);
    repo.write("migrations/002.sql", "create index on t (a);\n");
    repo.commit(
        &["dbarch.toml", "migrations/002.sql"],
        "migrations: index t",
        ALICE,
        "2026-11-23T10:00:00+00:00",
    );
    let d = doc_status(&repo, "2026-11-26");
    assert_eq!(d["drift"][0]["section"], "Indexing Strategy");
    let a = review_by_ana(&repo, &[]).assert().code(0);
    assert!(
        stdout_of(&a).contains("Drift: \"Indexing Strategy\" — 1 commit changed migrations/**\n"),
        "{}",
        stdout_of(&a)
    );
    assert_eq!(doc_status(&repo, "2026-11-26")["drift"], json!([]));
}

/// Backdating a review (`--date` before the newest change) must not move Last Updated
/// back: it is the newest substantive change or the last review, whichever is later.
#[test]
fn a_backdated_review_does_not_move_last_updated_back() {
    let text = doc_with(
        "2026-11-24",
        "DBA Team",
        "2026-11-20",
        &[
            ("2026-11-20", "First version", "Alice Example", "Low"),
            (
                "2026-11-24",
                "Move to PostgreSQL 17",
                "Bob Example",
                "Medium",
            ),
        ],
    );
    let repo = repo_with(&[(DOC, &text)]);
    review_by_ana(&repo, &["--date", "2026-11-21"])
        .assert()
        .code(0);
    let out = repo.read(DOC);
    // The review itself is recorded on its own date, with Next Review from that date.
    assert!(out.contains("**Reviewed By:** Ana Lima  \n"), "{out}");
    assert!(out.contains("**Next Review:** 2027-02-19  \n"), "{out}");
    assert!(
        out.contains(
            "| 2026-11-21 | Architecture review (next review 2027-02-19) | Ana Lima | Review |\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("**Last Updated:** 2026-11-24  \n"),
        "Last Updated moved back to the review date:\n{out}"
    );
}

// ---------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------

/// The real binary with the hermetic environment, as a plain `std::process::Command`.
fn std_dbarch(repo: &TestRepo) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dbarch"));
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.current_dir(repo.path());
    cmd
}

/// Without a terminal and without flags, `review` exits 2 at once (it never waits for
/// input that cannot come) and names the flags to pass.
#[test]
fn without_a_terminal_and_without_flags_it_exits_2_at_once() {
    let repo = due_repo();
    let before = repo.read_bytes(DOC);
    for stdin in ["null", "pipe"] {
        let mut cmd = std_dbarch(&repo);
        cmd.arg("review")
            .stdin(if stdin == "null" {
                Stdio::null()
            } else {
                Stdio::piped() // an open pipe nobody writes to
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd.spawn().expect("spawn dbarch");
        let status = match child.wait_timeout(Duration::from_secs(10)).unwrap() {
            Some(s) => s,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`dbarch review` with stdin from {stdin} still waits after 10 s");
            }
        };
        let out = child.wait_with_output().unwrap();
        assert_eq!(status.code(), Some(2), "{stdin}");
        assert!(start.elapsed() < Duration::from_secs(10));
        let err = String::from_utf8_lossy(&out.stderr);
        for flag in ["--reviewer", "--date", "--yes"] {
            assert!(err.contains(flag), "{stdin}: {flag} not named in {err}");
        }
        assert!(err.starts_with("error: no terminal to ask on"), "{err}");
    }
    assert_eq!(repo.read_bytes(DOC), before);
}

#[test]
fn without_yes_even_with_reviewer_and_date_it_does_not_wait() {
    let repo = due_repo();
    let a = repo
        .dbarch()
        .args(["review", "--reviewer", "Ana", "--date", "2026-11-26"])
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(err.contains("--yes"), "{err}");
    assert!(!err.contains("--reviewer"), "{err}");
    assert!(!err.contains("--date"), "{err}");
    assert_eq!(repo.read(DOC), due_doc());
}

#[test]
fn several_documents_due_and_no_doc_named_exits_2() {
    let repo = repo_with(&[
        ("docs/a.md", &doc_due("2026-11-20")),
        ("docs/b.md", &doc_due("2026-10-01")),
        ("docs/c.md", &doc_due("2027-02-18")),
    ]);
    let a = review_by_ana(&repo, &[])
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(err.contains("dbarch review DOC"), "{err}");
    assert!(err.contains("docs/a.md"), "{err}");
    assert!(err.contains("docs/b.md"), "{err}");
    assert!(
        !err.contains("docs/c.md"),
        "the ok document is no candidate: {err}"
    );
    for d in ["docs/a.md", "docs/b.md", "docs/c.md"] {
        assert_eq!(
            repo.git(&["status", "--porcelain", d]),
            "",
            "{d} was changed"
        );
    }
    // Naming one works.
    repo.dbarch()
        .args(["review", "docs/b.md", "--yes", "--reviewer", "Ana Lima"])
        .assert()
        .code(0);
    assert_eq!(repo.git(&["status", "--porcelain"]), " M docs/b.md\n");

    // With one document due among several, it is the one reviewed.
    let repo = repo_with(&[
        ("docs/a.md", &doc_due("2027-02-18")),
        ("docs/b.md", &doc_due("2026-11-20")),
    ]);
    review_by_ana(&repo, &[]).assert().code(0);
    assert_eq!(repo.git(&["status", "--porcelain"]), " M docs/b.md\n");
}

#[test]
fn a_bad_date_exits_2_and_writes_nothing() {
    let repo = due_repo();
    for bad in ["2026-13-01", "2026-02-30", "tomorrow", "November 2026", ""] {
        let a = review_by_ana(&repo, &["--date", bad]).assert().code(2);
        let err = stderr_of(&a);
        assert!(err.contains("--date"), "{bad:?}: {err}");
        assert_eq!(repo.read(DOC), due_doc(), "{bad:?}");
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

/// A review cannot have happened after today: a future `--date` is a usage error, and
/// nothing is written.
#[test]
fn a_review_date_in_the_future_is_refused() {
    let repo = due_repo();
    let a = review_by_ana(&repo, &["--date", "2027-06-01"])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("--date"), "{}", stderr_of(&a));
    assert_eq!(repo.read(DOC), due_doc());
}

#[test]
fn an_empty_reviewer_exits_2() {
    let repo = due_repo();
    let a = repo
        .dbarch()
        .args(["review", "--yes", "--reviewer", "  "])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("--reviewer"), "{}", stderr_of(&a));
    assert_eq!(repo.read(DOC), due_doc());
}

/// Text from the command line is one clean line: no escape sequences, no newline, and
/// a `|` escaped in the Change Log cell.
#[test]
fn the_reviewer_is_sanitised() {
    let repo = due_repo();
    repo.dbarch()
        .args(["review", "--yes", "--reviewer", "Ana\x1b[31m | Bo\nChen"])
        .assert()
        .code(0);
    let out = repo.read(DOC);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("**Reviewed By:** Ana | Bo Chen  \n"), "{out}");
    assert!(
        out.ends_with(
            "| 2026-11-26 | Architecture review (next review 2027-02-24) | Ana \\| Bo Chen | Review |\n"
        ),
        "{out}"
    );
}
