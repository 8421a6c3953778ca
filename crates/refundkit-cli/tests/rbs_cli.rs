//! The `refundkit rbs` verbs through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

fn testdata(file: &str) -> String {
    common::testdata("rbs", file)
}

use common::run;

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
fn encode_api_ecom_prints_sbers_ecom_json_body_and_refuses_what_ecom_does_not_take() {
    let out = run(
        &[
            "rbs",
            "encode",
            "--api",
            "ecom",
            &testdata("ecom/with-key-and-cart.input.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read(testdata("ecom/with-key-and-cart.json")).unwrap()
    );
    let out = run(
        &[
            "rbs",
            "encode",
            "--api",
            "ecom",
            &testdata("ecom/rest-only-fields.input.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("token") && err.contains("not_in_gateway"),
        "{err}"
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
        // Every spelling of an RBS error is a refusal; a body stating both, or no RBS answer
        // at all, is malformed: never exit 0.
        (
            "peers/voronkovich-ErrorCode.json",
            3,
            "refused 100 unknown code: Error!\n",
        ),
        (
            "peers/voronkovich-error-description.json",
            3,
            "refused 100 unknown code: Error!\n",
        ),
        ("responses/both-success-and-error.json", 1, "malformed\n"),
        ("responses/misrouted-status-fail.json", 1, "malformed\n"),
        ("responses/yandex-pay-body.json", 1, "malformed\n"),
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

#[test]
fn parse_response_takes_the_http_status() {
    let out = run(
        &[
            "rbs",
            "parse-response",
            "--status",
            "500",
            &testdata("responses/seed-success.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 500"));
}

#[test]
fn decode_reads_a_get_query_as_a_form_and_never_prints_the_password() {
    let out = run(
        &["rbs", "decode"],
        Some(b"https://securepayments.sberbank.ru/payment/rest/refund.do?userName=u&password=s3cret&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8&amount=100"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "{\"userName\":\"u\",\"password\":\"[redacted]\",\"orderId\":\"148a2a67-25ff-7d1b-b28d-391800a7dca8\",\"amount\":100}\n"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));
}

#[test]
fn decode_reads_a_form_without_amount_as_a_status_request_and_exits_1_on_an_error() {
    let out = run(
        &["rbs", "decode"],
        Some(b"userName=u&password=p&orderId=1&language=russian"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("language"));
}
