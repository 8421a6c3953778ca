//! The emulators and the codecs check each other: the refunds `plan` builds are driven
//! as refundkit's state machine against the emulated providers, every answer read by
//! refundkit's own parsers, each refund's state stored and reloaded between steps, to a final
//! state: including a refund whose answer is lost and a notification received and verified.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::time::{Duration, SystemTime};

use http::Request;
use refundkit::Refund;
use refundkit::core::lifecycle::{Action, Answer, Status};
use refundkit_sim::{Reply, Scenario, Sim};

#[path = "common/sample.rs"]
mod sample;
use sample::{read, testdata};

const ORIGIN: &str = "http://127.0.0.1:1";

fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000)
}

fn scenario(edit: impl FnOnce(&mut serde_json::Value)) -> Sim {
    let mut json: serde_json::Value =
        serde_json::from_slice(&read("sim/sample-scenario.json")).unwrap();
    edit(&mut json);
    let scenario = Scenario::from_json(json.to_string().as_bytes(), &testdata("sim")).unwrap();
    Sim::new(&scenario).unwrap()
}

fn bases() -> Vec<(&'static str, String)> {
    refundkit_sim::PREFIXES
        .iter()
        .map(|(provider, prefix)| (*provider, format!("{ORIGIN}{prefix}")))
        .collect()
}

/// The requests `plan` builds for the sample order, sent to the emulator's base URLs.
fn planned() -> Vec<(&'static str, Request<Vec<u8>>)> {
    sample::planned(&bases(), start())
}

/// Drives one refund to a final state against the emulator, its state stored and reloaded
/// (as a restart would) between every step; the methods sent, in order.
fn drive(sim: &mut Sim, refund: Refund) -> (Refund, Vec<&'static str>) {
    let credentials = sample::credentials();
    let mut refund = refund;
    let mut now = start();
    let mut sent = Vec::new();
    for _ in 0..20 {
        refund = Refund::from_json(refund.to_json().as_bytes()).unwrap();
        match refund.poll(now, &credentials).unwrap() {
            Action::Send(send) => {
                refund.sent(&send, now).unwrap();
                sent.push(send.method);
                refund = Refund::from_json(refund.to_json().as_bytes()).unwrap();
                let handled = sim.handle(&send.request, now);
                let body;
                let answer = match handled.reply {
                    Reply::Answer(r) | Reply::Delayed(_, r) => {
                        body = r.body().clone();
                        Answer::Received {
                            http_status: r.status().as_u16(),
                            body: &body,
                            headers: None,
                        }
                    }
                    Reply::Lost => Answer::Lost,
                    _ => panic!("a reply refundkit does not know"),
                };
                refund
                    .on_answer(send.seq, answer, &credentials, now)
                    .unwrap();
            }
            Action::Sleep { until } => now = until.max(now + Duration::from_secs(1)),
            Action::Awaiting { .. } => panic!("nothing is in flight between steps"),
            Action::Escalate(_) | Action::Done(_) | Action::Refused(_) | Action::Review(_) => {
                return (refund, sent);
            }
        }
    }
    panic!(
        "{}: no final state in 20 steps: {sent:?}",
        refund.provider()
    );
}

#[test]
fn every_planned_refund_reaches_done_through_the_state_machine() {
    // The lost-answer scenario: the sample, its first refund.do answer lost.
    let mut sim = scenario(
        |s| s["faults"] = serde_json::json!([{"provider": "rbs", "path": "refund.do", "nth": 1, "fault": "answer-lost"}]),
    );
    let refunds = sample::planned_refunds(&bases(), start());
    assert_eq!(refunds.len(), refundkit::ProviderId::ALL.len());
    for refund in refunds {
        let provider = refund.provider().name();
        let (refund, sent) = drive(&mut sim, refund);
        assert_eq!(
            refund.status(),
            Status::Done,
            "{provider}: {}",
            refund.reason()
        );
        let expected: &[&str] = match provider {
            // Create accepted; GetState 30 s later: finished (it settles in 5).
            "robokassa" => &["Refund/Create", "Refund/GetState"],
            // PENDING, then SUCCESS on the operation status.
            "yandex-pay" => &[
                "orders/{orderId}/refund",
                "operations/{externalOperationId}",
            ],
            // Status 1, the identical repeat, status 0.
            "yookassa" => &["returnPayment", "returnPayment"],
            // refundedAmount before; refund.do's answer is lost; the status shows it grown.
            "rbs" => &[
                "getOrderStatusExtended.do",
                "refund.do",
                "getOrderStatusExtended.do",
            ],
            // Pending (it settles in 5 s); the refund object by id shows it succeeded.
            "yookassa-v3" => &["refunds", "refunds/{id}"],
            _ => unreachable!(),
        };
        assert_eq!(sent, expected, "{provider}");
    }
}

