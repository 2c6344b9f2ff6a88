//! The emulator over real TCP on 127.0.0.1 (port 0): the seed document's
//! scenario driven by three `Lifecycle`s, REST kicks, expiry on the manual
//! clock, the UserSig codes, the platform policies, webhooks checked with
//! `CallbackVerifier`, the rate limit, every REST refusal, caps, garbage and
//! concurrency.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use usersig::{SecretKey, Signer};
use usersig_emulator::{Clock, Config, Handle, Limits, start};
use usersig_login::callback::{CallbackVerifier, StateAction, StateChange, StateReason};
use usersig_login::instances::CrossPlatform;
use usersig_login::lifecycle::{
    CallId, ClientRequest, Event, Input, Lifecycle, Output, ServerError,
};
use usersig_login::rest::{Region, RestApi, parse_response};
use usersig_login::{ErrorCode, KickReason};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const NOW: u64 = 1_700_000_000;
const TOKEN: &str = "xxxxyyyy";

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

fn signer() -> Signer {
    Signer::new(APP, &key()).unwrap()
}

fn sig(user: &str, at: u64, expire: u64) -> String {
    signer().sign_at(user, expire, at).unwrap()
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn config() -> Config {
    let mut c = Config::new(APP, key());
    c.clock = Clock::Manual { now: NOW };
    c
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

struct Emu {
    handle: Handle,
    http: reqwest::Client,
}

impl Emu {
    async fn start(config: Config) -> Self {
        let handle = start(config, loopback()).await.unwrap();
        assert!(
            handle.url().starts_with("http://127.0.0.1:"),
            "{}",
            handle.url()
        );
        Self {
            handle,
            http: client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.url())
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, body.to_string().into_bytes()).await
    }

    async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    async fn login(&self, user: &str, sig: &str, platform: &str, instance: &str) -> Value {
        let (status, v) = self
            .post(
                "/emulator/v1/login",
                &json!({ "UserID": user, "UserSig": sig, "Platform": platform, "InstanceID": instance }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v
    }

    async fn events(&self, instance: &str) -> Vec<Value> {
        let (status, v) = self
            .get(&format!("/emulator/v1/events?InstanceID={instance}"))
            .await;
        assert_eq!(status, 200);
        v["Events"].as_array().unwrap().clone()
    }

    async fn state(&self) -> Value {
        self.get("/emulator/v1/state").await.1
    }

    /// A REST call prepared by `RestApi` (signed as `admin`), sent as is.
    async fn rest(&self, api: &mut RestApi, service: &str, command: &str, body: &Value) -> Value {
        let req = api
            .prepare_json_at(
                service,
                command,
                body,
                self.handle.emulator().now(),
                &mut || 7u32,
            )
            .unwrap();
        let r = self
            .http
            .post(req.url())
            .header("Content-Type", "application/json")
            .body(req.body().to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.unwrap()
    }

    /// A REST call with a hand-made query.
    async fn rest_raw(&self, path: &str, query: &str, body: Vec<u8>) -> Value {
        let r = self
            .http
            .post(format!("{}{path}?{query}", self.handle.url()))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "REST refusals are HTTP 200");
        r.json().await.unwrap()
    }

    fn api(&self) -> RestApi {
        RestApi::new(APP, "administrator", &key(), Region::China)
            .unwrap()
            .with_base_url(self.handle.url())
            .unwrap()
    }
}

/// The account `user` in a state.
fn account<'a>(st: &'a Value, user: &str) -> &'a Value {
    st["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["UserID"] == user)
        .unwrap_or_else(|| panic!("no account {user}: {st}"))
}

/// The UserIDs of a state's accounts.
fn account_ids(st: &Value) -> Vec<&str> {
    st["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["UserID"].as_str().unwrap())
        .collect()
}

fn code(v: &Value) -> u64 {
    v["ErrorCode"].as_u64().unwrap()
}

fn assert_fail(v: &Value, expected: ErrorCode) {
    assert_eq!(v["ActionStatus"], "FAIL", "{v}");
    assert_eq!(code(v), u64::from(expected.0), "{v}");
    assert!(
        v["ErrorInfo"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
}

fn assert_ok(v: &Value) {
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    assert_eq!(code(v), 0, "{v}");
}

// ---- the seed document's scenario, with three Lifecycles ----

/// One Web page: a `Lifecycle` and the emulator's instance it speaks for.
struct Page {
    name: &'static str,
    lc: Lifecycle,
    calls: u64,
    emitted: Vec<Event>,
}

impl Page {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            lc: Lifecycle::new(),
            calls: 0,
            emitted: Vec::new(),
        }
    }

    fn call(&mut self) -> CallId {
        self.calls += 1;
        CallId(self.calls)
    }

    /// Feeds an input and carries out its outputs over HTTP until none is
    /// left to send; returns every output seen.
    async fn feed(&mut self, emu: &Emu, input: Input) -> Vec<Output> {
        let mut seen = Vec::new();
        let mut pending = vec![input];
        while let Some(input) = pending.pop() {
            for out in self.lc.handle(input) {
                match &out {
                    Output::Send { request, body } => match body {
                        ClientRequest::Login { user_id, user_sig } => {
                            let v = emu
                                .login(user_id, user_sig.expose(), "Web", self.name)
                                .await;
                            let result = if v["ActionStatus"] == "OK" {
                                Ok(())
                            } else {
                                Err(ServerError {
                                    code: ErrorCode(u32::try_from(code(&v)).unwrap()),
                                    info: v["ErrorInfo"].as_str().unwrap().to_owned(),
                                })
                            };
                            pending.push(Input::LoginReply {
                                request: *request,
                                result,
                            });
                        }
                        ClientRequest::Logout { user_id } => {
                            let (status, v) = emu
                                .post(
                                    "/emulator/v1/logout",
                                    &json!({ "UserID": user_id, "InstanceID": self.name }),
                                )
                                .await;
                            assert_eq!(status, 200);
                            assert_ok(&v);
                        }
                        _ => panic!("unexpected request {body:?}"),
                    },
                    Output::Emit(e) => self.emitted.push(*e),
                    _ => {}
                }
                seen.push(out);
            }
        }
        seen
    }

    async fn login(&mut self, emu: &Emu, user: &str, sig: &str) -> Vec<Output> {
        let call = self.call();
        self.feed(
            emu,
            Input::Login {
                call,
                user_id: user.into(),
                user_sig: sig.into(),
                now: NOW,
            },
        )
        .await
    }

    /// Reads this page's notices and feeds each to its lifecycle.
    async fn poll(&mut self, emu: &Emu) -> Vec<Output> {
        self.poll_events(emu).await.1
    }

    /// As [`poll`](Self::poll), also returning the notices read.
    async fn poll_events(&mut self, emu: &Emu) -> (Vec<Value>, Vec<Output>) {
        let mut seen = Vec::new();
        let events = emu.events(self.name).await;
        for e in &events {
            assert_eq!(e["Type"], "KickedOut");
            let input = match e["KickType"].as_u64() {
                Some(t) => Input::KickNotice {
                    kick_type: u32::try_from(t).unwrap(),
                },
                None => {
                    assert_eq!(e["Reason"], "userSigExpired");
                    Input::ReplyCode {
                        code: ErrorCode::USERSIG_EXPIRED,
                    }
                }
            };
            seen.extend(self.feed(emu, input).await);
        }
        (events, seen)
    }
}

fn resolved_repeat(outs: &[Output]) -> Option<bool> {
    outs.iter().find_map(|o| match o {
        Output::Resolve { response, .. } => Some(response.is_repeat_login()),
        _ => None,
    })
}

#[tokio::test]
async fn seed_scenario_three_pages_two_web_instances() {
    let mut c = config();
    c.web_instances = 2;
    let emu = Emu::start(c).await;
    let alice = sig("alice", NOW, 86_400);
    let (mut a1, mut a2, mut a3) = (Page::new("a1"), Page::new("a2"), Page::new("a3"));

    for p in [&mut a1, &mut a2] {
        let outs = p.login(&emu, "alice", &alice).await;
        assert_eq!(resolved_repeat(&outs), Some(false));
        assert_eq!(p.emitted, [Event::SdkReady]);
    }
    emu.handle.emulator().advance(1).unwrap();
    let outs = a3.login(&emu, "alice", &alice).await;
    assert_eq!(resolved_repeat(&outs), Some(false));
    assert!(a3.lc.is_ready());

    // a1, the oldest, is kicked: its notice from /events says
    // multipleAccount, kickType 1, and its lifecycle, fed with it, logs out
    // and reports the kick.
    let (events, outs) = a1.poll_events(&emu).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Reason"], "multipleAccount");
    assert_eq!(events[0]["KickType"], 1);
    assert!(a2.poll(&emu).await.is_empty());
    assert!(a3.poll(&emu).await.is_empty());
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Send {
            body: ClientRequest::Logout { .. },
            ..
        }
    )));
    assert_eq!(
        a1.emitted,
        [
            Event::SdkReady,
            Event::KickedOut(KickReason::MultipleAccount),
            Event::SdkNotReady
        ]
    );
    assert!(!a1.lc.is_ready());
    assert!(a2.lc.is_ready() && a3.lc.is_ready());

    // The state shows a2 and a3 online, and the kick with its cause.
    let st = emu.state().await;
    let online: Vec<&str> = account(&st, "alice")["Online"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["InstanceID"].as_str().unwrap())
        .collect();
    assert_eq!(online, ["a2", "a3"]);
    let kick = &st["Kicks"][0];
    assert_eq!(kick["InstanceID"], "a1");
    assert_eq!(kick["Reason"], "multipleAccount");
    assert_eq!(
        kick["Cause"],
        json!({ "Type": "Login", "InstanceID": "a3", "Platform": "Web" })
    );

    // a1's logout (sent by its lifecycle above) never affected a2; an explicit one neither.
    let (_, v) = emu
        .post(
            "/emulator/v1/logout",
            &json!({ "UserID": "alice", "InstanceID": "a1" }),
        )
        .await;
    assert_eq!(v["WasOnline"], false);
    assert_eq!(emu.state().await["OnlineCount"], 2);

    // A second login of a2 is a repeat login, at the SDK and at the server.
    let outs = a2.login(&emu, "alice", &alice).await;
    assert_eq!(resolved_repeat(&outs), Some(true));
    let v = emu.login("alice", &alice, "Web", "a2").await;
    assert_ok(&v);
    assert_eq!(v["RepeatLogin"], true);
    assert_eq!(v["Kicked"], json!([]));

    // destroy: each page logs out; the others stay until they do.
    let call = a2.call();
    a2.feed(&emu, Input::Destroy { call }).await;
    assert!(a2.lc.is_destroyed());
    assert!(a3.lc.is_ready());
    let st = emu.state().await;
    assert_eq!(account(&st, "alice")["Online"][0]["InstanceID"], "a3");
    let call = a3.call();
    a3.feed(&emu, Input::Destroy { call }).await;
    assert_eq!(emu.state().await["OnlineCount"], 0);
    emu.handle.emulator().check_invariants().unwrap();
    emu.handle.shutdown().await;
}

