//! The refund as refundkit's state machine keeps it ([`Refund`], driven by
//! `refundkit_core::lifecycle::Machine`), and what MWS's answer to `returnPayment`, or its
//! absence, means for the next step.
//!
//! `clientOrderId` is MWS's idempotency key: a repeat of the identical request (same
//! clientOrderId and data; requestDT may differ) returns the first request's result instead of
//! refunding again (the returnPayment page), and status 1 asks for exactly that repeat on a
//! schedule. So a lost answer, a server failure and a technical error (1000) are repeated: the
//! identical request, byte for byte (the refund keeps its XML and its signing time, and RSA
//! PKCS#1 v1.5 signs deterministically).
//!
//! An answer counts only for the refund it names: its `clientOrderId` must be the refund's
//! (MaxPovver/fl-ru-damp's YandexMoney3 reads the echoed id). MWS may sign its answers as
//! PKCS#7: such an answer is read only when verified against the provider's certificate given
//! in the [`Keys`], never the shop's own.

use refundkit_core::lifecycle::{Done, Review};
use std::time::{Duration, UNIX_EPOCH};

use refundkit_core::lifecycle::{
    Answer, BuildError, Context, Decision, Echo, Lifecycle, LoadError, Progress, Repeat, Step,
    Timing, is_server_failure, later,
};
use refundkit_core::outcome::Outcome;
use refundkit_core::{Amount, DecodeError, DecodeErrorKind, Validated};
use refundkit_pkcs7::{Certificate, Digest, SignOptions, Signer, Trust};
use serde::{Deserialize, Serialize};

use crate::codec::{decode_request, encode_request, parse_response, read_response};
use crate::http::{Endpoint, return_payment_request};
use crate::types::{ErrorCode, ReturnPaymentRequest};

const PROVIDER: &str = "yookassa";

/// MWS's schedule, as the returnPayment page gives it for status 1: the identical request
/// after 1 minute, then 3 times every 5 minutes, then no more often than every 30 minutes.
pub fn timing() -> Timing {
    Timing {
        poll: Duration::from_secs(60),
        settle: Duration::from_secs(60),
        repeat: Repeat {
            first: Duration::from_secs(60),
            then: Duration::from_secs(5 * 60),
            then_times: 3,
            later: Duration::from_secs(30 * 60),
        },
        not_sent: Duration::from_secs(5),
        budget: Default::default(),
    }
}

/// Seconds to wait before the repeat that follows attempt `attempts` (1 for the first send):
/// [`timing`]'s repeat schedule.
pub fn repeat_delay(attempts: u32) -> u64 {
    timing().repeat.after(attempts).as_secs()
}

/// The provider's certificates, which its signed answers are verified against (a provider's
/// file may hold several: old and new keys).
#[derive(Debug, Clone)]
pub struct ProviderCertificates(pub Vec<Certificate>);

/// What building a returnPayment and reading its answer need from the shop.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'a> {
    /// The shop's signing key and certificate (the request is signed with it).
    pub signer: Option<&'a Signer>,
    /// The provider's certificates, for answers signed as PKCS#7.
    pub provider: Option<&'a [Certificate]>,
}

/// A returnPayment refund as the machine keeps it: the endpoint, the request's XML as it is
/// signed (no key), and how it is signed (digest, certificate or not, signing time), so that
/// every repeat is the identical request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    endpoint: String,
    /// The returnPaymentRequest XML, byte for byte as signed.
    content: String,
    client_order_id: String,
    invoice_id: String,
    shop_id: String,
    amount: Amount,
    digest: String,
    include_certificate: bool,
    /// Unix seconds.
    signing_time: u64,
}

/// The requests of an MWS refund: returnPayment alone (its status is its identical repeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    /// `returnPayment`.
    ReturnPayment,
}

fn digest_name(d: Digest) -> &'static str {
    match d {
        Digest::Sha1 => "sha1",
        Digest::Sha384 => "sha384",
        Digest::Sha512 => "sha512",
        _ => "sha256",
    }
}

fn digest_of(name: &str) -> Option<Digest> {
    match name {
        "sha1" => Some(Digest::Sha1),
        "sha256" => Some(Digest::Sha256),
        "sha384" => Some(Digest::Sha384),
        "sha512" => Some(Digest::Sha512),
        _ => None,
    }
}

