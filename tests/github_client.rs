//! The octocrab client (`dbarch::github::client::Client`) against the stateful fake GitHub:
//! every trait method, pagination, the retry policy, timeouts, permission messages, and the
//! token never showing.
use std::time::{Duration, Instant};

use dbarch::github::client::{Client, ClientOptions};
use dbarch::github::{Env, GitHub, IssueFields, IssueState, RepoId};
use dbarch::Error;

use crate::fake_github::{FakeGitHub, Fault, ACTIONS_PR_MESSAGE, NOT_ACCESSIBLE_MESSAGE, TOKEN};

/// Millisecond backoff, so every test stays fast. The timeout is generous: a loaded
/// machine must not turn a slow answer into a spurious failure.
fn fast() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        max_retries: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

/// [`fast`] with a 300 ms timeout, for the tests that make the fake hold an answer (2 s).
fn quick() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(300),
        ..fast()
    }
}

fn client(fake: &FakeGitHub) -> Client {
    Client::with_options(&fake.env(), fast()).expect("a client")
}

fn quick_client(fake: &FakeGitHub) -> Client {
    Client::with_options(&fake.env(), quick()).expect("a client")
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Neither the message nor the Debug form of `err` shows the token.
fn assert_hidden(err: &Error) {
    let shown = format!("{err} / {err:?}");
    assert!(!shown.contains(TOKEN), "token leaked: {shown}");
}

fn usage(err: Error) -> String {
    assert_hidden(&err);
    match err {
        Error::Usage(m) => m,
        // GitHub refused: a remote failure (exit 4) whose message says what to fix.
        Error::Remote { message, .. } => message,
        other => panic!("expected a usage or remote error, got {other:?}"),
    }
}

fn internal(err: Error) -> String {
    assert_hidden(&err);
    match err {
        Error::Internal(m) => m,
        Error::Remote { message, .. } => message,
        other => panic!("expected an internal or remote error, got {other:?}"),
    }
}

fn posts(c: &Client) -> usize {
    c.calls().iter().filter(|(m, _)| m == "POST").count()
}

#[test]
fn repository_branches_and_files_round_trip() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    assert_eq!(c.repo().to_string(), "acme/db");
    assert_eq!(c.default_branch().unwrap(), "main");
    fake.set_default_branch("trunk");
    assert_eq!(c.default_branch().unwrap(), "trunk");

    assert_eq!(c.get_branch("main").unwrap(), fake.branch("main"));
    assert_eq!(c.get_branch("nope").unwrap(), None);
    assert_eq!(
        c.get_branch("mai").unwrap(),
        None,
        "a prefix is not a branch"
    );

    fake.put_file(
        "main",
        "docs/database architecture.md",
        b"# Database Architecture\n",
    );
    assert_eq!(c.get_file("main", "README.md").unwrap().unwrap(), b"# db\n");
    assert_eq!(
        c.get_file("main", "docs/database architecture.md")
            .unwrap()
            .unwrap(),
        b"# Database Architecture\n"
    );
    let first = fake.branch("main").unwrap();
    assert_eq!(
        c.get_file(&first, "README.md").unwrap().unwrap(),
        b"# db\n",
        "a sha as the ref"
    );
    assert_eq!(c.get_file("main", "missing.md").unwrap(), None);
    assert_eq!(c.get_file("no-such-branch", "README.md").unwrap(), None);
    let dir = internal(c.get_file("main", "docs").unwrap_err());
    assert!(dir.contains("directory"), "{dir}");

    // Over 1 MiB the contents API sends no content: the client reads the blob.
    let big: Vec<u8> = (0..1_200_000u32).map(|i| (i % 251) as u8).collect();
    fake.put_file("main", "big.bin", &big);
    assert_eq!(c.get_file("main", "big.bin").unwrap().unwrap(), big);
    assert!(c
        .calls()
        .iter()
        .any(|(m, p)| m == "GET" && p.contains("/git/blobs/")));
    assert_eq!(fake.writes(), 0);
}

