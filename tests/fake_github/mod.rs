//! A stateful fake of GitHub's REST API, for tests of the real client and of `dbarch remind`.
//!
//! [`FakeGitHub::start`] serves HTTP/1.1 on `127.0.0.1` (a random port, one thread per
//! connection) for repository `acme/db`, token [`TOKEN`], default branch `main` (one commit
//! with `README.md`). It speaks GitHub's real JSON shapes (every field octocrab's models
//! require) for exactly the operations in `dbarch::github::GitHub`:
//!
//! - `GET /repos/{o}/{r}`
//! - `GET|POST /repos/{o}/{r}/issues` (`state`, `labels`, `per_page`, `page`; pull requests
//!   are listed too, with `pull_request`, as GitHub does), `GET|PATCH .../issues/{n}`,
//!   `POST .../issues/{n}/labels`, `GET|POST .../issues/{n}/comments`
//! - `GET .../git/ref/heads/{branch}`, `POST .../git/refs`, `PATCH .../git/refs/heads/{branch}`,
//!   `GET|POST .../git/commits[/{sha}]`, `GET|POST .../git/blobs[/{sha}]`, `POST .../git/trees`
//! - `GET .../contents/{path}?ref=` (base64 content; over 1 MiB, `encoding: none` as GitHub)
//! - `GET|POST .../pulls` (`state`, `head`, `base`), `GET|PATCH .../pulls/{n}`,
//!   `POST .../pulls/{n}/requested_reviewers`
//!
//! Lists paginate with `Link` headers. Without `Authorization: Bearer <token>` (or
//! `token <token>`) a request gets 401. Every request is recorded ([`FakeGitHub::requests`],
//! [`FakeGitHub::count`], [`FakeGitHub::writes`]) and faults can be injected
//! ([`FakeGitHub::fail_next`]). Validation mirrors GitHub's 422s where the client could hit
//! them (a ref that exists, a pull request that exists, no commits between branches).
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

/// The token the fake accepts. Recognisable, so tests can assert it is never printed.
pub const TOKEN: &str = "ghp_FAKE_TOKEN_do_not_print_1234";
pub const OWNER: &str = "acme";
pub const NAME: &str = "db";
/// The login of the user [`TOKEN`] belongs to: every issue, comment and pull request made
/// with it is by this user.
pub const BOT: &str = "dbarch-bot";
/// A workflow's job token (`GITHUB_TOKEN`): an installation token of the GitHub Actions
/// app, acting as [`ACTIONS_BOT`]. `GET /user` answers 403; team review requests 422
/// ("Could not resolve to a node"); each call needs the permission GitHub documents for
/// it, from what [`FakeGitHub::grant_job_token`] granted (none until then).
pub const JOB_TOKEN: &str = "ghs_FAKE_JOB_TOKEN_do_not_print_5678";
pub const ACTIONS_BOT: &str = "github-actions[bot]";
/// GitHub's answer to a team review request made with the job token.
pub const TEAM_NODE_MESSAGE: &str =
    "Could not resolve to a node with the global id of 'T_kwDOAAAAAA'.";
/// GitHub's answer to a review request for someone who is not a collaborator.
pub const NOT_COLLABORATOR_MESSAGE: &str = "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the acme/db repository.";

/// The binary's retry timing against the fake (part of [`FakeGitHub::env_vars`]): a 5 ms
/// first backoff and waits of at most 50 ms, `Retry-After` included, so a retried fault
/// costs milliseconds, not seconds. The per-attempt timeout keeps its default (30 s).
pub const FAST_RETRY: [(&str, &str); 2] = [
    (dbarch::github::client::ENV_RETRY_BASE_MS, "5"),
    (dbarch::github::client::ENV_RETRY_MAX_MS, "50"),
];

/// GitHub's secondary rate limit message.
pub const SECONDARY_LIMIT_MESSAGE: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";
/// What GitHub answers when Actions may not open pull requests.
pub const ACTIONS_PR_MESSAGE: &str =
    "GitHub Actions is not permitted to create or approve pull requests.";
/// GitHub's answer to a token without the needed permission.
pub const NOT_ACCESSIBLE_MESSAGE: &str = "Resource not accessible by integration";

/// What an injected fault does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status (`{"message": ...}` with its reason) without applying the request.
    Status(u16),
    /// Answer this status and message without applying the request (e.g. 403
    /// [`NOT_ACCESSIBLE_MESSAGE`] or [`ACTIONS_PR_MESSAGE`]).
    Error { status: u16, message: String },
    /// 429 with `Retry-After: {retry_after}` and `x-ratelimit-remaining: 0`.
    RateLimited { retry_after: u64 },
    /// 403 with GitHub's secondary rate limit message and `retry-after: 1`.
    SecondaryLimit,
    /// Apply the request, then hold the response for [`FakeGitHub::set_hold`] (default
    /// 2 s, longer than the tests' client timeout) and close the connection.
    Timeout,
    /// Apply the request, then answer this status: "it was created but the response failed".
    AfterEffect(u16),
    /// 200 with an HTML page (a proxy or single sign-on page), without applying the request.
    Html,
}

/// An issue as the fake keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    /// `open` or `closed`.
    pub state: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// The login that opened it.
    pub author: String,
    /// `completed` / `not_planned` when closed.
    pub state_reason: Option<String>,
}

/// A pull request as the fake keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakePull {
    pub number: u64,
    pub title: String,
    pub body: String,
    /// The head branch (no `refs/heads/`, no `owner:`).
    pub head: String,
    pub base: String,
    /// `open` or `closed`.
    pub state: String,
    pub merged: bool,
    pub requested_reviewers: Vec<String>,
    pub requested_teams: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The login that opened it.
    pub author: String,
    /// Submitted reviews: `(login, state, submitted_at)`.
    pub reviews: Vec<(String, String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeComment {
    pub id: u64,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeCommit {
    pub message: String,
    pub tree: String,
    pub parents: Vec<String>,
}

#[derive(Clone, Debug)]
struct PendingFault {
    method: String,
    prefix: String,
    fault: Fault,
    remaining: u32,
}

struct State {
    base_url: String,
    default_branch: String,
    /// Issues and pull requests share numbers, as on GitHub.
    next_number: u64,
    next_id: u64,
    /// Seconds after 2026-01-01T00:00:00Z; ticks on every write.
    clock: i64,
    issues: BTreeMap<u64, FakeIssue>,
    pulls: BTreeMap<u64, FakePull>,
    comments: BTreeMap<u64, Vec<FakeComment>>,
    labels: BTreeMap<String, u64>,
    blobs: HashMap<String, Vec<u8>>,
    /// Flat trees: full path → blob sha.
    trees: HashMap<String, BTreeMap<String, String>>,
    commits: HashMap<String, FakeCommit>,
    refs: BTreeMap<String, String>,
    requests: Vec<(String, String)>,
    faults: Vec<PendingFault>,
    hold: Duration,
    /// What the job token may do: `issues` / `contents` / `pull-requests` → `read` or
    /// `write` (`metadata: read` always).
    job_permissions: BTreeMap<String, String>,
    /// Who may be assigned and asked for reviews (`None`: anyone).
    collaborators: Option<Vec<String>>,
    /// The organisation's team slugs (`None`: any team).
    teams: Option<Vec<String>>,
    /// The login of the token of the request being routed.
    login: String,
    /// Whether the request being routed carries the job token.
    job: bool,
}

/// A running fake; it stops serving when dropped.
pub struct FakeGitHub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// A content-addressed fake sha (40 hex digits).
fn sha_of(kind: &str, data: &[u8]) -> String {
    let mut out = String::new();
    for salt in 0u8..3 {
        let mut h = DefaultHasher::new();
        (salt, kind, data).hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(40);
    out
}

fn timestamp(clock: i64) -> String {
    let base = 1_767_225_600; // 2026-01-01T00:00:00Z
    chrono::DateTime::from_timestamp(base + clock, 0)
        .expect("a valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// One HTTP response.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    /// Instead of `body`: an HTML page.
    html: Option<String>,
}

impl Resp {
    fn json(status: u16, body: Value) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body,
            html: None,
        }
    }

    fn message(status: u16, message: &str) -> Resp {
        Resp::json(
            status,
            json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string(),
            }),
        )
    }

    fn not_found() -> Resp {
        Resp::message(404, "Not Found")
    }

    fn invalid(message: &str) -> Resp {
        Resp::message(422, message)
    }

    /// 422 "Validation Failed" with one `errors` entry.
    fn validation(error: Value) -> Resp {
        Resp::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": "https://docs.github.com/rest",
                "status": "422",
            }),
        )
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A request as the router sees it.
struct Req {
    method: String,
    /// Decoded segments after `/repos/{o}/{r}`.
    rest: Vec<String>,
    /// The path, not decoded, without the query.
    raw_path: String,
    query: Vec<(String, String)>,
    body: Value,
}

