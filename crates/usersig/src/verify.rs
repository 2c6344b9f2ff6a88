//! Verifying UserSigs.

use core::fmt;

use hmac::Mac;

use crate::codec::{self, HmacSha256};
use crate::doc::RawDoc;
use crate::error::{Error, InvalidArgument, Malformed};
use crate::key::SecretKey;
use crate::privmap::{PrivateMapKey, PrivateMapKeyError, Privileges, Room};
use crate::{MAX_JSON_LEN, unix_now};

/// What a verified UserSig says. Every field was covered by the MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// `TLS.identifier`: the UserID.
    pub identifier: String,
    /// `TLS.sdkappid`.
    pub sdkappid: u32,
    /// `TLS.time`: when it was issued, unix seconds.
    pub issued_at: u64,
    /// `TLS.expire`: its lifetime in seconds.
    pub expire: u64,
    /// `issued_at + expire`: the last second at which it is valid.
    pub expires_at: u64,
    /// The decoded `TLS.userbuf`, when the sig carries one.
    pub userbuf: Option<Vec<u8>>,
}

/// What a verified PrivateMapKey says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrivateMapKeyClaims {
    /// The sig's own claims (`userbuf` holds the raw ticket).
    pub claims: Claims,
    /// The room the ticket opens.
    pub room: Room,
    /// What the holder may do there.
    pub privileges: Privileges,
    /// The ticket's own absolute expiry, unix seconds: the 32 bits the ticket
    /// stores, read as the one time they can stand for in the 2^32 seconds
    /// from `TLS.time` on ([`PrivateMapKey::expiry_after`]).
    pub ticket_expires_at: u64,
}

impl PrivateMapKeyClaims {
    /// The last second at which the ticket is valid: the earlier of the
    /// sig's expiry (`TLS.time + TLS.expire`) and the ticket's own.
    pub fn expires_at(&self) -> u64 {
        self.claims.expires_at.min(self.ticket_expires_at)
    }
}

/// Verifies UserSigs for one SDKAppID.
///
/// Order of checks (each failure is its own [`Error`] variant): input length
/// cap, alphabet (URL-safe variant or standard, padding optional), base64,
/// zlib with an output cap, strict JSON, the MAC compared in constant time,
/// and only then the app id, the identifier, the userbuf and the expiry.
///
/// Options and their defaults:
/// - `leeway`: 0 s. A sig is expired when `now > TLS.time + TLS.expire + leeway`
///   (Tencent's rule, the same as the official verifiers with leeway 0).
/// - `max_future`: none. When set, a sig whose `TLS.time` is more than that
///   many seconds after `now` is refused with [`Error::IssuedInFuture`]; the
///   official verifiers never refuse it.
#[derive(Clone)]
pub struct Verifier {
    sdkappid: u32,
    mac: HmacSha256,
    leeway: u64,
    max_future: Option<u64>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"[redacted]")
            .field("leeway", &self.leeway)
            .field("max_future", &self.max_future)
            .finish()
    }
}

