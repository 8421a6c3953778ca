//! The refund as one owned state machine over every provider, sans-IO: ask it what to do
//! ([`Refund::poll`], which changes nothing), acknowledge the request you are about to send
//! ([`Refund::sent`]), send it with your HTTP client, tell it what came back for that request
//! ([`Refund::on_answer`], by its sequence number). Its state is JSON without a secret
//! ([`Refund::to_json`]): store it between steps, reload it after a restart, and give the
//! credentials again each time.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use refundkit::{Credentials, Refund};
//! use refundkit::core::lifecycle::{Action, Answer};
//! use refundkit::rbs::{http::Endpoint, lifecycle, request_from_json, validate, Auth};
//!
//! let request = validate(request_from_json(br#"{"userName":"shop-api","password":"secret",
//!     "orderId":"148a2a67-25ff-7d1b-b28d-391800a7dca8","amount":50976}"#)?)?;
//! let auth = request.auth.clone();
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000);
//! let endpoint = Endpoint::known(Endpoint::SBERBANK_TEST);
//! let mut refund = Refund::start(lifecycle::Refund::new(&endpoint, &request), now);
//! let mut credentials = Credentials::new();
//! credentials.insert::<Auth>(auth);
//!
//! // RBS first asks the order's refundedAmount, so that a lost refund.do can be reconciled.
//! let Action::Send(first) = refund.poll(now, &credentials)? else { return Err("nothing due".into()) };
//! assert!(first.request.uri().path().ends_with("/getOrderStatusExtended.do"));
//! refund.sent(&first, now)?;
//! let stored = refund.to_json(); // before sending: it records that the request left
//! assert!(!stored.contains("secret"));
//! let mut refund = Refund::from_json(stored.as_bytes())?;
//! refund.on_answer(first.seq, Answer::received(200, br#"{"errorCode":"0",
//!     "orderStatus":2,"paymentAmountInfo":{"depositedAmount":60100,"refundedAmount":0}}"#),
//!     &credentials, now)?;
//!
//! // Then refund.do; its answer is lost.
//! let Action::Send(send) = refund.poll(now, &credentials)? else { return Err("nothing due".into()) };
//! assert!(send.moves_money);
//! refund.sent(&send, now)?;
//! refund.on_answer(send.seq, Answer::Lost, &credentials, now)?;
//! // Never resent blindly: the status is asked once the refund would have been booked.
//! assert!(matches!(refund.poll(now, &credentials)?, Action::Sleep { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(
    not(any(
        feature = "robokassa",
        feature = "yandex-pay",
        feature = "yookassa",
        feature = "rbs"
    )),
    allow(unused, unreachable_code)
)]

use std::time::SystemTime;

use refundkit_core::Amount;
use refundkit_core::lifecycle::{
    Action, Answer, BuildError, DecideError, LoadError, Machine, MachineError, Next, Outgoing,
    Progress, Resolution, Resolved, Status, Timing,
};
use serde::{Deserialize, Serialize};

use crate::credentials::store::Credentials;
use crate::id::ProviderId;

/// One refund at one provider, and how far it got. Serializes as JSON with the provider's name
/// (`"provider": "rbs"`), the state's version, and no credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund(Inner);

/// The refund's machine, one variant per provider of the registry, and `each!`: the same
/// expression for whichever provider's machine the refund holds.
macro_rules! refund_kinds {
    ($d:tt $(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "provider", rename_all = "kebab-case")]
        enum Inner {
            $(
                #[cfg(feature = $feature)]
                $variant(Machine<$krate::lifecycle::Refund>),
            )*
        }

        macro_rules! each {
            ($d inner:expr, $d m:ident => $d body:expr) => {
                match $d inner {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$variant($d m) => $d body,
                    )*
                }
            };
        }

        #[derive(Debug, Clone)]
        enum Inner0 {
            $(
                #[cfg(feature = $feature)]
                $variant($krate::lifecycle::Refund),
            )*
        }

        impl Inner0 {
            fn started(self, timing: Option<Timing>, now: SystemTime) -> Inner {
                fn start<L: refundkit_core::lifecycle::Lifecycle>(
                    r: L,
                    timing: Option<Timing>,
                    now: SystemTime,
                ) -> Machine<L> {
                    Machine::with_timing(r, timing.unwrap_or_else(L::timing), now)
                }
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner0::$variant(r) => Inner::$variant(start(r, timing, now)),
                    )*
                }
            }
        }

        impl Inner {
            fn provider(&self) -> ProviderId {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$variant(_) => ProviderId::$variant,
                    )*
                }
            }
        }

        $(
            #[cfg(feature = $feature)]
            impl From<$krate::lifecycle::Refund> for Unstarted {
                fn from(r: $krate::lifecycle::Refund) -> Self {
                    Unstarted(Inner0::$variant(r))
                }
            }

            #[cfg(feature = $feature)]
            impl From<Machine<$krate::lifecycle::Refund>> for Refund {
                fn from(m: Machine<$krate::lifecycle::Refund>) -> Self {
                    Refund(Inner::$variant(m))
                }
            }
        )*
    };
}

