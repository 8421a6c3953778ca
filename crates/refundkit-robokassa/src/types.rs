//! Robokassa's wire types, with the field names of Robokassa's refund API page, and its code tables.

use std::fmt;

use hmac::{Hmac, KeyInit};
use refundkit_core::{
    Amount, Coded, PaymentMethod, PaymentSubject, Quantity, SecretString, VatRate,
};
use sha2::{Sha256, Sha384, Sha512};

/// Robokassa's `Tax` codes. One table, used by both the encoder and the decoder.
pub const VAT_CODES: &[(VatRate, &str)] = &[
    (VatRate::None, "none"),
    (VatRate::Vat0, "vat0"),
    (VatRate::Vat5, "vat5"),
    (VatRate::Vat7, "vat7"),
    (VatRate::Vat10, "vat10"),
    (VatRate::Vat20, "vat20"),
    (VatRate::Vat22, "vat22"),
    (VatRate::Vat5_105, "vat105"),
    (VatRate::Vat7_107, "vat107"),
    (VatRate::Vat10_110, "vat110"),
    (VatRate::Vat20_120, "vat120"),
    (VatRate::Vat22_122, "vat122"),
];

/// Robokassa's `PaymentMethod` codes.
pub const PAYMENT_METHOD_CODES: &[(PaymentMethod, &str)] = &[
    (PaymentMethod::FullPrepayment, "full_prepayment"),
    (PaymentMethod::Prepayment, "prepayment"),
    (PaymentMethod::Advance, "advance"),
    (PaymentMethod::FullPayment, "full_payment"),
    (PaymentMethod::PartialPayment, "partial_payment"),
    (PaymentMethod::Credit, "credit"),
    (PaymentMethod::CreditPayment, "credit_payment"),
];

/// Robokassa's `PaymentObject` codes (note `non-operating_gain` with a hyphen, and
/// `tovar_mark`).
pub const PAYMENT_OBJECT_CODES: &[(PaymentSubject, &str)] = &[
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
    (PaymentSubject::Composite, "composite"),
    (PaymentSubject::Another, "another"),
    (PaymentSubject::PropertyRight, "property_right"),
    (PaymentSubject::NonOperatingGain, "non-operating_gain"),
    (PaymentSubject::InsurancePremium, "insurance_premium"),
    (PaymentSubject::SalesTax, "sales_tax"),
    (PaymentSubject::ResortFee, "resort_fee"),
    (PaymentSubject::MarkedCommodity, "tovar_mark"),
];

/// The refund request: the JWT payload of `Refund/Create`.
///
/// Its JSON form uses the wire names (`OpKey`, `RefundSum`, `InvoiceItems`); unknown fields
/// are refused, so a typo such as `Refundsum` cannot silently turn into a full refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `OpKey`: the operation to refund, from `OpStateExt` or Result2.
    pub op_key: String,
    /// `RefundSum`: the sum of a partial refund; `None` refunds the whole payment.
    pub refund_sum: Option<Amount>,
    /// `InvoiceItems`: the receipt lines refunded.
    pub invoice_items: Option<Vec<InvoiceItem>>,
}

impl RefundRequest {
    /// A refund of the whole payment.
    pub fn full(op_key: impl Into<String>) -> Self {
        RefundRequest {
            op_key: op_key.into(),
            refund_sum: None,
            invoice_items: None,
        }
    }

    /// A refund of `sum`.
    pub fn partial(op_key: impl Into<String>, sum: Amount) -> Self {
        RefundRequest {
            op_key: op_key.into(),
            refund_sum: Some(sum),
            invoice_items: None,
        }
    }
}

/// One line of `InvoiceItems`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceItem {
    /// `Name`, at most 128 characters.
    pub name: String,
    /// `Quantity` (may have more than two decimals: weighed goods).
    pub quantity: Quantity,
    /// `Cost`: the price of one unit.
    pub cost: Amount,
    /// `Tax`.
    pub tax: Coded<VatRate>,
    /// `PaymentMethod`; absent, the shop's settings in Robokassa supply it (the public clients
    /// omit it: aiorobokassa `RefundItem`, mikhail5545/go-robokassa-sdk `InvoiceItem`).
    pub payment_method: Option<Coded<PaymentMethod>>,
    /// `PaymentObject`; absent, the shop's settings supply it.
    pub payment_object: Option<Coded<PaymentSubject>>,
    /// `NomenclatureCode`: the marking code of one marked item, as printed on it (FFD tag
    /// 2000, the DataMatrix text with its GS separators). Robokassa's own OpenCart module
    /// (`refund_api.php`, 2026) sends it on every marked line, one line per code, with
    /// `PaymentObject: "tovar_mark"`; the Invoice API documents it in the same item shape.
    pub nomenclature_code: Option<String>,
}

