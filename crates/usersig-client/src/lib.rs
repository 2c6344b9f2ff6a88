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

/// The repository README's Rust examples, compiled and run as doctests
/// here: this crate depends on every library they use.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct RepositoryReadme;

mod client;
mod config;
mod error;
mod limit;

pub use client::{Client, OnlineStatuses};
pub use config::{
    ClientConfig, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT,
    Endpoint, MULTIACCOUNT_IMPORT_RATE_LIMIT, RateLimit, RateLimits, UnixClock,
};
pub use error::{Batch, ClientError, ErrorKind, TransportFailure};

pub use usersig::SecretKey;
pub use usersig_login::codes::Backoff;
pub use usersig_login::rest::{
    AccountError, AccountImport, AccountResult, AccountStatus, ApiError, OnlineStatus, Presence,
    Region,
};
pub use usersig_login::retry::{Attempt, GiveUpReason, RetryPolicy};
pub use usersig_login::{ErrorClass, ErrorCode};