crate::for_each_provider!(refund_kinds $);

/// A provider's refund, not started yet: what [`Refund::start`] takes (each provider crate's
/// `lifecycle::Refund` converts into it).
#[derive(Debug, Clone)]
pub struct Unstarted(Inner0);

impl Unstarted {
    /// The refund made at `now` on its provider's schedule, its first request due at once.
    pub fn started(self, now: SystemTime) -> Refund {
        self.started_with(None, now)
    }

    /// The same on `timing` (a schedule scaled down for tests).
    pub fn started_on(self, timing: Timing, now: SystemTime) -> Refund {
        self.started_with(Some(timing), now)
    }

    fn started_with(self, timing: Option<Timing>, now: SystemTime) -> Refund {
        Refund(self.0.started(timing, now))
    }
}

impl Refund {
    /// A provider's refund (`refundkit::rbs::lifecycle::Refund::new(…)`) made at `now`, on
    /// its provider's schedule, its first request due at once.
    pub fn start<R: Into<Unstarted>>(refund: R, now: SystemTime) -> Refund {
        refund.into().started(now)
    }

    /// The same on `timing` (a schedule scaled down for tests: `Timing::scaled`).
    pub fn start_on<R: Into<Unstarted>>(refund: R, timing: Timing, now: SystemTime) -> Refund {
        refund.into().started_on(timing, now)
    }

    /// The provider.
    pub fn provider(&self) -> ProviderId {
        self.0.provider()
    }

    /// What to do now, changing nothing: a request to send (built with `credentials`,
    /// numbered: acknowledge it with [`Refund::sent`] and store the state before it leaves),
    /// a sleep, the request in flight to answer, the retry budget spent, or a final outcome.
    /// Fails when a credential the request needs is missing.
    pub fn poll(&self, now: SystemTime, credentials: &Credentials) -> Result<Action, BuildError> {
        each!(&self.0, m => poll(m, now, credentials))
    }

    /// Acknowledges `outgoing` (what [`Refund::poll`] gave) as leaving at `now`: the refund is
    /// in flight under its sequence number. Store the state before a byte is sent.
    pub fn sent(&mut self, outgoing: &Outgoing, now: SystemTime) -> Result<(), MachineError> {
        each!(&mut self.0, m => m.sent(outgoing, now))
    }

    /// What came back for request `seq`, the one in flight: [`Answer::Received`],
    /// [`Answer::Lost`] (it left, nothing usable came back; after a crash, every request in
    /// flight), or [`Answer::NotSent`] (the connection could not be made: always safe to send
    /// again). An answer to another request is refused.
    pub fn on_answer(
        &mut self,
        seq: u64,
        answer: Answer<'_>,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        each!(&mut self.0, m => on_answer(m, seq, answer, credentials, now))
    }

    /// Hands the refund to a person with `why` (what [`Action::Escalate`] gives; a state a
    /// worker cannot drive): review, until [`Refund::resolve`].
    pub fn escalate(
        &mut self,
        why: impl Into<String>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        let why = why.into();
        each!(&mut self.0, m => m.escalate(why, now))
    }

    /// A person's answer to the refund in review, with their note and who they are.
    pub fn resolve(
        &mut self,
        resolution: Resolution,
        note: impl Into<String>,
        by: Option<&str>,
        now: SystemTime,
    ) -> Result<(), MachineError> {
        let note = note.into();
        each!(&mut self.0, m => m.resolve(resolution, note, by, now))
    }

    /// When it settled (done or refused; its review began), if it has.
    pub fn settled_at(&self) -> Option<SystemTime> {
        each!(&self.0, m => m.settled_at())
    }

    /// A person's answer, where one settled it.
    pub fn resolved(&self) -> Option<&Resolved> {
        each!(&self.0, m => m.resolved())
    }

    /// A provider's authentic notification (Yandex Pay's `webhook::Notification`, from
    /// `yandex_pay::webhook::verify_for`): applied when it is about this refund and settles it.
    /// Whether it took effect; `false` for a notification this refund's provider does not send.
    pub fn on_notification(&mut self, notification: &dyn std::any::Any, now: SystemTime) -> bool {
        each!(&mut self.0, m => {
            let decision = m.refund().notified(notification, now, m.timing());
            decision.is_some_and(|d| m.settle(d, now))
        })
    }

