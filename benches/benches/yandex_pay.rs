//! Yandex Pay: validation of a large cart and the final-cart helper, side by side with plain
//! serde_json parsing of the same body, at 100, 1,000 and 10,000 items (linear growth).
//!
//! - `serde-parse`: `serde_json::from_slice::<serde_json::Value>` of the body: the plain parse
//!   a shop would do anyway.
//! - `decode`: refundkit's typed decode (exact decimals, strict fields).
//! - `validate`: every invariant, with the current cart and the payment amount.
//! - `helper`: the final cart for refunding one unit of every tenth product.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use refundkit_core::Quantity;
use refundkit_yandex_pay::helper::{Order, Selection, refund};
use refundkit_yandex_pay::invariants::{Context, check};
use refundkit_yandex_pay::{decode, decode_request, encode_request};

fn order_json(items: usize) -> String {
    let mut total: u64 = 0;
    let lines: Vec<String> = (0..items)
        .map(|i| {
            let price = 10_000 + (i as u64 % 977) * 13;
            let count = 1 + i as u64 % 4;
            total += price * count;
            format!(
                r#"{{"productId":"sku-{i}","title":"Товар № {i}","quantity":{{"count":"{count}"}},"unitPrice":"{}.{:02}","subtotal":"{}.{:02}","total":"{}.{:02}","receipt":{{"tax":1,"paymentMethodType":1,"paymentSubjectType":1}}}}"#,
                price / 100, price % 100, price * count / 100, price * count % 100, price * count / 100, price * count % 100
            )
        })
        .collect();
    format!(
        r#"{{"cart":{{"items":[{}],"total":{{"amount":"{}.{:02}"}}}},"shipping":{{"methodType":"COURIER","amount":"300.00"}}}}"#,
        lines.join(","),
        total / 100,
        total % 100
    )
}

fn yandex_pay(c: &mut Criterion) {
    let mut g = refundkit_benches::group(c, "yandex-pay");
    for items in [100usize, 1_000, 10_000] {
        let order: Order = decode(order_json(items).as_bytes()).unwrap();
        let selection = Selection {
            products: (0..items)
                .step_by(10)
                .map(|i| (format!("sku-{i}"), Quantity::ONE))
                .collect(),
            shipping: false,
            external_operation_id: Some("op".into()),
            external_amount: None,
        };
        let body = refund(&order, &selection).unwrap();
        let json = encode_request(&body).unwrap();
        let context = Context {
            payment_amount: order.amount(),
            current_cart: Some(&order.cart),
            current_shipping: Some(order.shipping.as_ref().unwrap().amount),
            order_status: None,
        };
        assert!(!check(&body, &context).has_errors());
        g.bench_at("serde-parse", items, || {
            serde_json::from_slice::<serde_json::Value>(black_box(&json)).unwrap()
        });
        g.bench_at("decode", items, || {
            decode_request(black_box(&json)).unwrap()
        });
        g.bench_at("validate", items, || check(black_box(&body), &context));
        g.bench_at("helper", items, || {
            refund(black_box(&order), &selection).unwrap()
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = yandex_pay
}
criterion_main!(benches);
