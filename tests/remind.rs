//! `dbarch remind` (what the scheduled GitHub Action runs) end to end: the real binary
//! against the stateful fake GitHub (`fake_github`), with the local `TestRepo` as the
//! checkout of the default branch and the same document on the fake's `main`.
//!
//! Covered: the review issue's whole lifecycle across scheduled runs (`DBARCH_NOW`
//! advancing), the review pull request (`--mode pr`), the Change Log pull request for
//! commits made without the hook, `--dry-run` (with and without a token), faults
//! (5xx, 429 with `Retry-After`, secondary rate limits, slow answers, and creates whose
//! response failed) over many scheduled runs, the token never being printed, and the
//! permission messages.
//!
//! Every write count is the fake's own count of non-GET requests, so "no write" means no
//! request that could change anything reached GitHub.
//!
//! Timing: the fake's `env_vars` give the binary a 5 ms first backoff and waits of at most
//! 50 ms (`DBARCH_GITHUB_RETRY_BASE_MS`, `DBARCH_GITHUB_RETRY_MAX_MS`; `FAST_RETRY`), so a
//! retried fault costs milliseconds and `Retry-After: 1` waits 50 ms. The per-call timeout
//! keeps its 30 s default, so `Fault::Timeout` is a slow answer well inside it, except in
//! the test that sets `DBARCH_GITHUB_TIMEOUT_MS` to provoke a real client timeout.
use std::time::{Duration, Instant};

use dbarch::github::client::{ENV_RETRY_BASE_MS, ENV_RETRY_MAX_MS, ENV_TIMEOUT_MS};

use crate::common::{stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};
use crate::fake_github::{
    FakeGitHub, FakeIssue, FakePull, Fault, ACTIONS_PR_MESSAGE, NOT_ACCESSIBLE_MESSAGE, TOKEN,
};
use crate::status::doc_with;

const REVIEW_BRANCH: &str = "dbarch/review/docs-database-architecture";
const SYNC_BRANCH: &str = "dbarch/sync/docs-database-architecture";
const BACKEND: &str = "docs/backend-architecture.md";

const OVERDUE_MARK: &str = "<!-- dbarch:overdue -->";
const CLOSED_MARK: &str = "<!-- dbarch:reviewed -->";
const BLOCK_END: &str = "<!-- /dbarch:review -->";

/// Reviewers (a user and a team), a section with related code paths (drift), two
/// labels, and the Change Log pull request switched on.
const CONFIG: &str = r#"[[docs]]
path = "docs/database-architecture.md"
reviewers = ["@ana", "@acme/dba-team"]

[docs.sections."Indexing Strategy"]
paths = ["migrations/**"]

[github]
labels = ["architecture-review", "docs"]
changelog-pr = true
"#;

/// [`doc_with`] last updated (and first recorded) on `last`, with `next` as the Next
/// Review and a "Backup Strategy" section of two unfilled lines.
fn document(last: &str, next: &str) -> String {
    doc_with(
        last,
        "DBA Team",
        next,
        &[(last, "First version", "Alice Example", "Low")],
    )
    .replacen(
        "## Change Log\n",
        "## Backup Strategy\n\
         - **Full Backups:** [FREQUENCY]\n\
         - **Retention:** [RETENTION_DAYS]\n\
         \n\
         ## Change Log\n",
        1,
    )
}

fn marker(due: &str) -> String {
    format!("<!-- dbarch:review path={DOC} due={due} -->")
}

fn short(id: &str) -> &str {
    &id[..7]
}

/// How many of `comments` carry `mark`.
fn marked(comments: &[String], mark: &str) -> usize {
    comments.iter().filter(|c| c.contains(mark)).count()
}

/// The local checkout and the fake GitHub repository it belongs to.
struct World {
    repo: TestRepo,
    fake: FakeGitHub,
}

impl World {
    /// `docs` (and `config` as `dbarch.toml`) committed by Alice on `date`
    /// (`YYYY-MM-DD`), and the same files on the fake's `main`.
    fn new(config: &str, docs: &[(&str, &str)], date: &str) -> World {
        let repo = TestRepo::new();
        repo.write("dbarch.toml", config);
        let mut paths = vec!["dbarch.toml"];
        for (path, text) in docs {
            repo.write(path, text);
            paths.push(path);
        }
        repo.commit(
            &paths,
            "docs: architecture documents",
            ALICE,
            &format!("{date}T10:00:00+00:00"),
        );
        let w = World {
            repo,
            fake: FakeGitHub::start(),
        };
        for p in paths {
            w.push(p);
        }
        w
    }

    /// One document at [`DOC`], last updated on `last`, next review `next`.
    fn single(last: &str, next: &str) -> World {
        World::new(CONFIG, &[(DOC, &document(last, next))], last)
    }

    /// Puts the local checkout's `path` on the fake's `main` (as a push would).
    fn push(&self, path: &str) {
        self.fake
            .put_file("main", path, &self.repo.read_bytes(path));
    }

    /// `dbarch remind ARGS` on `now`, pointed at the fake (with its fast retry timing).
    fn cmd(&self, now: &str, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.repo.dbarch();
        cmd.envs(self.fake.env_vars())
            .env("DBARCH_NOW", now)
            .arg("remind")
            .args(args);
        cmd
    }

    /// A run that must succeed; returns its stdout.
    fn remind(&self, now: &str, args: &[&str]) -> String {
        let out = self.cmd(now, args).output().expect("run dbarch");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(
            out.status.success(),
            "dbarch remind {args:?} on {now} failed ({}):\n{stdout}{stderr}",
            out.status
        );
        stdout
    }

    /// [`World::remind`], asserting that it made exactly `writes` write calls.
    fn remind_writes(&self, now: &str, args: &[&str], writes: usize) -> String {
        let before = self.fake.writes();
        let out = self.remind(now, args);
        let made = self.fake.writes() - before;
        if made != writes {
            let requests = self.fake.requests();
            panic!(
                "{made} write calls on {now} {args:?}, want {writes}:\n{out}\nlast requests: {:#?}",
                &requests[requests.len().saturating_sub(30)..]
            );
        }
        out
    }

    fn only_issue(&self) -> FakeIssue {
        let issues = self.fake.issues();
        assert_eq!(issues.len(), 1, "{issues:#?}");
        issues.into_iter().next().expect("one issue")
    }

    fn only_pull(&self) -> FakePull {
        let pulls = self.fake.pulls();
        assert_eq!(pulls.len(), 1, "{pulls:#?}");
        pulls.into_iter().next().expect("one pull request")
    }

    /// The file on a branch of the fake, as text.
    fn file(&self, branch: &str, path: &str) -> String {
        let bytes = self
            .fake
            .file(branch, path)
            .unwrap_or_else(|| panic!("no {path} on {branch}"));
        String::from_utf8(bytes).expect("UTF-8")
    }

    /// `dbarch review --yes --reviewer WHO --commit` on `now`.
    fn review(&self, now: &str, who: &str) {
        self.repo
            .dbarch()
            .env("DBARCH_NOW", now)
            .args(["review", "--yes", "--reviewer", who, "--commit"])
            .assert()
            .code(0);
    }
}

// ---------------------------------------------------------------------------------------
// 1. The review issue across scheduled runs
// ---------------------------------------------------------------------------------------

