//! Hardening: bad input, crash safety, concurrency and terminal safety, each run through
//! the real binary in a throwaway repository; and the replay of the fuzz corpus.
//!
//! The bad-input table (listed in the README's "Guarantees"): one test per row. Every
//! run asserts no panic (stderr never says "panicked"), an exit code of 0, 1 or 2 (never
//! 3, never a signal), and no raw ESC byte on stdout or stderr (`NO_COLOR=1` is set by
//! the hermetic environment). Inputs that must be refused leave every file of the work
//! tree byte-identical and name the file (with line and column where one exists);
//! inputs that are valid give the exact expected document, every byte outside the
//! edit preserved, and a second run changes nothing.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::common::{git_command, hermetic_env, TestRepo, ALICE, BOB, DOC};

// ---------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------

/// The document of most rows: a hand-written row, alignment colons, trailing spaces.
const BASE: &str = "# Database Architecture\n\
\n\
**Last Updated:** [DATE]  \n\
**Reviewed By:** DBA Team  \n\
**Next Review:** 2026-12-31  \n\
\n\
## Overview\n\
PostgreSQL 16.   \n\
\n\
## Change Log\n\
| Date | Change | Author | Impact |\n\
|:-----|--------|-------:|:------:|\n\
| 2026-01-15 | Hand-written row | Ana Lima | Low |\n\
\n\
## References\n\
- [Backend](backend.md)\n";

const OVERVIEW: &str = "PostgreSQL 16.   ";
const REPLICAS: &str = "PostgreSQL 16 with two streaming replicas.";
const HAND_ROW: &str = "| 2026-01-15 | Hand-written row | Ana Lima | Low |";
/// The row `sync` writes for [`second_commit`].
const NEW_ROW: &str = "| 2026-04-10 | Add read replicas | Bob Example | Medium |";
const FIRST_DATE: &str = "2026-03-02T09:00:00+01:00";
const SECOND_DATE: &str = "2026-04-10T10:00:00+02:00";

/// What one run of the binary did.
struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.out, self.err)
    }
}

/// Runs `dbarch ARGS` in `dir` and checks what every run must satisfy: an exit code
/// (not a signal) that is 0, 1 or 2, no panic, no raw ESC byte on either stream.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = crate::common::dbarch();
    cmd.current_dir(dir).timeout(Duration::from_secs(300));
    let a = cmd.args(args).assert();
    let o = a.get_output();
    let code = o.status.code().unwrap_or_else(|| {
        panic!(
            "dbarch {args:?} ended by a signal or timeout: {:?}",
            o.status
        )
    });
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !err.contains("panicked"),
        "dbarch {args:?} panicked:\n{err}"
    );
    assert!(
        matches!(code, 0..=2),
        "dbarch {args:?} exited {code} (3 = internal error):\n{out}{err}"
    );
    assert!(
        !o.stdout.contains(&0x1b) && !o.stderr.contains(&0x1b),
        "dbarch {args:?} printed a raw ESC byte:\n{out:?}\n{err:?}"
    );
    Run { code, out, err }
}

fn run(repo: &TestRepo, args: &[&str]) -> Run {
    run_in(repo.path(), args)
}

/// Every file under `dir` (the `.git` directory excepted) with its bytes; directories
/// and symlinks are recorded too, so a replaced symlink or a stray file shows.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if rel == Path::new(".git") {
                continue;
            }
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()).into_bytes());
            } else if t.is_dir() {
                out.insert(rel, b"<dir>".to_vec());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_tree(before: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path, what: &str) {
    let after = snapshot(dir);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "{what} changed files: {changed:?}");
}

/// Runs each of `runs` (args, expected exit code) and asserts that the work tree did not
/// change and that the output names `needle` (a path, with `:line:col` when known) and
/// says `why`.
fn refused(repo: &TestRepo, runs: &[(&[&str], i32)], needle: &str, why: &str) {
    let before = snapshot(repo.path());
    for (args, want) in runs {
        let r = run(repo, args);
        assert_eq!(r.code, *want, "dbarch {args:?}:\n{}", r.all());
        assert!(
            r.all().contains(needle),
            "dbarch {args:?} does not name {needle:?}:\n{}",
            r.all()
        );
        assert!(
            r.all().to_lowercase().contains(&why.to_lowercase()),
            "dbarch {args:?} does not say {why:?}:\n{}",
            r.all()
        );
        assert_same_tree(&before, repo.path(), &format!("dbarch {args:?}"));
    }
}

