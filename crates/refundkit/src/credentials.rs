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

use crate::plan::Credentials;
use crate::providers::{self, ProviderId};

/// One input of a provider's credential: a flag and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The provider whose credential it is part of.
    pub provider: ProviderId,
    /// The command line's flag, without dashes (`robokassa-password3-file`).
    pub flag: &'static str,
    /// The environment variable (`REFUNDKIT_ROBOKASSA_PASSWORD3_FILE`).
    pub env: &'static str,
    /// What it is, for `--help`.
    pub help: &'static str,
    /// What its value is.
    pub kind: InputKind,
}

/// What an [`Input`]'s value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// A path to a file holding the secret (or a PEM): the value never appears on a command
    /// line or in the environment itself.
    File,
    /// The value itself (a user name: not a secret).
    Value,
}

/// Why the credentials could not be read. Never holds a credential's bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// A file named by an input does not read.
    #[error("--{flag} ({env}): cannot read {}: {detail}", path.display())]
    Read {
        /// The input's flag.
        flag: &'static str,
        /// Its variable.
        env: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// An input's value is not a credential of its kind (not UTF-8, not a PEM key).
    #[error("--{flag} ({env}): {detail}")]
    Invalid {
        /// The input's flag.
        flag: &'static str,
        /// Its variable.
        env: &'static str,
        /// Why.
        detail: String,
    },
    /// One input of a credential that needs two was given without the other.
    #[error("--{given} is given without --{missing}: {provider}'s credential needs both")]
    Incomplete {
        /// The provider.
        provider: ProviderId,
        /// The input given.
        given: &'static str,
        /// The one missing.
        missing: &'static str,
    },
}

/// The bytes of two inputs given together.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// What the inputs of one provider gave: each input's bytes (a file's content, or the value
/// itself), read before the adapter sees them.
pub struct Given<'a> {
    values: &'a [(&'static Input, SecretBytes)],
}

impl Given<'_> {
    /// The bytes of the input with `flag`, when it was given.
    pub fn get(&self, flag: &str) -> Option<&[u8]> {
        self.values
            .iter()
            .find(|(input, _)| input.flag == flag)
            .map(|(_, bytes)| bytes.expose_secret())
    }

    /// The bytes of the input with `flag` as a secret string (a password, a key): UTF-8, a
    /// trailing line end dropped.
    pub fn secret(
        &self,
        flag: &'static str,
    ) -> Result<Option<refundkit_core::SecretString>, CredentialError> {
        let Some((input, bytes)) = self.values.iter().find(|(i, _)| i.flag == flag) else {
            return Ok(None);
        };
        refundkit_core::SecretString::from_file_bytes(bytes.expose_secret().to_vec())
            .map(Some)
            .map_err(|_| invalid(input, "not UTF-8"))
    }

    /// Both inputs of a credential made of two, or neither; one without the other is an error.
    pub fn pair<'b>(
        &'b self,
        provider: ProviderId,
        first: &'static str,
        second: &'static str,
    ) -> Result<Option<Pair<'b>>, CredentialError> {
        match (self.get(first), self.get(second)) {
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(CredentialError::Incomplete {
                provider,
                given: first,
                missing: second,
            }),
            (None, Some(_)) => Err(CredentialError::Incomplete {
                provider,
                given: second,
                missing: first,
            }),
        }
    }

    /// An error naming the input with `flag` (its variable too), never its value.
    pub fn invalid(&self, flag: &'static str, detail: impl std::fmt::Display) -> CredentialError {
        let env = self
            .values
            .iter()
            .find(|(input, _)| input.flag == flag)
            .map_or("", |(input, _)| input.env);
        CredentialError::Invalid {
            flag,
            env,
            detail: detail.to_string(),
        }
    }
}

/// An error naming `input`, without its value.
fn invalid(input: &Input, detail: impl std::fmt::Display) -> CredentialError {
    CredentialError::Invalid {
        flag: input.flag,
        env: input.env,
        detail: detail.to_string(),
    }
}

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
