//! The client against the emulator over real TCP on 127.0.0.1 (port 0),
//! started in process on the test's runtime: every method's answer and its
//! documented failure, retries by class (codes queued with
//! `Emulator::fail_next`), the admin UserSig renewed across a manual-clock
//! advance (20 tasks, one renewal) and after 70001, CONFIG codes raised at
//! once, a burst of 50 against a server limit of 10, a dead port and a
//! server that never answers (deadline), and logs without secrets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{
    APP, KEY, NOW, OTHER_KEY, capture, config, dead_port, emulator, fast_retry, has_account, key,
    login,
};
use serde_json::json;
use tokio::task::JoinSet;
use usersig::Signer;
use usersig_client::{
    AccountImport, AccountStatus, Backoff, Client, ClientConfig, ClientError, ErrorClass,
    ErrorCode, ErrorKind, GiveUpReason, Presence, RateLimit, RateLimits, RetryPolicy,
    TransportFailure, UnixClock,
};
use usersig_emulator::FailRequest;

fn assert_send<T: Send>(_: &T) {}

fn codes(e: &ClientError) -> Vec<Option<u32>> {
    e.attempts.iter().map(|a| a.code.map(|c| c.0)).collect()
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

// ---- every method ----

#[tokio::test]
async fn the_client_is_shareable_and_its_futures_are_send() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Client>();
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    let ids = ["a"];
    let kick = client.kick("a");
    let online = client.query_online_status(&ids);
    let body = json!({});
    let call = client.call("openim", "query_online_status", &body);
    let retried = client.import_and_retry("a", || client.kick("a"));
    assert_send(&kick);
    assert_send(&online);
    assert_send(&call);
    assert_send(&retried);
    // A clone shares the admin UserSig (and the pool and the limiters).
    let clone = client.clone();
    clone.account_check(&ids).await.unwrap();
    client.account_check(&ids).await.unwrap();
    assert_eq!(client.admin_sigs_issued(), 1);
    assert_eq!(clone.admin_sigs_issued(), 1);
    assert_eq!(client.base_url(), emu.url());
    assert_eq!((client.sdkappid(), client.admin()), (APP, "administrator"));
}

#[tokio::test]
async fn account_import_creates_the_account_and_refuses_what_tencent_refuses() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    client
        .account_import(&AccountImport {
            user_id: "alice".into(),
            nick: Some("Alice".into()),
            face_url: Some("https://example.com/a.png".into()),
        })
        .await
        .unwrap();
    let st = emu.emulator().state();
    let alice = st.accounts.iter().find(|a| a.user_id == "alice").unwrap();
    assert_eq!(alice.nick.as_deref(), Some("Alice"));
    assert_eq!(alice.imported_by, "rest");

    // A UserID over 32 bytes: 70402, a CONFIG code, one attempt.
    let long = "x".repeat(33);
    let err = client
        .account_import(&AccountImport {
            user_id: long,
            ..AccountImport::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::INVALID_PARAMETERS));
    assert_eq!(err.class(), ErrorClass::Config);
    assert_eq!(codes(&err), [Some(70402)]);
    assert_eq!(
        err.gave_up,
        Some(GiveUpReason::NotRetryable(ErrorClass::Config))
    );
    // An empty one is refused before anything is sent.
    let err = client
        .account_import(&AccountImport::default())
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Request(_)), "{err:?}");
    assert!(err.attempts.is_empty());
    assert_eq!(err.class(), ErrorClass::Config);
    assert!(err.to_string().contains("nothing was sent"), "{err}");
}

#[tokio::test]
async fn multiaccount_import_goes_in_batches_of_100_and_gathers_every_failure() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    // 250 accounts, three batches; one UserID too long in the first batch
    // and one in the third: the emulator refuses a list over 100 with
    // 70402, so every batch is within the limit.
    let mut users = ids("u", 250);
    users[10] = "a".repeat(33);
    users[240] = "b".repeat(33);
    let failed = client.multiaccount_import(&users).await.unwrap();
    assert_eq!(failed, ["a".repeat(33), "b".repeat(33)]);
    let st = emu.emulator().state();
    for (i, u) in users.iter().enumerate() {
        let imported = st.accounts.iter().any(|a| &a.user_id == u);
        assert_eq!(imported, i != 10 && i != 240, "{u}");
    }
    // Nothing to import: nothing sent, nothing failed.
    assert!(
        client
            .multiaccount_import::<&str>(&[])
            .await
            .unwrap()
            .is_empty()
    );
    // An empty UserID anywhere: refused before the first batch goes.
    let mut bad = ids("v", 150);
    bad[120] = String::new();
    let err = client.multiaccount_import(&bad).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Request(_)), "{err:?}");
    assert!(!has_account(&emu, "v0"));
}