/// A repository whose first commit adds `doc` at [`DOC`] (Alice; it adds the hand row,
/// so it records itself) and whose second commit edits the Overview line (Bob,
/// `feat: add read replicas`), so `sync` has exactly one row to add: [`NEW_ROW`].
fn two_commits(doc: impl AsRef<[u8]>) -> TestRepo {
    let repo = TestRepo::new();
    repo.write_commit(
        DOC,
        doc.as_ref(),
        "docs: add the database architecture document",
        ALICE,
        FIRST_DATE,
    );
    second_commit(&repo);
    repo
}

/// Replaces the Overview line (bytes, so any encoding or line ending survives) and
/// commits as Bob.
fn second_commit(repo: &TestRepo) -> String {
    let old = repo.read_bytes(DOC);
    let new = replace_bytes(&old, OVERVIEW.as_bytes(), REPLICAS.as_bytes());
    repo.write_commit(DOC, new, "feat: add read replicas", BOB, SECOND_DATE)
}

fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let i = hay
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(from)));
    [&hay[..i], to, &hay[i + from.len()..]].concat()
}

/// A commit with an arbitrary message (written verbatim through a file).
fn commit_message(repo: &TestRepo, files: &[&str], message: &str, who: (&str, &str), date: &str) {
    let mut args = vec!["add", "-A", "--"];
    args.extend_from_slice(files);
    repo.git(&args);
    let msg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(msg.path(), message).unwrap();
    let out = git_command(repo.path())
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_COMMITTER_DATE", date)
        .args(["commit", "-q", "--cleanup=verbatim", "-F"])
        .arg(msg.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Syncs, asserts the result is `want` byte for byte, then syncs again and asserts that
/// nothing changes (idempotent).
fn sync_gives(repo: &TestRepo, want: &[u8]) {
    let r = run(repo, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let got = repo.read_bytes(DOC);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(want),
        "sync result"
    );
    assert_eq!(got, want, "sync result (bytes)");
    let before = snapshot(repo.path());
    let again = run(repo, &["sync"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.out.contains("up to date"), "{}", again.all());
    assert_same_tree(&before, repo.path(), "a second sync");
    let check = run(repo, &["sync", "--check"]);
    assert_eq!(check.code, 0, "{}", check.all());
}

/// `BASE` after the second commit, as `sync` must leave it.
fn base_synced() -> String {
    BASE.replace(OVERVIEW, REPLICAS)
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2026-04-10")
        .replace(HAND_ROW, &format!("{HAND_ROW}\n{NEW_ROW}"))
}

/// The Change Log body rows of a document.
fn table_rows(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("## Change Log"))
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// The bad-input table
// ---------------------------------------------------------------------------------------

#[test]
fn non_utf8_document_is_refused_with_its_position() {
    let doc = BASE.replace("PostgreSQL 16.", "PostgreSQL 16 \u{0}.");
    // Latin-1 "é" (0xE9) on line 8, column 15.
    let bytes = replace_bytes(doc.as_bytes(), b"\0", b"\xe9");
    let repo = TestRepo::new();
    repo.write_commit(DOC, &bytes, "docs: add", ALICE, FIRST_DATE);
    let pos = format!("{DOC}:8:15");
    refused(
        &repo,
        &[
            (&["sync"], 2),
            (&["sync", DOC], 2),
            (&["sync", "--dry-run"], 2),
            (&["status"], 2),
            (&["lint"], 1),
        ],
        &pos,
        "not valid UTF-8",
    );
}

#[test]
fn utf8_bom_is_kept_and_the_document_edited() {
    let repo = two_commits(format!("\u{feff}{BASE}"));
    sync_gives(&repo, format!("\u{feff}{}", base_synced()).as_bytes());
}

#[test]
fn crlf_document_stays_crlf() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let repo = two_commits(crlf(BASE));
    sync_gives(&repo, crlf(&base_synced()).as_bytes());
    let r = run(&repo, &["lint"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn mixed_line_endings_are_kept_line_by_line() {
    // CRLF everywhere except the header block and the table's last row: the new row
    // takes the table's own ending (its header line's), nothing else moves.
    let doc = BASE
        .replace('\n', "\r\n")
        .replace(
            "**Reviewed By:** DBA Team  \r\n",
            "**Reviewed By:** DBA Team  \n",
        )
        .replace(&format!("{HAND_ROW}\r\n"), &format!("{HAND_ROW}\n"));
    let repo = two_commits(&doc);
    let want = doc
        .replace(OVERVIEW, REPLICAS)
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2026-04-10")
        .replace(
            &format!("{HAND_ROW}\n"),
            &format!("{HAND_ROW}\n{NEW_ROW}\r\n"),
        );
    sync_gives(&repo, want.as_bytes());
}

#[test]
fn lone_carriage_return_is_refused_with_its_position() {
    // Markdown ends a line at a lone CR, dbarch's line index does not: refused, so an
    // edit never lands in the wrong section. Line 8, column 15.
    let doc = BASE.replace("PostgreSQL 16.   ", "PostgreSQL 16.\rReplicas: 2");
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    refused(
        &repo,
        &[(&["sync"], 2), (&["status"], 2), (&["lint"], 1)],
        &format!("{DOC}:8:15"),
        "carriage return",
    );
}

#[test]
fn empty_file_gets_a_change_log_and_lint_reports_the_missing_header() {
    let repo = TestRepo::new();
    repo.write_commit(DOC, "", "docs: start the document", ALICE, FIRST_DATE);
    let want = "## Change Log\n\
                | Date | Change | Author | Impact |\n\
                |------|--------|--------|--------|\n\
                | 2026-03-02 | Start the document | Alice Example | Low |\n";
    sync_gives(&repo, want.as_bytes());
    let empty = TestRepo::new();
    empty.write_commit(DOC, "", "docs: start", ALICE, FIRST_DATE);
    let r = run(&empty, &["lint", DOC]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("missing-field"), "{}", r.out);
    assert!(r.out.contains(DOC), "{}", r.out);
}

#[test]
fn ten_megabyte_document_is_edited_in_place() {
    let mut doc = BASE.replace("## Change Log\n", "## Bulk\n##CHUNKS##\n## Change Log\n");
    let mut bulk = String::new();
    let mut i = 0;
    while bulk.len() < 10 * 1024 * 1024 {
        bulk.push_str(&format!(
            "### Table {i}\nColumns `a|b` and [PLACEHOLDER_{i}] with trailing spaces.  \n\n"
        ));
        i += 1;
    }
    doc = doc.replace("##CHUNKS##\n", &bulk);
    let repo = two_commits(&doc);
    let start = Instant::now();
    let want = doc
        .replace(OVERVIEW, REPLICAS)
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2026-04-10")
        .replace(HAND_ROW, &format!("{HAND_ROW}\n{NEW_ROW}"));
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["status"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        start.elapsed() < Duration::from_secs(240),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn change_log_row_with_missing_cells_is_kept_and_reported() {
    let short = "| 2026-01-15 | Hand-written row |";
    let doc = BASE.replace(HAND_ROW, short);
    let repo = two_commits(&doc);
    let want = base_synced().replace(HAND_ROW, short);
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["lint"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains(&format!("{DOC}:13:")), "{}", r.out);
    assert!(r.out.contains("row-cells"), "{}", r.out);
}

#[test]
fn change_log_row_with_extra_cells_is_kept_and_reported() {
    let long = "| 2026-01-15 | Hand-written row | Ana Lima | Low | JIRA-12 | extra |";
    let doc = BASE.replace(HAND_ROW, long);
    let repo = two_commits(&doc);
    let want = base_synced().replace(HAND_ROW, long);
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["lint"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains(&format!("{DOC}:13:")), "{}", r.out);
    assert!(r.out.contains("row-cells"), "{}", r.out);
}

#[test]
fn change_log_without_a_delimiter_row_is_refused() {
    let doc = BASE.replace("|:-----|--------|-------:|:------:|\n", "");
    let repo = two_commits(&doc);
    refused(
        &repo,
        &[
            (&["sync"], 2),
            (&["sync", "--check"], 2),
            (&["status"], 2),
            (&["lint"], 1),
        ],
        &format!("{DOC}:12:1"),
        "delimiter",
    );
}

#[test]
fn escaped_pipes_in_cells_and_subjects_stay_one_cell() {
    let hand = "| 2026-01-15 | Split `users` \\| `accounts` | Ana Lima | Low |";
    let doc = BASE.replace(HAND_ROW, hand);
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    let text = repo.read(DOC).replace(OVERVIEW, REPLICAS);
    repo.write(DOC, &text);
    commit_message(
        &repo,
        &[DOC],
        "feat: read path | write path split\n",
        BOB,
        SECOND_DATE,
    );
    let want = doc
        .replace(OVERVIEW, REPLICAS)
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2026-04-10")
        .replace(
            hand,
            &format!(
                "{hand}\n| 2026-04-10 | Read path \\| write path split | Bob Example | Medium |"
            ),
        );
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["lint"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn inline_code_with_pipes_splits_cells_like_github_and_is_kept() {
    // GitHub splits a row at `|` even inside a code span: this hand row has five cells
    // in a four-column table. It is kept byte for byte; lint says so; a subject with
    // a code span holding a pipe is escaped so it stays one cell.
    let hand = "| 2026-01-15 | Use `a|b` in queries | Ana Lima | Low |";
    let doc = BASE.replace(HAND_ROW, hand);
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    let text = repo.read(DOC).replace(OVERVIEW, REPLICAS);
    repo.write(DOC, &text);
    commit_message(
        &repo,
        &[DOC],
        "feat: match with `x|y` patterns\n",
        BOB,
        SECOND_DATE,
    );
    let want = doc
        .replace(OVERVIEW, REPLICAS)
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2026-04-10")
        .replace(
            hand,
            &format!("{hand}\n| 2026-04-10 | Match with `x\\|y` patterns | Bob Example | Medium |"),
        );
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["lint"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("row-cells"), "{}", r.out);
}

#[test]
fn two_change_log_sections_are_refused() {
    let doc = format!("{BASE}\n## Changelog\n| Date | Change |\n|---|---|\n");
    let repo = two_commits(&doc);
    refused(
        &repo,
        &[(&["sync"], 2), (&["status"], 2), (&["lint"], 1)],
        &format!("{DOC}:18:1"),
        "second Change Log section",
    );
}

#[test]
fn duplicated_header_field_is_refused() {
    let doc = BASE.replace(
        "## Overview\n",
        "## Overview\n**Last Updated:** 2026-02-01\n",
    );
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    refused(
        &repo,
        &[
            (&["sync"], 2),
            (&["status"], 2),
            (&["lint"], 1),
            (&["review", "--yes", "--reviewer", "Eve"], 2),
        ],
        &format!("{DOC}:8:1"),
        "duplicate header field",
    );
}

#[test]
fn future_last_updated_is_corrected_from_history_and_rows_kept() {
    // "Last Updated" in the future is known to be wrong: sync sets it from history. A
    // hand row dated in the future is a hand row: kept as written. Next Review in the
    // future is the normal case.
    let future_row = "| 2031-05-05 | Planned: shard by tenant | Ana Lima | High |";
    let doc = BASE
        .replace("**Last Updated:** [DATE]", "**Last Updated:** 2031-01-01")
        .replace("**Next Review:** 2026-12-31", "**Next Review:** 2031-04-01")
        .replace(HAND_ROW, &format!("{HAND_ROW}\n{future_row}"));
    let repo = two_commits(&doc);
    let want = doc
        .replace(OVERVIEW, REPLICAS)
        .replace(
            "**Last Updated:** 2031-01-01",
            "**Last Updated:** 2026-04-10",
        )
        // The new row goes where its date puts it: before the row dated in the future.
        .replace(future_row, &format!("{NEW_ROW}\n{future_row}"));
    sync_gives(&repo, want.as_bytes());
    let r = run(&repo, &["status"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.out.contains("2031-04-01") && r.out.contains("ok"),
        "{}",
        r.out
    );
}

#[test]
fn unparseable_header_dates_are_reported_by_lint_and_status() {
    let doc = BASE
        .replace(
            "**Last Updated:** [DATE]",
            "**Last Updated:** sometime in Q3",
        )
        .replace("**Next Review:** 2026-12-31", "**Next Review:** 31.12.2026");
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    let before = snapshot(repo.path());
    let lint = run(&repo, &["lint"]);
    assert_eq!(lint.code, 1, "{}", lint.all());
    assert!(
        lint.out.contains(&format!("{DOC}:3:19: invalid-date")),
        "{}",
        lint.out
    );
    assert!(
        lint.out.contains(&format!("{DOC}:5:18: invalid-date")),
        "{}",
        lint.out
    );
    let status = run(&repo, &["status"]);
    assert!(matches!(status.code, 0..=2), "{}", status.all());
    assert_same_tree(&before, repo.path(), "lint and status");
    // sync never guesses a date from the text; it writes the one history gives.
    second_commit(&repo);
    let r = run(&repo, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = repo.read(DOC);
    assert!(text.contains("**Last Updated:** 2026-04-10  \n"), "{text}");
    assert!(text.contains("**Next Review:** 31.12.2026  \n"), "{text}");
}

#[test]
fn placeholder_dates_are_filled_by_sync_and_reported_by_lint() {
    let doc = BASE.replace("**Next Review:** 2026-12-31", "**Next Review:** [DATE]");
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    let lint = run(&repo, &["lint"]);
    assert_eq!(lint.code, 1, "{}", lint.all());
    assert!(
        lint.out.contains(&format!("{DOC}:3:19: placeholder-date")),
        "{}",
        lint.out
    );
    assert!(
        lint.out.contains(&format!("{DOC}:5:18: placeholder-date")),
        "{}",
        lint.out
    );
    second_commit(&repo);
    let want = base_synced().replace("**Next Review:** 2026-12-31", "**Next Review:** [DATE]");
    sync_gives(&repo, want.as_bytes());
}

#[test]
fn config_with_an_unknown_key_is_refused() {
    let repo = two_commits(BASE);
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreview-evry = \"90d\"\n",
    );
    refused(
        &repo,
        &[
            (&["sync"], 2),
            (&["status"], 2),
            (&["lint"], 2),
            (&["config"], 2),
        ],
        "dbarch.toml:3:1",
        "review-evry",
    );
}

#[test]
fn config_with_a_wrong_type_is_refused() {
    let repo = two_commits(BASE);
    repo.write("dbarch.toml", "[changelog]\nmax-cell-width = \"wide\"\n");
    refused(
        &repo,
        &[(&["sync"], 2), (&["status"], 2), (&["lint"], 2)],
        "dbarch.toml:2:",
        "max-cell-width",
    );
}

#[test]
fn document_path_with_dotdot_is_refused() {
    let repo = two_commits(BASE);
    refused(
        &repo,
        &[
            (&["sync", "../../etc/passwd"], 2),
            (&["lint", "../../etc/passwd"], 2),
        ],
        "../../etc/passwd",
        "leaves the repository",
    );
    repo.write("dbarch.toml", "[[docs]]\npath = \"../../etc/passwd\"\n");
    refused(
        &repo,
        &[(&["sync"], 2), (&["status"], 2)],
        "dbarch.toml:2:",
        "leaves the repository",
    );
}

#[test]
fn absolute_document_path_is_refused() {
    let repo = two_commits(BASE);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.md");
    std::fs::write(&target, BASE).unwrap();
    let abs = target.to_str().unwrap();
    refused(
        &repo,
        &[(&["sync", abs], 2), (&["review", abs, "--yes"], 2)],
        "victim.md",
        "refusing document path",
    );
    repo.write("dbarch.toml", "[[docs]]\npath = \"/etc/passwd\"\n");
    refused(
        &repo,
        &[(&["sync"], 2), (&["status"], 2)],
        "dbarch.toml:2:",
        "relative to the repository root",
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), BASE);
}

#[test]
fn document_symlink_pointing_out_is_refused() {
    let repo = two_commits(BASE);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.md");
    std::fs::write(&target, BASE).unwrap();
    std::os::unix::fs::symlink(&target, repo.abs("docs/link.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.abs("docs/out")).unwrap();
    refused(
        &repo,
        &[
            (&["sync", "docs/link.md"], 2),
            (&["sync", "docs/out/victim.md"], 2),
            (&["status", "docs/link.md"], 2),
        ],
        "docs/",
        "outside the repository",
    );
    repo.write("dbarch.toml", "[[docs]]\npath = \"docs/link.md\"\n");
    refused(
        &repo,
        &[(&["sync"], 2), (&["review", "--yes"], 2)],
        "docs/link.md",
        "outside the repository",
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), BASE);
}

#[test]
fn hostile_commit_messages_become_one_safe_row_each() {
    let repo = TestRepo::new();
    repo.write_commit(DOC, BASE, "docs: add", ALICE, FIRST_DATE);
    let long = format!("feat: {}", "long subject ".repeat(800)); // ~10 KB
    let subjects = [
        "fix: pipes | in | the subject".to_string(),
        "feat: <script>alert(1)</script> and <b>bold</b>".to_string(),
        "fix: \u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://evil.example\u{7}link\u{1b}]8;;\u{7} \u{1b}]0;title\u{7}".to_string(),
        "fix: bell\u{7} backspace\u{8} tab\tvt\u{b} ff\u{c} cr\r del\u{7f} c1\u{85}\u{9b}31m".to_string(),
        long,
    ];
    let mut text = repo.read(DOC);
    for (i, s) in subjects.iter().enumerate() {
        text = text.replace("## References\n", &format!("Note {i}.\n\n## References\n"));
        repo.write(DOC, &text);
        commit_message(
            &repo,
            &[DOC],
            &format!("{s}\n\nBody with \u{1b}[2J and | too.\n"),
            BOB,
            &format!("2026-04-1{i}T10:00:00+02:00"),
        );
    }
    let r = run(&repo, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let doc = repo.read(DOC);
    let rows = table_rows(&doc);
    assert_eq!(rows.len(), 1 + subjects.len(), "{rows:#?}");
    for row in &rows {
        let cells = dbarch::doc::table::split_cells(row);
        assert_eq!(cells.len(), 4, "{row}");
        assert!(row.chars().all(|c| !c.is_control()), "{row:?}");
        assert!(row.chars().count() < 200, "{row}");
    }
    assert_eq!(
        rows[1],
        "| 2026-04-10 | Pipes \\| in \\| the subject | Bob Example | Low |"
    );
    assert!(
        rows[2].contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].to_lowercase().contains("| red link |"),
        "{}",
        rows[3]
    );
    assert!(rows[5].contains("Long subject long subject") && rows[5].contains('…'));
    assert!(!doc.contains('\u{1b}') && !doc.contains('\u{7}'));
    // Only the Change Log and Last Updated changed.
    let before_table: Vec<_> = text.lines().filter(|l| !l.starts_with("| ")).collect();
    let after_table: Vec<_> = doc.lines().filter(|l| !l.starts_with("| ")).collect();
    let lu = |l: &&str| !l.starts_with("**Last Updated:**");
    assert_eq!(
        before_table.into_iter().filter(lu).collect::<Vec<_>>(),
        after_table.into_iter().filter(lu).collect::<Vec<_>>()
    );
    // Idempotent: the cut, escaped texts still match their commits.
    let before = snapshot(repo.path());
    let again = run(&repo, &["sync"]);
    assert!(again.out.contains("up to date"), "{}", again.all());
    assert_same_tree(&before, repo.path(), "a second sync");
}

#[test]
fn author_names_in_non_latin_scripts_are_written_as_is() {
    let repo = TestRepo::new();
    repo.write_commit(DOC, BASE, "docs: add", ALICE, FIRST_DATE);
    let authors = [
        ("山田 太郎", "taro@example.jp"),
        ("Дмитрий Иванов", "dima@example.ru"),
        ("محمد علي", "m@example.eg"),
        ("Ελένη Παππά", "e@example.gr"),
        ("José Ñúñez", "jose@example.es"),
    ];
    let mut text = repo.read(DOC);
    for (i, who) in authors.iter().enumerate() {
        text = text.replace("## References\n", &format!("Note {i}.\n\n## References\n"));
        repo.write(DOC, &text);
        repo.commit(
            &[DOC],
            &format!("docs: note {i}"),
            *who,
            &format!("2026-04-1{i}T10:00:00+00:00"),
        );
    }
    let r = run(&repo, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    for (name, _) in authors {
        assert!(r.out.contains(name), "{}", r.out);
    }
    let rows = table_rows(&repo.read(DOC));
    let got: Vec<_> = rows[1..]
        .iter()
        .map(|r| dbarch::doc::table::split_cells(r)[2].clone())
        .collect();
    assert_eq!(got, authors.map(|a| a.0.to_string()));
    let before = snapshot(repo.path());
    let again = run(&repo, &["sync"]);
    assert!(again.out.contains("up to date"), "{}", again.all());
    assert_same_tree(&before, repo.path(), "a second sync");
    let st = run(&repo, &["status"]);
    assert_eq!(st.code, 0, "{}", st.all());
}

#[test]
fn document_that_is_a_directory_is_refused() {
    let repo = TestRepo::new();
    repo.write_commit("README.md", "# x\n", "init", ALICE, FIRST_DATE);
    std::fs::create_dir_all(repo.abs(DOC)).unwrap();
    std::fs::write(repo.abs(&format!("{DOC}/inner.md")), "x").unwrap();
    refused(
        &repo,
        &[
            (&["sync", DOC], 2),
            (&["status", DOC], 2),
            (&["review", DOC, "--yes"], 2),
        ],
        DOC,
        "is a directory",
    );
    repo.write("dbarch.toml", format!("[[docs]]\npath = \"{DOC}\"\n"));
    refused(&repo, &[(&["sync"], 2), (&["lint"], 1)], DOC, "directory");
}

#[test]
fn binary_document_is_refused() {
    let mut bytes = b"# Database Architecture\n\n**Next Review:** 2026-12-31\n".to_vec();
    bytes.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0");
    let repo = TestRepo::new();
    repo.write_commit(DOC, &bytes, "docs: add", ALICE, FIRST_DATE);
    refused(
        &repo,
        &[
            (&["sync"], 2),
            (&["sync", DOC], 2),
            (&["status"], 2),
            (&["lint"], 1),
        ],
        &format!("{DOC}:6:1"),
        "binary",
    );
}

// ---------------------------------------------------------------------------------------
// Crash safety, concurrency, terminal safety
// ---------------------------------------------------------------------------------------

/// The real binary as a std command with the hermetic environment (for spawn/kill).
fn spawn_sync(dir: &Path, delay_ms: Option<u64>) -> Child {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_dbarch"));
    cmd.current_dir(dir).arg("sync");
    for (k, v) in hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(ms) = delay_ms {
        cmd.env("DBARCH_TEST_WRITE_DELAY_MS", ms.to_string());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("spawn dbarch")
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dbarch-") && n.ends_with(".tmp"))
        .collect()
}

/// `dbarch sync` killed with SIGKILL at many points: spread over a whole run, and inside
/// the window between writing the temp file and the rename (widened by the test seam
/// `DBARCH_TEST_WRITE_DELAY_MS`, and found by watching for the temp file). The document
/// is always the old or the new version, byte for byte; the next run removes the stale
/// temp files and finishes the job.
#[test]
fn sigkill_during_sync_leaves_the_old_or_the_new_document() {
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. [TODO_ITEM]\n";
    let doc = BASE.replace(
        "## References\n",
        &format!("## Notes\n{}\n## References\n", filler.repeat(15_000)),
    );
    let repo = two_commits(&doc);
    let old = repo.read_bytes(DOC);
    let docs_dir = repo.abs("docs");
    let reset = || {
        std::fs::write(repo.abs(DOC), &old).unwrap();
        let _ = std::fs::remove_dir_all(repo.abs(".git/dbarch"));
    };
    // The new version, and how long a run takes with the delay.
    let delay = Duration::from_millis(500);
    let t0 = Instant::now();
    let o = spawn_sync(repo.path(), Some(delay.as_millis() as u64))
        .wait_with_output()
        .unwrap();
    let total = t0.elapsed();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let new = repo.read_bytes(DOC);
    assert_ne!(old, new);

    let (mut saw_old, mut saw_new, mut saw_temp) = (0, 0, 0);
    let mut check = |i: usize, child: &mut Child| {
        child.kill().expect("SIGKILL"); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let now = repo.read_bytes(DOC);
        assert!(
            now == old || now == new,
            "kill {i} ({status:?}) left a document that is neither version ({} bytes)",
            now.len()
        );
        if now == old {
            saw_old += 1;
        } else {
            saw_new += 1;
        }
        if !temp_files(&docs_dir).is_empty() {
            saw_temp += 1;
        }
    };
    // Kills spread from "before anything" to "after the rename".
    for i in 0..16 {
        reset();
        let mut child = spawn_sync(repo.path(), Some(delay.as_millis() as u64));
        std::thread::sleep(total * i / 12);
        check(i as usize, &mut child);
    }
    // And one "kill" after the run has finished, so a loaded machine (where the timed
    // run above was faster than these) still sees the new version at least once.
    reset();
    let mut child = spawn_sync(repo.path(), Some(delay.as_millis() as u64));
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    check(99, &mut child);
    // Kills inside the window: once the temp file exists, at eight points of the delay.
    for i in 0..8u32 {
        reset();
        let mut child = spawn_sync(repo.path(), Some(delay.as_millis() as u64));
        let deadline = Instant::now() + total * 4;
        while temp_files(&docs_dir).is_empty()
            && child.try_wait().unwrap().is_none()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(delay * i / 8);
        check(16 + i as usize, &mut child);
    }
    assert!(saw_old > 0, "no kill landed before the rename");
    assert!(saw_new > 0, "no kill landed after the rename");
    assert!(
        saw_temp > 0,
        "no kill landed between the temp file and the rename"
    );
    // The next run cleans up (each temp file is locked by its live writer, so only dead
    // runs' files go) and gives the new version.
    reset();
    let r = run(&repo, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(repo.read_bytes(DOC), new);
    assert_eq!(temp_files(&docs_dir), Vec::<String>::new());
    eprintln!("kills: {saw_old} old, {saw_new} new, {saw_temp} with a stale temp file");
}

/// Eight `dbarch sync` at once on one repository: every run succeeds, each commit gets
/// exactly one row.
#[test]
fn eight_parallel_syncs_write_each_row_once() {
    let repo = TestRepo::new();
    repo.write_commit(DOC, BASE, "docs: add", ALICE, FIRST_DATE);
    let mut text = repo.read(DOC);
    for i in 0..4 {
        text = text.replace("## References\n", &format!("Note {i}.\n\n## References\n"));
        repo.write(DOC, &text);
        repo.commit(
            &[DOC],
            &format!("docs: note {i}"),
            BOB,
            &format!("2026-04-1{i}T10:00:00+00:00"),
        );
    }
    let children: Vec<Child> = (0..8).map(|_| spawn_sync(repo.path(), None)).collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{:?}: {err}", o.status);
        assert!(!err.contains("panicked"), "{err}");
    }
    let rows = table_rows(&repo.read(DOC));
    let want: Vec<String> = std::iter::once(HAND_ROW.to_string())
        .chain((0..4).map(|i| format!("| 2026-04-1{i} | Note {i} | Bob Example | Low |")))
        .collect();
    assert_eq!(rows, want);
    assert_eq!(temp_files(&repo.abs("docs")), Vec::<String>::new());
}

/// ANSI/OSC escapes in a commit subject and in the document reach the terminal escaped
/// in `sync`, `status` and `review` output (the `run` helper asserts no ESC byte).
#[test]
fn escapes_from_commits_and_documents_never_reach_the_terminal() {
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m \u{1b}]8;;http://evil.example\u{7}click\u{1b}]8;;\u{7}";
    let doc = BASE
        .replace(
            "**Reviewed By:** DBA Team",
            &format!("**Reviewed By:** DBA {evil}"),
        )
        .replace(
            "## Overview\n",
            &format!("## Overview {evil}\n[FILL_ME] {evil}\n"),
        );
    let repo = TestRepo::new();
    repo.write_commit(DOC, &doc, "docs: add", ALICE, FIRST_DATE);
    let text = repo.read(DOC).replace(OVERVIEW, REPLICAS);
    repo.write(DOC, &text);
    commit_message(
        &repo,
        &[DOC],
        &format!("feat: {evil} subject\n"),
        BOB,
        SECOND_DATE,
    );
    // Every run checks there is no ESC byte in stdout or stderr.
    for args in [
        &["status"][..],
        &["status", "--format", "json"],
        &["lint"],
        &["sync", "--dry-run"],
        &["sync", "--check"],
        &[
            "review",
            "--yes",
            "--reviewer",
            "Eve\u{1b}[8m",
            "--date",
            "2026-11-20",
        ],
        &["status", "-v"],
    ] {
        let r = run(&repo, args);
        assert!(r.code <= 2, "{args:?}: {}", r.all());
    }
    let r = run(&repo, &["sync", "-v"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(&repo, &["status"]);
    assert!(r.out.contains("Eve"), "{}", r.all());
    assert!(
        repo.read(DOC).contains("**Reviewed By:** Eve  \n"),
        "the reviewer is written without its escape"
    );
    // And the error paths: a refused document whose bad line holds an escape.
    repo.write(DOC, format!("{text}\n**Reviewed By:** {evil}\n"));
    for args in [&["sync"][..], &["status"], &["lint"]] {
        run(&repo, args);
    }
}

// ---------------------------------------------------------------------------------------
// The fuzz corpus, replayed
// ---------------------------------------------------------------------------------------

/// Replays the committed fuzz corpus and crash inputs through the fuzz target's own check
/// (`dbarch::doc::check_edit_invariant`): a crash input committed as a regression test
/// must pass once its bug is fixed.
#[test]
fn fuzz_corpus_and_crash_inputs_replay_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    let mut failures = Vec::new();
    for dir in ["corpus/edit", "artifacts/edit"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&path).unwrap();
            count += 1;
            let result = std::panic::catch_unwind(|| dbarch::doc::check_edit_invariant(&data));
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(v)) => failures.push(format!("{}: {v}", path.display())),
                Err(_) => failures.push(format!("{}: panicked", path.display())),
            }
        }
    }
    assert!(
        count >= 40,
        "only {count} corpus files under {}",
        root.display()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
