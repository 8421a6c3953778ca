//! Runs `testdata/yookassa-v3/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `request` (a body decodes, encodes back byte for byte to `encoded` when given, and
//! breaks exactly `violations`, against `payment_amount` when given; or fails naming
//! `decode_error`), `response` (a body at a status reads as `outcome`), `notification` (a body
//! from an address reads as `outcome`).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    export, read, read_manifest, run_all,
};
use refundkit_core::{Amount, Outcome};
use serde::Deserialize;

use crate::codec::{decode_request, encode_request, parse_response, refund_verdict};
use crate::invariants::{Context, check};
use crate::notification;
use crate::types::{ErrorCode, RefundObject};

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
        encoded: Option<String>,
        #[serde(default)]
        decode_error: Option<String>,
        #[serde(default)]
        payment_amount: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Response {
        name: String,
        #[serde(default = "ok")]
        status: u16,
        body: String,
        outcome: String,
    },
    Notification {
        name: String,
        body: String,
        from: String,
        outcome: String,
    },
}

fn ok() -> u16 {
    200
}

/// One line for an answer: `succeeded <id>`, `pending <id>`, `canceled <id> <reason>`,
/// `refused <http> <code>`, `server-error <http>`, `malformed`. The CLI prints the same line.
pub fn response_summary(outcome: &Outcome<RefundObject, ErrorCode>) -> String {
    match outcome {
        Outcome::Success(object) => match refund_verdict(outcome) {
            refundkit_core::Verdict::Refused => format!(
                "canceled {} {}",
                object.id,
                object
                    .cancellation
                    .as_ref()
                    .and_then(|c| c.reason.as_deref())
                    .unwrap_or("-")
            ),
            _ => format!("{} {}", object.status.as_str(), object.id),
        },
        Outcome::Refused(r) => format!(
            "refused {} {}",
            r.http_status,
            r.code.as_ref().map_or("-", |c| c.as_str())
        ),
        Outcome::ServerError { http_status } => format!("server-error {http_status}"),
        _ => "malformed".into(),
    }
}

/// One line for a notification: `refund.succeeded <id>` (fetch it before anything), the
/// event's name for another, or why it is refused.
pub fn notification_summary(body: &[u8], from: &str) -> String {
    let Ok(ip) = from.parse::<std::net::IpAddr>() else {
        return format!("refused: {from:?} is not an address");
    };
    match notification::check(body, ip) {
        Ok(notification::Event::RefundSucceeded(object)) => {
            format!("refund.succeeded {}", object.id)
        }
        Ok(notification::Event::Other(event)) => event,
        Err(e) => format!("refused: {e}"),
    }
}

/// Runs every vector of `dir/vectors.json`.
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, Error> {
    let file: File = read_manifest(dir, "yookassa-v3")?;
    Ok(run_all(&file.vectors, |v| run(dir, v)))
}

fn run<'v>(dir: &Path, vector: &'v Vector) -> (&'v str, Result<(), Failure>) {
    match vector {
        Vector::Request {
            name,
            input,
            encoded,
            decode_error,
            payment_amount,
            violations,
        } => (
            name,
            run_request(
                dir,
                input,
                encoded.as_deref(),
                decode_error.as_deref(),
                payment_amount.as_deref(),
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
                response_summary(&parse_response(*status, b))
            }),
        ),
        Vector::Notification {
            name,
            body,
            from,
            outcome,
        } => (
            name,
            expect_summary(dir, body, outcome, |b| notification_summary(b, from)),
        ),
    }
}

fn run_request(
    dir: &Path,
    input: &str,
    encoded: Option<&str>,
    decode_error: Option<&str>,
    payment_amount: Option<&str>,
    violations: &[String],
) -> Result<(), Failure> {
    let bytes = read(dir, input)?;
    let Some(request) = expect_decoded(
        decode_request(export::without_newline(&bytes)),
        decode_error,
    )?
    else {
        return Ok(());
    };
    if let Some(file) = encoded {
        let body = encode_request(&request).map_err(|e| format!("encode: {e}"))?;
        expect_eq("body", export::without_newline(&read(dir, file)?), &body)?;
        let back = decode_request(&body).map_err(|e| format!("decode: {e}"))?;
        if back != request {
            return Err("the body decodes to another request".into());
        }
    }
    let context = Context {
        payment_amount: payment_amount
            .map(Amount::parse_decimal)
            .transpose()
            .map_err(|e| format!("payment_amount: {e}"))?,
    };
    expect_violations(&check(&request, &context), violations)
}

/// The vectors of `dir/vectors.json` as the portable suite's tests (`refundkit vectors
/// export`): operations `request` (a body validated, or refused) and `response`.
pub fn export_dir(dir: &Path) -> Result<Vec<export::Exported>, Error> {
    let file: File = read_manifest(dir, "yookassa-v3")?;
    let mut out = Vec::new();
    for vector in &file.vectors {
        match vector {
            Vector::Request {
                name,
                input,
                decode_error,
                payment_amount,
                violations,
                ..
            } => {
                let (result, flag) = export::validation(decode_error.is_some(), violations);
                out.push(export::Exported {
                    operation: "request",
                    comment: name.clone(),
                    flags: [Some(export::origin(input)), flag]
                        .into_iter()
                        .flatten()
                        .collect(),
                    input: serde_json::json!({
                        "body": export::wire(export::without_newline(
                            &refundkit_core::conformance::read_fixture(dir, input)?
                        )),
                        "paymentAmount": payment_amount,
                    }),
                    expected: serde_json::json!({
                        "decodeError": decode_error.is_some(),
                        "violations": violations,
                    }),
                    result,
                    source: export::source_of(dir, "yookassa-v3", input),
                });
            }
            Vector::Response {
                name, status, body, ..
            } => out.push(export::answer_test(
                (dir, "yookassa-v3", "response"),
                name,
                *status,
                body,
                |s, b| answer_reading("/v3/refunds", s, b).unwrap_or_default().1,
            )?),
            Vector::Notification { .. } => {}
        }
    }
    Ok(out)
}

/// What an answer to the request at `path` reads as: `refunds` (the refund) or `refunds/{id}`
/// (its status), with the verdict (a canceled refund refused, a pending one in progress),
/// code and text, and the refund's `id` and `status`. `None` for another path.
pub fn answer_reading(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(&'static str, serde_json::Value)> {
    let method = if path.trim_end_matches('/').ends_with("/refunds") {
        "refunds"
    } else if path.trim_end_matches('/').rsplit('/').nth(1) == Some("refunds") {
        "refunds/{id}"
    } else {
        return None;
    };
    let outcome = parse_response(http_status, body);
    let mut reading = export::reading(&outcome);
    export::set(
        &mut reading,
        "verdict",
        serde_json::json!(refund_verdict(&outcome).as_str()),
    );
    if let Outcome::Success(object) = &outcome {
        export::set(&mut reading, "id", serde_json::json!(object.id));
        export::set(
            &mut reading,
            "status",
            serde_json::json!(object.status.as_str()),
        );
    }
    Some((method, reading))
}
