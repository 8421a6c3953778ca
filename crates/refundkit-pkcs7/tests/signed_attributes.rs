//! Signed attributes are verified over the bytes received (SET tag substituted), never over a
//! re-sorted re-encoding: OpenSSL does not sort them when signing (openssl/openssl#8090).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use refundkit_pkcs7::ber::{self, Tlv, tag};
use refundkit_pkcs7::{Certificate, Error, PrivateKey, SignOptions, Signer, Trust, open, pem};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/yookassa/keys/");

fn read(file: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{file}")).unwrap()
}

fn child(t: &Tlv<'_>, index: usize) -> Tlv<'static> {
    // The test owns the buffer for its whole run; leak a copy to keep lifetimes simple.
    let raw: &'static [u8] = Box::leak(t.raw.to_vec().into_boxed_slice());
    let (outer, _) = ber::read(raw, 0).unwrap();
    outer.children().nth(index).unwrap().unwrap()
}

#[test]
fn unsorted_signed_attributes_verify_as_received() {
    let cert = Certificate::from_pem_or_der(&read("shop.crt")).unwrap();
    let signer = Signer::new(
        PrivateKey::from_pem_or_der(&read("shop.key")).unwrap(),
        cert.clone(),
    )
    .unwrap();
    let options = SignOptions::at(UNIX_EPOCH + Duration::from_secs(1_763_800_000));
    let mut der = signer.sign_der(b"<x/>", &options).unwrap();

    // ContentInfo / [0] / SignedData / signerInfos / SignerInfo
    let (ci, _) = ber::read(&der, 0).unwrap();
    let signed_data = child(&child(&ci, 1), 0);
    let signer_info = child(&signed_data.children().last().unwrap().unwrap(), 0);
    let attrs = child(&signer_info, 3);
    assert_eq!(attrs.tag, tag::CONTEXT_0);
    let signature = child(&signer_info, 5);
    assert_eq!(signature.tag, tag::OCTET_STRING);

    // Reverse the attributes: no longer in DER order, same length.
    let mut parts: Vec<Vec<u8>> = attrs.children().map(|a| a.unwrap().raw.to_vec()).collect();
    assert_eq!(parts.len(), 3);
    parts.reverse();
    let reordered: Vec<u8> = parts.concat();
    assert_ne!(reordered.as_slice(), attrs.content);

    let attrs_at = find(&der, attrs.raw);
    let content_at = attrs_at + (attrs.raw.len() - attrs.content.len());
    der[content_at..content_at + reordered.len()].copy_from_slice(&reordered);

    // Re-sign exactly those bytes, with the SET tag, as a non-sorting signer would.
    let mut to_sign = der[attrs_at..attrs_at + attrs.raw.len()].to_vec();
    to_sign[0] = tag::SET;
    let key_der = pem::decode(&read("shop.key"), &["PRIVATE KEY"]).unwrap().1;
    let pair = RsaKeyPair::from_pkcs8(&key_der).unwrap();
    let mut sig = vec![0u8; pair.public_modulus_len()];
    pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &to_sign, &mut sig)
        .unwrap();
    let sig_at = find(&der, signature.raw) + (signature.raw.len() - signature.content.len());
    der[sig_at..sig_at + sig.len()].copy_from_slice(&sig);

    let opened = open(&der, Trust::Certificate(&cert)).unwrap();
    assert_eq!(opened.content, b"<x/>");

    // And a verifier that re-sorted would have hashed other bytes: the old signature, made
    // over the sorted set, no longer verifies these attributes.
    let original = signer.sign_der(b"<x/>", &options).unwrap();
    let mut mixed = der.clone();
    mixed[sig_at..sig_at + sig.len()].copy_from_slice(&original[sig_at..sig_at + sig.len()]);
    assert_eq!(
        open(&mixed, Trust::Certificate(&cert)),
        Err(Error::BadSignature)
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}
