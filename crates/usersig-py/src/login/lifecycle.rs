//! The Web SDK login lifecycle: `Lifecycle`, its outputs and `preflight`.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use usersig_login::lifecycle::{
    self as core, CallId, ClientRequest, Event, Input, NotReadyReason, Output, RequestId,
    ServerError, State,
};
use usersig_login::{ErrorCode, UserSig};

use crate::args::{Int, now_or_clock, sig_any};
use crate::claims::Inspection;
use crate::errors::preflight_error;
use crate::login::codes::{Code, code_arg, code_obj};
use crate::login::instances::Kicked;
use crate::login::kick::KickReason;
use crate::login::{json_to_py, lock};

/// `repr()` of a Python `str`.
fn repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_string())
}

/// Output: send this request to the IM server.
///
/// ``action`` is ``"login"`` (answer with ``Lifecycle.login_reply(request,
/// ...)``) or ``"logout"`` (no answer needed). ``user_sig`` is the UserSig
/// to log in with (None for a logout); ``repr()`` redacts it.
#[pyclass(frozen, eq, module = "usersig.login", name = "SendRequest")]
#[derive(PartialEq, Eq)]
pub(crate) struct SendRequest {
    /// Pass it back with the reply.
    #[pyo3(get)]
    request: u64,
    /// ``"login"`` or ``"logout"``.
    #[pyo3(get)]
    action: &'static str,
    /// The UserID.
    #[pyo3(get)]
    user_id: String,
    sig: Option<UserSig>,
}

#[pymethods]
impl SendRequest {
    /// ``"send"``.
    #[getter]
    fn kind(&self) -> &'static str {
        "send"
    }

    /// The UserSig of a login request (a credential), None for a logout.
    #[getter]
    fn user_sig(&self) -> Option<&str> {
        self.sig.as_ref().map(UserSig::expose)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SendRequest(request={}, action='{}', user_id={}{})",
            self.request,
            self.action,
            repr(py, &self.user_id)?,
            if self.sig.is_some() {
                ", user_sig=[redacted]"
            } else {
                ""
            }
        ))
    }
}

/// Output: emit this event to the app's listeners.
///
/// ``name`` is the SDK's event name (``"sdkStateReady"``,
/// ``"sdkStateNotReady"``, ``"kickedOut"``), ``constant_name`` the
/// ``TIM.EVENT`` name (``"SDK_READY"``...), ``payload`` what listeners get:
/// ``{"name": ...}`` or ``{"name": "kickedOut", "data": {"type": ...}}``.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "EmitEvent")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct EmitEvent {
    event: Event,
}

#[pymethods]
impl EmitEvent {
    /// ``"emit"``.
    #[getter]
    fn kind(&self) -> &'static str {
        "emit"
    }

    /// The SDK's event name.
    #[getter]
    fn name(&self) -> &'static str {
        self.event.name()
    }

    /// The ``TIM.EVENT`` constant name.
    #[getter]
    fn constant_name(&self) -> &'static str {
        self.event.constant_name()
    }

    /// The kick reason of a ``kickedOut`` event, else None.
    #[getter]
    fn kick_reason(&self) -> Option<KickReason> {
        match self.event {
            Event::KickedOut(r) => Some(KickReason::from_core(r)),
            _ => None,
        }
    }

    /// The payload handed to listeners (a new dict each time).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.event.payload())
    }

    fn __repr__(&self) -> String {
        match self.event {
            Event::KickedOut(r) => format!("EmitEvent('kickedOut', type='{}')", r.as_str()),
            e => format!("EmitEvent('{}')", e.name()),
        }
    }
}

/// Output: resolve the app's call (the SDK's ``imResponse``).
#[pyclass(frozen, module = "usersig.login", name = "Resolve")]
pub(crate) struct Resolve {
    /// The app's call id.
    #[pyo3(get)]
    call: u64,
    response: core::ImResponse,
}

