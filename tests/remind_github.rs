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
/// - day 44 (pr, both): the review pull request is approved (kept as the person's
///   branch: not written); a second cycle follows (Next Review 90 days after the
///   review's date); day 169: its approval, rebuilt into the branch; day 170: its
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
            w.fake
                .put_file("main", "README.md", b"# db\n\nSee docs/.\n");
        }
        if d == 30 && mode != "issue" {
            let text = w.file(REVIEW_BRANCH, DOC).replacen(
                "B-tree indexes on every foreign key.",
                "B-tree indexes on every foreign key (checked in the review).",
                1,
            );
            w.fake.put_file(REVIEW_BRANCH, DOC, text.as_bytes());
        }
        if (d == 44 || d == 169) && mode != "issue" {
            // The approval, the day before the merge: that day's run (the workflow's
            // `pull_request_review` trigger) records it on the branch (item 11a).
            let pr = w
                .fake
                .pulls()
                .into_iter()
                .find(|p| p.state == "open" && p.head == REVIEW_BRANCH)
                .unwrap_or_else(|| panic!("{mode}: no open review pull request on day {d}"));
            w.fake
                .add_review_at(pr.number, "ana", "APPROVED", &format!("{now}T09:00:00Z"));
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
                w.fake.close_pull(pr.number, true);
                w.repo.write(DOC, w.file("main", DOC));
                w.repo.commit(
                    &[DOC],
                    &format!(
                        "Merge pull request #{} from acme/{REVIEW_BRANCH}",
                        pr.number
                    ),
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
    assert!(
        issues.iter().filter(|i| i.state == "open").count() <= 1,
        "{issues:#?}"
    );
    assert!(
        pulls.iter().filter(|p| p.state == "open").count() <= 1,
        "{pulls:#?}"
    );
    assert!(issues.iter().all(|i| i.author == ACTIONS_BOT));
    assert!(pulls.iter().all(|p| p.author == ACTIONS_BOT));
    assert!(pulls.iter().all(|p| p.state == "open" || p.merged));
    if mode != "issue" {
        // The second review is recorded with its approver and the approval's date.
        let merged = w.file("main", DOC);
        assert!(
            merged.contains("**Reviewed By:** @ana  \n"),
            "{mode}: {merged}"
        );
        assert!(
            merged.contains(&format!("**Last Updated:** {}", date(start, 169))),
            "{mode}: {merged}"
        );
    }
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
    // Per cycle: the branch committed and its pull request opened (day 10, 96: a new
    // cycle starts from main again, so the merged branch is moved), users and the team
    // requested separately (the team refused: one comment each), the body updated three
    // times; once the branch rebuilt on a moved main (day 20). The first cycle's approval
    // (day 44) is not written: a person committed to the branch on day 30. The second's
    // (day 169) rebuilds the branch with the approver and the approval's date, so the
    // merge records day 169 and Next Review (day 259) falls after day 199.
    assert_eq!(
        got,
        counts(&[
            ("POST /git/blobs", 4),
            ("POST /git/trees", 4),
            ("POST /git/commits", 4),
            ("POST /git/refs", 1),
            ("PATCH /git/refs/heads/{branch}", 3),
            ("POST /pulls", 2),
            ("PATCH /pulls/{n}", 6),
            ("POST /pulls/{n}/requested_reviewers", 4),
            ("POST /issues/{n}/comments", 2),
        ]),
        "pr mode, on days {days:?}"
    );
    assert_eq!(days, [10, 20, 24, 25, 39, 96, 110, 111, 125, 169]);
    assert_eq!(made, (0, 2));
}

#[test]
fn two_hundred_days_in_both_mode() {
    let (got, days, made) = simulate("both");
    eprintln!("both mode: writes {got:?} on days {days:?}, (issues, pulls) {made:?}");
    // pr's writes, and issue's, plus one issue update per cycle naming its new pull
    // request; no third cycle (see pr mode).
    assert_eq!(
        got,
        counts(&[
            ("POST /git/blobs", 4),
            ("POST /git/trees", 4),
            ("POST /git/commits", 4),
            ("POST /git/refs", 1),
            ("PATCH /git/refs/heads/{branch}", 3),
            ("POST /pulls", 2),
            ("PATCH /pulls/{n}", 6),
            ("POST /pulls/{n}/requested_reviewers", 4),
            ("POST /issues", 2),
            ("PATCH /issues/{n}", 10),
            ("POST /issues/{n}/comments", 6),
        ]),
        "both mode, on days {days:?}"
    );
    assert_eq!(days, [10, 20, 24, 25, 39, 45, 96, 110, 111, 125, 169, 170]);
    assert_eq!(made, (2, 2));
}

/// A world whose document is due on 2026-12-10 (Next Review), last updated 2026-11-20.
fn due(mode: &str, extra: &str) -> World {
    let w = World::new(
        &config(mode, extra),
        &[(DOC, document("2026-11-20", "2026-12-10"))],
        "2026-11-20",
    );
    w.fake.grant_job_token(permissions(mode));
    w
}

fn writes(w: &World) -> usize {
    w.fake.writes()
}

// 1. Team reviewers with the job token.
#[test]
fn a_team_reviewer_refused_to_the_job_token_is_named_and_the_users_are_still_asked() {
    let w = due("pr", "");
    let (_, err) = w.remind("2026-12-10", &[]);
    let pr = w.fake.pulls().pop().expect("the review pull request");
    assert_eq!(pr.requested_reviewers, ["ana"]);
    assert!(pr.requested_teams.is_empty());
    assert!(err.contains("`@acme/dba-team`"), "{err}");
    assert!(
        err.contains(TEAM_NODE_MESSAGE.trim_end_matches('.')),
        "{err}"
    );
    assert!(err.contains("GitHub App token"), "{err}");
    let comments = w.fake.comments(pr.number);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].contains("<!-- dbarch:unrequested @acme/dba-team -->"));
    // The next run asks no one again.
    let before = writes(&w);
    w.remind("2026-12-10", &[]);
    assert_eq!(writes(&w), before);
    // A reviewer missing from the open pull request is asked again.
    w.fake.remove_requested_reviewer(pr.number, "ana");
    w.remind("2026-12-10", &[]);
    assert_eq!(writes(&w), before + 1);
    assert_eq!(
        w.fake.pull(pr.number).expect("pr").requested_reviewers,
        ["ana"]
    );
    // ... but not once they reviewed (the approval rebuilds the branch: blob, tree,
    // commit, ref; item 11a).
    w.fake
        .add_review_at(pr.number, "ana", "APPROVED", "2026-12-10T09:00:00Z");
    w.remind("2026-12-10", &[]);
    assert_eq!(writes(&w), before + 1 + 4);
    assert!(w
        .file(REVIEW_BRANCH, DOC)
        .contains("**Reviewed By:** @ana  \n"));
    // A user token that can see the team requests it.
    let u = due("pr", "");
    let a = u
        .repo
        .dbarch()
        .envs(u.fake.env_vars())
        .env("DBARCH_NOW", "2026-12-10")
        .args(["remind"])
        .assert()
        .code(0);
    drop(a);
    let pr = u.fake.pulls().pop().expect("pr");
    assert_eq!(
        (pr.requested_reviewers, pr.requested_teams),
        (vec!["ana".to_string()], vec!["dba-team".to_string()])
    );
}

