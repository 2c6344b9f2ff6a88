//! Entry points for fuzzers (`fuzz/`) and for the replay tests: each takes
//! arbitrary bytes, drives one part of the crate with them and panics only
//! when an invariant is broken, never on bad input (which the crate must
//! refuse with an error).
//!
//! Built with the `fuzzing` feature only. Not part of the supported API.
//!
//! The claims to sign are decoded from the bytes by hand ([`Spec::read`]), so
//! that a crash file replays the same way under `cargo test` as under libFuzzer.

// Panicking is how these functions report a broken invariant to the fuzzer;
// indexes are bounded by the lengths checked next to them.
#![allow(clippy::panic, clippy::indexing_slicing, clippy::missing_panics_doc)]

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

use crate::codec::{self, HmacSha256};
use crate::deflate::{self, Lz};
use crate::doc;
use crate::privmap::{PrivateMapKey, Privileges, Room};
use crate::{
    Claims, Compression, Error, MAX_EXPIRE, MAX_JSON_LEN, MAX_SIG_LEN, MAX_USERBUF_LEN, Malformed,
    SecretKey, Signer, Verifier,
};

/// The keys and app ids of the official vectors (`tests/vectors`), so that
/// seeds taken from them verify and mutations of them reach every check.
const KEYS: [(&str, u32); 4] = [
    (
        "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e",
        1_400_000_000,
    ),
    (
        "74a5585d7872d4b29a76b83115b572ce11275a3eb2ea7429be679062833c8c02",
        1_400_123_456,
    ),
    (
        "9655393900764d3b5946024ad21bdca291524532971b2cfb89659803a5453391",
        20_000_001,
    ),
    (
        "e51eb41d7ad990ffc099c45ec9a31bad546d5769919a00304a408f4cf005c868",
        1_400_000_000,
    ),
];

/// A reader of fuzz bytes that yields zeros once they run out.
struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }
    /// Up to `n` bytes (fewer when the input runs out).
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.data.split_at(n.min(self.data.len()));
        self.data = b;
        a
    }
}

/// What to sign, decoded from fuzz bytes:
///
/// ```text
/// flags u8       bits 0-1 compression (Default, Stored, Zlib, Default),
///                bit 2 userbuf, bit 3 PrivateMapKey (overrides bit 2),
///                bit 4 key from the input, bit 5 raw expire, bit 6 raw time
/// sdkappid u32, time u64, expire u64
/// userbuf        u16 length, bytes
/// identifier     u16 length, bytes (lossy UTF-8)
/// room           PrivateMapKey only: u8 kind (even: numeric u32 id; odd: u8
///                length, bytes), then the privilege map u32
/// key            bit 4 only: u8 length, bytes
/// ```
///
/// Unless bits 5 and 6 ask for raw values, time and expire are reduced into
/// the ranges a signer accepts, so that most inputs produce a sig.
struct Spec {
    compression: Compression,
    key: Vec<u8>,
    sdkappid: u32,
    time: u64,
    expire: u64,
    identifier: String,
    kind: Kind,
}

enum Kind {
    Plain,
    UserBuf(Vec<u8>),
    PrivateMapKey(Room, Privileges),
}

impl Spec {
    fn read(b: &mut Bytes<'_>) -> Spec {
        let flags = b.u8();
        let compression = match flags & 3 {
            1 => Compression::Stored,
            2 => Compression::Zlib,
            _ => Compression::Default,
        };
        let sdkappid = b.u32();
        let time = match b.u64() {
            t if flags & 0x40 != 0 => t,
            t => t % (1 << 33),
        };
        let expire = match b.u64() {
            e if flags & 0x20 != 0 => e,
            e => 1 + e % MAX_EXPIRE,
        };
        let userbuf_len = usize::from(b.u16());
        let userbuf = b.take(userbuf_len).to_vec();
        let id_len = usize::from(b.u16());
        let identifier = String::from_utf8_lossy(b.take(id_len)).into_owned();
        let kind = if flags & 8 != 0 {
            let room = if b.u8() % 2 == 0 {
                Room::Id(b.u32())
            } else {
                let n = usize::from(b.u8());
                Room::Str(String::from_utf8_lossy(b.take(n)).into_owned())
            };
            Kind::PrivateMapKey(room, Privileges::from_bits_retain(b.u32()))
        } else if flags & 4 != 0 {
            Kind::UserBuf(userbuf)
        } else {
            Kind::Plain
        };
        let key = if flags & 0x10 != 0 {
            let n = usize::from(b.u8());
            b.take(n).to_vec()
        } else {
            KEYS[0].0.as_bytes().to_vec()
        };
        Spec {
            compression,
            key,
            sdkappid,
            time,
            expire,
            identifier,
            kind,
        }
    }

