//! Runs `testdata/rbs/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `encode` (a JSON input encodes to the bytes of `form`, and the form decodes back to
//! the same request; or breaks exactly `violations`), `decode` (a form body decodes, or fails
//! naming `decode_error`), `response` (a body reads as `outcome`). `api` (`rest`, the default,
//! or `ecom`) says which gateway's body and rules an `encode` or `decode` vector is about:
//! for `ecom`, `form` is Sber's ecom JSON body.

use std::path::Path;

use refundkit_core::Outcome;
use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    export, read, read_manifest, run_all,
};
use serde::Deserialize;

use crate::codec::{
    decode_ecom_request, decode_request, encode_ecom_request, encode_request, parse_response,
    request_from_json,
};
use crate::invariants::check_for;
use crate::types::{Accepted, Dialect, ErrorCode, OrderStatus};

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
    Encode {
        name: String,
        #[serde(default)]
        api: Api,
        input: String,
        #[serde(default)]
        form: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Decode {
        name: String,
        #[serde(default)]
        api: Api,
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

/// A vector's gateway API.
#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Api {
    #[default]
    Rest,
    Ecom,
}

impl Api {
    fn dialect(self) -> Dialect {
        match self {
            Api::Rest => Dialect::Rest,
            Api::Ecom => Dialect::Ecom,
        }
    }

    fn decode(self, body: &[u8]) -> Result<crate::RefundRequest, refundkit_core::DecodeError> {
        match self {
            Api::Rest => decode_request(body),
            Api::Ecom => decode_ecom_request(body),
        }
    }
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
                code.as_str(),
                code.describe(r.text.as_deref()),
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

/// One line for a getOrderStatusExtended.do answer: `order <status> (<meaning>) deposited <n>
/// refunded <n>` (minor units; `-` when absent), or as [`response_summary`] for the rest.
pub fn status_summary(answer: &Outcome<OrderStatus, ErrorCode>) -> String {
    match answer {
        Outcome::Success(order) => {
            let info = order.payment_amount_info.clone().unwrap_or_default();
            let n = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
            format!(
                "order {} ({}) deposited {} refunded {}",
                order.order_status.as_str(),
                order
                    .order_status
                    .meaning()
                    .map_or("unknown status", |m| m.trim_end_matches('.')),
                n(info.deposited_amount),
                n(info.refunded_amount)
            )
        }
        Outcome::Refused(r) => response_summary(&Outcome::Refused(r.clone())),
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
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, Error> {
    let file: File = read_manifest(dir, "rbs")?;
    Ok(run_all(&file.vectors, |v| run(dir, v)))
}

fn run<'v>(dir: &Path, vector: &'v Vector) -> (&'v str, Result<(), Failure>) {
    match vector {
        Vector::Encode {
            name,
            api,
            input,
            form,
            violations,
        } => (
            name,
            run_encode(dir, *api, input, form.as_deref(), violations),
        ),
        Vector::Decode {
            name,
            api,
            form,
            decode_error,
        } => (
            name,
            read(dir, form).and_then(|b| {
                expect_decoded(api.decode(&strip_newline(b)), decode_error.as_deref()).map(|_| ())
            }),
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
    }
}

fn run_encode(
    dir: &Path,
    api: Api,
    input: &str,
    form: Option<&str>,
    violations: &[String],
) -> Result<(), Failure> {
    let request = request_from_json(&read(dir, input)?).map_err(|e| format!("input: {e}"))?;
    let body = match api {
        Api::Rest => encode_request(&request).map_err(|e| format!("encode: {e}"))?,
        Api::Ecom => encode_ecom_request(&request),
    };
    if let Some(file) = form {
        expect_eq("body", &strip_newline(read(dir, file)?), &body)?;
    }
    let back = api.decode(&body).map_err(|e| format!("decode: {e}"))?;
    if back != request {
        return Err("the body decodes to another request".into());
    }
    expect_violations(&check_for(&request, api.dialect()), violations)
}

/// The vectors of `dir/vectors.json` as the portable suite's tests (`refundkit vectors
/// export`): operations `encode` (a request's fields, JSON, to its form body: `rest`, or Sber's
/// ecom JSON body: `ecom`), `decode` (a form body read, or refused) and `response`.
pub fn export_dir(dir: &Path) -> Result<Vec<export::Exported>, Error> {
    let file: File = read_manifest(dir, "rbs")?;
    let api_name = |api: Api| match api {
        Api::Rest => "rest",
        Api::Ecom => "ecom",
    };
    let mut out = Vec::new();
    for vector in &file.vectors {
        out.push(match vector {
            Vector::Encode {
                name,
                api,
                input,
                form,
                violations,
            } => {
                let (result, flag) = export::validation(false, violations);
                let mut expected = serde_json::json!({ "violations": violations });
                let mut flags = vec![export::origin(input)];
                flags.extend(flag);
                if let Some(form) = form {
                    export::set(
                        &mut expected,
                        "form",
                        export::wire(&strip_newline(refundkit_core::conformance::read_fixture(
                            dir, form,
                        )?)),
                    );
                    flags.push("ByteExact");
                }
                export::Exported {
                    operation: "encode",
                    comment: name.clone(),
                    flags,
                    input: serde_json::json!({
                        "api": api_name(*api),
                        "fields": export::wire(export::without_newline(
                            &refundkit_core::conformance::read_fixture(dir, input)?
                        )),
                    }),
                    expected,
                    result,
                    source: export::source_of(dir, "rbs", input),
                }
            }
            Vector::Decode {
                name,
                api,
                form,
                decode_error,
            } => {
                let (result, flag) = export::validation(decode_error.is_some(), &[]);
                export::Exported {
                    operation: "decode",
                    comment: name.clone(),
                    flags: [Some(export::origin(form)), flag]
                        .into_iter()
                        .flatten()
                        .collect(),
                    input: serde_json::json!({
                        "api": api_name(*api),
                        "form": export::wire(&strip_newline(
                            refundkit_core::conformance::read_fixture(dir, form)?
                        )),
                    }),
                    expected: serde_json::json!({ "decodeError": decode_error.is_some() }),
                    result,
                    source: export::source_of(dir, "rbs", form),
                }
            }
            Vector::Response {
                name, status, body, ..
            } => export::answer_test((dir, "rbs", "response"), name, *status, body, |s, b| {
                answer_reading("/refund.do", s, b).unwrap_or_default().1
            })?,
        });
    }
    Ok(out)
}

/// What an answer to the request at `path` reads as, by its method (`refund.do`,
/// `getOrderStatusExtended.do`, on the REST API or Sber's ecom one): the verdict, code and
/// text, and for the status its `orderStatus`, `depositedAmount` and `refundedAmount` (minor
/// units). `None` for a path that is none of them.
pub fn answer_reading(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(&'static str, serde_json::Value)> {
    if path.ends_with("/refund.do") {
        Some((
            "refund.do",
            export::reading(&parse_response(http_status, body)),
        ))
    } else if path.ends_with("/getOrderStatusExtended.do") {
        let outcome = crate::codec::parse_status_response(http_status, body);
        let mut reading = export::reading(&outcome);
        if let Outcome::Success(order) = &outcome {
            let info = order.payment_amount_info.clone().unwrap_or_default();
            export::set(
                &mut reading,
                "orderStatus",
                serde_json::json!(order.order_status.as_str()),
            );
            export::set(
                &mut reading,
                "depositedAmount",
                serde_json::json!(info.deposited_amount),
            );
            export::set(
                &mut reading,
                "refundedAmount",
                serde_json::json!(info.refunded_amount),
            );
        }
        Some(("getOrderStatusExtended.do", reading))
    } else {
        None
    }
}
