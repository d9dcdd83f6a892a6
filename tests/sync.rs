//! `dbarch sync` (and `dbarch adopt`): Change Log rows from the document's git history.
//!
//! Each test builds a history in a throwaway repository (fixed names, emails, and author
//! and committer dates with explicit offsets), runs the real binary and compares the exact
//! Change Log rows.
use std::path::Path;
use std::process::Output;

use crate::common::{git_command, git_command_as, stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};

const CAROL: (&str, &str) = ("Carol Jones", "carol@example.com");

/// The small document every scenario starts from.
const BASE: &str = "# Database Architecture\n\
\n\
**Last Updated:** [DATE]  \n\
**Reviewed By:** DBA Team  \n\
**Next Review:** [DATE]  \n\
\n\
## Overview\n\
PostgreSQL 16 for everything transactional.\n\
\n\
## Backup Strategy\n\
- **Full Backups:** [SCHEDULE]\n\
\n\
## Change Log\n\
| Date | Change | Author | Impact |\n\
|------|--------|--------|--------|\n\
| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n";

/// The Overview line and the Backup Strategy line the scenarios edit.
const OVERVIEW: &str = "PostgreSQL 16 for everything transactional.";
const BACKUP: &str = "- **Full Backups:** [SCHEDULE]";
const REPLICAS: &str = "PostgreSQL 16 with two streaming replicas.";
const NIGHTLY: &str = "- **Full Backups:** nightly at 01:00 UTC";

const UP_TO_DATE: &str = "docs/database-architecture.md: up to date\n";

/// The Change Log's placeholder row in [`BASE`].
const PLACEHOLDER_ROW: &str = "| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `text` with the first `from` replaced by `to` (which must be there).
fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in\n{text}");
    text.replacen(from, to, 1)
}

/// Replaces `from` with `to` in the file at `rel` and commits it; returns the commit id.
fn edit_commit(
    repo: &TestRepo,
    rel: &str,
    (from, to): (&str, &str),
    message: &str,
    who: (&str, &str),
    date: &str,
) -> String {
    let text = edited(&repo.read(rel), from, to);
    repo.write_commit(rel, text, message, who, date)
}

/// A fresh repository whose first commit adds `text` at `rel` (Alice, 2026-03-02); returns
/// it and the commit id.
fn repo_with_text(rel: &str, text: &str) -> (TestRepo, String) {
    let repo = TestRepo::new();
    let c = repo.write_commit(
        rel,
        text,
        "docs: add the database architecture document",
        ALICE,
        "2026-03-02T09:00:00+01:00",
    );
    (repo, c)
}

/// A fresh repository whose first commit, "Import the document" by Carol on `date`, adds
/// `text` at [`DOC`].
fn import_doc(text: &str, date: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write_commit(DOC, text, "Import the document", CAROL, date);
    repo
}

/// [`repo_with_text`] with [`BASE`].
fn repo_with_doc(rel: &str) -> (TestRepo, String) {
    repo_with_text(rel, BASE)
}

/// The row the first commit of [`repo_with_doc`] gets.
fn first_row() -> String {
    row(
        "2026-03-02",
        "Add the database architecture document",
        "Alice Example",
        "Low",
    )
}

/// One Change Log row as `dbarch` writes it.
fn row(date: &str, change: &str, author: &str, impact: &str) -> String {
    format!("| {date} | {change} | {author} | {impact} |")
}

/// Runs `dbarch ARGS` in the repository: (exit code, stdout, stderr). Never a panic.
fn run(repo: &TestRepo, args: &[&str]) -> (i32, String, String) {
    run_in(repo.path(), args)
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = crate::common::dbarch();
    cmd.current_dir(dir);
    let a = cmd.args(args).assert();
    let code = a.get_output().status.code().expect("an exit code");
    let err = stderr_of(&a);
    assert!(!err.contains("panicked"), "{err}");
    (code, stdout_of(&a), err)
}

/// `dbarch sync ARGS`, which must succeed; returns stdout.
fn sync(repo: &TestRepo, args: &[&str]) -> String {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    let (code, out, err) = run(repo, &all);
    assert_eq!(code, 0, "sync {args:?} failed:\n{out}{err}");
    out
}

/// The Change Log's body rows (after the header and delimiter), as written.
fn rows(text: &str) -> Vec<String> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("## Change Log"))
        .skip(1)
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(|l| l.trim_end_matches('\r').to_string());
    lines.next(); // header
    lines.next(); // delimiter
    lines.collect()
}

/// The value of a bold header field (`**Label:** value  `).
fn field(text: &str, label: &str) -> String {
    let prefix = format!("**{label}:** ");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {label} field in\n{text}"));
    line.trim_end().to_string()
}

/// Runs git with `who` as committer (and author, for commands that make new commits)
/// dated `date`; returns the output without judging it.
fn git_output(repo: &TestRepo, who: (&str, &str), date: &str, args: &[&str]) -> Output {
    git_command_as(repo.path(), who, who, date)
        .args(args)
        .output()
        .expect("run git")
}

