//! The next step after refund.do and getOrderStatusExtended.do, one test per rule, and the
//! properties: a lost or unreadable refund.do answer is never resent, and only a stated
//! answer is done or refused.
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
use refundkit_core::lifecycle::{Action, Answer, Machine, Next, Step};
use refundkit_rbs::http::{Endpoint, refund_request};
use refundkit_rbs::lifecycle::{Refund, timing};
use refundkit_rbs::{parse_response, request_from_json, validate};
use refundkit_testkit::{http_status, json_object};

const NOW: Duration = Duration::from_secs(1_790_000_000);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + NOW
}

fn refund(amount: u64) -> Request<Vec<u8>> {
    refund_request(&Endpoint::known(Endpoint::SBERBANK_TEST), &valid(amount)).unwrap()
}

fn valid(amount: u64) -> refundkit_core::Validated<refundkit_rbs::RefundRequest> {
    let json = format!(
        r#"{{"userName":"shop-api","password":"secret","orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8","amount":{amount}}}"#
    );
    validate(request_from_json(json.as_bytes()).unwrap()).unwrap()
}

fn auth() -> refundkit_rbs::Auth {
    valid(1).auth.clone()
}

/// The refund with its order's status asked before (refundedAmount `before` of 10000
/// deposited; none stated when `None`) and refund.do acknowledged as leaving at `sent`: the
/// machine, refund.do in flight, and its sequence number.
fn refund_do_in_flight(
    amount: u64,
    before: Option<u64>,
    sent: SystemTime,
) -> (Machine<Refund>, u64) {
    let auth = auth();
    let keys = Some(&auth);
    let mut m = Machine::new(
        Refund::new(&Endpoint::known(Endpoint::SBERBANK_TEST), &valid(amount)),
        sent,
    );
    let Action::Send(status) = m.poll(sent, &keys).unwrap() else {
        panic!("the status first")
    };
    m.sent(&status, sent).unwrap();
    let body = match before {
        Some(b) => deposited(b, 10000),
        None => r#"{"errorCode":"0","orderNumber":"7","orderStatus":2,"amount":10000}"#.to_owned(),
    };
    m.on_answer(
        status.seq,
        Answer::received(200, body.as_bytes()),
        &keys,
        sent,
    )
    .unwrap();
    let Action::Send(refund_do) = m.poll(sent, &keys).unwrap() else {
        panic!("refund.do next")
    };
    assert!(refund_do.moves_money);
    m.sent(&refund_do, sent).unwrap();
    (m, refund_do.seq)
}

/// refund.do left two minutes ago (long enough for a refund to have been booked) and got
/// `answer`: the next step.
fn after_refund(amount: u64, answer: Answer<'_>) -> Next {
    let auth = auth();
    let (mut m, seq) = refund_do_in_flight(amount, Some(0), now() - Duration::from_secs(120));
    m.on_answer(seq, answer, &Some(&auth), now()).unwrap();
    m.next(&Some(&auth)).unwrap()
}

fn status_of(r: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let amount: u64 = String::from_utf8_lossy(r.body())
        .split('&')
        .find_map(|p| p.strip_prefix("amount="))
        .unwrap()
        .parse()
        .unwrap();
    match after_refund(amount, Answer::Lost) {
        Next::Reconcile { request, .. } => request,
        other => panic!("{other:?}"),
    }
}

/// The status request in flight after refund.do's answer was lost: refund.do left at
/// `refund_sent_at` (unknown when `None`), the status asked now.
fn status_in_flight(
    amount: u64,
    before: Option<u64>,
    refund_sent_at: Option<SystemTime>,
) -> (Machine<Refund>, u64) {
    let (m, _) = refund_do_in_flight(amount, before, refund_sent_at.unwrap_or(now()));
    let mut progress = m.progress().clone();
    progress.refund_sent_at = refund_sent_at;
    progress.seq += 1;
    progress.sends += 1;
    let seq = progress.seq;
    (
        Machine::in_flight(
            m.refund().clone(),
            refundkit_rbs::lifecycle::Request::Status,
            progress,
            timing(),
            now(),
        ),
        seq,
    )
}

