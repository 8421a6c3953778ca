//! The scenario file: what each emulated provider holds before the first request (payments
//! and orders, the shop's credentials or certificate), how its asynchrony is paced, and which
//! faults to inject.

use std::path::{Path, PathBuf};

use refundkit_core::Amount;
use serde::Deserialize;

/// A scenario, as read from JSON. Every provider is optional; a request to one that is absent
/// is answered 404.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Robokassa's refund service.
    #[serde(default)]
    pub robokassa: Option<RobokassaScenario>,
    /// Yandex Pay's merchant API.
    #[serde(default)]
    pub yandex_pay: Option<YandexPayScenario>,
    /// YooKassa MWS.
    #[serde(default)]
    pub yookassa: Option<YookassaScenario>,
    /// An RBS gateway.
    #[serde(default)]
    pub rbs: Option<RbsScenario>,
    /// Faults to inject.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Where relative file names in the scenario are read from (the scenario's directory;
    /// set by [`Scenario::from_file`]).
    #[serde(skip)]
    pub dir: PathBuf,
    /// Files held in memory, by the name the scenario gives them: a built-in scenario's,
    /// which needs no checkout beside the binary.
    #[serde(skip)]
    files: Vec<(&'static str, &'static [u8])>,
}

/// The files the built-in scenarios name, embedded (`testdata/sim`'s relative names).
const BUILTIN_FILES: &[(&str, &[u8])] = &[
    (
        "../yandex-pay/webhook/key.p8.der",
        include_bytes!("../../../testdata/yandex-pay/webhook/key.p8.der"),
    ),
    (
        "../sample-credentials/yookassa-shop.crt",
        include_bytes!("../../../testdata/sample-credentials/yookassa-shop.crt"),
    ),
];

/// The built-in scenarios, by name: `sample` (the sample order of `refundkit plan` on a good
/// day: every documented request answered as the provider would) and `lost-answer` (the same,
/// with the first refund.do's answer lost).
pub const BUILTIN: &[(&str, &[u8])] = &[
    (
        "sample",
        include_bytes!("../../../testdata/sim/sample-scenario.json"),
    ),
    (
        "lost-answer",
        include_bytes!("../../../testdata/sim/lost-answer.json"),
    ),
];

/// Robokassa: the shop's Password3 and its paid operations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobokassaScenario {
    /// Password3, as the shop holds it.
    pub password3: String,
    /// Seconds a refund stays `processing` before `finished`.
    #[serde(default = "five")]
    pub settle_seconds: u64,
    /// Paid operations.
    pub operations: Vec<RobokassaOperation>,
    /// `MerchantLogin`, for `OpStateExt` (absent: OpStateExt is not served).
    #[serde(default)]
    pub merchant_login: Option<String>,
    /// Password2, which signs `OpStateExt` requests.
    #[serde(default)]
    pub password2: Option<String>,
}

/// A paid Robokassa operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobokassaOperation {
    /// Its OpKey.
    pub op_key: String,
    /// What was paid (a decimal string).
    #[serde(deserialize_with = "amount")]
    pub amount: Amount,
    /// The shop's invoice number (`InvoiceID`), by which `OpStateExt` finds it.
    #[serde(default)]
    pub invoice_id: Option<String>,
}

/// Yandex Pay: the API key, the orders, and where notifications go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YandexPayScenario {
    /// The merchant's API key.
    pub api_key: String,
    /// Seconds an operation stays `PENDING` before `SUCCESS`.
    #[serde(default = "five")]
    pub settle_seconds: u64,
    /// Orders.
    pub orders: Vec<YandexPayOrder>,
    /// Where `OPERATION_STATUS_UPDATED` is posted, if anywhere.
    #[serde(default)]
    pub notify_url: Option<String>,
    /// The P-256 key notifications are signed with (PKCS#8 DER, relative to the scenario);
    /// without one, none are produced.
    #[serde(default)]
    pub signing_key: Option<PathBuf>,
    /// The `kid` of that key.
    #[serde(default = "default_kid")]
    pub kid: String,
    /// Milliseconds between the attempts to deliver a notification the shop did not answer
    /// with a 2xx (or did not answer): the first is posted when the operation settles, the
    /// next after each of these in turn, then no more. Yandex Pay's webhook page says it
    /// repeats until answered without a schedule refundkit could confirm, so the default is
    /// refundkit's (1 s, 5 s, 30 s, 1 min, 5 min, 30 min, 1 h); a test compresses it.
    #[serde(default = "default_notify_retry_ms")]
    pub notify_retry_ms: Vec<u64>,
    /// The shop's `merchantId`, which its notifications carry (what `webhook::verify_for`
    /// checks).
    #[serde(default = "default_merchant_id")]
    pub merchant_id: String,
}

