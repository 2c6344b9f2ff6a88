//! Test helpers: an independent encoder for hand-made documents, and the vectors file.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The vectors file shared by the Rust and Python suites.
pub fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/usersig-v2-official.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors file"))
        .expect("vectors JSON")
}

/// `TLS.sig` for the given fields, computed from SPEC 1.1 directly.
pub fn tls_sig(
    key: &str,
    id: &str,
    app: u64,
    time: u64,
    expire: u64,
    userbuf: Option<&str>,
) -> String {
    let mut text =
        format!("TLS.identifier:{id}\nTLS.sdkappid:{app}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(u) = userbuf {
        text.push_str(&format!("TLS.userbuf:{u}\n"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// zlib (at `level`), standard base64, then the UserSig alphabet.
pub fn wrap(raw: &[u8], level: u32) -> String {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(raw).unwrap();
    to_alphabet(&STANDARD.encode(e.finish().unwrap()))
}

/// The UserSig alphabet applied to standard base64.
pub fn to_alphabet(b64: &str) -> String {
    b64.replace('+', "*").replace('/', "-").replace('=', "_")
}

/// Undoes [`wrap`]: the inflated document.
pub fn unwrap(sig: &str) -> String {
    let b64 = sig.replace('*', "+").replace('-', "/").replace('_', "=");
    let z = STANDARD.decode(b64).unwrap();
    let mut s = String::new();
    flate2::read::ZlibDecoder::new(&z[..])
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// A correctly signed sig for arbitrary field values (including ones our
/// signer refuses to produce).
pub fn forge(
    key: &str,
    id: &str,
    app: u64,
    time: u64,
    expire: u64,
    userbuf: Option<&str>,
) -> String {
    let sig = tls_sig(key, id, app, time, expire, userbuf);
    let mut doc = serde_json::json!({
        "TLS.ver": "2.0", "TLS.identifier": id, "TLS.sdkappid": app,
        "TLS.expire": expire, "TLS.time": time, "TLS.sig": sig,
    });
    if let Some(u) = userbuf {
        doc["TLS.userbuf"] = Value::from(u);
    }
    wrap(doc.to_string().as_bytes(), 6)
}

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
