//! The scheduled job's logic: keep exactly one review issue per document and review
//! cycle, and the review and Change Log pull requests, in step with the documents.
//!
//! - An issue is found again by its hidden marker `<!-- dbarch:review path=P due=D -->`
//!   through the issues list API (search lags). One issue per document and cycle (`due`
//!   is the Next Review date), so the next cycle opens a fresh issue.
//! - Only the marked block of the body (`<!-- dbarch:review ... -->` to
//!   `<!-- /dbarch:review -->`) is rewritten; human edits outside it survive. Nothing is
//!   written when the block is already right.
//! - Overdue: one comment (found again by `<!-- dbarch:overdue -->`). Closed while still
//!   due: reopened. Reviewed (state ok): every open review issue of the document gets a
//!   comment (found again by `<!-- dbarch:reviewed -->`, so never two) and is closed.
//! - A create call (issue or pull request) that failed may still have landed: the list is
//!   read again and, when it did, the run goes on with it (a pull request still gets its
//!   reviewers); missing labels are added on every run.
//! - Pull requests: the branch is committed through the Git Data API on top of the
//!   default branch; when the branch already holds the wanted document, no write happens.
//! - Only issues by dbarch's own identity are trusted ([`Settings::trusted`]); the list
//!   is narrowed by labels and creator first, the whole list read only when needed.
//! - A pull request is built only when the default branch holds the document this
//!   checkout has (so it never undoes a later merge); a person's commit on its branch is
//!   kept only under an open pull request of the same cycle.
//! - Reviewers: users and teams in separate calls; a refused one (422) is named and
//!   recorded on the pull request, never asked again there.
//! - One document's failure does not stop the others ([`Outcome::failed`]).
//!
//! A run takes each document in turn: [`observe`] reads what GitHub holds of it
//! ([`Observed`]: the issues list, read once per run, the comments, pull requests and
//! branches that matter), [`plan`] decides ([`Action`]s: a pure function of the job and
//! what was observed, so a test asserts on it without a server, and a second run's plan
//! has no write), [`apply`] performs the actions. `--dry-run` is [`dry_run`]: observed
//! and planned, the actions printed as the calls they would make ([`Action::calls`]),
//! nothing written. What only an answer tells is met in apply, as before: an assignee or
//! reviewer GitHub refuses (422), a create call that failed but landed. Observing reads
//! only what the decision needs (a branch's documents only when it may be rewritten),
//! each thing once: the writes are the ones deciding-while-writing made, in the same
//! order, with fewer reads (mode `both` no longer reads the issue's comments twice).
//!
//! Where it is: `issue.rs` the review issue (observe, plan on a simulation of the issues,
//! the open step), `pull.rs` the review and Change Log pull requests (the branch
//! observed, the plan, the commit, open and review-request steps), `body.rs` the texts
//! (marked block, comments, pull request bodies, markers, splice); this file the types,
//! the actions, the run over the documents and apply.
use serde::Serialize;

use super::{GitHub, IssueState};
use crate::review::CommitRef;
use crate::status::DocStatus;
use crate::Result;

mod body;
mod issue;
mod pull;

pub use body::{
    block, block_with, count, marker, splice_block, BLOCK_END, CLOSED_MARK, GENERATED,
    OVERDUE_MARK, SUPERSEDED_MARK, UNREQUESTED_MARK,
};
use issue::Issues;
pub use pull::approvals;
use pull::Pull;

/// What the job knows about one document.
#[derive(Clone)]
pub struct DocJob {
    /// The document's status (its path, state, dates, drift, placeholders, unrecorded
    /// commits), as `dbarch status` reports it.
    pub(crate) status: DocStatus,
    /// Commits that changed the document since the last review, oldest first.
    pub changes: Vec<CommitRef>,
    /// No review is on record (no Review row): `changes` go back to the document's start.
    pub never_reviewed: bool,
    /// Schema findings per section, as Markdown (empty when none; see `dbarch schema`).
    pub schema: String,
    /// Reviewers from the configuration (`@user`, `@org/team`).
    pub reviewers: Vec<String>,
    /// The document with a review recorded (for the review pull request).
    pub review_text: Option<String>,
    /// The document with the unrecorded rows added (for the Change Log pull request).
    pub sync_text: Option<String>,
    pub sync_rows: usize,
    /// The document's bytes in the checkout the texts above were made from; a pull
    /// request is built only when the default branch holds the same (`None`: unchecked).
    pub checkout: Option<Vec<u8>>,
    /// Builds the review text from the approvals of the review pull request (`None`: the
    /// branch keeps `review_text`).
    pub approved: Option<Rebuild>,
}

