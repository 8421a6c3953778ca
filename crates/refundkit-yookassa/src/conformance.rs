//! Runs `testdata/yookassa/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `request` (XML input reads, writes to the `canonical` bytes and breaks exactly the
//! listed rules, or fails to read with an error naming `read_error`), `response` (reads as the
//! listed outcome), `pkcs7` (opens, unverified or under a certificate, to the content bytes,
//! or fails with the listed error).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    export, read, read_manifest, run_all,
};
use refundkit_pkcs7::{Certificate, Trust};
use serde::Deserialize;

use refundkit_core::Outcome;

use crate::codec::{decode_request, encode_request, open_response};
use crate::invariants::check;
use crate::types::{ErrorCode, MwsResponse};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    provider: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum Vector {
    Request {
        name: String,
        input: String,
        #[serde(default)]
        canonical: Option<String>,
        #[serde(default)]
        read_error: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Response {
        name: String,
        /// The HTTP status the body came with (200 when not given).
        #[serde(default = "ok")]
        status: u16,
        body: String,
        outcome: String,
    },
    Pkcs7 {
        name: String,
        message: String,
        #[serde(default)]
        certificate: Option<String>,
        #[serde(default)]
        content: Option<String>,
        #[serde(default)]
        error: Option<String>,
    },
}

fn ok() -> u16 {
    200
}

/// One line for a `returnPayment` answer: `done`, `in-progress`, `refused <code> <meaning>`,
/// or `malformed`. The CLI prints the same line.
pub fn response_summary(response: &Outcome<MwsResponse, ErrorCode>) -> String {
    match response {
        Outcome::Success(_) => "done".into(),
        Outcome::InProgress(_) => "in-progress".into(),
        Outcome::Refused(r) => match r.code {
            Some(e) => format!("refused {} {}", e.code(), e.description()),
            None => "refused (no error code)".into(),
        },
        _ => "malformed".into(),
    }
}

/// Runs every vector of `dir/vectors.json`.
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, Error> {
    let file: File = read_manifest(dir, "yookassa")?;
    Ok(run_all(&file.vectors, |v| match v {
        Vector::Request {
            name,
            input,
            canonical,
            read_error,
            violations,
        } => (
            name,
            run_request(
                dir,
                input,
                canonical.as_deref(),
                read_error.as_deref(),
                violations,
            ),
        ),
        Vector::Response {
            name,
            status,
            body,
            outcome,
        } => (
            name,
            expect_summary(dir, body, outcome, |b| {
                response_summary(&open_response(*status, b, Trust::InsecureSkipSignature))
            }),
        ),
        Vector::Pkcs7 {
            name,
            message,
            certificate,
            content,
            error,
        } => (
            name,
            run_pkcs7(
                dir,
                message,
                certificate.as_deref(),
                content.as_deref(),
                error.as_deref(),
            ),
        ),
    }))
}

fn run_request(
    dir: &Path,
    input: &str,
    canonical: Option<&str>,
    read_error: Option<&str>,
    violations: &[String],
) -> Result<(), Failure> {
    let bytes = read(dir, input)?;
    let Some(request) = expect_decoded(decode_request(&bytes), read_error)? else {
        return Ok(());
    };
    if let Some(file) = canonical {
        let ours = encode_request(&request).map_err(|e| e.to_string())?;
        expect_eq("canonical XML", &read(dir, file)?, &ours)?;
        let again = decode_request(&ours).map_err(|e| format!("re-read: {e}"))?;
        if again != request {
            return Err("canonical XML reads back to a different request".into());
        }
    }
    expect_violations(&check(&request), violations)
}

fn run_pkcs7(
    dir: &Path,
    message: &str,
    certificate: Option<&str>,
    content: Option<&str>,
    error: Option<&str>,
) -> Result<(), Failure> {
    let bytes = read(dir, message)?;
    let cert = certificate
        .map(|c| {
            read(dir, c)
                .and_then(|b| Certificate::from_pem_or_der(&b).map_err(|e| Failure(e.to_string())))
        })
        .transpose()?;
    let trust = cert
        .as_ref()
        .map_or(Trust::InsecureSkipSignature, Trust::Certificate);
    match (refundkit_pkcs7::open(&bytes, trust), error) {
        (Ok(opened), None) => match content {
            Some(file) => expect_eq("content", &read(dir, file)?, &opened.content),
            None => Ok(()),
        },
        (Ok(_), Some(e)) => Err(format!("opened, expected {e:?}").into()),
        (Err(got), Some(e)) if got.to_string().contains(e) => Ok(()),
        (Err(got), _) => Err(format!("open: {got}").into()),
    }
}

/// The vectors of `dir/vectors.json` as the portable suite's tests (`refundkit vectors
/// export`): operations `request` (a returnPaymentRequest XML read, validated, and written
/// canonically), `response` (an MWS answer, XML or PKCS#7, read without checking the
/// signature) and `pkcs7` (a signed message opened, its content byte for byte, or refused).
pub fn export_dir(dir: &Path) -> Result<Vec<export::Exported>, Error> {
    let file: File = read_manifest(dir, "yookassa")?;
    let fixture = |name: &str| refundkit_core::conformance::read_fixture(dir, name);
    let mut out = Vec::new();
    for vector in &file.vectors {
        out.push(match vector {
            Vector::Request {
                name,
                input,
                canonical,
                read_error,
                violations,
            } => {
                let (result, flag) = export::validation(read_error.is_some(), violations);
                let mut expected = serde_json::json!({
                    "decodeError": read_error.is_some(),
                    "violations": if read_error.is_some() { Vec::new() } else { violations.clone() },
                });
                let mut flags: Vec<&'static str> = vec![export::origin(input)];
                flags.extend(flag);
                if let Some(canonical) = canonical {
                    export::set(&mut expected, "canonical", export::wire(&fixture(canonical)?));
                    flags.push("ByteExact");
                }
                export::Exported {
                    operation: "request",
                    comment: name.clone(),
                    flags,
                    input: serde_json::json!({ "xml": export::wire(&fixture(input)?) }),
                    expected,
                    result,
                    source: export::source_of(dir, "yookassa", input),
                }
            }
            Vector::Response {
                name, status, body, ..
            } => {
                let mut signed = false;
                let mut test =
                    export::answer_test((dir, "yookassa", "response"), name, *status, body, |s, b| {
                        signed = !b.trim_ascii_start().starts_with(b"<");
                        answer_reading("/returnPayment", s, b).unwrap_or_default().1
                    })?;
                if signed {
                    test.flags.push("SignatureNotChecked");
                }
                test
            }
            Vector::Pkcs7 {
                name,
                message,
                certificate,
                content,
                error,
            } => {
                let (result, flag) = export::validation(error.is_some(), &[]);
                let content = content.as_deref().map(fixture).transpose()?;
                let mut flags: Vec<&'static str> = vec![export::origin(message)];
                flags.extend(flag);
                if certificate.is_none() {
                    flags.push("SignatureNotChecked");
                }
                export::Exported {
                    operation: "pkcs7",
                    comment: name.clone(),
                    flags,
                    input: serde_json::json!({
                        "message": export::wire(&fixture(message)?),
                        "certificate": certificate.as_deref().map(fixture).transpose()?.map(|c| export::wire(&c)),
                    }),
                    expected: serde_json::json!({
                        "error": error.is_some(),
                        "content": content.map(|c| export::wire(&c)),
                    }),
                    result,
                    source: export::source_of(dir, "yookassa", message),
                }
            }
        });
    }
    Ok(out)
}

/// What an answer to the request at `path` reads as, by its method: `returnPayment` (XML or
/// PKCS#7, read without checking the signature: a transcript or a test has no provider
/// certificate to trust) reads as the verdict, MWS's `error` code and its `techMessage`;
/// `listReturns` as the same and its `entries` (how many). `None` for another path.
pub fn answer_reading(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(&'static str, serde_json::Value)> {
    if path.ends_with("/returnPayment") {
        let outcome = open_response(http_status, body, Trust::InsecureSkipSignature);
        Some(("returnPayment", export::reading(&outcome)))
    } else if path.ends_with("/listReturns") {
        let reading = match crate::codec::read_list_returns(body) {
            Ok(list) if (200..300).contains(&http_status) => {
                let (verdict, code) = match list.root.status {
                    crate::types::Status::Done => ("success", None),
                    crate::types::Status::InProgress => ("in-progress", None),
                    _ => ("refused", list.root.error.as_ref().map(ToString::to_string)),
                };
                serde_json::json!({
                    "verdict": verdict,
                    "code": code,
                    "text": if verdict == "refused" { list.root.tech_message.clone() } else { None },
                    "entries": list.entries.len(),
                })
            }
            _ => serde_json::json!({"verdict": "malformed", "code": null, "text": null}),
        };
        Some(("listReturns", reading))
    } else {
        None
    }
}
