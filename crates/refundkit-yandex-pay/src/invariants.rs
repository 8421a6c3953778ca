//! The cart invariants: what Yandex Pay checks (or may check) before refunding.
//!
//! The v1 refund sends the *final* cart, after the refund. Its sums must agree with each
//! other, with the payment, and with the cart it replaces.

use std::collections::HashSet;

use refundkit_core::report::codes;
use refundkit_core::{Amount, Invalid, Path, Report, Validate, Validated};

use crate::codes as yp_codes;

use crate::types::{
    COUPON_STATUSES, Cart, CartItem, ITEM_TYPES, ItemReceipt, OrderStatus, PAYMENT_METHOD_CODES,
    PAYMENT_SUBJECT_CODES, RefundRequest, RefundRequestV2, SHIPPING_METHODS, VAT_CODES, int_code,
};

/// Text fields at most this many characters.
pub const MAX_TEXT: usize = 2048;

/// Measures of FFD tag 2108.
const MEASURES: &[i64] = &[
    0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255,
];

/// What is known beyond the request itself; each field enables its rules.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The payment's current amount (before this refund).
    pub payment_amount: Option<Amount>,
    /// The cart before this refund.
    pub current_cart: Option<&'a Cart>,
    /// The shipping amount before this refund.
    pub current_shipping: Option<Amount>,
    /// The order's status.
    pub order_status: Option<&'a OrderStatus>,
}

fn sum<'a>(amounts: impl IntoIterator<Item = &'a Amount>) -> Option<Amount> {
    amounts
        .into_iter()
        .try_fold(Amount::ZERO, |acc, a| acc.checked_add(*a))
}

/// Every violation in `request`, with the rules `context` enables.
pub fn check(request: &RefundRequest, context: &Context<'_>) -> Report {
    request.report(context)
}

/// The request, if Yandex Pay's rules (with those `context` enables) find no error: what
/// [`crate::http::refund_request`] takes. Otherwise every violation, and the request back.
pub fn validate(
    request: RefundRequest,
    context: &Context<'_>,
) -> Result<Validated<RefundRequest>, Invalid<RefundRequest>> {
    Validated::new(request, context)
}

impl Validate for RefundRequest {
    type Context<'a> = Context<'a>;

    fn check(&self, context: &Context<'_>, report: &mut Report) {
        rules(self, context, report);
    }
}

/// `refundAmount`, v1 and v2 alike: positive, and 1 RUB or more.
fn refund_amount_rule(report: &mut Report, amount: Amount) {
    let path = Path::ROOT;
    let path = path.field("refundAmount");
    if amount.is_zero() {
        report.error(&path, codes::NOT_POSITIVE, "must be greater than zero");
    } else if amount < Amount::from_minor_units(100) {
        report.warning(
            &path,
            yp_codes::UNDER_ONE_ROUBLE,
            "refunds under 1 RUB are reported refused",
        );
    }
}

fn rules(request: &RefundRequest, context: &Context<'_>, report: &mut Report) {
    let root = Path::ROOT;
    refund_amount_rule(report, request.refund_amount);
    if !request.order_amount.is_zero() && request.order_amount < Amount::from_minor_units(100) {
        report.warning(
            &root.field("orderAmount"),
            yp_codes::UNDER_ONE_ROUBLE,
            "a refund leaving under 1 RUB is reported refused",
        );
    }
    if let Some(id) = &request.external_operation_id {
        report.check_max_chars(&root.field("externalOperationId"), id, MAX_TEXT);
    }

    let shipping_amount = request.shipping.as_ref().map_or(Amount::ZERO, |s| s.amount);
    // An absent cart is an empty one (see `RefundRequest::cart`).
    match request
        .final_cart()
        .total
        .amount
        .checked_add(shipping_amount)
    {
        Some(expected) if expected == request.order_amount => {}
        expected => report.error(
            &root.field("orderAmount"),
            yp_codes::ORDER_AMOUNT,
            format!(
                "orderAmount {} must equal cart.total.amount + shipping.amount = {}",
                request.order_amount,
                expected.map_or_else(|| "(overflow)".into(), |e| e.to_string())
            ),
        ),
    }
    if let Some(cart) = &request.cart {
        validate_cart(report, &root.field("cart"), cart);
    }
    if let Some(shipping) = &request.shipping {
        let path = root.field("shipping");
        if !SHIPPING_METHODS.contains(&shipping.method_type.as_str()) {
            report.warning(
                &path.field("methodType"),
                codes::UNKNOWN_CODE,
                format!(
                    "{:?} is none of {}: kept as sent",
                    shipping.method_type,
                    SHIPPING_METHODS.join(", ")
                ),
            );
        }
        if let Some(r) = &shipping.receipt {
            validate_receipt(report, &path.field("receipt"), r);
        }
    }

    if let Some(current) = context.payment_amount {
        match current.checked_sub(request.refund_amount) {
            Some(left) if left == request.order_amount => {}
            left => report.error(
                &root.field("orderAmount"),
                yp_codes::PAYMENT_AMOUNT,
                format!(
                    "orderAmount {} must equal the payment's amount {current} less refundAmount {} = {}",
                    request.order_amount,
                    request.refund_amount,
                    left.map_or_else(|| "(negative)".into(), |l| l.to_string())
                ),
            ),
        }
    }
    if let Some(current) = context.current_cart {
        check_against_current(report, request, current, context.current_shipping);
    }
    if let Some(status) = context.order_status {
        order_status_rule(report, status);
    }
}

