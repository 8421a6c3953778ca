//! Yandex Pay merchant API v1 refund: the final-cart body, its invariants, the helper that
//! derives a correct final cart, responses, and the request for any HTTP client.
//!
//! ```
//! use refundkit_core::Quantity;
//! use refundkit_yandex_pay::helper::{refund, Order, Selection};
//! use refundkit_yandex_pay::invariants::{validate, Context};
//!
//! let order: Order = serde_json::from_str(r#"{"cart": {"items": [
//!     {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "total": "300.00"},
//!     {"productId": "cup", "title": "Cup", "quantity": {"count": "1"}, "unitPrice": "250.50", "total": "250.50"}],
//!   "total": {"amount": "550.50"}},
//!   "shipping": {"methodType": "COURIER", "amount": "300.00"}}"#)?;
//! let body = refund(&order, &Selection {
//!     products: vec![("tea".into(), Quantity::from(2))],
//!     shipping: true,
//!     external_operation_id: Some("refund-1".into()),
//! })?;
//! assert_eq!(body.refund_amount.to_string(), "500.00");
//! assert_eq!(body.order_amount.to_string(), "350.50");
//! let context = Context { payment_amount: order.amount(), current_cart: Some(&order.cart),
//!                         current_shipping: order.shipping.as_ref().map(|s| s.amount),
//!                         ..Context::default() };
//! assert!(!validate(&body, &context).has_errors());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`], [`amount`] (the string-decimal formats), [`invariants`], [`helper`],
//! [`response`], [`http`], [`conformance`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod amount;
pub mod conformance;
pub mod helper;
pub mod http;
pub mod invariants;
pub mod response;
pub mod types;

pub use response::{Operation, OperationStatus, ReasonCode, parse_response};
pub use types::{Cart, CartItem, RefundRequest};

/// A body that does not decode, with the path of the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    /// The field (`cart.items[0].total`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Largest body decoded.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Decodes JSON into `T`, naming the path of the first field at fault.
pub fn decode<T: serde::de::DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    if json.len() > MAX_BODY {
        return Err(DecodeError {
            path: ".".into(),
            message: format!("larger than {MAX_BODY} bytes"),
        });
    }
    serde_json::from_slice(json).map_err(|_| {
        let mut de = serde_json::Deserializer::from_slice(json);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => DecodeError {
                path: e.path().to_string(),
                message: e.into_inner().to_string(),
            },
            Ok(_) => match de.end() {
                Err(e) => DecodeError {
                    path: ".".into(),
                    message: e.to_string(),
                },
                Ok(()) => DecodeError {
                    path: ".".into(),
                    message: "does not decode".into(),
                },
            },
        }
    })
}

/// Decodes a refund body.
pub fn decode_request(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    decode(json)
}

/// The body as compact JSON, in the seed's field order.
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(request)
}
