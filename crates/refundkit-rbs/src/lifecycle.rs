//! The refund as refundkit's state machine keeps it ([`Refund`], driven by
//! `refundkit_core::lifecycle::Machine`), and what refund.do's answer, or its absence, means
//! for the next step.
//!
//! The RBS REST refund.do has no idempotency key, so a refund whose answer was lost cannot be
//! sent again blindly: the gateway may have refunded already. Sber's ecom gateway has one,
//! `jsonParams.externalRefundId` (per order, no time limit, its OpenAPI's `ExternalRefundId`):
//! a refund there that carries it is repeated, byte for byte, under the same key instead. It is reconciled through
//! getOrderStatusExtended.do by comparing `paymentAmountInfo.refundedAmount` with its value
//! before the refund, which the refund asks for itself before it is sent (its first request).
//!
//! | request | answer | next |
//! |---|---|---|
//! | status, before | the order (this order) | record `refundedAmount`, then send refund.do |
//! | status, before | refused (5, 6) | refused: nothing was sent |
//! | refund.do | `errorCode` 0 | done |
//! | refund.do | 5, 6, 7 stating the payment's state or an amount | refused |
//! | refund.do | 7 "system error", an unknown code, an error without a code, a 5xx, lost, malformed | reconcile through the status, after `settle` (ecom with `externalRefundId`: repeat under the key) |
//! | status, after | `refundedAmount` grown by exactly the refund | done |
//! | status, after | unchanged, the order not shown refunded, `settle` passed since refund.do left | send refund.do again |
//! | status, after | unchanged but too early | ask again at `settle` after refund.do left |
//! | status, after | anything else, another order | a person checks |

use refundkit_core::lifecycle::{Done, Review};
use std::time::Duration;

use refundkit_core::lifecycle::{
    Answer, BuildError, Context, Decision, Echo, Lifecycle, LoadError, Progress, Repeat, Step,
    Timing, is_server_failure, later,
};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, Validated};
use serde::{Deserialize, Serialize};

use crate::codec::{
    decode_ecom_request, decode_request, encode_auth, encode_ecom_refund_fields,
    encode_refund_fields, parse_response, parse_status_response,
};
use crate::http::{Endpoint, refund_request, status_request};
use crate::types::{
    Auth, Cause, Dialect, EXTERNAL_REFUND_ID, ErrorCode, OrderState, OrderStatus, Password,
    RefundRequest, StatusRequest,
};

const PROVIDER: &str = "rbs";

/// RBS's schedule. The gateway documents no figure; these are refundkit's: a minute for a
/// refund still being processed when the connection dropped to be booked (`settle`), and a
/// minute between status requests whose answer said nothing (`poll`).
pub fn timing() -> Timing {
    Timing {
        poll: Duration::from_secs(60),
        settle: Duration::from_secs(60),
        repeat: Repeat::every(Duration::from_secs(60)),
        not_sent: Duration::from_secs(5),
        budget: Default::default(),
    }
}

/// A refund.do refund as the machine keeps it: the gateway, the order, the amount and the rest
/// of the form as it is sent, without the credentials (given each time a request is built), and
/// what the status said before the refund was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    endpoint: String,
    order_id: String,
    amount: u64,
    /// Every field after the credentials, byte for byte as on the wire: form-encoded for the
    /// RBS REST API, one JSON object for Sber's ecom API (the endpoint tells which).
    form: String,
    language: Option<String>,
    before: Option<Before>,
}

/// What getOrderStatusExtended.do said before refund.do was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Before {
    /// `paymentAmountInfo.refundedAmount`.
    pub refunded: Option<u64>,
    /// `paymentAmountInfo.depositedAmount`.
    pub deposited: Option<u64>,
    /// `orderStatus`, as given.
    pub order_status: Option<String>,
    /// `paymentAmountInfo.paymentState`.
    pub payment_state: Option<String>,
}

/// The requests of an RBS refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// getOrderStatusExtended.do before the refund: its `refundedAmount` is what a lost
    /// refund.do is reconciled against.
    StatusBefore,
    /// refund.do.
    Refund,
    /// getOrderStatusExtended.do after the refund.
    Status,
}

