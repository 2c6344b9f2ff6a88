//! The server side of the multi-instance policy, with the seed's scenario.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use usersig_login::ErrorCode;
use usersig_login::instances::{
    CrossPlatform, Instances, LoginOutcome, Platform, Policy, PolicyError, SigRefused, SigTimes,
};
use usersig_login::kick::KickReason;
use usersig_login::lifecycle::{CallId, ClientRequest, Event, Input, Lifecycle, Output};

const T: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

fn sig(at: u64) -> SigTimes {
    SigTimes::new(at, DAY)
}

/// An instance: its lifecycle, logged in through the table.
fn log_in(
    table: &mut Instances,
    lc: &mut Lifecycle,
    account: &str,
    name: &str,
    p: Platform,
    now: u64,
) -> LoginOutcome {
    let out = lc.handle(Input::Login {
        call: CallId(now),
        user_id: account.into(),
        user_sig: "s".into(),
        now,
    });
    let [Output::Send { request, .. }] = out.as_slice() else {
        panic!("{out:?}")
    };
    let outcome = table.login_at(account, name, p, sig(now), now).unwrap();
    lc.handle(Input::LoginReply {
        request: *request,
        result: Ok(()),
    });
    assert!(lc.is_ready());
    outcome
}

#[test]
fn seed_scenario_limit_2_third_web_instance_kicks_the_first() {
    let mut table = Instances::new(Policy::new(2, CrossPlatform::Dual).unwrap());
    let (mut a1, mut a2, mut a3) = (Lifecycle::new(), Lifecycle::new(), Lifecycle::new());
    assert!(
        log_in(&mut table, &mut a1, "u", "a1", Platform::Web, T)
            .kicked()
            .is_empty()
    );
    assert!(
        log_in(&mut table, &mut a2, "u", "a2", Platform::Web, T + 1)
            .kicked()
            .is_empty()
    );
    let outcome = log_in(&mut table, &mut a3, "u", "a3", Platform::Web, T + 2);
    let kicked = outcome.kicked();
    assert_eq!(kicked.len(), 1);
    assert_eq!(
        (kicked[0].instance.as_str(), kicked[0].reason),
        ("a1", KickReason::MultipleAccount)
    );
    assert_eq!(kicked[0].input(), Input::KickNotice { kick_type: 1 });
    // a1 logs out internally, then KICKED_OUT multipleAccount, then SDK_NOT_READY.
    let out = a1.handle(kicked[0].input());
    assert!(matches!(
        &out[0],
        Output::Send {
            body: ClientRequest::Logout { .. },
            ..
        }
    ));
    assert_eq!(
        out[1..],
        [
            Output::Emit(Event::KickedOut(KickReason::MultipleAccount)),
            Output::Emit(Event::SdkNotReady)
        ]
    );
    assert!(!a1.is_ready());
    // a2 and a3 stay.
    let online: Vec<_> = table
        .online("u")
        .iter()
        .map(|o| o.instance.clone())
        .collect();
    assert_eq!(online, ["a2", "a3"]);
    assert!(a2.is_ready() && a3.is_ready());
}

#[test]
fn seed_scenario_logout_of_a1_never_affects_a2() {
    let mut table = Instances::new(Policy::new(2, CrossPlatform::Dual).unwrap());
    let (mut a1, mut a2) = (Lifecycle::new(), Lifecycle::new());
    log_in(&mut table, &mut a1, "u", "a1", Platform::Web, T);
    log_in(&mut table, &mut a2, "u", "a2", Platform::Web, T + 1);
    let out = a1.handle(Input::Logout { call: CallId(9) });
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Send {
            body: ClientRequest::Logout { .. },
            ..
        }
    )));
    assert!(table.logout("u", "a1"));
    assert!(!table.logout("u", "a1"), "already gone");
    assert!(table.is_online("u", "a2"));
    assert!(a2.is_ready());
    assert!(!table.is_online("u", "a1"));
}

#[test]
fn default_policy_is_one_web_instance() {
    let mut table = Instances::new(Policy::default());
    table.login_at("u", "w1", Platform::Web, sig(T), T).unwrap();
    let o = table
        .login_at("u", "w2", Platform::Web, sig(T), T + 1)
        .unwrap();
    assert_eq!(o.kicked().len(), 1);
    assert_eq!(o.kicked()[0].reason, KickReason::MultipleAccount);
    // Other accounts are not affected.
    table
        .login_at("v", "w3", Platform::Web, sig(T), T + 2)
        .unwrap();
    assert!(table.is_online("u", "w2") && table.is_online("v", "w3"));
}

