//! Error codes of the IM server, the REST API and the SDKs, and what to do about each.
//!
//! [`ErrorCode`] is an open newtype: every code the documentation lists has a
//! named constant, a description and a [`class`](ErrorCode::class); any other
//! number is still representable and classifies as [`ErrorClass::Unknown`].

use core::fmt;
use core::time::Duration;

use crate::RandomSource;

/// A numeric error code as the IM server, the REST API or an SDK reports it.
///
/// Open: codes this crate does not know are kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub u32);

/// What a caller should do about an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Code 0: not an error.
    Success,
    /// A transient failure: retry the same request after a backoff.
    Retry {
        /// The least time to wait before the first retry, when the code
        /// imposes one (70050: 60 s). For 60022 the server says how long to
        /// wait; see [`ApiError::waiting_time`](crate::rest::ApiError::waiting_time).
        min_wait: Option<Duration>,
    },
    /// The UserSig expired or was revoked: issue a new one, then retry once.
    Reissue,
    /// The account does not exist yet: import it, then retry.
    Import,
    /// The request or the configuration is wrong: fix it; retrying cannot help.
    Config,
    /// The app, account or session is shut out (disabled, blacklisted, kicked):
    /// stop, and involve a person.
    Stop,
    /// A code this crate does not know.
    Unknown,
}

impl ErrorClass {
    /// A short lowercase name: `success`, `retry`, `reissue`, `import`, `config`, `stop`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Retry { .. } => "retry",
            Self::Reissue => "reissue",
            Self::Import => "import",
            Self::Config => "config",
            Self::Stop => "stop",
            Self::Unknown => "unknown",
        }
    }

    /// What to do, in one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Self::Success => "nothing: the call succeeded",
            Self::Retry { .. } => {
                "retry the same request later, with a capped exponential backoff and jitter"
            }
            Self::Reissue => "issue a new UserSig for the account, then retry once",
            Self::Import => "import the account (account_import), then retry",
            Self::Config => {
                "fix the request or the configuration (app id, key, admin account, UserSig); retrying the same request cannot succeed"
            }
            Self::Stop => {
                "stop: the app, the account or the session is shut out; do not retry automatically"
            }
            Self::Unknown => {
                "unknown code: treat as a failure and look it up in the IM documentation"
            }
        }
    }

    /// Whether retrying the same request can succeed (after a wait, or after
    /// a new UserSig or an account import).
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Retry { .. } | Self::Reissue | Self::Import)
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// The REST API gateway (600xx).
    Rest,
    /// The account and login service (70xxx).
    Account,
    /// The native client SDKs (6xxx, 7xxx, 9xxx, 20002).
    Client,
    /// The Web SDK's `TIM.TYPES.ERROR_CODE` (1002, 2xxx, 3xxx).
    Web,
}

/// Everything known about one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The code.
    pub code: ErrorCode,
    /// Its constant name (the Web SDK's name where it has one).
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Where it comes from.
    pub origin: Origin,
    /// What to do.
    pub class: ErrorClass,
}

const R: ErrorClass = ErrorClass::Retry { min_wait: None };
const R60: ErrorClass = ErrorClass::Retry {
    min_wait: Some(Duration::from_secs(60)),
};
const RE: ErrorClass = ErrorClass::Reissue;
const IM: ErrorClass = ErrorClass::Import;
const C: ErrorClass = ErrorClass::Config;
const S: ErrorClass = ErrorClass::Stop;

