//! The journal for threads: the calls of [`crate::Journal`], each blocking its thread until
//! a connection (on a thread of the journal's own) has answered. For a command line or a
//! thread-per-worker program; in an async service use [`crate::Journal`], whose calls never
//! block a runtime thread.
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("refundkit-blocking-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! let journal = refundkit_journal::blocking::Journal::connect(
//!     &format!("sqlite:{}", dir.join("refunds.db").display()))?;
//! journal.migrate()?;
//! assert!(journal.list(&Default::default())?.is_empty());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use refundkit::plan::{Credentials, RefundDescription};
use refundkit::{ProviderId, Refund};

use crate::journal::{Migration, Options};
use crate::model::{
    Answered, Attempt, Claim, Entry, Filter, Outcome, Resolution, Sending, SubmitError, Submitted,
};
use crate::{JournalError, Location};

/// The journal, blocking: a handle to the same pool of connections as [`crate::Journal`]
/// (cheap to clone; [`Journal::nonblocking`] gives the async handle back).
#[derive(Clone, Debug)]
pub struct Journal {
    inner: crate::Journal,
}

impl crate::journal::Journal {
    /// The blocking API over this journal's connections (a thread-per-worker program, a
    /// command line): the same calls, each blocking its thread until it is answered.
    pub fn blocking(&self) -> Journal {
        Journal {
            inner: self.clone(),
        }
    }
}

impl Journal {
    /// Connects to the journal at `url` ([`crate::Journal::connect`]), blocking.
    pub fn connect(url: &str) -> Result<Journal, JournalError> {
        Journal::connect_with(url, Options::default())
    }

    /// Connects to read only ([`crate::Journal::connect_read_only`]), blocking.
    pub fn connect_read_only(url: &str) -> Result<Journal, JournalError> {
        Journal::connect_with(
            url,
            Options {
                read_only: true,
                ..Options::default()
            },
        )
    }

    /// Connects as `options` say, blocking.
    pub fn connect_with(url: &str, options: Options) -> Result<Journal, JournalError> {
        crate::Journal::connect_blocking(url, options).map(|inner| inner.blocking())
    }

    /// Connects and migrates: the journal ready to use, made when the database holds none.
    pub fn open(url: &str) -> Result<Journal, JournalError> {
        let journal = Journal::connect(url)?;
        journal.migrate()?;
        Ok(journal)
    }

    /// [`crate::Journal::close`], blocking.
    pub fn close(&self) {
        self.inner.close_blocking();
    }

    /// The async handle to the same journal.
    pub fn nonblocking(&self) -> &crate::Journal {
        &self.inner
    }

    /// Where it is.
    pub fn location(&self) -> &Location {
        self.inner.location()
    }

    /// [`crate::Journal::migrate`], blocking.
    pub fn migrate(&self) -> Result<Migration, JournalError> {
        self.inner.migrate_blocking()
    }

    /// [`crate::Journal::submit`], blocking.
    pub fn submit(
        &self,
        id: &str,
        provider: ProviderId,
        description: &RefundDescription,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let (id, description, credentials) =
            (id.to_owned(), description.clone(), credentials.clone());
        self.inner
            .pool_blocking(move |c| {
                Ok(c.submit_description(&id, provider, &description, &credentials, now))
            })
            .map_err(SubmitError::Journal)?
    }

    /// [`crate::Journal::submit_refund`], blocking.
    pub fn submit_refund(
        &self,
        id: &str,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<Submitted, SubmitError> {
        let (id, refund) = (id.to_owned(), refund.clone());
        self.inner
            .pool_blocking(move |c| Ok(c.submit(&id, &refund, now)))
            .map_err(SubmitError::Journal)?
    }

    /// [`crate::Journal::get`], blocking.
    pub fn get(&self, id: &str) -> Result<Option<Entry>, JournalError> {
        let id = id.to_owned();
        self.inner.pool_blocking(move |c| c.get(&id))
    }

    /// [`crate::Journal::list`], blocking.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Entry>, JournalError> {
        let filter = filter.clone();
        self.inner.pool_blocking(move |c| c.list(&filter))
    }

    /// [`crate::Journal::refund`], blocking.
    pub fn refund(&self, id: &str) -> Result<Option<Refund>, JournalError> {
        let id = id.to_owned();
        self.inner.pool_blocking(move |c| c.refund(&id))
    }

    /// [`crate::Journal::attempts`], blocking.
    pub fn attempts(&self, id: &str) -> Result<Vec<Attempt>, JournalError> {
        let id = id.to_owned();
        self.inner.pool_blocking(move |c| c.attempts(&id))
    }

    /// [`crate::Journal::open_count`], blocking.
    pub fn open_count(&self) -> Result<u64, JournalError> {
        self.inner.pool_blocking(|c| c.open_count())
    }

    /// [`crate::Journal::waiting_for_review`], blocking.
    pub fn waiting_for_review(&self) -> Result<u64, JournalError> {
        self.inner.pool_blocking(|c| c.waiting_for_review())
    }

    /// [`crate::Journal::next_due`], blocking.
    pub fn next_due(&self) -> Result<Option<SystemTime>, JournalError> {
        self.inner.pool_blocking(|c| c.next_due())
    }

    /// [`crate::Journal::next_in_sequence`], blocking.
    pub fn next_in_sequence(&self, name: &str, floor: i64) -> Result<i64, JournalError> {
        let name = name.to_owned();
        self.inner
            .pool_blocking(move |c| c.next_in_sequence(&name, floor))
    }

    /// [`crate::Journal::census`], blocking.
    pub fn census(&self) -> Result<crate::metrics::Census, JournalError> {
        self.inner.pool_blocking(|c| c.census())
    }

    /// [`crate::Journal::resolve`], blocking.
    pub fn resolve(
        &self,
        id: &str,
        resolution: Resolution,
        note: &str,
        by: Option<&str>,
    ) -> Result<Entry, JournalError> {
        let (id, note, now) = (id.to_owned(), note.to_owned(), self.inner.clock().now());
        let by = by.map(str::to_owned);
        self.inner
            .pool_blocking(move |c| c.resolve(&id, resolution, &note, by.as_deref(), now))
    }

    /// [`crate::Journal::claim`], blocking.
    pub fn claim(
        &self,
        worker: &str,
        now: SystemTime,
        lease: Duration,
        providers: Option<&[ProviderId]>,
    ) -> Result<Option<Claim>, JournalError> {
        let worker = worker.to_owned();
        let providers = providers.map(<[ProviderId]>::to_vec);
        self.inner
            .pool_blocking(move |c| c.claim(&worker, now, lease, providers.as_deref()))
    }

    /// [`crate::Journal::claim_and_write_ahead`], blocking.
    pub fn claim_and_write_ahead<T, F>(
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
        self.inner.pool_blocking(move |c| {
            c.claim_and_write_ahead(&worker, now, lease, providers.as_deref(), &mut prepare)
        })
    }

    /// [`crate::Journal::take_back`], blocking.
    pub fn take_back(&self, worker: &str, now: SystemTime) -> Result<u64, JournalError> {
        let worker = worker.to_owned();
        self.inner.pool_blocking(move |c| c.take_back(&worker, now))
    }

    /// [`crate::Journal::write_ahead`], blocking.
    pub fn write_ahead(
        &self,
        claim: &Claim,
        refund: &Refund,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund, sending) = (claim.clone(), refund.clone(), sending.clone());
        self.inner
            .pool_blocking(move |c| c.write_ahead(&claim, &refund, &sending, None, now))
    }

    /// [`crate::Journal::answer_and_write_ahead`], blocking.
    pub fn answer_and_write_ahead(
        &self,
        claim: &Claim,
        refund: &Refund,
        answered: Answered,
        sending: &Sending,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund, sending) = (claim.clone(), refund.clone(), sending.clone());
        self.inner
            .pool_blocking(move |c| c.write_ahead(&claim, &refund, &sending, Some(&answered), now))
    }

    /// [`crate::Journal::record`], blocking.
    pub fn record(
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
        self.inner
            .pool_blocking(move |c| c.record(&claim, &refund, &answered, now, release))
    }

    /// [`crate::Journal::release`], blocking.
    pub fn release(
        &self,
        claim: &Claim,
        refund: &Refund,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, refund) = (claim.clone(), refund.clone());
        self.inner
            .pool_blocking(move |c| c.release(&claim, &refund, now))
    }

    /// [`crate::Journal::hold`], blocking.
    pub fn hold(
        &self,
        claim: &Claim,
        until: SystemTime,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, why) = (claim.clone(), why.to_owned());
        self.inner
            .pool_blocking(move |c| c.hold(&claim, until, &why, now))
    }

    /// [`crate::Journal::quarantine`], blocking.
    pub fn quarantine(
        &self,
        claim: &Claim,
        why: &str,
        now: SystemTime,
    ) -> Result<(), JournalError> {
        let (claim, why) = (claim.clone(), why.to_owned());
        self.inner
            .pool_blocking(move |c| c.quarantine(&claim, &why, now))
    }
}