    /// Whether a signer must accept these claims (every rule of `Signer`).
    fn valid(&self) -> bool {
        // Surrounding whitespace is dropped from keys: a blank key is empty.
        let common = !self.key.trim_ascii().is_empty()
            && self.sdkappid != 0
            && crate::validate_identifier(&self.identifier).is_ok()
            && crate::validate_expire(self.expire).is_ok()
            && self.time.checked_add(self.expire).is_some();
        common
            && match &self.kind {
                Kind::Plain => true,
                Kind::UserBuf(u) => u.len() <= MAX_USERBUF_LEN,
                Kind::PrivateMapKey(room, p) => {
                    room.validate().is_ok() && Privileges::from_map(p.bits()).is_ok()
                }
            }
    }

    fn sign(&self) -> Result<String, Error> {
        let key = SecretKey::new(&self.key)?;
        let s = Signer::new(self.sdkappid, &key)?.with_compression(self.compression);
        match &self.kind {
            Kind::Plain => s.sign_at(&self.identifier, self.expire, self.time),
            Kind::UserBuf(u) => s.sign_with_userbuf_at(&self.identifier, self.expire, u, self.time),
            Kind::PrivateMapKey(room, p) => {
                s.sign_private_map_key_at(&self.identifier, self.expire, room, *p, self.time)
            }
        }
    }

    fn verifier(&self) -> Verifier {
        let Ok(v) = SecretKey::new(&self.key).and_then(|k| Verifier::new(self.sdkappid, &k)) else {
            panic!("a verifier refused what a signer accepted");
        };
        v
    }

    /// Verifies `sig` as this spec's kind, for `identifier`, at `now`.
    fn verify(
        &self,
        v: &Verifier,
        identifier: &str,
        sig: &[u8],
        now: u64,
    ) -> Result<Claims, Error> {
        match &self.kind {
            Kind::Plain => v.verify_at(identifier, sig, now),
            Kind::UserBuf(u) => v.verify_with_userbuf_at(identifier, sig, u, now),
            Kind::PrivateMapKey(room, _) => v
                .verify_private_map_key_at(identifier, room, sig, now)
                .map(|p| p.claims),
        }
    }

    /// The userbuf the sig carries.
    fn userbuf(&self) -> Option<Vec<u8>> {
        match &self.kind {
            Kind::Plain => None,
            Kind::UserBuf(u) => Some(u.clone()),
            Kind::PrivateMapKey(room, p) => Some(PrivateMapKey::encode(
                &self.identifier,
                self.sdkappid,
                room,
                truncate32(self.time.saturating_add(self.expire)),
                *p,
            )),
        }
    }

    fn expected_claims(&self) -> (String, u32, u64, u64, u64, Option<Vec<u8>>) {
        (
            self.identifier.clone(),
            self.sdkappid,
            self.time,
            self.expire,
            self.time + self.expire,
            self.userbuf(),
        )
    }
}

fn claims_tuple(c: &Claims) -> (String, u32, u64, u64, u64, Option<Vec<u8>>) {
    (
        c.identifier.clone(),
        c.sdkappid,
        c.issued_at,
        c.expire,
        c.expires_at,
        c.userbuf.clone(),
    )
}

fn truncate32(n: u64) -> u32 {
    u32::try_from(n & u64::from(u32::MAX)).unwrap_or_default()
}

