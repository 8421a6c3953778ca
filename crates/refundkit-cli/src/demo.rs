//! `refundkit demo`: exactly once on screen, on embedded defaults. A journal in a temporary
//! SQLite file; the emulator in process (the built-in `demo` scenario: the sample order at
//! every provider, a fault at each, refunds that settle in a second); the sample refund of
//! every provider submitted; a worker killed in the middle of a request the provider has just
//! acted on, and another started; then each refund beside what its provider booked, and one
//! line saying whether every refund happened exactly once (exit 0 only then).
//!
//! Nothing here names a provider: the providers, their bases and their scenario sections come
//! from the registry (`ProviderId::ALL`, `refundkit_sim::PREFIXES` and `KEYS`).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use refundkit::ProviderId;
use refundkit::core::lifecycle::Status;
use refundkit::plan::RefundDescription;
use refundkit_journal::worker::{
    BoxFuture, Config, Delivery, Ended, Stop, SystemClock, Transport, Until, Worker,
};
use refundkit_journal::{Entry, Filter, Journal};
use refundkit_sim::{Reply, Scenario, Sim};

use crate::Exit;
use crate::io::CliError;

/// The sample order of `refundkit plan`.
const SAMPLE_ORDER: &str = include_str!("../../../testdata/plan/sample-order.json");

/// The in-process transport's timeout: a delay longer than this is a lost answer.
const TIMEOUT: Duration = Duration::from_secs(1);

/// The workers' lease: the killed worker's refund is taken over once it runs out.
const LEASE: Duration = Duration::from_secs(2);

/// The longest the demo runs before it says what is still open.
const DEADLINE: Duration = Duration::from_secs(60);

/// Which request that moves money kills the first worker (the first goes through).
const KILL_AT: u32 = 2;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the journal (a SQLite file) in DIR instead of a temporary directory removed at
    /// the end, to look at it afterwards with `refundkit journal show --db sqlite:DIR/journal.db`.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

pub fn run(args: &DemoArgs) -> Result<Exit, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Rejected(format!("cannot start a runtime: {e}")))?;
    runtime.block_on(demo(args))
}

/// The directory the journal lives in, removed at the end unless the user keeps it.
struct Place {
    dir: PathBuf,
    keep: bool,
}

impl Drop for Place {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn rejected(what: &str) -> impl Fn(&dyn std::fmt::Display) -> CliError + '_ {
    move |e| CliError::Rejected(format!("{what}: {e}"))
}

