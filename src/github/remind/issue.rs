//! The review issue of a document and cycle: found again by its marker, opened (without
//! the assignees GitHub refuses), labelled, its marked block kept up to date, reopened
//! while due, escalated once when overdue, closed when the review is recorded or a newer
//! cycle's issue supersedes it. Only issues by the trusted identity are touched.
use super::body::{
    count, marker, path_marker, splice_block, CLOSED_MARK, OVERDUE_MARK, SUPERSEDED_MARK,
};
use super::{block_with, Checked, DocJob, Done, Outcome, Settings, ANY_BOT};
use crate::github::{GitHub, Issue, IssueFields, IssueState};
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

/// Opens an issue; when GitHub refuses an assignee (422 `assignees`), names the ones that
/// cannot be assigned and opens it without them.
pub(super) fn create_issue(
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

pub(super) fn issue_for(
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
