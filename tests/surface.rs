//! What a person meets on the surface: messages, colour flags, help text, `init`'s
//! output, badges. Everything through the real binary.
use crate::common::{TestRepo, DOC};

#[test]
fn color_always_wins_over_no_color_and_never_wins_over_a_terminal() {
    let repo = TestRepo::new();
    repo.dbarch().arg("init").assert().success();
    // The hermetic environment sets NO_COLOR=1: `always` still colours (an explicit flag
    // beats the variable), `auto` and `never` do not.
    let out = repo
        .dbarch()
        .args(["--color", "always", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\u{1b}[32mok"), "{text:?}");
    for choice in ["auto", "never"] {
        let out = repo
            .dbarch()
            .args(["--color", choice, "status"])
            .output()
            .unwrap();
        assert!(
            !out.stdout.contains(&0x1b),
            "--color {choice}: {:?}",
            out.stdout
        );
    }
}

#[test]
fn a_missing_document_is_named_in_words_without_os_jargon() {
    let repo = TestRepo::new();
    let out = repo
        .dbarch()
        .args(["status", "docs/nope.md"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("docs/nope.md"), "{all}");
    assert!(all.contains("no such file"), "{all}");
    assert!(!all.contains("os error"), "{all}");
    let _ = DOC;
}

/// A repository with three documents: one ok, one due soon, one overdue, with long
/// paths and reviewer lists (what makes an 80-column table wrap).
fn three_documents() -> TestRepo {
    let repo = TestRepo::new();
    let doc = |next: &str, by: &str| {
        crate::common::template_with_header(Some("2026-11-01"), Some(by), Some(next))
    };
    repo.write(
        "docs/architecture/storage/database-architecture.md",
        doc(
            "2027-02-01",
            "Database Platform Team, Storage Guild, Ana Lima",
        ),
    );
    repo.write("docs/b.md", doc("2026-12-01", "DBA Team"));
    repo.write("docs/c.md", doc("2026-10-01", "DBA Team"));
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/architecture/storage/database-architecture.md\"\n\
         [[docs]]\npath = \"docs/b.md\"\n[[docs]]\npath = \"docs/c.md\"\n",
    );
    repo.commit_all_as_alice("Add documents");
    repo
}

trait CommitAll {
    fn commit_all_as_alice(&self, msg: &str);
}

impl CommitAll for TestRepo {
    fn commit_all_as_alice(&self, msg: &str) {
        self.git(&["add", "-A"]);
        crate::common::run_git(
            self.path(),
            &[
                "-c",
                "user.name=Alice Example",
                "-c",
                "user.email=alice@example.com",
                "commit",
                "-q",
                "-m",
                msg,
            ],
        );
    }
}

#[test]
fn status_fits_80_columns_without_cutting_a_word_and_wide_does_not() {
    let repo = three_documents();
    let out = repo
        .dbarch()
        .env("COLUMNS", "80")
        .arg("status")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = text.lines().take(4).collect();
    for line in &table {
        assert!(line.chars().count() <= 80, "{} > 80: {line:?}", line.len());
    }
    assert!(text.contains("…/database-architecture.md"), "{text}");
    // No word is cut in two: every word shown is a whole word of a cell, or `…`.
    let whole = "DOCUMENT UPDATED BY NEXT DAYS STATE TODO UNREC DRIFT \
        docs/b.md docs/c.md Database Platform Team, Storage Guild, Ana Lima DBA Team \
        ok due-soon overdue 2027-02-01 2026-12-01 2026-10-01 -";
    for w in table.iter().flat_map(|l| l.split_whitespace()) {
        let known = whole.split_whitespace().any(|k| k == w)
            || w.chars().all(|c| c.is_ascii_digit() || c == '-')
            || w == "…"
            || w.ends_with(",…")
            || w == "…/database-architecture.md";
        assert!(known, "a word was cut: {w:?}\n{text}");
    }
    let wide = repo
        .dbarch()
        .env("COLUMNS", "80")
        .args(["status", "--wide"])
        .output()
        .unwrap();
    let wide = String::from_utf8(wide.stdout).unwrap();
    assert!(wide.contains("docs/architecture/storage/database-architecture.md"));
    assert!(wide.contains("Database Platform Team, Storage Guild, Ana Lima"));
}

#[test]
fn status_quiet_prints_the_summary_line_only() {
    let repo = three_documents();
    let out = repo.dbarch().args(["status", "--quiet"]).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "3 documents: 1 ok, 1 due soon, 1 overdue\n"
    );
}

#[test]
fn status_format_shields_is_a_badge_for_the_most_urgent_document() {
    let repo = three_documents();
    let out = repo
        .dbarch()
        .args(["status", "--format", "shields"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"schemaVersion": 1, "label": "architecture review",
            "message": "review overdue", "color": "red"})
    );
    let ok = repo
        .dbarch()
        .args([
            "status",
            "--format",
            "shields",
            "docs/architecture/storage/database-architecture.md",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["message"], "review in 67 days");
    assert_eq!(v["color"], "brightgreen");
}

#[test]
fn a_mistyped_key_shows_the_line_a_caret_and_the_closest_key() {
    let repo = TestRepo::new();
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreviw-every = \"90d\"\n",
    );
    let out = repo.dbarch().arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "  |\n3 | reviw-every = \"90d\"\n  | ^^^^^^^^^^^\n  = help: did you mean `review-every`?"
        ),
        "{err}"
    );
    // A wrong type is said in words, not in Rust's.
    repo.write("dbarch.toml", "[github]\nlabels = \"x\"\n");
    let out = repo.dbarch().arg("status").output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("expected a list such as"), "{err}");
    assert!(
        !err.contains("sequence") && !err.contains("invalid type"),
        "{err}"
    );
}

