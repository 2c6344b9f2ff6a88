//! The fuzz harness functions, run on random bytes: no panic means no
//! invariant broke (they panic only on a broken invariant).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use usersig_login::fuzz_harness as h;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn rest_response_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        h::rest_response(&data);
    }

    #[test]
    fn rest_response_json_like(status in prop_oneof![Just(200u16), any::<u16>()],
                               body in r#"\{("ActionStatus":"(OK|FAIL|ok)",?|"ErrorCode":-?[0-9]{0,12}(\.5)?,?|"ErrorInfo":("x"|1|null),?|"RequestId":("r"|2),?|"WaitingTime":[0-9]{1,3},?|"QueryResult":(\[\]|\[\{"To_Account":"a","Status":"Online"\}\]|3),?|"FailAccounts":(\["a"\]|\[1\]),?){0,7}\}"#) {
        let mut data = status.to_be_bytes().to_vec();
        data.extend_from_slice(body.as_bytes());
        h::rest_response(&data);
    }

    #[test]
    fn callback_query_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        h::callback_query(&data);
    }

    #[test]
    fn callback_query_shaped(now in 1_669_872_000u64..1_669_872_300,
                             q in "((SdkAppid=[0-9]{1,11}|CallbackCommand=State.StateChange|Sign=[0-9a-fA-F]{0,64}|Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061|RequestTime=166987211[0-9]|RequestTime=-1|contenttype=json|x=%zz|#|\\?)&?){0,8}") {
        let mut data = now.to_be_bytes().to_vec();
        data.extend_from_slice(q.as_bytes());
        h::callback_query(&data);
    }

    #[test]
    fn kick_and_code_parse(s in "(TIM\\.TYPES\\.)?(multipleAccount|multipleDevice|userSigExpired|REST_API_Kick|KICKED_OUT_[A-Z_]{0,12}|[0-9]{1,12}|USERSIG_EXPIRED|\\s|.){0,3}") {
        h::kick_and_code(s.as_bytes());
    }

    #[test]
    fn lifecycle_event_order(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        h::lifecycle(&data);
    }

    #[test]
    fn instances_policy_and_lifecycles(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        h::instances(&data);
    }
}
