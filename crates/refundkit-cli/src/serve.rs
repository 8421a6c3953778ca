//! `refundkit serve`: the emulated providers (`refundkit-sim`) over real HTTP on loopback.
//!
//! HTTP/1.1 for Robokassa, Yandex Pay and RBS; YooKassa MWS over TLS that requires a client
//! certificate, as YooKassa does. Bodies are bounded; every request gets one log line on
//! stderr (method, path, status: no header and no body, so no secret); Yandex Pay's
//! notifications are posted to the scenario's URL; Ctrl-C stops it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use refundkit_sim::{Reply, Scenario, Sim};
use tokio::net::TcpListener;

use crate::Exit;
use crate::io::CliError;

/// The built-in TLS test material (testdata/sim/tls), embedded so that an installed binary
/// needs no checkout: the server's certificate and key, the CA a client certificate must chain
/// to, and a shop client certificate for the caller's HTTP client.
const TLS_FILES: &[(&str, &[u8])] = &[
    (
        "server.crt",
        include_bytes!("../../../testdata/sim/tls/server.crt"),
    ),
    (
        "server.key",
        include_bytes!("../../../testdata/sim/tls/server.key"),
    ),
    ("ca.crt", include_bytes!("../../../testdata/sim/tls/ca.crt")),
    (
        "client.crt",
        include_bytes!("../../../testdata/sim/tls/client.crt"),
    ),
    (
        "client.key",
        include_bytes!("../../../testdata/sim/tls/client.key"),
    ),
];

/// The flags of `serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The scenario: a JSON file (the format is in docs/emulator.md), or a built-in one by name:
    /// `sample` (the default: `refundkit plan`'s sample order, every request answered as on a
    /// good day), `lost-answer` (the same, the first refund.do's answer lost) or `demo`
    /// (`refundkit demo`'s: a fault at every provider, refunds settling in a second).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// A fault to inject, `PROVIDER:PATH:NTH:KIND[:MS]` (`rbs:refund.do:1:answer-lost`;
    /// KIND answer-lost, request-lost, http-500, proxy-html, challenge-page, delay with MS).
    /// Repeatable; added to the scenario's own.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    /// Write each exchange with a provider (the request with its secrets redacted, the
    /// answer or its loss, the timing, and refundkit's reading) as a file in DIR:
    /// `NNNNNN-<provider>-<method>.exchange.json`, which `refundkit conform DIR` checks.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// The HTTP port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The HTTPS port of the MWS endpoint (0: any free one).
    #[arg(long, default_value_t = 8443)]
    tls_port: u16,
    /// The TLS material: a directory with `server.crt`, `server.key` and `ca.crt` (the CA a
    /// client certificate must chain to). Default: the built-in test material (testdata/sim/tls),
    /// written to a directory under the system's temporary one so that a client can read the CA
    /// and the client certificate (the path is printed).
    #[arg(long)]
    tls: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body: usize,
    /// Seconds a client has to send a request's headers (a client trickling them is cut off).
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a connection may sit idle between requests before it is closed.
    #[arg(long, default_value_t = 30)]
    idle_timeout: u64,
    /// Seconds a client has to send a request's body, once its headers came (a client
    /// trickling it is answered 408 and cut off).
    #[arg(long, default_value_t = 10)]
    body_timeout: u64,
    /// Seconds a TLS handshake may take.
    #[arg(long, default_value_t = 10)]
    tls_handshake_timeout: u64,
    /// Connections served at once on both ports together. One more closes the connection
    /// idle the longest (between requests) to make room, or, when every one is in the middle
    /// of a request, is itself closed at once (and counted in the log).
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
}

/// The log: lines go through a bounded queue to a thread of their own, so a stderr nobody
/// reads (a full pipe) never stops the server from answering; a line that finds the queue
/// full is dropped and counted, and the count is written with the next line that gets
/// through.
struct Log {
    queue: std::sync::mpsc::SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

/// Lines waiting for stderr at most.
const LOG_QUEUE: usize = 4096;

/// How long the log thread lets lines gather after a write.
const LOG_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

fn log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        let (queue, lines) = std::sync::mpsc::sync_channel::<String>(LOG_QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = dropped.clone();
        std::thread::spawn(move || {
            // The first line waited for (a quiet server's log thread sleeps), then every line
            // queued behind it written at once, then a pause in which lines queue up: under
            // load a request's line is a push onto the queue, never a wake-up of this thread
            // (a futex call and a context switch per request were a quarter of serve's time
            // in benches/benches/serve_load.rs), at the cost of a line appearing up to
            // `LOG_PAUSE` later.
            while let Ok(first) = lines.recv() {
                let mut batch = Vec::new();
                let lost = counter.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    batch.push(format!("{lost} log lines dropped (stderr was not read)"));
                }
                batch.push(first);
                batch.extend(lines.try_iter());
                crate::io::diagnose_all(batch.iter().map(String::as_str));
                std::thread::sleep(LOG_PAUSE);
            }
        });
        Log { queue, dropped }
    })
}

