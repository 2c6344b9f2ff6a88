//! Every error variant, reached on purpose; expiry arithmetic; the key never printed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{forge, tls_sig, to_alphabet, wrap};
use usersig::{
    Error, InvalidArgument, Malformed, PrivateMapKeyError, Privileges, Room, SecretKey, Signer,
    Verifier, inspect,
};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u32 = 1_400_000_000;
const T: u64 = 1_700_000_000;

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}
fn signer() -> Signer {
    Signer::new(APP, &key()).unwrap()
}
fn verifier() -> Verifier {
    Verifier::new(APP, &key()).unwrap()
}
fn malformed(sig: &str) -> Malformed {
    match verifier().verify_at("u", sig, T) {
        Err(Error::Malformed(m)) => m,
        other => panic!("{sig}: {other:?}"),
    }
}

#[test]
fn expiry_boundary_and_leeway() {
    let sig = signer().sign_at("u", 100, T).unwrap();
    assert!(verifier().verify_at("u", &sig, T + 100).is_ok());
    assert_eq!(
        verifier().verify_at("u", &sig, T + 101),
        Err(Error::Expired {
            expired_at: T + 100,
            now: T + 101
        })
    );
    let lenient = verifier().with_leeway(30);
    assert!(lenient.verify_at("u", &sig, T + 130).is_ok());
    assert_eq!(
        lenient.verify_at("u", &sig, T + 131),
        Err(Error::Expired {
            expired_at: T + 100,
            now: T + 131
        })
    );
    // A leeway so large it saturates never wraps around into "expired".
    assert!(
        verifier()
            .with_leeway(u64::MAX)
            .verify_at("u", &sig, u64::MAX)
            .is_ok()
    );
}

#[test]
fn issue_time_in_the_future() {
    let sig = signer().sign_at("u", 100, T + 1000).unwrap();
    // Tencent's rule (and the default): a future issue time is not refused.
    assert!(verifier().verify_at("u", &sig, T).is_ok());
    let strict = verifier().with_max_future(60);
    assert_eq!(
        strict.verify_at("u", &sig, T),
        Err(Error::IssuedInFuture {
            issued_at: T + 1000,
            now: T,
            max_future: 60
        })
    );
    assert!(strict.verify_at("u", &sig, T + 940).is_ok());
}

#[test]
fn time_plus_expire_overflow() {
    // Correctly signed, but TLS.time + TLS.expire does not fit in 64 bits.
    let sig = forge(KEY, "u", u64::from(APP), u64::MAX - 5, 10, None);
    assert_eq!(
        verifier().verify_at("u", &sig, T),
        Err(Malformed::TimeOverflow.into())
    );
    assert_eq!(inspect(&sig).unwrap().expires_at, None);
    assert!(inspect(&sig).unwrap().is_expired_at(0));
    // Signing refuses a `now` that would overflow.
    assert_eq!(
        signer().sign_at("u", 10, u64::MAX - 5),
        Err(InvalidArgument::TimeOverflow.into())
    );
}

