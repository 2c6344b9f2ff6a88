//! The Web SDK login lifecycle (SPEC 4, the seed document) and the pre-flight check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use usersig::{SecretKey, Signer};
use usersig_login::ErrorCode;
use usersig_login::kick::KickReason;
use usersig_login::lifecycle::{
    CallId, ClientRequest, Event, Input, Lifecycle, NotReadyReason, Output, PreflightError,
    RequestId, ServerError, preflight_at,
};

const APP: u32 = 1_400_000_000;
const NOW: u64 = 1_700_000_000;

fn login(call: u64, user: &str) -> Input {
    Input::Login {
        call: CallId(call),
        user_id: user.into(),
        user_sig: "sig".into(),
        now: NOW,
    }
}

fn sent_login(out: &[Output]) -> RequestId {
    match out {
        [
            Output::Send {
                request,
                body: ClientRequest::Login { .. },
            },
        ] => *request,
        other => panic!("expected one login request, got {other:?}"),
    }
}

fn rejected(out: &[Output]) -> ErrorCode {
    match out {
        [Output::Reject { error, .. }] => error.code,
        other => panic!("expected one rejection, got {other:?}"),
    }
}

fn ready(lc: &mut Lifecycle, user: &str) {
    let req = sent_login(&lc.handle(login(1, user)));
    lc.handle(Input::LoginReply {
        request: req,
        result: Ok(()),
    });
    assert!(lc.is_ready());
}

#[test]
fn gated_calls_fail_with_2024_before_login() {
    let mut lc = Lifecycle::new();
    assert_eq!(lc.not_ready_reason(), Some(NotReadyReason::NotLoggedIn));
    let out = lc.handle(Input::Call {
        call: CallId(9),
        api: "sendMessage".into(),
    });
    assert_eq!(rejected(&out), ErrorCode(2024));
    for api in ["on", "off", "isReady", "getLoginUser"] {
        assert_eq!(lc.check_call(api), Ok(()), "{api}");
    }
    assert_eq!(
        rejected(&lc.handle(Input::Logout { call: CallId(1) })),
        ErrorCode(2024)
    );
}

#[test]
fn successful_login_resolves_then_emits_sdk_ready() {
    let mut lc = Lifecycle::new();
    let out = lc.handle(login(1, "alice"));
    let req = sent_login(&out);
    let Output::Send {
        body: ClientRequest::Login { user_id, user_sig },
        ..
    } = &out[0]
    else {
        panic!()
    };
    assert_eq!((user_id.as_str(), user_sig.expose()), ("alice", "sig"));
    assert!(
        !format!("{out:?}").contains("\"sig\""),
        "the UserSig leaks into Debug"
    );
    // While pending: 3000 for gated calls, 2025 for a second login.
    assert_eq!(
        lc.check_call("sendMessage").unwrap_err().code,
        ErrorCode(3000)
    );
    assert_eq!(rejected(&lc.handle(login(2, "alice"))), ErrorCode(2025));
    assert!(!lc.is_ready(), "SDK_READY only after the reply");
    // A reply to some other request changes nothing.
    assert!(
        lc.handle(Input::LoginReply {
            request: RequestId(req.0 + 7),
            result: Ok(())
        })
        .is_empty()
    );
    let out = lc.handle(Input::LoginReply {
        request: req,
        result: Ok(()),
    });
    let [
        Output::Resolve { call, response },
        Output::Emit(Event::SdkReady),
    ] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!(*call, CallId(1));
    assert_eq!(
        response.to_json(),
        serde_json::json!({"code": 0, "data": {"actionStatus": "OK", "errorCode": 0, "errorInfo": ""}})
    );
    assert!(!response.is_repeat_login());
    assert_eq!(lc.login_user(), Some("alice"));
    assert_eq!(lc.check_call("sendMessage"), Ok(()));
    let out = lc.handle(Input::Call {
        call: CallId(5),
        api: "sendMessage".into(),
    });
    assert_eq!(out, [Output::Proceed { call: CallId(5) }]);
}

