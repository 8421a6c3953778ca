//! The journal: each refund's state, who holds it, and every request it sent, in one of two
//! databases behind one set of statements.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use refundkit::core::Report;
use refundkit::core::lifecycle::Status;
use refundkit::plan::{Credentials, RefundDescription};
use refundkit::providers::Fill;
use refundkit::{ProviderId, Refund};
use sha2::Digest as _;

use crate::backend::{Backend, Row, Tx, Value};
use crate::{JournalError, schema};

/// How many times a transaction that lost a race (a unique violation between two
/// submissions, a serialization failure, a busy database) is run again before the error is
/// given up.
const RETRIES: u32 = 5;

/// The journal: open one per thread (a connection each); any number may share a database.
pub struct Journal {
    backend: Box<dyn Backend>,
    /// Whether this open made the journal (the database held none).
    created: bool,
}

impl std::fmt::Debug for Journal {
    // Never the URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Journal")
    }
}

/// Where a journal lives, read from a URL: `sqlite:PATH` (a file, created when missing) or
/// `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database, by its connection URL.
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            // The URL may carry a password.
            #[cfg(feature = "postgres")]
            Location::Postgres(_) => f.write_str("postgres://…"),
        }
    }
}

impl std::str::FromStr for Location {
    type Err = JournalError;
    fn from_str(url: &str) -> Result<Self, JournalError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(JournalError::Url("sqlite: needs a file path".into()));
            }
            return Ok(Location::Sqlite(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Location::Postgres(url.to_owned()));
            #[cfg(not(feature = "postgres"))]
            return Err(JournalError::Url(
                "PostgreSQL is not compiled in (the `postgres` feature is off)".into(),
            ));
        }
        // Never echo the URL: it may carry a password.
        Err(JournalError::Url(
            "expected sqlite:PATH, postgres://… or postgresql://…".into(),
        ))
    }
}

/// A refund as the journal lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The shop's id of the refund.
    pub id: String,
    /// The provider.
    pub provider: String,
    /// The payment it refunds (the provider's id of it).
    pub payment: String,
    /// Where it stands.
    pub status: Status,
    /// The sum refunded, a decimal string, where the refund states one.
    pub amount: Option<String>,
    /// How many times the refund request left (a lost answer counts).
    pub attempts: u32,
    /// How many requests of any kind left.
    pub sends: u32,
    /// The last decision's reason, or the final outcome's.
    pub reason: Option<String>,
    /// When it was submitted.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
    /// When it may next be claimed; `None` once final.
    pub due_at: Option<SystemTime>,
    /// Who holds it, and until when.
    pub lease: Option<(String, SystemTime)>,
    /// A person's answer to a review: `done` or `not-refunded`, and their note.
    pub resolution: Option<(String, String)>,
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
    /// The refund does not validate by its provider's rules: every violation.
    #[error("the refund does not validate:\n{0}")]
    Invalid(Report),
    /// The shop's id of the refund is not one: empty, longer than 256 bytes, or holding a
    /// control character.
    #[error("refund id: {0}")]
    InvalidId(String),
    /// The description does not plan a refund at this provider.
    #[error("{0}")]
    NotPlanned(String),
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
    pub provider: String,
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

/// A request about to leave: what the write-ahead record says.
#[derive(Debug, Clone)]
pub struct Sending<'a> {
    /// Its method (`refund.do`).
    pub method: &'a str,
    /// Whether it moves money.
    pub moves_money: bool,
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
    fn as_str(self) -> &'static str {
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
    /// How it ended: `answered`, `lost`, `not-sent`, `worker-stopped`; `None` while in flight.
    pub outcome: Option<String>,
    /// The answer's HTTP status.
    pub http_status: Option<u16>,
}

/// A person's answer to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// The money went back (seen in the provider's console or the bank statement): done.
    Done,
    /// No money moved for this refund: refused, and a new refund may be submitted.
    NotRefunded,
}

