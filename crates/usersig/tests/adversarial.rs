//! Hostile inputs, end to end through `verify` and `inspect`: zlib bombs,
//! oversized inputs, deep nesting, duplicate and disguised keys, numbers of
//! every wrong kind, bad UTF-8, foreign characters, every truncation.
//! (`errors.rs` reaches each error variant once; this file pushes each layer
//! to its edges.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{tls_sig, to_alphabet, vectors, wrap};
use usersig::{
    Compression, Error, MAX_JSON_LEN, MAX_SIG_LEN, Malformed, Privileges, Room, SecretKey, Signer,
    Verifier, inspect,
};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u32 = 1_400_000_000;
const T: u64 = 1_700_000_000;

fn verifier() -> Verifier {
    Verifier::new(APP, &SecretKey::new(KEY).unwrap()).unwrap()
}
fn signer() -> Signer {
    Signer::new(APP, &SecretKey::new(KEY).unwrap()).unwrap()
}

/// The compact document our signer writes, for `id`, with the real MAC
/// and `extra` (raw JSON members, each followed by a comma) inserted before `TLS.sig`.
fn doc(id: &str, extra: &str) -> String {
    let sig = tls_sig(KEY, id, u64::from(APP), T, 100, None);
    format!(
        r#"{{"TLS.ver":"2.0","TLS.identifier":"{id}","TLS.sdkappid":{APP},"TLS.expire":100,"TLS.time":{T},{extra}"TLS.sig":"{sig}"}}"#
    )
}

/// zlib of `raw` with a given encoder, outer-encoded.
fn outer(zlib: &[u8]) -> String {
    to_alphabet(&STANDARD.encode(zlib))
}

fn zlib(raw: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(raw).unwrap();
    e.finish().unwrap()
}

