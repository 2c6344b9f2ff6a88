//! The emulator without sockets: one shared state behind one lock, with a
//! method per endpoint taking and returning the endpoint's JSON as serde
//! types. The HTTP server ([`crate::server`]) is a thin layer over it, and so
//! is an in-process caller.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::json;
use tokio::sync::{Notify, mpsc, watch};
use usersig::{Signer, Verifier};
use usersig_login::ErrorCode;
use usersig_login::callback;
use usersig_login::instances::{Instances, Kicked, LoginOutcome, Platform, Policy, SigTimes};
use zeroize::Zeroizing;

use crate::config::{Clock, Config, ConfigError, Limits, callback_platform, cross_platform_name};
use crate::rate::RateLimits;
use crate::webhook::Delivery;
use crate::wire::{
    AccountState, ClockRequest, ClockResponse, DroppedCounts, ErrorBody, Event, EventsResponse,
    FAIL, InstanceRequest, IssueRequest, IssueResponse, KickCause, KickRecord, KickRequest,
    KickedInstance, LoginRequest, LoginResponse, LogoutResponse, OK, OnlineInstance, PolicyState,
    StateSnapshot, WebhookRecord,
};

/// The longest an events request may wait for a notice.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// Longest `UserID` accepted: 32 bytes, Tencent's limit for imports and logins
/// (<https://cloud.tencent.com/document/product/269/1608>).
pub const MAX_USER_ID_LEN: usize = 32;

/// Longest `InstanceID` accepted, in bytes.
pub const MAX_INSTANCE_ID_LEN: usize = 128;

/// A request the emulator refuses outside IM's protocol: the HTTP status
/// says how ([`status`](Self::status)), and the body is IM's error shape
/// ([`body`](Self::body)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The request is not the JSON the endpoint reads (HTTP 400, code 60003
    /// for JSON that does not parse, 70402 for a field that is missing, of
    /// the wrong type or out of range).
    #[error("{info}")]
    BadRequest {
        /// 60003 or 70402.
        code: ErrorCode,
        /// What is wrong.
        info: String,
    },
    /// The body is larger than [`Limits::max_body`] (HTTP 413).
    #[error("the request body is larger than {max} bytes")]
    BodyTooLarge {
        /// The cap.
        max: usize,
    },
    /// The endpoint reads only `Content-Type: application/json` (HTTP 415):
    /// `/emulator/v1/issue` and `/emulator/v1/kick`, so that a page of
    /// another origin cannot send them without a CORS preflight, which the
    /// emulator never grants.
    #[error("the request must have Content-Type: application/json")]
    NotJson,
    /// A browser sent the request from a page of another origin (its
    /// `Origin` is not the `Host` it was sent to; HTTP 403, code 60017):
    /// the emulator's endpoints are not for other sites to call.
    #[error("the request came from a page of another origin")]
    ForeignOrigin,
    /// The `Host` header names neither an IP address nor `localhost` while
    /// the server listens on loopback (HTTP 403, code 60017): a name that
    /// resolves to 127.0.0.1 is how a page of another site would reach it
    /// (DNS rebinding).
    #[error("the Host header must be an IP address or localhost")]
    ForeignHost,
    /// The clock cannot be changed: the emulator runs on the real clock (HTTP 409).
    #[error("the clock is the real one: start the emulator with a manual clock to set it")]
    RealClock,
    /// No such endpoint (HTTP 404).
    #[error("no such endpoint")]
    NotFound,
    /// The endpoint exists, but not for this HTTP method (HTTP 405; the REST
    /// API takes `POST` only).
    #[error("wrong HTTP method for this endpoint")]
    MethodNotAllowed,
}

impl EmulatorError {
    pub(crate) fn bad(code: ErrorCode, info: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            info: info.into(),
        }
    }

    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::BodyTooLarge { .. } => 413,
            Self::NotJson => 415,
            Self::ForeignOrigin | Self::ForeignHost => 403,
            Self::RealClock => 409,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
        }
    }

    /// The IM code in the body.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { code, .. } => *code,
            Self::BodyTooLarge { .. } | Self::NotJson => ErrorCode::JSON_PARSE,
            Self::RealClock | Self::ForeignOrigin | Self::ForeignHost => {
                ErrorCode::REQUEST_DISABLED
            }
            Self::NotFound | Self::MethodNotAllowed => ErrorCode::BAD_URL,
        }
    }

    /// `{"ActionStatus":"FAIL","ErrorCode":..,"ErrorInfo":..}`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            action_status: FAIL.to_owned(),
            error_code: self.code().0,
            error_info: self.to_string(),
        }
    }
}

/// Reads a JSON request body into `T`: 60003 when it does not parse, 70402
/// when it parses but does not have `T`'s fields.
///
/// # Errors
/// [`EmulatorError::BadRequest`].
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, EmulatorError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        EmulatorError::bad(
            ErrorCode::JSON_PARSE,
            format!(
                "the body is not JSON ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        let mut info = format!("the body does not have the fields expected: {e}");
        truncate(&mut info, 300);
        EmulatorError::bad(ErrorCode::INVALID_PARAMETERS, info)
    })
}