/// `(reviewed_by, submitted_at)` → the document with that review recorded: Reviewed By
/// the approvers (`@ana, @bob`), the review date the latest approval's `submitted_at`
/// (RFC 3339) in the configured time zone.
#[derive(Clone)]
pub struct Rebuild(pub std::sync::Arc<RebuildFn>);

/// See [`Rebuild`].
pub type RebuildFn = dyn Fn(&str, &str) -> Result<String> + Send + Sync;

impl std::fmt::Debug for Rebuild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rebuild")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    pub issue: bool,
    pub pr: bool,
}

/// One thing a run did (or, with a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Done {
    pub path: String,
    pub what: String,
    pub url: Option<String>,
}

/// What the run found of a document, in words: `ok, next review in 30 days`, `due in 5
/// days`, `due today`, `overdue by 3 days`.
pub fn found(state: &str, days_left: Option<i64>) -> String {
    match (state, days_left) {
        ("ok", Some(d)) => format!("ok, next review in {}", count(d, "day", "days")),
        ("due-soon", Some(d)) if d > 0 => format!("due in {}", count(d, "day", "days")),
        ("due", Some(0)) => "due today".into(),
        ("due", Some(d)) if d < 0 => format!("due, {} past Next Review", count(-d, "day", "days")),
        ("overdue", Some(d)) if d < 0 => format!("overdue by {}", count(-d, "day", "days")),
        ("unknown", _) => "review state unknown".into(),
        (other, _) => other.to_string(),
    }
}

/// How a run goes: what it may touch and whose issues it trusts.
#[derive(Clone, Debug)]
pub struct Settings {
    pub labels: Vec<String>,
    pub modes: Modes,
    /// Keep Change Log pull requests (`[github] changelog-pr`); off: their branches and
    /// pull requests are never read or written.
    pub changelog_pr: bool,
    /// Only issues opened by this login are dbarch's (`None`: any issue, for in-memory
    /// tests; [`ANY_BOT`]: any GitHub App's `…[bot]` login, when the token's identity is
    /// unknown). An issue by anyone else is never adopted, edited, reopened or closed,
    /// whatever marker its body carries.
    pub trusted: Option<String>,
    /// The `creator` the issues list is narrowed by first (the whole list is read when a
    /// document's issue is not in the narrow one).
    pub creator: Option<String>,
}

/// [`Settings::trusted`] for a token whose identity GitHub does not tell (`GET /user`
/// answers 403 for the job token and GitHub App tokens): issues by any `…[bot]` login,
/// which only GitHub Apps have (a person's login cannot contain brackets).
pub const ANY_BOT: &str = "*[bot]";

/// What the run saw of one document (the job summary's row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub path: String,
    pub state: String,
    /// Days until Next Review (negative: past it).
    pub days_left: Option<i64>,
    pub issue: Option<u64>,
    pub pull: Option<u64>,
    pub note: Option<String>,
}

/// Everything a run did, warned about and failed at. A failure of one document does not
/// stop the others.
#[derive(Debug, Default)]
pub struct Outcome {
    pub done: Vec<Done>,
    pub warnings: Vec<String>,
    pub checked: Vec<Checked>,
    /// `(document, error)`.
    pub failed: Vec<(String, crate::Error)>,
}

/// The first number a plan gives what it would open (2^53: no real issue number comes
/// near it); [`show`] prints such numbers as `(new)`, and apply puts the real one in its
/// place.
pub const INVENTED: u64 = 1 << 53;
/// The number of the review issue a plan opens.
pub(crate) const NEW_ISSUE: u64 = INVENTED + 1;
/// The number of the review pull request a plan opens.
pub(crate) const NEW_REVIEW_PULL: u64 = INVENTED + 2;
/// The number of the Change Log pull request a plan opens.
pub(crate) const NEW_SYNC_PULL: u64 = INVENTED + 3;

/// Whether `n` is a number a plan made up.
pub fn invented(n: u64) -> bool {
    n >= INVENTED
}

