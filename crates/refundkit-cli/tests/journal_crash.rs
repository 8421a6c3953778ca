//! The journal's promise, end to end: `refundkit serve` with lost answers, lost requests,
//! 500s, proxy pages and delays on every provider; three dozen refunds across the five
//! providers submitted with `refundkit journal submit`; two `refundkit journal run` workers
//! on one journal, killed with SIGKILL at random moments and restarted, until settled. Then,
//! from the emulator's own record of what it applied (`/_sim/state`): no refund applied twice,
//! every refund the journal calls done applied exactly once, every refused one not applied,
//! none left open. On SQLite, and on PostgreSQL (`REFUNDKIT_TEST_POSTGRES`, which `.ci/run`
//! sets; without it that half is skipped, unless `REFUNDKIT_REQUIRE_POSTGRES=1`).
//!
//! The kill moments come from a seed printed at the start; `REFUNDKIT_CRASH_SEED=N` replays
//! a run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

#[path = "../../refundkit-journal/tests/common/fleet.rs"]
mod fleet;

const BIN: &str = env!("CARGO_BIN_EXE_refundkit");

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(path)
        .canonicalize()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "refundkit-crash-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Kills its process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `refundkit serve` with the fleet's scenario: its base URLs and its TLS directory.
fn serve(dir: &Path) -> (Killed, Vec<(String, String)>, PathBuf) {
    let mut scenario = fleet::scenario(1, fleet::faults(1200));
    // Files named relative to testdata/sim, made absolute: the scenario lives elsewhere.
    scenario["yandex_pay"]["signing_key"] = testdata("yandex-pay/webhook/key.p8.der")
        .to_string_lossy()
        .into_owned()
        .into();
    scenario["yookassa"]["shop_certificate"] = testdata("sample-credentials/yookassa-shop.crt")
        .to_string_lossy()
        .into_owned()
        .into();
    let file = dir.join("scenario.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--tls-port", "0", "--scenario"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    let mut tls = PathBuf::new();
    // Every provider's line and the state's: the order is serve's, the count the registry's.
    let wanted = |urls: &Vec<(String, String)>| {
        refundkit::ProviderId::ALL
            .iter()
            .map(|p| p.name())
            .chain(["state"])
            .all(|name| urls.iter().any(|(n, _)| n == name))
    };
    while !wanted(&urls) {
        let line = lines.next().unwrap().unwrap();
        if let Some(ca) = line.split("CA ").nth(1) {
            tls = PathBuf::from(ca.trim_end_matches(')'))
                .parent()
                .unwrap()
                .to_owned();
        }
        let mut words = line.split_whitespace();
        urls.push((
            words.next().unwrap().to_owned(),
            words.next().unwrap().to_owned(),
        ));
    }
    (Killed(child), urls, tls)
}

fn submit(db: &str, submission: &fleet::Submission) {
    let mut child = Command::new(BIN)
        .args(["journal", "submit", "--db", db, "--provider"])
        .arg(submission.provider)
        .arg("--id")
        .arg(&submission.id)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(submission.description.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        submission.id,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), submission.id);
}