impl Req {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn str_field(&self, name: &str) -> Option<String> {
        self.body
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// A list of names in the body: `["a"]` or `[{"name": "a"}]`.
    fn names(&self, name: &str) -> Option<Vec<String>> {
        let list = if name.is_empty() {
            self.body.as_array()
        } else {
            self.body.get(name).and_then(Value::as_array)
        }?;
        Some(
            list.iter()
                .filter_map(|v| v.as_str().or_else(|| v.get("name").and_then(Value::as_str)))
                .map(str::to_string)
                .collect(),
        )
    }
}

impl State {
    fn tick(&mut self) -> String {
        self.clock += 1;
        timestamp(self.clock)
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn repo_url(&self) -> String {
        format!("{}/repos/{OWNER}/{NAME}", self.base_url)
    }

    fn web_url(&self) -> String {
        format!("{}/{OWNER}/{NAME}", self.base_url)
    }

    fn user_json(&self, login: &str) -> Value {
        let u = format!("{}/users/{login}", self.base_url);
        let id = 1 + login.bytes().map(u64::from).sum::<u64>();
        json!({
            "login": login,
            "id": id,
            "node_id": format!("U_{login}"),
            "avatar_url": format!("{}/avatars/{login}", self.base_url),
            "gravatar_id": "",
            "url": u,
            "html_url": format!("{}/{login}", self.base_url),
            "followers_url": format!("{u}/followers"),
            "following_url": format!("{u}/following{{/other_user}}"),
            "gists_url": format!("{u}/gists{{/gist_id}}"),
            "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{u}/subscriptions"),
            "organizations_url": format!("{u}/orgs"),
            "repos_url": format!("{u}/repos"),
            "events_url": format!("{u}/events{{/privacy}}"),
            "received_events_url": format!("{u}/received_events"),
            "type": if login.ends_with("-bot") { "Bot" } else { "User" },
            "site_admin": false,
        })
    }

    fn repo_json(&self) -> Value {
        json!({
            "id": 4242,
            "node_id": "R_fake",
            "name": NAME,
            "full_name": format!("{OWNER}/{NAME}"),
            "owner": self.user_json(OWNER),
            "private": false,
            "html_url": self.web_url(),
            "description": null,
            "fork": false,
            "url": self.repo_url(),
            "default_branch": self.default_branch,
            "visibility": "public",
            "archived": false,
            "disabled": false,
            "has_issues": true,
            "created_at": timestamp(0),
            "updated_at": timestamp(self.clock),
            "pushed_at": timestamp(self.clock),
        })
    }

    fn label_json(&self, name: &str) -> Value {
        json!({
            "id": self.labels.get(name).copied().unwrap_or(0),
            "node_id": format!("LA_{name}"),
            "url": format!("{}/labels/{}", self.repo_url(), name.replace(' ', "%20")),
            "name": name,
            "color": "ededed",
            "default": false,
            "description": null,
        })
    }

    fn issue_json(&self, i: &FakeIssue) -> Value {
        let url = format!("{}/issues/{}", self.repo_url(), i.number);
        let assignees: Vec<Value> = i.assignees.iter().map(|a| self.user_json(a)).collect();
        json!({
            "id": 100_000 + i.number,
            "node_id": format!("I_{}", i.number),
            "url": url,
            "repository_url": self.repo_url(),
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": format!("{}/issues/{}", self.web_url(), i.number),
            "number": i.number,
            "state": i.state,
            "state_reason": if i.state == "closed" { json!(i.state_reason.clone().unwrap_or_else(|| "completed".into())) } else { Value::Null },
            "title": i.title,
            "body": i.body,
            "user": self.user_json(&i.author),
            "labels": i.labels.iter().map(|l| self.label_json(l)).collect::<Vec<_>>(),
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": null,
            "locked": false,
            "active_lock_reason": null,
            "comments": self.comments.get(&i.number).map_or(0, Vec::len),
            "closed_at": i.closed_at,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
            "author_association": "NONE",
        })
    }

    /// A pull request as the issues list shows it.
    fn pull_as_issue_json(&self, p: &FakePull) -> Value {
        let mut v = self.issue_json(&FakeIssue {
            number: p.number,
            title: p.title.clone(),
            body: p.body.clone(),
            state: p.state.clone(),
            labels: Vec::new(),
            assignees: Vec::new(),
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
            closed_at: None,
            author: p.author.clone(),
            state_reason: None,
        });
        let url = format!("{}/pulls/{}", self.repo_url(), p.number);
        let html = format!("{}/pull/{}", self.web_url(), p.number);
        v["pull_request"] = json!({
            "url": url,
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
        });
        v
    }

    fn comment_json(&self, number: u64, c: &FakeComment) -> Value {
        json!({
            "id": c.id,
            "node_id": format!("IC_{}", c.id),
            "url": format!("{}/issues/comments/{}", self.repo_url(), c.id),
            "html_url": format!("{}/issues/{number}#issuecomment-{}", self.web_url(), c.id),
            "issue_url": format!("{}/issues/{number}", self.repo_url()),
            "body": c.body,
            "user": self.user_json(BOT),
            "created_at": timestamp(self.clock),
            "updated_at": timestamp(self.clock),
            "author_association": "NONE",
        })
    }

    fn branch_json(&self, branch: &str) -> Value {
        let sha = self.refs.get(branch).cloned().unwrap_or_default();
        json!({
            "label": format!("{OWNER}:{branch}"),
            "ref": branch,
            "sha": sha,
            "user": self.user_json(OWNER),
            "repo": self.repo_json(),
        })
    }

    fn pull_json(&self, p: &FakePull) -> Value {
        let url = format!("{}/pulls/{}", self.repo_url(), p.number);
        let html = format!("{}/pull/{}", self.web_url(), p.number);
        let teams: Vec<Value> = p
            .requested_teams
            .iter()
            .map(|t| {
                let u = format!("{}/orgs/{OWNER}/teams/{t}", self.base_url);
                json!({
                    "name": t, "slug": t, "privacy": "closed", "permission": "pull",
                    "members_url": format!("{u}/members{{/member}}"),
                    "repositories_url": format!("{u}/repos"),
                })
            })
            .collect();
        let closed_at = (p.state == "closed").then(|| p.updated_at.clone());
        let v = json!({
            "id": 200_000 + p.number,
            "node_id": format!("PR_{}", p.number),
            "number": p.number,
            "url": url,
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": format!("{}/issues/{}", self.repo_url(), p.number),
            "commits_url": format!("{url}/commits"),
            "review_comments_url": format!("{url}/comments"),
            "review_comment_url": format!("{}/pulls/comments{{/number}}", self.repo_url()),
            "comments_url": format!("{}/issues/{}/comments", self.repo_url(), p.number),
            "statuses_url": format!("{}/statuses/{}", self.repo_url(), self.refs.get(&p.head).cloned().unwrap_or_default()),
        });
        let rest = json!({
            "state": p.state,
            "locked": false,
            "title": p.title,
            "user": self.user_json(&p.author),
            "body": p.body,
            "labels": [],
            "milestone": null,
            "active_lock_reason": null,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
            "closed_at": closed_at,
            "merged_at": if p.merged { json!(p.updated_at) } else { Value::Null },
            "merge_commit_sha": null,
            "assignee": null,
            "assignees": [],
            "requested_reviewers": p.requested_reviewers.iter().map(|u| self.user_json(u)).collect::<Vec<_>>(),
            "requested_teams": teams,
            "head": self.branch_json(&p.head),
            "base": self.branch_json(&p.base),
            "author_association": "NONE",
            "draft": false,
            "merged": p.merged,
            "mergeable": null,
            "comments": self.comments.get(&p.number).map_or(0, Vec::len),
            "review_comments": 0,
            "commits": 1,
            "additions": 1,
            "deletions": 0,
            "changed_files": 1,
        });
        let mut v = v;
        if let (Some(v), Value::Object(rest)) = (v.as_object_mut(), rest) {
            v.extend(rest);
        }
        v
    }

