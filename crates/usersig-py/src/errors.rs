//! Turning core errors into the Python exceptions of `usersig.exceptions`.
//!
//! The exception classes are defined in Python (so they can be subclassed,
//! pickled and documented like any Python class) and imported from here once.
//! [`exception`] is the one place where a [`usersig::Error`] becomes a Python
//! object: every variant maps to its own class with its details as attributes.
//! The errors of the login crate map the same way, one function per error
//! type ([`rest_error`], [`callback_error`], [`preflight_error`],
//! [`sig_refused`], [`policy_error`]).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use usersig::{Error, InvalidArgument, Malformed, Room};
use usersig_login::callback::CallbackError;
use usersig_login::instances::{PolicyError, SigRefused};
use usersig_login::lifecycle::PreflightError;
use usersig_login::rest::{RestError, TransportError};

use crate::login::codes::{ErrorClass as LoginErrorClass, code_obj};

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The class `name` of `usersig.exceptions`.
pub(crate) fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    EXCEPTIONS
        .get_or_try_init(py, || py.import("usersig.exceptions").map(Bound::unbind))?
        .bind(py)
        .getattr(name)
}

/// Instantiates exception class `name` with `message` and keyword attributes.
fn build<'py>(
    py: Python<'py>,
    name: &str,
    message: String,
    kwargs: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    class(py, name)?.call((message,), Some(kwargs))
}

/// Python form of a room: an `int` room id or a `str` room id.
fn room<'py>(py: Python<'py>, room: &Room) -> PyResult<Bound<'py, PyAny>> {
    Ok(match room {
        Room::Id(id) => id.into_pyobject(py)?.into_any(),
        Room::Str(s) => s.into_pyobject(py)?.into_any(),
    })
}

/// The argument and the rule an [`InvalidArgument`] names.
fn invalid_argument_parts(e: &InvalidArgument) -> (Option<&'static str>, &'static str) {
    match e {
        InvalidArgument::EmptyIdentifier => (Some("identifier"), "empty"),
        InvalidArgument::IdentifierTooLong { .. } => (Some("identifier"), "too_long"),
        InvalidArgument::IdentifierControlChar { .. } => (Some("identifier"), "control_character"),
        InvalidArgument::ExpireZero => (Some("expire"), "zero"),
        InvalidArgument::ExpireTooLong { .. } => (Some("expire"), "too_long"),
        InvalidArgument::TimeOverflow => (Some("now"), "overflow"),
        InvalidArgument::EmptyKey => (Some("key"), "empty"),
        InvalidArgument::UserBufTooLong { .. } => (Some("userbuf"), "too_long"),
        InvalidArgument::InvalidRoomId => (Some("room_id"), "out_of_range"),
        InvalidArgument::InvalidRoomStr(_) => (Some("room_str"), "invalid"),
        InvalidArgument::InvalidPrivileges(_) => (Some("privileges"), "unknown_bits"),
        InvalidArgument::ZeroAppId => (Some("sdkappid"), "zero"),
        _ => (None, "other"),
    }
}

/// The layer name (`kind`) and the field a [`Malformed`] names.
fn malformed_parts(e: &Malformed) -> (&'static str, Option<&'static str>) {
    match e {
        Malformed::Empty => ("empty", None),
        Malformed::TooLong { .. } => ("too_long", None),
        Malformed::InvalidCharacter { .. } => ("invalid_character", None),
        Malformed::Base64 => ("base64", None),
        Malformed::Zlib => ("zlib", None),
        Malformed::ZlibTruncated => ("zlib_truncated", None),
        Malformed::ZlibTrailingData => ("zlib_trailing_data", None),
        Malformed::InflatedTooLarge { .. } => ("inflated_too_large", None),
        Malformed::JsonSyntax { .. } => ("json_syntax", None),
        Malformed::NotAnObject => ("not_an_object", None),
        Malformed::MissingField(f) => ("missing_field", Some(*f)),
        Malformed::DuplicateField(f) => ("duplicate_field", Some(*f)),
        Malformed::WrongType { field, .. } => ("wrong_type", Some(*field)),
        Malformed::UnsupportedVersion => ("unsupported_version", Some("TLS.ver")),
        Malformed::SigEncoding => ("sig_encoding", Some("TLS.sig")),
        Malformed::UserBufEncoding => ("userbuf_encoding", Some("TLS.userbuf")),
        Malformed::TimeOverflow => ("time_overflow", Some("TLS.time")),
        Malformed::PrivateMapKey(_) => ("private_map_key", Some("TLS.userbuf")),
        _ => ("other", None),
    }
}

