//! The worker: claims a refund that is due, builds its request with the shop's credentials,
//! records it write-ahead, sends it through the shop's [`Transport`], records the answer, and
//! gives the refund back to the journal, due again when the state machine says. Any number of
//! workers, in any number of processes, may share one journal.
//!
//! The worker is a blocking loop: run it on a thread of its own (or several, each with its
//! own [`Journal`]). Time comes from a [`Clock`]: [`SystemClock`] in a service, a clock of the
//! test's own in a test.
//!
//! What it logs (with `tracing`): a span per refund (`id`, `provider`, `fence`) and per
//! request (`method`, `n`, `step`), the outcome and the state machine's reason; never a
//! request, a body, a header or a credential.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use refundkit::core::lifecycle::{Action, Answer, Status};
use refundkit::core::text::one_line;
use refundkit::{Credentials, ProviderId, Refund};
use tracing::{info, info_span, warn};

use crate::journal::{Claim, Outcome, Sending};
use crate::{Journal, JournalError};

#[cfg(feature = "reqwest")]
mod reqwest_transport;
#[cfg(feature = "reqwest")]
pub use reqwest_transport::{ReqwestTransport, TransportError, TransportOptions};

/// Where the worker's time comes from.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
    /// Waits `duration`.
    fn sleep(&self, duration: Duration);
}

/// The system's clock: the one place this crate reads the time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An answer: its HTTP status and body.
    Answered {
        /// The HTTP status.
        http_status: u16,
        /// The body.
        body: Vec<u8>,
    },
    /// It left (or may have), and nothing usable came back: a timeout, a reset.
    Lost,
    /// It never left: no connection could be made (refused, a name that did not resolve, a
    /// TLS handshake that failed before anything was written).
    NotSent,
}

/// How requests reach the providers: the shop's HTTP client.
pub trait Transport: Send + Sync {
    /// Sends `request` to `provider` (MWS wants the shop's client certificate).
    fn send(&self, provider: ProviderId, request: &http::Request<Vec<u8>>) -> Delivery;
    /// The longest [`Transport::send`] may take: a worker sends only while its lease has at
    /// least this long left, so no other worker can take the refund over mid-request.
    fn timeout(&self) -> Duration;
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The worker's name, in leases and attempts (unique per worker: host and process id).
    pub name: String,
    /// How long a claim holds: longer than the transport's timeout.
    pub lease: Duration,
    /// The retry budget, in sends of the refund itself: a refund that would leave more often
    /// than this (each lost or unanswered one counts) goes to review instead.
    pub max_attempts: u32,
    /// The retry budget, in time: a refund still open this long after its first request left
    /// goes to review rather than sending more (status requests of a refund under way
    /// included). Time spent waiting for its turn is not counted.
    pub max_age: Duration,
    /// Every wait of the providers' schedules multiplied by `numerator / denominator` (for
    /// tests against `refundkit serve`); `None` for the schedules as they are.
    pub time_scale: Option<(u32, u32)>,
    /// The longest the worker sleeps when nothing is due (it also wakes when the soonest
    /// refund falls due).
    pub idle: Duration,
    /// When a request cannot be built (a credential this worker was not given), how long
    /// before the refund is tried again.
    pub unbuildable_retry: Duration,
}

impl Config {
    /// A worker named `name` with refundkit's defaults: a 60 s lease; 10 sends of a refund
    /// and 7 days open before a person looks; 1 s idle; 5 min before retrying a refund whose
    /// request could not be built.
    pub fn new(name: impl Into<String>) -> Self {
        Config {
            name: name.into(),
            lease: Duration::from_secs(60),
            max_attempts: 10,
            max_age: Duration::from_secs(7 * 24 * 3600),
            time_scale: None,
            idle: Duration::from_secs(1),
            unbuildable_retry: Duration::from_secs(300),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stepped {
    /// Nothing was due.
    Idle,
    /// A refund was stepped: where it stands now.
    Refund {
        /// Its id.
        id: String,
        /// Where it stands.
        status: Status,
    },
    /// Another worker took the refund over mid-step; this worker's work was not recorded.
    Stale {
        /// Its id.
        id: String,
    },
}

/// When [`Worker::run`] returns.
#[derive(Debug, Default)]
pub struct Until<'a> {
    /// Once no refund is open (pending, waiting or in flight).
    pub settled: bool,
    /// At this instant, whatever is open.
    pub deadline: Option<SystemTime>,
    /// When this is set.
    pub stop: Option<&'a AtomicBool>,
}

/// Why [`Worker::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ended {
    /// No refund is open.
    Settled,
    /// The deadline passed with refunds still open.
    Deadline,
    /// Asked to stop.
    Stopped,
}

/// A worker over one journal connection.
pub struct Worker<'a> {
    journal: Journal,
    transport: &'a dyn Transport,
    credentials: &'a Credentials,
    clock: &'a dyn Clock,
    config: Config,
}

