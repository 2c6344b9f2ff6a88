//! Callbacks: the SPEC 5 signature vector, freshness, app id, query parsing,
//! State.StateChange bodies, the replies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use usersig_login::callback::{
    CallbackBody, CallbackError, CallbackVerifier, OK_REPLY, StateAction, StateChange, StateReason,
    fail_reply, sign,
};

const TOKEN: &str = "xxxxyyyy";
const RT: u64 = 1_669_872_112;
const SIGN: &str = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";

fn query(sign: &str, rt: &str) -> String {
    format!(
        "SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json&ClientIP=1.2.3.4&OptPlatform=Web&Sign={sign}&RequestTime={rt}"
    )
}

#[test]
fn spec_5_vector() {
    assert_eq!(sign(TOKEN, "1669872112"), SIGN);
    let q = CallbackVerifier::new(TOKEN)
        .unwrap()
        .verify_query_at(&query(SIGN, "1669872112"), RT)
        .unwrap();
    assert_eq!(q.sdkappid, 1_400_000_000);
    assert_eq!(q.command, "State.StateChange");
    assert_eq!(q.content_type.as_deref(), Some("json"));
    assert_eq!(q.client_ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(q.opt_platform.as_deref(), Some("Web"));
    assert_eq!(q.request_time, Some(RT));
    assert!(q.signed);
}

#[test]
fn accepts_a_whole_url_and_uppercase_hex() {
    let v = CallbackVerifier::new(TOKEN).unwrap();
    let url = format!(
        "https://example.com/im/cb?{}#frag",
        query(SIGN, "1669872112")
    );
    assert!(v.verify_query_at(&url, RT).is_ok());
    assert!(
        v.verify_query_at(&format!("?{}", query(SIGN, "1669872112")), RT)
            .is_ok()
    );
    assert!(
        v.verify_query_at(&query(&SIGN.to_uppercase(), "1669872112"), RT)
            .is_ok()
    );
}

#[test]
fn wrong_token_or_altered_time_is_refused() {
    let q = query(SIGN, "1669872112");
    assert_eq!(
        CallbackVerifier::new("xxxxyyyz")
            .unwrap()
            .verify_query_at(&q, RT),
        Err(CallbackError::BadSignature)
    );
    // RequestTime moved by one second: the Sign no longer matches.
    assert_eq!(
        CallbackVerifier::new(TOKEN)
            .unwrap()
            .verify_query_at(&query(SIGN, "1669872113"), RT),
        Err(CallbackError::BadSignature)
    );
    let mut flipped = SIGN.to_owned();
    flipped.replace_range(63..64, "0");
    assert_eq!(
        CallbackVerifier::new(TOKEN)
            .unwrap()
            .verify_query_at(&query(&flipped, "1669872112"), RT),
        Err(CallbackError::BadSignature)
    );
}

#[test]
fn freshness_is_60_seconds_either_way_by_default() {
    let v = CallbackVerifier::new(TOKEN).unwrap();
    let q = query(SIGN, "1669872112");
    assert!(v.verify_query_at(&q, RT + 60).is_ok());
    assert!(v.verify_query_at(&q, RT - 60).is_ok());
    assert_eq!(
        v.verify_query_at(&q, RT + 61),
        Err(CallbackError::Stale {
            request_time: RT,
            now: RT + 61,
            max_skew: 60
        })
    );
    assert!(matches!(
        v.verify_query_at(&q, RT - 61),
        Err(CallbackError::Stale { .. })
    ));
    assert!(matches!(
        v.verify_query_at(&q, 0),
        Err(CallbackError::Stale { .. })
    ));
    assert!(matches!(
        v.verify_query_at(&q, u64::MAX),
        Err(CallbackError::Stale { .. })
    ));
    let v = CallbackVerifier::new(TOKEN).unwrap().with_max_skew(300);
    assert!(v.verify_query_at(&q, RT + 300).is_ok());
    assert!(v.verify_query_at(&q, RT + 301).is_err());
}

#[test]
fn sdkappid_is_checked_when_configured() {
    let q = query(SIGN, "1669872112");
    assert!(
        CallbackVerifier::new(TOKEN)
            .unwrap()
            .with_sdkappid(1_400_000_000)
            .verify_query_at(&q, RT)
            .is_ok()
    );
    assert_eq!(
        CallbackVerifier::new(TOKEN)
            .unwrap()
            .with_sdkappid(1_400_000_001)
            .verify_query_at(&q, RT),
        Err(CallbackError::AppIdMismatch {
            expected: 1_400_000_001,
            found: 1_400_000_000
        })
    );
}

#[test]
fn missing_duplicate_and_malformed_parameters() {
    let v = CallbackVerifier::new(TOKEN).unwrap();
    let base = "SdkAppid=1&CallbackCommand=C";
    assert_eq!(
        v.verify_query_at(base, RT),
        Err(CallbackError::Missing("RequestTime"))
    );
    assert_eq!(
        v.verify_query_at(&format!("{base}&RequestTime=1669872112"), RT),
        Err(CallbackError::Missing("Sign"))
    );
    assert_eq!(
        v.verify_query_at(&format!("{base}&RequestTime=1669872112&Sign=abc"), RT),
        Err(CallbackError::Malformed("Sign"))
    );
    assert_eq!(
        v.verify_query_at(
            &format!("{base}&RequestTime=1669872112&Sign={}", "g".repeat(64)),
            RT
        ),
        Err(CallbackError::Malformed("Sign"))
    );
    assert_eq!(
        v.verify_query_at(&format!("{}&Sign={SIGN}", query(SIGN, "1669872112")), RT),
        Err(CallbackError::Duplicate("Sign"))
    );
    assert_eq!(
        v.verify_query_at(&format!("{}&RequestTime=1", query(SIGN, "1669872112")), RT),
        Err(CallbackError::Duplicate("RequestTime"))
    );
    for rt in [
        "",
        "-1",
        "+1669872112",
        " 1669872112",
        "1e9",
        "99999999999999999999999",
    ] {
        let q = query(SIGN, &rt.replace(' ', "%20").replace('+', "%2B"));
        assert_eq!(
            v.verify_query_at(&q, RT),
            Err(CallbackError::Malformed("RequestTime")),
            "{rt:?}"
        );
    }
    assert_eq!(
        v.verify_query_at("CallbackCommand=C", RT),
        Err(CallbackError::Missing("SdkAppid"))
    );
    assert_eq!(
        v.verify_query_at("SdkAppid=x&CallbackCommand=C", RT),
        Err(CallbackError::Malformed("SdkAppid"))
    );
    assert_eq!(
        v.verify_query_at("SdkAppid=4294967296&CallbackCommand=C", RT),
        Err(CallbackError::Malformed("SdkAppid"))
    );
    assert_eq!(
        v.verify_query_at("SdkAppid=1", RT),
        Err(CallbackError::Missing("CallbackCommand"))
    );
    // Names are case-sensitive: `sign` is not `Sign`.
    let lower = query(SIGN, "1669872112").replace("Sign=", "sign=");
    assert_eq!(
        v.verify_query_at(&lower, RT),
        Err(CallbackError::Missing("Sign"))
    );
    let long = "a".repeat(9000);
    assert!(matches!(
        v.verify_query_at(&long, RT),
        Err(CallbackError::QueryTooLong { .. })
    ));
}

#[test]
fn unsigned_verifier_parses_without_a_token() {
    let v = CallbackVerifier::unsigned().with_sdkappid(1);
    let q = v
        .verify_query_at("SdkAppid=1&CallbackCommand=State.StateChange", 0)
        .unwrap();
    assert!(!q.signed);
    assert!(
        v.verify_query_at("SdkAppid=2&CallbackCommand=x", 0)
            .is_err()
    );
}

#[test]
fn token_is_not_in_debug() {
    let v = CallbackVerifier::new("very-secret-token").unwrap();
    assert!(!format!("{v:?}").contains("very-secret-token"));
}

#[test]
fn state_change_bodies() {
    let body = br#"{"CallbackCommand":"State.StateChange","EventTime":1670000000123,"Info":{"Action":"Login","To_Account":"alice","Reason":"Register"},"KickedDevice":[{"Platform":"Windows"},{"Platform":"Web"}]}"#;
    let s = StateChange::parse(body).unwrap();
    assert_eq!(s.event_time_ms, Some(1_670_000_000_123));
    assert_eq!(s.action, StateAction::Login);
    assert_eq!(s.account, "alice");
    assert_eq!(s.reason, StateReason::Register);
    assert_eq!(s.kicked_platforms, ["Windows", "Web"]);

    for (a, r, ea, er) in [
        (
            "Logout",
            "Unregister",
            StateAction::Logout,
            StateReason::Unregister,
        ),
        (
            "Disconnect",
            "LinkClose",
            StateAction::Disconnect,
            StateReason::LinkClose,
        ),
        (
            "Disconnect",
            "TimeOut",
            StateAction::Disconnect,
            StateReason::TimeOut,
        ),
        (
            "Nap",
            "Tired",
            StateAction::Other("Nap".into()),
            StateReason::Other("Tired".into()),
        ),
    ] {
        let body = format!(
            r#"{{"CallbackCommand":"State.StateChange","Info":{{"Action":"{a}","To_Account":"b","Reason":"{r}"}}}}"#
        );
        let s = StateChange::parse(body.as_bytes()).unwrap();
        assert_eq!((s.action, s.reason), (ea, er));
        assert!(s.kicked_platforms.is_empty());
        assert_eq!(s.event_time_ms, None);
    }
}

#[test]
fn bad_state_change_bodies_are_errors() {
    let wrong = br#"{"CallbackCommand":"C2C.CallbackAfterSendMsg","Info":{"Action":"Login","To_Account":"a"}}"#;
    assert!(matches!(
        StateChange::parse(wrong),
        Err(CallbackError::WrongCommand { .. })
    ));
    for bad in [
        &b""[..],
        b"null",
        b"{}",
        br#"{"CallbackCommand":"State.StateChange"}"#,
        br#"{"CallbackCommand":"State.StateChange","Info":{"Action":1,"To_Account":"a"}}"#,
        br#"{"CallbackCommand":"State.StateChange","EventTime":-1,"Info":{"Action":"Login","To_Account":"a"}}"#,
        br#"{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":"a"},"KickedDevice":[{}]}"#,
    ] {
        assert!(matches!(StateChange::parse(bad), Err(CallbackError::Body { .. })), "{:?}", String::from_utf8_lossy(bad));
    }
    let e = StateChange::parse(br#"{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":7777777}}"#).unwrap_err();
    assert!(!e.to_string().contains("7777777"), "{e}");
}

#[test]
fn replies() {
    let ok: serde_json::Value = serde_json::from_str(OK_REPLY).unwrap();
    assert_eq!(
        ok,
        serde_json::json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""})
    );
    let fail: serde_json::Value = serde_json::from_str(&fail_reply(1, "bad \"sign\"")).unwrap();
    assert_eq!(
        fail,
        serde_json::json!({"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": "bad \"sign\""})
    );
}

