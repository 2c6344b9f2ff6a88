//! PrivateMapKey: the TRTC room permission ticket carried in a userbuf.
//!
//! Layout (big-endian integers):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | version: 0 numeric room, 1 string room |
//! | 1 | 2 | account length L |
//! | 3 | L | account (UTF-8) |
//! | 3+L | 4 | sdkappid |
//! | 7+L | 4 | room id (0 for a string room) |
//! | 11+L | 4 | absolute expiry, unix seconds truncated to 32 bits |
//! | 15+L | 4 | privilege map |
//! | 19+L | 4 | account type, always 0 |
//! | 23+L | 2 + R | version 1 only: room string length R, then its bytes |

use core::fmt;

use crate::error::InvalidArgument;

bitflags::bitflags! {
    /// The privilege map of a PrivateMapKey. [`Privileges::ALL_PRIVILEGES`] (255) grants everything.
    ///
    /// Parsing keeps unknown bits (see [`Privileges::bits`]) so a ticket is shown as issued;
    /// signing refuses them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Privileges: u32 {
        /// 1: create the room.
        const CREATE_ROOM = 1;
        /// 2: enter the room.
        const ENTER_ROOM = 2;
        /// 4: send audio.
        const SEND_AUDIO = 4;
        /// 8: receive audio.
        const RECV_AUDIO = 8;
        /// 16: send video.
        const SEND_VIDEO = 16;
        /// 32: receive video.
        const RECV_VIDEO = 32;
        /// 64: send the sub-stream (screen sharing).
        const SEND_SUB_STREAM = 64;
        /// 128: receive the sub-stream.
        const RECV_SUB_STREAM = 128;
    }
}

impl Privileges {
    /// Every privilege (255), what the official samples grant.
    pub const ALL_PRIVILEGES: Privileges = Privileges::all();

    /// The set for a bit map, refusing bits outside the eight defined ones.
    ///
    /// # Errors
    /// [`InvalidArgument::InvalidPrivileges`] when a bit above 0x80 is set.
    pub fn from_map(bits: u32) -> Result<Self, InvalidArgument> {
        Privileges::from_bits(bits).ok_or(InvalidArgument::InvalidPrivileges(bits))
    }
}

/// The room a PrivateMapKey opens: a numeric room id or a string room id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Room {
    /// A numeric room id, `1..=4294967294`.
    Id(u32),
    /// A string room id: 1 to 64 bytes of letters, digits, space and
    /// `!#$%&()+-:;<=.>?@[]^_{}|~,` (TRTC's rule).
    Str(String),
}

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Room::Id(id) => write!(f, "room {id}"),
            Room::Str(s) => write!(f, "room {s:?}"),
        }
    }
}

/// Longest string room id TRTC accepts, in bytes.
pub const MAX_ROOM_STR_LEN: usize = 64;

impl Room {
    /// Checks the room against TRTC's rules.
    ///
    /// # Errors
    /// [`InvalidArgument::InvalidRoomId`] or [`InvalidArgument::InvalidRoomStr`].
    pub fn validate(&self) -> Result<(), InvalidArgument> {
        match self {
            Room::Id(0 | u32::MAX) => Err(InvalidArgument::InvalidRoomId),
            Room::Id(_) => Ok(()),
            Room::Str(s) if s.is_empty() => Err(InvalidArgument::InvalidRoomStr("is empty")),
            Room::Str(s) if s.len() > MAX_ROOM_STR_LEN => {
                Err(InvalidArgument::InvalidRoomStr("is longer than 64 bytes"))
            }
            Room::Str(s) if !s.bytes().all(room_char) => Err(InvalidArgument::InvalidRoomStr(
                "has a character other than letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,",
            )),
            Room::Str(_) => Ok(()),
        }
    }
}

fn room_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" !#$%&()+-:;<=.>?@[]^_{}|~,".contains(&b)
}

