//! `ErrorCode`, `ErrorClass` and `Backoff`.

use core::time::Duration;

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};
use usersig_login::codes::{self, Origin};

use crate::args::{Int, type_name};
use crate::errors::invalid_argument;
use crate::login::{draw_random, feed};

/// What a caller should do about an error code.
#[pyclass(
    eq,
    hash,
    frozen,
    module = "usersig.login",
    name = "ErrorClass",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ErrorClass {
    /// Code 0: not an error.
    Success,
    /// A transient failure: retry after a backoff.
    Retry,
    /// The UserSig expired or was revoked: issue a new one, then retry once.
    Reissue,
    /// The account is not imported: import it, then retry.
    Import,
    /// The request or the configuration is wrong: retrying cannot help.
    Config,
    /// Shut out: stop, and involve a person.
    Stop,
    /// A code this library does not know.
    Unknown,
}

impl ErrorClass {
    /// The Python value for a class of the login crate.
    pub(crate) fn from_core(c: codes::ErrorClass) -> Self {
        match c {
            codes::ErrorClass::Success => Self::Success,
            codes::ErrorClass::Retry { .. } => Self::Retry,
            codes::ErrorClass::Reissue => Self::Reissue,
            codes::ErrorClass::Import => Self::Import,
            codes::ErrorClass::Config => Self::Config,
            codes::ErrorClass::Stop => Self::Stop,
            _ => Self::Unknown,
        }
    }

    pub(crate) fn core(self) -> codes::ErrorClass {
        match self {
            Self::Success => codes::ErrorClass::Success,
            Self::Retry => codes::ErrorClass::Retry { min_wait: None },
            Self::Reissue => codes::ErrorClass::Reissue,
            Self::Import => codes::ErrorClass::Import,
            Self::Config => codes::ErrorClass::Config,
            Self::Stop => codes::ErrorClass::Stop,
            Self::Unknown => codes::ErrorClass::Unknown,
        }
    }
}

#[pymethods]
impl ErrorClass {
    /// The lowercase name: ``"success"``, ``"retry"``, ``"reissue"``,
    /// ``"import"``, ``"config"``, ``"stop"`` or ``"unknown"``.
    #[getter]
    fn value(&self) -> &'static str {
        self.core().name()
    }

    /// What to do, in one sentence.
    #[getter]
    fn advice(&self) -> &'static str {
        self.core().advice()
    }

    /// Whether retrying can succeed (after a wait, a new UserSig or an import).
    #[getter]
    fn is_retryable(&self) -> bool {
        self.core().is_retryable()
    }

    /// Every class, in declaration order.
    #[staticmethod]
    fn all() -> Vec<Self> {
        vec![
            Self::Success,
            Self::Retry,
            Self::Reissue,
            Self::Import,
            Self::Config,
            Self::Stop,
            Self::Unknown,
        ]
    }

    /// The class named ``name`` (``"retry"`` or ``"RETRY"``).
    #[staticmethod]
    fn parse(py: Python<'_>, name: &str) -> PyResult<Self> {
        Self::all()
            .into_iter()
            .find(|c| c.core().name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                invalid_argument(
                    py,
                    "name",
                    "unknown",
                    "not an error class: expected success, retry, reissue, import, config, stop or unknown"
                        .to_owned(),
                )
            })
    }

    fn __str__(&self) -> &'static str {
        self.core().name()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (&'static str,))> {
        Ok((
            slf.py().get_type::<Self>().getattr("parse")?,
            (slf.get().core().name(),),
        ))
    }
}

/// A numeric error code of the IM server, the REST API or an SDK.
///
/// ``ErrorCode(70001)`` or ``ErrorCode("USERSIG_EXPIRED")`` (a constant name,
/// case-insensitive, with an optional ``TIM.TYPES.ERROR_CODE.`` prefix, or a
/// decimal string). Unknown numbers are kept. Compares and hashes like its
/// ``int`` value, so ``ErrorCode(70001) == 70001``.
#[pyclass(frozen, module = "usersig.login", name = "ErrorCode")]
#[derive(Clone, Copy)]
pub(crate) struct Code(pub(crate) usersig_login::ErrorCode);

