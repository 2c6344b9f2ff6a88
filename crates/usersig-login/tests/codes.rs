//! Error codes: every code of SPEC 3 has its class, a name and a description;
//! unknown codes stay representable; the backoff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::time::Duration;

use usersig_login::codes::{Backoff, ErrorClass, ErrorCode};

/// SPEC 3, transcribed by hand: code and class letter
/// (R retry, R60 retry after >= 60 s, E reissue, I import, C config, S stop).
const SPEC: &[(u32, &str)] = &[
    (60002, "C"),
    (60003, "C"),
    (60004, "C"),
    (60005, "C"),
    (60006, "C"),
    (60007, "R"),
    (60008, "R"),
    (60009, "C"),
    (60010, "C"),
    (60011, "R"),
    (60012, "C"),
    (60013, "R"),
    (60014, "R"),
    (60015, "C"),
    (60016, "S"),
    (60017, "S"),
    (60018, "R"),
    (60019, "R"),
    (60020, "S"),
    (60021, "C"),
    (60022, "R"),
    (70001, "E"),
    (70002, "C"),
    (70003, "C"),
    (70005, "C"),
    (70009, "C"),
    (70013, "C"),
    (70014, "C"),
    (70016, "C"),
    (70020, "C"),
    (70050, "R60"),
    (70051, "S"),
    (70052, "E"),
    (70107, "I"),
    (70114, "S"),
    (70169, "R"),
    (70206, "C"),
    (70398, "C"),
    (70402, "C"),
    (70403, "C"),
    (70500, "R"),
    // Client: 6206 and 20002 are the expired-sig codes.
    (6206, "E"),
    (20002, "E"),
    (7501, "R"),
    (7502, "R"),
    (9506, "R"),
    // Web: kicked out for an expired sig reissues; other kicks stop.
    (3004, "E"),
    (3002, "S"),
    (3003, "S"),
    (3006, "S"),
    (2800, "R"),
    (2801, "R"),
    (2805, "R"),
    (2000, "C"),
    (2002, "C"),
    (2003, "C"),
    (2024, "C"),
    (2025, "C"),
];

fn letter(c: ErrorClass) -> &'static str {
    match c {
        ErrorClass::Retry { min_wait: None } => "R",
        ErrorClass::Retry { min_wait: Some(d) } if d == Duration::from_secs(60) => "R60",
        ErrorClass::Reissue => "E",
        ErrorClass::Import => "I",
        ErrorClass::Config => "C",
        ErrorClass::Stop => "S",
        other => panic!("unexpected class {other:?}"),
    }
}

#[test]
fn every_spec_code_has_its_class() {
    for (i, &(code, expected)) in SPEC.iter().enumerate() {
        let got = letter(ErrorCode(code).class());
        assert_eq!(got, expected, "SPEC row {i}: code {code}");
    }
}

#[test]
fn every_code_listed_in_spec_3_is_known() {
    let web = [
        1002, 2000, 2001, 2002, 2003, 2024, 2025, 2800, 2801, 2805, 2999, 3000, 3001, 3002, 3003,
        3004, 3005, 3006, 60022, 6206, 6208, 6014, 7501, 7502, 9506, 20002,
    ];
    for code in SPEC.iter().map(|(c, _)| *c).chain(web) {
        let c = ErrorCode(code);
        let info = c.info().unwrap_or_else(|| panic!("{code} unknown"));
        assert_eq!(info.code, c);
        assert!(
            !info.name.is_empty() && !info.description.is_empty(),
            "{code}"
        );
        assert_ne!(c.class(), ErrorClass::Unknown, "{code}");
    }
}

