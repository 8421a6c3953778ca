//! A request that passed its provider's rules, as a type: what `sign` and the HTTP builders
//! take, so that a request a provider would reject cannot reach the wire.

use std::fmt;
use std::ops::Deref;

use crate::Report;

/// A provider's rules for a request type.
pub trait Validate {
    /// What the rules need beyond the request itself (the payment's current state, say);
    /// `()` when nothing.
    type Context<'a>;

    /// Pushes every violation of the rules into `report`, errors and warnings alike.
    fn check(&self, context: &Self::Context<'_>, report: &mut Report);

    /// Every violation of the rules, in a report of its own: what each provider crate's
    /// `check` returns.
    fn report(&self, context: &Self::Context<'_>) -> Report {
        let mut report = Report::new();
        self.check(context, &mut report);
        report
    }
}

/// A request with no error-level violation, and its warnings. The only way to one is
/// [`Validated::new`], which runs the rules: it cannot be built otherwise, and it gives out
/// the request only to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated<T> {
    value: T,
    warnings: Report,
}

impl<T: Validate> Validated<T> {
    /// Runs the rules: the request, with its warnings and notes, when none is an error.
    pub fn new(value: T, context: &T::Context<'_>) -> Result<Self, Invalid<T>> {
        let report = value.report(context);
        if report.has_errors() {
            Err(Invalid {
                value: Box::new(value),
                report,
            })
        } else {
            Ok(Validated {
                value,
                warnings: report,
            })
        }
    }
}

impl<T> Validated<T> {
    /// The request.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// The warnings and notes the rules found.
    pub fn warnings(&self) -> &Report {
        &self.warnings
    }

    /// The request, no longer known to be valid.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Validated<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A request that broke its provider's rules: every violation, and the request back (boxed,
/// so that a `Result` of a large request stays small on the success path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid<T> {
    /// The request as given.
    pub value: Box<T>,
    /// Every violation, errors and warnings.
    pub report: Report,
}

impl<T> fmt::Display for Invalid<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request:\n{}", self.report)
    }
}

impl<T: fmt::Debug> std::error::Error for Invalid<T> {}

#[cfg(test)]
mod tests;
