//! The refund lifecycle across the providers: from what happened (the request sent and
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
//! this between steps; `refundkit <provider> next --state FILE` drives one step of it from
//! its stored state.

pub use refundkit_core::lifecycle::{
    Action, Answer, DecideError, Done, Next, Outgoing, Refused, Resolution, Review, Step,
};
