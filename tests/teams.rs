//! Teams: branches, merges, rebases, cherry-picks and reverts with the hook and the merge
//! driver installed (`dbarch hooks install`), driven by the real git CLI. Each test
//! builds two branches that both edit the document and merges them the way people do.
use std::process::Output;

use crate::common::{self, filled_doc, git_command, git_command_as, TestRepo, ALICE, BOB, DOC};

const DAY1: &str = "2026-11-20T10:00:00+00:00";
const DAY2: &str = "2026-11-22T09:30:00+00:00";
const DAY3: &str = "2026-11-24T14:00:00+00:00";
const DAY4: &str = "2026-11-25T16:00:00+00:00";

/// The filled document committed by Alice on [`DAY1`], the hook and merge driver
/// installed and `.gitattributes` committed.
fn setup() -> TestRepo {
    let repo = TestRepo::new();
    repo.write_commit(DOC, filled_doc(), "First version", ALICE, DAY1);
    let out = dbarch_ok(&repo, &["hooks", "install"]);
    assert!(out.contains("registered the merge driver"), "{out}");
    assert!(out.contains(".gitattributes"), "{out}");
    repo.commit(
        &[".gitattributes"],
        "Merge the document by meaning",
        ALICE,
        DAY1,
    );
    repo
}

fn dbarch_ok(repo: &TestRepo, args: &[&str]) -> String {
    let a = repo.dbarch().args(args).assert().success();
    common::stdout_of(&a)
}

fn edit(repo: &TestRepo, from: &str, to: &str) {
    let text = repo.read(DOC);
    assert!(text.contains(from), "{from:?} not in the document");
    repo.write(DOC, text.replacen(from, to, 1));
}

/// Edits the document and commits it (the hook records the commit).
fn change(repo: &TestRepo, from: &str, to: &str, msg: &str, who: (&str, &str), date: &str) {
    edit(repo, from, to);
    repo.commit(&[DOC], msg, who, date);
}

/// `git args` as `who` on `date` (merges and rebases that make commits); not asserted.
fn git_as(repo: &TestRepo, args: &[&str], who: (&str, &str), date: &str) -> Output {
    git_command_as(repo.path(), who, who, date)
        .args(args)
        .output()
        .expect("run git")
}

fn ok(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "git failed: {text}");
    text
}