macro_rules! codes {
    ($( $(#[$m:meta])* $name:ident = $code:literal, $origin:ident, $class:expr, $desc:literal; )*) => {
        impl ErrorCode {
            $(
                $(#[$m])*
                #[doc = concat!("`", stringify!($code), "`: ", $desc)]
                pub const $name: Self = Self($code);
            )*
        }

        /// Every known code, sorted by number.
        static TABLE: &[CodeInfo] = &[
            $( CodeInfo {
                code: ErrorCode($code),
                name: stringify!($name),
                description: $desc,
                origin: Origin::$origin,
                class: $class,
            }, )*
        ];
    };
}

codes! {
    OK = 0, Rest, ErrorClass::Success, "success";
    HELLO_ANSWER_KICKED_OUT = 1002, Web, S, "kicked out while the connection was being re-established (Web SDK)";
    NO_SDKAPPID = 2000, Web, C, "no SDKAppID given to the Web SDK";
    NO_ACCOUNT_TYPE = 2001, Web, C, "no account type given to the Web SDK";
    NO_IDENTIFIER = 2002, Web, C, "no userID given to login";
    NO_USERSIG = 2003, Web, C, "no userSig given to login";
    USER_NOT_LOGGED_IN = 2024, Web, C, "not logged in: call login first";
    REPEAT_LOGIN = 2025, Web, C, "a login is already in progress";
    NETWORK_ERROR = 2800, Web, R, "network error";
    NETWORK_TIMEOUT = 2801, Web, R, "network timeout";
    NO_NETWORK = 2805, Web, R, "no network";
    SDK_IS_NOT_READY = 2999, Web, R, "the SDK is not ready: wait for SDK_READY";
    LOGGING_IN = 3000, Web, R, "the SDK is logging in: wait for SDK_READY";
    LOGIN_FAILED = 3001, Web, C, "the last login failed: see the error it was rejected with";
    KICKED_OUT_MULT_DEVICE = 3002, Web, S, "kicked out: the account logged in on another platform or device (multipleDevice)";
    KICKED_OUT_MULT_ACCOUNT = 3003, Web, S, "kicked out: the account logged in on more Web pages than allowed (multipleAccount)";
    KICKED_OUT_USERSIG_EXPIRED = 3004, Web, RE, "kicked out: the UserSig expired (userSigExpired)";
    LOGGED_OUT = 3005, Web, S, "logged out";
    KICKED_OUT_REST_API = 3006, Web, S, "kicked out by the REST API kick command (REST_API_Kick)";
    CLIENT_NOT_LOGGED_IN = 6014, Client, C, "not logged in: call login first";
    CLIENT_USERSIG_EXPIRED = 6206, Client, RE, "the UserSig expired: issue a new one and log in again";
    CLIENT_KICKED_OFFLINE = 6208, Client, S, "kicked out while offline: another device logged in";
    CLIENT_LOGIN_IN_PROGRESS = 7501, Client, R, "a login is in progress";
    CLIENT_LOGOUT_IN_PROGRESS = 7502, Client, R, "a logout is in progress";
    CLIENT_FREQUENCY_LIMIT = 9506, Client, R, "calls too frequent";
    CLIENT_USERSIG_EXPIRED_ALT = 20002, Client, RE, "the UserSig expired (treated like 70001)";
    URL_PARSE = 60002, Rest, C, "the HTTP request URL could not be parsed";
    JSON_PARSE = 60003, Rest, C, "the request body is not valid JSON";
    IDENTIFIER_OR_USERSIG = 60004, Rest, C, "the identifier or the UserSig in the request URL is wrong";
    IDENTIFIER_OR_USERSIG_ALT = 60005, Rest, C, "the identifier or the UserSig in the request URL is wrong";
    SDKAPPID_INVALID = 60006, Rest, C, "the SDKAppID is invalid";
    REST_FREQUENCY = 60007, Rest, R, "REST API calls too frequent";
    REST_TIMEOUT = 60008, Rest, R, "the request timed out";
    BAD_URL = 60009, Rest, C, "the request URL is wrong";
    NEEDS_ADMIN = 60010, Rest, C, "the identifier in the URL must be an App admin account";
    SDKAPPID_FREQUENCY = 60011, Rest, R, "calls for this SDKAppID too frequent";
    SDKAPPID_MISSING = 60012, Rest, C, "the request URL lacks the sdkappid parameter";
    RESPONSE_JSON = 60013, Rest, R, "the response could not be encoded as JSON";
    ACCOUNT_EXCHANGE_TIMEOUT = 60014, Rest, R, "the account exchange timed out";
    IDENTIFIER_NOT_STRING = 60015, Rest, C, "an account in the request body is not a string";
    SDKAPPID_DISABLED = 60016, Rest, S, "the SDKAppID is disabled";
    REQUEST_DISABLED = 60017, Rest, S, "this request is disabled";
    TOO_FREQUENT = 60018, Rest, R, "requests too frequent";
    TOO_FREQUENT_ALT = 60019, Rest, R, "requests too frequent";
    PLAN_EXPIRED = 60020, Rest, S, "the plan of this SDKAppID expired";
    IP_NOT_ALLOWED = 60021, Rest, C, "the calling IP is not on the allow list";
    /// The Web SDK names it `OPEN_SERVICE_OVERLOAD_ERROR`.
    OPEN_SERVICE_OVERLOAD_ERROR = 60022, Rest, R, "the service is overloaded: retry after the waiting time the server gives";
    USERSIG_EXPIRED = 70001, Account, RE, "the UserSig expired";
    USERSIG_EMPTY = 70002, Account, C, "the UserSig is empty";
    USERSIG_INVALID = 70003, Account, C, "the UserSig is invalid (often truncated)";
    USERSIG_CHECK_FAILED = 70005, Account, C, "the UserSig check failed";
    USERSIG_VERIFY_FAILED = 70009, Account, C, "the UserSig does not verify (issued with the key of another SDKAppID?)";
    USERID_MISMATCH = 70013, Account, C, "the UserID in the UserSig does not match the one logging in";
    SDKAPPID_MISMATCH = 70014, Account, C, "the SDKAppID in the UserSig does not match the app";
    KEY_NOT_FOUND = 70016, Account, C, "no key found for this SDKAppID";
    SDKAPPID_NOT_FOUND = 70020, Account, C, "the SDKAppID does not exist";
    TOO_MANY_FAILURES = 70050, Account, R60, "too many failed attempts: the account is locked; retry after at least 60 s";
    BLACKLISTED = 70051, Account, S, "the account is blacklisted";
    USERSIG_INVALIDATED = 70052, Account, RE, "the UserSig was invalidated by a kick: issue a new one";
    ACCOUNT_NOT_IMPORTED = 70107, Account, IM, "the account is not imported";
    ACCOUNT_RESTRICTED = 70114, Account, S, "the account is restricted";
    INTERNAL_TIMEOUT = 70169, Account, R, "internal timeout";
    BAD_BATCH_COUNT = 70206, Account, C, "the number of accounts in the batch is wrong";
    ACCOUNT_LIMIT = 70398, Account, C, "the number of accounts reached the limit of the plan";
    INVALID_PARAMETERS = 70402, Account, C, "invalid parameters";
    ACCOUNT_NEEDS_ADMIN = 70403, Account, C, "the request needs an App admin account";
    INTERNAL_ERROR = 70500, Account, R, "internal server error";
}

impl ErrorCode {
    /// Everything known about this code, or `None` for an unknown code.
    pub fn info(self) -> Option<&'static CodeInfo> {
        TABLE
            .binary_search_by_key(&self, |i| i.code)
            .ok()
            .and_then(|i| TABLE.get(i))
    }

    /// Every known code, sorted by number.
    pub fn known() -> impl Iterator<Item = &'static CodeInfo> {
        TABLE.iter()
    }

    /// The constant name, for a known code.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.name)
    }

    /// What the code means, for a known code.
    pub fn description(self) -> Option<&'static str> {
        self.info().map(|i| i.description)
    }

    /// What to do about it; [`ErrorClass::Unknown`] for an unknown code.
    pub fn class(self) -> ErrorClass {
        self.info().map_or(ErrorClass::Unknown, |i| i.class)
    }

    /// Whether the code means the UserSig expired, so that logging in again
    /// with a new one is right (70001, 6206, 20002).
    pub fn is_usersig_expired(self) -> bool {
        matches!(self.0, 70001 | 6206 | 20002)
    }

    /// What to do about this code, in a sentence or two: its class's
    /// [`advice`](ErrorClass::advice) and what is particular to the code
    /// (the server's waiting time for 60022; for the UserSig-expired codes,
    /// that they are the ones on which logging in again is right). The
    /// `do:` line of [`explain`](Self::explain).
    pub fn advice(self) -> String {
        let mut advice = self.class().advice().to_owned();
        if self == Self::OPEN_SERVICE_OVERLOAD_ERROR {
            advice.push_str("; wait the time the server gives before retrying");
        }
        if self.is_usersig_expired() {
            let others: Vec<String> = [70001, 6206, 20002]
                .into_iter()
                .filter(|&c| c != self.0)
                .map(|c| c.to_string())
                .collect();
            advice.push_str(&format!(
                "; this code, {} are the only ones on which logging in again is right",
                others.join(" and ")
            ));
        }
        advice
    }

    /// A text for a person: the code, its name, its meaning, its class and
    /// what to do. Works for unknown codes too.
    pub fn explain(self) -> Explanation {
        Explanation(self)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for ErrorCode {
    fn from(c: u32) -> Self {
        Self(c)
    }
}

impl From<ErrorCode> for u32 {
    fn from(c: ErrorCode) -> Self {
        c.0
    }
}

impl core::str::FromStr for ErrorCode {
    type Err = ParseCodeError;

    /// Parses a decimal number (`70001`) or a constant name (`USERSIG_EXPIRED`,
    /// case-insensitive, with an optional `TIM.TYPES.ERROR_CODE.`-style prefix).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<u32>().map(Self).map_err(|_| ParseCodeError);
        }
        let name = s.rsplit('.').next().unwrap_or(s);
        TABLE
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
            .map(|i| i.code)
            .ok_or(ParseCodeError)
    }
}

