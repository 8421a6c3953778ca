//! `refundkit journal web`: the operator's console. Server-rendered pages (no script at all),
//! on loopback by default: the refunds, one refund's attempts as a timeline, the review queue
//! with the form that resolves a refund through the journal's own `resolve`, and `/metrics`.
//!
//! Who may look: whoever holds the token of `--token-file`. A person signs in with it and
//! their name; the session is a cookie signed with a key made at start (HMAC-SHA-256), so a
//! restart signs everyone out and nothing about a session is stored. Every comparison of a
//! secret (the token, a session, a form's CSRF token) is `aws_lc_rs::hmac::verify`: constant
//! time, and the token's length never shows. Every text from outside (a refund id, a
//! provider's answer, a note) is escaped; the Content-Security-Policy allows no script, so
//! an answer holding one shows as text and never runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lc_rs::hmac;
use clap::Args;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use refundkit::ProviderId;
use refundkit::core::lifecycle::Status;
use refundkit::core::lifecycle::time::format_utc;
use refundkit_journal::{Attempt, Entry, Filter, Journal, Outcome, Resolution, metrics};
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use crate::Exit;
use crate::io::{self, CliError};

/// `refundkit journal web`'s flags.
#[derive(Args)]
pub struct WebArgs {
    /// Where to listen (loopback by default: put a TLS proxy in front to reach it from
    /// elsewhere). Port 0 takes a free one; the address is said on stderr.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The file holding the token a person signs in with (16 to 256 bytes, a line). Made with
    /// a new random token (mode 0600) when it does not exist; the token is never printed.
    #[arg(long, value_name = "FILE", default_value = "refundkit-web.token")]
    token_file: PathBuf,
    /// Show only: every change is refused (the journal is opened read-only, too).
    #[arg(long)]
    pub(crate) read_only: bool,
}

/// A person's session lasts this long.
const SESSION: Duration = Duration::from_secs(12 * 3600);
/// The largest form a page posts.
const MAX_FORM: usize = 16 * 1024;
/// The most refunds a list shows (the oldest first; narrow it with the filters).
const MAX_LISTED: u32 = 500;
const COOKIE: &str = "refundkit_session";

const STATES: [Status; 6] = [
    Status::Pending,
    Status::InFlight,
    Status::Waiting,
    Status::Done,
    Status::Refused,
    Status::Review,
];

struct Console {
    journal: Journal,
    /// Signs sessions and CSRF tokens; made at start, never stored.
    key: hmac::Key,
    /// The token's tag under `key`: what a presented token is verified against.
    token_tag: hmac::Tag,
    read_only: bool,
}

/// Serves the console over `journal` (opened read-only with `--read-only`) until Ctrl-C.
pub fn run(args: &WebArgs, journal: Journal) -> Result<Exit, CliError> {
    let token = token(&args.token_file)?;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
        .map_err(|_| CliError::Usage("no random numbers from the system".into()))?;
    let token_tag = hmac::sign(&key, token.as_bytes());
    drop(token);
    let console = Arc::new(Console {
        journal,
        key,
        token_tag,
        read_only: args.read_only,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("the runtime: {e}")))?;
    runtime.block_on(async {
        let listener = TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Usage(format!("--listen {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::Usage(e.to_string()))?;
        io::diagnose(&format!(
            "the console: http://{addr}/ (sign in with the token in {}){}",
            args.token_file.display(),
            if args.read_only { "; read-only" } else { "" }
        ));
        tokio::select! {
            () = accept(listener, move |r| handle(console.clone(), r)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<_, CliError>(())
    })?;
    Ok(Exit::Ok)
}

/// `/metrics` alone, unauthenticated (it holds counts, never a refund's text): `journal run
/// --metrics ADDR`. Returns once listening; serves until the runtime ends.
pub async fn serve_metrics(journal: Journal, addr: SocketAddr) -> Result<SocketAddr, CliError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::Usage(format!("--metrics {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    tokio::spawn(accept(listener, move |r: Request<Incoming>| {
        let journal = journal.clone();
        async move {
            Ok::<_, std::convert::Infallible>(
                if r.method() == Method::GET && r.uri().path() == "/metrics" {
                    metrics_page(&journal).await
                } else {
                    text(StatusCode::NOT_FOUND, "only /metrics here\n")
                },
            )
        }
    }));
    Ok(bound)
}

async fn accept<F, Fut>(listener: TcpListener, handler: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<Response<Full<Bytes>>, std::convert::Infallible>>
        + Send
        + 'static,
{
    let mut backoff = Duration::from_millis(10);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(10);
                stream
            }
            Err(_) => {
                // Out of file descriptors, most often: wait, a little longer each time.
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2).min(Duration::from_secs(1));
                continue;
            }
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10));
            let _ = builder
                .serve_connection(TokioIo::new(stream), service_fn(handler))
                .await;
        });
    }
}

