//! YooKassa: sign and open of a receipt-bearing returnPaymentRequest.
//!
//! - `refundkit`: `sign_request` (validation, XML, SignedData, RSA) and `refundkit_pkcs7::open`
//!   (BER walk, digest check, RSA verification) of the same message.
//! - `floor`: the bare RSA-2048 PKCS#1 v1.5 SHA-256 signature / verification of the same signed
//!   attributes with aws-lc-rs: what no implementation can avoid.
//! - `openssl`: OpenSSL's CMS (`CMS_sign` with NOCERTS|BINARY, `CMS_verify`) through the
//!   `openssl` crate, on the same XML, key and certificate.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use refundkit_pkcs7::{Certificate, PrivateKey, SignOptions, Signer, Trust};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/yookassa/");

fn read(file: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{file}")).unwrap()
}

fn yookassa(c: &mut Criterion) {
    let request =
        refundkit_yookassa::decode_request(&read("requests/escaping-valid-receipt.xml")).unwrap();
    let validated = refundkit_yookassa::validate(request.clone()).unwrap();
    let xml = refundkit_yookassa::encode_request(&request).unwrap();
    let signer = Signer::new(
        PrivateKey::from_pem_or_der(&read("keys/shop.key")).unwrap(),
        Certificate::from_pem_or_der(&read("keys/shop.crt")).unwrap(),
    )
    .unwrap();
    let cert = Certificate::from_pem_or_der(&read("keys/shop.crt")).unwrap();
    let options = SignOptions::at(UNIX_EPOCH + Duration::from_secs(1_763_800_000));
    let pem = refundkit_yookassa::sign_request(&validated, &signer, &options)
        .unwrap()
        .into_string();

    // The floor signs what refundkit signs: the DER of the signed attributes (~100 bytes).
    let key_der = refundkit_pkcs7::pem::decode(&read("keys/shop.key"), &["PRIVATE KEY"])
        .unwrap()
        .1;
    let pair = RsaKeyPair::from_pkcs8(&key_der).unwrap();
    let attrs = [0x31u8; 109];
    let mut sig = vec![0u8; pair.public_modulus_len()];
    pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &attrs, &mut sig)
        .unwrap();
    let public = pair.public_key().as_ref().to_vec();

    let o_key = openssl::pkey::PKey::private_key_from_pem(&read("keys/shop.key")).unwrap();
    let o_cert = openssl::x509::X509::from_pem(&read("keys/shop.crt")).unwrap();
    let flags = openssl::cms::CMSOptions::BINARY | openssl::cms::CMSOptions::CMS_NOCERTS;
    let o_pem =
        openssl::cms::CmsContentInfo::sign(Some(&o_cert), Some(&o_key), None, Some(&xml), flags)
            .unwrap()
            .to_pem()
            .unwrap();
    let mut certs = openssl::stack::Stack::new().unwrap();
    certs.push(o_cert.clone()).unwrap();
    let store = openssl::x509::store::X509StoreBuilder::new()
        .unwrap()
        .build();

    let mut g = refundkit_benches::group(c, "yookassa/sign");
    g.bench("refundkit", || {
        assert!(!refundkit_yookassa::check(black_box(&request)).has_errors());
        refundkit_yookassa::sign_request(black_box(&validated), &signer, &options).unwrap()
    });
    g.bench("floor", || {
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            black_box(&attrs),
            &mut sig,
        )
        .unwrap();
        sig
    });
    g.bench("openssl", || {
        openssl::cms::CmsContentInfo::sign(
            Some(&o_cert),
            Some(&o_key),
            None,
            Some(black_box(&xml)),
            flags,
        )
        .unwrap()
        .to_pem()
        .unwrap()
    });
    g.finish();

    let der = refundkit_pkcs7::pem::decode(pem.as_bytes(), &["PKCS7"])
        .unwrap()
        .1;
    let mut g = refundkit_benches::group(c, "yookassa/open");
    g.bench("refundkit", || {
        refundkit_pkcs7::open(black_box(pem.as_bytes()), Trust::Certificate(&cert)).unwrap()
    });
    g.bench("refundkit-der", || {
        refundkit_pkcs7::open(black_box(&der), Trust::Certificate(&cert)).unwrap()
    });
    g.bench("floor", || {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public)
            .verify(black_box(&attrs), &sig)
            .unwrap()
    });
    g.bench("openssl", || {
        let mut cms = openssl::cms::CmsContentInfo::from_pem(black_box(&o_pem)).unwrap();
        let mut out = Vec::new();
        cms.verify(
            Some(&certs),
            Some(&store),
            None,
            Some(&mut out),
            openssl::cms::CMSOptions::NO_SIGNER_CERT_VERIFY | openssl::cms::CMSOptions::BINARY,
        )
        .unwrap();
        out
    });
    g.finish();

    // Where open's time goes beyond the floor.
    let mut g = refundkit_benches::group(c, "yookassa/open-parts");
    g.bench("pem-decode", || {
        refundkit_pkcs7::pem::decode(black_box(pem.as_bytes()), &["PKCS7"]).unwrap()
    });
    // The bare decoder on the PEM's base64 alone (no armour, no line ends): what the armour
    // costs beyond it.
    let b64: Vec<u8> = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.bytes())
        .collect();
    g.bench("base64-decode", || {
        base64::engine::general_purpose::STANDARD
            .decode(black_box(&b64))
            .unwrap()
    });
    g.bench("base64-simd-decode", || {
        base64_simd::STANDARD
            .decode_to_vec(black_box(&b64))
            .unwrap()
    });
    g.bench("open-der-unverified", || {
        refundkit_pkcs7::open(black_box(&der), Trust::InsecureSkipSignature).unwrap()
    });
    g.bench("sha256-content", || {
        refundkit_pkcs7::Digest::Sha256.hash(black_box(&xml))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = yookassa
}
criterion_main!(benches);
