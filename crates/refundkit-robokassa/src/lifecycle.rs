//! After `Refund/Create` and `GetState`: what an answer, or its absence, means for the next
//! step.
//!
//! Create has no idempotency key, and `GetState` needs the `requestId` that only Create's
//! answer carries: a Create whose answer was lost cannot be looked up through the refund API,
//! and sending it again may refund twice. refundkit never proposes that; it says to check the
//! operation in Robokassa's merchant account first.

use std::time::SystemTime;

use http::Request;
use refundkit_core::lifecycle::{Answer, DecideError, Next, Record, after};
use refundkit_core::outcome::Outcome;

use crate::codec::{parse_response, parse_state_response};
use crate::http::{Endpoint, state_request};
use crate::types::{CreateMessage, RefundLabel};

/// Seconds between two `GetState` requests while a refund is `processing` (refundkit's
/// choice: Robokassa documents no polling interval).
pub const POLL_SECONDS: u64 = 30;

const PROVIDER: &str = "robokassa";

/// What the shop checks by hand when Create's outcome is unknown.
const BY_HAND: &str = "Refund/Create has no idempotency key and GetState needs the requestId \
    of its answer: find the refund in Robokassa's merchant account (the operation of this \
    OpKey) before sending any Create for it again; never resend it blindly";

/// The next step after `sent` (`Refund/Create`, or a `GetState` built by [`state_request`])
/// got `answer`.
///
/// - Create stated success with a `requestId`: wait, then ask `GetState`. Without one: check
///   by hand. A stated refusal: refused (`AlreadyRefunded` cannot be corrected).
/// - Create lost, or answered with something that states nothing: reconcile by hand, never
///   resend.
/// - `GetState` `finished`: done; `processing`: ask again after [`POLL_SECONDS`]; `canceled`:
///   refused (a new Create may follow); an unknown id or label: check by hand; a lost or
///   unreadable answer: ask again.
pub fn decide(
    record: &Record<'_>,
    sent: &Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    let endpoint = Endpoint::of_request(record.refund).ok_or_else(|| {
        DecideError::not_recognised(PROVIDER, "the refund's URL is not …/Refund/Create")
    })?;
    let path = sent.uri().path();
    if path.ends_with("/Refund/Create") {
        after_create(&endpoint, answer, now)
    } else if path.ends_with("/Refund/GetState") {
        Ok(after_state(sent, answer, now))
    } else {
        Err(DecideError::not_recognised(
            PROVIDER,
            format!("{path} is neither Refund/Create nor Refund/GetState"),
        ))
    }
}

fn by_hand(now: SystemTime, why: &str) -> Next {
    Next::by_hand(now, format!("{why}; {BY_HAND}"))
}

fn after_create(
    endpoint: &Endpoint,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    let Answer::Received { http_status, body } = answer else {
        return Ok(by_hand(now, "the answer to Refund/Create was lost"));
    };
    Ok(match parse_response(http_status, body) {
        Outcome::Success(accepted) => match accepted.request_id {
            Some(id) => Next::Wait {
                request: Some(
                    state_request(endpoint, &id)
                        .map_err(|e| DecideError::not_recognised(PROVIDER, e.to_string()))?,
                ),
                not_before: after(now, POLL_SECONDS),
                detail: format!("Refund/Create accepted the refund as request {id}"),
            },
            None => by_hand(now, "Refund/Create stated success without a requestId"),
        },
        Outcome::Refused(refusal) => {
            let may_correct = !matches!(refusal.code, Some(CreateMessage::AlreadyRefunded));
            Next::refused(&refusal, may_correct)
        }
        Outcome::Malformed(m) => {
            by_hand(now, &format!("Refund/Create's answer states nothing ({m})"))
        }
        other => by_hand(
            now,
            &format!("Refund/Create's answer is {}", other.verdict()),
        ),
    })
}

fn after_state(sent: &Request<Vec<u8>>, answer: Answer<'_>, now: SystemTime) -> Next {
    let again = |detail: String| Next::ask_again(sent, after(now, POLL_SECONDS), detail);
    let Answer::Received { http_status, body } = answer else {
        return again("the GetState answer was lost: ask again".into());
    };
    match parse_state_response(http_status, body) {
        Outcome::Success(state) => match state.label {
            RefundLabel::Finished => Next::Done {
                refunded: state.amount,
                detail: format!("GetState: request {} finished", state.request_id),
            },
            RefundLabel::Processing => again(format!(
                "GetState: request {} is processing",
                state.request_id
            )),
            RefundLabel::Canceled => Next::Refused {
                http_status,
                code: Some(state.label.as_str().to_owned()),
                text: Some(format!(
                    "refund request {} was cancelled in the merchant account",
                    state.request_id
                )),
                may_correct: true,
            },
            other => Next::by_hand(
                now,
                format!(
                    "GetState states a label refundkit does not know ({}): check the refund \
                     in the merchant account",
                    other.as_str()
                ),
            ),
        },
        Outcome::Refused(r) => Next::by_hand(
            now,
            format!(
                "GetState does not know this request ({}): check the refund in the merchant \
                 account",
                r.code.as_ref().map(|c| c.as_str()).unwrap_or("no message")
            ),
        ),
        Outcome::Malformed(m) => again(format!(
            "the GetState answer states nothing ({m}): ask again"
        )),
        other => again(format!(
            "the GetState answer is {}: ask again",
            other.verdict()
        )),
    }
}
