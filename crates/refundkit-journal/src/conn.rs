//! The journal's statements on one connection: each refund's state, who holds it, and every
//! request it sent, in one of two databases behind one set of statements. Synchronous: a
//! connection lives on a thread of its own ([`crate::pool`]), never on an async runtime's.

use std::path::Path;
use std::time::{Duration, SystemTime};

use refundkit::core::lifecycle::Status;
use refundkit::plan::{Credentials, RefundDescription};
use refundkit::providers::Fill;
use refundkit::{ProviderId, Refund};
use sha2::Digest as _;

use crate::backend::{Backend, Row, Tx, Value};
use crate::model::{
    Attempt, Claim, Entry, Filter, Outcome, Resolution, Resolved, Sending, SubmitError, Submitted,
    instant, ms, status_of,
};
use crate::{JournalError, Location, schema};

/// How many times a transaction that lost a race (a unique violation between two
/// submissions, a serialization failure, a busy database) is run again before the error is
/// given up.
const RETRIES: u32 = 5;

/// Every column of a refund's row that says where it stands, derived from its machine alone:
/// the row is the state's, never a second truth beside it.
struct Standing {
    state: String,
    status: Status,
    due_at: Option<i64>,
    reason: String,
    attempts: i64,
    sends: i64,
    settled_at: Option<i64>,
    resolution: Option<&'static str>,
    note: Option<String>,
}

fn standing(refund: &Refund, now: SystemTime) -> Standing {
    let status = refund.status();
    let due_at = match status {
        Status::Pending | Status::Waiting => Some(ms(refund.not_before().unwrap_or(now))),
        // Due from the moment it left: claimed again only once its lease has run out.
        Status::InFlight => Some(ms(now)),
        Status::Done | Status::Refused | Status::Review => None,
    };
    let resolved = refund.resolved();
    Standing {
        state: refund.to_json(),
        status,
        due_at,
        reason: refund.reason(),
        attempts: i64::from(refund.progress().attempts),
        sends: i64::from(refund.progress().sends),
        settled_at: refund.settled_at().map(ms),
        resolution: resolved.map(|r| r.resolution.as_str()),
        note: resolved.map(|r| r.note.clone()),
    }
}

const ENTRY_COLUMNS: &str = "id, provider, payment, status, amount, attempts, sends, reason, \
     created_at, updated_at, due_at, lease_owner, lease_until, resolution, note, settled_at, \
     hold_reason";

/// A row's columns, read by name of what they hold: a missing or mistyped value is the
/// journal's corruption, said with the refund and the column, never a silent default.
struct Columns<'a> {
    row: &'a Row,
    id: String,
}

impl Columns<'_> {
    fn corrupt(&self, column: &str, what: &str) -> JournalError {
        JournalError::Corrupt {
            id: self.id.clone(),
            detail: format!("column {column}: {what}"),
        }
    }

    fn text(&self, i: usize) -> Option<String> {
        self.row.get(i).and_then(Value::text).map(str::to_owned)
    }

    fn int(&self, i: usize) -> Option<i64> {
        self.row.get(i).and_then(Value::int)
    }

    fn required_text(&self, i: usize, column: &str) -> Result<String, JournalError> {
        self.text(i).ok_or_else(|| self.corrupt(column, "missing"))
    }

    fn required_int(&self, i: usize, column: &str) -> Result<i64, JournalError> {
        self.int(i).ok_or_else(|| self.corrupt(column, "missing"))
    }

    fn count(&self, i: usize, column: &str) -> Result<u32, JournalError> {
        u32::try_from(self.required_int(i, column)?)
            .map_err(|_| self.corrupt(column, "not a count"))
    }
}

