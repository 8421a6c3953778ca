//! The request's fields, type by type, against the v1 refund schema: every field it documents
//! is accepted, every field it requires is required, and nothing else passes.
//!
//! The field lists are the official page's (`merchant_v1_refund-post`, with its cart types), as
//! the public clients spell them: LexRiver/yandex-pay `RefundOrderRequest`,
//! `CartWithRequiredTotalWithoutFinalPrice`, `CartItem` (less `finalPrice`), `ItemQuantity`,
//! `CartTotal`, `Measurements`, `ItemReceipt`, `MarkQuantity`, `Supplier`, `Discount`,
//! `Coupon`, `ShippingPrice`; modeckrus/yandex_pay_api `ItemReceipt`, `Supplier`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_yandex_pay::decode_request;
use refundkit_yandex_pay::invariants::{Context, check};
use serde_json::{Value, json};

/// A body with every documented field at every level.
fn full() -> Value {
    let receipt = json!({
        "tax": 6, "title": "Чай", "measure": 0, "paymentMethodType": 4, "paymentSubjectType": 1,
        "excise": "1.00", "productCode": "AAAAAQAh+kEAIwVB",
        "markQuantity": {"numerator": 1, "denominator": 2},
        "supplier": {"inn": "7700000000", "name": "ООО Чай", "phones": ["+79000000000"]},
        "agent": {"agentType": 1}
    });
    let measurements = json!({"weight": 0.1, "height": 0.2, "length": 0.1, "width": 0.05});
    json!({
        "refundAmount": "100.00",
        "orderAmount": "600.00",
        "cart": {
            "cartId": "cart-7",
            "externalId": "basket-7",
            "items": [{
                "productId": "tea", "title": "Чай", "description": "Иван-чай",
                "quantity": {"count": "3", "available": "10", "label": "шт"},
                "unitPrice": "100.00", "discountedUnitPrice": "100.00", "subtotal": "300.00",
                "total": "300.00", "type": "PHYSICAL", "measurements": measurements,
                "receipt": receipt, "pointsAmount": "0.00"
            }],
            "discounts": [{"discountId": "d1", "amount": "0.00", "description": "—"}],
            "coupons": [{"value": "SPRING", "description": "3%", "status": "VALID"}],
            "total": {"amount": "300.00", "pointsAmount": "0.00", "label": "руб"},
            "measurements": measurements
        },
        "shipping": {"methodType": "COURIER", "amount": "300.00", "receipt": receipt},
        "externalOperationId": "refund-1"
    })
}

/// `path` as JSON pointer segments and as the validator's path (`cart.items[0]`).
struct At {
    pointer: &'static [&'static str],
    name: &'static str,
}

fn object_at<'v>(v: &'v mut Value, at: &At) -> &'v mut serde_json::Map<String, Value> {
    let mut cur = v;
    for seg in at.pointer {
        cur = match seg.parse::<usize>() {
            Ok(i) => &mut cur[i],
            Err(_) => &mut cur[*seg],
        };
    }
    cur.as_object_mut().unwrap()
}

