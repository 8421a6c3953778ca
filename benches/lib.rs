//! What every bench shares: one way to register an operation, which criterion times and which
//! `benches/instructions.py` counts under callgrind, so that the two always measure the same
//! closure on the same data.
//!
//! Count mode: with `REFUNDKIT_COUNT=<op>|<function>` (the table's row and column) and
//! `REFUNDKIT_COUNT_ITERS=N` in the environment, a bench binary runs that one closure N times
//! and nothing else; `REFUNDKIT_COUNT=list` prints every id it has. Setup runs either way, so
//! the difference between N iterations and none, divided by N, is the closure's own cost.

use std::fmt::Display;
use std::hint::black_box;

pub use criterion;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};

/// A group of operations compared in one run: a table row per value, a column per function.
pub struct Group<'a> {
    name: String,
    inner: BenchmarkGroup<'a, WallTime>,
}

/// The group `name` (`rbs/parse-response`).
pub fn group<'a>(c: &'a mut Criterion, name: impl Into<String>) -> Group<'a> {
    let name = name.into();
    Group {
        inner: c.benchmark_group(name.clone()),
        name,
    }
}

enum Mode {
    Time,
    List,
    Count(String, u64),
}

fn mode() -> Mode {
    match std::env::var("REFUNDKIT_COUNT") {
        Err(_) => Mode::Time,
        Ok(id) if id == "list" => Mode::List,
        Ok(id) => Mode::Count(
            id,
            std::env::var("REFUNDKIT_COUNT_ITERS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        ),
    }
}

impl Group<'_> {
    /// `function` of this group's one row.
    pub fn bench<O>(&mut self, function: &str, f: impl FnMut() -> O) {
        let op = self.name.clone();
        self.run(&op, function, f, |g, mut f| {
            g.bench_function(function, |b| b.iter(&mut f));
        });
    }

    /// `function` of the row `value` (`yandex-pay/1000`).
    pub fn bench_at<O>(&mut self, function: &str, value: impl Display, f: impl FnMut() -> O) {
        let op = format!("{}/{value}", self.name);
        self.run(&op, function, f, |g, mut f| {
            g.bench_function(BenchmarkId::new(function, value), |b| b.iter(&mut f));
        });
    }

    fn run<O, F: FnMut() -> O>(
        &mut self,
        op: &str,
        function: &str,
        mut f: F,
        time: impl FnOnce(&mut BenchmarkGroup<'_, WallTime>, F),
    ) {
        let id = format!("{op}|{function}");
        match mode() {
            Mode::Time => time(&mut self.inner, f),
            Mode::List => println!("{id}"),
            Mode::Count(target, n) if target == id => {
                for _ in 0..n {
                    black_box(f());
                }
                eprintln!("counted {id} x{n}");
            }
            Mode::Count(..) => {}
        }
    }

    /// Ends the group.
    pub fn finish(self) {
        self.inner.finish();
    }
}
