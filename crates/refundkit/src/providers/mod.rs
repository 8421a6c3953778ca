//! Everything the facade knows about each provider, one file per provider: how it plans a
//! refund from the neutral description, which messages it recognises for `inspect`, how its
//! built requests are redacted for printing, and its golden-vector runner.
//!
//! [`crate::plan`] and [`crate::inspect`] go through [`all`] and never name a provider. A
//! fifth provider is its own crate plus one file here, listed in [`all`].

use std::path::Path;

use refundkit_core::conformance::{self, VectorResult};

use crate::inspect::{Inspection, Message};
use crate::plan::{Context, Credentials, ProviderPlan};

#[cfg(feature = "rbs")]
mod rbs;
#[cfg(feature = "robokassa")]
mod robokassa;
#[cfg(feature = "yandex-pay")]
mod yandex_pay;
#[cfg(feature = "yookassa")]
mod yookassa;

/// A provider, by type: what the facade's functions take, so that a misspelt provider fails
/// to compile rather than at run time. Strings ([`ProviderId::from_str`](std::str::FromStr))
/// are for the command line's edge.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProviderId {
    /// Robokassa (`robokassa`).
    Robokassa,
    /// Yandex Pay (`yandex-pay`).
    YandexPay,
    /// YooKassa MWS (`yookassa`).
    Yookassa,
    /// The RBS platform: Sberbank, Alfa-Bank (`rbs`).
    Rbs,
}

impl ProviderId {
    /// Every provider refundkit knows, compiled in or not.
    pub const ALL: [ProviderId; 4] = [
        ProviderId::Robokassa,
        ProviderId::YandexPay,
        ProviderId::Yookassa,
        ProviderId::Rbs,
    ];

    /// Its name: `robokassa`, `yandex-pay`, `yookassa`, `rbs`.
    pub fn name(self) -> &'static str {
        match self {
            ProviderId::Robokassa => "robokassa",
            ProviderId::YandexPay => "yandex-pay",
            ProviderId::Yookassa => "yookassa",
            ProviderId::Rbs => "rbs",
        }
    }

    /// Its adapter, when its cargo feature is on.
    pub fn adapter(self) -> Option<&'static dyn Provider> {
        find(self.name())
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no provider's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no provider {0:?} (robokassa, yandex-pay, yookassa, rbs)")]
pub struct UnknownProvider(pub String);

impl std::str::FromStr for ProviderId {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, UnknownProvider> {
        ProviderId::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}

/// How a provider's refund reads what it needs from the shop's credentials: each adapter says
/// which of them its requests and answers take.
pub(crate) trait Keyed: refundkit_core::lifecycle::Lifecycle {
    /// The keys of `credentials` this provider uses.
    fn keys(credentials: &Credentials) -> Self::Keys<'_>;
}

/// What fills a reference a description leaves out ([`Provider::fillable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fill {
    /// The shop's id of the refund.
    RefundId,
    /// The next number of a sequence shared by every instance of the shop.
    Sequence,
}

/// One provider, as the facade sees it.
pub trait Provider: Sync {
    /// Its name: the CLI's provider argument and its `testdata/` directory (`yandex-pay`).
    fn name(&self) -> &'static str;

    /// It, by type.
    fn id(&self) -> ProviderId;

    /// The names of the references to the payment it reads from a description.
    fn references(&self) -> &'static [&'static str];

    /// The references a journal fills when a description has none, and with what: the
    /// shop's id of the refund (an idempotency key the provider honours), or a number from
    /// the journal's sequence (unique and increasing across every instance sharing it).
    fn fillable(&self) -> &'static [(&'static str, Fill)] {
        &[]
    }

    /// The inputs its credential is read from: flags of the command line and the
    /// `REFUNDKIT_*` variables beside them ([`crate::credentials`]).
    fn credential_inputs(&self) -> &'static [crate::credentials::Input];

    /// Turns what its inputs gave into its credential, inserted in `into`.
    fn insert_credentials(
        &self,
        given: &crate::credentials::Given<'_>,
        into: &mut Credentials,
    ) -> Result<(), crate::credentials::CredentialError>;

    /// Whether `credentials` hold what its requests need.
    fn has_credentials(&self, credentials: &Credentials) -> bool;

    /// Inserts its clearly marked sample credential (the one `refundkit serve`'s built-in
    /// scenario takes; [`crate::samples`]).
    fn insert_samples(&self, into: &mut Credentials);

    /// Its settings in a description, each with what it chooses.
    fn settings(&self) -> &'static [(&'static str, &'static str)];

    /// Its request for the described refund, validated by its own rules, and the notes where
    /// it cannot follow the description exactly.
    fn plan(&self, context: &Context<'_>) -> ProviderPlan;

    /// What `message` is, when it is one of this provider's requests or answers.
    fn inspect(&self, message: &Message<'_>) -> Option<Inspection>;

    /// A copy of a request this provider's crate built, its secrets replaced, for logs.
    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>>;

    /// A copy of a request for keeping (a transcript, a journal's record of what was sent):
    /// [`Provider::redacted`], and without what would let whoever holds the copy send the
    /// request again (a signed token that never expires loses its signature).
    fn recorded(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        self.redacted(request)
    }

    /// Runs the golden vectors of `dir` (its `vectors.json`).
    fn conformance(&self, dir: &Path) -> Result<Vec<VectorResult>, conformance::Error>;

    /// What an answer to one of this provider's requests reads as (the request's path tells
    /// the method): the method's name and the reading (verdict, code, text, and the method's
    /// own fields). `None` when the path is none of this provider's methods.
    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)>;

    /// The golden vectors of `dir` as the portable suite's tests (`refundkit vectors export`):
    /// each with its operation, raw input, expected reading and source.
    fn export(&self, dir: &Path) -> Result<Vec<conformance::export::Exported>, conformance::Error>;
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
