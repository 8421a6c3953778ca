//! The portable suite (`refundkit vectors export`): the golden vectors rewritten so that any
//! implementation, in any language, can run them. Each test carries its raw wire input inline
//! (text, or `{"base64": …}` for bytes that are not UTF-8), the reading it must produce
//! (`expected`), a `result` (`valid`, `invalid`, `acceptable`), `flags` explained in the file's
//! `notes`, and its `source`. The shape is Project Wycheproof's (C2SP/wycheproof
//! `doc/formats.md`); the JSON Schema is `testdata/vectors/schema.json`.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::Outcome;

/// What an implementation must make of a test's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// Accepted (a request that validates, an answer that states something, a token that
    /// verifies), with exactly the `expected` reading.
    Valid,
    /// Refused (a request that breaks a rule or does not decode, an answer that states
    /// nothing), with the `expected` reading where it says more.
    Invalid,
    /// Either: refundkit accepts it with a warning (a provider may refuse it).
    Acceptable,
}

/// One test, before its file numbers it.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// The file it belongs to: `<provider>_<operation>_test.json`.
    #[serde(skip)]
    pub operation: &'static str,
    /// What it is, for a human (the golden vector's name).
    pub comment: String,
    /// Its flags, each explained in the file's `notes`.
    pub flags: Vec<&'static str>,
    /// What the implementation is given.
    pub input: Value,
    /// What it must read or produce.
    pub expected: Value,
    /// Whether the input is to be accepted.
    pub result: Expectation,
    /// Where the input comes from.
    pub source: String,
}

/// Every flag a test may carry, and what it means (the files' `notes`).
pub const FLAGS: &[(&str, &str)] = &[
    (
        "Seed",
        "the example of the provider's own refund documentation, byte for byte",
    ),
    (
        "Peer",
        "a message a public client of the provider sends, records or tests (its repository and file in `source`)",
    ),
    (
        "Authored",
        "written by refundkit's authors against the provider's documentation",
    ),
    (
        "Success",
        "the answer states success in the documented shape of its method",
    ),
    (
        "Refusal",
        "the answer states a refusal, in one of the error spellings the provider or its clients use",
    ),
    (
        "InProgress",
        "the answer states that the request is still being processed: repeat it later",
    ),
    (
        "Malformed",
        "the answer states nothing: not its method's shape, another method's answer, a proxy's page, both success and an error",
    ),
    (
        "ServerFailure",
        "HTTP 5xx or 429: whatever the body says, never a refusal",
    ),
    (
        "DecodeError",
        "the input must be refused when read (an unknown, repeated or mistyped field)",
    ),
    (
        "RuleBroken",
        "the input reads, and breaks a rule the provider states (an error violation)",
    ),
    (
        "Warning",
        "the input is valid, with a warning: the provider may refuse it",
    ),
    ("ByteExact", "the output must be these bytes exactly"),
    (
        "SignatureNotChecked",
        "the signing key is not public, or no certificate is given: a token's header and payload are compared without its signature; a PKCS#7 message is read without checking it",
    ),
    (
        "Recorded",
        "an exchange recorded by `refundkit serve --record`, or captured in production in the same format",
    ),
    (
        "Notification",
        "a provider's notification: verified against its JWKS at `now` (the algorithm pinned, the key by kid, the signature, iat and exp within the leeway), or refused",
    ),
    (
        "Decision",
        "a refund's next step after an answer: `step` and the command line's exit code",
    ),
];

/// A wire input or output inline: its text when it is UTF-8, else `{"base64": …}`.
pub fn wire(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => {
            use base64::Engine as _;
            json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) })
        }
    }
}

/// Where a vector's file comes from: `Peer` (a file of `peers/`), `Seed` (the refund page's
/// example) or `Authored`.
pub fn origin(file: &str) -> &'static str {
    if file.starts_with("peers/") {
        "Peer"
    } else if file.contains("seed") {
        "Seed"
    } else {
        "Authored"
    }
}

