//! The wire codec: the JSON payload, the JWT around it, and the JSON responses.
//!
//! The payload is written by hand rather than through serde's serializer because its bytes
//! are signed and must match Robokassa's example exactly: the field order of the refund page's token, Cyrillic
//! as raw UTF-8, `/` unescaped, and amounts as JSON numbers in shortest exact form (`1`, not
//! `1.0`). Decoding goes through serde, with the exact-decimal number parser of
//! `refundkit-core`, so no amount ever passes through a float.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use refundkit_core::outcome::{Malformed, Outcome, Refusal, is_2xx};
use refundkit_core::{Amount, Coded, DecodeError, EncodeError, Quantity, Validated, json};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};
use serde_json::value::RawValue;

use crate::types::{
    Accepted, Alg, CreateMessage, InvoiceItem, KeyedMac, OpState, OpStateCode, OpStateRequest,
    OpStateResult, PAYMENT_METHOD_CODES, PAYMENT_OBJECT_CODES, Password2, Password3, RefundLabel,
    RefundRequest, RefundState, StateMessage, Token, UserField, VAT_CODES,
};

/// Longest token accepted: a 100-line payload is about 40 KiB of base64; this leaves room and
/// bounds the work an attacker can ask for.
pub const MAX_TOKEN_LEN: usize = 256 * 1024;

/// Longest response body accepted.
pub const MAX_RESPONSE_LEN: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Payload

/// The payload's compact JSON, byte for byte what is signed.
///
/// Fails only for a known code that has no Robokassa spelling, which [`crate::validate`]
/// reports first.
pub fn encode_request(request: &RefundRequest) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    encode_payload_into(request, &mut out)?;
    Ok(out)
}

fn encode_payload_into<'a>(
    request: &'a RefundRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    out.extend_from_slice(b"{\"OpKey\":");
    write_json_string(out, &request.op_key);
    if let Some(sum) = request.refund_sum {
        out.extend_from_slice(b",\"RefundSum\":");
        sum.write_json_number(out);
    }
    if let Some(items) = &request.invoice_items {
        out.extend_from_slice(b",\"InvoiceItems\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let code = |field: &str, code: Option<&'a str>| -> Result<&'a str, EncodeError> {
                code.ok_or_else(|| {
                    EncodeError::new(
                        format!("InvoiceItems[{i}].{field}"),
                        "value has no Robokassa code",
                    )
                })
            };
            let tax = code("Tax", item.tax.code_in(VAT_CODES))?;
            let method = item
                .payment_method
                .as_ref()
                .map(|m| code("PaymentMethod", m.code_in(PAYMENT_METHOD_CODES)))
                .transpose()?;
            let object = item
                .payment_object
                .as_ref()
                .map(|o| code("PaymentObject", o.code_in(PAYMENT_OBJECT_CODES)))
                .transpose()?;
            out.extend_from_slice(b"{\"Name\":");
            write_json_string(out, &item.name);
            out.extend_from_slice(b",\"Quantity\":");
            item.quantity.write_json_number(out);
            out.extend_from_slice(b",\"Cost\":");
            item.cost.write_json_number(out);
            out.extend_from_slice(b",\"Tax\":");
            write_json_string(out, tax);
            if let Some(method) = method {
                out.extend_from_slice(b",\"PaymentMethod\":");
                write_json_string(out, method);
            }
            if let Some(object) = object {
                out.extend_from_slice(b",\"PaymentObject\":");
                write_json_string(out, object);
            }
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string as serde_json and Robokassa's PHP plugin (with `JSON_UNESCAPED_UNICODE |
/// JSON_UNESCAPED_SLASHES`) write it: only `"`, `\` and control characters escaped.
fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut rest = s.as_bytes();
    // Copy runs that need no escaping in one go; most text is one run.
    while let Some(i) = rest
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
    {
        let (run, tail) = rest.split_at(i);
        out.extend_from_slice(run);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                // Writing to a Vec cannot fail.
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        rest = tail;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Largest payload decoded: a 100-line payload is about 30 KiB.
pub const MAX_PAYLOAD_LEN: usize = 192 * 1024;

/// Decodes a payload: wire field names in any order and whitespace, unknown fields refused,
/// amounts exact. Rules (positive sums, lengths) are [`crate::validate`]'s job.
pub fn decode_request(json: &[u8]) -> Result<RefundRequest, DecodeError> {
    if json.len() > MAX_PAYLOAD_LEN {
        return Err(DecodeError::too_large(json.len(), MAX_PAYLOAD_LEN));
    }
    refundkit_core::json::decode(json)
}

impl<'de> Deserialize<'de> for RefundRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            #[serde(rename = "OpKey")]
            op_key: String,
            #[serde(rename = "RefundSum", default, deserialize_with = "some_amount")]
            refund_sum: Option<Amount>,
            #[serde(rename = "InvoiceItems", default, deserialize_with = "some_items")]
            invoice_items: Option<Vec<InvoiceItem>>,
        }
        let w = Wire::deserialize(d)?;
        Ok(RefundRequest {
            op_key: w.op_key,
            refund_sum: w.refund_sum,
            invoice_items: w.invoice_items,
        })
    }
}