// ---- REST kick, expiry, the UserSig codes ----

#[tokio::test]
async fn rest_kick_revokes_every_earlier_sig() {
    let emu = Emu::start(config()).await;
    let mut api = emu.api();
    let old = sig("bob", NOW - 10, 86_400);
    assert_ok(&emu.login("bob", &old, "Android", "phone").await);
    let mut page = Page::new("phone");
    // The page's lifecycle stands for the phone (logged in directly above).
    page.lc.handle(Input::Login {
        call: CallId(1),
        user_id: "bob".into(),
        user_sig: old.as_str().into(),
        now: NOW,
    });
    page.lc.handle(Input::LoginReply {
        request: usersig_login::lifecycle::RequestId(1),
        result: Ok(()),
    });
    assert!(page.lc.is_ready());

    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "kick",
            &json!({ "UserID": "bob" }),
        )
        .await;
    assert_ok(&v);
    parse_response(200, v.to_string().as_bytes()).unwrap();
    let outs = page.poll(&emu).await;
    assert!(outs.contains(&Output::Emit(Event::KickedOut(KickReason::RestApi))));
    assert!(!page.lc.is_ready());

    // Every sig issued up to the kick answers 70052.
    for s in [old.clone(), sig("bob", NOW, 86_400)] {
        let v = emu.login("bob", &s, "Android", "phone").await;
        assert_fail(&v, ErrorCode::USERSIG_INVALIDATED);
    }
    // One issued after it works.
    emu.handle.emulator().advance(1).unwrap();
    assert_ok(
        &emu.login("bob", &sig("bob", NOW + 1, 86_400), "Android", "phone")
            .await,
    );
    let st = emu.state().await;
    assert_eq!(account(&st, "bob")["RevokedBefore"], NOW);
    assert_eq!(st["Kicks"][0]["Cause"], json!({ "Type": "RestKick" }));
    assert_eq!(st["Kicks"][0]["KickType"], 3);
    // A kick of an account never imported answers 70107.
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "kick",
            &json!({ "UserID": "nobody" }),
        )
        .await;
    assert_fail(&v, ErrorCode::ACCOUNT_NOT_IMPORTED);
    emu.handle.shutdown().await;
}

#[tokio::test]
async fn expired_sigs_on_the_manual_clock() {
    let emu = Emu::start(config()).await;
    // A sig expired at login: 70001, as the official verifiers (now > time + expire).
    let v = emu
        .login("carol", &sig("carol", NOW - 100, 100), "Android", "p")
        .await;
    assert_ok(&v);
    let v = emu
        .login("carol", &sig("carol", NOW - 101, 100), "Android", "q")
        .await;
    assert_fail(&v, ErrorCode::USERSIG_EXPIRED);

    // An instance online whose sig expires is kicked when the clock passes it.
    let mut page = Page::new("page");
    let outs = page.login(&emu, "carol", &sig("carol", NOW, 60)).await;
    assert_eq!(resolved_repeat(&outs), Some(false));
    let (status, v) = emu
        .post("/emulator/v1/clock", &json!({ "Advance": 60 }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["Now"], NOW + 60);
    assert_eq!(
        v["Expired"].as_array().unwrap().len(),
        1,
        "p expired at NOW, and only p: {v}"
    );
    assert_eq!(v["Expired"][0]["InstanceID"], "p");
    let (_, v) = emu
        .post("/emulator/v1/clock", &json!({ "Now": NOW + 61 }))
        .await;
    assert_eq!(v["Expired"][0]["InstanceID"], "page");
    assert_eq!(v["Expired"][0]["Reason"], "userSigExpired");
    assert_eq!(v["Expired"][0]["KickType"], Value::Null);
    assert_eq!(v["Expired"][0]["Cause"], json!({ "Type": "Expiry" }));
    let outs = page.poll(&emu).await;
    assert!(outs.contains(&Output::Emit(Event::KickedOut(KickReason::UserSigExpired))));
    assert_eq!(emu.state().await["OnlineCount"], 0);

    // Both fields, or neither: 400; a real clock: 409.
    let (status, v) = emu
        .post("/emulator/v1/clock", &json!({ "Now": 1, "Advance": 1 }))
        .await;
    assert_eq!((status, code(&v)), (400, 70402));
    emu.handle.shutdown().await;
    let mut real = config();
    real.clock = Clock::Real;
    let emu = Emu::start(real).await;
    let (status, v) = emu
        .post("/emulator/v1/clock", &json!({ "Advance": 1 }))
        .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["ActionStatus"], "FAIL");
    emu.handle.shutdown().await;
}

