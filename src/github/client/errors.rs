//! The user-facing [`Error`] of a call that failed for good: `GitHub METHOD PATH: STATUS
//! MESSAGE` and what to do (the token, the permission, the repository setting, run again
//! later, `GITHUB_API_URL`), with the token redacted.
use super::{Call, Client, Failed, Failure, Replay, Scope};
use crate::github::redact;
use crate::Error;

/// Whether a response that could not be read failed because it is not JSON at all (an
/// HTML page starts with `<`): serde's "expected value at line 1 column 1" and the like.
fn not_json(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("expected value") || m.contains("<!doctype") || m.contains("<html")
}

impl Client {
    /// The user-facing error for a call that failed for good.
    pub(super) fn error(&self, call: &Call, failed: Failed) -> Error {
        let head = format!("GitHub {} {}", call.method, call.path);
        let tries = if failed.attempts > 1 {
            format!(" (gave up after {} attempts)", failed.attempts)
        } else {
            String::new()
        };
        let perm = call.scope.permission(call.method);
        let maybe_applied =
            "not retried, because the request may have been applied: list before trying again";
        let remote = |status: Option<u16>, message: String| Error::Remote { status, message };
        let network = "check the runner's network and GITHUB_API_URL, then run again";
        let err = match failed.failure {
            Failure::Status {
                status: 401,
                message,
                ..
            } => remote(Some(401), format!(
                "{head}: 401 {message}: the token (GITHUB_TOKEN or GH_TOKEN) is invalid or has expired"
            )),
            Failure::Status {
                status: 403,
                message,
                rate_limited: false,
                ..
            } if call.scope == Scope::Pulls
                && message.contains("not permitted to create or approve pull requests") =>
            {
                remote(Some(403), format!(
                    "{head}: 403 {message}: turn on the repository setting \"Allow GitHub Actions to create and approve pull requests\" (Settings > Actions > General > Workflow permissions), or use a token that may open pull requests"
                ))
            }
            Failure::Status {
                status: 403,
                message,
                rate_limited: false,
                ..
            } => remote(Some(403), format!(
                "{head}: 403 {message}: the token needs the `{perm}` permission (in a workflow, grant it under the job's `permissions:`)"
            )),
            Failure::Status {
                status: 404,
                message,
                ..
            } => remote(Some(404), format!(
                "{head}: 404 {message}: it does not exist, or the token cannot see it (it needs `{perm}` on {})",
                self.repo
            )),
            Failure::Status {
                status,
                message,
                rate_limited: true,
                ..
            } => remote(Some(status), format!("{head}: {status} {message}: rate limited{tries}: run again later")),
            Failure::Status {
                status, message, ..
            } if status >= 500 && call.replay == Replay::Once => {
                remote(Some(status), format!("{head}: {status} {message}: {maybe_applied}"))
            }
            Failure::Status {
                status, message, ..
            } if status >= 500 => remote(Some(status), format!(
                "{head}: {status} {message}{tries}: GitHub is failing; run again later (https://www.githubstatus.com)"
            )),
            Failure::Status {
                status, message, ..
            } => remote(Some(status), format!("{head}: {status} {message}{tries}")),
            Failure::Timeout if call.replay == Replay::Once => remote(None, format!(
                "{head}: no response within {:?}: {maybe_applied}",
                self.options.timeout
            )),
            Failure::Timeout => remote(None, format!(
                "{head}: no response within {:?}{tries}: {network}",
                self.options.timeout
            )),
            Failure::Transport { message, unsent } if call.replay == Replay::Once && !unsent => {
                remote(None, format!("{head}: {message}: {maybe_applied}"))
            }
            Failure::Transport { message, .. } => remote(None, format!("{head}: {message}{tries}: {network}")),
            Failure::Other(message) if not_json(&message) => remote(None, format!(
                "{head}: the answer is not JSON (an HTML page from a proxy or a single sign-on login?): check GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3) and the runner's network: {message}"
            )),
            Failure::Other(message) => remote(None, format!("{head}: unexpected response: {message}")),
        };
        let token = Some(self.token.as_str());
        match err {
            Error::Usage(m) => Error::Usage(redact(&m, token)),
            Error::Internal(m) => Error::Internal(redact(&m, token)),
            Error::Remote { status, message } => Error::Remote {
                status,
                message: redact(&message, token),
            },
            other => other,
        }
    }
}
