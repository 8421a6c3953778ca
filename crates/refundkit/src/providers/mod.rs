//! Everything the facade knows about each provider, one file per provider: how it plans a
//! refund from the neutral description, which messages it recognises for `inspect`, how its
//! built requests are redacted for printing, and its golden-vector runner.
//!
//! [`crate::plan`] and [`crate::inspect`] go through [`all`] and never name a provider. A
//! fifth provider is its own crate plus one file here, listed in [`all`].

#[cfg(feature = "rbs")]
mod rbs;
#[cfg(feature = "robokassa")]
mod robokassa;
#[cfg(feature = "yandex-pay")]
mod yandex_pay;
#[cfg(feature = "yookassa")]
mod yookassa;

pub use crate::adapter::{Fill, Provider};
pub use crate::id::{ProviderId, UnknownProvider};

impl ProviderId {
    /// Its adapter, when its cargo feature is on.
    pub fn adapter(self) -> Option<&'static dyn Provider> {
        find(self.name())
    }
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
