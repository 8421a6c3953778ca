//! Opening: PEM, DER or BER in; content out, after checking digest and signature.

use aws_lc_rs::signature::{
    RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
    RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA384, RsaParameters,
    UnparsedPublicKey,
};

use crate::ber::{self, Tlv, tag};
use crate::keys::Certificate;
use crate::{Digest, Error, oid, pem};

/// Largest message accepted. MWS messages are a few kilobytes.
pub const MAX_INPUT: usize = 4 * 1024 * 1024;

/// What the signature is checked against.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Trust<'a> {
    /// The provider's certificate, configured by the caller (never one carried in the message).
    Certificate(&'a Certificate),
    /// Any of these certificates (a provider's file may hold several keys, old and new): the
    /// one the signer identifies by issuer and serial is tried first. [`Opened::signed_by`]
    /// says which verified.
    AnyOf(&'a [Certificate]),
    /// No signature check, for debugging only. The digest is still checked.
    InsecureSkipSignature,
}

/// An opened message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The content, exactly as signed.
    pub content: Vec<u8>,
    /// The digest algorithm.
    pub digest: Digest,
    /// The signingTime attribute as written (`101130112355Z`), if any.
    pub signing_time: Option<String>,
    /// The signer's issuer (DER) and serial number (content octets), when identified so.
    pub signer: Option<(Vec<u8>, Vec<u8>)>,
    /// How many certificates the message carries (they are not trusted).
    pub certificates: usize,
    /// Whether the signature was verified (false only with [`Trust::InsecureSkipSignature`]).
    pub verified: bool,
    /// Which configured certificate the signature verified under: its index in the trust set
    /// (0 for [`Trust::Certificate`]); its subject is [`Certificate::subject`]. An index, so
    /// that opening does not format a name nobody may read.
    pub signed_by: Option<usize>,
}

fn expect<'a>(
    item: Option<Result<Tlv<'a>, ber::BerError>>,
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, Error> {
    match item {
        Some(Ok(t)) if t.tag == tag => Ok(t),
        Some(Ok(_)) | None => Err(Error::Structure(what)),
        Some(Err(e)) => Err(Error::Ber(e)),
    }
}

