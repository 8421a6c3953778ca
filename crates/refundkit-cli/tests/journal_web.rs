//! `refundkit journal web` as an operator and an attacker meet it: a real journal (SQLite
//! file) holding a Robokassa refund in review because its Create was answered with an HTML
//! page carrying a script, recorded by a real `journal run`; the console started as its own
//! process. HTTP tests for the token, CSRF, escaping and read-only; then a real headless
//! Chromium (Debian's, driven through chromedriver's WebDriver protocol) signs in, opens the
//! review, resolves it and sees its new state, with a screenshot of each page under
//! `target/console-screenshots/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::run;

const ID: &str = "r-<b>1</b>";
const ID_PATH: &str = "r-%3Cb%3E1%3C%2Fb%3E";
const SCRIPT: &str = "<script>alert('pwned')</script>";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "refundkit-web-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A provider that answers every request with an HTML page holding a script.
fn hostile_provider() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
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
            let page = format!("<html>{SCRIPT}</html>");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    format!("http://{addr}")
}

/// A journal holding one refund in review, its Create answered by [`hostile_provider`].
fn journal_with_a_review(dir: &Path) -> String {
    let url = format!("sqlite:{}", dir.join("journal.db").display());
    let mut desc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(common::testdata("plan", "sample-order.json")).unwrap(),
    )
    .unwrap();
    desc["settings"]["robokassa"] = serde_json::json!({ "base_url": hostile_provider() });
    let out = run(
        &[
            "journal",
            "submit",
            "--db",
            &url,
            "--provider",
            "robokassa",
            "--id",
            ID,
        ],
        Some(desc.to_string().as_bytes()),
    );
    assert!(out.status.success(), "{out:?}");
    let out = run(
        &[
            "journal",
            "run",
            "--db",
            &url,
            "--sample-credentials",
            "--until-settled",
            "--max-seconds",
            "60",
            "--time-scale",
            "0.01",
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let shown = run(&["journal", "show", "--db", &url], None);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("review"),
        "{shown:?}"
    );
    url
}

