//! `usersig.testing.Emulator`: the IM emulator (`usersig-emulator`) in
//! process, served over HTTP on 127.0.0.1 by a thread with a tokio runtime
//! of its own (`usersig_emulator::start_in_background`), so that a Python
//! test suite needs no `usersig` binary.
//!
//! Every method takes and returns the JSON of the endpoint it stands for,
//! as `dict`s. The GIL is released while the server starts, stops and
//! while a call waits (`events(wait=)`, `wait_webhooks`); the other calls
//! take microseconds and keep it (the server thread never needs it).

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use usersig_emulator as emu;
use usersig_login::instances::CrossPlatform as CoreCrossPlatform;
use zeroize::Zeroizing;

use crate::args::{Int, secret_key, secret_str, type_name};
use crate::errors::{class, invalid_argument, policy_error, to_pyerr};
use crate::login::codes::code_obj;
use crate::login::instances::{CrossPlatform, platform_arg};
use crate::login::{json_to_py, lock};

/// The Python exception for a request the emulator refuses outside IM's
/// protocol (`usersig.exceptions.EmulatorError`: `code`, `status`).
fn emulator_error(py: Python<'_>, err: &emu::EmulatorError) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        kw.set_item("code", code_obj(py, err.code())?)?;
        kw.set_item("status", err.status())?;
        class(py, "EmulatorError")?
            .call((err.to_string(),), Some(&kw))
            .map(PyErr::from_value)
    })();
    made.unwrap_or_else(|e| e)
}

/// The Python exception for a configuration the emulator cannot run with:
/// an `InvalidArgumentError` naming the argument (the key's and the app
/// id's are the core errors' own).
fn config_error(py: Python<'_>, err: &emu::ConfigError) -> PyErr {
    match err {
        emu::ConfigError::App(e) => to_pyerr(py, e),
        emu::ConfigError::Policy(e) => policy_error(py, e),
        emu::ConfigError::Admin(_) => invalid_argument(py, "admins", "invalid", err.to_string()),
        emu::ConfigError::CallbackUrl => {
            invalid_argument(py, "callback_url", "invalid", err.to_string())
        }
        emu::ConfigError::EmptyToken => {
            invalid_argument(py, "callback_token", "empty", err.to_string())
        }
        _ => invalid_argument(py, "config", "invalid", err.to_string()),
    }
}

fn start_error(py: Python<'_>, err: emu::StartError) -> PyErr {
    match err {
        emu::StartError::Config(e) => config_error(py, &e),
        emu::StartError::Bind { source, .. } => {
            let errno = source.raw_os_error().unwrap_or(0);
            PyOSError::new_err((errno, format!("the emulator cannot listen: {source}")))
        }
        emu::StartError::Runtime(e) => PyOSError::new_err((
            e.raw_os_error().unwrap_or(0),
            format!("the emulator cannot start its thread: {e}"),
        )),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// A serde value of the emulator's wire types as the Python object
/// `json.loads` would give for the endpoint's answer.
fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot represent the answer: {e}")))?;
    json_to_py(py, &v)
}

/// Runs `f` to completion on a current-thread runtime made for the call,
/// with the GIL released (the emulator's waits need tokio's timer, and
/// the server's own runtime is not reachable from here).
fn block_on<F: Future + Send>(py: Python<'_>, f: F) -> PyResult<F::Output>
where
    F::Output: Send,
{
    py.detach(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map(|rt| rt.block_on(f))
    })
    .map_err(|e| PyOSError::new_err(format!("cannot start a runtime to wait on: {e}")))
}

/// Seconds as a `float` or `int`, finite and not negative.
fn seconds_arg(py: Python<'_>, s: f64, argument: &'static str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        invalid_argument(
            py,
            argument,
            "out_of_range",
            format!("{argument} must be a finite number of seconds, not negative"),
        )
    })
}

