//! The journal's tables, as numbered migrations applied in order, each in the transaction
//! that records it. The DDL is the same for both backends (`BIGINT` is SQLite's INTEGER
//! affinity, `TEXT` is text in both; partial indexes and `RETURNING` exist in both).

use crate::JournalError;
#[cfg(feature = "postgres")]
use crate::backend::Dialect;
use crate::backend::{Tx, Value};

/// The newest schema this refundkit writes. A database of a newer one is refused rather than
/// misread; an older one is brought up to date when the journal opens.
pub const SCHEMA_VERSION: i64 = 3;

/// A statement of a migration, for both databases or for one.
enum Sql {
    Both(&'static str),
    Sqlite(&'static str),
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres(&'static str),
}

const MIGRATIONS: &[(i64, &[Sql])] = &[
    (
        1,
        &[
            // One row per refund: who it is (the shop's id, provider, payment), what was
            // submitted (a digest of it: the same id with another request is refused), the state
            // machine's stored state (never a secret), where it stands, and who holds it.
            //
            // due_at: when it may be claimed (Unix ms); NULL once it is final (done, refused,
            // review). A refund in flight is due from the moment it left: it is claimed again
            // only when its worker's lease has run out, and then its request counts as lost.
            // fence: raised by every claim; a worker writes only with the fence it claimed with,
            // so a worker whose lease ran out can never write over a newer one's work.
            Sql::Both(
                "CREATE TABLE refundkit_refunds (
            id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            provider TEXT NOT NULL,
            payment TEXT NOT NULL,
            digest TEXT NOT NULL,
            amount TEXT,
            state TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            attempts BIGINT NOT NULL,
            sends BIGINT NOT NULL,
            due_at BIGINT,
            lease_owner TEXT,
            lease_until BIGINT,
            fence BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            resolution TEXT,
            note TEXT,
            resolved_at BIGINT
        )",
            ),
            Sql::Both("CREATE UNIQUE INDEX refundkit_refunds_seq ON refundkit_refunds (seq)"),
            Sql::Both(
                "CREATE INDEX refundkit_refunds_due ON refundkit_refunds (due_at) WHERE due_at IS NOT NULL",
            ),
            Sql::Both(
                "CREATE INDEX refundkit_refunds_payment ON refundkit_refunds (provider, payment, seq)",
            ),
            // Every request that left (or was about to: written before it leaves), and how it
            // ended. n counts the refund's requests of every kind, from 1.
            Sql::Both(
                "CREATE TABLE refundkit_attempts (
            refund_id TEXT NOT NULL,
            n BIGINT NOT NULL,
            method TEXT NOT NULL,
            moves_money BIGINT NOT NULL,
            worker TEXT NOT NULL,
            fence BIGINT NOT NULL,
            sent_at BIGINT NOT NULL,
            answered_at BIGINT,
            outcome TEXT,
            http_status BIGINT,
            PRIMARY KEY (refund_id, n)
        )",
            ),
            // Numbers handed out across every instance: submission order, MWS clientOrderIds.
            Sql::Both(
                "CREATE TABLE refundkit_sequences (
            name TEXT PRIMARY KEY,
            value BIGINT NOT NULL
        )",
            ),
        ],
    ),
    // 2: the row derived from the machine alone: when it settled (settled_at, which takes the
    // place of resolved_at), why claims are held back (hold_reason), and a status the schema
    // itself keeps to the machine's. SQLite cannot add a CHECK to a table: it is made again.
    (
        2,
        &[
            Sql::Sqlite(
                "CREATE TABLE refundkit_refunds_v2 (
                    id TEXT PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    provider TEXT NOT NULL,
                    payment TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    amount TEXT,
                    state TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'in-flight', 'waiting',
                        'done', 'refused', 'review')),
                    reason TEXT,
                    attempts BIGINT NOT NULL,
                    sends BIGINT NOT NULL,
                    due_at BIGINT,
                    lease_owner TEXT,
                    lease_until BIGINT,
                    fence BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    resolution TEXT,
                    note TEXT,
                    settled_at BIGINT,
                    hold_reason TEXT
                )",
            ),
            Sql::Sqlite(
                "INSERT INTO refundkit_refunds_v2 (id, seq, provider, payment, digest, amount,
                     state, status, reason, attempts, sends, due_at, lease_owner, lease_until,
                     fence, created_at, updated_at, resolution, note, settled_at)
                 SELECT id, seq, provider, payment, digest, amount, state, status, reason,
                     attempts, sends, due_at, lease_owner, lease_until, fence, created_at,
                     updated_at, resolution, note,
                     COALESCE(resolved_at, CASE WHEN due_at IS NULL THEN updated_at END)
                 FROM refundkit_refunds",
            ),
            Sql::Sqlite("DROP TABLE refundkit_refunds"),
            Sql::Sqlite("ALTER TABLE refundkit_refunds_v2 RENAME TO refundkit_refunds"),
            Sql::Sqlite("CREATE UNIQUE INDEX refundkit_refunds_seq ON refundkit_refunds (seq)"),
            Sql::Sqlite(
                "CREATE INDEX refundkit_refunds_due ON refundkit_refunds (due_at) WHERE due_at IS NOT NULL",
            ),
            Sql::Sqlite(
                "CREATE INDEX refundkit_refunds_payment ON refundkit_refunds (provider, payment, seq)",
            ),
            Sql::Postgres("ALTER TABLE refundkit_refunds ADD COLUMN settled_at BIGINT"),
            Sql::Postgres("ALTER TABLE refundkit_refunds ADD COLUMN hold_reason TEXT"),
            Sql::Postgres(
                "UPDATE refundkit_refunds SET settled_at =
                     COALESCE(resolved_at, CASE WHEN due_at IS NULL THEN updated_at END)",
            ),
            Sql::Postgres("ALTER TABLE refundkit_refunds DROP COLUMN resolved_at"),
            Sql::Postgres(
                "ALTER TABLE refundkit_refunds ADD CONSTRAINT refundkit_refunds_status
                     CHECK (status IN ('pending', 'in-flight', 'waiting', 'done', 'refused',
                         'review'))",
            ),
        ],
    ),
    (
        // What an operator's console shows: each attempt's request as kept and its answer,
        // and who resolved a review.
        3,
        &[
            Sql::Both("ALTER TABLE refundkit_attempts ADD COLUMN request TEXT"),
            Sql::Both("ALTER TABLE refundkit_attempts ADD COLUMN answer TEXT"),
            Sql::Both("ALTER TABLE refundkit_refunds ADD COLUMN resolved_by TEXT"),
        ],
    ),
];