/// The Change Log rows of `text` (the table lines after the delimiter).
fn rows(text: &str) -> Vec<String> {
    let log = text.split("## Change Log").nth(1).unwrap_or("");
    log.lines()
        .skip_while(|l| !l.starts_with("|--"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(str::to_string)
        .collect()
}

fn sync_check(repo: &TestRepo) {
    let a = repo.dbarch().args(["sync", "--check"]).assert();
    let out = a.get_output();
    assert!(
        out.status.success(),
        "sync --check found work:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two branches from the setup: `feature` (Bob edits Backup Strategy on DAY2) and `main`
/// (Alice edits Overview on DAY3); `main` is checked out.
fn two_branches(repo: &TestRepo) {
    repo.git(&["checkout", "-q", "-b", "feature"]);
    change(
        repo,
        "- **Full Backups:** nightly",
        "- **Full Backups:** nightly at 02:00 UTC",
        "Schedule the nightly backup",
        BOB,
        DAY2,
    );
    repo.git(&["checkout", "-q", "main"]);
    change(
        repo,
        "PostgreSQL 16 for everything transactional.",
        "PostgreSQL 17 for everything transactional.",
        "Upgrade to PostgreSQL 17",
        ALICE,
        DAY3,
    );
}

#[test]
fn install_registers_the_driver_and_uninstall_removes_it() {
    let repo = setup();
    let attrs = repo.read(".gitattributes");
    assert!(attrs.contains(&format!("/{DOC} merge=dbarch\n")), "{attrs}");
    let driver = repo.git(&["config", "--local", "merge.dbarch.driver"]);
    assert!(
        driver.contains("merge-driver --marker-size %L %O %A %B %P"),
        "{driver}"
    );
    // Idempotent: a second install adds nothing.
    let again = dbarch_ok(&repo, &["hooks", "install"]);
    assert!(again.contains("already registered"), "{again}");
    assert_eq!(repo.read(".gitattributes"), attrs);
    // Another attribute line survives uninstall.
    repo.write(".gitattributes", format!("*.png binary\n{attrs}"));
    let out = dbarch_ok(&repo, &["hooks", "uninstall"]);
    assert!(out.contains("removed the merge driver"), "{out}");
    assert_eq!(repo.read(".gitattributes"), "*.png binary\n");
    let cfg = git_command(repo.path())
        .args(["config", "--local", "--get-regexp", "^merge\\.dbarch"])
        .output()
        .unwrap();
    assert!(cfg.stdout.is_empty(), "{:?}", cfg);
}

#[test]
fn init_hook_registers_the_driver_too() {
    let repo = TestRepo::new();
    let out = dbarch_ok(&repo, &["init", "--hook"]);
    assert!(out.contains("registered the merge driver"), "{out}");
    assert!(repo
        .read(".gitattributes")
        .contains(&format!("/{DOC} merge=dbarch")));
}

#[test]
fn a_two_branch_merge_keeps_both_edits_and_both_rows() {
    let repo = setup();
    two_branches(&repo);
    let out = git_as(&repo, &["merge", "--no-edit", "feature"], ALICE, DAY4);
    ok(&out);
    let text = repo.read(DOC);
    assert!(!text.contains("<<<<<<<"), "{text}");
    assert!(text.contains("nightly at 02:00 UTC"));
    assert!(text.contains("PostgreSQL 17"));
    let r = rows(&text);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[0].contains("First version"));
    assert!(r[1].contains("Schedule the nightly backup") && r[1].contains("2026-11-22"));
    assert!(r[2].contains("Upgrade to PostgreSQL 17") && r[2].contains("2026-11-24"));
    assert!(text.contains("**Last Updated:** 2026-11-24"), "{text}");
    assert!(common::run_git(repo.path(), &["status", "--porcelain"]).is_empty());
    sync_check(&repo);
}

#[test]
fn a_real_body_conflict_is_left_as_markers_and_named_a_merge_conflict() {
    let repo = setup();
    repo.git(&["checkout", "-q", "-b", "feature"]);
    change(&repo, "nightly", "hourly", "Hourly backups", BOB, DAY2);
    repo.git(&["checkout", "-q", "main"]);
    change(&repo, "nightly", "weekly", "Weekly backups", ALICE, DAY3);
    let out = git_as(&repo, &["merge", "--no-edit", "feature"], ALICE, DAY4);
    assert!(!out.status.success());
    let text = repo.read(DOC);
    // Exactly one conflict, in the body; the Change Log holds both rows, no markers.
    assert_eq!(text.matches("<<<<<<<").count(), 1, "{text}");
    assert!(
        text.contains("=======\n- **Full Backups:** hourly\n>>>>>>>"),
        "{text}"
    );
    let r = rows(&text);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r.iter().any(|x| x.contains("Hourly backups")));
    assert!(r.iter().any(|x| x.contains("Weekly backups")));
    for cmd in ["status", "lint"] {
        let a = repo.dbarch().arg(cmd).assert().failure();
        let all = format!("{}{}", common::stdout_of(&a), common::stderr_of(&a));
        assert!(all.contains("merge conflict"), "{cmd}: {all}");
        assert!(!all.contains("duplicate header field"), "{cmd}: {all}");
    }
    // `resolve` cannot settle a body conflict: it says so and leaves it.
    let a = repo.dbarch().arg("resolve").assert().code(1);
    assert!(common::stdout_of(&a).contains("1 left in the body"));
    assert_eq!(repo.read(DOC), text);
}

#[test]
fn rebase_and_cherry_pick_use_the_driver() {
    let repo = setup();
    two_branches(&repo);
    repo.git(&["checkout", "-q", "feature"]);
    ok(&git_as(&repo, &["rebase", "main"], BOB, DAY4));
    let text = repo.read(DOC);
    assert!(!text.contains("<<<<<<<"), "{text}");
    let r = rows(&text);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[2].contains("Upgrade to PostgreSQL 17"), "{r:?}");
    assert!(r[1].contains("Schedule the nightly backup"), "{r:?}");
    sync_check(&repo);

    // Cherry-pick the other way round: main picks a later feature commit.
    change(
        &repo,
        "- [Backend Architecture](backend.md)",
        "- [Backend Architecture](backend-v2.md)",
        "Link the new backend page",
        BOB,
        DAY4,
    );
    let pick = repo.head();
    repo.git(&["checkout", "-q", "main"]);
    ok(&git_as(&repo, &["cherry-pick", &pick], ALICE, DAY4));
    let text = repo.read(DOC);
    assert!(!text.contains("<<<<<<<"), "{text}");
    assert!(text.contains("backend-v2.md"));
    let r = rows(&text);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[2].contains("Link the new backend page"), "{r:?}");
}

