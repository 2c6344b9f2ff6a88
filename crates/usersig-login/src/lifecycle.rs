//! The Web SDK's login lifecycle as a value without I/O.
//!
//! [`Lifecycle::handle`] takes one [`Input`] (a call made by the app, a
//! reply or a notice from the server) and returns the [`Output`]s it causes,
//! in order: requests to send, events to emit (with the SDK's exact names and
//! payloads) and the settlement of the app's calls. The caller owns the
//! network and the clock; this type only decides.
//!
//! The behaviour follows the shipped Web SDK:
//! - `login` checks its arguments at once (2002, 2003); a login while one is
//!   pending fails with 2025; a login while logged in as the same user
//!   resolves with `repeatLogin: true` and sends nothing.
//! - A successful login reply resolves the login call, then `SDK_READY` is
//!   emitted. A failed one rejects with the server's code and the not-ready
//!   reason becomes 3001.
//! - `logout` before login fails with 2024; otherwise it sends the logout
//!   request, emits `SDK_NOT_READY` if the instance was ready and resolves at
//!   once (a logout never fails because the server call does).
//! - A kick (server notice with kickType 1, 2, 3, or any reply carrying
//!   70001 or 20002 while logged in) logs the instance out: a logout request
//!   for multipleAccount and multipleDevice only, then `KICKED_OUT` with the
//!   reason, then `SDK_NOT_READY`.
//! - `destroy` logs out and releases the instance; every later call is
//!   rejected and every later reply ignored.
//! - Every other API call passes the gate only when ready; otherwise it fails
//!   with the current not-ready reason: 2024, 3000, 3001, 3002 to 3006.

use core::fmt;

use serde_json::{Value, json};
use usersig::Inspection;

use crate::UserSig;
use crate::codes::ErrorCode;
use crate::kick::KickReason;

/// The app's handle for one call (one Promise in the Web SDK). Chosen by the
/// caller; the lifecycle only echoes it in [`Output::Resolve`] and [`Output::Reject`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// Identifies a request the lifecycle asked to send, so that its reply can be
/// matched; a reply for any other request is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The APIs that work whether or not the SDK is ready.
pub const UNGATED_APIS: [&str; 7] = [
    "login",
    "logout",
    "destroy",
    "on",
    "off",
    "isReady",
    "getLoginUser",
];

/// An error reply from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The server's ErrorCode.
    pub code: ErrorCode,
    /// The server's ErrorInfo.
    pub info: String,
}

/// Something that happened, fed to [`Lifecycle::handle`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// The app called `login({userID, userSig})`.
    Login {
        /// The app's handle for this call.
        call: CallId,
        /// `userID`.
        user_id: String,
        /// `userSig`.
        user_sig: UserSig,
        /// The current time in unix seconds (used by the pre-flight check).
        now: u64,
    },
    /// The server answered a login request.
    LoginReply {
        /// The request answered.
        request: RequestId,
        /// `Ok` for `ActionStatus: OK`, otherwise the error.
        result: Result<(), ServerError>,
    },
    /// The server pushed a kick notice with this kickType.
    KickNotice {
        /// 1 multipleAccount, 2 multipleDevice, 3 REST API kick; others are ignored.
        kick_type: u32,
    },
    /// A reply to any request carried this error code (70001 and 20002 mean
    /// the UserSig expired: the instance is kicked with userSigExpired).
    ReplyCode {
        /// The code.
        code: ErrorCode,
    },
    /// The app called `logout()`.
    Logout {
        /// The app's handle for this call.
        call: CallId,
    },
    /// The app called `destroy()`.
    Destroy {
        /// The app's handle for this call.
        call: CallId,
    },
    /// The app called any other API (`sendMessage`...): the gate.
    Call {
        /// The app's handle for this call.
        call: CallId,
        /// The API's name.
        api: String,
    },
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Login {
                call,
                user_id,
                user_sig,
                now,
            } => f
                .debug_struct("Login")
                .field("call", call)
                .field("user_id", user_id)
                .field("user_sig", user_sig)
                .field("now", now)
                .finish(),
            Self::LoginReply { request, result } => f
                .debug_struct("LoginReply")
                .field("request", request)
                .field("result", result)
                .finish(),
            Self::KickNotice { kick_type } => f
                .debug_struct("KickNotice")
                .field("kick_type", kick_type)
                .finish(),
            Self::ReplyCode { code } => f.debug_struct("ReplyCode").field("code", code).finish(),
            Self::Logout { call } => f.debug_struct("Logout").field("call", call).finish(),
            Self::Destroy { call } => f.debug_struct("Destroy").field("call", call).finish(),
            Self::Call { call, api } => f
                .debug_struct("Call")
                .field("call", call)
                .field("api", api)
                .finish(),
        }
    }
}

