//! Harnesses for the fuzz crate: the REST dispatch and the emulator's own
//! endpoints fed arbitrary bytes. Each panics only when an invariant breaks:
//! every answer is an IM answer (`ActionStatus`, `ErrorCode`, `ErrorInfo`),
//! refusals never come back as success, and the instance table keeps its policy.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use usersig::{SecretKey, Signer};

use crate::{Clock, Config, Emulator, RestBody};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const NOW: u64 = 1_700_000_000;

fn emulator() -> Emulator {
    let key = SecretKey::new(KEY).unwrap();
    let mut config = Config::new(APP, key);
    config.clock = Clock::Manual { now: NOW };
    config.rate_limit = 0;
    config.web_instances = 2;
    Emulator::new(config).unwrap()
}

fn admin_query() -> &'static str {
    static Q: OnceLock<String> = OnceLock::new();
    Q.get_or_init(|| {
        let key = SecretKey::new(KEY).unwrap();
        let sig = Signer::new(APP, &key)
            .unwrap()
            .sign_at("administrator", 86_400, NOW)
            .unwrap();
        format!("sdkappid={APP}&identifier=administrator&usersig={sig}&random=1&contenttype=json")
    })
}

fn check_answer(v: &serde_json::Value) {
    let status = v.get("ActionStatus").and_then(|s| s.as_str()).unwrap();
    let code = v
        .get("ErrorCode")
        .and_then(serde_json::Value::as_u64)
        .unwrap();
    assert!(v.get("ErrorInfo").is_some_and(serde_json::Value::is_string));
    assert_eq!(status == "OK", code == 0, "{v}");
}

/// Splits `data` into a command selector, a query and a body, and sends it
/// to a fresh emulator's REST dispatch twice: once with the bytes as the
/// query (unauthenticated), once with a valid admin query and the bytes as
/// the body.
pub fn rest(data: &[u8]) {
    let emu = emulator();
    let (sel, rest) = data.split_first().map_or((0, data), |(s, r)| (*s, r));
    let apis = crate::rest::APIS;
    let (service, command) = apis[usize::from(sel) % apis.len()];
    let text = String::from_utf8_lossy(rest);
    check_answer(&emu.rest(service, command, &text, RestBody::Bytes(rest)));
    let answer = emu.rest(service, command, admin_query(), RestBody::Bytes(rest));
    check_answer(&answer);
    emu.check_invariants().unwrap();
    // Whatever the body, the state stays serializable and within its caps.
    let _ = serde_json::to_vec(&emu.state()).unwrap();
}

/// Feeds arbitrary JSON bodies to the login, logout and clock endpoints'
/// parsers and the logins that parse to a fresh emulator. A `UserSig` of
/// `"valid"` is replaced with a valid sig for the `UserID` (when one can be
/// issued), so that logins get past the check; such a login is logged in
/// twice, from two instances, and must succeed each time.
pub fn endpoints(data: &[u8]) {
    let emu = emulator();
    if let Ok(mut req) = crate::parse_json::<crate::LoginRequest>(data) {
        let mut valid = false;
        if req.user_sig == "valid" {
            let key = SecretKey::new(KEY).unwrap();
            if let Ok(sig) = Signer::new(APP, &key)
                .unwrap()
                .sign_at(&req.user_id, 86_400, NOW)
            {
                req.user_sig = sig;
                valid = crate::emulator::check_user_id(&req.user_id).is_ok();
            }
        }
        if let Ok(answer) = emu.login(&req) {
            assert_eq!(answer.is_ok(), answer.error_code == 0);
            assert!(!valid || answer.is_ok(), "{answer:?}");
            let mut second = req.clone();
            second.instance_id.push('2');
            if let Ok(again) = emu.login(&second) {
                assert!(!valid || again.is_ok(), "{again:?}");
            }
        }
    }
    if let Ok(req) = crate::parse_json::<crate::InstanceRequest>(data) {
        let _ = emu.logout(&req);
    }
    if let Ok(req) = crate::parse_json::<crate::ClockRequest>(data) {
        let _ = emu.clock(&req);
    }
    if let Ok(req) = crate::parse_json::<crate::IssueRequest>(data) {
        // What it issues logs in: the dashboard's two steps.
        if let Ok(issued) = emu.issue(&req) {
            let login = crate::LoginRequest {
                user_id: issued.user_id.clone(),
                user_sig: issued.user_sig.clone(),
                platform: "Web".into(),
                instance_id: "issued".into(),
            };
            let answer = emu.login(&login).unwrap();
            assert!(answer.is_ok(), "{answer:?}");
            assert_eq!(issued.expire_at, NOW + req.expire);
        }
    }
    if let Ok(req) = crate::parse_json::<crate::KickRequest>(data) {
        check_answer(&emu.admin_kick(&req));
    }
    emu.check_invariants().unwrap();
}
