//! `dbarch init`.
use crate::common::{
    stderr_of, stdout_of, template_with_header, TestRepo, CONFIG_TEMPLATE, DOC, DOC_TEMPLATE,
};

/// The document `init` writes on 2026-11-26 with the default 90-day review cycle.
fn expected_doc(reviewer: Option<&str>) -> String {
    template_with_header(Some("2026-11-26"), reviewer, Some("2027-02-24"))
}

#[test]
fn init_writes_document_and_config_without_git() {
    let repo = TestRepo::without_git();
    let a = repo.dbarch().arg("init").assert().success();
    let out = stdout_of(&a);
    assert!(
        out.contains("wrote docs/database-architecture.md\n"),
        "{out}"
    );
    assert!(out.contains("wrote dbarch.toml\n"), "{out}");
    assert!(out.contains("Next steps"), "{out}");
    assert!(out.contains("dbarch lint"), "{out}");
    assert!(out.contains("git init"), "{out}");

    let doc = repo.read(DOC);
    assert_eq!(doc, expected_doc(None));
    assert!(doc.contains("**Last Updated:** 2026-11-26  \n"));
    assert!(doc.contains("**Reviewed By:** [TEAM]  \n"));
    assert!(doc.contains("**Next Review:** 2027-02-24  \n"));
    assert!(
        doc.ends_with(")\n") && !doc.ends_with("\n\n"),
        "the document ends with one newline, as an editor would save it"
    );
    assert_eq!(repo.read("dbarch.toml"), CONFIG_TEMPLATE);
}

#[test]
fn init_header_is_the_only_change_to_the_template() {
    let repo = TestRepo::new();
    repo.dbarch().arg("init").assert().success();
    let doc = repo.read(DOC);
    let a: Vec<&str> = DOC_TEMPLATE.split('\n').collect();
    let b: Vec<&str> = doc.split('\n').collect();
    assert_eq!(a.len(), b.len());
    let changed: Vec<(usize, &str)> = a
        .iter()
        .zip(&b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (_, y))| (i + 1, *y))
        .collect();
    assert_eq!(
        changed,
        [
            (3, "**Last Updated:** 2026-11-26  "),
            (5, "**Next Review:** 2027-02-24  ")
        ]
    );
}

#[test]
fn init_in_a_git_repository_suggests_the_commit() {
    let repo = TestRepo::new();
    let a = repo.dbarch().arg("init").assert().success();
    let out = stdout_of(&a);
    assert!(
        out.contains("git add docs/database-architecture.md dbarch.toml"),
        "{out}"
    );
    // Run from a subdirectory: the files still go to the repository root.
    let repo = TestRepo::new();
    repo.write("sub/dir/.keep", "");
    repo.dbarch()
        .current_dir(repo.abs("sub/dir"))
        .arg("init")
        .assert()
        .success();
    assert!(repo.exists(DOC));
    assert!(repo.exists("dbarch.toml"));
    assert!(!repo.exists("sub/dir/docs"));
}

#[test]
fn init_path_is_honoured_and_configured() {
    let repo = TestRepo::without_git();
    let a = repo
        .dbarch()
        .args(["init", "--path", "./architecture/db.md"])
        .assert()
        .success();
    let out = stdout_of(&a);
    assert!(out.contains("wrote architecture/db.md\n"), "{out}");
    assert!(!repo.exists(DOC));
    assert_eq!(repo.read("architecture/db.md"), expected_doc(None));
    let toml = repo.read("dbarch.toml");
    assert_eq!(
        toml,
        CONFIG_TEMPLATE.replace(
            "path = \"docs/database-architecture.md\"",
            "path = \"architecture/db.md\""
        )
    );
    assert_ne!(toml, CONFIG_TEMPLATE);

    let a = repo.dbarch().arg("config").assert().success();
    assert!(stdout_of(&a).contains("path = \"architecture/db.md\""));
    // lint finds the configured document.
    let a = repo.dbarch().arg("lint").assert().code(1);
    assert!(stdout_of(&a).contains("architecture/db.md:"));
}

#[test]
fn init_refuses_a_path_outside_the_repository() {
    let repo = TestRepo::without_git();
    for path in ["../escape.md", "/tmp/abs.md"] {
        let a = repo
            .dbarch()
            .args(["init", "--path", path])
            .assert()
            .code(2);
        assert!(stderr_of(&a).contains("refusing"), "{}", stderr_of(&a));
    }
    assert_eq!(std::fs::read_dir(repo.path()).unwrap().count(), 0);
}

