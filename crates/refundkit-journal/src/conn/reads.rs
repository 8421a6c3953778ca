//! What the journal reads: a refund, a listing, its attempts, the counts a worker waits on.

use std::time::SystemTime;

use refundkit::Refund;

use crate::JournalError;
use crate::backend::Value;
use crate::metrics::{Census, Latency, Sends};
use crate::model::{Attempt, Entry, Filter, Outcome, instant, ms, status_of};

use super::Conn;
use super::rows::*;

impl Conn {
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
                     http_status, request, answer
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
                    request: c.text(9),
                    answer: c.text(10),
                })
            })
            .collect()
    }

    /// What the journal holds now, for its metrics: three reads in one transaction, so the
    /// figures agree with one another. Each reads the whole table it counts (a scrape, every
    /// few seconds, never a worker's round).
    pub(crate) fn census(&mut self) -> Result<Census, JournalError> {
        use crate::metrics::LATENCY_BUCKETS_MS;
        let buckets: String = LATENCY_BUCKETS_MS
            .iter()
            .map(|ms| {
                format!(
                    ", CAST(SUM(CASE WHEN a.outcome IN ('answered', 'lost')
                          AND a.answered_at - a.sent_at <= {ms} THEN 1 ELSE 0 END) AS BIGINT)"
                )
            })
            .collect();
        let latency_sql = format!(
            "SELECT r.provider, a.method, a.outcome, COUNT(*),
                 CAST(SUM(CASE WHEN a.outcome IN ('answered', 'lost') THEN 1 ELSE 0 END)
                     AS BIGINT),
                 CAST(SUM(CASE WHEN a.outcome IN ('answered', 'lost')
                     THEN a.answered_at - a.sent_at ELSE 0 END) AS BIGINT){buckets}
             FROM refundkit_attempts a JOIN refundkit_refunds r ON r.id = a.refund_id
             WHERE a.outcome IS NOT NULL
             GROUP BY r.provider, a.method, a.outcome
             ORDER BY r.provider, a.method, a.outcome"
        );
        let (refunds, oldest, sends) = self.read(|tx| {
            Ok((
                tx.query(
                    "SELECT provider, status, COUNT(*) FROM refundkit_refunds
                     GROUP BY provider, status",
                    &[],
                )?,
                tx.query(
                    "SELECT MIN(created_at) FROM refundkit_refunds WHERE due_at IS NOT NULL",
                    &[],
                )?,
                tx.query(&latency_sql, &[])?,
            ))
        })?;
        let corrupt = |column: &str| JournalError::Corrupt {
            id: String::new(),
            detail: format!("{column}: not what the journal writes"),
        };
        let n = |v: Option<&Value>| v.and_then(Value::int).and_then(|n| u64::try_from(n).ok());
        let mut census = Census::default();
        for row in &refunds {
            let provider = row
                .first()
                .and_then(Value::text)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| corrupt("provider"))?;
            let status = row
                .get(1)
                .and_then(Value::text)
                .and_then(status_of)
                .ok_or_else(|| corrupt("status"))?;
            census
                .refunds
                .push((provider, status, n(row.get(2)).unwrap_or(0)));
        }
        census.oldest_open = oldest
            .first()
            .and_then(|r| r.first())
            .and_then(Value::int)
            .map(instant);
        for row in &sends {
            let text = |i: usize, column| {
                row.get(i)
                    .and_then(Value::text)
                    .ok_or_else(|| corrupt(column))
            };
            let provider = text(0, "provider")?
                .parse()
                .map_err(|_| corrupt("provider"))?;
            let left = n(row.get(4)).unwrap_or(0);
            let mut latency = Latency {
                sum_ms: n(row.get(5)).unwrap_or(0),
                count: left,
                ..Latency::default()
            };
            for (i, bucket) in latency.buckets.iter_mut().enumerate() {
                *bucket = n(row.get(i.saturating_add(6))).unwrap_or(0);
            }
            census.sends.push(Sends {
                provider,
                method: text(1, "attempts.method")?.to_owned(),
                outcome: text(2, "attempts.outcome")?.to_owned(),
                count: n(row.get(3)).unwrap_or(0),
                latency: (left > 0).then_some(latency),
            });
        }
        Ok(census)
    }

    /// How many refunds are open (pending, waiting or in flight).
    pub(crate) fn open_count(&mut self) -> Result<u64, JournalError> {
        let rows = self.read(|tx| tx.query(super::sql::OPEN_COUNT, &[]))?;
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
        let rows = self.read(|tx| tx.query(super::sql::WAITING_FOR_REVIEW, &[]))?;
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
        let rows = self.read(|tx| tx.query(super::sql::NEXT_DUE, &[]))?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::int)
            .map(instant))
    }
}
