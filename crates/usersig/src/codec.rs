//! The wire format: alphabet, base64, zlib with caps, the signed text and the JSON document.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

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
    /// zlib level 6 (header `78 9c`), what the official Python, PHP, Node and
    /// Java libraries produce. The shortest sigs. **Default.**
    #[default]
    Default,
    /// zlib level 1 (header `78 01`), what the official C++ library produces.
    Fast,
    /// Stored blocks, no compression (header `78 01`), what the official Go
    /// library (>= 1.4) produces: the fastest to sign, about 30% longer sigs.
    Stored,
}

impl Compression {
    fn level(self) -> flate2::Compression {
        match self {
            Compression::Default => flate2::Compression::new(6),
            Compression::Fast => flate2::Compression::new(1),
            Compression::Stored => flate2::Compression::new(0),
        }
    }
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

/// Standard base64 with padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes a standard-base64 field (`TLS.sig`, `TLS.userbuf`): canonical, padded.
pub(crate) fn b64_field(s: &str) -> Option<Vec<u8>> {
    general_purpose::STANDARD.decode(s).ok()
}

/// Writes the JSON document in the key order the Go, PHP and C++ verifiers read:
/// ver, identifier, sdkappid, expire, time, [userbuf], sig. Compact; non-ASCII as UTF-8.
pub(crate) fn write_json(
    out: &mut Vec<u8>,
    identifier: &str,
    sdkappid: u64,
    expire: u64,
    time: u64,
    userbuf_b64: Option<&str>,
    sig_b64: &str,
) {
    let mut num = itoa::Buffer::new();
    out.extend_from_slice(b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":");
    write_json_str(out, identifier);
    out.extend_from_slice(b",\"TLS.sdkappid\":");
    out.extend_from_slice(num.format(sdkappid).as_bytes());
    out.extend_from_slice(b",\"TLS.expire\":");
    out.extend_from_slice(num.format(expire).as_bytes());
    out.extend_from_slice(b",\"TLS.time\":");
    out.extend_from_slice(num.format(time).as_bytes());
    if let Some(ub) = userbuf_b64 {
        out.extend_from_slice(b",\"TLS.userbuf\":\"");
        out.extend_from_slice(ub.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b",\"TLS.sig\":\"");
    out.extend_from_slice(sig_b64.as_bytes());
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

/// zlib-compresses `json`.
pub(crate) fn deflate(json: &[u8], compression: Compression) -> Vec<u8> {
    let mut c = Compress::new(compression.level(), true);
    // Enough for stored blocks (2-byte header, 5 bytes a block, 4-byte adler32)
    // and for any compressed form of a document this small.
    let mut out = Vec::with_capacity(json.len() + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        let rest = json.get(consumed..).unwrap_or_default();
        match c.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            // Out of room (never for documents of our size): grow and go on.
            _ => out.reserve(out.capacity().max(64)),
        }
    }
}

/// The outer encoding: standard base64 with `+` -> `*`, `/` -> `-`, `=` -> `_`.
pub(crate) fn encode_outer(zlib: &[u8]) -> String {
    let s = STANDARD.encode(zlib);
    s.chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// Undoes the outer encoding. Accepts the URL-safe variant and the standard
/// alphabet (even mixed), with or without padding. Caps the input length.
pub(crate) fn decode_outer(sig: &[u8]) -> Result<Vec<u8>, Malformed> {
    if sig.is_empty() {
        return Err(Malformed::Empty);
    }
    if sig.len() > MAX_SIG_LEN {
        return Err(Malformed::TooLong {
            len: sig.len(),
            max: MAX_SIG_LEN,
        });
    }
    let mut std = Vec::with_capacity(sig.len());
    for (position, &b) in sig.iter().enumerate() {
        std.push(match b {
            b'*' => b'+',
            b'-' => b'/',
            b'_' => b'=',
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => b,
            _ => return Err(Malformed::InvalidCharacter { position }),
        });
    }
    LENIENT.decode(&std).map_err(|_| Malformed::Base64)
}

/// Inflates a zlib stream, refusing to produce more than [`MAX_JSON_LEN`] bytes.
pub(crate) fn inflate(zlib: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut d = Decompress::new(true);
    // One byte beyond the cap tells "exactly at the cap" from "over it".
    let mut out = vec![0u8; MAX_JSON_LEN + 1];
    let status = d
        .decompress(zlib, &mut out, FlushDecompress::Finish)
        .map_err(|_| Malformed::Zlib)?;
    let produced = usize::try_from(d.total_out()).unwrap_or(usize::MAX);
    let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
    match status {
        Status::StreamEnd if produced <= MAX_JSON_LEN => {
            if consumed != zlib.len() {
                return Err(Malformed::ZlibTrailingData);
            }
            out.truncate(produced);
            Ok(out)
        }
        _ if produced > MAX_JSON_LEN => Err(Malformed::InflatedTooLarge { max: MAX_JSON_LEN }),
        Status::StreamEnd => Err(Malformed::InflatedTooLarge { max: MAX_JSON_LEN }),
        _ => Err(Malformed::ZlibTruncated),
    }
}
