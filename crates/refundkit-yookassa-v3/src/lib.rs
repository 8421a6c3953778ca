//! YooKassa API v3 refunds (`POST /v3/refunds`, what shops use today), transport-free: the
//! JSON codec, the 54-FZ receipt rules, the `Idempotence-Key`, the refund object and the
//! error object, notifications, and the requests for any HTTP client.
//!
//! ```
//! use refundkit_yookassa_v3::http::{refund_request, Endpoint};
//! use refundkit_yookassa_v3::{decode_request, encode_request, validate, Auth, IdempotenceKey};
//! use refundkit_yookassa_v3::invariants::Context;
//!
//! // The refunds page's example.
//! let request = decode_request(br#"{"payment_id":"21740069-000f-50be-b000-0486ffbf45b0","amount":{"value":"2.00","currency":"RUB"}}"#)?;
//! assert_eq!(encode_request(&request)?,
//!     br#"{"payment_id":"21740069-000f-50be-b000-0486ffbf45b0","amount":{"value":"2.00","currency":"RUB"}}"#);
//!
//! // Only a validated request can be sent, under its key.
//! let auth = Auth { shop_id: "123456".into(), secret_key: "test_not-a-real-key".to_owned().into() };
//! let http = refund_request(&Endpoint::production(), &auth,
//!     &IdempotenceKey("refund-42".into()), &validate(request, &Context::default())?)?;
//! assert_eq!(http.uri(), "https://api.yookassa.ru/v3/refunds");
//! assert_eq!(http.headers()["idempotence-key"], "refund-42");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`] (the wire types and code tables), [`codec`] (the request's JSON, the
//! answers), [`invariants`] (what YooKassa would refuse), [`codes`] (their stable codes),
//! [`http`] (requests for any HTTP client), [`lifecycle`] (the next step after an answer, or
//! none), [`notification`] (unsigned notifications, taken only from YooKassa's addresses),
//! [`conformance`] (the golden-vector runner).
#![forbid(unsafe_code)]

pub mod codec;
pub mod codes;
pub mod conformance;
pub mod http;
pub mod invariants;
pub mod lifecycle;
pub mod notification;
pub mod types;

pub use codec::{decode_request, encode_request, error_details, parse_response, refund_verdict};
pub use invariants::{check, validate};
pub use types::{
    Auth, Cancellation, Customer, ErrorCode, ErrorDetails, IdempotenceKey, Money, Receipt,
    ReceiptItem, RefundObject, RefundRequest, RefundStatus, Source,
};
