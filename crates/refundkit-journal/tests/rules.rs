//! The journal's rules, each on SQLite and on PostgreSQL: idempotent submission, leases and
//! fences, one refund at a time per payment, sequences across instances, reviews and their
//! resolution, the schema's version.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{on_each_backend, rbs, sample, start};
use refundkit::ProviderId;
use refundkit::core::lifecycle::{Action, Status};
use refundkit_journal::{
    Journal, JournalError, Outcome, Resolution, Sending, SubmitError, Submitted,
};

const ORDER_A: &str = "148a2a67-25ff-7d1b-b28d-391800a7dca8";
const ORDER_B: &str = "248a2a67-25ff-7d1b-b28d-391800a7dca8";
const LEASE: Duration = Duration::from_secs(30);

/// The claimed refund handed to a person by its machine, as a worker does with a spent
/// budget.
async fn to_review(journal: &Journal, claim: &refundkit_journal::Claim, why: &str) {
    let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
    refund.escalate(why, start()).unwrap();
    journal.release(claim, &refund, start()).await.unwrap();
}

async fn submit(journal: &Journal, id: &str, order: &str, sum: &str) -> Submitted {
    journal
        .submit(
            id,
            ProviderId::Rbs,
            &rbs(order, sum, None),
            &sample::credentials(),
            start(),
        )
        .await
        .unwrap()
}

