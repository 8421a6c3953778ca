//! Runs `testdata/yandex-pay/vectors.json`: the golden tests, and `refundkit conform`.
//!
//! Kinds: `request` (decodes, re-encodes to `encoded`, breaks exactly `violations` given the
//! optional `payment_amount` and `current` order; or fails to decode naming `decode_error`),
//! `refund` (the helper turns `order` and `products` into the bytes of `expected`), and
//! `response` (status and body read as `outcome`).

use std::path::Path;

use refundkit_core::conformance::{
    Error, Failure, VectorResult, expect_decoded, expect_eq, expect_summary, expect_violations,
    read, read_manifest, run_all,
};
use refundkit_core::{Outcome, Quantity};
use serde::Deserialize;

use crate::codec::{decode, decode_request, encode_request, parse_response};
use crate::helper::{Order, Selection, refund};
use crate::invariants::{Context, check};
use crate::types::{Operation, ReasonCode};

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
        current: Option<String>,
        #[serde(default)]
        violations: Vec<String>,
    },
    Refund {
        name: String,
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
                input,
                encoded.as_deref(),
                decode_error.as_deref(),
                payment_amount.as_deref(),
                current.as_deref(),
                violations,
            ),
        ),
        Vector::Refund {
            name,
            order,
            products,
            shipping,
            external_operation_id,
            expected,
        } => (
            name,
            run_refund(
                dir,
                order,
                products,
                *shipping,
                external_operation_id.clone(),
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

fn run_request(
    dir: &Path,
    input: &str,
    encoded: Option<&str>,
    decode_error: Option<&str>,
    payment_amount: Option<&str>,
    current: Option<&str>,
    violations: &[String],
) -> Result<(), Failure> {
    let bytes = read(dir, input)?;
    let Some(request) = expect_decoded(decode_request(&bytes), decode_error)? else {
        return Ok(());
    };
    if let Some(file) = encoded {
        // Golden JSON files end with a newline; the body itself has none.
        let mut ours = encode_request(&request).map_err(|e| e.to_string())?;
        ours.push(b'\n');
        expect_eq("encoded", &read(dir, file)?, &ours)?;
    }
    let order: Option<Order> = current
        .map(|f| read(dir, f).and_then(|b| decode(&b).map_err(|e| Failure(e.to_string()))))
        .transpose()?;
    let context = Context {
        payment_amount: payment_amount
            .map(|a| crate::amount::parse_amount(a).map_err(|e| e.to_string()))
            .transpose()?,
        current_cart: order.as_ref().map(|o| &o.cart),
        current_shipping: order
            .as_ref()
            .and_then(|o| o.shipping.as_ref().map(|s| s.amount)),
        order_status: None,
    };
    expect_violations(&check(&request, &context), violations)
}

fn run_refund(
    dir: &Path,
    order: &str,
    products: &[(String, String)],
    shipping: bool,
    external_operation_id: Option<String>,
    expected: &str,
) -> Result<(), Failure> {
    let order: Order = decode(&read(dir, order)?).map_err(|e| e.to_string())?;
    let products = products
        .iter()
        .map(|(id, n)| {
            Quantity::parse_decimal(n)
                .map(|q| (id.clone(), q))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = refund(
        &order,
        &Selection {
            products,
            shipping,
            external_operation_id,
        },
    )
    .map_err(|e| e.to_string())?;
    let mut ours = encode_request(&body).map_err(|e| e.to_string())?;
    ours.push(b'\n');
    expect_eq("refund body", &read(dir, expected)?, &ours)
}