/// `text` with every made-up number after `#` or `/` (`#9007199254740993`,
/// `/issues/9007199254740993/comments`) shown as `(new)`.
pub fn show(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['#', '/']) {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<u64>() {
            Ok(n) if invented(n) => {
                out.push_str("(new)");
                rest = &rest[digits..];
            }
            _ => {}
        }
    }
    out.push_str(rest);
    out
}

/// One step of a plan: one write (or, for [`Action::Commit`] and
/// [`Action::RequestReviewers`], the calls of one write), or a [`Report`] that writes
/// nothing. Numbers from [`INVENTED`] up name what an earlier action of the same plan
/// opens; texts may carry them too.
///
/// A new kind of write (say, "open a GitHub discussion instead of an issue") is a new
/// variant here, the plan step that chooses it (`issue.rs`), its text in `body.rs`, its
/// [`Action::calls`] line and its arm in [`apply`], and the call in the [`GitHub`] trait
/// (`github/mod.rs`) with its implementations in `client.rs` and `memory.rs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open the review issue (`mark`: its marker, to find it again if the call fails).
    OpenIssue {
        title: String,
        body: String,
        labels: Vec<String>,
        assignees: Vec<String>,
        mark: String,
    },
    /// Add labels a person (or an older run) left off; `url`: the issue's, when known.
    AddLabels {
        issue: u64,
        labels: Vec<String>,
        url: Option<String>,
    },
    /// Rewrite an issue's body and/or reopen it.
    UpdateIssue {
        issue: u64,
        body: Option<String>,
        reopen: bool,
    },
    /// Comment on an issue; `done`: what the run reports of it (and the issue's URL).
    Comment {
        issue: u64,
        body: String,
        done: Option<(String, Option<String>)>,
    },
    /// Close an issue; `done`: what the run reports of it.
    CloseIssue { issue: u64, done: String },
    /// Close a pull request whose purpose is gone (`why`).
    ClosePull { pull: u64, why: String, url: String },
    /// Commit `text` at `path` on the default branch's head (`base_sha`, `base_tree`)
    /// and point `branch` at it (`create`: the branch does not exist yet).
    Commit {
        branch: String,
        path: String,
        text: String,
        message: String,
        base_sha: String,
        base_tree: String,
        create: bool,
    },
    /// Open a pull request from `branch` into `base`; `number`: the made-up number the
    /// plan's later actions use for it.
    OpenPull {
        number: u64,
        title: String,
        body: String,
        branch: String,
        base: String,
    },
    UpdatePull {
        pull: u64,
        title: String,
        body: String,
        url: String,
    },
    /// Ask for reviews: users, and teams as `(org/slug, slug)`.
    RequestReviewers {
        pull: u64,
        users: Vec<String>,
        teams: Vec<(String, String)>,
    },
    /// Nothing to write: what the run tells about the document, in order.
    Report(Report),
}

/// What a plan tells (no write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Report {
    Warning(String),
    /// The document's note in the job summary.
    Note(String),
    /// The document's review issue, and its review pull request.
    Issue(Option<u64>),
    Pull(Option<u64>),
}

impl Action {
    /// Whether the action writes to GitHub (a second run's plan has none).
    #[cfg(test)]
    pub fn writes(&self) -> bool {
        !matches!(self, Action::Report(_))
    }

    /// What a run that performs the action reports (`None`: nothing of its own).
    pub fn done(&self) -> Option<String> {
        Some(match self {
            Action::OpenIssue { .. } => format!("opened issue #{NEW_ISSUE}"),
            Action::AddLabels { issue, .. } => format!("labelled issue #{issue}"),
            Action::UpdateIssue {
                issue,
                reopen: true,
                ..
            } => format!("reopened issue #{issue}"),
            Action::UpdateIssue { issue, .. } => format!("updated issue #{issue}"),
            Action::Comment { done, .. } => done.as_ref()?.0.clone(),
            Action::CloseIssue { done, .. } => done.clone(),
            Action::ClosePull { pull, why, .. } => format!("closed pull request #{pull} ({why})"),
            Action::Commit { branch, .. } => format!("committed {branch}"),
            Action::OpenPull { number, .. } => format!("opened pull request #{number}"),
            Action::UpdatePull { pull, .. } => format!("updated pull request #{pull}"),
            Action::RequestReviewers { .. } | Action::Report(_) => return None,
        })
    }

