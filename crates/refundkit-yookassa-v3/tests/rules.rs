//! One test per rule of the refund request not already a vector, named after it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use refundkit_core::Report;
use refundkit_yookassa_v3::invariants::{Context, is_object_id_form};
use refundkit_yookassa_v3::{RefundRequest, check, decode_request};

fn request() -> RefundRequest {
    decode_request(
        br#"{"payment_id":"21740069-000f-50be-b000-0486ffbf45b0","amount":{"value":"100.00","currency":"RUB"},
            "receipt":{"customer":{"phone":"79000000000"},"items":[{"description":"Tea","quantity":"1","amount":{"value":"100.00","currency":"RUB"},"vat_code":11,"payment_mode":"full_payment","payment_subject":"commodity"}]}}"#,
    )
    .unwrap()
}

fn errors(r: &Report) -> Vec<(&str, &str)> {
    r.errors().map(|v| (v.path.as_str(), v.code)).collect()
}

#[test]
fn a_valid_request_has_no_violations() {
    assert!(check(&request(), &Context::default()).is_empty());
}

#[test]
fn description_is_at_most_250_characters() {
    let mut r = request();
    r.description = Some("я".repeat(251));
    assert_eq!(
        errors(&check(&r, &Context::default())),
        [("description", "too_long")]
    );
    r.description = Some("я".repeat(250));
    assert!(check(&r, &Context::default()).is_empty());
}

#[test]
fn tax_system_code_is_one_to_six() {
    let mut r = request();
    r.receipt.as_mut().unwrap().tax_system_code = Some(7);
    assert_eq!(
        errors(&check(&r, &Context::default())),
        [("receipt.tax_system_code", "unknown_code")]
    );
}

#[test]
fn a_receipt_has_at_most_100_items() {
    let mut r = request();
    let receipt = r.receipt.as_mut().unwrap();
    let item = receipt.items[0].clone();
    receipt.items = vec![item; 101];
    let report = check(&r, &Context::default());
    assert!(errors(&report).contains(&("receipt.items", "too_many")));
}

#[test]
fn a_full_refund_may_send_a_receipt_without_items() {
    let mut r = request();
    r.receipt.as_mut().unwrap().items.clear();
    let context = Context {
        payment_amount: Some("100.00".parse().unwrap()),
    };
    assert!(errors(&check(&r, &context)).is_empty());
}

#[test]
fn a_yookassa_object_id_is_36_lower_case_hex_digits_and_dashes() {
    assert!(is_object_id_form("21740069-000f-50be-b000-0486ffbf45b0"));
    for bad in [
        "",
        "21740069-000F-50BE-B000-0486FFBF45B0",
        "order-42",
        "21740069-000f-50be-b000-0486ffbf45b",
    ] {
        assert!(!is_object_id_form(bad), "{bad}");
    }
}

#[test]
fn the_secret_key_is_never_in_debug() {
    let auth = refundkit_yookassa_v3::Auth {
        shop_id: "123456".into(),
        secret_key: "test_very-secret".to_owned().into(),
    };
    assert!(!format!("{auth:?}").contains("very-secret"));
}