/// The token: read, or made when the file does not exist.
fn token(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let bad = |why: String| CliError::Usage(format!("--token-file {}: {why}", path.display()));
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let text = std::str::from_utf8(&bytes).map_err(|_| bad("not UTF-8".into()))?;
            let token = Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_owned());
            if !(16..=256).contains(&token.len()) || token.chars().any(char::is_control) {
                return Err(bad(
                    "a token is one line of 16 to 256 bytes, without control characters".into(),
                ));
            }
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut raw = Zeroizing::new([0u8; 24]);
            aws_lc_rs::rand::fill(raw.as_mut())
                .map_err(|_| bad("no random numbers from the system".into()))?;
            let token = Zeroizing::new(hex(raw.as_ref()));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| bad(e.to_string()))?;
            std::io::Write::write_all(&mut file, format!("{}\n", token.as_str()).as_bytes())
                .map_err(|e| bad(e.to_string()))?;
            io::diagnose(&format!(
                "note: {} did not exist: a new token was written there (mode 0600)",
                path.display()
            ));
            Ok(token)
        }
        Err(e) => Err(bad(e.to_string())),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// Who is asking.
enum Caller {
    /// A person signed in: their name, and the value of their session cookie.
    Person {
        name: String,
        session: String,
    },
    /// A program with the token (`Authorization: Bearer`): it may read.
    Program,
    Nobody,
}

impl Console {
    fn token_ok(&self, presented: &str) -> bool {
        hmac::verify(&self.key, presented.as_bytes(), self.token_tag.as_ref()).is_ok()
    }

    fn session_for(&self, name: &str, now: SystemTime) -> String {
        let issued = unix_secs(now);
        let tag = hmac::sign(&self.key, format!("session\0{issued}\0{name}").as_bytes());
        format!("v1.{issued}.{}.{}", hex(name.as_bytes()), hex(tag.as_ref()))
    }

