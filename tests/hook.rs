//! The git post-commit hook, end to end: `dbarch hooks install` in a throwaway
//! repository, then real commits with the git CLI (the hook script runs the binary under
//! test, whose absolute path `install` records in the script).
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, filled_doc, git_command, git_command_as, TestRepo, ALICE, BOB, DOC};

const DAY1: &str = "2026-11-20T10:00:00+00:00";
const DAY2: &str = "2026-11-24T09:30:00+00:00";
const DAY3: &str = "2026-11-25T14:00:00+00:00";

/// Turns on the hook's explanations of why it did nothing.
const VERBOSE: (&str, &str) = ("DBARCH_HOOK_VERBOSE", "1");

/// The filled document, committed by Alice on 2026-11-20 (its one row records that
/// commit), with the hook installed afterwards.
fn setup() -> TestRepo {
    let repo = TestRepo::new();
    commit_filled_doc(&repo);
    hooks(&repo, "install");
    repo
}

/// Commits the filled document as Alice on [`DAY1`] ("First version", its one row).
fn commit_filled_doc(repo: &TestRepo) {
    repo.write_commit(DOC, filled_doc(), "First version", ALICE, DAY1);
}

/// Runs `dbarch hooks SUBCOMMAND`, which must succeed; returns its stdout.
fn hooks(repo: &TestRepo, subcommand: &str) -> String {
    let a = repo.dbarch().args(["hooks", subcommand]).assert().success();
    common::stdout_of(&a)
}

/// `git <args>` with extra environment; returns the whole output (not asserted).
fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = git_command(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run git")
}

/// [`git_env`], asserting success; returns git's stderr (where hook output goes).
fn git_ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = git_env(dir, args, env);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    err
}

/// Commits everything staged plus `files` as `author` on `date`, with `env`; asserts
/// success and returns git's stderr (where hook output goes).
fn commit_with(
    repo: &TestRepo,
    files: &[&str],
    message: &str,
    author: (&str, &str),
    date: &str,
    env: &[(&str, &str)],
) -> String {
    if !files.is_empty() {
        let mut args = vec!["add", "--"];
        args.extend_from_slice(files);
        repo.git(&args);
    }
    let mut cmd = git_command_as(repo.path(), author, author, date);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["commit", "-q", "-m", message])
        .stdin(Stdio::null())
        .output()
        .expect("run git");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "git commit failed: {}\n{stderr}",
        out.status
    );
    stderr
}

fn edit(repo: &TestRepo, from: &str, to: &str) {
    let text = repo.read(DOC);
    assert!(text.contains(from), "{from:?} not in the document");
    repo.write(DOC, text.replacen(from, to, 1));
}

/// Change Log rows (lines of the table after the delimiter) of `text`.
fn rows(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_log = false;
    let mut past_delimiter = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_log = line.trim() == "## Change Log";
            past_delimiter = false;
            continue;
        }
        if in_log && line.starts_with('|') {
            if line.starts_with("|--") || line.starts_with("|-") {
                past_delimiter = true;
            } else if past_delimiter {
                out.push(line.to_string());
            }
        }
    }
    out
}

/// The document at [`DOC`] as HEAD of the checkout in `dir` has it.
fn committed_doc(dir: &Path) -> String {
    common::run_git(dir, &["show", &format!("HEAD:{DOC}")])
}

/// `git status --porcelain`, without the `.gitattributes` that `hooks install` writes
/// for the merge driver (tests/teams.rs covers it).
fn status_of(dir: &Path) -> String {
    common::run_git(dir, &["status", "--porcelain"])
        .lines()
        .filter(|l| *l != "?? .gitattributes")
        .map(|l| format!("{l}\n"))
        .collect()
}

fn reflog(dir: &Path) -> String {
    common::run_git(dir, &["reflog", "--format=%gs"])
}

