//! The edges of the rules: surrounding whitespace, an empty identifier to
//! verify, PrivateMapKey expiries past 2^32, the longest userbuf that can be
//! signed, the dates in messages and the chrono accessors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)]

mod common;

use common::{forge, tls_sig};
use usersig::{
    Compression, Error, InvalidArgument, MAX_EXPIRE, MAX_IDENTIFIER_LEN, MAX_JSON_LEN, MAX_SIG_LEN,
    MAX_USERBUF_LEN, Malformed, Privileges, Room, SecretKey, Signer, Verifier, inspect,
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

// ------------------------------------------------------------ whitespace

#[test]
fn keys_lose_surrounding_whitespace() {
    // A key read from a file or an environment variable with a newline is
    // the console's key: the sig carries the MAC of the trimmed key.
    for padded in [
        format!("{KEY}\n"),
        format!("  {KEY}\r\n"),
        format!("\t{KEY} "),
    ] {
        let signer = Signer::new(APP, &SecretKey::new(&padded).unwrap()).unwrap();
        let sig = signer.sign_at("u", 100, T).unwrap();
        assert!(verifier().verify_at("u", &sig, T).is_ok(), "{padded:?}");
        let seen = inspect(&sig).unwrap();
        assert_eq!(seen.sig, tls_sig(KEY, "u", u64::from(APP), T, 100, None));
        let from_string = SecretKey::from_string(padded.clone()).unwrap();
        let sig = Signer::new(APP, &from_string)
            .unwrap()
            .sign_at("u", 100, T)
            .unwrap();
        assert!(verifier().verify_at("u", &sig, T).is_ok(), "{padded:?}");
    }
    for blank in ["", " ", "\n", " \t\r\n "] {
        assert_eq!(
            SecretKey::new(blank).map(|_| ()),
            Err(InvalidArgument::EmptyKey.into()),
            "{blank:?}"
        );
        assert_eq!(
            SecretKey::from_string(blank.to_owned()).map(|_| ()),
            Err(InvalidArgument::EmptyKey.into())
        );
    }
    // Whitespace inside the key is kept: it is part of the HMAC key.
    let inner = Signer::new(APP, &SecretKey::new("ab cd").unwrap())
        .unwrap()
        .sign_at("u", 100, T)
        .unwrap();
    assert_eq!(
        inspect(&inner).unwrap().sig,
        tls_sig("ab cd", "u", u64::from(APP), T, 100, None)
    );
}

#[test]
fn sigs_lose_surrounding_whitespace_after_the_length_cap() {
    let sig = signer().sign_at("u", 100, T).unwrap();
    for padded in [
        format!("  {sig}\n"),
        format!("{sig}\r\n"),
        format!("\t{sig}"),
    ] {
        assert_eq!(
            verifier().verify_at("u", &padded, T).unwrap().identifier,
            "u"
        );
        assert_eq!(inspect(&padded).unwrap().identifier, "u");
    }
    for blank in ["", " ", "\n\n", " \t "] {
        assert_eq!(
            verifier().verify_at("u", blank, T),
            Err(Malformed::Empty.into())
        );
        assert_eq!(inspect(blank), Err(Malformed::Empty.into()));
    }
    // Inside the sig a space is no base64 character; the position counts
    // from the start of the input as given.
    let broken = format!("  {}  {}", &sig[..10], &sig[10..]);
    assert_eq!(
        verifier().verify_at("u", &broken, T),
        Err(Malformed::InvalidCharacter { position: 12 }.into())
    );
    // The cap applies to the input as given, whitespace included.
    let long = format!("{} ", "A".repeat(MAX_SIG_LEN));
    assert_eq!(
        inspect(&long),
        Err(Malformed::TooLong {
            len: MAX_SIG_LEN + 1,
            max: MAX_SIG_LEN
        }
        .into())
    );
}

// ------------------------------------------------------------ empty identifier

#[test]
fn verifying_for_an_empty_identifier_is_a_usage_error() {
    let empty = Err(Error::from(InvalidArgument::EmptyIdentifier));
    // Even a correctly signed sig for "" (which the official Go library
    // drops from its JSON, and the others write) does not verify for "".
    let for_empty = forge(KEY, "", u64::from(APP), T, 100, None);
    let v = verifier();
    assert_eq!(v.verify_at("", &for_empty, T).map(|_| ()), empty);
    // Checked before the sig is read: garbage gets the same answer.
    assert_eq!(v.verify_at("", "%%%", T).map(|_| ()), empty);
    assert_eq!(v.verify_at("", "", T).map(|_| ()), empty);
    assert_eq!(
        v.verify_with_userbuf_at("", "%%%", b"x", T).map(|_| ()),
        empty
    );
    assert_eq!(
        v.verify_private_map_key_at("", &Room::Id(1), "%%%", T)
            .map(|_| ()),
        empty
    );
    // No document holds an identifier longer than itself.
    let long = "x".repeat(MAX_JSON_LEN + 1);
    assert_eq!(
        v.verify_at(&long, "%%%", T).map(|_| ()),
        Err(InvalidArgument::IdentifierTooLong {
            len: MAX_JSON_LEN + 1,
            max: MAX_JSON_LEN
        }
        .into())
    );
}

// ------------------------------------------------------------ PrivateMapKey past 2^32

/// A ticket laid out by hand from SPEC 1.4, as every official library
/// writes it: the absolute expiry `now + expire` truncated to 32 bits.
fn official_ticket(account: &str, room: u32, now: u64, expire: u64) -> Vec<u8> {
    let truncated = ((now + expire) & 0xffff_ffff) as u32;
    let mut b = vec![0u8];
    b.extend_from_slice(&u16::try_from(account.len()).unwrap().to_be_bytes());
    b.extend_from_slice(account.as_bytes());
    b.extend_from_slice(&APP.to_be_bytes());
    b.extend_from_slice(&room.to_be_bytes());
    b.extend_from_slice(&truncated.to_be_bytes());
    b.extend_from_slice(&255u32.to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes());
    b
}

/// The sig an official generator makes around such a ticket: its JSON at
/// zlib level 6, the MAC over the same fields.
fn official_private_map_key(account: &str, room: u32, now: u64, expire: u64) -> String {
    use base64::Engine as _;
    let buf = base64::engine::general_purpose::STANDARD
        .encode(official_ticket(account, room, now, expire));
    forge(KEY, account, u64::from(APP), now, expire, Some(&buf))
}

#[test]
fn private_map_keys_whose_expiry_passes_2_pow_32() {
    let room = Room::Id(5);
    // (issued at, lifetime): the review's case, one that lands exactly on
    // 2^32 (stored as 0), one just past it, and the largest of both.
    let cases = [
        (3_500_000_000, 1_500_000_000),
        (4_294_967_000, 296),
        (4_294_967_000, 297),
        (4_294_967_295, 1),
        (u64::from(u32::MAX) * 3, MAX_EXPIRE),
        (T, 86_400),
    ];
    for (now, expire) in cases {
        let end = now + expire;
        let ours = signer()
            .sign_private_map_key_at("xiaojun", expire, &room, Privileges::ALL_PRIVILEGES, now)
            .unwrap();
        let theirs = official_private_map_key("xiaojun", 5, now, expire);
        for (who, sig) in [("ours", &ours), ("official", &theirs)] {
            for at in [now, end - 1, end] {
                let got = verifier()
                    .verify_private_map_key_at("xiaojun", &room, sig, at)
                    .unwrap_or_else(|e| panic!("{who} {now}+{expire} at {at}: {e}"));
                assert_eq!(got.ticket_expires_at, end, "{who}");
                assert_eq!(got.expires_at(), end, "{who}");
                assert_eq!(inspect(sig).unwrap().ticket_expires_at(), Some(end));
            }
            assert_eq!(
                verifier().verify_private_map_key_at("xiaojun", &room, sig, end + 1),
                Err(Error::Expired {
                    expired_at: end,
                    now: end + 1
                }),
                "{who} {now}+{expire}"
            );
        }
    }
}

#[test]
fn a_ticket_expiring_before_its_sig_past_2_pow_32() {
    // The ticket says 50 s, the sig 300 s, both past 2^32: 50 s count.
    let now = 4_294_967_280;
    let ticket = official_ticket("u", 9, now, 50);
    let sig = signer()
        .sign_with_userbuf_at("u", 300, &ticket, now)
        .unwrap();
    let room = Room::Id(9);
    let got = verifier()
        .verify_private_map_key_at("u", &room, &sig, now + 50)
        .unwrap();
    assert_eq!(
        (got.ticket_expires_at, got.expires_at()),
        (now + 50, now + 50)
    );
    assert_eq!(got.claims.expires_at, now + 300);
    assert_eq!(
        verifier().verify_private_map_key_at("u", &room, &sig, now + 51),
        Err(Error::Expired {
            expired_at: now + 50,
            now: now + 51
        })
    );
    // A ticket whose stored expiry lies before its issue time is read as
    // the next time those 32 bits come round, then capped by the sig's.
    let stale = official_ticket("u", 9, now - 100, 1);
    let sig = signer()
        .sign_with_userbuf_at("u", 300, &stale, now)
        .unwrap();
    let got = verifier()
        .verify_private_map_key_at("u", &room, &sig, now + 300)
        .unwrap();
    assert_eq!(got.expires_at(), now + 300);
}

// ------------------------------------------------------------ the userbuf cap

#[test]
fn the_longest_userbuf_signs_and_verifies_in_the_worst_case() {
    assert_eq!(MAX_USERBUF_LEN, 10_605);
    // The worst case: the longest identifier, every byte escaped in JSON,
    // the longest app id, lifetime and issue time.
    let identifier = "\"".repeat(MAX_IDENTIFIER_LEN);
    let key = key();
    let signer = Signer::new(u32::MAX, &key).unwrap();
    let verifier = Verifier::new(u32::MAX, &key).unwrap();
    let now = u64::MAX - MAX_EXPIRE;
    let userbuf: Vec<u8> = (0..MAX_USERBUF_LEN)
        .map(|i| (i * 131 % 251) as u8)
        .collect();
    for c in [Compression::Default, Compression::Zlib, Compression::Stored] {
        let s = signer.clone().with_compression(c);
        let sig = s
            .sign_with_userbuf_at(&identifier, MAX_EXPIRE, &userbuf, now)
            .unwrap();
        assert!(
            sig.len() < 25 * 1024 && sig.len() <= MAX_SIG_LEN,
            "{c:?}: {}",
            sig.len()
        );
        let claims = verifier
            .verify_with_userbuf_at(&identifier, &sig, &userbuf, now)
            .unwrap_or_else(|e| panic!("{c:?}: {e}"));
        assert_eq!(claims.userbuf.as_deref(), Some(&userbuf[..]));
        // The bound is tight: the document is within 4 bytes of the cap.
        let json = inspect(&sig).unwrap().json;
        assert!(
            json.len() <= MAX_JSON_LEN && json.len() > MAX_JSON_LEN - 4,
            "{}",
            json.len()
        );
        // One byte more is refused with the typed error.
        let over = vec![0u8; MAX_USERBUF_LEN + 1];
        assert_eq!(
            s.sign_with_userbuf_at("u", 100, &over, T),
            Err(InvalidArgument::UserBufTooLong {
                len: MAX_USERBUF_LEN + 1,
                max: MAX_USERBUF_LEN
            }
            .into())
        );
    }
    // What the official generators sign and their verifiers accept: 1500 bytes.
    let sig = self::signer()
        .sign_with_userbuf_at("xiaojun", 86_400, &[7; 1500], T)
        .unwrap();
    assert!(
        self::verifier()
            .verify_with_userbuf_at("xiaojun", &sig, &[7; 1500], T)
            .is_ok()
    );
}

// ------------------------------------------------------------ messages and dates

#[test]
fn expiry_messages_give_dates_and_a_span() {
    let sig = signer().sign_at("u", 60, T).unwrap();
    let err = verifier().verify_at("u", &sig, 1_796_110_240).unwrap_err();
    assert_eq!(
        err.to_string(),
        "UserSig expired at 2023-11-14T22:14:20Z (unix 1700000060), 3 years 16 days ago, \
         checked at 2026-12-01T07:30:40Z (unix 1796110240)"
    );
    let err = verifier()
        .with_max_future(10)
        .verify_at("u", &sig, T - 3_600)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "UserSig issued at 2023-11-14T22:13:20Z (unix 1700000000), 1 hour after the check at \
         2023-11-14T21:13:20Z (unix 1699996400), more than the 10 s allowed"
    );
}

