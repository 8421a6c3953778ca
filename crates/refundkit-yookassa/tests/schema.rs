//! returnPaymentRequest's attributes and elements, type by type, against the returnPayment
//! page (the request table and the receipt table): every documented attribute is accepted, the
//! required ones are required, and nothing else passes. The receipt's contact (`customer` or
//! `customerContact`, one of them) is a rule, not the reader's: see rules.rs.
#![allow(clippy::unwrap_used, clippy::panic)]

use refundkit_yookassa::{check, decode_request};

/// `(element, attribute, required)` of the full document below.
const ATTRIBUTES: &[(&str, &str, bool)] = &[
    ("returnPaymentRequest", "clientOrderId", true),
    ("returnPaymentRequest", "requestDT", true),
    ("returnPaymentRequest", "invoiceId", true),
    ("returnPaymentRequest", "shopId", true),
    ("returnPaymentRequest", "amount", true),
    ("returnPaymentRequest", "currency", false),
    ("returnPaymentRequest", "cause", false),
    ("receipt", "customerContact", false),
    ("receipt", "taxSystem", false),
    ("customer", "fullName", false),
    ("customer", "inn", false),
    ("customer", "email", false),
    ("customer", "phone", false),
    ("item", "quantity", true),
    ("item", "tax", true),
    ("item", "text", true),
    ("item", "paymentSubjectType", false),
    ("item", "paymentMethodType", false),
    ("item", "productCode", false),
    ("item", "countryOfOriginCode", false),
    ("item", "customsDeclarationNumber", false),
    ("item", "excise", false),
    ("price", "amount", true),
    ("price", "currency", false),
];

fn full(skip: Option<(&str, &str)>, extra: Option<&str>) -> String {
    let attr = |element: &str, name: &str, value: &str| {
        if skip == Some((element, name)) {
            String::new()
        } else {
            format!(r#" {name}="{value}""#)
        }
    };
    let e = "returnPaymentRequest";
    format!(
        "<{e}{}{}{}{}{}{}{}{}><receipt{}{}><customer{}{}{}{}/><items><item{}{}{}{}{}{}{}{}{}><price{}{}/></item></items></receipt></{e}>",
        attr(e, "clientOrderId", "12345"),
        attr(e, "requestDT", "2011-07-02T20:38:00.000Z"),
        attr(e, "invoiceId", "2000000123"),
        attr(e, "shopId", "6689"),
        attr(e, "amount", "300.00"),
        attr(e, "currency", "643"),
        attr(e, "cause", "Возврат"),
        extra.unwrap_or(""),
        attr("receipt", "customerContact", "+79000000000"),
        attr("receipt", "taxSystem", "1"),
        attr("customer", "fullName", "Иванов Иван"),
        attr("customer", "inn", "7700000000"),
        attr("customer", "email", "user@example.com"),
        attr("customer", "phone", "+79000000000"),
        attr("item", "quantity", "1"),
        attr("item", "tax", "11"),
        attr("item", "text", "Чай"),
        attr("item", "paymentSubjectType", "commodity"),
        attr("item", "paymentMethodType", "full_payment"),
        attr("item", "productCode", "00 00 00 01"),
        attr("item", "countryOfOriginCode", "RU"),
        attr(
            "item",
            "customsDeclarationNumber",
            "10702020/060520/0013422"
        ),
        attr("item", "excise", "1.00"),
        attr("price", "amount", "300.00"),
        attr("price", "currency", "RUB"),
    )
}

#[test]
fn every_documented_attribute_is_accepted_and_the_required_ones_required() {
    let request = decode_request(full(None, None).as_bytes()).unwrap();
    // Both contacts at once is a rule's business (one contact only), not the reader's.
    assert!(
        !check(&request)
            .errors()
            .any(|v| v.code != "several_contacts")
    );
    for (element, name, required) in ATTRIBUTES {
        let result = decode_request(full(Some((element, name)), None).as_bytes());
        match (required, result) {
            (false, Ok(_)) => {}
            (false, Err(e)) => panic!("{element}@{name} is optional, yet: {e}"),
            (true, Err(e)) => assert!(
                e.path.ends_with(&format!("@{name}")),
                "{element}@{name}: {e}"
            ),
            (true, Ok(_)) => panic!("{element}@{name} is required, and its absence reads"),
        }
    }
}

#[test]
fn an_undocumented_attribute_is_refused_by_name() {
    let e = decode_request(full(None, Some(r#" ammount="1.00""#)).as_bytes()).unwrap_err();
    assert_eq!(e.path, "returnPaymentRequest@ammount");
}
