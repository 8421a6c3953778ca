//! Each refund exactly once, across crashes, restarts and any number of instances.
//!
//! The journal stores each refund's state machine ([`refundkit::Refund`], whose state holds no
//! secret) in SQLite (a file, the default) or PostgreSQL (a fleet), and the [`worker`] drives
//! it: it claims a refund that is due under a lease, builds its request with the shop's
//! credentials, records that the request is about to leave (**write-ahead**: durable before a
//! byte is sent), sends it through the shop's [`worker::Transport`], and records the answer.
//!
//! - A request recorded as leaving and never answered (the worker was killed) is *lost*: the
//!   next worker to claim the refund, once the lease has run out, tells the state machine so,
//!   and the machine decides (the provider's safe repeat under its key, the refund's status,
//!   or a person). Memory is never trusted over the journal.
//! - A claim raises the refund's **fence**; every write names the fence it was claimed with, so
//!   a worker whose lease ran out can never write over newer state.
//! - The refunds of one **payment** go one after another in the order submitted (RBS's
//!   `refundedAmount` comparison, partial refunds of one order), never side by side.
//! - **Submission is idempotent**: the shop's refund id, the same request again adds nothing,
//!   another request under that id is refused. MWS clientOrderIds are allocated from a
//!   sequence shared by every instance.
//!
//! The main API is async ([`Journal`]: `Clone + Send + Sync`, its calls answered by
//! connections on threads of the journal's own, so nothing blocks or panics on a runtime);
//! [`blocking::Journal`] is the same for threads.
//!
//! ```
//! use std::time::SystemTime;
//! use refundkit_journal::{Journal, Submitted};
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("refundkit-journal-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! let journal = Journal::connect(&format!("sqlite:{}", dir.join("refunds.db").display())).await?;
//! journal.migrate().await?;
//! let description = refundkit::plan::RefundDescription::from_json(r#"{
//!   "order": {"lines": [{"id": "tea", "name": "Чай", "unit_price": "100.00", "quantity": "3",
//!     "vat": "22", "payment_method": "full_payment", "payment_subject": "commodity"}]},
//!   "refund": {"lines": [{"id": "tea", "quantity": "1"}]},
//!   "references": {"rbs_order_id": "148a2a67-25ff-7d1b-b28d-391800a7dca8"}
//! }"#.as_bytes())?;
//! // The request is validated as it will be sent, so the plan needs the credentials; none is
//! // stored (the worker is given them again).
//! let credentials = refundkit::samples::credentials();
//! let now = SystemTime::now();
//! let first = journal.submit("refund-42", refundkit::ProviderId::Rbs,
//!     &description, &credentials, now).await?;
//! assert!(matches!(first, Submitted::Added(_)));
//! // The same request under the same id: nothing added.
//! let again = journal.submit("refund-42", refundkit::ProviderId::Rbs,
//!     &description, &credentials, now).await?;
//! assert!(matches!(again, Submitted::Existing(_)));
//! let entry = journal.get("refund-42").await?.ok_or("recorded")?;
//! assert_eq!(entry.amount.map(|a| a.to_string()).as_deref(), Some("100.00"));
//! assert_eq!(entry.status.as_str(), "pending");
//! assert!(!format!("{:?}", journal.refund("refund-42").await?).contains("sample-rbs-password"));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod backend;
pub mod blocking;
pub mod clock;
mod conn;
pub mod guide;
mod journal;
mod location;
pub mod metrics;
mod model;
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
pub mod schema;
mod sqlite;
#[cfg(feature = "worker")]
pub mod worker;

pub use journal::{Journal, Migration, Options};
pub use location::Location;
pub use model::{
    Answered, Attempt, Claim, Claimed, Entry, Filter, Hold, Lease, Outcome, Resolution, Resolved,
    Sending, SubmitError, Submitted,
};

use refundkit::core::lifecycle::Status;

/// What went wrong in the journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The database failed. `retryable`: it lost a race (a busy database, a serialization
    /// failure), and the journal already ran the transaction again as often as it would.
    #[error("database: {detail}")]
    Storage {
        /// Whether running the transaction again may succeed.
        retryable: bool,
        /// The database's message (never a URL or a credential).
        detail: String,
    },
    /// The journal URL is not one.
    #[error("journal URL: {0}")]
    Url(String),
    /// The database's schema is newer than this refundkit.
    #[error("the journal's schema is version {found}, newer than this refundkit's ({max})")]
    SchemaVersion {
        /// The database's version.
        found: i64,
        /// The newest this refundkit knows.
        max: i64,
    },
    /// There is no journal at this location (a missing or empty file, a database without
    /// refundkit's tables): reading found nothing to read.
    #[error("no journal at {0}: a missing or empty file, or a database refundkit never wrote")]
    NoJournal(String),
    /// The journal's schema is not this refundkit's yet (0: the database holds no journal):
    /// [`Journal::migrate`] brings it up to date.
    #[error(
        "the journal's schema is version {found}, this refundkit's is {current}: migrate it \
         first (Journal::migrate)"
    )]
    NotMigrated {
        /// The database's version.
        found: i64,
        /// This refundkit's.
        current: i64,
    },
    /// A journal connected to read only was asked to write.
    #[error("the journal was connected to read only")]
    ReadOnly,
    /// The journal's schema is older than this refundkit's, and the journal was opened to be
    /// read only: a command that writes (a worker, a submission) brings it up to date.
    #[error(
        "the journal's schema is version {found}, older than this refundkit's ({current}): open \
         it with a command that writes to bring it up to date"
    )]
    SchemaBehind {
        /// The database's version.
        found: i64,
        /// This refundkit's.
        current: i64,
    },
    /// Another claim raised the refund's fence (this worker's lease ran out and another
    /// worker took the refund over), or the lease ran out before a request left: this
    /// worker's write is refused, and it must not send.
    #[error("refund {id}: the claim with fence {fence} is stale; another worker holds it")]
    Stale {
        /// The refund.
        id: String,
        /// The fence that was stale.
        fence: i64,
    },
    /// No refund has this id.
    #[error("no refund {0} in the journal")]
    NotFound(String),
    /// A resolution was given for a refund that is not in review.
    #[error("refund {id} is {status}, not in review: there is nothing to resolve")]
    NotInReview {
        /// The refund.
        id: String,
        /// Where it stands.
        status: Status,
    },
    /// A stored refund does not load (changed by hand, or written by a newer refundkit).
    #[error("refund {id}: the stored state does not load: {detail}")]
    Corrupt {
        /// The refund.
        id: String,
        /// Why.
        detail: String,
    },
}