    /// The name a session cookie stands for, while it is valid.
    fn session(&self, cookie: &str, now: SystemTime) -> Option<String> {
        let mut parts = cookie.split('.');
        let (Some("v1"), Some(issued), Some(name), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let name = String::from_utf8(unhex(name)?).ok()?;
        let tag = unhex(tag)?;
        hmac::verify(
            &self.key,
            format!("session\0{issued}\0{name}").as_bytes(),
            &tag,
        )
        .ok()?;
        let issued: u64 = issued.parse().ok()?;
        let age = unix_secs(now).checked_sub(issued)?;
        (age < SESSION.as_secs()).then_some(name)
    }

    fn csrf(&self, session: &str) -> String {
        hex(hmac::sign(&self.key, format!("csrf\0{session}").as_bytes()).as_ref())
    }

    fn csrf_ok(&self, session: &str, presented: &str) -> bool {
        unhex(presented).is_some_and(|tag| {
            hmac::verify(&self.key, format!("csrf\0{session}").as_bytes(), &tag).is_ok()
        })
    }

    fn caller(&self, request: &Request<Incoming>, now: SystemTime) -> Caller {
        let headers = request.headers();
        if let Some(bearer) = headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            return if self.token_ok(bearer) {
                Caller::Program
            } else {
                Caller::Nobody
            };
        }
        for value in headers.get_all(hyper::header::COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            for pair in value.split(';') {
                if let Some(session) = pair.trim().strip_prefix(&format!("{COOKIE}="))
                    && let Some(name) = self.session(session, now)
                {
                    return Caller::Person {
                        name,
                        session: session.to_owned(),
                    };
                }
            }
        }
        Caller::Nobody
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn handle(
    console: Arc<Console>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let now = SystemTime::now();
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    Ok(match (&method, path.as_str()) {
        (&Method::GET, "/style.css") => css(),
        (&Method::GET, "/login") => login_page(None, StatusCode::OK),
        (&Method::POST, "/login") => login(&console, request, now).await,
        (&Method::POST, "/logout") => {
            let mut r = redirect("/login");
            set_cookie(&mut r, &format!("{COOKIE}=; Max-Age=0"));
            r
        }
        _ => {
            let caller = console.caller(&request, now);
            match caller {
                Caller::Nobody if method == Method::GET && path != "/metrics" => redirect("/login"),
                Caller::Nobody => text(
                    StatusCode::UNAUTHORIZED,
                    "sign in at /login, or send the token as Authorization: Bearer\n",
                ),
                caller => signed_in(&console, caller, request, now)
                    .await
                    .unwrap_or_else(|e| {
                        page(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "The journal failed",
                            None,
                            &format!("<p class=\"error\">{}</p>", html(&e)),
                        )
                    }),
            }
        }
    })
}

async fn signed_in(
    console: &Console,
    caller: Caller,
    request: Request<Incoming>,
    now: SystemTime,
) -> Result<Response<Full<Bytes>>, String> {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let person = match &caller {
        Caller::Person { name, session } => Some((name.clone(), console.csrf(session))),
        _ => None,
    };
    let who = person.as_ref().map(|(n, c)| (n.as_str(), c.as_str()));
    if request.method() == Method::GET {
        return Ok(match path.as_str() {
            "/" => list_page(console, &query, who, now).await?,
            "/reviews" => reviews_page(console, who).await?,
            "/metrics" => metrics_page(&console.journal).await,
            _ => match path.strip_prefix("/refunds/").map(percent_decoded) {
                Some(Some(id)) => refund_page(console, &id, who).await?,
                _ => not_found(),
            },
        });
    }
    if request.method() != Method::POST {
        return Ok(text(StatusCode::METHOD_NOT_ALLOWED, "GET or POST\n"));
    }
    let Some(id) = path
        .strip_prefix("/refunds/")
        .and_then(|rest| rest.strip_suffix("/resolve"))
        .and_then(percent_decoded)
    else {
        return Ok(not_found());
    };
    if console.read_only {
        return Ok(page(
            StatusCode::FORBIDDEN,
            "Read-only",
            who,
            "<p class=\"error\">This console is read-only (--read-only): nothing was changed.</p>",
        ));
    }
    let Caller::Person { name, session } = caller else {
        return Ok(text(
            StatusCode::FORBIDDEN,
            "a review is resolved by a person signed in at /login: nothing was changed\n",
        ));
    };
    let Some(form) = form(request).await else {
        return Ok(text(
            StatusCode::BAD_REQUEST,
            "not a form of this console\n",
        ));
    };
    let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if !field("csrf").is_some_and(|t| console.csrf_ok(&session, t)) {
        return Ok(page(
            StatusCode::FORBIDDEN,
            "Refused",
            who,
            "<p class=\"error\">The form's CSRF token is missing or wrong: nothing was changed. \
             Open the page again and send the form from there.</p>",
        ));
    }
    let resolution = match field("resolution") {
        Some("done") => Resolution::Done,
        Some("not-refunded") => Resolution::NotRefunded,
        _ => {
            return Ok(page(
                StatusCode::BAD_REQUEST,
                "Refused",
                who,
                "<p class=\"error\">Say whether the money went back (done) or not \
                 (not refunded): nothing was changed.</p>",
            ));
        }
    };
    let note = field("note").unwrap_or("").trim();
    if note.is_empty() {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Refused",
            who,
            "<p class=\"error\">A note is required: what you checked, and where. Nothing was \
             changed.</p>",
        ));
    }
    match console
        .journal
        .resolve(&id, resolution, note, Some(&name))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/refunds/{}", percent_encoded(&id)))),
        Err(e) => Ok(page(
            StatusCode::CONFLICT,
            "Not resolved",
            who,
            &format!("<p class=\"error\">{}</p>", html(&e.to_string())),
        )),
    }
}

