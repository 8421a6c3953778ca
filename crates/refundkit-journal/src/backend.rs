//! What the journal needs of a database, and nothing more: transactions that run SQL with
//! integer and text values. Every statement is written once (in [`crate::journal`], with
//! `$1`-style placeholders) for both backends; a backend only carries values across.

use crate::JournalError;

/// A value crossing to or from the database: every column the journal has is a 64-bit
/// integer or text, either of which may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl Value {
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => *i,
            Value::Text(_) => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => t.as_deref(),
            Value::Int(_) => None,
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(Some(i))
    }
}

impl From<Option<i64>> for Value {
    fn from(i: Option<i64>) -> Self {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(t: &str) -> Self {
        Value::Text(Some(t.to_owned()))
    }
}

impl From<String> for Value {
    fn from(t: String) -> Self {
        Value::Text(Some(t))
    }
}

impl From<Option<String>> for Value {
    fn from(t: Option<String>) -> Self {
        Value::Text(t)
    }
}

/// A row: its columns in the order selected.
pub(crate) type Row = Vec<Value>;

/// Which SQL the backend speaks where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

/// One transaction's statements.
pub(crate) trait Tx {
    /// Runs a statement; the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, JournalError>;
    /// Runs a query; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, JournalError>;
    /// The backend's dialect.
    fn dialect(&self) -> Dialect;
}

/// A connection.
pub(crate) trait Backend: Send {
    /// Runs `f` in one transaction that is committed when `f` returns `Ok` and rolled back
    /// otherwise. SQLite takes the write lock when the transaction begins (`BEGIN IMMEDIATE`),
    /// so two writers never deadlock upgrading a read lock; PostgreSQL locks the rows each
    /// statement names.
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError>;

    /// Whether the connection is gone for good (the server closed it, a failover): the pool
    /// opens another instead of failing every statement after.
    fn is_broken(&self) -> bool {
        false
    }

    /// Runs `f` in a transaction that only reads: it takes no write lock (SQLite `BEGIN
    /// DEFERRED`, which under WAL never waits for a writer; PostgreSQL `READ ONLY`), so reading
    /// a journal never writes it, nor waits for a worker that does.
    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError>;
}

/// `$1` placeholders as SQLite numbers them (`?1`): the statements are written once, in
/// PostgreSQL's spelling, and no statement has a `$` anywhere else.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}