/// A log line, never blocking the caller.
fn note(line: String) {
    let log = log();
    if log.queue.try_send(line).is_err() {
        log.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A stream that records when it last moved a byte, for the idle timeout.
struct Watched<T> {
    inner: T,
    last: Arc<Mutex<Instant>>,
}

impl<T> Watched<T> {
    fn touch(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = Instant::now();
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        poll
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How connections are bounded.
#[derive(Clone, Copy)]
struct Limits {
    header: Duration,
    idle: Duration,
    body: Duration,
    handshake: Duration,
    max_body: usize,
}

/// One connection as the cap sees it: when it last moved a byte, how many of its requests are
/// being served, and how to ask it to close.
struct Conn {
    last: Arc<Mutex<Instant>>,
    serving: std::sync::atomic::AtomicUsize,
    close: tokio::sync::Notify,
}

/// The connections being served, on both ports: when the cap is reached, the one idle the
/// longest (no request being served) is asked to close, so that idle connections can never
/// keep a working client out.
#[derive(Default)]
struct Conns {
    next: AtomicU64,
    live: Mutex<std::collections::HashMap<u64, Arc<Conn>>>,
}

impl Conns {
    fn register(&self) -> (u64, Arc<Conn>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            last: Arc::new(Mutex::new(Instant::now())),
            serving: std::sync::atomic::AtomicUsize::new(0),
            close: tokio::sync::Notify::new(),
        });
        if let Ok(mut live) = self.live.lock() {
            live.insert(id, conn.clone());
        }
        (id, conn)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&id);
        }
    }

    /// Asks the connection idle the longest to close; whether there was one.
    fn evict_idle(&self) -> bool {
        let Ok(live) = self.live.lock() else {
            return false;
        };
        let idlest = live
            .values()
            .filter(|c| c.serving.load(Ordering::Relaxed) == 0)
            .min_by_key(|c| c.last.lock().map(|l| *l).unwrap_or_else(|_| Instant::now()));
        match idlest {
            Some(conn) => {
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Counts a request of a connection as being served until dropped.
struct Serving(Arc<Conn>);

impl Serving {
    fn new(conn: &Arc<Conn>) -> Self {
        conn.serving.fetch_add(1, Ordering::Relaxed);
        Serving(conn.clone())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.serving.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves one connection: headers within `header`, closed after `idle` without a byte, or
/// when the cap needs its place while it is idle.
async fn serve_connection<T>(
    stream: T,
    sim: Shared,
    scheme: &'static str,
    tls: bool,
    limits: Limits,
    conns: Arc<Conns>,
) where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (id, conn) = conns.register();
    let last = conn.last.clone();
    let stream = Watched {
        inner: stream,
        last: last.clone(),
    };
    let serving = conn.clone();
    let service = service_fn(move |r| {
        let guard = Serving::new(&serving);
        let sim = sim.clone();
        async move {
            let answer = handle(sim, r, scheme, tls, limits).await;
            drop(guard);
            answer
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let idle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(250).min(limits.idle)).await;
            let since = last.lock().map(|l| l.elapsed()).unwrap_or_default();
            if since >= limits.idle {
                return;
            }
        }
    };
    tokio::select! {
        _ = connection.as_mut() => {}
        () = idle => {
            connection.as_mut().graceful_shutdown();
            // A request under way finishes (within the header timeout); an idle one closes.
            let _ = tokio::time::timeout(limits.header, connection).await;
        }
        () = conn.close.notified() => {
            note("idle connection closed: --max-connections reached".into());
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.header, connection).await;
        }
    }
    conns.remove(id);
}

/// Accepts on `listener` for ever: each connection under the cap is served by `serve`; an
/// accept error (out of file descriptors) waits a little longer each time instead of
/// spinning.
async fn accept_loop<F, Fut>(
    listener: TcpListener,
    slots: Arc<tokio::sync::Semaphore>,
    conns: Arc<Conns>,
    serve: F,
) where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut backoff = Duration::from_millis(5);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(5);
                let slot = match slots.clone().try_acquire_owned() {
                    Ok(slot) => Some(slot),
                    // Full: an idle connection makes room, if there is one (it closes within a
                    // moment); a cap full of requests being served closes the newcomer.
                    Err(_) if conns.evict_idle() => {
                        tokio::time::timeout(Duration::from_secs(1), slots.clone().acquire_owned())
                            .await
                            .ok()
                            .and_then(Result::ok)
                    }
                    Err(_) => None,
                };
                let Some(slot) = slot else {
                    note("connection refused: --max-connections reached".into());
                    drop(stream);
                    continue;
                };
                let work = serve(stream);
                tokio::spawn(async move {
                    work.await;
                    drop(slot);
                });
            }
            Err(e) => {
                note(format!(
                    "accept failed ({e}): waiting {} ms",
                    backoff.as_millis()
                ));
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2).min(Duration::from_secs(1));
            }
        }
    }
}

