//! Why an instance was kicked out, in every form the SDKs and the server use.

use core::fmt;

use crate::codes::ErrorCode;

/// Why an instance was kicked out (`TIM.TYPES.KICKED_OUT_*`).
///
/// Forms: the SDK string ([`as_str`](Self::as_str), the `type` of a
/// `KICKED_OUT` event), the constant name ([`constant_name`](Self::constant_name)),
/// the server's kickType number ([`kick_type`](Self::kick_type): 1, 2, 3; the
/// expired sig has none), the Web SDK's not-ready code
/// ([`web_code`](Self::web_code): 3003, 3002, 3004, 3006), and the reply codes
/// that mean an expired sig (70001, 20002). [`parse`](Self::parse) reads all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KickReason {
    /// `multipleAccount`: the same account logged in on more Web pages than allowed.
    MultipleAccount,
    /// `multipleDevice`: the account logged in on another platform or device.
    MultipleDevice,
    /// `userSigExpired`: the UserSig expired.
    UserSigExpired,
    /// `REST_API_Kick`: the app's backend kicked the account with the REST API.
    RestApi,
}

/// What an app should do when one of its instances is kicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reaction {
    /// Tell the person they were signed out elsewhere and show the login page;
    /// log in again only when they ask. Logging in again automatically makes
    /// the two instances kick each other in a loop.
    AskBeforeLoggingIn,
    /// Fetch a new UserSig from the app's backend and log in again; doing so
    /// automatically is fine.
    ReissueAndLogIn,
    /// The backend revoked the session (and every UserSig issued before the
    /// kick): show the login page; a login needs a UserSig issued after the kick.
    ShowLoginPage,
}

impl Reaction {
    /// Whether logging in again without asking the person is safe.
    pub fn may_log_in_automatically(self) -> bool {
        matches!(self, Self::ReissueAndLogIn)
    }

    /// What to do, in one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Self::AskBeforeLoggingIn => {
                "tell the person they were signed out elsewhere and show the login page; never log in again automatically (that starts a kick loop)"
            }
            Self::ReissueAndLogIn => "fetch a new UserSig from the backend and log in again",
            Self::ShowLoginPage => {
                "the backend revoked the session: show the login page; only a UserSig issued after the kick works"
            }
        }
    }
}

impl KickReason {
    /// All four reasons.
    pub const ALL: [Self; 4] = [
        Self::MultipleAccount,
        Self::MultipleDevice,
        Self::UserSigExpired,
        Self::RestApi,
    ];

    /// The SDK's string, exactly: `multipleAccount`, `multipleDevice`,
    /// `userSigExpired`, `REST_API_Kick`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MultipleAccount => "multipleAccount",
            Self::MultipleDevice => "multipleDevice",
            Self::UserSigExpired => "userSigExpired",
            Self::RestApi => "REST_API_Kick",
        }
    }

    /// The `TIM.TYPES` constant name.
    pub fn constant_name(self) -> &'static str {
        match self {
            Self::MultipleAccount => "KICKED_OUT_MULT_ACCOUNT",
            Self::MultipleDevice => "KICKED_OUT_MULT_DEVICE",
            Self::UserSigExpired => "KICKED_OUT_USERSIG_EXPIRED",
            Self::RestApi => "KICKED_OUT_REST_API",
        }
    }

    /// The kickType of the server's kick notice: 1, 2, 3; `None` for an
    /// expired sig, which arrives as a reply code instead.
    pub fn kick_type(self) -> Option<u32> {
        match self {
            Self::MultipleAccount => Some(1),
            Self::MultipleDevice => Some(2),
            Self::RestApi => Some(3),
            Self::UserSigExpired => None,
        }
    }

    /// The reason of a server kick notice's kickType.
    pub fn from_kick_type(kick_type: u32) -> Option<Self> {
        match kick_type {
            1 => Some(Self::MultipleAccount),
            2 => Some(Self::MultipleDevice),
            3 => Some(Self::RestApi),
            _ => None,
        }
    }

    /// The Web SDK's not-ready code after this kick.
    pub fn web_code(self) -> ErrorCode {
        match self {
            Self::MultipleAccount => ErrorCode::KICKED_OUT_MULT_ACCOUNT,
            Self::MultipleDevice => ErrorCode::KICKED_OUT_MULT_DEVICE,
            Self::UserSigExpired => ErrorCode::KICKED_OUT_USERSIG_EXPIRED,
            Self::RestApi => ErrorCode::KICKED_OUT_REST_API,
        }
    }

    /// The reason for a Web not-ready code (3002, 3003, 3004, 3006) or a
    /// reply code meaning an expired sig (70001, 20002).
    pub fn from_code(code: ErrorCode) -> Option<Self> {
        match code.0 {
            3003 => Some(Self::MultipleAccount),
            3002 => Some(Self::MultipleDevice),
            3004 | 70001 | 20002 => Some(Self::UserSigExpired),
            3006 => Some(Self::RestApi),
            _ => None,
        }
    }

    /// Whether the SDK sends a logout request before it reports this kick
    /// (it does for multipleAccount and multipleDevice; the session is already
    /// gone on the server for an expired sig and a REST kick).
    pub fn sends_logout(self) -> bool {
        matches!(self, Self::MultipleAccount | Self::MultipleDevice)
    }

    /// What the app should do.
    pub fn reaction(self) -> Reaction {
        match self {
            Self::MultipleAccount | Self::MultipleDevice => Reaction::AskBeforeLoggingIn,
            Self::UserSigExpired => Reaction::ReissueAndLogIn,
            Self::RestApi => Reaction::ShowLoginPage,
        }
    }

    /// Reads any form: the SDK string (`multipleDevice`), the constant name
    /// with or without a prefix (`KICKED_OUT_MULT_DEVICE`,
    /// `TIM.TYPES.KICKED_OUT_MULT_DEVICE`), a kickType (`2`), a Web code
    /// (`3002`) or an expired-sig reply code (`70001`, `20002`).
    /// Surrounding whitespace is ignored; the names are case-sensitive, as in the SDK.
    ///
    /// # Errors
    /// [`ParseKickReasonError`] for anything else.
    pub fn parse(s: &str) -> Result<Self, ParseKickReasonError> {
        let s = s.trim();
        if !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()) {
            let n: u32 = s.parse().map_err(|_| ParseKickReasonError)?;
            return Self::from_kick_type(n)
                .or_else(|| Self::from_code(ErrorCode(n)))
                .ok_or(ParseKickReasonError);
        }
        let name = s.strip_prefix("TIM.TYPES.").unwrap_or(s);
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == name || r.constant_name() == name)
            .ok_or(ParseKickReasonError)
    }
}

impl fmt::Display for KickReason {
    /// Prints the SDK string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for KickReason {
    type Err = ParseKickReasonError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A string that names no kick reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a kick reason: expected multipleAccount, multipleDevice, userSigExpired, REST_API_Kick, a KICKED_OUT_* name, a kickType 1-3 or a code 3002-3006, 70001, 20002"
)]
pub struct ParseKickReasonError;
