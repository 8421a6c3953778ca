//! Yandex Pay's own violation codes; the shared ones are [`refundkit_core::codes`].

refundkit_core::violation_codes! {
    /// `orderAmount` is not `cart.total.amount + shipping.amount`.
    ORDER_AMOUNT = "order_amount",
    /// `cart.total.amount` is not the sum of the items (less discounts).
    CART_TOTAL = "cart_total",
    /// An item's `total` is not its price x count.
    ITEM_TOTAL = "item_total",
    /// An item's `subtotal` is not `unitPrice x count`.
    ITEM_SUBTOTAL = "item_subtotal",
    /// `discountedUnitPrice` above `unitPrice`.
    DISCOUNT_ABOVE_PRICE = "discount_above_price",
    /// `orderAmount` is not the payment's current amount less `refundAmount`.
    PAYMENT_AMOUNT = "payment_amount",
    /// The final cart adds an item or raises a count or an amount.
    CART_GROWS = "cart_grows",
    /// The current and final carts differ by something else than the refund.
    REFUND_DIFFERENCE = "refund_difference",
    /// The order's status does not allow a refund.
    ORDER_STATUS = "order_status",
    /// A refund, or what it leaves, under 1 RUB (reported refused; unverified).
    UNDER_ONE_ROUBLE = "under_one_rouble",
    /// A read-only field Yandex ignores (`pointsAmount`).
    READ_ONLY = "read_only",
    /// No `externalOperationId`: no status to ask, no safe repeat of a lost answer.
    NO_OPERATION_ID = "no_operation_id",
    /// v2: `targetCart` and `refundCart` together (each is the other's alternative).
    TWO_CARTS = "two_carts",
    /// v2: `refundExternalAmount` above what the order was paid externally (`externalAmount`).
    EXTERNAL_AMOUNT = "external_amount",
}
