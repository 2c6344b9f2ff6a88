//! The `usersig` command, run as a person or a script would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn usersig(args: &[&str], stdin: Option<&str>, key_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_usersig"));
    cmd.args(args)
        .env_remove("USERSIG_KEY")
        .env_remove("USERSIG_SDKAPPID");
    if let Some(k) = key_env {
        cmd.env("USERSIG_KEY", k);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn sign(id: &str, extra: &[&str]) -> String {
    let mut args = vec!["sign", "--sdkappid", "1400000000", "--now", "1700000000"];
    args.extend_from_slice(extra);
    args.push(id);
    let o = usersig(&args, None, Some(KEY));
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    stdout(&o).trim().to_owned()
}

#[test]
fn sign_then_verify() {
    let sig = sign("xiaojun", &["--expire", "86400"]);
    let o = usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700086400",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(v["valid"], true);
    assert_eq!(v["identifier"], "xiaojun");
    assert_eq!(v["expires_at"], 1_700_086_400);
    // One second later: exit 1, and the reason.
    let o = usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700086401",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(
        (v["valid"].clone(), v["error"].clone()),
        (false.into(), "expired".into())
    );
    assert_eq!(v["expired_at"], 1_700_086_400);
}

#[test]
fn the_default_lifetime_is_180_days() {
    let sig = sign("u", &[]);
    let v = json(&usersig(&["--json", "inspect", &sig], None, None));
    assert_eq!(v["expire"], 180 * 86400);
    assert_eq!(v["issued_at"], 1_700_000_000);
}

#[test]
fn verifies_an_official_sig_read_from_stdin() {
    // pub-001 of the official vectors (the Python library).
    let sig = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpQJlLMxM4IIlmbkgIUNzNMXFmekg44P93EzccsOcA0qT8yOKnfwLksLcjNPcnNNMzb0Ccg1Sq6IMs1LDPH1ywpJtlWoBk68y0A__";
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "xiaojun",
            "-",
        ],
        Some(&format!("{sig}\n")),
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        stdout(&o).starts_with("valid\nidentifier  xiaojun\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("2023-11-14T22:13:20Z"));
}

#[test]
fn failures_exit_1_with_one_line() {
    let sig = sign("alice", &[]);
    for (args, needle) in [
        (
            vec!["verify", "--sdkappid", "1400000000", "bob", &sig],
            "identifier mismatch",
        ),
        (
            vec!["verify", "--sdkappid", "1400000001", "alice", &sig],
            "SDKAppID mismatch",
        ),
        (
            vec![
                "verify",
                "--sdkappid",
                "1400000000",
                "--key",
                "other",
                "alice",
                &sig,
            ],
            "signature mismatch",
        ),
        (
            vec!["verify", "--sdkappid", "1400000000", "alice", "not a sig"],
            "outside the UserSig alphabet",
        ),
        (
            vec![
                "verify",
                "--sdkappid",
                "1400000000",
                "--userbuf-hex",
                "00",
                "alice",
                &sig,
            ],
            "missing userbuf",
        ),
    ] {
        let o = usersig(&args, None, Some(KEY));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.starts_with("invalid: ") && out.contains(needle),
            "{out}"
        );
    }
}

#[test]
fn usage_and_input_errors_exit_2() {
    for (args, env, needle) in [
        (vec!["sign", "--sdkappid", "1", "u"], None, "no secret key"),
        (
            vec!["sign", "--sdkappid", "1", "--expire", "0", "u"],
            Some(KEY),
            "expire must be at least 1 second",
        ),
        (
            vec!["sign", "--sdkappid", "1", ""],
            Some(KEY),
            "identifier is empty",
        ),
        (
            vec!["sign", "--sdkappid", "0", "u"],
            Some(KEY),
            "SDKAppID must not be 0",
        ),
        (
            vec!["sign", "--sdkappid", "1", "--userbuf-hex", "zz", "u"],
            Some(KEY),
            "not hexadecimal",
        ),
        (vec!["sign", "u"], Some(KEY), "--sdkappid"),
        (
            vec![
                "privmap",
                "--sdkappid",
                "1",
                "--expire",
                "60",
                "--room-id",
                "0",
                "u",
            ],
            Some(KEY),
            "room id",
        ),
        (
            vec![
                "privmap",
                "--sdkappid",
                "1",
                "--expire",
                "60",
                "--room-id",
                "5",
                "--privileges",
                "256",
                "u",
            ],
            Some(KEY),
            "0x100",
        ),
        (vec!["inspect", "AAAA"], None, "invalid zlib stream"),
        (
            vec![
                "sign",
                "--sdkappid",
                "1",
                "--key-file",
                "/nonexistent/key",
                "u",
            ],
            None,
            "cannot read key file",
        ),
    ] {
        let o = usersig(&args, None, env);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains(KEY));
    }
}

