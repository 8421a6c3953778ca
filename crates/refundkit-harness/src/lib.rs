//! The body of every fuzz target, one function each.
//!
//! `fuzz/fuzz_targets/*.rs` are one-line wrappers around these, so that what libFuzzer runs
//! and what the stable test suite replays from `fuzz/corpus/` is the same code. A target
//! panics only when a decoder panics or when a round-trip invariant breaks: both are bugs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// A harness states invariants by panicking; that is its job.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use refundkit_robokassa::{
    Accept, Alg, Password3, decode_payload, decode_unverified, encode_payload, sign, verify,
};

pub mod structured;

/// A target: its name (the directory under `fuzz/corpus/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target.
pub const TARGETS: &[Target] = &[
    ("robokassa_token", robokassa_token),
    ("robokassa_response", robokassa_response),
    ("pkcs7_open", pkcs7_open),
    ("yookassa_request", yookassa_request),
    ("yookassa_response", yookassa_response),
    ("yandex_pay_request", yandex_pay_request),
    ("yandex_pay_response", yandex_pay_response),
    ("rbs_response", rbs_response),
    ("rbs_form", rbs_form),
    ("inspect", inspect),
    ("robokassa_round_trip", structured::robokassa_round_trip),
    ("yookassa_round_trip", structured::yookassa_round_trip),
    ("yandex_pay_round_trip", structured::yandex_pay_round_trip),
    ("rbs_round_trip", structured::rbs_round_trip),
];

fn sample_key() -> Password3 {
    Password3::new("sample-password3-NOT-A-REAL-KEY".into()).expect("non-empty")
}

/// Robokassa tokens: verification under every policy, unverified decoding, and the payload
/// decoder on the raw bytes. Whatever decodes must re-encode and re-sign to an equal value.
pub fn robokassa_token(data: &[u8]) {
    let key = sample_key();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verify(text, &key, Accept::AnyHmac);
        let _ = verify(text, &key, Accept::Only(Alg::Hs512));
        if let Ok(unverified) = decode_unverified(text) {
            if let Ok(request) = unverified.request {
                round_trip(&key, &request);
            }
        }
    }
    if let Ok(request) = decode_payload(data) {
        round_trip(&key, &request);
    }
}

fn round_trip(key: &Password3, request: &refundkit_robokassa::RefundRequest) {
    if let Ok(encoded) = encode_payload(request) {
        let again = decode_payload(&encoded).expect("our own payload decodes");
        assert_eq!(&again, request, "payload round trip");
        assert_eq!(
            encode_payload(&again).expect("encodes"),
            encoded,
            "stable encoding"
        );
    }
    if let Ok(token) = sign(request, key, Alg::Hs256) {
        let verified =
            verify(token.as_str(), key, Accept::Only(Alg::Hs256)).expect("our own token verifies");
        assert_eq!(&verified.request, request, "sign/verify round trip");
    }
}

/// Robokassa Create and GetState responses, under the statuses they come with.
pub fn robokassa_response(data: &[u8]) {
    for status in [200, 401, 500] {
        let _ = refundkit_robokassa::parse_create_response(status, data);
        let _ = refundkit_robokassa::parse_state_response(status, data);
    }
}

/// PKCS#7 opening: PEM, DER or BER, unverified and against a certificate; plus a full walk of
/// the BER tree, so the reader is exercised beyond what `open` looks at.
pub fn pkcs7_open(data: &[u8]) {
    use refundkit_pkcs7::{Certificate, Trust, ber, open};
    static PROVIDER: &[u8] = include_bytes!("../../../testdata/yookassa/keys/provider.crt");
    let cert = Certificate::from_pem_or_der(PROVIDER).expect("committed test certificate");
    let unverified = open(data, Trust::InsecureSkipSignature);
    let verified = open(data, Trust::Certificate(&cert));
    if let Ok(v) = &verified {
        // Whatever verifies also opens unverified, with the same content.
        assert_eq!(unverified.as_ref().map(|u| &u.content), Ok(&v.content));
    }
    fn walk(t: ber::Tlv<'_>) {
        let _ = t.octets();
        for child in t.children().flatten() {
            walk(child);
        }
    }
    if let Ok((root, _)) = ber::read(data, 0) {
        walk(root);
    }
}

/// YooKassa `returnPaymentRequest` XML: whatever reads must write, and read back equal;
/// validation never panics on it.
pub fn yookassa_request(data: &[u8]) {
    if let Ok(request) = refundkit_yookassa::read_request(data) {
        let _ = refundkit_yookassa::validate(&request);
        if let Ok(xml) = refundkit_yookassa::write_request(&request) {
            let again = refundkit_yookassa::read_request(&xml).expect("our own XML reads");
            assert_eq!(again, request, "XML round trip");
        }
    }
}

/// YooKassa MWS responses, plain XML or inside PKCS#7.
pub fn yookassa_response(data: &[u8]) {
    let _ = refundkit_yookassa::read_response(data);
    let _ = refundkit_yookassa::open_response(data, refundkit_pkcs7::Trust::InsecureSkipSignature);
}

/// Yandex Pay refund bodies: whatever decodes re-encodes and decodes back equal, and the
/// validator never panics on it.
pub fn yandex_pay_request(data: &[u8]) {
    use refundkit_yandex_pay::invariants::{Context, validate};
    if let Ok(body) = refundkit_yandex_pay::decode_request(data) {
        let _ = validate(&body, &Context::default());
        let _ = validate(
            &body,
            &Context {
                payment_amount: Some(body.order_amount),
                current_cart: Some(&body.cart),
                ..Context::default()
            },
        );
        if let Ok(json) = refundkit_yandex_pay::encode_request(&body) {
            let again = refundkit_yandex_pay::decode_request(&json).expect("our own JSON decodes");
            assert_eq!(again, body, "JSON round trip");
        }
    }
}

/// Yandex Pay responses under the statuses they come with.
pub fn yandex_pay_response(data: &[u8]) {
    for status in [200, 400, 401, 404, 409, 500] {
        let _ = refundkit_yandex_pay::parse_response(status, data);
    }
}

/// RBS responses.
pub fn rbs_response(data: &[u8]) {
    let _ = refundkit_rbs::parse_response(data);
}

/// RBS form bodies: whatever decodes as a request encodes and decodes back equal.
pub fn rbs_form(data: &[u8]) {
    let _ = refundkit_rbs::decode_form(data);
    if let Ok(request) = refundkit_rbs::decode_request(data) {
        let _ = refundkit_rbs::validate(&request);
        let body = refundkit_rbs::encode_request(&request);
        let again = refundkit_rbs::decode_request(body.as_bytes()).expect("our own form decodes");
        assert_eq!(again, request, "form round trip");
    }
}

/// `refundkit inspect` on anything.
pub fn inspect(data: &[u8]) {
    let _ = refundkit::inspect::inspect(data).to_string();
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
