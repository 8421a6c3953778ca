//! What the journal's tests share: a fresh journal on each backend, descriptions, a clock
//! the test moves, and the emulator in process as a transport.
#![allow(dead_code)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use refundkit::plan::RefundDescription;
use std::sync::Arc;

use refundkit_journal::worker::{BoxFuture, Clock, Delivery, Transport};
use refundkit_sim::{Reply, Sim};

#[path = "../../../refundkit-sim/tests/common/sample.rs"]
pub mod sample;

pub mod fleet;

static N: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A new, empty SQLite journal file's URL.
pub fn sqlite() -> String {
    let dir = std::env::temp_dir().join(unique("refundkit-journal"));
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite:{}", dir.join("journal.db").display())
}

/// A new, empty PostgreSQL database's URL, on the server of `REFUNDKIT_TEST_POSTGRES` (what
/// `.ci/postgres.sh start` exports). Without it, `None`, and a failure under
/// `REFUNDKIT_REQUIRE_POSTGRES=1` (CI): a test that needs one is built ignored without it
/// ([`on_each_backend!`]).
pub fn postgres() -> Option<String> {
    let Ok(base) = std::env::var("REFUNDKIT_TEST_POSTGRES") else {
        assert!(
            std::env::var("REFUNDKIT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "REFUNDKIT_REQUIRE_POSTGRES=1 but REFUNDKIT_TEST_POSTGRES is not set"
        );
        eprintln!("REFUNDKIT_TEST_POSTGRES is not set: the PostgreSQL half is skipped");
        return None;
    };
    let name = unique("rk");
    postgres_batch(&base, &format!("CREATE DATABASE {name}"));
    let (server, _) = base.rsplit_once('/').unwrap();
    Some(format!("{server}/{name}"))
}

/// Runs `sql` on the PostgreSQL database at `url`, from a thread of its own (the blocking
/// client runs a runtime inside, which a test's runtime thread must not start).
pub fn postgres_batch(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(&sql).unwrap();
    })
    .join()
    .unwrap();
}

/// The journal at `url`, connected and migrated.
pub async fn open(url: &str) -> refundkit_journal::Journal {
    let journal = refundkit_journal::Journal::connect(url).await.unwrap();
    journal.migrate().await.unwrap();
    journal
}