/// The schema version the database holds: `None` when it holds no journal at all (a new file,
/// an empty one, another program's database). Reads only.
pub(crate) fn version(tx: &mut dyn Tx) -> Result<Option<i64>, JournalError> {
    let exists = match tx.dialect() {
        crate::backend::Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'refundkit_schema'"
        }
        #[cfg(feature = "postgres")]
        crate::backend::Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'refundkit_schema'"
        }
    };
    let count = tx
        .query(exists, &[])?
        .first()
        .and_then(|r| r.first())
        .and_then(Value::int)
        .unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    Ok(Some(
        tx.query("SELECT MAX(version) FROM refundkit_schema", &[])?
            .first()
            .and_then(|r| r.first())
            .and_then(Value::int)
            .unwrap_or(0),
    ))
}

/// Brings the database to [`SCHEMA_VERSION`], in one transaction (PostgreSQL: under an
/// advisory lock, so two workers starting at once migrate once).
/// Whether the database held no journal before (its schema was made now).
pub(crate) fn migrate(tx: &mut dyn Tx) -> Result<bool, JournalError> {
    #[cfg(feature = "postgres")]
    if tx.dialect() == Dialect::Postgres {
        // The number is refundkit's own (ASCII "rkjl"): any constant both sides agree on.
        tx.execute("SELECT pg_advisory_xact_lock(1919642220)", &[])?;
    }
    // SQLite: nothing to take; the transaction began IMMEDIATE, holding the write lock.
    tx.execute(
        "CREATE TABLE IF NOT EXISTS refundkit_schema (version BIGINT NOT NULL)",
        &[],
    )?;
    let found = tx
        .query("SELECT MAX(version) FROM refundkit_schema", &[])?
        .first()
        .and_then(|r| r.first())
        .and_then(Value::int)
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(JournalError::SchemaVersion {
            found,
            max: SCHEMA_VERSION,
        });
    }
    for (version, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        for statement in *statements {
            let sql = match (statement, tx.dialect()) {
                (Sql::Both(sql), _) | (Sql::Sqlite(sql), crate::backend::Dialect::Sqlite) => sql,
                #[cfg(feature = "postgres")]
                (Sql::Postgres(sql), crate::backend::Dialect::Postgres) => sql,
                _ => continue,
            };
            tx.execute(sql, &[])?;
        }
        tx.execute(
            "INSERT INTO refundkit_schema (version) VALUES ($1)",
            &[Value::from(*version)],
        )?;
    }
    Ok(found == 0)
}