/// A request for the caller to send to the IM server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientRequest {
    /// Log in; answer with [`Input::LoginReply`].
    Login {
        /// The UserID.
        user_id: String,
        /// The UserSig (redacted in `Debug`).
        user_sig: UserSig,
    },
    /// Log out; no answer is needed (a logout succeeds whatever the server says).
    Logout {
        /// The UserID.
        user_id: String,
    },
}

/// An event the SDK emits, with its exact name and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// `SDK_READY` = `'sdkStateReady'`.
    SdkReady,
    /// `SDK_NOT_READY` = `'sdkStateNotReady'`.
    SdkNotReady,
    /// `KICKED_OUT` = `'kickedOut'`, data `{type}`.
    KickedOut(KickReason),
}

impl Event {
    /// The event's name as emitted: `sdkStateReady`, `sdkStateNotReady`, `kickedOut`.
    pub fn name(self) -> &'static str {
        match self {
            Self::SdkReady => "sdkStateReady",
            Self::SdkNotReady => "sdkStateNotReady",
            Self::KickedOut(_) => "kickedOut",
        }
    }

    /// The `TIM.EVENT` constant name: `SDK_READY`, `SDK_NOT_READY`, `KICKED_OUT`.
    pub fn constant_name(self) -> &'static str {
        match self {
            Self::SdkReady => "SDK_READY",
            Self::SdkNotReady => "SDK_NOT_READY",
            Self::KickedOut(_) => "KICKED_OUT",
        }
    }

    /// The payload handed to listeners: `{name}` or, for `KICKED_OUT`,
    /// `{name, data: {type}}`.
    pub fn payload(self) -> Value {
        match self {
            Self::KickedOut(r) => json!({ "name": self.name(), "data": { "type": r.as_str() } }),
            _ => json!({ "name": self.name() }),
        }
    }
}

/// A resolved call: the Web SDK's `imResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImResponse {
    /// Always 0.
    pub code: ErrorCode,
    /// The data: for a login `{actionStatus, errorCode, errorInfo}` and
    /// `repeatLogin: true` for a repeat login; `{}` otherwise.
    pub data: Value,
}

impl ImResponse {
    fn login_ok() -> Self {
        Self {
            code: ErrorCode::OK,
            data: json!({ "actionStatus": "OK", "errorCode": 0, "errorInfo": "" }),
        }
    }

    fn repeat_login() -> Self {
        Self {
            code: ErrorCode::OK,
            data: json!({
                "actionStatus": "OK",
                "errorCode": 0,
                "errorInfo": "login repeatedly: the account is already logged in",
                "repeatLogin": true,
            }),
        }
    }

    fn empty() -> Self {
        Self {
            code: ErrorCode::OK,
            data: json!({}),
        }
    }

    /// Whether this resolves a repeat login.
    pub fn is_repeat_login(&self) -> bool {
        self.data.get("repeatLogin") == Some(&Value::Bool(true))
    }

