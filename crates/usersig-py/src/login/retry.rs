//! `RetryPolicy`, `Retrier`, `RetryDecision`, `Attempt` and `is_read_only`:
//! the login crate's retry decision, for clients written in Python.

use core::time::Duration;
use std::sync::Mutex;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use usersig_login::codes as core_codes;
use usersig_login::rest::ApiError;
use usersig_login::retry::{self, Decision, Failure, GiveUpReason};

use crate::args::{Int, type_name};
use crate::errors::class;
use crate::login::codes::{Backoff, Code, ErrorClass, code_obj, seconds};
use crate::login::{draw_random, feed, lock};

/// How a client retries a REST call: ``RetryPolicy(max_attempts=3, *,
/// backoff=None, deadline=120.0, retry_writes_on_transport=False)``.
///
/// ``max_attempts`` counts the first attempt (the one renewal of the admin
/// UserSig after 70001 or 70052 comes on top); ``backoff`` the delays
/// (``Backoff()`` when None); ``deadline`` the most seconds a call may take,
/// waits included (None: no limit); ``retry_writes_on_transport`` sends a
/// call that changes something again after a transport failure.
#[pyclass(frozen, module = "usersig.login", name = "RetryPolicy")]
pub(crate) struct RetryPolicy {
    inner: retry::RetryPolicy,
}

#[pymethods]
impl RetryPolicy {
    #[new]
    #[pyo3(
        signature = (max_attempts = Int::Value(u64::from(retry::DEFAULT_MAX_ATTEMPTS)), *, backoff = None, deadline = Some(retry::DEFAULT_DEADLINE.as_secs_f64()), retry_writes_on_transport = false),
        text_signature = "(max_attempts=3, *, backoff=None, deadline=120.0, retry_writes_on_transport=False)"
    )]
    fn new(
        py: Python<'_>,
        max_attempts: Int,
        backoff: Option<PyRef<'_, Backoff>>,
        deadline: Option<f64>,
        retry_writes_on_transport: bool,
    ) -> PyResult<Self> {
        let max_attempts = max_attempts.u32(py, "max_attempts")?;
        if max_attempts == 0 {
            return Err(crate::errors::invalid_argument(
                py,
                "max_attempts",
                "zero",
                "max_attempts must be at least 1".to_owned(),
            ));
        }
        Ok(Self {
            inner: retry::RetryPolicy {
                max_attempts,
                backoff: backoff.map_or_else(core_codes::Backoff::default, |b| b.inner),
                deadline: deadline.map(|d| seconds(py, d, "deadline")).transpose()?,
                retry_writes_on_transport,
            },
        })
    }

    /// A policy that never sends a call twice (the renewal of the admin
    /// UserSig aside).
    #[staticmethod]
    fn never() -> Self {
        Self {
            inner: retry::RetryPolicy::never(),
        }
    }

    /// Attempts of one call in all, the first included.
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }

    /// The delays between attempts.
    #[getter]
    fn backoff(&self) -> Backoff {
        Backoff {
            inner: self.inner.backoff,
        }
    }

    /// The most seconds a call may take, waits included, or None.
    #[getter]
    fn deadline(&self) -> Option<f64> {
        self.inner.deadline.map(|d| d.as_secs_f64())
    }

    /// Whether calls that change something are sent again after a transport failure.
    #[getter]
    fn retry_writes_on_transport(&self) -> bool {
        self.inner.retry_writes_on_transport
    }

    /// The bookkeeping of one call; ``read_only`` says whether sending it
    /// twice is harmless (``is_read_only(service, command)``).
    fn start(&self, read_only: bool) -> Retrier {
        Retrier {
            inner: Mutex::new(self.inner.start(read_only)),
        }
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        format!(
            "RetryPolicy(max_attempts={}, backoff=Backoff(base={:?}, cap={:?}), deadline={}, retry_writes_on_transport={})",
            p.max_attempts,
            p.backoff.base.as_secs_f64(),
            p.backoff.cap.as_secs_f64(),
            p.deadline
                .map_or_else(|| "None".to_owned(), |d| format!("{:?}", d.as_secs_f64())),
            if p.retry_writes_on_transport {
                "True"
            } else {
                "False"
            },
        )
    }
}

