//! What to do after a request left, in one shape for the four providers: the refund as an owned
//! state machine ([`Machine`], driven by each provider crate's [`Lifecycle`]), and the one
//! decision it makes after every answer ([`Decision`], or [`Next`] with the request built).
//!
//! The rules behind every decision:
//! - money moved only when an answer states it, in the documented shape of that method, *about
//!   this refund* ([`Decision::Done`]); an answer naming another refund (another id, order or
//!   amount) is a [`Mismatch`], never done and never refused;
//! - a refund was turned down only when an answer states it ([`Decision::Refused`]); a server
//!   failure (5xx, 429, a proxy's page) never is, whatever code it carries;
//! - a refund is sent again only where the provider documents that repeating that very request
//!   cannot refund twice, or where a status that matches the refund states that it did not
//!   happen; when neither is known, the refund's status is asked, or a person checks
//!   ([`Decision::Review`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use http::Request;
use serde::{Deserialize, Serialize};

use crate::Amount;

mod echo;
mod machine;
pub mod time;
mod timing;

pub use echo::{Echo, Mismatch};
pub use machine::{
    Action, BuildError, Context, Decision, Lifecycle, LoadError, Machine, MachineError, Outgoing,
    Progress, Recorded, Review, STATE_VERSION, Status, decide_recorded,
};
pub use timing::{Repeat, Timing};

/// What came back for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// An HTTP status and its body.
    Received {
        /// The HTTP status.
        http_status: u16,
        /// The body, as it came.
        body: &'a [u8],
    },
    /// Nothing usable came back after the request had left: a timeout, a reset or a closed
    /// connection while waiting for the answer. The provider may or may not have acted on it.
    Lost,
    /// The request never left: the connection could not be made (refused, a name that does
    /// not resolve, a TLS handshake that failed before anything was written). The provider
    /// cannot have acted on it, so the same request is always safe to send again unchanged.
    NotSent,
}

/// Whether an HTTP status is a server's failure rather than an answer about the refund: 5xx,
/// and 429 (too many requests). Whatever code its body carries, such an answer is never read as
/// a refusal: the provider's safe repeat, or the refund's status, decides instead.
pub fn is_server_failure(http_status: u16) -> bool {
    http_status == 429 || (500..600).contains(&http_status)
}

/// What the shop knows about a refund it recorded as requests (what `refundkit <provider>
/// next` reads from files), beyond the request it is deciding on. A refund driven as a
/// [`Machine`] keeps all of this in its own state.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The refund request as it was built (by the provider crate): its identifiers, amount and
    /// credentials are read from here.
    pub refund: &'a Request<Vec<u8>>,
    /// How many times the refund request has been sent so far (1 after the first send):
    /// the repeat schedules count from it.
    pub attempts: u32,
    /// The amount already refunded on the payment before this refund was sent, in the
    /// provider's own unit, where the provider can only be reconciled by comparing it (RBS
    /// `refundedAmount`, in minor units). Record it before sending.
    pub refunded_before: Option<u64>,
    /// When the refund request last left: a status that shows no refund proves nothing until
    /// the provider has had time to book it.
    pub refund_sent_at: Option<SystemTime>,
}

impl<'a> Record<'a> {
    /// A refund sent once, with nothing else recorded.
    pub fn sent_once(refund: &'a Request<Vec<u8>>) -> Self {
        Record {
            refund,
            attempts: 1,
            refunded_before: None,
            refund_sent_at: None,
        }
    }
}

