//! The refund as refundkit's state machine keeps it ([`Refund`], driven by
//! `refundkit_core::lifecycle::Machine`), and what a refund's answer (v1 or v2), its status
//! requests' answers and its notifications mean for the next step.
//!
//! `externalOperationId` is Yandex Pay's idempotency key: repeating the refund with the same
//! id and arguments while the operation is unfinished returns the same operation, and once the
//! refund has started the same id answers `DUPLICATE_EXTERNAL_OPERATION_ID` (the v2 refund
//! page, copied in modeckrus/yandex_pay_api `orders_refund.rs`). So a refund with one can be
//! repeated after a lost answer or a server failure, and a duplicate is looked up, never
//! corrected and resent. A refund without one has no such guarantee: it is reconciled through
//! the order.
//!
//! An operation counts only for the refund it names: its `orderId`, its `externalOperationId`
//! and `operationId` where it states them, and its `amount`, must be the refund's.

use refundkit_core::lifecycle::{Done, Refused, Review};
use std::time::{Duration, SystemTime};

use refundkit_core::lifecycle::{
    Answer, BuildError, Context, DecideError, Decision, Echo, Lifecycle, LoadError, Progress,
    Repeat, Step, Timing, is_server_failure, later,
};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, Validated};
use serde::{Deserialize, Serialize};

use crate::codec::{
    decode_request, decode_request_v2, encode_request, encode_request_v2, parse_operation_response,
    parse_order_response, parse_response,
};
use crate::http::{
    Attempt, Endpoint, operation_request, order_request, refund_request, refund_request_v2,
};
use crate::invariants::{Context as RulesContext, ContextV2};
use crate::types::{
    ApiKey, Operation, OperationStatus, ReasonCode, RefundRequest, RefundRequestV2,
};

const PROVIDER: &str = "yandex-pay";

/// Yandex Pay's schedule. The API documents no interval; refundkit asks the operation status
/// every 10 s while it is `PENDING`, and repeats a refund whose answer was lost after 10 s.
pub fn timing() -> Timing {
    Timing {
        poll: Duration::from_secs(10),
        settle: Duration::from_secs(10),
        repeat: Repeat::every(Duration::from_secs(10)),
        not_sent: Duration::from_secs(5),
        budget: Default::default(),
    }
}

pub use crate::types::Api;

/// A Yandex Pay refund as the machine keeps it: the base URL, the order, the method, the body
/// as it is sent (no API key: that travels in a header, given each time a request is built),
/// the request id kept on every retry, and the operation once an answer named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    endpoint: String,
    order_id: String,
    api: Api,
    /// The body, compact JSON, byte for byte as sent.
    body: String,
    amount: Amount,
    external_operation_id: Option<String>,
    request_id: String,
    timeout_ms: u32,
    operation_id: Option<String>,
}

/// The requests of a Yandex Pay refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// The refund (v1 or v2).
    Refund,
    /// `GET /api/merchant/v1/operations/{externalOperationId}`.
    Operation,
    /// `GET /api/merchant/v1/orders/{orderId}` (a refund without `externalOperationId`).
    Order,
}

impl Refund {
    /// A v1 refund of order `order_id`; `request_id` is its `X-Request-Id`, kept on every
    /// repeat.
    pub fn v1(
        endpoint: &Endpoint,
        order_id: &str,
        body: &Validated<RefundRequest>,
        request_id: &str,
    ) -> Result<Self, refundkit_core::EncodeError> {
        Ok(Refund::of(
            endpoint,
            order_id,
            Api::V1,
            encode_request(body)?,
            body.refund_amount,
            body.external_operation_id.clone(),
            request_id,
        ))
    }

    /// A v2 refund of order `order_id`.
    pub fn v2(
        endpoint: &Endpoint,
        order_id: &str,
        body: &Validated<RefundRequestV2>,
        request_id: &str,
    ) -> Result<Self, refundkit_core::EncodeError> {
        Ok(Refund::of(
            endpoint,
            order_id,
            Api::V2,
            encode_request_v2(body)?,
            body.refund_amount,
            body.external_operation_id.clone(),
            request_id,
        ))
    }

