//! The refund as refundkit's state machine keeps it ([`Refund`], driven by
//! `refundkit_core::lifecycle::Machine`), and what `Refund/Create`'s and `GetState`'s
//! answers, or their absence, mean for the next step.
//!
//! Create has no idempotency key, and `GetState` needs the `requestId` that only Create's
//! answer carries: a Create whose answer was lost cannot be looked up through the refund API,
//! and sending it again may refund twice. refundkit never proposes that; it says to check the
//! operation in Robokassa's merchant account first.
//!
//! A `GetState` answer counts only for the refund it names: its `requestId` must be the one
//! Create's answer gave, and a stated `amount` must be the refund's (artgas1/robokassa-mcp
//! reads the state together with the id it asked for).

use refundkit_core::lifecycle::{Done, Refused, Review};
use std::time::Duration;

use refundkit_core::lifecycle::{
    Answer, BuildError, Context, Decision, Echo, Lifecycle, LoadError, Progress, Repeat, Step,
    Timing, is_server_failure, later,
};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, DecodeError, DecodeErrorKind, Validated};
use serde::{Deserialize, Serialize};

use crate::codec::{decode_request, encode_request, parse_response, parse_state_response};
use crate::http::{CreateBody, Endpoint, create_request, state_request};
use crate::types::{Alg, CreateMessage, Password3, RefundLabel, RefundRequest};

const PROVIDER: &str = "robokassa";

/// Robokassa's schedule. It documents no polling interval; `GetState` is asked every 30 s
/// while a refund is `processing` (refundkit's choice).
pub fn timing() -> Timing {
    Timing {
        poll: Duration::from_secs(30),
        settle: Duration::from_secs(30),
        repeat: Repeat::every(Duration::from_secs(30)),
        not_sent: Duration::from_secs(5),
        budget: Default::default(),
    }
}

/// What the shop checks by hand when Create's outcome is unknown.
const BY_HAND: &str = "Refund/Create has no idempotency key and GetState needs the requestId \
    of its answer: find the refund in Robokassa's merchant account (the operation of this \
    OpKey) before sending any Create for it again; never resend it blindly";

/// A `Refund/Create` refund as the machine keeps it: the service, the algorithm and body form,
/// the payload as it is signed (no Password3), and the `requestId` once Create's answer gave
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    endpoint: String,
    alg: String,
    body: String,
    /// The JWT payload, compact JSON, byte for byte as signed.
    payload: String,
    op_key: String,
    amount: Option<Amount>,
    request_id: Option<String>,
}

/// The requests of a Robokassa refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// `Refund/Create`.
    Create,
    /// `Refund/GetState?id=…`.
    GetState,
}

fn body_name(body: CreateBody) -> &'static str {
    match body {
        CreateBody::BareJwt => "bare-jwt",
        CreateBody::BareText => "bare-text",
        _ => "json-string",
    }
}

fn body_of(name: &str) -> Option<CreateBody> {
    match name {
        "json-string" => Some(CreateBody::JsonString),
        "bare-jwt" => Some(CreateBody::BareJwt),
        "bare-text" => Some(CreateBody::BareText),
        _ => None,
    }
}

impl Refund {
    /// The refund of a validated request to `endpoint`, signed with `alg` when it is built and
    /// carried as `body`.
    pub fn new(
        endpoint: &Endpoint,
        request: &Validated<RefundRequest>,
        alg: Alg,
        body: CreateBody,
    ) -> Result<Self, refundkit_core::EncodeError> {
        Refund::of(endpoint, request, alg, body)
    }

    fn of(
        endpoint: &Endpoint,
        request: &RefundRequest,
        alg: Alg,
        body: CreateBody,
    ) -> Result<Self, refundkit_core::EncodeError> {
        let payload = encode_request(request)?;
        Ok(Refund {
            endpoint: endpoint.base().to_owned(),
            alg: alg.name().to_owned(),
            body: body_name(body).to_owned(),
            payload: String::from_utf8_lossy(&payload).into_owned(),
            op_key: request.op_key.clone(),
            amount: request.refund_sum,
            request_id: None,
        })
    }

    /// `OpKey`.
    pub fn op_key(&self) -> &str {
        &self.op_key
    }

    /// The `requestId` Create's answer gave, once it did.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    fn parts(&self) -> Result<(Endpoint, Alg, CreateBody), LoadError> {
        let bad = |what: &str| {
            LoadError::Decode(DecodeError::new(
                DecodeErrorKind::Value,
                what,
                "not one refundkit writes",
            ))
        };
        Ok((
            Endpoint::custom(&self.endpoint)?,
            Alg::from_name(&self.alg).ok_or_else(|| bad("alg"))?,
            body_of(&self.body).ok_or_else(|| bad("body"))?,
        ))
    }

    fn validated(&self) -> Result<Validated<RefundRequest>, BuildError> {
        crate::validate(decode_request(self.payload.as_bytes())?)
            .map_err(|invalid| BuildError::Invalid(invalid.report))
    }
}

