//! One refund, described once in shop terms, turned into every provider's request.
//!
//! The description names the original order (lines with unit price, quantity, VAT rate,
//! payment method and subject; shipping), what is refunded (lines and quantities, and the
//! shipping or not; or a plain sum), each provider's references to the payment, and optional
//! settings (the environment, and per provider its host or algorithm). Each provider's adapter
//! in [`crate::providers`] turns it into that provider's request, validated by the provider's
//! own rules. The providers must agree on the refunded sum to the kopeck; where a rule forces
//! a kopeck over, the plan says so.
//!
//! Money in the description is a decimal string (`"100.00"`), quantities too (`"0.574"`); VAT
//! rates, payment methods and subjects are the core's canonical names ([`VatRate`],
//! [`PaymentMethod`], [`PaymentSubject`]).
//!
//! Nothing here reads the clock: the caller passes the instant the plan is made at.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::SystemTime;

use refundkit_core::{
    Amount, DecodeError, DecodeErrorKind as Kind, Path, PaymentMethod, PaymentSubject, Quantity,
    Report, VatRate, codes,
};
use serde::{Deserialize, Serialize};

use crate::providers;

/// The plan's own violation codes.
pub mod plan_codes {
    refundkit_core::violation_codes! {
        /// Where a provider cannot follow the description exactly, said once.
        PLAN_NOTE = "plan_note",
        /// The request could not be signed or built (the provider's error in the message).
        NOT_BUILT = "not_built",
        /// A setting the provider does not have, or a value it does not take.
        SETTING = "setting",
    }
}

/// The whole description (JSON).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RefundDescription {
    /// The original order.
    pub order: Order,
    /// What is refunded.
    pub refund: Selection,
    /// Each provider's references to the payment, by the names its adapter documents
    /// ([`crate::providers`]). A name no provider takes is refused.
    #[serde(default)]
    pub references: BTreeMap<String, String>,
    /// The environment and per-provider settings.
    #[serde(default)]
    pub settings: Settings,
}

/// Where the requests go and how they are signed.
///
/// ```json
/// {"environment": "test", "<provider>": {"<setting>": "<value>"}}
/// ```
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Settings {
    /// Production (the default) or each provider's test host.
    #[serde(default)]
    pub environment: Environment,
    /// Per provider, its settings by name (each adapter documents its own).
    #[serde(flatten)]
    pub providers: BTreeMap<String, BTreeMap<String, String>>,
}

impl Settings {
    /// Sets `provider.name` to `value` (the form of `refundkit plan --setting`).
    pub fn set(&mut self, assignment: &str) -> Result<(), DecodeError> {
        let bad = |why| {
            DecodeError::new(
                Kind::Syntax,
                "settings",
                format_args!("{assignment:?}: {why}"),
            )
        };
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| bad("expected provider.name=value"))?;
        let (provider, name) = key
            .split_once('.')
            .ok_or_else(|| bad("expected provider.name=value"))?;
        self.providers
            .entry(provider.to_owned())
            .or_default()
            .insert(name.to_owned(), value.to_owned());
        Ok(())
    }
}

/// Which of a provider's hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Environment {
    /// The production hosts.
    #[default]
    Production,
    /// Each provider's test host (a sandbox, a demo host, a bank's test gateway); a provider
    /// without one keeps production and says so in its notes.
    Test,
}

impl std::str::FromStr for Environment {
    type Err = DecodeError;
    fn from_str(s: &str) -> Result<Self, DecodeError> {
        match s {
            "production" => Ok(Environment::Production),
            "test" => Ok(Environment::Test),
            _ => Err(DecodeError::new(
                Kind::Value,
                "settings.environment",
                format_args!("{s:?} is not one of production, test"),
            )),
        }
    }
}

/// The original order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Its lines.
    pub lines: Vec<Line>,
    /// Its shipping, if any.
    #[serde(default)]
    pub shipping: Option<ShippingLine>,
}

/// One order line.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// The shop's product id (unique in the order).
    pub id: String,
    /// The name on the receipt.
    pub name: String,
    /// Price of one unit (`"100.00"`).
    pub unit_price: String,
    /// Quantity bought (`"3"`, `"0.574"`).
    pub quantity: String,
    /// VAT rate (`"22"`, `"22/122"`, `"none"`).
    pub vat: String,
    /// Payment method (`"full_payment"`).
    pub payment_method: String,
    /// Payment subject (`"commodity"`).
    pub payment_subject: String,
}

