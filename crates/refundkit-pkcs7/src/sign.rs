//! Signing: SignedData assembled from the `cms` crate's types, signed by aws-lc-rs.

use std::time::SystemTime;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Encode as _, Tag};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use crate::keys::{Certificate, PrivateKey};
use crate::{Digest, Error, oid, pem};

/// How to sign. The signing time is always given: a library that read the clock could not
/// be tested byte for byte, and the caller's clock is the one that matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// Digest of content and attributes: SHA-256 by default; SHA-1 with the `sha1` feature.
    pub digest: Digest,
    /// Embed the signer's certificate (never a chain). Off by default: YooKassa wants none.
    pub include_certificate: bool,
    /// The signingTime attribute. RSA PKCS#1 v1.5 is deterministic, so a fixed time gives
    /// byte-identical output.
    pub signing_time: SystemTime,
}

impl SignOptions {
    /// SHA-256, no certificate (what YooKassa wants), signed at `signing_time`.
    pub fn at(signing_time: SystemTime) -> Self {
        SignOptions {
            digest: Digest::Sha256,
            include_certificate: false,
            signing_time,
        }
    }
}

/// A private key with its certificate, checked to belong together.
#[derive(Debug)]
pub struct Signer {
    key: PrivateKey,
    certificate: Certificate,
}

fn enc(e: der::Error) -> Error {
    Error::Encode(e.to_string())
}

fn attribute(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(enc)?,
    })
}

impl Signer {
    /// Pairs a key with its certificate; a key that is not the certificate's is refused (a
    /// message signed with it would fail at YooKassa with error 51 or 53).
    pub fn new(key: PrivateKey, certificate: Certificate) -> Result<Self, Error> {
        if !key.matches(&certificate) {
            return Err(Error::KeyMismatch);
        }
        Ok(Signer { key, certificate })
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// SignedData in DER, `content` attached.
    pub fn sign_der(&self, content: &[u8], options: &SignOptions) -> Result<Vec<u8>, Error> {
        let digest = options.digest;
        let time = match der::asn1::UtcTime::from_system_time(options.signing_time) {
            Ok(utc) => Time::UtcTime(utc),
            // RFC 5652: GeneralizedTime from 2050 on.
            Err(_) => Time::GeneralTime(
                der::asn1::GeneralizedTime::from_system_time(options.signing_time).map_err(enc)?,
            ),
        };
        let message_digest = OctetString::new(digest.hash(content)).map_err(enc)?;
        // SetOfVec sorts into DER order; for these three that is also OpenSSL's order.
        let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
            attribute(
                oid::CONTENT_TYPE,
                Any::encode_from(&oid::DATA).map_err(enc)?,
            )?,
            attribute(oid::SIGNING_TIME, Any::encode_from(&time).map_err(enc)?)?,
            attribute(
                oid::MESSAGE_DIGEST,
                Any::encode_from(&message_digest).map_err(enc)?,
            )?,
        ])
        .map_err(enc)?;
        let to_sign = signed_attrs.to_der().map_err(enc)?;
        let signature = self.rsa_sign(digest, &to_sign)?;

        // SHA-1 with NULL parameters as in the MWS returnPayment page's example; SHA-2 without (RFC 5754).
        let digest_alg = AlgorithmIdentifierOwned {
            oid: digest.oid(),
            parameters: match digest {
                Digest::Sha1 => Some(Any::null()),
                _ => None,
            },
        };
        let tbs = self.certificate.inner.tbs_certificate();
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(signed_attrs),
            // rsaEncryption, as OpenSSL writes it.
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: oid::RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            signature: OctetString::new(signature).map_err(enc)?,
            unsigned_attrs: None,
        };
        let certificates = if options.include_certificate {
            Some(
                CertificateSet::try_from(vec![CertificateChoices::Certificate(
                    self.certificate.inner.clone(),
                )])
                .map_err(enc)?,
            )
        } else {
            None
        };
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![digest_alg]).map_err(enc)?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::DATA,
                // The OCTET STRING itself, not an OCTET STRING wrapped in another one.
                econtent: Some(Any::new(Tag::OctetString, content).map_err(enc)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(enc)?,
        };
        ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::encode_from(&signed_data).map_err(enc)?,
        }
        .to_der()
        .map_err(enc)
    }

    /// SignedData in PEM with the `PKCS7` label, as YooKassa takes it.
    pub fn sign_pem(&self, content: &[u8], options: &SignOptions) -> Result<String, Error> {
        Ok(pem::encode("PKCS7", &self.sign_der(content, options)?))
    }

    fn rsa_sign(&self, digest: Digest, message: &[u8]) -> Result<Vec<u8>, Error> {
        match digest {
            Digest::Sha256 => {
                let mut signature = vec![0u8; self.key.pair.public_modulus_len()];
                self.key
                    .pair
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &SystemRandom::new(),
                        message,
                        &mut signature,
                    )
                    .map_err(|_| Error::Key("RSA signing failed".into()))?;
                Ok(signature)
            }
            Digest::Sha1 => sha1_sign(&self.key, message),
            other => Err(Error::Unsupported(format!("signing with {other:?}"))),
        }
    }
}

/// aws-lc-rs (like ring) signs only with SHA-256 and up. SHA-1, for peers that still need it,
/// comes from the `rsa` crate, which is not constant-time (RUSTSEC-2023-0071): it is compiled
/// only with the `sha1` feature and used only when SHA-1 is asked for.
#[cfg(feature = "sha1")]
fn sha1_sign(key: &PrivateKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let private = if key.pkcs1 {
        rsa::RsaPrivateKey::from_pkcs1_der(key.der.expose_secret())
            .map_err(|e| Error::Key(e.to_string()))?
    } else {
        rsa::RsaPrivateKey::from_pkcs8_der(key.der.expose_secret())
            .map_err(|e| Error::Key(e.to_string()))?
    };
    let hashed = Digest::Sha1.hash(message);
    private
        .sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &hashed)
        .map_err(|e| Error::Key(e.to_string()))
}

#[cfg(not(feature = "sha1"))]
fn sha1_sign(_key: &PrivateKey, _message: &[u8]) -> Result<Vec<u8>, Error> {
    Err(Error::Unsupported(
        "SHA-1 signing needs the `sha1` feature of refundkit-pkcs7".into(),
    ))
}
