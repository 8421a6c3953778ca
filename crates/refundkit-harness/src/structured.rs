//! Structured round-trip targets: the fuzzer's bytes drive [`arbitrary::Unstructured`] to build
//! a request value (never raw wire bytes), which is then encoded, decoded and compared.
//!
//! Each target states the same two laws for its provider's codec:
//! - whatever encodes decodes back to an equal value;
//! - encode, decode, encode gives the same bytes (the wire form is a function of the value).
//!
//! The values stay inside what each wire form can express (two decimal places where it fixes
//! them, XML 1.0 characters in XML), so every one must encode. Inside that they are as broad as
//! the types, not only what a provider would accept: codes outside the tables, every optional
//! field, decimals at every scale `rust_decimal` has, text with the characters each wire form
//! must escape. Validation is a separate question; only Robokassa's `sign` ties the two.

use arbitrary::{Result, Unstructured};
use refundkit_core::{Amount, Coded, Quantity};
use rust_decimal::Decimal;

/// Characters every wire form has to treat with care, picked more often than chance would.
const AWKWARD: &[char] = &[
    '"', '\\', '/', '&', '<', '>', '\'', '=', '+', '%', ' ', '\n', '\r', '\t', '\u{0}', '\u{1f}',
    '\u{7f}', '\u{85}', '\u{2028}', 'Я', 'ё', '😀', '\u{FEFF}', '\u{FFFD}', '.', '-', ':', ';',
];

/// Text of up to `max` characters: plain ASCII, awkward characters, or any `char` at all.
fn text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let len = u.int_in_range(0..=max)?;
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        let c = match u.int_in_range(0u8..=3)? {
            0 => char::from(u.int_in_range(b'a'..=b'z')?),
            1 => *u.choose(AWKWARD)?,
            2 => char::from(u.int_in_range(0x20u8..=0x7e)?),
            _ => u.arbitrary::<char>()?,
        };
        s.push(c);
    }
    Ok(s)
}

/// A non-negative decimal: a mantissa of 16, 32, 64 or 96 bits and a scale up to `max_scale`.
fn decimal(u: &mut Unstructured<'_>, max_scale: u32) -> Result<Decimal> {
    let (lo, mid, hi) = match u.int_in_range(0u8..=3)? {
        0 => (u32::from(u.arbitrary::<u16>()?), 0, 0),
        1 => (u.arbitrary()?, 0, 0),
        2 => (u.arbitrary()?, u.arbitrary()?, 0),
        _ => (u.arbitrary()?, u.arbitrary()?, u.arbitrary()?),
    };
    let scale = u.int_in_range(0..=max_scale)?;
    Ok(Decimal::from_parts(lo, mid, hi, false, scale))
}

fn amount(u: &mut Unstructured<'_>, max_scale: u32) -> Result<Amount> {
    Amount::new(decimal(u, max_scale)?).map_err(|_| arbitrary::Error::IncorrectFormat)
}

fn quantity(u: &mut Unstructured<'_>, max_scale: u32) -> Result<Quantity> {
    Quantity::new(decimal(u, max_scale)?).map_err(|_| arbitrary::Error::IncorrectFormat)
}

fn option<T>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(if u.arbitrary::<bool>()? {
        Some(f(u)?)
    } else {
        None
    })
}

fn vec<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

