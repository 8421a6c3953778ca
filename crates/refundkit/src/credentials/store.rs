//! The credentials themselves: one typed value per provider's credential ([`Credentials`]),
//! and the inputs each provider reads it from ([`Input`], [`Given`]). Below the adapters,
//! which declare their own credential types here.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use refundkit_core::SecretBytes;

use crate::id::ProviderId;

/// A credential a provider reads from [`Credentials`]: each adapter in [`crate::providers`]
/// declares its own (a password, an API key, a signing key, the certificates its signed
/// answers are trusted by). Sealed: only these can be inserted, so that a value of another
/// type (a `String` where an API key was meant) fails to compile rather than being kept and
/// ignored.
///
/// ```compile_fail
/// let mut credentials = refundkit::Credentials::new();
/// credentials.insert(String::from("my-api-key")); // not a credential type
/// ```
pub trait Credential: Any + Send + Sync + sealed::Sealed {}

pub(crate) mod sealed {
    /// Implemented by each provider's adapter for the credentials it reads.
    pub trait Sealed {}
}

/// Declares `$t` a credential (in the adapter of the provider that reads it).
macro_rules! credential {
    ($t:ty) => {
        impl $crate::credentials::store::sealed::Sealed for $t {}
        impl $crate::credentials::store::Credential for $t {}
    };
}
pub(crate) use credential;

/// What each provider needs to sign or authenticate, one value per type (each adapter in
/// [`crate::providers`] names its own: a password, an API key, a signing key). A provider
/// without its credential is planned without a request, and its report says so.
///
/// Cloning is cheap and shares the values (a worker and a webhook handler can hold the same
/// credentials).
#[derive(Default, Clone)]
pub struct Credentials {
    by_type: HashMap<TypeId, std::sync::Arc<dyn Any + Send + Sync>>,
}

impl Credentials {
    /// No credentials.
    pub fn new() -> Self {
        Credentials::default()
    }

    /// Adds (or replaces) the credential of type `C`.
    pub fn insert<C: Credential>(&mut self, credential: C) -> &mut Self {
        self.by_type
            .insert(TypeId::of::<C>(), std::sync::Arc::new(credential));
        self
    }

    /// The credential of type `C`, if given.
    pub fn get<C: Credential>(&self) -> Option<&C> {
        self.by_type
            .get(&TypeId::of::<C>())
            .and_then(|c| c.downcast_ref::<C>())
    }
}

impl fmt::Debug for Credentials {
    // Never the values: they are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({} given)", self.by_type.len())
    }
}

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
    pub(super) values: &'a [(&'static Input, SecretBytes)],
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
pub(super) fn invalid(input: &Input, detail: impl std::fmt::Display) -> CredentialError {
    CredentialError::Invalid {
        flag: input.flag,
        env: input.env,
        detail: detail.to_string(),
    }
}
