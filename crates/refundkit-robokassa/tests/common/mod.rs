//! Shared test material: a valid request and the sample Password3 (not a real key).
#![allow(dead_code, clippy::unwrap_used, clippy::arithmetic_side_effects)]

use proptest::prelude::*;
use refundkit_core::{Amount, Coded, PaymentMethod, PaymentSubject, Quantity, VatRate};
use refundkit_robokassa::{InvoiceItem, Password3, RefundRequest};
use rust_decimal::Decimal;

/// The sample Password3 of testdata/robokassa.
pub fn key() -> Password3 {
    Password3::new("sample-password3-NOT-A-REAL-KEY".into()).unwrap()
}

/// An item with 22% VAT.
pub fn item(name: &str, quantity: &str, cost: &str) -> InvoiceItem {
    InvoiceItem {
        name: name.into(),
        quantity: Quantity::parse_decimal(quantity).unwrap(),
        cost: cost.parse().unwrap(),
        tax: Coded::Known(VatRate::Vat22),
        payment_method: Some(Coded::Known(PaymentMethod::FullPayment)),
        payment_object: Some(Coded::Known(PaymentSubject::Commodity)),
        nomenclature_code: None,
    }
}

/// A valid partial refund.
pub fn request() -> RefundRequest {
    RefundRequest {
        op_key: "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF".into(),
        refund_sum: Some("10".parse().unwrap()),
        invoice_items: Some(vec![item("Тестовый товар", "2", "5")]),
    }
}

/// Amounts Robokassa accepts.
pub fn amount() -> impl Strategy<Value = Amount> {
    (1u64..=9_999_999_999).prop_map(Amount::from_minor_units)
}

/// Positive quantities with up to 3 places.
pub fn quantity() -> impl Strategy<Value = Quantity> {
    (1i64..=1_000_000, 0u32..=3).prop_map(|(m, s)| Quantity::new(Decimal::new(m, s)).unwrap())
}

/// Non-blank text of any characters.
pub fn text(max: usize) -> impl Strategy<Value = String> {
    // Any printable text, Cyrillic, quotes, backslashes and control characters included.
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            Just('Я'),
            Just('"'),
            Just('\\'),
            Just('/'),
            Just('\n')
        ],
        1..max,
    )
    .prop_map(|cs| cs.into_iter().collect::<String>())
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

/// A valid item.
pub fn item_strategy() -> impl Strategy<Value = InvoiceItem> {
    (
        text(128),
        quantity(),
        amount(),
        proptest::sample::select(VatRate::ALL.to_vec()),
        proptest::sample::select(PaymentMethod::ALL.to_vec()),
        proptest::sample::select(PaymentSubject::ALL.to_vec()),
    )
        .prop_map(|(name, quantity, cost, tax, method, subject)| InvoiceItem {
            name,
            quantity,
            cost,
            tax: Coded::Known(tax),
            payment_method: Some(Coded::Known(method)),
            payment_object: Some(Coded::Known(subject)),
            nomenclature_code: None,
        })
}

/// A valid request.
pub fn request_strategy() -> impl Strategy<Value = RefundRequest> {
    (
        text(60),
        proptest::option::of(amount()),
        proptest::option::of(proptest::collection::vec(item_strategy(), 1..5)),
    )
        .prop_map(|(op_key, refund_sum, invoice_items)| RefundRequest {
            op_key,
            refund_sum,
            invoice_items,
        })
}
