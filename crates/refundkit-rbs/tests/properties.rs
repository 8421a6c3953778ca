//! Properties: any valid request encodes and decodes back to itself; amounts round-trip
//! through minor units; decoders never panic.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use proptest::prelude::*;
use refundkit_core::{Amount, SecretString};
use refundkit_rbs::types::{Auth, ItemQuantity, Password, RefundItem, Token};
use refundkit_rbs::{RefundRequest, check, decode_request, encode_request_text};

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            Just('&'),
            Just('='),
            Just('+'),
            Just(' '),
            Just('%'),
            Just('Я'),
            Just('😀')
        ],
        1..20,
    )
    .prop_map(|c| c.into_iter().collect())
}

fn request() -> impl Strategy<Value = RefundRequest> {
    (
        prop_oneof![
            ("[a-z0-9-]{1,30}", "[!-~]{1,30}").prop_map(|(u, p)| Auth::Password {
                user_name: u,
                password: Password(SecretString::new(p))
            }),
            "[!-~]{1,256}".prop_map(|t| Auth::Token(Token(SecretString::new(t)))),
        ],
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        0u64..=999_999_999_999,
        proptest::option::of(proptest::collection::btree_map("[a-z]{1,8}", text(), 1..4)),
        proptest::option::of(Just("ru".to_string())),
        proptest::option::of(proptest::collection::vec(
            (text(), 1u64..10, 1u64..1_000_000),
            1..3,
        )),
    )
        .prop_map(
            |(auth, order_id, amount, params, language, items)| RefundRequest {
                auth,
                order_id,
                amount,
                json_params: params
                    .map(|m| m.into_iter().filter(|(k, _)| k != "loyaltyId").collect()),
                language,
                currency: None,
                order_bundle: None,
                refund_items: items.map(|items| {
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, (name, value, item_amount))| RefundItem {
                            position_id: (i + 1).to_string(),
                            name: Some(format!("n{name}")),
                            quantity: ItemQuantity {
                                value,
                                measure: "шт".into(),
                            },
                            item_code: Some(format!("sku-{i}")),
                            item_amount: Some(item_amount),
                        })
                        .collect()
                }),
            },
        )
}

proptest! {
    #[test]
    fn any_valid_request_encodes_and_decodes_back_to_itself(r in request()) {
        prop_assert!(!check(&r).has_errors(), "{}", check(&r));
        let body = encode_request_text(&r);
        prop_assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b)));
        prop_assert_eq!(decode_request(body.as_bytes()).unwrap(), r);
    }

    #[test]
    fn any_amount_round_trips_through_minor_units_without_loss(kopecks in 0u64..=999_999_999_999) {
        let amount = Amount::from_minor_units(kopecks);
        prop_assert_eq!(amount.to_minor_units(), Ok(kopecks));
        prop_assert_eq!(amount.to_fixed2().unwrap().parse::<Amount>().unwrap().to_minor_units(), Ok(kopecks));
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_request(&bytes);
        let _ = refundkit_rbs::parse_response(200, &bytes);
        let _ = refundkit_rbs::request_from_json(&bytes);
    }
}
