//! The review issue of a document and cycle: found again by its marker, opened (without
//! the assignees GitHub refuses), labelled, its marked block kept up to date, reopened
//! while due, escalated once when overdue, closed when the review is recorded or a newer
//! cycle's issue supersedes it. Only issues by the trusted identity are touched.
//!
//! [`observe`] reads what [`plan`] needs (the issues list, the comments of the issues it
//! may comment on); [`plan`] decides, on a simulation of those issues, so that the second
//! pass of mode `both` (the issue naming a new pull request) sees the first pass's
//! actions; [`open`] is the one apply step with fallbacks of its own.
use std::collections::BTreeMap;

use super::body::{
    self, marker, path_marker, splice_block, CLOSED_MARK, OVERDUE_MARK, SUPERSEDED_MARK,
};
use super::{block_with, Action, DocJob, Observed, Outcome, Report, Settings, ANY_BOT, NEW_ISSUE};
use crate::github::{GitHub, Issue, IssueState};
use crate::review::State;
use crate::Result;

fn trusts(trusted: &str, author: &str) -> bool {
    if trusted == ANY_BOT {
        author.ends_with("[bot]")
    } else {
        author.eq_ignore_ascii_case(trusted)
    }
}

/// The issues list, read once per run: first narrowed (labels, creator), the whole list
/// only when a document's issue is not in the narrow one.
pub(super) struct Issues {
    pub(super) list: Option<Vec<Issue>>,
    pub(super) full: bool,
}

impl Issues {
    pub(super) fn trusted(s: &Settings, list: Vec<Issue>) -> Vec<Issue> {
        list.into_iter()
            .filter(|i| s.trusted.as_ref().is_none_or(|t| trusts(t, &i.author)))
            .collect()
    }

    pub(super) fn get(&mut self, gh: &mut dyn GitHub, s: &Settings) -> Result<&mut Vec<Issue>> {
        if self.list.is_none() {
            let list = gh.list_issues_by(&s.labels, s.creator.as_deref())?;
            self.list = Some(Self::trusted(s, list));
        }
        Ok(self.list.as_mut().expect("listed"))
    }

    /// The whole list (an issue whose label a person removed, a server that does not
    /// filter by creator), once per run.
    pub(super) fn widen(&mut self, gh: &mut dyn GitHub, s: &Settings) -> Result<bool> {
        if self.full || (s.labels.is_empty() && s.creator.is_none()) {
            return Ok(false);
        }
        self.full = true;
        let list = gh.list_issues_by(&[], None)?;
        self.list = Some(Self::trusted(s, list));
        Ok(true)
    }
}

/// Reads the issues list (widened when this document's issue is not in the narrow one)
/// and the comments of the issues the plan may comment on (see [`commented`]) into
/// `seen`.
pub(super) fn observe(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    all: &mut Issues,
    seen: &mut Observed,
) -> Result<()> {
    let st = &job.status;
    let mark = marker(&st.path, st.next_review);
    let attention = st.state.is_some_and(|x| x.needs_attention());
    if attention && !all.get(gh, s)?.iter().any(|i| i.body.contains(&mark)) {
        all.widen(gh, s)?;
    }
    seen.issues = all.get(gh, s)?.clone();
    for n in commented(job, &seen.issues) {
        let comments = gh.list_comments(n)?;
        seen.comments
            .insert(n, comments.into_iter().map(|c| c.body).collect());
    }
    Ok(())
}

/// The issues whose comments the plan reads: the open ones of the document it closes
/// (reviewed: all of them; due: those of older cycles) and, overdue, this cycle's issue.
fn commented(job: &DocJob, issues: &[Issue]) -> Vec<u64> {
    let st = &job.status;
    let (path, mark) = (&st.path, marker(&st.path, st.next_review));
    let open_of_doc =
        |i: &&Issue| i.state == IssueState::Open && i.body.contains(&path_marker(path));
    if !st.state.is_some_and(|x| x.needs_attention()) {
        return issues
            .iter()
            .filter(open_of_doc)
            .map(|i| i.number)
            .collect();
    }
    let existing = issues.iter().find(|i| i.body.contains(&mark));
    if existing.is_some_and(not_planned) {
        return Vec::new();
    }
    let mut out: Vec<u64> = issues
        .iter()
        .filter(open_of_doc)
        .filter(|i| !i.body.contains(&mark) && Some(i.number) != existing.map(|e| e.number))
        .map(|i| i.number)
        .collect();
    if st.state == Some(State::Overdue) {
        out.extend(existing.map(|e| e.number));
    }
    out
}

fn not_planned(i: &Issue) -> bool {
    i.state == IssueState::Closed && i.state_reason.as_deref() == Some("not_planned")
}

/// What the plan knows of the issues: as observed, then as its own actions leave them.
pub(super) struct Sim {
    issues: Vec<Issue>,
    /// Comment bodies by issue number.
    comments: BTreeMap<u64, Vec<String>>,
}

impl Sim {
    pub(super) fn new(seen: &Observed) -> Sim {
        Sim {
            issues: seen.issues.clone(),
            comments: seen.comments.clone(),
        }
    }

    fn commented(&self, n: u64, mark: &str) -> bool {
        self.comments
            .get(&n)
            .is_some_and(|c| c.iter().any(|b| b.contains(mark)))
    }

    fn set_state(&mut self, n: u64, state: IssueState) {
        if let Some(i) = self.issues.iter_mut().find(|i| i.number == n) {
            i.state = state;
        }
    }
}

