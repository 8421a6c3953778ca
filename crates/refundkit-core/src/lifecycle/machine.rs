//! The refund as an owned state machine, sans-IO in the manner of rustls' `Connection`: the
//! caller asks it what to do ([`Machine::poll`]), does it (sends the request it built, or
//! sleeps), and tells it what came back ([`Machine::on_answer`]). Its state is plain data
//! (`serde`): the refund's identity and body as it is sent, without a credential, and how far
//! it got. Credentials are given each time a request is built, so the state can be stored
//! anywhere and reloaded after a crash.
//!
//! One machine serves the four providers: the rules of each live in its crate's
//! [`Lifecycle`], and everything about sending, waiting, lost answers and requests that never
//! left is written once, here.

use std::fmt;
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::time::{instant, optional_instant};
use super::{Answer, DecideError, Mismatch, Next, Record, Step, Timing, later};
use crate::{Amount, DecodeError, Refusal, Report};

/// The version of the stored state this refundkit writes. A state of this version or an older
/// one loads; a newer one is refused rather than misread.
pub const STATE_VERSION: u32 = 1;

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
}

impl Progress {
    /// Nothing sent yet, made at `created`.
    pub fn new(created: SystemTime) -> Self {
        Progress {
            attempts: 0,
            refund_sent_at: None,
            sends: 0,
            created,
        }
    }
}

/// The provider's decision after an answer, in its own request kinds: what the machine turns
/// into its next phase.
#[derive(Debug, Clone, PartialEq)]
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
    Done {
        /// How much, where the answer or the refund says.
        refunded: Option<Amount>,
        /// What stated it.
        detail: String,
    },
    /// The provider states that it did not do this refund.
    Refused {
        /// The HTTP status the refusal came with.
        http_status: u16,
        /// The provider's code, verbatim.
        code: Option<String>,
        /// The provider's text, verbatim.
        text: Option<String>,
        /// Whether a corrected refund may be sent.
        may_correct: bool,
    },
    /// No request can tell: a person checks, with what to check.
    Review {
        /// What to check.
        how: String,
    },
    /// The answer is about another refund.
    Mismatch {
        /// The field that differs.
        mismatch: Mismatch,
        /// What to check.
        how: String,
    },
}

impl<R> Decision<R> {
    /// A stated refusal, the code and text copied from the provider's.
    pub fn refused<C: fmt::Display>(refusal: &Refusal<C>, may_correct: bool) -> Self {
        Decision::Refused {
            http_status: refusal.http_status,
            code: refusal.code.as_ref().map(ToString::to_string),
            text: refusal.text.clone(),
            may_correct,
        }
    }

    /// A person checks.
    pub fn review(how: impl Into<String>) -> Self {
        Decision::Review { how: how.into() }
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
            Decision::Done { .. } => Step::Done,
            Decision::Refused { .. } => Step::Refused,
            Decision::Review { .. } => Step::Reconcile,
            Decision::Mismatch { .. } => Step::Mismatch,
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

/// An answer given when no request is waiting for one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// No request is in flight: poll first, send what it gives, then answer.
    #[error("no request is in flight: an answer needs a request that left (poll first)")]
    NotInFlight,
    /// A request is in flight: it must be answered (or declared lost) before the next step.
    #[error("a request is in flight since {since_ms} ms after the epoch: answer it first")]
    InFlight {
        /// When it left.
        since_ms: u64,
    },
}

/// What the caller does next.
///
/// Not `#[non_exhaustive]`, on purpose: a loop that moves money must be told by the compiler
/// when a new kind of step appears, not fall into a catch-all arm.
#[derive(Debug)]
pub enum Action {
    /// Send this request now. Store the refund's state first (it records that the request
    /// left): after a crash, a request recorded as sent and never answered is lost, not
    /// forgotten.
    Send(Outgoing),
    /// Nothing to do until then.
    Sleep {
        /// When to poll again.
        until: SystemTime,
    },
    /// A request left and has no answer yet: give it with [`Machine::on_answer`] (after a
    /// crash, [`Answer::Lost`]).
    Awaiting {
        /// Its method.
        method: &'static str,
        /// When it left.
        since: SystemTime,
    },
    /// Final: the provider stated that the money went back.
    Done {
        /// How much, where stated.
        refunded: Option<Amount>,
        /// What stated it.
        detail: String,
    },
    /// Final: the provider stated that it did not do this refund.
    Refused {
        /// The HTTP status of the refusal.
        http_status: u16,
        /// The provider's code.
        code: Option<String>,
        /// The provider's text.
        text: Option<String>,
        /// Whether a corrected refund may be submitted.
        may_correct: bool,
    },
    /// Final until a person answers: nothing a request can tell settles the refund.
    Review(Review),
}

/// A request to send.
#[derive(Debug)]
pub struct Outgoing {
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

/// What a person must check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// What to check, and where.
    pub how: String,
    /// Where an answer named another refund: the field that differs.
    pub mismatch: Option<Mismatch>,
}

/// Where a refund stands (what a journal lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing has been sent yet.
    Pending,
    /// A request left and has no answer yet.
    InFlight,
    /// A request is due, now or later.
    Waiting,
    /// The money went back.
    Done,
    /// The provider refused.
    Refused,
    /// A person must check.
    Review,
}