fn sync_check(dir: &Path) {
    let a = common::dbarch()
        .current_dir(dir)
        .args(["sync", "--check"])
        .assert();
    let out = a.get_output();
    assert!(
        out.status.success(),
        "sync --check in {} found work:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const OVERVIEW: &str = "PostgreSQL 16 for everything transactional.";
const BACKUP: &str = "- **Full Backups:** nightly";
const REFERENCE: &str = "- [Backend Architecture](backend.md)";

/// Overview → "PostgreSQL 16 for OLTP.", committed as Bob on [`DAY2`] ("Describe OLTP")
/// with `env`; returns the hook's output.
fn describe_oltp(repo: &TestRepo, env: &[(&str, &str)]) -> String {
    edit(repo, OVERVIEW, "PostgreSQL 16 for OLTP.");
    commit_with(repo, &[DOC], "Describe OLTP", BOB, DAY2, env)
}

/// Backup Strategy → hourly, committed as `who` on [`DAY3`] ("Back up hourly") with `env`;
/// returns the hook's output.
fn back_up_hourly(repo: &TestRepo, who: (&str, &str), env: &[(&str, &str)]) -> String {
    edit(repo, BACKUP, "- **Full Backups:** hourly");
    commit_with(repo, &[DOC], "Back up hourly", who, DAY3, env)
}

#[test]
fn amend_records_a_doc_edit_in_the_same_commit() {
    let repo = setup();
    let before = repo.head();
    edit(
        &repo,
        OVERVIEW,
        "PostgreSQL 16 for everything transactional; Redis for sessions.",
    );
    let err = commit_with(
        &repo,
        &[DOC],
        "feat(db): add Redis for sessions",
        BOB,
        DAY2,
        &[],
    );
    let head = repo.head();
    // One commit on top of the first: the row joined it.
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]).trim(), before);
    let committed = committed_doc(repo.path());
    assert_eq!(
        rows(&committed),
        vec![
            "| 2026-11-20 | First version | Alice Example | Low |",
            "| 2026-11-24 | Add Redis for sessions | Bob Example | Medium |",
        ]
    );
    assert!(committed.contains("**Last Updated:** 2026-11-24  \n"));
    assert!(committed.contains("Redis for sessions."));
    // Author, committer and message are HEAD's own.
    assert_eq!(
        repo.git(&["log", "-1", "--format=%an|%ae|%aI|%cn|%cI|%B"]).trim_end(),
        "Bob Example|bob@example.com|2026-11-24T09:30:00Z|Bob Example|2026-11-24T09:30:00Z|feat(db): add Redis for sessions"
    );
    // The working tree and the index match the amended commit.
    assert_eq!(repo.read(DOC), committed);
    assert_eq!(status_of(repo.path()), "");
    assert_eq!(repo.git(&["diff-files", "--name-only"]), "");
    // One line names the document and the new commit id.
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(DOC), "{err}");
    assert!(lines[0].contains(&head[..7]), "{err}");
    assert!(reflog(repo.path()).contains("commit (amend)"));
    // The commit records itself: sync has nothing to add.
    sync_check(repo.path());
}

#[test]
fn unrelated_commit_is_left_alone() {
    let repo = setup();
    let doc_before = repo.read(DOC);
    repo.write("src/app.rs", "fn main() {}\n");
    let err = commit_with(&repo, &["src/app.rs"], "Add the app", BOB, DAY2, &[VERBOSE]);
    assert!(
        err.contains("nothing to do: the commit changed no Markdown file"),
        "{err}"
    );
    assert!(!reflog(repo.path()).contains("amend"));
    assert_eq!(repo.read(DOC), doc_before);
    assert_eq!(status_of(repo.path()), "");

    // With a dbarch.toml the configuration decides; a README is not a managed doc.
    repo.write_doc_config("");
    repo.write("README.md", "# App\n");
    let err = commit_with(
        &repo,
        &["dbarch.toml", "README.md"],
        "Add a README",
        BOB,
        DAY2,
        &[VERBOSE],
    );
    assert!(
        err.contains("nothing to do: the commit changed no managed document"),
        "{err}"
    );
    assert!(!reflog(repo.path()).contains("amend"));
    assert_eq!(repo.read(DOC), doc_before);
}

