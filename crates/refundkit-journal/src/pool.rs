//! The journal's connections, each on a thread of its own: an async caller never runs a
//! database statement on its runtime's threads, and a blocking caller never needs a runtime.
//!
//! Both drivers the journal uses are blocking (rusqlite; rust-postgres' `postgres`, which runs
//! a runtime of its own inside and panics when made, or dropped, on a thread that is in
//! another: rust-postgres issues 639 and 1058). Here each connection is made, used and
//! dropped on a plain thread that belongs to the pool; a caller sends it a job and waits for
//! the answer (a tokio oneshot when async, a channel when blocking). When the last handle to
//! the pool goes, the threads see the queue close and drop their connections themselves: no
//! drop ever blocks a caller, or panics in one.

use std::sync::{Arc, Mutex, mpsc};

use crate::conn::Conn;
use crate::{JournalError, Location};

type Job = Box<dyn FnOnce(&mut Slot) + Send>;

/// What a connection's thread is sent: a job, or the word to close its connection (and say
/// so) and end.
enum Message {
    Job(Job),
    Close(Ack),
}

/// How a thread says its connection is closed.
enum Ack {
    Async(tokio::sync::oneshot::Sender<()>),
    Blocking(mpsc::SyncSender<()>),
}

/// A connection's place on its thread: made on first use, made again after the server
/// closed it (a restart, a failover), so a worker outlives its database's restarts.
struct Slot {
    location: Location,
    read_only: bool,
    conn: Option<Conn>,
}

impl Slot {
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        // Every statement runs here, on a thread of the pool's own: never on a thread of an
        // async runtime (the tests, which run every call inside one, hold the journal to it).
        debug_assert!(
            tokio::runtime::Handle::try_current().is_err(),
            "a journal statement on an async runtime's thread"
        );
        let conn = match &mut self.conn {
            Some(conn) => conn,
            empty => empty.insert(Conn::open(&self.location, self.read_only)?),
        };
        let out = f(conn);
        if conn.is_broken() {
            self.conn = None;
        }
        out
    }
}

/// The pool: a queue of jobs and the threads that take them.
pub(crate) struct Pool {
    jobs: mpsc::Sender<Message>,
    size: usize,
}

fn closed() -> JournalError {
    JournalError::Storage {
        retryable: false,
        detail: "the journal's connection threads are gone".into(),
    }
}

impl Pool {
    /// `size` threads, each with a connection to `location` made on first use.
    pub(crate) fn start(
        location: &Location,
        read_only: bool,
        size: usize,
    ) -> Result<Pool, JournalError> {
        let (jobs, queue) = mpsc::channel::<Message>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..size.max(1) {
            let queue = queue.clone();
            let mut slot = Slot {
                location: location.clone(),
                read_only,
                conn: None,
            };
            std::thread::Builder::new()
                .name(format!("refundkit-journal-{i}"))
                .spawn(move || {
                    loop {
                        // One thread waits on the queue at a time; the others on its lock.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(Message::Job(job)) => job(&mut slot),
                            Ok(Message::Close(ack)) => {
                                // Closed here, on this thread (SQLite checkpoints its WAL as
                                // its last connection closes).
                                drop(slot.conn.take());
                                match ack {
                                    Ack::Async(a) => drop(a.send(())),
                                    Ack::Blocking(a) => drop(a.send(())),
                                }
                                return;
                            }
                            // Every handle is gone: the connection is dropped here, on this
                            // thread.
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| JournalError::Storage {
                    retryable: false,
                    detail: format!("cannot start a connection thread: {e}"),
                })?;
        }
        Ok(Pool {
            jobs,
            size: size.max(1),
        })
    }

    /// Closes every connection, each on its thread, and waits until they are: what a program
    /// does before it exits, so nothing is left half done (a SQLite WAL not checkpointed).
    /// Calls after it fail.
    pub(crate) async fn close(&self) {
        let mut acks = Vec::new();
        for _ in 0..self.size {
            let (ack, acked) = tokio::sync::oneshot::channel();
            if self.jobs.send(Message::Close(Ack::Async(ack))).is_ok() {
                acks.push(acked);
            }
        }
        for acked in acks {
            let _ = acked.await;
        }
    }

    /// [`Pool::close`], blocking.
    pub(crate) fn close_blocking(&self) {
        let mut acks = Vec::new();
        for _ in 0..self.size {
            let (ack, acked) = mpsc::sync_channel(1);
            if self.jobs.send(Message::Close(Ack::Blocking(ack))).is_ok() {
                acks.push(acked);
            }
        }
        for acked in acks {
            let _ = acked.recv();
        }
    }

    /// Runs `f` on a connection, awaiting its answer without blocking the caller's thread.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, JournalError> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Message::Job(Box::new(move |slot: &mut Slot| {
                let _ = answer.send(slot.with(f));
            })))
            .map_err(|_| closed())?;
        answered.await.map_err(|_| closed())?
    }

    /// Runs `f` on a connection, blocking the calling thread until it answers (the blocking
    /// API; never on an async runtime's thread).
    pub(crate) fn run_blocking<T, F>(&self, f: F) -> Result<T, JournalError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, JournalError> + Send + 'static,
    {
        let (answer, answered) = mpsc::sync_channel(1);
        self.jobs
            .send(Message::Job(Box::new(move |slot: &mut Slot| {
                let _ = answer.send(slot.with(f));
            })))
            .map_err(|_| closed())?;
        answered.recv().map_err(|_| closed())?
    }
}
