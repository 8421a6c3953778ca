//! What Refund/Create and GetState answers state, one test per rule, and the property that
//! nothing without the success marker reads as a success.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_robokassa::{CreateMessage, parse_response, parse_state_response};
use refundkit_testkit::{http_status, json_object, value};

fn create(status: u16, body: &str) -> Verdict {
    parse_response(status, body.as_bytes()).verdict()
}

fn state(status: u16, body: &str) -> Verdict {
    parse_state_response(status, body.as_bytes()).verdict()
}

#[test]
fn create_succeeds_only_with_success_true_at_a_2xx_status() {
    assert_eq!(
        create(200, r#"{"success":true,"requestId":"r"}"#),
        Verdict::Success
    );
    assert_eq!(
        create(200, r#"{"success":true}"#),
        Verdict::Success,
        "no requestId is still a success"
    );
    assert_eq!(
        create(500, r#"{"success":true,"requestId":"r"}"#),
        Verdict::Malformed
    );
    assert_eq!(create(200, r#"{"success":"true"}"#), Verdict::Malformed);
    assert_eq!(
        create(200, r#"{"Success":true}"#),
        Verdict::Malformed,
        "not the documented spelling"
    );
    assert_eq!(create(200, r#"{"requestId":"r"}"#), Verdict::Malformed);
}

#[test]
fn every_spelling_of_a_create_refusal_is_a_refusal() {
    let outcome = parse_response(
        401,
        br#"{"success":false,"message":"Signature key is not exists","requestId":null}"#,
    );
    assert_eq!(
        outcome.refusal().unwrap().code,
        Some(CreateMessage::SignatureKeyNotExists)
    );
    assert_eq!(
        create(
            200,
            r#"{"Success":false,"Message":"NotEnoughOperationFunds"}"#
        ),
        Verdict::Refused
    );
    assert_eq!(
        create(
            400,
            r#"{"Error":"Invalid signature.","ErrorCode":"INVALID_SIGNATURE"}"#
        ),
        Verdict::Refused
    );
    assert_eq!(create(200, r#"{"success":false}"#), Verdict::Refused);
}

#[test]
fn a_create_answer_stating_success_and_a_refusal_is_malformed() {
    assert_eq!(
        create(200, r#"{"success":true,"Success":false}"#),
        Verdict::Malformed
    );
    assert_eq!(
        create(200, r#"{"success":true,"Error":"x"}"#),
        Verdict::Malformed
    );
    assert_eq!(
        create(200, r#"{"success":true,"success":false}"#),
        Verdict::Malformed
    );
}

#[test]
fn a_state_is_found_with_request_id_and_label_and_an_amount_only_when_sent() {
    let outcome = parse_state_response(200, br#"{"requestId":"r","label":"processing"}"#);
    let found = outcome.success().unwrap();
    assert_eq!((found.request_id.as_str(), found.amount), ("r", None));
    assert_eq!(
        state(
            200,
            r#"{"requestId":"r","amount":"1.5","label":"finished"}"#
        ),
        Verdict::Success
    );
}

#[test]
fn half_a_state_or_a_state_with_an_error_is_malformed() {
    for body in [
        r#"{"requestId":"r"}"#,
        r#"{"label":"finished"}"#,
        r#"{"requestId":"r","label":"finished","message":"Id is invalid or request id does not exist"}"#,
        r#"{"requestId":"r","label":"finished","amount":true}"#,
        "{}",
    ] {
        assert_eq!(state(200, body), Verdict::Malformed, "{body}");
    }
    assert_eq!(
        state(502, r#"{"requestId":"r","label":"finished"}"#),
        Verdict::Malformed
    );
    assert_eq!(
        state(
            200,
            r#"{"message":"Id is invalid or request id does not exist"}"#
        ),
        Verdict::Refused
    );
}

const CREATE_KEYS: &[&str] = &[
    "success",
    "message",
    "requestId",
    "Success",
    "Message",
    "Error",
    "ErrorCode",
    "status",
];
const STATE_KEYS: &[&str] = &["requestId", "amount", "label", "message", "success"];

proptest! {
    #[test]
    fn a_create_answer_without_success_true_is_never_a_success(body in json_object(CREATE_KEYS), status in http_status()) {
        if parse_response(status, body.as_bytes()).is_success() {
            let v = value(&body);
            prop_assert!((200..300).contains(&status));
            prop_assert_eq!(&v["success"], &serde_json::Value::Bool(true), "{}", body);
            prop_assert!(v["Success"] != serde_json::Value::Bool(false), "{}", body);
            prop_assert!(v["Error"].is_null() && v["ErrorCode"].is_null(), "{}", body);
        }
    }

    #[test]
    fn a_state_answer_without_request_id_and_label_is_never_found(body in json_object(STATE_KEYS), status in http_status()) {
        if parse_state_response(status, body.as_bytes()).is_success() {
            let v = value(&body);
            prop_assert!((200..300).contains(&status));
            prop_assert!(v["requestId"].is_string() && v["label"].is_string(), "{}", body);
            prop_assert!(v["message"].is_null(), "{}", body);
        }
    }
}
