//! RBS `refund.do` types (Sberbank, Alfa-Bank, YooKassa's compatible gateway).

use std::fmt;

use refundkit_core::SecretString;

/// The merchant API password. Never printed, wiped on drop.
#[derive(Clone)]
pub struct Password(pub SecretString);

/// An API token used instead of userName and password. Never printed, wiped on drop.
#[derive(Clone)]
pub struct Token(pub SecretString);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// How the merchant authenticates: `userName` + `password`, or `token` instead.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// `userName` and `password`.
    Password {
        /// `userName`.
        user_name: String,
        /// `password`.
        password: Password,
    },
    /// `token`.
    Token(Token),
}

impl PartialEq for Auth {
    // Secrets compare by content here only so that decoded requests can be compared in tests
    // and round trips; nothing secret is printed by a failing comparison.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Auth::Password {
                    user_name: a,
                    password: p,
                },
                Auth::Password {
                    user_name: b,
                    password: q,
                },
            ) => a == b && p.0.expose_secret() == q.0.expose_secret(),
            (Auth::Token(a), Auth::Token(b)) => a.0.expose_secret() == b.0.expose_secret(),
            _ => false,
        }
    }
}

impl Eq for Auth {}

/// The body form of a gateway's `refund.do`: which rules a request is checked by and how it is
/// written. A gateway's [`Endpoint`](crate::http::Endpoint) tells it by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// The RBS REST API (`…/payment/rest/refund.do`): a form body, `jsonParams`,
    /// `refundItems` and `orderBundle` as JSON text in form fields (Sberbank's legacy gateway,
    /// Alfa-Bank, YooKassa's RBS-compatible host).
    #[default]
    Rest,
    /// Sber's ecom gateway (`…/ecomm/gw/partner/api/v1/refund.do`): one JSON object with
    /// `jsonParams` and `orderBundle` as nested objects; `userName` and `password` only;
    /// unknown members refused (Sber's OpenAPI, `RefundRequest`, as generated in
    /// alekciy/php-ecom-sber-sdk; voronkovich/sberbank-acquiring-client issue 29).
    Ecom,
}

impl Dialect {
    /// The `gateway` spelling of the dialect's family, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Dialect::Rest => "the RBS REST form API",
            Dialect::Ecom => "Sber's ecom JSON API",
        }
    }
}

/// `jsonParams.externalRefundId`: on Sber's ecom gateway the refund's idempotency key, per
/// order and without a time limit (the OpenAPI's `ExternalRefundId`: the same key with the same
/// data is answered as the first request was; with other data, an error).
pub const EXTERNAL_REFUND_ID: &str = "externalRefundId";

/// The refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Credentials.
    pub auth: Auth,
    /// `orderId`: the gateway's order id (ANS36: a UUID).
    pub order_id: String,
    /// `amount` in minor units (kopecks), at most 12 digits; 0 refunds the whole order.
    pub amount: u64,
    /// `currency`: the ISO 4217 numeric code (`643`), which refund.do takes beside the amount
    /// (the RBS documentation's refund example; voronkovich/sberbank-acquiring-client's
    /// `testRefundsAnOrder` sends it).
    pub currency: Option<String>,
    /// `jsonParams`: string values, in order; reserved names refused.
    pub json_params: Option<Vec<(String, String)>>,
    /// `language` (ISO 639-1, `ru`, `en`): the language of errorMessage.
    pub language: Option<String>,
    /// `refundItems`: the fiscal positions refunded, for gateways that take them.
    pub refund_items: Option<Vec<RefundItem>>,
    /// `orderBundle`: the order's cart as the gateway registered it (the RBS documentation's
    /// refund of a credit order sends it), a JSON object kept exactly as given.
    pub order_bundle: Option<String>,
}

impl RefundRequest {
    /// `jsonParams.externalRefundId`, when given.
    pub fn external_refund_id(&self) -> Option<&str> {
        self.json_params
            .as_ref()?
            .iter()
            .find(|(name, _)| name == EXTERNAL_REFUND_ID)
            .map(|(_, value)| value.as_str())
    }
}

