//! Everything the facade knows about each provider, one file per provider: how it plans a
//! refund from the neutral description, which messages it recognises for `inspect`, how its
//! built requests are redacted for printing, and its golden-vector runner.
//!
//! [`crate::plan`] and [`crate::inspect`] go through [`all`] and never name a provider. The
//! files and the list come from the registry ([`crate::for_each_provider`]): a provider is its
//! own crate, one file here (`<module>.rs`, its adapter `struct <Variant>`), and its registry
//! line.

pub use crate::adapter::{Fill, Provider};
pub use crate::id::{ProviderId, UnknownProvider};

macro_rules! adapters {
    ($(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            mod $module;
        )*

        /// Every provider compiled in (by cargo feature), in the registry's order: the order
        /// of plans, conformance tables, and of recognition in `inspect`.
        pub fn all() -> &'static [&'static dyn Provider] {
            &[
                $(
                    #[cfg(feature = $feature)]
                    &$module::$variant,
                )*
            ]
        }
    };
}

crate::for_each_provider!(adapters);

impl ProviderId {
    /// Its adapter, when its cargo feature is on.
    pub fn adapter(self) -> Option<&'static dyn Provider> {
        find(self.name())
    }
}

/// The provider named `name`.
pub fn find(name: &str) -> Option<&'static dyn Provider> {
    all().iter().copied().find(|p| p.name() == name)
}
