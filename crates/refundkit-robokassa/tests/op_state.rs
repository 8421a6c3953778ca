//! `OpStateExt`: the request, its MD5 signature (checked against python3's hashlib), and the
//! answer, one test per rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

use refundkit_core::{SecretString, Verdict};
use refundkit_robokassa::http::{Endpoint, op_state_request, redacted};
use refundkit_robokassa::{
    OpStateCode, OpStateRequest, OpStateResult, Password2, op_state_signature,
    parse_op_state_response,
};

fn request() -> OpStateRequest {
    OpStateRequest {
        merchant_login: "demo-shop".into(),
        invoice_id: "7814822027".into(),
    }
}

fn password2() -> Password2 {
    Password2(SecretString::from("test-password2"))
}

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../testdata/robokassa/op-state/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn the_signature_is_upper_case_md5_of_login_invoice_and_password2() {
    let python = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest().upper())",
            "demo-shop:7814822027:test-password2",
        ])
        .output()
        .expect("python3 is on CI");
    let expected = String::from_utf8(python.stdout).unwrap();
    assert_eq!(
        op_state_signature(&request(), &password2()),
        expected.trim()
    );
}

#[test]
fn the_request_is_a_get_on_the_web_service_with_the_three_parameters() {
    let http = op_state_request(&Endpoint::web_service(), &request(), &password2()).unwrap();
    assert_eq!(http.method(), "GET");
    let signature = op_state_signature(&request(), &password2());
    assert_eq!(
        http.uri().to_string(),
        format!(
            "https://auth.robokassa.ru/Merchant/WebService/Service.asmx/OpStateExt?MerchantLogin=demo-shop&InvoiceID=7814822027&Signature={signature}"
        )
    );
    assert!(http.body().is_empty());
}

#[test]
fn the_signature_is_redacted_in_logs() {
    let http = op_state_request(&Endpoint::web_service(), &request(), &password2()).unwrap();
    let logged = redacted(&http).uri().to_string();
    assert!(logged.ends_with("&Signature=REDACTED"), "{logged}");
    assert!(!format!("{:?}", password2()).contains("test-password2"));
}

#[test]
fn result_code_0_with_a_state_is_the_invoice_and_its_op_key() {
    let state = parse_op_state_response(200, &testdata("paid.xml"));
    let state = state.success().unwrap();
    assert_eq!(state.state, OpStateCode::Completed);
    assert_eq!(
        state.op_key.as_deref(),
        Some("0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF")
    );
    assert_eq!(state.inc_sum.unwrap().to_fixed2().unwrap(), "1244.50");
    assert_eq!(state.payment_method.as_deref(), Some("BankCard"));
    assert_eq!(
        state.request_date.as_deref(),
        Some("2026-11-20T10:21:22.0500029+03:00")
    );
}

#[test]
fn another_result_code_is_a_refusal_with_its_description() {
    let outcome = parse_op_state_response(200, &testdata("signature-error.xml"));
    let refusal = outcome.refusal().unwrap();
    assert_eq!(refusal.code, Some(OpStateResult::Signature));
    assert_eq!(
        refusal.text.as_deref(),
        Some("Неверная цифровая подпись запроса")
    );
}

#[test]
fn unknown_state_codes_are_kept() {
    let body = String::from_utf8(testdata("paid.xml"))
        .unwrap()
        .replace("<Code>100</Code>", "<Code>20</Code>");
    let outcome = parse_op_state_response(200, body.as_bytes());
    assert_eq!(
        outcome.success().unwrap().state,
        OpStateCode::Other("20".into())
    );
}

#[test]
fn another_root_a_doctype_an_entity_or_a_repeated_field_is_malformed() {
    let paid = String::from_utf8(testdata("paid.xml")).unwrap();
    for body in [
        r#"<returnPaymentResponse status="0"/>"#.to_owned(),
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><OperationStateResponse><Result><Code>0</Code></Result></OperationStateResponse>"#.to_owned(),
        "<OperationStateResponse><Result><Code>&e;</Code></Result></OperationStateResponse>".to_owned(),
        paid.replace("<OpKey>", "<OpKey>x</OpKey><OpKey>"),
        paid.replace("merchant.roboxchange.com", "example.com"),
        "<OperationStateResponse><Result><Code>0</Code></Result></OperationStateResponse>".to_owned(),
        paid.replace("1244.500000</IncSum>", "12,44</IncSum>"),
        "{\"success\":true}".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            parse_op_state_response(200, body.as_bytes()).verdict(),
            Verdict::Malformed,
            "{body}"
        );
    }
}

#[test]
fn result_code_0_at_an_error_status_is_malformed() {
    assert_eq!(
        parse_op_state_response(500, &testdata("paid.xml")).verdict(),
        Verdict::Malformed
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = format!(
        "<OperationStateResponse>{}{}</OperationStateResponse>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    assert_eq!(
        parse_op_state_response(200, deep.as_bytes()).verdict(),
        Verdict::Malformed
    );
}

#[test]
fn every_user_field_is_read_in_order() {
    // artgas1/robokassa-mcp tests/test_xml_parser.py test_parses_multiple_user_fields.
    let refundkit_core::Outcome::Success(state) =
        parse_op_state_response(200, &testdata("two-user-fields.xml"))
    else {
        panic!("not a success")
    };
    let fields: Vec<(&str, &str)> = state
        .user_fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(fields, [("Shp_a", "1"), ("Shp_b", "hello")]);
    assert_eq!(state.op_key.as_deref(), Some("K"));
}

#[test]
fn a_user_field_without_a_name_or_with_two_values_is_malformed() {
    let two = String::from_utf8(testdata("two-user-fields.xml")).unwrap();
    for body in [
        two.replace("<Name>Shp_b</Name>", ""),
        two.replace(
            "<Value>hello</Value>",
            "<Value>hello</Value><Value>bye</Value>",
        ),
    ] {
        assert_eq!(
            parse_op_state_response(200, body.as_bytes()).verdict(),
            Verdict::Malformed,
            "{body}"
        );
    }
}

#[test]
fn a_user_field_without_a_value_is_empty_and_a_repeated_name_is_kept() {
    let two = String::from_utf8(testdata("two-user-fields.xml")).unwrap();
    let body = two
        .replace("<Value>1</Value>", "<Value/>")
        .replace("Shp_b", "Shp_a");
    let refundkit_core::Outcome::Success(state) = parse_op_state_response(200, body.as_bytes())
    else {
        panic!("not a success")
    };
    let fields: Vec<(&str, &str)> = state
        .user_fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(fields, [("Shp_a", ""), ("Shp_a", "hello")]);
}