on_each_backend! {
    async fn the_same_id_with_the_same_request_adds_nothing_and_returns_the_refund(backend, url) {
        let j = common::open(&url).await;
        let first = submit(&j, "r-1", ORDER_A, "10.00").await;
        assert!(matches!(first, Submitted::Added(_)), "{backend}");
        let again = submit(&j, "r-1", ORDER_A, "10.00").await;
        assert_eq!(
            again,
            Submitted::Existing(first.entry().clone()),
            "{backend}"
        );
        assert_eq!(
            j.list(&Default::default()).await.unwrap().len(),
            1,
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn the_same_id_with_another_request_is_refused_and_nothing_changes(backend, url) {
        let j = common::open(&url).await;
        let first = submit(&j, "r-1", ORDER_A, "10.00").await;
        let other = j
            .submit(
                "r-1",
                ProviderId::Rbs,
                &rbs(ORDER_A, "11.00", None),
                &sample::credentials(),
                start(),
            )
            .await;
        assert!(
            matches!(other, Err(SubmitError::Conflict { ref id }) if id == "r-1"),
            "{backend}: {other:?}"
        );
        assert_eq!(
            j.list(&Default::default()).await.unwrap(),
            vec![first.entry().clone()],
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn a_description_submitted_again_later_is_the_same_request_whatever_was_filled_in(backend, url) {
        // MWS: the clientOrderId comes from the journal's sequence and requestDT from the
        // instant; neither makes a second submission of the same description another request.
        let j = common::open(&url).await;
        let desc = common::sample_description(&[]);
        let credentials = sample::credentials();
        let first = j
            .submit("mws-1", ProviderId::Yookassa, &desc, &credentials, start())
            .await
            .unwrap();
        let later = start() + Duration::from_secs(3600);
        let again = j
            .submit("mws-1", ProviderId::Yookassa, &desc, &credentials, later)
            .await
            .unwrap();
        assert_eq!(
            again,
            Submitted::Existing(first.entry().clone()),
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn a_refund_that_does_not_validate_is_refused_with_its_violations_and_not_recorded(backend, url) {
        let j = common::open(&url).await;
        // A fraction of a kopeck: RBS has no way to write it.
        let refused = j
            .submit(
                "r-1",
                ProviderId::Rbs,
                &rbs(ORDER_A, "10.005", None),
                &sample::credentials(),
                start(),
            )
            .await;
        let Err(SubmitError::Invalid(report)) = refused else {
            panic!("{backend}: {refused:?}")
        };
        assert!(report.has_errors(), "{backend}");
        assert!(
            j.list(&Default::default()).await.unwrap().is_empty(),
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn mws_client_order_ids_are_allocated_from_the_sequence_when_the_description_has_none(backend, url) {
        let j = common::open(&url).await;
        let mut desc = common::sample_description(&[]);
        desc.references.remove("yookassa_client_order_id");
        let credentials = sample::credentials();
        let mut ids = Vec::new();
        for id in ["mws-1", "mws-2"] {
            j.submit(id, ProviderId::Yookassa, &desc, &credentials, start())
                .await
                .unwrap();
            let refund = j.refund(id).await.unwrap().unwrap();
            let client_order_id = refund
                .identity()
                .into_iter()
                .find(|(name, _)| *name == "clientOrderId")
                .unwrap()
                .1;
            ids.push(client_order_id.parse::<i64>().unwrap());
        }
        // At least the instant in milliseconds, then one more each time.
        assert!(
            ids[0] >= refundkit_journal_ms(start()),
            "{backend}: {ids:?}"
        );
        assert_eq!(ids[1], ids[0] + 1, "{backend}");
    }
}

fn refundkit_journal_ms(t: std::time::SystemTime) -> i64 {
    i64::try_from(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

on_each_backend! {
    async fn the_refund_id_fills_the_providers_idempotency_key_when_the_description_has_none(backend, url) {
        let j = common::open(&url).await;
        let mut desc = common::sample_description(&[]);
        desc.references.remove("refund_id");
        j.submit(
            "shop-refund-7",
            ProviderId::YandexPay,
            &desc,
            &sample::credentials(),
            start(),
        )
        .await
        .unwrap();
        let refund = j.refund("shop-refund-7").await.unwrap().unwrap();
        assert!(
            refund
                .identity()
                .contains(&("externalOperationId", "shop-refund-7".into())),
            "{backend}: {:?}",
            refund.identity()
        );
    }
}

on_each_backend! {
    async fn sequences_are_unique_and_increasing_across_concurrent_instances(backend, url) {
        common::open(&url).await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move {
                    let j = common::open(&url).await;
                    let mut mine = Vec::new();
                    for _ in 0..40 {
                        mine.push(
                            j.next_in_sequence("yookassa.client-order-id", 1000)
                                .await
                                .unwrap(),
                        );
                    }
                    mine
                })
            })
            .collect();
        let mut all = BTreeSet::new();
        for t in tasks {
            let mine = t.await.unwrap();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "{backend}: {mine:?}");
            all.extend(mine);
        }
        assert_eq!(all.len(), 240, "{backend}: a number handed out twice");
        assert_eq!(all.first(), Some(&1000), "{backend}");
    }
}

on_each_backend! {
    async fn a_claimed_refund_is_not_claimed_again_while_its_lease_holds(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let first = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
        assert!(
            j.claim("w2", start() + LEASE / 2, LEASE, None)
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
        let entry = j.get("r-1").await.unwrap().unwrap();
        assert_eq!(entry.lease.map(|l| l.owner).as_deref(), Some("w1"));
        // Once the lease has run out, another worker takes it, under a higher fence.
        let second = j
            .claim("w2", start() + LEASE, LEASE, None)
            .await
            .unwrap()
            .unwrap();
        assert!(second.fence > first.fence, "{backend}");
    }
}

on_each_backend! {
    async fn a_stale_workers_write_is_refused_once_another_worker_took_the_refund_over(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let credentials = sample::credentials();
        let stale = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
        let mut refund = j.refund("r-1").await.unwrap().unwrap();
        let later = start() + LEASE + Duration::from_secs(1);
        let fresh = j.claim("w2", later, LEASE, None).await.unwrap().unwrap();
        let Action::Send(out) = refund.poll(later, &credentials).unwrap() else {
            panic!()
        };
        refund.sent(&out, later).unwrap();
        let sending = Sending::of(&out);
        // The stale worker can neither record a request as leaving, nor an answer, nor give
        // the refund back.
        for result in [
            j.write_ahead(&stale, &refund, &sending, start()).await,
            j.record(
                &stale,
                &refund,
                out.seq,
                Outcome::Answered(200),
                later,
                true,
            )
            .await,
            j.release(&stale, &refund, later).await,
            j.hold(&stale, later, "stale", later).await,
        ] {
            assert!(
                matches!(result, Err(JournalError::Stale { .. })),
                "{backend}: {result:?}"
            );
        }
        assert!(j.attempts("r-1").await.unwrap().is_empty(), "{backend}");
        // The worker holding it now can.
        j.write_ahead(&fresh, &refund, &sending, later)
            .await
            .unwrap();
        assert_eq!(j.attempts("r-1").await.unwrap().len(), 1, "{backend}");
        assert_eq!(
            j.get("r-1").await.unwrap().unwrap().status,
            Status::InFlight
        );
    }
}

on_each_backend! {
    async fn nothing_is_sent_once_the_lease_has_run_out(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let claim = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
        let mut refund = j.refund("r-1").await.unwrap().unwrap();
        let late = start() + LEASE;
        let Action::Send(out) = refund.poll(late, &sample::credentials()).unwrap() else {
            panic!()
        };
        refund.sent(&out, late).unwrap();
        let result = j
            .write_ahead(&claim, &refund, &Sending::of(&out), late)
            .await;
        assert!(
            matches!(result, Err(JournalError::Stale { .. })),
            "{backend}: {result:?}"
        );
    }
}

on_each_backend! {
    async fn a_claim_and_the_first_requests_write_ahead_are_one_transaction(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let (claim, first) = j
            .claim_and_write_ahead("w1", start(), LEASE, None, |claim| {
                let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).ok()?;
                let Ok(Action::Send(out)) = refund.poll(start(), &sample::credentials()) else {
                    return None;
                };
                refund.sent(&out, start()).ok()?;
                Some((refund, Sending::of(&out), out.seq))
            })
            .await
            .unwrap()
            .unwrap();
        let (refund, seq) = first.expect("the first request was prepared");
        // Durable once the call returned: the refund in flight under that request, its
        // attempt recorded under the claim's fence and not answered, the lease held.
        let entry = j.get("r-1").await.unwrap().unwrap();
        assert_eq!(entry.status, Status::InFlight, "{backend}");
        assert_eq!(refund.status(), Status::InFlight, "{backend}");
        let attempts = j.attempts("r-1").await.unwrap();
        assert_eq!(attempts.len(), 1, "{backend}: {attempts:?}");
        assert_eq!(u64::from(attempts[0].n), seq, "{backend}");
        assert_eq!(attempts[0].fence, claim.fence, "{backend}");
        assert!(attempts[0].outcome.is_none(), "{backend}");
        assert!(
            j.claim("w2", start(), LEASE, None).await.unwrap().is_none(),
            "{backend}: the lease holds"
        );
    }
}

on_each_backend! {
    async fn a_claim_with_no_request_prepared_writes_the_lease_alone(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let before = j.get("r-1").await.unwrap().unwrap();
        let (claim, first) = j
            .claim_and_write_ahead("w1", start(), LEASE, None, |_| {
                None::<(refundkit::Refund, Sending, ())>
            })
            .await
            .unwrap()
            .unwrap();
        assert!(first.is_none(), "{backend}");
        assert_eq!(claim.id, "r-1", "{backend}");
        assert!(j.attempts("r-1").await.unwrap().is_empty(), "{backend}");
        assert_eq!(
            j.get("r-1").await.unwrap().unwrap().status,
            before.status,
            "{backend}"
        );
        assert!(
            j.claim("w2", start(), LEASE, None).await.unwrap().is_none(),
            "{backend}: the lease holds"
        );
    }
}

on_each_backend! {
    async fn the_refunds_of_one_payment_go_one_after_another_in_the_order_submitted(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "a-1", ORDER_A, "10.00").await;
        submit(&j, "a-2", ORDER_A, "20.00").await;
        submit(&j, "b-1", ORDER_B, "30.00").await;
        let first = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
        assert_eq!(first.id, "a-1", "{backend}");
        // Order B's refund goes side by side; order A's second waits for its first.
        let second = j.claim("w2", start(), LEASE, None).await.unwrap().unwrap();
        assert_eq!(second.id, "b-1", "{backend}");
        assert!(
            j.claim("w3", start(), LEASE, None).await.unwrap().is_none(),
            "{backend}"
        );
        // Even with a-1's lease given back: a-1 is still open.
        let refund = j.refund("a-1").await.unwrap().unwrap();
        j.release(&first, &refund, start()).await.unwrap();
        let again = j.claim("w3", start(), LEASE, None).await.unwrap().unwrap();
        assert_eq!(again.id, "a-1", "{backend}");
        // With a person, a-1 still holds a-2 back (RBS compares refundedAmount one refund at
        // a time: a review booked late must not be taken for a-2's money); once resolved,
        // a-2 may start.
        to_review(&j, &again, "checked by hand").await;
        assert!(
            j.claim("w3", start(), LEASE, None).await.unwrap().is_none(),
            "{backend}: a review let the payment's next refund start"
        );
        j.resolve("a-1", Resolution::NotRefunded, "not in the console", None)
            .await
            .unwrap();
        let next = j.claim("w3", start(), LEASE, None).await.unwrap().unwrap();
        assert_eq!(next.id, "a-2", "{backend}");
    }
}

on_each_backend! {
    async fn concurrent_workers_never_hold_one_refund_at_once(backend, url) {
        let j = common::open(&url).await;
        for i in 0..30 {
            submit(
                &j,
                &format!("r-{i}"),
                &format!("{i:08}-25ff-7d1b-b28d-391800a7dca8"),
                "10.00",
            )
            .await;
        }
        let tasks: Vec<_> = (0..6)
            .map(|w| {
                let url = url.clone();
                tokio::spawn(async move {
                    let j = common::open(&url).await;
                    let mut mine = Vec::new();
                    while let Some(c) = j
                        .claim(&format!("w{w}"), start(), LEASE, None)
                        .await
                        .unwrap()
                    {
                        mine.push(c.id);
                    }
                    mine
                })
            })
            .collect();
        let mut claimed: Vec<String> = Vec::new();
        for t in tasks {
            claimed.extend(t.await.unwrap());
        }
        claimed.sort();
        let distinct: BTreeSet<&String> = claimed.iter().collect();
        assert_eq!(claimed.len(), 30, "{backend}: {claimed:?}");
        assert_eq!(distinct.len(), 30, "{backend}: a refund claimed twice");
    }
}

on_each_backend! {
    async fn a_person_resolves_a_review_as_done_or_as_not_refunded(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "a-1", ORDER_A, "10.00").await;
        submit(&j, "b-1", ORDER_B, "10.00").await;
        for id in ["a-1", "b-1"] {
            let c = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
            assert_eq!(c.id, id);
            to_review(&j, &c, "the answer named another order").await;
        }
        let done = j
            .resolve("a-1", Resolution::Done, "seen in the bank's console", Some("anna"))
            .await
            .unwrap();
        assert_eq!(done.status, Status::Done, "{backend}");
        let resolved = done.resolution.unwrap();
        assert_eq!(
            (
                resolved.resolution,
                resolved.note.as_str(),
                resolved.by.as_deref()
            ),
            (Resolution::Done, "seen in the bank's console", Some("anna"))
        );
        let not = j
            .resolve("b-1", Resolution::NotRefunded, "no refund in the console", None)
            .await
            .unwrap();
        assert_eq!(not.status, Status::Refused, "{backend}");
        assert!(not.reason().unwrap().contains("not refunded"), "{backend}");
        // Only a review can be resolved, and only an existing refund.
        assert!(matches!(
            j.resolve("a-1", Resolution::NotRefunded, "changed my mind", None)
                .await,
            Err(JournalError::NotInReview { .. })
        ));
        assert!(matches!(
            j.resolve("nope", Resolution::Done, "-", None).await,
            Err(JournalError::NotFound(_))
        ));
    }
}

on_each_backend! {
    async fn a_journal_written_by_a_newer_refundkit_is_refused_rather_than_misread(backend, url) {
        common::open(&url).await;
        match url.strip_prefix("sqlite:") {
            Some(path) => {
                let db = rusqlite::Connection::open(path).unwrap();
                db.execute("INSERT INTO refundkit_schema (version) VALUES (99)", [])
                    .unwrap();
            }
            None => {
                common::postgres_batch(&url, "INSERT INTO refundkit_schema (version) VALUES (99)")
            }
        }
        let reopened = Journal::connect(&url).await;
        assert!(
            matches!(reopened, Err(JournalError::SchemaVersion { found: 99, .. })),
            "{backend}: {reopened:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_url_is_sqlite_or_postgres_and_never_echoed() {
    for bad in ["mysql://root:hunter2@db/x", "sqlite:", "hunter2"] {
        let e = Journal::connect(bad).await.unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(refundkit_test_postgres),
    ignore = "REFUNDKIT_TEST_POSTGRES was not set when the tests were built"
)]
async fn a_postgresql_failure_says_what_the_server_said_and_never_the_password() {
    let base = std::env::var("REFUNDKIT_TEST_POSTGRES")
        .expect("REFUNDKIT_TEST_POSTGRES was set when the tests were built");
    let (server, _) = base.rsplit_once('/').unwrap();
    let host = server.rsplit_once('@').unwrap().1;
    for (url, sqlstate, words) in [
        (
            format!("postgres://no_such_role:s3cret-PW@{host}/postgres"),
            "28000",
            "no_such_role",
        ),
        (
            format!("{server}/no_such_database"),
            "3D000",
            "no_such_database",
        ),
    ] {
        let e = Journal::connect(&url).await.unwrap_err().to_string();
        assert!(e.contains(sqlstate) && e.contains(words), "{e}");
        assert!(!e.contains("s3cret-PW") && e != "database: db error", "{e}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_file_that_cannot_be_opened_is_named() {
    let dir = std::env::temp_dir().join(format!("refundkit-no-such-dir-{}", std::process::id()));
    let path = dir.join("deeper").join("journal.db");
    let e = Journal::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&path.display().to_string()), "{e}");
}

on_each_backend! {
    async fn a_refund_id_that_is_empty_too_long_or_holds_a_control_character_is_refused(backend, url) {
        let j = common::open(&url).await;
        let long = "r".repeat(257);
        for id in ["", long.as_str(), "r-1\nr-2", "r\u{1b}[31m", "r\0"] {
            let e = j
                .submit(
                    id,
                    ProviderId::Rbs,
                    &rbs(ORDER_A, "10.00", None),
                    &sample::credentials(),
                    start(),
                )
                .await;
            assert!(
                matches!(e, Err(SubmitError::InvalidId(_))),
                "{backend}: {id:?}: {e:?}"
            );
        }
        assert!(
            j.list(&Default::default()).await.unwrap().is_empty(),
            "{backend}"
        );
    }
}

on_each_backend! {
    async fn a_submission_the_provider_could_not_take_is_refused_naming_the_field(backend, url) {
        let j = common::open(&url).await;
        let mut crlf = rbs(ORDER_A, "10.00", None);
        crlf.references
            .insert("rbs_order_id".into(), "148a2a67-25ff\r\nX: y".into());
        let mut userinfo = rbs(ORDER_A, "10.00", None);
        userinfo
            .settings
            .set("rbs.base_url=http://u:PW@127.0.0.1:9/rbs/payment/rest")
            .unwrap();
        for (description, field) in [
            (rbs(ORDER_A, "1110.77", None), "refund.sum"),
            (crlf, "references.rbs_order_id"),
            (userinfo, "settings.rbs.base_url"),
        ] {
            let e = j
                .submit(
                    "r-1",
                    ProviderId::Rbs,
                    &description,
                    &sample::credentials(),
                    start(),
                )
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{backend}: {e}");
            assert!(!e.contains("PW"), "{backend}: {e}");
        }
        assert!(
            j.list(&Default::default()).await.unwrap().is_empty(),
            "{backend}"
        );
    }
}

/// Every column of the refund's row that says where it stands is its machine's.
async fn row_is_the_state(j: &Journal, id: &str, backend: &str, after: &str) {
    let entry = j.get(id).await.unwrap().unwrap();
    let refund = j.refund(id).await.unwrap().unwrap();
    let due = match refund.status() {
        Status::Pending | Status::Waiting => refund.not_before(),
        _ => None,
    };
    let resolved = refund.resolved().map(|r| (r.resolution, r.note.clone()));
    assert_eq!(
        (
            entry.status,
            entry.detail.clone(),
            entry.attempts,
            entry.sends,
            entry.settled_at,
            entry
                .resolution
                .as_ref()
                .map(|r| (r.resolution, r.note.clone())),
        ),
        (
            refund.status(),
            Some(refund.reason()),
            refund.progress().attempts,
            refund.progress().sends,
            refund.settled_at(),
            resolved,
        ),
        "{backend}: after {after}"
    );
    if let Some(due) = due {
        assert_eq!(entry.due_at, Some(due), "{backend}: after {after}");
    }
}

on_each_backend! {
    async fn the_row_is_derived_from_the_machine_at_every_transition(backend, url) {
        use refundkit::core::lifecycle::Answer;
        let j = common::open(&url).await;
        let credentials = sample::credentials();
        submit(&j, "r-1", ORDER_A, "10.00").await;
        row_is_the_state(&j, "r-1", backend, "submission").await;
        let claim = j.claim("w1", start(), LEASE, None).await.unwrap().unwrap();
        let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
        // The order's status: acknowledged, recorded write-ahead.
        let Action::Send(status) = refund.poll(start(), &credentials).unwrap() else {
            panic!()
        };
        refund.sent(&status, start()).unwrap();
        j.write_ahead(&claim, &refund, &Sending::of(&status), start())
            .await
            .unwrap();
        row_is_the_state(&j, "r-1", backend, "the write-ahead record").await;
        // Its answer: refund.do is due.
        let answer = br#"{"errorCode":"0","orderStatus":2,"paymentAmountInfo":{"depositedAmount":111076,"refundedAmount":0}}"#;
        refund
            .on_answer(
                status.seq,
                Answer::received(200, answer),
                &credentials,
                start(),
            )
            .unwrap();
        j.record(
            &claim,
            &refund,
            status.seq,
            Outcome::Answered(200),
            start(),
            false,
        )
        .await
        .unwrap();
        row_is_the_state(&j, "r-1", backend, "an answer").await;
        // refund.do: it never left (no connection).
        let Action::Send(out) = refund.poll(start(), &credentials).unwrap() else {
            panic!()
        };
        refund.sent(&out, start()).unwrap();
        j.write_ahead(&claim, &refund, &Sending::of(&out), start())
            .await
            .unwrap();
        refund
            .on_answer(out.seq, Answer::NotSent, &credentials, start())
            .unwrap();
        j.record(&claim, &refund, out.seq, Outcome::NotSent, start(), true)
            .await
            .unwrap();
        row_is_the_state(&j, "r-1", backend, "a request that never left").await;
        // A person: the machine hands it to review, and a person answers.
        let claim = j
            .claim("w1", start() + Duration::from_secs(60), LEASE, None)
            .await
            .unwrap()
            .unwrap();
        let mut refund = refundkit::Refund::from_json(claim.state.as_bytes()).unwrap();
        refund.escalate("checked by hand", start()).unwrap();
        j.release(&claim, &refund, start()).await.unwrap();
        row_is_the_state(&j, "r-1", backend, "an escalation").await;
        j.resolve("r-1", Resolution::Done, "seen in the console", None)
            .await
            .unwrap();
        row_is_the_state(&j, "r-1", backend, "a person's answer").await;
        let attempts = j.attempts("r-1").await.unwrap();
        assert_eq!(
            attempts
                .iter()
                .map(|a| (a.n, a.outcome))
                .collect::<Vec<_>>(),
            [
                (
                    u32::try_from(status.seq).unwrap(),
                    Some(Outcome::Answered(200))
                ),
                (u32::try_from(out.seq).unwrap(), Some(Outcome::NotSent)),
            ],
            "{backend}: the attempts are numbered by the machine's sequence"
        );
    }
}

on_each_backend! {
    async fn the_schema_keeps_the_status_to_the_machines(backend, url) {
        let j = common::open(&url).await;
        submit(&j, "r-1", ORDER_A, "10.00").await;
        let bad = "UPDATE refundkit_refunds SET status = 'almost-done'";
        let refused = match url.strip_prefix("sqlite:") {
            Some(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute(bad, [])
                .is_err(),
            None => {
                let url = url.clone();
                std::thread::spawn(move || {
                    postgres::Client::connect(&url, postgres::NoTls)
                        .unwrap()
                        .execute(bad, &[])
                        .is_err()
                })
                .join()
                .unwrap()
            }
        };
        assert!(refused, "{backend}: a status no machine has was written");
    }
}

#[test]
// Constant for one build, and that is the point: which build this is.
#[allow(clippy::assertions_on_constants)]
fn postgresql_tests_run_where_they_are_required() {
    // CI sets REFUNDKIT_REQUIRE_POSTGRES=1: there, tests built without a server (ignored) are
    // a failure, not a quiet pass.
    if std::env::var("REFUNDKIT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        assert!(
            cfg!(refundkit_test_postgres),
            "REFUNDKIT_REQUIRE_POSTGRES=1 but the tests were built without REFUNDKIT_TEST_POSTGRES"
        );
    }
}
