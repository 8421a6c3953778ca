//! The worker: claims a refund that is due, builds its request with the shop's credentials,
//! records it write-ahead, sends it through the shop's [`Transport`], records the answer, and
//! gives the refund back to the journal, due again when the state machine says. Any number of
//! workers, in any number of processes, may share one journal.
//!
//! Workers are tokio tasks ([`Workers`]: a builder that spawns them, and a handle whose
//! [`WorkersHandle::shutdown`] stops them cleanly); each owns what it uses, so the handle can
//! live in a service's state. Time comes from a [`Clock`]: [`SystemClock`] in a service, a
//! clock of the test's own in a test.
//!
//! What it logs (with `tracing`): a span per refund (`id`, `provider`, `fence`) and per
//! request (`method`, `n`, `step`), the outcome and the state machine's reason; never a
//! request, a body, a header or a credential.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use refundkit::core::lifecycle::{Action, Answer, Budget, Outgoing, Status, Timing};
use refundkit::core::text::one_line;
use refundkit::{Credentials, ProviderId, Refund};
use tracing::{Instrument as _, info, info_span, warn};

use crate::model::{Answered, Claim, Outcome, Sending};
use crate::{Journal, JournalError};

pub use crate::clock::{BoxFuture, Clock, SystemClock};

#[cfg(feature = "reqwest")]
mod reqwest_transport;
#[cfg(feature = "reqwest")]
pub use reqwest_transport::{ReqwestTransport, TlsIdentity, TransportError, TransportOptions};

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An answer: its HTTP status, headers and body.
    Answered {
        /// The HTTP status.
        http_status: u16,
        /// The headers (`Retry-After` is read from here).
        headers: http::HeaderMap,
        /// The body.
        body: Vec<u8>,
    },
    /// It left (or may have), and nothing usable came back: a timeout, a reset.
    Lost,
    /// It never left: no connection could be made (refused, a name that did not resolve, a
    /// TLS handshake the provider refused before anything was written). A transport says why
    /// in its log, at WARN.
    NotSent,
}

/// How requests reach the providers: the shop's HTTP client.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` to `provider` (MWS wants the shop's client certificate).
    fn send<'a>(
        &'a self,
        provider: ProviderId,
        request: &'a http::Request<Vec<u8>>,
    ) -> BoxFuture<'a, Delivery>;

    /// The longest [`Transport::send`] may take: a worker sends only while its lease has at
    /// least this long left, so no other worker can take the refund over mid-request.
    fn timeout(&self) -> Duration;

    /// Whether it can send to `provider` (MWS needs a TLS client identity): a worker claims
    /// only the refunds of providers its transport serves. Why not, when it cannot.
    fn serves(&self, provider: ProviderId) -> Result<(), String> {
        let _ = provider;
        Ok(())
    }
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The worker's identity, in leases and attempts: unique per running worker, and the same
    /// when it starts again (a host and a number, a pod's name), so that it takes back the
    /// refunds its earlier self held at once ([`Journal::take_back`]). Two running workers
    /// under one name cost a reconcile (or a person, for a Robokassa Create in flight), never
    /// a second refund: every write is fenced.
    pub name: String,
    /// How long a claim holds: longer than the transport's timeout. Scaled with
    /// [`Config::time_scale`], never below the transport's timeout and a second.
    pub lease: Duration,
    /// The retry budget, in sends of the refund itself: a refund that would leave more often
    /// than this (each lost or unanswered one counts) goes to review instead. The machine
    /// spends it ([`Budget`], set on each refund it drives).
    pub max_attempts: u32,
    /// The retry budget, in time: a refund still open this long after its first request left
    /// goes to review rather than sending more (scaled as the schedules are).
    pub max_age: Duration,
    /// Every wait of the providers' schedules, the lease and the age budget multiplied by
    /// `numerator / denominator` (for tests against `refundkit serve`); `None` for them as
    /// they are.
    pub time_scale: Option<(u32, u32)>,
    /// The longest the worker sleeps when nothing is due (it also wakes when the soonest
    /// refund falls due).
    pub idle: Duration,
    /// When a request cannot be built (a credential this worker was not given), how long
    /// before the refund is tried again.
    pub unbuildable_retry: Duration,
    /// The providers this worker is to serve (`None`: every one its transport can): one its
    /// transport cannot serve is refused at start ([`ConfigError::CannotServe`]).
    pub providers: Option<Vec<ProviderId>>,
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
            providers: None,
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        match self.time_scale {
            Some((n, den)) => d
                .checked_mul(n)
                .and_then(|t| t.checked_div(den))
                .unwrap_or(d),
            None => d,
        }
    }
}