/// The order's shipping.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingLine {
    /// The name on the receipt.
    pub name: String,
    /// Its price.
    pub amount: String,
    /// VAT rate.
    pub vat: String,
    /// How it is delivered, in the delivery method names of the providers that take one
    /// (`COURIER`, `PICKUP`).
    pub method: String,
}

/// What is refunded.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Lines and quantities (`[{"id": "tea", "quantity": "2"}]`).
    #[serde(default)]
    pub lines: Vec<SelectedLine>,
    /// Refund the shipping too.
    #[serde(default)]
    pub shipping: bool,
    /// Or a plain sum instead of lines (no receipt lines are sent then).
    #[serde(default)]
    pub sum: Option<String>,
    /// Why (sent to providers that take a reason).
    #[serde(default)]
    pub cause: Option<String>,
}

/// A refunded line.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SelectedLine {
    /// The line's id.
    pub id: String,
    /// How many.
    pub quantity: String,
}

/// A line in typed form.
#[derive(Debug, Clone)]
pub struct TypedLine {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit price.
    pub unit_price: Amount,
    /// Quantity (bought, or refunded).
    pub quantity: Quantity,
    /// VAT.
    pub vat: VatRate,
    /// Method.
    pub method: PaymentMethod,
    /// Subject.
    pub subject: PaymentSubject,
}

impl TypedLine {
    /// Unit price x quantity, rounded to kopecks.
    pub fn total(&self) -> Option<Amount> {
        self.unit_price
            .checked_mul(self.quantity)
            .map(Amount::round_to_kopecks)
    }
}

/// The order's shipping in typed form.
#[derive(Debug, Clone)]
pub struct Shipping {
    /// The name on the receipt.
    pub name: String,
    /// Its price.
    pub amount: Amount,
    /// VAT.
    pub vat: VatRate,
    /// How it is delivered, as the description says it.
    pub method: String,
}

/// The description, typed and checked.
#[derive(Debug, Clone)]
pub struct Typed {
    /// All order lines.
    pub lines: Vec<TypedLine>,
    /// The order's shipping.
    pub shipping: Option<Shipping>,
    /// Refunded lines, with refunded quantities.
    pub refunded: Vec<TypedLine>,
    /// Whether the shipping is refunded.
    pub refund_shipping: bool,
    /// A plain sum, when no lines are given.
    pub sum: Option<Amount>,
    /// The refunded sum every provider must agree on.
    pub total: Amount,
}

impl Typed {
    /// The receipt lines of the refund: the refunded lines, then the shipping as a line of
    /// its own when it is refunded (one unit, a service, paid as the first line was). Empty
    /// for a plain sum.
    pub fn receipt_lines(&self) -> Vec<TypedLine> {
        let mut lines = self.refunded.clone();
        if let (true, Some(s)) = (self.refund_shipping, &self.shipping) {
            lines.push(TypedLine {
                id: "shipping".into(),
                name: s.name.clone(),
                unit_price: s.amount,
                quantity: Quantity::ONE,
                vat: s.vat,
                method: self
                    .lines
                    .first()
                    .map_or(PaymentMethod::FullPayment, |l| l.method),
                subject: PaymentSubject::Service,
            });
        }
        lines
    }
}

fn value_error(path: &str, detail: impl fmt::Display) -> DecodeError {
    DecodeError::new(Kind::Value, path, detail)
}

fn amount(text: &str, path: &str) -> Result<Amount, DecodeError> {
    Amount::parse_decimal(text).map_err(|e| value_error(path, format_args!("{text:?}: {e}")))
}

fn quantity(text: &str, path: &str) -> Result<Quantity, DecodeError> {
    Quantity::parse_decimal(text).map_err(|e| value_error(path, format_args!("{text:?}: {e}")))
}

fn name<T: std::str::FromStr<Err = refundkit_core::fiscal::UnknownName>>(
    text: &str,
    path: &str,
) -> Result<T, DecodeError> {
    text.parse().map_err(|e| value_error(path, e))
}

