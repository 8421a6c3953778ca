//! `OpStateExt`, Robokassa's XML interface for an operation's state: what gives the OpKey a
//! refund names. Its answer is read with entities and DTDs refused.

use std::fmt::Write as _;

use refundkit_core::outcome::{Outcome, Refusal, is_2xx};
use refundkit_core::{Amount, DecodeError};

use super::answers::malformed;
use crate::types::{OpState, OpStateCode, OpStateRequest, OpStateResult, Password2, UserField};

/// Largest `OpStateExt` answer read (a few hundred bytes in practice).
pub const MAX_OP_STATE_LEN: usize = 64 * 1024;

/// Deepest element nesting of an `OpStateExt` answer read (it nests 4).
const MAX_OP_STATE_DEPTH: usize = 8;

/// The namespaces an `OpStateExt` answer comes in: the one of Robokassa's web service
/// description, and the one a public Python client of it expects.
const OP_STATE_NAMESPACES: &[&str] = &[
    "http://merchant.roboxchange.com/WebService/",
    "http://auth.robokassa.ru/Merchant/WebService/",
];

/// `Signature` of `OpStateExt`: MD5 of `MerchantLogin:InvoiceID:Password2`, upper-case hex
/// (Robokassa's XML interfaces page; MD5 is the shop's default algorithm).
pub fn op_state_signature(request: &OpStateRequest, password2: &Password2) -> String {
    use md5::Digest as _;
    let mut md5 = md5::Md5::new();
    md5.update(request.merchant_login.as_bytes());
    md5.update(b":");
    md5.update(request.invoice_id.as_bytes());
    md5.update(b":");
    md5.update(password2.0.expose_secret().as_bytes());
    let digest = md5.finalize();
    let mut hex = String::with_capacity(32);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02X}");
    }
    hex
}

/// Longest `OpStateExt` query read: a login, an invoice number and 32 hex digits.
pub const MAX_OP_STATE_QUERY_LEN: usize = 4 * 1024;

/// Reads an `OpStateExt` request's query (`MerchantLogin=…&InvoiceID=…&Signature=…`), as
/// Robokassa's web service takes it: the request and the signature it carries. Strict: a
/// parameter unknown, repeated, missing or not UTF-8 once percent-decoded is refused.
pub fn decode_op_state_query(query: &str) -> Result<(OpStateRequest, String), DecodeError> {
    use refundkit_core::DecodeErrorKind as Kind;
    if query.len() > MAX_OP_STATE_QUERY_LEN {
        return Err(DecodeError::too_large(query.len(), MAX_OP_STATE_QUERY_LEN));
    }
    let (mut login, mut invoice, mut signature) = (None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(&value.replace('+', " "))
            .decode_utf8()
            .map_err(|_| DecodeError::new(Kind::Value, name, "not UTF-8 once decoded"))?
            .into_owned();
        let slot = match name {
            "MerchantLogin" => &mut login,
            "InvoiceID" => &mut invoice,
            "Signature" => &mut signature,
            _ => {
                return Err(DecodeError::new(
                    Kind::UnknownField,
                    name,
                    "not a parameter of OpStateExt",
                ));
            }
        };
        if slot.replace(value).is_some() {
            return Err(DecodeError::new(Kind::Repeated, name, "given twice"));
        }
    }
    let missing = |name: &str| DecodeError::new(Kind::MissingField, name, "required");
    Ok((
        OpStateRequest {
            merchant_login: login.ok_or_else(|| missing("MerchantLogin"))?,
            invoice_id: invoice.ok_or_else(|| missing("InvoiceID"))?,
        },
        signature.ok_or_else(|| missing("Signature"))?,
    ))
}

