use refundkit_core::Report;

use crate::types::Alg;

/// A JSON payload that does not decode, with the path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() || path == "." { String::new() } else { format!("{path}: ") })]
pub struct PayloadError {
    /// The field (`InvoiceItems[0].Cost`), or `.` for the whole document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Why a request was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The request breaks Robokassa's rules; every violation is in the report.
    #[error("invalid refund request:\n{0}")]
    Invalid(Report),
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
    /// The token is longer than [`crate::codec::MAX_TOKEN_LEN`].
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
    Payload(PayloadError),
}