#[test]
fn git_data_round_trip() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    let head = c.get_branch("main").unwrap().unwrap();
    let tree = c.get_commit(&head).unwrap().tree;
    assert_eq!(fake.commit(&head).unwrap().tree, tree);

    let blob = c.create_blob(b"hello \xff binary\n").unwrap();
    assert_eq!(fake.blob(&blob).unwrap(), b"hello \xff binary\n");
    let new_tree = c.create_tree(&tree, "docs/x.md", &blob).unwrap();
    let commit = c
        .create_commit("docs: review", &new_tree, std::slice::from_ref(&head))
        .unwrap();
    let made = fake.commit(&commit).unwrap();
    assert_eq!(
        (made.message.as_str(), made.parents.clone()),
        ("docs: review", vec![head.clone()])
    );

    c.create_branch("dbarch/review/docs-x", &commit).unwrap();
    assert_eq!(
        c.get_branch("dbarch/review/docs-x").unwrap().as_deref(),
        Some(commit.as_str())
    );
    assert_eq!(
        fake.file("dbarch/review/docs-x", "docs/x.md").unwrap(),
        b"hello \xff binary\n"
    );
    assert_eq!(
        fake.file("dbarch/review/docs-x", "README.md").unwrap(),
        b"# db\n",
        "base tree kept"
    );

    // Force-update to a commit that is not a descendant.
    let other = c
        .create_commit("again", &new_tree, std::slice::from_ref(&head))
        .unwrap();
    c.update_branch("dbarch/review/docs-x", &other).unwrap();
    assert_eq!(
        fake.branch("dbarch/review/docs-x").as_deref(),
        Some(other.as_str())
    );
    assert!(internal(c.update_branch("missing", &other).unwrap_err())
        .contains("Reference does not exist"));
    let exists = internal(
        c.create_branch("dbarch/review/docs-x", &commit)
            .unwrap_err(),
    );
    assert!(
        exists.contains("422") && exists.contains("already exists"),
        "{exists}"
    );
}

#[test]
fn issues_and_comments_round_trip() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    let made = c
        .create_issue(
            "Review due",
            "body <!-- dbarch:review path=x -->",
            &labels(&["dbarch", "review"]),
            &labels(&["alice"]),
        )
        .unwrap();
    assert_eq!(made.title, "Review due");
    assert_eq!(made.state, IssueState::Open);
    assert_eq!(made.labels, labels(&["dbarch", "review"]));
    assert_eq!(made.assignees, labels(&["alice"]));
    assert!(
        made.url
            .ends_with(&format!("/acme/db/issues/{}", made.number)),
        "{}",
        made.url
    );
    assert_eq!(
        fake.issue(made.number).unwrap().body,
        "body <!-- dbarch:review path=x -->"
    );

    fake.add_issue("unrelated", "", &["bug"]);
    // Pull requests come back from the issues list; the client leaves them out.
    fake.put_file("feature", "f.md", b"f");
    fake.add_pull("A pull request", "", "feature", "main");
    let all = c.list_issues(&[]).unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let ours = c.list_issues(&labels(&["dbarch"])).unwrap();
    assert_eq!(ours, vec![made.clone()]);

    let closed = c
        .update_issue(
            made.number,
            &IssueFields {
                title: Some("Review recorded".into()),
                body: None,
                state: Some(IssueState::Closed),
            },
        )
        .unwrap();
    assert_eq!(
        (closed.title.as_str(), closed.state),
        ("Review recorded", IssueState::Closed)
    );
    assert_eq!(closed.body, made.body, "an absent field is left alone");
    let reopened = c
        .update_issue(
            made.number,
            &IssueFields {
                state: Some(IssueState::Open),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(reopened.state, IssueState::Open);

    c.add_labels(made.number, &labels(&["overdue"])).unwrap();
    assert_eq!(
        fake.issue(made.number).unwrap().labels,
        labels(&["dbarch", "review", "overdue"])
    );

    assert!(c.list_comments(made.number).unwrap().is_empty());
    c.create_comment(made.number, "Now overdue.").unwrap();
    let comments = c.list_comments(made.number).unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "Now overdue.");
    assert!(comments[0].id > 0);
    assert_eq!(fake.comments(made.number), vec!["Now overdue."]);

    let missing = usage(c.update_issue(999, &IssueFields::default()).unwrap_err());
    assert!(
        missing.contains("404") && missing.contains("issues: write"),
        "{missing}"
    );
}