async fn login(
    console: &Console,
    request: Request<Incoming>,
    now: SystemTime,
) -> Response<Full<Bytes>> {
    let Some(form) = form(request).await else {
        return login_page(Some("not a sign-in form"), StatusCode::BAD_REQUEST);
    };
    let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let name = field("name").unwrap_or("").trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return login_page(
            Some("your name (1 to 64 characters) is kept with every review you resolve"),
            StatusCode::BAD_REQUEST,
        );
    }
    if !field("token").is_some_and(|t| console.token_ok(t)) {
        return login_page(Some("wrong token"), StatusCode::UNAUTHORIZED);
    }
    let mut r = redirect("/");
    set_cookie(
        &mut r,
        &format!(
            "{COOKIE}={}; Max-Age={}",
            console.session_for(name, now),
            SESSION.as_secs()
        ),
    );
    r
}

async fn form(request: Request<Incoming>) -> Option<Vec<(String, String)>> {
    let is_form = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let body = Limited::new(request.into_body(), MAX_FORM)
        .collect()
        .await
        .ok()?
        .to_bytes();
    decode_form(&body)
}

/// A form body or a query string (`application/x-www-form-urlencoded`): `None` for a bad
/// escape or bytes that are not UTF-8.
fn decode_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |t: &str| {
                let t = t.replace('+', " ");
                if t.is_empty() {
                    Some(String::new())
                } else {
                    percent_decoded(&t)
                }
            };
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

fn percent_decoded(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let pair = [bytes.next()?, bytes.next()?];
            let hex = std::str::from_utf8(&pair)
                .ok()
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Text from outside, safe inside an element or a quoted attribute.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn security_headers(builder: http::response::Builder) -> http::response::Builder {
    builder
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        )
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-store")
}

fn respond(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    security_headers(Response::builder())
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    respond(status, "text/plain; charset=utf-8", body.to_owned())
}

fn redirect(to: &str) -> Response<Full<Bytes>> {
    let mut r = text(StatusCode::SEE_OTHER, "");
    if let Ok(v) = http::HeaderValue::from_str(to) {
        r.headers_mut().insert(hyper::header::LOCATION, v);
    }
    r
}

fn set_cookie(r: &mut Response<Full<Bytes>>, cookie: &str) {
    if let Ok(v) =
        http::HeaderValue::from_str(&format!("{cookie}; Path=/; HttpOnly; SameSite=Strict"))
    {
        r.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
}

fn not_found() -> Response<Full<Bytes>> {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        None,
        "<p>No such page.</p>",
    )
}

fn css() -> Response<Full<Bytes>> {
    respond(
        StatusCode::OK,
        "text/css; charset=utf-8",
        include_str!("web.css").to_owned(),
    )
}

