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
#[pyclass(frozen, module = "usersig", name = "Verifier")]
pub(crate) struct Verifier {
    inner: usersig::Verifier,
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (sdkappid, key, *, leeway = Int::Value(0), max_future = None))]
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
    #[pyo3(signature = (identifier, sig, *, userbuf = None, now = None))]
    fn verify(
        &self,
        py: Python<'_>,
        identifier: &str,
        sig: &Bound<'_, PyAny>,
        userbuf: Option<&Bound<'_, PyAny>>,
        now: Option<Int>,
    ) -> PyResult<Claims> {
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
    #[pyo3(signature = (identifier, sig, *, room_id = None, room_str = None, now = None))]
    fn verify_private_map_key(
        &self,
        py: Python<'_>,
        identifier: &str,
        sig: &Bound<'_, PyAny>,
        room_id: Option<Int>,
        room_str: Option<String>,
        now: Option<Int>,
    ) -> PyResult<PrivateMapKeyClaims> {
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
    #[pyo3(signature = (items, *, now = None))]
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
            let bad = || {
                PyTypeError::new_err(format!(
                    "items[{i}] must be an (identifier: str, sig: str | bytes) pair, not {}",
                    type_name(&item)
                ))
            };
            let pair = item.cast::<PyTuple>().map_err(|_| bad())?;
            if pair.len() != 2 {
                return Err(bad());
            }
            let id = pair
                .get_item(0)?
                .cast_into::<PyString>()
                .map_err(|_| bad())?;
            let sig = pair.get_item(1)?;
            if !sig.is_instance_of::<PyString>() && !sig.is_instance_of::<PyBytes>() {
                return Err(bad());
            }
            // As in `sign_many`: no UTF-8 form, the UnicodeEncodeError of
            // `verify`, with the position of the item.
            if let Err(e) = id.to_str() {
                return Err(with_index(py, e, i));
            }
            held.push((id, sig));
        }
        let mut pairs = Vec::with_capacity(held.len());
        for (id, sig) in &held {
            pairs.push((id.to_str()?, sig_bytes(sig)?));
        }
        let verifier = &self.inner;
        let results = py.detach(|| {
            pairs
                .iter()
                .map(|(id, sig)| verifier.verify_at(id, sig, now))
                .collect::<Vec<_>>()
        });
        let out = PyList::empty(py);
        for r in results {
            match r {
                Ok(c) => out.append(Claims::from(c))?,
                Err(e) => out.append(exception(py, &e)?)?,
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
