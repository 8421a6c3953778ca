//! The wire codec, one concern a file: the JSON payload ([`payload`]), the JWT around it
//! ([`jwt`]), the JSON answers of `Refund/Create` and `GetState` ([`answers`]), and the XML
//! interface `OpStateExt`, which gives the OpKey a refund names ([`op_state`]).
//!
//! The payload is written by hand rather than through serde's serializer because its bytes
//! are signed and must match Robokassa's example exactly: the field order of the refund page's
//! token, Cyrillic as raw UTF-8, `/` unescaped, and amounts as JSON numbers in shortest exact
//! form (`1`, not `1.0`). Decoding goes through serde, with the exact-decimal number parser of
//! `refundkit-core`, so no amount ever passes through a float.

pub mod answers;
pub mod jwt;
pub mod op_state;
pub mod payload;

pub use answers::{MAX_RESPONSE_LEN, parse_response, parse_state_response};
pub use jwt::{
    Accept, MAX_TOKEN_LEN, Segment, SignError, Unverified, Verified, VerifyError,
    decode_unverified, sign, sign_payload_bytes, verify,
};
pub use op_state::{
    MAX_OP_STATE_LEN, MAX_OP_STATE_QUERY_LEN, decode_op_state_query, op_state_signature,
    op_state_signature_matches, parse_op_state_response,
};
pub use payload::{MAX_PAYLOAD_LEN, decode_request, encode_request};

#[cfg(test)]
mod tests;
