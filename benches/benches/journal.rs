//! Refunds per second through the journal, beside the emulator's own round trip, in one run:
//!
//! - `floor`: the emulator alone: each RBS refund's two requests (the order's status, then
//!   refund.do) built by the state machine and answered by `refundkit-sim` in process, nothing
//!   stored.
//! - `sqlite-xN`, `postgres-xN`: the same refunds submitted to a journal and driven to done
//!   by N workers (`refundkit-journal`'s async `Workers`, tasks of a multi-threaded tokio
//!   runtime over the journal's pool of connections), every request recorded write-ahead and
//!   answered durably: SQLite in a file (WAL, `synchronous=FULL`), PostgreSQL on the server of
//!   `REFUNDKIT_TEST_POSTGRES` (skipped without it; `.ci/postgres.sh start` makes one).
//! - `sqlite-x1-blocking`, `postgres-x1-blocking`: one `blocking::Worker` on a thread of its
//!   own, the blocking API beside the async one.
//! - `sqlite-x1-1m`, `postgres-x1-1m`: one worker on a journal that already holds a million
//!   settled refunds and ten thousand waiting ones (of other payments, due later).
//! - `commit-sqlite`, `commit-postgres`: a bare single-row durable commit of the same
//!   database and settings, the floor of any durable write.
//!
//! Besides refunds per second, the journal's own cost per request: the time per refund less
//! the floor's, over the requests each refund sends, and that cost in bare commits of its
//! database. Written where `benches/table.py` prints it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use refundkit::core::lifecycle::{Action, Answer, Status};
use refundkit::plan::{Credentials, RefundDescription};
use refundkit::{ProviderId, Refund};
use refundkit_journal::blocking;
use refundkit_journal::worker::{
    BoxFuture, Config, Delivery, Ended, Stepped, Stop, SystemClock, Transport, Until, Workers,
};
use refundkit_sim::{Reply, Scenario, Sim};

const REFUNDS: usize = 300;
const BASE: &str = "http://127.0.0.1:1/rbs/payment/rest";

fn order(i: usize) -> String {
    format!("{i:08x}-25ff-7d1b-b28d-391800a7dca8")
}

fn sim() -> Sim {
    let orders: Vec<serde_json::Value> = (0..REFUNDS)
        .map(|i| serde_json::json!({"order_id": order(i), "deposited": 100_000}))
        .collect();
    let scenario = serde_json::json!({"rbs": {"user_name": "bench-api", "password": "bench-password",
        "orders": orders}});
    Sim::new(
        &Scenario::from_json(scenario.to_string().as_bytes(), std::path::Path::new(".")).unwrap(),
    )
    .unwrap()
}

fn credentials() -> Credentials {
    let mut c = Credentials::new();
    c.insert(refundkit::rbs::Auth::Password {
        user_name: "bench-api".into(),
        password: refundkit::rbs::types::Password("bench-password".to_owned().into()),
    });
    c
}

