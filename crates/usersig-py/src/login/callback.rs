//! Callbacks from IM to the app's backend: `CallbackVerifier`,
//! `CallbackQuery`, `StateChange`, `sign` and the reply bodies.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};
use usersig_login::callback::{self as core, StateAction, StateReason};

use crate::args::{Int, capped_bytes, now_or_clock, secret_str, type_name};
use crate::errors::callback_error;
use crate::login::codes::code_arg;
use crate::login::json_map_to_py;

/// A callback argument capped at `max` bytes (measured before it is
/// encoded or copied), refused with the library's own error beyond it.
fn capped(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    argument: &str,
    max: usize,
    too_long: fn(usize, usize) -> core::CallbackError,
) -> PyResult<Vec<u8>> {
    capped_bytes(obj, argument, max, |len| {
        callback_error(py, &too_long(len, max))
    })
}

fn body_arg(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    capped(py, body, "body", core::MAX_BODY_LEN, |len, max| {
        core::CallbackError::BodyTooLarge { len, max }
    })
}

/// Checks the query of callbacks from IM: ``Sign`` (SHA-256 of the token and
/// ``RequestTime``, compared in constant time), the freshness of
/// ``RequestTime`` (``max_skew`` seconds either way, default 60) and, when
/// ``sdkappid`` is given, ``SdkAppid``.
///
/// ``CallbackVerifier(token, *, sdkappid=None, max_skew=60)``; for an app
/// without a callback token, ``CallbackVerifier.unsigned(...)`` only parses
/// (any callback can be forged then). Surrounding whitespace of the token is
/// dropped; an empty or all-whitespace token raises ``InvalidArgumentError``
/// (``Sign`` would then be ``SHA-256(RequestTime)``, which anyone can
/// compute), and so does one with no UTF-8 form. The token never appears in
/// a ``repr()`` or an exception.
///
/// ``Sign`` covers only the token and ``RequestTime`` (Tencent's scheme):
/// the other query parameters and the body are not authenticated by it.
#[pyclass(frozen, module = "usersig.login", name = "CallbackVerifier")]
pub(crate) struct CallbackVerifier {
    inner: core::CallbackVerifier,
    sdkappid: Option<u32>,
    max_skew: u64,
    signed: bool,
}

impl CallbackVerifier {
    fn build(
        py: Python<'_>,
        token: Option<String>,
        sdkappid: Option<Int>,
        max_skew: Int,
    ) -> PyResult<Self> {
        let sdkappid = sdkappid.map(|s| s.u32(py, "sdkappid")).transpose()?;
        let max_skew = max_skew.u64(py, "max_skew")?;
        let signed = token.is_some();
        let mut inner = match token {
            Some(t) => core::CallbackVerifier::new(t).map_err(|e| {
                crate::errors::invalid_argument(py, "token", "empty", e.to_string())
            })?,
            None => core::CallbackVerifier::unsigned(),
        }
        .with_max_skew(max_skew);
        if let Some(app) = sdkappid {
            inner = inner.with_sdkappid(app);
        }
        Ok(Self {
            inner,
            sdkappid,
            max_skew,
            signed,
        })
    }
}