impl Status {
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
    },
    Done {
        refunded: Option<Amount>,
        detail: String,
    },
    Refused {
        http_status: u16,
        code: Option<String>,
        text: Option<String>,
        may_correct: bool,
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
/// // `refundkit::Refund` drives all four through this one type.
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
        Ok(Machine {
            version: STATE_VERSION,
            fingerprint: s.fingerprint,
            timing: s.timing,
            progress: s.progress,
            phase: s.phase,
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

fn review<R>(at: SystemTime, how: String, mismatch: Option<Mismatch>) -> Phase<R> {
    Phase::Review {
        at,
        review: Review { how, mismatch },
    }
}

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

    /// A refund whose `request` left at `since` and has no answer yet (read back from records
    /// of what was sent, as `refundkit <provider> next` does).
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

    /// Replaces the schedule (a worker scaling time down for tests); steps already scheduled
    /// keep their instants.
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
                http_status,
                code,
                text,
                ..
            } => format!(
                "HTTP {http_status} {} {}",
                code.as_deref().unwrap_or("-"),
                text.as_deref().unwrap_or("")
            ),
            Phase::Review { review, .. } => match &review.mismatch {
                Some(m) => format!("{m}; {}", review.how),
                None => review.how.clone(),
            },
        }
    }

    /// What to do now: send a request (built with `keys`, the refund's state updated to say it
    /// left), sleep, answer the request in flight, or a final outcome. Building fails (and
    /// nothing changes) when a credential the request needs is missing.
    pub fn poll(&mut self, now: SystemTime, keys: &L::Keys<'_>) -> Result<Action, BuildError> {
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
            Phase::InFlight { request, since, .. } => {
                return Ok(Action::Awaiting {
                    method: L::method(*request),
                    since: *since,
                });
            }
            Phase::Done { refunded, detail } => {
                return Ok(Action::Done {
                    refunded: *refunded,
                    detail: detail.clone(),
                });
            }
            Phase::Refused {
                http_status,
                code,
                text,
                may_correct,
            } => {
                return Ok(Action::Refused {
                    http_status: *http_status,
                    code: code.clone(),
                    text: text.clone(),
                    may_correct: *may_correct,
                });
            }
            Phase::Review { review, .. } => return Ok(Action::Review(review.clone())),
        };
        let built = self.refund.build(request, &self.progress, keys)?;
        let moves_money = L::is_refund(request);
        let previous_refund_sent_at = self.progress.refund_sent_at;
        if moves_money {
            self.progress.attempts = self.progress.attempts.saturating_add(1);
            self.progress.refund_sent_at = Some(now);
        }
        self.progress.sends = self.progress.sends.saturating_add(1);
        self.phase = Phase::InFlight {
            request,
            step,
            since: now,
            previous_refund_sent_at,
        };
        Ok(Action::Send(Outgoing {
            request: built,
            method: L::method(request),
            moves_money,
            attempts: self.progress.attempts,
            step,
            detail,
        }))
    }

    /// What came back for the request in flight. [`Answer::NotSent`] puts the same request
    /// back, unchanged, after the schedule's `not_sent` wait; anything else is the provider's
    /// decision. An answer after the refund settled (a notification came first) changes
    /// nothing.
    pub fn on_answer(
        &mut self,
        answer: Answer<'_>,
        keys: &L::Keys<'_>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        let (request, step, since, previous) = match &self.phase {
            Phase::InFlight {
                request,
                step,
                since,
                previous_refund_sent_at,
            } => (*request, *step, *since, *previous_refund_sent_at),
            Phase::Done { .. } | Phase::Refused { .. } | Phase::Review { .. } => return Ok(()),
            Phase::Due { .. } => return Err(MachineError::NotInFlight),
        };
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
        let decision = self.refund.decide(request, answer, &context, keys);
        self.phase = phase_of(decision, now);
        Ok(())
    }

    /// A decision that came from outside the request and answer loop (an authentic
    /// notification): it takes effect only when it settles the refund (done or refused) and
    /// the refund has not settled already. Whether it took effect.
    pub fn settle(&mut self, decision: Decision<L::Request>, now: SystemTime) -> bool {
        let settles = matches!(decision, Decision::Done { .. } | Decision::Refused { .. });
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
                        request: Some(built),
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
            Phase::Done { refunded, detail } => Next::Done {
                refunded: *refunded,
                detail: detail.clone(),
            },
            Phase::Refused {
                http_status,
                code,
                text,
                may_correct,
            } => Next::Refused {
                http_status: *http_status,
                code: code.clone(),
                text: text.clone(),
                may_correct: *may_correct,
            },
            Phase::Review { at, review } => match &review.mismatch {
                Some(m) => Next::Mismatch {
                    mismatch: m.clone(),
                    how: review.how.clone(),
                },
                None => Next::Reconcile {
                    request: None,
                    not_before: *at,
                    how: review.how.clone(),
                },
            },
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
        Decision::Done { refunded, detail } => Phase::Done { refunded, detail },
        Decision::Refused {
            http_status,
            code,
            text,
            may_correct,
        } => Phase::Refused {
            http_status,
            code,
            text,
            may_correct,
        },
        Decision::Review { how } => review(now, how, None),
        Decision::Mismatch { mismatch, how } => review(now, how, Some(mismatch)),
    }
}