/// The longest lease a worker takes: a day. A worker that stops holds its refunds until its
/// lease ends (unless it starts again under its name), so a longer one would keep them from
/// every other worker for longer than a person would wait.
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
    /// The worker was asked to serve a provider its transport cannot send to.
    #[error("{provider}: {why}")]
    CannotServe {
        /// The provider.
        provider: ProviderId,
        /// Why the transport cannot.
        why: String,
    },
    /// A blocking worker's runtime could not be made.
    #[error("the worker's runtime: {0}")]
    Runtime(String),
    /// No worker to run (`workers(0)`).
    #[error("no worker to run: workers(0)")]
    NoWorkers,
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
#[derive(Debug, Clone, Default)]
pub struct Until {
    /// Once no refund is open (pending, waiting or in flight), or every open one waits behind
    /// a review ([`Ended::AwaitingReview`]).
    pub settled: bool,
    /// At this instant, whatever is open.
    pub deadline: Option<SystemTime>,
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
    /// What is open waits for a person: every open refund is held back behind an earlier
    /// refund of its payment that is in review ([`Journal::resolve`] lets it go on).
    AwaitingReview,
}

/// A request to stop, shared by the workers it stops: set once, seen by every worker between
/// two steps and in the middle of a sleep (never in the middle of a request).
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<StopInner>);

#[derive(Debug, Default)]
struct StopInner {
    requested: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    /// A stop not yet requested.
    pub fn new() -> Self {
        Stop::default()
    }

    /// Asks every worker holding it to stop.
    pub fn request(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }

    /// Waits until a stop is asked for.
    pub async fn requested(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
    }
}

/// One worker: a loop of steps over one journal handle.
pub struct Worker {
    journal: Journal,
    transport: Arc<dyn Transport>,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    config: Config,
    /// The lease it takes: the configured one scaled, never below the transport's timeout.
    lease: Duration,
    /// The providers it claims (`None`: every one).
    claims: Option<Vec<ProviderId>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Worker({})", self.config.name)
    }
}

impl Worker {
    /// A worker over `journal`, sending through `transport` with `credentials`, on `clock`.
    pub fn new(
        journal: Journal,
        transport: Arc<dyn Transport>,
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Result<Self, ConfigError> {
        let timeout = transport.timeout();
        if timeout.is_zero() {
            return Err(ConfigError::NoTimeout);
        }
        if config.lease <= timeout {
            return Err(ConfigError::LeaseTooShort {
                lease: config.lease,
                timeout,
            });
        }
        if config.lease > MAX_LEASE {
            return Err(ConfigError::LeaseTooLong(config.lease));
        }
        if config.max_attempts == 0 {
            return Err(ConfigError::NoAttempts);
        }
        let wanted = config
            .providers
            .clone()
            .unwrap_or_else(|| ProviderId::ALL.to_vec());
        let mut claims = Vec::new();
        for provider in wanted {
            match transport.serves(provider) {
                Ok(()) => claims.push(provider),
                Err(why) if config.providers.is_some() => {
                    return Err(ConfigError::CannotServe { provider, why });
                }
                Err(why) => {
                    warn!(%provider, %why, "this worker leaves the provider's refunds to others")
                }
            }
        }
        let claims = (claims.len() != ProviderId::ALL.len()).then_some(claims);
        let floor = timeout.saturating_add(Duration::from_secs(1));
        let lease = config.scaled(config.lease).max(floor);
        Ok(Worker {
            journal,
            transport,
            credentials,
            clock,
            config,
            lease,
            claims,
        })
    }

    /// The journal it works on.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Claims the refund that is due soonest and drives it: each request recorded before it
    /// leaves and after its answer, as long as the next one is due at once and the lease
    /// covers it; then the refund is given back, due when the state machine says, or settled.
    pub async fn step(&mut self) -> Result<Stepped, JournalError> {
        let now = self.clock.now();
        // The first request's write-ahead goes with the claim, one commit, when the refund
        // loads and its next action is a request the lease covers; anything else (a state
        // that does not load, a request that cannot be built, a lost one to count) is
        // claimed alone and met by `drive` as before.
        let (credentials, timing, timeout) = (
            self.credentials.clone(),
            self.timing(),
            self.transport.timeout(),
        );
        let prepare = move |claim: &Claim| {
            let mut refund = Refund::from_json(claim.state.as_bytes()).ok()?;
            refund.set_timing(timing(&refund));
            let Ok(Action::Send(out)) = refund.poll(now, &credentials) else {
                return None;
            };
            let left = claim.lease_until.duration_since(now).unwrap_or_default();
            if left <= timeout {
                return None;
            }
            refund.sent(&out, now).ok()?;
            Some((refund, Sending::of(&out), out))
        };
        let Some((claim, first)) = self
            .journal
            .claim_and_write_ahead(
                &self.config.name,
                now,
                self.lease,
                self.claims.as_deref(),
                prepare,
            )
            .await?
        else {
            return Ok(Stepped::Idle);
        };
        let span = info_span!("refund", id = %one_line(&claim.id), provider = %claim.provider, fence = claim.fence);
        match self.drive(&claim, first).instrument(span.clone()).await {
            Err(JournalError::Stale { id, .. }) => {
                span.in_scope(|| {
                    warn!(
                        "another worker took the refund over: this worker's step is not recorded"
                    );
                });
                Ok(Stepped::Stale { id })
            }
            other => other,
        }
    }

    /// The refund's timing as this worker runs it: from the provider's own schedule each
    /// time (never compounding on a stored, scaled one), with this worker's retry budget (the
    /// machine spends it) and time scale.
    fn timing(&self) -> impl Fn(&Refund) -> Timing + Send + 'static {
        let (budget, time_scale) = (
            Budget {
                attempts: self.config.max_attempts,
                age: self.config.max_age,
            },
            self.config.time_scale,
        );
        move |refund: &Refund| {
            let timing = refund.default_timing().with_budget(budget);
            match time_scale {
                Some((numerator, denominator)) => timing.scaled(numerator, denominator),
                None => timing,
            }
        }
    }