#[tokio::test]
async fn a_failed_batch_names_itself_and_stops_the_call() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    // 250 accounts, three batches: the second answers 70500 three times
    // (the first goes through), so the call stops there with every code,
    // naming batch 2 of 3, and the third batch is not sent.
    let mut req = FailRequest::code(ErrorCode::INTERNAL_ERROR);
    req.count = 3;
    req.after = 1;
    req.command = Some("multiaccount_import".into());
    emu.emulator().fail_next(&req).unwrap();
    let users = ids("w", 250);
    let err = client.multiaccount_import(&users).await.unwrap_err();
    let batch = err.batch.unwrap();
    assert_eq!((batch.index, batch.count), (1, 3));
    assert_eq!(codes(&err), [Some(70500); 3]);
    assert_eq!(err.gave_up, Some(GiveUpReason::AttemptsExhausted));
    let text = err.to_string();
    assert!(
        text.starts_with(
            "im_open_login_svc/multiaccount_import (batch 2 of 3) failed: IM REST error 70500"
        ),
        "{text}"
    );
    let imported = |u: &str| has_account(&emu, u);
    assert!(imported("w0") && imported("w99"));
    assert!(!imported("w100") && !imported("w199"));
    assert!(
        !imported("w200") && !imported("w249"),
        "the third batch was not sent"
    );
}

#[tokio::test]
async fn account_check_and_account_delete_answer_per_account_in_order() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    let users = ids("c", 150);
    client.multiaccount_import(&users[..120]).await.unwrap();
    let checked = client.account_check(&users).await.unwrap();
    assert_eq!(checked.len(), 150);
    for (i, r) in checked.iter().enumerate() {
        assert_eq!(r.user_id, users[i]);
        assert_eq!(r.code, ErrorCode::OK);
        let expected = if i < 120 {
            AccountStatus::Imported
        } else {
            AccountStatus::NotImported
        };
        assert_eq!(r.status.as_ref(), Some(&expected), "{}", r.user_id);
        assert_eq!(r.is_imported(), i < 120);
    }

    let deleted = client.account_delete(&["c0", "ghost"]).await.unwrap();
    assert_eq!(deleted.len(), 2);
    assert_eq!(
        (deleted[0].user_id.as_str(), deleted[0].code),
        ("c0", ErrorCode::OK)
    );
    assert_eq!(
        (deleted[1].user_id.as_str(), deleted[1].code),
        ("ghost", ErrorCode::ACCOUNT_NOT_IMPORTED)
    );
    assert!(!client.account_check(&["c0"]).await.unwrap()[0].is_imported());
    assert!(
        client
            .account_check::<String>(&[])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn query_online_status_goes_in_batches_of_500_merged_in_order() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    let mut users = ids("q", 1_100);
    client.multiaccount_import(&users[..1_050]).await.unwrap();
    login(&emu, "q7", "tab-a");
    login(&emu, "q777", "tab-b");
    users.push("q7".into()); // asked twice
    let got = client.query_online_status(&users).await.unwrap();
    assert_eq!(got.statuses.len(), 1_051);
    assert_eq!(got.errors.len(), 50);
    for s in &got.statuses {
        let online = s.account == "q7" || s.account == "q777";
        let expected = if online {
            Presence::Online
        } else {
            Presence::Offline
        };
        assert_eq!(s.status, expected, "{}", s.account);
        if online {
            assert_eq!(s.detail, [("Web".to_owned(), Presence::Online)]);
        } else {
            assert!(s.detail.is_empty());
        }
    }
    let order: Vec<&str> = got.statuses.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(
        order[..1_050],
        users[..1_050]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()[..]
    );
    assert_eq!(order[1_050], "q7");
    assert_eq!(got.errors[0].account, "q1050");
    assert_eq!(got.errors[49].account, "q1099");
    assert!(
        got.errors
            .iter()
            .all(|e| e.code == ErrorCode::ACCOUNT_NOT_IMPORTED)
    );
}

