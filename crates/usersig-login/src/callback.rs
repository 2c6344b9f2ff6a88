//! Callbacks (webhooks) from IM to the app's backend: the query signature,
//! `State.StateChange` bodies and the reply.
//!
//! With a callback token configured in the console, IM adds `Sign` and
//! `RequestTime` to the callback URL's query, where
//! `Sign = lowercase hex(SHA-256(token + RequestTime))`. [`CallbackVerifier`]
//! checks them, the freshness of `RequestTime` (60 s either way by default)
//! and, when configured, the `SdkAppid`.

use core::fmt;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Longest callback query accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 8 * 1024;

/// Largest callback body accepted for parsing, in bytes.
pub const MAX_BODY_LEN: usize = 1024 * 1024;

/// The default freshness window: `|now - RequestTime|` at most 60 s.
pub const DEFAULT_MAX_SKEW: u64 = 60;

/// The body to answer a callback with when it was handled.
pub const OK_REPLY: &str = r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;

/// The body to answer a callback with when it was refused: `ActionStatus`
/// `FAIL` with this code and info (the info is JSON-escaped).
pub fn fail_reply(code: u32, info: &str) -> String {
    serde_json::json!({ "ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info }).to_string()
}

/// `Sign` for a token and a `RequestTime`: lowercase hex of
/// `SHA-256(token + request_time)`, plain concatenation. Surrounding ASCII
/// whitespace of the token is dropped, as [`CallbackVerifier::new`] drops it.
/// `Sign` covers only the token and `RequestTime`: the other query parameters
/// and the body are not authenticated by Tencent's scheme.
pub fn sign(token: &str, request_time: &str) -> String {
    let mut h = Sha256::new();
    h.update(token.trim_ascii().as_bytes());
    h.update(request_time.as_bytes());
    let digest = h.finalize();
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push(hex_digit(b >> 4));
        s.push(hex_digit(b & 0xf));
    }
    s
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_sign(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *o = (hex_value(*hi)? << 4) | hex_value(*lo)?;
    }
    Some(out)
}

/// Why a callback was refused (or a verifier could not be made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The token given to [`CallbackVerifier::new`] is empty or only
    /// whitespace: `Sign` would then be `SHA-256(RequestTime)`, which anyone
    /// can compute. Use [`CallbackVerifier::unsigned`] for an app without a token.
    #[error("the callback token is empty")]
    EmptyToken,
    /// The query is longer than [`MAX_QUERY_LEN`].
    #[error("the query is {len} bytes long, the maximum is {max}")]
    QueryTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A parameter is absent.
    #[error("the query has no {0} parameter")]
    Missing(&'static str),
    /// A parameter appears more than once (refused: which one counts would be ambiguous).
    #[error("the query has more than one {0} parameter")]
    Duplicate(&'static str),
    /// A parameter's value is not what it must be.
    #[error("the {0} parameter is malformed")]
    Malformed(&'static str),
    /// `Sign` does not match the token and `RequestTime`.
    #[error("the Sign does not match: another token, or the query was altered")]
    BadSignature,
    /// `RequestTime` is further from now than allowed.
    #[error("RequestTime {request_time} is more than {max_skew} s away from now ({now})")]
    Stale {
        /// The callback's `RequestTime`.
        request_time: u64,
        /// The time of the check.
        now: u64,
        /// The allowed distance.
        max_skew: u64,
    },
    /// The callback is for another SDKAppID.
    #[error("the callback is for SDKAppID {found}, expected {expected}")]
    AppIdMismatch {
        /// The configured SDKAppID.
        expected: u32,
        /// The query's.
        found: u32,
    },
    /// The body is larger than [`MAX_BODY_LEN`].
    #[error("the body is {len} bytes long, the maximum is {max}")]
    BodyTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not the JSON expected.
    #[error("the body is not a valid {expected} callback: {detail}")]
    Body {
        /// The callback expected.
        expected: &'static str,
        /// What is wrong (from the JSON parser; it quotes no input).
        detail: String,
    },
    /// The body is a callback of another command.
    #[error("the body is a {found:?} callback, expected {expected}")]
    WrongCommand {
        /// The command expected.
        expected: &'static str,
        /// The body's `CallbackCommand` (truncated to 64 bytes).
        found: String,
    },
    /// The body's `CallbackCommand` is not the query's (the body is not the
    /// one this query came with).
    #[error("the body is a {body:?} callback, the query a {query:?} callback")]
    CommandMismatch {
        /// The query's `CallbackCommand` (truncated to 64 bytes).
        query: String,
        /// The body's `CallbackCommand` (truncated to 64 bytes).
        body: String,
    },
}

/// The parameters of a verified callback query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackQuery {
    /// `SdkAppid`.
    pub sdkappid: u32,
    /// `CallbackCommand`, e.g. `State.StateChange`.
    pub command: String,
    /// `contenttype`, normally `json`.
    pub content_type: Option<String>,
    /// `ClientIP`.
    pub client_ip: Option<String>,
    /// `OptPlatform`.
    pub opt_platform: Option<String>,
    /// `RequestTime`, when the query carries one.
    pub request_time: Option<u64>,
    /// Whether `Sign` was present and checked.
    pub signed: bool,
}

/// Checks callback queries. Holds the token (zeroized on drop, redacted in `Debug`).
///
/// `Sign` covers only the token and `RequestTime` (Tencent's scheme): the
/// other query parameters (`SdkAppid`, `CallbackCommand`, `ClientIP`,
/// `OptPlatform`) and the body are not authenticated by it. Check them as
/// what they are: claims of whoever sent the request.
#[derive(Clone)]
pub struct CallbackVerifier {
    token: Option<Zeroizing<String>>,
    sdkappid: Option<u32>,
    max_skew: u64,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("sdkappid", &self.sdkappid)
            .field("max_skew", &self.max_skew)
            .finish()
    }
}

impl CallbackVerifier {
    /// A verifier for callbacks signed with `token` (the console's callback
    /// token, surrounding ASCII whitespace dropped, as from a file or an
    /// environment variable). `Sign` and `RequestTime` are then required.
    ///
    /// # Errors
    /// [`CallbackError::EmptyToken`] for an empty or all-whitespace token.
    pub fn new(token: impl Into<String>) -> Result<Self, CallbackError> {
        let mut token = Zeroizing::new(token.into());
        let trimmed = token.trim_ascii();
        if trimmed.is_empty() {
            return Err(CallbackError::EmptyToken);
        }
        if trimmed.len() != token.len() {
            token = Zeroizing::new(trimmed.to_owned());
        }
        Ok(Self {
            token: Some(token),
            sdkappid: None,
            max_skew: DEFAULT_MAX_SKEW,
        })
    }

    /// A verifier for an app without a callback token: nothing is
    /// authenticated, only the query is parsed (and the SDKAppID checked when
    /// set). Any callback can be forged then; prefer configuring a token.
    pub fn unsigned() -> Self {
        Self {
            token: None,
            sdkappid: None,
            max_skew: DEFAULT_MAX_SKEW,
        }
    }

    /// Also require `SdkAppid` to be this app's. Default: not checked.
    #[must_use]
    pub fn with_sdkappid(mut self, sdkappid: u32) -> Self {
        self.sdkappid = Some(sdkappid);
        self
    }

    /// Accept `RequestTime` up to `seconds` away from now, either way.
    /// Default [`DEFAULT_MAX_SKEW`] (60 s).
    #[must_use]
    pub fn with_max_skew(mut self, seconds: u64) -> Self {
        self.max_skew = seconds;
        self
    }

    /// [`verify_query_at`](Self::verify_query_at) at the current time.
    ///
    /// # Errors
    /// As [`verify_query_at`](Self::verify_query_at).
    pub fn verify_query(&self, query: &str) -> Result<CallbackQuery, CallbackError> {
        self.verify_query_at(query, usersig::unix_now())
    }

    /// Checks a callback's query at `now` (unix seconds).
    ///
    /// `query` is the query string, with or without a leading `?`, or the
    /// whole callback URL (everything up to the first `?` and after a `#` is
    /// ignored). Parameter names are case-sensitive, as IM sends them. Order:
    /// length cap, parse (each known parameter at most once), `SdkAppid`,
    /// then with a token: `RequestTime`, `Sign` (compared in constant time),
    /// freshness; then the SDKAppID check.
    ///
    /// # Errors
    /// [`CallbackError`] naming the first check that failed.
    pub fn verify_query_at(&self, query: &str, now: u64) -> Result<CallbackQuery, CallbackError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(CallbackError::QueryTooLong {
                len: query.len(),
                max: MAX_QUERY_LEN,
            });
        }
        let query = query.split_once('?').map_or(query, |(_, q)| q);
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let mut p = Params::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "SdkAppid" => &mut p.sdkappid,
                "CallbackCommand" => &mut p.command,
                "contenttype" => &mut p.content_type,
                "ClientIP" => &mut p.client_ip,
                "OptPlatform" => &mut p.opt_platform,
                "Sign" => &mut p.sign,
                "RequestTime" => &mut p.request_time,
                _ => continue,
            };
            if slot.is_some() {
                return Err(CallbackError::Duplicate(param_name(&k)));
            }
            *slot = Some(v.into_owned());
        }
        let sdkappid = p
            .sdkappid
            .as_deref()
            .ok_or(CallbackError::Missing("SdkAppid"))
            .and_then(|s| parse_decimal(s).ok_or(CallbackError::Malformed("SdkAppid")))
            .and_then(|n| u32::try_from(n).map_err(|_| CallbackError::Malformed("SdkAppid")))?;
        let command = p.command.ok_or(CallbackError::Missing("CallbackCommand"))?;
        let request_time = match p.request_time.as_deref() {
            Some(s) => Some(parse_decimal(s).ok_or(CallbackError::Malformed("RequestTime"))?),
            None => None,
        };
        let signed = if let Some(token) = &self.token {
            let rt = p
                .request_time
                .as_deref()
                .ok_or(CallbackError::Missing("RequestTime"))?;
            let given = p.sign.as_deref().ok_or(CallbackError::Missing("Sign"))?;
            let given = decode_sign(given).ok_or(CallbackError::Malformed("Sign"))?;
            let mut h = Sha256::new();
            h.update(token.as_bytes());
            h.update(rt.as_bytes());
            let expected = h.finalize();
            if !bool::from(expected.as_slice().ct_eq(&given)) {
                return Err(CallbackError::BadSignature);
            }
            let request_time = request_time.unwrap_or_default();
            if request_time.abs_diff(now) > self.max_skew {
                return Err(CallbackError::Stale {
                    request_time,
                    now,
                    max_skew: self.max_skew,
                });
            }
            true
        } else {
            false
        };
        if let Some(expected) = self.sdkappid {
            if expected != sdkappid {
                return Err(CallbackError::AppIdMismatch {
                    expected,
                    found: sdkappid,
                });
            }
        }
        Ok(CallbackQuery {
            sdkappid,
            command,
            content_type: p.content_type,
            client_ip: p.client_ip,
            opt_platform: p.opt_platform,
            request_time,
            signed,
        })
    }
}

