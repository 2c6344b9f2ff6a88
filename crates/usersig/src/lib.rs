#![doc = include_str!("../README.md")]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod codec;
#[cfg(feature = "chrono")]
mod datetime;
mod deflate;
mod doc;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_harness;
pub mod human;
mod inflate;
mod inspect;
mod key;
mod privmap;
mod sign;
mod verify;

pub use codec::Compression;
pub use error::{Error, InvalidArgument, Malformed, Result};
pub use inspect::{Inspection, inspect};
pub use key::SecretKey;
pub use privmap::{MAX_ROOM_STR_LEN, PrivateMapKey, PrivateMapKeyError, Privileges, Room};
pub use sign::{Signer, validate_expire, validate_identifier};
pub use verify::{Claims, PrivateMapKeyClaims, Verifier};

/// Longest UserSig accepted for decoding, in bytes (32 KiB). Real sigs are
/// 150 to 400 bytes; the longest this crate can issue is under 25 KiB (its
/// document is at most [`MAX_JSON_LEN`], which every compression mode keeps
/// under 18.5 KiB of zlib).
pub const MAX_SIG_LEN: usize = 32 * 1024;

/// Largest inflated JSON document accepted, in bytes (16 KiB). Inflation
/// stops after producing this much, so a zlib bomb costs at most this.
pub const MAX_JSON_LEN: usize = 16 * 1024;

/// Longest identifier (UserID) accepted for signing, in bytes. Tencent IM
/// itself limits UserIDs to 32 bytes; the cap here only bounds the work.
pub const MAX_IDENTIFIER_LEN: usize = 1024;

/// Longest userbuf accepted for signing, in bytes (10 605): the most that
/// keeps the JSON document within [`MAX_JSON_LEN`] in the worst case (the
/// longest identifier with every byte escaped, a 10-digit app id and
/// lifetime, a 20-digit issue time), so that every sig this crate issues is
/// one it verifies. Tencent documents no userbuf limit; the official
/// libraries set none.
pub const MAX_USERBUF_LEN: usize =
    (MAX_JSON_LEN - WORST_DOC_WITHOUT_VALUES.len() - 2 * MAX_IDENTIFIER_LEN) / 4 * 3;

/// The longest document `Signer` writes for an empty identifier and an empty
/// userbuf: the fixed part of the bound behind [`MAX_USERBUF_LEN`].
const WORST_DOC_WITHOUT_VALUES: &str = concat!(
    r#"{"TLS.ver":"2.0","TLS.identifier":"","TLS.sdkappid":4294967295,"#,
    r#""TLS.expire":1577880000,"TLS.time":18446744073709551615,"TLS.userbuf":"","#,
    r#""TLS.sig":"0000000000000000000000000000000000000000000="}"#
);

/// Longest lifetime accepted for signing: 50 years of 365.25 days, in seconds
/// (Tencent documents 50 years as the maximum).
pub const MAX_EXPIRE: u64 = 1_577_880_000;

/// The lifetime the official Python and PHP libraries default to: 180 days.
pub const DEFAULT_EXPIRE: u64 = 180 * 86_400;

/// The current time in unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