/// The source of a vector's file, for `source`: the repository and file the `peers/`
/// README's table names for it, the refund page for the seed's examples, refundkit's authors
/// otherwise.
pub fn source_of(dir: &Path, provider: &str, file: &str) -> String {
    match origin(file) {
        "Peer" => {
            let name = file.trim_start_matches("peers/");
            let readme = std::fs::read_to_string(dir.join("peers/README.md")).unwrap_or_default();
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{name}`")));
            match row.and_then(|r| r.split('|').nth(2)) {
                Some(source) => format!("{} (testdata/{provider}/{file})", source.trim()),
                None => format!("a public client (testdata/{provider}/peers/README.md)"),
            }
        }
        "Seed" => {
            format!("the example of {provider}'s refund documentation (testdata/{provider}/{file})")
        }
        _ => format!(
            "refundkit's authors, against {provider}'s documentation (testdata/{provider}/{file})"
        ),
    }
}

/// The reading of an answer: `{"verdict", "code", "text"}`, the provider's code and text
/// verbatim (`null` when the answer has none). Each provider crate adds its method's own
/// fields (`requestId`, `operationId`, …) in its `conformance::answer_reading`.
pub fn reading<T, C: fmt::Display>(outcome: &Outcome<T, C>) -> Value {
    let (code, text) = match outcome.refusal() {
        Some(r) => (r.code.as_ref().map(ToString::to_string), r.text.clone()),
        None => (None, None),
    };
    json!({"verdict": outcome.verdict().as_str(), "code": code, "text": text})
}

/// A reading's flag, and whether the answer it reads states anything (valid) or not.
pub fn judged(http_status: u16, reading: &Value) -> (&'static str, Expectation) {
    let verdict = reading.get("verdict").and_then(Value::as_str).unwrap_or("");
    let flag = match verdict {
        "success" => "Success",
        "refused" => "Refusal",
        "in-progress" => "InProgress",
        _ if http_status == 429 || (500..600).contains(&http_status) => "ServerFailure",
        _ => "Malformed",
    };
    let result = match verdict {
        "success" | "refused" | "in-progress" => Expectation::Valid,
        _ => Expectation::Invalid,
    };
    (flag, result)
}

/// The answer in `dir/file`, received with `http_status`, as a test of `operation`: the input
/// as it came, `read`'s reading of it (the provider crate's `answer_reading`), its flag and
/// result, the file's origin and source.
pub fn answer_test(
    (dir, provider, operation): (&Path, &str, &'static str),
    comment: &str,
    http_status: u16,
    file: &str,
    read: impl FnOnce(u16, &[u8]) -> Value,
) -> Result<Exported, super::Error> {
    let body = super::read_fixture(dir, file)?;
    let reading = read(http_status, &body);
    let (flag, result) = judged(http_status, &reading);
    Ok(Exported {
        operation,
        comment: comment.to_owned(),
        flags: vec![origin(file), flag],
        input: json!({ "httpStatus": http_status, "body": wire(&body) }),
        expected: reading,
        result,
        source: source_of(dir, provider, file),
    })
}

/// A request vector's expectation from its golden form: a decode error, or its violations
/// (`"<severity> <path> <code>"`): invalid with an error, acceptable with a warning only, valid
/// otherwise; and the flag that says which.
pub fn validation(
    decode_error: bool,
    violations: &[String],
) -> (Expectation, Option<&'static str>) {
    if decode_error {
        return (Expectation::Invalid, Some("DecodeError"));
    }
    if violations.iter().any(|v| v.starts_with("error ")) {
        (Expectation::Invalid, Some("RuleBroken"))
    } else if violations.iter().any(|v| v.starts_with("warning ")) {
        (Expectation::Acceptable, Some("Warning"))
    } else {
        (Expectation::Valid, None)
    }
}

/// Strips the one trailing newline a golden text file ends with.
pub fn without_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

/// `value[key] = field` for an object (what every reading and expectation is); nothing for
/// any other value, never a panic.
pub fn set(value: &mut Value, key: &str, field: Value) {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), field);
    }
}
