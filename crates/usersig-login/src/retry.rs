//! When to send a failed REST call again, without I/O: the decision every
//! client makes after each attempt, from the failure's [`ErrorClass`].
//!
//! A client that sends [`PreparedRequest`](crate::rest::PreparedRequest)s
//! keeps one [`Retrier`] per call. After each failed attempt it reports the
//! failure and gets a [`Decision`]: wait and send again, renew the admin
//! UserSig and send again at once, or give up with the record of every
//! attempt. Nothing here sleeps or reads the clock: the caller says how much
//! time the call has taken so far.
//!
//! The rules, by the failure's class:
//!
//! | failure | decision |
//! |---|---|
//! | [`ErrorClass::Retry`] (60007, 60022, 70050, 70500, ...) | wait the [`Backoff`]'s jittered delay (at least the code's minimum, 70050: 60 s, and the server's `WaitingTime`, 60022), then send again |
//! | [`ErrorClass::Reissue`] (70001, 70052) | renew the admin UserSig and send again at once: once per call |
//! | [`Failure::Transport`] (no IM answer: refused, reset, timed out, a non-200 status, a body that is not an IM response) | as a retryable code, but only for a call that changes nothing ([`is_read_only`]) or when the policy opts in: the server may have carried out a call whose answer was lost |
//! | [`ErrorClass::Import`], [`ErrorClass::Config`], [`ErrorClass::Stop`], [`ErrorClass::Unknown`] | give up at once |
//!
//! and in every case: at most [`RetryPolicy::max_attempts`] attempts in all
//! (the one renewal of the admin UserSig comes on top), and no wait that
//! would end past the policy's deadline. The deadline bounds the attempts
//! too: [`Retrier::attempt_timeout`] shortens an attempt's timeout to the
//! time left, and says when none is.
//!
//! ```
//! use core::time::Duration;
//! use usersig_login::retry::{Decision, Failure, RetryPolicy};
//! use usersig_login::rest::parse_response;
//!
//! let policy = RetryPolicy::default();
//! let mut call = policy.start(false);
//! let mut random = || 7u32;
//! let err = parse_response(200, br#"{"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"busy"}"#)
//!     .unwrap_err();
//! let failure = Failure::from_rest_error(&err).expect("a server answer");
//! assert!(matches!(call.on_failure(failure, Duration::ZERO, &mut random), Decision::Retry { .. }));
//! assert_eq!(call.attempts()[0].code.map(|c| c.0), Some(60007));
//! ```

use core::fmt;
use core::time::Duration;

use crate::RandomSource;
use crate::codes::{Backoff, ErrorClass, ErrorCode};
use crate::rest::{ApiError, RestError};

/// The default number of attempts of one call, the first included: 3.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The default time one call may take, waits included: 120 s (room for one
/// 60 s wait after 70050).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// Whether `service`/`command` only reads: sending it twice does what
/// sending it once does, so a call whose answer was lost can be sent again.
/// `im_open_login_svc/account_check` and `openim/query_online_status`.
pub fn is_read_only(service: &str, command: &str) -> bool {
    matches!(
        (service, command),
        ("im_open_login_svc", "account_check") | ("openim", "query_online_status")
    )
}

/// How a client retries: attempts, backoff, deadline, and whether calls
/// that change something are sent again after a transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts of one call in all, the first included (at least 1). The
    /// renewal of the admin UserSig after 70001 or 70052 adds one attempt
    /// on top, once. Default [`DEFAULT_MAX_ATTEMPTS`].
    pub max_attempts: u32,
    /// The delays between attempts. Default [`Backoff::default`] (500 ms
    /// doubling up to 30 s, full jitter).
    pub backoff: Backoff,
    /// The longest a call may take, waits included; `None`: no limit but
    /// the attempts. A wait that would end past it is not started. Default
    /// [`DEFAULT_DEADLINE`].
    pub deadline: Option<Duration>,
    /// Send again after a transport failure even a call that changes
    /// something (an import, a delete, a kick), whose first attempt may
    /// have been carried out. Default `false`: only [`is_read_only`] calls are.
    pub retry_writes_on_transport: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: Backoff::default(),
            deadline: Some(DEFAULT_DEADLINE),
            retry_writes_on_transport: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never sends a call twice (the one renewal of the admin
    /// UserSig aside).
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The bookkeeping of one call; `read_only` says whether sending it
    /// twice is harmless (see [`is_read_only`]).
    pub fn start(&self, read_only: bool) -> Retrier {
        Retrier {
            policy: *self,
            read_only,
            reissued: false,
            attempts: Vec::new(),
        }
    }
}

/// A failed attempt, as a client reports it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Failure<'a> {
    /// The server answered `ActionStatus: FAIL`.
    Api(&'a ApiError),
    /// No IM answer: the connection failed or timed out, the status was not
    /// 200, or the body is not an IM response. The server may or may not
    /// have carried the call out.
    Transport,
}

impl<'a> Failure<'a> {
    /// The failure a [`parse_response`](crate::rest::parse_response) error
    /// stands for; `None` for an error made before sending (a bad
    /// argument, a signing failure), which no retry can mend.
    pub fn from_rest_error(error: &'a RestError) -> Option<Self> {
        match error {
            RestError::Api(e) => Some(Self::Api(e)),
            RestError::Transport(_) => Some(Self::Transport),
            _ => None,
        }
    }

    /// Its class: the API error's, or [`ErrorClass::Retry`] for a transport failure.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Api(e) => e.class,
            Self::Transport => ErrorClass::Retry { min_wait: None },
        }
    }
}

