//! The API's types: the refund request (`POST /v3/refunds`) with its 54-FZ receipt and split
//! sources, the refund object it answers with, and the error object. Field names are the
//! wire's (`payment_id`, `vat_code`, `cancellation_details`).

use std::collections::BTreeMap;
use std::fmt;

use refundkit_core::{
    Amount, Coded, PaymentMethod, PaymentSubject, Quantity, SecretString, VatRate,
};

/// Receipt `vat_code` (the 54-FZ pages: 1 without VAT, 2 0%, 3 10%, 4 20%, 5 10/110, 6 20/120,
/// 7 5%, 8 7%, 9 5/105, 10 7/107; 11 22% and 12 22/122 from 2026-01-01).
pub const VAT_CODES: &[(VatRate, u8)] = &[
    (VatRate::None, 1),
    (VatRate::Vat0, 2),
    (VatRate::Vat10, 3),
    (VatRate::Vat20, 4),
    (VatRate::Vat10_110, 5),
    (VatRate::Vat20_120, 6),
    (VatRate::Vat5, 7),
    (VatRate::Vat7, 8),
    (VatRate::Vat5_105, 9),
    (VatRate::Vat7_107, 10),
    (VatRate::Vat22, 11),
    (VatRate::Vat22_122, 12),
];

/// Receipt `payment_mode` codes.
pub const PAYMENT_MODE_CODES: &[(PaymentMethod, &str)] = &[
    (PaymentMethod::FullPrepayment, "full_prepayment"),
    (PaymentMethod::Prepayment, "partial_prepayment"),
    (PaymentMethod::Advance, "advance"),
    (PaymentMethod::FullPayment, "full_payment"),
    (PaymentMethod::PartialPayment, "partial_payment"),
    (PaymentMethod::Credit, "credit"),
    (PaymentMethod::CreditPayment, "credit_payment"),
];

/// Receipt `payment_subject` codes (those of the 54-FZ pages that refundkit's vocabulary
/// names; the API lists more, which are kept as written and warned about).
pub const PAYMENT_SUBJECT_CODES: &[(PaymentSubject, &str)] = &[
    (PaymentSubject::Commodity, "commodity"),
    (PaymentSubject::Excise, "excise"),
    (PaymentSubject::Job, "job"),
    (PaymentSubject::Service, "service"),
    (PaymentSubject::GamblingBet, "gambling_bet"),
    (PaymentSubject::GamblingPrize, "gambling_prize"),
    (PaymentSubject::Lottery, "lottery"),
    (PaymentSubject::LotteryPrize, "lottery_prize"),
    (
        PaymentSubject::IntellectualActivity,
        "intellectual_activity",
    ),
    (PaymentSubject::Payment, "payment"),
    (PaymentSubject::AgentCommission, "agent_commission"),
    (PaymentSubject::PropertyRight, "property_right"),
    (PaymentSubject::NonOperatingGain, "non_operating_gain"),
    (PaymentSubject::InsurancePremium, "insurance_premium"),
    (PaymentSubject::SalesTax, "sales_tax"),
    (PaymentSubject::ResortFee, "resort_fee"),
    (PaymentSubject::Composite, "composite"),
    (PaymentSubject::Another, "another"),
];

/// The shop's credentials: Basic auth with the shop's id and its secret key (the API's
/// authentication page). The key never appears in `Debug` and is wiped on drop.
#[derive(Clone)]
pub struct Auth {
    /// `shopId`: not a secret.
    pub shop_id: String,
    /// The secret key (`live_…` or `test_…`).
    pub secret_key: SecretString,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("shop_id", &self.shop_id)
            .field("secret_key", &"[redacted]")
            .finish()
    }
}

/// `Idempotence-Key`: the same key with the same body returns the first result instead of a
/// second refund. The API's pages say to use a unique value per operation (a V4 UUID is what
/// the official SDKs generate); its length limit (64 characters) and how long YooKassa keeps a
/// key (24 hours) are the public clients' statements, unverified against a stored page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdempotenceKey(pub String);

/// A JSON value kept as written (compact or not, its members in their order): a documented
/// member refundkit does not type. Only the codec makes one, from valid JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawJson(pub(crate) String);