fn entry_of(row: &Row) -> Result<Entry, JournalError> {
    let id = row
        .first()
        .and_then(Value::text)
        .map(str::to_owned)
        .ok_or_else(|| JournalError::Corrupt {
            id: String::new(),
            detail: "a refund without an id".into(),
        })?;
    let c = Columns { row, id };
    let provider: ProviderId = c
        .required_text(1, "provider")?
        .parse()
        .map_err(|_| c.corrupt("provider", "not a provider refundkit knows"))?;
    let status = status_of(&c.required_text(3, "status")?)
        .ok_or_else(|| c.corrupt("status", "not a status refundkit knows"))?;
    let amount = c
        .text(4)
        .map(|a| {
            refundkit::core::Amount::parse_decimal(&a)
                .map_err(|_| c.corrupt("amount", "not a decimal"))
        })
        .transpose()?;
    let resolution = match c.text(13) {
        None => None,
        Some(r) => Some(Resolved {
            resolution: resolution_of(&r)
                .ok_or_else(|| c.corrupt("resolution", "not done or not-refunded"))?,
            note: c.text(14).unwrap_or_default(),
            at: c.int(15).map(instant),
        }),
    };
    Ok(Entry {
        provider,
        payment: c.required_text(2, "payment")?,
        status,
        amount,
        attempts: c.count(5, "attempts")?,
        sends: c.count(6, "sends")?,
        detail: c.text(7),
        created_at: instant(c.required_int(8, "created_at")?),
        updated_at: instant(c.required_int(9, "updated_at")?),
        due_at: c.int(10).map(instant),
        lease: c
            .text(11)
            .zip(c.int(12))
            .map(|(owner, until)| crate::model::Lease {
                owner,
                until: instant(until),
            }),
        resolution,
        settled_at: c.int(15).map(instant),
        hold: c.text(16).map(|why| crate::model::Hold {
            why,
            until: c
                .text(11)
                .is_none()
                .then(|| c.int(12).map(instant))
                .flatten(),
        }),
        id: c.id,
    })
}

