//! Decoding a UserSig without the key, for diagnostics.

use crate::codec;
use crate::error::{Error, Malformed};
use crate::privmap::{PrivateMapKey, PrivateMapKeyError};

/// A UserSig decoded **without** checking its MAC.
///
/// Nothing here is authenticated: use it to find out why a login fails
/// (wrong app id, wrong UserID, expired), never to decide whether to trust
/// a sig. For that, use [`crate::Verifier`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// `TLS.ver`.
    pub version: String,
    /// `TLS.identifier`.
    pub identifier: String,
    /// `TLS.sdkappid`.
    pub sdkappid: u64,
    /// `TLS.time`, unix seconds.
    pub issued_at: u64,
    /// `TLS.expire`, seconds.
    pub expire: u64,
    /// `issued_at + expire`, or `None` when that overflows.
    pub expires_at: Option<u64>,
    /// The decoded `TLS.userbuf`, if present.
    pub userbuf: Option<Vec<u8>>,
    /// The userbuf read as a PrivateMapKey, when there is a userbuf.
    pub private_map_key: Option<Result<PrivateMapKey, PrivateMapKeyError>>,
    /// `TLS.sig` as found (standard base64 of the MAC).
    pub sig: String,
    /// The zlib header bytes, which tell the compression level used.
    pub zlib_header: [u8; 2],
    /// The inflated JSON document.
    pub json: String,
}

impl Inspection {
    /// Whether the sig is expired at `now` by Tencent's rule (`now > time + expire`).
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|e| now > e)
    }

    /// The room ticket's own expiry in full, when the userbuf is a
    /// PrivateMapKey ([`PrivateMapKey::expiry_after`] of `TLS.time`).
    pub fn ticket_expires_at(&self) -> Option<u64> {
        match &self.private_map_key {
            Some(Ok(p)) => Some(p.expiry_after(self.issued_at)),
            _ => None,
        }
    }

    /// What the level flag of the zlib header says about the compressor,
    /// for instance `default level (zlib level 6, or usersig's default mode)`.
    pub fn compression(&self) -> &'static str {
        match self.zlib_header.get(1).map(|b| b >> 6) {
            Some(0) => "fastest level (zlib level 0 or 1, or stored blocks)",
            Some(1) => "fast level (zlib level 2 to 5)",
            Some(2) => "default level (zlib level 6, or usersig's default mode)",
            _ => "maximum level (zlib level 7 to 9)",
        }
    }
}

/// Decodes a UserSig without the key.
///
/// # Errors
/// [`Error::Malformed`] when it cannot be decoded.
pub fn inspect(sig: impl AsRef<[u8]>) -> Result<Inspection, Error> {
    codec::with_doc(sig.as_ref(), |doc, layers| {
        let userbuf = match &doc.userbuf {
            Some(b) => Some(codec::b64_field(b).ok_or(Malformed::UserBufEncoding)?),
            None => None,
        };
        let private_map_key = userbuf.as_deref().map(PrivateMapKey::decode);
        let mut zlib_header = [0u8; 2];
        if let Some(h) = layers.zlib.get(..2) {
            zlib_header.copy_from_slice(h);
        }
        Ok(Inspection {
            // Strings skipped as unknown fields are not checked for UTF-8.
            json: String::from_utf8_lossy(layers.json).into_owned(),
            version: doc.ver.into_owned(),
            identifier: doc.identifier.into_owned(),
            sdkappid: doc.sdkappid,
            issued_at: doc.time,
            expire: doc.expire,
            expires_at: doc.time.checked_add(doc.expire),
            userbuf,
            private_map_key,
            sig: doc.sig.into_owned(),
            zlib_header,
        })
    })?
}