/// A worker for a thread of its own ([`crate::worker::Worker`] on a single-threaded runtime
/// the worker owns): for a program of threads, not tasks. Never call it from inside an async
/// runtime (use [`crate::worker::Workers`] there).
#[cfg(feature = "worker")]
pub struct Worker {
    worker: crate::worker::Worker,
    runtime: tokio::runtime::Runtime,
}

#[cfg(feature = "worker")]
impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "blocking::{:?}", self.worker)
    }
}

#[cfg(feature = "worker")]
impl Worker {
    /// A worker over `journal` ([`crate::worker::Worker::new`]).
    pub fn new(
        journal: &Journal,
        transport: std::sync::Arc<dyn crate::worker::Transport>,
        credentials: Credentials,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
        config: crate::worker::Config,
    ) -> Result<Worker, crate::worker::ConfigError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| crate::worker::ConfigError::Runtime(e.to_string()))?;
        let worker = crate::worker::Worker::new(
            journal.nonblocking().clone(),
            transport,
            credentials,
            clock,
            config,
        )?;
        Ok(Worker { worker, runtime })
    }

    /// [`crate::worker::Worker::step`], blocking.
    pub fn step(&mut self) -> Result<crate::worker::Stepped, JournalError> {
        self.runtime.block_on(self.worker.step())
    }

    /// [`crate::worker::Worker::run`], blocking.
    pub fn run(
        &mut self,
        until: &crate::worker::Until,
        stop: &crate::worker::Stop,
    ) -> Result<crate::worker::Ended, JournalError> {
        self.runtime.block_on(self.worker.run(until, stop))
    }
}