impl<'de> Deserialize<'de> for InvoiceItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire<'a> {
            #[serde(rename = "Name")]
            name: String,
            #[serde(rename = "Quantity", deserialize_with = "quantity")]
            quantity: Quantity,
            #[serde(rename = "Cost", deserialize_with = "amount")]
            cost: Amount,
            #[serde(rename = "Tax", borrow)]
            tax: Cow<'a, str>,
            #[serde(
                rename = "PaymentMethod",
                borrow,
                default,
                deserialize_with = "some_code"
            )]
            payment_method: Option<Cow<'a, str>>,
            #[serde(
                rename = "PaymentObject",
                borrow,
                default,
                deserialize_with = "some_code"
            )]
            payment_object: Option<Cow<'a, str>>,
        }
        let w = Wire::deserialize(d)?;
        Ok(InvoiceItem {
            name: w.name,
            quantity: w.quantity,
            cost: w.cost,
            tax: coded(VAT_CODES, w.tax),
            payment_method: w.payment_method.map(|m| coded(PAYMENT_METHOD_CODES, m)),
            payment_object: w.payment_object.map(|o| coded(PAYMENT_OBJECT_CODES, o)),
        })
    }
}

/// Looks a code up, allocating only for one outside the table.
fn coded<T: Copy>(table: &[(T, &str)], raw: Cow<'_, str>) -> Coded<T> {
    match table.iter().find(|(_, code)| *code == raw) {
        Some((value, _)) => Coded::Known(*value),
        None => Coded::Unknown(raw.into_owned()),
    }
}

/// The text of a JSON number, taken raw so that it never becomes a float. Borrowed from the
/// input, so [`decode_request`] (which reads a slice) allocates nothing per number; this is
/// also why these types deserialize from `serde_json::from_slice`/`from_str` and not from a
/// reader.
fn json_number<'de, D: Deserializer<'de>>(d: D) -> Result<&'de RawValue, D::Error> {
    let raw = <&'de RawValue>::deserialize(d)?;
    let first = raw.get().as_bytes().first().copied();
    if !matches!(first, Some(b'-' | b'0'..=b'9')) {
        return Err(de::Error::custom(format_args!(
            "expected a JSON number, found {}",
            kind_of(raw.get())
        )));
    }
    Ok(raw)
}

fn kind_of(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'n') => "null (omit the field instead)",
        Some(b't' | b'f') => "a boolean",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "something else",
    }
}

fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    let raw = json_number(d)?;
    Amount::parse_json_number(raw.get()).map_err(de::Error::custom)
}

// `null` for RefundSum is refused rather than read as "absent": a shop's serializer writing
// null for an unset partial sum must not turn into a full refund.
fn some_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Amount>, D::Error> {
    amount(d).map(Some)
}

// Like RefundSum, an optional code may be omitted but not `null`.
fn some_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Code<'a>(#[serde(borrow)] Cow<'a, str>);
    Code::deserialize(d).map(|c| Some(c.0))
}

fn some_items<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<InvoiceItem>>, D::Error> {
    Vec::<InvoiceItem>::deserialize(d).map(Some)
}

