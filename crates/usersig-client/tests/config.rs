//! The configuration without a network: its defaults, what `Client::new`
//! refuses, the rate limits per API, and `Debug` and errors without the key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use usersig::SecretKey;
use usersig_client::{
    Client, ClientConfig, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RATE_LIMIT,
    DEFAULT_TIMEOUT, Endpoint, ErrorClass, ErrorKind, MULTIACCOUNT_IMPORT_RATE_LIMIT, RateLimit,
    RateLimits, Region, RetryPolicy, TransportFailure, UnixClock,
};
use usersig_login::rest::{DEFAULT_ADMIN_SIG_TTL, DEFAULT_RENEW_MARGIN, RestError};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn config() -> ClientConfig {
    ClientConfig::new(APP, "administrator", SecretKey::new(KEY).unwrap())
}

#[test]
fn defaults_are_the_documented_values() {
    let c = config();
    assert_eq!(c.endpoint, Endpoint::Region(Region::China));
    assert_eq!(c.timeout, DEFAULT_TIMEOUT);
    assert_eq!(c.timeout, Duration::from_secs(10));
    assert_eq!(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(c.connect_timeout, Duration::from_secs(5));
    assert_eq!(c.retry, RetryPolicy::default());
    assert_eq!(c.rate_limits, RateLimits::tencent());
    assert_eq!(
        (c.admin_sig_ttl, c.admin_sig_margin),
        (DEFAULT_ADMIN_SIG_TTL, DEFAULT_RENEW_MARGIN)
    );
    assert!(c.http_client.is_none());
    let now = usersig::unix_now();
    assert!(c.clock.now().abs_diff(now) <= 1);
    assert_eq!(UnixClock::from_fn(|| 7).now(), 7);
}

#[test]
fn endpoints_pick_the_base_url() {
    let url = |c: ClientConfig| Client::new(c).unwrap().base_url().to_owned();
    assert_eq!(url(config()), "https://console.tim.qq.com");
    assert_eq!(
        url(config().with_region(Region::Singapore)),
        "https://adminapisgp.im.qcloud.com"
    );
    let mut c = config();
    c.endpoint = Endpoint::BackupDomain(Region::Frankfurt);
    assert_eq!(url(c), "https://adminapiger.my-imcloud.com");
    assert_eq!(
        url(config().with_base_url("http://127.0.0.1:8080/")),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        url(config().with_base_url("https://im.example.com:8443")),
        "https://im.example.com:8443"
    );
}

#[test]
fn rate_limits_are_per_api_with_tencents_defaults() {
    let t = RateLimits::tencent();
    assert_eq!(
        t.get("openim", "query_online_status"),
        Some(RateLimit::per_second(DEFAULT_RATE_LIMIT))
    );
    assert_eq!(DEFAULT_RATE_LIMIT, 200);
    assert_eq!(
        t.get("im_open_login_svc", "multiaccount_import"),
        Some(RateLimit::per_second(MULTIACCOUNT_IMPORT_RATE_LIMIT))
    );
    assert_eq!(MULTIACCOUNT_IMPORT_RATE_LIMIT, 100);
    assert_eq!(
        RateLimit::per_second(5).burst,
        1,
        "spaced evenly by default"
    );
    assert_eq!(
        RateLimit::per_second(5).with_burst(3),
        RateLimit {
            per_second: 5,
            burst: 3
        }
    );
    let custom = RateLimits::tencent()
        .with_api("im_open_login_svc", "kick", Some(RateLimit::per_second(10)))
        .with_api("im_open_login_svc", "kick", Some(RateLimit::per_second(20)))
        .with_api("openim", "query_online_status", None);
    assert_eq!(
        custom.get("im_open_login_svc", "kick"),
        Some(RateLimit::per_second(20)),
        "the later one wins"
    );
    assert_eq!(custom.get("openim", "query_online_status"), None);
    assert_eq!(
        custom.get("openim", "sendmsg"),
        Some(RateLimit::per_second(200))
    );
    let off = RateLimits::off();
    assert_eq!(off.get("openim", "sendmsg"), None);
    assert_eq!(
        off.with_default(Some(RateLimit::per_second(1)))
            .get("a", "b"),
        Some(RateLimit::per_second(1))
    );
}

#[test]
fn new_refuses_what_cannot_work() {
    let refused = |c: ClientConfig| Client::new(c).unwrap_err();
    assert!(matches!(
        refused(ClientConfig::new(
            0,
            "administrator",
            SecretKey::new(KEY).unwrap()
        )),
        ConfigError::Rest(RestError::Sign(_))
    ));
    assert!(matches!(
        refused(ClientConfig::new(APP, "", SecretKey::new(KEY).unwrap())),
        ConfigError::Rest(RestError::Sign(_))
    ));
    // Clear text only on loopback: the URL carries the admin UserSig.
    let e = refused(config().with_base_url("http://im.example.com"));
    assert!(
        matches!(e, ConfigError::Rest(RestError::InvalidBaseUrl(_))),
        "{e:?}"
    );
    assert!(e.to_string().contains("loopback"), "{e}");
    assert!(matches!(
        refused(config().with_base_url("ftp://127.0.0.1")),
        ConfigError::Rest(RestError::InvalidBaseUrl(_))
    ));
    let mut c = config();
    c.admin_sig_margin = c.admin_sig_ttl;
    assert!(matches!(
        refused(c),
        ConfigError::Rest(RestError::RenewMargin { .. })
    ));
    let mut c = config();
    c.timeout = Duration::ZERO;
    assert_eq!(
        refused(c).to_string(),
        "the timeout must be longer than zero"
    );
    let mut c = config();
    c.connect_timeout = Duration::ZERO;
    assert!(matches!(
        refused(c),
        ConfigError::ZeroTimeout("connect timeout")
    ));
    let mut c = config();
    c.rate_limits = RateLimits::tencent().with_api("openim", "x", Some(RateLimit::per_second(0)));
    let e = refused(c);
    assert!(
        matches!(&e, ConfigError::RateLimit { api } if api == "openim/x"),
        "{e:?}"
    );
    let mut c = config();
    c.rate_limits = RateLimits::off().with_default(Some(RateLimit::per_second(5).with_burst(0)));
    assert!(matches!(refused(c), ConfigError::RateLimit { api } if api == "*/*"));
}

#[test]
fn a_client_of_ones_own_is_used() {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut c = config();
    c.http_client = Some(http);
    assert!(Client::new(c).is_ok());
}

#[tokio::test]
async fn debug_and_errors_never_show_the_key() {
    let c = config();
    let client = Client::new(c.clone()).unwrap();
    // Refused before anything is sent: no network needed.
    let err = client.kick("").await.unwrap_err();
    for text in [
        format!("{c:?}"),
        format!("{client:?}"),
        format!("{err:?} {err}"),
    ] {
        for piece in KEY.as_bytes().chunks(16) {
            assert!(
                !text.contains(std::str::from_utf8(piece).unwrap()),
                "{text}"
            );
        }
    }
    assert!(format!("{c:?}").contains("[redacted]"));
    assert_eq!(
        err.to_string(),
        "im_open_login_svc/kick failed: the request cannot be made: invalid argument: a UserID is empty; nothing was sent"
    );
    assert!(matches!(err.kind, ErrorKind::Request(_)));
    assert_eq!(err.class(), ErrorClass::Config);
    assert_eq!(
        (err.code(), err.transport(), err.gave_up),
        (None, None, None)
    );
    assert_eq!(
        TransportFailure::Timeout {
            after: Duration::from_millis(250)
        }
        .to_string(),
        "no answer within the timeout (0.250 s)"
    );
}
