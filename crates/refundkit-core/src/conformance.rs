//! Helpers for golden-vector runners: each provider crate has a `conformance` module that
//! reads `testdata/<provider>/vectors.json` (layout in `testdata/README.md`).

/// One vector's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorResult {
    /// The vector's name.
    pub name: String,
    /// `Err` with the first difference found.
    pub result: Result<(), String>,
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

/// Reads `dir/file`, naming the file in the error.
pub fn read(dir: &std::path::Path, file: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))
}

/// `Ok` when equal, otherwise the first difference, prefixed with `what`.
pub fn expect_eq(what: &str, expected: &[u8], actual: &[u8]) -> Result<(), String> {
    first_difference(expected, actual).map_or(Ok(()), |d| Err(format!("{what}: {d}")))
}

/// `Ok` when the report holds exactly the `expected` violations, each written
/// `"<severity> <path> <code>"`, in order.
pub fn expect_violations(report: &crate::Report, expected: &[String]) -> Result<(), String> {
    let found: Vec<String> = report
        .violations()
        .iter()
        .map(|v| format!("{} {} {}", v.severity, v.path, v.code))
        .collect();
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "violations: expected {expected:?}, found {found:?}"
        ))
    }
}

/// A decoding outcome against a vector that may expect an error: with `expected_error`, `Ok(None)`
/// when the decoding failed with an error mentioning it; without, `Ok(Some(value))` when it
/// decoded. Anything else is the vector's failure.
pub fn expect_decoded<T, E: std::fmt::Display>(
    decoded: Result<T, E>,
    expected_error: Option<&str>,
) -> Result<Option<T>, String> {
    match (decoded, expected_error) {
        (Ok(value), None) => Ok(Some(value)),
        (Ok(_), Some(needle)) => Err(format!("decoded, expected an error mentioning {needle:?}")),
        (Err(e), Some(needle)) if e.to_string().contains(needle) => Ok(None),
        (Err(e), Some(needle)) => Err(format!("error {e} does not mention {needle:?}")),
        (Err(e), None) => Err(format!("decode: {e}")),
    }
}

#[cfg(test)]
mod tests;
