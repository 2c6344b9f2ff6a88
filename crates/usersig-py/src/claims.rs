//! Read-only result classes: `Claims`, `PrivateMapKeyClaims`, `Inspection`
//! and `PrivateMapKey`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use usersig::{Inspection as CoreInspection, PrivateMapKey as CoreTicket, Room};

/// `repr()` of a Python `str`.
fn repr_str(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_string())
}

/// `repr()` of optional bytes.
fn repr_bytes(py: Python<'_>, b: Option<&[u8]>) -> PyResult<String> {
    match b {
        Some(b) => Ok(PyBytes::new(py, b).repr()?.to_string()),
        None => Ok("None".to_owned()),
    }
}

/// The two Python attributes (`room_id`, `room_str`) of a room.
fn split_room(room: &Room) -> (Option<u32>, Option<String>) {
    match room {
        Room::Id(id) => (Some(*id), None),
        Room::Str(s) => (None, Some(s.clone())),
    }
}

/// `repr()` fragment naming a room.
fn repr_room(py: Python<'_>, room_id: Option<u32>, room_str: Option<&str>) -> PyResult<String> {
    Ok(match (room_id, room_str) {
        (Some(id), _) => format!("room_id={id}"),
        (None, Some(s)) => format!("room_str={}", repr_str(py, s)?),
        (None, None) => "room=None".to_owned(),
    })
}

/// What a verified UserSig says. Every attribute was covered by the MAC.
#[pyclass(frozen, eq, hash, module = "usersig", name = "Claims")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Claims {
    /// The UserID (`TLS.identifier`).
    #[pyo3(get)]
    identifier: String,
    /// The SDKAppID (`TLS.sdkappid`).
    #[pyo3(get)]
    sdkappid: u32,
    /// When it was issued, unix seconds (`TLS.time`).
    #[pyo3(get)]
    issued_at: u64,
    /// Its lifetime in seconds (`TLS.expire`).
    #[pyo3(get)]
    expire: u64,
    /// `issued_at + expire`: the last second at which it is valid.
    #[pyo3(get)]
    expires_at: u64,
    userbuf: Option<Vec<u8>>,
}

impl From<usersig::Claims> for Claims {
    fn from(c: usersig::Claims) -> Self {
        Self {
            identifier: c.identifier,
            sdkappid: c.sdkappid,
            issued_at: c.issued_at,
            expire: c.expire,
            expires_at: c.expires_at,
            userbuf: c.userbuf,
        }
    }
}

#[pymethods]
impl Claims {
    /// The decoded `TLS.userbuf`, or None when the sig carries none.
    #[getter]
    fn userbuf<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.userbuf.as_deref().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Claims(identifier={}, sdkappid={}, issued_at={}, expire={}, expires_at={}, userbuf={})",
            repr_str(py, &self.identifier)?,
            self.sdkappid,
            self.issued_at,
            self.expire,
            self.expires_at,
            repr_bytes(py, self.userbuf.as_deref())?,
        ))
    }
}

/// What a verified PrivateMapKey (TRTC room ticket) says.
///
/// `issued_at`, `expire` and `expires_at` are the sig's own; the ticket
/// inside carries its own absolute expiry, `ticket_expires_at`.
#[pyclass(frozen, eq, hash, module = "usersig", name = "PrivateMapKeyClaims")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PrivateMapKeyClaims {
    /// The UserID (`TLS.identifier`).
    #[pyo3(get)]
    identifier: String,
    /// The SDKAppID (`TLS.sdkappid`).
    #[pyo3(get)]
    sdkappid: u32,
    /// When it was issued, unix seconds (`TLS.time`).
    #[pyo3(get)]
    issued_at: u64,
    /// Its lifetime in seconds (`TLS.expire`).
    #[pyo3(get)]
    expire: u64,
    /// `issued_at + expire`.
    #[pyo3(get)]
    expires_at: u64,
    /// The numeric room id, or None for a string room.
    #[pyo3(get)]
    room_id: Option<u32>,
    /// The string room id, or None for a numeric room.
    #[pyo3(get)]
    room_str: Option<String>,
    /// The privilege bit map (255: every privilege).
    #[pyo3(get)]
    privileges: u32,
    /// The ticket's own expiry, unix seconds: the 32 bits it stores, read as
    /// the one time they stand for in the 2^32 seconds from `issued_at` on
    /// (past 2106 too). The ticket is valid until the earlier of this and
    /// `expires_at`.
    #[pyo3(get)]
    ticket_expires_at: u64,
    ticket: Vec<u8>,
}

impl From<usersig::PrivateMapKeyClaims> for PrivateMapKeyClaims {
    fn from(c: usersig::PrivateMapKeyClaims) -> Self {
        let (room_id, room_str) = split_room(&c.room);
        Self {
            identifier: c.claims.identifier,
            sdkappid: c.claims.sdkappid,
            issued_at: c.claims.issued_at,
            expire: c.claims.expire,
            expires_at: c.claims.expires_at,
            room_id,
            room_str,
            privileges: c.privileges.bits(),
            ticket_expires_at: c.ticket_expires_at,
            ticket: c.claims.userbuf.unwrap_or_default(),
        }
    }
}

#[pymethods]
impl PrivateMapKeyClaims {
    /// The raw ticket (`TLS.userbuf`, decoded).
    #[getter]
    fn userbuf<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.ticket)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PrivateMapKeyClaims(identifier={}, sdkappid={}, {}, privileges={}, issued_at={}, expires_at={}, ticket_expires_at={})",
            repr_str(py, &self.identifier)?,
            self.sdkappid,
            repr_room(py, self.room_id, self.room_str.as_deref())?,
            self.privileges,
            self.issued_at,
            self.expires_at,
            self.ticket_expires_at,
        ))
    }
}

