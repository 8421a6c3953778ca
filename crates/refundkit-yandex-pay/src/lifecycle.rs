//! After a refund (v1 or v2) and its status requests: what an answer, or its absence, means
//! for the next step.
//!
//! `externalOperationId` is Yandex Pay's idempotency key: repeating the refund with the same
//! id and arguments while the operation is unfinished returns the same operation, and once the
//! refund has started the same id answers `DUPLICATE_EXTERNAL_OPERATION_ID` (the v2 refund
//! page, copied in modeckrus/yandex_pay_api `orders_refund.rs`). So a refund with one can be
//! repeated after a lost answer, and a duplicate is looked up, never corrected and resent. A
//! refund without one has no such guarantee: it is reconciled through the order.

use std::time::SystemTime;

use http::{HeaderValue, Method, Request, header};
use refundkit_core::lifecycle::{Answer, DecideError, Next, Record, after};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, SecretString};

use crate::codec::{
    decode_request, decode_request_v2, parse_operation_response, parse_order_response,
    parse_response,
};
use crate::http::{Attempt, Endpoint, operation_request, order_request};
use crate::types::{ApiKey, Operation, OperationStatus, ReasonCode};

/// Seconds between two status requests while the operation is `PENDING`, and before the
/// repeat of a refund whose answer was lost (refundkit's choice; the API documents none).
pub const POLL_SECONDS: u64 = 10;

const PROVIDER: &str = "yandex-pay";

/// What the decision needs from the refund as it was sent.
struct Sent {
    endpoint: Endpoint,
    order_id: String,
    external_operation_id: Option<String>,
    amount: Amount,
    authorization: Option<HeaderValue>,
    request_id: String,
}

fn read_refund(refund: &Request<Vec<u8>>) -> Result<Sent, DecideError> {
    let bad = |detail: String| DecideError::not_recognised(PROVIDER, detail);
    let path = refund.uri().path();
    let (order_id, v2) = if let Some(rest) = path
        .strip_suffix("/refund")
        .and_then(|p| p.rsplit_once("/orders/"))
    {
        let id = percent_encoding::percent_decode_str(rest.1)
            .decode_utf8()
            .map_err(|e| bad(format!("the order id in {path}: {e}")))?;
        (id.into_owned(), rest.0.ends_with("/v2"))
    } else {
        return Err(bad(format!("{path} is not an order's refund")));
    };
    let (external_operation_id, amount) = if v2 {
        let body =
            decode_request_v2(refund.body()).map_err(|e| bad(format!("the refund's body: {e}")))?;
        (body.external_operation_id, body.refund_amount)
    } else {
        let body =
            decode_request(refund.body()).map_err(|e| bad(format!("the refund's body: {e}")))?;
        (body.external_operation_id, body.refund_amount)
    };
    Ok(Sent {
        endpoint: Endpoint::of_request(refund)
            .ok_or_else(|| bad("the refund's URL has no /api/merchant/".into()))?,
        order_id,
        external_operation_id,
        amount,
        authorization: refund.headers().get(header::AUTHORIZATION).cloned(),
        request_id: refund
            .headers()
            .get("X-Request-Id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("refund")
            .to_owned(),
    })
}

impl Sent {
    /// The status request: the operation by its external id, or else the order; with the
    /// refund's API key and a request id of its own.
    fn status(&self) -> Result<Request<Vec<u8>>, DecideError> {
        let key = ApiKey(SecretString::from(
            self.authorization
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Api-Key "))
                .unwrap_or(""),
        ));
        let attempt = Attempt {
            request_id: format!("{}-status", self.request_id),
            timeout_ms: 10_000,
            attempt: 0,
        };
        let built = match &self.external_operation_id {
            Some(id) => operation_request(&self.endpoint, id, &key, &attempt),
            None => order_request(&self.endpoint, &self.order_id, &key, &attempt),
        };
        built.map_err(|e| DecideError::not_recognised(PROVIDER, e.to_string()))
    }
}

/// The status request of a refund built here: the operation by its `externalOperationId`, or
/// the order when the refund has none; with the refund's API key.
pub fn status_request(refund: &Request<Vec<u8>>) -> Result<Request<Vec<u8>>, DecideError> {
    read_refund(refund)?.status()
}

/// The same refund, its `X-Request-Attempt` one higher (the API's retry convention).
fn repeat(refund: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = refundkit_core::copy_request(refund);
    let attempt = refund
        .headers()
        .get("X-Request-Attempt")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0)
        .saturating_add(1);
    copy.headers_mut()
        .insert("X-Request-Attempt", HeaderValue::from(attempt));
    copy
}

