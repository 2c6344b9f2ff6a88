//! `Signer`: issues UserSigs and PrivateMapKeys.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use usersig::{Compression, DEFAULT_EXPIRE, Privileges, Room};

use crate::args::{Int, binary, capped_str, now_or_clock, secret_key, type_name, with_index};
use crate::errors::{IntoPyResult, exception, invalid_argument};

/// Name of a compression, as Python spells it.
fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::Zlib => "zlib",
        Compression::Stored => "stored",
        _ => "default",
    }
}

/// The room of a PrivateMapKey call: exactly one of `room_id` and `room_str`.
pub(crate) fn room_arg(
    py: Python<'_>,
    room_id: Option<Int>,
    room_str: Option<&Bound<'_, PyAny>>,
) -> PyResult<Room> {
    // A string room is at most MAX_ROOM_STR_LEN bytes: measured first.
    let room_str = match room_str {
        None => None,
        Some(obj) => {
            let s = obj.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!("room_str must be str, not {}", type_name(obj)))
            })?;
            let too_long = |_| {
                crate::errors::to_pyerr(
                    py,
                    &usersig::InvalidArgument::InvalidRoomStr("is longer than 64 bytes").into(),
                )
            };
            Some(capped_str(s, usersig::MAX_ROOM_STR_LEN, too_long)?.into_owned())
        }
    };
    match (room_id, room_str) {
        (Some(id), None) => {
            let id = match id {
                Int::Value(v) => u32::try_from(v).ok(),
                _ => None,
            }
            .ok_or_else(|| {
                crate::errors::to_pyerr(py, &usersig::InvalidArgument::InvalidRoomId.into())
            })?;
            Ok(Room::Id(id))
        }
        (None, Some(s)) => Ok(Room::Str(s)),
        _ => Err(PyTypeError::new_err(
            "give exactly one of room_id (int) and room_str (str)",
        )),
    }
}

/// Issues UserSigs for one SDKAppID.
///
/// ``Signer(sdkappid, key, *, compression="default")``: ``key`` is the app's
/// secret key as the console shows it (``str``, used as its UTF-8 bytes like
/// every official library does, or ``bytes``). ``compression`` is
/// ``"default"`` (a fast one-pass deflate, as short as zlib level 6),
/// ``"zlib"`` (zlib level 6, what the official Python library produces) or
/// ``"stored"`` (no compression, like the official Go library). The key is never shown by ``repr()`` nor put in an exception.
///
/// Build one ``Signer`` and share it: it is immutable and thread-safe.
#[pyclass(frozen, module = "usersig", name = "Signer")]
pub(crate) struct Signer {
    inner: usersig::Signer,
}