#[test]
fn partial_commit_keeps_unstaged_edits_in_the_working_tree() {
    let repo = setup();
    edit(&repo, OVERVIEW, "PostgreSQL 16 for all OLTP.");
    edit(&repo, REFERENCE, "- [Backend Architecture](backend-v2.md)");
    // `git add -p`: stage the first hunk, not the second.
    let mut add = git_command(repo.path());
    add.args(["add", "-p", "--", DOC])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = add.spawn().unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"y\nn\n").unwrap();
    }
    assert!(child.wait().unwrap().success());
    let staged = repo.git(&["diff", "--cached"]);
    assert!(staged.contains("+PostgreSQL 16 for all OLTP."), "{staged}");
    assert!(!staged.contains("backend-v2"), "{staged}");

    commit_with(&repo, &[], "Narrow Postgres to OLTP", BOB, DAY2, &[]);
    let committed = committed_doc(repo.path());
    let row = "| 2026-11-24 | Narrow Postgres to OLTP | Bob Example | Low |";
    assert!(committed.contains("PostgreSQL 16 for all OLTP."));
    assert!(!committed.contains("backend-v2"), "unstaged edit committed");
    assert_eq!(rows(&committed).last().map(String::as_str), Some(row));
    // The working copy has the row and both edits; only the unstaged edit is unstaged.
    let work = repo.read(DOC);
    assert!(work.contains("PostgreSQL 16 for all OLTP."));
    assert!(work.contains("backend-v2.md"));
    assert_eq!(rows(&work).last().map(String::as_str), Some(row));
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "");
    let unstaged = repo.git(&["diff", "-U0"]);
    let changed: Vec<&str> = unstaged
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "-- [Backend Architecture](backend.md)",
            "+- [Backend Architecture](backend-v2.md)"
        ],
        "{unstaged}"
    );
}

#[test]
fn rebase_of_three_doc_commits_adds_no_rows_and_amends_nothing() {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let subjects = ["Describe OLTP", "Describe backups", "Describe references"];
    let edits = [
        (OVERVIEW, "PostgreSQL 16 for OLTP."),
        (BACKUP, "- **Full Backups:** hourly"),
        (REFERENCE, "- [Backend](backend.md)"),
    ];
    for ((from, to), subject) in edits.iter().zip(subjects) {
        edit(&repo, from, to);
        commit_with(&repo, &[DOC], subject, BOB, DAY2, &[]);
    }
    let rows_before = rows(&repo.read(DOC));
    assert_eq!(rows_before.len(), 4, "{rows_before:?}");
    let docs_before: Vec<String> = (0..3)
        .map(|i| repo.git(&["rev-parse", &format!("HEAD~{i}:{DOC}")]))
        .collect();

    repo.git(&["checkout", "-q", "main"]);
    repo.write("other.txt", "x\n");
    commit_with(&repo, &["other.txt"], "Unrelated", ALICE, DAY3, &[]);
    repo.git(&["checkout", "-q", "feature"]);
    let reflog_before = reflog(repo.path()).lines().count();
    let err = git_ok(
        repo.path(),
        &["rebase", "main"],
        &[VERBOSE, ("GIT_EDITOR", ":")],
    );
    assert_eq!(
        err.matches("nothing to do: a rebase is in progress")
            .count(),
        3,
        "{err}"
    );
    assert_eq!(rows(&repo.read(DOC)), rows_before);
    let docs_after: Vec<String> = (0..3)
        .map(|i| repo.git(&["rev-parse", &format!("HEAD~{i}:{DOC}")]))
        .collect();
    assert_eq!(
        docs_after, docs_before,
        "a rebased commit's document changed"
    );
    assert_eq!(
        repo.git(&["rev-list", "--count", "main..feature"]).trim(),
        "3"
    );
    let new_entries: Vec<String> = reflog(repo.path())
        .lines()
        .take(reflog(repo.path()).lines().count() - reflog_before)
        .map(str::to_string)
        .collect();
    assert!(
        !new_entries.iter().any(|l| l.contains("amend")),
        "{new_entries:?}"
    );
    assert_eq!(status_of(repo.path()), "");
    sync_check(repo.path());
}