impl Refund {
    /// The refund of a validated request to `endpoint`, signed with `options` each time it is
    /// built (a fixed signing time: every repeat is the same bytes).
    pub fn new(
        endpoint: &Endpoint,
        request: &Validated<ReturnPaymentRequest>,
        options: &SignOptions,
    ) -> Result<Self, refundkit_core::EncodeError> {
        Refund::of(endpoint, request, options)
    }

    fn of(
        endpoint: &Endpoint,
        request: &ReturnPaymentRequest,
        options: &SignOptions,
    ) -> Result<Self, refundkit_core::EncodeError> {
        let content = encode_request(request)?;
        Ok(Refund {
            endpoint: endpoint.base().to_owned(),
            content: String::from_utf8_lossy(&content).into_owned(),
            client_order_id: request.client_order_id.clone(),
            invoice_id: request.invoice_id.clone(),
            shop_id: request.shop_id.clone(),
            amount: request.amount,
            digest: digest_name(options.digest).to_owned(),
            include_certificate: options.include_certificate,
            signing_time: options
                .signing_time
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        })
    }

    /// `clientOrderId`.
    pub fn client_order_id(&self) -> &str {
        &self.client_order_id
    }

    fn options(&self) -> Result<SignOptions, LoadError> {
        let digest = digest_of(&self.digest).ok_or_else(|| {
            LoadError::Decode(DecodeError::new(
                DecodeErrorKind::Value,
                "digest",
                "not one refundkit writes",
            ))
        })?;
        Ok(SignOptions {
            digest,
            include_certificate: self.include_certificate,
            signing_time: UNIX_EPOCH
                .checked_add(Duration::from_secs(self.signing_time))
                .unwrap_or(UNIX_EPOCH),
        })
    }

    /// The XML an answer's body carries: as it is, or opened and verified.
    fn answer_xml(&self, body: &[u8], keys: &Keys<'_>) -> Result<Vec<u8>, Unread> {
        let signed = refundkit_pkcs7::pem::is_pem(body) || body.first() == Some(&0x30);
        if body.trim_ascii_start().starts_with(b"<") || !signed {
            return Ok(body.to_vec());
        }
        let certificates = keys.provider.ok_or(Unread::NoProviderCertificate)?;
        refundkit_pkcs7::open(body, Trust::AnyOf(certificates))
            .map(|opened| opened.content)
            .map_err(|e| Unread::DoesNotVerify(e.to_string()))
    }
}

/// Why a signed answer could not be read.
enum Unread {
    NoProviderCertificate,
    DoesNotVerify(String),
}

impl Lifecycle for Refund {
    type Request = Request;
    type Keys<'k> = Keys<'k>;
    const PROVIDER: &'static str = PROVIDER;

    fn timing() -> Timing {
        timing()
    }

    fn first(&self) -> Request {
        Request::ReturnPayment
    }

    fn is_refund(_: Request) -> bool {
        true
    }

