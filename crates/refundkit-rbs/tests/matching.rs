//! Every answer is matched to the refund it answers, driven through the refund's state
//! machine: a table of each identifying fact changed in turn (never done), a control with all
//! of them right (done), and the properties: an answer about another order is never done or
//! refused, a server failure is never refused, and refund.do is sent again only after a status
//! of this order that states the refund did not happen.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::lifecycle::{Action, Answer, Machine, Status};
use refundkit_rbs::http::Endpoint;
use refundkit_rbs::lifecycle::Refund;
use refundkit_rbs::{Auth, request_from_json, validate};
use refundkit_testkit::json_object;

const ORDER: &str = "148a2a67-25ff-7d1b-b28d-391800a7dca8";

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000 + s)
}

fn auth() -> Auth {
    request_from_json(br#"{"userName":"shop-api","password":"secret","orderId":"o","amount":1}"#)
        .unwrap()
        .auth
}

fn refund() -> Machine<Refund> {
    let request = validate(
        request_from_json(
            format!(r#"{{"userName":"shop-api","password":"secret","orderId":"{ORDER}","amount":50976}}"#)
                .as_bytes(),
        )
        .unwrap(),
    )
    .unwrap();
    Machine::new(
        Refund::new(&Endpoint::known(Endpoint::SBERBANK_TEST), &request),
        t(0),
    )
}

fn status(order_status: u8, state: &str, refunded: u64, md_order: Option<&str>) -> String {
    let attributes = md_order
        .map(|m| format!(r#","attributes":[{{"name":"mdOrder","value":"{m}"}}]"#))
        .unwrap_or_default();
    format!(
        r#"{{"errorCode":"0","orderStatus":{order_status},"amount":111076{attributes},"paymentAmountInfo":{{"paymentState":"{state}","depositedAmount":111076,"refundedAmount":{refunded}}}}}"#
    )
}

/// Sends what is due at `at` and answers it with `answer`; the method sent.
fn step(m: &mut Machine<Refund>, at: SystemTime, answer: Answer<'_>) -> &'static str {
    let auth = auth();
    let Action::Send(send) = m.poll(at, &Some(&auth)).unwrap() else {
        panic!("nothing due at {at:?}: {}", m.reason())
    };
    m.sent(&send, at).unwrap();
    m.on_answer(send.seq, answer, &Some(&auth), at).unwrap();
    send.method
}

fn ok(body: &str) -> Answer<'_> {
    Answer::Received {
        http_status: 200,
        body: body.as_bytes(),
        headers: None,
    }
}

/// The status before (refundedAmount 0, this order), then refund.do answered with `answer`.
fn sent(answer: Answer<'_>) -> Machine<Refund> {
    let mut m = refund();
    let before = status(2, "DEPOSITED", 0, Some(ORDER));
    assert_eq!(step(&mut m, t(0), ok(&before)), "getOrderStatusExtended.do");
    assert_eq!(step(&mut m, t(0), answer), "refund.do");
    m
}

/// refund.do lost, then the status (two minutes later) answered with `body`.
fn reconciled(body: &str) -> Machine<Refund> {
    let mut m = sent(Answer::Lost);
    assert_eq!(step(&mut m, t(120), ok(body)), "getOrderStatusExtended.do");
    m
}

#[test]
fn the_refund_first_asks_refunded_amount_and_keeps_it() {
    let mut m = refund();
    assert_eq!(
        step(&mut m, t(0), ok(&status(2, "DEPOSITED", 700, Some(ORDER)))),
        "getOrderStatusExtended.do"
    );
    assert_eq!(m.refund().before().unwrap().refunded, Some(700));
    assert_eq!(m.status(), Status::Waiting);
    assert_eq!(m.not_before(), Some(t(0)));
}

#[test]
fn a_status_before_about_another_order_is_not_this_refund() {
    let mut m = refund();
    step(
        &mut m,
        t(0),
        ok(&status(2, "DEPOSITED", 0, Some("another-order"))),
    );
    assert_eq!(m.status(), Status::Review);
    let Action::Review(review) = m.poll(t(1), &Some(&auth())).unwrap() else {
        panic!()
    };
    assert_eq!(review.mismatch.unwrap().field, "attributes[mdOrder]");
}

#[test]
fn each_identifying_fact_of_the_status_changed_in_turn_is_never_done() {
    let cases: &[(&str, String, bool)] = &[
        (
            "control: this order, grown by the refund",
            status(4, "REFUNDED", 50976, Some(ORDER)),
            true,
        ),
        (
            "control: the order not named, grown by the refund",
            status(4, "REFUNDED", 50976, None),
            true,
        ),
        (
            "another order (mdOrder)",
            status(4, "REFUNDED", 50976, Some("another-order")),
            false,
        ),
        (
            "grown by more than the refund",
            status(4, "REFUNDED", 50977, Some(ORDER)),
            false,
        ),
        (
            "grown by less than the refund",
            status(4, "REFUNDED", 1, Some(ORDER)),
            false,
        ),
        (
            "unchanged, shown refunded",
            status(4, "REFUNDED", 0, Some(ORDER)),
            false,
        ),
    ];
    for (name, body, done) in cases {
        let m = reconciled(body);
        assert_eq!(m.status() == Status::Done, *done, "{name}: {}", m.reason());
        assert_ne!(m.status(), Status::Refused, "{name}");
    }
}

#[test]
fn refund_do_answered_in_another_methods_shape_is_never_done() {
    for (name, body, done) in [
        (
            "control: errorCode 0",
            r#"{"errorCode":"0","errorMessage":"Успешно"}"#.to_owned(),
            true,
        ),
        ("control: errorCode absent", "{}".to_owned(), true),
        (
            "getOrderStatusExtended.do's answer",
            status(4, "REFUNDED", 50976, Some(ORDER)),
            false,
        ),
        (
            "Robokassa's success",
            r#"{"success":true}"#.to_owned(),
            false,
        ),
        (
            "Yandex Pay's envelope",
            r#"{"status":"success","data":{}}"#.to_owned(),
            false,
        ),
        (
            "a requestId",
            r#"{"errorCode":"0","requestId":"x"}"#.to_owned(),
            false,
        ),
    ] {
        let m = sent(ok(&body));
        assert_eq!(m.status() == Status::Done, done, "{name}: {}", m.reason());
    }
}

proptest! {
    #[test]
    fn a_status_about_another_order_is_never_done_and_never_refused(
        other in "[a-z0-9-]{1,40}".prop_filter("another order", |o| o != ORDER),
        refunded in prop_oneof![Just(0u64), Just(50976), Just(1)],
    ) {
        let m = reconciled(&status(4, "REFUNDED", refunded, Some(&other)));
        prop_assert_eq!(m.status(), Status::Review);
    }

    #[test]
    fn a_server_failure_is_never_refused_and_never_done(
        http_status in prop_oneof![Just(429u16), 500u16..600],
        body in prop_oneof![
            json_object(&["errorCode", "errorMessage", "ErrorCode", "error", "success"]),
            Just(r#"{"errorCode":"5","errorMessage":"Access denied"}"#.to_owned()),
        ],
    ) {
        let m = sent(Answer::Received { http_status, body: body.as_bytes(), headers: None, });
        prop_assert!(!matches!(m.status(), Status::Refused | Status::Done), "{}", m.reason());
    }

    #[test]
    fn after_a_lost_refund_do_it_is_sent_again_only_on_a_status_stating_it_did_not_happen(
        order_status in prop_oneof![Just(2u8), Just(4), Just(6)],
        state in prop_oneof![Just("DEPOSITED"), Just("REFUNDED")],
        refunded in prop_oneof![Just(0u64), Just(50976), Just(1), Just(100_000)],
        md_order in prop_oneof![Just(None), Just(Some(ORDER)), Just(Some("other"))],
        later in 0u64..200,
    ) {
        let mut m = sent(Answer::Lost);
        let body = status(order_status, state, refunded, md_order);
        let at = t(60 + later);
        step(&mut m, at, ok(&body));
        let auth = auth();
        // Whatever is due next, at any later time.
        if let Action::Send(send) = m.poll(t(100_000), &Some(&auth)).unwrap() {
            m.sent(&send, t(100_000)).unwrap();
            if send.moves_money {
                prop_assert_eq!(refunded, 0);
                prop_assert!(md_order != Some("other"));
                prop_assert!(order_status != 4 && state != "REFUNDED");
                prop_assert!(at >= t(60), "sent again before the gateway could have booked it");
            }
        }
    }
}