fn quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
    let raw = json_number(d)?;
    Quantity::parse_json_number(raw.get()).map_err(de::Error::custom)
}

// ---------------------------------------------------------------------------------------------
// JWT

impl KeyedMac {
    fn tag(self, input: &[u8]) -> Vec<u8> {
        fn run<M: Mac>(mut mac: M, input: &[u8]) -> Vec<u8> {
            mac.update(input);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            KeyedMac::Hs256(m) => run(m, input),
            KeyedMac::Hs384(m) => run(m, input),
            KeyedMac::Hs512(m) => run(m, input),
        }
    }

    /// Compares in constant time (`verify_slice` uses `subtle`).
    fn verify(self, input: &[u8], tag: &[u8]) -> bool {
        fn run<M: Mac>(mut mac: M, input: &[u8], tag: &[u8]) -> bool {
            mac.update(input);
            mac.verify_slice(tag).is_ok()
        }
        match self {
            KeyedMac::Hs256(m) => run(m, input, tag),
            KeyedMac::Hs384(m) => run(m, input, tag),
            KeyedMac::Hs512(m) => run(m, input, tag),
        }
    }
}

/// Signs a validated request ([`crate::validate`]): a request Robokassa would reject cannot be
/// signed, because it cannot be a [`Validated`].
pub fn sign(
    request: &Validated<RefundRequest>,
    key: &Password3,
    alg: Alg,
) -> Result<Token, SignError> {
    let payload = encode_request(request).map_err(SignError::Encode)?;
    Ok(Token(sign_payload_bytes(&payload, key, alg)))
}

/// The compact token of payload bytes as they are, for conformance work that must reproduce a
/// given payload byte for byte. A `String`, not a [`Token`]: only [`sign`], which takes a
/// validated request, makes what [`crate::http::create_request`] sends.
pub fn sign_payload_bytes(payload: &[u8], key: &Password3, alg: Alg) -> String {
    let header_b64 = canonical_header(alg);
    let payload_len = base64::encoded_len(payload.len(), false).unwrap_or(0);
    let sig_len = base64::encoded_len(alg.mac_len(), false).unwrap_or(0);
    let mut token = String::with_capacity(
        header_b64
            .len()
            .saturating_add(payload_len)
            .saturating_add(sig_len)
            .saturating_add(2),
    );
    token.push_str(header_b64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let tag = key.mac(alg).tag(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(tag, &mut token);
    token
}

/// Which algorithms a verifier accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Accept {
    /// Any of HS256, HS384, HS512. Never `none`, never anything asymmetric.
    #[default]
    AnyHmac,
    /// Exactly this one.
    Only(Alg),
}

/// An authentic token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The algorithm it was signed with.
    pub alg: Alg,
    /// The payload exactly as carried in the token.
    pub payload_json: Vec<u8>,
    /// The decoded request.
    pub request: RefundRequest,
}

/// A decoded token whose signature was not checked (for diagnosis only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified {
    /// The header exactly as carried.
    pub header_json: Vec<u8>,
    /// The algorithm the header declares, if it is one of Robokassa's.
    pub alg: Result<Alg, VerifyError>,
    /// The payload exactly as carried.
    pub payload_json: Vec<u8>,
    /// The payload decoded, or why it does not decode.
    pub request: Result<RefundRequest, DecodeError>,
}

struct Parts<'a> {
    signing_input: &'a [u8],
    header_b64: &'a [u8],
    payload_b64: &'a [u8],
    signature_b64: &'a [u8],
}

fn split(token: &str) -> Result<Parts<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::TooLarge {
            len: token.len(),
            max: MAX_TOKEN_LEN,
        });
    }
    let bytes = token.as_bytes();
    let mut dots = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'.')
        .map(|(i, _)| i);
    let (Some(d1), Some(d2), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(VerifyError::Segments);
    };
    let (signing_input, rest) = bytes.split_at(d2);
    let (header_b64, rest_of_input) = signing_input.split_at(d1);
    let payload_b64 = rest_of_input.get(1..).unwrap_or_default();
    let signature_b64 = rest.get(1..).unwrap_or_default();
    Ok(Parts {
        signing_input,
        header_b64,
        payload_b64,
        signature_b64,
    })
}