#[derive(Default)]
struct Params {
    sdkappid: Option<String>,
    command: Option<String>,
    content_type: Option<String>,
    client_ip: Option<String>,
    opt_platform: Option<String>,
    sign: Option<String>,
    request_time: Option<String>,
}

fn param_name(k: &str) -> &'static str {
    match k {
        "SdkAppid" => "SdkAppid",
        "CallbackCommand" => "CallbackCommand",
        "contenttype" => "contenttype",
        "ClientIP" => "ClientIP",
        "OptPlatform" => "OptPlatform",
        "Sign" => "Sign",
        _ => "RequestTime",
    }
}

/// A decimal number of 1 to 20 ASCII digits that fits a u64 (no sign, no spaces).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `Info.Action` of a `State.StateChange` callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateAction {
    /// `Login`.
    Login,
    /// `Logout`.
    Logout,
    /// `Disconnect`.
    Disconnect,
    /// Any other value, kept.
    Other(String),
}

/// `Info.Reason` of a `State.StateChange` callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateReason {
    /// `Register`: logged in.
    Register,
    /// `Unregister`: logged out.
    Unregister,
    /// `LinkClose`: the connection closed.
    LinkClose,
    /// `TimeOut`: the heartbeat timed out.
    TimeOut,
    /// Any other value, kept.
    Other(String),
}

