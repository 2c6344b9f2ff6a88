//! Bindings of the login crate (`usersig-login`), exposed in Python as
//! `usersig.login`: REST requests and responses, error codes, kick reasons,
//! the login lifecycle, the instance policy table and callbacks.
//!
//! The classes live in `usersig._native` (with `__module__` set to
//! `usersig.login`) and are re-exported by `python/usersig/login.py`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyList, PyString};
use serde_json::Value;

use crate::args::{Int, type_name};

pub(crate) mod callback;
pub(crate) mod codes;
pub(crate) mod instances;
pub(crate) mod kick;
pub(crate) mod lifecycle;
pub(crate) mod rest;
pub(crate) mod retry;

/// Adds the login classes and functions to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<codes::ErrorClass>()?;
    m.add_class::<codes::Code>()?;
    m.add_class::<codes::Backoff>()?;
    m.add_class::<kick::KickReason>()?;
    m.add_class::<kick::Reaction>()?;
    m.add_class::<rest::Region>()?;
    m.add_class::<rest::RestApi>()?;
    m.add_class::<rest::PreparedRequest>()?;
    m.add_class::<rest::RestResponse>()?;
    m.add_class::<rest::OnlineStatus>()?;
    m.add_function(wrap_pyfunction!(rest::parse_response, m)?)?;
    m.add_class::<retry::RetryPolicy>()?;
    m.add_class::<retry::Retrier>()?;
    m.add_class::<retry::RetryDecision>()?;
    m.add_class::<retry::Attempt>()?;
    m.add_function(wrap_pyfunction!(retry::is_read_only, m)?)?;
    m.add_class::<lifecycle::Lifecycle>()?;
    m.add_class::<lifecycle::SendRequest>()?;
    m.add_class::<lifecycle::EmitEvent>()?;
    m.add_class::<lifecycle::Resolve>()?;
    m.add_class::<lifecycle::Reject>()?;
    m.add_class::<lifecycle::Proceed>()?;
    m.add_function(wrap_pyfunction!(lifecycle::preflight, m)?)?;
    m.add_class::<instances::Platform>()?;
    m.add_class::<instances::CrossPlatform>()?;
    m.add_class::<instances::Policy>()?;
    m.add_class::<instances::Instances>()?;
    m.add_class::<instances::Kicked>()?;
    m.add_class::<instances::LoginOutcome>()?;
    m.add_class::<instances::OnlineInstance>()?;
    m.add_class::<callback::CallbackVerifier>()?;
    m.add_class::<callback::CallbackQuery>()?;
    m.add_class::<callback::StateChange>()?;
    m.add_function(wrap_pyfunction!(callback::callback_sign, m)?)?;
    m.add_function(wrap_pyfunction!(callback::fail_reply, m)?)?;
    m.add("CALLBACK_OK_REPLY", usersig_login::callback::OK_REPLY)?;
    m.add(
        "CALLBACK_MAX_BODY_LEN",
        usersig_login::callback::MAX_BODY_LEN,
    )?;
    m.add(
        "CALLBACK_MAX_QUERY_LEN",
        usersig_login::callback::MAX_QUERY_LEN,
    )?;
    m.add(
        "DEFAULT_ADMIN_SIG_TTL",
        usersig_login::rest::DEFAULT_ADMIN_SIG_TTL,
    )?;
    m.add(
        "DEFAULT_RENEW_MARGIN",
        usersig_login::rest::DEFAULT_RENEW_MARGIN,
    )?;
    m.add("ACCOUNT_BATCH", usersig_login::rest::ACCOUNT_BATCH)?;
    m.add(
        "ONLINE_STATUS_BATCH",
        usersig_login::rest::ONLINE_STATUS_BATCH,
    )?;
    Ok(())
}

/// `n` values for the `random` argument of a call: a fixed `int` (every
/// value the same), a callable returning an `int` (called once per value), or
/// None for a generator seeded by the operating system's (rand's thread
/// generator, as the Rust client draws it; drawing in Python through
/// `secrets.randbits(32)` costs a few microseconds a request).
///
/// They are drawn before the call runs, so that a failing callable raises
/// its own exception rather than being hidden inside the login crate.
pub(crate) fn draw_random(
    py: Python<'_>,
    random: Option<&Bound<'_, PyAny>>,
    n: usize,
) -> PyResult<Vec<u32>> {
    let one = |v: Bound<'_, PyAny>| -> PyResult<u32> {
        let i: Int = v.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "random() must return an int, not {}",
                type_name(&v)
            ))
        })?;
        i.u32(py, "random")
    };
    match random {
        None => Ok((0..n).map(|_| rand::random::<u32>()).collect()),
        Some(r) if r.is_instance_of::<pyo3::types::PyInt>() || r.is_instance_of::<PyBool>() => {
            let v = r.extract::<Int>()?.u32(py, "random")?;
            Ok(vec![v; n])
        }
        Some(r) if r.is_callable() => (0..n).map(|_| one(r.call0()?)).collect(),
        Some(r) => Err(PyTypeError::new_err(format!(
            "random must be an int, a callable returning an int, or None, not {}",
            type_name(r)
        ))),
    }
}

/// A random source for the login crate that hands out pre-drawn values.
pub(crate) fn feed(values: Vec<u32>) -> impl FnMut() -> u32 {
    let mut it = values.into_iter();
    move || it.next().unwrap_or(0)
}

/// Text or binary data given as `str`, `bytes` or `bytearray`.
pub(crate) fn bytes_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{argument} must be str, bytes or bytearray, not {}",
        type_name(obj)
    )))
}

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => json_map_to_py(py, o)?.into_any(),
    })
}

/// A JSON object as a Python `dict`.
pub(crate) fn json_map_to_py<'py>(
    py: Python<'py>,
    map: &serde_json::Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// Locks a mutex, recovering the data from a poisoned lock (no call here
/// leaves the data half-updated: the login crate's methods do not panic).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
