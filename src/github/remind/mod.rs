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
//! Where it is: `issue.rs` the review issue, `pull.rs` the review and Change Log pull
//! requests, `body.rs` the marked block, the markers and the splice; this file the types
//! and the run over the documents.
use serde::Serialize;

use super::{GitHub, IssueState};
use crate::commands::status::DocStatus;
use crate::review::CommitRef;
use crate::Result;

mod body;
mod issue;
mod pull;

pub use body::{
    block, block_with, count, marker, splice_block, BLOCK_END, CLOSED_MARK, GENERATED,
    OVERDUE_MARK, SUPERSEDED_MARK, UNREQUESTED_MARK,
};
use issue::{issue_for, Issues};
pub use pull::approvals;
use pull::{close_pulls, pull_for, Pull};

/// What the job knows about one document.
#[derive(Clone)]
pub struct DocJob {
    /// The document's status (its path, state, dates, drift, placeholders, unrecorded
    /// commits), as `dbarch status` reports it.
    pub status: DocStatus,
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

/// Runs the reminder for every job; see [`Outcome`].
pub fn run_with(gh: &mut dyn GitHub, jobs: &[DocJob], s: &Settings) -> Outcome {
    let mut out = Outcome::default();
    let mut issues = Issues {
        list: None,
        full: false,
    };
    for job in jobs {
        let mut checked = Checked {
            path: job.status.path.clone(),
            state: job.status.state.map_or("unknown", |x| x.as_str()).into(),
            days_left: job.status.days_left,
            ..Default::default()
        };
        if let Err(e) = one(gh, job, s, &mut issues, &mut checked, &mut out) {
            out.failed.push((job.status.path.clone(), e));
        }
        out.checked.push(checked);
    }
    out
}

fn one(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    issues: &mut Issues,
    checked: &mut Checked,
    out: &mut Outcome,
) -> Result<()> {
    let modes = s.modes;
    let path = &job.status.path;
    let review_branch = format!("dbarch/review/{}", super::slug(path));
    let sync_branch = format!("dbarch/sync/{}", super::slug(path));
    let attention = job.status.state.is_some_and(|s| s.needs_attention());
    // In mode `both` the issue and the review pull request name each other: the pull
    // request is looked up first.
    let mut pr_number = None;
    if modes.pr && modes.issue && attention && job.review_text.is_some() {
        pr_number = gh
            .list_pulls(&review_branch)?
            .iter()
            .find(|p| p.state == IssueState::Open)
            .map(|p| p.number);
    }
    let mut issue_number = None;
    if modes.issue {
        issue_number = issue_for(gh, job, s, issues, pr_number, checked, out)?;
        checked.issue = issue_number;
    }
    // A review recorded some other way (`dbarch review`) makes the review pull request
    // moot; rows recorded some other way (the hook, `sync`) the Change Log one.
    if modes.pr && !attention {
        close_pulls(
            gh,
            job,
            &review_branch,
            "the review is recorded",
            &mut out.done,
        )?;
    }
    if s.changelog_pr && job.sync_text.is_none() {
        close_pulls(
            gh,
            job,
            &sync_branch,
            "the Change Log records every commit",
            &mut out.done,
        )?;
    }
    if modes.pr && attention {
        if let Some(text) = &job.review_text {
            let link =
                issue_number.map_or(String::new(), |n| format!("**Review issue:** #{n}\n\n"));
            let pull = Pull {
                branch: review_branch.clone(),
                title: format!("Architecture review: {path}"),
                body: format!(
                    "{}\n\n{link}Merging this pull request records the review: it sets Reviewed By, Last Updated and Next Review and adds a Review row. Reviewed By and the review date are filled in from the approvals: on the run after an approval, dbarch rebuilds this branch with Reviewed By = the reviewers who approved and the review date = the date of the latest approval (Next Review follows from it); until then they hold the requested reviewers and the date the branch was built. Edit the document on this branch if the review changes it (dbarch then leaves the branch, and the record, to you).\n",
                    block(job)
                ),
                message: "docs: record architecture review",
                request_review: true,
                cycle: Some(marker(path, job.status.next_review)),
            };
            let n = pull_for(gh, job, &pull, text, checked, out)?;
            checked.pull = n;
            if modes.issue && n.is_some() && n != pr_number {
                // A new review pull request: the issue names it.
                issue_for(gh, job, s, issues, n, checked, out)?;
            }
        }
    }
    if s.changelog_pr {
        if let Some(text) = &job.sync_text {
            let n = job.sync_rows;
            let pull = Pull {
                branch: sync_branch.clone(),
                title: format!(
                    "Change Log: record {n} commit{} in {path}",
                    if n == 1 { "" } else { "s" },
                ),
                body: format!(
                    "The default branch has commits that changed `{path}` without a Change Log row (web-editor edits, or clones without the dbarch hook). This pull request adds the rows; `dbarch sync` made them.\n\n<!-- dbarch:sync path={path} -->\n",
                ),
                message: "docs: record Change Log rows",
                request_review: false,
                cycle: None,
            };
            pull_for(gh, job, &pull, text, checked, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
