//! Safety (issue 13): no document path, filter, race or broken git file can destroy data,
//! leak a secret or fake a clean history. Each test drives the real binary and real git
//! in a throwaway repository; each is listed in the README's Guarantees table.
use std::path::Path;
use std::time::Duration;

use crate::common::{stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};
use crate::fake_github::{FakeGitHub, TOKEN};
use crate::status::doc_with;

/// A managed document at [`DOC`] (Alice, 2026-03-02) and one more commit (Bob,
/// 2026-04-10) that `sync` has to record.
fn repo_with_doc() -> TestRepo {
    let repo = TestRepo::new();
    let text = doc_with(
        "2026-03-02",
        "DBA Team",
        "2027-03-02",
        &[("2026-03-02", "First version", "Alice Example", "Low")],
    );
    repo.write_commit(
        DOC,
        &text,
        "docs: first version",
        ALICE,
        "2026-03-02T10:00:00+00:00",
    );
    let edited = text.replacen("## Change Log", "More words.\n\n## Change Log", 1);
    repo.write_commit(
        DOC,
        edited,
        "feat: add read replicas",
        BOB,
        "2026-04-10T10:00:00+00:00",
    );
    repo
}

/// Every file of the git directory with its bytes (the lock file and sync state
/// excepted: they are dbarch's own).
fn git_dir_snapshot(repo: &TestRepo) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel.starts_with("dbarch") {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    let root = repo.abs(".git");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn run(repo: &TestRepo, args: &[&str]) -> (i32, String) {
    let a = repo
        .dbarch()
        .args(args)
        .timeout(Duration::from_secs(120))
        .assert();
    let code = a
        .get_output()
        .status
        .code()
        .expect("exit code, not a signal");
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert!(
        !all.contains("panicked"),
        "dbarch {args:?} panicked:\n{all}"
    );
    (code, all)
}

// ---------------------------------------------------------------------------------------
// 1. Document paths that resolve into a git directory
// ---------------------------------------------------------------------------------------

#[test]
fn paths_into_the_git_directory_are_refused_and_nothing_is_written() {
    let repo = repo_with_doc();
    // A committed symlink in place of the document, pointing at .git/config.
    std::fs::remove_file(repo.abs(DOC)).unwrap();
    std::os::unix::fs::symlink("../.git/config", repo.abs(DOC)).unwrap();
    repo.commit(&[DOC], "docs: link", ALICE, "2026-05-01T10:00:00+00:00");
    // A bare repository inside the work tree, and a submodule-style git directory.
    repo.git(&["init", "-q", "--bare", "vendor/mirror.git"]);
    let before = git_dir_snapshot(&repo);
    let mirror = std::fs::read(repo.abs("vendor/mirror.git/config")).unwrap();

    let cases: &[(&[&str], Option<&str>)] = &[
        (&["sync"], Some(&format!("[[docs]]\npath = \"{DOC}\"\n"))),
        (&["sync", DOC], None),
        (&["review", "--yes", ".git/config"], None),
        (&["adopt", ".git/config"], None),
        (&["sync"], Some("[[docs]]\npath = \".git/config\"\n")),
        (&["sync"], Some("[[docs]]\npath = \"docs/../.git/HEAD\"\n")),
        (&["status"], Some("[[docs]]\npath = \".git/packed-refs\"\n")),
        (
            &["sync"],
            Some("[[docs]]\npath = \"vendor/mirror.git/config\"\n"),
        ),
        (&["sync", ".GIT/info/exclude"], None),
    ];
    for (args, config) in cases {
        match config {
            Some(c) => repo.write("dbarch.toml", c),
            None => {
                let _ = std::fs::remove_file(repo.abs("dbarch.toml"));
            }
        }
        let (code, all) = run(&repo, args);
        assert_eq!(code, 2, "dbarch {args:?} with {config:?}:\n{all}");
        assert!(
            all.contains("inside the git directory"),
            "dbarch {args:?} with {config:?} does not say why:\n{all}"
        );
        assert_eq!(
            git_dir_snapshot(&repo),
            before,
            "dbarch {args:?} wrote into .git"
        );
        assert_eq!(
            std::fs::read(repo.abs("vendor/mirror.git/config")).unwrap(),
            mirror
        );
    }
    // git still works.
    repo.git(&["status", "--short"]);
}

#[test]
fn a_linked_worktree_cannot_reach_the_common_git_directory() {
    let repo = repo_with_doc();
    let wt = tempfile::tempdir().unwrap();
    let wt_path = wt.path().join("wt");
    repo.git(&["worktree", "add", "-q", wt_path.to_str().unwrap()]);
    let common = repo.abs(".git/config").canonicalize().unwrap();
    let before = std::fs::read(&common).unwrap();
    let link = wt_path.join("docs/common.md");
    std::os::unix::fs::symlink(&common, &link).unwrap();
    let a = crate::common::dbarch()
        .current_dir(&wt_path)
        .args(["sync", "docs/common.md"])
        .assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(2), "{all}");
    assert!(all.contains("refusing document path"), "{all}");
    assert_eq!(std::fs::read(&common).unwrap(), before);
}

