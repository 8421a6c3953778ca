//! Robokassa's own violation codes; the shared ones are [`refundkit_core::codes`].

refundkit_core::violation_codes! {
    /// A receipt field left to the default in the shop's Robokassa settings.
    DEFAULTED = "defaulted",
}