/// Opens a SignedData: PEM (`PKCS7` or `CMS` label), DER or BER.
///
/// Checks, in order: the structure (one signer, attached content), the contentType and
/// messageDigest attributes against the content, and (unless told not to) the RSA signature
/// over the signed attributes as received, under the configured certificate's key.
pub fn open(input: &[u8], trust: Trust<'_>) -> Result<Opened, Error> {
    if input.len() > MAX_INPUT {
        return Err(Error::TooLarge(input.len()));
    }
    let decoded;
    let der: &[u8] = if pem::is_pem(input) {
        decoded = pem::decode(input, &["PKCS7", "CMS", "PKCS #7 SIGNED DATA"])
            .map_err(Error::Pem)?
            .1;
        &decoded
    } else {
        input
    };
    let (content_info, rest) = ber::read(der, 0)?;
    if !rest.iter().all(|&b| b == 0) {
        return Err(Error::Structure("bytes after the message"));
    }
    if content_info.tag != tag::SEQUENCE {
        return Err(Error::Structure("ContentInfo"));
    }
    let mut ci = content_info.children();
    let content_type = expect(ci.next(), tag::OID, "ContentInfo.contentType")?;
    if content_type.content != oid::SIGNED_DATA.as_bytes() {
        return Err(Error::Unsupported("content other than signedData".into()));
    }
    let explicit = expect(ci.next(), tag::CONTEXT_0, "ContentInfo.content")?;
    let signed_data = expect(explicit.children().next(), tag::SEQUENCE, "SignedData")?;

    let mut sd = signed_data.children();
    expect(sd.next(), tag::INTEGER, "SignedData.version")?;
    expect(sd.next(), tag::SET, "SignedData.digestAlgorithms")?;
    let encap = expect(sd.next(), tag::SEQUENCE, "SignedData.encapContentInfo")?;
    let mut certificates = 0usize;
    let mut next = sd.next();
    if let Some(Ok(t)) = next {
        if t.tag == tag::CONTEXT_0 {
            certificates = t.children().count();
            next = sd.next();
        }
    }
    if let Some(Ok(t)) = next {
        if t.tag == tag::CONTEXT_1 {
            next = sd.next();
        }
    }
    let signer_infos = expect(next, tag::SET, "SignedData.signerInfos")?;

    // The content.
    let mut ec = encap.children();
    let econtent_type = expect(ec.next(), tag::OID, "encapContentInfo.eContentType")?;
    let econtent = match ec.next() {
        Some(Ok(t)) if t.tag == tag::CONTEXT_0 => t,
        Some(Err(e)) => return Err(Error::Ber(e)),
        _ => return Err(Error::Unsupported("detached content".into())),
    };
    let octets = match econtent.children().next() {
        Some(Ok(t)) => t.octets().map_err(|_| Error::Structure("eContent"))?,
        Some(Err(e)) => return Err(Error::Ber(e)),
        None => return Err(Error::Structure("eContent")),
    };
    let content = octets.into_owned();

    // The one signer.
    let mut signers = signer_infos.children();
    let signer_info = expect(signers.next(), tag::SEQUENCE, "SignerInfo")?;
    if signers.next().is_some() {
        return Err(Error::Unsupported("more than one signer".into()));
    }
    let mut si = signer_info.children();
    expect(si.next(), tag::INTEGER, "SignerInfo.version")?;
    let sid = match si.next() {
        Some(Ok(t)) if t.tag == tag::SEQUENCE => {
            let mut parts = t.children();
            let issuer = expect(parts.next(), tag::SEQUENCE, "SignerInfo.sid.issuer")?;
            let serial = expect(parts.next(), tag::INTEGER, "SignerInfo.sid.serialNumber")?;
            Some((issuer.raw.to_vec(), serial.content.to_vec()))
        }
        Some(Ok(t)) if t.tag == tag::CONTEXT_0_PRIMITIVE => None,
        Some(Err(e)) => return Err(Error::Ber(e)),
        _ => return Err(Error::Structure("SignerInfo.sid")),
    };
    let digest_alg = expect(si.next(), tag::SEQUENCE, "SignerInfo.digestAlgorithm")?;
    let digest_oid = expect(digest_alg.children().next(), tag::OID, "digestAlgorithm")?;
    let digest = Digest::from_oid(digest_oid.content)
        .ok_or_else(|| Error::Unsupported("digest algorithm".into()))?;

    let mut item = si.next();
    let signed_attrs = match item {
        Some(Ok(t)) if t.tag == tag::CONTEXT_0 => {
            item = si.next();
            Some(t)
        }
        _ => None,
    };
    let signature_alg = expect(item, tag::SEQUENCE, "SignerInfo.signatureAlgorithm")?;
    let signature_oid = expect(
        signature_alg.children().next(),
        tag::OID,
        "signatureAlgorithm",
    )?;
    check_signature_algorithm(signature_oid.content, digest)?;
    let signature = expect(si.next(), tag::OCTET_STRING, "SignerInfo.signature")?;

    // What was signed: the attributes (as received, SET tag substituted) or the content.
    let mut signing_time = None;
    let signed_bytes: Vec<u8> = match signed_attrs {
        Some(attrs) => {
            if attrs.indefinite {
                return Err(Error::Structure("signed attributes must be DER"));
            }
            let mut content_type_seen = false;
            let mut digest_seen = false;
            for attr in attrs.children() {
                let attr = attr?;
                let mut parts = attr.children();
                let attr_oid = expect(parts.next(), tag::OID, "Attribute.type")?;
                let values = expect(parts.next(), tag::SET, "Attribute.values")?;
                let value = values.children().next().transpose()?;
                let oid_bytes = attr_oid.content;
                if oid_bytes == oid::CONTENT_TYPE.as_bytes() {
                    let v = value.ok_or(Error::Structure("contentType value"))?;
                    if v.tag != tag::OID || v.content != econtent_type.content {
                        return Err(Error::ContentTypeMismatch);
                    }
                    content_type_seen = true;
                } else if oid_bytes == oid::MESSAGE_DIGEST.as_bytes() {
                    let v = value.ok_or(Error::Structure("messageDigest value"))?;
                    if v.tag != tag::OCTET_STRING || v.content != digest.hash(&content).as_slice() {
                        return Err(Error::DigestMismatch);
                    }
                    digest_seen = true;
                } else if oid_bytes == oid::SIGNING_TIME.as_bytes() {
                    if let Some(v) = value {
                        if matches!(v.tag, tag::UTC_TIME | tag::GENERALIZED_TIME) {
                            signing_time = Some(String::from_utf8_lossy(v.content).into_owned());
                        }
                    }
                }
            }
            // RFC 5652 5.3: with signed attributes, both are required.
            if !content_type_seen || !digest_seen {
                return Err(Error::Structure("contentType and messageDigest attributes"));
            }
            let mut bytes = attrs.raw.to_vec();
            if let Some(first) = bytes.first_mut() {
                *first = tag::SET;
            }
            bytes
        }
        None => content.clone(),
    };

    let verify = |cert: &Certificate| -> Result<(), Error> {
        let key = UnparsedPublicKey::new(verification_params(digest), cert.rsa_public_key()?);
        key.verify(&signed_bytes, signature.content)
            .map_err(|_| Error::BadSignature)
    };
    let signed_by = match trust {
        Trust::InsecureSkipSignature => None,
        Trust::Certificate(cert) => {
            verify(cert)?;
            Some(0)
        }
        Trust::AnyOf(set) => {
            // The certificate the signer names first; then the others, in file order.
            let named = |(_, c): &(usize, &Certificate)| {
                sid.as_ref().is_some_and(|(issuer, serial)| {
                    c.issuer_der().is_ok_and(|i| i == *issuer) && c.serial() == serial.as_slice()
                })
            };
            let mut error = Error::BadSignature;
            let mut found = None;
            let indexed = || set.iter().enumerate();
            for (i, cert) in indexed()
                .filter(|c| named(c))
                .chain(indexed().filter(|c| !named(c)))
            {
                match verify(cert) {
                    Ok(()) => {
                        found = Some(i);
                        break;
                    }
                    // An unsupported key (not RSA) says more than "does not verify".
                    Err(e @ Error::Unsupported(_)) if set.len() == 1 => error = e,
                    Err(_) => {}
                }
            }
            Some(found.ok_or(error)?)
        }
    };
    Ok(Opened {
        content,
        digest,
        signing_time,
        signer: sid,
        certificates,
        verified: signed_by.is_some(),
        signed_by,
    })
}

