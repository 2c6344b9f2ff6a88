//! REST: regions, the signed URL, the body, batches, the admin sig cache,
//! response parsing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use usersig::SecretKey;
use usersig_login::ErrorClass;
use usersig_login::ErrorCode;
use usersig_login::rest::{
    AccountError, AccountImport, AccountResult, AccountStatus, AdminSigCache, OnlineStatus,
    Presence, Region, RestApi, RestError, TransportError, failed_accounts, parse_response,
};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u32 = 1_400_000_000;
const NOW: u64 = 1_700_000_000;

fn api() -> RestApi {
    RestApi::new(
        APP,
        "administrator",
        &SecretKey::new(KEY).unwrap(),
        Region::China,
    )
    .unwrap()
}

fn fixed(n: u32) -> impl FnMut() -> u32 {
    move || n
}

fn query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

#[test]
fn regions_and_domains() {
    let expected = [
        (
            Region::China,
            "console.tim.qq.com",
            "adminapi.my-imcloud.com",
        ),
        (
            Region::Singapore,
            "adminapisgp.im.qcloud.com",
            "adminapisgp.my-imcloud.com",
        ),
        (
            Region::Seoul,
            "adminapikr.im.qcloud.com",
            "adminapikr.my-imcloud.com",
        ),
        (
            Region::Tokyo,
            "adminapijpn.im.qcloud.com",
            "adminapijpn.my-imcloud.com",
        ),
        (
            Region::Frankfurt,
            "adminapiger.im.qcloud.com",
            "adminapiger.my-imcloud.com",
        ),
        (
            Region::Mumbai,
            "adminapiind.im.qcloud.com",
            "adminapiind.my-imcloud.com",
        ),
        (
            Region::SiliconValley,
            "adminapiusa.im.qcloud.com",
            "adminapiusa.my-imcloud.com",
        ),
        (
            Region::Jakarta,
            "adminapiidn.im.qcloud.com",
            "adminapiidn.my-imcloud.com",
        ),
    ];
    // Every documented data center, in the documented order.
    assert_eq!(Region::ALL.to_vec(), expected.map(|(r, _, _)| r).to_vec());
    for (r, d, b) in expected {
        assert_eq!(r.domain(), d);
        assert_eq!(r.backup_domain(), b);
        assert_eq!(r.name().parse::<Region>(), Ok(r));
        assert!(
            RestError::UnknownRegion.to_string().contains(r.name()),
            "{r}"
        );
    }
    assert_eq!("JPN".parse::<Region>(), Ok(Region::Tokyo));
    assert_eq!("japan".parse::<Region>(), Ok(Region::Tokyo));
    assert_eq!("ind".parse::<Region>(), Ok(Region::Mumbai));
    assert_eq!("India".parse::<Region>(), Ok(Region::Mumbai));
    assert_eq!("SGP".parse::<Region>(), Ok(Region::Singapore));
    assert_eq!(
        "Silicon Valley".parse::<Region>(),
        Ok(Region::SiliconValley)
    );
    assert_eq!("mars".parse::<Region>(), Err(RestError::UnknownRegion));
}

#[test]
fn url_has_the_five_parameters_in_order() {
    let mut a = api();
    let url = a
        .url_at(
            "im_open_login_svc",
            "account_import",
            NOW,
            &mut fixed(4_294_967_295),
        )
        .unwrap();
    assert!(
        url.starts_with("https://console.tim.qq.com/v4/im_open_login_svc/account_import?"),
        "{url}"
    );
    let q = query(&url);
    let names: Vec<_> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["sdkappid", "identifier", "usersig", "random", "contenttype"]
    );
    assert_eq!(q[0].1, APP.to_string());
    assert_eq!(q[1].1, "administrator");
    assert_eq!(q[3].1, "4294967295");
    assert_eq!(q[4].1, "json");
    // The usersig is a valid admin sig for this app, issued now.
    let v = usersig::Verifier::new(APP, &SecretKey::new(KEY).unwrap()).unwrap();
    let claims = v.verify_at("administrator", &q[2].1, NOW).unwrap();
    assert_eq!(claims.issued_at, NOW);
}