// 2. A reviewer who cannot be assigned; one document's failure does not stop the others.
#[test]
fn an_unassignable_reviewer_is_named_and_every_document_gets_its_issue() {
    let config = format!(
        "[[docs]]\npath = \"{DOC}\"\nreviewers = [\"@ghost\", \"@ana\"]\n\n\
         [[docs]]\npath = \"{BACKEND}\"\nreviewers = [\"@bo\"]\n\n\
         [github]\nlabels = [\"architecture-review\"]\n"
    );
    let docs = [
        (DOC, document("2026-11-20", "2026-12-10")),
        (
            BACKEND,
            document("2026-11-20", "2026-12-10").replacen("# Database", "# Backend", 1),
        ),
    ];
    let w = World::new(&config, &docs, "2026-11-20");
    w.fake.grant_job_token(ISSUE_PERMISSIONS);
    let (_, err) = w.remind("2026-12-10", &[]);
    let issues = w.fake.issues();
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert_eq!(
        issues[0].assignees,
        ["ana"],
        "the assignable reviewer stays"
    );
    assert_eq!(issues[1].assignees, ["bo"]);
    assert!(err.contains("`@ghost` cannot be assigned"), "{err}");
    assert!(
        err.contains(&format!("`reviewers` of `{DOC}` in dbarch.toml")),
        "{err}"
    );
    // A failure on the first document: the second still gets its issue; exit 4, both named.
    let w = World::new(&config, &docs, "2026-11-20");
    w.fake.grant_job_token(ISSUE_PERMISSIONS);
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
    assert!(
        err.contains(DOC) && err.contains("`issues: write`"),
        "{err}"
    );
    let issues = w.fake.issues();
    assert_eq!(issues.len(), 1, "{issues:#?}");
    // One line per document on stdout: the failed one says so, the other what it did.
    let out = stdout_of(&a);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        format!("{DOC}: due today: failed (the error follows)"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{BACKEND}: due today: opened issue #{} http",
            issues[0].number
        )),
        "{out}"
    );
    assert!(issues[0].body.contains(BACKEND));
}