enum UserBufRule<'a> {
    None,
    Exactly(&'a [u8]),
    PrivateMapKey(&'a Room),
}

impl Verifier {
    /// A verifier for `sdkappid` with the app's secret key.
    ///
    /// # Errors
    /// [`InvalidArgument::ZeroAppId`](crate::InvalidArgument::ZeroAppId) for app id 0.
    pub fn new(sdkappid: u32, key: &SecretKey) -> Result<Self, Error> {
        Ok(Self {
            sdkappid,
            mac: codec::app_mac(sdkappid, key.expose())?,
            leeway: 0,
            max_future: None,
        })
    }

    /// Accepts sigs up to `seconds` past their expiry (default 0).
    #[must_use]
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Refuses sigs issued more than `seconds` after `now` (default: no limit).
    #[must_use]
    pub fn with_max_future(mut self, seconds: u64) -> Self {
        self.max_future = Some(seconds);
        self
    }

    /// The SDKAppID this verifier accepts.
    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// The leeway in seconds.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// The limit on issue times in the future, if any.
    pub fn max_future(&self) -> Option<u64> {
        self.max_future
    }

    /// Verifies a login UserSig for `identifier` now. A sig carrying a
    /// userbuf fails with [`Error::UnexpectedUserBuf`].
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails.
    pub fn verify(&self, identifier: &str, sig: impl AsRef<[u8]>) -> Result<Claims, Error> {
        self.verify_at(identifier, sig, unix_now())
    }

    /// [`Verifier::verify`] at the given time (unix seconds).
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails.
    pub fn verify_at(
        &self,
        identifier: &str,
        sig: impl AsRef<[u8]>,
        now: u64,
    ) -> Result<Claims, Error> {
        self.check(identifier, sig.as_ref(), now, UserBufRule::None)
            .map(|(c, _)| c)
    }

    /// Verifies a UserSig that must carry exactly `userbuf`.
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails
    /// ([`Error::MissingUserBuf`], [`Error::UserBufMismatch`] among them).
    pub fn verify_with_userbuf(
        &self,
        identifier: &str,
        sig: impl AsRef<[u8]>,
        userbuf: &[u8],
    ) -> Result<Claims, Error> {
        self.verify_with_userbuf_at(identifier, sig, userbuf, unix_now())
    }

    /// [`Verifier::verify_with_userbuf`] at the given time (unix seconds).
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails.
    pub fn verify_with_userbuf_at(
        &self,
        identifier: &str,
        sig: impl AsRef<[u8]>,
        userbuf: &[u8],
        now: u64,
    ) -> Result<Claims, Error> {
        self.check(identifier, sig.as_ref(), now, UserBufRule::Exactly(userbuf))
            .map(|(c, _)| c)
    }

    /// Verifies a PrivateMapKey for `identifier` and `room`.
    ///
    /// Beyond [`Verifier::verify`]: the userbuf must decode as a ticket whose
    /// account and app id are the sig's, for the expected room; the sig is
    /// expired when either its own expiry or the ticket's has passed.
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails
    /// ([`Error::RoomMismatch`] for another room).
    pub fn verify_private_map_key(
        &self,
        identifier: &str,
        room: &Room,
        sig: impl AsRef<[u8]>,
    ) -> Result<PrivateMapKeyClaims, Error> {
        self.verify_private_map_key_at(identifier, room, sig, unix_now())
    }

    /// [`Verifier::verify_private_map_key`] at the given time (unix seconds).
    ///
    /// # Errors
    /// The [`Error`] variant of the first check that fails.
    pub fn verify_private_map_key_at(
        &self,
        identifier: &str,
        room: &Room,
        sig: impl AsRef<[u8]>,
        now: u64,
    ) -> Result<PrivateMapKeyClaims, Error> {
        let (claims, ticket) = self.check(
            identifier,
            sig.as_ref(),
            now,
            UserBufRule::PrivateMapKey(room),
        )?;
        let ticket = ticket.ok_or(Error::MissingUserBuf)?;
        Ok(PrivateMapKeyClaims {
            ticket_expires_at: ticket.expiry_after(claims.issued_at),
            room: ticket.room,
            privileges: ticket.privileges,
            claims,
        })
    }

    fn check(
        &self,
        identifier: &str,
        sig: &[u8],
        now: u64,
        rule: UserBufRule<'_>,
    ) -> Result<(Claims, Option<PrivateMapKey>), Error> {
        // Usage errors come before the sig is read: no sig is valid for an
        // empty UserID, nor for one longer than a whole document.
        if identifier.is_empty() {
            return Err(InvalidArgument::EmptyIdentifier.into());
        }
        if identifier.len() > MAX_JSON_LEN {
            return Err(InvalidArgument::IdentifierTooLong {
                len: identifier.len(),
                max: MAX_JSON_LEN,
            }
            .into());
        }
        codec::with_doc(sig, |doc, _| self.check_doc(identifier, doc, now, rule))?
    }

    fn check_doc(
        &self,
        identifier: &str,
        doc: RawDoc<'_>,
        now: u64,
        rule: UserBufRule<'_>,
    ) -> Result<(Claims, Option<PrivateMapKey>), Error> {
        self.check_mac(&doc)?;
        if doc.sdkappid != u64::from(self.sdkappid) {
            return Err(Error::AppIdMismatch {
                expected: self.sdkappid,
                found: doc.sdkappid,
            });
        }
        if doc.identifier != identifier {
            return Err(Error::IdentifierMismatch {
                expected: identifier.to_owned(),
                found: doc.identifier.into_owned(),
            });
        }
        let userbuf = match &doc.userbuf {
            Some(b) => Some(codec::b64_field(b).ok_or(Malformed::UserBufEncoding)?),
            None => None,
        };
        let mut ticket = None;
        match (rule, userbuf.as_deref()) {
            (UserBufRule::None, None) => {}
            (UserBufRule::None, Some(_)) => return Err(Error::UnexpectedUserBuf),
            (UserBufRule::Exactly(_) | UserBufRule::PrivateMapKey(_), None) => {
                return Err(Error::MissingUserBuf);
            }
            (UserBufRule::Exactly(want), Some(got)) => {
                if want != got {
                    return Err(Error::UserBufMismatch);
                }
            }
            (UserBufRule::PrivateMapKey(room), Some(got)) => {
                let t = PrivateMapKey::decode(got)?;
                if t.account != doc.identifier {
                    return Err(PrivateMapKeyError::AccountMismatch.into());
                }
                if u64::from(t.sdkappid) != doc.sdkappid {
                    return Err(PrivateMapKeyError::AppIdMismatch.into());
                }
                if &t.room != room {
                    return Err(Error::RoomMismatch {
                        expected: room.clone(),
                        found: t.room,
                    });
                }
                ticket = Some(t);
            }
        }
        let sig_expires_at = doc
            .time
            .checked_add(doc.expire)
            .ok_or(Malformed::TimeOverflow)?;
        // A room ticket also carries its own expiry; the earlier one counts.
        let expires_at = ticket.as_ref().map_or(sig_expires_at, |t| {
            sig_expires_at.min(t.expiry_after(doc.time))
        });
        if now > expires_at.saturating_add(self.leeway) {
            return Err(Error::Expired {
                expired_at: expires_at,
                now,
            });
        }
        if let Some(max_future) = self.max_future {
            if doc.time > now.saturating_add(max_future) {
                return Err(Error::IssuedInFuture {
                    issued_at: doc.time,
                    now,
                    max_future,
                });
            }
        }
        let claims = Claims {
            identifier: doc.identifier.into_owned(),
            sdkappid: self.sdkappid,
            issued_at: doc.time,
            expire: doc.expire,
            expires_at: sig_expires_at,
            userbuf,
        };
        Ok((claims, ticket))
    }

    /// Recomputes the MAC over the decoded fields and compares it with
    /// `TLS.sig` in constant time: `hmac`'s `verify_slice` checks the length,
    /// then compares every byte with `ctutils::CtEq` (conditional moves from
    /// the `cmov` crate) without an early exit.
    fn check_mac(&self, doc: &RawDoc<'_>) -> Result<(), Error> {
        let tag = codec::b64_tag(&doc.sig).ok_or(Malformed::SigEncoding)?;
        let mut mac = self.mac.clone();
        codec::mac_signed_text(
            &mut mac,
            &doc.identifier,
            doc.sdkappid,
            doc.time,
            doc.expire,
            doc.userbuf.as_deref(),
        );
        mac.verify_slice(&tag).map_err(|_| Error::SignatureMismatch)
    }
}
