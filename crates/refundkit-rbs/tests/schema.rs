//! refund.do's parameters against the RBS documentation: the refund page (userName, password,
//! orderId, amount, jsonParams), token authentication (the REST introduction), the refund of a
//! credit order (currency, language, orderBundle) and the refund with a cart (refundItems:
//! "it is sufficient to pass the quantity and positionId parameters"). Every one is accepted,
//! the required ones are required, and nothing else passes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_rbs::codec::encode_form;
use refundkit_rbs::{check, decode_request};

const ITEMS: &str = r#"{"items":[{"positionId":"1","name":"Чай","quantity":{"value":2,"measure":"шт"},"itemCode":"tea","itemAmount":20000}]}"#;

fn full() -> Vec<(&'static str, String)> {
    vec![
        ("userName", "test-api".into()),
        ("password", "testPwd".into()),
        ("orderId", "148a2a67-25ff-7d1b-b28d-391800a7dca8".into()),
        ("amount", "20000".into()),
        ("currency", "643".into()),
        ("jsonParams", r#"{"comment":"return"}"#.into()),
        ("language", "ru".into()),
        ("refundItems", ITEMS.into()),
        ("orderBundle", r#"{"cartItems":{"items":[]}}"#.into()),
    ]
}

fn form(fields: &[(&str, String)]) -> String {
    encode_form(fields.iter().map(|(k, v)| (*k, v.as_str())))
}

#[test]
fn refund_do_parameters_match_the_documentation() {
    let all = full();
    let decoded = decode_request(form(&all).as_bytes()).unwrap();
    assert!(check(&decoded).is_empty(), "{}", check(&decoded));
    let required = ["userName", "password", "orderId", "amount"];
    for i in 0..all.len() {
        let mut without = all.clone();
        let (name, _) = without.remove(i);
        let result = decode_request(form(&without).as_bytes());
        match (required.contains(&name), result) {
            (false, Ok(_)) => {}
            (false, Err(e)) => panic!("{name} is optional, yet: {e}"),
            (true, Err(e)) => assert!(e.path == name, "{name}: {e}"),
            (true, Ok(_)) => panic!("{name} is required, and its absence decodes"),
        }
    }
    let mut unknown = all.clone();
    unknown.push(("refundAmount", "1".into()));
    assert_eq!(
        decode_request(form(&unknown).as_bytes()).unwrap_err().path,
        "refundAmount"
    );
}

#[test]
fn a_token_replaces_user_name_and_password() {
    let mut fields = full();
    fields.retain(|(k, _)| *k != "userName" && *k != "password");
    fields.insert(0, ("token", "abrakadabra".into()));
    assert!(decode_request(form(&fields).as_bytes()).is_ok());
    fields.insert(0, ("userName", "test-api".into()));
    assert!(decode_request(form(&fields).as_bytes()).is_err());
}

#[test]
fn refund_item_fields_match_the_documentation() {
    let item = serde_json::json!({
        "positionId": "1", "name": "Чай", "quantity": {"value": 2, "measure": "шт"},
        "itemCode": "tea", "itemAmount": 20000
    });
    let required = ["positionId", "quantity"];
    for field in ["positionId", "name", "quantity", "itemCode", "itemAmount"] {
        let mut without = item.clone();
        without.as_object_mut().unwrap().remove(field);
        let mut fields = full();
        fields[7].1 = serde_json::json!({"items": [without]}).to_string();
        let result = decode_request(form(&fields).as_bytes());
        assert_eq!(
            result.is_err(),
            required.contains(&field),
            "{field}: {result:?}"
        );
    }
    let mut fields = full();
    fields[7].1 = ITEMS.replace("\"itemAmount\"", "\"itemPrice\":1,\"itemAmount\"");
    assert!(
        decode_request(form(&fields).as_bytes()).is_err(),
        "an undocumented item field"
    );
}

/// Sber's ecom refund.do against its OpenAPI's `RefundRequest` (userName, password, orderId,
/// amount required; language, jsonParams, orderBundle optional): every member is accepted by
/// the ecom rules, the required ones are required, and an undocumented one is refused.
#[test]
fn ecom_refund_do_members_match_the_openapi() {
    use refundkit_rbs::{Dialect, check_for, decode_ecom_request};
    let all = serde_json::json!({
        "userName": "testUserName", "password": "testPassword",
        "orderId": "a67b0ced-c9a4-4cfb-bce3-b9595afaafc1", "amount": 14900, "language": "ru",
        "jsonParams": {"externalRefundId": "rf-1"},
        "orderBundle": {"cartItems": {"items": []}}
    });
    let body = |v: &serde_json::Value| serde_json::to_vec(v).unwrap();
    let decoded = decode_ecom_request(&body(&all)).unwrap();
    let report = check_for(&decoded, Dialect::Ecom);
    assert!(report.is_empty(), "{report}");
    let required = ["userName", "password", "orderId", "amount"];
    for name in [
        "userName",
        "password",
        "orderId",
        "amount",
        "language",
        "jsonParams",
        "orderBundle",
    ] {
        let mut without = all.clone();
        without.as_object_mut().unwrap().remove(name);
        let result = decode_ecom_request(&body(&without));
        assert_eq!(
            result.is_err(),
            required.contains(&name),
            "{name}: {result:?}"
        );
    }
    let mut unknown = all.clone();
    unknown["returnUrl"] = "https://shop.example/".into();
    assert!(
        decode_ecom_request(&body(&unknown))
            .unwrap_err()
            .to_string()
            .contains("returnUrl")
    );
}
