//! YooKassa MWS `returnPayment` (the old API): the XML request with its receipt, its rules,
//! the PKCS#7 signing (with [`refundkit_pkcs7`]) and the answers.
//!
//! ```
//! use refundkit_yookassa::{decode_request, encode_request, validate};
//! let xml = r#"<returnPaymentRequest clientOrderId="12345" requestDT="2011-07-02T20:38:00.000Z"
//!     invoiceId="2000000123" shopId="6689" amount="10.00" currency="643"
//!     cause="Пользователь отказался принять заказ"/>"#;
//! let request = decode_request(xml.as_bytes())?;
//! let validated = validate(request)?;               // what sign_request takes
//! let canonical = encode_request(&validated)?;
//! assert!(canonical.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`], [`codec`] (XML, signing, answers), [`invariants`] (request and receipt
//! rules), [`codes`], [`receipt`] (the sum rule and the quantity helper), [`timing`],
//! [`idempotency`], [`http`], [`lifecycle`] (the next step after an answer, or none),
//! [`conformance`].
#![forbid(unsafe_code)]

pub mod codec;
pub mod codes;
pub mod conformance;
pub mod http;
pub mod idempotency;
pub mod invariants;
pub mod lifecycle;
pub mod receipt;
pub mod timing;
pub mod types;

pub use codec::{
    SignError, decode_request, encode_request, open_response, parse_response, read_list_returns,
    read_response, sign_request,
};
pub use invariants::{check, validate};
pub use types::{
    ErrorCode, ListReturns, MwsResponse, Receipt, ReceiptItem, ReturnPaymentRequest, ReturnsList,
    SignedRequest, Status,
};
