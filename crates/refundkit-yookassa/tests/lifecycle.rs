//! The next step after returnPayment, one test per rule, and the properties: only a stated
//! answer is done or refused, and the one request ever resent is the identical one.
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
use refundkit_pkcs7::{Certificate, PrivateKey, SignOptions, Signer};
use refundkit_yookassa::http::{Endpoint, list_returns_request, return_payment_request};
use refundkit_yookassa::lifecycle::{Keys, Refund, repeat_delay};
use refundkit_yookassa::{
    ListReturns, decode_request, parse_response, read_list_returns, sign_request, validate,
};

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

fn testdata(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../testdata/yookassa/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn refund() -> Request<Vec<u8>> {
    let signer = signer();
    let request = validate(decode_request(&testdata("requests/seed-1.xml")).unwrap()).unwrap();
    let signed = sign_request(&request, &signer, &SignOptions::at(now())).unwrap();
    return_payment_request(&Endpoint::demo(), &signed).unwrap()
}

fn signer() -> Signer {
    Signer::new(
        PrivateKey::from_pem_or_der(&testdata("keys/shop.key")).unwrap(),
        Certificate::from_pem_or_der(&testdata("keys/shop.crt")).unwrap(),
    )
    .unwrap()
}

/// The refund's machine after `attempts` sends, every earlier one answered "in progress",
/// the last one leaving at `now()`; and that last send's sequence number.
fn sent_times(attempts: u32) -> (Machine<Refund>, u64) {
    let signer = signer();
    let keys = Keys {
        signer: Some(&signer),
        provider: None,
    };
    let request = validate(decode_request(&testdata("requests/seed-1.xml")).unwrap()).unwrap();
    let refund = Refund::new(&Endpoint::demo(), &request, &SignOptions::at(now())).unwrap();
    // Start far enough back that every earlier repeat was due before `now()`.
    let mut at = now() - Duration::from_secs(u64::from(attempts) * 3600);
    let mut m = Machine::new(refund, at);
    let in_progress = response("in-progress.xml");
    for n in 1..=attempts {
        if n == attempts {
            at = now();
        }
        let Action::Send(out) = m.poll(at, &keys).unwrap() else {
            panic!("attempt {n} is not due at {at:?}: {:?}", m.poll(at, &keys))
        };
        m.sent(&out, at).unwrap();
        if n == attempts {
            return (m, out.seq);
        }
        m.on_answer(out.seq, received(&in_progress), &keys, at)
            .unwrap();
        at = m.not_before().unwrap();
    }
    unreachable!()
}

fn decide_on(attempts: u32, answer: Answer<'_>) -> Next {
    let signer = signer();
    let keys = Keys {
        signer: Some(&signer),
        provider: None,
    };
    let (mut m, seq) = sent_times(attempts);
    m.on_answer(seq, answer, &keys, now()).unwrap();
    m.next(&keys).unwrap()
}

fn response(name: &str) -> Vec<u8> {
    testdata(&format!("responses/{name}"))
}

fn received(body: &[u8]) -> Answer<'_> {
    Answer::Received {
        http_status: 200,
        body,
        headers: None,
    }
}

