//! One REST call as the client describes it before sending: the [`Method`], the path,
//! the permission it needs ([`Scope`], for the 403 message) and whether it may be sent
//! twice ([`Replay`]), and the owned octocrab handle ([`Api`]) each attempt runs on.
use std::fmt;

use octocrab::{issues, pulls, repos};
use octocrab::{FromResponse, Octocrab};
use serde_json::Value;

use super::Client;

/// Which permission a call needs, for the message when the token lacks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    Repo,
    Issues,
    Contents,
    Pulls,
}

impl Scope {
    /// The permission `method` on this scope needs (GitHub's names, as a workflow's
    /// `permissions:` spells them): reads need `read`, everything else `write`.
    pub(super) fn permission(self, method: Method) -> &'static str {
        let read = method == Method::Get;
        match (self, read) {
            (Scope::Repo, _) => "metadata: read",
            (Scope::Issues, true) => "issues: read",
            (Scope::Issues, false) => "issues: write",
            (Scope::Contents, true) => "contents: read",
            (Scope::Contents, false) => "contents: write",
            (Scope::Pulls, true) => "pull-requests: read",
            (Scope::Pulls, false) => "pull-requests: write",
        }
    }
}

/// Whether a call may be sent again when we cannot tell if the first one landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Replay {
    /// Sending it twice has the effect of sending it once.
    Safe,
    /// Each one creates something: replay only when GitHub proves nothing was done.
    Once,
}

/// The HTTP methods the client sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
    Patch,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        })
    }
}

/// One REST call: what [`Client::calls`] and the error messages show, and how a failure
/// is treated.
pub(super) struct Call {
    pub(super) method: Method,
    /// Path and query, without the API's base (`/repos/acme/db/issues?state=all`).
    pub(super) path: String,
    pub(super) scope: Scope,
    pub(super) replay: Replay,
}

impl Call {
    pub(super) fn new(method: Method, path: String, scope: Scope, replay: Replay) -> Call {
        Call {
            method,
            path,
            scope,
            replay,
        }
    }
}

/// What one attempt of a call is given: its own octocrab handle and the repository, owned,
/// so that the attempt's future borrows nothing from the [`Client`].
pub(super) struct Api {
    pub(super) crab: Octocrab,
    pub(super) owner: String,
    pub(super) name: String,
}

impl Api {
    pub(super) fn issues(&self) -> issues::IssueHandler<'_> {
        self.crab.issues(&self.owner, &self.name)
    }

    pub(super) fn pulls(&self) -> pulls::PullRequestHandler<'_> {
        self.crab.pulls(&self.owner, &self.name)
    }

    pub(super) fn repos(&self) -> repos::RepoHandler<'_> {
        self.crab.repos(&self.owner, &self.name)
    }

    /// `call` as a raw JSON request (the Git Data API, the contents API, review requests):
    /// a GET, or a POST or PATCH with `body`.
    pub(super) async fn json<R: FromResponse>(
        self,
        call: &Call,
        body: Option<&Value>,
    ) -> octocrab::Result<R> {
        let route = call.path.as_str();
        match call.method {
            Method::Get => self.crab.get::<R, _, ()>(route, None).await,
            Method::Post => self.crab.post(route, body).await,
            Method::Patch => self.crab.patch::<R, _, Value>(route, body).await,
        }
    }
}

impl Client {
    /// A call on this repository: `METHOD /repos/{owner}/{name}{tail}`.
    pub(super) fn call(&self, method: Method, tail: &str, scope: Scope, replay: Replay) -> Call {
        let path = format!("/repos/{}/{}{tail}", self.repo.owner, self.repo.name);
        Call::new(method, path, scope, replay)
    }

    /// What the next attempt of a call is given.
    pub(super) fn api(&self) -> Api {
        Api {
            crab: self.crab.clone(),
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
        }
    }
}
