//! The one error type of the crate and its detail enums.
//!
//! Every failure has its own variant. None of them carries the key, and none
//! echoes more than a few bytes of untrusted input: values that are reported
//! (an identifier, an app id) are only reported once the MAC has proved they
//! were issued with the key.

use crate::privmap::{PrivateMapKeyError, Room};

/// Everything that can go wrong when signing, verifying or inspecting a UserSig.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument given to a signing call (or to a constructor) is not acceptable.
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] InvalidArgument),

    /// The UserSig could not be decoded; the detail says at which layer.
    #[error("malformed UserSig: {0}")]
    Malformed(#[from] Malformed),

    /// The MAC in `TLS.sig` does not match the fields: the sig was issued with
    /// another key, or one of its fields was altered.
    #[error(
        "signature mismatch: the UserSig was not issued with this key, or its fields were altered"
    )]
    SignatureMismatch,

    /// The UserSig is past its expiry (`now > expired_at + leeway`). The
    /// message gives both times as ISO 8601 dates and unix seconds, and how
    /// long ago it expired.
    #[error(
        "UserSig expired at {} (unix {expired_at}), {} ago, checked at {} (unix {now})",
        crate::human::date(*expired_at),
        crate::human::span(now.saturating_sub(*expired_at)),
        crate::human::date(*now)
    )]
    Expired {
        /// When it stopped being valid: `TLS.time + TLS.expire` (for a
        /// PrivateMapKey, the earlier of that and the room ticket's own expiry).
        expired_at: u64,
        /// The time the check was made at.
        now: u64,
    },

    /// `TLS.time` lies further in the future than the verifier allows.
    #[error(
        "UserSig issued at {} (unix {issued_at}), {} after the check at {} (unix {now}), more than the {max_future} s allowed",
        crate::human::date(*issued_at),
        crate::human::span(issued_at.saturating_sub(*now)),
        crate::human::date(*now)
    )]
    IssuedInFuture {
        /// `TLS.time` of the sig.
        issued_at: u64,
        /// The time the check was made at.
        now: u64,
        /// The verifier's limit.
        max_future: u64,
    },

    /// The sig was issued for another SDKAppID.
    #[error("SDKAppID mismatch: expected {expected}, the UserSig is for {found}")]
    AppIdMismatch {
        /// The verifier's SDKAppID.
        expected: u32,
        /// `TLS.sdkappid` of the sig.
        found: u64,
    },

    /// The sig was issued for another UserID.
    #[error("identifier mismatch: expected {expected:?}, the UserSig is for {found:?}")]
    IdentifierMismatch {
        /// The identifier the caller asked about.
        expected: String,
        /// `TLS.identifier` of the sig.
        found: String,
    },

    /// The sig carries a userbuf other than the expected one.
    #[error("userbuf mismatch: the UserSig carries a different userbuf")]
    UserBufMismatch,

    /// A plain verify met a sig that carries a userbuf (for example a
    /// PrivateMapKey room ticket, which is not a login credential).
    #[error(
        "unexpected userbuf: the UserSig carries a userbuf (verify it with the expected userbuf, or as a PrivateMapKey)"
    )]
    UnexpectedUserBuf,

    /// A userbuf (or PrivateMapKey) verify met a sig without a userbuf.
    #[error("missing userbuf: the UserSig carries no userbuf")]
    MissingUserBuf,

    /// A PrivateMapKey for another room.
    #[error("room mismatch: expected {expected}, the PrivateMapKey is for {found}")]
    RoomMismatch {
        /// The room the caller asked about.
        expected: Room,
        /// The room in the ticket.
        found: Room,
    },
}