/// The status asked after refund.do (sent two minutes ago, its answer lost) answered `body`.
fn after_status(amount: u64, before: Option<u64>, body: &str) -> Next {
    after_status_sent(
        amount,
        before,
        Some(now() - Duration::from_secs(120)),
        Answer::received(200, body.as_bytes()),
    )
}

fn after_status_sent(
    amount: u64,
    before: Option<u64>,
    refund_sent_at: Option<SystemTime>,
    answer: Answer<'_>,
) -> Next {
    let auth = auth();
    let (mut m, seq) = status_in_flight(amount, before, refund_sent_at);
    m.on_answer(seq, answer, &Some(&auth), now()).unwrap();
    m.next(&Some(&auth)).unwrap()
}

fn order(refunded: u64, deposited: u64) -> String {
    format!(
        r#"{{"errorCode":"0","errorMessage":"Успешно","orderNumber":"7","orderStatus":4,"amount":{deposited},"currency":"643","paymentAmountInfo":{{"paymentState":"REFUNDED","approvedAmount":{deposited},"depositedAmount":{deposited},"refundedAmount":{refunded}}}}}"#
    )
}

/// An order still deposited (not shown refunded).
fn deposited(refunded: u64, deposited: u64) -> String {
    format!(
        r#"{{"errorCode":"0","orderNumber":"7","orderStatus":2,"amount":{deposited},"paymentAmountInfo":{{"paymentState":"DEPOSITED","approvedAmount":{deposited},"depositedAmount":{deposited},"refundedAmount":{refunded}}}}}"#
    )
}