#[tokio::test]
async fn kick_takes_the_user_off_line_and_70107_offers_import_and_retry() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    client.multiaccount_import(&["alice"]).await.unwrap();
    login(&emu, "alice", "tab1");
    client.kick("alice").await.unwrap();
    let st = emu.emulator().state();
    assert_eq!(st.kicks.len(), 1);
    assert_eq!(st.kicks[0].reason, "REST_API_Kick");
    assert_eq!(st.online_count, 0);

    // An account IM does not know: 70107, class import, never retried.
    let err = client.kick("ghost").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ACCOUNT_NOT_IMPORTED));
    assert_eq!(err.class(), ErrorClass::Import);
    assert_eq!(codes(&err), [Some(70107)]);
    assert_eq!(
        err.gave_up,
        Some(GiveUpReason::NotRetryable(ErrorClass::Import))
    );
    // import_and_retry: imports it once, kicks again.
    client
        .import_and_retry("ghost", || client.kick("ghost"))
        .await
        .unwrap();
    let st = emu.emulator().state();
    let ghost = st.accounts.iter().find(|a| a.user_id == "ghost").unwrap();
    assert_eq!(ghost.imported_by, "rest");
    assert!(ghost.revoked_before.is_some(), "the second kick ran");
    // Any other failure comes back from the first run as it is.
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::SDKAPPID_DISABLED))
        .unwrap();
    let err = client
        .import_and_retry("nobody", || client.kick("nobody"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::SDKAPPID_DISABLED));
    assert!(!has_account(&emu, "nobody"));
}

#[tokio::test]
async fn call_returns_the_whole_answer_and_refuses_what_cannot_be_sent() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    let v = client
        .call(
            "openim",
            "query_online_status",
            &json!({ "To_Account": ["administrator"], "IsNeedDetail": 1 }),
        )
        .await
        .unwrap();
    assert_eq!(v["ActionStatus"], "OK");
    assert_eq!(v["ErrorCode"], 0);
    assert_eq!(v["ErrorInfo"], "");
    assert_eq!(v["QueryResult"][0]["To_Account"], "administrator");
    assert_eq!(v["QueryResult"][0]["Status"], "Offline");

    // An API the emulator does not have: 60009, a CONFIG code.
    let err = client
        .call("openim", "sendmsg", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BAD_URL));
    assert_eq!(codes(&err), [Some(60009)]);
    // Not a JSON object, or not a path segment: nothing sent.
    for (service, command, body) in [
        ("openim", "query_online_status", json!([1])),
        ("open/im", "query_online_status", json!({})),
    ] {
        let err = client.call(service, command, &body).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Request(_)), "{err:?}");
        assert!(err.attempts.is_empty());
    }
}

// ---- retries by class ----

#[tokio::test]
async fn config_and_stop_codes_are_raised_at_once_with_one_attempt() {
    let emu = emulator(|_| {}).await;
    // Not an App admin: 60010.
    let mut c = config(&emu);
    c.admin = "nobody".into();
    let err = Client::new(c)
        .unwrap()
        .account_check(&["a"])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NEEDS_ADMIN));
    assert_eq!(err.attempts.len(), 1);
    assert_eq!(err.attempts[0].class, ErrorClass::Config);
    assert_eq!(
        err.gave_up,
        Some(GiveUpReason::NotRetryable(ErrorClass::Config))
    );
    // Another app's key: 70009.
    let mut c = config(&emu);
    c.key = usersig::SecretKey::new(OTHER_KEY).unwrap();
    let err = Client::new(c)
        .unwrap()
        .query_online_status(&["a"])
        .await
        .unwrap_err();
    assert_eq!(codes(&err), [Some(70009)]);
    assert_eq!(err.class(), ErrorClass::Config);
    // A disabled app (60016, stop), queued on the emulator.
    let client = Client::new(config(&emu)).unwrap();
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::SDKAPPID_DISABLED))
        .unwrap();
    let err = client.account_check(&["a"]).await.unwrap_err();
    assert_eq!(codes(&err), [Some(60016)]);
    assert_eq!(
        err.gave_up,
        Some(GiveUpReason::NotRetryable(ErrorClass::Stop))
    );
    // The queue is empty again: the next call goes through.
    client.account_check(&["a"]).await.unwrap();
}

