//! Each [`GitHub`] method as its REST call: the path, the permission it needs, whether it
//! may be replayed, and the conversion of octocrab's models into the trait's types
//! ([`Issue`], [`PullRequest`], ...); plus the helpers that read a raw JSON or base64
//! answer. How a call is sent and retried is in the sibling `retry` module.
use base64::Engine as _;
use octocrab::models;
use serde_json::{json, Value};

use super::{Call, Client, Failed, Failure, Method, Replay, Scope};
use crate::github::{
    redact, Comment, GitCommit, GitHub, Issue, IssueFields, IssueState, PullRequest, RepoId, Review,
};
use crate::{Error, Result};

/// Percent-encodes a path (its `/` kept) or a query value for a URL.
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn state_from(s: &models::IssueState) -> IssueState {
    match s {
        models::IssueState::Open => IssueState::Open,
        _ => IssueState::Closed,
    }
}

fn issue_from(i: models::issues::Issue) -> Issue {
    Issue {
        number: i.number,
        title: i.title,
        body: i.body.unwrap_or_default(),
        state: state_from(&i.state),
        labels: i.labels.into_iter().map(|l| l.name).collect(),
        assignees: i.assignees.into_iter().map(|a| a.login).collect(),
        url: i.html_url.to_string(),
        author: i.user.login,
        state_reason: i.state_reason.map(|r| {
            match r {
                models::issues::IssueStateReason::Completed => "completed",
                models::issues::IssueStateReason::NotPlanned => "not_planned",
                models::issues::IssueStateReason::Reopened => "reopened",
                models::issues::IssueStateReason::Duplicate => "duplicate",
                _ => "other",
            }
            .to_string()
        }),
    }
}

fn pull_from(p: models::pulls::PullRequest) -> PullRequest {
    PullRequest {
        number: p.number,
        title: p.title.unwrap_or_default(),
        body: p.body.unwrap_or_default(),
        head: p.head.ref_field,
        state: p.state.as_ref().map(state_from).unwrap_or(IssueState::Open),
        url: p.html_url.map(|u| u.to_string()).unwrap_or(p.url),
        requested_reviewers: p
            .requested_reviewers
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.login)
            .collect(),
        requested_teams: p
            .requested_teams
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.slug)
            .collect(),
    }
}

impl Client {
    /// A string at `pointer` (`/tree/sha`) of `call`'s JSON response.
    fn field(&self, call: &Call, v: &Value, pointer: &str) -> Result<String> {
        v.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                Error::Internal(redact(
                    &format!(
                        "GitHub {} {}: unexpected response: no `{pointer}`",
                        call.method, call.path
                    ),
                    Some(&self.token),
                ))
            })
    }

    /// `POST /repos/{o}/{r}{tail}` (`/git/blobs`, `/git/trees`, `/git/commits`) with
    /// `body` → the new object's sha. Replayable: Git objects are content-addressed.
    fn create_git_object(&mut self, tail: &str, body: Value) -> Result<String> {
        let call = self.call(Method::Post, tail, Scope::Contents, Replay::Safe);
        let v: Value = self.run(&call, |api| api.json(&call, Some(&body)))?;
        self.field(&call, &v, "/sha")
    }

    fn decode_base64(&self, call: &Call, content: &str) -> Result<Vec<u8>> {
        let clean: String = content
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean.as_bytes())
            .map_err(|e| {
                Error::Internal(redact(
                    &format!(
                        "GitHub {} {}: unexpected response: bad base64 content: {e}",
                        call.method, call.path
                    ),
                    Some(&self.token),
                ))
            })
    }
}

impl GitHub for Client {
    fn repo(&self) -> &RepoId {
        &self.repo
    }

