//! Properties: XML round trip, sign/open round trip, the quantity helper.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use refundkit_core::{Amount, Coded, PaymentMethod, PaymentSubject, Quantity, VatRate};
use refundkit_pkcs7::{Certificate, PrivateKey, SignOptions, Signer, Trust};
use refundkit_yookassa::receipt::{SumCheck, check_sum, quantity_for};
use refundkit_yookassa::types::Customer;
use refundkit_yookassa::{
    Receipt, ReceiptItem, ReturnPaymentRequest, decode_request, encode_request,
};
use rust_decimal::Decimal;

fn text(max: usize) -> impl Strategy<Value = String> {
    // Any character XML 1.0 can carry, including the ones that need escaping.
    proptest::collection::vec(
        prop_oneof![
            any::<char>().prop_filter(
                "XML char",
                |c| matches!(*c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            ),
            Just('&'),
            Just('<'),
            Just('"'),
            Just('\''),
            Just('\n'),
            Just('\t'),
            Just('\r'),
            Just('Я')
        ],
        1..max,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn amount() -> impl Strategy<Value = Amount> {
    (1u64..=99_999_999).prop_map(Amount::from_minor_units)
}

fn item() -> impl Strategy<Value = ReceiptItem> {
    (
        text(40),
        amount(),
        (1i64..100_000, 0u32..=3),
        proptest::sample::select(VatRate::ALL.to_vec()),
    )
        .prop_map(|(text, price, (q, s), tax)| ReceiptItem {
            quantity: Quantity::new(Decimal::new(q, s)).unwrap(),
            price,
            price_currency: Some("RUB".into()),
            tax: Coded::Known(tax),
            text,
            payment_subject_type: Some(Coded::Known(PaymentSubject::Service)),
            payment_method_type: Some(Coded::Known(PaymentMethod::FullPayment)),
            product_code: None,
            country_of_origin_code: Some("RU".into()),
            customs_declaration_number: None,
            excise: None,
        })
}

fn request() -> impl Strategy<Value = ReturnPaymentRequest> {
    (
        1u64..u64::MAX / 2,
        amount(),
        proptest::option::of(text(80)),
        proptest::option::of(proptest::collection::vec(item(), 1..4)),
    )
        .prop_map(|(id, amount, cause, items)| ReturnPaymentRequest {
            client_order_id: id.to_string(),
            request_dt: "2026-11-22T19:00:00.000+03:00".into(),
            invoice_id: "2000000123".into(),
            shop_id: "6689".into(),
            amount,
            currency: Some("643".into()),
            cause,
            receipt: items.map(|items| Receipt {
                customer_contact: None,
                tax_system: Some("1".into()),
                customer: Some(Customer {
                    email: Some("a@b.ru".into()),
                    ..Customer::default()
                }),
                items,
            }),
        })
}

fn signer() -> Signer {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/yookassa/keys/");
    Signer::new(
        PrivateKey::from_pem_or_der(&std::fs::read(format!("{dir}shop.key")).unwrap()).unwrap(),
        Certificate::from_pem_or_der(&std::fs::read(format!("{dir}shop.crt")).unwrap()).unwrap(),
    )
    .unwrap()
}

proptest! {
    #[test]
    fn xml_write_read_round_trip_for_any_request(r in request()) {
        let xml = encode_request(&r).unwrap();
        let back = decode_request(&xml).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(encode_request(&back).unwrap(), xml);
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_request(&bytes);
        let _ = refundkit_yookassa::read_response(&bytes);
        let _ = refundkit_pkcs7::open(&bytes, Trust::InsecureSkipSignature);
    }

    #[test]
    fn the_quantity_helper_always_yields_a_receipt_the_sum_rule_accepts(
        price_kopecks in 1u64..=100_000, target_kopecks in 1u64..=10_000_000
    ) {
        // With three decimals, one quantity step moves the total by price/1000, at most one
        // kopeck for prices up to 10.00; above that the rule may be unsatisfiable.
        let price = Amount::from_minor_units(price_kopecks);
        let target = Amount::from_minor_units(target_kopecks);
        match quantity_for(price, target, 3) {
            Some(q) => {
                let item = ReceiptItem {
                    quantity: q, price, price_currency: None, tax: Coded::Known(VatRate::Vat22),
                    text: "x".into(), payment_subject_type: None, payment_method_type: None,
                    product_code: None, country_of_origin_code: None,
                    customs_declaration_number: None, excise: None,
                };
                let check = check_sum(&[item], target);
                prop_assert!(matches!(check, SumCheck::Exact | SumCheck::KopeckOver(_)), "{:?}", check);
            }
            None => prop_assert!(price_kopecks > 1000, "no quantity for price {} target {}", price, target),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn sign_open_round_trip(r in request()) {
        let signer = signer();
        let options = SignOptions::at(UNIX_EPOCH + Duration::from_secs(1_763_800_000));
        let xml = encode_request(&r).unwrap();
        let pem = signer.sign_pem(&xml, &options).unwrap();
        let opened = refundkit_pkcs7::open(pem.as_bytes(), Trust::Certificate(signer.certificate())).unwrap();
        prop_assert_eq!(&opened.content, &xml);
        prop_assert_eq!(decode_request(&opened.content).unwrap(), r);
    }
}
