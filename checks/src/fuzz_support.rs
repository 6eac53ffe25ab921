//! The fuzz harness both crates' property tests share (this crate's `fuzz_tests`, the binary's
//! `fuzz`): a proptest runner sized by `FUZZ_CASES`, and the checked-in seeds of
//! `tests/fuzz/seeds/<target>/` at the repository root. Not part of the library's API: built for
//! this crate's tests and, through the `fuzz-support` feature, for the binary's.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestRunner};
use std::path::PathBuf;

/// How many generated cases each target runs: `FUZZ_CASES`, default 64 (a short budget for CI).
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// A runner of [`cases`] cases that writes no regression files (a failure's shrunk input belongs
/// in the seed folder instead).
pub fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// The seeds of one target, sorted by file name, each with its path; panics when there are none,
/// so a moved folder cannot silently turn a target into generated cases only.
pub fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(format!("tests/fuzz/seeds/{target}"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// One of `texts`, each as likely as the others. In `prop_oneof!`, weigh it by `texts.len()` to
/// keep each text as likely as each of the other arms.
pub fn one_of(texts: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(texts).prop_map(str::to_string)
}