#[test]
fn repeat_login_of_the_same_instance_kicks_nobody() {
    let mut table = Instances::new(Policy::default());
    table.login_at("u", "w1", Platform::Web, sig(T), T).unwrap();
    assert_eq!(
        table
            .login_at("u", "w1", Platform::Web, sig(T), T + 5)
            .unwrap(),
        LoginOutcome::Repeat
    );
    assert_eq!(table.online("u").len(), 1);
}

#[test]
fn kicked_oldest_first_when_the_limit_drops_several() {
    let mut table = Instances::new(Policy::new(3, CrossPlatform::Multi).unwrap());
    for (i, name) in ["w1", "w2", "w3"].iter().enumerate() {
        table
            .login_at("u", name, Platform::Web, sig(T), T + 10 - i as u64)
            .unwrap();
    }
    // w3 logged in first (T+8), then w2, then w1.
    let o = table
        .login_at("u", "w4", Platform::Web, sig(T), T + 20)
        .unwrap();
    assert_eq!(o.kicked()[0].instance, "w3");
}

#[test]
fn cross_platform_policies() {
    use Platform::*;
    // (policy, already online, logging in, kicked)
    let cases: &[(CrossPlatform, &[Platform], Platform, &[Platform])] = &[
        (CrossPlatform::Single, &[Android], Web, &[Android]),
        (CrossPlatform::Single, &[Web], Mac, &[Web]),
        (CrossPlatform::Dual, &[Android, Web], Windows, &[Android]),
        (CrossPlatform::Dual, &[Android], Web, &[]),
        (CrossPlatform::Dual, &[Windows, Web], IPad, &[Windows]),
        (
            CrossPlatform::Triple,
            &[Android, Windows, Web],
            IPhone,
            &[Android],
        ),
        (
            CrossPlatform::Triple,
            &[Android, Windows, Web],
            Mac,
            &[Windows],
        ),
        (CrossPlatform::Triple, &[IPad, Web], Windows, &[]),
        (
            CrossPlatform::Multi,
            &[Android, IPhone, IPad, Windows, Web],
            Mac,
            &[],
        ),
        // One device per platform by default.
        (CrossPlatform::Multi, &[Android], Android, &[Android]),
    ];
    for (i, (policy, online, new, kicked)) in cases.iter().enumerate() {
        let mut table = Instances::new(Policy::new(1, *policy).unwrap());
        for (n, p) in online.iter().enumerate() {
            let o = table
                .login_at("u", &format!("d{n}"), *p, sig(T), T + n as u64)
                .unwrap();
            assert!(
                o.kicked().is_empty(),
                "case {i}: setup kicked {:?}",
                o.kicked()
            );
        }
        let o = table.login_at("u", "new", *new, sig(T), T + 100).unwrap();
        let got: Vec<_> = o.kicked().iter().map(|k| k.platform).collect();
        assert_eq!(got, *kicked, "case {i}");
        assert!(
            o.kicked()
                .iter()
                .all(|k| k.reason == KickReason::MultipleDevice),
            "case {i}"
        );
        table.check_invariants().unwrap();
    }
}

#[test]
fn devices_per_platform_can_be_raised() {
    let p = Policy::new(1, CrossPlatform::Multi)
        .unwrap()
        .with_devices_per_platform(2)
        .unwrap();
    let mut table = Instances::new(p);
    table
        .login_at("u", "p1", Platform::Android, sig(T), T)
        .unwrap();
    assert!(
        table
            .login_at("u", "p2", Platform::Android, sig(T), T + 1)
            .unwrap()
            .kicked()
            .is_empty()
    );
    let o = table
        .login_at("u", "p3", Platform::Android, sig(T), T + 2)
        .unwrap();
    assert_eq!(o.kicked()[0].instance, "p1");
}

#[test]
fn policy_ranges() {
    assert_eq!(
        Policy::new(0, CrossPlatform::Dual),
        Err(PolicyError::WebInstances(0))
    );
    assert_eq!(
        Policy::new(11, CrossPlatform::Dual),
        Err(PolicyError::WebInstances(11))
    );
    assert!(Policy::new(10, CrossPlatform::Dual).is_ok());
    assert_eq!(
        Policy::default().with_devices_per_platform(0),
        Err(PolicyError::DevicesPerPlatform(0))
    );
    assert_eq!("iphone".parse::<Platform>(), Ok(Platform::IPhone));
    assert!("Linux".parse::<Platform>().is_err());
}

