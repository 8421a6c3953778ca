//! Yandex Pay's merchant API: the v1 and v2 refunds check the `Api-Key`, the order's status
//! and what remains, and `externalOperationId` as the idempotency key; an operation is
//! `PENDING` until it settles, then `SUCCESS`, and its `OPERATION_STATUS_UPDATED` notification
//! is signed ES256 under the scenario's key.

use std::time::{Duration, SystemTime};

use http::{Method, Request, Response, StatusCode, header};
use refundkit_core::Amount;
use refundkit_yandex_pay::webhook::NotificationSigner;
use refundkit_yandex_pay::{decode_request, decode_request_v2};
use serde_json::json;

use crate::scenario::{Scenario, ScenarioError, YandexPayScenario};
use crate::unix;

#[derive(Debug)]
struct Operation {
    operation_id: String,
    external_id: Option<String>,
    order_id: String,
    amount: Amount,
    success: bool,
    created: SystemTime,
    /// The refund's body: a repeat with the same id must carry the same arguments.
    body: Vec<u8>,
}

#[derive(Debug)]
struct Order {
    order_id: String,
    /// What was captured, as the scenario gives it.
    captured: Amount,
    /// What remains (refunds in progress taken off).
    amount: Amount,
    status: String,
}

#[derive(Debug)]
pub(crate) struct Emulator {
    api_key: String,
    settle: Duration,
    orders: Vec<Order>,
    operations: Vec<Operation>,
    notify_url: Option<String>,
    signer: Option<NotificationSigner>,
}

fn fail(status: StatusCode, code: &str, reason: &str) -> Response<Vec<u8>> {
    crate::json(
        status,
        &json!({"status": "fail", "code": status.as_u16(), "reasonCode": code, "reason": reason}),
    )
}

impl Emulator {
    pub(crate) fn new(s: &YandexPayScenario, scenario: &Scenario) -> Result<Self, ScenarioError> {
        let signer = match &s.signing_key {
            Some(path) => Some(
                NotificationSigner::from_pkcs8(&scenario.read(path)?, s.kid.clone()).map_err(
                    |e| ScenarioError::File {
                        path: path.clone(),
                        detail: e.to_string(),
                    },
                )?,
            ),
            None => None,
        };
        Ok(Emulator {
            api_key: s.api_key.clone(),
            settle: Duration::from_secs(s.settle_seconds),
            orders: s
                .orders
                .iter()
                .map(|o| Order {
                    order_id: o.order_id.clone(),
                    captured: o.amount,
                    amount: o.amount,
                    status: o.status.clone(),
                })
                .collect(),
            operations: Vec::new(),
            notify_url: s.notify_url.clone(),
            signer,
        })
    }

    /// The JWKS that verifies this emulator's notifications.
    pub(crate) fn jwks(&self) -> Option<String> {
        self.signer.as_ref().map(NotificationSigner::jwks_json)
    }

    pub(crate) fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        path: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        let authorised = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Api-Key "))
            == Some(self.api_key.as_str());
        if !authorised {
            return fail(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "the API key is wrong",
            );
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (request.method(), segments.as_slice()) {
            (
                &Method::POST,
                [
                    "api",
                    "merchant",
                    version @ ("v1" | "v2"),
                    "orders",
                    id,
                    "refund",
                ],
            ) => self.refund(id, *version == "v2", request.body(), now),
            (&Method::GET, ["api", "merchant", "v1", "operations", id]) => {
                match self
                    .operations
                    .iter()
                    .find(|o| o.external_id.as_deref() == Some(*id))
                {
                    Some(op) => ok(op),
                    None => fail(
                        StatusCode::NOT_FOUND,
                        "OPERATION_NOT_FOUND",
                        "no such operation",
                    ),
                }
            }
            (&Method::GET, ["api", "merchant", "v1", "orders", id]) => self.order(id),
            _ => crate::text(
                StatusCode::NOT_FOUND,
                "not a Yandex Pay merchant API method",
            ),
        }
    }

