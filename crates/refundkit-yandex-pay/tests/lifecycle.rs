//! The next step after a refund and its status requests, one test per rule, and the
//! properties: only a stated answer is done or refused, and a refund is repeated only under
//! its externalOperationId.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use http::Request;
use proptest::prelude::*;
use refundkit_core::lifecycle::{Action, Answer, Machine, Next, Step};
use refundkit_core::{Quantity, Verdict};
use refundkit_yandex_pay::helper::{Order, Selection, refund_v2};
use refundkit_yandex_pay::http::{Attempt, Endpoint, refund_request_v2};
use refundkit_yandex_pay::invariants::{ContextV2, validate_v2};
use refundkit_yandex_pay::lifecycle::{Refund, timing};
use refundkit_yandex_pay::types::ApiKey;
use refundkit_yandex_pay::{decode, parse_response};

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

fn body(
    external_operation_id: Option<&str>,
) -> refundkit_core::Validated<refundkit_yandex_pay::types::RefundRequestV2> {
    let order: Order = decode(br#"{"cart": {"items": [
        {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "total": "300.00"}],
        "total": {"amount": "300.00"}}}"#)
    .unwrap();
    let selection = Selection {
        products: vec![("tea".into(), Quantity::from(1))],
        shipping: false,
        external_operation_id: external_operation_id.map(str::to_owned),
        external_amount: None,
    };
    validate_v2(
        refund_v2(&order, &selection).unwrap(),
        &ContextV2::default(),
    )
    .unwrap()
}

fn refund(external_operation_id: Option<&str>) -> Request<Vec<u8>> {
    refund_request_v2(
        &Endpoint::sandbox(),
        "order-42",
        &ApiKey("merchant-key".into()),
        &body(external_operation_id),
        &Attempt {
            request_id: "req-1".into(),
            timeout_ms: 10_000,
            attempt: 0,
        },
    )
    .unwrap()
}

fn operation(status: &str) -> String {
    format!(
        r#"{{"status":"success","code":200,"data":{{"operation":{{"operationId":"5d32f295","orderId":"order-42","operationType":"REFUND","status":"{status}","externalOperationId":"refund-42","amount":"100.00"}}}}}}"#
    )
}

fn received(status: u16, body: &str) -> Answer<'_> {
    Answer::Received {
        http_status: status,
        body: body.as_bytes(),
        headers: None,
    }
}

/// The answer `answer` to `sent`: the refund itself, or (its path tells) the operation status
/// asked after a PENDING answer, or the order asked after a lost answer without an
/// externalOperationId. The refund left `now()` when it is `sent`, earlier otherwise, so that
/// `sent` goes at `now()`.
fn on(refund: &Request<Vec<u8>>, sent: &Request<Vec<u8>>, answer: Answer<'_>) -> Next {
    let external = String::from_utf8_lossy(refund.body())
        .contains("externalOperationId")
        .then_some("refund-42");
    let key = ApiKey("merchant-key".into());
    let keys = Some(&key);
    let path = sent.uri().path().to_owned();
    let first_answer = if path.contains("/operations/") {
        Some(operation("PENDING"))
    } else if path.contains("/orders/") && !path.ends_with("/refund") {
        None
    } else {
        let mut m = Machine::new(
            Refund::v2(&Endpoint::sandbox(), "order-42", &body(external), "req-1").unwrap(),
            now(),
        );
        let Action::Send(out) = m.poll(now(), &keys).unwrap() else {
            panic!()
        };
        m.sent(&out, now()).unwrap();
        m.on_answer(out.seq, answer, &keys, now()).unwrap();
        return m.next(&keys).unwrap();
    };
    // The refund first, answered; then the request `sent` is, when it falls due.
    let t0 = now() - Duration::from_secs(3600);
    let mut m = Machine::new(
        Refund::v2(&Endpoint::sandbox(), "order-42", &body(external), "req-1").unwrap(),
        t0,
    );
    let Action::Send(out) = m.poll(t0, &keys).unwrap() else {
        panic!()
    };
    m.sent(&out, t0).unwrap();
    let first = match &first_answer {
        Some(body) => received(200, body),
        None => Answer::Lost,
    };
    m.on_answer(out.seq, first, &keys, t0).unwrap();
    let Some(due) = m.not_before() else {
        panic!("a request is due after the refund's answer")
    };
    let Action::Send(next) = m.poll(due, &keys).unwrap() else {
        panic!()
    };
    assert_eq!(
        next.request.uri().path(),
        path,
        "the request this answer is to"
    );
    m.sent(&next, due).unwrap();
    m.on_answer(next.seq, answer, &keys, due).unwrap();
    m.next(&keys).unwrap()
}

fn after_refund(answer: Answer<'_>) -> Next {
    let r = refund(Some("refund-42"));
    on(&r, &r, answer)
}

