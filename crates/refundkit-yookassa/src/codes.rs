//! YooKassa's own violation codes; the shared ones are [`refundkit_core::codes`].

refundkit_core::violation_codes! {
    /// `amount` not written with exactly two decimals.
    NOT_TWO_DECIMALS = "not_two_decimals",
    /// A receipt with no customer contact.
    NO_CONTACT = "no_contact",
    /// A phone number outside Russia: the receipt may not be delivered.
    FOREIGN_PHONE = "foreign_phone",
    /// `customerContact` holding more than one contact.
    SEVERAL_CONTACTS = "several_contacts",
    /// The receipt total is neither `amount` nor one kopeck above it.
    RECEIPT_TOTAL = "receipt_total",
    /// The receipt total is one kopeck above `amount` (allowed when the exact sum is unreachable).
    RECEIPT_TOTAL_KOPECK_OVER = "receipt_total_kopeck_over",
    /// An attribute given empty (the returnPayment page's own example has `taxSystem=""`).
    EMPTY_ATTRIBUTE = "empty_attribute",
    /// Older than three years: YooKassa answers error 616.
    OLDER_THAN_THREE_YEARS = "older_than_three_years",
    /// SberPay older than one year.
    SBERPAY_OLDER_THAN_A_YEAR = "sberpay_older_than_a_year",
    /// Card or Mir Pay older than 15 months.
    CARD_OLDER_THAN_15_MONTHS = "card_older_than_15_months",
    /// Refund on the payment's Moscow day: a cancellation (no commission).
    SAME_DAY_CANCELLATION = "same_day_cancellation",
}