/// The JWT algorithms Robokassa supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Alg {
    /// HMAC-SHA256 (Robokassa's example).
    #[default]
    Hs256,
    /// HMAC-SHA384.
    Hs384,
    /// HMAC-SHA512.
    Hs512,
}

impl Alg {
    /// Every algorithm.
    pub const ALL: [Alg; 3] = [Alg::Hs256, Alg::Hs384, Alg::Hs512];

    /// The JOSE name (`HS256`).
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
        }
    }

    /// The algorithm with this JOSE name.
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The exact header bytes: `alg` first, as in Robokassa's example token.
    pub fn header_json(self) -> &'static str {
        match self {
            Alg::Hs256 => r#"{"alg":"HS256","typ":"JWT"}"#,
            Alg::Hs384 => r#"{"alg":"HS384","typ":"JWT"}"#,
            Alg::Hs512 => r#"{"alg":"HS512","typ":"JWT"}"#,
        }
    }

    /// Length of the MAC in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            Alg::Hs256 => 32,
            Alg::Hs384 => 48,
            Alg::Hs512 => 64,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shop's Password3, the HMAC key of refund tokens. Never printed, wiped on drop.
///
/// HMAC is keyed once, here, for each algorithm; signing and verifying clone the keyed state
/// instead of hashing the key again (two compression blocks saved per token). The keyed states
/// are as secret as the key and are wiped on drop too (`hmac`/`sha2` with `zeroize`).
#[derive(Clone)]
pub struct Password3 {
    hs256: Hmac<Sha256>,
    hs384: Hmac<Sha384>,
    hs512: Hmac<Sha512>,
}

/// The HMAC state keyed with Password3 for one algorithm.
pub(crate) enum KeyedMac {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

impl Password3 {
    /// Takes the secret; an empty Password3 is refused (it would make any token forgeable).
    pub fn new(secret: SecretString) -> Result<Self, crate::SignError> {
        if secret.is_empty() {
            return Err(crate::SignError::EmptyKey);
        }
        let key = secret.expose_secret().as_bytes();
        // HMAC accepts keys of any length; these cannot fail, but fail closed if they do.
        let keyed = || -> Result<Self, hmac::digest::InvalidLength> {
            Ok(Password3 {
                hs256: <Hmac<Sha256> as KeyInit>::new_from_slice(key)?,
                hs384: <Hmac<Sha384> as KeyInit>::new_from_slice(key)?,
                hs512: <Hmac<Sha512> as KeyInit>::new_from_slice(key)?,
            })
        };
        keyed().map_err(|_| crate::SignError::Key)
    }

    pub(crate) fn mac(&self, alg: Alg) -> KeyedMac {
        match alg {
            Alg::Hs256 => KeyedMac::Hs256(self.hs256.clone()),
            Alg::Hs384 => KeyedMac::Hs384(self.hs384.clone()),
            Alg::Hs512 => KeyedMac::Hs512(self.hs512.clone()),
        }
    }
}

impl fmt::Debug for Password3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password3([redacted])")
    }
}

/// A signed refund token, `header.payload.signature` in base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token(pub(crate) String);

impl Token {
    /// The compact serialization.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The compact serialization, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

refundkit_core::wire_enum! {
    /// The `message` of a refused `Refund/Create` (its refusal code). Unknown messages are kept.
    pub enum CreateMessage: str {
        /// The operation has less left than the refund asks (the refund page).
        NotEnoughOperationFunds = "NotEnoughOperationFunds",
        /// HTTP 401: Password3 not issued, or wrong.
        SignatureKeyNotExists = "Signature key is not exists",
        /// The operation is not found (reported by clients, not on the refund page).
        OperationNotFound = "OperationNotFound",
        /// Already refunded (reported by clients, not on the refund page).
        AlreadyRefunded = "AlreadyRefunded",
    }
}

/// What a successful `Refund/Create` answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// `requestId`: what `GetState` takes. Optional only because a success without it must
    /// still be reported as a success: treating it as an error could make a shop retry, and
    /// Robokassa has no idempotency key, so a retry may refund twice.
    pub request_id: Option<String>,
}