fn worker(db: &str, tls: &Path, log: &Path, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["journal", "run", "--db", db, "--sample-credentials"])
        .args(["--time-scale", "0.01", "--lease", "3", "--timeout", "2"])
        .arg("--ca")
        .arg(tls.join("ca.crt"))
        .arg("--yookassa-tls-cert")
        .arg(tls.join("client.crt"))
        .arg("--yookassa-tls-key")
        .arg(tls.join("client.key"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .unwrap()
}

/// `journal show --json`: every refund as `(id, provider, state, amount)`.
fn show(db: &str) -> Vec<fleet::Ended> {
    let out = Command::new(BIN)
        .args(["journal", "show", "--json", "--db", db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            (text("id"), text("provider"), text("state"), text("amount"))
        })
        .collect()
}

fn open(ended: &[fleet::Ended]) -> usize {
    ended
        .iter()
        .filter(|e| !["done", "refused", "review"].contains(&e.2.as_str()))
        .count()
}

/// xorshift, from a seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn crash_run(name: &str, db: &str) {
    let seed = std::env::var("REFUNDKIT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("{name}: REFUNDKIT_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = scratch(name);
    let (_server, urls, tls) = serve(&dir);
    let bases: Vec<(&str, String)> = urls
        .iter()
        .filter(|(n, _)| refundkit::ProviderId::ALL.iter().any(|p| p.name() == n))
        .map(|(n, u)| (n.as_str(), u.clone()))
        .collect();
    let submissions = fleet::submissions(&bases);
    for s in &submissions {
        submit(db, s);
    }
    // Submitting again is idempotent.
    submit(db, &submissions[0]);
    assert_eq!(show(db).len(), submissions.len());
    let log = dir.join("workers.log");
    let mut workers: Vec<Killed> = (0..2)
        .map(|_| Killed(worker(db, &tls, &log, &[])))
        .collect();
    let started = Instant::now();
    let mut kills = 0;
    while kills < 12 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100 + rng.below(900)));
        let w = usize::try_from(rng.below(2)).unwrap();
        // SIGKILL: no chance to finish a step, release a lease or flush anything.
        workers[w].0.kill().unwrap();
        workers[w].0.wait().unwrap();
        kills += 1;
        workers[w] = Killed(worker(db, &tls, &log, &[]));
        if open(&show(db)) == 0 {
            break;
        }
    }
    drop(workers);
    let state_url = urls.iter().find(|(n, _)| n == "state").unwrap().1.clone();
    let sim_state = || -> serde_json::Value {
        serde_json::from_slice(
            &reqwest::blocking::get(state_url.as_str())
                .unwrap()
                .bytes()
                .unwrap(),
        )
        .unwrap()
    };
    // A last worker, left alone, settles what is still open. A refund in review holds back its
    // payment's later refunds (exit 4): a person answers it, from what the provider's console
    // shows (the emulator's state), and the worker runs again.
    let mut resolved: Vec<fleet::Ended> = Vec::new();
    let mut status;
    let mut rounds = 0;
    loop {
        status = worker(db, &tls, &log, &["--until-settled", "--max-seconds", "120"])
            .wait()
            .unwrap();
        rounds += 1;
        if status.code() != Some(4) || rounds > 8 {
            break;
        }
        // What the provider accepted settles within its settle time: look once it has.
        std::thread::sleep(Duration::from_millis(1500));
        let state = sim_state();
        for e in show(db).into_iter().filter(|e| e.2 == "review") {
            let answer = if fleet::applied_for(&state, &e.0, &e.3) {
                "--done"
            } else {
                "--not-refunded"
            };
            let out = Command::new(BIN)
                .args(["journal", "resolve", &e.0, answer, "--db", db])
                .args(["--note", "checked in the provider's console"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            resolved.push(e);
        }
    }
    let ended = show(db);
    assert_eq!(
        status.code(),
        Some(0),
        "{name}: still open after the last worker: {:?}\n{}",
        ended
            .iter()
            .filter(|e| open(std::slice::from_ref(e)) > 0)
            .collect::<Vec<_>>(),
        tail(&log)
    );
    assert_eq!(open(&ended), 0, "{name}: {ended:?}");
    // What the providers accepted and had not applied yet settles within a second or two.
    std::thread::sleep(Duration::from_millis(2500));
    let state = sim_state();
    let disagreements = fleet::disagreements(&state, &ended);
    assert!(
        disagreements.is_empty(),
        "{name} (REFUNDKIT_CRASH_SEED={seed}): {disagreements:#?}\n{state:#}"
    );
    let unfired = fleet::unfired(&state);
    assert!(
        unfired.is_empty(),
        "{name} (REFUNDKIT_CRASH_SEED={seed}): faults that never fired: {unfired:#?}"
    );
    // How many requests were found recorded as leaving and never answered: a killed worker's,
    // or one whose lease ran out while its request was delayed (another worker took the
    // refund over), so the count is not one per kill.
    let journal = refundkit_journal::blocking::Journal::open(db).unwrap();
    let cut_off = ended
        .iter()
        .flat_map(|e| journal.attempts(&e.0).unwrap())
        .filter(|a| a.outcome.map(|o| o.as_str()) == Some("worker-stopped"))
        .count();
    // Only Robokassa has no way to settle a refund whose answer never came: every other
    // provider's lost refund is reconciled (a key, an identical repeat, refundedAmount).
    let reviewed: Vec<&fleet::Ended> = ended
        .iter()
        .filter(|e| e.2 == "review")
        .chain(&resolved)
        .filter(|e| e.1 != "robokassa")
        .collect();
    assert!(reviewed.is_empty(), "{name}: {reviewed:?}");
    let count = |s: &str| ended.iter().filter(|e| e.2 == s).count();
    eprintln!(
        "{name}: {} refunds, {} done, {} refused, {} in review, {} resolved by a person; \
         {kills} workers killed; {cut_off} requests found in flight with no answer recorded \
         (cut off by a kill, or taken over when their lease ran out)",
        ended.len(),
        count("done"),
        count("refused"),
        count("review"),
        resolved.len()
    );
    assert!(
        kills >= 3,
        "{name}: the run ended before the workers were killed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

#[test]
fn workers_killed_at_random_moments_still_make_every_refund_once_on_sqlite() {
    let dir = scratch("sqlite-db");
    crash_run(
        "sqlite",
        &format!("sqlite:{}", dir.join("journal.db").display()),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    not(refundkit_test_postgres),
    ignore = "REFUNDKIT_TEST_POSTGRES was not set when the tests were built (see docs/journal.md)"
)]
fn workers_killed_at_random_moments_still_make_every_refund_once_on_postgresql() {
    let base = std::env::var("REFUNDKIT_TEST_POSTGRES")
        .expect("REFUNDKIT_TEST_POSTGRES was set when the tests were built");
    let name = format!("rk_crash_{}", std::process::id());
    let mut client = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    crash_run("postgresql", &format!("{server}/{name}"));
}

#[test]
// Constant for one build, and that is the point: which build this is.
#[allow(clippy::assertions_on_constants)]
fn postgresql_crash_runs_where_they_are_required() {
    if std::env::var("REFUNDKIT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        assert!(
            cfg!(refundkit_test_postgres),
            "REFUNDKIT_REQUIRE_POSTGRES=1 but the tests were built without REFUNDKIT_TEST_POSTGRES"
        );
    }
}
