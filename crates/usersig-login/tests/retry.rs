//! The retry decision: each class's rule, the attempt budget, the one
//! renewal of the admin sig, transport failures of reads and writes, the
//! deadline, the server's waiting time and 70050's minute.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use core::time::Duration;

use usersig_login::codes::{Backoff, ErrorClass, ErrorCode};
use usersig_login::rest::{RestError, parse_response};
use usersig_login::retry::{
    DEFAULT_DEADLINE, DEFAULT_MAX_ATTEMPTS, Decision, Failure, GiveUpReason, RetryPolicy,
    is_read_only,
};

fn fail(code: u32) -> RestError {
    let body = format!(r#"{{"ActionStatus":"FAIL","ErrorCode":{code},"ErrorInfo":"x"}}"#);
    parse_response(200, body.as_bytes()).unwrap_err()
}

fn api(e: &RestError) -> Failure<'_> {
    Failure::from_rest_error(e).expect("a server answer")
}

/// Any jitter: every draw is u32::MAX.
fn top() -> impl FnMut() -> u32 {
    || u32::MAX
}

/// Jitter drawing `nanos` (the two draws make `(0 << 32) | nanos`): a wait
/// of exactly `nanos` whenever the ceiling is at least that.
fn draw(nanos: u32) -> impl FnMut() -> u32 {
    let mut high = true;
    move || {
        high = !high;
        if high { nanos } else { 0 }
    }
}

#[test]
fn defaults_are_documented_values() {
    let p = RetryPolicy::default();
    assert_eq!(p.max_attempts, DEFAULT_MAX_ATTEMPTS);
    assert_eq!(p.max_attempts, 3);
    assert_eq!(p.deadline, Some(DEFAULT_DEADLINE));
    assert_eq!(p.backoff, Backoff::default());
    assert!(!p.retry_writes_on_transport);
    assert_eq!(RetryPolicy::never().max_attempts, 1);
}

#[test]
fn retry_codes_back_off_exponentially_until_the_attempts_run_out() {
    let e = fail(60007);
    let mut call = RetryPolicy::default().start(false);
    // A draw of 1 s: the first retry's ceiling (500 ms) cuts it down to
    // 1e9 mod (5e8 + 1) ns, the second's (1 s, doubled) lets it through.
    let mut r = draw(1_000_000_000);
    let d1 = call.on_failure(api(&e), Duration::ZERO, &mut r);
    let d2 = call.on_failure(api(&e), Duration::from_secs(1), &mut r);
    let d3 = call.on_failure(api(&e), Duration::from_secs(2), &mut r);
    assert_eq!(
        d1,
        Decision::Retry {
            after: Duration::from_nanos(1_000_000_000 % 500_000_001)
        }
    );
    assert_eq!(
        d2,
        Decision::Retry {
            after: Duration::from_secs(1)
        }
    );
    assert_eq!(d3, Decision::GiveUp(GiveUpReason::AttemptsExhausted));
    let codes: Vec<_> = call.attempts().iter().map(|a| a.code).collect();
    assert_eq!(codes, vec![Some(ErrorCode(60007)); 3]);
    assert_eq!(call.attempts()[1].elapsed, Duration::from_secs(1));
}

#[test]
fn a_policy_of_one_attempt_never_retries() {
    let e = fail(70500);
    let mut call = RetryPolicy::never().start(true);
    assert_eq!(
        call.on_failure(api(&e), Duration::ZERO, &mut top()),
        Decision::GiveUp(GiveUpReason::AttemptsExhausted)
    );
    let mut call = RetryPolicy {
        max_attempts: 0,
        ..RetryPolicy::default()
    }
    .start(true);
    assert_eq!(
        call.on_failure(api(&e), Duration::ZERO, &mut top()),
        Decision::GiveUp(GiveUpReason::AttemptsExhausted),
        "0 attempts reads as 1"
    );
}

#[test]
fn config_stop_import_and_unknown_codes_give_up_at_once() {
    for (code, class) in [
        (70009, ErrorClass::Config),
        (60010, ErrorClass::Config),
        (70051, ErrorClass::Stop),
        (70107, ErrorClass::Import),
        (99999, ErrorClass::Unknown),
    ] {
        let e = fail(code);
        let mut call = RetryPolicy::default().start(true);
        assert_eq!(
            call.on_failure(api(&e), Duration::ZERO, &mut top()),
            Decision::GiveUp(GiveUpReason::NotRetryable(class)),
            "{code}"
        );
        assert_eq!(call.attempts().len(), 1);
    }
}

