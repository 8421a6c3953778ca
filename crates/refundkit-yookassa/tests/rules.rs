//! One test per rule of returnPaymentRequest and its receipt, named after it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_core::{
    Coded, PaymentMethod, PaymentSubject, Quantity, Report, Severity, VatRate, codes,
};
use refundkit_yookassa::codes as yk_codes;
use refundkit_yookassa::codes as time_codes;
use refundkit_yookassa::idempotency::{ClientOrderIds, repeat_differences};
use refundkit_yookassa::receipt::quantity_for;
use refundkit_yookassa::timing::{PaymentKind, check_timing};
use refundkit_yookassa::types::Customer;
use refundkit_yookassa::{Receipt, ReceiptItem, ReturnPaymentRequest, check};

fn item(quantity: &str, price: &str) -> ReceiptItem {
    ReceiptItem {
        quantity: Quantity::parse_decimal(quantity).unwrap(),
        price: price.parse().unwrap(),
        price_currency: None,
        tax: Coded::Known(VatRate::Vat22),
        text: "Товар".into(),
        payment_subject_type: Some(Coded::Known(PaymentSubject::Commodity)),
        payment_method_type: Some(Coded::Known(PaymentMethod::FullPrepayment)),
        product_code: None,
        country_of_origin_code: None,
        customs_declaration_number: None,
        excise: None,
    }
}

fn request() -> ReturnPaymentRequest {
    ReturnPaymentRequest {
        client_order_id: "12345".into(),
        request_dt: "2011-07-02T20:38:00.000Z".into(),
        invoice_id: "2000000123".into(),
        shop_id: "6689".into(),
        amount: "400.22".parse().unwrap(),
        currency: Some("643".into()),
        cause: Some("Отказ".into()),
        receipt: Some(Receipt {
            customer_contact: None,
            tax_system: None,
            customer: Some(Customer {
                email: Some("user@example.com".into()),
                ..Customer::default()
            }),
            items: vec![item("2", "200.11")],
        }),
    }
}

fn errors(r: &Report) -> Vec<(&str, &str)> {
    r.errors().map(|v| (v.path.as_str(), v.code)).collect()
}

fn with(f: impl FnOnce(&mut ReturnPaymentRequest)) -> Report {
    let mut r = request();
    f(&mut r);
    check(&r)
}

fn receipt(r: &mut ReturnPaymentRequest) -> &mut Receipt {
    r.receipt.as_mut().unwrap()
}

#[test]
fn a_valid_request_has_no_violations() {
    assert!(check(&request()).is_empty(), "{}", check(&request()));
}

#[test]
fn client_order_id_invoice_id_and_shop_id_are_numeric_longs() {
    let r = with(|r| {
        r.client_order_id = "12a".into();
        r.invoice_id = String::new();
        r.shop_id = "99999999999999999999".into();
    });
    assert_eq!(
        errors(&r),
        [
            ("clientOrderId", codes::FORMAT),
            ("invoiceId", codes::REQUIRED),
            ("shopId", codes::FORMAT)
        ]
    );
}

#[test]
fn request_dt_is_iso8601_with_offset() {
    let r = with(|r| r.request_dt = "2011-07-02T20:38:00".into());
    assert_eq!(errors(&r), [("requestDT", codes::FORMAT)]);
}

#[test]
fn amount_is_positive() {
    let r = with(|r| {
        r.amount = "0.00".parse().unwrap();
        r.receipt = None;
    });
    assert_eq!(errors(&r), [("amount", codes::NOT_POSITIVE)]);
}

#[test]
fn amount_has_exactly_two_decimals() {
    let r = with(|r| {
        r.amount = "10.5".parse().unwrap();
        r.receipt = None;
    });
    assert_eq!(errors(&r), [("amount", yk_codes::NOT_TWO_DECIMALS)]);
    let r = with(|r| {
        r.amount = "10.505".parse().unwrap();
        r.receipt = None;
    });
    assert_eq!(errors(&r), [("amount", codes::TOO_MANY_DECIMALS)]);
}

#[test]
fn currency_is_643_or_the_demo_10643() {
    assert!(with(|r| r.currency = Some("10643".into())).is_empty());
    assert_eq!(
        errors(&with(|r| r.currency = Some("840".into()))),
        [("currency", codes::UNKNOWN_CODE)]
    );
}

