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

/// Reserved `jsonParams` names the seed forbids.
pub const RESERVED_PARAMS: &[&str] = &[
    "sbrf_spasibo:amount_bonus",
    "sbrf_sbermiles:amount_bonus",
    "loyaltyId",
];

/// Cause of error code 5 (one code, several causes in the seed), classified from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code5 {
    /// Access denied.
    AccessDenied,
    /// The user must change the password.
    PasswordChangeRequired,
    /// `[orderId] is empty`.
    OrderIdEmpty,
    /// Incorrect amount.
    IncorrectAmount,
    /// A message the table does not know (kept in the response).
    Unclassified,
}

/// Cause of error code 7, classified from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code7 {
    /// Payment must be in the correct state.
    PaymentState,
    /// The refund amount exceeds the debited amount.
    AmountExceedsDebited,
    /// System error.
    SystemError,
    /// A message the table does not know.
    Unclassified,
}

/// `errorCode`: 0 success, 5, 6, 7 with their causes, and any other code kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0 (or absent): processed without system errors.
    Success,
    /// 5: request refused (credentials, parameters).
    Refused5(Code5),
    /// 6: wrong order number.
    WrongOrderNumber,
    /// 7: the order cannot be refunded now.
    Refused7(Code7),
    /// Another code, verbatim.
    Other(String),
}

impl ErrorCode {
    /// The code as a string (`"0"`, `"5"`, ...).
    pub fn code(&self) -> &str {
        match self {
            ErrorCode::Success => "0",
            ErrorCode::Refused5(_) => "5",
            ErrorCode::WrongOrderNumber => "6",
            ErrorCode::Refused7(_) => "7",
            ErrorCode::Other(c) => c,
        }
    }

    /// A short name of the cause.
    pub fn cause(&self) -> &'static str {
        match self {
            ErrorCode::Success => "success",
            ErrorCode::Refused5(Code5::AccessDenied) => "access denied",
            ErrorCode::Refused5(Code5::PasswordChangeRequired) => "password change required",
            ErrorCode::Refused5(Code5::OrderIdEmpty) => "orderId empty",
            ErrorCode::Refused5(Code5::IncorrectAmount) => "incorrect amount",
            ErrorCode::Refused5(Code5::Unclassified) => "request refused",
            ErrorCode::WrongOrderNumber => "wrong order number",
            ErrorCode::Refused7(Code7::PaymentState) => "payment not in a refundable state",
            ErrorCode::Refused7(Code7::AmountExceedsDebited) => "refund exceeds the debited amount",
            ErrorCode::Refused7(Code7::SystemError) => "system error",
            ErrorCode::Refused7(Code7::Unclassified) => "order cannot be refunded",
            ErrorCode::Other(_) => "unknown code",
        }
    }
}

/// What a successful refund.do answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// `errorMessage` (or another spelling of it), as sent: often "Успешно".
    pub message: Option<String>,
}
