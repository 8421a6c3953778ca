//! A shop's day of refunds at the five providers, with faults: several payments per provider,
//! several partial refunds of each (so one payment's refunds must go one after another), and
//! lost answers, lost requests, 500s and delays on the refund and status methods of every
//! provider. Then the check that matters: from the emulator's own record of what it applied,
//! no refund applied twice, every refund the journal calls done applied exactly once, every
//! refused one not applied, none left open.
//!
//! Included by path by the journal's in-process tests and by the command line's crash test.
#![allow(dead_code)]

use std::collections::BTreeMap;

/// Payments per provider, and partial refunds per payment.
pub const PAYMENTS: usize = 3;
pub const REFUNDS: usize = 3;

fn op_key(p: usize) -> String {
    format!("{p:04X}F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF")
}

fn yandex_order(p: usize) -> String {
    format!("order-{p}")
}

fn invoice(p: usize) -> String {
    format!("20000001{p:02}")
}

fn rbs_order(p: usize) -> String {
    format!("{p:08x}-25ff-7d1b-b28d-391800a7dca8")
}

fn v3_payment(p: usize) -> String {
    format!("{p:08x}-000f-50be-b000-0486ffbf45b0")
}

/// The refund that asks more than the payment holds.
const TOO_MUCH: usize = 9;

/// Refund `k` of payment `p`: a sum distinct within the payment, so the emulator's record
/// of a refund can be told by its amount.
fn sum(p: usize, k: usize) -> String {
    if k == TOO_MUCH {
        return format!("5000.{p:02}");
    }
    format!("{}.{p:02}", 10 * (k + 1))
}

/// The scenario: the sample's credentials and key material (paths relative to
/// `testdata/sim`), `PAYMENTS` payments per provider, refunds settling after `settle` seconds,
/// and `faults`.
pub fn scenario(settle: u64, faults: serde_json::Value) -> serde_json::Value {
    let paid = "1000.00";
    // Yandex Pay's orders: the lines refunded one by one, and one kept.
    let yandex_total = |p: usize| {
        let cents: u64 = (0..REFUNDS).map(|k| cents(&sum(p, k))).sum::<u64>() + 100_000;
        format!("{}.{:02}", cents / 100, cents % 100)
    };
    serde_json::json!({
        "robokassa": {
            "password3": "sample-password3-NOT-A-REAL-KEY",
            "settle_seconds": settle,
            "operations": (0..PAYMENTS).map(|p| serde_json::json!({"op_key": op_key(p), "amount": paid})).collect::<Vec<_>>()
        },
        "yandex_pay": {
            "api_key": "sample-yandex-pay-api-key-NOT-REAL",
            "settle_seconds": settle,
            "orders": (0..PAYMENTS).map(|p| serde_json::json!({"order_id": yandex_order(p), "amount": yandex_total(p), "status": "CAPTURED"})).collect::<Vec<_>>(),
            "signing_key": "../yandex-pay/webhook/key.p8.der",
            "kid": "1-merchant-api"
        },
        "yookassa": {
            "shop_certificate": "../sample-credentials/yookassa-shop.crt",
            "in_progress_repeats": 1,
            "payments": (0..PAYMENTS).map(|p| serde_json::json!({"invoice_id": invoice(p), "shop_id": "6689", "amount": paid})).collect::<Vec<_>>()
        },
        "rbs": {
            "user_name": "sample-rbs-api",
            "password": "sample-rbs-password-NOT-REAL",
            "orders": (0..PAYMENTS).map(|p| serde_json::json!({"order_id": rbs_order(p), "deposited": 100_000})).collect::<Vec<_>>()
        },
        "yookassa_v3": {
            "shop_id": "100500",
            "secret_key": "test_sample-secret-key-NOT-A-REAL-KEY",
            "settle_seconds": settle,
            "payments": (0..PAYMENTS).map(|p| serde_json::json!({"payment_id": v3_payment(p), "amount": paid})).collect::<Vec<_>>()
        },
        "faults": faults
    })
}

/// Kopecks of a decimal string with at most two places.
fn cents(decimal: &str) -> u64 {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, "0"));
    let frac = format!("{frac:0<2}");
    whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap()
}