/// `TLS.sig` for the fields, computed here from SPEC 1.1 with `format!`
/// rather than with the crate's signed-text builder.
fn independent_tag(
    key: &[u8],
    identifier: &str,
    sdkappid: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) -> String {
    let mut text = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    );
    if let Some(u) = userbuf_b64 {
        text.push_str(&format!("TLS.userbuf:{u}\n"));
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        panic!("HMAC refused a key");
    };
    mac.update(text.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Undoes the outer encoding by hand (the alphabet, then lenient base64).
fn outer_bytes(sig: &[u8]) -> Option<Vec<u8>> {
    let std: Vec<u8> = sig
        .iter()
        .map(|&b| match b {
            b'*' => b'+',
            b'-' => b'/',
            b'_' => b'=',
            b => b,
        })
        .collect();
    let trimmed: Vec<u8> = std.iter().copied().filter(|&b| b != b'=').collect();
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

/// Inflates a whole zlib stream with miniz_oxide, an implementation
/// independent of the zlib-rs one that verification uses, with the same cap.
/// `None` unless the stream ends exactly at the end of the input with at most
/// `MAX_JSON_LEN` bytes produced and a matching adler32.
///
/// The adler32 trailer is compared here rather than by miniz_oxide: built
/// with `--cfg fuzzing` (as cargo-fuzz builds every crate), miniz_oxide skips
/// that comparison so that fuzzers get past it.
fn reference_inflate(zlib: &[u8]) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::stream::{InflateState, inflate};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let mut state = InflateState::new_boxed(DataFormat::Zlib);
    let mut out = vec![0u8; MAX_JSON_LEN + 1];
    let r = inflate(&mut state, zlib, &mut out, MZFlush::Finish);
    let trailer = zlib.len().checked_sub(4).and_then(|n| zlib.get(n..))?;
    match r.status {
        Ok(MZStatus::StreamEnd)
            if r.bytes_consumed == zlib.len() && r.bytes_written <= MAX_JSON_LEN =>
        {
            out.truncate(r.bytes_written);
            let adler = adler2::adler32_slice(&out).to_be_bytes();
            (trailer == adler).then_some(out)
        }
        _ => None,
    }
}

/// The production inflater (zlib-rs through flate2), with its cap.
fn production_inflate(zlib: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut d = flate2::Decompress::new(true);
    let mut out = Vec::new();
    let n = codec::inflate(&mut d, zlib, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Nothing printed with `Debug` holds one of the vectors' keys (the keys the
/// harnesses sign and verify with, unless an input brings its own: such a key
/// is not checked, since the fuzzer is free to pick one that spells part of
/// an error message). `echo` is what the fuzzer chose and an error may rightly
/// repeat (an identifier it signed).
fn assert_no_key<T: core::fmt::Debug>(what: &T, echo: &str) {
    let printed = format!("{what:?}");
    for (k, _) in KEYS {
        if !echo.contains(k) {
            assert!(!printed.contains(k), "a key was printed");
        }
    }
}

/// Decodes any bytes without a key: a decoded sig's fields agree with one
/// another, and whatever fails to decode fails the same way under `verify`.
pub fn inspect(data: &[u8]) {
    let got = crate::inspect(data);
    let Ok(verifier) = SecretKey::new(KEYS[0].0).and_then(|k| Verifier::new(KEYS[0].1, &k)) else {
        panic!("a verifier refused a vector's key");
    };
    let verified = verifier.verify_at("x", data, 0);
    match got {
        Ok(i) => {
            assert!(data.len() <= MAX_SIG_LEN);
            assert!(i.json.len() <= MAX_JSON_LEN);
            assert_eq!(i.version, "2.0");
            assert_eq!(i.expires_at, i.issued_at.checked_add(i.expire));
            assert_eq!(i.is_expired_at(0), i.expires_at.is_none());
            // The fields re-read from the document by serde_json agree.
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&i.json) {
                assert_eq!(
                    m.get("TLS.identifier").and_then(|v| v.as_str()),
                    Some(i.identifier.as_str())
                );
                assert_eq!(
                    m.get("TLS.sdkappid").and_then(serde_json::Value::as_u64),
                    Some(i.sdkappid)
                );
                assert_eq!(
                    m.get("TLS.time").and_then(serde_json::Value::as_u64),
                    Some(i.issued_at)
                );
                assert_eq!(
                    m.get("TLS.expire").and_then(serde_json::Value::as_u64),
                    Some(i.expire)
                );
            }
            if let Some(Ok(p)) = &i.private_map_key {
                let buf = i.userbuf.as_deref().unwrap_or_default();
                let again = PrivateMapKey::decode(buf);
                assert_eq!(again.as_ref(), Ok(p));
            }
            assert!(i.userbuf.is_some() || i.private_map_key.is_none());
            // `verify` decodes exactly as far: it fails later than decoding, or not at all.
            assert!(!matches!(
                verified,
                Err(Error::Malformed(
                    Malformed::Empty
                        | Malformed::TooLong { .. }
                        | Malformed::InvalidCharacter { .. }
                        | Malformed::Base64
                        | Malformed::Zlib
                        | Malformed::ZlibTruncated
                        | Malformed::ZlibTrailingData
                        | Malformed::InflatedTooLarge { .. }
                        | Malformed::JsonSyntax { .. }
                        | Malformed::NotAnObject
                        | Malformed::MissingField(_)
                        | Malformed::DuplicateField(_)
                        | Malformed::WrongType { .. }
                        | Malformed::UnsupportedVersion
                ))
            ));
        }
        Err(Error::Malformed(Malformed::UserBufEncoding)) => {}
        Err(Error::Malformed(m)) => {
            // Decoding failed: `verify` must fail at the same layer.
            assert_eq!(verified, Err(Error::Malformed(m)));
        }
        Err(e) => panic!("inspect failed with a non-decoding error: {e:?}"),
    }
    assert_no_key(&verified, "");
}

/// Verifies any bytes with the vectors' keys. Anything that verifies carries
/// a `TLS.sig` equal to an HMAC computed here independently, and claims equal
/// to what `inspect` decodes.
pub fn verify(data: &[u8]) {
    let inspected = crate::inspect(data).ok();
    let identifier = inspected
        .as_ref()
        .map_or("xiaojun", |i| i.identifier.as_str());
    let now = inspected.as_ref().map_or(0, |i| i.issued_at);
    for (key, app) in KEYS {
        let app = inspected
            .as_ref()
            .and_then(|i| u32::try_from(i.sdkappid).ok())
            .filter(|&a| a != 0)
            .unwrap_or(app);
        let Ok(v) = SecretKey::new(key).and_then(|k| Verifier::new(app, &k)) else {
            panic!("verifier");
        };
        let mut results = vec![v.verify_at(identifier, data, now)];
        if let Some(ub) = inspected.as_ref().and_then(|i| i.userbuf.as_deref()) {
            results.push(v.verify_with_userbuf_at(identifier, data, ub, now));
        }
        if let Some(Some(Ok(p))) = inspected.as_ref().map(|i| &i.private_map_key) {
            let r = v.verify_private_map_key_at(identifier, &p.room, data, now);
            if let Ok(pc) = &r {
                assert_eq!(&pc.room, &p.room);
                assert_eq!(pc.privileges, p.privileges);
                assert_eq!(pc.ticket_expires_at, p.expiry_after(pc.claims.issued_at));
                assert!(pc.expires_at() <= pc.claims.expires_at);
            }
            results.push(r.map(|p| p.claims));
        }
        for r in results {
            assert_no_key(&r, "");
            if let Err(e) = &r {
                assert!(!e.to_string().contains(key), "a key was printed");
            }
            let Ok(c) = r else { continue };
            let Some(i) = &inspected else {
                panic!("verified what inspect could not decode");
            };
            assert_eq!(
                (
                    c.identifier.as_str(),
                    u64::from(c.sdkappid),
                    c.issued_at,
                    c.expire
                ),
                (i.identifier.as_str(), i.sdkappid, i.issued_at, i.expire)
            );
            assert_eq!(c.userbuf, i.userbuf);
            assert_eq!(Some(c.expires_at), i.expires_at);
            let userbuf_b64 = c.userbuf.as_ref().map(|u| STANDARD.encode(u));
            assert_eq!(
                independent_tag(
                    key.as_bytes(),
                    &c.identifier,
                    i.sdkappid,
                    c.issued_at,
                    c.expire,
                    userbuf_b64.as_deref()
                ),
                i.sig,
                "verified, but TLS.sig is not the MAC of the claims"
            );
        }
    }
}

/// Signs arbitrary claims and checks the sig round-trips: it verifies to the
/// same claims through its last second and no longer, fails for another
/// identifier, app id or key, decodes with `inspect` and an independent
/// inflater, and carries a MAC computed independently. Claims a signer must
/// refuse are refused with an `InvalidArgument`.
pub fn sign_verify(data: &[u8]) {
    let spec = Spec::read(&mut Bytes { data });
    let signed = spec.sign();
    assert_no_key(&signed.as_ref().map(|_| ()), &spec.identifier);
    let sig = match signed {
        Ok(sig) => {
            assert!(spec.valid(), "a signer accepted invalid claims");
            sig
        }
        Err(e) => {
            assert!(!spec.valid(), "a signer refused valid claims: {e:?}");
            assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
            return;
        }
    };
    assert!(sig.len() <= MAX_SIG_LEN);
    assert!(
        sig.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*-_".contains(&b)),
        "a character outside the UserSig alphabet"
    );
    let v = spec.verifier();
    let id = spec.identifier.as_str();
    let (time, end) = (spec.time, spec.time + spec.expire);
    // Every fresh sig verifies, room tickets whose 32-bit expiry wrapped past
    // 2^32 included (read relative to TLS.time), until the last second.
    match spec.verify(&v, id, sig.as_bytes(), time) {
        Ok(c) => assert_eq!(claims_tuple(&c), spec.expected_claims()),
        Err(e) => panic!("a fresh sig did not verify: {e:?}"),
    }
    assert!(spec.verify(&v, id, sig.as_bytes(), end).is_ok());
    if let Some(after) = end.checked_add(1) {
        assert_eq!(
            spec.verify(&v, id, sig.as_bytes(), after),
            Err(Error::Expired {
                expired_at: end,
                now: after
            })
        );
    }
    let other_id = format!("{id}x");
    assert!(matches!(
        spec.verify(&v, &other_id, sig.as_bytes(), time),
        Err(Error::IdentifierMismatch { .. })
    ));
    let other_app = spec.sdkappid.wrapping_add(1).max(1);
    if let Ok(ov) = SecretKey::new(&spec.key).and_then(|k| Verifier::new(other_app, &k)) {
        assert_eq!(
            ov.verify_at(id, &sig, time).err(),
            Some(Error::AppIdMismatch {
                expected: other_app,
                found: u64::from(spec.sdkappid)
            })
        );
    }
    let mut other_key = spec.key.clone();
    other_key.push(b'!');
    if let Ok(ov) = SecretKey::new(&other_key).and_then(|k| Verifier::new(spec.sdkappid, &k)) {
        assert_eq!(
            spec.verify(&ov, id, sig.as_bytes(), time).err(),
            Some(Error::SignatureMismatch)
        );
    }
    match &spec.kind {
        Kind::Plain => assert_eq!(
            v.verify_with_userbuf_at(id, &sig, b"", time).err(),
            Some(Error::MissingUserBuf)
        ),
        _ => assert_eq!(
            v.verify_at(id, &sig, time).err(),
            Some(Error::UnexpectedUserBuf)
        ),
    }
    let Ok(i) = crate::inspect(&sig) else {
        panic!("inspect refused a sig we made");
    };
    assert_eq!(
        (i.identifier.as_str(), i.sdkappid, i.issued_at, i.expire),
        (id, u64::from(spec.sdkappid), time, spec.expire)
    );
    assert_eq!(i.userbuf, spec.userbuf());
    let header = match spec.compression {
        Compression::Stored => [0x78, 0x01],
        _ => [0x78, 0x9c],
    };
    assert_eq!(i.zlib_header, header);
    let userbuf_b64 = i.userbuf.as_ref().map(|u| STANDARD.encode(u));
    assert_eq!(
        independent_tag(
            spec.key.trim_ascii(),
            id,
            u64::from(spec.sdkappid),
            time,
            spec.expire,
            userbuf_b64.as_deref()
        ),
        i.sig
    );
    let Some(zlib) = outer_bytes(sig.as_bytes()) else {
        panic!("the sig is not base64");
    };
    assert_eq!(
        reference_inflate(&zlib).as_deref(),
        Some(i.json.as_bytes()),
        "miniz_oxide inflates the sig to another document"
    );
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&i.json)
    else {
        panic!("the document is not a JSON object");
    };
    assert_eq!(m.get("TLS.identifier").and_then(|v| v.as_str()), Some(id));
}

/// Signs valid claims, then mutates the sig at one layer (its characters,
/// the zlib stream, or the JSON document, re-encoded) with operations read
/// from the bytes. Whatever still verifies must verify to the original
/// claims, whichever identifier or userbuf the verifier is asked about.
///
/// After the claims ([`Spec`]): a layer byte (0 characters, 1 zlib, 2 JSON),
/// then up to 8 operations of 4 bytes: op, position u16, value.
pub fn tamper(data: &[u8]) {
    let mut b = Bytes { data };
    let spec = Spec::read(&mut b);
    if !spec.valid() {
        return;
    }
    let Ok(sig) = spec.sign() else {
        panic!("a signer refused valid claims");
    };
    let end = spec.time + spec.expire;
    if matches!(spec.kind, Kind::PrivateMapKey(..))
        && u32::try_from(spec.time).is_ok()
        && u32::try_from(end).is_err()
    {
        return; // the ticket reads as expired from the start (see sign_verify)
    }
    let layer = b.u8() % 3;
    let mut bytes = match layer {
        0 => sig.into_bytes(),
        1 => outer_bytes(sig.as_bytes()).unwrap_or_default(),
        _ => match crate::inspect(&sig) {
            Ok(i) => i.json.into_bytes(),
            Err(e) => panic!("inspect refused a sig we made: {e:?}"),
        },
    };
    const FRAGMENTS: [&[u8]; 8] = [
        br#""TLS.identifier":"mallory","#,
        br#""TLS.expire":99999999999,"#,
        br#""TLS.userbuf":"AAAA","#,
        br#""TLS.sdkappid":1,"#,
        br#""TLS.time":0,"#,
        br#""x":[{"TLS.identifier":"y"}],"#,
        b" ",
        br"\u0000",
    ];
    let mut recompress = Compression::Stored;
    for _ in 0..8 {
        if b.data.is_empty() {
            break;
        }
        let op = b.u8();
        let pos = usize::from(b.u16());
        let val = b.u8();
        let at = if bytes.is_empty() {
            0
        } else {
            pos % (bytes.len() + 1)
        };
        match op % 8 {
            0 => {
                if let Some(x) = bytes.get_mut(at) {
                    *x ^= val.max(1);
                }
            }
            1 => {
                if let Some(x) = bytes.get_mut(at) {
                    *x = val;
                }
            }
            2 => {
                if at < bytes.len() {
                    bytes.remove(at);
                }
            }
            3 => bytes.insert(at, val),
            4 => bytes.truncate(at),
            5 => {
                if at + 1 < bytes.len() {
                    bytes.swap(at, at + 1);
                }
            }
            6 => {
                let f = FRAGMENTS[usize::from(val) % FRAGMENTS.len()];
                bytes.splice(at..at, f.iter().copied());
            }
            _ => {
                // Replace one ASCII letter of a string with its \u escape, or
                // pick the compression of the re-encoded document.
                if let Some(&c) = bytes.get(at).filter(|c| c.is_ascii_alphanumeric()) {
                    let esc = format!("\\u{:04x}", c);
                    bytes.splice(at..=at, esc.bytes());
                }
                if val & 1 == 1 {
                    recompress = Compression::Default;
                }
            }
        }
    }
    let tampered = match layer {
        0 => bytes,
        1 => codec::encode_outer(&bytes).into_bytes(),
        _ => {
            let mut z = Vec::new();
            match recompress {
                Compression::Default => Lz::default().compress(&bytes, &mut z),
                _ => deflate::stored(&bytes, &mut z),
            }
            codec::encode_outer(&z).into_bytes()
        }
    };
    let v = spec.verifier();
    let want = spec.expected_claims();
    let inspected = crate::inspect(&tampered).ok();
    let mut identifiers = vec![
        spec.identifier.clone(),
        "mallory".to_owned(),
        "y".to_owned(),
    ];
    if let Some(i) = &inspected {
        identifiers.push(i.identifier.clone());
    }
    for id in &identifiers {
        let r = spec.verify(&v, id, &tampered, spec.time);
        assert_no_key(&r, &spec.identifier);
        if let Ok(c) = r {
            assert_eq!(
                claims_tuple(&c),
                want,
                "a tampered sig verified to other claims"
            );
        }
    }
    // Asked about the userbuf the tampered document shows, a verifier still
    // accepts only the signed one.
    if let Some(ub) = inspected.as_ref().and_then(|i| i.userbuf.as_deref()) {
        if let Ok(c) = v.verify_with_userbuf_at(&spec.identifier, &tampered, ub, spec.time) {
            assert_eq!(claims_tuple(&c), want, "a tampered userbuf verified");
        }
    }
}

/// Decodes any bytes as a PrivateMapKey userbuf. A ticket that decodes
/// encodes back to the same bytes (the encoder always writes account type 0),
/// and one a signer accepts signs and verifies to the same ticket.
pub fn privmap(data: &[u8]) {
    let Ok(p) = PrivateMapKey::decode(data) else {
        return;
    };
    let mut again =
        PrivateMapKey::encode(&p.account, p.sdkappid, &p.room, p.expires_at, p.privileges);
    if p.account_type != 0 {
        let at = 3 + p.account.len() + 16;
        again[at..at + 4].copy_from_slice(&p.account_type.to_be_bytes());
    }
    assert_eq!(again, data, "decode then encode changed the ticket");
    assert_eq!(matches!(p.room, Room::Str(_)), data[0] == 1);
    // The same ticket through a sig.
    let Ok(key) = SecretKey::new(KEYS[0].0) else {
        panic!()
    };
    let (Ok(s), Ok(v)) = (Signer::new(KEYS[0].1, &key), Verifier::new(KEYS[0].1, &key)) else {
        panic!()
    };
    let Ok(sig) = s.sign_with_userbuf_at(&p.account, 3600, data, 0) else {
        return; // an account a signer refuses
    };
    match v.verify_private_map_key_at(&p.account, &p.room, &sig, 0) {
        Ok(c) => {
            assert_eq!(p.sdkappid, KEYS[0].1);
            assert_eq!(
                (c.room, c.privileges, c.ticket_expires_at),
                (p.room, p.privileges, u64::from(p.expires_at))
            );
        }
        Err(Error::Malformed(Malformed::PrivateMapKey(
            crate::PrivateMapKeyError::AppIdMismatch,
        ))) => assert_ne!(p.sdkappid, KEYS[0].1),
        Err(e) => panic!("a ticket that decodes failed to verify: {e:?}"),
    }
}

/// The JSON fast path agrees with `serde_json`: whenever the fast reader
/// answers, `parse_general` accepts the same document with the same fields,
/// and `doc::parse` (fast, then general) always answers as `parse_general`.
pub fn json_fast_path(data: &[u8]) {
    let general = doc::parse_general(data);
    if let Some(fast) = doc::parse_fast(data) {
        assert_eq!(
            Ok(&fast),
            general.as_ref(),
            "the fast path disagrees with serde_json"
        );
        // Borrowed strings are exactly what the document holds.
        assert!(matches!(fast.identifier, Cow::Borrowed(_)));
    }
    assert_eq!(doc::parse(data), general);
}

/// Differential inflation against miniz_oxide. The first byte picks:
/// 0, the rest is a document: the crate's deflate writer (`Default` and
/// `Stored`) must produce zlib streams both inflaters return it from, and
/// resuming from the snapshot of the signed documents' prefix must not
/// change a byte;
/// 1, the rest is a zlib stream: both inflaters (each capped at
/// `MAX_JSON_LEN`) accept it or both refuse it, with the same output, and
/// the fast path for stored and fixed-code blocks answers only with what
/// zlib-rs answers;
/// 2 and up, the rest is a [`Spec`]: the sig signed from it inflates with
/// miniz_oxide to the document `inspect` shows.
pub fn inflate_differential(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode {
        0 => {
            // Behind the prefix every signed document starts with, the
            // parse resumed from the prefix's snapshot writes exactly what
            // a parse from the first byte writes.
            let doc = [deflate::DOC_PREFIX, rest].concat();
            let (mut resumed, mut scratch) = (Vec::new(), Vec::new());
            Lz::default().compress(&doc, &mut resumed);
            Lz::without_snapshot().compress(&doc, &mut scratch);
            assert_eq!(resumed, scratch, "resumed from the prefix snapshot");
            let mut lz = Vec::new();
            Lz::default().compress(rest, &mut lz);
            let mut stored = Vec::new();
            deflate::stored(rest, &mut stored);
            for (name, z) in [("Default", &lz), ("Stored", &stored)] {
                if rest.len() <= MAX_JSON_LEN {
                    assert_eq!(
                        reference_inflate(z).as_deref(),
                        Some(rest),
                        "{name}: miniz_oxide"
                    );
                    assert_eq!(
                        production_inflate(z).as_deref(),
                        Ok(rest),
                        "{name}: zlib-rs"
                    );
                } else {
                    let all = miniz_oxide::inflate::decompress_to_vec_zlib(z);
                    assert_eq!(
                        all.ok().as_deref(),
                        Some(rest),
                        "{name}: miniz_oxide, uncapped"
                    );
                    assert_eq!(
                        production_inflate(z),
                        Err(Malformed::InflatedTooLarge { max: MAX_JSON_LEN })
                    );
                }
            }
        }
        1 => {
            let reference = reference_inflate(rest);
            let production = production_inflate(rest).ok();
            assert_eq!(production, reference, "production and miniz_oxide disagree");
            // The fast path answers only when zlib-rs itself gives the same bytes.
            let mut out = vec![0u8; MAX_JSON_LEN];
            if let Some(n) = crate::inflate::inflate_simple(rest, &mut out) {
                let mut d = flate2::Decompress::new(true);
                let mut zout = vec![0u8; MAX_JSON_LEN + 1];
                let status = d.decompress(rest, &mut zout, flate2::FlushDecompress::Finish);
                assert!(
                    matches!(status, Ok(flate2::Status::StreamEnd)),
                    "the fast path accepted what zlib-rs refuses"
                );
                assert_eq!(
                    zout.get(..usize::try_from(d.total_out()).unwrap_or(usize::MAX)),
                    out.get(..n),
                    "the fast path and zlib-rs disagree"
                );
            }
        }
        _ => {
            let spec = Spec::read(&mut Bytes { data: rest });
            let Ok(sig) = spec.sign() else { return };
            let Some(zlib) = outer_bytes(sig.as_bytes()) else {
                panic!("the sig is not base64");
            };
            let Ok(i) = crate::inspect(&sig) else {
                panic!("inspect refused a sig we made");
            };
            assert_eq!(reference_inflate(&zlib).as_deref(), Some(i.json.as_bytes()));
            assert_eq!(production_inflate(&zlib).as_deref(), Ok(i.json.as_bytes()));
        }
    }
}
