//! The refund as refundkit's state machine keeps it ([`Refund`], driven by
//! `refundkit_core::lifecycle::Machine`), and what the answers of `POST /v3/refunds` and
//! `GET /v3/refunds/{id}` mean for the next step.
//!
//! `Idempotence-Key` is YooKassa's idempotency key: the same key with the same body answers as
//! the first time, so a refund whose answer was lost, a 5xx, a 429 or a 202 is repeated byte
//! for byte under it (the reference's advice: "500, repeat with the same key"; the PHP SDK
//! repeats on 202 and 500 after `retry_after`). Only while the key is kept: 24 hours in the
//! public clients' words (unverified), after which a repeat could refund twice, so the refund
//! goes to a person instead. A 4xx is a refusal: a corrected refund takes a new key.
//!
//! A refund object counts only for the refund it names: its `payment_id` and `amount` must be
//! the refund's, and its `id` the one the first answer gave.

use std::time::{Duration, SystemTime};

use refundkit_core::lifecycle::{
    Answer, BuildError, Context, Decision, Done, Echo, Lifecycle, LoadError, Progress, Refused,
    Repeat, Review, Step, Timing, is_server_failure, later,
};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, Validated};
use serde::{Deserialize, Serialize};

use crate::codec::{decode_request, encode_request, error_details, parse_response};
use crate::http::{Endpoint, is_key_form, refund_request, refund_status_request};
use crate::invariants::Context as RulesContext;
use crate::types::{Auth, IdempotenceKey, RefundObject, RefundRequest, RefundStatus};

const PROVIDER: &str = "yookassa-v3";

/// How long YooKassa keeps an `Idempotence-Key` (24 hours: the public clients' statement,
/// unverified): a refund is repeated under its key only within it.
pub const KEY_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// YooKassa's schedule. The reference documents none beyond `retry_after`; refundkit asks a
/// pending refund's status every 30 s and repeats a refund after 5 s (`retry_after` or a
/// `Retry-After` header, when given, wins).
pub fn timing() -> Timing {
    Timing {
        poll: Duration::from_secs(30),
        settle: Duration::from_secs(30),
        repeat: Repeat::every(Duration::from_secs(5)),
        not_sent: Duration::from_secs(5),
        budget: Default::default(),
    }
}

/// A refund as the machine keeps it: the base URL, its `Idempotence-Key`, the body as it is
/// sent (no credential: Basic auth is built each time from the keys given), and the refund's
/// own id once an answer gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    endpoint: String,
    key: String,
    /// The body, compact JSON, byte for byte as sent.
    body: String,
    payment_id: String,
    amount: Amount,
    currency: String,
    refund_id: Option<String>,
}

/// The requests of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// `POST /v3/refunds`.
    Create,
    /// `GET /v3/refunds/{id}`.
    Status,
}

impl Refund {
    /// The refund of a validated request to `endpoint`, under `key` on every send.
    pub fn new(
        endpoint: &Endpoint,
        request: &Validated<RefundRequest>,
        key: &IdempotenceKey,
    ) -> Result<Self, refundkit_core::EncodeError> {
        if !is_key_form(&key.0) {
            return Err(refundkit_core::EncodeError::new(
                "Idempotence-Key",
                "1 to 64 printable ASCII characters",
            ));
        }
        Ok(Refund {
            endpoint: endpoint.base().to_owned(),
            key: key.0.clone(),
            body: String::from_utf8_lossy(&encode_request(request)?).into_owned(),
            payment_id: request.payment_id.clone(),
            amount: request.amount.value,
            currency: request.amount.currency.clone(),
            refund_id: None,
        })
    }

    /// The refund's own id, once an answer gave it.
    pub fn refund_id(&self) -> Option<&str> {
        self.refund_id.as_deref()
    }