/// The retry bookkeeping of one call (``RetryPolicy.start``): told of each
/// failure, keeps every attempt.
#[pyclass(frozen, module = "usersig.login", name = "Retrier")]
pub(crate) struct Retrier {
    inner: Mutex<retry::Retrier>,
}

/// The core failure for an `ApiError` or `TransportError` exception.
fn failure_of(py: Python<'_>, error: &Bound<'_, PyAny>) -> PyResult<Option<ApiError>> {
    if error.is_instance(&class(py, "ApiError")?)? {
        let code = error.getattr("code")?;
        let code = code
            .cast::<Code>()
            .map_err(|_| PyTypeError::new_err("ApiError.code must be an ErrorCode"))?
            .get()
            .0;
        let given = error.getattr("error_class")?;
        let given = *given
            .cast::<ErrorClass>()
            .map_err(|_| PyTypeError::new_err("ApiError.error_class must be an ErrorClass"))?
            .get();
        // The code's own class keeps its minimum wait (70050: 60 s); a FAIL
        // without a code carries RETRY though code 0's class is success.
        let class = match (given, code.class()) {
            (ErrorClass::Retry, c @ core_codes::ErrorClass::Retry { .. }) => c,
            (g, _) => g.core(),
        };
        // A server's WaitingTime is any u64 of seconds, and the largest come
        // back from f64 rounded past u64::MAX: they count as the longest wait.
        let waiting_time = match error.getattr("waiting_time")?.extract::<Option<f64>>()? {
            Some(w) if w >= u64::MAX as f64 => Some(Duration::MAX),
            Some(w) => Some(seconds(py, w, "waiting_time")?),
            None => None,
        };
        return Ok(Some(ApiError {
            code,
            info: String::new(),
            class,
            request_id: None,
            waiting_time,
        }));
    }
    if error.is_instance(&class(py, "TransportError")?)? {
        return Ok(None);
    }
    Err(PyTypeError::new_err(format!(
        "error must be an ApiError or a TransportError, not {}",
        type_name(error)
    )))
}

#[pymethods]
impl Retrier {
    /// Records a failed attempt, ``elapsed`` seconds after the call
    /// started, and says what to do next. ``error`` is the ``ApiError`` or
    /// ``TransportError`` the attempt failed with; ``random`` as for
    /// ``RestApi.prepare`` (the backoff's jitter).
    #[pyo3(signature = (error, elapsed, *, random = None))]
    fn on_failure(
        &self,
        py: Python<'_>,
        error: &Bound<'_, PyAny>,
        elapsed: f64,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<RetryDecision> {
        let api = failure_of(py, error)?;
        let elapsed = seconds(py, elapsed, "elapsed")?;
        let failure = api.as_ref().map_or(Failure::Transport, Failure::Api);
        let mut source = feed(draw_random(py, random, 2)?);
        let decision = lock(&self.inner).on_failure(failure, elapsed, &mut source);
        Ok(RetryDecision(decision))
    }

    /// Every failed attempt so far, in order.
    #[getter]
    fn attempts(&self, py: Python<'_>) -> PyResult<Vec<Attempt>> {
        lock(&self.inner)
            .attempts()
            .iter()
            .map(|a| {
                Ok(Attempt {
                    code: a.code.map(|c| code_obj(py, c)).transpose()?,
                    class: ErrorClass::from_core(a.class),
                    elapsed: a.elapsed,
                    text: a.to_string(),
                })
            })
            .collect()
    }

    /// Whether the admin UserSig was renewed in this call.
    #[getter]
    fn reissued(&self) -> bool {
        lock(&self.inner).reissued()
    }

    /// Whether the call was started as read-only.
    #[getter]
    fn read_only(&self) -> bool {
        lock(&self.inner).is_read_only()
    }

    fn __repr__(&self) -> String {
        let r = lock(&self.inner);
        format!(
            "Retrier(read_only={}, attempts={}, reissued={})",
            if r.is_read_only() { "True" } else { "False" },
            r.attempts().len(),
            if r.reissued() { "True" } else { "False" },
        )
    }
}

/// What to do after a failed attempt: ``action`` is ``"retry"`` (wait
/// ``after`` seconds, then send the call again), ``"reissue"`` (drop the
/// admin UserSig, issue a new one, send again at once) or ``"give_up"``
/// (``reason``: ``"not_retryable"``, ``"not_read_only"``,
/// ``"already_reissued"``, ``"attempts_exhausted"`` or ``"deadline"``;
/// ``message`` says it in words).
#[pyclass(frozen, module = "usersig.login", name = "RetryDecision")]
pub(crate) struct RetryDecision(Decision);

#[pymethods]
impl RetryDecision {
    /// ``"retry"``, ``"reissue"`` or ``"give_up"``.
    #[getter]
    fn action(&self) -> &'static str {
        match self.0 {
            Decision::Retry { .. } => "retry",
            Decision::Reissue => "reissue",
            _ => "give_up",
        }
    }

