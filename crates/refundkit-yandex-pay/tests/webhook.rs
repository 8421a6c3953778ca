//! Notifications: JWTs signed ES256 by the `openssl` CLI verify here, and notifications signed
//! here verify under `openssl dgst -verify`; one test per check of the verifier.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::process::Command;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use refundkit_core::lifecycle::Decision;
use refundkit_yandex_pay::types::{OperationStatus, OrderStatus};
use refundkit_yandex_pay::webhook::{
    DEFAULT_LEEWAY, Event, Jwks, NotificationSigner, WebhookError, verify,
};

fn dir() -> String {
    format!(
        "{}/../../testdata/yandex-pay/webhook",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{name}", dir())).unwrap()
}

fn jwks() -> Jwks {
    Jwks::from_json(&read("jwks.json")).unwrap()
}

/// Five minutes into the vectors' validity (iat 1795428000, exp 1795428300).
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_100)
}

fn token(name: &str) -> String {
    String::from_utf8(read(name)).unwrap().trim().to_owned()
}

/// Replaces the token's header, keeping payload and signature.
fn with_header(token: &str, header: &str) -> String {
    let (_, rest) = token.split_once('.').unwrap();
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header))
}

#[test]
fn a_notification_signed_by_openssl_verifies_and_reads_its_event() {
    let n = verify(
        token("operation-success.jwt").as_bytes(),
        &jwks(),
        now(),
        DEFAULT_LEEWAY,
    )
    .unwrap();
    assert_eq!(n.kid, "1-merchant-api");
    assert_eq!(
        (n.issued_at, n.expires_at),
        (Some(1_795_428_000), 1_795_428_300)
    );
    match n.event {
        Event::OperationStatusUpdated {
            external_operation_id,
            status,
            operation_type,
            ..
        } => {
            assert_eq!(external_operation_id.as_deref(), Some("refund-42"));
            assert_eq!(status, OperationStatus::Success);
            assert_eq!(operation_type.as_deref(), Some("REFUND"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn iat_and_exp_are_read_as_numeric_strings_too() {
    let n = verify(
        token("order-strings.jwt").as_bytes(),
        &jwks(),
        now(),
        DEFAULT_LEEWAY,
    )
    .unwrap();
    assert_eq!(n.expires_at, 1_795_428_300);
    assert_eq!(
        n.event,
        Event::OrderStatusUpdated {
            order_id: Some("order-42".into()),
            payment_status: Some(OrderStatus::PartiallyRefunded),
        }
    );
}

#[test]
fn the_algorithm_is_pinned_to_es256() {
    let t = token("operation-success.jwt");
    for alg in ["HS256", "none", "ES384", "es256"] {
        let forged = with_header(
            &t,
            &format!(r#"{{"alg":"{alg}","exp":1795428300,"kid":"1-merchant-api"}}"#),
        );
        assert_eq!(
            verify(forged.as_bytes(), &jwks(), now(), DEFAULT_LEEWAY),
            Err(WebhookError::Algorithm(alg.into()))
        );
    }
}

#[test]
fn an_unknown_kid_asks_for_the_jwks_to_be_refreshed() {
    let t = with_header(
        &token("operation-success.jwt"),
        r#"{"alg":"ES256","exp":1795428300,"kid":"2-merchant-api"}"#,
    );
    assert_eq!(
        verify(t.as_bytes(), &jwks(), now(), DEFAULT_LEEWAY),
        Err(WebhookError::UnknownKey("2-merchant-api".into()))
    );
}

#[test]
fn a_changed_header_or_payload_does_not_verify() {
    let t = token("operation-success.jwt");
    let changed_header = with_header(
        &t,
        r#"{"alg":"ES256","exp":1795499999,"kid":"1-merchant-api"}"#,
    );
    let parts: Vec<&str> = t.split('.').collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap())
        .unwrap()
        .replace("SUCCESS", "FAIL");
    let changed_payload = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload),
        parts[2]
    );
    for forged in [changed_header, changed_payload] {
        assert_eq!(
            verify(forged.as_bytes(), &jwks(), now(), DEFAULT_LEEWAY),
            Err(WebhookError::BadSignature)
        );
    }
}

#[test]
fn exp_is_checked_against_the_clock_given_with_leeway() {
    let t = token("operation-success.jwt");
    let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    assert!(verify(t.as_bytes(), &jwks(), at(1_795_428_350), DEFAULT_LEEWAY).is_ok());
    assert_eq!(
        verify(t.as_bytes(), &jwks(), at(1_795_428_361), DEFAULT_LEEWAY),
        Err(WebhookError::Expired {
            exp: 1_795_428_300,
            now: 1_795_428_361
        })
    );
    assert!(matches!(
        verify(t.as_bytes(), &jwks(), at(1_795_428_301), Duration::ZERO),
        Err(WebhookError::Expired { .. })
    ));
}

#[test]
fn iat_in_the_future_beyond_leeway_is_refused() {
    let t = token("operation-success.jwt");
    let early = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_427_000);
    assert!(matches!(
        verify(t.as_bytes(), &jwks(), early, DEFAULT_LEEWAY),
        Err(WebhookError::NotYetValid { .. })
    ));
}

#[test]
fn a_der_signature_is_not_the_raw_r_s_jws_uses() {
    let t = token("operation-success.jwt");
    let parts: Vec<&str> = t.split('.').collect();
    let raw = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let der = raw_to_der(&raw);
    let forged = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(der));
    assert!(matches!(
        verify(forged.as_bytes(), &jwks(), now(), DEFAULT_LEEWAY),
        Err(WebhookError::Malformed(_))
    ));
}

#[test]
fn keys_of_other_types_are_skipped_and_coordinates_not_printed() {
    let keys = jwks();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["1-merchant-api"]);
    assert_eq!(format!("{keys:?}"), r#"["1-merchant-api"]"#);
}

fn raw_to_der(raw: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = vec![0x02];
        let pad = v.first().is_none_or(|b| *b >= 0x80);
        out.push((v.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend(v);
        out
    };
    let body: Vec<u8> = [int(&raw[..32]), int(&raw[32..])].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

fn signer() -> NotificationSigner {
    NotificationSigner::from_pkcs8(&read("key.p8.der"), "1-merchant-api").unwrap()
}

const PAYLOAD: &[u8] = br#"{"event":"OPERATION_STATUS_UPDATED","operation":{"externalOperationId":"refund-42","status":"SUCCESS","operationType":"REFUND"}}"#;

#[test]
fn what_refundkit_signs_openssl_verifies() {
    let t = signer()
        .sign(PAYLOAD, now(), Duration::from_secs(300))
        .unwrap();
    let (signed, signature) = t.rsplit_once('.').unwrap();
    let work = std::env::temp_dir().join(format!("refundkit-webhook-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let der = raw_to_der(&URL_SAFE_NO_PAD.decode(signature).unwrap());
    std::fs::write(work.join("sig.der"), der).unwrap();
    std::fs::write(work.join("signed"), signed).unwrap();
    let public = Command::new("openssl")
        .args([
            "ec",
            "-in",
            &format!("{}/key.pem", dir()),
            "-pubout",
            "-out",
        ])
        .arg(work.join("pub.pem"))
        .output()
        .expect("openssl is on CI");
    assert!(public.status.success());
    let verified = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(work.join("pub.pem"))
        .arg("-signature")
        .arg(work.join("sig.der"))
        .arg(work.join("signed"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
}

#[test]
fn what_refundkit_signs_it_verifies_under_the_signers_jwks() {
    let s = signer();
    let jwks = Jwks::from_json(s.jwks_json().as_bytes()).unwrap();
    assert_eq!(jwks, self::jwks());
    let t = s.sign(PAYLOAD, now(), Duration::from_secs(300)).unwrap();
    assert!(verify(t.as_bytes(), &jwks, now(), DEFAULT_LEEWAY).is_ok());
    assert!(!format!("{s:?}").contains("BEGIN"));
}

#[test]
fn a_notification_for_the_refunds_external_id_decides_it() {
    use refundkit_core::Quantity;
    use refundkit_yandex_pay::helper::{Order, Selection, refund_v2};
    use refundkit_yandex_pay::http::Endpoint;
    use refundkit_yandex_pay::invariants::{ContextV2, validate_v2};
    use refundkit_yandex_pay::lifecycle::{Refund, timing};
    let order: Order = refundkit_yandex_pay::decode(br#"{"cart": {"items": [
        {"productId": "tea", "title": "Tea", "quantity": {"count": "3"}, "unitPrice": "100.00", "total": "300.00"}],
        "total": {"amount": "300.00"}}}"#)
    .unwrap();
    let refund = |id: &str| {
        let selection = Selection {
            products: vec![("tea".into(), Quantity::from(1))],
            shipping: false,
            external_operation_id: Some(id.into()),
            external_amount: None,
        };
        let body = validate_v2(
            refund_v2(&order, &selection).unwrap(),
            &ContextV2::default(),
        )
        .unwrap();
        Refund::v2(&Endpoint::sandbox(), "order-42", &body, "req-1").unwrap()
    };
    let n = verify(
        token("operation-success.jwt").as_bytes(),
        &jwks(),
        now(),
        DEFAULT_LEEWAY,
    )
    .unwrap();
    assert!(matches!(
        refund("refund-42").notification(&n, now(), &timing()),
        Some(Decision::Done(_))
    ));
    assert!(
        refund("refund-43")
            .notification(&n, now(), &timing())
            .is_none()
    );
}

#[test]
fn an_authentic_notification_is_acknowledged_with_200_a_refused_one_with_403_forbidden_and_a_failure_with_500_other()
 {
    // Yandex Pay's official WooCommerce plugin 1.1.2, `webhook()`.
    use refundkit_yandex_pay::webhook::{acknowledge, fail, refuse};
    let ok = acknowledge();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body(), br#"{"status":"success"}"#);
    let no = refuse("the signature does not verify");
    assert_eq!(no.status(), 403);
    assert_eq!(
        no.body(),
        br#"{"status":"fail","reasonCode":"FORBIDDEN","reason":"the signature does not verify"}"#
    );
    let later = fail("the database is down");
    assert_eq!(later.status(), 500);
    assert_eq!(
        later.body(),
        br#"{"status":"fail","reasonCode":"OTHER","reason":"the database is down"}"#
    );
}

#[test]
fn an_authentic_notification_for_another_merchant_is_refused() {
    use refundkit_yandex_pay::webhook::{WebhookError, verify_for};
    let token = token("operation-success.jwt");
    let ours = "5bd1f8e6-6b55-4d6b-8b2e-5a2a6cf43d1b";
    assert!(verify_for(token.as_bytes(), &jwks(), ours, now(), DEFAULT_LEEWAY).is_ok());
    let err = verify_for(token.as_bytes(), &jwks(), "another", now(), DEFAULT_LEEWAY).unwrap_err();
    assert_eq!(err, WebhookError::Merchant(Some(ours.into())));
    assert_eq!(err.response().status(), 403);
}