/// Both refund pages: "available only for payments in CAPTURED or PARTIALLY_REFUNDED status".
fn order_status_rule(report: &mut Report, status: &OrderStatus) {
    if !matches!(
        status,
        OrderStatus::Captured | OrderStatus::PartiallyRefunded
    ) {
        report.error(
            &Path::ROOT,
            yp_codes::ORDER_STATUS,
            format!(
                "order status {}: only CAPTURED and PARTIALLY_REFUNDED may be refunded",
                status.as_str()
            ),
        );
    }
}

/// The order's status after this refund succeeds.
pub fn resulting_status(request: &RefundRequest) -> OrderStatus {
    if request.order_amount.is_zero() {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    }
}

fn validate_cart(report: &mut Report, path: &Path<'_>, cart: &Cart) {
    for (field, value) in [("cartId", &cart.cart_id), ("externalId", &cart.external_id)] {
        if let Some(v) = value {
            report.check_max_chars(&path.field(field), v, MAX_TEXT);
        }
    }
    let items = path.field("items");
    let mut seen = HashSet::with_capacity(cart.items.len());
    for (i, item) in cart.items.iter().enumerate() {
        let p = items.index(i);
        if !seen.insert(item.product_id.as_str()) {
            report.error(
                &p.field("productId"),
                codes::DUPLICATE,
                format!("productId {:?} appears twice", item.product_id),
            );
        }
        validate_item(report, &p, item);
    }
    let discounts = path.field("discounts");
    for (i, d) in cart.discounts.iter().enumerate() {
        report.check_max_chars(
            &discounts.index(i).field("description"),
            &d.description,
            MAX_TEXT,
        );
    }
    let coupons = path.field("coupons");
    for (i, c) in cart.coupons.iter().enumerate() {
        let p = coupons.index(i);
        report.check_max_chars(&p.field("value"), &c.value, MAX_TEXT);
        if let Some(status) = &c.status {
            if !COUPON_STATUSES.contains(&status.as_str()) {
                report.warning(
                    &p.field("status"),
                    codes::UNKNOWN_CODE,
                    "none of VALID, INVALID, EXPIRED: kept as sent",
                );
            }
        }
    }
    if cart.total.points_amount.is_some() {
        report.info(
            &path.field("total").field("pointsAmount"),
            yp_codes::READ_ONLY,
            "read-only: Yandex Pay ignores it",
        );
    }
    let total_path = path.field("total");
    let total = total_path.field("amount");
    // What is paid outside Yandex Pay is not in `amount` (the external-amount page): the items
    // pay for both.
    let external = cart.total.external_amount.unwrap_or(Amount::ZERO);
    let items_total =
        sum(cart.items.iter().map(|i| &i.total)).and_then(|t| t.checked_sub(external));
    let and_external = if external.is_zero() {
        String::new()
    } else {
        format!(" less externalAmount {external}")
    };
    if cart.discounts.is_empty() {
        if items_total != Some(cart.total.amount) {
            report.error(
                &total,
                yp_codes::CART_TOTAL,
                format!(
                    "cart.total.amount {} must equal the sum of item totals{and_external} {}",
                    cart.total.amount,
                    items_total.map_or_else(|| "(negative)".into(), |t| t.to_string())
                ),
            );
        }
    } else {
        let discounted = items_total
            .zip(sum(cart.discounts.iter().map(|d| &d.amount)))
            .and_then(|(t, d)| t.checked_sub(d));
        if discounted != Some(cart.total.amount) {
            report.warning(
                &total,
                yp_codes::CART_TOTAL,
                format!(
                    "cart.total.amount {} differs from item totals less discounts{and_external} ({})",
                    cart.total.amount,
                    discounted.map_or_else(|| "negative".into(), |t| t.to_string())
                ),
            );
        }
    }
}

