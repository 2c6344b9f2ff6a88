//! The error of a call: its last failure, every attempt's code, and why the
//! client stopped.

use core::fmt;
use std::time::Duration;

use usersig_login::rest::{ApiError, RestError, TransportError};
use usersig_login::retry::{Attempt, GiveUpReason};
use usersig_login::{ErrorClass, ErrorCode};

/// A call that failed: the last failure ([`kind`](Self::kind)), every
/// failed attempt ([`attempts`](Self::attempts), with its code, or none for
/// a transport failure), and why no more were made
/// ([`gave_up`](Self::gave_up)).
///
/// `Display` says all of it in one line:
/// `openim/query_online_status failed: IM REST error 70500: ... (retry); 3
/// attempts: 70500 (retry) at 0.001 s, transport failure at 0.512 s, 70500
/// (retry) at 1.320 s; gave up: no attempts left`. No message, `Display` or
/// `Debug` output carries the admin UserSig or the key: URLs appear only
/// with the UserSig redacted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientError {
    /// The service called (`im_open_login_svc`, `openim`, ...).
    pub service: String,
    /// The command called (`kick`, `query_online_status`, ...).
    pub command: String,
    /// The last failure.
    pub kind: ErrorKind,
    /// Every failed attempt, in order (empty for a call that was never sent).
    pub attempts: Vec<Attempt>,
    /// Why the client stopped sending, when the retry decision said so.
    pub gave_up: Option<GiveUpReason>,
    /// For a call sent in batches (`multiaccount_import`, `account_check`,
    /// `account_delete`, `query_online_status` over their size), the batch
    /// that failed; the batches before it succeeded, the ones after it were
    /// not sent.
    pub batch: Option<Batch>,
}

/// One batch of a call sent in batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Its index, from 0.
    pub index: usize,
    /// The number of batches.
    pub count: usize,
}

/// What went wrong last.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered `ActionStatus: FAIL` (or a non-zero `ErrorCode`).
    Api(ApiError),
    /// No IM answer: the connection failed, timed out, or the answer was not
    /// an IM response.
    Transport(TransportFailure),
    /// The request could not be prepared (an empty UserID, a body that is
    /// not a JSON object, a bad service name): nothing was sent.
    Request(RestError),
    /// The policy's deadline passed before the next attempt could be sent
    /// (waiting for the rate limit), with no failure before it.
    Deadline,
}

/// A failure to get an IM answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be made (refused, unreachable, TLS).
    Connect(String),
    /// The attempt's timeout passed (the configured one, or the time left
    /// before the deadline).
    Timeout {
        /// The attempt's timeout.
        after: Duration,
    },
    /// The HTTP status was not 200.
    Status(u16),
    /// The answer is not an IM response (not JSON, too large, a field of the
    /// wrong type).
    Body(TransportError),
    /// Sending or reading failed in another way.
    Other(String),
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect(m) => write!(f, "cannot connect: {m}"),
            Self::Timeout { after } => {
                write!(
                    f,
                    "no answer within the timeout ({:.3} s)",
                    after.as_secs_f64()
                )
            }
            Self::Status(s) => write!(f, "HTTP status {s}"),
            Self::Body(e) => write!(f, "not an IM response: {e}"),
            Self::Other(m) => f.write_str(m),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => e.fmt(f),
            Self::Transport(t) => write!(f, "transport failure: {t}"),
            Self::Request(e) => write!(f, "the request cannot be made: {e}"),
            Self::Deadline => f.write_str("the deadline passed before the call could be sent"),
        }
    }
}

impl ClientError {
    /// The server's code of the last failure, for [`ErrorKind::Api`].
    pub fn code(&self) -> Option<ErrorCode> {
        self.api_error().map(|e| e.code)
    }

    /// What to do about the last failure: its code's class for an API
    /// error; retry for a transport failure or a deadline; fix the
    /// configuration for a request that could not be made.
    pub fn class(&self) -> ErrorClass {
        match &self.kind {
            ErrorKind::Api(e) => e.class,
            ErrorKind::Transport(_) | ErrorKind::Deadline => ErrorClass::Retry { min_wait: None },
            ErrorKind::Request(_) => ErrorClass::Config,
        }
    }

    /// The server's answer, for [`ErrorKind::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.kind {
            ErrorKind::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The transport failure, for [`ErrorKind::Transport`].
    pub fn transport(&self) -> Option<&TransportFailure> {
        match &self.kind {
            ErrorKind::Transport(t) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.service, self.command)?;
        if let Some(b) = self.batch {
            write!(f, " (batch {} of {})", b.index + 1, b.count)?;
        }
        write!(f, " failed: {}", self.kind)?;
        match self.attempts.len() {
            0 => f.write_str("; nothing was sent")?,
            n => {
                write!(f, "; {n} attempt{}: ", if n == 1 { "" } else { "s" })?;
                for (i, a) in self.attempts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a} at {:.3} s", a.elapsed.as_secs_f64())?;
                }
            }
        }
        if let Some(r) = self.gave_up {
            write!(f, "; gave up: {r}")?;
        }
        Ok(())
    }
}

/// The last failure is part of the message (for one-line logs), so
/// `source()` gives nothing more: read it from [`ClientError::kind`].
impl std::error::Error for ClientError {}