/// OpenSSL writes `rsaEncryption`, other signers `shaXWithRSAEncryption`: both are accepted,
/// the latter only when it names the same digest.
fn check_signature_algorithm(oid_bytes: &[u8], digest: Digest) -> Result<(), Error> {
    let with = [
        (oid::SHA1_WITH_RSA, Digest::Sha1),
        (oid::SHA256_WITH_RSA, Digest::Sha256),
        (oid::SHA384_WITH_RSA, Digest::Sha384),
        (oid::SHA512_WITH_RSA, Digest::Sha512),
    ];
    if oid_bytes == oid::RSA_ENCRYPTION.as_bytes()
        || with
            .iter()
            .any(|(o, d)| o.as_bytes() == oid_bytes && *d == digest)
    {
        Ok(())
    } else {
        Err(Error::Unsupported(
            "signature algorithm (only RSA PKCS#1 v1.5 with the signer's digest)".into(),
        ))
    }
}

/// RSA keys from 1024 bits are accepted: the MWS returnPayment page's example was signed with one.
fn verification_params(digest: Digest) -> &'static RsaParameters {
    match digest {
        Digest::Sha1 => &RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        Digest::Sha256 => &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Digest::Sha384 => &RSA_PKCS1_2048_8192_SHA384,
        Digest::Sha512 => &RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
    }
}