#[test]
fn resolve_finishes_a_merge_made_without_the_driver() {
    let repo = setup();
    two_branches(&repo);
    // A fresh clone has .gitattributes but not the driver's config.
    repo.git(&["config", "--local", "--remove-section", "merge.dbarch"]);
    let out = git_as(&repo, &["merge", "--no-edit", "feature"], ALICE, DAY4);
    assert!(
        !out.status.success(),
        "git merged the Change Log without conflict"
    );
    assert!(repo.read(DOC).contains("<<<<<<<"));
    let a = repo.dbarch().arg("resolve").assert().success();
    let said = common::stdout_of(&a);
    assert!(
        said.contains("resolved") && said.contains("staged"),
        "{said}"
    );
    let text = repo.read(DOC);
    assert!(!text.contains("<<<<<<<"), "{text}");
    assert!(text.contains("PostgreSQL 17") && text.contains("02:00 UTC"));
    let r = rows(&text);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[1].contains("Schedule the nightly backup"), "{r:?}");
    ok(&git_as(&repo, &["commit", "--no-edit"], ALICE, DAY4));
    sync_check(&repo);
}

/// The setup for pull requests merged on GitHub, where no merge driver runs: rows only on
/// `main` (`[hook] branches`), so branches leave the Change Log and the header alone and
/// a plain `git merge` cannot conflict there; `sync` then records every merged commit.
#[test]
fn rows_on_the_default_branch_only_make_plain_merges_conflict_free() {
    let repo = TestRepo::new();
    repo.write_doc_config("[hook]\nbranches = [\"main\"]\n");
    repo.write(DOC, filled_doc());
    repo.commit(&["dbarch.toml", DOC], "First version", ALICE, DAY1);
    dbarch_ok(&repo, &["hooks", "install"]);
    // GitHub runs no merge driver.
    repo.git(&["config", "--local", "--remove-section", "merge.dbarch"]);
    let first = repo.read(DOC);

    repo.git(&["checkout", "-q", "-b", "backup"]);
    change(
        &repo,
        "nightly",
        "nightly at 02:00 UTC",
        "Schedule the backup",
        BOB,
        DAY2,
    );
    // On a branch the hook leaves the rows and the header alone.
    assert_eq!(rows(&repo.read(DOC)), rows(&first));
    assert!(repo.read(DOC).contains("**Last Updated:** 2026-11-20"));
    repo.git(&["checkout", "-q", "-b", "overview", "main"]);
    change(
        &repo,
        "PostgreSQL 16",
        "PostgreSQL 17",
        "Upgrade to PostgreSQL 17",
        ALICE,
        DAY3,
    );
    repo.git(&["checkout", "-q", "main"]);
    for branch in ["backup", "overview"] {
        ok(&git_as(
            &repo,
            &["merge", "--no-ff", "--no-edit", branch],
            ALICE,
            DAY4,
        ));
    }
    let text = repo.read(DOC);
    assert!(text.contains("02:00 UTC") && text.contains("PostgreSQL 17"));
    assert!(!text.contains("<<<<<<<"));
    // What the push job or the scheduled Change Log pull request runs on main.
    let a = repo.dbarch().args(["sync", "--check"]).assert().code(1);
    assert!(common::stdout_of(&a).contains("out of date"));
    dbarch_ok(&repo, &["sync"]);
    let r = rows(&repo.read(DOC));
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[1].contains("Schedule the backup") && r[1].contains("Bob Example"));
    assert!(r[2].contains("Upgrade to PostgreSQL 17"));
    assert!(repo.read(DOC).contains("**Last Updated:** 2026-11-24"));
    // The sync commit on main records itself (the hook runs there).
    repo.commit(&[DOC], "docs: record the merged changes", ALICE, DAY4);
    sync_check(&repo);
    assert_eq!(rows(&repo.read(DOC)).len(), 3);
}