type Shared = Arc<Mutex<Sim>>;

pub fn run(args: &ServeArgs) -> Result<Exit, CliError> {
    let usage = |e: refundkit_sim::ScenarioError| CliError::Usage(e.to_string());
    let mut scenario = match &args.scenario {
        // A file of that name wins over a built-in one.
        Some(path) if path.exists() => Scenario::from_file(path),
        Some(path) => path
            .to_str()
            .and_then(Scenario::builtin)
            .unwrap_or_else(|| Scenario::from_file(path)),
        None => Scenario::builtin("sample")
            .unwrap_or_else(|| Scenario::from_json(b"{}", Path::new("."))),
    }
    .map_err(usage)?;
    for spec in &args.faults {
        scenario
            .faults
            .push(refundkit_sim::Fault::parse(spec).map_err(usage)?);
    }
    let sim = Sim::new(&scenario).map_err(usage)?;
    if let Some(dir) = &args.record {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Usage(format!("--record {}: {e}", dir.display())))?;
        let _ = RECORDER.set(Recorder {
            dir: dir.clone(),
            next: AtomicU64::new(1),
        });
    }
    // The built-in material (a private key among it) is removed however serve stops short
    // of a SIGKILL: Ctrl-C, SIGTERM, or an error after it was written.
    let (tls_dir, _written) = match &args.tls {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = builtin_tls()?;
            (dir.clone(), Some(Written(dir)))
        }
    };
    let tls_dir = std::fs::canonicalize(&tls_dir).unwrap_or(tls_dir);
    let tls = tls_config(&tls_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("runtime: {e}")))?;
    runtime.block_on(serve(Arc::new(Mutex::new(sim)), args, tls, &tls_dir))
}

/// A directory serve wrote, removed when serve stops.
struct Written(PathBuf);

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The signals that stop serve (Ctrl-C's SIGINT, a service manager's SIGTERM), listened for
/// from before the first line is printed: a script that reads the lines and then stops serve
/// never meets the default action, which would leave the TLS material behind.
struct Stopping {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Stopping {
    fn listen() -> Stopping {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Stopping {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Stopping {}
    }

    /// Which signal came.
    async fn stopped(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let interrupt = async {
                match self.interrupt.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match self.terminate.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => "stopped",
                _ = terminate => "stopped (SIGTERM)",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "stopped"
        }
    }
}

/// Writes the built-in TLS material to `<tmp>/refundkit-serve-tls-<process id>/` and
/// returns that directory: a client needs the CA and the client certificate as files.
fn builtin_tls() -> Result<PathBuf, CliError> {
    let dir = std::env::temp_dir().join(format!("refundkit-serve-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    for (name, bytes) in TLS_FILES {
        std::fs::write(dir.join(name), bytes)
            .map_err(|e| CliError::Usage(format!("{}: {e}", dir.join(name).display())))?;
    }
    Ok(dir)
}

fn tls_config(dir: &Path) -> Result<Arc<rustls::ServerConfig>, CliError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        CliError::Usage(format!("{}: {what}: {e}", dir.display()))
    };
    let certs = CertificateDer::pem_file_iter(dir.join("server.crt"))
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad("server.crt", &e))?;
    let key =
        PrivateKeyDer::from_pem_file(dir.join("server.key")).map_err(|e| bad("server.key", &e))?;
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(dir.join("ca.crt")).map_err(|e| bad("ca.crt", &e))? {
        roots
            .add(ca.map_err(|e| bad("ca.crt", &e))?)
            .map_err(|e| bad("ca.crt", &e))?;
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|e| bad("client verifier", &e))?;
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .map_err(|e| bad("server certificate", &e))?;
    Ok(Arc::new(config))
}