    fn commit_json(&self, sha: &str) -> Value {
        let c = &self.commits[sha];
        let who = json!({ "name": "dbarch", "email": "dbarch@example.com", "date": timestamp(self.clock) });
        json!({
            "sha": sha,
            "node_id": format!("C_{sha}"),
            "url": format!("{}/git/commits/{sha}", self.repo_url()),
            "html_url": format!("{}/commit/{sha}", self.web_url()),
            "author": who,
            "committer": who,
            "message": c.message,
            "tree": { "sha": c.tree, "url": format!("{}/git/trees/{}", self.repo_url(), c.tree) },
            "parents": c.parents.iter().map(|p| json!({
                "sha": p,
                "url": format!("{}/git/commits/{p}", self.repo_url()),
                "html_url": format!("{}/commit/{p}", self.web_url()),
            })).collect::<Vec<_>>(),
            "verification": { "verified": true, "reason": "valid", "signature": null, "payload": null, "verified_at": null },
        })
    }

    fn ref_json(&self, branch: &str) -> Value {
        let sha = &self.refs[branch];
        json!({
            "ref": format!("refs/heads/{branch}"),
            "node_id": format!("REF_{branch}"),
            "url": format!("{}/git/refs/heads/{branch}", self.repo_url()),
            "object": { "type": "commit", "sha": sha, "url": format!("{}/git/commits/{sha}", self.repo_url()) },
        })
    }

    fn tree_json(&self, sha: &str) -> Value {
        let entries: Vec<Value> = self.trees[sha]
            .iter()
            .map(|(path, blob)| {
                json!({
                    "path": path, "mode": "100644", "type": "blob", "sha": blob,
                    "size": self.blobs.get(blob).map_or(0, Vec::len),
                    "url": format!("{}/git/blobs/{blob}", self.repo_url()),
                })
            })
            .collect();
        json!({ "sha": sha, "url": format!("{}/git/trees/{sha}", self.repo_url()), "tree": entries, "truncated": false })
    }

    fn put_blob(&mut self, content: Vec<u8>) -> String {
        let sha = sha_of("blob", &content);
        self.blobs.insert(sha.clone(), content);
        sha
    }

    fn put_tree(&mut self, entries: BTreeMap<String, String>) -> String {
        let text: String = entries.iter().map(|(p, b)| format!("{p}\0{b}\n")).collect();
        let sha = sha_of("tree", text.as_bytes());
        self.trees.insert(sha.clone(), entries);
        sha
    }

    fn put_commit(&mut self, message: &str, tree: &str, parents: Vec<String>) -> String {
        let stamp = self.tick();
        let text = format!("{tree}\n{}\n{stamp}\n{message}", parents.join(" "));
        let sha = sha_of("commit", text.as_bytes());
        self.commits.insert(
            sha.clone(),
            FakeCommit {
                message: message.to_string(),
                tree: tree.to_string(),
                parents,
            },
        );
        sha
    }

    /// A branch name, `refs/heads/...` or a commit sha → the commit sha.
    fn resolve(&self, git_ref: &str) -> Option<String> {
        let name = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
        if let Some(sha) = self.refs.get(name) {
            return Some(sha.clone());
        }
        self.commits
            .contains_key(git_ref)
            .then(|| git_ref.to_string())
    }

    fn file_at(&self, commit: &str, path: &str) -> Option<Vec<u8>> {
        let c = self.commits.get(commit)?;
        let blob = self.trees.get(&c.tree)?.get(path)?;
        self.blobs.get(blob).cloned()
    }

    fn is_ancestor(&self, ancestor: &str, of: &str) -> bool {
        let mut stack = vec![of.to_string()];
        let mut seen = std::collections::HashSet::new();
        while let Some(sha) = stack.pop() {
            if sha == ancestor {
                return true;
            }
            if seen.insert(sha.clone()) {
                if let Some(c) = self.commits.get(&sha) {
                    stack.extend(c.parents.iter().cloned());
                }
            }
        }
        false
    }

    fn is_collaborator(&self, login: &str) -> bool {
        self.collaborators
            .as_ref()
            .is_none_or(|cs| cs.iter().any(|c| c.eq_ignore_ascii_case(login)))
    }

    /// The permission GitHub documents for a request below `/repos/{o}/{r}` (`rest`):
    /// `(name, level)`, or the alternatives when either will do.
    fn needs(&self, method: &str, rest: &[String]) -> Vec<(&'static str, &'static str)> {
        let level = if method == "GET" { "read" } else { "write" };
        let first = rest.first().map(String::as_str).unwrap_or("");
        let is_pull = |n: Option<&String>| {
            n.and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| self.pulls.contains_key(&n))
        };
        match first {
            "" => vec![("metadata", "read")],
            // Comments on a pull request go through the issues API: either permission.
            "issues" if is_pull(rest.get(1)) => vec![("issues", level), ("pull-requests", level)],
            "issues" | "assignees" => vec![("issues", level)],
            "git" | "contents" => vec![("contents", level)],
            "pulls" => vec![("pull-requests", level)],
            _ => vec![("metadata", "read")],
        }
    }

    fn granted(&self, perm: &str, level: &str) -> bool {
        if perm == "metadata" {
            return true;
        }
        match self.job_permissions.get(perm).map(String::as_str) {
            Some("write") => true,
            Some("read") => level == "read",
            _ => false,
        }
    }

    fn add_label_names(&mut self, names: &[String]) {
        for n in names {
            if !self.labels.contains_key(n) {
                let id = self.id();
                self.labels.insert(n.clone(), id);
            }
        }
    }

    /// A page of `items` with GitHub's `Link` header.
    fn page(&self, req: &Req, items: Vec<Value>) -> Resp {
        let per_page = req
            .param("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page = req
            .param("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let link_to = |n: usize| {
            let mut pairs: Vec<String> = req
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{k}={}", encode_query(v)))
                .collect();
            pairs.push(format!("page={n}"));
            format!("{}{}?{}", self.base_url, req.raw_path, pairs.join("&"))
        };
        let mut links = Vec::new();
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link_to(last)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
            links.push(format!("<{}>; rel=\"first\"", link_to(1)));
        }
        let resp = Resp::json(200, Value::Array(slice));
        if links.is_empty() {
            resp
        } else {
            resp.header("Link", links.join(", "))
        }
    }

