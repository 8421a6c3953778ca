//! The refund as an owned state machine, sans-IO in the manner of rustls' `Connection` and
//! quinn-proto: the caller asks it what to do ([`Machine::poll`], which changes nothing), does
//! it, and tells it so: a request about to leave is acknowledged ([`Machine::sent`], with the
//! sequence number `poll` gave it) before a byte of it is sent, and its answer names that
//! sequence ([`Machine::on_answer`]), so an answer can only ever be taken as the answer to the
//! request it is. Every transition is the machine's: the provider's decisions, a person's
//! review ([`Machine::escalate`]) and answer ([`Machine::resolve`]), the retry budget. Its
//! state is plain data (`serde`): the refund's identity and body as it is sent, without a
//! credential, and how far it got. Credentials are given each time a request is built, so the
//! state can be stored anywhere and reloaded after a crash.
//!
//! One machine serves every provider: the rules of each live in its crate's
//! [`Lifecycle`], and everything about sending, waiting, lost answers and requests that never
//! left is written once, here.

use std::fmt;
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::time::{instant, optional_instant};
use super::{Answer, DecideError, Done, Mismatch, Next, Refused, Review, Step, Timing, later};
use crate::{Amount, DecodeError, Refusal, Report};

/// The version of the stored state this refundkit writes. A state of this version or an older
/// one loads; a newer one is refused rather than misread.
///
/// Version 2 added the sequence number of the request in flight, the time of the first send,
/// the retry budget and a person's resolution: an older refundkit would drop them unread, so it
/// refuses a version 2 state. A version 1 state loads with its requests numbered by its sends.
pub const STATE_VERSION: u32 = 2;

/// One provider's refund: what the machine keeps of it (identity, the body as it is sent, what
/// its answers taught), and the provider's rules for building its requests and reading their
/// answers.
///
/// Implemented by each provider crate's `lifecycle::Refund`. It holds no credential.
pub trait Lifecycle: Clone + fmt::Debug + PartialEq + Serialize + DeserializeOwned {
    /// Which of the provider's requests the refund sends: the refund itself, or one of its
    /// status requests.
    type Request: Copy + Eq + fmt::Debug + Serialize + DeserializeOwned;
    /// What building the requests and reading the answers needs from the shop and is never
    /// stored: credentials, and the provider's certificate where its answers are signed.
    type Keys<'k>;
    /// The provider's name (`rbs`).
    const PROVIDER: &'static str;

    /// The provider's schedule.
    fn timing() -> Timing;
    /// The refund's first request (the refund itself, or the status a provider needs first).
    fn first(&self) -> Self::Request;
    /// Whether `request` is the refund itself: the one request that moves money.
    fn is_refund(request: Self::Request) -> bool;
    /// The method's name, for logs (`refund.do`, `getOrderStatusExtended.do`).
    fn method(request: Self::Request) -> &'static str;
    /// Builds `request` from the refund and the keys; `progress.attempts` is how many times
    /// the refund has left before this send.
    fn build(
        &self,
        request: Self::Request,
        progress: &Progress,
        keys: &Self::Keys<'_>,
    ) -> Result<http::Request<Vec<u8>>, BuildError>;
    /// The next step after `request` got `answer` ([`Answer::Received`] or [`Answer::Lost`];
    /// a request that never left is the machine's own concern). May learn from the answer
    /// (an id the provider assigned, an amount recorded before the refund).
    fn decide(
        &mut self,
        request: Self::Request,
        answer: Answer<'_>,
        context: &Context<'_>,
        keys: &Self::Keys<'_>,
    ) -> Decision<Self::Request>;
    /// The refunded amount, where the refund states one (`None`: the whole payment).
    fn amount(&self) -> Option<Amount>;
    /// The refund's identifying fields, in the provider's spelling, for logs and lists.
    fn identity(&self) -> Vec<(&'static str, String)>;
    /// The payment this refund gives money back from, by the provider's own id of it
    /// (Robokassa's OpKey, the Yandex Pay or RBS order, the MWS invoice): refunds of one
    /// payment are made one after another, never side by side (a journal serializes them).
    fn payment(&self) -> String;
    /// Everything that defines the refund as it is sent, without a credential: what its
    /// fingerprint is taken of.
    fn fingerprint_input(&self) -> Vec<u8>;
    /// Checks a refund read back from storage: its body must still decode and validate, so
    /// that only a validated request is ever sent.
    fn check(&self) -> Result<(), LoadError>;
}

/// What a decision knows besides the refund and the answer.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Now (passed in, never read).
    pub now: SystemTime,
    /// When the request this answer is to left.
    pub sent_at: SystemTime,
    /// How far the refund got.
    pub progress: &'a Progress,
    /// The schedule.
    pub timing: &'a Timing,
}

