//! No secret is ever printed: every public type of both crates that holds
//! the app key, the callback token, a UserSig or the admin UserSig, and every
//! error either crate returns, formatted with `Debug` (and errors with
//! `Display`), leaves them out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use usersig::{Compression, Privileges, Room, SecretKey, Signer, Verifier};
use usersig_login::UserSig;
use usersig_login::callback::{self, CallbackVerifier, StateChange};
use usersig_login::lifecycle::{CallId, ClientRequest, Input, Lifecycle, Output, preflight_at};
use usersig_login::rest::{self, AdminSigCache, Region, RestApi};

/// A key with a distinctive middle, so that any partial copy shows.
const KEY: &str = "0123456789abcdefSECRET-KEY-MIDDLE0123456789abcdef0123456789abcd";
const TOKEN: &str = "callback-token-SECRET-TOKEN";
const APP: u32 = 1_400_000_000;
const T: u64 = 1_700_000_000;

/// Fails when `printed` holds any secret, or a telling piece of one.
fn clean(what: &str, printed: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!printed.contains(s), "{what} printed a secret: {printed}");
        // Any 16-byte window of it.
        if s.len() >= 16 {
            for w in s.as_bytes().windows(16) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(
                    !printed.contains(w),
                    "{what} printed part of a secret: {printed}"
                );
            }
        }
    }
}

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

#[test]
fn core_types_holding_the_key() {
    let signer = Signer::new(APP, &key()).unwrap();
    let printed = [
        ("SecretKey", format!("{:?}", key())),
        ("SecretKey alternate", format!("{:#?}", key())),
        (
            "SecretKey from_string",
            format!("{:?}", SecretKey::from_string(KEY.to_owned()).unwrap()),
        ),
        ("Signer", format!("{signer:#?}")),
        (
            "Signer stored",
            format!("{:?}", signer.with_compression(Compression::Stored)),
        ),
        (
            "Verifier",
            format!(
                "{:#?}",
                Verifier::new(APP, &key())
                    .unwrap()
                    .with_leeway(5)
                    .with_max_future(5)
            ),
        ),
    ];
    for (what, p) in &printed {
        clean(what, p, &[KEY]);
    }
}

/// Every error of the core crate, reached with the key in play.
#[test]
fn core_errors() {
    let signer = Signer::new(APP, &key()).unwrap();
    let verifier = Verifier::new(APP, &key()).unwrap();
    let sig = signer.sign_at("u", 100, T).unwrap();
    let room = Room::Id(7);
    let ticket = signer
        .sign_private_map_key_at("u", 100, &room, Privileges::ENTER_ROOM, T)
        .unwrap();
    let other_key = Verifier::new(APP, &SecretKey::new(format!("{KEY}x")).unwrap()).unwrap();
    let errors = [
        SecretKey::new("").err(),
        Signer::new(0, &key()).err(),
        signer.sign_at("", 100, T).err(),
        signer.sign_at("u", 0, T).err(),
        signer.sign_at("u", u64::MAX, T).err(),
        signer.sign_at("u", 100, u64::MAX).err(),
        signer
            .sign_with_userbuf_at("u", 100, &[0; usersig::MAX_USERBUF_LEN + 1], T)
            .err(),
        verifier.verify_at("", &sig, T).err(),
        signer
            .sign_private_map_key_at("u", 100, &Room::Id(0), Privileges::ALL_PRIVILEGES, T)
            .err(),
        verifier.verify_at("u", "", T).err(),
        verifier.verify_at("u", "!!", T).err(),
        verifier.verify_at("u", KEY, T).err(),
        verifier.verify_at("u", &sig, T + 101).err(),
        verifier.verify_at("v", &sig, T).err(),
        other_key.verify_at("u", &sig, T).err(),
        Verifier::new(APP + 1, &key())
            .unwrap()
            .verify_at("u", &sig, T)
            .err(),
        verifier.verify_at("u", &ticket, T).err(),
        verifier.verify_with_userbuf_at("u", &sig, b"x", T).err(),
        verifier
            .verify_private_map_key_at("u", &Room::Id(8), &ticket, T)
            .err(),
        verifier
            .with_max_future(1)
            .verify_at("u", signer.sign_at("u", 100, T + 50).unwrap(), T)
            .err(),
    ];
    for e in errors {
        let e = e.expect("each case fails");
        clean("usersig::Error", &format!("{e:?} {e:#?} {e}"), &[KEY]);
    }
}

