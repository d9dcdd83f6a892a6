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
use chrono::NaiveDate;
use serde::Serialize;

use super::{GitHub, Issue, IssueFields, IssueState};
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

pub fn marker(path: &str, due: Option<NaiveDate>) -> String {
    match due {
        Some(d) => format!("<!-- dbarch:review path={path} due={d} -->"),
        None => format!("<!-- dbarch:review path={path} due=none -->"),
    }
}

fn path_marker(path: &str) -> String {
    format!("<!-- dbarch:review path={path} ")
}

/// Runs the reminder for every job.
pub fn run(
    gh: &mut dyn GitHub,
    jobs: &[DocJob],
    labels: &[String],
    modes: Modes,
) -> Result<Vec<Done>> {
    let mut done = Vec::new();
    let mut issues: Option<Vec<Issue>> = None;
    for job in jobs {
        if modes.issue {
            if issues.is_none() {
                issues = Some(gh.list_issues(&[])?);
            }
            let list = issues.as_mut().expect("listed");
            issue_for(gh, job, labels, list, &mut done)?;
        }
        let review_branch = format!("dbarch/review/{}", super::slug(&job.status.path));
        let sync_branch = format!("dbarch/sync/{}", super::slug(&job.status.path));
        let attention = job.status.state.is_some_and(|s| s.needs_attention());
        // A review recorded some other way (`dbarch review`) makes the review pull request
        // moot; rows recorded some other way (the hook, `sync`) the Change Log one.
        if modes.pr && !attention {
            close_pulls(gh, job, &review_branch, "the review is recorded", &mut done)?;
        }
        if job.sync_text.is_none() {
            close_pulls(
                gh,
                job,
                &sync_branch,
                "the Change Log records every commit",
                &mut done,
            )?;
        }
        if modes.pr && attention {
            if let Some(text) = &job.review_text {
                let pull = Pull {
                    branch: review_branch.clone(),
                    title: format!("Architecture review: {}", job.status.path),
                    body: format!(
                        "{}\n\nMerging this pull request records the review: it sets Reviewed By, Last Updated and Next Review and adds a Review row. Edit the document on this branch if the review changes it.\n",
                        block(job)
                    ),
                    message: "docs: record architecture review",
                    request_review: true,
                };
                pull_for(gh, job, &pull, text, &mut done)?;
            }
        }
        if let Some(text) = &job.sync_text {
            let n = job.sync_rows;
            let pull = Pull {
                branch: sync_branch.clone(),
                title: format!(
                    "Change Log: record {n} commit{} in {}",
                    if n == 1 { "" } else { "s" },
                    job.status.path
                ),
                body: format!(
                    "The default branch has commits that changed `{}` without a Change Log row (web-editor edits, or clones without the dbarch hook). This pull request adds the rows; `dbarch sync` made them.\n\n<!-- dbarch:sync path={} -->\n",
                    job.status.path, job.status.path
                ),
                message: "docs: record Change Log rows",
                request_review: false,
            };
            pull_for(gh, job, &pull, text, &mut done)?;
        }
    }
    Ok(done)
}

