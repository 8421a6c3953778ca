//! One test per invariant of the Yandex Pay v1 refund, named after it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_core::{Amount, Quantity, Report, codes};
use refundkit_yandex_pay::codes as yp_codes;
use refundkit_yandex_pay::helper::{HelperError, Order, Selection, refund};
use refundkit_yandex_pay::http::{Attempt, Endpoint, refund_request};
use refundkit_yandex_pay::invariants::{Context, check, resulting_status, validate};
use refundkit_yandex_pay::types::{ApiKey, OrderStatus};
use refundkit_yandex_pay::{RefundRequest, decode, decode_request, encode_request};

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

fn body() -> RefundRequest {
    refund(
        &order(),
        &Selection {
            products: vec![("tea".into(), Quantity::from(1))],
            ..Selection::default()
        },
    )
    .unwrap()
}

fn errors(r: &Report) -> Vec<(&str, &str)> {
    r.errors().map(|v| (v.path.as_str(), v.code)).collect()
}

fn checked(f: impl FnOnce(&mut RefundRequest)) -> Report {
    let mut b = body();
    f(&mut b);
    check(&b, &Context::default())
}

#[test]
fn a_helper_body_passes_every_invariant() {
    let o = order();
    let ctx = Context {
        payment_amount: o.amount(),
        current_cart: Some(&o.cart),
        current_shipping: Some(a("300.00")),
        order_status: Some(&OrderStatus::Captured),
    };
    assert!(check(&body(), &ctx).is_empty(), "{}", check(&body(), &ctx));
}

#[test]
fn order_amount_is_cart_total_plus_shipping() {
    let r = checked(|b| b.order_amount = a("700.00"));
    assert_eq!(errors(&r), [("orderAmount", yp_codes::ORDER_AMOUNT)]);
    // Without shipping, the shipping amount counts as 0.
    let r = checked(|b| {
        b.shipping = None;
        b.order_amount = b.final_cart_mut().total.amount;
    });
    assert!(r.is_empty(), "{r}");
}

#[test]
fn cart_total_is_the_sum_of_item_totals_without_discounts() {
    let r = checked(|b| {
        b.final_cart_mut().total.amount = a("600.00");
        b.order_amount = a("900.00");
    });
    assert_eq!(errors(&r), [("cart.total.amount", yp_codes::CART_TOTAL)]);
}

#[test]
fn with_discounts_a_cart_total_mismatch_is_a_warning() {
    let r = checked(|b| {
        b.final_cart_mut().discounts.push(
            serde_json::from_str(
                r#"{"discountId": "d", "amount": "50.00", "description": "promo"}"#,
            )
            .unwrap(),
        );
    });
    assert!(!r.has_errors(), "{r}");
    assert!(r.contains("cart.total.amount", yp_codes::CART_TOTAL));
    let r = checked(|b| {
        b.final_cart_mut().discounts.push(
            serde_json::from_str(
                r#"{"discountId": "d", "amount": "50.00", "description": "promo"}"#,
            )
            .unwrap(),
        );
        b.final_cart_mut().total.amount = a("550.80");
        b.order_amount = a("850.80");
    });
    assert!(r.is_empty(), "{r}");
}

#[test]
fn item_total_is_price_times_count_rounded_to_kopecks() {
    let r = checked(|b| b.final_cart_mut().items[0].total = a("200.01"));
    assert_eq!(errors(&r)[0], ("cart.items[0].total", yp_codes::ITEM_TOTAL));
    // discountedUnitPrice wins over unitPrice.
    let r = checked(|b| b.final_cart_mut().items[1].total = a("501.00"));
    assert_eq!(errors(&r)[0], ("cart.items[1].total", yp_codes::ITEM_TOTAL));
}

#[test]
fn item_subtotal_is_unit_price_times_count() {
    let r = checked(|b| b.final_cart_mut().items[0].subtotal = Some(a("300.00")));
    assert_eq!(
        errors(&r),
        [("cart.items[0].subtotal", yp_codes::ITEM_SUBTOTAL)]
    );
}

#[test]
fn discounted_unit_price_is_at_most_unit_price() {
    let r = checked(|b| b.final_cart_mut().items[1].discounted_unit_price = Some(a("300.00")));
    assert!(errors(&r).contains(&(
        "cart.items[1].discountedUnitPrice",
        yp_codes::DISCOUNT_ABOVE_PRICE
    )));
}

