//! The `refundkit yandex-pay` verbs through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

fn testdata(file: &str) -> String {
    common::testdata("yandex-pay", file)
}

use common::run;

#[test]
fn refund_prints_the_body_the_helper_computes() {
    let out = run(
        &[
            "yandex-pay",
            "refund",
            "--current-cart",
            &testdata("orders/current.json"),
            "--product",
            "tea=2",
            "--product",
            "cup=1",
            "--shipping",
            "--external-operation-id",
            "refund-1",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("requests/refund-tea-cup-shipping.json")).unwrap()
    );
}

#[test]
fn refund_refuses_what_the_cart_does_not_hold() {
    for product in ["tea=4", "spoon=1", "tea=0"] {
        let out = run(
            &[
                "yandex-pay",
                "refund",
                "--current-cart",
                &testdata("orders/current.json"),
                "--product",
                product,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{product}");
    }
    let out = run(
        &[
            "yandex-pay",
            "refund",
            "--current-cart",
            &testdata("orders/current.json"),
            "--product",
            "tea",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_exits_0_for_a_correct_body() {
    let out = run(
        &[
            "yandex-pay",
            "check",
            "--payment-amount",
            "1000.80",
            "--current-cart",
            &testdata("orders/current.json"),
            "--order-status",
            "CAPTURED",
            &testdata("requests/refund-tea-cup-shipping.json"),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_exits_1_with_every_violation_naming_its_field() {
    let out = run(
        &[
            "yandex-pay",
            "check",
            &testdata("requests/every-invariant-broken.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("error: orderAmount:"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        15,
        "{err}"
    );
    let out = run(
        &[
            "yandex-pay",
            "check",
            "--payment-amount",
            "1000.80",
            &testdata("requests/seed-shape.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("orderAmount")
    );
}

#[test]
fn check_refuses_a_number_amount_naming_the_field() {
    let out = run(&["yandex-pay", "check"], Some(br#"{"refundAmount": 42.00, "orderAmount": "42.00", "cart": {"items": [], "total": {"amount": "42.00"}}}"#));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("refundAmount")
    );
}

#[test]
fn parse_response_exits_0_success_3_refused_1_malformed() {
    for (status, file, code, line) in [
        (
            "200",
            "responses/success.json",
            0,
            "accepted 5d32f295-8723-457a-b2b5-c1d3b9a1f4c2 PENDING\n",
        ),
        (
            "400",
            "responses/fail-order-amount.json",
            3,
            "refused 400 ORDER_AMOUNT_MISMATCH\n",
        ),
        (
            "400",
            "responses/fail-unknown-code.json",
            3,
            "refused 400 SOMETHING_NEW\n",
        ),
        ("200", "responses/proxy-error.html", 1, "malformed\n"),
        ("503", "responses/proxy-error.html", 1, "server-error 503\n"),
    ] {
        let out = run(
            &[
                "yandex-pay",
                "parse-response",
                "--status",
                status,
                &testdata(file),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(code), "{file}");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), line, "{file}");
    }
}

#[test]
fn arbitrary_input_never_panics() {
    for input in [
        &b"\xff"[..],
        b"{",
        b"[]",
        b"{\"refundAmount\":\"1e400\"}",
        &[b'['; 10_000],
    ] {
        for verb in [
            &["yandex-pay", "check"][..],
            &["yandex-pay", "parse-response"],
        ] {
            let code = run(verb, Some(input)).status.code();
            assert!(matches!(code, Some(1 | 3)), "{verb:?}: {code:?}");
        }
    }
}

#[test]
fn refund_api_v2_prints_the_target_cart_with_the_external_part() {
    let out = run(
        &[
            "yandex-pay",
            "refund",
            "--api",
            "v2",
            "--external-amount",
            "100.00",
            "--current-cart",
            &testdata("orders/with-certificate.json"),
            "--product",
            "tea=2",
            "--product",
            "cup=1",
            "--shipping",
            "--external-operation-id",
            "refund-2",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("v2/refund-with-certificate.json")).unwrap()
    );
}

#[test]
fn refund_without_api_stays_v1_and_says_it_is_deprecated() {
    let out = run(
        &[
            "yandex-pay",
            "refund",
            "--current-cart",
            &testdata("orders/current.json"),
            "--product",
            "tea=1",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"orderAmount\""));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deprecated"));
}

#[test]
fn an_external_amount_for_a_v1_refund_is_a_usage_error() {
    let out = run(
        &[
            "yandex-pay",
            "refund",
            "--external-amount",
            "1.00",
            "--current-cart",
            &testdata("orders/current.json"),
            "--product",
            "tea=1",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--api v2"));
}

#[test]
fn check_tells_a_v2_body_by_its_fields_and_checks_it_against_the_order() {
    let out = run(
        &[
            "yandex-pay",
            "check",
            "--current-cart",
            &testdata("orders/with-certificate.json"),
            "--order-status",
            "CAPTURED",
            &testdata("v2/refund-with-certificate.json"),
        ],
        None,
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("checked as a v2 refund body"), "{err}");

    let out = run(
        &[
            "yandex-pay",
            "check",
            "--current-cart",
            &testdata("orders/with-certificate.json"),
            &testdata("v2/external-above-order.json"),
        ],
        None,
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error: refundExternalAmount:"), "{err}");
}

#[test]
fn check_still_reads_v1_bodies_as_v1() {
    let out = run(
        &["yandex-pay", "check", &testdata("requests/seed-shape.json")],
        None,
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("checked as a v1 refund body"), "{err}");
}

#[test]
fn check_refuses_a_body_mixing_the_versions_naming_the_field() {
    let out = run(
        &["yandex-pay", "check", &testdata("v2/mixed-versions.json")],
        None,
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("targetCart: a v2 field in a body with v1's orderAmount"),
        "{err}"
    );
    // Forced to one version, the other's field is unknown to it.
    let out = run(
        &[
            "yandex-pay",
            "check",
            "--api",
            "v2",
            &testdata("v2/mixed-versions.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("orderAmount"));
}

#[test]
fn parse_response_reads_an_operation_fail_as_refused_never_accepted() {
    let out = run(
        &[
            "yandex-pay",
            "parse-response",
            &testdata("responses/operation-fail.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("refused ") && !stdout.contains("accepted"),
        "{stdout}"
    );
}