fn malformed(sig: impl AsRef<[u8]>) -> Malformed {
    let sig = sig.as_ref();
    let verified = verifier().verify_at("u", sig, T);
    // `inspect` decodes as far as `verify` does and fails the same way.
    match (verified, inspect(sig)) {
        (Err(Error::Malformed(m)), Err(Error::Malformed(n))) if m == n => m,
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- zlib bombs

/// A zlib stream of `n` spaces in one fixed-Huffman block of maximal matches
/// (13 bits per 258 bytes), written by hand: a bomb that costs nothing to make.
fn bomb(n: usize) -> Vec<u8> {
    struct Bits(Vec<u8>, u64, u32);
    impl Bits {
        fn put(&mut self, v: u64, len: u32) {
            self.1 |= v << self.2;
            self.2 += len;
            while self.2 >= 8 {
                self.0.push(self.1.to_le_bytes()[0]);
                self.1 >>= 8;
                self.2 -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let rev = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
            self.put(rev, len);
        }
    }
    let mut b = Bits(vec![0x78, 0x01], 0, 0);
    b.put(0b011, 3); // final block, fixed Huffman
    b.code(0x30 + u64::from(b' '), 8); // one literal space
    let mut left = n - 1;
    while left >= 258 {
        b.code(0xc5, 8); // length symbol 285: 258 bytes
        b.code(0, 5); // distance code 0: 1 back
        left -= 258;
    }
    for _ in 0..left {
        b.code(0x30 + u64::from(b' '), 8);
    }
    b.code(0, 7); // end of block
    if b.2 > 0 {
        b.put(0, 8 - b.2);
    }
    let mut z = b.0;
    z.extend_from_slice(&adler2::adler32_slice(&vec![b' '; n]).to_be_bytes());
    z
}

#[test]
fn bombs_are_refused_once_the_cap_is_produced() {
    // The largest such bomb that fits the input cap: about 24 KiB of zlib
    // inflating to 3.8 MB, over 200 times the cap.
    let n = (MAX_SIG_LEN / 4 * 3 - 300) * 8 / 13 * 258;
    let z = bomb(n);
    assert_eq!(
        miniz_oxide::inflate::decompress_to_vec_zlib(&z)
            .unwrap()
            .len(),
        n
    );
    let sig = outer(&z);
    assert!(sig.len() <= MAX_SIG_LEN, "{}", sig.len());
    let started = Instant::now();
    assert_eq!(
        malformed(&sig),
        Malformed::InflatedTooLarge { max: MAX_JSON_LEN }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // zlib's own best (level 9, dynamic codes) for the same input length.
    let z9 = zlib(&vec![b' '; 4 << 20], 9);
    assert_eq!(
        malformed(outer(&z9)),
        Malformed::InflatedTooLarge { max: MAX_JSON_LEN }
    );
}

#[test]
fn a_bomb_is_not_read_past_the_cap() {
    // Four times the cap, then a wrong checksum and garbage: the refusal is
    // about size, so inflation stopped before reaching them.
    let mut z = bomb(MAX_JSON_LEN * 4);
    z.truncate(z.len() - 4);
    z.extend_from_slice(&[0xff; 64]);
    assert_eq!(
        malformed(outer(&z)),
        Malformed::InflatedTooLarge { max: MAX_JSON_LEN }
    );
    // A document that is valid JSON up to the cap and then goes on.
    let mut big = doc("u", r#""x":""#).into_bytes();
    big.truncate(big.len() - 60);
    big.resize(MAX_JSON_LEN * 100, b'a');
    assert_eq!(
        malformed(wrap(&big, 9)),
        Malformed::InflatedTooLarge { max: MAX_JSON_LEN }
    );
}

#[test]
fn exactly_the_cap_is_accepted() {
    // A signed document padded with whitespace to exactly MAX_JSON_LEN bytes.
    let mut d = doc("u", "").into_bytes();
    d.resize(MAX_JSON_LEN, b' ');
    for level in [0, 1, 9] {
        let sig = wrap(&d, level);
        assert!(sig.len() <= MAX_SIG_LEN);
        assert!(verifier().verify_at("u", &sig, T).is_ok(), "level {level}");
        assert_eq!(inspect(&sig).unwrap().json.len(), MAX_JSON_LEN);
    }
    d.push(b' ');
    assert_eq!(
        malformed(wrap(&d, 9)),
        Malformed::InflatedTooLarge { max: MAX_JSON_LEN }
    );
}

// ------------------------------------------------------------ large inputs

#[test]
fn large_inputs_are_refused_before_any_decoding() {
    let started = Instant::now();
    for len in [MAX_SIG_LEN + 1, 1 << 20, 100 << 20] {
        // The first byte is outside the alphabet and the rest is a repeated
        // valid sig: reported as TooLong, so no byte was looked at.
        let real = signer().sign_at("u", 100, T).unwrap();
        let mut input = Vec::with_capacity(len);
        input.push(b'!');
        while input.len() < len {
            let n = (len - input.len()).min(real.len());
            input.extend_from_slice(&real.as_bytes()[..n]);
        }
        assert_eq!(
            malformed(&input),
            Malformed::TooLong {
                len,
                max: MAX_SIG_LEN
            }
        );
        for room in [Room::Id(1), Room::Str("r".into())] {
            assert_eq!(
                verifier().verify_private_map_key_at("u", &room, &input, T),
                Err(Malformed::TooLong {
                    len,
                    max: MAX_SIG_LEN
                }
                .into())
            );
        }
        assert_eq!(
            verifier().verify_with_userbuf_at("u", &input, b"", T),
            Err(Malformed::TooLong {
                len,
                max: MAX_SIG_LEN
            }
            .into())
        );
    }
    // Decoding 100 MB (even only the alphabet) would take far longer than this.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn just_under_the_length_cap_is_decoded() {
    // MAX_SIG_LEN characters of valid base64 reach the zlib layer.
    let input = "A".repeat(MAX_SIG_LEN);
    assert_eq!(malformed(&input), Malformed::Zlib);
    // And the biggest sig we can issue (the longest identifier, every byte
    // of it escaped, the longest userbuf, stored) is far below the cap.
    let sig = signer()
        .with_compression(Compression::Stored)
        .sign_with_userbuf_at(
            &"\"".repeat(1024),
            usersig::MAX_EXPIRE,
            &[0xff; 1024],
            u64::MAX / 2,
        )
        .unwrap();
    assert!(sig.len() < 6 * 1024, "{}", sig.len());
}

// ------------------------------------------------------------ deep nesting

#[test]
fn deep_nesting_costs_no_stack() {
    let depth = 6_000;
    // In an unknown field: skipped iteratively, the sig verifies.
    for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
        let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let d = doc("u", &format!(r#""x":{nested},"#));
        if d.len() <= MAX_JSON_LEN {
            let sig = wrap(d.as_bytes(), 9);
            assert!(verifier().verify_at("u", &sig, T).is_ok(), "{open}");
        }
        // In a known field: the wrong type, whatever the depth.
        let d = doc("u", "").replace(
            r#""TLS.identifier":"u""#,
            &format!(r#""TLS.identifier":{nested}"#),
        );
        let d = d.as_bytes();
        let d = &d[..d.len().min(MAX_JSON_LEN)];
        let m = malformed(wrap(d, 9));
        assert!(
            matches!(
                m,
                Malformed::WrongType {
                    field: "TLS.identifier",
                    ..
                } | Malformed::JsonSyntax { .. }
            ),
            "{m:?}"
        );
    }
    // As the whole document: not an object, or bad syntax once cut at the cap.
    for raw in [
        "[".repeat(MAX_JSON_LEN),
        format!("{}{}", "[".repeat(8000), "]".repeat(8000)),
    ] {
        let m = malformed(wrap(raw.as_bytes(), 9));
        assert!(
            matches!(m, Malformed::NotAnObject | Malformed::JsonSyntax { .. }),
            "{m:?}"
        );
    }
    let unclosed = format!(r#"{{"x":{}"#, "[".repeat(MAX_JSON_LEN - 10));
    assert!(matches!(
        malformed(wrap(unclosed.as_bytes(), 9)),
        Malformed::JsonSyntax { .. }
    ));
}

// ---------------------------------------------------------- duplicate keys

/// Every field of the document, duplicated before or after the real one,
/// with the same or another value: always `DuplicateField`, never a verify.
#[test]
fn every_duplicated_field_is_refused() {
    let fields = [
        ("TLS.ver", r#""2.0""#),
        ("TLS.identifier", r#""mallory""#),
        ("TLS.identifier", r#""u""#),
        ("TLS.sdkappid", "1400000000"),
        ("TLS.sdkappid", "1"),
        ("TLS.expire", "999999999"),
        ("TLS.time", "1700000000"),
        ("TLS.userbuf", r#""AAAA""#),
        ("TLS.sig", r#""AAAA""#),
    ];
    let plain_mac = tls_sig(KEY, "u", u64::from(APP), T, 100, None);
    let userbuf_mac = tls_sig(KEY, "u", u64::from(APP), T, 100, Some("AAAA"));
    for (field, value) in fields {
        let member = format!(r#""{field}":{value},"#);
        // The document the duplicate goes into, signed for what it holds.
        let base = if field == "TLS.userbuf" {
            doc("u", r#""TLS.userbuf":"AAAA","#).replace(&plain_mac, &userbuf_mac)
        } else {
            doc("u", "")
        };
        let docs = [
            base.replacen(r#""TLS.sig""#, &format!(r#"{member}"TLS.sig""#), 1),
            base.replacen('{', &format!("{{{member}"), 1),
        ];
        for d in docs {
            for level in [0, 6] {
                let sig = wrap(d.as_bytes(), level);
                assert_eq!(malformed(&sig), Malformed::DuplicateField(field), "{d}");
                for who in ["u", "mallory"] {
                    assert!(verifier().verify_at(who, &sig, T).is_err());
                    assert!(
                        verifier()
                            .verify_with_userbuf_at(who, &sig, &[0, 0, 0], T)
                            .is_err()
                    );
                }
            }
        }
    }
}

/// A second key spelled with escapes is the same key once decoded: refused
/// as a duplicate, never taken as an unknown field nor as the only one.
#[test]
fn escaped_duplicate_keys_are_still_duplicates() {
    for spelled in [
        r#""TLS.identifie\u0072""#,
        r#""\u0054LS.identifier""#,
        r#""TLS\u002eidentifier""#,
        r#""TLS\/identifier""#,
    ] {
        let d = doc("u", &format!(r#"{spelled}:"mallory","#));
        let sig = wrap(d.as_bytes(), 6);
        if spelled.contains(r"\/") {
            // `\/` is `/`: another (unknown) name, ignored; the MAC still covers "u".
            assert!(verifier().verify_at("u", &sig, T).is_ok());
            assert!(verifier().verify_at("mallory", &sig, T).is_err());
        } else {
            assert_eq!(
                malformed(&sig),
                Malformed::DuplicateField("TLS.identifier"),
                "{spelled}"
            );
        }
    }
    // A field escaped throughout, once, is read as that field.
    let d = doc("u", "").replace(r#""TLS.identifier""#, r#""TLS.\u0069dentifier""#);
    assert_eq!(
        verifier()
            .verify_at("u", wrap(d.as_bytes(), 6), T)
            .unwrap()
            .identifier,
        "u"
    );
}

#[test]
fn nested_copies_of_fields_are_ignored() {
    let d = doc(
        "u",
        r#""x":{"TLS.identifier":"mallory","TLS.sig":"AAAA"},"y":[{"TLS.identifier":"mallory"}],"#,
    );
    let sig = wrap(d.as_bytes(), 6);
    assert_eq!(verifier().verify_at("u", &sig, T).unwrap().identifier, "u");
    assert_eq!(
        verifier().verify_at("mallory", &sig, T),
        Err(Error::IdentifierMismatch {
            expected: "mallory".into(),
            found: "u".into()
        })
    );
}

// ----------------------------------------------------------------- numbers

#[test]
fn numbers_of_every_wrong_kind_are_refused() {
    let cases = [
        "1400000000.0",
        "1.4e9",
        "14E8",
        "1400000000e0",
        "-1400000000",
        "-0",
        "-0.0",
        "0.5",
        "1e400",
        "18446744073709551616",
        "340282366920938463463374607431768211456",
        "99999999999999999999999999999999999999999999999999",
        r#""1400000000""#,
        "true",
        "null",
        "[1400000000]",
        r#"{"n":1400000000}"#,
    ];
    for field in ["TLS.sdkappid", "TLS.expire", "TLS.time"] {
        for bad in cases {
            let d = doc("u", "").replace(
                &format!(
                    r#""{field}":{}"#,
                    match field {
                        "TLS.sdkappid" => APP.to_string(),
                        "TLS.expire" => "100".into(),
                        _ => T.to_string(),
                    }
                ),
                &format!(r#""{field}":{bad}"#),
            );
            let sig = wrap(d.as_bytes(), 6);
            let m = malformed(&sig);
            // serde_json reports a float out of f64's range as bad syntax.
            assert!(
                matches!(m, Malformed::WrongType { field: f, .. } if f == field)
                    || (bad == "1e400" && matches!(m, Malformed::JsonSyntax { .. })),
                "{field} {bad}: {m:?}"
            );
        }
        // Not JSON at all: leading zeros, a plus sign, hex, NaN.
        for bad in [
            "01400000000",
            "+1400000000",
            "0x10",
            "NaN",
            "Infinity",
            "1.",
        ] {
            let d = doc("u", "").replacen(
                &format!(r#""{field}":"#),
                &format!(r#""{field}":{bad},"x":"#),
                1,
            );
            assert!(
                matches!(
                    malformed(wrap(d.as_bytes(), 6)),
                    Malformed::JsonSyntax { .. } | Malformed::WrongType { .. }
                ),
                "{field} {bad}"
            );
        }
    }
    // The largest values that parse: u64::MAX as time or expire overflows
    // the sum; as sdkappid it is not ours.
    let max = u64::MAX;
    let sig = common::forge(KEY, "u", max, T, 100, None);
    assert_eq!(
        verifier().verify_at("u", &sig, T),
        Err(Error::AppIdMismatch {
            expected: APP,
            found: max
        })
    );
    let sig = common::forge(KEY, "u", u64::from(APP), 1, max, None);
    assert_eq!(
        verifier().verify_at("u", &sig, T),
        Err(Malformed::TimeOverflow.into())
    );
}

// -------------------------------------------------------------------- text

#[test]
fn bad_utf8_and_bad_escapes_in_strings_are_refused() {
    let base = doc("u", "").into_bytes();
    let at = base.windows(5).position(|w| w == b"\"u\",\"").unwrap() + 1;
    for bad in [
        &b"\xff"[..],
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xe2\x82",
        b"\\ud800",
        b"\\udc00x",
        b"\\u12",
        b"\\x41",
        b"\x00",
        b"\n",
    ] {
        let mut d = base.clone();
        d.splice(at..=at, bad.iter().copied());
        let m = malformed(wrap(&d, 6));
        assert!(matches!(m, Malformed::JsonSyntax { .. }), "{bad:?}: {m:?}");
    }
    // Valid escapes decode to the identifier the MAC covered.
    for (spelled, id) in [(r"\u0075", "u"), (r"\u00e9", "é"), (r"\ud83d\ude00", "😀")] {
        let sig = tls_sig(KEY, id, u64::from(APP), T, 100, None);
        let d = format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{spelled}","TLS.sdkappid":{APP},"TLS.expire":100,"TLS.time":{T},"TLS.sig":"{sig}"}}"#
        );
        let claims = verifier().verify_at(id, wrap(d.as_bytes(), 6), T).unwrap();
        assert_eq!(claims.identifier, id);
    }
}

#[test]
fn every_character_outside_the_alphabet_is_refused_where_it_stands() {
    let sig = signer().sign_at("u", 100, T).unwrap();
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b"*-_+/=".contains(&b);
    for b in (0..=255u8).filter(|&b| !alphabet(b)) {
        for position in [0, sig.len() / 2, sig.len() - 1] {
            if b.is_ascii_whitespace() && position != sig.len() / 2 {
                continue; // surrounding whitespace is dropped (below)
            }
            let mut bad = sig.clone().into_bytes();
            bad[position] = b;
            assert_eq!(
                malformed(&bad),
                Malformed::InvalidCharacter { position },
                "byte {b:#04x} at {position}"
            );
        }
    }
    // Line-wrapped, URL-encoded, quoted, or with a NUL after it.
    for bad in [
        format!("{}\n{}", &sig[..76], &sig[76..]),
        sig.replace('*', "%2A"),
        format!("\"{sig}\""),
        format!("{sig}\0"),
    ] {
        assert!(matches!(
            malformed(&bad),
            Malformed::InvalidCharacter { .. }
        ));
    }
    // Multi-byte UTF-8 that looks like the alphabet.
    for lookalike in ["Ａ", "＊", "‐", "＿"] {
        let bad = format!("{}{lookalike}{}", &sig[..10], &sig[11..]);
        assert_eq!(
            malformed(&bad),
            Malformed::InvalidCharacter { position: 10 }
        );
    }
}

// ------------------------------------------------------------- truncations

/// Every prefix of every kind of sig (ours in each compression, with a
/// userbuf, a room ticket, and the official libraries' sigs) fails; only the
/// padding may go.
#[test]
fn every_truncation_of_every_kind_of_sig_fails() {
    let room = Room::Str("class-7".into());
    let mut sigs: Vec<(String, String)> = Vec::new();
    for c in [Compression::Default, Compression::Zlib, Compression::Stored] {
        let s = signer().with_compression(c);
        sigs.push(("xiaojun".into(), s.sign_at("xiaojun", 100, T).unwrap()));
        sigs.push((
            "xiaojun".into(),
            s.sign_with_userbuf_at("xiaojun", 100, b"\x00\x01buf", T)
                .unwrap(),
        ));
        sigs.push((
            "xiaojun".into(),
            s.sign_private_map_key_at("xiaojun", 100, &room, Privileges::ENTER_ROOM, T)
                .unwrap(),
        ));
    }
    for v in vectors()["vectors"].as_array().unwrap() {
        sigs.push((
            v["identifier"].as_str().unwrap().to_owned(),
            v["usersig"].as_str().unwrap().to_owned(),
        ));
    }
    for (id, sig) in &sigs {
        let full = inspect(sig).unwrap();
        let unpadded = sig.trim_end_matches('_').len();
        for n in 0..sig.len() {
            let prefix = &sig[..n];
            match inspect(prefix) {
                Ok(i) => {
                    assert!(n >= unpadded, "{sig}: prefix of {n} decodes");
                    assert_eq!(i, full);
                }
                Err(Error::Malformed(_)) => assert!(n < unpadded, "{sig}: {n}"),
                Err(e) => panic!("{e:?}"),
            }
            if n < unpadded {
                assert!(verifier().verify_at(id, prefix, T).is_err());
            }
        }
    }
}