/// [`git_output`], asserting success; returns stdout.
fn git_at(repo: &TestRepo, who: (&str, &str), date: &str, args: &[&str]) -> String {
    let out = git_output(repo, who, date, args);
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `sync` and commits what it wrote, as a hook in worktree mode followed by a commit
/// would (a bookkeeping commit).
fn sync_and_commit(repo: &TestRepo, who: (&str, &str), date: &str) -> String {
    sync(repo, &[]);
    repo.commit(&[DOC], "chore: sync the change log", who, date)
}

/// Moves a file in the work tree and commits the move (`git add -A` sees both paths).
fn rename_commit(
    repo: &TestRepo,
    from: &str,
    to: &str,
    message: &str,
    who: (&str, &str),
    date: &str,
) -> String {
    let to_abs = repo.abs(to);
    std::fs::create_dir_all(to_abs.parent().expect("a parent directory")).expect("mkdir");
    std::fs::rename(repo.abs(from), to_abs).expect("rename the document");
    repo.commit(&[from, to], message, who, date)
}

/// Clones `origin` with `--depth depth` into a fresh directory.
fn shallow_clone(origin: &TestRepo, depth: u32) -> TestRepo {
    let clone = TestRepo::without_git();
    let url = format!("file://{}", origin.path().display());
    let out = git_command(clone.path())
        .args(["clone", "-q", "--depth", &depth.to_string(), &url, "."])
        .output()
        .expect("run git clone");
    assert!(
        out.status.success(),
        "git clone failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        clone.git(&["rev-parse", "--is-shallow-repository"]).trim(),
        "true"
    );
    clone
}

/// Splits a table row into cells the way Markdown does (`\|` does not split).
fn cells(row: &str) -> Vec<String> {
    let inner = row
        .trim()
        .strip_prefix('|')
        .and_then(|r| r.strip_suffix('|'))
        .unwrap_or_else(|| panic!("not a table row: {row}"));
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                out.last_mut().unwrap().push_str("\\|");
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// `text` with the `[DATE]` placeholder of header field `label` replaced by `value`.
fn with_field(text: &str, label: &str, value: &str) -> String {
    let field = format!("**{label}:** ");
    edited(text, &format!("{field}[DATE]"), &format!("{field}{value}"))
}

/// [`BASE`] with both scenario edits made (Overview → [`REPLICAS`], Backup Strategy →
/// [`NIGHTLY`]), `last` and `next` in the header, and `rows` as the Change Log.
fn replicas_nightly_doc(last: &str, next: &str, rows: &[&str]) -> String {
    let text = edited(&edited(BASE, OVERVIEW, REPLICAS), BACKUP, NIGHTLY);
    let text = with_field(
        &with_field(&text, "Last Updated", last),
        "Next Review",
        next,
    );
    edited(&text, PLACEHOLDER_ROW, &rows.join("\n"))
}

/// A Change Log row with Low impact (what most scenarios' commits get).
fn low_row(date: &str, change: &str, author: &str) -> String {
    row(date, change, author, "Low")
}

/// Overview → [`REPLICAS`] in `rel`, committed as "Describe the replicas"; returns the id.
fn describe_replicas(repo: &TestRepo, rel: &str, who: (&str, &str), date: &str) -> String {
    let edit = (OVERVIEW, REPLICAS);
    edit_commit(repo, rel, edit, "Describe the replicas", who, date)
}

/// Overview → [`REPLICAS`] in `rel`, committed as "feat: add read replicas" (a Medium row).
fn add_read_replicas(repo: &TestRepo, rel: &str, who: (&str, &str), date: &str) -> String {
    let edit = (OVERVIEW, REPLICAS);
    edit_commit(repo, rel, edit, "feat: add read replicas", who, date)
}

/// Backup Strategy → [`NIGHTLY`] in `rel`, committed as "Set nightly full backups".
fn set_nightly_backups(repo: &TestRepo, rel: &str, who: (&str, &str), date: &str) -> String {
    let edit = (BACKUP, NIGHTLY);
    edit_commit(repo, rel, edit, "Set nightly full backups", who, date)
}

/// A "Two regions." line under `## Overview` in `rel`, committed as "Mention the regions".
fn mention_regions(repo: &TestRepo, rel: &str, who: (&str, &str), date: &str) -> String {
    let edit = ("## Overview\n", "## Overview\nTwo regions.\n");
    edit_commit(repo, rel, edit, "Mention the regions", who, date)
}

/// Commits a README (a file that is not the document) as "Add a README".
fn add_readme(repo: &TestRepo, who: (&str, &str), date: &str) -> String {
    repo.write_commit("README.md", "# Service\n", "Add a README", who, date)
}

/// Runs `dbarch sync` (which must succeed) and returns the document it wrote at [`DOC`].
fn sync_and_read(repo: &TestRepo) -> String {
    sync(repo, &[]);
    repo.read(DOC)
}

/// Merges `branch` into the current branch with a merge commit by `who` on `date`.
fn merge_no_ff(repo: &TestRepo, branch: &str, who: (&str, &str), date: &str) {
    let message = format!("Merge branch '{branch}'");
    git_at(
        repo,
        who,
        date,
        &["merge", "-q", "--no-ff", "-m", &message, branch],
    );
}

/// Syncs main (Alice), then on a new branch `replicas` Bob adds read replicas on
/// 2026-03-10 and syncs them; returns the id of Bob's edit. Leaves `replicas` checked out.
fn synced_replicas_branch(repo: &TestRepo) -> String {
    sync_and_commit(repo, ALICE, "2026-03-02T09:05:00+01:00");
    repo.git(&["checkout", "-q", "-b", "replicas"]);
    let edit = add_read_replicas(repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    sync_and_commit(repo, BOB, "2026-03-10T10:05:00+00:00");
    edit
}

/// Checks out `replicas` and rebases it onto main (Bob, 2026-03-13).
fn rebase_replicas_onto_main(repo: &TestRepo) {
    repo.git(&["checkout", "-q", "replicas"]);
    git_at(
        repo,
        BOB,
        "2026-03-13T08:00:00+00:00",
        &["rebase", "-q", "main"],
    );
}

/// Deletes the incremental sync state, as a fresh checkout (CI) would not have it.
fn forget_sync_state(repo: &TestRepo) {
    std::fs::remove_file(repo.abs(".git/dbarch/sync-state.json")).unwrap();
}

// ---------------------------------------------------------------------------------------
// Plain histories
// ---------------------------------------------------------------------------------------

#[test]
fn linear_edits_get_one_row_each_and_last_updated_is_the_newest() {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        "feat(db): add read replicas",
        BOB,
        "2026-04-10T14:30:00+02:00",
    );
    // 23:30 at -05:00 is already the 21st in UTC: the row keeps the commit's own day.
    set_nightly_backups(&repo, DOC, ALICE, "2026-05-20T23:30:00-05:00");

    let out = sync(&repo, &[]);
    assert_eq!(
        out.lines().next(),
        Some("docs/database-architecture.md: updated (3 rows, Last Updated [DATE] → 2026-05-20)"),
        "{out}"
    );
    let expected = replicas_nightly_doc(
        "2026-05-20",
        "[DATE]",
        &[
            "| 2026-03-02 | Add the database architecture document | Alice Example | Low |",
            "| 2026-04-10 | Add read replicas | Bob Example | Medium |",
            "| 2026-05-20 | Set nightly full backups | Alice Example | Low |",
        ],
    );
    assert_eq!(repo.read(DOC), expected);
    assert_eq!(out.lines().filter(|l| l.starts_with("  + ")).count(), 3);
}

#[test]
fn unrelated_commit_gets_no_row() {
    let (repo, _) = repo_with_doc(DOC);
    add_readme(&repo, BOB, "2026-03-05T10:00:00+00:00");
    let doc = sync_and_read(&repo);
    assert_eq!(rows(&doc), vec![first_row()]);
    assert_eq!(field(&doc, "Last Updated"), "2026-03-02");
}

// ---------------------------------------------------------------------------------------
// Renames, deletes
// ---------------------------------------------------------------------------------------

#[test]
fn pure_rename_gets_a_row_and_history_before_it_is_followed() {
    let (repo, _) = repo_with_doc("docs/db.md");
    describe_replicas(&repo, "docs/db.md", BOB, "2026-03-10T10:00:00+00:00");
    rename_commit(
        &repo,
        "docs/db.md",
        DOC,
        "Rename the architecture document",
        ALICE,
        "2026-05-01T10:00:00+01:00",
    );
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row("2026-03-10", "Describe the replicas", "Bob Example"),
            low_row(
                "2026-05-01",
                "Rename the architecture document",
                "Alice Example"
            ),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-05-01");
}

#[test]
fn case_only_rename_is_followed() {
    let old = "docs/Database-Architecture.md";
    let (repo, _) = repo_with_doc(old);
    describe_replicas(&repo, old, BOB, "2026-03-10T10:00:00+00:00");
    rename_commit(
        &repo,
        old,
        DOC,
        "Lower-case the file name",
        ALICE,
        "2026-03-11T10:00:00+01:00",
    );
    set_nightly_backups(&repo, DOC, CAROL, "2026-03-12T10:00:00+01:00");
    assert_eq!(repo.git(&["ls-files", "docs"]).trim(), DOC);
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            low_row("2026-03-10", "Describe the replicas", "Bob Example"),
            low_row("2026-03-11", "Lower-case the file name", "Alice Example"),
            low_row("2026-03-12", "Set nightly full backups", "Carol Jones"),
        ]
    );
}

