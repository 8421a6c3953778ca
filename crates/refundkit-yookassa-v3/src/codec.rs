//! The wire codec: the refund request's compact JSON (written by hand, byte for byte in the
//! API reference's member order, amounts as decimal strings: never a float), its strict
//! decoder, and the answers: the refund object and the error object.

use std::collections::BTreeMap;

use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{Amount, Coded, DecodeError, DecodeErrorKind as Kind, Quantity, json};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::types::{
    Cancellation, Customer, ErrorCode, ErrorDetails, Money, PAYMENT_MODE_CODES,
    PAYMENT_SUBJECT_CODES, RawJson, Receipt, ReceiptItem, RefundObject, RefundRequest,
    RefundStatus, Source, VAT_CODES,
};

/// Largest request body decoded, and largest answer read.
pub const MAX_BODY: usize = 1024 * 1024;

/// The receipt members refundkit keeps as written (the reference's documented ones it does
/// not type); any other is refused.
const RECEIPT_OTHER: &[&str] = &[
    "receipt_industry_details",
    "receipt_operational_details",
    "timezone",
    "internet",
];

/// The receipt item members refundkit keeps as written.
const ITEM_OTHER: &[&str] = &[
    "measure",
    "mark_quantity",
    "payment_subject_industry_details",
    "mark_code_info",
    "mark_mode",
    "product_code",
    "country_of_origin_code",
    "customs_declaration_number",
    "excise",
    "supplier",
    "agent_type",
    "planned_status",
];

fn err(kind: Kind, path: &str, detail: impl std::fmt::Display) -> DecodeError {
    DecodeError::new(kind, path, detail)
}

// ---------------------------------------------------------------------------------------------
// The request

fn push_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_owned()).to_string());
}

fn push_member(out: &mut String, first: &mut bool, name: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    push_string(out, name);
    out.push(':');
}

fn push_money(out: &mut String, m: &Money) -> Result<(), refundkit_core::EncodeError> {
    let value = m
        .value
        .to_fixed2()
        .map_err(|e| refundkit_core::EncodeError::new("amount.value", e.to_string()))?;
    out.push_str("{\"value\":");
    push_string(out, &value);
    out.push_str(",\"currency\":");
    push_string(out, &m.currency);
    out.push('}');
    Ok(())
}

/// The request's compact JSON, byte for byte what is sent: `payment_id`, `amount`,
/// `description`, `receipt` (`customer`, `items`, `tax_system_code`, then its other members
/// by name), `sources`, `deal`. Amounts are written with two decimals (`"2.00"`).
///
/// Fails only for an amount with more than two decimals or a code without a wire spelling,
/// which [`crate::validate`] reports first.
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, refundkit_core::EncodeError> {
    let mut out = String::with_capacity(128);
    out.push('{');
    let mut first = true;
    push_member(&mut out, &mut first, "payment_id");
    push_string(&mut out, &request.payment_id);
    push_member(&mut out, &mut first, "amount");
    push_money(&mut out, &request.amount)?;
    if let Some(d) = &request.description {
        push_member(&mut out, &mut first, "description");
        push_string(&mut out, d);
    }
    if let Some(receipt) = &request.receipt {
        push_member(&mut out, &mut first, "receipt");
        encode_receipt(&mut out, receipt)?;
    }
    if let Some(sources) = &request.sources {
        push_member(&mut out, &mut first, "sources");
        out.push('[');
        for (i, s) in sources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            let mut f = true;
            push_member(&mut out, &mut f, "account_id");
            push_string(&mut out, &s.account_id);
            push_member(&mut out, &mut f, "amount");
            push_money(&mut out, &s.amount)?;
            if let Some(fee) = &s.platform_fee_amount {
                push_member(&mut out, &mut f, "platform_fee_amount");
                push_money(&mut out, fee)?;
            }
            out.push('}');
        }
        out.push(']');
    }
    if let Some(deal) = &request.deal {
        push_member(&mut out, &mut first, "deal");
        out.push_str(deal.as_str());
    }
    out.push('}');
    Ok(out.into_bytes())
}