#[test]
fn merge_commit_gets_no_amend() {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "side"]);
    describe_oltp(&repo, &[]);
    let side_doc = repo.read(DOC);
    repo.git(&["checkout", "-q", "main"]);
    back_up_hourly(&repo, ALICE, &[]);
    // Both sides appended a row: without the merge driver (tests/teams.rs has it), the
    // merge conflicts in the Change Log.
    repo.git(&["config", "--remove-section", "merge.dbarch"]);
    let out = git_env(repo.path(), &["merge", "side"], &[]);
    assert!(!out.status.success(), "the merge should conflict");
    let side_row = rows(&side_doc).last().cloned().unwrap();
    let mut resolved = committed_doc(repo.path()).replace(OVERVIEW, "PostgreSQL 16 for OLTP.");
    let main_row = rows(&resolved).last().cloned().unwrap();
    resolved = resolved.replacen(&main_row, &format!("{side_row}\n{main_row}"), 1);
    repo.write(DOC, &resolved);
    repo.git(&["add", DOC]);
    let err = git_ok(repo.path(), &["commit", "--no-edit"], &[VERBOSE]);
    assert!(
        err.contains("nothing to do: HEAD is a merge commit"),
        "{err}"
    );
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-1", "HEAD"])
            .split_whitespace()
            .count(),
        3
    );
    assert_eq!(committed_doc(repo.path()), resolved);
    assert_eq!(repo.read(DOC), resolved);
    assert!(!reflog(repo.path())
        .lines()
        .next()
        .unwrap()
        .contains("amend"));
}

#[test]
fn existing_hook_is_chained_and_restored_byte_for_byte() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    commit_filled_doc(&repo);
    let log = repo.path().join("user-hook.log");
    let user_hook = format!(
        "#!/bin/sh\n# the user's own hook\necho \"ran at $(git rev-parse --short HEAD)\" >> '{}'\n",
        log.display()
    );
    let hook = repo.path().join(".git/hooks/post-commit");
    std::fs::write(&hook, &user_hook).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o750)).unwrap();

    let out = hooks(&repo, "install");
    assert!(out.contains("post-commit.dbarch-chained"), "{out}");
    let chained = repo.path().join(".git/hooks/post-commit.dbarch-chained");
    assert_eq!(std::fs::read_to_string(&chained).unwrap(), user_hook);
    let ours = std::fs::read(&hook).unwrap();
    // Idempotent: a second install changes nothing.
    let again = hooks(&repo, "install");
    assert!(again.contains("already installed"), "{again}");
    assert_eq!(std::fs::read(&hook).unwrap(), ours);
    assert_eq!(std::fs::read_to_string(&chained).unwrap(), user_hook);

    describe_oltp(&repo, &[]);
    // The user's hook ran once, after the amend (it saw the final HEAD).
    let head = repo.head();
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines, format!("ran at {}\n", &head[..7]));
    assert_eq!(rows(&committed_doc(repo.path())).len(), 2);
    repo.write("x.txt", "x");
    commit_with(&repo, &["x.txt"], "Unrelated", BOB, DAY2, &[]);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);

    assert!(hooks(&repo, "uninstall").contains("restored"));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), user_hook);
    let mode = std::fs::metadata(&hook).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o750);
    assert!(!chained.exists());
    assert!(hooks(&repo, "uninstall").contains("another program's hook"));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), user_hook);
}