#[test]
fn second_init_without_force_fails_and_changes_nothing() {
    let repo = TestRepo::without_git();
    repo.dbarch().arg("init").assert().success();
    repo.write(DOC, "my edited document\n");
    repo.write("dbarch.toml", "# my settings\n");
    let a = repo.dbarch().arg("init").assert().code(2);
    let err = stderr_of(&a);
    assert!(err.contains("docs/database-architecture.md"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(stdout_of(&a).is_empty());
    assert_eq!(repo.read(DOC), "my edited document\n");
    assert_eq!(repo.read("dbarch.toml"), "# my settings\n");
}

#[test]
fn existing_document_is_refused_before_the_config_is_written() {
    let repo = TestRepo::without_git();
    repo.write(DOC, "mine");
    repo.dbarch().arg("init").assert().code(2);
    assert!(!repo.exists("dbarch.toml"));
    assert_eq!(repo.read(DOC), "mine");
}

#[test]
fn force_overwrites_both_files() {
    let repo = TestRepo::without_git();
    repo.write(DOC, "old doc");
    repo.write("dbarch.toml", "# old settings\n");
    let a = repo.dbarch().args(["init", "--force"]).assert().success();
    let out = stdout_of(&a);
    assert!(out.contains("wrote docs/database-architecture.md"), "{out}");
    assert!(out.contains("wrote dbarch.toml"), "{out}");
    assert_eq!(repo.read(DOC), expected_doc(None));
    assert_eq!(repo.read("dbarch.toml"), CONFIG_TEMPLATE);
}

#[test]
fn existing_config_is_kept_and_used() {
    let repo = TestRepo::without_git();
    let settings = "[[docs]]\npath = \"docs/database-architecture.md\"\nreview-every = \"30d\"\nreviewers = [\"@acme/dba\", \"@octocat\"]\n";
    repo.write("dbarch.toml", settings);
    let a = repo.dbarch().arg("init").assert().success();
    let out = stdout_of(&a);
    assert!(out.contains("kept dbarch.toml"), "{out}");
    assert!(!out.contains("wrote dbarch.toml"), "{out}");
    assert_eq!(repo.read("dbarch.toml"), settings);
    assert_eq!(
        repo.read(DOC),
        template_with_header(
            Some("2026-11-26"),
            Some("@acme/dba, @octocat"),
            Some("2026-12-26")
        )
    );
}

#[test]
fn kept_config_without_an_entry_for_the_path_warns() {
    let repo = TestRepo::without_git();
    repo.write("dbarch.toml", "[[docs]]\npath = \"docs/other.md\"\n");
    let a = repo
        .dbarch()
        .args(["init", "--path", "docs/new.md"])
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(err.contains("no [[docs]] entry for docs/new.md"), "{err}");
}

#[test]
fn reviewer_flag_fills_reviewed_by() {
    let repo = TestRepo::without_git();
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreviewers = [\"@acme/dba\"]\n",
    );
    repo.dbarch()
        .args(["init", "--reviewer", "Jane Doe"])
        .assert()
        .success();
    assert_eq!(repo.read(DOC), expected_doc(Some("Jane Doe")));
}

#[test]
fn reviewer_with_line_breaks_stays_on_one_line() {
    let repo = TestRepo::without_git();
    repo.dbarch()
        .args([
            "init",
            "--reviewer",
            "Jane\n**Next Review:** never\u{1b}[31m",
        ])
        .assert()
        .success();
    let doc = repo.read(DOC);
    assert!(doc.contains("**Next Review:** 2027-02-24  \n"), "{doc}");
    assert!(
        doc.contains("**Reviewed By:** Jane **Next Review:** never  \n"),
        "{doc}"
    );
    let starts = doc.lines().filter(|l| l.starts_with("**Next Review:**"));
    assert_eq!(starts.count(), 1, "{doc}");
    assert!(!doc.contains('\u{1b}'));
}

#[test]
fn review_every_from_the_environment() {
    let repo = TestRepo::without_git();
    repo.dbarch()
        .env("DBARCH_REVIEW_EVERY", "quarterly")
        .arg("init")
        .assert()
        .success();
    assert_eq!(
        repo.read(DOC),
        template_with_header(Some("2026-11-26"), None, Some("2027-02-26"))
    );
}

#[test]
fn custom_field_labels_are_used() {
    let repo = TestRepo::without_git();
    repo.write(
        "dbarch.toml",
        "[fields]\nlast-updated = \"Updated\"\nreviewed-by = \"Owners\"\nnext-review = \"Review Due\"\n",
    );
    repo.dbarch()
        .args(["init", "--reviewer", "DBA"])
        .assert()
        .success();
    let doc = repo.read(DOC);
    assert!(
        doc.starts_with(
            "# Database Architecture\n\n**Updated:** 2026-11-26  \n**Owners:** DBA  \n**Review Due:** 2027-02-24  \n\n## Overview\n"
        ),
        "{doc}"
    );
    assert!(!doc.contains("Last Updated"));
}

#[test]
fn written_config_loads() {
    let repo = TestRepo::without_git();
    repo.dbarch().arg("init").assert().success();
    repo.dbarch().arg("config").assert().success();
    repo.dbarch()
        .args(["config", "--config", "dbarch.toml"])
        .assert()
        .success();
}

#[test]
fn init_refuses_a_path_that_dbarch_toml_would_read_as_a_glob() {
    let repo = TestRepo::without_git();
    let a = repo
        .dbarch()
        .args(["init", "--path", "docs/*.md"])
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("glob"), "{}", stderr_of(&a));
    assert_eq!(std::fs::read_dir(repo.path()).unwrap().count(), 0);
}

#[test]
fn init_from_a_subdirectory_prints_git_add_paths_that_work_there() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.abs("src/deep")).unwrap();
    let out = repo
        .dbarch()
        .current_dir(repo.abs("src/deep"))
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    let line = out
        .lines()
        .find(|l| l.contains("git add"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("git add ../../docs/database-architecture.md ../../dbarch.toml"),
        "{line}"
    );
    // And the command works from there.
    let paths: Vec<&str> = line
        .split("git add ")
        .nth(1)
        .unwrap()
        .split(" && ")
        .next()
        .unwrap()
        .split(' ')
        .collect();
    let mut add = vec!["add"];
    add.extend(paths);
    crate::common::run_git(&repo.abs("src/deep"), &add);
    let staged = repo.git(&["diff", "--cached", "--name-only"]);
    assert_eq!(staged, "dbarch.toml\ndocs/database-architecture.md\n");
}
