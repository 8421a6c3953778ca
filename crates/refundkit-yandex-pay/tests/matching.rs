//! Every operation is matched to the refund it answers, driven through the refund's state
//! machine: a table of each identifying field changed in turn (never done), a control with
//! every field right (done), and the properties: an operation about another refund is never
//! done or refused, a server failure is never refused whatever code it carries, and the refund
//! is sent again only under its own externalOperationId and X-Request-Id.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use refundkit_core::Quantity;
use refundkit_core::lifecycle::{Action, Answer, Machine, Status};
use refundkit_yandex_pay::decode;
use refundkit_yandex_pay::helper::{Order, Selection, refund_v2};
use refundkit_yandex_pay::http::Endpoint;
use refundkit_yandex_pay::invariants::{ContextV2, validate_v2};
use refundkit_yandex_pay::lifecycle::Refund;
use refundkit_yandex_pay::types::ApiKey;

fn t(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000 + s)
}

fn key() -> ApiKey {
    ApiKey("merchant-key".into())
}

/// A v2 refund of 100.00 of order-42 under externalOperationId refund-42.
fn refund() -> Machine<Refund> {
    let order: Order = decode(br#"{"cart": {"items": [
        {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "total": "300.00"}],
        "total": {"amount": "300.00"}}}"#)
    .unwrap();
    let selection = Selection {
        products: vec![("tea".into(), Quantity::from(1))],
        shipping: false,
        external_operation_id: Some("refund-42".into()),
        external_amount: None,
    };
    let body = validate_v2(
        refund_v2(&order, &selection).unwrap(),
        &ContextV2::default(),
    )
    .unwrap();
    Machine::new(
        Refund::v2(&Endpoint::sandbox(), "order-42", &body, "req-1").unwrap(),
        t(0),
    )
}

fn operation(order: &str, kind: &str, status: &str, external: &str, amount: &str) -> String {
    format!(
        r#"{{"status":"success","code":200,"data":{{"operation":{{"operationId":"5d32f295","orderId":"{order}","operationType":"{kind}","status":"{status}","externalOperationId":"{external}","amount":"{amount}"}}}}}}"#
    )
}

fn answered(http_status: u16, body: &str) -> Machine<Refund> {
    let mut m = refund();
    let key = key();
    let Action::Send(send) = m.poll(t(0), &Some(&key)).unwrap() else {
        panic!()
    };
    m.sent(&send, t(0)).unwrap();
    assert!(send.moves_money);
    m.on_answer(
        send.seq,
        Answer::Received {
            http_status,
            body: body.as_bytes(),
            headers: None,
        },
        &Some(&key),
        t(0),
    )
    .unwrap();
    m
}

#[test]
fn each_identifying_field_of_the_operation_changed_in_turn_is_never_done() {
    let cases = [
        (
            "control",
            operation("order-42", "REFUND", "SUCCESS", "refund-42", "100.00"),
            true,
        ),
        (
            "another orderId",
            operation("order-43", "REFUND", "SUCCESS", "refund-42", "100.00"),
            false,
        ),
        (
            "another externalOperationId",
            operation("order-42", "REFUND", "SUCCESS", "refund-43", "100.00"),
            false,
        ),
        (
            "another amount",
            operation("order-42", "REFUND", "SUCCESS", "refund-42", "99999.00"),
            false,
        ),
        (
            "another operation type",
            operation("order-42", "CAPTURE", "SUCCESS", "refund-42", "100.00"),
            false,
        ),
    ];
    for (name, body, done) in cases {
        let m = answered(200, &body);
        assert_eq!(m.status() == Status::Done, done, "{name}: {}", m.reason());
    }
}

#[test]
fn the_operation_status_must_name_the_operation_the_refund_learned() {
    let mut m = answered(
        200,
        &operation("order-42", "REFUND", "PENDING", "refund-42", "100.00"),
    );
    let key = key();
    let Action::Send(status) = m.poll(t(10), &Some(&key)).unwrap() else {
        panic!()
    };
    m.sent(&status, t(10)).unwrap();
    assert_eq!(status.method, "operations/{externalOperationId}");
    let other = operation("order-42", "REFUND", "SUCCESS", "refund-42", "100.00")
        .replace("5d32f295", "another-operation");
    m.on_answer(
        status.seq,
        Answer::Received {
            http_status: 200,
            body: other.as_bytes(),
            headers: None,
        },
        &Some(&key),
        t(10),
    )
    .unwrap();
    assert_eq!(m.status(), Status::Review, "{}", m.reason());
}

proptest! {
    #[test]
    fn an_operation_about_another_refund_is_never_done_or_refused(
        order in prop_oneof![Just("order-42"), Just("order-1")],
        external in prop_oneof![Just("refund-42"), Just("refund-1")],
        amount in prop_oneof![Just("100.00"), Just("100.01"), Just("1.00")],
        status in prop_oneof![Just("SUCCESS"), Just("FAIL"), Just("PENDING")],
    ) {
        let ours = order == "order-42" && external == "refund-42" && amount == "100.00";
        let m = answered(200, &operation(order, "REFUND", status, external, amount));
        if !ours {
            prop_assert_eq!(m.status(), Status::Review, "{}", m.reason());
        }
    }

    #[test]
    fn a_server_failure_is_never_refused_whatever_code_it_carries(
        http_status in prop_oneof![Just(429u16), 500u16..600],
        code in prop_oneof![Just("INVALID_PAYMENT_STATUS"), Just("REFUND_AMOUNT_TOO_LARGE"), Just("X")],
    ) {
        let body = format!(r#"{{"status":"fail","reasonCode":"{code}","reason":"r"}}"#);
        let mut m = answered(http_status, &body);
        prop_assert_eq!(m.status(), Status::Waiting);
        let key = key();
        let Action::Send(again) = m.poll(t(100), &Some(&key)).unwrap() else { panic!() };
        m.sent(&again, t(100)).unwrap();
        prop_assert!(again.moves_money);
        prop_assert_eq!(&again.request.headers()["x-request-id"], "req-1");
        prop_assert_eq!(&again.request.headers()["x-request-attempt"], "1");
        prop_assert!(String::from_utf8_lossy(again.request.body()).contains(r#""externalOperationId":"refund-42""#));
    }
}