fn description(i: usize) -> RefundDescription {
    serde_json::from_value(serde_json::json!({
        "order": {"lines": [{"id": "x", "name": "Товар", "unit_price": "1000.00", "quantity": "1",
            "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
        "refund": {"sum": "10.00"},
        "references": {"rbs_order_id": order(i)},
        "settings": {"rbs": {"base_url": BASE}}
    }))
    .unwrap()
}

struct InProcess(Mutex<Sim>);

impl Transport for InProcess {
    fn send<'a>(
        &'a self,
        _: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        let delivery = self.deliver(request);
        Box::pin(async move { delivery })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(5)
    }
}

impl InProcess {
    fn deliver(&self, request: &http::Request<Vec<u8>>) -> Delivery {
        match self
            .0
            .lock()
            .unwrap()
            .handle(request, SystemTime::now())
            .reply
        {
            Reply::Answer(r) | Reply::Delayed(_, r) => Delivery::Answered {
                http_status: r.status().as_u16(),
                headers: r.headers().clone(),
                body: r.body().clone(),
            },
            _ => Delivery::Lost,
        }
    }
}

/// The floor: every refund driven by the state machine against the emulator, nothing
/// stored. Seconds, and requests sent.
fn floor() -> (f64, usize) {
    let mut sim = sim();
    let credentials = credentials();
    let started = Instant::now();
    let mut sent = 0;
    for i in 0..REFUNDS {
        let plan = refundkit::plan::build(
            &description(i),
            &credentials,
            &[ProviderId::Rbs],
            SystemTime::now(),
        )
        .unwrap();
        let mut refund: Refund = plan.providers.into_iter().next().unwrap().refund.unwrap();
        loop {
            let now = SystemTime::now();
            match refund.poll(now, &credentials).unwrap() {
                Action::Send(out) => {
                    sent += 1;
                    refund.sent(&out, now).unwrap();
                    let Reply::Answer(r) = sim.handle(&out.request, now).reply else {
                        panic!()
                    };
                    refund
                        .on_answer(
                            out.seq,
                            Answer::received(r.status().as_u16(), r.body()),
                            &credentials,
                            now,
                        )
                        .unwrap();
                }
                Action::Done(_) => break,
                other => panic!("{other:?}"),
            }
        }
    }
    (started.elapsed().as_secs_f64(), sent)
}

/// How the workers run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    /// `Workers`: tasks on a multi-threaded tokio runtime.
    Async,
    /// `blocking::Worker`s: a thread each.
    Blocking,
}

/// Submit to done through a journal at `url` with `workers` workers: seconds, and requests
/// sent.
fn through(url: &str, workers: usize, api: Api) -> (f64, usize) {
    let transport = Arc::new(InProcess(Mutex::new(sim())));
    let credentials = credentials();
    let started = Instant::now();
    let journal = blocking::Journal::open(url).unwrap();
    for i in 0..REFUNDS {
        journal
            .submit(
                &format!("r-{i}"),
                ProviderId::Rbs,
                &description(i),
                &credentials,
                SystemTime::now(),
            )
            .unwrap();
    }
    // A worker with nothing to claim (the last refunds leased by the others) waits `idle`
    // before it looks again: short here, so the run's end is not a wait.
    let config = |name: String| Config {
        idle: Duration::from_millis(5),
        ..Config::new(name)
    };
    let until = Until {
        settled: true,
        deadline: None,
    };
    match api {
        Api::Async => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let ended = runtime.block_on(
                Workers::new(
                    journal.nonblocking().clone(),
                    InProcessShared(transport.clone()),
                    credentials.clone(),
                )
                .workers(workers)
                .config(config("bench".into()))
                .until(until)
                .run(),
            );
            assert_eq!(ended.unwrap(), Ended::Settled);
        }
        Api::Blocking => std::thread::scope(|scope| {
            for w in 0..workers {
                let (journal, transport, credentials) = (&journal, &transport, &credentials);
                let until = until.clone();
                scope.spawn(move || {
                    let mut worker = blocking::Worker::new(
                        journal,
                        transport.clone(),
                        credentials.clone(),
                        Arc::new(SystemClock),
                        config(format!("bench-blocking-{w}")),
                    )
                    .unwrap();
                    assert_eq!(worker.run(&until, &Stop::new()).unwrap(), Ended::Settled);
                });
            }
        }),
    }
    let seconds = started.elapsed().as_secs_f64();
    let sent = journal
        .list(&Default::default())
        .unwrap()
        .iter()
        .map(|e| usize::try_from(e.sends).unwrap())
        .sum();
    (seconds, sent)
}

/// The in-process transport, shared by the workers that own it.
struct InProcessShared(Arc<InProcess>);

impl Transport for InProcessShared {
    fn send<'a>(
        &'a self,
        provider: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        self.0.send(provider, request)
    }

    fn timeout(&self) -> Duration {
        self.0.timeout()
    }
}

fn postgres_url(workers: &str) -> Option<String> {
    let base = std::env::var("REFUNDKIT_TEST_POSTGRES").ok()?;
    let name = format!("rk_bench_{}_{workers}", std::process::id());
    let mut client = postgres::Client::connect(&base, postgres::NoTls).ok()?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .ok()?;
    drop(client);
    let (server, _) = base.rsplit_once('/')?;
    Some(format!("{server}/{name}"))
}

/// Settled refunds and waiting ones written into a journal before the run (`SETTLED`, `WAITING`):
/// of other payments, the waiting ones due long after it, so that only the run's refunds are
/// claimed and every statement that is not by an index shows in the time.
const SETTLED: u32 = 1_000_000;
const WAITING: u32 = 10_000;