    /// The REST calls the action makes, as a dry run prints them: `METHOD path — what`
    /// (the path after `/repos/{owner}/{repo}`) and the body it posts.
    pub fn calls(&self) -> Vec<(String, Option<String>)> {
        let call = |m: &str, path: String, what: String| (format!("{m} {path} — {what}"), None);
        let with = |m: &str, path: String, what: String, body: &str| {
            (format!("{m} {path} — {what}"), Some(body.to_string()))
        };
        match self {
            Action::OpenIssue {
                title,
                body,
                labels,
                assignees,
                ..
            } => vec![with(
                "POST",
                "/issues".into(),
                format!("open issue {title:?} labels {labels:?} assignees {assignees:?}"),
                body,
            )],
            Action::AddLabels { issue, labels, .. } => vec![call(
                "POST",
                format!("/issues/{issue}/labels"),
                format!("{labels:?}"),
            )],
            Action::UpdateIssue {
                issue,
                body,
                reopen,
            } => {
                let mut what = Vec::new();
                if body.is_some() {
                    what.push("body");
                }
                if *reopen {
                    what.push("reopen");
                }
                let path = format!("/issues/{issue}");
                vec![match body {
                    Some(b) => with("PATCH", path, what.join(", "), b),
                    None => call("PATCH", path, what.join(", ")),
                }]
            }
            Action::Comment { issue, body, .. } => {
                let first = body.lines().find(|l| !l.starts_with("<!--")).unwrap_or("");
                vec![with(
                    "POST",
                    format!("/issues/{issue}/comments"),
                    crate::ui::one_line(first),
                    body,
                )]
            }
            Action::CloseIssue { issue, .. } => {
                vec![call("PATCH", format!("/issues/{issue}"), "close".into())]
            }
            Action::ClosePull { pull, .. } => {
                vec![call("PATCH", format!("/pulls/{pull}"), "close".into())]
            }
            Action::Commit {
                branch,
                path,
                text,
                message,
                create,
                ..
            } => vec![
                call("POST", "/git/blobs".into(), format!("{} bytes", text.len())),
                call("POST", "/git/trees".into(), path.clone()),
                call("POST", "/git/commits".into(), message.clone()),
                if *create {
                    call("POST", "/git/refs".into(), format!("refs/heads/{branch}"))
                } else {
                    call(
                        "PATCH",
                        format!("/git/refs/heads/{branch}"),
                        "move the branch".into(),
                    )
                },
            ],
            Action::OpenPull {
                title,
                body,
                branch,
                base,
                ..
            } => vec![with(
                "POST",
                "/pulls".into(),
                format!("{title:?} {branch} → {base}"),
                body,
            )],
            Action::UpdatePull { pull, body, .. } => vec![with(
                "PATCH",
                format!("/pulls/{pull}"),
                "title and body".into(),
                body,
            )],
            Action::RequestReviewers { pull, users, teams } => {
                let path = format!("/pulls/{pull}/requested_reviewers");
                let slugs: Vec<&String> = teams.iter().map(|(_, s)| s).collect();
                let mut out = Vec::new();
                if !users.is_empty() {
                    out.push(call(
                        "POST",
                        path.clone(),
                        format!("users {users:?} teams []"),
                    ));
                }
                if !teams.is_empty() {
                    out.push(call("POST", path, format!("users [] teams {slugs:?}")));
                }
                out
            }
            Action::Report(_) => Vec::new(),
        }
    }
}

/// What GitHub holds of one document, read before anything is decided: the trusted
/// issues (as the run's list stands), the comments of the issues the plan may comment
/// on, the pull requests from its two branches and, for a pull request to keep, its
/// branch ([`pull::Branch`]). Only what the document's modes need is read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Observed {
    pub issues: Vec<super::Issue>,
    /// Comment bodies by issue number.
    pub comments: std::collections::BTreeMap<u64, Vec<String>>,
    pub review_pulls: Vec<super::PullRequest>,
    pub sync_pulls: Vec<super::PullRequest>,
    pub review: Option<pull::Branch>,
    pub sync: Option<pull::Branch>,
}

