//! Where a shop's credentials come from: each provider's adapter names its inputs (a flag of
//! the command line and the `REFUNDKIT_*` environment variable beside it) and turns what they
//! give into its credential. The command line and [`Credentials::from_env`] read them through
//! this one loader, so a variable means the same thing to both.
//!
//! ```no_run
//! // In a service: the same REFUNDKIT_* variables `refundkit journal run` reads.
//! let credentials = refundkit::Credentials::from_env()?;
//! # Ok::<(), refundkit::credentials::CredentialError>(())
//! ```

use std::ffi::OsString;
use std::path::PathBuf;

use refundkit_core::SecretBytes;

use crate::id::ProviderId;
use crate::providers;

pub(crate) mod store;

pub use store::{CredentialError, Given, Input, InputKind, Pair};
use store::{Credentials, invalid};

/// Every provider's inputs, in the providers' order.
pub fn inputs() -> impl Iterator<Item = &'static Input> {
    providers::all()
        .iter()
        .flat_map(|p| p.credential_inputs().iter())
}

impl Credentials {
    /// The credentials `get` gives: for each input, its value (a path for a file input), or
    /// `None` when it was not given. Files are read here; each provider's adapter turns its
    /// inputs into its credential. A provider none of whose inputs is given has no credential.
    pub fn from_inputs(
        get: &dyn Fn(&'static Input) -> Option<OsString>,
    ) -> Result<Credentials, CredentialError> {
        let mut credentials = Credentials::new();
        for provider in providers::all() {
            let mut values: Vec<(&'static Input, SecretBytes)> = Vec::new();
            for input in provider.credential_inputs() {
                let Some(value) = get(input) else { continue };
                let bytes = match input.kind {
                    InputKind::File => {
                        let path = PathBuf::from(value);
                        std::fs::read(&path).map_err(|e| CredentialError::Read {
                            flag: input.flag,
                            env: input.env,
                            path: path.clone(),
                            detail: e.to_string(),
                        })?
                    }
                    InputKind::Value => value
                        .into_string()
                        .map_err(|_| invalid(input, "not UTF-8"))?
                        .into_bytes(),
                };
                values.push((input, SecretBytes::new(bytes)));
            }
            if !values.is_empty() {
                provider.insert_credentials(&Given { values: &values }, &mut credentials)?;
            }
        }
        Ok(credentials)
    }

    /// The credentials of the `REFUNDKIT_*` environment variables: exactly those
    /// `refundkit journal run` and `refundkit plan` read ([`inputs`] lists them).
    pub fn from_env() -> Result<Credentials, CredentialError> {
        Credentials::from_inputs(&|input| std::env::var_os(input.env))
    }

    /// Adds the clearly marked sample credential of each provider that has none
    /// ([`crate::samples::credentials`]); the providers filled, for a note.
    pub fn fill_samples(&mut self) -> Vec<ProviderId> {
        let mut filled = Vec::new();
        for provider in providers::all() {
            if !provider.has_credentials(self) {
                provider.insert_samples(self);
                filled.push(provider.id());
            }
        }
        filled
    }
}