/// Faults on every provider's refund and status methods: answers lost (the provider acted),
/// requests lost (it did not), 500s and proxy pages, and between them delays of `delay_ms`
/// (a worker killed then dies with its request in flight).
pub fn faults(delay_ms: u64) -> serde_json::Value {
    let mut out = Vec::new();
    let mut add = |provider: &str, path: &str, nth: u32, fault: &str| {
        out.push(serde_json::json!({"provider": provider, "path": path, "nth": nth, "fault": fault, "ms": delay_ms}));
    };
    for (provider, refund, status) in [
        ("robokassa", "Refund/Create", "Refund/GetState"),
        ("yandex-pay", "/refund", "operations/{id}"),
        ("yookassa", "returnPayment", "returnPayment"),
        ("rbs", "refund.do", "getOrderStatusExtended.do"),
        ("yookassa-v3", "refunds", "refunds/{id}"),
    ] {
        let mut on_refund = [
            "delay",
            "answer-lost",
            "delay",
            "http-500",
            "delay",
            "request-lost",
            "delay",
            "answer-lost",
            "delay",
        ];
        if provider == "robokassa" {
            // A Create cut off in flight can only go to review (no key, no lookup without its
            // answer): most Creates are left clean, so that done Robokassa refunds are checked
            // too.
            on_refund = [
                "none",
                "answer-lost",
                "none",
                "http-500",
                "none",
                "request-lost",
                "none",
                "answer-lost",
                "delay",
            ];
        }
        let mut on_status = [
            "delay",
            "delay",
            "answer-lost",
            "delay",
            "proxy-html",
            "delay",
            "delay",
            "delay",
            "http-500",
        ];
        if provider == "robokassa" {
            // Fewer GetStates come (a Create cut off goes to review and asks none): every
            // kind of fault among the first five, so that each fires.
            on_status = [
                "delay",
                "answer-lost",
                "http-500",
                "proxy-html",
                "delay",
                "none",
                "none",
                "none",
                "none",
            ];
        }
        if provider == "yookassa-v3" {
            // A refund is polled only while it is pending, and most settle at the first
            // status: every kind of fault among the first six.
            on_status = [
                "delay",
                "answer-lost",
                "delay",
                "proxy-html",
                "http-500",
                "delay",
                "none",
                "none",
                "none",
            ];
        }
        // MWS's status is its refund's identical repeat: one list for the one method.
        let lists: &[(&str, [&str; 9])] = if refund == status {
            &[(refund, on_refund)]
        } else {
            &[(refund, on_refund), (status, on_status)]
        };
        for (path, list) in lists {
            for (nth, fault) in (1..).zip(list.iter()).filter(|(_, f)| **f != "none") {
                add(provider, path, nth, fault);
            }
        }
    }
    serde_json::Value::Array(out)
}

/// One refund to submit: the shop's id, the provider, and its description (plan's format).
pub struct Submission {
    pub id: String,
    pub provider: &'static str,
    pub description: serde_json::Value,
}

