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

// ---------------------------------------------------------------------------------------
// 5. Untrusted commit-graph files: rows identical with a good graph, a corrupt one, none
// ---------------------------------------------------------------------------------------

/// A document with an empty Change Log and 24 commits, 12 of which touch it (two on a
/// merged branch); the rest touch other files.
fn graph_repo() -> TestRepo {
    let repo = TestRepo::new();
    let mut text = doc_with("2026-01-01", "DBA Team", "2027-01-01", &[]);
    repo.write_commit(
        DOC,
        &text,
        "docs: start",
        ALICE,
        "2026-01-01T10:00:00+00:00",
    );
    for i in 0..22 {
        let date = format!("2026-02-{:02}T10:00:00+00:00", i + 1);
        if i == 10 {
            repo.git(&["checkout", "-q", "-b", "side"]);
        }
        if i % 2 == 0 {
            text = text.replacen("## Change Log", &format!("Note {i}.\n\n## Change Log"), 1);
            repo.write_commit(DOC, &text, &format!("feat: note {i}"), BOB, &date);
        } else {
            repo.write_commit(
                &format!("src/f{i}.rs"),
                "x",
                &format!("chore: {i}"),
                ALICE,
                &date,
            );
        }
        if i == 14 {
            repo.git(&["checkout", "-q", "main"]);
            repo.write_commit("src/main.rs", "m", "chore: main", ALICE, &date);
            crate::common::git_command_as(repo.path(), ALICE, ALICE, &date)
                .args(["merge", "-q", "--no-edit", "side"])
                .output()
                .unwrap();
            text = repo.read(DOC);
        }
    }
    repo.write("dbarch.toml", format!("[[docs]]\npath = \"{DOC}\"\n"));
    repo
}

/// The document after `sync` from scratch (no sync state), and `-v`'s output.
fn synced(repo: &TestRepo, pristine: &str) -> (String, String) {
    std::fs::write(repo.abs(DOC), pristine).unwrap();
    let _ = std::fs::remove_dir_all(repo.abs(".git/dbarch"));
    let (code, out) = run(repo, &["-v", "sync"]);
    assert_eq!(code, 0, "{out}");
    (repo.read(DOC), out)
}

/// Chunk table of a commit-graph file: (id, start, end).
fn chunks(data: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let n = data[6] as usize;
    (0..n)
        .map(|c| {
            let at = 8 + 12 * c;
            let off = |a: usize| u64::from_be_bytes(data[a..a + 8].try_into().unwrap()) as usize;
            (
                data[at..at + 4].try_into().unwrap(),
                off(at + 4),
                off(at + 16),
            )
        })
        .collect()
}

fn fix_checksum(data: &mut [u8]) {
    use sha1::Digest;
    let n = data.len() - 20;
    let sum = sha1::Sha1::digest(&data[..n]);
    data[n..].copy_from_slice(&sum);
}

