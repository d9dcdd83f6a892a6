//! `dbarch sync --staged`: the preview of what the post-commit hook writes for the staged
//! change, checked against the row the installed hook really writes when the commit is
//! made — with partial staging (`git apply --cached` of one hunk) and the hook's rules.
use std::path::Path;
use std::process::Stdio;

use crate::common::{self, filled_doc, git_command, TestRepo, ALICE, BOB, DOC, TODAY};

const DAY1: &str = "2026-11-20T10:00:00+00:00";
const DAY2: &str = "2026-11-24T09:30:00+00:00";

/// The filled document and a dbarch.toml (impact High for Backup Strategy, plus `extra`)
/// committed by Alice on [`DAY1`], the hook installed.
fn setup(extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write_doc_config(&format!(
        "[[changelog.impact-rules]]\nsection = \"Backup Strategy\"\nimpact = \"High\"\n{extra}"
    ));
    repo.write(DOC, filled_doc());
    repo.commit(&[DOC, "dbarch.toml"], "First version", ALICE, DAY1);
    repo.dbarch().args(["hooks", "install"]).assert().success();
    repo
}

fn edit(repo: &TestRepo, from: &str, to: &str) {
    let text = repo.read(DOC);
    assert!(text.contains(from), "{from:?} not in the document");
    repo.write(DOC, text.replacen(from, to, 1));
}

/// Everything that could be written: the document, the index, every file under
/// `.git/objects` (names), HEAD's id and the refs.
fn snapshot(repo: &TestRepo) -> (Vec<u8>, Vec<u8>, Vec<String>, String) {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    let mut objects = Vec::new();
    walk(&repo.abs(".git/objects"), &mut objects);
    objects.sort();
    (
        repo.read_bytes(DOC),
        repo.read_bytes(".git/index"),
        objects,
        repo.git(&["show-ref", "--head"]),
    )
}

/// `dbarch sync --staged ARGS` as `who` (name, email; `None`: the repository's
/// `user.name`) with `GIT_AUTHOR_DATE`/`GIT_COMMITTER_DATE` = `date` when given; asserts
/// exit 0 and that nothing was written. Returns stdout.
fn preview(
    repo: &TestRepo,
    args: &[&str],
    who: Option<(&str, &str)>,
    date: Option<&str>,
    env: &[(&str, &str)],
) -> String {
    let before = snapshot(repo);
    let mut cmd = repo.dbarch();
    cmd.args(["sync", "--staged"]).args(args);
    if let Some((name, email)) = who {
        cmd.env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email);
    }
    if let Some(d) = date {
        cmd.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let a = cmd.assert().code(0);
    assert_eq!(snapshot(repo), before, "sync --staged wrote something");
    common::stdout_of(&a)
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `git commit -m MESSAGE` of the index as `who` (None: user.name) dated `date`; asserts
/// success and returns git's stderr (the hook's line).
fn commit(repo: &TestRepo, message: &str, who: Option<(&str, &str)>, date: &str) -> String {
    let mut cmd = git_command(repo.path());
    if let Some((name, email)) = who {
        cmd.env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email);
    }
    let out = cmd
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args(["commit", "-q", "-m", message])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    err
}

