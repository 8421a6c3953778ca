//! refundkit: refund a payment through Robokassa, Yandex Pay, YooKassa MWS or the RBS platform
//! (Sberbank, Alfa-Bank) correctly the first time, and prove it offline.
//!
//! This crate re-exports the provider crates behind cargo features (all on by default) and
//! adds what spans them: [`inspect`], which recognises and diagnoses any refund message.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub use refundkit_core as core;
#[cfg(feature = "yookassa")]
pub use refundkit_pkcs7 as pkcs7;
#[cfg(feature = "rbs")]
pub use refundkit_rbs as rbs;
#[cfg(feature = "robokassa")]
pub use refundkit_robokassa as robokassa;
#[cfg(feature = "yandex-pay")]
pub use refundkit_yandex_pay as yandex_pay;
#[cfg(feature = "yookassa")]
pub use refundkit_yookassa as yookassa;

pub mod inspect;
#[cfg(all(
    feature = "robokassa",
    feature = "yandex-pay",
    feature = "yookassa",
    feature = "rbs"
))]
pub mod plan;