/// The Python exception instance for a core error: the one mapping from
/// [`Error`] variants to `usersig.exceptions` classes and their attributes.
///
/// The message is the core error's `Display`, which never contains the key
/// and never echoes unauthenticated input beyond a few bytes.
pub(crate) fn exception<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyAny>> {
    let kw = PyDict::new(py);
    let name = match err {
        Error::InvalidArgument(e) => {
            let (argument, kind) = invalid_argument_parts(e);
            kw.set_item("argument", argument)?;
            kw.set_item("kind", kind)?;
            "InvalidArgumentError"
        }
        Error::Malformed(e) => {
            let (kind, field) = malformed_parts(e);
            kw.set_item("kind", kind)?;
            kw.set_item("field", field)?;
            "MalformedError"
        }
        Error::SignatureMismatch => "SignatureMismatchError",
        Error::Expired { expired_at, now } => {
            kw.set_item("expired_at", expired_at)?;
            kw.set_item("now", now)?;
            "ExpiredError"
        }
        Error::IssuedInFuture {
            issued_at,
            now,
            max_future,
        } => {
            kw.set_item("issued_at", issued_at)?;
            kw.set_item("now", now)?;
            kw.set_item("max_future", max_future)?;
            "IssuedInFutureError"
        }
        Error::AppIdMismatch { expected, found } => {
            kw.set_item("expected", expected)?;
            kw.set_item("found", found)?;
            "AppIdMismatchError"
        }
        Error::IdentifierMismatch { expected, found } => {
            kw.set_item("expected", expected)?;
            kw.set_item("found", found)?;
            "IdentifierMismatchError"
        }
        Error::UserBufMismatch => "UserBufMismatchError",
        Error::UnexpectedUserBuf => "UnexpectedUserBufError",
        Error::MissingUserBuf => "MissingUserBufError",
        Error::RoomMismatch { expected, found } => {
            kw.set_item("expected", room(py, expected)?)?;
            kw.set_item("found", room(py, found)?)?;
            "RoomMismatchError"
        }
        _ => "UserSigError",
    };
    build(py, name, err.to_string(), &kw)
}

/// [`exception`], ready to raise.
pub(crate) fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    match exception(py, err) {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// A `MalformedError` (kind `too_long`) for a `str` sig of `chars` code
/// points, more than [`usersig::MAX_SIG_LEN`]: refused before it is encoded,
/// so its UTF-8 length is known only to be at least that.
pub(crate) fn malformed_too_long(py: Python<'_>, chars: usize) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        kw.set_item("kind", "too_long")?;
        kw.set_item("field", py.None())?;
        let message = format!(
            "malformed UserSig: the UserSig is at least {chars} bytes long, the maximum is {}",
            usersig::MAX_SIG_LEN
        );
        build(py, "MalformedError", message, &kw)
    })();
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// An `InvalidArgumentError` for a rule checked by the bindings themselves
/// (a negative number, an unknown compression name...). The message takes
/// the core's prefix, `invalid argument: `, so that every
/// `InvalidArgumentError` reads the same way.
pub(crate) fn invalid_argument(
    py: Python<'_>,
    argument: &'static str,
    kind: &'static str,
    message: String,
) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        kw.set_item("argument", argument)?;
        kw.set_item("kind", kind)?;
        let message = if message.starts_with("invalid argument: ") {
            message
        } else {
            format!("invalid argument: {message}")
        };
        build(py, "InvalidArgumentError", message, &kw)
    })();
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// Extension for results of the core crate.
pub(crate) trait IntoPyResult<T> {
    /// Maps the error with [`to_pyerr`].
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// The Python exception for an error of the login crate's REST module.
///
/// Server answers become `ApiError` (code, info, error_class, request_id,
/// waiting_time) and unreadable responses `TransportError` (kind, status,
/// field), both under `LoginError`; a bad argument is an
/// `InvalidArgumentError` naming it, and a failure to sign the admin UserSig
/// is the core error's own exception.
pub(crate) fn rest_error(py: Python<'_>, err: &RestError) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        let name = match err {
            RestError::Sign(e) => return Ok(to_pyerr(py, e)),
            RestError::InvalidPath(what) => {
                return Ok(invalid_argument(py, what, "invalid", err.to_string()));
            }
            RestError::InvalidDomain => {
                return Ok(invalid_argument(py, "domain", "invalid", err.to_string()));
            }
            RestError::InvalidBaseUrl(_) => {
                return Ok(invalid_argument(py, "base_url", "invalid", err.to_string()));
            }
            RestError::UnknownRegion => {
                return Ok(invalid_argument(py, "region", "unknown", err.to_string()));
            }
            RestError::BodyNotJson => {
                return Ok(invalid_argument(
                    py,
                    "body",
                    "not_json_object",
                    err.to_string(),
                ));
            }
            // The login crate's only such argument error is an empty UserID.
            RestError::InvalidArgument(_) => {
                return Ok(invalid_argument(py, "user_id", "empty", err.to_string()));
            }
            RestError::RenewMargin { .. } => {
                return Ok(invalid_argument(
                    py,
                    "admin_sig_margin",
                    "too_large",
                    err.to_string(),
                ));
            }
            RestError::Api(e) => {
                kw.set_item("code", code_obj(py, e.code)?)?;
                kw.set_item("info", &e.info)?;
                kw.set_item("error_class", LoginErrorClass::from_core(e.class))?;
                kw.set_item("request_id", e.request_id.as_deref())?;
                kw.set_item("waiting_time", e.waiting_time.map(|d| d.as_secs_f64()))?;
                "ApiError"
            }
            RestError::Transport(e) => {
                let (kind, status, field) = match e {
                    TransportError::Status(s) => ("status", Some(*s), None),
                    TransportError::TooLarge(_) => ("too_large", None, None),
                    TransportError::NotJson(_) => ("not_json", None, None),
                    TransportError::NotAnObject => ("not_an_object", None, None),
                    TransportError::Field(f) => ("field", None, Some(*f)),
                    _ => ("other", None, None),
                };
                kw.set_item("kind", kind)?;
                kw.set_item("status", status)?;
                kw.set_item("field", field)?;
                "TransportError"
            }
            _ => "LoginError",
        };
        build(py, name, err.to_string(), &kw).map(PyErr::from_value)
    })();
    made.unwrap_or_else(|e| e)
}

