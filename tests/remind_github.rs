//! `dbarch remind` against a fake GitHub that behaves as GitHub really does (issue #16):
//! the workflow's job token with exactly the permissions the example workflow grants per
//! mode (403 for anything else), collaborators (assignees and reviewers), team review
//! requests refused with the job token (422 "Could not resolve to a node"), issue
//! authors, a default branch that moves after the checkout, people pushing to dbarch's
//! branches, "closed as not planned", shallow clones, and HTML answers.
//!
//! The centre is [`two_hundred_days_per_mode`]: one run a day for 200 simulated days
//! (`DBARCH_NOW`) per mode, two review cycles, with the exact number of each write call
//! per mode and no write on a day with nothing new.
use std::collections::BTreeMap;

use crate::common::{git_command, stderr_of, stdout_of, TestRepo, ALICE, BOB, DOC};
use crate::fake_github::{
    FakeGitHub, Fault, ACTIONS_BOT, JOB_TOKEN, NOT_ACCESSIBLE_MESSAGE, TEAM_NODE_MESSAGE, TOKEN,
};
use crate::status::doc_with;

const REVIEW_BRANCH: &str = "dbarch/review/docs-database-architecture";
const SYNC_BRANCH: &str = "dbarch/sync/docs-database-architecture";
const BACKEND: &str = "docs/backend-architecture.md";

/// The job token's permissions the README and the example workflow grant per mode
/// (`metadata: read` is implicit). `changelog-pr = true` adds `contents: write` and
/// `pull-requests: write`.
const ISSUE_PERMISSIONS: &[(&str, &str)] = &[("contents", "read"), ("issues", "write")];
const PR_PERMISSIONS: &[(&str, &str)] = &[("contents", "write"), ("pull-requests", "write")];
const BOTH_PERMISSIONS: &[(&str, &str)] = &[
    ("contents", "write"),
    ("issues", "write"),
    ("pull-requests", "write"),
];

fn permissions(mode: &str) -> &'static [(&'static str, &'static str)] {
    match mode {
        "issue" => ISSUE_PERMISSIONS,
        "pr" => PR_PERMISSIONS,
        _ => BOTH_PERMISSIONS,
    }
}

fn config(mode: &str, extra: &str) -> String {
    format!(
        "[[docs]]\npath = \"{DOC}\"\nreviewers = [\"@ana\", \"@acme/dba-team\"]\n\n\
         [github]\nmode = \"{mode}\"\nlabels = [\"architecture-review\"]\n{extra}"
    )
}

/// The database document, last updated `last` (no Review row), Next Review `next`.
fn document(last: &str, next: &str) -> String {
    doc_with(
        last,
        "DBA Team",
        next,
        &[(last, "First version", "Alice Example", "Low")],
    )
}

fn date(start: &str, days: i64) -> String {
    (chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").expect("date")
        + chrono::Duration::days(days))
    .to_string()
}

/// The checkout and its GitHub repository; runs use the job token.
struct World {
    repo: TestRepo,
    fake: FakeGitHub,
}

impl World {
    fn new(config: &str, docs: &[(&str, String)], day: &str) -> World {
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
            &format!("{day}T10:00:00+00:00"),
        );
        let w = World {
            repo,
            fake: FakeGitHub::start(),
        };
        for p in paths {
            w.push(p);
        }
        w.fake.set_collaborators(&["ana", "bo"]);
        w.fake.set_teams(&["dba-team"]);
        w
    }

    fn push(&self, path: &str) {
        self.fake
            .put_file("main", path, &self.repo.read_bytes(path));
    }

    /// `dbarch remind ARGS` on `now` with the job token.
    fn cmd(&self, now: &str, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.repo.dbarch();
        cmd.envs(self.fake.job_env_vars())
            .env("DBARCH_NOW", now)
            .arg("remind")
            .args(args);
        cmd
    }

    /// A run that must exit 0; returns (stdout, stderr).
    fn remind(&self, now: &str, args: &[&str]) -> (String, String) {
        let a = self.cmd(now, args).assert();
        let (out, err) = (stdout_of(&a), stderr_of(&a));
        let a = a.try_code(0).unwrap_or_else(|e| {
            panic!("remind {args:?} on {now} failed: {e}\n{out}{err}");
        });
        drop(a);
        (out, err)
    }

    fn file(&self, branch: &str, path: &str) -> String {
        String::from_utf8(self.fake.file(branch, path).expect("file")).expect("UTF-8")
    }
}

