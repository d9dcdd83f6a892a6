//! Shapes of real projects' histories (issue 14): git.git's mass rename with topic
//! branches merged across it, criss-cross and octopus merges, and the subjects real
//! projects write.
use std::path::Path;

use crate::common::*;

const ANA: (&str, &str) = ("Ana Lima", "ana@example.com");

/// The rows' Change cells of `doc`'s Change Log, in table order.
fn changes(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("| 20"))
        .map(|l| l.split(" | ").nth(1).unwrap_or("").to_string())
        .collect()
}

/// benches/gen-mass-rename.sh at a small size: files renamed in one commit, topic
/// branches forked before and merged after, a criss-cross and an octopus merge.
#[test]
fn mass_rename_with_topics_merged_across_it_gets_every_row_and_no_merge_rows() {
    let repo = TestRepo::without_git();
    let dir = repo.path().join("r");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen-mass-rename.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .args(["--files", "40", "--topics", "8"])
        .arg(&dir)
        .envs(
            hermetic_env()
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v))),
        )
        .output()
        .expect("run the generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = "Documentation/architecture.adoc";
    let logged = run_git(&dir, &["log", "--follow", "--format=%s", "--", doc]);
    let mut cmd = dbarch();
    cmd.current_dir(&dir);
    cmd.args(["sync", doc]).assert().success();
    let text = std::fs::read_to_string(dir.join(doc)).unwrap();
    let rows = changes(&text);
    // Every commit git log --follow lists (it shows no merges), none other: the topics'
    // merges, the criss-cross and the octopus merge are clean, so they get no row.
    // (git log --follow --reverse does not follow: reversed here.)
    let lower_first = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    let expected: Vec<String> = logged
        .lines()
        .rev()
        .map(|s| lower_first(s.strip_prefix("docs: ").unwrap_or(s)))
        .collect();
    let got: Vec<String> = rows.iter().map(|r| lower_first(r)).collect();
    assert_eq!(got, expected);
    assert_eq!(rows.len(), 16, "{rows:?}");
    assert!(rows
        .iter()
        .any(|r| r == "Documentation: rename *.txt to *.adoc"));
    assert!(rows.iter().any(|r| r.starts_with("Topic 4 revises")));
    assert!(rows.iter().any(|r| r == "X revises item 104"));
    assert!(rows.iter().any(|r| r == "o1 revises item 108"));
    assert!(!rows.iter().any(|r| r.starts_with("Merge")), "{rows:?}");
    // status agrees: nothing unrecorded after the sync.
    let mut cmd = dbarch();
    cmd.current_dir(&dir);
    let out = cmd.args(["status", "--format", "json", doc]).assert();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(
        json["documents"][0]["unrecorded"],
        serde_json::json!([]),
        "{json}"
    );
}

/// Subjects as git.git and other real projects write them keep their meaning.
#[test]
fn subjects_keep_their_area_identifiers_and_brackets() {
    let repo = TestRepo::new();
    repo.write_doc_config("");
    let text = filled_doc();
    repo.write_commit(
        DOC,
        &text,
        "docs: add the document",
        ANA,
        "2026-01-05T10:00:00Z",
    );
    let subjects = [
        "receive-pack: use strict mode for fsck",
        "gc.* configuration is described",
        "lock_packed_refs() takes a timeout",
        "Add foo() function",
        "feat(db)!: add `git log <path>` to the examples",
    ];
    for (i, s) in subjects.iter().enumerate() {
        let edited = text.replace("everything transactional.", &format!("everything ({i})."));
        repo.write_commit(
            DOC,
            &edited,
            s,
            ANA,
            &format!("2026-01-{:02}T10:00:00Z", 6 + i),
        );
    }
    repo.dbarch().args(["sync"]).assert().success();
    let rows = changes(&repo.read(DOC));
    let joined = rows.join("\n");
    for expected in [
        "receive-pack: use strict mode for fsck",
        "gc.* configuration is described",
        "lock_packed_refs() takes a timeout",
        "Add foo() function",
        "Add `git log <path>` to the examples",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(expected)),
            "{expected:?} not in\n{joined}"
        );
    }
    assert!(!joined.contains("&lt;path&gt;"), "{joined}");
}

