//! `dbarch config`: the effective configuration.
use crate::common::{stderr_of, stdout_of, TestRepo};

const SETTINGS: &str = "\
[[docs]]
path = \"docs/db.md\"
review-every = \"30d\"
reviewers = [\"@acme/dba\"]

[changelog]
default-impact = \"Medium\"

[hook]
mode = \"amend\"
";

#[test]
fn config_prints_the_file_values_as_toml() {
    let repo = TestRepo::without_git();
    repo.write("dbarch.toml", SETTINGS);
    let a = repo.dbarch().arg("config").assert().success();
    let out = stdout_of(&a);
    for line in [
        "path = \"docs/db.md\"",
        "review-every = \"30d\"",
        "reviewers = [\"@acme/dba\"]",
        "default-impact = \"Medium\"",
        "mode = \"amend\"",
        // Defaults fill in what the file leaves out.
        "max-cell-width = 120",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} not in\n{out}");
    }
    let parsed: toml::Table = out.parse().expect("the output is TOML");
    assert_eq!(parsed["hook"]["mode"].as_str(), Some("amend"));
    assert_eq!(parsed["docs"][0]["review-every"].as_str(), Some("30d"));
}

#[test]
fn config_without_a_file_prints_the_defaults() {
    let repo = TestRepo::new();
    let a = repo.dbarch().arg("config").assert().success();
    let out = stdout_of(&a);
    assert!(
        out.contains("path = \"docs/database-architecture.md\""),
        "{out}"
    );
    assert!(out.contains("review-every = \"90d\""), "{out}");
}

#[test]
fn unknown_key_names_file_line_column_and_key() {
    let repo = TestRepo::without_git();
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/db.md\"\nreviewrs = [\"@acme/dba\"]\n",
    );
    let a = repo.dbarch().arg("config").assert().code(2);
    let err = stderr_of(&a);
    assert!(err.contains("dbarch.toml:3:1"), "{err}");
    assert!(err.contains("reviewrs"), "{err}");
    assert!(stdout_of(&a).is_empty());
}

#[test]
fn environment_overrides_the_file() {
    let repo = TestRepo::without_git();
    repo.write("dbarch.toml", SETTINGS);
    let a = repo
        .dbarch()
        .env("DBARCH_HOOK_MODE", "worktree")
        .arg("config")
        .assert()
        .success();
    let out = stdout_of(&a);
    let parsed: toml::Table = out.parse().expect("the output is TOML");
    assert_eq!(parsed["hook"]["mode"].as_str(), Some("worktree"), "{out}");
    // The rest of the file still applies.
    assert_eq!(parsed["docs"][0]["review-every"].as_str(), Some("30d"));
}

#[test]
fn bad_environment_value_is_a_config_error() {
    let repo = TestRepo::without_git();
    let a = repo
        .dbarch()
        .env("DBARCH_HOOK_MODE", "sometimes")
        .arg("config")
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(err.contains("DBARCH_HOOK_MODE"), "{err}");
    assert!(err.contains("sometimes"), "{err}");
}
