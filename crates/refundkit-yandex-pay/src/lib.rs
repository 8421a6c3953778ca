//! Yandex Pay merchant API refunds: the v2 refund (`POST /api/merchant/v2/orders/{id}/refund`,
//! the page `merchant_v2_refund-post`: the cart that remains as `targetCart`, the external
//! part as `refundExternalAmount`), and the v1 refund it replaces (the final cart with
//! `orderAmount`; deprecated by Yandex Pay on 2025-09-29, kept for shops that still send it);
//! their invariants, the helper that derives either from the order and a selection, the
//! answers, the lifecycle, notifications, and the request for any HTTP client.
//!
//! ```
//! use refundkit_core::Quantity;
//! use refundkit_yandex_pay::helper::{refund_v2, Order, Selection};
//! use refundkit_yandex_pay::invariants::{validate_v2, ContextV2};
//!
//! let order: Order = serde_json::from_str(r#"{"cart": {"items": [
//!     {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "total": "300.00"},
//!     {"productId": "cup", "title": "Cup", "quantity": {"count": "1"}, "unitPrice": "250.50", "total": "250.50"}],
//!   "total": {"amount": "550.50"}},
//!   "shipping": {"methodType": "COURIER", "amount": "300.00"}}"#)?;
//! let body = refund_v2(&order, &Selection {
//!     products: vec![("tea".into(), Quantity::from(2))],
//!     shipping: true,
//!     external_operation_id: Some("refund-1".into()),
//!     external_amount: None,
//! })?;
//! assert_eq!(body.refund_amount.to_string(), "500.00");
//! let context = ContextV2 { order: Some(&order), ..ContextV2::default() };
//! let validated = validate_v2(body, &context)?;   // what the HTTP builder takes
//! assert!(validated.warnings().is_empty());
//! assert_eq!(
//!     refundkit_yandex_pay::encode_request_v2(&validated)?,
//!     br#"{"refundAmount":"500.00","externalOperationId":"refund-1","targetCart":{"items":[{"productId":"tea","quantityCount":"1"},{"productId":"cup"}]}}"#
//! );
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
    parse_operation_response, parse_order_response, parse_response, refund_api, refund_verdict,
};
pub use invariants::{check, check_v2, refusal_reason, validate, validate_v2};
pub use types::{
    Cart, CartItem, Operation, OperationStatus, OrderStatus, OrderView, ReasonCode, RefundRequest,
    RefundRequestV2, TargetCart, TargetCartItem, TargetShipping,
};