#[test]
fn remind_uploads_nothing_read_through_a_link_into_git() {
    let repo = repo_with_doc();
    repo.git(&[
        "config",
        "http.https://github.com/.extraheader",
        "AUTHORIZATION: basic c2VjcmV0LXRva2Vu",
    ]);
    std::fs::remove_file(repo.abs(DOC)).unwrap();
    std::os::unix::fs::symlink("../.git/config", repo.abs(DOC)).unwrap();
    repo.write("dbarch.toml", format!("[[docs]]\npath = \"{DOC}\"\n"));
    repo.commit(
        &[DOC, "dbarch.toml"],
        "docs: link",
        ALICE,
        "2026-05-01T10:00:00+00:00",
    );
    let fake = FakeGitHub::start();
    let a = repo
        .dbarch()
        .envs(fake.env_vars())
        .args(["remind", "--mode", "both"])
        .assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(2), "{all}");
    assert!(all.contains("inside the git directory"), "{all}");
    assert_eq!(fake.writes(), 0, "nothing reached GitHub");
    assert!(!all.contains(TOKEN) && !all.contains("c2VjcmV0"), "{all}");
}

#[test]
fn a_symlink_alias_of_a_managed_document_settles() {
    let repo = repo_with_doc();
    std::os::unix::fs::symlink("database-architecture.md", repo.abs("docs/alias.md")).unwrap();
    repo.commit(
        &["docs/alias.md"],
        "docs: alias",
        ALICE,
        "2026-05-01T10:00:00+00:00",
    );
    // No dbarch.toml: both files are found as tracked Markdown with a Next Review.
    let (code, first) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{first}");
    assert!(
        !first.contains("docs/alias.md"),
        "the alias is the target:\n{first}"
    );
    let text = repo.read(DOC);
    assert_eq!(text.matches("Add read replicas").count(), 1, "{text}");
    for _ in 0..2 {
        let (code, again) = run(&repo, &["sync", "--check"]);
        assert_eq!(code, 0, "second run must settle:\n{again}");
    }
    // Named through the alias, or configured by it: the same document.
    let (code, out) = run(&repo, &["sync", "--check", "docs/alias.md", DOC]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("up to date").count(), 1, "counted once:\n{out}");
    repo.write("dbarch.toml", "[[docs]]\npath = \"docs/alias.md\"\n");
    let (code, out) = run(&repo, &["sync", "--check"]);
    assert_eq!(code, 0, "{out}");
    assert!(std::fs::symlink_metadata(repo.abs("docs/alias.md"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn dot_dot_that_stays_inside_is_accepted() {
    let repo = repo_with_doc();
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/sub/../database-architecture.md\"\n",
    );
    let (code, out) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{DOC}: updated")), "{out}");
    let (code, out) = run(
        &repo,
        &["sync", "--check", "docs/../docs/database-architecture.md"],
    );
    assert_eq!(code, 0, "{out}");
}

// ---------------------------------------------------------------------------------------
// 3. A concurrent save is never overwritten (compare-and-swap right before the rename)
// ---------------------------------------------------------------------------------------

/// [`repo_with_doc`] with a document of about `mb` MB (a long Overview).
fn big_repo(mb: usize) -> TestRepo {
    let repo = TestRepo::new();
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n".repeat(mb * 18_000);
    let text = doc_with(
        "2026-03-02",
        "DBA Team",
        "2027-03-02",
        &[("2026-03-02", "First version", "Alice Example", "Low")],
    )
    .replacen("## Change Log", &format!("{filler}\n## Change Log"), 1);
    repo.write_commit(
        DOC,
        &text,
        "docs: first version",
        ALICE,
        "2026-03-02T10:00:00+00:00",
    );
    let edited = text.replacen("## Change Log", "More words.\n\n## Change Log", 1);
    repo.write_commit(
        DOC,
        edited,
        "feat: add read replicas",
        BOB,
        "2026-04-10T10:00:00+00:00",
    );
    repo
}

fn temp_file_in(dir: &Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        (n.starts_with(".dbarch-") && n.ends_with(".tmp")).then(|| e.path())
    })
}

/// Starts `dbarch ARGS` in the background; when its temp file appears, the "editor"
/// saves the document (a marker line appended); returns the run's exit code and output.
fn race_an_editor(repo: &TestRepo, args: &[&str], delay_ms: Option<u64>) -> (i32, String) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("dbarch"));
    for (k, v) in crate::common::hermetic_env() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(ms) = delay_ms {
        cmd.env("DBARCH_TEST_WRITE_DELAY_MS", ms.to_string());
    }
    let mut child = cmd
        .current_dir(repo.path())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let docs = repo.abs("docs");
    let start = std::time::Instant::now();
    let mut saved = repo.read_bytes(DOC);
    saved.extend_from_slice(b"\nEDITOR SAVE\n");
    while temp_file_in(&docs).is_none() && start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::hint::spin_loop();
    }
    std::fs::write(repo.abs(DOC), &saved).unwrap();
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), all)
}