fn validate_item(report: &mut Report, path: &Path<'_>, item: &CartItem) {
    report.check_not_blank(&path.field("productId"), &item.product_id);
    match &item.title {
        None => report.error(
            &path.field("title"),
            codes::REQUIRED,
            "the v1 refund schema requires an item's title",
        ),
        Some(title) => report.check_not_blank(&path.field("title"), title),
    }
    if item.points_amount.is_some() {
        report.info(
            &path.field("pointsAmount"),
            yp_codes::READ_ONLY,
            "read-only: Yandex Pay ignores it",
        );
    }
    for (field, value) in [
        ("productId", Some(&item.product_id)),
        ("title", item.title.as_ref()),
        ("description", item.description.as_ref()),
        ("type", item.item_type.as_ref()),
    ] {
        if let Some(v) = value {
            report.check_max_chars(&path.field(field), v, MAX_TEXT);
        }
    }
    if let Some(t) = &item.item_type {
        if !ITEM_TYPES.contains(&t.as_str()) {
            report.error(
                &path.field("type"),
                codes::UNKNOWN_CODE,
                "PHYSICAL, DIGITAL or UNSPECIFIED",
            );
        }
    }
    let count = item.quantity.count;
    report.check_positive(&path.field("quantity").field("count"), count.value());
    if let (Some(unit), Some(discounted)) = (item.unit_price, item.discounted_unit_price) {
        if discounted > unit {
            report.error(
                &path.field("discountedUnitPrice"),
                yp_codes::DISCOUNT_ABOVE_PRICE,
                format!("discountedUnitPrice {discounted} is above unitPrice {unit}"),
            );
        }
    }
    if let Some(price) = item.discounted_unit_price.or(item.unit_price) {
        let expected = price.checked_mul(count).map(|t| t.round_to_kopecks());
        if expected != Some(item.total) {
            report.error(
                &path.field("total"),
                yp_codes::ITEM_TOTAL,
                format!(
                    "total {} must be {price} x {count} = {}",
                    item.total,
                    expected.map_or_else(|| "(overflow)".into(), |e| e.to_string())
                ),
            );
        }
    }
    if let (Some(unit), Some(subtotal)) = (item.unit_price, item.subtotal) {
        let expected = unit.checked_mul(count).map(|t| t.round_to_kopecks());
        if expected != Some(subtotal) {
            report.error(
                &path.field("subtotal"),
                yp_codes::ITEM_SUBTOTAL,
                format!(
                    "subtotal {subtotal} must be unitPrice x count = {}",
                    expected.map_or_else(|| "(overflow)".into(), |e| e.to_string())
                ),
            );
        }
    }
    if let Some(r) = &item.receipt {
        validate_receipt(report, &path.field("receipt"), r);
    }
}