#[test]
fn login_again_while_logged_in_is_a_repeat_login() {
    let mut lc = Lifecycle::new();
    ready(&mut lc, "alice");
    let out = lc.handle(login(2, "alice"));
    let [Output::Resolve { call, response }] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(*call, CallId(2));
    assert!(response.is_repeat_login());
    assert_eq!(response.to_json()["data"]["repeatLogin"], true);
    // Another user must log out first.
    assert_eq!(rejected(&lc.handle(login(3, "bob"))), ErrorCode(2025));
    assert!(lc.is_ready());
}

#[test]
fn arguments_are_checked_at_once() {
    let mut lc = Lifecycle::new();
    let bad_user = |u: &str| Input::Login {
        call: CallId(1),
        user_id: u.into(),
        user_sig: "s".into(),
        now: NOW,
    };
    assert_eq!(rejected(&lc.handle(bad_user(""))), ErrorCode(2002));
    assert_eq!(rejected(&lc.handle(bad_user("a\nb"))), ErrorCode(2002));
    let out = lc.handle(Input::Login {
        call: CallId(1),
        user_id: "a".into(),
        user_sig: "".into(),
        now: NOW,
    });
    assert_eq!(rejected(&out), ErrorCode(2003));
    assert_eq!(lc.not_ready_reason(), Some(NotReadyReason::NotLoggedIn));
}

#[test]
fn a_failed_login_rejects_with_the_server_code_and_reason_3001() {
    let mut lc = Lifecycle::new();
    let req = sent_login(&lc.handle(login(1, "alice")));
    let out = lc.handle(Input::LoginReply {
        request: req,
        result: Err(ServerError {
            code: ErrorCode(70013),
            info: "userid mismatch".into(),
        }),
    });
    let [Output::Reject { call, error }] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(
        (*call, error.code, error.message.as_str()),
        (CallId(1), ErrorCode(70013), "userid mismatch")
    );
    assert_eq!(error.to_json()["code"], 70013);
    assert_eq!(lc.not_ready_reason(), Some(NotReadyReason::LoginFailed));
    assert_eq!(
        lc.check_call("getMessageList").unwrap_err().code,
        ErrorCode(3001)
    );
    // It can log in again afterwards.
    sent_login(&lc.handle(login(2, "alice")));
}

#[test]
fn logout_emits_sdk_not_ready_and_succeeds() {
    let mut lc = Lifecycle::new();
    ready(&mut lc, "alice");
    let out = lc.handle(Input::Logout { call: CallId(2) });
    let [
        Output::Send {
            body: ClientRequest::Logout { user_id },
            ..
        },
        Output::Emit(Event::SdkNotReady),
        Output::Resolve { call, .. },
    ] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    assert_eq!((user_id.as_str(), *call), ("alice", CallId(2)));
    assert_eq!(lc.not_ready_reason(), Some(NotReadyReason::LoggedOut));
    assert_eq!(
        lc.check_call("sendMessage").unwrap_err().code,
        ErrorCode(3005)
    );
    assert_eq!(
        rejected(&lc.handle(Input::Logout { call: CallId(3) })),
        ErrorCode(2024)
    );
}

#[test]
fn logout_while_logging_in_cancels_the_login() {
    let mut lc = Lifecycle::new();
    let req = sent_login(&lc.handle(login(1, "alice")));
    let out = lc.handle(Input::Logout { call: CallId(2) });
    assert!(
        matches!(&out[0], Output::Reject { call: CallId(1), error } if error.code == ErrorCode(3005))
    );
    assert!(matches!(
        &out[1],
        Output::Send {
            body: ClientRequest::Logout { .. },
            ..
        }
    ));
    assert!(matches!(
        &out[2],
        Output::Resolve {
            call: CallId(2),
            ..
        }
    ));
    assert_eq!(out.len(), 3, "no SDK_NOT_READY: it never was ready");
    // The late reply is ignored.
    assert!(
        lc.handle(Input::LoginReply {
            request: req,
            result: Ok(())
        })
        .is_empty()
    );
    assert!(!lc.is_ready());
}

