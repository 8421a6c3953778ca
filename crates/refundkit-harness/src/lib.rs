//! The body of every fuzz target, one function each.
//!
//! `fuzz/fuzz_targets/*.rs` are one-line wrappers around these, so that what libFuzzer runs
//! and what the stable test suite replays from `fuzz/corpus/` is the same code. A target
//! panics only when a decoder panics or when a round-trip invariant breaks: both are bugs.
#![forbid(unsafe_code)]
// A harness states invariants by panicking; that is its job.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
// serde_json::Value indexed by a name is Null when absent: it never panics.
#![allow(clippy::indexing_slicing)]

use refundkit_robokassa::{
    Accept, Alg, Password3, decode_request, decode_unverified, encode_request, sign, validate,
    verify,
};

pub mod machine;
pub mod structured;

/// A target: its name (the directory under `fuzz/corpus/`) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target.
pub const TARGETS: &[Target] = &[
    ("robokassa_token", robokassa_token),
    ("robokassa_response", robokassa_response),
    ("pkcs7_open", pkcs7_open),
    ("yookassa_request", yookassa_request),
    ("yookassa_response", yookassa_response),
    ("yandex_pay_request", yandex_pay_request),
    ("yandex_pay_response", yandex_pay_response),
    ("rbs_response", rbs_response),
    ("rbs_form", rbs_form),
    ("rbs_ecom", rbs_ecom),
    ("inspect", inspect),
    ("robokassa_round_trip", structured::robokassa_round_trip),
    ("yookassa_round_trip", structured::yookassa_round_trip),
    ("yandex_pay_round_trip", structured::yandex_pay_round_trip),
    ("rbs_round_trip", structured::rbs_round_trip),
    ("rbs_status", rbs_status),
    ("yandex_pay_status", yandex_pay_status),
    ("yandex_pay_notification", yandex_pay_notification),
    ("yandex_pay_jwks", yandex_pay_jwks),
    ("robokassa_op_state", robokassa_op_state),
    ("yookassa_list_returns", yookassa_list_returns),
    ("request_text", request_text),
    ("sim_handle", sim_handle),
    ("refund_machine", machine::refund_machine),
    ("yookassa_v3_request", yookassa_v3_request),
    ("yookassa_v3_response", yookassa_v3_response),
    ("yookassa_v3_notification", yookassa_v3_notification),
];

fn sample_key() -> Password3 {
    Password3::new("sample-password3-NOT-A-REAL-KEY".into()).expect("non-empty")
}

/// Robokassa tokens: verification under every policy, unverified decoding, and the payload
/// decoder on the raw bytes. Whatever decodes must re-encode and re-sign to an equal value.
pub fn robokassa_token(data: &[u8]) {
    let key = sample_key();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verify(text, &key, Accept::AnyHmac);
        let _ = verify(text, &key, Accept::Only(Alg::Hs512));
        if let Ok(unverified) = decode_unverified(text) {
            if let Ok(request) = unverified.request {
                round_trip(&key, &request);
            }
        }
    }
    if let Ok(request) = decode_request(data) {
        round_trip(&key, &request);
    }
}

fn round_trip(key: &Password3, request: &refundkit_robokassa::RefundRequest) {
    if let Ok(encoded) = encode_request(request) {
        let again = decode_request(&encoded).expect("our own payload decodes");
        assert_eq!(&again, request, "payload round trip");
        assert_eq!(
            encode_request(&again).expect("encodes"),
            encoded,
            "stable encoding"
        );
    }
    if let Ok(token) = validate(request.clone())
        .map_err(|_| ())
        .and_then(|valid| sign(&valid, key, Alg::Hs256).map_err(|_| ()))
    {
        let verified =
            verify(token.as_str(), key, Accept::Only(Alg::Hs256)).expect("our own token verifies");
        assert_eq!(&verified.request, request, "sign/verify round trip");
    }
}

