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
        // A sig that does not decode exits the same way from inspect.
        (vec!["inspect", "AAAA"], "invalid zlib stream"),
        (vec!["inspect", "not a sig"], "outside the UserSig alphabet"),
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
        (
            vec!["verify", "--sdkappid", "1", "", "AAAA"],
            Some(KEY),
            "identifier is empty",
        ),
        (
            vec!["sign", "--sdkappid", "1", "--userbuf-hex", "+1+2", "u"],
            Some(KEY),
            "not hexadecimal",
        ),
        (
            vec!["sign", "--sdkappid", "1", "u"],
            Some(" \n"),
            "USERSIG_KEY is set but empty",
        ),
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

// ------------------------------------------------------------ hand-made sigs

/// zlib (stored), standard base64, the UserSig alphabet: any document.
fn wrap(doc: &str) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(0));
    z.write_all(doc.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD
        .encode(z.finish().unwrap())
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

/// A correctly signed sig for any identifier, control characters included
/// (which `usersig sign` refuses to issue).
fn forge(identifier: &str) -> String {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    let text = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:86400\n"
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    let tag = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let doc = serde_json::json!({
        "TLS.ver": "2.0", "TLS.identifier": identifier, "TLS.sdkappid": 1400000000u32,
        "TLS.expire": 86400, "TLS.time": 1700000000u32, "TLS.sig": tag,
    });
    wrap(&doc.to_string())
}

/// What a terminal must never receive from an untrusted value.
fn assert_inert(out: &str) {
    for bad in [
        '\u{1b}', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{200b}', '\r',
    ] {
        assert!(!out.contains(bad), "{bad:?} in {out:?}");
    }
}

const EVIL: &str = "alice\nvalid\nidentifier  root\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}txt.exe\u{2066}\u{200b}";

#[test]
fn inspect_escapes_what_the_sig_says() {
    let sig = forge(EVIL);
    let o = usersig(&["inspect", "--now", "1700000000", &sig], None, None);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert_inert(&out);
    let id_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("identifier"))
        .collect();
    assert_eq!(
        id_lines,
        [
            "identifier  alice\\nvalid\\nidentifier  root\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{9b}31m\\u{202e}txt.exe\\u{2066}\\u{200b}"
        ]
    );
    assert!(!out.lines().any(|l| l == "valid"), "{out}");
    // JSON carries the value exactly, escaped the JSON way.
    let v = json(&usersig(&["--json", "inspect", &sig], None, None));
    assert_eq!(v["identifier"], EVIL);
    assert_inert(&stdout(&usersig(&["--json", "inspect", &sig], None, None)));
}

#[test]
fn verify_mismatch_messages_are_escaped() {
    let sig = forge(EVIL);
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "bob",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert_inert(&out);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("invalid: identifier mismatch: expected \"bob\""),
        "{out}"
    );
    // The sig is genuine for its own identifier.
    let o = usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            EVIL,
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(json(&o)["valid"], true);
}

