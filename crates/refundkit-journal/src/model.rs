//! What the journal hands out: a refund as it is listed ([`Entry`]), its requests
//! ([`Attempt`]), what a submission did, a claim and what a worker writes with it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use refundkit::ProviderId;
pub use refundkit::core::lifecycle::Resolution;
use refundkit::core::lifecycle::Status;
use refundkit::core::{Amount, DecodeError, Report};
use serde::ser::SerializeMap;

use crate::JournalError;

/// A refund as the journal lists it. Serializes to the members of a line of `refundkit
/// journal show --json`: `id`, `provider`, `payment`, `state`, `amount` (a decimal string),
/// `attempts`, `sends`, `reason` (for refused and review; `null` otherwise), `detail` (the
/// last decision's reason), `created_at`, `updated_at`, `due_at` (UTC, `…T…Z`), `resolution`,
/// `note`, `settled_at`, `hold` and `resolved_by` (who answered a review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The shop's id of the refund.
    pub id: String,
    /// The provider.
    pub provider: ProviderId,
    /// The payment it refunds (the provider's id of it).
    pub payment: String,
    /// Where it stands.
    pub status: Status,
    /// The sum refunded, where the refund states one.
    pub amount: Option<Amount>,
    /// How many times the refund request left (a lost answer counts).
    pub attempts: u32,
    /// How many requests of any kind left.
    pub sends: u32,
    /// The last decision's reason, or the final outcome's.
    pub detail: Option<String>,
    /// When it was submitted.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
    /// When it may next be claimed; `None` once final.
    pub due_at: Option<SystemTime>,
    /// Who holds it, and until when.
    pub lease: Option<Lease>,
    /// A person's answer to a review.
    pub resolution: Option<Resolved>,
    /// When it settled (done or refused; its review began).
    pub settled_at: Option<SystemTime>,
    /// Why no worker may claim it before an instant (a request a worker could not build), or
    /// why it is in review without its machine (a state that does not load).
    pub hold: Option<Hold>,
}

/// Claims of a refund held back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Why.
    pub why: String,
    /// Until when (`None`: until a person mends it).
    pub until: Option<SystemTime>,
}

impl Entry {
    /// Why it settled as it did, for a refund refused or in review (`None` otherwise).
    pub fn reason(&self) -> Option<&str> {
        matches!(self.status, Status::Refused | Status::Review)
            .then_some(self.detail.as_deref())
            .flatten()
    }
}

impl serde::Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let time = refundkit::core::lifecycle::time::format_utc;
        let mut map = s.serialize_map(Some(17))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("provider", &self.provider)?;
        map.serialize_entry("payment", &self.payment)?;
        map.serialize_entry("state", &self.status)?;
        map.serialize_entry("amount", &self.amount.map(|a| a.to_string()))?;
        map.serialize_entry("attempts", &self.attempts)?;
        map.serialize_entry("sends", &self.sends)?;
        map.serialize_entry("reason", &self.reason())?;
        map.serialize_entry("detail", &self.detail)?;
        map.serialize_entry("created_at", &time(self.created_at))?;
        map.serialize_entry("updated_at", &time(self.updated_at))?;
        map.serialize_entry("due_at", &self.due_at.map(time))?;
        map.serialize_entry(
            "resolution",
            &self.resolution.as_ref().map(|r| r.resolution.as_str()),
        )?;
        map.serialize_entry("note", &self.resolution.as_ref().map(|r| &r.note))?;
        map.serialize_entry("settled_at", &self.settled_at.map(time))?;
        map.serialize_entry("hold", &self.hold.as_ref().map(|h| &h.why))?;
        map.serialize_entry(
            "resolved_by",
            &self.resolution.as_ref().and_then(|r| r.by.as_deref()),
        )?;
        map.end()
    }
}

/// A worker's hold on a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The worker.
    pub owner: String,
    /// Until when.
    pub until: SystemTime,
}

/// A person's answer to a review, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Done, or not refunded.
    pub resolution: Resolution,
    /// What the person checked, and where.
    pub note: String,
    /// When.
    pub at: Option<SystemTime>,
    /// Who (`None` for an answer recorded before the journal kept it).
    pub by: Option<String>,
}

/// Which refunds [`crate::Journal::list`] gives; the default gives every one, in the order
/// submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only refunds where they stand so.
    pub status: Option<Status>,
    /// Only this provider's.
    pub provider: Option<ProviderId>,
    /// Only the refunds of this payment.
    pub payment: Option<String>,
    /// Only refunds submitted before this instant.
    pub submitted_before: Option<SystemTime>,
    /// At most this many (the oldest first).
    pub limit: Option<u32>,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// A new refund, recorded.
    Added(Entry),
    /// The same id with the same request: nothing added.
    Existing(Entry),
}

impl Submitted {
    /// The refund, new or not.
    pub fn entry(&self) -> &Entry {
        match self {
            Submitted::Added(e) | Submitted::Existing(e) => e,
        }
    }
}