    /// `{code, data}` as the SDK hands it over.
    pub fn to_json(&self) -> Value {
        json!({ "code": self.code.0, "data": self.data })
    }
}

/// A rejected call: the Web SDK's `imError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ImError {
    /// The code.
    pub code: ErrorCode,
    /// What went wrong.
    pub message: String,
}

impl ImError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `{code, message}` as the SDK hands it over.
    pub fn to_json(&self) -> Value {
        json!({ "code": self.code.0, "message": self.message })
    }
}

/// Something the caller must do, returned by [`Lifecycle::handle`] in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// Send this request to the server.
    Send {
        /// Pass it back with the reply.
        request: RequestId,
        /// What to send.
        body: ClientRequest,
    },
    /// Emit this event to the app's listeners.
    Emit(Event),
    /// Resolve the app's call.
    Resolve {
        /// The call.
        call: CallId,
        /// The value.
        response: ImResponse,
    },
    /// Reject the app's call.
    Reject {
        /// The call.
        call: CallId,
        /// The error.
        error: ImError,
    },
    /// The gate let an API call through: perform it.
    Proceed {
        /// The call.
        call: CallId,
    },
}

/// Why the SDK is not ready; every gated call fails with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotReadyReason {
    /// 2024: never logged in.
    NotLoggedIn,
    /// 3000: a login is pending.
    LoggingIn,
    /// 3001: the last login failed.
    LoginFailed,
    /// 3002, 3003, 3004, 3006: kicked out.
    Kicked(KickReason),
    /// 3005: logged out.
    LoggedOut,
}

impl NotReadyReason {
    /// The Web SDK code.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::NotLoggedIn => ErrorCode::USER_NOT_LOGGED_IN,
            Self::LoggingIn => ErrorCode::LOGGING_IN,
            Self::LoginFailed => ErrorCode::LOGIN_FAILED,
            Self::Kicked(r) => r.web_code(),
            Self::LoggedOut => ErrorCode::LOGGED_OUT,
        }
    }
}

/// The state of a [`Lifecycle`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Not logged in, for this reason (never [`NotReadyReason::LoggingIn`]).
    NotReady(NotReadyReason),
    /// A login request is out.
    LoggingIn {
        /// Who is logging in.
        user_id: String,
        /// The login call to settle.
        call: CallId,
        /// The request whose reply settles it.
        request: RequestId,
    },
    /// Logged in and ready.
    Ready {
        /// Who is logged in.
        user_id: String,
    },
    /// Destroyed: everything is rejected.
    Destroyed,
}

