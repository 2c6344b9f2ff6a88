//! What an emulator emulates: the app, its admins, its console settings,
//! its webhook, its limits and its clock.

use core::fmt;

use usersig::SecretKey;
use usersig_login::instances::{CrossPlatform, PolicyError};
use zeroize::Zeroizing;

/// Tencent's default REST call limit per API, per second.
pub const DEFAULT_RATE_LIMIT: u32 = 200;

/// The admin account when none is named (as `usersig rest-url` assumes).
pub const DEFAULT_ADMIN: &str = "administrator";

/// The emulator's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    Real,
    /// A clock that stands still at `now` (unix seconds) until it is set or
    /// advanced (`POST /emulator/v1/clock`, [`Emulator::set_now`](crate::Emulator::set_now),
    /// [`Emulator::advance`](crate::Emulator::advance)). Rate limits follow it too.
    Manual {
        /// The time it starts at, unix seconds.
        now: u64,
    },
}

/// Caps on everything the emulator holds, so that no client can make it use
/// unbounded memory. Past a cap a request is refused (accounts, instances,
/// bodies) or the oldest entry is dropped (logs, queued events), as each
/// field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body read, in bytes (default 1 MiB). A REST call with
    /// a larger body answers 60003; an emulator endpoint answers HTTP 413.
    pub max_body: usize,
    /// Most accounts held (default 100 000); an import past it answers 70398.
    pub max_accounts: usize,
    /// Most instances online at once over all accounts (default 100 000); a
    /// login past it answers 60022.
    pub max_instances: usize,
    /// Most notices queued for one instance (default 64); the oldest is dropped.
    pub max_events_per_instance: usize,
    /// Most instances with queued notices (default 10 000); the queue filled
    /// longest ago is dropped.
    pub max_event_queues: usize,
    /// Entries kept in the kick log of `/emulator/v1/state` (default 1 000; oldest dropped).
    pub kick_log: usize,
    /// Entries kept in the webhook log of `/emulator/v1/state` (default 1 000; oldest dropped).
    pub webhook_log: usize,
    /// Webhook deliveries waiting to be sent (default 1 024); past it a
    /// delivery is logged as dropped instead of sent, and the login goes on.
    pub webhook_queue: usize,
    /// Events requests waiting at once (default 1 024); past it a request
    /// with `wait` answers at once, as without it.
    pub max_waiters: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 1 << 20,
            max_accounts: 100_000,
            max_instances: 100_000,
            max_events_per_instance: 64,
            max_event_queues: 10_000,
            kick_log: 1_000,
            webhook_log: 1_000,
            webhook_queue: 1_024,
            max_waiters: 1_024,
        }
    }
}

/// An emulator's configuration. The field names are the `usersig emulator`
/// flags' (and Python's `usersig.testing.Emulator` arguments').
#[derive(Clone)]
pub struct Config {
    /// The app's SDKAppID (`--sdkappid`).
    pub sdkappid: u32,
    /// The app's secret key (`--key-file`, `USERSIG_KEY`): UserSigs are
    /// checked with it. Never printed.
    pub key: SecretKey,
    /// The App admin accounts (`--admin`, repeatable; default `administrator`):
    /// the only `identifier`s a REST call may be made as.
    pub admins: Vec<String>,
    /// The console's "Web instances online at once" (`--web-instances`, 1 to 10, default 1).
    pub web_instances: u32,
    /// The console's cross-platform login policy (`--cross-platform`, default dual).
    pub cross_platform: CrossPlatform,
    /// Where `State.StateChange` webhooks go (`--callback-url`); none: webhooks off.
    pub callback_url: Option<String>,
    /// The callback token (`--callback-token-file`): with it every webhook
    /// carries `Sign` and `RequestTime`. Never printed.
    pub callback_token: Option<Zeroizing<String>>,
    /// REST calls per API per second (`--rate-limit`, default 200);
    /// `multiaccount_import` gets half, as Tencent's 100 against 200. 0: no limit.
    pub rate_limit: u32,
    /// The clock (`--clock real|manual`, `--now`).
    pub clock: Clock,
    /// The caps.
    pub limits: Limits,
}

impl Config {
    /// A configuration for app `sdkappid` and its key, with every other
    /// field at its default: admin `administrator`, one Web instance, dual
    /// platform, no webhooks, 200 calls per API per second, the real clock,
    /// [`Limits::default`].
    pub fn new(sdkappid: u32, key: SecretKey) -> Self {
        Self {
            sdkappid,
            key,
            admins: vec![DEFAULT_ADMIN.to_owned()],
            web_instances: 1,
            cross_platform: CrossPlatform::default(),
            callback_url: None,
            callback_token: None,
            rate_limit: DEFAULT_RATE_LIMIT,
            clock: Clock::Real,
            limits: Limits::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"[redacted]")
            .field("admins", &self.admins)
            .field("web_instances", &self.web_instances)
            .field("cross_platform", &self.cross_platform)
            .field("callback_url", &self.callback_url)
            .field(
                "callback_token",
                &self.callback_token.as_ref().map(|_| "[redacted]"),
            )
            .field("rate_limit", &self.rate_limit)
            .field("clock", &self.clock)
            .field("limits", &self.limits)
            .finish()
    }
}

/// A configuration the emulator cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The SDKAppID or the key is unusable.
    #[error("the app: {0}")]
    App(#[from] usersig::Error),
    /// The instance policy is out of the console's range.
    #[error("the login policy: {0}")]
    Policy(#[from] PolicyError),
    /// No admin, or an admin name that is not a usable UserID.
    #[error("the admins: {0}")]
    Admin(String),
    /// The callback URL is not an `http://` or `https://` URL.
    #[error("the callback URL must be an http:// or https:// URL")]
    CallbackUrl,
    /// The callback token is empty.
    #[error("the callback token is empty")]
    EmptyToken,
    /// A limit is 0.
    #[error("the limit {0} must be at least 1")]
    Limit(&'static str),
}

/// The platform names Tencent's callbacks use in `OptPlatform` and
/// `KickedDevice[].Platform`: `Web`, `Android`, `iOS`, `iPad`, `Windows`,
/// `Mac` (and `RESTAPI` for a REST call, `Unknown` otherwise), as the
/// callback overview lists them
/// (<https://cloud.tencent.com/document/product/269/1522>; the same list on
/// <https://www.tencentcloud.com/document/product/647/64412>).
pub(crate) fn callback_platform(p: usersig_login::instances::Platform) -> &'static str {
    use usersig_login::instances::Platform;
    match p {
        Platform::IPhone => "iOS",
        other => other.as_str(),
    }
}

/// The name of a cross-platform policy as the CLI spells it.
pub(crate) fn cross_platform_name(c: CrossPlatform) -> &'static str {
    match c {
        CrossPlatform::Single => "single",
        CrossPlatform::Dual => "dual",
        CrossPlatform::Triple => "triple",
        CrossPlatform::Multi => "multi",
    }
}
