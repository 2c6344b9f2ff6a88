//! A UserSig held as a credential: never printed by `Debug`.

use core::fmt;

use zeroize::Zeroize;

/// A UserSig string treated as a secret: `Debug` prints `UserSig([redacted])`,
/// there is no `Display`, and the buffer is zeroized on drop.
///
/// A UserSig is a bearer credential for as long as it is valid, so it stays
/// out of logs made with `{:?}`. Read it with [`expose`](Self::expose) where
/// it has to go on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSig(String);

impl UserSig {
    /// Wraps a UserSig string.
    pub fn new(sig: impl Into<String>) -> Self {
        Self(sig.into())
    }

    /// The UserSig string.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for UserSig {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for UserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserSig([redacted])")
    }
}

impl From<String> for UserSig {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for UserSig {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}
