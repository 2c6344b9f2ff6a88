//! Property tests: sign then verify gives back the claims; decoding never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use proptest::prelude::*;
use usersig::{Compression, Error, Privileges, Room, SecretKey, Signer, Verifier, inspect};

fn identifier() -> impl Strategy<Value = String> {
    // Any non-control characters, 1 to 64 of them (quotes, backslashes, emoji included).
    proptest::collection::vec(
        any::<char>().prop_filter("no control", |c| !c.is_control()),
        1..64,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn compression() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::Default),
        Just(Compression::Zlib),
        Just(Compression::Stored)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_gives_back_the_claims(
        id in identifier(),
        app in 1u32..,
        now in 0u64..=4_000_000_000,
        expire in 1u64..=usersig::MAX_EXPIRE,
        userbuf in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
        key in proptest::collection::vec(any::<u8>(), 1..100),
        c in compression(),
    ) {
        let key = SecretKey::new(&key).unwrap();
        let signer = Signer::new(app, &key).unwrap().with_compression(c);
        let verifier = Verifier::new(app, &key).unwrap();
        let (sig, claims) = match &userbuf {
            Some(b) => {
                let sig = signer.sign_with_userbuf_at(&id, expire, b, now).unwrap();
                let claims = verifier.verify_with_userbuf_at(&id, &sig, b, now + expire).unwrap();
                (sig, claims)
            }
            None => {
                let sig = signer.sign_at(&id, expire, now).unwrap();
                (sig.clone(), verifier.verify_at(&id, &sig, now).unwrap())
            }
        };
        prop_assert_eq!(&claims.identifier, &id);
        prop_assert_eq!(claims.sdkappid, app);
        prop_assert_eq!((claims.issued_at, claims.expire, claims.expires_at), (now, expire, now + expire));
        prop_assert_eq!(&claims.userbuf, &userbuf);
        // The sig is in the URL-safe alphabet, with nothing to escape in a query string.
        prop_assert!(sig.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-_".contains(&b)));
        // And an independent decoder reads the same fields.
        let doc: serde_json::Value = serde_json::from_str(&common::unwrap(&sig)).unwrap();
        prop_assert_eq!(doc["TLS.identifier"].as_str(), Some(id.as_str()));
    }

    #[test]
    fn private_map_keys_round_trip(
        id in identifier(),
        app in 1u32..,
        now in 0u64..=20_000_000_000,
        expire in 1u64..=usersig::MAX_EXPIRE,
        numeric in any::<bool>(),
        room_id in 1u32..u32::MAX,
        room_str in "[a-zA-Z0-9 !#$%&()+:;<=.>?@\\[\\]^_{}|~,-]{1,64}",
        bits in 0u32..=255,
    ) {
        let key = SecretKey::new("k").unwrap();
        let room = if numeric { Room::Id(room_id) } else { Room::Str(room_str) };
        let p = Privileges::from_map(bits).unwrap();
        let sig = Signer::new(app, &key).unwrap().sign_private_map_key_at(&id, expire, &room, p, now).unwrap();
        let got = Verifier::new(app, &key).unwrap().verify_private_map_key_at(&id, &room, &sig, now).unwrap();
        prop_assert_eq!(&got.room, &room);
        prop_assert_eq!(got.privileges, p);
        // The ticket stores 32 bits of the expiry; they are read back in full,
        // past 2^32 too, and hold until the last second.
        prop_assert_eq!(got.ticket_expires_at, now + expire);
        let v = Verifier::new(app, &key).unwrap();
        prop_assert!(v.verify_private_map_key_at(&id, &room, &sig, now + expire).is_ok());
        prop_assert_eq!(
            v.verify_private_map_key_at(&id, &room, &sig, now + expire + 1),
            Err(usersig::Error::Expired { expired_at: now + expire, now: now + expire + 1 })
        );
    }

    #[test]
    fn every_userbuf_up_to_the_cap_verifies(
        id in identifier(),
        len in 0usize..=usersig::MAX_USERBUF_LEN,
        seed in any::<u8>(),
    ) {
        let key = SecretKey::new("k").unwrap();
        let userbuf: Vec<u8> = (0..len).map(|i| i.to_le_bytes()[0].wrapping_mul(seed)).collect();
        let sig = Signer::new(7, &key).unwrap().sign_with_userbuf_at(&id, 60, &userbuf, 1).unwrap();
        let got = Verifier::new(7, &key).unwrap().verify_with_userbuf_at(&id, &sig, &userbuf, 1).unwrap();
        prop_assert_eq!(got.userbuf, Some(userbuf));
    }

    #[test]
    fn decoding_arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let v = Verifier::new(1, &SecretKey::new("k").unwrap()).unwrap();
        prop_assert!(v.verify_at("u", &bytes, 0).is_err());
        let _ = inspect(&bytes);
    }

    #[test]
    fn any_single_character_change_fails_or_decodes_the_same(
        pos in any::<prop::sample::Index>(),
        ch in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-_+/=".to_vec()),
    ) {
        let key = SecretKey::new("k").unwrap();
        let sig = Signer::new(7, &key).unwrap().sign_at("user", 100, 1000).unwrap();
        let mut bytes = sig.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] = ch;
        match Verifier::new(7, &key).unwrap().verify_at("user", &bytes, 1000) {
            // Accepted only if the change was invisible after decoding (an alphabet twin, or padding).
            Ok(c) => prop_assert_eq!((c.identifier.as_str(), c.issued_at, c.expire), ("user", 1000, 100)),
            Err(Error::Malformed(_) | Error::SignatureMismatch) => {}
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }
}