#[pymethods]
impl CallbackVerifier {
    #[new]
    #[pyo3(
        signature = (token, *, sdkappid = None, max_skew = Int::Value(core::DEFAULT_MAX_SKEW)),
        text_signature = "(token, *, sdkappid=None, max_skew=60)"
    )]
    fn new(
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        sdkappid: Option<Int>,
        max_skew: Int,
    ) -> PyResult<Self> {
        let token = secret_str(py, token, "token")?;
        Self::build(py, Some(token), sdkappid, max_skew)
    }

    /// A verifier for an app without a callback token: the query is parsed
    /// (and ``SdkAppid`` checked when given), nothing is authenticated.
    #[staticmethod]
    #[pyo3(
        signature = (*, sdkappid = None, max_skew = Int::Value(core::DEFAULT_MAX_SKEW)),
        text_signature = "(*, sdkappid=None, max_skew=60)"
    )]
    fn unsigned(py: Python<'_>, sdkappid: Option<Int>, max_skew: Int) -> PyResult<Self> {
        Self::build(py, None, sdkappid, max_skew)
    }

    /// The SDKAppID required, or None.
    #[getter]
    fn sdkappid(&self) -> Option<u32> {
        self.sdkappid
    }

    /// The freshness window, seconds.
    #[getter]
    fn max_skew(&self) -> u64 {
        self.max_skew
    }

    /// Whether ``Sign`` is checked (a token is configured).
    #[getter]
    fn signed(&self) -> bool {
        self.signed
    }

    /// Checks a callback's query at ``now`` (unix seconds; default the
    /// clock). ``query`` is the query string (``str`` or ``bytes``, with or
    /// without ``?``) or the whole callback URL. Returns the
    /// ``CallbackQuery``; raises ``CallbackError`` naming the first check
    /// that failed.
    #[pyo3(signature = (query, *, now = None), text_signature = "($self, query, *, now=None)")]
    fn verify_query(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
        now: Option<Int>,
    ) -> PyResult<CallbackQuery> {
        let raw = capped(py, query, "query", core::MAX_QUERY_LEN, |len, max| {
            core::CallbackError::QueryTooLong { len, max }
        })?;
        let now = now_or_clock(py, now)?;
        // A query is ASCII on the wire; anything else cannot carry a valid Sign.
        let text = String::from_utf8_lossy(&raw);
        self.inner
            .verify_query_at(&text, now)
            .map(|q| CallbackQuery {
                sdkappid: q.sdkappid,
                command: q.command,
                content_type: q.content_type,
                client_ip: q.client_ip,
                opt_platform: q.opt_platform,
                request_time: q.request_time,
                signed: q.signed,
            })
            .map_err(|e| callback_error(py, &e))
    }

    fn __repr__(&self) -> String {
        format!(
            "CallbackVerifier(token={}, sdkappid={}, max_skew={})",
            if self.signed { "[redacted]" } else { "None" },
            self.sdkappid
                .map_or_else(|| "None".to_owned(), |a| a.to_string()),
            self.max_skew
        )
    }
}

/// The parameters of a verified callback query.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "CallbackQuery")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct CallbackQuery {
    /// ``SdkAppid``.
    #[pyo3(get)]
    sdkappid: u32,
    /// ``CallbackCommand`` (``"State.StateChange"``...).
    #[pyo3(get)]
    command: String,
    /// ``contenttype`` (normally ``"json"``), or None.
    #[pyo3(get)]
    content_type: Option<String>,
    /// ``ClientIP``, or None.
    #[pyo3(get)]
    client_ip: Option<String>,
    /// ``OptPlatform``, or None.
    #[pyo3(get)]
    opt_platform: Option<String>,
    /// ``RequestTime``, or None.
    #[pyo3(get)]
    request_time: Option<u64>,
    /// Whether ``Sign`` was present and checked.
    #[pyo3(get)]
    signed: bool,
}

#[pymethods]
impl CallbackQuery {
    /// Parses the body this query came with, whatever its command: a JSON
    /// object whose ``CallbackCommand`` is this query's ``command``. Returns
    /// it as a ``dict``; raises ``CallbackError`` (kind ``"body"``,
    /// ``"command_mismatch"`` or ``"body_too_large"``). Use
    /// ``StateChange.parse`` for a typed ``State.StateChange``.
    fn parse_body<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let body = body_arg(py, body)?;
        let parsed = core::CallbackBody::parse_for_command(&self.command, &body)
            .map_err(|e| callback_error(py, &e))?;
        json_map_to_py(py, &parsed.fields)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "CallbackQuery(sdkappid={}, command={}, request_time={}, signed={})",
            self.sdkappid,
            PyString::new(py, &self.command).repr()?,
            self.request_time
                .map_or_else(|| "None".to_owned(), |t| t.to_string()),
            if self.signed { "True" } else { "False" },
        ))
    }
}

