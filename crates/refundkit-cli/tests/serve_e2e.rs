//! End to end: `refundkit serve` runs the emulated providers on loopback; a real HTTP client
//! (reqwest, rustls, with a client certificate for MWS) sends the four requests `plan` builds;
//! refundkit reads every answer and the lifecycle drives each refund to a final state,
//! including the RBS refund whose answer is lost (reconciled through the status endpoint) and
//! a Yandex Pay notification received and verified.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use refundkit::Refund;
use refundkit::core::lifecycle::{Action, Answer, Status};

#[path = "../../refundkit-sim/tests/common/sample.rs"]
mod sample;
use sample::read;

fn testdata(path: &str) -> PathBuf {
    sample::testdata(path).canonicalize().unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A shop's notification endpoint: accepts POSTs, hands each body over, answers 200.
fn webhook_endpoint() -> (String, mpsc::Receiver<Vec<u8>>) {
    webhook_endpoint_answering(&[])
}

/// A shop's notification endpoint that answers the first POSTs with `first` (in turn), then
/// 200.
fn webhook_endpoint_answering(first: &[u16]) -> (String, mpsc::Receiver<Vec<u8>>) {
    let mut statuses = std::collections::VecDeque::from(first.to_vec());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/webhook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = match statuses.pop_front() {
                Some(status) => format!("HTTP/1.1 {status} Oops\r\ncontent-length: 0\r\n\r\n"),
                None => "HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n{\"status\":\"success\"}"
                    .to_owned(),
            };
            let _ = stream.write_all(answer.as_bytes());
            let _ = tx.send(body);
        }
    });
    (url, rx)
}

fn start_server(notify_url: &str) -> (Server, Vec<(String, String)>) {
    start_server_with(notify_url, |_| {})
}

