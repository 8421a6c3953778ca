//! Every write of a claimed refund: its lease and fence, the write-ahead of a request, the
//! record of its answer, holds, quarantine and a person's resolution; each row written from
//! the refund's machine through one function ([`Conn::put`]).

use std::time::{Duration, SystemTime};

use refundkit::{ProviderId, Refund};

use crate::JournalError;
use crate::backend::{Tx, Value};
use crate::model::{Answered, Claim, Entry, Outcome, Resolution, Sending, instant, ms};

use super::Conn;
use super::rows::*;

impl Conn {
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
        let claimed = self.claim_and_write_ahead(worker, now, lease, providers, |_| {
            None::<(Refund, Sending, ())>
        })?;
        Ok(claimed.map(|(claim, _)| claim))
    }

    /// [`Conn::claim`], and in the same transaction the write-ahead of the claimed refund's
    /// first request when `prepare` returns one (the refund as [`Refund::sent`] left it, and
    /// the request): one commit where a claim and a write-ahead take two. The row is locked
    /// while `prepare` runs (SQLite's one writer; PostgreSQL's row, skipped by other claims),
    /// so `prepare` builds a request and sends nothing. Run again from the start when the
    /// transaction lost a race.
    pub(crate) fn claim_and_write_ahead<T>(
        &mut self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
        providers: Option<&[ProviderId]>,
        mut prepare: impl FnMut(&Claim) -> Option<(Refund, Sending, T)>,
    ) -> Result<Option<crate::model::Claimed<T>>, JournalError> {
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
        params.push(Value::from(worker));
        let worker_mark = format!("${}", params.len());
        params.push(Value::from(ms(until)));
        let until_mark = format!("${}", params.len());
        self.tx(|tx| {
            let lock = match tx.dialect() {
                crate::backend::Dialect::Sqlite => "",
                #[cfg(feature = "postgres")]
                crate::backend::Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            };
            let sql = super::sql::claim(&only, lock, &worker_mark, &until_mark);
            let rows = tx.query(&sql, &params)?;
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
            let fence = row.get(3).and_then(Value::int).unwrap_or(0);
            let started_at = row.get(4).and_then(Value::int).map(instant);
            let claim = Claim {
                id,
                provider,
                fence,
                worker: worker.to_owned(),
                lease_until: until,
                started_at,
                state,
            };
            let first = match prepare(&claim) {
                Some((refund, sending, out)) => {
                    Conn::save(tx, &claim, &refund, now, false)?;
                    Conn::insert_attempt(tx, &claim, &sending, now)?;
                    Some((refund, out))
                }
                None => None,
            };
            Ok(Some((claim, first)))
        })
    }

    /// Runs `sql`, an UPDATE of the refund ending `WHERE id = $N AND fence = $N+1` (the
    /// claim's id and fence are appended to `params`): refused when another claim has raised
    /// the fence since, so a stale worker's write never lands.
    pub(super) fn fenced(
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
    pub(super) fn put(
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
            " AND fence = $14"
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
            Value::from(s.resolved_by),
            Value::from(id),
        ];
        if let Some(f) = fence {
            params.push(Value::from(f));
        }
        let changed = tx.execute(
            &format!(
                "UPDATE refundkit_refunds SET state = $1, status = $2, reason = $3,
                     attempts = $4, sends = $5, due_at = $6, updated_at = $7, settled_at = $8,
                     resolution = $9, note = $10, hold_reason = $11, resolved_by = $12{lease_sql}
                 WHERE id = $13{fence_sql}"
            ),
            &params,
        )?;
        Ok(changed > 0)
    }

    /// [`Conn::put`] under `claim`: refused ([`JournalError::Stale`]) when another claim has
    /// raised the fence since.
    pub(super) fn save(
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
    /// attempt, numbered with that sequence, durable once this returns; with `closing`, the
    /// answer of the request before it (the next due at once: RBS's refund.do after its
    /// status) closed in the same transaction, since the state saved holds that answer too.
    /// Refused, and nothing recorded, when the claim is stale or its lease has run out: the
    /// request must not be sent then.
    pub(crate) fn write_ahead(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        sending: &Sending,
        closing: Option<&Answered>,
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
            if let Some(answered) = closing {
                Conn::close_attempt(tx, claim, answered)?;
            }
            Conn::insert_attempt(tx, claim, sending, now)
        })
    }

    /// The attempt of a request about to leave, numbered with its sequence.
    fn insert_attempt(
        tx: &mut dyn Tx,
        claim: &Claim,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        tx.execute(
            "INSERT INTO refundkit_attempts (refund_id, n, method, moves_money, worker, fence,
                 sent_at, request)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                Value::from(claim.id.as_str()),
                Value::from(i64::try_from(sending.seq).unwrap_or(i64::MAX)),
                Value::from(sending.method),
                Value::from(i64::from(sending.moves_money)),
                Value::from(claim.worker.as_str()),
                Value::from(claim.fence),
                Value::from(ms(now)),
                Value::from(sending.request.clone()),
            ],
        )?;
        Ok(())
    }

    /// How request `answered.seq` ended, and the refund's state after it: that attempt
    /// closed, the state saved, the lease kept or released.
    pub(crate) fn record(
        &mut self,
        claim: &Claim,
        refund: &Refund,
        answered: &Answered,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        self.tx(|tx| {
            Conn::save(tx, claim, refund, now, release)?;
            Conn::close_attempt(tx, claim, answered)
        })
    }

    /// Closes attempt `answered.seq` with how it ended.
    fn close_attempt(
        tx: &mut dyn Tx,
        claim: &Claim,
        answered: &Answered,
    ) -> Result<(), JournalError> {
        let status = match answered.outcome {
            Outcome::Answered(s) => Some(i64::from(s)),
            _ => None,
        };
        tx.execute(
            "UPDATE refundkit_attempts SET answered_at = $1, outcome = $2, http_status = $3,
                 answer = $6
             WHERE refund_id = $4 AND n = $5",
            &[
                Value::from(ms(answered.at)),
                Value::from(answered.outcome.as_str()),
                Value::from(status),
                Value::from(claim.id.as_str()),
                Value::from(i64::try_from(answered.seq).unwrap_or(i64::MAX)),
                Value::from(answered.answer.clone()),
            ],
        )?;
        Ok(())
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
        by: Option<&str>,
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
                .resolve(resolution, note, by, now)
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
}

/// What a write does with the lease.
#[derive(Clone, Copy)]
pub(super) enum Lease {
    /// The worker goes on under it.
    Keep,
    /// Given back.
    Release,
    /// Taken from whoever holds it: the fence raised.
    Revoke,
}
