//! `refundkit plan`, `inspect` and `conform` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

fn testdata(file: &str) -> String {
    common::testdata("", file)
}

fn run(args: &[&str]) -> std::process::Output {
    common::run(args, None)
}

#[test]
fn plan_on_the_built_in_sample_is_the_golden_plan() {
    let out = run(&["plan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(testdata("plan/sample-plan.txt")).unwrap()
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("SAMPLE credentials")
    );
}

#[test]
fn plan_never_prints_secrets() {
    let out = run(&["plan"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for secret in [
        "sample-yandex-pay-api-key-NOT-REAL",
        "sample-rbs-password-NOT-REAL",
        "sample-password3-NOT-A-REAL-KEY",
        "PRIVATE KEY",
    ] {
        assert!(!text.contains(secret), "{secret}");
    }
}

#[test]
fn plan_can_be_limited_to_one_provider() {
    let out = run(&[
        "plan",
        "--provider",
        "rbs",
        &testdata("plan/sample-order.json"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("== rbs") && !text.contains("== robokassa"));
    assert!(text.contains("amount=50976"));
}

#[test]
fn plan_refuses_a_bad_description() {
    let file = std::env::temp_dir().join(format!("refundkit-plan-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"order": {"lines": []}, "refund": {"lines": [{"id": "x", "quantity": "1"}]}, "references": {}}"#).unwrap();
    assert_eq!(
        run(&["plan", &file.to_string_lossy()]).status.code(),
        Some(1)
    );
}

#[test]
fn inspect_exits_0_when_valid_1_otherwise_and_as_an_answer_states() {
    for (file, code, kind) in [
        ("robokassa/tokens/seed.token", 0, "kind: robokassa token"),
        (
            "yookassa/seed-example.pem",
            1,
            "kind: yookassa PKCS#7 containing yookassa makeDepositionResponse",
        ),
        (
            "yookassa/requests/seed-2-receipt.xml",
            1,
            "kind: yookassa returnPaymentRequest",
        ),
        ("rbs/forms/seed.form", 0, "kind: rbs refund.do form body"),
        (
            "yandex-pay/requests/every-invariant-broken.json",
            1,
            "kind: yandex-pay refund body",
        ),
        ("rbs/responses/proxy-error.html", 1, "kind: "),
        // An answer exits as what it states: 3 refused, 4 in progress, 1 malformed.
        ("rbs/responses/7-exceeds.json", 3, "kind: rbs response"),
        (
            "yookassa/responses/in-progress.xml",
            4,
            "kind: yookassa returnPaymentResponse",
        ),
        (
            "rbs/responses/both-success-and-error.json",
            1,
            "kind: rbs response",
        ),
        (
            "robokassa/responses/create-success.json",
            0,
            "kind: robokassa Create response",
        ),
    ] {
        let out = run(&["inspect", &testdata(file)]);
        assert_eq!(out.status.code(), Some(code), "{file}");
        assert!(
            String::from_utf8(out.stdout).unwrap().starts_with(kind),
            "{file}"
        );
    }
}

#[test]
fn conform_runs_every_vector_and_prints_a_table() {
    let out = run(&["conform", &testdata("")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for provider in ["robokassa", "yandex-pay", "yookassa", "rbs"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(provider) && l.contains("0 failed")),
            "{text}"
        );
    }
    assert_eq!(run(&["conform", "/nonexistent"]).status.code(), Some(2));
}

#[test]
fn conform_runs_the_lifecycle_decisions_and_status_answers_of_cases_json() {
    let out = run(&["conform", &testdata("")]);
    let text = String::from_utf8(out.stdout).unwrap();
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("lifecycle"))
        .unwrap()
        .split_whitespace()
        .collect();
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("lifecycle/cases.json")).unwrap())
            .unwrap();
    let count = cases["cases"].as_array().unwrap().len().to_string();
    assert_eq!(
        row,
        ["lifecycle", count.as_str(), "passed", "0", "failed"],
        "{text}"
    );
    // A golden output that no longer holds fails, naming the case.
    let copy = std::env::temp_dir().join(format!("refundkit-conform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(testdata("lifecycle"))
        .arg(copy.join("lifecycle"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(copy.join("lifecycle/expected/00.out"), "done\n").unwrap();
    let out = run(&["conform", &copy.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("FAIL rbs: a lost refund.do is reconciled through getOrderStatusExtended.do (5): output:"),
        "{text}"
    );
}

#[test]
fn providers_without_references_are_skipped_unless_asked_for() {
    let file = std::env::temp_dir().join(format!("refundkit-plan-rbs-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"order":{"lines":[{"id":"a","name":"A","unit_price":"10.00","quantity":"1","vat":"20","payment_method":"full_payment","payment_subject":"commodity"}]},"refund":{"lines":[{"id":"a","quantity":"1"}]},"references":{"rbs_order_id":"148a2a67-25ff-7d1b-b28d-391800a7dca8"}}"#).unwrap();
    let out = run(&["plan", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("== yookassa not planned: no references.yookassa_invoice_id"),
        "{text}"
    );
    assert!(text.contains("amount=1000"));
    assert_eq!(
        run(&["plan", "--provider", "yookassa", &file.to_string_lossy()])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn plan_takes_the_environment_and_settings_as_flags() {
    let out = run(&["plan", "--provider", "rbs", "--environment", "test"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("POST https://3dsec.sberbank.ru/payment/rest/refund.do")
    );
    let out = run(&[
        "plan",
        "--provider",
        "rbs",
        "--setting",
        "rbs.gateway=alfa-bank",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("POST https://pay.alfabank.ru/payment/rest/refund.do")
    );
    let out = run(&[
        "plan",
        "--provider",
        "rbs",
        "--setting",
        "rbs.gateway=sberbank-ecom",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("POST https://ecommerce.sberbank.ru/ecomm/gw/partner/api/v1/refund.do")
    );
    // A malformed assignment is a usage error; a setting the provider lacks rejects the plan.
    assert_eq!(
        run(&["plan", "--setting", "gateway"]).status.code(),
        Some(2)
    );
    let out = run(&["plan", "--provider", "rbs", "--setting", "rbs.gate=x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("settings.rbs.gate")
    );
}