impl std::fmt::Debug for Worker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Worker({})", self.config.name)
    }
}

/// The longest lease a worker takes: a day. A worker that stops holds its refunds until its
/// lease ends, so a longer one would keep them from every other worker for longer than a
/// person would wait.
pub const MAX_LEASE: Duration = Duration::from_secs(24 * 3600);

/// Why a worker cannot start: its configuration would stop it, or every other worker, from
/// making progress.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A lease that does not cover a request: another worker could take the refund over
    /// while its request is out.
    #[error("the lease ({lease:?}) must be longer than the transport's timeout ({timeout:?})")]
    LeaseTooShort {
        /// The lease.
        lease: Duration,
        /// The transport's timeout.
        timeout: Duration,
    },
    /// A lease longer than [`MAX_LEASE`].
    #[error("the lease ({0:?}) is longer than a day")]
    LeaseTooLong(Duration),
    /// A transport that gives a request no time: every request would be lost after it left.
    #[error("the transport's timeout is zero: every request would be lost after it left")]
    NoTimeout,
    /// A retry budget of no sends: every refund would go to review unsent.
    #[error("the retry budget (max_attempts) is 0: every refund would go to review unsent")]
    NoAttempts,
}

impl<'a> Worker<'a> {
    /// A worker over `journal`, sending through `transport` with `credentials`.
    pub fn new(
        journal: Journal,
        transport: &'a dyn Transport,
        credentials: &'a Credentials,
        clock: &'a dyn Clock,
        config: Config,
    ) -> Result<Self, ConfigError> {
        if transport.timeout().is_zero() {
            return Err(ConfigError::NoTimeout);
        }
        if config.lease <= transport.timeout() {
            return Err(ConfigError::LeaseTooShort {
                lease: config.lease,
                timeout: transport.timeout(),
            });
        }
        if config.lease > MAX_LEASE {
            return Err(ConfigError::LeaseTooLong(config.lease));
        }
        if config.max_attempts == 0 {
            return Err(ConfigError::NoAttempts);
        }
        Ok(Worker {
            journal,
            transport,
            credentials,
            clock,
            config,
        })
    }

    /// The journal it works on.
    pub fn journal(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// Claims the refund that is due soonest and drives it: each request recorded before it
    /// leaves and after its answer, as long as the next one is due at once and the lease
    /// covers it; then the refund is given back, due when the state machine says, or settled.
    pub fn step(&mut self) -> Result<Stepped, JournalError> {
        let now = self.clock.now();
        let Some(claim) = self
            .journal
            .claim(&self.config.name, now, self.config.lease)?
        else {
            return Ok(Stepped::Idle);
        };
        let span = info_span!("refund", id = %one_line(&claim.id), provider = %claim.provider, fence = claim.fence);
        let _entered = span.enter();
        match self.drive(&claim) {
            Err(JournalError::Stale { id, .. }) => {
                warn!("another worker took the refund over: this worker's step is not recorded");
                Ok(Stepped::Stale { id })
            }
            other => other,
        }
    }

    fn drive(&mut self, claim: &Claim) -> Result<Stepped, JournalError> {
        let now = self.clock.now();
        let mut refund = match Refund::from_json(claim.state.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                let why = format!("the stored state does not load ({e}): check it by hand");
                warn!(why = %one_line(&why));
                self.journal.to_review(claim, &why, now)?;
                return Ok(self.stepped(claim, Status::Review));
            }
        };
        if let Some((numerator, denominator)) = self.config.time_scale {
            // From the provider's own schedule each time: never compounding on a stored one.
            refund.set_timing(refund.default_timing().scaled(numerator, denominator));
        }
        let provider: ProviderId = refund.provider();
        loop {
            let now = self.clock.now();
            let before = refund.clone();
            let action = match refund.poll(now, self.credentials) {
                Ok(a) => a,
                Err(e) => {
                    let why = format!("the request cannot be built: {e}");
                    warn!(why = %one_line(&why));
                    let due = now
                        .checked_add(self.config.unbuildable_retry)
                        .unwrap_or(now);
                    self.journal.postpone(claim, due, &why, now)?;
                    return Ok(self.stepped(claim, before.status()));
                }
            };
            match action {
                Action::Awaiting { method, .. } => {
                    warn!(
                        method,
                        "a request left and its answer was never recorded (its worker stopped): it counts as lost"
                    );
                    refund
                        .on_answer(Answer::Lost, self.credentials, now)
                        .map_err(|e| corrupt(claim, &e))?;
                    self.journal
                        .record(claim, &refund, Outcome::WorkerStopped, now, false)?;
                }
                Action::Send(out) => {
                    if let Some(why) = self.spent(claim, &refund, out.moves_money, now) {
                        let why = format!("{why}; last: {}", before.reason());
                        warn!(why = %one_line(&why));
                        self.journal.to_review(claim, &why, now)?;
                        return Ok(self.stepped(claim, Status::Review));
                    }
                    let left = claim.lease_until.duration_since(now).unwrap_or_default();
                    if left <= self.transport.timeout() {
                        // Not enough lease to cover the request: give it back unsent.
                        self.journal.release(claim, &before, now)?;
                        return Ok(self.stepped(claim, before.status()));
                    }
                    let n = refund.progress().sends;
                    let step = out.step.map_or("first", |s| s.as_str());
                    let attempt = info_span!("request", method = out.method, n, step);
                    let _entered = attempt.enter();
                    self.journal.write_ahead(
                        claim,
                        &refund,
                        &Sending {
                            method: out.method,
                            moves_money: out.moves_money,
                        },
                        now,
                    )?;
                    info!(moves_money = out.moves_money, "sending");
                    let delivery = self.transport.send(provider, &out.request);
                    let now = self.clock.now();
                    let (answer, outcome) = match &delivery {
                        Delivery::Answered { http_status, body } => (
                            Answer::Received {
                                http_status: *http_status,
                                body,
                            },
                            Outcome::Answered(*http_status),
                        ),
                        Delivery::Lost => (Answer::Lost, Outcome::Lost),
                        Delivery::NotSent => (Answer::NotSent, Outcome::NotSent),
                    };
                    refund
                        .on_answer(answer, self.credentials, now)
                        .map_err(|e| corrupt(claim, &e))?;
                    info!(
                        outcome = ?outcome,
                        status = %refund.status(),
                        reason = %one_line(&refund.reason()),
                        "recorded"
                    );
                    // The next request due at once (RBS's refund.do after its status) goes out
                    // under the same claim while the lease covers it: one transaction fewer.
                    let due_now = refund.not_before().is_some_and(|t| t <= now);
                    let lease_left = claim.lease_until.duration_since(now).unwrap_or_default();
                    let go_on = due_now && lease_left > self.transport.timeout();
                    self.journal.record(claim, &refund, outcome, now, !go_on)?;
                    if !go_on {
                        return Ok(self.stepped(claim, refund.status()));
                    }
                }
                Action::Sleep { .. }
                | Action::Done { .. }
                | Action::Refused { .. }
                | Action::Review(_) => {
                    self.journal.release(claim, &refund, now)?;
                    if refund.status().is_final() {
                        info!(status = %refund.status(), reason = %one_line(&refund.reason()), "settled");
                    }
                    return Ok(self.stepped(claim, refund.status()));
                }
            }
        }
    }

