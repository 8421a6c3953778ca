//! The adapter contract: what the facade asks of each provider ([`Provider`]) and the types
//! its methods take and give. Below the adapters (`providers/*`) and the registry; above the
//! description, the credentials and the refund they build.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path as FilePath;
use std::time::SystemTime;

use refundkit_core::conformance::{self, VectorResult};
use refundkit_core::{
    Amount, DecodeError, DecodeErrorKind as Kind, Outcome, Path, Report, Severity, Verdict,
};

use crate::credentials::store::Credentials;
use crate::credentials::store::{CredentialError, Given, Input};
use crate::description::{Environment, RefundDescription, Typed, plan_codes};
use crate::id::ProviderId;

/// What fills a reference a description leaves out ([`Provider::fillable`]). Not
/// `#[non_exhaustive]`: a journal that fills references must hear of a new way to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The shop's id of the refund.
    RefundId,
    /// The next number of a sequence shared by every instance of the shop.
    Sequence,
}

/// One provider, as the facade sees it.
pub trait Provider: Sync {
    /// Its name: the CLI's provider argument and its `testdata/` directory (`yandex-pay`).
    fn name(&self) -> &'static str;

    /// It, by type.
    fn id(&self) -> ProviderId;

    /// The names of the references to the payment it reads from a description.
    fn references(&self) -> &'static [&'static str];

    /// The references a journal fills when a description has none, and with what: the
    /// shop's id of the refund (an idempotency key the provider honours), or a number from
    /// the journal's sequence (unique and increasing across every instance sharing it).
    fn fillable(&self) -> &'static [(&'static str, Fill)] {
        &[]
    }

    /// The inputs its credential is read from: flags of the command line and the
    /// `REFUNDKIT_*` variables beside them ([`crate::credentials`]).
    fn credential_inputs(&self) -> &'static [Input];

    /// Turns what its inputs gave into its credential, inserted in `into`.
    fn insert_credentials(
        &self,
        given: &Given<'_>,
        into: &mut Credentials,
    ) -> Result<(), CredentialError>;

    /// Whether `credentials` hold what its requests need.
    fn has_credentials(&self, credentials: &Credentials) -> bool;

    /// Inserts its clearly marked sample credential (the one `refundkit serve`'s built-in
    /// scenario takes; [`crate::samples`]).
    fn insert_samples(&self, into: &mut Credentials);

    /// Whether its requests authenticate by a TLS client certificate (YooKassa MWS): a
    /// transport sends them with the shop's TLS identity, or not at all.
    fn needs_client_certificate(&self) -> bool {
        false
    }

    /// Whether its request carries a line's marking code (`marking_code` in a description);
    /// `plan` notes it for the providers whose request does not.
    fn carries_marking_codes(&self) -> bool {
        false
    }

    /// Its settings in a description, each with what it chooses.
    fn settings(&self) -> &'static [(&'static str, &'static str)];

    /// Its request for the described refund, validated by its own rules, and the notes where
    /// it cannot follow the description exactly.
    fn plan(&self, context: &Context<'_>) -> ProviderPlan;

    /// What `message` is, when it is one of this provider's requests or answers.
    fn inspect(&self, message: &Message<'_>) -> Option<Inspection>;

    /// A copy of a request this provider's crate built, its secrets replaced, for logs.
    fn redacted(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>>;

    /// A copy of a request for keeping (a transcript, a journal's record of what was sent):
    /// [`Provider::redacted`], and without what would let whoever holds the copy send the
    /// request again (a signed token that never expires loses its signature).
    fn recorded(&self, request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
        self.redacted(request)
    }

    /// Runs the golden vectors of `dir` (its `vectors.json`).
    fn conformance(&self, dir: &FilePath) -> Result<Vec<VectorResult>, conformance::Error>;

    /// What an answer to one of this provider's requests reads as (the request's path tells
    /// the method): the method's name and the reading (verdict, code, text, and the method's
    /// own fields). `None` when the path is none of this provider's methods.
    fn read_answer(
        &self,
        path: &str,
        http_status: u16,
        body: &[u8],
    ) -> Option<(&'static str, serde_json::Value)>;

    /// The golden vectors of `dir` as the portable suite's tests (`refundkit vectors export`):
    /// each with its operation, raw input, expected reading and source.
    fn export(
        &self,
        dir: &FilePath,
    ) -> Result<Vec<conformance::export::Exported>, conformance::Error>;
}

/// What a provider's adapter is given to plan its request.
pub struct Context<'a> {
    /// The provider planned.
    pub provider: &'static str,
    /// The description as written (references, cause).
    pub description: &'a RefundDescription,
    /// The description typed.
    pub refund: &'a Typed,
    /// Every credential given.
    pub credentials: &'a Credentials,
    /// This provider's settings (empty when none).
    pub settings: &'a BTreeMap<String, String>,
    /// The environment.
    pub environment: Environment,
    /// When the plan is made (the default request time where a provider needs one).
    pub now: SystemTime,
}

impl Context<'_> {
    /// A reference of the description.
    pub fn reference(&self, name: &str) -> Option<&str> {
        self.description.references.get(name).map(String::as_str)
    }

    /// A setting of this provider.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings.get(name).map(String::as_str)
    }

    /// Refuses a setting of this provider that is not in `known`.
    pub fn only_settings(&self, known: &[&str]) -> Result<(), DecodeError> {
        match self.settings.keys().find(|n| !known.contains(&n.as_str())) {
            None => Ok(()),
            Some(name) => Err(DecodeError::new(
                Kind::UnknownField,
                format!("settings.{}.{name}", self.provider),
                format_args!(
                    "not a setting of {}; it takes {}",
                    self.provider,
                    known.join(", ")
                ),
            )),
        }
    }

    /// The provider's endpoint: `custom` of the `base_url` setting when given, else `known`
    /// (chosen by the caller from the environment).
    pub fn endpoint<T>(
        &self,
        known: impl FnOnce() -> T,
        custom: impl FnOnce(&str) -> Result<T, refundkit_core::EndpointError>,
    ) -> Result<T, DecodeError> {
        match self.setting("base_url") {
            None => Ok(known()),
            Some(url) => custom(url).map_err(|e| {
                DecodeError::new(
                    Kind::Value,
                    format!("settings.{}.base_url", self.provider),
                    e,
                )
            }),
        }
    }

    /// The setting `name` read as one of `values`, by name; `None` when not given.
    pub fn setting_of<T: Copy>(
        &self,
        name: &str,
        values: &[(&str, T)],
    ) -> Result<Option<T>, DecodeError> {
        let Some(given) = self.setting(name) else {
            return Ok(None);
        };
        match values.iter().find(|(n, _)| *n == given) {
            Some((_, v)) => Ok(Some(*v)),
            None => {
                let known: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
                Err(DecodeError::new(
                    Kind::Value,
                    format!("settings.{}.{name}", self.provider),
                    format_args!("{given:?} is not one of {}", known.join(", ")),
                ))
            }
        }
    }
}