#[test]
fn an_expired_or_revoked_admin_sig_is_renewed_once() {
    for code in [70001, 70052] {
        let e = fail(code);
        let mut call = RetryPolicy::default().start(false);
        assert_eq!(
            call.on_failure(api(&e), Duration::ZERO, &mut top()),
            Decision::Reissue
        );
        assert!(call.reissued());
        assert_eq!(
            call.on_failure(api(&e), Duration::ZERO, &mut top()),
            Decision::GiveUp(GiveUpReason::AlreadyReissued)
        );
    }
}

#[test]
fn the_renewal_comes_on_top_of_the_attempts() {
    // One attempt allowed: 70001, renewal, then a retryable code gives up
    // for lack of attempts; with three, the renewal leaves two retries.
    let expired = fail(70001);
    let busy = fail(60007);
    let mut call = RetryPolicy::never().start(false);
    assert_eq!(
        call.on_failure(api(&expired), Duration::ZERO, &mut top()),
        Decision::Reissue
    );
    assert_eq!(
        call.on_failure(api(&busy), Duration::ZERO, &mut top()),
        Decision::GiveUp(GiveUpReason::AttemptsExhausted)
    );
    let mut call = RetryPolicy::default().start(false);
    let mut r = top();
    assert_eq!(
        call.on_failure(api(&expired), Duration::ZERO, &mut r),
        Decision::Reissue
    );
    assert!(matches!(
        call.on_failure(api(&busy), Duration::ZERO, &mut r),
        Decision::Retry { .. }
    ));
    assert!(matches!(
        call.on_failure(api(&busy), Duration::ZERO, &mut r),
        Decision::Retry { .. }
    ));
    assert_eq!(
        call.on_failure(api(&busy), Duration::ZERO, &mut r),
        Decision::GiveUp(GiveUpReason::AttemptsExhausted)
    );
    assert_eq!(call.attempts().len(), 4);
}

#[test]
fn transport_failures_are_retried_for_reads_only_unless_asked() {
    let mut read = RetryPolicy::default().start(true);
    assert!(matches!(
        read.on_failure(Failure::Transport, Duration::ZERO, &mut top()),
        Decision::Retry { .. }
    ));
    assert_eq!(read.attempts()[0].code, None);
    let mut write = RetryPolicy::default().start(false);
    assert_eq!(
        write.on_failure(Failure::Transport, Duration::ZERO, &mut top()),
        Decision::GiveUp(GiveUpReason::NotReadOnly)
    );
    let mut opted_in = RetryPolicy {
        retry_writes_on_transport: true,
        ..RetryPolicy::default()
    }
    .start(false);
    assert!(matches!(
        opted_in.on_failure(Failure::Transport, Duration::ZERO, &mut top()),
        Decision::Retry { .. }
    ));
    // A non-200 status and an unreadable body are transport failures too.
    let status = parse_response(502, b"").unwrap_err();
    let garbage = parse_response(200, b"<html>").unwrap_err();
    for e in [&status, &garbage] {
        assert!(matches!(
            Failure::from_rest_error(e),
            Some(Failure::Transport)
        ));
    }
}

#[test]
fn errors_made_before_sending_are_no_failure_to_retry() {
    let e = RestError::InvalidArgument("a UserID is empty");
    assert!(Failure::from_rest_error(&e).is_none());
}