    /// Drives the claimed refund; `first`, the refund and its first request when their
    /// write-ahead was committed with the claim: that request is sent at once.
    async fn drive(
        &mut self,
        claim: &Claim,
        first: Option<(Refund, Outgoing)>,
    ) -> Result<Stepped, JournalError> {
        let now = self.clock.now();
        let (mut refund, mut written) = match first {
            Some((refund, out)) => (refund, Some(out)),
            None => match Refund::from_json(claim.state.as_bytes()) {
                Ok(mut refund) => {
                    refund.set_timing(self.timing()(&refund));
                    (refund, None)
                }
                Err(e) => {
                    let why = format!("the stored state does not load ({e}): check it by hand");
                    warn!(why = %one_line(&why));
                    self.journal.quarantine(claim, &why, now).await?;
                    return Ok(stepped(claim, Status::Review));
                }
            },
        };
        let provider: ProviderId = refund.provider();
        // The answer taken and not yet recorded: it is written with what comes next (the
        // next request's write-ahead, or the refund given back), one transaction for both.
        let mut closing: Option<Answered> = None;
        loop {
            let now = self.clock.now();
            if let Some(out) = written.take() {
                closing = Some(self.send(claim, &mut refund, provider, &out).await?);
                continue;
            }
            let action = match refund.poll(now, &self.credentials) {
                Ok(a) => a,
                Err(e) => {
                    self.give_back(claim, &refund, closing.take(), now, false)
                        .await?;
                    let why = format!("the request cannot be built: {e}");
                    warn!(why = %one_line(&why));
                    let until = now
                        .checked_add(self.config.unbuildable_retry)
                        .unwrap_or(now);
                    self.journal.hold(claim, until, &why, now).await?;
                    return Ok(stepped(claim, refund.status()));
                }
            };
            match action {
                Action::Awaiting { seq, method, .. } => {
                    warn!(
                        method,
                        seq,
                        "a request left and its answer was never recorded (its worker stopped): it counts as lost"
                    );
                    refund
                        .on_answer(seq, Answer::Lost, &self.credentials, now)
                        .map_err(|e| corrupt(claim, &e))?;
                    self.journal
                        .record(claim, &refund, seq, Outcome::WorkerStopped, now, false)
                        .await?;
                }
                Action::Escalate(why) => {
                    let why = format!("{why}; last: {}", refund.reason());
                    warn!(why = %one_line(&why));
                    refund.escalate(why, now).map_err(|e| corrupt(claim, &e))?;
                    self.give_back(claim, &refund, closing.take(), now, true)
                        .await?;
                    return Ok(stepped(claim, Status::Review));
                }
                Action::Send(out) => {
                    let left = claim.lease_until.duration_since(now).unwrap_or_default();
                    if left <= self.transport.timeout() {
                        // Not enough lease to cover the request: give it back unsent (polling
                        // changed nothing).
                        self.give_back(claim, &refund, closing.take(), now, true)
                            .await?;
                        return Ok(stepped(claim, refund.status()));
                    }
                    let step = out.step.map_or("first", |s| s.as_str());
                    let attempt = info_span!("request", method = out.method, n = out.seq, step);
                    refund.sent(&out, now).map_err(|e| corrupt(claim, &e))?;
                    let sending = Sending::of(&out);
                    let recorded = match closing.take() {
                        None => {
                            self.journal
                                .write_ahead(claim, &refund, &sending, now)
                                .instrument(attempt.clone())
                                .await
                        }
                        Some(answered) => {
                            self.journal
                                .answer_and_write_ahead(claim, &refund, answered, &sending, now)
                                .instrument(attempt.clone())
                                .await
                        }
                    };
                    recorded?;
                    closing = Some(self.send(claim, &mut refund, provider, &out).await?);
                }
                Action::Sleep { .. } | Action::Done(_) | Action::Refused(_) | Action::Review(_) => {
                    self.give_back(claim, &refund, closing.take(), now, true)
                        .await?;
                    if refund.status().is_final() {
                        info!(status = %refund.status(), reason = %one_line(&refund.reason()), "settled");
                    }
                    return Ok(stepped(claim, refund.status()));
                }
            }
        }
    }

