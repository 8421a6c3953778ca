//! The worker against the emulator in process, on SQLite and PostgreSQL: refunds driven to a
//! final state, workers stopped at the worst moments (after the write-ahead record, before or
//! after the request left), the retry budget, a request that cannot be built, and no secret
//! in what is stored.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::time::Duration;

use common::{ManualClock, SimTransport, backends, fleet, sample, sim, sim_bases, start};
use refundkit::core::lifecycle::{Action, Status};
use refundkit::{Credentials, ProviderId};
use refundkit_journal::worker::{Clock, Config, Delivery, Stepped, Transport, Until, Worker};
use refundkit_journal::{Journal, Outcome, Sending};

const LEASE: Duration = Duration::from_secs(30);

fn config(name: &str) -> Config {
    Config {
        lease: LEASE,
        ..Config::new(name)
    }
}

/// A worker on a connection of its own to the journal at `url`.
fn worker<'a>(
    url: &str,
    transport: &'a dyn Transport,
    credentials: &'a Credentials,
    clock: &'a dyn Clock,
    config: Config,
) -> Worker<'a> {
    Worker::new(
        Journal::open(url).unwrap(),
        transport,
        credentials,
        clock,
        config,
    )
    .unwrap()
}

fn submit_sample(journal: &mut Journal, provider: ProviderId) {
    journal
        .submit_description(
            &format!("sample-{provider}"),
            provider,
            &common::sample_description(&sim_bases()),
            &sample::credentials(),
            start(),
        )
        .unwrap();
}

/// Drives the journal's refunds with one worker until none is open.
fn settle(url: &str, transport: &dyn Transport, clock: &dyn Clock, credentials: &Credentials) {
    let mut worker = worker(url, transport, credentials, clock, config("settler"));
    let deadline = clock.now() + Duration::from_secs(30 * 24 * 3600);
    let ended = worker
        .run(&Until {
            settled: true,
            deadline: Some(deadline),
            stop: None,
        })
        .unwrap();
    assert_eq!(ended, refundkit_journal::worker::Ended::Settled);
}

#[test]
fn the_sample_refund_at_every_provider_is_driven_to_done() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let mut j = Journal::open(&url).unwrap();
        for provider in ProviderId::ALL {
            submit_sample(&mut j, provider);
        }
        settle(&url, &transport, &clock, &sample::credentials());
        for entry in j.list().unwrap() {
            assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        }
        assert_eq!(
            j.attempts("sample-rbs")
                .unwrap()
                .iter()
                .map(|a| a.method.as_str())
                .collect::<Vec<_>>(),
            ["getOrderStatusExtended.do", "refund.do"],
            "{backend}"
        );
    }
}

/// A worker that stops right after recording the RBS refund.do as leaving: before it sends
/// (`send == false`) or after (`send == true`), never recording the answer.
fn stop_at_refund_do(j: &mut Journal, transport: &SimTransport<'_>, send: bool) {
    let credentials = sample::credentials();
    let now = start();
    // First the order's status (RBS asks it before refunding), answered and recorded.
    let claim = j.claim("doomed", now, LEASE).unwrap().unwrap();
    let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
    let Action::Send(status) = refund.poll(now, &credentials).unwrap() else {
        panic!()
    };
    let sending = Sending {
        method: status.method,
        moves_money: status.moves_money,
    };
    j.write_ahead(&claim, &refund, &sending, now).unwrap();
    let Delivery::Answered { http_status, body } = transport.send(ProviderId::Rbs, &status.request)
    else {
        panic!()
    };
    refund
        .on_answer(
            refundkit::core::lifecycle::Answer::Received {
                http_status,
                body: &body,
            },
            &credentials,
            now,
        )
        .unwrap();
    j.record(&claim, &refund, Outcome::Answered(http_status), now, false)
        .unwrap();
    // Then refund.do: recorded as leaving, and the worker is gone.
    let Action::Send(out) = refund.poll(now, &credentials).unwrap() else {
        panic!()
    };
    assert!(out.moves_money);
    let sending = Sending {
        method: out.method,
        moves_money: true,
    };
    j.write_ahead(&claim, &refund, &sending, now).unwrap();
    if send {
        transport.send(ProviderId::Rbs, &out.request);
    }
}