#[test]
fn identifier_is_percent_encoded() {
    let mut a = RestApi::new(
        APP,
        "ad min&x=1+é",
        &SecretKey::new(KEY).unwrap(),
        Region::Seoul,
    )
    .unwrap()
    .with_backup_domain(Region::Seoul);
    let url = a.url_at("openim", "sendmsg", NOW, &mut fixed(7)).unwrap();
    assert!(url.starts_with("https://adminapikr.my-imcloud.com/v4/openim/sendmsg?"));
    assert!(
        url.contains("identifier=ad%20min%26x%3D1%2B%C3%A9&"),
        "{url}"
    );
    let q = query(&url);
    assert_eq!(q[1].1, "ad min&x=1+é");
    assert_eq!(q.len(), 5, "the identifier must not inject a parameter");
    // The usersig needs no escaping beyond its own alphabet: it round-trips.
    let v = usersig::Verifier::new(APP, &SecretKey::new(KEY).unwrap()).unwrap();
    v.verify_at("ad min&x=1+é", &q[2].1, NOW).unwrap();
}

#[test]
fn service_and_command_must_be_path_segments() {
    let mut a = api();
    for (s, c) in [
        ("", "x"),
        ("x", ""),
        ("a/b", "c"),
        ("a", "b?c"),
        ("..", "x"),
        ("a", "b c"),
        ("a", "%2e"),
    ] {
        assert!(
            matches!(
                a.url_at(s, c, NOW, &mut fixed(1)),
                Err(RestError::InvalidPath(_))
            ),
            "{s:?}/{c:?}"
        );
    }
}

#[test]
fn custom_domains_are_checked() {
    let key = SecretKey::new(KEY).unwrap();
    let a = RestApi::new(APP, "admin", &key, Region::China).unwrap();
    assert_eq!(
        a.clone().with_domain("localhost:8080").unwrap().host(),
        "localhost:8080"
    );
    for bad in [
        "",
        "a/b",
        "evil.com/x?",
        "h:",
        "h:99999",
        "h:+80",
        "h:-1",
        "h: 80",
        "h:0x50",
        "-x.com",
        "a b",
        "x.com@y",
    ] {
        assert_eq!(
            a.clone().with_domain(bad).err(),
            Some(RestError::InvalidDomain),
            "{bad:?}"
        );
    }
}