impl Refund {
    /// The refund of a validated request to `endpoint`. Its credentials are not kept.
    pub fn new(endpoint: &Endpoint, request: &Validated<RefundRequest>) -> Self {
        Refund::of(endpoint, request)
    }

    fn of(endpoint: &Endpoint, request: &RefundRequest) -> Self {
        let form = match endpoint.dialect() {
            Dialect::Rest => encode_refund_fields(request),
            Dialect::Ecom => encode_ecom_refund_fields(request),
        };
        Refund {
            endpoint: endpoint.base().to_owned(),
            order_id: request.order_id.clone(),
            amount: request.amount,
            form,
            language: request.language.clone(),
            before: None,
        }
    }

    /// `orderId`.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// `amount` in minor units (0: the whole order).
    pub fn amount_minor_units(&self) -> u64 {
        self.amount
    }

    /// What the status said before the refund was sent, once asked.
    pub fn before(&self) -> Option<&Before> {
        self.before.as_ref()
    }

    fn endpoint(&self) -> Result<Endpoint, refundkit_core::EndpointError> {
        Endpoint::custom(&self.endpoint)
    }

    fn dialect(&self) -> Dialect {
        self.endpoint().map(|e| e.dialect()).unwrap_or_default()
    }

    /// The idempotency key a lost refund.do may be repeated under: `jsonParams.
    /// externalRefundId`, on Sber's ecom gateway only (the RBS REST pages document none).
    pub fn idempotency_key(&self) -> Option<String> {
        if self.dialect() != Dialect::Ecom {
            return None;
        }
        let probe = probe_auth();
        let request = self.request(&probe).ok()?;
        request.external_refund_id().map(str::to_owned)
    }

    /// The request, the credentials put back.
    fn request(&self, auth: &Auth) -> Result<RefundRequest, refundkit_core::DecodeError> {
        match self.dialect() {
            Dialect::Rest => {
                decode_request(format!("{}&{}", encode_auth(auth), self.form).as_bytes())
            }
            Dialect::Ecom => {
                // The stored object's members follow the credentials' own (see
                // codec::encode_ecom_request): decode the refund's members, then put them back.
                let mut request = decode_ecom_request(self.form_with_probe().as_bytes())?;
                request.auth = auth.clone();
                Ok(request)
            }
        }
    }

    /// The stored ecom members with placeholder credentials, to decode them.
    fn form_with_probe(&self) -> String {
        let rest = self.form.strip_prefix('{').unwrap_or(&self.form);
        format!("{{\"userName\":\"probe\",\"password\":\"probe\",{rest}")
    }

    fn status_request(&self, auth: &Auth) -> StatusRequest {
        StatusRequest {
            auth: auth.clone(),
            order_id: self.order_id.clone(),
            language: self.language.clone(),
        }
    }
}

impl Lifecycle for Refund {
    type Request = Request;
    type Keys<'k> = Option<&'k Auth>;
    const PROVIDER: &'static str = PROVIDER;

    fn timing() -> Timing {
        timing()
    }

    fn first(&self) -> Request {
        Request::StatusBefore
    }

    fn is_refund(request: Request) -> bool {
        request == Request::Refund
    }