/// The document's branches and the pull requests to keep from them (`None`: none wanted).
fn pulls(job: &DocJob, s: &Settings, issue: Option<u64>) -> (Option<Pull>, Option<Pull>) {
    let path = &job.status.path;
    let attention = job.status.state.is_some_and(|s| s.needs_attention());
    let review = (s.modes.pr && attention && job.review_text.is_some()).then(|| Pull {
        branch: format!("dbarch/review/{}", super::slug(path)),
        title: format!("Architecture review: {path}"),
        body: body::review_pull_body(job, issue),
        message: "docs: record architecture review",
        request_review: true,
        cycle: Some(marker(path, job.status.next_review)),
    });
    let sync = job.sync_text.as_ref().filter(|_| s.changelog_pr).map(|_| {
        let n = job.sync_rows;
        Pull {
            branch: format!("dbarch/sync/{}", super::slug(path)),
            title: format!(
                "Change Log: record {n} commit{} in {path}",
                if n == 1 { "" } else { "s" },
            ),
            body: body::sync_pull_body(path),
            message: "docs: record Change Log rows",
            request_review: false,
            cycle: None,
        }
    });
    (review, sync)
}

/// Reads what [`plan`] needs to know of `job` (see [`Observed`]); `issues` is the run's
/// issues list, read once.
fn observe(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    issues: &mut Issues,
) -> Result<Observed> {
    let mut seen = Observed::default();
    let path = &job.status.path;
    let attention = job.status.state.is_some_and(|s| s.needs_attention());
    let (review, sync) = pulls(job, s, None);
    if review.is_some() || (s.modes.pr && !attention) {
        seen.review_pulls = gh.list_pulls(&format!("dbarch/review/{}", super::slug(path)))?;
    }
    if s.modes.issue {
        issue::observe(gh, job, s, issues, &mut seen)?;
    }
    if s.changelog_pr {
        seen.sync_pulls = gh.list_pulls(&format!("dbarch/sync/{}", super::slug(path)))?;
    }
    if let (Some(p), Some(text)) = (&review, &job.review_text) {
        seen.review = Some(pull::observe(gh, job, p, &seen.review_pulls, text)?);
    }
    if let (Some(p), Some(text)) = (&sync, &job.sync_text) {
        seen.sync = Some(pull::observe(gh, job, p, &seen.sync_pulls, text)?);
    }
    Ok(seen)
}

/// What to do for one document, from what should be (`job`) and what GitHub holds
/// (`seen`): a pure function (the review record rebuilt from approvals aside, which
/// only reads the job's document). Each document is observed, planned and applied in
/// turn, so that one document's failure stops only its own actions.
pub(crate) fn plan(job: &DocJob, seen: &Observed, s: &Settings) -> Result<Vec<Action>> {
    let mut plan = Vec::new();
    let modes = s.modes;
    let attention = job.status.state.is_some_and(|s| s.needs_attention());
    let open = |pulls: &[super::PullRequest]| {
        pulls
            .iter()
            .filter(|p| p.state == IssueState::Open)
            .map(|p| (p.number, p.url.clone()))
            .collect::<Vec<_>>()
    };
    // In mode `both` the issue and the review pull request name each other.
    let pr_number = if modes.pr && modes.issue && attention && job.review_text.is_some() {
        open(&seen.review_pulls).first().map(|p| p.0)
    } else {
        None
    };
    let mut sim = issue::Sim::new(seen);
    let mut issue_number = None;
    if modes.issue {
        issue_number = issue::plan(job, s, &mut sim, pr_number, &mut plan);
        plan.push(Action::Report(Report::Issue(issue_number)));
    }
    // A review recorded some other way (`dbarch review`) makes the review pull request
    // moot; rows recorded some other way (the hook, `sync`) the Change Log one.
    let mut close = |pulls: &[super::PullRequest], why: &str| {
        for (pull, url) in open(pulls) {
            plan.push(Action::ClosePull {
                pull,
                why: why.into(),
                url,
            });
        }
    };
    if modes.pr && !attention {
        close(&seen.review_pulls, "the review is recorded");
    }
    if s.changelog_pr && job.sync_text.is_none() {
        close(&seen.sync_pulls, "the Change Log records every commit");
    }
    let (review, sync) = pulls(job, s, issue_number);
    if let (Some(p), Some(text), Some(b)) = (&review, &job.review_text, &seen.review) {
        let n = pull::plan(job, p, text, b, NEW_REVIEW_PULL, &mut plan)?;
        plan.push(Action::Report(Report::Pull(n)));
        if modes.issue && n.is_some() && n != pr_number {
            // A new review pull request: the issue names it.
            issue::plan(job, s, &mut sim, n, &mut plan);
        }
    }
    if let (Some(p), Some(text), Some(b)) = (&sync, &job.sync_text, &seen.sync) {
        pull::plan(job, p, text, b, NEW_SYNC_PULL, &mut plan)?;
    }
    Ok(plan)
}

