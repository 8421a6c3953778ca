//! The JSON answers of `Refund/Create` and `GetState`: a success only as documented.

use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{Amount, DecodeError, json};

use crate::types::{Accepted, CreateMessage, RefundLabel, RefundState, StateMessage};

/// Longest response body accepted.
pub const MAX_RESPONSE_LEN: usize = 1024 * 1024;

/// The members a `Refund/Create` answer may have: the documented `success`, `message` and
/// `requestId`; `Success` and `Message`, which public clients read too (mikhail5545/
/// go-robokassa-sdk `CreateRefund`); and `Error`/`ErrorCode`, the error form of Robokassa's
/// JWT services (yiisoft payments' `RobokassaGatewayTest`).
const CREATE_VOCABULARY: &[&str] = &[
    "success",
    "message",
    "requestId",
    "Success",
    "Message",
    "Error",
    "ErrorCode",
];

/// Reads `Refund/Create`'s answer, given its HTTP status.
///
/// A success is `success: true` (a JSON `true`, lower-case, as documented) at a 2xx status;
/// it stays a success without a `requestId`, because a shop that read it as a failure could
/// retry, and Create has no idempotency key. A refusal is `success: false` (or `Success:
/// false`, or the `Error`/`ErrorCode` form), its `message` kept as the code. A body that states
/// both, or neither, is malformed; so is `success: true` with an error status.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<Accepted, CreateMessage> {
    let members = match read_members(http_status, body, CREATE_VOCABULARY) {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    match create_markers(&members) {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((success, refused, request_id, code, text)) => match (success, refused) {
            (true, true) => malformed(http_status, "states both success and a refusal"),
            (true, false) if is_2xx(http_status) => Outcome::Success(Accepted { request_id }),
            (true, false) => malformed(http_status, "success: true with an error status"),
            (false, true) => Outcome::Refused(Refusal {
                http_status,
                code: code.as_deref().map(CreateMessage::from_wire),
                text,
            }),
            (false, false) => malformed(http_status, "neither success nor a refusal"),
        },
    }
}

type CreateMarkers = (bool, bool, Option<String>, Option<String>, Option<String>);

fn create_markers(m: &json::Members<'_>) -> Result<CreateMarkers, DecodeError> {
    let (mut success, mut pascal) = (None, None);
    let (mut message, mut pascal_message, mut error, mut error_code, mut request_id) =
        (None, None, None, None, None);
    // One pass over the few members present.
    for (name, raw) in m.iter() {
        let at = |e: DecodeError| e.within(name);
        match name {
            "success" => success = json::boolean(Some(raw)).map_err(at)?,
            // `Success: true` is not the documented spelling of a success: it states nothing.
            "Success" => pascal = json::boolean(Some(raw)).map_err(at)?,
            "message" => message = json::string(Some(raw)).map_err(at)?,
            "Message" => pascal_message = json::string(Some(raw)).map_err(at)?,
            "Error" => error = json::string(Some(raw)).map_err(at)?,
            "ErrorCode" => {
                error_code = json::code(Some(raw))
                    .map_err(at)?
                    .map(std::borrow::Cow::into_owned)
            }
            "requestId" => request_id = json::string(Some(raw)).map_err(at)?,
            _ => {}
        }
    }
    let refused =
        success == Some(false) || pascal == Some(false) || error.is_some() || error_code.is_some();
    let code = message.or(pascal_message).or(error_code);
    Ok((success == Some(true), refused, request_id, code, error))
}

/// The members a `GetState` answer may have.
const STATE_VOCABULARY: &[&str] = &["requestId", "amount", "label", "message"];

/// Reads `GetState`'s answer: the refund's state (`requestId` and `label`; `amount` when
/// Robokassa sends it, which it does not always: aiorobokassa's tests read a `processing`
/// state without one), or the `{"message": ...}` error form. A body with both, or with half
/// a state, is malformed.
pub fn parse_state_response(http_status: u16, body: &[u8]) -> Outcome<RefundState, StateMessage> {
    let members = match read_members(http_status, body, STATE_VOCABULARY) {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    let read = || -> Result<_, DecodeError> {
        let (mut request_id, mut label, mut message, mut amount) = (None, None, None, None);
        for (name, raw) in members.iter() {
            let at = |e: DecodeError| e.within(name);
            match name {
                "requestId" => request_id = json::string(Some(raw)).map_err(at)?,
                "label" => label = json::text(Some(raw)).map_err(at)?,
                "message" => message = json::string(Some(raw)).map_err(at)?,
                "amount" if raw.get() == "null" => {}
                // Tolerant in: a number (`1.000000`) as documented, or a decimal string.
                "amount" => {
                    amount = Some(
                        match raw
                            .get()
                            .strip_prefix('"')
                            .and_then(|t| t.strip_suffix('"'))
                        {
                            Some(inner) => Amount::parse_decimal(inner),
                            None => Amount::parse_json_number(raw.get()),
                        }
                        .map_err(|e| {
                            DecodeError::new(refundkit_core::DecodeErrorKind::Value, "amount", e)
                        })?,
                    )
                }
                _ => {}
            }
        }
        Ok((request_id, label, amount, message))
    };
    match read() {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((Some(request_id), Some(label), amount, None)) if is_2xx(http_status) => {
            Outcome::Success(RefundState {
                request_id,
                amount,
                label: RefundLabel::from_wire(&label),
            })
        }
        Ok((Some(_), Some(_), _, None)) => malformed(http_status, "a state with an error status"),
        Ok((None, None, None, Some(message))) => Outcome::Refused(Refusal {
            http_status,
            code: Some(StateMessage::from_wire(&message)),
            text: None,
        }),
        Ok((None, None, None, None)) => malformed(
            http_status,
            "neither a state (requestId, label) nor an error message",
        ),
        Ok(_) => malformed(
            http_status,
            "not a state (requestId and label) and not the error form (message alone)",
        ),
    }
}

/// The members of a JSON object answer, or the outcome of a body that is not one.
fn read_members<'a, T, C>(
    http_status: u16,
    body: &'a [u8],
    vocabulary: &'static [&'static str],
) -> Result<json::Members<'a>, Outcome<T, C>> {
    if body.len() > MAX_RESPONSE_LEN {
        return Err(malformed(
            http_status,
            format!("larger than {MAX_RESPONSE_LEN} bytes"),
        ));
    }
    json::members(body, vocabulary)
        .map_err(|e| malformed(http_status, format!("not a Robokassa answer: {e}")))
}

pub(super) fn malformed<T, C>(http_status: u16, detail: impl Into<String>) -> Outcome<T, C> {
    Outcome::Malformed(Malformed::new(http_status, detail))
}
