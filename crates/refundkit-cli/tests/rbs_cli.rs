//! The `refundkit rbs` verbs through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn testdata(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rbs")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // A command that fails on its flags exits without reading stdin.
    let _ = pipe.write_all(stdin.unwrap_or_default());
    drop(pipe);
    child.wait_with_output().unwrap()
}

#[test]
fn encode_prints_the_seed_body_byte_for_byte() {
    let out = run(&["rbs", "encode", &testdata("requests/seed.json")], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("forms/seed.form")).unwrap()
    );
    let out = run(
        &["rbs", "encode"],
        Some(&std::fs::read(testdata("requests/everything.json")).unwrap()),
    );
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("forms/everything.form")).unwrap()
    );
}

#[test]
fn encode_refuses_invalid_input_with_every_violation() {
    let out = run(
        &[
            "rbs",
            "encode",
            &testdata("requests/every-rule-broken.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        10,
        "{err}"
    );
    assert!(err.contains("jsonParams.loyaltyId"));
    for bad in [
        &br#"{"orderId": "x", "amount": 1}"#[..],
        br#"{"userName": "a", "password": "b", "token": "c", "orderId": "x", "amount": 1}"#,
        br#"{"userName": "a", "password": "b", "orderId": "x", "amount": 10.5}"#,
        br#"{"userName": "a", "password": "b", "orderId": "x", "amount": 1, "amout": 2}"#,
    ] {
        assert_eq!(run(&["rbs", "encode"], Some(bad)).status.code(), Some(1));
    }
}

#[test]
fn parse_response_exits_0_accepted_3_refused_1_malformed() {
    for (file, code, line) in [
        ("responses/seed-success.json", 0, "accepted\n"),
        ("responses/success-absent.json", 0, "accepted\n"),
        (
            "responses/7-exceeds.json",
            3,
            "refused 7 refund exceeds the debited amount: The refund amount exceeds the debited amount.\n",
        ),
        (
            "responses/unknown-code.json",
            3,
            "refused 42 unknown code: Something new\n",
        ),
        ("responses/proxy-error.html", 1, "malformed\n"),
    ] {
        let out = run(&["rbs", "parse-response", &testdata(file)], None);
        assert_eq!(out.status.code(), Some(code), "{file}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), line);
    }
}

#[test]
fn the_password_never_reaches_diagnostics() {
    let out = run(
        &["rbs", "encode"],
        Some(br#"{"userName": "", "password": "s3cret-pass", "orderId": "x", "amount": 1}"#),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret-pass"));
}