    /// Sends `out`, its write-ahead committed, and gives its answer to the refund's machine:
    /// the answer taken, to be recorded with what comes next.
    async fn send(
        &self,
        claim: &Claim,
        refund: &mut Refund,
        provider: ProviderId,
        out: &Outgoing,
    ) -> Result<Answered, JournalError> {
        let step = out.step.map_or("first", |s| s.as_str());
        let attempt = info_span!("request", method = out.method, n = out.seq, step);
        attempt.in_scope(|| info!(moves_money = out.moves_money, "sending"));
        let delivery = self
            .transport
            .send(provider, &out.request)
            .instrument(attempt.clone())
            .await;
        let now = self.clock.now();
        let (answer, outcome, kept) = match &delivery {
            Delivery::Answered {
                http_status,
                headers,
                body,
            } => (
                Answer::received(*http_status, body).with_headers(headers),
                Outcome::Answered(*http_status),
                Some(Answered::kept(body)),
            ),
            Delivery::Lost => (Answer::Lost, Outcome::Lost, None),
            Delivery::NotSent => (Answer::NotSent, Outcome::NotSent, None),
        };
        refund
            .on_answer(out.seq, answer, &self.credentials, now)
            .map_err(|e| corrupt(claim, &e))?;
        attempt.in_scope(|| {
            info!(
                outcome = ?outcome,
                status = %refund.status(),
                reason = %one_line(&refund.reason()),
                "answered"
            );
        });
        Ok(Answered {
            seq: out.seq,
            outcome,
            at: now,
            answer: kept,
        })
    }

    /// Saves the refund with nothing (more) sent: the answer taken and not yet recorded closed
    /// in the same transaction; the lease released, or kept for what the worker does next.
    async fn give_back(
        &self,
        claim: &Claim,
        refund: &Refund,
        closing: Option<Answered>,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        match closing {
            Some(answered) => {
                self.journal
                    .record_answered(claim, refund, answered, now, release)
                    .await
            }
            None if release => self.journal.release(claim, refund, now).await,
            None => Ok(()),
        }
    }

