//! The refund's JSON payload: written byte for byte as Robokassa's example token has it, read
//! through serde with exact decimals.

use std::borrow::Cow;
use std::io::Write as _;

use refundkit_core::{Amount, Coded, DecodeError, EncodeError, Quantity};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::value::RawValue;

use crate::types::{
    InvoiceItem, PAYMENT_METHOD_CODES, PAYMENT_OBJECT_CODES, RefundRequest, VAT_CODES,
};

/// The payload's compact JSON, byte for byte what is signed.
///
/// Fails only for a known code that has no Robokassa spelling, which [`crate::validate`]
/// reports first.
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    encode_payload_into(request, &mut out)?;
    Ok(out)
}

fn encode_payload_into<'a>(
    request: &'a RefundRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    out.extend_from_slice(b"{\"OpKey\":");
    write_json_string(out, &request.op_key);
    if let Some(sum) = request.refund_sum {
        out.extend_from_slice(b",\"RefundSum\":");
        sum.write_json_number(out);
    }
    if let Some(items) = &request.invoice_items {
        out.extend_from_slice(b",\"InvoiceItems\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let code = |field: &str, code: Option<&'a str>| -> Result<&'a str, EncodeError> {
                code.ok_or_else(|| {
                    EncodeError::new(
                        format!("InvoiceItems[{i}].{field}"),
                        "value has no Robokassa code",
                    )
                })
            };
            let tax = code("Tax", item.tax.code_in(VAT_CODES))?;
            let method = item
                .payment_method
                .as_ref()
                .map(|m| code("PaymentMethod", m.code_in(PAYMENT_METHOD_CODES)))
                .transpose()?;
            let object = item
                .payment_object
                .as_ref()
                .map(|o| code("PaymentObject", o.code_in(PAYMENT_OBJECT_CODES)))
                .transpose()?;
            out.extend_from_slice(b"{\"Name\":");
            write_json_string(out, &item.name);
            out.extend_from_slice(b",\"Quantity\":");
            item.quantity.write_json_number(out);
            out.extend_from_slice(b",\"Cost\":");
            item.cost.write_json_number(out);
            out.extend_from_slice(b",\"Tax\":");
            write_json_string(out, tax);
            if let Some(method) = method {
                out.extend_from_slice(b",\"PaymentMethod\":");
                write_json_string(out, method);
            }
            if let Some(object) = object {
                out.extend_from_slice(b",\"PaymentObject\":");
                write_json_string(out, object);
            }
            if let Some(code) = &item.nomenclature_code {
                out.extend_from_slice(b",\"NomenclatureCode\":");
                write_json_string(out, code);
            }
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string as serde_json and Robokassa's PHP plugin (with `JSON_UNESCAPED_UNICODE |
/// JSON_UNESCAPED_SLASHES`) write it: only `"`, `\` and control characters escaped.
pub(super) fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut rest = s.as_bytes();
    // Copy runs that need no escaping in one go; most text is one run.
    while let Some(i) = rest
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
    {
        let (run, tail) = rest.split_at(i);
        out.extend_from_slice(run);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                // Writing to a Vec cannot fail.
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        rest = tail;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Largest payload decoded: a 100-line payload is about 30 KiB.
pub const MAX_PAYLOAD_LEN: usize = 192 * 1024;

/// Decodes a payload: wire field names in any order and whitespace, unknown fields refused,
/// amounts exact. Rules (positive sums, lengths) are [`crate::validate`]'s job.
pub fn decode_request(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    if json.len() > MAX_PAYLOAD_LEN {
        return Err(DecodeError::too_large(json.len(), MAX_PAYLOAD_LEN));
    }
    refundkit_core::json::decode(json)
}

impl<'de> Deserialize<'de> for RefundRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            #[serde(rename = "OpKey")]
            op_key: String,
            #[serde(rename = "RefundSum", default, deserialize_with = "some_amount")]
            refund_sum: Option<Amount>,
            #[serde(rename = "InvoiceItems", default, deserialize_with = "some_items")]
            invoice_items: Option<Vec<InvoiceItem>>,
        }
        let w = Wire::deserialize(d)?;
        Ok(RefundRequest {
            op_key: w.op_key,
            refund_sum: w.refund_sum,
            invoice_items: w.invoice_items,
        })
    }
}

impl<'de> Deserialize<'de> for InvoiceItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire<'a> {
            #[serde(rename = "Name")]
            name: String,
            #[serde(rename = "Quantity", deserialize_with = "quantity")]
            quantity: Quantity,
            #[serde(rename = "Cost", deserialize_with = "amount")]
            cost: Amount,
            #[serde(rename = "Tax", borrow)]
            tax: Cow<'a, str>,
            #[serde(
                rename = "PaymentMethod",
                borrow,
                default,
                deserialize_with = "some_code"
            )]
            payment_method: Option<Cow<'a, str>>,
            #[serde(
                rename = "PaymentObject",
                borrow,
                default,
                deserialize_with = "some_code"
            )]
            payment_object: Option<Cow<'a, str>>,
            #[serde(rename = "NomenclatureCode", default, deserialize_with = "some_text")]
            nomenclature_code: Option<String>,
        }
        let w = Wire::deserialize(d)?;
        Ok(InvoiceItem {
            name: w.name,
            quantity: w.quantity,
            cost: w.cost,
            tax: coded(VAT_CODES, w.tax),
            payment_method: w.payment_method.map(|m| coded(PAYMENT_METHOD_CODES, m)),
            payment_object: w.payment_object.map(|o| coded(PAYMENT_OBJECT_CODES, o)),
            nomenclature_code: w.nomenclature_code,
        })
    }
}

/// Looks a code up, allocating only for one outside the table.
fn coded<T: Copy>(table: &[(T, &str)], raw: Cow<'_, str>) -> Coded<T> {
    match table.iter().find(|(_, code)| *code == raw) {
        Some((value, _)) => Coded::Known(*value),
        None => Coded::Unknown(raw.into_owned()),
    }
}

/// The text of a JSON number, taken raw so that it never becomes a float. Borrowed from the
/// input, so [`decode_request`] (which reads a slice) allocates nothing per number; this is
/// also why these types deserialize from `serde_json::from_slice`/`from_str` and not from a
/// reader.
fn json_number<'de, D: Deserializer<'de>>(d: D) -> Result<&'de RawValue, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    let first = raw.get().as_bytes().first().copied();
    if !matches!(first, Some(b'-' | b'0'..=b'9')) {
        return Err(de::Error::custom(format_args!(
            "expected a JSON number, found {}",
            kind_of(raw.get())
        )));
    }
    Ok(raw)
}

fn kind_of(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'n') => "null (omit the field instead)",
        Some(b't' | b'f') => "a boolean",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "something else",
    }
}

fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    let raw = json_number(d)?;
    Amount::parse_json_number(raw.get()).map_err(de::Error::custom)
}

// `null` for RefundSum is refused rather than read as "absent": a shop's serializer writing
// null for an unset partial sum must not turn into a full refund.
fn some_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
    amount(d).map(Some)
}

// Like RefundSum, an optional code may be omitted but not `null`.
fn some_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Code<'a>(#[serde(borrow)] Cow<'a, str>);
    Code::deserialize(d).map(|c| Some(c.0))
}

// Like the codes, an optional text may be omitted but not `null`.
fn some_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn some_items<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<InvoiceItem>>, D::Error> {
    Vec::<InvoiceItem>::deserialize(d).map(Some)
}

fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
    let raw = json_number(d)?;
    Quantity::parse_json_number(raw.get()).map_err(de::Error::custom)
}
