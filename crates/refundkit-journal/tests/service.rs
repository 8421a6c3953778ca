//! The journal inside a shop's tokio service, as a shop embeds it: an axum service on a
//! multi-threaded runtime takes refunds over HTTP (the same ids from several tasks at once),
//! runs three workers beside it, is shut down in the middle of the work and started again,
//! and every refund settles, each once, checked against the emulator's record
//! (`/_sim/state`), on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use common::{Shared, SimTransport, fleet, on_each_backend, sim_bases};
use refundkit::plan::RefundDescription;
use refundkit::{Credentials, ProviderId};
use refundkit_journal::worker::{Config, SystemClock, Workers, WorkersHandle};
use refundkit_journal::{Journal, SubmitError, Submitted};

/// The shop's service: its journal and its credentials.
#[derive(Clone)]
struct App {
    journal: Journal,
    credentials: Credentials,
}

/// `POST /refunds/{provider}/{id}`, the description as the body: 201 when added, 200 when
/// it was submitted before with the same request, 409 with another, 422 when refused.
async fn submit(
    State(app): State<App>,
    Path((provider, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
    let Ok(provider) = provider.parse::<ProviderId>() else {
        return (StatusCode::NOT_FOUND, "no such provider".into());
    };
    let description = match RefundDescription::from_json(&body) {
        Ok(d) => d,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    match app
        .journal
        .submit(
            &id,
            provider,
            &description,
            &app.credentials,
            SystemTime::now(),
        )
        .await
    {
        Ok(Submitted::Added(_)) => (StatusCode::CREATED, id),
        Ok(Submitted::Existing(_)) => (StatusCode::OK, id),
        Err(SubmitError::Conflict { .. }) => (StatusCode::CONFLICT, id),
        Err(SubmitError::Journal(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

/// `GET /refunds/{id}`: the refund as `journal show --json` writes it.
async fn show(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<refundkit_journal::Entry>, StatusCode> {
    match app.journal.get(&id).await {
        Ok(Some(entry)) => Ok(Json(entry)),
        Ok(None) => Err(StatusCode::NOT_FOUND),
        Err(_) => Err(StatusCode::SERVICE_UNAVAILABLE),
    }
}

/// One instance of the service: its address, its workers, and how to stop it.
struct Instance {
    addr: std::net::SocketAddr,
    workers: WorkersHandle,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    journal: Journal,
}

async fn start(url: &str, sim: &Arc<SimTransport>) -> Instance {
    let journal = Journal::connect(url).await.unwrap();
    journal.migrate().await.unwrap();
    let credentials = refundkit::samples::credentials();
    let app = App {
        journal: journal.clone(),
        credentials: credentials.clone(),
    };
    let router = axum::Router::new()
        .route("/refunds/{provider}/{id}", post(submit))
        .route("/refunds/{id}", get(show))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    let workers = Workers::new(journal.clone(), Shared(sim.clone()), credentials)
        .workers(3)
        .config(Config {
            name: "shop".into(),
            lease: Duration::from_secs(12),
            idle: Duration::from_millis(20),
            time_scale: Some((1, 100)),
            ..Config::new("shop")
        })
        .spawn()
        .unwrap();
    Instance {
        addr,
        workers,
        stop,
        server,
        journal,
    }
}

impl Instance {
    /// Graceful shutdown: no new request or claim; what is under way finishes and is recorded.
    async fn shutdown(self) {
        self.workers.shutdown().await.unwrap();
        let _ = self.stop.send(());
        self.server.await.unwrap();
        self.journal.close().await;
    }
}

async fn settled_count(journal: &Journal) -> usize {
    journal
        .list(&Default::default())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.status.is_final())
        .count()
}

on_each_backend! {
    threads 4;
    async fn a_tokio_service_takes_refunds_concurrently_survives_a_restart_and_makes_each_once(backend, url) {
        let sim = SimTransport::new(
            common::sim_from(fleet::scenario(1, fleet::faults(0))),
            Arc::new(SystemClock),
        );
        let first = start(&url, &sim).await;
        let client = reqwest::Client::new();
        let submissions = fleet::submissions(&sim_bases());
        // Each refund submitted by three tasks at once: one adds it, the others find it.
        let mut tasks = Vec::new();
        for s in &submissions {
            for _ in 0..3 {
                let (client, addr) = (client.clone(), first.addr);
                let (provider, id, body) = (s.provider, s.id.clone(), s.description.to_string());
                tasks.push(tokio::spawn(async move {
                    let answer = client
                        .post(format!("http://{addr}/refunds/{provider}/{id}"))
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    (id, answer.status().as_u16())
                }));
            }
        }
        let mut added = std::collections::BTreeMap::<String, usize>::new();
        for task in tasks {
            let (id, status) = task.await.unwrap();
            assert!(status == 201 || status == 200, "{backend}: {id}: {status}");
            *added.entry(id).or_default() += usize::from(status == 201);
        }
        assert_eq!(added.len(), submissions.len(), "{backend}");
        assert!(added.values().all(|n| *n == 1), "{backend}: {added:?}");
        // Stopped mid-work: once some refunds have settled and others have not.
        let deadline = Instant::now() + Duration::from_secs(60);
        while settled_count(&first.journal).await < 8 {
            assert!(Instant::now() < deadline, "{backend}: nothing settled");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let settled_before = settled_count(&first.journal).await;
        first.shutdown().await;
        // Started again: a new journal handle, service and workers on the same database.
        let second = start(&url, &sim).await;
        let deadline = Instant::now() + Duration::from_secs(120);
        while second.journal.open_count().await.unwrap() > 0 {
            assert!(Instant::now() < deadline, "{backend}: refunds still open");
            // A person answers the reviews, which hold their payments' later refunds back,
            // from what the provider's console shows (what it accepted is booked within the
            // emulator's second).
            if second.journal.waiting_for_review().await.unwrap() > 0 {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                common::resolve_reviews(&second.journal, &sim.state()).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let entry: serde_json::Value = serde_json::from_slice(
            &client
                .get(format!("http://{}/refunds/rbs-0-0", second.addr))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        )
        .unwrap();
        for member in ["id", "provider", "state", "amount", "attempts", "reason"] {
            assert!(entry.get(member).is_some(), "{backend}: {member}: {entry}");
        }
        let ended: Vec<fleet::Ended> = second
            .journal
            .list(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.id,
                    e.provider.to_string(),
                    e.status.as_str().to_owned(),
                    e.amount.map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        second.shutdown().await;
        // What the providers accepted settles within the emulator's second or two.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let disagreements = fleet::disagreements(&sim.state(), &ended);
        assert!(disagreements.is_empty(), "{backend}: {disagreements:#?}");
        let count = |s: &str| ended.iter().filter(|e| e.2 == s).count();
        eprintln!(
            "{backend}: {} refunds, {} settled before the restart; {} done, {} refused, {} in review",
            ended.len(),
            settled_before,
            count("done"),
            count("refused"),
            count("review")
        );
        assert!(
            settled_before < ended.len(),
            "{backend}: stopped after the work"
        );
    }
}