#[test]
fn install_status_uninstall_without_an_existing_hook() {
    let repo = TestRepo::new();
    repo.dbarch()
        .args(["hooks", "status"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("not installed"));
    let out = hooks(&repo, "install");
    assert!(
        out.contains("installed the post-commit hook: .git/hooks/post-commit"),
        "{out}"
    );
    let s = hooks(&repo, "status");
    assert!(s.contains("post-commit hook: installed"), "{s}");
    assert!(s.contains("mode: amend"), "{s}");
    assert!(hooks(&repo, "uninstall").contains("removed the post-commit hook"));
    assert!(!repo.path().join(".git/hooks/post-commit").exists());
    assert!(!repo
        .path()
        .join(".git/hooks/post-commit.dbarch-chained")
        .exists());
}

#[test]
fn core_hooks_path_is_honoured() {
    let repo = TestRepo::new();
    commit_filled_doc(&repo);
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    hooks(&repo, "install");
    let hook = repo.path().join(".githooks/post-commit");
    assert!(hook.is_file());
    assert!(!repo.path().join(".git/hooks/post-commit").exists());
    // The same directory git itself resolves.
    let git_says = repo.git(&["rev-parse", "--git-path", "hooks"]);
    assert_eq!(
        repo.path().join(git_says.trim()).canonicalize().unwrap(),
        repo.path().join(".githooks").canonicalize().unwrap()
    );
    assert!(hooks(&repo, "status").contains("core.hooksPath = .githooks"));

    describe_oltp(&repo, &[]);
    assert!(
        committed_doc(repo.path()).contains("| 2026-11-24 | Describe OLTP | Bob Example | Low |")
    );
}

#[test]
fn worktree_mode_leaves_the_row_for_the_next_commit_and_off_does_nothing() {
    let repo = setup();
    let err = describe_oltp(&repo, &[("DBARCH_HOOK_MODE", "off"), VERBOSE]);
    assert!(
        err.contains("nothing to do: DBARCH_HOOK_MODE is off"),
        "{err}"
    );
    assert_eq!(rows(&repo.read(DOC)).len(), 1);

    let before_hook = back_up_hourly(&repo, BOB, &[("DBARCH_HOOK_MODE", "worktree")]);
    let head = repo.head();
    assert!(
        before_hook.contains("written to docs/database-architecture.md"),
        "{before_hook}"
    );
    assert!(before_hook.contains(&head[..7]), "{before_hook}");
    assert!(!reflog(repo.path()).contains("amend"));
    assert_eq!(rows(&committed_doc(repo.path())).len(), 1);
    let work = repo.read(DOC);
    assert_eq!(
        rows(&work).last().map(String::as_str),
        Some("| 2026-11-25 | Back up hourly | Bob Example | Low |")
    );
    assert_eq!(status_of(repo.path()), format!(" M {DOC}\n"));
    // Committing the row adds no row for that commit (it documents itself).
    commit_with(&repo, &[DOC], "Record the Change Log", BOB, DAY3, &[]);
    assert_eq!(rows(&repo.read(DOC)).len(), 2);
    assert_eq!(status_of(repo.path()), "");
}

#[test]
fn signed_commit_stays_signed() {
    let keygen = StdCommand::new("ssh-keygen").arg("-?").output();
    if keygen.is_err() {
        eprintln!("skipped: ssh-keygen is not installed, no signing key can be made");
        return;
    }
    let repo = TestRepo::new();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("id_ed25519");
    let out = StdCommand::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = keys.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("alice@example.com,bob@example.com,test@example.com {public}"),
    )
    .unwrap();
    repo.git(&["config", "gpg.format", "ssh"]);
    repo.git(&["config", "user.signingkey", key.to_str().unwrap()]);
    repo.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);
    repo.git(&["config", "commit.gpgsign", "true"]);
    commit_filled_doc(&repo);
    hooks(&repo, "install");

    let err = describe_oltp(&repo, &[]);
    let head = repo.head();
    assert!(err.contains(&head[..7]), "{err}");
    assert!(
        committed_doc(repo.path()).contains("| 2026-11-24 | Describe OLTP | Bob Example | Low |")
    );
    assert!(repo
        .git(&["cat-file", "-p", "HEAD"])
        .contains("-----BEGIN SSH SIGNATURE-----"));
    git_ok(repo.path(), &["verify-commit", "HEAD"], &[]);
    assert_eq!(status_of(repo.path()), "");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");
    sync_check(repo.path());
}