// 3. The default branch moved after the checkout.
#[test]
fn a_review_pull_request_never_undoes_a_change_merged_after_the_checkout() {
    let w = due("pr", "");
    let merged = w.repo.read(DOC).replacen(
        "Row-level security on tenant tables.",
        "Row-level security on tenant tables; audit log on every write.",
        1,
    );
    w.fake.put_file("main", DOC, merged.as_bytes());
    let (_, err) = w.remind("2026-12-10", &[]);
    assert!(err.contains("is not the one this run checked out"), "{err}");
    assert!(w.fake.branch(REVIEW_BRANCH).is_none(), "nothing built");
    assert!(w.fake.pulls().is_empty());
    // The next run's checkout has the change: the pull request keeps it.
    w.repo
        .write_commit(DOC, &merged, "Audit log", BOB, "2026-12-09T10:00:00+00:00");
    w.remind("2026-12-10", &[]);
    assert!(w
        .file(REVIEW_BRANCH, DOC)
        .contains("audit log on every write"));
    assert_eq!(w.fake.pulls().len(), 1);
}

// 4. A branch left from a closed pull request of an earlier cycle.
#[test]
fn a_new_cycle_starts_its_branch_from_main_again() {
    let w = due("pr", "");
    w.remind("2026-12-10", &[]);
    let first = w.fake.pulls().pop().expect("pr");
    // A person's commit on the branch is kept within the cycle ...
    let fixed = w
        .file(REVIEW_BRANCH, DOC)
        .replacen("PostgreSQL 16", "PostgreSQL 16.4", 1);
    let person = w.fake.put_file(REVIEW_BRANCH, DOC, fixed.as_bytes());
    w.remind("2026-12-11", &[]);
    assert_eq!(
        w.fake.branch(REVIEW_BRANCH).as_deref(),
        Some(person.as_str())
    );
    // ... the pull request is closed unmerged, the review recorded some other way.
    w.fake.close_pull(first.number, false);
    w.repo
        .dbarch()
        .env("DBARCH_NOW", "2026-12-12")
        .args(["review", "--yes", "--reviewer", "Ana Example", "--commit"])
        .assert()
        .code(0);
    w.push(DOC);
    w.remind("2026-12-12", &[]);
    // The next cycle: a fresh branch from main, not last cycle's person's commit.
    w.remind("2027-03-01", &[]);
    let head = w.fake.branch(REVIEW_BRANCH).expect("branch");
    let commit = w.fake.commit(&head).expect("commit");
    assert_eq!(commit.parents, [w.fake.branch("main").expect("main")]);
    assert!(
        commit.message.contains("Generated-by: dbarch"),
        "{commit:?}"
    );
    assert!(!w.file(REVIEW_BRANCH, DOC).contains("PostgreSQL 16.4"));
    let open: Vec<_> = w
        .fake
        .pulls()
        .into_iter()
        .filter(|p| p.state == "open")
        .collect();
    assert_eq!(open.len(), 1);
    assert!(open[0].body.contains("due=2027-03-12"), "{}", open[0].body);
}

