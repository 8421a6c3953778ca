//! The JWT around the payload: HS256/384/512 with Password3, the header pinned to its
//! canonical bytes, the signature compared in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use refundkit_core::{DecodeError, EncodeError, Validated};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::payload::{decode_request, encode_request};
use crate::types::{Alg, KeyedMac, Password3, RefundRequest, Token};

/// Longest token accepted: a 100-line payload is about 40 KiB of base64; this leaves room and
/// bounds the work an attacker can ask for.
pub const MAX_TOKEN_LEN: usize = 256 * 1024;

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
pub(super) const CANONICAL_HEADERS: [(Alg, &str); 3] = [
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