#[test]
fn the_default_scenario_is_a_good_day_every_refund_done_at_its_first_answer() {
    let mut sim = Sim::new(&Scenario::builtin("sample").unwrap().unwrap()).unwrap();
    for refund in sample::planned_refunds(&bases(), start()) {
        let provider = refund.provider().name();
        let (refund, sent) = drive(&mut sim, refund);
        assert_eq!(
            refund.status(),
            Status::Done,
            "{provider}: {}",
            refund.reason()
        );
        if provider == "rbs" {
            assert_eq!(sent, ["getOrderStatusExtended.do", "refund.do"]);
        }
    }
}

#[test]
fn the_state_shows_what_each_provider_refunded_once_every_refund_is_done() {
    let mut sim = Sim::new(&Scenario::builtin("lost-answer").unwrap().unwrap()).unwrap();
    for refund in sample::planned_refunds(&bases(), start()) {
        let (refund, _) = drive(&mut sim, refund);
        assert_eq!(refund.status(), Status::Done);
    }
    let state = Request::get(format!("{ORIGIN}/_sim/state"))
        .body(Vec::new())
        .unwrap();
    let later = start() + Duration::from_secs(3600);
    let state: serde_json::Value =
        serde_json::from_slice(&body_of(sim.handle(&state, later))).unwrap();
    assert_eq!(
        state["robokassa"]["operations"][0]["refunded"], "509.76",
        "{state}"
    );
    assert_eq!(
        state["yandex_pay"]["orders"][0]["refunded"], "509.76",
        "{state}"
    );
    assert_eq!(
        state["yookassa"]["payments"][0]["refunded"], "509.76",
        "{state}"
    );
    assert_eq!(
        state["yookassa"]["payments"][0]["amount"], "1110.76",
        "{state}"
    );
    assert_eq!(
        state["yookassa_v3"]["payments"][0]["refunded"], "509.76",
        "{state}"
    );
    assert_eq!(
        state["yookassa_v3"]["payments"][0]["refunds"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{state}"
    );
    // The lost answer was reconciled, not repeated: one refund.
    assert_eq!(state["rbs"]["orders"][0]["refunded"], 50976, "{state}");
    assert_eq!(
        state["rbs"]["orders"][0]["refunds"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{state}"
    );
}

#[test]
fn the_lost_answer_scenario_is_built_in_and_loses_the_first_refund_do_answer() {
    let scenario = Scenario::builtin("lost-answer").unwrap().unwrap();
    assert_eq!(scenario.faults.len(), 1);
    assert_eq!(scenario.faults[0].path, "refund.do");
}

#[test]
fn a_blind_repeat_refunds_twice_where_no_idempotency_key_exists_and_nowhere_else() {
    let mut sim = scenario(|s| s["faults"] = serde_json::json!([]));
    let refunds = sample::planned_refunds(&bases(), start());
    for ((provider, refund), machine) in planned().into_iter().zip(refunds) {
        let (first, _) = drive(&mut sim, machine);
        assert_eq!(first.status(), Status::Done, "{provider}");
        // The same refund once more, as a shop's blind retry after a lost answer would send it.
        let handled = sim.handle(&refund, start() + Duration::from_secs(3600));
        let Reply::Answer(r) = handled.reply else {
            panic!()
        };
        let (status, body) = (r.status().as_u16(), r.body().clone());
        let text = String::from_utf8_lossy(&body).into_owned();
        match provider {
            // No idempotency key: the repeat is a second refund. This is why refundkit
            // reconciles a lost Create or refund.do and never resends it.
            "robokassa" => assert!(
                refundkit::robokassa::parse_response(status, &body).is_success(),
                "{text}"
            ),
            "rbs" => assert!(
                refundkit::rbs::parse_response(status, &body).is_success(),
                "{text}"
            ),
            // externalOperationId: the started refund is a duplicate.
            "yandex-pay" => assert_eq!(
                refundkit::yandex_pay::parse_response(status, &body)
                    .refusal()
                    .and_then(|r| r.code.clone()),
                Some(refundkit::yandex_pay::ReasonCode::DuplicateExternalOperationId),
                "{text}"
            ),
            // clientOrderId: the identical repeat returns the first result, and no second refund.
            "yookassa" => {
                assert!(
                    refundkit::yookassa::parse_response(status, &body).is_success(),
                    "{text}"
                );
                let list = sim.handle(
                    &list_returns("6689", start(), start() + Duration::from_secs(3600)),
                    start(),
                );
                let Reply::Answer(l) = list.reply else {
                    panic!()
                };
                assert_eq!(
                    refundkit::yookassa::read_list_returns(l.body())
                        .unwrap()
                        .entries
                        .len(),
                    1
                );
            }
            // Idempotence-Key: the same key and body answer the first refund object again.
            "yookassa-v3" => {
                let again = refundkit::yookassa_v3::parse_response(status, &body);
                assert_eq!(
                    again.success().map(|r| r.status.clone()),
                    Some(refundkit::yookassa_v3::RefundStatus::Succeeded),
                    "{text}"
                );
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn a_lost_refund_on_sbers_ecom_gateway_is_repeated_under_its_key_and_refunds_once() {
    let mut sim = scenario(|s| {
        s["faults"] = serde_json::json!([
            {"provider": "rbs", "path": "refund.do", "nth": 1, "fault": "answer-lost"}
        ])
    });
    let bases: Vec<(&str, String)> = bases()
        .into_iter()
        .map(|(provider, base)| match provider {
            "rbs" => (
                provider,
                format!("{ORIGIN}{}", refundkit_sim::RBS_ECOM_PREFIX),
            ),
            _ => (provider, base),
        })
        .collect();
    let refund = sample::planned_refunds(&bases, start())
        .into_iter()
        .find(|r| r.provider().name() == "rbs")
        .unwrap();
    let (refund, sent) = drive(&mut sim, refund);
    assert_eq!(refund.status(), Status::Done, "{}", refund.reason());
    assert_eq!(
        sent,
        ["getOrderStatusExtended.do", "refund.do", "refund.do"]
    );
    let status = Request::post(format!(
        "{ORIGIN}{}/getOrderStatusExtended.do",
        refundkit_sim::RBS_ECOM_PREFIX
    ))
    .body(
        br#"{"userName":"sample-rbs-api","password":"sample-rbs-password-NOT-REAL","orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8"}"#
            .to_vec(),
    )
    .unwrap();
    let body = body_of(sim.handle(&status, start()));
    let order = refundkit::rbs::parse_status_response(200, &body);
    assert_eq!(
        order
            .success()
            .and_then(|o| o.payment_amount_info.as_ref()?.refunded_amount),
        Some(50976),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[test]
fn a_yandex_pay_notification_is_signed_under_the_emulators_jwks_and_decides_the_refund() {
    let mut sim = scenario(|s| {
        s["yandex_pay"]["notify_url"] = serde_json::json!("http://127.0.0.1:2/v1/webhook");
    });
    let mut refund = yandex_pay_refund_sent(&mut sim);
    assert_eq!(refund.status(), Status::Waiting);
    let later = start() + Duration::from_secs(10);
    let notifications = sim.tick(later);
    assert_eq!(notifications.len(), 1);
    let n = &notifications[0];
    assert_eq!(n.request.uri(), "http://127.0.0.1:2/v1/webhook");
    assert_eq!(n.attempt, 1);
    // The headers of Yandex Pay's own request (its WooCommerce plugin's sample).
    let header = |name: &str| n.request.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("user-agent"), "YandexPay/1.0");
    assert_eq!(header("x-request-timeout"), "13970");
    assert!(!header("x-request-id").is_empty());
    let jwks =
        refundkit::yandex_pay::webhook::Jwks::from_json(sim.jwks("yandex-pay").unwrap().as_bytes())
            .unwrap();
    let verified = refundkit::yandex_pay::webhook::verify_for(
        n.request.body(),
        &jwks,
        "00000000-0000-4000-8000-000000000000",
        later,
        refundkit::yandex_pay::webhook::DEFAULT_LEEWAY,
    )
    .unwrap();
    assert!(refund.on_notification(&verified, later));
    assert_eq!(refund.status(), Status::Done);
}

/// `listReturns` for a shop's returns accepted within `from..=till`.
fn list_returns(shop_id: &str, from: SystemTime, till: SystemTime) -> Request<Vec<u8>> {
    use refundkit::yookassa::http::{Endpoint, list_returns_request};
    use refundkit::yookassa::timing::format_request_dt;
    let at = format_request_dt;
    let endpoint = Endpoint::custom(&format!("{ORIGIN}/yookassa/webservice/mws/api")).unwrap();
    list_returns_request(
        &endpoint,
        &refundkit::yookassa::ListReturns {
            request_dt: at(till),
            shop_id: shop_id.into(),
            from: at(from),
            till: at(till),
        },
    )
    .unwrap()
}

/// The member (or attribute) names of an answer: JSON object keys, or the root element's
/// attributes for XML.
fn names(body: &[u8]) -> Vec<String> {
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut k: Vec<String> = m.keys().cloned().collect();
        k.sort();
        return k;
    }
    let root = refundkit::yookassa::read_response(body).unwrap();
    let mut k: Vec<String> = ["clientOrderId", "status", "error", "processedDT"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(root.other.iter().map(|(k, _)| k.clone()))
        .collect();
    k.sort();
    k
}

fn body_of(handled: refundkit_sim::Handled) -> Vec<u8> {
    match handled.reply {
        Reply::Answer(r) | Reply::Delayed(_, r) => r.body().clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_emulators_answers_have_the_members_of_the_documented_examples() {
    let mut sim = scenario(|s| {
        s["faults"] = serde_json::json!([]);
        s["yookassa"]["in_progress_repeats"] = 0.into();
    });
    for (provider, refund) in planned() {
        let ours = body_of(sim.handle(&refund, start()));
        let documented = match provider {
            "robokassa" => "robokassa/responses/create-success.json",
            // The operation as `merchant_v1_operations-get` shows it: code, status, data.
            "yandex-pay" => "lifecycle/yandex-pay.operation-pending.json",
            "yookassa" => "yookassa/responses/seed-done.xml",
            "rbs" => "rbs/responses/7-exceeds.json",
            "yookassa-v3" => "yookassa-v3/responses/pending.json",
            _ => unreachable!(),
        };
        assert_eq!(
            names(&ours),
            names(&read(documented)),
            "{provider}: {}",
            String::from_utf8_lossy(&ours)
        );
        if provider == "robokassa" {
            let id: serde_json::Value = serde_json::from_slice(&ours).unwrap();
            let state = Request::get(format!(
                "{ORIGIN}/robokassa/RefundService/Refund/GetState?id={}",
                id["requestId"].as_str().unwrap()
            ))
            .body(Vec::new())
            .unwrap();
            let ours = body_of(sim.handle(&state, start() + Duration::from_secs(60)));
            assert_eq!(
                names(&ours),
                names(&read("robokassa/responses/state-finished.json"))
            );
            // `amount` as Robokassa writes it: a number with six places.
            assert!(
                String::from_utf8_lossy(&ours).contains(r#""amount":509.760000"#),
                "{}",
                String::from_utf8_lossy(&ours)
            );
        }
    }
}

/// Sends the planned Yandex Pay refund once at `start()` and returns the machine after its
/// answer (PENDING: waiting; no notification yet).
fn yandex_pay_refund_sent(sim: &mut Sim) -> Refund {
    let credentials = sample::credentials();
    let mut refund = sample::planned_refunds(&bases(), start())
        .into_iter()
        .find(|r| r.provider() == refundkit::ProviderId::YandexPay)
        .unwrap();
    let Action::Send(send) = refund.poll(start(), &credentials).unwrap() else {
        panic!()
    };
    refund.sent(&send, start()).unwrap();
    let handled = sim.handle(&send.request, start());
    assert!(
        handled.notifications.is_empty(),
        "none before the refund settles"
    );
    let Reply::Answer(r) = handled.reply else {
        panic!()
    };
    refund
        .on_answer(
            send.seq,
            Answer::Received {
                http_status: r.status().as_u16(),
                body: r.body(),
                headers: None,
            },
            &credentials,
            start(),
        )
        .unwrap();
    refund
}

fn notifications_state(sim: &Sim) -> serde_json::Value {
    sim.state(start())["yandex_pay"]["notifications"].clone()
}

#[test]
fn an_unanswered_yandex_pay_notification_is_posted_again_on_the_schedule_until_a_2xx() {
    let mut sim = scenario(|s| {
        s["yandex_pay"]["notify_url"] = serde_json::json!("http://127.0.0.1:2/v1/webhook");
        s["yandex_pay"]["notify_retry_ms"] = serde_json::json!([100, 200]);
    });
    yandex_pay_refund_sent(&mut sim);
    let settled = start() + Duration::from_secs(10);
    let first = sim.tick(settled);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempt, 1);
    // Nothing more is posted while an attempt is out.
    assert!(sim.tick(settled + Duration::from_secs(60)).is_empty());
    sim.notification_answered(
        first[0].id,
        Some(http::StatusCode::INTERNAL_SERVER_ERROR),
        settled,
    );
    assert!(sim.tick(settled + Duration::from_millis(99)).is_empty());
    let second = sim.tick(settled + Duration::from_millis(100));
    assert_eq!(second.len(), 1);
    assert_eq!((second[0].id, second[0].attempt), (first[0].id, 2));
    assert_eq!(second[0].request.body(), first[0].request.body());
    // No answer at all counts as a failure too.
    let t = settled + Duration::from_millis(100);
    sim.notification_answered(second[0].id, None, t);
    let third = sim.tick(t + Duration::from_millis(200));
    assert_eq!(third[0].attempt, 3);
    sim.notification_answered(third[0].id, Some(http::StatusCode::OK), t);
    assert!(sim.tick(t + Duration::from_secs(3600)).is_empty());
    assert_eq!(
        notifications_state(&sim),
        serde_json::json!({"attempts": 3, "delivered": 1, "undelivered": 0, "given_up": 0})
    );
}

#[test]
fn a_yandex_pay_notification_is_given_up_once_its_schedule_is_spent() {
    let mut sim = scenario(|s| {
        s["yandex_pay"]["notify_url"] = serde_json::json!("http://127.0.0.1:2/v1/webhook");
        s["yandex_pay"]["notify_retry_ms"] = serde_json::json!([100]);
    });
    yandex_pay_refund_sent(&mut sim);
    let mut t = start() + Duration::from_secs(10);
    let mut attempts = 0;
    loop {
        let due = sim.tick(t);
        if due.is_empty() {
            break;
        }
        attempts += due.len();
        for n in due {
            sim.notification_answered(n.id, Some(http::StatusCode::BAD_REQUEST), t);
        }
        t += Duration::from_secs(1);
    }
    assert_eq!(attempts, 2, "the first attempt and one repeat");
    assert_eq!(
        notifications_state(&sim),
        serde_json::json!({"attempts": 2, "delivered": 0, "undelivered": 0, "given_up": 1})
    );
}

fn yandex_pay_driven_with(fault: &str) -> (Refund, Vec<&'static str>, serde_json::Value) {
    let mut sim = scenario(|s| {
        s["faults"] = serde_json::json!([
            {"provider": "yandex-pay", "path": "/refund", "nth": 1, "fault": fault}
        ]);
    });
    let refund = sample::planned_refunds(&bases(), start())
        .into_iter()
        .find(|r| r.provider() == refundkit::ProviderId::YandexPay)
        .unwrap();
    let (refund, sent) = drive(&mut sim, refund);
    let order = sim.state(start() + Duration::from_secs(3600))["yandex_pay"]["orders"][0].clone();
    (refund, sent, order)
}

#[test]
fn a_yandex_pay_refund_whose_request_was_lost_is_sent_again_under_its_id_and_refunds_once() {
    let (refund, sent, order) = yandex_pay_driven_with("request-lost");
    assert_eq!(refund.status(), Status::Done);
    assert_eq!(sent[..2], ["orders/{orderId}/refund"; 2], "{sent:?}");
    assert_eq!(order["refunds"].as_array().unwrap().len(), 1, "{order}");
    assert_eq!(order["refunded"], "509.76");
}

#[test]
fn a_yandex_pay_refund_that_never_registered_is_not_found_by_id_and_sent_again() {
    // A proxy's page states nothing: refundkit asks for the operation by its id, Yandex Pay
    // has none (404), so the refund never registered and is sent again.
    let (refund, sent, order) = yandex_pay_driven_with("challenge-page");
    assert_eq!(refund.status(), Status::Done);
    assert_eq!(
        sent[..3],
        [
            "orders/{orderId}/refund",
            "operations/{externalOperationId}",
            "orders/{orderId}/refund"
        ],
        "{sent:?}"
    );
    assert_eq!(order["refunds"].as_array().unwrap().len(), 1, "{order}");
    assert_eq!(order["refunded"], "509.76");
}

#[test]
fn list_returns_lists_the_shops_applied_returns_accepted_within_from_and_till() {
    let mut sim = scenario(|_| {});
    let refund = sample::planned_refunds(&bases(), start())
        .into_iter()
        .find(|r| r.provider() == refundkit::ProviderId::Yookassa)
        .unwrap();
    let (refund, _) = drive(&mut sim, refund);
    assert_eq!(refund.status(), Status::Done);
    let count = |sim: &mut Sim, shop: &str, from: SystemTime, till: SystemTime| {
        let Reply::Answer(r) = sim.handle(&list_returns(shop, from, till), start()).reply else {
            panic!()
        };
        let list = refundkit::yookassa::read_list_returns(r.body()).unwrap();
        assert_eq!(list.root.status, refundkit::yookassa::Status::Done);
        list.entries.len()
    };
    let hour = Duration::from_secs(3600);
    assert_eq!(count(&mut sim, "6689", start() - hour, start() + hour), 1);
    assert_eq!(
        count(&mut sim, "6689", start() + hour, start() + hour * 2),
        0,
        "after"
    );
    assert_eq!(
        count(&mut sim, "6689", start() - hour * 2, start() - hour),
        0,
        "before"
    );
    assert_eq!(
        count(&mut sim, "7000", start() - hour, start() + hour),
        0,
        "another shop"
    );
}

#[test]
fn list_returns_without_a_period_is_refused_naming_the_field() {
    let mut sim = scenario(|_| {});
    let request = Request::post(format!("{ORIGIN}/yookassa/webservice/mws/api/listReturns"))
        .body(b"requestDT=2026-11-22T16%3A00%3A00.000Z&outputFormat=XML&shopId=6689".to_vec())
        .unwrap();
    let Reply::Answer(r) = sim.handle(&request, start()).reply else {
        panic!()
    };
    let list = refundkit::yookassa::read_list_returns(r.body()).unwrap();
    assert_eq!(list.root.status, refundkit::yookassa::Status::Refused);
    assert_eq!(list.root.tech_message.as_deref(), Some("from"));
}
