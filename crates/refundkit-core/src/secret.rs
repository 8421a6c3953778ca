//! Secrets: passwords, API keys, tokens and private keys.
//!
//! They never print (`Debug` and `Display` say `[redacted]`), are wiped from memory when
//! dropped, and are only readable through an explicitly named `expose_secret` call, which makes
//! every use greppable.

use std::fmt;

use zeroize::Zeroize;

/// A secret text (a password, an API key, a token).
///
/// ```
/// use refundkit_core::SecretString;
/// let p = SecretString::new("hunter2".to_string());
/// assert_eq!(format!("{p:?} {p}"), "SecretString([redacted]) [redacted]");
/// assert_eq!(p.expose_secret(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Takes ownership of the text.
    pub fn new(secret: String) -> Self {
        SecretString(secret)
    }

    /// Reads a secret from a file's bytes: the content is the secret, except one trailing
    /// newline (`\n` or `\r\n`), which editors add and nobody means as part of a password.
    pub fn from_file_bytes(mut bytes: Vec<u8>) -> Result<Self, NotUtf8> {
        if bytes.ends_with(b"\r\n") {
            bytes.truncate(bytes.len().saturating_sub(2));
        } else if bytes.ends_with(b"\n") {
            bytes.truncate(bytes.len().saturating_sub(1));
        }
        match String::from_utf8(bytes) {
            Ok(s) => Ok(SecretString(s)),
            Err(e) => {
                e.into_bytes().zeroize();
                Err(NotUtf8)
            }
        }
    }

    /// The secret itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        SecretString(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString(s.to_owned())
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secret bytes (a private key in DER).
#[derive(Clone, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of the bytes.
    pub fn new(secret: Vec<u8>) -> Self {
        SecretBytes(secret)
    }

    /// The secret itself.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        SecretBytes(v)
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

impl fmt::Display for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A secret file was not UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret is not valid UTF-8")]
pub struct NotUtf8;

#[cfg(test)]
mod tests;
