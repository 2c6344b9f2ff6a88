//! `Verifier`: checks UserSigs and PrivateMapKeys.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::args::{Int, binary, now_or_clock, secret_key, sig_bytes, type_name, with_index};
use crate::claims::{Claims, PrivateMapKeyClaims};
use crate::errors::{IntoPyResult, exception};
use crate::signer::room_arg;

/// Verifies UserSigs for one SDKAppID.
///
/// ``Verifier(sdkappid, key, *, leeway=0, max_future=None)``: a sig is
/// expired when ``now > TLS.time + TLS.expire + leeway`` (Tencent's rule with
/// the default leeway 0). When ``max_future`` is set, a sig issued more than
/// that many seconds after ``now`` is refused (``IssuedInFutureError``); by
/// default, like the official verifiers, it is not.
///
/// Each failure raises its own subclass of ``UserSigError``. The key is never
/// shown by ``repr()`` nor put in an exception.
/// An item of `verify_many`, held while the GIL is released.
enum Held<'py> {
    /// An identifier and a sig, read in place.
    Pair(Bound<'py, PyString>, Bound<'py, PyAny>),
    /// Code points of the identifier and of a `str` sig, one of them over its cap.
    TooLong(usize, usize),
}

#[pyclass(frozen, module = "usersig", name = "Verifier")]
pub(crate) struct Verifier {
    inner: usersig::Verifier,
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(
        signature = (sdkappid, key, *, leeway = Int::Value(0), max_future = None),
        text_signature = "(sdkappid, key, *, leeway=0, max_future=None)"
    )]
    fn new(
        py: Python<'_>,
        sdkappid: Int,
        key: &Bound<'_, PyAny>,
        leeway: Int,
        max_future: Option<Int>,
    ) -> PyResult<Self> {
        let sdkappid = sdkappid.u32(py, "sdkappid")?;
        let leeway = leeway.u64(py, "leeway")?;
        let max_future = max_future.map(|m| m.u64(py, "max_future")).transpose()?;
        let key = secret_key(py, key)?;
        let mut inner = usersig::Verifier::new(sdkappid, &key)
            .py(py)?
            .with_leeway(leeway);
        if let Some(m) = max_future {
            inner = inner.with_max_future(m);
        }
        Ok(Self { inner })
    }

    /// The SDKAppID this verifier accepts.
    #[getter]
    fn sdkappid(&self) -> u32 {
        self.inner.sdkappid()
    }

    /// Seconds a sig is still accepted after its expiry.
    #[getter]
    fn leeway(&self) -> u64 {
        self.inner.leeway()
    }

    /// The limit on issue times in the future, or None.
    #[getter]
    fn max_future(&self) -> Option<u64> {
        self.inner.max_future()
    }

    /// Verifies a UserSig for ``identifier`` and returns its ``Claims``.
    ///
    /// Without ``userbuf``, a sig carrying a userbuf is refused
    /// (``UnexpectedUserBufError``: a room ticket is not a login credential).
    /// With ``userbuf``, the sig must carry exactly those bytes. ``now`` (unix
    /// seconds) replaces the system clock.
    #[pyo3(
        signature = (identifier, sig, *, userbuf = None, now = None),
        text_signature = "($self, identifier, sig, *, userbuf=None, now=None)"
    )]
    fn verify(
        &self,
        py: Python<'_>,
        identifier: &Bound<'_, PyAny>,
        sig: &Bound<'_, PyAny>,
        userbuf: Option<&Bound<'_, PyAny>>,
        now: Option<Int>,
    ) -> PyResult<Claims> {
        let identifier = &*crate::args::identifier(py, identifier, usersig::MAX_JSON_LEN)?;
        let sig = sig_bytes(sig)?;
        let now = now_or_clock(py, now)?;
        match userbuf {
            None => self.inner.verify_at(identifier, &sig, now),
            Some(b) => {
                let buf = binary(b, "userbuf")?;
                self.inner
                    .verify_with_userbuf_at(identifier, &sig, &buf, now)
            }
        }
        .py(py)
        .map(Claims::from)
    }

    /// Verifies a PrivateMapKey for ``identifier`` and one room (give exactly
    /// one of ``room_id`` and ``room_str``).
    ///
    /// The ticket must name the sig's UserID and SDKAppID and the expected
    /// room; the sig is expired when its own expiry or the ticket's has passed.
    #[pyo3(
        signature = (identifier, sig, *, room_id = None, room_str = None, now = None),
        text_signature = "($self, identifier, sig, *, room_id=None, room_str=None, now=None)"
    )]
    fn verify_private_map_key(
        &self,
        py: Python<'_>,
        identifier: &Bound<'_, PyAny>,
        sig: &Bound<'_, PyAny>,
        room_id: Option<Int>,
        room_str: Option<&Bound<'_, PyAny>>,
        now: Option<Int>,
    ) -> PyResult<PrivateMapKeyClaims> {
        let identifier = &*crate::args::identifier(py, identifier, usersig::MAX_JSON_LEN)?;
        let sig = sig_bytes(sig)?;
        let room = room_arg(py, room_id, room_str)?;
        let now = now_or_clock(py, now)?;
        self.inner
            .verify_private_map_key_at(identifier, &room, &sig, now)
            .py(py)
            .map(PrivateMapKeyClaims::from)
    }

    /// Verifies many ``(identifier, sig)`` pairs with the GIL released.
    ///
    /// Returns a list in the order of ``items`` holding, for each pair, its
    /// ``Claims`` or the ``UserSigError`` it would raise (returned, not
    /// raised). A pair of the wrong type raises ``TypeError``.
    #[pyo3(signature = (items, *, now = None), text_signature = "($self, items, *, now=None)")]
    fn verify_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
        now: Option<Int>,
    ) -> PyResult<Bound<'py, PyList>> {
        let now = now_or_clock(py, now)?;
        // Identifiers and sigs are read in place while verifying: `held`
        // keeps every `str` and `bytes` alive, and both are immutable, so
        // nothing is copied under the GIL.
        let mut held = Vec::new();
        for (i, item) in items.try_iter()?.enumerate() {
            let item = item?;
            let pair = item.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "items[{i}] must be a tuple (identifier: str, sig: str | bytes), not {}",
                    type_name(&item)
                ))
            })?;
            if pair.len() != 2 {
                return Err(PyTypeError::new_err(format!(
                    "items[{i}] must be a tuple of 2 (identifier: str, sig: str | bytes), not of {}",
                    pair.len()
                )));
            }
            let id = pair.get_item(0)?;
            let id = id.cast_into::<PyString>().map_err(|e| {
                PyTypeError::new_err(format!(
                    "items[{i}][0] (the identifier) must be str, not {}",
                    type_name(e.into_inner().as_any())
                ))
            })?;
            let sig = pair.get_item(1)?;
            if !sig.is_instance_of::<PyString>() && !sig.is_instance_of::<PyBytes>() {
                return Err(PyTypeError::new_err(format!(
                    "items[{i}][1] (the sig) must be str or bytes, not {}",
                    type_name(&sig)
                )));
            }
            // Measured before anything is encoded, as in `verify`; an item
            // that cannot be a sig or an identifier gets its error in place.
            let id_chars = id.len()?;
            let sig_chars = match sig.cast::<PyString>() {
                Ok(s) => s.len()?,
                Err(_) => 0,
            };
            if id_chars > usersig::MAX_JSON_LEN || sig_chars > usersig::MAX_SIG_LEN {
                held.push(Held::TooLong(id_chars, sig_chars));
                continue;
            }
            // As in `sign_many`: no UTF-8 form, the UnicodeEncodeError of
            // `verify`, with the position of the item.
            if let Err(e) = id.to_str() {
                return Err(with_index(py, e, i));
            }
            held.push(Held::Pair(id, sig));
        }
        let mut pairs = Vec::with_capacity(held.len());
        for h in &held {
            pairs.push(match h {
                Held::Pair(id, sig) => Ok((id.to_str()?, sig_bytes(sig)?)),
                Held::TooLong(id_chars, sig_chars) => Err((*id_chars, *sig_chars)),
            });
        }
        let verifier = &self.inner;
        let results = py.detach(|| {
            pairs
                .iter()
                .map(|p| match p {
                    Ok((id, sig)) => Ok(verifier.verify_at(id, sig, now)),
                    Err(lens) => Err(*lens),
                })
                .collect::<Vec<_>>()
        });
        let out = PyList::empty(py);
        for r in results {
            match r {
                Ok(Ok(c)) => out.append(Claims::from(c))?,
                Ok(Err(e)) => out.append(exception(py, &e)?)?,
                Err((id_chars, sig_chars)) => {
                    let e = if id_chars > usersig::MAX_JSON_LEN {
                        crate::args::identifier_too_long(py, id_chars, usersig::MAX_JSON_LEN)
                    } else {
                        crate::errors::malformed_too_long(py, sig_chars)
                    };
                    out.append(e.value(py))?;
                }
            }
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let max_future = self
            .inner
            .max_future()
            .map_or_else(|| "None".to_owned(), |m| m.to_string());
        format!(
            "Verifier(sdkappid={}, leeway={}, max_future={})",
            self.inner.sdkappid(),
            self.inner.leeway(),
            max_future
        )
    }
}
