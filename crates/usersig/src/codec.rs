//! The wire format: alphabet, base64, zlib with caps, the signed text and the JSON document.

use std::cell::RefCell;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::deflate::{self, Lz};
use crate::doc::{self, RawDoc};
use crate::error::Malformed;
use crate::{MAX_JSON_LEN, MAX_SIG_LEN};

/// HMAC-SHA256, the MAC of UserSig v2.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard alphabet, padding accepted when present and when absent.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How the JSON document is compressed. Every option gives a valid zlib
/// (RFC 1950) stream that every official verifier and Tencent's servers inflate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// **Default.** A single-pass deflate with the fixed Huffman codes (zlib
    /// header `78 9c`): within a few bytes of zlib level 6 (the size the
    /// official Python, PHP and Node libraries produce), at a fraction of the cost.
    #[default]
    Default,
    /// zlib level 6 through the zlib library (header `78 9c`), the mode of the
    /// official Python, PHP, Node and Java libraries. Slower, no shorter.
    Zlib,
    /// Stored blocks, no compression (header `78 01`), what the official Go
    /// library (>= 1.4) produces: the fastest, about 30% longer sigs.
    Stored,
}

/// Per-thread working memory, so that signing and verifying allocate nothing
/// beyond the values they return once a thread has warmed up.
struct Scratch {
    inflater: Decompress,
    zlib6: Option<Compress>,
    lz: Lz,
    /// Signing: the JSON document. Verifying: the input in the standard alphabet.
    text: Vec<u8>,
    /// The zlib stream.
    zlib: Vec<u8>,
    /// Verifying: the inflated document (kept at `MAX_JSON_LEN + 1` bytes).
    json: Vec<u8>,
    /// Signing: the userbuf in base64.
    userbuf: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        inflater: Decompress::new(true),
        zlib6: None,
        lz: Lz::default(),
        text: Vec::new(),
        zlib: Vec::new(),
        json: Vec::new(),
        userbuf: String::new(),
    });
}

/// The fields of a sig to issue.
pub(crate) struct Fields<'a> {
    pub(crate) identifier: &'a str,
    pub(crate) sdkappid: u64,
    pub(crate) time: u64,
    pub(crate) expire: u64,
    pub(crate) userbuf: Option<&'a [u8]>,
}

/// Signs `fields` with `mac` and encodes the sig.
pub(crate) fn issue(mac: &HmacSha256, f: &Fields<'_>, compression: Compression) -> String {
    SCRATCH.with_borrow_mut(|s| {
        let userbuf_b64 = f.userbuf.map(|b| {
            s.userbuf.clear();
            STANDARD.encode_string(b, &mut s.userbuf);
            s.userbuf.as_str()
        });
        let mut mac = mac.clone();
        mac_signed_text(
            &mut mac,
            f.identifier,
            f.sdkappid,
            f.time,
            f.expire,
            userbuf_b64,
        );
        let tag = mac.finalize().into_bytes();
        let mut sig = [0u8; 44];
        let sig = match STANDARD.encode_slice(tag, &mut sig) {
            Ok(n) => sig.get(..n).unwrap_or_default(),
            Err(_) => &[],
        };
        s.text.clear();
        write_json(&mut s.text, f, userbuf_b64, sig);
        s.zlib.clear();
        match compression {
            Compression::Default => {
                // The document ends with the 44 base64 characters of the MAC and `"}`.
                let tail = s.text.len().saturating_sub(sig.len() + 2);
                s.lz.compress_with_literal_tail(&s.text, tail, &mut s.zlib);
            }
            Compression::Stored => deflate::stored(&s.text, &mut s.zlib),
            Compression::Zlib => zlib6(
                s.zlib6
                    .get_or_insert_with(|| Compress::new(flate2::Compression::new(6), true)),
                &s.text,
                &mut s.zlib,
            ),
        }
        encode_outer(&s.zlib)
    })
}

/// The intermediate forms of a decoded sig.
pub(crate) struct Layers<'a> {
    /// The zlib stream.
    pub(crate) zlib: &'a [u8],
    /// The inflated document.
    pub(crate) json: &'a [u8],
}