fn issue_for(
    gh: &mut dyn GitHub,
    job: &DocJob,
    labels: &[String],
    issues: &mut Vec<Issue>,
    done: &mut Vec<Done>,
) -> Result<()> {
    let s = &job.status;
    let path = &s.path;
    let mark = marker(path, s.next_review);
    let attention = s.state.is_some_and(|x| x.needs_attention());
    if !attention {
        // Reviewed (or not yet due): close what is still open for this document.
        let open: Vec<u64> = issues
            .iter()
            .filter(|i| i.state == IssueState::Open && i.body.contains(&path_marker(path)))
            .map(|i| i.number)
            .collect();
        let msg = format!(
            "{CLOSED_MARK}\nThe review of `{path}` is recorded (Last Updated {}, Reviewed By {}); the next review is due {}. Closing.",
            s.last_updated.as_deref().unwrap_or("-"),
            s.reviewed_by.as_deref().unwrap_or("-"),
            s.next_review.map_or("-".into(), |d| d.to_string())
        );
        for n in open {
            let closed = close_with_comment(gh, issues, n, CLOSED_MARK, &msg)?;
            done.push(Done {
                path: path.clone(),
                what: format!("closed issue #{n} (review recorded)"),
                url: Some(closed.url),
            });
        }
        return Ok(());
    }
    let wanted_block = block(job);
    let existing = issues.iter().find(|i| i.body.contains(&mark)).cloned();
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
            let created = match gh.create_issue(&title, &body, labels, &assignees) {
                Ok(i) => i,
                Err(e) => {
                    // It may have landed even though the call failed: look again.
                    let again = gh.list_issues(&[])?;
                    *issues = again;
                    match issues.iter().find(|i| i.body.contains(&mark)) {
                        Some(i) => i.clone(),
                        None => return Err(e),
                    }
                }
            };
            if !issues.iter().any(|i| i.number == created.number) {
                issues.push(created.clone());
            }
            done.push(Done {
                path: path.clone(),
                what: format!("opened issue #{}", created.number),
                url: Some(created.url.clone()),
            });
            created
        }
    };
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
            s.next_review.map_or("-".into(), |d| d.to_string())
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
    if s.state == Some(State::Overdue) {
        let comments = gh.list_comments(n)?;
        if !comments.iter().any(|c| c.body.contains(OVERDUE_MARK)) {
            let days = s.days_left.map_or(String::new(), |d| {
                format!(" ({} days past Next Review)", -d)
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
    Ok(())
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
    out.push_str("### Changes since the last review\n");
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
            "\n{} commit(s) are not in the Change Log yet (`dbarch sync`).\n",
            s.unrecorded
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
                "- {}: {unfilled} of {lines} lines\n",
                clean(section)
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

/// A pull request to keep: its branch, title, body, commit message, and whether to
/// request the reviewers.
struct Pull {
    branch: String,
    title: String,
    body: String,
    message: &'static str,
    request_review: bool,
}

/// Keeps a branch holding `text` at the document's path, based on the default branch,
/// and one open pull request from it.
fn pull_for(
    gh: &mut dyn GitHub,
    job: &DocJob,
    pull: &Pull,
    text: &str,
    done: &mut Vec<Done>,
) -> Result<()> {
    let Pull {
        branch,
        title,
        body,
        message,
        request_review,
    } = pull;
    let (branch, title, body) = (branch.as_str(), title.as_str(), body.as_str());
    let path = &job.status.path;
    let base = gh.default_branch()?;
    let base_sha = gh.get_branch(&base)?.ok_or_else(|| {
        crate::Error::Internal(format!("the default branch {base} has no commit"))
    })?;
    let current = gh.get_branch(branch)?;
    // Rewrite the branch only when it is missing, or is dbarch's own commit on an older
    // default branch. A person's commit on it is never replaced; dbarch's commit on the
    // current default branch already holds what the document there needs (the only
    // difference would be today's date in a review row), so it is left as it is.
    let rewrite = match &current {
        None => true,
        Some(head) => {
            let c = gh.get_commit(head)?;
            if !c.message.contains(GENERATED) {
                done.push(Done {
                    path: path.clone(),
                    what: format!("left {branch} alone: it has commits by people"),
                    url: None,
                });
                false
            } else {
                c.parents != [base_sha.clone()]
            }
        }
    };
    if rewrite {
        let base_tree = gh.get_commit(&base_sha)?.tree;
        let blob = gh.create_blob(text.as_bytes())?;
        let tree = gh.create_tree(&base_tree, path, &blob)?;
        let msg = format!("{message}: {path}\n\n{GENERATED}\n");
        let commit = gh.create_commit(&msg, &tree, &[base_sha])?;
        match current {
            Some(_) => gh.update_branch(branch, &commit)?,
            None => gh.create_branch(branch, &commit)?,
        }
        done.push(Done {
            path: path.clone(),
            what: format!("committed {branch}"),
            url: None,
        });
    }
    let pulls = gh.list_pulls(branch)?;
    match pulls.iter().find(|p| p.state == IssueState::Open) {
        Some(p) => {
            if p.body != body || p.title != title {
                gh.update_pull(p.number, title, body)?;
                done.push(Done {
                    path: path.clone(),
                    what: format!("updated pull request #{}", p.number),
                    url: Some(p.url.clone()),
                });
            }
        }
        None => {
            let pr = match gh.create_pull(title, body, branch, &base) {
                Ok(pr) => pr,
                // It may have landed even though the call failed (and then still needs
                // its reviewers): look again.
                Err(e) => match gh
                    .list_pulls(branch)?
                    .into_iter()
                    .find(|p| p.state == IssueState::Open)
                {
                    Some(p) => p,
                    None => return Err(e),
                },
            };
            done.push(Done {
                path: path.clone(),
                what: format!("opened pull request #{}", pr.number),
                url: Some(pr.url.clone()),
            });
            if *request_review && !job.reviewers.is_empty() {
                let (teams, users): (Vec<String>, Vec<String>) = job
                    .reviewers
                    .iter()
                    .map(|r| r.trim_start_matches('@').to_string())
                    .partition(|r| r.contains('/'));
                let teams: Vec<String> = teams
                    .into_iter()
                    .filter_map(|t| t.split_once('/').map(|(_, slug)| slug.to_string()))
                    .collect();
                gh.request_reviewers(pr.number, &users, &teams)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
                drift: Vec::new(),
                schema: String::new(),
                placeholders: vec![("Backup Strategy".into(), 4, 4)],
            },
            reviewers: vec!["@ana".into(), "@acme/dba-team".into()],
            review_text: Some("# reviewed\n".into()),
            sync_text: None,
            sync_rows: 0,
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