    /// The wait in seconds before the retry, for ``"retry"``.
    #[getter]
    fn after(&self) -> Option<f64> {
        match self.0 {
            Decision::Retry { after } => Some(after.as_secs_f64()),
            _ => None,
        }
    }

    /// Why the call is given up, for ``"give_up"``.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        match self.0 {
            Decision::GiveUp(r) => Some(match r {
                GiveUpReason::NotRetryable(_) => "not_retryable",
                GiveUpReason::NotReadOnly => "not_read_only",
                GiveUpReason::AlreadyReissued => "already_reissued",
                GiveUpReason::AttemptsExhausted => "attempts_exhausted",
                GiveUpReason::Deadline => "deadline",
                _ => "other",
            }),
            _ => None,
        }
    }

    /// The reason in words, for ``"give_up"``.
    #[getter]
    fn message(&self) -> Option<String> {
        match self.0 {
            Decision::GiveUp(r) => Some(r.to_string()),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        match self.0 {
            Decision::Retry { after } => {
                format!("RetryDecision('retry', after={:?})", after.as_secs_f64())
            }
            Decision::Reissue => "RetryDecision('reissue')".to_owned(),
            _ => format!(
                "RetryDecision('give_up', reason={:?})",
                self.reason().unwrap_or("other")
            ),
        }
    }
}

/// One failed attempt: ``code`` (an ``ErrorCode``, None for a transport
/// failure), ``error_class`` and ``elapsed`` (seconds from the start of the call).
#[pyclass(frozen, module = "usersig.login", name = "Attempt")]
pub(crate) struct Attempt {
    code: Option<Py<Code>>,
    class: ErrorClass,
    elapsed: Duration,
    text: String,
}

#[pymethods]
impl Attempt {
    /// The server's code, or None for a transport failure.
    #[getter]
    fn code(&self, py: Python<'_>) -> Option<Py<Code>> {
        self.code.as_ref().map(|c| c.clone_ref(py))
    }

    /// Its class.
    #[getter]
    fn error_class(&self) -> ErrorClass {
        self.class
    }

    /// Seconds from the start of the call to this failure.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.elapsed.as_secs_f64()
    }

    fn __str__(&self) -> String {
        self.text.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Attempt({:?}, elapsed={:?})",
            self.text,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Whether ``service``/``command`` only reads, so that a call whose answer
/// was lost can be sent again: ``account_check`` and ``query_online_status``.
#[pyfunction]
pub(crate) fn is_read_only(service: &str, command: &str) -> bool {
    retry::is_read_only(service, command)
}