#[test]
fn two_worktrees_racing_lose_and_double_nothing() {
    let repo = setup();
    let other = tempfile::tempdir().unwrap();
    let wt = other.path().join("wt");
    repo.git(&["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "other"]);
    // Installing from the linked worktree finds the same (common) hooks directory.
    let a = common::dbarch()
        .current_dir(&wt)
        .args(["hooks", "install"])
        .assert()
        .success();
    assert!(common::stdout_of(&a).contains("already installed"));

    for round in 0..3 {
        let dirs: [(PathBuf, &str); 2] =
            [(repo.path().to_path_buf(), "main"), (wt.clone(), "other")];
        let mut children = Vec::new();
        for (dir, name) in &dirs {
            let path = dir.join(DOC);
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replacen(
                "## Overview\n",
                &format!("## Overview\n{name} round {round}.\n"),
                1,
            );
            std::fs::write(&path, text).unwrap();
            let mut cmd = git_command(dir);
            cmd.args(["commit", "-q", "-a", "-m"])
                .arg(format!("Note {name} round {round}"))
                .env("GIT_AUTHOR_DATE", DAY2)
                .env("GIT_COMMITTER_DATE", DAY2)
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            children.push(cmd.spawn().unwrap());
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for (dir, name) in &dirs {
            let committed = committed_doc(dir);
            let all = rows(&committed);
            for r in 0..=round {
                let mine = format!("| Note {name} round {r} |");
                assert_eq!(
                    all.iter().filter(|l| l.contains(&mine)).count(),
                    1,
                    "{name}: {all:?}"
                );
            }
            let theirs = if *name == "main" { "other" } else { "main" };
            assert!(
                !committed.contains(&format!("Note {theirs} round")),
                "{committed}"
            );
            assert_eq!(std::fs::read_to_string(dir.join(DOC)).unwrap(), committed);
            assert_eq!(status_of(dir), "");
        }
    }
    sync_check(repo.path());
    sync_check(&wt);
}

#[test]
fn a_failure_is_one_line_and_never_breaks_the_commit() {
    let repo = setup();
    repo.write("dbarch.toml", "[hook]\nmode = \"sometimes\"\n");
    let err = describe_oltp(&repo, &[]);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("dbarch: hook skipped: dbarch.toml:2:8:"),
        "{err}"
    );
    assert_eq!(rows(&committed_doc(repo.path())).len(), 1);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "Describe OLTP"
    );

    // Run by hand outside a hook, the command exits 0 as well.
    repo.dbarch()
        .args(["hook", "post-commit"])
        .assert()
        .success()
        .stderr(predicates::str::starts_with("dbarch: hook skipped:"));
}

#[test]
fn missing_binary_is_one_line_and_exit_0() {
    let repo = TestRepo::new();
    commit_filled_doc(&repo);
    // The shipped script, as installed by hand: no recorded binary.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/post-commit");
    let hook = repo.path().join(".git/hooks/post-commit");
    std::fs::copy(&script, &hook).unwrap();
    // A PATH with git and sh but no dbarch.
    let git = which("git").expect("git on PATH");
    let path = format!("{}:/bin:/usr/bin", git.parent().unwrap().display());
    if std::env::split_paths(&path).any(|d| d.join("dbarch").exists()) {
        eprintln!("skipped: a dbarch binary is installed on the system PATH");
        return;
    }
    let err = describe_oltp(
        &repo,
        &[("PATH", &path), ("DBARCH_BIN", "/nonexistent/dbarch")],
    );
    assert_eq!(
        err,
        "dbarch: hook skipped: the dbarch binary was not found (install it, or remove this hook with `dbarch hooks uninstall`)\n"
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "Describe OLTP"
    );

    // DBARCH_BIN names the binary to use.
    let bin = assert_cmd::cargo::cargo_bin("dbarch");
    let err = back_up_hourly(
        &repo,
        BOB,
        &[("PATH", &path), ("DBARCH_BIN", bin.to_str().unwrap())],
    );
    assert!(err.starts_with("dbarch: recorded"), "{err}");
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[test]
fn nested_runs_and_an_operation_in_progress_do_nothing() {
    let repo = setup();
    let err = describe_oltp(&repo, &[("DBARCH_HOOK_RUNNING", "1")]);
    assert_eq!(err, "");
    assert_eq!(rows(&repo.read(DOC)).len(), 1);
    // A cherry-pick writes CHERRY_PICK_HEAD while it commits.
    std::fs::write(repo.path().join(".git/CHERRY_PICK_HEAD"), repo.head()).unwrap();
    let a = repo
        .dbarch()
        .env("DBARCH_HOOK_VERBOSE", "1")
        .args(["hook", "post-commit"])
        .assert()
        .success();
    assert!(common::stderr_of(&a).contains("a cherry-pick is in progress"));
    std::fs::remove_file(repo.path().join(".git/CHERRY_PICK_HEAD")).unwrap();
    // Run by hand afterwards, it records HEAD (amending it).
    let a = repo
        .dbarch()
        .args(["hook", "post-commit"])
        .assert()
        .success();
    assert!(common::stderr_of(&a).starts_with("dbarch: recorded"));
    assert_eq!(rows(&repo.read(DOC)).len(), 2);
    assert_eq!(status_of(repo.path()), "");
}

#[test]
fn the_lock_serialises_runs() {
    let repo = setup();
    let lock_path = repo.path().join(".git/dbarch.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.lock().unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(lock);
    });
    edit(&repo, OVERVIEW, "PostgreSQL 16 for OLTP.");
    let start = Instant::now();
    let err = commit_with(&repo, &[DOC], "Describe OLTP", BOB, DAY2, &[]);
    assert!(
        start.elapsed() >= Duration::from_millis(1400),
        "the hook did not wait"
    );
    release.join().unwrap();
    assert!(err.starts_with("dbarch: recorded"), "{err}");
    assert_eq!(rows(&committed_doc(repo.path())).len(), 2);
}

#[test]
fn init_with_hook_installs_it() {
    let repo = TestRepo::new();
    let a = repo.dbarch().args(["init", "--hook"]).assert().success();
    let out = common::stdout_of(&a);
    assert!(out.contains("installed the post-commit hook"), "{out}");
    assert!(repo.path().join(".git/hooks/post-commit").is_file());
    // The first commit of the document records itself.
    let err = commit_with(
        &repo,
        &[DOC, "dbarch.toml"],
        "Add the architecture document",
        ALICE,
        DAY1,
        &[],
    );
    assert!(err.starts_with("dbarch: recorded"), "{err}");
    assert!(rows(&repo.read(DOC)).contains(
        &"| 2026-11-20 | Add the architecture document | Alice Example | Low |".to_string()
    ));
    sync_check(repo.path());
}

#[test]
fn pre_commit_framework_manifest_offers_the_post_commit_stage() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    assert!(text.contains("entry: dbarch hook post-commit"));
    assert!(text.contains("stages: [post-commit]"));
    assert!(text.contains("always_run: true"));
    assert!(text.contains("pass_filenames: false"));
}

