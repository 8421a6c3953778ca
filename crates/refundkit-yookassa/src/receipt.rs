//! The receipt sum rule of the returnPayment page, and the helper that satisfies it.
//!
//! The total of price x quantity over the items, rounded to kopecks, must equal `amount`. When
//! no quantity makes it exact, the page says to send the one that makes it one kopeck *more*:
//! for 9.75 at 17.00, quantity 0.573 gives 9.741 → 9.74 (wrong), 0.574 gives 9.758 → 9.76
//! (right).

use refundkit_core::{Amount, Quantity};
use rust_decimal::Decimal;

use crate::types::ReceiptItem;

/// How a receipt's total compares with `amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumCheck {
    /// Equal.
    Exact,
    /// One kopeck above: allowed.
    KopeckOver(Amount),
    /// Anything else: refused.
    Mismatch(Amount),
    /// Too large to compute.
    Overflow,
}

/// The exact total of price x quantity, rounded to kopecks once (the register rounds the
/// receipt total, not each line).
pub fn receipt_total(items: &[ReceiptItem]) -> Option<Amount> {
    items
        .iter()
        .try_fold(Amount::ZERO, |acc, item| {
            acc.checked_add(item.price.checked_mul(item.quantity)?)
        })
        .map(Amount::round_to_kopecks)
}

/// Applies the sum rule.
pub fn check_sum(items: &[ReceiptItem], amount: Amount) -> SumCheck {
    let Some(total) = receipt_total(items) else {
        return SumCheck::Overflow;
    };
    if total == amount {
        SumCheck::Exact
    } else if amount.checked_add(Amount::from_minor_units(1)) == Some(total) {
        SumCheck::KopeckOver(total)
    } else {
        SumCheck::Mismatch(total)
    }
}

/// The quantity, with `places` decimals, of an item priced `price` that makes a one-item
/// receipt for `amount` pass the sum rule: exact if any quantity is, otherwise the smallest
/// that gives one kopeck more. `None` when neither exists (a price so high that one step of
/// quantity moves the total by more than a kopeck and no step lands on it).
pub fn quantity_for(price: Amount, amount: Amount, places: u32) -> Option<Quantity> {
    if price.is_zero() || places > 6 {
        return None;
    }
    let step = Decimal::new(1, places);
    let ideal = amount.value().checked_div(price.value())?;
    let floor = ideal.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::ToZero);
    let one_kopeck_over = amount.checked_add(Amount::from_minor_units(1))?;
    let total = |q: Decimal| {
        price
            .value()
            .checked_mul(q)
            .map(|t| Amount::new(t).ok().map(Amount::round_to_kopecks))
    };
    // Candidates around the ideal quantity; the rounded total is monotonic in q.
    let candidates: Vec<Decimal> = (-2i64..=3)
        .filter_map(|k| floor.checked_add(step.checked_mul(Decimal::from(k))?))
        .filter(|q| *q > Decimal::ZERO)
        .collect();
    let pick = |target: Amount| {
        candidates
            .iter()
            .copied()
            .find(|q| total(*q).flatten() == Some(target))
    };
    pick(amount)
        .or_else(|| pick(one_kopeck_over))
        .and_then(|q| Quantity::new(q).ok())
}

#[cfg(test)]
mod tests;