    fn of(
        endpoint: &Endpoint,
        order_id: &str,
        api: Api,
        body: Vec<u8>,
        amount: Amount,
        external_operation_id: Option<String>,
        request_id: &str,
    ) -> Self {
        Refund {
            endpoint: endpoint.base().to_owned(),
            order_id: order_id.to_owned(),
            api,
            body: String::from_utf8_lossy(&body).into_owned(),
            amount,
            external_operation_id,
            request_id: request_id.to_owned(),
            timeout_ms: 10_000,
            operation_id: None,
        }
    }

    /// The order.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// `externalOperationId`, the idempotency key, where the refund has one.
    pub fn external_operation_id(&self) -> Option<&str> {
        self.external_operation_id.as_deref()
    }

    /// `refundAmount`.
    pub fn refund_amount(&self) -> Amount {
        self.amount
    }

    /// The status request of this refund: the operation by its `externalOperationId`, or the
    /// order when it has none.
    pub fn status(&self) -> Request {
        if self.external_operation_id.is_some() {
            Request::Operation
        } else {
            Request::Order
        }
    }

    /// The body's refundAmount and externalOperationId, read back from the body.
    fn read_body(&self) -> Result<(Amount, Option<String>), refundkit_core::DecodeError> {
        Ok(match self.api {
            Api::V1 => {
                let b = decode_request(self.body.as_bytes())?;
                (b.refund_amount, b.external_operation_id)
            }
            Api::V2 => {
                let b = decode_request_v2(self.body.as_bytes())?;
                (b.refund_amount, b.external_operation_id)
            }
        })
    }

    fn attempt(&self, request: Request, progress: &Progress) -> Attempt {
        match request {
            Request::Refund => Attempt {
                request_id: self.request_id.clone(),
                timeout_ms: self.timeout_ms,
                attempt: progress.attempts,
            },
            Request::Operation | Request::Order => Attempt {
                request_id: format!("{}-status", self.request_id),
                timeout_ms: self.timeout_ms,
                attempt: 0,
            },
        }
    }
}

fn built<E: std::error::Error + Send + Sync + 'static>(e: E) -> BuildError {
    BuildError::Sign(Box::new(e))
}

impl Lifecycle for Refund {
    type Request = Request;
    type Keys<'k> = Option<&'k ApiKey>;
    const PROVIDER: &'static str = PROVIDER;

    fn timing() -> Timing {
        timing()
    }

    fn first(&self) -> Request {
        Request::Refund
    }

    fn is_refund(request: Request) -> bool {
        request == Request::Refund
    }

    fn method(request: Request) -> &'static str {
        match request {
            Request::Refund => "orders/{orderId}/refund",
            Request::Operation => "operations/{externalOperationId}",
            Request::Order => "orders/{orderId}",
        }
    }

    fn build(
        &self,
        request: Request,
        progress: &Progress,
        keys: &Option<&ApiKey>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let key = keys.ok_or(BuildError::MissingCredential("Yandex Pay API key"))?;
        let endpoint = Endpoint::custom(&self.endpoint)?;
        let attempt = self.attempt(request, progress);
        match (request, self.api) {
            (Request::Refund, Api::V1) => {
                let body = crate::validate(
                    decode_request(self.body.as_bytes())?,
                    &RulesContext::default(),
                )
                .map_err(|invalid| BuildError::Invalid(invalid.report))?;
                refund_request(&endpoint, &self.order_id, key, &body, &attempt).map_err(built)
            }
            (Request::Refund, Api::V2) => {
                let body = crate::validate_v2(
                    decode_request_v2(self.body.as_bytes())?,
                    &ContextV2::default(),
                )
                .map_err(|invalid| BuildError::Invalid(invalid.report))?;
                refund_request_v2(&endpoint, &self.order_id, key, &body, &attempt).map_err(built)
            }
            (Request::Operation, _) => {
                let id = self
                    .external_operation_id
                    .as_deref()
                    .ok_or(BuildError::Incomplete("externalOperationId"))?;
                operation_request(&endpoint, id, key, &attempt).map_err(built)
            }
            (Request::Order, _) => {
                order_request(&endpoint, &self.order_id, key, &attempt).map_err(built)
            }
        }
    }

    fn decide(
        &mut self,
        request: Request,
        answer: Answer<'_>,
        context: &Context<'_>,
        _keys: &Option<&ApiKey>,
    ) -> Decision<Request> {
        match request {
            Request::Refund => self.after_refund(answer, context),
            Request::Operation => self.after_operation(answer, context),
            Request::Order => self.after_order(answer, context),
        }
    }

    fn amount(&self) -> Option<Amount> {
        Some(self.amount)
    }

    fn payment(&self) -> String {
        self.order_id.clone()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![("orderId", self.order_id.clone())];
        if let Some(id) = &self.external_operation_id {
            fields.push(("externalOperationId", id.clone()));
        }
        if let Some(id) = &self.operation_id {
            fields.push(("operationId", id.clone()));
        }
        fields
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        let api = match self.api {
            Api::V1 => "v1",
            Api::V2 => "v2",
        };
        format!(
            "{}\n{}\n{api}\n{}\n{}",
            self.endpoint, self.order_id, self.request_id, self.body
        )
        .into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        Endpoint::custom(&self.endpoint)?;
        let report = match self.api {
            Api::V1 => crate::check(
                &decode_request(self.body.as_bytes())?,
                &RulesContext::default(),
            ),
            Api::V2 => crate::check_v2(
                &decode_request_v2(self.body.as_bytes())?,
                &ContextV2::default(),
            ),
        };
        if report.has_errors() {
            return Err(LoadError::Invalid(report));
        }
        let (amount, external_operation_id) = self.read_body()?;
        if amount != self.amount {
            return Err(LoadError::Inconsistent("refundAmount"));
        }
        if external_operation_id != self.external_operation_id {
            return Err(LoadError::Inconsistent("externalOperationId"));
        }
        Ok(())
    }
}

