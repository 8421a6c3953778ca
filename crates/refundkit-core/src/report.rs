//! The validation report: every violation, with a path to the field, a stable code, a human
//! message and a severity.
//!
//! Validators push into a [`Report`] and carry on; they never stop at the first problem, so a
//! shop fixes a rejected refund in one round trip instead of one per field.

use std::fmt;

use rust_decimal::Decimal;

use crate::money::Amount;

/// How serious a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing, changes nothing (a same-day refund is a cancellation).
    Info,
    /// The provider may accept it, but it is probably not what the caller wants, or the rule
    /// behind it is not certain.
    Warning,
    /// The provider would reject it; nothing is sent.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Declares a crate's stable violation codes: one `pub const` each, and `ALL`, every code
/// with its constant's name, which the test that every code is exercised reads.
///
/// ```
/// mod codes {
///     refundkit_core::violation_codes! {
///         /// A refund under 1 RUB.
///         UNDER_ONE_ROUBLE = "under_one_rouble",
///     }
/// }
/// assert_eq!(codes::UNDER_ONE_ROUBLE, "under_one_rouble");
/// assert_eq!(codes::ALL, &[("UNDER_ONE_ROUBLE", "under_one_rouble")]);
/// ```
#[macro_export]
macro_rules! violation_codes {
    ($( #[doc = $doc:literal] $name:ident = $code:literal ),* $(,)?) => {
        $( #[doc = $doc] pub const $name: &str = $code; )*
        /// Every code of this table, with its constant's name.
        pub const ALL: &[(&str, &str)] = &[$((stringify!($name), $code)),*];
    };
}

/// Stable violation codes shared by every provider; provider crates add their own.
pub mod codes {
    crate::violation_codes! {
        /// A required field is absent.
        REQUIRED = "required",
        /// A text field or list is empty.
        EMPTY = "empty",
        /// A number that must be above zero is not.
        NOT_POSITIVE = "not_positive",
        /// More decimal places than the field allows.
        TOO_MANY_DECIMALS = "too_many_decimals",
        /// More integer digits than the field allows.
        TOO_MANY_DIGITS = "too_many_digits",
        /// A text longer than the field allows.
        TOO_LONG = "too_long",
        /// More list entries than allowed.
        TOO_MANY = "too_many",
        /// A code outside the provider's table.
        UNKNOWN_CODE = "unknown_code",
        /// A value in the wrong syntax (an e-mail, a phone number, digits).
        FORMAT = "format",
        /// A sum that disagrees with its parts.
        SUM_MISMATCH = "sum_mismatch",
        /// A value that must be unique is repeated.
        DUPLICATE = "duplicate",
    }
}

/// A path to a field, built on the stack while a validator walks a value and rendered only
/// when a violation is reported (`InvoiceItems[3].Cost`).
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The value itself.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    /// The field `name` of this value (its wire name).
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// Entry `index` of this list.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            fmt::Display::fmt(parent, f)?;
        }
        match self.segment {
            Segment::Root => Ok(()),
            Segment::Field(name) => match self.parent {
                Some(Path {
                    segment: Segment::Root,
                    ..
                })
                | None => f.write_str(name),
                Some(_) => write!(f, ".{name}"),
            },
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl fmt::Debug for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: the field's path in wire names (`cart.items[0].total`); empty for the whole value.
    pub path: String,
    /// What: a stable machine code (see [`codes`] and each provider's `codes`).
    pub code: &'static str,
    /// A sentence for a human.
    pub message: String,
    /// How serious.
    pub severity: Severity,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(value)"
        } else {
            &self.path
        };
        write!(
            f,
            "{}: {}: {} [{}]",
            self.severity, path, self.message, self.code
        )
    }
}