/// A PrivateMapKey ticket decoded from a userbuf, without any check of the
/// sig that carries it.
#[pyclass(frozen, eq, hash, module = "usersig", name = "PrivateMapKey")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PrivateMapKey {
    /// The UserID the ticket was issued to.
    #[pyo3(get)]
    account: String,
    /// The SDKAppID the ticket was issued for.
    #[pyo3(get)]
    sdkappid: u32,
    /// The numeric room id, or None for a string room.
    #[pyo3(get)]
    room_id: Option<u32>,
    /// The string room id, or None for a numeric room.
    #[pyo3(get)]
    room_str: Option<String>,
    /// Absolute expiry, unix seconds truncated to 32 bits.
    #[pyo3(get)]
    expires_at: u32,
    /// The privilege bit map, unknown bits kept.
    #[pyo3(get)]
    privileges: u32,
    /// Account type; 0 in every ticket the official libraries issue.
    #[pyo3(get)]
    account_type: u32,
}

impl From<CoreTicket> for PrivateMapKey {
    fn from(t: CoreTicket) -> Self {
        let (room_id, room_str) = split_room(&t.room);
        Self {
            account: t.account,
            sdkappid: t.sdkappid,
            room_id,
            room_str,
            expires_at: t.expires_at,
            privileges: t.privileges.bits(),
            account_type: t.account_type,
        }
    }
}

#[pymethods]
impl PrivateMapKey {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PrivateMapKey(account={}, sdkappid={}, {}, privileges={}, expires_at={})",
            repr_str(py, &self.account)?,
            self.sdkappid,
            repr_room(py, self.room_id, self.room_str.as_deref())?,
            self.privileges,
            self.expires_at,
        ))
    }
}

/// A UserSig decoded WITHOUT checking its MAC, for diagnostics only.
///
/// Nothing here is authenticated: use it to find out why a login fails
/// (wrong app id, wrong UserID, expired), never to decide whether to trust a
/// sig. For that, use `Verifier`.
#[pyclass(frozen, module = "usersig", name = "Inspection")]
pub(crate) struct Inspection {
    /// `TLS.ver`.
    #[pyo3(get)]
    version: String,
    /// `TLS.identifier`.
    #[pyo3(get)]
    identifier: String,
    /// `TLS.sdkappid` (not range-checked: any unsigned 64-bit value).
    #[pyo3(get)]
    sdkappid: u64,
    /// `TLS.time`, unix seconds.
    #[pyo3(get)]
    issued_at: u64,
    /// `TLS.expire`, seconds.
    #[pyo3(get)]
    expire: u64,
    /// `issued_at + expire`, or None when that overflows 64 bits.
    #[pyo3(get)]
    expires_at: Option<u64>,
    /// `TLS.sig` as found: the standard base64 of the MAC.
    #[pyo3(get)]
    sig: String,
    /// The inflated JSON document.
    #[pyo3(get)]
    json: String,
    /// The userbuf read as a PrivateMapKey, or None (no userbuf, or one that
    /// is not a valid ticket).
    #[pyo3(get)]
    private_map_key: Option<Py<PrivateMapKey>>,
    userbuf: Option<Vec<u8>>,
    zlib_header: [u8; 2],
    compression: &'static str,
}

impl Inspection {
    /// Wraps a core inspection.
    pub(crate) fn new(py: Python<'_>, i: CoreInspection) -> PyResult<Self> {
        let compression = i.compression();
        let private_map_key = match i.private_map_key {
            Some(Ok(t)) => Some(Py::new(py, PrivateMapKey::from(t))?),
            _ => None,
        };
        Ok(Self {
            version: i.version,
            identifier: i.identifier,
            sdkappid: i.sdkappid,
            issued_at: i.issued_at,
            expire: i.expire,
            expires_at: i.expires_at,
            sig: i.sig,
            json: i.json,
            private_map_key,
            userbuf: i.userbuf,
            zlib_header: i.zlib_header,
            compression,
        })
    }
}

#[pymethods]
impl Inspection {
    /// The decoded `TLS.userbuf`, or None.
    #[getter]
    fn userbuf<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.userbuf.as_deref().map(|b| PyBytes::new(py, b))
    }

    /// The two zlib header bytes (they tell the compression level used).
    #[getter]
    fn zlib_header<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.zlib_header)
    }

    /// A name for the compression level in the zlib header.
    #[getter]
    fn compression(&self) -> &'static str {
        self.compression
    }

    /// Whether the sig is expired at `now` by Tencent's rule (`now > time + expire`).
    fn is_expired_at(&self, py: Python<'_>, now: crate::args::Int) -> PyResult<bool> {
        let now = now.u64(py, "now")?;
        Ok(self.expires_at.is_none_or(|e| now > e))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let expires_at = self
            .expires_at
            .map_or_else(|| "None".to_owned(), |e| e.to_string());
        Ok(format!(
            "Inspection(identifier={}, sdkappid={}, issued_at={}, expire={}, expires_at={}, userbuf={})",
            repr_str(py, &self.identifier)?,
            self.sdkappid,
            self.issued_at,
            self.expire,
            expires_at,
            repr_bytes(py, self.userbuf.as_deref())?,
        ))
    }
}