/// A string that is neither a code number nor a known code name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an error code: expected a number up to 4294967295 or a known code name")]
pub struct ParseCodeError;

/// The multi-line text of [`ErrorCode::explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation(ErrorCode);

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.0;
        let class = code.class();
        match code.info() {
            Some(i) => {
                writeln!(f, "{} {}: {}", code, i.name, i.description)?;
                let origin = match i.origin {
                    Origin::Rest => "REST API",
                    Origin::Account => "account and login service",
                    Origin::Client => "client SDK",
                    Origin::Web => "Web SDK",
                };
                writeln!(f, "from:  {origin}")?;
            }
            None => writeln!(f, "{code}: not a code this library knows")?,
        }
        write!(f, "class: {class}")?;
        if let ErrorClass::Retry { min_wait: Some(w) } = class {
            write!(f, " (wait at least {} s)", w.as_secs())?;
        }
        writeln!(f)?;
        write!(f, "do:    {}", code.advice())
    }
}

/// A capped exponential backoff with full jitter.
///
/// The wait before retry `n` (0-based) is drawn uniformly from
/// `[0, min(cap, base * 2^n)]`, then raised to the code's minimum wait
/// (70050: 60 s) or to the server's waiting time (60022), when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first ceiling. Default 500 ms.
    pub base: Duration,
    /// The largest ceiling. Default 30 s.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The ceiling for retry `attempt` (0-based), before jitter: `min(cap, base * 2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The wait before retry `attempt` (0-based) of a request that failed
    /// with `code`; `server_wait` is the waiting time the server gave (60022).
    ///
    /// Returns `None` when the code's class is not [`ErrorClass::Retry`]:
    /// such a request must not be retried as it is.
    pub fn delay(
        &self,
        code: ErrorCode,
        attempt: u32,
        server_wait: Option<Duration>,
        random: &mut dyn RandomSource,
    ) -> Option<Duration> {
        self.delay_for_class(code.class(), attempt, server_wait, random)
    }

    /// [`delay`](Self::delay) for a failure of this class: the class an
    /// [`ApiError`](crate::rest::ApiError) carries, which for a `FAIL`
    /// without a code is [`ErrorClass::Retry`] though code 0's is success.
    ///
    /// Returns `None` unless the class is [`ErrorClass::Retry`].
    pub fn delay_for_class(
        &self,
        class: ErrorClass,
        attempt: u32,
        server_wait: Option<Duration>,
        random: &mut dyn RandomSource,
    ) -> Option<Duration> {
        let ErrorClass::Retry { min_wait } = class else {
            return None;
        };
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let r = (u64::from(random.next_u32()) << 32) | u64::from(random.next_u32());
        let jittered = Duration::from_nanos(if nanos == u64::MAX {
            r
        } else {
            r % (nanos + 1)
        });
        let floor = [min_wait, server_wait]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(Duration::ZERO);
        Some(jittered.max(floor))
    }
}