#[test]
fn prepare_gives_method_headers_and_body() {
    let mut a = api();
    let r = a
        .prepare_at("openim", "query_online_status", b"", NOW, &mut fixed(5))
        .unwrap();
    assert_eq!(r.method(), "POST");
    assert_eq!(r.headers(), &[("Content-Type", "application/json")]);
    assert_eq!(r.body(), b"{}");
    assert_eq!(r.random(), 5);
    let r = a
        .prepare_at("openim", "x", br#"{"a":1}"#, NOW, &mut fixed(5))
        .unwrap();
    assert_eq!(r.body(), br#"{"a":1}"#);
    for bad in [&b"[1]"[..], b"nope", b"{", b"1"] {
        assert_eq!(
            a.prepare_at("openim", "x", bad, NOW, &mut fixed(5)).err(),
            Some(RestError::BodyNotJson)
        );
    }
}

#[test]
fn debug_never_shows_the_admin_sig_or_key() {
    let mut a = api();
    let r = a
        .prepare_at("openim", "x", b"{}", NOW, &mut fixed(5))
        .unwrap();
    let sig = query(r.url())[2].1.clone();
    assert!(sig.len() > 100);
    for text in [
        format!("{r:?}"),
        format!("{a:?}"),
        r.redacted_url().to_owned(),
    ] {
        assert!(!text.contains(&sig), "{text}");
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(&sig[..20]), "{text}");
    }
    assert!(r.redacted_url().contains("usersig=[redacted]&random=5"));
}

#[test]
fn admin_sig_is_cached_and_renewed_before_expiry() {
    let mut a = api().with_sig_cache(AdminSigCache::new(1000, 100).unwrap());
    let sig_at = |a: &mut RestApi, now| {
        query(&a.url_at("openim", "x", now, &mut fixed(1)).unwrap())[2]
            .1
            .clone()
    };
    let first = sig_at(&mut a, NOW);
    assert_eq!(
        sig_at(&mut a, NOW + 899),
        first,
        "reused while more than the margin is left"
    );
    let renewed = sig_at(&mut a, NOW + 900);
    assert_ne!(renewed, first, "renewed at expiry - margin");
    assert_eq!(a.sig_cache().expires_at(), Some(NOW + 1900));
    assert_eq!(sig_at(&mut a, NOW + 901), renewed);
    // A clock that went back gets a new sig rather than one from its future.
    assert_ne!(sig_at(&mut a, NOW + 10), renewed);
    a.sig_cache().invalidate();
    assert_eq!(a.sig_cache().expires_at(), None);
    assert!(!format!("{:?}", a.sig_cache()).contains(&first));
}

/// A cache asked for another admin or another app never returns the sig it
/// holds for the first: it issues one for whoever is asked for.
#[test]
fn the_admin_sig_cache_never_hands_out_another_admins_sig() {
    let key = SecretKey::new(KEY).unwrap();
    let app_a = usersig::Signer::new(APP, &key).unwrap();
    let app_b = usersig::Signer::new(APP + 1, &key).unwrap();
    let mut cache = AdminSigCache::new(86_400, 3_600).unwrap();
    let who = |sig: &usersig_login::UserSig| {
        let i = usersig::inspect(sig.expose()).unwrap();
        (i.sdkappid, i.identifier)
    };
    let a = cache.get_at(&app_a, "admin_a", NOW).unwrap().clone();
    assert_eq!(who(&a), (u64::from(APP), "admin_a".to_owned()));
    // Same app and admin: the cached sig.
    assert_eq!(cache.get_at(&app_a, "admin_a", NOW + 5).unwrap(), &a);
    // Another admin of the same app, then the same admin of another app.
    let b = cache.get_at(&app_a, "admin_b", NOW + 10).unwrap().clone();
    assert_eq!(who(&b), (u64::from(APP), "admin_b".to_owned()));
    let c = cache.get_at(&app_b, "admin_a", NOW + 20).unwrap().clone();
    assert_eq!(who(&c), (u64::from(APP + 1), "admin_a".to_owned()));
    assert!(a != b && a != c && b != c);
    // A cache moved from one RestApi to another signs for the new one.
    let mut first = api().with_sig_cache(cache);
    let url = first
        .url_at("openim", "x", NOW + 30, &mut fixed(1))
        .unwrap();
    let moved = AdminSigCache::clone(first.sig_cache());
    let mut second = RestApi::new(APP + 1, "other_admin", &key, Region::China)
        .unwrap()
        .with_sig_cache(moved);
    let url2 = second
        .url_at("openim", "x", NOW + 31, &mut fixed(1))
        .unwrap();
    for (url, app, admin) in [(url, APP, "administrator"), (url2, APP + 1, "other_admin")] {
        let q = query(&url);
        assert_eq!(q[0].1, app.to_string());
        assert_eq!(q[1].1, admin);
        let i = usersig::inspect(&q[2].1).unwrap();
        assert_eq!((i.sdkappid, i.identifier.as_str()), (u64::from(app), admin));
    }
}

#[test]
fn cache_settings_are_checked() {
    assert!(matches!(
        AdminSigCache::new(100, 100),
        Err(RestError::RenewMargin { .. })
    ));
    assert!(matches!(AdminSigCache::new(0, 0), Err(RestError::Sign(_))));
    assert!(AdminSigCache::new(100, 99).is_ok());
}

fn bodies(reqs: &[usersig_login::rest::PreparedRequest]) -> Vec<Value> {
    reqs.iter()
        .map(|r| serde_json::from_slice(r.body()).unwrap())
        .collect()
}

#[test]
fn typed_helpers_build_the_documented_bodies() {
    let mut a = api();
    let r = a
        .account_import_at(
            &AccountImport {
                user_id: "u1".into(),
                nick: Some("N".into()),
                face_url: None,
            },
            NOW,
            &mut fixed(1),
        )
        .unwrap();
    assert!(r.url().contains("/v4/im_open_login_svc/account_import?"));
    assert_eq!(
        bodies(&[r]),
        [serde_json::json!({"UserID": "u1", "Nick": "N"})]
    );
    let r = a.kick_at("u1", NOW, &mut fixed(1)).unwrap();
    assert!(r.url().contains("/v4/im_open_login_svc/kick?"));
    assert_eq!(bodies(&[r]), [serde_json::json!({"UserID": "u1"})]);
    assert!(matches!(
        a.kick_at("", NOW, &mut fixed(1)),
        Err(RestError::InvalidArgument(_))
    ));
}

#[test]
fn batches_are_split_at_the_api_limits() {
    let mut a = api();
    let ids: Vec<String> = (0..1234).map(|i| format!("u{i}")).collect();
    let mut n = 0u32;
    let mut counting = || {
        n += 1;
        n
    };
    let reqs = a.multiaccount_import_at(&ids, NOW, &mut counting).unwrap();
    let b = bodies(&reqs);
    let sizes: Vec<_> = b
        .iter()
        .map(|v| v["AccountList"].as_array().unwrap().len())
        .collect();
    assert_eq!(
        sizes,
        [
            100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 34
        ]
    );
    // The current form of Tencent's page: objects with a UserID.
    assert_eq!(
        b[12]["AccountList"][33],
        serde_json::json!({"UserID": "u1233"})
    );
    assert_eq!(b[0]["AccountList"][0], serde_json::json!({"UserID": "u0"}));
    // Each request draws its own random.
    let randoms: Vec<_> = reqs.iter().map(|r| r.random()).collect();
    assert_eq!(randoms, (1..=13).collect::<Vec<_>>());

    let reqs = a
        .query_online_status_at(&ids, true, NOW, &mut fixed(1))
        .unwrap();
    let b = bodies(&reqs);
    let sizes: Vec<_> = b
        .iter()
        .map(|v| v["To_Account"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [500, 500, 234]);
    assert_eq!(b[0]["IsNeedDetail"], 1);
    assert!(reqs[0].url().contains("/v4/openim/query_online_status?"));
    let b = bodies(
        &a.query_online_status_at(&["x"], false, NOW, &mut fixed(1))
            .unwrap(),
    );
    assert_eq!(b, [serde_json::json!({"To_Account": ["x"]})]);

    let b = bodies(&a.account_check_at(&["a", "b"], NOW, &mut fixed(1)).unwrap());
    assert_eq!(
        b,
        [serde_json::json!({"CheckItem": [{"UserID": "a"}, {"UserID": "b"}]})]
    );
    let b = bodies(
        &a.account_delete_at(&ids[..101], NOW, &mut fixed(1))
            .unwrap(),
    );
    assert_eq!(b.len(), 2);
    assert_eq!(
        b[1],
        serde_json::json!({"DeleteItem": [{"UserID": "u100"}]})
    );

    let none: [&str; 0] = [];
    assert!(
        a.multiaccount_import_at(&none, NOW, &mut fixed(1))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        a.multiaccount_import_at(&["a", ""], NOW, &mut fixed(1)),
        Err(RestError::InvalidArgument(_))
    ));
}

#[test]
fn ok_responses_keep_the_rest_of_the_body() {
    let r = parse_response(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"Id-1","QueryResult":[{"To_Account":"a","Status":"Online","Detail":[{"Platform":"iPhone","Status":"PushOnline"}]},{"To_Account":"b","Status":"Weird"}]}"#,
    )
    .unwrap();
    assert_eq!(r.request_id.as_deref(), Some("Id-1"));
    assert_eq!(r.body.len(), 1);
    let s = OnlineStatus::from_response(&r).unwrap();
    assert_eq!(s[0].account, "a");
    assert_eq!(s[0].status, Presence::Online);
    assert_eq!(s[0].detail, [("iPhone".to_owned(), Presence::PushOnline)]);
    assert_eq!(s[1].status, Presence::Other("Weird".into()));

    let r = parse_response(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"FailAccounts":["x"]}"#,
    )
    .unwrap();
    assert_eq!(failed_accounts(&r).unwrap(), ["x"]);
    let r = parse_response(200, br#"{"ActionStatus":"OK"}"#).unwrap();
    assert!(failed_accounts(&r).unwrap().is_empty());
}