/// One provider's part of the plan.
#[derive(Debug)]
pub struct ProviderPlan {
    /// The provider's name ([`crate::providers::Provider::name`]).
    pub provider: &'static str,
    /// The ready request, when it could be built: the refund's own request, built from
    /// [`ProviderPlan::refund`] with the credentials given.
    pub request: Option<http::Request<Vec<u8>>>,
    /// The refund as a state machine, when its request validated (with or without
    /// credentials): what drives it to a final state ([`crate::Refund`]).
    pub refund: Option<crate::refund::Refund>,
    /// The sum this request refunds.
    pub refunded: Option<Amount>,
    /// The provider's validation of its own request, and the plan's notes.
    pub report: Report,
    /// Why the provider was not planned (its references are not in the description).
    pub skipped: Option<String>,
}

impl ProviderPlan {
    /// A provider that plans nothing: its references are not in the description.
    pub fn skipped(provider: &'static str, why: impl Into<String>) -> Self {
        ProviderPlan {
            provider,
            request: None,
            refund: None,
            refunded: None,
            report: Report::new(),
            skipped: Some(why.into()),
        }
    }

    /// A provider that cannot plan this refund: one error at `field`.
    pub fn failed(
        provider: &'static str,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        let mut report = Report::new();
        report.error(&Path::ROOT.field(field), code, message);
        ProviderPlan {
            provider,
            request: None,
            refund: None,
            refunded: None,
            report,
            skipped: None,
        }
    }

    /// A provider whose settings are wrong: the error, with no request.
    pub fn bad_setting(provider: &'static str, error: &DecodeError) -> Self {
        ProviderPlan::failed(
            provider,
            &error.path,
            plan_codes::SETTING,
            error.detail.clone(),
        )
    }
}