#[pymethods]
impl Resolve {
    /// ``"resolve"``.
    #[getter]
    fn kind(&self) -> &'static str {
        "resolve"
    }

    /// Always ``ErrorCode(0)``.
    #[getter]
    fn code(&self, py: Python<'_>) -> PyResult<Py<Code>> {
        code_obj(py, self.response.code)
    }

    /// The data: for a login ``{"actionStatus", "errorCode", "errorInfo"}``
    /// (plus ``"repeatLogin": True`` for a repeat login), ``{}`` otherwise.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.response.data)
    }

    /// ``{"code": 0, "data": {...}}`` as the SDK hands it over.
    #[getter]
    fn response<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.response.to_json())
    }

    /// Whether this resolves a repeat login.
    #[getter]
    fn is_repeat_login(&self) -> bool {
        self.response.is_repeat_login()
    }

    fn __repr__(&self) -> String {
        format!("Resolve(call={}, data={})", self.call, self.response.data)
    }
}

/// Output: reject the app's call (the SDK's ``imError``).
#[pyclass(frozen, module = "usersig.login", name = "Reject")]
pub(crate) struct Reject {
    /// The app's call id.
    #[pyo3(get)]
    call: u64,
    error: core::ImError,
}

#[pymethods]
impl Reject {
    /// ``"reject"``.
    #[getter]
    fn kind(&self) -> &'static str {
        "reject"
    }

    /// The code (``ErrorCode``).
    #[getter]
    fn code(&self, py: Python<'_>) -> PyResult<Py<Code>> {
        code_obj(py, self.error.code)
    }

    /// What went wrong.
    #[getter]
    fn message(&self) -> &str {
        &self.error.message
    }

    /// ``{"code": ..., "message": ...}`` as the SDK hands it over.
    #[getter]
    fn error<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.error.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Reject(call={}, code={}, message={})",
            self.call,
            self.error.code,
            repr(py, &self.error.message)?
        ))
    }
}

/// Output: the gate let an API call through; perform it.
#[pyclass(frozen, eq, hash, module = "usersig.login", name = "Proceed")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Proceed {
    /// The app's call id.
    #[pyo3(get)]
    call: u64,
}

#[pymethods]
impl Proceed {
    /// ``"proceed"``.
    #[getter]
    fn kind(&self) -> &'static str {
        "proceed"
    }

    fn __repr__(&self) -> String {
        format!("Proceed(call={})", self.call)
    }
}

/// The Python object for one output.
fn output<'py>(py: Python<'py>, o: Output) -> PyResult<Bound<'py, PyAny>> {
    Ok(match o {
        Output::Send { request, body } => {
            let (action, user_id, sig) = match body {
                ClientRequest::Login { user_id, user_sig } => ("login", user_id, Some(user_sig)),
                ClientRequest::Logout { user_id } => ("logout", user_id, None),
                _ => ("other", String::new(), None),
            };
            Bound::new(
                py,
                SendRequest {
                    request: request.0,
                    action,
                    user_id,
                    sig,
                },
            )?
            .into_any()
        }
        Output::Emit(event) => Bound::new(py, EmitEvent { event })?.into_any(),
        Output::Resolve { call, response } => Bound::new(
            py,
            Resolve {
                call: call.0,
                response,
            },
        )?
        .into_any(),
        Output::Reject { call, error } => Bound::new(
            py,
            Reject {
                call: call.0,
                error,
            },
        )?
        .into_any(),
        Output::Proceed { call } => Bound::new(py, Proceed { call: call.0 })?.into_any(),
        _ => py.None().into_bound(py),
    })
}

/// One Web SDK instance's login lifecycle, without I/O.
///
/// Each method feeds one input (a call by the app, a reply or a notice from
/// the server) and returns the outputs it causes, in order: ``SendRequest``
/// (send it), ``EmitEvent`` (emit it), ``Resolve`` / ``Reject`` (settle the
/// app's call ``call``) and ``Proceed`` (the gate let a call through).
///
/// ``Lifecycle(*, preflight_sdkappid=None)``: with an SDKAppID, every login
/// first runs ``preflight`` and is rejected at once with the code the
/// server would answer (70002, 70003, 70014, 70013, 70001).
#[pyclass(frozen, module = "usersig.login", name = "Lifecycle")]
pub(crate) struct Lifecycle {
    inner: Mutex<core::Lifecycle>,
}

impl Lifecycle {
    fn feed<'py>(&self, py: Python<'py>, input: Input) -> PyResult<Bound<'py, PyList>> {
        let outputs = lock(&self.inner).handle(input);
        let list = PyList::empty(py);
        for o in outputs {
            list.append(output(py, o)?)?;
        }
        Ok(list)
    }
}