/// `dbarch ARGS` with a fixed terminal width for clap's wrapping; stdout.
fn help_of(args: &[&str]) -> String {
    let out = crate::common::dbarch()
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Help texts are part of the product: a wording change shows up as a snapshot diff to
/// review (`tests/snapshots/`; `INSTA_UPDATE=always cargo test` rewrites them).
#[test]
fn help_texts_have_examples_and_are_snapshotted() {
    let commands = [
        "init",
        "lint",
        "sync",
        "adopt",
        "status",
        "review",
        "remind",
        "config",
        "demo",
        "hooks",
        "completions",
        "man",
        "doctor",
        "resolve",
        "merge-driver",
        "schema",
    ];
    insta::assert_snapshot!("help", help_of(&["--help"]));
    for c in commands {
        let text = help_of(&[c, "--help"]);
        assert!(
            text.contains("Examples:") || text.contains("Where to put the script:"),
            "`dbarch {c} --help` has no examples:\n{text}"
        );
        insta::assert_snapshot!(format!("help-{c}"), text);
    }
}

#[test]
fn man_prints_a_manual_page_with_every_command() {
    let page = help_of(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH dbarch 1"),
        "{page}"
    );
    for c in ["init", "sync", "status", "review", "remind", "hooks"] {
        assert!(page.contains(c), "the manual page lacks {c}");
    }
}

#[test]
fn sync_over_many_documents_ends_with_one_summary_line() {
    let repo = TestRepo::new();
    let doc = crate::common::template_with_header(
        Some("2026-11-01"),
        Some("DBA Team"),
        Some("2027-02-01"),
    );
    let mut config = String::new();
    for i in 0..3 {
        repo.write(&format!("docs/d{i}.md"), &doc);
        config.push_str(&format!("[[docs]]\npath = \"docs/d{i}.md\"\n"));
    }
    repo.write("dbarch.toml", &config);
    repo.commit_all_as_alice("Add three documents");
    let out = repo.dbarch().args(["sync", "--dry-run"]).output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.lines().last(),
        Some("3 documents: 3 would change, 3 rows"),
        "{out}"
    );
    let out = repo.dbarch().arg("sync").output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.lines().last(),
        Some("3 documents: 3 changed, 3 rows"),
        "{out}"
    );
    let out = repo.dbarch().arg("sync").output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.lines().last(), Some("3 documents: 0 changed"), "{out}");
}

#[test]
fn config_show_origin_names_default_file_line_and_variable() {
    let repo = TestRepo::new();
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/db.md\"\nreview-every = \"30d\"\n\n[hook]\nmode = \"worktree\"\n",
    );
    let out = repo
        .dbarch()
        .env("DBARCH_LABELS", "a,b")
        .args(["config", "--show-origin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    for line in [
        "file:dbarch.toml:3\tdocs[0].review-every = \"30d\"",
        "file:dbarch.toml:6\thook.mode = \"worktree\"",
        "env:DBARCH_LABELS\tgithub.labels = [\"a\", \"b\"]",
        "default\tgithub.mode = \"issue\"",
        "default\tdocs[0].grace = \"14d\"",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} not in\n{out}");
    }
}

#[test]
fn a_bad_review_date_is_refused_before_anything_is_shown() {
    let repo = TestRepo::new();
    repo.dbarch().arg("init").assert().success();
    repo.commit_all_as_alice("Add the document");
    let out = repo
        .dbarch()
        .args([
            "review",
            "--yes",
            "--reviewer",
            "Ana",
            "--date",
            "2026-02-30",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "",
        "no summary before the refusal"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("`2026-02-30` is not a date"), "{err}");
}