#[test]
fn rows_are_the_same_with_a_good_graph_a_corrupt_one_and_none() {
    let repo = graph_repo();
    let pristine = repo.read(DOC);
    let (want, _) = synced(&repo, &pristine);
    assert_eq!(want.matches("| Bob Example |").count(), 11, "{want}");

    repo.git(&["commit-graph", "write", "--reachable", "--changed-paths"]);
    let file = repo.abs(".git/objects/info/commit-graph");
    let good = std::fs::read(&file).unwrap();
    let (with_graph, out) = synced(&repo, &pristine);
    assert_eq!(with_graph, want, "a good graph");
    assert!(!out.contains("failed verification"), "{out}");

    // Seeded corruptions: any byte (the checksum then fails), and bytes of the parts
    // dbarch checks with the checksum made to match (header, chunk table, fan-out,
    // changed-path index). The ids, trees and filter bits are data no reader can check
    // without the objects themselves (git trusts them too), so they are left out.
    let mut seed: u64 = 0x5eed_1301;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let table = chunks(&good);
    let region = |id: &[u8; 4]| {
        table
            .iter()
            .find(|c| &c.0 == id)
            .map(|c| (c.1, c.2))
            .unwrap()
    };
    let checked = [
        (0, 8 + 12 * (table.len() + 1)),
        region(b"OIDF"),
        region(b"BIDX"),
    ];
    let mut warned = 0;
    for round in 0..48 {
        let mut bad = good.clone();
        let at = if round % 2 == 0 {
            next(bad.len())
        } else {
            let (a, b) = checked[next(checked.len())];
            a + next(b - a)
        };
        bad[at] ^= 1 << next(8);
        if round % 2 == 1 {
            fix_checksum(&mut bad);
        }
        std::fs::write(&file, &bad).unwrap();
        let (got, out) = synced(&repo, &pristine);
        assert_eq!(got, want, "round {round}: byte {at} flipped:\n{out}");
        if out.contains("failed verification") {
            warned += 1;
        }
    }
    assert!(
        warned >= 24,
        "every corrupt checksum is reported under -v ({warned})"
    );
    // Decreasing changed-path offsets with a matching checksum: the filters are not used.
    let mut bad = good.clone();
    let (bidx, _) = region(b"BIDX");
    bad[bidx..bidx + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    fix_checksum(&mut bad);
    std::fs::write(&file, &bad).unwrap();
    assert_eq!(synced(&repo, &pristine).0, want);

    // Configuration that turns the graph or its filters off.
    std::fs::write(&file, &good).unwrap();
    for (key, value) in [
        ("core.commitGraph", "false"),
        ("commitGraph.readChangedPaths", "false"),
    ] {
        repo.git(&["config", key, value]);
        assert_eq!(synced(&repo, &pristine).0, want, "{key}={value}");
        repo.git(&["config", "--unset", key]);
    }
    std::fs::remove_file(&file).unwrap();
    assert_eq!(synced(&repo, &pristine).0, want, "no graph");
}

#[test]
fn a_split_chain_whose_base_does_not_match_is_not_used() {
    let repo = graph_repo();
    let pristine = repo.read(DOC);
    let (want, _) = synced(&repo, &pristine);
    std::fs::write(repo.abs(DOC), &pristine).unwrap();
    // Two layers: the base from the first commits, the top from the rest.
    let base = repo.git(&["rev-parse", "HEAD~6"]);
    let mut child = crate::common::git_command(repo.path())
        .args([
            "commit-graph",
            "write",
            "--stdin-commits",
            "--changed-paths",
            "--split=no-merge",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(base.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&[
        "commit-graph",
        "write",
        "--reachable",
        "--changed-paths",
        "--split=no-merge",
    ]);
    let dir = repo.abs(".git/objects/info/commit-graphs");
    let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).unwrap();
    let layers: Vec<&str> = chain.lines().collect();
    assert_eq!(layers.len(), 2, "{chain}");
    assert_eq!(synced(&repo, &pristine).0, want, "a good chain");
    // The top layer's BASE chunk names another base (checksum made to match, file
    // renamed to its new checksum, as a broken writer would leave it).
    let top = dir.join(format!("graph-{}.graph", layers[1]));
    let mut data = std::fs::read(&top).unwrap();
    let (base_at, _, _) = chunks(&data)
        .into_iter()
        .find(|c| &c.0 == b"BASE")
        .map(|c| (c.1, c.1, c.2))
        .unwrap();
    data[base_at] ^= 0xff;
    fix_checksum(&mut data);
    let name: String = data[data.len() - 20..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::remove_file(&top).unwrap();
    std::fs::write(dir.join(format!("graph-{name}.graph")), &data).unwrap();
    std::fs::write(
        dir.join("commit-graph-chain"),
        format!("{}\n{name}\n", layers[0]),
    )
    .unwrap();
    let (got, out) = synced(&repo, &pristine);
    assert_eq!(got, want, "{out}");
    assert!(out.contains("failed verification"), "{out}");
}

#[test]
fn a_sync_state_from_a_graph_is_not_reused_once_the_graph_is_gone() {
    let repo = graph_repo();
    repo.git(&["commit-graph", "write", "--reachable", "--changed-paths"]);
    let (code, out) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{out}");
    let (_, again) = run(&repo, &["-v", "sync", "--check"]);
    assert!(
        again.contains("read 0 commits") || again.contains("read 1 commits"),
        "{again}"
    );
    std::fs::remove_file(repo.abs(".git/objects/info/commit-graph")).unwrap();
    let (code, out) = run(&repo, &["-v", "sync", "--check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("read 0 commits"),
        "the state was reused:\n{out}"
    );
}

// ---------------------------------------------------------------------------------------
// 4. GitHub responses are capped while they stream in
// ---------------------------------------------------------------------------------------

#[test]
fn a_huge_github_response_is_cut_off_not_buffered() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let sent_by_server = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let sent = sent_by_server.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                // A 2 GiB JSON string, announced and streamed.
                let total: u64 = 2 << 30;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n"
                );
                if s.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b' '; 1 << 16];
                let mut n = 0;
                while n < total {
                    if s.write_all(&chunk).is_err() {
                        return;
                    }
                    n += chunk.len() as u64;
                    sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    let repo = repo_with_doc();
    let start = std::time::Instant::now();
    let a = repo
        .dbarch()
        .env("GITHUB_API_URL", format!("http://{addr}"))
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/db")
        .env("DBARCH_GITHUB_RETRY_BASE_MS", "5")
        .env("DBARCH_GITHUB_RETRY_MAX_MS", "50")
        .env("DBARCH_NOW", "2027-03-01")
        .args(["remind"])
        .timeout(Duration::from_secs(120))
        .assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    // Exit 4, as for every failed GitHub call (the README's exit codes).
    assert_eq!(a.get_output().status.code(), Some(4), "{all}");
    assert!(all.contains("larger than 8 MiB"), "{all}");
    assert!(!all.contains(TOKEN), "{all}");
    let mb = sent.load(Ordering::Relaxed) >> 20;
    assert!(mb < 200, "the client read {mb} MiB ({:?})", start.elapsed());
}

// ---------------------------------------------------------------------------------------
// 6. Repositories libgit2 cannot read: correct results or a refusal naming cause and fix
// ---------------------------------------------------------------------------------------

/// `git clone ARGS file://origin` into a fresh directory.
fn clone_of(origin: &TestRepo, args: &[&str]) -> TestRepo {
    let clone = TestRepo::without_git();
    let url = format!("file://{}", origin.path().display());
    let mut all = vec!["clone", "-q"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[&url, "."]);
    clone.git(&all);
    clone.git(&["config", "user.name", "Test User"]);
    clone.git(&["config", "user.email", "test@example.com"]);
    clone
}

#[test]
fn a_sha256_repository_is_refused_by_name() {
    let repo = TestRepo::without_git();
    repo.git(&["init", "-q", "--object-format=sha256", "-b", "main"]);
    repo.git(&["config", "user.name", "Test User"]);
    repo.git(&["config", "user.email", "test@example.com"]);
    repo.write_commit(
        DOC,
        doc_with("2026-01-01", "DBA Team", "2027-01-01", &[]),
        "docs",
        ALICE,
        "2026-03-02T10:00:00+00:00",
    );
    let before = repo.read(DOC);
    for args in [&["status"][..], &["sync"][..], &["review", "--yes"][..]] {
        let (code, all) = run(&repo, args);
        assert_eq!(code, 2, "{args:?}:\n{all}");
        assert!(all.contains("SHA-256 repository"), "{args:?}:\n{all}");
        assert!(!all.contains("not inside a git repository"), "{all}");
        assert_eq!(repo.read(DOC), before);
    }
}

#[test]
fn a_document_inside_a_submodule_is_refused_from_the_superproject() {
    let sub = repo_with_doc();
    let sup = TestRepo::new();
    sup.write_commit("README.md", "x", "init", ALICE, "2026-01-01T10:00:00+00:00");
    sup.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path().to_str().unwrap(),
        "sub",
    ]);
    let path = format!("sub/{DOC}");
    for (args, config) in [
        (vec!["status", path.as_str()], None),
        (vec!["sync"], Some(format!("[[docs]]\npath = \"{path}\"\n"))),
    ] {
        if let Some(c) = &config {
            sup.write("dbarch.toml", c);
        }
        let (code, all) = run(&sup, &args);
        assert_eq!(code, 2, "{args:?}:\n{all}");
        assert!(all.contains("inside `sub`, a submodule"), "{all}");
        assert!(all.contains("dbarch -C sub"), "{all}");
    }
    // Run in the submodule, it works.
    let a = crate::common::dbarch()
        .current_dir(sup.abs("sub"))
        .args(["status"])
        .assert();
    let out = stdout_of(&a);
    assert_eq!(a.get_output().status.code(), Some(0), "{out}");
    let row = out.lines().find(|l| l.starts_with(DOC)).unwrap_or_default();
    assert_eq!(
        row.split_whitespace().rev().nth(1),
        Some("1"),
        "one unrecorded commit:\n{out}"
    );
}