/// The base64url of each canonical header, to recognise the usual header without decoding it.
const CANONICAL_HEADERS: [(Alg, &str); 3] = [
    (Alg::Hs256, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"),
    (Alg::Hs384, "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9"),
    (Alg::Hs512, "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9"),
];

fn canonical_header(alg: Alg) -> &'static str {
    CANONICAL_HEADERS
        .iter()
        .find(|(a, _)| *a == alg)
        .map_or("", |(_, b64)| b64)
}

fn decode_header(header_b64: &[u8]) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| VerifyError::Base64(Segment::Header))
}

fn alg_of(header_b64: &[u8]) -> Result<Alg, VerifyError> {
    match CANONICAL_HEADERS
        .iter()
        .find(|(_, b64)| b64.as_bytes() == header_b64)
    {
        Some((alg, _)) => Ok(*alg),
        None => header_alg(&decode_header(header_b64)?),
    }
}

fn header_alg(header: &[u8]) -> Result<Alg, VerifyError> {
    #[derive(Deserialize)]
    struct Header {
        alg: String,
        typ: Option<String>,
        crit: Option<IgnoredAny>,
    }
    let h: Header =
        serde_json::from_slice(header).map_err(|e| VerifyError::Header(e.to_string()))?;
    if h.crit.is_some() {
        return Err(VerifyError::Header(
            "critical extensions are not supported".into(),
        ));
    }
    if let Some(typ) = h.typ {
        if !typ.eq_ignore_ascii_case("JWT") {
            return Err(VerifyError::Header("typ is not JWT".into()));
        }
    }
    if h.alg.eq_ignore_ascii_case("none") {
        return Err(VerifyError::AlgNone);
    }
    Alg::from_name(&h.alg)
        .ok_or_else(|| VerifyError::UnsupportedAlg(h.alg.chars().take(32).collect()))
}

/// Checks a token's signature with Password3 and decodes its payload.
///
/// The algorithm comes from the header but must be one `accept` allows; `none` and every
/// non-HMAC algorithm are refused before any cryptography runs. The MAC is compared in
/// constant time. The signature is checked before the payload is parsed.
pub fn verify(token: &str, key: &Password3, accept: Accept) -> Result<Verified, VerifyError> {
    let parts = split(token)?;
    let alg = alg_of(parts.header_b64)?;
    if let Accept::Only(expected) = accept {
        if alg != expected {
            return Err(VerifyError::AlgNotAllowed {
                found: alg,
                expected,
            });
        }
    }
    // A signature longer than SHA-512's cannot match: decode into a 64-byte buffer, no heap.
    let mut signature = [0u8; 64];
    let len = match URL_SAFE_NO_PAD.decode_slice(parts.signature_b64, &mut signature) {
        Ok(len) => len,
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            return Err(VerifyError::BadSignature);
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => {
            return Err(VerifyError::Base64(Segment::Signature));
        }
    };
    let signature = signature.get(..len).unwrap_or_default();
    if len != alg.mac_len() || !key.mac(alg).verify(parts.signing_input, signature) {
        return Err(VerifyError::BadSignature);
    }
    let payload_json = URL_SAFE_NO_PAD
        .decode(parts.payload_b64)
        .map_err(|_| VerifyError::Base64(Segment::Payload))?;
    let request = decode_request(&payload_json).map_err(VerifyError::Payload)?;
    Ok(Verified {
        alg,
        payload_json,
        request,
    })
}