/// Every refund of the day, each payment's in the order they are to be made, with each
/// provider's `base_url` from `bases` (`(provider, base)`). The last refund of payment 0 at
/// each provider (`…-0-9`) asks more than remains: the provider refuses it.
pub fn submissions(bases: &[(&str, String)]) -> Vec<Submission> {
    let base = |provider: &str| {
        bases
            .iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    let line = |id: String, price: &str| {
        serde_json::json!({"id": id, "name": "Товар", "unit_price": price, "quantity": "1",
            "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"})
    };
    let mut out = Vec::new();
    let refunds = (0..REFUNDS).flat_map(|k| (0..PAYMENTS).map(move |p| (p, k)));
    for (p, k) in refunds.chain([(0, TOO_MUCH)]) {
        // The shop's record of the order: what was paid, as far as it knows. The refund that
        // asks too much is one refundkit cannot tell from a good one (the shop believes the
        // order larger than the payment the provider holds): the provider refuses it.
        let paid = if k == TOO_MUCH { "6000.00" } else { "1000.00" };
        let one_line = serde_json::json!({"lines": [line("x".into(), paid)]});
        let settings =
            |provider: &str| serde_json::json!({ provider: {"base_url": base(provider)} });
        out.push(Submission {
            id: format!("robokassa-{p}-{k}"),
            provider: "robokassa",
            description: serde_json::json!({
                "order": one_line, "refund": {"sum": sum(p, k)},
                "references": {"robokassa_op_key": op_key(p)},
                "settings": settings("robokassa")
            }),
        });
        // What remains of the Yandex Pay order when refund k is made: lines k.. and the
        // one kept.
        let mut lines: Vec<serde_json::Value> = (k..REFUNDS)
            .chain((k == TOO_MUCH).then_some(TOO_MUCH))
            .map(|i| line(format!("l{i}"), &sum(p, i)))
            .collect();
        lines.push(line("kept".into(), "1000.00"));
        out.push(Submission {
            id: format!("yandex-pay-{p}-{k}"),
            provider: "yandex-pay",
            description: serde_json::json!({
                "order": {"lines": lines},
                "refund": {"lines": [{"id": format!("l{k}"), "quantity": "1"}]},
                "references": {"yandex_order_id": yandex_order(p)},
                "settings": settings("yandex-pay")
            }),
        });
        out.push(Submission {
            id: format!("yookassa-{p}-{k}"),
            provider: "yookassa",
            description: serde_json::json!({
                "order": one_line, "refund": {"sum": sum(p, k), "cause": "returned"},
                "references": {"yookassa_invoice_id": invoice(p), "yookassa_shop_id": "6689"},
                "settings": settings("yookassa")
            }),
        });
        out.push(Submission {
            id: format!("rbs-{p}-{k}"),
            provider: "rbs",
            description: serde_json::json!({
                "order": one_line, "refund": {"sum": sum(p, k)},
                "references": {"rbs_order_id": rbs_order(p)},
                "settings": settings("rbs")
            }),
        });
        out.push(Submission {
            id: format!("yookassa-v3-{p}-{k}"),
            provider: "yookassa-v3",
            description: serde_json::json!({
                "order": one_line, "refund": {"sum": sum(p, k)},
                "references": {"yookassa_v3_payment_id": v3_payment(p)},
                "settings": settings("yookassa-v3")
            }),
        });
    }
    out
}

/// A refund as the journal ended it: `(id, provider, status, amount)`.
pub type Ended = (String, String, String, String);

/// What the emulator applied (and accepted, not yet applied), per `(provider, payment)`: the
/// amounts, as decimal strings.
fn applied(state: &serde_json::Value) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let lists = [
        ("robokassa", "robokassa", "operations", "op_key"),
        ("yandex-pay", "yandex_pay", "orders", "order_id"),
        ("yookassa", "yookassa", "payments", "invoice_id"),
        ("rbs", "rbs", "orders", "order_id"),
        ("yookassa-v3", "yookassa_v3", "payments", "payment_id"),
    ];
    for (provider, key, list, id) in lists {
        for payment in state[key][list].as_array().unwrap() {
            let mine = out
                .entry((
                    provider.to_owned(),
                    payment[id].as_str().unwrap().to_owned(),
                ))
                .or_default();
            for refund in payment["refunds"]
                .as_array()
                .unwrap()
                .iter()
                .chain(payment["pending"].as_array().unwrap())
            {
                // In kopecks: RBS records minor units, the others decimal strings.
                mine.push(match &refund["amount"] {
                    serde_json::Value::Number(n) => n.as_u64().unwrap().to_string(),
                    other => cents(other.as_str().unwrap()).to_string(),
                });
            }
        }
    }
    out
}

/// What a person checking the provider's console answers for refund `id` of `amount`, in
/// review: whether the provider applied (or accepted) that amount on its payment.
pub fn applied_for(state: &serde_json::Value, id: &str, amount: &str) -> bool {
    applied(state)
        .get(&payment_of(id))
        .is_some_and(|list| list.contains(&cents(amount).to_string()))
}

/// The payment a refund id (`{provider}-{p}-{k}`) refunds.
fn payment_of(id: &str) -> (String, String) {
    let mut parts = id.rsplitn(3, '-');
    let _k = parts.next().unwrap();
    let p: usize = parts.next().unwrap().parse().unwrap();
    let provider = parts.next().unwrap().to_owned();
    let payment = match provider.as_str() {
        "robokassa" => op_key(p),
        "yandex-pay" => yandex_order(p),
        "yookassa" => invoice(p),
        "yookassa-v3" => v3_payment(p),
        _ => rbs_order(p),
    };
    (provider, payment)
}

/// The faults of the emulator's state that never fired: each is a part of the day that was
/// not tested (empty: every fault fired).
pub fn unfired(state: &serde_json::Value) -> Vec<String> {
    state["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fired"] != true)
        .map(|f| {
            format!(
                "{}:{}:{} saw {} requests",
                f["provider"], f["path"], f["nth"], f["seen"]
            )
        })
        .collect()
}

/// Every way the emulator's record and the journal disagree (empty: they agree).
pub fn disagreements(state: &serde_json::Value, ended: &[Ended]) -> Vec<String> {
    let mut applied = applied(state);
    let mut out = Vec::new();
    for (id, _provider, status, amount) in ended {
        let key = payment_of(id);
        let list = applied.entry(key.clone()).or_default();
        let amount = &cents(amount).to_string();
        let times = list.iter().filter(|a| *a == amount).count();
        let fine = match status.as_str() {
            "done" => times == 1,
            "refused" => times == 0,
            "review" => times <= 1,
            _ => false,
        };
        if !fine {
            out.push(format!(
                "{id} is {status} and {amount} was applied {times} times to {key:?}"
            ));
        }
        list.retain(|a| a != amount);
    }
    for ((provider, payment), left) in applied {
        if !left.is_empty() {
            out.push(format!(
                "{provider} {payment}: {left:?} applied for no refund of the journal's"
            ));
        }
    }
    out
}
