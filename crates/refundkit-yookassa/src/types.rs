//! YooKassa MWS types: `returnPaymentRequest` with its receipt, and MWS responses. Attribute
//! names are the wire's (`clientOrderId`, `paymentSubjectType`).

use refundkit_core::{Amount, Coded, PaymentMethod, PaymentSubject, Quantity, VatRate};

/// Receipt `tax` codes (1..10 in the seed; 11 = 22% and 12 = 22/122 since 2026).
pub const VAT_CODES: &[(VatRate, &str)] = &[
    (VatRate::None, "1"),
    (VatRate::Vat0, "2"),
    (VatRate::Vat10, "3"),
    (VatRate::Vat20, "4"),
    (VatRate::Vat10_110, "5"),
    (VatRate::Vat20_120, "6"),
    (VatRate::Vat5, "7"),
    (VatRate::Vat7, "8"),
    (VatRate::Vat5_105, "9"),
    (VatRate::Vat7_107, "10"),
    (VatRate::Vat22, "11"),
    (VatRate::Vat22_122, "12"),
];

/// `paymentMethodType` codes (note `partial_prepayment`).
pub const PAYMENT_METHOD_CODES: &[(PaymentMethod, &str)] = &[
    (PaymentMethod::FullPrepayment, "full_prepayment"),
    (PaymentMethod::Prepayment, "partial_prepayment"),
    (PaymentMethod::Advance, "advance"),
    (PaymentMethod::FullPayment, "full_payment"),
    (PaymentMethod::PartialPayment, "partial_payment"),
    (PaymentMethod::Credit, "credit"),
    (PaymentMethod::CreditPayment, "credit_payment"),
];

/// `paymentSubjectType` codes (note `non_operating_gain` with an underscore; no marked goods).
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

/// `returnPaymentRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPaymentRequest {
    /// `clientOrderId`: unique per refund; a repeat with the same data returns the first result.
    pub client_order_id: String,
    /// `requestDT`: ISO 8601 with offset (`2011-07-02T20:38:00.000Z`).
    pub request_dt: String,
    /// `invoiceId`: the payment to refund (a long).
    pub invoice_id: String,
    /// `shopId` (a long).
    pub shop_id: String,
    /// `amount`, written with exactly two decimals.
    pub amount: Amount,
    /// `currency`: `643`, or `10643` in the demo environment.
    pub currency: Option<String>,
    /// `cause`, at most 255 characters.
    pub cause: Option<String>,
    /// `receipt`, for shops that fiscalise through YooKassa.
    pub receipt: Option<Receipt>,
}

/// `receipt`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Receipt {
    /// `customerContact` (deprecated): one phone or one e-mail.
    pub customer_contact: Option<String>,
    /// `taxSystem`, 1..6.
    pub tax_system: Option<String>,
    /// `customer`.
    pub customer: Option<Customer>,
    /// `items/item`.
    pub items: Vec<ReceiptItem>,
}

/// `customer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// `fullName`, at most 256 characters.
    pub full_name: Option<String>,
    /// `inn`, 10 or 12 digits.
    pub inn: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `phone`, E.164 (`+79000000000`).
    pub phone: Option<String>,
}

/// `item`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    /// `quantity`.
    pub quantity: Quantity,
    /// `price/@amount`: price of one unit.
    pub price: Amount,
    /// `price/@currency` (`RUB`).
    pub price_currency: Option<String>,
    /// `tax`.
    pub tax: Coded<VatRate>,
    /// `text`, at most 128 characters.
    pub text: String,
    /// `paymentSubjectType`.
    pub payment_subject_type: Option<Coded<PaymentSubject>>,
    /// `paymentMethodType`.
    pub payment_method_type: Option<Coded<PaymentMethod>>,
    /// `productCode`: hex bytes separated by spaces, at most 32.
    pub product_code: Option<String>,
    /// `countryOfOriginCode` (`RU`).
    pub country_of_origin_code: Option<String>,
    /// `customsDeclarationNumber`, 1..32 characters.
    pub customs_declaration_number: Option<String>,
    /// `excise`.
    pub excise: Option<Amount>,
}