fn kicked_outputs(reason_input: Input) -> (Vec<Output>, Lifecycle) {
    let mut lc = Lifecycle::new();
    ready(&mut lc, "alice");
    let out = lc.handle(reason_input);
    (out, lc)
}

#[test]
fn device_and_account_kicks_log_out_then_emit_kicked_out_then_not_ready() {
    for (kick_type, reason) in [
        (1, KickReason::MultipleAccount),
        (2, KickReason::MultipleDevice),
    ] {
        let (out, lc) = kicked_outputs(Input::KickNotice { kick_type });
        let [
            Output::Send {
                body: ClientRequest::Logout { .. },
                ..
            },
            Output::Emit(kicked),
            Output::Emit(Event::SdkNotReady),
        ] = out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!(*kicked, Event::KickedOut(reason));
        assert_eq!(
            kicked.payload(),
            serde_json::json!({"name": "kickedOut", "data": {"type": reason.as_str()}})
        );
        assert_eq!(
            lc.check_call("sendMessage").unwrap_err().code,
            reason.web_code()
        );
    }
}

#[test]
fn expired_sig_and_rest_kicks_send_no_logout() {
    for (input, reason, code) in [
        (
            Input::KickNotice { kick_type: 3 },
            KickReason::RestApi,
            3006,
        ),
        (
            Input::ReplyCode {
                code: ErrorCode(70001),
            },
            KickReason::UserSigExpired,
            3004,
        ),
        (
            Input::ReplyCode {
                code: ErrorCode(20002),
            },
            KickReason::UserSigExpired,
            3004,
        ),
    ] {
        let (out, lc) = kicked_outputs(input);
        assert_eq!(
            out,
            [
                Output::Emit(Event::KickedOut(reason)),
                Output::Emit(Event::SdkNotReady)
            ]
        );
        assert_eq!(lc.not_ready_reason().unwrap().code(), ErrorCode(code));
    }
}

#[test]
fn other_codes_and_unknown_kick_types_do_nothing() {
    for input in [
        Input::KickNotice { kick_type: 0 },
        Input::KickNotice { kick_type: 4 },
        Input::ReplyCode {
            code: ErrorCode(70052),
        },
        Input::ReplyCode {
            code: ErrorCode(6206),
        },
    ] {
        let (out, lc) = kicked_outputs(input);
        assert!(out.is_empty());
        assert!(lc.is_ready());
    }
    // A kick before login changes nothing either.
    let mut lc = Lifecycle::new();
    assert!(lc.handle(Input::KickNotice { kick_type: 1 }).is_empty());
}

#[test]
fn destroy_logs_out_and_rejects_everything_after() {
    let mut lc = Lifecycle::new();
    ready(&mut lc, "alice");
    let out = lc.handle(Input::Destroy { call: CallId(2) });
    assert!(matches!(
        &out[0],
        Output::Send {
            body: ClientRequest::Logout { .. },
            ..
        }
    ));
    assert_eq!(out[1], Output::Emit(Event::SdkNotReady));
    assert!(matches!(
        &out[2],
        Output::Resolve {
            call: CallId(2),
            ..
        }
    ));
    assert!(lc.is_destroyed());
    assert_eq!(rejected(&lc.handle(login(3, "alice"))), ErrorCode(2999));
    assert_eq!(
        rejected(&lc.handle(Input::Logout { call: CallId(4) })),
        ErrorCode(2999)
    );
    assert_eq!(
        rejected(&lc.handle(Input::Destroy { call: CallId(5) })),
        ErrorCode(2999)
    );
    assert_eq!(
        rejected(&lc.handle(Input::Call {
            call: CallId(6),
            api: "on".into()
        })),
        ErrorCode(2999)
    );
    assert!(lc.handle(Input::KickNotice { kick_type: 1 }).is_empty());
    // Destroying an instance that never logged in sends nothing.
    let mut lc = Lifecycle::new();
    let out = lc.handle(Input::Destroy { call: CallId(1) });
    assert!(matches!(out.as_slice(), [Output::Resolve { .. }]));
}

