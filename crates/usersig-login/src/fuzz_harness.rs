//! Entry points for fuzzers and property tests: each takes arbitrary bytes,
//! drives one part of the crate with them and panics only when an invariant
//! is broken (never on bad input, which the crate must refuse with an error).
//!
//! Not part of the supported API.

// Panicking is how these functions report a broken invariant to the fuzzer;
// the indexes are all reduced modulo the length of a constant array.
#![allow(clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use crate::callback::{CallbackVerifier, StateChange};
use crate::codes::ErrorCode;
use crate::instances::{CrossPlatform, Instances, LoginOutcome, Platform, Policy, SigTimes};
use crate::kick::KickReason;
use crate::lifecycle::{
    CallId, ClientRequest, Event, Input, Lifecycle, Output, RequestId, ServerError, State,
};
use crate::rest;

/// A reader of fuzz bytes that yields zeros once they run out.
struct Bytes<'a> {
    data: &'a [u8],
}

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_be_bytes(b)
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Parses a REST response: two bytes of HTTP status, then the body.
pub fn rest_response(data: &[u8]) {
    let mut b = Bytes { data };
    let status = b.u16();
    match rest::parse_response(status, b.data) {
        Ok(r) => {
            assert_eq!(status, 200, "a non-200 status was accepted");
            assert!(!r.body.contains_key("ActionStatus"));
            let _ = rest::OnlineStatus::from_response(&r);
            let _ = rest::failed_accounts(&r);
        }
        Err(rest::RestError::Api(e)) => {
            // A failure is never classed as a success: a FAIL without a
            // code is a transient server fault.
            if e.code.0 == 0 {
                assert_eq!(e.class, crate::ErrorClass::Retry { min_wait: None });
            } else {
                assert_eq!(e.class, e.code.class());
            }
            assert!(e.info.len() <= 1024);
        }
        Err(rest::RestError::Transport(_)) => {}
        Err(e) => panic!("unexpected error kind from parse_response: {e:?}"),
    }
}

/// Verifies a callback query: eight bytes of `now`, then the query (lossy UTF-8).
pub fn callback_query(data: &[u8]) {
    let mut b = Bytes { data };
    let now = b.u64();
    let query = String::from_utf8_lossy(b.data);
    let token = "xxxxyyyy";
    let Ok(verifier) = CallbackVerifier::new(token) else {
        panic!("a non-empty token is refused")
    };
    let signed = verifier.verify_query_at(&query, now);
    let unsigned = CallbackVerifier::unsigned().verify_query_at(&query, now);
    if let Ok(q) = &signed {
        assert!(q.signed);
        let rt = q.request_time.unwrap_or_default();
        assert!(rt.abs_diff(now) <= crate::callback::DEFAULT_MAX_SKEW);
        // The unsigned parse of the same query agrees on every field.
        let u = unsigned.as_ref().map(|u| (u.sdkappid, &u.command));
        assert_eq!(u.ok(), Some((q.sdkappid, &q.command)));
    }
    let _ = StateChange::parse(b.data);
}

/// Parses a kick reason and an error code from a string; printing and parsing
/// again must give the same value.
pub fn kick_and_code(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Ok(r) = KickReason::parse(&s) {
        assert_eq!(KickReason::parse(r.as_str()), Ok(r));
        assert_eq!(KickReason::parse(r.constant_name()), Ok(r));
        assert_eq!(KickReason::from_code(r.web_code()), Some(r));
    }
    if let Ok(c) = s.parse::<ErrorCode>() {
        assert_eq!(c.to_string().parse::<ErrorCode>(), Ok(c));
        let _ = c.explain().to_string();
    }
}

/// Checks the order of the events one lifecycle emits, across inputs.
#[derive(Default)]
struct EventOrder {
    ready: bool,
    settled: BTreeSet<CallId>,
}

