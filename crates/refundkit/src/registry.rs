//! The one list of providers. Every other list (the [`crate::ProviderId`] enum, the refund's
//! machines, the adapters, the command line's provider arguments, the emulator's providers)
//! is made from it by [`for_each_provider!`](crate::for_each_provider), so that adding a
//! provider is its crate, its adapter file in each layer that speaks to it, and one line here
//! (and the cargo manifests: the workspace member, the facade's optional dependency and
//! feature).

/// Calls the macro `$then` with the list of providers, one `(Variant, "name", module,
/// crate, "feature", "title")` per provider: the `ProviderId` variant, the name on the command
/// line and in stored states, the module name of its adapter file in each layer, the provider
/// crate, the facade's cargo feature, and a title for documentation.
///
/// `$then` must be a macro in scope where this is called; tokens after its name are passed
/// first (a `$`, for a `$then` that defines a macro of its own). For use inside the
/// workspace; its shape may change with any release.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_provider {
    ($then:ident $($first:tt)*) => {
        $then! {
            $($first)*
            (Robokassa, "robokassa", robokassa, refundkit_robokassa, "robokassa", "Robokassa"),
            (YandexPay, "yandex-pay", yandex_pay, refundkit_yandex_pay, "yandex-pay", "Yandex Pay"),
            (Yookassa, "yookassa", yookassa, refundkit_yookassa, "yookassa", "YooKassa MWS (the old API)"),
            (Rbs, "rbs", rbs, refundkit_rbs, "rbs", "The RBS platform: Sberbank, Alfa-Bank"),
            (YookassaV3, "yookassa-v3", yookassa_v3, refundkit_yookassa_v3, "yookassa-v3", "YooKassa API v3"),
        }
    };
}
