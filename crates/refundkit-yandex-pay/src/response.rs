//! Responses: the operation on success, `{status: fail, reasonCode, reason}` on failure, and
//! what the HTTP status says when the body does not.

use refundkit_core::Amount;
use serde::Deserialize;

use crate::amount;

/// `reasonCode` of a refused refund. Unknown codes are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReasonCode {
    /// The order is not CAPTURED or PARTIALLY_REFUNDED.
    InvalidPaymentStatus,
    /// `orderAmount` does not match the cart and shipping.
    OrderAmountMismatch,
    /// The refund is larger than what is left.
    RefundAmountTooLarge,
    /// `externalOperationId` was used for another operation.
    DuplicateExternalOperationId,
    /// Another operation on the order is in progress (HTTP 409; unverified).
    AnotherOperationInProgress,
    /// Anything else, verbatim.
    Unknown(String),
}

impl ReasonCode {
    const TABLE: &[(&str, ReasonCode)] = &[
        ("INVALID_PAYMENT_STATUS", ReasonCode::InvalidPaymentStatus),
        ("ORDER_AMOUNT_MISMATCH", ReasonCode::OrderAmountMismatch),
        ("REFUND_AMOUNT_TOO_LARGE", ReasonCode::RefundAmountTooLarge),
        (
            "DUPLICATE_EXTERNAL_OPERATION_ID",
            ReasonCode::DuplicateExternalOperationId,
        ),
        (
            "ANOTHER_OPERATION_IN_PROGRESS",
            ReasonCode::AnotherOperationInProgress,
        ),
    ];

    /// Classifies a code.
    pub fn from_wire(code: String) -> Self {
        match Self::TABLE.iter().find(|(c, _)| *c == code) {
            Some((_, r)) => r.clone(),
            None => ReasonCode::Unknown(code),
        }
    }

    /// The code as Yandex Pay spells it.
    pub fn as_wire(&self) -> &str {
        match self {
            ReasonCode::Unknown(s) => s,
            known => Self::TABLE
                .iter()
                .find(|(_, r)| r == known)
                .map_or("", |(c, _)| c),
        }
    }
}

/// `operation.status`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationStatus {
    /// `PENDING`.
    Pending,
    /// `SUCCESS`.
    Success,
    /// `FAIL`.
    Fail,
    /// Anything else, verbatim.
    Unknown(String),
}

impl OperationStatus {
    /// The status as Yandex Pay spells it.
    pub fn as_wire(&self) -> &str {
        match self {
            OperationStatus::Pending => "PENDING",
            OperationStatus::Success => "SUCCESS",
            OperationStatus::Fail => "FAIL",
            OperationStatus::Unknown(s) => s,
        }
    }

    fn from_wire(s: String) -> Self {
        match s.as_str() {
            "PENDING" => OperationStatus::Pending,
            "SUCCESS" => OperationStatus::Success,
            "FAIL" => OperationStatus::Fail,
            _ => OperationStatus::Unknown(s),
        }
    }
}

/// The refund operation Yandex Pay created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`.
    pub operation_id: String,
    /// `orderId`.
    pub order_id: String,
    /// `operationType` (`REFUND`; AUTHORIZE, CAPTURE, ... kept as given).
    pub operation_type: String,
    /// `status`.
    pub status: OperationStatus,
    /// `amount`.
    pub amount: Option<Amount>,
    /// `externalOperationId`.
    pub external_operation_id: Option<String>,
    /// `created`.
    pub created: Option<String>,
    /// `updated`.
    pub updated: Option<String>,
    /// `reason`.
    pub reason: Option<String>,
    /// `params`, as given.
    pub params: Option<serde_json::Value>,
}

/// What the refund call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundOutcome {
    /// `status: success` with the operation (PENDING or SUCCESS: the refund is under way).
    Accepted(Operation),
    /// `status: fail`: Yandex Pay refused (HTTP 400, 404, 409 ...).
    Refused {
        /// The HTTP status.
        http_status: u16,
        /// `reasonCode`, when the body has one.
        reason_code: Option<ReasonCode>,
        /// `reason`.
        reason: Option<String>,
    },
    /// HTTP 401: the API key is wrong.
    Unauthorized,
    /// HTTP 5xx without a decision: retry with the same X-Request-Id and externalOperationId.
    ServerError {
        /// The HTTP status.
        http_status: u16,
    },
}

/// A body that is none of the documented forms (an HTML page from a proxy, say).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {status}: not a Yandex Pay response: {detail}")]
pub struct ResponseError {
    /// The HTTP status.
    pub status: u16,
    /// What did not fit.
    pub detail: String,
}

/// Longest response body read.
pub const MAX_RESPONSE_LEN: usize = 1024 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    status: Option<String>,
    data: Option<Data>,
    reason_code: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    operation: WireOperation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOperation {
    operation_id: String,
    order_id: String,
    operation_type: String,
    status: String,
    #[serde(default, with = "amount::opt_money")]
    amount: Option<Amount>,
    external_operation_id: Option<String>,
    created: Option<String>,
    updated: Option<String>,
    reason: Option<String>,
    params: Option<serde_json::Value>,
}

/// Reads the answer to a refund request, given its HTTP status.
pub fn parse_response(status: u16, body: &[u8]) -> Result<RefundOutcome, ResponseError> {
    let error = |detail: String| ResponseError { status, detail };
    if body.len() > MAX_RESPONSE_LEN {
        return Err(error(format!("body larger than {MAX_RESPONSE_LEN} bytes")));
    }
    let parsed: Result<Wire, _> = serde_json::from_slice(body);
    match (parsed, status) {
        (Ok(w), _) if w.status.as_deref() == Some("success") && (200..300).contains(&status) => {
            let op = w
                .data
                .ok_or_else(|| error("success without data.operation".into()))?
                .operation;
            Ok(RefundOutcome::Accepted(Operation {
                operation_id: op.operation_id,
                order_id: op.order_id,
                operation_type: op.operation_type,
                status: OperationStatus::from_wire(op.status),
                amount: op.amount,
                external_operation_id: op.external_operation_id,
                created: op.created,
                updated: op.updated,
                reason: op.reason,
                params: op.params,
            }))
        }
        (_, 401) => Ok(RefundOutcome::Unauthorized),
        (Ok(w), _) if w.status.as_deref() == Some("fail") => Ok(RefundOutcome::Refused {
            http_status: status,
            reason_code: w.reason_code.map(ReasonCode::from_wire),
            reason: w.reason,
        }),
        (_, 500..=599) => Ok(RefundOutcome::ServerError {
            http_status: status,
        }),
        (_, 404) => Ok(RefundOutcome::Refused {
            http_status: 404,
            reason_code: None,
            reason: Some("order not found".into()),
        }),
        (Ok(_), _) => Err(error("neither success nor fail".into())),
        (Err(e), _) => Err(error(e.to_string())),
    }
}