fn call_id(py: Python<'_>, call: Int) -> PyResult<CallId> {
    call.u64(py, "call").map(CallId)
}

#[pymethods]
impl Lifecycle {
    #[new]
    #[pyo3(signature = (*, preflight_sdkappid = None))]
    fn new(py: Python<'_>, preflight_sdkappid: Option<Int>) -> PyResult<Self> {
        let mut inner = core::Lifecycle::new();
        if let Some(app) = preflight_sdkappid {
            inner = inner.with_preflight(app.u32(py, "preflight_sdkappid")?);
        }
        Ok(Self {
            inner: Mutex::new(inner),
        })
    }

    /// ``"not_ready"``, ``"logging_in"``, ``"ready"`` or ``"destroyed"``.
    #[getter]
    fn state(&self) -> &'static str {
        match lock(&self.inner).state() {
            State::NotReady(_) => "not_ready",
            State::LoggingIn { .. } => "logging_in",
            State::Ready { .. } => "ready",
            _ => "destroyed",
        }
    }

    /// ``isReady()``.
    #[getter]
    fn is_ready(&self) -> bool {
        lock(&self.inner).is_ready()
    }

    /// Whether the instance was destroyed.
    #[getter]
    fn is_destroyed(&self) -> bool {
        lock(&self.inner).is_destroyed()
    }

    /// ``getLoginUser()``: the UserID logged in or logging in, else None.
    #[getter]
    fn login_user(&self) -> Option<String> {
        lock(&self.inner).login_user().map(str::to_owned)
    }

    /// The code every gated call fails with now (2024 not logged in, 3000
    /// logging in, 3001 login failed, 3002-3004 and 3006 kicked, 3005 logged
    /// out), or None when ready or destroyed.
    #[getter]
    fn not_ready_reason(&self, py: Python<'_>) -> PyResult<Option<Py<Code>>> {
        lock(&self.inner)
            .not_ready_reason()
            .map(|r| code_obj(py, r.code()))
            .transpose()
    }

    /// Why the instance was kicked, when that is why it is not ready.
    #[getter]
    fn kick_reason(&self) -> Option<KickReason> {
        match lock(&self.inner).not_ready_reason() {
            Some(NotReadyReason::Kicked(r)) => Some(KickReason::from_core(r)),
            _ => None,
        }
    }

    /// The request id of the login request awaiting its reply, else None.
    #[getter]
    fn pending_request(&self) -> Option<u64> {
        match lock(&self.inner).state() {
            State::LoggingIn { request, .. } => Some(request.0),
            _ => None,
        }
    }

    /// The app called ``login({userID, userSig})``. ``now`` is used by the
    /// pre-flight check only.
    #[pyo3(
        signature = (user_id, user_sig, *, call = Int::Value(0), now = None),
        text_signature = "($self, user_id, user_sig, *, call=0, now=None)"
    )]
    fn login<'py>(
        &self,
        py: Python<'py>,
        user_id: String,
        user_sig: &Bound<'py, PyAny>,
        call: Int,
        now: Option<Int>,
    ) -> PyResult<Bound<'py, PyList>> {
        let sig = String::from_utf8_lossy(&sig_any(user_sig)?).into_owned();
        let input = Input::Login {
            call: call_id(py, call)?,
            user_id,
            user_sig: UserSig::new(sig),
            now: now_or_clock(py, now)?,
        };
        self.feed(py, input)
    }

    /// The server answered login request ``request``: ``code`` 0 for
    /// success, otherwise the server's ErrorCode and ErrorInfo.
    #[pyo3(
        signature = (request, *, code = None, info = String::new()),
        text_signature = "($self, request, *, code=None, info='')"
    )]
    fn login_reply<'py>(
        &self,
        py: Python<'py>,
        request: Int,
        code: Option<&Bound<'py, PyAny>>,
        info: String,
    ) -> PyResult<Bound<'py, PyList>> {
        let request = RequestId(request.u64(py, "request")?);
        let code = code
            .map(|c| code_arg(py, c, "code"))
            .transpose()?
            .unwrap_or(ErrorCode::OK);
        let result = if code == ErrorCode::OK {
            Ok(())
        } else {
            Err(ServerError { code, info })
        };
        self.feed(py, Input::LoginReply { request, result })
    }

    /// The server pushed a kick notice (kickType 1 multipleAccount, 2
    /// multipleDevice, 3 REST API kick; others are ignored).
    fn kick_notice<'py>(&self, py: Python<'py>, kick_type: Int) -> PyResult<Bound<'py, PyList>> {
        let kick_type = match kick_type {
            Int::Value(v) => u32::try_from(v).unwrap_or(0),
            _ => 0,
        };
        self.feed(py, Input::KickNotice { kick_type })
    }

    /// A reply to any request carried ``code``: 70001 and 20002 (UserSig
    /// expired) kick the instance with ``userSigExpired``.
    fn reply_code<'py>(
        &self,
        py: Python<'py>,
        code: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let code = code_arg(py, code, "code")?;
        self.feed(py, Input::ReplyCode { code })
    }

    /// What this instance receives when the instance table kicked it
    /// (``Instances.login`` or ``rest_kick`` or ``expire``).
    fn handle_kick<'py>(
        &self,
        py: Python<'py>,
        kicked: PyRef<'py, Kicked>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.feed(py, kicked.core().input())
    }

    /// The app called ``logout()``.
    #[pyo3(signature = (*, call = Int::Value(0)), text_signature = "($self, *, call=0)")]
    fn logout<'py>(&self, py: Python<'py>, call: Int) -> PyResult<Bound<'py, PyList>> {
        let call = call_id(py, call)?;
        self.feed(py, Input::Logout { call })
    }

    /// The app called ``destroy()``: logout, then every later call is rejected.
    #[pyo3(signature = (*, call = Int::Value(0)), text_signature = "($self, *, call=0)")]
    fn destroy<'py>(&self, py: Python<'py>, call: Int) -> PyResult<Bound<'py, PyList>> {
        let call = call_id(py, call)?;
        self.feed(py, Input::Destroy { call })
    }

    /// The app called any other API (``"sendMessage"``...): the gate answers
    /// ``Proceed`` when ready, else ``Reject`` with the not-ready code.
    #[pyo3(signature = (api, *, call = Int::Value(0)), text_signature = "($self, api, *, call=0)")]
    fn call<'py>(&self, py: Python<'py>, api: String, call: Int) -> PyResult<Bound<'py, PyList>> {
        let call = call_id(py, call)?;
        self.feed(py, Input::Call { call, api })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let user = self.login_user();
        let code = lock(&self.inner).not_ready_reason().map(|r| r.code().0);
        Ok(format!(
            "Lifecycle(state='{}', login_user={}, not_ready_reason={})",
            self.state(),
            match user {
                Some(u) => repr(py, &u)?,
                None => "None".to_owned(),
            },
            code.map_or_else(|| "None".to_owned(), |c| c.to_string()),
        ))
    }
}