/// A parsed `State.StateChange` callback body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StateChange {
    /// `EventTime`, unix milliseconds, when present.
    pub event_time_ms: Option<u64>,
    /// `Info.Action`.
    pub action: StateAction,
    /// `Info.To_Account`: whose state changed.
    pub account: String,
    /// `Info.Reason`.
    pub reason: StateReason,
    /// `KickedDevice[].Platform`: the devices this login kicked.
    pub kicked_platforms: Vec<String>,
}

const STATE_CHANGE: &str = "State.StateChange";

/// Any callback body: its `CallbackCommand` and the JSON object it came in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackBody {
    /// `CallbackCommand`, e.g. `C2C.CallbackBeforeSendMsg`.
    pub command: String,
    /// The whole body, `CallbackCommand` included.
    pub fields: Map<String, Value>,
}

impl CallbackBody {
    /// Parses any callback body: a JSON object with a string
    /// `CallbackCommand`, under [`MAX_BODY_LEN`].
    ///
    /// # Errors
    /// [`CallbackError::BodyTooLarge`]; [`CallbackError::Body`] for a body
    /// that is not such an object (the detail names the field).
    pub fn parse(body: &[u8]) -> Result<Self, CallbackError> {
        Self::parse_as(body, "IM")
    }

    /// [`CallbackBody::parse`], then checks that the body's
    /// `CallbackCommand` is the query's.
    ///
    /// # Errors
    /// As [`CallbackBody::parse`]; [`CallbackError::CommandMismatch`].
    pub fn parse_for(query: &CallbackQuery, body: &[u8]) -> Result<Self, CallbackError> {
        Self::parse_for_command(&query.command, body)
    }