// 5. Issue mode needs issues only; each 403 names the permission the call needs.
#[test]
fn issue_mode_touches_only_issues_and_a_403_names_the_permission_of_the_call() {
    let w = due("issue", "");
    // A web edit without a row: no Change Log pull request unless `changelog-pr` is on.
    let text = w
        .repo
        .read(DOC)
        .replacen("PostgreSQL 16", "PostgreSQL 17", 1);
    w.repo.write_commit(
        DOC,
        &text,
        "Update database-architecture.md",
        BOB,
        "2026-11-22T09:00:00+00:00",
    );
    w.push(DOC);
    w.remind("2026-12-10", &[]);
    assert_eq!(w.fake.issues().len(), 1);
    assert!(!w
        .fake
        .requests()
        .iter()
        .any(|(_, p)| p.contains("/pulls") || p.contains("/git/")));
    // With `changelog-pr = true` it is opened (and needs contents and pull-requests write).
    let c = due("issue", "changelog-pr = true\n");
    c.fake.grant_job_token(BOTH_PERMISSIONS);
    c.repo.write_commit(
        DOC,
        &text,
        "Update database-architecture.md",
        BOB,
        "2026-11-22T09:00:00+00:00",
    );
    c.push(DOC);
    c.remind("2026-12-10", &[]);
    assert_eq!(
        c.fake
            .pulls()
            .iter()
            .filter(|p| p.head == SYNC_BRANCH)
            .count(),
        1
    );
    // A token that may not read issues: the message asks for read access, not write.
    let r = due("issue", "");
    r.fake.grant_job_token(&[("contents", "read")]);
    let a = r.cmd("2026-12-10", &[]).assert().code(4);
    let err = stderr_of(&a);
    assert!(err.contains("GET /repos/acme/db/issues"), "{err}");
    assert!(err.contains("`issues: read`"), "{err}");
}

// 6. The first review issue lists the changes since the document began.
#[test]
fn a_document_never_reviewed_lists_its_changes_since_it_began() {
    let w = due("issue", "");
    w.remind("2026-12-10", &[]);
    let body = w.fake.issues().pop().expect("issue").body;
    assert!(
        body.contains("### Changes since the document began (no review on record)"),
        "{body}"
    );
    assert!(body.contains("— docs: architecture documents"), "{body}");
    assert!(!body.contains("- none"), "{body}");
}

// 7. An HTML answer (a proxy, single sign-on) and the exit code of remote failures.
#[test]
fn an_html_answer_says_so_and_exits_4() {
    let w = due("issue", "");
    w.fake
        .fail_next("GET", &w.fake.path("/issues"), Fault::Html);
    let a = w.cmd("2026-12-10", &[]).assert().code(4);
    let err = stderr_of(&a);
    assert!(
        err.contains("not JSON") && err.contains("single sign-on"),
        "{err}"
    );
    assert!(!err.contains(JOB_TOKEN) && !err.contains(TOKEN));
}

// 8. Only the token's own issues are dbarch's.
#[test]
fn a_marker_planted_by_someone_else_is_not_adopted() {
    let w = due("issue", "");
    let planted = format!(
        "<!-- dbarch:review path={DOC} due=2026-12-10 -->\nclose me\n<!-- /dbarch:review -->\n"
    );
    let n = w
        .fake
        .add_issue("Please review", &planted, &["architecture-review"]);
    w.fake.set_issue_author(n, "mallory");
    w.fake.close_issue(n);
    w.remind("2026-12-10", &[]);
    let planted_after = w.fake.issue(n).expect("issue");
    assert_eq!(
        (planted_after.state.as_str(), planted_after.body.as_str()),
        ("closed", planted.as_str())
    );
    assert!(w.fake.comments(n).is_empty());
    let ours: Vec<_> = w
        .fake
        .issues()
        .into_iter()
        .filter(|i| i.author == ACTIONS_BOT)
        .collect();
    assert_eq!(ours.len(), 1);
    // An issue of a GitHub App (an earlier App token; an installation token is not told
    // its own identity) is dbarch's: adopted, not duplicated.
    let w = due("issue", "");
    let body =
        format!("<!-- dbarch:review path={DOC} due=2026-12-10 -->\nold\n<!-- /dbarch:review -->\n");
    let n = w
        .fake
        .add_issue("Architecture review due", &body, &["architecture-review"]);
    w.fake.set_issue_author(n, "dbarch-app[bot]");
    w.remind("2026-12-10", &[]);
    assert_eq!(w.fake.issues().len(), 1);
    assert!(w
        .fake
        .issue(n)
        .expect("issue")
        .body
        .contains("## Architecture review"));
}