#[pymethods]
impl Signer {
    #[new]
    #[pyo3(
        signature = (sdkappid, key, *, compression = "default".to_owned()),
        text_signature = "(sdkappid, key, *, compression='default')"
    )]
    fn new(
        py: Python<'_>,
        sdkappid: Int,
        key: &Bound<'_, PyAny>,
        compression: String,
    ) -> PyResult<Self> {
        let sdkappid = sdkappid.u32(py, "sdkappid")?;
        let compression = match compression.as_str() {
            "default" => Compression::Default,
            "zlib" => Compression::Zlib,
            "stored" => Compression::Stored,
            _ => {
                return Err(invalid_argument(
                    py,
                    "compression",
                    "unknown",
                    "compression must be \"default\", \"zlib\" or \"stored\"".to_owned(),
                ));
            }
        };
        let key = secret_key(py, key)?;
        let inner = usersig::Signer::new(sdkappid, &key)
            .py(py)?
            .with_compression(compression);
        Ok(Self { inner })
    }

    /// The SDKAppID this signer issues for.
    #[getter]
    fn sdkappid(&self) -> u32 {
        self.inner.sdkappid()
    }

    /// The compression in use: "default", "zlib" or "stored".
    #[getter]
    fn compression(&self) -> &'static str {
        compression_name(self.inner.compression())
    }

    /// Issues a UserSig for ``identifier`` valid for ``expire`` seconds
    /// (default 180 days, like the official Python library).
    ///
    /// ``userbuf`` (bytes) is carried in the sig and signed with it. ``now``
    /// (unix seconds) replaces the system clock, for tests.
    #[pyo3(
        signature = (identifier, expire = Int::Value(DEFAULT_EXPIRE), *, userbuf = None, now = None),
        text_signature = "($self, identifier, expire=15552000, *, userbuf=None, now=None)"
    )]
    fn sign(
        &self,
        py: Python<'_>,
        identifier: &Bound<'_, PyAny>,
        expire: Int,
        userbuf: Option<&Bound<'_, PyAny>>,
        now: Option<Int>,
    ) -> PyResult<String> {
        let identifier = &*crate::args::identifier(py, identifier, usersig::MAX_IDENTIFIER_LEN)?;
        let expire = expire.u64(py, "expire")?;
        let now = now_or_clock(py, now)?;
        match userbuf {
            None => self.inner.sign_at(identifier, expire, now),
            Some(b) => {
                let buf = binary(b, "userbuf")?;
                self.inner
                    .sign_with_userbuf_at(identifier, expire, &buf, now)
            }
        }
        .py(py)
    }

    /// Issues a PrivateMapKey: a TRTC room ticket for ``identifier`` in one
    /// room (give exactly one of ``room_id`` and ``room_str``) with the
    /// ``privileges`` bit map (default 255, every privilege), valid for
    /// ``expire`` seconds.
    // One parameter per Python keyword argument.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(
        signature = (identifier, expire, *, room_id = None, room_str = None, privileges = Int::Value(255), now = None),
        text_signature = "($self, identifier, expire, *, room_id=None, room_str=None, privileges=255, now=None)"
    )]
    fn sign_private_map_key(
        &self,
        py: Python<'_>,
        identifier: &Bound<'_, PyAny>,
        expire: Int,
        room_id: Option<Int>,
        room_str: Option<&Bound<'_, PyAny>>,
        privileges: Int,
        now: Option<Int>,
    ) -> PyResult<String> {
        let identifier = &*crate::args::identifier(py, identifier, usersig::MAX_IDENTIFIER_LEN)?;
        let expire = expire.u64(py, "expire")?;
        let room = room_arg(py, room_id, room_str)?;
        let bits = privileges.u32(py, "privileges")?;
        let privileges =
            Privileges::from_map(bits).map_err(|e| crate::errors::to_pyerr(py, &e.into()))?;
        let now = now_or_clock(py, now)?;
        self.inner
            .sign_private_map_key_at(identifier, expire, &room, privileges, now)
            .py(py)
    }

    /// Issues one UserSig per identifier, all with the same ``expire`` and
    /// ``now``, with the GIL released while signing. Returns a list in the
    /// order of ``identifiers``.
    ///
    /// Raises the error of the first identifier that cannot be signed (a
    /// ``str`` with no UTF-8 form raises ``UnicodeEncodeError``, as ``sign``
    /// does); its ``index`` attribute gives that identifier's position.
    #[pyo3(
        signature = (identifiers, expire = Int::Value(DEFAULT_EXPIRE), *, now = None),
        text_signature = "($self, identifiers, expire=15552000, *, now=None)"
    )]
    fn sign_many<'py>(
        &self,
        py: Python<'py>,
        identifiers: &Bound<'py, PyAny>,
        expire: Int,
        now: Option<Int>,
    ) -> PyResult<Bound<'py, PyList>> {
        let expire = expire.u64(py, "expire")?;
        let now = now_or_clock(py, now)?;
        if identifiers.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "identifiers must be an iterable of str, not a str",
            ));
        }
        // The identifiers are read in place while signing: `items` keeps each
        // `str` alive and `str`s are immutable, so no copy is made under the GIL.
        let mut items = Vec::new();
        for (i, item) in identifiers.try_iter()?.enumerate() {
            let item = item?;
            let item = item.cast_into::<PyString>().map_err(|e| {
                PyTypeError::new_err(format!(
                    "identifiers[{i}] must be str, not {}",
                    type_name(e.into_inner().as_any())
                ))
            })?;
            // Measured before it is encoded, as `sign` does.
            let n = item.len()?;
            if n > usersig::MAX_IDENTIFIER_LEN {
                let e = crate::errors::to_pyerr(
                    py,
                    &usersig::InvalidArgument::IdentifierTooLong {
                        len: n,
                        max: usersig::MAX_IDENTIFIER_LEN,
                    }
                    .into(),
                );
                return Err(with_index(py, e, i));
            }
            // A `str` with a lone surrogate has no UTF-8 form: the same
            // UnicodeEncodeError as `sign`, with the position of the item.
            item.to_str().map_err(|e| with_index(py, e, i))?;
            items.push(item);
        }
        let ids = items
            .iter()
            .map(|s| s.to_str())
            .collect::<PyResult<Vec<&str>>>()?;
        let signer = &self.inner;
        let signed = py.detach(|| {
            ids.iter()
                .enumerate()
                .map(|(i, id)| signer.sign_at(id, expire, now).map_err(|e| (i, e)))
                .collect::<Result<Vec<String>, _>>()
        });
        match signed {
            Ok(sigs) => PyList::new(py, sigs),
            Err((i, e)) => {
                let exc = exception(py, &e)?;
                exc.setattr("index", i)?;
                Err(PyErr::from_value(exc))
            }
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Signer(sdkappid={}, compression='{}')",
            self.inner.sdkappid(),
            compression_name(self.inner.compression())
        )
    }
}
