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
    // `next --state FILE` writes the state back: each case runs on a copy of its state.
    let scratch = std::env::temp_dir().join(format!("refundkit-lifecycle-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let mut args: Vec<String> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        if let Some(at) = args.iter().position(|a| a == "--state") {
            let copy = scratch.join(format!("{i:02}.json"));
            std::fs::copy(dir().join(&args[at + 1]), &copy).unwrap();
            args[at + 1] = copy.to_string_lossy().into_owned();
        }
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
    std::fs::remove_dir_all(&scratch).unwrap();
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
                out.starts_with("reconcile\n")
                    || out.starts_with("review\n")
                    || out.starts_with("mismatch\n"),
                "{out}"
            );
        }
    }
}

fn refundkit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(args)
        .current_dir(dir())
        .output()
        .unwrap()
}

#[test]
fn plan_writes_a_state_that_next_drives_to_done_writing_it_back_at_every_step() {
    let state = std::env::temp_dir().join(format!("refundkit-walk-{}.json", std::process::id()));
    let state = state.to_str().unwrap();
    let at = |now: &str, extra: &[&str]| {
        let mut args = vec!["yookassa", "next", "--state", state, "--now", now];
        args.extend_from_slice(extra);
        let out = refundkit(&args);
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let out = refundkit(&[
        "plan",
        "--provider",
        "yookassa",
        "--state",
        state,
        "--now",
        "1795428000",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let (code, out) = at("1795428000", &["--send"]);
    assert_eq!(code, Some(4));
    assert!(out.starts_with("send\n"), "{out}");
    assert!(out.contains("request: 1\n"), "{out}");
    // The request is in flight: a second --send is refused, the state unchanged.
    let before = std::fs::read(state).unwrap();
    assert_eq!(at("1795428000", &["--send"]).0, Some(1));
    assert_eq!(std::fs::read(state).unwrap(), before);
    assert_eq!(at("1795428000", &["yookassa.in-progress.xml"]).0, Some(4));
    // Nothing in flight now: an answer has no request to be about.
    assert_eq!(at("1795428100", &["yookassa.done.xml"]).0, Some(1));
    assert!(at("1795428100", &["--send"]).1.contains("request: 2\n"));
    let (code, out) = at("1795428100", &["yookassa.done.xml"]);
    assert_eq!((code, out.lines().next()), (Some(0), Some("done")));
    std::fs::remove_file(state).unwrap();
}

#[test]
fn plan_writes_a_state_only_for_one_provider() {
    let out = refundkit(&["plan", "--state", "/nonexistent/state.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--provider"));
}

#[test]
fn next_with_a_request_file_is_a_usage_error_naming_its_replacement() {
    let out = refundkit(&["rbs", "next", "--refund", "rbs.refund.http", "--lost"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plan --provider rbs --state FILE"),
        "{stderr}"
    );
}
