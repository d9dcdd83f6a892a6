//! Contract test: `dbarch remind` against the Prism mock of GitHub's own OpenAPI
//! description (`contract/github-subset.json`, served by `.ci/run`). Any request Prism
//! reports as violating the description fails the test. Without `DBARCH_PRISM_URL` and
//! `DBARCH_PRISM_LOG` (a plain `cargo test` outside `.ci/run`) it says so and passes.
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

#[test]
fn remind_requests_match_githubs_openapi_description() {
    let Some((url, log)) = prism() else {
        eprintln!("skipped: DBARCH_PRISM_URL/DBARCH_PRISM_LOG not set (run through .ci/run)");
        return;
    };
    let repo = TestRepo::new();
    repo.write(DOC, doc_due("2026-11-20"));
    repo.write(
        "dbarch.toml",
        "[[docs]]\npath = \"docs/database-architecture.md\"\nreviewers = [\"@ana\", \"@acme/dba-team\"]\n",
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
    for mode in ["issue", "pr"] {
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