#[test]
fn zlib_header_names_read_plainly() {
    let sig = signer().sign_at("u", 60, T).unwrap();
    assert_eq!(
        inspect(&sig).unwrap().compression(),
        "default level (zlib level 6, or usersig's default mode)"
    );
    let stored = signer()
        .with_compression(Compression::Stored)
        .sign_at("u", 60, T)
        .unwrap();
    assert_eq!(
        inspect(&stored).unwrap().compression(),
        "fastest level (zlib level 0 or 1, or stored blocks)"
    );
}

#[test]
fn chrono_accessors() {
    let room = Room::Id(5);
    let now = 3_500_000_000;
    let ticket = signer()
        .sign_private_map_key_at("u", 1_500_000_000, &room, Privileges::ENTER_ROOM, now)
        .unwrap();
    let got = verifier()
        .verify_private_map_key_at("u", &room, &ticket, now)
        .unwrap();
    let iso = |d: Option<chrono::DateTime<chrono::Utc>>| d.unwrap().to_rfc3339();
    assert_eq!(iso(got.claims.issued_at_utc()), "2080-11-28T06:13:20+00:00");
    assert_eq!(
        iso(got.claims.expires_at_utc()),
        "2128-06-11T08:53:20+00:00"
    );
    assert_eq!(
        iso(got.ticket_expires_at_utc()),
        "2128-06-11T08:53:20+00:00"
    );
    assert_eq!(iso(got.expires_at_utc()), "2128-06-11T08:53:20+00:00");
    let seen = inspect(&ticket).unwrap();
    assert_eq!(iso(seen.issued_at_utc()), "2080-11-28T06:13:20+00:00");
    assert_eq!(iso(seen.expires_at_utc()), "2128-06-11T08:53:20+00:00");
    assert_eq!(
        iso(seen.ticket_expires_at_utc()),
        "2128-06-11T08:53:20+00:00"
    );
    // Beyond what chrono holds: None, never a panic.
    let far = forge(KEY, "u", u64::from(APP), u64::MAX - 10, 5, None);
    let seen = inspect(&far).unwrap();
    assert_eq!((seen.issued_at_utc(), seen.expires_at_utc()), (None, None));
}
