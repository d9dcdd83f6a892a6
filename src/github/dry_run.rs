//! `--dry-run`: reads go to the real client (or, without a token, to an empty in-memory
//! repository, and the output says so); writes are only recorded, as the REST calls
//! they would be, and answered with placeholders so the run can go on.
//!
//! Nothing is invented where a user would see it: the issues and pull requests a dry run
//! pretends to open get numbers from [`INVENTED`] up, which [`show`] prints as `(new)`;
//! with no repository known, calls name `{owner}/{repo}` and the output says so.
use super::{
    Comment, GitCommit, GitHub, Issue, IssueFields, IssueState, PullRequest, RepoId, Review,
};
use crate::Result;

/// The first number a dry run gives what it pretends to create (2^53: no real issue
/// number comes near it).
pub const INVENTED: u64 = 1 << 53;

/// Whether `n` is a number a dry run made up.
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

pub struct DryRun<'a> {
    inner: &'a mut dyn GitHub,
    /// `METHOD /path — what`, in order.
    pub calls: Vec<String>,
    /// The body each call would post (an issue's, a pull request's, a comment's), by
    /// the index of its call.
    pub bodies: Vec<Option<String>>,
    /// No repository is known (offline, neither GITHUB_REPOSITORY nor an origin remote):
    /// calls name `{owner}/{repo}` instead of a made-up one.
    pub unknown_repo: bool,
    next: u64,
    sha: u64,
}

