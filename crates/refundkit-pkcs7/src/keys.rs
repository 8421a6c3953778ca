//! The signer's private key and the certificates of both sides, read as OpenSSL reads them.

use std::fmt;

use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use der::{Decode as _, Encode as _};
use refundkit_core::SecretBytes;

use crate::ber::{self, tag};
use crate::{Error, oid, pem};

/// An X.509 certificate (PEM `CERTIFICATE` or DER).
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    pub(crate) inner: x509_cert::Certificate,
    pub(crate) der: Vec<u8>,
}

impl Certificate {
    /// Reads one certificate from PEM or DER: the first `CERTIFICATE` block of a PEM file,
    /// whatever text surrounds it (`openssl x509 -text`, `openssl pkcs7 -print_certs`).
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        Self::all_from_pem_or_der(input)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Certificate("no certificate".into()))
    }

    /// Reads every certificate of a PEM file (a chain, or a provider's set of keys), or the
    /// one certificate of a DER file. Used as a trust set ([`crate::Trust::AnyOf`]), a file
    /// verifies what any of its certificates signed.
    pub fn all_from_pem_or_der(input: &[u8]) -> Result<Vec<Self>, Error> {
        if !pem::is_pem(input) {
            return Ok(vec![Self::from_der(input.to_vec())?]);
        }
        let blocks = pem::blocks(input).map_err(|e| Error::Certificate(e.to_string()))?;
        let certificates = blocks
            .into_iter()
            .filter(|b| b.label == "CERTIFICATE" || b.label == "X509 CERTIFICATE")
            .map(|b| Self::from_der(b.der))
            .collect::<Result<Vec<_>, _>>()?;
        if certificates.is_empty() {
            return Err(Error::Certificate(
                "no CERTIFICATE block in the PEM text".into(),
            ));
        }
        Ok(certificates)
    }

    fn from_der(der: Vec<u8>) -> Result<Self, Error> {
        let inner = x509_cert::Certificate::from_der(&der)
            .map_err(|e| Error::Certificate(e.to_string()))?;
        Ok(Certificate { inner, der })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject, as RFC 4514 text (`CN=PaymentCenter,O=Yandex.Money,...`).
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate().subject().to_string()
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
        if spki.algorithm.oid != oid::RSA_ENCRYPTION {
            return Err(Error::Unsupported(format!(
                "certificate key algorithm {} (only RSA)",
                algorithm_name(spki.algorithm.oid.as_bytes())
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
/// either in DER. Never printed. The DER copy kept for the optional SHA-1 signer is wiped on
/// drop; the key inside aws-lc is freed by aws-lc, which cleanses it.
pub struct PrivateKey {
    pub(crate) pair: RsaKeyPair,
    #[cfg_attr(not(feature = "sha1"), allow(dead_code))]
    pub(crate) der: SecretBytes,
    #[cfg_attr(not(feature = "sha1"), allow(dead_code))]
    pub(crate) pkcs1: bool,
}

/// What to do with an encrypted key: refundkit does not take passphrases.
const DECRYPT_FIRST: &str = "decrypt it first (`openssl pkey -in KEY.pem -out KEY.plain.pem`) and keep the result as \
     secret as the passphrase was";

impl PrivateKey {
    /// Reads a key: the first key block of a PEM file (a file that also holds certificates is
    /// fine), or DER (PKCS#8, else PKCS#1). An encrypted key, a key of another algorithm
    /// (EC, GOST, Ed25519, DSA) or a certificate given as a key is refused with an error that
    /// says which.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if !pem::is_pem(input) {
            return Self::from_der(SecretBytes::new(input.to_vec()));
        }
        let blocks = pem::blocks(input).map_err(|e| Error::Key(e.to_string()))?;
        let mut certificate_seen = false;
        for block in blocks {
            match block.label.as_str() {
                "PRIVATE KEY" => return Self::pkcs8(SecretBytes::new(block.der)),
                "RSA PRIVATE KEY" if block.is_encrypted() => {
                    return Err(Error::Key(format!(
                        "the key is encrypted (Proc-Type: 4,ENCRYPTED): {DECRYPT_FIRST}"
                    )));
                }
                "RSA PRIVATE KEY" => return Self::pkcs1(SecretBytes::new(block.der)),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(Error::Key(format!(
                        "the key is encrypted (PKCS#8 ENCRYPTED PRIVATE KEY): {DECRYPT_FIRST}"
                    )));
                }
                "EC PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => {
                    return Err(Error::Key(format!(
                        "a {} block: not an RSA key, and YooKassa MWS signs with RSA",
                        block.label
                    )));
                }
                "CERTIFICATE" | "X509 CERTIFICATE" => certificate_seen = true,
                _ => {}
            }
        }
        Err(Error::Key(if certificate_seen {
            "the file holds a certificate but no private key".into()
        } else {
            "no PRIVATE KEY or RSA PRIVATE KEY block in the PEM text".into()
        }))
    }

    fn from_der(der: SecretBytes) -> Result<Self, Error> {
        // PKCS#8 is a SEQUENCE starting with an INTEGER version and an AlgorithmIdentifier
        // SEQUENCE; PKCS#1 has INTEGERs only. The algorithm decides which reader applies.
        if algorithm_of(der.expose_secret()).is_some() {
            Self::pkcs8(der)
        } else {
            Self::pkcs1(der)
        }
    }

    fn pkcs8(der: SecretBytes) -> Result<Self, Error> {
        match algorithm_of(der.expose_secret()) {
            Some(alg) if alg != oid::RSA_ENCRYPTION.as_bytes() => {
                return Err(Error::Key(format!(
                    "not an RSA key ({}), and YooKassa MWS signs with RSA",
                    algorithm_name(alg)
                )));
            }
            _ => {}
        }
        let pair = RsaKeyPair::from_pkcs8(der.expose_secret())
            .map_err(|e| Error::Key(format!("not an RSA private key (PKCS#8): {e}")))?;
        Ok(PrivateKey {
            pair,
            der,
            pkcs1: false,
        })
    }

    fn pkcs1(der: SecretBytes) -> Result<Self, Error> {
        let pair = RsaKeyPair::from_der(der.expose_secret())
            .map_err(|e| Error::Key(format!("not an RSA private key (PKCS#1): {e}")))?;
        Ok(PrivateKey {
            pair,
            der,
            pkcs1: true,
        })
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

/// The algorithm OID of a PKCS#8 `PrivateKeyInfo`, if `der` is one.
fn algorithm_of(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = ber::read(der, 0).ok()?;
    if info.tag != tag::SEQUENCE {
        return None;
    }
    let mut parts = info.children();
    let version = parts.next()?.ok()?;
    let algorithm = parts.next()?.ok()?;
    if version.tag != tag::INTEGER || algorithm.tag != tag::SEQUENCE {
        return None;
    }
    let oid = algorithm.children().next()?.ok()?;
    (oid.tag == tag::OID).then_some(oid.content)
}

/// A key algorithm's name, for errors.
fn algorithm_name(oid: &[u8]) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("1.2.840.113549.1.1.1", "RSA"),
        ("1.2.840.10045.2.1", "EC"),
        ("1.3.101.112", "Ed25519"),
        ("1.3.101.113", "Ed448"),
        ("1.2.840.10040.4.1", "DSA"),
        ("1.2.643.7.1.1.1.1", "GOST R 34.10-2012, 256 bits"),
        ("1.2.643.7.1.1.1.2", "GOST R 34.10-2012, 512 bits"),
        ("1.2.643.2.2.19", "GOST R 34.10-2001"),
    ];
    let text = const_oid::ObjectIdentifier::from_bytes(oid)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| "an unreadable OID".into());
    match NAMES.iter().find(|(o, _)| *o == text) {
        Some((_, name)) => format!("{name}, {text}"),
        None => format!("algorithm {text}"),
    }
}