/// A plan note at `field` (a provider's name): where it cannot follow the description exactly.
pub fn note(report: &mut Report, field: &str, message: impl Into<String>) {
    report.info(&Path::ROOT.field(field), plan_codes::PLAN_NOTE, message);
}

/// A provider's violations of a request made from a description, each that `from` names (by
/// code) moved to the description's path it came from ([`Report::relocate`]): an error names
/// what the user wrote, never the provider's field alone.
pub fn from_description(
    mut report: Report,
    request: &str,
    from: &[(&'static str, &'static str)],
) -> Report {
    report.relocate(request, |v| {
        from.iter()
            .find(|(code, _)| *code == v.code)
            .map(|(_, place)| *place)
    });
    report
}

/// Records a request that was valid but could not be signed or built, with the provider's
/// error: a plan never drops one silently.
pub fn not_built(report: &mut Report, provider: &str, error: impl fmt::Display) {
    report.error(
        &Path::ROOT.field(provider),
        plan_codes::NOT_BUILT,
        error.to_string(),
    );
}

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// What the input is: the provider's name and the message's (`<provider> token`).
    pub kind: String,
    /// What was decoded, one fact a line.
    pub details: Vec<String>,
    /// Every violation found.
    pub report: Report,
    /// Whether the input decoded (a refusal from a provider decodes fine).
    pub decoded: bool,
    /// For a provider's answer, what it states: a success only when the body says so in that
    /// method's documented shape.
    pub answer: Option<Verdict>,
}

impl Inspection {
    /// A message of `kind` that decoded; details and violations are added after.
    pub fn new(kind: &str) -> Self {
        Inspection {
            kind: kind.to_owned(),
            details: Vec::new(),
            report: Report::new(),
            decoded: true,
            answer: None,
        }
    }

    /// A decoded request and its provider's violations.
    pub fn request(kind: &str, report: Report) -> Self {
        let mut i = Inspection::new(kind);
        i.report = report;
        i
    }

    /// An answer: its one-line summary, and why it is malformed when it is.
    pub fn answer<T, C>(kind: &str, outcome: &Outcome<T, C>, summary: String) -> Self {
        let mut i = Inspection::new(kind);
        i.details.push(summary);
        match outcome {
            Outcome::Malformed(m) => i.details.push(format!("not a documented answer: {m}")),
            Outcome::Refused(r) => {
                if let Some(text) = &r.text {
                    i.details.push(format!("text: {text}"));
                }
            }
            _ => {}
        }
        i.answer = Some(outcome.verdict());
        i
    }

    /// A message of `kind` that does not decode, and why.
    pub fn failed(kind: &str, why: impl std::fmt::Display) -> Self {
        let mut i = Inspection::new(kind);
        i.decoded = false;
        i.details.push(format!("does not decode: {why}"));
        i
    }

    /// Decoded and without errors; for an answer, a stated success.
    pub fn is_valid(&self) -> bool {
        self.decoded
            && !self.report.has_errors()
            && self.answer.is_none_or(|v| v == Verdict::Success)
    }
}

/// The form of an input, told from its first bytes: what a provider's adapter looks at.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Message<'a> {
    /// A JSON object, with its members.
    Json {
        /// The bytes.
        bytes: &'a [u8],
        /// Its members.
        members: &'a serde_json::Map<String, serde_json::Value>,
    },
    /// A JSON string's value.
    JsonString(&'a str),
    /// XML (not an HTML page).
    Xml(&'a [u8]),
    /// A cryptographic container: PEM (`-----BEGIN`) or DER/BER.
    Container(&'a [u8]),
    /// Any other UTF-8 text, trimmed.
    Text(&'a str),
}

impl Message<'_> {
    /// A JSON object with member `name`.
    pub fn has(&self, name: &str) -> bool {
        matches!(self, Message::Json { members, .. } if members.contains_key(name))
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kind: {}", self.kind)?;
        for d in &self.details {
            writeln!(f, "  {d}")?;
        }
        for v in self.report.violations() {
            writeln!(f, "  {v}")?;
        }
        let verdict = if let Some(answer) = self.answer {
            answer.as_str()
        } else if !self.decoded {
            "malformed"
        } else if self.report.has_errors() {
            "invalid"
        } else if self
            .report
            .violations()
            .iter()
            .any(|v| v.severity == Severity::Warning)
        {
            "valid, with warnings"
        } else {
            "valid"
        };
        write!(f, "verdict: {verdict}")
    }
}