fn encode_receipt(out: &mut String, r: &Receipt) -> Result<(), refundkit_core::EncodeError> {
    out.push('{');
    let mut first = true;
    if let Some(c) = &r.customer {
        push_member(out, &mut first, "customer");
        out.push('{');
        let mut f = true;
        for (name, value) in [
            ("full_name", &c.full_name),
            ("inn", &c.inn),
            ("email", &c.email),
            ("phone", &c.phone),
        ] {
            if let Some(v) = value {
                push_member(out, &mut f, name);
                push_string(out, v);
            }
        }
        out.push('}');
    }
    push_member(out, &mut first, "items");
    out.push('[');
    for (i, item) in r.items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let at = |field: &str| format!("receipt.items[{i}].{field}");
        out.push('{');
        let mut f = true;
        push_member(out, &mut f, "description");
        push_string(out, &item.description);
        push_member(out, &mut f, "quantity");
        let quantity = item.quantity.value().normalize().to_string();
        push_string(out, &quantity);
        push_member(out, &mut f, "amount");
        push_money(out, &item.amount)?;
        push_member(out, &mut f, "vat_code");
        let vat = crate::types::vat_number(&item.vat_code)
            .ok_or_else(|| refundkit_core::EncodeError::new(at("vat_code"), "no vat_code"))?;
        out.push_str(&vat.to_string());
        if let Some(mode) = &item.payment_mode {
            push_member(out, &mut f, "payment_mode");
            push_string(out, coded_text(mode, PAYMENT_MODE_CODES));
        }
        if let Some(subject) = &item.payment_subject {
            push_member(out, &mut f, "payment_subject");
            push_string(out, coded_text(subject, PAYMENT_SUBJECT_CODES));
        }
        for (name, raw) in &item.other {
            push_member(out, &mut f, name);
            out.push_str(raw.as_str());
        }
        out.push('}');
    }
    out.push(']');
    if let Some(code) = r.tax_system_code {
        push_member(out, &mut first, "tax_system_code");
        out.push_str(&code.to_string());
    }
    for (name, raw) in &r.other {
        push_member(out, &mut first, name);
        out.push_str(raw.as_str());
    }
    out.push('}');
    Ok(())
}

