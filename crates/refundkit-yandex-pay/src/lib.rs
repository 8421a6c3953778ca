//! Yandex Pay merchant API v1 refund: the final-cart body, its invariants, the helper that
//! derives a correct final cart, the answers, and the request for any HTTP client.
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
//! let validated = validate(body, &context)?;   // what the HTTP builder takes
//! assert!(validated.warnings().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`], [`codec`] (the body's JSON and the answers), [`amount`] (the
//! string-decimal formats), [`invariants`], [`codes`], [`helper`] (the final cart), [`http`],
//! [`conformance`].
#![forbid(unsafe_code)]

pub mod amount;
pub mod codec;
pub mod codes;
pub mod conformance;
pub mod helper;
pub mod http;
pub mod invariants;
pub mod lifecycle;
pub mod types;
pub mod webhook;

pub use codec::{
    decode, decode_request, decode_request_v2, encode_request, encode_request_v2,
    parse_operation_response, parse_order_response, parse_response,
};
pub use invariants::{check, check_v2, validate, validate_v2};
pub use types::{
    Cart, CartItem, Operation, OperationStatus, OrderStatus, OrderView, ReasonCode, RefundRequest,
    RefundRequestV2, TargetCart, TargetCartItem, TargetShipping,
};