    /// Routes one authenticated request below `/repos/{o}/{r}`.
    fn route(&mut self, req: &Req) -> Resp {
        let rest: Vec<&str> = req.rest.iter().map(String::as_str).collect();
        let m = req.method.as_str();
        match (m, rest.as_slice()) {
            ("GET", []) => Resp::json(200, self.repo_json()),
            ("GET", ["issues"]) => self.list_issues(req),
            ("POST", ["issues"]) => self.create_issue(req),
            ("GET", ["issues", n]) => match n.parse().ok().and_then(|n: u64| self.issues.get(&n)) {
                Some(i) => Resp::json(200, self.issue_json(i)),
                None => Resp::not_found(),
            },
            ("PATCH", ["issues", n]) => self.update_issue(n, req),
            ("POST", ["issues", n, "labels"]) => self.add_labels(n, req),
            ("GET", ["issues", n, "comments"]) => self.list_comments(n, req),
            ("POST", ["issues", n, "comments"]) => self.create_comment(n, req),
            ("GET", ["git", "ref", "heads", branch @ ..]) => {
                let branch = branch.join("/");
                if self.refs.contains_key(&branch) {
                    Resp::json(200, self.ref_json(&branch))
                } else {
                    Resp::not_found()
                }
            }
            ("POST", ["git", "refs"]) => self.create_ref(req),
            ("PATCH", ["git", "refs", "heads", branch @ ..]) => {
                self.update_ref(&branch.join("/"), req)
            }
            ("GET", ["git", "commits", sha]) => {
                if self.commits.contains_key(*sha) {
                    Resp::json(200, self.commit_json(sha))
                } else {
                    Resp::not_found()
                }
            }
            ("POST", ["git", "commits"]) => self.create_commit(req),
            ("GET", ["git", "blobs", sha]) => match self.blobs.get(*sha) {
                Some(b) => Resp::json(
                    200,
                    json!({
                        "sha": sha, "node_id": format!("B_{sha}"), "size": b.len(),
                        "url": format!("{}/git/blobs/{sha}", self.repo_url()),
                        "content": wrap_base64(b), "encoding": "base64",
                    }),
                ),
                None => Resp::not_found(),
            },
            ("POST", ["git", "blobs"]) => self.create_blob(req),
            ("GET", ["git", "trees", sha]) => {
                if self.trees.contains_key(*sha) {
                    Resp::json(200, self.tree_json(sha))
                } else {
                    Resp::not_found()
                }
            }
            ("POST", ["git", "trees"]) => self.create_tree(req),
            ("GET", ["contents", path @ ..]) => self.contents(&path.join("/"), req),
            ("GET", ["pulls"]) => self.list_pulls(req),
            ("POST", ["pulls"]) => self.create_pull(req),
            ("GET", ["pulls", n]) => match n.parse().ok().and_then(|n: u64| self.pulls.get(&n)) {
                Some(p) => Resp::json(200, self.pull_json(p)),
                None => Resp::not_found(),
            },
            ("PATCH", ["pulls", n]) => self.update_pull(n, req),
            ("POST", ["pulls", n, "requested_reviewers"]) => self.request_reviewers(n, req),
            ("GET", ["pulls", n, "reviews"]) => {
                match n.parse().ok().and_then(|n: u64| self.pulls.get(&n)) {
                    Some(p) => {
                        let items: Vec<Value> = p
                            .reviews
                            .iter()
                            .enumerate()
                            .map(|(i, (login, state, at))| {
                                json!({
                                    "id": 300_000 + i, "node_id": format!("PRR_{i}"),
                                    "user": self.user_json(login), "body": "", "state": state,
                                    "html_url": format!("{}/pull/{n}#review-{i}", self.web_url()),
                                    "pull_request_url": format!("{}/pulls/{n}", self.repo_url()),
                                    "commit_id": self.refs.get(&p.head).cloned().unwrap_or_default(),
                                    "submitted_at": at, "author_association": "COLLABORATOR",
                                    "_links": { "html": { "href": "" }, "pull_request": { "href": "" } },
                                })
                            })
                            .collect();
                        self.page(req, items)
                    }
                    None => Resp::not_found(),
                }
            }
            ("GET", ["assignees", login]) => {
                if self.is_collaborator(login) {
                    Resp::json(204, Value::Null)
                } else {
                    Resp::not_found()
                }
            }
            _ => Resp::not_found(),
        }
    }

