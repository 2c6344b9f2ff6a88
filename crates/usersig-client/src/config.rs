//! What a [`Client`](crate::Client) is made from: the app, the admin, the
//! key, where to send, timeouts, the retry policy, the rate limits, the
//! admin UserSig's lifetime and the clock it is issued by.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use usersig::SecretKey;
use usersig_login::rest::{DEFAULT_ADMIN_SIG_TTL, DEFAULT_RENEW_MARGIN, Region, RestError};
use usersig_login::retry::RetryPolicy;

/// The default timeout of one attempt, from connecting to the last byte of
/// the answer: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default timeout of a connection's set-up (TCP and TLS): 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Tencent's default limit per API: 200 calls a second.
pub const DEFAULT_RATE_LIMIT: u32 = 200;

/// Tencent's limit for `multiaccount_import`: 100 calls a second.
pub const MULTIACCOUNT_IMPORT_RATE_LIMIT: u32 = 100;

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// A data center's primary domain ([`Region::domain`]), over HTTPS.
    Region(Region),
    /// A data center's backup domain ([`Region::backup_domain`]), over HTTPS.
    BackupDomain(Region),
    /// A base URL: `https://HOST[:PORT]`, or `http://HOST[:PORT]` for a
    /// loopback host only (`localhost`, `127.0.0.0/8`, `[::1]`), such as a
    /// local emulator (see [`RestApi::with_base_url`](usersig_login::rest::RestApi::with_base_url)).
    BaseUrl(String),
}

impl Default for Endpoint {
    /// [`Region::China`].
    fn default() -> Self {
        Self::Region(Region::China)
    }
}

/// A rate limit: at most `per_second` calls a second, of which up to
/// `burst` may go at once.
///
/// The limiter is `governor`'s GCRA: after a burst, one call every
/// `1 / per_second` seconds. With the default burst of 1 the calls are
/// spaced evenly, so that no second holds more than `per_second` of them
/// whichever way the server counts its seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls a second (at least 1).
    pub per_second: u32,
    /// Calls that may go at once when the limiter has been idle (at least 1).
    pub burst: u32,
}

impl RateLimit {
    /// `n` calls a second, spaced evenly (a burst of 1).
    pub const fn per_second(n: u32) -> Self {
        Self {
            per_second: n,
            burst: 1,
        }
    }

    /// The same rate with this burst.
    #[must_use]
    pub const fn with_burst(self, burst: u32) -> Self {
        Self { burst, ..self }
    }
}

/// The client-side rate limit of every API: one limiter per API
/// (`service`/`command`), so that a burst of calls queues on the client
/// instead of drawing 60007 from the server. Every attempt, retries
/// included, takes its API's next slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    default: Option<RateLimit>,
    apis: Vec<(String, String, Option<RateLimit>)>,
}

impl Default for RateLimits {
    /// [`RateLimits::tencent`].
    fn default() -> Self {
        Self::tencent()
    }
}

impl RateLimits {
    /// Tencent's default limits: [`DEFAULT_RATE_LIMIT`] calls a second for
    /// every API, [`MULTIACCOUNT_IMPORT_RATE_LIMIT`] for
    /// `im_open_login_svc/multiaccount_import`, each spaced evenly.
    pub fn tencent() -> Self {
        Self {
            default: Some(RateLimit::per_second(DEFAULT_RATE_LIMIT)),
            apis: Vec::new(),
        }
        .with_api(
            "im_open_login_svc",
            "multiaccount_import",
            Some(RateLimit::per_second(MULTIACCOUNT_IMPORT_RATE_LIMIT)),
        )
    }

    /// No client-side limit for any API.
    pub fn off() -> Self {
        Self {
            default: None,
            apis: Vec::new(),
        }
    }

    /// The limit of every API not named with [`with_api`](Self::with_api);
    /// `None`: no limit.
    #[must_use]
    pub fn with_default(mut self, limit: Option<RateLimit>) -> Self {
        self.default = limit;
        self
    }

    /// The limit of `service`/`command` (`None`: no limit), in place of the
    /// default and of any earlier one for that API.
    #[must_use]
    pub fn with_api(mut self, service: &str, command: &str, limit: Option<RateLimit>) -> Self {
        self.apis
            .retain(|(s, c, _)| !(s == service && c == command));
        self.apis
            .push((service.to_owned(), command.to_owned(), limit));
        self
    }

    /// The limit of `service`/`command`.
    pub fn get(&self, service: &str, command: &str) -> Option<RateLimit> {
        self.apis
            .iter()
            .find(|(s, c, _)| s == service && c == command)
            .map_or(self.default, |(_, _, l)| *l)
    }

    /// Every limit set, the default first (as `("*", "*")`), for checking.
    pub(crate) fn all(&self) -> impl Iterator<Item = (&str, &str, Option<RateLimit>)> {
        core::iter::once(("*", "*", self.default)).chain(
            self.apis
                .iter()
                .map(|(s, c, l)| (s.as_str(), c.as_str(), *l)),
        )
    }
}