/// `git clone` of `repo` into a fresh directory: no `.git/dbarch`, no hook, no driver.
fn fresh_clone(repo: &TestRepo) -> TestRepo {
    let clone = TestRepo::without_git();
    let out = git_command(clone.path())
        .args(["clone", "-q"])
        .arg(repo.path())
        .arg(".")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    clone
}

#[test]
fn an_edited_row_still_vouches_for_its_commit_on_a_fresh_clone() {
    let repo = setup();
    change(
        &repo,
        "PostgreSQL 16",
        "PostgreSQL 17",
        "Upgrade to PG 17",
        BOB,
        DAY2,
    );
    // Someone fixes the wording of the row the hook wrote.
    let text = repo.read(DOC);
    assert!(text.contains("| Upgrade to PG 17 |"), "{text}");
    repo.write(
        DOC,
        text.replace(
            "| Upgrade to PG 17 |",
            "| Upgrade to PostgreSQL 17 (major version) |",
        ),
    );
    repo.commit(&[DOC], "Reword the Change Log", ALICE, DAY3);
    let rows_before = rows(&repo.read(DOC));
    assert_eq!(rows_before.len(), 2, "{rows_before:?}");
    let clone = fresh_clone(&repo);
    sync_check(&clone);
    dbarch_ok(&clone, &["sync"]);
    assert_eq!(rows(&clone.read(DOC)), rows_before);
}

#[test]
fn a_row_written_in_another_time_zone_is_not_written_again() {
    let repo = setup();
    // 23:30 in New York is the next day in UTC: the hook dates the row by the commit's
    // own offset (the default), 2026-11-22.
    change(
        &repo,
        "PostgreSQL 16",
        "PostgreSQL 17",
        "Upgrade to PostgreSQL 17",
        BOB,
        "2026-11-22T23:30:00-05:00",
    );
    assert!(rows(&repo.read(DOC))[1].starts_with("| 2026-11-22 |"));
    let before = repo.read(DOC);
    // Then the team settles on UTC; the row stays, nothing is added.
    // (Last Updated follows the new zone: the last change was on the 23rd in UTC.)
    let a = repo
        .dbarch()
        .args(["sync", "--dry-run", "--timezone", "UTC"])
        .assert()
        .success();
    assert!(
        !common::stdout_of(&a).contains("+| "),
        "{}",
        common::stdout_of(&a)
    );
    repo.write_doc_config("[changelog]\ntimezone = \"UTC\"\n");
    repo.commit(&["dbarch.toml"], "Dates in UTC", ALICE, DAY3);
    let clone = fresh_clone(&repo);
    for r in [&repo, &clone] {
        dbarch_ok(r, &["sync"]);
        assert_eq!(rows(&r.read(DOC)), rows(&before));
        assert!(r.read(DOC).contains("**Last Updated:** 2026-11-23"));
        sync_check(r);
    }
}

