//! PKCS#7 / CMS SignedData as YooKassa's MWS uses it: attached content, one RSA signer,
//! signed attributes, PEM. Signs like `openssl smime -sign -nodetach -nochain -nocerts
//! -outform PEM`, opens what OpenSSL makes, streamed (BER) or not.
//!
//! ```
//! use refundkit_pkcs7::{open, Certificate, PrivateKey, SignOptions, Signer, Trust};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/yookassa/keys/");
//! # let key_pem = std::fs::read(format!("{dir}shop.key"))?;
//! # let cert_pem = std::fs::read(format!("{dir}shop.crt"))?;
//! let signer = Signer::new(PrivateKey::from_pem_or_der(&key_pem)?,
//!                          Certificate::from_pem_or_der(&cert_pem)?)?;
//! // The signing time is the caller's: a fixed one gives byte-identical output.
//! let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_763_800_000);
//! let pem = signer.sign_pem(b"<returnPaymentRequest/>", &SignOptions::at(at))?;
//! assert!(pem.starts_with("-----BEGIN PKCS7-----\n"));
//!
//! let cert = Certificate::from_pem_or_der(&cert_pem)?;
//! let opened = open(pem.as_bytes(), Trust::Certificate(&cert))?;
//! assert_eq!(opened.content, b"<returnPaymentRequest/>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Design: signing assembles the `cms` crate's types and signs with aws-lc-rs (constant-time,
//! as fast as OpenSSL). Opening walks the input with a bounded BER reader of its own ([`ber`])
//! because the returnPayment example is BER with indefinite lengths, which `der` 0.8 reads only
//! layer by layer and never as the bytes received (the reasons, measured, are in [`ber`]); the
//! signed attributes are hashed as received, with their `[0]` tag replaced by SET, never
//! re-sorted.
#![forbid(unsafe_code)]

pub mod ber;
mod keys;
mod oid;
mod open;
pub mod pem;
mod sign;

pub use keys::{Certificate, PrivateKey};
pub use open::{MAX_INPUT, Opened, Trust, open};
pub use sign::{SignOptions, Signer};

use sha2::Digest as _;

/// The digest of the content and of the signed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-1: what the MWS returnPayment page's example and old OpenSSL builds use. Verified always; signing
    /// needs the `sha1` feature (see the crate README for why).
    Sha1,
    /// SHA-256: OpenSSL's default today, and ours.
    #[default]
    Sha256,
    /// SHA-384 (opened, not produced).
    Sha384,
    /// SHA-512 (opened, not produced).
    Sha512,
}

impl Digest {
    pub(crate) fn oid(self) -> const_oid::ObjectIdentifier {
        match self {
            Digest::Sha1 => oid::SHA1,
            Digest::Sha256 => oid::SHA256,
            Digest::Sha384 => oid::SHA384,
            Digest::Sha512 => oid::SHA512,
        }
    }

    pub(crate) fn from_oid(oid: &[u8]) -> Option<Digest> {
        [Digest::Sha1, Digest::Sha256, Digest::Sha384, Digest::Sha512]
            .into_iter()
            .find(|d| d.oid().as_bytes() == oid)
    }

    /// The digest of `data`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Digest::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Digest::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Digest::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Digest::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Why signing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The private key could not be read.
    #[error("private key: {0}")]
    Key(String),
    /// A certificate could not be read.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The private key is not the certificate's.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// The input is larger than [`MAX_INPUT`].
    #[error("input is {0} bytes, at most {MAX_INPUT} accepted")]
    TooLarge(usize),
    /// PEM framing or base64 is wrong.
    #[error("PEM: {0}")]
    Pem(#[from] pem::PemError),
    /// The BER/DER encoding is broken.
    #[error("encoding: {0}")]
    Ber(#[from] ber::BerError),
    /// Well-encoded, but not the SignedData shape expected (the field is named).
    #[error("not a PKCS#7 SignedData: {0}")]
    Structure(&'static str),
    /// Something this crate does not do (an algorithm, several signers, detached content).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The messageDigest attribute is not the digest of the content: the content was altered.
    #[error("messageDigest does not match the content")]
    DigestMismatch,
    /// The contentType attribute disagrees with the content's type.
    #[error("contentType attribute does not match the content type")]
    ContentTypeMismatch,
    /// The signature does not verify under the configured certificate.
    #[error("signature does not verify")]
    BadSignature,
    /// Building the DER failed.
    #[error("encoding the message: {0}")]
    Encode(String),
}
