//! Everything the facade knows about each provider, one file per provider: how it plans a
//! refund from the neutral description, which messages it recognises for `inspect`, how its
//! built requests are redacted for printing, and its golden-vector runner.
//!
//! [`crate::plan`] and [`crate::inspect`] go through [`all`] and never name a provider. A
//! fifth provider is its own crate plus one file here, listed in [`all`].

use std::path::Path;
use std::time::SystemTime;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::lifecycle::{Answer, DecideError, Next, Record};

use crate::inspect::{Inspection, Message};
use crate::plan::{Context, ProviderPlan};

#[cfg(feature = "rbs")]
mod rbs;
#[cfg(feature = "robokassa")]
mod robokassa;
#[cfg(feature = "yandex-pay")]
mod yandex_pay;
#[cfg(feature = "yookassa")]
mod yookassa;

/// One provider, as the facade sees it.
pub trait Provider: Sync {
    /// Its name: the CLI's provider argument and its `testdata/` directory (`yandex-pay`).
    fn name(&self) -> &'static str;

    /// The names of the references to the payment it reads from a description.
    fn references(&self) -> &'static [&'static str];

    /// Its settings in a description, each with what it chooses.
    fn settings(&self) -> &'static [(&'static str, &'static str)];

    /// Its request for the described refund, validated by its own rules, and the notes where
    /// it cannot follow the description exactly.
    fn plan(&self, context: &Context<'_>) -> ProviderPlan;

    /// What `message` is, when it is one of this provider's requests or answers.
    fn inspect(&self, message: &Message<'_>) -> Option<Inspection>;

    /// A copy of a request this provider's crate built, its secrets replaced, for logs.
    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>>;

    /// Runs the golden vectors of `dir` (its `vectors.json`).
    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error>;

    /// The next step after `sent` (the refund in `record`, or one of its status requests) got
    /// `answer`: the provider crate's `lifecycle::decide`.
    fn decide(
        &self,
        record: &Record<'_>,
        sent: &http::Request<Vec<u8>>,
        answer: Answer<'_>,
        now: SystemTime,
    ) -> Result<Next, DecideError>;
}

/// Every provider compiled in (by cargo feature), in a fixed order: the order of plans,
/// conformance tables, and of recognition in `inspect`.
pub fn all() -> &'static [&'static dyn Provider] {
    &[
        #[cfg(feature = "robokassa")]
        &robokassa::Robokassa,
        #[cfg(feature = "yandex-pay")]
        &yandex_pay::YandexPay,
        #[cfg(feature = "yookassa")]
        &yookassa::Yookassa,
        #[cfg(feature = "rbs")]
        &rbs::Rbs,
    ]
}

/// The provider named `name`.
pub fn find(name: &str) -> Option<&'static dyn Provider> {
    all().iter().copied().find(|p| p.name() == name)
}
