//! The plan: the sample is a golden vector; for any order and selection the five requests pass
//! their own validators and agree on the refunded sum, or the plan says where they cannot.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::fmt::Write as _;

use proptest::prelude::*;
use refundkit::plan::{Credentials, RefundDescription, build};

fn credentials() -> Credentials {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/sample-credentials/"
    );
    let read = |f: &str| std::fs::read(format!("{dir}{f}")).unwrap();
    let mut c = Credentials::new();
    c.insert(
        refundkit::robokassa::Password3::new(
            refundkit::core::SecretString::from_file_bytes(read("robokassa-password3.txt"))
                .unwrap(),
        )
        .unwrap(),
    )
    .insert(refundkit::yandex_pay::types::ApiKey("key".into()))
    .insert(
        refundkit::pkcs7::Signer::new(
            refundkit::pkcs7::PrivateKey::from_pem_or_der(&read("yookassa-shop.key")).unwrap(),
            refundkit::pkcs7::Certificate::from_pem_or_der(&read("yookassa-shop.crt")).unwrap(),
        )
        .unwrap(),
    )
    .insert(refundkit::rbs::Auth::Password {
        user_name: "u".into(),
        password: refundkit::rbs::types::Password("p".into()),
    })
    .insert(refundkit::yookassa_v3::Auth {
        shop_id: "100500".into(),
        secret_key: "test_key".to_owned().into(),
    });
    c
}

#[test]
fn the_sample_plan_builds_five_valid_requests_that_agree() {
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/plan/sample-order.json"
    ))
    .unwrap();
    let desc: RefundDescription = serde_json::from_slice(&json).unwrap();
    let plan = build(&desc, &credentials(), &[], now()).unwrap();
    assert_eq!(plan.total.to_string(), "509.76");
    assert_eq!(plan.providers.len(), refundkit::providers::all().len());
    for p in &plan.providers {
        assert!(!p.report.has_errors(), "{}: {}", p.provider, p.report);
        assert!(p.request.is_some(), "{}", p.provider);
        assert_eq!(p.refunded, Some(plan.total), "{}", p.provider);
    }
    assert!(plan.agreement.is_empty());
}

/// A fixed instant: nothing in a plan reads the clock.
fn now() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000)
}