#[test]
fn mismatches() {
    let sig = signer().sign_at("alice", 100, T).unwrap();
    assert_eq!(
        verifier().verify_at("bob", &sig, T),
        Err(Error::IdentifierMismatch {
            expected: "bob".into(),
            found: "alice".into()
        })
    );
    let other_app = Verifier::new(APP + 1, &key()).unwrap();
    assert_eq!(
        other_app.verify_at("alice", &sig, T),
        Err(Error::AppIdMismatch {
            expected: APP + 1,
            found: u64::from(APP)
        })
    );
    let other_key = Verifier::new(APP, &SecretKey::new("another key").unwrap()).unwrap();
    assert_eq!(
        other_key.verify_at("alice", &sig, T),
        Err(Error::SignatureMismatch)
    );
    // The MAC is checked before the app id: with another key, a wrong app id
    // is reported as a signature mismatch, never as an app id mismatch.
    let both = Verifier::new(APP + 1, &SecretKey::new("another key").unwrap()).unwrap();
    assert_eq!(
        both.verify_at("alice", &sig, T),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn userbuf_rules() {
    let with = signer()
        .sign_with_userbuf_at("u", 100, b"\x00ab\x00", T)
        .unwrap();
    let plain = signer().sign_at("u", 100, T).unwrap();
    let claims = verifier()
        .verify_with_userbuf_at("u", &with, b"\x00ab\x00", T)
        .unwrap();
    assert_eq!(claims.userbuf.as_deref(), Some(&b"\x00ab\x00"[..]));
    assert_eq!(
        verifier().verify_with_userbuf_at("u", &with, b"\x00ab", T),
        Err(Error::UserBufMismatch)
    );
    assert_eq!(
        verifier().verify_at("u", &with, T),
        Err(Error::UnexpectedUserBuf)
    );
    assert_eq!(
        verifier().verify_with_userbuf_at("u", &plain, b"", T),
        Err(Error::MissingUserBuf)
    );
    // An empty userbuf is present, signed, and distinct from none.
    let empty = signer().sign_with_userbuf_at("u", 100, b"", T).unwrap();
    assert!(
        verifier()
            .verify_with_userbuf_at("u", &empty, b"", T)
            .is_ok()
    );
    assert_eq!(
        verifier().verify_at("u", &empty, T),
        Err(Error::UnexpectedUserBuf)
    );
    assert_eq!(
        signer().sign_with_userbuf_at("u", 100, &[0; usersig::MAX_USERBUF_LEN + 1], T),
        Err(InvalidArgument::UserBufTooLong {
            len: usersig::MAX_USERBUF_LEN + 1,
            max: usersig::MAX_USERBUF_LEN
        }
        .into())
    );
    assert!(
        signer()
            .sign_with_userbuf_at("u", 100, &[0; 1024], T)
            .is_ok()
    );
    // TLS.userbuf that is not base64, correctly signed.
    let bad = forge(KEY, "u", u64::from(APP), T, 100, Some("not base64!"));
    assert_eq!(
        verifier().verify_with_userbuf_at("u", &bad, b"", T),
        Err(Malformed::UserBufEncoding.into())
    );
}

#[test]
fn private_map_keys() {
    let room = Room::Str("class-7".into());
    let p = Privileges::ENTER_ROOM | Privileges::RECV_AUDIO | Privileges::RECV_VIDEO;
    let sig = signer()
        .sign_private_map_key_at("u", 300, &room, p, T)
        .unwrap();
    let got = verifier()
        .verify_private_map_key_at("u", &room, &sig, T)
        .unwrap();
    assert_eq!(
        (got.room, got.privileges, got.ticket_expires_at),
        (room.clone(), p, 1_700_000_300)
    );
    assert_eq!(
        verifier().verify_private_map_key_at("u", &Room::Id(7), &sig, T),
        Err(Error::RoomMismatch {
            expected: Room::Id(7),
            found: room.clone()
        })
    );
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &sig, T + 301),
        Err(Error::Expired {
            expired_at: T + 300,
            now: T + 301
        })
    );
    let plain = signer().sign_at("u", 100, T).unwrap();
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &plain, T),
        Err(Error::MissingUserBuf)
    );
    let junk = signer().sign_with_userbuf_at("u", 100, b"\x07", T).unwrap();
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &junk, T),
        Err(PrivateMapKeyError::UnknownVersion(7).into())
    );
    // A ticket for another account or app inside a validly signed sig.
    let other = usersig_ticket("v", APP, &room, 1_700_000_300);
    let sig = signer().sign_with_userbuf_at("u", 300, &other, T).unwrap();
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &sig, T),
        Err(PrivateMapKeyError::AccountMismatch.into())
    );
    let other = usersig_ticket("u", APP + 1, &room, 1_700_000_300);
    let sig = signer().sign_with_userbuf_at("u", 300, &other, T).unwrap();
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &sig, T),
        Err(PrivateMapKeyError::AppIdMismatch.into())
    );
    // The ticket's own expiry counts even when the sig's is later.
    let short = usersig_ticket("u", APP, &room, 1_700_000_050);
    let sig = signer().sign_with_userbuf_at("u", 300, &short, T).unwrap();
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &sig, T + 51),
        Err(Error::Expired {
            expired_at: T + 50,
            now: T + 51
        })
    );
    for (r, e) in [
        (Room::Id(0), InvalidArgument::InvalidRoomId),
        (
            Room::Str(String::new()),
            InvalidArgument::InvalidRoomStr("is empty"),
        ),
    ] {
        assert_eq!(
            signer().sign_private_map_key_at("u", 300, &r, p, T),
            Err(e.into())
        );
    }
    assert_eq!(
        signer().sign_private_map_key_at("u", 300, &room, Privileges::from_bits_retain(0x100), T),
        Err(InvalidArgument::InvalidPrivileges(0x100).into())
    );
}