    /// Its `Idempotence-Key`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Within the key's lifetime, the identical refund again; past it, a person.
    fn again(&self, context: &Context<'_>, why: &str, after: Duration) -> Decision<Request> {
        let first = context
            .progress
            .first_sent_at
            .unwrap_or(context.progress.created);
        let age = context.now.duration_since(first).unwrap_or_default();
        if age >= KEY_LIFETIME {
            return Decision::review(format!(
                "{why}, and the Idempotence-Key {} is older than YooKassa keeps one (24 h, \
                 unverified): a repeat could refund twice; check the payment's refunds in the \
                 YooKassa account",
                self.key
            ));
        }
        Decision::send(
            Step::Resend,
            Request::Create,
            later(context.now, after),
            format!(
                "{why}: repeat the identical refund under Idempotence-Key {}; YooKassa answers \
                 as the first time",
                self.key
            ),
        )
    }

    /// Whether `object` is this refund's.
    fn names_this_refund(&self, object: &RefundObject) -> Result<(), Decision<Request>> {
        Echo::new()
            .required("payment_id", &self.payment_id, Some(&object.payment_id))
            .if_stated("id", self.refund_id.as_deref(), Some(&object.id))
            .required(
                "amount.currency",
                &self.currency,
                Some(&object.amount.currency),
            )
            .amount("amount.value", Some(self.amount), Some(object.amount.value))
            .check()
            .map_err(|mismatch| {
                Decision::Review(Review {
                    how: format!(
                        "the refund object is not this refund's (payment {}, {} {}): check the \
                         payment's refunds in the YooKassa account before sending anything",
                        self.payment_id, self.amount, self.currency
                    ),
                    mismatch: Some(mismatch),
                })
            })
    }

    fn by_object(&mut self, object: &RefundObject, context: &Context<'_>) -> Decision<Request> {
        if let Err(mismatch) = self.names_this_refund(object) {
            return mismatch;
        }
        if self.refund_id.is_none() {
            self.refund_id = Some(object.id.clone());
        }
        match &object.status {
            RefundStatus::Succeeded => Decision::Done(Done {
                refunded: Some(object.amount.value),
                detail: format!("refund {} succeeded", object.id),
            }),
            RefundStatus::Pending => Decision::send(
                Step::Wait,
                Request::Status,
                later(context.now, context.timing.poll),
                format!("refund {} pending: ask its status", object.id),
            ),
            RefundStatus::Canceled => {
                let c = object
                    .cancellation
                    .clone()
                    .unwrap_or(crate::types::Cancellation {
                        party: None,
                        reason: None,
                    });
                Decision::Refused(Refused {
                    http_status: Some(200),
                    code: c.reason.clone(),
                    text: Some(format!(
                        "refund {} canceled by {}",
                        object.id,
                        c.party.as_deref().unwrap_or("(no party)")
                    )),
                    may_correct: true,
                })
            }
            other => Decision::send(
                Step::Reconcile,
                Request::Status,
                later(context.now, context.timing.poll),
                format!(
                    "refund {} has status {other:?}, which states nothing refundkit knows: ask \
                     again",
                    object.id
                ),
            ),
        }
    }