    fn list_issues(&self, req: &Req) -> Resp {
        let state = req.param("state").unwrap_or("open");
        let wanted: Vec<String> = req
            .param("labels")
            .map(|l| {
                l.split(',')
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let state_ok = |s: &str| state == "all" || state == s;
        let creator = req.param("creator");
        let mut rows: Vec<(u64, Value)> = Vec::new();
        for i in self.issues.values() {
            let has = |w: &String| i.labels.iter().any(|l| l.to_lowercase() == *w);
            let by = creator.is_none_or(|c| c.eq_ignore_ascii_case(&i.author));
            if state_ok(&i.state) && wanted.iter().all(has) && by {
                rows.push((i.number, self.issue_json(i)));
            }
        }
        for p in self.pulls.values() {
            let by = creator.is_none_or(|c| c.eq_ignore_ascii_case(&p.author));
            if state_ok(&p.state) && wanted.is_empty() && by {
                rows.push((p.number, self.pull_as_issue_json(p)));
            }
        }
        // GitHub's default order: newest first.
        rows.sort_by_key(|row| std::cmp::Reverse(row.0));
        self.page(req, rows.into_iter().map(|(_, v)| v).collect())
    }

    fn create_issue(&mut self, req: &Req) -> Resp {
        let Some(title) = req.str_field("title").filter(|t| !t.trim().is_empty()) else {
            return Resp::validation(
                json!({ "resource": "Issue", "field": "title", "code": "missing_field" }),
            );
        };
        let labels = req.names("labels").unwrap_or_default();
        let assignees = req.names("assignees").unwrap_or_default();
        if let Some(bad) = assignees.iter().find(|a| !self.is_collaborator(a)) {
            return Resp::validation(json!({
                "value": bad, "resource": "Issue", "field": "assignees", "code": "invalid",
            }));
        }
        self.add_label_names(&labels);
        self.next_number += 1;
        let now = self.tick();
        let issue = FakeIssue {
            number: self.next_number,
            title,
            body: req.str_field("body").unwrap_or_default(),
            state: "open".into(),
            labels,
            assignees,
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
            author: self.login.clone(),
            state_reason: None,
        };
        let json = self.issue_json(&issue);
        self.issues.insert(issue.number, issue);
        Resp::json(201, json)
    }

    fn update_issue(&mut self, n: &str, req: &Req) -> Resp {
        let Some(number) = n
            .parse::<u64>()
            .ok()
            .filter(|n| self.issues.contains_key(n))
        else {
            return Resp::not_found();
        };
        let labels = req.names("labels");
        if let Some(l) = &labels {
            self.add_label_names(l);
        }
        let now = self.tick();
        let issue = self.issues.get_mut(&number).expect("checked");
        if let Some(t) = req.str_field("title") {
            issue.title = t;
        }
        if let Some(b) = req.str_field("body") {
            issue.body = b;
        }
        if let Some(s) = req.str_field("state") {
            if s != issue.state {
                issue.closed_at = (s == "closed").then(|| now.clone());
            }
            issue.state_reason = (s == "closed").then(|| {
                req.str_field("state_reason")
                    .unwrap_or_else(|| "completed".into())
            });
            issue.state = s;
        }
        if let Some(l) = labels {
            issue.labels = l;
        }
        if let Some(a) = req.names("assignees") {
            issue.assignees = a;
        }
        issue.updated_at = now;
        let issue = issue.clone();
        Resp::json(200, self.issue_json(&issue))
    }

    fn add_labels(&mut self, n: &str, req: &Req) -> Resp {
        let Some(number) = n
            .parse::<u64>()
            .ok()
            .filter(|n| self.issues.contains_key(n))
        else {
            return Resp::not_found();
        };
        let labels = req
            .names("labels")
            .or_else(|| req.names(""))
            .unwrap_or_default();
        self.add_label_names(&labels);
        let now = self.tick();
        let issue = self.issues.get_mut(&number).expect("checked");
        for l in labels {
            if !issue.labels.contains(&l) {
                issue.labels.push(l);
            }
        }
        issue.updated_at = now;
        let all = issue.labels.clone();
        Resp::json(
            200,
            Value::Array(all.iter().map(|l| self.label_json(l)).collect()),
        )
    }

    fn exists(&self, n: &str) -> Option<u64> {
        n.parse::<u64>()
            .ok()
            .filter(|n| self.issues.contains_key(n) || self.pulls.contains_key(n))
    }

    fn list_comments(&self, n: &str, req: &Req) -> Resp {
        let Some(number) = self.exists(n) else {
            return Resp::not_found();
        };
        let items = self
            .comments
            .get(&number)
            .map(|cs| cs.iter().map(|c| self.comment_json(number, c)).collect())
            .unwrap_or_default();
        self.page(req, items)
    }

    fn create_comment(&mut self, n: &str, req: &Req) -> Resp {
        let Some(number) = self.exists(n) else {
            return Resp::not_found();
        };
        let Some(body) = req.str_field("body").filter(|b| !b.is_empty()) else {
            return Resp::validation(
                json!({ "resource": "IssueComment", "field": "body", "code": "missing_field" }),
            );
        };
        let comment = FakeComment {
            id: self.id(),
            body,
        };
        self.tick();
        let json = self.comment_json(number, &comment);
        self.comments.entry(number).or_default().push(comment);
        Resp::json(201, json)
    }

    fn create_ref(&mut self, req: &Req) -> Resp {
        let (Some(name), Some(sha)) = (req.str_field("ref"), req.str_field("sha")) else {
            return Resp::invalid("Invalid request.\n\n\"ref\", \"sha\" weren't supplied.");
        };
        let Some(branch) = name.strip_prefix("refs/heads/").filter(|b| !b.is_empty()) else {
            return Resp::invalid(
                "Reference name must start with 'refs/' and have at least two slashes.",
            );
        };
        if !self.commits.contains_key(&sha) {
            return Resp::invalid("Object does not exist");
        }
        if self.refs.contains_key(branch) {
            return Resp::invalid("Reference already exists");
        }
        self.tick();
        self.refs.insert(branch.to_string(), sha);
        Resp::json(201, self.ref_json(branch))
    }

    fn update_ref(&mut self, branch: &str, req: &Req) -> Resp {
        let Some(sha) = req.str_field("sha") else {
            return Resp::invalid("Invalid request.\n\n\"sha\" wasn't supplied.");
        };
        let Some(old) = self.refs.get(branch).cloned() else {
            return Resp::invalid("Reference does not exist");
        };
        if !self.commits.contains_key(&sha) {
            return Resp::invalid("Object does not exist");
        }
        let force = req
            .body
            .get("force")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !force && !self.is_ancestor(&old, &sha) {
            return Resp::invalid("Update is not a fast forward");
        }
        self.tick();
        self.refs.insert(branch.to_string(), sha);
        Resp::json(200, self.ref_json(branch))
    }

    fn create_blob(&mut self, req: &Req) -> Resp {
        let Some(content) = req.str_field("content") else {
            return Resp::invalid("Invalid request.\n\n\"content\" wasn't supplied.");
        };
        let bytes = match req.str_field("encoding").as_deref().unwrap_or("utf-8") {
            "base64" => {
                let clean: String = content
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                match base64::engine::general_purpose::STANDARD.decode(clean) {
                    Ok(b) => b,
                    Err(_) => return Resp::invalid("Invalid base64 content"),
                }
            }
            "utf-8" | "utf8" => content.into_bytes(),
            other => return Resp::invalid(&format!("encoding `{other}` is not supported")),
        };
        self.tick();
        let sha = self.put_blob(bytes);
        Resp::json(
            201,
            json!({ "sha": sha, "url": format!("{}/git/blobs/{sha}", self.repo_url()) }),
        )
    }

    fn create_tree(&mut self, req: &Req) -> Resp {
        let mut entries = match req.str_field("base_tree") {
            Some(base) => match self.trees.get(&base) {
                Some(t) => t.clone(),
                None => return Resp::invalid("Invalid tree info: base_tree does not exist"),
            },
            None => BTreeMap::new(),
        };
        let Some(list) = req.body.get("tree").and_then(Value::as_array) else {
            return Resp::invalid("Invalid request.\n\n\"tree\" wasn't supplied.");
        };
        for e in list {
            let Some(path) = e.get("path").and_then(Value::as_str) else {
                return Resp::invalid("Invalid tree info: no path");
            };
            match (e.get("sha"), e.get("content").and_then(Value::as_str)) {
                (_, Some(content)) => {
                    let sha = self.put_blob(content.as_bytes().to_vec());
                    entries.insert(path.to_string(), sha);
                }
                (Some(Value::Null), None) => {
                    entries.remove(path);
                }
                (Some(Value::String(sha)), None) => {
                    if !self.blobs.contains_key(sha) {
                        return Resp::invalid(&format!(
                            "Invalid tree info: blob {sha} does not exist"
                        ));
                    }
                    entries.insert(path.to_string(), sha.clone());
                }
                _ => return Resp::invalid("Invalid tree info: no sha or content"),
            }
        }
        self.tick();
        let sha = self.put_tree(entries);
        Resp::json(201, self.tree_json(&sha))
    }

    fn create_commit(&mut self, req: &Req) -> Resp {
        let (Some(message), Some(tree)) = (req.str_field("message"), req.str_field("tree")) else {
            return Resp::invalid("Invalid request.\n\n\"message\", \"tree\" weren't supplied.");
        };
        if !self.trees.contains_key(&tree) {
            return Resp::invalid("Tree SHA does not exist");
        }
        let parents = req.names("parents").unwrap_or_default();
        if parents.iter().any(|p| !self.commits.contains_key(p)) {
            return Resp::invalid("Parent SHA does not exist or is not a commit object");
        }
        let sha = self.put_commit(&message, &tree, parents);
        Resp::json(201, self.commit_json(&sha))
    }

    fn contents(&self, path: &str, req: &Req) -> Resp {
        let git_ref = req
            .param("ref")
            .map(str::to_string)
            .unwrap_or_else(|| self.default_branch.clone());
        let Some(commit) = self.resolve(&git_ref) else {
            return Resp::message(404, &format!("No commit found for the ref {git_ref}"));
        };
        let tree = &self.trees[&self.commits[&commit].tree];
        if let Some(blob) = tree.get(path) {
            let bytes = &self.blobs[blob];
            let big = bytes.len() > 1024 * 1024;
            let name = path.rsplit('/').next().unwrap_or(path);
            let url = format!(
                "{}/contents/{path}?ref={}",
                self.repo_url(),
                encode_query(&git_ref)
            );
            let git_url = format!("{}/git/blobs/{blob}", self.repo_url());
            let html_url = format!("{}/blob/{}/{path}", self.web_url(), git_ref);
            return Resp::json(
                200,
                json!({
                    "type": "file",
                    "encoding": if big { "none" } else { "base64" },
                    "size": bytes.len(),
                    "name": name,
                    "path": path,
                    "content": if big { String::new() } else { wrap_base64(bytes) },
                    "sha": blob,
                    "url": url,
                    "git_url": git_url,
                    "html_url": html_url,
                    "download_url": format!("{}/raw/{git_ref}/{path}", self.web_url()),
                    "_links": { "self": url, "git": git_url, "html": html_url },
                }),
            );
        }
        // A directory: list what is directly inside it.
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut names: BTreeMap<String, &'static str> = BTreeMap::new();
        for p in tree.keys() {
            if let Some(rest) = p.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir, _)) => names.insert(dir.to_string(), "dir"),
                    None => names.insert(rest.to_string(), "file"),
                };
            }
        }
        if names.is_empty() {
            return Resp::not_found();
        }
        let items: Vec<Value> = names
            .into_iter()
            .map(|(name, kind)| json!({ "type": kind, "name": name, "path": format!("{prefix}{name}") }))
            .collect();
        Resp::json(200, Value::Array(items))
    }

    fn list_pulls(&self, req: &Req) -> Resp {
        let state = req.param("state").unwrap_or("open");
        let head = req.param("head").map(|h| match h.split_once(':') {
            Some((owner, branch)) => (Some(owner.to_string()), branch.to_string()),
            None => (None, h.to_string()),
        });
        let base = req.param("base");
        let mut items: Vec<(u64, Value)> = self
            .pulls
            .values()
            .filter(|p| state == "all" || p.state == state)
            .filter(|p| match &head {
                Some((owner, branch)) => {
                    owner.as_deref().is_none_or(|o| o == OWNER) && p.head == *branch
                }
                None => true,
            })
            .filter(|p| base.is_none_or(|b| p.base == b))
            .map(|p| (p.number, self.pull_json(p)))
            .collect();
        items.sort_by_key(|item| std::cmp::Reverse(item.0));
        self.page(req, items.into_iter().map(|(_, v)| v).collect())
    }

    fn create_pull(&mut self, req: &Req) -> Resp {
        let (Some(title), Some(head), Some(base)) = (
            req.str_field("title"),
            req.str_field("head"),
            req.str_field("base"),
        ) else {
            return Resp::validation(
                json!({ "resource": "PullRequest", "field": "title", "code": "missing_field" }),
            );
        };
        let head = match head.split_once(':') {
            Some((_, b)) => b.to_string(),
            None => head,
        };
        let (Some(head_sha), Some(base_sha)) =
            (self.refs.get(&head).cloned(), self.refs.get(&base).cloned())
        else {
            let field = if self.refs.contains_key(&head) {
                "base"
            } else {
                "head"
            };
            return Resp::validation(
                json!({ "resource": "PullRequest", "field": field, "code": "invalid" }),
            );
        };
        if self
            .pulls
            .values()
            .any(|p| p.state == "open" && p.head == head && p.base == base)
        {
            return Resp::validation(json!({
                "resource": "PullRequest", "code": "custom",
                "message": format!("A pull request already exists for {OWNER}:{head}."),
            }));
        }
        if head_sha == base_sha || self.is_ancestor(&head_sha, &base_sha) {
            return Resp::validation(json!({
                "resource": "PullRequest", "code": "custom",
                "message": format!("No commits between {base} and {head}"),
            }));
        }
        self.next_number += 1;
        let now = self.tick();
        let pull = FakePull {
            number: self.next_number,
            title,
            body: req.str_field("body").unwrap_or_default(),
            head,
            base,
            state: "open".into(),
            merged: false,
            requested_reviewers: Vec::new(),
            requested_teams: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
            author: self.login.clone(),
            reviews: Vec::new(),
        };
        let json = self.pull_json(&pull);
        self.pulls.insert(pull.number, pull);
        Resp::json(201, json)
    }

    fn update_pull(&mut self, n: &str, req: &Req) -> Resp {
        let Some(number) = n.parse::<u64>().ok().filter(|n| self.pulls.contains_key(n)) else {
            return Resp::not_found();
        };
        let now = self.tick();
        let pull = self.pulls.get_mut(&number).expect("checked");
        if let Some(t) = req.str_field("title") {
            pull.title = t;
        }
        if let Some(b) = req.str_field("body") {
            pull.body = b;
        }
        if let Some(s) = req.str_field("state") {
            pull.state = s;
        }
        if let Some(b) = req.str_field("base") {
            pull.base = b;
        }
        pull.updated_at = now;
        let pull = pull.clone();
        Resp::json(200, self.pull_json(&pull))
    }

    fn request_reviewers(&mut self, n: &str, req: &Req) -> Resp {
        let Some(number) = n.parse::<u64>().ok().filter(|n| self.pulls.contains_key(n)) else {
            return Resp::not_found();
        };
        let users = req.names("reviewers").unwrap_or_default();
        let teams = req.names("team_reviewers").unwrap_or_default();
        let author = self.pulls[&number].author.clone();
        if users.iter().any(|u| u.eq_ignore_ascii_case(&author)) {
            return Resp::invalid("Review cannot be requested from pull request author.");
        }
        // The job token cannot see the organisation's teams.
        if !teams.is_empty() && self.job {
            return Resp::invalid(TEAM_NODE_MESSAGE);
        }
        let known = |t: &String| self.teams.as_ref().is_none_or(|ts| ts.contains(t));
        if users.iter().any(|u| !self.is_collaborator(u)) || !teams.iter().all(known) {
            return Resp::invalid(NOT_COLLABORATOR_MESSAGE);
        }
        self.tick();
        let pull = self.pulls.get_mut(&number).expect("checked");
        for u in users {
            if !pull.requested_reviewers.contains(&u) {
                pull.requested_reviewers.push(u);
            }
        }
        for t in teams {
            if !pull.requested_teams.contains(&t) {
                pull.requested_teams.push(t);
            }
        }
        let pull = pull.clone();
        Resp::json(201, self.pull_json(&pull))
    }
}

