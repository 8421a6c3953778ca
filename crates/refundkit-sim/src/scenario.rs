//! The scenario file: what each emulated provider holds before the first request (payments
//! and orders, the shop's credentials or certificate), how its asynchrony is paced, and which
//! faults to inject.

use std::path::{Path, PathBuf};

use refundkit_core::Amount;
use serde::Deserialize;

/// A scenario, as read from JSON: one section per emulated provider, under the name of its
/// module in the registry (`robokassa`, `yandex_pay`, `yookassa`, `rbs`, …), each read by its
/// emulator; and the faults. Every provider is optional; a request to one that is absent is
/// answered 404.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The providers' sections, in the order given.
    pub(crate) sections: Vec<(String, serde_json::Value)>,
    /// Faults to inject.
    pub faults: Vec<Fault>,
    /// Where relative file names in the scenario are read from (the scenario's directory;
    /// set by [`Scenario::from_file`]).
    pub dir: PathBuf,
    /// Files held in memory, by the name the scenario gives them: a built-in scenario's,
    /// which needs no checkout beside the binary.
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
/// day: every documented request answered as the provider would), `lost-answer` (the same,
/// with the first refund.do's answer lost) and `demo` (the sample order with a fault at every
/// provider and refunds that settle in a second: `refundkit demo`'s).
pub const BUILTIN: &[(&str, &[u8])] = &[
    (
        "sample",
        include_bytes!("../../../testdata/sim/sample-scenario.json"),
    ),
    (
        "lost-answer",
        include_bytes!("../../../testdata/sim/lost-answer.json"),
    ),
    (
        "demo",
        include_bytes!("../../../testdata/sim/demo-scenario.json"),
    ),
];

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
/// An amount written as a decimal string.
pub(crate) fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    let text = String::deserialize(d)?;
    Amount::parse_decimal(&text).map_err(serde::de::Error::custom)
}

pub(crate) fn five() -> u64 {
    5
}

fn one() -> u32 {
    1
}

/// A provider's section of a scenario, read as its emulator's type, errors naming the field
/// below the section's key (`rbs.orders[0].deposited`).
pub(crate) fn section<T: serde::de::DeserializeOwned>(
    key: &str,
    value: &serde_json::Value,
) -> Result<T, ScenarioError> {
    refundkit_core::json::decode(value.to_string().as_bytes())
        .map_err(|e: refundkit_core::DecodeError| ScenarioError::from(e.within(key)))
}

/// Refuses an id given twice in a list (`list[i].id`).
pub(crate) fn unique<'a>(
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
        let Some(methods) = crate::registered()
            .iter()
            .find(|r| r.name == self.provider)
            .map(|r| r.descriptor.methods)
        else {
            let names: Vec<&str> = crate::registered().iter().map(|r| r.name).collect();
            return Err(invalid(
                ".provider",
                format!("{:?} is none of {}", self.provider, names.join(", ")),
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
        let object: serde_json::Map<String, serde_json::Value> =
            refundkit_core::json::decode(json)?;
        let mut scenario = Scenario {
            sections: Vec::new(),
            faults: Vec::new(),
            dir: dir.to_path_buf(),
            files: Vec::new(),
        };
        for (key, value) in object {
            if key == "faults" {
                scenario.faults = section("faults", &value)?;
            } else if crate::registered().iter().any(|r| r.key == key) {
                scenario.sections.push((key, value));
            } else {
                let keys: Vec<&str> = crate::registered().iter().map(|r| r.key).collect();
                return Err(ScenarioError::Invalid {
                    field: key,
                    detail: format!("not a section of a scenario ({}, faults)", keys.join(", ")),
                });
            }
        }
        scenario.check()?;
        Ok(scenario)
    }

    /// The rules a scenario must keep: each provider's section as its emulator reads it (ids
    /// unique in each list, a `notify_url` that is an http(s) URL), faults naming a provider,
    /// one of its methods and an `nth` from 1. Files are checked where they are read
    /// ([`crate::Sim::new`]).
    pub fn check(&self) -> Result<(), ScenarioError> {
        for (key, value) in &self.sections {
            if let Some(r) = crate::registered().iter().find(|r| r.key == key) {
                (r.descriptor.check)(value)?;
            }
        }
        for (i, fault) in self.faults.iter().enumerate() {
            fault.check(&format!("faults[{i}]"))?;
        }
        Ok(())
    }

    /// The section of the provider whose scenario key is `key`, if the scenario has one.
    pub(crate) fn section_of(&self, key: &str) -> Option<&serde_json::Value> {
        self.sections.iter().find(|(k, _)| k == key).map(|(_, v)| v)
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