/// An empty token makes `Sign = SHA-256(RequestTime)`, which anyone can
/// compute: refused. Surrounding whitespace (a token read from a file or an
/// environment variable) is dropped, in the verifier and in `sign` alike.
#[test]
fn empty_tokens_are_refused_and_whitespace_is_dropped() {
    for blank in ["", " ", "\n", "\t \r\n"] {
        assert_eq!(
            CallbackVerifier::new(blank).map(|_| ()),
            Err(CallbackError::EmptyToken),
            "{blank:?}"
        );
    }
    // The unauthenticated Sign an empty token would accept.
    let anyone = sign("", "1669872112");
    assert!(
        CallbackVerifier::unsigned()
            .verify_query_at(&query(&anyone, "1669872112"), RT)
            .is_ok()
    );
    for padded in ["xxxxyyyy\n", "  xxxxyyyy", "\txxxxyyyy \r\n"] {
        let q = CallbackVerifier::new(padded)
            .unwrap()
            .verify_query_at(&query(SIGN, "1669872112"), RT)
            .unwrap();
        assert!(q.signed);
        assert_eq!(sign(padded, "1669872112"), SIGN);
    }
    assert_eq!(
        CallbackVerifier::new(TOKEN)
            .unwrap()
            .verify_query_at(&query(&anyone, "1669872112"), RT),
        Err(CallbackError::BadSignature)
    );
}

