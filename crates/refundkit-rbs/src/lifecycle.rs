//! After refund.do: what the gateway's answer, or its absence, means for the next step.
//!
//! refund.do has no idempotency key, so a refund whose answer was lost cannot be sent again
//! blindly: the gateway may have refunded already. It is reconciled through
//! getOrderStatusExtended.do by comparing `paymentAmountInfo.refundedAmount` with its value
//! before the refund, which the shop records before sending (`Record::refunded_before`).

use std::time::SystemTime;

use http::Request;
use refundkit_core::Amount;
use refundkit_core::lifecycle::{Answer, DecideError, Next, Record, after};
use refundkit_core::outcome::Outcome;

use crate::codec::{decode_request, parse_response, parse_status_response};
use crate::http::{Endpoint, status_request};
use crate::types::{Cause, ErrorCode, OrderStatus, RefundRequest, StatusRequest};

/// Seconds before the status is asked after a lost refund.do: long enough for a refund still
/// being processed when the connection dropped to have been booked (refundkit's choice; the
/// gateway documents no figure).
pub const SETTLE_SECONDS: u64 = 60;

/// Seconds between two status requests whose answer was lost or unreadable.
pub const STATUS_RETRY_SECONDS: u64 = 60;

const PROVIDER: &str = "rbs";

/// The next step after `sent` (the refund in `record`, or a status request built by
/// [`status_request`]) got `answer`.
///
/// - refund.do stated success: done. A stated refusal: refused, a corrected request allowed
///   unless the order cannot be refunded as it stands (`7`, payment state).
/// - refund.do lost, or answered with something that states nothing: reconcile through
///   getOrderStatusExtended.do, after [`SETTLE_SECONDS`].
/// - getOrderStatusExtended.do: `refundedAmount` grown by the refund's amount since
///   `record.refunded_before`: done; unchanged: the refund did not happen, and only then may it
///   be sent again; anything else: reconcile by hand.
pub fn decide(
    record: &Record<'_>,
    sent: &Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    let refund = read_refund(record.refund)?;
    let endpoint = Endpoint::of_request(record.refund).ok_or_else(|| {
        DecideError::not_recognised(PROVIDER, "the refund's URL is not …/refund.do")
    })?;
    let status = status_request(
        &endpoint,
        &StatusRequest {
            auth: refund.auth.clone(),
            order_id: refund.order_id.clone(),
            language: refund.language.clone(),
        },
    )?;
    let path = sent.uri().path();
    if path.ends_with("/refund.do") {
        Ok(after_refund(&refund, status, answer, now))
    } else if path.ends_with("/getOrderStatusExtended.do") {
        Ok(after_status(record, &refund, status, answer, now))
    } else {
        Err(DecideError::not_recognised(
            PROVIDER,
            format!("{path} is neither refund.do nor getOrderStatusExtended.do"),
        ))
    }
}

fn read_refund(request: &Request<Vec<u8>>) -> Result<RefundRequest, DecideError> {
    decode_request(request.body())
        .map_err(|e| DecideError::not_recognised(PROVIDER, format!("the refund's body: {e}")))
}

fn reconcile(status: Request<Vec<u8>>, now: SystemTime, why: &str) -> Next {
    Next::Reconcile {
        request: Some(status),
        not_before: after(now, SETTLE_SECONDS),
        how: format!(
            "{why}; refund.do has no idempotency key, so do not send it again: ask \
             getOrderStatusExtended.do and compare paymentAmountInfo.refundedAmount with its \
             value before the refund"
        ),
    }
}

fn after_refund(
    refund: &RefundRequest,
    status: Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Next {
    let Answer::Received { http_status, body } = answer else {
        return reconcile(status, now, "the answer to refund.do was lost");
    };
    match parse_response(http_status, body) {
        Outcome::Success(accepted) => Next::Done {
            refunded: (refund.amount > 0).then(|| Amount::from_minor_units(refund.amount)),
            detail: format!(
                "refund.do stated success{}",
                accepted
                    .message
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ),
        },
        Outcome::Refused(refusal) => {
            let may_correct = refusal
                .code
                .as_ref()
                .is_none_or(|c| may_correct(c, refusal.text.as_deref()));
            Next::refused(&refusal, may_correct)
        }
        Outcome::Malformed(m) => reconcile(
            status,
            now,
            &format!("refund.do's answer states nothing ({m})"),
        ),
        other => reconcile(
            status,
            now,
            &format!("refund.do's answer is {}", other.verdict()),
        ),
    }
}

/// Whether a refusal leaves room for a corrected refund: every cause but an order whose state
/// admits no refund.
fn may_correct(code: &ErrorCode, message: Option<&str>) -> bool {
    !matches!(code.cause(message), Cause::PaymentState)
}

fn after_status(
    record: &Record<'_>,
    refund: &RefundRequest,
    status: Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Next {
    let again = |why: String| {
        let detail = format!("{why}: ask getOrderStatusExtended.do again");
        Next::ask_again(&status, after(now, STATUS_RETRY_SECONDS), detail)
    };
    let Answer::Received { http_status, body } = answer else {
        return again("the status answer was lost".into());
    };
    let order = match parse_status_response(http_status, body) {
        Outcome::Success(order) => order,
        Outcome::Refused(r) => {
            return Next::by_hand(
                now,
                format!(
                    "getOrderStatusExtended.do refused ({}: {}); check order {} in the \
                     gateway's merchant portal before sending refund.do again",
                    r.code.as_ref().map(ErrorCode::as_str).unwrap_or("no code"),
                    r.text.as_deref().unwrap_or(""),
                    refund.order_id
                ),
            );
        }
        Outcome::Malformed(m) => return again(format!("the status answer states nothing ({m})")),
        other => return again(format!("the status answer is {}", other.verdict())),
    };
    compare(record, refund, &order, now)
}

fn compare(
    record: &Record<'_>,
    refund: &RefundRequest,
    order: &OrderStatus,
    now: SystemTime,
) -> Next {
    let by_hand = |how: String| Next::by_hand(now, how);
    let info = order.payment_amount_info.as_ref();
    let Some(refunded_now) = info.and_then(|i| i.refunded_amount) else {
        return by_hand(format!(
            "order {} states no paymentAmountInfo.refundedAmount: check it by hand",
            refund.order_id
        ));
    };
    let Some(before) = record.refunded_before else {
        return by_hand(format!(
            "refundedAmount is now {refunded_now}, but its value before the refund was not \
             recorded: compare by hand (record it before sending refund.do next time)"
        ));
    };
    let expected = if refund.amount == 0 {
        // A whole-order refund: what remained deposited.
        info.and_then(|i| i.deposited_amount)
    } else {
        before.checked_add(refund.amount)
    };
    match (refunded_now, expected) {
        (now_, _) if now_ == before => Next::Resend {
            request: record.refund.clone(),
            not_before: now,
            detail: format!(
                "refundedAmount is unchanged ({before}) since before the refund: refund.do did \
                 not take effect, so it may be sent again"
            ),
        },
        (now_, Some(expected)) if now_ == expected => Next::Done {
            refunded: Some(Amount::from_minor_units(now_.saturating_sub(before))),
            detail: format!("refundedAmount grew from {before} to {now_}: the refund went through"),
        },
        (now_, _) => by_hand(format!(
            "refundedAmount went from {before} to {now_}, not by this refund's amount \
             ({}): another refund may have been booked; check the order by hand",
            refund.amount
        )),
    }
}