#[test]
fn rename_to_a_misspelt_name_is_followed() {
    let typo = "docs/database-architecure.md";
    let (repo, _) = repo_with_doc(DOC);
    rename_commit(
        &repo,
        DOC,
        typo,
        "Move the document",
        BOB,
        "2026-03-10T10:00:00+00:00",
    );
    set_nightly_backups(&repo, typo, CAROL, "2026-03-12T10:00:00+01:00");
    let out = sync(&repo, &[]);
    assert!(
        out.starts_with(&format!("{typo}: updated (3 rows")),
        "{out}"
    );
    assert_eq!(
        rows(&repo.read(typo)),
        vec![
            first_row(),
            low_row("2026-03-10", "Move the document", "Bob Example"),
            low_row("2026-03-12", "Set nightly full backups", "Carol Jones"),
        ]
    );
}

#[test]
fn rename_in_the_same_commit_as_an_edit_gets_one_row() {
    let (repo, _) = repo_with_doc("docs/db.md");
    std::fs::remove_file(repo.abs("docs/db.md")).unwrap();
    repo.write(DOC, edited(BASE, BACKUP, NIGHTLY));
    repo.commit(
        &["docs/db.md", DOC],
        "Move the document and set nightly backups",
        BOB,
        "2026-03-10T10:00:00-03:00",
    );
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row(
                "2026-03-10",
                "Move the document and set nightly backups",
                "Bob Example"
            ),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-10");
}

/// A delete and a later add are two lives (issue 14); `previous-paths` naming the
/// document's own path says they are one document, whose whole history is kept.
#[test]
fn delete_then_re_add_keeps_the_whole_history() {
    let (repo, _) = repo_with_doc(DOC);
    repo.write_doc_config(&format!("previous-paths = [\"{DOC}\"]\n"));
    describe_replicas(&repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    let kept = repo.read(DOC);
    std::fs::remove_file(repo.abs(DOC)).unwrap();
    repo.commit(
        &[DOC],
        "Remove the architecture document",
        CAROL,
        "2026-03-11T10:00:00+00:00",
    );
    repo.write_commit(
        DOC,
        &kept,
        "Restore the architecture document",
        ALICE,
        "2026-03-12T10:00:00+01:00",
    );
    set_nightly_backups(&repo, DOC, BOB, "2026-03-13T10:00:00+00:00");
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            low_row("2026-03-10", "Describe the replicas", "Bob Example"),
            low_row(
                "2026-03-11",
                "Remove the architecture document",
                "Carol Jones"
            ),
            low_row(
                "2026-03-12",
                "Restore the architecture document",
                "Alice Example"
            ),
            low_row("2026-03-13", "Set nightly full backups", "Bob Example"),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Merges, squashes, rewritten commits
// ---------------------------------------------------------------------------------------

#[test]
fn merge_without_conflict_gets_no_row_but_both_sides_do() {
    let (repo, _) = repo_with_doc(DOC);
    repo.git(&["checkout", "-q", "-b", "backups"]);
    set_nightly_backups(&repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    describe_replicas(&repo, DOC, ALICE, "2026-03-12T09:00:00+01:00");
    merge_no_ff(&repo, "backups", ALICE, "2026-03-15T11:00:00+01:00");
    assert_eq!(
        repo.read(DOC),
        edited(&edited(BASE, BACKUP, NIGHTLY), OVERVIEW, REPLICAS)
    );
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row("2026-03-10", "Set nightly full backups", "Bob Example"),
            low_row("2026-03-12", "Describe the replicas", "Alice Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-12");
}

#[test]
fn merge_with_a_conflict_resolved_in_the_document_gets_a_row() {
    let (repo, _) = repo_with_doc(DOC);
    repo.git(&["checkout", "-q", "-b", "replicas"]);
    describe_replicas(&repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, "PostgreSQL 17 for everything transactional."),
        "Move to PostgreSQL 17",
        ALICE,
        "2026-03-12T09:00:00+01:00",
    );
    let merge = git_output(
        &repo,
        ALICE,
        "2026-03-15T11:00:00+01:00",
        &["merge", "-q", "--no-ff", "replicas"],
    );
    assert!(!merge.status.success(), "the merge should conflict");
    repo.write(
        DOC,
        edited(BASE, OVERVIEW, "PostgreSQL 17 with two streaming replicas."),
    );
    repo.git(&["add", DOC]);
    git_at(
        &repo,
        ALICE,
        "2026-03-15T11:00:00+01:00",
        &["commit", "-q", "-m", "Merge branch 'replicas'"],
    );
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row("2026-03-10", "Describe the replicas", "Bob Example"),
            low_row("2026-03-12", "Move to PostgreSQL 17", "Alice Example"),
            low_row("2026-03-15", "Merge branch 'replicas'", "Alice Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-15");
}

#[test]
fn squash_merge_of_a_branch_whose_rows_were_written_adds_no_row() {
    let (repo, _) = repo_with_doc(DOC);
    synced_replicas_branch(&repo);
    let written = rows(&repo.read(DOC));
    assert_eq!(
        written,
        vec![
            first_row(),
            row("2026-03-10", "Add read replicas", "Bob Example", "Medium"),
        ]
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--squash", "replicas"]);
    repo.commit(
        &[DOC],
        "Add read replicas (#12)",
        ALICE,
        "2026-03-14T12:00:00+01:00",
    );

    let doc = sync_and_read(&repo);
    assert_eq!(rows(&doc), written, "the squash commit documented itself");
    // The change reached main with the squash commit: that is when main's document changed.
    assert_eq!(field(&doc, "Last Updated"), "2026-03-14");
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
}

#[test]
fn rebased_commit_whose_row_was_written_is_not_doubled() {
    let (repo, _) = repo_with_doc(DOC);
    let before = synced_replicas_branch(&repo);
    // Main moves on (an edit made without the hook).
    repo.git(&["checkout", "-q", "main"]);
    set_nightly_backups(&repo, DOC, ALICE, "2026-03-12T09:00:00+01:00");
    rebase_replicas_onto_main(&repo);
    let after = repo.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    assert_ne!(before, after, "the rebase rewrote the commit");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an %ai", "HEAD~1"])
            .trim(),
        "Bob Example 2026-03-10 10:00:00 +0000",
        "the rebase kept the author date"
    );

    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            row("2026-03-10", "Add read replicas", "Bob Example", "Medium"),
            low_row("2026-03-12", "Set nightly full backups", "Alice Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-12");
}

#[test]
fn amended_commit_whose_row_was_written_is_not_doubled() {
    let (repo, _) = repo_with_doc(DOC);
    sync_and_commit(&repo, ALICE, "2026-03-02T09:05:00+01:00");
    let typo = "PostgreSQL 16 with two streaming replcias.";
    let before = edit_commit(
        &repo,
        DOC,
        (OVERVIEW, typo),
        "feat: add read replicas",
        BOB,
        "2026-03-10T10:00:00+00:00",
    );
    let synced = sync_and_read(&repo);
    // Fix the typo in the commit (amend), leaving the row in the work tree.
    let committed = repo.git(&["show", &format!("HEAD:{DOC}")]);
    repo.write(DOC, edited(&committed, typo, REPLICAS));
    repo.git(&["add", DOC]);
    git_at(
        &repo,
        BOB,
        "2026-03-10T10:30:00+00:00",
        &["commit", "-q", "--amend", "--no-edit"],
    );
    assert_ne!(repo.head(), before);
    let worktree = edited(&synced, typo, REPLICAS);
    repo.write(DOC, &worktree);

    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), worktree);
    assert_eq!(
        rows(&worktree),
        vec![
            first_row(),
            row("2026-03-10", "Add read replicas", "Bob Example", "Medium"),
        ]
    );
}