    fn method(request: Request) -> &'static str {
        match request {
            Request::Refund => "refund.do",
            Request::StatusBefore | Request::Status => "getOrderStatusExtended.do",
        }
    }

    fn build(
        &self,
        request: Request,
        _progress: &Progress,
        keys: &Option<&Auth>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let auth = keys.ok_or(BuildError::MissingCredential("RBS credentials"))?;
        let endpoint = self.endpoint()?;
        match request {
            Request::Refund => {
                let valid = crate::validate_for(self.request(auth)?, endpoint.dialect())
                    .map_err(|invalid| BuildError::Invalid(invalid.report))?;
                Ok(refund_request(&endpoint, &valid)?)
            }
            Request::StatusBefore | Request::Status => {
                Ok(status_request(&endpoint, &self.status_request(auth))?)
            }
        }
    }

    fn decide(
        &mut self,
        request: Request,
        answer: Answer<'_>,
        context: &Context<'_>,
        _keys: &Option<&Auth>,
    ) -> Decision<Request> {
        match request {
            Request::StatusBefore => self.after_status_before(answer, context),
            Request::Refund => self.after_refund(answer, context),
            Request::Status => self.after_status(answer, context),
        }
    }

    fn amount(&self) -> Option<Amount> {
        (self.amount > 0).then(|| Amount::from_minor_units(self.amount))
    }

    fn payment(&self) -> String {
        self.order_id.clone()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        vec![("orderId", self.order_id.clone())]
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        format!("{}\n{}", self.endpoint, self.form).into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        let endpoint = self.endpoint()?;
        // Any credentials do: the form's own fields are what is checked.
        let request = self.request(&probe_auth())?;
        let report = crate::check_for(&request, endpoint.dialect());
        if report.has_errors() {
            return Err(LoadError::Invalid(report));
        }
        if request.order_id != self.order_id {
            return Err(LoadError::Inconsistent("orderId"));
        }
        if request.amount != self.amount {
            return Err(LoadError::Inconsistent("amount"));
        }
        if request.language != self.language {
            return Err(LoadError::Inconsistent("language"));
        }
        Ok(())
    }
}

/// Credentials for decoding and checking a stored form, which has none: any do, and a
/// userName and password suit both dialects.
fn probe_auth() -> Auth {
    Auth::Password {
        user_name: "probe".to_owned(),
        password: Password(refundkit_core::SecretString::from("probe".to_owned())),
    }
}

/// The answer's order must be this refund's: `mdOrder`, where the gateway names it.
fn same_order(refund: &Refund, order: &OrderStatus) -> Result<(), Decision<Request>> {
    Echo::new()
        .if_stated(
            "attributes[mdOrder]",
            Some(&refund.order_id),
            order.md_order.as_deref(),
        )
        .check()
        .map_err(|mismatch| {
            Decision::Review(Review {
                how: format!(
                    "getOrderStatusExtended.do answered about another order: check order {} in \
                 the gateway's merchant portal before sending anything",
                    refund.order_id
                ),
                mismatch: Some(mismatch),
            })
        })
}

/// Whether a refusal states that no refund happened: every cause of code 5 and 6 (the request
/// itself was wrong), and code 7 where its message names the payment's state or the amount.
/// Code 7 "system error" (and a 7 whose message says neither), an unknown code and an error
/// without a code state no such thing: the refund may have gone through.
fn states_no_refund(code: Option<&ErrorCode>, message: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    match code.cause(message) {
        Cause::SystemError | Cause::UnknownCode => false,
        Cause::Unclassified => matches!(code, ErrorCode::Refused),
        _ => true,
    }
}

fn shows_refunded(state: Option<&str>, payment_state: Option<&str>) -> bool {
    state == Some(OrderState::Refunded.as_str())
        || payment_state.is_some_and(|s| s.eq_ignore_ascii_case("REFUNDED"))
}

impl Refund {
    /// A refund.do whose answer states nothing: repeated under its idempotency key on Sber's
    /// ecom gateway, where one is given, otherwise reconciled through the status.
    fn repeat_or_reconcile(&self, context: &Context<'_>, why: &str) -> Decision<Request> {
        match self.idempotency_key() {
            Some(key) => Decision::send(
                Step::Resend,
                Request::Refund,
                later(
                    context.now,
                    context.timing.repeat.after(context.progress.attempts),
                ),
                format!(
                    "{why}: repeat refund.do byte for byte under the same jsonParams.\
                     {EXTERNAL_REFUND_ID} {key}; Sber's ecom gateway answers a repeat with the \
                     same key and data as it answered the first (its OpenAPI's ExternalRefundId)"
                ),
            ),
            None => self.reconcile(context, why),
        }
    }

    fn reconcile(&self, context: &Context<'_>, why: &str) -> Decision<Request> {
        Decision::send(
            Step::Reconcile,
            Request::Status,
            later(context.now, context.timing.settle),
            format!(
                "{why}; refund.do has no idempotency key, so do not send it again: ask \
                 getOrderStatusExtended.do and compare paymentAmountInfo.refundedAmount with its \
                 value before the refund"
            ),
        )
    }

