//! `refundkit serve`: the emulated providers (`refundkit-sim`) over real HTTP on loopback.
//!
//! HTTP/1.1 for Robokassa, Yandex Pay and RBS; YooKassa MWS over TLS that requires a client
//! certificate, as YooKassa does. Bodies are bounded; every request gets one log line on
//! stderr (method, path, status: no header and no body, so no secret); Yandex Pay's
//! notifications are posted to the scenario's URL; Ctrl-C stops it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

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
    /// The scenario: a JSON file (the README has the format), or a built-in one by name:
    /// `sample` (the default: `refundkit plan`'s sample order, every request answered as on a
    /// good day) or `lost-answer` (the same, the first refund.do's answer lost).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// A fault to inject, `PROVIDER:PATH:NTH:KIND[:MS]` (`rbs:refund.do:1:answer-lost`;
    /// KIND answer-lost, http-500, proxy-html, delay with MS). Repeatable; added to the
    /// scenario's own.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
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
    let tls_dir = match &args.tls {
        Some(dir) => dir.clone(),
        None => builtin_tls()?,
    };
    let tls_dir = std::fs::canonicalize(&tls_dir).unwrap_or(tls_dir);
    let tls = tls_config(&tls_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("runtime: {e}")))?;
    runtime.block_on(serve(Arc::new(Mutex::new(sim)), args, tls, &tls_dir))
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
    let mut out = String::new();
    out.push_str(&format!(
        "robokassa  http://{http}/robokassa/RefundService\n"
    ));
    out.push_str(&format!("yandex-pay http://{http}/yandex-pay\n"));
    out.push_str(&format!(
        "yookassa   https://{https}/yookassa/webservice/mws/api (client certificate required; CA {})\n",
        tls_dir.join("ca.crt").display()
    ));
    out.push_str(&format!("rbs        http://{http}/rbs/payment/rest\n"));
    out.push_str(&format!("jwks       http://{http}/yandex-pay/api/jwks\n"));
    // Added after the first five lines, which scripts read by position.
    out.push_str(&format!(
        "rbs-ecom   http://{http}/rbs/ecomm/gw/partner/api/v1\n"
    ));
    out.push_str(&format!(
        "state      http://{http}{}\n",
        refundkit_sim::STATE_PATH
    ));
    crate::io::emit(out.as_bytes())?;

    let max_body = args.max_body;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let plain_loop = {
        let sim = sim.clone();
        async move {
            loop {
                let Ok((stream, _)) = plain.accept().await else {
                    continue;
                };
                let sim = sim.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |r| handle(sim.clone(), r, "http", false, max_body));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    };
    let secure_loop = {
        let sim = sim.clone();
        async move {
            loop {
                let Ok((stream, _)) = secure.accept().await else {
                    continue;
                };
                let sim = sim.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(stream) => {
                            let service = service_fn(move |r| {
                                handle(sim.clone(), r, "https", true, max_body)
                            });
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Err(e) => crate::io::diagnose(&format!("TLS handshake refused: {e}")),
                    }
                });
            }
        }
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
                    tokio::spawn(post(n));
                }
            }
        }
    };
    tokio::select! {
        () = plain_loop => {}
        () = secure_loop => {}
        () = ticker => {}
        _ = tokio::signal::ctrl_c() => crate::io::diagnose("stopped"),
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

async fn handle(
    sim: Shared,
    request: Request<Incoming>,
    scheme: &'static str,
    tls: bool,
    max_body: usize,
) -> Result<Response<Full<Bytes>>, AnswerLost> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let log = |status: &str| {
        crate::io::diagnose(&format!("{scheme} {} {path} -> {status}", parts.method))
    };
    // MWS only over TLS with a client certificate; the others only over plain HTTP.
    if path.starts_with("/yookassa") != tls {
        log("404");
        return Ok(text(404, "this provider is served on the other port"));
    }
    let bytes = match Limited::new(body, max_body).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => {
            log("413");
            return Ok(text(413, "request body too large"));
        }
    };
    if path == "/yandex-pay/api/jwks" {
        let jwks = sim.lock().ok().and_then(|s| s.yandex_pay_jwks());
        log(if jwks.is_some() { "200" } else { "404" });
        return Ok(match jwks {
            Some(j) => json(j),
            None => text(404, "no notification key in the scenario"),
        });
    }
    let mut request = http::Request::from_parts(parts.clone(), bytes);
    if let Ok(uri) = format!("{scheme}://127.0.0.1{}", parts.uri).parse() {
        *request.uri_mut() = uri;
    }
    let handled = match sim.lock() {
        Ok(mut s) => s.handle(&request, SystemTime::now()),
        Err(_) => return Ok(text(500, "emulator state poisoned")),
    };
    for n in handled.notifications {
        tokio::spawn(post(n));
    }
    let response = match handled.reply {
        Reply::Answer(r) => r,
        Reply::Delayed(d, r) => {
            tokio::time::sleep(d).await;
            r
        }
        _ => {
            log("answer lost (connection closed)");
            return Err(AnswerLost);
        }
    };
    log(response.status().as_str());
    let (parts, body) = response.into_parts();
    Ok(Response::from_parts(parts, Full::new(Bytes::from(body))))
}

fn text(status: u16, body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r
}

fn json(body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// Posts a notification (plain HTTP, as a shop's test endpoint on loopback is).
async fn post(notification: http::Request<Vec<u8>>) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let uri = notification.uri().clone();
    let (parts, body) = notification.into_parts();
    let request = Request::from_parts(parts, Full::new(Bytes::from(body)));
    match client.request(request).await {
        Ok(r) => crate::io::diagnose(&format!("notification -> {uri}: {}", r.status())),
        Err(e) => crate::io::diagnose(&format!("notification -> {uri}: not delivered: {e}")),
    }
}