#[test]
fn pull_requests_round_trip() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    fake.put_file("dbarch/sync/docs-db", "docs/db.md", b"new row\n");
    assert!(c.list_pulls("dbarch/sync/docs-db").unwrap().is_empty());

    let pr = c
        .create_pull("Change Log", "rows", "dbarch/sync/docs-db", "main")
        .unwrap();
    assert_eq!(
        (pr.head.as_str(), pr.state, pr.title.as_str()),
        ("dbarch/sync/docs-db", IssueState::Open, "Change Log")
    );
    assert!(
        pr.url.ends_with(&format!("/acme/db/pull/{}", pr.number)),
        "{}",
        pr.url
    );
    assert_eq!(
        c.list_pulls("dbarch/sync/docs-db").unwrap(),
        vec![pr.clone()]
    );
    assert!(c.list_pulls("dbarch/sync").unwrap().is_empty());

    c.update_pull(pr.number, "Change Log (2 rows)", "more rows")
        .unwrap();
    let kept = fake.pull(pr.number).unwrap();
    assert_eq!(
        (kept.title.as_str(), kept.body.as_str()),
        ("Change Log (2 rows)", "more rows")
    );

    c.request_reviewers(pr.number, &labels(&["alice", "bob"]), &labels(&["dba"]))
        .unwrap();
    let kept = fake.pull(pr.number).unwrap();
    assert_eq!(kept.requested_reviewers, labels(&["alice", "bob"]));
    assert_eq!(kept.requested_teams, labels(&["dba"]));
    let before = c.calls().len();
    c.request_reviewers(pr.number, &[], &[]).unwrap();
    assert_eq!(c.calls().len(), before, "nobody to request: no call");

    let again = internal(
        c.create_pull("Change Log", "rows", "dbarch/sync/docs-db", "main")
            .unwrap_err(),
    );
    assert!(again.contains("A pull request already exists"), "{again}");

    fake.close_pull(pr.number, true);
    assert_eq!(
        c.list_pulls("dbarch/sync/docs-db").unwrap()[0].state,
        IssueState::Closed
    );
}

#[test]
fn lists_follow_pagination() {
    let fake = FakeGitHub::start();
    for n in 0..150 {
        fake.add_issue(&format!("issue {n}"), "", &["dbarch"]);
    }
    let mut c = client(&fake);
    let issues = c.list_issues(&labels(&["dbarch"])).unwrap();
    assert_eq!(issues.len(), 150);
    let mut numbers: Vec<u64> = issues.iter().map(|i| i.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 150, "no issue twice");
    let calls = c.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].1.contains("per_page=100"), "{calls:?}");
    assert!(calls[1].1.contains("page=2"), "{calls:?}");

    for n in 0..130 {
        fake.add_comment(1, &format!("comment {n}"));
    }
    let comments = c.list_comments(1).unwrap();
    assert_eq!(comments.len(), 130);
    assert_eq!(comments[129].body, "comment 129", "oldest first");
    assert_eq!(c.calls().len(), 4);
}

#[test]
fn enterprise_base_path() {
    let fake = FakeGitHub::start();
    for n in 0..120 {
        fake.add_issue(&format!("issue {n}"), "", &[]);
    }
    let env = Env {
        api_url: format!("{}/api/v3/", fake.url()),
        ..fake.env()
    };
    let mut c = Client::with_options(&env, fast()).unwrap();
    assert_eq!(c.list_issues(&[]).unwrap().len(), 120);
    assert!(fake
        .requests()
        .iter()
        .all(|(_, p)| p.starts_with("/api/v3/repos/acme/db/issues")));
    assert!(
        c.calls()
            .iter()
            .all(|(_, p)| p.starts_with("/repos/acme/db/issues")),
        "{:?}",
        c.calls()
    );
}

