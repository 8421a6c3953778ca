//! From the current order and "refund these quantities (and the shipping)", the final cart,
//! `orderAmount` and `refundAmount`, correct by construction.

use std::collections::{HashMap, HashSet};

use refundkit_core::{Amount, Quantity};
use serde::Deserialize;

use crate::types::{
    Cart, RefundRequest, RefundRequestV2, Shipping, TargetCart, TargetCartItem, TargetShipping,
};

/// The order as it stands before the refund.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The current cart.
    pub cart: Cart,
    /// The current shipping.
    #[serde(default)]
    pub shipping: Option<Shipping>,
}

impl Order {
    /// What the payment currently amounts to: cart total plus shipping.
    pub fn amount(&self) -> Option<Amount> {
        self.cart
            .total
            .amount
            .checked_add(self.shipping.as_ref().map_or(Amount::ZERO, |s| s.amount))
    }
}

/// What to refund.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// Products and how many of each.
    pub products: Vec<(String, Quantity)>,
    /// Refund the shipping too.
    pub shipping: bool,
    /// The shop's id for this refund (the idempotency key).
    pub external_operation_id: Option<String>,
    /// v2 only: the part of this refund the shop returns by its own external means
    /// (`refundExternalAmount`); Yandex Pay returns the rest (`refundAmount`).
    pub external_amount: Option<Amount>,
}

/// Why the helper cannot build the refund.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HelperError {
    /// A product not in the cart.
    #[error("product {0:?} is not in the current cart")]
    UnknownProduct(String),
    /// A product named twice.
    #[error("product {0:?} is selected twice")]
    SelectedTwice(String),
    /// More than the cart holds, or nothing.
    #[error("cannot refund {asked} of product {id:?}: the cart holds {held}")]
    BadCount {
        /// The product.
        id: String,
        /// What was asked.
        asked: Quantity,
        /// What the cart holds.
        held: Quantity,
    },
    /// Shipping asked for, but the order has none.
    #[error("the order has no shipping to refund")]
    NoShipping,
    /// Nothing would be refunded.
    #[error("nothing to refund")]
    Nothing,
    /// The cart's discounts exceed what would remain.
    #[error("the cart's discounts exceed the remaining items")]
    DiscountsExceedCart,
    /// Numbers too large to compute.
    #[error("amounts overflow")]
    Overflow,
    /// An external part for a v1 refund, which has no `refundExternalAmount`.
    #[error("an external part of the refund (refundExternalAmount) is a v2 field")]
    ExternalInV1,
    /// What remains is worth less than the external payment left on it: more of the refund
    /// must be external.
    #[error("the external part {asked} leaves more paid externally than remains: at least {least}")]
    ExternalTooSmall {
        /// What was asked.
        asked: Amount,
        /// The least external part that leaves a cart worth its external payment.
        least: Amount,
    },
    /// An external part above what the order was paid externally, or above the refund.
    #[error("the external part {asked} exceeds {limit}")]
    ExternalTooLarge {
        /// What was asked.
        asked: Amount,
        /// The order's `externalAmount`, or what the selection is worth.
        limit: Amount,
    },
}

/// Builds the refund body.
///
/// For each selected product the count is lowered (the line removed at zero), and its `total`
/// (and `subtotal`) recomputed from `discountedUnitPrice` or `unitPrice`; a line without prices
/// keeps its total in proportion, rounded to kopecks. Cart discounts are kept as they are. The
/// cart total, `orderAmount` and `refundAmount` follow, so that every invariant holds.
pub fn refund(order: &Order, selection: &Selection) -> Result<RefundRequest, HelperError> {
    if selection.external_amount.is_some() {
        return Err(HelperError::ExternalInV1);
    }
    refund_parts(order, selection, Amount::ZERO)
}