#[test]
fn amend_with_a_new_message_updates_the_row_the_hook_wrote() {
    let repo = setup();
    change(
        &repo,
        "PostgreSQL 16",
        "PostgreSQL 17",
        "Upgade to PG 17",
        BOB,
        DAY2,
    );
    assert!(rows(&repo.read(DOC))[1].contains("| Upgade to PG 17 |"));
    ok(&git_as(
        &repo,
        &["commit", "--amend", "-q", "-m", "Upgrade to PostgreSQL 17"],
        BOB,
        DAY2,
    ));
    let r = rows(&repo.read(DOC));
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r[1].contains("| Upgrade to PostgreSQL 17 |"), "{r:?}");
    assert!(
        r[1].contains("2026-11-22") && r[1].contains("Bob Example"),
        "{r:?}"
    );
    // The commit carries the updated row; nothing is left over.
    let committed = repo.git(&["show", &format!("HEAD:{DOC}")]);
    assert_eq!(committed, repo.read(DOC));
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]).trim(),
        "Upgrade to PostgreSQL 17"
    );
    assert!(repo.git(&["status", "--porcelain"]).is_empty());
    sync_check(&repo);
    sync_check(&fresh_clone(&repo));
}

/// Runs `dbarch sync` and commits what it wrote (as a push job on main would).
fn sync_and_commit(repo: &TestRepo, date: &str) {
    dbarch_ok(repo, &["sync"]);
    if !repo.git(&["status", "--porcelain", DOC]).is_empty() {
        repo.commit(&[DOC], "docs: record the Change Log", ALICE, date);
    }
    sync_check(repo);
}

#[test]
fn a_revert_keeps_the_reverted_row_and_adds_its_own() {
    for driver in [true, false] {
        let repo = setup();
        if !driver {
            repo.git(&["config", "--local", "--remove-section", "merge.dbarch"]);
        }
        change(
            &repo,
            "PostgreSQL 16",
            "PostgreSQL 17",
            "Upgrade to PostgreSQL 17",
            BOB,
            DAY2,
        );
        let upgrade = repo.head();
        if driver {
            // A later commit, so the revert is a real three-way merge.
            change(
                &repo,
                "14 days",
                "30 days",
                "Keep 30 days of WAL",
                ALICE,
                DAY3,
            );
        }
        ok(&git_as(
            &repo,
            &["revert", "--no-edit", &upgrade],
            ALICE,
            DAY4,
        ));
        let text = repo.read(DOC);
        assert!(
            text.contains("PostgreSQL 16") && !text.contains("<<<<<<<"),
            "{text}"
        );
        sync_and_commit(&repo, DAY4);
        let r = rows(&repo.read(DOC));
        let want = if driver { 4 } else { 3 };
        assert_eq!(r.len(), want, "driver {driver}: {r:?}");
        assert!(
            r.iter().any(|x| x.contains("| Upgrade to PostgreSQL 17 |")),
            "driver {driver}: {r:?}"
        );
        assert!(
            r.last()
                .unwrap()
                .contains("Revert \"Upgrade to PostgreSQL 17\""),
            "driver {driver}: {r:?}"
        );
        sync_check(&fresh_clone(&repo));
    }
}

const NEW_DOC: &str = "docs/db-architecture.md";