/// Refuses a control character (a line break, a NUL, a terminal escape) in text of the
/// description: none belongs in an id, a name or a reference, and each would reach a
/// provider's form or a person's terminal as something else than it looks.
fn plain(text: &str, path: impl FnOnce() -> String) -> Result<(), DecodeError> {
    match text.chars().position(char::is_control) {
        None => Ok(()),
        Some(at) => Err(DecodeError::new(
            Kind::Value,
            path(),
            format_args!(
                "a control character at character {at}: ids, names and references are plain text"
            ),
        )),
    }
}

impl RefundDescription {
    /// Every text of the description, checked to be plain (no control character), naming the
    /// field of the first that is not.
    fn check_text(&self) -> Result<(), DecodeError> {
        for (i, l) in self.order.lines.iter().enumerate() {
            for (field, text) in [
                ("id", &l.id),
                ("name", &l.name),
                ("unit_price", &l.unit_price),
                ("quantity", &l.quantity),
                ("vat", &l.vat),
                ("payment_method", &l.payment_method),
                ("payment_subject", &l.payment_subject),
            ] {
                plain(text, || format!("order.lines[{i}].{field}"))?;
            }
        }
        if let Some(s) = &self.order.shipping {
            for (field, text) in [
                ("name", &s.name),
                ("amount", &s.amount),
                ("vat", &s.vat),
                ("method", &s.method),
            ] {
                plain(text, || format!("order.shipping.{field}"))?;
            }
        }
        for (i, l) in self.refund.lines.iter().enumerate() {
            plain(&l.id, || format!("refund.lines[{i}].id"))?;
            plain(&l.quantity, || format!("refund.lines[{i}].quantity"))?;
        }
        for (field, text) in [("sum", &self.refund.sum), ("cause", &self.refund.cause)] {
            if let Some(text) = text {
                plain(text, || format!("refund.{field}"))?;
            }
        }
        for (name, value) in &self.references {
            plain(value, || format!("references.{name}"))?;
        }
        for (provider, settings) in &self.settings.providers {
            for (name, value) in settings {
                plain(value, || format!("settings.{provider}.{name}"))?;
            }
        }
        Ok(())
    }

    /// A description from its JSON (the README has the format): unknown fields refused, the
    /// error naming the field's path.
    pub fn from_json(json: &[u8]) -> Result<RefundDescription, DecodeError> {
        refundkit_core::json::decode(json)
    }