/// Stages only the hunk of the working file's `git diff -U0` that contains `needle`.
fn stage_hunk_with(repo: &TestRepo, needle: &str) {
    let diff = repo.git(&["diff", "-U0", "--", DOC]);
    let (header, hunks) = diff.split_at(diff.find("\n@@").expect("a hunk") + 1);
    let hunk: String = hunks
        .split_inclusive('\n')
        .fold(Vec::<String>::new(), |mut v, l| {
            if l.starts_with("@@") || v.is_empty() {
                v.push(String::new());
            }
            v.last_mut().unwrap().push_str(l);
            v
        })
        .into_iter()
        .find(|h| h.contains(needle))
        .expect("the hunk");
    let patch = format!("{header}{hunk}");
    let mut child = git_command(repo.path())
        .args(["apply", "--cached", "--unidiff-zero", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(patch.as_bytes())
        .unwrap();
    assert!(
        child.wait().unwrap().success(),
        "git apply --cached\n{patch}"
    );
}

/// The last Change Log row of HEAD's document, and its Last Updated line.
fn committed_row_and_date(repo: &TestRepo) -> (String, String) {
    let text = repo.git(&["show", &format!("HEAD:{DOC}")]);
    let row = text
        .lines()
        .rfind(|l| l.starts_with("| 2026"))
        .unwrap()
        .to_string();
    let lu = text
        .lines()
        .find(|l| l.starts_with("**Last Updated:**"))
        .unwrap()
        .trim_end()
        .trim_start_matches("**Last Updated:** ")
        .to_string();
    (row, lu)
}

#[test]
fn the_preview_of_a_partly_staged_edit_is_the_row_the_hook_writes() {
    let repo = setup("");
    // Two edits in the working file; only the Overview one is staged (as `git add -p`).
    edit(
        &repo,
        "PostgreSQL 16 for everything transactional.",
        "PostgreSQL 16 for OLTP.",
    );
    edit(
        &repo,
        "- **Full Backups:** nightly",
        "- **Full Backups:** hourly",
    );
    stage_hunk_with(&repo, "OLTP");
    let staged = repo.git(&["diff", "--cached", "--", DOC]);
    assert!(
        staged.contains("OLTP") && !staged.contains("hourly"),
        "{staged}"
    );

    let out = json(&preview(
        &repo,
        &["-m", "Describe OLTP", "--format", "json"],
        Some(BOB),
        Some(DAY2),
        &[],
    ));
    assert_eq!(out["nothing"], serde_json::Value::Null, "{out}");
    let doc = &out["documents"][0];
    assert_eq!(doc["path"], DOC);
    let row = &doc["rows"][0];
    assert_eq!(row["date"], "2026-11-24");
    assert_eq!(row["change"], "Describe OLTP");
    assert_eq!(row["author"], "Bob Example");
    // The staged version touches only the Overview: Low, not Backup Strategy's High.
    assert_eq!(row["impact"], "Low", "{out}");
    assert_eq!(doc["last_updated"]["old"], "2026-11-20");
    assert_eq!(doc["last_updated"]["new"], "2026-11-24");
    let line = doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .find(|l| l.starts_with('|'))
        .unwrap()
        .to_string();
    assert_eq!(line, "| 2026-11-24 | Describe OLTP | Bob Example | Low |");

    let text = preview(&repo, &["-m", "Describe OLTP"], Some(BOB), Some(DAY2), &[]);
    assert_eq!(
        text,
        format!("{DOC}: 1 row, Last Updated 2026-11-20 → 2026-11-24\n  + {line}\n")
    );

    // The real commit, with the hook: the row it writes is the previewed one.
    let hook = commit(&repo, "Describe OLTP", Some(BOB), DAY2);
    assert!(hook.contains("recorded"), "{hook}");
    assert_eq!(committed_row_and_date(&repo), (line, "2026-11-24".into()));
    assert!(repo.read(DOC).contains("hourly"), "the unstaged edit stays");

    // Now the Backup edit, no -m, the identity from user.name and the date from the clock
    // seam: the placeholder subject, Test User, today, and the rule's High.
    repo.git(&["add", DOC]);
    let out = json(&preview(&repo, &["--format", "json"], None, None, &[]));
    let row = &out["documents"][0]["rows"][0];
    assert_eq!(row["date"], TODAY);
    assert_eq!(row["change"], "<your commit subject>");
    assert_eq!(row["author"], "Test User");
    assert_eq!(row["impact"], "High");
    let text = preview(&repo, &[], None, None, &[]);
    assert!(
        text.contains(&format!(
            "\n  + | {TODAY} | <your commit subject> | Test User | High |\n"
        )),
        "{text}"
    );
    commit(
        &repo,
        "Back up hourly",
        None,
        &format!("{TODAY}T12:00:00+00:00"),
    );
    let (row, lu) = committed_row_and_date(&repo);
    assert_eq!(
        row,
        format!("| {TODAY} | Back up hourly | Test User | High |")
    );
    assert_eq!(lu, TODAY);
}

#[test]
fn the_preview_says_why_the_commit_gets_no_row() {
    let repo = setup("[hook]\nbranches = [\"main\"]\n");
    let why = |out: &str| json(out)["nothing"].as_str().unwrap_or("").to_string();
    let args = ["--format", "json"];

    assert!(why(&preview(&repo, &args, Some(BOB), Some(DAY2), &[])).contains("nothing is staged"));

    edit(&repo, "for everything transactional.", "for OLTP.");
    repo.git(&["add", DOC]);
    // The same staged change gets a row...
    let out = json(&preview(&repo, &args, Some(BOB), Some(DAY2), &[]));
    assert_eq!(out["documents"][0]["rows"][0]["author"], "Bob Example");
    // ...but not with [skip changelog] in the message,
    let out = preview(
        &repo,
        &["-m", "Describe OLTP [skip changelog]", "--format", "json"],
        Some(BOB),
        Some(DAY2),
        &[],
    );
    assert!(why(&out).contains("skipped"), "{out}");
    // nor by a bot,
    let out = preview(
        &repo,
        &args,
        Some(("renovate[bot]", "bot@example.com")),
        Some(DAY2),
        &[],
    );
    assert!(why(&out).contains("skipped"), "{out}");
    // nor with the hook off,
    let out = preview(
        &repo,
        &["-m", "x"],
        Some(BOB),
        Some(DAY2),
        &[("DBARCH_HOOK_MODE", "off")],
    );
    assert_eq!(
        out,
        "the next commit gets no Change Log row: DBARCH_HOOK_MODE is off\n"
    );
    // (worktree mode: the same row, said to go to the working tree)
    let out = json(&preview(
        &repo,
        &args,
        Some(BOB),
        Some(DAY2),
        &[("DBARCH_HOOK_MODE", "worktree")],
    ));
    assert_eq!(out["mode"], "worktree");
    assert_eq!(out["hook_installed"], true);
    assert_eq!(out["documents"][0]["rows"][0]["date"], "2026-11-24");
    // nor on a branch outside [hook] branches.
    repo.git(&["switch", "-q", "-c", "feature"]);
    let out = preview(&repo, &args, Some(BOB), Some(DAY2), &[]);
    assert!(
        why(&out).contains("branch `feature` is not in [hook] branches"),
        "{out}"
    );
    repo.git(&["switch", "-q", "main"]);

    // A bookkeeping-only change (a header value) gets no row.
    repo.git(&["reset", "-q", "--hard"]);
    edit(&repo, "DBA Team", "Platform Team");
    repo.git(&["add", DOC]);
    let out = preview(&repo, &args, Some(BOB), Some(DAY2), &[]);
    assert!(why(&out).contains("only changed managed parts"), "{out}");
    // And the hook agrees: the commit stays as it is.
    let head = repo.head();
    commit(&repo, "Hand over the review", Some(BOB), DAY2);
    assert_eq!(repo.git(&["rev-parse", "HEAD^"]).trim(), head);
    assert!(!repo
        .git(&["show", &format!("HEAD:{DOC}")])
        .contains("Hand over the review"));
}