/// Decodes a sig and hands its fields, borrowed from per-thread memory, to `f`.
pub(crate) fn with_doc<R>(
    sig: &[u8],
    f: impl FnOnce(RawDoc<'_>, &Layers<'_>) -> R,
) -> Result<R, Malformed> {
    SCRATCH.with_borrow_mut(|s| {
        decode_outer(sig, &mut s.text, &mut s.zlib)?;
        let n = inflate(&mut s.inflater, &s.zlib, &mut s.json)?;
        let json = s.json.get(..n).unwrap_or_default();
        let layers = Layers {
            zlib: &s.zlib,
            json,
        };
        Ok(f(doc::parse(json)?, &layers))
    })
}

/// Builds the exact text the MAC covers and feeds it to `mac`.
pub(crate) fn mac_signed_text(
    mac: &mut HmacSha256,
    identifier: &str,
    sdkappid: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) {
    let mut num = itoa::Buffer::new();
    mac.update(b"TLS.identifier:");
    mac.update(identifier.as_bytes());
    mac.update(b"\nTLS.sdkappid:");
    mac.update(num.format(sdkappid).as_bytes());
    mac.update(b"\nTLS.time:");
    mac.update(num.format(time).as_bytes());
    mac.update(b"\nTLS.expire:");
    mac.update(num.format(expire).as_bytes());
    mac.update(b"\n");
    if let Some(ub) = userbuf_b64 {
        mac.update(b"TLS.userbuf:");
        mac.update(ub.as_bytes());
        mac.update(b"\n");
    }
}

/// The keyed HMAC state for an app, refusing app id 0 (shared by
/// [`crate::Signer::new`] and [`crate::Verifier::new`]).
pub(crate) fn app_mac(sdkappid: u32, key: &[u8]) -> Result<HmacSha256, crate::Error> {
    if sdkappid == 0 {
        return Err(crate::InvalidArgument::ZeroAppId.into());
    }
    Ok(keyed_mac(key))
}

/// A keyed HMAC state, ready to clone per message.
pub(crate) fn keyed_mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable_invalid_length(),
    }
}

#[cold]
fn unreachable_invalid_length() -> HmacSha256 {
    // Never reached: HMAC takes keys of every length. Kept panic-free anyway.
    HmacSha256::new(&Default::default())
}

/// Decodes a standard-base64 field (`TLS.userbuf`): canonical, padded.
pub(crate) fn b64_field(s: &str) -> Option<Vec<u8>> {
    general_purpose::STANDARD.decode(s).ok()
}

/// Decodes `TLS.sig` into the 32 bytes of an HMAC-SHA256, without allocating.
/// What every library writes (43 characters and one `=`) is decoded by the
/// table; anything else goes to the base64 crate, which decides.
pub(crate) fn b64_tag(s: &str) -> Option<[u8; 32]> {
    let mut tag = [0u8; 32];
    let body = s.as_bytes().strip_suffix(b"=");
    if body.is_some_and(|body| decode_unpadded(&DECODE_STANDARD, body, &mut tag)) {
        return Some(tag);
    }
    let mut buf = [0u8; 48];
    match general_purpose::STANDARD.decode_slice(s, &mut buf) {
        Ok(32) => {
            let mut tag = [0u8; 32];
            tag.copy_from_slice(buf.get(..32)?);
            Some(tag)
        }
        _ => None,
    }
}

/// Writes the JSON document in the key order the Go, PHP and C++ verifiers read:
/// ver, identifier, sdkappid, expire, time, [userbuf], sig. Compact; non-ASCII as UTF-8.
fn write_json(out: &mut Vec<u8>, f: &Fields<'_>, userbuf_b64: Option<&str>, sig_b64: &[u8]) {
    let mut num = itoa::Buffer::new();
    out.extend_from_slice(b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":");
    write_json_str(out, f.identifier);
    out.extend_from_slice(b",\"TLS.sdkappid\":");
    out.extend_from_slice(num.format(f.sdkappid).as_bytes());
    out.extend_from_slice(b",\"TLS.expire\":");
    out.extend_from_slice(num.format(f.expire).as_bytes());
    out.extend_from_slice(b",\"TLS.time\":");
    out.extend_from_slice(num.format(f.time).as_bytes());
    if let Some(ub) = userbuf_b64 {
        out.extend_from_slice(b",\"TLS.userbuf\":\"");
        out.extend_from_slice(ub.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b",\"TLS.sig\":\"");
    out.extend_from_slice(sig_b64);
    out.extend_from_slice(b"\"}");
}

/// JSON string literal. Identifiers are validated to hold no control
/// characters, so only `"` and `\` need escaping; control characters are
/// escaped anyway so the function is correct for any input.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.extend(
                    [b >> 4, b & 0xf]
                        .iter()
                        .filter_map(|&n| HEX.get(usize::from(n))),
                );
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// zlib level 6 through the zlib library, with a reused compressor.
fn zlib6(c: &mut Compress, data: &[u8], out: &mut Vec<u8>) {
    c.reset();
    out.reserve(data.len() + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        let rest = data.get(consumed..).unwrap_or_default();
        match c.compress_vec(rest, out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return,
            // Out of room (never for documents of our size): grow and go on.
            _ => out.reserve(out.capacity().max(64)),
        }
    }
}