/// Whether `signature` is `request`'s under `password2` ([`op_state_signature`]), hex in
/// either case (Robokassa's own module sends it upper case), compared in constant time.
pub fn op_state_signature_matches(
    request: &OpStateRequest,
    password2: &Password2,
    signature: &str,
) -> bool {
    let expected = op_state_signature(request, password2);
    let given = signature.to_ascii_uppercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The leaf texts of an `OpStateExt` answer, by path below the root (`Result/Code`,
/// `Info/PaymentMethod/Code`).
fn op_state_error(detail: impl std::fmt::Display) -> DecodeError {
    DecodeError::new(refundkit_core::DecodeErrorKind::Structure, "", detail)
}

fn op_state_leaves(body: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
    use quick_xml::events::Event;
    if body.len() > MAX_OP_STATE_LEN {
        return Err(op_state_error(format_args!(
            "larger than {MAX_OP_STATE_LEN} bytes"
        )));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| op_state_error(format_args!("not UTF-8: {e}")))?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut leaves = Vec::new();
    let mut text = String::new();
    let mut seen_root = false;
    // Each `UserField/Field` (one per `Shp_` parameter) is numbered, `Field[0]`, `Field[1]`,
    // so that its Name and Value stay paired and every other path still names one value.
    let mut fields = 0usize;
    let mut numbered = |stack: &[String], name: String| {
        if stack.len() == 2 && stack.get(1).is_some_and(|s| s == "UserField") && name == "Field" {
            let n = format!("Field[{fields}]");
            fields = fields.saturating_add(1);
            n
        } else {
            name
        }
    };
    loop {
        match reader
            .read_event()
            .map_err(|e| op_state_error(format_args!("not XML: {e}")))?
        {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => {
                return Err(op_state_error("DOCTYPE refused (no DTDs, no entities)"));
            }
            Event::GeneralRef(r) => {
                // The five predefined entities and character references only.
                let name = (*r).to_owned();
                let c = match name.as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "apos" => '\'',
                    "quot" => '"',
                    _ => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => {
                            return Err(op_state_error(format_args!(
                                "entity reference &{name}; refused"
                            )));
                        }
                    },
                };
                text.push(c);
            }
            Event::Text(t) => {
                text.push_str(&t);
            }
            Event::CData(c) => text.push_str(&c),
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if stack.is_empty() {
                    if seen_root {
                        return Err(op_state_error("more than one root element"));
                    }
                    seen_root = true;
                    if name != "OperationStateResponse" {
                        return Err(op_state_error(format_args!(
                            "the root is {name}, not OperationStateResponse"
                        )));
                    }
                    let ns = start
                        .try_get_attribute("xmlns")
                        .map_err(|e| op_state_error(format_args!("attributes: {e}")))?
                        .map(|a| a.value.into_owned());
                    if let Some(ns) = ns.filter(|ns| !OP_STATE_NAMESPACES.contains(&ns.as_str())) {
                        return Err(op_state_error(format_args!(
                            "namespace {ns} is not Robokassa's web service"
                        )));
                    }
                } else if stack.len() >= MAX_OP_STATE_DEPTH {
                    return Err(op_state_error(format_args!(
                        "nested deeper than {MAX_OP_STATE_DEPTH}"
                    )));
                }
                let name = numbered(&stack, name);
                stack.push(name);
                text.clear();
            }
            Event::Empty(start) => {
                if stack.is_empty() {
                    return Err(op_state_error("an empty root element"));
                }
                let name = numbered(&stack, start.local_name().as_ref().to_owned());
                let path = stack
                    .iter()
                    .skip(1)
                    .chain([&name])
                    .cloned()
                    .collect::<Vec<_>>();
                leaves.push((path.join("/"), String::new()));
            }
            Event::End(_) => {
                let path = stack.iter().skip(1).cloned().collect::<Vec<_>>().join("/");
                stack.pop();
                let value = std::mem::take(&mut text);
                if !path.is_empty() && !value.trim().is_empty() {
                    leaves.push((path, value.trim().to_owned()));
                }
            }
            Event::Eof => break,
        }
    }
    if !seen_root {
        return Err(op_state_error("no root element"));
    }
    Ok(leaves)
}

/// Reads an `OpStateExt` answer, given its HTTP status.
///
/// A success is `Result/Code` 0 with a `State/Code`, at a 2xx status; any other `Result/Code`
/// is a refusal, its `Result/Description` kept. Another root element, a second value for one
/// field, an amount that is not a decimal, a DOCTYPE or an entity is malformed.
pub fn parse_op_state_response(http_status: u16, body: &[u8]) -> Outcome<OpState, OpStateResult> {
    let leaves = match op_state_leaves(body) {
        Ok(l) => l,
        Err(e) => return malformed(http_status, e.to_string()),
    };
    let mut seen: Vec<&str> = Vec::with_capacity(leaves.len());
    for (path, _) in &leaves {
        if seen.contains(&path.as_str()) {
            return malformed(http_status, format!("{path} given twice"));
        }
        seen.push(path);
    }
    let get = |path: &str| {
        leaves
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
    };
    let Some(result) = get("Result/Code") else {
        return malformed(http_status, "no Result/Code");
    };
    let result = OpStateResult::from_wire(&result);
    if result != OpStateResult::Ok {
        return Outcome::Refused(Refusal {
            http_status,
            code: Some(result),
            text: get("Result/Description"),
        });
    }
    if !is_2xx(http_status) {
        return malformed(http_status, "Result/Code 0 with an error status");
    }
    let Some(state) = get("State/Code") else {
        return malformed(http_status, "Result/Code 0 without State/Code");
    };
    let amount = |path: &str| -> Result<Option<Amount>, DecodeError> {
        get(path)
            .map(|t| {
                Amount::parse_decimal(&t)
                    .map_err(|e| DecodeError::new(refundkit_core::DecodeErrorKind::Value, path, e))
            })
            .transpose()
    };
    let sums = amount("Info/IncSum").and_then(|inc| Ok((inc, amount("Info/OutSum")?)));
    let mut user_fields = Vec::new();
    for i in 0.. {
        let field = format!("UserField/Field[{i}]");
        let name = get(&format!("{field}/Name"));
        let value = get(&format!("{field}/Value"));
        if name.is_none() && value.is_none() && !leaves.iter().any(|(p, _)| p.starts_with(&field)) {
            break;
        }
        let Some(name) = name else {
            return malformed(http_status, format!("{field} without a Name"));
        };
        user_fields.push(UserField {
            name,
            value: value.unwrap_or_default(),
        });
    }
    match sums {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((inc_sum, out_sum)) => Outcome::Success(OpState {
            user_fields,
            state: OpStateCode::from_wire(&state),
            request_date: get("State/RequestDate"),
            state_date: get("State/StateDate"),
            inc_curr_label: get("Info/IncCurrLabel"),
            inc_sum,
            inc_account: get("Info/IncAccount"),
            payment_method: get("Info/PaymentMethod/Code"),
            out_curr_label: get("Info/OutCurrLabel"),
            out_sum,
            op_key: get("Info/OpKey"),
            bank_card_rrn: get("Info/BankCardRRN"),
        }),
    }
}
