//! Sending a call: each attempt bounded by
//! [`ClientOptions::timeout`](super::ClientOptions::timeout), what made it fail
//! ([`Failure`]), the retry policy ([`Client::retry_delay`], described in the module doc
//! of `client`), and `Link: rel="next"` pagination.
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use octocrab::Page;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Api, Call, Client, Method, Replay};
use crate::Result;

/// Why one attempt failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// GitHub answered with an error status.
    Status {
        status: u16,
        message: String,
        retry_after: Option<u64>,
        rate_limited: bool,
        /// `x-ratelimit-reset`, kept only when `x-ratelimit-remaining` is 0.
        reset: Option<u64>,
    },
    /// No answer within [`ClientOptions::timeout`](super::ClientOptions::timeout).
    Timeout,
    /// The connection failed. `unsent`: it was never made, so nothing reached GitHub.
    Transport { message: String, unsent: bool },
    /// A response we could not read.
    Other(String),
}

/// The last failure of a call, and how many attempts it took.
pub(super) struct Failed {
    pub(super) failure: Failure,
    pub(super) attempts: u32,
}

impl Failure {
    fn from_octocrab(err: octocrab::Error) -> Failure {
        match err {
            octocrab::Error::GitHub { source, .. } => {
                let header = |name: &str| {
                    source
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(name))
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.trim().to_string())
                };
                let status = source.status_code.as_u16();
                let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
                let spent = header("x-ratelimit-remaining").as_deref() == Some("0");
                let says_limit = source.message.to_ascii_lowercase().contains("rate limit");
                let rate_limited = status == 429
                    || (status == 403 && (retry_after.is_some() || spent || says_limit));
                let mut message = source.message.trim().trim_end_matches('.').to_string();
                if let Some(errors) = source.errors.as_ref().filter(|e| !e.is_empty()) {
                    let details: Vec<String> = errors.iter().map(describe_error).collect();
                    message = format!("{message} ({})", details.join("; "));
                }
                Failure::Status {
                    status,
                    message,
                    retry_after,
                    rate_limited,
                    reset: if spent { source.rate_limit_reset } else { None },
                }
            }
            octocrab::Error::Service { source, .. } => transport(&*source),
            octocrab::Error::Hyper { source, .. } => transport(&source),
            other => Failure::Other(other.to_string()),
        }
    }
}

/// One entry of a 422's `errors`: `{"resource":"Issue","field":"assignees","code":"invalid"}`
/// or `{"message": "..."}`.
fn describe_error(e: &Value) -> String {
    if let Some(m) = e.get("message").and_then(Value::as_str) {
        return m.to_string();
    }
    let part = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("");
    match (part("resource"), part("field"), part("code")) {
        ("", "", "") => e.to_string(),
        (r, f, c) => format!("{r}.{f}: {c}"),
    }
}

fn transport(err: &(dyn std::error::Error + 'static)) -> Failure {
    let mut message = err.to_string();
    let mut unsent = false;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.is::<http_body_util::LengthLimitError>() {
            return Failure::Other(format!(
                "the answer is larger than {} MiB, the most dbarch reads",
                crate::github::transport::MAX_RESPONSE_BYTES >> 20
            ));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // No read or write timeout is set on the connector: a timed-out I/O error is the
            // connect timeout.
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::TimedOut
            ) {
                unsent = true;
            }
        }
        if !std::ptr::addr_eq(e, err) {
            let text = e.to_string();
            if !message.contains(&text) {
                message = format!("{message}: {text}");
            }
        }
        cur = e.source();
    }
    Failure::Transport { message, unsent }
}

pub(super) fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Client {
    /// Runs `op` (one attempt of `call`) until it succeeds or the policy gives up.
    pub(super) fn send<T, F, Fut>(&mut self, call: &Call, mut op: F) -> Result<T, Failed>
    where
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.calls
                .push((call.method.to_string(), call.path.clone()));
            let timeout = self.options.timeout;
            let api = self.api();
            let outcome = self
                .rt
                .block_on(async { tokio::time::timeout(timeout, op(api)).await });
            let failure = match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => Failure::from_octocrab(e),
                Err(_) => Failure::Timeout,
            };
            match self.retry_delay(&failure, call.replay, attempts) {
                Some(delay) if attempts <= self.options.max_retries => std::thread::sleep(delay),
                _ => return Err(Failed { failure, attempts }),
            }
        }
    }

    /// [`Client::send`], with the user-facing error.
    pub(super) fn run<T, F, Fut>(&mut self, call: &Call, op: F) -> Result<T>
    where
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        self.send(call, op).map_err(|f| self.error(call, f))
    }

    /// Like [`Client::run`], but a 404 is `None`.
    pub(super) fn run_optional<T, F, Fut>(&mut self, call: &Call, op: F) -> Result<Option<T>>
    where
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        match self.send(call, op) {
            Ok(v) => Ok(Some(v)),
            Err(Failed {
                failure: Failure::Status { status: 404, .. },
                ..
            }) => Ok(None),
            Err(f) => Err(self.error(call, f)),
        }
    }

    /// Runs the first page and follows `Link: rel="next"` (GETs with `call`'s scope).
    pub(super) fn paginate<T, F, Fut>(&mut self, call: &Call, first: F) -> Result<Vec<T>>
    where
        T: DeserializeOwned,
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = octocrab::Result<Page<T>>>,
    {
        let mut page = self.run(call, first)?;
        let mut items = page.take_items();
        while let Some(next) = page.next.take() {
            let full = next
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/")
                .to_string();
            let path = match full.strip_prefix(self.api_path.as_str()) {
                Some(rest) if !self.api_path.is_empty() && rest.starts_with('/') => {
                    rest.to_string()
                }
                _ => full,
            };
            let next_call = Call::new(Method::Get, path, call.scope, Replay::Safe);
            page = self.run(&next_call, |api| api.json(&next_call, None))?;
            items.extend(page.take_items());
        }
        Ok(items)
    }

    /// How long to wait before the next attempt, `None` to give up.
    pub(super) fn retry_delay(
        &self,
        failure: &Failure,
        replay: Replay,
        attempts: u32,
    ) -> Option<Duration> {
        let o = &self.options;
        let doubling = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let backoff = o.base_delay.saturating_mul(doubling).min(o.max_delay);
        let wait = match failure {
            Failure::Status {
                status,
                rate_limited: true,
                retry_after,
                reset,
                ..
            } => match (retry_after, reset) {
                (Some(secs), _) => Duration::from_secs(*secs),
                (None, Some(reset)) => {
                    Duration::from_secs(reset.saturating_sub(epoch_now()).max(1))
                }
                // A secondary limit without Retry-After: GitHub asks for at least a minute.
                (None, None) if *status == 403 => o.max_delay,
                (None, None) => backoff,
            },
            Failure::Status {
                status,
                retry_after,
                ..
            } if *status >= 500 && *status != 501 && replay == Replay::Safe => {
                retry_after.map(Duration::from_secs).unwrap_or(backoff)
            }
            Failure::Transport { unsent: true, .. } => backoff,
            Failure::Transport { .. } | Failure::Timeout if replay == Replay::Safe => backoff,
            _ => return None,
        };
        Some(wait.min(o.max_delay))
    }
}