#[test]
fn server_errors_are_retried() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    fake.fail_times("GET", &fake.path("/issues"), Fault::Status(500), 2);
    fake.add_issue("one", "", &[]);
    assert_eq!(c.list_issues(&[]).unwrap().len(), 1);
    assert_eq!(c.calls().len(), 3);
    assert_eq!(fake.count("GET"), 3);

    fake.fail_next("PATCH", &fake.path("/issues/1"), Fault::Status(502));
    let fields = IssueFields {
        body: Some("edited".into()),
        ..Default::default()
    };
    c.update_issue(1, &fields).unwrap();
    assert_eq!(fake.issue(1).unwrap().body, "edited");
    assert_eq!(fake.count("PATCH"), 2);

    // Gives up after max_retries, and says so.
    fake.fail_times("GET", &fake.path(""), Fault::Status(503), 10);
    let before = fake.count("GET");
    let msg = internal(c.default_branch().unwrap_err());
    assert_eq!(
        fake.count("GET") - before,
        5,
        "one attempt and four retries"
    );
    assert!(
        msg.contains("GitHub GET /repos/acme/db: 503") && msg.contains("5 attempts"),
        "{msg}"
    );
}

#[test]
fn rate_limits_are_retried_even_for_creates() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    fake.fail_next(
        "POST",
        &fake.path("/issues"),
        Fault::RateLimited { retry_after: 1 },
    );
    fake.fail_next("POST", &fake.path("/issues"), Fault::SecondaryLimit);
    let issue = c.create_issue("Review due", "b", &[], &[]).unwrap();
    assert_eq!(fake.issues().len(), 1, "created exactly once");
    assert_eq!(issue.number, fake.issues()[0].number);
    assert_eq!(posts(&c), 3);
    assert_eq!(fake.pending_faults(), 0);

    fake.fail_next(
        "POST",
        &fake.path("/issues/1/comments"),
        Fault::SecondaryLimit,
    );
    c.create_comment(1, "hi").unwrap();
    assert_eq!(fake.comments(1), vec!["hi"]);

    // A 403 that is not a rate limit is not retried.
    fake.fail_next(
        "POST",
        &fake.path("/issues"),
        Fault::Error {
            status: 403,
            message: NOT_ACCESSIBLE_MESSAGE.into(),
        },
    );
    let before = posts(&c);
    c.create_issue("x", "", &[], &[]).unwrap_err();
    assert_eq!(posts(&c) - before, 1);
}

#[test]
fn retry_after_is_honoured() {
    let fake = FakeGitHub::start();
    let options = ClientOptions {
        max_delay: Duration::from_secs(5),
        ..fast()
    };
    let mut c = Client::with_options(&fake.env(), options).unwrap();
    fake.fail_next("GET", &fake.path(""), Fault::RateLimited { retry_after: 1 });
    let start = Instant::now();
    assert_eq!(c.default_branch().unwrap(), "main");
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );
}

#[test]
fn timeouts_are_retried_for_reads_only() {
    let fake = FakeGitHub::start();
    let mut c = quick_client(&fake);
    fake.fail_next("GET", &fake.path(""), Fault::Timeout);
    let start = Instant::now();
    assert_eq!(c.default_branch().unwrap(), "main");
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(c.calls().len(), 2);

    // The create landed but its answer never came: not replayed, the error says why.
    fake.fail_next("POST", &fake.path("/issues"), Fault::Timeout);
    let msg = internal(
        c.create_issue("Review due", "marker", &[], &[])
            .unwrap_err(),
    );
    assert!(
        msg.contains("no response") && msg.contains("may have been applied"),
        "{msg}"
    );
    assert_eq!(posts(&c), 1);
    assert_eq!(fake.issues().len(), 1, "no duplicate");
    // The caller re-lists and finds it.
    assert_eq!(c.list_issues(&[]).unwrap()[0].body, "marker");
}

