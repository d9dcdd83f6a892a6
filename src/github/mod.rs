//! GitHub, behind one trait. [`GitHub`] is what the reminder logic ([`remind`]) needs:
//! issues, comments, pull requests and the Git Data API (blob, tree, commit, ref), all
//! blocking. [`client::Client`] implements it with octocrab (retries with backoff on 5xx,
//! 429 and secondary rate limits honouring `Retry-After`, a timeout on every call, the
//! token never printed); [`memory::Memory`] implements it in memory for unit tests (and
//! for a dry run without a token). A dry run reads only: it prints the plan of
//! [`remind`], the writes it would make.
//!
//! Settings come from the environment: the token from `GITHUB_TOKEN` or `GH_TOKEN`, the
//! API base from `GITHUB_API_URL` (GitHub Enterprise: `https://HOST/api/v3`), the
//! repository from `GITHUB_REPOSITORY` (`owner/name`) or the `origin` remote. The client's
//! retry timing from `DBARCH_GITHUB_RETRY_BASE_MS`, `DBARCH_GITHUB_RETRY_MAX_MS` and
//! `DBARCH_GITHUB_TIMEOUT_MS` (see [`client`]).
pub mod client;
pub mod memory;
pub mod remind;
pub mod transport;

use serde::Serialize;

use crate::{Error, Result};

/// `owner/name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepoId {
    pub owner: String,
    pub name: String,
}