/// Why a submission was not recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The id is taken by another request.
    #[error("refund {id} was submitted before with another request: nothing recorded")]
    Conflict {
        /// The id.
        id: String,
    },
    /// The shop's id of the refund is not one: empty, longer than 256 bytes, or holding a
    /// control character.
    #[error("refund id: {0}")]
    InvalidId(String),
    /// The provider is not compiled into this refundkit (its cargo feature is off).
    #[error("{0} is not compiled in (its cargo feature is off)")]
    UnknownProvider(ProviderId),
    /// The description lacks a reference the provider needs (`references.rbs_order_id`).
    #[error("{provider} not planned: {detail}")]
    MissingReference {
        /// The provider.
        provider: ProviderId,
        /// Which reference, as the plan says it.
        detail: String,
    },
    /// The description does not read as one (a field's path and why).
    #[error("refund description: {0}")]
    Description(DecodeError),
    /// The refund does not validate by its provider's rules: every violation.
    #[error("the refund does not validate:\n{0}")]
    Invalid(Report),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A refund leased to one worker: what it may write with.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The shop's id.
    pub id: String,
    /// The provider.
    pub provider: ProviderId,
    /// The fence it was claimed with: its writes are refused once another claim raised it.
    pub fence: i64,
    /// The worker.
    pub worker: String,
    /// Until when the lease holds.
    pub lease_until: SystemTime,
    /// When the refund's first request left (`None`: none has): its retry budget in time
    /// counts from here, not from a submission that may have waited behind its payment's
    /// other refunds.
    pub started_at: Option<SystemTime>,
    /// The stored state.
    pub state: String,
}

/// What [`crate::Journal::claim_and_write_ahead`] claimed: the claim, and the refund with the
/// caller's request when their write-ahead was committed with it.
pub type Claimed<T> = (Claim, Option<(refundkit::Refund, T)>);

/// A request about to leave: what the write-ahead record says.
#[derive(Debug, Clone)]
pub struct Sending {
    /// Its sequence number ([`refundkit::core::lifecycle::Outgoing::seq`]): the attempt's
    /// number in the journal, and what its answer is recorded against.
    pub seq: u64,
    /// Its method (`refund.do`).
    pub method: &'static str,
    /// Whether it moves money.
    pub moves_money: bool,
    /// The request as kept (an exchange's `request` member of [`refundkit::transcript`]: its
    /// secrets replaced, a signature that would let it be sent again removed), as JSON.
    pub request: Option<String>,
}

/// A request's end, as the journal closes its attempt: which request, how, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// Its sequence number ([`Sending::seq`]).
    pub seq: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// When its answer came (or its loss was known).
    pub at: SystemTime,
    /// The answer's body as kept: a JSON string of its text, or `{"base64": …}` for bytes
    /// that are not UTF-8 (`None` without an answer).
    pub answer: Option<String>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// An answer came, with this HTTP status.
    Answered(u16),
    /// It left and nothing usable came back.
    Lost,
    /// It never left (no connection).
    NotSent,
    /// Its worker stopped before an answer was recorded: lost, as far as anyone can tell.
    WorkerStopped,
}

impl Outcome {
    /// `answered`, `lost`, `not-sent`, `worker-stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered(_) => "answered",
            Outcome::Lost => "lost",
            Outcome::NotSent => "not-sent",
            Outcome::WorkerStopped => "worker-stopped",
        }
    }
}

/// One request a refund sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Its number among the refund's requests, from 1.
    pub n: u32,
    /// Its method.
    pub method: String,
    /// Whether it moved money.
    pub moves_money: bool,
    /// The worker that sent it.
    pub worker: String,
    /// The fence it was sent under.
    pub fence: i64,
    /// When it was recorded as leaving.
    pub sent_at: SystemTime,
    /// When its end was recorded.
    pub answered_at: Option<SystemTime>,
    /// How it ended (an answer's HTTP status with it); `None` while in flight.
    pub outcome: Option<Outcome>,
    /// The request as it was kept ([`Sending::request`]), where the journal kept it.
    pub request: Option<String>,
    /// The answer's body as it was kept ([`Answered::answer`]).
    pub answer: Option<String>,
}

impl Sending {
    /// What `outgoing` is, for its write-ahead record.
    pub fn of(outgoing: &refundkit::core::lifecycle::Outgoing) -> Sending {
        // The transcript's rule for what of a request may be kept: the same in a journal.
        let request =
            refundkit::transcript::record(&outgoing.request, None, UNIX_EPOCH, Duration::ZERO)
                .and_then(|exchange| exchange.get("request").map(ToString::to_string));
        Sending {
            seq: outgoing.seq,
            method: outgoing.method,
            moves_money: outgoing.moves_money,
            request,
        }
    }
}

impl Answered {
    /// The body of an answer, as [`Answered::answer`] keeps it.
    pub fn kept(body: &[u8]) -> String {
        refundkit::core::conformance::export::wire(body).to_string()
    }
}

/// Unix milliseconds, clamped into `i64`.
pub(crate) fn ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) fn instant(ms: i64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
        .unwrap_or(UNIX_EPOCH)
}

pub(crate) fn status_of(text: &str) -> Option<Status> {
    Some(match text {
        "pending" => Status::Pending,
        "in-flight" => Status::InFlight,
        "waiting" => Status::Waiting,
        "done" => Status::Done,
        "refused" => Status::Refused,
        "review" => Status::Review,
        _ => return None,
    })
}