#[test]
fn commit_column_is_empty_in_amend_mode_and_sync_state_moves_along() {
    let repo = TestRepo::new();
    let doc = filled_doc()
        .replace(
            "| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| 2026-11-20 | First version | Alice Example | Low |",
            "| Date | Change | Author | Impact | Commit |\n|------|--------|--------|--------|--------|\n| 2026-11-20 | First version | Alice Example | Low | |",
        );
    repo.write_commit(DOC, &doc, "First version", ALICE, DAY1);
    hooks(&repo, "install");
    // A complete sync leaves its incremental state at HEAD.
    repo.dbarch().args(["sync"]).assert().success();
    assert_eq!(status_of(repo.path()), "");

    describe_oltp(&repo, &[]);
    assert_eq!(
        rows(&repo.read(DOC)).last().map(String::as_str),
        Some("| 2026-11-24 | Describe OLTP | Bob Example | Low |  |")
    );
    // The state moved to the amended commit: the next sync reads no history at all.
    let a = repo
        .dbarch()
        .args(["-v", "sync", "--check"])
        .assert()
        .success();
    let err = common::stderr_of(&a);
    assert!(err.contains("read 0 commits"), "{err}");

    back_up_hourly(&repo, BOB, &[("DBARCH_HOOK_MODE", "worktree")]);
    let head = repo.head();
    assert_eq!(
        rows(&repo.read(DOC)).last().cloned(),
        Some(format!(
            "| 2026-11-25 | Back up hourly | Bob Example | Low | {} |",
            &head[..7]
        ))
    );
}
