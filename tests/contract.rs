//! Contract test: `dbarch remind` against the Prism mock of GitHub's own OpenAPI
//! description (`contract/github-subset.json`, served by `.ci/run`). Any request Prism
//! reports as violating the description fails the test. Without `DBARCH_PRISM_URL` and
//! `DBARCH_PRISM_LOG` (a plain `cargo test` outside `.ci/run`) it says so and passes.
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{TestRepo, ALICE, DOC};
use crate::status::doc_due;

fn prism() -> Option<(String, String)> {
    let url = std::env::var("DBARCH_PRISM_URL")
        .ok()
        .filter(|v| !v.is_empty())?;
    let log = std::env::var("DBARCH_PRISM_LOG")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some((url, log))
}

/// Sends a marker request and waits until Prism has logged it, so every line about the
/// requests before it is in the log.
fn flush_log(url: &str, log: &str) {
    let nonce = format!("end-{}", std::process::id());
    let addr = url.trim_start_matches("http://");
    let request = format!(
        "GET /repos/dbarch-test/{nonce} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    if let Ok(mut s) = std::net::TcpStream::connect(addr) {
        use std::io::{Read, Write};
        let _ = s.write_all(request.as_bytes());
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains(&nonce)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("Prism never logged the marker request {nonce}");
}

/// The Prism log is shared: one test at a time reads its part of it.
static LOG: Mutex<()> = Mutex::new(());

/// The lines of the log after byte `before` that say a request broke the description.
fn violations(url: &str, log: &str, before: u64) -> (Vec<String>, String) {
    flush_log(url, log);
    let text = std::fs::read(log).unwrap();
    let new = String::from_utf8_lossy(&text[before as usize..]).into_owned();
    let bad = new
        .lines()
        .filter(|l| l.contains("Violation: request") || l.contains("Request terminated with error"))
        .filter(|l| !l.contains("dbarch-test/end-"))
        .map(str::to_string)
        .collect();
    (bad, new)
}

/// Every method of the `GitHub` trait, called once through the real client: each REST
/// call dbarch makes (`remind`'s runs reach only some, as Prism's answers are static).
#[test]
fn every_client_call_matches_githubs_openapi_description() {
    use dbarch::github::{GitHub, IssueFields, IssueState};
    let Some((url, log)) = prism() else {
        eprintln!("skipped: DBARCH_PRISM_URL/DBARCH_PRISM_LOG not set (run through .ci/run)");
        return;
    };
    let _one = LOG.lock().unwrap_or_else(|e| e.into_inner());
    let before = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let env = dbarch::github::Env {
        token: Some("ghp_contract_test_token".into()),
        api_url: url.clone(),
        repo: dbarch::github::RepoId::parse("acme/db"),
    };
    let mut c = dbarch::github::client::Client::new(&env).expect("client");
    let labels = vec!["architecture-review".to_string()];
    let sha = "aa218f56b14c9653891f9e74264a383fa43fefbd";
    let branch = "dbarch/review/docs-database-architecture";
    // Answers do not matter (Prism's are static examples): only the requests are checked.
    let _ = c.default_branch();
    let _ = c.viewer();
    let _ = c.list_issues(&labels);
    let _ = c.list_issues_by(&labels, Some("github-actions[bot]"));
    let _ = c.is_assignable("ana");
    let _ = c.create_issue(
        "Architecture review due: docs/db.md",
        "body",
        &labels,
        &["ana".into()],
    );
    let _ = c.update_issue(
        1347,
        &IssueFields {
            title: Some("t".into()),
            body: Some("b".into()),
            state: Some(IssueState::Closed),
        },
    );
    let _ = c.add_labels(1347, &labels);
    let _ = c.list_comments(1347);
    let _ = c.create_comment(1347, "<!-- dbarch:overdue -->\noverdue");
    let _ = c.get_branch(branch);
    let _ = c.get_branch("main");
    let _ = c.get_file("main", "docs/database-architecture.md");
    let _ = c.get_file(sha, "README.md");
    let _ = c.get_commit(sha);
    let _ = c.create_blob(b"# Database Architecture\n");
    let _ = c.create_tree(sha, "docs/database-architecture.md", sha);
    let _ = c.create_commit("docs: x\n\nGenerated-by: dbarch\n", sha, &[sha.to_string()]);
    let _ = c.create_branch(branch, sha);
    let _ = c.update_branch(branch, sha);
    let _ = c.list_pulls(branch);
    let _ = c.create_pull("Architecture review: docs/db.md", "body", branch, "main");
    let _ = c.update_pull(1347, "t", "b");
    let _ = c.close_pull(1347);
    let _ = c.request_reviewers(1347, &["ana".into()], &[]);
    let _ = c.request_reviewers(1347, &[], &["dba-team".into()]);
    let _ = c.list_reviews(1347);
    let calls = c.calls();
    let (bad, new) = violations(&url, &log, before);
    assert!(
        bad.is_empty(),
        "requests that violate GitHub's description:\n{}",
        bad.join("\n")
    );
    for path in [
        "/user",
        "/repos/acme/db/assignees/ana",
        "/repos/acme/db/pulls/1347/reviews",
        "/repos/acme/db/pulls/1347/requested_reviewers",
        "/repos/acme/db/git/refs",
    ] {
        assert!(new.contains(path), "{path} never reached Prism:\n{new}");
    }
    eprintln!(
        "{} client calls checked against the description",
        calls.len()
    );
}

#[test]
fn remind_requests_match_githubs_openapi_description() {
    let Some((url, log)) = prism() else {
        eprintln!("skipped: DBARCH_PRISM_URL/DBARCH_PRISM_LOG not set (run through .ci/run)");
        return;
    };
    let _one = LOG.lock().unwrap_or_else(|e| e.into_inner());
    let repo = TestRepo::new();
    repo.write(DOC, doc_due("2026-11-20"));
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreviewers = [\"@ana\", \"@acme/dba-team\"]\n\n[github]\nchangelog-pr = true\n",
    );
    repo.commit(
        &[DOC, "dbarch.toml"],
        "docs: architecture",
        ALICE,
        "2026-09-01T10:00:00+00:00",
    );
    // An edit without a row, so the Change Log pull request flow runs too.
    repo.write(
        DOC,
        doc_due("2026-11-20").replace("## Overview", "## Overview\nMore."),
    );
    repo.commit(
        &[DOC],
        "Edit in the web editor",
        ALICE,
        "2026-11-21T10:00:00+00:00",
    );
    let before = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    for mode in ["issue", "pr", "both"] {
        let out = repo
            .dbarch()
            .args(["remind", "--mode", mode])
            .env("GITHUB_API_URL", &url)
            .env("GITHUB_TOKEN", "ghp_contract_test_token")
            .env("GITHUB_REPOSITORY", "acme/db")
            .env("DBARCH_NOW", "2026-11-26")
            .output()
            .unwrap();
        // Prism answers every call with the same static example, so the run may stop
        // on an answer that makes no sense for it; only the requests are under test.
        eprintln!(
            "remind --mode {mode}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    flush_log(&url, &log);
    let text = std::fs::read(&log).unwrap();
    let new = String::from_utf8_lossy(&text[before as usize..]);
    let requests = new.matches("[HTTP SERVER]").count();
    let bad: Vec<&str> = new
        .lines()
        .filter(|l| l.contains("Violation: request") || l.contains("Request terminated with error"))
        .filter(|l| !l.contains("dbarch-test/end-"))
        .collect();
    assert!(
        bad.is_empty(),
        "requests that violate GitHub's description:\n{}",
        bad.join("\n")
    );
    assert!(
        new.contains("POST /repos/acme/db/issues") || new.contains("/repos/acme/db/issues"),
        "no issue call reached Prism:\n{new}"
    );
    eprintln!("{requests} requests checked against the description");
}