/// One failed attempt, kept for the final error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The server's code; `None` for a transport failure.
    pub code: Option<ErrorCode>,
    /// Its class.
    pub class: ErrorClass,
    /// The time from the start of the call to this failure.
    pub elapsed: Duration,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(c) => write!(f, "{c} ({})", self.class),
            None => f.write_str("transport failure"),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Wait this long, then send the same call again (prepared afresh: a new
    /// `random`, the cached admin UserSig).
    Retry {
        /// The wait.
        after: Duration,
    },
    /// The admin UserSig expired or was revoked (70001, 70052): drop it
    /// ([`AdminSigCache::invalidate`](crate::rest::AdminSigCache::invalidate)),
    /// issue a new one and send the call again at once.
    Reissue,
    /// Stop: report the failure with [`Retrier::attempts`].
    GiveUp(GiveUpReason),
}

/// Why a call is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The failure's class says retrying cannot help (import, config, stop,
    /// unknown).
    NotRetryable(ErrorClass),
    /// A transport failure of a call that changes something, with
    /// [`RetryPolicy::retry_writes_on_transport`] off.
    NotReadOnly,
    /// The admin UserSig was renewed once already in this call.
    AlreadyReissued,
    /// [`RetryPolicy::max_attempts`] attempts were made.
    AttemptsExhausted,
    /// The next wait would end past the deadline.
    Deadline,
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRetryable(c) => write!(f, "not retryable ({c})"),
            Self::NotReadOnly => f.write_str(
                "a call that changes something is not sent again after a transport failure",
            ),
            Self::AlreadyReissued => f.write_str("the admin UserSig was already renewed once"),
            Self::AttemptsExhausted => f.write_str("no attempts left"),
            Self::Deadline => f.write_str("the next wait would end past the deadline"),
        }
    }
}

/// The retry bookkeeping of one call: made by [`RetryPolicy::start`], told
/// of each failure, keeps every attempt.
#[derive(Debug, Clone)]
pub struct Retrier {
    policy: RetryPolicy,
    read_only: bool,
    reissued: bool,
    attempts: Vec<Attempt>,
}

impl Retrier {
    /// Records a failed attempt, made `elapsed` after the call started, and
    /// says what to do next. `random` draws the backoff's jitter.
    pub fn on_failure(
        &mut self,
        failure: Failure<'_>,
        elapsed: Duration,
        random: &mut dyn RandomSource,
    ) -> Decision {
        let class = failure.class();
        self.attempts.push(Attempt {
            code: match failure {
                Failure::Api(e) => Some(e.code),
                Failure::Transport => None,
            },
            class,
            elapsed,
        });
        let min_wait = match class {
            ErrorClass::Retry { min_wait } => min_wait,
            ErrorClass::Reissue if self.reissued => {
                return Decision::GiveUp(GiveUpReason::AlreadyReissued);
            }
            ErrorClass::Reissue if self.past_deadline(elapsed, Duration::ZERO) => {
                return Decision::GiveUp(GiveUpReason::Deadline);
            }
            ErrorClass::Reissue => {
                self.reissued = true;
                return Decision::Reissue;
            }
            other => return Decision::GiveUp(GiveUpReason::NotRetryable(other)),
        };
        if matches!(failure, Failure::Transport)
            && !self.read_only
            && !self.policy.retry_writes_on_transport
        {
            return Decision::GiveUp(GiveUpReason::NotReadOnly);
        }
        // The renewal's extra attempt does not count against the budget.
        let counted = self.attempts.len() - usize::from(self.reissued);
        if counted >= usize::try_from(self.policy.max_attempts.max(1)).unwrap_or(usize::MAX) {
            return Decision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        let server_wait = match failure {
            Failure::Api(e) => e.waiting_time,
            Failure::Transport => None,
        };
        let retry_index = u32::try_from(counted.saturating_sub(1)).unwrap_or(u32::MAX);
        let after = self.policy.backoff.delay_for_class(
            ErrorClass::Retry { min_wait },
            retry_index,
            server_wait,
            random,
        );
        let Some(after) = after else {
            return Decision::GiveUp(GiveUpReason::NotRetryable(class));
        };
        if self.past_deadline(elapsed, after) {
            return Decision::GiveUp(GiveUpReason::Deadline);
        }
        Decision::Retry { after }
    }

    /// The time left before the policy's deadline, `elapsed` after the
    /// call started: `None` without a deadline, zero once it has passed.
    pub fn time_left(&self, elapsed: Duration) -> Option<Duration> {
        self.policy.deadline.map(|d| d.saturating_sub(elapsed))
    }

    /// The timeout to give the next attempt, `elapsed` after the call
    /// started, when an attempt may take up to `timeout` by itself: the
    /// shorter of `timeout` and the time left before the deadline, so that
    /// the deadline bounds the whole call, the attempts' own time included.
    /// `None` once the deadline has passed: send nothing more, and give up
    /// ([`GiveUpReason::Deadline`]).
    pub fn attempt_timeout(&self, elapsed: Duration, timeout: Duration) -> Option<Duration> {
        match self.time_left(elapsed) {
            None => Some(timeout),
            Some(left) if left.is_zero() => None,
            Some(left) => Some(timeout.min(left)),
        }
    }

    fn past_deadline(&self, elapsed: Duration, wait: Duration) -> bool {
        self.policy
            .deadline
            .is_some_and(|d| elapsed.saturating_add(wait) > d)
    }

    /// Every failed attempt so far, in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether the admin UserSig was renewed in this call.
    pub fn reissued(&self) -> bool {
        self.reissued
    }

    /// Whether the call was started as read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
}