#[test]
fn account_results_and_error_lists_are_typed() {
    // The answers of account_check, account_delete and query_online_status
    // in the shape of Tencent's documented examples.
    let check = parse_response(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ResultItem":[
            {"UserID":"UserID_1","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"},
            {"UserID":"UserID_2","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"},
            {"UserID":"UserID_3","ResultCode":0,"AccountStatus":"Frozen"}]}"#,
    )
    .unwrap();
    let items = AccountResult::from_response(&check).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].user_id, "UserID_1");
    assert_eq!(items[0].status, Some(AccountStatus::NotImported));
    assert!(!items[0].is_imported());
    assert!(items[1].is_imported());
    assert_eq!(items[1].code, ErrorCode(0));
    assert_eq!(items[2].status, Some(AccountStatus::Other("Frozen".into())));
    assert_eq!(items[2].info, "");

    let delete = parse_response(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ResultItem":[
            {"ResultCode":0,"ResultInfo":"","UserID":"UserID_1"},
            {"ResultCode":70107,"ResultInfo":"Err_TLS_PT_Open_Login_Account_Not_Exist","UserID":"UserID_2"}]}"#,
    )
    .unwrap();
    let items = AccountResult::from_response(&delete).unwrap();
    assert_eq!(items[0].code, ErrorCode(0));
    assert_eq!(items[0].status, None);
    assert_eq!(items[1].code, ErrorCode::ACCOUNT_NOT_IMPORTED);
    assert_eq!(items[1].info, "Err_TLS_PT_Open_Login_Account_Not_Exist");
    assert!(!items[1].is_imported());

    let online = parse_response(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"QueryResult":[],"ErrorList":[{"To_Account":"UserID_3","ErrorCode":70107}]}"#,
    )
    .unwrap();
    assert_eq!(
        AccountError::from_response(&online).unwrap(),
        [AccountError {
            account: "UserID_3".into(),
            code: ErrorCode(70107)
        }]
    );
    // Absent lists read as empty; lists of the wrong shape are transport errors.
    let bare = parse_response(200, br#"{"ActionStatus":"OK","ErrorCode":0}"#).unwrap();
    assert!(AccountResult::from_response(&bare).unwrap().is_empty());
    assert!(AccountError::from_response(&bare).unwrap().is_empty());
    for (body, field) in [
        (
            &br#"{"ActionStatus":"OK","ResultItem":{"UserID":"a"}}"#[..],
            "ResultItem",
        ),
        (
            br#"{"ActionStatus":"OK","ResultItem":[{"UserID":1,"ResultCode":0}]}"#,
            "ResultItem",
        ),
        (
            br#"{"ActionStatus":"OK","ResultItem":[{"UserID":"a"}]}"#,
            "ResultItem",
        ),
        (
            br#"{"ActionStatus":"OK","ErrorList":[{"To_Account":"a","ErrorCode":"70107"}]}"#,
            "ErrorList",
        ),
    ] {
        let r = parse_response(200, body).unwrap();
        let err = if field == "ResultItem" {
            AccountResult::from_response(&r).unwrap_err()
        } else {
            AccountError::from_response(&r).unwrap_err()
        };
        assert_eq!(err, RestError::Transport(TransportError::Field(field)));
    }
}