#[test]
fn cherry_picked_commit_whose_row_was_written_is_not_doubled() {
    let (repo, _) = repo_with_doc(DOC);
    sync_and_commit(&repo, ALICE, "2026-03-02T09:05:00+01:00");
    repo.git(&["checkout", "-q", "-b", "hotfix"]);
    let fix = set_nightly_backups(&repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    let fix_rows = sync_and_commit(&repo, BOB, "2026-03-10T10:05:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    add_readme(&repo, ALICE, "2026-03-11T10:00:00+01:00");
    git_at(
        &repo,
        ALICE,
        "2026-03-12T10:00:00+01:00",
        &["cherry-pick", "-x", &fix, &fix_rows],
    );
    let picked = repo.read(DOC);
    assert_eq!(
        rows(&picked),
        vec![
            first_row(),
            low_row("2026-03-10", "Set nightly full backups", "Bob Example"),
        ]
    );
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), picked);
}

// ---------------------------------------------------------------------------------------
// Who
// ---------------------------------------------------------------------------------------

#[test]
fn two_co_authored_by_trailers_join_the_author_cell() {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        "Describe the replicas\n\n\
         Co-authored-by: Bob Example <bob@example.com>\n\
         Co-authored-by: Carol Jones <carol@example.com>\n",
        ALICE,
        "2026-03-10T10:00:00+00:00",
    );
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            low_row(
                "2026-03-10",
                "Describe the replicas",
                "Alice Example, Bob Example, Carol Jones"
            ),
        ]
    );
}

#[test]
fn author_not_committer_is_the_author() {
    let repo = TestRepo::new();
    repo.write(DOC, BASE);
    // As the GitHub web editor commits: the user authors, GitHub commits.
    repo.commit_as(
        &[DOC],
        "Add the database architecture document",
        ALICE,
        ("GitHub", "noreply@github.com"),
        "2026-03-02T09:00:00+01:00",
    );
    assert_eq!(rows(&sync_and_read(&repo)), vec![first_row()]);
}

#[test]
fn mailmap_maps_an_old_email_to_the_canonical_name() {
    let repo = TestRepo::new();
    repo.write(
        ".mailmap",
        "Alice Example <alice@example.com> <alice@old-laptop.local>\n",
    );
    repo.write(DOC, BASE);
    repo.commit(
        &[".mailmap", DOC],
        "Add the database architecture document",
        ("alice", "alice@old-laptop.local"),
        "2026-03-02T09:00:00+01:00",
    );
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        "Describe the replicas\n\nCo-authored-by: alice <alice@old-laptop.local>\n\
         Co-authored-by: Bob <bob@example.com>\n",
        CAROL,
        "2026-03-10T10:00:00+00:00",
    );
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            low_row(
                "2026-03-10",
                "Describe the replicas",
                "Carol Jones, Alice Example, Bob"
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Commits that get no row
// ---------------------------------------------------------------------------------------

#[test]
fn commit_that_only_touched_the_change_log_and_header_is_bookkeeping() {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        ("**Next Review:** [DATE]", "**Next Review:** 2026-06-01"),
        "Set the next review date",
        BOB,
        "2026-03-05T10:00:00+00:00",
    );
    let hand = low_row("2026-01-15", "Import from the wiki", "Carol Jones");
    edit_commit(
        &repo,
        DOC,
        (PLACEHOLDER_ROW, &hand),
        "Record the wiki import",
        CAROL,
        "2026-03-06T10:00:00+00:00",
    );
    let out = sync(&repo, &[]);
    assert!(out.contains("(1 row, "), "{out}");
    let doc = repo.read(DOC);
    assert_eq!(rows(&doc), vec![hand, first_row()]);
    assert_eq!(field(&doc, "Last Updated"), "2026-03-02");
    assert_eq!(field(&doc, "Next Review"), "2026-06-01");
}