/// How far a refund got: counts and times the decisions need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many times the refund request left (or may have left: a lost answer counts).
    pub attempts: u32,
    /// When the refund request last left.
    #[serde(with = "optional_instant")]
    pub refund_sent_at: Option<SystemTime>,
    /// How many requests of any kind left.
    pub sends: u32,
    /// When the refund was made.
    #[serde(with = "instant")]
    pub created: SystemTime,
    /// The sequence number of the last request acknowledged as leaving ([`Machine::sent`]):
    /// one more for each, never taken back (a request that never left keeps its number), so
    /// every request the refund ever sent has a number of its own.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
    /// When its first request left: the retry budget in time counts from here.
    #[serde(
        default,
        with = "optional_instant",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_sent_at: Option<SystemTime>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Progress {
    /// Nothing sent yet, made at `created`.
    pub fn new(created: SystemTime) -> Self {
        Progress {
            attempts: 0,
            refund_sent_at: None,
            sends: 0,
            created,
            seq: 0,
            first_sent_at: None,
        }
    }
}

/// The provider's decision after an answer, in its own request kinds: what the machine turns
/// into its next phase.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Decision<R> {
    /// Send `request` not before `not_before`; `step` says why: [`Step::Wait`] (the refund is
    /// under way: ask its status), [`Step::Resend`] (the refund again, where that is safe),
    /// [`Step::Reconcile`] (ask the status to settle an unknown outcome), or `None` (the
    /// refund's first send, after what the provider needs first).
    Send {
        /// Why.
        step: Option<Step>,
        /// What to send.
        request: R,
        /// Not before this instant.
        not_before: SystemTime,
        /// Why, for a log.
        detail: String,
    },
    /// The provider states that the money went back, in an answer about this refund.
    Done(Done),
    /// The provider states that it did not do this refund.
    Refused(Refused),
    /// No request can tell (or the answer is about another refund): a person checks.
    Review(Review),
}

impl<R> Decision<R> {
    /// The money went back, as `detail` states.
    pub fn done(refunded: Option<Amount>, detail: impl Into<String>) -> Self {
        Decision::Done(Done {
            refunded,
            detail: detail.into(),
        })
    }

    /// A stated refusal, the code and text copied from the provider's.
    pub fn refused<C: fmt::Display>(refusal: &Refusal<C>, may_correct: bool) -> Self {
        Decision::Refused(Refused {
            http_status: Some(refusal.http_status),
            code: refusal.code.as_ref().map(ToString::to_string),
            text: refusal.text.clone(),
            may_correct,
        })
    }

    /// A person checks.
    pub fn review(how: impl Into<String>) -> Self {
        Decision::Review(Review {
            how: how.into(),
            mismatch: None,
        })
    }

    /// The answer is about another refund: a person checks before anything else is sent.
    pub fn mismatch(mismatch: Mismatch, how: impl Into<String>) -> Self {
        Decision::Review(Review {
            how: how.into(),
            mismatch: Some(mismatch),
        })
    }

    /// `step` with `request`, not before `not_before`.
    pub fn send(step: Step, request: R, not_before: SystemTime, detail: impl Into<String>) -> Self {
        Decision::Send {
            step: Some(step),
            request,
            not_before,
            detail: detail.into(),
        }
    }

    /// The kind of this decision.
    pub fn step(&self) -> Step {
        match self {
            Decision::Send { step, .. } => step.unwrap_or(Step::Resend),
            Decision::Done(_) => Step::Done,
            Decision::Refused(_) => Step::Refused,
            Decision::Review(r) => r.step(),
        }
    }
}

