//! What the journal holds, as Prometheus reads it: the text exposition format (version 0.0.4,
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>) of a [`Census`], the figures
//! read from the journal at the instant of the scrape.
//!
//! Every figure is the journal's, never a process's memory: the console and every `journal run
//! --metrics` of one journal expose the same numbers, and they survive a restart. The send
//! counters and the latency histogram count the attempts table (rows are never deleted, so
//! they only grow, as a counter must); latency is an attempt's `answered_at - sent_at`, in the
//! journal's milliseconds, for requests that left (answered or lost).
//!
//! Names follow <https://prometheus.io/docs/practices/naming/>: the `refundkit_` prefix,
//! units in the name (`_seconds`), `_total` on counters.

use std::fmt::Write as _;
use std::time::SystemTime;

use refundkit::ProviderId;
use refundkit::core::lifecycle::Status;

/// The bucket bounds of `refundkit_send_duration_seconds`, in milliseconds.
pub const LATENCY_BUCKETS_MS: [u64; 12] = [
    10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
];

/// What the journal holds at one instant ([`crate::Journal::census`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// Refunds by provider and state (the pairs with none left out).
    pub refunds: Vec<(ProviderId, Status, u64)>,
    /// When the oldest open refund (pending, waiting or in flight) was submitted.
    pub oldest_open: Option<SystemTime>,
    /// Closed requests by provider, method and how they ended.
    pub sends: Vec<Sends>,
}

/// The closed requests of one provider's method that ended one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sends {
    /// The provider.
    pub provider: ProviderId,
    /// The method (`refund.do`).
    pub method: String,
    /// `answered`, `lost`, `not-sent`, `worker-stopped`.
    pub outcome: String,
    /// How many.
    pub count: u64,
    /// Of those that left (answered or lost): how many took at most each bound of
    /// [`LATENCY_BUCKETS_MS`], and their total time in milliseconds.
    pub latency: Option<Latency>,
}

/// A histogram's buckets (cumulative, as Prometheus' are), sum and count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    /// At most each bound of [`LATENCY_BUCKETS_MS`].
    pub buckets: [u64; LATENCY_BUCKETS_MS.len()],
    /// Their total, in milliseconds.
    pub sum_ms: u64,
    /// How many.
    pub count: u64,
}

impl Latency {
    fn add(&mut self, other: &Latency) {
        for (a, b) in self.buckets.iter_mut().zip(other.buckets) {
            *a = a.saturating_add(b);
        }
        self.sum_ms = self.sum_ms.saturating_add(other.sum_ms);
        self.count = self.count.saturating_add(other.count);
    }
}

/// The content type of what [`render`] writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const STATES: [Status; 6] = [
    Status::Pending,
    Status::InFlight,
    Status::Waiting,
    Status::Done,
    Status::Refused,
    Status::Review,
];

/// `census` at `now` in the text exposition format. Every provider and state is written,
/// zero included, so a dashboard's series never vanish.
pub fn render(census: &Census, now: SystemTime) -> String {
    let mut out = String::new();
    let count = |p: ProviderId, s: Status| {
        census
            .refunds
            .iter()
            .filter(|(cp, cs, _)| *cp == p && *cs == s)
            .map(|(_, _, n)| *n)
            .sum::<u64>()
    };
    family(
        &mut out,
        "refundkit_refunds",
        "gauge",
        "Refunds in the journal, by provider and state.",
    );
    for p in ProviderId::ALL {
        for s in STATES {
            let _ = writeln!(
                out,
                "refundkit_refunds{{provider=\"{}\",state=\"{}\"}} {}",
                label(p.name()),
                s.as_str(),
                count(p, s)
            );
        }
    }
    family(
        &mut out,
        "refundkit_reviews_open",
        "gauge",
        "Refunds in review: each waits for a person (journal resolve, or the console).",
    );
    let reviews: u64 = ProviderId::ALL
        .iter()
        .map(|p| count(*p, Status::Review))
        .sum();
    let _ = writeln!(out, "refundkit_reviews_open {reviews}");
    family(
        &mut out,
        "refundkit_oldest_open_refund_age_seconds",
        "gauge",
        "How long ago the oldest open refund (pending, waiting, in flight) was submitted; 0 with none open.",
    );
    let age = census
        .oldest_open
        .and_then(|t| now.duration_since(t).ok())
        .map_or(0, |d| d.as_secs());
    let _ = writeln!(out, "refundkit_oldest_open_refund_age_seconds {age}");
    family(
        &mut out,
        "refundkit_sends_total",
        "counter",
        "Requests sent to providers whose end the journal recorded, by provider, method and outcome.",
    );
    for s in &census.sends {
        let _ = writeln!(
            out,
            "refundkit_sends_total{{provider=\"{}\",method=\"{}\",outcome=\"{}\"}} {}",
            label(s.provider.name()),
            label(&s.method),
            label(&s.outcome),
            s.count
        );
    }
    family(
        &mut out,
        "refundkit_send_duration_seconds",
        "histogram",
        "How long requests that left took until answered or known lost, by provider.",
    );
    for p in ProviderId::ALL {
        let mut latency = Latency::default();
        for s in census.sends.iter().filter(|s| s.provider == p) {
            if let Some(l) = &s.latency {
                latency.add(l);
            }
        }
        let p = label(p.name());
        for (bound, n) in LATENCY_BUCKETS_MS.iter().zip(latency.buckets) {
            let _ = writeln!(
                out,
                "refundkit_send_duration_seconds_bucket{{provider=\"{p}\",le=\"{}\"}} {n}",
                seconds(*bound)
            );
        }
        let _ = writeln!(
            out,
            "refundkit_send_duration_seconds_bucket{{provider=\"{p}\",le=\"+Inf\"}} {}",
            latency.count
        );
        let _ = writeln!(
            out,
            "refundkit_send_duration_seconds_sum{{provider=\"{p}\"}} {}",
            seconds(latency.sum_ms)
        );
        let _ = writeln!(
            out,
            "refundkit_send_duration_seconds_count{{provider=\"{p}\"}} {}",
            latency.count
        );
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Milliseconds as exact decimal seconds (`2.5`, `0.01`, `60`): no float on the way.
fn seconds(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:03}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A label value escaped as the format says: backslash, double quote and line feed.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{label, seconds};

    #[test]
    fn seconds_are_exact_decimals_of_the_journals_milliseconds() {
        assert_eq!(seconds(10), "0.01");
        assert_eq!(seconds(2_500), "2.5");
        assert_eq!(seconds(60_000), "60");
        assert_eq!(seconds(1_234), "1.234");
        assert_eq!(seconds(0), "0");
    }

    #[test]
    fn a_label_value_escapes_backslash_quote_and_line_feed() {
        assert_eq!(label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
