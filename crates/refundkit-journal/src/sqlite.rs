//! The embedded backend: one SQLite file, any number of processes on one machine.
//!
//! WAL, so readers never wait for the writer; `synchronous=FULL`, so a transaction that
//! committed (a write-ahead record of a request about to leave) survives a power cut, not only
//! a crash; every transaction `BEGIN IMMEDIATE`, so a claim reads and leases in one step no
//! other writer can come between; a writer waits up to 30 s for the lock.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use crate::JournalError;
use crate::backend::{Backend, Dialect, Row, Tx, Value, sqlite_placeholders};

pub(crate) struct Sqlite {
    conn: Connection,
}

fn storage(e: rusqlite::Error) -> JournalError {
    let retryable = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    );
    JournalError::Storage {
        retryable,
        detail: e.to_string(),
    }
}

/// An error opening the file at `path`, naming it ("unable to open database file" alone
/// does not say which).
fn at(path: &Path, e: rusqlite::Error) -> JournalError {
    match storage(e) {
        JournalError::Storage { retryable, detail } => JournalError::Storage {
            retryable,
            detail: format!("{}: {detail}", path.display()),
        },
        other => other,
    }
}

impl Sqlite {
    pub(crate) fn open(path: &Path) -> Result<Self, JournalError> {
        let conn = Connection::open(path).map_err(|e| at(path, e))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(storage)?;
        // journal_mode answers with the mode it set.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(storage)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::Storage {
                retryable: false,
                detail: format!("SQLite kept journal_mode {mode}, not WAL"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(storage)?;
        Ok(Sqlite { conn })
    }

    /// Opens an existing file to read it only: nothing is created or set (WAL is the file's
    /// own, recorded when it was made), and no statement can write (`query_only`).
    pub(crate) fn open_read_only(path: &Path) -> Result<Self, JournalError> {
        use rusqlite::OpenFlags;
        if !path.exists() {
            return Err(JournalError::Storage {
                retryable: false,
                detail: format!(
                    "{}: no such file: there is no journal there",
                    path.display()
                ),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| at(path, e))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(storage)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(storage)?;
        Ok(Sqlite { conn })
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(Some(i)) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(Some(t)) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Value::Int(None) | Value::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

struct SqliteTx<'a>(rusqlite::Transaction<'a>);

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, JournalError> {
        let mut statement = self.0.prepare(&sqlite_placeholders(sql)).map_err(storage)?;
        let n = statement
            .execute(rusqlite::params_from_iter(params))
            .map_err(storage)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, JournalError> {
        let mut statement = self.0.prepare(&sqlite_placeholders(sql)).map_err(storage)?;
        let columns = statement.column_count();
        let names: Vec<String> = statement.column_names().map(str::to_owned).collect();
        let mut rows = statement
            .query(rusqlite::params_from_iter(params))
            .map_err(storage)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(storage)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i).map_err(storage)? {
                    ValueRef::Null => Value::Int(None),
                    ValueRef::Integer(n) => Value::Int(Some(n)),
                    ValueRef::Text(t) => Value::Text(Some(String::from_utf8_lossy(t).into_owned())),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        // Written by hand or by another program: name the column and the
                        // row's first column (a refund's id), so a person can find it.
                        let key = match row.get_ref(0) {
                            Ok(ValueRef::Text(t)) => {
                                format!(" of the row {:?}", String::from_utf8_lossy(t))
                            }
                            _ => String::new(),
                        };
                        return Err(JournalError::Storage {
                            retryable: false,
                            detail: format!(
                                "column {}{key} is neither an integer nor text",
                                names.get(i).map_or("?", String::as_str)
                            ),
                        });
                    }
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

impl Sqlite {
    fn run(
        &mut self,
        behavior: TransactionBehavior,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError> {
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(storage)?;
        let mut tx = SqliteTx(tx);
        f(&mut tx)?;
        tx.0.commit().map_err(storage)
    }
}

impl Backend for Sqlite {
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError> {
        self.run(TransactionBehavior::Immediate, f)
    }

    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError> {
        self.run(TransactionBehavior::Deferred, f)
    }
}
