//! The v2 refund (`/api/merchant/v2/orders/{orderId}/refund`): one test per rule, the helper,
//! and the wire form.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_core::{Amount, Quantity, Report, codes};
use refundkit_yandex_pay::codes as yp_codes;
use refundkit_yandex_pay::helper::{Order, Selection, refund_v2};
use refundkit_yandex_pay::http::{Attempt, Endpoint, refund_request_v2};
use refundkit_yandex_pay::invariants::{ContextV2, check_v2, validate_v2};
use refundkit_yandex_pay::types::ApiKey;
use refundkit_yandex_pay::{RefundRequestV2, decode, decode_request_v2, encode_request_v2};

fn a(s: &str) -> Amount {
    s.parse().unwrap()
}

fn order() -> Order {
    decode(br#"{"cart": {"items": [
        {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "subtotal": "300.00", "total": "300.00"},
        {"productId": "cup", "title": "Cup", "quantity": {"count": "2"}, "unitPrice": "250.50", "discountedUnitPrice": "200.40", "total": "400.80"}],
        "total": {"amount": "700.80"}},
        "shipping": {"methodType": "COURIER", "amount": "300.00"}}"#)
    .unwrap()
}

fn select(products: &[(&str, u32)], shipping: bool) -> Selection {
    Selection {
        products: products
            .iter()
            .map(|(id, n)| ((*id).to_owned(), Quantity::from(*n)))
            .collect(),
        shipping,
        external_operation_id: Some("refund-42".into()),
        external_amount: None,
    }
}

fn codes_of(r: &Report) -> Vec<(&str, &str)> {
    r.violations()
        .iter()
        .map(|v| (v.path.as_str(), v.code))
        .collect()
}

fn with_order(body: &RefundRequestV2) -> Report {
    let o = order();
    check_v2(
        body,
        &ContextV2 {
            order: Some(&o),
            ..ContextV2::default()
        },
    )
}

#[test]
fn a_full_refund_is_the_order_amount_and_nothing_else() {
    let body = refund_v2(&order(), &select(&[("tea", 3), ("cup", 2)], true)).unwrap();
    assert_eq!(
        encode_request_v2(&body).unwrap(),
        br#"{"refundAmount":"1000.80","externalOperationId":"refund-42"}"#
    );
    assert!(with_order(&body).is_empty(), "{}", with_order(&body));
}

#[test]
fn a_partial_refund_lists_every_remaining_line_and_keeps_the_shipping() {
    let body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    assert_eq!(
        std::str::from_utf8(&encode_request_v2(&body).unwrap()).unwrap(),
        r#"{"refundAmount":"100.00","externalOperationId":"refund-42","targetCart":{"items":[{"productId":"tea","quantityCount":"2"},{"productId":"cup"}]},"targetShipping":{"amount":"300.00"}}"#
    );
    assert!(with_order(&body).is_empty(), "{}", with_order(&body));
}

#[test]
fn a_line_left_out_of_target_cart_is_refunded() {
    let body = refund_v2(&order(), &select(&[("cup", 2)], true)).unwrap();
    assert_eq!(body.refund_amount, a("700.80"));
    assert!(body.target_shipping.is_none());
    assert_eq!(body.target_cart.unwrap().items.len(), 1);
}

#[test]
fn refund_amount_must_be_positive() {
    let mut body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    body.refund_amount = Amount::ZERO;
    assert!(
        codes_of(&check_v2(&body, &ContextV2::default()))
            .contains(&("refundAmount", codes::NOT_POSITIVE))
    );
}

#[test]
fn refund_amount_must_be_what_the_order_loses() {
    let mut body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    body.refund_amount = a("150.00");
    assert!(codes_of(&with_order(&body)).contains(&("refundAmount", yp_codes::PAYMENT_AMOUNT)));
}