#[test]
fn fail_becomes_a_typed_error_with_class() {
    let e = parse_response(
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":70107,"ErrorInfo":"not imported","RequestId":"r"}"#,
    )
    .unwrap_err();
    let RestError::Api(api) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(api.code, ErrorCode(70107));
    assert_eq!(api.info, "not imported");
    assert_eq!(api.class, ErrorClass::Import);
    assert_eq!(api.request_id.as_deref(), Some("r"));
    assert_eq!(e.code(), Some(ErrorCode(70107)));
    assert_eq!(e.class(), ErrorClass::Import);

    let e = parse_response(
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":60022,"ErrorInfo":"","WaitingTime":12}"#,
    )
    .unwrap_err();
    let RestError::Api(api) = e else { panic!() };
    assert_eq!(api.waiting_time, Some(core::time::Duration::from_secs(12)));

    // FAIL without a code (0 or none at all) is a failure too, classed as
    // a transient server fault.
    for body in [
        &br#"{"ActionStatus":"FAIL","ErrorCode":0}"#[..],
        br#"{"ActionStatus":"FAIL","ErrorCode":0,"ErrorInfo":"busy"}"#,
        br#"{"ActionStatus":"FAIL"}"#,
    ] {
        let e = parse_response(200, body).unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode(0)));
        assert_eq!(e.class(), ErrorClass::Retry { min_wait: None });
        assert!(e.class().is_retryable());
        let text = e.to_string();
        assert!(
            text.starts_with("IM REST call failed (ActionStatus FAIL) without an error code: ")
                && text.ends_with("(retry: treated as a transient server fault)")
                && !text.contains("success"),
            "{text}"
        );
        let RestError::Api(api) = e else { panic!() };
        assert_eq!(api.class, ErrorClass::Retry { min_wait: None });
    }

    // OK with a non-zero code is not a success either.
    let e = parse_response(200, br#"{"ActionStatus":"OK","ErrorCode":70001}"#).unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode(70001)));
    // A long ErrorInfo is cut to 1 KiB.
    let long = format!(
        r#"{{"ActionStatus":"FAIL","ErrorCode":1,"ErrorInfo":"{}"}}"#,
        "é".repeat(2000)
    );
    let RestError::Api(api) = parse_response(200, long.as_bytes()).unwrap_err() else {
        panic!()
    };
    assert!(api.info.len() <= 1024 && api.info.len() > 1000);
}

