//! The secret key of an SDKAppID.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, InvalidArgument};

/// The secret key of an SDKAppID, as the console shows it.
///
/// The HMAC key is the UTF-8 bytes of the key string as given, without
/// surrounding ASCII whitespace: the 64-hex-digit console key is **not**
/// hex-decoded (that is what every official library does), and a console key
/// never starts or ends with whitespace, while one read from a file or an
/// environment variable often ends with a newline, which is dropped. The bytes are zeroized when the value is dropped;
/// `Debug` prints `SecretKey([redacted])`. There is deliberately no `Display`,
/// no `PartialEq` and no accessor that hands the bytes back.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    bytes: Box<[u8]>,
}

impl SecretKey {
    /// Wraps a key, dropping surrounding ASCII whitespace (spaces, tabs,
    /// newlines); fails with [`InvalidArgument::EmptyKey`] when nothing is left.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or all-whitespace key.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, Error> {
        let key = key.as_ref().trim_ascii();
        if key.is_empty() {
            return Err(InvalidArgument::EmptyKey.into());
        }
        Ok(Self {
            bytes: key.to_vec().into_boxed_slice(),
        })
    }

    /// Takes ownership of a key held in a `String`, zeroizing the original
    /// buffer; surrounding ASCII whitespace is dropped as in [`SecretKey::new`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or all-whitespace key.
    pub fn from_string(mut key: String) -> Result<Self, Error> {
        let k = Self::new(key.as_bytes());
        key.zeroize();
        k
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl core::str::FromStr for SecretKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}
