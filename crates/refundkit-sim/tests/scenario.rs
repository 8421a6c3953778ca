//! The scenario format's rules, one test per rule: each error names the field, and none
//! echoes a value that may be a secret.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

use refundkit_sim::{Fault, FaultKind, Scenario, ScenarioError};

fn sample() -> serde_json::Value {
    serde_json::from_slice(Scenario::builtin_json("sample").unwrap()).unwrap()
}

fn error_of(json: &serde_json::Value) -> String {
    match Scenario::from_json(json.to_string().as_bytes(), Path::new(".")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted: {json}"),
    }
}

#[test]
fn the_built_in_scenarios_read_without_a_checkout() {
    for name in ["sample", "lost-answer"] {
        let scenario = Scenario::builtin(name).unwrap().unwrap();
        refundkit_sim::Sim::new(&scenario).unwrap();
    }
    assert!(
        Scenario::builtin("sample")
            .unwrap()
            .unwrap()
            .faults
            .is_empty()
    );
    assert!(Scenario::builtin("no-such").is_none());
}

#[test]
fn a_duplicate_order_or_payment_id_is_an_error_naming_it() {
    let mut s = sample();
    let order = s["rbs"]["orders"][0].clone();
    s["rbs"]["orders"].as_array_mut().unwrap().push(order);
    assert!(
        error_of(&s).contains("rbs.orders[1].order_id"),
        "{}",
        error_of(&s)
    );
    let mut s = sample();
    let payment = s["yookassa"]["payments"][0].clone();
    s["yookassa"]["payments"]
        .as_array_mut()
        .unwrap()
        .push(payment);
    assert!(error_of(&s).contains("yookassa.payments[1].invoice_id"));
    let mut s = sample();
    let op = s["robokassa"]["operations"][0].clone();
    s["robokassa"]["operations"]
        .as_array_mut()
        .unwrap()
        .push(op);
    assert!(error_of(&s).contains("robokassa.operations[1].op_key"));
    let mut s = sample();
    let order = s["yandex_pay"]["orders"][0].clone();
    s["yandex_pay"]["orders"]
        .as_array_mut()
        .unwrap()
        .push(order);
    assert!(error_of(&s).contains("yandex_pay.orders[1].order_id"));
}

#[test]
fn a_fault_counts_from_1_and_names_a_provider_and_one_of_its_methods() {
    let mut s = sample();
    s["faults"] = serde_json::json!([{"provider": "rbs", "path": "refund.do", "nth": 0, "fault": "answer-lost"}]);
    assert!(error_of(&s).contains("faults[0].nth"), "{}", error_of(&s));
    s["faults"] =
        serde_json::json!([{"provider": "sber", "path": "refund.do", "fault": "answer-lost"}]);
    assert!(error_of(&s).contains("faults[0].provider"));
    s["faults"] =
        serde_json::json!([{"provider": "rbs", "path": "refund", "fault": "answer-lost"}]);
    assert!(error_of(&s).contains("faults[0].path"));
    for (provider, path) in [
        ("robokassa", "Refund/Create"),
        ("yandex-pay", "/refund"),
        ("yandex-pay", "operations/{id}"),
        ("yandex-pay", "/api/merchant/v1/orders/{id}"),
        ("yookassa", "returnPayment"),
        ("rbs", "getOrderStatusExtended.do"),
    ] {
        s["faults"] =
            serde_json::json!([{"provider": provider, "path": path, "fault": "http-500"}]);
        Scenario::from_json(s.to_string().as_bytes(), Path::new(".")).unwrap();
    }
}

#[test]
fn a_notify_url_must_be_an_http_url() {
    let mut s = sample();
    s["yandex_pay"]["notify_url"] = "shop.example/webhook".into();
    assert!(error_of(&s).contains("yandex_pay.notify_url"));
    s["yandex_pay"]["notify_url"] = "https://shop.example/v1/webhook".into();
    Scenario::from_json(s.to_string().as_bytes(), Path::new(".")).unwrap();
}