/// Robokassa Create and GetState responses, under the statuses they come with. A success is
/// never stated by a body without `success: true` (Create) or without `requestId` and `label`
/// (GetState).
pub fn robokassa_response(data: &[u8]) {
    for status in [200, 401, 500] {
        if refundkit_robokassa::parse_response(status, data).is_success() {
            assert_eq!(json(data)["success"], serde_json::Value::Bool(true));
        }
        if refundkit_robokassa::parse_state_response(status, data).is_success() {
            assert!(json(data)["label"].is_string());
        }
    }
}

/// PKCS#7 opening: PEM, DER or BER, unverified and against a certificate; plus a full walk of
/// the BER tree, so the reader is exercised beyond what `open` looks at.
pub fn pkcs7_open(data: &[u8]) {
    use refundkit_pkcs7::{Certificate, Trust, ber, open};
    static PROVIDER: &[u8] = include_bytes!("../../../testdata/yookassa/keys/provider.crt");
    let cert = Certificate::from_pem_or_der(PROVIDER).expect("committed test certificate");
    let unverified = open(data, Trust::InsecureSkipSignature);
    let verified = open(data, Trust::Certificate(&cert));
    if let Ok(v) = &verified {
        // Whatever verifies also opens unverified, with the same content.
        assert_eq!(unverified.as_ref().map(|u| &u.content), Ok(&v.content));
    }
    fn walk(t: ber::Tlv<'_>) {
        let _ = t.octets();
        for child in t.children().flatten() {
            walk(child);
        }
    }
    if let Ok((root, _)) = ber::read(data, 0) {
        walk(root);
    }
}

/// YooKassa `returnPaymentRequest` XML: whatever reads must write, and read back equal;
/// validation never panics on it.
pub fn yookassa_request(data: &[u8]) {
    if let Ok(request) = refundkit_yookassa::decode_request(data) {
        let _ = refundkit_yookassa::check(&request);
        if let Ok(xml) = refundkit_yookassa::encode_request(&request) {
            let again = refundkit_yookassa::decode_request(&xml).expect("our own XML reads");
            assert_eq!(again, request, "XML round trip");
        }
    }
}

/// YooKassa MWS responses, plain XML or inside PKCS#7. Only a `returnPaymentResponse` with
/// status 0 is ever a success.
pub fn yookassa_response(data: &[u8]) {
    let _ = refundkit_yookassa::read_response(data);
    for outcome in [
        refundkit_yookassa::parse_response(200, data),
        refundkit_yookassa::open_response(200, data, refundkit_pkcs7::Trust::InsecureSkipSignature),
    ] {
        if let Some(r) = outcome.success() {
            assert_eq!(r.operation, "returnPaymentResponse");
            assert_eq!(r.status, refundkit_yookassa::Status::Done);
        }
    }
}

/// Yandex Pay refund bodies: whatever decodes re-encodes and decodes back equal, and the
/// validator never panics on it.
pub fn yandex_pay_request(data: &[u8]) {
    use refundkit_yandex_pay::invariants::{Context, check};
    if let Ok(body) = refundkit_yandex_pay::decode_request(data) {
        let _ = check(&body, &Context::default());
        let _ = check(
            &body,
            &Context {
                payment_amount: Some(body.order_amount),
                current_cart: Some(body.final_cart()),
                ..Context::default()
            },
        );
        if let Ok(json) = refundkit_yandex_pay::encode_request(&body) {
            let again = refundkit_yandex_pay::decode_request(&json).expect("our own JSON decodes");
            assert_eq!(again, body, "JSON round trip");
        }
    }
}

/// Yandex Pay responses under the statuses they come with. A success always carries a REFUND
/// operation and comes with a 2xx status.
pub fn yandex_pay_response(data: &[u8]) {
    for status in [200, 400, 401, 404, 409, 500] {
        if let Some(op) = refundkit_yandex_pay::parse_response(status, data).success() {
            assert_eq!(status, 200);
            assert_eq!(op.operation_type, "REFUND");
        }
    }
}