#[test]
fn garbage_and_bad_status_are_transport_errors() {
    let t = |status, body: &[u8]| match parse_response(status, body) {
        Err(RestError::Transport(t)) => t,
        other => panic!("{status} {:?}: {other:?}", String::from_utf8_lossy(body)),
    };
    assert_eq!(
        t(502, br#"{"ActionStatus":"OK","ErrorCode":0}"#),
        TransportError::Status(502)
    );
    assert_eq!(t(0, b""), TransportError::Status(0));
    assert!(matches!(t(200, b""), TransportError::NotJson(_)));
    assert!(matches!(
        t(200, b"<html>502 Bad Gateway</html>"),
        TransportError::NotJson(_)
    ));
    assert!(matches!(t(200, b"\xff\xfe"), TransportError::NotJson(_)));
    assert!(matches!(
        t(200, &[b'['; 10_000]),
        TransportError::NotJson(_)
    ));
    assert_eq!(t(200, b"[]"), TransportError::NotAnObject);
    assert_eq!(t(200, b"null"), TransportError::NotAnObject);
    assert_eq!(t(200, b"{}"), TransportError::Field("ActionStatus"));
    assert_eq!(
        t(200, br#"{"ActionStatus":"ok"}"#),
        TransportError::Field("ActionStatus")
    );
    assert_eq!(
        t(200, br#"{"ActionStatus":1}"#),
        TransportError::Field("ActionStatus")
    );
    assert_eq!(
        t(200, br#"{"ActionStatus":"FAIL","ErrorCode":"7"}"#),
        TransportError::Field("ErrorCode")
    );
    for code in ["-1", "\"70001\"", "1.5", "4294967296", "null"] {
        let body = format!(r#"{{"ActionStatus":"FAIL","ErrorCode":{code}}}"#);
        assert_eq!(
            t(200, body.as_bytes()),
            TransportError::Field("ErrorCode"),
            "{code}"
        );
    }
    assert_eq!(
        t(200, br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":5}"#),
        TransportError::Field("ErrorInfo")
    );
    assert_eq!(
        t(
            200,
            br#"{"ActionStatus":"OK","ErrorCode":0,"RequestId":[]}"#
        ),
        TransportError::Field("RequestId")
    );
    // Error text never echoes the body.
    let e = parse_response(200, b"{\"secret-looking-body\": ").unwrap_err();
    assert!(!e.to_string().contains("secret-looking"));
    // A malformed QueryResult is an error, not a panic.
    let r = parse_response(
        200,
        br#"{"ActionStatus":"OK","QueryResult":[{"To_Account":1}]}"#,
    )
    .unwrap();
    assert!(OnlineStatus::from_response(&r).is_err());
    let r = parse_response(200, br#"{"ActionStatus":"OK","FailAccounts":"x"}"#).unwrap();
    assert!(failed_accounts(&r).is_err());
}

#[test]
fn base_urls_allow_plain_http_only_on_loopback() {
    for (url, scheme, host) in [
        ("http://127.0.0.1:8080", "http", "127.0.0.1:8080"),
        ("http://127.1.2.3:1/", "http", "127.1.2.3:1"),
        ("http://localhost:9", "http", "localhost:9"),
        ("http://LOCALHOST", "http", "LOCALHOST"),
        ("http://[::1]:8080", "http", "[::1]:8080"),
        (
            "https://adminapisgp.im.qcloud.com",
            "https",
            "adminapisgp.im.qcloud.com",
        ),
        ("https://10.0.0.1:8443/", "https", "10.0.0.1:8443"),
        ("https://[2001:db8::1]:443", "https", "[2001:db8::1]:443"),
    ] {
        let mut api = api().with_base_url(url).unwrap();
        assert_eq!((api.scheme(), api.host()), (scheme, host), "{url}");
        let u = api
            .url_at("openim", "query_online_status", NOW, &mut fixed(1))
            .unwrap();
        assert!(
            u.starts_with(&format!(
                "{scheme}://{host}/v4/openim/query_online_status?sdkappid="
            )),
            "{u}"
        );
    }
    // The default stays https.
    assert_eq!(api().scheme(), "https");
    for url in [
        "http://example.com",
        "http://10.0.0.1:80",
        "http://192.168.1.1",
        "http://[2001:db8::1]",
        "http://128.0.0.1",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "127.0.0.1:8080",
        "http://",
        "http://127.0.0.1:",
        "http://127.0.0.1:65536",
        "http://127.0.0.1:80/v4",
        "http://127.0.0.1?x=1",
        "http://user@127.0.0.1",
        "https://bad host",
        "https://[::1",
        "https://[not-v6]:1",
        "https://[::1]x",
    ] {
        let e = api().with_base_url(url).unwrap_err();
        assert!(matches!(e, RestError::InvalidBaseUrl(_)), "{url}: {e:?}");
    }
    let e = api().with_base_url("http://example.com").unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
}