/// A ticket built by hand from SPEC 1.4, independent of the crate's encoder.
fn usersig_ticket(account: &str, app: u32, room: &Room, expires_at: u32) -> Vec<u8> {
    let mut b = vec![u8::from(matches!(room, Room::Str(_)))];
    b.extend_from_slice(&u16::try_from(account.len()).unwrap().to_be_bytes());
    b.extend_from_slice(account.as_bytes());
    b.extend_from_slice(&app.to_be_bytes());
    b.extend_from_slice(&(if let Room::Id(i) = room { *i } else { 0 }).to_be_bytes());
    b.extend_from_slice(&expires_at.to_be_bytes());
    b.extend_from_slice(&255u32.to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes());
    if let Room::Str(s) = room {
        b.extend_from_slice(&u16::try_from(s.len()).unwrap().to_be_bytes());
        b.extend_from_slice(s.as_bytes());
    }
    b
}

#[test]
fn invalid_arguments() {
    let s = signer();
    assert_eq!(
        s.sign_at("", 100, T),
        Err(InvalidArgument::EmptyIdentifier.into())
    );
    assert_eq!(
        s.sign_at("a\nb", 100, T),
        Err(InvalidArgument::IdentifierControlChar { position: 1 }.into())
    );
    assert_eq!(
        s.sign_at("ab\u{7f}", 100, T),
        Err(InvalidArgument::IdentifierControlChar { position: 2 }.into())
    );
    assert_eq!(
        s.sign_at("é\u{85}", 100, T),
        Err(InvalidArgument::IdentifierControlChar { position: 2 }.into())
    );
    assert_eq!(
        s.sign_at(&"x".repeat(1025), 100, T),
        Err(InvalidArgument::IdentifierTooLong {
            len: 1025,
            max: 1024
        }
        .into())
    );
    assert!(s.sign_at(&"x".repeat(1024), 100, T).is_ok());
    assert_eq!(
        s.sign_at("u", 0, T),
        Err(InvalidArgument::ExpireZero.into())
    );
    assert!(s.sign_at("u", usersig::MAX_EXPIRE, T).is_ok());
    assert_eq!(
        s.sign_at("u", usersig::MAX_EXPIRE + 1, T),
        Err(InvalidArgument::ExpireTooLong {
            expire: usersig::MAX_EXPIRE + 1,
            max: usersig::MAX_EXPIRE
        }
        .into())
    );
    assert_eq!(
        SecretKey::new("").err(),
        Some(InvalidArgument::EmptyKey.into())
    );
    assert_eq!(
        Signer::new(0, &key()).err(),
        Some(InvalidArgument::ZeroAppId.into())
    );
    assert_eq!(
        Verifier::new(0, &key()).err(),
        Some(InvalidArgument::ZeroAppId.into())
    );
    // Quotes and backslashes are escaped, and still verify.
    let odd = r#"a"b\c"#;
    let sig = s.sign_at(odd, 100, T).unwrap();
    assert_eq!(verifier().verify_at(odd, &sig, T).unwrap().identifier, odd);
}

