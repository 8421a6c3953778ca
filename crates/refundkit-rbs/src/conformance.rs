//! Runs `testdata/rbs/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `encode` (a JSON input encodes to the bytes of `form`, and the form decodes back to
//! the same request; or breaks exactly `violations`), `decode` (a form body decodes, or fails
//! naming `decode_error`), `response` (a body reads as `outcome`).

use std::path::Path;

use refundkit_core::conformance::{
    VectorResult, expect_decoded, expect_eq, expect_violations, read,
};
use serde::Deserialize;

use refundkit_core::Outcome;

use crate::codec::{decode_request, encode_request, parse_response};
use crate::types::{Accepted, ErrorCode};
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
        /// The HTTP status the body came with (200 when not given).
        #[serde(default = "ok")]
        status: u16,
        body: String,
        outcome: String,
    },
}

fn ok() -> u16 {
    200
}

/// One line for a response: `accepted`, `refused <code> <cause>: <message>` (`refused - request
/// refused: <message>` when the error has no code), `malformed`. The
/// CLI prints the same line.
pub fn response_summary(response: &Outcome<Accepted, ErrorCode>) -> String {
    match response {
        Outcome::Success(_) => "accepted".into(),
        Outcome::Refused(r) => match &r.code {
            Some(code) => format!(
                "refused {} {}: {}",
                code.code(),
                code.cause(),
                r.text.as_deref().unwrap_or("")
            ),
            None => format!(
                "refused - request refused: {}",
                r.text.as_deref().unwrap_or("")
            ),
        },
        _ => "malformed".into(),
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
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, String> {
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
                    status,
                    body,
                    outcome,
                } => (
                    name,
                    read(dir, body).and_then(|b| {
                        let got = response_summary(&parse_response(*status, &b));
                        expect_eq("outcome", outcome.as_bytes(), got.as_bytes())
                    }),
                ),
            };
            VectorResult {
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