/// The rows of a journal that has lived: `SETTLED` done refunds and `WAITING` waiting ones, by
/// SQL (`series` names the integers `i` from 1 to `$n`, in the backend's own spelling).
fn filler_sql(series: &str) -> [String; 2] {
    let insert = "INSERT INTO refundkit_refunds (id, seq, provider, payment, digest, amount,
        state, status, reason, attempts, sends, due_at, fence, created_at, updated_at, settled_at)";
    [
        format!(
            "{insert} SELECT 'settled-' || i, -i, 'rbs', 'settled-payment-' || i, 'filler', '10.00',
             '{{}}', 'done', 'filler', 2, 2, NULL, 1, 0, 0, 0 FROM {}",
            series.replace("$n", &SETTLED.to_string())
        ),
        format!(
            "{insert} SELECT 'waiting-' || i, -{SETTLED} - i, 'rbs', 'waiting-payment-' || i,
             'filler', '10.00', '{{}}', 'waiting', 'filler', 1, 1, 4102444800000, 1, 0, 0, NULL
             FROM {}",
            series.replace("$n", &WAITING.to_string())
        ),
    ]
}

/// Fills the journal at `url` (migrated) with the rows of [`filler_sql`].
fn fill(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let series = "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n) SELECT i FROM n)";
        conn.execute_batch("BEGIN").unwrap();
        for sql in filler_sql(series) {
            conn.execute_batch(&sql).unwrap();
        }
        // Its WAL checkpointed into the file, as a journal that has lived has been.
        conn.execute_batch("COMMIT; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    } else {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let mut tx = client.transaction().unwrap();
        for sql in filler_sql("generate_series(1, $n) AS s(i)") {
            tx.batch_execute(&sql).unwrap();
        }
        tx.commit().unwrap();
        // As a journal that has lived is: vacuumed and analyzed (autovacuum's work, which
        // would otherwise run, with the million rows' first reads setting their hint bits,
        // inside the measured run), and checkpointed (the bulk write's pages not flushed
        // in the middle of it).
        // One statement each: a batch of several is one transaction, where VACUUM cannot run.
        client.batch_execute("VACUUM (ANALYZE)").unwrap();
        client.batch_execute("CHECKPOINT").unwrap();
    }
}

/// Submit to done through a journal at `url` holding the rows of [`fill`], one blocking
/// worker stepping until the run's refunds are done: seconds, and requests sent.
fn through_full(url: &str) -> (f64, usize) {
    let journal = blocking::Journal::open(url).unwrap();
    fill(url);
    let transport = Arc::new(InProcess(Mutex::new(sim())));
    let credentials = credentials();
    let started = Instant::now();
    for i in 0..REFUNDS {
        journal
            .submit(
                &format!("r-{i}"),
                ProviderId::Rbs,
                &description(i),
                &credentials,
                SystemTime::now(),
            )
            .unwrap();
    }
    let mut worker = blocking::Worker::new(
        &journal,
        transport,
        credentials,
        Arc::new(SystemClock),
        Config {
            idle: Duration::from_millis(5),
            ..Config::new("bench-full".to_owned())
        },
    )
    .unwrap();
    let mut done = 0;
    while done < REFUNDS {
        match worker.step().unwrap() {
            Stepped::Refund {
                status: Status::Done,
                ..
            } => done += 1,
            Stepped::Idle => std::thread::sleep(Duration::from_millis(1)),
            _ => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let sent = (0..REFUNDS)
        .map(|i| usize::try_from(journal.get(&format!("r-{i}")).unwrap().unwrap().sends).unwrap())
        .sum();
    (seconds, sent)
}

/// The floor of a durable write: `n` single-row commits to a SQLite file in the journal's
/// own settings (WAL, `synchronous=FULL`), each its own transaction. Seconds per commit.
fn commit_sqlite(file: &std::path::Path, n: usize) -> f64 {
    let conn = rusqlite::Connection::open(file).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.execute(
            "INSERT INTO floor (id, body) VALUES (?1, ?2)",
            rusqlite::params![i64::try_from(i).unwrap(), "x"],
        )
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
    }
    started.elapsed().as_secs_f64() / n as f64
}

/// The same floor on PostgreSQL: `n` single-row inserts, each its own durable commit (the
/// server's defaults: `synchronous_commit=on`). Seconds per commit.
fn commit_postgres(url: &str, n: usize) -> f64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE TABLE floor (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    let insert = client
        .prepare("INSERT INTO floor (id, body) VALUES ($1, $2)")
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        client
            .execute(&insert, &[&i64::try_from(i).unwrap(), &"x"])
            .unwrap();
    }
    started.elapsed().as_secs_f64() / n as f64
}