fn validate_receipt(report: &mut Report, path: &Path<'_>, r: &ItemReceipt) {
    if int_code(&r.tax, VAT_CODES).is_none() || r.tax.known().is_none() {
        // Unknown integers are kept (22% has no published code) but worth a look.
        report.warning(
            &path.field("tax"),
            codes::UNKNOWN_CODE,
            "tax code not in Yandex Pay's published table (1..10)",
        );
    }
    if let Some(title) = &r.title {
        report.check_max_chars(&path.field("title"), title, MAX_TEXT);
    }
    if let Some(m) = r.measure {
        if !MEASURES.contains(&m) {
            report.error(
                &path.field("measure"),
                codes::UNKNOWN_CODE,
                "not an FFD 2108 measure",
            );
        }
    }
    if let Some(m) = &r.payment_method_type {
        if m.known().is_none() || int_code(m, PAYMENT_METHOD_CODES).is_none() {
            report.error(
                &path.field("paymentMethodType"),
                codes::UNKNOWN_CODE,
                "must be 1..7",
            );
        }
    }
    if let Some(s) = &r.payment_subject_type {
        if !int_code(s, PAYMENT_SUBJECT_CODES).is_some_and(|c| (1..=26).contains(&c)) {
            report.error(
                &path.field("paymentSubjectType"),
                codes::UNKNOWN_CODE,
                "must be 1..26",
            );
        }
    }
    if let Some(code) = &r.product_code {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(code);
        if !decoded.is_ok_and(|b| (1..=32).contains(&b.len())) {
            report.error(
                &path.field("productCode"),
                codes::FORMAT,
                "must be base64 of 1 to 32 bytes",
            );
        }
    }
    if let Some(q) = &r.mark_quantity {
        if q.numerator <= 0 || q.denominator <= 0 || q.numerator > q.denominator {
            report.error(
                &path.field("markQuantity"),
                codes::FORMAT,
                "0 < numerator <= denominator",
            );
        }
    }
}

fn check_against_current(
    report: &mut Report,
    request: &RefundRequest,
    current: &Cart,
    current_shipping: Option<Amount>,
) {
    let items = Path::ROOT;
    let cart = items.field("cart");
    let items = cart.field("items");
    // An index, not a scan per item: carts of thousands of lines stay linear.
    let before: std::collections::HashMap<&str, &CartItem> = current
        .items
        .iter()
        .map(|c| (c.product_id.as_str(), c))
        .collect();
    for (i, item) in request.final_cart().items.iter().enumerate() {
        let p = items.index(i);
        match before.get(item.product_id.as_str()) {
            None => report.error(
                &p.field("productId"),
                yp_codes::CART_GROWS,
                format!(
                    "{:?} is not in the current cart: a refund only removes",
                    item.product_id
                ),
            ),
            Some(before) => {
                if item.quantity.count > before.quantity.count {
                    report.error(
                        &p.field("quantity").field("count"),
                        yp_codes::CART_GROWS,
                        format!(
                            "count {} is above the current {}",
                            item.quantity.count, before.quantity.count
                        ),
                    );
                }
                if item.total > before.total {
                    report.error(
                        &p.field("total"),
                        yp_codes::CART_GROWS,
                        format!("total {} is above the current {}", item.total, before.total),
                    );
                }
            }
        }
    }
    let shipping_refund = current_shipping.map_or(Some(Amount::ZERO), |before| {
        before.checked_sub(request.shipping.as_ref().map_or(Amount::ZERO, |s| s.amount))
    });
    let cart_total_path = cart.field("total");
    let cart_total = cart_total_path.field("amount");
    let final_total = request.final_cart().total.amount;
    let cart_difference = current.total.amount.checked_sub(final_total);
    let expected = shipping_refund.and_then(|s| request.refund_amount.checked_sub(s));
    if cart_difference.is_none() || cart_difference != expected {
        report.error(
            &cart_total,
            yp_codes::REFUND_DIFFERENCE,
            format!(
                "the cart went from {} to {}: the difference must be refundAmount {} less the shipping refund ({})",
                current.total.amount,
                final_total,
                request.refund_amount,
                shipping_refund.map_or_else(|| "shipping grew".into(), |s| s.to_string())
            ),
        );
    }
}

/// What the v2 rules know beyond the request: the order before the refund (its cart and
/// shipping, as the v1 helper's [`crate::helper::Order`]), which enables the cart and sum rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContextV2<'a> {
    /// The order before this refund.
    pub order: Option<&'a crate::helper::Order>,
    /// The payment's current amount (before this refund), when the order is not given:
    /// the refund is at most this, and without a cart it is all of it.
    pub payment_amount: Option<Amount>,
    /// The order's status.
    pub order_status: Option<&'a OrderStatus>,
}

/// Every violation in a v2 refund, with the rules `context` enables.
pub fn check_v2(request: &RefundRequestV2, context: &ContextV2<'_>) -> Report {
    request.report(context)
}

/// The v2 request, if Yandex Pay's rules find no error: what
/// [`crate::http::refund_request_v2`] takes.
pub fn validate_v2(
    request: RefundRequestV2,
    context: &ContextV2<'_>,
) -> Result<Validated<RefundRequestV2>, Invalid<RefundRequestV2>> {
    Validated::new(request, context)
}