impl<'a> DryRun<'a> {
    pub fn new(inner: &'a mut dyn GitHub) -> DryRun<'a> {
        DryRun {
            inner,
            calls: Vec::new(),
            bodies: Vec::new(),
            unknown_repo: false,
            next: INVENTED,
            sha: 0,
        }
    }

    fn record(&mut self, method: &str, path: &str, what: &str) {
        let r = if self.unknown_repo {
            "{owner}/{repo}".to_string()
        } else {
            self.inner.repo().to_string()
        };
        self.calls
            .push(format!("{method} /repos/{r}{path} — {what}"));
        self.bodies.push(None);
    }

    /// [`Self::record`] of a call that posts `body`.
    fn record_body(&mut self, method: &str, path: &str, what: &str, body: &str) {
        self.record(method, path, what);
        if let Some(last) = self.bodies.last_mut() {
            *last = Some(body.to_string());
        }
    }

    fn fake_sha(&mut self) -> String {
        self.sha += 1;
        format!("{:040x}", self.sha)
    }
}

impl GitHub for DryRun<'_> {
    fn repo(&self) -> &RepoId {
        self.inner.repo()
    }
    fn default_branch(&mut self) -> Result<String> {
        self.inner.default_branch()
    }
    fn list_issues(&mut self, labels: &[String]) -> Result<Vec<Issue>> {
        self.inner.list_issues(labels)
    }
    fn list_issues_by(&mut self, labels: &[String], creator: Option<&str>) -> Result<Vec<Issue>> {
        self.inner.list_issues_by(labels, creator)
    }
    fn viewer(&mut self) -> Result<Option<String>> {
        self.inner.viewer()
    }
    fn is_assignable(&mut self, login: &str) -> Result<bool> {
        self.inner.is_assignable(login)
    }
    fn list_reviews(&mut self, number: u64) -> Result<Vec<Review>> {
        if invented(number) {
            return Ok(Vec::new()); // a pull request this dry run only pretended to open
        }
        self.inner.list_reviews(number)
    }
    fn create_issue(
        &mut self,
        title: &str,
        body: &str,
        labels: &[String],
        assignees: &[String],
    ) -> Result<Issue> {
        self.record_body(
            "POST",
            "/issues",
            &format!("open issue {title:?} labels {labels:?} assignees {assignees:?}"),
            body,
        );
        self.next += 1;
        Ok(Issue {
            number: self.next,
            title: title.into(),
            body: body.into(),
            state: IssueState::Open,
            labels: labels.to_vec(),
            assignees: assignees.to_vec(),
            url: "(dry run)".into(),
            author: String::new(),
            state_reason: None,
        })
    }
    fn update_issue(&mut self, number: u64, f: &IssueFields) -> Result<Issue> {
        let mut what = Vec::new();
        if f.body.is_some() {
            what.push("body");
        }
        if let Some(s) = f.state {
            what.push(if s == IssueState::Open {
                "reopen"
            } else {
                "close"
            });
        }
        let path = format!("/issues/{number}");
        match &f.body {
            Some(body) => self.record_body("PATCH", &path, &what.join(", "), body),
            None => self.record("PATCH", &path, &what.join(", ")),
        }
        Ok(Issue {
            number,
            title: f.title.clone().unwrap_or_default(),
            body: f.body.clone().unwrap_or_default(),
            state: f.state.unwrap_or(IssueState::Open),
            labels: Vec::new(),
            assignees: Vec::new(),
            url: "(dry run)".into(),
            author: String::new(),
            state_reason: None,
        })
    }
    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<()> {
        self.record(
            "POST",
            &format!("/issues/{number}/labels"),
            &format!("{labels:?}"),
        );
        Ok(())
    }
    fn list_comments(&mut self, number: u64) -> Result<Vec<Comment>> {
        if invented(number) {
            return Ok(Vec::new()); // an issue this dry run only pretended to open
        }
        self.inner.list_comments(number)
    }
    fn create_comment(&mut self, number: u64, body: &str) -> Result<()> {
        let first = body.lines().find(|l| !l.starts_with("<!--")).unwrap_or("");
        self.record_body(
            "POST",
            &format!("/issues/{number}/comments"),
            &crate::ui::one_line(first),
            body,
        );
        Ok(())
    }
    fn get_branch(&mut self, branch: &str) -> Result<Option<String>> {
        self.inner.get_branch(branch)
    }
    fn get_file(&mut self, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>> {
        self.inner.get_file(git_ref, path)
    }
    fn get_commit(&mut self, commit: &str) -> Result<GitCommit> {
        self.inner.get_commit(commit)
    }
    fn create_blob(&mut self, content: &[u8]) -> Result<String> {
        self.record("POST", "/git/blobs", &format!("{} bytes", content.len()));
        Ok(self.fake_sha())
    }
    fn create_tree(&mut self, _base: &str, path: &str, _blob: &str) -> Result<String> {
        self.record("POST", "/git/trees", path);
        Ok(self.fake_sha())
    }
    fn create_commit(&mut self, message: &str, _tree: &str, _parents: &[String]) -> Result<String> {
        self.record("POST", "/git/commits", message);
        Ok(self.fake_sha())
    }
    fn create_branch(&mut self, branch: &str, _sha: &str) -> Result<()> {
        self.record("POST", "/git/refs", &format!("refs/heads/{branch}"));
        Ok(())
    }
    fn update_branch(&mut self, branch: &str, _sha: &str) -> Result<()> {
        self.record(
            "PATCH",
            &format!("/git/refs/heads/{branch}"),
            "move the branch",
        );
        Ok(())
    }
    fn list_pulls(&mut self, branch: &str) -> Result<Vec<PullRequest>> {
        self.inner.list_pulls(branch)
    }
    fn create_pull(
        &mut self,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
    ) -> Result<PullRequest> {
        self.record_body(
            "POST",
            "/pulls",
            &format!("{title:?} {head} → {base}"),
            body,
        );
        self.next += 1;
        Ok(PullRequest {
            number: self.next,
            title: title.into(),
            body: body.into(),
            head: head.into(),
            state: IssueState::Open,
            url: "(dry run)".into(),
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
        })
    }
    fn update_pull(&mut self, number: u64, _title: &str, body: &str) -> Result<()> {
        self.record_body("PATCH", &format!("/pulls/{number}"), "title and body", body);
        Ok(())
    }
    fn close_pull(&mut self, number: u64) -> Result<()> {
        self.record("PATCH", &format!("/pulls/{number}"), "close");
        Ok(())
    }
    fn request_reviewers(&mut self, number: u64, users: &[String], teams: &[String]) -> Result<()> {
        self.record(
            "POST",
            &format!("/pulls/{number}/requested_reviewers"),
            &format!("users {users:?} teams {teams:?}"),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_numbers_are_shown_as_new_and_real_ones_kept() {
        let n = INVENTED + 1;
        assert_eq!(
            show(&format!(
                "opened issue #{n}; PATCH /repos/a/b/issues/{n}/comments #12 /7"
            )),
            "opened issue #(new); PATCH /repos/a/b/issues/(new)/comments #12 /7"
        );
        assert_eq!(show("# héllo / #"), "# héllo / #");
    }
}
