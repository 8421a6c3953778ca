//! The refund lifecycle across the four providers: from what happened (the request sent and
//! its answer, or no answer) to what to do next, one pure function of what is passed in.
//!
//! | provider | idempotency key | status source | a lost refund answer | refundkit decides |
//! |---|---|---|---|---|
//! | Robokassa | none | `GetState` by the `requestId` of Create's answer | cannot be looked up through the API | reconcile by hand in the merchant account; never resend |
//! | Yandex Pay | `externalOperationId` | operation status (or the order without one), notifications | the same id is idempotent | resend under the same id (reconcile through the order without one) |
//! | YooKassa MWS | `clientOrderId` | the identical repeat; `listReturns` by hand | the identical repeat returns the first result | resend the identical request on MWS's schedule |
//! | RBS | none | `getOrderStatusExtended.do` | unknown | reconcile by comparing `refundedAmount` with its value before |
//!
//! The door to take is [`crate::Refund`], the refund as a state machine that keeps all of
//! this between steps. [`decide`] is its rules applied once to recorded requests, as
//! `refundkit <provider> next` does with files:
//!
//! ```
//! use std::time::SystemTime;
//! use refundkit::ProviderId;
//! use refundkit::core::lifecycle::{Answer, Record, Step};
//! use refundkit::rbs::{http::{refund_request, Endpoint}, request_from_json, validate};
//!
//! let request = validate(request_from_json(br#"{"userName":"shop","password":"secret",
//!     "orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8","amount":1000}"#)?)?;
//! let refund = refund_request(&Endpoint::known(Endpoint::SBERBANK_TEST), &request)?;
//! // The connection dropped after the request left: the money may or may not have gone back.
//! let next = refundkit::lifecycle::decide(ProviderId::Rbs, &Record::sent_once(&refund), &refund,
//!                                         Answer::Lost, SystemTime::UNIX_EPOCH)?;
//! assert_eq!(next.step(), Step::Reconcile);
//! assert!(next.request().unwrap().uri().path().ends_with("/getOrderStatusExtended.do"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::SystemTime;

use http::Request;
pub use refundkit_core::lifecycle::{Answer, DecideError, Next, Record, Step};

use crate::providers::ProviderId;

/// Why `decide` could not be asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LifecycleError {
    /// The provider's cargo feature is off.
    #[error("{0} is not compiled in (its cargo feature is off)")]
    NotCompiled(ProviderId),
    /// The provider could not decide on these requests.
    #[error(transparent)]
    Decide(#[from] DecideError),
}

/// The next step after `sent` got `answer`, by `provider`'s rules.
pub fn decide(
    provider: ProviderId,
    record: &Record<'_>,
    sent: &Request<Vec<u8>>,
    answer: Answer<'_>,
    now: SystemTime,
) -> Result<Next, LifecycleError> {
    let p = provider
        .adapter()
        .ok_or(LifecycleError::NotCompiled(provider))?;
    Ok(p.decide(record, sent, answer, now)?)
}