#[test]
fn a_refund_whose_worker_stopped_before_sending_it_is_reconciled_and_made_once() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        stop_at_refund_do(&mut j, &transport, false);
        settle(&url, &transport, &clock, &sample::credentials());
        let entry = j.get("sample-rbs").unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        let attempts = j.attempts("sample-rbs").unwrap();
        // The stopped worker's refund.do counts as lost; the status decides; refund.do again.
        assert_eq!(
            attempts[1].outcome.as_deref(),
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

#[test]
fn a_refund_whose_worker_stopped_after_sending_it_is_found_made_and_never_sent_again() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        stop_at_refund_do(&mut j, &transport, true);
        settle(&url, &transport, &clock, &sample::credentials());
        assert_eq!(
            j.get("sample-rbs").unwrap().unwrap().status,
            Status::Done,
            "{backend}"
        );
        let methods: Vec<String> = j
            .attempts("sample-rbs")
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

/// A provider that answers every request with a 503.
struct Unavailable;

impl Transport for Unavailable {
    fn send(&self, _: ProviderId, _: &http::Request<Vec<u8>>) -> Delivery {
        Delivery::Answered {
            http_status: 503,
            body: Vec::new(),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(1)
    }
}

fn run_against_unavailable(url: &str, clock: &ManualClock, config: Config) {
    let credentials = sample::credentials();
    let mut worker = worker(url, &Unavailable, &credentials, clock, config);
    worker
        .run(&Until {
            settled: true,
            deadline: Some(start() + Duration::from_secs(30 * 86_400)),
            stop: None,
        })
        .unwrap();
}

#[test]
fn a_refund_open_longer_than_its_budget_goes_to_review() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        // RBS asks the order's status first; a 503 is asked again, and again.
        run_against_unavailable(
            &url,
            &clock,
            Config {
                max_age: Duration::from_secs(3600),
                ..config("w")
            },
        );
        let entry = j.get("sample-rbs").unwrap().unwrap();
        assert_eq!(entry.status, Status::Review, "{backend}: {entry:?}");
        assert!(entry.reason.unwrap().contains("retry budget"), "{backend}");
        let last = j.attempts("sample-rbs").unwrap().pop().unwrap();
        assert!(
            last.sent_at <= start() + Duration::from_secs(3600),
            "{backend}"
        );
    }
}

#[test]
fn a_refund_that_waited_for_its_turn_longer_than_the_age_budget_is_still_tried() {
    for (backend, url) in backends() {
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        // Eight days later (its payment's earlier refunds, or no worker running), a worker
        // whose age budget is one hour takes it up: the budget counts from its first request.
        let clock = ManualClock::at(start() + Duration::from_secs(8 * 86_400));
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let credentials = sample::credentials();
        let mut worker = worker(
            &url,
            &transport,
            &credentials,
            &clock,
            Config {
                max_age: Duration::from_secs(3600),
                ..config("w")
            },
        );
        worker.step().unwrap();
        let entry = j.get("sample-rbs").unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
    }
}

#[test]
fn a_refund_that_would_leave_more_often_than_its_budget_goes_to_review() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let mut j = Journal::open(&url).unwrap();
        // Yandex Pay: a 503 to the refund is a safe repeat under its externalOperationId.
        submit_sample(&mut j, ProviderId::YandexPay);
        run_against_unavailable(
            &url,
            &clock,
            Config {
                max_attempts: 3,
                ..config("w")
            },
        );
        let entry = j.get("sample-yandex-pay").unwrap().unwrap();
        assert_eq!(entry.status, Status::Review, "{backend}: {entry:?}");
        assert!(entry.reason.unwrap().contains("left 3 times"), "{backend}");
        assert_eq!(entry.attempts, 3, "{backend}");
    }
}

#[test]
fn a_request_that_cannot_be_built_waits_for_a_worker_with_the_credential() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        let none = Credentials::new();
        let mut worker = worker(&url, &transport, &none, &clock, config("w"));
        assert!(matches!(worker.step().unwrap(), Stepped::Refund { .. }));
        let entry = j.get("sample-rbs").unwrap().unwrap();
        assert_eq!(entry.status, Status::Pending, "{backend}");
        assert!(
            entry.reason.unwrap().contains("cannot be built"),
            "{backend}"
        );
        assert!(entry.due_at.unwrap() > start(), "{backend}");
        assert!(transport.sent.lock().unwrap().is_empty(), "{backend}");
    }
}