#[test]
fn a_depth_1_clone_says_history_is_cut_off_and_review_lists_nothing_false() {
    let origin = repo_with_doc();
    origin.write_commit(
        "src/x.rs",
        "x",
        "chore: unrelated",
        ALICE,
        "2026-05-01T10:00:00+00:00",
    );
    let clone = clone_of(&origin, &["--depth", "1"]);
    let (code, all) = run(&clone, &["status"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("shallow clone") && all.contains("fetch-depth: 0"),
        "{all}"
    );
    let before = clone.read(DOC);
    let (code, all) = run(&clone, &["review", "--yes"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        !all.contains("chore: unrelated"),
        "a commit that never touched it:\n{all}"
    );
    assert_eq!(clone.read(DOC), before);
}

#[test]
fn a_partial_clone_fetches_missing_versions_or_names_the_fix() {
    let origin = repo_with_doc();
    origin.git(&["config", "uploadpack.allowFilter", "true"]);
    origin.git(&["config", "uploadpack.allowAnySHA1InWant", "true"]);
    let full = clone_of(&origin, &[]);
    let (_, want) = run(&full, &["sync", "--dry-run"]);
    let clone = clone_of(&origin, &["--filter=blob:none"]);
    let (code, got) = run(&clone, &["sync", "--dry-run"]);
    assert_eq!(code, 0, "{got}");
    assert_eq!(got, want, "the same rows as a full clone");
    assert!(got.contains("Add read replicas"), "{got}");
    // The promisor remote gone: a refusal naming the partial clone and the fix.
    let clone = clone_of(&origin, &["--filter=blob:none"]);
    clone.git(&[
        "remote",
        "set-url",
        "origin",
        "file:///nonexistent/dbarch-origin",
    ]);
    let (code, all) = run(&clone, &["status"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("partial clone") && all.contains("git fetch --refetch"),
        "{all}"
    );
    assert!(!all.contains("object not found"), "{all}");
}

#[test]
fn a_split_index_gives_correct_results() {
    let repo = repo_with_doc();
    let full = clone_of(&repo, &[]);
    let (_, want) = run(&full, &["sync"]);
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.git(&["update-index", "--split-index"]);
    let (code, got) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{got}");
    assert_eq!(got, want);
    assert_eq!(repo.read(DOC), full.read(DOC));
    let (code, again) = run(&repo, &["sync", "--check"]);
    assert_eq!(code, 0, "{again}");
}

#[test]
fn a_repository_owned_by_another_user_says_dubious_ownership() {
    let repo = repo_with_doc();
    // Needs to change a file's owner: only root can.
    let chown = std::process::Command::new("chown")
        .args(["-R", "12345:12345"])
        .arg(repo.path())
        .status();
    if !chown.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot chown (not root)");
        return;
    }
    let (code, all) = run(&repo, &["status"]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("dubious ownership"), "{all}");
    assert!(all.contains("safe.directory"), "{all}");
}

#[test]
fn an_unwritable_step_summary_warns_and_does_not_fail() {
    let repo = repo_with_doc();
    let a = repo
        .dbarch()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "/nonexistent-dir/summary.md")
        .args(["status"])
        .assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(0), "{all}");
    assert!(all.contains("GITHUB_STEP_SUMMARY"), "{all}");
}