/// Any signed callback parses generically: its command and its JSON
/// object; the body's command must be the query's.
#[test]
fn any_callback_body_parses_generically() {
    let body = br#"{"CallbackCommand":"C2C.CallbackBeforeSendMsg","From_Account":"a","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}"#;
    let c2c = |cmd: &str| {
        let rt = "1669872112";
        format!(
            "SdkAppid=1400000000&CallbackCommand={cmd}&contenttype=json&Sign={}&RequestTime={rt}",
            sign(TOKEN, rt)
        )
    };
    let v = CallbackVerifier::new(TOKEN).unwrap();
    let q = v
        .verify_query_at(&c2c("C2C.CallbackBeforeSendMsg"), RT)
        .unwrap();
    let parsed = CallbackBody::parse_for(&q, body).unwrap();
    assert_eq!(parsed.command, "C2C.CallbackBeforeSendMsg");
    assert_eq!(parsed.fields["From_Account"], "a");
    assert_eq!(CallbackBody::parse(body).unwrap(), parsed);
    // The same body under a query for another command.
    let q = v.verify_query_at(&c2c("State.StateChange"), RT).unwrap();
    assert_eq!(
        CallbackBody::parse_for(&q, body),
        Err(CallbackError::CommandMismatch {
            query: "State.StateChange".into(),
            body: "C2C.CallbackBeforeSendMsg".into()
        })
    );
    for (bad, detail) in [
        (&b"[1]"[..], "the body is not a JSON object"),
        (b"{}", "field CallbackCommand is missing"),
        (
            br#"{"CallbackCommand":7}"#,
            "field CallbackCommand must be a string",
        ),
    ] {
        assert_eq!(
            CallbackBody::parse(bad),
            Err(CallbackError::Body {
                expected: "IM",
                detail: detail.into()
            })
        );
    }
    let big = vec![b' '; usersig_login::callback::MAX_BODY_LEN + 1];
    assert!(matches!(
        CallbackBody::parse(&big),
        Err(CallbackError::BodyTooLarge { .. })
    ));
}

