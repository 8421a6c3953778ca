//! Sber's ecom gateway (`/ecomm/gw/partner/api/v1`): its JSON body, its own rules, and its
//! idempotency key `jsonParams.externalRefundId`, one test per rule.
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
use refundkit_core::lifecycle::{Answer, Next, Step};
use refundkit_rbs::codes as rbs_codes;
use refundkit_rbs::http::{Endpoint, RequestError, redacted, refund_request};
use refundkit_rbs::lifecycle::Refund;
use refundkit_rbs::{
    Dialect, check_for, parse_response, request_from_json, validate, validate_for,
};
use refundkit_testkit::{http_status, json_object};

const NOW: Duration = Duration::from_secs(1_790_000_000);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + NOW
}

fn ecom() -> Endpoint {
    Endpoint::known(Endpoint::SBERBANK_ECOM_TEST)
}

const KEY: &str = r#","jsonParams":{"externalRefundId":"rf-2026-000017"}"#;

/// An ecom refund request, validated, with `jsonParams` as given (`""` for none).
fn valid(json_params: &str) -> refundkit_core::Validated<refundkit_rbs::RefundRequest> {
    let json = format!(
        r#"{{"userName":"shop-api","password":"secret","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":14900{json_params}}}"#
    );
    validate_for(request_from_json(json.as_bytes()).unwrap(), Dialect::Ecom).unwrap()
}

/// Its refund.do.
fn refund(json_params: &str) -> Request<Vec<u8>> {
    refund_request(&ecom(), &valid(json_params)).unwrap()
}

fn keyed() -> Request<Vec<u8>> {
    refund(KEY)
}

/// The refund to `endpoint` driven through its order's status (nothing refunded before) to
/// refund.do, which left two minutes ago and got `answer`: the next step.
fn after(
    endpoint: &Endpoint,
    request: &refundkit_core::Validated<refundkit_rbs::RefundRequest>,
    answer: Answer<'_>,
) -> Next {
    use refundkit_core::lifecycle::{Action, Machine};
    let auth = request.auth.clone();
    let keys = Some(&auth);
    let sent = now() - Duration::from_secs(120);
    let mut m = Machine::new(Refund::new(endpoint, request), sent);
    let Action::Send(status) = m.poll(sent, &keys).unwrap() else {
        panic!()
    };
    m.sent(&status, sent).unwrap();
    let order = br#"{"errorCode":"0","orderStatus":2,"paymentAmountInfo":{"depositedAmount":14900,"refundedAmount":0}}"#;
    m.on_answer(status.seq, Answer::received(200, order), &keys, sent)
        .unwrap();
    let Action::Send(refund_do) = m.poll(sent, &keys).unwrap() else {
        panic!()
    };
    m.sent(&refund_do, sent).unwrap();
    m.on_answer(refund_do.seq, answer, &keys, now()).unwrap();
    m.next(&keys).unwrap()
}

