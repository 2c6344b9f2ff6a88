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

pub mod callback;
pub mod codes;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_harness;
pub mod instances;
pub mod kick;
pub mod lifecycle;
pub mod rest;
pub mod retry;
mod secret;

pub use codes::{ErrorClass, ErrorCode};
pub use kick::KickReason;
pub use secret::UserSig;

/// A source of random `u32`s, injected wherever a random value is needed
/// (the REST `random` parameter, backoff jitter). The crate never reads an
/// RNG of its own, so tests are deterministic.
///
/// Any `FnMut() -> u32` is one: `&mut || rng.random::<u32>()`.
pub trait RandomSource {
    /// The next random value.
    fn next_u32(&mut self) -> u32;
}

impl<F: FnMut() -> u32> RandomSource for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}