/// Every type of the login crate holding a key, a token or a UserSig.
#[test]
fn login_types_holding_secrets() {
    let mut random = || 42u32;
    let mut api = RestApi::new(APP, "administrator", &key(), Region::China).unwrap();
    let request = api.kick_at("alice", T, &mut random).unwrap();
    // The admin sig the request carries, as issued and as it sits in the URL.
    let admin_sig = Signer::new(APP, &key())
        .unwrap()
        .sign_at("administrator", rest::DEFAULT_ADMIN_SIG_TTL, T)
        .unwrap();
    assert!(
        request.url().contains(&admin_sig.replace('*', "%2A"))
            || request.url().contains(&admin_sig)
    );
    let encoded = utf8_percent_encode(&admin_sig, NON_ALPHANUMERIC).to_string();
    let url = api
        .url_at("openim", "query_online_status", T, &mut random)
        .unwrap();

    let mut cache = AdminSigCache::new(3600, 60).unwrap();
    cache
        .get_at(&Signer::new(APP, &key()).unwrap(), "administrator", T)
        .unwrap();

    let user_sig = UserSig::new(admin_sig.clone());
    let login = Input::Login {
        call: CallId(1),
        user_id: "alice".into(),
        user_sig: UserSig::new(admin_sig.clone()),
        now: T,
    };
    let mut lifecycle = Lifecycle::new();
    let outputs = lifecycle.handle(login.clone());
    assert!(outputs.iter().any(|o| matches!(
        o,
        Output::Send {
            body: ClientRequest::Login { .. },
            ..
        }
    )));

    let printed = [
        ("RestApi", format!("{api:?} {api:#?}")),
        ("PreparedRequest", format!("{request:?} {request:#?}")),
        (
            "PreparedRequest redacted_url",
            request.redacted_url().to_owned(),
        ),
        ("AdminSigCache", format!("{cache:?}")),
        ("UserSig", format!("{user_sig:?} {user_sig:#?}")),
        ("Input::Login", format!("{login:?} {login:#?}")),
        ("Output", format!("{outputs:?} {outputs:#?}")),
        ("Lifecycle", format!("{lifecycle:?}")),
        (
            "CallbackVerifier",
            format!(
                "{:?} {:#?}",
                CallbackVerifier::new(TOKEN).unwrap().with_sdkappid(APP),
                CallbackVerifier::new(TOKEN).unwrap()
            ),
        ),
    ];
    let secrets = [KEY, TOKEN, admin_sig.as_str(), encoded.as_str()];
    for (what, p) in &printed {
        clean(what, p, &secrets);
    }
    // The full URL does hold the sig (it has to go on the wire), and only the URL.
    assert!(url.contains("usersig="));
    assert!(!request.redacted_url().contains(&admin_sig[..20]));
}

/// Every error of the login crate, reached with the secrets in play.
#[test]
fn login_errors() {
    let sign = callback::sign(TOKEN, "1669872112");
    let verifier = CallbackVerifier::new(TOKEN).unwrap().with_sdkappid(APP);
    let queries = [
        format!(
            "SdkAppid={APP}&CallbackCommand=C&RequestTime=1669872112&Sign={}",
            &sign[..63]
        ),
        format!(
            "SdkAppid={APP}&CallbackCommand=C&RequestTime=1669872112&Sign=0{}",
            &sign[1..]
        ),
        format!("SdkAppid={APP}&CallbackCommand=C&RequestTime=1669872112&Sign={sign}&Sign={sign}"),
        format!("SdkAppid={APP}&CallbackCommand=C&Sign={sign}"),
        format!("SdkAppid=1&CallbackCommand=C&RequestTime=1669872112&Sign={sign}"),
        format!(
            "SdkAppid={APP}&CallbackCommand=C&RequestTime=1669872112&Sign={sign}&token={TOKEN}"
        ),
        format!("{}&Sign={sign}", "x".repeat(10_000)),
    ];
    let mut printed = Vec::new();
    for q in &queries {
        // Stale (now far away), or refused for another reason.
        if let Err(e) = verifier.verify_query_at(q, 0) {
            printed.push(format!("{e:?} {e}"));
        }
    }
    assert!(printed.len() >= 6);
    printed.push(format!(
        "{:?}",
        StateChange::parse(TOKEN.as_bytes()).unwrap_err()
    ));

    let sig = Signer::new(APP, &key())
        .unwrap()
        .sign_at("alice", 100, T)
        .unwrap();
    for (app, user, s, now) in [
        (APP, "alice", "", T),
        (APP, "alice", "!!", T),
        (APP + 1, "alice", sig.as_str(), T),
        (APP, "bob", sig.as_str(), T),
        (APP, "alice", sig.as_str(), T + 1000),
    ] {
        let e = preflight_at(app, user, s, now).unwrap_err();
        printed.push(format!("{e:?} {e}"));
    }
    for e in [
        RestApi::new(0, "admin", &key(), Region::China).unwrap_err(),
        RestApi::new(APP, "", &key(), Region::China).unwrap_err(),
        RestApi::new(APP, "admin", &key(), Region::China)
            .unwrap()
            .with_domain("bad/host")
            .unwrap_err(),
        AdminSigCache::new(10, 10).unwrap_err(),
        rest::parse_response(
            200,
            br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}"#,
        )
        .unwrap_err(),
        rest::parse_response(500, b"").unwrap_err(),
        rest::parse_response(200, b"{").unwrap_err(),
    ] {
        printed.push(format!("{e:?} {e}"));
    }
    for p in &printed {
        clean("error", p, &[KEY, TOKEN, &sign, &sig]);
    }
}