#[test]
fn cause_has_at_most_255_characters() {
    assert!(with(|r| r.cause = Some("я".repeat(255))).is_empty());
    assert_eq!(
        errors(&with(|r| r.cause = Some("я".repeat(256)))),
        [("cause", codes::TOO_LONG)]
    );
}

#[test]
fn a_receipt_needs_a_contact() {
    let r = with(|r| receipt(r).customer = None);
    assert_eq!(errors(&r), [("receipt", yk_codes::NO_CONTACT)]);
    assert!(
        with(|r| {
            receipt(r).customer = None;
            receipt(r).customer_contact = Some("+79210000000".into());
        })
        .is_empty()
    );
}

#[test]
fn phone_is_e164_and_foreign_numbers_are_warned() {
    let set = |p: &str| {
        let p = p.to_owned();
        with(move |r| receipt(r).customer.as_mut().unwrap().phone = Some(p))
    };
    assert!(set("+79210000000").is_empty());
    assert_eq!(
        errors(&set("89210000000")),
        [("receipt.customer.phone", codes::FORMAT)]
    );
    let foreign = set("+4915112345678");
    assert!(!foreign.has_errors());
    assert!(foreign.contains("receipt.customer.phone", yk_codes::FOREIGN_PHONE));
}

#[test]
fn email_is_syntactically_valid() {
    for bad in [
        "user",
        "user@",
        "@example.com",
        "us er@example.com",
        "user@example",
        "a@b@c.ru",
    ] {
        let b = bad.to_owned();
        let r = with(move |r| receipt(r).customer.as_mut().unwrap().email = Some(b));
        assert_eq!(
            errors(&r),
            [("receipt.customer.email", codes::FORMAT)],
            "{bad}"
        );
    }
}

#[test]
fn customer_contact_holds_one_contact_not_both() {
    let r = with(|r| receipt(r).customer_contact = Some("a@b.ru, +79210000000".into()));
    assert_eq!(
        errors(&r),
        [("receipt.customerContact", yk_codes::SEVERAL_CONTACTS)]
    );
}

#[test]
fn items_are_not_empty() {
    let r = with(|r| receipt(r).items.clear());
    assert_eq!(errors(&r), [("receipt.items", codes::EMPTY)]);
}

#[test]
fn tax_is_1_to_12_with_11_and_12_for_22_percent() {
    assert!(with(|r| receipt(r).items[0].tax = Coded::Known(VatRate::Vat22_122)).is_empty());
    let r = with(|r| receipt(r).items[0].tax = Coded::Unknown("13".into()));
    assert_eq!(errors(&r), [("receipt.items[0].tax", codes::UNKNOWN_CODE)]);
}

#[test]
fn text_has_at_most_128_characters() {
    let r = with(|r| receipt(r).items[0].text = "я".repeat(129));
    assert_eq!(errors(&r), [("receipt.items[0].text", codes::TOO_LONG)]);
}

#[test]
fn product_code_is_hex_bytes_separated_by_spaces_at_most_32() {
    let ok = "00 00 00 01 00 21 FA 41 00 23 05 41 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 12 00 AB 00";
    assert!(with(|r| receipt(r).items[0].product_code = Some(ok.into())).is_empty());
    for bad in ["0G", "000", "00  01", &format!("{ok} 00")] {
        let b = bad.to_owned();
        let r = with(move |r| receipt(r).items[0].product_code = Some(b));
        assert_eq!(
            errors(&r),
            [("receipt.items[0].productCode", codes::FORMAT)],
            "{bad}"
        );
    }
}

#[test]
fn customs_declaration_number_has_1_to_32_characters() {
    let r = with(|r| receipt(r).items[0].customs_declaration_number = Some("1".repeat(33)));
    assert_eq!(
        errors(&r),
        [("receipt.items[0].customsDeclarationNumber", codes::TOO_LONG)]
    );
    let r = with(|r| receipt(r).items[0].customs_declaration_number = Some(String::new()));
    assert_eq!(
        errors(&r),
        [("receipt.items[0].customsDeclarationNumber", codes::EMPTY)]
    );
}

#[test]
fn tax_system_is_1_to_6() {
    assert!(with(|r| receipt(r).tax_system = Some("6".into())).is_empty());
    let r = with(|r| receipt(r).tax_system = Some("7".into()));
    assert_eq!(errors(&r), [("receipt.taxSystem", codes::UNKNOWN_CODE)]);
}

