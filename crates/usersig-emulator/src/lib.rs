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

mod config;
mod dashboard;
mod emulator;
mod faults;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_harness;
mod rate;
pub mod rest;
mod server;
mod webhook;
pub mod wire;

pub use config::{Clock, Config, ConfigError, DEFAULT_ADMIN, DEFAULT_RATE_LIMIT, Limits};
pub use dashboard::{DASHBOARD_HTML, dashboard_csp};
pub use emulator::{
    Emulator, EmulatorError, MAX_INSTANCE_ID_LEN, MAX_USER_ID_LEN, MAX_WAIT, parse_json,
};
pub use faults::{FailRequest, FailResponse, MAX_FAILURE_COUNT, MAX_FAILURE_INFO, MAX_FAILURES};
pub use rest::RestBody;
pub use server::{
    BackgroundHandle, Handle, StartError, redact_query, router, serve, start, start_in_background,
};
pub use webhook::{MAX_REPLY_LOGGED, WEBHOOK_TIMEOUT};
pub use wire::{
    ClockRequest, ClockResponse, Event, EventsResponse, InstanceRequest, IssueRequest,
    IssueResponse, KickCause, KickRecord, KickRequest, KickedInstance, LoginRequest, LoginResponse,
    LogoutResponse, StateSnapshot,
};
