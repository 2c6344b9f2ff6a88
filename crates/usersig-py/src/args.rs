//! Strict extraction of arguments.
//!
//! Integers must be `int` (a `bool` or a `float` is a `TypeError`); a
//! negative or oversized integer is an `InvalidArgumentError` naming the
//! argument. Keys are `str` or `bytes` and never appear in an error message.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyInt, PyString};
use usersig::SecretKey;

use crate::errors::{IntoPyResult, invalid_argument};

/// A Python `int` argument, not yet checked against its range.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Int {
    /// Fits in a `u64`.
    Value(u64),
    /// Below zero.
    Negative,
    /// Above `u64::MAX`.
    TooLarge,
}

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "expected int, not {}",
                type_name(&obj)
            )));
        }
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(Int::Value(v));
        }
        if obj.lt(0)? {
            Ok(Int::Negative)
        } else {
            Ok(Int::TooLarge)
        }
    }
}

impl Int {
    /// The value as a `u64`, or an `InvalidArgumentError` naming `argument`.
    pub(crate) fn u64(self, py: Python<'_>, argument: &'static str) -> PyResult<u64> {
        match self {
            Int::Value(v) => Ok(v),
            Int::Negative => Err(invalid_argument(
                py,
                argument,
                "negative",
                format!("{argument} must not be negative"),
            )),
            Int::TooLarge => Err(invalid_argument(
                py,
                argument,
                "too_large",
                format!("{argument} does not fit in 64 bits"),
            )),
        }
    }

    /// The value as a `u32`, or an `InvalidArgumentError` naming `argument`.
    pub(crate) fn u32(self, py: Python<'_>, argument: &'static str) -> PyResult<u32> {
        let v = self.u64(py, argument)?;
        u32::try_from(v).map_err(|_| {
            invalid_argument(
                py,
                argument,
                "too_large",
                format!("{argument} must be at most {}", u32::MAX),
            )
        })
    }
}

/// `now` if given, else the system clock.
pub(crate) fn now_or_clock(py: Python<'_>, now: Option<Int>) -> PyResult<u64> {
    match now {
        Some(n) => n.u64(py, "now"),
        None => Ok(usersig::unix_now()),
    }
}

/// `err` with an `index` attribute naming the position of the item of a
/// batch call it is about.
pub(crate) fn with_index(py: Python<'_>, err: PyErr, index: usize) -> PyErr {
    let exc = err.value(py).clone();
    match exc.setattr("index", index) {
        Ok(()) => PyErr::from_value(exc.into_any()),
        Err(other) => other,
    }
}

/// The name of an object's type, for messages (never the object itself).
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

/// A secret key given as `str` (its UTF-8 bytes, as the official libraries
/// use it) or `bytes`.
pub(crate) fn secret_key(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<SecretKey> {
    if let Ok(s) = key.cast::<PyString>() {
        // On failure the encoder's exception would carry the whole string:
        // replace it with one that names the problem only.
        let text = s.to_cow().map_err(|_| {
            invalid_argument(
                py,
                "key",
                "not_utf8",
                "key is not encodable as UTF-8 (it contains a lone surrogate)".to_owned(),
            )
        })?;
        return match text {
            std::borrow::Cow::Owned(owned) => SecretKey::from_string(owned),
            std::borrow::Cow::Borrowed(b) => SecretKey::new(b),
        }
        .py(py);
    }
    if let Ok(b) = key.cast::<PyBytes>() {
        return SecretKey::new(b.as_bytes()).py(py);
    }
    Err(PyTypeError::new_err(format!(
        "key must be str or bytes, not {}",
        type_name(key)
    )))
}

/// Binary data given as `bytes` or `bytearray` (a userbuf).
pub(crate) fn binary(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{argument} must be bytes or bytearray, not {}",
        type_name(obj)
    )))
}

/// A UserSig given as `str` or `bytes`, borrowed from the object where it
/// can be (a `str`'s UTF-8 form and `bytes` are read in place).
pub(crate) fn sig_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(match s.to_str() {
            Ok(text) => Cow::Borrowed(text.as_bytes()),
            // A sig with non-ASCII text is malformed; let the decoder say so
            // (lossy conversion keeps the length and the first bad position).
            Err(_) => Cow::Owned(s.to_string_lossy().into_owned().into_bytes()),
        });
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "sig must be str or bytes, not {}",
        type_name(obj)
    )))
}
