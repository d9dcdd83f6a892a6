//! The review pull request (the document with the review recorded, rebuilt from the
//! approvals) and the Change Log pull request (the unrecorded rows): a branch committed
//! through the Git Data API on top of the default branch, one open pull request from it,
//! and its reviewers (users and teams in separate calls; a refused one is recorded on
//! the pull request and not asked again). A person's commit on the branch is kept under
//! an open pull request of the same cycle; nothing is built when the default branch does
//! not hold the document this checkout has.
use super::body::{GENERATED, UNREQUESTED_MARK};
use super::{Checked, DocJob, Done, Outcome};
use crate::github::{GitHub, IssueState, PullRequest};
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

/// Closes the open pull requests from one of dbarch's branches.
pub(super) fn close_pulls(
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

/// Keeps a branch holding `text` at the document's path, based on the default branch,
/// and one open pull request from it. Returns the open pull request's number.
pub(super) fn pull_for(
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