/// A write request as a kind: `POST /issues/{n}/comments`, `PATCH /git/refs/heads/{branch}`.
fn kind(method: &str, target: &str) -> String {
    let path = target.split('?').next().unwrap_or(target);
    let path = path.strip_prefix("/repos/acme/db").unwrap_or(path);
    let path = match path.find("/git/refs/heads/") {
        Some(i) => format!("{}/git/refs/heads/{{branch}}", &path[..i]),
        None => path.to_string(),
    };
    let segs: Vec<String> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{n}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    format!("{method} {}", segs.join("/"))
}

fn writes_since(fake: &FakeGitHub, from: usize) -> Vec<String> {
    fake.requests()[from..]
        .iter()
        .filter(|(m, _)| m != "GET")
        .map(|(m, p)| kind(m, p))
        .collect()
}

/// One run a day for 200 days in `mode`, with the job token granted exactly
/// [`permissions`]`(mode)`. Day 0 is 2026-11-01; the document's Next Review is
/// 2026-11-25 (due-soon from day 10, due from day 24, overdue from day 54). What happens:
/// - day 20: `main` moves (a README edit);
/// - day 30 (pr, both): a person pushes a fix to the review branch;
/// - day 45: the review: the review pull request is merged (pr, both), or `dbarch
///   review` is run and pushed (issue);
/// - a second cycle follows (Next Review 90 days after the review's date); day 170: its
///   review, the same way.
///
/// Returns every write call by kind, the days that wrote, and how many issues and pull
/// requests there are at the end.
fn simulate(mode: &str) -> (BTreeMap<String, usize>, Vec<i64>, (usize, usize)) {
    let start = "2026-11-01";
    let w = World::new(
        &config(mode, ""),
        &[(DOC, document("2026-08-27", "2026-11-25"))],
        "2026-08-27",
    );
    w.fake.grant_job_token(permissions(mode));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut writing_days = Vec::new();
    let mut warned_team = false;
    for d in 0..200i64 {
        let now = date(start, d);
        if d == 20 {
            w.fake.put_file("main", "README.md", b"# db\n\nSee docs/.\n");
        }
        if d == 30 && mode != "issue" {
            let text = w.file(REVIEW_BRANCH, DOC).replacen(
                "B-tree indexes on every foreign key.",
                "B-tree indexes on every foreign key (checked in the review).",
                1,
            );
            w.fake.put_file(REVIEW_BRANCH, DOC, text.as_bytes());
        }
        if d == 45 || d == 170 {
            if mode == "issue" {
                w.repo
                    .dbarch()
                    .env("DBARCH_NOW", &now)
                    .args(["review", "--yes", "--reviewer", "Ana Example", "--commit"])
                    .assert()
                    .code(0);
                w.push(DOC);
            } else {
                let pr = w
                    .fake
                    .pulls()
                    .into_iter()
                    .find(|p| p.state == "open" && p.head == REVIEW_BRANCH)
                    .unwrap_or_else(|| panic!("{mode}: no open review pull request on day {d}"));
                w.fake.add_review(pr.number, "ana", "APPROVED");
                w.fake.close_pull(pr.number, true);
                w.repo.write(DOC, w.file("main", DOC));
                w.repo.commit(
                    &[DOC],
                    &format!("Merge pull request #{} from acme/{REVIEW_BRANCH}", pr.number),
                    ALICE,
                    &format!("{now}T08:00:00+00:00"),
                );
            }
        }
        let from = w.fake.requests().len();
        let (out, err) = w.remind(&now, &["--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let done = json["done"].as_array().map_or(0, Vec::len);
        let writes = writes_since(&w.fake, from);
        assert!(
            !err.contains(NOT_ACCESSIBLE_MESSAGE),
            "{mode} day {d}: a call the permissions do not allow:\n{err}"
        );
        if err.contains("team reviews") {
            warned_team = true;
        }
        // A day with nothing new makes no write at all; a day that does something writes.
        assert_eq!(
            done == 0,
            writes.is_empty(),
            "{mode} day {d} ({now}): done {done}, writes {writes:?}\n{out}\n{err}"
        );
        if !writes.is_empty() {
            writing_days.push(d);
        }
        for k in writes {
            *counts.entry(k).or_default() += 1;
        }
    }
    // Issue mode touches issues only; the PR modes never the Change Log branch.
    let pulls_touched = w
        .fake
        .requests()
        .iter()
        .any(|(_, p)| p.contains("/pulls") || p.contains("/git/"));
    assert_eq!(pulls_touched, mode != "issue", "{mode}");
    assert!(!w.fake.branches().iter().any(|b| b == SYNC_BRANCH));
    if mode != "issue" {
        assert!(warned_team, "{mode}: the team's refusal was never named");
    }
    // One issue and one review pull request per cycle, never two open at once, all by
    // the job token's identity; a merged pull request's requests are all answered.
    let issues = w.fake.issues();
    let pulls = w.fake.pulls();
    assert!(issues.iter().filter(|i| i.state == "open").count() <= 1, "{issues:#?}");
    assert!(pulls.iter().filter(|p| p.state == "open").count() <= 1, "{pulls:#?}");
    assert!(issues.iter().all(|i| i.author == ACTIONS_BOT));
    assert!(pulls.iter().all(|p| p.author == ACTIONS_BOT));
    assert!(pulls.iter().all(|p| p.state == "open" || p.merged));
    let made = (issues.len(), pulls.len());
    (counts, writing_days, made)
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn two_hundred_days_in_issue_mode() {
    let (got, days, made) = simulate("issue");
    eprintln!("issue mode: writes {got:?} on days {days:?}, (issues, pulls) {made:?}");
    // Per cycle: the issue opened (due-soon), its body updated when due and the day after
    // the Next Review date, the overdue comment (and its body update), the closing
    // comment and close at the review.
    assert_eq!(
        got,
        counts(&[
            ("POST /issues", 2),
            ("PATCH /issues/{n}", 8),
            ("POST /issues/{n}/comments", 4),
        ]),
        "issue mode, on days {days:?}"
    );
    assert_eq!(days, [10, 24, 25, 39, 45, 121, 135, 136, 150, 170]);
    assert_eq!(made, (2, 0));
}

#[test]
fn two_hundred_days_in_pr_mode() {
    let (got, days, made) = simulate("pr");
    eprintln!("pr mode: writes {got:?} on days {days:?}, (issues, pulls) {made:?}");
    // Per cycle: the branch committed and its pull request opened (day 10, 96, 172: a
    // new cycle starts from main again, so the merged branch is moved), users and the
    // team requested separately (the team refused: one comment each), the body updated
    // three times; once the branch rebuilt on a moved main (day 20). The third cycle's
    // pull request is still open on day 199.
    assert_eq!(
        got,
        counts(&[
            ("POST /git/blobs", 4),
            ("POST /git/trees", 4),
            ("POST /git/commits", 4),
            ("POST /git/refs", 1),
            ("PATCH /git/refs/heads/{branch}", 3),
            ("POST /pulls", 3),
            ("PATCH /pulls/{n}", 8),
            ("POST /pulls/{n}/requested_reviewers", 6),
            ("POST /issues/{n}/comments", 3),
        ]),
        "pr mode, on days {days:?}"
    );
    assert_eq!(days, [10, 20, 24, 25, 39, 96, 110, 111, 125, 172, 186, 187]);
    assert_eq!(made, (0, 3));
}

#[test]
fn two_hundred_days_in_both_mode() {
    let (got, days, made) = simulate("both");
    eprintln!("both mode: writes {got:?} on days {days:?}, (issues, pulls) {made:?}");
    // pr's writes, and issue's, plus one issue update per cycle naming its new pull
    // request; the third cycle's issue is open on day 199.
    assert_eq!(
        got,
        counts(&[
            ("POST /git/blobs", 4),
            ("POST /git/trees", 4),
            ("POST /git/commits", 4),
            ("POST /git/refs", 1),
            ("PATCH /git/refs/heads/{branch}", 3),
            ("POST /pulls", 3),
            ("PATCH /pulls/{n}", 8),
            ("POST /pulls/{n}/requested_reviewers", 6),
            ("POST /issues", 3),
            ("PATCH /issues/{n}", 13),
            ("POST /issues/{n}/comments", 7),
        ]),
        "both mode, on days {days:?}"
    );
    assert_eq!(
        days,
        [10, 20, 24, 25, 39, 45, 96, 110, 111, 125, 170, 172, 186, 187]
    );
    assert_eq!(made, (3, 3));
}
