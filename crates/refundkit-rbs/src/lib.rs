//! RBS platform `refund.do` (Sberbank, Alfa-Bank, YooKassa's compatible gateway): the form
//! codec, the rules, the classified response, and the request for any HTTP client.
//!
//! ```
//! use refundkit_rbs::{encode_request, request_from_json, validate};
//! let request = request_from_json(br#"{"userName": "test-api", "password": "testPwd",
//!     "orderId": "148a2a67-25ff-7d1b-b28d-391800a7dca8", "amount": 101000}"#)?;
//! assert!(!validate(&request).has_errors());
//! assert_eq!(encode_request(&request),
//!     "userName=test-api&password=testPwd&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8&amount=101000");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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

pub mod codec;
pub mod conformance;
pub mod http;
pub mod invariants;
pub mod types;

pub use codec::{DecodeError, decode_form, decode_request, encode_request, parse_response};
pub use invariants::validate;
pub use types::{Accepted, Auth, ErrorCode, RefundRequest};

use refundkit_core::{Amount, MoneyError, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;

/// `amount` in minor units from an amount in roubles (refused if it has a fraction of a
/// kopeck).
pub fn minor_units(amount: Amount) -> Result<u64, MoneyError> {
    amount.to_minor_units()
}

/// Reads a request from a JSON object with the form's own field names: `userName`, `password`
/// or `token`, `orderId`, `amount` (integer minor units), `currency` (a string of digits),
/// `jsonParams` (an object of strings, order kept), `language`, `refundItems` (a list),
/// `orderBundle` (an object, kept as written). Unknown fields are refused.
pub fn request_from_json(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Input<'a> {
        user_name: Option<String>,
        password: Option<String>,
        token: Option<String>,
        order_id: String,
        amount: u64,
        #[serde(borrow)]
        json_params: Option<&'a RawValue>,
        language: Option<String>,
        refund_items: Option<Vec<types::RefundItem>>,
        currency: Option<String>,
        #[serde(borrow)]
        order_bundle: Option<&'a RawValue>,
    }
    let input: Input<'_> = serde_json::from_slice(json).map_err(|e| DecodeError {
        field: ".".into(),
        message: e.to_string(),
    })?;
    let auth = match (input.user_name, input.password, input.token) {
        (Some(user_name), Some(password), None) => Auth::Password {
            user_name,
            password: types::Password(SecretString::new(password)),
        },
        (None, None, Some(token)) => Auth::Token(types::Token(SecretString::new(token))),
        _ => {
            return Err(DecodeError {
                field: "password".into(),
                message: "give userName and password, or token alone".into(),
            });
        }
    };
    Ok(RefundRequest {
        auth,
        order_id: input.order_id,
        amount: input.amount,
        json_params: input
            .json_params
            .map(|raw| codec::parse_json_params(raw.get()))
            .transpose()?,
        currency: input.currency,
        language: input.language,
        refund_items: input.refund_items,
        order_bundle: input
            .order_bundle
            .map(|raw| codec::check_order_bundle(raw.get().to_owned()))
            .transpose()?,
    })
}
