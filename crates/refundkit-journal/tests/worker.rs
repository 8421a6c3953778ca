//! The worker against the emulator in process, on SQLite and PostgreSQL, inside a
//! multi-threaded tokio runtime: refunds driven to a final state, workers stopped at the worst
//! moments (after the write-ahead record, before or after the request left), the retry
//! budget, a request that cannot be built, a worker taking back its own refunds when it starts
//! again, and no secret in what is stored.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    ManualClock, Shared, SimTransport, fleet, on_each_backend, open, sample, sim, sim_bases, start,
};
use refundkit::core::lifecycle::{Action, Status};
use refundkit::{Credentials, ProviderId};
use refundkit_journal::worker::{
    BoxFuture, Clock, Config, Delivery, Ended, Stepped, Stop, Transport, Until, Worker,
};
use refundkit_journal::{Journal, Outcome, Sending};

const LEASE: Duration = Duration::from_secs(30);

fn config(name: &str) -> Config {
    Config {
        lease: LEASE,
        ..Config::new(name)
    }
}

/// A worker on `journal`, on the test's clock.
fn worker(
    journal: &Journal,
    transport: Arc<dyn Transport>,
    credentials: &Credentials,
    clock: &Arc<ManualClock>,
    config: Config,
) -> Worker {
    Worker::new(
        journal.clone(),
        transport,
        credentials.clone(),
        clock.clone(),
        config,
    )
    .unwrap()
}

async fn submit_sample(journal: &Journal, provider: ProviderId) {
    journal
        .submit(
            &format!("sample-{provider}"),
            provider,
            &common::sample_description(&sim_bases()),
            &sample::credentials(),
            start(),
        )
        .await
        .unwrap();
}

/// Drives the journal's refunds with one worker until none is open.
async fn settle(
    journal: &Journal,
    transport: Arc<dyn Transport>,
    clock: &Arc<ManualClock>,
    credentials: &Credentials,
) {
    let mut worker = worker(journal, transport, credentials, clock, config("settler"));
    let deadline = clock.now() + Duration::from_secs(30 * 24 * 3600);
    let ended = worker
        .run(
            &Until {
                settled: true,
                deadline: Some(deadline),
            },
            &Stop::new(),
        )
        .await
        .unwrap();
    assert_eq!(ended, Ended::Settled);
}

fn shared(sim: &Arc<SimTransport>) -> Arc<dyn Transport> {
    Arc::new(Shared(sim.clone()))
}

