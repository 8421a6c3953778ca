//! clientOrderId is YooKassa's idempotency key: a repeat with identical data (requestDT aside)
//! returns the first result; the same id with other data is refused with error 405.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::types::ReturnPaymentRequest;

/// A monotonic source of clientOrderIds: the current time in milliseconds, or one more than
/// the last id, whichever is larger (the returnPayment page recommends "linearly increasing" numbers).
/// Persist [`ClientOrderIds::last`] across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientOrderIds {
    last: u64,
}

impl ClientOrderIds {
    /// Continues after `last` (0 for a fresh start).
    pub fn after(last: u64) -> Self {
        ClientOrderIds { last }
    }

    /// The next id at `now`: its Unix time in milliseconds, or one more than the last id.
    pub fn next(&mut self, now: SystemTime) -> u64 {
        let now_millis = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.last = now_millis.max(self.last.saturating_add(1));
        self.last
    }

    /// The last id handed out.
    pub fn last(&self) -> u64 {
        self.last
    }
}

/// The fields in which `repeat` differs from `original`, requestDT excepted. Empty: a safe
/// retry. Non-empty with the same clientOrderId: YooKassa will answer error 405.
pub fn repeat_differences(
    original: &ReturnPaymentRequest,
    repeat: &ReturnPaymentRequest,
) -> Vec<&'static str> {
    let mut d = Vec::new();
    let mut check = |same: bool, field: &'static str| {
        if !same {
            d.push(field);
        }
    };
    check(
        original.client_order_id == repeat.client_order_id,
        "clientOrderId",
    );
    check(original.invoice_id == repeat.invoice_id, "invoiceId");
    check(original.shop_id == repeat.shop_id, "shopId");
    // The amount as written: "10.00" and "10.0" are the same money but not the same request.
    check(
        original.amount.to_fixed2().ok() == repeat.amount.to_fixed2().ok(),
        "amount",
    );
    check(original.currency == repeat.currency, "currency");
    check(original.cause == repeat.cause, "cause");
    check(original.receipt == repeat.receipt, "receipt");
    d
}