/// Whitespace-only commits of every kind: blank lines at the end, trailing spaces, line
/// endings only ("War on whitespace" in git.git).
fn whitespace_kinds(config: &str) -> Vec<String> {
    let repo = TestRepo::new();
    repo.write("dbarch.toml", config);
    let text = filled_doc();
    repo.write_commit(DOC, &text, "Add the document", ANA, "2026-01-05T10:00:00Z");
    let text = format!("{text}\n\n");
    repo.write_commit(
        DOC,
        &text,
        "Blank lines at the end",
        ANA,
        "2026-01-06T10:00:00Z",
    );
    let text = text.replace("everything transactional.", "everything transactional.   ");
    repo.write_commit(DOC, &text, "Trailing spaces", ANA, "2026-01-07T10:00:00Z");
    let text = text.replace('\n', "\r\n");
    repo.write_commit(DOC, &text, "War on whitespace", ANA, "2026-01-08T10:00:00Z");
    repo.dbarch().args(["sync", DOC]).assert().success();
    changes(&repo.read(DOC).replace("\r\n", "\n"))
}

#[test]
fn whitespace_only_commits_of_every_kind_get_rows_unless_skipped() {
    let rows = whitespace_kinds("");
    for subject in [
        "Blank lines at the end",
        "Trailing spaces",
        "War on whitespace",
    ] {
        assert!(
            rows.iter().any(|r| r == subject),
            "{subject:?} not in {rows:?}"
        );
    }
    let rows = whitespace_kinds("[changelog]\nskip-whitespace-only = true\n");
    // (The first commit brings its own row: rule 2.)
    assert_eq!(rows, vec!["First version".to_string()]);
}

/// A commit whose author date is older than its parent's (rebased, cherry-picked, a long
/// topic) gets its row in date order.
#[test]
fn rows_are_written_in_date_order() {
    let repo = TestRepo::new();
    repo.write_doc_config("");
    let text = filled_doc();
    repo.write_commit(DOC, &text, "Add the document", ANA, "2026-01-05T10:00:00Z");
    let edit = |n: u32, author_date: &str, committer_date: &str| {
        let t = text.replace("everything transactional.", &format!("everything ({n})."));
        repo.write(DOC, t);
        repo.git(&["add", DOC]);
        let mut cmd = git_command_as(repo.path(), ANA, ANA, committer_date);
        cmd.env("GIT_AUTHOR_DATE", author_date);
        let out = cmd
            .args(["commit", "-q", "-m", &format!("Edit {n}")])
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    edit(1, "2026-01-12T10:00:00Z", "2026-01-12T10:00:00Z");
    edit(2, "2026-01-08T10:00:00Z", "2026-01-13T10:00:00Z"); // rebased: older author date
    edit(3, "2026-01-14T10:00:00Z", "2026-01-14T10:00:00Z");
    repo.dbarch().args(["sync", DOC]).assert().success();
    let doc = repo.read(DOC);
    let dates: Vec<&str> = doc
        .lines()
        .filter(|l| l.starts_with("| 20") && l.contains("| Edit "))
        .map(|l| &l[2..12])
        .collect();
    assert_eq!(dates.len(), 3, "{doc}");
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "{doc}");
    assert!(dates.contains(&"2026-01-08"), "{doc}");
}

/// A document of ten numbered lines, with `(line, text)` replaced.
fn lines_doc(changes: &[(usize, &str)]) -> String {
    let mut t = doc_header("2026-01-05", "DBA Team", "2027-02-18") + "## Design\n";
    for i in 1..=10 {
        let text = changes
            .iter()
            .find(|(l, _)| *l == i)
            .map_or(format!("line {i}"), |(_, s)| s.to_string());
        t += &format!("- {text}\n");
    }
    t + "\n## Change Log\n| Date | Change | Author | Impact |\n|------|--------|--------|--------|\n| [DATE] | [CHANGE] | [AUTHOR] | [IMPACT] |\n"
}