#[tokio::test]
async fn retry_codes_are_sent_again_until_they_pass_or_the_attempts_run_out() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    client.multiaccount_import(&["alice"]).await.unwrap();
    // Two 70500s, then the real answer: a write retried on a code.
    let mut req = FailRequest::code(ErrorCode::INTERNAL_ERROR);
    req.count = 2;
    emu.emulator().fail_next(&req).unwrap();
    client.kick("alice").await.unwrap();
    assert!(
        emu.emulator()
            .state()
            .accounts
            .iter()
            .any(|a| a.user_id == "alice" && a.revoked_before.is_some())
    );
    // Three: every attempt's code in the error, in order.
    req.count = 3;
    emu.emulator().fail_next(&req).unwrap();
    let err = client.kick("alice").await.unwrap_err();
    assert_eq!(codes(&err), [Some(70500); 3]);
    assert_eq!(err.gave_up, Some(GiveUpReason::AttemptsExhausted));
    let text = err.to_string();
    assert!(
        text.starts_with("im_open_login_svc/kick failed: IM REST error 70500: failure requested from /emulator/v1/fail (retry); 3 attempts: 70500 (retry) at "),
        "{text}"
    );
    assert!(text.ends_with("; gave up: no attempts left"), "{text}");
    assert!(
        err.attempts
            .windows(2)
            .all(|w| w[0].elapsed <= w[1].elapsed)
    );
    // Mixed codes are each kept: 60007, then 70107 (which stops).
    emu.emulator().reset();
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::REST_FREQUENCY))
        .unwrap();
    let err = client.kick("alice").await.unwrap_err();
    assert_eq!(codes(&err), [Some(60007), Some(70107)]);
}

#[tokio::test]
async fn the_servers_waiting_time_is_honoured_within_the_deadline() {
    let emu = emulator(|_| {}).await;
    let mut c = config(&emu);
    c.retry.deadline = Some(Duration::from_millis(500));
    let client = Client::new(c).unwrap();
    // 60022 asking for 2 s: a wait past the 0.5 s deadline is not started.
    let mut req = FailRequest::code(ErrorCode::OPEN_SERVICE_OVERLOAD_ERROR);
    req.waiting_time = Some(2);
    emu.emulator().fail_next(&req).unwrap();
    let started = Instant::now();
    let err = client.account_check(&["a"]).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not wait the 2 s"
    );
    assert_eq!(codes(&err), [Some(60022)]);
    assert_eq!(err.gave_up, Some(GiveUpReason::Deadline));
    assert_eq!(
        err.api_error().unwrap().waiting_time,
        Some(Duration::from_secs(2))
    );
}

// ---- the admin UserSig ----

#[tokio::test]
async fn a_70001_is_answered_by_one_renewal_and_one_more_attempt() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    client.account_check(&["a"]).await.unwrap();
    assert_eq!(client.admin_sigs_issued(), 1);
    // The server says the admin UserSig expired, once: renewed, sent again.
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::USERSIG_EXPIRED))
        .unwrap();
    let (cap, guard) = capture();
    client.account_check(&["a"]).await.unwrap();
    drop(guard);
    assert_eq!(client.admin_sigs_issued(), 2);
    assert_eq!(
        cap.count(&["the admin UserSig was refused", "IM REST error 70001"]),
        1,
        "{}",
        cap.text()
    );
    // Twice: renewed once only, then given up with both codes.
    let mut req = FailRequest::code(ErrorCode::USERSIG_EXPIRED);
    req.count = 2;
    emu.emulator().fail_next(&req).unwrap();
    let err = client.account_check(&["a"]).await.unwrap_err();
    assert_eq!(codes(&err), [Some(70001), Some(70001)]);
    assert_eq!(err.gave_up, Some(GiveUpReason::AlreadyReissued));
    assert_eq!(client.admin_sigs_issued(), 3);
}

