//! Runs `testdata/rbs/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `encode` (a JSON input encodes to the bytes of `form`, and the form decodes back to
//! the same request; or breaks exactly `violations`), `decode` (a form body decodes, or fails
//! naming `decode_error`), `response` (a body reads as `outcome`).

use std::path::Path;

use refundkit_core::conformance::{Outcome, expect_decoded, expect_eq, expect_violations, read};
use serde::Deserialize;

use crate::codec::{DecodeError, decode_request, encode_request, parse_response};
use crate::types::{ErrorCode, RefundResponse};
use crate::{request_from_json, validate};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    provider: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum Vector {
    Encode {
        name: String,
        input: String,
        #[serde(default)]
        form: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Decode {
        name: String,
        form: String,
        #[serde(default)]
        decode_error: Option<String>,
    },
    Response {
        name: String,
        body: String,
        outcome: String,
    },
}

/// One line for a response: `accepted`, `refused <code> <cause>: <message>`, `malformed`.
/// The CLI prints the same line.
pub fn response_summary(response: &Result<RefundResponse, DecodeError>) -> String {
    match response {
        Ok(r) if r.error_code == ErrorCode::Success => "accepted".into(),
        Ok(r) => format!(
            "refused {} {}: {}",
            r.error_code.code(),
            r.error_code.cause(),
            r.error_message.as_deref().unwrap_or("")
        ),
        Err(_) => "malformed".into(),
    }
}

/// Form files hold the body and one newline.
fn strip_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}

/// Runs every vector of `dir/vectors.json`.
pub fn run_dir(dir: &Path) -> Result<Vec<Outcome>, String> {
    let file: File = serde_json::from_slice(&read(dir, "vectors.json")?)
        .map_err(|e| format!("vectors.json: {e}"))?;
    if file.provider != "rbs" {
        return Err(format!("vectors.json is for {}, not rbs", file.provider));
    }
    Ok(file
        .vectors
        .iter()
        .map(|v| {
            let (name, result) = match v {
                Vector::Encode {
                    name,
                    input,
                    form,
                    violations,
                } => (name, run_encode(dir, input, form.as_deref(), violations)),
                Vector::Decode {
                    name,
                    form,
                    decode_error,
                } => (
                    name,
                    read(dir, form).and_then(|b| {
                        expect_decoded(decode_request(&strip_newline(b)), decode_error.as_deref())
                            .map(|_| ())
                    }),
                ),
                Vector::Response {
                    name,
                    body,
                    outcome,
                } => (
                    name,
                    read(dir, body).and_then(|b| {
                        let got = response_summary(&parse_response(&b));
                        expect_eq("outcome", outcome.as_bytes(), got.as_bytes())
                    }),
                ),
            };
            Outcome {
                name: name.clone(),
                result,
            }
        })
        .collect())
}

fn run_encode(
    dir: &Path,
    input: &str,
    form: Option<&str>,
    violations: &[String],
) -> Result<(), String> {
    let request = request_from_json(&read(dir, input)?).map_err(|e| format!("input: {e}"))?;
    let body = encode_request(&request);
    if let Some(file) = form {
        expect_eq(
            "form body",
            &strip_newline(read(dir, file)?),
            body.as_bytes(),
        )?;
    }
    let back = decode_request(body.as_bytes()).map_err(|e| format!("decode: {e}"))?;
    if back != request {
        return Err("the form decodes to another request".into());
    }
    expect_violations(&validate(&request), violations)
}