fn merge(repo: &TestRepo, args: &[&str], date: &str) {
    let mut cmd = git_command_as(repo.path(), ANA, ANA, date);
    let out = cmd
        .args(["merge", "-q", "--no-ff", "--no-edit"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Clean merges of every shape get no row: an octopus whose branches edit the document
/// in different places, and a criss-cross whose last merge is clean only on git's
/// virtual base (each single merge base conflicts).
#[test]
fn octopus_and_criss_cross_clean_merges_get_no_row() {
    let repo = TestRepo::new();
    repo.write_doc_config("");
    repo.write_commit(
        DOC,
        lines_doc(&[]),
        "Add the document",
        ANA,
        "2026-01-05T10:00:00Z",
    );
    // Octopus: a edits line 1, b line 5, c another file.
    for (branch, change, day) in [
        ("a", Some((1, "line 1 by a")), 6),
        ("b", Some((5, "line 5 by b")), 7),
        ("c", None, 8),
    ] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        let date = format!("2026-01-{day:02}T10:00:00Z");
        match change {
            Some(c) => repo.write_commit(
                DOC,
                lines_doc(&[c]),
                &format!("Edit on {branch}"),
                ANA,
                &date,
            ),
            None => repo.write_commit("other.txt", "x\n", "Other file", ANA, &date),
        };
    }
    repo.git(&["checkout", "-q", "main"]);
    merge(&repo, &["a", "b", "c"], "2026-01-09T10:00:00Z");
    let after_octopus = [(1, "line 1 by a"), (5, "line 5 by b")];
    assert_eq!(repo.read(DOC), lines_doc(&after_octopus));

    // Criss-cross: x edits line 2, y line 6; each merges the other; x then edits line 3,
    // y line 7 (each next to the other side's edit from the base's view).
    let mut with = after_octopus.to_vec();
    repo.git(&["checkout", "-q", "-b", "x", "main"]);
    repo.write_commit(
        DOC,
        lines_doc(&[with.clone(), vec![(2, "line 2 by x")]].concat()),
        "Edit on x",
        ANA,
        "2026-01-10T10:00:00Z",
    );
    repo.git(&["checkout", "-q", "-b", "y", "main"]);
    repo.write_commit(
        DOC,
        lines_doc(&[with.clone(), vec![(6, "line 6 by y")]].concat()),
        "Edit on y",
        ANA,
        "2026-01-11T10:00:00Z",
    );
    let x1 = repo.git(&["rev-parse", "x"]).trim().to_string();
    let y1 = repo.head();
    repo.git(&["checkout", "-q", "x"]);
    merge(&repo, &[&y1], "2026-01-12T10:00:00Z");
    repo.git(&["checkout", "-q", "y"]);
    merge(&repo, &[&x1], "2026-01-12T11:00:00Z");
    with.extend([(2, "line 2 by x"), (6, "line 6 by y")]);
    repo.git(&["checkout", "-q", "x"]);
    repo.write_commit(
        DOC,
        lines_doc(&[with.clone(), vec![(3, "line 3 by x")]].concat()),
        "Second edit on x",
        ANA,
        "2026-01-13T10:00:00Z",
    );
    repo.git(&["checkout", "-q", "y"]);
    repo.write_commit(
        DOC,
        lines_doc(&[with.clone(), vec![(7, "line 7 by y")]].concat()),
        "Second edit on y",
        ANA,
        "2026-01-14T10:00:00Z",
    );
    repo.git(&["checkout", "-q", "main"]);
    merge(&repo, &["x"], "2026-01-15T10:00:00Z");
    merge(&repo, &["y"], "2026-01-16T10:00:00Z");
    with.extend([(3, "line 3 by x"), (7, "line 7 by y")]);
    assert_eq!(repo.read(DOC), lines_doc(&with), "git merged it cleanly");

    repo.dbarch().args(["sync", DOC]).assert().success();
    let rows = changes(&repo.read(DOC));
    assert!(!rows.iter().any(|r| r.starts_with("Merge")), "{rows:?}");
    assert_eq!(rows.len(), 7, "{rows:?}");
}

/// A delete and a later add are two lives: the new file's history starts at its add,
/// said in `-v` and `status --format json`; `previous-paths` stitches the lives.
#[test]
fn a_delete_and_a_later_add_are_two_lives_unless_stitched() {
    let setup = |config: &str| {
        let repo = TestRepo::new();
        repo.write("dbarch.toml", config);
        repo.write_commit(
            "spec/old.md",
            lines_doc(&[]),
            "Old spec",
            ANA,
            "2026-01-05T10:00:00Z",
        );
        repo.write_commit(
            "spec/old.md",
            lines_doc(&[(1, "one")]),
            "Edit the old spec",
            ANA,
            "2026-01-06T10:00:00Z",
        );
        repo.git(&["rm", "-q", "spec/old.md"]);
        repo.commit(&[], "Drop the old spec", ANA, "2026-01-07T10:00:00Z");
        repo.write_commit(
            DOC,
            lines_doc(&[(2, "two")]),
            "New spec",
            ANA,
            "2026-01-08T10:00:00Z",
        );
        repo
    };
    let repo = setup(&format!("[[docs]]\npath = \"{DOC}\"\n"));
    let out = repo.dbarch().args(["-v", "sync", DOC]).assert().success();
    let err = stderr_of(&out);
    assert!(err.contains("the history starts here"), "{err}");
    assert!(err.contains(&format!("{DOC} added in")), "{err}");
    assert_eq!(changes(&repo.read(DOC)), vec!["New spec".to_string()]);
    let out = repo.dbarch().args(["status", "--format", "json"]).assert();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let start = &json["documents"][0]["history_start"];
    assert_eq!(start["path"], DOC, "{json}");
    assert_eq!(start["date"], "2026-01-08", "{json}");
    assert_eq!(start["cut_off"], false, "{json}");

    let repo = setup(&format!(
        "[[docs]]\npath = \"{DOC}\"\nprevious-paths = [\"spec/old.md\"]\n"
    ));
    repo.dbarch().args(["sync", DOC]).assert().success();
    assert_eq!(
        changes(&repo.read(DOC)),
        vec![
            "Old spec",
            "Edit the old spec",
            "Drop the old spec",
            "New spec"
        ]
    );
    let out = repo.dbarch().args(["status", "--format", "json"]).assert();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(
        json["documents"][0]["history_start"]["path"], "spec/old.md",
        "{json}"
    );
}

/// `adopt` of a document whose code block is never closed refuses before the history
/// walk, naming the user's own line (not one shifted by the header it would add).
#[test]
fn adopt_refuses_an_unclosed_code_block_at_the_users_line() {
    let repo = TestRepo::new();
    let text = "Configuration\n=============\n\nSome text.\n\nSection\n~~~~~~~\n\nMore text.\n";
    repo.write_commit(
        "Documentation/config.adoc",
        text,
        "Add",
        ANA,
        "2026-01-05T10:00:00Z",
    );
    let out = repo
        .dbarch()
        .args(["adopt", "--dry-run", "Documentation/config.adoc"])
        .assert()
        .code(2);
    let err = stderr_of(&out);
    assert!(
        err.contains("config.adoc:7:1: this code block is never closed"),
        "{err}"
    );
}

/// The front matter (between the first two `---` lines) parsed as YAML.
fn front_matter(text: &str) -> serde_yaml::Mapping {
    let body = text.strip_prefix("---\n").expect("front matter");
    let end = body.find("\n---\n").expect("closing ---");
    serde_yaml::from_str(&body[..end + 1]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Front-matter values are written quoted where YAML needs it (`[TEAM]` is a list,
/// `@org/team` does not parse, `a: b` is a mapping), and read back by a YAML parser.
#[test]
fn front_matter_values_round_trip_through_yaml() {
    for (reviewer, config) in [
        ("@apache/iceberg-pmc", ""),
        ("[TEAM]", ""),
        ("Data: platform team", ""),
        ("DBA Team", ""),
    ] {
        let repo = TestRepo::new();
        repo.write("dbarch.toml", config);
        let text = "---\ntitle: Storage\n---\n# Storage\n\nWe use Postgres.\n";
        repo.write_commit("docs/storage.md", text, "Add", ANA, "2026-01-05T10:00:00Z");
        repo.dbarch()
            .args(["adopt", "docs/storage.md", "--reviewer", reviewer])
            .assert()
            .success();
        let written = repo.read("docs/storage.md");
        let yaml = front_matter(&written);
        let get = |k: &str| yaml.get(k).and_then(|v| v.as_str()).map(str::to_string);
        assert_eq!(get("title").as_deref(), Some("Storage"), "{written}");
        let by = yaml
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.starts_with("reviewed")))
            .map(|(_, v)| v.clone());
        assert_eq!(
            by.as_ref().and_then(|v| v.as_str()),
            Some(reviewer),
            "{written}"
        );
        // dbarch reads its own front matter back the same way.
        let out = repo
            .dbarch()
            .args(["status", "--format", "json", "docs/storage.md"])
            .assert();
        let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
        assert_eq!(json["documents"][0]["reviewed_by"], reviewer, "{json}");
    }
}

/// With no configuration, discovery leaves template files (every header field a
/// placeholder) alone; `status` lists them as templates; named, they are documents.
#[test]
fn discovery_leaves_templates_alone_and_status_lists_them() {
    let repo = TestRepo::new();
    let template = template_with_header(None, None, None);
    repo.write("templates/architecture.md", &template);
    repo.write(DOC, filled_doc());
    repo.commit(
        &["templates/architecture.md", DOC],
        "Add",
        ANA,
        "2026-01-05T10:00:00Z",
    );
    repo.write(
        DOC,
        filled_doc().replace("transactional.", "transactional (edited)."),
    );
    repo.commit(&[DOC], "Edit the document", ANA, "2026-01-06T10:00:00Z");
    repo.dbarch().args(["sync"]).assert().success();
    assert_eq!(repo.read("templates/architecture.md"), template);
    assert!(repo.read(DOC).contains("| Edit the document |"));
    let out = repo.dbarch().args(["status", "--format", "json"]).assert();
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(
        json["templates"],
        serde_json::json!(["templates/architecture.md"]),
        "{json}"
    );
    assert_eq!(
        json["documents"].as_array().map(Vec::len),
        Some(1),
        "{json}"
    );
    let out = repo.dbarch().args(["status"]).assert();
    assert!(stdout_of(&out).contains("templates/architecture.md: template"));
    // Named, it is a document like any other.
    repo.dbarch()
        .args(["sync", "templates/architecture.md"])
        .assert()
        .success();
    assert_ne!(repo.read("templates/architecture.md"), template);
}