/// Base, then a whitespace-only edit of the Overview by Bob on 2026-03-10.
fn whitespace_history() -> TestRepo {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, "PostgreSQL 16  for everything\ntransactional.   "),
        "Reflow the overview",
        BOB,
        "2026-03-10T10:00:00+00:00",
    );
    repo
}

#[test]
fn whitespace_only_commit_is_skipped_when_configured() {
    let repo = whitespace_history();
    repo.write("dbarch.toml", "[changelog]\nskip-whitespace-only = true\n");
    let doc = sync_and_read(&repo);
    assert_eq!(rows(&doc), vec![first_row()]);
    assert_eq!(field(&doc, "Last Updated"), "2026-03-02");
}

#[test]
fn whitespace_only_commit_gets_a_row_by_default() {
    let repo = whitespace_history();
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row("2026-03-10", "Reflow the overview", "Bob Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-10");
}

/// Base, then an Overview edit by Bob on 2026-03-10 with `message`, synced; returns the
/// document's rows and its Last Updated.
fn skipped_by(message: &str, who: (&str, &str)) -> (Vec<String>, String) {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        message,
        who,
        "2026-03-10T10:00:00+00:00",
    );
    let doc = sync_and_read(&repo);
    (rows(&doc), field(&doc, "Last Updated"))
}

#[test]
fn skip_changelog_in_the_message_gets_no_row() {
    let (rows, last) = skipped_by("Fix a typo [skip changelog]", BOB);
    assert_eq!(rows, vec![first_row()]);
    assert_eq!(last, "2026-03-02");
}

#[test]
fn changelog_skip_trailer_gets_no_row() {
    let (rows, last) = skipped_by("Fix a typo\n\nChangelog: skip\n", BOB);
    assert_eq!(rows, vec![first_row()]);
    assert_eq!(last, "2026-03-02");
}

#[test]
fn commit_in_the_ignore_revs_file_gets_no_row() {
    let (repo, _) = repo_with_doc(DOC);
    let reflow = edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        "Reformat the overview",
        BOB,
        "2026-03-10T10:00:00+00:00",
    );
    set_nightly_backups(&repo, DOC, CAROL, "2026-03-11T10:00:00+00:00");
    repo.write(
        ".git-blame-ignore-revs",
        format!("# mass reformat\n{reflow}\n"),
    );
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            low_row("2026-03-11", "Set nightly full backups", "Carol Jones"),
        ]
    );
}

#[test]
fn bot_author_gets_no_row() {
    let (rows, last) = skipped_by(
        "Bump the pinned PostgreSQL version",
        (
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        ),
    );
    assert_eq!(rows, vec![first_row()]);
    assert_eq!(last, "2026-03-02");
}

// ---------------------------------------------------------------------------------------
// Impact, dates, order
// ---------------------------------------------------------------------------------------

#[test]
fn impact_trailer_wins() {
    let (rows, _) = skipped_by("docs: move backups to pgBackRest\n\nImpact: High\n", BOB);
    assert_eq!(
        rows,
        vec![
            first_row(),
            row(
                "2026-03-10",
                "Move backups to pgBackRest",
                "Bob Example",
                "High"
            ),
        ]
    );
}

#[test]
fn impact_rules_by_section_and_by_path() {
    let (repo, _) = repo_with_doc(DOC);
    repo.write(
        "dbarch.toml",
        "[[changelog.impact-rules]]\n\
         section = \"Backup Strategy\"\n\
         impact = \"High\"\n\
         \n\
         [[changelog.impact-rules]]\n\
         path = \"migrations/**\"\n\
         impact = \"Critical\"\n",
    );
    set_nightly_backups(&repo, DOC, BOB, "2026-03-10T10:00:00+00:00");
    repo.write(
        "migrations/0001_accounts.sql",
        "create table account (id bigint primary key);\n",
    );
    repo.write(DOC, edited(&repo.read(DOC), OVERVIEW, REPLICAS));
    repo.commit(
        &[DOC, "migrations/0001_accounts.sql"],
        "Add the accounts table",
        ALICE,
        "2026-03-11T10:00:00+01:00",
    );
    mention_regions(&repo, DOC, CAROL, "2026-03-12T10:00:00+00:00");
    assert_eq!(
        rows(&sync_and_read(&repo)),
        vec![
            first_row(),
            row(
                "2026-03-10",
                "Set nightly full backups",
                "Bob Example",
                "High"
            ),
            row(
                "2026-03-11",
                "Add the accounts table",
                "Alice Example",
                "Critical"
            ),
            low_row("2026-03-12", "Mention the regions", "Carol Jones"),
        ]
    );
}

