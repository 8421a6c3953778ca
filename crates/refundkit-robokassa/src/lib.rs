//! Robokassa refund API (`RefundService/Refund/Create` and `GetState`), transport-free.
//!
//! A refund is a JWT signed with the shop's Password3: header exactly
//! `{"alg":"HS256","typ":"JWT"}` (or HS384/HS512), payload compact JSON in the order of
//! Robokassa's own example token, amounts as JSON numbers in shortest exact form. Only a
//! [`validate`]d request can be [`sign`]ed; [`verify`] pins the algorithm and compares in
//! constant time.
//!
//! ```
//! use refundkit_robokassa::http::{create_request, CreateBody, Endpoint};
//! use refundkit_robokassa::{sign, validate, verify, Accept, Alg, Password3, RefundRequest};
//!
//! let key = Password3::new("test-password3".into())?;
//! let request = RefundRequest::partial("0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
//!                                      "1244.50".parse()?);
//! let token = sign(&validate(request.clone())?, &key, Alg::Hs256)?;
//! let verified = verify(token.as_str(), &key, Accept::Only(Alg::Hs256))?;
//! assert_eq!(verified.request, request);
//! assert_eq!(verified.payload_json, br#"{"OpKey":"0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF","RefundSum":1244.5}"#);
//!
//! // Ready to send with any HTTP client:
//! let http = create_request(&Endpoint::production(), &token, CreateBody::JsonString)?;
//! assert_eq!(http.uri(), "https://services.robokassa.ru/RefundService/Refund/Create");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Files: [`types`] (the wire types and code tables), [`codec`] (JSON payload, JWT, answers and
//! OpStateExt, a file each),
//! [`invariants`] (what Robokassa would reject), [`codes`] (their stable codes), [`http`]
//! (requests for any HTTP client), [`lifecycle`] (the next step after an answer, or none),
//! [`conformance`] (the golden-vector runner).
#![forbid(unsafe_code)]

pub mod codec;
pub mod codes;
pub mod conformance;
pub mod http;
pub mod invariants;
pub mod lifecycle;
pub mod types;

pub use codec::{
    Accept, Segment, SignError, Unverified, Verified, VerifyError, decode_request,
    decode_unverified, encode_request, op_state_signature, parse_op_state_response, parse_response,
    parse_state_response, sign, verify,
};
pub use invariants::{check, validate};
pub use types::{
    Accepted, Alg, CreateMessage, InvoiceItem, OpState, OpStateCode, OpStateRequest, OpStateResult,
    Password2, Password3, RefundLabel, RefundRequest, RefundState, StateMessage, Token, UserField,
};
