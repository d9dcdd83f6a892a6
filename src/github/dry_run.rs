//! `--dry-run`: reads go to the real client (or, without a token, to an empty in-memory
//! repository, and the output says so); writes are only recorded, as the REST calls
//! they would be, and answered with placeholders so the run can go on.
use super::{
    Comment, GitCommit, GitHub, Issue, IssueFields, IssueState, PullRequest, RepoId, Review,
};
use crate::Result;

pub struct DryRun<'a> {
    inner: &'a mut dyn GitHub,
    /// `METHOD /path — what`, in order.
    pub calls: Vec<String>,
    next: u64,
}

impl<'a> DryRun<'a> {
    pub fn new(inner: &'a mut dyn GitHub) -> DryRun<'a> {
        DryRun {
            inner,
            calls: Vec::new(),
            next: 100_000,
        }
    }

    fn record(&mut self, method: &str, path: &str, what: &str) {
        let r = self.inner.repo().clone();
        self.calls
            .push(format!("{method} /repos/{r}{path} — {what}"));
    }

    fn fake_sha(&mut self) -> String {
        self.next += 1;
        format!("{:040x}", self.next)
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
        self.inner.list_reviews(number)
    }
    fn create_issue(
        &mut self,
        title: &str,
        body: &str,
        labels: &[String],
        assignees: &[String],
    ) -> Result<Issue> {
        self.record(
            "POST",
            "/issues",
            &format!("open issue {title:?} labels {labels:?} assignees {assignees:?}"),
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
        self.record("PATCH", &format!("/issues/{number}"), &what.join(", "));
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
        if number >= 100_000 {
            return Ok(Vec::new()); // an issue this dry run only pretended to open
        }
        self.inner.list_comments(number)
    }
    fn create_comment(&mut self, number: u64, body: &str) -> Result<()> {
        let first = body.lines().find(|l| !l.starts_with("<!--")).unwrap_or("");
        self.record(
            "POST",
            &format!("/issues/{number}/comments"),
            &crate::ui::one_line(first),
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
        self.record("POST", "/pulls", &format!("{title:?} {head} → {base}"));
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
    fn update_pull(&mut self, number: u64, _title: &str, _body: &str) -> Result<()> {
        self.record("PATCH", &format!("/pulls/{number}"), "title and body");
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