/// Decodes a token without checking its signature: for `inspect` and debugging, never for
/// deciding anything.
pub fn decode_unverified(token: &str) -> Result<Unverified, VerifyError> {
    let parts = split(token)?;
    let payload_json = URL_SAFE_NO_PAD
        .decode(parts.payload_b64)
        .map_err(|_| VerifyError::Base64(Segment::Payload))?;
    URL_SAFE_NO_PAD
        .decode(parts.signature_b64)
        .map_err(|_| VerifyError::Base64(Segment::Signature))?;
    let request = decode_request(&payload_json);
    let header_json = decode_header(parts.header_b64)?;
    Ok(Unverified {
        alg: header_alg(&header_json),
        header_json,
        payload_json,
        request,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a request was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A value has no Robokassa spelling (validation reports it first; this fails closed).
    #[error("{0}")]
    Encode(EncodeError),
    /// Password3 is empty.
    #[error("Password3 is empty")]
    EmptyKey,
    /// The HMAC implementation refused the key (HMAC takes keys of any length, so this is not
    /// expected; it exists so that signing fails closed rather than with a made-up key).
    #[error("Password3 cannot key HMAC")]
    Key,
}

/// Which part of a token failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Segment {
    /// The JOSE header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

/// Why a token was not accepted. None of the variants carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than [`MAX_TOKEN_LEN`].
    #[error("token is {len} bytes, at most {max} accepted")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// Not three dot-separated segments.
    #[error("a token has three dot-separated segments")]
    Segments,
    /// A segment is not canonical unpadded base64url.
    #[error("{0:?} segment is not base64url without padding")]
    Base64(Segment),
    /// The header is not a JSON object with an `alg`, or declares something we refuse to
    /// ignore (`crit`, a `typ` other than JWT).
    #[error("bad header: {0}")]
    Header(String),
    /// `alg: none`: an unsigned token.
    #[error("unsigned token (alg none) refused")]
    AlgNone,
    /// An algorithm outside HS256/HS384/HS512 (shortened to 32 characters).
    #[error("algorithm {0:?} is not one Robokassa uses")]
    UnsupportedAlg(String),
    /// An HMAC algorithm other than the one the caller pinned.
    #[error("algorithm {found} is not the pinned {expected}")]
    AlgNotAllowed {
        /// What the token declares.
        found: Alg,
        /// What the caller accepts.
        expected: Alg,
    },
    /// The signature does not match: forged, tampered, or signed with another key.
    #[error("signature does not match")]
    BadSignature,
    /// Authentic, but the payload is not a refund request.
    #[error("payload: {0}")]
    Payload(DecodeError),
}

// ---------------------------------------------------------------------------------------------
// Responses

/// The members a `Refund/Create` answer may have: the documented `success`, `message` and
/// `requestId`; `Success` and `Message`, which public clients read too (mikhail5545/
/// go-robokassa-sdk `CreateRefund`); and `Error`/`ErrorCode`, the error form of Robokassa's
/// JWT services (yiisoft payments' `RobokassaGatewayTest`).
const CREATE_VOCABULARY: &[&str] = &[
    "success",
    "message",
    "requestId",
    "Success",
    "Message",
    "Error",
    "ErrorCode",
];

/// Reads `Refund/Create`'s answer, given its HTTP status.
///
/// A success is `success: true` (a JSON `true`, lower-case, as documented) at a 2xx status;
/// it stays a success without a `requestId`, because a shop that read it as a failure could
/// retry, and Create has no idempotency key. A refusal is `success: false` (or `Success:
/// false`, or the `Error`/`ErrorCode` form), its `message` kept as the code. A body that states
/// both, or neither, is malformed; so is `success: true` with an error status.
pub fn parse_response(http_status: u16, body: &[u8]) -> Outcome<Accepted, CreateMessage> {
    let members = match read_members(http_status, body, CREATE_VOCABULARY) {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    match create_markers(&members) {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((success, refused, request_id, code, text)) => match (success, refused) {
            (true, true) => malformed(http_status, "states both success and a refusal"),
            (true, false) if is_2xx(http_status) => Outcome::Success(Accepted { request_id }),
            (true, false) => malformed(http_status, "success: true with an error status"),
            (false, true) => Outcome::Refused(Refusal {
                http_status,
                code: code.as_deref().map(CreateMessage::from_wire),
                text,
            }),
            (false, false) => malformed(http_status, "neither success nor a refusal"),
        },
    }
}

type CreateMarkers = (bool, bool, Option<String>, Option<String>, Option<String>);

fn create_markers(m: &json::Members<'_>) -> Result<CreateMarkers, DecodeError> {
    let (mut success, mut pascal) = (None, None);
    let (mut message, mut pascal_message, mut error, mut error_code, mut request_id) =
        (None, None, None, None, None);
    // One pass over the few members present.
    for (name, raw) in m.iter() {
        let at = |e: DecodeError| e.within(name);
        match name {
            "success" => success = json::boolean(Some(raw)).map_err(at)?,
            // `Success: true` is not the documented spelling of a success: it states nothing.
            "Success" => pascal = json::boolean(Some(raw)).map_err(at)?,
            "message" => message = json::string(Some(raw)).map_err(at)?,
            "Message" => pascal_message = json::string(Some(raw)).map_err(at)?,
            "Error" => error = json::string(Some(raw)).map_err(at)?,
            "ErrorCode" => {
                error_code = json::code(Some(raw))
                    .map_err(at)?
                    .map(std::borrow::Cow::into_owned)
            }
            "requestId" => request_id = json::string(Some(raw)).map_err(at)?,
            _ => {}
        }
    }
    let refused =
        success == Some(false) || pascal == Some(false) || error.is_some() || error_code.is_some();
    let code = message.or(pascal_message).or(error_code);
    Ok((success == Some(true), refused, request_id, code, error))
}

/// The members a `GetState` answer may have.
const STATE_VOCABULARY: &[&str] = &["requestId", "amount", "label", "message"];

/// Reads `GetState`'s answer: the refund's state (`requestId` and `label`; `amount` when
/// Robokassa sends it, which it does not always: aiorobokassa's tests read a `processing`
/// state without one), or the `{"message": ...}` error form. A body with both, or with half
/// a state, is malformed.
pub fn parse_state_response(http_status: u16, body: &[u8]) -> Outcome<RefundState, StateMessage> {
    let members = match read_members(http_status, body, STATE_VOCABULARY) {
        Ok(m) => m,
        Err(outcome) => return outcome,
    };
    let read = || -> Result<_, DecodeError> {
        let (mut request_id, mut label, mut message, mut amount) = (None, None, None, None);
        for (name, raw) in members.iter() {
            let at = |e: DecodeError| e.within(name);
            match name {
                "requestId" => request_id = json::string(Some(raw)).map_err(at)?,
                "label" => label = json::text(Some(raw)).map_err(at)?,
                "message" => message = json::string(Some(raw)).map_err(at)?,
                "amount" if raw.get() == "null" => {}
                // Tolerant in: a number (`1.000000`) as documented, or a decimal string.
                "amount" => {
                    amount = Some(
                        match raw
                            .get()
                            .strip_prefix('"')
                            .and_then(|t| t.strip_suffix('"'))
                        {
                            Some(inner) => Amount::parse_decimal(inner),
                            None => Amount::parse_json_number(raw.get()),
                        }
                        .map_err(|e| {
                            DecodeError::new(refundkit_core::DecodeErrorKind::Value, "amount", e)
                        })?,
                    )
                }
                _ => {}
            }
        }
        Ok((request_id, label, amount, message))
    };
    match read() {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((Some(request_id), Some(label), amount, None)) if is_2xx(http_status) => {
            Outcome::Success(RefundState {
                request_id,
                amount,
                label: RefundLabel::from_wire(&label),
            })
        }
        Ok((Some(_), Some(_), _, None)) => malformed(http_status, "a state with an error status"),
        Ok((None, None, None, Some(message))) => Outcome::Refused(Refusal {
            http_status,
            code: Some(StateMessage::from_wire(&message)),
            text: None,
        }),
        Ok((None, None, None, None)) => malformed(
            http_status,
            "neither a state (requestId, label) nor an error message",
        ),
        Ok(_) => malformed(
            http_status,
            "not a state (requestId and label) and not the error form (message alone)",
        ),
    }
}

/// The members of a JSON object answer, or the outcome of a body that is not one.
fn read_members<'a, T, C>(
    http_status: u16,
    body: &'a [u8],
    vocabulary: &'static [&'static str],
) -> Result<json::Members<'a>, Outcome<T, C>> {
    if body.len() > MAX_RESPONSE_LEN {
        return Err(malformed(
            http_status,
            format!("larger than {MAX_RESPONSE_LEN} bytes"),
        ));
    }
    json::members(body, vocabulary)
        .map_err(|e| malformed(http_status, format!("not a Robokassa answer: {e}")))
}

