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
}

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

/// A fault: the `nth` request (from 1) whose path ends with `path` at `provider` is answered
/// so.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// `robokassa`, `yandex-pay`, `yookassa`, `rbs`.
    pub provider: String,
    /// The end of the path (`refund.do`, `/refund`, `returnPayment`, `Refund/Create`).
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

fn default_kid() -> String {
    "1-merchant-api".into()
}

/// Why a scenario is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The JSON does not read.
    #[error("scenario: {0}")]
    Json(#[from] refundkit_core::DecodeError),
    /// A file it names does not read.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

impl Scenario {
    /// Reads a scenario; relative file names are resolved against `dir`.
    pub fn from_json(json: &[u8], dir: &Path) -> Result<Scenario, ScenarioError> {
        let mut scenario: Scenario = refundkit_core::json::decode(json)?;
        scenario.dir = dir.to_path_buf();
        Ok(scenario)
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
        let path = self.dir.join(name);
        std::fs::read(&path).map_err(|e| ScenarioError::File {
            path,
            detail: e.to_string(),
        })
    }
}