    /// Steps refunds until `until` says, or `stop` is requested (between two steps, or in a
    /// sleep; a request under way is finished and recorded first). It starts by taking back
    /// the refunds its earlier self held under its name. A database that fails (a restart, a
    /// failover) is waited out and tried again, never a reason to stop.
    pub async fn run(&mut self, until: &Until, stop: &Stop) -> Result<Ended, JournalError> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self
                .journal
                .take_back(&self.config.name, self.clock.now())
                .await
            {
                Ok(0) => break,
                Ok(taken) => {
                    info!(worker = %self.config.name, taken, "took back the refunds this worker held before it stopped");
                    break;
                }
                Err(e) if transient(&e) => {
                    warn!(error = %e, "the journal failed: trying again");
                    if self.pause(backoff, stop).await {
                        return Ok(Ended::Stopped);
                    }
                    backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                }
                Err(e) => return Err(e),
            }
        }
        let mut backoff = FIRST_BACKOFF;
        loop {
            if stop.is_requested() {
                return Ok(Ended::Stopped);
            }
            match self.round(until).await {
                Ok(Round::Ended(ended)) => return Ok(ended),
                Ok(Round::Stepped) => backoff = FIRST_BACKOFF,
                Ok(Round::Idle(wait)) => {
                    if self.pause(wait, stop).await {
                        return Ok(Ended::Stopped);
                    }
                }
                Err(e) if transient(&e) => {
                    warn!(error = %e, "the journal failed: trying again");
                    if self.pause(backoff, stop).await {
                        return Ok(Ended::Stopped);
                    }
                    backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One round of the loop: a step, or (nothing due) whether to end, and how long to sleep.
    async fn round(&mut self, until: &Until) -> Result<Round, JournalError> {
        let now = self.clock.now();
        if until.deadline.is_some_and(|d| now >= d) {
            return Ok(Round::Ended(if self.journal.open_count().await? == 0 {
                Ended::Settled
            } else {
                Ended::Deadline
            }));
        }
        if self.step().await? != Stepped::Idle {
            return Ok(Round::Stepped);
        }
        if until.settled {
            let open = self.journal.open_count().await?;
            if open == 0 {
                return Ok(Round::Ended(Ended::Settled));
            }
            if self.journal.waiting_for_review().await? == open {
                return Ok(Round::Ended(Ended::AwaitingReview));
            }
        }
        let now = self.clock.now();
        let mut wait = self
            .journal
            .next_due()
            .await?
            .and_then(|due| due.duration_since(now).ok())
            .unwrap_or(self.config.idle)
            .min(self.config.idle);
        if let Some(left) = until.deadline.and_then(|d| d.duration_since(now).ok()) {
            wait = wait.min(left);
        }
        Ok(Round::Idle(wait))
    }

    /// Sleeps `wait`, or until a stop is asked for; whether it was.
    async fn pause(&self, wait: Duration, stop: &Stop) -> bool {
        tokio::select! {
            () = self.clock.sleep(wait.max(Duration::from_millis(5))) => stop.is_requested(),
            () = stop.requested() => true,
        }
    }
}

/// What a round of [`Worker::run`] did.
enum Round {
    Stepped,
    Idle(Duration),
    Ended(Ended),
}

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether an error of the journal is the database's passing failure (a restart, a lost
/// connection, a lock held too long): the worker waits and tries again.
fn transient(e: &JournalError) -> bool {
    matches!(e, JournalError::Storage { .. })
}

fn stepped(claim: &Claim, status: Status) -> Stepped {
    Stepped::Refund {
        id: claim.id.clone(),
        status,
    }
}

fn corrupt(claim: &Claim, e: &dyn std::fmt::Display) -> JournalError {
    JournalError::Corrupt {
        id: claim.id.clone(),
        detail: e.to_string(),
    }
}

/// Workers to spawn on the current tokio runtime: a builder.
///
/// ```no_run
/// # async fn f(journal: refundkit_journal::Journal) -> Result<(), Box<dyn std::error::Error>> {
/// use refundkit_journal::worker::{ReqwestTransport, Workers};
/// let transport = ReqwestTransport::from_client(reqwest::Client::new());
/// let workers = Workers::new(journal, transport, refundkit::Credentials::from_env()?)
///     .workers(4)
///     .spawn()?;
/// // … at shutdown: no new claim, each request in flight finished and recorded.
/// workers.shutdown().await?;
/// # Ok(()) }
/// ```
pub struct Workers {
    journal: Journal,
    transport: Arc<dyn Transport>,
    credentials: Credentials,
    clock: Arc<dyn Clock>,
    config: Config,
    count: usize,
    until: Until,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workers({} × {})", self.count, self.config.name)
    }
}

impl Workers {
    /// One worker over `journal`, sending through `transport` with `credentials`, named after
    /// this host ([`Config::new`]'s defaults otherwise).
    pub fn new(journal: Journal, transport: impl Transport, credentials: Credentials) -> Self {
        let clock = journal.clock().clone();
        Workers {
            journal,
            transport: Arc::new(transport),
            credentials,
            clock,
            config: Config::new(default_name()),
            count: 1,
            until: Until::default(),
        }
    }

    /// How many workers (tasks) to run; each is named `{name}-{i}`.
    pub fn workers(mut self, count: usize) -> Self {
        self.count = count;
        self
    }

    /// How they run.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Their clock (the journal's by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// When they return by themselves (by default, only when shut down).
    pub fn until(mut self, until: Until) -> Self {
        self.until = until;
        self
    }

    /// Starts them on the current tokio runtime. Refused when the configuration would stop
    /// them making progress ([`ConfigError`]), before anything runs.
    pub fn spawn(self) -> Result<WorkersHandle, ConfigError> {
        if self.count == 0 {
            return Err(ConfigError::NoWorkers);
        }
        let stop = Stop::new();
        let mut workers = Vec::with_capacity(self.count);
        for i in 0..self.count {
            let config = Config {
                name: format!("{}-{i}", self.config.name),
                ..self.config.clone()
            };
            workers.push(Worker::new(
                self.journal.clone(),
                self.transport.clone(),
                self.credentials.clone(),
                self.clock.clone(),
                config,
            )?);
        }
        let tasks = workers
            .into_iter()
            .map(|mut worker| {
                let (until, stop) = (self.until.clone(), stop.clone());
                tokio::spawn(async move { worker.run(&until, &stop).await })
            })
            .collect();
        Ok(WorkersHandle {
            stop,
            tasks: tokio::sync::Mutex::new(tasks),
        })
    }

    /// Starts them and waits until each has returned ([`Workers::until`]); why the last
    /// returned.
    pub async fn run(self) -> Result<Ended, RunError> {
        let handle = self.spawn()?;
        Ok(handle.join().await?)
    }
}

/// Why [`Workers::run`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// They could not start.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A worker stopped on an error it cannot wait out (a journal not migrated, one of a
    /// newer schema).
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Running workers. [`WorkersHandle::shutdown`] stops them cleanly; dropping the handle asks
/// them to stop too (without waiting).
pub struct WorkersHandle {
    stop: Stop,
    tasks: tokio::sync::Mutex<Vec<tokio::task::JoinHandle<Result<Ended, JournalError>>>>,
}

impl std::fmt::Debug for WorkersHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkersHandle")
    }
}