#[test]
fn the_hook_follows_a_renamed_document_in_dbarch_toml() {
    let repo = TestRepo::new();
    let config = format!(
        "# Our documents\n[[docs]]\npath = \"{DOC}\"   # the main one\nreview-every = \"90d\"\n"
    );
    repo.write("dbarch.toml", &config);
    repo.write(DOC, filled_doc());
    repo.commit(&["dbarch.toml", DOC], "First version", ALICE, DAY1);
    dbarch_ok(&repo, &["hooks", "install"]);
    repo.commit(
        &[".gitattributes"],
        "Merge the document by meaning",
        ALICE,
        DAY1,
    );
    repo.git(&["mv", DOC, NEW_DOC]);
    let out = git_as(
        &repo,
        &["commit", "-q", "-m", "Move the document"],
        BOB,
        DAY2,
    );
    let said = ok(&out);
    assert!(said.contains("now names docs/db-architecture.md"), "{said}");
    // Byte-surgical: only the path string changed, in the work tree and in the commit.
    let want = config.replace(DOC, NEW_DOC);
    assert_eq!(repo.read("dbarch.toml"), want);
    assert_eq!(repo.git(&["show", "HEAD:dbarch.toml"]), want);
    // The merge driver's attribute follows, in the commit too.
    let attrs = repo.git(&["show", "HEAD:.gitattributes"]);
    assert!(
        attrs.contains(&format!("/{NEW_DOC} merge=dbarch\n")),
        "{attrs}"
    );
    assert!(!attrs.contains(&format!("/{DOC} ")), "{attrs}");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    dbarch_ok(&repo, &["status"]);
    sync_check(&repo);
    // Later edits of the moved document are recorded as before.
    let text = repo.read(NEW_DOC);
    repo.write(NEW_DOC, text.replace("PostgreSQL 16", "PostgreSQL 17"));
    repo.commit(&[NEW_DOC], "Upgrade to PostgreSQL 17", ALICE, DAY3);
    assert!(rows(&repo.read(NEW_DOC))
        .iter()
        .any(|r| r.contains("Upgrade to PostgreSQL 17")));
    sync_check(&repo);
}

#[test]
fn a_stale_path_names_the_new_one() {
    let repo = TestRepo::new();
    repo.write_doc_config("");
    repo.write(DOC, filled_doc());
    repo.commit(&["dbarch.toml", DOC], "First version", ALICE, DAY1);
    repo.git(&["mv", DOC, NEW_DOC]);
    let renamer = repo.commit(&[], "Move the document", BOB, DAY2);
    for cmd in ["status", "sync"] {
        let a = repo.dbarch().arg(cmd).assert().code(2);
        let err = common::stderr_of(&a);
        assert!(err.contains(NEW_DOC), "{cmd}: {err}");
        assert!(err.contains(&renamer[..7]), "{cmd}: {err}");
        assert!(!err.contains("os error"), "{cmd}: {err}");
    }
}

// The review as an event.

fn review(repo: &TestRepo, now: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    repo.dbarch()
        .env("DBARCH_NOW", now)
        .args(["review", "--yes"])
        .args(args)
        .assert()
}

fn due_repo() -> TestRepo {
    crate::status::repo_with(&[(DOC, &crate::status::doc_due("2026-11-20"))])
}

#[test]
fn a_second_identical_review_is_already_recorded_and_an_earlier_one_refused() {
    let repo = due_repo();
    review(&repo, "2026-11-26", &["--reviewer", "Ana Lima"]).success();
    let after = repo.read(DOC);
    assert_eq!(after.matches("| Review |").count(), 1);
    let a = review(&repo, "2026-11-26", &["--reviewer", "Ana Lima"]).success();
    assert!(
        common::stdout_of(&a).contains("already recorded"),
        "{}",
        common::stdout_of(&a)
    );
    assert_eq!(repo.read(DOC), after);
    let a = review(
        &repo,
        "2026-11-26",
        &["--reviewer", "Ana Lima", "--date", "2026-11-24"],
    )
    .code(2);
    assert!(
        common::stderr_of(&a).contains("the last recorded review is 2026-11-26"),
        "{}",
        common::stderr_of(&a)
    );
    assert_eq!(repo.read(DOC), after);
}

