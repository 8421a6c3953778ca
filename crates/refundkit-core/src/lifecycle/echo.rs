//! Whether an answer is about the refund it answers: the one check every provider makes before
//! a stated success (or refusal, or status) counts.
//!
//! Public clients do this by hand (artgas1/robokassa-mcp reads GetState together with the
//! requested id; MaxPovver/fl-ru-damp's YandexMoney3 reads MWS's echoed `clientOrderId`);
//! hyperswitch compares the amount and currency a connector echoes with what was sent and sends
//! a mismatch to manual review. Here it is one builder, [`Echo`], that each provider feeds the
//! identifying fields its answer carries.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Amount;

/// An answer that names another refund than the one it answers: the first identifying field
/// that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// The answer's field, in the provider's spelling (`requestId`,
    /// `data.operation.externalOperationId`, `clientOrderId`, `attributes[mdOrder]`).
    pub field: String,
    /// What the refund has.
    pub refund: String,
    /// What the answer states; `None` where the answer leaves out a field it must carry.
    pub answer: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.answer {
            Some(answer) => write!(
                f,
                "the answer's {} is {answer:?}, the refund's {:?}",
                self.field, self.refund
            ),
            None => write!(
                f,
                "the answer has no {} (the refund's is {:?})",
                self.field, self.refund
            ),
        }
    }
}

/// Compares an answer's identifying fields with the refund's, in the order given; the first
/// that differs is the [`Mismatch`].
///
/// ```
/// use refundkit_core::lifecycle::Echo;
/// let checked = Echo::new()
///     .required("requestId", "ea5e5d38", Some("ea5e5d38"))
///     .amount("amount", Some("509.76".parse()?), Some("509.760000".parse()?))
///     .check();
/// assert!(checked.is_ok());
/// let other = Echo::new().required("requestId", "ea5e5d38", Some("00000000")).check();
/// assert_eq!(other.unwrap_err().field, "requestId");
/// # Ok::<(), refundkit_core::MoneyError>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "an echo says nothing until it is checked"]
pub struct Echo {
    first: Option<Mismatch>,
}

impl Echo {
    /// Nothing compared yet.
    pub fn new() -> Self {
        Echo::default()
    }

    fn note(mut self, field: &str, refund: &str, answer: Option<&str>) -> Self {
        if self.first.is_none() {
            self.first = Some(Mismatch {
                field: field.to_owned(),
                refund: refund.to_owned(),
                answer: answer.map(str::to_owned),
            });
        }
        self
    }

    /// A field the answer must carry, equal to the refund's.
    pub fn required(self, field: &str, refund: &str, answer: Option<&str>) -> Self {
        match answer {
            Some(a) if a == refund => self,
            _ => self.note(field, refund, answer),
        }
    }

    /// A field compared only where the answer carries it (the provider documents it as
    /// optional), and where the refund knows its own value.
    pub fn if_stated(self, field: &str, refund: Option<&str>, answer: Option<&str>) -> Self {
        match (refund, answer) {
            (Some(r), Some(a)) if r != a => self.note(field, r, Some(a)),
            _ => self,
        }
    }

    /// An amount compared by value (`509.760000` is `509.76`) where both sides state one.
    pub fn amount(self, field: &str, refund: Option<Amount>, answer: Option<Amount>) -> Self {
        match (refund, answer) {
            (Some(r), Some(a)) if r != a => self.note(field, &r.to_string(), Some(&a.to_string())),
            _ => self,
        }
    }

    /// The first mismatch, if any.
    pub fn check(self) -> Result<(), Mismatch> {
        match self.first {
            None => Ok(()),
            Some(m) => Err(m),
        }
    }
}