    fn refund(
        &mut self,
        order_id: &str,
        v2: bool,
        body: &[u8],
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        let parsed = if v2 {
            decode_request_v2(body).map(|r| {
                (
                    r.refund_amount,
                    None,
                    r.external_operation_id,
                    r.target_cart.is_none() && r.refund_cart.is_none(),
                )
            })
        } else {
            decode_request(body).map(|r| {
                (
                    r.refund_amount,
                    Some(r.order_amount),
                    r.external_operation_id,
                    false,
                )
            })
        };
        let (refund, order_after, external_id, full) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(StatusCode::BAD_REQUEST, "BAD_REQUEST", &e.to_string()),
        };
        if let Some(id) = &external_id {
            if let Some(op) = self
                .operations
                .iter()
                .find(|o| o.external_id.as_ref() == Some(id))
            {
                // The same id and arguments while unfinished: the same operation.
                return if !op.success && op.body == body {
                    ok(op)
                } else {
                    fail(
                        StatusCode::BAD_REQUEST,
                        "DUPLICATE_EXTERNAL_OPERATION_ID",
                        "an operation with this externalOperationId already exists",
                    )
                };
            }
        }
        let Some(order) = self.orders.iter_mut().find(|o| o.order_id == order_id) else {
            return fail(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order");
        };
        if order.status != "CAPTURED" && order.status != "PARTIALLY_REFUNDED" {
            return fail(
                StatusCode::BAD_REQUEST,
                "INVALID_PAYMENT_STATUS",
                &order.status,
            );
        }
        // A refund of nothing is no refund: refused, and no operation is created for it (the
        // v2 page: refundAmount is the sum returned; refundkit's rules refuse 0.00 too).
        if refund.is_zero() {
            return fail(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "refundAmount must be above 0.00",
            );
        }
        if refund > order.amount {
            return fail(
                StatusCode::BAD_REQUEST,
                "REFUND_AMOUNT_TOO_LARGE",
                "more than the order holds",
            );
        }
        let left = order.amount.checked_sub(refund).unwrap_or(Amount::ZERO);
        let agrees = match order_after {
            Some(after) => after == left,
            None => !full || left.is_zero(),
        };
        if !agrees {
            return fail(
                StatusCode::BAD_REQUEST,
                "ORDER_AMOUNT_MISMATCH",
                "the final order does not add up",
            );
        }
        order.amount = left;
        let op = Operation {
            operation_id: format!(
                "5d32f295-0000-4000-8000-{:012}",
                self.operations.len().saturating_add(1)
            ),
            external_id,
            order_id: order_id.to_owned(),
            amount: refund,
            success: false,
            created: now,
            body: body.to_vec(),
        };
        let response = ok(&op);
        self.operations.push(op);
        response
    }

    fn order(&self, order_id: &str) -> Response<Vec<u8>> {
        let Some(order) = self.orders.iter().find(|o| o.order_id == order_id) else {
            return fail(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order");
        };
        let operations: Vec<serde_json::Value> = self
            .operations
            .iter()
            .filter(|o| o.order_id == order_id)
            .map(operation_json)
            .collect();
        crate::json(
            StatusCode::OK,
            &json!({"status": "success", "code": 200, "data": {
                "order": {"orderId": order.order_id, "paymentStatus": order.status},
                "operations": operations
            }}),
        )
    }

    /// Settles the operations whose time has come; their notifications.
    /// What the provider holds (`GET /_sim/state`): each order, what its `SUCCESS` refund
    /// operations add up to, those in order, and those still `PENDING`.
    pub(crate) fn view(&self) -> serde_json::Value {
        let orders: Vec<serde_json::Value> = self
            .orders
            .iter()
            .map(|o| {
                let mine = || {
                    self.operations
                        .iter()
                        .filter(|op| op.order_id == o.order_id)
                };
                let refunded = mine()
                    .filter(|op| op.success)
                    .try_fold(Amount::ZERO, |sum, op| sum.checked_add(op.amount))
                    .unwrap_or(o.captured);
                let entry = |op: &Operation| {
                    json!({
                        "operation_id": op.operation_id,
                        "external_operation_id": op.external_id,
                        "amount": op.amount.to_fixed2().unwrap_or_default()
                    })
                };
                json!({
                    "order_id": o.order_id,
                    "amount": o.captured.to_fixed2().unwrap_or_default(),
                    "status": o.status,
                    "refunded": refunded.to_fixed2().unwrap_or_default(),
                    "refunds": mine().filter(|op| op.success).map(entry).collect::<Vec<_>>(),
                    "pending": mine().filter(|op| !op.success).map(entry).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "orders": orders })
    }

    pub(crate) fn advance(&mut self, now: SystemTime) -> Vec<Request<Vec<u8>>> {
        let mut out = Vec::new();
        for op in &mut self.operations {
            if op.success || unix(now) < unix(op.created).saturating_add(self.settle.as_secs()) {
                continue;
            }
            op.success = true;
            if let Some(order) = self.orders.iter_mut().find(|o| o.order_id == op.order_id) {
                order.status = if order.amount.is_zero() {
                    "REFUNDED".into()
                } else {
                    "PARTIALLY_REFUNDED".into()
                };
            }
            if let (Some(url), Some(signer)) = (&self.notify_url, &self.signer) {
                let payload = json!({
                    "merchantId": "00000000-0000-4000-8000-000000000000",
                    "event": "OPERATION_STATUS_UPDATED",
                    "eventTime": unix(now).to_string(),
                    "operation": {
                        "operationId": op.operation_id,
                        "externalOperationId": op.external_id,
                        "orderId": op.order_id,
                        "status": "SUCCESS",
                        "operationType": "REFUND"
                    }
                });
                if let Ok(token) = signer.sign(
                    payload.to_string().as_bytes(),
                    now,
                    Duration::from_secs(300),
                ) {
                    if let Ok(request) = Request::post(url.as_str())
                        .header(header::CONTENT_TYPE, "application/octet-stream")
                        .body(token.into_bytes())
                    {
                        out.push(request);
                    }
                }
            }
        }
        out
    }
}

fn operation_json(op: &Operation) -> serde_json::Value {
    json!({
        "operationId": op.operation_id,
        "externalOperationId": op.external_id,
        "orderId": op.order_id,
        "operationType": "REFUND",
        "status": if op.success { "SUCCESS" } else { "PENDING" },
        "amount": op.amount.to_fixed2().unwrap_or_default(),
    })
}

fn ok(op: &Operation) -> Response<Vec<u8>> {
    crate::json(
        StatusCode::OK,
        &json!({"status": "success", "code": 200, "data": {"operation": operation_json(op)}}),
    )
}