/// One fiscal position of `refundItems`. The RBS documentation of a refund with a cart: "it
/// is sufficient to pass the quantity and positionId parameters"; `name` and `itemCode`, when
/// passed, must match the original order's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundItem {
    /// `positionId`: the position in the original order.
    pub position_id: String,
    /// `name`, as in the original order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `quantity`.
    pub quantity: ItemQuantity,
    /// `itemCode`, as in the original order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    /// `itemAmount` in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_amount: Option<u64>,
}

/// `quantity` of a position.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemQuantity {
    /// `value` (integer units; fractional quantities are not modelled).
    pub value: u64,
    /// `measure` (`шт`).
    pub measure: String,
}

/// Reserved `jsonParams` names the RBS refund page forbids.
pub const RESERVED_PARAMS: &[&str] = &[
    "sbrf_spasibo:amount_bonus",
    "sbrf_sbermiles:amount_bonus",
    "loyaltyId",
];

refundkit_core::wire_enum! {
    /// `errorCode` of a refused refund.do: the RBS REST refund page's 5, 6, 7, and the codes
    /// Sber's ecom OpenAPI adds for requests it refuses before doing anything (its table of
    /// gateway error codes: 4 a required parameter missing or wrong, 8 a cart that disagrees
    /// with the order, 9 data validation). Unknown codes are kept.
    pub enum ErrorCode: str {
        /// a required parameter missing or incorrect
        MissingParameter = "4",
        /// request refused
        Refused = "5",
        /// wrong order number
        WrongOrderNumber = "6",
        /// order cannot be refunded
        CannotRefund = "7",
        /// the cart disagrees with the order
        CartMismatch = "8",
        /// data validation failed
        ValidationFailed = "9",
    }
}

/// What a refusal means: codes 5 and 7 each stand for several causes on the refund page, told
/// apart by the message (English as on the page, and Russian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// 5: access denied.
    AccessDenied,
    /// 5: the user must change the password.
    PasswordChangeRequired,
    /// 5: `[orderId] is empty`.
    OrderIdEmpty,
    /// 5: incorrect amount.
    IncorrectAmount,
    /// 6: wrong order number.
    WrongOrderNumber,
    /// 7: payment must be in the correct state.
    PaymentState,
    /// 7: the refund amount exceeds the debited amount.
    AmountExceedsDebited,
    /// 7: system error.
    SystemError,
    /// 4, 8 or 9 (Sber's ecom gateway): the request itself was refused (a parameter, the
    /// cart, validation).
    InvalidRequest,
    /// 5 or 7 with a message the table does not know (kept in the refusal).
    Unclassified,
    /// A code outside the table.
    UnknownCode,
}

impl Cause {
    /// A short name of the cause.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::AccessDenied => "access denied",
            Cause::PasswordChangeRequired => "password change required",
            Cause::OrderIdEmpty => "orderId empty",
            Cause::IncorrectAmount => "incorrect amount",
            Cause::WrongOrderNumber => "wrong order number",
            Cause::PaymentState => "payment not in a refundable state",
            Cause::AmountExceedsDebited => "refund exceeds the debited amount",
            Cause::SystemError => "system error",
            Cause::InvalidRequest => "request invalid",
            Cause::Unclassified => "unclassified",
            Cause::UnknownCode => "unknown code",
        }
    }
}

impl ErrorCode {
    /// The cause, told from the refusal's message for codes 5 and 7.
    pub fn cause(&self, message: Option<&str>) -> Cause {
        let m = message.unwrap_or("").to_lowercase();
        let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
        match self {
            ErrorCode::Refused if has(&["access denied", "доступ запрещ"]) => {
                Cause::AccessDenied
            }
            ErrorCode::Refused
                if has(&[
                    "change the password",
                    "change password",
                    "сменить пароль",
                    "изменить пароль",
                ]) =>
            {
                Cause::PasswordChangeRequired
            }
            ErrorCode::Refused
                if has(&[
                    "[orderid] is empty",
                    "orderid is empty",
                    "номер заказа не",
                    "[orderid] не",
                ]) =>
            {
                Cause::OrderIdEmpty
            }
            ErrorCode::Refused
                if has(&["incorrect amount", "неверная сумма", "некорректная сумма"]) =>
            {
                Cause::IncorrectAmount
            }
            ErrorCode::WrongOrderNumber => Cause::WrongOrderNumber,
            ErrorCode::MissingParameter | ErrorCode::CartMismatch | ErrorCode::ValidationFailed => {
                Cause::InvalidRequest
            }
            ErrorCode::CannotRefund
                if has(&[
                    "correct state",
                    "правильном состоянии",
                    "корректном состоянии",
                ]) =>
            {
                Cause::PaymentState
            }
            ErrorCode::CannotRefund if has(&["exceeds", "превышает"]) => {
                Cause::AmountExceedsDebited
            }
            // Code 7 also covers an invalid refund amount, less than one ruble
            // (securecardpayment.ru's wiki of the gateway's codes).
            ErrorCode::CannotRefund
                if has(&[
                    "invalid refund amount",
                    "less than one ruble",
                    "неверная сумма возврата",
                    "меньше одного рубля",
                    "менее одного рубля",
                ]) =>
            {
                Cause::IncorrectAmount
            }
            ErrorCode::CannotRefund if has(&["system error", "системная ошибка"]) => {
                Cause::SystemError
            }
            ErrorCode::Refused | ErrorCode::CannotRefund => Cause::Unclassified,
            ErrorCode::Other(_) => Cause::UnknownCode,
        }
    }

