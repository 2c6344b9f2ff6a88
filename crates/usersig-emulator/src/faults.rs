//! Failures on request: the next REST calls answer a code a test names
//! (`POST /emulator/v1/fail`), so that a client's handling of codes the
//! emulator has no other way to produce (60022 with a waiting time, 70500,
//! a disabled app) can be tested over real HTTP.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use usersig_login::ErrorCode;

use crate::Emulator;
use crate::emulator::{EmulatorError, lock};
use crate::rest::APIS;
use crate::wire::{FAIL, OK};

/// The most failures queued at once.
pub const MAX_FAILURES: usize = 64;

/// The most calls one queued failure answers (its `Count`).
pub const MAX_FAILURE_COUNT: u32 = 10_000;

/// Longest `ErrorInfo` of a queued failure, in bytes.
pub const MAX_FAILURE_INFO: usize = 1024;

/// `POST /emulator/v1/fail`: the next `Count` REST calls (of `Command` only,
/// when given; after `After` of them were answered as usual) answer
/// `ActionStatus: FAIL` with this code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FailRequest {
    /// The code to answer (not 0).
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// The `ErrorInfo` to answer; default `"failure requested from /emulator/v1/fail"`.
    #[serde(rename = "ErrorInfo", default, skip_serializing_if = "Option::is_none")]
    pub error_info: Option<String>,
    /// A `WaitingTime` field to answer with, in seconds (as 60022 carries).
    #[serde(
        rename = "WaitingTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub waiting_time: Option<u64>,
    /// Only calls of this API: a command the emulator answers (`kick`,
    /// `query_online_status`, ...); none: any.
    #[serde(rename = "Command", default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// How many calls in a row answer it (1 to [`MAX_FAILURE_COUNT`], default 1).
    #[serde(rename = "Count", default = "one")]
    pub count: u32,
    /// How many of the calls it matches are answered as usual first (0 to
    /// [`MAX_FAILURE_COUNT`], default 0): `1` fails the second call.
    #[serde(rename = "After", default)]
    pub after: u32,
}

fn one() -> u32 {
    1
}

impl FailRequest {
    /// The next call, of any API, answers `code`.
    pub fn code(code: ErrorCode) -> Self {
        Self {
            error_code: code.0,
            error_info: None,
            waiting_time: None,
            command: None,
            count: 1,
            after: 0,
        }
    }
}

/// The answer of `POST /emulator/v1/fail`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct FailResponse {
    /// `OK`.
    #[serde(rename = "ActionStatus")]
    pub action_status: String,
    /// 0.
    #[serde(rename = "ErrorCode")]
    pub error_code: u32,
    /// Empty.
    #[serde(rename = "ErrorInfo")]
    pub error_info: String,
    /// The failures queued now, this one included.
    #[serde(rename = "Pending")]
    pub pending: usize,
}

/// One queued failure and the calls it still answers.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u32,
    info: String,
    waiting_time: Option<u64>,
    command: Option<&'static str>,
    skip: u32,
    left: u32,
}

/// The queue, oldest first.
pub(crate) type Failures = VecDeque<Failure>;

impl Emulator {
    /// `POST /emulator/v1/fail`: queues a failure. A REST call to an API the
    /// emulator answers, once its query is read (before the rate limit, the
    /// admin and UserSig checks and the body), goes to the oldest queued
    /// failure that names its command or none: while that failure's `After`
    /// calls have not passed, the call is answered as usual; then the
    /// failure answers it instead:
    /// `{"ActionStatus":"FAIL","ErrorCode":..,"ErrorInfo":..}`, plus
    /// `WaitingTime` when given. Nothing else happens for that call. A reset
    /// empties the queue.
    ///
    /// # Errors
    /// [`EmulatorError::BadRequest`] (70402) for code 0, a `Count` of 0 or
    /// over [`MAX_FAILURE_COUNT`], an `After` over it, an unknown `Command`, an `ErrorInfo` over
    /// [`MAX_FAILURE_INFO`] bytes, or [`MAX_FAILURES`] failures queued already.
    pub fn fail_next(&self, req: &FailRequest) -> Result<FailResponse, EmulatorError> {
        let bad = |info: String| EmulatorError::bad(ErrorCode::INVALID_PARAMETERS, info);
        if req.error_code == 0 {
            return Err(bad("ErrorCode must not be 0: a failure has a code".into()));
        }
        if req.count == 0 || req.count > MAX_FAILURE_COUNT {
            return Err(bad(format!("Count must be 1 to {MAX_FAILURE_COUNT}")));
        }
        if req.after > MAX_FAILURE_COUNT {
            return Err(bad(format!("After must be 0 to {MAX_FAILURE_COUNT}")));
        }
        let command = match req.command.as_deref() {
            None => None,
            Some(c) => Some(
                APIS.iter()
                    .map(|&(_, command)| command)
                    .find(|&known| known == c)
                    .ok_or_else(|| bad("Command must be an API the emulator answers".into()))?,
            ),
        };
        let info = match &req.error_info {
            Some(i) if i.len() > MAX_FAILURE_INFO => {
                return Err(bad(format!(
                    "ErrorInfo must be at most {MAX_FAILURE_INFO} bytes"
                )));
            }
            Some(i) => i.clone(),
            None => "failure requested from /emulator/v1/fail".to_owned(),
        };
        let mut queue = lock(&self.shared.failures);
        if queue.len() >= MAX_FAILURES {
            return Err(bad(format!("{MAX_FAILURES} failures are queued already")));
        }
        queue.push_back(Failure {
            code: req.error_code,
            info,
            waiting_time: req.waiting_time,
            command,
            skip: req.after,
            left: req.count,
        });
        Ok(FailResponse {
            action_status: OK.to_owned(),
            error_code: 0,
            error_info: String::new(),
            pending: queue.len(),
        })
    }

    /// The answer of the oldest queued failure for `command`, counted off.
    pub(crate) fn take_failure(&self, command: &str) -> Option<Value> {
        let mut queue = lock(&self.shared.failures);
        let i = queue
            .iter()
            .position(|f| f.command.is_none_or(|c| c == command))?;
        let f = queue.get_mut(i)?;
        if f.skip > 0 {
            // The oldest matching failure lets this call through.
            f.skip -= 1;
            return None;
        }
        f.left = f.left.saturating_sub(1);
        let mut answer = json!({ "ActionStatus": FAIL, "ErrorCode": f.code, "ErrorInfo": f.info });
        if let (Some(w), Some(m)) = (f.waiting_time, answer.as_object_mut()) {
            m.insert("WaitingTime".into(), json!(w));
        }
        if f.left == 0 {
            queue.remove(i);
        }
        Some(answer)
    }

    /// Empties the queue (a reset).
    pub(crate) fn clear_failures(&self) {
        lock(&self.shared.failures).clear();
    }
}