/// One Web SDK instance's login lifecycle, without I/O. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Lifecycle {
    state: State,
    next_request: u64,
    preflight: Option<u32>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    /// A fresh instance: not logged in (2024).
    pub fn new() -> Self {
        Self {
            state: State::NotReady(NotReadyReason::NotLoggedIn),
            next_request: 0,
            preflight: None,
        }
    }

    /// Runs [`preflight_at`] on every login for this SDKAppID: a UserSig that
    /// the server would refuse (70002, 70003, 70013, 70014, 70001) is
    /// rejected at once, without a request. Default: off, as in the SDK.
    #[must_use]
    pub fn with_preflight(mut self, sdkappid: u32) -> Self {
        self.preflight = Some(sdkappid);
        self
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// `isReady()`.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready { .. })
    }

    /// Whether the instance was destroyed.
    pub fn is_destroyed(&self) -> bool {
        matches!(self.state, State::Destroyed)
    }

    /// `getLoginUser()`: the UserID logged in, or being logged in.
    pub fn login_user(&self) -> Option<&str> {
        match &self.state {
            State::Ready { user_id } | State::LoggingIn { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    /// Why the instance is not ready, or `None` when ready or destroyed.
    pub fn not_ready_reason(&self) -> Option<NotReadyReason> {
        match self.state {
            State::NotReady(r) => Some(r),
            State::LoggingIn { .. } => Some(NotReadyReason::LoggingIn),
            State::Ready { .. } | State::Destroyed => None,
        }
    }

    /// The gate for an API other than the [`UNGATED_APIS`]: `Ok` when it may
    /// run now.
    ///
    /// # Errors
    /// The current not-ready reason's code; 2999 once destroyed.
    pub fn check_call(&self, api: &str) -> Result<(), ImError> {
        if self.is_destroyed() {
            return Err(destroyed());
        }
        if UNGATED_APIS.contains(&api) || self.is_ready() {
            return Ok(());
        }
        let reason = self
            .not_ready_reason()
            .unwrap_or(NotReadyReason::NotLoggedIn);
        Err(ImError::new(
            reason.code(),
            format!("{api}: the SDK is not ready ({})", reason_text(reason)),
        ))
    }

    /// Feeds one input; returns what to do, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        match input {
            Input::Login {
                call,
                user_id,
                user_sig,
                now,
            } => self.login(&mut out, call, user_id, user_sig, now),
            Input::LoginReply { request, result } => self.login_reply(&mut out, request, result),
            Input::KickNotice { kick_type } => {
                if let Some(reason) = KickReason::from_kick_type(kick_type) {
                    self.kick(&mut out, reason);
                }
            }
            Input::ReplyCode { code } => {
                if matches!(code.0, 70001 | 20002) {
                    self.kick(&mut out, KickReason::UserSigExpired);
                }
            }
            Input::Logout { call } => self.logout(&mut out, call, false),
            Input::Destroy { call } => self.logout(&mut out, call, true),
            Input::Call { call, api } => match self.check_call(&api) {
                Ok(()) => out.push(Output::Proceed { call }),
                Err(error) => out.push(Output::Reject { call, error }),
            },
        }
        out
    }

    fn request_id(&mut self) -> RequestId {
        self.next_request = self.next_request.wrapping_add(1);
        RequestId(self.next_request)
    }

    fn login(
        &mut self,
        out: &mut Vec<Output>,
        call: CallId,
        user_id: String,
        user_sig: UserSig,
        now: u64,
    ) {
        let reject = |out: &mut Vec<Output>, code, msg: String| {
            out.push(Output::Reject {
                call,
                error: ImError::new(code, msg),
            });
        };
        if self.is_destroyed() {
            return out.push(Output::Reject {
                call,
                error: destroyed(),
            });
        }
        if let Err(e) = usersig::validate_identifier(&user_id) {
            return reject(out, ErrorCode::NO_IDENTIFIER, format!("userID: {e}"));
        }
        if user_sig.is_empty() {
            return reject(out, ErrorCode::NO_USERSIG, "userSig is empty".into());
        }
        match &self.state {
            State::LoggingIn { .. } => {
                return reject(
                    out,
                    ErrorCode::REPEAT_LOGIN,
                    "a login is already in progress".into(),
                );
            }
            State::Ready { user_id: current } => {
                if *current == user_id {
                    out.push(Output::Resolve {
                        call,
                        response: ImResponse::repeat_login(),
                    });
                } else {
                    reject(
                        out,
                        ErrorCode::REPEAT_LOGIN,
                        "already logged in as another user: log out first".into(),
                    );
                }
                return;
            }
            State::NotReady(_) | State::Destroyed => {}
        }
        if let Some(sdkappid) = self.preflight {
            if let Err(e) = preflight_at(sdkappid, &user_id, user_sig.expose(), now) {
                self.state = State::NotReady(NotReadyReason::LoginFailed);
                return reject(out, e.code(), e.to_string());
            }
        }
        let request = self.request_id();
        self.state = State::LoggingIn {
            user_id: user_id.clone(),
            call,
            request,
        };
        out.push(Output::Send {
            request,
            body: ClientRequest::Login { user_id, user_sig },
        });
    }

    fn login_reply(
        &mut self,
        out: &mut Vec<Output>,
        request: RequestId,
        result: Result<(), ServerError>,
    ) {
        let State::LoggingIn {
            user_id,
            call,
            request: pending,
        } = &self.state
        else {
            return;
        };
        if *pending != request {
            return;
        }
        let call = *call;
        match result {
            Ok(()) => {
                self.state = State::Ready {
                    user_id: user_id.clone(),
                };
                out.push(Output::Resolve {
                    call,
                    response: ImResponse::login_ok(),
                });
                out.push(Output::Emit(Event::SdkReady));
            }
            Err(e) => {
                self.state = State::NotReady(NotReadyReason::LoginFailed);
                let message = if e.info.is_empty() {
                    e.code.description().unwrap_or("login failed").to_owned()
                } else {
                    e.info
                };
                // A failure must never reject with 0, whatever the transport reported.
                let code = if e.code == ErrorCode::OK {
                    ErrorCode::LOGIN_FAILED
                } else {
                    e.code
                };
                out.push(Output::Reject {
                    call,
                    error: ImError::new(code, message),
                });
            }
        }
    }

    fn kick(&mut self, out: &mut Vec<Output>, reason: KickReason) {
        let State::Ready { user_id } = &self.state else {
            return;
        };
        if reason.sends_logout() {
            let user_id = user_id.clone();
            let request = self.request_id();
            out.push(Output::Send {
                request,
                body: ClientRequest::Logout { user_id },
            });
        }
        self.state = State::NotReady(NotReadyReason::Kicked(reason));
        out.push(Output::Emit(Event::KickedOut(reason)));
        out.push(Output::Emit(Event::SdkNotReady));
    }

    fn logout(&mut self, out: &mut Vec<Output>, call: CallId, destroy: bool) {
        let previous = core::mem::replace(
            &mut self.state,
            if destroy {
                State::Destroyed
            } else {
                State::NotReady(NotReadyReason::LoggedOut)
            },
        );
        match previous {
            State::Destroyed => {
                self.state = State::Destroyed;
                out.push(Output::Reject {
                    call,
                    error: destroyed(),
                });
                return;
            }
            State::NotReady(reason) => {
                if !destroy {
                    self.state = State::NotReady(reason);
                    out.push(Output::Reject {
                        call,
                        error: ImError::new(ErrorCode::USER_NOT_LOGGED_IN, "logout: not logged in"),
                    });
                    return;
                }
            }
            State::LoggingIn {
                user_id,
                call: login_call,
                ..
            } => {
                out.push(Output::Reject {
                    call: login_call,
                    error: ImError::new(
                        ErrorCode::LOGGED_OUT,
                        "logged out before the login completed",
                    ),
                });
                let request = self.request_id();
                out.push(Output::Send {
                    request,
                    body: ClientRequest::Logout { user_id },
                });
            }
            State::Ready { user_id } => {
                let request = self.request_id();
                out.push(Output::Send {
                    request,
                    body: ClientRequest::Logout { user_id },
                });
                out.push(Output::Emit(Event::SdkNotReady));
            }
        }
        out.push(Output::Resolve {
            call,
            response: ImResponse::empty(),
        });
    }
}

