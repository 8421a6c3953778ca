//! Each emulator refuses what its provider documents refusing, and refundkit's own parsers
//! read every refusal as the provider's: one test per rule. Faults are what they say.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use http::Request;
use refundkit::core::Verdict;
use refundkit_sim::{Reply, Scenario, Sim};

const O: &str = "http://127.0.0.1:1";

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path)
}

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000)
}

fn sim(faults: serde_json::Value) -> Sim {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(testdata("sim/sample-scenario.json")).unwrap())
            .unwrap();
    json["faults"] = faults;
    Sim::new(&Scenario::from_json(json.to_string().as_bytes(), &testdata("sim")).unwrap()).unwrap()
}

fn answer(sim: &mut Sim, request: Request<Vec<u8>>) -> (u16, Vec<u8>) {
    match sim.handle(&request, now()).reply {
        Reply::Answer(r) => (r.status().as_u16(), r.body().clone()),
        other => panic!("{other:?}"),
    }
}

fn rbs(
    sim: &mut Sim,
    form: &str,
) -> refundkit::core::Outcome<refundkit::rbs::Accepted, refundkit::rbs::ErrorCode> {
    let (status, body) = answer(
        sim,
        Request::post(format!("{O}/rbs/payment/rest/refund.do"))
            .body(form.as_bytes().to_vec())
            .unwrap(),
    );
    refundkit::rbs::parse_response(status, &body)
}

const ORDER: &str = "148a2a67-25ff-7d1b-b28d-391800a7dca8";

#[test]
fn rbs_refuses_wrong_credentials_with_5_an_unknown_order_with_6_and_too_much_with_7() {
    let mut s = sim(serde_json::json!([]));
    let code = |o: refundkit::core::Outcome<_, refundkit::rbs::ErrorCode>| {
        o.refusal()
            .and_then(|r| r.code.clone())
            .map(|c| c.as_str().to_owned())
    };
    assert_eq!(
        code(rbs(
            &mut s,
            &format!("userName=sample-rbs-api&password=wrong&orderId={ORDER}&amount=100")
        ))
        .as_deref(),
        Some("5")
    );
    assert_eq!(
        code(rbs(
            &mut s,
            "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId=nope&amount=100"
        ))
        .as_deref(),
        Some("6")
    );
    assert_eq!(code(rbs(&mut s, &format!("userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId={ORDER}&amount=999999"))).as_deref(), Some("7"));
}

fn rbs_ecom(sim: &mut Sim, method: &str, body: &str) -> (u16, Vec<u8>) {
    answer(
        sim,
        Request::post(format!("{O}/rbs/ecomm/gw/partner/api/v1/{method}"))
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap(),
    )
}