impl EventOrder {
    fn check(&mut self, was_destroyed: bool, lc: &Lifecycle, outputs: &[Output]) {
        let mut iter = outputs.iter().peekable();
        let mut resolved_login = false;
        while let Some(o) = iter.next() {
            match o {
                Output::Emit(Event::SdkReady) => {
                    assert!(!self.ready, "SDK_READY while ready");
                    assert!(resolved_login, "SDK_READY before the login resolved");
                    self.ready = true;
                }
                Output::Emit(Event::KickedOut(_)) => {
                    assert!(self.ready, "KICKED_OUT while not ready");
                    assert_eq!(
                        iter.peek(),
                        Some(&&Output::Emit(Event::SdkNotReady)),
                        "KICKED_OUT not followed by SDK_NOT_READY"
                    );
                }
                Output::Emit(Event::SdkNotReady) => {
                    assert!(self.ready, "SDK_NOT_READY while not ready");
                    self.ready = false;
                }
                Output::Resolve { call, response } => {
                    assert!(self.settled.insert(*call), "call settled twice");
                    if response.data.get("actionStatus").is_some() && !response.is_repeat_login() {
                        resolved_login = true;
                    }
                }
                Output::Reject { call, error } => {
                    assert!(self.settled.insert(*call), "call settled twice");
                    assert_ne!(error.code, ErrorCode::OK);
                }
                Output::Proceed { call } => {
                    assert!(self.settled.insert(*call), "call settled twice");
                }
                Output::Send { body, .. } => {
                    assert!(!was_destroyed, "request sent after destroy");
                    if let ClientRequest::Login { .. } = body {
                        assert!(matches!(lc.state(), State::LoggingIn { .. }));
                    }
                }
            }
            if was_destroyed {
                assert!(
                    matches!(o, Output::Reject { .. }),
                    "destroyed instance did more than reject"
                );
            }
        }
        // A kick sends a logout request first exactly for multipleAccount and multipleDevice.
        if let Some(reason) = outputs.iter().find_map(|o| match o {
            Output::Emit(Event::KickedOut(r)) => Some(*r),
            _ => None,
        }) {
            let logout = matches!(
                outputs.first(),
                Some(Output::Send {
                    body: ClientRequest::Logout { .. },
                    ..
                })
            );
            assert_eq!(
                logout,
                reason.sends_logout(),
                "logout request on kick {reason}"
            );
            assert_eq!(
                outputs.len(),
                2 + usize::from(logout),
                "a kick did more than log out and emit"
            );
        }
        assert_eq!(self.ready, lc.is_ready(), "events disagree with isReady()");
        assert_eq!(
            lc.is_ready(),
            lc.not_ready_reason().is_none() && !lc.is_destroyed()
        );
    }
}

/// Feeds one lifecycle an arbitrary sequence of inputs decoded from the bytes
/// and checks the order of its events and the settlement of its calls.
pub fn lifecycle(data: &[u8]) {
    let mut b = Bytes { data };
    let mut lc = Lifecycle::new();
    let mut order = EventOrder::default();
    let mut next_call = 0u64;
    let mut last_request = RequestId(0);
    let mut steps = 0;
    while !b.is_empty() && steps < 512 {
        steps += 1;
        next_call += 1;
        let call = CallId(next_call);
        let op = b.u8();
        let arg = b.u8();
        let input = match op % 9 {
            0 => Input::Login {
                call,
                user_id: ["alice", "bob", ""][usize::from(arg % 3)].to_owned(),
                user_sig: if arg & 0x80 == 0 { "sig" } else { "" }.into(),
                now: 0,
            },
            1 => Input::LoginReply {
                request: if arg & 1 == 0 {
                    last_request
                } else {
                    RequestId(u64::from(arg))
                },
                result: Ok(()),
            },
            2 => Input::LoginReply {
                request: last_request,
                result: Err(ServerError {
                    code: ErrorCode([70001, 70013, 6206, 2801, 0][usize::from(arg % 5)]),
                    info: String::new(),
                }),
            },
            3 => Input::KickNotice {
                kick_type: u32::from(arg % 6),
            },
            4 => Input::ReplyCode {
                code: ErrorCode([70001, 20002, 70052, 60022][usize::from(arg % 4)]),
            },
            5 => Input::Logout { call },
            6 if arg < 8 => Input::Destroy { call },
            7 => Input::Call {
                call,
                api: ["sendMessage", "getLoginUser", "isReady"][usize::from(arg % 3)].to_owned(),
            },
            _ => Input::Call {
                call,
                api: "getConversationList".to_owned(),
            },
        };
        let gated =
            matches!(&input, Input::Call { api, .. } if api != "getLoginUser" && api != "isReady");
        let was_destroyed = lc.is_destroyed();
        let outputs = lc.handle(input);
        if gated {
            let proceeded = matches!(outputs.as_slice(), [Output::Proceed { .. }]);
            assert_eq!(
                proceeded,
                lc.is_ready(),
                "the gate disagrees with isReady()"
            );
        }
        for o in &outputs {
            if let Output::Send {
                request,
                body: ClientRequest::Login { .. },
            } = o
            {
                last_request = *request;
            }
        }
        order.check(was_destroyed, &lc, &outputs);
    }
}

