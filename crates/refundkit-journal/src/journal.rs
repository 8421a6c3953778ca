//! The journal as a service holds it: [`Journal`], a handle that is `Clone + Send + Sync`,
//! every call `async` and answered by a connection on a thread of the journal's own, so no
//! call, and no drop, ever blocks or panics on an async runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use refundkit::plan::{Credentials, RefundDescription};
use refundkit::{ProviderId, Refund};

use crate::clock::{Clock, SystemClock};
use crate::conn::Conn;
use crate::model::{
    Answered, Attempt, Claim, Entry, Filter, Outcome, Resolution, Sending, SubmitError, Submitted,
};
use crate::pool::Pool;
use crate::{JournalError, Location, schema};

/// How a journal connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Options {
    /// Connections (each on a thread of its own): SQLite 4 by default (one writer at a time
    /// whatever the number, readers beside it), PostgreSQL 8.
    pub connections: Option<usize>,
    /// Open to read only: nothing is created, migrated or locked for writing, so a
    /// read-only file, a replica or a journal busy with workers reads as it stands.
    pub read_only: bool,
}

/// What [`Journal::migrate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The schema the database held (0: no journal; it was made now).
    pub from: i64,
    /// The schema it holds now ([`schema::SCHEMA_VERSION`]).
    pub to: i64,
}

impl Migration {
    /// Whether the journal was made now (the database held none).
    pub fn created(&self) -> bool {
        self.from == 0
    }
}

struct Inner {
    pool: Pool,
    location: Location,
    read_only: bool,
    /// The schema the database was last seen at.
    schema: AtomicI64,
}

/// The journal: a handle to a pool of connections, cheap to clone and to share between the
/// tasks of a multi-threaded runtime (an axum state, a worker, a webhook handler).
///
/// ```no_run
/// # async fn f() -> Result<(), refundkit_journal::JournalError> {
/// let journal = refundkit_journal::Journal::connect("sqlite:refunds.db").await?;
/// journal.migrate().await?;
/// let waiting = journal.list(&Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Journal {
    // Never the URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Journal({:?})", self.inner.location)
    }
}

impl Journal {
    /// Connects to the journal at `url`: `sqlite:PATH` (a file, made when missing) or
    /// `postgres://…` / `postgresql://…`. Nothing is migrated ([`Journal::migrate`] does);
    /// a journal of a newer schema than this refundkit's is refused here, and every call on
    /// one that is not migrated says so ([`JournalError::NotMigrated`]).
    pub async fn connect(url: &str) -> Result<Journal, JournalError> {
        Journal::connect_with(url, Options::default()).await
    }

    /// Connects to read only ([`Options::read_only`]); refused where there is no journal (a
    /// missing or empty file, a database refundkit never wrote) or its schema is not this
    /// refundkit's.
    pub async fn connect_read_only(url: &str) -> Result<Journal, JournalError> {
        Journal::connect_with(
            url,
            Options {
                read_only: true,
                ..Options::default()
            },
        )
        .await
    }

    /// Connects as `options` say.
    pub async fn connect_with(url: &str, options: Options) -> Result<Journal, JournalError> {
        let journal = Journal::start(url, options)?;
        let found = journal.inner.pool.run(|c| c.schema_version()).await?;
        journal.admit(found)
    }

    fn start(url: &str, options: Options) -> Result<Journal, JournalError> {
        let location: Location = url.parse()?;
        let size = options.connections.unwrap_or(match location {
            Location::Sqlite(_) => 4,
            #[cfg(feature = "postgres")]
            Location::Postgres(_) => 8,
        });
        let pool = Pool::start(&location, options.read_only, size)?;
        Ok(Journal {
            inner: Arc::new(Inner {
                pool,
                location,
                read_only: options.read_only,
                schema: AtomicI64::new(0),
            }),
            clock: Arc::new(SystemClock),
        })
    }

    fn admit(self, found: Option<i64>) -> Result<Journal, JournalError> {
        let found_version = found.unwrap_or(0);
        if found_version > schema::SCHEMA_VERSION {
            return Err(JournalError::SchemaVersion {
                found: found_version,
                max: schema::SCHEMA_VERSION,
            });
        }
        if self.inner.read_only {
            match found {
                None => {
                    return Err(JournalError::NoJournal(format!(
                        "{:?}",
                        self.inner.location
                    )));
                }
                Some(v) if v < schema::SCHEMA_VERSION => {
                    return Err(JournalError::SchemaBehind {
                        found: v,
                        current: schema::SCHEMA_VERSION,
                    });
                }
                Some(_) => {}
            }
        }
        self.inner.schema.store(found_version, Ordering::Relaxed);
        Ok(self)
    }

