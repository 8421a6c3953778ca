//! What to do after a request left, in one shape for every provider: the refund as an owned
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
    Progress, Resolution, Resolved, STATE_VERSION, Status,
};
pub use timing::{Budget, Repeat, Timing};

/// What came back for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// An HTTP status, its headers where the transport kept them, and its body.
    Received {
        /// The HTTP status.
        http_status: u16,
        /// The answer's headers (`Retry-After`); `None` where they were not kept.
        headers: Option<&'a http::HeaderMap>,
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

impl<'a> Answer<'a> {
    /// An answer with `http_status` and `body`, no headers kept.
    pub fn received(http_status: u16, body: &'a [u8]) -> Self {
        Answer::Received {
            http_status,
            headers: None,
            body,
        }
    }

    /// The same answer with its headers.
    pub fn with_headers(self, headers: &'a http::HeaderMap) -> Self {
        match self {
            Answer::Received {
                http_status, body, ..
            } => Answer::Received {
                http_status,
                headers: Some(headers),
                body,
            },
            other => other,
        }
    }

    /// How long a server that failed asks to be left alone (`Retry-After` in seconds, on a
    /// server failure: 5xx, 429), where it says.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Answer::Received {
                http_status,
                headers: Some(headers),
                ..
            } if is_server_failure(*http_status) => headers
                .get(http::header::RETRY_AFTER)?
                .to_str()
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs),
            _ => None,
        }
    }
}

/// The provider (or a person, resolving a review) states that the money went back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// How much, where the answer or the refund says.
    pub refunded: Option<Amount>,
    /// What stated it, for a log.
    pub detail: String,
}

/// The provider (or a person, resolving a review) states that this refund did not happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The HTTP status the refusal came with (`None`: a person's answer).
    pub http_status: Option<u16>,
    /// The provider's code, verbatim.
    pub code: Option<String>,
    /// The provider's text, verbatim.
    pub text: Option<String>,
    /// Whether a corrected refund may be sent (a wrong amount, a wrong key); `false` where the
    /// refusal says the refund cannot happen as asked (already refunded, an id reused).
    pub may_correct: bool,
}

/// No request can tell whether the money moved, or an answer is about another refund: what a
/// person must check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// What to check, and where.
    pub how: String,
    /// Where an answer named another refund: the field that differs.
    pub mismatch: Option<Mismatch>,
}

impl Review {
    /// [`Step::Mismatch`] when an answer named another refund, [`Step::Review`] otherwise.
    pub fn step(&self) -> Step {
        if self.mismatch.is_some() {
            Step::Mismatch
        } else {
            Step::Review
        }
    }
}

impl fmt::Display for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mismatch {
            Some(m) => write!(f, "{m}; {}", self.how),
            None => f.write_str(&self.how),
        }
    }
}

/// Whether an HTTP status is a server's failure rather than an answer about the refund: 5xx,
/// and 429 (too many requests). Whatever code its body carries, such an answer is never read as
/// a refusal: the provider's safe repeat, or the refund's status, decides instead.
pub fn is_server_failure(http_status: u16) -> bool {
    http_status == 429 || (500..600).contains(&http_status)
}

/// The next step, with the request to send built: what [`Machine::next`] gives, and what
/// `refundkit <provider> next` prints.
///
/// Not `#[non_exhaustive]`, on purpose: code that moves money must be told by the compiler
/// when a new kind of step appears, not fall into a catch-all arm.
#[derive(Debug)]
#[must_use]
pub enum Next {
    /// The provider (or a person) states that the money went back.
    Done(Done),
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
    /// The provider (or a person) states that it did not do this refund.
    Refused(Refused),
    /// A refund may or may not have happened: ask this before sending anything that could
    /// refund again.
    Reconcile {
        /// The request that tells.
        request: Request<Vec<u8>>,
        /// Not before this instant (time for a request still in flight to settle).
        not_before: SystemTime,
        /// What to compare.
        how: String,
    },
    /// No request can tell, or an answer is about another refund (another id, order or
    /// amount): a person checks before anything else is sent.
    Review(Review),
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
    /// [`Next::Review`]: a person checks.
    Review,
    /// [`Next::Review`] of an answer about another refund.
    Mismatch,
}

impl Step {
    /// `done`, `wait`, `resend`, `refused`, `reconcile`, `review`, `mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Done => "done",
            Step::Wait => "wait",
            Step::Resend => "resend",
            Step::Refused => "refused",
            Step::Reconcile => "reconcile",
            Step::Review => "review",
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
            Next::Done(_) => Step::Done,
            Next::Wait { .. } => Step::Wait,
            Next::Resend { .. } => Step::Resend,
            Next::Refused(_) => Step::Refused,
            Next::Reconcile { .. } => Step::Reconcile,
            Next::Review(r) => r.step(),
        }
    }

    /// The request this step sends, if any.
    pub fn request(&self) -> Option<&Request<Vec<u8>>> {
        match self {
            Next::Wait { request, .. } => request.as_ref(),
            Next::Resend { request, .. } | Next::Reconcile { request, .. } => Some(request),
            Next::Done(_) | Next::Refused(_) | Next::Review(_) => None,
        }
    }
}

/// Why no decision could be made: the step's request cannot be assembled, or the machine was
/// not in a state to take the answer.
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
