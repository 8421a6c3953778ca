//! RBS: encode of the refund form and parse of the response, side by side with
//! `serde_urlencoded` (and plain serde_json for the JSON response) on the same data.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Form {
    user_name: String,
    password: String,
    order_id: String,
    amount: u64,
    json_params: Option<String>,
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Response {
    error_code: Option<serde_json::Value>,
    error_message: Option<String>,
}

fn rbs(c: &mut Criterion) {
    let json = r#"{"userName": "test-api", "password": "testPwd&=+", "orderId": "148a2a67-25ff-7d1b-b28d-391800a7dca8", "amount": 101000, "jsonParams": {"comment": "Возврат заказа № 42", "email": "user@example.com"}, "language": "ru"}"#.as_bytes();
    let request = refundkit_rbs::request_from_json(json).unwrap();
    let form = Form {
        user_name: "test-api".into(),
        password: "testPwd&=+".into(),
        order_id: "148a2a67-25ff-7d1b-b28d-391800a7dca8".into(),
        amount: 101_000,
        json_params: Some(refundkit_rbs::codec::json_params_text(
            request.json_params.as_deref().unwrap(),
        )),
        language: Some("ru".into()),
    };
    let body = refundkit_rbs::encode_request(&request).unwrap();
    let serde_body = serde_urlencoded::to_string(&form).unwrap();
    let response =
        br#"{"errorCode":"7","errorMessage":"The refund amount exceeds the debited amount."}"#;

    let mut g = refundkit_benches::group(c, "rbs/encode");
    g.bench("refundkit", || {
        refundkit_rbs::encode_request(black_box(&request)).unwrap()
    });
    g.bench("serde_urlencoded", || {
        serde_urlencoded::to_string(black_box(&form)).unwrap()
    });
    g.finish();

    let mut g = refundkit_benches::group(c, "rbs/decode-form");
    g.bench("refundkit", || {
        refundkit_rbs::decode_request(black_box(&body)).unwrap()
    });
    g.bench("serde_urlencoded", || {
        serde_urlencoded::from_str::<Form>(black_box(&serde_body)).unwrap()
    });
    g.finish();

    let mut g = refundkit_benches::group(c, "rbs/parse-response");
    g.bench("refundkit", || {
        refundkit_rbs::parse_response(200, black_box(response))
    });
    g.bench("serde_json", || {
        serde_json::from_slice::<Response>(black_box(response)).unwrap()
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = rbs
}
criterion_main!(benches);