/// A request could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The shop's credential for this request was not given.
    #[error("no {0} given: this request cannot be built without it")]
    MissingCredential(&'static str),
    /// The refund's body no longer validates (a stored state changed by hand).
    #[error("the refund does not validate: {0}")]
    Invalid(Report),
    /// The refund's body does not decode.
    #[error("the refund's body: {0}")]
    Decode(#[from] DecodeError),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(Box<dyn std::error::Error + Send + Sync>),
    /// `http` refused the URL or a header.
    #[error("the request: {0}")]
    Http(#[from] http::Error),
    /// The stored base URL is not one.
    #[error(transparent)]
    Endpoint(#[from] crate::EndpointError),
    /// The request needs what an answer has not given yet (a provider's id of the refund).
    #[error("the refund has no {0} yet")]
    Incomplete(&'static str),
}

/// A stored state that cannot be taken back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Written by a newer refundkit.
    #[error("state version {found} is newer than this refundkit reads ({max})")]
    Version {
        /// The state's version.
        found: u32,
        /// The newest this refundkit reads.
        max: u32,
    },
    /// The refund's body does not decode.
    #[error("the refund's body: {0}")]
    Decode(#[from] DecodeError),
    /// The refund's body no longer validates.
    #[error("the refund does not validate: {0}")]
    Invalid(Report),
    /// The stored base URL is not one.
    #[error(transparent)]
    Endpoint(#[from] crate::EndpointError),
    /// The refund's fields are not those of its body.
    #[error("the refund's {0} is not its body's")]
    Inconsistent(&'static str),
    /// The refund's fields are not those its fingerprint was taken of.
    #[error("the refund does not match its fingerprint: it was changed after it was made")]
    Fingerprint,
    /// The state is not JSON of a refund.
    #[error("not a stored refund: {0}")]
    Json(#[from] serde_json::Error),
}

/// A transition the machine refuses: it does not fit where the refund stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// No request is in flight: poll first, acknowledge what it gives, then answer.
    #[error("no request is in flight: an answer needs a request that left (poll, then sent)")]
    NotInFlight,
    /// A request is in flight: it must be answered (or declared lost) before the next step.
    #[error("a request is in flight since {since_ms} ms after the epoch: answer it first")]
    InFlight {
        /// When it left.
        since_ms: u64,
    },
    /// An answer (or an acknowledgement) for another request than the one in flight (or due).
    #[error(
        "request {got} is not the one in flight or due ({expected}): an answer to another request"
    )]
    Stale {
        /// The sequence number in flight (or due).
        expected: u64,
        /// The one given.
        got: u64,
    },
    /// Nothing is due to be sent: the refund sleeps, or it has settled.
    #[error("no request is due: poll first")]
    NotDue,
    /// A person's answer for a refund that is not in review.
    #[error("the refund is {0}, not in review: there is nothing to resolve")]
    NotInReview(Status),
}

/// What the caller does next.
///
/// Not `#[non_exhaustive]`, on purpose: a loop that moves money must be told by the compiler
/// when a new kind of step appears, not fall into a catch-all arm.
#[derive(Debug)]
#[must_use]
// An action is made once per step and consumed at once, never stored in bulk: its size costs
// nothing, and a box would cost an allocation per request.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Send this request now: acknowledge it first ([`Machine::sent`], then store the state:
    /// it records that the request left), so that after a crash a request recorded as sent
    /// and never answered is lost, not forgotten.
    Send(Outgoing),
    /// Nothing to do until then.
    Sleep {
        /// When to poll again.
        until: SystemTime,
    },
    /// A request left and has no answer yet: give it with [`Machine::on_answer`] (after a
    /// crash, [`Answer::Lost`]).
    Awaiting {
        /// Its sequence number.
        seq: u64,
        /// Its method.
        method: &'static str,
        /// When it left.
        since: SystemTime,
    },
    /// The retry budget is spent: nothing more may be sent; hand the refund to a person
    /// ([`Machine::escalate`] with this reason).
    Escalate(String),
    /// Final: the provider (or a person) stated that the money went back.
    Done(Done),
    /// Final: the provider (or a person) stated that this refund did not happen.
    Refused(Refused),
    /// Final until a person answers: nothing a request can tell settles the refund.
    Review(Review),
}

/// A request to send.
#[derive(Debug)]
pub struct Outgoing {
    /// Its sequence number: what [`Machine::sent`] acknowledges and its answer names.
    pub seq: u64,
    /// The request, built with the keys given.
    pub request: http::Request<Vec<u8>>,
    /// Its method (`refund.do`).
    pub method: &'static str,
    /// Whether it is the refund itself (the request that moves money).
    pub moves_money: bool,
    /// How many times the refund has left, this send included where it is the refund.
    pub attempts: u32,
    /// Why it is sent: `None` for the refund's first request.
    pub step: Option<Step>,
    /// Why, for a log.
    pub detail: String,
}

/// Where a refund stands (what a journal lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[must_use]
pub enum Status {
    /// Nothing has been sent yet.
    Pending,
    /// A request left and has no answer yet.
    InFlight,
    /// A request is due, now or later.
    Waiting,
    /// The money went back.
    Done,
    /// The provider refused (or a person said no money moved).
    Refused,
    /// A person must check.
    Review,
}

impl Status {
    /// Every status, in the order a refund goes through them.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::InFlight,
        Status::Waiting,
        Status::Done,
        Status::Refused,
        Status::Review,
    ];

    /// `pending`, `in-flight`, `waiting`, `done`, `refused`, `review`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InFlight => "in-flight",
            Status::Waiting => "waiting",
            Status::Done => "done",
            Status::Refused => "refused",
            Status::Review => "review",
        }
    }

    /// Whether the refund has settled (done, refused, or with a person).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Refused | Status::Review)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person's answer to a refund in review ([`Machine::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Resolution {
    /// The money went back (seen in the provider's console or the bank statement): done.
    Done,
    /// No money moved for this refund: refused, and a new refund may be submitted.
    NotRefunded,
}