/// A code's wire text: the table's, or an unknown one as it was written.
fn coded_text<'a, T: Copy + PartialEq>(value: &'a Coded<T>, table: &'a [(T, &'a str)]) -> &'a str {
    match value {
        Coded::Unknown(raw) => raw,
        known => known.code_in(table).unwrap_or(""),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMoney {
    value: String,
    currency: String,
}

impl WireMoney {
    fn read(self, path: &str) -> Result<Money, DecodeError> {
        Ok(Money {
            value: Amount::parse_decimal(&self.value)
                .map_err(|e| err(Kind::Value, path, format_args!("{:?}: {e}", self.value)))?,
            currency: self.currency,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRequest {
    payment_id: String,
    amount: WireMoney,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    receipt: Option<Box<RawValue>>,
    #[serde(default)]
    sources: Option<Vec<WireSource>>,
    #[serde(default)]
    deal: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSource {
    account_id: String,
    amount: WireMoney,
    #[serde(default)]
    platform_fee_amount: Option<WireMoney>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCustomer {
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    inn: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// Decodes a refund request body. Strict: an unknown member (at any level but the kept,
/// documented ones), an amount that is not a decimal string, a quantity that is not a decimal
/// (string or number) and a `vat_code` that is not an integer are refused, naming the field.
pub fn decode_request(body: &[u8]) -> Result<RefundRequest, DecodeError> {
    if body.len() > MAX_BODY {
        return Err(DecodeError::too_large(body.len(), MAX_BODY));
    }
    let w: WireRequest = json::decode(body)?;
    let receipt = w
        .receipt
        .map(|raw| decode_receipt(raw.get().as_bytes()).map_err(|e| e.within("receipt")))
        .transpose()?;
    let sources = w
        .sources
        .map(|list| {
            list.into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let at = format!("sources[{i}]");
                    Ok(Source {
                        account_id: s.account_id,
                        amount: s.amount.read(&format!("{at}.amount.value"))?,
                        platform_fee_amount: s
                            .platform_fee_amount
                            .map(|m| m.read(&format!("{at}.platform_fee_amount.value")))
                            .transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, DecodeError>>()
        })
        .transpose()?;
    Ok(RefundRequest {
        payment_id: w.payment_id,
        amount: w.amount.read("amount.value")?,
        description: w.description,
        receipt,
        sources,
        deal: w.deal.map(|raw| RawJson(raw.get().to_owned())),
    })
}

/// Splits a JSON object into its members, in order, refusing one given twice.
fn object_members(body: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, DecodeError> {
    let map: Vec<(String, Box<RawValue>)> = {
        struct Ordered(Vec<(String, Box<RawValue>)>);
        impl<'de> Deserialize<'de> for Ordered {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Ordered;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut a: A,
                    ) -> Result<Ordered, A::Error> {
                        let mut out = Vec::new();
                        while let Some((k, v)) = a.next_entry::<String, Box<RawValue>>()? {
                            out.push((k, v));
                        }
                        Ok(Ordered(out))
                    }
                }
                d.deserialize_map(V)
            }
        }
        json::decode::<Ordered>(body)?.0
    };
    for (i, (name, _)) in map.iter().enumerate() {
        if map.iter().take(i).any(|(n, _)| n == name) {
            return Err(err(Kind::Repeated, name, "given twice"));
        }
    }
    Ok(map)
}

fn decode_receipt(body: &[u8]) -> Result<Receipt, DecodeError> {
    let mut customer = None;
    let mut items = None;
    let mut tax_system_code = None;
    let mut other = BTreeMap::new();
    for (name, raw) in object_members(body)? {
        match name.as_str() {
            "customer" => {
                let c: WireCustomer =
                    json::decode(raw.get().as_bytes()).map_err(|e| e.within("customer"))?;
                customer = Some(Customer {
                    full_name: c.full_name,
                    inn: c.inn,
                    email: c.email,
                    phone: c.phone,
                });
            }
            "items" => {
                let list: Vec<Box<RawValue>> =
                    json::decode(raw.get().as_bytes()).map_err(|e| e.within("items"))?;
                items = Some(
                    list.iter()
                        .enumerate()
                        .map(|(i, item)| {
                            decode_item(item.get().as_bytes())
                                .map_err(|e| e.within(&format!("items[{i}]")))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            "tax_system_code" => {
                tax_system_code = Some(
                    json::decode::<u8>(raw.get().as_bytes())
                        .map_err(|e| e.within("tax_system_code"))?,
                );
            }
            known if RECEIPT_OTHER.contains(&known) => {
                other.insert(name, RawJson(raw.get().to_owned()));
            }
            _ => return Err(err(Kind::UnknownField, &name, "not a member of a receipt")),
        }
    }
    Ok(Receipt {
        customer,
        items: items.ok_or_else(|| err(Kind::MissingField, "items", "required"))?,
        tax_system_code,
        other,
    })
}

fn decode_item(body: &[u8]) -> Result<ReceiptItem, DecodeError> {
    let mut description = None;
    let mut quantity = None;
    let mut amount = None;
    let mut vat_code = None;
    let mut payment_mode = None;
    let mut payment_subject = None;
    let mut other = BTreeMap::new();
    for (name, raw) in object_members(body)? {
        let text = raw.get();
        match name.as_str() {
            "description" => {
                description = Some(
                    json::decode::<String>(text.as_bytes()).map_err(|e| e.within("description"))?,
                )
            }
            "quantity" => {
                // A decimal string ("1.000", the reference's examples) or a JSON number.
                let digits = match json::decode::<String>(text.as_bytes()) {
                    Ok(s) => s,
                    Err(_) => text.to_owned(),
                };
                quantity =
                    Some(Quantity::parse_decimal(&digits).map_err(|e| {
                        err(Kind::Value, "quantity", format_args!("{digits:?}: {e}"))
                    })?);
            }
            "amount" => {
                let m: WireMoney = json::decode(text.as_bytes()).map_err(|e| e.within("amount"))?;
                amount = Some(m.read("amount.value")?);
            }
            "vat_code" => {
                let code: u8 = json::decode(text.as_bytes()).map_err(|e| e.within("vat_code"))?;
                vat_code = Some(Coded::from_table(VAT_CODES, code));
            }
            "payment_mode" => {
                let s: String =
                    json::decode(text.as_bytes()).map_err(|e| e.within("payment_mode"))?;
                payment_mode = Some(coded(PAYMENT_MODE_CODES, s));
            }
            "payment_subject" => {
                let s: String =
                    json::decode(text.as_bytes()).map_err(|e| e.within("payment_subject"))?;
                payment_subject = Some(coded(PAYMENT_SUBJECT_CODES, s));
            }
            known if ITEM_OTHER.contains(&known) => {
                other.insert(name, RawJson(raw.get().to_owned()));
            }
            _ => {
                return Err(err(
                    Kind::UnknownField,
                    &name,
                    "not a member of a receipt item",
                ));
            }
        }
    }
    let missing = |name: &str| err(Kind::MissingField, name, "required");
    Ok(ReceiptItem {
        description: description.ok_or_else(|| missing("description"))?,
        quantity: quantity.ok_or_else(|| missing("quantity"))?,
        amount: amount.ok_or_else(|| missing("amount"))?,
        vat_code: vat_code.ok_or_else(|| missing("vat_code"))?,
        payment_mode,
        payment_subject,
        other,
    })
}

fn coded<T: Copy>(table: &[(T, &str)], raw: String) -> Coded<T> {
    match table.iter().find(|(_, code)| *code == raw) {
        Some((value, _)) => Coded::Known(*value),
        None => Coded::Unknown(raw),
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

/// The members of a refund object read, and those of an error object.
const VOCABULARY: &[&str] = &[
    "type",
    "id",
    "payment_id",
    "status",
    "amount",
    "created_at",
    "description",
    "cancellation_details",
    "code",
    "parameter",
    "retry_after",
];

/// Reads the answer to `POST /v3/refunds` or `GET /v3/refunds/{id}`, given its HTTP status.
///
/// A refund object (`id`, `payment_id`, `status`, `amount`) at a 2xx status is the
/// [`Outcome::Success`] it reads as, whatever its status says ([`refund_verdict`] tells a
/// pending or canceled refund apart: the object must be matched to the refund first). An error
/// object (`type: "error"`) is a refusal at a 4xx status other than 429, and a server failure
/// at 429, 5xx and 202 (the reference: repeat the same request under the same key after
/// `retry_after`). Anything else is malformed, or a server failure at a 5xx.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<RefundObject, ErrorCode> {
    if body.len() > MAX_BODY {
        return by_status(http_status, format!("body larger than {MAX_BODY} bytes"));
    }
    let m = match json::members(body, VOCABULARY) {
        Ok(m) => m,
        Err(e) => return by_status(http_status, format!("not a YooKassa answer: {e}")),
    };
    let typ = match json::string(m.get("type")) {
        Ok(t) => t,
        Err(e) => return malformed(http_status, e.within("type").to_string()),
    };
    if typ.as_deref() == Some("error") {
        let code = match json::string(m.get("code")) {
            Ok(c) => c,
            Err(e) => return malformed(http_status, e.within("code").to_string()),
        };
        let text = json::string(m.get("description")).ok().flatten();
        if http_status == 202 || http_status == 429 || (500..600).contains(&http_status) {
            return Outcome::ServerError { http_status };
        }
        if is_2xx(http_status) {
            return malformed(http_status, "an error object with a success status");
        }
        return Outcome::Refused(Refusal {
            http_status,
            code: code.as_deref().map(ErrorCode::from_wire),
            text,
        });
    }
    if typ.is_some() {
        return malformed(http_status, "a type other than error");
    }
    if http_status == 202 || !is_2xx(http_status) {
        return by_status(
            http_status,
            "a refund object without a success status".into(),
        );
    }
    match refund_object(&m) {
        Ok(object) => Outcome::Success(object),
        Err(e) => malformed(http_status, e.to_string()),
    }
}

/// A refund object's members, as [`parse_response`] reads them (the notification's `object`
/// too).
pub(crate) fn refund_object(m: &json::Members<'_>) -> Result<RefundObject, DecodeError> {
    let required = |name: &'static str| -> Result<String, DecodeError> {
        json::string(m.get(name))
            .map_err(|e| e.within(name))?
            .ok_or_else(|| err(Kind::MissingField, name, "a refund object states it"))
    };
    let amount: WireMoney = match m.get("amount") {
        Some(raw) => {
            json::decode::<WireMoney>(raw.get().as_bytes()).map_err(|e| e.within("amount"))?
        }
        None => {
            return Err(err(
                Kind::MissingField,
                "amount",
                "a refund object states it",
            ));
        }
    };
    let cancellation = match m.get("cancellation_details") {
        None => None,
        Some(raw) if raw.get() == "null" => None,
        Some(raw) => {
            #[derive(Deserialize)]
            struct Wire {
                party: Option<String>,
                reason: Option<String>,
            }
            let w: Wire =
                json::decode(raw.get().as_bytes()).map_err(|e| e.within("cancellation_details"))?;
            Some(Cancellation {
                party: w.party,
                reason: w.reason,
            })
        }
    };
    Ok(RefundObject {
        id: required("id")?,
        payment_id: required("payment_id")?,
        status: RefundStatus::from_wire(&required("status")?),
        amount: amount.read("amount.value")?,
        created_at: json::string(m.get("created_at")).map_err(|e| e.within("created_at"))?,
        description: json::string(m.get("description")).map_err(|e| e.within("description"))?,
        cancellation,
    })
}

/// An error object's details beside its code (`id`, `parameter`, `retry_after`), when the body
/// is one.
pub fn error_details(body: &[u8]) -> Option<ErrorDetails> {
    let m = json::members(body, VOCABULARY).ok()?;
    (json::string(m.get("type")).ok()??.as_str() == "error").then(|| ErrorDetails {
        id: json::string(m.get("id")).ok().flatten(),
        parameter: json::string(m.get("parameter")).ok().flatten(),
        retry_after_ms: m
            .get("retry_after")
            .and_then(|raw| raw.get().parse::<u64>().ok()),
    })
}

/// What an answer read by [`parse_response`] says about the refund, once the object is known
/// to be the refund's: `succeeded` is a success, `pending` in progress, `canceled` a refusal;
/// an unknown status states nothing (malformed).
pub fn refund_verdict(outcome: &Outcome<RefundObject, ErrorCode>) -> refundkit_core::Verdict {
    use refundkit_core::Verdict;
    match outcome {
        Outcome::Success(object) => match object.status {
            RefundStatus::Succeeded => Verdict::Success,
            RefundStatus::Pending => Verdict::InProgress,
            RefundStatus::Canceled => Verdict::Refused,
            _ => Verdict::Malformed,
        },
        other => other.verdict(),
    }
}

fn malformed<T, C>(http_status: u16, detail: impl Into<String>) -> Outcome<T, C> {
    Outcome::Malformed(Malformed::new(http_status, detail))
}

/// What a body that states nothing is, by its status: a server failure at a 5xx (or 429),
/// malformed otherwise.
fn by_status<T, C>(http_status: u16, detail: String) -> Outcome<T, C> {
    if http_status == 429 || (500..600).contains(&http_status) {
        Outcome::ServerError { http_status }
    } else {
        malformed(http_status, detail)
    }
}
