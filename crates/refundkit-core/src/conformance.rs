//! Helpers for golden-vector runners: each provider crate has a `conformance` module that
//! reads `testdata/<provider>/vectors.json` (layout in `testdata/README.md`).

use std::fmt;

pub mod export;

/// One vector's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorResult {
    /// The vector's name.
    pub name: String,
    /// `Err` with the first difference found.
    pub result: Result<(), Failure>,
}

/// How a vector failed: the first difference found, for a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure(s)
    }
}

impl From<&str> for Failure {
    fn from(s: &str) -> Self {
        Failure(s.to_owned())
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(e.to_string())
    }
}

/// Why a directory of vectors cannot be run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file named by the manifest cannot be read.
    #[error("{file}: {detail}")]
    Read {
        /// The file, relative to the directory.
        file: String,
        /// The I/O error.
        detail: String,
    },
    /// `vectors.json` is not a manifest of the expected shape.
    #[error("vectors.json: {0}")]
    Manifest(String),
    /// `vectors.json` is another provider's.
    #[error("vectors.json is for {found}, not {expected}")]
    WrongProvider {
        /// The runner's provider.
        expected: String,
        /// The manifest's.
        found: String,
    },
    /// What the vectors share (a key, a certificate) is not usable.
    #[error("{file}: {detail}")]
    Fixture {
        /// The file.
        file: String,
        /// What is wrong with it.
        detail: String,
    },
}

/// Where `actual` first departs from `expected`, with a little context; `None` when equal.
pub fn first_difference(expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let at = expected
        .iter()
        .zip(actual)
        .take_while(|(a, b)| a == b)
        .count();
    let window = |b: &[u8]| {
        let start = at.saturating_sub(16);
        let end = at.saturating_add(24).min(b.len());
        String::from_utf8_lossy(b.get(start..end).unwrap_or_default()).into_owned()
    };
    Some(format!(
        "byte {at}: expected …{:?}…, got …{:?}… (lengths {} and {})",
        window(expected),
        window(actual),
        expected.len(),
        actual.len()
    ))
}

/// Reads `dir/vectors.json` into the provider's manifest type `M`, after checking that it is
/// `provider`'s (`{"provider": "...", "vectors": [...], ...}`).
pub fn read_manifest<M: serde::de::DeserializeOwned>(
    dir: &std::path::Path,
    provider: &str,
) -> Result<M, Error> {
    #[derive(serde::Deserialize)]
    struct Head {
        provider: String,
    }
    let bytes = read_fixture(dir, "vectors.json")?;
    let head: Head = serde_json::from_slice(&bytes).map_err(|e| Error::Manifest(e.to_string()))?;
    if head.provider != provider {
        return Err(Error::WrongProvider {
            expected: provider.to_owned(),
            found: head.provider,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::Manifest(e.to_string()))
}

/// Runs `check` on every vector; `check` names the vector and says how it went.
pub fn run_all<V>(
    vectors: &[V],
    check: impl Fn(&V) -> (&str, Result<(), Failure>),
) -> Vec<VectorResult> {
    vectors
        .iter()
        .map(|v| {
            let (name, result) = check(v);
            VectorResult {
                name: name.to_owned(),
                result,
            }
        })
        .collect()
}

/// Reads a vector's file `dir/file`, naming the file in the failure.
pub fn read(dir: &std::path::Path, file: &str) -> Result<Vec<u8>, Failure> {
    read_fixture(dir, file).map_err(Failure::from)
}

/// Reads a file all vectors share (the manifest, a key), naming it in the error.
pub fn read_fixture(dir: &std::path::Path, file: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(dir.join(file)).map_err(|e| Error::Read {
        file: file.to_owned(),
        detail: e.to_string(),
    })
}

/// `Ok` when equal, otherwise the first difference, prefixed with `what`.
pub fn expect_eq(what: &str, expected: &[u8], actual: &[u8]) -> Result<(), Failure> {
    first_difference(expected, actual).map_or(Ok(()), |d| Err(Failure(format!("{what}: {d}"))))
}

/// A response vector: the body in `dir/body`, summarised in one line by `summary`, must read
/// `expected` (`accepted`, `refused 7 ...`, `malformed`).
pub fn expect_summary(
    dir: &std::path::Path,
    body: &str,
    expected: &str,
    summary: impl FnOnce(&[u8]) -> String,
) -> Result<(), Failure> {
    let got = summary(&read(dir, body)?);
    expect_eq("outcome", expected.as_bytes(), got.as_bytes())
}

/// `Ok` when the report holds exactly the `expected` violations, each written
/// `"<severity> <path> <code>"`, in order.
pub fn expect_violations(report: &crate::Report, expected: &[String]) -> Result<(), Failure> {
    let found: Vec<String> = report
        .violations()
        .iter()
        .map(|v| format!("{} {} {}", v.severity, v.path, v.code))
        .collect();
    if found == expected {
        Ok(())
    } else {
        Err(Failure(format!(
            "violations: expected {expected:?}, found {found:?}"
        )))
    }
}

/// A decoding outcome against a vector that may expect an error: with `expected_error`, `Ok(None)`
/// when the decoding failed with an error mentioning it; without, `Ok(Some(value))` when it
/// decoded. Anything else is the vector's failure.
pub fn expect_decoded<T, E: std::fmt::Display>(
    decoded: Result<T, E>,
    expected_error: Option<&str>,
) -> Result<Option<T>, Failure> {
    match (decoded, expected_error) {
        (Ok(value), None) => Ok(Some(value)),
        (Ok(_), Some(needle)) => Err(Failure(format!(
            "decoded, expected an error mentioning {needle:?}"
        ))),
        (Err(e), Some(needle)) if e.to_string().contains(needle) => Ok(None),
        (Err(e), Some(needle)) => Err(Failure(format!("error {e} does not mention {needle:?}"))),
        (Err(e), None) => Err(Failure(format!("decode: {e}"))),
    }
}

#[cfg(test)]
mod tests;
