//! The fleet's backend: PostgreSQL, any number of workers on any number of machines.
//!
//! Each transaction runs at READ COMMITTED; a claim locks the rows it leases with
//! `FOR UPDATE SKIP LOCKED`, so workers never wait on each other's refunds. A unique
//! violation, a serialization failure or a deadlock is reported as retryable, and the
//! journal runs the whole transaction again. Statements are prepared once per connection.
//!
//! The connection is made without TLS (`NoTls`): run the journal's database on loopback, a
//! Unix socket or a private network; a URL asking for `sslmode=require` is refused by the
//! driver rather than silently downgraded.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};

use crate::JournalError;
use crate::backend::{Backend, Dialect, Row, Tx, Value};

pub(crate) struct Postgres {
    client: Client,
    statements: HashMap<String, Statement>,
}

fn storage(e: &postgres::Error) -> JournalError {
    use postgres::error::SqlState;
    let retryable = e.code().is_some_and(|c| {
        *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
    });
    JournalError::Storage {
        retryable,
        detail: describe(e),
    }
}

/// What went wrong, as the server said it: its severity, SQLSTATE and message (and detail and
/// hint where it gave them), or, before the server said anything, the driver's error with its
/// causes (a refused connection, a failed name lookup). The driver's own text for a server's
/// error is only "db error". Never the URL: it may carry a password.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!(
            "PostgreSQL {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        );
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl Postgres {
    /// Connects to `url` (`postgres://` or `postgresql://`; `host`, `port`, `user`,
    /// `password`, `dbname` and the driver's other keys).
    pub(crate) fn connect(url: &str) -> Result<Self, JournalError> {
        let client = Client::connect(url, NoTls).map_err(|e| storage(&e))?;
        Ok(Postgres {
            client,
            statements: HashMap::new(),
        })
    }
}

struct PgTx<'a, 'c> {
    tx: postgres::Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
}

fn boxed(params: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Value::Int(i) => Box::new(*i),
                Value::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, JournalError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(|e| storage(&e))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, JournalError> {
        let statement = self.statement(sql)?;
        let values = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
        self.tx.execute(&statement, &refs).map_err(|e| storage(&e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, JournalError> {
        let statement = self.statement(sql)?;
        let values = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
        let rows = self.tx.query(&statement, &refs).map_err(|e| storage(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                let value = if *ty == Type::INT8 {
                    Value::Int(row.try_get::<_, Option<i64>>(i).map_err(|e| storage(&e))?)
                } else if *ty == Type::INT4 {
                    Value::Int(
                        row.try_get::<_, Option<i32>>(i)
                            .map_err(|e| storage(&e))?
                            .map(i64::from),
                    )
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
                    Value::Text(
                        row.try_get::<_, Option<String>>(i)
                            .map_err(|e| storage(&e))?,
                    )
                } else {
                    return Err(JournalError::Storage {
                        retryable: false,
                        detail: format!("column {} is of type {ty}", column.name()),
                    });
                };
                values.push(value);
            }
            out.push(values);
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

impl Backend for Postgres {
    fn is_broken(&self) -> bool {
        self.client.is_closed()
    }

    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError> {
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|e| storage(&e))?;
        let mut tx = PgTx {
            tx,
            statements: &mut self.statements,
        };
        f(&mut tx)?;
        tx.tx.commit().map_err(|e| storage(&e))
    }

    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), JournalError>,
    ) -> Result<(), JournalError> {
        let tx = self.client.transaction().map_err(|e| storage(&e))?;
        let mut tx = PgTx {
            tx,
            statements: &mut self.statements,
        };
        f(&mut tx)?;
        tx.tx.commit().map_err(|e| storage(&e))
    }
}