impl Refund {
    /// The refund again under its `externalOperationId` (its attempt counter raised), or,
    /// without one, the order's operations for a person to read.
    fn again_or_reconcile(&self, context: &Context<'_>, why: &str) -> Decision<Request> {
        match &self.external_operation_id {
            Some(id) => Decision::send(
                Step::Resend,
                Request::Refund,
                later(context.now, context.timing.poll),
                format!(
                    "{why}: repeat the refund with the same externalOperationId {id}; Yandex \
                     Pay returns the same operation, or DUPLICATE_EXTERNAL_OPERATION_ID once it \
                     started"
                ),
            ),
            None => Decision::send(
                Step::Reconcile,
                Request::Order,
                later(context.now, context.timing.poll),
                format!(
                    "{why}, and the refund has no externalOperationId to repeat it safely: read \
                     the order's operations before sending any refund"
                ),
            ),
        }
    }

    fn after_refund(&mut self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return self.again_or_reconcile(context, "the answer to the refund was lost");
        };
        if is_server_failure(http_status) {
            // With or without a reasonCode: a server failure states nothing about the refund.
            return self
                .again_or_reconcile(context, &format!("HTTP {http_status}, a server failure"));
        }
        match parse_response(http_status, body) {
            Outcome::Success(op) => self.by_operation(&op, context),
            Outcome::Refused(r) => match &r.code {
                // Yandex Pay's pages disagree on when this comes: once the refund has
                // "successfully started" (the v2 refund page) or once the operation is complete
                // (the webhook page). Either way an operation exists under the id and its own
                // status says how it ended: ask it, read SUCCESS, FAIL or PENDING as usual.
                Some(ReasonCode::DuplicateExternalOperationId) => Decision::send(
                    Step::Reconcile,
                    self.status(),
                    context.now,
                    "DUPLICATE_EXTERNAL_OPERATION_ID: a refund with this externalOperationId \
                     already started; ask its operation status, never correct and resend",
                ),
                code => {
                    Decision::refused(&r, !matches!(code, Some(ReasonCode::InvalidPaymentStatus)))
                }
            },
            Outcome::Malformed(m) => Decision::send(
                Step::Reconcile,
                self.status(),
                context.now,
                format!(
                    "the refund's answer states nothing ({m}): ask its status before anything else"
                ),
            ),
            other => Decision::send(
                Step::Reconcile,
                self.status(),
                context.now,
                format!("the refund's answer is {}: ask its status", other.verdict()),
            ),
        }
    }

    /// Whether `op` is this refund's operation.
    fn names_this_refund(&self, op: &Operation) -> Result<(), Decision<Request>> {
        Echo::new()
            .required("data.operation.orderId", &self.order_id, Some(&op.order_id))
            .required(
                "data.operation.operationType",
                "REFUND",
                Some(&op.operation_type),
            )
            .if_stated(
                "data.operation.externalOperationId",
                self.external_operation_id.as_deref(),
                op.external_operation_id.as_deref(),
            )
            .if_stated(
                "data.operation.operationId",
                self.operation_id.as_deref(),
                Some(&op.operation_id),
            )
            .amount("data.operation.amount", Some(self.amount), op.amount)
            .check()
            .map_err(|mismatch| {
                Decision::Review(Review {
                    how: format!(
                        "the operation is not this refund's (order {}, refund of {}): check the \
                     order in the Yandex Pay merchant console before sending anything",
                        self.order_id, self.amount
                    ),
                    mismatch: Some(mismatch),
                })
            })
    }

    /// What an operation's status says, once it is known to be this refund's.
    fn by_operation(&mut self, op: &Operation, context: &Context<'_>) -> Decision<Request> {
        if let Err(mismatch) = self.names_this_refund(op) {
            return mismatch;
        }
        if self.operation_id.is_none() {
            self.operation_id = Some(op.operation_id.clone());
        }
        match &op.status {
            OperationStatus::Success => Decision::Done(Done {
                refunded: op.amount.or(Some(self.amount)),
                detail: format!("operation {} SUCCESS", op.operation_id),
            }),
            OperationStatus::Pending => Decision::send(
                Step::Wait,
                self.status(),
                later(context.now, context.timing.poll),
                format!(
                    "operation {} PENDING: ask its status, or wait for OPERATION_STATUS_UPDATED",
                    op.operation_id
                ),
            ),
            OperationStatus::Fail => Decision::Refused(Refused {
                http_status: Some(200),
                code: Some("FAIL".into()),
                text: op.reason.clone(),
                may_correct: true,
            }),
            other => Decision::review(format!(
                "operation {} has a status refundkit does not know ({}): check it in the \
                 merchant console",
                op.operation_id,
                other.as_str()
            )),
        }
    }

    fn after_operation(&mut self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let again = |detail: String| {
            Decision::send(
                Step::Wait,
                Request::Operation,
                later(context.now, context.timing.poll),
                detail,
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return again("the operation status answer was lost: ask again".into());
        };
        if is_server_failure(http_status) {
            return again(format!(
                "the operation status answered HTTP {http_status}: ask again"
            ));
        }
        match parse_operation_response(http_status, body) {
            Outcome::Success(op) => self.by_operation(&op, context),
            Outcome::Refused(r)
                if r.http_status == 404
                    && r.code
                        .as_ref()
                        .is_none_or(|c| c.as_str() == "OPERATION_NOT_FOUND") =>
            {
                Decision::send(
                    Step::Resend,
                    Request::Refund,
                    context.now,
                    "no operation has this externalOperationId: the refund never registered, \
                     so it may be sent again (with the same id)",
                )
            }
            Outcome::Refused(r) => Decision::review(format!(
                "the operation status was refused (HTTP {}: {}): check the refund in the \
                 merchant console",
                r.http_status,
                r.text.as_deref().unwrap_or("")
            )),
            other => again(format!(
                "the operation status answer is {}: ask again",
                other.verdict()
            )),
        }
    }

    fn after_order(&self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let again = |detail: String| {
            Decision::send(
                Step::Wait,
                Request::Order,
                later(context.now, context.timing.poll),
                detail,
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return again("the order's answer was lost: ask again".into());
        };
        if is_server_failure(http_status) {
            return again(format!("the order answered HTTP {http_status}: ask again"));
        }
        match parse_order_response(http_status, body) {
            Outcome::Success(view) => {
                if let Err(mismatch) = Echo::new()
                    .if_stated(
                        "data.order.orderId",
                        Some(&self.order_id),
                        view.order_id.as_deref(),
                    )
                    .check()
                {
                    return Decision::Review(Review {
                        how: format!(
                            "the order answered is not {}: check it in the merchant console",
                            self.order_id
                        ),
                        mismatch: Some(mismatch),
                    });
                }
                let refunds: Vec<String> = view
                    .operations
                    .iter()
                    .filter(|op| op.operation_type == "REFUND")
                    .map(|op| {
                        format!(
                            "{} {} {}",
                            op.operation_id,
                            op.status.as_str(),
                            op.amount.map(|a| a.to_string()).unwrap_or_default()
                        )
                    })
                    .collect();
                Decision::review(format!(
                    "order {} ({}) has {} refund operation(s) [{}]; without an \
                     externalOperationId only a person can tell whether one of them is this \
                     refund of {}",
                    self.order_id,
                    view.payment_status
                        .as_ref()
                        .map(|s| s.as_str())
                        .unwrap_or("no status"),
                    refunds.len(),
                    refunds.join("; "),
                    self.amount
                ))
            }
            Outcome::Refused(r) => Decision::review(format!(
                "the order was refused (HTTP {}): check it in the merchant console",
                r.http_status
            )),
            other => again(format!(
                "the order's answer is {}: ask again",
                other.verdict()
            )),
        }
    }

    /// What an authentic notification (from [`crate::webhook::verify`]) says about this
    /// refund: `None` when it is about another operation (another `externalOperationId`,
    /// order or operation type) or says nothing about a refund. `OPERATION_STATUS_UPDATED` for
    /// this refund reads as its operation status would.
    pub fn notification(
        &self,
        notification: &crate::webhook::Notification,
        now: SystemTime,
        timing: &Timing,
    ) -> Option<Decision<Request>> {
        let crate::webhook::Event::OperationStatusUpdated {
            operation_id,
            external_operation_id,
            order_id,
            status,
            operation_type,
        } = &notification.event
        else {
            return None;
        };
        let ours = self.external_operation_id.is_some()
            && *external_operation_id == self.external_operation_id
            && order_id.as_deref().is_none_or(|o| o == self.order_id)
            && operation_type.as_deref().is_none_or(|t| t == "REFUND");
        if !ours {
            return None;
        }
        let op = Operation {
            operation_id: operation_id.clone().unwrap_or_default(),
            order_id: self.order_id.clone(),
            operation_type: "REFUND".into(),
            status: status.clone(),
            amount: None,
            external_operation_id: external_operation_id.clone(),
            created: None,
            updated: None,
            reason: None,
            params: None,
        };
        let progress = Progress::new(now);
        let context = Context {
            now,
            sent_at: now,
            progress: &progress,
            timing,
        };
        // Reading it changes nothing kept: what the refund learns, it learns from answers.
        Some(self.clone().by_operation(&op, &context))
    }
}

/// The refund read back from its request (as `refundkit plan` prints it): endpoint, order,
/// version, body, request id. Never a credential: the API key comes from the shop.
fn read_request(refund: &http::Request<Vec<u8>>) -> Result<Refund, DecideError> {
    let bad = |detail: String| DecideError::not_recognised(PROVIDER, detail);
    let path = refund.uri().path();
    let Some((head, id)) = path
        .strip_suffix("/refund")
        .and_then(|p| p.rsplit_once("/orders/"))
    else {
        return Err(bad(format!("{path} is not an order's refund")));
    };
    let order_id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .map_err(|e| bad(format!("the order id in {path}: {e}")))?;
    let api = if head.ends_with("/v2") {
        Api::V2
    } else {
        Api::V1
    };
    let endpoint = Endpoint::of_request(refund)
        .ok_or_else(|| bad("the refund's URL has no /api/merchant/".into()))?;
    let header = |name: &str| {
        refund
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut r = Refund::of(
        &endpoint,
        &order_id,
        api,
        refund.body().clone(),
        Amount::ZERO,
        None,
        &header("X-Request-Id").unwrap_or_else(|| "refund".into()),
    );
    let (amount, external_operation_id) = r
        .read_body()
        .map_err(|e| bad(format!("the refund's body: {e}")))?;
    r.amount = amount;
    r.external_operation_id = external_operation_id;
    if let Some(t) = header("X-Request-Timeout").and_then(|t| t.parse().ok()) {
        r.timeout_ms = t;
    }
    Ok(r)
}

/// The status request of a refund built here (its request as `refundkit plan` prints it):
/// the operation by its `externalOperationId`, or the order when the refund has none; with
/// the shop's API key.
pub fn status_request(
    refund: &http::Request<Vec<u8>>,
    key: &ApiKey,
) -> Result<http::Request<Vec<u8>>, DecideError> {
    let r = read_request(refund)?;
    let progress = Progress::new(SystemTime::UNIX_EPOCH);
    Ok(r.build(r.status(), &progress, &Some(key))?)
}
