//! Transcripts as golden files: a session recorded by `refundkit serve --record DIR` passes
//! `refundkit conform DIR`, an edited one fails it, no secret is written, and `refundkit
//! vectors export --transcripts DIR` makes the recorded answers tests that another
//! implementation runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

#[path = "../../refundkit-sim/tests/common/sample.rs"]
mod sample;

const BIN: &str = env!("CARGO_BIN_EXE_refundkit");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "refundkit-transcript-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Serves with `--record DIR` and sends the sample RBS refund's two requests (the order's
/// status, then refund.do); waits for both files.
fn record_a_session(dir: &Path) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--tls-port", "0", "--record"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let rbs = lines
        .find_map(|l| l.unwrap().strip_prefix("rbs ").map(|u| u.trim().to_owned()))
        .unwrap();
    let _server = Server(child);
    let credentials = sample::credentials();
    let mut refund = sample::planned_refunds(&[("rbs", rbs)], SystemTime::now())
        .into_iter()
        .find(|r| r.provider() == refundkit::ProviderId::Rbs)
        .unwrap();
    let client = reqwest::blocking::Client::new();
    for _ in 0..2 {
        let now = SystemTime::now();
        let refundkit::core::lifecycle::Action::Send(send) =
            refund.poll(now, &credentials).unwrap()
        else {
            panic!("a request is due")
        };
        refund.sent(&send, now).unwrap();
        let mut builder = client.request(
            send.request.method().clone(),
            send.request.uri().to_string(),
        );
        for (name, value) in send.request.headers() {
            builder = builder.header(name, value);
        }
        let answer = builder.body(send.request.body().clone()).send().unwrap();
        let status = answer.status().as_u16();
        let body = answer.bytes().unwrap();
        refund
            .on_answer(
                send.seq,
                refundkit::core::lifecycle::Answer::Received {
                    http_status: status,
                    body: &body,
                    headers: None,
                },
                &credentials,
                now,
            )
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while exchanges(dir).len() < 2 {
        assert!(Instant::now() < deadline, "the exchanges were not written");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn exchanges(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".exchange.json"))
        .collect();
    files.sort();
    files
}

fn conform(dir: &Path) -> (i32, String) {
    let out = Command::new(BIN).arg("conform").arg(dir).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_recorded_session_passes_conform_and_an_edited_one_fails_it() {
    let dir = scratch("conform");
    record_a_session(&dir);
    let files = exchanges(&dir);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "000001-rbs-getOrderStatusExtended.do.exchange.json",
            "000002-rbs-refund.do.exchange.json"
        ]
    );
    let (exit, table) = conform(&dir);
    assert_eq!(exit, 0, "{table}");
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("transcripts"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        ["transcripts", "2", "passed", "0", "failed"],
        "{table}"
    );
    // Another answer under the recorded reading: the golden file no longer holds.
    let mut exchange: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[1]).unwrap()).unwrap();
    assert_eq!(exchange["reading"]["verdict"], "success");
    exchange["answer"]["body"] = r#"{"errorCode":"7","errorMessage":"too much"}"#.into();
    std::fs::write(&files[1], exchange.to_string()).unwrap();
    let (exit, table) = conform(&dir);
    assert_eq!(exit, 1, "{table}");
    assert!(
        table.contains("FAIL 000002-rbs-refund.do.exchange.json"),
        "{table}"
    );
}

#[test]
fn a_recording_holds_no_credential() {
    let dir = scratch("secrets");
    record_a_session(&dir);
    let password = String::from_utf8(sample::read("sample-credentials/rbs-password.txt")).unwrap();
    for file in exchanges(&dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(password.trim_end()), "{}", file.display());
        assert!(text.contains("password=%5Bredacted%5D"), "{text}");
    }
}

#[test]
fn recorded_answers_become_tests_another_implementation_runs() {
    let dir = scratch("vectors");
    record_a_session(&dir);
    let suite = scratch("vectors-suite");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(BIN)
        .current_dir(&root)
        .args(["vectors", "export"])
        .arg(&suite)
        .arg("--transcripts")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(suite.join("rbs_transcript_test.json")).unwrap())
            .unwrap();
    assert_eq!(file["numberOfTests"], 2);
    assert_eq!(file["tests"][1]["flags"][0], "Recorded");
    let out = Command::new(BIN)
        .current_dir(&root)
        .args([
            "vectors",
            "check",
            "--harness",
            "python3 examples/python/refundkit_harness.py",
        ])
        .arg(&suite)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("rbs_transcript_test.json"))
        .unwrap();
    // The refund.do answer is read by the Python consumer; the status is skipped.
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["rbs_transcript_test.json", "2", "1", "0", "1", "0"]
    );
}