fn malformed<T, C>(http_status: u16, detail: impl Into<String>) -> Outcome<T, C> {
    Outcome::Malformed(Malformed::new(http_status, detail))
}

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------------
// OpStateExt

/// Largest `OpStateExt` answer read (a few hundred bytes in practice).
pub const MAX_OP_STATE_LEN: usize = 64 * 1024;

/// Deepest element nesting of an `OpStateExt` answer read (it nests 4).
const MAX_OP_STATE_DEPTH: usize = 8;

/// The namespaces an `OpStateExt` answer comes in: the one of Robokassa's web service
/// description, and the one a public Python client of it expects.
const OP_STATE_NAMESPACES: &[&str] = &[
    "http://merchant.roboxchange.com/WebService/",
    "http://auth.robokassa.ru/Merchant/WebService/",
];

/// `Signature` of `OpStateExt`: MD5 of `MerchantLogin:InvoiceID:Password2`, upper-case hex
/// (Robokassa's XML interfaces page; MD5 is the shop's default algorithm).
pub fn op_state_signature(request: &OpStateRequest, password2: &Password2) -> String {
    use md5::Digest as _;
    let mut md5 = md5::Md5::new();
    md5.update(request.merchant_login.as_bytes());
    md5.update(b":");
    md5.update(request.invoice_id.as_bytes());
    md5.update(b":");
    md5.update(password2.0.expose_secret().as_bytes());
    let digest = md5.finalize();
    let mut hex = String::with_capacity(32);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02X}");
    }
    hex
}

