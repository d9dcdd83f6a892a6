//! GitHub in memory: the same [`GitHub`] trait over plain collections, for unit tests of
//! the reminder logic. It counts writes, so a test can assert that a run with nothing
//! new makes none.
use std::collections::BTreeMap;

use super::{Comment, GitCommit, GitHub, Issue, IssueFields, IssueState, PullRequest, RepoId};
use crate::{Error, Result};

#[derive(Debug)]
pub struct Memory {
    pub repo: RepoId,
    pub default_branch: String,
    pub issues: Vec<Issue>,
    pub comments: BTreeMap<u64, Vec<Comment>>,
    /// branch → commit sha
    pub branches: BTreeMap<String, String>,
    /// commit sha → (tree sha, parents, message)
    pub commits: BTreeMap<String, (String, Vec<String>, String)>,
    /// tree sha → path → bytes (whole snapshots: enough for one-file edits)
    pub trees: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    pub blobs: BTreeMap<String, Vec<u8>>,
    pub pulls: Vec<PullRequest>,
    pub requested: BTreeMap<u64, (Vec<String>, Vec<String>)>,
    pub writes: Vec<String>,
    next_id: u64,
}

impl Memory {
    /// A repository whose default branch `main` holds `files`.
    pub fn new(files: &[(&str, &str)]) -> Memory {
        let mut m = Memory {
            repo: RepoId {
                owner: "acme".into(),
                name: "db".into(),
            },
            default_branch: "main".into(),
            issues: Vec::new(),
            comments: BTreeMap::new(),
            branches: BTreeMap::new(),
            commits: BTreeMap::new(),
            trees: BTreeMap::new(),
            blobs: BTreeMap::new(),
            pulls: Vec::new(),
            requested: BTreeMap::new(),
            writes: Vec::new(),
            next_id: 1,
        };
        let tree: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect();
        let t = m.id("tree");
        m.trees.insert(t.clone(), tree);
        let c = m.id("commit");
        m.commits
            .insert(c.clone(), (t, Vec::new(), "initial".into()));
        m.branches.insert("main".into(), c);
        m
    }

    fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}{:036}", self.next_id)
    }

    fn write(&mut self, what: String) {
        self.writes.push(what);
    }

    pub fn file_on(&self, branch: &str, path: &str) -> Option<Vec<u8>> {
        let c = self.branches.get(branch)?;
        let (t, _, _) = self.commits.get(c)?;
        self.trees.get(t)?.get(path).cloned()
    }

    fn issue_mut(&mut self, number: u64) -> Result<&mut Issue> {
        self.issues
            .iter_mut()
            .find(|i| i.number == number)
            .ok_or_else(|| Error::Internal(format!("no issue #{number}")))
    }
}

impl GitHub for Memory {
    fn repo(&self) -> &RepoId {
        &self.repo
    }

    fn default_branch(&mut self) -> Result<String> {
        Ok(self.default_branch.clone())
    }

    fn list_issues(&mut self, labels: &[String]) -> Result<Vec<Issue>> {
        Ok(self
            .issues
            .iter()
            .filter(|i| labels.iter().all(|l| i.labels.contains(l)))
            .cloned()
            .collect())
    }

    fn create_issue(
        &mut self,
        title: &str,
        body: &str,
        labels: &[String],
        assignees: &[String],
    ) -> Result<Issue> {
        self.write(format!("create issue {title}"));
        let number = self.issues.len() as u64 + self.pulls.len() as u64 + 1;
        let issue = Issue {
            number,
            title: title.into(),
            body: body.into(),
            state: IssueState::Open,
            labels: labels.to_vec(),
            assignees: assignees.to_vec(),
            url: format!("https://github.com/acme/db/issues/{number}"),
            author: "dbarch-bot".into(),
            state_reason: None,
        };
        self.issues.push(issue.clone());
        Ok(issue)
    }

    fn update_issue(&mut self, number: u64, f: &IssueFields) -> Result<Issue> {
        self.write(format!("update issue #{number}"));
        let i = self.issue_mut(number)?;
        if let Some(t) = &f.title {
            i.title = t.clone();
        }
        if let Some(b) = &f.body {
            i.body = b.clone();
        }
        if let Some(s) = f.state {
            i.state = s;
        }
        Ok(i.clone())
    }

    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<()> {
        self.write(format!("label issue #{number}"));
        let i = self.issue_mut(number)?;
        for l in labels {
            if !i.labels.contains(l) {
                i.labels.push(l.clone());
            }
        }
        Ok(())
    }