async fn serve(
    sim: Shared,
    args: &ServeArgs,
    tls: Arc<rustls::ServerConfig>,
    tls_dir: &Path,
) -> Result<Exit, CliError> {
    let mut stopping = Stopping::listen();
    let bind = |port: u16| async move {
        TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .map_err(|e| CliError::Usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))
    };
    let plain = bind(args.port).await?;
    let secure = bind(args.tls_port).await?;
    let http = plain
        .local_addr()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let https = secure
        .local_addr()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    // The lines scripts read by position come first, as they always have; every other base
    // of the emulators (a provider added later) follows, in the registry's order.
    const CONTRACT: &[&str] = &[
        "robokassa",
        "yandex-pay",
        "yookassa",
        "rbs",
        "jwks",
        "rbs-ecom",
        "state",
        "robokassa-ws",
    ];
    let ca = tls_dir.join("ca.crt");
    let mut lines: Vec<(String, String)> = refundkit_sim::bases()
        .into_iter()
        .map(|(provider, base)| {
            let label = base.label.unwrap_or(provider).to_owned();
            let url = if base.tls {
                format!("https://{https}{}", base.prefix)
            } else {
                format!("http://{http}{}", base.prefix)
            };
            let note = if base.tls {
                format!("{}; CA {})", base.note.trim_end_matches(')'), ca.display())
            } else {
                base.note.to_owned()
            };
            (label, format!("{url}{note}"))
        })
        .collect();
    lines.push((
        "state".into(),
        format!("http://{http}{}", refundkit_sim::STATE_PATH),
    ));
    lines.sort_by_key(|(label, _)| {
        CONTRACT
            .iter()
            .position(|c| c == label)
            .unwrap_or(CONTRACT.len())
    });
    let mut out = String::new();
    for (label, url) in lines {
        out.push_str(&format!("{label:<10} {url}\n"));
    }
    crate::io::emit(out.as_bytes())?;

    let limits = Limits {
        header: Duration::from_secs(args.header_timeout.max(1)),
        idle: Duration::from_secs(args.idle_timeout.max(1)),
        body: Duration::from_secs(args.body_timeout.max(1)),
        handshake: Duration::from_secs(args.tls_handshake_timeout.max(1)),
        max_body: args.max_body,
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(args.max_connections.max(1)));
    let conns = Arc::new(Conns::default());
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let plain_loop = {
        let (sim, conns) = (sim.clone(), conns.clone());
        accept_loop(plain, slots.clone(), conns.clone(), move |stream| {
            serve_connection(stream, sim.clone(), "http", false, limits, conns.clone())
        })
    };
    let secure_loop = {
        let sim = sim.clone();
        accept_loop(secure, slots, conns.clone(), move |stream| {
            let (sim, conns) = (sim.clone(), conns.clone());
            let acceptor = acceptor.clone();
            async move {
                match tokio::time::timeout(limits.handshake, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        serve_connection(stream, sim, "https", true, limits, conns).await;
                    }
                    Ok(Err(e)) => note(format!("TLS handshake refused: {e}")),
                    Err(_) => note("TLS handshake timed out".into()),
                }
            }
        })
    };
    let ticker = {
        let sim = sim.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let due = sim
                    .lock()
                    .map(|mut s| s.tick(SystemTime::now()))
                    .unwrap_or_default();
                for n in due {
                    tokio::spawn(post(sim.clone(), n));
                }
            }
        }
    };
    tokio::select! {
        () = plain_loop => {}
        () = secure_loop => {}
        () = ticker => {}
        why = stopping.stopped() => note(why.into()),
    }
    Ok(Exit::Ok)
}

/// Why a connection is closed without an answer.
#[derive(Debug)]
struct AnswerLost;

impl std::fmt::Display for AnswerLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer is lost (a scenario fault)")
    }
}

impl std::error::Error for AnswerLost {}

/// Where `--record` writes, and the next exchange's number.
struct Recorder {
    dir: PathBuf,
    next: AtomicU64,
}

static RECORDER: OnceLock<Recorder> = OnceLock::new();

