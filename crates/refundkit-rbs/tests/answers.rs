//! What a refund.do answer states, one test per rule, and the property that nothing without
//! the success marker reads as a success.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_rbs::{ErrorCode, parse_response};
use refundkit_testkit::{http_status, is_zero_or_absent, json_object, value};

fn verdict(status: u16, body: &str) -> Verdict {
    parse_response(status, body.as_bytes()).verdict()
}

#[test]
fn every_spelling_of_an_error_is_a_refusal_with_its_code_and_text() {
    for body in [
        r#"{"errorCode":"5","errorMessage":"Access denied."}"#,
        r#"{"ErrorCode":5,"ErrorMessage":"Access denied."}"#,
        r#"{"error":{"code":"5","message":"Access denied."}}"#,
        r#"{"error":{"code":5,"description":"Access denied."}}"#,
    ] {
        let outcome = parse_response(200, body.as_bytes());
        let refusal = outcome
            .refusal()
            .unwrap_or_else(|| panic!("{body}: {outcome:?}"));
        assert!(matches!(refusal.code, Some(ErrorCode::Refused)), "{body}");
        assert_eq!(refusal.text.as_deref(), Some("Access denied."), "{body}");
    }
    assert_eq!(verdict(200, r#"{"success":false}"#), Verdict::Refused);
    assert_eq!(
        verdict(200, r#"{"error":"Access denied."}"#),
        Verdict::Refused
    );
}

#[test]
fn an_empty_object_is_a_success_because_refund_do_says_error_code_may_be_absent() {
    assert_eq!(verdict(200, "{}"), Verdict::Success);
    assert_eq!(verdict(200, r#"{"errorCode":0}"#), Verdict::Success);
    assert_eq!(
        verdict(200, r#"{"errorCode":"000","errorMessage":"Успешно"}"#),
        Verdict::Success
    );
}

#[test]
fn an_object_without_the_members_of_an_rbs_answer_is_malformed() {
    for body in [
        r#"{"status":"fail"}"#,
        r#"{"status":"success","data":{"operation":{}}}"#,
        r#"{"orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8"}"#,
    ] {
        assert_eq!(verdict(200, body), Verdict::Malformed, "{body}");
    }
}

#[test]
fn a_body_stating_success_and_an_error_is_malformed() {
    for body in [
        r#"{"errorCode":"0","ErrorCode":"5"}"#,
        r#"{"errorCode":0,"error":{"code":7}}"#,
        r#"{"errorCode":"0","success":false}"#,
        r#"{"errorCode":"7","success":true}"#,
    ] {
        assert_eq!(verdict(200, body), Verdict::Malformed, "{body}");
    }
}

#[test]
fn a_success_needs_a_2xx_status() {
    for status in [400, 404, 500, 502] {
        assert_eq!(verdict(status, r#"{"errorCode":"0"}"#), Verdict::Malformed);
        assert_eq!(verdict(status, "{}"), Verdict::Malformed);
    }
    assert_eq!(verdict(500, r#"{"errorCode":"7"}"#), Verdict::Refused);
}

#[test]
fn anything_but_one_json_object_is_malformed_never_a_refusal() {
    let deep = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    for body in [
        "<html>502 Bad Gateway</html>",
        "",
        "[]",
        "\"0\"",
        "{} {}",
        &deep,
    ] {
        assert_eq!(verdict(200, body), Verdict::Malformed);
    }
    let nested_in_error = format!(
        "{{\"errorCode\":0,\"x\":{}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(verdict(200, &nested_in_error), Verdict::Malformed);
}

#[test]
fn a_member_with_the_wrong_kind_or_given_twice_is_malformed() {
    for body in [
        r#"{"errorCode":true}"#,
        r#"{"errorCode":""}"#,
        r#"{"success":"false"}"#,
        r#"{"errorCode":"0","errorCode":"7"}"#,
    ] {
        assert_eq!(verdict(200, body), Verdict::Malformed, "{body}");
    }
}

const KEYS: &[&str] = &[
    "errorCode",
    "errorMessage",
    "ErrorCode",
    "ErrorMessage",
    "error",
    "success",
    "status",
    "orderId",
];

proptest! {
    #[test]
    fn a_body_without_the_success_marker_is_never_a_success(body in json_object(KEYS), status in http_status()) {
        if parse_response(status, body.as_bytes()).is_success() {
            let v = value(&body);
            let o = v.as_object().unwrap();
            prop_assert!((200..300).contains(&status));
            prop_assert!(is_zero_or_absent(&v["errorCode"]) && is_zero_or_absent(&v["ErrorCode"]), "{body}");
            prop_assert!(v["success"] != serde_json::Value::Bool(false), "{body}");
            prop_assert!(v["error"].is_null() || is_zero_or_absent(&v["error"]["code"]) && v["error"].is_object(), "{body}");
            prop_assert!(o.is_empty() || KEYS[..6].iter().any(|k| o.contains_key(*k)), "{body}");
        }
    }
}
