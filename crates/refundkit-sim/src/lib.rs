//! The refund endpoints of the providers, emulated from a scenario: a transport-free
//! `handle(request, now) -> reply`, deterministic, with state.
//!
//! Each emulator checks what its provider checks, with refundkit's own decoders and
//! validators (the Robokassa token's HMAC with the shop's Password3, the Yandex Pay `Api-Key`,
//! the YooKassa PKCS#7 signature against the shop's certificate, RBS `userName`/`password` or
//! `token`), refuses what the provider documents refusing (a refund above what remains, a
//! final cart that disagrees with the payment, a reused clientOrderId with other data, a
//! duplicate externalOperationId), and is asynchronous as its provider is (Robokassa
//! `processing` then `finished`, Yandex Pay `PENDING` then `SUCCESS` with a signed
//! notification, MWS status 1 then 0). Faults are injected per scenario, the one that matters
//! most being a refund acted on whose answer is lost.
//!
//! Paths are those of the real services below one prefix per provider: `/robokassa`,
//! `/yandex-pay`, `/yookassa`, `/rbs`. The base URLs a shop configures are therefore
//! `{origin}/robokassa/RefundService`, `{origin}/yandex-pay`,
//! `{origin}/yookassa/webservice/mws/api` and `{origin}/rbs/payment/rest`.
//!
//! ```
//! use std::time::SystemTime;
//! use refundkit_sim::{Reply, Scenario, Sim};
//!
//! let scenario = Scenario::from_json(br#"{"rbs": {"user_name": "shop", "password": "secret",
//!     "orders": [{"order_id": "o-1", "deposited": 10000}]}}"#, std::path::Path::new("."))?;
//! let mut sim = Sim::new(&scenario)?;
//! let request = http::Request::post("http://127.0.0.1/rbs/payment/rest/refund.do")
//!     .body(b"userName=shop&password=secret&orderId=o-1&amount=2500".to_vec())?;
//! let handled = sim.handle(&request, SystemTime::UNIX_EPOCH);
//! let Reply::Answer(response) = handled.reply else { panic!() };
//! assert!(refundkit_rbs::parse_response(response.status().as_u16(), response.body()).is_success());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod emulator;
pub mod scenario;

use std::time::{Duration, SystemTime};

use http::{Request, Response, StatusCode, header};

pub use emulator::Base;
use emulator::{Descriptor, Emulate};
pub use rbs::ECOM_PREFIX as RBS_ECOM_PREFIX;
pub use robokassa::WEB_SERVICE_PREFIX as ROBOKASSA_WEB_SERVICE_PREFIX;
pub use scenario::{Fault, FaultKind, Scenario, ScenarioError};
pub use yandex_pay::NOTIFY_TIMEOUT_MS;

/// A provider's emulator as the sim lists it: its name, its scenario key, its descriptor.
pub(crate) struct Registered {
    /// The provider's name (`yandex-pay`): what a fault names.
    pub name: &'static str,
    /// Its scenario section and `/_sim/state` key: its module's name (`yandex_pay`).
    pub key: &'static str,
    pub descriptor: &'static Descriptor,
}

macro_rules! emulators {
    ($(($variant:ident, $name:literal, $module:ident, $krate:ident, $feature:literal, $title:literal)),* $(,)?) => {
        $(
            mod $module;
        )*

        /// Every emulator, in the registry's order.
        pub(crate) fn registered() -> &'static [Registered] {
            &[$(Registered {
                name: $name,
                key: stringify!($module),
                descriptor: &$module::DESCRIPTOR,
            }),*]
        }

        /// Each provider's name and the key of its section in a scenario and in
        /// [`Sim::state`], in the registry's order.
        pub const KEYS: &[(&str, &str)] = &[$(($name, stringify!($module))),*];

        /// Each provider's own base path (the first of its bases), in the registry's order.
        pub const PREFIXES: &[(&str, &str)] = &[$(($name, $module::DESCRIPTOR.bases[0].prefix)),*];
    };
}