fn destroyed() -> ImError {
    ImError::new(
        ErrorCode::SDK_IS_NOT_READY,
        "the SDK instance is destroyed: create a new one",
    )
}

fn reason_text(reason: NotReadyReason) -> &'static str {
    match reason {
        NotReadyReason::NotLoggedIn => "not logged in",
        NotReadyReason::LoggingIn => "logging in",
        NotReadyReason::LoginFailed => "the login failed",
        NotReadyReason::Kicked(KickReason::MultipleAccount) => "kicked out: multipleAccount",
        NotReadyReason::Kicked(KickReason::MultipleDevice) => "kicked out: multipleDevice",
        NotReadyReason::Kicked(KickReason::UserSigExpired) => "kicked out: userSigExpired",
        NotReadyReason::Kicked(KickReason::RestApi) => "kicked out: REST_API_Kick",
        NotReadyReason::LoggedOut => "logged out",
    }
}

/// Why [`preflight_at`] expects the server to refuse a login.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreflightError {
    /// The UserSig is empty (70002).
    #[error("the UserSig is empty")]
    Empty,
    /// The UserSig cannot be decoded (70003; often a truncated copy).
    #[error("the UserSig cannot be decoded: {0}")]
    Malformed(usersig::Error),
    /// It was issued for another SDKAppID (70014).
    #[error("the UserSig is for SDKAppID {found}, the app is {expected}")]
    AppIdMismatch {
        /// The app's SDKAppID.
        expected: u32,
        /// The UserSig's.
        found: u64,
    },
    /// It was issued for another UserID (70013).
    #[error("the UserSig is for UserID {found:?}, the login is for {expected:?}")]
    IdentifierMismatch {
        /// The UserID logging in.
        expected: String,
        /// The UserSig's.
        found: String,
    },
    /// It expired (70001).
    #[error("{}", expired_message(*expired_at, *now))]
    Expired {
        /// `TLS.time + TLS.expire`; `None` when that overflows.
        expired_at: Option<u64>,
        /// The time of the check.
        now: u64,
    },
}

