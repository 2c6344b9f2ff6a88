//! Failures on request (`POST /emulator/v1/fail`): over real TCP on
//! 127.0.0.1, the queued code answered in place of the real answer, for the
//! named command only, as many times as asked, with a `WaitingTime` that
//! `parse_response` reads; the refusals of bad requests; the queue's cap and
//! its reset; the same in process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use serde_json::{Value, json};
use usersig::SecretKey;
use usersig_emulator::{
    Clock, Config, FailRequest, Handle, MAX_FAILURE_COUNT, MAX_FAILURES, RestBody, start,
};
use usersig_login::ErrorCode;
use usersig_login::rest::{Region, RestApi, RestError, parse_response};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const NOW: u64 = 1_700_000_000;

fn config() -> Config {
    let mut c = Config::new(APP, SecretKey::new(KEY).unwrap());
    c.clock = Clock::Manual { now: NOW };
    c
}

struct Emu {
    handle: Handle,
    http: reqwest::Client,
    api: RestApi,
}

impl Emu {
    async fn start() -> Self {
        let handle = start(config(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let api = RestApi::new(
            APP,
            "administrator",
            &SecretKey::new(KEY).unwrap(),
            Region::China,
        )
        .unwrap()
        .with_base_url(handle.url())
        .unwrap();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self { handle, http, api }
    }

    async fn fail(&self, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/emulator/v1/fail", self.handle.url()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// A REST call signed by `RestApi`: the raw answer body.
    async fn rest(&mut self, command: &str, body: &Value) -> Vec<u8> {
        let service = if command == "query_online_status" {
            "openim"
        } else {
            "im_open_login_svc"
        };
        let req = self
            .api
            .prepare_json_at(service, command, body, NOW, &mut || 7u32)
            .unwrap();
        let r = self
            .http
            .post(req.url())
            .body(req.body().to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.bytes().await.unwrap().to_vec()
    }
}

fn kick() -> Value {
    json!({ "UserID": "administrator" })
}

fn online() -> Value {
    json!({ "To_Account": ["administrator"] })
}

#[tokio::test]
async fn a_queued_failure_answers_its_command_as_many_times_as_asked() {
    let mut emu = Emu::start().await;
    let (status, v) = emu
        .fail(&json!({ "ErrorCode": 60022, "WaitingTime": 3, "Command": "kick", "Count": 2 }))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v,
        json!({ "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "Pending": 1 })
    );

    // Another API is answered as usual.
    assert!(parse_response(200, &emu.rest("query_online_status", &online()).await).is_ok());
    for _ in 0..2 {
        let body = emu.rest("kick", &kick()).await;
        let Err(RestError::Api(e)) = parse_response(200, &body) else {
            panic!("{}", String::from_utf8_lossy(&body))
        };
        assert_eq!(e.code, ErrorCode::OPEN_SERVICE_OVERLOAD_ERROR);
        assert_eq!(e.waiting_time, Some(Duration::from_secs(3)));
        assert_eq!(e.info, "failure requested from /emulator/v1/fail");
    }
    // Used up: the real answer again, and the call did what a kick does.
    assert!(parse_response(200, &emu.rest("kick", &kick()).await).is_ok());
    assert_eq!(
        emu.handle.emulator().state().kicks.len(),
        0,
        "no one was online"
    );
    let revoked = emu.handle.emulator().state();
    let admin = revoked
        .accounts
        .iter()
        .find(|a| a.user_id == "administrator")
        .unwrap();
    assert_eq!(admin.revoked_before, Some(NOW), "only the third kick ran");
}

#[tokio::test]
async fn after_lets_calls_through_before_the_failure_starts() {
    let mut emu = Emu::start().await;
    let (status, _) = emu
        .fail(&json!({ "ErrorCode": 70500, "Command": "query_online_status", "After": 2 }))
        .await;
    assert_eq!(status, 200);
    // A failure queued behind it (for any command) waits its turn.
    emu.fail(&json!({ "ErrorCode": 60016 })).await;
    for _ in 0..2 {
        assert!(parse_response(200, &emu.rest("query_online_status", &online()).await).is_ok());
    }
    let third = parse_response(200, &emu.rest("query_online_status", &online()).await);
    assert_eq!(third.unwrap_err().code(), Some(ErrorCode::INTERNAL_ERROR));
    let next = parse_response(200, &emu.rest("query_online_status", &online()).await);
    assert_eq!(next.unwrap_err().code(), Some(ErrorCode::SDKAPPID_DISABLED));
    let (status, v) = emu
        .fail(&json!({ "ErrorCode": 70500, "After": MAX_FAILURE_COUNT + 1 }))
        .await;
    assert_eq!((status, v["ErrorCode"].as_u64()), (400, Some(70402)));
}

#[tokio::test]
async fn failures_without_a_command_answer_any_api_in_order() {
    let mut emu = Emu::start().await;
    for (code, info) in [(70500, "first"), (60016, "second")] {
        let (status, _) = emu
            .fail(&json!({ "ErrorCode": code, "ErrorInfo": info }))
            .await;
        assert_eq!(status, 200);
    }
    let first = parse_response(200, &emu.rest("query_online_status", &online()).await).unwrap_err();
    let second = parse_response(
        200,
        &emu.rest(
            "account_check",
            &json!({ "CheckItem": [{ "UserID": "a" }] }),
        )
        .await,
    )
    .unwrap_err();
    assert_eq!(first.code(), Some(ErrorCode::INTERNAL_ERROR));
    assert!(first.to_string().contains("first"), "{first}");
    assert_eq!(second.code(), Some(ErrorCode::SDKAPPID_DISABLED));
    assert!(parse_response(200, &emu.rest("query_online_status", &online()).await).is_ok());
}

#[tokio::test]
async fn a_failure_comes_before_the_other_checks_but_after_the_query() {
    let mut emu = Emu::start().await;
    emu.fail(&json!({ "ErrorCode": 70500 })).await;
    // A call the emulator cannot read is refused as usual and leaves the
    // failure queued.
    let r = emu
        .http
        .post(format!(
            "{}/v4/im_open_login_svc/kick?sdkappid=1",
            emu.handle.url()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ErrorCode"], 70020, "{v}");
    // A call with a bad body takes it: the body is never read.
    let body = emu.rest("kick", &json!({})).await;
    assert_eq!(
        parse_response(200, &body).unwrap_err().code(),
        Some(ErrorCode::INTERNAL_ERROR)
    );
}

#[tokio::test]
async fn bad_failure_requests_are_refused_and_the_queue_is_capped() {
    let emu = Emu::start().await;
    for body in [
        json!({ "ErrorCode": 0 }),
        json!({ "ErrorCode": 70500, "Count": 0 }),
        json!({ "ErrorCode": 70500, "Count": MAX_FAILURE_COUNT + 1 }),
        json!({ "ErrorCode": 70500, "Command": "sendmsg" }),
        json!({ "ErrorCode": 70500, "ErrorInfo": "x".repeat(1025) }),
        json!({ "ErrorCode": 70500, "Code": 1 }),
        json!({ "ErrorCode": "70500" }),
        json!({}),
    ] {
        let (status, v) = emu.fail(&body).await;
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["ActionStatus"], "FAIL");
        assert_eq!(v["ErrorCode"], 70402, "{body}: {v}");
    }
    for i in 0..MAX_FAILURES {
        let (status, v) = emu.fail(&json!({ "ErrorCode": 70500 })).await;
        assert_eq!((status, v["Pending"].as_u64()), (200, Some(i as u64 + 1)));
    }
    let (status, v) = emu.fail(&json!({ "ErrorCode": 70500 })).await;
    assert_eq!(status, 400, "{v}");
    // A reset empties it.
    emu.handle.emulator().reset();
    let (status, v) = emu.fail(&json!({ "ErrorCode": 70500 })).await;
    assert_eq!((status, v["Pending"].as_u64()), (200, Some(1)));
}

#[test]
fn in_process_too() {
    let emu = usersig_emulator::Emulator::new(config()).unwrap();
    let mut api = RestApi::new(
        APP,
        "administrator",
        &SecretKey::new(KEY).unwrap(),
        Region::China,
    )
    .unwrap();
    let url = api
        .url_at("im_open_login_svc", "kick", NOW, &mut || 1u32)
        .unwrap();
    let query = url.split_once('?').unwrap().1.to_owned();
    emu.fail_next(&FailRequest::code(ErrorCode::INTERNAL_ERROR))
        .unwrap();
    let body = RestBody::Bytes(br#"{"UserID":"administrator"}"#);
    let first = emu.rest("im_open_login_svc", "kick", &query, body);
    assert_eq!(first["ActionStatus"], "FAIL");
    assert_eq!(first["ErrorCode"], 70500);
    assert!(first.get("WaitingTime").is_none());
    let second = emu.rest("im_open_login_svc", "kick", &query, body);
    assert_eq!(second["ActionStatus"], "OK", "{second}");
}