#[test]
fn refund_amount_is_positive() {
    let r = checked(|b| b.refund_amount = Amount::ZERO);
    assert_eq!(errors(&r), [("refundAmount", codes::NOT_POSITIVE)]);
}

#[test]
fn amounts_are_strings_of_at_most_two_places_never_negative() {
    for (json, path) in [
        (
            r#"{"refundAmount": 1, "orderAmount": "1", "cart": {"items": [], "total": {"amount": "1"}}}"#,
            "refundAmount",
        ),
        (
            r#"{"refundAmount": "1.001", "orderAmount": "1", "cart": {"items": [], "total": {"amount": "1"}}}"#,
            "refundAmount",
        ),
        (
            r#"{"refundAmount": "-1", "orderAmount": "1", "cart": {"items": [], "total": {"amount": "1"}}}"#,
            "refundAmount",
        ),
        (
            r#"{"refundAmount": "1", "orderAmount": "1", "cart": {"items": [], "total": {"amount": null}}}"#,
            "cart.total.amount",
        ),
    ] {
        assert_eq!(
            decode_request(json.as_bytes()).unwrap_err().path,
            path,
            "{json}"
        );
    }
}

#[test]
fn product_id_is_unique() {
    let r = checked(|b| b.final_cart_mut().items[1].product_id = "tea".into());
    assert!(errors(&r).contains(&("cart.items[1].productId", codes::DUPLICATE)));
}

#[test]
fn text_fields_have_at_most_2048_characters() {
    let r = checked(|b| b.final_cart_mut().items[0].title = Some("я".repeat(2049)));
    assert_eq!(errors(&r), [("cart.items[0].title", codes::TOO_LONG)]);
}

