//! `refundkit demo`: the main job on embedded defaults, as a newcomer runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn demo() -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .arg("demo")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_demo_refunds_every_provider_exactly_once_through_faults_and_a_killed_worker() {
    let (code, stdout, stderr) = demo();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for provider in refundkit::ProviderId::ALL {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("demo-{provider} ")))
            .unwrap_or_else(|| panic!("no row for {provider}: {stdout}"));
        assert!(row.contains(" done "), "{row}");
        assert!(row.ends_with(" once"), "{row}");
    }
    assert!(
        stdout.contains("every refund happened exactly once"),
        "{stdout}"
    );
    // Every fault of the scenario fired, and a worker died with a request in flight.
    let faults = stdout
        .lines()
        .find(|l| l.starts_with("faults fired: "))
        .unwrap();
    let (fired, of) = faults
        .trim_start_matches("faults fired: ")
        .split_once(" of ")
        .unwrap();
    assert_eq!(fired, of.split(' ').next().unwrap(), "{faults}");
    assert!(
        faults.contains("a worker killed in the middle of "),
        "{faults}"
    );
    assert!(!faults.contains("nothing (no second"), "{faults}");
    assert!(stderr.contains("demo-worker-2 started"), "{stderr}");
}

#[test]
fn the_demos_progress_on_a_pipe_is_plain_lines_and_its_journal_is_removed() {
    let (code, _, stderr) = demo();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
    let dir = stderr
        .lines()
        .find_map(|l| l.strip_prefix("demo: a journal in "))
        .and_then(|l| l.split(" (SQLite)").next())
        .unwrap();
    assert!(!std::path::Path::new(dir).exists(), "{dir} left behind");
}