#[test]
fn the_preview_shows_the_last_updated_that_is_written() {
    let repo = due_repo();
    // Backdated: Last Updated stays at the newer 2026-11-20, and the preview says so.
    let a = review(
        &repo,
        "2026-11-26",
        &["--reviewer", "Ana Lima", "--date", "2026-11-18"],
    )
    .success();
    let out = common::stdout_of(&a);
    assert!(
        out.contains("Last Updated 2026-11-20, Next Review 2027-02-16"),
        "{out}"
    );
    assert!(repo.read(DOC).contains("**Last Updated:** 2026-11-20"));
}

#[test]
fn review_commit_commits_only_the_reviews_own_edits() {
    let repo = due_repo();
    let text = repo.read(DOC);
    repo.write(DOC, text.replace("PostgreSQL 16", "PostgreSQL 17 (draft)"));
    review(&repo, "2026-11-26", &["--reviewer", "Ana Lima", "--commit"]).success();
    let committed = repo.git(&["show", &format!("HEAD:{DOC}")]);
    assert!(committed.contains("| Review |") && committed.contains("Ana Lima"));
    assert!(!committed.contains("(draft)"), "{committed}");
    let work = repo.read(DOC);
    assert!(work.contains("(draft)") && work.contains("| Review |"));
    assert_eq!(repo.git(&["status", "--porcelain"]), format!(" M {DOC}\n"));
    assert_eq!(
        repo.git(&["diff", DOC])
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        1
    );
}

#[test]
fn commits_after_the_review_on_the_same_day_count_and_bookkeeping_is_not_listed() {
    let repo = due_repo();
    review(
        &repo,
        "2026-11-26T09:00:00Z",
        &["--reviewer", "Ana Lima", "--commit"],
    )
    .success();
    let text = repo.read(DOC);
    repo.write(DOC, text.replace("PostgreSQL 16", "PostgreSQL 17"));
    repo.commit(
        &[DOC],
        "Upgrade to PostgreSQL 17",
        BOB,
        "2026-11-26T15:00:00+00:00",
    );
    let a = review(
        &repo,
        "2026-11-26T16:00:00Z",
        &["--reviewer", "Bob Example"],
    )
    .success();
    let out = common::stdout_of(&a);
    let listed: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Changes since the last review"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(listed.len(), 1, "{out}");
    assert!(listed[0].contains("Upgrade to PostgreSQL 17"), "{out}");
}

#[test]
fn one_next_review_everywhere_with_a_section_interval() {
    let repo = TestRepo::new();
    repo.write(DOC, crate::status::doc_due("2026-11-20"));
    repo.write_doc_config(
        "review-every = \"90d\"\n[docs.sections.\"Security Architecture\"]\nreview-every = \"30d\"\n",
    );
    repo.commit(&[DOC, "dbarch.toml"], "docs: architecture", ALICE, DAY1);
    let a = review(&repo, "2026-11-26", &["--reviewer", "Ana Lima"]).success();
    let out = common::stdout_of(&a);
    // The section's 30 days come first: that is the date written, shown and enforced.
    assert!(
        out.contains(
            "Next Review 2026-12-26 (section \"Security Architecture\" every 30d from 2026-11-26)"
        ),
        "{out}"
    );
    assert!(
        out.contains("next review 2026-12-26 (section \"Security Architecture\")"),
        "{out}"
    );
    assert!(repo.read(DOC).contains("**Next Review:** 2026-12-26"));
    let a = repo
        .dbarch()
        .env("DBARCH_NOW", "2026-12-27")
        .arg("status")
        .env("GITHUB_ACTIONS", "true")
        .assert();
    let out = common::stdout_of(&a);
    assert!(
        out.contains("Next Review 2026-12-26 (section \"Security Architecture\", every 30d)"),
        "{out}"
    );
    assert!(!out.contains("2027-02-24"), "{out}");
}

