//! The providers by type: what every floor above names them by, made from the registry.

macro_rules! provider_ids {
    ($(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        /// A provider, by type: what the facade's functions take, so that a misspelt provider
        /// fails to compile rather than at run time. Strings
        /// ([`ProviderId::from_str`](std::str::FromStr)) are for the command line's edge.
        ///
        /// Not `#[non_exhaustive]`, on purpose: code that routes refunds by provider (its
        /// credentials, its hosts) must hear from the compiler when a provider is added, not
        /// fall into a catch-all arm.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(rename_all = "kebab-case")]
        pub enum ProviderId {
            $(
                #[doc = concat!($title, " (`", $name, "`).")]
                $variant,
            )*
        }

        impl ProviderId {
            /// Every provider refundkit knows, compiled in or not, in the registry's order.
            pub const ALL: [ProviderId; [$($name),*].len()] = [$(ProviderId::$variant),*];

            /// Its name: the command line's provider argument, its `testdata/` directory, the
            /// `provider` of a stored state.
            pub fn name(self) -> &'static str {
                match self {
                    $(ProviderId::$variant => $name,)*
                }
            }

            /// Its title, for people (`Yandex Pay`).
            pub fn title(self) -> &'static str {
                match self {
                    $(ProviderId::$variant => $title,)*
                }
            }
        }

        /// A name that is no provider's.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("no provider {given:?} ({})", [$($name),*].join(", "), given = .0)]
        pub struct UnknownProvider(pub String);
    };
}

crate::for_each_provider!(provider_ids);

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ProviderId {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, UnknownProvider> {
        ProviderId::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}