/// The admin names, from an iterable of `str` (not a `str` itself).
fn admin_names(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "admins must be an iterable of str, not a str",
        ));
    }
    let mut out = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("admins[{i}] must be str, not {}", type_name(&item)))
        })?;
        out.push(s.to_cow()?.into_owned());
    }
    Ok(out)
}

/// A `CrossPlatform` or its name (`"single"`, `"dual"`, `"triple"`, `"multi"`).
fn cross_platform_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<CoreCrossPlatform> {
    if let Ok(c) = obj.cast::<CrossPlatform>() {
        return Ok(c.get().core());
    }
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "cross_platform must be a CrossPlatform or a str, not {}",
            type_name(obj)
        ))
    })?;
    match &*s.to_cow()?.to_ascii_lowercase() {
        "single" => Ok(CoreCrossPlatform::Single),
        "dual" => Ok(CoreCrossPlatform::Dual),
        "triple" => Ok(CoreCrossPlatform::Triple),
        "multi" => Ok(CoreCrossPlatform::Multi),
        _ => Err(invalid_argument(
            py,
            "cross_platform",
            "unknown",
            "cross_platform must be single, dual, triple or multi".to_owned(),
        )),
    }
}

/// A local stand-in for Tencent Cloud IM's login and account surface,
/// served over HTTP on ``127.0.0.1`` from a thread of its own, for tests.
///
/// ``Emulator(sdkappid, key, *, admins=["administrator"], web_instances=1,
/// cross_platform="dual", rate_limit=200, clock="real", now=None,
/// callback_url=None, callback_token=None, port=0)``; use it as ``with
/// Emulator(...) as emu:``. ``emu.url`` is the base URL for REST calls
/// (``RestApi(..., base_url=emu.url)``, ``usersig.client.Client``); the
/// methods are the emulator's own endpoints, in process, each returning
/// the endpoint's JSON as a ``dict``. The key and the callback token never
/// appear in a ``repr()`` or an exception.
#[pyclass(frozen, module = "usersig.testing", name = "Emulator")]
pub(crate) struct Emulator {
    emulator: emu::Emulator,
    url: String,
    port: u16,
    handle: Mutex<Option<emu::BackgroundHandle>>,
}

impl Emulator {
    fn instance(user_id: &str, instance_id: Option<String>) -> String {
        instance_id.unwrap_or_else(|| user_id.to_owned())
    }
}