/// All violations a validator found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    violations: Vec<Violation>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Report::default()
    }

    /// Records a violation.
    pub fn push(
        &mut self,
        severity: Severity,
        path: &Path<'_>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.violations.push(Violation {
            path: path.to_string(),
            code,
            message: message.into(),
            severity,
        });
    }

    /// Records an error: the provider would reject the value.
    pub fn error(&mut self, path: &Path<'_>, code: &'static str, message: impl Into<String>) {
        self.push(Severity::Error, path, code, message);
    }

    /// Records a warning.
    pub fn warning(&mut self, path: &Path<'_>, code: &'static str, message: impl Into<String>) {
        self.push(Severity::Warning, path, code, message);
    }

    /// Records an informational note.
    pub fn info(&mut self, path: &Path<'_>, code: &'static str, message: impl Into<String>) {
        self.push(Severity::Info, path, code, message);
    }

    /// Appends another report's violations.
    pub fn merge(&mut self, other: Report) {
        self.violations.extend(other.violations);
    }

    /// Moves each violation `to` places from the path in a provider's request to the path of
    /// the input it was made from (a description's `references.customer_email`), the
    /// request's path kept in its message (`in <request>: <path>`): the user is told where to
    /// fix it, and what the provider would have refused.
    pub fn relocate(&mut self, request: &str, to: impl Fn(&Violation) -> Option<&'static str>) {
        for v in &mut self.violations {
            if let Some(place) = to(v) {
                let wire = if v.path.is_empty() {
                    "(value)"
                } else {
                    &v.path
                };
                v.message = format!("{} (in {request}: {wire})", v.message);
                v.path = place.to_owned();
            }
        }
    }

    /// Every violation, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether anything at all was reported.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// Whether any violation is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
    }

    /// Whether a violation with this code was reported at this path (handy in tests).
    pub fn contains(&self, path: &str, code: &str) -> bool {
        self.violations
            .iter()
            .any(|v| v.path == path && v.code == code)
    }

    // Rules shared by providers. Each reports and returns; none stops the walk.

    /// `text` has at most `max` characters (Unicode scalar values, as the providers count).
    pub fn check_max_chars(&mut self, path: &Path<'_>, text: &str, max: usize) {
        let n = text.chars().count();
        if n > max {
            self.error(
                path,
                codes::TOO_LONG,
                format!("{n} characters, at most {max} allowed"),
            );
        }
    }

    /// `text` is not empty or blank.
    pub fn check_not_blank(&mut self, path: &Path<'_>, text: &str) {
        if text.trim().is_empty() {
            self.error(path, codes::EMPTY, "must not be empty");
        }
    }

    /// A money amount: above zero when `positive`, at most `max_places` decimal places and at
    /// most `max_integer_digits` digits before the point.
    pub fn check_amount(&mut self, path: &Path<'_>, amount: Amount, rule: AmountRule) {
        if rule.positive && amount.is_zero() {
            self.error(path, codes::NOT_POSITIVE, "must be greater than zero");
        }
        let places = amount.decimal_places();
        if places > rule.max_places {
            self.error(
                path,
                codes::TOO_MANY_DECIMALS,
                format!(
                    "{amount} has {places} decimal places, at most {} allowed",
                    rule.max_places
                ),
            );
        }
        let digits = amount.integer_digits();
        if digits > rule.max_integer_digits {
            self.error(
                path,
                codes::TOO_MANY_DIGITS,
                format!(
                    "{amount} has {digits} integer digits, at most {} allowed",
                    rule.max_integer_digits
                ),
            );
        }
    }

    /// A decimal that must be above zero.
    pub fn check_positive(&mut self, path: &Path<'_>, value: Decimal) {
        if value <= Decimal::ZERO {
            self.error(path, codes::NOT_POSITIVE, "must be greater than zero");
        }
    }
}

/// The shape a provider allows for one amount field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountRule {
    /// Zero is refused.
    pub positive: bool,
    /// Decimal places allowed.
    pub max_places: u32,
    /// Digits allowed before the point.
    pub max_integer_digits: u32,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            fmt::Display::fmt(v, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

#[cfg(test)]
mod tests;