#[test]
fn adopt_then_commit_leaves_sync_check_clean() {
    let repo = TestRepo::new();
    let plain = "# Database Architecture\n\n## Overview\nPostgreSQL 16.\n\n## Backups\nNightly.\n";
    repo.write_commit(
        DOC,
        plain,
        "Write the architecture notes",
        ALICE,
        "2025-03-02T10:00:00+00:00",
    );
    repo.write_commit(
        DOC,
        plain.replace("Nightly.", "Nightly, kept 14 days."),
        "Keep backups 14 days",
        BOB,
        "2025-06-10T10:00:00+00:00",
    );
    let out = dbarch_ok(&repo, &["adopt", DOC]);
    // The cycle starts at the adoption (today + 90 days), said in the output.
    assert!(out.contains("Next Review 2027-02-24 (today + 90d"), "{out}");
    let text = repo.read(DOC);
    assert!(text.contains("**Next Review:** 2027-02-24"), "{text}");
    assert!(text.contains("**Last Updated:** 2025-06-10"), "{text}");
    assert_eq!(rows(&text).len(), 2, "{text}");
    repo.commit(&[DOC], "Adopt the document", ALICE, DAY3);
    sync_check(&repo);
    sync_check(&fresh_clone(&repo));
    // Told otherwise.
    let repo2 = TestRepo::new();
    repo2.write_commit(DOC, plain, "Notes", ALICE, DAY1);
    let out = dbarch_ok(&repo2, &["adopt", DOC, "--next-review", "2026-12-31"]);
    assert!(
        out.contains("Next Review 2026-12-31 (from --next-review"),
        "{out}"
    );
}

#[test]
fn drift_counts_a_same_day_commit_after_the_review() {
    let repo = TestRepo::new();
    repo.write(DOC, crate::status::doc_due("2026-11-20"));
    repo.write_doc_config(crate::status::DRIFT_SECTIONS);
    repo.commit(&[DOC, "dbarch.toml"], "docs: architecture", ALICE, DAY1);
    review(
        &repo,
        "2026-11-26T09:00:00Z",
        &["--reviewer", "Ana Lima", "--commit"],
    )
    .success();
    repo.write("migrations/001.sql", "create index i on t (a);\n");
    repo.commit(
        &["migrations/001.sql"],
        "Index t.a",
        BOB,
        "2026-11-26T15:00:00+00:00",
    );
    let a = repo
        .dbarch()
        .env("DBARCH_NOW", "2026-11-26T16:00:00Z")
        .arg("status")
        .assert();
    let out = common::stdout_of(&a);
    assert!(
        out.contains("\"Indexing Strategy\" drifted since the last review")
            && out.contains("Index t.a"),
        "{out}"
    );
}

#[test]
fn a_late_row_is_placed_in_date_order() {
    // The hook records each commit as it is made; then a commit dated earlier than the
    // newest row is made (an author date kept from elsewhere, a clock behind): its row
    // goes where its date puts it, not at the end.
    let repo = setup();
    change(
        &repo,
        "PostgreSQL 16 for everything transactional.",
        "PostgreSQL 17 for everything transactional.",
        "Upgrade to PostgreSQL 17",
        ALICE,
        DAY4,
    );
    change(
        &repo,
        "- **Full Backups:** nightly",
        "- **Full Backups:** nightly at 02:00",
        "Time the nightly backup",
        BOB,
        DAY2,
    );
    let text = repo.read(DOC);
    let listed = rows(&text);
    let dates: Vec<&str> = listed
        .iter()
        .map(|r| r.split('|').nth(1).unwrap_or("").trim())
        .collect();
    assert_eq!(
        dates,
        ["2026-11-20", "2026-11-22", "2026-11-25"],
        "rows out of date order:\n{}",
        listed.join("\n")
    );
    assert!(listed[1].contains("Time the nightly backup"), "{text}");
    sync_check(&repo);
}