#[test]
fn table_is_sorted_and_names_are_unique() {
    let all: Vec<_> = ErrorCode::known().collect();
    for w in all.windows(2) {
        assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
    }
    let mut names: Vec<_> = all.iter().map(|i| i.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
    // Every named code parses back from its name and its number.
    for i in all {
        assert_eq!(i.name.parse::<ErrorCode>(), Ok(i.code));
        assert_eq!(i.code.to_string().parse::<ErrorCode>(), Ok(i.code));
    }
}

#[test]
fn web_sdk_names() {
    assert_eq!(ErrorCode(2025).name(), Some("REPEAT_LOGIN"));
    assert_eq!(ErrorCode(2024).name(), Some("USER_NOT_LOGGED_IN"));
    assert_eq!(ErrorCode(3003).name(), Some("KICKED_OUT_MULT_ACCOUNT"));
    assert_eq!(ErrorCode(60022).name(), Some("OPEN_SERVICE_OVERLOAD_ERROR"));
    assert_eq!(
        "TIM.TYPES.ERROR_CODE.kicked_out_rest_api".parse::<ErrorCode>(),
        Ok(ErrorCode(3006))
    );
}

#[test]
fn unknown_codes_stay_representable() {
    for code in [1, 12345, 70004, u32::MAX] {
        let c = ErrorCode(code);
        assert_eq!(c.class(), ErrorClass::Unknown);
        assert_eq!(c.info(), None);
        assert_eq!(u32::from(c), code);
        let text = c.explain().to_string();
        assert!(
            text.contains(&code.to_string()) && text.contains("unknown"),
            "{text}"
        );
    }
    assert!("".parse::<ErrorCode>().is_err());
    assert!("4294967296".parse::<ErrorCode>().is_err());
    assert!("-1".parse::<ErrorCode>().is_err());
    assert!("NOT_A_CODE".parse::<ErrorCode>().is_err());
}

#[test]
fn explain_says_what_to_do() {
    let t = ErrorCode::USERSIG_EXPIRED.explain().to_string();
    assert!(
        t.starts_with("70001 USERSIG_EXPIRED: the UserSig expired"),
        "{t}"
    );
    assert!(t.contains("class: reissue"), "{t}");
    assert!(t.contains("issue a new UserSig"), "{t}");
    let t = ErrorCode(70050).explain().to_string();
    assert!(t.contains("wait at least 60 s"), "{t}");
    let t = ErrorCode(60022).explain().to_string();
    assert!(t.contains("the time the server gives"), "{t}");
    let t = ErrorCode(70107).explain().to_string();
    assert!(
        t.contains("class: import") && t.contains("account_import"),
        "{t}"
    );
}

/// `advice()` is the `do:` line of `explain()`, word for word, and the
/// advice for a UserSig-expired code names the other such codes, not itself.
#[test]
fn advice_is_the_do_line_and_names_no_code_twice() {
    for info in ErrorCode::known() {
        let text = info.code.explain().to_string();
        let line = text.lines().last().unwrap();
        assert_eq!(
            line,
            format!("do:    {}", info.code.advice()),
            "{}",
            info.code
        );
    }
    for (code, others) in [
        (70001, ["6206", "20002"]),
        (6206, ["70001", "20002"]),
        (20002, ["70001", "6206"]),
    ] {
        let advice = ErrorCode(code).advice();
        assert!(!advice.contains(&code.to_string()), "{advice}");
        assert!(others.iter().all(|o| advice.contains(o)), "{advice}");
        assert!(advice.contains("logging in again is right"), "{advice}");
    }
    assert!(ErrorCode(70107).advice().contains("account_import"));
}

#[test]
fn only_expiry_codes_mean_log_in_again() {
    let expiry: Vec<u32> = ErrorCode::known()
        .filter(|i| i.code.is_usersig_expired())
        .map(|i| i.code.0)
        .collect();
    assert_eq!(expiry, [6206, 20002, 70001]);
}

fn counter(values: Vec<u32>) -> impl FnMut() -> u32 {
    let mut it = values.into_iter().cycle();
    move || it.next().unwrap_or(0)
}

#[test]
fn backoff_is_capped_exponential_with_jitter() {
    let b = Backoff::default();
    assert_eq!(b.ceiling(0), Duration::from_millis(500));
    assert_eq!(b.ceiling(1), Duration::from_secs(1));
    assert_eq!(b.ceiling(5), Duration::from_secs(16));
    assert_eq!(b.ceiling(6), Duration::from_secs(30));
    assert_eq!(b.ceiling(200), Duration::from_secs(30));
    // Jitter stays within [0, ceiling] and follows the random source.
    let mut max = counter(vec![u32::MAX]);
    let mut zero = counter(vec![0]);
    for attempt in 0..40 {
        let hi = b.delay(ErrorCode(60008), attempt, None, &mut max).unwrap();
        let lo = b.delay(ErrorCode(60008), attempt, None, &mut zero).unwrap();
        assert!(hi <= b.ceiling(attempt));
        assert_eq!(lo, Duration::ZERO);
    }
    let mut mid = counter(vec![0x8000_0000, 0]);
    let d = b.delay(ErrorCode(60008), 3, None, &mut mid).unwrap();
    assert!(d > Duration::ZERO && d < b.ceiling(3), "{d:?}");
}

#[test]
fn backoff_respects_code_minimums_and_server_wait() {
    let b = Backoff::default();
    let mut zero = counter(vec![0]);
    assert_eq!(
        b.delay(ErrorCode(70050), 0, None, &mut zero),
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        b.delay(ErrorCode(60022), 0, Some(Duration::from_secs(7)), &mut zero),
        Some(Duration::from_secs(7))
    );
    // Codes that are not retried as they are get no delay.
    for code in [70001, 70107, 60006, 60016, 99999] {
        assert_eq!(b.delay(ErrorCode(code), 0, None, &mut zero), None, "{code}");
    }
}

#[test]
fn zero_is_success_not_a_failure_class() {
    assert_eq!(ErrorCode::OK.class(), ErrorClass::Success);
    assert!(!ErrorCode::OK.class().is_retryable());
    assert!(
        ErrorCode::OK
            .explain()
            .to_string()
            .contains("class: success")
    );
}

#[test]
fn verifier_errors_map_to_the_codes_tencent_answers() {
    use usersig::{SecretKey, Signer, Verifier};
    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
    const NOW: u64 = 1_700_000_000;
    let key = SecretKey::new(KEY).unwrap();
    let verifier = Verifier::new(1_400_000_000, &key).unwrap();
    let sig = Signer::new(1_400_000_000, &key)
        .unwrap()
        .sign_at("alice", 100, NOW)
        .unwrap();
    let other_key = Signer::new(1_400_000_000, &SecretKey::new("another key").unwrap())
        .unwrap()
        .sign_at("alice", 100, NOW)
        .unwrap();
    let other_app = Signer::new(1_400_000_001, &key)
        .unwrap()
        .sign_at("alice", 100, NOW)
        .unwrap();
    let room = Signer::new(1_400_000_000, &key)
        .unwrap()
        .sign_with_userbuf_at("alice", 100, b"ticket", NOW)
        .unwrap();
    let cases: [(&str, &str, u64, u32); 8] = [
        ("alice", "", NOW, 70002),
        ("alice", &sig[..sig.len() / 2], NOW, 70003),
        ("alice", "not base64 !", NOW, 70003),
        ("alice", &other_key, NOW, 70009),
        ("alice", &sig, NOW + 101, 70001),
        ("bob", &sig, NOW, 70013),
        ("alice", &other_app, NOW, 70014),
        ("alice", &room, NOW, 70003),
    ];
    for (user, s, now, expected) in cases {
        let e = verifier.verify_at(user, s, now).unwrap_err();
        assert_eq!(
            ErrorCode::from_verify_error(&e),
            ErrorCode(expected),
            "{e:?}"
        );
        assert_eq!(ErrorCode::from(&e), ErrorCode(expected));
    }
    // A sig valid at its last second maps to nothing: it verifies.
    assert!(verifier.verify_at("alice", &sig, NOW + 100).is_ok());
    let future = Verifier::new(1_400_000_000, &key)
        .unwrap()
        .with_max_future(10);
    let e = future.verify_at("alice", &sig, NOW - 11).unwrap_err();
    assert_eq!(
        ErrorCode::from_verify_error(&e),
        ErrorCode::USERSIG_CHECK_FAILED
    );
    let e = usersig::Error::InvalidArgument(usersig::InvalidArgument::EmptyIdentifier);
    assert_eq!(
        ErrorCode::from_verify_error(&e),
        ErrorCode::INVALID_PARAMETERS
    );
}