#[test]
fn receipt_total_must_equal_amount() {
    let r = with(|r| r.amount = "400.20".parse().unwrap());
    assert_eq!(errors(&r), [("receipt.items", yk_codes::RECEIPT_TOTAL)]);
}

#[test]
fn receipt_total_may_exceed_amount_by_exactly_one_kopeck() {
    // 0.574 x 17.00 = 9.758 -> 9.76 for 9.75: valid (the seed's example).
    let r = with(|r| {
        r.amount = "9.75".parse().unwrap();
        receipt(r).items = vec![item("0.574", "17.00")];
    });
    assert!(!r.has_errors(), "{r}");
    assert!(r.violations().iter().any(|v| v.severity == Severity::Info));
    // 0.573 x 17.00 = 9.741 -> 9.74: one kopeck short, invalid.
    let r = with(|r| {
        r.amount = "9.75".parse().unwrap();
        receipt(r).items = vec![item("0.573", "17.00")];
    });
    assert_eq!(errors(&r), [("receipt.items", yk_codes::RECEIPT_TOTAL)]);
}

#[test]
fn the_quantity_helper_follows_the_sum_rule() {
    let q = quantity_for("17.00".parse().unwrap(), "9.75".parse().unwrap(), 3).unwrap();
    assert_eq!(q.to_string(), "0.574");
}

fn secs(n: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(n))
        .unwrap()
}

fn ms(n: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::from_millis(n))
        .unwrap()
}

#[test]
fn a_payment_older_than_three_years_is_warned_as_error_616() {
    let mut r = Report::new();
    let day = 86_400;
    check_timing(&mut r, secs(0), secs(3 * 366 * day), PaymentKind::Other);
    assert!(r.contains("invoiceId", time_codes::OLDER_THAN_THREE_YEARS));
    assert!(!r.has_errors());
}

#[test]
fn sberpay_is_refundable_for_one_year() {
    let mut r = Report::new();
    check_timing(&mut r, secs(0), secs(366 * 86_400), PaymentKind::SberPay);
    assert!(r.contains("invoiceId", time_codes::SBERPAY_OLDER_THAN_A_YEAR));
    let mut r = Report::new();
    check_timing(&mut r, secs(0), secs(364 * 86_400), PaymentKind::SberPay);
    assert!(r.is_empty());
}

#[test]
fn cards_and_mir_pay_may_be_refused_after_15_months() {
    for kind in [PaymentKind::BankCard, PaymentKind::MirPay] {
        let mut r = Report::new();
        check_timing(&mut r, secs(0), secs(470 * 86_400), kind);
        assert!(r.contains("invoiceId", time_codes::CARD_OLDER_THAN_15_MONTHS));
        let mut r = Report::new();
        check_timing(&mut r, secs(0), secs(440 * 86_400), kind);
        assert!(r.is_empty());
    }
}

#[test]
fn a_same_day_refund_is_a_cancellation() {
    // 10:00 and 20:59 UTC on one day are 13:00 and 23:59 in Moscow: the same day.
    let mut r = Report::new();
    check_timing(
        &mut r,
        secs(10 * 3600),
        secs(20 * 3600 + 59 * 60),
        PaymentKind::BankCard,
    );
    assert!(r.contains("invoiceId", time_codes::SAME_DAY_CANCELLATION));
    assert_eq!(r.violations()[0].severity, Severity::Info);
    // 21:00 UTC is already the next day in Moscow.
    let mut r = Report::new();
    check_timing(
        &mut r,
        secs(10 * 3600),
        secs(21 * 3600),
        PaymentKind::BankCard,
    );
    assert!(r.is_empty());
}

#[test]
fn client_order_ids_increase_monotonically() {
    let mut ids = ClientOrderIds::after(0);
    let a = ids.next(ms(1_000));
    let b = ids.next(ms(1_000));
    let c = ids.next(ms(500));
    assert!(a < b && b < c);
    assert_eq!(ids.next(ms(10_000)), 10_000);
}

#[test]
fn a_repeat_must_carry_identical_data_except_request_dt() {
    let original = request();
    let mut retry = request();
    retry.request_dt = "2011-07-02T20:40:00.000Z".into();
    assert!(repeat_differences(&original, &retry).is_empty());
    retry.amount = "400.21".parse().unwrap();
    retry.cause = None;
    assert_eq!(repeat_differences(&original, &retry), ["amount", "cause"]);
}