/// Runs the reminder for every job with the Change Log pull request on and every issue
/// trusted; the first failure is the error (the in-memory tests' entry point).
pub fn run(
    gh: &mut dyn GitHub,
    jobs: &[DocJob],
    labels: &[String],
    modes: Modes,
) -> Result<Vec<Done>> {
    let s = Settings {
        labels: labels.to_vec(),
        modes,
        changelog_pr: true,
        trusted: None,
        creator: None,
    };
    let mut out = run_with(gh, jobs, &s);
    if out.failed.is_empty() {
        Ok(out.done)
    } else {
        Err(out.failed.remove(0).1)
    }
}

fn checked(job: &DocJob) -> Checked {
    Checked {
        path: job.status.path.clone(),
        state: job.status.state.map_or("unknown", |x| x.as_str()).into(),
        days_left: job.status.days_left,
        ..Default::default()
    }
}

/// Runs the reminder for every job: observe, plan, apply, one document after the other;
/// see [`Outcome`].
pub fn run_with(gh: &mut dyn GitHub, jobs: &[DocJob], s: &Settings) -> Outcome {
    let mut out = Outcome::default();
    let mut issues = Issues {
        list: None,
        full: false,
    };
    for job in jobs {
        let mut checked = checked(job);
        let planned = observe(gh, job, s, &mut issues).and_then(|seen| plan(job, &seen, s));
        let applied = planned
            .and_then(|actions| apply(gh, job, s, &actions, &mut issues, &mut checked, &mut out));
        if let Err(e) = applied {
            out.failed.push((job.status.path.clone(), e));
        }
        out.checked.push(checked);
    }
    out
}

/// A dry run: every document observed and planned, nothing written. Returns what the
/// run would report (the numbers of what it would open are [`invented`]; no URLs, as
/// nothing was touched) and, per action, the calls it would make ([`Action::calls`]).
pub(crate) fn dry_run(
    gh: &mut dyn GitHub,
    jobs: &[DocJob],
    s: &Settings,
) -> (Outcome, Vec<(String, Option<String>)>) {
    let mut out = Outcome::default();
    let mut calls = Vec::new();
    let mut issues = Issues {
        list: None,
        full: false,
    };
    for job in jobs {
        let mut checked = checked(job);
        match observe(gh, job, s, &mut issues).and_then(|seen| plan(job, &seen, s)) {
            Ok(actions) => {
                for a in &actions {
                    calls.extend(a.calls());
                    if let Some(what) = a.done() {
                        out.done.push(Done {
                            path: job.status.path.clone(),
                            what,
                            url: None,
                        });
                    }
                    if let Action::Report(r) = a {
                        report(r.clone(), &mut checked, &mut out.warnings);
                    }
                }
            }
            Err(e) => out.failed.push((job.status.path.clone(), e)),
        }
        out.checked.push(checked);
    }
    (out, calls)
}

fn report(r: Report, checked: &mut Checked, warnings: &mut Vec<String>) {
    match r {
        Report::Warning(w) => warnings.push(w),
        Report::Note(n) => checked.note = Some(n),
        Report::Issue(n) => checked.issue = n,
        Report::Pull(n) => checked.pull = n,
    }
}

/// What apply opened: the made-up number → what GitHub answered.
#[derive(Default)]
struct Opened {
    issue: Option<super::Issue>,
    /// `(made-up number, pull request, created)` (`false`: found again after a failed
    /// create call).
    pulls: Vec<(u64, super::PullRequest, bool)>,
}

impl Opened {
    fn number(&self, n: u64) -> u64 {
        if n == NEW_ISSUE {
            return self.issue.as_ref().map_or(n, |i| i.number);
        }
        self.pulls
            .iter()
            .find(|(m, _, _)| *m == n)
            .map_or(n, |(_, p, _)| p.number)
    }

    /// `text` with the made-up numbers of what was opened replaced by the real ones.
    fn resolve(&self, text: &str) -> String {
        let mut t = text.to_string();
        for n in [NEW_ISSUE, NEW_REVIEW_PULL, NEW_SYNC_PULL] {
            let real = self.number(n);
            if real != n {
                t = t.replace(&n.to_string(), &real.to_string());
            }
        }
        t
    }

