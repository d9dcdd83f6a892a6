//! The review pull request (the document with the review recorded, rebuilt from the
//! approvals) and the Change Log pull request (the unrecorded rows): a branch committed
//! through the Git Data API on top of the default branch, one open pull request from it,
//! and its reviewers (users and teams in separate calls; a refused one is recorded on
//! the pull request and not asked again). A person's commit on the branch is kept under
//! an open pull request of the same cycle; nothing is built when the default branch does
//! not hold the document this checkout has.
//!
//! [`observe`] reads a branch and its pull request; [`plan`] decides; [`commit`],
//! [`open`] and [`request`] are the apply steps with more than one call or a fallback.
use super::body::{self, GENERATED, UNREQUESTED_MARK};
use super::{Action, DocJob, Outcome, Report};
use crate::github::{Comment, GitCommit, GitHub, IssueState, PullRequest, Review};
use crate::Result;

/// The reviewers whose latest review (comments aside) approves, in the order of those
/// approvals, as `@login, @login`, and the latest approval's `submitted_at`; `None`
/// before any standing approval.
pub fn approvals(reviews: &[crate::github::Review]) -> Option<(String, String)> {
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

/// What GitHub holds of one of dbarch's branches.
#[derive(Clone, Debug, Default)]
pub(crate) struct Branch {
    /// The default branch, and its head.
    pub base: String,
    pub base_sha: String,
    /// The default branch's head's tree (what a new commit builds on).
    pub base_tree: String,
    /// The document on the default branch (read when the job has the checkout's).
    pub base_file: Option<Vec<u8>>,
    /// The branch's head and its commit; `None`: no such branch.
    pub head: Option<(String, GitCommit)>,
    /// The document on the branch's head (read when the head is dbarch's commit on the
    /// default branch's head).
    pub head_file: Option<Vec<u8>>,
    /// The open pull request from the branch.
    pub open: Option<PullRequest>,
    /// Its reviews and comments (read when its approvals or reviewers matter).
    pub reviews: Vec<Review>,
    pub comments: Vec<Comment>,
}

/// A pull request to keep: its branch, title, body, commit message, whether to request
/// the reviewers, and the marker of its review cycle (a person's commits on the branch
/// are kept only while the open pull request is of the same cycle).
pub(super) struct Pull {
    pub(super) branch: String,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) message: &'static str,
    pub(super) request_review: bool,
    pub(super) cycle: Option<String>,
}

/// Reads what [`plan`] needs of `pull`'s branch (`pulls`: the pull requests from it;
/// `text`: the document it should hold), and no more: the document on the branch only
/// when [`rewrites`] asks, the default branch's document and tree only when the branch
/// is rewritten, the reviews and comments only when reviewers may be asked.
pub(super) fn observe(
    gh: &mut dyn GitHub,
    job: &DocJob,
    pull: &Pull,
    pulls: &[PullRequest],
    text: &str,
) -> Result<Branch> {
    let path = &job.status.path;
    let base = gh.default_branch()?;
    let base_sha = gh.get_branch(&base)?.ok_or_else(|| crate::Error::Remote {
        status: None,
        message: format!(
            "GitHub: the default branch {base} of {} has no commit",
            gh.repo()
        ),
    })?;
    let head = match gh.get_branch(&pull.branch)? {
        Some(sha) => {
            let c = gh.get_commit(&sha)?;
            Some((sha, c))
        }
        None => None,
    };
    let open = pulls.iter().find(|p| p.state == IssueState::Open).cloned();
    let mut b = Branch {
        base_sha,
        base,
        head,
        open,
        ..Default::default()
    };
    let this = b.open.as_ref().is_some_and(|p| this_cycle(pull, p));
    if let Some(p) = &b.open {
        if job.approved.is_some() && this && pull.cycle.is_some() {
            b.reviews = gh.list_reviews(p.number)?;
        }
    }
    let approved = approved(job, pull, &b)?;
    let text = approved.as_ref().map_or(text, |(_, t)| t.as_str());
    if let Some((sha, c)) = &b.head {
        if c.message.contains(GENERATED)
            && c.parents == [b.base_sha.clone()]
            && (!this || approved.is_some())
        {
            b.head_file = gh.get_file(sha, path)?;
        }
    }
    let rewrite = rewrites(&b, this, approved.is_some(), text);
    if rewrite {
        if job.checkout.is_some() {
            b.base_file = gh.get_file(&b.base_sha, path)?;
        }
        if !moved(job, &b) {
            b.base_tree = gh.get_commit(&b.base_sha)?.tree;
        }
    }
    let left = rewrite && moved(job, &b);
    if let Some(p) = b.open.as_ref().filter(|_| !left && pull.request_review) {
        // The reviewers of an open pull request: asked unless they reviewed or a
        // comment records them as refused.
        let asks = to_ask(job, &p.requested_reviewers, &p.requested_teams);
        if !job.reviewers.is_empty() && !asks.is_empty() {
            if b.reviews.is_empty() {
                b.reviews = gh.list_reviews(p.number)?;
            }
            if !not_refused(asks, &b.reviews, &[]).is_empty() {
                b.comments = gh.list_comments(p.number)?;
            }
        }
    }
    Ok(b)
}

