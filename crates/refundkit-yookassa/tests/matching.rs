//! Every MWS answer is matched to the refund it answers, driven through the refund's state
//! machine: its clientOrderId changed or left out is never done, the control is; a signed
//! answer is read only with the provider's certificate; a server failure is never refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::lifecycle::{Action, Answer, Machine, Status};
use refundkit_pkcs7::{Certificate, PrivateKey, SignOptions, Signer};
use refundkit_yookassa::http::Endpoint;
use refundkit_yookassa::lifecycle::{Keys, Refund};
use refundkit_yookassa::{decode_request, validate};

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000 + s)
}

fn testdata(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../testdata/yookassa/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn signer(name: &str) -> Signer {
    Signer::new(
        PrivateKey::from_pem_or_der(&testdata(&format!("keys/{name}.key"))).unwrap(),
        Certificate::from_pem_or_der(&testdata(&format!("keys/{name}.crt"))).unwrap(),
    )
    .unwrap()
}

/// The seed's request (clientOrderId 12345).
fn refund() -> Machine<Refund> {
    let request = validate(decode_request(&testdata("requests/seed-1.xml")).unwrap()).unwrap();
    Machine::new(
        Refund::new(&Endpoint::demo(), &request, &SignOptions::at(t(0))).unwrap(),
        t(0),
    )
}

fn answered(http_status: u16, body: &[u8], provider: Option<&[Certificate]>) -> Machine<Refund> {
    let mut m = refund();
    let shop = signer("shop");
    let keys = Keys {
        signer: Some(&shop),
        provider,
    };
    let Action::Send(sent_out) = m.poll(t(0), &keys).unwrap() else {
        panic!()
    };
    m.sent(&sent_out, t(0)).unwrap();
    m.on_answer(
        sent_out.seq,
        Answer::Received {
            http_status,
            body,
            headers: None,
        },
        &keys,
        t(0),
    )
    .unwrap();
    m
}

fn response(id: Option<&str>, status: u8, error: u32) -> String {
    let id = id
        .map(|i| format!(r#" clientOrderId="{i}""#))
        .unwrap_or_default();
    format!(
        r#"<returnPaymentResponse{id} status="{status}" error="{error}" processedDT="2026-11-22T16:00:01.000Z"/>"#
    )
}

#[test]
fn the_client_order_id_changed_or_left_out_is_never_done() {
    for (name, body, done) in [
        ("control", response(Some("12345"), 0, 0), true),
        (
            "another clientOrderId",
            response(Some("12346"), 0, 0),
            false,
        ),
        ("no clientOrderId", response(None, 0, 0), false),
    ] {
        let m = answered(200, body.as_bytes(), None);
        assert_eq!(m.status() == Status::Done, done, "{name}: {}", m.reason());
    }
}

#[test]
fn a_refusal_about_another_client_order_id_is_not_this_refunds_refusal() {
    let m = answered(200, response(Some("12346"), 3, 413).as_bytes(), None);
    assert_eq!(m.status(), Status::Review);
}

#[test]
fn a_signed_answer_is_read_with_the_providers_certificate_and_only_with_it() {
    let provider = signer("provider");
    let signed = provider
        .sign_pem(
            response(Some("12345"), 0, 0).as_bytes(),
            &SignOptions::at(t(1)),
        )
        .unwrap();
    let trusted = [Certificate::from_pem_or_der(&testdata("keys/provider.crt")).unwrap()];
    assert_eq!(
        answered(200, signed.as_bytes(), Some(&trusted)).status(),
        Status::Done
    );
    // Without the provider's certificate, a person must give it: nothing is assumed.
    assert_eq!(
        answered(200, signed.as_bytes(), None).status(),
        Status::Review
    );
    // The shop's own certificate verifies nothing YooKassa signed: the identical repeat.
    let shop = [Certificate::from_pem_or_der(&testdata("keys/shop.crt")).unwrap()];
    assert_eq!(
        answered(200, signed.as_bytes(), Some(&shop)).status(),
        Status::Waiting
    );
}

#[test]
fn every_repeat_is_the_identical_request_byte_for_byte() {
    let mut m = answered(200, response(Some("12345"), 1, 0).as_bytes(), None);
    let shop = signer("shop");
    let keys = Keys {
        signer: Some(&shop),
        provider: None,
    };
    let mut bodies = Vec::new();
    let mut at = t(0);
    for _ in 0..3 {
        at = m.not_before().unwrap();
        let Action::Send(send) = m.poll(at, &keys).unwrap() else {
            panic!()
        };
        m.sent(&send, at).unwrap();
        bodies.push(send.request.body().clone());
        m.on_answer(send.seq, Answer::Lost, &keys, at).unwrap();
    }
    assert!(at > t(0));
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}

proptest! {
    #[test]
    fn a_server_failure_is_never_refused(
        http_status in prop_oneof![Just(429u16), 500u16..600],
        error in prop_oneof![Just(405u32), Just(413), Just(1000)],
    ) {
        let m = answered(http_status, response(Some("12345"), 3, error).as_bytes(), None);
        prop_assert_eq!(m.status(), Status::Waiting);
    }

    #[test]
    fn an_answer_about_another_client_order_id_is_never_done_or_refused(
        id in "[0-9]{1,18}".prop_filter("another", |i| i != "12345"),
        status in prop_oneof![Just(0u8), Just(1), Just(3)],
    ) {
        let m = answered(200, response(Some(&id), status, if status == 3 { 413 } else { 0 }).as_bytes(), None);
        prop_assert_eq!(m.status(), Status::Review);
    }
}
