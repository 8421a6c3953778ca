//! Yandex Pay notification verification: refundkit, the floor, and jsonwebtoken, in one run.
//!
//! - `refundkit`: `webhook::verify`: header and alg checked, the key chosen by kid, the P-256
//!   signature, exp/iat, and the payload read into a typed event.
//! - `floor`: the bare ECDSA P-256 SHA-256 verification of the same signature over the same
//!   bytes (aws-lc-rs), nothing else: no base64, no JSON.
//! - `jsonwebtoken`: its ES256 `decode` of the same token into a `serde_json::Value` (exp
//!   not checked: Yandex Pay puts it in the header, where jsonwebtoken does not look).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use refundkit_yandex_pay::webhook::{DEFAULT_LEEWAY, Jwks, NotificationSigner, verify};

const KEY: &[u8] = include_bytes!("../../testdata/yandex-pay/webhook/key.p8.der");
const PAYLOAD: &[u8] = br#"{"merchantId":"5bd1f8e6-6b55-4d6b-8b2e-5a2a6cf43d1b","event":"OPERATION_STATUS_UPDATED","eventTime":"2026-11-23T10:00:00+00:00","operation":{"operationId":"5d32f295","externalOperationId":"refund-42","orderId":"order-42","status":"SUCCESS","operationType":"REFUND"}}"#;

fn bench(c: &mut Criterion) {
    let signer = NotificationSigner::from_pkcs8(KEY, "1-merchant-api").unwrap();
    let jwks_json = signer.jwks_json();
    let jwks = Jwks::from_json(jwks_json.as_bytes()).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_100);
    let token = signer.sign(PAYLOAD, now, Duration::from_secs(300)).unwrap();
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let keys: serde_json::Value = serde_json::from_str(&jwks_json).unwrap();
    let (x, y) = (
        keys["keys"][0]["x"].as_str().unwrap(),
        keys["keys"][0]["y"].as_str().unwrap(),
    );
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(x).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(y).unwrap());
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(x, y).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();

    let mut g = refundkit_benches::group(c, "yandex-pay/notification-verify");
    g.bench("refundkit", || {
        verify(black_box(token.as_bytes()), &jwks, now, DEFAULT_LEEWAY).unwrap()
    });
    g.bench("floor", || {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(black_box(signed.as_bytes()), &signature)
            .unwrap()
    });
    g.bench("jsonwebtoken", || {
        jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &decoding, &validation)
            .unwrap()
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