#[test]
fn named_timezone_moves_dates_across_midnight() {
    /// Tokyo just after midnight is the previous day in Lisbon; New York just before
    /// midnight is the next day in Lisbon (summer time, UTC+1).
    fn history() -> TestRepo {
        let repo = TestRepo::new();
        repo.write_commit(
            DOC,
            BASE,
            "Add the database architecture document",
            ALICE,
            "2026-01-10T00:30:00+09:00",
        );
        describe_replicas(&repo, DOC, BOB, "2026-07-14T23:30:00-04:00");
        repo
    }
    let own = history();
    let doc = sync_and_read(&own);
    assert_eq!(
        rows(&doc),
        vec![
            low_row(
                "2026-01-10",
                "Add the database architecture document",
                "Alice Example"
            ),
            low_row("2026-07-14", "Describe the replicas", "Bob Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-07-14");

    let lisbon = history();
    lisbon.write("dbarch.toml", "[changelog]\ntimezone = \"Europe/Lisbon\"\n");
    let doc = sync_and_read(&lisbon);
    assert_eq!(
        rows(&doc),
        vec![
            low_row(
                "2026-01-09",
                "Add the database architecture document",
                "Alice Example"
            ),
            low_row("2026-07-15", "Describe the replicas", "Bob Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-07-15");

    // The flag does the same as the configuration.
    let flag = history();
    sync(&flag, &["--timezone", "Europe/Lisbon"]);
    assert_eq!(flag.read(DOC), doc);
}

#[test]
fn newest_first_table_gets_new_rows_on_top() {
    let older = low_row("2026-01-05", "First hand-written row", "Carol Jones");
    let newer = low_row("2026-02-10", "Second hand-written row", "Carol Jones");
    let doc = edited(BASE, PLACEHOLDER_ROW, &format!("{newer}\n{older}"));
    let repo = import_doc(&doc, "2026-03-01T10:00:00+00:00");
    describe_replicas(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    set_nightly_backups(&repo, DOC, ALICE, "2026-04-01T10:00:00+02:00");
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            low_row("2026-04-01", "Set nightly full backups", "Alice Example"),
            low_row("2026-03-05", "Describe the replicas", "Bob Example"),
            newer,
            older,
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-04-01");
}

#[test]
fn month_year_table_gets_month_year_dates() {
    let hand = low_row(
        "October 2026",
        "Describe the primary cluster",
        "Carol Jones",
    );
    let header = with_field(BASE, "Last Updated", "October 2026");
    let header = with_field(&header, "Next Review", "January 2027");
    let doc = edited(&header, PLACEHOLDER_ROW, &hand);
    let repo = import_doc(&doc, "2026-10-20T10:00:00+00:00");
    describe_replicas(&repo, DOC, BOB, "2026-11-03T10:00:00+00:00");
    set_nightly_backups(&repo, DOC, ALICE, "2026-11-20T10:00:00+01:00");
    let doc = sync_and_read(&repo);
    assert_eq!(
        rows(&doc),
        vec![
            hand,
            low_row("November 2026", "Describe the replicas", "Bob Example"),
            low_row("November 2026", "Set nightly full backups", "Alice Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "November 2026");
    assert_eq!(field(&doc, "Next Review"), "January 2027");
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
}

// ---------------------------------------------------------------------------------------
// Shallow clones
// ---------------------------------------------------------------------------------------

#[test]
fn shallow_clone_cut_before_anything_recorded_fails_and_names_the_fix() {
    let (origin, _) = repo_with_doc(DOC);
    describe_replicas(&origin, DOC, BOB, "2026-03-05T10:00:00+00:00");
    set_nightly_backups(&origin, DOC, CAROL, "2026-03-10T10:00:00+00:00");
    mention_regions(&origin, DOC, ALICE, "2026-03-12T10:00:00+01:00");
    let clone = shallow_clone(&origin, 2);
    let before = clone.read_bytes(DOC);
    let (code, out, err) = run(&clone, &["sync"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
    assert!(err.contains("git fetch --unshallow"), "{err}");
    assert_eq!(clone.read_bytes(DOC), before, "nothing written");
    let (code, _, err) = run(&clone, &["sync", "--check"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn shallow_clone_holding_the_last_recorded_commit_adds_only_newer_rows() {
    let (origin, _) = repo_with_doc(DOC);
    describe_replicas(&origin, DOC, BOB, "2026-03-05T10:00:00+00:00");
    sync_and_commit(&origin, BOB, "2026-03-05T12:00:00+00:00");
    set_nightly_backups(&origin, DOC, CAROL, "2026-03-10T10:00:00+00:00");
    mention_regions(&origin, DOC, ALICE, "2026-03-12T10:00:00+01:00");
    // Kept: "Describe the replicas" (the boundary) and everything after it.
    let clone = shallow_clone(&origin, 4);
    let doc = sync_and_read(&clone);
    assert_eq!(
        rows(&doc),
        vec![
            first_row(),
            low_row("2026-03-05", "Describe the replicas", "Bob Example"),
            low_row("2026-03-10", "Set nightly full backups", "Carol Jones"),
            low_row("2026-03-12", "Mention the regions", "Alice Example"),
        ]
    );
    assert_eq!(field(&doc, "Last Updated"), "2026-03-12");
    assert_eq!(sync(&clone, &[]), UP_TO_DATE);
}

// ---------------------------------------------------------------------------------------
// Several documents; running twice; --check, --dry-run, --format json
// ---------------------------------------------------------------------------------------

#[test]
fn two_managed_documents_each_get_their_own_rows() {
    let backend_path = "docs/backend-architecture.md";
    let backend = "# Backend Architecture\n\
\n\
**Last Updated:** [DATE]  \n\
**Reviewed By:** API Team  \n\
**Next Review:** [DATE]  \n\
\n\
## Services\n\
One Rust service.\n\
\n\
## Change Log\n\
| Date | Change | Author | Impact |\n\
|------|--------|--------|--------|\n\
| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n";
    let repo = TestRepo::new();
    repo.write(
        "dbarch.toml",
        format!("[[docs]]\npath = \"{DOC}\"\n\n[[docs]]\npath = \"{backend_path}\"\n"),
    );
    repo.write(DOC, BASE);
    repo.write(backend_path, backend);
    repo.commit(
        &["dbarch.toml", DOC, backend_path],
        "Add the architecture documents",
        ALICE,
        "2026-03-02T09:00:00+01:00",
    );
    describe_replicas(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    edit_commit(
        &repo,
        backend_path,
        ("One Rust service.", "Two Rust services."),
        "Split the service",
        CAROL,
        "2026-03-07T10:00:00+00:00",
    );
    let out = sync(&repo, &[]);
    assert!(out.contains(&format!("{DOC}: updated (2 rows")), "{out}");
    assert!(
        out.contains(&format!("{backend_path}: updated (2 rows")),
        "{out}"
    );
    let first = low_row(
        "2026-03-02",
        "Add the architecture documents",
        "Alice Example",
    );
    let db = repo.read(DOC);
    assert_eq!(
        rows(&db),
        vec![
            first.clone(),
            low_row("2026-03-05", "Describe the replicas", "Bob Example"),
        ]
    );
    assert_eq!(field(&db, "Last Updated"), "2026-03-05");
    let be = repo.read(backend_path);
    assert_eq!(
        rows(&be),
        vec![
            first,
            low_row("2026-03-07", "Split the service", "Carol Jones"),
        ]
    );
    assert_eq!(field(&be, "Last Updated"), "2026-03-07");
}

/// Base, then an Overview edit by Bob on 2026-03-05.
fn two_commits() -> TestRepo {
    let (repo, _) = repo_with_doc(DOC);
    add_read_replicas(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    repo
}

fn two_commits_rows() -> Vec<String> {
    vec![
        first_row(),
        row("2026-03-05", "Add read replicas", "Bob Example", "Medium"),
    ]
}

#[test]
fn second_sync_changes_no_byte_and_says_up_to_date() {
    let repo = two_commits();
    sync(&repo, &[]);
    let once = repo.read_bytes(DOC);
    assert_eq!(rows(&String::from_utf8_lossy(&once)), two_commits_rows());
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read_bytes(DOC), once);
}

#[test]
fn check_exits_1_when_out_of_date_and_0_after_sync_writing_nothing() {
    let repo = two_commits();
    let before = repo.read_bytes(DOC);
    let (code, out, err) = run(&repo, &["sync", "--check"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with(
            "docs/database-architecture.md: out of date (2 rows, Last Updated [DATE] → 2026-03-05)\n"
        ),
        "{out}"
    );
    assert_eq!(repo.read_bytes(DOC), before, "--check writes nothing");
    sync(&repo, &[]);
    let after = repo.read_bytes(DOC);
    let (code, out, err) = run(&repo, &["sync", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, UP_TO_DATE);
    assert_eq!(repo.read_bytes(DOC), after);
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let repo = two_commits();
    let before = repo.read_bytes(DOC);
    let out = sync(&repo, &["--dry-run"]);
    assert_eq!(repo.read_bytes(DOC), before, "--dry-run writes nothing");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "--- a/docs/database-architecture.md");
    assert_eq!(lines[1], "+++ b/docs/database-architecture.md");
    let changed: Vec<&str> = lines[2..]
        .iter()
        .copied()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("@@"))
        .collect();
    assert_eq!(
        changed,
        vec![
            "-**Last Updated:** [DATE]  ",
            "+**Last Updated:** 2026-03-05  ",
            "-| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |",
            "+| 2026-03-02 | Add the database architecture document | Alice Example | Low |",
            "+| 2026-03-05 | Add read replicas | Bob Example | Medium |",
        ]
    );
}

#[test]
fn json_lists_the_rows_with_their_commit_ids() {
    let (repo, first) = repo_with_doc(DOC);
    let second = add_read_replicas(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    let out = sync(&repo, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let expected = serde_json::json!({
        "documents": [{
            "path": DOC,
            "changed": true,
            "rows": [
                {
                    "commit": first,
                    "date": "2026-03-02",
                    "change": "Add the database architecture document",
                    "author": "Alice Example",
                    "impact": "Low"
                },
                {
                    "commit": second,
                    "date": "2026-03-05",
                    "change": "Add read replicas",
                    "author": "Bob Example",
                    "impact": "Medium"
                }
            ],
            "last_updated": {"old": "[DATE]", "new": "2026-03-05"}
        }]
    });
    assert_eq!(v, expected);
    assert_eq!(rows(&repo.read(DOC)), two_commits_rows());
    let again: serde_json::Value =
        serde_json::from_str(&sync(&repo, &["--format", "json"])).expect("valid JSON");
    assert_eq!(again["documents"][0]["changed"], false);
    assert_eq!(again["documents"][0]["rows"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------------------
// Hostile input, line endings, adopt
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_commit_message_yields_one_well_formed_row() {
    let (repo, _) = repo_with_doc(DOC);
    let mut subject = String::from(
        "Pipe `pg_dump | gzip` into <script>alert(1)</script> and \x1b[31mred\x1b[0m text",
    );
    while subject.chars().count() < 500 {
        subject.push_str(" and more words");
    }
    let subject: String = subject.chars().take(500).collect();
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        &subject,
        BOB,
        "2026-03-05T10:00:00+00:00",
    );
    let out = sync(&repo, &[]);
    assert!(!out.contains('\x1b'), "{out:?}");
    let bytes = repo.read_bytes(DOC);
    assert!(!bytes.contains(&0x1b), "no ESC byte in the document");
    let doc = repo.read(DOC);
    let rows = rows(&doc);
    assert_eq!(rows.len(), 2, "{doc}");
    assert_eq!(rows[0], first_row());
    let c = cells(&rows[1]);
    assert_eq!(c.len(), 4, "{:?}", rows[1]);
    assert_eq!(c[0], "2026-03-05");
    assert_eq!(c[2], "Bob Example");
    assert_eq!(c[3], "Low");
    let change = &c[1];
    assert!(
        change.starts_with(
            "Pipe `pg_dump \\| gzip` into &lt;script&gt;alert(1)&lt;/script&gt; and red text and more words"
        ),
        "{change}"
    );
    assert!(change.ends_with('…'), "{change}");
    // Cut at max-cell-width (120 characters of text) before escaping.
    let plain = change
        .replace("\\|", "|")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    assert!(plain.chars().count() <= 120, "{}", plain.chars().count());
    assert!(plain.chars().count() >= 110, "{}", plain.chars().count());
    assert_eq!(sync(&repo, &[]), UP_TO_DATE, "the cut row still records it");
}

#[test]
fn crlf_document_with_bom_keeps_both_and_only_expected_lines_change() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let original = format!("\u{feff}{}", crlf(BASE));
    let repo = TestRepo::new();
    repo.write_commit(
        DOC,
        &original,
        "Add the database architecture document",
        ALICE,
        "2026-03-02T09:00:00+01:00",
    );
    let edited_doc = edited(&original, OVERVIEW, REPLICAS);
    repo.write_commit(
        DOC,
        &edited_doc,
        "feat: add read replicas",
        BOB,
        "2026-03-05T10:00:00+00:00",
    );
    sync(&repo, &[]);
    let expected = edited(
        &with_field(&edited_doc, "Last Updated", "2026-03-05"),
        PLACEHOLDER_ROW,
        &format!(
            "{}\r\n{}",
            first_row(),
            row("2026-03-05", "Add read replicas", "Bob Example", "Medium")
        ),
    );
    let got = repo.read_bytes(DOC);
    assert!(got.starts_with("\u{feff}".as_bytes()), "BOM kept");
    assert_eq!(String::from_utf8(got).unwrap(), expected);
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
}

#[test]
fn adopt_adds_header_and_backfills_rows_across_a_rename() {
    let old = "docs/db-notes.md";
    let plain = "# Database Architecture\n\
\n\
## Overview\n\
PostgreSQL 16 for everything transactional.\n\
\n\
## Backup Strategy\n\
- **Full Backups:** [SCHEDULE]\n";
    let repo = TestRepo::new();
    repo.write_commit(
        old,
        plain,
        "Write down the database notes",
        ALICE,
        "2026-06-01T09:00:00+01:00",
    );
    std::fs::remove_file(repo.abs(old)).unwrap();
    repo.write(DOC, edited(plain, OVERVIEW, REPLICAS));
    repo.commit(
        &[old, DOC],
        "Move the notes and describe the replicas",
        BOB,
        "2026-07-01T10:00:00+00:00",
    );
    set_nightly_backups(&repo, DOC, CAROL, "2026-09-15T10:00:00-07:00");

    let (code, out, err) = run(&repo, &["adopt", DOC, "--reviewer", "DBA Team"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "docs/database-architecture.md: adopted (3 header fields added, 3 Change Log rows backfilled)\n\
         Next Review 2027-02-24 (today + 90d; `--next-review DATE` sets another)\n"
    );
    // The review cycle starts at the adoption (today + 90d), not at the last change.
    let expected = replicas_nightly_doc(
        "2026-09-15",
        "2027-02-24",
        &[
            "| 2026-06-01 | Write down the database notes | Alice Example | Low |",
            "| 2026-07-01 | Move the notes and describe the replicas | Bob Example | Low |",
            "| 2026-09-15 | Set nightly full backups | Carol Jones | Low |",
        ],
    );
    assert_eq!(repo.read(DOC), expected);

    let (code, out, err) = run(&repo, &["adopt", DOC]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        "docs/database-architecture.md: already managed, nothing to add\n"
    );
    assert_eq!(repo.read(DOC), expected);
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), expected);
}

// ---------------------------------------------------------------------------------------
// A Commit column; incremental runs
// ---------------------------------------------------------------------------------------

/// [`BASE`] with a fifth column, `Commit`.
fn base_with_commit_column() -> String {
    edited(
        &edited(
            BASE,
            "| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n",
            "| Date | Change | Author | Impact | Commit |\n|------|--------|--------|--------|--------|\n",
        ),
        PLACEHOLDER_ROW,
        "| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] | [COMMIT] |",
    )
}

#[test]
fn commit_column_gets_short_ids_and_json_keeps_full_ids() {
    let (repo, first) = repo_with_text(DOC, &base_with_commit_column());
    let second = add_read_replicas(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    let out = sync(&repo, &["--format", "json"]);
    assert_eq!(
        rows(&repo.read(DOC)),
        vec![
            format!(
                "| 2026-03-02 | Add the database architecture document | Alice Example | Low | {} |",
                &first[..7]
            ),
            format!(
                "| 2026-03-05 | Add read replicas | Bob Example | Medium | {} |",
                &second[..7]
            ),
        ]
    );
    // Each row object has one `commit` key: the full id the README documents.
    assert_eq!(out.matches("\"commit\"").count(), 2, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let ids: Vec<&str> = v["documents"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["commit"].as_str().expect("a commit id"))
        .collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str()]);
}

#[test]
fn rebased_commit_with_a_commit_column_is_not_doubled() {
    let (repo, _) = repo_with_text(DOC, &base_with_commit_column());
    let before = synced_replicas_branch(&repo);
    repo.git(&["checkout", "-q", "main"]);
    add_readme(&repo, ALICE, "2026-03-12T09:00:00+01:00");
    rebase_replicas_onto_main(&repo);
    assert_ne!(repo.git(&["rev-parse", "HEAD~1"]).trim(), before);
    let rebased = repo.read(DOC);
    assert_eq!(rows(&rebased).len(), 2, "{rebased}");
    assert!(rows(&rebased)[1].ends_with(&format!("| {} |", &before[..7])));
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), rebased);
}

#[test]
fn incremental_sync_after_merging_an_older_branch_adds_its_rows() {
    let (repo, _) = repo_with_doc(DOC);
    repo.git(&["checkout", "-q", "-b", "backups"]);
    set_nightly_backups(&repo, DOC, BOB, "2026-03-05T10:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    describe_replicas(&repo, DOC, ALICE, "2026-03-10T09:00:00+01:00");
    // Synced on main (the sync state now points at main's tip), then the branch lands.
    sync_and_commit(&repo, ALICE, "2026-03-10T09:05:00+01:00");
    assert!(repo.exists(".git/dbarch/sync-state.json"));
    merge_no_ff(&repo, "backups", ALICE, "2026-03-12T11:00:00+01:00");
    // The branch's older row goes where its date puts it, before main's newer one.
    let expected = vec![
        first_row(),
        low_row("2026-03-05", "Set nightly full backups", "Bob Example"),
        low_row("2026-03-10", "Describe the replicas", "Alice Example"),
    ];
    let incremental = sync_and_read(&repo);
    assert_eq!(rows(&incremental), expected);
    assert_eq!(field(&incremental, "Last Updated"), "2026-03-10");

    // A full walk (no state) agrees.
    forget_sync_state(&repo);
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), incremental);
}

// ---------------------------------------------------------------------------------------
// Rule 1 (date + author + text) edge cases
// ---------------------------------------------------------------------------------------

#[test]
fn two_same_day_commits_with_the_same_subject_get_two_rows() {
    let (repo, _) = repo_with_doc(DOC);
    edit_commit(
        &repo,
        DOC,
        (OVERVIEW, REPLICAS),
        "Fix a typo",
        BOB,
        "2026-03-10T10:00:00+00:00",
    );
    edit_commit(
        &repo,
        DOC,
        (BACKUP, NIGHTLY),
        "Fix a typo",
        BOB,
        "2026-03-10T15:00:00+00:00",
    );
    sync(&repo, &[]);
    let fix = low_row("2026-03-10", "Fix a typo", "Bob Example");
    assert_eq!(rows(&repo.read(DOC)), vec![first_row(), fix.clone(), fix]);
}

#[test]
fn mailmap_added_after_rows_were_written_does_not_double_them() {
    let repo = TestRepo::new();
    repo.write_commit(
        DOC,
        BASE,
        "Add the database architecture document",
        ("alice", "alice@old-laptop.local"),
        "2026-03-02T09:00:00+01:00",
    );
    sync_and_commit(&repo, BOB, "2026-03-02T10:00:00+01:00");
    let written = repo.read(DOC);
    assert_eq!(
        rows(&written),
        vec![low_row(
            "2026-03-02",
            "Add the database architecture document",
            "alice"
        )]
    );
    repo.write_commit(
        ".mailmap",
        "Alice Example <alice@example.com> <alice@old-laptop.local>\n",
        "Map Alice's old address",
        BOB,
        "2026-03-03T10:00:00+01:00",
    );
    // A fresh checkout (CI) has no sync state: a full walk.
    forget_sync_state(&repo);
    assert_eq!(sync(&repo, &[]), UP_TO_DATE);
    assert_eq!(repo.read(DOC), written);
}