impl Resolution {
    /// `done`, `not-refunded`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Done => "done",
            Resolution::NotRefunded => "not-refunded",
        }
    }
}

/// A person's answer, as the refund keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// Done, or not refunded.
    pub resolution: Resolution,
    /// What the person checked, and where.
    pub note: String,
    /// Who answered, as they signed in (absent in a refund resolved before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// What the review was about.
    pub review: Review,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
#[serde(bound(serialize = "R: Serialize", deserialize = "R: DeserializeOwned"))]
enum Phase<R> {
    Due {
        request: R,
        step: Option<Step>,
        #[serde(with = "instant")]
        not_before: SystemTime,
        detail: String,
    },
    InFlight {
        request: R,
        step: Option<Step>,
        #[serde(with = "instant")]
        since: SystemTime,
        #[serde(with = "optional_instant")]
        previous_refund_sent_at: Option<SystemTime>,
        /// The sequence number it was acknowledged with (0 in states of refundkit before
        /// sequences: the progress's then).
        #[serde(default, skip_serializing_if = "is_zero")]
        seq: u64,
    },
    Done {
        refunded: Option<Amount>,
        detail: String,
        #[serde(
            default,
            with = "optional_instant",
            skip_serializing_if = "Option::is_none"
        )]
        at: Option<SystemTime>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolved: Option<Resolved>,
    },
    Refused {
        http_status: Option<u16>,
        code: Option<String>,
        text: Option<String>,
        may_correct: bool,
        #[serde(
            default,
            with = "optional_instant",
            skip_serializing_if = "Option::is_none"
        )]
        at: Option<SystemTime>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolved: Option<Resolved>,
    },
    Review {
        #[serde(with = "instant")]
        at: SystemTime,
        review: Review,
    },
}

/// A refund and how far it got.
///
/// ```
/// # use refundkit_core::lifecycle::{Machine, Lifecycle};
/// // Each provider crate's `lifecycle::Refund` implements `Lifecycle`; the facade's
/// // `refundkit::Refund` drives every provider through this one type.
/// fn stored<L: Lifecycle>(refund: &Machine<L>) -> String {
///     serde_json::to_string(refund).unwrap_or_default()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "", try_from = "Stored<L>")]
pub struct Machine<L: Lifecycle> {
    version: u32,
    fingerprint: String,
    timing: Timing,
    progress: Progress,
    phase: Phase<L::Request>,
    refund: L,
}