/// RBS responses. A success never comes from a body with an error marker in any spelling.
pub fn rbs_response(data: &[u8]) {
    for status in [200, 500] {
        if refundkit_rbs::parse_response(status, data).is_success() {
            assert_eq!(status, 200);
            let v = json(data);
            assert_ne!(v["success"], serde_json::Value::Bool(false));
            let zero = |c: &serde_json::Value| match c {
                serde_json::Value::String(s) => refundkit_core::json::is_zero_code(s.trim()),
                serde_json::Value::Number(n) => refundkit_core::json::is_zero_code(&n.to_string()),
                _ => false,
            };
            assert!(v["error"].is_null() || zero(&v["error"]["code"]), "{v}");
            for name in ["errorCode", "ErrorCode"] {
                assert!(v[name].is_null() || zero(&v[name]), "{v}");
            }
        }
    }
}

/// RBS form bodies (and query strings): whatever decodes as a refund.do or a
/// getOrderStatusExtended.do request encodes and decodes back equal.
pub fn rbs_form(data: &[u8]) {
    let _ = refundkit_rbs::decode_form(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let form = refundkit_rbs::form_text(text);
        assert!(text.contains(form), "the form is a part of what was given");
    }
    if let Ok(status) = refundkit_rbs::decode_status_request(data) {
        let _ = refundkit_rbs::check_status(&status);
        let body = refundkit_rbs::encode_status_request(&status);
        let again =
            refundkit_rbs::decode_status_request(body.as_bytes()).expect("our own form decodes");
        assert_eq!(again, status, "status form round trip");
    }
    if let Ok(request) = refundkit_rbs::decode_request(data) {
        let _ = refundkit_rbs::check(&request);
        let body = refundkit_rbs::encode_request(&request).expect("every request has a form");
        let again = refundkit_rbs::decode_request(&body).expect("our own form decodes");
        assert_eq!(again, request, "form round trip");
    }
}

/// Sber's ecom refund.do body: decoded strictly, checked in both dialects, and written back by
/// this crate, it reads back as the same request, and our own body is kept byte for byte.
pub fn rbs_ecom(data: &[u8]) {
    let _ = refundkit_rbs::codec::decode_ecom_status_request(data);
    if let Ok(request) = refundkit_rbs::decode_ecom_request(data) {
        let _ = refundkit_rbs::check_for(&request, refundkit_rbs::Dialect::Ecom);
        let _ = refundkit_rbs::check(&request);
        let body = refundkit_rbs::encode_ecom_request(&request);
        let again = refundkit_rbs::decode_ecom_request(&body).expect("our own body decodes");
        assert_eq!(again, request, "ecom round trip");
        assert_eq!(
            refundkit_rbs::encode_ecom_request(&again),
            body,
            "ecom body byte for byte"
        );
    }
}

/// A body a parser read as a success, as a JSON object of its top-level members (a success is
/// always one object). A member whose value serde_json cannot hold as a `Value` (a number
/// beyond f64, `1e99999`: valid JSON, RFC 8259 6) reads as `null` here: the oracles look only
/// at the members that state success or an error, which a parser reads from their raw text.
fn json(data: &[u8]) -> serde_json::Value {
    let members: serde_json::Map<String, serde_json::Value> = serde_json::from_slice::<
        std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>,
    >(data)
    .expect("a stated success is a JSON object")
    .into_iter()
    .map(|(k, raw)| {
        let v = serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
        (k, v)
    })
    .collect();
    serde_json::Value::Object(members)
}

/// `refundkit inspect` on anything.
pub fn inspect(data: &[u8]) {
    let _ = refundkit::inspect::inspect(data).to_string();
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

// ---------------------------------------------------------------------------------------------
// The lifecycle's decoders and decisions

/// The instant the lifecycle targets decide at.
fn lifecycle_now() -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(1_795_428_100))
        .expect("in range")
}