/// A State.StateChange body that lacks a field says which one.
#[test]
fn state_change_errors_name_the_field() {
    for (body, field) in [
        (&b"{}"[..], "field CallbackCommand is missing"),
        (br#"{"CallbackCommand":"State.StateChange"}"#, "field Info is missing"),
        (br#"{"CallbackCommand":"State.StateChange","Info":{}}"#, "field Info.Action is missing"),
        (
            br#"{"CallbackCommand":"State.StateChange","Info":{"Action":"Login"}}"#,
            "field Info.To_Account is missing",
        ),
        (
            br#"{"CallbackCommand":"State.StateChange","Info":{"Action":1,"To_Account":"a"}}"#,
            "field Info.Action must be a string",
        ),
        (
            br#"{"CallbackCommand":"State.StateChange","EventTime":-1,"Info":{"Action":"Login","To_Account":"a"}}"#,
            "field EventTime must be an unsigned integer",
        ),
        (
            br#"{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":"a"},"KickedDevice":[{}]}"#,
            "field KickedDevice[].Platform is missing",
        ),
    ] {
        let e = StateChange::parse(body).unwrap_err();
        assert_eq!(
            e,
            CallbackError::Body {
                expected: "State.StateChange",
                detail: field.into()
            }
        );
        assert!(e.to_string().ends_with(field), "{e}");
    }
}