/// The actions that keep the document's review issue right (`pull`: the review pull
/// request it names). Returns the issue's number ([`NEW_ISSUE`] for one this plan opens).
pub(super) fn plan(
    job: &DocJob,
    s: &Settings,
    sim: &mut Sim,
    pull: Option<u64>,
    plan: &mut Vec<Action>,
) -> Option<u64> {
    let st = &job.status;
    let path = &st.path;
    let mark = marker(path, st.next_review);
    if !st.state.is_some_and(|x| x.needs_attention()) {
        // Reviewed (or not yet due): close what is still open for this document.
        let open: Vec<u64> = sim
            .issues
            .iter()
            .filter(|i| i.state == IssueState::Open && i.body.contains(&path_marker(path)))
            .map(|i| i.number)
            .collect();
        let msg = body::closed_comment(st);
        for n in open {
            close_with_comment(
                sim,
                n,
                CLOSED_MARK,
                &msg,
                format!("closed issue #{n} (review recorded)"),
                plan,
            );
        }
        return None;
    }
    let link = pull.map_or(String::new(), |n| {
        format!("**Review pull request:** #{n}\n\n")
    });
    let wanted_block = block_with(job, &link);
    let existing = sim.issues.iter().find(|i| i.body.contains(&mark)).cloned();
    if let Some(i) = existing.as_ref().filter(|i| not_planned(i)) {
        // Closed as not planned by a person: respected until the next cycle.
        plan.push(Action::Report(Report::Note(format!(
            "issue #{} was closed as not planned: left closed until the next review cycle",
            i.number
        ))));
        return Some(i.number);
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
            plan.push(Action::OpenIssue {
                title: title.clone(),
                body: body.clone(),
                labels: s.labels.clone(),
                assignees: assignees.clone(),
                mark: mark.clone(),
            });
            let created = Issue {
                number: NEW_ISSUE,
                title,
                body,
                state: IssueState::Open,
                labels: s.labels.clone(),
                assignees,
                url: String::new(),
                author: String::new(),
                state_reason: None,
            };
            sim.issues.push(created.clone());
            created
        }
    };
    let n = issue.number;
    let url = Some(issue.url.clone()).filter(|_| n != NEW_ISSUE);
    // The Next Review date moved (postponed, or a review made it due again): the issues
    // of the old dates give way to this one.
    let stale: Vec<u64> = sim
        .issues
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
        let msg = body::superseded_comment(st, n);
        close_with_comment(
            sim,
            old,
            SUPERSEDED_MARK,
            &msg,
            format!("closed issue #{old} (superseded by #{n})"),
            plan,
        );
    }
    let missing: Vec<String> = s
        .labels
        .iter()
        .filter(|l| !issue.labels.contains(l))
        .cloned()
        .collect();
    if !missing.is_empty() {
        plan.push(Action::AddLabels {
            issue: n,
            labels: missing,
            url: url.clone(),
        });
        if let Some(i) = sim.issues.iter_mut().find(|i| i.number == n) {
            i.labels = s.labels.clone();
        }
    }
    let new_body = splice_block(&issue.body, &mark, &wanted_block);
    let body = Some(new_body).filter(|b| *b != issue.body);
    let reopen = issue.state == IssueState::Closed;
    if body.is_some() || reopen {
        if let Some(i) = sim.issues.iter_mut().find(|i| i.number == n) {
            if let Some(b) = &body {
                i.body = b.clone();
            }
            i.state = IssueState::Open;
        }
        plan.push(Action::UpdateIssue {
            issue: n,
            body,
            reopen,
        });
    }
    if st.state == Some(State::Overdue) && !sim.commented(n, OVERDUE_MARK) {
        let body = body::overdue_comment(job);
        sim.comments.entry(n).or_default().push(body.clone());
        plan.push(Action::Comment {
            issue: n,
            body,
            done: Some((format!("escalated issue #{n} (overdue)"), url)),
        });
    }
    Some(n)
}

/// Comments (once: a comment carrying `mark` whose response was lost is not posted
/// again) and closes an issue.
fn close_with_comment(
    sim: &mut Sim,
    n: u64,
    mark: &str,
    msg: &str,
    done: String,
    plan: &mut Vec<Action>,
) {
    if !sim.commented(n, mark) {
        sim.comments.entry(n).or_default().push(msg.to_string());
        plan.push(Action::Comment {
            issue: n,
            body: msg.to_string(),
            done: None,
        });
    }
    sim.set_state(n, IssueState::Closed);
    plan.push(Action::CloseIssue { issue: n, done });
}

/// Opens the issue of [`Action::OpenIssue`] (see [`create`]). A create call that failed
/// may still have landed: the whole list is read again and, when it holds the issue
/// (found by `mark`), the run goes on with it.
pub(super) fn open(
    gh: &mut dyn GitHub,
    job: &DocJob,
    s: &Settings,
    all: &mut Issues,
    (title, body, labels, assignees, mark): (&str, &str, &[String], &[String], &str),
    out: &mut Outcome,
) -> Result<Issue> {
    let created = match create(gh, job, title, body, labels, assignees, out) {
        Ok(i) => i,
        Err(e) => {
            let again = Issues::trusted(s, gh.list_issues_by(&[], None)?);
            all.list = Some(again);
            all.full = true;
            match all.get(gh, s)?.iter().find(|i| i.body.contains(mark)) {
                Some(i) => i.clone(),
                None => return Err(e),
            }
        }
    };
    let issues = all.get(gh, s)?;
    if !issues.iter().any(|i| i.number == created.number) {
        issues.push(created.clone());
    }
    Ok(created)
}

/// Opens an issue; when GitHub refuses an assignee (422 `assignees`), names the ones that
/// cannot be assigned and opens it without them.
fn create(
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

/// Puts `updated` in place of the issue of its number in `issues`.
pub(super) fn replace(issues: &mut [Issue], updated: Issue) {
    if let Some(i) = issues.iter_mut().find(|i| i.number == updated.number) {
        *i = updated;
    }
}
