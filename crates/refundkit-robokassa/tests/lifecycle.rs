//! The next step after `Refund/Create` and `GetState`, one test per rule, and the properties:
//! Create is never resent, and only a stated answer is done or refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_core::lifecycle::{Action, Answer, Machine, Next, Step};
use refundkit_robokassa::http::{CreateBody, Endpoint};
use refundkit_robokassa::lifecycle::{Refund, timing};
use refundkit_robokassa::{
    Alg, Password3, RefundRequest, parse_response, parse_state_response, validate,
};
use refundkit_testkit::{http_status, json_object};

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

fn received(status: u16, body: &str) -> Answer<'_> {
    Answer::Received {
        http_status: status,
        body: body.as_bytes(),
        headers: None,
    }
}

fn key() -> Password3 {
    Password3::new("test-password3".into()).unwrap()
}

/// The refund's machine, Create acknowledged as leaving at `at`, and its sequence number.
fn created(at: SystemTime) -> (Machine<Refund>, u64) {
    let request = RefundRequest::partial(
        "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
        "1244.50".parse().unwrap(),
    );
    let refund = Refund::new(
        &Endpoint::production(),
        &validate(request).unwrap(),
        Alg::Hs256,
        CreateBody::JsonString,
    )
    .unwrap();
    let key = key();
    let mut m = Machine::new(refund, at);
    let Action::Send(out) = m.poll(at, &Some(&key)).unwrap() else {
        panic!()
    };
    m.sent(&out, at).unwrap();
    (m, out.seq)
}

fn after_create(answer: Answer<'_>) -> Next {
    let key = key();
    let (mut m, seq) = created(now());
    m.on_answer(seq, answer, &Some(&key), now()).unwrap();
    m.next(&Some(&key)).unwrap()
}

/// Create accepted as request `request_id`, then GetState asked now and answered `answer`.
fn after_state_answer(request_id: &str, answer: Answer<'_>) -> Next {
    let key = key();
    let at = now() - timing().poll;
    let (mut m, seq) = created(at);
    let accepted = format!(r#"{{"success":true,"message":null,"requestId":"{request_id}"}}"#);
    m.on_answer(seq, received(200, &accepted), &Some(&key), at)
        .unwrap();
    let Action::Send(state) = m.poll(now(), &Some(&key)).unwrap() else {
        panic!("GetState is due")
    };
    m.sent(&state, now()).unwrap();
    m.on_answer(state.seq, answer, &Some(&key), now()).unwrap();
    m.next(&Some(&key)).unwrap()
}

fn after_state(body: &str) -> Next {
    after_state_answer("ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b", received(200, body))
}

#[test]
fn an_accepted_create_waits_then_asks_get_state_for_its_request_id() {
    match after_create(received(
        200,
        r#"{"success":true,"message":null,"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b"}"#,
    )) {
        Next::Wait {
            request: Some(s),
            not_before,
            ..
        } => {
            assert_eq!(
                s.uri(),
                "https://services.robokassa.ru/RefundService/Refund/GetState?id=ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b"
            );
            assert_eq!(not_before, now() + timing().poll);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_create_is_checked_by_hand_and_never_resent() {
    match after_create(Answer::Lost) {
        Next::Review(refundkit_core::lifecycle::Review { how, .. }) => {
            assert!(how.contains("never resend"), "{how}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_accepted_create_without_a_request_id_is_checked_by_hand() {
    assert_eq!(
        after_create(received(200, r#"{"success":true}"#)).step(),
        Step::Review
    );
}

#[test]
fn an_accepted_create_whose_request_id_is_not_a_guid_is_checked_by_hand_and_get_state_never_asked()
{
    // The refund API's page types requestId as a GUID; Robokassa's own OpenCart module records
    // such a success as unknown and never polls it.
    for id in [
        "42",
        "ea5e5d38-1b2c",
        "ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6x",
    ] {
        let next = after_create(received(
            200,
            &format!(r#"{{"success":true,"message":null,"requestId":"{id}"}}"#),
        ));
        assert_eq!(next.step(), Step::Review, "{id}");
        assert!(next.request().is_none(), "{id}");
    }
}

#[test]
fn a_stated_refusal_is_refused_and_already_refunded_cannot_be_corrected() {
    match after_create(received(
        200,
        r#"{"success":false,"message":"NotEnoughOperationFunds"}"#,
    )) {
        Next::Refused(refundkit_core::lifecycle::Refused {
            code, may_correct, ..
        }) => {
            assert_eq!(code.as_deref(), Some("NotEnoughOperationFunds"));
            assert!(may_correct);
        }
        other => panic!("{other:?}"),
    }
    match after_create(received(
        200,
        r#"{"success":false,"message":"AlreadyRefunded"}"#,
    )) {
        Next::Refused(refundkit_core::lifecycle::Refused { may_correct, .. }) => {
            assert!(!may_correct)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn finished_is_done_with_the_amount() {
    match after_state(
        r#"{"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b","amount":1244.500000,"label":"finished"}"#,
    ) {
        Next::Done(refundkit_core::lifecycle::Done { refunded, .. }) => {
            assert_eq!(refunded.unwrap().to_fixed2().unwrap(), "1244.50")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn processing_asks_get_state_again() {
    match after_state(
        r#"{"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b","label":"processing"}"#,
    ) {
        Next::Wait {
            request: Some(s), ..
        } => assert!(
            s.uri()
                .to_string()
                .ends_with("?id=ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn canceled_is_refused_and_a_new_create_may_follow() {
    match after_state(r#"{"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b","label":"canceled"}"#)
    {
        Next::Refused(refundkit_core::lifecycle::Refused {
            code, may_correct, ..
        }) => {
            assert_eq!(code.as_deref(), Some("canceled"));
            assert!(may_correct);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_label_or_request_id_is_checked_by_hand() {
    for body in [
        r#"{"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b","label":"on_hold"}"#,
        r#"{"message":"Id is invalid or request id does not exist"}"#,
    ] {
        assert_eq!(after_state(body).step(), Step::Review, "{body}");
    }
}

#[test]
fn a_lost_get_state_answer_asks_again() {
    assert_eq!(
        after_state_answer("ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b", Answer::Lost).step(),
        Step::Wait
    );
}

proptest! {
    #[test]
    fn create_is_never_resent_and_only_a_stated_answer_is_done_or_refused(
        status in http_status(),
        body in json_object(&["success", "message", "requestId", "Success", "Error", "ErrorCode"]),
        lost in any::<bool>(),
    ) {
        let answer = if lost { Answer::Lost } else { received(status, &body) };
        let next = after_create(answer);
        prop_assert_ne!(next.step(), Step::Resend);
        prop_assert_ne!(next.step(), Step::Done);
        if next.step() == Step::Refused {
            prop_assert_eq!(parse_response(status, body.as_bytes()).verdict(), Verdict::Refused);
        }
    }

    #[test]
    fn get_state_is_done_only_when_it_states_finished(
        status in http_status(),
        body in json_object(&["requestId", "amount", "label", "message"]),
    ) {
        let next = after_state_answer("ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b", received(status, &body));
        prop_assert_ne!(next.step(), Step::Resend);
        if next.step() == Step::Done {
            let state = parse_state_response(status, body.as_bytes());
            prop_assert_eq!(state.success().map(|s| s.label.as_str().to_owned()), Some("finished".to_owned()));
        }
    }
}
