//! Unit tests of the GitHub client that need no server: encoding, the token check and its
//! hiding, the timing variables, the backoff policy. The client against a fake GitHub is
//! tested end to end in tests/github_client.rs.
use super::endpoints::encode;
use super::retry::epoch_now;
use super::*;

fn env(token: Option<&str>) -> Env {
    Env {
        token: token.map(str::to_string),
        api_url: "http://127.0.0.1:9".into(),
        repo: RepoId::parse("acme/db"),
    }
}

#[test]
fn encoding() {
    assert_eq!(encode("docs/a b.md"), "docs/a%20b.md");
    assert_eq!(encode("acme:dbarch/review/x"), "acme%3Adbarch/review/x");
}

#[test]
fn needs_a_token_and_hides_it() {
    assert!(matches!(Client::new(&env(None)), Err(Error::Usage(_))));
    let c = Client::new(&env(Some("ghp_secret_value_1234"))).unwrap();
    assert!(!format!("{c:?}").contains("ghp_secret_value_1234"));
    assert!(matches!(
        Client::new(&env(Some("bad\u{7}token"))),
        Err(Error::Usage(_))
    ));
}

#[test]
fn timing_from_the_environment() {
    let from = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ClientOptions::from_env(&move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    };
    assert_eq!(from(&[]).unwrap(), ClientOptions::default());
    assert_eq!(
        from(&[(ENV_RETRY_BASE_MS, ""), (ENV_TIMEOUT_MS, "  ")]).unwrap(),
        ClientOptions::default(),
        "blank is unset"
    );
    let set = from(&[
        (ENV_RETRY_BASE_MS, "5"),
        (ENV_RETRY_MAX_MS, " 50 "),
        (ENV_TIMEOUT_MS, "2500"),
    ])
    .unwrap();
    assert_eq!(
        set,
        ClientOptions {
            timeout: Duration::from_millis(2500),
            max_retries: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        }
    );
    let zero = from(&[(ENV_RETRY_BASE_MS, "0"), (ENV_RETRY_MAX_MS, "0")]).unwrap();
    assert_eq!(
        (zero.base_delay, zero.max_delay),
        (Duration::ZERO, Duration::ZERO)
    );
    for (name, value) in [
        (ENV_RETRY_BASE_MS, "1s"),
        (ENV_RETRY_BASE_MS, "-5"),
        (ENV_RETRY_MAX_MS, "1.5"),
        (ENV_RETRY_MAX_MS, "99999999999999999999999"),
        (ENV_TIMEOUT_MS, "0"),
        (ENV_TIMEOUT_MS, "30 s"),
    ] {
        match from(&[(name, value)]) {
            Err(Error::Usage(m)) => assert!(
                m.starts_with(&format!("environment variable {name}: `{value}`")),
                "{m}"
            ),
            other => panic!("{name}={value}: {other:?}"),
        }
    }
}

#[test]
fn backoff_doubles_and_is_capped() {
    let mut c = Client::new(&env(Some("t0ken"))).unwrap();
    c.options.base_delay = Duration::from_millis(100);
    c.options.max_delay = Duration::from_millis(350);
    let timeout = Failure::Timeout;
    let d = |c: &Client, n| c.retry_delay(&timeout, Replay::Safe, n);
    assert_eq!(d(&c, 1), Some(Duration::from_millis(100)));
    assert_eq!(d(&c, 2), Some(Duration::from_millis(200)));
    assert_eq!(d(&c, 3), Some(Duration::from_millis(350)));
    assert_eq!(c.retry_delay(&timeout, Replay::Once, 1), None);
    let status = |status, retry_after, rate_limited, reset| Failure::Status {
        status,
        message: String::new(),
        retry_after,
        rate_limited,
        reset,
    };
    let capped = Some(Duration::from_millis(350));
    let limited = status(429, Some(1), true, None);
    assert_eq!(c.retry_delay(&limited, Replay::Once, 1), capped);
    let server = status(500, None, false, None);
    assert_eq!(c.retry_delay(&server, Replay::Once, 1), None);
    assert!(c.retry_delay(&server, Replay::Safe, 1).is_some());
    // What the server asks for is capped too: a long Retry-After on a 503, a primary
    // limit that resets in an hour.
    let busy = status(503, Some(120), false, None);
    assert_eq!(c.retry_delay(&busy, Replay::Safe, 1), capped);
    let spent = status(403, None, true, Some(epoch_now() + 3600));
    assert_eq!(c.retry_delay(&spent, Replay::Once, 1), capped);
}
