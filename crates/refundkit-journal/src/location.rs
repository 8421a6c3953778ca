//! Where a journal lives, read from a URL.

use crate::JournalError;

/// Where a journal lives, read from a URL: `sqlite:PATH` (a file, created when missing) or
/// `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database, by its connection URL.
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            // The URL may carry a password.
            #[cfg(feature = "postgres")]
            Location::Postgres(_) => f.write_str("postgres://…"),
        }
    }
}

impl Location {
    /// A short digest of where it is (the path or the whole URL): a name for things kept
    /// per journal (a worker's lock on its identity) that never shows a password.
    pub fn key(&self) -> String {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        match self {
            Location::Sqlite(p) => {
                let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                hash.update(b"sqlite:");
                hash.update(p.to_string_lossy().as_bytes());
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => hash.update(url.as_bytes()),
        }
        hash.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl std::str::FromStr for Location {
    type Err = JournalError;
    fn from_str(url: &str) -> Result<Self, JournalError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(JournalError::Url("sqlite: needs a file path".into()));
            }
            return Ok(Location::Sqlite(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Location::Postgres(url.to_owned()));
            #[cfg(not(feature = "postgres"))]
            return Err(JournalError::Url(
                "PostgreSQL is not compiled in (the `postgres` feature is off)".into(),
            ));
        }
        // Never echo the URL: it may carry a password.
        Err(JournalError::Url(
            "expected sqlite:PATH, postgres://… or postgresql://…".into(),
        ))
    }
}