impl Lifecycle for Refund {
    type Request = Request;
    type Keys<'k> = Option<&'k Password3>;
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
            Request::Create => "Refund/Create",
            Request::GetState => "Refund/GetState",
        }
    }

    fn build(
        &self,
        request: Request,
        _progress: &Progress,
        keys: &Option<&Password3>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let (endpoint, alg, body) = self.parts().map_err(|e| match e {
            LoadError::Endpoint(e) => BuildError::Endpoint(e),
            LoadError::Decode(e) => BuildError::Decode(e),
            other => BuildError::Sign(Box::new(other)),
        })?;
        match request {
            Request::Create => {
                let key = keys.ok_or(BuildError::MissingCredential("Password3"))?;
                let token = crate::sign(&self.validated()?, key, alg)
                    .map_err(|e| BuildError::Sign(Box::new(e)))?;
                create_request(&endpoint, &token, body).map_err(|e| BuildError::Http(e.0))
            }
            Request::GetState => {
                let id = self
                    .request_id
                    .as_deref()
                    .ok_or(BuildError::Incomplete("requestId"))?;
                state_request(&endpoint, id).map_err(|e| BuildError::Http(e.0))
            }
        }
    }

    fn decide(
        &mut self,
        request: Request,
        answer: Answer<'_>,
        context: &Context<'_>,
        _keys: &Option<&Password3>,
    ) -> Decision<Request> {
        match request {
            Request::Create => self.after_create(answer, context),
            Request::GetState => self.after_state(answer, context),
        }
    }

    fn amount(&self) -> Option<Amount> {
        self.amount
    }

    fn payment(&self) -> String {
        self.op_key.clone()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![("OpKey", self.op_key.clone())];
        if let Some(id) = &self.request_id {
            fields.push(("requestId", id.clone()));
        }
        fields
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        format!(
            "{}\n{}\n{}\n{}",
            self.endpoint, self.alg, self.body, self.payload
        )
        .into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        self.parts()?;
        let request = decode_request(self.payload.as_bytes())?;
        let report = crate::check(&request);
        if report.has_errors() {
            return Err(LoadError::Invalid(report));
        }
        if request.op_key != self.op_key {
            return Err(LoadError::Inconsistent("OpKey"));
        }
        if request.refund_sum != self.amount {
            return Err(LoadError::Inconsistent("RefundSum"));
        }
        Ok(())
    }
}

impl Refund {
    fn after_create(&mut self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let by_hand = |why: &str| Decision::review(format!("{why}; {BY_HAND}"));
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return by_hand("the answer to Refund/Create was lost");
        };
        match parse_response(http_status, body) {
            Outcome::Success(accepted) => match accepted.request_id {
                Some(id) if !crate::invariants::is_request_id_form(&id) => by_hand(&format!(
                    "Refund/Create stated success with requestId {id:?}, which is not a GUID \
                     (the refund API's page types it as one): GetState is not asked about it"
                )),
                Some(id) => {
                    let detail = format!("Refund/Create accepted the refund as request {id}");
                    self.request_id = Some(id);
                    Decision::send(
                        Step::Wait,
                        Request::GetState,
                        later(context.now, context.timing.poll),
                        detail,
                    )
                }
                None => by_hand("Refund/Create stated success without a requestId"),
            },
            Outcome::Refused(r) if is_server_failure(r.http_status) => by_hand(&format!(
                "Refund/Create answered HTTP {}, a server failure, which states nothing about \
                 the refund",
                r.http_status
            )),
            Outcome::Refused(r) => {
                let may_correct = !matches!(r.code, Some(CreateMessage::AlreadyRefunded));
                Decision::refused(&r, may_correct)
            }
            Outcome::Malformed(m) => {
                by_hand(&format!("Refund/Create's answer states nothing ({m})"))
            }
            other => by_hand(&format!("Refund/Create's answer is {}", other.verdict())),
        }
    }

    fn after_state(&self, answer: Answer<'_>, context: &Context<'_>) -> Decision<Request> {
        let again = |detail: String| {
            Decision::send(
                Step::Wait,
                Request::GetState,
                later(context.now, context.timing.poll),
                detail,
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return again("the GetState answer was lost: ask again".into());
        };
        let asked = self.request_id.as_deref().unwrap_or("");
        match parse_state_response(http_status, body) {
            Outcome::Success(state) => {
                if let Err(mismatch) = Echo::new()
                    .required("requestId", asked, Some(&state.request_id))
                    .amount("amount", self.amount, state.amount)
                    .check()
                {
                    return Decision::Review(Review {
                        how: format!(
                            "GetState answered about another refund than request {asked}: \
                             check the refund in Robokassa's merchant account"
                        ),
                        mismatch: Some(mismatch),
                    });
                }
                match state.label {
                    RefundLabel::Finished => Decision::Done(Done {
                        refunded: state.amount.or(self.amount),
                        detail: format!("GetState: request {} finished", state.request_id),
                    }),
                    RefundLabel::Processing => again(format!(
                        "GetState: request {} is processing",
                        state.request_id
                    )),
                    RefundLabel::Canceled => Decision::Refused(Refused {
                        http_status: Some(http_status),
                        code: Some(state.label.as_str().to_owned()),
                        text: Some(format!(
                            "refund request {} was cancelled in the merchant account",
                            state.request_id
                        )),
                        may_correct: true,
                    }),
                    other => Decision::review(format!(
                        "GetState states a label refundkit does not know ({}): check the refund \
                         in the merchant account",
                        other.as_str()
                    )),
                }
            }
            Outcome::Refused(r) if is_server_failure(r.http_status) => again(format!(
                "GetState answered HTTP {}: ask again",
                r.http_status
            )),
            Outcome::Refused(r) => Decision::review(format!(
                "GetState does not know request {asked} ({}): check the refund in the merchant \
                 account",
                r.code.as_ref().map(|c| c.as_str()).unwrap_or("no message")
            )),
            Outcome::Malformed(m) => again(format!(
                "the GetState answer states nothing ({m}): ask again"
            )),
            other => again(format!(
                "the GetState answer is {}: ask again",
                other.verdict()
            )),
        }
    }
}
