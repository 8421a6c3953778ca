//! The next step after `POST /v3/refunds` and `GET /v3/refunds/{id}`, one test per rule, and
//! the properties: only a stated `succeeded` about this refund is done, and the one request
//! ever repeated is the identical refund under its key, within the key's lifetime.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::lifecycle::{Action, Answer, Machine, Next, Step};
use refundkit_testkit::{http_status, json_object};
use refundkit_yookassa_v3::http::Endpoint;
use refundkit_yookassa_v3::invariants::Context;
use refundkit_yookassa_v3::lifecycle::{KEY_LIFETIME, Refund};
use refundkit_yookassa_v3::{Auth, IdempotenceKey, decode_request, validate};

const PAYMENT: &str = "21740069-000f-50be-b000-0486ffbf45b0";
const ID: &str = "216749f7-0016-50be-b000-078d43a63ae4";

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000)
}

fn auth() -> Auth {
    Auth {
        shop_id: "123456".into(),
        secret_key: "test_not-a-real-key".to_owned().into(),
    }
}

fn refund() -> Refund {
    let body =
        format!(r#"{{"payment_id":"{PAYMENT}","amount":{{"value":"2.00","currency":"RUB"}}}}"#);
    let request = validate(
        decode_request(body.as_bytes()).unwrap(),
        &Context::default(),
    )
    .unwrap();
    Refund::new(
        &Endpoint::production(),
        &request,
        &IdempotenceKey("refund-42".into()),
    )
    .unwrap()
}

fn object(status: &str, payment: &str, amount: &str, id: &str) -> String {
    format!(
        r#"{{"id":"{id}","status":"{status}","amount":{{"value":"{amount}","currency":"RUB"}},"payment_id":"{payment}"}}"#
    )
}

/// The refund's machine with its refund sent at `at`, and that send's number.
fn sent(at: SystemTime) -> (Machine<Refund>, u64, http::Request<Vec<u8>>) {
    let auth = auth();
    let mut m = Machine::new(refund(), at);
    let Action::Send(out) = m.poll(at, &Some(&auth)).unwrap() else {
        panic!()
    };
    m.sent(&out, at).unwrap();
    let request = refundkit_core::copy_request(&out.request);
    (m, out.seq, request)
}

fn after(answer: Answer<'_>, at: SystemTime) -> (Next, http::Request<Vec<u8>>) {
    let auth = auth();
    let (mut m, seq, first) = sent(now());
    m.on_answer(seq, answer, &Some(&auth), at).unwrap();
    (m.next(&Some(&auth)).unwrap(), first)
}

fn received(status: u16, body: &str) -> Answer<'_> {
    Answer::received(status, body.as_bytes())
}

#[test]
fn succeeded_for_this_payment_and_amount_is_done() {
    let body = object("succeeded", PAYMENT, "2.00", ID);
    let (next, _) = after(received(200, &body), now());
    match next {
        Next::Done(done) => assert_eq!(done.refunded.unwrap().to_string(), "2.00"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pending_asks_the_refunds_status_by_its_id() {
    let body = object("pending", PAYMENT, "2.00", ID);
    let (next, _) = after(received(200, &body), now());
    assert_eq!(next.step(), Step::Wait);
    assert_eq!(
        next.request().unwrap().uri(),
        &*format!("https://api.yookassa.ru/v3/refunds/{ID}")
    );
}

#[test]
fn a_lost_answer_repeats_the_identical_refund_under_the_same_key() {
    let (next, first) = after(Answer::Lost, now());
    assert_eq!(next.step(), Step::Resend);
    let again = next.request().unwrap();
    assert_eq!(again.body(), first.body());
    assert_eq!(again.headers()["idempotence-key"], "refund-42");
}

#[test]
fn a_server_failure_or_202_repeats_under_the_same_key_after_retry_after() {
    for status in [500, 202, 429] {
        let body = r#"{"type":"error","id":"1","code":"internal_server_error","retry_after":1800}"#;
        let (next, _) = after(received(status, body), now());
        match next {
            Next::Resend { not_before, .. } => {
                assert_eq!(not_before, now() + Duration::from_millis(1800), "{status}");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn a_4xx_error_object_is_refused_and_a_correction_takes_a_new_key() {
    let body = r#"{"type":"error","id":"1","code":"invalid_request","description":"bad","parameter":"amount"}"#;
    match after(received(400, body), now()).0 {
        Next::Refused(r) => {
            assert_eq!(r.code.as_deref(), Some("invalid_request"));
            assert!(r.may_correct);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn canceled_is_refused_with_its_reason() {
    let body = format!(
        r#"{{"id":"{ID}","status":"canceled","amount":{{"value":"2.00","currency":"RUB"}},"payment_id":"{PAYMENT}","cancellation_details":{{"party":"yoo_money","reason":"insufficient_funds"}}}}"#
    );
    match after(received(200, &body), now()).0 {
        Next::Refused(r) => assert_eq!(r.code.as_deref(), Some("insufficient_funds")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refund_object_about_another_payment_or_amount_is_not_this_refund() {
    for body in [
        object(
            "succeeded",
            "21740069-000f-50be-b000-000000000000",
            "2.00",
            ID,
        ),
        object("succeeded", PAYMENT, "3.00", ID),
    ] {
        assert_eq!(
            after(received(200, &body), now()).0.step(),
            Step::Mismatch,
            "{body}"
        );
    }
}

#[test]
fn a_status_answer_about_another_refund_id_is_not_this_refund() {
    let auth = auth();
    let (mut m, seq, _) = sent(now());
    let pending = object("pending", PAYMENT, "2.00", ID);
    m.on_answer(seq, received(200, &pending), &Some(&auth), now())
        .unwrap();
    let later = m.not_before().unwrap();
    let Action::Send(status) = m.poll(later, &Some(&auth)).unwrap() else {
        panic!()
    };
    m.sent(&status, later).unwrap();
    let other = object(
        "succeeded",
        PAYMENT,
        "2.00",
        "216749f7-0016-50be-b000-000000000000",
    );
    m.on_answer(status.seq, received(200, &other), &Some(&auth), later)
        .unwrap();
    assert_eq!(m.next(&Some(&auth)).unwrap().step(), Step::Mismatch);
}

#[test]
fn past_the_keys_lifetime_a_lost_answer_goes_to_a_person() {
    let (next, _) = after(Answer::Lost, now() + KEY_LIFETIME);
    assert_eq!(next.step(), Step::Review);
    assert!(next.request().is_none());
}

proptest! {
    #[test]
    fn only_a_stated_succeeded_is_done_and_only_the_identical_refund_is_repeated(
        status in http_status(),
        body in json_object(&["type", "id", "payment_id", "status", "amount", "code", "retry_after"]),
        lost in any::<bool>(),
    ) {
        let answer = if lost { Answer::Lost } else { received(status, &body) };
        let (next, first) = after(answer, now());
        if next.step() == Step::Done {
            let o = refundkit_yookassa_v3::parse_response(status, body.as_bytes());
            prop_assert_eq!(o.success().map(|o| o.status.as_str()), Some("succeeded"));
        }
        if let Some(request) = next.request() && request.method() == http::Method::POST {
            prop_assert_eq!(request.body(), first.body());
            prop_assert_eq!(&request.headers()["idempotence-key"], "refund-42");
        }
    }
}