struct Console {
    child: Child,
    base: String,
    token: String,
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn console(dir: &Path, url: &str, extra: &[&str]) -> Console {
    let token_file = dir.join("console.token");
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(["journal", "web", "--db", url, "--listen", "127.0.0.1:0"])
        .arg("--token-file")
        .arg(&token_file)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let base = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the console ended"
        );
        if let Some(rest) = line.split("the console: ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
    });
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    Console { child, base, token }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A form body, as a browser encodes one.
fn form(fields: &[(&str, &str)]) -> String {
    let enc = |t: &str| -> String {
        t.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Signs in as `name`: the session cookie.
fn sign_in(c: &Console, name: &str) -> String {
    let r = client()
        .post(format!("{}/login", c.base))
        .header("content-type", FORM)
        .body(form(&[("name", name), ("token", c.token.as_str())]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

fn get(c: &Console, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut request = client().get(format!("{}{path}", c.base));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let r = request.send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

fn resolve(c: &Console, cookie: &str, csrf: &str) -> (u16, String) {
    let r = client()
        .post(format!("{}/refunds/{ID_PATH}/resolve", c.base))
        .header("cookie", cookie)
        .header("content-type", FORM)
        .body(form(&[
            ("csrf", csrf),
            ("resolution", "not-refunded"),
            ("note", "no such operation in Robokassa's merchant account"),
        ]))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn state(url: &str) -> String {
    let out = run(&["journal", "show", "--db", url, "--json"], None);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    line["state"].as_str().unwrap().to_owned()
}

#[test]
fn every_page_and_the_metrics_are_refused_without_the_token() {
    let dir = scratch("token");
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &[]);
    for path in ["/", "/reviews", &format!("/refunds/{ID_PATH}")] {
        let (status, body) = get(&c, path, None);
        assert_eq!(status, 303, "{path}");
        assert!(!body.contains("r-&lt;b"), "{path}: {body}");
    }
    let (status, _) = get(&c, "/metrics", None);
    assert_eq!(status, 401);
    let wrong = client()
        .get(format!("{}/metrics", c.base))
        .bearer_auth(format!("{}x", c.token))
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client()
        .get(format!("{}/metrics", c.base))
        .bearer_auth(&c.token)
        .send()
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().unwrap().contains("refundkit_reviews_open 1\n"));
    let r = client()
        .post(format!("{}/login", c.base))
        .header("content-type", FORM)
        .body(form(&[("name", "Anna"), ("token", "not-the-token-at-all")]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    // A forged session (another key) is nobody.
    let (status, _) = get(&c, "/", Some("refundkit_session=v1.9999999999.416e6e61.00"));
    assert_eq!(status, 303);
}

#[test]
fn a_form_without_its_csrf_token_changes_nothing() {
    let dir = scratch("csrf");
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &[]);
    let cookie = sign_in(&c, "Anna");
    let (status, _) = resolve(&c, &cookie, "");
    assert_eq!(status, 403);
    let (status, _) = resolve(&c, &cookie, &"0".repeat(64));
    assert_eq!(status, 403);
    // Another person's token is not this session's.
    let other = sign_in(&c, "Boris");
    let (_, page) = get(&c, "/reviews", Some(&other));
    let (status, _) = resolve(&c, &cookie, &csrf_of(&page));
    assert_eq!(status, 403);
    assert_eq!(state(&url), "review");
}

#[test]
fn a_providers_answer_holding_a_script_shows_as_text_and_no_script_may_run() {
    let dir = scratch("escape");
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &[]);
    let cookie = sign_in(&c, "<img src=x onerror=alert(1)>");
    let r = client()
        .get(format!("{}/refunds/{ID_PATH}", c.base))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    let page = r.text().unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<b>1"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("r-&lt;b&gt;1&lt;/b&gt;"), "{page}");
}

#[test]
fn a_read_only_console_refuses_every_change() {
    let dir = scratch("read-only");
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &["--read-only"]);
    let cookie = sign_in(&c, "Anna");
    let (_, page) = get(&c, "/reviews", Some(&cookie));
    assert!(!page.contains("/resolve"), "{page}");
    let (status, _) = resolve(&c, &cookie, &csrf_of(&page));
    assert_eq!(status, 403);
    assert_eq!(state(&url), "review");
}

#[test]
fn a_review_resolved_in_the_console_is_recorded_with_who_and_when() {
    let dir = scratch("resolve");
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &[]);
    let cookie = sign_in(&c, "Anna Petrova");
    let (_, page) = get(&c, "/reviews", Some(&cookie));
    let (status, _) = resolve(&c, &cookie, &csrf_of(&page));
    assert_eq!(status, 303);
    let out = run(&["journal", "show", "--db", &url, "--json"], None);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["state"], "refused");
    assert_eq!(line["resolution"], "not-refunded");
    assert_eq!(line["resolved_by"], "Anna Petrova");
    assert!(line["settled_at"].is_string());
    let (_, page) = get(&c, &format!("/refunds/{ID_PATH}"), Some(&cookie));
    assert!(page.contains("not-refunded by Anna Petrova at "), "{page}");
    // Resolved once: the same form again is refused.
    let (status, _) = resolve(&c, &cookie, &csrf_of(&page));
    assert_eq!(status, 409);
}

/// chromedriver's WebDriver protocol (W3C), over HTTP.
struct Driver {
    child: Child,
    base: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = client()
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(profile: &Path) -> Option<Driver> {
        let (driver, browser) = ("/usr/bin/chromedriver", "/usr/bin/chromium");
        if !Path::new(driver).exists() || !Path::new(browser).exists() {
            assert!(
                std::env::var_os("REFUNDKIT_REQUIRE_BROWSER").is_none(),
                "Chromium and chromedriver are required here (Debian's chromium, chromium-driver)"
            );
            eprintln!("no Chromium here: the browser test is skipped");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": browser, "args": args}
        }}});
        let mut session = None;
        for _ in 0..100 {
            if let Ok(r) = client()
                .post(format!("{base}/session"))
                .header("content-type", "application/json")
                .body(capabilities.to_string())
                .timeout(Duration::from_secs(60))
                .send()
            {
                let v: serde_json::Value = serde_json::from_str(&r.text().unwrap()).unwrap();
                session = Some(
                    v["value"]["sessionId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{v}"))
                        .to_owned(),
                );
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Driver {
            child,
            base,
            session: session.expect("chromedriver never answered"),
        })
    }

    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let get = method == reqwest::Method::GET;
        let mut request = client()
            .request(
                method,
                format!("{}/session/{}{path}", self.base, self.session),
            )
            .timeout(Duration::from_secs(60));
        if !get {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let r = request.send().unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.text().unwrap()).unwrap();
        assert!(v["value"].get("error").is_none(), "{path}: {v}");
        v["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call(
            reqwest::Method::POST,
            "/url",
            serde_json::json!({"url": url}),
        );
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            reqwest::Method::POST,
            "/element",
            serde_json::json!({"using": "css selector", "value": css}),
        );
        v.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            serde_json::json!({"text": text}),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            serde_json::json!({}),
        );
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call(
            reqwest::Method::GET,
            &format!("/element/{e}/text"),
            serde_json::Value::Null,
        )
        .as_str()
        .unwrap()
        .to_owned()
    }

    fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", serde_json::Value::Null)
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A PNG of the page, for people to look at.
    fn screenshot(&self, name: &str) {
        let png = self.call(reqwest::Method::GET, "/screenshot", serde_json::Value::Null);
        let png = base64_decoded(png.as_str().unwrap());
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[test]
fn a_person_signs_in_in_chromium_resolves_a_review_and_sees_its_new_state() {
    let dir = scratch("browser");
    let Some(browser) = Driver::start(&dir.join("profile")) else {
        return;
    };
    let url = journal_with_a_review(&dir);
    let c = console(&dir, &url, &[]);
    browser.open(&format!("{}/reviews", c.base));
    assert!(browser.url().ends_with("/login"), "{}", browser.url());
    browser.screenshot("1-sign-in");
    browser.type_into("#name", "Anna Petrova");
    browser.type_into("#token", &c.token);
    browser.click("#sign-in");
    assert!(
        browser.text("main").contains(ID),
        "{}",
        browser.text("main")
    );
    browser.screenshot("2-refunds");
    browser.open(&format!("{}/reviews", c.base));
    assert!(
        browser.text("section.review").contains(SCRIPT)
            || browser.text("main").contains("1 refund waits")
    );
    browser.screenshot("3-reviews");
    browser.click("section.review h2 a");
    assert_eq!(browser.text("#state"), "review");
    assert!(
        browser.text("pre.answer").contains(SCRIPT),
        "the answer shows as text"
    );
    browser.screenshot("4-refund-in-review");
    browser.click("input[value=\"not-refunded\"]");
    browser.type_into(
        "textarea[name=\"note\"]",
        "no such operation in the merchant account",
    );
    browser.click("form.resolve button");
    assert_eq!(browser.text("#state"), "refused");
    assert!(
        browser
            .text("#resolved")
            .contains("not-refunded by Anna Petrova"),
        "{}",
        browser.text("#resolved")
    );
    browser.screenshot("5-resolved");
    assert_eq!(state(&url), "refused");
}

/// Standard base64 (WebDriver's screenshots).
fn base64_decoded(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = ALPHABET.iter().position(|a| *a == b).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn journal_run_serves_the_journals_metrics_in_prometheus_text_format() {
    let dir = scratch("run-metrics");
    let url = journal_with_a_review(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_refundkit"))
        .args(["journal", "run", "--db", &url, "--sample-credentials"])
        .args(["--max-seconds", "30", "--metrics", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let address = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "journal run ended"
        );
        if let Some(rest) = line.split("metrics: ").nth(1) {
            break rest.trim().to_owned();
        }
    };
    let r = client().get(&address).send().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().unwrap();
    for line in [
        "refundkit_refunds{provider=\"robokassa\",state=\"review\"} 1\n",
        "refundkit_reviews_open 1\n",
        "refundkit_sends_total{provider=\"robokassa\",method=\"Refund/Create\",outcome=\"answered\"} 1\n",
        "refundkit_send_duration_seconds_count{provider=\"robokassa\"} 1\n",
        "# TYPE refundkit_send_duration_seconds histogram\n",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}