// ---------------------------------------------------------------------------------------
// 7. The hook and `sync` agree on Last Updated under clock skew
// ---------------------------------------------------------------------------------------

#[test]
fn the_hook_never_moves_last_updated_backwards_on_clock_skew() {
    let repo = TestRepo::new();
    let text = doc_with(
        "2026-11-01",
        "DBA Team",
        "2027-03-02",
        &[("2026-11-01", "First version", "Alice Example", "Low")],
    );
    repo.write_commit(
        DOC,
        &text,
        "docs: first version",
        ALICE,
        "2026-11-01T10:00:00+00:00",
    );
    let a = repo.dbarch().args(["hooks", "install"]).assert();
    assert_eq!(a.get_output().status.code(), Some(0));
    let now = [("DBARCH_NOW", "2026-11-21")];
    // A commit from a clock that runs ahead, then one from a correct clock.
    for (line, date) in [
        ("Skewed.", "2026-11-25T10:00:00+00:00"),
        ("Correct.", "2026-11-20T10:00:00+00:00"),
    ] {
        let t = repo
            .read(DOC)
            .replacen("## Change Log", &format!("{line}\n\n## Change Log"), 1);
        repo.write(DOC, t);
        repo.git(&["add", DOC]);
        let out = crate::common::git_command_as(repo.path(), BOB, BOB, date)
            .envs(now)
            .args(["commit", "-q", "-m", &format!("feat: {line}")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        repo.read(DOC).contains("**Last Updated:** 2026-11-25"),
        "{}",
        repo.read(DOC)
    );
    let a = repo.dbarch().envs(now).args(["sync", "--check"]).assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(
        a.get_output().status.code(),
        Some(0),
        "hook and sync agree:\n{all}"
    );
}

// ---------------------------------------------------------------------------------------
// Smaller: encodings, dates that cannot be read back
// ---------------------------------------------------------------------------------------

#[test]
fn a_commit_encoding_header_is_honoured() {
    let repo = repo_with_doc();
    let t = repo
        .read(DOC)
        .replacen("## Change Log", "Crème.\n\n## Change Log", 1);
    repo.write(DOC, t);
    repo.git(&["add", DOC]);
    let msg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(msg.path(), b"feat: Caf\xe9 cr\xe8me\n").unwrap();
    let out = crate::common::git_command_as(repo.path(), BOB, BOB, "2026-05-01T10:00:00+00:00")
        .args(["-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F"])
        .arg(msg.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = crate::common::git_command(repo.path())
        .args(["cat-file", "commit", "HEAD"])
        .output()
        .unwrap()
        .stdout;
    assert!(String::from_utf8_lossy(&raw).contains("encoding ISO-8859-1"));
    let (code, all) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        repo.read(DOC).contains("| Café crème |"),
        "{}",
        repo.read(DOC)
    );
}

#[test]
fn a_date_that_cannot_be_read_back_is_never_written() {
    let repo = repo_with_doc();
    let t = repo
        .read(DOC)
        .replacen("## Change Log", "Far future.\n\n## Change Log", 1);
    repo.write(DOC, t);
    repo.git(&["add", DOC]);
    // 10000-01-01T00:00:00Z
    let out = crate::common::git_command(repo.path())
        .env("GIT_AUTHOR_DATE", "@253402300800 +0000")
        .env("GIT_COMMITTER_DATE", "@253402300800 +0000")
        .args(["commit", "-q", "-m", "feat: from the future"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = repo.read(DOC);
    let (code, all) = run(&repo, &["sync"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("refusing to write the date `+10000-01-01`"),
        "{all}"
    );
    assert_eq!(repo.read(DOC), before);
}

#[test]
fn hooks_status_follows_the_configuration_git_reads() {
    let repo = repo_with_doc();
    let home = tempfile::tempdir().unwrap();
    let elsewhere = home.path().join("elsewhere-hooks");
    std::fs::write(
        home.path().join(".gitconfig"),
        format!("[core]\n\thooksPath = {}\n", elsewhere.display()),
    )
    .unwrap();
    let env = [
        ("HOME", home.path().to_str().unwrap()),
        ("XDG_CONFIG_HOME", home.path().to_str().unwrap()),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
    ];
    // git reads no ~/.gitconfig here: its hooks directory is .git/hooks.
    let a = repo.dbarch().envs(env).args(["hooks", "install"]).assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(0), "{all}");
    assert!(repo.abs(".git/hooks/post-commit").is_file(), "{all}");
    assert!(!elsewhere.join("post-commit").exists(), "{all}");
    let a = repo.dbarch().envs(env).args(["hooks", "status"]).assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(0), "{all}");
    assert!(!all.contains("elsewhere-hooks"), "{all}");
    // With the global file honoured (no GIT_CONFIG_GLOBAL), git would run the other
    // directory's hook, and status says it is not installed there.
    let a = repo
        .dbarch()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("GIT_CONFIG_GLOBAL")
        .args(["hooks", "status"])
        .assert();
    let all = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert_eq!(a.get_output().status.code(), Some(1), "{all}");
}

// ---------------------------------------------------------------------------------------
// Path resolution, the fuzz target's invariant as a property test
// ---------------------------------------------------------------------------------------

#[test]
fn path_resolution_keeps_its_promises_on_tricky_paths() {
    for p in [
        "docs/gitlink.md",
        "docs/gitdir/config",
        "docs/modlink.md",
        "docs/out/passwd",
        "docs/deep/up/etc",
        "docs/deep/parent/real.md",
        "docs/deep/../real.md",
        "docs/link.md",
        "absdocs/real.md",
        "loop1/x.md",
        "docs/bare/config",
        "vendor/bare.git/HEAD",
        "sub/docs/x.md",
        "docs/sublink.md",
        ".GIT/config",
        "docs/./../docs/real.md",
        "./docs//real.md",
    ] {
        if let Err(v) = dbarch::guard::check_path_invariant(p.as_bytes()) {
            panic!("{v}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn path_resolution_keeps_its_promises(parts in proptest::collection::vec(
        proptest::sample::select(vec![
            "docs", "real.md", "link.md", "gitlink.md", "gitdir", "modlink.md", "out", "deep",
            "up", "parent", "..", ".", "", ".git", ".GIT", "loop1", "sub", "vendor", "bare.git",
            "bare", "config", "HEAD", "x.md", "absdocs", "sublink.md", "modules",
        ]),
        1..7,
    )) {
        let path = parts.join("/");
        if let Err(v) = dbarch::guard::check_path_invariant(path.as_bytes()) {
            panic!("{v}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// A commit whose timestamp cannot be parsed
// ---------------------------------------------------------------------------------------

/// A commit whose author and committer timestamps libgit2 refuses (git reads them as the
/// epoch), made with `git hash-object --literally` on top of `repo`'s HEAD, with the
/// document edited; HEAD moves to it.
fn commit_with_a_bad_timestamp(repo: &TestRepo) -> String {
    let doc = repo.read(DOC);
    repo.write(DOC, doc.replacen("More words.", "More words, and more.", 1));
    repo.git(&["add", DOC]);
    let tree = repo.git(&["write-tree"]).trim().to_string();
    let parent = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let raw = format!(
        "tree {tree}\nparent {parent}\n\
         author Carol Example <carol@example.com> 99999999999999999999 +0000\n\
         committer Carol Example <carol@example.com> 99999999999999999999 +0000\n\n\
         Describe the archive tier\n"
    );
    let path = repo.abs("raw-commit");
    std::fs::write(&path, raw).unwrap();
    let id = repo
        .git(&[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            path.to_str().unwrap(),
        ])
        .trim()
        .to_string();
    std::fs::remove_file(&path).unwrap();
    repo.git(&["update-ref", "refs/heads/main", &id]);
    id
}

#[test]
fn a_commit_with_an_unreadable_timestamp_is_read_as_git_reads_it_and_reported_once() {
    let repo = repo_with_doc();
    let id = commit_with_a_bad_timestamp(&repo);
    // git itself reads it, as the epoch.
    assert!(repo
        .git(&["log", "-1", "--format=%ad", "--date=short"])
        .starts_with("1970-01-01"));
    let (code, out) = run(&repo, &["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&id), "the commit is named: {out}");
    assert_eq!(out.matches("date git cannot read").count(), 1, "{out}");
    let (code, out) = run(&repo, &["sync"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        repo.read(DOC)
            .contains("| 1970-01-01 | Describe the archive tier | Carol Example | Low |"),
        "{}",
        repo.read(DOC)
    );
    assert_eq!(out.matches("date git cannot read").count(), 1, "{out}");
    // Sync again (the incremental walk hides that commit): no longer blocked.
    let (code, out) = run(&repo, &["sync", "--check"]);
    assert_eq!(code, 0, "{out}");
}