fn ecom_body(amount: u64, key: Option<&str>) -> String {
    let params = key
        .map(|k| format!(r#","jsonParams":{{"externalRefundId":"{k}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"userName":"sample-rbs-api","password":"sample-rbs-password-NOT-REAL","orderId":"{ORDER}","amount":{amount}{params}}}"#
    )
}

fn refunded_amount(sim: &mut Sim) -> u64 {
    let (status, body) = rbs_ecom(
        sim,
        "getOrderStatusExtended.do",
        &format!(
            r#"{{"userName":"sample-rbs-api","password":"sample-rbs-password-NOT-REAL","orderId":"{ORDER}"}}"#
        ),
    );
    let order = refundkit::rbs::parse_status_response(status, &body);
    order
        .success()
        .and_then(|o| o.payment_amount_info.as_ref()?.refunded_amount)
        .unwrap()
}

#[test]
fn rbs_ecom_refuses_a_form_a_token_and_an_undocumented_member() {
    let mut s = sim(serde_json::json!([]));
    let refused = |(status, body): (u16, Vec<u8>)| {
        refundkit::rbs::parse_response(status, &body).verdict() == Verdict::Refused
    };
    let form = format!(
        "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId={ORDER}&amount=100"
    );
    assert!(refused(rbs_ecom(&mut s, "refund.do", &form)));
    assert!(refused(rbs_ecom(
        &mut s,
        "refund.do",
        &format!(r#"{{"token":"t","orderId":"{ORDER}","amount":100}}"#)
    )));
    let unknown =
        ecom_body(100, None).replace(r#""amount":100"#, r#""amount":100,"currency":"643""#);
    assert!(refused(rbs_ecom(&mut s, "refund.do", &unknown)));
    assert_eq!(refunded_amount(&mut s), 0);
}

#[test]
fn rbs_ecom_answers_a_repeat_under_the_same_external_refund_id_as_the_first_without_refunding_again()
 {
    let mut s = sim(serde_json::json!([]));
    for _ in 0..3 {
        let (status, body) = rbs_ecom(&mut s, "refund.do", &ecom_body(1000, Some("rf-1")));
        assert!(refundkit::rbs::parse_response(status, &body).is_success());
    }
    assert_eq!(refunded_amount(&mut s), 1000);
    // The same key with other data is an error, and refunds nothing.
    let (status, body) = rbs_ecom(&mut s, "refund.do", &ecom_body(2000, Some("rf-1")));
    assert_eq!(
        refundkit::rbs::parse_response(status, &body).verdict(),
        Verdict::Refused
    );
    assert_eq!(refunded_amount(&mut s), 1000);
    // Another key is another refund.
    let (status, body) = rbs_ecom(&mut s, "refund.do", &ecom_body(1000, Some("rf-2")));
    assert!(refundkit::rbs::parse_response(status, &body).is_success());
    assert_eq!(refunded_amount(&mut s), 2000);
}

#[test]
fn robokassa_refuses_another_password3_with_401_and_too_much_with_not_enough_operation_funds() {
    let mut s = sim(serde_json::json!([]));
    let create = |s: &mut Sim, key: &str, sum: &str| {
        let key = refundkit::robokassa::Password3::new(key.into()).unwrap();
        let request = refundkit::robokassa::RefundRequest::partial(
            "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
            sum.parse().unwrap(),
        );
        let token = refundkit::robokassa::sign(
            &refundkit::robokassa::validate(request).unwrap(),
            &key,
            refundkit::robokassa::Alg::Hs256,
        )
        .unwrap();
        let http = refundkit::robokassa::http::create_request(
            &refundkit::robokassa::http::Endpoint::custom(&format!("{O}/robokassa/RefundService"))
                .unwrap(),
            &token,
            refundkit::robokassa::http::CreateBody::JsonString,
        )
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::robokassa::parse_response(status, &body)
    };
    let wrong = create(&mut s, "another-password3", "1.00");
    assert_eq!(wrong.refusal().map(|r| r.http_status), Some(401));
    let much = create(&mut s, "sample-password3-NOT-A-REAL-KEY", "2000.00");
    assert_eq!(
        much.refusal().and_then(|r| r.code.clone()),
        Some(refundkit::robokassa::CreateMessage::NotEnoughOperationFunds)
    );
}

#[test]
fn yandex_pay_refuses_another_key_with_401_and_a_final_order_that_does_not_add_up() {
    let mut s = sim(serde_json::json!([]));
    let refund = |s: &mut Sim, key: &str, body: &str| {
        let http = Request::post(format!(
            "{O}/yandex-pay/api/merchant/v1/orders/order-42/refund"
        ))
        .header("authorization", format!("Api-Key {key}"))
        .body(body.as_bytes().to_vec())
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::yandex_pay::parse_response(status, &body)
    };
    let key = "sample-yandex-pay-api-key-NOT-REAL";
    assert_eq!(
        refund(
            &mut s,
            "wrong",
            r#"{"refundAmount":"1.00","orderAmount":"1109.76"}"#
        )
        .refusal()
        .map(|r| r.http_status),
        Some(401)
    );
    let code = |o: refundkit::core::Outcome<
        refundkit::yandex_pay::Operation,
        refundkit::yandex_pay::ReasonCode,
    >| {
        o.refusal()
            .and_then(|r| r.code.clone())
            .map(|c| c.as_str().to_owned())
    };
    assert_eq!(
        code(refund(
            &mut s,
            key,
            r#"{"refundAmount":"1.00","orderAmount":"5.00"}"#
        ))
        .as_deref(),
        Some("ORDER_AMOUNT_MISMATCH")
    );
    assert_eq!(
        code(refund(
            &mut s,
            key,
            r#"{"refundAmount":"5000.00","orderAmount":"0.00"}"#
        ))
        .as_deref(),
        Some("REFUND_AMOUNT_TOO_LARGE")
    );
    assert!(
        refund(
            &mut s,
            key,
            r#"{"refundAmount":"1.00","orderAmount":"1109.76","externalOperationId":"x"}"#
        )
        .is_success()
    );
}

#[test]
fn yandex_pay_v2_takes_refund_external_amount_and_refuses_a_v1_field() {
    let mut s = sim(serde_json::json!([]));
    let refund = |s: &mut Sim, body: &str| {
        let http = Request::post(format!(
            "{O}/yandex-pay/api/merchant/v2/orders/order-42/refund"
        ))
        .header(
            "authorization",
            "Api-Key sample-yandex-pay-api-key-NOT-REAL",
        )
        .body(body.as_bytes().to_vec())
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::yandex_pay::parse_response(status, &body)
    };
    assert_eq!(
        refund(
            &mut s,
            r#"{"refundAmount":"1.00","orderAmount":"1109.76","targetCart":{"items":[]}}"#
        )
        .refusal()
        .map(|r| r.http_status),
        Some(400)
    );
    assert!(
        refund(
            &mut s,
            r#"{"refundAmount":"1.00","refundExternalAmount":"0.50","externalOperationId":"gift","targetCart":{"items":[{"productId":"tea"}]}}"#
        )
        .is_success()
    );
}

#[test]
fn yookassa_refuses_a_signer_it_does_not_know_with_53() {
    let mut s = sim(serde_json::json!([]));
    let signer = refundkit::pkcs7::Signer::new(
        refundkit::pkcs7::PrivateKey::from_pem_or_der(
            &std::fs::read(testdata("yookassa/keys/other.key")).unwrap(),
        )
        .unwrap(),
        refundkit::pkcs7::Certificate::from_pem_or_der(
            &std::fs::read(testdata("yookassa/keys/other.crt")).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let request = refundkit::yookassa::decode_request(
        &std::fs::read(testdata("yookassa/requests/seed-1.xml")).unwrap(),
    )
    .unwrap();
    let signed = refundkit::yookassa::sign_request(
        &refundkit::yookassa::validate(request).unwrap(),
        &signer,
        &refundkit::pkcs7::SignOptions::at(now()),
    )
    .unwrap();
    let http = refundkit::yookassa::http::return_payment_request(
        &refundkit::yookassa::http::Endpoint::custom(&format!("{O}/yookassa/webservice/mws/api"))
            .unwrap(),
        &signed,
    )
    .unwrap();
    let (status, body) = answer(&mut s, http);
    let outcome = refundkit::yookassa::parse_response(status, &body);
    assert_eq!(
        outcome.refusal().and_then(|r| r.code).map(|c| c.code()),
        Some(53)
    );
}

#[test]
fn a_500_and_a_proxy_page_state_nothing_and_change_nothing() {
    let mut s = sim(serde_json::json!([
        {"provider": "rbs", "path": "refund.do", "nth": 1, "fault": "http-500"},
        {"provider": "rbs", "path": "refund.do", "nth": 2, "fault": "proxy-html"},
        {"provider": "rbs", "path": "refund.do", "nth": 3, "fault": "delay", "ms": 250}
    ]));
    let form = format!(
        "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId={ORDER}&amount=111076"
    );
    for _ in 0..2 {
        assert_eq!(rbs(&mut s, &form).verdict(), Verdict::Malformed);
    }
    // Nothing was refunded: the whole order still can be, after a delay.
    let request = Request::post(format!("{O}/rbs/payment/rest/refund.do"))
        .body(form.into_bytes())
        .unwrap();
    match s.handle(&request, now()).reply {
        Reply::Delayed(d, r) => {
            assert_eq!(d, Duration::from_millis(250));
            assert!(refundkit::rbs::parse_response(r.status().as_u16(), r.body()).is_success());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lost_answer_is_a_refund_made() {
    let mut s =
        sim(serde_json::json!([{"provider": "rbs", "path": "refund.do", "fault": "answer-lost"}]));
    let form = format!(
        "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId={ORDER}&amount=111076"
    );
    let request = Request::post(format!("{O}/rbs/payment/rest/refund.do"))
        .body(form.clone().into_bytes())
        .unwrap();
    assert!(matches!(s.handle(&request, now()).reply, Reply::Lost));
    // A blind resend now asks for more than remains.
    assert_eq!(
        rbs(&mut s, &form)
            .refusal()
            .and_then(|r| r.code.clone())
            .map(|c| c.as_str().to_owned())
            .as_deref(),
        Some("7")
    );
}

/// Ten refunds of 1000.00, each under a new id (a retry that mints a new key), sent while the
/// earlier ones are still in progress, on a payment of 1110.76: every provider takes one.
#[test]
fn pending_and_applied_refunds_together_never_exceed_what_was_captured_at_any_provider() {
    let mut s = sim(serde_json::json!([]));
    let robokassa = |s: &mut Sim| {
        let key =
            refundkit::robokassa::Password3::new("sample-password3-NOT-A-REAL-KEY".into()).unwrap();
        let request = refundkit::robokassa::RefundRequest::partial(
            "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF",
            "1000.00".parse().unwrap(),
        );
        let token = refundkit::robokassa::sign(
            &refundkit::robokassa::validate(request).unwrap(),
            &key,
            refundkit::robokassa::Alg::Hs256,
        )
        .unwrap();
        let http = refundkit::robokassa::http::create_request(
            &refundkit::robokassa::http::Endpoint::custom(&format!("{O}/robokassa/RefundService"))
                .unwrap(),
            &token,
            refundkit::robokassa::http::CreateBody::JsonString,
        )
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::robokassa::parse_response(status, &body).verdict()
    };
    let yandex = |s: &mut Sim, i: usize| {
        let http = Request::post(format!(
            "{O}/yandex-pay/api/merchant/v1/orders/order-42/refund"
        ))
        .header("authorization", "Api-Key sample-yandex-pay-api-key-NOT-REAL")
        .body(
            format!(r#"{{"refundAmount":"1000.00","orderAmount":"110.76","externalOperationId":"op-{i}"}}"#)
                .into_bytes(),
        )
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::yandex_pay::parse_response(status, &body).verdict()
    };
    let signer = refundkit::pkcs7::Signer::new(
        refundkit::pkcs7::PrivateKey::from_pem_or_der(
            &std::fs::read(testdata("sample-credentials/yookassa-shop.key")).unwrap(),
        )
        .unwrap(),
        refundkit::pkcs7::Certificate::from_pem_or_der(
            &std::fs::read(testdata("sample-credentials/yookassa-shop.crt")).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let yookassa = |s: &mut Sim, i: usize| {
        let mut request = refundkit::yookassa::decode_request(
            &std::fs::read(testdata("yookassa/requests/seed-1.xml")).unwrap(),
        )
        .unwrap();
        request.client_order_id = format!("{}", 9_000_000 + i);
        request.amount = "1000.00".parse().unwrap();
        request.receipt = None;
        let signed = refundkit::yookassa::sign_request(
            &refundkit::yookassa::validate(request).unwrap(),
            &signer,
            &refundkit::pkcs7::SignOptions::at(now()),
        )
        .unwrap();
        let http = refundkit::yookassa::http::return_payment_request(
            &refundkit::yookassa::http::Endpoint::custom(&format!(
                "{O}/yookassa/webservice/mws/api"
            ))
            .unwrap(),
            &signed,
        )
        .unwrap();
        let (status, body) = answer(s, http);
        refundkit::yookassa::parse_response(status, &body).verdict()
    };
    let rbs_refund = |s: &mut Sim| {
        rbs(
            s,
            &format!(
                "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId={ORDER}&amount=100000"
            ),
        )
        .verdict()
    };
    // Accepted (a success, or MWS's status 1 "in progress"), never refused-then-counted.
    let taken = |verdicts: Vec<Verdict>| {
        verdicts
            .into_iter()
            .filter(|v| matches!(v, Verdict::Success | Verdict::InProgress))
            .count()
    };
    assert_eq!(
        taken((0..10).map(|_| robokassa(&mut s)).collect()),
        1,
        "robokassa"
    );
    assert_eq!(
        taken((0..10).map(|i| yandex(&mut s, i)).collect()),
        1,
        "yandex-pay"
    );
    assert_eq!(
        taken((0..10).map(|i| yookassa(&mut s, i)).collect()),
        1,
        "yookassa"
    );
    assert_eq!(
        taken((0..10).map(|_| rbs_refund(&mut s)).collect()),
        1,
        "rbs"
    );
}

#[test]
fn yandex_pay_refuses_a_refund_of_0_00_and_creates_no_operation_for_it() {
    let mut s = sim(serde_json::json!([]));
    let http = Request::post(format!(
        "{O}/yandex-pay/api/merchant/v1/orders/order-42/refund"
    ))
    .header(
        "authorization",
        "Api-Key sample-yandex-pay-api-key-NOT-REAL",
    )
    .body(
        br#"{"refundAmount":"0.00","orderAmount":"1110.76","externalOperationId":"zero"}"#.to_vec(),
    )
    .unwrap();
    let (status, body) = answer(&mut s, http);
    assert_eq!(status, 400);
    assert_eq!(
        refundkit::yandex_pay::parse_response(status, &body).verdict(),
        Verdict::Refused
    );
    // No operation under that id exists.
    let op = Request::get(format!("{O}/yandex-pay/api/merchant/v1/operations/zero"))
        .header(
            "authorization",
            "Api-Key sample-yandex-pay-api-key-NOT-REAL",
        )
        .body(Vec::new())
        .unwrap();
    let (status, _) = answer(&mut s, op);
    assert_eq!(status, 404);
}
