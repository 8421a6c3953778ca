//! `inspect` recognises every golden vector in testdata/ and never panics.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use refundkit::inspect::inspect;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // Keys and credentials are not messages.
            if path
                .file_name()
                // The lifecycle cases are command lines and outputs, and sim/ holds the
                // emulator's scenario and TLS material: not messages.
                .is_some_and(|n| {
                    n != "keys" && n != "sample-credentials" && n != "lifecycle" && n != "sim"
                })
            {
                files(&path, out);
            }
        } else if !matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("vectors.json" | "README.md" | "sample-password3.txt" | "sample-plan.txt")
        ) && path
            .extension()
            .is_none_or(|e| e != "txt" && e != "py")
            // A test key is not a message.
            && !path.to_string_lossy().contains("/webhook/key.")
        {
            // Plain-text files are bodies that are no message at all ("Malformed json!", an
            // empty 404): vectors of what a parser makes of them, not of what inspect knows.
            out.push(path);
        }
    }
}

#[test]
fn inspect_recognises_every_golden_vector() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(all.len() > 60, "{}", all.len());
    for path in all {
        let found = inspect(&std::fs::read(&path).unwrap());
        assert_ne!(
            found.kind,
            "unrecognised input",
            "{}: {found}",
            path.display()
        );
        let name = path.to_string_lossy();
        let expected = if name.contains("/robokassa/tokens/") && name.ends_with(".token") {
            "robokassa token"
        } else if name.contains("/robokassa/") && name.contains("create-") {
            "robokassa Create response"
        } else if name.contains("/yookassa/requests/") && !name.contains("doctype") {
            "yookassa returnPaymentRequest"
        } else if name.contains("/rbs/forms/") {
            "rbs refund.do form body"
        } else if name.contains("/yandex-pay/requests/") {
            "yandex-pay refund body"
        } else if name.ends_with(".pem") || name.ends_with(".ber") || name.ends_with(".der") {
            "yookassa PKCS#7"
        } else {
            ""
        };
        assert!(found.kind.starts_with(expected), "{name}: {}", found.kind);
    }
}

#[test]
fn valid_and_invalid_messages_are_told_apart() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    for (file, valid) in [
        ("robokassa/tokens/partial-decimals.HS256.token", true),
        ("robokassa/requests/every-rule-broken.json", false),
        ("yandex-pay/requests/refund-tea-cup-shipping.json", true),
        ("yandex-pay/requests/every-invariant-broken.json", false),
        ("yookassa/requests/seed-1.xml", true),
        ("yookassa/requests/seed-2-receipt.xml", false),
        // The seed's example container holds a makeDepositionResponse: it opens, but it states
        // nothing about a refund.
        ("yookassa/seed-example.pem", false),
        ("yookassa/seed-example-tampered.pem", false),
        ("rbs/forms/seed.form", true),
        ("rbs/forms/unknown-field.form", false),
        ("rbs/responses/proxy-error.html", false),
        ("rbs/responses/success-string.json", true),
        ("rbs/responses/7-exceeds.json", false),
        ("rbs/responses/misrouted-status-fail.json", false),
        ("robokassa/responses/create-success.json", true),
        ("robokassa/responses/create-not-enough-funds.json", false),
        ("yookassa/responses/seed-done.xml", true),
        ("yookassa/responses/in-progress.xml", false),
        ("yookassa/responses/another-method-done.xml", false),
    ] {
        let found = inspect(&std::fs::read(root.join(file)).unwrap());
        assert_eq!(found.is_valid(), valid, "{file}: {found}");
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    for input in [
        &b""[..],
        b"{",
        b"\"",
        b"eyJ..",
        b"<",
        b"-----BEGIN",
        &[0x30, 0x80],
        b"orderId=%",
        b"{}",
        b"[]",
        &[0xff; 64],
    ] {
        let _ = inspect(input).to_string();
    }
}

#[test]
fn the_verdict_of_an_answer_says_what_it_states_never_valid() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    for (file, verdict) in [
        ("rbs/responses/7-exceeds.json", "verdict: refused"),
        ("rbs/responses/success-string.json", "verdict: success"),
        (
            "rbs/responses/both-success-and-error.json",
            "verdict: malformed",
        ),
        ("rbs/peers/voronkovich-ErrorCode.json", "verdict: refused"),
        (
            "robokassa/responses/create-not-enough-funds.json",
            "verdict: refused",
        ),
        (
            "robokassa/responses/create-pascal-case-success.json",
            "verdict: malformed",
        ),
        (
            "yandex-pay/responses/fail-order-amount.json",
            "verdict: refused",
        ),
        ("yookassa/responses/refused-405.xml", "verdict: refused"),
        ("yookassa/responses/in-progress.xml", "verdict: in-progress"),
        (
            "yookassa/responses/another-method-done.xml",
            "verdict: malformed",
        ),
    ] {
        let shown = inspect(&std::fs::read(root.join(file)).unwrap()).to_string();
        assert!(shown.ends_with(verdict), "{file}: {shown}");
    }
}

#[test]
fn an_rbs_query_string_reads_as_its_form() {
    // The gateway takes its parameters by GET as by POST (the REST API's introduction).
    let url = "https://securepayments.sberbank.ru/payment/rest/refund.do?userName=u&password=p\
               &orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8&amount=100";
    let i = inspect(url.as_bytes());
    assert_eq!(i.kind, "rbs refund.do form body");
    assert!(i.decoded && !i.report.has_errors(), "{i}");
    assert_eq!(
        inspect(b"?userName=u&password=p&orderId=1&amount=100").kind,
        i.kind
    );
}

#[test]
fn an_rbs_form_without_an_amount_is_a_get_order_status_extended_request() {
    let i = inspect(b"userName=u&password=p&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8");
    assert_eq!(i.kind, "rbs getOrderStatusExtended.do request");
    assert!(i.decoded && i.report.is_empty(), "{i}");
    assert!(!format!("{i}").contains("password"), "{i}");
}