/// A provider whose refund can be read back from the requests it built (what `refundkit
/// <provider> next` is given as files): the refund, the kind of request an answer is to, and
/// the credentials those requests carry.
pub trait Recorded: Lifecycle {
    /// The credentials read back from the requests.
    type Owned;
    /// The keys those credentials give.
    fn keys(owned: &Self::Owned) -> Self::Keys<'_>;
    /// The refund of `record`, and which of its requests `sent` is.
    fn from_recorded(
        record: &Record<'_>,
        sent: &http::Request<Vec<u8>>,
    ) -> Result<(Self, Self::Request, Self::Owned), DecideError>;
}

/// One decision from recorded requests: the refund in `record`, `sent` (the refund or one of
/// its status requests) and its `answer`. The same rules as a [`Machine`] driven step by step.
pub fn decide_recorded<L: Recorded>(
    record: &Record<'_>,
    sent: &http::Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, DecideError> {
    let (refund, request, owned) = L::from_recorded(record, sent)?;
    let keys = L::keys(&owned);
    let progress = Progress {
        attempts: record.attempts,
        refund_sent_at: record.refund_sent_at,
        sends: record.attempts,
        created: record.refund_sent_at.unwrap_or(now),
    };
    let since = if L::is_refund(request) {
        record.refund_sent_at.unwrap_or(now)
    } else {
        now
    };
    let mut machine = Machine::in_flight(refund, request, progress, L::timing(), since);
    machine.on_answer(answer, &keys, now)?;
    machine.next(&keys)
}

#[cfg(test)]
mod tests;