fn start_server_with(
    notify_url: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> (Server, Vec<(String, String)>) {
    let mut scenario: serde_json::Value =
        serde_json::from_slice(&read("sim/sample-scenario.json")).unwrap();
    scenario["robokassa"]["settle_seconds"] = 1.into();
    scenario["yandex_pay"]["settle_seconds"] = 1.into();
    scenario["yookassa_v3"]["settle_seconds"] = 1.into();
    scenario["yandex_pay"]["notify_url"] = notify_url.into();
    scenario["yandex_pay"]["signing_key"] = testdata("yandex-pay/webhook/key.p8.der")
        .to_string_lossy()
        .into_owned()
        .into();
    scenario["yookassa"]["shop_certificate"] = testdata("sample-credentials/yookassa-shop.crt")
        .to_string_lossy()
        .into_owned()
        .into();
    edit(&mut scenario);
    // One file per server: the tests run in parallel.
    static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("refundkit-e2e-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scenario.json");
    std::fs::write(&file, scenario.to_string()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(["serve", "--port", "0", "--tls-port", "0", "--scenario"])
        .arg(&file)
        // The sample is a good day; this test loses refund.do's first answer by flag.
        .args(["--fault", "rbs:refund.do:1:answer-lost"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    // Every provider's line and the state's: the order is serve's, the count the registry's.
    let wanted = |urls: &Vec<(String, String)>| {
        refundkit::ProviderId::ALL
            .iter()
            .map(|p| p.name())
            .chain(["state"])
            .all(|name| urls.iter().any(|(n, _)| n == name))
    };
    while !wanted(&urls) {
        let line = lines.next().unwrap().unwrap();
        let mut words = line.split_whitespace();
        urls.push((
            words.next().unwrap().to_owned(),
            words.next().unwrap().to_owned(),
        ));
    }
    (Server(child), urls)
}

fn client() -> reqwest::blocking::Client {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(testdata("sim/tls/ca.crt")).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![CertificateDer::from_pem_file(testdata("sim/tls/client.crt")).unwrap()],
            PrivateKeyDer::from_pem_file(testdata("sim/tls/client.key")).unwrap(),
        )
        .unwrap();
    reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn bases(urls: &[(String, String)]) -> Vec<(&str, String)> {
    urls.iter()
        // One base per provider: the RBS REST API's (the ecom one is driven in the emulator's
        // own tests, against the same orders).
        .filter(|(name, _)| refundkit::ProviderId::ALL.iter().any(|p| p.name() == name))
        .map(|(name, url)| (name.as_str(), url.clone()))
        .collect()
}

/// Sends a request with the real client: its status and body, or `None` when no answer came.
fn send_with(
    client: &reqwest::blocking::Client,
    request: &http::Request<Vec<u8>>,
) -> Option<(u16, Vec<u8>)> {
    let mut builder = client.request(request.method().clone(), request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let response = builder.body(request.body().clone()).send().ok()?;
    let status = response.status().as_u16();
    Some((status, response.bytes().ok()?.to_vec()))
}

#[test]
fn plans_requests_are_driven_to_a_final_state_against_refundkit_serve_over_real_http() {
    let (notify_url, notifications) = webhook_endpoint();
    let (_server, urls) = start_server(&notify_url);
    let client = client();
    let credentials = sample::credentials();
    for refund in sample::planned_refunds(&bases(&urls), SystemTime::now()) {
        let provider = refund.provider().name();
        // What a shop keeps between steps: the refund's state, no secret in it.
        let mut stored = refund.to_json();
        let mut sent = Vec::new();
        // The machine's clock: it jumps to each step's not_before, while the emulator (whose
        // refunds settle in a second) gets a real second; the real intervals are longer.
        let mut now = SystemTime::now();
        let status = loop {
            assert!(sent.len() < 10, "{provider}: {sent:?}");
            // Every step starts from the stored state, as after a restart.
            let mut refund = Refund::from_json(stored.as_bytes()).unwrap();
            match refund.poll(now, &credentials).unwrap() {
                Action::Send(send) => {
                    refund.sent(&send, now).unwrap();
                    sent.push(send.method);
                    stored = refund.to_json(); // write-ahead: the request left
                    let mut refund = Refund::from_json(stored.as_bytes()).unwrap();
                    let answer = send_with(&client, &send.request);
                    let answer = match &answer {
                        Some((status, body)) => Answer::Received {
                            http_status: *status,
                            body,
                            headers: None,
                        },
                        None => Answer::Lost,
                    };
                    refund
                        .on_answer(send.seq, answer, &credentials, now)
                        .unwrap();
                    stored = refund.to_json();
                }
                Action::Sleep { until } => {
                    std::thread::sleep(Duration::from_millis(1100));
                    now = until;
                }
                Action::Awaiting { .. } => panic!("{provider}: nothing is in flight here"),
                Action::Escalate(_) | Action::Done(_) | Action::Refused(_) | Action::Review(_) => {
                    break refund.status();
                }
            }
        };
        assert_eq!(status, Status::Done, "{provider}: {sent:?}");
        for secret in [
            "sample-credentials/rbs-password.txt",
            "sample-credentials/yandex-pay-api-key.txt",
            "sample-credentials/robokassa-password3.txt",
            "sample-credentials/yookassa-v3-secret-key.txt",
        ] {
            let secret = String::from_utf8(read(secret)).unwrap();
            assert!(
                !stored.contains(secret.trim_end()),
                "{provider}: a secret in the stored state"
            );
        }
        let expected: &[&str] = match provider {
            "robokassa" => &["Refund/Create", "Refund/GetState"],
            "yandex-pay" => &[
                "orders/{orderId}/refund",
                "operations/{externalOperationId}",
            ],
            "yookassa" => &["returnPayment", "returnPayment"],
            // The sample scenario loses refund.do's answer: reconciled through the status.
            "rbs" => &[
                "getOrderStatusExtended.do",
                "refund.do",
                "getOrderStatusExtended.do",
            ],
            "yookassa-v3" => &["refunds", "refunds/{id}"],
            _ => unreachable!(),
        };
        assert_eq!(sent, expected, "{provider}");
    }
    // The Yandex Pay refund's notification reached the shop's endpoint, signed under the
    // emulator's JWKS (fetched as a shop fetches Yandex Pay's).
    let body = notifications
        .recv_timeout(Duration::from_secs(10))
        .expect("a notification");
    let jwks_url = &urls.iter().find(|(n, _)| n == "jwks").unwrap().1;
    let jwks = client.get(jwks_url).send().unwrap().bytes().unwrap();
    let jwks = refundkit::yandex_pay::webhook::Jwks::from_json(&jwks).unwrap();
    let verified = refundkit::yandex_pay::webhook::verify(
        &body,
        &jwks,
        SystemTime::now(),
        refundkit::yandex_pay::webhook::DEFAULT_LEEWAY,
    )
    .unwrap();
    assert!(matches!(
        verified.event,
        refundkit::yandex_pay::webhook::Event::OperationStatusUpdated { .. }
    ));
}

#[test]
fn a_notification_the_shop_answers_with_500_is_posted_again_until_it_answers_200() {
    let (notify_url, notifications) = webhook_endpoint_answering(&[500]);
    let (_server, urls) = start_server_with(&notify_url, |s| {
        s["yandex_pay"]["notify_retry_ms"] = serde_json::json!([300]);
    });
    let client = client();
    let credentials = sample::credentials();
    let mut refund = sample::planned_refunds(&bases(&urls), SystemTime::now())
        .into_iter()
        .find(|r| r.provider() == refundkit::ProviderId::YandexPay)
        .unwrap();
    let Action::Send(send) = refund.poll(SystemTime::now(), &credentials).unwrap() else {
        panic!()
    };
    refund.sent(&send, SystemTime::now()).unwrap();
    let (status, _) = send_with(&client, &send.request).unwrap();
    assert_eq!(status, 200);
    let first = notifications.recv_timeout(Duration::from_secs(10)).unwrap();
    let second = notifications.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first, second, "the same notification, posted again");
    let state_url = &urls.iter().find(|(n, _)| n == "state").unwrap().1;
    let mut seen = serde_json::Value::Null;
    for _ in 0..50 {
        seen = serde_json::from_slice(&client.get(state_url).send().unwrap().bytes().unwrap())
            .unwrap();
        if seen["yandex_pay"]["notifications"]["delivered"] == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        seen["yandex_pay"]["notifications"],
        serde_json::json!({"attempts": 2, "delivered": 1, "undelivered": 0, "given_up": 0})
    );
}

#[test]
fn mws_refuses_a_client_without_a_certificate() {
    let (_server, urls) = start_server("http://127.0.0.1:9/v1/webhook");
    let mws = &urls.iter().find(|(n, _)| n == "yookassa").unwrap().1;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_file(testdata("sim/tls/ca.crt")).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let anonymous = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap();
    assert!(anonymous.post(format!("{mws}/listReturns")).send().is_err());
}

#[test]
fn serve_refuses_a_bad_fault_or_scenario_as_a_usage_error_naming_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args([
            "serve",
            "--port",
            "0",
            "--tls-port",
            "0",
            "--fault",
            "rbs:refund.do:0:answer-lost",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault"));
    let out = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args([
            "serve",
            "--port",
            "0",
            "--tls-port",
            "0",
            "--scenario",
            "no-such-scenario",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_built_in_scenario_and_tls_material_need_no_checkout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args([
            "serve",
            "--port",
            "0",
            "--tls-port",
            "0",
            "--scenario",
            "lost-answer",
        ])
        // Run from elsewhere: nothing is read from the checkout.
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let server = Server(child);
    let yookassa = (0..3)
        .map(|_| lines.next().unwrap().unwrap())
        .last()
        .unwrap();
    let ca = yookassa
        .split("CA ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    assert!(std::path::Path::new(&ca).is_file(), "{yookassa}");
    assert!(!ca.contains("testdata"), "{ca}");
    // The seventh line: what the providers saw, over HTTP.
    let state = (0..4)
        .map(|_| lines.next().unwrap().unwrap())
        .last()
        .unwrap();
    let url = state.strip_prefix("state").unwrap().trim();
    let body: serde_json::Value =
        serde_json::from_slice(&reqwest::blocking::get(url).unwrap().bytes().unwrap()).unwrap();
    assert_eq!(body["rbs"]["orders"][0]["refunded"], 0, "{body}");
    assert_eq!(
        body["yookassa"]["payments"][0]["refunded"], "0.00",
        "{body}"
    );
    drop(server);
}

/// Starts `serve` with `extra` flags and stderr as a pipe nobody reads; its HTTP address.
fn start_unread(extra: &[&str]) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(["serve", "--port", "0", "--tls-port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    (Server(child), addr)
}

fn state_status(addr: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /_sim/state HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .map(str::to_owned)
}

#[test]
fn a_stderr_nobody_reads_never_stops_the_server_answering() {
    let (_server, addr) = start_unread(&[]);
    // Far more log lines than a pipe holds (about 1,360 stopped it before).
    for i in 0..4000 {
        assert_eq!(
            state_status(&addr).as_deref(),
            Some("HTTP/1.1 200 OK"),
            "request {i}"
        );
    }
}

#[test]
fn a_client_trickling_its_headers_or_sitting_idle_is_cut_off() {
    use std::io::{Read, Write};
    let (_server, addr) = start_unread(&["--header-timeout", "1", "--idle-timeout", "1"]);
    let started = std::time::Instant::now();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.write_all(b"GET /_sim/state HTTP/1.1\r\nhost").unwrap();
    let mut buf = [0u8; 256];
    // Closed by the server (0 bytes or a 408), not by our read timeout.
    let _ = slow.read(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let mut idle = std::net::TcpStream::connect(&addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(idle.read(&mut buf).unwrap_or(0), 0);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn at_the_cap_the_connection_idle_the_longest_makes_room_for_a_new_one() {
    use std::io::Read;
    let (_server, addr) = start_unread(&["--max-connections", "2", "--idle-timeout", "30"]);
    let mut a = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut b = std::net::TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // Two idle connections hold the cap: a third is served, and the older of the two closed.
    assert_eq!(state_status(&addr).as_deref(), Some("HTTP/1.1 200 OK"));
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(a.read(&mut buf).unwrap_or(1), 0, "the idlest is closed");
    b.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(b.read(&mut buf).is_err(), "the younger one stays open");
}

#[test]
fn at_the_cap_with_every_connection_mid_request_a_new_one_is_closed_at_once() {
    use std::io::{Read, Write};
    let (_server, addr) = start_unread(&["--max-connections", "2", "--body-timeout", "30"]);
    let busy = || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"POST /rbs/payment/rest/refund.do HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nuserName=")
            .unwrap();
        s
    };
    let (_a, _b) = (busy(), busy());
    std::thread::sleep(Duration::from_millis(300));
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(c.read(&mut buf).unwrap_or(0), 0, "the third is closed");
}

#[test]
fn a_client_trickling_its_body_is_answered_408_and_cut_off() {
    use std::io::{Read, Write};
    let (_server, addr) = start_unread(&["--body-timeout", "1", "--idle-timeout", "30"]);
    let started = std::time::Instant::now();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(
        b"POST /rbs/payment/rest/refund.do HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n",
    )
    .unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut out = Vec::new();
    // A byte every 200 ms: each one would reset an idle timer.
    for _ in 0..40 {
        if slow.write_all(b"a").is_err() {
            break;
        }
        let mut buf = [0u8; 512];
        match slow.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !out.is_empty() {
            break;
        }
    }
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn serve_removes_the_tls_material_it_wrote_when_it_is_stopped() {
    for signal in ["INT", "TERM"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
            .args(["serve", "--port", "0", "--tls-port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let yookassa = (0..3)
            .map(|_| lines.next().unwrap().unwrap())
            .last()
            .unwrap();
        let ca = yookassa
            .split("CA ")
            .nth(1)
            .unwrap()
            .trim_end_matches(')')
            .to_owned();
        let dir = std::path::Path::new(&ca).parent().unwrap().to_owned();
        assert!(dir.join("server.key").is_file(), "{yookassa}");
        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "SIG{signal}: {status}");
        assert!(
            !dir.exists(),
            "SIG{signal}: {} is still there",
            dir.display()
        );
    }
}