/// The clock the admin UserSig is issued by: unix seconds.
///
/// The system clock by default; tests give the emulator's manual clock
/// (`UnixClock::from_fn(move || emulator.now())`) so that the client and the
/// server agree on the time without anyone waiting.
#[derive(Clone)]
pub struct UnixClock(Arc<dyn Fn() -> u64 + Send + Sync>);

impl UnixClock {
    /// The system clock ([`usersig::unix_now`]).
    pub fn system() -> Self {
        Self(Arc::new(usersig::unix_now))
    }

    /// A clock reading `now()`.
    pub fn from_fn(now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The time now, unix seconds.
    pub fn now(&self) -> u64 {
        (self.0)()
    }
}

impl Default for UnixClock {
    /// [`UnixClock::system`].
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for UnixClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnixClock")
    }
}

/// A [`Client`](crate::Client)'s configuration. [`ClientConfig::new`] sets
/// every field but the three it takes to its default; change the others as
/// fields.
///
/// `Debug` prints the key as `[redacted]`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The app's SDKAppID.
    pub sdkappid: u32,
    /// The App admin account the calls are made as (the console creates
    /// `administrator`).
    pub admin: String,
    /// The app's key: it signs the admin UserSig.
    pub key: SecretKey,
    /// Where requests go. Default [`Endpoint::Region`] China.
    pub endpoint: Endpoint,
    /// The timeout of one attempt, from connecting to the last byte of the
    /// answer; the retry policy's deadline shortens it when less time is
    /// left. Default [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// The timeout of a connection's set-up. Default
    /// [`DEFAULT_CONNECT_TIMEOUT`]. Not used with [`http_client`](Self::http_client),
    /// which has its own.
    pub connect_timeout: Duration,
    /// When to send a failed call again ([`RetryPolicy::default`]: 3
    /// attempts, 500 ms doubling up to 30 s with full jitter, a 120 s
    /// deadline, transport failures retried for reads only).
    pub retry: RetryPolicy,
    /// The client-side rate limits. Default [`RateLimits::tencent`].
    pub rate_limits: RateLimits,
    /// The admin UserSig's lifetime, seconds. Default
    /// [`DEFAULT_ADMIN_SIG_TTL`] (7 days).
    pub admin_sig_ttl: u64,
    /// How long before its expiry the admin UserSig is issued again,
    /// seconds (shorter than the lifetime). Default
    /// [`DEFAULT_RENEW_MARGIN`] (1 hour).
    pub admin_sig_margin: u64,
    /// An HTTP client to send with (proxies, custom TLS, a shared pool).
    /// Default: one built with rustls and the system's roots, the connect
    /// timeout, no redirects followed (IM answers every call with HTTP 200,
    /// so a redirect is a failure, never a place to send the admin UserSig
    /// to), and no proxy for a loopback base URL (the system's proxy
    /// settings otherwise).
    pub http_client: Option<reqwest::Client>,
    /// The clock the admin UserSig is issued by. Default [`UnixClock::system`].
    pub clock: UnixClock,
}

impl ClientConfig {
    /// App `sdkappid`, admin account `admin`, the app's `key`, every other
    /// field at its default.
    pub fn new(sdkappid: u32, admin: impl Into<String>, key: SecretKey) -> Self {
        Self {
            sdkappid,
            admin: admin.into(),
            key,
            endpoint: Endpoint::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::default(),
            admin_sig_ttl: DEFAULT_ADMIN_SIG_TTL,
            admin_sig_margin: DEFAULT_RENEW_MARGIN,
            http_client: None,
            clock: UnixClock::default(),
        }
    }

    /// Sends to `region`'s primary domain.
    #[must_use]
    pub fn with_region(mut self, region: Region) -> Self {
        self.endpoint = Endpoint::Region(region);
        self
    }

    /// Sends to this base URL ([`Endpoint::BaseUrl`]).
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Endpoint::BaseUrl(url.into());
        self
    }
}

/// A configuration [`Client::new`](crate::Client::new) refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The app id, the admin account, the base URL or the admin UserSig
    /// lifetime and margin (the login crate's checks).
    #[error(transparent)]
    Rest(#[from] RestError),
    /// A timeout of zero.
    #[error("the {0} must be longer than zero")]
    ZeroTimeout(&'static str),
    /// A rate limit of 0 calls a second or a burst of 0 (turn a limit off
    /// with `None` instead).
    #[error(
        "the rate limit of {api} must allow at least 1 call a second and a burst of 1 (None turns it off)"
    )]
    RateLimit {
        /// `service/command`, or `*/*` for the default.
        api: String,
    },
    /// The HTTP client could not be built (the TLS roots, for example).
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}