    fn after_status_before(
        &mut self,
        answer: Answer<'_>,
        context: &Context<'_>,
    ) -> Decision<Request> {
        let again = |why: String| {
            Decision::send(
                Step::Wait,
                Request::StatusBefore,
                later(context.now, context.timing.poll),
                format!("{why}: ask getOrderStatusExtended.do again before sending refund.do"),
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return again("the status answer was lost".into());
        };
        match parse_status_response(http_status, body) {
            Outcome::Success(order) => {
                if let Err(mismatch) = same_order(self, &order) {
                    return mismatch;
                }
                let info = order.payment_amount_info.as_ref();
                let before = Before {
                    refunded: info.and_then(|i| i.refunded_amount),
                    deposited: info.and_then(|i| i.deposited_amount),
                    order_status: Some(order.order_status.as_str().to_owned()),
                    payment_state: info.and_then(|i| i.payment_state.clone()),
                };
                let detail = match before.refunded {
                    Some(r) => format!(
                        "refundedAmount is {r} before the refund: send refund.do (a lost answer \
                         is reconciled against it)"
                    ),
                    None => "the order states no refundedAmount: send refund.do (a lost answer \
                             will need a person)"
                        .to_owned(),
                };
                self.before = Some(before);
                Decision::Send {
                    step: None,
                    request: Request::Refund,
                    not_before: context.now,
                    detail,
                }
            }
            Outcome::Refused(r)
                if !is_server_failure(r.http_status)
                    && states_no_refund(r.code.as_ref(), r.text.as_deref()) =>
            {
                // Nothing was sent that moves money: the refund ends here, refused.
                Decision::refused(&r, true)
            }
            Outcome::Refused(r) => again(format!(
                "the status was refused (HTTP {} {} {})",
                r.http_status,
                r.code.as_ref().map(ErrorCode::as_str).unwrap_or("-"),
                r.text.as_deref().unwrap_or("")
            )),
            Outcome::Malformed(m) => again(format!("the status answer states nothing ({m})")),
            other => again(format!("the status answer is {}", other.verdict())),
        }
    }

    fn after_refund(&self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return self.repeat_or_reconcile(context, "the answer to refund.do was lost");
        };
        match parse_response(http_status, body) {
            Outcome::Success(accepted) => Decision::Done(Done {
                refunded: self.amount().or_else(|| {
                    let b = self.before.as_ref()?;
                    Some(Amount::from_minor_units(
                        b.deposited?.checked_sub(b.refunded.unwrap_or(0))?,
                    ))
                }),
                detail: format!(
                    "refund.do stated success{}",
                    accepted
                        .message
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
            }),
            Outcome::Refused(r)
                if !is_server_failure(r.http_status)
                    && states_no_refund(r.code.as_ref(), r.text.as_deref()) =>
            {
                let may_correct = !matches!(
                    r.code.as_ref().map(|c| c.cause(r.text.as_deref())),
                    Some(Cause::PaymentState)
                );
                Decision::refused(&r, may_correct)
            }
            Outcome::Refused(r) => self.repeat_or_reconcile(
                context,
                &format!(
                    "refund.do answered HTTP {} {} {:?}, which does not state that no refund \
                     happened",
                    r.http_status,
                    r.code
                        .as_ref()
                        .map(ErrorCode::as_str)
                        .unwrap_or("without a code"),
                    r.text.as_deref().unwrap_or("")
                ),
            ),
            Outcome::Malformed(m) => self
                .repeat_or_reconcile(context, &format!("refund.do's answer states nothing ({m})")),
            other => self.repeat_or_reconcile(
                context,
                &format!("refund.do's answer is {}", other.verdict()),
            ),
        }
    }

    fn after_status(&self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let again = |why: String| {
            Decision::send(
                Step::Wait,
                Request::Status,
                later(context.now, context.timing.poll),
                format!("{why}: ask getOrderStatusExtended.do again"),
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return again("the status answer was lost".into());
        };
        let order = match parse_status_response(http_status, body) {
            Outcome::Success(order) => order,
            Outcome::Refused(r) if is_server_failure(r.http_status) => {
                return again(format!("the status answered HTTP {}", r.http_status));
            }
            Outcome::Refused(r) => {
                return Decision::review(format!(
                    "getOrderStatusExtended.do refused ({}: {}); check order {} in the \
                     gateway's merchant portal before sending refund.do again",
                    r.code.as_ref().map(ErrorCode::as_str).unwrap_or("no code"),
                    r.text.as_deref().unwrap_or(""),
                    self.order_id
                ));
            }
            Outcome::Malformed(m) => {
                return again(format!("the status answer states nothing ({m})"));
            }
            other => return again(format!("the status answer is {}", other.verdict())),
        };
        if let Err(mismatch) = same_order(self, &order) {
            return mismatch;
        }
        self.compare(&order, context)
    }

    fn compare(&self, order: &OrderStatus, context: &Context<'_>) -> Decision<Request> {
        let info = order.payment_amount_info.as_ref();
        let Some(refunded_now) = info.and_then(|i| i.refunded_amount) else {
            return Decision::review(format!(
                "order {} states no paymentAmountInfo.refundedAmount: check it by hand",
                self.order_id
            ));
        };
        let Some(before) = self.before.as_ref().and_then(|b| b.refunded) else {
            return Decision::review(format!(
                "refundedAmount is now {refunded_now}, but its value before the refund was not \
                 recorded: compare by hand"
            ));
        };
        let expected = if self.amount == 0 {
            // A whole-order refund: what was deposited.
            info.and_then(|i| i.deposited_amount)
        } else {
            before.checked_add(self.amount)
        };
        if refunded_now == before {
            return self.unchanged(order, before, context);
        }
        match expected {
            Some(expected) if refunded_now == expected => Decision::Done(Done {
                refunded: Some(Amount::from_minor_units(
                    refunded_now.saturating_sub(before),
                )),
                detail: format!(
                    "refundedAmount grew from {before} to {refunded_now}: the refund went through"
                ),
            }),
            _ => Decision::review(format!(
                "refundedAmount went from {before} to {refunded_now}, not by this refund's \
                 amount ({}): another refund may have been booked; check order {} by hand",
                self.amount, self.order_id
            )),
        }
    }

    /// `refundedAmount` unchanged: the refund did not happen, if the order agrees and the
    /// gateway has had time to book it.
    fn unchanged(
        &self,
        order: &OrderStatus,
        before: u64,
        context: &Context<'_>,
    ) -> Decision<Request> {
        let payment_state = order
            .payment_amount_info
            .as_ref()
            .and_then(|i| i.payment_state.as_deref());
        let refunded_before = self
            .before
            .as_ref()
            .is_some_and(|b| shows_refunded(b.order_status.as_deref(), b.payment_state.as_deref()));
        if shows_refunded(Some(order.order_status.as_str()), payment_state) && !refunded_before {
            return Decision::review(format!(
                "order {} is shown refunded (orderStatus {}, paymentState {}) but \
                 refundedAmount is unchanged ({before}): the status contradicts itself; check \
                 it by hand",
                self.order_id,
                order.order_status.as_str(),
                payment_state.unwrap_or("-")
            ));
        }
        let Some(sent_at) = context.progress.refund_sent_at else {
            return Decision::review(format!(
                "refundedAmount is unchanged ({before}), but when refund.do left is not known: \
                 a refund still being booked cannot be ruled out; check by hand"
            ));
        };
        let settled = later(sent_at, context.timing.settle);
        if context.now < settled {
            return Decision::send(
                Step::Reconcile,
                Request::Status,
                settled,
                format!(
                    "refundedAmount is unchanged ({before}), but refund.do left less than {} s \
                     ago: ask again once it would have been booked",
                    context.timing.settle.as_secs()
                ),
            );
        }
        Decision::send(
            Step::Resend,
            Request::Refund,
            context.now,
            format!(
                "refundedAmount is unchanged ({before}) since before the refund and the order is \
                 not shown refunded: refund.do did not take effect, so it may be sent again"
            ),
        )
    }
}
