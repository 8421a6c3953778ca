//! The statements a worker runs on every round, in one place so that their query plans are
//! checked (below): each finds its rows by an index, never by reading the table, so a journal
//! holding a million settled refunds claims as fast as an empty one.

/// Leases the refund that is due soonest and may start (see [`super::Conn::claim`]), in one
/// statement: `only` narrows it to some providers, `lock` is PostgreSQL's row lock (empty for
/// SQLite), `worker` and `until` name the lease's parameters. Its id, provider, state, new
/// fence and when its first request left come back. By the partial index on `due_at` (open
/// refunds only), the payment's earlier refunds by the index on `(provider, payment, seq)`,
/// the refund by its primary key, its first request by the attempts'.
pub(super) fn claim(only: &str, lock: &str, worker: &str, until: &str) -> String {
    format!(
        "UPDATE refundkit_refunds SET lease_owner = {worker}, lease_until = {until},
             fence = fence + 1
         WHERE id = (
             SELECT r.id FROM refundkit_refunds r
             WHERE r.due_at IS NOT NULL AND r.due_at <= $1
               AND (r.lease_until IS NULL OR r.lease_until <= $1){only}
               AND NOT EXISTS (
                   SELECT 1 FROM refundkit_refunds o
                   WHERE o.provider = r.provider AND o.payment = r.payment
                     AND o.seq < r.seq AND o.status NOT IN ('done', 'refused'))
             ORDER BY r.due_at, r.seq
             LIMIT 1{lock})
         RETURNING id, provider, state, fence,
             (SELECT MIN(a.sent_at) FROM refundkit_attempts a
              WHERE a.refund_id = refundkit_refunds.id)"
    )
}

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

    /// Every statement of a worker's round with parameters of its types.
    fn statements() -> Vec<(&'static str, String, Vec<Value>)> {
        let (now, text) = (|| Value::from(0_i64), |t: &str| Value::from(t));
        vec![
            (
                "claim",
                super::claim("", "", "$2", "$3"),
                vec![now(), text("w"), now()],
            ),
            (
                "claim of some providers",
                super::claim(" AND r.provider IN ($2)", "", "$3", "$4"),
                vec![
                    now(),
                    text(refundkit::ProviderId::ALL[0].name()),
                    text("w"),
                    now(),
                ],
            ),
            ("open count", super::OPEN_COUNT.to_owned(), vec![]),
            (
                "waiting for review",
                super::WAITING_FOR_REVIEW.to_owned(),
                vec![],
            ),
            ("next due", super::NEXT_DUE.to_owned(), vec![]),
        ]
    }

    /// SQLite's plan of `sql`: one line per step (`SEARCH r USING INDEX …`, `SCAN …`).
    fn sqlite_plan(conn: &mut Conn, sql: &str, params: &[Value]) -> Vec<String> {
        conn.read(|tx| tx.query(&format!("EXPLAIN QUERY PLAN {sql}"), params))
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
        for (name, sql, params) in statements() {
            let plan = sqlite_plan(&mut conn, &sql, &params);
            assert!(!plan.is_empty(), "{name}: no plan");
            for step in &plan {
                // A full read of a table is `SCAN <table or alias>` with no index named.
                let whole_table = step.starts_with("SCAN ") && !step.contains(" INDEX ");
                assert!(!whole_table, "{name}: {step} (the plan: {plan:?})");
            }
        }
        // The check sees a full read where there is one: by a column no index holds.
        let unindexed = sqlite_plan(
            &mut conn,
            "SELECT COUNT(*) FROM refundkit_refunds WHERE note = 'x'",
            &[],
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

    /// PostgreSQL's plan of `sql` with sequential scans priced out (`enable_seqscan = off`): a
    /// `Seq Scan` left in it is a read no index can serve.
    #[cfg(feature = "postgres")]
    fn postgres_plan(conn: &mut Conn, sql: &str, params: &[Value]) -> Vec<String> {
        conn.tx(|tx| {
            tx.execute("SET LOCAL enable_seqscan = off", &[])?;
            tx.query(&format!("EXPLAIN {sql}"), params)
        })
        .unwrap()
        .iter()
        .filter_map(|row| row.first().and_then(Value::text).map(str::to_owned))
        .collect()
    }

    #[cfg(feature = "postgres")]
    #[test]
    #[cfg_attr(
        not(refundkit_test_postgres),
        ignore = "REFUNDKIT_TEST_POSTGRES was not set when the tests were built"
    )]
    fn every_statement_of_a_workers_round_reads_by_an_index_on_postgresql_too() {
        let base = std::env::var("REFUNDKIT_TEST_POSTGRES").unwrap();
        let name = format!("rk_plans_{}", std::process::id());
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (server, _) = base.rsplit_once('/').unwrap();
        let mut conn = Conn::open(&Location::Postgres(format!("{server}/{name}")), false).unwrap();
        conn.migrate().unwrap();
        for (name, sql, params) in statements() {
            let plan = postgres_plan(&mut conn, &sql, &params);
            assert!(!plan.is_empty(), "{name}: no plan");
            assert!(
                !plan.iter().any(|step| step.contains("Seq Scan")),
                "{name}: {plan:#?}"
            );
        }
        // The check sees a full read where there is one: by a column no index holds.
        let unindexed = postgres_plan(
            &mut conn,
            "SELECT COUNT(*) FROM refundkit_refunds WHERE note = 'x'",
            &[],
        );
        assert!(
            unindexed.iter().any(|s| s.contains("Seq Scan")),
            "{unindexed:#?}"
        );
        drop(conn);
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
    }
}