/// The next step after `sent` (the refund in `record`, or a status request this module built)
/// got `answer`.
///
/// - The refund's operation `SUCCESS`: done; `PENDING`: ask the operation status after
///   [`POLL_SECONDS`]; `FAIL`: refused.
/// - `DUPLICATE_EXTERNAL_OPERATION_ID`: the refund exists; look it up (reconcile), never
///   correct and resend. `INVALID_PAYMENT_STATUS` cannot be corrected; other refusals can.
/// - Lost, or a 5xx that states nothing (which the API answers "repeat the same request"):
///   repeat the same refund, its attempt counter raised, when it has an
///   `externalOperationId`; without one, reconcile through the order.
/// - Another answer that states nothing: reconcile through the status request.
/// - The operation status: as the refund's operation; 404 (no such operation): the refund
///   never registered, so the same refund may be sent again; lost or unreadable: ask again.
/// - The order (for a refund without `externalOperationId`): its refund operations listed for
///   a check by hand.
pub fn decide(
    record: &Record<'_>,
    sent: &Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    let refund = read_refund(record.refund)?;
    let status = refund.status()?;
    let path = sent.uri().path();
    if sent.method() == Method::POST && path.ends_with("/refund") {
        Ok(after_refund(record.refund, &refund, status, answer, now))
    } else if path.contains("/api/merchant/v1/operations/") {
        Ok(after_operation(record.refund, &refund, status, answer, now))
    } else if sent.method() == Method::GET && path.contains("/api/merchant/v1/orders/") {
        Ok(after_order(&refund, status, answer, now))
    } else {
        Err(DecideError::not_recognised(
            PROVIDER,
            format!(
                "{} {path} is not a refund or one of its status requests",
                sent.method()
            ),
        ))
    }
}