/// Records an exchange when `--record` asks for it, off the runtime thread; a file that
/// cannot be written is logged, never a reason to stop answering.
fn record(
    request: &http::Request<Vec<u8>>,
    answer: Option<(u16, &[u8])>,
    at: SystemTime,
    started: Instant,
) {
    let Some(recorder) = RECORDER.get() else {
        return;
    };
    let Some(exchange) = refundkit::transcript::record(request, answer, at, started.elapsed())
    else {
        return;
    };
    let n = recorder.next.fetch_add(1, Ordering::Relaxed);
    let slug = |v: &serde_json::Value| {
        v.as_str()
            .unwrap_or("")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
    };
    let file = recorder.dir.join(format!(
        "{n:06}-{}-{}.exchange.json",
        slug(exchange.get("provider").unwrap_or_default()),
        slug(exchange.get("method").unwrap_or_default())
    ));
    let mut text = serde_json::to_string_pretty(&exchange).unwrap_or_default();
    text.push('\n');
    tokio::task::spawn_blocking(move || {
        if let Err(e) = std::fs::write(&file, text) {
            note(format!("--record: {}: {e}", file.display()));
        }
    });
}

async fn handle(
    sim: Shared,
    request: Request<Incoming>,
    scheme: &'static str,
    tls: bool,
    limits: Limits,
) -> Result<Response<Full<Bytes>>, AnswerLost> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let log = |status: &str| note(format!("{scheme} {} {path} -> {status}", parts.method));
    // MWS only over TLS with a client certificate; the others only over plain HTTP.
    let wants_tls = refundkit_sim::base_of(&path).is_some_and(|(_, base)| base.tls);
    if wants_tls != tls {
        log("404");
        return Ok(text(404, "this provider is served on the other port"));
    }
    let collected =
        tokio::time::timeout(limits.body, Limited::new(body, limits.max_body).collect());
    let Ok(collected) = collected.await else {
        // A body trickled a byte at a time would hold its connection (and a slot) for ever.
        log(&format!(
            "408: the body did not come within {} s",
            limits.body.as_secs()
        ));
        let mut answer = text(408, "request body not received in time");
        answer.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
        return Ok(answer);
    };
    let bytes = match collected {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            log("413");
            return Ok(text(413, "request body too large"));
        }
        // The client went away (or broke the framing) before its body was complete.
        Err(e) => {
            log(&format!("body not received ({e}); nothing done"));
            return Ok(text(400, "request body not received"));
        }
    };
    let mut request = http::Request::from_parts(parts.clone(), bytes);
    if let Ok(uri) = format!("{scheme}://127.0.0.1{}", parts.uri).parse() {
        *request.uri_mut() = uri;
    }
    let (at, started) = (SystemTime::now(), Instant::now());
    let handled = match sim.lock() {
        Ok(mut s) => s.handle(&request, at),
        Err(_) => return Ok(text(500, "emulator state poisoned")),
    };
    for n in handled.notifications {
        tokio::spawn(post(sim.clone(), n));
    }
    let response = match handled.reply {
        Reply::Answer(r) => r,
        Reply::Delayed(d, r) => {
            tokio::time::sleep(d).await;
            r
        }
        _ => {
            log("answer lost (connection closed)");
            record(&request, None, at, started);
            return Err(AnswerLost);
        }
    };
    log(response.status().as_str());
    record(
        &request,
        Some((response.status().as_u16(), response.body())),
        at,
        started,
    );
    let (parts, body) = response.into_parts();
    Ok(Response::from_parts(parts, Full::new(Bytes::from(body))))
}

fn text(status: u16, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// Posts a notification (plain HTTP, as a shop's test endpoint on loopback is) and tells the
/// emulator how it went: anything but a 2xx within the time allowed is posted again later.
async fn post(sim: Shared, notification: refundkit_sim::Notification) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let refundkit_sim::Notification {
        id,
        attempt,
        request,
    } = notification;
    let uri = request.uri().clone();
    let (parts, body) = request.into_parts();
    let request = Request::from_parts(parts, Full::new(Bytes::from(body)));
    // Yandex Pay's sample request carries X-Request-Timeout: 13970 (ms): wait as long.
    let answer = tokio::time::timeout(
        Duration::from_millis(refundkit_sim::NOTIFY_TIMEOUT_MS),
        client.request(request),
    )
    .await;
    let status = match answer {
        Ok(Ok(r)) => {
            note(format!(
                "notification {id} attempt {attempt} -> {uri}: {}",
                r.status()
            ));
            Some(r.status())
        }
        Ok(Err(e)) => {
            note(format!(
                "notification {id} attempt {attempt} -> {uri}: not delivered: {e}"
            ));
            None
        }
        Err(_) => {
            note(format!(
                "notification {id} attempt {attempt} -> {uri}: no answer in time"
            ));
            None
        }
    };
    if let Ok(mut s) = sim.lock() {
        s.notification_answered(id, status, SystemTime::now());
    }
}
