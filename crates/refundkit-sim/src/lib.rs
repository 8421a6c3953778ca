//! The refund endpoints of the four providers, emulated from a scenario: a transport-free
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

mod rbs;
mod robokassa;
pub mod scenario;
mod yandex_pay;
mod yookassa;

use std::time::{Duration, SystemTime};

use http::{Request, Response, StatusCode, header};

pub use scenario::{Fault, FaultKind, Scenario, ScenarioError};
pub use yandex_pay::NOTIFY_TIMEOUT_MS;

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

/// The four emulated providers.
#[derive(Debug)]
pub struct Sim {
    robokassa: Option<robokassa::Emulator>,
    yandex_pay: Option<yandex_pay::Emulator>,
    yookassa: Option<yookassa::Emulator>,
    rbs: Option<rbs::Emulator>,
    faults: Vec<(Fault, u32)>,
}

/// The provider prefixes, in the order of [`Sim`]'s fields.
pub const PREFIXES: &[(&str, &str)] = &[
    ("robokassa", "/robokassa/RefundService"),
    ("yandex-pay", "/yandex-pay"),
    ("yookassa", "/yookassa/webservice/mws/api"),
    ("rbs", "/rbs/payment/rest"),
];

impl Sim {
    /// The emulators a scenario describes.
    pub fn new(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Ok(Sim {
            robokassa: scenario
                .robokassa
                .as_ref()
                .map(robokassa::Emulator::new)
                .transpose()?,
            yandex_pay: scenario
                .yandex_pay
                .as_ref()
                .map(|s| yandex_pay::Emulator::new(s, scenario))
                .transpose()?,
            yookassa: scenario
                .yookassa
                .as_ref()
                .map(|s| yookassa::Emulator::new(s, scenario))
                .transpose()?,
            rbs: scenario.rbs.as_ref().map(rbs::Emulator::new),
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
        if let Some(e) = &self.robokassa {
            out.insert("robokassa".into(), e.view(now));
        }
        if let Some(e) = &self.yandex_pay {
            out.insert("yandex_pay".into(), e.view());
        }
        if let Some(e) = &self.yookassa {
            out.insert("yookassa".into(), e.view());
        }
        if let Some(e) = &self.rbs {
            out.insert("rbs".into(), e.view());
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
        let Some((provider, rest)) = split(&path) else {
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
        let response = match provider {
            "robokassa" => self
                .robokassa
                .as_mut()
                .map(|e| e.handle(request, rest, now)),
            "yandex-pay" => self
                .yandex_pay
                .as_mut()
                .map(|e| e.handle(request, rest, now)),
            "yookassa" => self.yookassa.as_mut().map(|e| e.handle(request, rest, now)),
            "rbs" => {
                let dialect = if path.starts_with(RBS_ECOM_PREFIX) {
                    refundkit_rbs::Dialect::Ecom
                } else {
                    refundkit_rbs::Dialect::Rest
                };
                self.rbs
                    .as_mut()
                    .map(|e| e.handle(request, rest, dialect, now))
            }
            _ => None,
        }
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
        self.yandex_pay
            .as_mut()
            .map(|e| e.advance(now))
            .unwrap_or_default()
    }

    /// How a notification's delivery went: the shop's HTTP status, or `None` when it did not
    /// answer. Anything but a 2xx schedules the next attempt.
    pub fn notification_answered(&mut self, id: u64, status: Option<StatusCode>, now: SystemTime) {
        if let Some(e) = self.yandex_pay.as_mut() {
            e.answered(id, status, now);
        }
    }

    /// The JWKS that verifies the emulated Yandex Pay's notifications, when it signs any.
    pub fn yandex_pay_jwks(&self) -> Option<String> {
        self.yandex_pay
            .as_ref()
            .and_then(yandex_pay::Emulator::jwks)
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

/// Sber's ecom gateway, served by the RBS emulator beside the REST API (the same orders):
/// `{origin}/rbs/ecomm/gw/partner/api/v1`.
pub const RBS_ECOM_PREFIX: &str = "/rbs/ecomm/gw/partner/api/v1";

/// Where Robokassa's XML web service (`OpStateExt`) is served, beside its refund service.
pub const ROBOKASSA_WEB_SERVICE_PREFIX: &str = "/robokassa/Merchant/WebService/Service.asmx";

/// The provider of a path and the path below its prefix.
fn split(path: &str) -> Option<(&'static str, &str)> {
    PREFIXES
        .iter()
        .find_map(|(name, prefix)| path.strip_prefix(prefix).map(|rest| (*name, rest)))
        .or_else(|| path.strip_prefix(RBS_ECOM_PREFIX).map(|rest| ("rbs", rest)))
        .or_else(|| {
            path.strip_prefix(ROBOKASSA_WEB_SERVICE_PREFIX)
                .map(|rest| ("robokassa", rest))
        })
}

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