/// The leaf texts of an `OpStateExt` answer, by path below the root (`Result/Code`,
/// `Info/PaymentMethod/Code`).
fn op_state_error(detail: impl std::fmt::Display) -> DecodeError {
    DecodeError::new(refundkit_core::DecodeErrorKind::Structure, "", detail)
}

fn op_state_leaves(body: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
    use quick_xml::events::Event;
    if body.len() > MAX_OP_STATE_LEN {
        return Err(op_state_error(format_args!(
            "larger than {MAX_OP_STATE_LEN} bytes"
        )));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| op_state_error(format_args!("not UTF-8: {e}")))?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut leaves = Vec::new();
    let mut text = String::new();
    let mut seen_root = false;
    // Each `UserField/Field` (one per `Shp_` parameter) is numbered, `Field[0]`, `Field[1]`,
    // so that its Name and Value stay paired and every other path still names one value.
    let mut fields = 0usize;
    let mut numbered = |stack: &[String], name: String| {
        if stack.len() == 2 && stack.get(1).is_some_and(|s| s == "UserField") && name == "Field" {
            let n = format!("Field[{fields}]");
            fields = fields.saturating_add(1);
            n
        } else {
            name
        }
    };
    loop {
        match reader
            .read_event()
            .map_err(|e| op_state_error(format_args!("not XML: {e}")))?
        {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => {
                return Err(op_state_error("DOCTYPE refused (no DTDs, no entities)"));
            }
            Event::GeneralRef(r) => {
                // The five predefined entities and character references only.
                let name = (*r).to_owned();
                let c = match name.as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "apos" => '\'',
                    "quot" => '"',
                    _ => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => {
                            return Err(op_state_error(format_args!(
                                "entity reference &{name}; refused"
                            )));
                        }
                    },
                };
                text.push(c);
            }
            Event::Text(t) => {
                text.push_str(&t);
            }
            Event::CData(c) => text.push_str(&c),
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if stack.is_empty() {
                    if seen_root {
                        return Err(op_state_error("more than one root element"));
                    }
                    seen_root = true;
                    if name != "OperationStateResponse" {
                        return Err(op_state_error(format_args!(
                            "the root is {name}, not OperationStateResponse"
                        )));
                    }
                    let ns = start
                        .try_get_attribute("xmlns")
                        .map_err(|e| op_state_error(format_args!("attributes: {e}")))?
                        .map(|a| a.value.into_owned());
                    if let Some(ns) = ns.filter(|ns| !OP_STATE_NAMESPACES.contains(&ns.as_str())) {
                        return Err(op_state_error(format_args!(
                            "namespace {ns} is not Robokassa's web service"
                        )));
                    }
                } else if stack.len() >= MAX_OP_STATE_DEPTH {
                    return Err(op_state_error(format_args!(
                        "nested deeper than {MAX_OP_STATE_DEPTH}"
                    )));
                }
                let name = numbered(&stack, name);
                stack.push(name);
                text.clear();
            }
            Event::Empty(start) => {
                if stack.is_empty() {
                    return Err(op_state_error("an empty root element"));
                }
                let name = numbered(&stack, start.local_name().as_ref().to_owned());
                let path = stack
                    .iter()
                    .skip(1)
                    .chain([&name])
                    .cloned()
                    .collect::<Vec<_>>();
                leaves.push((path.join("/"), String::new()));
            }
            Event::End(_) => {
                let path = stack.iter().skip(1).cloned().collect::<Vec<_>>().join("/");
                stack.pop();
                let value = std::mem::take(&mut text);
                if !path.is_empty() && !value.trim().is_empty() {
                    leaves.push((path, value.trim().to_owned()));
                }
            }
            Event::Eof => break,
        }
    }
    if !seen_root {
        return Err(op_state_error("no root element"));
    }
    Ok(leaves)
}