fn description() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((1u64..500_000, prop_oneof![(1u32..5).prop_map(|q| q.to_string()), (1u32..2000).prop_map(|g| format!("{}.{:03}", g / 1000, g % 1000)).prop_filter("positive", |q| q != "0.000")], proptest::sample::select(vec!["none", "0", "10", "20", "22", "10/110", "22/122"])), 1..6),
        proptest::option::of(1u64..100_000),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(lines, shipping, seed, refund_shipping)| {
            let mut order = String::new();
            let mut refund = String::new();
            for (i, (price, qty, vat)) in lines.iter().enumerate() {
                if i > 0 {
                    order.push(',');
                }
                write!(order, r#"{{"id":"l{i}","name":"Товар {i}","unit_price":"{}.{:02}","quantity":"{qty}","vat":"{vat}","payment_method":"full_payment","payment_subject":"commodity"}}"#, price / 100, price % 100).unwrap();
                if seed.rotate_left(i as u32 * 5) & 1 == 1 || (i == 0) {
                    if !refund.is_empty() {
                        refund.push(',');
                    }
                    write!(refund, r#"{{"id":"l{i}","quantity":"{qty}"}}"#).unwrap();
                }
            }
            let shipping_json = shipping.map_or(String::new(), |s| format!(r#","shipping":{{"name":"Доставка","amount":"{}.{:02}","vat":"20","method":"COURIER"}}"#, s / 100, s % 100));
            format!(
                r#"{{"order":{{"lines":[{order}]{shipping_json}}},"refund":{{"lines":[{refund}],"shipping":{}}},"references":{{"robokassa_op_key":"0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF","yandex_order_id":"o","refund_id":"r","yookassa_invoice_id":"1","yookassa_shop_id":"2","yookassa_client_order_id":"3","request_dt":"2026-11-22T16:00:00.000Z","customer_email":"a@b.ru","rbs_order_id":"148a2a67-25ff-7d1b-b28d-391800a7dca8","yookassa_v3_payment_id":"2f0e1d3a-000f-5000-9000-1c2b3d4e5f60"}}}}"#,
                refund_shipping && shipping.is_some()
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn for_any_order_and_selection_the_five_requests_pass_their_validators_and_agree_or_say_why(json in description()) {
        let desc: RefundDescription = serde_json::from_str(&json).unwrap();
        let plan = build(&desc, &credentials(), &[], now()).unwrap();
        for p in &plan.providers {
            prop_assert!(!p.report.has_errors(), "{}: {}\n{}", p.provider, p.report, json);
            prop_assert!(p.request.is_some(), "{}", p.provider);
        }
        for p in &plan.providers {
            if p.refunded != Some(plan.total) {
                // Only YooKassa's rounding rule may force a difference, and the plan says so.
                prop_assert_eq!(p.provider, "yookassa");
                prop_assert!(p.report.violations().iter().any(|v| v.code == "plan_note"));
                prop_assert!(!plan.agreement.is_empty());
            }
        }
    }
}

fn sample() -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/plan/sample-order.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn plan_of(desc: serde_json::Value) -> refundkit::plan::Plan {
    let desc: RefundDescription = serde_json::from_value(desc).unwrap();
    build(&desc, &credentials(), &[], now()).unwrap()
}

fn uri(plan: &refundkit::plan::Plan, provider: &str) -> String {
    let p = plan
        .providers
        .iter()
        .find(|p| p.provider == provider)
        .unwrap();
    assert!(!p.report.has_errors(), "{provider}: {}", p.report);
    p.request.as_ref().unwrap().uri().to_string()
}

/// The XML inside the YooKassa request of a plan.
fn yookassa_xml(plan: &refundkit::plan::Plan) -> String {
    let yookassa = plan
        .providers
        .iter()
        .find(|p| p.provider == "yookassa")
        .unwrap();
    let opened = refundkit::pkcs7::open(
        yookassa.request.as_ref().unwrap().body(),
        refundkit::pkcs7::Trust::InsecureSkipSignature,
    )
    .unwrap();
    String::from_utf8(opened.content).unwrap()
}

#[test]
fn the_plan_and_inspect_orchestrate_without_naming_a_provider() {
    for file in ["plan.rs", "inspect.rs"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/").to_owned() + file;
        let text = std::fs::read_to_string(path).unwrap().to_lowercase();
        for p in refundkit::providers::all() {
            // The name, and its first word (`yandex` of `yandex-pay`).
            let first = p.name().split('-').next().unwrap();
            for word in [p.name(), first] {
                assert!(!text.contains(word), "{file} names {word}");
            }
        }
    }
}

#[test]
fn the_test_environment_uses_each_providers_test_host() {
    let mut desc = sample();
    desc["settings"] = serde_json::json!({"environment": "test"});
    let plan = plan_of(desc);
    assert_eq!(
        uri(&plan, "yandex-pay"),
        "https://sandbox.pay.yandex.ru/api/merchant/v2/orders/order-42/refund"
    );
    assert!(uri(&plan, "yookassa").starts_with("https://penelope-demo.yamoney.ru:8083/"));
    assert_eq!(
        uri(&plan, "rbs"),
        "https://3dsec.sberbank.ru/payment/rest/refund.do"
    );
    // Robokassa has no refund sandbox: production, and the plan says so.
    let robokassa = &plan.providers[0];
    assert_eq!(robokassa.provider, "robokassa");
    assert!(uri(&plan, "robokassa").starts_with("https://services.robokassa.ru/"));
    assert!(robokassa.report.contains("robokassa", "plan_note"));
}

#[test]
fn the_demo_host_gets_its_own_currency() {
    let mut desc = sample();
    desc["settings"] = serde_json::json!({"environment": "test"});
    assert!(yookassa_xml(&plan_of(desc)).contains(r#"currency="10643""#));
}

#[test]
fn settings_choose_the_gateway_the_algorithm_and_any_base_url() {
    let mut desc = sample();
    desc["settings"] = serde_json::json!({
        "rbs": {"gateway": "alfa-bank"},
        "robokassa": {"alg": "HS512"},
        "yandex-pay": {"base_url": "http://127.0.0.1:8080"}
    });
    let plan = plan_of(desc);
    assert_eq!(
        uri(&plan, "rbs"),
        "https://pay.alfabank.ru/payment/rest/refund.do"
    );
    assert!(uri(&plan, "yandex-pay").starts_with("http://127.0.0.1:8080/api/merchant/v2/"));
    let token = plan.providers[0].request.as_ref().unwrap().body();
    // base64url of {"alg":"HS512",...
    assert!(token.starts_with(b"\"eyJhbGciOiJIUzUxMiI"));
}

#[test]
fn gateway_sberbank_ecom_builds_the_json_refund_of_sbers_ecom_gateway() {
    let mut desc = sample();
    desc["settings"] =
        serde_json::json!({"environment": "test", "rbs": {"gateway": "sberbank-ecom"}});
    let plan = plan_of(desc);
    assert_eq!(
        uri(&plan, "rbs"),
        "https://ecomtest.sberbank.ru/ecomm/gw/partner/api/v1/refund.do"
    );
    let rbs = plan.providers.iter().find(|p| p.provider == "rbs").unwrap();
    let request = rbs.request.as_ref().unwrap();
    assert_eq!(request.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["amount"], 50976, "{body}");
    assert!(body.get("orderId").is_some(), "{body}");
    // The shop's refund_id is the ecom gateway's idempotency key.
    assert_eq!(
        body["jsonParams"]["externalRefundId"], "3f0b8d3e-5a1c-4e4f-9d7a-0c1b2a3d4e5f",
        "{body}"
    );
}

#[test]
fn yandex_pay_builds_the_v2_refund_unless_api_v1_is_set() {
    let v2 = plan_of(sample());
    let body = v2.providers[1].request.as_ref().unwrap().body();
    let body: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v2.providers[1].provider, "yandex-pay");
    assert!(
        body.get("targetCart").is_some() && body.get("orderAmount").is_none(),
        "{body}"
    );

    let mut desc = sample();
    desc["settings"] = serde_json::json!({"yandex-pay": {"api": "v1"}});
    let v1 = plan_of(desc);
    assert!(uri(&v1, "yandex-pay").contains("/api/merchant/v1/orders/"));
    // Deprecated, and the plan says so.
    assert!(v1.providers[1].report.contains("yandex-pay", "plan_note"));
    let body: serde_json::Value =
        serde_json::from_slice(v1.providers[1].request.as_ref().unwrap().body()).unwrap();
    assert!(body.get("orderAmount").is_some(), "{body}");
    // Both refund the same amount.
    assert_eq!(v1.providers[1].refunded, v2.providers[1].refunded);
}

#[test]
fn a_wrong_setting_is_an_error_of_that_provider_naming_it() {
    for (settings, path) in [
        (
            serde_json::json!({"rbs": {"gateway": "tinkoff"}}),
            "settings.rbs.gateway",
        ),
        (
            serde_json::json!({"yandex-pay": {"api": "v3"}}),
            "settings.yandex-pay.api",
        ),
        (
            serde_json::json!({"robokassa": {"algo": "HS512"}}),
            "settings.robokassa.algo",
        ),
        (
            serde_json::json!({"yookassa": {"base_url": "ftp://x"}}),
            "settings.yookassa.base_url",
        ),
    ] {
        let mut desc = sample();
        desc["settings"] = settings;
        let plan = plan_of(desc);
        let p = plan
            .providers
            .iter()
            .find(|p| p.report.has_errors())
            .unwrap();
        assert!(p.report.contains(path, "setting"), "{}", p.report);
        assert!(p.request.is_none());
    }
}

#[test]
fn a_reference_or_settings_section_no_provider_takes_is_refused_by_name() {
    let mut desc = sample();
    desc["references"]["robokasa_op_key"] = "typo".into();
    let desc: RefundDescription = serde_json::from_value(desc).unwrap();
    let e = build(&desc, &credentials(), &[], now()).unwrap_err();
    assert_eq!(e.path, "references.robokasa_op_key");
    let mut desc = sample();
    desc["settings"] = serde_json::json!({"paypal": {}});
    let desc: RefundDescription = serde_json::from_value(desc).unwrap();
    assert_eq!(
        build(&desc, &credentials(), &[], now()).unwrap_err().path,
        "settings.paypal"
    );
}

#[test]
fn the_request_time_defaults_to_the_instant_passed_in() {
    let mut desc = sample();
    desc["references"]
        .as_object_mut()
        .unwrap()
        .remove("request_dt");
    // 1_795_000_000 s after the epoch.
    assert!(yookassa_xml(&plan_of(desc)).contains(r#"requestDT="2026-11-18T"#));
}

#[test]
fn a_provider_without_its_credential_is_validated_and_says_it_was_not_sent() {
    let desc: RefundDescription = serde_json::from_value(sample()).unwrap();
    let plan = build(&desc, &Credentials::new(), &[], now()).unwrap();
    for p in &plan.providers {
        assert!(p.request.is_none(), "{}", p.provider);
        assert!(
            p.report.violations().iter().any(|v| !v.message.is_empty()),
            "{}",
            p.provider
        );
    }
}

#[test]
fn printed_requests_are_redacted_by_each_providers_own_rule() {
    let text = plan_of(sample()).to_string();
    assert!(text.contains("authorization: Api-Key [redacted]"));
    assert!(text.contains("password=%5Bredacted%5D"));
    assert!(!text.contains("password=p&"));
}

#[test]
fn a_valid_request_that_cannot_be_built_is_an_error_not_a_silent_gap() {
    // A base URL just under `http`'s longest URI is one; with the refund's path after it, it
    // is not, and the request cannot be built.
    let mut desc = sample();
    let base = format!("http://127.0.0.1/{}", "a".repeat(65_500));
    desc["settings"] = serde_json::json!({"yandex-pay": {"base_url": base}});
    let plan = plan_of(desc);
    let yandex = plan
        .providers
        .iter()
        .find(|p| p.provider == "yandex-pay")
        .unwrap();
    assert!(yandex.request.is_none());
    assert!(
        yandex
            .report
            .contains("yandex-pay", refundkit::plan::plan_codes::NOT_BUILT),
        "{}",
        yandex.report
    );
}

#[test]
fn every_violation_code_of_the_core_and_the_plan_has_a_test_or_a_vector_that_expects_it() {
    use refundkit_testkit::{test_sources, unexercised};
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = test_sources(&crates.join("refundkit"), "plan");
    for (dir, provider) in [
        ("refundkit-robokassa", "robokassa"),
        ("refundkit-yandex-pay", "yandex-pay"),
        ("refundkit-yookassa", "yookassa"),
        ("refundkit-rbs", "rbs"),
        ("refundkit-core", "core"),
    ] {
        sources.extend(test_sources(&crates.join(dir), provider));
    }
    for table in [
        refundkit::core::codes::ALL,
        refundkit::plan::plan_codes::ALL,
    ] {
        let missing = unexercised(table, &sources);
        assert!(missing.is_empty(), "codes no test exercises: {missing:?}");
    }
}

/// The error `build` gives for the sample edited by `edit`: where and why.
fn refusal(edit: impl FnOnce(&mut serde_json::Value)) -> refundkit::core::DecodeError {
    let mut desc = sample();
    edit(&mut desc);
    let desc: RefundDescription = serde_json::from_value(desc).unwrap();
    build(&desc, &credentials(), &[], now()).unwrap_err()
}

#[test]
fn a_refund_sum_larger_than_the_order_is_refused_naming_refund_sum() {
    let e = refusal(|d| {
        d["order"] = serde_json::json!({"lines": [{"id": "x", "name": "Товар", "unit_price": "1000.00",
            "quantity": "1", "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]});
        d["refund"] = serde_json::json!({"sum": "1000.01"});
    });
    assert_eq!(e.path, "refund.sum", "{e}");
    assert!(
        e.to_string().contains("more than the order's 1000.00"),
        "{e}"
    );
    // The whole order is fine.
    let mut desc = sample();
    desc["refund"] = serde_json::json!({"sum": "1110.76"});
    let desc: RefundDescription = serde_json::from_value(desc).unwrap();
    assert!(build(&desc, &credentials(), &[], now()).is_ok());
}

#[test]
fn an_order_without_lines_is_refused_even_with_a_sum() {
    let e = refusal(|d| {
        d["order"] = serde_json::json!({"lines": []});
        d["refund"] = serde_json::json!({"sum": "10.00"});
    });
    assert_eq!(e.path, "order.lines", "{e}");
}

#[test]
fn a_control_character_in_any_text_of_the_description_is_refused_naming_the_field() {
    for (path, edit) in [
        (
            "order.lines[0].id",
            Box::new(|d: &mut serde_json::Value| {
                d["order"]["lines"][0]["id"] = "te\u{0}a".into();
                d["refund"]["lines"][0]["id"] = "te\u{0}a".into();
            }) as Box<dyn FnOnce(&mut serde_json::Value)>,
        ),
        (
            "references.rbs_order_id",
            Box::new(|d: &mut serde_json::Value| {
                d["references"]["rbs_order_id"] = "148a2a67-25ff-7d1b-b28d-391800a7\r\nX: y".into();
            }),
        ),
        (
            "order.lines[1].name",
            Box::new(|d: &mut serde_json::Value| {
                d["order"]["lines"][1]["name"] = "Сыр \u{1b}[31mкрасный".into();
            }),
        ),
        (
            "refund.cause",
            Box::new(|d: &mut serde_json::Value| d["refund"]["cause"] = "a\nb".into()),
        ),
        (
            "settings.rbs.base_url",
            Box::new(|d: &mut serde_json::Value| {
                d["settings"] = serde_json::json!({"rbs": {"base_url": "http://127.0.0.1:1/\n"}});
            }),
        ),
    ] {
        let e = refusal(edit);
        assert_eq!(e.path, path, "{e}");
        assert!(e.to_string().contains("control character"), "{e}");
    }
}

#[test]
fn a_robokassa_op_key_not_in_the_form_opstateext_gives_is_refused_naming_the_reference() {
    for op_key in [
        "x",
        "A-1",
        "0005F891-8CCD-434B-8455-816AFFFDBF37",
        "0005F891-8CCD-434B-8455-816AFFFDBF37-",
        "0005F891-8CCD-434B-8455-816AFFFDBF3Z-0VOisWikFF",
    ] {
        let mut desc = sample();
        desc["references"]["robokassa_op_key"] = op_key.into();
        let plan = plan_of(desc);
        let robokassa = plan
            .providers
            .iter()
            .find(|p| p.provider == "robokassa")
            .unwrap();
        assert!(robokassa.report.has_errors(), "{op_key}");
        assert!(
            robokassa
                .report
                .to_string()
                .contains("references.robokassa_op_key"),
            "{op_key}: {}",
            robokassa.report
        );
        assert!(
            robokassa.request.is_none() && robokassa.refund.is_none(),
            "{op_key}"
        );
    }
}

#[test]
fn a_description_without_a_contact_is_refused_naming_its_customer_email() {
    let mut desc = sample();
    desc["references"]
        .as_object_mut()
        .unwrap()
        .remove("customer_email");
    let plan = plan_of(desc);
    for provider in ["yookassa", "yookassa-v3"] {
        let p = plan
            .providers
            .iter()
            .find(|p| p.provider == provider)
            .unwrap();
        let v = p
            .report
            .errors()
            .find(|v| v.path == "references.customer_email")
            .unwrap_or_else(|| panic!("{provider}: {:?}", p.report));
        // The provider's own field is said too, in its message: what it would have refused.
        assert!(v.message.contains("(in YooKassa"), "{provider}: {v}");
        assert!(p.request.is_none(), "{provider}");
    }
}