impl Resolution {
    fn as_str(self) -> &'static str {
        match self {
            Resolution::Done => "done",
            Resolution::NotRefunded => "not-refunded",
        }
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

fn status_of(text: &str) -> Result<Status, JournalError> {
    Ok(match text {
        "pending" => Status::Pending,
        "in-flight" => Status::InFlight,
        "waiting" => Status::Waiting,
        "done" => Status::Done,
        "refused" => Status::Refused,
        "review" => Status::Review,
        other => {
            return Err(JournalError::Corrupt {
                id: String::new(),
                detail: format!("status {other:?}"),
            });
        }
    })
}

/// What a refund's row says of it: status, when it is due, why, counts.
struct Standing {
    status: Status,
    due_at: Option<i64>,
    reason: String,
    attempts: i64,
    sends: i64,
}

fn standing(refund: &Refund, now: SystemTime) -> Standing {
    let status = refund.status();
    let due_at = match status {
        Status::Pending | Status::Waiting => Some(ms(refund.not_before().unwrap_or(now))),
        // Due from the moment it left: claimed again only once its lease has run out.
        Status::InFlight => Some(ms(now)),
        _ => None,
    };
    Standing {
        status,
        due_at,
        reason: refund.reason(),
        attempts: i64::from(refund.progress().attempts),
        sends: i64::from(refund.progress().sends),
    }
}

const ENTRY_COLUMNS: &str = "id, provider, payment, status, amount, attempts, sends, reason, \
     created_at, updated_at, due_at, lease_owner, lease_until, resolution, note";

fn entry_of(row: &Row) -> Result<Entry, JournalError> {
    let col = |i: usize| row.get(i).cloned().unwrap_or(Value::Int(None));
    let text = |i: usize| col(i).text().map(str::to_owned);
    let int = |i: usize| col(i).int();
    let id = text(0).unwrap_or_default();
    let count = |i: usize| u32::try_from(int(i).unwrap_or(0)).unwrap_or(u32::MAX);
    Ok(Entry {
        provider: text(1).unwrap_or_default(),
        payment: text(2).unwrap_or_default(),
        status: status_of(&text(3).unwrap_or_default()).map_err(|e| match e {
            JournalError::Corrupt { detail, .. } => JournalError::Corrupt {
                id: id.clone(),
                detail,
            },
            e => e,
        })?,
        amount: text(4),
        attempts: count(5),
        sends: count(6),
        reason: text(7),
        created_at: instant(int(8).unwrap_or(0)),
        updated_at: instant(int(9).unwrap_or(0)),
        due_at: int(10).map(instant),
        lease: text(11).zip(int(12).map(instant)),
        resolution: text(13).zip(text(14)),
        id,
    })
}

/// The next number of sequence `name`: one more than the last, or `floor` if that is
/// higher. Unique and increasing across every connection: the row is locked (PostgreSQL) or
/// the database is (SQLite) until the transaction ends.
fn next_in(tx: &mut dyn Tx, name: &str, floor: i64) -> Result<i64, JournalError> {
    let rows = tx.query(
        "INSERT INTO refundkit_sequences (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = CASE
             WHEN refundkit_sequences.value + 1 > $2 THEN refundkit_sequences.value + 1
             ELSE $2 END
         RETURNING value",
        &[Value::from(name), Value::from(floor.max(1))],
    )?;
    rows.first()
        .and_then(|r| r.first())
        .and_then(Value::int)
        .ok_or_else(|| JournalError::Storage {
            retryable: false,
            detail: "the sequence returned no value".into(),
        })
}

/// The description's digest: what "the same request" means for a description.
fn description_digest(provider: ProviderId, description: &RefundDescription) -> String {
    let json = serde_json::to_string(description).unwrap_or_default();
    let mut hash = sha2::Sha256::new();
    hash.update(b"refundkit-journal description 1\n");
    hash.update(provider.name().as_bytes());
    hash.update(b"\n");
    hash.update(json.as_bytes());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A refund id: 1 to 256 bytes of text without a control character (an id is printed in
/// tables and logs, where a line break or a terminal escape would forge a line).
fn check_id(id: &str) -> Result<(), SubmitError> {
    if id.is_empty() || id.len() > 256 {
        return Err(SubmitError::InvalidId(format!(
            "a refund id is 1 to 256 bytes, not {}",
            id.len()
        )));
    }
    if let Some(at) = id.chars().position(char::is_control) {
        return Err(SubmitError::InvalidId(format!(
            "a refund id is plain text: a control character at character {at}"
        )));
    }
    Ok(())
}

/// What a submission records, once built.
struct Built {
    refund: Refund,
    amount: Option<String>,
}

impl Journal {
    /// Opens (creating when missing) the journal at `url`, `sqlite:PATH` or
    /// `postgres://…`, and brings its schema up to date.
    pub fn open(url: &str) -> Result<Journal, JournalError> {
        Journal::open_at(&url.parse()?)
    }

    /// Opens the journal at `location`.
    pub fn open_at(location: &Location) -> Result<Journal, JournalError> {
        let backend: Box<dyn Backend> = match location {
            Location::Sqlite(path) => Box::new(crate::sqlite::Sqlite::open(Path::new(path))?),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Box::new(crate::postgres::Postgres::connect(url)?),
        };
        let mut journal = Journal {
            backend,
            created: false,
        };
        journal.created = journal.tx(|tx| schema::migrate(tx))?;
        Ok(journal)
    }

    /// Opens the journal at `url` to read it only ([`Journal::get`], [`Journal::list`],
    /// [`Journal::attempts`]): nothing is created, migrated or locked for writing, so a
    /// read-only file, a replica or a journal busy with workers reads as it stands. Refused
    /// when there is no journal there (a missing or empty file, another program's database)
    /// or when its schema is not this refundkit's.
    pub fn open_read_only(url: &str) -> Result<Journal, JournalError> {
        let location: Location = url.parse()?;
        let backend: Box<dyn Backend> = match &location {
            Location::Sqlite(path) => {
                Box::new(crate::sqlite::Sqlite::open_read_only(Path::new(path))?)
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Box::new(crate::postgres::Postgres::connect(url)?),
        };
        let mut journal = Journal {
            backend,
            created: false,
        };
        match journal.read(|tx| schema::version(tx))? {
            None => Err(JournalError::NoJournal(format!("{location:?}"))),
            Some(found) if found > schema::SCHEMA_VERSION => Err(JournalError::SchemaVersion {
                found,
                max: schema::SCHEMA_VERSION,
            }),
            Some(found) if found < schema::SCHEMA_VERSION => Err(JournalError::SchemaBehind {
                found,
                current: schema::SCHEMA_VERSION,
            }),
            Some(_) => Ok(journal),
        }
    }

    /// Whether opening made this journal: the database held none (a new file, an empty one,
    /// an empty PostgreSQL database). A command that expected refunds there can say so.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Runs `f` in a transaction, again from the start when it lost a race.
    fn tx<T>(
        &mut self,
        f: impl FnMut(&mut dyn Tx) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        self.run(true, f)
    }

    /// Runs `f` in a transaction that only reads ([`Backend::read`]).
    fn read<T>(
        &mut self,
        f: impl FnMut(&mut dyn Tx) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        self.run(false, f)
    }

    fn run<T>(
        &mut self,
        write: bool,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        let mut tries = 0;
        loop {
            let mut out = None;
            let mut body = |tx: &mut dyn Tx| {
                out = Some(f(tx)?);
                Ok(())
            };
            let result = if write {
                self.backend.transaction(&mut body)
            } else {
                self.backend.read(&mut body)
            };
            match (result, out) {
                (Ok(()), Some(value)) => return Ok(value),
                (Ok(()), None) => {
                    return Err(JournalError::Storage {
                        retryable: false,
                        detail: "a transaction ended without a result".into(),
                    });
                }
                (
                    Err(JournalError::Storage {
                        retryable: true, ..
                    }),
                    _,
                ) if tries < RETRIES => {
                    tries = tries.saturating_add(1);
                }
                (Err(e), _) => return Err(e),
            }
        }
    }

    /// Records `refund` under the shop's `id`. The same id with the same refund (the same
    /// fingerprint) again adds nothing and returns the refund as it stands; with another, the
    /// submission is refused.
    pub fn submit(
        &mut self,
        id: &str,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let digest = format!("refund:{}", refund.fingerprint());
        self.submit_with(id, refund.provider(), &digest, now, &mut |_| {
            Ok(Built {
                refund: refund.clone(),
                amount: refund.amount().map(|a| a.to_string()),
            })
        })
    }

    /// Plans `description` at `provider` (refundkit's `plan`, with `credentials`: the request is
    /// validated as it will be sent; no credential is stored) and records the refund under
    /// the shop's `id`. References the description leaves out are filled as the provider's
    /// adapter says ([`refundkit::providers::Provider::fillable`]): the refund id (`refund_id`,
    /// Yandex Pay's externalOperationId and Sber ecom's externalRefundId) with `id`, and MWS's
    /// clientOrderId with the journal's sequence (unique and increasing across every instance).
    /// "The same request" is the same description at the same provider, whatever was filled
    /// in and whenever it is submitted again.
    pub fn submit_description(
        &mut self,
        id: &str,
        provider: ProviderId,
        description: &RefundDescription,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let digest = description_digest(provider, description);
        let Some(adapter) = provider.adapter() else {
            return Err(SubmitError::NotPlanned(format!(
                "{provider} is not compiled in"
            )));
        };
        self.submit_with(id, provider, &digest, now, &mut |tx| {
            let mut filled = description.clone();
            for (name, fill) in adapter.fillable() {
                if filled.references.contains_key(*name) {
                    continue;
                }
                let value = match fill {
                    Fill::RefundId => id.to_owned(),
                    Fill::Sequence => {
                        next_in(tx, &format!("{provider}.{name}"), ms(now))?.to_string()
                    }
                    _ => continue,
                };
                filled.references.insert((*name).to_owned(), value);
            }
            let plan = refundkit::plan::build(&filled, credentials, &[provider], now)
                .map_err(|e| SubmitError::NotPlanned(format!("refund description: {e}")))?;
            let Some(planned) = plan.providers.into_iter().next() else {
                return Err(SubmitError::NotPlanned(format!(
                    "{provider} planned nothing"
                )));
            };
            if let Some(why) = planned.skipped {
                return Err(SubmitError::NotPlanned(format!(
                    "{provider} not planned: {why}"
                )));
            }
            if planned.report.has_errors() {
                return Err(SubmitError::Invalid(planned.report));
            }
            let Some(refund) = planned.refund else {
                return Err(SubmitError::Invalid(planned.report));
            };
            Ok(Built {
                refund,
                amount: planned.refunded.map(|a| a.to_string()),
            })
        })
    }

    fn submit_with(
        &mut self,
        id: &str,
        provider: ProviderId,
        digest: &str,
        now: SystemTime,
        build: &mut dyn FnMut(&mut dyn Tx) -> Result<Built, SubmitError>,
    ) -> Result<Submitted, SubmitError> {
        check_id(id)?;
        // The submission's own error travels out of the transaction beside it.
        let mut refused: Option<SubmitError> = None;
        let result = self.tx(|tx| {
            refused = None;
            let existing = tx.query(
                "SELECT digest FROM refundkit_refunds WHERE id = $1",
                &[Value::from(id)],
            )?;
            if let Some(row) = existing.first() {
                if row.first().and_then(Value::text) != Some(digest) {
                    refused = Some(SubmitError::Conflict { id: id.to_owned() });
                    return Ok(None);
                }
                return Ok(Some(false));
            }
            let built = match build(tx) {
                Ok(b) => b,
                Err(SubmitError::Journal(e)) => return Err(e),
                Err(e) => {
                    refused = Some(e);
                    return Ok(None);
                }
            };
            if built.refund.provider() != provider {
                refused = Some(SubmitError::NotPlanned(format!(
                    "the refund is {}'s, not {provider}'s",
                    built.refund.provider()
                )));
                return Ok(None);
            }
            let seq = next_in(tx, "submission", 1)?;
            let s = standing(&built.refund, now);
            tx.execute(
                "INSERT INTO refundkit_refunds (id, seq, provider, payment, digest, amount, state,
                     status, reason, attempts, sends, due_at, fence, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13)",
                &[
                    Value::from(id),
                    Value::from(seq),
                    Value::from(provider.name()),
                    Value::from(built.refund.payment()),
                    Value::from(digest),
                    Value::from(built.amount.clone()),
                    Value::from(built.refund.to_json()),
                    Value::from(s.status.as_str()),
                    Value::from(s.reason),
                    Value::from(s.attempts),
                    Value::from(s.sends),
                    Value::from(s.due_at),
                    Value::from(ms(now)),
                ],
            )?;
            Ok(Some(true))
        })?;
        if let Some(e) = refused {
            return Err(e);
        }
        let entry = self
            .get(id)?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()))?;
        Ok(match result {
            Some(true) => Submitted::Added(entry),
            _ => Submitted::Existing(entry),
        })
    }

    /// Leases the refund that is due soonest and may start, to `worker` until `now + lease`:
    /// due (its time has come, or it is in flight and its last worker's lease has run out),
    /// not leased, and the first open refund of its payment (the refunds of one payment go one
    /// after another, in the order they were submitted). Raises its fence.
    pub fn claim(
        &mut self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
    ) -> Result<Option<Claim>, JournalError> {
        let until = now.checked_add(lease).unwrap_or(now);
        self.tx(|tx| {
            let lock = match tx.dialect() {
                crate::backend::Dialect::Sqlite => "",
                #[cfg(feature = "postgres")]
                crate::backend::Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            };
            let rows = tx.query(
                &format!(
                    "SELECT r.id, r.provider, r.state FROM refundkit_refunds r
                     WHERE r.due_at IS NOT NULL AND r.due_at <= $1
                       AND (r.lease_until IS NULL OR r.lease_until <= $1)
                       AND NOT EXISTS (
                           SELECT 1 FROM refundkit_refunds o
                           WHERE o.provider = r.provider AND o.payment = r.payment
                             AND o.seq < r.seq AND o.due_at IS NOT NULL)
                     ORDER BY r.due_at, r.seq
                     LIMIT 1{lock}"
                ),
                &[Value::from(ms(now))],
            )?;
            let Some(row) = rows.first() else {
                return Ok(None);
            };
            let text = |i: usize| {
                row.get(i)
                    .and_then(Value::text)
                    .map(str::to_owned)
                    .unwrap_or_default()
            };
            let (id, provider, state) = (text(0), text(1), text(2));
            let fenced = tx.query(
                "UPDATE refundkit_refunds SET lease_owner = $1, lease_until = $2,
                     fence = fence + 1
                 WHERE id = $3 RETURNING fence",
                &[
                    Value::from(worker),
                    Value::from(ms(until)),
                    Value::from(id.as_str()),
                ],
            )?;
            let fence = fenced
                .first()
                .and_then(|r| r.first())
                .and_then(Value::int)
                .unwrap_or(0);
            let started_at = tx
                .query(
                    "SELECT MIN(sent_at) FROM refundkit_attempts WHERE refund_id = $1",
                    &[Value::from(id.as_str())],
                )?
                .first()
                .and_then(|r| r.first())
                .and_then(Value::int)
                .map(instant);
            Ok(Some(Claim {
                id,
                provider,
                fence,
                worker: worker.to_owned(),
                lease_until: until,
                started_at,
                state,
            }))
        })
    }

    /// Runs `sql`, an UPDATE of the refund ending `WHERE id = $N AND fence = $N+1` (the
    /// claim's id and fence are appended to `params`): refused when another claim has raised
    /// the fence since, so a stale worker's write never lands.
    fn fenced(
        tx: &mut dyn Tx,
        claim: &Claim,
        sql: &str,
        params: &[Value],
    ) -> Result<(), JournalError> {
        let mut params = params.to_vec();
        params.push(Value::from(claim.id.as_str()));
        params.push(Value::from(claim.fence));
        if tx.execute(sql, &params)? == 0 {
            return Err(JournalError::Stale {
                id: claim.id.clone(),
                fence: claim.fence,
            });
        }
        Ok(())
    }

    /// The refund's new state under `claim`, refused when another claim has raised its
    /// fence since: the caller's work is stale and must stop.
    fn save(
        tx: &mut dyn Tx,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let s = standing(refund, now);
        let lease = if release {
            ", lease_owner = NULL, lease_until = NULL"
        } else {
            ""
        };
        Journal::fenced(
            tx,
            claim,
            &format!(
                "UPDATE refundkit_refunds SET state = $1, status = $2, reason = $3,
                     attempts = $4, sends = $5, due_at = $6, updated_at = $7{lease}
                 WHERE id = $8 AND fence = $9"
            ),
            &[
                Value::from(refund.to_json()),
                Value::from(s.status.as_str()),
                Value::from(s.reason),
                Value::from(s.attempts),
                Value::from(s.sends),
                Value::from(s.due_at),
                Value::from(ms(now)),
            ],
        )
    }

    /// The write-ahead record, before a request leaves: the refund's state as `poll` left it
    /// (in flight) and the attempt, durable once this returns. Refused, and nothing recorded,
    /// when the claim is stale or its lease has run out: the request must not be sent then.
    pub fn write_ahead(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        sending: &Sending<'_>,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        if now >= claim.lease_until {
            return Err(JournalError::Stale {
                id: claim.id.clone(),
                fence: claim.fence,
            });
        }
        self.tx(|tx| {
            Journal::save(tx, claim, refund, now, false)?;
            // The attempt's number is the journal's own, one more than the refund's last: a
            // request that never left (no connection) takes its number back in the machine's
            // counts, but its attempt stays on record, so the next one is numbered after it.
            tx.execute(
                "INSERT INTO refundkit_attempts (refund_id, n, method, moves_money, worker, fence,
                     sent_at)
                 SELECT CAST($1 AS TEXT), COALESCE(MAX(n), 0) + 1, CAST($2 AS TEXT),
                     CAST($3 AS BIGINT), CAST($4 AS TEXT), CAST($5 AS BIGINT), CAST($6 AS BIGINT)
                 FROM refundkit_attempts WHERE refund_id = $1",
                &[
                    Value::from(claim.id.as_str()),
                    Value::from(sending.method),
                    Value::from(i64::from(sending.moves_money)),
                    Value::from(claim.worker.as_str()),
                    Value::from(claim.fence),
                    Value::from(ms(now)),
                ],
            )?;
            Ok(())
        })
    }

    /// How the request in flight ended, and the refund's state after it: the attempt is
    /// closed (the last one still open), the state saved, the lease kept or released.
    pub fn record(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        outcome: Outcome,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let status = match outcome {
            Outcome::Answered(s) => Some(i64::from(s)),
            _ => None,
        };
        self.tx(|tx| {
            Journal::save(tx, claim, refund, now, release)?;
            tx.execute(
                "UPDATE refundkit_attempts SET answered_at = $1, outcome = $2, http_status = $3
                 WHERE refund_id = $4 AND outcome IS NULL",
                &[
                    Value::from(ms(now)),
                    Value::from(outcome.as_str()),
                    Value::from(status),
                    Value::from(claim.id.as_str()),
                ],
            )?;
            Ok(())
        })
    }

    /// The refund's state with nothing sent (it sleeps, or it is final), the lease released.
    pub fn release(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| Journal::save(tx, claim, refund, now, true))
    }

    /// The lease given back with the refund due again at `due` and `why` as its reason, its
    /// state untouched (a request could not be built: a credential this worker lacks).
    pub fn postpone(
        &mut self,
        claim: &Claim,
        due: SystemTime,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| {
            Journal::fenced(
                tx,
                claim,
                "UPDATE refundkit_refunds SET due_at = $1, reason = $2, updated_at = $3,
                     lease_owner = NULL, lease_until = NULL
                 WHERE id = $4 AND fence = $5",
                &[Value::from(ms(due)), Value::from(why), Value::from(ms(now))],
            )
        })
    }

    /// The refund handed to a person: status review with `why`, never claimed again until
    /// [`Journal::resolve`] (the state machine's own state is kept as it was).
    pub fn to_review(
        &mut self,
        claim: &Claim,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| {
            Journal::fenced(
                tx,
                claim,
                "UPDATE refundkit_refunds SET status = 'review', reason = $1, due_at = NULL,
                     updated_at = $2, lease_owner = NULL, lease_until = NULL
                 WHERE id = $3 AND fence = $4",
                &[Value::from(why), Value::from(ms(now))],
            )
        })
    }

    /// A person's answer to a refund in review, with their note: done, or refused (no money
    /// moved). Raises the fence, so no worker still holding the refund can write after it.
    pub fn resolve(
        &mut self,
        id: &str,
        resolution: Resolution,
        note: &str,
        now: SystemTime,
    ) -> Result<Entry, JournalError> {
        let (status, reason) = match resolution {
            Resolution::Done => (Status::Done, format!("resolved by hand: done: {note}")),
            Resolution::NotRefunded => (
                Status::Refused,
                format!("resolved by hand: not refunded: {note}"),
            ),
        };
        let changed = self.tx(|tx| {
            tx.execute(
                "UPDATE refundkit_refunds SET status = $1, reason = $2, resolution = $3,
                     note = $4, resolved_at = $5, updated_at = $5, due_at = NULL,
                     lease_owner = NULL, lease_until = NULL, fence = fence + 1
                 WHERE id = $6 AND status = 'review'",
                &[
                    Value::from(status.as_str()),
                    Value::from(reason.as_str()),
                    Value::from(resolution.as_str()),
                    Value::from(note),
                    Value::from(ms(now)),
                    Value::from(id),
                ],
            )
        })?;
        let entry = self
            .get(id)?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()))?;
        if changed == 0 {
            return Err(JournalError::NotInReview {
                id: id.to_owned(),
                status: entry.status,
            });
        }
        Ok(entry)
    }

    /// One refund as it stands.
    pub fn get(&mut self, id: &str) -> Result<Option<Entry>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                &format!("SELECT {ENTRY_COLUMNS} FROM refundkit_refunds WHERE id = $1"),
                &[Value::from(id)],
            )
        })?;
        rows.first().map(entry_of).transpose()
    }

    /// Every refund, in the order submitted.
    pub fn list(&mut self) -> Result<Vec<Entry>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                &format!("SELECT {ENTRY_COLUMNS} FROM refundkit_refunds ORDER BY seq"),
                &[],
            )
        })?;
        rows.iter().map(entry_of).collect()
    }

    /// The refund's stored state machine.
    pub fn refund(&mut self, id: &str) -> Result<Option<Refund>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT state FROM refundkit_refunds WHERE id = $1",
                &[Value::from(id)],
            )
        })?;
        let Some(state) = rows.first().and_then(|r| r.first()).and_then(Value::text) else {
            return Ok(None);
        };
        Refund::from_json(state.as_bytes())
            .map(Some)
            .map_err(|e| JournalError::Corrupt {
                id: id.to_owned(),
                detail: e.to_string(),
            })
    }

    /// Every request the refund sent, in order.
    pub fn attempts(&mut self, id: &str) -> Result<Vec<Attempt>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT n, method, moves_money, worker, fence, sent_at, answered_at, outcome,
                     http_status
                 FROM refundkit_attempts WHERE refund_id = $1 ORDER BY n",
                &[Value::from(id)],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| {
                let col = |i: usize| r.get(i).cloned().unwrap_or(Value::Int(None));
                Attempt {
                    n: u32::try_from(col(0).int().unwrap_or(0)).unwrap_or(0),
                    method: col(1).text().unwrap_or_default().to_owned(),
                    moves_money: col(2).int() == Some(1),
                    worker: col(3).text().unwrap_or_default().to_owned(),
                    fence: col(4).int().unwrap_or(0),
                    sent_at: instant(col(5).int().unwrap_or(0)),
                    answered_at: col(6).int().map(instant),
                    outcome: col(7).text().map(str::to_owned),
                    http_status: col(8).int().and_then(|s| u16::try_from(s).ok()),
                }
            })
            .collect())
    }

    /// How many refunds are open (pending, waiting or in flight).
    pub fn open_count(&mut self) -> Result<u64, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT COUNT(*) FROM refundkit_refunds WHERE due_at IS NOT NULL",
                &[],
            )
        })?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::int)
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// When the soonest open refund may be claimed (its due time, or its lease's end if
    /// later); `None` when none is open.
    pub fn next_due(&mut self) -> Result<Option<SystemTime>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at
                             THEN lease_until ELSE due_at END)
                 FROM refundkit_refunds WHERE due_at IS NOT NULL",
                &[],
            )
        })?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::int)
            .map(instant))
    }

    /// The next number of the journal's sequence `name`, at least `floor`: unique and
    /// increasing across every instance sharing the database (what MWS clientOrderIds are
    /// allocated from).
    pub fn next_in_sequence(&mut self, name: &str, floor: i64) -> Result<i64, JournalError> {
        self.tx(|tx| next_in(tx, name, floor))
    }
}