fn wrap_base64(bytes: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    // GitHub wraps the contents API's base64 at 60 columns.
    let mut out = String::with_capacity(text.len() + text.len() / 60 + 1);
    for (i, c) in text.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn encode_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the connection handler does with one request.
struct Outcome {
    resp: Resp,
    /// Sleep this long before answering, then close the connection.
    hold: Option<Duration>,
}

fn handle(
    state: &Mutex<State>,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Outcome {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    let (full_path, query) = target.split_once('?').unwrap_or((target, ""));
    // GitHub Enterprise serves the API under `/api/v3`; so does the fake.
    let raw_path = full_path.strip_prefix("/api/v3").unwrap_or(full_path);
    st.requests.push((method.to_string(), target.to_string()));
    let reply = |resp| Outcome { resp, hold: None };

    let auth = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let credential = match auth.split_once(' ') {
        Some((scheme, credential))
            if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") =>
        {
            credential.trim()
        }
        _ => "",
    };
    if credential == TOKEN {
        st.login = BOT.into();
        st.job = false;
    } else if credential == JOB_TOKEN {
        st.login = ACTIONS_BOT.into();
        st.job = true;
    } else {
        return reply(Resp::message(401, "Bad credentials"));
    }
    if raw_path == "/user" && method == "GET" {
        return reply(if st.job {
            Resp::message(403, NOT_ACCESSIBLE_MESSAGE)
        } else {
            Resp::json(200, st.user_json(BOT))
        });
    }

    let fault = st
        .faults
        .iter()
        .position(|f| {
            (f.method == "*" || f.method.eq_ignore_ascii_case(method))
                && raw_path.starts_with(&f.prefix)
        })
        .map(|i| {
            let f = &mut st.faults[i];
            f.remaining -= 1;
            let fault = f.fault.clone();
            if f.remaining == 0 {
                st.faults.remove(i);
            }
            fault
        });
    match &fault {
        Some(Fault::Status(s)) => return reply(Resp::message(*s, reason(*s))),
        Some(Fault::Error { status, message }) => return reply(Resp::message(*status, message)),
        Some(Fault::RateLimited { retry_after }) => {
            return reply(
                Resp::message(429, "API rate limit exceeded for installation ID 1.")
                    .header("Retry-After", retry_after.to_string())
                    .header("x-ratelimit-limit", "5000")
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-reset", "4102444800"),
            )
        }
        Some(Fault::SecondaryLimit) => {
            return reply(
                Resp::message(403, SECONDARY_LIMIT_MESSAGE)
                    .header("retry-after", "1")
                    .header("x-ratelimit-remaining", "4000"),
            )
        }
        Some(Fault::Html) => {
            let mut resp = Resp::json(200, Value::Null);
            resp.html = Some("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Single sign-on</body></html>\n".into());
            return reply(resp);
        }
        _ => {}
    }

    let prefix = format!("/repos/{OWNER}/{NAME}");
    let resp = match raw_path.strip_prefix(&prefix) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let body = if body.is_empty() {
                Value::Null
            } else {
                match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(_) => return reply(Resp::message(400, "Problems parsing JSON")),
                }
            };
            let req = Req {
                method: method.to_ascii_uppercase(),
                rest: rest
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| percent_decode(s, false))
                    .collect(),
                raw_path: full_path.to_string(),
                query: parse_query(query),
                body,
            };
            let needs = st.needs(&req.method, &req.rest);
            if st.job && !needs.iter().any(|(p, l)| st.granted(p, l)) {
                let accepted: Vec<String> = needs.iter().map(|(p, l)| format!("{p}={l}")).collect();
                return reply(
                    Resp::message(403, NOT_ACCESSIBLE_MESSAGE)
                        .header("x-accepted-github-permissions", accepted.join("; ")),
                );
            }
            st.route(&req)
        }
        _ => Resp::not_found(),
    };
    match fault {
        Some(Fault::Timeout) => Outcome {
            resp,
            hold: Some(st.hold),
        },
        Some(Fault::AfterEffect(s)) => reply(Resp::message(s, reason(s))),
        _ => reply(resp),
    }
}

