//! The lifecycle commands (`next`, `status`, `op-key`, `webhook`) against their golden
//! outputs: `testdata/lifecycle/cases.json` lists each command line with its exit code and its
//! output, written by `testdata/lifecycle/make_cases.py`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/lifecycle")
}

#[test]
fn every_lifecycle_command_prints_its_golden_output_and_exits_as_the_contract_says() {
    let cases: Value =
        serde_json::from_slice(&std::fs::read(dir().join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_refundkit"))
            .args(&args)
            .current_dir(dir())
            .output()
            .unwrap();
        let expected = std::fs::read(dir().join(case["stdout"].as_str().unwrap())).unwrap();
        let code = i64::from(out.status.code().unwrap_or(-1));
        if code != case["exit"].as_i64().unwrap() || out.stdout != expected {
            failures.push(format!(
                "{name}: exit {code}, stdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn exit_5_is_only_for_an_unknown_outcome_or_an_answer_about_another_refund() {
    let cases: Value =
        serde_json::from_slice(&std::fs::read(dir().join("cases.json")).unwrap()).unwrap();
    for case in cases["cases"].as_array().unwrap() {
        if case["exit"] == 5 {
            let out =
                std::fs::read_to_string(dir().join(case["stdout"].as_str().unwrap())).unwrap();
            assert!(
                out.starts_with("reconcile\n") || out.starts_with("mismatch\n"),
                "{out}"
            );
        }
    }
}
