//! Strict extraction of arguments.
//!
//! Integers must be `int` (a `bool` or a `float` is a `TypeError`); a
//! negative or oversized integer is an `InvalidArgumentError` naming the
//! argument. Keys and tokens are `str` or `bytes` and never appear in an
//! error message: a `str` with no UTF-8 form raises an
//! `InvalidArgumentError` naming the argument, not the `UnicodeEncodeError`
//! that would carry the value.
//!
//! Capped strings (a sig, an identifier, a room, a callback query or body)
//! are measured before anything else is done with them: a `str`'s length in
//! code points is a lower bound of its UTF-8 length, and is known without
//! reading it, so a `str` over the cap is refused before it is encoded.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyInt, PyString, PyStringMethods};
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

/// The UTF-8 form of a secret `str` argument (a key, a callback token). On
/// failure the encoder's exception would carry the whole string: it is
/// replaced by an `InvalidArgumentError` that names the argument only.
pub(crate) fn secret_text<'a>(
    py: Python<'_>,
    s: &'a Bound<'_, PyString>,
    argument: &'static str,
) -> PyResult<Cow<'a, str>> {
    s.to_cow().map_err(|_| {
        invalid_argument(
            py,
            argument,
            "not_utf8",
            format!("{argument} is not encodable as UTF-8 (it contains a lone surrogate)"),
        )
    })
}

/// A secret `str` argument (a callback token), `TypeError` for another type.
pub(crate) fn secret_str(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    argument: &'static str,
) -> PyResult<String> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("{argument} must be str, not {}", type_name(obj)))
    })?;
    Ok(secret_text(py, s, argument)?.into_owned())
}

/// The length of a `str` in code points, without reading it.
fn chars(s: &Bound<'_, PyString>) -> PyResult<usize> {
    s.len()
}

/// A `str` argument capped at `max` UTF-8 bytes: refused by `too_long`
/// (given the length in code points) when its code points alone exceed the
/// cap, before it is encoded; then its UTF-8 form, for the library to check
/// exactly.
pub(crate) fn capped_str<'a>(
    s: &'a Bound<'_, PyString>,
    max: usize,
    too_long: impl FnOnce(usize) -> PyErr,
) -> PyResult<Cow<'a, str>> {
    let n = chars(s)?;
    if n > max {
        return Err(too_long(n));
    }
    s.to_cow()
}

/// An identifier (UserID) argument, at most `max` bytes: a longer `str` is
/// an `InvalidArgumentError` (`too_long`) before it is encoded.
pub(crate) fn identifier<'a>(
    py: Python<'_>,
    obj: &'a Bound<'_, PyAny>,
    max: usize,
) -> PyResult<Cow<'a, str>> {
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!("identifier must be str, not {}", type_name(obj)))
    })?;
    capped_str(s, max, |n| identifier_too_long(py, n, max))
}

/// The `InvalidArgumentError` for an identifier of `chars` code points, over `max` bytes.
pub(crate) fn identifier_too_long(py: Python<'_>, chars: usize, max: usize) -> PyErr {
    invalid_argument(
        py,
        "identifier",
        "too_long",
        format!("identifier is at least {chars} bytes long, the maximum is {max}"),
    )
}

/// Text or binary data given as `str`, `bytes` or `bytearray`, refused by
/// `too_long` (given a lower bound of its length) beyond `max` bytes before
/// it is copied or encoded.
pub(crate) fn capped_bytes(
    obj: &Bound<'_, PyAny>,
    argument: &str,
    max: usize,
    too_long: impl FnOnce(usize) -> PyErr,
) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(capped_str(s, max, too_long)?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        if b.as_bytes().len() > max {
            return Err(too_long(b.as_bytes().len()));
        }
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        if b.len() > max {
            return Err(too_long(b.len()));
        }
        return Ok(b.to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{argument} must be str, bytes or bytearray, not {}",
        type_name(obj)
    )))
}

/// A secret key given as `str` (its UTF-8 bytes, as the official libraries
/// use it) or `bytes`.
pub(crate) fn secret_key(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<SecretKey> {
    if let Ok(s) = key.cast::<PyString>() {
        let text = secret_text(py, s, "key")?;
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
/// can be (a `str`'s UTF-8 form and `bytes` are read in place). A `str` of
/// more than [`usersig::MAX_SIG_LEN`] code points is refused
/// (`MalformedError`, kind `too_long`) before it is encoded; `bytes` are
/// capped by the library, which reads their length only.
pub(crate) fn sig_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = obj.cast::<PyString>() {
        let n = chars(s)?;
        if n > usersig::MAX_SIG_LEN {
            return Err(crate::errors::malformed_too_long(obj.py(), n));
        }
        return sig_text(s);
    }
    sig_any(obj)
}

/// [`sig_bytes`] without the length cap: for a UserSig that is only carried
/// (the lifecycle's login), never decoded here.
pub(crate) fn sig_any<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return sig_text(s);
    }
    sig_other(obj)
}

fn sig_text<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    Ok(match s.to_str() {
        Ok(text) => Cow::Borrowed(text.as_bytes()),
        // A sig with non-ASCII text is malformed; let the decoder say so
        // (lossy conversion keeps the length and the first bad position).
        Err(_) => Cow::Owned(s.to_string_lossy().into_owned().into_bytes()),
    })
}

fn sig_other<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "sig must be str or bytes, not {}",
        type_name(obj)
    )))
}