    /// [`CallbackBody::parse`], then checks that the body's
    /// `CallbackCommand` is `command` (a verified query's).
    ///
    /// # Errors
    /// As [`CallbackBody::parse`]; [`CallbackError::CommandMismatch`].
    pub fn parse_for_command(command: &str, body: &[u8]) -> Result<Self, CallbackError> {
        let parsed = Self::parse(body)?;
        if parsed.command != command {
            let (mut q, mut b) = (command.to_owned(), parsed.command);
            truncate(&mut q, 64);
            truncate(&mut b, 64);
            return Err(CallbackError::CommandMismatch { query: q, body: b });
        }
        Ok(parsed)
    }

    fn parse_as(body: &[u8], expected: &'static str) -> Result<Self, CallbackError> {
        if body.len() > MAX_BODY_LEN {
            return Err(CallbackError::BodyTooLarge {
                len: body.len(),
                max: MAX_BODY_LEN,
            });
        }
        let bad = |detail: String| CallbackError::Body { expected, detail };
        let value: Value = serde_json::from_slice(body).map_err(|e| bad(json_error(&e)))?;
        let Value::Object(fields) = value else {
            return Err(bad("the body is not a JSON object".into()));
        };
        let command = match fields.get("CallbackCommand") {
            Some(Value::String(c)) => c.clone(),
            Some(_) => return Err(bad("field CallbackCommand must be a string".into())),
            None => return Err(bad("field CallbackCommand is missing".into())),
        };
        Ok(Self { command, fields })
    }
}

/// Reads the field at `path` of `map` as a string: `Ok(None)` when absent,
/// an error naming the field when it is not a string.
fn string_field(
    map: &Map<String, Value>,
    path: &'static str,
    name: &str,
) -> Result<Option<String>, String> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("field {path} must be a string")),
    }
}

impl StateChange {
    /// Parses a `State.StateChange` body. Unknown fields are ignored; unknown
    /// actions and reasons are kept as [`StateAction::Other`] and [`StateReason::Other`].
    ///
    /// # Errors
    /// [`CallbackError::BodyTooLarge`], [`CallbackError::Body`] for JSON that
    /// does not have the fields (the detail names the first missing or
    /// mistyped one), [`CallbackError::WrongCommand`] for another callback.
    pub fn parse(body: &[u8]) -> Result<Self, CallbackError> {
        let body = CallbackBody::parse_as(body, STATE_CHANGE)?;
        if body.command != STATE_CHANGE {
            let mut found = body.command;
            truncate(&mut found, 64);
            return Err(CallbackError::WrongCommand {
                expected: STATE_CHANGE,
                found,
            });
        }
        Self::from_fields(&body.fields).map_err(|detail| CallbackError::Body {
            expected: STATE_CHANGE,
            detail,
        })
    }

    fn from_fields(f: &Map<String, Value>) -> Result<Self, String> {
        let event_time_ms = match f.get("EventTime") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or("field EventTime must be an unsigned integer")?,
            ),
        };
        let info = match f.get("Info") {
            Some(Value::Object(m)) => m,
            Some(_) => return Err("field Info must be an object".into()),
            None => return Err("field Info is missing".into()),
        };
        let action =
            string_field(info, "Info.Action", "Action")?.ok_or("field Info.Action is missing")?;
        let account = string_field(info, "Info.To_Account", "To_Account")?
            .ok_or("field Info.To_Account is missing")?;
        let reason = string_field(info, "Info.Reason", "Reason")?.unwrap_or_default();
        let kicked_platforms = match f.get("KickedDevice") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(devices)) => devices
                .iter()
                .map(|d| match d {
                    Value::Object(m) => string_field(m, "KickedDevice[].Platform", "Platform")?
                        .ok_or_else(|| "field KickedDevice[].Platform is missing".to_owned()),
                    _ => Err("field KickedDevice[] must hold objects".to_owned()),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("field KickedDevice must be a list".into()),
        };
        let action = match action.as_str() {
            "Login" => StateAction::Login,
            "Logout" => StateAction::Logout,
            "Disconnect" => StateAction::Disconnect,
            _ => StateAction::Other(action),
        };
        let reason = match reason.as_str() {
            "Register" => StateReason::Register,
            "Unregister" => StateReason::Unregister,
            "LinkClose" => StateReason::LinkClose,
            "TimeOut" => StateReason::TimeOut,
            _ => StateReason::Other(reason),
        };
        Ok(Self {
            event_time_ms,
            action,
            account,
            reason,
            kicked_platforms,
        })
    }
}

/// A serde_json error as text, without the input.
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {}, column {}",
        e.classify(),
        e.line(),
        e.column()
    )
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