#[test]
fn a_create_whose_response_failed_is_not_replayed() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    fake.fail_next("POST", &fake.path("/issues"), Fault::AfterEffect(500));
    let msg = internal(c.create_issue("Review due", "b", &[], &[]).unwrap_err());
    assert!(
        msg.contains("GitHub POST /repos/acme/db/issues: 500")
            && msg.contains("may have been applied"),
        "{msg}"
    );
    assert_eq!(fake.issues().len(), 1);
    assert_eq!(posts(&c), 1);

    fake.fail_next(
        "POST",
        &fake.path("/issues/1/comments"),
        Fault::AfterEffect(502),
    );
    c.create_comment(1, "once").unwrap_err();
    assert_eq!(fake.comments(1), vec!["once"]);

    fake.put_file("dbarch/review/x", "x.md", b"x");
    fake.fail_next("POST", &fake.path("/pulls"), Fault::AfterEffect(504));
    c.create_pull("t", "b", "dbarch/review/x", "main")
        .unwrap_err();
    assert_eq!(fake.pulls().len(), 1);
    assert_eq!(posts(&c), 3);
}

#[test]
fn git_data_writes_are_replayed() {
    let fake = FakeGitHub::start();
    let mut c = quick_client(&fake);
    fake.fail_next("POST", &fake.path("/git/blobs"), Fault::AfterEffect(500));
    let blob = c.create_blob(b"x").unwrap();
    assert_eq!(fake.blob(&blob).unwrap(), b"x");
    assert_eq!(posts(&c), 2, "replayed");

    let head = fake.branch("main").unwrap();
    fake.fail_next("POST", &fake.path("/git/commits"), Fault::Timeout);
    fake.set_hold(Duration::from_millis(600));
    let tree = c.get_commit(&head).unwrap().tree;
    let commit = c.create_commit("m", &tree, &[head]).unwrap();
    assert_eq!(posts(&c), 4, "the commit was replayed after the timeout");

    // The ref was made but the answer failed: the replay meets "Reference already exists"
    // and checks that it points where we wanted.
    fake.fail_next("POST", &fake.path("/git/refs"), Fault::AfterEffect(502));
    c.create_branch("dbarch/review/x", &commit).unwrap();
    assert_eq!(
        fake.branch("dbarch/review/x").as_deref(),
        Some(commit.as_str())
    );
    let refs: Vec<_> = c
        .calls()
        .into_iter()
        .filter(|(m, p)| m == "POST" && p.ends_with("/git/refs"))
        .collect();
    assert_eq!(refs.len(), 2);
}

#[test]
fn permission_errors_name_what_to_fix() {
    let fake = FakeGitHub::start();
    let mut c = client(&fake);
    let forbidden = || Fault::Error {
        status: 403,
        message: NOT_ACCESSIBLE_MESSAGE.into(),
    };
    fake.fail_next("POST", &fake.path("/issues"), forbidden());
    let msg = usage(c.create_issue("t", "b", &[], &[]).unwrap_err());
    assert!(
        msg.contains("403") && msg.contains("`issues: write`"),
        "{msg}"
    );

    fake.fail_next("POST", &fake.path("/git/blobs"), forbidden());
    let msg = usage(c.create_blob(b"x").unwrap_err());
    assert!(msg.contains("`contents: write`"), "{msg}");

    fake.put_file("dbarch/review/x", "x.md", b"x");
    fake.fail_next("POST", &fake.path("/pulls"), forbidden());
    let msg = usage(
        c.create_pull("t", "b", "dbarch/review/x", "main")
            .unwrap_err(),
    );
    assert!(msg.contains("`pull-requests: write`"), "{msg}");

    fake.fail_next(
        "POST",
        &fake.path("/pulls"),
        Fault::Error {
            status: 403,
            message: ACTIONS_PR_MESSAGE.into(),
        },
    );
    let msg = usage(
        c.create_pull("t", "b", "dbarch/review/x", "main")
            .unwrap_err(),
    );
    assert!(
        msg.contains("\"Allow GitHub Actions to create and approve pull requests\""),
        "{msg}"
    );
    assert_eq!(posts(&c), 4, "none of them retried");
    assert!(fake.pulls().is_empty() && fake.issues().is_empty());
}