    fn url(&self, n: u64, known: Option<&String>) -> Option<String> {
        if n == NEW_ISSUE {
            return self.issue.as_ref().map(|i| i.url.clone());
        }
        known.cloned()
    }
}

/// Performs `actions` (one document's plan) in order; the first failure stops them.
/// What apply meets that the plan could not know is handled here, as the run always
/// did: an assignee GitHub refuses, a create call that failed but landed, a reviewer
/// GitHub refuses.
fn apply(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    actions: &[Action],
    issues: &mut Issues,
    checked: &mut Checked,
    out: &mut Outcome,
) -> Result<()> {
    let path = &job.status.path;
    let mut opened = Opened::default();
    for a in actions {
        let what = a.done().map(|w| opened.resolve(&w));
        let done = |out: &mut Outcome, url: Option<String>| {
            if let Some(what) = what.clone() {
                out.done.push(Done {
                    path: path.clone(),
                    what,
                    url,
                });
            }
        };
        match a {
            Action::OpenIssue {
                title,
                body,
                labels,
                assignees,
                mark,
            } => {
                let new = (
                    title.as_str(),
                    body.as_str(),
                    &labels[..],
                    &assignees[..],
                    mark.as_str(),
                );
                let created = issue::open(gh, job, s, issues, new, out)?;
                let (what, url) = (
                    format!("opened issue #{}", created.number),
                    created.url.clone(),
                );
                out.done.push(Done {
                    path: path.clone(),
                    what,
                    url: Some(url),
                });
                opened.issue = Some(created);
            }
            Action::AddLabels { issue, labels, url } => {
                let n = opened.number(*issue);
                gh.add_labels(n, labels)?;
                done(out, opened.url(*issue, url.as_ref()));
            }
            Action::UpdateIssue {
                issue,
                body,
                reopen,
            } => {
                let fields = super::IssueFields {
                    body: body.as_ref().map(|b| opened.resolve(b)),
                    state: reopen.then_some(IssueState::Open),
                    ..Default::default()
                };
                let updated = gh.update_issue(opened.number(*issue), &fields)?;
                if let Some(list) = issues.list.as_mut() {
                    issue::replace(list, updated.clone());
                }
                done(out, Some(updated.url));
            }
            Action::Comment {
                issue,
                body,
                done: d,
            } => {
                gh.create_comment(opened.number(*issue), &opened.resolve(body))?;
                let url = d.as_ref().and_then(|(_, u)| opened.url(*issue, u.as_ref()));
                done(out, url);
            }
            Action::CloseIssue { issue, .. } => {
                let closed = gh.update_issue(
                    opened.number(*issue),
                    &super::IssueFields {
                        state: Some(IssueState::Closed),
                        ..Default::default()
                    },
                )?;
                if let Some(list) = issues.list.as_mut() {
                    issue::replace(list, closed.clone());
                }
                done(out, Some(closed.url));
            }
            Action::ClosePull { pull, url, .. } => {
                gh.close_pull(*pull)?;
                done(out, Some(url.clone()));
            }
            Action::Commit { .. } => {
                pull::commit(gh, a)?;
                done(out, None);
            }
            Action::OpenPull {
                number,
                title,
                body,
                branch,
                base,
            } => {
                let body = opened.resolve(body);
                let (pr, created) = pull::open(gh, (title, &body, branch, base))?;
                out.done.push(Done {
                    path: path.clone(),
                    what: format!("opened pull request #{}", pr.number),
                    url: Some(pr.url.clone()),
                });
                opened.pulls.push((*number, pr, created));
            }
            Action::UpdatePull {
                pull,
                title,
                body,
                url,
            } => {
                gh.update_pull(*pull, title, &opened.resolve(body))?;
                done(out, Some(url.clone()));
            }
            Action::RequestReviewers { pull, users, teams } => {
                let asked = pull::Asks {
                    users: users.clone(),
                    teams: teams.clone(),
                };
                let found = opened
                    .pulls
                    .iter()
                    .find(|(m, _, created)| m == pull && !created)
                    .map(|(_, pr, _)| pr);
                pull::request(gh, job, opened.number(*pull), asked, found, out)?;
            }
            Action::Report(r) => {
                let r = match r {
                    Report::Issue(n) => Report::Issue(n.map(|n| opened.number(n))),
                    Report::Pull(n) => Report::Pull(n.map(|n| opened.number(n))),
                    other => other.clone(),
                };
                report(r, checked, &mut out.warnings);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