/// getOrderStatusExtended.do answers, and the decisions on them and on refund.do's answer: a
/// success states an order; refund.do is never resent, whatever its answer; done only from a
/// stated success.
pub fn rbs_status(data: &[u8]) {
    use refundkit_core::lifecycle::{Action, Answer, Step};
    for status in [200, 500] {
        if let Some(order) = refundkit_rbs::parse_status_response(status, data).success() {
            assert_eq!(status, 200);
            let _ = order.order_status.as_str();
        }
    }
    let credentials = rbs_credentials();
    let sent = |refund: &mut refundkit::Refund| {
        let Ok(Action::Send(out)) = refund.poll(lifecycle_now(), &credentials) else {
            return None;
        };
        refund.sent(&out, lifecycle_now()).expect("the request due");
        Some(out)
    };
    // The order's status before the refund, then refund.do answered with `data`.
    let mut refund = rbs_machine();
    let before = sent(&mut refund).expect("the status first");
    refund
        .on_answer(
            before.seq,
            Answer::received(200, br#"{"errorCode":"0","orderStatus":2,"paymentAmountInfo":{"depositedAmount":100000,"refundedAmount":0}}"#),
            &credentials,
            lifecycle_now(),
        )
        .expect("in flight");
    let Some(refund_do) = sent(&mut refund) else {
        return;
    };
    assert!(refund_do.moves_money);
    let mut answered = refund.clone();
    answered
        .on_answer(
            refund_do.seq,
            Answer::received(200, data),
            &credentials,
            lifecycle_now(),
        )
        .expect("in flight");
    let next = answered.next(&credentials).expect("our own refund");
    assert_ne!(next.step(), Step::Resend);
    if next.step() == Step::Done {
        assert!(refundkit_rbs::parse_response(200, data).is_success());
    }
    // refund.do's answer lost, then its status answered with `data`.
    refund
        .on_answer(refund_do.seq, Answer::Lost, &credentials, lifecycle_now())
        .expect("in flight");
    let mut later = lifecycle_now();
    for _ in 0..4 {
        match refund.poll(later, &credentials) {
            Ok(Action::Sleep { until }) => later = until,
            Ok(Action::Send(out)) => {
                assert!(!out.moves_money, "refund.do resent after a lost answer");
                refund.sent(&out, later).expect("due");
                refund
                    .on_answer(out.seq, Answer::received(200, data), &credentials, later)
                    .expect("in flight");
                return;
            }
            _ => return,
        }
    }
}

/// The sample RBS refund as a machine, before its first request.
fn rbs_machine() -> refundkit::Refund {
    let request = refundkit_rbs::request_from_json(
        br#"{"userName":"u","password":"p","orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8","amount":1000}"#,
    )
    .expect("a sample request");
    let valid = refundkit_rbs::validate(request).expect("a valid sample");
    refundkit::Refund::start(
        refundkit_rbs::lifecycle::Refund::new(
            &refundkit_rbs::http::Endpoint::known(refundkit_rbs::http::Endpoint::SBERBANK_TEST),
            &valid,
        ),
        lifecycle_now(),
    )
}

fn rbs_credentials() -> refundkit::Credentials {
    let mut credentials = refundkit::Credentials::new();
    credentials.insert(refundkit_rbs::Auth::Password {
        user_name: "u".into(),
        password: refundkit_rbs::types::Password("p".to_owned().into()),
    });
    credentials
}

/// The operation status and the order, under the statuses they come with: a success comes
/// with a 2xx status, and an operation status's success is a REFUND operation.
pub fn yandex_pay_status(data: &[u8]) {
    for status in [200, 400, 404, 500] {
        if let Some(op) = refundkit_yandex_pay::parse_operation_response(status, data).success() {
            assert_eq!(status, 200);
            assert_eq!(op.operation_type, "REFUND");
        }
        if refundkit_yandex_pay::parse_order_response(status, data).is_success() {
            assert_eq!(status, 200);
        }
    }
}

/// The test key of `testdata/yandex-pay/webhook` (PKCS#8), which the notification target
/// signs the fuzzer's payloads with.
const WEBHOOK_KEY: &[u8] = include_bytes!("../../../testdata/yandex-pay/webhook/key.p8.der");

/// Notifications: the fuzzer's bytes verified as a token (refused unless authentic), and
/// signed as a payload, then verified, so that the payload reader is reached: a signed payload
/// is accepted or refused for its payload alone.
pub fn yandex_pay_notification(data: &[u8]) {
    use refundkit_yandex_pay::webhook::{Jwks, NotificationSigner, WebhookError, verify};
    let signer = NotificationSigner::from_pkcs8(WEBHOOK_KEY, "1-merchant-api").expect("test key");
    let jwks = Jwks::from_json(signer.jwks_json().as_bytes()).expect("own JWKS");
    let leeway = std::time::Duration::from_secs(60);
    let _ = verify(data, &jwks, lifecycle_now(), leeway);
    let token = signer
        .sign(data, lifecycle_now(), std::time::Duration::from_secs(300))
        .expect("signs");
    match verify(token.as_bytes(), &jwks, lifecycle_now(), leeway) {
        Ok(n) => assert_eq!(n.payload_json, data),
        Err(WebhookError::Payload(_)) => {}
        Err(e) => panic!("a signed payload refused for {e}"),
    }
}

/// JWKS documents.
pub fn yandex_pay_jwks(data: &[u8]) {
    if let Ok(jwks) = refundkit_yandex_pay::webhook::Jwks::from_json(data) {
        assert!(jwks.kids().count() <= refundkit_yandex_pay::webhook::MAX_KEYS);
    }
}

/// OpStateExt answers: a success carries a state, and never comes with an error status. Its
/// query, as the emulator reads it: what decodes is rebuilt by `op_state_request` and reads
/// back the same, its signature matching under the same Password2.
pub fn robokassa_op_state(data: &[u8]) {
    if let Ok((request, _)) = std::str::from_utf8(data)
        .map_err(drop)
        .and_then(|q| refundkit_robokassa::codec::decode_op_state_query(q).map_err(drop))
    {
        use refundkit_robokassa::http::{Endpoint, op_state_request};
        let password2 = refundkit_robokassa::Password2(refundkit_core::SecretString::new(
            "fuzz-password2".into(),
        ));
        if let Ok(built) = op_state_request(&Endpoint::web_service(), &request, &password2) {
            let query = built.uri().query().expect("a query");
            let (again, signature) = refundkit_robokassa::codec::decode_op_state_query(query)
                .expect("our own query decodes");
            assert_eq!(again, request, "OpStateExt query round trip");
            assert!(refundkit_robokassa::codec::op_state_signature_matches(
                &again, &password2, &signature
            ));
        }
    }
    for status in [200, 500] {
        if refundkit_robokassa::parse_op_state_response(status, data).is_success() {
            assert_eq!(status, 200);
        }
    }
}

/// listReturns: its answers, read tolerantly, and its form as MWS (the emulator) reads it: a
/// form that decodes is rebuilt by `list_returns_request` and reads back the same.
pub fn yookassa_list_returns(data: &[u8]) {
    use refundkit_yookassa::http::{Endpoint, decode_list_returns_request, list_returns_request};
    let _ = refundkit_yookassa::read_list_returns(data);
    if let Ok(list) = decode_list_returns_request(data) {
        let request = list_returns_request(&Endpoint::production(), &list)
            .expect("a decoded list builds a request");
        assert_eq!(
            decode_list_returns_request(request.body()).as_ref(),
            Ok(&list),
            "the form reads back as it was built"
        );
    }
}

/// The request text form: what reads back writes and reads back the same.
pub fn request_text(data: &[u8]) {
    use refundkit_core::http_text::{from_text, to_text};
    if let Ok(request) = from_text(data) {
        if std::str::from_utf8(request.body()).is_ok() {
            let again = from_text(to_text(&request).as_bytes()).expect("our own text reads");
            assert_eq!(again.uri(), request.uri());
            assert_eq!(again.method(), request.method());
        }
    }
}

/// The emulator (what `refundkit serve` runs) on any request body, at every endpoint: it
/// answers, and never panics: it is a server.
pub fn sim_handle(data: &[u8]) {
    const PATHS: &[(&str, &str)] = &[
        ("POST", "/robokassa/RefundService/Refund/Create"),
        ("GET", "/robokassa/RefundService/Refund/GetState?id=x"),
        ("POST", "/yandex-pay/api/merchant/v1/orders/order-42/refund"),
        ("POST", "/yandex-pay/api/merchant/v2/orders/order-42/refund"),
        ("GET", "/yandex-pay/api/merchant/v1/operations/x"),
        ("POST", "/yookassa/webservice/mws/api/returnPayment"),
        ("POST", "/rbs/payment/rest/refund.do"),
        ("POST", "/rbs/payment/rest/getOrderStatusExtended.do"),
    ];
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let Some((method, path)) = PATHS.get(usize::from(first).checked_rem(PATHS.len()).unwrap_or(0))
    else {
        return;
    };
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/sim"));
    let scenario =
        refundkit_sim::Scenario::from_file(&dir.join("sample-scenario.json")).expect("sample");
    let mut sim = refundkit_sim::Sim::new(&scenario).expect("sample");
    let request = http::Request::builder()
        .method(*method)
        .uri(format!("http://127.0.0.1{path}"))
        .header(
            "authorization",
            "Api-Key sample-yandex-pay-api-key-NOT-REAL",
        )
        .body(body.to_vec())
        .expect("a request");
    let _ = sim.handle(&request, lifecycle_now());
    let _ = sim.handle(&request, lifecycle_now());
}

/// YooKassa API v3 refund bodies: the rules on whatever decodes (with and without the
/// payment's amount), and our own JSON decodes back to the same body.
pub fn yookassa_v3_request(data: &[u8]) {
    use refundkit_yookassa_v3::invariants::{Context, check};
    if let Ok(body) = refundkit_yookassa_v3::decode_request(data) {
        let _ = check(&body, &Context::default());
        let _ = check(
            &body,
            &Context {
                payment_amount: Some(body.amount.value),
            },
        );
        if let Ok(json) = refundkit_yookassa_v3::encode_request(&body) {
            let again = refundkit_yookassa_v3::decode_request(&json).expect("our own JSON decodes");
            assert_eq!(again, body, "JSON round trip");
        }
    }
}

/// YooKassa API v3 answers under the statuses they come with: a refund object is a success
/// only at a 2xx status; an error object is a refusal only at a 4xx other than 429.
pub fn yookassa_v3_response(data: &[u8]) {
    for status in [200, 201, 202, 400, 401, 404, 429, 500] {
        let outcome = refundkit_yookassa_v3::parse_response(status, data);
        if outcome.is_success() {
            assert!((200..300).contains(&status), "a success at {status}");
        }
        if outcome.refusal().is_some() {
            assert!(
                (400..500).contains(&status) && status != 429,
                "a refusal at {status}"
            );
        }
        let _ = refundkit_yookassa_v3::refund_verdict(&outcome);
    }
    let _ = refundkit_yookassa_v3::error_details(data);
}

/// YooKassa API v3 notifications, from a published address and from one outside the ranges
/// (which is never accepted, whatever the body).
pub fn yookassa_v3_notification(data: &[u8]) {
    use refundkit_yookassa_v3::notification::check;
    let _ = refundkit_yookassa_v3::notification::parse(data);
    let inside: std::net::IpAddr = [185, 71, 76, 1].into();
    let outside: std::net::IpAddr = [192, 0, 2, 1].into();
    let _ = check(data, inside);
    assert!(
        check(data, outside).is_err(),
        "a notification from outside the ranges"
    );
}