impl WorkersHandle {
    /// Stops them: no new claim; each request in flight finishes and is recorded; returns
    /// once every worker has. The first error a worker stopped on, if any.
    pub async fn shutdown(&self) -> Result<(), JournalError> {
        self.stop.request();
        self.join().await.map(drop)
    }

    /// Waits until every worker has returned, without asking them to; why the last did.
    pub async fn join(&self) -> Result<Ended, JournalError> {
        let tasks: Vec<_> = std::mem::take(&mut *self.tasks.lock().await);
        let mut ended = Ended::Stopped;
        let mut failed = None;
        for task in tasks {
            match task.await {
                Ok(Ok(e)) => ended = e,
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(e) => {
                    failed = failed.or(Some(JournalError::Storage {
                        retryable: false,
                        detail: format!("a worker task ended abnormally: {e}"),
                    }));
                }
            }
        }
        failed.map_or(Ok(ended), Err)
    }

    /// The stop they share (to ask from elsewhere, a signal handler).
    pub fn stopper(&self) -> Stop {
        self.stop.clone()
    }
}

impl Drop for WorkersHandle {
    fn drop(&mut self) {
        self.stop.request();
    }
}

/// A worker name this process holds alone on this host, and gets again when it starts again
/// after a crash: `{host}-{i}` with the smallest `i` whose lock file no running process holds
/// (an exclusive lock the system releases when its holder dies). With it a restarted
/// `refundkit journal run` takes back its refunds at once ([`Journal::take_back`]), and two
/// running at once never share a name. Hold it for as long as the workers run.
#[derive(Debug)]
pub struct HostIdentity {
    name: String,
    _lock: std::fs::File,
}

impl HostIdentity {
    /// The first free name for workers on `journal` on this host, locked; the lock files live
    /// in `refundkit-workers/` under the system's temporary directory.
    pub fn acquire(journal: &crate::Location) -> std::io::Result<HostIdentity> {
        let dir = std::env::temp_dir().join("refundkit-workers");
        std::fs::create_dir_all(&dir)?;
        let host = default_name();
        let key = journal.key();
        for i in 0u32..1024 {
            let path = dir.join(format!("{key}-{host}-{i}.lock"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            match file.try_lock() {
                Ok(()) => {
                    return Ok(HostIdentity {
                        name: format!("{host}-{i}"),
                        _lock: file,
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
        Err(std::io::Error::other(
            "1024 workers on this host already hold a name for this journal",
        ))
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `{host}`: the default worker name, the same each time this host starts it.
fn default_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "refundkit".into())
}
