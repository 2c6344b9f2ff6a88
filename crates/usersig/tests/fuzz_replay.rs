//! Replays every input under `fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/` through the core crate's harness functions,
//! so that a crash found once stays fixed without a fuzzer installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use usersig::fuzz_harness as h;

type Harness = fn(&[u8]);

/// The core targets, by the name of their `fuzz/fuzz_targets/*.rs` file.
const TARGETS: [(&str, Harness); 7] = [
    ("inspect", h::inspect),
    ("verify", h::verify),
    ("sign_verify", h::sign_verify),
    ("tamper", h::tamper),
    ("privmap", h::privmap),
    ("json_fast_path", h::json_fast_path),
    ("inflate_differential", h::inflate_differential),
];

/// The login crate's targets, replayed by its own `tests/fuzz_replay.rs`.
const LOGIN_TARGETS: [&str; 5] = [
    "rest_response",
    "callback_query",
    "kick_and_code",
    "lifecycle",
    "instances",
];

/// The targets whose harness is in `usersig-emulator` (replayed by its `tests/emulator.rs`).
const EMULATOR_TARGETS: [&str; 2] = ["emulator_rest", "emulator_endpoints"];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_seed_and_regression_replays() {
    let mut replayed = 0;
    for (name, harness) in TARGETS {
        let seeds = files(&fuzz_dir().join("seeds").join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
        let regressions = files(&fuzz_dir().join("regressions").join(name));
        for path in seeds.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| harness(&data));
            assert!(
                result.is_ok(),
                "{name}: {} broke an invariant",
                path.display()
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}

/// Every target directory belongs to a target one of the two crates replays,
/// and every fuzz target has its harness here or in the login crate.
#[test]
fn every_target_is_replayed() {
    let known = |n: &str| {
        TARGETS.iter().any(|(t, _)| *t == n)
            || LOGIN_TARGETS.contains(&n)
            || EMULATOR_TARGETS.contains(&n)
    };
    for sub in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(sub)) else {
            continue;
        };
        for e in entries {
            let name = e.unwrap().file_name().into_string().unwrap();
            assert!(known(&name), "fuzz/{sub}/{name} is replayed by no test");
        }
    }
    for e in std::fs::read_dir(fuzz_dir().join("fuzz_targets")).unwrap() {
        let file = e.unwrap().file_name().into_string().unwrap();
        let name = file.trim_end_matches(".rs");
        assert!(known(name), "fuzz target {name} is replayed by no test");
    }
}
