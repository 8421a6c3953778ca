//! `refundkit journal`'s rules as a person at a terminal meets them, one test per rule: flags
//! out of range refused at start naming the flag, reading never writes, an empty file is said
//! to be one, ids and descriptions refused naming the field, and a provider that cannot be
//! reached never stops a worker.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::run;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "refundkit-journal-cli-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn db(dir: &std::path::Path) -> (PathBuf, String) {
    let file = dir.join("journal.db");
    let url = format!("sqlite:{}", file.display());
    (file, url)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An RBS refund of `sum` on a 1000.00 order, sent to `base`.
fn rbs(base: &str, sum: &str) -> String {
    serde_json::json!({
        "order": {"lines": [{"id": "x", "name": "Товар", "unit_price": "1000.00", "quantity": "1",
            "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
        "refund": {"sum": sum},
        "references": {"rbs_order_id": "148a2a67-25ff-7d1b-b28d-391800a7dca8"},
        "settings": {"rbs": {"base_url": base}}
    })
    .to_string()
}

fn submit(url: &str, id: &str, description: &str, provider: &str) -> Output {
    run(
        &[
            "journal",
            "submit",
            "--db",
            url,
            "--provider",
            provider,
            "--id",
            id,
        ],
        Some(description.as_bytes()),
    )
}

#[test]
fn journal_run_refuses_a_flag_out_of_its_range_at_start_naming_the_flag() {
    let dir = scratch("flags");
    let (_, url) = db(&dir);
    for (flag, value) in [
        ("--lease", "18446744073709551615"),
        ("--lease", "0"),
        ("--timeout", "0"),
        ("--max-attempts", "0"),
        ("--max-age", "0"),
        ("--workers", "0"),
    ] {
        let out = run(
            &[
                "journal",
                "run",
                "--db",
                &url,
                "--sample-credentials",
                flag,
                value,
            ],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flag} {value}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(flag),
            "{flag} {value}: {}",
            stderr(&out)
        );
    }
    assert!(!dir.join("journal.db").exists(), "nothing was opened");
}

#[test]
fn journal_run_refuses_a_trust_root_or_tls_identity_that_is_not_one_naming_the_flag() {
    let dir = scratch("pem");
    let (_, url) = db(&dir);
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let cert = common::testdata("sample-credentials", "yookassa-shop.crt");
    let key = common::testdata("sample-credentials", "yookassa-shop.key");
    let not_pem = not_pem.to_string_lossy().into_owned();
    for (args, flag) in [
        (vec!["--ca", not_pem.as_str()], "--ca"),
        (vec!["--ca", key.as_str()], "--ca"),
        (
            vec![
                "--yookassa-tls-cert",
                cert.as_str(),
                "--yookassa-tls-key",
                cert.as_str(),
            ],
            "--yookassa-tls-key",
        ),
        (
            vec![
                "--yookassa-tls-cert",
                key.as_str(),
                "--yookassa-tls-key",
                key.as_str(),
            ],
            "--yookassa-tls-cert",
        ),
    ] {
        let mut argv = vec![
            "journal",
            "run",
            "--db",
            &url,
            "--sample-credentials",
            "--max-seconds",
            "1",
        ];
        argv.extend(args.iter().copied());
        let out = run(&argv, None);
        assert_eq!(out.status.code(), Some(2), "{argv:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{argv:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("builder error"), "{}", stderr(&out));
    }
}

#[test]
fn journal_show_reads_without_writing_even_while_a_worker_holds_the_write_lock() {
    let dir = scratch("read-only");
    let (file, url) = db(&dir);
    let out = submit(
        &url,
        "r-1",
        &rbs("http://127.0.0.1:9/rbs/payment/rest", "10.00"),
        "rbs",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(&file).unwrap();
    // A writer holds the lock: opening to migrate would wait for it (and fail after 30 s).
    let writer = rusqlite::Connection::open(&file).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = run(&["journal", "show", "--db", &url], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("r-1  rbs  pending  10.00"));
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "show wrote the journal"
    );
}

#[test]
fn journal_show_of_a_missing_or_empty_file_says_there_is_no_journal_and_makes_none() {
    let dir = scratch("empty-show");
    let (file, url) = db(&dir);
    let out = run(&["journal", "show", "--db", &url], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!file.exists(), "show made a file");
    std::fs::write(&file, b"").unwrap();
    let out = run(&["journal", "show", "--db", &url], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no journal at"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0);
}

#[test]
fn a_journal_made_in_an_empty_file_or_from_nothing_for_a_worker_is_said_to_be_new() {
    let dir = scratch("empty-submit");
    let (file, url) = db(&dir);
    std::fs::write(&file, b"").unwrap();
    let out = submit(
        &url,
        "r-1",
        &rbs("http://127.0.0.1:9/rbs/payment/rest", "10.00"),
        "rbs",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was an empty file"),
        "{}",
        stderr(&out)
    );
    let other = dir.join("typo.db");
    let out = run(
        &[
            "journal",
            "run",
            "--db",
            &format!("sqlite:{}", other.display()),
            "--sample-credentials",
            "--until-settled",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("there was no journal at"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn journal_submit_refuses_an_id_with_a_control_character_and_never_prints_it_raw() {
    let dir = scratch("id");
    let (_, url) = db(&dir);
    for id in ["r-1\n2026-12-07 r-2 rbs done", "r\u{1b}[2J", ""] {
        let out = submit(
            &url,
            id,
            &rbs("http://127.0.0.1:9/rbs/payment/rest", "10.00"),
            "rbs",
        );
        assert_eq!(out.status.code(), Some(1), "{id:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("refund id"),
            "{id:?}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains('\u{1b}') && !stderr(&out).contains("\n2026"));
    }
    let out = run(&["journal", "show", "--db", &url], None);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn plan_and_submit_refuse_a_description_a_provider_could_not_take_naming_the_field() {
    let dir = scratch("descriptions");
    let (_, url) = db(&dir);
    let robokassa = |op_key: &str| {
        serde_json::json!({
            "order": {"lines": [{"id": "x", "name": "Товар", "unit_price": "1000.00", "quantity": "1",
                "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
            "refund": {"sum": "10.00"},
            "references": {"robokassa_op_key": op_key}
        })
        .to_string()
    };
    for (provider, description, field) in [
        (
            "rbs",
            rbs("http://127.0.0.1:9/rbs/payment/rest", "1000.01"),
            "refund.sum",
        ),
        (
            "rbs",
            rbs("http://127.0.0.1:9/rbs/payment/rest", "10.00")
                .replace("391800a7dca8", "391800a7\\r\\n"),
            "references.rbs_order_id",
        ),
        (
            "rbs",
            rbs("http://u:PW@127.0.0.1:9/rbs/payment/rest", "10.00"),
            "settings.rbs.base_url",
        ),
        ("robokassa", robokassa("x"), "references.robokassa_op_key"),
    ] {
        let out = submit(&url, "r-1", &description, provider);
        assert_eq!(out.status.code(), Some(1), "{field}: {}", stderr(&out));
        assert!(stderr(&out).contains(field), "{field}: {}", stderr(&out));
        assert!(!stderr(&out).contains("PW"), "{}", stderr(&out));
        let out = run(
            &["plan", "--provider", provider, "-"],
            Some(description.as_bytes()),
        );
        assert_eq!(out.status.code(), Some(1), "plan {field}: {}", stderr(&out));
        let printed = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
        assert!(printed.contains(field), "plan {field}: {printed}");
    }
}

#[test]
fn a_worker_whose_provider_cannot_be_reached_keeps_running_and_says_the_refund_is_open() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused, the request
    // never leaves, again and again.
    let dir = scratch("down");
    let (_, url) = db(&dir);
    let out = submit(
        &url,
        "r-1",
        &rbs("http://127.0.0.1:9/rbs/payment/rest", "10.00"),
        "rbs",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &[
            "journal",
            "run",
            "--db",
            &url,
            "--sample-credentials",
            "--time-scale",
            "0.001",
            "--max-seconds",
            "2",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!stderr(&out).contains("UNIQUE"), "{}", stderr(&out));
    let out = run(&["journal", "show", "--db", &url, "--json"], None);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["state"], "pending", "{line}");
}

/// `refundkit serve` on free ports with its built-in scenario: the YooKassa base URL; killed
/// on drop.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> (Serve, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(["serve", "--port", "0", "--tls-port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let yookassa = lines
        .map(Result::unwrap)
        .find_map(|l| {
            l.strip_prefix("yookassa")
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        })
        .unwrap();
    (Serve(child), yookassa)
}

#[test]
fn an_mws_handshake_the_provider_refused_is_not_sent_and_says_why() {
    // A client certificate the emulated MWS does not trust (the shop's signing certificate,
    // which chains to no CA of the emulator's): the TLS handshake is refused, so the request
    // never reached MWS. It is recorded as not sent, its cause logged, and tried again later;
    // never counted as a lost answer.
    let (_serve, base) = serve();
    let dir = scratch("mws-tls");
    let (_, url) = db(&dir);
    let description = serde_json::json!({
        "order": {"lines": [{"id": "x", "name": "Товар", "unit_price": "1110.76", "quantity": "1",
            "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
        "refund": {"sum": "10.00", "cause": "returned"},
        "references": {"yookassa_invoice_id": "2000000123", "yookassa_shop_id": "6689"},
        "settings": {"yookassa": {"base_url": base}}
    })
    .to_string();
    let out = submit(&url, "mws-1", &description, "yookassa");
    assert!(out.status.success(), "{}", stderr(&out));
    let cert = common::testdata("sample-credentials", "yookassa-shop.crt");
    let key = common::testdata("sample-credentials", "yookassa-shop.key");
    let out = run(
        &[
            "journal",
            "run",
            "--db",
            &url,
            "--sample-credentials",
            "--yookassa-tls-cert",
            &cert,
            "--yookassa-tls-key",
            &key,
            "--time-scale",
            "0.001",
            "--max-seconds",
            "2",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("never left"), "{}", stderr(&out));
    let journal = refundkit_journal::blocking::Journal::connect_read_only(&url).unwrap();
    let attempts = journal.attempts("mws-1").unwrap();
    assert!(!attempts.is_empty());
    // A refused handshake reads as never sent; now and then, under load, the connection is
    // reset before the server's alert is read, and the transport cannot tell that it did not
    // leave: lost, the conservative reading (reconciled, never resent blind). Never answered.
    let outcome = |a: &refundkit_journal::Attempt| a.outcome.map(|o| o.as_str().to_owned());
    assert_eq!(
        outcome(&attempts[0]).as_deref(),
        Some("not-sent"),
        "{attempts:?}"
    );
    assert!(
        attempts
            .iter()
            .all(|a| matches!(outcome(a).as_deref(), Some("not-sent" | "lost"))),
        "{attempts:?}"
    );
    journal.close();
}
