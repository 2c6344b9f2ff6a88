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

/// The repository README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct RepositoryReadme;

mod codec;
mod deflate;
mod doc;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_harness;
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
/// 150 to 400 bytes; the longest this crate can issue is under 6 KiB.
pub const MAX_SIG_LEN: usize = 32 * 1024;

/// Largest inflated JSON document accepted, in bytes (16 KiB). Inflation
/// stops after producing this much, so a zlib bomb costs at most this.
pub const MAX_JSON_LEN: usize = 16 * 1024;

/// Longest identifier (UserID) accepted for signing, in bytes. Tencent IM
/// itself limits UserIDs to 32 bytes; the cap here only bounds the work.
pub const MAX_IDENTIFIER_LEN: usize = 1024;

/// Longest userbuf accepted for signing, in bytes.
pub const MAX_USERBUF_LEN: usize = 1024;

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