async fn demo(args: &DemoArgs) -> Result<Exit, CliError> {
    let place = match &args.keep {
        Some(dir) => Place {
            dir: dir.clone(),
            keep: true,
        },
        None => {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            Place {
                dir: std::env::temp_dir()
                    .join(format!("refundkit-demo-{}-{nanos}", std::process::id())),
                keep: false,
            }
        }
    };
    std::fs::create_dir_all(&place.dir).map_err(|e| {
        CliError::Usage(format!(
            "{}: cannot make the directory: {e}",
            place.dir.display()
        ))
    })?;
    let url = format!("sqlite:{}", place.dir.join("journal.db").display());
    let journal = Journal::connect(&url)
        .await
        .map_err(|e| rejected("the journal")(&e))?;
    journal
        .migrate()
        .await
        .map_err(|e| rejected("the journal")(&e))?;

    let scenario = Scenario::builtin("demo")
        .ok_or_else(|| CliError::Rejected("no built-in demo scenario".into()))?
        .map_err(|e| rejected("the demo scenario")(&e))?;
    let sim = Sim::new(&scenario).map_err(|e| rejected("the demo scenario")(&e))?;
    let transport = Arc::new(InProcess {
        sim: Mutex::new(sim),
        moved: AtomicU32::new(0),
        killed: Mutex::new(None),
        armed: AtomicBool::new(true),
        wake: tokio::sync::Notify::new(),
    });
    let credentials = refundkit::samples::credentials();
    let mut out = Screen::new();
    out.say(&format!(
        "a journal in {} (SQLite), the emulator in process with a fault at every provider",
        place.dir.display()
    ));

    // The sample refund at every provider, each sent to its emulated base.
    let sample: serde_json::Value =
        serde_json::from_str(SAMPLE_ORDER).map_err(|e| rejected("the sample order")(&e))?;
    for provider in ProviderId::ALL {
        let description = described(&sample, provider)?;
        journal
            .submit(
                &refund_id(provider),
                provider,
                &description,
                &credentials,
                SystemTime::now(),
            )
            .await
            .map_err(|e| rejected(&format!("submitting {provider}'s sample refund"))(&e))?;
    }
    out.say(&format!(
        "submitted the sample refund of each of {} providers",
        ProviderId::ALL.len()
    ));

    let started = Instant::now();
    let first = spawn_worker(
        &journal,
        &transport,
        &credentials,
        "demo-worker-1",
        &Stop::new(),
    )?;
    // The first worker runs until the request that kills it; the second is started then.
    let second_stop = Stop::new();
    let mut second = None;
    let mut first = Some(first);
    let mut last = String::new();
    let outcome = loop {
        tokio::select! {
            () = transport.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let killed = transport
            .killed
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default();
        if let Some(worker) = killed.as_ref().and(first.take()) {
            let what = killed.unwrap_or_default();
            worker.abort();
            let _ = worker.await;
            out.say(&format!(
                "demo-worker-1 killed in the middle of {what}: the provider acted, its answer never reached the journal"
            ));
            second = Some(spawn_worker(
                &journal,
                &transport,
                &credentials,
                "demo-worker-2",
                &second_stop,
            )?);
            out.say(&format!(
                "demo-worker-2 started: it takes the refund over when the lease ({} s) runs out",
                LEASE.as_secs()
            ));
        }
        let entries = journal
            .list(&Filter::default())
            .await
            .map_err(|e| rejected("the journal")(&e))?;
        // Said again when a count changes (a terminal's line shows the time as well).
        let line = progress(&entries);
        if line != last || out.live {
            out.progress(&format!(
                "{:>4.1} s  {line}",
                started.elapsed().as_secs_f64()
            ));
            last = line;
        }
        let open = entries
            .iter()
            .any(|e| !e.status.is_final() && e.status != Status::Review);
        if !open {
            break Ok(entries);
        }
        if started.elapsed() > DEADLINE {
            break Err(entries);
        }
    };
    out.done();
    second_stop.request();
    if let Some(worker) = first {
        worker.abort();
    }
    if let Some(worker) = second {
        let _ = worker.await;
    }
    let (entries, in_time) = match outcome {
        Ok(entries) => (entries, true),
        Err(entries) => (entries, false),
    };
    let state = transport
        .sim
        .lock()
        .map(|sim| sim.state(SystemTime::now()))
        .unwrap_or_default();
    journal.close().await;
    let once = table(&entries, &state);
    let faults = state
        .get("faults")
        .and_then(|f| f.as_array())
        .cloned()
        .unwrap_or_default();
    let fired: Vec<String> = faults
        .iter()
        .filter(|f| f.get("fired").and_then(serde_json::Value::as_bool) == Some(true))
        .map(|f| {
            let text = |k: &str| {
                f.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            format!("{} {}", text("provider"), text("path"))
        })
        .collect();
    println!(
        "faults fired: {} of {} ({}); a worker killed in the middle of {}",
        fired.len(),
        faults.len(),
        fired.join(", "),
        transport
            .killed
            .lock()
            .ok()
            .and_then(|k| k.clone())
            .unwrap_or_else(|| "nothing (no second request moved money)".into())
    );
    if !in_time {
        println!(
            "not every refund settled within {} s: see the table",
            DEADLINE.as_secs()
        );
    }
    if once && in_time {
        println!(
            "every refund happened exactly once: each done refund booked once by its provider, none twice"
        );
        Ok(Exit::Ok)
    } else {
        println!("NOT every refund happened exactly once: see the table above");
        Ok(Exit::Rejected)
    }
}

fn refund_id(provider: ProviderId) -> String {
    format!("demo-{provider}")
}

/// The sample order as one provider's refund: its requests to the emulator's base.
fn described(
    sample: &serde_json::Value,
    provider: ProviderId,
) -> Result<RefundDescription, CliError> {
    let base = refundkit_sim::bases()
        .into_iter()
        .find(|(name, _)| *name == provider.name())
        .map(|(_, base)| {
            let scheme = if base.tls { "https" } else { "http" };
            format!("{scheme}://127.0.0.1:1{}", base.prefix)
        })
        .ok_or_else(|| CliError::Rejected(format!("{provider}: no emulated base")))?;
    let mut description = sample.clone();
    if let Some(object) = description.as_object_mut() {
        object.insert(
            "settings".into(),
            serde_json::json!({ provider.name(): {"base_url": base} }),
        );
    }
    serde_json::from_value(description).map_err(|e| rejected("the sample order")(&e))
}

fn spawn_worker(
    journal: &Journal,
    transport: &Arc<InProcess>,
    credentials: &refundkit::Credentials,
    name: &str,
    stop: &Stop,
) -> Result<tokio::task::JoinHandle<()>, CliError> {
    let config = Config {
        lease: LEASE,
        idle: Duration::from_millis(50),
        // The providers' schedules a fiftieth as long: a poll due in a minute comes in about one
        // second.
        time_scale: Some((1, 50)),
        ..Config::new(name)
    };
    let mut worker = Worker::new(
        journal.clone(),
        Arc::new(Shared(transport.clone())),
        credentials.clone(),
        Arc::new(SystemClock),
        config,
    )
    .map_err(|e| CliError::Rejected(format!("{name}: {e}")))?;
    let stop = stop.clone();
    Ok(tokio::spawn(async move {
        let until = Until {
            settled: false,
            deadline: None,
        };
        let ended: Result<Ended, _> = worker.run(&until, &stop).await;
        if let Err(e) = ended {
            crate::io::diagnose(&format!("a worker stopped: {e}"));
        }
    }))
}

/// The emulator as a transport: each request answered by the emulator in this process, a
/// fault's delay slept, a delay past the timeout a lost answer. The `KILL_AT`-th request
/// that moves money at a provider (its emulator books a refund) never returns: the worker
/// that sent it is killed there.
struct InProcess {
    sim: Mutex<Sim>,
    moved: AtomicU32,
    /// What the killed worker was sending.
    killed: Mutex<Option<String>>,
    armed: AtomicBool,
    wake: tokio::sync::Notify,
}

struct Shared(Arc<InProcess>);

impl Transport for Shared {
    fn send<'a>(
        &'a self,
        provider: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery> {
        Box::pin(self.0.send(provider, request))
    }

    fn timeout(&self) -> Duration {
        TIMEOUT
    }
}

impl InProcess {
    async fn send(&self, provider: ProviderId, request: &http::Request<Vec<u8>>) -> Delivery {
        let now = SystemTime::now();
        let (reply, moved) = {
            let Ok(mut sim) = self.sim.lock() else {
                return Delivery::Lost;
            };
            let before = booked_total(&sim.state(now));
            let handled = sim.handle(request, now);
            (handled.reply, booked_total(&sim.state(now)) > before)
        };
        if moved
            && self.moved.fetch_add(1, Ordering::SeqCst).saturating_add(1) == KILL_AT
            && self.armed.swap(false, Ordering::SeqCst)
        {
            let what = format!("{provider}'s {} {}", request.method(), request.uri().path());
            if let Ok(mut killed) = self.killed.lock() {
                *killed = Some(what);
            }
            self.wake.notify_one();
            // The worker is aborted while it waits here.
            std::future::pending::<()>().await;
        }
        match reply {
            Reply::Answer(r) => answered(&r),
            Reply::Delayed(d, r) if d < TIMEOUT => {
                tokio::time::sleep(d).await;
                answered(&r)
            }
            Reply::Delayed(..) => {
                tokio::time::sleep(TIMEOUT).await;
                Delivery::Lost
            }
            _ => Delivery::Lost,
        }
    }
}

fn answered(r: &http::Response<Vec<u8>>) -> Delivery {
    Delivery::Answered {
        http_status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.body().clone(),
    }
}

/// How many refunds an emulator's state holds (booked, and accepted to be booked), as
/// [`Sim::state`] lists them under each payment: `refunds` and `pending`.
fn booked_of(section: &serde_json::Value) -> usize {
    section
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
        .flat_map(|list| list.as_array().into_iter().flatten())
        .flat_map(|payment| {
            ["refunds", "pending"]
                .into_iter()
                .filter_map(|key| payment.get(key).and_then(|v| v.as_array()))
        })
        .map(Vec::len)
        .sum()
}

fn booked_total(state: &serde_json::Value) -> usize {
    refundkit_sim::KEYS
        .iter()
        .map(|(_, key)| state.get(*key).map_or(0, booked_of))
        .sum()
}

/// One line: how many refunds stand where, and the requests sent.
fn progress(entries: &[Entry]) -> String {
    let count = |s: Status| entries.iter().filter(|e| e.status == s).count();
    let sends: u32 = entries.iter().map(|e| e.sends).sum();
    format!(
        "{} refunds: {} done, {} refused, {} in review, {} in flight, {} waiting; {} requests sent",
        entries.len(),
        count(Status::Done),
        count(Status::Refused),
        count(Status::Review),
        count(Status::InFlight),
        count(Status::Waiting).saturating_add(count(Status::Pending)),
        sends
    )
}

/// The table: each refund, what the journal says, what its provider booked. Whether every
/// refund happened exactly once: a done one booked once, a refused one never, and nothing
/// else open.
fn table(entries: &[Entry], state: &serde_json::Value) -> bool {
    println!();
    println!(
        "{:<22} {:<12} {:>9} {:>8}  {:<9} booked by the provider",
        "refund", "provider", "amount", "requests", "outcome"
    );
    let mut once = true;
    for provider in ProviderId::ALL {
        let id = refund_id(provider);
        let entry = entries.iter().find(|e| e.id == id);
        let key = refundkit_sim::KEYS
            .iter()
            .find(|(name, _)| *name == provider.name())
            .map(|(_, key)| *key);
        let booked = key.and_then(|k| state.get(k)).map_or(0, booked_of);
        let (sends, status) = entry.map_or((0, None), |e| (e.sends, Some(e.status)));
        let right = match status {
            Some(Status::Done) => booked == 1,
            Some(Status::Refused) => booked == 0,
            _ => false,
        };
        once &= right;
        let said = match booked {
            0 => "never".to_owned(),
            1 => "once".to_owned(),
            n => format!("{n} times"),
        };
        let amount = entry
            .and_then(|e| e.amount)
            .map_or(String::new(), |a| a.to_string());
        println!(
            "{:<22} {:<12} {:>9} {:>8}  {:<9} {}{}",
            id,
            provider.name(),
            amount,
            sends,
            status.map_or("missing".to_owned(), |s| s.to_string()),
            said,
            if right { "" } else { "  <- not exactly once" }
        );
    }
    println!();
    once
}

/// Where progress goes: a terminal gets one line rewritten in place, a pipe a line per
/// change.
struct Screen {
    live: bool,
    drawn: bool,
}

impl Screen {
    fn new() -> Self {
        Screen {
            live: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    /// A line that stays.
    fn say(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.drawn {
            let _ = write!(err, "\r\x1b[2K");
            self.drawn = false;
        }
        let _ = writeln!(err, "demo: {line}");
    }

    /// The running count.
    fn progress(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = write!(err, "\r\x1b[2Kdemo: {line}");
            let _ = err.flush();
            self.drawn = true;
        } else {
            let _ = writeln!(err, "demo: {line}");
        }
    }

    fn done(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr().lock());
            self.drawn = false;
        }
    }
}