#[test]
fn status_0_is_done_for_the_requests_amount() {
    match decide_on(1, received(&response("seed-done.xml"))) {
        Next::Done(refundkit_core::lifecycle::Done { refunded, .. }) => {
            let seed = decode_request(&testdata("requests/seed-1.xml")).unwrap();
            assert_eq!(refunded, Some(seed.amount));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_1_resends_the_identical_request_on_the_documented_schedule() {
    for (attempts, minutes) in [(1, 1), (2, 5), (3, 5), (4, 5), (5, 30), (9, 30)] {
        match decide_on(attempts, received(&response("in-progress.xml"))) {
            Next::Resend {
                request,
                not_before,
                ..
            } => {
                assert_eq!(request.body(), refund().body());
                assert_eq!(request.uri(), refund().uri());
                assert_eq!(not_before, now() + Duration::from_secs(minutes * 60));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(repeat_delay(1), 60);
}

#[test]
fn a_lost_answer_resends_the_identical_request_because_client_order_id_makes_it_safe() {
    match decide_on(1, Answer::Lost) {
        Next::Resend {
            request, detail, ..
        } => {
            assert_eq!(request.body(), refund().body());
            assert!(detail.contains("clientOrderId"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_answer_that_states_nothing_resends_the_identical_request() {
    for body in [
        response("proxy-error.html"),
        response("another-method-done.xml"),
    ] {
        assert_eq!(decide_on(1, received(&body)).step(), Step::Resend);
    }
}

#[test]
fn error_405_is_refused_and_cannot_be_corrected_under_this_client_order_id() {
    match decide_on(1, received(&response("refused-405.xml"))) {
        Next::Refused(refundkit_core::lifecycle::Refused {
            code, may_correct, ..
        }) => {
            assert_eq!(code.as_deref(), Some("405"));
            assert!(!may_correct);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn another_refusal_may_be_corrected() {
    let body = br#"<returnPaymentResponse clientOrderId="12345" status="3" error="413" processedDT="2011-07-02T20:38:01.000Z"/>"#;
    match decide_on(1, received(body)) {
        Next::Refused(refundkit_core::lifecycle::Refused { may_correct, .. }) => {
            assert!(may_correct)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_returns_is_a_form_post_with_output_format_xml() {
    let http = list_returns_request(
        &Endpoint::demo(),
        &ListReturns {
            request_dt: "2026-11-23T10:00:00.000+03:00".into(),
            shop_id: "13".into(),
            from: "2026-11-22T00:00:00.000+03:00".into(),
            till: "2026-11-23T00:00:00.000+03:00".into(),
        },
    )
    .unwrap();
    assert_eq!(
        http.uri(),
        "https://penelope-demo.yamoney.ru:8083/webservice/mws/api/listReturns"
    );
    assert_eq!(
        std::str::from_utf8(http.body()).unwrap(),
        "requestDT=2026-11-23T10%3A00%3A00.000%2B03%3A00&outputFormat=XML&shopId=13&from=2026-11-22T00%3A00%3A00.000%2B03%3A00&till=2026-11-23T00%3A00%3A00.000%2B03%3A00"
    );
}

#[test]
fn a_list_returns_answer_keeps_every_entry_verbatim() {
    let list = read_list_returns(
        br#"<listReturnsResponse status="0" error="0" processedDT="2026-11-23T10:00:01.000+03:00"><returnPayment clientOrderId="12345" invoiceId="2000000000" amount="10.00" newField="kept"/></listReturnsResponse>"#,
    )
    .unwrap();
    assert_eq!(list.root.operation, "listReturnsResponse");
    assert_eq!(list.entries.len(), 1);
    assert_eq!(list.entries[0].0, "returnPayment");
    assert!(
        list.entries[0]
            .1
            .contains(&("newField".into(), "kept".into()))
    );
}

proptest! {
    #[test]
    fn only_a_stated_answer_is_done_or_refused_and_only_the_identical_request_is_resent(
        status in refundkit_testkit::http_status(),
        code in prop_oneof![Just("0"), Just("1"), Just("3"), Just("7"), Just("x")],
        error in prop_oneof![Just("0"), Just("405"), Just("413")],
        root in prop_oneof![Just("returnPaymentResponse"), Just("makeDepositionResponse")],
        id in prop_oneof![Just("12345"), Just("1")],
        lost in any::<bool>(),
    ) {
        let body = format!(r#"<{root} clientOrderId="{id}" status="{code}" error="{error}"/>"#);
        let answer = if lost { Answer::Lost } else { Answer::Received { http_status: status, body: body.as_bytes(), headers: None, } };
        let next = decide_on(1, answer);
        let stated = (!lost).then(|| parse_response(status, body.as_bytes()).verdict());
        match next.step() {
            Step::Done => {
                prop_assert_eq!(stated, Some(Verdict::Success));
                prop_assert_eq!(id, "12345");
            }
            Step::Refused => {
                prop_assert_eq!(stated, Some(Verdict::Refused));
                prop_assert_eq!(id, "12345");
            }
            Step::Mismatch => prop_assert_eq!(id, "1"),
            Step::Resend => {
                let original = refund();
                prop_assert_eq!(next.request().unwrap().body(), original.body());
            }
            other => prop_assert!(false, "{other}"),
        }
    }
}