/// A page: `who` is the person signed in and their form's CSRF token.
fn page(
    status: StatusCode,
    title: &str,
    who: Option<(&str, &str)>,
    body: &str,
) -> Response<Full<Bytes>> {
    let signed = who.map_or(String::new(), |(name, csrf)| {
        format!(
            "<form method=\"post\" action=\"/logout\" class=\"who\">{} \
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button type=\"submit\">Sign out</button></form>",
            html(name)
        )
    });
    respond(
        status,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{t} · refundkit</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\
             <body><header><a href=\"/\" class=\"brand\">refundkit</a> \
             <nav><a href=\"/\">Refunds</a> <a href=\"/reviews\">Reviews</a> \
             <a href=\"/metrics\">Metrics</a></nav>{signed}</header>\
             <main><h1>{t}</h1>\n{body}\n</main></body></html>\n",
            t = html(title)
        ),
    )
}

fn login_page(error: Option<&str>, status: StatusCode) -> Response<Full<Bytes>> {
    let error = error.map_or(String::new(), |e| {
        format!("<p class=\"error\" id=\"error\">{}</p>", html(e))
    });
    page(
        status,
        "Sign in",
        None,
        &format!(
            "{error}<form method=\"post\" action=\"/login\" class=\"login\">\
             <label>Your name <input name=\"name\" id=\"name\" required maxlength=\"64\" \
             autocomplete=\"username\"></label>\
             <label>Token <input name=\"token\" id=\"token\" type=\"password\" required \
             autocomplete=\"current-password\"></label>\
             <button type=\"submit\" id=\"sign-in\">Sign in</button></form>"
        ),
    )
}

async fn metrics_page(journal: &Journal) -> Response<Full<Bytes>> {
    match journal.census().await {
        Ok(census) => respond(
            StatusCode::OK,
            metrics::CONTENT_TYPE,
            metrics::render(&census, SystemTime::now()),
        ),
        Err(e) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the journal: {e}\n"),
        ),
    }
}

fn time(t: SystemTime) -> String {
    format_utc(t)
}

fn entry_row(e: &Entry) -> String {
    format!(
        "<tr class=\"{state}\"><td><a href=\"/refunds/{href}\">{id}</a></td><td>{provider}</td>\
         <td>{payment}</td><td class=\"state\">{state}</td><td class=\"num\">{amount}</td>\
         <td class=\"num\">{attempts}</td><td>{created}</td><td>{updated}</td><td>{reason}</td></tr>",
        href = percent_encoded(&e.id),
        id = html(&e.id),
        provider = e.provider,
        payment = html(&e.payment),
        state = e.status,
        amount = e.amount.map_or_else(|| "-".to_owned(), |a| a.to_string()),
        attempts = e.attempts,
        created = time(e.created_at),
        updated = time(e.updated_at),
        reason = html(e.reason().unwrap_or("")),
    )
}

const LIST_HEAD: &str = "<table><thead><tr><th>Refund</th><th>Provider</th><th>Payment</th>\
    <th>State</th><th>Amount</th><th>Attempts</th><th>Submitted</th><th>Changed</th>\
    <th>Reason</th></tr></thead><tbody>";