/// The refund with `external` of it returned outside Yandex Pay: the cart's `externalAmount`
/// goes down by it, and `refundAmount` is what the cart loses less it.
fn refund_parts(
    order: &Order,
    selection: &Selection,
    external: Amount,
) -> Result<RefundRequest, HelperError> {
    let external_before = order.cart.total.external_amount.unwrap_or(Amount::ZERO);
    let external_after =
        external_before
            .checked_sub(external)
            .ok_or(HelperError::ExternalTooLarge {
                asked: external,
                limit: external_before,
            })?;
    let mut cart = order.cart.clone();
    // Index the lines once: selections of thousands of products stay linear.
    let index: HashMap<&str, usize> = order
        .cart
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.product_id.as_str(), i))
        .collect();
    let mut chosen: HashSet<&str> = HashSet::with_capacity(selection.products.len());
    let mut removed = vec![false; cart.items.len()];
    for (id, n) in &selection.products {
        if !chosen.insert(id.as_str()) {
            return Err(HelperError::SelectedTwice(id.clone()));
        }
        let i = *index
            .get(id.as_str())
            .ok_or_else(|| HelperError::UnknownProduct(id.clone()))?;
        let item = cart.items.get_mut(i).ok_or(HelperError::Overflow)?;
        let held = item.quantity.count;
        if n.is_zero() || *n > held {
            return Err(HelperError::BadCount {
                id: id.clone(),
                asked: *n,
                held,
            });
        }
        let left = Quantity::new(
            held.value()
                .checked_sub(n.value())
                .ok_or(HelperError::Overflow)?,
        )
        .map_err(|_| HelperError::Overflow)?;
        if left.is_zero() {
            if let Some(flag) = removed.get_mut(i) {
                *flag = true;
            }
            continue;
        }
        item.total = match item.discounted_unit_price.or(item.unit_price) {
            Some(price) => price.checked_mul(left).ok_or(HelperError::Overflow)?,
            None => {
                let share = left
                    .value()
                    .checked_div(held.value())
                    .ok_or(HelperError::Overflow)?;
                Amount::new(
                    item.total
                        .value()
                        .checked_mul(share)
                        .ok_or(HelperError::Overflow)?,
                )
                .map_err(|_| HelperError::Overflow)?
            }
        }
        .round_to_kopecks();
        if let (Some(unit), Some(_)) = (item.unit_price, item.subtotal) {
            item.subtotal = Some(
                unit.checked_mul(left)
                    .ok_or(HelperError::Overflow)?
                    .round_to_kopecks(),
            );
        }
        item.quantity.count = left;
    }
    let mut flags = removed.iter();
    cart.items
        .retain(|_| !flags.next().copied().unwrap_or(false));
    let items_total = cart
        .items
        .iter()
        .try_fold(Amount::ZERO, |acc, i| acc.checked_add(i.total))
        .ok_or(HelperError::Overflow)?;
    let discounts = cart
        .discounts
        .iter()
        .try_fold(Amount::ZERO, |acc, d| acc.checked_add(d.amount))
        .ok_or(HelperError::Overflow)?;
    let value_after = items_total
        .checked_sub(discounts)
        .ok_or(HelperError::DiscountsExceedCart)?;
    let too_large = |limit| HelperError::ExternalTooLarge {
        asked: external,
        limit,
    };
    let value_before = order
        .cart
        .total
        .amount
        .checked_add(external_before)
        .ok_or(HelperError::Overflow)?;
    // What the selected lines are worth: the most the external part can be.
    let worth = value_before
        .checked_sub(value_after)
        .unwrap_or(Amount::ZERO);
    if external > worth {
        return Err(too_large(worth));
    }
    cart.total.amount =
        value_after
            .checked_sub(external_after)
            .ok_or_else(|| HelperError::ExternalTooSmall {
                asked: external,
                least: external_before
                    .checked_sub(value_after)
                    .unwrap_or(Amount::ZERO),
            })?;
    if cart.total.external_amount.is_some() || !external_after.is_zero() {
        cart.total.external_amount = Some(external_after);
    }

    let (shipping, shipping_refund) = match (&order.shipping, selection.shipping) {
        (None, true) => return Err(HelperError::NoShipping),
        (Some(s), true) => (None, s.amount),
        (s, false) => (s.clone(), Amount::ZERO),
    };
    let refund_amount = order
        .cart
        .total
        .amount
        .checked_sub(cart.total.amount)
        .and_then(|d| d.checked_add(shipping_refund))
        .ok_or(HelperError::Overflow)?;
    if refund_amount.is_zero() {
        return Err(HelperError::Nothing);
    }
    let order_amount = cart
        .total
        .amount
        .checked_add(shipping.as_ref().map_or(Amount::ZERO, |s| s.amount))
        .ok_or(HelperError::Overflow)?;
    Ok(RefundRequest {
        refund_amount,
        order_amount,
        cart: Some(cart),
        shipping,
        external_operation_id: selection.external_operation_id.clone(),
    })
}

/// Builds the v2 refund body from the same order and selection as [`refund`]: the same
/// arithmetic, told as v2 tells it. Everything refunded (every line and the shipping) is a
/// full refund: `refundAmount` and nothing else. Otherwise `targetCart` lists every line that
/// remains (a lowered count as `quantityCount`, an untouched line by its `productId` alone: a
/// line left out is refunded), and `targetShipping` keeps the shipping unless it is refunded
/// (absent, v2 refunds it in full).
///
/// `selection.external_amount` is the part the shop returns itself (`refundExternalAmount`):
/// at most the order's `externalAmount`, and `refundAmount` is what the cart loses less it.
pub fn refund_v2(order: &Order, selection: &Selection) -> Result<RefundRequestV2, HelperError> {
    let external = selection.external_amount.unwrap_or(Amount::ZERO);
    let v1 = refund_parts(order, selection, external)?;
    let final_cart = v1.final_cart();
    let everything = final_cart.items.is_empty() && v1.shipping.is_none();
    let (target_cart, target_shipping) = if everything {
        (None, None)
    } else {
        let items = final_cart
            .items
            .iter()
            .map(|line| {
                let before = order
                    .cart
                    .items
                    .iter()
                    .find(|b| b.product_id == line.product_id)
                    .map(|b| b.quantity.count);
                TargetCartItem {
                    product_id: line.product_id.clone(),
                    price: None,
                    quantity_count: (before != Some(line.quantity.count))
                        .then_some(line.quantity.count),
                }
            })
            .collect();
        (
            Some(TargetCart { items }),
            v1.shipping
                .as_ref()
                .map(|s| TargetShipping { amount: s.amount }),
        )
    };
    Ok(RefundRequestV2 {
        refund_amount: v1.refund_amount,
        refund_external_amount: selection.external_amount,
        external_operation_id: selection.external_operation_id.clone(),
        target_cart,
        target_shipping,
        refund_cart: None,
        branch_id: None,
        manager_id: None,
        motive: None,
    })
}