impl std::fmt::Display for RepoId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl RepoId {
    /// `owner/name`.
    pub fn parse(s: &str) -> Option<RepoId> {
        let s = s.trim().trim_end_matches('/').trim_end_matches(".git");
        let (owner, name) = s.split_once('/')?;
        let ok = |x: &str| {
            !x.is_empty()
                && x.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        (ok(owner) && ok(name)).then(|| RepoId {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// From a remote URL: `https://github.com/o/n(.git)`, `git@github.com:o/n.git`,
    /// `ssh://git@host/o/n.git`.
    pub fn from_remote_url(url: &str) -> Option<RepoId> {
        let url = url.trim();
        let path = if let Some(rest) = url.strip_prefix("git@") {
            rest.split_once(':')?.1
        } else {
            let after_scheme = url.split_once("://")?.1;
            after_scheme.split_once('/')?.1
        };
        let mut parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() < 2 {
            return None;
        }
        let name = parts.pop()?;
        let owner = parts.pop()?;
        RepoId::parse(&format!("{owner}/{name}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: IssueState,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub url: String,
    /// The login that opened it.
    pub author: String,
    /// Why it was closed: `completed`, `not_planned`, ... (`None` when open or unknown).
    pub state_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: u64,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub body: String,
    /// The head branch name (without `refs/heads/`).
    pub head: String,
    pub state: IssueState,
    pub url: String,
    /// Users whose review is requested and still outstanding (GitHub drops a user from
    /// the list once they review).
    pub requested_reviewers: Vec<String>,
    /// Team slugs whose review is requested.
    pub requested_teams: Vec<String>,
}

/// A submitted review of a pull request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    pub login: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`.
    pub state: String,
    /// When it was submitted (RFC 3339), as GitHub gives it.
    pub submitted_at: Option<String>,
}

/// A commit as the Git Data API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GitCommit {
    pub tree: String,
    pub message: String,
    pub parents: Vec<String>,
}

/// What a new or updated issue says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IssueFields {
    pub title: Option<String>,
    pub body: Option<String>,
    pub state: Option<IssueState>,
}

/// The operations `dbarch` uses. Every method is one REST call (the list methods follow
/// pagination). Errors never contain the token.
pub trait GitHub {
    fn repo(&self) -> &RepoId;
    /// `GET /repos/{o}/{r}` → `default_branch`.
    fn default_branch(&mut self) -> Result<String>;
    /// `GET /repos/{o}/{r}/issues?state=all&labels=...` (pull requests left out).
    fn list_issues(&mut self, labels: &[String]) -> Result<Vec<Issue>>;
    /// `POST /repos/{o}/{r}/issues`.
    fn create_issue(
        &mut self,
        title: &str,
        body: &str,
        labels: &[String],
        assignees: &[String],
    ) -> Result<Issue>;
    /// `PATCH /repos/{o}/{r}/issues/{n}`.
    fn update_issue(&mut self, number: u64, fields: &IssueFields) -> Result<Issue>;
    /// `POST /repos/{o}/{r}/issues/{n}/labels`.
    fn add_labels(&mut self, number: u64, labels: &[String]) -> Result<()>;
    /// `GET /repos/{o}/{r}/issues/{n}/comments`.
    fn list_comments(&mut self, number: u64) -> Result<Vec<Comment>>;
    /// `POST /repos/{o}/{r}/issues/{n}/comments`.
    fn create_comment(&mut self, number: u64, body: &str) -> Result<()>;
    /// `GET /repos/{o}/{r}/git/ref/heads/{branch}` → the commit sha, `None` on 404.
    fn get_branch(&mut self, branch: &str) -> Result<Option<String>>;
    /// `GET /repos/{o}/{r}/contents/{path}?ref=...` → the file's bytes, `None` on 404.
    fn get_file(&mut self, git_ref: &str, path: &str) -> Result<Option<Vec<u8>>>;
    /// `GET /repos/{o}/{r}/git/commits/{sha}` → its tree, message and parents.
    fn get_commit(&mut self, commit: &str) -> Result<GitCommit>;
    /// `POST /repos/{o}/{r}/git/blobs` (base64) → blob sha.
    fn create_blob(&mut self, content: &[u8]) -> Result<String>;
    /// `POST /repos/{o}/{r}/git/trees` with `base_tree` and one file → tree sha.
    fn create_tree(&mut self, base_tree: &str, path: &str, blob: &str) -> Result<String>;
    /// `POST /repos/{o}/{r}/git/commits` → commit sha.
    fn create_commit(&mut self, message: &str, tree: &str, parents: &[String]) -> Result<String>;
    /// `POST /repos/{o}/{r}/git/refs` (`refs/heads/{branch}`).
    fn create_branch(&mut self, branch: &str, sha: &str) -> Result<()>;
    /// `PATCH /repos/{o}/{r}/git/refs/heads/{branch}` (force).
    fn update_branch(&mut self, branch: &str, sha: &str) -> Result<()>;
    /// `GET /repos/{o}/{r}/pulls?state=all&head={owner}:{branch}`.
    fn list_pulls(&mut self, branch: &str) -> Result<Vec<PullRequest>>;
    /// `POST /repos/{o}/{r}/pulls`.
    fn create_pull(
        &mut self,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
    ) -> Result<PullRequest>;
    /// `PATCH /repos/{o}/{r}/pulls/{n}`.
    fn update_pull(&mut self, number: u64, title: &str, body: &str) -> Result<()>;
    /// `PATCH /repos/{o}/{r}/pulls/{n}` with `state: closed`.
    fn close_pull(&mut self, number: u64) -> Result<()>;
    /// `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers`.
    fn request_reviewers(&mut self, number: u64, users: &[String], teams: &[String]) -> Result<()>;
    /// `GET /repos/{o}/{r}/issues?state=all&labels=...&creator=...`: [`GitHub::list_issues`]
    /// narrowed to the issues `creator` opened (GitHub filters; so does the caller).
    fn list_issues_by(&mut self, labels: &[String], creator: Option<&str>) -> Result<Vec<Issue>> {
        let _ = creator;
        self.list_issues(labels)
    }
    /// `GET /user` → the token's own login; `None` when the token has no user (the job
    /// token and GitHub App tokens answer 403).
    fn viewer(&mut self) -> Result<Option<String>> {
        Ok(None)
    }
    /// `GET /repos/{o}/{r}/assignees/{login}` → whether issues can be assigned to `login`.
    fn is_assignable(&mut self, login: &str) -> Result<bool> {
        let _ = login;
        Ok(true)
    }
    /// `GET /repos/{o}/{r}/pulls/{n}/reviews`.
    fn list_reviews(&mut self, number: u64) -> Result<Vec<Review>> {
        let _ = number;
        Ok(Vec::new())
    }
}

/// Settings read from the environment (see the module doc).
#[derive(Clone)]
pub struct Env {
    pub token: Option<String>,
    pub api_url: String,
    pub repo: Option<RepoId>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("api_url", &self.api_url)
            .field("repo", &self.repo)
            .finish()
    }
}

impl Env {
    /// Reads `GITHUB_TOKEN`/`GH_TOKEN`, `GITHUB_API_URL`, `GITHUB_REPOSITORY`, falling back
    /// to the `origin` remote of `repo` for the repository.
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        repo: Option<&crate::git::Repo>,
    ) -> Result<Env> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let token = get("GITHUB_TOKEN").or_else(|| get("GH_TOKEN"));
        let api_url = get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        let from_var = match get("GITHUB_REPOSITORY") {
            Some(v) => Some(RepoId::parse(&v).ok_or_else(|| {
                // The value is shown, less a token pasted into the wrong variable.
                Error::Config(format!(
                    "environment variable GITHUB_REPOSITORY: `{}` is not owner/name",
                    redact(&v, token.as_deref().map(str::trim))
                ))
            })?),
            None => None,
        };
        let from_remote = || RepoId::from_remote_url(&repo?.remote_url("origin")?);
        Ok(Env {
            token,
            api_url: api_url.trim_end_matches('/').to_string(),
            repo: from_var.or_else(from_remote),
        })
    }

    pub fn require_repo(&self) -> Result<RepoId> {
        self.repo.clone().ok_or_else(|| {
            Error::Usage("no GitHub repository: set GITHUB_REPOSITORY=owner/name or add an `origin` remote on GitHub".into())
        })
    }

    pub fn require_token(&self) -> Result<String> {
        self.token.clone().ok_or_else(|| {
            Error::Usage("no GitHub token: set GITHUB_TOKEN (in Actions: `env: GITHUB_TOKEN: ${{ github.token }}`) or GH_TOKEN".into())
        })
    }
}

/// Removes every occurrence of `secret` from `text` (errors from HTTP layers can echo
/// headers or URLs).
pub fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if s.len() >= 4 => text.replace(s, "***"),
        _ => text.to_string(),
    }
}

/// The branch-name slug of a document path: `docs/database-architecture.md` →
/// `docs-database-architecture`.
pub fn slug(path: &str) -> String {
    let stem = path
        .strip_suffix(".md")
        .or_else(|| path.strip_suffix(".markdown"))
        .unwrap_or(path);
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids() {
        assert_eq!(RepoId::parse("acme/db").unwrap().to_string(), "acme/db");
        assert!(RepoId::parse("acme").is_none());
        for url in [
            "https://github.com/acme/db.git",
            "git@github.com:acme/db.git",
            "ssh://git@ghe.example/acme/db",
            "https://ghe.example/acme/db/",
        ] {
            assert_eq!(
                RepoId::from_remote_url(url)
                    .map(|r| r.to_string())
                    .as_deref(),
                Some("acme/db"),
                "{url}"
            );
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("docs/database-architecture.md"),
            "docs-database-architecture"
        );
        assert_eq!(slug("Docs/Security Arch.md"), "docs-security-arch");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("Bearer ghp_secret123 failed", Some("ghp_secret123")),
            "Bearer *** failed"
        );
    }
}