/// Why an argument was refused. Names the argument and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidArgument {
    /// The identifier (UserID) is empty: refused when signing, and when
    /// verifying (no UserSig is valid for an empty UserID).
    #[error("identifier is empty")]
    EmptyIdentifier,
    /// The identifier is longer than [`crate::MAX_IDENTIFIER_LEN`] bytes (when
    /// signing) or [`crate::MAX_JSON_LEN`] bytes (when verifying: no
    /// document can hold a longer one).
    #[error("identifier is {len} bytes long, the maximum is {max}")]
    IdentifierTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The identifier contains a control character (it would corrupt the signed text).
    #[error("identifier contains a control character at byte {position}")]
    IdentifierControlChar {
        /// Byte offset of the character.
        position: usize,
    },
    /// The lifetime is zero.
    #[error("expire must be at least 1 second")]
    ExpireZero,
    /// The lifetime is longer than [`crate::MAX_EXPIRE`] (50 years).
    #[error("expire is {expire} s, the maximum is {max} s (50 years)")]
    ExpireTooLong {
        /// The requested lifetime.
        expire: u64,
        /// The limit.
        max: u64,
    },
    /// `now + expire` does not fit.
    #[error("now + expire overflows")]
    TimeOverflow,
    /// The secret key is empty, or only whitespace.
    #[error("the secret key is empty")]
    EmptyKey,
    /// The userbuf is longer than [`crate::MAX_USERBUF_LEN`] bytes.
    #[error("userbuf is {len} bytes long, the maximum is {max}")]
    UserBufTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A numeric room id outside `1..=4294967294`.
    #[error("room id must be between 1 and 4294967294")]
    InvalidRoomId,
    /// A string room id that is empty, too long or has a character TRTC does not allow.
    #[error("string room id {0}")]
    InvalidRoomStr(&'static str),
    /// Privilege bits outside the eight defined ones.
    #[error("privilege map {0:#x} has bits outside 0xff")]
    InvalidPrivileges(u32),
    /// The SDKAppID is zero.
    #[error("SDKAppID must not be 0")]
    ZeroAppId,
}

/// Why a UserSig could not be decoded, by layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The input is empty.
    #[error("the UserSig is empty")]
    Empty,
    /// The input is longer than [`crate::MAX_SIG_LEN`].
    #[error("the UserSig is {len} bytes long, the maximum is {max}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A byte outside both base64 alphabets (URL-safe variant `*-_` and standard `+/=`).
    #[error("character at byte {position} is outside the UserSig alphabet")]
    InvalidCharacter {
        /// Byte offset in the input.
        position: usize,
    },
    /// The characters are in the alphabet but do not form valid base64
    /// (bad length, misplaced padding, non-zero trailing bits).
    #[error("invalid base64 (length or padding)")]
    Base64,
    /// The decoded bytes are not a valid zlib stream (header, data or adler32).
    #[error("invalid zlib stream")]
    Zlib,
    /// The zlib stream ends before its end marker.
    #[error("zlib stream is truncated")]
    ZlibTruncated,
    /// Bytes follow the end of the zlib stream.
    #[error("bytes after the end of the zlib stream")]
    ZlibTrailingData,
    /// Inflating would produce more than [`crate::MAX_JSON_LEN`] bytes.
    #[error("inflated document exceeds {max} bytes")]
    InflatedTooLarge {
        /// The limit.
        max: usize,
    },
    /// The document is not valid JSON (or not UTF-8, or nested too deep).
    #[error("invalid JSON at line {line}, column {column}")]
    JsonSyntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The document is JSON but not an object.
    #[error("the JSON document is not an object")]
    NotAnObject,
    /// A required field is absent.
    #[error("field {0} is missing")]
    MissingField(&'static str),
    /// A field appears twice.
    #[error("field {0} appears more than once")]
    DuplicateField(&'static str),
    /// A field has the wrong JSON type (a string for a number, a float, a negative number...).
    #[error("field {field} must be {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `TLS.ver` is not `"2.0"`.
    #[error("TLS.ver is not \"2.0\"")]
    UnsupportedVersion,
    /// `TLS.sig` is not the standard base64 of 32 bytes.
    #[error("TLS.sig is not the base64 of a 32-byte HMAC-SHA256")]
    SigEncoding,
    /// `TLS.userbuf` is not standard base64.
    #[error("TLS.userbuf is not valid base64")]
    UserBufEncoding,
    /// `TLS.time + TLS.expire` overflows.
    #[error("TLS.time + TLS.expire overflows")]
    TimeOverflow,
    /// The userbuf of a PrivateMapKey is not a valid room ticket.
    #[error("PrivateMapKey userbuf: {0}")]
    PrivateMapKey(#[from] PrivateMapKeyError),
}

impl From<PrivateMapKeyError> for Error {
    fn from(e: PrivateMapKeyError) -> Self {
        Error::Malformed(Malformed::PrivateMapKey(e))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
