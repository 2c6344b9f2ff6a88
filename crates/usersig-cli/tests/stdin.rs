//! `usersig sign --stdin`, USERSIG_SDKAPPID, and privmap's room arguments.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{KEY, run, stderr, stdout, subcommands};
use usersig::{SecretKey, Signer};

const APP: u32 = 1_400_000_000;

fn signer() -> Signer {
    Signer::new(APP, &SecretKey::new(KEY).unwrap()).unwrap()
}

fn sign_stdin(extra: &[&str], input: &[u8]) -> std::process::Output {
    let mut args = vec![
        "sign",
        "--sdkappid",
        "1400000000",
        "--now",
        "1700000000",
        "--expire",
        "86400",
        "--stdin",
    ];
    args.extend_from_slice(extra);
    run(&args, &[("USERSIG_KEY", KEY)], input)
}

#[test]
fn one_sig_per_line_in_order() {
    let ids = ["xiaojun", "小军", "alice bob", "u-1", "xiaojun"];
    let mut input = ids.join("\n");
    input.push('\n');
    let o = sign_stdin(&[], input.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let s = signer();
    let expected: Vec<String> = ids
        .iter()
        .map(|id| s.sign_at(id, 86_400, 1_700_000_000).unwrap())
        .collect();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
    // The same sig as a single `usersig sign` of the line.
    let single = run(
        &[
            "sign",
            "--sdkappid",
            "1400000000",
            "--now",
            "1700000000",
            "--expire",
            "86400",
            "小军",
        ],
        &[("USERSIG_KEY", KEY)],
        b"",
    );
    assert_eq!(stdout(&single).trim_end(), expected[1]);
}

#[test]
fn crlf_lines_a_missing_final_newline_and_no_input() {
    let o = sign_stdin(&[], b"alice\r\nbob");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let s = signer();
    assert_eq!(
        stdout(&o),
        format!(
            "{}\n{}\n",
            s.sign_at("alice", 86_400, 1_700_000_000).unwrap(),
            s.sign_at("bob", 86_400, 1_700_000_000).unwrap()
        )
    );
    let o = sign_stdin(&[], b"");
    assert_eq!((o.status.code(), o.stdout.len()), (Some(0), 0), "{o:?}");
}

#[test]
fn with_a_userbuf_and_the_stored_mode() {
    let o = sign_stdin(
        &["--userbuf-hex", "00ff10", "--compression", "stored"],
        b"a\nb\n",
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let s = signer().with_compression(usersig::Compression::Stored);
    let expected: Vec<String> = ["a", "b"]
        .iter()
        .map(|id| {
            s.sign_with_userbuf_at(id, 86_400, &[0, 0xff, 0x10], 1_700_000_000)
                .unwrap()
        })
        .collect();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn a_bad_line_stops_with_its_number_after_the_lines_before_it() {
    let s = signer();
    let first = s.sign_at("alice", 86_400, 1_700_000_000).unwrap();
    for (input, line, why) in [
        (&b"alice\n\nbob\n"[..], 2, "identifier is empty"),
        (&b"alice\nbo\x01b\nbob\n"[..], 2, "control character"),
        (&b"alice\nbob\n\xff\xfe\ncarol\n"[..], 3, "not UTF-8 text"),
    ] {
        let o = sign_stdin(&[], input);
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("usersig: standard input line {line}: ")),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        let out = stdout(&o);
        assert_eq!(out.lines().next(), Some(first.as_str()), "{out}");
        assert_eq!(out.lines().count(), line - 1, "{out}");
    }
}

#[test]
fn many_lines_stay_in_order() {
    let ids: Vec<String> = (0..20_000).map(|i| format!("user-{i}")).collect();
    let o = sign_stdin(&["--compression", "stored"], ids.join("\n").as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = usersig::Verifier::new(APP, &SecretKey::new(KEY).unwrap()).unwrap();
    let out = stdout(&o);
    let sigs: Vec<&str> = out.lines().collect();
    assert_eq!(sigs.len(), ids.len());
    for (id, sig) in ids.iter().zip(sigs).step_by(997) {
        assert_eq!(v.verify_at(id, sig, 1_700_000_001).unwrap().identifier, *id);
    }
}

#[test]
fn json_lines_one_object_per_line() {
    let o = run(
        &[
            "--json",
            "sign",
            "--now",
            "1700000000",
            "--expire",
            "60",
            "--stdin",
        ],
        &[("USERSIG_KEY", KEY), ("USERSIG_SDKAPPID", "1400000000")],
        b"alice\nbob\n",
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    for (v, id) in objects.iter().zip(["alice", "bob"]) {
        assert_eq!(v["identifier"], id);
        assert_eq!(v["sdkappid"], APP);
        assert_eq!(v["expires_at"], 1_700_000_060);
        assert_eq!(
            v["usersig"],
            signer().sign_at(id, 60, 1_700_000_000).unwrap()
        );
    }
}

#[test]
fn stdin_and_an_identifier_exclude_each_other() {
    let o = sign_stdin(&["alice"], b"bob\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--stdin"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

/// The app id inside a sig, read without the key.
fn sdkappid_of(sig: &str) -> u64 {
    let o = run(&["--json", "inspect", sig], &[], b"");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["sdkappid"].as_u64().unwrap()
}

#[test]
fn usersig_sdkappid_stands_in_for_the_flag_and_the_flag_wins() {
    let key = ("USERSIG_KEY", KEY);
    let args = ["sign", "--now", "1700000000", "xiaojun"];
    let from_env = run(&args, &[key, ("USERSIG_SDKAPPID", "1400000000")], b"");
    assert_eq!(from_env.status.code(), Some(0), "{from_env:?}");
    assert_eq!(
        stdout(&from_env).trim_end(),
        signer()
            .sign_at("xiaojun", usersig::DEFAULT_EXPIRE, 1_700_000_000)
            .unwrap()
    );
    let flag = run(
        &[
            "sign",
            "--sdkappid",
            "1400000001",
            "--now",
            "1700000000",
            "xiaojun",
        ],
        &[key, ("USERSIG_SDKAPPID", "1400000000")],
        b"",
    );
    assert_eq!(flag.status.code(), Some(0), "{flag:?}");
    assert_eq!(sdkappid_of(stdout(&flag).trim_end()), 1_400_000_001);
    // verify and privmap read it too.
    let sig = stdout(&from_env).trim_end().to_owned();
    let o = run(
        &["verify", "--now", "1700000000", "xiaojun", &sig],
        &[key, ("USERSIG_SDKAPPID", "1400000000")],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = run(
        &["verify", "--now", "1700000000", "xiaojun", &sig],
        &[key, ("USERSIG_SDKAPPID", "1400000001")],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let o = run(
        &["privmap", "--expire", "60", "--room-id", "7", "xiaojun"],
        &[key, ("USERSIG_SDKAPPID", "1400000002")],
        b"",
    );
    assert_eq!(sdkappid_of(stdout(&o).trim_end()), 1_400_000_002);
    // A value that is not an app id is a usage error naming the flag.
    let o = run(&args, &[key, ("USERSIG_SDKAPPID", "app")], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--sdkappid"), "{}", stderr(&o));
}

#[test]
fn callback_verify_reads_usersig_sdkappid_and_its_flag_wins() {
    // SPEC 5's vector: token xxxxyyyy, RequestTime 1669872112, app 1400000000.
    let query = "SdkAppid=1400000000&CallbackCommand=State.StateChange&contenttype=json&ClientIP=10.0.0.1&OptPlatform=Web&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
    let check = |flag: Option<&str>, env: &str| {
        let mut args = vec![
            "callback-verify",
            "--token",
            "xxxxyyyy",
            "--now",
            "1669872112",
        ];
        if let Some(f) = flag {
            args.extend(["--sdkappid", f]);
        }
        args.push(query);
        run(&args, &[("USERSIG_SDKAPPID", env)], b"").status.code()
    };
    assert_eq!(check(None, "1400000000"), Some(0));
    assert_eq!(check(None, "1400000001"), Some(1));
    assert_eq!(check(Some("1400000000"), "1400000001"), Some(0));
    assert_eq!(check(Some("1400000001"), "1400000000"), Some(1));
}

#[test]
fn every_subcommand_with_sdkappid_documents_the_variable() {
    let mut with = Vec::new();
    for sub in subcommands() {
        let help = stdout(&run(&[&sub, "--help"], &[], b""));
        if help.contains("--sdkappid") {
            assert!(help.contains("[env: USERSIG_SDKAPPID="), "{sub}: {help}");
            with.push(sub);
        }
    }
    for sub in ["sign", "verify", "privmap", "rest-url", "callback-verify"] {
        assert!(with.iter().any(|w| w == sub), "{sub} not in {with:?}");
    }
}

#[test]
fn privmap_without_a_room_names_both_room_flags() {
    let privmap = |rooms: &[&str]| {
        let mut args = vec!["privmap", "--sdkappid", "1400000000", "--expire", "60"];
        args.extend_from_slice(rooms);
        args.push("xiaojun");
        run(&args, &[("USERSIG_KEY", KEY)], b"")
    };
    let o = privmap(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("--room-id") && err.contains("--room-str"),
        "{err}"
    );
    // Both at once is refused as before; either alone issues a ticket.
    let o = privmap(&["--room-id", "1", "--room-str", "a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    for room in [["--room-id", "1"], ["--room-str", "a"]] {
        assert_eq!(privmap(&room).status.code(), Some(0));
    }
}

#[test]
fn each_sig_comes_out_before_the_next_line_goes_in() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = Command::new(env!("CARGO_BIN_EXE_usersig"))
        .args(["sign", "--sdkappid", "1400000000", "--now", "1700000000"])
        .args(["--expire", "86400", "--stdin"])
        .env("USERSIG_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    // Lines are read on another thread, so that a sig held back in a
    // buffer fails the test after a bounded wait instead of hanging it.
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for _ in 0..3 {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap() == 0 || tx.send(line).is_err() {
                return;
            }
        }
    });
    let s = signer();
    for id in ["alice", "bob", "carol"] {
        writeln!(input, "{id}").unwrap();
        input.flush().unwrap();
        let got = rx.recv_timeout(Duration::from_secs(20));
        if got.is_err() {
            let _ = child.kill();
        }
        let want = s.sign_at(id, 86_400, 1_700_000_000).unwrap();
        assert_eq!(got.unwrap().trim_end(), want, "{id}");
    }
    drop(input);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}