/// The outer encoding: standard base64 with `+` -> `*`, `/` -> `-`, `=` -> `_`.
pub(crate) fn encode_outer(zlib: &[u8]) -> String {
    let mut out = vec![0u8; zlib.len().div_ceil(3) * 4];
    let mut input = zlib.chunks_exact(3);
    let mut output = out.chunks_exact_mut(4);
    for (i, o) in input.by_ref().zip(output.by_ref()) {
        if let (&[a, b, c], [w, x, y, z]) = (i, o) {
            let n = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
            let ([p, q], [r, s]) = (pair(n >> 12), pair(n & 0xfff));
            (*w, *x, *y, *z) = (p, q, r, s);
        }
    }
    if let Some([w, x, y, z]) = output.next() {
        let (a, b) = match *input.remainder() {
            [a] => (a, None),
            [a, b] => (a, Some(b)),
            _ => (0, None),
        };
        let n = usize::from(a) << 16 | usize::from(b.unwrap_or(0)) << 8;
        let ([p, q], [r, _]) = (pair(n >> 12), pair(n & 0xfff));
        (*w, *x, *y, *z) = (p, q, if b.is_some() { r } else { b'_' }, b'_');
    }
    // The alphabet is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// The UserSig alphabet: standard base64 with `*` and `-` for `+` and `/`.
const USERSIG_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";

/// The two characters for each 12-bit value, so three bytes are encoded with
/// two lookups (a measured third of the base64 crate's time on sig-sized input).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an out-of-range index is a build error"
)]
const PAIRS: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut n = 0;
    while n < 4096 {
        t[n] = [USERSIG_ALPHABET[n >> 6], USERSIG_ALPHABET[n & 63]];
        n += 1;
    }
    t
};

#[inline(always)]
fn pair(n: usize) -> [u8; 2] {
    PAIRS.get(n).copied().unwrap_or_default()
}

/// Undoes the outer encoding into `zlib`. Caps the input length, then drops
/// surrounding ASCII whitespace (a sig pasted or read from a file often
/// ends with a newline). Accepts the URL-safe variant and the standard
/// alphabet (even mixed), with or without padding.
fn decode_outer(raw: &[u8], std: &mut Vec<u8>, zlib: &mut Vec<u8>) -> Result<(), Malformed> {
    if raw.len() > MAX_SIG_LEN {
        return Err(Malformed::TooLong {
            len: raw.len(),
            max: MAX_SIG_LEN,
        });
    }
    let sig = raw.trim_ascii();
    if sig.is_empty() {
        return Err(Malformed::Empty);
    }
    // Positions in errors count from the start of the input as given.
    let leading = raw.len() - raw.trim_ascii_start().len();
    // Fast path: the UserSig alphabet with canonical `_` padding (or none),
    // decoded in one pass. Anything else takes the general path below, which
    // accepts the same inputs (and more) and says precisely what is wrong.
    let pad = sig.iter().rev().take_while(|&&b| b == b'_').count();
    if let Some(body) = sig.get(..sig.len() - pad) {
        if (pad == 0 || (pad <= 2 && sig.len() % 4 == 0)) && decode_usersig_alphabet(body, zlib) {
            return Ok(());
        }
    }
    std.clear();
    for (position, &b) in sig.iter().enumerate() {
        std.push(match b {
            b'*' => b'+',
            b'-' => b'/',
            b'_' => b'=',
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => b,
            _ => {
                return Err(Malformed::InvalidCharacter {
                    position: position + leading,
                });
            }
        });
    }
    zlib.clear();
    LENIENT
        .decode_vec(&*std, zlib)
        .map_err(|_| Malformed::Base64)
}