#[test]
fn key_sources() {
    let dir = std::env::temp_dir().join(format!("usersig-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let from_env = sign("u", &[]);
    let o = usersig(
        &[
            "sign",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--key-file",
            file.to_str().unwrap(),
            "u",
        ],
        None,
        Some("a different key in the environment"),
    );
    assert_eq!(
        stdout(&o).trim(),
        from_env,
        "the key file wins and its newline is ignored"
    );
    let o = usersig(
        &[
            "sign",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--key",
            KEY,
            "u",
        ],
        None,
        None,
    );
    assert_eq!(stdout(&o).trim(), from_env);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn privmap_and_userbuf() {
    // pub-017 of the official vectors: same inputs, same MAC.
    let o = usersig(
        &[
            "--json",
            "privmap",
            "--sdkappid",
            "1400000000",
            "--expire",
            "15552000",
            "--room-str",
            "adbjkl",
            "--now",
            "1700000000",
            "xiaojun",
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let sig = json(&o)["usersig"].as_str().unwrap().to_owned();
    let v = json(&usersig(
        &["--json", "inspect", "--now", "1700000000", &sig],
        None,
        None,
    ));
    assert_eq!(
        v["userbuf_hex"],
        "0100077869616f6a756e53724e000000000066413f00000000ff0000000000066164626a6b6c"
    );
    assert_eq!(v["private_map_key"]["room"]["room_str"], "adbjkl");
    assert_eq!(v["sig"], "3JrO3Pxr1r0w8ssGgqR3c1J+DJdHL0qe+iE9IUV0lTU=");
    let o = usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--room-str",
            "adbjkl",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(json(&o)["private_map_key"]["privileges"], 255);
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--room-id",
            "9",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(1));
    let buf = sign("u", &["--userbuf-hex", "00ff10"]);
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--userbuf-hex",
            "00ff10",
            "u",
            &buf,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn rest_url_signs_an_admin_request() {
    let o = usersig(
        &[
            "--json",
            "rest-url",
            "--sdkappid",
            "1400000000",
            "--admin",
            "admin",
            "--region",
            "singapore",
            "--now",
            "1700000000",
            "im_open_login_svc",
            "kick",
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json(&o);
    assert_eq!(v["method"], "POST");
    assert_eq!(v["body"], "{}");
    let url = v["url"].as_str().unwrap();
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(
        base,
        "https://adminapisgp.im.qcloud.com/v4/im_open_login_svc/kick"
    );
    let names: Vec<&str> = query
        .split('&')
        .map(|p| p.split_once('=').unwrap().0)
        .collect();
    assert_eq!(
        names,
        ["sdkappid", "identifier", "usersig", "random", "contenttype"]
    );
    // The admin UserSig in the URL verifies for the admin account, at that time.
    let sig = query
        .split('&')
        .find_map(|p| p.strip_prefix("usersig="))
        .unwrap();
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "admin",
            sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // A body that is not a JSON object is refused.
    let o = usersig(
        &["rest-url", "--sdkappid", "1", "--body", "[1]", "a", "b"],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = usersig(
        &["rest-url", "--sdkappid", "1", "--region", "mars", "a", "b"],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn explain_codes_and_kick_reasons() {
    let v = json(&usersig(&["--json", "explain", "70001"], None, None));
    assert_eq!(
        (v["name"].as_str(), v["class"].as_str()),
        (Some("USERSIG_EXPIRED"), Some("reissue"))
    );
    assert_eq!(v["kick_reason"], "userSigExpired");
    let v = json(&usersig(
        &["--json", "explain", "multipleDevice"],
        None,
        None,
    ));
    assert_eq!(
        (v["kick_type"].as_u64(), v["web_code"].as_u64()),
        (Some(2), Some(3002))
    );
    let o = usersig(&["explain", "60022"], None, None);
    assert!(stdout(&o).contains("class: retry"), "{}", stdout(&o));
    let o = usersig(&["explain", "not-a-code"], None, None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn callback_verify_checks_the_sign() {
    // SPEC 5's vector: token xxxxyyyy, RequestTime 1669872112.
    let query = "SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json&ClientIP=10.0.0.1&OptPlatform=Web&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
    let body = r#"{"CallbackCommand":"State.StateChange","EventTime":1669872112000,"Info":{"Action":"Login","To_Account":"xiaojun","Reason":"Register"},"KickedDevice":[{"Platform":"Android"}]}"#;
    let run = |token: &str, now: &str| {
        usersig(
            &[
                "--json",
                "callback-verify",
                "--token",
                token,
                "--now",
                now,
                "--sdkappid",
                "1400000000",
                "--body",
                "-",
                query,
            ],
            Some(body),
            None,
        )
    };
    let o = run("xxxxyyyy", "1669872150");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json(&o);
    assert_eq!(v["signed"], true);
    assert_eq!(v["state_change"]["account"], "xiaojun");
    assert_eq!(v["state_change"]["kicked_platforms"][0], "Android");
    assert_eq!(
        v["reply"],
        r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#
    );
    // Another token, or too late: exit 1.
    assert_eq!(run("xxxxyyyz", "1669872112").status.code(), Some(1));
    assert_eq!(run("xxxxyyyy", "1669872173").status.code(), Some(1));
    // No token at all is a usage error, not a silent unsigned check.
    let o = usersig(&["callback-verify", query], None, None);
    assert_eq!(o.status.code(), Some(2));
}

/// Runs `usersig` with its standard output closed before it reads the sig
/// from standard input, so every line it prints meets a closed pipe.
fn usersig_with_stdout_closed(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_usersig"))
        .args(args)
        .env("USERSIG_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_the_output_not_the_exit_status() {
    let sig = sign("xiaojun", &[]);
    let verify = ["verify", "--sdkappid", "1400000000", "--now", "1700000000"];
    let cases: [(Vec<&str>, i32); 3] = [
        (vec!["inspect", "-"], 0),
        ([&verify[..], &["xiaojun", "-"]].concat(), 0),
        ([&verify[..], &["someone-else", "-"]].concat(), 1),
    ];
    for (args, code) in cases {
        let o = usersig_with_stdout_closed(&args, &sig);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {o:?}");
        assert_eq!(String::from_utf8_lossy(&o.stderr), "", "{args:?}");
    }
}