#[test]
fn malformed_at_every_layer() {
    let good = signer().sign_at("u", 100, T).unwrap();
    assert_eq!(malformed(""), Malformed::Empty);
    assert_eq!(
        malformed(&"A".repeat(usersig::MAX_SIG_LEN + 1)),
        Malformed::TooLong {
            len: usersig::MAX_SIG_LEN + 1,
            max: usersig::MAX_SIG_LEN
        }
    );
    assert_eq!(
        malformed(&format!("{} x", &good[..10])),
        Malformed::InvalidCharacter { position: 10 }
    );
    assert_eq!(malformed("é"), Malformed::InvalidCharacter { position: 0 });
    assert_eq!(malformed("A"), Malformed::Base64);
    assert_eq!(malformed("AAAA_AAA"), Malformed::Base64);
    assert_eq!(malformed("AAAA"), Malformed::Zlib);
    let truncated = {
        let z = common::unwrap(&good);
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        std::io::Write::write_all(&mut e, z.as_bytes()).unwrap();
        let bytes = e.finish().unwrap();
        use base64::Engine as _;
        to_alphabet(&base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len() - 6]))
    };
    assert_eq!(malformed(&truncated), Malformed::ZlibTruncated);
    let trailing = {
        use base64::Engine as _;
        let b64 = good.replace('*', "+").replace('-', "/").replace('_', "=");
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        bytes.push(0);
        to_alphabet(&base64::engine::general_purpose::STANDARD.encode(bytes))
    };
    assert_eq!(malformed(&trailing), Malformed::ZlibTrailingData);
    // A zlib bomb: 10 MB of spaces squeezed into a few kilobytes.
    let bomb = wrap(&vec![b' '; 10_000_000], 9);
    assert!(bomb.len() < usersig::MAX_SIG_LEN);
    assert_eq!(
        malformed(&bomb),
        Malformed::InflatedTooLarge {
            max: usersig::MAX_JSON_LEN
        }
    );
    assert_eq!(
        malformed(&wrap(&vec![b' '; usersig::MAX_JSON_LEN + 1], 9)),
        Malformed::InflatedTooLarge {
            max: usersig::MAX_JSON_LEN
        }
    );
    assert_eq!(
        malformed(&wrap(b"{\"a\":", 6)),
        Malformed::JsonSyntax { line: 1, column: 5 }
    );
    assert_eq!(
        malformed(&wrap(b"\xff", 6)),
        Malformed::JsonSyntax { line: 1, column: 1 }
    );
    assert_eq!(malformed(&wrap(b"[]", 6)), Malformed::NotAnObject);
    assert_eq!(
        malformed(&wrap(br#"{"TLS.ver":"2.0"}"#, 6)),
        Malformed::MissingField("TLS.identifier")
    );
    assert_eq!(
        malformed(&wrap(br#"{"TLS.ver":"1.0"}"#, 6)),
        Malformed::UnsupportedVersion
    );
    assert_eq!(
        malformed(&wrap(br#"{"TLS.ver":2}"#, 6)),
        Malformed::WrongType {
            field: "TLS.ver",
            expected: "a string"
        }
    );
    assert_eq!(
        malformed(&wrap(br#"{"TLS.ver":"2.0","TLS.ver":"2.0"}"#, 6)),
        Malformed::DuplicateField("TLS.ver")
    );
    let doc = |sig: &str| {
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"u","TLS.sdkappid":{APP},"TLS.expire":100,"TLS.time":{T},"TLS.sig":"{sig}"}}"#
        )
    };
    assert_eq!(
        malformed(&wrap(doc("c2hvcnQ=").as_bytes(), 6)),
        Malformed::SigEncoding
    );
    assert_eq!(
        malformed(&wrap(doc("!!").as_bytes(), 6)),
        Malformed::SigEncoding
    );
    let real = tls_sig(KEY, "u", u64::from(APP), T, 100, None);
    assert!(
        verifier()
            .verify_at("u", wrap(doc(&real).as_bytes(), 6), T)
            .is_ok()
    );
}

/// A second `TLS.identifier` must never make a sig verify for a field the MAC did not cover.
#[test]
fn duplicate_identifier_never_verifies() {
    let real = tls_sig(KEY, "alice", u64::from(APP), T, 100, None);
    for order in [("alice", "mallory"), ("mallory", "alice")] {
        let doc = format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"{}","TLS.sdkappid":{APP},"TLS.expire":100,"TLS.time":{T},"TLS.identifier":"{}","TLS.sig":"{real}"}}"#,
            order.0, order.1
        );
        let sig = wrap(doc.as_bytes(), 6);
        for who in ["alice", "mallory"] {
            assert_eq!(
                verifier().verify_at(who, &sig, T),
                Err(Malformed::DuplicateField("TLS.identifier").into())
            );
        }
    }
}

#[test]
fn every_truncation_of_a_valid_sig_fails() {
    for c in [usersig::Compression::Default, usersig::Compression::Stored] {
        let sig = signer()
            .with_compression(c)
            .sign_at("user", 100, T)
            .unwrap();
        let unpadded = sig.trim_end_matches('_').len();
        for n in 0..sig.len() {
            match verifier().verify_at("user", &sig[..n], T) {
                // Only the padding may go.
                Ok(_) if n >= unpadded => {}
                Err(Error::Malformed(_)) if n < unpadded => {}
                other => panic!("prefix of {n} bytes: {other:?}"),
            }
        }
    }
}

#[test]
fn the_key_is_never_printed() {
    let k = key();
    let signer = signer();
    let verifier = verifier();
    let printed = [
        format!("{k:?}"),
        format!("{signer:?}"),
        format!("{verifier:?}"),
        format!("{:?}", verifier.verify_at("u", "AAAA", T)),
    ];
    for p in printed {
        assert!(!p.contains(KEY), "{p}");
        assert!(!p.contains("5bd2850f"), "{p}");
    }
    assert_eq!(format!("{k:?}"), "SecretKey([redacted])");
}

/// What the official Go library (>= 1.4) makes for zero-valued fields: the
/// field is dropped from the JSON (omitempty) but still signed.
#[test]
fn go_omitempty_sigs_fail_precisely() {
    let go_style = |id: &str, expire: u64, userbuf: Option<&str>, drop: &str| {
        let sig = tls_sig(KEY, id, u64::from(APP), T, expire, userbuf);
        let mut doc = serde_json::json!({
            "TLS.ver": "2.0", "TLS.identifier": id, "TLS.sdkappid": APP,
            "TLS.expire": expire, "TLS.time": T, "TLS.sig": sig,
        });
        doc.as_object_mut().unwrap().remove(drop);
        wrap(format!("{doc}\n").as_bytes(), 0)
    };
    assert_eq!(
        verifier().verify_at("u", go_style("u", 0, None, "TLS.expire"), T),
        Err(Malformed::MissingField("TLS.expire").into())
    );
    // Verifying for "" is a usage error; for any other UserID the missing
    // field is what fails.
    let no_id = go_style("", 100, None, "TLS.identifier");
    assert_eq!(
        verifier().verify_at("", &no_id, T),
        Err(InvalidArgument::EmptyIdentifier.into())
    );
    assert_eq!(
        verifier().verify_at("u", &no_id, T),
        Err(Malformed::MissingField("TLS.identifier").into())
    );
    // Empty userbuf: signed as `TLS.userbuf:\n`, absent from the JSON.
    let sig = go_style("u", 100, Some(""), "TLS.userbuf");
    assert_eq!(
        verifier().verify_at("u", &sig, T),
        Err(Error::SignatureMismatch)
    );
    assert_eq!(
        verifier().verify_with_userbuf_at("u", &sig, b"", T),
        Err(Error::SignatureMismatch)
    );
}