#[test]
fn event_names_are_the_sdks() {
    assert_eq!(Event::SdkReady.name(), "sdkStateReady");
    assert_eq!(Event::SdkNotReady.name(), "sdkStateNotReady");
    assert_eq!(Event::KickedOut(KickReason::RestApi).name(), "kickedOut");
    assert_eq!(Event::SdkReady.constant_name(), "SDK_READY");
    assert_eq!(
        Event::SdkNotReady.payload(),
        serde_json::json!({"name": "sdkStateNotReady"})
    );
}

fn signer() -> Signer {
    Signer::new(APP, &SecretKey::new("k".repeat(64)).unwrap()).unwrap()
}

#[test]
fn preflight_answers_the_servers_codes() {
    let sig = signer().sign_at("alice", 100, NOW).unwrap();
    let i = preflight_at(APP, "alice", &sig, NOW + 100).unwrap();
    assert_eq!(i.identifier, "alice");
    let code = |r: Result<_, PreflightError>| r.unwrap_err().code();
    assert_eq!(code(preflight_at(APP, "bob", &sig, NOW)), ErrorCode(70013));
    assert_eq!(
        code(preflight_at(APP + 1, "alice", &sig, NOW)),
        ErrorCode(70014)
    );
    assert_eq!(
        code(preflight_at(APP, "alice", &sig, NOW + 101)),
        ErrorCode(70001)
    );
    assert_eq!(code(preflight_at(APP, "alice", "", NOW)), ErrorCode(70002));
    assert_eq!(
        code(preflight_at(APP, "alice", &sig[..sig.len() / 2], NOW)),
        ErrorCode(70003)
    );
    assert_eq!(
        code(preflight_at(APP, "alice", "not a sig", NOW)),
        ErrorCode(70003)
    );
    // The app id is checked before the identifier, the identifier before expiry.
    assert_eq!(
        code(preflight_at(APP + 1, "bob", &sig, NOW + 999)),
        ErrorCode(70014)
    );
    assert_eq!(
        code(preflight_at(APP, "bob", &sig, NOW + 999)),
        ErrorCode(70013)
    );
}

#[test]
fn lifecycle_with_preflight_rejects_without_a_request() {
    let mut lc = Lifecycle::new().with_preflight(APP);
    let sig = signer().sign_at("alice", 100, NOW).unwrap();
    let with = |user: &str, sig: &str, now| Input::Login {
        call: CallId(1),
        user_id: user.into(),
        user_sig: sig.into(),
        now,
    };
    assert_eq!(
        rejected(&lc.handle(with("bob", &sig, NOW))),
        ErrorCode(70013)
    );
    assert_eq!(lc.not_ready_reason(), Some(NotReadyReason::LoginFailed));
    assert_eq!(
        rejected(&lc.handle(with("alice", &sig, NOW + 101))),
        ErrorCode(70001)
    );
    sent_login(&lc.handle(with("alice", &sig, NOW)));
}

/// The expiry reads as dates, never as `Some(...)`; a sig whose expiry
/// overflows says so; a blank sig is the empty one (70002).
#[test]
fn preflight_expiry_messages_read_plainly() {
    let sig = signer().sign_at("alice", 100, NOW).unwrap();
    let e = preflight_at(APP, "alice", &sig, NOW + 101).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the UserSig expired at 2023-11-14T22:15:00Z (unix 1700000100), 1 second ago, \
         checked at 2023-11-14T22:15:01Z (unix 1700000101)"
    );
    let overflowing = PreflightError::Expired {
        expired_at: None,
        now: NOW,
    };
    assert_eq!(
        overflowing.to_string(),
        "the UserSig has no valid expiry: TLS.time + TLS.expire overflows, \
         checked at 2023-11-14T22:13:20Z (unix 1700000000)"
    );
    for blank in [" ", "\n", " \t\r\n"] {
        assert_eq!(
            preflight_at(APP, "alice", blank, NOW).unwrap_err().code(),
            ErrorCode(70002)
        );
    }
    // Surrounding whitespace is dropped, as everywhere.
    assert!(preflight_at(APP, "alice", &format!(" {sig}\n"), NOW).is_ok());
}