/// The next step, with the request to send built: what a [`Machine`] due to send gives as
/// [`Machine::next`], and what `refundkit <provider> next` prints.
///
/// Not `#[non_exhaustive]`, on purpose: code that moves money must be told by the compiler
/// when a new kind of step appears, not fall into a catch-all arm.
#[derive(Debug)]
pub enum Next {
    /// The provider states that the money went back.
    Done {
        /// How much, where the answer or the request says.
        refunded: Option<Amount>,
        /// What stated it, for a log.
        detail: String,
    },
    /// The refund is under way: ask its status (or wait for the provider's notification), not
    /// before `not_before`.
    Wait {
        /// The status request to send; `None` where the state arrives only by notification.
        request: Option<Request<Vec<u8>>>,
        /// Not before this instant.
        not_before: SystemTime,
        /// Why, for a log.
        detail: String,
    },
    /// Send this request again, not before `not_before`. Only decided where the provider
    /// documents that the repeat is safe (an idempotency key, "repeat the identical request"),
    /// where the request never left, or where a matching status states the refund did not
    /// happen.
    Resend {
        /// The request to send: the same one, with only what the provider wants changed on a
        /// repeat (an attempt counter).
        request: Request<Vec<u8>>,
        /// Not before this instant.
        not_before: SystemTime,
        /// Why a repeat is safe here, for a log.
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
        /// Whether a corrected request may be sent (a wrong amount, a wrong key); `false` where
        /// the refusal says the refund cannot happen as asked (already refunded, an id reused).
        may_correct: bool,
    },
    /// A refund may or may not have happened. Find out before sending anything that could
    /// refund again.
    Reconcile {
        /// The request that tells, where the provider has one; `None`: a person checks.
        request: Option<Request<Vec<u8>>>,
        /// Not before this instant (time for a request still in flight to settle).
        not_before: SystemTime,
        /// What to compare or check by hand.
        how: String,
    },
    /// The answer is about another refund than this one (another id, order or amount): it is
    /// neither done nor refused, and a person checks before anything else is sent.
    Mismatch {
        /// The field that differs.
        mismatch: Mismatch,
        /// What to check.
        how: String,
    },
}

/// The kind of a [`Next`] or a [`Decision`], without its data: what the command line maps to an
/// exit code. Not `#[non_exhaustive]`, for the reason [`Next`] is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// [`Next::Done`].
    Done,
    /// [`Next::Wait`].
    Wait,
    /// [`Next::Resend`].
    Resend,
    /// [`Next::Refused`].
    Refused,
    /// [`Next::Reconcile`].
    Reconcile,
    /// [`Next::Mismatch`].
    Mismatch,
}

impl Step {
    /// `done`, `wait`, `resend`, `refused`, `reconcile`, `mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Done => "done",
            Step::Wait => "wait",
            Step::Resend => "resend",
            Step::Refused => "refused",
            Step::Reconcile => "reconcile",
            Step::Mismatch => "mismatch",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Next {
    /// The kind of this step.
    pub fn step(&self) -> Step {
        match self {
            Next::Done { .. } => Step::Done,
            Next::Wait { .. } => Step::Wait,
            Next::Resend { .. } => Step::Resend,
            Next::Refused { .. } => Step::Refused,
            Next::Reconcile { .. } => Step::Reconcile,
            Next::Mismatch { .. } => Step::Mismatch,
        }
    }

    /// The request this step sends, if any.
    pub fn request(&self) -> Option<&Request<Vec<u8>>> {
        match self {
            Next::Wait { request, .. } | Next::Reconcile { request, .. } => request.as_ref(),
            Next::Resend { request, .. } => Some(request),
            Next::Done { .. } | Next::Refused { .. } | Next::Mismatch { .. } => None,
        }
    }
}

/// Why no decision could be made: the request given as sent is not one this provider crate
/// builds, or the step's request cannot be assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The request is not one of this provider's refund or status requests.
    #[error("not a {provider} request refundkit decides on: {detail}")]
    NotRecognised {
        /// The provider.
        provider: &'static str,
        /// What did not fit.
        detail: String,
    },
    /// The step's request could not be built.
    #[error("cannot build the next request: {0}")]
    Build(#[from] BuildError),
    /// The machine was not in a state to take the answer.
    #[error(transparent)]
    Machine(#[from] MachineError),
}

impl From<http::Error> for DecideError {
    fn from(e: http::Error) -> Self {
        DecideError::Build(BuildError::Http(e))
    }
}

impl DecideError {
    /// A request this provider does not decide on.
    pub fn not_recognised(provider: &'static str, detail: impl Into<String>) -> Self {
        DecideError::NotRecognised {
            provider,
            detail: detail.into(),
        }
    }
}

/// `now` plus `seconds`, saturating at the far end of time rather than panicking.
pub fn after(now: SystemTime, seconds: u64) -> SystemTime {
    later(now, Duration::from_secs(seconds))
}

/// `now` plus `wait`, saturating at the far end of time rather than panicking.
pub fn later(now: SystemTime, wait: Duration) -> SystemTime {
    now.checked_add(wait).unwrap_or(now)
}

#[cfg(test)]
mod tests;