#[test]
fn the_ecom_refund_is_one_json_object_posted_as_application_json() {
    let r = refund("");
    assert_eq!(
        r.uri(),
        "https://ecomtest.sberbank.ru/ecomm/gw/partner/api/v1/refund.do"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(
        r.body().as_slice(),
        br#"{"userName":"shop-api","password":"secret","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":14900}"#
    );
}

#[test]
fn the_ecom_gateway_takes_no_token_currency_or_refund_items() {
    let request = request_from_json(
        br#"{"token":"t0k3n","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":100,"currency":"643","refundItems":[{"positionId":"1","quantity":{"value":1,"measure":"0"}}]}"#,
    )
    .unwrap();
    let report = check_for(&request, Dialect::Ecom);
    let errors: Vec<(&str, &str)> = report.errors().map(|v| (v.path.as_str(), v.code)).collect();
    assert_eq!(
        errors,
        [
            ("token", rbs_codes::NOT_IN_GATEWAY),
            ("currency", rbs_codes::NOT_IN_GATEWAY),
            ("refundItems", rbs_codes::NOT_IN_GATEWAY)
        ]
    );
    // The same request is the REST API's to send.
    assert!(!check_for(&request, Dialect::Rest).has_errors());
}

#[test]
fn a_request_validated_for_the_rest_api_that_ecom_refuses_cannot_be_sent_to_ecom() {
    let request = validate(
        request_from_json(
            br#"{"userName":"u","password":"p","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":100,"currency":"643"}"#,
        )
        .unwrap(),
    )
    .unwrap();
    match refund_request(&ecom(), &request) {
        Err(RequestError::Invalid { dialect, report }) => {
            assert_eq!(dialect, Dialect::Ecom);
            assert_eq!(report.errors().next().unwrap().path.as_str(), "currency");
        }
        other => panic!("{other:?}"),
    }
    // And to the REST API it goes.
    assert!(refund_request(&Endpoint::known(Endpoint::SBERBANK_TEST), &request).is_ok());
}

#[test]
fn the_ecom_order_bundle_requires_cart_items() {
    let request = request_from_json(
        br#"{"userName":"u","password":"p","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":100,"orderBundle":{"ffdVersion":"1.2"}}"#,
    )
    .unwrap();
    let report = check_for(&request, Dialect::Ecom);
    assert_eq!(
        report.errors().next().map(|v| v.path.as_str().to_owned()),
        Some("orderBundle.cartItems".to_owned())
    );
}

#[test]
fn amount_0_on_the_ecom_gateway_is_warned_not_taken_for_the_whole_order() {
    let request = request_from_json(
        br#"{"userName":"u","password":"p","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":0}"#,
    )
    .unwrap();
    let report = check_for(&request, Dialect::Ecom);
    assert!(!report.has_errors());
    let warning = &report.violations()[0];
    assert_eq!(
        (warning.path.as_str(), warning.code),
        ("amount", rbs_codes::FULL_REFUND)
    );
}

#[test]
fn the_ecom_status_request_is_json_too() {
    match after(&ecom(), &valid(""), Answer::Lost) {
        Next::Reconcile {
            request: status, ..
        } => {
            assert_eq!(
                status.uri(),
                "https://ecomtest.sberbank.ru/ecomm/gw/partner/api/v1/getOrderStatusExtended.do"
            );
            assert_eq!(status.headers()["content-type"], "application/json");
            assert_eq!(
                status.body().as_slice(),
                br#"{"userName":"shop-api","password":"secret","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1"}"#
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_ecom_refund_with_an_external_refund_id_is_repeated_byte_for_byte_under_the_same_key() {
    let r = keyed();
    match after(&ecom(), &valid(KEY), Answer::Lost) {
        Next::Resend {
            request, detail, ..
        } => {
            assert_eq!(request.body(), r.body());
            assert_eq!(request.uri(), r.uri());
            assert!(detail.contains("rf-2026-000017"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ecom_refund_whose_answer_states_nothing_is_repeated_under_its_key() {
    for (status, body) in [
        (502, &b"<html>Bad Gateway</html>"[..]),
        (200, br#"{"errorCode":"7","errorMessage":"System error"}"#),
    ] {
        let next = after(&ecom(), &valid(KEY), Answer::received(status, body));
        assert_eq!(next.step(), Step::Resend, "{status} {next:?}");
    }
}

#[test]
fn a_lost_ecom_refund_without_a_key_is_reconciled_never_resent() {
    let next = after(
        &ecom(),
        &valid(r#","jsonParams":{"note":"no key"}"#),
        Answer::Lost,
    );
    assert_eq!(next.step(), Step::Reconcile, "{next:?}");
}

#[test]
fn an_external_refund_id_on_the_rest_api_is_no_idempotency_key() {
    let request = validate(
        request_from_json(
            br#"{"userName":"u","password":"p","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":100,"jsonParams":{"externalRefundId":"rf-1"}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let next = after(
        &Endpoint::known(Endpoint::SBERBANK_TEST),
        &request,
        Answer::Lost,
    );
    assert_eq!(next.step(), Step::Reconcile, "{next:?}");
}

#[test]
fn a_stated_ecom_answer_is_read_as_the_rest_api_reads_it() {
    let answer = |body: &'static str| Answer::received(200, body.as_bytes());
    let done = after(
        &ecom(),
        &valid(KEY),
        answer(
            r#"{"errorCode":"0","errorMessage":"Обработка запроса прошла без системных ошибок"}"#,
        ),
    );
    assert_eq!(done.step(), Step::Done);
    let refused = after(
        &ecom(),
        &valid(KEY),
        answer(r#"{"errorCode":"4","errorMessage":"В запросе не передан обязательный параметр"}"#),
    );
    assert_eq!(refused.step(), Step::Refused);
}

#[test]
fn the_ecom_refund_keeps_its_body_through_its_stored_state() {
    let request = validate_for(
        request_from_json(
            br#"{"userName":"shop-api","password":"secret","orderId":"a67b0ced-c9a4-4cfb-bce3-b9595afaafc1","amount":14900,"language":"ru","jsonParams":{"externalRefundId":"rf-7"},"orderBundle":{"cartItems":{"items":[]}}}"#,
        )
        .unwrap(),
        Dialect::Ecom,
    )
    .unwrap();
    let refund = Refund::new(&ecom(), &request);
    let state = serde_json::to_string(&refund).unwrap();
    assert!(!state.contains("secret"), "{state}");
    let back: Refund = serde_json::from_str(&state).unwrap();
    assert_eq!(back, refund);
    assert_eq!(back.idempotency_key().as_deref(), Some("rf-7"));
}

#[test]
fn a_redacted_ecom_request_hides_the_password() {
    let r = keyed();
    let body = String::from_utf8(redacted(&r).into_body()).unwrap();
    assert!(!body.contains("secret"), "{body}");
    assert!(body.contains(r#""password":"[redacted]""#), "{body}");
    assert!(body.contains("rf-2026-000017"), "{body}");
}

proptest! {
    #[test]
    fn an_ecom_refund_is_done_or_refused_only_when_stated_and_resent_only_under_its_key(
        status in http_status(),
        body in prop_oneof![
            json_object(&["errorCode", "errorMessage", "ErrorCode", "error", "success"]),
            any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
        lost in any::<bool>(),
        with_key in any::<bool>(),
    ) {
        let r = if with_key { keyed() } else { refund("") };
        let answer = if lost { Answer::Lost } else { Answer::Received { http_status: status, body: body.as_bytes(), headers: None, } };
        let next = after(&ecom(), &valid(if with_key { KEY } else { "" }), answer);
        if next.step() == Step::Resend {
            prop_assert!(with_key);
            if let Next::Resend { request, .. } = &next {
                prop_assert_eq!(request.body(), r.body());
            }
        }
        let stated = if lost { None } else { Some(parse_response(status, body.as_bytes()).verdict()) };
        if next.step() == Step::Done {
            prop_assert_eq!(stated, Some(Verdict::Success));
        }
        if next.step() == Step::Refused {
            prop_assert_eq!(stated, Some(Verdict::Refused));
        }
    }
}
