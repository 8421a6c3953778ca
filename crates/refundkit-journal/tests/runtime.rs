//! Nothing the journal or its workers do panics on, or blocks, an async runtime's thread:
//! every public call, and every drop, inside a multi-threaded tokio runtime, on SQLite and
//! PostgreSQL. (Every statement also asserts, in the pool, that it runs on a thread of the
//! pool's own: see `pool.rs`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Shared, SimTransport, on_each_backend, sim, sim_bases};
use refundkit::ProviderId;
use refundkit_journal::worker::{
    Config, ReqwestTransport, SystemClock, TlsIdentity, Transport, TransportOptions, Workers,
};
use refundkit_journal::{Filter, Journal};

on_each_backend! {
    async fn connecting_using_and_dropping_a_journal_never_panics_inside_a_runtime(backend, url) {
        // Dropped without a word, then connected again: the connections close on their own
        // threads.
        drop(Journal::connect(&url).await.unwrap());
        let journal = Journal::connect(&url).await.unwrap();
        journal.migrate().await.unwrap();
        let clone = journal.clone();
        let description = common::sample_description(&sim_bases());
        clone
            .submit(
                "r-1",
                ProviderId::Rbs,
                &description,
                &refundkit::samples::credentials(),
                SystemTime::now(),
            )
            .await
            .unwrap();
        drop(clone);
        assert_eq!(
            journal.list(&Filter::default()).await.unwrap().len(),
            1,
            "{backend}"
        );
        assert!(journal.get("r-1").await.unwrap().is_some(), "{backend}");
        assert_eq!(journal.open_count().await.unwrap(), 1, "{backend}");
        let reader = Journal::connect_read_only(&url).await.unwrap();
        assert_eq!(
            reader.list(&Filter::default()).await.unwrap().len(),
            1,
            "{backend}"
        );
        drop(reader);
        // From another task, and dropped there.
        let elsewhere = journal.clone();
        tokio::spawn(async move { elsewhere.attempts("r-1").await.unwrap() })
            .await
            .unwrap();
        journal.close().await;
        drop(journal);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reqwest_transport_is_made_and_dropped_inside_a_runtime() {
    let identity = TlsIdentity::from_pem(
        refundkit::samples::EMULATOR_CLIENT_CERT.as_bytes(),
        refundkit::samples::EMULATOR_CLIENT_KEY.as_bytes(),
    )
    .unwrap();
    let made = ReqwestTransport::new(TransportOptions {
        timeout: Some(Duration::from_secs(5)),
        extra_roots_pem: vec![refundkit::samples::EMULATOR_CA.as_bytes().to_vec()],
        mws_identity: Some(identity.clone()),
    })
    .unwrap();
    assert!(made.serves(ProviderId::Yookassa).is_ok());
    let shared = made.clone();
    drop(made);
    drop(shared);
    // The shop's own client, and MWS only with an identity.
    let shops = ReqwestTransport::from_client(reqwest::Client::new());
    assert!(shops.serves(ProviderId::Rbs).is_ok());
    assert!(shops.serves(ProviderId::Yookassa).is_err());
    let shops = shops.with_mws_identity(&identity, &[]).unwrap();
    assert!(shops.serves(ProviderId::Yookassa).is_ok());
    drop(shops);
}

#[test]
fn a_tls_identity_refuses_a_key_for_a_certificate_and_the_reverse() {
    let cert = refundkit::samples::EMULATOR_CLIENT_CERT.as_bytes();
    let key = refundkit::samples::EMULATOR_CLIENT_KEY.as_bytes();
    let e = TlsIdentity::from_pem(key, key).unwrap_err().to_string();
    assert!(e.contains("the certificate"), "{e}");
    let e = TlsIdentity::from_pem(cert, cert).unwrap_err().to_string();
    assert!(e.contains("the key"), "{e}");
    assert!(!format!("{:?}", TlsIdentity::from_pem(cert, key).unwrap()).contains("PRIVATE"));
}

on_each_backend! {
    async fn workers_spawned_shut_down_and_dropped_inside_a_runtime(backend, url) {
        let journal = common::open(&url).await;
        let sim = SimTransport::new(sim(|_| {}), Arc::new(SystemClock));
        let workers = Workers::new(
            journal.clone(),
            Shared(sim.clone()),
            refundkit::samples::credentials(),
        )
        .workers(2)
        .config(Config {
            idle: Duration::from_millis(10),
            ..Config::new(format!("runtime-{backend}"))
        })
        .spawn()
        .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        workers.shutdown().await.unwrap();
        drop(workers);
        // Dropped without a shutdown: the workers are asked to stop, nothing waits or panics.
        let dropped = Workers::new(
            journal.clone(),
            Shared(sim),
            refundkit::samples::credentials(),
        )
        .config(Config::new(format!("runtime-dropped-{backend}")))
        .spawn()
        .unwrap();
        drop(dropped);
        drop(journal);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_asked_to_serve_mws_without_a_tls_identity_refuses_to_start() {
    let journal = common::open(&common::sqlite()).await;
    let transport = ReqwestTransport::from_client(reqwest::Client::new());
    let e = Workers::new(journal, transport, refundkit::samples::credentials())
        .config(Config {
            providers: Some(vec![ProviderId::Yookassa]),
            ..Config::new("mws")
        })
        .spawn()
        .unwrap_err()
        .to_string();
    assert!(e.contains("TLS client certificate"), "{e}");
}