#[test]
fn a_fail_without_a_code_is_retried_though_code_0_means_success() {
    let e = parse_response(200, br#"{"ActionStatus":"FAIL","ErrorCode":0}"#).unwrap_err();
    let mut call = RetryPolicy::default().start(false);
    assert!(matches!(
        call.on_failure(api(&e), Duration::ZERO, &mut top()),
        Decision::Retry { .. }
    ));
}

#[test]
fn the_server_waiting_time_and_70050s_minute_are_floors() {
    let overload = parse_response(
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":60022,"ErrorInfo":"busy","WaitingTime":7}"#,
    )
    .unwrap_err();
    let mut call = RetryPolicy::default().start(false);
    // Jitter drawn at 0: the floor decides.
    let mut zero = || 0u32;
    assert_eq!(
        call.on_failure(api(&overload), Duration::ZERO, &mut zero),
        Decision::Retry {
            after: Duration::from_secs(7)
        }
    );
    let locked = fail(70050);
    let mut call = RetryPolicy::default().start(false);
    assert_eq!(
        call.on_failure(api(&locked), Duration::ZERO, &mut zero),
        Decision::Retry {
            after: Duration::from_secs(60)
        }
    );
}

#[test]
fn no_wait_ends_past_the_deadline() {
    let locked = fail(70050);
    let policy = RetryPolicy {
        deadline: Some(Duration::from_secs(30)),
        ..RetryPolicy::default()
    };
    let mut call = policy.start(false);
    assert_eq!(
        call.on_failure(api(&locked), Duration::ZERO, &mut top()),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
    // A 500 ms wait from 29.6 s passes 30 s; from 29.5 s it ends on it.
    let busy = fail(60007);
    let mut late = policy.start(false);
    assert_eq!(
        late.on_failure(
            api(&busy),
            Duration::from_millis(29_600),
            &mut draw(500_000_000)
        ),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
    let mut in_time = policy.start(false);
    assert_eq!(
        in_time.on_failure(
            api(&busy),
            Duration::from_millis(29_500),
            &mut draw(500_000_000)
        ),
        Decision::Retry {
            after: Duration::from_millis(500)
        }
    );
    // A renewal past the deadline is not started either.
    let expired = fail(70001);
    let mut over = policy.start(false);
    assert_eq!(
        over.on_failure(api(&expired), Duration::from_secs(31), &mut top()),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
    let unbounded = RetryPolicy {
        deadline: None,
        ..RetryPolicy::default()
    };
    let mut call = unbounded.start(false);
    assert!(matches!(
        call.on_failure(api(&locked), Duration::from_secs(3600), &mut top()),
        Decision::Retry { .. }
    ));
}

#[test]
fn only_the_two_reads_are_read_only() {
    assert!(is_read_only("im_open_login_svc", "account_check"));
    assert!(is_read_only("openim", "query_online_status"));
    for (s, c) in [
        ("im_open_login_svc", "account_import"),
        ("im_open_login_svc", "multiaccount_import"),
        ("im_open_login_svc", "account_delete"),
        ("im_open_login_svc", "kick"),
        ("openim", "sendmsg"),
    ] {
        assert!(!is_read_only(s, c), "{s}/{c}");
    }
}

#[test]
fn reasons_and_attempts_read_plainly() {
    let e = fail(70107);
    let mut call = RetryPolicy::default().start(false);
    let Decision::GiveUp(reason) = call.on_failure(api(&e), Duration::ZERO, &mut top()) else {
        panic!()
    };
    assert_eq!(reason.to_string(), "not retryable (import)");
    assert_eq!(call.attempts()[0].to_string(), "70107 (import)");
    let mut call = RetryPolicy::default().start(false);
    call.on_failure(Failure::Transport, Duration::ZERO, &mut top());
    assert_eq!(call.attempts()[0].to_string(), "transport failure");
}

#[test]
fn the_deadline_bounds_the_attempts_own_time_too() {
    let policy = RetryPolicy {
        deadline: Some(Duration::from_secs(10)),
        ..RetryPolicy::default()
    };
    let call = policy.start(true);
    let five = Duration::from_secs(5);
    // Room for a whole attempt: its own timeout.
    assert_eq!(
        call.time_left(Duration::from_secs(2)),
        Some(Duration::from_secs(8))
    );
    assert_eq!(
        call.attempt_timeout(Duration::from_secs(2), five),
        Some(five)
    );
    // Less left than an attempt may take: what is left.
    assert_eq!(
        call.attempt_timeout(Duration::from_millis(7_500), five),
        Some(Duration::from_millis(2_500))
    );
    // Nothing left, or past it: no attempt.
    assert_eq!(
        call.time_left(Duration::from_secs(10)),
        Some(Duration::ZERO)
    );
    assert_eq!(call.attempt_timeout(Duration::from_secs(10), five), None);
    assert_eq!(call.attempt_timeout(Duration::from_secs(11), five), None);
    // No deadline: the attempt's own timeout, however late.
    let unbounded = RetryPolicy {
        deadline: None,
        ..RetryPolicy::default()
    }
    .start(true);
    assert_eq!(unbounded.time_left(Duration::from_secs(3600)), None);
    assert_eq!(
        unbounded.attempt_timeout(Duration::from_secs(3600), five),
        Some(five)
    );
}
