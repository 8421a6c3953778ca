//! YooKassa API v3's own violation codes; the shared ones are [`refundkit_core::codes`].

refundkit_core::violation_codes! {
    /// A currency that is not the refund's (an item's, a source's).
    CURRENCY = "currency",
    /// A receipt without the customer's email or phone, which YooKassa sends it to.
    RECEIPT_CONTACT = "receipt_contact",
    /// A partial refund whose receipt lists no items (only a full refund's may omit them).
    PARTIAL_WITHOUT_ITEMS = "partial_without_items",
    /// A receipt field left to the shop's settings in YooKassa.
    DEFAULTED = "defaulted",
}
