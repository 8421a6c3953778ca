//! One refund described once in shop terms: the original order, what is refunded, each
//! provider's references and settings ([`RefundDescription`]), and its typed form
//! ([`Typed`]). Pure data and its checks: nothing here knows a provider.

use std::collections::BTreeMap;
use std::fmt;

use refundkit_core::{
    Amount, DecodeError, DecodeErrorKind as Kind, PaymentMethod, PaymentSubject, Quantity, VatRate,
};
use serde::{Deserialize, Serialize};

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
    /// Payment subject (`"commodity"`; `"marked_commodity"` for marked goods).
    pub payment_subject: String,
    /// The marking code of a marked good, as printed on it (FFD tag 2000: the DataMatrix text,
    /// GS separators written `\u001d`), one line per code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking_code: Option<String>,
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
    /// The marking code, for a marked good.
    pub marking_code: Option<String>,
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
                marking_code: None,
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
            // A marking code carries GS separators: its own form, not plain text.
            if let Some(code) = &l.marking_code
                && !refundkit_core::fiscal::is_marking_code_form(code)
            {
                return Err(DecodeError::new(
                    Kind::Value,
                    format!("order.lines[{i}].marking_code"),
                    "a marking code as printed: printable ASCII and GS separators, at most 256 bytes",
                ));
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

    /// A description from its JSON (the format is in the guide: `refundkit::guide::a_refund_by_hand`): unknown fields refused, the
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
                marking_code: l.marking_code.clone(),
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
