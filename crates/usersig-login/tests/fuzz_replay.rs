//! Replays every input under `fuzz/seeds/<target>/` and
//! `fuzz/regressions/<target>/` through this crate's harness functions, so
//! that a crash found once stays fixed without a fuzzer installed. (The core
//! crate's `tests/fuzz_replay.rs` replays its own targets and checks that
//! every target directory is replayed by one of the two.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use usersig_login::fuzz_harness as h;

type Harness = fn(&[u8]);

const TARGETS: [(&str, Harness); 5] = [
    ("rest_response", h::rest_response),
    ("callback_query", h::callback_query),
    ("kick_and_code", h::kick_and_code),
    ("lifecycle", h::lifecycle),
    ("instances", h::instances),
];

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
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (name, harness) in TARGETS {
        let seeds = files(&fuzz.join("seeds").join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
        let regressions = files(&fuzz.join("regressions").join(name));
        for path in seeds.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| harness(&data));
            assert!(
                result.is_ok(),
                "{name}: {} broke an invariant",
                path.display()
            );
        }
    }
}
