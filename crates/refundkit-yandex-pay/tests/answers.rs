//! What an answer to the v1 refund states, one test per rule, and the property that nothing
//! without the success marker reads as a success.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_testkit::{http_status, json_object_of, value};
use refundkit_yandex_pay::{ReasonCode, parse_response};

const OPERATION: &str = r#"{"operation":{"operationId":"op-1","orderId":"order-42","operationType":"REFUND","status":"PENDING"}}"#;

fn verdict(status: u16, body: &str) -> Verdict {
    parse_response(status, body.as_bytes()).verdict()
}

#[test]
fn a_success_is_status_success_with_a_refund_operation_at_a_2xx_status() {
    let body = format!(r#"{{"status":"success","data":{OPERATION}}}"#);
    assert_eq!(verdict(200, &body), Verdict::Success);
    assert_eq!(verdict(400, &body), Verdict::Malformed);
    assert_eq!(verdict(200, r#"{"status":"success"}"#), Verdict::Malformed);
    assert_eq!(
        verdict(200, r#"{"status":"success","data":{}}"#),
        Verdict::Malformed
    );
    let capture = body.replace("REFUND", "CAPTURE");
    assert_eq!(
        verdict(200, &capture),
        Verdict::Malformed,
        "another method's operation"
    );
}

#[test]
fn every_spelling_of_a_failure_is_a_refusal() {
    let outcome = parse_response(
        400,
        br#"{"status":"fail","reasonCode":"ORDER_AMOUNT_MISMATCH","reason":"x"}"#,
    );
    assert_eq!(
        outcome.refusal().unwrap().code,
        Some(ReasonCode::OrderAmountMismatch)
    );
    assert_eq!(verdict(200, r#"{"status":"fail"}"#), Verdict::Refused);
    assert_eq!(
        verdict(
            400,
            r#"{"status":"error","data":{"message":"Invalid request"}}"#
        ),
        Verdict::Refused
    );
    assert_eq!(
        verdict(400, r#"{"reasonCode":"REFUND_AMOUNT_TOO_LARGE"}"#),
        Verdict::Refused
    );
    assert_eq!(verdict(401, ""), Verdict::Refused);
    assert_eq!(verdict(404, ""), Verdict::Refused);
    assert_eq!(
        verdict(500, r#"{"status":"fail","reasonCode":"X"}"#),
        Verdict::Refused
    );
}

#[test]
fn a_success_carrying_a_reason_code_is_malformed() {
    let body = format!(r#"{{"status":"success","reasonCode":"X","data":{OPERATION}}}"#);
    assert_eq!(verdict(200, &body), Verdict::Malformed);
}

#[test]
fn a_5xx_without_a_statement_is_a_server_error_and_anything_else_malformed() {
    assert_eq!(
        verdict(502, "<html>Bad Gateway</html>"),
        Verdict::ServerError
    );
    assert_eq!(verdict(200, "<html>ok</html>"), Verdict::Malformed);
    assert_eq!(verdict(200, r#"{"status":"maybe"}"#), Verdict::Malformed);
    assert_eq!(verdict(200, r#"{"errorCode":"0"}"#), Verdict::Malformed);
}

const KEYS: &[&str] = &[
    "status",
    "data",
    "reasonCode",
    "reason",
    "code",
    "errorCode",
];
const VALUES: &[&str] = &[
    r#""success""#,
    r#""fail""#,
    r#""error""#,
    r#""SUCCESS""#,
    r#"{"operation":{"operationId":"op-1","orderId":"o","operationType":"REFUND","status":"PENDING"}}"#,
    r#"{"operation":{"operationId":"op-1","orderId":"o","operationType":"CAPTURE","status":"SUCCESS"}}"#,
    r#"{"message":"Invalid request"}"#,
    r#""ORDER_AMOUNT_MISMATCH""#,
    "null",
    "200",
    "true",
    "{}",
];

proptest! {
    #[test]
    fn a_body_without_status_success_and_a_refund_operation_is_never_a_success(body in json_object_of(KEYS, VALUES), status in http_status()) {
        if parse_response(status, body.as_bytes()).is_success() {
            let v = value(&body);
            prop_assert!((200..300).contains(&status));
            prop_assert_eq!(&v["status"], "success", "{}", body);
            prop_assert_eq!(&v["data"]["operation"]["operationType"], "REFUND", "{}", body);
            prop_assert!(v["reasonCode"].is_null(), "{}", body);
        }
    }
}

#[test]
fn the_order_answer_keeps_its_reason_code() {
    // Changelog 2026-01-23: `reasonCode` in the `/orders/{order_id}` answer (why a payment
    // failed). It is read and kept; it says nothing about a refund.
    let body = br#"{"code":200,"status":"success","data":{"order":{"orderId":"order-42","paymentStatus":"FAILED","reasonCode":"INSUFFICIENT_FUNDS"},"operations":[]}}"#;
    let refundkit_core::Outcome::Success(view) =
        refundkit_yandex_pay::parse_order_response(200, body)
    else {
        panic!("not a success")
    };
    assert_eq!(view.reason_code.as_deref(), Some("INSUFFICIENT_FUNDS"));
    assert_eq!(
        view.payment_status,
        Some(refundkit_yandex_pay::OrderStatus::Failed)
    );
}
