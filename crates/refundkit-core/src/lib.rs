//! What refundkit's provider crates share: exact money, the fiscal enums of Russian
//! receipts (VAT rate, payment method, payment subject), the validation report, and
//! secret types, and the shape every provider's answer is read into ([`Outcome`]).
//!
//! Nothing here knows a provider's wire form. Each provider crate maps these types to its
//! own codes (Robokassa's `"vat22"`, YooKassa's `11`, ...) in one table of its own.
#![forbid(unsafe_code)]

mod coded;
pub mod conformance;
mod endpoint;
mod error;
pub mod fiscal;
pub mod http_text;
pub mod json;
pub mod lifecycle;
pub mod money;
pub mod outcome;
pub mod report;
pub mod secret;
pub mod text;
mod validated;
mod wire;

/// serde, for [`wire_enum!`]'s expansion in the provider crates.
#[doc(hidden)]
pub use serde as __serde;

pub use coded::Coded;
pub use endpoint::{BaseUrl, EndpointError, copy_request};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use fiscal::{PaymentMethod, PaymentSubject, VatRate};
pub use lifecycle::{Answer, DecideError, Next, Step};
pub use money::{Amount, Currency, MoneyError, Quantity};
pub use outcome::{Malformed, Outcome, Refusal, Verdict};
pub use report::{AmountRule, Path, Report, Severity, Violation, codes};
pub use secret::{NotUtf8, SecretBytes, SecretString};
pub use validated::{Invalid, Validate, Validated};