fn status_request() -> Request<Vec<u8>> {
    match after_refund(received(200, &operation("PENDING"))) {
        Next::Wait {
            request: Some(s), ..
        } => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pending_operation_waits_then_asks_the_operation_status_by_external_id() {
    match after_refund(received(200, &operation("PENDING"))) {
        Next::Wait {
            request: Some(s),
            not_before,
            ..
        } => {
            assert_eq!(s.method(), "GET");
            assert_eq!(
                s.uri(),
                "https://sandbox.pay.yandex.ru/api/merchant/v1/operations/refund-42"
            );
            assert_eq!(s.headers()["authorization"], "Api-Key merchant-key");
            assert_eq!(not_before, now() + timing().poll);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_successful_operation_is_done_with_its_amount() {
    let r = refund(Some("refund-42"));
    match on(&r, &status_request(), received(200, &operation("SUCCESS"))) {
        Next::Done(refundkit_core::lifecycle::Done { refunded, .. }) => {
            assert_eq!(refunded.unwrap().to_fixed2().unwrap(), "100.00")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_operation_is_refused_with_its_reason() {
    let r = refund(Some("refund-42"));
    let body = operation("FAIL").replace(r#""amount""#, r#""reason":"card expired","amount""#);
    match on(&r, &status_request(), received(200, &body)) {
        Next::Refused(refundkit_core::lifecycle::Refused { code, text, .. }) => {
            assert_eq!(code.as_deref(), Some("FAIL"));
            assert_eq!(text.as_deref(), Some("card expired"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_external_operation_id_is_looked_up_never_corrected_and_resent() {
    match after_refund(received(
        400,
        r#"{"status":"fail","reasonCode":"DUPLICATE_EXTERNAL_OPERATION_ID","reason":"exists"}"#,
    )) {
        Next::Reconcile { request: s, .. } => {
            assert!(s.uri().path().ends_with("/operations/refund-42"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_answer_repeats_the_refund_under_the_same_external_id_with_the_attempt_raised() {
    let original = refund(Some("refund-42"));
    match after_refund(Answer::Lost) {
        Next::Resend { request, .. } => {
            assert_eq!(request.body(), original.body());
            assert_eq!(request.headers()["x-request-id"], "req-1");
            assert_eq!(request.headers()["x-request-attempt"], "1");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_an_external_id_a_lost_answer_is_reconciled_through_the_order() {
    let r = refund(None);
    match on(&r, &r, Answer::Lost) {
        Next::Reconcile { request: s, .. } => assert_eq!(
            s.uri(),
            "https://sandbox.pay.yandex.ru/api/merchant/v1/orders/order-42"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_orders_refund_operations_are_listed_for_a_check_by_hand() {
    let r = refund(None);
    let order = match on(&r, &r, Answer::Lost) {
        Next::Reconcile { request: s, .. } => s,
        other => panic!("{other:?}"),
    };
    let body = r#"{"status":"success","data":{"order":{"orderId":"order-42","paymentStatus":"PARTIALLY_REFUNDED"},"operations":[{"operationId":"op-1","orderId":"order-42","operationType":"REFUND","status":"SUCCESS","amount":"100.00"}]}}"#;
    match on(&r, &order, received(200, body)) {
        Next::Review(refundkit_core::lifecycle::Review { how, .. }) => {
            assert!(how.contains("op-1 SUCCESS 100.00"), "{how}");
            assert!(how.contains("PARTIALLY_REFUNDED"), "{how}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_operation_means_the_refund_never_registered_and_may_be_sent_again() {
    let r = refund(Some("refund-42"));
    assert_eq!(
        on(&r, &status_request(), received(404, "")).step(),
        Step::Resend
    );
}

#[test]
fn a_lost_status_answer_asks_again() {
    let r = refund(Some("refund-42"));
    assert_eq!(on(&r, &status_request(), Answer::Lost).step(), Step::Wait);
}

#[test]
fn an_order_not_refundable_cannot_be_corrected() {
    match after_refund(received(
        400,
        r#"{"status":"fail","reasonCode":"INVALID_PAYMENT_STATUS"}"#,
    )) {
        Next::Refused(refundkit_core::lifecycle::Refused { may_correct, .. }) => {
            assert!(!may_correct)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_that_states_nothing_asks_the_status_first() {
    assert_eq!(
        after_refund(received(200, "<html>proxy</html>")).step(),
        Step::Reconcile
    );
}

proptest! {
    #[test]
    fn only_a_stated_answer_is_done_or_refused_and_only_an_external_id_allows_a_repeat(
        status in refundkit_testkit::http_status(),
        body in refundkit_testkit::json_object(&["status", "data", "reasonCode", "reason", "code"]),
        lost in any::<bool>(),
        with_id in any::<bool>(),
    ) {
        let r = refund(with_id.then_some("refund-42"));
        let answer = if lost { Answer::Lost } else { received(status, &body) };
        let next = on(&r, &r, answer);
        let stated = (!lost).then(|| parse_response(status, body.as_bytes()).verdict());
        match next.step() {
            Step::Done | Step::Wait => prop_assert_eq!(stated, Some(Verdict::Success)),
            Step::Refused => prop_assert!(matches!(stated, Some(Verdict::Refused | Verdict::Success))),
            Step::Resend => prop_assert!(with_id),
            _ => {}
        }
    }
}
