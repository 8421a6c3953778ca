//! Runs `testdata/yandex-pay/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `request` (decodes, re-encodes to `encoded`, breaks exactly `violations` given the
//! optional `payment_amount` and `current` order; or fails to decode naming `decode_error`),
//! `refund` (the helper turns `order` and `products` into the bytes of `expected`), and
//! `response` (status and body read as `outcome`). `request` and `refund` take `api` (`v1`,
//! the default of vectors written before v2, or `v2`); a v2 `refund` may give
//! `external_amount` (`refundExternalAmount`).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    export, read, read_fixture, read_manifest, run_all,
};
use refundkit_core::{Outcome, Quantity, Verdict};
use serde::Deserialize;

use crate::codec::{
    decode, decode_request, decode_request_v2, encode_request, encode_request_v2, parse_response,
};
use crate::helper::{Order, Selection, refund, refund_v2};
use crate::invariants::{Context, ContextV2, check, check_v2};
use crate::types::{Operation, ReasonCode};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    provider: String,
    vectors: Vec<Vector>,
}

/// The refund method a vector is for; vectors written before v2 are v1's.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum ApiName {
    #[default]
    V1,
    V2,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum Vector {
    Request {
        name: String,
        #[serde(default)]
        api: ApiName,
        input: String,
        #[serde(default)]
        encoded: Option<String>,
        #[serde(default)]
        decode_error: Option<String>,
        #[serde(default)]
        payment_amount: Option<String>,
        #[serde(default)]
        current: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Refund {
        name: String,
        #[serde(default)]
        api: ApiName,
        #[serde(default)]
        external_amount: Option<String>,
        order: String,
        products: Vec<(String, String)>,
        #[serde(default)]
        shipping: bool,
        #[serde(default)]
        external_operation_id: Option<String>,
        expected: String,
    },
    Response {
        name: String,
        status: u16,
        body: String,
        outcome: String,
    },
}

/// One line for a refund response: `accepted <operationId> <status>`, `refused <reasonCode>`,
/// `unauthorized`, `server-error <status>`, `malformed`. The CLI prints the same line.
pub fn response_summary(outcome: &Outcome<Operation, ReasonCode>) -> String {
    match outcome {
        Outcome::Success(op) if crate::codec::refund_verdict(outcome) == Verdict::Refused => {
            format!("refused {} {}", op.operation_id, op.status.as_str())
        }
        Outcome::Success(op) => format!("accepted {} {}", op.operation_id, op.status.as_str()),
        Outcome::Refused(r) if r.http_status == 401 => "unauthorized".into(),
        Outcome::Refused(r) => format!(
            "refused {} {}",
            r.http_status,
            r.code.as_ref().map_or("(no reasonCode)", |c| c.as_str())
        ),
        Outcome::ServerError { http_status } => format!("server-error {http_status}"),
        _ => "malformed".into(),
    }
}

/// Runs every vector of `dir/vectors.json`.
pub fn run_dir(dir: &Path) -> Result<Vec<VectorResult>, Error> {
    let file: File = read_manifest(dir, "yandex-pay")?;
    Ok(run_all(&file.vectors, |v| match v {
        Vector::Request {
            name,
            api,
            input,
            encoded,
            decode_error,
            payment_amount,
            current,
            violations,
        } => (
            name,
            run_request(
                dir,
                *api,
                input,
                encoded.as_deref(),
                decode_error.as_deref(),
                &Against {
                    payment_amount: payment_amount.as_deref(),
                    current: current.as_deref(),
                    violations,
                },
            ),
        ),
        Vector::Refund {
            name,
            api,
            external_amount,
            order,
            products,
            shipping,
            external_operation_id,
            expected,
        } => (
            name,
            run_refund(
                dir,
                *api,
                order,
                products,
                Selection {
                    products: vec![],
                    shipping: *shipping,
                    external_operation_id: external_operation_id.clone(),
                    external_amount: None,
                },
                external_amount.as_deref(),
                expected,
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
    }))
}

/// What a request vector is checked against, and what it must break.
struct Against<'a> {
    payment_amount: Option<&'a str>,
    current: Option<&'a str>,
    violations: &'a [String],
}

fn run_request(
    dir: &Path,
    api: ApiName,
    input: &str,
    encoded: Option<&str>,
    decode_error: Option<&str>,
    against: &Against<'_>,
) -> Result<(), Failure> {
    let Against {
        payment_amount,
        current,
        violations,
    } = *against;
    let bytes = read(dir, input)?;
    let order: Option<Order> = current
        .map(|f| read(dir, f).and_then(|b| decode(&b).map_err(|e| Failure(e.to_string()))))
        .transpose()?;
    let payment_amount = payment_amount
        .map(|a| crate::amount::parse_amount(a).map_err(|e| e.to_string()))
        .transpose()?;
    // Golden JSON files end with a newline; the body itself has none.
    let golden = |ours: Result<Vec<u8>, refundkit_core::EncodeError>| -> Result<(), Failure> {
        let Some(file) = encoded else { return Ok(()) };
        let mut ours = ours.map_err(|e| e.to_string())?;
        ours.push(b'\n');
        expect_eq("encoded", &read(dir, file)?, &ours)
    };
    let report = match api {
        ApiName::V1 => {
            let Some(request) = expect_decoded(decode_request(&bytes), decode_error)? else {
                return Ok(());
            };
            golden(encode_request(&request))?;
            let context = Context {
                payment_amount,
                current_cart: order.as_ref().map(|o| &o.cart),
                current_shipping: order
                    .as_ref()
                    .and_then(|o| o.shipping.as_ref().map(|s| s.amount)),
                order_status: None,
            };
            check(&request, &context)
        }
        ApiName::V2 => {
            let Some(request) = expect_decoded(decode_request_v2(&bytes), decode_error)? else {
                return Ok(());
            };
            golden(encode_request_v2(&request))?;
            let context = ContextV2 {
                order: order.as_ref(),
                payment_amount,
                order_status: None,
            };
            check_v2(&request, &context)
        }
    };
    expect_violations(&report, violations)
}

fn run_refund(
    dir: &Path,
    api: ApiName,
    order: &str,
    products: &[(String, String)],
    mut selection: Selection,
    external_amount: Option<&str>,
    expected: &str,
) -> Result<(), Failure> {
    let order: Order = decode(&read(dir, order)?).map_err(|e| e.to_string())?;
    selection.products = products
        .iter()
        .map(|(id, n)| {
            Quantity::parse_decimal(n)
                .map(|q| (id.clone(), q))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    selection.external_amount = external_amount
        .map(|a| crate::amount::parse_amount(a).map_err(|e| e.to_string()))
        .transpose()?;
    let mut ours = match api {
        ApiName::V1 => encode_request(&refund(&order, &selection).map_err(|e| e.to_string())?),
        ApiName::V2 => {
            encode_request_v2(&refund_v2(&order, &selection).map_err(|e| e.to_string())?)
        }
    }
    .map_err(|e| e.to_string())?;
    ours.push(b'\n');
    expect_eq("refund body", &read(dir, expected)?, &ours)
}

/// The vectors of `dir/vectors.json` as the portable suite's tests (`refundkit vectors
/// export`): operations `request` (a refund body validated, v1 or v2), `refund_helper` (the
/// body the final-cart helper computes for an order and the products returned) and `response`.
pub fn export_dir(dir: &Path) -> Result<Vec<export::Exported>, Error> {
    let file: File = read_manifest(dir, "yandex-pay")?;
    let text = |name: &str| -> Result<serde_json::Value, Error> {
        Ok(export::wire(export::without_newline(&read_fixture(
            dir, name,
        )?)))
    };
    let api_name = |api: ApiName| if api == ApiName::V2 { "v2" } else { "v1" };
    let mut out = Vec::new();
    for vector in &file.vectors {
        out.push(match vector {
            Vector::Request {
                name,
                api,
                input,
                encoded,
                decode_error,
                payment_amount,
                current,
                violations,
            } => {
                let (result, flag) = export::validation(decode_error.is_some(), violations);
                let mut expected = serde_json::json!({
                    "decodeError": decode_error.is_some(),
                    "violations": if decode_error.is_some() { Vec::new() } else { violations.clone() },
                });
                if let Some(encoded) = encoded {
                    export::set(&mut expected, "encoded", text(encoded)?);
                }
                let current = current.as_deref().map(text).transpose()?;
                export::Exported {
                    operation: "request",
                    comment: name.clone(),
                    flags: [Some(export::origin(input)), flag].into_iter().flatten().collect(),
                    input: serde_json::json!({
                        "api": api_name(*api),
                        "body": text(input)?,
                        "paymentAmount": payment_amount,
                        "currentOrder": current,
                    }),
                    expected,
                    result,
                    source: export::source_of(dir, "yandex-pay", input),
                }
            }
            Vector::Refund {
                name,
                api,
                external_amount,
                order,
                products,
                shipping,
                external_operation_id,
                expected,
            } => export::Exported {
                operation: "refund_helper",
                comment: name.clone(),
                flags: vec![export::origin(order), "ByteExact"],
                input: serde_json::json!({
                    "api": api_name(*api),
                    "order": text(order)?,
                    "products": products,
                    "shipping": shipping,
                    "externalOperationId": external_operation_id,
                    "externalAmount": external_amount,
                }),
                expected: serde_json::json!({ "body": text(expected)? }),
                result: export::Expectation::Valid,
                source: export::source_of(dir, "yandex-pay", order),
            },
            Vector::Response {
                name, status, body, ..
            } => export::answer_test(
                (dir, "yandex-pay", "response"),
                name,
                *status,
                body,
                |s, b| answer_reading("/orders/x/refund", s, b).unwrap_or_default().1,
            )?,
        });
    }
    Ok(out)
}

/// What an answer to the request at `path` reads as, by its method (the refund,
/// `operations/{externalOperationId}`, `orders/{orderId}`): the verdict, code and text, and an
/// operation's `operationId` and `status`, or the order's `orderId`. `None` for a path that
/// is none of them.
pub fn answer_reading(
    path: &str,
    http_status: u16,
    body: &[u8],
) -> Option<(&'static str, serde_json::Value)> {
    let segments: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(3).collect();
    let operation = |outcome: &Outcome<Operation, ReasonCode>| {
        let mut reading = export::reading(outcome);
        export::set(
            &mut reading,
            "verdict",
            serde_json::json!(crate::codec::refund_verdict(outcome).as_str()),
        );
        if let Outcome::Success(op) = outcome {
            export::set(
                &mut reading,
                "operationId",
                serde_json::json!(op.operation_id),
            );
            export::set(
                &mut reading,
                "status",
                serde_json::json!(op.status.as_str()),
            );
        }
        reading
    };
    match segments.as_slice() {
        ["refund", _, "orders"] => Some((
            "orders/{orderId}/refund",
            operation(&parse_response(http_status, body)),
        )),
        [_, "operations", ..] => Some((
            "operations/{externalOperationId}",
            operation(&crate::codec::parse_operation_response(http_status, body)),
        )),
        [_, "orders", ..] => {
            let outcome = crate::codec::parse_order_response(http_status, body);
            let mut reading = export::reading(&outcome);
            if let Outcome::Success(order) = &outcome {
                export::set(&mut reading, "orderId", serde_json::json!(order.order_id));
            }
            Some(("orders/{orderId}", reading))
        }
        _ => None,
    }
}
