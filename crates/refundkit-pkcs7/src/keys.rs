//! The signer's private key and the certificates of both sides.

use std::fmt;

use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use der::{Decode as _, Encode as _};
use refundkit_core::SecretBytes;

use crate::Error;
use crate::pem;

/// An X.509 certificate (PEM `CERTIFICATE` or DER).
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    pub(crate) inner: x509_cert::Certificate,
    pub(crate) der: Vec<u8>,
}

impl Certificate {
    /// Reads a certificate from PEM or DER.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        let der = if pem::is_pem(input) {
            pem::decode(input, &["CERTIFICATE"])
                .map_err(Error::Certificate)?
                .1
        } else {
            input.to_vec()
        };
        let inner = x509_cert::Certificate::from_der(&der)
            .map_err(|e| Error::Certificate(e.to_string()))?;
        Ok(Certificate { inner, der })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer's DER encoding (half of a signer's identity).
    pub fn issuer_der(&self) -> Result<Vec<u8>, Error> {
        self.inner
            .tbs_certificate()
            .issuer()
            .to_der()
            .map_err(|e| Error::Certificate(e.to_string()))
    }

    /// The serial number's content octets (the other half).
    pub fn serial(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// The RSA public key as PKCS#1 `RSAPublicKey` DER, if the key is RSA.
    pub(crate) fn rsa_public_key(&self) -> Result<&[u8], Error> {
        let spki = self.inner.tbs_certificate().subject_public_key_info();
        if spki.algorithm.oid != crate::oid::RSA_ENCRYPTION {
            return Err(Error::Unsupported(format!(
                "certificate key algorithm {} (only RSA)",
                spki.algorithm.oid
            )));
        }
        Ok(spki.subject_public_key.raw_bytes())
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", self.inner.tbs_certificate().subject())
    }
}

/// The shop's RSA private key: PEM `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1), or
/// PKCS#8 DER. Never printed. The DER copy kept for the optional SHA-1 signer is wiped on
/// drop; the key inside aws-lc is freed by aws-lc, which cleanses it.
pub struct PrivateKey {
    pub(crate) pair: RsaKeyPair,
    #[cfg_attr(not(feature = "sha1"), allow(dead_code))]
    pub(crate) der: SecretBytes,
    #[cfg_attr(not(feature = "sha1"), allow(dead_code))]
    pub(crate) pkcs1: bool,
}

impl PrivateKey {
    /// Reads a key.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        let (pkcs1, der) = if pem::is_pem(input) {
            let (label, der) =
                pem::decode(input, &["PRIVATE KEY", "RSA PRIVATE KEY"]).map_err(Error::Key)?;
            (label == "RSA PRIVATE KEY", SecretBytes::new(der))
        } else {
            (false, SecretBytes::new(input.to_vec()))
        };
        let pair = if pkcs1 {
            RsaKeyPair::from_der(der.expose_secret())
        } else {
            RsaKeyPair::from_pkcs8(der.expose_secret())
        }
        .map_err(|e| Error::Key(format!("not an RSA private key: {e}")))?;
        Ok(PrivateKey { pair, der, pkcs1 })
    }

    /// Whether this key is the private half of `certificate`'s public key.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        certificate
            .rsa_public_key()
            .is_ok_and(|public| public == self.pair.public_key().as_ref())
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}