/// An `ErrorCode` argument: an `ErrorCode`, an `int`, or a number or name as `str`.
pub(crate) fn code_arg(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    argument: &'static str,
) -> PyResult<usersig_login::ErrorCode> {
    if let Ok(c) = obj.cast::<Code>() {
        return Ok(c.get().0);
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        let n = obj.extract::<Int>()?.u32(py, argument)?;
        return Ok(usersig_login::ErrorCode(n));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_cow()?.parse().map_err(|e: codes::ParseCodeError| {
            invalid_argument(py, argument, "unknown", e.to_string())
        });
    }
    Err(PyTypeError::new_err(format!(
        "{argument} must be an ErrorCode, an int or a str, not {}",
        type_name(obj)
    )))
}

/// A new Python `ErrorCode`.
pub(crate) fn code_obj(py: Python<'_>, code: usersig_login::ErrorCode) -> PyResult<Py<Code>> {
    Py::new(py, Code(code))
}

#[pymethods]
impl Code {
    #[new]
    fn new(py: Python<'_>, code: &Bound<'_, PyAny>) -> PyResult<Self> {
        code_arg(py, code, "code").map(Self)
    }

    /// The code as an ``int``.
    #[getter]
    fn value(&self) -> u32 {
        self.0.0
    }

    /// The constant name (``"USERSIG_EXPIRED"``), or None for an unknown code.
    #[getter]
    fn name(&self) -> Option<&'static str> {
        self.0.name()
    }

    /// What the code means, or None for an unknown code.
    #[getter]
    fn description(&self) -> Option<&'static str> {
        self.0.description()
    }

    /// Where it comes from: ``"rest"``, ``"account"``, ``"client"``,
    /// ``"web"``, or None for an unknown code.
    #[getter]
    fn origin(&self) -> Option<&'static str> {
        self.0.info().map(|i| match i.origin {
            Origin::Rest => "rest",
            Origin::Account => "account",
            Origin::Client => "client",
            _ => "web",
        })
    }

    /// What to do about it (``ErrorClass.UNKNOWN`` for an unknown code).
    #[getter]
    fn error_class(&self) -> ErrorClass {
        ErrorClass::from_core(self.0.class())
    }

    /// The least wait in seconds before retrying, when the code imposes one
    /// (70050: 60.0), else None.
    #[getter]
    fn min_wait(&self) -> Option<f64> {
        match self.0.class() {
            codes::ErrorClass::Retry { min_wait } => min_wait.map(|d| d.as_secs_f64()),
            _ => None,
        }
    }

    /// Whether the code means the UserSig expired (70001, 6206, 20002): the
    /// only codes on which logging in again with a new UserSig is right.
    #[getter]
    fn is_usersig_expired(&self) -> bool {
        self.0.is_usersig_expired()
    }

    /// What to do about this code: its class's advice and what is
    /// particular to the code (the ``do:`` line of ``explain()``).
    #[getter]
    fn advice(&self) -> String {
        self.0.advice()
    }

    /// A text for a person: the code, its name and meaning, its class and
    /// what to do. Works for unknown codes too.
    fn explain(&self) -> String {
        self.0.explain().to_string()
    }

    /// Parses a number or a constant name, like the constructor.
    #[staticmethod]
    fn parse(py: Python<'_>, code: &Bound<'_, PyAny>) -> PyResult<Self> {
        code_arg(py, code, "code").map(Self)
    }

    /// Every code this library knows, sorted by number.
    #[staticmethod]
    fn known() -> Vec<Self> {
        usersig_login::ErrorCode::known()
            .map(|i| Self(i.code))
            .collect()
    }

    fn __int__(&self) -> u32 {
        self.0.0
    }

    fn __index__(&self) -> u32 {
        self.0.0
    }

    fn __hash__(&self) -> u64 {
        // Equal to hash(int(self)): codes compare equal to their int.
        u64::from(self.0.0)
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        let other = if let Ok(c) = other.cast::<Code>() {
            Some(u64::from(c.get().0.0))
        } else if other.is_instance_of::<PyInt>() && !other.is_instance_of::<PyBool>() {
            other.extract::<u64>().ok()
        } else {
            None
        };
        match other {
            Some(o) => PyBool::new(py, op.matches(u64::from(self.0.0).cmp(&o)))
                .to_owned()
                .into_any()
                .unbind(),
            None => py.NotImplemented(),
        }
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyAny>, (u32,)) {
        (slf.py().get_type::<Self>().into_any(), (slf.get().0.0,))
    }

    fn __repr__(&self) -> String {
        match self.0.name() {
            Some(n) => format!("ErrorCode({}, '{n}')", self.0.0),
            None => format!("ErrorCode({})", self.0.0),
        }
    }
}