#[test]
fn issue_lifecycle_across_scheduled_runs() {
    // Next Review 2026-12-10: ok until 11-25, due-soon from 11-26, due from 12-10,
    // overdue from 12-25 (grace 14d).
    let w = World::single("2026-11-20", "2026-12-10");
    // A documented change since the last review, and a migration (drift).
    let text = w
        .repo
        .read(DOC)
        .replacen("PostgreSQL 16", "PostgreSQL 17", 1)
        + "| 2026-11-23 | PostgreSQL 17 | Bob Example | Medium |\n";
    let change = w.repo.write_commit(
        DOC,
        text,
        "feat: PostgreSQL 17",
        BOB,
        "2026-11-23T10:00:00+00:00",
    );
    w.repo
        .write("migrations/001_tenants.sql", "create table tenants ();\n");
    let migration = w.repo.commit(
        &["migrations/001_tenants.sql"],
        "feat: tenants table",
        BOB,
        "2026-11-23T11:00:00+00:00",
    );
    w.push(DOC);

    // ok: nothing to say, nothing written.
    let out = w.remind_writes("2026-11-24", &[], 0);
    // One line per document, what it found; then that nothing was written.
    assert_eq!(
        out,
        format!("{DOC}: ok, next review in 16 days\nnothing to do: every issue and pull request is up to date\n")
    );
    assert!(w.fake.issues().is_empty());
    assert!(w.fake.count("GET") > 0, "the issue list was read");

    // due-soon: one issue, one write.
    let out = w.remind_writes("2026-11-26", &[], 1);
    let issue = w.only_issue();
    let n = issue.number;
    assert!(
        out.starts_with(&format!("{DOC}: due in 14 days: opened issue #{n} http")),
        "{out}"
    );
    assert!(!out.contains("nothing to do"), "{out}");
    assert_eq!(w.fake.count("POST"), 1);
    assert_eq!(issue.title, format!("Architecture review due: {DOC}"));
    assert_eq!(issue.labels, ["architecture-review", "docs"]);
    assert_eq!(issue.assignees, ["ana"], "teams cannot be assigned");
    assert_eq!(issue.state, "open");
    let body = &issue.body;
    assert!(
        body.starts_with(&format!("{}\n", marker("2026-12-10"))),
        "{body}"
    );
    assert!(body.ends_with(&format!("{BLOCK_END}\n")), "{body}");
    for want in [
        "**State:** due-soon — Next Review is **2026-12-10**.".to_string(),
        "**Last review:** 2026-11-20 · **Reviewed By:** DBA Team".to_string(),
        // No Review row yet: the changes since the document began.
        "### Changes since the document began (no review on record)\n".to_string(),
        format!(
            "- `{}` 2026-11-23 Bob Example — feat: PostgreSQL 17\n",
            short(&change)
        ),
        "### Drift\n".to_string(),
        format!(
            "- **Indexing Strategy** (`migrations/**`): `{}` feat: tenants table\n",
            short(&migration)
        ),
        "### Unfilled placeholders\n- Backup Strategy: 2 of 2 lines\n".to_string(),
        "### Checklist\n- [ ] ".to_string(),
        format!("- [ ] Record the review: `dbarch review {DOC}`"),
    ] {
        assert!(body.contains(&want), "missing {want:?} in:\n{body}");
    }

    // The same day again: not a single write call.
    let out = w.remind_writes("2026-11-26", &[], 0);
    assert_eq!(
        out,
        format!("{DOC}: due in 14 days: issue #{n} is up to date\nnothing to do: every issue and pull request is up to date\n")
    );

    // due: the block is updated in place, in the same issue.
    let out = w.remind_writes("2026-12-10", &[], 1);
    assert!(
        out.starts_with(&format!("{DOC}: due today: updated issue #{n} http")),
        "{out}"
    );
    let body = w.only_issue().body;
    assert!(
        body.contains("**State:** due — Next Review is **2026-12-10**"),
        "{body}"
    );
    assert_eq!(body.matches("<!-- dbarch:review ").count(), 1, "{body}");

    // A person adds text above and below the block: it survives the next update.
    let head = "Owner note: ask Bo before the review.\n\n";
    let tail = "\n---\nNotes from the kickoff: replicas first.\n";
    w.fake.edit_issue_body(n, &format!("{head}{body}{tail}"));
    w.remind_writes("2026-12-12", &[], 1);
    let body = w.only_issue().body;
    assert!(
        body.starts_with(&format!("{head}{}", marker("2026-12-10"))),
        "{body}"
    );
    assert!(body.ends_with(&format!("{BLOCK_END}\n{tail}")), "{body}");
    assert!(body.contains("Next Review was **2026-12-10**"), "{body}");
    assert_eq!(body.matches("<!-- dbarch:review ").count(), 1, "{body}");
    assert_eq!(body.matches(BLOCK_END).count(), 1, "{body}");
    // ... and its presence alone is no reason to write.
    w.remind_writes("2026-12-12", &[], 0);

    // overdue: the body is updated and one escalation comment posted, however many runs.
    let out = w.remind_writes("2026-12-25", &[], 2);
    assert!(
        out.starts_with(&format!(
            "{DOC}: overdue by 15 days: updated issue #{n} http"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("; escalated issue #{n} (overdue) http")),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "one line per document: {out}");
    w.remind_writes("2026-12-25", &[], 0);
    // A later day with nothing new: the block shows dates, not day counts, so no write.
    w.remind_writes("2026-12-26", &[], 0);
    let comments = w.fake.comments(n);
    assert_eq!(marked(&comments, OVERDUE_MARK), 1, "{comments:#?}");
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(
        comments[0].contains("@ana @acme/dba-team The review of `docs/database-architecture.md` is now **overdue** (15 days past Next Review)"),
        "{}",
        comments[0]
    );
    let body = w.only_issue().body;
    assert!(body.starts_with(head) && body.ends_with(tail), "{body}");

    // Closed by a person while still overdue: reopened (one write), not escalated again.
    w.fake.close_issue(n);
    let out = w.remind_writes("2026-12-26", &[], 1);
    assert!(out.contains(&format!("reopened issue #{n}")), "{out}");
    assert_eq!(w.only_issue().state, "open");
    assert_eq!(w.fake.comments(n).len(), 1);

    // The review is recorded (and pushed): the issue gets a comment and is closed.
    w.review("2026-12-27", "Ana Lima");
    w.push(DOC);
    let out = w.remind_writes("2026-12-27", &[], 2);
    assert!(
        out.starts_with(&format!(
            "{DOC}: ok, next review in 90 days: closed issue #{n} (review recorded) http"
        )),
        "{out}"
    );
    let issue = w.only_issue();
    assert_eq!(issue.state, "closed");
    let comments = w.fake.comments(n);
    assert_eq!(comments.len(), 2, "{comments:#?}");
    assert_eq!(marked(&comments, CLOSED_MARK), 1, "{comments:#?}");
    assert!(
        comments[1].contains("Reviewed By Ana Lima")
            && comments[1].contains("the next review is due 2027-03-27"),
        "{}",
        comments[1]
    );
    // The review commit only touched managed parts: no Change Log pull request.
    assert!(w.fake.pulls().is_empty(), "{:#?}", w.fake.pulls());

    // Nothing left to do, today or later in the new cycle.
    w.remind_writes("2026-12-27", &[], 0);
    w.remind_writes("2027-01-15", &[], 0);
    assert_eq!(w.fake.issues().len(), 1);
    assert_eq!(w.fake.branches(), ["main"]);
}

/// Postponing the review (a person moves Next Review, still within the reminder window)
/// must not leave two open review issues for one document.
#[test]
fn a_postponed_next_review_keeps_one_open_issue() {
    let w = World::single("2026-11-20", "2026-12-01");
    w.remind_writes("2026-11-26", &[], 1);
    w.only_issue();

    let text = w.repo.read(DOC).replacen(
        "**Next Review:** 2026-12-01",
        "**Next Review:** 2026-12-08",
        1,
    );
    w.repo.write_commit(
        DOC,
        text,
        "docs: postpone the review",
        BOB,
        "2026-11-26T09:00:00+00:00",
    );
    w.push(DOC);
    w.remind("2026-11-26", &[]);

    let open: Vec<FakeIssue> = w
        .fake
        .issues()
        .into_iter()
        .filter(|i| i.state == "open")
        .collect();
    assert_eq!(
        open.len(),
        1,
        "one open review issue per document; got {:#?}",
        open.iter()
            .map(|i| (i.number, &i.body[..i.body.find('\n').unwrap_or(0)]))
            .collect::<Vec<_>>()
    );
    let body = &open[0].body;
    assert!(body.contains(&marker("2026-12-08")), "{body}");
    assert!(!body.contains(&marker("2026-12-01")), "{body}");
    assert_eq!(body.matches("<!-- dbarch:review ").count(), 1, "{body}");
    // And it settles.
    w.remind_writes("2026-11-26", &[], 0);
}

// ---------------------------------------------------------------------------------------
// 2. The review pull request
// ---------------------------------------------------------------------------------------

/// The document as `dbarch review` records a review by the configured reviewers on
/// `date` (next review `next`) — what the review branch must hold.
fn with_review(text: &str, date: &str, next: &str) -> String {
    let who = "@ana, @acme/dba-team";
    text.replacen(
        "**Last Updated:** 2026-11-20",
        &format!("**Last Updated:** {date}"),
        1,
    )
    .replacen(
        "**Reviewed By:** DBA Team",
        &format!("**Reviewed By:** {who}"),
        1,
    )
    .replacen(
        "**Next Review:** 2026-12-10",
        &format!("**Next Review:** {next}"),
        1,
    ) + &format!("| {date} | Architecture review (next review {next}) | {who} | Review |\n")
}

#[test]
fn review_pull_request_mode() {
    let w = World::single("2026-11-20", "2026-12-10");
    let base = w.fake.branch("main").expect("main");

    let out = w.remind("2026-12-10", &["--mode", "pr"]);
    assert!(w.fake.issues().is_empty(), "pr mode opens no issue");
    // The branch: one commit on top of main with the header bumped and a Review row.
    let head = w.fake.branch(REVIEW_BRANCH).expect("the review branch");
    let commit = w.fake.commit(&head).expect("its commit");
    assert_eq!(commit.parents, [base]);
    assert_eq!(
        commit.message,
        format!("docs: record architecture review: {DOC}\n\nGenerated-by: dbarch\n")
    );
    // 2026-12-10 + 90d = 2027-03-10.
    let local = w.repo.read(DOC);
    assert_eq!(
        w.file(REVIEW_BRANCH, DOC),
        with_review(&local, "2026-12-10", "2027-03-10")
    );
    assert_eq!(
        w.file(REVIEW_BRANCH, "README.md"),
        "# db\n",
        "the rest of main is kept"
    );
    // The pull request, with the user and the team asked to review.
    let pr = w.only_pull();
    assert!(
        out.contains(&format!("opened pull request #{}", pr.number)),
        "{out}"
    );
    assert_eq!(pr.title, format!("Architecture review: {DOC}"));
    assert_eq!(
        (pr.head.as_str(), pr.base.as_str()),
        (REVIEW_BRANCH, "main")
    );
    assert_eq!(pr.state, "open");
    assert_eq!(pr.requested_reviewers, ["ana"]);
    assert_eq!(pr.requested_teams, ["dba-team"]);
    assert!(pr.body.contains(&marker("2026-12-10")), "{}", pr.body);

    // Nothing new: no write.
    let out = w.remind_writes("2026-12-10", &["--mode", "pr"], 0);
    assert!(out.contains("nothing to do"), "{out}");

    // The document changes on the default branch: the branch moves onto the new main,
    // and the same pull request is kept.
    let text = local.replacen("PostgreSQL 16", "PostgreSQL 17", 1)
        + "| 2026-12-09 | PostgreSQL 17 | Bob Example | Medium |\n";
    w.repo.write_commit(
        DOC,
        &text,
        "feat: PostgreSQL 17",
        BOB,
        "2026-12-09T10:00:00+00:00",
    );
    w.push(DOC);
    let new_base = w.fake.branch("main").expect("main");
    w.remind("2026-12-10", &["--mode", "pr"]);
    let moved = w.fake.branch(REVIEW_BRANCH).expect("the review branch");
    assert_ne!(moved, head);
    assert_eq!(w.fake.commit(&moved).expect("commit").parents, [new_base]);
    assert_eq!(
        w.file(REVIEW_BRANCH, DOC),
        with_review(&text, "2026-12-10", "2027-03-10")
    );
    let same = w.only_pull();
    assert_eq!(same.number, pr.number);
    assert_eq!(same.state, "open");
    assert_eq!(
        w.fake
            .requests()
            .iter()
            .filter(|(m, p)| m == "POST" && p.ends_with("/pulls"))
            .count(),
        1,
        "one pull request was ever created"
    );
    w.remind_writes("2026-12-10", &["--mode", "pr"], 0);

    // Merging it is the review: once the checkout has it, nothing is left to do.
    w.fake.close_pull(pr.number, true);
    let merged = w.file("main", DOC);
    w.repo.write(DOC, &merged);
    w.repo.commit(
        &[DOC],
        &format!(
            "Merge pull request #{} from acme/{REVIEW_BRANCH}",
            pr.number
        ),
        ALICE,
        "2026-12-11T09:00:00+00:00",
    );
    w.remind_writes("2026-12-11", &["--mode", "pr"], 0);
    w.remind_writes("2026-12-11", &["--mode", "both"], 0);
    let pr = w.only_pull();
    assert!(pr.merged && pr.state == "closed");
    assert!(w.fake.issues().is_empty());
}

/// The pull request body invites people to edit the document on the review branch; the
/// next scheduled run must not throw their commit away.
#[test]
fn a_person_s_commit_on_the_review_branch_is_kept() {
    let w = World::single("2026-11-20", "2026-12-10");
    w.remind("2026-12-10", &["--mode", "pr"]);
    let pr = w.only_pull();
    assert!(
        pr.body.contains("Edit the document on this branch"),
        "{}",
        pr.body
    );

    let edited = w.file(REVIEW_BRANCH, DOC).replacen(
        "B-tree indexes on every foreign key.",
        "B-tree indexes on every foreign key; BRIN on events.",
        1,
    );
    let human = w.fake.put_file(REVIEW_BRANCH, DOC, edited.as_bytes());
    w.remind("2026-12-10", &["--mode", "pr"]);
    assert_eq!(
        w.fake.branch(REVIEW_BRANCH).as_deref(),
        Some(human.as_str()),
        "the scheduled run force-moved the review branch over a person's commit"
    );
    assert_eq!(w.file(REVIEW_BRANCH, DOC), edited);
}

/// The issue counts the commits the Change Log lacks in words: "1 commit is", "2 commits
/// are" (not "1 commit(s) are").
#[test]
fn the_issue_counts_unrecorded_commits_in_singular_and_plural() {
    let w = World::single("2026-11-20", "2026-12-10");
    let edit = |from: &str, to: &str, when: &str| {
        let text = w.repo.read(DOC).replacen(from, to, 1);
        w.repo
            .write_commit(DOC, &text, "Update database-architecture.md", BOB, when);
        w.push(DOC);
    };
    edit(
        "B-tree indexes on every foreign key.",
        "B-tree indexes on every foreign key; BRIN on events.",
        "2026-11-22T09:00:00+00:00",
    );
    w.remind("2026-12-10", &[]);
    let body = w.only_issue().body;
    assert!(
        body.contains("\n1 commit is not in the Change Log yet (`dbarch sync`).\n"),
        "{body}"
    );
    assert!(!body.contains("(s)"), "{body}");
    edit(
        "BRIN on events",
        "BRIN on events and logs",
        "2026-11-23T09:00:00+00:00",
    );
    let out = w.remind("2026-12-11", &[]);
    let body = w.only_issue().body;
    assert!(
        body.contains("\n2 commits are not in the Change Log yet (`dbarch sync`).\n"),
        "{body}"
    );
    assert!(
        out.contains(&format!(
            "{DOC}: due, 1 day past Next Review: updated issue #"
        )),
        "{out}"
    );
}

/// A review pull request whose create call landed but whose response was lost still gets
/// its reviewers.
#[test]
fn a_lost_pull_request_response_still_gets_reviewers() {
    let w = World::single("2026-11-20", "2026-12-10");
    w.fake
        .fail_next("POST", &w.fake.path("/pulls"), Fault::AfterEffect(502));
    // The run looks again, finds the pull request and goes on with it.
    let out = w.remind("2026-12-10", &["--mode", "pr"]);
    let pr = w.only_pull();
    assert!(
        out.contains(&format!("opened pull request #{}", pr.number)),
        "{out}"
    );
    assert_eq!(pr.requested_reviewers, ["ana"], "{pr:#?}");
    assert_eq!(pr.requested_teams, ["dba-team"], "{pr:#?}");
    assert_eq!(w.fake.pending_faults(), 0);
    w.remind_writes("2026-12-10", &["--mode", "pr"], 0);
}

// ---------------------------------------------------------------------------------------
// 3. The Change Log pull request
// ---------------------------------------------------------------------------------------

#[test]
fn change_log_pull_request_for_commits_made_without_the_hook() {
    // ok until 2027-02-04: only the Change Log needs attention.
    let w = World::single("2026-11-20", "2027-02-18");
    // A web-editor edit: the document changed, no row added.
    let text = w.repo.read(DOC).replacen(
        "B-tree indexes on every foreign key.",
        "B-tree indexes on every foreign key; BRIN on events.",
        1,
    );
    w.repo.write_commit(
        DOC,
        &text,
        "Update database-architecture.md",
        BOB,
        "2026-11-22T09:00:00+00:00",
    );
    w.push(DOC);
    let base = w.fake.branch("main").expect("main");

    let out = w.remind("2026-11-24", &[]);
    assert!(w.fake.issues().is_empty(), "ok: no review issue");
    let pr = w.only_pull();
    assert!(
        out.contains(&format!("opened pull request #{}", pr.number)),
        "{out}"
    );
    assert_eq!(pr.title, format!("Change Log: record 1 commit in {DOC}"));
    assert_eq!((pr.head.as_str(), pr.base.as_str()), (SYNC_BRANCH, "main"));
    assert!(pr.requested_reviewers.is_empty() && pr.requested_teams.is_empty());
    let head = w.fake.branch(SYNC_BRANCH).expect("the sync branch");
    assert_eq!(w.fake.commit(&head).expect("commit").parents, [base]);

    // The branch holds exactly what `dbarch sync` writes in the checkout.
    w.repo
        .dbarch()
        .env("DBARCH_NOW", "2026-11-24")
        .arg("sync")
        .assert()
        .code(0);
    let synced = w.repo.read(DOC);
    w.repo.git(&["checkout", "--", DOC]);
    assert_ne!(synced, text);
    assert!(synced.contains("| Bob Example |"), "{synced}");
    assert_eq!(w.file(SYNC_BRANCH, DOC), synced);

    // Nothing new: no write.
    w.remind_writes("2026-11-24", &[], 0);

    // Another web edit: the branch moves, the pull request is the same one, retitled.
    let text2 = text.replacen("Row-level security", "Row-level security (RLS)", 1);
    w.repo.write_commit(
        DOC,
        &text2,
        "Update database-architecture.md",
        BOB,
        "2026-11-24T09:00:00+00:00",
    );
    w.push(DOC);
    w.remind("2026-11-24", &[]);
    let same = w.only_pull();
    assert_eq!(same.number, pr.number);
    assert_eq!(same.title, format!("Change Log: record 2 commits in {DOC}"));
    assert_ne!(w.fake.branch(SYNC_BRANCH).expect("branch"), head);
    assert!(w
        .file(SYNC_BRANCH, DOC)
        .contains("Row-level security (RLS)"));
    w.remind_writes("2026-11-24", &[], 0);
}

// ---------------------------------------------------------------------------------------
// 4. --dry-run
// ---------------------------------------------------------------------------------------

#[test]
fn dry_run_lists_the_calls_and_writes_nothing() {
    let w = World::single("2026-11-20", "2026-12-10");

    let out = w.remind("2026-12-10", &["--dry-run"]);
    assert!(
        out.starts_with(&format!(
            "dry run for acme/db: 1 write call would be made\n  POST /repos/acme/db/issues — open issue \"Architecture review due: {DOC}\" labels [\"architecture-review\", \"docs\"] assignees [\"ana\"]\n      <!-- dbarch:review path={DOC} due=2026-12-10 -->\n      ## Architecture review: `{DOC}`\n"
        )),
        "{out}"
    );
    // The body it would post, indented under its call; then one line for the document.
    assert!(
        out.contains("\n      **State:** due — Next Review is **2026-12-10**.\n"),
        "{out}"
    );
    assert!(out.contains("\n      <!-- /dbarch:review -->\n"), "{out}");
    assert!(
        out.ends_with(&format!("\n{DOC}: due today: would open issue #(new)\n")),
        "{out}"
    );
    assert_eq!(w.fake.writes(), 0);
    assert!(w.fake.count("GET") > 0, "reads go to GitHub");

    // Both modes: the Git Data calls, the pull request and the review request.
    let out = w.remind("2026-12-10", &["--dry-run", "--mode", "both"]);
    for call in [
        "POST /repos/acme/db/issues — ",
        "POST /repos/acme/db/git/blobs — ",
        "POST /repos/acme/db/git/trees — docs/database-architecture.md",
        "POST /repos/acme/db/git/commits — docs: record architecture review",
        "POST /repos/acme/db/git/refs — refs/heads/dbarch/review/docs-database-architecture",
        "POST /repos/acme/db/pulls — \"Architecture review: docs/database-architecture.md\" dbarch/review/docs-database-architecture → main",
        // Users and teams in separate calls (the job token cannot request teams).
        "/requested_reviewers — users [\"ana\"] teams []",
        "/requested_reviewers — users [] teams [\"dba-team\"]",
        // The issue names the new pull request.
        "PATCH /repos/acme/db/issues/",
    ] {
        assert!(out.contains(call), "missing {call:?} in:\n{out}");
    }
    assert!(
        out.starts_with("dry run for acme/db: 9 write calls would be made\n"),
        "{out}"
    );
    // No made-up numbers: what would be created is `(new)`.
    assert!(!out.contains("10000"), "{out}");
    assert!(
        out.contains("PATCH /repos/acme/db/issues/(new) — body"),
        "{out}"
    );
    assert!(
        out.contains("\n      **Review pull request:** #(new)\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("\n{DOC}: due today: would open issue #(new); would commit dbarch/review/docs-database-architecture; would open pull request #(new); would update issue #(new)\n")),
        "{out}"
    );
    // JSON for programs.
    let json: serde_json::Value =
        serde_json::from_str(&w.remind("2026-12-10", &["--dry-run", "--format", "json"]))
            .expect("JSON");
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["calls"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(w.fake.writes(), 0, "a dry run never writes");

    // After a real run, a dry run has nothing to propose.
    w.remind("2026-12-10", &[]);
    let writes = w.fake.writes();
    let out = w.remind("2026-12-10", &["--dry-run"]);
    assert_eq!(
        out,
        format!("dry run for acme/db: 0 write calls would be made\n{DOC}: due today: issue #1 is up to date\n")
    );
    // An update would be a PATCH.
    let out = w.remind("2026-12-12", &["--dry-run"]);
    assert!(
        out.contains("PATCH /repos/acme/db/issues/1 — body"),
        "{out}"
    );
    assert_eq!(w.fake.writes(), writes);
}

/// The bodies a dry run prints carry text from commits: escape sequences never reach the
/// terminal.
#[test]
fn dry_run_bodies_are_sanitized() {
    let w = World::single("2026-11-20", "2026-12-10");
    let text = w
        .repo
        .read(DOC)
        .replacen("PostgreSQL 16", "PostgreSQL 17", 1);
    w.repo.write_commit(
        DOC,
        &text,
        "feat: \u{1b}]0;pwned\u{7}\u{1b}[2J PostgreSQL 17",
        BOB,
        "2026-11-23T10:00:00+00:00",
    );
    w.push(DOC);
    let out = w.remind("2026-12-10", &["--dry-run"]);
    assert!(out.contains("PostgreSQL 17"), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert_eq!(w.fake.writes(), 0);
}

#[test]
fn dry_run_without_a_token_works_offline() {
    let w = World::single("2026-11-20", "2026-12-10");
    let a = w
        .repo
        .dbarch()
        .env("DBARCH_NOW", "2026-12-10")
        .env("GITHUB_REPOSITORY", "acme/db")
        .env("GITHUB_API_URL", w.fake.url())
        .args(["remind", "--dry-run", "--mode", "both"])
        .assert()
        .code(0);
    let (out, err) = (stdout_of(&a), stderr_of(&a));
    assert!(
        err.contains("dry run without a GitHub token: assuming no issues, branches or pull requests exist yet"),
        "{err}"
    );
    assert!(
        out.starts_with("dry run for acme/db: 9 write calls would be made\n"),
        "{out}"
    );
    assert!(out.contains("POST /repos/acme/db/issues — "), "{out}");
    assert!(out.contains("POST /repos/acme/db/pulls — "), "{out}");
    assert!(
        w.fake.requests().is_empty(),
        "offline: {:?}",
        w.fake.requests()
    );

    // No repository known (no GITHUB_REPOSITORY, no GitHub origin): none is made up.
    let a = w
        .repo
        .dbarch()
        .env("DBARCH_NOW", "2026-12-10")
        .env("GITHUB_API_URL", w.fake.url())
        .args(["remind", "--dry-run"])
        .assert()
        .code(0);
    let out = stdout_of(&a);
    assert!(
        out.starts_with("dry run (no repository known: set GITHUB_REPOSITORY=owner/name or add an `origin` remote on GitHub): 1 write call would be made\n  POST /repos/{owner}/{repo}/issues — open issue "),
        "{out}"
    );
    assert!(!out.contains("acme"), "{out}");
    assert!(
        out.ends_with(&format!("\n{DOC}: due today: would open issue #(new)\n")),
        "{out}"
    );
    assert!(w.fake.requests().is_empty());

    // Without a token and without --dry-run: a usage error naming the variable.
    let a = w
        .repo
        .dbarch()
        .env("DBARCH_NOW", "2026-12-10")
        .env("GITHUB_REPOSITORY", "acme/db")
        .env("GITHUB_API_URL", w.fake.url())
        .arg("remind")
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("GITHUB_TOKEN"), "{}", stderr_of(&a));
    assert!(w.fake.requests().is_empty());
}

// ---------------------------------------------------------------------------------------
// 5. Faults over many scheduled runs
// ---------------------------------------------------------------------------------------

/// `2026-11-10` + `days`.
fn day(days: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2026, 11, 10).expect("date") + chrono::Duration::days(days))
        .to_string()
}

/// 100 scheduled runs in `both` mode over two documents — one going through a whole
/// review cycle (due-soon, due, overdue, reviewed by merging its pull request), one edited
/// again and again in the web editor (commits without the hook: a Change Log pull request
/// that follows the default branch) — while the fake injects 5xx, 429 with
/// `Retry-After`, secondary rate limits, slow answers, and creates and updates whose
/// response failed. Runs hit by a fault that cannot be retried may fail; none may leave a
/// duplicate, every fault must hit a call its run really makes, only the runs with
/// something new may write, and the end state is exact.
///
/// A run writes only when something changed: the issue and pull request bodies show
/// dates, not day counts, and dbarch's branches are rebuilt only when the default branch
/// moved. So every write, and every fault on a write, comes from
/// - a state change of the database document: due-soon (run 3: the issue and the review
///   pull request are opened), due (run 38) and past its Next Review date (run 40: "is"
///   becomes "was"; both update the issue and the review pull request bodies), overdue
///   (run 75: the same, and the escalation comment), reviewed (run 85: the review pull
///   request is merged, the issue gets its closing comment and is closed);
/// - the default branch moving (`MOVES`): a web edit of the backend document pushed to
///   `main` makes the runs rebuild both branches on it (blob, tree, commit and ref PATCH
///   each, the review branch first) and retitle the Change Log pull request ("record N
///   commits"); the merge at run 85 moves it too.
#[test]
fn a_hundred_scheduled_runs_under_faults_leave_no_duplicate() {
    /// Runs before which a web-editor commit to the backend document is pushed to `main`:
    /// every few runs while the review is open, once after it (run 88, when only the
    /// Change Log branch follows), none in the last ten runs.
    const MOVES: [usize; 11] = [8, 10, 13, 20, 25, 33, 45, 55, 65, 80, 88];
    /// The other runs that write: the Change Log pull request (0), the state changes
    /// (3, 38, 40, 75, 85) and the runs that finish what a failed run left (76, 86).
    const WRITING: [usize; 8] = [0, 3, 38, 40, 75, 76, 85, 86];

    let started = Instant::now();
    let config = format!(
        "[[docs]]\npath = \"{DOC}\"\nreviewers = [\"@ana\", \"@acme/dba-team\"]\n\n\
         [[docs]]\npath = \"{BACKEND}\"\n\n\
         [github]\nmode = \"both\"\nlabels = [\"architecture-review\"]\nchangelog-pr = true\n"
    );
    // DOC: Next Review 2026-11-25 → ok on day 0, due-soon days 1-14, due 15-29 (past
    // the date from day 16), overdue from day 30. BACKEND: ok throughout.
    let db = doc_with(
        "2026-08-27",
        "DBA Team",
        "2026-11-25",
        &[("2026-08-27", "First version", "Alice Example", "Low")],
    );
    let backend = doc_with(
        "2026-08-27",
        "API Team",
        "2027-06-01",
        &[("2026-08-27", "First version", "Alice Example", "Low")],
    )
    .replacen("# Database Architecture", "# Backend Architecture", 1);
    let w = World::new(&config, &[(DOC, &db), (BACKEND, &backend)], "2026-08-27");
    // A web-editor edit of the backend document: a Change Log pull request is due.
    let mut edited = backend.replacen("PostgreSQL 16", "PostgreSQL 16 behind PgBouncer", 1);
    w.repo.write_commit(
        BACKEND,
        &edited,
        "Update backend-architecture.md",
        BOB,
        "2026-09-15T09:00:00+00:00",
    );
    w.push(BACKEND);
    // The dates of the web edits, oldest first: one Change Log row each.
    let mut web_edits = vec!["2026-09-15".to_string()];
    w.fake.set_hold(Duration::from_millis(700));

    let issues = w.fake.path("/issues");
    let pulls = w.fake.path("/pulls");
    let git = |rest: &str| w.fake.path(&format!("/git/{rest}"));
    // (run, method, path prefix, fault, times). Run i is on day(i * 2 / 5): a new day
    // starts on runs 3, 5, 8, 10, 13, ..., and alone makes no write, so each fault on a
    // write sits on a state change or a move of the default branch.
    let faults: Vec<(usize, &str, String, Fault, u32)> = vec![
        // The backend's Change Log pull request is made but its response fails.
        (0, "POST", pulls.clone(), Fault::AfterEffect(500), 1),
        // Day 1, due-soon: the issue create is rate limited, then made with a failed
        // response; so is the review pull request (which must still get its reviewers).
        (
            3,
            "POST",
            issues.clone(),
            Fault::RateLimited { retry_after: 1 },
            1,
        ),
        (3, "POST", issues.clone(), Fault::AfterEffect(500), 1),
        (3, "POST", pulls.clone(), Fault::AfterEffect(502), 1),
        // Default branch moves: the calls that rebuild the branches and retitle the
        // Change Log pull request.
        (
            8,
            "POST",
            git("blobs"),
            Fault::RateLimited { retry_after: 1 },
            1,
        ),
        (10, "PATCH", git("refs"), Fault::SecondaryLimit, 1),
        (13, "PATCH", pulls.clone(), Fault::Timeout, 1),
        // Reads fail on quiet days too.
        (15, "GET", issues.clone(), Fault::Status(502), 1),
        (20, "POST", git("commits"), Fault::Status(503), 1),
        (23, "GET", git("commits"), Fault::SecondaryLimit, 1),
        (25, "POST", git("trees"), Fault::AfterEffect(500), 1),
        // Day 15, due: the issue body update fails once. Day 16, past the Next Review
        // date: the review pull request's body update lands but its response fails.
        (38, "PATCH", issues.clone(), Fault::Status(500), 1),
        (40, "PATCH", pulls.clone(), Fault::AfterEffect(502), 1),
        (65, "PATCH", git("refs"), Fault::AfterEffect(502), 1),
        // Day 30, overdue: the body update lands but its response fails (retried); the
        // escalation comment is made but its response fails (not retried: the run fails,
        // the next one finds the comment and posts no second).
        (75, "PATCH", issues.clone(), Fault::AfterEffect(500), 1),
        (75, "POST", issues.clone(), Fault::AfterEffect(502), 1),
        // Day 34, the review pull request merged: the closing comment's response fails
        // (the run fails); the next run closes the issue through a 503.
        (85, "POST", issues.clone(), Fault::AfterEffect(500), 1),
        (86, "PATCH", issues.clone(), Fault::Status(503), 1),
        // The last move: the Change Log pull request's retitle lands, its response fails.
        (88, "PATCH", pulls.clone(), Fault::AfterEffect(500), 1),
        (
            90,
            "GET",
            issues.clone(),
            Fault::RateLimited { retry_after: 1 },
            1,
        ),
    ];
    // Runs whose fault cannot be retried: the run fails and the next one finishes.
    // (The lost pull request creates of runs 0 and 3 are found again within the run.)
    let may_fail = [75usize, 85];

    let mut failed = Vec::new();
    let mut writes_at_90 = 0;
    let mut review_pull = None;
    for i in 0..100usize {
        let now = day(i as i64 * 2 / 5);
        if MOVES.contains(&i) {
            // Another web-editor edit of the backend document, pushed: `main` moves.
            let k = web_edits.len();
            edited = edited.replacen(
                "\n\n## Indexing Strategy",
                &format!("\nRead replica {k} added.\n\n## Indexing Strategy"),
                1,
            );
            w.repo.write_commit(
                BACKEND,
                &edited,
                "Update backend-architecture.md",
                BOB,
                &format!("{now}T07:00:00+00:00"),
            );
            w.push(BACKEND);
            web_edits.push(now.clone());
        }
        if i == 85 {
            // Approving and merging the review pull request is the review; the
            // checkout of the default branch then has it.
            let pr = review_pull.expect("a review pull request by now");
            w.fake.close_pull(pr, true);
            w.repo.write(DOC, w.file("main", DOC));
            w.repo.commit(
                &[DOC],
                &format!("Merge pull request #{pr} from acme/{REVIEW_BRANCH}"),
                ALICE,
                &format!("{now}T08:00:00+00:00"),
            );
        }
        if i == 90 {
            writes_at_90 = w.fake.writes();
        }
        for (_, method, prefix, fault, times) in faults.iter().filter(|f| f.0 == i) {
            w.fake.fail_times(method, prefix, fault.clone(), *times);
        }
        let before = w.fake.writes();
        let out = w.cmd(&now, &[]).output().expect("run dbarch");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(TOKEN), "run {i}: token printed:\n{text}");
        if !out.status.success() {
            assert!(
                may_fail.contains(&i),
                "run {i} on {now} failed ({}):\n{text}",
                out.status
            );
            failed.push(i);
        }
        assert_eq!(
            w.fake.pending_faults(),
            0,
            "run {i} on {now}: a fault did not trigger (the schedule is wrong):\n{text}"
        );
        // Only a run with something new writes: a new day alone is no reason.
        let made = w.fake.writes() - before;
        assert_eq!(
            made > 0,
            MOVES.contains(&i) || WRITING.contains(&i),
            "run {i} on {now}: {made} write calls:\n{text}"
        );
        // Invariants after every run: never two issues, never two pull requests per
        // branch, never two escalations or closing comments.
        let all = w.fake.issues();
        assert!(all.len() <= 1, "run {i}: {all:#?}");
        for branch in [REVIEW_BRANCH, "dbarch/sync/docs-backend-architecture"] {
            let n = w.fake.pulls().iter().filter(|p| p.head == branch).count();
            assert!(n <= 1, "run {i}: {n} pull requests from {branch}");
        }
        if let Some(issue) = all.first() {
            let comments = w.fake.comments(issue.number);
            assert!(
                marked(&comments, OVERDUE_MARK) <= 1,
                "run {i}: {comments:#?}"
            );
            assert!(
                marked(&comments, CLOSED_MARK) <= 1,
                "run {i}: {comments:#?}"
            );
        }
        if review_pull.is_none() {
            review_pull = w
                .fake
                .pulls()
                .iter()
                .find(|p| p.head == REVIEW_BRANCH)
                .map(|p| p.number);
        }
    }
    assert_eq!(failed, may_fail, "the runs that failed");

    // The end state.
    let issue = w.only_issue();
    assert_eq!(issue.state, "closed");
    assert_eq!(issue.labels, ["architecture-review"]);
    assert_eq!(issue.assignees, ["ana"]);
    assert!(issue.body.contains(&marker("2026-11-25")), "{}", issue.body);
    assert!(
        issue
            .body
            .contains("**State:** overdue — Next Review was **2026-11-25**."),
        "{}",
        issue.body
    );
    let comments = w.fake.comments(issue.number);
    assert_eq!(marked(&comments, OVERDUE_MARK), 1, "{comments:#?}");
    assert_eq!(marked(&comments, CLOSED_MARK), 1, "{comments:#?}");
    assert_eq!(comments.len(), 2, "{comments:#?}");
    // The review branch was last rebuilt on the last move before the merge (run 80,
    // day 32), not on every new day: that is the review's date.
    assert!(
        comments[1].contains("the next review is due 2027-03-12"),
        "{}",
        comments[1]
    );
    let merged = w.file("main", DOC);
    assert!(
        merged.contains("**Last Updated:** 2026-12-12")
            && merged.contains("**Next Review:** 2027-03-12"),
        "{merged}"
    );

    let pulls = w.fake.pulls();
    assert_eq!(pulls.len(), 2, "{pulls:#?}");
    let review = pulls
        .iter()
        .find(|p| p.head == REVIEW_BRANCH)
        .expect("review PR");
    assert!(review.merged, "{review:#?}");
    assert_eq!(review.requested_reviewers, ["ana"], "{review:#?}");
    assert_eq!(review.requested_teams, ["dba-team"], "{review:#?}");
    let sync = pulls
        .iter()
        .find(|p| p.head == "dbarch/sync/docs-backend-architecture")
        .expect("Change Log PR");
    assert_eq!(sync.state, "open");
    assert_eq!(web_edits.len(), MOVES.len() + 1);
    assert_eq!(
        sync.title,
        format!(
            "Change Log: record {} commits in {BACKEND}",
            web_edits.len()
        )
    );
    // The Change Log branch: dbarch's one commit on the final `main`, with a row per
    // web edit.
    let head = w
        .fake
        .branch("dbarch/sync/docs-backend-architecture")
        .expect("the Change Log branch");
    let commit = w.fake.commit(&head).expect("its commit");
    assert_eq!(commit.parents, [w.fake.branch("main").expect("main")]);
    assert!(
        commit.message.ends_with("\n\nGenerated-by: dbarch\n"),
        "{}",
        commit.message
    );
    let last = web_edits.last().expect("an edit");
    let rows: String = web_edits
        .iter()
        .map(|d| format!("| {d} | Update backend-architecture.md | Bob Example | Low |\n"))
        .collect();
    assert_eq!(
        w.file("dbarch/sync/docs-backend-architecture", BACKEND),
        edited.replacen(
            "**Last Updated:** 2026-08-27",
            &format!("**Last Updated:** {last}"),
            1
        ) + &rows
    );
    // Settled: the last ten runs (one of them rate limited) wrote nothing.
    assert_eq!(w.fake.writes(), writes_at_90, "writes after run 90");
    eprintln!(
        "100 scheduled runs under faults: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// `DBARCH_GITHUB_TIMEOUT_MS` reaches the binary: an answer slower than it is a client
/// timeout. A create that timed out (the fake applied it) is not replayed: the run lists
/// the issues again and finds it. A list that timed out is retried. With the default 30 s
/// timeout neither would happen: the slow answers would simply be waited for.
#[test]
fn an_answer_slower_than_the_timeout_variable_times_out() {
    let w = World::single("2026-11-20", "2026-12-10");
    w.fake.set_hold(Duration::from_millis(1500));
    let run = || {
        let mut cmd = w.cmd("2026-12-10", &[]);
        cmd.env(ENV_TIMEOUT_MS, "300");
        cmd
    };
    let list = w.fake.path("/issues?");
    let lists = || {
        w.fake
            .requests()
            .iter()
            .filter(|(m, p)| m == "GET" && p.starts_with(&list))
            .count()
    };

    w.fake
        .fail_next("POST", &w.fake.path("/issues"), Fault::Timeout);
    hidden(run(), 0, &[TOKEN]);
    assert_eq!(w.fake.pending_faults(), 0);
    assert_eq!(w.fake.count("POST"), 1, "the create was not replayed");
    // The narrow list (label, creator), the whole list (no issue in the narrow one), and
    // the list again after the create timed out.
    assert_eq!(lists(), 3, "listed again after the create timed out");
    w.only_issue();

    w.fake
        .fail_next("GET", &w.fake.path("/issues"), Fault::Timeout);
    let writes = w.fake.writes();
    hidden(run(), 0, &[TOKEN]);
    assert_eq!(w.fake.pending_faults(), 0);
    assert_eq!(lists(), 5, "the list that timed out was retried");
    assert_eq!(w.fake.writes(), writes, "nothing new to write");
    w.only_issue();
}

// ---------------------------------------------------------------------------------------
// 6. The token never shows
// ---------------------------------------------------------------------------------------

/// Runs `cmd`, asserts exit `code` and that no `secret` shows in stdout or stderr;
/// returns stderr.
fn hidden(mut cmd: assert_cmd::Command, code: i32, secrets: &[&str]) -> String {
    let a = cmd.assert().code(code);
    let shown = format!("{}{}", stdout_of(&a), stderr_of(&a));
    for s in secrets {
        assert!(!shown.contains(s), "{s} shown:\n{shown}");
    }
    stderr_of(&a)
}

#[test]
fn the_token_never_shows_even_when_calls_fail() {
    let w = World::single("2026-11-20", "2026-12-10");
    let verbose = |now: &str, args: &[&str]| {
        let mut cmd = w.cmd(now, args);
        cmd.arg("--verbose");
        cmd
    };

    // Verbose dry run, then a verbose real run with a retried 500: the calls are listed,
    // the token is not.
    hidden(
        verbose("2026-12-10", &["--dry-run", "--mode", "both"]),
        0,
        &[TOKEN],
    );
    w.fake
        .fail_next("GET", &w.fake.path("/issues"), Fault::Status(500));
    let a = verbose("2026-12-10", &[]).assert().code(0);
    let shown = format!("{}{}", stdout_of(&a), stderr_of(&a));
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        stderr_of(&a).contains("GET /repos/acme/db/issues?state=all"),
        "--verbose lists the calls:\n{shown}"
    );

    // A wrong token: 401, exit 4 (GitHub refused); neither token shows.
    let wrong = "ghp_WRONG_token_also_secret_5678";
    let mut cmd = verbose("2026-12-10", &["--mode", "both"]);
    cmd.env("GITHUB_TOKEN", wrong);
    let err = hidden(cmd, 4, &[TOKEN, wrong]);
    assert!(err.contains("401"), "{err}");
    assert!(err.contains("GITHUB_TOKEN or GH_TOKEN"), "{err}");

    // Through GH_TOKEN as well.
    let mut cmd = verbose("2026-12-10", &[]);
    cmd.env_remove("GITHUB_TOKEN").env("GH_TOKEN", wrong);
    hidden(cmd, 4, &[TOKEN, wrong]);

    // 403 (permission), on a write (the day after the Next Review date: the block's
    // "Next Review is" becomes "was").
    w.fake.fail_next(
        "PATCH",
        &w.fake.path("/issues"),
        Fault::Error {
            status: 403,
            message: NOT_ACCESSIBLE_MESSAGE.into(),
        },
    );
    let err = hidden(verbose("2026-12-11", &[]), 4, &[TOKEN]);
    assert!(err.contains("403"), "{err}");

    // A 500 on a create is not retried (it may have landed): exit 4.
    w.fake
        .fail_next("POST", &w.fake.path("/git/refs"), Fault::AfterEffect(500));
    w.fake
        .fail_next("POST", &w.fake.path("/pulls"), Fault::Status(500));
    let err = hidden(verbose("2026-12-11", &["--mode", "pr"]), 4, &[TOKEN]);
    assert!(err.contains("500"), "{err}");

    // Rate limits until the retries are spent (Retry-After: 0 keeps it fast).
    w.fake.fail_times(
        "GET",
        &w.fake.path("/issues"),
        Fault::RateLimited { retry_after: 0 },
        5,
    );
    let err = hidden(verbose("2026-12-11", &[]), 4, &[TOKEN]);
    assert!(err.contains("gave up after 5 attempts"), "{err}");

    // 500 until the retries are spent (the one path that formats "gave up" for a server
    // error): 5 + 10 + 20 + 40 ms of backoff with the fake's timing, 15 s with the defaults.
    let started = Instant::now();
    w.fake
        .fail_times("GET", &w.fake.path("/issues"), Fault::Status(500), 5);
    let err = hidden(verbose("2026-12-11", &[]), 4, &[TOKEN]);
    assert!(
        err.contains("500") && err.contains("gave up after 5 attempts"),
        "{err}"
    );
    let took = started.elapsed();
    eprintln!(
        "500 until the retries are spent: {:.1} s",
        took.as_secs_f64()
    );
    assert!(
        took < Duration::from_secs(10),
        "took {took:?}: the retry timing of the environment was not applied"
    );
    assert_eq!(w.fake.pending_faults(), 0);
}

/// A timing variable that is not a whole number of milliseconds stops `remind` (and its
/// dry run) before any call: exit 2, the variable named, the token never shown, even when
/// it was pasted into the variable.
#[test]
fn an_invalid_timing_variable_is_a_usage_error() {
    let w = World::single("2026-11-20", "2026-12-10");
    let requests = w.fake.requests().len();
    for (name, value) in [
        (ENV_RETRY_BASE_MS, "1s"),
        (ENV_RETRY_MAX_MS, "-50"),
        (ENV_TIMEOUT_MS, "0"),
        (ENV_TIMEOUT_MS, TOKEN),
    ] {
        for args in [&[][..], &["--dry-run"][..]] {
            let mut cmd = w.cmd("2026-12-10", args);
            cmd.arg("--verbose").env(name, value);
            let err = hidden(cmd, 2, &[TOKEN]);
            assert!(
                err.contains(&format!("environment variable {name}: `")),
                "{name}={value} {args:?}: {err}"
            );
            if value != TOKEN {
                assert!(err.contains(value), "{name}={value} {args:?}: {err}");
            }
        }
    }
    assert_eq!(w.fake.requests().len(), requests, "no call was made");
    // Blank counts as unset.
    let mut cmd = w.cmd("2026-12-10", &[]);
    cmd.env(ENV_TIMEOUT_MS, " ");
    hidden(cmd, 0, &[TOKEN]);
    w.only_issue();
}

// ---------------------------------------------------------------------------------------
// 7. Permission messages
// ---------------------------------------------------------------------------------------

#[test]
fn a_forbidden_issue_create_names_the_permission() {
    let w = World::single("2026-11-20", "2026-12-10");
    w.fake.fail_next(
        "POST",
        &w.fake.path("/issues"),
        Fault::Error {
            status: 403,
            message: NOT_ACCESSIBLE_MESSAGE.into(),
        },
    );
    let a = w.cmd("2026-12-10", &[]).assert().code(4);
    let err = stderr_of(&a);
    assert!(err.contains("POST /repos/acme/db/issues"), "{err}");
    assert!(err.contains(NOT_ACCESSIBLE_MESSAGE), "{err}");
    assert!(err.contains("`issues: write`"), "{err}");
    assert!(w.fake.issues().is_empty());
    // With the permission granted, the next run opens the one issue.
    w.remind("2026-12-10", &[]);
    w.only_issue();
}

#[test]
fn forbidden_pull_request_calls_name_what_to_fix() {
    let w = World::single("2026-11-20", "2026-12-10");
    // The Git Data API needs contents: write.
    w.fake.fail_next(
        "POST",
        &w.fake.path("/git/blobs"),
        Fault::Error {
            status: 403,
            message: NOT_ACCESSIBLE_MESSAGE.into(),
        },
    );
    let a = w.cmd("2026-12-10", &["--mode", "pr"]).assert().code(4);
    assert!(
        stderr_of(&a).contains("`contents: write`"),
        "{}",
        stderr_of(&a)
    );
    // The repository does not let Actions open pull requests.
    w.fake.fail_next(
        "POST",
        &w.fake.path("/pulls"),
        Fault::Error {
            status: 403,
            message: ACTIONS_PR_MESSAGE.into(),
        },
    );
    let a = w.cmd("2026-12-10", &["--mode", "pr"]).assert().code(4);
    assert!(
        stderr_of(&a).contains("Allow GitHub Actions to create and approve pull requests"),
        "{}",
        stderr_of(&a)
    );
    assert!(w.fake.pulls().is_empty());
    w.remind("2026-12-10", &["--mode", "pr"]);
    w.only_pull();
}

/// Every command, with `--verbose` and the token in both variables, against the fake
/// (which fails some calls): the token shows nowhere. Exit codes are whatever each
/// command gives; only the output is under test here.
#[test]
fn no_command_prints_the_token() {
    let fake = FakeGitHub::start();
    let repo = TestRepo::new();
    repo.write(DOC, doc_with("2026-11-20", "DBA Team", "2026-12-10", &[]));
    repo.commit(
        &[DOC],
        "docs: architecture",
        ALICE,
        "2026-11-20T10:00:00+00:00",
    );
    fake.put_file("main", DOC, repo.read(DOC).as_bytes());
    fake.fail_times("POST", &fake.path("/issues"), Fault::Status(500), 20);
    let commands: &[&[&str]] = &[
        &["status"],
        &["status", "--format", "json"],
        &["lint"],
        &["sync", "--dry-run"],
        &["sync"],
        &["config"],
        &["remind", "--dry-run"],
        &["remind"],
        &["remind", "--mode", "both"],
        &["hooks", "status"],
        &["review", "--yes", "--reviewer", "Ana Lima"],
        &["adopt", DOC],
        &["init", "--path", "docs/other.md"],
    ];
    for args in commands {
        let mut cmd = repo.dbarch();
        for (k, v) in fake.env_vars() {
            cmd.env(k, v);
        }
        cmd.env("GH_TOKEN", TOKEN).env("DBARCH_NOW", "2026-12-01");
        cmd.arg("--verbose").args(*args);
        let out = cmd.output().expect("run dbarch");
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !shown.contains(TOKEN),
            "dbarch {args:?} printed the token:\n{shown}"
        );
        assert!(
            !shown.contains("panicked"),
            "dbarch {args:?} panicked:\n{shown}"
        );
    }
}