impl ErrorCode {
    /// The code Tencent's servers answer when a UserSig fails the check that
    /// [`usersig::Verifier`] reports as `err`: at login (SDK) or in the
    /// `usersig` parameter of a REST call.
    ///
    /// | verifier error | code |
    /// |---|---|
    /// | [`Malformed::Empty`](usersig::Malformed::Empty) | 70002 `USERSIG_EMPTY` |
    /// | any other [`Error::Malformed`](usersig::Error::Malformed) | 70003 `USERSIG_INVALID` (often a truncated copy) |
    /// | [`Error::SignatureMismatch`](usersig::Error::SignatureMismatch) | 70009 `USERSIG_VERIFY_FAILED` (another app's key, or altered fields) |
    /// | [`Error::Expired`](usersig::Error::Expired) | 70001 `USERSIG_EXPIRED` |
    /// | [`Error::IdentifierMismatch`](usersig::Error::IdentifierMismatch) | 70013 `USERID_MISMATCH` |
    /// | [`Error::AppIdMismatch`](usersig::Error::AppIdMismatch) | 70014 `SDKAPPID_MISMATCH` |
    /// | [`Error::IssuedInFuture`](usersig::Error::IssuedInFuture) | 70005 `USERSIG_CHECK_FAILED` (only with a `max_future` policy, which Tencent does not have) |
    /// | a userbuf or room error (a room ticket is no login credential) | 70003 `USERSIG_INVALID` |
    /// | [`Error::InvalidArgument`](usersig::Error::InvalidArgument) (the UserID given is unusable) | 70402 `INVALID_PARAMETERS` |
    ///
    /// The codes and their meanings are Tencent's error-code page
    /// (<https://cloud.tencent.com/document/product/269/1671>, in English
    /// <https://www.tencentcloud.com/document/product/1047/34348>), account
    /// and login section. A UserSig revoked by a REST kick (70052) is not a
    /// verifier error: [`Instances::check_sig_at`](crate::instances::Instances::check_sig_at) decides it.
    pub fn from_verify_error(err: &usersig::Error) -> Self {
        use usersig::{Error, Malformed};
        match err {
            Error::Malformed(Malformed::Empty) => Self::USERSIG_EMPTY,
            Error::Malformed(_) => Self::USERSIG_INVALID,
            Error::SignatureMismatch => Self::USERSIG_VERIFY_FAILED,
            Error::Expired { .. } => Self::USERSIG_EXPIRED,
            Error::IdentifierMismatch { .. } => Self::USERID_MISMATCH,
            Error::AppIdMismatch { .. } => Self::SDKAPPID_MISMATCH,
            Error::IssuedInFuture { .. } => Self::USERSIG_CHECK_FAILED,
            Error::InvalidArgument(_) => Self::INVALID_PARAMETERS,
            _ => Self::USERSIG_INVALID,
        }
    }
}

impl From<&usersig::Error> for ErrorCode {
    /// [`ErrorCode::from_verify_error`].
    fn from(err: &usersig::Error) -> Self {
        Self::from_verify_error(err)
    }
}