/// The stored form, checked before it becomes a machine.
#[derive(Deserialize)]
#[serde(bound = "")]
struct Stored<L: Lifecycle> {
    version: u32,
    fingerprint: String,
    timing: Timing,
    progress: Progress,
    phase: Phase<L::Request>,
    refund: L,
}

impl<L: Lifecycle> TryFrom<Stored<L>> for Machine<L> {
    type Error = LoadError;
    fn try_from(s: Stored<L>) -> Result<Self, LoadError> {
        if s.version > STATE_VERSION {
            return Err(LoadError::Version {
                found: s.version,
                max: STATE_VERSION,
            });
        }
        s.refund.check()?;
        if fingerprint_of(&s.refund) != s.fingerprint {
            return Err(LoadError::Fingerprint);
        }
        let mut progress = s.progress;
        let mut phase = s.phase;
        if s.version < 2 {
            // Version 1 numbered nothing: its requests were its sends, one after another, so
            // the request in flight (if any) is the last of them.
            progress.seq = progress.seq.max(u64::from(progress.sends));
            if let Phase::InFlight { seq, .. } = &mut phase {
                *seq = progress.seq;
            }
        }
        Ok(Machine {
            version: STATE_VERSION,
            fingerprint: s.fingerprint,
            timing: s.timing,
            progress,
            phase,
            refund: s.refund,
        })
    }
}