    fn after_create(&mut self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return self.again(
                context,
                "the answer to the refund was lost",
                context.timing.repeat.first,
            );
        };
        let retry = error_details(body)
            .and_then(|d| d.retry_after_ms)
            .map_or(context.timing.repeat.first, |ms| {
                Duration::from_millis(ms.min(86_400_000))
            });
        match parse_response(http_status, body) {
            Outcome::Success(object) => self.by_object(&object, context),
            Outcome::ServerError { http_status } => self.again(
                context,
                &format!("HTTP {http_status}: not processed yet, or a server failure"),
                retry,
            ),
            Outcome::Refused(r) if is_server_failure(r.http_status) => self.again(
                context,
                &format!("HTTP {}, a server failure", r.http_status),
                retry,
            ),
            Outcome::Refused(r) => Decision::refused(&r, true),
            Outcome::Malformed(m) => self.again(
                context,
                &format!("the refund's answer states nothing ({m})"),
                context.timing.repeat.first,
            ),
            other => self.again(
                context,
                &format!("the refund's answer is {}", other.verdict()),
                context.timing.repeat.first,
            ),
        }
    }

    fn after_status(&mut self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let ask_again = |why: String| {
            Decision::send(
                Step::Wait,
                Request::Status,
                later(context.now, context.timing.poll),
                format!("{why}: ask the refund's status again"),
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return ask_again("the status's answer was lost".into());
        };
        match parse_response(http_status, body) {
            Outcome::Success(object) => self.by_object(&object, context),
            Outcome::Refused(r) if !is_server_failure(r.http_status) => Decision::review(format!(
                "the refund's status was refused (HTTP {} {}): check the refund in the YooKassa \
                 account",
                r.http_status,
                r.code.as_ref().map_or("-", |c| c.as_str())
            )),
            other => ask_again(format!("the status answer is {}", other.verdict())),
        }
    }
}

fn built<E: std::error::Error + Send + Sync + 'static>(e: E) -> BuildError {
    BuildError::Sign(Box::new(e))
}

impl Lifecycle for Refund {
    type Request = Request;
    type Keys<'k> = Option<&'k Auth>;
    const PROVIDER: &'static str = PROVIDER;

    fn timing() -> Timing {
        timing()
    }

    fn first(&self) -> Request {
        Request::Create
    }

    fn is_refund(request: Request) -> bool {
        request == Request::Create
    }

    fn method(request: Request) -> &'static str {
        match request {
            Request::Create => "refunds",
            Request::Status => "refunds/{id}",
        }
    }

    fn build(
        &self,
        request: Request,
        _progress: &Progress,
        keys: &Option<&Auth>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let auth = keys.ok_or(BuildError::MissingCredential(
            "YooKassa shop id and secret key",
        ))?;
        let endpoint = Endpoint::custom(&self.endpoint)?;
        match request {
            Request::Create => {
                let body = crate::validate(
                    decode_request(self.body.as_bytes())?,
                    &RulesContext::default(),
                )
                .map_err(|invalid| BuildError::Invalid(invalid.report))?;
                refund_request(&endpoint, auth, &IdempotenceKey(self.key.clone()), &body)
                    .map_err(built)
            }
            Request::Status => {
                let id = self
                    .refund_id
                    .as_deref()
                    .ok_or(BuildError::Incomplete("refund id"))?;
                refund_status_request(&endpoint, auth, id).map_err(built)
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
            Request::Create => self.after_create(answer, context),
            Request::Status => self.after_status(answer, context),
        }
    }

    fn amount(&self) -> Option<Amount> {
        Some(self.amount)
    }

    fn payment(&self) -> String {
        self.payment_id.clone()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("payment_id", self.payment_id.clone()),
            ("Idempotence-Key", self.key.clone()),
        ];
        if let Some(id) = &self.refund_id {
            fields.push(("id", id.clone()));
        }
        fields
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        format!("{}\n{}\n{}", self.endpoint, self.key, self.body).into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        Endpoint::custom(&self.endpoint)?;
        if !is_key_form(&self.key) {
            return Err(LoadError::Inconsistent("Idempotence-Key"));
        }
        let request = decode_request(self.body.as_bytes())?;
        let report = crate::check(&request, &RulesContext::default());
        if report.has_errors() {
            return Err(LoadError::Invalid(report));
        }
        if request.payment_id != self.payment_id {
            return Err(LoadError::Inconsistent("payment_id"));
        }
        if request.amount.value != self.amount || request.amount.currency != self.currency {
            return Err(LoadError::Inconsistent("amount"));
        }
        Ok(())
    }
}

/// When a refund whose first send left at `first_sent_at` may still be repeated under its key.
pub fn key_expires(first_sent_at: SystemTime) -> SystemTime {
    later(first_sent_at, KEY_LIFETIME)
}
