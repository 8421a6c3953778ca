//! `refundkit serve` under load on loopback beside a bare hyper server, in one run: requests
//! per second through keep-alive connections, written where `benches/table.py` prints them.
//!
//! - `refundkit`: the release `refundkit serve` (the sample scenario), a separate process on
//!   one runtime thread, as a shop's CI runs it; its log to /dev/null.
//! - `bare-hyper`: hyper's HTTP/1.1 server on one current-thread runtime in a thread of its
//!   own, answering every request with a fixed JSON body of the same size: the floor of any
//!   server on this machine.
//!
//! The same client (hyper, `CONNECTIONS` connections on one runtime) drives both; client and
//! servers share the machine's cores, so the figures are for comparison, never a claim about a
//! provider. `REFUNDKIT_BIN` names the binary (default `target/release/refundkit`, built by
//! `benches/run`); without it the bench says so and measures nothing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

const CONNECTIONS: usize = 8;
const SECONDS: u64 = 3;

struct Load {
    name: &'static str,
    method: http::Method,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
}

const LOADS: &[Load] = &[
    Load {
        name: "serve/rbs-status",
        method: http::Method::POST,
        path: "/rbs/payment/rest/getOrderStatusExtended.do",
        headers: &[("content-type", "application/x-www-form-urlencoded")],
        body: b"userName=sample-rbs-api&password=sample-rbs-password-NOT-REAL&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8",
    },
    Load {
        name: "serve/yandex-pay-order",
        method: http::Method::GET,
        path: "/yandex-pay/api/merchant/v1/orders/order-42",
        headers: &[("authorization", "Api-Key sample-yandex-pay-api-key-NOT-REAL")],
        body: b"",
    },
    Load {
        name: "serve/robokassa-get-state",
        method: http::Method::GET,
        path: "/robokassa/RefundService/Refund/GetState?id=00000000-0000-4000-8000-000000000001",
        headers: &[],
        body: b"",
    },
];

fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("REFUNDKIT_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/refundkit"),
        PathBuf::from,
    );
    path.exists().then_some(path)
}

/// `refundkit serve` on free ports; its HTTP address (from the first line it prints).
fn start_serve(bin: &PathBuf) -> (std::process::Child, SocketAddr) {
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0", "--tls-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap()
        .parse()
        .unwrap();
    (child, addr)
}

/// A bare hyper server answering `body` to everything; its address.
fn start_bare(body: Bytes) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let body = body.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let body = body.clone();
                        async move {
                            let mut r = hyper::Response::new(Full::new(body));
                            r.headers_mut().insert(
                                "content-type",
                                http::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    addr
}

/// Requests per second of `load` at `addr` over `CONNECTIONS` keep-alive connections; the
/// first answer's body (to size the bare server's).
fn measure(addr: SocketAddr, load: &'static Load) -> (f64, Bytes) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(SECONDS);
        let mut tasks = Vec::new();
        let mut sample = Bytes::new();
        for i in 0..CONNECTIONS {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            if i == 0 {
                let response = sender.send_request(request(addr, load)).await.unwrap();
                assert!(
                    response.status().is_success(),
                    "{}: {}",
                    load.name,
                    response.status()
                );
                sample = response.into_body().collect().await.unwrap().to_bytes();
            }
            let done = done.clone();
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let response = sender.send_request(request(addr, load)).await.unwrap();
                    let _ = response.into_body().collect().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        let started = Instant::now();
        for t in tasks {
            t.await.unwrap();
        }
        let n = done.load(Ordering::Relaxed);
        (n as f64 / started.elapsed().as_secs_f64(), sample)
    })
}

fn request(addr: SocketAddr, load: &Load) -> hyper::Request<Full<Bytes>> {
    let mut builder = hyper::Request::builder()
        .method(load.method.clone())
        .uri(load.path)
        .header("host", addr.to_string());
    for (name, value) in load.headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(Bytes::from_static(load.body)))
        .unwrap()
}

fn main() {
    // benches/instructions.py's count mode: a load across processes has nothing to count.
    if std::env::var_os("REFUNDKIT_COUNT").is_some() {
        return;
    }
    // `cargo bench -- FILTER` passes the filter on: run only when it names these rows.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if !LOADS.iter().any(|l| l.name.contains(&filter)) {
        return;
    }
    let Some(bin) = binary() else {
        println!(
            "serve_load: no refundkit binary (build it: cargo build --release -p refundkit-cli, \
             or set REFUNDKIT_BIN): skipped"
        );
        return;
    };
    let (mut child, addr) = start_serve(&bin);
    let mut results = serde_json::Map::new();
    for load in LOADS.iter().filter(|l| l.name.contains(&filter)) {
        let (ours, body) = measure(addr, load);
        let bare = start_bare(body);
        let (floor, _) = measure(bare, load);
        println!(
            "{:<28} refundkit {:>9.0} req/s   bare-hyper {:>9.0} req/s   ({:.2}x of the floor)",
            load.name,
            ours,
            floor,
            ours / floor
        );
        results.insert(
            load.name.into(),
            serde_json::json!({"refundkit": ours, "bare-hyper": floor}),
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("load.json"),
        serde_json::Value::Object(results).to_string(),
    )
    .unwrap();
}