#[test]
fn rest_kick_kicks_everyone_and_revokes_earlier_sigs() {
    let mut table = Instances::new(Policy::new(2, CrossPlatform::Multi).unwrap());
    table.login_at("u", "w1", Platform::Web, sig(T), T).unwrap();
    table
        .login_at("u", "m1", Platform::Mac, sig(T), T + 1)
        .unwrap();
    table
        .login_at("v", "w9", Platform::Web, sig(T), T + 1)
        .unwrap();
    let kicked = table.rest_kick_at("u", T + 10);
    let names: Vec<_> = kicked
        .iter()
        .map(|k| (k.instance.as_str(), k.reason))
        .collect();
    assert_eq!(
        names,
        [("w1", KickReason::RestApi), ("m1", KickReason::RestApi)]
    );
    assert_eq!(kicked[0].input(), Input::KickNotice { kick_type: 3 });
    assert!(table.online("u").is_empty());
    assert!(table.is_online("v", "w9"), "other accounts stay");
    // A sig issued before the kick answers 70052, even while still unexpired.
    let e = table
        .login_at("u", "w1", Platform::Web, sig(T + 5), T + 20)
        .unwrap_err();
    assert_eq!(
        e,
        SigRefused::Revoked {
            issued_at: T + 5,
            kicked_at: T + 10
        }
    );
    assert_eq!(e.code(), ErrorCode(70052));
    assert_eq!(
        table
            .check_sig_at("u", sig(T + 10), T + 20)
            .unwrap_err()
            .code(),
        ErrorCode(70052)
    );
    // A newly issued one works; the other account's sigs were never revoked.
    table
        .login_at("u", "w1", Platform::Web, sig(T + 11), T + 20)
        .unwrap();
    assert!(table.check_sig_at("v", sig(T), T + 20).is_ok());
}

#[test]
fn expired_sigs_kick_with_user_sig_expired() {
    let mut table = Instances::new(Policy::new(2, CrossPlatform::Multi).unwrap());
    table
        .login_at("u", "short", Platform::Web, SigTimes::new(T, 100), T)
        .unwrap();
    table
        .login_at("u", "long", Platform::Web, SigTimes::new(T, 1000), T)
        .unwrap();
    assert!(
        table.expire_at(T + 100).is_empty(),
        "valid through time + expire"
    );
    let kicked = table.expire_at(T + 101);
    assert_eq!(kicked.len(), 1);
    assert_eq!(
        (kicked[0].instance.as_str(), kicked[0].reason),
        ("short", KickReason::UserSigExpired)
    );
    assert_eq!(
        kicked[0].input(),
        Input::ReplyCode {
            code: ErrorCode(70001)
        }
    );
    assert!(table.is_online("u", "long"));
    let e = table
        .login_at("u", "late", Platform::Web, SigTimes::new(T, 100), T + 101)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode(70001));
    // An overflowing expiry counts as expired, never as valid forever.
    assert!(SigTimes::new(u64::MAX, 1).is_expired_at(0));
}

#[test]
fn online_count_revocations_and_account_removal() {
    let mut table = Instances::new(Policy::new(2, CrossPlatform::Multi).unwrap());
    assert_eq!(table.online_count(), 0);
    table.login_at("u", "w1", Platform::Web, sig(T), T).unwrap();
    table
        .login_at("u", "w2", Platform::Web, sig(T), T + 1)
        .unwrap();
    table
        .login_at("v", "a", Platform::Android, sig(T), T + 1)
        .unwrap();
    assert_eq!(table.online_count(), 3);
    // A third Web page kicks one: the count stays.
    table
        .login_at("u", "w3", Platform::Web, sig(T), T + 2)
        .unwrap();
    assert_eq!(table.online_count(), 3);
    // A repeat login changes nothing.
    table
        .login_at("u", "w3", Platform::Web, sig(T), T + 3)
        .unwrap();
    assert_eq!(table.online_count(), 3);
    assert!(table.logout("u", "w2"));
    assert!(!table.logout("u", "w2"));
    assert_eq!(table.online_count(), 2);
    table.check_invariants().unwrap();

    assert_eq!(table.kicked_at("u"), None);
    assert_eq!(table.rest_kick_at("u", T + 5).len(), 1);
    assert_eq!(table.online_count(), 1);
    assert_eq!(table.kicked_at("u"), Some(T + 5));
    assert_eq!(table.revocations().collect::<Vec<_>>(), [("u", T + 5)]);
    // An earlier kick time never lowers the revocation.
    table.rest_kick_at("u", T + 1);
    assert_eq!(table.kicked_at("u"), Some(T + 5));

    // Expiry counts too.
    table
        .login_at("w", "x", Platform::Mac, SigTimes::new(T, 10), T)
        .unwrap();
    assert_eq!(table.online_count(), 2);
    assert_eq!(table.expire_at(T + 11).len(), 1);
    assert_eq!(table.online_count(), 1);

    // Removing an account returns its instances and forgets its kick.
    let gone = table.remove_account("v");
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].instance, "a");
    assert_eq!(table.online_count(), 0);
    assert!(table.remove_account("v").is_empty());
    assert!(!table.remove_account("u").iter().any(|o| o.instance == "w1"));
    assert_eq!(table.kicked_at("u"), None);
    table.check_invariants().unwrap();
}