// 9. The issues list is narrowed first.
#[test]
fn the_issue_list_is_narrowed_by_label_and_creator() {
    let w = due("issue", "");
    for i in 0..250 {
        w.fake
            .add_issue(&format!("Bug {i}"), "something broke", &["bug"]);
    }
    w.remind("2026-12-10", &[]);
    let lists = |w: &World| -> Vec<String> {
        w.fake
            .requests()
            .into_iter()
            .filter(|(m, p)| m == "GET" && p.starts_with("/repos/acme/db/issues?"))
            .map(|(_, p)| p)
            .collect()
    };
    w.fake.reset_requests();
    w.remind("2026-12-11", &[]);
    let l = lists(&w);
    assert_eq!(l.len(), 1, "one page: {l:?}");
    assert!(
        l[0].contains("labels=architecture-review")
            && l[0].contains("creator=github-actions%5Bbot%5D"),
        "{l:?}"
    );
    // A person removed the label: the whole list finds the issue; no second one.
    let n = w
        .fake
        .issues()
        .into_iter()
        .find(|i| i.author == ACTIONS_BOT)
        .expect("ours")
        .number;
    w.fake.st_remove_labels(n);
    w.remind("2026-12-11", &[]);
    assert_eq!(
        w.fake
            .issues()
            .iter()
            .filter(|i| i.author == ACTIONS_BOT)
            .count(),
        1
    );
    assert_eq!(
        w.fake.issue(n).expect("issue").labels,
        ["architecture-review"]
    );
}

// 10. A shallow checkout.
#[test]
fn a_shallow_checkout_is_refused_naming_fetch_depth() {
    let w = due("issue", "");
    let dir = tempfile::tempdir().expect("temp dir");
    let clone = dir.path().join("clone");
    let url = format!("file://{}", w.repo.path().display());
    let st = git_command(dir.path())
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            clone.to_str().expect("path"),
        ])
        .status()
        .expect("git clone");
    assert!(st.success());
    let a = crate::common::dbarch()
        .current_dir(&clone)
        .envs(w.fake.job_env_vars())
        .env("DBARCH_NOW", "2026-12-10")
        .arg("remind")
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0"),
        "{err}"
    );
    assert!(w.fake.requests().is_empty());
}

// 11. Not planned; both modes link; the job summary.
#[test]
fn closed_as_not_planned_is_respected_until_the_next_cycle() {
    let w = due("issue", "");
    w.remind("2026-12-10", &[]);
    let n = w.fake.issues().pop().expect("issue").number;
    w.fake.close_issue_as(n, "not_planned");
    let before = writes(&w);
    let (out, _) = w.remind("2027-01-10", &[]);
    assert!(out.contains("closed as not planned"), "{out}");
    assert_eq!(
        writes(&w),
        before,
        "overdue, but not reopened nor commented"
    );
    assert_eq!(w.fake.issue(n).expect("issue").state, "closed");
}

#[test]
fn in_both_mode_the_issue_and_the_pull_request_name_each_other() {
    let w = due("both", "");
    w.remind("2026-12-10", &[]);
    let issue = w.fake.issues().pop().expect("issue");
    let pr = w.fake.pulls().pop().expect("pr");
    assert!(
        issue
            .body
            .contains(&format!("**Review pull request:** #{}", pr.number)),
        "{}",
        issue.body
    );
    assert!(
        pr.body
            .contains(&format!("**Review issue:** #{}", issue.number)),
        "{}",
        pr.body
    );
    let before = writes(&w);
    w.remind("2026-12-10", &[]);
    assert_eq!(writes(&w), before);
}

#[test]
fn a_quiet_run_says_nothing_to_do_and_writes_a_job_summary() {
    let w = due("issue", "");
    w.remind("2026-12-10", &[]);
    let summary = w.repo.path().join("summary.md");
    let a = w
        .cmd("2026-12-10", &[])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(0);
    assert!(stdout_of(&a).contains("nothing to do"), "{}", stdout_of(&a));
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.contains(&format!("| `{DOC}` | due | #1 | - |")), "{md}");
    assert!(md.contains("Nothing to do"), "{md}");
}

/// The permissions these tests grant per mode are the ones the README states.
#[test]
fn the_readme_states_the_permissions_the_tests_grant() {
    let readme = include_str!("../README.md");
    for mode in ["issue", "pr", "both"] {
        let perms: Vec<String> = permissions(mode)
            .iter()
            .map(|(p, l)| format!("`{p}: {l}`"))
            .collect();
        let row = format!("| `{mode}` | {} |", perms.join(", "));
        assert!(readme.contains(&row), "README lacks {row}");
    }
    let workflow = include_str!("../.github/workflows/example-review-reminders.yml");
    assert!(workflow.contains("mode issue: contents: read, issues: write"));
    assert!(workflow.contains("mode pr:    contents: write, pull-requests: write"));
    // Item 11a: a run at each approval, on the default branch, not the merge ref.
    assert!(workflow.contains("  pull_request_review:\n    types: [submitted]\n"));
    assert!(workflow.contains("github.event.review.state == 'approved'"));
    assert!(workflow.contains("github.event.pull_request.base.ref"));
    assert!(readme.contains("**Reviewed By** = the approvers as `@login`"));
}