/// A test once per backend: `<name>::sqlite`, and `<name>::postgres`, which is listed as
/// ignored (never as passed) when the tests were built without `REFUNDKIT_TEST_POSTGRES` (the
/// crate's build script sets `refundkit_test_postgres` then). The body sees the backend's
/// name and a new journal URL on it.
macro_rules! on_each_backend {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident, $url:ident) $body:block) => {
        on_each_backend! { $(#[$meta])* threads 2; async fn $name($backend, $url) $body }
    };
    ($(#[$meta:meta])* threads $threads:literal; async fn $name:ident($backend:ident, $url:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn sqlite() {
                let ($backend, $url) = ("sqlite", crate::common::sqlite());
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            #[cfg_attr(
                not(refundkit_test_postgres),
                ignore = "REFUNDKIT_TEST_POSTGRES was not set when the tests were built"
            )]
            async fn postgres() {
                let ($backend, $url) = (
                    "postgres",
                    crate::common::postgres()
                        .expect("REFUNDKIT_TEST_POSTGRES was set when the tests were built"),
                );
                $body
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_each_backend;

/// An instant in 2026.
pub fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000)
}

/// A refund of `sum` on RBS order `order`, through `base` when given.
pub fn rbs(order: &str, sum: &str, base: Option<&str>) -> RefundDescription {
    let mut json = serde_json::json!({
        "order": {"lines": [{"id": "x", "name": "Товар", "unit_price": "1110.76", "quantity": "1",
            "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
        "refund": {"sum": sum},
        "references": {"rbs_order_id": order}
    });
    if let Some(base) = base {
        json["settings"] = serde_json::json!({"rbs": {"base_url": base}});
    }
    serde_json::from_value(json).unwrap()
}

/// The sample order's description (every provider's references), its base URLs set.
pub fn sample_description(bases: &[(&str, String)]) -> RefundDescription {
    let mut desc: RefundDescription =
        refundkit::core::json::decode(&sample::read("plan/sample-order.json")).unwrap();
    for (provider, base) in bases {
        desc.settings
            .set(&format!("{provider}.base_url={base}"))
            .unwrap();
    }
    desc
}

/// A clock the test moves: `sleep` moves it forward at once.
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    pub fn at(t: SystemTime) -> Self {
        ManualClock(Mutex::new(t))
    }

    pub fn advance(&self, d: Duration) {
        let mut t = self.0.lock().unwrap();
        *t += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }

    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.advance(d);
        // Time moved; let the other tasks run before this one goes on.
        Box::pin(tokio::task::yield_now())
    }
}

/// The emulator in process, answering at the clock's time. Shared (`Arc`): a worker owns its
/// transport, and the test reads the emulator's state beside it.
pub struct SimTransport {
    pub sim: Mutex<Sim>,
    pub clock: Arc<dyn Clock>,
    pub sent: Mutex<Vec<String>>,
}

impl SimTransport {
    pub fn new(sim: Sim, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(SimTransport {
            sim: Mutex::new(sim),
            clock,
            sent: Mutex::new(Vec::new()),
        })
    }

    pub fn state(&self) -> serde_json::Value {
        self.sim.lock().unwrap().state(self.clock.now())
    }

    pub fn deliver(&self, request: &http::Request<Vec<u8>>) -> Delivery {
        self.sent
            .lock()
            .unwrap()
            .push(request.uri().path().to_owned());
        let handled = self.sim.lock().unwrap().handle(request, self.clock.now());
        match handled.reply {
            Reply::Answer(r) | Reply::Delayed(_, r) => Delivery::Answered {
                http_status: r.status().as_u16(),
                headers: r.headers().clone(),
                body: r.body().clone(),
            },
            Reply::Lost => Delivery::Lost,
            _ => Delivery::Lost,
        }
    }
}

/// A transport over a shared one (the test keeps its own handle to read the emulator).
pub struct Shared<T: ?Sized>(pub Arc<T>);

impl Transport for Shared<SimTransport> {
    fn send<'a>(
        &'a self,
        _: refundkit::ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        let delivery = self.0.deliver(request);
        Box::pin(async move { delivery })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(10)
    }
}

/// The emulator's sample scenario (refundkit's sample order), edited.
pub fn sim(edit: impl FnOnce(&mut serde_json::Value)) -> Sim {
    let mut json: serde_json::Value =
        serde_json::from_slice(&sample::read("sim/sample-scenario.json")).unwrap();
    edit(&mut json);
    sim_from(json)
}

/// The emulator of a scenario whose files are named relative to `testdata/sim`.
pub fn sim_from(json: serde_json::Value) -> Sim {
    let scenario =
        refundkit_sim::Scenario::from_json(json.to_string().as_bytes(), &sample::testdata("sim"))
            .unwrap();
    Sim::new(&scenario).unwrap()
}

/// Each provider's base URL under the emulator's prefixes, on a made-up origin (the
/// transport is in process).
pub fn sim_bases() -> Vec<(&'static str, String)> {
    refundkit_sim::PREFIXES
        .iter()
        .map(|(provider, prefix)| (*provider, format!("http://127.0.0.1:1{prefix}")))
        .collect()
}

/// A person's answer to every refund in review, from what the provider applied.
pub async fn resolve_reviews(j: &refundkit_journal::Journal, state: &serde_json::Value) {
    let reviews = j
        .list(&refundkit_journal::Filter {
            status: Some(refundkit::core::lifecycle::Status::Review),
            ..Default::default()
        })
        .await
        .unwrap();
    for e in reviews {
        let amount = e.amount.map(|a| a.to_string()).unwrap_or_default();
        let resolution = if fleet::applied_for(state, &e.id, &amount) {
            refundkit_journal::Resolution::Done
        } else {
            refundkit_journal::Resolution::NotRefunded
        };
        j.resolve(
            &e.id,
            resolution,
            "checked in the emulator's state",
            Some("tests"),
        )
        .await
        .unwrap();
    }
}
