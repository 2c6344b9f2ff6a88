//! Kick reasons: every form parses and prints back; reactions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use usersig_login::ErrorCode;
use usersig_login::kick::{KickReason, Reaction};

/// (reason, SDK string, constant, kickType, Web code), from SPEC 3 and 4.
const FORMS: [(KickReason, &str, &str, Option<u32>, u32); 4] = [
    (
        KickReason::MultipleAccount,
        "multipleAccount",
        "KICKED_OUT_MULT_ACCOUNT",
        Some(1),
        3003,
    ),
    (
        KickReason::MultipleDevice,
        "multipleDevice",
        "KICKED_OUT_MULT_DEVICE",
        Some(2),
        3002,
    ),
    (
        KickReason::UserSigExpired,
        "userSigExpired",
        "KICKED_OUT_USERSIG_EXPIRED",
        None,
        3004,
    ),
    (
        KickReason::RestApi,
        "REST_API_Kick",
        "KICKED_OUT_REST_API",
        Some(3),
        3006,
    ),
];

#[test]
fn every_form_prints_and_parses() {
    for (r, s, constant, kick_type, web) in FORMS {
        assert_eq!(r.as_str(), s);
        assert_eq!(r.to_string(), s);
        assert_eq!(r.constant_name(), constant);
        assert_eq!(r.kick_type(), kick_type);
        assert_eq!(r.web_code(), ErrorCode(web));
        assert_eq!(KickReason::parse(s), Ok(r));
        assert_eq!(s.parse::<KickReason>(), Ok(r));
        assert_eq!(KickReason::parse(constant), Ok(r));
        assert_eq!(KickReason::parse(&format!("TIM.TYPES.{constant}")), Ok(r));
        assert_eq!(KickReason::parse(&format!("  {s}\n")), Ok(r));
        assert_eq!(KickReason::parse(&web.to_string()), Ok(r));
        assert_eq!(KickReason::from_code(ErrorCode(web)), Some(r));
        if let Some(k) = kick_type {
            assert_eq!(KickReason::from_kick_type(k), Some(r));
            assert_eq!(KickReason::parse(&k.to_string()), Ok(r));
        }
    }
}

#[test]
fn expired_sig_reply_codes_mean_user_sig_expired() {
    for code in ["70001", "20002"] {
        assert_eq!(KickReason::parse(code), Ok(KickReason::UserSigExpired));
    }
    assert_eq!(KickReason::from_code(ErrorCode(70052)), None);
}

#[test]
fn other_inputs_are_refused() {
    for s in [
        "",
        "0",
        "4",
        "3001",
        "3005",
        "multipleaccount",
        "MultipleAccount",
        "REST_API_KICK",
        "KICKED_OUT",
        "TIM.TYPES.",
        "99999999999999999999",
        "1.0",
        "+1",
    ] {
        assert!(KickReason::parse(s).is_err(), "{s:?}");
    }
    assert_eq!(KickReason::from_kick_type(0), None);
    assert_eq!(KickReason::from_kick_type(4), None);
}

#[test]
fn reactions_never_log_in_again_on_device_kicks() {
    assert_eq!(
        KickReason::MultipleDevice.reaction(),
        Reaction::AskBeforeLoggingIn
    );
    assert_eq!(
        KickReason::MultipleAccount.reaction(),
        Reaction::AskBeforeLoggingIn
    );
    assert_eq!(KickReason::RestApi.reaction(), Reaction::ShowLoginPage);
    assert_eq!(
        KickReason::UserSigExpired.reaction(),
        Reaction::ReissueAndLogIn
    );
    let auto: Vec<_> = KickReason::ALL
        .into_iter()
        .filter(|r| r.reaction().may_log_in_automatically())
        .collect();
    assert_eq!(auto, [KickReason::UserSigExpired]);
    assert!(
        KickReason::MultipleDevice
            .reaction()
            .advice()
            .contains("loop")
    );
}

#[test]
fn only_device_and_account_kicks_send_a_logout() {
    let sends: Vec<_> = KickReason::ALL
        .into_iter()
        .filter(|r| r.sends_logout())
        .collect();
    assert_eq!(
        sends,
        [KickReason::MultipleAccount, KickReason::MultipleDevice]
    );
}