/// A Yandex Pay order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YandexPayOrder {
    /// `orderId`.
    pub order_id: String,
    /// What the order amounts to now (a decimal string).
    #[serde(deserialize_with = "amount")]
    pub amount: Amount,
    /// Its payment status (`CAPTURED` unless said).
    #[serde(default = "captured")]
    pub status: String,
}

/// YooKassa MWS: the shop's certificate and its payments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YookassaScenario {
    /// The certificate YooKassa issued to the shop (PEM, relative to the scenario).
    pub shop_certificate: PathBuf,
    /// How many times the same returnPayment is answered status 1 before status 0.
    #[serde(default)]
    pub in_progress_repeats: u32,
    /// Payments.
    pub payments: Vec<YookassaPayment>,
}

/// A YooKassa payment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YookassaPayment {
    /// `invoiceId`.
    pub invoice_id: String,
    /// `shopId`.
    pub shop_id: String,
    /// What was paid (a decimal string).
    #[serde(deserialize_with = "amount")]
    pub amount: Amount,
}

/// An RBS gateway: the merchant's credentials and its orders.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RbsScenario {
    /// `userName`.
    pub user_name: String,
    /// `password`.
    pub password: String,
    /// `token`, accepted instead of the pair.
    #[serde(default)]
    pub token: Option<String>,
    /// Orders.
    pub orders: Vec<RbsOrder>,
}

/// An RBS order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RbsOrder {
    /// `orderId`.
    pub order_id: String,
    /// What was deposited, in minor units.
    pub deposited: u64,
}

/// A fault: the `nth` request (from 1) at `provider` whose path ends with the segments of
/// `path` (`{id}` standing for any one segment) is answered so.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// `robokassa`, `yandex-pay`, `yookassa`, `rbs`.
    pub provider: String,
    /// The last segments of the path (`refund.do`, `/refund`, `returnPayment`,
    /// `Refund/Create`, `operations/{id}`).
    pub path: String,
    /// Which matching request, from 1.
    #[serde(default = "one")]
    pub nth: u32,
    /// What happens.
    pub fault: FaultKind,
    /// For `delay`: milliseconds.
    #[serde(default)]
    pub ms: u64,
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FaultKind {
    /// The provider acts on the request and its answer is lost (the connection is closed).
    AnswerLost,
    /// A 500 with an empty body; the request is not acted on.
    #[serde(rename = "http-500")]
    Http500,
    /// A 502 HTML page from a proxy; the request is not acted on.
    ProxyHtml,
    /// The provider acts, and answers after the fault's `ms`.
    Delay,
    /// The request never reaches the provider (the connection is closed before it is
    /// read): nothing is done and nothing answers, so a status lookup finds no such refund.
    RequestLost,
    /// A proxy in front of the provider answers 200 with its own HTML page (an anti-bot
    /// challenge) and does not forward the request: an answer that states nothing, about a
    /// refund the provider never saw.
    ChallengePage,
}

/// An amount written as a decimal string (`"601.00"`): never through a float.
fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    let text = String::deserialize(d)?;
    Amount::parse_decimal(&text).map_err(serde::de::Error::custom)
}

fn five() -> u64 {
    5
}

fn one() -> u32 {
    1
}

fn captured() -> String {
    "CAPTURED".into()
}

fn default_notify_retry_ms() -> Vec<u64> {
    vec![1_000, 5_000, 30_000, 60_000, 300_000, 1_800_000, 3_600_000]
}

fn default_merchant_id() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}

fn default_kid() -> String {
    "1-merchant-api".into()
}