// 11a. The record names the approvers and the approval's date.
#[test]
fn an_approved_review_pull_request_records_the_approvers_and_the_approval_date() {
    let w = World::new(
        &format!(
            "[changelog]\ntimezone = \"Asia/Tokyo\"\n\n[[docs]]\npath = \"{DOC}\"\n\
             reviewers = [\"@ana\", \"@bob\"]\nreview-every = \"90d\"\n\n\
             [github]\nmode = \"pr\"\nlabels = [\"architecture-review\"]\n"
        ),
        &[(DOC, document("2026-11-20", "2026-12-10"))],
        "2026-11-20",
    );
    w.fake.set_collaborators(&["ana", "bob"]);
    w.fake.grant_job_token(PR_PERMISSIONS);
    w.remind("2026-12-10", &[]);
    let pr = w.fake.pulls().pop().expect("the review pull request");
    assert_eq!(pr.requested_reviewers, ["ana", "bob"]);
    assert!(
        pr.body
            .contains("Reviewed By and the review date are filled in from the approvals"),
        "{}",
        pr.body
    );
    let built = w.file(REVIEW_BRANCH, DOC);
    assert!(built.contains("**Reviewed By:** @ana, @bob"), "{built}");
    assert!(built.contains("**Last Updated:** 2026-12-10"), "{built}");
    // A comment is no approval; bob approves on 2026-12-14 in Tokyo (20:00 UTC the day
    // before), and the run after it rebuilds the branch.
    w.remind("2026-12-11", &[]); // the body's state: "due today" → past Next Review
    w.fake
        .add_review_at(pr.number, "ana", "COMMENTED", "2026-12-12T09:00:00Z");
    let before = writes(&w);
    w.remind("2026-12-12", &[]);
    assert_eq!(writes(&w), before, "a comment changes nothing");
    w.fake
        .add_review_at(pr.number, "bob", "APPROVED", "2026-12-13T20:00:00Z");
    let (out, _) = w.remind("2026-12-16", &[]);
    assert!(out.contains(&format!("committed {REVIEW_BRANCH}")), "{out}");
    let approved = w.file(REVIEW_BRANCH, DOC);
    assert!(approved.contains("**Reviewed By:** @bob  \n"), "{approved}");
    assert!(
        approved.contains("**Last Updated:** 2026-12-14"),
        "{approved}"
    );
    assert!(
        approved.contains("**Next Review:** 2027-03-14"),
        "{approved}"
    );
    assert!(!approved.contains("@ana"), "{approved}");
    assert!(!approved.contains("2026-12-16"), "{approved}");
    // Quiet days after the approval write nothing.
    let before = writes(&w);
    w.remind("2026-12-17", &[]);
    w.remind("2026-12-20", &[]);
    assert_eq!(writes(&w), before);
    // Merging records exactly that.
    w.fake.close_pull(pr.number, true);
    assert_eq!(w.file("main", DOC), approved);

    // A person's commit on the branch is kept: the approval is named in a warning.
    let p = World::new(
        &format!(
            "[[docs]]\npath = \"{DOC}\"\nreviewers = [\"@ana\", \"@bob\"]\n\n\
             [github]\nmode = \"pr\"\nlabels = [\"architecture-review\"]\n"
        ),
        &[(DOC, document("2026-11-20", "2026-12-10"))],
        "2026-11-20",
    );
    p.fake.set_collaborators(&["ana", "bob"]);
    p.fake.grant_job_token(PR_PERMISSIONS);
    p.remind("2026-12-10", &[]);
    p.remind("2026-12-11", &[]);
    let pr = p.fake.pulls().pop().expect("the review pull request");
    let edited = p.file(REVIEW_BRANCH, DOC).replacen(
        "B-tree indexes on every foreign key.",
        "B-tree indexes on every foreign key (checked in the review).",
        1,
    );
    p.fake.put_file(REVIEW_BRANCH, DOC, edited.as_bytes());
    p.fake
        .add_review_at(pr.number, "bob", "APPROVED", "2026-12-13T20:00:00Z");
    let before = writes(&p);
    let (_, err) = p.remind("2026-12-16", &[]);
    assert_eq!(writes(&p), before);
    assert_eq!(p.file(REVIEW_BRANCH, DOC), edited);
    assert!(
        err.contains(&format!(
            "pull request #{} is approved by @bob, but {REVIEW_BRANCH} has commits by people",
            pr.number
        )),
        "{err}"
    );
}