#[test]
fn no_credential_is_stored_anywhere_in_the_journal() {
    let secrets: Vec<String> = [
        "sample-credentials/robokassa-password3.txt",
        "sample-credentials/yandex-pay-api-key.txt",
        "sample-credentials/rbs-password.txt",
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
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(sim(|_| {}), &clock);
        let mut j = Journal::open(&url).unwrap();
        for provider in ProviderId::ALL {
            submit_sample(&mut j, provider);
        }
        settle(&url, &transport, &clock, &sample::credentials());
        let mut stored = String::new();
        for entry in j.list().unwrap() {
            stored.push_str(&format!("{entry:?}"));
            stored.push_str(&j.refund(&entry.id).unwrap().unwrap().to_json());
            stored.push_str(&format!("{:?}", j.attempts(&entry.id).unwrap()));
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

#[test]
fn every_refund_ends_done_refused_or_in_review_and_applied_once_whatever_stops_the_workers() {
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let transport = SimTransport::new(
            common::sim_from(fleet::scenario(2, fleet::faults(0))),
            &clock,
        );
        let credentials = sample::credentials();
        let mut j = Journal::open(&url).unwrap();
        for s in fleet::submissions(&sim_bases()) {
            let description = serde_json::from_value(s.description).unwrap();
            j.submit_description(
                &s.id,
                s.provider.parse().unwrap(),
                &description,
                &credentials,
                start(),
            )
            .unwrap();
        }
        let mut workers: Vec<Worker<'_>> = (0..3)
            .map(|i| {
                worker(
                    &url,
                    &transport,
                    &credentials,
                    &clock,
                    config(&format!("w{i}")),
                )
            })
            .collect();
        let mut rng = Rng(0x5eed_1234_5678_9abc);
        let mut stopped = 0;
        for _ in 0..20_000 {
            if j.open_count().unwrap() == 0 {
                break;
            }
            let w = usize::try_from(rng.next(3)).unwrap();
            // One step in five, the worker is killed mid-step: after its write-ahead record,
            // before or after the request left.
            if rng.next(5) == 0 {
                if stop_mid_step(
                    workers[w].journal(),
                    &transport,
                    &credentials,
                    &clock,
                    rng.next(2) == 0,
                ) {
                    stopped += 1;
                }
                continue;
            }
            if workers[w].step().unwrap() == Stepped::Idle {
                let now = clock.now();
                let next = j.next_due().unwrap().unwrap_or(now);
                clock.advance(
                    next.duration_since(now)
                        .unwrap_or_default()
                        .max(Duration::from_millis(500)),
                );
            }
        }
        let ended: Vec<fleet::Ended> = j
            .list()
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.id,
                    e.provider,
                    e.status.as_str().to_owned(),
                    e.amount.unwrap_or_default(),
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
fn stop_mid_step(
    j: &mut Journal,
    transport: &dyn Transport,
    credentials: &Credentials,
    clock: &dyn Clock,
    send: bool,
) -> bool {
    let now = clock.now();
    let Some(claim) = j.claim("doomed", now, LEASE).unwrap() else {
        return false;
    };
    let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
    let before = refund.clone();
    let Ok(Action::Send(out)) = refund.poll(now, credentials) else {
        j.release(&claim, &before, now).unwrap();
        return false;
    };
    let sending = Sending {
        method: out.method,
        moves_money: out.moves_money,
    };
    j.write_ahead(&claim, &refund, &sending, now).unwrap();
    if send {
        transport.send(refund.provider(), &out.request);
    }
    true
}

/// A provider that cannot be reached (the connection refused) for its first `down` requests,
/// then answers through `inner`.
struct Unreachable<'a> {
    inner: &'a dyn Transport,
    down: std::sync::atomic::AtomicU32,
}

impl Transport for Unreachable<'_> {
    fn send(&self, provider: ProviderId, request: &http::Request<Vec<u8>>) -> Delivery {
        use std::sync::atomic::Ordering;
        let unreachable = self
            .down
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        if unreachable {
            Delivery::NotSent
        } else {
            self.inner.send(provider, request)
        }
    }

    fn timeout(&self) -> Duration {
        self.inner.timeout()
    }
}

#[test]
fn a_request_that_never_left_does_not_poison_its_refund() {
    // A provider down for a while (connection refused, three times in a row) and then back:
    // the refund is sent once it is reachable and settles, each attempt numbered on its own.
    for (backend, url) in backends() {
        let clock = ManualClock::at(start());
        let sim = SimTransport::new(sim(|_| {}), &clock);
        let transport = Unreachable {
            inner: &sim,
            down: 3.into(),
        };
        let mut j = Journal::open(&url).unwrap();
        submit_sample(&mut j, ProviderId::Rbs);
        settle(&url, &transport, &clock, &sample::credentials());
        let entry = j.get("sample-rbs").unwrap().unwrap();
        assert_eq!(entry.status, Status::Done, "{backend}: {entry:?}");
        let attempts = j.attempts("sample-rbs").unwrap();
        assert_eq!(
            attempts
                .iter()
                .map(|a| (a.n, a.outcome.as_deref().unwrap_or("open")))
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
