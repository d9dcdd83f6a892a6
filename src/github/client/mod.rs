//! The real GitHub: [`Client`] implements [`GitHub`](super::GitHub) with octocrab.
//!
//! Every trait method is one REST call (the list methods follow `Link: rel="next"` pages of
//! 100), made on a private current-thread tokio runtime so the trait stays blocking. Each
//! attempt is bounded by [`ClientOptions::timeout`]. Issues, comments, pull requests and
//! the repository go through octocrab's typed APIs; the Git Data API, the contents API and
//! review requests through its raw `get`/`post`/`patch` with JSON bodies.
//!
//! # Retries
//!
//! octocrab's own retry layer is switched off: the policy lives here, where it can be
//! tested. A failed attempt is retried up to [`ClientOptions::max_retries`] times, after
//! `Retry-After` seconds (or until `x-ratelimit-reset` when the primary limit is spent)
//! when GitHub says so, else after an exponential backoff (`base_delay`, doubling); every
//! wait, a longer `Retry-After` or rate-limit reset included, is capped at
//! [`ClientOptions::max_delay`]. What is retried:
//!
//! - 429, and 403 that is a rate limit (`retry-after`, `x-ratelimit-remaining: 0`, or a
//!   "rate limit" message such as the secondary-limit one): GitHub did nothing, so every
//!   call is retried. A secondary limit without `Retry-After` waits `max_delay` (GitHub
//!   asks for at least a minute).
//! - A connection that was refused or could not be made in time: nothing was sent, so
//!   every call is retried.
//! - 5xx (but 501), a timeout, or a connection that broke: retried only for *replayable*
//!   calls. Reads and PATCHes are; so are the label and reviewer POSTs (adding twice is a
//!   no-op) and the Git Data POSTs (blobs, trees and commits are content-addressed, a
//!   duplicate is an unreachable object; a ref that already exists with the wanted sha
//!   counts as created). `create_issue`, `create_pull` and `create_comment` are NOT
//!   replayed after these: GitHub may have made the issue before the response failed (a
//!   500/502/504 after the write, or a response that never came), and a blind retry would
//!   make a duplicate. The error says the request may have been applied; the caller
//!   re-lists and looks for its marker.
//!
//! # Timing from the environment
//!
//! [`Client::new`] takes the default [`ClientOptions`] and applies three variables
//! ([`ClientOptions::from_env`]); [`Client::with_options`] ignores them. Each is a whole
//! number of milliseconds; an empty value counts as unset, anything else that is not a
//! number (or a timeout of 0) is an [`Error::Usage`] naming the variable.
//!
//! | variable | sets | default |
//! |---|---|---|
//! | `DBARCH_GITHUB_RETRY_BASE_MS` | [`ClientOptions::base_delay`], the first backoff | 1000 |
//! | `DBARCH_GITHUB_RETRY_MAX_MS` | [`ClientOptions::max_delay`], the longest wait (`Retry-After` included) | 60000 |
//! | `DBARCH_GITHUB_TIMEOUT_MS` | [`ClientOptions::timeout`], per attempt (at least 1) | 30000 |
//!
//! The number of retries stays 4. The tests set small values so that the binary's retries
//! against the fake GitHub take milliseconds.
//!
//! # Errors
//!
//! Every failure from GitHub or the network is [`Error::Remote`] (exit code 4), with the
//! HTTP status when there was one, `GitHub METHOD PATH: STATUS MESSAGE` and what to do:
//! for 401 the token; for 403 (not a rate limit) the permission the call needs (`read` for
//! a GET, `write` otherwise: `issues: read`, `contents: write`, `pull-requests: write`,
//! ...) or the repository setting "Allow GitHub Actions to create and approve pull
//! requests"; for 404 what the token must see; for 5xx, rate limits and the network to run
//! again later; for an answer that is not JSON (an HTML proxy or single sign-on page) to
//! check `GITHUB_API_URL`. Every message goes through [`redact`], and [`Client`]'s `Debug`
//! never shows the token.
//!
//! # Layout
//!
//! This file holds [`Client`] (its construction and the token check) and [`ClientOptions`]
//! with the timing variables. The rest is split by what a change touches:
//!
//! - `endpoints`: each [`GitHub`](super::GitHub) method as its REST call, and the
//!   conversion of octocrab's models into the trait's types; a new endpoint goes here.
//! - `call`: what a call is before it is sent (method, path, `Scope`, `Replay`) and
//!   the octocrab handle an attempt runs on.
//! - `retry`: sending with the per-attempt timeout, why an attempt failed, the retry
//!   policy above, and pagination.
//! - `errors`: the user-facing message of a call that failed for good.
//! - `tests`: unit tests that need no server (the fake GitHub is in tests/).
//!
//! The HTTP stack under octocrab (the response size cap) is in [`super::transport`].
use std::fmt;
use std::time::Duration;

use octocrab::Octocrab;

use super::{redact, Env, RepoId};
use crate::{Error, Result};
use call::{Api, Call, Method, Replay, Scope};
use retry::{Failed, Failure};