/// A decoded PrivateMapKey userbuf.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrivateMapKey {
    /// The UserID it was issued to.
    pub account: String,
    /// The SDKAppID it was issued for.
    pub sdkappid: u32,
    /// The room it opens.
    pub room: Room,
    /// Absolute expiry, unix seconds truncated to 32 bits, as stored; see
    /// [`PrivateMapKey::expiry_after`] for the time it stands for.
    pub expires_at: u32,
    /// What the holder may do in the room.
    pub privileges: Privileges,
    /// Account type; 0 in every ticket the official libraries issue.
    pub account_type: u32,
}

/// Why a userbuf is not a valid PrivateMapKey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrivateMapKeyError {
    /// Fewer bytes than the layout needs.
    #[error("truncated: {needed} bytes needed, {len} present")]
    Truncated {
        /// Bytes the layout needs.
        needed: usize,
        /// Bytes present.
        len: usize,
    },
    /// Version byte other than 0 or 1.
    #[error("unknown version {0}")]
    UnknownVersion(u8),
    /// The account is not UTF-8.
    #[error("account is not UTF-8")]
    AccountNotUtf8,
    /// The string room id is not UTF-8.
    #[error("room string is not UTF-8")]
    RoomNotUtf8,
    /// Bytes after the end of the layout.
    #[error("{0} bytes after the end")]
    TrailingBytes(usize),
    /// A string-room ticket (version 1) with a non-zero numeric room id.
    #[error("version 1 ticket with a numeric room id")]
    MixedRoom,
    /// The account inside the ticket is not the sig's `TLS.identifier`.
    #[error("account differs from TLS.identifier")]
    AccountMismatch,
    /// The SDKAppID inside the ticket is not the sig's `TLS.sdkappid`.
    #[error("sdkappid differs from TLS.sdkappid")]
    AppIdMismatch,
}

impl PrivateMapKey {
    /// The ticket's absolute expiry in full, for a ticket issued at
    /// `issued_at` (the sig's `TLS.time`).
    ///
    /// The ticket keeps only the low 32 bits of `now + expire` (SPEC 1.4:
    /// every official library truncates it), which stops fitting in 2106,
    /// or sooner for long lifetimes. They are read as the one time in
    /// `[issued_at, issued_at + 2^32)` with those low bits: for every ticket
    /// issued with a lifetime under 2^32 seconds (136 years; signing allows
    /// 50) that is exactly `TLS.time + expire`, the time the issuer meant.
    pub fn expiry_after(&self, issued_at: u64) -> u64 {
        let low = u32::try_from(issued_at & 0xffff_ffff).unwrap_or_default();
        let ahead = u64::from(self.expires_at.wrapping_sub(low));
        issued_at.saturating_add(ahead)
    }

