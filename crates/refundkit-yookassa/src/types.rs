//! YooKassa MWS types: `returnPaymentRequest` with its receipt, and MWS responses. Attribute
//! names are the wire's (`clientOrderId`, `paymentSubjectType`).

use refundkit_core::{Amount, Coded, PaymentMethod, PaymentSubject, Quantity, VatRate};

/// Receipt `tax` codes (1..10 on the returnPayment page; 11 = 22% and 12 = 22/122 since 2026).
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

/// A returnPaymentRequest signed as PKCS#7 PEM: what [`crate::http::return_payment_request`]
/// sends. Only [`crate::sign_request`] makes one, and it signs only a validated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest(pub(crate) String);

impl SignedRequest {
    /// The PEM.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The PEM, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

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

refundkit_core::wire_enum! {
    /// `status` of an MWS answer. Unknown statuses are kept.
    pub enum Status: i64 {
        /// Done.
        Done = 0,
        /// In progress: repeat the identical request later (after 1 min, then 3 times every 5 min, then at most every 30 min).
        InProgress = 1,
        /// Refused: see `error`.
        Refused = 3,
    }
}

refundkit_core::wire_enum! {
    /// `error` of an MWS answer (the returnPayment page and MWS's common codes). Unknown codes
    /// are kept.
    pub enum ErrorCode: i64 {
        /// no error
        None = 0,
        /// the request XML could not be parsed
        XmlParse = 10,
        /// the PKCS#7 package could not be opened
        Pkcs7 = 50,
        /// the signature does not match
        SignatureMismatch = 51,
        /// the certificate is not known to YooKassa
        UnknownCertificate = 53,
        /// the certificate has expired
        CertificateExpired = 55,
        /// no rights for this operation
        NoRights = 110,
        /// bad requestDT
        BadRequestDt = 111,
        /// bad invoiceId
        BadInvoiceId = 112,
        /// bad shopId
        BadShopId = 113,
        /// bad clientOrderId
        BadClientOrderId = 115,
        /// bad amount
        BadAmount = 402,
        /// bad currency
        BadCurrency = 403,
        /// bad cause
        BadCause = 404,
        /// clientOrderId reused with other data
        ClientOrderIdReused = 405,
        /// the order is not paid
        OrderNotPaid = 410,
        /// the payment notification was not delivered
        NotificationNotDelivered = 411,
        /// currency differs from the payment's
        CurrencyMismatch = 412,
        /// amount exceeds the payment
        AmountExceedsPayment = 413,
        /// already refunded
        AlreadyRefunded = 414,
        /// no such invoiceId
        NoSuchInvoice = 415,
        /// insufficient funds
        InsufficientFunds = 416,
        /// the payer's account is closed
        PayerAccountClosed = 417,
        /// the payer's account is blocked
        PayerAccountBlocked = 418,
        /// a partial refund would leave less than 1 RUB
        RemainderUnderOneRouble = 419,
        /// partial refunds are not allowed for this payment method
        PartialRefundNotAllowed = 424,
        /// the payment is older than three years
        PaymentTooOld = 616,
        /// technical error
        Technical = 1000,
    }
}

impl ErrorCode {
    /// What the code means, `unknown error code` for one outside the table.
    pub fn description(self) -> &'static str {
        self.meaning().unwrap_or("unknown error code")
    }
}

/// An MWS response: `returnPaymentResponse`, or any other operation's (the returnPayment page's example
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

/// `listReturns`: the refunds of a period, for reconciling by hand (romkavt/
/// yandex-money-kassa-example `src/mws/MWS.php`). A form POST, not PKCS#7: MWS authenticates
/// it by the client certificate of the TLS connection alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListReturns {
    /// `requestDT`: ISO 8601 with offset.
    pub request_dt: String,
    /// `shopId`.
    pub shop_id: String,
    /// `from`: start of the period, ISO 8601 with offset.
    pub from: String,
    /// `till`: end of the period, ISO 8601 with offset.
    pub till: String,
}

/// A `listReturns` answer, read tolerantly: the element and attribute names of its entries
/// are not verified against MWS's documentation, so every entry keeps its element name and
/// attributes verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnsList {
    /// The root: the answer's own attributes (`status`, `error`, `processedDT`, ...).
    pub root: MwsResponse,
    /// Every child element: its name and attributes, in order.
    pub entries: Vec<(String, Vec<(String, String)>)>,
}

#[cfg(test)]
mod tests;