    /// Types and checks the description: known names, quantities within the order, and the
    /// refunded sum. The error's path names the field.
    pub fn typed(&self) -> Result<Typed, DecodeError> {
        self.check_text()?;
        if self.order.lines.is_empty() {
            return Err(DecodeError::new(
                Kind::MissingField,
                "order.lines",
                "an order has at least one line: what was paid for is what a refund is \
                 checked against",
            ));
        }
        let mut lines: Vec<TypedLine> = Vec::new();
        for (i, l) in self.order.lines.iter().enumerate() {
            let at = |field: &str| format!("order.lines[{i}].{field}");
            if lines.iter().any(|t| t.id == l.id) {
                return Err(DecodeError::new(
                    Kind::Repeated,
                    at("id"),
                    format_args!("line id {:?} repeated", l.id),
                ));
            }
            lines.push(TypedLine {
                id: l.id.clone(),
                name: l.name.clone(),
                unit_price: amount(&l.unit_price, &at("unit_price"))?,
                quantity: quantity(&l.quantity, &at("quantity"))?,
                vat: name(&l.vat, &at("vat"))?,
                method: name(&l.payment_method, &at("payment_method"))?,
                subject: name(&l.payment_subject, &at("payment_subject"))?,
            });
        }
        let shipping = self
            .order
            .shipping
            .as_ref()
            .map(|s| {
                Ok::<_, DecodeError>(Shipping {
                    name: s.name.clone(),
                    amount: amount(&s.amount, "order.shipping.amount")?,
                    vat: name(&s.vat, "order.shipping.vat")?,
                    method: s.method.clone(),
                })
            })
            .transpose()?;
        let mut refunded = Vec::new();
        for (i, sel) in self.refund.lines.iter().enumerate() {
            let at = |field: &str| format!("refund.lines[{i}].{field}");
            let line = lines.iter().find(|l| l.id == sel.id).ok_or_else(|| {
                value_error(
                    &at("id"),
                    format_args!("refunded line {:?} is not in the order", sel.id),
                )
            })?;
            let q = quantity(&sel.quantity, &at("quantity"))?;
            if q.is_zero() || q > line.quantity {
                return Err(value_error(
                    &at("quantity"),
                    format_args!(
                        "cannot refund {q} of {:?}: the order has {}",
                        sel.id, line.quantity
                    ),
                ));
            }
            refunded.push(TypedLine {
                quantity: q,
                ..line.clone()
            });
        }
        if self.refund.shipping && shipping.is_none() {
            return Err(value_error(
                "refund.shipping",
                "the order has no shipping to refund",
            ));
        }
        let sum = self
            .refund
            .sum
            .as_deref()
            .map(|s| amount(s, "refund.sum"))
            .transpose()?;
        let overflow = || value_error("order", "amounts overflow");
        let total = match sum {
            Some(sum) if refunded.is_empty() && !self.refund.shipping => sum,
            Some(_) => {
                return Err(DecodeError::new(
                    Kind::Structure,
                    "refund.sum",
                    "give lines (and shipping) or a sum, not both",
                ));
            }
            None => {
                let lines = refunded
                    .iter()
                    .try_fold(Amount::ZERO, |acc, l| acc.checked_add(l.total()?))
                    .ok_or_else(overflow)?;
                match (&shipping, self.refund.shipping) {
                    (Some(s), true) => lines.checked_add(s.amount).ok_or_else(overflow)?,
                    _ => lines,
                }
            }
        };
        if total.is_zero() {
            return Err(value_error("refund", "nothing to refund"));
        }
        let paid = lines
            .iter()
            .try_fold(Amount::ZERO, |acc, l| acc.checked_add(l.total()?))
            .and_then(|lines| match &shipping {
                Some(s) => lines.checked_add(s.amount),
                None => Some(lines),
            })
            .ok_or_else(overflow)?;
        if total > paid {
            return Err(value_error(
                if sum.is_some() {
                    "refund.sum"
                } else {
                    "refund"
                },
                format_args!("refunds {total}, more than the order's {paid}"),
            ));
        }
        Ok(Typed {
            lines,
            shipping,
            refunded,
            refund_shipping: self.refund.shipping,
            sum,
            total,
        })
    }
}

/// A credential a provider reads from [`Credentials`]: each adapter in [`crate::providers`]
/// declares its own (a password, an API key, a signing key, the certificates its signed
/// answers are trusted by). Sealed: only these can be inserted, so that a value of another
/// type (a `String` where an API key was meant) fails to compile rather than being kept and
/// ignored.
///
/// ```compile_fail
/// let mut credentials = refundkit::Credentials::new();
/// credentials.insert(String::from("my-api-key")); // not a credential type
/// ```
pub trait Credential: Any + Send + Sync + sealed::Sealed {}

pub(crate) mod sealed {
    /// Implemented by each provider's adapter for the credentials it reads.
    pub trait Sealed {}
}

/// Declares `$t` a credential (in the adapter of the provider that reads it).
macro_rules! credential {
    ($t:ty) => {
        impl $crate::plan::sealed::Sealed for $t {}
        impl $crate::plan::Credential for $t {}
    };
}
pub(crate) use credential;

/// What each provider needs to sign or authenticate, one value per type (each adapter in
/// [`crate::providers`] names its own: a password, an API key, a signing key). A provider
/// without its credential is planned without a request, and its report says so.
///
/// Cloning is cheap and shares the values (a worker and a webhook handler can hold the same
/// credentials).
#[derive(Default, Clone)]
pub struct Credentials {
    by_type: HashMap<TypeId, std::sync::Arc<dyn Any + Send + Sync>>,
}

impl Credentials {
    /// No credentials.
    pub fn new() -> Self {
        Credentials::default()
    }

    /// Adds (or replaces) the credential of type `C`.
    pub fn insert<C: Credential>(&mut self, credential: C) -> &mut Self {
        self.by_type
            .insert(TypeId::of::<C>(), std::sync::Arc::new(credential));
        self
    }

    /// The credential of type `C`, if given.
    pub fn get<C: Credential>(&self) -> Option<&C> {
        self.by_type
            .get(&TypeId::of::<C>())
            .and_then(|c| c.downcast_ref::<C>())
    }
}

