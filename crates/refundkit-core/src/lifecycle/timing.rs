//! How long a refund waits between its steps: each provider's schedule as one value.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::time::millis;

/// Waits between a refund's steps. Each provider crate's `lifecycle::timing()` gives its
/// schedule (its documented figures where it has them, refundkit's choices otherwise, each
/// said where it is set); [`Timing::scaled`] shortens every wait for tests against an
/// emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Between two status requests while the refund is under way, and before asking again
    /// after a status answer that was lost or said nothing.
    #[serde(with = "millis")]
    pub poll: Duration,
    /// After the refund's answer was lost or said nothing, before its status is asked: time
    /// for a refund still being processed to be booked. Also the least time since the refund
    /// left before a status showing no refund may let it be sent again.
    #[serde(with = "millis")]
    pub settle: Duration,
    /// The repeats of the refund itself where the provider asks for them (MWS status 1).
    pub repeat: Repeat,
    /// After a request that never left (the connection could not be made), before trying it
    /// again.
    #[serde(with = "millis")]
    pub not_sent: Duration,
    /// How much trying a refund may take before a person looks: the machine hands it to
    /// review rather than send past it ([`super::Machine::poll`]).
    #[serde(default, skip_serializing_if = "Budget::is_default")]
    pub budget: Budget,
}

/// The retry budget: in sends of the refund itself, and in time since its first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The refund may leave at most this many times (each lost or unanswered send counts).
    pub attempts: u32,
    /// Nothing is sent once the refund's first request left longer ago than this (status
    /// requests of a refund under way included). Time spent waiting for its turn, before
    /// its first request, is not counted.
    #[serde(with = "millis")]
    pub age: Duration,
}

impl Default for Budget {
    /// 10 sends and 7 days.
    fn default() -> Self {
        Budget {
            attempts: 10,
            age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl Budget {
    fn is_default(&self) -> bool {
        *self == Budget::default()
    }
}

/// A repeat schedule: `first`, then `then` for `then_times` repeats, then `later` each time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    /// Before the first repeat.
    #[serde(with = "millis")]
    pub first: Duration,
    /// Before each of the next `then_times` repeats.
    #[serde(with = "millis")]
    pub then: Duration,
    /// How many repeats wait `then`.
    pub then_times: u32,
    /// Before every repeat after those.
    #[serde(with = "millis")]
    pub later: Duration,
}

impl Repeat {
    /// The same wait every time.
    pub fn every(wait: Duration) -> Self {
        Repeat {
            first: wait,
            then: wait,
            then_times: 0,
            later: wait,
        }
    }

    /// The wait before the repeat that follows send number `sent` (1 after the first send).
    pub fn after(&self, sent: u32) -> Duration {
        match sent {
            0 | 1 => self.first,
            n if n.saturating_sub(1) <= self.then_times => self.then,
            _ => self.later,
        }
    }
}

impl Timing {
    /// Every wait multiplied by `numerator / denominator` (`scaled(1, 100)`: a hundred times
    /// faster, for tests). Whole milliseconds, rounded down; a zero denominator leaves the
    /// timing as it is.
    pub fn scaled(&self, numerator: u32, denominator: u32) -> Timing {
        let s = |d: Duration| scale(d, numerator, denominator);
        Timing {
            poll: s(self.poll),
            settle: s(self.settle),
            repeat: Repeat {
                first: s(self.repeat.first),
                then: s(self.repeat.then),
                then_times: self.repeat.then_times,
                later: s(self.repeat.later),
            },
            not_sent: s(self.not_sent),
            budget: Budget {
                attempts: self.budget.attempts,
                age: s(self.budget.age),
            },
        }
    }

    /// The same schedule with `budget`.
    pub fn with_budget(mut self, budget: Budget) -> Timing {
        self.budget = budget;
        self
    }
}

fn scale(d: Duration, numerator: u32, denominator: u32) -> Duration {
    if denominator == 0 {
        return d;
    }
    let ms = d
        .as_millis()
        .saturating_mul(u128::from(numerator))
        .checked_div(u128::from(denominator))
        .unwrap_or(0);
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_schedule_waits_first_then_then_times_then_later() {
        // MWS: 1 minute, then 3 times 5 minutes, then 30 minutes.
        let mws = Repeat {
            first: Duration::from_secs(60),
            then: Duration::from_secs(300),
            then_times: 3,
            later: Duration::from_secs(1800),
        };
        let waits: Vec<u64> = (1..=6).map(|n| mws.after(n).as_secs()).collect();
        assert_eq!(waits, [60, 300, 300, 300, 1800, 1800]);
    }

    #[test]
    fn scaling_shortens_every_wait_exactly() {
        let t = Timing {
            poll: Duration::from_secs(30),
            settle: Duration::from_secs(60),
            repeat: Repeat::every(Duration::from_secs(10)),
            not_sent: Duration::from_secs(5),
            budget: Budget::default(),
        };
        let fast = t.scaled(1, 100);
        assert_eq!(fast.poll, Duration::from_millis(300));
        assert_eq!(fast.settle, Duration::from_millis(600));
        assert_eq!(fast.repeat.later, Duration::from_millis(100));
        assert_eq!(fast.not_sent, Duration::from_millis(50));
        assert_eq!(fast.budget.age, Duration::from_millis(6_048_000));
        assert_eq!(fast.budget.attempts, 10);
        assert_eq!(t.scaled(1, 0), t);
    }
}
