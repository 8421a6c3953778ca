//! RBS platform `refund.do` (Sberbank, Alfa-Bank, YooKassa's compatible gateway), transport-free:
//! the form codec, the rules, the stated answer, and the request for any HTTP client.
//!
//! ```
//! use refundkit_rbs::http::{refund_request, Endpoint};
//! use refundkit_rbs::{encode_request, request_from_json, validate};
//!
//! let request = request_from_json(br#"{"userName": "test-api", "password": "testPwd",
//!     "orderId": "148a2a67-25ff-7d1b-b28d-391800a7dca8", "amount": 101000}"#)?;
//! assert_eq!(encode_request(&request)?,
//!     b"userName=test-api&password=testPwd&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8&amount=101000");
//!
//! // Only a validated request can be sent:
//! let http = refund_request(&Endpoint::known(Endpoint::SBERBANK_TEST), &validate(request)?)?;
//! assert_eq!(http.uri(), "https://3dsec.sberbank.ru/payment/rest/refund.do");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`] (the wire types and the error-code table), [`codec`] (form, JSON input,
//! answers), [`invariants`] (what the gateway would refuse), [`codes`] (their stable codes),
//! [`http`] (requests for any HTTP client), [`lifecycle`] (the next step after an answer, or
//! none), [`conformance`] (the golden-vector runner).
#![forbid(unsafe_code)]

pub mod codec;
pub mod codes;
pub mod conformance;
pub mod http;
pub mod invariants;
pub mod lifecycle;
pub mod types;

pub use codec::{
    decode_ecom_request, decode_form, decode_request, decode_status_request, encode_ecom_request,
    encode_request, encode_request_text, encode_status_request, form_text, parse_response,
    parse_status_response, request_from_json,
};
pub use invariants::{check, check_for, check_status, gateway_refusal, validate, validate_for};
pub use types::{
    Accepted, Auth, Cause, Dialect, ErrorCode, OrderState, OrderStatus, Password,
    PaymentAmountInfo, RefundItem, RefundRequest, StatusRequest, Token,
};