/// Method, target, lower-cased headers, body.
type RawRequest = (String, String, Vec<(String, String)>, Vec<u8>);

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; n];
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, target, headers, body))
}

fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some((method, target, headers, body)) = read_request(&mut reader) {
        let close = headers
            .iter()
            .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
        let Outcome { resp, hold } = handle(&state, &method, &target, &headers, &body);
        if let Some(d) = hold {
            thread::sleep(d);
        }
        let payload = if resp.status == 204 {
            String::new()
        } else if let Some(html) = &resp.html {
            html.clone()
        } else {
            resp.body.to_string()
        };
        let kind = if resp.html.is_some() {
            "text/html; charset=utf-8"
        } else {
            "application/json; charset=utf-8"
        };
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nX-GitHub-Api-Version-Selected: 2022-11-28\r\n",
            resp.status,
            reason(resp.status),
            payload.len()
        );
        for (k, v) in &resp.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if hold.is_some() || close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let ok = writer.write_all(head.as_bytes()).is_ok()
            && writer.write_all(payload.as_bytes()).is_ok();
        if !ok || hold.is_some() || close {
            return;
        }
    }
}

impl FakeGitHub {
    /// Starts serving `acme/db` with `main` holding one commit (`README.md`).
    pub fn start() -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake GitHub");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            base_url: format!("http://{addr}"),
            default_branch: "main".into(),
            next_number: 0,
            next_id: 1000,
            clock: 0,
            issues: BTreeMap::new(),
            pulls: BTreeMap::new(),
            comments: BTreeMap::new(),
            labels: BTreeMap::new(),
            blobs: HashMap::new(),
            trees: HashMap::new(),
            commits: HashMap::new(),
            refs: BTreeMap::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            hold: Duration::from_secs(2),
            job_permissions: BTreeMap::new(),
            collaborators: None,
            teams: None,
            login: BOT.into(),
            job: false,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let fake = FakeGitHub {
            addr,
            state: state.clone(),
            stop: stop.clone(),
        };
        fake.put_file("main", "README.md", b"# db\n");
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let state = state.clone();
                    thread::spawn(move || serve(stream, state));
                }
            }
        });
        fake
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The API base (`GITHUB_API_URL`): `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `/repos/acme/db` + `rest` (`"/issues"`), for fault prefixes.
    pub fn path(&self, rest: &str) -> String {
        format!("/repos/{OWNER}/{NAME}{rest}")
    }

    /// Settings for the client: this fake's URL, [`TOKEN`], `acme/db`.
    pub fn env(&self) -> dbarch::github::Env {
        dbarch::github::Env {
            token: Some(TOKEN.to_string()),
            api_url: self.url(),
            repo: dbarch::github::RepoId::parse(&format!("{OWNER}/{NAME}")),
        }
    }

    /// The environment variables that point the `dbarch` binary at this fake, with the
    /// client's [`FAST_RETRY`] timing.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![
            ("GITHUB_API_URL", self.url()),
            ("GITHUB_TOKEN", TOKEN.to_string()),
            ("GITHUB_REPOSITORY", format!("{OWNER}/{NAME}")),
        ];
        vars.extend(FAST_RETRY.iter().map(|(k, v)| (*k, v.to_string())));
        vars
    }

    // ----- Fault injection -----

    /// The next request whose method matches (`"*"`: any) and whose path (no query) starts
    /// with `path_prefix` (e.g. `fake.path("/issues")`) gets `fault`.
    pub fn fail_next(&self, method: &str, path_prefix: &str, fault: Fault) {
        self.fail_times(method, path_prefix, fault, 1);
    }

    /// Like [`FakeGitHub::fail_next`], for the next `times` matching requests.
    pub fn fail_times(&self, method: &str, path_prefix: &str, fault: Fault, times: u32) {
        if times > 0 {
            self.st().faults.push(PendingFault {
                method: method.to_string(),
                prefix: path_prefix.to_string(),
                fault,
                remaining: times,
            });
        }
    }

    /// How long [`Fault::Timeout`] holds a response (default 2 s).
    pub fn set_hold(&self, hold: Duration) {
        self.st().hold = hold;
    }

    /// Grants the job token ([`JOB_TOKEN`]) these permissions (`("issues", "write")`,
    /// ...), as a workflow's `permissions:` would; everything else answers 403.
    pub fn grant_job_token(&self, permissions: &[(&str, &str)]) {
        self.st().job_permissions = permissions
            .iter()
            .map(|(p, l)| (p.to_string(), l.to_string()))
            .collect();
    }

    /// Only these logins may be assigned and asked for reviews (the repository's
    /// collaborators; [`BOT`] and [`ACTIONS_BOT`] need not be listed to act).
    pub fn set_collaborators(&self, logins: &[&str]) {
        self.st().collaborators = Some(logins.iter().map(|l| l.to_string()).collect());
    }

    /// The organisation's teams (slugs).
    pub fn set_teams(&self, slugs: &[&str]) {
        self.st().teams = Some(slugs.iter().map(|l| l.to_string()).collect());
    }

    /// [`FakeGitHub::env_vars`] with the job token instead of [`TOKEN`].
    pub fn job_env_vars(&self) -> Vec<(&'static str, String)> {
        let mut vars = self.env_vars();
        for v in &mut vars {
            if v.0 == "GITHUB_TOKEN" {
                v.1 = JOB_TOKEN.to_string();
            }
        }
        vars
    }

    /// Faults not yet triggered.
    pub fn pending_faults(&self) -> usize {
        self.st().faults.iter().map(|f| f.remaining as usize).sum()
    }

    // ----- Requests -----

    /// Every request so far: `(METHOD, path?query)`, unauthorised and faulted ones included.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.st().requests.clone()
    }

    /// Requests with this method.
    pub fn count(&self, method: &str) -> usize {
        self.st()
            .requests
            .iter()
            .filter(|(m, _)| m.eq_ignore_ascii_case(method))
            .count()
    }

    /// Requests that are not GETs.
    pub fn writes(&self) -> usize {
        self.st()
            .requests
            .iter()
            .filter(|(m, _)| m != "GET")
            .count()
    }

    pub fn reset_requests(&self) {
        self.st().requests.clear();
    }

    // ----- Repository and git -----

    pub fn default_branch(&self) -> String {
        self.st().default_branch.clone()
    }

    /// Makes `name` the default branch, creating it at the current default's head.
    pub fn set_default_branch(&self, name: &str) {
        let mut st = self.st();
        if !st.refs.contains_key(name) {
            if let Some(head) = st.refs.get(&st.default_branch).cloned() {
                st.refs.insert(name.to_string(), head);
            }
        }
        st.default_branch = name.to_string();
    }

    /// Commits `bytes` at `path` on `branch` (created from the default branch, or as a root
    /// commit, if missing). Returns the commit sha.
    pub fn put_file(&self, branch: &str, path: &str, bytes: &[u8]) -> String {
        let mut st = self.st();
        let parent = st
            .refs
            .get(branch)
            .or_else(|| st.refs.get(&st.default_branch))
            .cloned();
        let mut entries = parent
            .as_ref()
            .map(|p| st.trees[&st.commits[p].tree].clone())
            .unwrap_or_default();
        let blob = st.put_blob(bytes.to_vec());
        entries.insert(path.to_string(), blob);
        let tree = st.put_tree(entries);
        let sha = st.put_commit(
            &format!("Update {path}"),
            &tree,
            parent.into_iter().collect(),
        );
        st.refs.insert(branch.to_string(), sha.clone());
        sha
    }

    /// The commit `branch` points at.
    pub fn branch(&self, name: &str) -> Option<String> {
        self.st().refs.get(name).cloned()
    }

    /// The branches, by name.
    pub fn branches(&self) -> Vec<String> {
        self.st().refs.keys().cloned().collect()
    }

    /// The file at `path` on `git_ref` (a branch or a commit sha).
    pub fn file(&self, git_ref: &str, path: &str) -> Option<Vec<u8>> {
        let st = self.st();
        let commit = st.resolve(git_ref)?;
        st.file_at(&commit, path)
    }

    pub fn commit(&self, sha: &str) -> Option<FakeCommit> {
        self.st().commits.get(sha).cloned()
    }

    /// The tree of a commit: path → blob sha.
    pub fn tree_of(&self, commit: &str) -> Option<BTreeMap<String, String>> {
        let st = self.st();
        let c = st.commits.get(commit)?;
        st.trees.get(&c.tree).cloned()
    }

    pub fn blob(&self, sha: &str) -> Option<Vec<u8>> {
        self.st().blobs.get(sha).cloned()
    }

    // ----- Issues -----

    /// Adds an open issue; returns its number.
    pub fn add_issue(&self, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.add_issue_with(title, body, labels, &[])
    }

    /// Adds an open issue with assignees; returns its number.
    pub fn add_issue_with(
        &self,
        title: &str,
        body: &str,
        labels: &[&str],
        assignees: &[&str],
    ) -> u64 {
        let mut st = self.st();
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        st.add_label_names(&labels);
        st.next_number += 1;
        let now = st.tick();
        let number = st.next_number;
        st.issues.insert(
            number,
            FakeIssue {
                number,
                title: title.into(),
                body: body.into(),
                state: "open".into(),
                labels,
                assignees: assignees.iter().map(|s| s.to_string()).collect(),
                created_at: now.clone(),
                updated_at: now,
                closed_at: None,
                author: BOT.into(),
                state_reason: None,
            },
        );
        number
    }

    /// Sets the author of an issue (someone else opened it).
    pub fn set_issue_author(&self, number: u64, login: &str) {
        self.st()
            .issues
            .get_mut(&number)
            .expect("no such issue")
            .author = login.into();
    }

    /// A person removes every label of an issue.
    pub fn st_remove_labels(&self, number: u64) {
        self.st()
            .issues
            .get_mut(&number)
            .expect("no such issue")
            .labels
            .clear();
    }

    /// Closes an issue as a person would, with GitHub's `state_reason` (`not_planned`).
    pub fn close_issue_as(&self, number: u64, reason: &str) {
        self.close_issue(number);
        self.st()
            .issues
            .get_mut(&number)
            .expect("no such issue")
            .state_reason = Some(reason.into());
    }

    /// Closes an issue (as a person would).
    pub fn close_issue(&self, number: u64) {
        let mut st = self.st();
        let now = st.tick();
        let i = st.issues.get_mut(&number).expect("no such issue");
        i.state = "closed".into();
        i.closed_at = Some(now.clone());
        i.updated_at = now;
        i.state_reason = Some("completed".into());
    }

    pub fn reopen_issue(&self, number: u64) {
        let mut st = self.st();
        let now = st.tick();
        let i = st.issues.get_mut(&number).expect("no such issue");
        i.state = "open".into();
        i.closed_at = None;
        i.updated_at = now;
    }

    /// Replaces an issue's body (as a person editing it would).
    pub fn edit_issue_body(&self, number: u64, body: &str) {
        let mut st = self.st();
        let now = st.tick();
        let i = st.issues.get_mut(&number).expect("no such issue");
        i.body = body.into();
        i.updated_at = now;
    }

    /// Adds a comment (as a person would); returns its id.
    pub fn add_comment(&self, number: u64, body: &str) -> u64 {
        let mut st = self.st();
        let id = st.id();
        st.comments.entry(number).or_default().push(FakeComment {
            id,
            body: body.into(),
        });
        id
    }

    pub fn issue(&self, number: u64) -> Option<FakeIssue> {
        self.st().issues.get(&number).cloned()
    }

    /// Every issue (not pull requests), by number.
    pub fn issues(&self) -> Vec<FakeIssue> {
        self.st().issues.values().cloned().collect()
    }

    /// The comments on an issue or pull request, oldest first.
    pub fn comments(&self, number: u64) -> Vec<String> {
        self.st()
            .comments
            .get(&number)
            .map(|cs| cs.iter().map(|c| c.body.clone()).collect())
            .unwrap_or_default()
    }

    /// The repository's labels.
    pub fn labels(&self) -> Vec<String> {
        self.st().labels.keys().cloned().collect()
    }

    // ----- Pull requests -----

    /// Adds an open pull request from `head` (which must exist) into `base`.
    pub fn add_pull(&self, title: &str, body: &str, head: &str, base: &str) -> u64 {
        let mut st = self.st();
        assert!(st.refs.contains_key(head), "add_pull: no branch {head}");
        st.next_number += 1;
        let now = st.tick();
        let number = st.next_number;
        st.pulls.insert(
            number,
            FakePull {
                number,
                title: title.into(),
                body: body.into(),
                head: head.into(),
                base: base.into(),
                state: "open".into(),
                merged: false,
                requested_reviewers: Vec::new(),
                requested_teams: Vec::new(),
                created_at: now.clone(),
                updated_at: now,
                author: BOT.into(),
                reviews: Vec::new(),
            },
        );
        number
    }

    /// A person removes `login`'s review request.
    pub fn remove_requested_reviewer(&self, number: u64, login: &str) {
        let mut st = self.st();
        let p = st.pulls.get_mut(&number).expect("no such pull request");
        p.requested_reviewers.retain(|u| u != login);
    }

    /// `login` submits a review (`APPROVED`, ...): as on GitHub, their request is dropped.
    pub fn add_review(&self, number: u64, login: &str, state: &str) {
        let at = self.st().tick();
        self.add_review_at(number, login, state, &at);
    }

    /// A review submitted at `at` (RFC 3339, as GitHub's `submitted_at`).
    pub fn add_review_at(&self, number: u64, login: &str, state: &str, at: &str) {
        let mut st = self.st();
        let p = st.pulls.get_mut(&number).expect("no such pull request");
        p.requested_reviewers.retain(|u| u != login);
        p.reviews.push((login.into(), state.into(), at.into()));
    }

    /// Closes a pull request; `merged` also moves the base branch to the head's commit.
    pub fn close_pull(&self, number: u64, merged: bool) {
        let mut st = self.st();
        let now = st.tick();
        let p = st.pulls.get_mut(&number).expect("no such pull request");
        p.state = "closed".into();
        p.merged = merged;
        p.updated_at = now;
        let (head, base) = (p.head.clone(), p.base.clone());
        if merged {
            if let Some(sha) = st.refs.get(&head).cloned() {
                st.refs.insert(base, sha);
            }
        }
    }

    pub fn pull(&self, number: u64) -> Option<FakePull> {
        self.st().pulls.get(&number).cloned()
    }

    pub fn pulls(&self) -> Vec<FakePull> {
        self.st().pulls.values().cloned().collect()
    }
}