    fn list_comments(&mut self, number: u64) -> Result<Vec<Comment>> {
        Ok(self.comments.get(&number).cloned().unwrap_or_default())
    }

    fn create_comment(&mut self, number: u64, body: &str) -> Result<()> {
        self.write(format!("comment on #{number}"));
        let id = self.next_id;
        self.next_id += 1;
        self.comments.entry(number).or_default().push(Comment {
            id,
            body: body.into(),
        });
        Ok(())
    }

    fn get_branch(&mut self, branch: &str) -> Result<Option<String>> {
        Ok(self.branches.get(branch).cloned())
    }

    fn get_file(&mut self, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.file_on(git_ref, path))
    }

    fn get_commit(&mut self, commit: &str) -> Result<GitCommit> {
        self.commits
            .get(commit)
            .map(|(t, p, m)| GitCommit {
                tree: t.clone(),
                message: m.clone(),
                parents: p.clone(),
            })
            .ok_or_else(|| Error::Internal(format!("no commit {commit}")))
    }

    fn create_blob(&mut self, content: &[u8]) -> Result<String> {
        self.write("create blob".into());
        let id = self.id("blob");
        self.blobs.insert(id.clone(), content.to_vec());
        Ok(id)
    }

    fn create_tree(&mut self, base_tree: &str, path: &str, blob: &str) -> Result<String> {
        self.write("create tree".into());
        let mut tree = self.trees.get(base_tree).cloned().unwrap_or_default();
        let content = self.blobs.get(blob).cloned().unwrap_or_default();
        tree.insert(path.to_string(), content);
        let id = self.id("tree");
        self.trees.insert(id.clone(), tree);
        Ok(id)
    }

    fn create_commit(&mut self, message: &str, tree: &str, parents: &[String]) -> Result<String> {
        self.write("create commit".into());
        let id = self.id("commit");
        let entry = (tree.to_string(), parents.to_vec(), message.to_string());
        self.commits.insert(id.clone(), entry);
        Ok(id)
    }

    fn create_branch(&mut self, branch: &str, sha: &str) -> Result<()> {
        self.write(format!("create branch {branch}"));
        if self.branches.contains_key(branch) {
            return Err(Error::Internal(format!("branch {branch} exists")));
        }
        self.branches.insert(branch.into(), sha.into());
        Ok(())
    }

    fn update_branch(&mut self, branch: &str, sha: &str) -> Result<()> {
        self.write(format!("update branch {branch}"));
        self.branches.insert(branch.into(), sha.into());
        Ok(())
    }

    fn list_pulls(&mut self, branch: &str) -> Result<Vec<PullRequest>> {
        Ok(self
            .pulls
            .iter()
            .filter(|p| p.head == branch)
            .cloned()
            .collect())
    }

    fn create_pull(
        &mut self,
        title: &str,
        body: &str,
        head: &str,
        _base: &str,
    ) -> Result<PullRequest> {
        self.write(format!("create pull {head}"));
        let number = self.issues.len() as u64 + self.pulls.len() as u64 + 1;
        let pr = PullRequest {
            number,
            title: title.into(),
            body: body.into(),
            head: head.into(),
            state: IssueState::Open,
            url: format!("https://github.com/acme/db/pull/{number}"),
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
        };
        self.pulls.push(pr.clone());
        Ok(pr)
    }

    fn update_pull(&mut self, number: u64, title: &str, body: &str) -> Result<()> {
        self.write(format!("update pull #{number}"));
        let p = self
            .pulls
            .iter_mut()
            .find(|p| p.number == number)
            .ok_or_else(|| Error::Internal(format!("no pull #{number}")))?;
        p.title = title.into();
        p.body = body.into();
        Ok(())
    }

    fn close_pull(&mut self, number: u64) -> Result<()> {
        self.write(format!("close pull #{number}"));
        let p = self
            .pulls
            .iter_mut()
            .find(|p| p.number == number)
            .ok_or_else(|| Error::Internal(format!("no pull #{number}")))?;
        p.state = IssueState::Closed;
        Ok(())
    }

    fn request_reviewers(&mut self, number: u64, users: &[String], teams: &[String]) -> Result<()> {
        self.write(format!("request reviewers on #{number}"));
        let entry = self.requested.entry(number).or_default();
        entry.0.extend(users.iter().cloned());
        entry.1.extend(teams.iter().cloned());
        if let Some(p) = self.pulls.iter_mut().find(|p| p.number == number) {
            p.requested_reviewers.extend(users.iter().cloned());
            p.requested_teams.extend(teams.iter().cloned());
        }
        Ok(())
    }
}
