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
use chrono::NaiveDate;
use serde::Serialize;

use super::{GitHub, Issue, IssueFields, IssueState, PullRequest};
use crate::review::{CommitRef, Drift, State};
use crate::Result;

/// The facts about a document the issue body shows.
#[derive(Clone, Debug, Default)]
pub struct DocStatusView {
    pub path: String,
    pub state: Option<State>,
    pub next_review: Option<NaiveDate>,
    pub days_left: Option<i64>,
    pub last_review: Option<NaiveDate>,
    pub last_updated: Option<String>,
    pub reviewed_by: Option<String>,
    /// Commits that changed the document since the last review, oldest first.
    pub changes: Vec<CommitRef>,
    pub unrecorded: usize,
    /// No review is on record (no Review row): `changes` go back to the document's start.
    pub never_reviewed: bool,
    pub drift: Vec<Drift>,
    /// (section, unfilled lines, lines)
    pub placeholders: Vec<(String, usize, usize)>,
    /// Schema findings per section, as Markdown (empty when none; see `dbarch schema`).
    pub schema: String,
}

pub const BLOCK_END: &str = "<!-- /dbarch:review -->";
pub const OVERDUE_MARK: &str = "<!-- dbarch:overdue -->";
pub const CLOSED_MARK: &str = "<!-- dbarch:reviewed -->";
pub const SUPERSEDED_MARK: &str = "<!-- dbarch:superseded -->";
/// The trailer on the commits dbarch makes for its branches: a branch whose head lacks
/// it has a person's commit and is not rewritten.
pub const GENERATED: &str = "Generated-by: dbarch";

