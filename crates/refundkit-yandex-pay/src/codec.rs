//! The wire codec: the refund body's JSON (strict: unknown fields refused, amounts as exact
//! decimal strings) and the answers (tolerant, read into the shared [`Outcome`]).

use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{Amount, DecodeError, EncodeError, json};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::amount;
use crate::types::{
    Operation, OperationStatus, OrderStatus, OrderView, ReasonCode, RefundRequest, RefundRequestV2,
};

/// Largest body decoded.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Decodes JSON into `T` (a body, an order, a cart), naming the path of the first field at
/// fault.
pub fn decode<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    if json.len() > MAX_BODY {
        return Err(DecodeError::too_large(json.len(), MAX_BODY));
    }
    json::decode(json)
}

/// Decodes a refund body.
pub fn decode_request(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    decode(json)
}

/// The body as compact JSON, in the refund page's field order. Fails only for an amount with
/// more than two places or a code without a Yandex Pay number, which validation reports first.
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, EncodeError> {
    serde_json::to_vec(request).map_err(|e| EncodeError::new("", e))
}

/// Decodes a v2 refund body.
pub fn decode_request_v2(json: &[u8]) -> Result<RefundRequestV2, DecodeError> {
    decode(json)
}

/// The v2 body as compact JSON, in the v2 refund page's field order.
pub fn encode_request_v2(request: &RefundRequestV2) -> Result<Vec<u8>, EncodeError> {
    serde_json::to_vec(request).map_err(|e| EncodeError::new("", e))
}

/// Fields only the v1 refund has (`merchant_v1_refund-post`).
pub const V1_FIELDS: &[&str] = &["cart", "orderAmount", "shipping"];

/// Fields only the v2 refund has (`merchant_v2_refund-post`; `refundExternalAmount` since the
/// changelog's 2025-11-28 entry).
pub const V2_FIELDS: &[&str] = &[
    "targetCart",
    "targetShipping",
    "refundCart",
    "refundExternalAmount",
    "branchId",
    "managerId",
    "motive",
];