impl Validate for RefundRequestV2 {
    type Context<'a> = ContextV2<'a>;

    fn check(&self, context: &ContextV2<'_>, report: &mut Report) {
        rules_v2(self, context, report);
    }
}

fn rules_v2(request: &RefundRequestV2, context: &ContextV2<'_>, report: &mut Report) {
    let root = Path::ROOT;
    refund_amount_rule(report, request.refund_amount);
    for (name, value) in [
        ("externalOperationId", &request.external_operation_id),
        ("branchId", &request.branch_id),
        ("managerId", &request.manager_id),
        ("motive", &request.motive),
    ] {
        if let Some(text) = value {
            report.check_max_chars(&root.field(name), text, MAX_TEXT);
        }
    }
    if request.external_operation_id.is_none() {
        report.warning(
            &root.field("externalOperationId"),
            yp_codes::NO_OPERATION_ID,
            "without it the refund's status cannot be asked and a lost answer cannot be \
             repeated safely",
        );
    }
    if request.refund_external_amount.is_some_and(|x| x.is_zero()) {
        report.warning(
            &root.field("refundExternalAmount"),
            yp_codes::EXTERNAL_AMOUNT,
            "0.00 says nothing: leave it out",
        );
    }
    if request.target_cart.is_some() && request.refund_cart.is_some() {
        report.error(
            &root.field("refundCart"),
            yp_codes::TWO_CARTS,
            "targetCart and refundCart are alternatives: send one",
        );
    }
    for (name, cart) in [
        ("targetCart", &request.target_cart),
        ("refundCart", &request.refund_cart),
    ] {
        let Some(cart) = cart else { continue };
        let mut seen = HashSet::new();
        let field = root.field(name);
        let items = field.field("items");
        for (i, item) in cart.items.iter().enumerate() {
            let path = items.index(i);
            if item.product_id.is_empty() {
                report.error(&path.field("productId"), codes::EMPTY, "must not be empty");
            } else if !seen.insert(item.product_id.as_str()) {
                report.error(
                    &path.field("productId"),
                    codes::DUPLICATE,
                    format!("{:?} is listed twice", item.product_id),
                );
            }
            report.check_max_chars(&path.field("productId"), &item.product_id, MAX_TEXT);
        }
    }
    if let Some(order) = context.order {
        check_v2_against_order(report, request, order);
    } else if let Some(current) = context.payment_amount {
        let whole = request.target_cart.is_none()
            && request.refund_cart.is_none()
            && request.target_shipping.is_none();
        if request.refund_amount > current || (whole && request.refund_amount != current) {
            report.error(
                &root.field("refundAmount"),
                yp_codes::PAYMENT_AMOUNT,
                if whole {
                    format!("without targetCart the whole payment ({current}) is refunded")
                } else {
                    format!("above the payment's amount {current}")
                },
            );
        }
    }
    if let Some(status) = context.order_status {
        order_status_rule(report, status);
    }
}