refundkit_core::wire_enum! {
    /// `label` of a refund in `GetState`. Unknown labels are kept.
    pub enum RefundLabel: str {
        /// Refunded, fully or partially.
        Finished = "finished",
        /// In progress.
        Processing = "processing",
        /// Cancelled in the merchant's account.
        Canceled = "canceled",
    }
}

/// A refund's state, from `GetState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundState {
    /// `requestId`.
    pub request_id: String,
    /// `amount` (Robokassa writes `1.000000`; kept exact), when the answer has it.
    pub amount: Option<Amount>,
    /// `label`.
    pub label: RefundLabel,
}

refundkit_core::wire_enum! {
    /// The `message` of a `GetState` error. Unknown messages are kept.
    pub enum StateMessage: str {
        /// The id is unknown.
        IdInvalid = "Id is invalid or request id does not exist",
    }
}

/// The shop's Password2, which signs `OpStateExt` (and the payment notifications). Never
/// printed, wiped on drop.
#[derive(Clone)]
pub struct Password2(pub SecretString);

impl fmt::Debug for Password2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password2([redacted])")
    }
}

/// `OpStateExt`: the state of an invoice, and the `OpKey` a refund needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpStateRequest {
    /// `MerchantLogin`: the shop's identifier.
    pub merchant_login: String,
    /// `InvoiceID`: the shop's invoice number (`InvId` of the payment).
    pub invoice_id: String,
}

refundkit_core::wire_enum! {
    /// `Result/Code` of an `OpStateExt` answer: whether the request itself was valid. The
    /// meanings are the public clients' (a Swift client's `PaymentResult`, a Perl client's
    /// table); Robokassa's own page is the authority. Unknown codes are kept.
    pub enum OpStateResult: str {
        /// The request is valid; the answer states the invoice.
        Ok = "0",
        /// Wrong signature.
        Signature = "1",
        /// Unknown shop, or the shop is not active.
        Shop = "2",
        /// No invoice with this number.
        InvoiceNotFound = "3",
        /// Two invoices with this number.
        TwoInvoices = "4",
        /// Internal error.
        Internal = "1000",
    }
}

refundkit_core::wire_enum! {
    /// `State/Code` of an invoice. The meanings are the public clients' (Robokassa's own page
    /// is the authority). Unknown codes are kept.
    pub enum OpStateCode: str {
        /// Operation initiated, money not received.
        Initiated = "5",
        /// Cancelled, money not received.
        Cancelled = "10",
        /// Money received from the payer, being credited to the shop.
        Received = "50",
        /// Money returned to the payer after it was received.
        Returned = "60",
        /// Suspended.
        Suspended = "80",
        /// Completed: paid.
        Completed = "100",
    }
}

/// A stated `OpStateExt` answer (`Result/Code` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpState {
    /// `State/Code`.
    pub state: OpStateCode,
    /// `State/RequestDate`, as written (up to 7 fractional digits and an offset).
    pub request_date: Option<String>,
    /// `State/StateDate`, as written.
    pub state_date: Option<String>,
    /// `Info/IncCurrLabel`: how the payer paid.
    pub inc_curr_label: Option<String>,
    /// `Info/IncSum`: what the payer paid (`100.000000`, kept exact).
    pub inc_sum: Option<Amount>,
    /// `Info/IncAccount`: the payer's masked account.
    pub inc_account: Option<String>,
    /// `Info/PaymentMethod/Code`.
    pub payment_method: Option<String>,
    /// `Info/OutCurrLabel`.
    pub out_curr_label: Option<String>,
    /// `Info/OutSum`: what the shop asked for.
    pub out_sum: Option<Amount>,
    /// `Info/OpKey`: what `Refund/Create` takes.
    pub op_key: Option<String>,
    /// `Info/BankCardRRN`.
    pub bank_card_rrn: Option<String>,
    /// `UserField/Field`: one per `Shp_` parameter of the invoice, in the answer's order
    /// (artgas1/robokassa-mcp `test_parses_multiple_user_fields`). A name given twice is kept
    /// twice: they are the shop's own parameters, read, never decided on.
    pub user_fields: Vec<UserField>,
}

/// One `UserField/Field` of an `OpStateExt` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserField {
    /// `Name` (`Shp_order_id`).
    pub name: String,
    /// `Value`; empty when absent.
    pub value: String,
}

#[cfg(test)]
mod tests;