/// Which refund method a body is for, told by its top-level fields: `Some(V1)` with a field
/// only v1 has, `Some(V2)` with one only v2 has, `None` with neither (only `refundAmount` and
/// `externalOperationId`, which both have). A body with fields of both is an error naming the
/// first field of the version its first such field is not from.
pub fn refund_api(json: &[u8]) -> Result<Option<crate::types::Api>, DecodeError> {
    use crate::types::Api;
    let members: std::collections::BTreeMap<String, serde::de::IgnoredAny> = decode(json)?;
    let mut found: Option<(Api, &str)> = None;
    // In the body's own order would need a second pass; the alphabetical order of the map
    // names a stable field, which is what a diagnostic needs.
    for name in members.keys() {
        let api = if V1_FIELDS.contains(&name.as_str()) {
            Api::V1
        } else if V2_FIELDS.contains(&name.as_str()) {
            Api::V2
        } else {
            continue;
        };
        match found {
            None => found = Some((api, name)),
            Some((first, first_name)) if first != api => {
                let (v1, v2) = match first {
                    Api::V1 => (first_name, name.as_str()),
                    Api::V2 => (name.as_str(), first_name),
                };
                return Err(structure(
                    v2,
                    format_args!("a v2 field in a body with v1's {v1}: send one version"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(found.map(|(api, _)| api))
}

/// Longest answer read.
pub const MAX_RESPONSE_LEN: usize = 1024 * 1024;

/// The members of a merchant API answer: `status`, `data` on success, `reasonCode` and
/// `reason` on failure (the v1 refund page), and `code`, which the answers also carry
/// (dd/dd_yandex_pay's recorded responses).
const VOCABULARY: &[&str] = &["status", "data", "reasonCode", "reason", "code"];

/// Reads the answer to a refund request, given its HTTP status.
///
/// A success is `status: "success"` with `data.operation` of operation type `REFUND`, at a
/// 2xx status. A refusal is `status: "fail"` (or `"error"`, or a `reasonCode` without a
/// status) at any status, HTTP 401 (the API key), and HTTP 404 with no body (the order is not found; the v1 refund page
/// documents it by its status alone). A 5xx without a refusal is [`Outcome::ServerError`]:
/// Yandex Pay asks for the same request again, with the same `X-Request-Id` and
/// `externalOperationId`. Anything else, including a success carrying a `reasonCode` or
/// another method's operation, is malformed.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<Operation, ReasonCode> {
    envelope(http_status, body, refund_operation)
}

/// What an answer read by [`parse_response`] or [`parse_operation_response`] says about the
/// refund: as its [`Outcome`], except that an operation whose `status` is `FAIL` is a refusal
/// even inside a `status: success` envelope. The envelope says the request was read; the
/// operation says the refund failed (Yandex Pay's official WooCommerce plugin reads it so), and
/// a failed operation is never "accepted".
pub fn refund_verdict(outcome: &Outcome<Operation, ReasonCode>) -> refundkit_core::Verdict {
    match outcome {
        Outcome::Success(op) if op.status == crate::types::OperationStatus::Fail => {
            refundkit_core::Verdict::Refused
        }
        other => other.verdict(),
    }
}

/// Reads the answer to the operation status (`GET /api/merchant/v1/operations/{id}`, the
/// official page `merchant_v1_operations-get`) asked for a refund: the same envelope and the
/// same rules as [`parse_response`], a 404 meaning that no operation has this id.
pub fn parse_operation_response(http_status: u16, body: &[u8]) -> Outcome<Operation, ReasonCode> {
    envelope(http_status, body, refund_operation)
}

/// Reads the answer to `GET /api/merchant/v1/orders/{orderId}`: the order's payment status
/// and its operations (LexRiver/yandex-pay `OrderResponse`), in the same envelope as
/// [`parse_response`]. An operation that does not read is malformed, not skipped.
pub fn parse_order_response(http_status: u16, body: &[u8]) -> Outcome<OrderView, ReasonCode> {
    envelope(http_status, body, order_view)
}

fn structure(path: &str, detail: impl std::fmt::Display) -> DecodeError {
    DecodeError::new(refundkit_core::DecodeErrorKind::Structure, path, detail)
}

/// `data.operation` of a refund: another operation type is another method's answer.
fn refund_operation(data: Option<&RawValue>) -> Result<Operation, DecodeError> {
    match operation(data) {
        Ok(op) if op.operation_type == "REFUND" => Ok(op),
        Ok(op) => Err(structure(
            "data.operation.operationType",
            format_args!(
                "another method's answer: operation type {}",
                op.operation_type
            ),
        )),
        Err(e) => Err(e.within("data.operation")),
    }
}

fn order_view(data: Option<&RawValue>) -> Result<OrderView, DecodeError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct WireOrder {
        order_id: Option<String>,
        payment_status: Option<String>,
        reason_code: Option<String>,
    }
    #[derive(Deserialize)]
    struct WireView<'a> {
        order: Option<WireOrder>,
        #[serde(default, borrow)]
        operations: Vec<WireOperation<'a>>,
    }
    let data = data.ok_or_else(|| structure("data", "success without data"))?;
    let view: WireView<'_> =
        serde_json::from_str(data.get()).map_err(|e| DecodeError::from_json("data", &e))?;
    let order = view
        .order
        .ok_or_else(|| structure("data.order", "data without order"))?;
    let operations = view
        .operations
        .into_iter()
        .enumerate()
        .map(|(i, op)| operation_from(op).map_err(|e| e.within(&format!("data.operations[{i}]"))))
        .collect::<Result<_, _>>()?;
    Ok(OrderView {
        order_id: order.order_id,
        payment_status: order.payment_status.as_deref().map(OrderStatus::from_wire),
        reason_code: order.reason_code,
        operations,
    })
}

/// The merchant API's envelope around `data`, read by `read_data` when it states success.
fn envelope<T>(
    http_status: u16,
    body: &[u8],
    read_data: impl FnOnce(Option<&RawValue>) -> Result<T, DecodeError>,
) -> Outcome<T, ReasonCode> {
    if body.len() > MAX_RESPONSE_LEN {
        return by_status(
            http_status,
            body,
            format!("body larger than {MAX_RESPONSE_LEN} bytes"),
        );
    }
    let m = match json::members(body, VOCABULARY) {
        Ok(m) => m,
        Err(e) => return by_status(http_status, body, format!("not a Yandex Pay answer: {e}")),
    };
    let read = || -> Result<_, DecodeError> {
        let field = |name: &str, e: DecodeError| e.within(name);
        Ok((
            json::string(m.get("status")).map_err(|e| field("status", e))?,
            json::string(m.get("reasonCode")).map_err(|e| field("reasonCode", e))?,
            json::string(m.get("reason")).map_err(|e| field("reason", e))?,
        ))
    };
    let (status, reason_code, reason) = match read() {
        Ok(fields) => fields,
        Err(e) => return malformed(http_status, e.to_string()),
    };
    let refused = |http_status| {
        Outcome::Refused(Refusal {
            http_status,
            code: reason_code.as_deref().map(ReasonCode::from_wire),
            text: reason.clone(),
        })
    };
    match status.as_deref() {
        Some("success") if reason_code.is_some() => {
            malformed(http_status, "states success and a reasonCode")
        }
        Some("success") if http_status == 401 => unauthorized(),
        Some("success") if !is_2xx(http_status) => {
            malformed(http_status, "success with an error status")
        }
        Some("success") => match read_data(m.get("data")) {
            Ok(data) => Outcome::Success(data),
            Err(e) => malformed(http_status, e.to_string()),
        },
        // `error` with `data.message` is the failure LexRiver/yandex-pay's tests record.
        Some("fail" | "error") => match (&reason, data_message(m.get("data"))) {
            (None, Some(message)) => Outcome::Refused(Refusal {
                http_status,
                code: reason_code.as_deref().map(ReasonCode::from_wire),
                text: Some(message),
            }),
            _ => refused(http_status),
        },
        None if reason_code.is_some() => refused(http_status),
        Some(other) => malformed(
            http_status,
            format!("status {other:?} is neither success nor fail"),
        ),
        None => by_status(http_status, body, "neither success nor fail".into()),
    }
}

/// `data.message` of an error answer, if it is one string.
fn data_message(data: Option<&RawValue>) -> Option<String> {
    #[derive(Deserialize)]
    struct Data {
        message: Option<String>,
    }
    serde_json::from_str::<Data>(data?.get()).ok()?.message
}

/// An answer whose body states nothing: what its HTTP status alone says. 401 and 404 are
/// documented by their status alone (the v1 refund page; dd/dd_yandex_pay's recorded empty
/// 404), but only with no body of their own: a 404 carrying a page that is not Yandex Pay's
/// (a proxy's, a wrong base URL's) states nothing and is malformed.
fn by_status<T>(http_status: u16, body: &[u8], detail: String) -> Outcome<T, ReasonCode> {
    match http_status {
        401 => unauthorized(),
        404 if body.trim_ascii().is_empty() => Outcome::Refused(Refusal {
            http_status,
            code: None,
            text: Some("not found".into()),
        }),
        500..=599 => Outcome::ServerError { http_status },
        _ => malformed(http_status, detail),
    }
}

fn unauthorized<T>() -> Outcome<T, ReasonCode> {
    Outcome::Refused(Refusal {
        http_status: 401,
        code: None,
        text: Some("unauthorized: the API key is wrong".into()),
    })
}

fn malformed<T>(http_status: u16, detail: impl Into<String>) -> Outcome<T, ReasonCode> {
    Outcome::Malformed(Malformed::new(http_status, detail))
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    operation: WireOperation<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOperation<'a> {
    operation_id: String,
    order_id: String,
    operation_type: String,
    status: String,
    #[serde(default, borrow)]
    amount: Option<&'a RawValue>,
    external_operation_id: Option<String>,
    created: Option<String>,
    updated: Option<String>,
    reason: Option<String>,
    params: Option<serde_json::Value>,
}

/// `data.operation`, read tolerantly: unknown members ignored, an amount as the documented
/// decimal string or as a JSON number, read exactly either way.
fn operation(data: Option<&RawValue>) -> Result<Operation, DecodeError> {
    let data = data.ok_or_else(|| structure("", "success without data"))?;
    let Data { operation: op } =
        serde_json::from_str(data.get()).map_err(|e| DecodeError::from_json("", &e))?;
    operation_from(op)
}

fn operation_from(op: WireOperation<'_>) -> Result<Operation, DecodeError> {
    let amount = match op.amount.map(RawValue::get) {
        None | Some("null") => None,
        Some(text) => Some(
            match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(inner) => amount::parse_amount(inner),
                None => Amount::parse_json_number(text),
            }
            .map_err(|e| {
                DecodeError::new(
                    refundkit_core::DecodeErrorKind::Value,
                    "amount",
                    format_args!("{text}: {e}"),
                )
            })?,
        ),
    };
    Ok(Operation {
        operation_id: op.operation_id,
        order_id: op.order_id,
        operation_type: op.operation_type,
        status: OperationStatus::from_wire(&op.status),
        amount,
        external_operation_id: op.external_operation_id,
        created: op.created,
        updated: op.updated,
        reason: op.reason,
        params: op.params,
    })
}