/// Timeouts and the retry policy (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// The longest one attempt may take, connecting included. Default 30 s.
    pub timeout: Duration,
    /// Retries after the first attempt. Default 4.
    pub max_retries: u32,
    /// The first backoff; it doubles with each retry. Default 1 s.
    pub base_delay: Duration,
    /// The longest wait between two attempts, `Retry-After` included. Default 60 s.
    pub max_delay: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            max_retries: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// `DBARCH_GITHUB_RETRY_BASE_MS`: [`ClientOptions::base_delay`] in milliseconds.
pub const ENV_RETRY_BASE_MS: &str = "DBARCH_GITHUB_RETRY_BASE_MS";
/// `DBARCH_GITHUB_RETRY_MAX_MS`: [`ClientOptions::max_delay`] in milliseconds.
pub const ENV_RETRY_MAX_MS: &str = "DBARCH_GITHUB_RETRY_MAX_MS";
/// `DBARCH_GITHUB_TIMEOUT_MS`: [`ClientOptions::timeout`] in milliseconds (at least 1).
pub const ENV_TIMEOUT_MS: &str = "DBARCH_GITHUB_TIMEOUT_MS";

impl ClientOptions {
    /// The defaults with the timing variables applied (see the module doc); `env` looks a
    /// variable up. An empty or blank value counts as unset; a value that is not a whole
    /// number of milliseconds (for the timeout: at least 1) is an [`Error::Usage`] that
    /// names the variable and shows the value.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<ClientOptions> {
        let millis = |name: &str, least: u64| -> Result<Option<Duration>> {
            let Some(value) = env(name).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            match value.trim().parse::<u64>() {
                Ok(n) if n >= least => Ok(Some(Duration::from_millis(n))),
                _ => Err(Error::Usage(format!(
                    "environment variable {name}: `{}` is not a number of milliseconds (a whole number, at least {least})",
                    value.trim()
                ))),
            }
        };
        let mut options = ClientOptions::default();
        if let Some(d) = millis(ENV_RETRY_BASE_MS, 0)? {
            options.base_delay = d;
        }
        if let Some(d) = millis(ENV_RETRY_MAX_MS, 0)? {
            options.max_delay = d;
        }
        if let Some(d) = millis(ENV_TIMEOUT_MS, 1)? {
            options.timeout = d;
        }
        Ok(options)
    }
}

/// GitHub through octocrab (see the module doc).
pub struct Client {
    rt: tokio::runtime::Runtime,
    crab: Octocrab,
    repo: RepoId,
    api_url: String,
    /// The path part of `api_url` (`/api/v3` on GitHub Enterprise), stripped from the paths
    /// of `Link` URLs so [`Client::calls`] shows every path the same way.
    api_path: String,
    token: String,
    options: ClientOptions,
    calls: Vec<(String, String)>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("repo", &self.repo)
            .field("api_url", &redact(&self.api_url, Some(&self.token)))
            .field("token", &"***")
            .field("options", &self.options)
            .field("calls", &self.calls.len())
            .finish()
    }
}

impl Client {
    /// A client for `env`'s repository with the default [`ClientOptions`] and the timing
    /// variables of the process environment applied ([`ClientOptions::from_env`]). Needs a
    /// token and a repository.
    pub fn new(env: &Env) -> Result<Client> {
        let vars = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let token = env.token.as_deref().map(str::trim);
        let options = ClientOptions::from_env(&vars).map_err(|e| match e {
            // The value is shown: a token pasted into the wrong variable must not be.
            Error::Usage(m) => Error::Usage(redact(&m, token)),
            other => other,
        })?;
        Client::with_options(env, options)
    }

    /// A client with explicit timeouts and retry policy; the timing variables of the
    /// environment are not read (tests use milliseconds).
    pub fn with_options(env: &Env, options: ClientOptions) -> Result<Client> {
        let token = env.require_token()?.trim().to_string();
        if token.is_empty() || !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(Error::Usage(
                "the GitHub token (GITHUB_TOKEN or GH_TOKEN) contains characters that cannot be sent in a header".into(),
            ));
        }
        let repo = env.require_repo()?;
        let api_url = env.api_url.trim_end_matches('/').to_string();
        let Some(after_scheme) = api_url
            .strip_prefix("https://")
            .or_else(|| api_url.strip_prefix("http://"))
        else {
            return Err(Error::Config(format!(
                "environment variable GITHUB_API_URL: `{}` is not an http(s) URL",
                redact(&api_url, Some(&token))
            )));
        };
        let api_path = after_scheme
            .find('/')
            .map(|i| after_scheme[i..].to_string())
            .unwrap_or_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Internal(format!("cannot start the runtime for GitHub calls: {e}"))
            })?;
        // octocrab's layers over a hyper client whose response bodies are capped.
        let crab = {
            let _inside = rt.enter();
            super::transport::build(
                &api_url,
                &token,
                options.timeout / 2,
                super::transport::MAX_RESPONSE_BYTES,
            )
        }
        .map_err(|e| {
            Error::Config(redact(
                &format!("environment variable GITHUB_API_URL: `{api_url}`: {e}"),
                Some(&token),
            ))
        })?;
        Ok(Client {
            rt,
            crab,
            repo,
            api_url,
            api_path,
            token,
            options,
            calls: Vec::new(),
        })
    }

    /// Every HTTP request made so far (retries included), as `(method, path?query)`.
    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.clone()
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }
}

mod call;
mod endpoints;
mod errors;
mod retry;

#[cfg(test)]
mod tests;
