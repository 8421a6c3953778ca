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

/// A v1 refund body of `refund` whose final order (one line) is `after`.
fn v1_body(refund: &str, after: &str, id: Option<&str>) -> String {
    let id = id.map_or(String::new(), |id| {
        format!(r#","externalOperationId":"{id}""#)
    });
    format!(
        r#"{{"refundAmount":"{refund}","orderAmount":"{after}","cart":{{"items":[{{"productId":"rest","title":"Rest","quantity":{{"count":"1"}},"total":"{after}"}}],"total":{{"amount":"{after}"}}}}{id}}}"#
    )
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
        refund(&mut s, "wrong", &v1_body("1.00", "1109.76", None))
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
        code(refund(&mut s, key, &v1_body("1.00", "5.00", None))).as_deref(),
        Some("ORDER_AMOUNT_MISMATCH")
    );
    assert_eq!(
        code(refund(&mut s, key, &v1_body("5000.00", "0.00", None))).as_deref(),
        Some("REFUND_AMOUNT_TOO_LARGE")
    );
    assert!(refund(&mut s, key, &v1_body("1.00", "1109.76", Some("x"))).is_success());
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
        .header(
            "authorization",
            "Api-Key sample-yandex-pay-api-key-NOT-REAL",
        )
        .body(v1_body("1000.00", "110.76", Some(&format!("op-{i}"))).into_bytes())
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

const CREDS: &str = "userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL";

#[test]
fn rbs_takes_its_parameters_by_get_as_by_post() {
    // "Данные передаются с помощью HTTP-запросов (GET или POST)": the REST API's introduction.
    let mut s = sim(serde_json::json!([]));
    let (status, body) = answer(
        &mut s,
        Request::get(format!(
            "{O}/rbs/payment/rest/refund.do?{CREDS}&orderId={ORDER}&amount=100"
        ))
        .body(Vec::new())
        .unwrap(),
    );
    assert_eq!(
        refundkit::rbs::parse_response(status, &body).verdict(),
        Verdict::Success
    );
    let (status, body) = answer(
        &mut s,
        Request::get(format!(
            "{O}/rbs/payment/rest/getOrderStatusExtended.do?{CREDS}&orderId={ORDER}"
        ))
        .body(Vec::new())
        .unwrap(),
    );
    let outcome = refundkit::rbs::parse_status_response(status, &body);
    let info = outcome
        .success()
        .unwrap()
        .payment_amount_info
        .as_ref()
        .unwrap();
    assert_eq!(info.refunded_amount, Some(100));
    let (status, _) = answer(
        &mut s,
        Request::put(format!("{O}/rbs/payment/rest/refund.do"))
            .body(Vec::new())
            .unwrap(),
    );
    assert_eq!(status, 405);
}

#[test]
fn rbs_books_language_in_upper_case_which_refundkit_only_warns_about() {
    let form = format!("{CREDS}&orderId={ORDER}&amount=100&language=RU");
    let request = refundkit::rbs::decode_request(form.as_bytes()).unwrap();
    let report = refundkit::rbs::check(&request);
    assert!(!report.has_errors() && report.contains("language", "format"));
    let mut s = sim(serde_json::json!([]));
    assert_eq!(rbs(&mut s, &form).verdict(), Verdict::Success);
}

#[test]
fn rbs_refuses_with_5_exactly_what_refundkits_rules_call_an_error() {
    let mut s = sim(serde_json::json!([]));
    for form in [
        format!("{CREDS}&orderId={ORDER}&amount=100&language=russian"),
        format!("{CREDS}&orderId={ORDER}&amount=100&currency=RUB"),
    ] {
        let request = refundkit::rbs::decode_request(form.as_bytes()).unwrap();
        assert!(refundkit::rbs::check(&request).has_errors(), "{form}");
        let outcome = rbs(&mut s, &form);
        let refusal = outcome.refusal().expect("refused");
        assert_eq!(refusal.code.as_ref().map(|c| c.as_str()), Some("5"));
    }
    assert_eq!(refunded_amount(&mut s), 0);
}

#[test]
fn rbs_answers_get_order_status_do_in_its_own_spelling() {
    let mut s = sim(serde_json::json!([]));
    let (status, body) = answer(
        &mut s,
        Request::post(format!("{O}/rbs/payment/rest/getOrderStatus.do"))
            .body(format!("{CREDS}&orderId={ORDER}").into_bytes())
            .unwrap(),
    );
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["ErrorCode"], "0");
    assert_eq!(json["OrderStatus"], 2);
    assert_eq!(json["Amount"], 111_076);
}

fn op_state(
    sim: &mut Sim,
    password2: &str,
    invoice: &str,
) -> refundkit::core::Outcome<refundkit::robokassa::OpState, refundkit::robokassa::OpStateResult> {
    use refundkit::robokassa::http::{Endpoint, op_state_request};
    use refundkit::robokassa::{OpStateRequest, Password2};
    let endpoint =
        Endpoint::custom(&format!("{O}/robokassa/Merchant/WebService/Service.asmx")).unwrap();
    let request = op_state_request(
        &endpoint,
        &OpStateRequest {
            merchant_login: "demo-shop".into(),
            invoice_id: invoice.into(),
        },
        &Password2(refundkit::core::SecretString::new(password2.into())),
    )
    .unwrap();
    let (status, body) = answer(sim, request);
    refundkit::robokassa::parse_op_state_response(status, &body)
}

#[test]
fn robokassa_op_state_ext_gives_the_op_key_of_a_paid_invoice_to_a_request_signed_with_password2() {
    let mut s = sim(serde_json::json!([]));
    let outcome = op_state(&mut s, "test-password2", "7814822027");
    let state = outcome.success().unwrap_or_else(|| panic!("{outcome:?}"));
    assert_eq!(state.state.as_str(), "100");
    assert_eq!(
        state.op_key.as_deref(),
        Some("0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF")
    );
    for (password2, invoice, code) in [
        ("another-password2", "7814822027", "1"),
        ("test-password2", "1", "3"),
    ] {
        let outcome = op_state(&mut s, password2, invoice);
        let refusal = outcome.refusal().expect("refused");
        assert_eq!(
            refusal.code.as_ref().map(ToString::to_string).as_deref(),
            Some(code)
        );
    }
}

#[test]
fn yandex_pay_refuses_a_v1_refund_without_its_final_cart_as_refundkits_rules_do() {
    // The v1 refund page: "В запросе нужно передать итоговую корзину"; `yandex-pay check`
    // refuses a body without one, and so does the emulator, through the same rules.
    let body = r#"{"refundAmount":"1.00","orderAmount":"1109.76","externalOperationId":"no-cart"}"#;
    let request = refundkit::yandex_pay::decode_request(body.as_bytes()).unwrap();
    let report = refundkit::yandex_pay::check(&request, &Default::default());
    assert!(report.has_errors());
    let mut s = sim(serde_json::json!([]));
    let http = Request::post(format!(
        "{O}/yandex-pay/api/merchant/v1/orders/order-42/refund"
    ))
    .header(
        "authorization",
        "Api-Key sample-yandex-pay-api-key-NOT-REAL",
    )
    .body(body.as_bytes().to_vec())
    .unwrap();
    let (status, answer_body) = answer(&mut s, http);
    let outcome = refundkit::yandex_pay::parse_response(status, &answer_body);
    assert_eq!(outcome.refusal().map(|r| r.http_status), Some(400));
    let state = s.state(now());
    assert_eq!(
        state["yandex_pay"]["orders"][0]["refunded"], "0.00",
        "{state}"
    );
}
