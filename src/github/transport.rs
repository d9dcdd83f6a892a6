//! The HTTP stack under the GitHub client: octocrab's own layers (base URI, the token
//! header, the user agent, redirects) over a hyper client with rustls, plus a cap on
//! every response body, checked while it streams in ([`MAX_RESPONSE_BYTES`]), so a
//! hostile or broken server cannot make `dbarch` buffer gigabytes.
use std::sync::Arc;
use std::time::Duration;

use http::header::USER_AGENT;
use http::{HeaderValue, Uri};
use http_body_util::Limited;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::base_uri::BaseUriLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::{AuthState, OctoBody, Octocrab, OctocrabBuilder};
use tower::ServiceBuilder;
use tower_http::follow_redirect::FollowRedirectLayer;
use tower_http::map_response_body::MapResponseBodyLayer;

/// The largest response body read: the endpoints dbarch calls answer in kilobytes (a
/// document's contents, a page of 100 issues); 8 MiB leaves room and bounds memory.
pub const MAX_RESPONSE_BYTES: usize = 8 << 20;

/// An octocrab client for `api_url` with `token`; `connect_timeout` bounds making the
/// connection. Must be called inside a tokio runtime.
pub fn build(
    api_url: &str,
    token: &str,
    connect_timeout: Duration,
    max_body: usize,
) -> Result<Octocrab, String> {
    let base: Uri = api_url.parse().map_err(|e| format!("{e}"))?;
    let upload: Uri = "https://uploads.github.com"
        .parse()
        .map_err(|e| format!("{e}"))?;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| format!("cannot load the system's TLS roots: {e}"))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: hyper_util::client::legacy::Client<_, OctoBody> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(https);
    let client = ServiceBuilder::new()
        .layer(FollowRedirectLayer::new())
        .layer(MapResponseBodyLayer::new(move |b| {
            Limited::new(b, max_body)
        }))
        .service(client);
    let auth: HeaderValue = format!("Bearer {token}")
        .parse()
        .map_err(|_| "the GitHub token cannot be sent in a header".to_string())?;
    let headers = vec![(USER_AGENT, HeaderValue::from_static("octocrab"))];
    OctocrabBuilder::new_empty()
        .with_service(client)
        .with_layer(&ExtraHeadersLayer::new(Arc::new(headers)))
        .with_layer(&BaseUriLayer::new(base.clone()))
        .with_layer(&AuthHeaderLayer::new(Some(auth), base, upload))
        .with_auth(AuthState::None)
        .build()
        .map_err(|e| format!("{e}"))
}