#[test]
fn callback_verify_escapes_the_query() {
    let query = "SdkAppid=1400000000&CallbackCommand=State.StateChange%0Avalid%1B%5B2J&ClientIP=1.2.3.4%1B%5B31m%0D&OptPlatform=Web%E2%80%AE%E2%81%A6";
    let o = usersig(&["callback-verify", "--unsigned", query], None, None);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert_inert(&out);
    assert!(
        out.contains("command     State.StateChange\\nvalid\\u{1b}[2J\n"),
        "{out}"
    );
    assert!(out.contains("client ip   1.2.3.4\\u{1b}[31m\\r\n"), "{out}");
    assert!(out.contains("platform    Web\\u{202e}\\u{2066}\n"), "{out}");
    // A body's account is escaped too.
    let body = "{\"CallbackCommand\":\"State.StateChange\",\"Info\":{\"Action\":\"Login\",\"To_Account\":\"a\\u001b[2J\\u202e\"}}";
    let q = "SdkAppid=1400000000&CallbackCommand=State.StateChange";
    let o = usersig(
        &["callback-verify", "--unsigned", "--body", "-", q],
        Some(body),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_inert(&stdout(&o));
    assert!(
        stdout(&o).contains("Login \"a\\u{1b}[2J\\u{202e}\" (Other(\"\"))"),
        "{}",
        stdout(&o)
    );
}

// ------------------------------------------------------------ --json errors

#[test]
fn json_errors_for_usage_input_and_rejection() {
    let sig = sign("alice", &[]);
    for (args, env, kind, code) in [
        (vec!["--json", "sign", "u"], Some(KEY), "usage", 2),
        (vec!["--json", "no-such-command"], None, "usage", 2),
        (
            vec!["sign", "--json", "--sdkappid", "x", "u"],
            Some(KEY),
            "usage",
            2,
        ),
        (
            vec!["--json", "sign", "--sdkappid", "1", "u"],
            None,
            "input",
            2,
        ),
        (
            vec!["--json", "verify", "--sdkappid", "1400000000", "", &sig],
            Some(KEY),
            "input",
            2,
        ),
        (vec!["--json", "explain", "not-a-code"], None, "input", 2),
        (
            vec![
                "--json",
                "verify",
                "--sdkappid",
                "1400000000",
                "alice",
                "AAAA",
            ],
            Some(KEY),
            "malformed",
            1,
        ),
        (vec!["--json", "inspect", "AAAA"], None, "malformed", 1),
        (
            vec![
                "--json",
                "callback-verify",
                "--token",
                "t",
                "SdkAppid=1&CallbackCommand=x",
            ],
            None,
            "missing",
            1,
        ),
        (
            vec![
                "--json",
                "callback-verify",
                "--token",
                " \n",
                "SdkAppid=1&CallbackCommand=x",
            ],
            None,
            "input",
            2,
        ),
    ] {
        let o = usersig(&args, None, env);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {o:?}");
        let v = json(&o);
        assert_eq!(v["error"], kind, "{args:?}: {v}");
        assert_eq!(v["exit_code"], code, "{args:?}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        if code == 2 {
            // The text stays on standard error.
            assert!(!o.stderr.is_empty(), "{args:?}");
        } else {
            assert_eq!(v["valid"], false);
        }
    }
    // verify and inspect report a malformed sig alike.
    let a = json(&usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "alice",
            "AAAA",
        ],
        None,
        Some(KEY),
    ));
    let b = json(&usersig(&["--json", "inspect", "AAAA"], None, None));
    assert_eq!(a, b);
    // Help is not an error.
    let o = usersig(&["--json", "--help"], None, None);
    assert_eq!(o.status.code(), Some(0));
}

// ------------------------------------------------------------ messages

#[test]
fn expiry_reads_as_dates_and_a_span() {
    let sig = sign("xiaojun", &["--expire", "60"]);
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1796110240",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    );
    assert_eq!(
        stdout(&o),
        "invalid: UserSig expired at 2023-11-14T22:14:20Z (unix 1700000060), 3 years 16 days ago, \
         checked at 2026-12-01T07:30:40Z (unix 1796110240); issue a new UserSig \
         (Tencent answers 70001 USERSIG_EXPIRED)\n"
    );
    let v = json(&usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1796110240",
            "xiaojun",
            &sig,
        ],
        None,
        Some(KEY),
    ));
    assert_eq!(
        format!("invalid: {}\n", v["message"].as_str().unwrap()),
        stdout(&o)
    );
    assert_eq!(
        (v["expired_at"].as_u64(), v["now"].as_u64()),
        (Some(1_700_000_060), Some(1_796_110_240))
    );
    // inspect: dates, spans and the zlib header in plain words.
    let out = stdout(&usersig(
        &["inspect", "--now", "1700000030", &sig],
        None,
        None,
    ));
    assert!(
        out.contains("issued at   2023-11-14T22:13:20Z (1700000000, 30 seconds ago)"),
        "{out}"
    );
    assert!(out.contains("expire      60 s (1 minute)"), "{out}");
    assert!(
        out.contains(
            "zlib        header 789c: default level (zlib level 6, or usersig's default mode)"
        ),
        "{out}"
    );
    assert!(!out.contains("(("), "{out}");
}