/// Every listed field is accepted, every required one is required (a decode error or a
/// `required` violation naming it), an unknown one is refused by name, and the set listed is
/// the set present in the full body.
fn check_type(at: At, fields: &[(&str, bool)]) {
    let body = full();
    let decoded = decode_request(body.to_string().as_bytes()).unwrap();
    let report = check(&decoded, &Context::default());
    assert!(!report.has_errors(), "the full body is valid: {report}");
    let mut probe = body.clone();
    let mut listed: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
    let mut present: Vec<&str> = object_at(&mut probe, &at)
        .keys()
        .map(String::as_str)
        .collect();
    listed.sort_unstable();
    present.sort_unstable();
    assert_eq!(
        listed, present,
        "{}: the full body has exactly the schema's fields",
        at.name
    );

    for (field, required) in fields {
        let mut without = body.clone();
        object_at(&mut without, &at).remove(*field);
        let result = decode_request(without.to_string().as_bytes());
        let path = if at.name.is_empty() {
            (*field).to_string()
        } else {
            format!("{}.{field}", at.name)
        };
        match (required, result) {
            (false, Ok(_)) => {}
            (false, Err(e)) => panic!("{path} is optional, yet: {e}"),
            (true, Err(e)) => assert!(e.to_string().contains(field), "{path}: {e}"),
            (true, Ok(r)) => assert!(
                check(&r, &Context::default()).contains(&path, refundkit_core::codes::REQUIRED),
                "{path} is required, and its absence passes"
            ),
        }
    }
    let mut unknown = body.clone();
    object_at(&mut unknown, &at).insert("finalPrice".into(), json!("1.00"));
    let e = decode_request(unknown.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("finalPrice"), "{}: {e}", at.name);
}

#[test]
fn refund_request_fields_match_the_schema() {
    check_type(
        At {
            pointer: &[],
            name: "",
        },
        &[
            ("refundAmount", true),
            ("orderAmount", true),
            ("cart", false),
            ("shipping", false),
            ("externalOperationId", false),
        ],
    );
}

#[test]
fn cart_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart"],
            name: "cart",
        },
        &[
            ("cartId", false),
            ("externalId", false),
            ("items", true),
            ("discounts", false),
            ("coupons", false),
            ("total", true),
            ("measurements", false),
        ],
    );
}

#[test]
fn cart_item_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "items", "0"],
            name: "cart.items[0]",
        },
        &[
            ("productId", true),
            ("title", true),
            ("description", false),
            ("quantity", true),
            ("unitPrice", false),
            ("discountedUnitPrice", false),
            ("subtotal", false),
            ("total", true),
            ("type", false),
            ("measurements", false),
            ("receipt", false),
            ("pointsAmount", false),
        ],
    );
}

#[test]
fn item_quantity_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "items", "0", "quantity"],
            name: "cart.items[0].quantity",
        },
        &[("count", true), ("available", false), ("label", false)],
    );
}

#[test]
fn cart_total_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "total"],
            name: "cart.total",
        },
        &[("amount", true), ("pointsAmount", false), ("label", false)],
    );
}

#[test]
fn measurements_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "measurements"],
            name: "cart.measurements",
        },
        &[
            ("weight", true),
            ("height", true),
            ("length", true),
            ("width", true),
        ],
    );
}

#[test]
fn item_receipt_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "items", "0", "receipt"],
            name: "cart.items[0].receipt",
        },
        &[
            ("tax", true),
            ("title", false),
            ("measure", false),
            ("paymentMethodType", false),
            ("paymentSubjectType", false),
            ("excise", false),
            ("productCode", false),
            ("markQuantity", false),
            ("supplier", false),
            ("agent", false),
        ],
    );
}

#[test]
fn mark_quantity_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "items", "0", "receipt", "markQuantity"],
            name: "cart.items[0].receipt.markQuantity",
        },
        &[("numerator", true), ("denominator", true)],
    );
}

#[test]
fn supplier_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "items", "0", "receipt", "supplier"],
            name: "cart.items[0].receipt.supplier",
        },
        &[("inn", false), ("name", false), ("phones", false)],
    );
}

#[test]
fn discount_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "discounts", "0"],
            name: "cart.discounts[0]",
        },
        &[
            ("discountId", true),
            ("amount", true),
            ("description", true),
        ],
    );
}

#[test]
fn coupon_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["cart", "coupons", "0"],
            name: "cart.coupons[0]",
        },
        &[("value", true), ("description", false), ("status", false)],
    );
}

#[test]
fn shipping_fields_match_the_schema() {
    check_type(
        At {
            pointer: &["shipping"],
            name: "shipping",
        },
        &[("methodType", true), ("amount", true), ("receipt", false)],
    );
}