/// `status` of an MWS response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// 0: done.
    Done,
    /// 1: in progress; repeat the same request later (after 1 min, then 3 times every 5 min,
    /// then at most every 30 min).
    InProgress,
    /// 3: refused; see `error`.
    Refused,
    /// Anything else, kept.
    Other(i64),
}

impl Status {
    /// From the wire number.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Status::Done,
            1 => Status::InProgress,
            3 => Status::Refused,
            n => Status::Other(n),
        }
    }

    /// The wire number.
    pub fn code(self) -> i64 {
        match self {
            Status::Done => 0,
            Status::InProgress => 1,
            Status::Refused => 3,
            Status::Other(n) => n,
        }
    }
}

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $doc:literal;)*) => {
        /// `error` of an MWS response. Unknown codes are kept.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(#[doc = $doc] $variant,)*
            /// A code not in the table.
            Other(i64),
        }

        impl ErrorCode {
            /// From the wire number.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => ErrorCode::$variant,)*
                    n => ErrorCode::Other(n),
                }
            }

            /// The wire number.
            pub fn code(self) -> i64 {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Other(n) => n,
                }
            }

            /// What the code means.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $doc,)*
                    ErrorCode::Other(_) => "unknown error code",
                }
            }
        }
    };
}

error_codes! {
    None = 0, "no error";
    XmlParse = 10, "the request XML could not be parsed";
    Pkcs7 = 50, "the PKCS#7 package could not be opened";
    SignatureMismatch = 51, "the signature does not match";
    UnknownCertificate = 53, "the certificate is not known to YooKassa";
    CertificateExpired = 55, "the certificate has expired";
    NoRights = 110, "no rights for this operation";
    BadRequestDt = 111, "bad requestDT";
    BadInvoiceId = 112, "bad invoiceId";
    BadShopId = 113, "bad shopId";
    BadClientOrderId = 115, "bad clientOrderId";
    BadAmount = 402, "bad amount";
    BadCurrency = 403, "bad currency";
    BadCause = 404, "bad cause";
    ClientOrderIdReused = 405, "clientOrderId reused with other data";
    OrderNotPaid = 410, "the order is not paid";
    NotificationNotDelivered = 411, "the payment notification was not delivered";
    CurrencyMismatch = 412, "currency differs from the payment's";
    AmountExceedsPayment = 413, "amount exceeds the payment";
    AlreadyRefunded = 414, "already refunded";
    NoSuchInvoice = 415, "no such invoiceId";
    InsufficientFunds = 416, "insufficient funds";
    PayerAccountClosed = 417, "the payer's account is closed";
    PayerAccountBlocked = 418, "the payer's account is blocked";
    RemainderUnderOneRouble = 419, "a partial refund would leave less than 1 RUB";
    PartialRefundNotAllowed = 424, "partial refunds are not allowed for this payment method";
    PaymentTooOld = 616, "the payment is older than three years";
    Technical = 1000, "technical error";
}

/// An MWS response: `returnPaymentResponse`, or any other operation's (the seed's example
/// container holds a `makeDepositionResponse` with a `balance`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MwsResponse {
    /// The element name (`returnPaymentResponse`).
    pub operation: String,
    /// `clientOrderId`.
    pub client_order_id: Option<String>,
    /// `status`.
    pub status: Status,
    /// `error`.
    pub error: Option<ErrorCode>,
    /// `processedDT`.
    pub processed_dt: Option<String>,
    /// `techMessage`.
    pub tech_message: Option<String>,
    /// `balance` (operations that report one).
    pub balance: Option<Amount>,
    /// Every other attribute, kept in order.
    pub other: Vec<(String, String)>,
}

#[cfg(test)]
mod tests;