#[test]
fn receipt_tax_outside_the_table_is_kept_and_warned() {
    let json = br#"{"productId": "x", "title": "x", "quantity": {"count": "1"}, "total": "1.00", "receipt": {"tax": 11}}"#;
    let item: refundkit_yandex_pay::CartItem = serde_json::from_slice(json).unwrap();
    let r = checked(|b| {
        b.final_cart_mut().items = vec![item];
        b.final_cart_mut().total.amount = a("1.00");
        b.order_amount = a("301.00");
    });
    assert!(!r.has_errors(), "{r}");
    assert!(r.contains("cart.items[0].receipt.tax", codes::UNKNOWN_CODE));
    // And it round-trips: the 11 goes back out as 11.
    let again = encode_request(&{
        let mut b = body();
        b.final_cart_mut().items = vec![serde_json::from_slice(json).unwrap()];
        b
    })
    .unwrap();
    assert!(
        String::from_utf8(again)
            .unwrap()
            .contains(r#""receipt":{"tax":11}"#)
    );
}

#[test]
fn order_amount_is_the_payment_amount_less_the_refund() {
    let ctx = Context {
        payment_amount: Some(a("1000.00")),
        ..Context::default()
    };
    let r = check(&body(), &ctx);
    assert_eq!(errors(&r), [("orderAmount", yp_codes::PAYMENT_AMOUNT)]);
}

#[test]
fn the_final_cart_only_removes_or_lowers() {
    let o = order();
    let ctx = Context {
        current_cart: Some(&o.cart),
        ..Context::default()
    };
    let mut b = body();
    b.final_cart_mut().items[0].quantity.count = Quantity::from(4);
    b.final_cart_mut().items[0].total = a("400.00");
    b.final_cart_mut().items[0].subtotal = Some(a("400.00"));
    let r = check(&b, &ctx);
    assert!(
        errors(&r).contains(&("cart.items[0].quantity.count", yp_codes::CART_GROWS)),
        "{r}"
    );
    assert!(
        errors(&r).contains(&("cart.items[0].total", yp_codes::CART_GROWS)),
        "{r}"
    );
}

#[test]
fn the_cart_difference_is_the_refund_less_any_shipping_refund() {
    let o = order();
    let ctx = Context {
        current_cart: Some(&o.cart),
        current_shipping: Some(a("300.00")),
        ..Context::default()
    };
    let r = check(&body(), &ctx);
    assert!(r.is_empty(), "{r}");
    let mut b = body();
    b.refund_amount = a("150.00");
    let r = check(&b, &ctx);
    assert_eq!(
        errors(&r),
        [("cart.total.amount", yp_codes::REFUND_DIFFERENCE)]
    );
}

#[test]
fn only_captured_and_partially_refunded_orders_may_be_refunded() {
    for (status, ok) in [
        (OrderStatus::Captured, true),
        (OrderStatus::PartiallyRefunded, true),
        (OrderStatus::Refunded, false),
        (OrderStatus::from_wire("AUTHORIZED"), false),
    ] {
        let r = check(
            &body(),
            &Context {
                order_status: Some(&status),
                ..Context::default()
            },
        );
        assert_eq!(r.is_empty(), ok, "{status:?}");
    }
}

#[test]
fn the_resulting_status_is_refunded_or_partially_refunded() {
    assert_eq!(resulting_status(&body()), OrderStatus::PartiallyRefunded);
    let all = refund(
        &order(),
        &Selection {
            products: vec![
                ("tea".into(), Quantity::from(3)),
                ("cup".into(), Quantity::from(2)),
            ],
            shipping: true,
            ..Selection::default()
        },
    )
    .unwrap();
    assert_eq!(all.order_amount, Amount::ZERO);
    assert_eq!(resulting_status(&all), OrderStatus::Refunded);
}

#[test]
fn the_helper_refuses_what_it_cannot_do() {
    let o = order();
    let sel = |id: &str, n: u32| Selection {
        products: vec![(id.into(), Quantity::from(n))],
        ..Selection::default()
    };
    assert!(matches!(
        refund(&o, &sel("nope", 1)),
        Err(HelperError::UnknownProduct(_))
    ));
    assert!(matches!(
        refund(&o, &sel("tea", 4)),
        Err(HelperError::BadCount { .. })
    ));
    assert!(matches!(
        refund(&o, &sel("tea", 0)),
        Err(HelperError::BadCount { .. })
    ));
    assert_eq!(refund(&o, &Selection::default()), Err(HelperError::Nothing));
}

#[test]
fn the_request_carries_the_documented_headers_and_encodes_the_order_id() {
    let key = ApiKey("secret-key".into());
    let attempt = Attempt {
        request_id: "3f0b8d3e-0000-4000-8000-000000000001".into(),
        timeout_ms: 10_000,
        attempt: 1,
    };
    let valid = validate(body(), &Context::default()).unwrap();
    let r = refund_request(&Endpoint::sandbox(), "order/42 ё", &key, &valid, &attempt).unwrap();
    assert_eq!(
        r.uri(),
        "https://sandbox.pay.yandex.ru/api/merchant/v1/orders/order%2F42%20%D1%91/refund"
    );
    assert_eq!(r.method(), "POST");
    assert_eq!(r.headers()["authorization"], "Api-Key secret-key");
    assert_eq!(
        r.headers()["x-request-id"],
        "3f0b8d3e-0000-4000-8000-000000000001"
    );
    assert_eq!(r.headers()["x-request-timeout"], "10000");
    assert_eq!(r.headers()["x-request-attempt"], "1");
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.body(), &encode_request(&body()).unwrap());
}

#[test]
fn the_api_key_never_prints() {
    let key = ApiKey("secret-key".into());
    assert!(!format!("{key:?}").contains("secret-key"));
}

#[test]
fn an_amount_with_a_third_decimal_place_is_not_encoded() {
    // The wire's money strings have at most two places; the encoder refuses rather than round.
    let mut b = body();
    b.refund_amount = a("1.005");
    let e = encode_request(&b).unwrap_err();
    assert!(e.to_string().contains("decimal"), "{e}");
}

#[test]
fn an_item_title_is_required_by_the_v1_refund_schema() {
    let r = checked(|b| b.final_cart_mut().items[0].title = None);
    assert_eq!(errors(&r), [("cart.items[0].title", codes::REQUIRED)]);
    let r = checked(|b| b.final_cart_mut().items[0].title = Some(" ".into()));
    assert_eq!(errors(&r), [("cart.items[0].title", codes::EMPTY)]);
}