/// The cart and sum rules against the order before the refund: a target line must be a line
/// of the order and may only go down, and the refund must be what the order loses.
fn check_v2_against_order(
    report: &mut Report,
    request: &RefundRequestV2,
    order: &crate::helper::Order,
) {
    let root = Path::ROOT;
    let Some(before) = order.amount() else { return };
    // The external part (refundExternalAmount, the external-amount page) is the shop's to
    // return; it cannot exceed what was paid that way, and the cart loses both parts.
    let external_before = order.cart.total.external_amount.unwrap_or(Amount::ZERO);
    let external = request.refund_external_amount.unwrap_or(Amount::ZERO);
    if external > external_before {
        report.error(
            &root.field("refundExternalAmount"),
            yp_codes::EXTERNAL_AMOUNT,
            format!(
                "above what the order was paid externally ({})",
                order
                    .cart
                    .total
                    .external_amount
                    .map_or_else(|| "no externalAmount".into(), |e| e.to_string())
            ),
        );
    }
    let Some(value_before) = before.checked_add(external_before) else {
        return;
    };
    let shipping_before = order.shipping.as_ref().map_or(Amount::ZERO, |s| s.amount);
    let shipping_after = request
        .target_shipping
        .as_ref()
        .map_or(Amount::ZERO, |s| s.amount);
    if shipping_after > shipping_before {
        report.error(
            &root.field("targetShipping").field("amount"),
            yp_codes::CART_GROWS,
            format!("above the order's shipping {shipping_before}"),
        );
    }
    let mut after = Some(shipping_after);
    let Some(target) = &request.target_cart else {
        if request.refund_cart.is_none() && request.target_shipping.is_none() {
            // A full refund: the whole order.
            if request.refund_amount != before {
                report.error(
                    &root.field("refundAmount"),
                    yp_codes::PAYMENT_AMOUNT,
                    format!(
                        "without targetCart the whole order ({before}) is refunded, not {}",
                        request.refund_amount
                    ),
                );
            }
        }
        return;
    };
    let field = root.field("targetCart");
    let items = field.field("items");
    for (i, line) in target.items.iter().enumerate() {
        let path = items.index(i);
        let Some(current) = order
            .cart
            .items
            .iter()
            .find(|c| c.product_id == line.product_id)
        else {
            report.error(
                &path.field("productId"),
                yp_codes::CART_GROWS,
                format!("{:?} is not in the order", line.product_id),
            );
            after = None;
            continue;
        };
        let count = line.quantity_count.unwrap_or(current.quantity.count);
        if count > current.quantity.count {
            report.error(
                &path.field("quantityCount"),
                yp_codes::CART_GROWS,
                format!("above the order's {}", current.quantity.count),
            );
        }
        let unit = current.discounted_unit_price.or(current.unit_price);
        if let (Some(price), Some(unit)) = (line.price, unit) {
            if price > unit {
                report.error(
                    &path.field("price"),
                    yp_codes::CART_GROWS,
                    format!("above the order's unit price {unit}"),
                );
            }
        }
        let line_total = match (line.price.or(unit), line.quantity_count, line.price) {
            // Unchanged: what the line costs now.
            (_, None, None) => Some(current.total),
            (Some(price), _, _) => price.checked_mul(count).map(Amount::round_to_kopecks),
            (None, _, _) => None,
        };
        after = match (after, line_total) {
            (Some(a), Some(t)) => a.checked_add(t),
            _ => None,
        };
    }
    if !order.cart.discounts.is_empty() {
        // Cart-level discounts leave the remaining sum to Yandex Pay's own arithmetic.
        return;
    }
    if let Some(after) = after {
        let lost = value_before.checked_sub(after);
        if lost != request.refund_amount.checked_add(external) {
            let owed = lost.and_then(|l| l.checked_sub(external));
            report.error(
                &root.field("refundAmount"),
                yp_codes::PAYMENT_AMOUNT,
                format!(
                    "the order goes from {value_before} to {after}: refundAmount must be {}{}",
                    owed.map_or_else(|| "(negative)".into(), |l| l.to_string()),
                    if external.is_zero() {
                        String::new()
                    } else {
                        format!(" beside refundExternalAmount {external}")
                    }
                ),
            );
        }
    }
}

/// The `reasonCode` and `reason` Yandex Pay answers (HTTP 400) a refund that breaks the rules in
/// `report` (from [`check`] or [`check_v2`]): `None` when it has no error. The refund pages
/// name `ORDER_AMOUNT_MISMATCH` for a final order or cart that does not add up and
/// `INVALID_PAYMENT_STATUS` for an order that may not be refunded, and end their list with
/// "…": any other rule is answered with the generic `BAD_REQUEST`. One function, so that
/// `refundkit serve` refuses exactly what refundkit calls an error, and books what it only
/// warns about.
pub fn refusal_reason(report: &Report) -> Option<(&'static str, String)> {
    let violation = report.errors().next()?;
    let code = match violation.code {
        yp_codes::ORDER_AMOUNT
        | yp_codes::CART_TOTAL
        | yp_codes::ITEM_TOTAL
        | yp_codes::ITEM_SUBTOTAL
        | yp_codes::PAYMENT_AMOUNT
        | yp_codes::CART_GROWS
        | yp_codes::REFUND_DIFFERENCE
        | yp_codes::EXTERNAL_AMOUNT => "ORDER_AMOUNT_MISMATCH",
        yp_codes::ORDER_STATUS => "INVALID_PAYMENT_STATUS",
        _ => "BAD_REQUEST",
    };
    Some((code, violation.to_string()))
}
