//! Robokassa sign and verify: refundkit, the floor, and jsonwebtoken, in one run.
//!
//! - `refundkit`: `sign` (validation included) and `verify` (payload decoded to exact types).
//! - `floor`: the bare cost: serde_json of a plain derived struct with f64 amounts (what a
//!   float-money implementation does), base64url, HMAC. No validation, no exact decimals.
//! - `jsonwebtoken`: its `encode`/`decode` of the same float struct (it cannot reproduce
//!   Robokassa's header bytes, which is why refundkit does not use it).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use refundkit_robokassa::{Accept, Alg, Password3, RefundRequest, check, decode_request, validate};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const KEY: &str = "sample-password3-NOT-A-REAL-KEY";
const SEED_PAYLOAD: &str = r#"{"OpKey":"0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF","RefundSum":1,"InvoiceItems":[{"Name":"Тестовый товар-1","Quantity":1,"Cost":1,"Tax":"vat20","PaymentMethod":"full_payment","PaymentObject":"commodity"}]}"#;

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct FloatItem {
    Name: String,
    Quantity: f64,
    Cost: f64,
    Tax: String,
    PaymentMethod: String,
    PaymentObject: String,
}

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct FloatPayload {
    OpKey: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    RefundSum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    InvoiceItems: Option<Vec<FloatItem>>,
}

fn hundred_items() -> String {
    let items: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#"{{"Name":"Товар номер {i}, упаковка","Quantity":{q},"Cost":{c}.5,"Tax":"vat22","PaymentMethod":"full_payment","PaymentObject":"commodity"}}"#,
                q = 1 + i % 3,
                c = 100 + i
            )
        })
        .collect();
    let total: u64 = (0..100u64).map(|i| (1 + i % 3) * (2 * (100 + i) + 1)).sum();
    format!(
        r#"{{"OpKey":"0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF","RefundSum":{}.{},"InvoiceItems":[{}]}}"#,
        total / 2,
        if total % 2 == 1 { "5" } else { "0" },
        items.join(",")
    )
}

const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

fn floor_sign(p: &FloatPayload, key: &[u8]) -> String {
    let json = serde_json::to_vec(p).unwrap();
    let mut token = String::with_capacity(64 + json.len() * 2);
    token.push_str(HEADER_B64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&json, &mut token);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
    token
}

fn floor_verify(token: &str, key: &[u8]) -> FloatPayload {
    let (si, sig) = token.rsplit_once('.').unwrap();
    let (_, payload) = si.split_once('.').unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(si.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(sig).unwrap())
        .unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn bench_payload(c: &mut Criterion, label: &str, payload: &str) {
    let key = Password3::new(KEY.into()).unwrap();
    let request: RefundRequest = decode_request(payload.as_bytes()).unwrap();
    let validated = validate(request.clone()).unwrap();
    let float: FloatPayload = serde_json::from_str(payload).unwrap();
    let token = refundkit_robokassa::sign(&validated, &key, Alg::Hs256).unwrap();
    let jwt_enc = jsonwebtoken::EncodingKey::from_secret(KEY.as_bytes());
    let jwt_dec = jsonwebtoken::DecodingKey::from_secret(KEY.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);

    let mut g = refundkit_benches::group(c, format!("robokassa/sign/{label}"));
    g.bench("refundkit", || {
        assert!(!check(black_box(&request)).has_errors());
        refundkit_robokassa::sign(black_box(&validated), &key, Alg::Hs256).unwrap()
    });
    g.bench("floor", || floor_sign(black_box(&float), KEY.as_bytes()));
    g.bench("jsonwebtoken", || {
        jsonwebtoken::encode(&jwt_header, black_box(&float), &jwt_enc).unwrap()
    });
    g.finish();

    let mut g = refundkit_benches::group(c, format!("robokassa/verify/{label}"));
    g.bench("refundkit", || {
        refundkit_robokassa::verify(black_box(token.as_str()), &key, Accept::Only(Alg::Hs256))
            .unwrap()
    });
    g.bench("floor", || {
        floor_verify(black_box(token.as_str()), KEY.as_bytes())
    });
    g.bench("jsonwebtoken", || {
        jsonwebtoken::decode::<FloatPayload>(black_box(token.as_str()), &jwt_dec, &validation)
            .unwrap()
    });
    g.finish();
}

/// Create's answer as a plain derived struct reads it (what a shop that trusted the body would
/// do): the anchor of refundkit's member-by-member reading.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct CreateAnswer {
    success: bool,
    message: Option<String>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct StateAnswer {
    request_id: String,
    amount: Option<f64>,
    label: String,
}

fn answers(c: &mut Criterion) {
    let create =
        br#"{"success":true,"message":null,"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b"}"#;
    let state =
        br#"{"requestId":"ea5e5d38-1b2c-4f5e-9a0b-3c1d2e4f5a6b","amount":509.760000,"label":"finished"}"#;
    let mut g = refundkit_benches::group(c, "robokassa/parse-response");
    g.bench("refundkit", || {
        refundkit_robokassa::parse_response(200, black_box(create))
    });
    g.bench("serde_json", || {
        serde_json::from_slice::<CreateAnswer>(black_box(create)).unwrap()
    });
    g.finish();
    let mut g = refundkit_benches::group(c, "robokassa/parse-state");
    g.bench("refundkit", || {
        refundkit_robokassa::parse_state_response(200, black_box(state))
    });
    g.bench("serde_json", || {
        serde_json::from_slice::<StateAnswer>(black_box(state)).unwrap()
    });
    g.finish();
}

fn robokassa(c: &mut Criterion) {
    bench_payload(c, "seed", SEED_PAYLOAD);
    bench_payload(c, "100-items", &hundred_items());
    answers(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = robokassa
}
criterion_main!(benches);