/// What the job knows about one document.
#[derive(Clone, Debug)]
pub struct DocJob {
    pub status: DocStatusView,
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

/// The reviewers whose latest review (comments aside) approves, in the order of those
/// approvals, as `@login, @login`, and the latest approval's `submitted_at`; `None`
/// before any standing approval.
pub fn approvals(reviews: &[super::Review]) -> Option<(String, String)> {
    // (login, submitted_at) of each reviewer's standing approval.
    let mut standing: Vec<(String, String)> = Vec::new();
    for r in reviews {
        match r.state.as_str() {
            "APPROVED" => {
                standing.retain(|(l, _)| !l.eq_ignore_ascii_case(&r.login));
                standing.push((r.login.clone(), r.submitted_at.clone().unwrap_or_default()));
            }
            "CHANGES_REQUESTED" | "DISMISSED" => {
                standing.retain(|(l, _)| !l.eq_ignore_ascii_case(&r.login));
            }
            _ => {}
        }
    }
    standing.sort_by(|a, b| a.1.cmp(&b.1));
    let (_, last) = standing.last()?.clone();
    if last.is_empty() {
        return None;
    }
    let who: Vec<String> = standing.iter().map(|(l, _)| format!("@{l}")).collect();
    Some((who.join(", "), last))
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

/// `1 day`, `2 days`: `n` with the singular or the plural word.
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

pub fn marker(path: &str, due: Option<NaiveDate>) -> String {
    match due {
        Some(d) => format!("<!-- dbarch:review path={path} due={d} -->"),
        None => format!("<!-- dbarch:review path={path} due=none -->"),
    }
}

fn path_marker(path: &str) -> String {
    format!("<!-- dbarch:review path={path} ")
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

fn trusts(trusted: &str, author: &str) -> bool {
    if trusted == ANY_BOT {
        author.ends_with("[bot]")
    } else {
        author.eq_ignore_ascii_case(trusted)
    }
}

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

/// The marker line of a comment on a pull request that records a reviewer GitHub refused
/// (`<!-- dbarch:unrequested @login -->`): that reviewer is not asked again.
pub const UNREQUESTED_MARK: &str = "<!-- dbarch:unrequested ";

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

/// The issues list, read once per run: first narrowed (labels, creator), the whole list
/// only when a document's issue is not in the narrow one.
struct Issues {
    list: Option<Vec<Issue>>,
    full: bool,
}

impl Issues {
    fn trusted(s: &Settings, list: Vec<Issue>) -> Vec<Issue> {
        list.into_iter()
            .filter(|i| s.trusted.as_ref().is_none_or(|t| trusts(t, &i.author)))
            .collect()
    }

    fn get(&mut self, gh: &mut dyn GitHub, s: &Settings) -> Result<&mut Vec<Issue>> {
        if self.list.is_none() {
            let list = gh.list_issues_by(&s.labels, s.creator.as_deref())?;
            self.list = Some(Self::trusted(s, list));
        }
        Ok(self.list.as_mut().expect("listed"))
    }

    /// The whole list (an issue whose label a person removed, a server that does not
    /// filter by creator), once per run.
    fn widen(&mut self, gh: &mut dyn GitHub, s: &Settings) -> Result<bool> {
        if self.full || (s.labels.is_empty() && s.creator.is_none()) {
            return Ok(false);
        }
        self.full = true;
        let list = gh.list_issues_by(&[], None)?;
        self.list = Some(Self::trusted(s, list));
        Ok(true)
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

/// Opens an issue; when GitHub refuses an assignee (422 `assignees`), names the ones that
/// cannot be assigned and opens it without them.
fn create_issue(
    gh: &mut dyn GitHub,
    job: &DocJob,
    title: &str,
    body: &str,
    labels: &[String],
    assignees: &[String],
    out: &mut Outcome,
) -> Result<Issue> {
    match gh.create_issue(title, body, labels, assignees) {
        Err(crate::Error::Remote {
            status: Some(422),
            message,
        }) if !assignees.is_empty() && message.to_ascii_lowercase().contains("assignee") => {
            let path = &job.status.path;
            let mut ok = Vec::new();
            for a in assignees {
                if gh.is_assignable(a)? {
                    ok.push(a.clone());
                } else {
                    out.warnings.push(format!(
                        "{path}: `@{a}` cannot be assigned issues in {}: the review issue is opened without them; give them access to the repository, or remove them from `reviewers` of `{path}` in dbarch.toml",
                        gh.repo()
                    ));
                }
            }
            if ok.len() == assignees.len() {
                out.warnings.push(format!(
                    "{path}: GitHub refused the assignees {}: the review issue is opened without them ({message})",
                    assignees.iter().map(|a| format!("`@{a}`")).collect::<Vec<_>>().join(", ")
                ));
                ok.clear();
            }
            gh.create_issue(title, body, labels, &ok)
        }
        other => other,
    }
}

fn issue_for(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    all: &mut Issues,
    pull: Option<u64>,
    checked: &mut Checked,
    out: &mut Outcome,
) -> Result<Option<u64>> {
    let labels = &s.labels;
    let st = &job.status;
    let path = &st.path;
    let mark = marker(path, st.next_review);
    let attention = st.state.is_some_and(|x| x.needs_attention());
    let done = &mut out.done;
    if !attention {
        // Reviewed (or not yet due): close what is still open for this document.
        let issues = all.get(gh, s)?;
        let open: Vec<u64> = issues
            .iter()
            .filter(|i| i.state == IssueState::Open && i.body.contains(&path_marker(path)))
            .map(|i| i.number)
            .collect();
        let msg = format!(
            "{CLOSED_MARK}\nThe review of `{path}` is recorded (Last Updated {}, Reviewed By {}); the next review is due {}. Closing.",
            st.last_updated.as_deref().unwrap_or("-"),
            st.reviewed_by.as_deref().unwrap_or("-"),
            st.next_review.map_or("-".into(), |d| d.to_string())
        );
        for n in open {
            let closed = close_with_comment(gh, issues, n, CLOSED_MARK, &msg)?;
            done.push(Done {
                path: path.clone(),
                what: format!("closed issue #{n} (review recorded)"),
                url: Some(closed.url),
            });
        }
        return Ok(None);
    }
    let link = pull.map_or(String::new(), |n| {
        format!("**Review pull request:** #{n}\n\n")
    });
    let wanted_block = block_with(job, &link);
    let mut existing = all
        .get(gh, s)?
        .iter()
        .find(|i| i.body.contains(&mark))
        .cloned();
    if existing.is_none() && all.widen(gh, s)? {
        existing = all
            .get(gh, s)?
            .iter()
            .find(|i| i.body.contains(&mark))
            .cloned();
    }
    if let Some(i) = existing.as_ref().filter(|i| {
        i.state == IssueState::Closed && i.state_reason.as_deref() == Some("not_planned")
    }) {
        // Closed as not planned by a person: respected until the next cycle.
        checked.note = Some(format!(
            "issue #{} was closed as not planned: left closed until the next review cycle",
            i.number
        ));
        return Ok(Some(i.number));
    }
    let issue = match existing {
        Some(i) => i,
        None => {
            let title = format!("Architecture review due: {path}");
            let assignees: Vec<String> = job
                .reviewers
                .iter()
                .filter(|r| !r.contains('/'))
                .map(|r| r.trim_start_matches('@').to_string())
                .collect();
            let body = format!("{wanted_block}\n");
            let created = match create_issue(gh, job, &title, &body, labels, &assignees, out) {
                Ok(i) => i,
                Err(e) => {
                    // It may have landed even though the call failed: look again.
                    let again = Issues::trusted(s, gh.list_issues_by(&[], None)?);
                    all.list = Some(again);
                    all.full = true;
                    match all.get(gh, s)?.iter().find(|i| i.body.contains(&mark)) {
                        Some(i) => i.clone(),
                        None => return Err(e),
                    }
                }
            };
            let issues = all.get(gh, s)?;
            if !issues.iter().any(|i| i.number == created.number) {
                issues.push(created.clone());
            }
            out.done.push(Done {
                path: path.clone(),
                what: format!("opened issue #{}", created.number),
                url: Some(created.url.clone()),
            });
            created
        }
    };
    let done = &mut out.done;
    let issues = all.get(gh, s)?;
    let n = issue.number;
    // The Next Review date moved (postponed, or a review made it due again): the issues
    // of the old dates give way to this one.
    let stale: Vec<u64> = issues
        .iter()
        .filter(|i| {
            i.number != n
                && i.state == IssueState::Open
                && i.body.contains(&path_marker(path))
                && !i.body.contains(&mark)
        })
        .map(|i| i.number)
        .collect();
    for old in stale {
        let msg = format!(
            "{SUPERSEDED_MARK}\nSuperseded by #{n}: the Next Review date of `{path}` is now {}.",
            st.next_review.map_or("-".into(), |d| d.to_string())
        );
        let closed = close_with_comment(gh, issues, old, SUPERSEDED_MARK, &msg)?;
        done.push(Done {
            path: path.clone(),
            what: format!("closed issue #{old} (superseded by #{n})"),
            url: Some(closed.url),
        });
    }
    let missing: Vec<String> = labels
        .iter()
        .filter(|l| !issue.labels.contains(l))
        .cloned()
        .collect();
    if !missing.is_empty() {
        gh.add_labels(n, &missing)?;
        done.push(Done {
            path: path.clone(),
            what: format!("labelled issue #{n}"),
            url: Some(issue.url.clone()),
        });
    }
    let new_body = splice_block(&issue.body, &mark, &wanted_block);
    let mut fields = IssueFields::default();
    if new_body != issue.body {
        fields.body = Some(new_body);
    }
    if issue.state == IssueState::Closed {
        fields.state = Some(IssueState::Open);
    }
    if fields != IssueFields::default() {
        let reopened = fields.state.is_some();
        let updated = gh.update_issue(n, &fields)?;
        replace(issues, updated.clone());
        let what = if reopened {
            "reopened issue"
        } else {
            "updated issue"
        };
        done.push(Done {
            path: path.clone(),
            what: format!("{what} #{n}"),
            url: Some(updated.url),
        });
    }
    if st.state == Some(State::Overdue) {
        let comments = gh.list_comments(n)?;
        if !comments.iter().any(|c| c.body.contains(OVERDUE_MARK)) {
            let days = st.days_left.map_or(String::new(), |d| {
                format!(" ({} past Next Review)", count(-d, "day", "days"))
            });
            let who = if job.reviewers.is_empty() {
                String::new()
            } else {
                format!("{} ", job.reviewers.join(" "))
            };
            gh.create_comment(n, &format!("{OVERDUE_MARK}\n{who}The review of `{path}` is now **overdue**{days}. Please review it and run `dbarch review {path}`."))?;
            done.push(Done {
                path: path.clone(),
                what: format!("escalated issue #{n} (overdue)"),
                url: Some(issue.url.clone()),
            });
        }
    }
    Ok(Some(n))
}

/// Closes the open pull requests from one of dbarch's branches.
fn close_pulls(
    gh: &mut dyn GitHub,
    job: &DocJob,
    branch: &str,
    why: &str,
    done: &mut Vec<Done>,
) -> Result<()> {
    for p in gh.list_pulls(branch)? {
        if p.state == IssueState::Open {
            gh.close_pull(p.number)?;
            done.push(Done {
                path: job.status.path.clone(),
                what: format!("closed pull request #{} ({why})", p.number),
                url: Some(p.url.clone()),
            });
        }
    }
    Ok(())
}

/// Comments (once: a comment carrying `mark` whose response was lost is not posted
/// again) and closes an issue.
fn close_with_comment(
    gh: &mut dyn GitHub,
    issues: &mut [Issue],
    n: u64,
    mark: &str,
    msg: &str,
) -> Result<Issue> {
    if !gh.list_comments(n)?.iter().any(|c| c.body.contains(mark)) {
        gh.create_comment(n, msg)?;
    }
    let closed = gh.update_issue(
        n,
        &IssueFields {
            state: Some(IssueState::Closed),
            ..Default::default()
        },
    )?;
    replace(issues, closed.clone());
    Ok(closed)
}

fn replace(issues: &mut [Issue], updated: Issue) {
    if let Some(i) = issues.iter_mut().find(|i| i.number == updated.number) {
        *i = updated;
    }
}

/// Replaces the marked block in `body` (from `mark` to [`BLOCK_END`], or to the end when
/// the end marker was deleted); appends it when absent. Everything else is kept.
pub fn splice_block(body: &str, mark: &str, block: &str) -> String {
    let Some(start) = body.find(mark) else {
        let sep = if body.is_empty() || body.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        return format!("{body}{sep}{block}\n");
    };
    let end = body[start..]
        .find(BLOCK_END)
        .map_or(body.len(), |e| start + e + BLOCK_END.len());
    format!("{}{}{}", &body[..start], block, &body[end..])
}

/// The marked block: state, changes and drift since the last review, placeholders, and
/// a checklist. Text from commits and documents is made table- and HTML-safe.
pub fn block(job: &DocJob) -> String {
    block_with(job, "")
}

/// [`block`] with `links` (lines naming the issue or pull request of the same review)
/// before the changes.
pub fn block_with(job: &DocJob, links: &str) -> String {
    let s = &job.status;
    let clean = |t: &str| crate::doc::table::escape_cell(t, 120);
    let mut out = String::new();
    out.push_str(&marker(&s.path, s.next_review));
    out.push('\n');
    out.push_str(&format!("## Architecture review: `{}`\n\n", s.path));
    let state = s.state.map_or("unknown", |x| x.as_str());
    // Dates only, no "in N days": the block changes when the state does, not every day,
    // so a daily schedule makes no write on a day with nothing new.
    let when = match (s.next_review, s.days_left) {
        (Some(d), Some(n)) if n < 0 => format!("Next Review was **{d}**"),
        (Some(d), _) => format!("Next Review is **{d}**"),
        _ => "Next Review is not set".into(),
    };
    out.push_str(&format!("**State:** {state} — {when}.  \n"));
    out.push_str(&format!(
        "**Last review:** {} · **Reviewed By:** {}\n\n",
        s.last_review.map_or("-".into(), |d| d.to_string()),
        clean(s.reviewed_by.as_deref().unwrap_or("-"))
    ));
    out.push_str(links);
    if s.never_reviewed {
        out.push_str("### Changes since the document began (no review on record)\n");
    } else {
        out.push_str("### Changes since the last review\n");
    }
    if s.changes.is_empty() {
        out.push_str("- none\n");
    }
    for c in s.changes.iter().take(30) {
        out.push_str(&format!(
            "- `{}` {} {} — {}\n",
            c.commit,
            c.date.format("%Y-%m-%d"),
            clean(&c.author),
            clean(&c.subject)
        ));
    }
    if s.changes.len() > 30 {
        out.push_str(&format!("- … and {} more\n", s.changes.len() - 30));
    }
    if s.unrecorded > 0 {
        out.push_str(&format!(
            "\n{} not in the Change Log yet (`dbarch sync`).\n",
            count(s.unrecorded as i64, "commit is", "commits are")
        ));
    }
    if !s.drift.is_empty() {
        out.push_str("\n### Drift\n");
        for d in &s.drift {
            let commits: Vec<String> = d
                .commits
                .iter()
                .take(10)
                .map(|c| format!("`{}` {}", c.commit, clean(&c.subject)))
                .collect();
            out.push_str(&format!(
                "- **{}** (`{}`): {}\n",
                clean(&d.section),
                clean(&d.paths.join("`, `")),
                commits.join("; ")
            ));
        }
    }
    if !s.placeholders.is_empty() {
        out.push_str("\n### Unfilled placeholders\n");
        for (section, unfilled, lines) in s.placeholders.iter().take(40) {
            out.push_str(&format!(
                "- {}: {unfilled} of {}\n",
                clean(section),
                count(*lines as i64, "line", "lines")
            ));
        }
        if s.placeholders.len() > 40 {
            out.push_str(&format!(
                "- … and {} more sections\n",
                s.placeholders.len() - 40
            ));
        }
    }
    out.push_str(&schema_block(s));
    out.push_str("\n### Checklist\n");
    out.push_str("- [ ] Read the changes and drift above\n");
    out.push_str("- [ ] Update the document where the system changed\n");
    out.push_str("- [ ] Fill or remove the placeholders\n");
    out.push_str(&format!(
        "- [ ] Record the review: `dbarch review {}` (or merge the review pull request)\n",
        s.path
    ));
    out.push_str(BLOCK_END);
    out
}

/// The schema findings, already Markdown-safe, after a blank line (or nothing).
fn schema_block(s: &DocStatusView) -> String {
    if s.schema.is_empty() {
        String::new()
    } else {
        format!("\n{}", s.schema.trim_end())
    }
}

/// A pull request to keep: its branch, title, body, commit message, whether to request
/// the reviewers, and the marker of its review cycle (a person's commits on the branch
/// are kept only while the open pull request is of the same cycle).
struct Pull {
    branch: String,
    title: String,
    body: String,
    message: &'static str,
    request_review: bool,
    cycle: Option<String>,
}

/// Keeps a branch holding `text` at the document's path, based on the default branch,
/// and one open pull request from it. Returns the open pull request's number.
fn pull_for(
    gh: &mut dyn GitHub,
    job: &DocJob,
    pull: &Pull,
    text: &str,
    checked: &mut Checked,
    out: &mut Outcome,
) -> Result<Option<u64>> {
    let Pull {
        branch,
        title,
        body,
        message,
        request_review,
        cycle,
    } = pull;
    let (branch, title, body) = (branch.as_str(), title.as_str(), body.as_str());
    let path = &job.status.path;
    let base = gh.default_branch()?;
    let base_sha = gh.get_branch(&base)?.ok_or_else(|| crate::Error::Remote {
        status: None,
        message: format!(
            "GitHub: the default branch {base} of {} has no commit",
            gh.repo()
        ),
    })?;
    let current = gh.get_branch(branch)?;
    let open = gh
        .list_pulls(branch)?
        .into_iter()
        .find(|p| p.state == IssueState::Open);
    // The open pull request is of this cycle (a Change Log pull request has no cycle).
    let this_cycle = open
        .as_ref()
        .is_some_and(|p| cycle.as_ref().is_none_or(|m| p.body.contains(m.as_str())));
    // The review pull request of this cycle records its approvals: who and when.
    let approved = match (&job.approved, &open) {
        (Some(rebuild), Some(p)) if this_cycle && cycle.is_some() => {
            match approvals(&gh.list_reviews(p.number)?) {
                Some((who, at)) => Some((who.clone(), (rebuild.0)(&who, &at)?)),
                None => None,
            }
        }
        _ => None,
    };
    let text = approved.as_ref().map_or(text, |(_, t)| t.as_str());
    // Rewrite the branch when it is missing; when it is dbarch's own commit on an older
    // default branch; and when nothing of this cycle is open from it (a closed pull
    // request's branch, a person's commit left on it included, starts again from the
    // default branch). A person's commit under this cycle's open pull request is never
    // replaced; dbarch's commit on the current default branch already holds what the
    // document there needs (the only difference would be today's date in a review row).
    let rewrite = match &current {
        None => true,
        Some(head) => {
            let c = gh.get_commit(head)?;
            if !c.message.contains(GENERATED) {
                if this_cycle {
                    checked.note = Some(format!("left {branch} alone: it has commits by people"));
                    if let (Some((who, _)), Some(p)) = (&approved, &open) {
                        out.warnings.push(format!(
                            "{path}: pull request #{} is approved by {who}, but {branch} has commits by people, so dbarch does not rewrite it: set Reviewed By and the review date on the branch before merging",
                            p.number
                        ));
                    }
                }
                !this_cycle
            } else if c.parents != [base_sha.clone()] {
                true
            } else if !this_cycle || approved.is_some() {
                // Approved: the branch must record the approvers and the approval's date.
                gh.get_file(head, path)?.as_deref() != Some(text.as_bytes())
            } else {
                false
            }
        }
    };
    if rewrite {
        // The document is built from this checkout: the default branch must hold the same
        // document, or the commit would undo what was merged after the checkout.
        if let Some(local) = &job.checkout {
            let on_base = gh.get_file(&base_sha, path)?;
            if on_base.as_deref() != Some(local.as_slice()) {
                out.warnings.push(format!(
                    "{path}: the document on {base} ({}) is not the one this run checked out: {branch} is left as it is, so that it cannot undo that change; the next run (on a checkout of the newest {base}) builds it",
                    &base_sha[..base_sha.len().min(12)]
                ));
                return Ok(open.map(|p| p.number));
            }
        }
        let base_tree = gh.get_commit(&base_sha)?.tree;
        let blob = gh.create_blob(text.as_bytes())?;
        let tree = gh.create_tree(&base_tree, path, &blob)?;
        let msg = format!("{message}: {path}\n\n{GENERATED}\n");
        let commit = gh.create_commit(&msg, &tree, &[base_sha])?;
        match current {
            Some(_) => gh.update_branch(branch, &commit)?,
            None => gh.create_branch(branch, &commit)?,
        }
        out.done.push(Done {
            path: path.clone(),
            what: format!("committed {branch}"),
            url: None,
        });
    }
    let (pr, fresh) = match open {
        Some(p) => {
            if p.body != body || p.title != title {
                gh.update_pull(p.number, title, body)?;
                out.done.push(Done {
                    path: path.clone(),
                    what: format!("updated pull request #{}", p.number),
                    url: Some(p.url.clone()),
                });
            }
            (p, false)
        }
        None => {
            let (pr, fresh) = match gh.create_pull(title, body, branch, &base) {
                Ok(pr) => (pr, true),
                // It may have landed even though the call failed (and then still needs
                // its reviewers): look again.
                Err(e) => match gh
                    .list_pulls(branch)?
                    .into_iter()
                    .find(|p| p.state == IssueState::Open)
                {
                    Some(p) => (p, false),
                    None => return Err(e),
                },
            };
            out.done.push(Done {
                path: path.clone(),
                what: format!("opened pull request #{}", pr.number),
                url: Some(pr.url.clone()),
            });
            (pr, fresh)
        }
    };
    if *request_review && !job.reviewers.is_empty() {
        request_reviewers(gh, job, &pr, fresh, out)?;
    }
    Ok(Some(pr.number))
}

/// Asks the configured reviewers missing from an open pull request: users and teams in
/// separate calls (the job token cannot request teams, and one refused name fails the
/// whole call). A reviewer GitHub refuses (422) is named in a warning and in a comment on
/// the pull request, which keeps later runs from asking again; users who already reviewed
/// are not asked again, nor teams once the pull request has a review.
fn request_reviewers(
    gh: &mut dyn GitHub,
    job: &DocJob,
    pr: &PullRequest,
    fresh: bool,
    out: &mut Outcome,
) -> Result<()> {
    let mut users: Vec<String> = Vec::new();
    // (`org/slug`, `slug`)
    let mut teams: Vec<(String, String)> = Vec::new();
    for r in &job.reviewers {
        let r = r.trim_start_matches('@');
        match r.split_once('/') {
            Some((_, slug)) => {
                if !pr
                    .requested_teams
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(slug))
                {
                    teams.push((r.to_string(), slug.to_string()));
                }
            }
            None => {
                if !pr
                    .requested_reviewers
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(r))
                {
                    users.push(r.to_string());
                }
            }
        }
    }
    if users.is_empty() && teams.is_empty() {
        return Ok(());
    }
    if !fresh {
        let reviews = gh.list_reviews(pr.number)?;
        users.retain(|u| !reviews.iter().any(|r| r.login.eq_ignore_ascii_case(u)));
        if !reviews.is_empty() {
            teams.clear();
        }
        if users.is_empty() && teams.is_empty() {
            return Ok(());
        }
        let refused: Vec<String> = gh
            .list_comments(pr.number)?
            .iter()
            .flat_map(|c| {
                c.body
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix(UNREQUESTED_MARK))
                    .filter_map(|l| l.strip_suffix("-->"))
                    .map(|l| l.trim().trim_start_matches('@').to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .collect();
        users.retain(|u| !refused.contains(&u.to_ascii_lowercase()));
        teams.retain(|(t, _)| !refused.contains(&t.to_ascii_lowercase()));
    }
    let mut refused: Vec<(String, bool, String)> = Vec::new();
    let users: Vec<(String, String)> = users.into_iter().map(|u| (u.clone(), u)).collect();
    ask(gh, pr.number, &users, false, &mut refused)?;
    ask(gh, pr.number, &teams, true, &mut refused)?;
    if refused.is_empty() {
        return Ok(());
    }
    let path = &job.status.path;
    let repo = gh.repo().clone();
    let mut comment = String::new();
    for (who, _, _) in &refused {
        comment.push_str(&format!("{UNREQUESTED_MARK}@{who} -->\n"));
    }
    for (who, team, why) in &refused {
        let (fix, short) = if *team {
            (format!("the workflow's job token (GITHUB_TOKEN) cannot request team reviews: pass a GitHub App token (or a token of a user who can see the team) as the action's `token:`, or list the team's members in `reviewers` of `{path}` in dbarch.toml"),
             "team reviews cannot be requested with this token")
        } else {
            (format!("only collaborators of {repo} can be asked: give `@{who}` access, or remove them from `reviewers` of `{path}` in dbarch.toml"),
             "not a collaborator of the repository")
        };
        out.warnings.push(format!(
            "{path}: pull request #{}: GitHub refused to request a review from `@{who}` ({why}): {fix}",
            pr.number
        ));
        comment.push_str(&format!(
            "dbarch could not request a review from `@{who}` ({short}); it will not ask again for this pull request.\n"
        ));
    }
    gh.create_comment(pr.number, &comment)?;
    Ok(())
}

/// One review request for `names` (`(shown, sent)`); on 422 each name alone, and the
/// refused ones go to `refused` as `(shown, team, why)`.
fn ask(
    gh: &mut dyn GitHub,
    number: u64,
    names: &[(String, String)],
    team: bool,
    refused: &mut Vec<(String, bool, String)>,
) -> Result<()> {
    let send = |gh: &mut dyn GitHub, sent: Vec<String>| {
        if team {
            gh.request_reviewers(number, &[], &sent)
        } else {
            gh.request_reviewers(number, &sent, &[])
        }
    };
    if names.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = names.iter().map(|(_, s)| s.clone()).collect();
    match send(gh, all) {
        Ok(()) => Ok(()),
        Err(crate::Error::Remote {
            status: Some(422),
            message,
        }) => {
            if names.len() == 1 {
                refused.push((names[0].0.clone(), team, message));
                return Ok(());
            }
            for (shown, sent) in names {
                match send(gh, vec![sent.clone()]) {
                    Ok(()) => {}
                    Err(crate::Error::Remote {
                        status: Some(422),
                        message,
                    }) => refused.push((shown.clone(), team, message)),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_are_each_reviewers_standing_approval_in_order() {
        let r = |login: &str, state: &str, at: &str| super::super::Review {
            login: login.into(),
            state: state.into(),
            submitted_at: Some(at.into()),
        };
        assert_eq!(approvals(&[]), None);
        assert_eq!(
            approvals(&[r("ana", "COMMENTED", "2026-12-01T10:00:00Z")]),
            None
        );
        // bob approves, then ana; ana comments later (still approved); cy approves and
        // then asks for changes (withdrawn); bob approves again (his order moves).
        let reviews = [
            r("bob", "APPROVED", "2026-12-01T10:00:00Z"),
            r("ana", "APPROVED", "2026-12-02T10:00:00Z"),
            r("ana", "COMMENTED", "2026-12-05T10:00:00Z"),
            r("cy", "APPROVED", "2026-12-03T10:00:00Z"),
            r("cy", "CHANGES_REQUESTED", "2026-12-04T10:00:00Z"),
        ];
        assert_eq!(
            approvals(&reviews),
            Some(("@bob, @ana".into(), "2026-12-02T10:00:00Z".into()))
        );
        let mut again = reviews.to_vec();
        again.push(r("bob", "APPROVED", "2026-12-06T10:00:00Z"));
        assert_eq!(
            approvals(&again),
            Some(("@ana, @bob".into(), "2026-12-06T10:00:00Z".into()))
        );
        again.push(r("ana", "DISMISSED", "2026-12-07T10:00:00Z"));
        again.push(r("bob", "DISMISSED", "2026-12-07T10:00:00Z"));
        assert_eq!(approvals(&again), None);
    }

    #[test]
    fn what_a_run_found_reads_as_words() {
        assert_eq!(count(1, "day", "days"), "1 day");
        assert_eq!(count(0, "day", "days"), "0 days");
        assert_eq!(found("ok", Some(30)), "ok, next review in 30 days");
        assert_eq!(found("due-soon", Some(1)), "due in 1 day");
        assert_eq!(found("due", Some(0)), "due today");
        assert_eq!(found("due", Some(-2)), "due, 2 days past Next Review");
        assert_eq!(found("overdue", Some(-1)), "overdue by 1 day");
        assert_eq!(found("due", None), "due");
        assert_eq!(found("unknown", None), "review state unknown");
    }
    use crate::github::memory::Memory;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn job(state: State, days_left: i64) -> DocJob {
        DocJob {
            status: DocStatusView {
                path: "docs/db.md".into(),
                state: Some(state),
                next_review: Some(d("2026-12-01")),
                days_left: Some(days_left),
                last_review: Some(d("2026-09-01")),
                last_updated: Some("2026-09-01".into()),
                reviewed_by: Some("DBA Team".into()),
                changes: Vec::new(),
                unrecorded: 0,
                never_reviewed: false,
                drift: Vec::new(),
                schema: String::new(),
                placeholders: vec![("Backup Strategy".into(), 4, 4)],
            },
            reviewers: vec!["@ana".into(), "@acme/dba-team".into()],
            review_text: Some("# reviewed\n".into()),
            sync_text: None,
            sync_rows: 0,
            checkout: None,
            approved: None,
        }
    }

    const ISSUE: Modes = Modes {
        issue: true,
        pr: false,
    };
    const PR: Modes = Modes {
        issue: false,
        pr: true,
    };

    fn labels() -> Vec<String> {
        vec!["architecture-review".into()]
    }

    #[test]
    fn issue_lifecycle() {
        let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
        // due-soon: opened once, with labels and user assignees (teams cannot be assigned)
        let done = run(&mut gh, &[job(State::DueSoon, 5)], &labels(), ISSUE).unwrap();
        assert_eq!(done.len(), 1, "{done:?}");
        assert_eq!(gh.issues.len(), 1);
        assert_eq!(gh.issues[0].assignees, ["ana"]);
        assert_eq!(gh.issues[0].labels, labels());
        assert!(gh.issues[0].body.contains("Backup Strategy: 4 of 4 lines"));
        // a second run with nothing new writes nothing
        let writes = gh.writes.len();
        assert!(run(&mut gh, &[job(State::DueSoon, 5)], &labels(), ISSUE)
            .unwrap()
            .is_empty());
        assert_eq!(gh.writes.len(), writes);
        // a human edit outside the block survives an update of the block
        let body = format!("Owner note: ask Bo first.\n\n{}", gh.issues[0].body);
        gh.issues[0].body = body;
        run(&mut gh, &[job(State::Due, 0)], &labels(), ISSUE).unwrap();
        assert!(gh.issues[0]
            .body
            .starts_with("Owner note: ask Bo first.\n\n<!-- dbarch:review"));
        assert!(gh.issues[0].body.contains("**State:** due"));
        // overdue: one escalation comment, however many runs
        run(&mut gh, &[job(State::Overdue, -20)], &labels(), ISSUE).unwrap();
        run(&mut gh, &[job(State::Overdue, -21)], &labels(), ISSUE).unwrap();
        let n = gh.issues[0].number;
        let overdue = gh.comments[&n]
            .iter()
            .filter(|c| c.body.contains(OVERDUE_MARK))
            .count();
        assert_eq!(overdue, 1);
        // closed while still due: reopened
        gh.issues[0].state = IssueState::Closed;
        let done = run(&mut gh, &[job(State::Overdue, -21)], &labels(), ISSUE).unwrap();
        assert_eq!(gh.issues[0].state, IssueState::Open);
        assert!(done[0].what.starts_with("reopened"), "{done:?}");
        // reviewed: closed with a comment; the next run does nothing
        let mut ok = job(State::Ok, 90);
        ok.status.next_review = Some(d("2027-03-01"));
        run(&mut gh, &[ok.clone()], &labels(), ISSUE).unwrap();
        assert_eq!(gh.issues[0].state, IssueState::Closed);
        assert!(gh.comments[&n].iter().any(|c| c.body.contains(CLOSED_MARK)));
        let writes = gh.writes.len();
        run(&mut gh, &[ok], &labels(), ISSUE).unwrap();
        assert_eq!(gh.writes.len(), writes);
        // the next cycle opens a new issue
        let mut next = job(State::DueSoon, 10);
        next.status.next_review = Some(d("2027-03-01"));
        run(&mut gh, &[next], &labels(), ISSUE).unwrap();
        assert_eq!(gh.issues.len(), 2);
    }

    #[test]
    fn missing_labels_are_added_and_a_lost_create_is_found_again() {
        let mut gh = Memory::new(&[]);
        let j = job(State::Due, 0);
        gh.create_issue("x", &format!("{}\n", block(&j)), &[], &[])
            .unwrap();
        run(&mut gh, &[j], &labels(), ISSUE).unwrap();
        assert_eq!(gh.issues.len(), 1);
        assert_eq!(gh.issues[0].labels, labels());
    }

    #[test]
    fn review_pull_request_created_then_left_alone() {
        let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
        run(&mut gh, &[job(State::Due, 0)], &labels(), PR).unwrap();
        assert_eq!(
            gh.file_on("dbarch/review/docs-db", "docs/db.md").as_deref(),
            Some(&b"# reviewed\n"[..])
        );
        assert_eq!(gh.pulls.len(), 1);
        assert_eq!(
            gh.requested[&gh.pulls[0].number],
            (vec!["ana".to_string()], vec!["dba-team".to_string()])
        );
        let writes = gh.writes.len();
        run(&mut gh, &[job(State::Due, 0)], &labels(), PR).unwrap();
        assert_eq!(gh.writes.len(), writes, "{:?}", &gh.writes[writes..]);
        // The same document on the same default branch: a later day's review date is
        // no reason to rewrite the branch.
        let mut later = job(State::Due, 0);
        later.review_text = Some("# reviewed tomorrow\n".into());
        run(&mut gh, &[later], &labels(), PR).unwrap();
        assert_eq!(gh.writes.len(), writes, "{:?}", &gh.writes[writes..]);
        // The default branch moved: the branch is rebuilt on it; the same pull request.
        let main = gh.branches["main"].clone();
        let tree = gh.get_commit(&main).unwrap().tree;
        let moved = gh.create_commit("edit on main", &tree, &[main]).unwrap();
        gh.update_branch("main", &moved).unwrap();
        let mut changed = job(State::Due, 0);
        changed.review_text = Some("# reviewed again\n".into());
        run(&mut gh, &[changed.clone()], &labels(), PR).unwrap();
        let head = gh.branches["dbarch/review/docs-db"].clone();
        assert_eq!(gh.get_commit(&head).unwrap().parents, [moved]);
        assert_eq!(
            gh.file_on("dbarch/review/docs-db", "docs/db.md").as_deref(),
            Some(&b"# reviewed again\n"[..])
        );
        assert_eq!(gh.pulls.len(), 1);
        // A person's commit on the branch is kept, even when main moves again.
        let person = gh
            .create_commit("Fix the review notes", &tree, &[head])
            .unwrap();
        gh.update_branch("dbarch/review/docs-db", &person).unwrap();
        let main2 = gh
            .create_commit("another edit", &tree, &[gh.branches["main"].clone()])
            .unwrap();
        gh.update_branch("main", &main2).unwrap();
        run(&mut gh, &[changed], &labels(), PR).unwrap();
        assert_eq!(gh.branches["dbarch/review/docs-db"], person);
        // Reviewed some other way: the review pull request is closed.
        run(&mut gh, &[job(State::Ok, 80)], &labels(), PR).unwrap();
        assert_eq!(gh.pulls[0].state, IssueState::Closed);
    }

    #[test]
    fn change_log_pull_request_for_unrecorded_commits() {
        let mut gh = Memory::new(&[("docs/db.md", "# db\n")]);
        let mut j = job(State::Ok, 80);
        j.sync_text = Some("# db\nrows\n".into());
        j.sync_rows = 2;
        run(&mut gh, &[j.clone()], &labels(), ISSUE).unwrap();
        assert_eq!(gh.pulls.len(), 1);
        assert_eq!(
            gh.pulls[0].title,
            "Change Log: record 2 commits in docs/db.md"
        );
        assert_eq!(
            gh.file_on("dbarch/sync/docs-db", "docs/db.md").as_deref(),
            Some(&b"# db\nrows\n"[..])
        );
        let writes = gh.writes.len();
        run(&mut gh, &[j], &labels(), ISSUE).unwrap();
        assert_eq!(gh.writes.len(), writes);
    }

    #[test]
    fn splice_keeps_text_around_the_block() {
        let mark = marker("a.md", None);
        let body = format!("top\n{mark}\nold\n{BLOCK_END}\nbottom\n");
        let new = format!("{mark}\nnew\n{BLOCK_END}");
        assert_eq!(
            splice_block(&body, &mark, &new),
            format!("top\n{new}\nbottom\n")
        );
        // end marker deleted by a person: replace to the end
        let cut = format!("top\n{mark}\nold");
        assert_eq!(splice_block(&cut, &mark, &new), format!("top\n{new}"));
        assert_eq!(
            splice_block("hand written", &mark, &new),
            format!("hand written\n{new}\n")
        );
    }
}