#[test]
fn a_shipping_method_outside_the_list_is_warned_and_kept_and_direct_is_listed() {
    let r = checked(|b| b.shipping.as_mut().unwrap().method_type = "DIRECT".into());
    assert!(r.is_empty(), "{r}");
    let mut b = body();
    b.shipping.as_mut().unwrap().method_type = "DRONE".into();
    let r = check(&b, &Context::default());
    assert!(!r.has_errors(), "{r}");
    assert!(r.contains("shipping.methodType", codes::UNKNOWN_CODE));
    let json = String::from_utf8(encode_request(&b).unwrap()).unwrap();
    assert!(json.contains(r#""methodType":"DRONE""#), "{json}");
}

#[test]
fn a_body_without_a_cart_counts_as_an_empty_cart() {
    let full: RefundRequest =
        decode_request(br#"{"refundAmount": "1000.80", "orderAmount": "300.00", "shipping": {"methodType": "COURIER", "amount": "300.00"}}"#).unwrap();
    assert!(full.cart.is_none());
    assert!(check(&full, &Context::default()).is_empty());
    let o = order();
    let ctx = Context {
        payment_amount: o.amount(),
        current_cart: Some(&o.cart),
        current_shipping: Some(a("300.00")),
        ..Context::default()
    };
    // Everything but the shipping refunded: the cart's 700.80 went back.
    let mut partial = full.clone();
    partial.refund_amount = a("700.80");
    assert!(
        check(&partial, &ctx).is_empty(),
        "{}",
        check(&partial, &ctx)
    );
    // Items left in the order but no cart sent: orderAmount cannot hold.
    partial.order_amount = a("1000.80");
    assert!(
        errors(&check(&partial, &Context::default()))
            .contains(&("orderAmount", yp_codes::ORDER_AMOUNT))
    );
    assert_eq!(encode_request(&full).unwrap(), br#"{"refundAmount":"1000.80","orderAmount":"300.00","shipping":{"methodType":"COURIER","amount":"300.00"}}"#);
}

#[test]
fn points_amount_is_read_only_and_only_noted() {
    let r = checked(|b| {
        b.final_cart_mut().items[0].points_amount = Some(a("10.00"));
        b.final_cart_mut().total.points_amount = Some(a("10.00"));
    });
    assert!(!r.has_errors(), "{r}");
    assert!(r.contains("cart.items[0].pointsAmount", yp_codes::READ_ONLY));
    assert!(r.contains("cart.total.pointsAmount", yp_codes::READ_ONLY));
}

#[test]
fn an_invalid_body_cannot_become_a_request() {
    let mut b = body();
    b.refund_amount = Amount::ZERO;
    let invalid = validate(b, &Context::default()).unwrap_err();
    assert!(invalid.report.contains("refundAmount", codes::NOT_POSITIVE));
}

#[test]
fn the_redacted_copy_hides_the_api_key_and_keeps_the_rest() {
    let valid = validate(body(), &Context::default()).unwrap();
    let attempt = Attempt {
        request_id: "r".into(),
        timeout_ms: 1,
        attempt: 0,
    };
    let r = refund_request(
        &Endpoint::production(),
        "o",
        &ApiKey("secret-key".into()),
        &valid,
        &attempt,
    )
    .unwrap();
    let shown = refundkit_yandex_pay::http::redacted(&r);
    assert_eq!(shown.headers()["authorization"], "Api-Key [redacted]");
    assert_eq!((shown.uri(), shown.body()), (r.uri(), r.body()));
}

#[test]
fn refunds_under_one_rouble_or_leaving_under_one_rouble_are_warned() {
    let r = checked(|b| {
        b.refund_amount = a("0.99");
    });
    assert!(
        r.contains("refundAmount", yp_codes::UNDER_ONE_ROUBLE),
        "{r}"
    );
    let r = checked(|b| {
        b.order_amount = a("0.50");
    });
    assert!(r.contains("orderAmount", yp_codes::UNDER_ONE_ROUBLE), "{r}");
}

#[test]
fn only_captured_and_partially_refunded_orders_are_refunded() {
    for (status, refundable) in [
        (OrderStatus::Captured, true),
        (OrderStatus::PartiallyRefunded, true),
        (OrderStatus::Refunded, false),
        (OrderStatus::Authorized, false),
        (OrderStatus::Voided, false),
        (OrderStatus::from_wire("SOMETHING_NEW"), false),
    ] {
        let ctx = Context {
            order_status: Some(&status),
            ..Context::default()
        };
        let r = check(&body(), &ctx);
        let expected: &[(&str, &str)] = if refundable {
            &[]
        } else {
            &[("", yp_codes::ORDER_STATUS)]
        };
        assert_eq!(errors(&r), expected, "{status}");
    }
}
