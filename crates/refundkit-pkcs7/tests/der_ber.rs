//! What the `der` crate (0.8, the version refundkit builds with) makes of the messages YooKassa
//! and OpenSSL send, measured here so that the reasons for refundkit's own BER reader
//! ([`refundkit_pkcs7::ber`]) stay true. `der` 0.8 does read BER, under `EncodingRules::Ber`
//! (`Cargo.toml` chose the cms 0.3 / der 0.8 set for that), but: (1) only at the layer it is
//! asked to: a nested `Any` decodes under DER rules again, so each layer must be re-encoded and
//! re-read; (2) it hands back a constructed OCTET STRING as its segments, tags included, not
//! the content that was signed; (3) what a verifier hashes would be a re-encoding, whose bytes
//! depend on the rules it decoded with; (4) it refuses long-form lengths BER allows.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::{Duration, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedAttributes, SignedData};
use der::{Decode, Encode, ErrorKind};
use refundkit_pkcs7::ber::{self, tag};
use refundkit_pkcs7::{Certificate, PrivateKey, SignOptions, Signer, Trust, open, pem};

fn seed_example() -> Vec<u8> {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/yookassa/seed-example.pem"
    ))
    .unwrap();
    pem::decode(&text, &["PKCS7", "CMS"]).unwrap().1
}

#[test]
fn der_rules_refuse_the_indefinite_lengths_of_the_returnpayment_example() {
    let e = ContentInfo::from_der(&seed_example()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndefiniteLength);
}

#[test]
fn ber_rules_read_one_layer_and_leave_the_content_in_segments() {
    let bytes = seed_example();
    let ci = ContentInfo::from_ber(&bytes).unwrap();
    // The inner SignedData is an `Any`, decoded under DER rules again: refused.
    let e = ci.content.decode_as::<SignedData>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IndefiniteLength);
    // Re-encoded and read under BER rules it decodes, but eContent is the constructed OCTET
    // STRING's inner segments (tags and lengths included), not the XML that was signed.
    let signed = SignedData::from_ber(&ci.content.to_der().unwrap()).unwrap();
    let econtent = signed.encap_content_info.econtent.unwrap();
    let ours = open(&bytes, Trust::InsecureSkipSignature).unwrap().content;
    assert_ne!(econtent.value(), ours.as_slice());
    assert_eq!(
        econtent.value()[0],
        tag::OCTET_STRING,
        "a segment's own tag"
    );
}

#[test]
fn a_re_encoded_set_of_is_the_bytes_received_only_under_ber_rules() {
    // OpenSSL signs its attributes in the order it writes them, not DER's SET OF order
    // (openssl/openssl#8090); the signature covers those bytes. Reversed, ours are such a set.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/yookassa/keys/");
    let read = |f: &str| std::fs::read(format!("{dir}{f}")).unwrap();
    let signer = Signer::new(
        PrivateKey::from_pem_or_der(&read("shop.key")).unwrap(),
        Certificate::from_pem_or_der(&read("shop.crt")).unwrap(),
    )
    .unwrap();
    let der = signer
        .sign_der(
            b"<x/>",
            &SignOptions::at(UNIX_EPOCH + Duration::from_secs(1_763_800_000)),
        )
        .unwrap();
    let attrs = find_signed_attributes(&der);
    let mut parts: Vec<Vec<u8>> = attrs.children().map(|a| a.unwrap().raw.to_vec()).collect();
    parts.reverse();
    let content = parts.concat();
    let mut received = vec![0x31, u8::try_from(content.len()).unwrap()];
    received.extend_from_slice(&content);
    // Measured: under DER rules `der` accepts the unsorted set and writes it back sorted, other
    // bytes than those signed; under BER rules it keeps the order. A verifier hashing a
    // re-encoding is right or wrong by the rules it happened to decode with; refundkit hashes
    // the bytes received.
    let under_der = SignedAttributes::from_der(&received)
        .unwrap()
        .to_der()
        .unwrap();
    let under_ber = SignedAttributes::from_ber(&received)
        .unwrap()
        .to_der()
        .unwrap();
    assert_ne!(under_der, received);
    assert_eq!(under_ber, received);
}

#[test]
fn der_refuses_a_long_form_length_that_ber_allows() {
    // X.690 8.1.3.5 lets BER write a short length in long form; DER does not.
    let set = [0x31, 0x81, 0x03, 0x02, 0x01, 0x00];
    assert_eq!(
        SignedAttributes::from_ber(&set).unwrap_err().kind(),
        ErrorKind::Length { tag: der::Tag::Set }
    );
    let (tlv, rest) = ber::read(&set, 0).unwrap();
    assert_eq!((tlv.content, rest), (&set[3..], &[][..]));
}

fn find_signed_attributes(der: &[u8]) -> ber::Tlv<'_> {
    let (ci, _) = ber::read(der, 0).unwrap();
    let signed_data = ci
        .children()
        .nth(1)
        .unwrap()
        .unwrap()
        .children()
        .next()
        .unwrap()
        .unwrap();
    let infos = signed_data.children().last().unwrap().unwrap();
    let info = infos.children().next().unwrap().unwrap();
    info.children().nth(3).unwrap().unwrap()
}