/// Runs several Web and native instances of two accounts against an
/// [`Instances`] table and their own [`Lifecycle`]s, from the bytes: logins,
/// logouts, REST kicks, time passing (expiring sigs) and destroys. Checks the
/// table's policy invariants, the event order of every instance, and that an
/// instance is ready exactly when the table has it online.
pub fn instances(data: &[u8]) {
    let mut b = Bytes { data };
    let web = u32::from(b.u8() % 3) + 1;
    let cross = [
        CrossPlatform::Single,
        CrossPlatform::Dual,
        CrossPlatform::Triple,
        CrossPlatform::Multi,
    ][usize::from(b.u8() % 4)];
    let devices = u32::from(b.u8() % 2) + 1;
    let Ok(policy) = Policy::new(web, cross).and_then(|p| p.with_devices_per_platform(devices))
    else {
        panic!("valid policy refused");
    };
    let mut table = Instances::new(policy);
    struct Slot {
        account: &'static str,
        name: String,
        platform: Platform,
        lc: Lifecycle,
        order: EventOrder,
    }
    let mut slots: Vec<Slot> = (0..8)
        .map(|i| Slot {
            account: if i % 4 == 3 { "bob" } else { "alice" },
            name: format!("i{i}"),
            platform: Platform::ALL
                .get(usize::from(b.u8()) % Platform::ALL.len())
                .copied()
                .unwrap_or(Platform::Web),
            lc: Lifecycle::new(),
            order: EventOrder::default(),
        })
        .collect();
    let mut now = 1_000u64;
    let mut call = 0u64;
    let mut steps = 0;
    // Feeds `input` to slot `i`, mirrors its logout requests into the table,
    // and returns the request id of a login it sent.
    fn feed(slot: &mut Slot, table: &mut Instances, input: Input) -> Option<RequestId> {
        let was_destroyed = slot.lc.is_destroyed();
        let out = slot.lc.handle(input);
        slot.order.check(was_destroyed, &slot.lc, &out);
        let mut login = None;
        for o in &out {
            match o {
                Output::Send {
                    body: ClientRequest::Logout { .. },
                    ..
                } => {
                    table.logout(slot.account, &slot.name);
                }
                Output::Send {
                    request,
                    body: ClientRequest::Login { .. },
                } => login = Some(*request),
                _ => {}
            }
        }
        login
    }
    fn kick_all(slots: &mut [Slot], table: &mut Instances, kicked: &[crate::instances::Kicked]) {
        for k in kicked {
            if let Some(s) = slots
                .iter_mut()
                .find(|s| s.account == k.account && s.name == k.instance)
            {
                feed(s, table, k.input());
            }
        }
    }
    while !b.is_empty() && steps < 256 {
        steps += 1;
        call += 1;
        let op = b.u8();
        let i = usize::from(b.u8()) % slots.len();
        match op % 6 {
            0 | 1 => {
                let ttl = 60 + u64::from(b.u8());
                let Some(slot) = slots.get_mut(i) else {
                    continue;
                };
                let input = Input::Login {
                    call: CallId(call),
                    user_id: slot.account.to_owned(),
                    user_sig: "sig".into(),
                    now,
                };
                let Some(request) = feed(slot, &mut table, input) else {
                    continue;
                };
                let result = table.login_at(
                    slot.account,
                    &slot.name,
                    slot.platform,
                    SigTimes::new(now, ttl),
                    now,
                );
                let reply = match &result {
                    Ok(_) => Ok(()),
                    Err(e) => Err(ServerError {
                        code: e.code(),
                        info: e.to_string(),
                    }),
                };
                if let Ok(LoginOutcome::Repeat) = result {
                    panic!("the table had an instance online that was not ready");
                }
                feed(
                    slot,
                    &mut table,
                    Input::LoginReply {
                        request,
                        result: reply,
                    },
                );
                if let Ok(outcome) = result {
                    let kicked = outcome.kicked().to_vec();
                    for k in &kicked {
                        assert_ne!(
                            k.instance,
                            slots.get(i).map(|s| s.name.clone()).unwrap_or_default()
                        );
                    }
                    kick_all(&mut slots, &mut table, &kicked);
                }
            }
            2 => {
                let Some(slot) = slots.get_mut(i) else {
                    continue;
                };
                let others: Vec<_> = table
                    .online(slot.account)
                    .into_iter()
                    .filter(|o| o.instance != slot.name)
                    .map(|o| o.instance.clone())
                    .collect();
                feed(slot, &mut table, Input::Logout { call: CallId(call) });
                for o in others {
                    assert!(
                        table.is_online(slot.account, &o),
                        "a logout affected another instance"
                    );
                }
            }
            3 => {
                let account = slots.get(i).map_or("alice", |s| s.account);
                let kicked = table.rest_kick_at(account, now);
                kick_all(&mut slots, &mut table, &kicked);
                assert!(table.online(account).is_empty());
            }
            4 => {
                now += u64::from(b.u8()) * 4;
                let kicked = table.expire_at(now);
                kick_all(&mut slots, &mut table, &kicked);
            }
            _ => {
                if b.u8() < 16 {
                    if let Some(slot) = slots.get_mut(i) {
                        feed(slot, &mut table, Input::Destroy { call: CallId(call) });
                    }
                }
            }
        }
        if let Err(e) = table.check_invariants() {
            panic!("policy broken: {e}");
        }
        for s in &slots {
            assert_eq!(
                s.lc.is_ready(),
                table.is_online(s.account, &s.name),
                "{} ready in its lifecycle but not online in the table, or the reverse",
                s.name
            );
        }
        let web_online = table
            .online("alice")
            .iter()
            .filter(|o| o.platform == Platform::Web)
            .count();
        assert!(web_online <= usize::try_from(web).unwrap_or(usize::MAX));
    }
}
