//! After `returnPayment`: what MWS's answer, or its absence, means for the next step.
//!
//! `clientOrderId` is MWS's idempotency key: a repeat of the identical request (same
//! clientOrderId and data; requestDT may differ) returns the first request's result instead of
//! refunding again (the returnPayment page), and status 1 asks for exactly that repeat on a
//! schedule. So a lost answer is the one case among the four providers where refundkit decides
//! to resend the refund itself: byte for byte the same request.

use std::time::SystemTime;

use http::Request;
use refundkit_core::lifecycle::{Answer, DecideError, Next, Record, after};
use refundkit_core::outcome::Outcome;

use crate::codec::{decode_request, parse_response};
use crate::types::{ErrorCode, ReturnPaymentRequest};

const PROVIDER: &str = "yookassa";

/// Seconds to wait before the repeat that follows attempt `attempts` (1 for the first send):
/// 1 minute, then 3 times 5 minutes, then 30 minutes (MWS: "no more often than every 30
/// minutes" from then on).
pub fn repeat_delay(attempts: u32) -> u64 {
    match attempts {
        0 | 1 => 60,
        2..=4 => 5 * 60,
        _ => 30 * 60,
    }
}

/// The next step after the `returnPayment` in `record` (`sent` is the same request) got
/// `answer`.
///
/// - Status 0: done, for the request's amount.
/// - Status 1, a lost answer, or an answer that states nothing (a proxy's page, a signed
///   answer this function cannot verify): resend the identical request after
///   [`repeat_delay`]; MWS returns the first result for it.
/// - Status 3: refused with its error. Error 405 (this clientOrderId was used before with
///   other data) cannot be corrected under this id: the earlier request with it may have
///   refunded; look it up with `listReturns` before refunding under a new clientOrderId.
pub fn decide(
    record: &Record<'_>,
    sent: &Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    if !sent.uri().path().ends_with("/returnPayment") {
        return Err(DecideError::not_recognised(
            PROVIDER,
            format!("{} is not returnPayment", sent.uri().path()),
        ));
    }
    let request = read_refund(record.refund)?;
    let resend = |why: String| Next::Resend {
        request: refundkit_core::copy_request(record.refund),
        not_before: after(now, repeat_delay(record.attempts)),
        detail: format!(
            "{why}: repeat the identical request (clientOrderId {}); MWS returns the first \
             result for it",
            request.client_order_id
        ),
    };
    let Answer::Received { http_status, body } = answer else {
        return Ok(resend("the answer to returnPayment was lost".into()));
    };
    Ok(match parse_response(http_status, body) {
        Outcome::Success(r) => Next::Done {
            refunded: Some(request.amount),
            detail: format!(
                "returnPayment status 0 for clientOrderId {}{}",
                request.client_order_id,
                r.processed_dt
                    .map(|t| format!(", processed {t}"))
                    .unwrap_or_default()
            ),
        },
        Outcome::InProgress(_) => resend("returnPayment status 1 (in progress)".into()),
        Outcome::Refused(refusal) => {
            let may_correct = !matches!(
                refusal.code,
                Some(ErrorCode::ClientOrderIdReused | ErrorCode::AlreadyRefunded)
            );
            Next::refused(&refusal, may_correct)
        }
        Outcome::Malformed(m) => resend(format!("returnPayment's answer states nothing ({m})")),
        other => resend(format!("returnPayment's answer is {}", other.verdict())),
    })
}

/// The request as the shop sent it: its own signed message, opened without checking the
/// signature (it is the shop's own, and only its clientOrderId and amount are read).
fn read_refund(request: &Request<Vec<u8>>) -> Result<ReturnPaymentRequest, DecideError> {
    let opened = refundkit_pkcs7::open(
        request.body(),
        refundkit_pkcs7::Trust::InsecureSkipSignature,
    )
    .map_err(|e| DecideError::not_recognised(PROVIDER, format!("the refund's PKCS#7: {e}")))?;
    decode_request(&opened.content)
        .map_err(|e| DecideError::not_recognised(PROVIDER, format!("the refund's XML: {e}")))
}
