//! Properties: any cart and any selection give a final cart that passes every invariant, the
//! validator agrees with an independent recomputation, and bodies round-trip.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use proptest::prelude::*;
use refundkit_core::{Amount, Quantity};
use refundkit_yandex_pay::helper::{Order, Selection, refund};
use refundkit_yandex_pay::invariants::{Context, check};
use refundkit_yandex_pay::types::{Cart, CartItem, CartTotal, ItemQuantity, Shipping};
use refundkit_yandex_pay::{decode_request, encode_request};

fn item(i: usize, unit_kopecks: u64, discount_kopecks: Option<u64>, count: u32) -> CartItem {
    let unit = Amount::from_minor_units(unit_kopecks);
    let discounted =
        discount_kopecks.map(|d| Amount::from_minor_units(unit_kopecks.saturating_sub(d)));
    let price = discounted.unwrap_or(unit);
    CartItem {
        product_id: format!("p{i}"),
        title: Some(format!("Товар {i}")),
        quantity: ItemQuantity {
            count: Quantity::from(count),
            available: None,
            label: None,
        },
        unit_price: Some(unit),
        discounted_unit_price: discounted,
        subtotal: Some(
            unit.checked_mul(Quantity::from(count))
                .unwrap()
                .round_to_kopecks(),
        ),
        total: price
            .checked_mul(Quantity::from(count))
            .unwrap()
            .round_to_kopecks(),
        description: None,
        item_type: Some("PHYSICAL".into()),
        measurements: None,
        receipt: None,
        points_amount: None,
    }
}

fn order() -> impl Strategy<Value = Order> {
    (
        proptest::collection::vec(
            (1u64..1_000_000, proptest::option::of(0u64..100), 1u32..10),
            1..8,
        ),
        proptest::option::of(0u64..100_000),
    )
        .prop_map(|(items, shipping)| {
            let items: Vec<CartItem> = items
                .into_iter()
                .enumerate()
                // A discount leaves at least a kopeck: a selection of free items only would
                // refund nothing, which the helper refuses (its own test covers that).
                .map(|(i, (u, d, c))| item(i, u, d.map(|d| d.min(u - 1)), c))
                .collect();
            let total = items
                .iter()
                .fold(Amount::ZERO, |acc, i| acc.checked_add(i.total).unwrap());
            Order {
                cart: Cart {
                    cart_id: None,
                    external_id: None,
                    items,
                    discounts: vec![],
                    coupons: vec![],
                    total: CartTotal {
                        amount: total,
                        points_amount: None,
                        external_amount: None,
                        label: None,
                    },
                    measurements: None,
                },
                shipping: shipping.map(|k| Shipping {
                    method_type: "COURIER".into(),
                    amount: Amount::from_minor_units(k),
                    receipt: None,
                }),
            }
        })
}

fn order_and_selection() -> impl Strategy<Value = (Order, Selection)> {
    (order(), any::<u64>(), any::<bool>()).prop_map(|(order, seed, shipping)| {
        // Take a seeded subset of the items, each for 1..=count units.
        let mut products = Vec::new();
        for (i, item) in order.cart.items.iter().enumerate() {
            let bits = seed.rotate_left(i as u32 * 7);
            if bits & 1 == 1 {
                let held = u64::try_from(item.quantity.count.value().mantissa()).unwrap();
                let n = 1 + (bits >> 1) % held;
                products.push((
                    item.product_id.clone(),
                    Quantity::from(u32::try_from(n).unwrap()),
                ));
            }
        }
        if products.is_empty() {
            products.push((order.cart.items[0].product_id.clone(), Quantity::ONE));
        }
        let shipping = shipping && order.shipping.is_some();
        (
            order,
            Selection {
                products,
                shipping,
                external_operation_id: Some("op-1".into()),
                external_amount: None,
            },
        )
    })
}

proptest! {
    #[test]
    fn any_cart_and_selection_yield_a_final_cart_that_passes_every_invariant((order, selection) in order_and_selection()) {
        let body = refund(&order, &selection).unwrap();
        let ctx = Context {
            payment_amount: order.amount(),
            current_cart: Some(&order.cart),
            current_shipping: order.shipping.as_ref().map(|s| s.amount),
            order_status: None,
        };
        let report = check(&body, &ctx);
        prop_assert!(!report.has_errors(), "{}", report);
    }

    #[test]
    fn the_validator_agrees_with_an_independent_recomputation((order, selection) in order_and_selection(), tweak in 0usize..4) {
        // Recompute the expected sums from scratch in integer kopecks, break one field, and
        // check that the validator's verdict matches the recomputation.
        let mut body = refund(&order, &selection).unwrap();
        match tweak {
            1 => body.order_amount = body.order_amount.checked_add(Amount::from_minor_units(1)).unwrap(),
            2 => body.final_cart_mut().total.amount = body.final_cart().total.amount.checked_add(Amount::from_minor_units(1)).unwrap(),
            3 if !body.final_cart().items.is_empty() => body.final_cart_mut().items[0].total = body.final_cart().items[0].total.checked_add(Amount::from_minor_units(1)).unwrap(),
            _ => {}
        }
        let k = |a: Amount| a.to_minor_units().unwrap();
        let items_ok = body.final_cart().items.iter().all(|i| {
            let price = k(i.discounted_unit_price.or(i.unit_price).unwrap());
            let count = u64::try_from(i.quantity.count.value().mantissa()).unwrap();
            price * count == k(i.total)
        });
        let cart_ok = body.final_cart().items.iter().map(|i| k(i.total)).sum::<u64>() == k(body.final_cart().total.amount);
        let order_ok = k(body.final_cart().total.amount) + body.shipping.as_ref().map_or(0, |s| k(s.amount)) == k(body.order_amount);
        let independent = items_ok && cart_ok && order_ok;
        let report = check(&body, &Context::default());
        prop_assert_eq!(!report.has_errors(), independent, "{}", report);
    }

    #[test]
    fn bodies_serialize_and_parse_back((order, selection) in order_and_selection()) {
        let body = refund(&order, &selection).unwrap();
        let json = encode_request(&body).unwrap();
        let back = decode_request(&json).unwrap();
        prop_assert_eq!(&back, &body);
        prop_assert_eq!(encode_request(&back).unwrap(), json);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_request(&bytes);
        let _ = refundkit_yandex_pay::parse_response(200, &bytes);
        let _ = refundkit_yandex_pay::parse_response(400, &bytes);
    }
}

proptest! {
    #[test]
    fn any_cart_and_selection_yield_a_v2_body_that_passes_every_v2_rule((order, selection) in order_and_selection()) {
        use refundkit_yandex_pay::helper::refund_v2;
        use refundkit_yandex_pay::invariants::{ContextV2, check_v2};
        let v2 = refund_v2(&order, &selection).unwrap();
        let v1 = refund(&order, &selection).unwrap();
        prop_assert_eq!(v2.refund_amount, v1.refund_amount);
        let report = check_v2(&v2, &ContextV2 { order: Some(&order), ..ContextV2::default() });
        prop_assert!(!report.has_errors(), "{}", report);
    }
}