/// Each byte's value in `alphabet`, 0xff for bytes outside it.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const fn decode_table(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut t = [0xffu8; 256];
    let mut v = 0;
    while v < 64 {
        t[alphabet[v] as usize] = v as u8;
        v += 1;
    }
    t
}

/// The UserSig alphabet, for the outer encoding.
const DECODE_USERSIG: [u8; 256] = decode_table(USERSIG_ALPHABET);
/// The standard alphabet, for `TLS.sig`.
const DECODE_STANDARD: [u8; 256] =
    decode_table(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

/// Decodes unpadded base64 in the alphabet of `table` into `out`, which
/// must have exactly the decoded length, four characters at a time.
/// Answers `false` (leaving `out` in any state) for anything else: a
/// character outside the alphabet, a length that does not fit `out`, or
/// nonzero bits after the last byte, which the callers then hand to the
/// base64 crate. Held to the base64 crate by the tests.
fn decode_unpadded(table: &[u8; 256], body: &[u8], out: &mut [u8]) -> bool {
    let tail = body.len() % 4;
    if tail == 1 || out.len() != body.len() / 4 * 3 + tail.saturating_sub(1) {
        return false;
    }
    let sextet = |b: u8| u32::from(table.get(usize::from(b)).copied().unwrap_or(0xff));
    let mut input = body.chunks_exact(4);
    let mut output = out.chunks_exact_mut(3);
    let mut bad = 0;
    for (i, o) in input.by_ref().zip(output.by_ref()) {
        if let (&[a, b, c, d], [x, y, z]) = (i, o) {
            let (a, b, c, d) = (sextet(a), sextet(b), sextet(c), sextet(d));
            bad |= a | b | c | d;
            let [_, p, q, r] = (a << 18 | b << 12 | c << 6 | d).to_be_bytes();
            (*x, *y, *z) = (p, q, r);
        }
    }
    match (input.remainder(), output.into_remainder()) {
        ([], []) => {}
        (&[a, b], [x]) => {
            let (a, b) = (sextet(a), sextet(b));
            bad |= a | b | u32::from(b & 0x0f != 0) << 7;
            let [_, p, _, _] = (a << 18 | b << 12).to_be_bytes();
            *x = p;
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(a), sextet(b), sextet(c));
            bad |= a | b | c | u32::from(c & 0x03 != 0) << 7;
            let [_, p, q, _] = (a << 18 | b << 12 | c << 6).to_be_bytes();
            (*x, *y) = (p, q);
        }
        _ => return false,
    }
    bad & 0xc0 == 0
}

/// The fast path of [`decode_outer`]: unpadded UserSig-alphabet base64.
fn decode_usersig_alphabet(body: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    out.resize(body.len() / 4 * 3 + (body.len() % 4).saturating_sub(1), 0);
    decode_unpadded(&DECODE_USERSIG, body, out)
}

/// Inflates a zlib stream into `out`, refusing to produce more than
/// [`MAX_JSON_LEN`] bytes; returns the length produced.
pub(crate) fn inflate(
    d: &mut Decompress,
    zlib: &[u8],
    out: &mut Vec<u8>,
) -> Result<usize, Malformed> {
    // One byte beyond the cap tells "exactly at the cap" from "over it".
    out.resize(MAX_JSON_LEN + 1, 0);
    if let Some(n) = out
        .get_mut(..MAX_JSON_LEN)
        .and_then(|cap| crate::inflate::inflate_simple(zlib, cap))
    {
        return Ok(n);
    }
    d.reset(true);
    let status = d
        .decompress(zlib, out, FlushDecompress::Finish)
        .map_err(|_| Malformed::Zlib)?;
    let produced = usize::try_from(d.total_out()).unwrap_or(usize::MAX);
    let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
    if produced > MAX_JSON_LEN {
        return Err(Malformed::InflatedTooLarge { max: MAX_JSON_LEN });
    }
    match status {
        Status::StreamEnd if consumed == zlib.len() => Ok(produced),
        Status::StreamEnd => Err(Malformed::ZlibTrailingData),
        _ => Err(Malformed::ZlibTruncated),
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, reason = "test data from a PRNG")]
mod tests {
    use super::*;

    /// The base64 crate reading the UserSig alphabet without padding: what the
    /// table-driven decoder is held to.
    const USERSIG_NO_PAD: GeneralPurpose = GeneralPurpose::new(
        &match base64::alphabet::Alphabet::new(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-",
        ) {
            Ok(a) => a,
            Err(_) => panic!("a valid alphabet"),
        },
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );

    /// Every document a `Signer` writes (plain, with a userbuf, a room
    /// ticket) starts with the prefix whose parse the deflate writer
    /// resumes from; if the writer here ever changes its first fields,
    /// signing would silently lose that shortcut.
    #[test]
    fn signed_documents_start_with_the_deflate_snapshot_prefix() {
        let key = crate::SecretKey::new("k").unwrap();
        let signer = crate::Signer::new(1_400_000_000, &key).unwrap();
        let sigs = [
            signer.sign_at("xiaojun", 60, 1).unwrap(),
            signer
                .sign_with_userbuf_at("\u{1f600}", 60, b"ub", 1)
                .unwrap(),
            signer
                .sign_private_map_key_at("a", 60, &crate::Room::Id(1), crate::Privileges::all(), 1)
                .unwrap(),
        ];
        for sig in sigs {
            let json = crate::inspect(&sig).unwrap().json;
            assert!(
                json.as_bytes().starts_with(crate::deflate::DOC_PREFIX),
                "{json}"
            );
        }
    }

    /// The fast decoder accepts exactly what the base64 crate accepts in the
    /// UserSig alphabet without padding, with the same bytes.
    #[test]
    fn fast_decoding_matches_the_base64_crate() {
        let alphabet = USERSIG_ALPHABET;
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut ours, mut accepted) = (Vec::new(), 0);
        for round in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut text: Vec<u8> = (0..len).map(|_| alphabet[(next() % 64) as usize]).collect();
            // Now and then a byte from outside the alphabet, anywhere.
            if round % 7 == 0 && len > 0 {
                let at = (next() % len as u64) as usize;
                text[at] = [b'+', b'/', b'=', b'_', 0, 0xff, b' '][(next() % 7) as usize];
            }
            let theirs = USERSIG_NO_PAD.decode(&text).ok();
            let fast = decode_usersig_alphabet(&text, &mut ours);
            assert_eq!(
                fast,
                theirs.is_some(),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
            if let Some(theirs) = theirs {
                assert_eq!(ours, theirs);
                accepted += 1;
            }
        }
        assert!(accepted > 5_000, "{accepted} accepted");
    }

    /// `TLS.sig` decodes as the base64 crate's canonical standard decoding
    /// says, whether or not the table takes it.
    #[test]
    fn tag_decoding_matches_the_base64_crate() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=*-_ ";
        for round in 0..20_000 {
            let mut tag = [0u8; 32];
            tag.iter_mut().for_each(|b| *b = next() as u8);
            let mut text = STANDARD.encode(tag).into_bytes();
            match round % 4 {
                0 => {}
                1 => {
                    let at = (next() % 44) as usize;
                    text[at] = alphabet[(next() % alphabet.len() as u64) as usize];
                }
                2 => text.truncate((next() % 45) as usize),
                _ => text.push(alphabet[(next() % alphabet.len() as u64) as usize]),
            }
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            let theirs = match STANDARD.decode(&text) {
                Ok(v) if v.len() == 32 => Some(v),
                _ => None,
            };
            assert_eq!(b64_tag(&text).map(|t| t.to_vec()), theirs, "{text:?}");
        }
    }

    /// The table-driven encoder writes what the base64 crate writes, mapped
    /// to the UserSig alphabet, for every length and padding case.
    #[test]
    fn outer_encoding_matches_the_base64_crate_mapped() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..300 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[3]
                })
                .collect();
            let expected: String = STANDARD
                .encode(&data)
                .chars()
                .map(|c| match c {
                    '+' => '*',
                    '/' => '-',
                    '=' => '_',
                    c => c,
                })
                .collect();
            assert_eq!(encode_outer(&data), expected, "length {len}");
            let (mut std, mut zlib) = (Vec::new(), Vec::new());
            if !data.is_empty() {
                decode_outer(expected.as_bytes(), &mut std, &mut zlib).unwrap();
                assert_eq!(zlib, data);
            }
        }
        let every: Vec<u8> = (0..=255u8).flat_map(|a| [a, a ^ 0x5a, !a]).collect();
        assert_eq!(encode_outer(&every).len(), every.len() / 3 * 4);
        assert_eq!(
            STANDARD.encode(&every).replace('+', "*").replace('/', "-"),
            encode_outer(&every)
        );
    }
}
