//! The statements a worker runs on every round, in one place so that their query plans are
//! checked (below): each finds its rows by an index, never by reading the table, so a journal
//! holding a million settled refunds claims as fast as an empty one.

/// The refund that is due soonest and may start (see [`super::Conn::claim`]): `only` narrows
/// it to some providers, `lock` is PostgreSQL's row lock (empty for SQLite). By the partial
/// index on `due_at` (open refunds only), the payment's earlier refunds by the index on
/// `(provider, payment, seq)`.
pub(super) fn claim(only: &str, lock: &str) -> String {
    format!(
        "SELECT r.id, r.provider, r.state FROM refundkit_refunds r
         WHERE r.due_at IS NOT NULL AND r.due_at <= $1
           AND (r.lease_until IS NULL OR r.lease_until <= $1){only}
           AND NOT EXISTS (
               SELECT 1 FROM refundkit_refunds o
               WHERE o.provider = r.provider AND o.payment = r.payment
                 AND o.seq < r.seq AND o.status NOT IN ('done', 'refused'))
         ORDER BY r.due_at, r.seq
         LIMIT 1{lock}"
    )
}

/// When the claimed refund's first request left (its retry budget in time counts from it):
/// by the attempts' primary key.
pub(super) const FIRST_SENT: &str =
    "SELECT MIN(sent_at) FROM refundkit_attempts WHERE refund_id = $1";

/// How many refunds are open: by the partial index on `due_at`.
pub(super) const OPEN_COUNT: &str =
    "SELECT COUNT(*) FROM refundkit_refunds WHERE due_at IS NOT NULL";

/// How many open refunds wait behind an earlier refund of their payment in review.
pub(super) const WAITING_FOR_REVIEW: &str = "SELECT COUNT(*) FROM refundkit_refunds r
     WHERE r.due_at IS NOT NULL AND EXISTS (
         SELECT 1 FROM refundkit_refunds o
         WHERE o.provider = r.provider AND o.payment = r.payment
           AND o.seq < r.seq AND o.status = 'review')";

/// When the soonest open refund may be claimed.
pub(super) const NEXT_DUE: &str =
    "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > due_at
                 THEN lease_until ELSE due_at END)
     FROM refundkit_refunds WHERE due_at IS NOT NULL";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::super::Conn;
    use crate::Location;
    use crate::backend::Value;

    /// SQLite's plan of `sql`: one line per step (`SEARCH r USING INDEX …`, `SCAN …`).
    fn plan(conn: &mut Conn, sql: &str) -> Vec<String> {
        // As many parameters as it names (`$1`…`$N`), each a number: the plan is the same
        // whatever they hold.
        let count = (1..10).filter(|n| sql.contains(&format!("${n}"))).count();
        let params: Vec<Value> = (0..count).map(|_| Value::from(0_i64)).collect();
        conn.read(|tx| tx.query(&format!("EXPLAIN QUERY PLAN {sql}"), &params))
            .unwrap()
            .iter()
            .map(|row| {
                row.iter()
                    .filter_map(Value::text)
                    .next_back()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn every_statement_of_a_workers_round_reads_by_an_index_never_the_whole_table() {
        let dir =
            std::env::temp_dir().join(format!("refundkit-journal-plans-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conn = Conn::open(&Location::Sqlite(dir.join("plans.db")), false).unwrap();
        conn.migrate().unwrap();
        for (name, sql) in [
            ("claim", super::claim("", "")),
            (
                "claim of some providers",
                super::claim(" AND r.provider IN ($2)", ""),
            ),
            ("first sent", super::FIRST_SENT.to_owned()),
            ("open count", super::OPEN_COUNT.to_owned()),
            ("waiting for review", super::WAITING_FOR_REVIEW.to_owned()),
            ("next due", super::NEXT_DUE.to_owned()),
        ] {
            let plan = plan(&mut conn, &sql);
            assert!(!plan.is_empty(), "{name}: no plan");
            for step in &plan {
                // A full read of a table is `SCAN <table or alias>` with no index named.
                let whole_table = step.starts_with("SCAN ") && !step.contains(" INDEX ");
                assert!(!whole_table, "{name}: {step} (the plan: {plan:?})");
            }
        }
        // The check sees a full read where there is one: by a column no index holds.
        let unindexed = plan(
            &mut conn,
            "SELECT COUNT(*) FROM refundkit_refunds WHERE note = 'x'",
        );
        assert!(
            unindexed
                .iter()
                .any(|s| s.starts_with("SCAN ") && !s.contains(" INDEX ")),
            "{unindexed:?}"
        );
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