fn resolution_of(text: &str) -> Option<Resolution> {
    match text {
        "done" => Some(Resolution::Done),
        "not-refunded" => Some(Resolution::NotRefunded),
        _ => None,
    }
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

/// One connection to the journal's database and the statements run on it.
pub(crate) struct Conn {
    backend: Box<dyn Backend>,
    /// Whether this connection made the journal (the database held none).
    pub(crate) created: bool,
}

/// What a submission records, once built.
struct Built {
    refund: Refund,
    amount: Option<String>,
}

impl Conn {
    /// Opens a connection to the journal at `location`: to write (SQLite: the file created
    /// when missing, WAL, `synchronous=FULL`), or to read only (nothing created or set).
    pub(crate) fn open(location: &Location, read_only: bool) -> Result<Conn, JournalError> {
        let backend: Box<dyn Backend> = match location {
            Location::Sqlite(path) if read_only => {
                Box::new(crate::sqlite::Sqlite::open_read_only(Path::new(path))?)
            }
            Location::Sqlite(path) => Box::new(crate::sqlite::Sqlite::open(Path::new(path))?),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Box::new(crate::postgres::Postgres::connect(url)?),
        };
        Ok(Conn {
            backend,
            created: false,
        })
    }

    /// Whether the connection is gone for good (the server closed it): the pool opens another.
    pub(crate) fn is_broken(&self) -> bool {
        self.backend.is_broken()
    }

    /// The schema version the database holds (`None`: no journal at all).
    pub(crate) fn schema_version(&mut self) -> Result<Option<i64>, JournalError> {
        self.read(|tx| schema::version(tx))
    }

    /// Brings the schema up to date; whether the journal was made now.
    pub(crate) fn migrate(&mut self) -> Result<bool, JournalError> {
        let created = self.tx(|tx| schema::migrate(tx))?;
        self.created |= created;
        Ok(created)
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
    pub(crate) fn submit(
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
    pub(crate) fn submit_description(
        &mut self,
        id: &str,
        provider: ProviderId,
        description: &RefundDescription,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let digest = description_digest(provider, description);
        let Some(adapter) = provider.adapter() else {
            return Err(SubmitError::UnknownProvider(provider));
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
                .map_err(SubmitError::Description)?;
            let Some(planned) = plan.providers.into_iter().next() else {
                return Err(SubmitError::UnknownProvider(provider));
            };
            if let Some(detail) = planned.skipped {
                return Err(SubmitError::MissingReference { provider, detail });
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
                refused = Some(SubmitError::UnknownProvider(provider));
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
                    Value::from(s.state),
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
    pub(crate) fn claim(
        &mut self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
        providers: Option<&[ProviderId]>,
    ) -> Result<Option<Claim>, JournalError> {
        let until = now
            .checked_add(lease)
            .ok_or_else(|| JournalError::Storage {
                retryable: false,
                detail: format!("a lease of {lease:?} ends beyond the end of time"),
            })?;
        // Only the providers the worker can send to (its transport's): a refund it could not
        // send is left to a worker that can.
        let mut params = vec![Value::from(ms(now))];
        let only = match providers {
            None => String::new(),
            Some(list) => {
                let mut marks = Vec::new();
                for p in list {
                    params.push(Value::from(p.name()));
                    marks.push(format!("${}", params.len()));
                }
                if marks.is_empty() {
                    return Ok(None);
                }
                format!(" AND r.provider IN ({})", marks.join(", "))
            }
        };
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
                       AND (r.lease_until IS NULL OR r.lease_until <= $1){only}
                       AND NOT EXISTS (
                           SELECT 1 FROM refundkit_refunds o
                           WHERE o.provider = r.provider AND o.payment = r.payment
                             AND o.seq < r.seq AND o.status NOT IN ('done', 'refused'))
                     ORDER BY r.due_at, r.seq
                     LIMIT 1{lock}"
                ),
                &params,
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
            let provider: ProviderId = provider.parse().map_err(|_| JournalError::Corrupt {
                id: id.clone(),
                detail: "column provider: not a provider refundkit knows".into(),
            })?;
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

    /// Writes the refund's row from its machine: every column that says where it stands
    /// derived from the state ([`standing`]), the state itself beside them, `fence_check`
    /// deciding whether another claim has raised the fence since (the caller's work is stale
    /// then, and nothing is written). The one way a refund's row changes after submission.
    fn put(
        tx: &mut dyn Tx,
        id: &str,
        fence: Option<i64>,
        refund: &Refund,
        now: SystemTime,
        lease: Lease,
    ) -> Result<bool, JournalError> {
        let s = standing(refund, now);
        let lease_sql = match lease {
            Lease::Keep => "",
            Lease::Release => ", lease_owner = NULL, lease_until = NULL",
            // A person's answer: no worker still holding the refund may write after it.
            Lease::Revoke => ", lease_owner = NULL, lease_until = NULL, fence = fence + 1",
        };
        let fence_sql = if fence.is_some() {
            " AND fence = $13"
        } else {
            ""
        };
        let mut params = vec![
            Value::from(s.state),
            Value::from(s.status.as_str()),
            Value::from(s.reason),
            Value::from(s.attempts),
            Value::from(s.sends),
            Value::from(s.due_at),
            Value::from(ms(now)),
            Value::from(s.settled_at),
            Value::from(s.resolution.map(str::to_owned)),
            Value::from(s.note),
            Value::from(Option::<String>::None),
            Value::from(id),
        ];
        if let Some(f) = fence {
            params.push(Value::from(f));
        }
        let changed = tx.execute(
            &format!(
                "UPDATE refundkit_refunds SET state = $1, status = $2, reason = $3,
                     attempts = $4, sends = $5, due_at = $6, updated_at = $7, settled_at = $8,
                     resolution = $9, note = $10, hold_reason = $11{lease_sql}
                 WHERE id = $12{fence_sql}"
            ),
            &params,
        )?;
        Ok(changed > 0)
    }

    /// [`Conn::put`] under `claim`: refused ([`JournalError::Stale`]) when another claim has
    /// raised the fence since.
    fn save(
        tx: &mut dyn Tx,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let lease = if release { Lease::Release } else { Lease::Keep };
        if !Conn::put(tx, &claim.id, Some(claim.fence), refund, now, lease)? {
            return Err(JournalError::Stale {
                id: claim.id.clone(),
                fence: claim.fence,
            });
        }
        Ok(())
    }

    /// The write-ahead record, before a request leaves: the refund's state as
    /// [`Refund::sent`] left it (in flight under the request's sequence number) and the
    /// attempt, numbered with that sequence, durable once this returns. Refused, and nothing
    /// recorded, when the claim is stale or its lease has run out: the request must not be
    /// sent then.
    pub(crate) fn write_ahead(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        if now >= claim.lease_until {
            return Err(JournalError::Stale {
                id: claim.id.clone(),
                fence: claim.fence,
            });
        }
        self.tx(|tx| {
            Conn::save(tx, claim, refund, now, false)?;
            tx.execute(
                "INSERT INTO refundkit_attempts (refund_id, n, method, moves_money, worker, fence,
                     sent_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Value::from(claim.id.as_str()),
                    Value::from(i64::try_from(sending.seq).unwrap_or(i64::MAX)),
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

    /// How request `seq` ended, and the refund's state after it: that attempt closed, the
    /// state saved, the lease kept or released.
    pub(crate) fn record(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        seq: u64,
        outcome: Outcome,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let status = match outcome {
            Outcome::Answered(s) => Some(i64::from(s)),
            _ => None,
        };
        self.tx(|tx| {
            Conn::save(tx, claim, refund, now, release)?;
            tx.execute(
                "UPDATE refundkit_attempts SET answered_at = $1, outcome = $2, http_status = $3
                 WHERE refund_id = $4 AND n = $5",
                &[
                    Value::from(ms(now)),
                    Value::from(outcome.as_str()),
                    Value::from(status),
                    Value::from(claim.id.as_str()),
                    Value::from(i64::try_from(seq).unwrap_or(i64::MAX)),
                ],
            )?;
            Ok(())
        })
    }

    /// The refund's state with nothing sent (it sleeps, it is final, a person has it), the
    /// lease released.
    pub(crate) fn release(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| Conn::save(tx, claim, refund, now, true))
    }

    /// The lease given back with no worker claiming the refund before `until`, and `why`
    /// (a request this worker could not build: a credential it lacks). The refund itself is
    /// unchanged: it is due as its machine says, held back only from claims.
    pub(crate) fn hold(
        &mut self,
        claim: &Claim,
        until: SystemTime,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| {
            Conn::fenced(
                tx,
                claim,
                "UPDATE refundkit_refunds SET lease_owner = NULL, lease_until = $1,
                     hold_reason = $2, updated_at = $3
                 WHERE id = $4 AND fence = $5",
                &[
                    Value::from(ms(until)),
                    Value::from(why),
                    Value::from(ms(now)),
                ],
            )
        })
    }

    /// A refund whose stored state does not load (changed by hand, written by something
    /// else): its machine cannot be asked, so the row alone says review, with `why`, until a
    /// person mends the state. The one write not derived from a machine: there is none.
    pub(crate) fn quarantine(
        &mut self,
        claim: &Claim,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        self.tx(|tx| {
            Conn::fenced(
                tx,
                claim,
                "UPDATE refundkit_refunds SET status = 'review', reason = $1, due_at = NULL,
                     hold_reason = $1, settled_at = $2, updated_at = $2, lease_owner = NULL,
                     lease_until = NULL
                 WHERE id = $3 AND fence = $4",
                &[Value::from(why), Value::from(ms(now))],
            )
        })
    }

    /// A person's answer to a refund in review, with their note, given to its machine
    /// ([`Refund::resolve`]): done, or refused (no money moved). Raises the fence, so no
    /// worker still holding the refund can write after it.
    pub(crate) fn resolve(
        &mut self,
        id: &str,
        resolution: Resolution,
        note: &str,
        now: SystemTime,
    ) -> Result<Entry, JournalError> {
        self.tx(|tx| {
            let rows = tx.query(
                "SELECT state FROM refundkit_refunds WHERE id = $1",
                &[Value::from(id)],
            )?;
            let Some(state) = rows.first().and_then(|r| r.first()).and_then(Value::text) else {
                return Err(JournalError::NotFound(id.to_owned()));
            };
            let mut refund =
                Refund::from_json(state.as_bytes()).map_err(|e| JournalError::Corrupt {
                    id: id.to_owned(),
                    detail: e.to_string(),
                })?;
            refund
                .resolve(resolution, note, now)
                .map_err(|_| JournalError::NotInReview {
                    id: id.to_owned(),
                    status: refund.status(),
                })?;
            Conn::put(tx, id, None, &refund, now, Lease::Revoke)?;
            Ok(())
        })?;
        self.get(id)?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()))
    }

    /// One refund as it stands.
    pub(crate) fn get(&mut self, id: &str) -> Result<Option<Entry>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                &format!("SELECT {ENTRY_COLUMNS} FROM refundkit_refunds WHERE id = $1"),
                &[Value::from(id)],
            )
        })?;
        rows.first().map(entry_of).transpose()
    }

    /// The refunds `filter` lets through, in the order submitted.
    pub(crate) fn list(&mut self, filter: &Filter) -> Result<Vec<Entry>, JournalError> {
        let limit = filter
            .limit
            .map_or(String::new(), |n| format!(" LIMIT {n}"));
        // Each condition holds when its parameter is NULL: one statement for every filter
        // (the casts give PostgreSQL the parameter's type).
        let rows = self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM refundkit_refunds
                     WHERE (CAST($1 AS TEXT) IS NULL OR status = $1)
                       AND (CAST($2 AS TEXT) IS NULL OR provider = $2)
                       AND (CAST($3 AS TEXT) IS NULL OR payment = $3)
                       AND (CAST($4 AS BIGINT) IS NULL OR created_at < $4)
                     ORDER BY seq{limit}"
                ),
                &[
                    Value::from(filter.status.map(|s| s.as_str().to_owned())),
                    Value::from(filter.provider.map(|p| p.name().to_owned())),
                    Value::from(filter.payment.clone()),
                    Value::from(filter.submitted_before.map(ms)),
                ],
            )
        })?;
        rows.iter().map(entry_of).collect()
    }

    /// Gives back at once every lease `worker` holds (a worker that starts again under its
    /// own name takes its earlier self's refunds without waiting for the leases to run out):
    /// each is due again at `now`, and the next claim raises its fence, so nothing the earlier
    /// self still writes lands. How many.
    pub(crate) fn take_back(&mut self, worker: &str, now: SystemTime) -> Result<u64, JournalError> {
        self.tx(|tx| {
            tx.execute(
                "UPDATE refundkit_refunds SET lease_until = $2
                 WHERE lease_owner = $1 AND lease_until > $2",
                &[Value::from(worker), Value::from(ms(now))],
            )
        })
    }

    /// The refund's stored state machine.
    pub(crate) fn refund(&mut self, id: &str) -> Result<Option<Refund>, JournalError> {
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
    pub(crate) fn attempts(&mut self, id: &str) -> Result<Vec<Attempt>, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT n, method, moves_money, worker, fence, sent_at, answered_at, outcome,
                     http_status
                 FROM refundkit_attempts WHERE refund_id = $1 ORDER BY n",
                &[Value::from(id)],
            )
        })?;
        rows.iter()
            .map(|row| {
                let c = Columns {
                    row,
                    id: id.to_owned(),
                };
                Ok(Attempt {
                    n: c.count(0, "attempts.n")?,
                    method: c.required_text(1, "attempts.method")?,
                    moves_money: c.required_int(2, "attempts.moves_money")? == 1,
                    worker: c.required_text(3, "attempts.worker")?,
                    fence: c.required_int(4, "attempts.fence")?,
                    sent_at: instant(c.required_int(5, "attempts.sent_at")?),
                    answered_at: c.int(6).map(instant),
                    outcome: match c.text(7).as_deref() {
                        None => None,
                        Some("answered") => Some(Outcome::Answered(
                            c.int(8)
                                .and_then(|s| u16::try_from(s).ok())
                                .ok_or_else(|| c.corrupt("attempts.http_status", "missing"))?,
                        )),
                        Some("lost") => Some(Outcome::Lost),
                        Some("not-sent") => Some(Outcome::NotSent),
                        Some("worker-stopped") => Some(Outcome::WorkerStopped),
                        Some(_) => return Err(c.corrupt("attempts.outcome", "not an outcome")),
                    },
                })
            })
            .collect()
    }

    /// How many refunds are open (pending, waiting or in flight).
    pub(crate) fn open_count(&mut self) -> Result<u64, JournalError> {
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

    /// How many open refunds wait for a person: each held back behind an earlier refund of
    /// its payment that is in review (no worker moves them until it is resolved).
    pub(crate) fn waiting_for_review(&mut self) -> Result<u64, JournalError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT COUNT(*) FROM refundkit_refunds r
                 WHERE r.due_at IS NOT NULL AND EXISTS (
                     SELECT 1 FROM refundkit_refunds o
                     WHERE o.provider = r.provider AND o.payment = r.payment
                       AND o.seq < r.seq AND o.status = 'review')",
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
    pub(crate) fn next_due(&mut self) -> Result<Option<SystemTime>, JournalError> {
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
    pub(crate) fn next_in_sequence(&mut self, name: &str, floor: i64) -> Result<i64, JournalError> {
        self.tx(|tx| next_in(tx, name, floor))
    }
}

/// What a write does with the lease.
#[derive(Clone, Copy)]
enum Lease {
    /// The worker goes on under it.
    Keep,
    /// Given back.
    Release,
    /// Taken from whoever holds it: the fence raised.
    Revoke,
}