    fn default_branch(&mut self) -> Result<String> {
        let call = self.call(Method::Get, "", Scope::Repo, Replay::Safe);
        let repo = self.run(&call, |api| async move { api.repos().get().await })?;
        repo.default_branch
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                Error::Internal(format!(
                    "GitHub GET {}: the repository has no default branch (is it empty?)",
                    call.path
                ))
            })
    }

    fn list_issues(&mut self, labels: &[String]) -> Result<Vec<Issue>> {
        self.list_issues_by(labels, None)
    }

    fn list_issues_by(&mut self, labels: &[String], creator: Option<&str>) -> Result<Vec<Issue>> {
        let mut tail = "/issues?state=all".to_string();
        if !labels.is_empty() {
            tail.push_str(&format!("&labels={}", encode(&labels.join(","))));
        }
        if let Some(c) = creator {
            tail.push_str(&format!("&creator={}", encode(c)));
        }
        tail.push_str("&per_page=100");
        let call = self.call(Method::Get, &tail, Scope::Issues, Replay::Safe);
        let items = self.paginate(&call, move |api| async move {
            let handler = api.issues();
            let mut list = handler
                .list()
                .state(octocrab::params::State::All)
                .per_page(100u8);
            if !labels.is_empty() {
                list = list.labels(labels);
            }
            if let Some(c) = creator {
                list = list.creator(c);
            }
            list.send().await
        })?;
        Ok(items
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(issue_from)
            .filter(|i| creator.is_none_or(|c| i.author.eq_ignore_ascii_case(c)))
            .collect())
    }

    fn viewer(&mut self) -> Result<Option<String>> {
        let call = Call::new(Method::Get, "/user".into(), Scope::Repo, Replay::Safe);
        match self.send(&call, |api| api.json::<Value>(&call, None)) {
            Ok(v) => Ok(v.get("login").and_then(Value::as_str).map(str::to_string)),
            // The job token and GitHub App installation tokens have no user.
            Err(Failed {
                failure:
                    Failure::Status {
                        status: 403 | 404, ..
                    },
                ..
            }) => Ok(None),
            Err(f) => Err(self.error(&call, f)),
        }
    }

    fn is_assignable(&mut self, login: &str) -> Result<bool> {
        let tail = format!("/assignees/{}", encode(login));
        let call = self.call(Method::Get, &tail, Scope::Issues, Replay::Safe);
        let route = call.path.clone();
        let found = self.run_optional(&call, |api| {
            let route = route.clone();
            async move {
                let resp = api.crab._get(route.as_str()).await?;
                octocrab::map_github_error(resp).await.map(|_| ())
            }
        })?;
        Ok(found.is_some())
    }

    fn list_reviews(&mut self, number: u64) -> Result<Vec<Review>> {
        let tail = format!("/pulls/{number}/reviews?per_page=100");
        let call = self.call(Method::Get, &tail, Scope::Pulls, Replay::Safe);
        let items: Vec<Value> = self.paginate(&call, |api| api.json(&call, None))?;
        Ok(items
            .iter()
            .filter_map(|r| {
                Some(Review {
                    login: r.pointer("/user/login")?.as_str()?.to_string(),
                    state: r.get("state")?.as_str()?.to_string(),
                    submitted_at: r
                        .get("submitted_at")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            })
            .collect())
    }

    fn create_issue(
        &mut self,
        title: &str,
        body: &str,
        labels: &[String],
        assignees: &[String],
    ) -> Result<Issue> {
        let call = self.call(Method::Post, "/issues", Scope::Issues, Replay::Once);
        let issue = self.run(&call, move |api| async move {
            let handler = api.issues();
            let mut create = handler.create(title).body(body);
            if !labels.is_empty() {
                create = create.labels(labels.to_vec());
            }
            if !assignees.is_empty() {
                create = create.assignees(assignees.to_vec());
            }
            create.send().await
        })?;
        Ok(issue_from(issue))
    }

    fn update_issue(&mut self, number: u64, fields: &IssueFields) -> Result<Issue> {
        let tail = format!("/issues/{number}");
        let call = self.call(Method::Patch, &tail, Scope::Issues, Replay::Safe);
        let issue = self.run(&call, move |api| async move {
            let handler = api.issues();
            let mut update = handler.update(number);
            if let Some(title) = &fields.title {
                update = update.title(title.as_str());
            }
            if let Some(body) = &fields.body {
                update = update.body(body.as_str());
            }
            if let Some(state) = fields.state {
                update = update.state(match state {
                    IssueState::Open => models::IssueState::Open,
                    IssueState::Closed => models::IssueState::Closed,
                });
            }
            update.send().await
        })?;
        Ok(issue_from(issue))
    }

    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<()> {
        if labels.is_empty() {
            return Ok(());
        }
        let tail = format!("/issues/{number}/labels");
        let call = self.call(Method::Post, &tail, Scope::Issues, Replay::Safe);
        self.run(&call, move |api| async move {
            api.issues().add_labels(number, labels).await
        })?;
        Ok(())
    }

    fn list_comments(&mut self, number: u64) -> Result<Vec<Comment>> {
        let tail = format!("/issues/{number}/comments?per_page=100");
        let call = self.call(Method::Get, &tail, Scope::Issues, Replay::Safe);
        let items = self.paginate(&call, move |api| async move {
            api.issues()
                .list_comments(number)
                .per_page(100u8)
                .send()
                .await
        })?;
        Ok(items
            .into_iter()
            .map(|c| Comment {
                id: c.id.into_inner(),
                body: c.body.unwrap_or_default(),
            })
            .collect())
    }

    fn create_comment(&mut self, number: u64, body: &str) -> Result<()> {
        let tail = format!("/issues/{number}/comments");
        let call = self.call(Method::Post, &tail, Scope::Issues, Replay::Once);
        self.run(&call, move |api| async move {
            api.issues().create_comment(number, body).await
        })?;
        Ok(())
    }

    fn get_branch(&mut self, branch: &str) -> Result<Option<String>> {
        let tail = format!("/git/ref/heads/{}", encode(branch));
        let call = self.call(Method::Get, &tail, Scope::Contents, Replay::Safe);
        let found: Option<Value> = self.run_optional(&call, |api| api.json(&call, None))?;
        match found {
            // A prefix of existing refs answers with an array on some servers: not this branch.
            Some(v) if v.is_object() => Ok(Some(self.field(&call, &v, "/object/sha")?)),
            _ => Ok(None),
        }
    }

    fn get_file(&mut self, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let tail = format!(
            "/contents/{}?ref={}",
            encode(path.trim_start_matches('/')),
            encode(git_ref)
        );
        let call = self.call(Method::Get, &tail, Scope::Contents, Replay::Safe);
        let found: Option<Value> = self.run_optional(&call, |api| api.json(&call, None))?;
        let Some(v) = found else { return Ok(None) };
        let not_a_file = |kind: &str| {
            Error::Internal(redact(
                &format!(
                    "GitHub {} {}: `{path}` at `{git_ref}` is a {kind}, not a file",
                    call.method, call.path
                ),
                Some(&self.token),
            ))
        };
        if v.is_array() {
            return Err(not_a_file("directory"));
        }
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("file");
        if kind != "file" {
            return Err(not_a_file(kind));
        }
        let encoding = v.get("encoding").and_then(Value::as_str).unwrap_or("");
        let content = v.get("content").and_then(Value::as_str).unwrap_or("");
        let size = v.get("size").and_then(Value::as_u64).unwrap_or(0);
        if encoding == "base64" {
            return self.decode_base64(&call, content).map(Some);
        }
        if size == 0 {
            return Ok(Some(Vec::new()));
        }
        // Files over 1 MB come without content (`encoding: none`): read the blob.
        let sha = self.field(&call, &v, "/sha")?;
        let tail = format!("/git/blobs/{sha}");
        let blob_call = self.call(Method::Get, &tail, Scope::Contents, Replay::Safe);
        let blob: Value = self.run(&blob_call, |api| api.json(&blob_call, None))?;
        let content = self.field(&blob_call, &blob, "/content")?;
        self.decode_base64(&blob_call, &content).map(Some)
    }

    fn get_commit(&mut self, commit: &str) -> Result<GitCommit> {
        let tail = format!("/git/commits/{}", encode(commit));
        let call = self.call(Method::Get, &tail, Scope::Contents, Replay::Safe);
        let v: Value = self.run(&call, |api| api.json(&call, None))?;
        let parents = v
            .pointer("/parents")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p.pointer("/sha").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(GitCommit {
            tree: self.field(&call, &v, "/tree/sha")?,
            message: v
                .pointer("/message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            parents,
        })
    }

    fn create_blob(&mut self, content: &[u8]) -> Result<String> {
        self.create_git_object(
            "/git/blobs",
            json!({
                "content": base64::engine::general_purpose::STANDARD.encode(content),
                "encoding": "base64",
            }),
        )
    }

    fn create_tree(&mut self, base_tree: &str, path: &str, blob: &str) -> Result<String> {
        self.create_git_object(
            "/git/trees",
            json!({
                "base_tree": base_tree,
                "tree": [{ "path": path.trim_start_matches('/'), "mode": "100644", "type": "blob", "sha": blob }],
            }),
        )
    }

    fn create_commit(&mut self, message: &str, tree: &str, parents: &[String]) -> Result<String> {
        self.create_git_object(
            "/git/commits",
            json!({ "message": message, "tree": tree, "parents": parents }),
        )
    }

    fn create_branch(&mut self, branch: &str, sha: &str) -> Result<()> {
        let body = json!({ "ref": format!("refs/heads/{branch}"), "sha": sha });
        let call = self.call(Method::Post, "/git/refs", Scope::Contents, Replay::Safe);
        match self.send(&call, |api| api.json::<Value>(&call, Some(&body))) {
            Ok(_) => Ok(()),
            Err(failed) => {
                // A replay after an attempt that landed: the ref is there, with our sha.
                let replayed_existing = failed.attempts > 1
                    && matches!(&failed.failure, Failure::Status { status: 422, message, .. } if message.contains("already exists"));
                if replayed_existing && self.get_branch(branch)?.as_deref() == Some(sha) {
                    return Ok(());
                }
                Err(self.error(&call, failed))
            }
        }
    }

    fn update_branch(&mut self, branch: &str, sha: &str) -> Result<()> {
        let body = json!({ "sha": sha, "force": true });
        let tail = format!("/git/refs/heads/{}", encode(branch));
        let call = self.call(Method::Patch, &tail, Scope::Contents, Replay::Safe);
        self.run(&call, |api| api.json::<Value>(&call, Some(&body)))?;
        Ok(())
    }

    fn list_pulls(&mut self, branch: &str) -> Result<Vec<PullRequest>> {
        let head = format!("{}:{branch}", self.repo.owner);
        let tail = format!("/pulls?state=all&head={}&per_page=100", encode(&head));
        let call = self.call(Method::Get, &tail, Scope::Pulls, Replay::Safe);
        let head = head.as_str();
        let items = self.paginate(&call, move |api| async move {
            api.pulls()
                .list()
                .state(octocrab::params::State::All)
                .head(head)
                .per_page(100u8)
                .send()
                .await
        })?;
        // GitHub filters by `head`; keep only exact matches in case a server does not.
        Ok(items
            .into_iter()
            .map(pull_from)
            .filter(|p| p.head == branch)
            .collect())
    }

    fn create_pull(
        &mut self,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
    ) -> Result<PullRequest> {
        let call = self.call(Method::Post, "/pulls", Scope::Pulls, Replay::Once);
        let pull = self.run(&call, move |api| async move {
            api.pulls()
                .create(title, head, base)
                .body(body)
                .send()
                .await
        })?;
        Ok(pull_from(pull))
    }

    fn update_pull(&mut self, number: u64, title: &str, body: &str) -> Result<()> {
        let tail = format!("/pulls/{number}");
        let call = self.call(Method::Patch, &tail, Scope::Pulls, Replay::Safe);
        self.run(&call, move |api| async move {
            api.pulls()
                .update(number)
                .title(title)
                .body(body)
                .send()
                .await
        })?;
        Ok(())
    }

    fn close_pull(&mut self, number: u64) -> Result<()> {
        let tail = format!("/pulls/{number}");
        let call = self.call(Method::Patch, &tail, Scope::Pulls, Replay::Safe);
        self.run(&call, move |api| async move {
            api.pulls()
                .update(number)
                .state(octocrab::params::pulls::State::Closed)
                .send()
                .await
        })?;
        Ok(())
    }

    fn request_reviewers(&mut self, number: u64, users: &[String], teams: &[String]) -> Result<()> {
        if users.is_empty() && teams.is_empty() {
            return Ok(());
        }
        let body = json!({ "reviewers": users, "team_reviewers": teams });
        let tail = format!("/pulls/{number}/requested_reviewers");
        let call = self.call(Method::Post, &tail, Scope::Pulls, Replay::Safe);
        self.run(&call, |api| api.json::<Value>(&call, Some(&body)))?;
        Ok(())
    }
}
