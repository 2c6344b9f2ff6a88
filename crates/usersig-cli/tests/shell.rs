//! `usersig completions SHELL` and the man pages (`usersig man DIR`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{run, stderr, stdout, subcommands};

fn script(shell: &str) -> String {
    let o = run(&["completions", shell], &[], b"");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    stdout(&o)
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sources the bash script in a clean bash, then runs `then` there.
fn bash(then: &str) -> String {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch(&format!(
        "bash-completion-{}",
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    let file = dir.join("usersig.bash");
    std::fs::write(&file, script("bash")).unwrap();
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!("source '{}' && {then}", file.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

/// What bash offers for the command line `words` (the last word being completed).
fn complete(words: &[&str]) -> Vec<String> {
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let line = words.join(" ");
    let array: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let out = bash(&format!(
        "COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         _usersig usersig '{}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        array.join(" "),
        words[cword]
    ));
    out.lines().map(str::to_owned).collect()
}

#[test]
fn bash_registers_the_completion_after_sourcing() {
    let out = bash("complete -p usersig");
    assert!(out.contains("-F _usersig"), "{out}");
    assert_eq!(out.split_whitespace().last(), Some("usersig"), "{out}");
}

#[test]
fn bash_completes_subcommands_flags_and_shells() {
    assert_eq!(complete(&["usersig", "si"]), ["sign"]);
    assert_eq!(complete(&["usersig", "sign", "--sd"]), ["--sdkappid"]);
    assert_eq!(complete(&["usersig", "sign", "--st"]), ["--stdin"]);
    assert_eq!(
        complete(&["usersig", "privmap", "--room-"]),
        ["--room-id", "--room-str"]
    );
    let shells = complete(&["usersig", "completions", ""]);
    for s in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.iter().any(|x| x == s), "{shells:?}");
    }
    // Every visible subcommand is offered; the hidden `man` is not.
    let all = complete(&["usersig", ""]);
    for sub in subcommands() {
        assert!(all.contains(&sub), "{sub} not in {all:?}");
    }
    assert!(!all.iter().any(|s| s == "man"), "{all:?}");
}

#[test]
fn zsh_fish_and_powershell_scripts_cover_every_subcommand() {
    let zsh = script("zsh");
    assert!(zsh.starts_with("#compdef usersig\n"), "{zsh}");
    let fish = script("fish");
    assert!(fish.contains("complete -c usersig"), "{fish}");
    let ps = script("powershell");
    assert!(
        ps.contains("Register-ArgumentCompleter -Native -CommandName 'usersig'"),
        "{ps}"
    );
    for sub in subcommands() {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh lacks {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish lacks {sub}");
        assert!(ps.contains(&format!("'{sub}'")), "powershell lacks {sub}");
    }
    for s in [&zsh, &fish, &ps] {
        assert!(s.contains("sdkappid") && s.contains("stdin"));
        assert!(!s.contains("'man'") && !s.contains("\"man\""));
    }
}

/// Whether `shell` is installed. bash is required; zsh and fish are checked
/// where they are, and must be where USERSIG_REQUIRE_SHELLS=1 (CI installs them).
fn installed(shell: &str) -> bool {
    let found = Command::new(shell)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("USERSIG_REQUIRE_SHELLS").is_none(),
            "{shell} is not installed, and USERSIG_REQUIRE_SHELLS is set"
        );
        eprintln!("note: {shell} is not installed: its completions were not run");
    }
    found
}

/// Runs `script` in `shell` with the completion file `name` written beside it.
fn in_shell(shell: &[&str], name: &str, completions: &str, script: &str) -> String {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch(&format!(
        "{}-{}",
        shell[0],
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(dir.join(name), completions).unwrap();
    let o = Command::new(shell[0])
        .args(&shell[1..])
        .arg(script)
        .current_dir(&dir)
        .env("HOME", &dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn zsh_registers_the_completion_function() {
    if !installed("zsh") {
        return;
    }
    let out = in_shell(
        &["zsh", "-f", "-c"],
        "_usersig",
        &script("zsh"),
        "autoload -U compinit && compinit -u -D && source ./_usersig && print -r -- $_comps[usersig]",
    );
    assert_eq!(out, "_usersig\n");
}

#[test]
fn fish_completes_subcommands_and_flags() {
    if !installed("fish") {
        return;
    }
    let out = in_shell(
        &["fish", "--no-config", "-c"],
        "usersig.fish",
        &script("fish"),
        "source usersig.fish; complete -C 'usersig si'; echo ==; \
         complete -C 'usersig sign --sd'; echo ==; complete -C 'usersig '",
    );
    let parts: Vec<Vec<&str>> = out
        .split("==\n")
        .map(|p| p.lines().map(|l| l.split('\t').next().unwrap()).collect())
        .collect();
    assert_eq!(parts[0], ["sign"], "{out}");
    assert_eq!(parts[1], ["--sdkappid"], "{out}");
    for sub in subcommands() {
        assert!(parts[2].contains(&sub.as_str()), "{sub}: {out}");
    }
    assert!(!parts[2].contains(&"man"), "{out}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let o = run(&["completions", "tcsh"], &[], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("powershell"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_man_page_for_the_command_and_each_subcommand() {
    let dir = scratch("man");
    let o = run(&["man", dir.to_str().unwrap()], &[], b"");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let mut expected = vec!["usersig.1".to_owned()];
    expected.extend(subcommands().iter().map(|s| format!("usersig-{s}.1")));
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    // Each path written is printed.
    assert_eq!(stdout(&o).lines().count(), expected.len());
    let version = env!("CARGO_PKG_VERSION");
    for page in &expected {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        let name = page.trim_end_matches(".1");
        assert!(
            text.contains(&format!(".TH {name} 1  \"usersig {version}\"")),
            "{page}: {text}"
        );
        assert!(text.contains(".SH SYNOPSIS"), "{page}");
    }
    let sign = std::fs::read_to_string(dir.join("usersig-sign.1")).unwrap();
    for needle in [r"\-\-stdin", r"\-\-sdkappid", r"\fBUSERSIG_SDKAPPID\fR"] {
        assert!(sign.contains(needle), "{needle}: {sign}");
    }
    let top = std::fs::read_to_string(dir.join("usersig.1")).unwrap();
    assert!(top.contains("usersig\\-sign(1)"), "{top}");
}

#[test]
fn man_into_an_impossible_directory_is_an_input_error() {
    let dir = scratch("man-blocked");
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let target = file.join("man");
    let o = run(&["man", target.to_str().unwrap()], &[], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("usersig: cannot create "), "{o:?}");
}