fn expired_message(expired_at: Option<u64>, now: u64) -> String {
    let checked = format!("checked at {} (unix {now})", usersig::human::date(now));
    match expired_at {
        Some(at) => format!(
            "the UserSig expired at {} (unix {at}), {} ago, {checked}",
            usersig::human::date(at),
            usersig::human::span(now.saturating_sub(at))
        ),
        None => {
            format!("the UserSig has no valid expiry: TLS.time + TLS.expire overflows, {checked}")
        }
    }
}

impl PreflightError {
    /// The code the server would answer the login with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::USERSIG_EMPTY,
            Self::Malformed(_) => ErrorCode::USERSIG_INVALID,
            Self::AppIdMismatch { .. } => ErrorCode::SDKAPPID_MISMATCH,
            Self::IdentifierMismatch { .. } => ErrorCode::USERID_MISMATCH,
            Self::Expired { .. } => ErrorCode::USERSIG_EXPIRED,
        }
    }
}

/// Checks a UserSig before logging in with it, without the key: decodes it
/// and compares its SDKAppID, its UserID and its expiry with the login's, to
/// fail early with the code the server would answer (70002, 70003, 70014,
/// 70013, 70001, checked in that order).
///
/// Nothing is authenticated here (there is no key): a sig that passes can
/// still be refused by the server (70009 for a sig made with another key).
///
/// # Errors
/// [`PreflightError`]; its [`code`](PreflightError::code) is the server's.
pub fn preflight_at(
    sdkappid: u32,
    user_id: &str,
    user_sig: &str,
    now: u64,
) -> Result<Inspection, PreflightError> {
    if user_sig.trim_ascii().is_empty() {
        return Err(PreflightError::Empty);
    }
    let i = usersig::inspect(user_sig).map_err(PreflightError::Malformed)?;
    if i.sdkappid != u64::from(sdkappid) {
        return Err(PreflightError::AppIdMismatch {
            expected: sdkappid,
            found: i.sdkappid,
        });
    }
    if i.identifier != user_id {
        return Err(PreflightError::IdentifierMismatch {
            expected: user_id.to_owned(),
            found: i.identifier,
        });
    }
    if i.is_expired_at(now) {
        return Err(PreflightError::Expired {
            expired_at: i.expires_at,
            now,
        });
    }
    Ok(i)
}

/// [`preflight_at`] at the current time.
///
/// # Errors
/// As [`preflight_at`].
pub fn preflight(
    sdkappid: u32,
    user_id: &str,
    user_sig: &str,
) -> Result<Inspection, PreflightError> {
    preflight_at(sdkappid, user_id, user_sig, usersig::unix_now())
}
