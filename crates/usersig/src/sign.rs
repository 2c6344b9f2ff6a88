//! Issuing UserSigs.

use core::fmt;

use crate::codec::{self, Compression, HmacSha256};
use crate::error::{Error, InvalidArgument};
use crate::key::SecretKey;
use crate::privmap::{PrivateMapKey, Privileges, Room};
use crate::{MAX_EXPIRE, MAX_IDENTIFIER_LEN, MAX_USERBUF_LEN, unix_now};

/// Issues UserSigs for one SDKAppID.
///
/// The key is taken once, as a keyed HMAC state that every call clones; the
/// state is zeroized on drop and never printed. A `Signer` is `Send + Sync`
/// and meant to be built once and shared.
///
/// Every call that reads the clock has an `_at(.., now)` twin taking the
/// current time in unix seconds, for tests and for callers with their own clock.
///
/// ```
/// use usersig::{SecretKey, Signer, Verifier};
///
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
/// let signer = Signer::new(1400000000, &key)?;
/// let sig = signer.sign_at("xiaojun", 86400, 1_700_000_000)?;
/// let claims = Verifier::new(1400000000, &key)?.verify_at("xiaojun", &sig, 1_700_000_100)?;
/// assert_eq!(claims.expires_at, 1_700_086_400);
/// # Ok::<(), usersig::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    sdkappid: u32,
    mac: HmacSha256,
    compression: Compression,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"[redacted]")
            .field("compression", &self.compression)
            .finish()
    }
}

/// Checks an identifier (UserID) before it is signed: not empty, at most
/// [`MAX_IDENTIFIER_LEN`] bytes, no control characters (a newline would
/// change the meaning of the signed text).
///
/// # Errors
/// The [`InvalidArgument`] naming the rule broken.
pub fn validate_identifier(identifier: &str) -> Result<(), InvalidArgument> {
    if identifier.is_empty() {
        return Err(InvalidArgument::EmptyIdentifier);
    }
    if identifier.len() > MAX_IDENTIFIER_LEN {
        return Err(InvalidArgument::IdentifierTooLong {
            len: identifier.len(),
            max: MAX_IDENTIFIER_LEN,
        });
    }
    if let Some((position, _)) = identifier.char_indices().find(|(_, c)| c.is_control()) {
        return Err(InvalidArgument::IdentifierControlChar { position });
    }
    Ok(())
}

/// Checks a lifetime: 1 second to [`MAX_EXPIRE`] (50 years).
///
/// # Errors
/// [`InvalidArgument::ExpireZero`] or [`InvalidArgument::ExpireTooLong`].
pub fn validate_expire(expire: u64) -> Result<(), InvalidArgument> {
    match expire {
        0 => Err(InvalidArgument::ExpireZero),
        e if e > MAX_EXPIRE => Err(InvalidArgument::ExpireTooLong {
            expire: e,
            max: MAX_EXPIRE,
        }),
        _ => Ok(()),
    }
}

impl Signer {
    /// A signer for `sdkappid` with the app's secret key, compressing with
    /// [`Compression::Default`].
    ///
    /// # Errors
    /// [`InvalidArgument::ZeroAppId`] for app id 0.
    pub fn new(sdkappid: u32, key: &SecretKey) -> Result<Self, Error> {
        Ok(Self {
            sdkappid,
            mac: codec::app_mac(sdkappid, key.expose())?,
            compression: Compression::default(),
        })
    }

    /// The same signer with another compression (default: [`Compression::Default`]).
    #[must_use]
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The SDKAppID this signer issues for.
    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// The compression in use.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Issues a login UserSig valid for `expire` seconds from now.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier or lifetime.
    pub fn sign(&self, identifier: &str, expire: u64) -> Result<String, Error> {
        self.sign_at(identifier, expire, unix_now())
    }

    /// [`Signer::sign`] at the given time (unix seconds).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier or lifetime.
    pub fn sign_at(&self, identifier: &str, expire: u64, now: u64) -> Result<String, Error> {
        self.issue(identifier, expire, now, None)
    }

    /// Issues a UserSig that carries `userbuf` (any bytes, at most
    /// [`MAX_USERBUF_LEN`]; an empty one is kept and signed).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier, lifetime or userbuf.
    pub fn sign_with_userbuf(
        &self,
        identifier: &str,
        expire: u64,
        userbuf: &[u8],
    ) -> Result<String, Error> {
        self.sign_with_userbuf_at(identifier, expire, userbuf, unix_now())
    }

    /// [`Signer::sign_with_userbuf`] at the given time (unix seconds).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier, lifetime or userbuf.
    pub fn sign_with_userbuf_at(
        &self,
        identifier: &str,
        expire: u64,
        userbuf: &[u8],
        now: u64,
    ) -> Result<String, Error> {
        if userbuf.len() > MAX_USERBUF_LEN {
            return Err(InvalidArgument::UserBufTooLong {
                len: userbuf.len(),
                max: MAX_USERBUF_LEN,
            }
            .into());
        }
        self.issue(identifier, expire, now, Some(userbuf))
    }

    /// Issues a PrivateMapKey: a TRTC room ticket for `identifier` in `room`
    /// with `privileges`, valid for `expire` seconds from now.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier, lifetime, room or privilege map.
    pub fn sign_private_map_key(
        &self,
        identifier: &str,
        expire: u64,
        room: &Room,
        privileges: Privileges,
    ) -> Result<String, Error> {
        self.sign_private_map_key_at(identifier, expire, room, privileges, unix_now())
    }

    /// [`Signer::sign_private_map_key`] at the given time (unix seconds).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid identifier, lifetime, room or privilege map.
    pub fn sign_private_map_key_at(
        &self,
        identifier: &str,
        expire: u64,
        room: &Room,
        privileges: Privileges,
        now: u64,
    ) -> Result<String, Error> {
        validate_identifier(identifier)?;
        validate_expire(expire)?;
        room.validate()?;
        Privileges::from_map(privileges.bits())?;
        let expires_at = now
            .checked_add(expire)
            .ok_or(InvalidArgument::TimeOverflow)?;
        // The format keeps 32 bits of the absolute expiry (SPEC 1.4).
        let truncated = expires_at.to_be_bytes();
        let truncated =
            u32::from_be_bytes([truncated[4], truncated[5], truncated[6], truncated[7]]);
        let buf = PrivateMapKey::encode(identifier, self.sdkappid, room, truncated, privileges);
        self.issue(identifier, expire, now, Some(&buf))
    }

    fn issue(
        &self,
        identifier: &str,
        expire: u64,
        now: u64,
        userbuf: Option<&[u8]>,
    ) -> Result<String, Error> {
        validate_identifier(identifier)?;
        validate_expire(expire)?;
        now.checked_add(expire)
            .ok_or(InvalidArgument::TimeOverflow)?;
        Ok(codec::issue(
            &self.mac,
            &codec::Fields {
                identifier,
                sdkappid: u64::from(self.sdkappid),
                time: now,
                expire,
                userbuf,
            },
            self.compression,
        ))
    }
}