/// A capped exponential backoff with full jitter, in seconds.
///
/// ``Backoff(base=0.5, cap=30.0)``: the wait before retry ``attempt``
/// (0-based) is drawn uniformly from ``[0, min(cap, base * 2**attempt)]``,
/// then raised to the code's ``min_wait`` or the server's waiting time.
#[pyclass(frozen, module = "usersig.login", name = "Backoff")]
pub(crate) struct Backoff {
    pub(crate) inner: codes::Backoff,
}

pub(crate) fn seconds(py: Python<'_>, s: f64, argument: &'static str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        invalid_argument(
            py,
            argument,
            "out_of_range",
            format!("{argument} must be a finite number of seconds, not negative"),
        )
    })
}

#[pymethods]
impl Backoff {
    #[new]
    #[pyo3(signature = (base = 0.5, cap = 30.0))]
    fn new(py: Python<'_>, base: f64, cap: f64) -> PyResult<Self> {
        Ok(Self {
            inner: codes::Backoff {
                base: seconds(py, base, "base")?,
                cap: seconds(py, cap, "cap")?,
            },
        })
    }

    /// The first ceiling, seconds.
    #[getter]
    fn base(&self) -> f64 {
        self.inner.base.as_secs_f64()
    }

    /// The largest ceiling, seconds.
    #[getter]
    fn cap(&self) -> f64 {
        self.inner.cap.as_secs_f64()
    }

    /// The ceiling for retry ``attempt`` before jitter: ``min(cap, base * 2**attempt)``.
    fn ceiling(&self, py: Python<'_>, attempt: Int) -> PyResult<f64> {
        let attempt = attempt.u32(py, "attempt")?;
        Ok(self.inner.ceiling(attempt).as_secs_f64())
    }

    /// The wait in seconds before retry ``attempt`` of a request that failed
    /// with ``code``, or None when the code must not be retried as it is
    /// (its class is not ``RETRY``). ``server_wait`` is the waiting time the
    /// server gave (``ApiError.waiting_time``). ``random`` as for
    /// ``RestApi.prepare``.
    #[pyo3(signature = (code, attempt, *, server_wait = None, random = None))]
    fn delay(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        attempt: Int,
        server_wait: Option<f64>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<f64>> {
        let code = code_arg(py, code, "code")?;
        let attempt = attempt.u32(py, "attempt")?;
        let server_wait = server_wait
            .map(|s| seconds(py, s, "server_wait"))
            .transpose()?;
        let mut source = feed(draw_random(py, random, 2)?);
        Ok(self
            .inner
            .delay(code, attempt, server_wait, &mut source)
            .map(|d| d.as_secs_f64()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Backoff(base={:?}, cap={:?})",
            self.inner.base.as_secs_f64(),
            self.inner.cap.as_secs_f64()
        )
    }
}
