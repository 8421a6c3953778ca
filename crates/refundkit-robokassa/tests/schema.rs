//! The payload's fields, type by type, against Robokassa's refund page (the `Refund/Create`
//! payload table and its example token): every documented field is accepted, the required ones
//! are required, and nothing else passes. `PaymentMethod` and `PaymentObject` are optional: the
//! public clients omit them (aiorobokassa `RefundItem`, mikhail5545/go-robokassa-sdk
//! `InvoiceItem`) and the shop's settings in Robokassa supply them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_robokassa::{check, decode_request};
use serde_json::{Value, json};

fn full() -> Value {
    json!({
        "OpKey": "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
        "RefundSum": 1,
        "InvoiceItems": [{
            "Name": "Тестовый товар-1", "Quantity": 1, "Cost": 1, "Tax": "vat20",
            "PaymentMethod": "full_payment", "PaymentObject": "commodity"
        }]
    })
}

fn check_type(pointer: &[&str], name: &str, fields: &[(&str, bool)]) {
    let body = full();
    assert!(check(&decode_request(body.to_string().as_bytes()).unwrap()).is_empty());
    let at = |v: &mut Value| -> serde_json::Map<String, Value> {
        let mut cur = v.clone();
        for seg in pointer {
            cur = match seg.parse::<usize>() {
                Ok(i) => cur[i].clone(),
                Err(_) => cur[*seg].clone(),
            };
        }
        cur.as_object().unwrap().clone()
    };
    let mut listed: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
    let present = at(&mut body.clone());
    let mut present: Vec<&str> = present.keys().map(String::as_str).collect();
    listed.sort_unstable();
    present.sort_unstable();
    assert_eq!(listed, present, "{name}");
    let edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut v = body.clone();
        let mut cur = &mut v;
        for seg in pointer {
            cur = match seg.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[*seg],
            };
        }
        f(cur.as_object_mut().unwrap());
        v.to_string()
    };
    for (field, required) in fields {
        let text = edit(&|o| {
            o.remove(*field);
        });
        match (required, decode_request(text.as_bytes())) {
            (false, Ok(_)) => {}
            (false, Err(e)) => panic!("{name}.{field} is optional, yet: {e}"),
            (true, Err(e)) => assert!(e.to_string().contains(field), "{name}.{field}: {e}"),
            (true, Ok(_)) => panic!("{name}.{field} is required, and its absence decodes"),
        }
    }
    let text = edit(&|o| {
        o.insert("Refundsum".into(), json!(1));
    });
    let e = decode_request(text.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("Refundsum"), "{name}: {e}");
}

#[test]
fn refund_payload_fields_match_the_refund_page() {
    check_type(
        &[],
        "payload",
        &[
            ("OpKey", true),
            ("RefundSum", false),
            ("InvoiceItems", false),
        ],
    );
}

#[test]
fn invoice_item_fields_match_the_refund_page() {
    check_type(
        &["InvoiceItems", "0"],
        "InvoiceItems[0]",
        &[
            ("Name", true),
            ("Quantity", true),
            ("Cost", true),
            ("Tax", true),
            ("PaymentMethod", false),
            ("PaymentObject", false),
        ],
    );
}