#[tokio::test]
async fn an_admin_sig_the_server_finds_expired_is_renewed_after_70001() {
    // The client's clock runs 101 s behind the emulator's: the sig it holds
    // is fresh by its own clock and expired by the server's.
    let emu = emulator(|_| {}).await;
    let client_now = Arc::new(AtomicU64::new(NOW));
    let mut c = config(&emu);
    let t = client_now.clone();
    c.clock = UnixClock::from_fn(move || t.load(Ordering::SeqCst));
    c.admin_sig_ttl = 3_600;
    c.admin_sig_margin = 60;
    let client = Client::new(c).unwrap();
    client.account_check(&["a"]).await.unwrap(); // issues the sig at NOW
    assert_eq!(client.admin_sigs_issued(), 1);
    emu.emulator().set_now(NOW + 3_601).unwrap();
    client_now.store(NOW + 3_500, Ordering::SeqCst);
    let (cap, guard) = capture();
    let got = client.account_check(&["a"]).await.unwrap();
    drop(guard);
    assert_eq!(got[0].user_id, "a");
    assert_eq!(client.admin_sigs_issued(), 2, "renewed after the 70001");
    assert_eq!(
        cap.count(&["the admin UserSig was refused", "IM REST error 70001"]),
        1,
        "{}",
        cap.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_tasks_across_the_renewal_point_renew_once() {
    let emu = emulator(|c| c.rate_limit = 0).await;
    let mut c = config(&emu);
    c.admin_sig_ttl = 3_600;
    c.admin_sig_margin = 600;
    c.rate_limits = RateLimits::off();
    let client = Client::new(c).unwrap();
    let twenty = |client: &Client| {
        let barrier = Arc::new(tokio::sync::Barrier::new(20));
        let mut tasks = JoinSet::new();
        for i in 0..20 {
            let client = client.clone();
            let barrier = barrier.clone();
            tasks.spawn(async move {
                barrier.wait().await;
                client.query_online_status(&[format!("u{i}")]).await
            });
        }
        tasks
    };
    let mut first = twenty(&client);
    while let Some(r) = first.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(client.admin_sigs_issued(), 1, "twenty tasks, one sig");
    // Before the renewal point (issued at NOW, due at NOW + 3000): kept.
    emu.emulator().set_now(NOW + 2_999).unwrap();
    let mut before = twenty(&client);
    while let Some(r) = before.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(client.admin_sigs_issued(), 1);
    // Past it: the twenty find it due at once, and one renews it.
    emu.emulator().set_now(NOW + 3_000).unwrap();
    let mut after = twenty(&client);
    while let Some(r) = after.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(
        client.admin_sigs_issued(),
        2,
        "renewed once for twenty tasks"
    );
    // Past the old sig's expiry the new one still works.
    emu.emulator().set_now(NOW + 3_700).unwrap();
    client.query_online_status(&["x"]).await.unwrap();
    assert_eq!(client.admin_sigs_issued(), 2);
}

// ---- rate limits ----

/// An emulator taking 10 calls a second per API (on its real clock, which
/// its limit follows) and a client for it with these limits and retries.
async fn limited_to_10(
    rate_limits: RateLimits,
    retry: RetryPolicy,
) -> (usersig_emulator::Handle, Client) {
    let emu = emulator(|c| {
        c.rate_limit = 10;
        c.clock = usersig_emulator::Clock::Real;
    })
    .await;
    let mut c = config(&emu);
    c.clock = UnixClock::system();
    c.rate_limits = rate_limits;
    c.retry = retry;
    let client = Client::new(c).unwrap();
    (emu, client)
}

/// 50 kicks at once, of accounts the emulator knows (logged in in process,
/// so that the server's limit is all the burst's), each of which must pass.
async fn burst_of_50(emu: &usersig_emulator::Handle, client: &Client) {
    let users = ids("b", 50);
    for u in &users {
        common::login(emu, u, "tab");
    }
    let mut tasks = JoinSet::new();
    for u in users {
        let client = client.clone();
        tasks.spawn(async move { client.kick(&u).await });
    }
    let all = async {
        let mut n = 0;
        while let Some(r) = tasks.join_next().await {
            let r = r.unwrap();
            assert!(r.is_ok(), "{r:?}");
            n += 1;
        }
        n
    };
    let done = tokio::time::timeout(Duration::from_secs(40), all)
        .await
        .unwrap();
    assert_eq!(done, 50);
}

#[tokio::test]
async fn a_burst_over_the_servers_limit_is_carried_by_60007_retries() {
    // The client's limit is above the server's, so the burst draws 60007s,
    // which are retried until every call passes.
    let (emu, client) = limited_to_10(
        RateLimits::off().with_default(Some(RateLimit::per_second(1_000).with_burst(50))),
        RetryPolicy {
            max_attempts: 100,
            backoff: Backoff {
                base: Duration::from_millis(50),
                cap: Duration::from_millis(400),
            },
            deadline: Some(Duration::from_secs(30)),
            retry_writes_on_transport: false,
        },
    )
    .await;
    let (cap, guard) = capture();
    burst_of_50(&emu, &client).await;
    drop(guard);
    let retried = cap.count(&["sending again after the wait", "IM REST error 60007"]);
    assert!(retried > 0, "no 60007 was drawn");
}

#[tokio::test]
async fn a_burst_within_the_client_limit_draws_no_60007() {
    // The same burst with the client's limit at the server's 10 a second:
    // it queues on the client, and not one attempt may fail (one each).
    let (emu, client) = limited_to_10(
        RateLimits::off().with_api("im_open_login_svc", "kick", Some(RateLimit::per_second(10))),
        RetryPolicy {
            deadline: Some(Duration::from_secs(30)),
            ..RetryPolicy::never()
        },
    )
    .await;
    let started = Instant::now();
    burst_of_50(&emu, &client).await;
    // 50 calls spaced 100 ms apart: they queued (4.9 s at the least).
    assert!(
        started.elapsed() >= Duration::from_millis(4_800),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_rate_limit_wait_counts_against_the_deadline() {
    let emu = emulator(|c| c.rate_limit = 0).await;
    let mut c = config(&emu);
    c.rate_limits = RateLimits::off().with_default(Some(RateLimit::per_second(1)));
    c.retry.deadline = Some(Duration::from_millis(300));
    let client = Client::new(c).unwrap();
    client.account_check(&["a"]).await.unwrap();
    // The next slot is a second away: past the deadline, so not waited for.
    // Nothing was sent: had the call waited the second for its slot, it
    // would have made an attempt.
    let err = client.account_check(&["a"]).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Deadline), "{err:?}");
    assert!(err.attempts.is_empty());
    assert_eq!(err.gave_up, Some(GiveUpReason::Deadline));
    assert!(
        err.to_string()
            .contains("the deadline passed before the call could be sent"),
        "{err}"
    );
}

// ---- transport failures and the deadline ----

#[tokio::test]
async fn a_dead_port_is_retried_for_reads_and_not_for_writes() {
    let port = dead_port();
    let mut c = ClientConfig::new(APP, "administrator", key())
        .with_base_url(format!("http://127.0.0.1:{port}"));
    c.retry = fast_retry();
    let client = Client::new(c.clone()).unwrap();
    let started = Instant::now();
    let err = client.query_online_status(&["a"]).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "within the deadline"
    );
    assert!(
        matches!(err.transport(), Some(TransportFailure::Connect(_))),
        "{err:?}"
    );
    assert_eq!(codes(&err), [None, None, None]);
    assert_eq!(err.gave_up, Some(GiveUpReason::AttemptsExhausted));
    assert_eq!(err.class(), ErrorClass::Retry { min_wait: None });
    let text = err.to_string();
    assert!(
        text.starts_with("openim/query_online_status failed: transport failure: cannot connect: "),
        "{text}"
    );
    assert!(text.contains("3 attempts: transport failure at "), "{text}");
    // A write: one attempt, since the server may have carried it out.
    let err = client.kick("a").await.unwrap_err();
    assert_eq!(codes(&err), [None]);
    assert_eq!(err.gave_up, Some(GiveUpReason::NotReadOnly));
    // Unless the policy opts in.
    c.retry.retry_writes_on_transport = true;
    let err = Client::new(c).unwrap().kick("a").await.unwrap_err();
    assert_eq!(codes(&err), [None, None, None]);
}

#[tokio::test]
async fn the_deadline_cuts_the_last_attempts_timeout() {
    // A server that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut c = ClientConfig::new(APP, "administrator", key())
        .with_base_url(format!("http://127.0.0.1:{port}"));
    c.timeout = Duration::from_millis(400);
    c.retry = RetryPolicy {
        max_attempts: 10,
        deadline: Some(Duration::from_millis(1_000)),
        ..fast_retry()
    };
    let client = Client::new(c).unwrap();
    let started = Instant::now();
    let err = client.account_check(&["a"]).await.unwrap_err();
    let took = started.elapsed();
    // 400 ms, 400 ms, then what is left of the second: about 1 s in all,
    // never the 4 s of ten whole attempts (the margin is for a loaded host).
    assert!(
        took >= Duration::from_millis(1_000) && took < Duration::from_millis(3_500),
        "{took:?}"
    );
    assert_eq!(err.gave_up, Some(GiveUpReason::Deadline));
    let Some(TransportFailure::Timeout { after }) = err.transport() else {
        panic!("{err:?}")
    };
    assert!(
        *after < Duration::from_millis(400),
        "the last timeout was cut: {after:?}"
    );
    assert!(err.attempts.len() >= 2, "{err}");
    assert!(err.attempts.iter().all(|a| a.code.is_none()));
    // A write times out once and is not sent again.
    let err = client.kick("a").await.unwrap_err();
    assert_eq!(
        err.transport(),
        Some(&TransportFailure::Timeout {
            after: Duration::from_millis(400)
        })
    );
    assert_eq!(err.gave_up, Some(GiveUpReason::NotReadOnly));
    drop(silent);
}

#[tokio::test]
async fn answers_that_are_not_im_responses_are_transport_failures() {
    // A server that answers every request with one canned response.
    async fn canned(response: &'static str) -> (u16, tokio::task::JoinHandle<()>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            for _ in 0..8 {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(response.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        (port, task)
    }
    for (response, check) in [
        (
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            (|t: &TransportFailure| *t == TransportFailure::Status(502))
                as fn(&TransportFailure) -> bool,
        ),
        (
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            |t| *t == TransportFailure::Status(302),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>",
            |t| matches!(t, TransportFailure::Body(_)),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n{",
            |t| {
                matches!(
                    t,
                    TransportFailure::Body(usersig_login::rest::TransportError::TooLarge(_))
                )
            },
        ),
    ] {
        let (port, task) = canned(response).await;
        let mut c = ClientConfig::new(APP, "administrator", key())
            .with_base_url(format!("http://127.0.0.1:{port}"));
        c.retry = RetryPolicy {
            max_attempts: 2,
            ..fast_retry()
        };
        let client = Client::new(c).unwrap();
        let err = client.account_check(&["a"]).await.unwrap_err();
        assert!(err.transport().is_some_and(check), "{response:?}: {err:?}");
        assert_eq!(codes(&err), [None, None], "a read is retried");
        task.abort();
    }
}

// ---- logs ----

#[tokio::test]
async fn spans_carry_service_command_attempt_code_and_latency_and_no_secret() {
    let emu = emulator(|_| {}).await;
    let client = Client::new(config(&emu)).unwrap();
    let (cap, guard) = capture();
    client.multiaccount_import(&["alice"]).await.unwrap();
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::INTERNAL_ERROR))
        .unwrap();
    client.kick("alice").await.unwrap();
    emu.emulator()
        .fail_next(&FailRequest::code(ErrorCode::USERSIG_EXPIRED))
        .unwrap();
    client.query_online_status(&["alice"]).await.unwrap();
    let err = client.kick("ghost").await.unwrap_err();
    emu.emulator().set_now(NOW + 7 * 86_400).unwrap(); // past the renewal point
    client.account_check(&["alice"]).await.unwrap();
    drop(guard);
    let text = cap.text();

    // What a reader needs is there.
    for part in [
        "usersig_client::call{service=im_open_login_svc command=kick",
        "attempt{attempt=1 url=http://127.0.0.1:",
        "attempt{attempt=2",
        "usersig=[redacted]",
        "code=70500",
        "code=70001",
        "code=70107",
        "latency_us=",
        "outcome=\"ok\"",
        "IM REST call failed",
        "issued an admin UserSig",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    assert_eq!(client.admin_sigs_issued(), 3);
    // No secret is: the key, any admin UserSig the client issued (at NOW,
    // NOW again after the 70001, and past the renewal point), nor any
    // 16-character piece of them; and no usersig value but "[redacted]".
    let signer = Signer::new(APP, &key()).unwrap();
    let sigs: Vec<String> = [NOW, NOW + 7 * 86_400]
        .iter()
        .map(|&t| {
            signer
                .sign_at(
                    "administrator",
                    usersig_login::rest::DEFAULT_ADMIN_SIG_TTL,
                    t,
                )
                .unwrap()
        })
        .collect();
    let err_text = format!("{err} {err:?} {client:?}");
    for secret in sigs.iter().map(String::as_str).chain([KEY]) {
        for piece in secret.as_bytes().chunks(16).filter(|p| p.len() == 16) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !text.contains(piece),
                "a piece of a secret is logged: {piece}"
            );
            assert!(
                !err_text.contains(piece),
                "a piece of a secret is in an error: {piece}"
            );
        }
    }
    for (i, _) in text.match_indices("usersig=") {
        assert!(
            text[i..].starts_with("usersig=[redacted]"),
            "{}",
            &text[i..(i + 40).min(text.len())]
        );
    }
}
