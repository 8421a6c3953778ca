//! Yandex Pay's merchant API: the v1 and v2 refunds check the `Api-Key`, the order's status
//! and what remains, and `externalOperationId` as the idempotency key; an operation is
//! `PENDING` until it settles, then `SUCCESS`, and its `OPERATION_STATUS_UPDATED` notification
//! is signed ES256 under the scenario's key.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use http::{Method, Request, Response, StatusCode, header};
use refundkit_core::Amount;
use refundkit_yandex_pay::invariants::{Context, ContextV2};
use refundkit_yandex_pay::types::{OrderStatus, RefundRequest, RefundRequestV2};
use refundkit_yandex_pay::webhook::NotificationSigner;
use refundkit_yandex_pay::{check, check_v2, decode_request, decode_request_v2, refusal_reason};

/// A refund body as decoded, by API version.
enum Parsed {
    V1(Box<RefundRequest>),
    V2(Box<RefundRequestV2>),
}
use serde::Deserialize;
use serde_json::json;

use crate::emulator::{Base, Descriptor, Emulate};
use crate::scenario::{Scenario, ScenarioError, section, unique};
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

/// A notification not yet answered with a 2xx.
#[derive(Debug)]
struct Outgoing {
    id: u64,
    /// Attempts made so far.
    attempts: u32,
    /// When the next attempt is due; `None` while one is being delivered.
    due: Option<SystemTime>,
    request: Request<Vec<u8>>,
}

/// What became of the notifications (`GET /_sim/state`'s `notifications`).
#[derive(Debug, Default)]
struct Deliveries {
    attempts: u64,
    delivered: u64,
    given_up: u64,
}

#[derive(Debug)]
pub(crate) struct Emulator {
    api_key: String,
    merchant_id: String,
    settle: Duration,
    orders: Vec<Order>,
    /// `orderId` → index in `orders`.
    order_index: HashMap<String, usize>,
    operations: Vec<Operation>,
    /// `externalOperationId` → index in `operations` (status lookups and repeats are by id,
    /// never a scan: a long scenario holds tens of thousands).
    by_external_id: HashMap<String, usize>,
    /// `orderId` → its operations' indexes, in order.
    by_order: HashMap<String, Vec<usize>>,
    /// Operations still `PENDING`, oldest first: they settle in that order, as every one
    /// takes `settle`.
    unsettled: VecDeque<usize>,
    notify_url: Option<String>,
    signer: Option<NotificationSigner>,
    retry: Vec<Duration>,
    outbox: Vec<Outgoing>,
    next_notification: u64,
    deliveries: Deliveries,
}