    /// Encodes the userbuf. Arguments are validated by the caller ([`crate::Signer`]).
    pub(crate) fn encode(
        account: &str,
        sdkappid: u32,
        room: &Room,
        expires_at: u32,
        privileges: Privileges,
    ) -> Vec<u8> {
        let (version, room_id, room_str) = match room {
            Room::Id(id) => (0u8, *id, None),
            Room::Str(s) => (1u8, 0, Some(s.as_bytes())),
        };
        let mut out = Vec::with_capacity(25 + account.len() + room_str.map_or(0, <[u8]>::len));
        out.push(version);
        out.extend_from_slice(&len16(account.len()).to_be_bytes());
        out.extend_from_slice(account.as_bytes());
        out.extend_from_slice(&sdkappid.to_be_bytes());
        out.extend_from_slice(&room_id.to_be_bytes());
        out.extend_from_slice(&expires_at.to_be_bytes());
        out.extend_from_slice(&privileges.bits().to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        if let Some(s) = room_str {
            out.extend_from_slice(&len16(s.len()).to_be_bytes());
            out.extend_from_slice(s);
        }
        out
    }

    /// Decodes a userbuf, strictly: known version, UTF-8 strings, no trailing bytes.
    ///
    /// # Errors
    /// A [`PrivateMapKeyError`] naming the first problem.
    pub fn decode(buf: &[u8]) -> Result<Self, PrivateMapKeyError> {
        let mut r = Reader { buf, pos: 0 };
        let version = r.u8()?;
        if version > 1 {
            return Err(PrivateMapKeyError::UnknownVersion(version));
        }
        let account_len = usize::from(r.u16()?);
        let account = core::str::from_utf8(r.take(account_len)?)
            .map_err(|_| PrivateMapKeyError::AccountNotUtf8)?
            .to_owned();
        let sdkappid = r.u32()?;
        let room_id = r.u32()?;
        let expires_at = r.u32()?;
        let privileges = Privileges::from_bits_retain(r.u32()?);
        let account_type = r.u32()?;
        let room = if version == 1 {
            if room_id != 0 {
                return Err(PrivateMapKeyError::MixedRoom);
            }
            let len = usize::from(r.u16()?);
            Room::Str(
                core::str::from_utf8(r.take(len)?)
                    .map_err(|_| PrivateMapKeyError::RoomNotUtf8)?
                    .to_owned(),
            )
        } else {
            Room::Id(room_id)
        };
        let rest = buf.len().saturating_sub(r.pos);
        if rest != 0 {
            return Err(PrivateMapKeyError::TrailingBytes(rest));
        }
        Ok(PrivateMapKey {
            account,
            sdkappid,
            room,
            expires_at,
            privileges,
            account_type,
        })
    }
}

/// Lengths are validated before encoding (identifier <= 1024, room <= 64 bytes).
fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PrivateMapKeyError> {
        let end = self.pos.saturating_add(n);
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(PrivateMapKeyError::Truncated {
                needed: end,
                len: self.buf.len(),
            })?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], PrivateMapKeyError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, PrivateMapKeyError> {
        Ok(u8::from_be_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, PrivateMapKeyError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, PrivateMapKeyError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both_versions() {
        for room in [Room::Id(10000), Room::Str("adbjkl".into())] {
            let buf = PrivateMapKey::encode(
                "xiaojun",
                1_400_000_000,
                &room,
                1_715_552_000,
                Privileges::all(),
            );
            let p = PrivateMapKey::decode(&buf).unwrap();
            assert_eq!(p.room, room);
            assert_eq!(p.account, "xiaojun");
            assert_eq!(p.privileges.bits(), 255);
            assert_eq!(p.expires_at, 1_715_552_000);
        }
    }

    #[test]
    fn every_truncation_and_extension_fails() {
        let buf = PrivateMapKey::encode("u", 1, &Room::Str("r".into()), 2, Privileges::ENTER_ROOM);
        for n in 0..buf.len() {
            assert!(
                matches!(
                    PrivateMapKey::decode(&buf[..n]),
                    Err(PrivateMapKeyError::Truncated { .. })
                ),
                "{n}"
            );
        }
        let mut long = buf.clone();
        long.push(0);
        assert_eq!(
            PrivateMapKey::decode(&long),
            Err(PrivateMapKeyError::TrailingBytes(1))
        );
        let mut v2 = buf.clone();
        v2[0] = 2;
        assert_eq!(
            PrivateMapKey::decode(&v2),
            Err(PrivateMapKeyError::UnknownVersion(2))
        );
        let mut bad = buf;
        bad[3] = 0xff;
        assert_eq!(
            PrivateMapKey::decode(&bad),
            Err(PrivateMapKeyError::AccountNotUtf8)
        );
    }

    #[test]
    fn room_rules() {
        assert!(Room::Id(1).validate().is_ok());
        assert!(Room::Id(4_294_967_294).validate().is_ok());
        assert_eq!(Room::Id(0).validate(), Err(InvalidArgument::InvalidRoomId));
        assert_eq!(
            Room::Id(u32::MAX).validate(),
            Err(InvalidArgument::InvalidRoomId)
        );
        assert!(
            Room::Str("a-Z_0 !#$%&()+:;<=.>?@[]^{}|~,".into())
                .validate()
                .is_ok()
        );
        assert!(Room::Str("x".repeat(64)).validate().is_ok());
        for bad in ["", "房间", "a/b", "a\"b", "a\nb", &"x".repeat(65)] {
            assert!(
                matches!(
                    Room::Str(bad.into()).validate(),
                    Err(InvalidArgument::InvalidRoomStr(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            Privileges::from_map(256),
            Err(InvalidArgument::InvalidPrivileges(256))
        );
        assert_eq!(Privileges::from_map(255), Ok(Privileges::ALL_PRIVILEGES));
    }
}