/// A code from a provider's table, or (one time in eight) a raw code that is looked up the
/// way a decoder would, so that a raw spelling of a known code is `Known`, as after decoding.
fn coded<T: Copy, C: Copy + PartialEq<R>, R>(
    u: &mut Unstructured<'_>,
    table: &[(T, C)],
    raw: impl FnOnce(&mut Unstructured<'_>) -> Result<R>,
) -> Result<Coded<T, R>> {
    if u.ratio(1u8, 8)? {
        Ok(Coded::from_table(table, raw(u)?))
    } else {
        Ok(Coded::Known(u.choose(table)?.0))
    }
}

/// The two laws, for one codec: `value` encodes, decodes back equal, and re-encodes to the same
/// bytes. Returns the encoding.
fn laws<T, W, E, D>(
    value: &T,
    encode: impl Fn(&T) -> Result<W, E>,
    decode: impl Fn(&[u8]) -> Result<T, D>,
) -> W
where
    T: PartialEq + std::fmt::Debug,
    W: AsRef<[u8]> + PartialEq + std::fmt::Debug,
    E: std::fmt::Debug,
    D: std::fmt::Debug,
{
    let wire = encode(value).expect("a value of the wire's domain encodes");
    let back = decode(wire.as_ref()).expect("our own encoding decodes");
    assert_eq!(&back, value, "round trip");
    assert_eq!(encode(&back).expect("encodes"), wire, "encoding is stable");
    wire
}

/// Runs `build` on the fuzzer's bytes; too few bytes for a value is not a finding.
fn with_value<T>(data: &[u8], build: impl FnOnce(&mut Unstructured<'_>) -> Result<T>) -> Option<T> {
    build(&mut Unstructured::new(data)).ok()
}

// ---------------------------------------------------------------------------------------------
// Robokassa

/// Robokassa: payload encode/decode/encode and sign/verify under each HMAC for any request;
/// `sign` refuses exactly what `validate` reports errors for.
pub fn robokassa_round_trip(data: &[u8]) {
    use refundkit_robokassa::types::{PAYMENT_METHOD_CODES, PAYMENT_OBJECT_CODES, VAT_CODES};
    use refundkit_robokassa::{
        Accept, Alg, InvoiceItem, RefundRequest, check, decode_request, encode_request, sign,
        validate, verify,
    };
    let raw = |u: &mut Unstructured<'_>| text(u, 16);
    let Some((request, alg)) = with_value(data, |u| {
        let request = RefundRequest {
            op_key: text(u, 64)?,
            refund_sum: option(u, |u| amount(u, 28))?,
            invoice_items: option(u, |u| {
                vec(u, 6, |u| {
                    Ok(InvoiceItem {
                        name: text(u, 64)?,
                        quantity: quantity(u, 28)?,
                        cost: amount(u, 28)?,
                        tax: coded(u, VAT_CODES, raw)?,
                        payment_method: option(u, |u| coded(u, PAYMENT_METHOD_CODES, raw))?,
                        payment_object: option(u, |u| coded(u, PAYMENT_OBJECT_CODES, raw))?,
                        nomenclature_code: option(u, |u| text(u, 40))?,
                    })
                })
            })?,
        };
        Ok((request, *u.choose(&Alg::ALL)?))
    }) else {
        return;
    };
    let payload = laws(&request, encode_request, decode_request);
    let key = crate::sample_key();
    let token = refundkit_robokassa::codec::sign_payload_bytes(&payload, &key, alg);
    let verified = verify(token.as_str(), &key, Accept::Only(alg)).expect("our own token verifies");
    assert_eq!(
        verified.payload_json, payload,
        "the token carries the payload"
    );
    assert_eq!(verified.request, request, "sign/verify round trip");
    // Only a validated request is signed: `validate` refuses exactly the requests with an
    // error-level violation (with `check`'s report), and a valid one signs to the same token.
    match validate(request.clone()) {
        Ok(valid) => {
            assert_eq!(
                valid.warnings(),
                &check(&request),
                "warnings are check's report"
            );
            let signed = sign(&valid, &key, alg).expect("a valid request signs");
            assert_eq!(signed.as_str(), token.as_str(), "sign = sign_payload_bytes");
        }
        Err(invalid) => {
            assert!(invalid.report.has_errors(), "refused without an error");
            assert_eq!(
                invalid.report,
                check(&request),
                "refused with check's report"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YooKassa

/// Text XML 1.0 can carry: characters it cannot (NUL, most C0 controls, U+FFFE) are replaced,
/// since `encode_request` refuses them by design (a test covers that refusal).
fn xml_text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    Ok(text(u, max)?
        .chars()
        .map(|c| match c {
            '\t'
            | '\n'
            | '\r'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'.. => c,
            _ => '?',
        })
        .collect())
}

/// YooKassa: `returnPaymentRequest` XML write/read/write for any request, receipt included.
pub fn yookassa_round_trip(data: &[u8]) {
    use refundkit_yookassa::types::{
        Customer, PAYMENT_METHOD_CODES, PAYMENT_SUBJECT_CODES, VAT_CODES,
    };
    use refundkit_yookassa::{
        Receipt, ReceiptItem, ReturnPaymentRequest, decode_request, encode_request,
    };
    let raw = |u: &mut Unstructured<'_>| xml_text(u, 12);
    let t = |u: &mut Unstructured<'_>| xml_text(u, 40);
    let Some(request) = with_value(data, |u| {
        Ok(ReturnPaymentRequest {
            client_order_id: t(u)?,
            request_dt: t(u)?,
            invoice_id: t(u)?,
            shop_id: t(u)?,
            amount: amount(u, 2)?,
            currency: option(u, t)?,
            cause: option(u, |u| xml_text(u, 128))?,
            receipt: option(u, |u| {
                Ok(Receipt {
                    customer_contact: option(u, t)?,
                    tax_system: option(u, t)?,
                    customer: option(u, |u| {
                        Ok(Customer {
                            full_name: option(u, t)?,
                            inn: option(u, t)?,
                            email: option(u, t)?,
                            phone: option(u, t)?,
                        })
                    })?,
                    items: vec(u, 6, |u| {
                        Ok(ReceiptItem {
                            quantity: quantity(u, 28)?,
                            price: amount(u, 2)?,
                            price_currency: option(u, t)?,
                            tax: coded(u, VAT_CODES, raw)?,
                            text: xml_text(u, 128)?,
                            payment_subject_type: option(u, |u| {
                                coded(u, PAYMENT_SUBJECT_CODES, raw)
                            })?,
                            payment_method_type: option(u, |u| {
                                coded(u, PAYMENT_METHOD_CODES, raw)
                            })?,
                            product_code: option(u, t)?,
                            country_of_origin_code: option(u, t)?,
                            customs_declaration_number: option(u, t)?,
                            excise: option(u, |u| amount(u, 2))?,
                        })
                    })?,
                })
            })?,
        })
    }) else {
        return;
    };
    laws(&request, encode_request, decode_request);
}

// ---------------------------------------------------------------------------------------------
// Yandex Pay

/// Yandex Pay: the refund body's JSON encode/decode/encode for any body, every optional field
/// Yandex Pay `measurements`: four quantities at any scale.
fn measurements(u: &mut Unstructured<'_>) -> Result<refundkit_yandex_pay::types::Measurements> {
    Ok(refundkit_yandex_pay::types::Measurements {
        weight: quantity(u, 28)?,
        height: quantity(u, 28)?,
        length: quantity(u, 28)?,
        width: quantity(u, 28)?,
    })
}

/// and unknown integer code included.
pub fn yandex_pay_round_trip(data: &[u8]) {
    use refundkit_yandex_pay::types::{
        Cart, CartItem, CartTotal, Coupon, Discount, ItemQuantity, ItemReceipt, MarkQuantity,
        PAYMENT_METHOD_CODES, PAYMENT_SUBJECT_CODES, RefundRequest, Shipping, Supplier, VAT_CODES,
    };
    use refundkit_yandex_pay::{decode_request, encode_request};
    let t = |u: &mut Unstructured<'_>| text(u, 40);
    let raw = |u: &mut Unstructured<'_>| u.arbitrary::<i64>();
    let receipt = |u: &mut Unstructured<'_>| {
        Ok(ItemReceipt {
            tax: coded(u, VAT_CODES, raw)?,
            title: option(u, t)?,
            measure: option(u, |u| u.arbitrary())?,
            payment_method_type: option(u, |u| coded(u, PAYMENT_METHOD_CODES, raw))?,
            payment_subject_type: option(u, |u| coded(u, PAYMENT_SUBJECT_CODES, raw))?,
            excise: option(u, |u| amount(u, 2))?,
            product_code: option(u, t)?,
            mark_quantity: option(u, |u| {
                Ok(MarkQuantity {
                    numerator: u.arbitrary()?,
                    denominator: u.arbitrary()?,
                })
            })?,
            supplier: option(u, |u| {
                Ok(Supplier {
                    inn: option(u, t)?,
                    name: option(u, t)?,
                    phones: vec(u, 3, t)?,
                })
            })?,
            // An opaque object the shop passes through: integers and text only, since
            // serde_json's Value would hold a fraction as a float.
            agent: option(u, |u| {
                Ok(serde_json::json!({
                    "agentType": u.arbitrary::<u8>()?,
                    "operation": t(u)?,
                }))
            })?,
        })
    };
    let Some(request) = with_value(data, |u| {
        Ok(RefundRequest {
            refund_amount: amount(u, 2)?,
            order_amount: amount(u, 2)?,
            cart: option(u, |u| {
                Ok(Cart {
                    cart_id: option(u, t)?,
                    external_id: option(u, t)?,
                    items: vec(u, 6, |u| {
                        Ok(CartItem {
                            product_id: t(u)?,
                            title: option(u, t)?,
                            quantity: ItemQuantity {
                                count: quantity(u, 28)?,
                                available: option(u, |u| quantity(u, 28))?,
                                label: option(u, t)?,
                            },
                            unit_price: option(u, |u| amount(u, 2))?,
                            discounted_unit_price: option(u, |u| amount(u, 2))?,
                            subtotal: option(u, |u| amount(u, 2))?,
                            total: amount(u, 2)?,
                            description: option(u, t)?,
                            item_type: option(u, t)?,
                            measurements: option(u, measurements)?,
                            receipt: option(u, receipt)?,
                            points_amount: option(u, |u| amount(u, 2))?,
                        })
                    })?,
                    discounts: vec(u, 3, |u| {
                        Ok(Discount {
                            discount_id: t(u)?,
                            amount: amount(u, 2)?,
                            description: t(u)?,
                        })
                    })?,
                    coupons: vec(u, 3, |u| {
                        Ok(Coupon {
                            value: t(u)?,
                            description: option(u, t)?,
                            status: option(u, t)?,
                        })
                    })?,
                    total: CartTotal {
                        amount: amount(u, 2)?,
                        points_amount: option(u, |u| amount(u, 2))?,
                        external_amount: option(u, |u| amount(u, 2))?,
                        label: option(u, t)?,
                    },
                    measurements: option(u, measurements)?,
                })
            })?,
            shipping: option(u, |u| {
                Ok(Shipping {
                    method_type: t(u)?,
                    amount: amount(u, 2)?,
                    receipt: option(u, receipt)?,
                })
            })?,
            external_operation_id: option(u, t)?,
        })
    }) else {
        return;
    };
    laws(&request, encode_request, decode_request);
}

// ---------------------------------------------------------------------------------------------
// RBS

/// RBS: the `refund.do` form body encode/decode/encode for any request.
pub fn rbs_round_trip(data: &[u8]) {
    use refundkit_core::SecretString;
    use refundkit_rbs::types::{Auth, ItemQuantity, Password, RefundItem, Token};
    use refundkit_rbs::{RefundRequest, decode_request, encode_request};
    let t = |u: &mut Unstructured<'_>| text(u, 40);
    let Some(request) = with_value(data, |u| {
        let auth = if u.arbitrary::<bool>()? {
            Auth::Password {
                user_name: t(u)?,
                password: Password(SecretString::new(t(u)?)),
            }
        } else {
            Auth::Token(Token(SecretString::new(t(u)?)))
        };
        Ok(RefundRequest {
            auth,
            order_id: t(u)?,
            amount: u.arbitrary()?,
            json_params: option(u, |u| {
                // jsonParams is a JSON object: its keys are unique by definition.
                let mut params: Vec<(String, String)> = Vec::new();
                for (k, v) in vec(u, 4, |u| Ok((t(u)?, t(u)?)))? {
                    if !params.iter().any(|(seen, _)| *seen == k) {
                        params.push((k, v));
                    }
                }
                Ok(params)
            })?,
            language: option(u, t)?,
            currency: option(u, t)?,
            order_bundle: option(u, |u| {
                Ok(format!(
                    "{{\"orderCreationDate\":{}}}",
                    u.arbitrary::<u32>()?
                ))
            })?,
            refund_items: option(u, |u| {
                vec(u, 4, |u| {
                    Ok(RefundItem {
                        position_id: t(u)?,
                        name: option(u, t)?,
                        quantity: ItemQuantity {
                            value: u.arbitrary()?,
                            measure: t(u)?,
                        },
                        item_code: option(u, t)?,
                        item_amount: option(u, |u| u.arbitrary())?,
                    })
                })
            })?,
        })
    }) else {
        return;
    };
    laws(&request, encode_request, decode_request);
}