#[tokio::test]
async fn usersig_failures_answer_tencents_codes() {
    let emu = Emu::start(config()).await;
    let other_key = Signer::new(APP, &SecretKey::new(OTHER_KEY).unwrap())
        .unwrap()
        .sign_at("dave", 86_400, NOW)
        .unwrap();
    let other_app = Signer::new(1_400_000_001, &key())
        .unwrap()
        .sign_at("dave", 86_400, NOW)
        .unwrap();
    let good = sig("dave", NOW, 86_400);
    let cases: [(&str, &str, ErrorCode); 6] = [
        ("dave", "", ErrorCode::USERSIG_EMPTY),
        ("dave", &good[..good.len() / 2], ErrorCode::USERSIG_INVALID),
        ("dave", &other_key, ErrorCode::USERSIG_VERIFY_FAILED),
        ("dave", &other_app, ErrorCode::SDKAPPID_MISMATCH),
        ("erin", &good, ErrorCode::USERID_MISMATCH),
        (
            "dave",
            &sig("dave", NOW - 10, 5),
            ErrorCode::USERSIG_EXPIRED,
        ),
    ];
    for (user, s, expected) in cases {
        let v = emu.login(user, s, "Web", "x").await;
        assert_fail(&v, expected);
        assert_eq!(v["RepeatLogin"], false);
    }
    // The same mapping for the admin sig of a REST call.
    let q = |s: &str| {
        format!("sdkappid={APP}&identifier=administrator&usersig={s}&random=1&contenttype=json")
    };
    let admin_other_key = Signer::new(APP, &SecretKey::new(OTHER_KEY).unwrap())
        .unwrap()
        .sign_at("administrator", 86_400, NOW)
        .unwrap();
    for (s, expected) in [
        (String::new(), ErrorCode::USERSIG_EMPTY),
        ("garbage".to_owned(), ErrorCode::USERSIG_INVALID),
        (admin_other_key, ErrorCode::USERSIG_VERIFY_FAILED),
        (
            sig("administrator", NOW - 10, 5),
            ErrorCode::USERSIG_EXPIRED,
        ),
        (sig("dave", NOW, 86_400), ErrorCode::USERID_MISMATCH),
    ] {
        let v = emu
            .rest_raw(
                "/v4/im_open_login_svc/account_check",
                &q(&s),
                br#"{"CheckItem":[{"UserID":"a"}]}"#.to_vec(),
            )
            .await;
        assert_fail(&v, expected);
    }
    // Nothing was imported by the refused logins: the admin is the one account.
    let st = emu.state().await;
    assert_eq!(account_ids(&st), ["administrator"]);
    assert_eq!(account(&st, "administrator")["ImportedBy"], "admin");
    emu.handle.shutdown().await;
}

// ---- the platform policies ----