#[test]
fn a_missing_certificate_file_is_an_error_naming_the_file() {
    let mut s = sample();
    s["yandex_pay"]
        .as_object_mut()
        .unwrap()
        .remove("signing_key");
    s["yookassa"]["shop_certificate"] = "no-such.crt".into();
    let scenario =
        Scenario::from_json(s.to_string().as_bytes(), Path::new("/nonexistent")).unwrap();
    match refundkit_sim::Sim::new(&scenario) {
        Err(e @ ScenarioError::File { .. }) => assert!(e.to_string().contains("no-such.crt")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_error_never_echoes_a_secret_value() {
    let mut s = sample();
    s["rbs"]["password"] = 918273645.into();
    let e = error_of(&s);
    assert!(!e.contains("918273645"), "{e}");
    let mut s = sample();
    s["robokassa"]["password3"] = serde_json::json!(["hunter2-secret"]);
    let e = error_of(&s);
    assert!(!e.contains("hunter2"), "{e}");
}

#[test]
fn a_fault_flag_reads_provider_path_nth_kind_and_ms() {
    let f = Fault::parse("rbs:refund.do:1:answer-lost").unwrap();
    assert_eq!(
        (f.provider.as_str(), f.path.as_str(), f.nth, f.fault),
        ("rbs", "refund.do", 1, FaultKind::AnswerLost)
    );
    let f = Fault::parse("robokassa:Refund/Create:2:delay:250").unwrap();
    assert_eq!((f.nth, f.fault, f.ms), (2, FaultKind::Delay, 250));
    let f = Fault::parse("yandex-pay:/refund:1:request-lost").unwrap();
    assert_eq!(f.fault, FaultKind::RequestLost);
    let f = Fault::parse("yandex-pay:/refund:1:challenge-page").unwrap();
    assert_eq!(f.fault, FaultKind::ChallengePage);
    for bad in [
        "rbs:refund.do",
        "rbs:refund.do:x:answer-lost",
        "rbs:refund.do:1:explode",
        "rbs:refund.do:0:http-500",
        "nobody:refund.do:1:http-500",
    ] {
        assert!(Fault::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_fault_names_a_method_by_its_last_segments_and_only_faults_that_can_fire_are_taken() {
    // `{id}` in a method's path is matched only by `{id}` in the fault: a fault naming a
    // segment that only an id can stand in (Yandex Pay's status path ends with the operation's
    // id, not with `operations`) would never fire, and is refused.
    let mut s = sample();
    for path in ["operations", "orders", "v1/operations"] {
        s["faults"] =
            serde_json::json!([{"provider": "yandex-pay", "path": path, "fault": "http-500"}]);
        assert!(
            error_of(&s).contains("faults[0].path"),
            "{path}: {}",
            error_of(&s)
        );
    }
}

#[test]
fn a_fault_fires_on_the_requests_its_path_names_and_the_state_says_it_fired() {
    use std::time::{Duration, SystemTime};
    let mut s = sample();
    s["faults"] = serde_json::json!([
        {"provider": "yandex-pay", "path": "operations/{id}", "nth": 1, "fault": "http-500"},
        {"provider": "rbs", "path": "refund.do", "nth": 5, "fault": "http-500"}
    ]);
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/sim"));
    let scenario = Scenario::from_json(s.to_string().as_bytes(), dir).unwrap();
    let mut sim = refundkit_sim::Sim::new(&scenario).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000);
    let request = http::Request::get("http://127.0.0.1/yandex-pay/api/merchant/v1/operations/op-1")
        .body(Vec::new())
        .unwrap();
    let handled = sim.handle(&request, now);
    let refundkit_sim::Reply::Answer(answer) = handled.reply else {
        panic!("an answer")
    };
    assert_eq!(answer.status(), 500);
    let state = sim.state(now);
    assert_eq!(state["faults"][0]["fired"], true, "{state}");
    assert_eq!(state["faults"][1]["fired"], false, "{state}");
}
