//! `dbarch --version` and `dbarch doctor`, through the real binary: what it is built
//! from, and what it reports about a repository (full or shallow history, commit-graph,
//! hook, merge driver) as the repository changes under it.
use crate::common::{self, filled_doc, run_git, TestRepo, ALICE, DOC};

const DAY1: &str = "2026-11-20T10:00:00+00:00";
const DAY2: &str = "2026-11-24T09:30:00+00:00";

#[test]
fn version_names_the_version_and_the_commit() {
    let a = common::dbarch().arg("--version").assert().success();
    let out = common::stdout_of(&a);
    let line = out.trim();
    let rest = line
        .strip_prefix(&format!("dbarch {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected --version: {line}"));
    // A hex commit id from build.rs, or `unknown` where it was built outside git.
    assert!(
        rest == "unknown" || (rest.len() >= 7 && rest.chars().all(|c| c.is_ascii_hexdigit())),
        "{line}"
    );
}

fn doctor(repo: &TestRepo, code: i32) -> String {
    let a = repo.dbarch().arg("doctor").assert().code(code);
    common::stdout_of(&a)
}

fn line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no `{name}:` line in\n{out}"))
}

#[test]
fn doctor_reports_tools_and_repository_fitness() {
    let repo = TestRepo::new();
    repo.write_commit(DOC, filled_doc(), "First version", ALICE, DAY1);
    repo.write(DOC, format!("{}\nMore.\n", filled_doc()));
    repo.commit(&[DOC], "Second", ALICE, DAY2);

    let out = doctor(&repo, 0);
    assert!(
        line(&out, "dbarch").contains(env!("CARGO_PKG_VERSION")),
        "{out}"
    );
    assert!(line(&out, "git").starts_with("git: git version "), "{out}");
    assert!(line(&out, "libgit2").contains("vendored"), "{out}");
    assert_eq!(line(&out, "history"), "history: full");
    assert!(
        line(&out, "commit-graph").starts_with("commit-graph: none"),
        "{out}"
    );
    assert!(
        line(&out, "post-commit hook").contains("not installed"),
        "{out}"
    );
    assert!(
        line(&out, "merge driver").contains("not configured"),
        "{out}"
    );

    // Each fix shows up.
    repo.git(&["commit-graph", "write", "--reachable"]);
    let out = doctor(&repo, 0);
    assert!(
        line(&out, "commit-graph").contains("without changed-path filters"),
        "{out}"
    );
    repo.git(&["commit-graph", "write", "--reachable", "--changed-paths"]);
    repo.dbarch().args(["hooks", "install"]).assert().success();
    repo.git(&[
        "config",
        "merge.dbarch.driver",
        "dbarch merge-driver %O %A %B",
    ]);
    let out = doctor(&repo, 0);
    assert_eq!(
        line(&out, "commit-graph"),
        "commit-graph: present, with changed-path filters"
    );
    assert_eq!(
        line(&out, "post-commit hook"),
        "post-commit hook: installed"
    );
    assert_eq!(
        line(&out, "merge driver"),
        "merge driver: configured (merge.dbarch.driver = dbarch merge-driver %O %A %B)"
    );
}

#[test]
fn doctor_flags_a_shallow_clone_and_no_repository() {
    let origin = TestRepo::new();
    origin.write_commit(DOC, filled_doc(), "First version", ALICE, DAY1);
    origin.write(DOC, format!("{}\nMore.\n", filled_doc()));
    origin.commit(&[DOC], "Second", ALICE, DAY2);
    let clone = TestRepo::without_git();
    let url = format!("file://{}", origin.path().display());
    run_git(
        clone.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let a = common::dbarch()
        .current_dir(clone.abs("shallow"))
        .arg("doctor")
        .assert()
        .code(1);
    let out = common::stdout_of(&a);
    assert!(
        line(&out, "history").starts_with("history: shallow"),
        "{out}"
    );
    assert!(line(&out, "history").contains("fetch-depth: 0"), "{out}");

    let none = TestRepo::without_git();
    let out = doctor(&none, 1);
    assert!(
        line(&out, "repository").starts_with("repository: none"),
        "{out}"
    );
    // The tool lines come first, whatever the repository.
    assert!(line(&out, "libgit2").starts_with("libgit2: "), "{out}");
}