/// The review pull request of this cycle records its approvals: who approved, and the
/// document rebuilt from them; `None` before a standing approval.
fn approved(job: &DocJob, pull: &Pull, b: &Branch) -> Result<Option<(String, String)>> {
    let this = b.open.as_ref().is_some_and(|p| this_cycle(pull, p));
    match (&job.approved, &b.open) {
        (Some(rebuild), Some(_)) if this && pull.cycle.is_some() => match approvals(&b.reviews) {
            Some((who, at)) => Ok(Some((who.clone(), (rebuild.0)(&who, &at)?))),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// Whether the branch is rewritten to hold `text` (`this`: its open pull request is of
/// this cycle; `approved`: and approved): when it is missing; when it is dbarch's own
/// commit on an older default branch; and when nothing of this cycle is open from it (a
/// closed pull request's branch, a person's commit left on it included, starts again
/// from the default branch). A person's commit under this cycle's open pull request is
/// never replaced; dbarch's commit on the current default branch already holds what the
/// document there needs (the only difference would be today's date in a review row),
/// unless approved: then the branch must record the approvers and the approval's date.
fn rewrites(b: &Branch, this: bool, approved: bool, text: &str) -> bool {
    match &b.head {
        None => true,
        Some((_, c)) if !c.message.contains(GENERATED) => !this,
        Some((_, c)) if c.parents != [b.base_sha.clone()] => true,
        Some(_) if !this || approved => b.head_file.as_deref() != Some(text.as_bytes()),
        Some(_) => false,
    }
}

/// The default branch does not hold the document this checkout has: a commit built
/// from the checkout would undo what was merged after it.
fn moved(job: &DocJob, b: &Branch) -> bool {
    job.checkout
        .as_ref()
        .is_some_and(|local| b.base_file.as_deref() != Some(local.as_slice()))
}

/// The open pull request is of this cycle (a Change Log pull request has no cycle).
fn this_cycle(pull: &Pull, p: &PullRequest) -> bool {
    pull.cycle
        .as_ref()
        .is_none_or(|m| p.body.contains(m.as_str()))
}

/// The actions that keep a branch holding `text` at the document's path, based on the
/// default branch, and one open pull request from it (`new`: the number the plan gives
/// one it opens). Returns the open pull request's number.
pub(super) fn plan(
    job: &DocJob,
    pull: &Pull,
    text: &str,
    b: &Branch,
    new: u64,
    plan: &mut Vec<Action>,
) -> Result<Option<u64>> {
    let Pull {
        branch,
        title,
        body,
        message,
        request_review,
        cycle: _,
    } = pull;
    let path = &job.status.path;
    let open = b.open.as_ref();
    let this_cycle = open.is_some_and(|p| this_cycle(pull, p));
    let approved = approved(job, pull, b)?;
    let text = approved.as_ref().map_or(text, |(_, t)| t.as_str());
    if let (Some((_, c)), true) = (&b.head, this_cycle) {
        if !c.message.contains(GENERATED) {
            plan.push(Action::Report(Report::Note(format!(
                "left {branch} alone: it has commits by people"
            ))));
            if let (Some((who, _)), Some(p)) = (&approved, open) {
                plan.push(Action::Report(Report::Warning(format!(
                    "{path}: pull request #{} is approved by {who}, but {branch} has commits by people, so dbarch does not rewrite it: set Reviewed By and the review date on the branch before merging",
                    p.number
                ))));
            }
        }
    }
    if rewrites(b, this_cycle, approved.is_some(), text) {
        if moved(job, b) {
            let (base, sha) = (&b.base, &b.base_sha);
            plan.push(Action::Report(Report::Warning(format!(
                "{path}: the document on {base} ({}) is not the one this run checked out: {branch} is left as it is, so that it cannot undo that change; the next run (on a checkout of the newest {base}) builds it",
                &sha[..sha.len().min(12)]
            ))));
            return Ok(open.map(|p| p.number));
        }
        plan.push(Action::Commit {
            branch: branch.clone(),
            path: path.clone(),
            text: text.to_string(),
            message: format!("{message}: {path}\n\n{GENERATED}\n"),
            base_sha: b.base_sha.clone(),
            base_tree: b.base_tree.clone(),
            create: b.head.is_none(),
        });
    }
    let (number, asked) = match open {
        Some(p) => {
            if p.body != *body || p.title != *title {
                plan.push(Action::UpdatePull {
                    pull: p.number,
                    title: title.clone(),
                    body: body.clone(),
                    url: p.url.clone(),
                });
            }
            let asked = if *request_review {
                not_refused(
                    to_ask(job, &p.requested_reviewers, &p.requested_teams),
                    &b.reviews,
                    &b.comments,
                )
            } else {
                Asks::default()
            };
            (p.number, asked)
        }
        None => {
            plan.push(Action::OpenPull {
                number: new,
                title: title.clone(),
                body: body.clone(),
                branch: branch.clone(),
                base: b.base.clone(),
            });
            (new, to_ask(job, &[], &[]))
        }
    };
    if *request_review && !job.reviewers.is_empty() && !asked.is_empty() {
        plan.push(Action::RequestReviewers {
            pull: number,
            users: asked.users,
            teams: asked.teams,
        });
    }
    Ok(Some(number))
}

/// The reviewers to ask: users, and teams as `(org/slug, slug)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Asks {
    pub(super) users: Vec<String>,
    pub(super) teams: Vec<(String, String)>,
}

impl Asks {
    fn is_empty(&self) -> bool {
        self.users.is_empty() && self.teams.is_empty()
    }
}

/// The configured reviewers `pr` has not asked yet.
fn to_ask(job: &DocJob, requested_users: &[String], requested_teams: &[String]) -> Asks {
    let mut a = Asks::default();
    for r in &job.reviewers {
        let r = r.trim_start_matches('@');
        match r.split_once('/') {
            Some((_, slug)) => {
                if !requested_teams.iter().any(|t| t.eq_ignore_ascii_case(slug)) {
                    a.teams.push((r.to_string(), slug.to_string()));
                }
            }
            None => {
                if !requested_users.iter().any(|u| u.eq_ignore_ascii_case(r)) {
                    a.users.push(r.to_string());
                }
            }
        }
    }
    a
}

/// `a` without the users who already reviewed, without teams once the pull request has a
/// review, and without whoever a comment records as refused ([`UNREQUESTED_MARK`]).
fn not_refused(mut a: Asks, reviews: &[Review], comments: &[Comment]) -> Asks {
    a.users
        .retain(|u| !reviews.iter().any(|r| r.login.eq_ignore_ascii_case(u)));
    if !reviews.is_empty() {
        a.teams.clear();
    }
    let refused = refused(comments);
    a.users
        .retain(|u| !refused.contains(&u.to_ascii_lowercase()));
    a.teams
        .retain(|(t, _)| !refused.contains(&t.to_ascii_lowercase()));
    a
}

/// The reviewers the comments record as refused, lowercased.
fn refused(comments: &[Comment]) -> Vec<String> {
    comments
        .iter()
        .flat_map(|c| {
            c.body
                .lines()
                .filter_map(|l| l.trim().strip_prefix(UNREQUESTED_MARK))
                .filter_map(|l| l.strip_suffix("-->"))
                .map(|l| l.trim().trim_start_matches('@').to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Commits `text` at `path` on top of the default branch's head and points `branch` at
/// it (created when `create`). Four calls: blob, tree, commit, ref.
pub(super) fn commit(gh: &mut dyn GitHub, a: &Action) -> Result<()> {
    let Action::Commit {
        branch,
        path,
        text,
        message,
        base_sha,
        base_tree,
        create,
    } = a
    else {
        return Ok(());
    };
    let blob = gh.create_blob(text.as_bytes())?;
    let tree = gh.create_tree(base_tree, path, &blob)?;
    let commit = gh.create_commit(message, &tree, std::slice::from_ref(base_sha))?;
    if *create {
        gh.create_branch(branch, &commit)
    } else {
        gh.update_branch(branch, &commit)
    }
}

/// Opens a pull request. A create call that failed may still have landed: the list is
/// read again and, when it did, the run goes on with it (`false`: found again, not
/// created, so its reviewers are checked against it as for any open one).
pub(super) fn open(
    gh: &mut dyn GitHub,
    (title, body, branch, base): (&str, &str, &str, &str),
) -> Result<(PullRequest, bool)> {
    match gh.create_pull(title, body, branch, base) {
        Ok(pr) => Ok((pr, true)),
        Err(e) => match gh
            .list_pulls(branch)?
            .into_iter()
            .find(|p| p.state == IssueState::Open)
        {
            Some(p) => Ok((p, false)),
            None => Err(e),
        },
    }
}

/// Asks `asked` to review pull request `number` (`found`: a pull request whose create
/// call failed but landed, checked first against what it holds, as the plan does for an
/// open one, instead of `asked`):
/// users and teams in separate calls (the job token cannot request teams, and one
/// refused name fails the whole call). A reviewer GitHub refuses (422) is named in a
/// warning and in a comment on the pull request, which keeps later runs from asking
/// again.
pub(super) fn request(
    gh: &mut dyn GitHub,
    job: &DocJob,
    number: u64,
    asked: Asks,
    found: Option<&PullRequest>,
    out: &mut Outcome,
) -> Result<()> {
    let asked = if let Some(pr) = found {
        let a = to_ask(job, &pr.requested_reviewers, &pr.requested_teams);
        if a.is_empty() {
            return Ok(());
        }
        let reviews = gh.list_reviews(pr.number)?;
        let a = not_refused(a, &reviews, &[]);
        if a.is_empty() {
            return Ok(());
        }
        not_refused(a, &[], &gh.list_comments(pr.number)?)
    } else {
        asked
    };
    let Asks { users, teams } = asked;
    let mut refused: Vec<(String, bool, String)> = Vec::new();
    let users: Vec<(String, String)> = users.into_iter().map(|u| (u.clone(), u)).collect();
    ask(gh, number, &users, false, &mut refused)?;
    ask(gh, number, &teams, true, &mut refused)?;
    if refused.is_empty() {
        return Ok(());
    }
    let path = &job.status.path;
    let (warnings, comment) = body::refused_reviewers(path, gh.repo(), number, &refused);
    out.warnings.extend(warnings);
    gh.create_comment(number, &comment)?;
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
        let r = |login: &str, state: &str, at: &str| crate::github::Review {
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
}