async fn list_page(
    console: &Console,
    query: &str,
    who: Option<(&str, &str)>,
    now: SystemTime,
) -> Result<Response<Full<Bytes>>, String> {
    let fields = decode_form(query.as_bytes()).unwrap_or_default();
    let field = |n: &str| {
        fields
            .iter()
            .find(|(k, v)| k == n && !v.is_empty())
            .map(|(_, v)| v.as_str())
    };
    let status = field("state").and_then(|s| STATES.into_iter().find(|x| x.as_str() == s));
    let provider = field("provider").and_then(|p| p.parse::<ProviderId>().ok());
    let payment = field("payment").map(str::to_owned);
    let minutes = field("older_than_minutes").and_then(|m| m.parse::<u64>().ok());
    let filter = Filter {
        status,
        provider,
        payment: payment.clone(),
        submitted_before: minutes
            .and_then(|m| now.checked_sub(Duration::from_secs(m.saturating_mul(60)))),
        limit: Some(MAX_LISTED.saturating_add(1)),
    };
    let mut entries = console
        .journal
        .list(&filter)
        .await
        .map_err(|e| e.to_string())?;
    let more = entries.len() > MAX_LISTED as usize;
    entries.truncate(MAX_LISTED as usize);
    let option = |value: &str, shown: &str, selected: bool| {
        format!(
            "<option value=\"{value}\"{}>{shown}</option>",
            if selected { " selected" } else { "" }
        )
    };
    let states: String = std::iter::once(option("", "any", status.is_none()))
        .chain(
            STATES
                .iter()
                .map(|s| option(s.as_str(), s.as_str(), status == Some(*s))),
        )
        .collect();
    let providers: String = std::iter::once(option("", "any", provider.is_none()))
        .chain(
            ProviderId::ALL
                .iter()
                .map(|p| option(p.name(), p.name(), provider == Some(*p))),
        )
        .collect();
    let mut body = format!(
        "<form method=\"get\" action=\"/\" class=\"filters\">\
         <label>State <select name=\"state\" id=\"state\">{states}</select></label>\
         <label>Provider <select name=\"provider\">{providers}</select></label>\
         <label>Payment <input name=\"payment\" value=\"{payment}\"></label>\
         <label>Submitted more than <input name=\"older_than_minutes\" size=\"6\" \
         inputmode=\"numeric\" value=\"{minutes}\"> minutes ago</label>\
         <button type=\"submit\" id=\"filter\">Show</button></form>\
         <p>{n} refund{s}{more}.</p>{LIST_HEAD}",
        payment = html(payment.as_deref().unwrap_or("")),
        minutes = minutes.map_or(String::new(), |m| m.to_string()),
        n = entries.len(),
        s = if entries.len() == 1 { "" } else { "s" },
        more = if more {
            format!(" (the oldest {MAX_LISTED}: narrow the filters to see the rest)")
        } else {
            String::new()
        },
    );
    for e in &entries {
        body.push_str(&entry_row(e));
    }
    body.push_str("</tbody></table>");
    Ok(page(StatusCode::OK, "Refunds", who, &body))
}

fn resolve_form(id: &str, csrf: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/refunds/{href}/resolve\" class=\"resolve\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <fieldset><legend>Did the money go back?</legend>\
         <label><input type=\"radio\" name=\"resolution\" value=\"done\" required> \
         Done: the money went back</label>\
         <label><input type=\"radio\" name=\"resolution\" value=\"not-refunded\"> \
         Not refunded: no money moved (a new refund may be submitted)</label></fieldset>\
         <label>What you checked, and where <textarea name=\"note\" required rows=\"2\">\
         </textarea></label>\
         <button type=\"submit\">Resolve {id}</button></form>",
        href = percent_encoded(id),
        id = html(id),
    )
}

