//! The providers by type: what every floor above names them by.

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
