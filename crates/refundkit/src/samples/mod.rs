//! Sample material for examples and tests: **test keys and certificates, never a real shop's
//! or provider's.** Copies of `testdata/` (a test keeps them byte for byte the same), carried in
//! the crate so that an example needs nothing but `refundkit`.

pub(crate) mod material;

pub use material::*;

/// Every provider's clearly marked sample credential: what `refundkit serve`'s built-in
/// scenario takes, and what the guide's examples run with. Never a real shop's.
///
/// ```
/// let credentials = refundkit::samples::credentials();
/// assert!(refundkit::ProviderId::ALL.iter().all(|p| {
///     p.adapter().is_none_or(|a| a.has_credentials(&credentials))
/// }));
/// ```
pub fn credentials() -> crate::credentials::store::Credentials {
    let mut credentials = crate::credentials::store::Credentials::new();
    for provider in crate::providers::all() {
        provider.insert_samples(&mut credentials);
    }
    credentials
}
