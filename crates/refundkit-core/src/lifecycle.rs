//! What to do after a request left: the one decision every provider crate's `lifecycle::decide`
//! makes, in one shape.
//!
//! The rule behind every decision: money moved only when an answer states it ([`Next::Done`]),
//! a refund was turned down only when an answer states it ([`Next::Refused`]), and a request is
//! sent again ([`Next::Resend`]) only where the provider documents that repeating that very
//! request cannot refund twice. When neither is known, the decision is [`Next::Reconcile`]:
//! look the refund up before anything else is sent.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::Request;

use crate::Amount;

/// What came back for a request that left.
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
    /// connection. The provider may or may not have acted on it.
    Lost,
}

/// What the shop knows about the refund beyond the request it is deciding on.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The refund request as it was sent (built by the provider crate): its identifiers,
    /// amount and credentials are read from here.
    pub refund: &'a Request<Vec<u8>>,
    /// How many times the refund request has been sent so far (1 after the first send):
    /// the repeat schedules count from it.
    pub attempts: u32,
    /// The amount already refunded on the payment before this refund was sent, in the
    /// provider's own unit, where the provider can only be reconciled by comparing it (RBS
    /// `refundedAmount`, in minor units). Record it before sending.
    pub refunded_before: Option<u64>,
}

impl<'a> Record<'a> {
    /// A refund sent once, with nothing else recorded.
    pub fn sent_once(refund: &'a Request<Vec<u8>>) -> Self {
        Record {
            refund,
            attempts: 1,
            refunded_before: None,
        }
    }
}

/// The next step.
#[derive(Debug)]
#[non_exhaustive]
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
    /// documents that the repeat is safe (an idempotency key, or "repeat the identical
    /// request").
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
        /// The request that tells, where the provider has one.
        request: Option<Request<Vec<u8>>>,
        /// Not before this instant (time for a request still in flight to settle).
        not_before: SystemTime,
        /// What to compare or check by hand.
        how: String,
    },
}

/// The kind of a [`Next`], without its data: what the command line maps to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
}

impl Step {
    /// `done`, `wait`, `resend`, `refused`, `reconcile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Done => "done",
            Step::Wait => "wait",
            Step::Resend => "resend",
            Step::Refused => "refused",
            Step::Reconcile => "reconcile",
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
        }
    }

    /// The request this step sends, if any.
    pub fn request(&self) -> Option<&Request<Vec<u8>>> {
        match self {
            Next::Wait { request, .. } | Next::Reconcile { request, .. } => request.as_ref(),
            Next::Resend { request, .. } => Some(request),
            _ => None,
        }
    }

    /// Wait, then send `request` (a status request) again.
    pub fn ask_again(request: &Request<Vec<u8>>, not_before: SystemTime, detail: String) -> Next {
        Next::Wait {
            request: Some(crate::copy_request(request)),
            not_before,
            detail,
        }
    }

    /// Reconcile by hand, now: no request can tell.
    pub fn by_hand(now: SystemTime, how: String) -> Next {
        Next::Reconcile {
            request: None,
            not_before: now,
            how,
        }
    }

    /// A stated refusal, the code and text copied from the provider's.
    pub fn refused<C: fmt::Display>(refusal: &crate::Refusal<C>, may_correct: bool) -> Next {
        Next::Refused {
            http_status: refusal.http_status,
            code: refusal.code.as_ref().map(ToString::to_string),
            text: refusal.text.clone(),
            may_correct,
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
    Build(#[from] http::Error),
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
    now.checked_add(Duration::from_secs(seconds)).unwrap_or(now)
}

#[cfg(test)]
mod tests;