async fn reviews_page(
    console: &Console,
    who: Option<(&str, &str)>,
) -> Result<Response<Full<Bytes>>, String> {
    let entries = console
        .journal
        .list(&Filter {
            status: Some(Status::Review),
            limit: Some(MAX_LISTED),
            ..Filter::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut body = if entries.is_empty() {
        "<p>No refund waits for a person.</p>".to_owned()
    } else {
        format!(
            "<p>{} refund{} wait{} for a person: check each in the provider's console or the \
             bank statement, then say what you saw.</p>",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" },
            if entries.len() == 1 { "s" } else { "" },
        )
    };
    for e in &entries {
        body.push_str(&format!(
            "<section class=\"review\"><h2><a href=\"/refunds/{href}\">{id}</a> · {provider} · \
             {amount}</h2><p>Payment {payment}, submitted {created}.</p><p class=\"reason\">{reason}\
             </p>",
            href = percent_encoded(&e.id),
            id = html(&e.id),
            provider = e.provider,
            amount = e.amount.map_or_else(|| "-".to_owned(), |a| a.to_string()),
            payment = html(&e.payment),
            created = time(e.created_at),
            reason = html(e.reason().unwrap_or("")),
        ));
        match (who, console.read_only) {
            (Some((_, csrf)), false) => body.push_str(&resolve_form(&e.id, csrf)),
            (_, true) => body.push_str("<p>Read-only console: resolve it elsewhere.</p>"),
            (None, false) => body.push_str("<p>Sign in as a person to resolve it.</p>"),
        }
        body.push_str("</section>");
    }
    Ok(page(StatusCode::OK, "Reviews", who, &body))
}

fn attempt_item(a: &Attempt) -> String {
    let outcome = match a.outcome {
        Some(Outcome::Answered(status)) => format!("answered HTTP {status}"),
        Some(o) => o.as_str().to_owned(),
        None => "in flight".to_owned(),
    };
    let took = a
        .answered_at
        .and_then(|t| t.duration_since(a.sent_at).ok())
        .map_or(String::new(), |d| format!(" in {} ms", d.as_millis()));
    let request = a.request.as_deref().map_or_else(
        || "<p>(not kept: sent before this journal kept requests)</p>".to_owned(),
        |r| {
            format!(
                "<h4>Request</h4><pre class=\"request\">{}</pre>",
                html(&pretty(r))
            )
        },
    );
    let answer = a.answer.as_deref().map_or(String::new(), |r| {
        format!(
            "<h4>Answer</h4><pre class=\"answer\">{}</pre>",
            html(&pretty(r))
        )
    });
    format!(
        "<li class=\"attempt\"><h3>#{n} {method}{money} · {outcome}{took}</h3>\
         <p>Sent {sent} by {worker} (fence {fence}){answered}.</p>{request}{answer}</li>",
        n = a.n,
        method = html(&a.method),
        money = if a.moves_money { " (moves money)" } else { "" },
        sent = time(a.sent_at),
        worker = html(&a.worker),
        fence = a.fence,
        answered = a
            .answered_at
            .map_or(String::new(), |t| format!(", ended {}", time(t))),
    )
}

/// A kept request (a JSON object) or answer (a JSON string of the body) as a person reads it.
fn pretty(kept: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(kept) {
        Ok(serde_json::Value::String(body)) => body,
        Ok(serde_json::Value::Object(request))
            if request.contains_key("uri") && request.contains_key("method") =>
        {
            let get = |k: &str| request.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let mut out = format!("{} {}\n", get("method"), get("uri"));
            if let Some(headers) = request.get("headers").and_then(|h| h.as_array()) {
                for h in headers {
                    if let (Some(n), Some(v)) = (
                        h.get(0).and_then(|n| n.as_str()),
                        h.get(1).and_then(|v| v.as_str()),
                    ) {
                        out.push_str(&format!("{n}: {v}\n"));
                    }
                }
            }
            out.push('\n');
            match request.get("body") {
                Some(serde_json::Value::String(b)) => out.push_str(b),
                Some(other) => out.push_str(&other.to_string()),
                None => {}
            }
            out
        }
        Ok(other) => serde_json::to_string_pretty(&other).unwrap_or_default(),
        Err(_) => kept.to_owned(),
    }
}

async fn refund_page(
    console: &Console,
    id: &str,
    who: Option<(&str, &str)>,
) -> Result<Response<Full<Bytes>>, String> {
    let Some(e) = console.journal.get(id).await.map_err(|e| e.to_string())? else {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Not found",
            who,
            &format!("<p>No refund {} in the journal.</p>", html(id)),
        ));
    };
    let attempts = console
        .journal
        .attempts(id)
        .await
        .map_err(|e| e.to_string())?;
    let mut body = format!(
        "<dl class=\"refund\"><dt>State</dt><dd class=\"state\" id=\"state\">{state}</dd>\
         <dt>Provider</dt><dd>{provider}</dd><dt>Payment</dt><dd>{payment}</dd>\
         <dt>Amount</dt><dd>{amount}</dd><dt>Submitted</dt><dd>{created}</dd>\
         <dt>Changed</dt><dd>{updated}</dd><dt>Requests</dt><dd>{sends} ({attempts} of the \
         refund itself)</dd><dt>Last decision</dt><dd class=\"detail\">{detail}</dd>",
        state = e.status,
        provider = e.provider,
        payment = html(&e.payment),
        amount = e.amount.map_or_else(|| "-".to_owned(), |a| a.to_string()),
        created = time(e.created_at),
        updated = time(e.updated_at),
        sends = e.sends,
        attempts = e.attempts,
        detail = html(e.detail.as_deref().unwrap_or("")),
    );
    if let Some(due) = e.due_at {
        body.push_str(&format!("<dt>Due</dt><dd>{}</dd>", time(due)));
    }
    if let Some(lease) = &e.lease {
        body.push_str(&format!(
            "<dt>Held by</dt><dd>{} until {}</dd>",
            html(&lease.owner),
            time(lease.until)
        ));
    }
    if let Some(hold) = &e.hold {
        body.push_str(&format!("<dt>Held back</dt><dd>{}</dd>", html(&hold.why)));
    }
    if let Some(r) = &e.resolution {
        body.push_str(&format!(
            "<dt>Resolved</dt><dd id=\"resolved\">{} by {}{}: {}</dd>",
            r.resolution.as_str(),
            html(r.by.as_deref().unwrap_or("(not recorded)")),
            r.at.map_or(String::new(), |t| format!(" at {}", time(t))),
            html(&r.note)
        ));
    }
    body.push_str("</dl>");
    if e.status == Status::Review {
        match (who, console.read_only) {
            (Some((_, csrf)), false) => body.push_str(&resolve_form(&e.id, csrf)),
            (_, true) => body.push_str("<p>Read-only console: resolve it elsewhere.</p>"),
            (None, false) => body.push_str("<p>Sign in as a person to resolve it.</p>"),
        }
    }
    body.push_str("<h2>Requests</h2>");
    if attempts.is_empty() {
        body.push_str("<p>None has left yet.</p>");
    } else {
        body.push_str("<ol class=\"timeline\">");
        for a in &attempts {
            body.push_str(&attempt_item(a));
        }
        body.push_str("</ol>");
    }
    Ok(page(StatusCode::OK, &format!("Refund {id}"), who, &body))
}

