//! YooKassa MWS `returnPayment` (the old API): the XML request with its receipt, its rules,
//! and MWS responses. The PKCS#7 envelope is [`refundkit_pkcs7`]'s; [`sign_request`] and
//! [`open_response`] join the two.
//!
//! ```
//! use refundkit_yookassa::{read_request, validate, write_request};
//! let xml = r#"<returnPaymentRequest clientOrderId="12345" requestDT="2011-07-02T20:38:00.000Z"
//!     invoiceId="2000000123" shopId="6689" amount="10.00" currency="643"
//!     cause="Пользователь отказался принять заказ"/>"#;
//! let request = read_request(xml.as_bytes())?;
//! assert!(!validate(&request).has_errors());
//! let canonical = write_request(&request)?;
//! assert!(canonical.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`], [`codec`] (XML), [`invariants`] (request and receipt rules), [`receipt`]
//! (the sum rule and the quantity helper), [`timing`], [`idempotency`], [`http`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod codec;
pub mod conformance;
pub mod http;
pub mod idempotency;
pub mod invariants;
pub mod receipt;
pub mod timing;
pub mod types;

pub use codec::{
    XmlError, open_response, parse_response, read_request, read_response, write_request,
};
pub use invariants::validate;
pub use types::{ErrorCode, MwsResponse, Receipt, ReceiptItem, ReturnPaymentRequest, Status};

use refundkit_core::Report;
use refundkit_pkcs7::{SignOptions, Signer};

/// Why a request was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The request breaks YooKassa's rules; every violation is in the report.
    #[error("invalid returnPaymentRequest:\n{0}")]
    Invalid(Report),
    /// A value cannot be written as XML.
    #[error("{0}")]
    Write(#[from] codec::WriteError),
    /// The PKCS#7 layer failed.
    #[error("{0}")]
    Pkcs7(#[from] refundkit_pkcs7::Error),
}

/// Validates, writes the XML, and signs it: the PEM to POST.
pub fn sign_request(
    request: &ReturnPaymentRequest,
    signer: &Signer,
    options: &SignOptions,
) -> Result<String, SignError> {
    let report = validate(request);
    if report.has_errors() {
        return Err(SignError::Invalid(report));
    }
    let xml = write_request(request)?;
    Ok(signer.sign_pem(&xml, options)?)
}