impl fmt::Debug for Credentials {
    // Never the values: they are secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({} given)", self.by_type.len())
    }
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
    pub refund: Option<crate::Refund>,
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

    /// The request with its secrets replaced, by its provider's own rule, for printing.
    pub fn redacted_request(&self) -> Option<http::Request<Vec<u8>>> {
        let request = self.request.as_ref()?;
        Some(providers::find(self.provider).map_or_else(
            || refundkit_core::copy_request(request),
            |p| p.redacted(request),
        ))
    }
}

/// A plan note at `field` (a provider's name): where it cannot follow the description exactly.
pub fn note(report: &mut Report, field: &str, message: impl Into<String>) {
    report.info(&Path::ROOT.field(field), plan_codes::PLAN_NOTE, message);
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

/// The plan: every provider's request, and whether they agree.
#[derive(Debug)]
pub struct Plan {
    /// The refunded sum of the description.
    pub total: Amount,
    /// Per provider.
    pub providers: Vec<ProviderPlan>,
    /// Disagreements between providers on the refunded sum.
    pub agreement: Report,
}

/// A warning for each provider whose refunded sum differs from the description's.
pub fn agreement(sums: &[(&str, Amount)], total: Amount) -> Report {
    let mut report = Report::new();
    for (provider, sum) in sums {
        if *sum != total {
            report.warning(
                &Path::ROOT.field(provider),
                codes::SUM_MISMATCH,
                format!("{provider} refunds {sum}, the description {total}"),
            );
        }
    }
    report
}

/// Builds the providers' requests at instant `now`. `which` limits the providers (empty:
/// every one compiled in). A reference or a settings section no provider takes is refused,
/// naming it.
pub fn build(
    desc: &RefundDescription,
    credentials: &Credentials,
    which: &[crate::ProviderId],
    now: SystemTime,
) -> Result<Plan, DecodeError> {
    let all = providers::all();
    for name in desc.references.keys() {
        if !all.iter().any(|p| p.references().contains(&name.as_str())) {
            return Err(DecodeError::new(
                Kind::UnknownField,
                format!("references.{name}"),
                "no provider takes this reference",
            ));
        }
    }
    for name in desc.settings.providers.keys() {
        if providers::find(name).is_none() {
            return Err(DecodeError::new(
                Kind::UnknownField,
                format!("settings.{name}"),
                "not a provider",
            ));
        }
    }
    for id in which {
        if id.adapter().is_none() {
            return Err(DecodeError::new(
                Kind::Value,
                "provider",
                format_args!("{id} is not compiled in (its cargo feature is off)"),
            ));
        }
    }
    let typed = desc.typed()?;
    let none = BTreeMap::new();
    let plans: Vec<ProviderPlan> = all
        .iter()
        .filter(|p| which.is_empty() || which.contains(&p.id()))
        .map(|p| {
            p.plan(&Context {
                provider: p.name(),
                description: desc,
                refund: &typed,
                credentials,
                settings: desc.settings.providers.get(p.name()).unwrap_or(&none),
                environment: desc.settings.environment,
                now,
            })
        })
        .collect();
    let sums: Vec<(&str, Amount)> = plans
        .iter()
        .filter_map(|p| p.refunded.map(|s| (p.provider, s)))
        .collect();
    Ok(Plan {
        total: typed.total,
        agreement: agreement(&sums, typed.total),
        providers: plans,
    })
}

/// The plan as text: per provider, the request with its secrets redacted, and every
/// violation. `refundkit plan` prints exactly this.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "refund total: {}", self.total)?;
        for p in &self.providers {
            if let Some(why) = &p.skipped {
                writeln!(f, "\n== {} not planned: {why}", p.provider)?;
                continue;
            }
            let refunded = p.refunded.map_or_else(|| "-".into(), |a| a.to_string());
            writeln!(f, "\n== {} (refunds {refunded})", p.provider)?;
            for v in p.report.violations() {
                writeln!(f, "  {v}")?;
            }
            if let Some(r) = p.redacted_request() {
                f.write_str(&refundkit_core::http_text::to_text(&r))?;
            }
        }
        if self.agreement.is_empty() {
            writeln!(f, "\nagreement: every provider refunds {}", self.total)
        } else {
            writeln!(f, "\nagreement: the providers differ")?;
            for v in self.agreement.violations() {
                writeln!(f, "  {v}")?;
            }
            Ok(())
        }
    }
}