#[test]
fn a_save_during_the_write_window_is_kept_with_the_seam() {
    let repo = repo_with_doc();
    for args in [
        &["sync"][..],
        &["review", "--yes", "--reviewer", "DBA Team"][..],
    ] {
        let (code, all) = race_an_editor(&repo, args, Some(1500));
        assert_eq!(code, 2, "dbarch {args:?}:\n{all}");
        assert!(
            all.contains("changed while dbarch was working on it"),
            "{all}"
        );
        assert!(
            repo.read(DOC).ends_with("\nEDITOR SAVE\n"),
            "the save is kept"
        );
        assert!(
            temp_file_in(&repo.abs("docs")).is_none(),
            "no temp file left"
        );
        repo.git(&["checkout", "--", DOC]);
    }
}

#[test]
fn a_save_during_the_write_window_is_kept_without_the_seam() {
    let repo = big_repo(5);
    for round in 0..3 {
        let (code, all) = race_an_editor(&repo, &["sync"], None);
        assert!(code == 0 || code == 2, "round {round}:\n{all}");
        let now = repo.read(DOC);
        assert!(
            now.contains("\nEDITOR SAVE\n"),
            "round {round}: the editor's save was overwritten (exit {code}):\n{all}"
        );
        repo.git(&["checkout", "--", DOC]);
    }
}

// ---------------------------------------------------------------------------------------
// 4. A token pasted into the wrong variable is never printed back
// ---------------------------------------------------------------------------------------

#[test]
fn a_token_in_github_repository_or_labels_is_not_printed() {
    let repo = repo_with_doc();
    let fake = FakeGitHub::start();
    for (var, value) in [
        ("GITHUB_REPOSITORY", TOKEN.to_string()),
        ("GITHUB_REPOSITORY", format!("{TOKEN} ")),
        ("DBARCH_LABELS", format!("docs,{TOKEN}")),
    ] {
        for args in [&["remind"][..], &["remind", "--dry-run"][..]] {
            let a = repo
                .dbarch()
                .envs(fake.env_vars())
                .env(var, &value)
                .args(args)
                .assert();
            let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
            assert_eq!(
                a.get_output().status.code(),
                Some(2),
                "{var} {args:?}:\n{all}"
            );
            assert!(
                !all.contains(TOKEN),
                "{var} {args:?} printed the token:\n{all}"
            );
            assert!(all.contains(var) || all.contains("label"), "{all}");
        }
    }
    assert_eq!(fake.writes(), 0);
}

// ---------------------------------------------------------------------------------------
// 2. Documents stored through filters (git-lfs, `filter=`, `ident`) are refused
// ---------------------------------------------------------------------------------------

#[test]
fn documents_behind_a_filter_are_refused_and_nothing_is_written() {
    for attrs in [
        "*.md filter=lfs diff=lfs merge=lfs -text\n",
        "docs/*.md filter=crypt\n",
        "*.md ident\n",
    ] {
        let repo = repo_with_doc();
        repo.write(".gitattributes", attrs);
        repo.write("dbarch.toml", format!("[[docs]]\npath = \"{DOC}\"\n"));
        repo.commit(
            &[".gitattributes", "dbarch.toml"],
            "attrs",
            ALICE,
            "2026-05-01T10:00:00+00:00",
        );
        let before = repo.read_bytes(DOC);
        for args in [&["sync"][..], &["review", "--yes"][..], &["status"][..]] {
            let (code, all) = run(&repo, args);
            assert_eq!(code, 2, "{attrs} dbarch {args:?}:\n{all}");
            assert!(
                all.contains("through a filter dbarch does not run"),
                "{all}"
            );
            assert_eq!(
                all.lines().filter(|l| l.contains("refusing")).count(),
                1,
                "{all}"
            );
            assert_eq!(repo.read_bytes(DOC), before);
        }
        // The hook writes nothing either: the commit stays as made.
        let a = repo.dbarch().args(["hooks", "install"]).assert();
        assert_eq!(a.get_output().status.code(), Some(0));
        let edited = String::from_utf8(before.clone())
            .unwrap()
            .replace("More words.", "Other words.");
        repo.write(DOC, &edited);
        let head = repo.commit(&[DOC], "feat: edit", BOB, "2026-06-01T10:00:00+00:00");
        assert_eq!(repo.head(), head, "{attrs}: the hook amended the commit");
        assert_eq!(repo.read(DOC), edited);
    }
    // A git-lfs pointer checked out as the document (git-lfs not installed).
    let repo = TestRepo::new();
    let pointer = "version https://git-lfs.github.com/spec/v1\n\
                   oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n\
                   size 12345\n";
    repo.write_commit(
        DOC,
        pointer,
        "docs: lfs",
        ALICE,
        "2026-03-02T10:00:00+00:00",
    );
    repo.write("dbarch.toml", format!("[[docs]]\npath = \"{DOC}\"\n"));
    let (code, all) = run(&repo, &["sync"]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("git-lfs pointer"), "{all}");
    assert_eq!(repo.read(DOC), pointer);
}