/// Why a scenario is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The JSON does not read. The value serde quotes is left out (`…`): it may be a
    /// password.
    #[error("scenario: {0}")]
    Json(refundkit_core::DecodeError),
    /// A field breaks a rule of the scenario format.
    #[error("scenario: {field}: {detail}")]
    Invalid {
        /// The field's path (`rbs.orders[1].order_id`, `faults[0].nth`).
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// A file it names does not read.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl From<refundkit_core::DecodeError> for ScenarioError {
    fn from(mut e: refundkit_core::DecodeError) -> Self {
        e.detail = without_quoted_values(&e.detail);
        ScenarioError::Json(e)
    }
}

/// serde quotes the offending value between backticks (`` invalid type: integer `1234` ``):
/// in a scenario that value may be a password, so it is left out.
fn without_quoted_values(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut inside = false;
    for c in detail.chars() {
        if c == '`' {
            if !inside {
                out.push('…');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The method paths of each provider a fault may name (by their end).
const METHODS: &[(&str, &[&str])] = &[
    (
        "robokassa",
        &["/Refund/Create", "/Refund/GetState", "/OpStateExt"],
    ),
    (
        "yandex-pay",
        &[
            "/api/merchant/v1/orders/{id}/refund",
            "/api/merchant/v2/orders/{id}/refund",
            "/api/merchant/v1/orders/{id}",
            "/api/merchant/v1/operations/{id}",
        ],
    ),
    ("yookassa", &["/returnPayment", "/listReturns"]),
    (
        "rbs",
        &[
            "/refund.do",
            "/getOrderStatusExtended.do",
            "/getOrderStatus.do",
        ],
    ),
];

/// Whether `path` ends with the segments of `pattern`, a pattern segment `{id}` standing for
/// any one segment: how a fault names a method, the one rule for checking a scenario (against
/// the methods' own paths, where `{id}` is only matched by `{id}`) and for serving (against the
/// path a request came to).
pub(crate) fn ends_with_segments(path: &str, pattern: &str) -> bool {
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    pattern.len() <= path.len()
        && path
            .iter()
            .rev()
            .zip(pattern.iter().rev())
            .all(|(segment, wanted)| *wanted == "{id}" || segment == wanted)
}

impl Fault {
    /// Whether this fault names the method at `path` (a request's path).
    pub(crate) fn names(&self, path: &str) -> bool {
        ends_with_segments(path, &self.path)
    }

    /// A fault from its flag form, `PROVIDER:PATH:NTH:KIND[:MS]`
    /// (`rbs:refund.do:1:answer-lost`, `robokassa:Refund/Create:2:delay:250`).
    pub fn parse(spec: &str) -> Result<Fault, ScenarioError> {
        let bad = |detail: &str| ScenarioError::Invalid {
            field: "--fault".into(),
            detail: format!("{spec:?}: {detail} (PROVIDER:PATH:NTH:KIND[:MS])"),
        };
        let parts: Vec<&str> = spec.split(':').collect();
        let (provider, path, nth, kind, ms) = match parts.as_slice() {
            [p, path, n, k] => (*p, *path, *n, *k, None),
            [p, path, n, k, ms] => (*p, *path, *n, *k, Some(*ms)),
            _ => return Err(bad("four or five parts")),
        };
        let nth = nth.parse::<u32>().map_err(|_| bad("NTH is a number"))?;
        let fault: FaultKind = serde_json::from_value(serde_json::Value::String(kind.into()))
            .map_err(|_| bad("KIND is answer-lost, request-lost, http-500, proxy-html, challenge-page or delay"))?;
        let ms = ms
            .map(str::parse::<u64>)
            .transpose()
            .map_err(|_| bad("MS is a number"))?
            .unwrap_or(0);
        let fault = Fault {
            provider: provider.into(),
            path: path.into(),
            nth,
            fault,
            ms,
        };
        fault.check("--fault")?;
        Ok(fault)
    }

    fn check(&self, field: &str) -> Result<(), ScenarioError> {
        let invalid = |what: &str, detail: String| ScenarioError::Invalid {
            field: format!("{field}{what}"),
            detail,
        };
        let Some((_, methods)) = METHODS.iter().find(|(p, _)| *p == self.provider) else {
            return Err(invalid(
                ".provider",
                format!(
                    "{:?} is none of robokassa, yandex-pay, yookassa, rbs",
                    self.provider
                ),
            ));
        };
        if self.path.is_empty() || !methods.iter().any(|m| self.names(m)) {
            return Err(invalid(
                ".path",
                format!(
                    "{:?} ends none of {}'s methods ({})",
                    self.path,
                    self.provider,
                    methods.join(", ")
                ),
            ));
        }
        if self.nth == 0 {
            return Err(invalid(".nth", "counts from 1".into()));
        }
        Ok(())
    }
}

impl Scenario {
    /// Reads a scenario; relative file names are resolved against `dir`. Every rule of the
    /// format is checked (see [`Scenario::check`]).
    pub fn from_json(json: &[u8], dir: &Path) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = refundkit_core::json::decode(json)?;
        scenario.dir = dir.to_path_buf();
        scenario.check()?;
        Ok(scenario)
    }

    /// The rules a scenario must keep: ids unique in each list, faults naming a provider, one
    /// of its methods and an `nth` from 1, a `notify_url` that is an http(s) URL. Files are
    /// checked where they are read ([`crate::Sim::new`]).
    pub fn check(&self) -> Result<(), ScenarioError> {
        fn unique<'a>(
            list: &str,
            id: &str,
            ids: impl Iterator<Item = &'a str>,
        ) -> Result<(), ScenarioError> {
            let mut seen: Vec<&str> = Vec::new();
            for (i, value) in ids.enumerate() {
                if seen.contains(&value) {
                    return Err(ScenarioError::Invalid {
                        field: format!("{list}[{i}].{id}"),
                        detail: format!("{value:?} is given twice"),
                    });
                }
                seen.push(value);
            }
            Ok(())
        }
        if let Some(r) = &self.robokassa {
            unique(
                "robokassa.operations",
                "op_key",
                r.operations.iter().map(|o| o.op_key.as_str()),
            )?;
        }
        if let Some(y) = &self.yandex_pay {
            unique(
                "yandex_pay.orders",
                "order_id",
                y.orders.iter().map(|o| o.order_id.as_str()),
            )?;
            if let Some(url) = &y.notify_url {
                let ok = url.parse::<http::Uri>().ok().is_some_and(|u| {
                    matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
                });
                if !ok {
                    return Err(ScenarioError::Invalid {
                        field: "yandex_pay.notify_url".into(),
                        detail: format!("{url:?} is not an http(s) URL"),
                    });
                }
            }
        }
        if let Some(k) = &self.yookassa {
            unique(
                "yookassa.payments",
                "invoice_id",
                k.payments.iter().map(|p| p.invoice_id.as_str()),
            )?;
        }
        if let Some(r) = &self.rbs {
            unique(
                "rbs.orders",
                "order_id",
                r.orders.iter().map(|o| o.order_id.as_str()),
            )?;
        }
        for (i, fault) in self.faults.iter().enumerate() {
            fault.check(&format!("faults[{i}]"))?;
        }
        Ok(())
    }

    /// The JSON of a built-in scenario.
    pub fn builtin_json(name: &str) -> Option<&'static [u8]> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, json)| *json)
    }

    /// A built-in scenario (see [`BUILTIN`]), its files embedded.
    pub fn builtin(name: &str) -> Option<Result<Scenario, ScenarioError>> {
        let (_, json) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Some(Scenario::from_json(json, Path::new("")).map(|mut s| {
            s.files = BUILTIN_FILES.to_vec();
            s
        }))
    }

    /// Reads a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|e| ScenarioError::File {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        Scenario::from_json(&bytes, path.parent().unwrap_or(Path::new(".")))
    }

    /// A file the scenario names.
    pub(crate) fn read(&self, name: &Path) -> Result<Vec<u8>, ScenarioError> {
        if let Some((_, bytes)) = self.files.iter().find(|(n, _)| Path::new(n) == name) {
            return Ok(bytes.to_vec());
        }
        let path = self.dir.join(name);
        std::fs::read(&path).map_err(|e| ScenarioError::File {
            path,
            detail: e.to_string(),
        })
    }
}
