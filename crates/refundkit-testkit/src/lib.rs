//! What refundkit's test suites share. A dev-dependency only: nothing here ships.
#![forbid(unsafe_code)]
// Test support: a failed expectation is reported by panicking.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use refundkit_core::conformance::{self, VectorResult};

/// Values an answer's member may take: codes as numbers and strings, zero padded or not,
/// booleans and their string look-alikes, nulls, nested error objects, and other kinds.
pub const MEMBER_VALUES: &[&str] = &[
    "0",
    "\"0\"",
    "\"000\"",
    "7",
    "\"7\"",
    "\"5\"",
    "true",
    "false",
    "\"true\"",
    "null",
    "\"x\"",
    "\"\"",
    "[1]",
    "1.5",
    "{\"code\":5}",
    "{\"code\":\"0\",\"message\":\"x\"}",
    "{\"message\":\"Access denied.\"}",
    "{}",
];

/// A JSON object whose members are drawn from `keys` (names a parser knows, and others) and
/// [`MEMBER_VALUES`], in any order, sometimes repeated: what a property test feeds a response
/// parser to check that nothing without the success marker reads as a success.
pub fn json_object(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    json_object_of(keys, MEMBER_VALUES)
}

/// [`json_object`] with the member values drawn from `values` (JSON texts).
pub fn json_object_of(
    keys: &'static [&'static str],
    values: &'static [&'static str],
) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            proptest::sample::select(keys),
            proptest::sample::select(values),
        ),
        0..6,
    )
    .prop_map(|members| {
        let inner: Vec<String> = members
            .into_iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k)))
            .collect();
        format!("{{{}}}", inner.join(","))
    })
}

/// An HTTP status an answer may come with.
pub fn http_status() -> impl Strategy<Value = u16> {
    proptest::sample::select(&[200u16, 201, 204, 400, 401, 404, 409, 500, 502, 503][..])
}

/// `json` read back as a value (for the independent oracle a property compares against).
pub fn value(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or(serde_json::Value::Null)
}

/// Whether a member value states "no error": absent, `null`, or a zero code however padded.
pub fn is_zero_or_absent(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Number(n) => n.as_u64() == Some(0),
        serde_json::Value::String(s) => !s.trim().is_empty() && s.trim().bytes().all(|b| b == b'0'),
        _ => false,
    }
}

/// A file of the public peer data kept beside the project (`../shared/peer-data/`: messages
/// and certificates others published, kept out of this repository; see its README).
///
/// `None`, with a notice, when the directory is not there (a clone without `../shared`);
/// when `REFUNDKIT_REQUIRE_PEER_DATA` is set, as CI sets it, a missing file fails the test.
pub fn peer_data(path: &str) -> Option<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peer-data");
    match std::fs::read(root.join(path)) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var_os("REFUNDKIT_REQUIRE_PEER_DATA").is_some() => {
            panic!("peer data {path}: {e} (REFUNDKIT_REQUIRE_PEER_DATA is set)")
        }
        Err(e) => {
            eprintln!("skipped: peer data {path} is not here ({e}); CI runs it");
            None
        }
    }
}

/// The workspace's `testdata/<provider>` directory.
pub fn testdata(provider: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(provider)
}

/// A provider's golden vectors, as its `conformance::run_dir` ran them: at least `min` of them,
/// and every one passing (all failures listed at once).
pub fn assert_golden(run: Result<Vec<VectorResult>, conformance::Error>, min: usize) {
    let outcomes = run.unwrap_or_else(|e| panic!("the vectors cannot run: {e}"));
    assert!(outcomes.len() >= min, "only {} vectors", outcomes.len());
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| format!("{}: {e}", o.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where a crate's rules are exercised: its integration tests (`tests/*.rs`), its unit tests
/// (`src/**/tests.rs`), and the golden vectors of `testdata/<provider>/vectors.json`, whose
/// runner compares every reported violation.
pub fn test_sources(crate_dir: &Path, provider: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                walk(&path, keep, out);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    let rust = |p: &Path| p.extension().is_some_and(|e| e == "rs");
    walk(&crate_dir.join("tests"), &rust, &mut out);
    walk(
        &crate_dir.join("src"),
        &|p: &Path| p.file_name().is_some_and(|n| n == "tests.rs"),
        &mut out,
    );
    out.push(testdata(provider).join("vectors.json"));
    out
}

/// The codes of a `violation_codes!` table (`(constant, value)` pairs) that no file of
/// `sources` exercises. A Rust test exercises a code by naming its constant (`::UNDER_ONE_ROUBLE`)
/// or its value in quotes; a golden vector by expecting it (`"warning refundAmount
/// under_one_rouble"`). A rule whose code is exercised nowhere could be deleted with every
/// suite green: this is the test that notices.
pub fn unexercised<'a>(table: &[(&'a str, &'a str)], sources: &[PathBuf]) -> Vec<&'a str> {
    let texts: Vec<String> = sources
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    table
        .iter()
        .filter(|(name, value)| {
            !texts.iter().any(|t| {
                t.contains(&format!("::{name}"))
                    || t.contains(&format!("\"{value}\""))
                    || t.contains(&format!(" {value}\""))
            })
        })
        .map(|(name, _)| *name)
        .collect()
}