/// `X-Request-Timeout` of a notification, in milliseconds: Yandex Pay's sample request's, how
/// long it waits for the shop's answer.
pub const NOTIFY_TIMEOUT_MS: u64 = 13_970;

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
        let orders: Vec<Order> = s
            .orders
            .iter()
            .map(|o| Order {
                order_id: o.order_id.clone(),
                captured: o.amount,
                amount: o.amount,
                status: o.status.clone(),
            })
            .collect();
        Ok(Emulator {
            api_key: s.api_key.clone(),
            merchant_id: s.merchant_id.clone(),
            settle: Duration::from_secs(s.settle_seconds),
            order_index: orders
                .iter()
                .enumerate()
                .map(|(i, o)| (o.order_id.clone(), i))
                .collect(),
            orders,
            operations: Vec::new(),
            by_external_id: HashMap::new(),
            by_order: HashMap::new(),
            unsettled: VecDeque::new(),
            notify_url: s.notify_url.clone(),
            signer,
            retry: s
                .notify_retry_ms
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect(),
            outbox: Vec::new(),
            next_notification: 0,
            deliveries: Deliveries::default(),
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
                    .by_external_id
                    .get(*id)
                    .and_then(|i| self.operations.get(*i))
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
        // Decoded here, checked below by the codec's own rules against this order.
        let parsed = if v2 {
            decode_request_v2(body).map(|r| {
                (
                    r.refund_amount,
                    r.external_operation_id.clone(),
                    Parsed::V2(Box::new(r)),
                )
            })
        } else {
            decode_request(body).map(|r| {
                (
                    r.refund_amount,
                    r.external_operation_id.clone(),
                    Parsed::V1(Box::new(r)),
                )
            })
        };
        let (refund, external_id, parsed) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(StatusCode::BAD_REQUEST, "BAD_REQUEST", &e.to_string()),
        };
        if let Some(id) = &external_id {
            if let Some(op) = self
                .by_external_id
                .get(id)
                .and_then(|i| self.operations.get(*i))
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
        let Some(order) = self
            .order_index
            .get(order_id)
            .and_then(|i| self.orders.get_mut(*i))
        else {
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
        // Every other rule is the codec's (`yandex-pay check` runs the same): a v1 refund
        // without its final cart, an orderAmount that is not cart.total + shipping, a final
        // order that is not what remains.
        let status = OrderStatus::from_wire(&order.status);
        let report = match &parsed {
            Parsed::V1(r) => check(
                r,
                &Context {
                    payment_amount: Some(order.amount),
                    current_cart: None,
                    current_shipping: None,
                    order_status: Some(&status),
                },
            ),
            Parsed::V2(r) => check_v2(
                r,
                &ContextV2 {
                    order: None,
                    payment_amount: Some(order.amount),
                    order_status: Some(&status),
                },
            ),
        };
        if let Some((code, reason)) = refusal_reason(&report) {
            return fail(StatusCode::BAD_REQUEST, code, &reason);
        }
        let left = order.amount.checked_sub(refund).unwrap_or(Amount::ZERO);
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
        let index = self.operations.len();
        if let Some(id) = &op.external_id {
            self.by_external_id.insert(id.clone(), index);
        }
        self.by_order
            .entry(op.order_id.clone())
            .or_default()
            .push(index);
        self.unsettled.push_back(index);
        self.operations.push(op);
        response
    }

    /// The operations of an order, in order.
    fn of_order<'a>(&'a self, order_id: &str) -> impl Iterator<Item = &'a Operation> + 'a {
        self.by_order
            .get(order_id)
            .into_iter()
            .flatten()
            .filter_map(|i| self.operations.get(*i))
    }

    fn order(&self, order_id: &str) -> Response<Vec<u8>> {
        let Some(order) = self
            .order_index
            .get(order_id)
            .and_then(|i| self.orders.get(*i))
        else {
            return fail(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order");
        };
        let operations: Vec<serde_json::Value> =
            self.of_order(order_id).map(operation_json).collect();
        crate::json(
            StatusCode::OK,
            &json!({"status": "success", "code": 200, "data": {
                "order": {"orderId": order.order_id, "paymentStatus": order.status},
                "operations": operations
            }}),
        )
    }

    /// What the provider holds (`GET /_sim/state`): each order, what its `SUCCESS` refund
    /// operations add up to, those in order, and those still `PENDING`.
    pub(crate) fn view(&self) -> serde_json::Value {
        let orders: Vec<serde_json::Value> = self
            .orders
            .iter()
            .map(|o| {
                let mine = || self.of_order(&o.order_id);
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
        json!({
            "orders": orders,
            "notifications": {
                "attempts": self.deliveries.attempts,
                "delivered": self.deliveries.delivered,
                "undelivered": self.outbox.len(),
                "given_up": self.deliveries.given_up,
            }
        })
    }

    /// Settles the operations whose time has come, queues their notifications, and returns
    /// the notifications due at `now` (new ones and repeats), each marked in delivery until
    /// [`Emulator::answered`] hears how it went.
    pub(crate) fn advance(&mut self, now: SystemTime) -> Vec<crate::Notification> {
        while let Some(&index) = self.unsettled.front() {
            let Some(op) = self.operations.get_mut(index) else {
                self.unsettled.pop_front();
                continue;
            };
            if unix(now) < unix(op.created).saturating_add(self.settle.as_secs()) {
                break;
            }
            self.unsettled.pop_front();
            op.success = true;
            if let Some(order) = self
                .order_index
                .get(&op.order_id)
                .and_then(|i| self.orders.get_mut(*i))
            {
                order.status = if order.amount.is_zero() {
                    "REFUNDED".into()
                } else {
                    "PARTIALLY_REFUNDED".into()
                };
            }
            if let (Some(url), Some(signer)) = (&self.notify_url, &self.signer) {
                let payload = json!({
                    "merchantId": self.merchant_id,
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
                    // As Yandex Pay posts it (its WooCommerce plugin's sample request): the
                    // body a JWT, a user agent of its own, a request id and its timeout in ms.
                    let request_id = format!(
                        "5d32f295-0000-4000-9000-{:012}",
                        self.next_notification.saturating_add(1)
                    );
                    if let Ok(request) = Request::post(url.as_str())
                        .header(header::CONTENT_TYPE, "application/octet-stream")
                        .header(header::USER_AGENT, "YandexPay/1.0")
                        .header("x-request-id", request_id)
                        .header("x-request-timeout", NOTIFY_TIMEOUT_MS.to_string())
                        .body(token.into_bytes())
                    {
                        self.next_notification = self.next_notification.saturating_add(1);
                        self.outbox.push(Outgoing {
                            id: self.next_notification,
                            attempts: 0,
                            due: Some(now),
                            request,
                        });
                    }
                }
            }
        }
        let mut out = Vec::new();
        for n in &mut self.outbox {
            if n.due.is_some_and(|due| due <= now) {
                n.due = None;
                n.attempts = n.attempts.saturating_add(1);
                self.deliveries.attempts = self.deliveries.attempts.saturating_add(1);
                out.push(crate::Notification {
                    id: n.id,
                    attempt: n.attempts,
                    request: clone_request(&n.request),
                });
            }
        }
        out
    }

    /// How the delivery of notification `id` went: `Some(status)` if the shop answered.
    /// A 2xx ends it; anything else, or no answer, schedules the next attempt, until the
    /// schedule is spent.
    pub(crate) fn answered(&mut self, id: u64, status: Option<StatusCode>, now: SystemTime) {
        let Some(at) = self.outbox.iter().position(|n| n.id == id) else {
            return;
        };
        if status.is_some_and(|s| s.is_success()) {
            self.outbox.remove(at);
            self.deliveries.delivered = self.deliveries.delivered.saturating_add(1);
            return;
        }
        let Some(n) = self.outbox.get_mut(at) else {
            return;
        };
        let wait = usize::try_from(n.attempts)
            .ok()
            .and_then(|a| a.checked_sub(1))
            .and_then(|a| self.retry.get(a));
        match wait {
            Some(wait) => n.due = now.checked_add(*wait),
            None => {
                self.outbox.remove(at);
                self.deliveries.given_up = self.deliveries.given_up.saturating_add(1);
            }
        }
    }
}

fn clone_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
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

/// Yandex Pay: the API key, the orders, and where notifications go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YandexPayScenario {
    /// The merchant's API key.
    pub(crate) api_key: String,
    /// Seconds an operation stays `PENDING` before `SUCCESS`.
    #[serde(default = "crate::scenario::five")]
    pub(crate) settle_seconds: u64,
    /// Orders.
    pub(crate) orders: Vec<YandexPayOrder>,
    /// Where `OPERATION_STATUS_UPDATED` is posted, if anywhere.
    #[serde(default)]
    pub(crate) notify_url: Option<String>,
    /// The P-256 key notifications are signed with (PKCS#8 DER, relative to the scenario);
    /// without one, none are produced.
    #[serde(default)]
    pub(crate) signing_key: Option<PathBuf>,
    /// The `kid` of that key.
    #[serde(default = "default_kid")]
    pub(crate) kid: String,
    /// Milliseconds between the attempts to deliver a notification the shop did not answer
    /// with a 2xx (or did not answer): the first is posted when the operation settles, the
    /// next after each of these in turn, then no more. Yandex Pay's webhook page says it
    /// repeats until answered without a schedule refundkit could confirm, so the default is
    /// refundkit's (1 s, 5 s, 30 s, 1 min, 5 min, 30 min, 1 h); a test compresses it.
    #[serde(default = "default_notify_retry_ms")]
    pub(crate) notify_retry_ms: Vec<u64>,
    /// The shop's `merchantId`, which its notifications carry (what `webhook::verify_for`
    /// checks).
    #[serde(default = "default_merchant_id")]
    pub(crate) merchant_id: String,
}

/// A Yandex Pay order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YandexPayOrder {
    /// `orderId`.
    pub(crate) order_id: String,
    /// What the order amounts to now (a decimal string).
    #[serde(deserialize_with = "crate::scenario::amount")]
    pub(crate) amount: Amount,
    /// Its payment status (`CAPTURED` unless said).
    #[serde(default = "captured")]
    pub(crate) status: String,
}

fn captured() -> String {
    "CAPTURED".into()
}

fn default_notify_retry_ms() -> Vec<u64> {
    vec![1_000, 5_000, 30_000, 60_000, 300_000, 1_800_000, 3_600_000]
}

fn default_merchant_id() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}

fn default_kid() -> String {
    "1-merchant-api".into()
}

/// The merchant API, and its JWKS (`GET {base}/api/jwks`, as Yandex Pay serves its own).
pub(crate) const DESCRIPTOR: Descriptor = Descriptor {
    bases: &[
        Base {
            label: None,
            prefix: "/yandex-pay",
            tls: false,
            note: "",
        },
        Base {
            label: Some("jwks"),
            prefix: JWKS_PATH,
            tls: false,
            note: "",
        },
    ],
    methods: &[
        "/api/merchant/v1/orders/{id}/refund",
        "/api/merchant/v2/orders/{id}/refund",
        "/api/merchant/v1/orders/{id}",
        "/api/merchant/v1/operations/{id}",
    ],
    check: |value| {
        let y: YandexPayScenario = section("yandex_pay", value)?;
        unique(
            "yandex_pay.orders",
            "order_id",
            y.orders.iter().map(|o| o.order_id.as_str()),
        )?;
        if let Some(url) = &y.notify_url {
            let ok = url.parse::<http::Uri>().ok().is_some_and(|u| {
                matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
            });
            if !ok {
                return Err(ScenarioError::Invalid {
                    field: "yandex_pay.notify_url".into(),
                    detail: format!("{url:?} is not an http(s) URL"),
                });
            }
        }
        Ok(())
    },
    build: |value, scenario| {
        Ok(Box::new(Emulator::new(
            &section("yandex_pay", value)?,
            scenario,
        )?))
    },
};

/// Where the emulated Yandex Pay serves the JWKS its notifications verify under.
pub const JWKS_PATH: &str = "/yandex-pay/api/jwks";

impl Emulate for Emulator {
    fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        base: &Base,
        rest: &str,
        now: SystemTime,
    ) -> Response<Vec<u8>> {
        if base.prefix == JWKS_PATH {
            return match (request.method(), Emulator::jwks(self)) {
                (&Method::GET, Some(jwks)) => crate::answer(StatusCode::OK, "application/json", jwks.into_bytes()),
                (&Method::GET, None) => crate::text(StatusCode::NOT_FOUND, "no signing key in the scenario"),
                _ => crate::text(StatusCode::METHOD_NOT_ALLOWED, "GET only"),
            };
        }
        Emulator::handle(self, request, rest, now)
    }

    fn view(&self, _now: SystemTime) -> serde_json::Value {
        Emulator::view(self)
    }

    fn tick(&mut self, now: SystemTime) -> Vec<crate::Notification> {
        self.advance(now)
    }

    fn answered(&mut self, id: u64, status: Option<StatusCode>, now: SystemTime) {
        Emulator::answered(self, id, status, now);
    }

    fn jwks(&self) -> Option<String> {
        Emulator::jwks(self)
    }
}