fn main() {
    // benches/instructions.py's count mode: a loop over a database has nothing to count.
    if std::env::var_os("REFUNDKIT_COUNT").is_some() {
        return;
    }
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if !"journal".contains(&filter) && !filter.contains("journal") {
        return;
    }
    // `journal/<prefix>` runs only the rows named so (the floors always), for a profiler.
    let only = filter
        .strip_prefix("journal/")
        .unwrap_or_default()
        .to_owned();
    let wanted = |row: &str| row.starts_with(only.as_str());
    let (floor_s, floor_sent) = floor();
    let mut rows = vec![("floor".to_owned(), floor_s, floor_sent)];
    let dir = std::env::temp_dir().join(format!("refundkit-bench-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut commits = serde_json::Map::new();
    commits.insert(
        "sqlite".into(),
        commit_sqlite(&dir.join("floor.db"), REFUNDS).into(),
    );
    match postgres_url("floor") {
        Some(url) => {
            commits.insert("postgres".into(), commit_postgres(&url, REFUNDS).into());
        }
        None => println!("journal: REFUNDKIT_TEST_POSTGRES is not set: PostgreSQL skipped"),
    }
    for (backend, per_commit) in &commits {
        println!(
            "journal/commit-{backend:<6} {:>9.0} µs per single-row durable commit",
            per_commit.as_f64().unwrap() * 1e6
        );
    }
    let sqlite = [
        (1, Api::Async, ""),
        (1, Api::Blocking, "-blocking"),
        (4, Api::Async, ""),
    ];
    for (workers, api, suffix) in sqlite {
        if !wanted(&format!("sqlite-x{workers}{suffix}")) {
            continue;
        }
        let file = dir.join(format!("journal-{workers}{suffix}.db"));
        let (s, sent) = through(&format!("sqlite:{}", file.display()), workers, api);
        rows.push((format!("sqlite-x{workers}{suffix}"), s, sent));
    }
    if wanted("sqlite-x1-1m") {
        let file = dir.join("journal-1m.db");
        let (s, sent) = through_full(&format!("sqlite:{}", file.display()));
        rows.push(("sqlite-x1-1m".to_owned(), s, sent));
    }
    if commits.contains_key("postgres") {
        if wanted("postgres-x1-1m") {
            let url = postgres_url("1m").unwrap();
            let (s, sent) = through_full(&url);
            rows.push(("postgres-x1-1m".to_owned(), s, sent));
        }
        let postgres = [
            (1, Api::Async, ""),
            (1, Api::Blocking, "-blocking"),
            (2, Api::Async, ""),
            (8, Api::Async, ""),
        ];
        for (workers, api, suffix) in postgres {
            if !wanted(&format!("postgres-x{workers}{suffix}")) {
                continue;
            }
            let url = postgres_url(&format!("{workers}{}", suffix.replace('-', "_"))).unwrap();
            let (s, sent) = through(&url, workers, api);
            rows.push((format!("postgres-x{workers}{suffix}"), s, sent));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut results = serde_json::Map::new();
    for (name, seconds, sent) in &rows {
        let per_second = REFUNDS as f64 / seconds;
        let per_request_us = (seconds - floor_s) * 1e6 / *sent as f64;
        let backend = name.split('-').next().unwrap_or_default();
        let in_commits = commits
            .get(backend)
            .and_then(serde_json::Value::as_f64)
            .map_or(String::new(), |c| {
                format!(" ({:.2} commits)", per_request_us / (c * 1e6))
            });
        println!(
            "journal/{name:<12} {per_second:>9.0} refunds/s   {sent} requests   {}",
            if name == "floor" {
                "(the emulator alone)".to_owned()
            } else {
                format!("the journal's own cost: {per_request_us:.0} µs per request{in_commits}")
            }
        );
        results.insert(
            name.clone(),
            serde_json::json!({"refunds_per_second": per_second, "requests": sent, "seconds": seconds}),
        );
    }
    results.insert("commits".into(), serde_json::Value::Object(commits));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("journal.json"),
        serde_json::Value::Object(results).to_string(),
    )
    .unwrap();
}
