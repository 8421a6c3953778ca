//! refundkit: refund a payment through Robokassa, Yandex Pay, YooKassa (API v3 and MWS) or the
//! RBS platform (Sberbank, Alfa-Bank) correctly the first time, and prove it offline.
//!
//! This crate re-exports the provider crates behind cargo features (all on by default) and
//! adds what spans them: [`Refund`], the refund as an owned state machine over every
//! provider (the door to take: see [`refund`]); [`plan`], which turns one refund described in
//! shop terms into every provider's ready request and its [`Refund`]; [`inspect`], which
//! recognises and diagnoses any refund message; [`lifecycle`], the lifecycle types re-exported
//! from the core; and [`providers`], one adapter per provider ([`ProviderId`]), through
//! which all of them go. The [`guide`] is here too, one chapter per concern.
#![forbid(unsafe_code)]

/// The `http` crate, whose `Request` every provider's request is: a shop names it through
/// refundkit, with nothing else to depend on.
pub use http;
pub use refundkit_core as core;
#[cfg(feature = "yookassa")]
#[doc(inline)]
pub use refundkit_pkcs7 as pkcs7;

/// Each provider's crate, under its module name (`refundkit::rbs`), behind its feature.
macro_rules! provider_crates {
    ($(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            #[doc = concat!($title, ": the `", stringify!($krate), "` crate.")]
            #[doc(inline)]
            pub use $krate as $module;
        )*
    };
}
for_each_provider!(provider_crates);

mod adapter;
pub mod credentials;
mod description;
pub mod guide;
mod id;
pub mod inspect;
pub mod lifecycle;
pub mod plan;
pub mod providers;
pub mod refund;
mod registry;
pub mod samples;
pub mod transcript;

pub use credentials::store::Credentials;
pub use id::ProviderId;
pub use refund::Refund;