async fn online_platforms(emu: &Emu, user: &str) -> Vec<String> {
    let st = emu.state().await;
    st["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["UserID"] == user)
        .map(|a| {
            a["Online"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["Platform"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn cross_platform_policies() {
    // (policy, logins in order, platforms online at the end, reasons of the kicks)
    let cases: [(CrossPlatform, &[&str], &[&str], &[&str]); 5] = [
        (
            CrossPlatform::Single,
            &["Android", "Web"],
            &["Web"],
            &["multipleDevice"],
        ),
        (
            CrossPlatform::Dual,
            &["Android", "Web", "Mac"],
            &["Web", "Mac"],
            &["multipleDevice"],
        ),
        (
            CrossPlatform::Triple,
            &["Android", "Mac", "Web", "iPhone"],
            &["Mac", "Web", "iPhone"],
            &["multipleDevice"],
        ),
        (
            CrossPlatform::Multi,
            &["Android", "iPhone", "iPad", "Windows", "Mac", "Web"],
            &["Android", "iPhone", "iPad", "Windows", "Mac", "Web"],
            &[],
        ),
        // One device per platform: a second Android kicks the first.
        (
            CrossPlatform::Multi,
            &["Android", "Android"],
            &["Android"],
            &["multipleDevice"],
        ),
    ];
    for (policy, logins, online, reasons) in cases {
        let mut c = config();
        c.cross_platform = policy;
        let emu = Emu::start(c).await;
        let s = sig("frank", NOW, 86_400);
        let mut kicked = Vec::new();
        for (i, p) in logins.iter().enumerate() {
            emu.handle.emulator().advance(1).unwrap();
            let v = emu.login("frank", &s, p, &format!("dev{i}")).await;
            assert_ok(&v);
            for k in v["Kicked"].as_array().unwrap() {
                kicked.push(k["Reason"].as_str().unwrap().to_owned());
                let ev = emu.events(k["InstanceID"].as_str().unwrap()).await;
                assert_eq!(ev[0]["KickType"], 2, "{policy:?}");
            }
        }
        assert_eq!(online_platforms(&emu, "frank").await, online, "{policy:?}");
        assert_eq!(kicked, reasons, "{policy:?}");
        emu.handle.emulator().check_invariants().unwrap();
        emu.handle.shutdown().await;
    }
}

// ---- webhooks ----

/// A webhook receiver on 127.0.0.1: every request's query and body go to
/// the channel; it answers `reply`.
async fn receiver(
    reply: &'static str,
) -> (
    String,
    mpsc::Receiver<(String, Vec<u8>)>,
    tokio::task::JoinHandle<()>,
) {
    use axum::extract::RawQuery;
    let (tx, rx) = mpsc::channel(64);
    let app = axum::Router::new().route(
        "/im",
        axum::routing::post(move |RawQuery(q): RawQuery, body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                tx.send((q.unwrap_or_default(), body.to_vec()))
                    .await
                    .unwrap();
                reply
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let url = format!("http://{}/im", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, rx, task)
}

async fn next(rx: &mut mpsc::Receiver<(String, Vec<u8>)>) -> (String, Vec<u8>) {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a webhook within 5 s")
        .unwrap()
}

#[tokio::test]
async fn webhooks_are_signed_ordered_and_recorded() {
    let (url, mut rx, task) =
        receiver(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#).await;
    let mut c = config();
    c.callback_url = Some(url);
    c.callback_token = Some(TOKEN.to_owned().into());
    c.web_instances = 1;
    let emu = Emu::start(c).await;
    let s = sig("gina", NOW, 86_400);
    assert_ok(&emu.login("gina", &s, "Web", "w1").await);
    assert_ok(&emu.login("gina", &s, "Android", "phone").await);
    let v = emu.login("gina", &s, "Web", "w2").await; // kicks w1 (multipleAccount)
    assert_eq!(v["Kicked"][0]["InstanceID"], "w1");
    emu.post(
        "/emulator/v1/disconnect",
        &json!({ "UserID": "gina", "InstanceID": "phone" }),
    )
    .await;
    emu.post(
        "/emulator/v1/logout",
        &json!({ "UserID": "gina", "InstanceID": "w2" }),
    )
    .await;

    let verifier = CallbackVerifier::new(TOKEN).unwrap().with_sdkappid(APP);
    let expected = [
        (StateAction::Login, StateReason::Register, "Web", vec![]),
        (StateAction::Login, StateReason::Register, "Android", vec![]),
        (
            StateAction::Login,
            StateReason::Register,
            "Web",
            vec!["Web".to_owned()],
        ),
        (
            StateAction::Disconnect,
            StateReason::LinkClose,
            "Android",
            vec![],
        ),
        (StateAction::Logout, StateReason::Unregister, "Web", vec![]),
    ];
    for (action, reason, platform, kicked) in expected {
        let (query, body) = next(&mut rx).await;
        let q = verifier.verify_query_at(&query, NOW).unwrap();
        assert!(q.signed);
        assert_eq!(q.command, "State.StateChange");
        assert_eq!(q.content_type.as_deref(), Some("json"));
        assert_eq!(q.client_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(q.opt_platform.as_deref(), Some(platform));
        assert_eq!(q.request_time, Some(NOW));
        let change = StateChange::parse(&body).unwrap();
        assert_eq!((change.action, change.reason), (action, reason));
        assert_eq!(change.account, "gina");
        assert_eq!(change.event_time_ms, Some(NOW * 1000));
        assert_eq!(change.kicked_platforms, kicked);
    }
    // Another token's verifier refuses them.
    let st = emu.state().await;
    let hooks = st["Webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 5);
    let ids: Vec<u64> = hooks.iter().map(|h| h["Id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(
        hooks[2]["Body"]["KickedDevice"],
        json!([{ "Platform": "Web" }])
    );
    assert_eq!(
        hooks[0]["Sign"].as_str().unwrap(),
        usersig_login::callback::sign(TOKEN, &NOW.to_string())
    );
    // Outcomes are recorded once each delivery is done.
    assert!(
        emu.handle
            .emulator()
            .wait_webhooks(Duration::from_secs(5))
            .await
    );
    let last = emu.state().await["Webhooks"][4].clone();
    assert_eq!(last["State"], "delivered", "{last}");
    assert_eq!(last["Status"], 200);
    assert_eq!(last["ReplyOk"], true);
    // Each query sent passes a receiver's check with the configured token.
    assert!(hooks.iter().all(|h| h["SignValid"] == true), "{hooks:?}");
    assert!(
        CallbackVerifier::new("another-token")
            .unwrap()
            .verify_query_at(
                &format!(
                    "SdkAppid={APP}&CallbackCommand=State.StateChange&Sign={}&RequestTime={NOW}",
                    hooks[0]["Sign"].as_str().unwrap()
                ),
                NOW
            )
            .is_err()
    );
    emu.handle.shutdown().await;
    task.abort();
}

#[tokio::test]
async fn a_dead_or_refusing_receiver_never_blocks_a_login() {
    // A receiver that refuses (ActionStatus FAIL) is recorded as refused.
    let (url, mut rx, task) =
        receiver(r#"{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"no"}"#).await;
    let mut c = config();
    c.callback_url = Some(url);
    let emu = Emu::start(c).await;
    assert_ok(
        &emu.login("hugo", &sig("hugo", NOW, 86_400), "Web", "w")
            .await,
    );
    let (query, _) = next(&mut rx).await;
    // No token: no Sign, no RequestTime.
    assert!(
        !query.contains("Sign=") && !query.contains("RequestTime="),
        "{query}"
    );
    assert!(
        emu.handle
            .emulator()
            .wait_webhooks(Duration::from_secs(5))
            .await
    );
    let rec = emu.state().await["Webhooks"][0].clone();
    assert_eq!(rec["State"], "refused", "{rec}");
    assert_eq!(rec["ReplyOk"], false);
    assert_eq!(rec["Sign"], Value::Null);
    assert_eq!(
        rec["SignValid"],
        Value::Null,
        "nothing to check without a token"
    );
    emu.handle.shutdown().await;
    task.abort();

    // A receiver that is not there: deliveries fail.
    let dead = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let url = format!("http://{}/gone", dead.local_addr().unwrap());
    drop(dead);
    let mut c = config();
    c.callback_url = Some(url);
    let emu = Emu::start(c).await;
    assert_ok(
        &emu.login("ivan", &sig("ivan", NOW, 86_400), "Web", "w")
            .await,
    );
    assert!(
        emu.handle
            .emulator()
            .wait_webhooks(Duration::from_secs(5))
            .await
    );
    let rec = emu.state().await["Webhooks"][0].clone();
    assert_eq!(
        (rec["State"].as_str(), rec["Error"].as_str()),
        (Some("failed"), Some("could not connect"))
    );
    emu.handle.shutdown().await;

    // A receiver that takes the connection and never answers: the first
    // delivery waits out its 2 s, the queue (2) fills, and the logins still
    // answer at once: the rest of the deliveries are logged as dropped.
    let silent = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let url = format!("http://{}/silent", silent.local_addr().unwrap());
    let mut c = config();
    c.callback_url = Some(url);
    c.limits = Limits {
        webhook_queue: 2,
        ..Limits::default()
    };
    let emu = Emu::start(c).await;
    let s = sig("ivan", NOW, 86_400);
    for i in 0..20 {
        assert_ok(&emu.login("ivan", &s, "Web", &format!("w{i}")).await);
    }
    let st = emu.state().await;
    let states: Vec<&str> = st["Webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["State"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 20);
    let dropped = states.iter().filter(|s| **s == "dropped").count();
    assert!(
        dropped >= 17,
        "one in flight, two queued, the rest dropped: {states:?}"
    );
    emu.handle.shutdown().await;
    drop(silent);
}

// ---- the rate limit ----

#[tokio::test]
async fn rate_limit_per_api_per_second() {
    let mut c = config();
    c.rate_limit = 5;
    let emu = Emu::start(c).await;
    let mut api = emu.api();
    let body = json!({ "CheckItem": [{ "UserID": "a" }] });
    for _ in 0..5 {
        assert_ok(
            &emu.rest(&mut api, "im_open_login_svc", "account_check", &body)
                .await,
        );
    }
    let v = emu
        .rest(&mut api, "im_open_login_svc", "account_check", &body)
        .await;
    assert_fail(&v, ErrorCode::REST_FREQUENCY);
    // Another API has its own budget; multiaccount_import has half (3 of 5).
    assert_ok(
        &emu.rest(
            &mut api,
            "openim",
            "query_online_status",
            &json!({ "To_Account": ["a"] }),
        )
        .await,
    );
    let multi = json!({ "Accounts": ["m"] });
    for _ in 0..3 {
        assert_ok(
            &emu.rest(&mut api, "im_open_login_svc", "multiaccount_import", &multi)
                .await,
        );
    }
    assert_fail(
        &emu.rest(&mut api, "im_open_login_svc", "multiaccount_import", &multi)
            .await,
        ErrorCode::REST_FREQUENCY,
    );
    // A second later the budget is back.
    emu.handle.emulator().advance(1).unwrap();
    assert_ok(
        &emu.rest(&mut api, "im_open_login_svc", "account_check", &body)
            .await,
    );
    emu.handle.shutdown().await;
}

/// A manual clock set centuries on (past `governor`'s 584 years of
/// nanoseconds) still answers REST calls, still rate-limited.
#[tokio::test]
async fn a_clock_set_centuries_on_keeps_the_rate_limit_working() {
    let mut c = config();
    c.rate_limit = 2;
    let emu = Emu::start(c).await;
    let mut api = emu.api();
    let body = json!({ "CheckItem": [{ "UserID": "a" }] });
    let later = NOW + 600 * 365 * 86_400;
    assert_eq!(emu.handle.emulator().set_now(later).unwrap().now, later);
    for _ in 0..2 {
        assert_ok(
            &emu.rest(&mut api, "im_open_login_svc", "account_check", &body)
                .await,
        );
    }
    assert_fail(
        &emu.rest(&mut api, "im_open_login_svc", "account_check", &body)
            .await,
        ErrorCode::REST_FREQUENCY,
    );
    // The furthest time there is, over HTTP: a typed answer, not a dropped connection.
    let (s, v) = emu
        .post("/emulator/v1/clock", &json!({ "Advance": u64::MAX }))
        .await;
    assert_eq!((s, v["Now"].as_u64()), (200, Some(u64::MAX)), "{v}");
    // No UserSig can be made at that time; the call is answered (the
    // rate limit is counted before the UserSig is checked).
    let query =
        format!("sdkappid={APP}&identifier=administrator&usersig=x&random=1&contenttype=json");
    let v = emu
        .rest_raw(
            "/v4/im_open_login_svc/account_check",
            &query,
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(v["ActionStatus"], "FAIL", "{v}");
    // A wait longer than the clock can count returns (nothing is queued).
    assert!(emu.handle.emulator().wait_webhooks(Duration::MAX).await);
    emu.handle.shutdown().await;
}

// ---- every REST refusal, one by one ----

#[tokio::test]
async fn rest_refusals_one_by_one() {
    let emu = Emu::start(config()).await;
    let admin = sig("administrator", NOW, 86_400);
    let good = format!(
        "sdkappid={APP}&identifier=administrator&usersig={admin}&random=42&contenttype=json"
    );
    let body = br#"{"CheckItem":[{"UserID":"a"}]}"#.to_vec();
    let path = "/v4/im_open_login_svc/account_check";
    assert_ok(&emu.rest_raw(path, &good, body.clone()).await);
    let bob = sig("bob", NOW, 86_400);
    let cases: Vec<(String, &str, ErrorCode)> = vec![
        (format!("{good}&random=1"), path, ErrorCode::URL_PARSE),
        (
            good.replace(&format!("sdkappid={APP}&"), ""),
            path,
            ErrorCode::SDKAPPID_MISSING,
        ),
        (
            good.replace(&format!("sdkappid={APP}"), "sdkappid=abc"),
            path,
            ErrorCode::SDKAPPID_INVALID,
        ),
        (
            good.replace(&format!("sdkappid={APP}"), "sdkappid=0"),
            path,
            ErrorCode::SDKAPPID_INVALID,
        ),
        (
            good.replace(&format!("sdkappid={APP}"), "sdkappid=1400000001"),
            path,
            ErrorCode::SDKAPPID_NOT_FOUND,
        ),
        (
            good.replace("identifier=administrator&", ""),
            path,
            ErrorCode::IDENTIFIER_OR_USERSIG,
        ),
        (
            good.replace("random=42", "random=4294967296"),
            path,
            ErrorCode::URL_PARSE,
        ),
        (
            good.replace("random=42", "random=-1"),
            path,
            ErrorCode::URL_PARSE,
        ),
        (good.replace("&random=42", ""), path, ErrorCode::URL_PARSE),
        (
            good.replace("contenttype=json", "contenttype=xml"),
            path,
            ErrorCode::URL_PARSE,
        ),
        (
            good.replace("&contenttype=json", ""),
            path,
            ErrorCode::URL_PARSE,
        ),
        (
            good.clone(),
            "/v4/im_open_login_svc/no_such_command",
            ErrorCode::BAD_URL,
        ),
        (good.clone(), "/v4/openim/account_check", ErrorCode::BAD_URL),
        (
            format!("sdkappid={APP}&identifier=bob&usersig={bob}&random=1&contenttype=json"),
            path,
            ErrorCode::NEEDS_ADMIN,
        ),
        (
            good.replace(&format!("usersig={admin}&"), ""),
            path,
            ErrorCode::USERSIG_EMPTY,
        ),
        ("x".repeat(9000), path, ErrorCode::URL_PARSE),
    ];
    for (query, path, expected) in cases {
        let v = emu.rest_raw(path, &query, body.clone()).await;
        assert_fail(&v, expected);
    }
    // Bodies: not JSON, not an object, the wrong fields, too many items.
    let kick = "/v4/im_open_login_svc/kick";
    for (path, b, expected) in [
        (kick, b"".to_vec(), ErrorCode::JSON_PARSE),
        (kick, b"{not json".to_vec(), ErrorCode::JSON_PARSE),
        (kick, b"[1,2]".to_vec(), ErrorCode::JSON_PARSE),
        (kick, vec![0xff, 0xfe, 0x00], ErrorCode::JSON_PARSE),
        (kick, b"{}".to_vec(), ErrorCode::INVALID_PARAMETERS),
        (
            kick,
            br#"{"UserID":7}"#.to_vec(),
            ErrorCode::IDENTIFIER_NOT_STRING,
        ),
        (
            kick,
            format!(r#"{{"UserID":"{}"}}"#, "u".repeat(33)).into_bytes(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            path,
            br#"{"CheckItem":"a"}"#.to_vec(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            path,
            br#"{"CheckItem":[]}"#.to_vec(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            path,
            json!({ "CheckItem": vec![json!({"UserID":"a"}); 101] })
                .to_string()
                .into_bytes(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            "/v4/openim/query_online_status",
            json!({ "To_Account": vec!["a"; 501] })
                .to_string()
                .into_bytes(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            "/v4/openim/query_online_status",
            br#"{"To_Account":["a"],"IsNeedDetail":2}"#.to_vec(),
            ErrorCode::INVALID_PARAMETERS,
        ),
        (
            "/v4/im_open_login_svc/multiaccount_import",
            br#"{"AccountList":[{"Nick":"n"}]}"#.to_vec(),
            ErrorCode::INVALID_PARAMETERS,
        ),
    ] {
        let v = emu.rest_raw(path, &good, b).await;
        assert_fail(&v, expected);
    }
    // A body over the cap: 60003, still HTTP 200.
    let big = vec![b' '; (1 << 20) + 1];
    assert_fail(&emu.rest_raw(kick, &good, big).await, ErrorCode::JSON_PARSE);
    // A sig revoked by a REST kick of the admin itself: 70052.
    assert_ok(
        &emu.rest_raw(
            "/v4/im_open_login_svc/account_import",
            &good,
            br#"{"UserID":"administrator"}"#.to_vec(),
        )
        .await,
    );
    assert_ok(
        &emu.rest_raw(kick, &good, br#"{"UserID":"administrator"}"#.to_vec())
            .await,
    );
    assert_fail(
        &emu.rest_raw(path, &good, body.clone()).await,
        ErrorCode::USERSIG_INVALIDATED,
    );
    emu.handle.shutdown().await;
}

// ---- the account APIs' answers ----

#[tokio::test]
async fn account_apis_answer_as_tencents_pages() {
    let emu = Emu::start(config()).await;
    let mut api = emu.api();
    // account_import, twice (no error), with Nick and FaceUrl.
    for _ in 0..2 {
        let v = emu
            .rest(
                &mut api,
                "im_open_login_svc",
                "account_import",
                &json!({ "UserID": "test", "Nick": "test", "FaceUrl": "http://www.qq.com" }),
            )
            .await;
        assert_eq!(
            v,
            json!({ "ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0 })
        );
    }
    // multiaccount_import: both forms; a bad UserID goes to FailAccounts.
    let long = "x".repeat(33);
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "multiaccount_import",
            &json!({ "AccountList": [{ "UserID": "u1", "Nick": "n1" }, { "UserID": long }] }),
        )
        .await;
    assert_ok(&v);
    assert_eq!(v["FailAccounts"], json!([long]));
    let resp = parse_response(200, v.to_string().as_bytes()).unwrap();
    assert_eq!(
        usersig_login::rest::failed_accounts(&resp).unwrap(),
        std::slice::from_ref(&long)
    );
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "multiaccount_import",
            &json!({ "Accounts": ["u2", "u3"] }),
        )
        .await;
    assert_eq!(v["FailAccounts"], json!([]));
    // account_check.
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "account_check",
            &json!({ "CheckItem": [{ "UserID": "u1" }, { "UserID": "zz" }] }),
        )
        .await;
    assert_eq!(
        v["ResultItem"],
        json!([
            { "UserID": "u1", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported" },
            { "UserID": "zz", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported" },
        ])
    );
    // query_online_status, with detail and instance ids; unknown accounts in ErrorList.
    assert_ok(
        &emu.login("u1", &sig("u1", NOW, 86_400), "iPhone", "ios-1")
            .await,
    );
    assert_ok(
        &emu.login("u1", &sig("u1", NOW, 86_400), "Web", "web-1")
            .await,
    );
    let v = emu
        .rest(
            &mut api,
            "openim",
            "query_online_status",
            &json!({ "To_Account": ["u1", "u2", "zz"], "IsNeedDetail": 1, "IsReturnInstid": 1 }),
        )
        .await;
    assert_eq!(
        v["QueryResult"],
        json!([
            { "To_Account": "u1", "Status": "Online", "Detail": [
                { "Platform": "iPhone", "Status": "Online", "InstID": "ios-1" },
                { "Platform": "Web", "Status": "Online", "InstID": "web-1" },
            ] },
            { "To_Account": "u2", "Status": "Offline" },
        ])
    );
    assert_eq!(
        v["ErrorList"],
        json!([{ "To_Account": "zz", "ErrorCode": 70107 }])
    );
    let resp = parse_response(200, v.to_string().as_bytes()).unwrap();
    let statuses = usersig_login::rest::OnlineStatus::from_response(&resp).unwrap();
    assert_eq!(statuses[0].detail.len(), 2);
    let v = emu
        .rest(
            &mut api,
            "openim",
            "query_online_status",
            &json!({ "To_Account": ["u1"] }),
        )
        .await;
    assert_eq!(
        v["QueryResult"],
        json!([{ "To_Account": "u1", "Status": "Online" }])
    );
    // account_delete: 70107 per account never imported; instances online go.
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "account_delete",
            &json!({ "DeleteItem": [{ "UserID": "u1" }, { "UserID": "zz" }] }),
        )
        .await;
    assert_eq!(
        v["ResultItem"][0],
        json!({ "ResultCode": 0, "ResultInfo": "", "UserID": "u1" })
    );
    assert_eq!(v["ResultItem"][1]["ResultCode"], 70107);
    assert_eq!(emu.events("web-1").await[0]["Reason"], "REST_API_Kick");
    let st = emu.state().await;
    assert_eq!(st["OnlineCount"], 0);
    let test = st["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["UserID"] == "test")
        .unwrap();
    assert_eq!(
        (
            test["Nick"].as_str(),
            test["FaceUrl"].as_str(),
            test["ImportedBy"].as_str()
        ),
        (Some("test"), Some("http://www.qq.com"), Some("rest"))
    );
    // The typed helpers of RestApi speak the same shapes.
    let reqs = api.account_check_at(&["test"], NOW, &mut || 1u32).unwrap();
    let r = emu
        .http
        .post(reqs[0].url())
        .body(reqs[0].body().to_vec())
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ResultItem"][0]["AccountStatus"], "Imported");
    let reqs = api
        .multiaccount_import_at(&["typed1", "typed2"], NOW, &mut || 2u32)
        .unwrap();
    let r = emu
        .http
        .post(reqs[0].url())
        .body(reqs[0].body().to_vec())
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!((code(&v), &v["FailAccounts"]), (0, &json!([])), "{v}");
    emu.handle.shutdown().await;
}

// ---- caps, garbage, the emulator's own endpoints ----

#[tokio::test]
async fn caps_and_garbage_get_clear_refusals() {
    let mut c = config();
    c.limits = Limits {
        max_accounts: 3, // the admin and two more
        max_instances: 3,
        max_events_per_instance: 2,
        kick_log: 3,
        ..Limits::default()
    };
    c.cross_platform = CrossPlatform::Multi;
    c.web_instances = 10;
    let emu = Emu::start(c).await;
    // Login bodies: garbage 400 (60003), wrong fields 400 (70402), over 1 MiB 413.
    for (body, status, expected) in [
        (b"not json".to_vec(), 400, 60003),
        (vec![0xc3, 0x28], 400, 60003),
        (b"[]".to_vec(), 400, 70402),
        (br#"{"UserID":"a"}"#.to_vec(), 400, 70402),
        (
            br#"{"UserID":"a","UserSig":"s","InstanceID":"i","Platform":"Amiga"}"#.to_vec(),
            400,
            70402,
        ),
        (
            br#"{"UserID":"a","UserSig":"s","InstanceID":""}"#.to_vec(),
            400,
            70402,
        ),
        (vec![b' '; (1 << 20) + 1], 413, 60003),
    ] {
        let (s, v) = emu.post_raw("/emulator/v1/login", body).await;
        assert_eq!((s, code(&v)), (status, expected), "{v}");
        assert_eq!(v["ActionStatus"], "FAIL");
    }
    let (s, v) = emu.get("/emulator/v1/events").await;
    assert_eq!((s, code(&v)), (400, 70402));
    let (s, v) = emu.get("/emulator/v1/events?InstanceID=x&wait=soon").await;
    assert_eq!((s, code(&v)), (400, 70402));
    let (s, v) = emu.get("/no/such/path").await;
    assert_eq!((s, v["ActionStatus"].as_str()), (404, Some("FAIL")));
    for path in ["/v4/im_open_login_svc/kick", "/emulator/v1/login"] {
        let (s, v) = emu.get(path).await;
        assert_eq!((s, code(&v)), (405, 60009), "{path}: {v}");
    }
    // A UserID over 32 bytes: refused, not imported.
    let long = "u".repeat(33);
    assert_fail(
        &emu.login(&long, &sig(&long, NOW, 60), "Web", "l").await,
        ErrorCode::INVALID_PARAMETERS,
    );

    // Accounts: a third beside the admin is refused with 70398, by login and by import.
    assert_ok(&emu.login("a1", &sig("a1", NOW, 86_400), "Web", "i1").await);
    assert_ok(&emu.login("a2", &sig("a2", NOW, 86_400), "Web", "i2").await);
    assert_fail(
        &emu.login("a3", &sig("a3", NOW, 86_400), "Web", "i3").await,
        ErrorCode::ACCOUNT_LIMIT,
    );
    let mut api = emu.api();
    assert_fail(
        &emu.rest(
            &mut api,
            "im_open_login_svc",
            "account_import",
            &json!({ "UserID": "a3" }),
        )
        .await,
        ErrorCode::ACCOUNT_LIMIT,
    );
    let v = emu
        .rest(
            &mut api,
            "im_open_login_svc",
            "multiaccount_import",
            &json!({ "Accounts": ["a1", "a4"] }),
        )
        .await;
    assert_eq!(v["FailAccounts"], json!(["a4"]));
    // Instances: the fourth online is refused with 60022; a repeat login is not.
    assert_ok(
        &emu.login("a1", &sig("a1", NOW, 86_400), "Android", "i4")
            .await,
    );
    let v = emu
        .login("a2", &sig("a2", NOW, 86_400), "Android", "i5")
        .await;
    assert_fail(&v, ErrorCode::OPEN_SERVICE_OVERLOAD_ERROR);
    assert_eq!(
        emu.login("a1", &sig("a1", NOW, 86_400), "Web", "i1").await["RepeatLogin"],
        true
    );
    // Queued notices per instance and the kick log are bounded, oldest dropped.
    for _ in 0..4 {
        assert_ok(
            &emu.rest(
                &mut api,
                "im_open_login_svc",
                "kick",
                &json!({ "UserID": "a1" }),
            )
            .await,
        );
        emu.handle.emulator().advance(1).unwrap();
        let t = emu.handle.emulator().now();
        assert_ok(&emu.login("a1", &sig("a1", t, 86_400), "Web", "i1").await);
    }
    assert_eq!(emu.events("i1").await.len(), 2);
    let st = emu.state().await;
    assert_eq!(st["Kicks"].as_array().unwrap().len(), 3);
    assert!(st["Dropped"]["Kicks"].as_u64().unwrap() >= 1);
    assert!(st["Dropped"]["Events"].as_u64().unwrap() >= 1);
    emu.handle.emulator().check_invariants().unwrap();
    // Reset forgets everything but the clock.
    let (s, v) = emu.post("/emulator/v1/reset", &json!({})).await;
    assert_eq!(s, 200);
    assert_ok(&v);
    let st = emu.state().await;
    assert_eq!(account_ids(&st), ["administrator"]);
    assert_eq!(
        (st["Kicks"].clone(), st["Now"].clone()),
        (json!([]), json!(NOW + 4))
    );
    emu.handle.shutdown().await;
}

#[tokio::test]
async fn events_long_poll_returns_on_a_kick_and_on_shutdown() {
    let emu = Emu::start(config()).await;
    let s = sig("kim", NOW, 86_400);
    assert_ok(&emu.login("kim", &s, "Web", "old").await);
    let url = emu.url("/emulator/v1/events?InstanceID=old&wait=10");
    let http = emu.http.clone();
    let waiting = tokio::spawn(async move {
        http.get(url)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    // The waiter is parked until the kick; the kick wakes it long before 10 s.
    tokio::task::yield_now().await;
    assert_ok(&emu.login("kim", &s, "Web", "new").await);
    let got = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["Events"][0]["Reason"], "multipleAccount");
    // A short wait with nothing queued answers empty.
    let (_, v) = emu
        .get("/emulator/v1/events?InstanceID=new&wait=0.05")
        .await;
    assert_eq!(v["Events"], json!([]));
    // Past the cap of waiting requests, a wait answers at once.
    {
        let mut c = config();
        c.limits = Limits {
            max_waiters: 1,
            ..Limits::default()
        };
        let small = Emu::start(c).await;
        let emu2 = small.handle.emulator().clone();
        let parked =
            tokio::spawn(async move { emu2.wait_events("x", Duration::from_secs(10)).await });
        tokio::task::yield_now().await;
        let (_, v) = tokio::time::timeout(
            Duration::from_secs(5),
            small.get("/emulator/v1/events?InstanceID=y&wait=10"),
        )
        .await
        .expect("answered at once: one request waits already");
        assert_eq!(v["Events"], json!([]));
        small.handle.shutdown().await;
        assert!(
            tokio::time::timeout(Duration::from_secs(5), parked)
                .await
                .unwrap()
                .unwrap()
                .events
                .is_empty()
        );
    }
    // Shutdown ends a waiting request instead of waiting 30 s for it.
    let url = emu.url("/emulator/v1/events?InstanceID=new&wait=30");
    let http = emu.http.clone();
    let waiting =
        tokio::spawn(async move { http.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(50)).await;
    tokio::time::timeout(Duration::from_secs(5), emu.handle.shutdown())
        .await
        .expect("graceful shutdown within 5 s");
    let status = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.ok(), Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_logins_keep_the_policy() {
    let mut c = config();
    c.web_instances = 3;
    c.cross_platform = CrossPlatform::Triple;
    let emu = Emu::start(c).await;
    let platforms = ["Web", "Android", "iPhone", "Mac", "Windows", "iPad"];
    let sigs: Vec<String> = (0..4)
        .map(|u| sig(&format!("user{u}"), NOW, 86_400))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let http = emu.http.clone();
        let url = emu.url("/emulator/v1/login");
        let user = format!("user{}", i % 4);
        let s = sigs[i % 4].clone();
        let platform = platforms[i % platforms.len()];
        tasks.push(tokio::spawn(async move {
            let body = json!({ "UserID": user, "UserSig": s, "Platform": platform, "InstanceID": format!("inst{}", i % 37) });
            let v: Value = http.post(&url).body(body.to_string()).send().await.unwrap().json().await.unwrap();
            assert_eq!(v["ActionStatus"], "OK", "{v}");
            if i % 5 == 0 {
                let body = json!({ "UserID": format!("user{}", i % 4), "InstanceID": format!("inst{}", (i + 3) % 37) });
                let _ = http.post(url.replace("login", "logout")).body(body.to_string()).send().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    emu.handle.emulator().check_invariants().unwrap();
    let st = emu.state().await;
    for a in st["Accounts"].as_array().unwrap() {
        let web = a["Online"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["Platform"] == "Web")
            .count();
        assert!(web <= 3, "{a}");
    }
    emu.handle.shutdown().await;
}

#[test]
fn background_handle_serves_and_stops() {
    let mut c = config();
    c.web_instances = 2;
    let emu = usersig_emulator::start_in_background(c, loopback()).unwrap();
    let url = emu.url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    // In-process calls, the same JSON as over HTTP.
    let s = sig("liz", NOW, 86_400);
    let login = |id: &str| usersig_emulator::LoginRequest {
        user_id: "liz".into(),
        user_sig: s.clone(),
        platform: "Web".into(),
        instance_id: id.into(),
    };
    assert!(emu.login(&login("p1")).unwrap().is_ok());
    assert!(emu.login(&login("p2")).unwrap().is_ok());
    emu.advance(5).unwrap();
    let v = emu.login(&login("p3")).unwrap();
    assert_eq!(v.kicked[0].instance_id, "p1");
    let got = emu.wait_events_blocking("p1", Duration::from_millis(10));
    assert_eq!(got.events[0].reason, "multipleAccount");
    let state = emu.state();
    assert_eq!(state.now, NOW + 5);
    assert_eq!(state.online_count, 2);
    // Over HTTP, from a runtime of the test's own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http_state: Value = rt.block_on(async {
        client()
            .get(format!("{url}/emulator/v1/state"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(http_state, serde_json::to_value(emu.state()).unwrap());
    emu.shutdown();
    // Stopped: nothing listens any more.
    let gone = rt.block_on(async {
        client()
            .get(format!("{url}/emulator/v1/state"))
            .send()
            .await
    });
    assert!(gone.is_err());
    // Drop stops it too.
    let emu = usersig_emulator::start_in_background(config(), loopback()).unwrap();
    let url = emu.url().to_owned();
    drop(emu);
    let gone = rt.block_on(async {
        client()
            .get(format!("{url}/emulator/v1/state"))
            .send()
            .await
    });
    assert!(gone.is_err());
}

#[test]
fn bad_configurations_are_refused() {
    let cases: Vec<(Box<dyn Fn(&mut Config)>, &str)> = vec![
        (Box::new(|c| c.sdkappid = 0), "SDKAppID"),
        (Box::new(|c| c.admins = vec![]), "admin"),
        (Box::new(|c| c.admins = vec![String::new()]), "admin"),
        (Box::new(|c| c.web_instances = 0), "Web instances"),
        (Box::new(|c| c.web_instances = 11), "Web instances"),
        (
            Box::new(|c| c.callback_url = Some("ftp://127.0.0.1/x".into())),
            "callback URL",
        ),
        (
            Box::new(|c| c.callback_url = Some("not a url".into())),
            "callback URL",
        ),
        (
            Box::new(|c| {
                c.callback_url = Some("http://127.0.0.1:9/x".into());
                c.callback_token = Some(String::new().into());
            }),
            "token",
        ),
        (
            Box::new(|c| {
                c.callback_url = Some("http://127.0.0.1:9/x".into());
                c.callback_token = Some(" \n".to_owned().into());
            }),
            "token",
        ),
        (Box::new(|c| c.limits.max_body = 0), "max_body"),
    ];
    for (change, needle) in cases {
        let mut c = config();
        change(&mut c);
        let e = usersig_emulator::Emulator::new(c).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    let mut c = config();
    c.callback_token = Some("SECRET-TOKEN".to_owned().into());
    let printed = format!("{c:?}");
    assert!(
        !printed.contains("SECRET") && !printed.contains(KEY),
        "{printed}"
    );
}

#[test]
fn logs_never_carry_the_usersig() {
    let q = "sdkappid=1&identifier=admin&usersig=eJwSECRET_&random=1&contenttype=json";
    let r = usersig_emulator::redact_query(q);
    assert_eq!(
        r,
        "sdkappid=1&identifier=admin&usersig=[redacted]&random=1&contenttype=json"
    );
    assert!(
        !usersig_emulator::redact_query(&format!("{q}&usersig=againSECRET")).contains("SECRET")
    );
    // A name with escapes is still the parameter the REST reader takes.
    for q in [
        "user%73ig=SECRET",
        "a=1&usersig",
        "usersig=SECRET=x",
        "%75sersig=SECRET&b=2",
    ] {
        let r = usersig_emulator::redact_query(q);
        assert!(!r.contains("SECRET"), "{q} -> {r}");
    }
}

#[test]
fn every_fuzz_seed_and_regression_replays() {
    type Harness = fn(&[u8]);
    let targets: [(&str, Harness); 2] = [
        ("emulator_rest", usersig_emulator::fuzz_harness::rest),
        (
            "emulator_endpoints",
            usersig_emulator::fuzz_harness::endpoints,
        ),
    ];
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (name, harness) in targets {
        let mut replayed = 0;
        for sub in ["seeds", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(sub).join(name)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths {
                let data = std::fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(|| harness(&data));
                assert!(
                    result.is_ok(),
                    "{name}: {} broke an invariant",
                    path.display()
                );
                replayed += 1;
            }
        }
        assert!(replayed >= 5, "{name}: {replayed} inputs");
    }
}

// ---- the dashboard and its endpoints ----

impl Emu {
    async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

#[tokio::test]
async fn issue_signs_at_the_emulators_time_with_its_key() {
    let emu = Emu::start(config()).await;
    emu.handle.emulator().advance(5).unwrap();
    let r = emu
        .http
        .post(emu.url("/emulator/v1/issue"))
        .header("Content-Type", "application/json; charset=utf-8")
        .body(json!({ "UserID": "ivy", "Expire": 600 }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let v: Value = r.json().await.unwrap();
    assert_ok(&v);
    assert_eq!(
        (&v["UserID"], &v["IssuedAt"], &v["ExpireAt"]),
        (&json!("ivy"), &json!(NOW + 5), &json!(NOW + 605))
    );
    let sig = v["UserSig"].as_str().unwrap();
    let claims = usersig::Verifier::new(APP, &key())
        .unwrap()
        .verify_at("ivy", sig, NOW + 5)
        .unwrap();
    assert_eq!((claims.issued_at, claims.expire), (NOW + 5, 600));
    // It logs in; the default lifetime is a day.
    assert_ok(&emu.login("ivy", sig, "Web", "t1").await);
    let (_, v) = emu
        .post_json("/emulator/v1/issue", &json!({ "UserID": "ivy" }))
        .await;
    assert_eq!(v["ExpireAt"], json!(NOW + 5 + 86_400));

    // Refusals: a bad UserID or lifetime, another content type, bad JSON.
    for (body, code) in [
        (json!({ "UserID": "" }), 70402),
        (json!({ "UserID": "x".repeat(33) }), 70402),
        (json!({ "UserID": "a\nb" }), 70402),
        (json!({ "UserID": "ivy", "Expire": 0 }), 70402),
        (
            json!({ "UserID": "ivy", "Expire": 2_000_000_000u64 }),
            70402,
        ),
        (json!({ "UserID": "ivy", "Expire": -1 }), 70402),
        (json!({ "Expire": 60 }), 70402),
    ] {
        let (status, v) = emu.post_json("/emulator/v1/issue", &body).await;
        assert_eq!((status, code_of(&v)), (400, code), "{body}: {v}");
        assert_eq!(v["ActionStatus"], "FAIL");
    }
    // A form post (what a page of another origin can send without a
    // preflight) is refused before the body is read.
    let (status, v) = emu
        .post("/emulator/v1/issue", &json!({ "UserID": "ivy" }))
        .await;
    assert_eq!((status, code_of(&v)), (415, 60003), "{v}");
    let r = emu
        .http
        .post(emu.url("/emulator/v1/issue"))
        .header("Content-Type", "text/plain")
        .body(json!({ "UserID": "ivy" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let r = emu
        .http
        .post(emu.url("/emulator/v1/issue"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(code_of(&r.json().await.unwrap()), 60003);
    let r = emu
        .http
        .get(emu.url("/emulator/v1/issue"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    emu.handle.shutdown().await;
}

fn code_of(v: &Value) -> u64 {
    v["ErrorCode"].as_u64().unwrap_or(u64::MAX)
}

#[tokio::test]
async fn the_kick_endpoint_is_the_rest_kick() {
    let (url, mut rx, task) =
        receiver(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#).await;
    let mut c = config();
    c.web_instances = 2;
    c.callback_url = Some(url);
    c.callback_token = Some(TOKEN.to_owned().into());
    let emu = Emu::start(c).await;
    let s = sig("jo", NOW, 86_400);
    assert_ok(&emu.login("jo", &s, "Web", "k1").await);
    assert_ok(&emu.login("jo", &s, "Web", "k2").await);
    let (status, v) = emu
        .post_json("/emulator/v1/kick", &json!({ "UserID": "jo" }))
        .await;
    assert_eq!(status, 200);
    assert_ok(&v);
    for instance in ["k1", "k2"] {
        let ev = emu.events(instance).await;
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (&ev[0]["Reason"], &ev[0]["KickType"]),
            (&json!("REST_API_Kick"), &json!(3))
        );
    }
    let st = emu.state().await;
    assert_eq!(account(&st, "jo")["RevokedBefore"], json!(NOW));
    assert_eq!(account(&st, "jo")["Online"], json!([]));
    let kicks = st["Kicks"].as_array().unwrap();
    assert_eq!(kicks.len(), 2);
    assert!(
        kicks
            .iter()
            .all(|k| k["Cause"] == json!({ "Type": "RestKick" }))
    );
    // The earlier UserSig is revoked, as after a backend's REST kick.
    assert_fail(&emu.login("jo", &s, "Web", "k3").await, ErrorCode(70052));
    // The webhooks say RESTAPI, and their Sign verifies.
    let _ = (next(&mut rx).await, next(&mut rx).await);
    for _ in 0..2 {
        let (query, _) = next(&mut rx).await;
        let q = CallbackVerifier::new(TOKEN)
            .unwrap()
            .verify_query_at(&query, NOW)
            .unwrap();
        assert_eq!(q.opt_platform.as_deref(), Some("RESTAPI"));
    }
    // An account never imported: the REST answer, 70107.
    let (status, v) = emu
        .post_json("/emulator/v1/kick", &json!({ "UserID": "nobody" }))
        .await;
    assert_eq!(status, 200);
    assert_fail(&v, ErrorCode(70107));
    let (status, v) = emu
        .post_json("/emulator/v1/kick", &json!({ "UserID": 5 }))
        .await;
    assert_eq!((status, code_of(&v)), (400, 70402), "{v}");
    let (status, _) = emu
        .post("/emulator/v1/kick", &json!({ "UserID": "jo" }))
        .await;
    assert_eq!(status, 415);
    emu.handle.shutdown().await;
    task.abort();
}

#[tokio::test]
async fn the_dashboard_is_one_page_under_a_strict_policy() {
    let emu = Emu::start(config()).await;
    let r = emu.http.get(emu.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    assert_eq!(csp, usersig_emulator::dashboard_csp());
    let page = r.text().await.unwrap();
    assert_eq!(page, usersig_emulator::DASHBOARD_HTML);
    // The policy allows the page's own script and style, by hash, and
    // nothing else: every directive is in this list.
    let script = page
        .split_once("<script>")
        .unwrap()
        .1
        .split_once("</script>")
        .unwrap()
        .0;
    let digest = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()))
    };
    let directives: Vec<&str> = csp.split("; ").collect();
    assert_eq!(directives[0], "default-src 'none'");
    assert_eq!(directives[1], format!("script-src 'sha256-{digest}'"));
    assert!(directives[2].starts_with("style-src 'sha256-"));
    assert_eq!(
        directives[3..],
        [
            "connect-src 'self'",
            "img-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'"
        ]
    );
    // It reads the state and drives the emulator's own endpoints.
    for path in [
        "/emulator/v1/state",
        "/emulator/v1/issue",
        "/emulator/v1/login",
        "/emulator/v1/logout",
        "/emulator/v1/kick",
        "/emulator/v1/clock",
        "/emulator/v1/reset",
    ] {
        assert!(page.contains(&format!("\"{path}\"")), "{path}");
    }
    // Only GET.
    let r = emu.http.post(emu.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    emu.handle.shutdown().await;
}

/// Every response is `X-Content-Type-Options: nosniff`: the JSON answers
/// carry strings clients sent, the refusals and errors too.
#[tokio::test]
async fn every_response_is_marked_nosniff() {
    let emu = Emu::start(config()).await;
    let nosniff = |r: &reqwest::Response, what: &str| {
        let all: Vec<_> = r
            .headers()
            .get_all("x-content-type-options")
            .iter()
            .collect();
        assert_eq!(all, ["nosniff"], "{what}: {}", r.status());
    };
    // The dashboard page.
    let r = emu.http.get(emu.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    nosniff(&r, "the dashboard");
    // JSON endpoints, one answering with the UserID a client sent.
    let r = emu
        .http
        .post(emu.url("/emulator/v1/issue"))
        .header("Content-Type", "application/json")
        .body(r#"{"UserID":"<script>x</script>"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    nosniff(&r, "an issued UserSig");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["UserID"], "<script>x</script>", "{v}");
    let r = emu
        .http
        .get(emu.url("/emulator/v1/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    nosniff(&r, "the state");
    // A REST answer (a refused admin UserSig), an unknown path, a wrong
    // method, a foreign Host.
    let r = emu
        .http
        .post(emu.url("/v4/im_open_login_svc/kick?sdkappid=1&identifier=a&usersig=x&random=1&contenttype=json"))
        .body("{}")
        .send()
        .await
        .unwrap();
    nosniff(&r, "a REST answer");
    let r = emu.http.get(emu.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    nosniff(&r, "an unknown path");
    let r = emu
        .http
        .get(emu.url("/emulator/v1/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    nosniff(&r, "a wrong method");
    let r = emu
        .http
        .get(emu.url("/emulator/v1/state"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    nosniff(&r, "a foreign Host");
    emu.handle.shutdown().await;
}

/// Another site's page reaches none of the endpoints: not from its own
/// origin (`Origin`), nor by pointing a name of its own at 127.0.0.1 (DNS
/// rebinding: `Host`), whatever the content type.
#[tokio::test]
async fn pages_of_other_sites_are_refused() {
    let emu = Emu::start(config()).await;
    let port = emu.handle.local_addr().port();
    let issue = |host: Option<String>, origin: Option<String>| {
        let mut r = emu
            .http
            .post(emu.url("/emulator/v1/issue"))
            .header("Content-Type", "application/json")
            .body(r#"{"UserID":"alice"}"#);
        if let Some(h) = host {
            r = r.header("Host", h);
        }
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        r.send()
    };
    let refused = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert_eq!((status, code(&v)), (403, 60017), "{v}");
        assert!(v.get("UserSig").is_none());
    };
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "evil.example".to_owned(),
    ] {
        refused(issue(Some(host.clone()), None).await.unwrap()).await;
        // Even with the matching Origin: the page is of the rebound name.
        refused(
            issue(Some(host.clone()), Some(format!("http://{host}")))
                .await
                .unwrap(),
        )
        .await;
    }
    for origin in [
        "http://evil.example".to_owned(),
        "null".to_owned(),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        refused(issue(None, Some(origin)).await.unwrap()).await;
    }
    // A simple (text/plain) cross-site POST to an endpoint that takes any content type.
    assert_ok(&emu.login("a1", &sig("a1", NOW, 3600), "Web", "i1").await);
    let r = emu
        .http
        .post(emu.url("/emulator/v1/reset"))
        .header("Content-Type", "text/plain")
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(emu.state().await["OnlineCount"], 1);
    // The emulator's own page, by address or by localhost, and clients that send no Origin.
    for (host, origin) in [
        (None, Some(format!("http://127.0.0.1:{port}"))),
        (
            Some(format!("localhost:{port}")),
            Some(format!("http://LOCALHOST:{port}")),
        ),
        (Some(format!("app.localhost:{port}")), None),
        (Some(format!("[::1]:{port}")), None),
        (Some("127.0.0.1".to_owned()), None),
        (None, None),
    ] {
        let r = issue(host.clone(), origin.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{host:?} {origin:?}");
        let v: Value = r.json().await.unwrap();
        assert_ok(&v);
    }
    emu.handle.shutdown().await;
}