#[test]
fn explain_advice_is_the_same_in_text_and_json() {
    for code in ["70001", "6206", "60022", "70107"] {
        let text = stdout(&usersig(&["explain", code], None, None));
        let v = json(&usersig(&["--json", "explain", code], None, None));
        let advice = v["advice"].as_str().unwrap();
        let do_line = text.lines().find(|l| l.starts_with("do:")).unwrap();
        assert_eq!(do_line, format!("do:    {advice}"), "{code}");
        assert!(!advice.contains(code), "{code}: {advice}");
    }
}

// ------------------------------------------------------------ whitespace, regions, wrapped tickets

#[test]
fn one_whitespace_rule_for_keys_and_sigs() {
    // USERSIG_KEY with a trailing newline, as `export USERSIG_KEY=$(cat key)` leaves it
    // when the file has two, or a here-string gives it.
    let o = usersig(
        &[
            "sign",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "u",
        ],
        None,
        Some(&format!("{KEY}\n")),
    );
    let sig = stdout(&o).trim().to_owned();
    let o = usersig(
        &[
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--key",
            KEY,
            "u",
            &format!("  {sig}\n"),
        ],
        None,
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = usersig(&["--json", "inspect", &format!("\t{sig} ")], None, None);
    assert_eq!(json(&o)["identifier"], "u");
}

#[test]
fn tokyo_and_mumbai() {
    for (region, host) in [
        ("tokyo", "adminapijpn.im.qcloud.com"),
        ("mumbai", "adminapiind.im.qcloud.com"),
    ] {
        for (backup, host) in [
            (false, host.to_owned()),
            (true, host.replace(".im.qcloud.com", ".my-imcloud.com")),
        ] {
            let mut args = vec![
                "rest-url",
                "--sdkappid",
                "1400000000",
                "--now",
                "1700000000",
                "--region",
                region,
            ];
            if backup {
                args.push("--backup");
            }
            args.extend(["openim", "query_online_status"]);
            let o = usersig(&args, None, Some(KEY));
            assert!(
                stdout(&o).starts_with(&format!("https://{host}/v4/")),
                "{o:?}"
            );
        }
    }
    let o = usersig(
        &["rest-url", "--sdkappid", "1", "--region", "mars", "a", "b"],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tokyo, frankfurt, mumbai"));
    let o = usersig(
        &["rest-url", "--sdkappid", "1", "--domain", "h:+80", "a", "b"],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_room_ticket_past_2_pow_32_verifies_until_it_expires() {
    let base = ["--sdkappid", "1400000000"];
    let o = usersig(
        &[
            &["privmap"][..],
            &base,
            &[
                "--expire",
                "1500000000",
                "--room-id",
                "5",
                "--privileges",
                "255",
                "--now",
                "3500000000",
                "xiaojun",
            ],
        ]
        .concat(),
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let ticket = stdout(&o).trim().to_owned();
    for (now, code) in [("3500000000", 0), ("5000000000", 0), ("5000000001", 1)] {
        let o = usersig(
            &[
                &["verify"][..],
                &base,
                &["--room-id", "5", "--now", now, "xiaojun", &ticket],
            ]
            .concat(),
            None,
            Some(KEY),
        );
        assert_eq!(o.status.code(), Some(code), "{now}: {o:?}");
    }
}

#[test]
fn callback_verify_reads_any_signed_callback() {
    let rt = "1669872112";
    let sign = usersig_login::callback::sign("xxxxyyyy", rt);
    let query = format!(
        "SdkAppid=1400000000&CallbackCommand=C2C.CallbackBeforeSendMsg&contenttype=json&Sign={sign}&RequestTime={rt}"
    );
    let body = r#"{"CallbackCommand":"C2C.CallbackBeforeSendMsg","From_Account":"a","To_Account":"b","MsgBody":[]}"#;
    let run = |query: &str, body: &str, json_out: bool| {
        let mut args = vec![
            "callback-verify",
            "--token",
            "xxxxyyyy",
            "--now",
            rt,
            "--body",
            "-",
            query,
        ];
        if json_out {
            args.insert(0, "--json");
        }
        usersig(&args, Some(body), None)
    };
    let o = run(&query, body, true);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = json(&o);
    assert_eq!(
        (v["command"].as_str(), v["body_command"].as_str()),
        (
            Some("C2C.CallbackBeforeSendMsg"),
            Some("C2C.CallbackBeforeSendMsg")
        )
    );
    assert_eq!(v["state_change"], serde_json::Value::Null);
    let text = stdout(&run(&query, body, false));
    assert!(
        text.contains("body        a C2C.CallbackBeforeSendMsg callback, 4 fields"),
        "{text}"
    );
    assert!(
        text.contains("Sign covers no other parameter, nor the body"),
        "{text}"
    );
    // The body of another command: refused, exit 1.
    let other =
        r#"{"CallbackCommand":"State.StateChange","Info":{"Action":"Login","To_Account":"a"}}"#;
    let o = run(&query, other, true);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(json(&o)["error"], "command_mismatch");
    // Not a JSON object.
    let o = run(&query, "[]", false);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("not a JSON object"), "{}", stdout(&o));
}

/// One HTTP/1.1 request over a plain TCP connection to 127.0.0.1; the
/// status and the body of the answer.
fn http(addr: &str, method: &str, path_and_query: &str, body: &str) -> (u16, serde_json::Value) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "{method} {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[test]
fn emulator_serves_until_sigterm_and_rest_url_speaks_to_it() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("usersig-cli-emulator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_usersig"))
        .args([
            "emulator",
            "--sdkappid",
            "1400000000",
            "--key-file",
            key_file.to_str().unwrap(),
            "--port",
            "0",
            "--web-instances",
            "2",
            "--clock",
            "manual",
            "--now",
            "1700000000",
        ])
        .env_remove("USERSIG_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first.trim().to_owned();
    let addr = url.strip_prefix("http://").unwrap().to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{url}");

    // rest-url builds the request for it: http:// for a loopback host.
    let o = usersig(
        &[
            "--json",
            "rest-url",
            "--sdkappid",
            "1400000000",
            "--domain",
            &url,
            "--now",
            "1700000000",
            "--body",
            r#"{"UserID":"alice","Nick":"Alice"}"#,
            "im_open_login_svc",
            "account_import",
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let req = json(&o);
    let full = req["url"].as_str().unwrap();
    let path = full.strip_prefix(&url).unwrap();
    assert!(path.starts_with(
        "/v4/im_open_login_svc/account_import?sdkappid=1400000000&identifier=administrator&usersig="
    ));
    let (status, v) = http(&addr, "POST", path, req["body"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(v["ActionStatus"], "OK", "{v}");
    // The curl form carries the same URL.
    let o = usersig(
        &[
            "rest-url",
            "--sdkappid",
            "1400000000",
            "--domain",
            &url,
            "--curl",
            "openim",
            "query_online_status",
        ],
        None,
        Some(KEY),
    );
    assert!(stdout_of(&o).starts_with(
        "curl -sS -X POST -H 'Content-Type: application/json' -d '{}' 'http://127.0.0.1:"
    ));
    // Plain http to another host is refused: the URL carries an admin UserSig.
    let o = usersig(
        &[
            "rest-url",
            "--sdkappid",
            "1400000000",
            "--domain",
            "http://example.com",
            "a",
            "b",
        ],
        None,
        Some(KEY),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("loopback"));

    // A login and the state, over HTTP.
    let sig = sign("alice", &[]);
    let (status, v) = http(
        &addr,
        "POST",
        "/emulator/v1/login",
        &format!(r#"{{"UserID":"alice","UserSig":"{sig}","Platform":"Web","InstanceID":"tab1"}}"#),
    );
    assert_eq!(
        (status, v["ActionStatus"].as_str()),
        (200, Some("OK")),
        "{v}"
    );
    let (_, st) = http(&addr, "GET", "/emulator/v1/state", "");
    let alice = st["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["UserID"] == "alice")
        .unwrap();
    assert_eq!(alice["Nick"], "Alice");
    assert_eq!(alice["Online"][0]["InstanceID"], "tab1");

    // SIGTERM: a clean stop, exit 0.
    let pid = child.id().to_string();
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log = String::from_utf8(out.stderr).unwrap();
    let requests: Vec<&str> = log.lines().filter(|l| l.contains("request")).collect();
    assert_eq!(requests.len(), 3, "one line per request: {log}");
    assert!(
        requests[0].contains("/v4/im_open_login_svc/account_import")
            && requests[0].contains("usersig=[redacted]"),
        "{log}"
    );
    let admin_sig = full
        .split("usersig=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        !log.contains(admin_sig) && !log.contains(&sig) && !log.contains(KEY),
        "{log}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn emulator_refuses_bad_settings_before_listening() {
    for (args, needle) in [
        (
            vec!["emulator", "--sdkappid", "1400000000", "--now", "5"],
            "--now needs --clock manual",
        ),
        (
            vec![
                "emulator",
                "--sdkappid",
                "1400000000",
                "--web-instances",
                "11",
            ],
            "Web instances",
        ),
        (
            vec![
                "emulator",
                "--sdkappid",
                "1400000000",
                "--callback-url",
                "ftp://127.0.0.1/x",
            ],
            "callback URL",
        ),
        (vec!["emulator", "--sdkappid", "0"], "SDKAppID"),
    ] {
        let o = usersig(&args, None, Some(KEY));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(o.stdout.is_empty());
    }
    // No key: the same message as the other commands.
    let o = usersig(&["emulator", "--sdkappid", "1400000000"], None, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no secret key"));
}

fn stdout_of(o: &Output) -> String {
    stdout(o)
}

#[test]
fn verify_says_which_code_tencent_answers() {
    let sig = sign("alice", &["--expire", "60"]);
    let args = [
        "verify",
        "--sdkappid",
        "1400000000",
        "--now",
        "1700000061",
        "alice",
        &sig,
    ];
    let o = usersig(&args, None, Some(KEY));
    assert_eq!(o.status.code(), Some(1));
    let line = stdout(&o);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("(Tencent answers 70001 USERSIG_EXPIRED)"),
        "{line}"
    );
    let mut json_args = vec!["--json"];
    json_args.extend_from_slice(&args);
    let v = json(&usersig(&json_args, None, Some(KEY)));
    assert_eq!(v["tencent_code"], 70001);
    assert_eq!(v["tencent_code_name"], "USERSIG_EXPIRED");
    let v = json(&usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000001",
            "--now",
            "1700000000",
            "alice",
            &sig,
        ],
        None,
        Some(KEY),
    ));
    assert_eq!(v["tencent_code"], 70014, "a sig of another app");
    let v = json(&usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "alice",
            &sig,
        ],
        None,
        Some("another app's key"),
    ));
    assert_eq!(v["tencent_code"], 70009, "another app's key");
    let v = json(&usersig(
        &[
            "--json",
            "verify",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "bob",
            &sig,
        ],
        None,
        Some(KEY),
    ));
    assert_eq!(v["tencent_code"], 70013);
}