/// Checks a UserSig before logging in with it, without the key: decodes it
/// and compares its SDKAppID, UserID and expiry with the login's.
///
/// Returns the ``Inspection``; raises ``PreflightError`` whose ``code`` is
/// the one the server would answer (70002, 70003, 70014, 70013, 70001).
/// Nothing is authenticated: a sig that passes can still be refused.
#[pyfunction]
#[pyo3(signature = (sdkappid, user_id, user_sig, *, now = None))]
pub(crate) fn preflight(
    py: Python<'_>,
    sdkappid: Int,
    user_id: &str,
    user_sig: &Bound<'_, PyAny>,
    now: Option<Int>,
) -> PyResult<Inspection> {
    let sdkappid = sdkappid.u32(py, "sdkappid")?;
    // A `str` longer than any sig is refused before it is encoded, with the
    // answer the server would give (70003).
    if let Ok(s) = user_sig.cast::<pyo3::types::PyString>() {
        let len = s.len()?;
        if len > usersig::MAX_SIG_LEN {
            let e = usersig::Malformed::TooLong {
                len,
                max: usersig::MAX_SIG_LEN,
            };
            return Err(preflight_error(
                py,
                &core::PreflightError::Malformed(e.into()),
            ));
        }
    }
    let sig = String::from_utf8_lossy(&sig_any(user_sig)?).into_owned();
    let now = now_or_clock(py, now)?;
    let i =
        core::preflight_at(sdkappid, user_id, &sig, now).map_err(|e| preflight_error(py, &e))?;
    Inspection::new(py, i)
}