    /// A short name of the cause, for summaries: the table's meaning when the message does
    /// not tell more (`request refused`, `order cannot be refunded`).
    pub fn describe(&self, message: Option<&str>) -> &'static str {
        match self.cause(message) {
            Cause::Unclassified => self.meaning().unwrap_or("unknown code"),
            cause => cause.describe(),
        }
    }
}

/// What a successful refund.do answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// `errorMessage` (or another spelling of it), as sent: often "Успешно".
    pub message: Option<String>,
}

/// `getOrderStatusExtended.do`: the order's state and the amounts approved, deposited and
/// refunded, the status source of a refund.do whose answer was lost (voronkovich/
/// sberbank-acquiring-client `getOrderStatus`, helios-ag/sberbank-acquiring-go
/// `schema/order.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// Credentials, as for refund.do.
    pub auth: Auth,
    /// `orderId`: the gateway's order id.
    pub order_id: String,
    /// `language` of `errorMessage`.
    pub language: Option<String>,
}

refundkit_core::wire_enum! {
    /// `orderStatus` of getOrderStatusExtended.do. Unknown values are kept.
    pub enum OrderState: str {
        /// Registered, not paid.
        Registered = "0",
        /// Amount approved (held), not yet deposited.
        Approved = "1",
        /// Authorised and deposited.
        Deposited = "2",
        /// Authorisation reversed.
        Reversed = "3",
        /// Refunded.
        Refunded = "4",
        /// ACS authorisation started.
        AcsStarted = "5",
        /// Authorisation declined.
        Declined = "6",
    }
}

/// A stated getOrderStatusExtended.do answer: the order, as far as it shows refunds. Members
/// refundkit does not read (card, bank and binding blocks) are left in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatus {
    /// `orderNumber`: the shop's order number.
    pub order_number: Option<String>,
    /// `orderStatus`.
    pub order_status: OrderState,
    /// `amount` in minor units.
    pub amount: Option<u64>,
    /// `currency` (ISO 4217 numeric).
    pub currency: Option<String>,
    /// `actionCode` (the processing's code; 0 is approval), kept as text.
    pub action_code: Option<String>,
    /// `actionCodeDescription`.
    pub action_code_description: Option<String>,
    /// `paymentAmountInfo`.
    pub payment_amount_info: Option<PaymentAmountInfo>,
    /// The gateway's order id the answer is about: `attributes[name=mdOrder].value`, where the
    /// gateway sends it.
    pub md_order: Option<String>,
}

/// `paymentAmountInfo`, amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentAmountInfo {
    /// `paymentState` (`CREATED`, `APPROVED`, `DEPOSITED`, `DECLINED`, `REVERSED`, `REFUNDED`),
    /// kept verbatim: how a partial refund shows in it is not documented.
    pub payment_state: Option<String>,
    /// `approvedAmount`.
    pub approved_amount: Option<u64>,
    /// `depositedAmount`.
    pub deposited_amount: Option<u64>,
    /// `refundedAmount`: the figure a lost refund.do is reconciled by.
    pub refunded_amount: Option<u64>,
    /// `feeAmount`.
    pub fee_amount: Option<u64>,
}