/// A parsed ``State.StateChange`` callback body.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "StateChange")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct StateChange {
    /// ``EventTime``, unix milliseconds, or None.
    #[pyo3(get)]
    event_time_ms: Option<u64>,
    /// ``Info.Action``: ``"Login"``, ``"Logout"``, ``"Disconnect"`` or another value as sent.
    #[pyo3(get)]
    action: String,
    /// ``Info.To_Account``: whose state changed.
    #[pyo3(get)]
    account: String,
    /// ``Info.Reason``: ``"Register"``, ``"Unregister"``, ``"LinkClose"``,
    /// ``"TimeOut"`` or another value as sent.
    #[pyo3(get)]
    reason: String,
    /// ``KickedDevice[].Platform``: the devices this login kicked.
    #[pyo3(get)]
    kicked_platforms: Vec<String>,
}

#[pymethods]
impl StateChange {
    /// Parses a ``State.StateChange`` body (``bytes`` or ``str``). Raises
    /// ``CallbackError`` (kind ``"body"``, ``"wrong_command"`` or
    /// ``"body_too_large"``).
    #[staticmethod]
    fn parse(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Self> {
        let body = body_arg(py, body)?;
        let c = core::StateChange::parse(&body).map_err(|e| callback_error(py, &e))?;
        Ok(Self {
            event_time_ms: c.event_time_ms,
            action: match c.action {
                StateAction::Login => "Login".to_owned(),
                StateAction::Logout => "Logout".to_owned(),
                StateAction::Disconnect => "Disconnect".to_owned(),
                StateAction::Other(s) => s,
                _ => "Unknown".to_owned(),
            },
            account: c.account,
            reason: match c.reason {
                StateReason::Register => "Register".to_owned(),
                StateReason::Unregister => "Unregister".to_owned(),
                StateReason::LinkClose => "LinkClose".to_owned(),
                StateReason::TimeOut => "TimeOut".to_owned(),
                StateReason::Other(s) => s,
                _ => "Unknown".to_owned(),
            },
            kicked_platforms: c.kicked_platforms,
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "StateChange(action={}, account={}, reason={}, event_time_ms={}, kicked_platforms={})",
            PyString::new(py, &self.action).repr()?,
            PyString::new(py, &self.account).repr()?,
            PyString::new(py, &self.reason).repr()?,
            self.event_time_ms
                .map_or_else(|| "None".to_owned(), |t| t.to_string()),
            self.kicked_platforms.clone().into_pyobject(py)?.repr()?,
        ))
    }
}

/// ``Sign`` for a callback token and a ``RequestTime`` (``str`` or ``int``):
/// lowercase hex of ``SHA-256(token + request_time)``. Surrounding whitespace
/// of the token is dropped; an empty token, or one with no UTF-8 form,
/// raises ``InvalidArgumentError`` naming ``token``.
#[pyfunction]
pub(crate) fn callback_sign(
    py: Python<'_>,
    token: &Bound<'_, PyAny>,
    request_time: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let token = zeroize::Zeroizing::new(secret_str(py, token, "token")?);
    if token.trim_ascii().is_empty() {
        return Err(crate::errors::invalid_argument(
            py,
            "token",
            "empty",
            core::CallbackError::EmptyToken.to_string(),
        ));
    }
    let rt = if request_time.is_instance_of::<PyInt>() && !request_time.is_instance_of::<PyBool>() {
        request_time.str()?.to_cow()?.into_owned()
    } else if let Ok(s) = request_time.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "request_time must be str or int, not {}",
            type_name(request_time)
        )));
    };
    Ok(core::sign(&token, &rt))
}

/// The reply body for a refused callback: ``ActionStatus`` ``FAIL`` with
/// this code and info.
#[pyfunction]
#[pyo3(signature = (code, info = ""))]
pub(crate) fn fail_reply(py: Python<'_>, code: &Bound<'_, PyAny>, info: &str) -> PyResult<String> {
    let code = code_arg(py, code, "code")?;
    Ok(core::fail_reply(code.0, info))
}
