//! Every GetState answer is matched to the refund it answers, driven through the refund's
//! state machine: a table of each identifying field changed in turn (never done), a control
//! with every field right (done), and the properties: a state about another request or amount
//! is never done or refused, a server failure is never refused, and Create is never sent again.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::lifecycle::{Action, Answer, Machine, Status};
use refundkit_robokassa::http::{CreateBody, Endpoint};
use refundkit_robokassa::lifecycle::Refund;
use refundkit_robokassa::{Alg, Password3, RefundRequest, validate};
use refundkit_testkit::json_object;

const REQUEST_ID: &str = "ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b";

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000 + s)
}

fn key() -> Password3 {
    Password3::new("test-password3".into()).unwrap()
}

fn refund() -> Machine<Refund> {
    let request = validate(RefundRequest::partial(
        "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
        "509.76".parse().unwrap(),
    ))
    .unwrap();
    let refund = Refund::new(
        &Endpoint::production(),
        &request,
        Alg::Hs256,
        CreateBody::JsonString,
    )
    .unwrap();
    Machine::new(refund, t(0))
}

fn step(m: &mut Machine<Refund>, at: SystemTime, answer: Answer<'_>) -> &'static str {
    let key = key();
    let Action::Send(send) = m.poll(at, &Some(&key)).unwrap() else {
        panic!("nothing due: {}", m.reason())
    };
    m.sent(&send, at).unwrap();
    m.on_answer(send.seq, answer, &Some(&key), at).unwrap();
    send.method
}

fn ok(body: &str) -> Answer<'_> {
    Answer::Received {
        http_status: 200,
        body: body.as_bytes(),
        headers: None,
    }
}

/// Create accepted as `REQUEST_ID`, then GetState answered with `body`.
fn state(body: &str) -> Machine<Refund> {
    let mut m = refund();
    let accepted = format!(r#"{{"success":true,"message":null,"requestId":"{REQUEST_ID}"}}"#);
    assert_eq!(step(&mut m, t(0), ok(&accepted)), "Refund/Create");
    assert_eq!(m.refund().request_id(), Some(REQUEST_ID));
    assert_eq!(step(&mut m, t(30), ok(body)), "Refund/GetState");
    m
}

#[test]
fn each_identifying_field_of_get_state_changed_in_turn_is_never_done() {
    let cases: &[(&str, String, bool)] = &[
        (
            "control",
            format!(r#"{{"requestId":"{REQUEST_ID}","amount":509.760000,"label":"finished"}}"#),
            true,
        ),
        (
            "control without the amount Robokassa may leave out",
            format!(r#"{{"requestId":"{REQUEST_ID}","label":"finished"}}"#),
            true,
        ),
        (
            "another requestId",
            r#"{"requestId":"00000000-0000-0000-0000-000000000000","amount":509.76,"label":"finished"}"#.to_owned(),
            false,
        ),
        (
            "another amount",
            format!(r#"{{"requestId":"{REQUEST_ID}","amount":1.000000,"label":"finished"}}"#),
            false,
        ),
    ];
    for (name, body, done) in cases {
        let m = state(body);
        assert_eq!(m.status() == Status::Done, *done, "{name}: {}", m.reason());
    }
}

#[test]
fn a_refusal_of_create_at_a_server_failure_is_for_a_person_not_a_refusal() {
    let mut m = refund();
    step(
        &mut m,
        t(0),
        Answer::Received {
            http_status: 503,
            body: br#"{"success":false,"message":"NotEnoughOperationFunds"}"#,
            headers: None,
        },
    );
    assert_eq!(m.status(), Status::Review);
}

proptest! {
    #[test]
    fn a_state_about_another_request_or_amount_is_never_done_or_refused(
        id in "[a-f0-9-]{1,36}".prop_filter("another request", |i| i != REQUEST_ID),
        label in prop_oneof![Just("finished"), Just("canceled"), Just("processing")],
    ) {
        let m = state(&format!(r#"{{"requestId":"{id}","amount":509.76,"label":"{label}"}}"#));
        prop_assert_eq!(m.status(), Status::Review);
        let m = state(&format!(r#"{{"requestId":"{REQUEST_ID}","amount":509.75,"label":"{label}"}}"#));
        prop_assert_eq!(m.status(), Status::Review);
    }

    #[test]
    fn a_server_failure_is_never_refused(
        http_status in prop_oneof![Just(429u16), 500u16..600],
        body in json_object(&["success", "message", "requestId", "Error", "ErrorCode"]),
    ) {
        let mut m = refund();
        step(&mut m, t(0), Answer::Received { http_status, body: body.as_bytes(), headers: None, });
        prop_assert!(!matches!(m.status(), Status::Refused | Status::Done), "{}", m.reason());
    }

    #[test]
    fn create_is_never_sent_again_whatever_its_answer(
        http_status in refundkit_testkit::http_status(),
        body in json_object(&["success", "message", "requestId", "Error", "ErrorCode"]),
        lost in any::<bool>(),
    ) {
        let mut m = refund();
        let answer = if lost { Answer::Lost } else { Answer::Received { http_status, body: body.as_bytes(), headers: None, } };
        step(&mut m, t(0), answer);
        let key = key();
        if let Action::Send(send) = m.poll(t(100_000), &Some(&key)).unwrap() {
            m.sent(&send, t(100_000)).unwrap();
            prop_assert!(!send.moves_money, "Refund/Create sent again");
        }
    }
}