on_each_backend! {
    async fn the_sample_refund_at_every_provider_is_driven_to_done(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        for provider in ProviderId::ALL {
            submit_sample(&j, provider).await;
        }
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        for entry in j.list(&Default::default()).await.unwrap() {
            assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        }
        assert_eq!(
            j.attempts("sample-rbs")
                .await
                .unwrap()
                .iter()
                .map(|a| a.method.as_str())
                .collect::<Vec<_>>(),
            ["getOrderStatusExtended.do", "refund.do"],
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn every_attempt_keeps_its_request_as_a_transcript_keeps_it_and_its_answer(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        for provider in ProviderId::ALL {
            submit_sample(&j, provider).await;
        }
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        for entry in j.list(&Default::default()).await.unwrap() {
            for a in j.attempts(&entry.id).await.unwrap() {
                let request: serde_json::Value =
                    serde_json::from_str(a.request.as_deref().unwrap()).unwrap();
                assert!(request["uri"].as_str().is_some(), "{backend}: {request}");
                assert!(request["method"].as_str().is_some(), "{backend}: {request}");
                let answer: serde_json::Value =
                    serde_json::from_str(a.answer.as_deref().unwrap()).unwrap();
                assert!(answer.is_string() || answer["base64"].is_string(), "{backend}");
            }
        }
        let refund_do = j.attempts("sample-rbs").await.unwrap().pop().unwrap();
        let request = refund_do.request.unwrap();
        assert!(request.contains("refund.do"), "{backend}: {request}");
        assert!(
            request.contains("password=%5Bredacted%5D"),
            "{backend}: {request}"
        );
    }
}

/// A worker that stops right after recording the RBS refund.do as leaving: before it sends
/// (`send == false`) or after (`send == true`), never recording the answer.
async fn stop_at_refund_do(j: &Journal, transport: &SimTransport, send: bool) {
    let credentials = sample::credentials();
    let now = start();
    // First the order's status (RBS asks it before refunding), answered and recorded.
    let claim = j.claim("doomed", now, LEASE, None).await.unwrap().unwrap();
    let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
    let Action::Send(status) = refund.poll(now, &credentials).unwrap() else {
        panic!()
    };
    refund.sent(&status, now).unwrap();
    let sending = Sending::of(&status);
    j.write_ahead(&claim, &refund, &sending, now).await.unwrap();
    let Delivery::Answered {
        http_status, body, ..
    } = transport.deliver(&status.request)
    else {
        panic!()
    };
    refund
        .on_answer(
            status.seq,
            refundkit::core::lifecycle::Answer::received(http_status, &body),
            &credentials,
            now,
        )
        .unwrap();
    j.record(
        &claim,
        &refund,
        status.seq,
        Outcome::Answered(http_status),
        now,
        false,
    )
    .await
    .unwrap();
    // Then refund.do: recorded as leaving, and the worker is gone.
    let Action::Send(out) = refund.poll(now, &credentials).unwrap() else {
        panic!()
    };
    assert!(out.moves_money);
    refund.sent(&out, now).unwrap();
    let sending = Sending::of(&out);
    j.write_ahead(&claim, &refund, &sending, now).await.unwrap();
    if send {
        transport.deliver(&out.request);
    }
}

on_each_backend! {
    async fn a_refund_whose_worker_stopped_before_sending_it_is_reconciled_and_made_once(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        stop_at_refund_do(&j, &transport, false).await;
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        let entry = j.get("sample-rbs").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        let attempts = j.attempts("sample-rbs").await.unwrap();
        // The stopped worker's refund.do counts as lost; the status decides; refund.do again.
        assert_eq!(
            attempts[1].outcome.map(|o| o.as_str()),
            Some("worker-stopped"),
            "{backend}"
        );
        assert_eq!(
            attempts
                .iter()
                .map(|a| a.method.as_str())
                .collect::<Vec<_>>(),
            [
                "getOrderStatusExtended.do",
                "refund.do",
                "getOrderStatusExtended.do",
                "refund.do"
            ],
            "{backend}"
        );
        assert_eq!(transport.state()["rbs"]["orders"][0]["refunded"], 50976);
    }
}

on_each_backend! {
    async fn a_refund_whose_worker_stopped_after_sending_it_is_found_made_and_never_sent_again(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        stop_at_refund_do(&j, &transport, true).await;
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        assert_eq!(
            j.get("sample-rbs").await.unwrap().unwrap().status,
            Status::Done,
            "{backend}"
        );
        let methods: Vec<String> = j
            .attempts("sample-rbs")
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.method)
            .collect();
        assert_eq!(
            methods,
            [
                "getOrderStatusExtended.do",
                "refund.do",
                "getOrderStatusExtended.do"
            ],
            "{backend}"
        );
        assert_eq!(transport.state()["rbs"]["orders"][0]["refunded"], 50976);
    }
}

on_each_backend! {
    async fn a_worker_that_starts_again_under_its_name_takes_back_its_refunds_at_once(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        // "w" claims the refund, records refund.do as leaving, and is killed.
        let claim = j.claim("w-0", start(), LEASE, None).await.unwrap().unwrap();
        let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
        let Action::Send(out) = refund.poll(start(), &sample::credentials()).unwrap() else {
            panic!()
        };
        refund.sent(&out, start()).unwrap();
        let sending = Sending::of(&out);
        j.write_ahead(&claim, &refund, &sending, start())
            .await
            .unwrap();
        // Started again a second later, long before the lease ends: it takes it back.
        clock.advance(Duration::from_secs(1));
        let mut again = worker(
            &j,
            shared(&transport),
            &sample::credentials(),
            &clock,
            config("w-0"),
        );
        let ended = again
            .run(
                &Until {
                    settled: true,
                    deadline: Some(start() + Duration::from_secs(86_400)),
                },
                &Stop::new(),
            )
            .await
            .unwrap();
        assert_eq!(ended, Ended::Settled, "{backend}");
        assert_eq!(
            j.get("sample-rbs").await.unwrap().unwrap().status,
            Status::Done,
            "{backend}"
        );
        // The request its earlier self left in flight was taken up a second after it started
        // again, not once the lease (30 s) ran out.
        let attempts = j.attempts("sample-rbs").await.unwrap();
        assert_eq!(
            attempts[0].outcome.map(|o| o.as_str()),
            Some("worker-stopped"),
            "{backend}"
        );
        assert_eq!(
            attempts[0].answered_at,
            Some(start() + Duration::from_secs(1)),
            "{backend}"
        );
    }
}

/// A provider that answers every request with a 503.
struct Unavailable;

impl Transport for Unavailable {
    fn send<'a>(&'a self, _: ProviderId, _: &'a http::Request<Vec<u8>>) -> BoxFuture<'a, Delivery> {
        Box::pin(async {
            Delivery::Answered {
                http_status: 503,
                headers: http::HeaderMap::new(),
                body: Vec::new(),
            }
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(1)
    }
}

async fn run_against_unavailable(j: &Journal, clock: &Arc<ManualClock>, config: Config) {
    let credentials = sample::credentials();
    let mut worker = worker(j, Arc::new(Unavailable), &credentials, clock, config);
    worker
        .run(
            &Until {
                settled: true,
                deadline: Some(start() + Duration::from_secs(30 * 86_400)),
            },
            &Stop::new(),
        )
        .await
        .unwrap();
}

on_each_backend! {
    async fn a_refund_open_longer_than_its_budget_goes_to_review(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        // RBS asks the order's status first; a 503 is asked again, and again.
        run_against_unavailable(
            &j,
            &clock,
            Config {
                max_age: Duration::from_secs(3600),
                ..config("w")
            },
        )
        .await;
        let entry = j.get("sample-rbs").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Review, "{backend}: {entry:?}");
        assert!(
            entry.reason().unwrap().contains("retry budget"),
            "{backend}"
        );
        let last = j.attempts("sample-rbs").await.unwrap().pop().unwrap();
        assert!(
            last.sent_at <= start() + Duration::from_secs(3600),
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn a_refund_that_waited_for_its_turn_longer_than_the_age_budget_is_still_tried(backend, url) {
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        // Eight days later (its payment's earlier refunds, or no worker running), a worker
        // whose age budget is one hour takes it up: the budget counts from its first request.
        let clock = Arc::new(ManualClock::at(start() + Duration::from_secs(8 * 86_400)));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let credentials = sample::credentials();
        let mut worker = worker(
            &j,
            shared(&transport),
            &credentials,
            &clock,
            Config {
                max_age: Duration::from_secs(3600),
                ..config("w")
            },
        );
        worker.step().await.unwrap();
        let entry = j.get("sample-rbs").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
    }
}

on_each_backend! {
    async fn a_refund_that_would_leave_more_often_than_its_budget_goes_to_review(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let j = open(&url).await;
        // Yandex Pay: a 503 to the refund is a safe repeat under its externalOperationId.
        submit_sample(&j, ProviderId::YandexPay).await;
        run_against_unavailable(
            &j,
            &clock,
            Config {
                max_attempts: 3,
                ..config("w")
            },
        )
        .await;
        let entry = j.get("sample-yandex-pay").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Review, "{backend}: {entry:?}");
        assert!(
            entry.reason().unwrap().contains("left 3 times"),
            "{backend}"
        );
        assert_eq!(entry.attempts, 3, "{backend}");
    }
}

on_each_backend! {
    async fn a_request_that_cannot_be_built_waits_for_a_worker_with_the_credential(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        let none = Credentials::new();
        let mut worker = worker(&j, shared(&transport), &none, &clock, config("w"));
        assert!(matches!(
            worker.step().await.unwrap(),
            Stepped::Refund { .. }
        ));
        // The refund is as its machine left it (pending, due); claims of it are held back, and
        // the row says why.
        let entry = j.get("sample-rbs").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Pending, "{backend}");
        let hold = entry.hold.unwrap();
        assert!(hold.why.contains("cannot be built"), "{backend}");
        assert!(hold.until.unwrap() > start(), "{backend}");
        assert!(
            j.claim("other", start(), LEASE, None)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        assert!(transport.sent.lock().unwrap().is_empty(), "{backend}");
    }
}

on_each_backend! {
    async fn no_credential_is_stored_anywhere_in_the_journal(backend, url) {
        let secrets: Vec<String> = [
            "sample-credentials/robokassa-password3.txt",
            "sample-credentials/yandex-pay-api-key.txt",
            "sample-credentials/rbs-password.txt",
            "sample-credentials/yookassa-v3-secret-key.txt",
        ]
        .iter()
        .map(|p| {
            String::from_utf8(sample::read(p))
                .unwrap()
                .trim_end()
                .to_owned()
        })
        .collect();
        let key = String::from_utf8(sample::read("sample-credentials/yookassa-shop.key")).unwrap();
        let key_line = key.lines().nth(1).unwrap().to_owned();
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        for provider in ProviderId::ALL {
            submit_sample(&j, provider).await;
        }
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        let mut stored = String::new();
        for entry in j.list(&Default::default()).await.unwrap() {
            stored.push_str(&format!("{entry:?}"));
            stored.push_str(&j.refund(&entry.id).await.unwrap().unwrap().to_json());
            stored.push_str(&format!("{:?}", j.attempts(&entry.id).await.unwrap()));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            // The file itself, and its write-ahead log, byte for byte.
            for file in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    stored.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
        }
        for secret in secrets.iter().chain([&key_line]) {
            assert!(
                !stored.contains(secret.as_str()),
                "{backend}: a secret is stored"
            );
        }
    }
}

/// xorshift: the same run every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

on_each_backend! {
    async fn every_refund_ends_done_refused_or_in_review_and_applied_once_whatever_stops_the_workers(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(
            common::sim_from(fleet::scenario(2, fleet::faults(0))),
            clock.clone(),
        );
        let credentials = sample::credentials();
        let j = open(&url).await;
        for s in fleet::submissions(&sim_bases()) {
            let description = serde_json::from_value(s.description).unwrap();
            j.submit(
                &s.id,
                s.provider.parse().unwrap(),
                &description,
                &credentials,
                start(),
            )
            .await
            .unwrap();
        }
        let mut workers: Vec<Worker> = (0..3)
            .map(|i| {
                worker(
                    &j,
                    shared(&transport),
                    &credentials,
                    &clock,
                    config(&format!("w{i}")),
                )
            })
            .collect();
        let mut rng = Rng(0x5eed_1234_5678_9abc);
        let mut stopped = 0;
        for _ in 0..20_000 {
            if j.open_count().await.unwrap() == 0 {
                break;
            }
            let w = usize::try_from(rng.next(3)).unwrap();
            // One step in five, the worker is killed mid-step: after its write-ahead record,
            // before or after the request left.
            if rng.next(5) == 0 {
                if stop_mid_step(&j, &transport, &credentials, &clock, rng.next(2) == 0).await {
                    stopped += 1;
                }
                continue;
            }
            if workers[w].step().await.unwrap() == Stepped::Idle {
                // A person answers the reviews (they hold back their payments' later refunds),
                // from what the provider's console shows.
                common::resolve_reviews(&j, &transport.state()).await;
                let now = clock.now();
                let next = j.next_due().await.unwrap().unwrap_or(now);
                clock.advance(
                    next.duration_since(now)
                        .unwrap_or_default()
                        .max(Duration::from_millis(500)),
                );
            }
        }
        let ended: Vec<fleet::Ended> = j
            .list(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.id,
                    e.provider.to_string(),
                    e.status.as_str().to_owned(),
                    e.amount.map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        let open: Vec<&fleet::Ended> = ended
            .iter()
            .filter(|e| !["done", "refused", "review"].contains(&e.2.as_str()))
            .collect();
        assert!(open.is_empty(), "{backend}: still open: {open:?}");
        // Let whatever the providers accepted settle, then compare with what they applied.
        clock.advance(Duration::from_secs(3600));
        let disagreements = fleet::disagreements(&transport.state(), &ended);
        assert!(disagreements.is_empty(), "{backend}: {disagreements:#?}");
        let unfired = fleet::unfired(&transport.state());
        assert!(
            unfired.is_empty(),
            "{backend}: faults that never fired: {unfired:#?}"
        );
        assert!(
            stopped >= 10,
            "{backend}: only {stopped} workers stopped mid-step"
        );
        let count = |s: &str| ended.iter().filter(|e| e.2 == s).count();
        eprintln!(
            "{backend}: {} refunds, {} done, {} refused, {} in review; {stopped} workers stopped mid-step",
            ended.len(),
            count("done"),
            count("refused"),
            count("review")
        );
        assert!(count("done") >= ended.len() / 2, "{backend}: {ended:#?}");
    }
}

/// A worker that claims, records its request as leaving, perhaps sends it, and stops: its
/// lease runs out. Whether it got that far.
async fn stop_mid_step(
    j: &Journal,
    transport: &SimTransport,
    credentials: &Credentials,
    clock: &Arc<ManualClock>,
    send: bool,
) -> bool {
    let now = clock.now();
    let Some(claim) = j.claim("doomed", now, LEASE, None).await.unwrap() else {
        return false;
    };
    let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
    let before = refund.clone();
    let Ok(Action::Send(out)) = refund.poll(now, credentials) else {
        j.release(&claim, &before, now).await.unwrap();
        return false;
    };
    refund.sent(&out, now).unwrap();
    let sending = Sending::of(&out);
    j.write_ahead(&claim, &refund, &sending, now).await.unwrap();
    if send {
        transport.deliver(&out.request);
    }
    true
}

/// A provider that cannot be reached (the connection refused) for its first `down` requests,
/// then answers through `inner`.
struct Unreachable {
    inner: Arc<SimTransport>,
    down: std::sync::atomic::AtomicU32,
}

impl Transport for Unreachable {
    fn send<'a>(
        &'a self,
        _: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        use std::sync::atomic::Ordering;
        let unreachable = self
            .down
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        let delivery = if unreachable {
            Delivery::NotSent
        } else {
            self.inner.deliver(request)
        };
        Box::pin(async move { delivery })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(10)
    }
}

on_each_backend! {
    async fn a_request_that_never_left_does_not_poison_its_refund(backend, url) {
        // A provider down for a while (connection refused, three times in a row) and then back:
        // the refund is sent once it is reachable and settles, each attempt numbered on its own.
        let clock = Arc::new(ManualClock::at(start()));
        let sim = SimTransport::new(sim(|_| {}), clock.clone());
        let transport = Arc::new(Unreachable {
            inner: sim.clone(),
            down: 3.into(),
        });
        let j = open(&url).await;
        submit_sample(&j, ProviderId::Rbs).await;
        settle(&j, transport, &clock, &sample::credentials()).await;
        let entry = j.get("sample-rbs").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        let attempts = j.attempts("sample-rbs").await.unwrap();
        assert_eq!(
            attempts
                .iter()
                .map(|a| (a.n, a.outcome.map(|o| o.as_str()).unwrap_or("open")))
                .collect::<Vec<_>>(),
            [
                (1, "not-sent"),
                (2, "not-sent"),
                (3, "not-sent"),
                (4, "answered"),
                (5, "answered")
            ],
            "{backend}"
        );
        let booked: usize = sim.state()["rbs"]["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["refunds"].as_array().unwrap().len())
            .sum();
        assert_eq!(booked, 1, "{backend}");
    }
}

on_each_backend! {
    async fn a_refund_in_review_holds_back_its_payments_later_refunds_until_a_person_answers(backend, url) {
        // RBS compares refundedAmount with one refund at a time. Refund A's refund.do is booked
        // and its answer lost, and A goes to a person; B, of the same order and the same amount,
        // must not start: a lost answer of B's would read A's money as B's.
        use refundkit_journal::worker::Ended;
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(
            sim(|s| {
                s["faults"] = serde_json::json!([
                    {"provider": "rbs", "path": "refund.do", "nth": 1, "fault": "answer-lost"}
                ]);
            }),
            clock.clone(),
        );
        let j = open(&url).await;
        let order = "148a2a67-25ff-7d1b-b28d-391800a7dca8";
        let base = format!(
            "http://127.0.0.1:1{}",
            refundkit_sim::PREFIXES
                .iter()
                .find(|(p, _)| *p == "rbs")
                .unwrap()
                .1
        );
        for id in ["a", "b"] {
            j.submit(
                id,
                ProviderId::Rbs,
                &common::rbs(order, "10.00", Some(&base)),
                &sample::credentials(),
                start(),
            )
            .await
            .unwrap();
        }
        // A: its status, then refund.do (booked; the answer lost); then a person takes it.
        let mut w = worker(
            &j,
            shared(&transport),
            &sample::credentials(),
            &clock,
            config("w"),
        );
        w.step().await.unwrap();
        clock.advance(Duration::from_secs(3600));
        let claim = j.claim("person", clock.now(), LEASE, None).await.unwrap();
        let claim = match claim {
            Some(c) => c,
            None => panic!("{backend}: A is not claimable"),
        };
        assert_eq!(claim.id, "a", "{backend}");
        let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
        if let Action::Awaiting { seq, .. } =
            refund.poll(clock.now(), &sample::credentials()).unwrap()
        {
            refund
                .on_answer(
                    seq,
                    refundkit::core::lifecycle::Answer::Lost,
                    &sample::credentials(),
                    clock.now(),
                )
                .unwrap();
        }
        refund
            .escalate(
                "the refund.do answer was lost: check the console",
                clock.now(),
            )
            .unwrap();
        j.release(&claim, &refund, clock.now()).await.unwrap();
        // B waits: workers say so and stop, nothing is sent for it.
        let ended = w
            .run(
                &Until {
                    settled: true,
                    deadline: Some(clock.now() + Duration::from_secs(86_400)),
                },
                &Stop::new(),
            )
            .await
            .unwrap();
        assert_eq!(ended, Ended::AwaitingReview, "{backend}");
        assert_eq!(
            j.get("b").await.unwrap().unwrap().status,
            Status::Pending,
            "{backend}"
        );
        assert_eq!(j.attempts("b").await.unwrap().len(), 0, "{backend}");
        // The person sees A's money in the console: done. Then B goes, and is its own.
        j.resolve(
            "a",
            refundkit_journal::Resolution::Done,
            "seen in the console",
            None,
        )
        .await
        .unwrap();
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        assert_eq!(
            j.get("b").await.unwrap().unwrap().status,
            Status::Done,
            "{backend}"
        );
        let refunds = transport.state()["rbs"]["orders"][0]["refunds"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(refunds, 2, "{backend}: A and B each booked once");
    }
}

/// The metrics text read by Prometheus' own Python client (`prometheus_client.parser`), as
/// `name{labels} value` lines; `None` where that client is not installed and CI does not ask
/// for it (`REFUNDKIT_REQUIRE_PROMETHEUS_CLIENT`).
fn parsed_by_prometheus_client(text: &str) -> Option<Vec<String>> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as f\n\
        for fam in f(sys.stdin.read()):\n    for s in fam.samples:\n        \
        print(s.name + '{' + ','.join(k + '=' + v for k, v in sorted(s.labels.items())) + '} ' + repr(s.value))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'prometheus_client'") {
        assert!(
            std::env::var_os("REFUNDKIT_REQUIRE_PROMETHEUS_CLIENT").is_none(),
            "python3's prometheus_client is required here"
        );
        eprintln!("python3's prometheus_client is not installed: the interop half is skipped");
        return None;
    }
    assert!(out.status.success(), "{stderr}");
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

on_each_backend! {
    async fn the_metrics_count_what_the_journal_holds_and_prometheus_reads_them(backend, url) {
        let clock = Arc::new(ManualClock::at(start()));
        let transport = SimTransport::new(sim(|_| {}), clock.clone());
        let j = open(&url).await;
        for provider in ProviderId::ALL {
            submit_sample(&j, provider).await;
        }
        let before = refundkit_journal::metrics::render(&j.census().await.unwrap(), start());
        assert!(
            before.contains("refundkit_refunds{provider=\"rbs\",state=\"pending\"} 1\n"),
            "{backend}: {before}"
        );
        assert!(before.contains("refundkit_oldest_open_refund_age_seconds 0\n"), "{backend}");
        let later = start() + Duration::from_secs(90);
        let waiting = refundkit_journal::metrics::render(&j.census().await.unwrap(), later);
        assert!(waiting.contains("refundkit_oldest_open_refund_age_seconds 90\n"), "{backend}");
        settle(&j, shared(&transport), &clock, &sample::credentials()).await;
        let census = j.census().await.unwrap();
        let text = refundkit_journal::metrics::render(&census, clock.now());
        for provider in ProviderId::ALL {
            let done = format!(
                "refundkit_refunds{{provider=\"{}\",state=\"done\"}} 1\n",
                provider.name()
            );
            assert!(text.contains(&done), "{backend}: {text}");
        }
        assert!(text.contains("refundkit_reviews_open 0\n"), "{backend}");
        assert!(
            text.contains(
                "refundkit_sends_total{provider=\"rbs\",method=\"refund.do\",outcome=\"answered\"} 1\n"
            ),
            "{backend}: {text}"
        );
        let attempts: usize = {
            let mut n = 0;
            for e in j.list(&Default::default()).await.unwrap() {
                n += j.attempts(&e.id).await.unwrap().len();
            }
            n
        };
        let counted: u64 = census.sends.iter().map(|s| s.count).sum();
        assert_eq!(counted, attempts as u64, "{backend}");
        if let Some(samples) = parsed_by_prometheus_client(&text) {
            assert!(
                samples.contains(&"refundkit_refunds{provider=rbs,state=done} 1.0".to_owned()),
                "{backend}: {samples:?}"
            );
            assert!(
                samples.iter().any(|s| s.starts_with(
                    "refundkit_send_duration_seconds_bucket{le=+Inf,provider=rbs} 2.0"
                )),
                "{backend}: {samples:?}"
            );
            assert!(
                samples.contains(&"refundkit_sends_total{method=refund.do,outcome=answered,provider=rbs} 1.0".to_owned()),
                "{backend}: {samples:?}"
            );
        }
    }
}
