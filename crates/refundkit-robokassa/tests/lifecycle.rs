//! The next step after `Refund/Create` and `GetState`, one test per rule, and the properties:
//! Create is never resent, and only a stated answer is done or refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use http::Request;
use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_core::lifecycle::{Answer, Next, Record, Step};
use refundkit_robokassa::http::{CreateBody, Endpoint, create_request, state_request};
use refundkit_robokassa::lifecycle::{decide, timing};
use refundkit_robokassa::{
    Alg, Password3, RefundRequest, parse_response, parse_state_response, sign, validate,
};
use refundkit_testkit::{http_status, json_object};

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

fn create() -> Request<Vec<u8>> {
    let key = Password3::new("test-password3".into()).unwrap();
    let request = RefundRequest::partial(
        "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
        "1244.50".parse().unwrap(),
    );
    let token = sign(&validate(request).unwrap(), &key, Alg::Hs256).unwrap();
    create_request(&Endpoint::production(), &token, CreateBody::JsonString).unwrap()
}

fn received(status: u16, body: &str) -> Answer<'_> {
    Answer::Received {
        http_status: status,
        body: body.as_bytes(),
    }
}

fn after_create(answer: Answer<'_>) -> Next {
    let c = create();
    decide(&Record::sent_once(&c), &c, answer, now()).unwrap()
}

fn after_state(body: &str) -> Next {
    let c = create();
    let s = state_request(&Endpoint::production(), "ea5e5d38-1b2c").unwrap();
    decide(&Record::sent_once(&c), &s, received(200, body), now()).unwrap()
}

#[test]
fn an_accepted_create_waits_then_asks_get_state_for_its_request_id() {
    match after_create(received(
        200,
        r#"{"success":true,"message":null,"requestId":"ea5e5d38-1b2c"}"#,
    )) {
        Next::Wait {
            request: Some(s),
            not_before,
            ..
        } => {
            assert_eq!(
                s.uri(),
                "https://services.robokassa.ru/RefundService/Refund/GetState?id=ea5e5d38-1b2c"
            );
            assert_eq!(not_before, now() + timing().poll);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_create_is_checked_by_hand_and_never_resent() {
    match after_create(Answer::Lost) {
        Next::Reconcile {
            request: None, how, ..
        } => {
            assert!(how.contains("never resend"), "{how}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_accepted_create_without_a_request_id_is_checked_by_hand() {
    assert_eq!(
        after_create(received(200, r#"{"success":true}"#)).step(),
        Step::Reconcile
    );
}

#[test]
fn a_stated_refusal_is_refused_and_already_refunded_cannot_be_corrected() {
    match after_create(received(
        200,
        r#"{"success":false,"message":"NotEnoughOperationFunds"}"#,
    )) {
        Next::Refused {
            code, may_correct, ..
        } => {
            assert_eq!(code.as_deref(), Some("NotEnoughOperationFunds"));
            assert!(may_correct);
        }
        other => panic!("{other:?}"),
    }
    match after_create(received(
        200,
        r#"{"success":false,"message":"AlreadyRefunded"}"#,
    )) {
        Next::Refused { may_correct, .. } => assert!(!may_correct),
        other => panic!("{other:?}"),
    }
}

#[test]
fn finished_is_done_with_the_amount() {
    match after_state(r#"{"requestId":"ea5e5d38-1b2c","amount":1244.500000,"label":"finished"}"#) {
        Next::Done { refunded, .. } => {
            assert_eq!(refunded.unwrap().to_fixed2().unwrap(), "1244.50")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn processing_asks_get_state_again() {
    match after_state(r#"{"requestId":"ea5e5d38-1b2c","label":"processing"}"#) {
        Next::Wait {
            request: Some(s), ..
        } => assert!(s.uri().to_string().ends_with("?id=ea5e5d38-1b2c")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn canceled_is_refused_and_a_new_create_may_follow() {
    match after_state(r#"{"requestId":"ea5e5d38-1b2c","label":"canceled"}"#) {
        Next::Refused {
            code, may_correct, ..
        } => {
            assert_eq!(code.as_deref(), Some("canceled"));
            assert!(may_correct);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_label_or_request_id_is_checked_by_hand() {
    for body in [
        r#"{"requestId":"ea5e5d38-1b2c","label":"on_hold"}"#,
        r#"{"message":"Id is invalid or request id does not exist"}"#,
    ] {
        assert_eq!(after_state(body).step(), Step::Reconcile, "{body}");
    }
}

#[test]
fn a_lost_get_state_answer_asks_again() {
    let c = create();
    let s = state_request(&Endpoint::production(), "ea5e5d38-1b2c").unwrap();
    assert_eq!(
        decide(&Record::sent_once(&c), &s, Answer::Lost, now())
            .unwrap()
            .step(),
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
        let c = create();
        let s = state_request(&Endpoint::production(), "x").unwrap();
        let next = decide(&Record::sent_once(&c), &s, received(status, &body), now()).unwrap();
        prop_assert_ne!(next.step(), Step::Resend);
        if next.step() == Step::Done {
            let state = parse_state_response(status, body.as_bytes());
            prop_assert_eq!(state.success().map(|s| s.label.as_str().to_owned()), Some("finished".to_owned()));
        }
    }
}