/// `timeout` from now, at most a year (`Instant + Duration` panics past
/// the clock's range).
fn far_deadline(timeout: Duration) -> tokio::time::Instant {
    const YEAR: Duration = Duration::from_secs(365 * 86_400);
    tokio::time::Instant::now() + timeout.min(YEAR)
}

pub(crate) fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut = cut.saturating_sub(1);
        }
        s.truncate(cut);
    }
}

/// A local stand-in for Tencent Cloud IM's login and account surface,
/// without sockets.
///
/// Cheap to clone (one `Arc`); every method takes `&self`, locks the state
/// once, and never holds the lock across an `await`. See the crate
/// documentation for the endpoints each method stands for.
#[derive(Clone)]
pub struct Emulator {
    pub(crate) shared: Arc<Shared>,
}

impl core::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Emulator")
            .field("sdkappid", &self.shared.sdkappid)
            .field("manual_clock", &self.shared.manual)
            .finish_non_exhaustive()
    }
}

pub(crate) struct WebhookTarget {
    pub(crate) url: String,
    token: Option<Zeroizing<String>>,
    /// Checks each query sent, as a receiver would (with a token only).
    check: Option<callback::CallbackVerifier>,
    tx: mpsc::Sender<Delivery>,
}

pub(crate) struct Shared {
    pub(crate) sdkappid: u32,
    verifier: Verifier,
    /// Issues the UserSigs of `/emulator/v1/issue` and the admin's of `/emulator/v1/kick`.
    signer: Signer,
    admins: BTreeSet<String>,
    policy: Policy,
    pub(crate) limits: Limits,
    manual: bool,
    pub(crate) rate: RateLimits,
    pub(crate) webhook: Option<WebhookTarget>,
    /// The delivery queue's receiving end, until a server takes it.
    pub(crate) webhook_rx: Mutex<Option<mpsc::Receiver<Delivery>>>,
    state: Mutex<State>,
    events_changed: Notify,
    webhooks_changed: Notify,
    pub(crate) closing: watch::Sender<bool>,
    /// Seconds the manual clock moved on since start (for the rate limits).
    pub(crate) manual_offset: Arc<AtomicU64>,
    /// Events requests waiting now.
    waiters: std::sync::atomic::AtomicUsize,
    /// Failures queued by `POST /emulator/v1/fail`.
    pub(crate) failures: Mutex<crate::faults::Failures>,
}

struct AccountRecord {
    nick: Option<String>,
    face_url: Option<String>,
    imported_at: u64,
    imported_by: &'static str,
}

struct EventQueue {
    created: u64,
    items: VecDeque<Event>,
}

struct State {
    /// The manual clock's time; `None` for the real clock.
    manual_now: Option<u64>,
    /// Where the manual clock started (the rate limits count from it).
    manual_start: u64,
    instances: Instances,
    accounts: BTreeMap<String, AccountRecord>,
    events: HashMap<String, EventQueue>,
    event_seq: u64,
    kicks: VecDeque<KickRecord>,
    webhooks: VecDeque<WebhookRecord>,
    next_webhook: u64,
    /// Deliveries queued and not yet done.
    pending_webhooks: usize,
    dropped: DroppedCounts,
}

impl State {
    fn now(&self) -> u64 {
        self.manual_now.unwrap_or_else(usersig::unix_now)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn parse_platform(s: &str) -> Result<Platform, EmulatorError> {
    s.parse().map_err(|_| {
        EmulatorError::bad(
            ErrorCode::INVALID_PARAMETERS,
            "Platform must be Web, Android, iPhone, iPad, Windows or Mac",
        )
    })
}

/// Checks a UserID as an import or a login gets it: 1 to 32 bytes, no control characters.
pub(crate) fn check_user_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("UserID is empty".into());
    }
    if id.len() > MAX_USER_ID_LEN {
        return Err(format!(
            "UserID is {} bytes long, at most {MAX_USER_ID_LEN} are allowed",
            id.len()
        ));
    }
    if id.chars().any(char::is_control) {
        return Err("UserID contains a control character".into());
    }
    Ok(())
}

fn check_instance_id(id: &str) -> Result<(), EmulatorError> {
    if id.is_empty() || id.len() > MAX_INSTANCE_ID_LEN || id.chars().any(char::is_control) {
        return Err(EmulatorError::bad(
            ErrorCode::INVALID_PARAMETERS,
            format!(
                "InstanceID must be 1 to {MAX_INSTANCE_ID_LEN} bytes without control characters"
            ),
        ));
    }
    Ok(())
}

fn fail_login(code: ErrorCode, info: impl Into<String>) -> LoginResponse {
    LoginResponse {
        action_status: FAIL.to_owned(),
        error_code: code.0,
        error_info: info.into(),
        repeat_login: false,
        kicked: Vec::new(),
    }
}

/// What a webhook says, before it is signed and queued.
struct Change<'a> {
    account: &'a str,
    action: &'static str,
    reason: &'static str,
    opt_platform: &'static str,
    kicked_devices: Vec<&'static str>,
    client_ip: Option<IpAddr>,
}