    fn method(_: Request) -> &'static str {
        "returnPayment"
    }

    fn build(
        &self,
        _request: Request,
        _progress: &Progress,
        keys: &Keys<'_>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let endpoint = Endpoint::custom(&self.endpoint)?;
        let signer = keys
            .signer
            .ok_or(BuildError::MissingCredential("YooKassa signing key"))?;
        let valid = crate::validate(decode_request(self.content.as_bytes())?)
            .map_err(|invalid| BuildError::Invalid(invalid.report))?;
        let options = self.options().map_err(|e| BuildError::Sign(Box::new(e)))?;
        let signed = crate::sign_request(&valid, signer, &options)
            .map_err(|e| BuildError::Sign(Box::new(e)))?;
        Ok(return_payment_request(&endpoint, &signed)?)
    }

    fn decide(
        &mut self,
        _request: Request,
        answer: Answer<'_>,
        context: &Context<'_>,
        keys: &Keys<'_>,
    ) -> Decision<Request> {
        let resend = |why: String| {
            Decision::send(
                Step::Resend,
                Request::ReturnPayment,
                later(
                    context.now,
                    context.timing.repeat.after(context.progress.attempts),
                ),
                format!(
                    "{why}: repeat the identical request (clientOrderId {}); MWS returns the \
                     first result for it",
                    self.client_order_id
                ),
            )
        };
        let Answer::Received {
            http_status, body, ..
        } = answer
        else {
            return resend("the answer to returnPayment was lost".into());
        };
        if is_server_failure(http_status) {
            return resend(format!("HTTP {http_status}, a server failure"));
        }
        let xml = match self.answer_xml(body, keys) {
            Ok(xml) => xml,
            Err(Unread::NoProviderCertificate) => {
                return Decision::review(format!(
                    "MWS answered returnPayment (clientOrderId {}) signed as PKCS#7, and no \
                     provider certificate was given to verify it: give YooKassa's certificate \
                     (never the shop's own) and read the answer, or look the refund up with \
                     listReturns; until then nothing it says is known",
                    self.client_order_id
                ));
            }
            Err(Unread::DoesNotVerify(e)) => {
                return resend(format!(
                    "a signed answer that does not verify under the provider's certificate \
                     ({e}) states nothing"
                ));
            }
        };
        let stated = read_response(xml.trim_ascii_start())
            .ok()
            .and_then(|r| r.client_order_id);
        let mismatch = |mismatch| {
            Decision::Review(Review {
                how: format!(
                    "MWS answered about another refund than clientOrderId {}: look the refund up \
                 with listReturns before sending anything",
                    self.client_order_id
                ),
                mismatch: Some(mismatch),
            })
        };
        match parse_response(http_status, &xml) {
            Outcome::Success(r) => {
                if let Err(m) = Echo::new()
                    .required(
                        "returnPaymentResponse@clientOrderId",
                        &self.client_order_id,
                        r.client_order_id.as_deref(),
                    )
                    .check()
                {
                    return mismatch(m);
                }
                Decision::Done(Done {
                    refunded: Some(self.amount),
                    detail: format!(
                        "returnPayment status 0 for clientOrderId {}{}",
                        r.client_order_id.as_deref().unwrap_or_default(),
                        r.processed_dt
                            .map(|t| format!(", processed {t}"))
                            .unwrap_or_default()
                    ),
                })
            }
            Outcome::Malformed(m) => resend(format!("returnPayment's answer states nothing ({m})")),
            other => {
                // A status or a refusal about another clientOrderId says nothing of this one.
                if let Err(m) = Echo::new()
                    .if_stated(
                        "returnPaymentResponse@clientOrderId",
                        Some(&self.client_order_id),
                        stated.as_deref(),
                    )
                    .check()
                {
                    return mismatch(m);
                }
                match other {
                    Outcome::InProgress(_) => resend("returnPayment status 1 (in progress)".into()),
                    Outcome::Refused(r) if r.code == Some(ErrorCode::Technical) => resend(format!(
                        "returnPayment error 1000 (technical error{})",
                        r.text.map(|t| format!(": {t}")).unwrap_or_default()
                    )),
                    Outcome::Refused(r) => {
                        let may_correct = !matches!(
                            r.code,
                            Some(ErrorCode::ClientOrderIdReused | ErrorCode::AlreadyRefunded)
                        );
                        Decision::refused(&r, may_correct)
                    }
                    other => resend(format!("returnPayment's answer is {}", other.verdict())),
                }
            }
        }
    }

    fn amount(&self) -> Option<Amount> {
        Some(self.amount)
    }

    fn payment(&self) -> String {
        self.invoice_id.clone()
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        vec![
            ("clientOrderId", self.client_order_id.clone()),
            ("invoiceId", self.invoice_id.clone()),
            ("shopId", self.shop_id.clone()),
        ]
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        format!(
            "{}\n{}\n{}\n{}\n{}",
            self.endpoint, self.digest, self.include_certificate, self.signing_time, self.content
        )
        .into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        Endpoint::custom(&self.endpoint)?;
        self.options()?;
        let request = decode_request(self.content.as_bytes())?;
        let report = crate::check(&request);
        if report.has_errors() {
            return Err(LoadError::Invalid(report));
        }
        let same = request.client_order_id == self.client_order_id
            && request.invoice_id == self.invoice_id
            && request.shop_id == self.shop_id
            && request.amount == self.amount;
        if !same {
            return Err(LoadError::Inconsistent(
                "clientOrderId, invoiceId, shopId or amount",
            ));
        }
        Ok(())
    }
}
