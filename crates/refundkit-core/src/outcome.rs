//! What a provider's answer to one request says, in one shape for every provider.
//!
//! The rule every response parser follows: an answer is a [`Outcome::Success`] only when its
//! body states success in the documented shape of *that* method (Robokassa `success: true`,
//! Yandex Pay `status: "success"` with the operation, MWS `returnPaymentResponse` with status
//! 0, RBS `errorCode` 0 or absent with no error marker in any spelling). Every error spelling a
//! provider or its public clients are known to use is a [`Outcome::Refused`] with its code and
//! text kept. Anything else, including a body that says both, is [`Outcome::Malformed`]: never
//! a success, and never a refusal that would invite a corrected resend of a refund that may
//! have happened.

use std::fmt;

/// What one HTTP exchange with a provider came to.
///
/// `T` is what the method's success carries (an operation, a refund state); `C` is the
/// provider's table of refusal codes, which keeps codes it does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<T, C> {
    /// The body states success in this method's documented shape.
    Success(T),
    /// The provider states that it is still processing this very request (YooKassa MWS
    /// status 1): repeat the identical request later.
    InProgress(T),
    /// The provider states a refusal; its code and text are kept verbatim.
    Refused(Refusal<C>),
    /// A 5xx status whose body states nothing, from a provider that documents this as "no
    /// decision, repeat the same request" (Yandex Pay). Elsewhere such a body is
    /// [`Outcome::Malformed`]: nothing was stated, so nothing may be assumed.
    ServerError {
        /// The HTTP status.
        http_status: u16,
    },
    /// Not this method's documented answer: an HTML page from a proxy, another method's
    /// answer, a contradictory body, or nothing refundkit recognises.
    Malformed(Malformed),
}

/// A stated refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal<C> {
    /// The HTTP status it came with.
    pub http_status: u16,
    /// The provider's code, when the body has one (unknown codes are kept by `C`).
    pub code: Option<C>,
    /// The provider's text, verbatim.
    pub text: Option<String>,
}

/// Why an answer is not one of the method's documented forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The HTTP status it came with.
    pub http_status: u16,
    /// What did not fit, for a human.
    pub detail: String,
}

impl Malformed {
    /// A malformed answer with this status and detail.
    pub fn new(http_status: u16, detail: impl Into<String>) -> Self {
        Malformed {
            http_status,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.http_status, self.detail)
    }
}

/// The kind of an [`Outcome`], without its data: what `inspect` prints and what the command
/// line maps to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// [`Outcome::Success`].
    Success,
    /// [`Outcome::InProgress`].
    InProgress,
    /// [`Outcome::Refused`].
    Refused,
    /// [`Outcome::ServerError`].
    ServerError,
    /// [`Outcome::Malformed`].
    Malformed,
}

impl Verdict {
    /// `success`, `in-progress`, `refused`, `server-error`, `malformed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Success => "success",
            Verdict::InProgress => "in-progress",
            Verdict::Refused => "refused",
            Verdict::ServerError => "server-error",
            Verdict::Malformed => "malformed",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T, C> Outcome<T, C> {
    /// The kind of this outcome.
    pub fn verdict(&self) -> Verdict {
        match self {
            Outcome::Success(_) => Verdict::Success,
            Outcome::InProgress(_) => Verdict::InProgress,
            Outcome::Refused(_) => Verdict::Refused,
            Outcome::ServerError { .. } => Verdict::ServerError,
            Outcome::Malformed(_) => Verdict::Malformed,
        }
    }

    /// Whether the body stated success.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success(_))
    }

    /// The success's data, if the body stated success.
    pub fn success(&self) -> Option<&T> {
        match self {
            Outcome::Success(t) => Some(t),
            _ => None,
        }
    }

    /// The refusal, if the body stated one.
    pub fn refusal(&self) -> Option<&Refusal<C>> {
        match self {
            Outcome::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// Why the answer is malformed, if it is.
    pub fn malformed(&self) -> Option<&Malformed> {
        match self {
            Outcome::Malformed(m) => Some(m),
            _ => None,
        }
    }

    /// A malformed outcome.
    pub fn malformed_with(http_status: u16, detail: impl Into<String>) -> Self {
        Outcome::Malformed(Malformed::new(http_status, detail))
    }
}

/// Whether an HTTP status is 2xx: the only statuses a success may come with.
pub fn is_2xx(http_status: u16) -> bool {
    (200..300).contains(&http_status)
}

/// Whether an HTTP status is 5xx.
pub fn is_5xx(http_status: u16) -> bool {
    (500..600).contains(&http_status)
}

#[cfg(test)]
mod tests;