#[pymethods]
impl Emulator {
    // One parameter per Python argument.
    #[allow(clippy::too_many_arguments)]
    #[new]
    #[pyo3(
        signature = (
            sdkappid,
            key,
            *,
            admins = None,
            web_instances = Int::Value(1),
            cross_platform = None,
            rate_limit = Int::Value(u64::from(emu::DEFAULT_RATE_LIMIT)),
            clock = "real",
            now = None,
            callback_url = None,
            callback_token = None,
            port = Int::Value(0),
        ),
        text_signature = "(sdkappid, key, *, admins=['administrator'], web_instances=1, cross_platform='dual', rate_limit=200, clock='real', now=None, callback_url=None, callback_token=None, port=0)"
    )]
    fn new(
        py: Python<'_>,
        sdkappid: Int,
        key: &Bound<'_, PyAny>,
        admins: Option<&Bound<'_, PyAny>>,
        web_instances: Int,
        cross_platform: Option<&Bound<'_, PyAny>>,
        rate_limit: Int,
        clock: &str,
        now: Option<Int>,
        callback_url: Option<String>,
        callback_token: Option<&Bound<'_, PyAny>>,
        port: Int,
    ) -> PyResult<Self> {
        let sdkappid = sdkappid.u32(py, "sdkappid")?;
        let key = secret_key(py, key)?;
        let mut config = emu::Config::new(sdkappid, key);
        if let Some(a) = admins {
            config.admins = admin_names(a)?;
        }
        config.web_instances = web_instances.u32(py, "web_instances")?;
        if let Some(c) = cross_platform {
            config.cross_platform = cross_platform_arg(py, c)?;
        }
        config.rate_limit = rate_limit.u32(py, "rate_limit")?;
        let now = now.map(|n| n.u64(py, "now")).transpose()?;
        config.clock = match (clock, now) {
            ("real", None) => emu::Clock::Real,
            ("real", Some(_)) => {
                return Err(invalid_argument(
                    py,
                    "now",
                    "needs_manual_clock",
                    "now needs clock=\"manual\"".to_owned(),
                ));
            }
            ("manual", now) => emu::Clock::Manual {
                now: now.unwrap_or_else(usersig::unix_now),
            },
            _ => {
                return Err(invalid_argument(
                    py,
                    "clock",
                    "unknown",
                    "clock must be \"real\" or \"manual\"".to_owned(),
                ));
            }
        };
        if callback_token.is_some() && callback_url.is_none() {
            return Err(invalid_argument(
                py,
                "callback_token",
                "needs_callback_url",
                "callback_token needs callback_url".to_owned(),
            ));
        }
        config.callback_url = callback_url;
        config.callback_token = callback_token
            .map(|t| secret_str(py, t, "callback_token").map(Zeroizing::new))
            .transpose()?;
        let port = u16::try_from(port.u64(py, "port")?).map_err(|_| {
            invalid_argument(
                py,
                "port",
                "too_large",
                "port must be 0 to 65535".to_owned(),
            )
        })?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let handle = py
            .detach(|| emu::start_in_background(config, addr))
            .map_err(|e| start_error(py, e))?;
        Ok(Self {
            emulator: handle.emulator().clone(),
            url: handle.url().to_owned(),
            port: handle.local_addr().port(),
            handle: Mutex::new(Some(handle)),
        })
    }

    /// The base URL, ``http://127.0.0.1:PORT``.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The port listened on.
    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// The app's SDKAppID.
    #[getter]
    fn sdkappid(&self) -> u32 {
        self.emulator.sdkappid()
    }

    /// The emulator's time, unix seconds (the manual clock's, or the system's).
    #[getter]
    fn now(&self) -> u64 {
        self.emulator.now()
    }

    /// ``"real"`` or ``"manual"``.
    #[getter]
    fn clock(&self) -> &'static str {
        if self.emulator.is_manual_clock() {
            "manual"
        } else {
            "real"
        }
    }

    /// Whether ``close()`` was called (the HTTP server is stopped).
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.handle).is_none()
    }

    /// Moves the manual clock on by ``seconds``, then kicks every instance
    /// whose UserSig expired by then: ``{"Now", "Expired": [kick records]}``.
    /// Raises ``EmulatorError`` (HTTP status 409) on the real clock.
    fn advance<'py>(&self, py: Python<'py>, seconds: Int) -> PyResult<Bound<'py, PyAny>> {
        let seconds = seconds.u64(py, "seconds")?;
        let r = self
            .emulator
            .advance(seconds)
            .map_err(|e| emulator_error(py, &e))?;
        to_py(py, &r)
    }

    /// Sets the manual clock to ``unix`` (it may go back), as ``advance`` does.
    fn set_now<'py>(&self, py: Python<'py>, unix: Int) -> PyResult<Bound<'py, PyAny>> {
        let unix = unix.u64(py, "unix")?;
        let r = self
            .emulator
            .set_now(unix)
            .map_err(|e| emulator_error(py, &e))?;
        to_py(py, &r)
    }

    /// ``POST /emulator/v1/login``: an SDK instance logs in. Returns
    /// ``{"ActionStatus", "ErrorCode", "ErrorInfo", "RepeatLogin", "Kicked"}``
    /// (a refused UserSig is ``ActionStatus: FAIL`` with Tencent's code, not
    /// an exception). ``instance_id`` defaults to the user ID. Raises
    /// ``EmulatorError`` for a bad instance ID, ``InvalidArgumentError`` for
    /// an unknown platform.
    #[pyo3(signature = (user_id, user_sig, platform = None, instance_id = None),
           text_signature = "(self, user_id, user_sig, platform='Web', instance_id=None)")]
    fn login<'py>(
        &self,
        py: Python<'py>,
        user_id: String,
        user_sig: &Bound<'_, PyAny>,
        platform: Option<&Bound<'_, PyAny>>,
        instance_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let user_sig = secret_str(py, user_sig, "user_sig")?;
        let platform = match platform {
            Some(p) => platform_arg(py, p)?.as_str(),
            None => "Web",
        };
        let req = emu::LoginRequest {
            instance_id: Self::instance(&user_id, instance_id),
            user_id,
            user_sig,
            platform: platform.to_owned(),
        };
        let r = self
            .emulator
            .login(&req)
            .map_err(|e| emulator_error(py, &e))?;
        to_py(py, &r)
    }

    /// ``POST /emulator/v1/logout``: ``{"ActionStatus": "OK", ...,
    /// "WasOnline"}``; never fails for an instance that is not online.
    #[pyo3(signature = (user_id, instance_id = None))]
    fn logout<'py>(
        &self,
        py: Python<'py>,
        user_id: String,
        instance_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = emu::InstanceRequest {
            instance_id: Self::instance(&user_id, instance_id),
            user_id,
        };
        let r = self
            .emulator
            .logout(&req)
            .map_err(|e| emulator_error(py, &e))?;
        to_py(py, &r)
    }

    /// ``POST /emulator/v1/disconnect``: as ``logout``, with the webhook's
    /// ``Disconnect`` / ``LinkClose``.
    #[pyo3(signature = (user_id, instance_id = None))]
    fn disconnect<'py>(
        &self,
        py: Python<'py>,
        user_id: String,
        instance_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = emu::InstanceRequest {
            instance_id: Self::instance(&user_id, instance_id),
            user_id,
        };
        let r = self
            .emulator
            .disconnect(&req)
            .map_err(|e| emulator_error(py, &e))?;
        to_py(py, &r)
    }

    /// ``GET /emulator/v1/events``: the notices queued for ``instance_id``,
    /// removed from the queue, as ``{"Events": [...]}``. With ``wait`` (at
    /// most 30 s; more counts as 30), waits that long for one while none is
    /// queued, without the GIL.
    #[pyo3(signature = (instance_id, wait = 0.0))]
    fn events<'py>(
        &self,
        py: Python<'py>,
        instance_id: &str,
        wait: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wait = seconds_arg(py, wait, "wait")?;
        let r = if wait.is_zero() {
            self.emulator.events(instance_id)
        } else {
            let emulator = self.emulator.clone();
            let id = instance_id.to_owned();
            block_on(py, async move { emulator.wait_events(&id, wait).await })?
        };
        to_py(py, &r)
    }

    /// ``GET /emulator/v1/state``: accounts, instances online, kicks and
    /// their causes, revocations, webhooks, as a ``dict``.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.emulator.state())
    }

    /// ``POST /emulator/v1/reset``: forgets every account but the admins',
    /// every instance, kick, notice and log entry; the clock keeps its time.
    fn reset(&self) {
        self.emulator.reset();
    }

    /// Waits, without the GIL, until every webhook queued so far is
    /// delivered (or failed), at most ``timeout`` seconds; returns whether
    /// none is left.
    #[pyo3(signature = (timeout = 5.0))]
    fn wait_webhooks(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let timeout = seconds_arg(py, timeout, "timeout")?;
        let emulator = self.emulator.clone();
        block_on(py, async move { emulator.wait_webhooks(timeout).await })
    }

    /// Stops the HTTP server (requests in progress finish; waiting events
    /// calls return) and waits for its thread, without the GIL. The state
    /// stays readable in process. Calling it again does nothing.
    fn close(&self, py: Python<'_>) {
        let handle = lock(&self.handle).take();
        if let Some(h) = handle {
            py.detach(move || h.shutdown());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "Emulator(sdkappid={}, url='{}', clock='{}'{})",
            self.emulator.sdkappid(),
            self.url,
            self.clock(),
            if self.closed() { ", closed" } else { "" }
        )
    }
}
