//! The journal's statements on one connection: each refund's state, who holds it, and every
//! request it sent, in one of two databases behind one set of statements. Synchronous: a
//! connection lives on a thread of its own ([`crate::pool`]), never on an async runtime's.

use std::path::Path;

use crate::backend::{Backend, Tx};
use crate::{JournalError, Location, schema};

/// How many times a transaction that lost a race (a unique violation between two
/// submissions, a serialization failure, a busy database) is run again before the error is
/// given up.
const RETRIES: u32 = 5;

mod reads;
mod rows;
mod sql;
mod submit;
mod writes;

/// One connection to the journal's database and the statements run on it.
pub(crate) struct Conn {
    backend: Box<dyn Backend>,
    /// Whether this connection made the journal (the database held none).
    pub(crate) created: bool,
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
}