impl RawJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `amount`: a decimal string and a currency (`{"value":"2.00","currency":"RUB"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// `value`.
    pub value: Amount,
    /// `currency`, ISO 4217 alphabetic (`RUB`).
    pub currency: String,
}

/// `POST /v3/refunds`'s body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `payment_id`: the payment refunded.
    pub payment_id: String,
    /// `amount`: what goes back.
    pub amount: Money,
    /// `description`: the shop's note (at most 250 characters).
    pub description: Option<String>,
    /// `receipt`: the refund's 54-FZ receipt, when the shop sends receipts through YooKassa.
    pub receipt: Option<Receipt>,
    /// `sources`: which accounts the money comes from (split payments).
    pub sources: Option<Vec<Source>>,
    /// `deal`: a Safe Deal's `refund_settlements`, kept as written.
    pub deal: Option<RawJson>,
}

/// `receipt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `customer`: whom the receipt goes to.
    pub customer: Option<Customer>,
    /// `items`: the refunded lines (a partial refund lists them).
    pub items: Vec<ReceiptItem>,
    /// `tax_system_code` (1-6).
    pub tax_system_code: Option<u8>,
    /// The receipt's other documented members (`receipt_industry_details`,
    /// `receipt_operational_details`, `timezone`), kept as written.
    pub other: BTreeMap<String, RawJson>,
}

/// `receipt.customer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// `full_name`.
    pub full_name: Option<String>,
    /// `inn`.
    pub inn: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `phone` (digits, ITU-T E.164).
    pub phone: Option<String>,
}

/// One `receipt.items[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    /// `description`, at most 128 characters.
    pub description: String,
    /// `quantity`.
    pub quantity: Quantity,
    /// `amount`: the price of one unit.
    pub amount: Money,
    /// `vat_code` (a code outside the table kept as its number).
    pub vat_code: Coded<VatRate, u8>,
    /// `payment_mode`.
    pub payment_mode: Option<Coded<PaymentMethod>>,
    /// `payment_subject`.
    pub payment_subject: Option<Coded<PaymentSubject>>,
    /// The item's other documented members (`measure`, `mark_code_info`, `mark_mode`,
    /// `product_code`, `country_of_origin_code`, …), kept as written.
    pub other: BTreeMap<String, RawJson>,
}

/// One `sources[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `account_id`: the shop of the split payment.
    pub account_id: String,
    /// `amount` taken from it.
    pub amount: Money,
    /// `platform_fee_amount` given back.
    pub platform_fee_amount: Option<Money>,
}

refundkit_core::wire_enum! {
    /// A refund object's `status`. Unknown statuses are kept.
    pub enum RefundStatus: str {
        /// Being processed: ask again.
        Pending = "pending",
        /// The money went back.
        Succeeded = "succeeded",
        /// Not made: `cancellation_details` says why.
        Canceled = "canceled",
    }
}

/// `cancellation_details` of a canceled refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    /// `party`: `yoo_money`, `payment_network`, `refund_network`.
    pub party: Option<String>,
    /// `reason` (`insufficient_funds`, `general_decline`, `rejected_by_payee`, …), verbatim.
    pub reason: Option<String>,
}

/// The refund object (`POST /v3/refunds`'s and `GET /v3/refunds/{id}`'s answer). Unknown
/// members are ignored, documented ones not read here are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundObject {
    /// `id`: the refund's own id.
    pub id: String,
    /// `payment_id`.
    pub payment_id: String,
    /// `status`.
    pub status: RefundStatus,
    /// `amount`.
    pub amount: Money,
    /// `created_at`, as written.
    pub created_at: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `cancellation_details`, for a canceled refund.
    pub cancellation: Option<Cancellation>,
}

refundkit_core::wire_enum! {
    /// An error object's `code` (the API's error page). Unknown codes are kept.
    pub enum ErrorCode: str {
        /// The request is malformed or breaks a rule (`parameter` names the field).
        InvalidRequest = "invalid_request",
        /// The shop's account cannot do this (refunds disabled, the payment too old).
        InvalidCredentials = "invalid_credentials",
        /// The action is forbidden for this shop.
        Forbidden = "forbidden",
        /// No such object.
        NotFound = "not_found",
        /// Too many requests: repeat after `retry_after`.
        TooManyRequests = "too_many_requests",
        /// YooKassa's own failure: repeat under the same key.
        InternalServerError = "internal_server_error",
    }
}

/// The error object's members beside its `code`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetails {
    /// `id`: the error's id, for YooKassa's support.
    pub id: Option<String>,
    /// `parameter`: the field at fault.
    pub parameter: Option<String>,
    /// `retry_after`: milliseconds to wait before the same request again.
    pub retry_after_ms: Option<u64>,
}

/// The number of a `vat_code`: the table's for a known rate (`None` for a rate the table has no
/// code for), the number itself for an unknown one.
pub fn vat_number(code: &Coded<VatRate, u8>) -> Option<u8> {
    match code {
        Coded::Known(rate) => VAT_CODES.iter().find(|(r, _)| r == rate).map(|(_, n)| *n),
        Coded::Unknown(n) => Some(*n),
    }
}