#[test]
fn a_stated_success_is_done_with_the_refunds_amount() {
    match after_refund(
        101000,
        Answer::Received {
            http_status: 200,
            body: r#"{"errorCode":"0","errorMessage":"Успешно"}"#.as_bytes(),
            headers: None,
        },
    ) {
        Next::Done(refundkit_core::lifecycle::Done { refunded, .. }) => {
            assert_eq!(refunded.unwrap().to_fixed2().unwrap(), "1010.00")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_answer_is_reconciled_through_the_order_status_after_it_settles_never_resent() {
    match after_refund(101000, Answer::Lost) {
        Next::Reconcile {
            request: status,
            not_before,
            how,
        } => {
            assert_eq!(
                status.uri(),
                "https://3dsec.sberbank.ru/payment/rest/getOrderStatusExtended.do"
            );
            assert_eq!(
                status.body().as_slice(),
                b"userName=shop-api&password=secret&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8"
            );
            assert_eq!(not_before, now() + timing().settle);
            assert!(how.contains("refundedAmount"), "{how}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_that_states_nothing_is_reconciled_like_a_lost_one() {
    for (status, body) in [
        (502, &b"<html>Bad Gateway</html>"[..]),
        (200, br#"{"status":"fail"}"#),
        (500, b""),
    ] {
        let next = after_refund(
            100,
            Answer::Received {
                http_status: status,
                body,
                headers: None,
            },
        );
        assert_eq!(next.step(), Step::Reconcile, "{status} {body:?}");
    }
}

#[test]
fn a_stated_refusal_is_refused_with_its_code_and_text_and_may_be_corrected() {
    match after_refund(
        100,
        Answer::Received {
            http_status: 200,
            body: r#"{"errorCode":"7","errorMessage":"Refund amount exceeds the debited amount"}"#
                .as_bytes(),
            headers: None,
        },
    ) {
        Next::Refused(refundkit_core::lifecycle::Refused {
            code,
            text,
            may_correct,
            ..
        }) => {
            assert_eq!(code.as_deref(), Some("7"));
            assert_eq!(
                text.as_deref(),
                Some("Refund amount exceeds the debited amount")
            );
            assert!(may_correct);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_payment_in_a_state_admitting_no_refund_may_not_be_corrected() {
    match after_refund(
        100,
        Answer::Received {
            http_status: 200,
            body: br#"{"errorCode":"7","errorMessage":"Payment must be in the correct state"}"#,
            headers: None,
        },
    ) {
        Next::Refused(refundkit_core::lifecycle::Refused { may_correct, .. }) => {
            assert!(!may_correct)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refunded_amount_grown_by_the_refund_is_done() {
    match after_status(5000, Some(1000), &order(6000, 10000)) {
        Next::Done(refundkit_core::lifecycle::Done { refunded, .. }) => {
            assert_eq!(refunded.unwrap().to_fixed2().unwrap(), "50.00")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_whole_order_refund_is_done_when_everything_deposited_is_refunded() {
    assert_eq!(
        after_status(0, Some(0), &order(10000, 10000)).step(),
        Step::Done
    );
}

#[test]
fn refunded_amount_unchanged_means_the_refund_did_not_happen_and_may_be_sent_again() {
    let r = refund(5000);
    match after_status(5000, Some(1000), &deposited(1000, 10000)) {
        Next::Resend { request, .. } => assert_eq!(request.body(), r.body()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refunded_amount_unchanged_but_the_order_shown_refunded_is_a_contradiction_for_a_person() {
    let next = after_status(5000, Some(1000), &order(1000, 10000));
    match next {
        Next::Review(refundkit_core::lifecycle::Review { how, .. }) => {
            assert!(how.contains("contradicts"), "{how}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refunded_amount_unchanged_too_soon_after_refund_do_left_is_asked_again_later() {
    let r = refund(5000);
    let status = status_of(&r);
    let body = deposited(1000, 10000);
    let sent = now() - Duration::from_secs(10);
    match after_status_sent(
        5000,
        Some(1000),
        Some(sent),
        Answer::received(200, body.as_bytes()),
    ) {
        Next::Reconcile {
            request: again,
            not_before,
            ..
        } => {
            assert_eq!(again.uri(), status.uri());
            assert_eq!(not_before, sent + timing().settle);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn refunded_amount_unchanged_when_refund_do_left_is_unknown_is_for_a_person() {
    let body = deposited(1000, 10000);
    let next = after_status_sent(
        5000,
        Some(1000),
        None,
        Answer::received(200, body.as_bytes()),
    );
    assert!(matches!(next, Next::Review(_)), "{next:?}");
}

#[test]
fn a_system_error_an_unknown_code_or_an_error_without_a_code_is_reconciled_not_refused() {
    for body in [
        &br#"{"errorCode":"7","errorMessage":"System error"}"#[..],
        br#"{"errorCode":"7","errorMessage":"\u0421\u0438\u0441\u0442\u0435\u043c\u043d\u0430\u044f \u043e\u0448\u0438\u0431\u043a\u0430"}"#,
        br#"{"errorCode":"99","errorMessage":"new"}"#,
        br#"{"error":"something"}"#,
        br#"{"success":false}"#,
    ] {
        let next = after_refund(
            100,
            Answer::Received {
                http_status: 200,
                body, headers: None, },
        );
        assert_eq!(next.step(), Step::Reconcile, "{}", String::from_utf8_lossy(body));
        assert!(next.request().is_some());
    }
}

#[test]
fn a_refusal_at_a_server_failure_status_is_reconciled_not_refused() {
    for status in [429, 500, 503] {
        let next = after_refund(
            100,
            Answer::Received {
                http_status: status,
                body: br#"{"errorCode":"5","errorMessage":"Access denied"}"#,
                headers: None,
            },
        );
        assert_eq!(next.step(), Step::Reconcile, "{status}");
    }
}

#[test]
fn access_denied_and_a_wrong_order_number_are_refused() {
    for body in [
        &br#"{"errorCode":"5","errorMessage":"Access denied"}"#[..],
        br#"{"errorCode":"6","errorMessage":"Unregistered OrderId"}"#,
    ] {
        let next = after_refund(
            100,
            Answer::Received {
                http_status: 200,
                body,
                headers: None,
            },
        );
        assert_eq!(
            next.step(),
            Step::Refused,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn refunded_amount_changed_by_another_figure_is_reconciled_by_hand() {
    match after_status(5000, Some(1000), &order(3000, 10000)) {
        Next::Review(refundkit_core::lifecycle::Review { how, .. }) => {
            assert!(how.contains("by hand"), "{how}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_the_amount_refunded_before_it_is_reconciled_by_hand() {
    let next = after_status(5000, None, &order(6000, 10000));
    assert!(matches!(next, Next::Review(_)), "{next:?}");
}

#[test]
fn a_lost_or_unreadable_status_answer_is_asked_again() {
    let r = refund(5000);
    let status = status_of(&r);
    for answer in [
        Answer::Lost,
        Answer::Received {
            http_status: 503,
            body: b"busy",
            headers: None,
        },
        Answer::Received {
            http_status: 200,
            body: br#"{"errorCode":"0"}"#,
            headers: None,
        },
    ] {
        match after_status_sent(
            5000,
            Some(0),
            Some(now() - Duration::from_secs(120)),
            answer,
        ) {
            Next::Wait {
                request: Some(again),
                ..
            } => assert_eq!(again.body(), status.body()),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_refused_status_request_is_reconciled_by_hand() {
    let next = after_status(
        5000,
        Some(0),
        r#"{"errorCode":"5","errorMessage":"Access denied"}"#,
    );
    assert!(matches!(next, Next::Review(_)), "{next:?}");
}

proptest! {
    #[test]
    fn refund_do_is_never_resent_whatever_its_answer(
        status in http_status(),
        body in prop_oneof![
            json_object(&["errorCode", "errorMessage", "ErrorCode", "error", "success"]),
            any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
        lost in any::<bool>(),
    ) {
        let answer = if lost { Answer::Lost } else { Answer::Received { http_status: status, body: body.as_bytes(), headers: None, } };
        let next = after_refund(100, answer);
        prop_assert_ne!(next.step(), Step::Resend);
        let stated = if lost { None } else { Some(parse_response(status, body.as_bytes()).verdict()) };
        if next.step() == Step::Done {
            prop_assert_eq!(stated, Some(Verdict::Success));
        }
        if next.step() == Step::Refused {
            prop_assert_eq!(stated, Some(Verdict::Refused));
        }
    }
}

#[test]
fn the_gateways_russian_texts_are_read_as_their_refusals_and_a_system_error_reconciles() {
    // gocream/py_sberbank_payments `tests/refund.py`: the gateway's texts per code.
    let step = |body: &str| after_refund(100, Answer::received(200, body.as_bytes())).step();
    for body in [
        r#"{"errorCode":"5","errorMessage":"Доступ запрещён."}"#,
        r#"{"errorCode":"6","errorMessage":"Неверный номер заказа."}"#,
        r#"{"errorCode":"7","errorMessage":"Платёж должен быть в корректном состоянии."}"#,
        r#"{"errorCode":"7","errorMessage":"Сумма возврата превышает сумму списания."}"#,
    ] {
        assert_eq!(step(body), Step::Refused, "{body}");
    }
    assert_eq!(
        step(r#"{"errorCode":"7","errorMessage":"Системная ошибка."}"#),
        Step::Reconcile
    );
}

#[test]
fn a_refund_under_one_ruble_refused_with_7_is_refused_and_may_be_corrected() {
    match after_refund(
        50,
        Answer::received(
            200,
            r#"{"errorCode":"7","errorMessage":"Неверная сумма возврата (меньше одного рубля)"}"#
                .as_bytes(),
        ),
    ) {
        Next::Refused(refundkit_core::lifecycle::Refused { may_correct, .. }) => {
            assert!(may_correct)
        }
        other => panic!("{other:?}"),
    }
}