fn after_refund(
    original: &Request<Vec<u8>>,
    refund: &Sent,
    status: Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Next {
    let again_or_reconcile = |why: &str| match &refund.external_operation_id {
        Some(id) => Next::Resend {
            request: repeat(original),
            not_before: after(now, POLL_SECONDS),
            detail: format!(
                "{why}: repeat the refund with the same externalOperationId {id}; Yandex Pay \
                 returns the same operation, or DUPLICATE_EXTERNAL_OPERATION_ID once it started"
            ),
        },
        None => Next::Reconcile {
            request: Some(status.clone()),
            not_before: after(now, POLL_SECONDS),
            how: format!(
                "{why}, and the refund has no externalOperationId to repeat it safely: read the \
                 order's operations before sending any refund"
            ),
        },
    };
    let Answer::Received { http_status, body } = answer else {
        return again_or_reconcile("the answer to the refund was lost");
    };
    match parse_response(http_status, body) {
        Outcome::Success(op) => by_operation(&op, refund, status, now),
        Outcome::Refused(r) => match &r.code {
            Some(ReasonCode::DuplicateExternalOperationId) => Next::Reconcile {
                request: Some(status),
                not_before: now,
                how: "DUPLICATE_EXTERNAL_OPERATION_ID: a refund with this externalOperationId \
                      already started; ask its operation status, never correct and resend"
                    .into(),
            },
            code => Next::refused(&r, !matches!(code, Some(ReasonCode::InvalidPaymentStatus))),
        },
        Outcome::ServerError { http_status } => {
            again_or_reconcile(&format!("HTTP {http_status} without a statement"))
        }
        Outcome::Malformed(m) => Next::Reconcile {
            request: Some(status),
            not_before: now,
            how: format!(
                "the refund's answer states nothing ({m}): ask its status before anything else"
            ),
        },
        other => Next::Reconcile {
            request: Some(status),
            not_before: now,
            how: format!("the refund's answer is {}: ask its status", other.verdict()),
        },
    }
}

/// What an operation's status says.
fn by_operation(op: &Operation, refund: &Sent, status: Request<Vec<u8>>, now: SystemTime) -> Next {
    match &op.status {
        OperationStatus::Success => Next::Done {
            refunded: op.amount.or(Some(refund.amount)),
            detail: format!("operation {} SUCCESS", op.operation_id),
        },
        OperationStatus::Pending => Next::Wait {
            request: Some(status),
            not_before: after(now, POLL_SECONDS),
            detail: format!(
                "operation {} PENDING: ask its status, or wait for OPERATION_STATUS_UPDATED",
                op.operation_id
            ),
        },
        OperationStatus::Fail => Next::Refused {
            http_status: 200,
            code: Some("FAIL".into()),
            text: op.reason.clone(),
            may_correct: true,
        },
        other => Next::by_hand(
            now,
            format!(
                "operation {} has a status refundkit does not know ({}): check it in the \
                 merchant console",
                op.operation_id,
                other.as_str()
            ),
        ),
    }
}

fn after_operation(
    original: &Request<Vec<u8>>,
    refund: &Sent,
    status: Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Next {
    let again = |detail: String| Next::ask_again(&status, after(now, POLL_SECONDS), detail);
    let Answer::Received { http_status, body } = answer else {
        return again("the operation status answer was lost: ask again".into());
    };
    match parse_operation_response(http_status, body) {
        Outcome::Success(op) => by_operation(&op, refund, status, now),
        Outcome::Refused(r) if r.http_status == 404 && r.code.is_none() => Next::Resend {
            request: repeat(original),
            not_before: now,
            detail: "no operation has this externalOperationId: the refund never registered, \
                     so it may be sent again (with the same id)"
                .into(),
        },
        Outcome::Refused(r) => Next::by_hand(
            now,
            format!(
                "the operation status was refused (HTTP {}: {}): check the refund in the \
                 merchant console",
                r.http_status,
                r.text.as_deref().unwrap_or("")
            ),
        ),
        other => again(format!(
            "the operation status answer is {}: ask again",
            other.verdict()
        )),
    }
}

fn after_order(
    refund: &Sent,
    status: Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Next {
    let again = |detail: String| Next::ask_again(&status, after(now, POLL_SECONDS), detail);
    let Answer::Received { http_status, body } = answer else {
        return again("the order's answer was lost: ask again".into());
    };
    match parse_order_response(http_status, body) {
        Outcome::Success(view) => {
            let refunds: Vec<String> = view
                .operations
                .iter()
                .filter(|op| op.operation_type == "REFUND")
                .map(|op| {
                    format!(
                        "{} {} {}",
                        op.operation_id,
                        op.status.as_str(),
                        op.amount.map(|a| a.to_string()).unwrap_or_default()
                    )
                })
                .collect();
            Next::by_hand(
                now,
                format!(
                    "order {} ({}) has {} refund operation(s) [{}]; without an \
                     externalOperationId only a person can tell whether one of them is this \
                     refund of {}",
                    refund.order_id,
                    view.payment_status
                        .as_ref()
                        .map(|s| s.as_str())
                        .unwrap_or("no status"),
                    refunds.len(),
                    refunds.join("; "),
                    refund.amount
                ),
            )
        }
        Outcome::Refused(r) => Next::by_hand(
            now,
            format!(
                "the order was refused (HTTP {}): check it in the merchant console",
                r.http_status
            ),
        ),
        other => again(format!(
            "the order's answer is {}: ask again",
            other.verdict()
        )),
    }
}

/// The next step an authentic notification (from [`crate::webhook::verify`]) gives the refund
/// in `record`: `None` when it is about another operation. `OPERATION_STATUS_UPDATED` for the
/// refund's `externalOperationId` reads as its operation status would; other events say
/// nothing about a refund by themselves.
pub fn decide_notification(
    record: &Record<'_>,
    notification: &crate::webhook::Notification,
    now: SystemTime,
) -> Result<Option<Next>, DecideError> {
    let refund = read_refund(record.refund)?;
    let crate::webhook::Event::OperationStatusUpdated {
        operation_id,
        external_operation_id,
        status,
        ..
    } = &notification.event
    else {
        return Ok(None);
    };
    if refund.external_operation_id.is_none()
        || *external_operation_id != refund.external_operation_id
    {
        return Ok(None);
    }
    let op = Operation {
        operation_id: operation_id.clone().unwrap_or_default(),
        order_id: refund.order_id.clone(),
        operation_type: "REFUND".into(),
        status: status.clone(),
        amount: None,
        external_operation_id: external_operation_id.clone(),
        created: None,
        updated: None,
        reason: None,
        params: None,
    };
    let status_request = refund.status()?;
    Ok(Some(by_operation(&op, &refund, status_request, now)))
}