#[test]
fn the_token_is_never_shown() {
    let fake = FakeGitHub::start();
    let mut c = quick_client(&fake);
    assert!(!format!("{c:?}").contains(TOKEN), "{c:?}");
    assert!(!format!("{:?}", fake.env()).contains(TOKEN));

    let mut errors = Vec::new();
    fake.fail_times("GET", &fake.path("/issues"), Fault::Status(500), 4);
    fake.fail_next(
        "GET",
        &fake.path("/issues"),
        Fault::Error {
            status: 500,
            message: format!("echo Bearer {TOKEN}"),
        },
    );
    errors.push(c.list_issues(&[]).unwrap_err());
    fake.fail_next(
        "POST",
        &fake.path("/issues"),
        Fault::Error {
            status: 403,
            message: format!("token {TOKEN} lacks scope"),
        },
    );
    errors.push(c.create_issue("t", "b", &[], &[]).unwrap_err());
    fake.fail_next("POST", &fake.path("/issues"), Fault::Timeout);
    errors.push(c.create_issue("t", "b", &[], &[]).unwrap_err());
    errors.push(c.update_issue(404, &IssueFields::default()).unwrap_err());
    fake.fail_next(
        "PATCH",
        &fake.path("/pulls/7"),
        Fault::Error {
            status: 422,
            message: TOKEN.into(),
        },
    );
    errors.push(c.update_pull(7, "t", "b").unwrap_err());

    // A bad token: 401, a usage error.
    let wrong = Env {
        token: Some("ghp_FAKE_TOKEN_wrong_value_5678".into()),
        ..fake.env()
    };
    let mut w = Client::with_options(&wrong, fast()).unwrap();
    let msg = usage(w.default_branch().unwrap_err());
    assert!(
        msg.contains("401") && msg.contains("invalid or has expired"),
        "{msg}"
    );
    assert!(!msg.contains("ghp_FAKE_TOKEN_wrong_value_5678"));

    // Nobody listening: retried (nothing was sent), then an internal error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let gone = Env {
        api_url: format!("http://127.0.0.1:{port}"),
        ..fake.env()
    };
    let mut g = Client::with_options(&gone, fast()).unwrap();
    errors.push(g.create_issue("t", "b", &[], &[]).unwrap_err());
    assert_eq!(
        g.calls().len(),
        5,
        "a refused connection sent nothing: retried"
    );

    for e in &errors {
        assert_hidden(e);
    }
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("echo Bearer ***")),
        "{errors:?}"
    );
}

#[test]
fn needs_a_token_and_a_repository() {
    let fake = FakeGitHub::start();
    let no_token = Env {
        token: None,
        ..fake.env()
    };
    assert!(usage(Client::new(&no_token).unwrap_err()).contains("GITHUB_TOKEN"));
    let no_repo = Env {
        repo: None,
        ..fake.env()
    };
    assert!(usage(Client::new(&no_repo).unwrap_err()).contains("GITHUB_REPOSITORY"));
    let bad_url = Env {
        api_url: "api.github.com".into(),
        ..fake.env()
    };
    assert!(matches!(Client::new(&bad_url), Err(Error::Config(_))));
    let c = Client::new(&Env {
        repo: RepoId::parse("acme/db"),
        ..fake.env()
    })
    .unwrap();
    assert_eq!(c.options(), &ClientOptions::default());
}
