//! RBS's own violation codes; the shared ones are [`refundkit_core::codes`].

refundkit_core::violation_codes! {
    /// A reserved `jsonParams` name.
    RESERVED_PARAM = "reserved_param",
    /// `amount` 0: the whole order is refunded.
    FULL_REFUND = "full_refund",
    /// The items' amounts do not add up to `amount`.
    ITEMS_TOTAL = "items_total",
    /// A refund of less than one ruble (code 7 covers it: securecardpayment.ru's wiki).
    UNDER_ONE_ROUBLE = "under_one_rouble",
    /// A field the gateway's dialect does not take (Sber's ecom API: token, currency, refundItems).
    NOT_IN_GATEWAY = "not_in_gateway",
}