    /// The current step as a [`Next`], its request built with `credentials` (what `refundkit
    /// <provider> next` prints).
    pub fn next(&self, credentials: &Credentials) -> Result<Next, DecideError> {
        each!(&self.0, m => next(m, credentials))
    }

    /// Where it stands: `pending`, `in-flight`, `waiting`, `done`, `refused`, `review`.
    pub fn status(&self) -> Status {
        each!(&self.0, m => m.status())
    }

    /// When the next request is due, if one is.
    pub fn not_before(&self) -> Option<SystemTime> {
        each!(&self.0, m => m.not_before())
    }

    /// How far it got (attempts of the refund request, sends, when it was made).
    pub fn progress(&self) -> &Progress {
        each!(&self.0, m => m.progress())
    }

    /// The refunded amount, where the refund states one (`None`: the whole payment).
    pub fn amount(&self) -> Option<Amount> {
        each!(&self.0, m => refundkit_core::lifecycle::Lifecycle::amount(m.refund()))
    }

    /// The refund's identifying fields, in the provider's spelling.
    pub fn identity(&self) -> Vec<(&'static str, String)> {
        each!(&self.0, m => refundkit_core::lifecycle::Lifecycle::identity(m.refund()))
    }

    /// The payment it gives money back from, by the provider's id of it (OpKey, the Yandex Pay
    /// or RBS order, the MWS invoice): a journal makes the refunds of one payment one after
    /// another.
    pub fn payment(&self) -> String {
        each!(&self.0, m => refundkit_core::lifecycle::Lifecycle::payment(m.refund()))
    }

    /// Its provider's own schedule (what [`Refund::start`] uses): what a worker scales from,
    /// so that scaling never compounds on a stored, already scaled, timing.
    pub fn default_timing(&self) -> Timing {
        fn of<L: refundkit_core::lifecycle::Lifecycle>(_: &Machine<L>) -> Timing {
            L::timing()
        }
        each!(&self.0, m => of(m))
    }

    /// A hex SHA-256 of everything that defines the refund as sent: the same for the same
    /// refund, different for any other.
    pub fn fingerprint(&self) -> &str {
        each!(&self.0, m => m.fingerprint())
    }

    /// The last decision's reason, or the final outcome's.
    pub fn reason(&self) -> String {
        each!(&self.0, m => m.reason())
    }

    /// The schedule.
    pub fn timing(&self) -> &Timing {
        each!(&self.0, m => m.timing())
    }

    /// Replaces the schedule (steps already scheduled keep their instants).
    pub fn set_timing(&mut self, timing: Timing) {
        each!(&mut self.0, m => m.set_timing(timing))
    }

    /// The state as JSON: no credential, every instant in Unix milliseconds.
    pub fn to_json(&self) -> String {
        // Plain data of strings, numbers and enums: serializing it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A state written by [`Refund::to_json`] (by this version of refundkit or an older one).
    /// Its body is decoded and validated again, and its fingerprint checked: only a validated
    /// request is ever sent.
    pub fn from_json(json: &[u8]) -> Result<Refund, LoadError> {
        Ok(serde_json::from_slice(json)?)
    }
}

fn poll<L: Keyed>(
    m: &Machine<L>,
    now: SystemTime,
    credentials: &Credentials,
) -> Result<Action, BuildError> {
    m.poll(now, &L::keys(credentials))
}

fn on_answer<L: Keyed>(
    m: &mut Machine<L>,
    seq: u64,
    answer: Answer<'_>,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<(), MachineError> {
    m.on_answer(seq, answer, &L::keys(credentials), now)
}

fn next<L: Keyed>(m: &Machine<L>, credentials: &Credentials) -> Result<Next, DecideError> {
    m.next(&L::keys(credentials))
}

/// How a provider's refund reads what it needs from the shop's credentials: each adapter says
/// which of them its requests and answers take.
pub(crate) trait Keyed: refundkit_core::lifecycle::Lifecycle {
    /// The keys of `credentials` this provider uses.
    fn keys(credentials: &Credentials) -> Self::Keys<'_>;

    /// What an authentic notification (of this provider's own type, behind `Any`) decides for
    /// this refund: `None` for none of its own, or one about another refund.
    fn notified(
        &self,
        _notification: &dyn std::any::Any,
        _now: SystemTime,
        _timing: &Timing,
    ) -> Option<refundkit_core::lifecycle::Decision<Self::Request>> {
        None
    }
}