fn fingerprint_of<L: Lifecycle>(refund: &L) -> String {
    let mut hash = sha2::Sha256::new();
    hash.update(L::PROVIDER.as_bytes());
    hash.update(b"\n");
    hash.update(refund.fingerprint_input());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The longest a provider's `Retry-After` is honoured: a day (a longer one is a day).
const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl<L: Lifecycle> Machine<L> {
    /// A refund made at `now`, its first request due at once, on the provider's schedule.
    pub fn new(refund: L, now: SystemTime) -> Self {
        Machine::with_timing(refund, L::timing(), now)
    }

    /// A refund made at `now` on `timing`.
    pub fn with_timing(refund: L, timing: Timing, now: SystemTime) -> Self {
        let first = refund.first();
        Machine {
            version: STATE_VERSION,
            fingerprint: fingerprint_of(&refund),
            timing,
            progress: Progress::new(now),
            phase: Phase::Due {
                request: first,
                step: None,
                not_before: now,
                detail: format!("the refund's first request: {}", L::method(first)),
            },
            refund,
        }
    }

    /// A refund whose `request` left at `since` under `progress`'s last sequence number and
    /// has no answer yet (a state built by hand: a test, a migration from another store).
    pub fn in_flight(
        refund: L,
        request: L::Request,
        progress: Progress,
        timing: Timing,
        since: SystemTime,
    ) -> Self {
        Machine {
            version: STATE_VERSION,
            fingerprint: fingerprint_of(&refund),
            timing,
            phase: Phase::InFlight {
                request,
                step: None,
                since,
                previous_refund_sent_at: progress.refund_sent_at,
                seq: progress.seq,
            },
            progress,
            refund,
        }
    }

    /// The provider's refund.
    pub fn refund(&self) -> &L {
        &self.refund
    }

    /// How far it got.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The schedule.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Replaces the schedule (a worker scaling time down for tests, its retry budget); steps
    /// already scheduled keep their instants.
    pub fn set_timing(&mut self, timing: Timing) {
        self.timing = timing;
    }

    /// A hex SHA-256 of everything that defines the refund as it is sent (provider, endpoint,
    /// identity, body; no credential): equal for the same refund, different for any other.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// When the next request is due, if one is.
    pub fn not_before(&self) -> Option<SystemTime> {
        match &self.phase {
            Phase::Due { not_before, .. } => Some(*not_before),
            _ => None,
        }
    }

    /// When the refund settled (done or refused; its review began), if it has.
    pub fn settled_at(&self) -> Option<SystemTime> {
        match &self.phase {
            Phase::Done { at, .. } | Phase::Refused { at, .. } => *at,
            Phase::Review { at, .. } => Some(*at),
            Phase::Due { .. } | Phase::InFlight { .. } => None,
        }
    }

    /// A person's answer, where one settled the refund.
    pub fn resolved(&self) -> Option<&Resolved> {
        match &self.phase {
            Phase::Done { resolved, .. } | Phase::Refused { resolved, .. } => resolved.as_ref(),
            _ => None,
        }
    }

    /// Where the refund stands.
    pub fn status(&self) -> Status {
        match &self.phase {
            Phase::Due { .. } if self.progress.sends == 0 => Status::Pending,
            Phase::Due { .. } => Status::Waiting,
            Phase::InFlight { .. } => Status::InFlight,
            Phase::Done { .. } => Status::Done,
            Phase::Refused { .. } => Status::Refused,
            Phase::Review { .. } => Status::Review,
        }
    }

    /// The last decision's reason (or the final outcome's), for a log or a list.
    pub fn reason(&self) -> String {
        match &self.phase {
            Phase::Due { detail, .. } | Phase::Done { detail, .. } => detail.clone(),
            Phase::InFlight { request, .. } => format!("{} in flight", L::method(*request)),
            Phase::Refused {
                resolved: Some(r), ..
            } => format!("resolved by hand: not refunded: {}", r.note),
            Phase::Refused {
                http_status,
                code,
                text,
                ..
            } => format!(
                "HTTP {} {} {}",
                http_status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                code.as_deref().unwrap_or("-"),
                text.as_deref().unwrap_or("")
            ),
            Phase::Review { review, .. } => review.to_string(),
        }
    }

    /// The sequence number the next request will carry.
    fn next_seq(&self) -> u64 {
        self.progress.seq.saturating_add(1)
    }

    /// Why the retry budget forbids sending `request` now, when it does.
    fn spent(&self, moves_money: bool, now: SystemTime) -> Option<String> {
        let budget = &self.timing.budget;
        if moves_money && self.progress.attempts >= budget.attempts {
            return Some(format!(
                "the retry budget is spent: the refund left {} times and no answer settled it",
                budget.attempts
            ));
        }
        let first = self.progress.first_sent_at?;
        let age = now.duration_since(first).unwrap_or_default();
        (age > budget.age).then(|| {
            format!(
                "the retry budget is spent: the refund's first request left {} s ago and \
                 nothing has settled it",
                age.as_secs()
            )
        })
    }

    /// What to do now, changing nothing: a request to send (built with `keys`, numbered; the
    /// caller acknowledges it with [`Machine::sent`] before it leaves), a sleep, the request
    /// in flight to answer, the retry budget spent, or a final outcome. Building fails when a
    /// credential the request needs is missing.
    pub fn poll(&self, now: SystemTime, keys: &L::Keys<'_>) -> Result<Action, BuildError> {
        let (request, step, detail) = match &self.phase {
            Phase::Due { not_before, .. } if now < *not_before => {
                return Ok(Action::Sleep { until: *not_before });
            }
            Phase::Due {
                request,
                step,
                detail,
                ..
            } => (*request, *step, detail.clone()),
            Phase::InFlight {
                request,
                since,
                seq,
                ..
            } => {
                return Ok(Action::Awaiting {
                    seq: if *seq == 0 { self.progress.seq } else { *seq },
                    method: L::method(*request),
                    since: *since,
                });
            }
            Phase::Done {
                refunded, detail, ..
            } => {
                return Ok(Action::Done(Done {
                    refunded: *refunded,
                    detail: detail.clone(),
                }));
            }
            Phase::Refused {
                http_status,
                code,
                text,
                may_correct,
                ..
            } => {
                return Ok(Action::Refused(Refused {
                    http_status: *http_status,
                    code: code.clone(),
                    text: text.clone(),
                    may_correct: *may_correct,
                }));
            }
            Phase::Review { review, .. } => return Ok(Action::Review(review.clone())),
        };
        let moves_money = L::is_refund(request);
        if let Some(why) = self.spent(moves_money, now) {
            return Ok(Action::Escalate(why));
        }
        let built = self.refund.build(request, &self.progress, keys)?;
        Ok(Action::Send(Outgoing {
            seq: self.next_seq(),
            request: built,
            method: L::method(request),
            moves_money,
            attempts: self
                .progress
                .attempts
                .saturating_add(u32::from(moves_money)),
            step,
            detail,
        }))
    }

    /// Acknowledges `outgoing` as leaving at `now`: the refund is in flight under its sequence
    /// number, and counted. Store the state before a byte of the request is sent. Refused
    /// when it is not the request due (another sequence, or none due).
    pub fn sent(&mut self, outgoing: &Outgoing, now: SystemTime) -> Result<(), MachineError> {
        let (request, step) = match &self.phase {
            Phase::Due { request, step, .. } => (*request, *step),
            Phase::InFlight { since, .. } => {
                return Err(MachineError::InFlight {
                    since_ms: super::time::unix_millis(*since),
                });
            }
            _ => return Err(MachineError::NotDue),
        };
        if outgoing.seq != self.next_seq() || outgoing.method != L::method(request) {
            return Err(MachineError::Stale {
                expected: self.next_seq(),
                got: outgoing.seq,
            });
        }
        let previous_refund_sent_at = self.progress.refund_sent_at;
        if L::is_refund(request) {
            self.progress.attempts = self.progress.attempts.saturating_add(1);
            self.progress.refund_sent_at = Some(now);
        }
        self.progress.sends = self.progress.sends.saturating_add(1);
        self.progress.seq = outgoing.seq;
        self.progress.first_sent_at.get_or_insert(now);
        self.phase = Phase::InFlight {
            request,
            step,
            since: now,
            previous_refund_sent_at,
            seq: outgoing.seq,
        };
        Ok(())
    }

    /// What came back for request `seq`, the one in flight. [`Answer::NotSent`] puts the same
    /// request back, unchanged, after the schedule's `not_sent` wait (its sequence number
    /// stays used); anything else is the provider's decision, held back by a server's
    /// `Retry-After` where it gave one. An answer to another request is refused
    /// ([`MachineError::Stale`]); one after the refund settled (a notification came first)
    /// changes nothing.
    pub fn on_answer(
        &mut self,
        seq: u64,
        answer: Answer<'_>,
        keys: &L::Keys<'_>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        let (request, step, since, previous, in_flight) = match &self.phase {
            Phase::InFlight {
                request,
                step,
                since,
                previous_refund_sent_at,
                seq,
            } => (
                *request,
                *step,
                *since,
                *previous_refund_sent_at,
                if *seq == 0 { self.progress.seq } else { *seq },
            ),
            Phase::Done { .. } | Phase::Refused { .. } | Phase::Review { .. } => return Ok(()),
            Phase::Due { .. } => return Err(MachineError::NotInFlight),
        };
        if seq != in_flight {
            return Err(MachineError::Stale {
                expected: in_flight,
                got: seq,
            });
        }
        if answer == Answer::NotSent {
            if L::is_refund(request) {
                self.progress.attempts = self.progress.attempts.saturating_sub(1);
                self.progress.refund_sent_at = previous;
            }
            self.progress.sends = self.progress.sends.saturating_sub(1);
            self.phase = Phase::Due {
                request,
                step,
                not_before: later(now, self.timing.not_sent),
                detail: format!(
                    "{} never left (no connection): the same request, unchanged",
                    L::method(request)
                ),
            };
            return Ok(());
        }
        let context = Context {
            now,
            sent_at: since,
            progress: &self.progress,
            timing: &self.timing,
        };
        let mut decision = self.refund.decide(request, answer, &context, keys);
        // A server that says when to come back is not asked sooner.
        if let (Decision::Send { not_before, .. }, Some(wait)) =
            (&mut decision, answer.retry_after())
        {
            let earliest = later(now, wait.min(MAX_RETRY_AFTER));
            if *not_before < earliest {
                *not_before = earliest;
            }
        }
        self.phase = phase_of(decision, now);
        Ok(())
    }

    /// Hands the refund to a person with `why` (a spent retry budget, a state that cannot be
    /// driven): review, until [`Machine::resolve`]. Refused while a request is in flight (its
    /// answer, or its loss, comes first) and once the refund has settled.
    pub fn escalate(
        &mut self,
        why: impl Into<String>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        match &self.phase {
            Phase::Due { .. } => {
                self.phase = Phase::Review {
                    at: now,
                    review: Review {
                        how: why.into(),
                        mismatch: None,
                    },
                };
                Ok(())
            }
            Phase::InFlight { since, .. } => Err(MachineError::InFlight {
                since_ms: super::time::unix_millis(*since),
            }),
            _ => Err(MachineError::NotInReview(self.status())),
        }
    }

    /// A person's answer to the refund in review, with their note and who they are: done (the
    /// money went back: the refund's amount), or refused (no money moved; a new refund may be
    /// submitted). Refused when the refund is not in review.
    pub fn resolve(
        &mut self,
        resolution: Resolution,
        note: impl Into<String>,
        by: Option<&str>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        let Phase::Review { review, .. } = &self.phase else {
            return Err(MachineError::NotInReview(self.status()));
        };
        let note = note.into();
        let resolved = Some(Resolved {
            resolution,
            note: note.clone(),
            by: by.map(str::to_owned),
            review: review.clone(),
        });
        self.phase = match resolution {
            Resolution::Done => Phase::Done {
                refunded: self.refund.amount(),
                detail: format!("resolved by hand: done: {note}"),
                at: Some(now),
                resolved,
            },
            Resolution::NotRefunded => Phase::Refused {
                http_status: None,
                code: None,
                text: None,
                may_correct: true,
                at: Some(now),
                resolved,
            },
        };
        Ok(())
    }

    /// A decision that came from outside the request and answer loop (an authentic
    /// notification): it takes effect only when it settles the refund (done or refused) and
    /// the refund has not settled already. Whether it took effect.
    pub fn settle(&mut self, decision: Decision<L::Request>, now: SystemTime) -> bool {
        let settles = matches!(decision, Decision::Done(_) | Decision::Refused(_));
        if !settles || self.status().is_final() {
            return false;
        }
        self.phase = phase_of(decision, now);
        true
    }

    /// The current step as a [`Next`], the due request built with `keys`.
    pub fn next(&self, keys: &L::Keys<'_>) -> Result<Next, DecideError> {
        Ok(match &self.phase {
            Phase::Due {
                request,
                step,
                not_before,
                detail,
            } => {
                let built = self.refund.build(*request, &self.progress, keys)?;
                let (not_before, detail) = (*not_before, detail.clone());
                match step {
                    Some(Step::Reconcile) => Next::Reconcile {
                        request: built,
                        not_before,
                        how: detail,
                    },
                    Some(Step::Wait) => Next::Wait {
                        request: Some(built),
                        not_before,
                        detail,
                    },
                    _ if L::is_refund(*request) => Next::Resend {
                        request: built,
                        not_before,
                        detail,
                    },
                    _ => Next::Wait {
                        request: Some(built),
                        not_before,
                        detail,
                    },
                }
            }
            Phase::InFlight { since, .. } => {
                return Err(MachineError::InFlight {
                    since_ms: super::time::unix_millis(*since),
                }
                .into());
            }
            Phase::Done {
                refunded, detail, ..
            } => Next::Done(Done {
                refunded: *refunded,
                detail: detail.clone(),
            }),
            Phase::Refused {
                http_status,
                code,
                text,
                may_correct,
                ..
            } => Next::Refused(Refused {
                http_status: *http_status,
                code: code.clone(),
                text: text.clone(),
                may_correct: *may_correct,
            }),
            Phase::Review { review, .. } => Next::Review(review.clone()),
        })
    }
}

fn phase_of<R>(decision: Decision<R>, now: SystemTime) -> Phase<R> {
    match decision {
        Decision::Send {
            step,
            request,
            not_before,
            detail,
        } => Phase::Due {
            request,
            step,
            not_before,
            detail,
        },
        Decision::Done(d) => Phase::Done {
            refunded: d.refunded,
            detail: d.detail,
            at: Some(now),
            resolved: None,
        },
        Decision::Refused(r) => Phase::Refused {
            http_status: r.http_status,
            code: r.code,
            text: r.text,
            may_correct: r.may_correct,
            at: Some(now),
            resolved: None,
        },
        Decision::Review(review) => Phase::Review { at: now, review },
    }
}

#[cfg(test)]
mod tests;