#[cfg(test)]
mod tests {
    use super::{html, percent_decoded, percent_encoded, pretty};

    #[test]
    fn text_from_outside_is_escaped_for_elements_and_attributes() {
        assert_eq!(
            html("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn a_form_decodes_as_a_browser_encodes_it() {
        assert_eq!(
            super::decode_form(b"name=Anna+P&note=%D0%B4%21&empty=").unwrap(),
            [
                ("name".to_owned(), "Anna P".to_owned()),
                ("note".to_owned(), "д!".to_owned()),
                ("empty".to_owned(), String::new())
            ]
        );
        assert!(super::decode_form(b"a=%zz").is_none());
    }

    #[test]
    fn a_refund_id_goes_through_a_path_and_back_unchanged() {
        for id in ["r-1", "заказ 7/8?#", "a%b"] {
            assert_eq!(percent_decoded(&percent_encoded(id)).as_deref(), Some(id));
        }
    }

    #[test]
    fn a_kept_request_reads_as_its_method_uri_headers_and_body() {
        let kept = r#"{"method":"POST","uri":"https://x/refund.do","headers":[["accept","application/json"]],"body":"a=1"}"#;
        assert_eq!(
            pretty(kept),
            "POST https://x/refund.do\naccept: application/json\n\na=1"
        );
        assert_eq!(
            pretty("\"{\\\"errorCode\\\":\\\"0\\\"}\""),
            "{\"errorCode\":\"0\"}"
        );
    }
}
