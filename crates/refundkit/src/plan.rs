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
//! rates, payment methods and subjects are the core's canonical names ([`VatRate`](refundkit_core::VatRate),
//! [`PaymentMethod`](refundkit_core::PaymentMethod), [`PaymentSubject`](refundkit_core::PaymentSubject)).
//!
//! Nothing here reads the clock: the caller passes the instant the plan is made at.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use refundkit_core::{Amount, DecodeError, DecodeErrorKind as Kind, Path, Report, codes};

pub use crate::adapter::{Context, ProviderPlan, not_built, note};
pub use crate::credentials::store::{Credential, Credentials};
pub use crate::description::{
    Environment, Line, Order, RefundDescription, SelectedLine, Selection, Settings, Shipping,
    ShippingLine, Typed, TypedLine, plan_codes,
};
use crate::providers;

impl ProviderPlan {
    /// The request with its secrets replaced, by its provider's own rule, for printing.
    pub fn redacted_request(&self) -> Option<http::Request<Vec<u8>>> {
        let request = self.request.as_ref()?;
        Some(providers::find(self.provider).map_or_else(
            || refundkit_core::copy_request(request),
            |p| p.redacted(request),
        ))
    }
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
    which: &[crate::id::ProviderId],
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
            let mut plan = p.plan(&Context {
                provider: p.name(),
                description: desc,
                refund: &typed,
                credentials,
                settings: desc.settings.providers.get(p.name()).unwrap_or(&none),
                environment: desc.settings.environment,
                now,
            });
            // Said once, never dropped in silence: a marking code the provider's request here
            // has no field for.
            if !p.carries_marking_codes()
                && plan.skipped.is_none()
                && typed.refunded.iter().any(|l| l.marking_code.is_some())
            {
                let carriers: Vec<&str> = all
                    .iter()
                    .filter(|c| c.carries_marking_codes())
                    .map(|c| c.name())
                    .collect();
                note(
                    &mut plan.report,
                    p.name(),
                    format!(
                        "the refunded lines' marking codes are not in this provider's request \
                         (refundkit carries them to: {})",
                        carriers.join(", ")
                    ),
                );
            }
            plan
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
