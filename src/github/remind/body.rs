//! The text dbarch writes on GitHub and finds again: the marked block of a review issue
//! (and of a review pull request's body), the comments (closed, superseded, overdue,
//! refused reviewers), the pull request bodies, the hidden markers that identify an
//! issue, a comment or a commit as dbarch's, and the splice that rewrites only the block.
//!
//! Text from commits and documents is made table- and HTML-safe
//! ([`crate::doc::table::escape_cell`]) before it goes into a body.
use chrono::NaiveDate;

use super::DocJob;
use crate::github::RepoId;
use crate::status::DocStatus;

pub const BLOCK_END: &str = "<!-- /dbarch:review -->";

pub const OVERDUE_MARK: &str = "<!-- dbarch:overdue -->";

pub const CLOSED_MARK: &str = "<!-- dbarch:reviewed -->";

pub const SUPERSEDED_MARK: &str = "<!-- dbarch:superseded -->";

/// The trailer on the commits dbarch makes for its branches: a branch whose head lacks
/// it has a person's commit and is not rewritten.
pub const GENERATED: &str = "Generated-by: dbarch";

/// `1 day`, `2 days`: `n` with the singular or the plural word.
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn marker(path: &str, due: Option<NaiveDate>) -> String {
    match due {
        Some(d) => format!("<!-- dbarch:review path={path} due={d} -->"),
        None => format!("<!-- dbarch:review path={path} due=none -->"),
    }
}

pub(super) fn path_marker(path: &str) -> String {
    format!("<!-- dbarch:review path={path} ")
}

/// The marker line of a comment on a pull request that records a reviewer GitHub refused
/// (`<!-- dbarch:unrequested @login -->`): that reviewer is not asked again.
pub const UNREQUESTED_MARK: &str = "<!-- dbarch:unrequested ";

/// The comment that closes a review issue once the review is recorded.
pub(super) fn closed_comment(st: &DocStatus) -> String {
    format!(
        "{CLOSED_MARK}\nThe review of `{}` is recorded (Last Updated {}, Reviewed By {}); the next review is due {}. Closing.",
        st.path,
        st.last_updated.as_deref().unwrap_or("-"),
        st.reviewed_by.as_deref().unwrap_or("-"),
        st.next_review.map_or("-".into(), |d| d.to_string())
    )
}

/// The comment that closes an issue of an older cycle in favour of issue `n`.
pub(super) fn superseded_comment(st: &DocStatus, n: u64) -> String {
    format!(
        "{SUPERSEDED_MARK}\nSuperseded by #{n}: the Next Review date of `{}` is now {}.",
        st.path,
        st.next_review.map_or("-".into(), |d| d.to_string())
    )
}

/// The one comment on an issue whose review is overdue, naming the reviewers.
pub(super) fn overdue_comment(job: &DocJob) -> String {
    let (st, path) = (&job.status, &job.status.path);
    let days = st.days_left.map_or(String::new(), |d| {
        format!(" ({} past Next Review)", count(-d, "day", "days"))
    });
    let who = if job.reviewers.is_empty() {
        String::new()
    } else {
        format!("{} ", job.reviewers.join(" "))
    };
    format!("{OVERDUE_MARK}\n{who}The review of `{path}` is now **overdue**{days}. Please review it and run `dbarch review {path}`.")
}

/// The review pull request's body: the block, the review issue (`issue`), what merging
/// does.
pub(super) fn review_pull_body(job: &DocJob, issue: Option<u64>) -> String {
    let link = issue.map_or(String::new(), |n| format!("**Review issue:** #{n}\n\n"));
    format!(
        "{}\n\n{link}Merging this pull request records the review: it sets Reviewed By, Last Updated and Next Review and adds a Review row. Reviewed By and the review date are filled in from the approvals: on the run after an approval, dbarch rebuilds this branch with Reviewed By = the reviewers who approved and the review date = the date of the latest approval (Next Review follows from it); until then they hold the requested reviewers and the date the branch was built. Edit the document on this branch if the review changes it (dbarch then leaves the branch, and the record, to you).\n",
        block(job)
    )
}

/// The Change Log pull request's body.
pub(super) fn sync_pull_body(path: &str) -> String {
    format!(
        "The default branch has commits that changed `{path}` without a Change Log row (web-editor edits, or clones without the dbarch hook). This pull request adds the rows; `dbarch sync` made them.\n\n<!-- dbarch:sync path={path} -->\n",
    )
}

/// The reviewers GitHub refused to request on pull request `number` (`(login, team,
/// GitHub's message)`): a warning each, and the comment that records them
/// ([`UNREQUESTED_MARK`]) so that later runs do not ask again.
pub(super) fn refused_reviewers(
    path: &str,
    repo: &RepoId,
    number: u64,
    refused: &[(String, bool, String)],
) -> (Vec<String>, String) {
    let mut warnings = Vec::new();
    let mut comment = String::new();
    for (who, _, _) in refused {
        comment.push_str(&format!("{UNREQUESTED_MARK}@{who} -->\n"));
    }
    for (who, team, why) in refused {
        let (fix, short) = if *team {
            (format!("the workflow's job token (GITHUB_TOKEN) cannot request team reviews: pass a GitHub App token (or a token of a user who can see the team) as the action's `token:`, or list the team's members in `reviewers` of `{path}` in dbarch.toml"),
             "team reviews cannot be requested with this token")
        } else {
            (format!("only collaborators of {repo} can be asked: give `@{who}` access, or remove them from `reviewers` of `{path}` in dbarch.toml"),
             "not a collaborator of the repository")
        };
        warnings.push(format!(
            "{path}: pull request #{number}: GitHub refused to request a review from `@{who}` ({why}): {fix}"
        ));
        comment.push_str(&format!(
            "dbarch could not request a review from `@{who}` ({short}); it will not ask again for this pull request.\n"
        ));
    }
    (warnings, comment)
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
    if job.never_reviewed {
        out.push_str("### Changes since the document began (no review on record)\n");
    } else {
        out.push_str("### Changes since the last review\n");
    }
    if job.changes.is_empty() {
        out.push_str("- none\n");
    }
    for c in job.changes.iter().take(30) {
        out.push_str(&format!(
            "- `{}` {} {} — {}\n",
            c.commit,
            c.date.format("%Y-%m-%d"),
            clean(&c.author),
            clean(&c.subject)
        ));
    }
    if job.changes.len() > 30 {
        out.push_str(&format!("- … and {} more\n", job.changes.len() - 30));
    }
    if !s.unrecorded.is_empty() {
        out.push_str(&format!(
            "\n{} not in the Change Log yet (`dbarch sync`).\n",
            count(s.unrecorded.len() as i64, "commit is", "commits are")
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
    if !s.placeholder_sections.is_empty() {
        out.push_str("\n### Unfilled placeholders\n");
        for g in s.placeholder_sections.iter().take(40) {
            out.push_str(&format!(
                "- {}: {} of {}\n",
                clean(&g.section),
                g.unfilled,
                count(g.lines as i64, "line", "lines")
            ));
        }
        if s.placeholder_sections.len() > 40 {
            out.push_str(&format!(
                "- … and {} more sections\n",
                s.placeholder_sections.len() - 40
            ));
        }
    }
    out.push_str(&schema_block(&job.schema));
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
fn schema_block(schema: &str) -> String {
    if schema.is_empty() {
        String::new()
    } else {
        format!("\n{}", schema.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