/// Reads an `OpStateExt` answer, given its HTTP status.
///
/// A success is `Result/Code` 0 with a `State/Code`, at a 2xx status; any other `Result/Code`
/// is a refusal, its `Result/Description` kept. Another root element, a second value for one
/// field, an amount that is not a decimal, a DOCTYPE or an entity is malformed.
pub fn parse_op_state_response(http_status: u16, body: &[u8]) -> Outcome<OpState, OpStateResult> {
    let leaves = match op_state_leaves(body) {
        Ok(l) => l,
        Err(e) => return malformed(http_status, e.to_string()),
    };
    let mut seen: Vec<&str> = Vec::with_capacity(leaves.len());
    for (path, _) in &leaves {
        if seen.contains(&path.as_str()) {
            return malformed(http_status, format!("{path} given twice"));
        }
        seen.push(path);
    }
    let get = |path: &str| {
        leaves
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
    };
    let Some(result) = get("Result/Code") else {
        return malformed(http_status, "no Result/Code");
    };
    let result = OpStateResult::from_wire(&result);
    if result != OpStateResult::Ok {
        return Outcome::Refused(Refusal {
            http_status,
            code: Some(result),
            text: get("Result/Description"),
        });
    }
    if !is_2xx(http_status) {
        return malformed(http_status, "Result/Code 0 with an error status");
    }
    let Some(state) = get("State/Code") else {
        return malformed(http_status, "Result/Code 0 without State/Code");
    };
    let amount = |path: &str| -> Result<Option<Amount>, DecodeError> {
        get(path)
            .map(|t| {
                Amount::parse_decimal(&t)
                    .map_err(|e| DecodeError::new(refundkit_core::DecodeErrorKind::Value, path, e))
            })
            .transpose()
    };
    let sums = amount("Info/IncSum").and_then(|inc| Ok((inc, amount("Info/OutSum")?)));
    let mut user_fields = Vec::new();
    for i in 0.. {
        let field = format!("UserField/Field[{i}]");
        let name = get(&format!("{field}/Name"));
        let value = get(&format!("{field}/Value"));
        if name.is_none() && value.is_none() && !leaves.iter().any(|(p, _)| p.starts_with(&field)) {
            break;
        }
        let Some(name) = name else {
            return malformed(http_status, format!("{field} without a Name"));
        };
        user_fields.push(UserField {
            name,
            value: value.unwrap_or_default(),
        });
    }
    match sums {
        Err(e) => malformed(http_status, e.to_string()),
        Ok((inc_sum, out_sum)) => Outcome::Success(OpState {
            user_fields,
            state: OpStateCode::from_wire(&state),
            request_date: get("State/RequestDate"),
            state_date: get("State/StateDate"),
            inc_curr_label: get("Info/IncCurrLabel"),
            inc_sum,
            inc_account: get("Info/IncAccount"),
            payment_method: get("Info/PaymentMethod/Code"),
            out_curr_label: get("Info/OutCurrLabel"),
            out_sum,
            op_key: get("Info/OpKey"),
            bank_card_rrn: get("Info/BankCardRRN"),
        }),
    }
}