/// The Python exception (`CallbackError`) for a refused callback, with
/// `kind`, `parameter` and the details of a stale or misdirected callback.
pub(crate) fn callback_error(py: Python<'_>, err: &CallbackError) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        let kind = match err {
            CallbackError::QueryTooLong { .. } => "query_too_long",
            CallbackError::Missing(p) => {
                kw.set_item("parameter", p)?;
                "missing"
            }
            CallbackError::Duplicate(p) => {
                kw.set_item("parameter", p)?;
                "duplicate"
            }
            CallbackError::Malformed(p) => {
                kw.set_item("parameter", p)?;
                "malformed"
            }
            CallbackError::BadSignature => {
                kw.set_item("parameter", "Sign")?;
                "bad_signature"
            }
            CallbackError::Stale {
                request_time,
                now,
                max_skew,
            } => {
                kw.set_item("parameter", "RequestTime")?;
                kw.set_item("request_time", request_time)?;
                kw.set_item("now", now)?;
                kw.set_item("max_skew", max_skew)?;
                "stale"
            }
            CallbackError::AppIdMismatch { expected, found } => {
                kw.set_item("parameter", "SdkAppid")?;
                kw.set_item("expected", expected)?;
                kw.set_item("found", found)?;
                "app_id_mismatch"
            }
            CallbackError::BodyTooLarge { .. } => "body_too_large",
            CallbackError::Body { .. } => "body",
            CallbackError::WrongCommand { .. } => "wrong_command",
            CallbackError::CommandMismatch { .. } => "command_mismatch",
            CallbackError::EmptyToken => {
                kw.set_item("parameter", "token")?;
                "empty_token"
            }
            _ => "other",
        };
        kw.set_item("kind", kind)?;
        build(py, "CallbackError", err.to_string(), &kw).map(PyErr::from_value)
    })();
    made.unwrap_or_else(|e| e)
}

/// The Python exception (`PreflightError`) for a UserSig the server would
/// refuse, with `code` (the server's) and `kind`.
pub(crate) fn preflight_error(py: Python<'_>, err: &PreflightError) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        kw.set_item("code", code_obj(py, err.code())?)?;
        let kind = match err {
            PreflightError::Empty => "empty",
            PreflightError::Malformed(_) => "malformed",
            PreflightError::AppIdMismatch { expected, found } => {
                kw.set_item("expected", expected)?;
                kw.set_item("found", found)?;
                "app_id_mismatch"
            }
            PreflightError::IdentifierMismatch { expected, found } => {
                kw.set_item("expected", expected)?;
                kw.set_item("found", found)?;
                "identifier_mismatch"
            }
            PreflightError::Expired { expired_at, now } => {
                kw.set_item("expired_at", expired_at)?;
                kw.set_item("now", now)?;
                "expired"
            }
            _ => "other",
        };
        kw.set_item("kind", kind)?;
        build(py, "PreflightError", err.to_string(), &kw).map(PyErr::from_value)
    })();
    made.unwrap_or_else(|e| e)
}

/// The Python exception (`SigRefusedError`) for a UserSig the instance
/// table refuses: `code` 70052 (`kind` "revoked") or 70001 ("expired").
pub(crate) fn sig_refused(py: Python<'_>, err: &SigRefused) -> PyErr {
    let made = (|| {
        let kw = PyDict::new(py);
        kw.set_item("code", code_obj(py, err.code())?)?;
        let kind = match err {
            SigRefused::Revoked {
                issued_at,
                kicked_at,
            } => {
                kw.set_item("issued_at", issued_at)?;
                kw.set_item("kicked_at", kicked_at)?;
                "revoked"
            }
            _ => "expired",
        };
        kw.set_item("kind", kind)?;
        build(py, "SigRefusedError", err.to_string(), &kw).map(PyErr::from_value)
    })();
    made.unwrap_or_else(|e| e)
}

/// An `InvalidArgumentError` for a policy value out of range.
pub(crate) fn policy_error(py: Python<'_>, err: &PolicyError) -> PyErr {
    let (argument, kind) = match err {
        PolicyError::WebInstances(_) => ("web_instances", "out_of_range"),
        PolicyError::DevicesPerPlatform(_) => ("devices_per_platform", "out_of_range"),
        _ => ("platform", "unknown"),
    };
    invalid_argument(py, argument, kind, err.to_string())
}