    /// Why the retry budget is spent, when it is: the refund would leave once too often, or
    /// its first request left too long ago (`max_age`, scaled as the schedules are).
    fn spent(
        &self,
        claim: &Claim,
        refund: &Refund,
        moves_money: bool,
        now: SystemTime,
    ) -> Option<String> {
        if moves_money && refund.progress().attempts > self.config.max_attempts {
            return Some(format!(
                "the retry budget is spent: the refund left {} times and no answer settled it",
                self.config.max_attempts
            ));
        }
        let max_age = match self.config.time_scale {
            Some((n, d)) => self
                .config
                .max_age
                .checked_mul(n)
                .and_then(|t| t.checked_div(d))
                .unwrap_or(self.config.max_age),
            None => self.config.max_age,
        };
        let age = claim
            .started_at
            .and_then(|started| now.duration_since(started).ok())
            .unwrap_or_default();
        (age > max_age).then(|| {
            format!(
                "the retry budget is spent: the refund's first request left {} s ago and \
                 nothing has settled it",
                age.as_secs()
            )
        })
    }

    fn stepped(&self, claim: &Claim, status: Status) -> Stepped {
        Stepped::Refund {
            id: claim.id.clone(),
            status,
        }
    }

    /// Steps refunds until `until` says stop, sleeping while nothing is due.
    pub fn run(&mut self, until: &Until<'_>) -> Result<Ended, JournalError> {
        loop {
            if until.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                return Ok(Ended::Stopped);
            }
            let now = self.clock.now();
            if until.deadline.is_some_and(|d| now >= d) {
                return Ok(if self.journal.open_count()? == 0 {
                    Ended::Settled
                } else {
                    Ended::Deadline
                });
            }
            if self.step()? != Stepped::Idle {
                continue;
            }
            if until.settled && self.journal.open_count()? == 0 {
                return Ok(Ended::Settled);
            }
            let now = self.clock.now();
            let mut wait = self
                .journal
                .next_due()?
                .and_then(|due| due.duration_since(now).ok())
                .unwrap_or(self.config.idle)
                .min(self.config.idle);
            if let Some(left) = until.deadline.and_then(|d| d.duration_since(now).ok()) {
                wait = wait.min(left);
            }
            self.clock.sleep(wait.max(Duration::from_millis(5)));
        }
    }
}

fn corrupt(claim: &Claim, e: &dyn std::fmt::Display) -> JournalError {
    JournalError::Corrupt {
        id: claim.id.clone(),
        detail: e.to_string(),
    }
}