    /// The same journal on another clock (the time of [`Journal::resolve`]; a test's own).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Journal {
        self.clock = clock;
        self
    }

    /// The clock this journal tells the time by.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Where it is.
    pub fn location(&self) -> &Location {
        &self.inner.location
    }

    /// Brings the schema up to date (made when the database holds none), once however many
    /// instances migrate at once.
    pub async fn migrate(&self) -> Result<Migration, JournalError> {
        if self.inner.read_only {
            return Err(JournalError::ReadOnly);
        }
        let from = self
            .inner
            .pool
            .run(|c| {
                let from = c.schema_version()?.unwrap_or(0);
                c.migrate()?;
                Ok(from)
            })
            .await?;
        self.inner
            .schema
            .store(schema::SCHEMA_VERSION, Ordering::Relaxed);
        Ok(Migration {
            from,
            to: schema::SCHEMA_VERSION,
        })
    }

    /// Runs `f` on a connection of a migrated journal.
    async fn call<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, JournalError> + Send + 'static,
    {
        if self.inner.schema.load(Ordering::Relaxed) != schema::SCHEMA_VERSION {
            // Another instance may have migrated it since.
            let found = self.inner.pool.run(|c| c.schema_version()).await?;
            let found = found.unwrap_or(0);
            self.inner.schema.store(found, Ordering::Relaxed);
            if found != schema::SCHEMA_VERSION {
                return Err(JournalError::NotMigrated {
                    found,
                    current: schema::SCHEMA_VERSION,
                });
            }
        }
        self.inner.pool.run(f).await
    }

    /// Plans `description` at `provider` (refundkit's `plan`, with `credentials`: the request
    /// is validated as it will be sent; no credential is stored) and records the refund under
    /// the shop's `id`. The same id with the same request again adds nothing and returns the
    /// refund as it stands; with another request, [`SubmitError::Conflict`]. References the
    /// description leaves out are filled as the provider's adapter says
    /// ([`refundkit::providers::Provider::fillable`]): the refund id (Yandex Pay's
    /// externalOperationId, Sber ecom's externalRefundId) with `id`, and MWS's clientOrderId
    /// from the journal's sequence (unique and increasing across every instance).
    pub async fn submit(
        &self,
        id: &str,
        provider: ProviderId,
        description: &RefundDescription,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let (id, description, credentials) =
            (id.to_owned(), description.clone(), credentials.clone());
        self.submit_on(move |c| {
            c.submit_description(&id, provider, &description, &credentials, now)
        })
        .await
    }

    /// Records `refund`, a state machine already made (by [`refundkit::plan::build`], say),
    /// under the shop's `id`: the same id with the same refund (its fingerprint) again adds
    /// nothing; with another, [`SubmitError::Conflict`].
    pub async fn submit_refund(
        &self,
        id: &str,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let (id, refund) = (id.to_owned(), refund.clone());
        self.submit_on(move |c| c.submit(&id, &refund, now)).await
    }

    async fn submit_on<F>(&self, f: F) -> Result<Submitted, SubmitError>
    where
        F: FnOnce(&mut Conn) -> Result<Submitted, SubmitError> + Send + 'static,
    {
        // The submission's own error travels beside the journal's.
        self.call(move |c| Ok(f(c)))
            .await
            .map_err(SubmitError::Journal)?
    }

    /// One refund as it stands.
    pub async fn get(&self, id: &str) -> Result<Option<Entry>, JournalError> {
        let id = id.to_owned();
        self.call(move |c| c.get(&id)).await
    }

    /// The refunds `filter` lets through (the default: every one), in the order submitted.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Entry>, JournalError> {
        let filter = filter.clone();
        self.call(move |c| c.list(&filter)).await
    }

    /// The refund's stored state machine.
    pub async fn refund(&self, id: &str) -> Result<Option<Refund>, JournalError> {
        let id = id.to_owned();
        self.call(move |c| c.refund(&id)).await
    }

    /// Every request the refund sent, in order.
    pub async fn attempts(&self, id: &str) -> Result<Vec<Attempt>, JournalError> {
        let id = id.to_owned();
        self.call(move |c| c.attempts(&id)).await
    }

    /// What the journal holds now, for its metrics ([`crate::metrics::render`]).
    pub async fn census(&self) -> Result<crate::metrics::Census, JournalError> {
        self.call(|c| c.census()).await
    }

    /// How many refunds are open (pending, waiting or in flight).
    pub async fn open_count(&self) -> Result<u64, JournalError> {
        self.call(|c| c.open_count()).await
    }

    /// How many open refunds wait for a person: each behind an earlier refund of its payment
    /// that is in review, which holds it back until [`Journal::resolve`].
    pub async fn waiting_for_review(&self) -> Result<u64, JournalError> {
        self.call(|c| c.waiting_for_review()).await
    }

    /// When the soonest open refund may be claimed (its due time, or its lease's end if
    /// later); `None` when none is open.
    pub async fn next_due(&self) -> Result<Option<SystemTime>, JournalError> {
        self.call(|c| c.next_due()).await
    }

    /// The next number of the journal's sequence `name`, at least `floor`: unique and
    /// increasing across every instance sharing the database.
    pub async fn next_in_sequence(&self, name: &str, floor: i64) -> Result<i64, JournalError> {
        let name = name.to_owned();
        self.call(move |c| c.next_in_sequence(&name, floor)).await
    }

    /// A person's answer to a refund in review, with their note and who they are (`None`
    /// when nobody signed in), at the journal's clock's time: done, or refused (no money
    /// moved). Raises the fence, so no worker still holding the refund can write after it.
    pub async fn resolve(
        &self,
        id: &str,
        resolution: Resolution,
        note: &str,
        by: Option<&str>,
    ) -> Result<Entry, JournalError> {
        let (id, note, now) = (id.to_owned(), note.to_owned(), self.clock.now());
        let by = by.map(str::to_owned);
        self.call(move |c| c.resolve(&id, resolution, &note, by.as_deref(), now))
            .await
    }

    /// Leases the refund that is due soonest and may start, to `worker` until `now + lease`:
    /// due (its time has come, or it is in flight and its last worker's lease has run out),
    /// not leased, of one of `providers` (all when `None`), and the first open refund of its
    /// payment (the refunds of one payment go one after another, in the order submitted).
    /// Raises its fence.
    pub async fn claim(
        &self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
        providers: Option<&[ProviderId]>,
    ) -> Result<Option<Claim>, JournalError> {
        let worker = worker.to_owned();
        let providers = providers.map(<[ProviderId]>::to_vec);
        self.call(move |c| c.claim(&worker, now, lease, providers.as_deref()))
            .await
    }

    /// [`Journal::claim`], and in the same transaction the write-ahead of the claimed
    /// refund's first request when `prepare` returns one: the refund as [`Refund::sent`] left
    /// it, the request's [`Sending`], and anything of the caller's (the request itself),
    /// handed back with the claim. One commit where a claim and
    /// [`Journal::write_ahead`] take two, every guarantee of both kept: the write-ahead is
    /// durable before this returns, and refused with the claim when the transaction fails.
    /// `prepare` runs on the connection's thread with the refund's row locked (and may run
    /// again when the transaction lost a race): it builds a request and sends nothing.
    pub async fn claim_and_write_ahead<T, F>(
        &self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
        providers: Option<&[ProviderId]>,
        mut prepare: F,
    ) -> Result<Option<crate::model::Claimed<T>>, JournalError>
    where
        T: Send + 'static,
        F: FnMut(&Claim) -> Option<(Refund, Sending, T)> + Send + 'static,
    {
        let worker = worker.to_owned();
        let providers = providers.map(<[ProviderId]>::to_vec);
        self.call(move |c| {
            c.claim_and_write_ahead(&worker, now, lease, providers.as_deref(), &mut prepare)
        })
        .await
    }

    /// Gives back at once every lease `worker` holds: a worker starting again under its own
    /// name takes its earlier self's refunds without waiting for the leases to run out. How
    /// many.
    pub async fn take_back(&self, worker: &str, now: SystemTime) -> Result<u64, JournalError> {
        let worker = worker.to_owned();
        self.call(move |c| c.take_back(&worker, now)).await
    }

    /// The write-ahead record, before a request leaves: the refund's state as `poll` left it
    /// (in flight) and the attempt, durable once this returns. Refused, and nothing
    /// recorded, when the claim is stale or its lease has run out: the request must not be
    /// sent then.
    pub async fn write_ahead(
        &self,
        claim: &Claim,
        refund: &Refund,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund, sending) = (claim.clone(), refund.clone(), sending.clone());
        self.call(move |c| c.write_ahead(&claim, &refund, &sending, None, now))
            .await
    }

    /// The answer of one request and the write-ahead of the next, due at once, in one
    /// transaction: `refund` as [`Refund::sent`] left it after taking `answered`'s answer, the
    /// answered attempt closed and the next one recorded, durable once this returns (one
    /// commit where [`Journal::record`] and [`Journal::write_ahead`] take two). Refused, and
    /// nothing recorded, as `write_ahead` is.
    pub async fn answer_and_write_ahead(
        &self,
        claim: &Claim,
        refund: &Refund,
        answered: Answered,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund, sending) = (claim.clone(), refund.clone(), sending.clone());
        self.call(move |c| c.write_ahead(&claim, &refund, &sending, Some(&answered), now))
            .await
    }

    /// How request `seq` ended, and the refund's state after it: that attempt closed, the
    /// state saved, the lease kept or released.
    pub async fn record(
        &self,
        claim: &Claim,
        refund: &Refund,
        seq: u64,
        outcome: Outcome,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let (claim, refund) = (claim.clone(), refund.clone());
        let answered = Answered {
            seq,
            outcome,
            at: now,
            answer: None,
        };
        self.call(move |c| c.record(&claim, &refund, &answered, now, release))
            .await
    }

    /// [`Journal::record`] of an answer taken earlier, at `answered.at`.
    pub(crate) async fn record_answered(
        &self,
        claim: &Claim,
        refund: &Refund,
        answered: Answered,
        now: SystemTime,
        release: bool,
    ) -> Result<(), JournalError> {
        let (claim, refund) = (claim.clone(), refund.clone());
        self.call(move |c| c.record(&claim, &refund, &answered, now, release))
            .await
    }

    /// The refund's state with nothing sent (it sleeps, or it is final), the lease released.
    pub async fn release(
        &self,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund) = (claim.clone(), refund.clone());
        self.call(move |c| c.release(&claim, &refund, now)).await
    }

    /// The lease given back with no worker claiming the refund before `until`, and `why` (a
    /// request this worker could not build: a credential it lacks); the refund itself is
    /// unchanged.
    pub async fn hold(
        &self,
        claim: &Claim,
        until: SystemTime,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, why) = (claim.clone(), why.to_owned());
        self.call(move |c| c.hold(&claim, until, &why, now)).await
    }

    /// A refund whose stored state does not load: review by the row alone, with `why`, until
    /// a person mends the state (there is no machine to ask).
    pub async fn quarantine(
        &self,
        claim: &Claim,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, why) = (claim.clone(), why.to_owned());
        self.call(move |c| c.quarantine(&claim, &why, now)).await
    }

    /// Closes the journal's connections (every handle to it), each on its thread, and
    /// returns once they are: before a program exits. Calls after it fail.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    pub(crate) fn close_blocking(&self) {
        self.inner.pool.close_blocking();
    }

    pub(crate) fn pool_blocking<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, JournalError> + Send + 'static,
    {
        if self.inner.schema.load(Ordering::Relaxed) != schema::SCHEMA_VERSION {
            let found = self
                .inner
                .pool
                .run_blocking(|c| c.schema_version())?
                .unwrap_or(0);
            self.inner.schema.store(found, Ordering::Relaxed);
            if found != schema::SCHEMA_VERSION {
                return Err(JournalError::NotMigrated {
                    found,
                    current: schema::SCHEMA_VERSION,
                });
            }
        }
        self.inner.pool.run_blocking(f)
    }

    pub(crate) fn connect_blocking(url: &str, options: Options) -> Result<Journal, JournalError> {
        let journal = Journal::start(url, options)?;
        let found = journal.inner.pool.run_blocking(|c| c.schema_version())?;
        journal.admit(found)
    }

    pub(crate) fn migrate_blocking(&self) -> Result<Migration, JournalError> {
        if self.inner.read_only {
            return Err(JournalError::ReadOnly);
        }
        let from = self.inner.pool.run_blocking(|c| {
            let from = c.schema_version()?.unwrap_or(0);
            c.migrate()?;
            Ok(from)
        })?;
        self.inner
            .schema
            .store(schema::SCHEMA_VERSION, Ordering::Relaxed);
        Ok(Migration {
            from,
            to: schema::SCHEMA_VERSION,
        })
    }
}