refundkit::for_each_provider!(emulators);

/// Every base the emulators serve, with the provider it belongs to, in the registry's order
/// (each provider's own base first): what `refundkit serve` prints and routes by.
pub fn bases() -> Vec<(&'static str, Base)> {
    registered()
        .iter()
        .flat_map(|r| r.descriptor.bases.iter().map(|b| (r.name, *b)))
        .collect()
}

/// The base a request path falls under: the longest prefix among the emulators' bases.
pub fn base_of(path: &str) -> Option<(&'static str, Base)> {
    bases()
        .into_iter()
        .filter(|(_, b)| {
            path.strip_prefix(b.prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .max_by_key(|(_, b)| b.prefix.len())
}

/// What the emulated provider does with a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reply {
    /// This answer, now.
    Answer(Response<Vec<u8>>),
    /// This answer, after a delay.
    Delayed(Duration, Response<Vec<u8>>),
    /// The provider acted, and its answer is lost: close the connection without one.
    Lost,
}

/// A request handled: the reply, and the notifications the provider sends meanwhile (Yandex
/// Pay's, to the scenario's URL).
#[derive(Debug)]
pub struct Handled {
    /// What goes back.
    pub reply: Reply,
    /// Requests the provider makes to the shop.
    pub notifications: Vec<Notification>,
}

/// A notification to post to the shop. Whoever posts it reports how it went with
/// [`Sim::notification_answered`]: until a 2xx, it is posted again on the scenario's
/// schedule (`yandex_pay.notify_retry_ms`), as Yandex Pay repeats an unanswered notification.
#[derive(Debug)]
pub struct Notification {
    /// Which notification (the same on every attempt).
    pub id: u64,
    /// Which attempt, from 1.
    pub attempt: u32,
    /// The request.
    pub request: Request<Vec<u8>>,
}

/// The emulated providers a scenario describes.
#[derive(Debug)]
pub struct Sim {
    /// Each provider's emulator, by its name, in the registry's order.
    emulators: Vec<(&'static str, &'static str, Box<dyn Emulate>)>,
    faults: Vec<(Fault, u32)>,
}

impl Sim {
    /// The emulators a scenario describes.
    pub fn new(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        let mut emulators = Vec::new();
        for r in registered() {
            if let Some(section) = scenario.section_of(r.key) {
                emulators.push((r.name, r.key, (r.descriptor.build)(section, scenario)?));
            }
        }
        Ok(Sim {
            emulators,
            faults: scenario.faults.iter().map(|f| (f.clone(), 0)).collect(),
        })
    }

    /// What each provider holds at `now`, as `GET /_sim/state` answers it: per provider (by
    /// the scenario's names), its payments under the scenario's own list names (`operations`,
    /// `orders`, `payments`, `orders`), each with its id fields, its captured amount,
    /// `refunded` (the sum of the refunds applied: decimal strings, RBS in minor units),
    /// `refunds` (each applied refund, in order) and `pending` (accepted, not yet applied).
    pub fn state(&self, now: SystemTime) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for (_, key, e) in &self.emulators {
            out.insert((*key).into(), e.view(now));
        }
        // Each fault, with the requests it counted and whether it fired: a scenario whose
        // fault names no request that comes tests nothing, and a test can tell.
        let faults: Vec<serde_json::Value> = self
            .faults
            .iter()
            .map(|(f, seen)| {
                serde_json::json!({
                    "provider": f.provider,
                    "path": f.path,
                    "nth": f.nth,
                    "seen": seen,
                    "fired": *seen >= f.nth,
                })
            })
            .collect();
        out.insert("faults".into(), serde_json::Value::Array(faults));
        serde_json::Value::Object(out)
    }

    /// Handles one request at `now`.
    pub fn handle(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Handled {
        let mut notifications = self.tick(now);
        let path = request.uri().path().to_owned();
        if path == STATE_PATH {
            let reply = if request.method() == http::Method::GET {
                json(StatusCode::OK, &self.state(now))
            } else {
                text(StatusCode::METHOD_NOT_ALLOWED, "GET only")
            };
            return Handled {
                reply: Reply::Answer(reply),
                notifications,
            };
        }
        let Some((provider, base)) = base_of(&path) else {
            return Handled {
                reply: Reply::Answer(text(StatusCode::NOT_FOUND, "no such provider")),
                notifications,
            };
        };
        let fault = self.fault(provider, &path);
        if let Some((FaultKind::RequestLost, _)) = fault {
            return Handled {
                reply: Reply::Lost,
                notifications,
            };
        }
        let fake = match fault.map(|(kind, _)| kind) {
            Some(FaultKind::Http500) => Some(answer(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Vec::new())),
            Some(FaultKind::ProxyHtml) => Some(answer(
                StatusCode::BAD_GATEWAY,
                "text/html",
                b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>".to_vec(),
            )),
            Some(FaultKind::ChallengePage) => Some(answer(
                StatusCode::OK,
                "text/html",
                b"<!DOCTYPE html><html><head><title>Checking your browser</title></head><body><noscript>Enable JavaScript to continue.</noscript></body></html>".to_vec(),
            )),
            _ => None,
        };
        if let Some(response) = fake {
            return Handled {
                reply: Reply::Answer(response),
                notifications,
            };
        }
        let rest = path.strip_prefix(base.prefix).unwrap_or("");
        let response = self
            .emulators
            .iter_mut()
            .find(|(name, _, _)| *name == provider)
            .map(|(_, _, e)| e.handle(request, &base, rest, now))
            .unwrap_or_else(|| text(StatusCode::NOT_FOUND, "provider not in the scenario"));
        notifications.extend(self.tick(now));
        let reply = match fault {
            Some((FaultKind::AnswerLost, _)) => Reply::Lost,
            Some((FaultKind::Delay, ms)) => Reply::Delayed(Duration::from_millis(ms), response),
            _ => Reply::Answer(response),
        };
        Handled {
            reply,
            notifications,
        }
    }

    /// Advances time to `now`: refunds that have settled complete, and the notifications due
    /// (those of refunds that just did, and repeats of unanswered ones) are returned, to be
    /// posted and reported with [`Sim::notification_answered`].
    pub fn tick(&mut self, now: SystemTime) -> Vec<Notification> {
        self.emulators
            .iter_mut()
            .flat_map(|(_, _, e)| e.tick(now))
            .collect()
    }

    /// How a notification's delivery went: the shop's HTTP status, or `None` when it did not
    /// answer. Anything but a 2xx schedules the next attempt.
    pub fn notification_answered(&mut self, id: u64, status: Option<StatusCode>, now: SystemTime) {
        for (_, _, e) in &mut self.emulators {
            e.answered(id, status, now);
        }
    }

    /// The JWKS that verifies the notifications of the emulated `provider`, when it signs any.
    pub fn jwks(&self, provider: &str) -> Option<String> {
        self.emulators
            .iter()
            .find(|(name, _, _)| *name == provider)
            .and_then(|(_, _, e)| e.jwks())
    }

    fn fault(&mut self, provider: &str, path: &str) -> Option<(FaultKind, u64)> {
        // Every matching fault counts this request, whichever of them fires.
        let mut fired = None;
        for (fault, seen) in &mut self.faults {
            if fault.provider == provider && fault.names(path) {
                *seen = seen.saturating_add(1);
                if *seen == fault.nth && fired.is_none() {
                    fired = Some((fault.fault, fault.ms));
                }
            }
        }
        fired
    }
}

/// Where `GET` returns [`Sim::state`].
pub const STATE_PATH: &str = "/_sim/state";

pub(crate) fn answer(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Vec<u8>> {
    answer(status, "application/json", value.to_string().into_bytes())
}

pub(crate) fn text(status: StatusCode, body: &str) -> Response<Vec<u8>> {
    answer(status, "text/plain", body.as_bytes().to_vec())
}

/// Unix seconds.
pub(crate) fn unix(now: SystemTime) -> u64 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