#[test]
fn without_target_cart_the_whole_order_is_refunded() {
    let body = decode_request_v2(br#"{"refundAmount":"10.00","externalOperationId":"r"}"#).unwrap();
    assert!(codes_of(&with_order(&body)).contains(&("refundAmount", yp_codes::PAYMENT_AMOUNT)));
}

#[test]
fn a_target_line_cannot_grow_or_be_new() {
    let body = decode_request_v2(
        br#"{"refundAmount":"1.00","externalOperationId":"r","targetCart":{"items":[{"productId":"tea","quantityCount":"4"},{"productId":"pot"},{"productId":"cup","price":"300.00"}]},"targetShipping":{"amount":"301.00"}}"#,
    )
    .unwrap();
    let report = with_order(&body);
    let found = codes_of(&report);
    for path in [
        "targetCart.items[0].quantityCount",
        "targetCart.items[1].productId",
        "targetCart.items[2].price",
        "targetShipping.amount",
    ] {
        assert!(
            found.contains(&(path, yp_codes::CART_GROWS)),
            "{path}: {found:?}"
        );
    }
}

#[test]
fn a_product_id_is_listed_once_and_is_not_empty() {
    let body = decode_request_v2(
        br#"{"refundAmount":"1.00","externalOperationId":"r","targetCart":{"items":[{"productId":"tea"},{"productId":"tea"},{"productId":""}]}}"#,
    )
    .unwrap();
    let report = check_v2(&body, &ContextV2::default());
    let found = codes_of(&report);
    assert!(found.contains(&("targetCart.items[1].productId", codes::DUPLICATE)));
    assert!(found.contains(&("targetCart.items[2].productId", codes::EMPTY)));
}

#[test]
fn target_cart_and_refund_cart_are_alternatives() {
    let body = decode_request_v2(
        br#"{"refundAmount":"1.00","externalOperationId":"r","targetCart":{"items":[]},"refundCart":{"items":[]}}"#,
    )
    .unwrap();
    assert!(
        codes_of(&check_v2(&body, &ContextV2::default()))
            .contains(&("refundCart", yp_codes::TWO_CARTS))
    );
}

#[test]
fn without_an_external_operation_id_the_status_cannot_be_asked() {
    let body = decode_request_v2(br#"{"refundAmount":"1.00"}"#).unwrap();
    let report = check_v2(&body, &ContextV2::default());
    assert!(!report.has_errors());
    assert!(codes_of(&report).contains(&("externalOperationId", yp_codes::NO_OPERATION_ID)));
}

#[test]
fn texts_are_at_most_2048_characters() {
    let long = "x".repeat(2049);
    let json = format!(r#"{{"refundAmount":"1.00","externalOperationId":"r","motive":"{long}"}}"#);
    let body = decode_request_v2(json.as_bytes()).unwrap();
    assert!(
        codes_of(&check_v2(&body, &ContextV2::default())).contains(&("motive", codes::TOO_LONG))
    );
}

#[test]
fn order_amount_is_not_a_v2_field_on_the_official_page() {
    let e = decode_request_v2(br#"{"refundAmount":"1.00","orderAmount":"9.00"}"#).unwrap_err();
    assert!(e.to_string().contains("orderAmount"), "{e}");
}

#[test]
fn the_v2_request_goes_to_the_v2_path_and_only_validated() {
    let body = validate_v2(
        refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap(),
        &ContextV2::default(),
    )
    .unwrap();
    let http = refund_request_v2(
        &Endpoint::sandbox(),
        "Order-123",
        &ApiKey("key".into()),
        &body,
        &Attempt {
            request_id: "req-1".into(),
            timeout_ms: 10_000,
            attempt: 0,
        },
    )
    .unwrap();
    assert_eq!(
        http.uri(),
        "https://sandbox.pay.yandex.ru/api/merchant/v2/orders/Order-123/refund"
    );
    assert_eq!(http.headers()["authorization"], "Api-Key key");
}

/// The order of `order()`, 100.00 of it paid with a certificate (`cart.total.externalAmount`):
/// the items still add up to 700.80, Yandex Pay took 600.80 of it and the shipping.
fn order_with_certificate() -> Order {
    let mut o = order();
    o.cart.total.amount = a("600.80");
    o.cart.total.external_amount = Some(a("100.00"));
    o
}

fn with(o: &Order, body: &RefundRequestV2) -> Report {
    check_v2(
        body,
        &ContextV2 {
            order: Some(o),
            ..ContextV2::default()
        },
    )
}

fn external(products: &[(&str, u32)], shipping: bool, amount: &str) -> Selection {
    Selection {
        external_amount: Some(a(amount)),
        ..select(products, shipping)
    }
}

#[test]
fn refund_external_amount_is_the_shops_part_beside_refund_amount() {
    let o = order_with_certificate();
    let body = refund_v2(&o, &external(&[("tea", 2), ("cup", 1)], true, "100.00")).unwrap();
    assert_eq!(
        std::str::from_utf8(&encode_request_v2(&body).unwrap()).unwrap(),
        r#"{"refundAmount":"600.40","refundExternalAmount":"100.00","externalOperationId":"refund-42","targetCart":{"items":[{"productId":"tea","quantityCount":"1"},{"productId":"cup","quantityCount":"1"}]}}"#
    );
    assert!(with(&o, &body).is_empty(), "{}", with(&o, &body));
}

#[test]
fn the_cart_loses_refund_amount_and_refund_external_amount_together() {
    let o = order_with_certificate();
    let mut body = refund_v2(&o, &external(&[("tea", 2), ("cup", 1)], true, "100.00")).unwrap();
    body.refund_amount = a("700.40");
    assert_eq!(
        codes_of(&with(&o, &body)),
        [("refundAmount", yp_codes::PAYMENT_AMOUNT)]
    );
    // Without the external part, all of it is Yandex Pay's to return.
    body.refund_external_amount = None;
    assert!(with(&o, &body).is_empty(), "{}", with(&o, &body));
}

#[test]
fn refund_external_amount_is_at_most_what_was_paid_externally() {
    let o = order_with_certificate();
    let mut body = refund_v2(&o, &external(&[("tea", 2), ("cup", 1)], true, "100.00")).unwrap();
    body.refund_amount = a("500.40");
    body.refund_external_amount = Some(a("200.00"));
    assert_eq!(
        codes_of(&with(&o, &body)),
        [("refundExternalAmount", yp_codes::EXTERNAL_AMOUNT)]
    );
    // An order paid wholly through Yandex Pay has nothing external to return.
    body.refund_external_amount = Some(a("1.00"));
    body.refund_amount = a("699.40");
    assert_eq!(
        codes_of(&with(&order(), &body)),
        [("refundExternalAmount", yp_codes::EXTERNAL_AMOUNT)]
    );
}

#[test]
fn a_zero_refund_external_amount_is_a_warning() {
    let mut body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    body.refund_external_amount = Some(Amount::ZERO);
    let report = check_v2(&body, &ContextV2::default());
    assert_eq!(
        codes_of(&report),
        [("refundExternalAmount", yp_codes::EXTERNAL_AMOUNT)]
    );
    assert!(!report.has_errors());
}

#[test]
fn the_helper_refuses_an_external_part_it_cannot_place() {
    use refundkit_yandex_pay::helper::{HelperError, refund};
    let o = order_with_certificate();
    // v1 has no refundExternalAmount.
    assert_eq!(
        refund(&o, &external(&[("tea", 1)], false, "10.00")),
        Err(HelperError::ExternalInV1)
    );
    // More than the order was paid externally, or than the refunded lines are worth.
    assert!(matches!(
        refund_v2(&o, &external(&[("tea", 3), ("cup", 2)], true, "150.00")),
        Err(HelperError::ExternalTooLarge { .. })
    ));
    assert!(matches!(
        refund_v2(&order(), &external(&[("tea", 1)], false, "1.00")),
        Err(HelperError::ExternalTooLarge { .. })
    ));
    // What remains cannot be worth less than the external payment still on it.
    assert_eq!(
        refund_v2(&o, &external(&[("tea", 3), ("cup", 2)], false, "0.00")),
        Err(HelperError::ExternalTooSmall {
            asked: Amount::ZERO,
            least: a("100.00")
        })
    );
}

#[test]
fn the_v1_helper_keeps_the_external_payment_on_the_final_cart() {
    use refundkit_yandex_pay::helper::refund;
    let o = order_with_certificate();
    let body = refund(&o, &select(&[("tea", 1)], false)).unwrap();
    let cart = body.cart.as_ref().unwrap();
    assert_eq!(cart.total.external_amount, Some(a("100.00")));
    // 600.00 of items less 100.00 external.
    assert_eq!(cart.total.amount, a("500.80"));
    assert_eq!(body.refund_amount, a("100.00"));
    assert!(
        refundkit_yandex_pay::check(
            &body,
            &refundkit_yandex_pay::invariants::Context {
                payment_amount: o.amount(),
                current_cart: Some(&o.cart),
                current_shipping: Some(a("300.00")),
                ..Default::default()
            }
        )
        .is_empty()
    );
}

#[test]
fn without_the_order_the_payment_amount_bounds_the_refund() {
    let mut body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    let context = |amount: &str| ContextV2 {
        payment_amount: Some(a(amount)),
        ..ContextV2::default()
    };
    assert!(check_v2(&body, &context("1000.80")).is_empty());
    assert_eq!(
        codes_of(&check_v2(&body, &context("50.00"))),
        [("refundAmount", yp_codes::PAYMENT_AMOUNT)]
    );
    // No targetCart: all of the payment.
    body.target_cart = None;
    body.target_shipping = None;
    assert_eq!(
        codes_of(&check_v2(&body, &context("1000.80"))),
        [("refundAmount", yp_codes::PAYMENT_AMOUNT)]
    );
}

#[test]
fn only_captured_and_partially_refunded_orders_are_refunded_in_v2_too() {
    use refundkit_yandex_pay::OrderStatus;
    let body = refund_v2(&order(), &select(&[("tea", 1)], false)).unwrap();
    for (status, ok) in [
        (OrderStatus::Captured, true),
        (OrderStatus::PartiallyRefunded, true),
        (OrderStatus::Authorized, false),
        (OrderStatus::Refunded, false),
    ] {
        let report = check_v2(
            &body,
            &ContextV2 {
                order_status: Some(&status),
                ..ContextV2::default()
            },
        );
        assert_eq!(report.is_empty(), ok, "{}", status.as_str());
    }
}

#[test]
fn a_body_tells_its_version_by_its_fields() {
    use refundkit_yandex_pay::lifecycle::Api;
    use refundkit_yandex_pay::refund_api;
    for (body, api) in [
        (
            r#"{"refundAmount":"1.00","orderAmount":"0.00"}"#,
            Some(Api::V1),
        ),
        (r#"{"refundAmount":"1.00","shipping":null}"#, Some(Api::V1)),
        (
            r#"{"refundAmount":"1.00","targetCart":{"items":[]}}"#,
            Some(Api::V2),
        ),
        (
            r#"{"refundAmount":"1.00","refundExternalAmount":"1.00"}"#,
            Some(Api::V2),
        ),
        (
            r#"{"refundAmount":"1.00","motive":"x","branchId":"b"}"#,
            Some(Api::V2),
        ),
        (r#"{"refundAmount":"1.00","externalOperationId":"r"}"#, None),
    ] {
        assert_eq!(refund_api(body.as_bytes()).unwrap(), api, "{body}");
    }
}

#[test]
fn a_body_mixing_v1_and_v2_fields_is_an_error_naming_the_v2_field() {
    use refundkit_yandex_pay::refund_api;
    for (body, field) in [
        (
            r#"{"orderAmount":"1.00","targetCart":{"items":[]}}"#,
            "targetCart",
        ),
        (
            r#"{"cart":{},"refundExternalAmount":"1.00"}"#,
            "refundExternalAmount",
        ),
        (r#"{"motive":"m","shipping":{}}"#, "motive"),
    ] {
        let e = refund_api(body.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with(field), "{body}: {e}");
    }
}
