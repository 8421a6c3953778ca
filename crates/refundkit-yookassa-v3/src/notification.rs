//! Notifications (`refund.succeeded`): YooKassa posts them unsigned, so one is never trusted
//! alone. Its sender's address is checked against the ranges YooKassa publishes (its webhooks
//! page, as the official SDKs' `SecurityHelper` and public clients copy them), and even then it
//! only names a refund to fetch (`GET /v3/refunds/{id}`): the answer to that decides, as any
//! status answer does.

use std::net::IpAddr;

use refundkit_core::{DecodeError, DecodeErrorKind as Kind, json};

use crate::codec::{MAX_BODY, refund_object};
use crate::types::RefundObject;

/// The IPv4 networks YooKassa posts notifications from: `(network, prefix length)`.
pub const IPV4_RANGES: &[([u8; 4], u8)] = &[
    ([185, 71, 76, 0], 27),
    ([185, 71, 77, 0], 27),
    ([77, 75, 153, 0], 25),
    ([77, 75, 154, 128], 25),
    ([77, 75, 156, 11], 32),
    ([77, 75, 156, 35], 32),
];

/// The IPv6 network YooKassa posts from: `2a02:5180::/32` (the public clients and the SDKs'
/// lists; the notes of 2026-11 speak of four /64s under it, which it contains).
pub const IPV6_RANGE: ([u16; 2], u8) = ([0x2a02, 0x5180], 32);

/// Whether `ip` is one of YooKassa's published notification addresses. An IPv4 address
/// written as IPv6 (`::ffff:185.71.76.1`, as a dual-stack socket reports it) counts as itself.
pub fn is_yookassa_address(ip: IpAddr) -> bool {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    };
    if let Some(v4) = v4 {
        let ip = u32::from(v4);
        return IPV4_RANGES.iter().any(|(net, len)| {
            let mask = 32u32
                .checked_sub(u32::from(*len))
                .and_then(|shift| u32::MAX.checked_shl(shift))
                .unwrap_or(0);
            ip & mask == u32::from_be_bytes(*net) & mask
        });
    }
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            s[0] == IPV6_RANGE.0[0] && s[1] == IPV6_RANGE.0[1]
        }
        IpAddr::V4(_) => false,
    }
}

/// An event a notification names. Unknown events are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `refund.succeeded`, with the refund object as posted (unverified: fetch it by id).
    RefundSucceeded(RefundObject),
    /// Any other event (`payment.succeeded`, `payment.canceled`, …), by name.
    Other(String),
}

/// Why a notification is not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The sender is not one of YooKassa's addresses.
    #[error("{0} is not one of YooKassa's notification addresses")]
    Source(IpAddr),
    /// The body is not a notification.
    #[error("not a YooKassa notification: {0}")]
    Body(DecodeError),
}

const NOTIFICATION: &[&str] = &["type", "event", "object"];
const OBJECT: &[&str] = &[
    "id",
    "payment_id",
    "status",
    "amount",
    "created_at",
    "description",
    "cancellation_details",
];

/// Reads a notification's body: `{"type":"notification","event":…,"object":{…}}`. It says
/// nothing on its own (it is unsigned): see [`check`].
pub fn parse(body: &[u8]) -> Result<Event, DecodeError> {
    if body.len() > MAX_BODY {
        return Err(DecodeError::too_large(body.len(), MAX_BODY));
    }
    let m = json::members(body, NOTIFICATION)?;
    if json::string(m.get("type"))?.as_deref() != Some("notification") {
        return Err(DecodeError::new(
            Kind::Value,
            "type",
            "not \"notification\"",
        ));
    }
    let event = json::string(m.get("event"))?
        .ok_or_else(|| DecodeError::new(Kind::MissingField, "event", "required"))?;
    if event != "refund.succeeded" {
        return Ok(Event::Other(event));
    }
    let object = m
        .get("object")
        .ok_or_else(|| DecodeError::new(Kind::MissingField, "object", "required"))?;
    let members = json::members(object.get().as_bytes(), OBJECT).map_err(|e| e.within("object"))?;
    Ok(Event::RefundSucceeded(
        refund_object(&members).map_err(|e| e.within("object"))?,
    ))
}

/// A notification from `sender`, taken only when the sender is one of YooKassa's addresses:
/// its event. For `refund.succeeded`, fetch the refund by its id before deciding anything.
pub fn check(body: &[u8], sender: IpAddr) -> Result<Event, NotificationError> {
    if !is_yookassa_address(sender) {
        return Err(NotificationError::Source(sender));
    }
    parse(body).map_err(NotificationError::Body)
}