impl Emulator {
    /// An emulator for this configuration, with no account but the admins'
    /// and no one online. Webhooks are delivered only once a server runs it
    /// ([`start`](crate::start)); before that they queue up to
    /// [`Limits::webhook_queue`].
    ///
    /// # Errors
    /// [`ConfigError`] for a configuration it cannot run with.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let verifier = Verifier::new(config.sdkappid, &config.key)?;
        let signer = Signer::new(config.sdkappid, &config.key)?;
        if config.admins.is_empty() {
            return Err(ConfigError::Admin("at least one admin is needed".into()));
        }
        for a in &config.admins {
            check_user_id(a).map_err(|e| ConfigError::Admin(format!("{a:?}: {e}")))?;
        }
        let policy = Policy::new(config.web_instances, config.cross_platform)?;
        let l = &config.limits;
        for (v, name) in [
            (l.max_body, "max_body"),
            (l.max_accounts, "max_accounts"),
            (l.max_instances, "max_instances"),
            (l.max_events_per_instance, "max_events_per_instance"),
            (l.max_event_queues, "max_event_queues"),
            (l.kick_log, "kick_log"),
            (l.webhook_log, "webhook_log"),
            (l.webhook_queue, "webhook_queue"),
            (l.max_waiters, "max_waiters"),
        ] {
            if v == 0 {
                return Err(ConfigError::Limit(name));
            }
        }
        let (webhook, rx) = match &config.callback_url {
            None => (None, None),
            Some(url) => {
                let parsed = reqwest::Url::parse(url).map_err(|_| ConfigError::CallbackUrl)?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                    return Err(ConfigError::CallbackUrl);
                }
                if config
                    .callback_token
                    .as_ref()
                    .is_some_and(|t| t.trim().is_empty())
                {
                    return Err(ConfigError::EmptyToken);
                }
                let check = match &config.callback_token {
                    Some(t) => Some(
                        callback::CallbackVerifier::new(t.as_str())
                            .map_err(|_| ConfigError::EmptyToken)?
                            .with_sdkappid(config.sdkappid),
                    ),
                    None => None,
                };
                let (tx, rx) = mpsc::channel(l.webhook_queue);
                (
                    Some(WebhookTarget {
                        url: url.clone(),
                        token: config.callback_token.clone(),
                        check,
                        tx,
                    }),
                    Some(rx),
                )
            }
        };
        let (manual_now, manual) = match config.clock {
            Clock::Real => (None, false),
            Clock::Manual { now } => (Some(now), true),
        };
        if config.admins.len() > l.max_accounts {
            return Err(ConfigError::Limit("max_accounts"));
        }
        let manual_offset = Arc::new(AtomicU64::new(0));
        let rate = RateLimits::new(config.rate_limit, manual.then(|| manual_offset.clone()));
        let (closing, _) = watch::channel(false);
        let emulator = Self {
            shared: Arc::new(Shared {
                sdkappid: config.sdkappid,
                verifier,
                signer,
                admins: config.admins.iter().cloned().collect(),
                policy,
                limits: config.limits,
                manual,
                rate,
                webhook,
                webhook_rx: Mutex::new(rx),
                state: Mutex::new(State {
                    manual_now,
                    manual_start: manual_now.unwrap_or(0),
                    instances: Instances::new(policy),
                    accounts: BTreeMap::new(),
                    events: HashMap::new(),
                    event_seq: 0,
                    kicks: VecDeque::new(),
                    webhooks: VecDeque::new(),
                    next_webhook: 0,
                    pending_webhooks: 0,
                    dropped: DroppedCounts::default(),
                }),
                events_changed: Notify::new(),
                webhooks_changed: Notify::new(),
                closing,
                manual_offset,
                waiters: std::sync::atomic::AtomicUsize::new(0),
                failures: Mutex::new(crate::faults::Failures::new()),
            }),
        };
        emulator.import_admins(&mut lock(&emulator.shared.state));
        Ok(emulator)
    }

    /// The App admins are accounts from the start, as the console creates them.
    fn import_admins(&self, st: &mut State) {
        let now = st.now();
        for a in &self.shared.admins {
            st.accounts.insert(
                a.clone(),
                AccountRecord {
                    nick: None,
                    face_url: None,
                    imported_at: now,
                    imported_by: "admin",
                },
            );
        }
    }

    /// The app's SDKAppID.
    pub fn sdkappid(&self) -> u32 {
        self.shared.sdkappid
    }

    /// Whether the clock is manual.
    pub fn is_manual_clock(&self) -> bool {
        self.shared.manual
    }

    /// The emulator's time, unix seconds.
    pub fn now(&self) -> u64 {
        lock(&self.shared.state).now()
    }

    /// Whether `identifier` is one of the App admins.
    pub fn is_admin(&self, identifier: &str) -> bool {
        self.shared.admins.contains(identifier)
    }

    /// Checks a UserSig as Tencent does for `identifier` at the emulator's
    /// time: the verifier's checks (70001, 70002, 70003, 70009, 70013,
    /// 70014...), then a REST kick's revocation (70052).
    pub(crate) fn check_sig(&self, identifier: &str, sig: &str) -> Result<SigTimes, ErrorCode> {
        let now = self.now();
        let claims = self
            .shared
            .verifier
            .verify_at(identifier, sig, now)
            .map_err(|e| ErrorCode::from_verify_error(&e))?;
        let times = SigTimes::new(claims.issued_at, claims.expire);
        lock(&self.shared.state)
            .instances
            .check_sig_at(identifier, times, now)
            .map_err(|e| e.code())?;
        Ok(times)
    }

    /// `POST /emulator/v1/login`, from the loopback address.
    ///
    /// # Errors
    /// [`EmulatorError::BadRequest`] for an unknown platform or a bad
    /// `InstanceID`; every refusal IM would answer is an `Ok` answer with
    /// `ActionStatus: FAIL`.
    pub fn login(&self, req: &LoginRequest) -> Result<LoginResponse, EmulatorError> {
        self.login_from(req, None)
    }

    /// `POST /emulator/v1/login` from `client_ip` (the webhook's `ClientIP`).
    ///
    /// The UserSig is checked as Tencent checks a login's (see
    /// [`ErrorCode::from_verify_error`]; 70052 for a sig a REST kick
    /// revoked). An account never imported is imported by its first login,
    /// as an SDK login does. The instance policy then decides who is kicked,
    /// oldest first; each kicked instance gets a `KickedOut` notice, the kick
    /// log an entry, and the webhook one `Login` callback whose
    /// `KickedDevice` lists the kicked platforms.
    ///
    /// # Errors
    /// As [`login`](Self::login).
    pub fn login_from(
        &self,
        req: &LoginRequest,
        client_ip: Option<IpAddr>,
    ) -> Result<LoginResponse, EmulatorError> {
        let platform = parse_platform(&req.platform)?;
        check_instance_id(&req.instance_id)?;
        if let Err(e) = check_user_id(&req.user_id) {
            return Ok(fail_login(ErrorCode::INVALID_PARAMETERS, e));
        }
        let now = self.now();
        let claims = match self
            .shared
            .verifier
            .verify_at(&req.user_id, &req.user_sig, now)
        {
            Ok(c) => c,
            Err(e) => {
                let code = ErrorCode::from_verify_error(&e);
                tracing::debug!(user = %req.user_id, code = code.0, "login refused");
                return Ok(fail_login(code, e.to_string()));
            }
        };
        let times = SigTimes::new(claims.issued_at, claims.expire);
        let mut st = lock(&self.shared.state);
        let limits = self.shared.limits;
        let now = st.now();
        if !st.accounts.contains_key(&req.user_id) && st.accounts.len() >= limits.max_accounts {
            return Ok(fail_login(
                ErrorCode::ACCOUNT_LIMIT,
                format!(
                    "the emulator holds its cap of {} accounts",
                    limits.max_accounts
                ),
            ));
        }
        if !st.instances.is_online(&req.user_id, &req.instance_id)
            && st.instances.online_count() >= limits.max_instances
        {
            return Ok(fail_login(
                ErrorCode::OPEN_SERVICE_OVERLOAD_ERROR,
                format!(
                    "the emulator holds its cap of {} instances online",
                    limits.max_instances
                ),
            ));
        }
        let outcome =
            match st
                .instances
                .login_at(&req.user_id, &req.instance_id, platform, times, now)
            {
                Ok(o) => o,
                Err(e) => return Ok(fail_login(e.code(), e.to_string())),
            };
        st.accounts
            .entry(req.user_id.clone())
            .or_insert_with(|| AccountRecord {
                nick: None,
                face_url: None,
                imported_at: now,
                imported_by: "login",
            });
        let kicked = match outcome {
            LoginOutcome::LoggedIn { kicked } => kicked,
            _ => {
                return Ok(LoginResponse {
                    action_status: OK.to_owned(),
                    error_code: 0,
                    error_info: String::new(),
                    repeat_login: true,
                    kicked: Vec::new(),
                });
            }
        };
        let answer: Vec<KickedInstance> = kicked
            .iter()
            .map(|k| KickedInstance {
                instance_id: k.instance.clone(),
                platform: k.platform.as_str().to_owned(),
                reason: k.reason.as_str().to_owned(),
            })
            .collect();
        let devices = kicked
            .iter()
            .map(|k| callback_platform(k.platform))
            .collect();
        let cause = KickCause::Login {
            instance_id: req.instance_id.clone(),
            platform: platform.as_str().to_owned(),
        };
        let had_kicks = !kicked.is_empty();
        self.record_kicks(&mut st, kicked, &cause, now);
        self.webhook(
            &mut st,
            &Change {
                account: &req.user_id,
                action: "Login",
                reason: "Register",
                opt_platform: callback_platform(platform),
                kicked_devices: devices,
                client_ip,
            },
            now,
        );
        drop(st);
        if had_kicks {
            self.shared.events_changed.notify_waiters();
        }
        tracing::debug!(user = %req.user_id, instance = %req.instance_id, %platform, kicked = answer.len(), "login");
        Ok(LoginResponse {
            action_status: OK.to_owned(),
            error_code: 0,
            error_info: String::new(),
            repeat_login: false,
            kicked: answer,
        })
    }

    /// `POST /emulator/v1/logout`: the instance goes off line (no other is
    /// affected) and the webhook gets `Logout` / `Unregister`. Logging out an
    /// instance that is not online succeeds and changes nothing.
    ///
    /// # Errors
    /// [`EmulatorError::BadRequest`] for a bad `InstanceID`.
    pub fn logout(&self, req: &InstanceRequest) -> Result<LogoutResponse, EmulatorError> {
        self.leave(req, "Logout", "Unregister", None)
    }

    /// `POST /emulator/v1/disconnect`: as [`logout`](Self::logout), with the
    /// webhook's `Disconnect` / `LinkClose` (the connection closed).
    ///
    /// # Errors
    /// As [`logout`](Self::logout).
    pub fn disconnect(&self, req: &InstanceRequest) -> Result<LogoutResponse, EmulatorError> {
        self.leave(req, "Disconnect", "LinkClose", None)
    }

    pub(crate) fn leave(
        &self,
        req: &InstanceRequest,
        action: &'static str,
        reason: &'static str,
        client_ip: Option<IpAddr>,
    ) -> Result<LogoutResponse, EmulatorError> {
        check_instance_id(&req.instance_id)?;
        let mut st = lock(&self.shared.state);
        let now = st.now();
        let platform = st
            .instances
            .online(&req.user_id)
            .into_iter()
            .find(|o| o.instance == req.instance_id)
            .map(|o| o.platform);
        let was_online = st.instances.logout(&req.user_id, &req.instance_id);
        if let (true, Some(p)) = (was_online, platform) {
            self.webhook(
                &mut st,
                &Change {
                    account: &req.user_id,
                    action,
                    reason,
                    opt_platform: callback_platform(p),
                    kicked_devices: Vec::new(),
                    client_ip,
                },
                now,
            );
        }
        Ok(LogoutResponse {
            action_status: OK.to_owned(),
            error_code: 0,
            error_info: String::new(),
            was_online,
        })
    }

    /// `GET /emulator/v1/events?InstanceID=`: the notices queued for
    /// `instance_id`, oldest first, removed from the queue. Never waits.
    pub fn events(&self, instance_id: &str) -> EventsResponse {
        let mut st = lock(&self.shared.state);
        let events = st
            .events
            .remove(instance_id)
            .map(|q| q.items.into_iter().collect())
            .unwrap_or_default();
        EventsResponse { events }
    }

    /// `GET /emulator/v1/events?InstanceID=&wait=`: as [`events`](Self::events),
    /// but when none is queued, waits up to `wait` (at most [`MAX_WAIT`]) for
    /// one. Returns early, empty, when the server shuts down, and at once
    /// when [`Limits::max_waiters`] requests are waiting already.
    pub async fn wait_events(&self, instance_id: &str, wait: Duration) -> EventsResponse {
        let waiters = &self.shared.waiters;
        if waiters.fetch_add(1, Ordering::AcqRel) >= self.shared.limits.max_waiters {
            waiters.fetch_sub(1, Ordering::AcqRel);
            return self.events(instance_id);
        }
        /// Counts the request out however it ends (also when dropped).
        struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _waiting = Waiting(waiters);
        let deadline = tokio::time::Instant::now() + wait.min(MAX_WAIT);
        let mut closing = self.shared.closing.subscribe();
        loop {
            let notified = self.shared.events_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let got = self.events(instance_id);
            if !got.events.is_empty() || *closing.borrow_and_update() {
                return got;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => return self.events(instance_id),
                _ = closing.changed() => return self.events(instance_id),
            }
        }
    }

    /// `POST /emulator/v1/issue`: a UserSig for `UserID`, signed with the
    /// emulator's key at the emulator's time (the manual clock's, if it
    /// runs on one), valid for `Expire` seconds. For the dashboard and for
    /// tests without a signer: whoever reaches the emulator can log in as
    /// anyone, which is what a local test tool is for.
    ///
    /// # Errors
    /// [`EmulatorError::BadRequest`] (70402) for a UserID an import or a
    /// login would refuse, or a lifetime of 0 or over 50 years.
    pub fn issue(&self, req: &IssueRequest) -> Result<IssueResponse, EmulatorError> {
        check_user_id(&req.user_id)
            .map_err(|e| EmulatorError::bad(ErrorCode::INVALID_PARAMETERS, e))?;
        let now = self.now();
        let user_sig = self
            .shared
            .signer
            .sign_at(&req.user_id, req.expire, now)
            .map_err(|e| EmulatorError::bad(ErrorCode::INVALID_PARAMETERS, e.to_string()))?;
        Ok(IssueResponse {
            action_status: OK.to_owned(),
            error_code: 0,
            error_info: String::new(),
            user_id: req.user_id.clone(),
            user_sig,
            issued_at: now,
            expire_at: now.saturating_add(req.expire),
        })
    }

    /// `POST /emulator/v1/kick`: the REST API's `im_open_login_svc/kick`
    /// for `UserID`, sent through [`rest`](Self::rest) with a UserSig of the
    /// first App admin that the emulator signs at its time: the same checks,
    /// rate limit, kicks, revocation, notices and webhooks as a backend's
    /// call, and the same answer (70107 for an account never imported).
    pub fn admin_kick(&self, req: &KickRequest) -> serde_json::Value {
        let admin = self
            .shared
            .admins
            .iter()
            .next()
            .map_or(crate::DEFAULT_ADMIN, String::as_str);
        let admin_sig = match self.shared.signer.sign_at(admin, 3_600, self.now()) {
            Ok(s) => s,
            Err(e) => {
                return json!({"ActionStatus": FAIL, "ErrorCode": ErrorCode::INTERNAL_ERROR.0,
                    "ErrorInfo": e.to_string()});
            }
        };
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("sdkappid", &self.shared.sdkappid.to_string())
            .append_pair("identifier", admin)
            .append_pair("usersig", &admin_sig)
            .append_pair("random", "0")
            .append_pair("contenttype", "json");
        let body = json!({ "UserID": req.user_id }).to_string();
        self.rest(
            "im_open_login_svc",
            "kick",
            &query.finish(),
            crate::RestBody::Bytes(body.as_bytes()),
        )
    }

    /// `GET /emulator/v1/state`.
    pub fn state(&self) -> StateSnapshot {
        let st = lock(&self.shared.state);
        let accounts = st
            .accounts
            .iter()
            .map(|(id, a)| AccountState {
                user_id: id.clone(),
                nick: a.nick.clone(),
                face_url: a.face_url.clone(),
                imported_at: a.imported_at,
                imported_by: a.imported_by.to_owned(),
                revoked_before: st.instances.kicked_at(id),
                online: st
                    .instances
                    .online(id)
                    .into_iter()
                    .map(|o| OnlineInstance {
                        instance_id: o.instance.clone(),
                        platform: o.platform.as_str().to_owned(),
                        login_at: o.login_at,
                        sig_expires_at: o.sig.expires_at,
                    })
                    .collect(),
            })
            .collect();
        let policy = st.instances.policy();
        StateSnapshot {
            sdkappid: self.shared.sdkappid,
            now: st.now(),
            clock: if self.shared.manual { "manual" } else { "real" }.to_owned(),
            admins: self.shared.admins.iter().cloned().collect(),
            policy: PolicyState {
                web_instances: policy.web_instances(),
                cross_platform: cross_platform_name(policy.cross_platform()).to_owned(),
            },
            accounts,
            online_count: st.instances.online_count(),
            kicks: st.kicks.iter().cloned().collect(),
            webhooks: st.webhooks.iter().cloned().collect(),
            dropped: st.dropped,
        }
    }

    /// `POST /emulator/v1/clock`: exactly one of `Now` and `Advance`.
    ///
    /// # Errors
    /// [`EmulatorError::RealClock`] on the real clock;
    /// [`EmulatorError::BadRequest`] unless exactly one field is given.
    pub fn clock(&self, req: &ClockRequest) -> Result<ClockResponse, EmulatorError> {
        match (req.now, req.advance) {
            (Some(now), None) => self.set_now(now),
            (None, Some(s)) => self.advance(s),
            _ => Err(EmulatorError::bad(
                ErrorCode::INVALID_PARAMETERS,
                "give exactly one of Now and Advance",
            )),
        }
    }

    /// Sets the manual clock to `now` (unix seconds; it may go back), then
    /// kicks every instance whose UserSig expired by then.
    ///
    /// # Errors
    /// [`EmulatorError::RealClock`] on the real clock.
    pub fn set_now(&self, now: u64) -> Result<ClockResponse, EmulatorError> {
        if !self.shared.manual {
            return Err(EmulatorError::RealClock);
        }
        {
            let mut st = lock(&self.shared.state);
            st.manual_now = Some(now);
            // The rate limits' clock only moves on.
            let offset = now.saturating_sub(st.manual_start);
            self.shared
                .manual_offset
                .fetch_max(offset, Ordering::Relaxed);
        }
        Ok(ClockResponse {
            now,
            expired: self.tick(),
        })
    }

    /// Moves the manual clock on by `seconds`, then kicks every instance
    /// whose UserSig expired by then.
    ///
    /// # Errors
    /// [`EmulatorError::RealClock`] on the real clock.
    pub fn advance(&self, seconds: u64) -> Result<ClockResponse, EmulatorError> {
        let now = self.now().saturating_add(seconds);
        self.set_now(now)
    }

    /// Kicks, with `userSigExpired`, every instance whose UserSig is expired
    /// at the emulator's time; returns the kicks. A server calls it every
    /// second on the real clock; a clock change calls it on the manual one.
    pub fn tick(&self) -> Vec<KickRecord> {
        let mut st = lock(&self.shared.state);
        let now = st.now();
        let kicked = st.instances.expire_at(now);
        if kicked.is_empty() {
            return Vec::new();
        }
        let records = self.record_kicks(&mut st, kicked.clone(), &KickCause::Expiry, now);
        for k in &kicked {
            self.webhook(
                &mut st,
                &Change {
                    account: &k.account,
                    action: "Logout",
                    reason: "Unregister",
                    opt_platform: callback_platform(k.platform),
                    kicked_devices: Vec::new(),
                    client_ip: None,
                },
                now,
            );
        }
        drop(st);
        self.shared.events_changed.notify_waiters();
        records
    }

    /// `POST /emulator/v1/reset`: forgets every account (but the admins'),
    /// instance, REST kick, notice, log entry and queued failure. The clock
    /// keeps its time; deliveries already queued are still sent.
    pub fn reset(&self) {
        self.clear_failures();
        let mut st = lock(&self.shared.state);
        st.instances = Instances::new(self.shared.policy);
        st.accounts.clear();
        st.events.clear();
        st.kicks.clear();
        st.webhooks.clear();
        st.dropped = DroppedCounts::default();
        self.import_admins(&mut st);
        drop(st);
        self.shared.events_changed.notify_waiters();
    }

    /// Checks that the instance table obeys its policy (for tests).
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let st = lock(&self.shared.state);
        st.instances.check_invariants()?;
        let queued: usize = st.events.values().map(|q| q.items.len()).sum();
        if st.events.len() > self.shared.limits.max_event_queues
            || st
                .events
                .values()
                .any(|q| q.items.len() > self.shared.limits.max_events_per_instance)
        {
            return Err(format!("{queued} notices queued over the caps"));
        }
        if st.kicks.len() > self.shared.limits.kick_log
            || st.webhooks.len() > self.shared.limits.webhook_log
        {
            return Err("a log is over its cap".into());
        }
        Ok(())
    }

    // ---- shared by the endpoints and the REST API ----

    /// Records kicks: a notice for each instance, an entry in the kick log.
    fn record_kicks(
        &self,
        st: &mut State,
        kicked: Vec<Kicked>,
        cause: &KickCause,
        now: u64,
    ) -> Vec<KickRecord> {
        let limits = self.shared.limits;
        let mut out = Vec::with_capacity(kicked.len());
        for k in kicked {
            let event = Event {
                kind: "KickedOut".to_owned(),
                reason: k.reason.as_str().to_owned(),
                kick_type: k.reason.kick_type(),
                user_id: k.account.clone(),
                platform: k.platform.as_str().to_owned(),
                time: now,
            };
            if !st.events.contains_key(&k.instance) && st.events.len() >= limits.max_event_queues {
                let oldest = st
                    .events
                    .iter()
                    .min_by_key(|(_, q)| q.created)
                    .map(|(id, _)| id.clone());
                if let Some(id) = oldest {
                    if let Some(q) = st.events.remove(&id) {
                        st.dropped.events += q.items.len() as u64;
                    }
                }
            }
            st.event_seq += 1;
            let seq = st.event_seq;
            let queue = st
                .events
                .entry(k.instance.clone())
                .or_insert_with(|| EventQueue {
                    created: seq,
                    items: VecDeque::new(),
                });
            if queue.items.len() >= limits.max_events_per_instance {
                queue.items.pop_front();
                st.dropped.events += 1;
            }
            queue.items.push_back(event);
            let record = KickRecord {
                time: now,
                user_id: k.account,
                instance_id: k.instance,
                platform: k.platform.as_str().to_owned(),
                login_at: k.login_at,
                reason: k.reason.as_str().to_owned(),
                kick_type: k.reason.kick_type(),
                cause: cause.clone(),
            };
            if st.kicks.len() >= limits.kick_log {
                st.kicks.pop_front();
                st.dropped.kicks += 1;
            }
            st.kicks.push_back(record.clone());
            out.push(record);
        }
        out
    }

    /// Signs and queues a `State.StateChange` webhook (when one is
    /// configured) and logs it. Never waits: a full queue logs it as dropped.
    fn webhook(&self, st: &mut State, change: &Change<'_>, now: u64) {
        let Some(target) = &self.shared.webhook else {
            return;
        };
        st.next_webhook += 1;
        let id = st.next_webhook;
        let mut body = json!({
            "CallbackCommand": "State.StateChange",
            "EventTime": now.saturating_mul(1000),
            "Info": {
                "Action": change.action,
                "To_Account": change.account,
                "Reason": change.reason,
            },
        });
        if !change.kicked_devices.is_empty() {
            if let Some(m) = body.as_object_mut() {
                m.insert(
                    "KickedDevice".into(),
                    change
                        .kicked_devices
                        .iter()
                        .map(|p| json!({ "Platform": p }))
                        .collect(),
                );
            }
        }
        let request_time = now.to_string();
        let sign = target
            .token
            .as_ref()
            .map(|t| callback::sign(t, &request_time));
        let ip = change
            .client_ip
            .map_or_else(|| "127.0.0.1".to_owned(), |ip| ip.to_string());
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("SdkAppid", &self.shared.sdkappid.to_string())
            .append_pair("CallbackCommand", "State.StateChange")
            .append_pair("contenttype", "json")
            .append_pair("ClientIP", &ip)
            .append_pair("OptPlatform", change.opt_platform);
        if let Some(s) = &sign {
            query
                .append_pair("Sign", s)
                .append_pair("RequestTime", &request_time);
        }
        let query = query.finish();
        let sign_valid = target
            .check
            .as_ref()
            .map(|v| v.verify_query_at(&query, now).is_ok());
        let sep = if target.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}{query}", target.url);
        let delivery = Delivery {
            id,
            url,
            body: body.to_string().into_bytes(),
        };
        let queued = target.tx.try_send(delivery).is_ok();
        if queued {
            st.pending_webhooks += 1;
        }
        let record = WebhookRecord {
            id,
            time: now,
            command: "State.StateChange".to_owned(),
            user_id: change.account.to_owned(),
            action: change.action.to_owned(),
            reason: change.reason.to_owned(),
            opt_platform: change.opt_platform.to_owned(),
            sign,
            sign_valid,
            body,
            state: if queued { "queued" } else { "dropped" }.to_owned(),
            status: None,
            reply: None,
            reply_ok: false,
            error: (!queued).then(|| "the delivery queue is full".to_owned()),
        };
        if st.webhooks.len() >= self.shared.limits.webhook_log {
            st.webhooks.pop_front();
            st.dropped.webhooks += 1;
        }
        st.webhooks.push_back(record);
    }

    /// Records the outcome of delivery `id` in the webhook log (if it is
    /// still there).
    pub(crate) fn delivered(&self, id: u64, outcome: crate::webhook::Outcome) {
        let mut st = lock(&self.shared.state);
        st.pending_webhooks = st.pending_webhooks.saturating_sub(1);
        if let Some(r) = st.webhooks.iter_mut().rev().find(|r| r.id == id) {
            r.state = outcome.state.to_owned();
            r.status = outcome.status;
            r.reply = outcome.reply;
            r.reply_ok = outcome.reply_ok;
            r.error = outcome.error;
        }
        drop(st);
        self.shared.webhooks_changed.notify_waiters();
    }

    /// Waits until every webhook queued so far is delivered (or failed), at
    /// most `timeout` (a longer one counts as a year); returns whether none
    /// is left. Deliveries run only while a server runs the emulator.
    pub async fn wait_webhooks(&self, timeout: Duration) -> bool {
        let deadline = far_deadline(timeout);
        loop {
            let changed = self.shared.webhooks_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if lock(&self.shared.state).pending_webhooks == 0 {
                return true;
            }
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep_until(deadline) => {
                    return lock(&self.shared.state).pending_webhooks == 0;
                }
            }
        }
    }

    // ---- the REST API's state changes (called by crate::rest) ----

    /// Imports (or updates) accounts; returns the ones refused because the
    /// account cap is reached.
    pub(crate) fn import(
        &self,
        accounts: Vec<(String, Option<String>, Option<String>)>,
    ) -> Vec<String> {
        let mut st = lock(&self.shared.state);
        let now = st.now();
        let cap = self.shared.limits.max_accounts;
        let mut refused = Vec::new();
        for (id, nick, face) in accounts {
            if let Some(a) = st.accounts.get_mut(&id) {
                if nick.is_some() {
                    a.nick = nick;
                }
                if face.is_some() {
                    a.face_url = face;
                }
                continue;
            }
            if st.accounts.len() >= cap {
                refused.push(id);
                continue;
            }
            st.accounts.insert(
                id,
                AccountRecord {
                    nick,
                    face_url: face,
                    imported_at: now,
                    imported_by: "rest",
                },
            );
        }
        refused
    }

    /// The REST kick of an imported account: every instance goes with
    /// `REST_API_Kick`, every UserSig issued up to now is revoked. `false`
    /// when the account is not imported.
    pub(crate) fn rest_kick(&self, user_id: &str) -> bool {
        let mut st = lock(&self.shared.state);
        if !st.accounts.contains_key(user_id) {
            return false;
        }
        let now = st.now();
        let kicked = st.instances.rest_kick_at(user_id, now);
        self.after_rest_kick(&mut st, kicked, &KickCause::RestKick, now);
        true
    }

    fn after_rest_kick(&self, st: &mut State, kicked: Vec<Kicked>, cause: &KickCause, now: u64) {
        let notify = !kicked.is_empty();
        for k in &kicked {
            self.webhook(
                st,
                &Change {
                    account: &k.account,
                    action: "Logout",
                    reason: "Unregister",
                    opt_platform: "RESTAPI",
                    kicked_devices: Vec::new(),
                    client_ip: None,
                },
                now,
            );
        }
        self.record_kicks(st, kicked, cause, now);
        if notify {
            self.shared.events_changed.notify_waiters();
        }
    }

    /// Deletes accounts; returns, per UserID, whether it existed. Instances
    /// online go as with a REST kick (and earlier UserSigs stay revoked).
    pub(crate) fn delete(&self, ids: &[String]) -> Vec<bool> {
        let mut st = lock(&self.shared.state);
        let now = st.now();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let existed = st.accounts.remove(id).is_some();
            if existed {
                let kicked = st.instances.rest_kick_at(id, now);
                self.after_rest_kick(&mut st, kicked, &KickCause::AccountDelete, now);
            }
            out.push(existed);
        }
        out
    }

    /// Per UserID: `None` when not imported, else its instances online
    /// (platform name, instance id).
    pub(crate) fn presence(&self, ids: &[String]) -> Vec<Option<Vec<(&'static str, String)>>> {
        let st = lock(&self.shared.state);
        ids.iter()
            .map(|id| {
                st.accounts.contains_key(id).then(|| {
                    st.instances
                        .online(id)
                        .into_iter()
                        .map(|o| (o.platform.as_str(), o.instance.clone()))
                        .collect()
                })
            })
            .collect()
    }

    /// Per UserID: whether it is imported.
    pub(crate) fn imported(&self, ids: &[String]) -> Vec<bool> {
        let st = lock(&self.shared.state);
        ids.iter().map(|id| st.accounts.contains_key(id)).collect()
    }

    /// Tells waiting events requests that the server is stopping.
    pub(crate) fn close(&self) {
        self.shared.closing.send_replace(true);
    }
}
