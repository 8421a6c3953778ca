//! What YooKassa would refuse in a refund request, checked before it is sent: `payment_id`,
//! the amount's shape (a positive decimal with two places and an ISO 4217 alphabetic
//! currency), `description`'s length, the 54-FZ receipt (a contact, items in the refund's
//! currency with a `vat_code` 1-12, the lines of a partial refund) and the split sources.

use refundkit_core::report::codes;
use refundkit_core::{Amount, AmountRule, Coded, Invalid, Path, Report, Validate, Validated};

use crate::codes as v3_codes;
use crate::types::{Money, PAYMENT_MODE_CODES, PAYMENT_SUBJECT_CODES, RefundRequest};

/// An amount: positive, at most two decimals and ten integer digits.
const AMOUNT: AmountRule = AmountRule {
    positive: true,
    max_places: 2,
    max_integer_digits: 10,
};

/// `description`'s limit (the refund object's reference).
pub const MAX_DESCRIPTION_CHARS: usize = 250;
/// A receipt item's `description` limit.
pub const MAX_ITEM_DESCRIPTION_CHARS: usize = 128;
/// At most this many receipt items.
pub const MAX_ITEMS: usize = 100;

/// What the rules know besides the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The payment's amount (what it captured, less what was refunded): a refund of less is
    /// partial, and its receipt must list its items.
    pub payment_amount: Option<Amount>,
}

/// Whether `id` has the form of a YooKassa object id: 36 characters of lower-case hex digits
/// and dashes (`21740069-000f-50be-b000-0486ffbf45b0`).
pub fn is_object_id_form(id: &str) -> bool {
    id.len() == 36
        && id
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Every violation in `request`, with the rules `context` enables.
pub fn check(request: &RefundRequest, context: &Context) -> Report {
    request.report(context)
}

/// The request, if YooKassa's rules find no error: what [`crate::http::refund_request`]
/// takes. Otherwise every violation, and the request back.
pub fn validate(
    request: RefundRequest,
    context: &Context,
) -> Result<Validated<RefundRequest>, Invalid<RefundRequest>> {
    Validated::new(request, context)
}

impl Validate for RefundRequest {
    type Context<'a> = Context;

    fn check(&self, context: &Context, report: &mut Report) {
        rules(self, context, report);
    }
}

fn money(report: &mut Report, path: &Path<'_>, m: &Money, currency: &str) {
    report.check_amount(&path.field("value"), m.value, AMOUNT);
    if m.currency != currency {
        report.error(
            &path.field("currency"),
            v3_codes::CURRENCY,
            format!("{}: the refund is in {currency}", m.currency),
        );
    }
}

fn rules(r: &RefundRequest, context: &Context, report: &mut Report) {
    let root = Path::ROOT;
    let id = root.field("payment_id");
    if r.payment_id.trim().is_empty() {
        report.error(&id, codes::REQUIRED, "must not be empty");
    } else if !is_object_id_form(&r.payment_id) {
        report.error(
            &id,
            codes::FORMAT,
            "a YooKassa payment id: 36 lower-case hex digits and dashes",
        );
    }
    let amount = root.field("amount");
    report.check_amount(&amount.field("value"), r.amount.value, AMOUNT);
    let currency = &r.amount.currency;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        report.error(
            &amount.field("currency"),
            codes::FORMAT,
            "ISO 4217 alphabetic: three capital letters (RUB)",
        );
    }
    if let Some(d) = &r.description {
        report.check_max_chars(&root.field("description"), d, MAX_DESCRIPTION_CHARS);
    }
    if let Some(receipt) = &r.receipt {
        let path = root.field("receipt");
        let contact = receipt
            .customer
            .as_ref()
            .is_some_and(|c| c.email.is_some() || c.phone.is_some());
        if !contact {
            report.error(
                &path.field("customer"),
                v3_codes::RECEIPT_CONTACT,
                "a receipt goes to the customer's email or phone: give one",
            );
        }
        let items = path.field("items");
        if receipt.items.is_empty() {
            let partial = context.payment_amount.is_some_and(|p| r.amount.value < p);
            if partial {
                report.error(
                    &items,
                    v3_codes::PARTIAL_WITHOUT_ITEMS,
                    "a partial refund's receipt lists the refunded items",
                );
            } else {
                report.warning(
                    &items,
                    v3_codes::PARTIAL_WITHOUT_ITEMS,
                    "no items: only a full refund's receipt may omit them",
                );
            }
        }
        if receipt.items.len() > MAX_ITEMS {
            report.error(
                &items,
                codes::TOO_MANY,
                format!("{} items, at most {MAX_ITEMS}", receipt.items.len()),
            );
        }
        let mut total = Some(Amount::ZERO);
        for (i, item) in receipt.items.iter().enumerate() {
            let p = items.index(i);
            let d = p.field("description");
            report.check_not_blank(&d, &item.description);
            report.check_max_chars(&d, &item.description, MAX_ITEM_DESCRIPTION_CHARS);
            report.check_positive(&p.field("quantity"), item.quantity.value());
            money(report, &p.field("amount"), &item.amount, currency);
            if !matches!(item.vat_code, Coded::Known(_)) {
                report.error(
                    &p.field("vat_code"),
                    codes::UNKNOWN_CODE,
                    "not one of the 54-FZ pages' codes (1-12)",
                );
            }
            for (field, known) in [
                (
                    "payment_mode",
                    item.payment_mode.as_ref().map(|m| {
                        matches!(m, Coded::Known(_)) && m.code_in(PAYMENT_MODE_CODES).is_some()
                    }),
                ),
                (
                    "payment_subject",
                    item.payment_subject.as_ref().map(|s| {
                        matches!(s, Coded::Known(_)) && s.code_in(PAYMENT_SUBJECT_CODES).is_some()
                    }),
                ),
            ] {
                match known {
                    Some(true) => {}
                    // The API lists codes refundkit's vocabulary does not name: kept, and said.
                    Some(false) => report.warning(
                        &p.field(field),
                        codes::UNKNOWN_CODE,
                        "not a code refundkit knows: sent as written",
                    ),
                    None => report.warning(
                        &p.field(field),
                        v3_codes::DEFAULTED,
                        "absent: the default in the shop's YooKassa settings applies",
                    ),
                }
            }
            total = total.and_then(|t| {
                t.checked_add(
                    item.amount
                        .value
                        .checked_mul(item.quantity)?
                        .round_to_kopecks(),
                )
            });
        }
        if !receipt.items.is_empty() && total != Some(r.amount.value) {
            report.warning(
                &items,
                codes::SUM_MISMATCH,
                format!(
                    "the items come to {}, the refund is {}",
                    total.map_or_else(|| "(overflow)".into(), |t| t.to_string()),
                    r.amount.value
                ),
            );
        }
        if let Some(code) = receipt.tax_system_code
            && !(1..=6).contains(&code)
        {
            report.error(
                &path.field("tax_system_code"),
                codes::UNKNOWN_CODE,
                "1 to 6 (the 54-FZ pages' tax systems)",
            );
        }
    }
    if let Some(sources) = &r.sources {
        let path = root.field("sources");
        if sources.is_empty() {
            report.error(&path, codes::EMPTY, "omit sources rather than send none");
        }
        let mut total = Some(Amount::ZERO);
        for (i, s) in sources.iter().enumerate() {
            let p = path.index(i);
            report.check_not_blank(&p.field("account_id"), &s.account_id);
            money(report, &p.field("amount"), &s.amount, currency);
            if let Some(fee) = &s.platform_fee_amount {
                report.check_amount(
                    &p.field("platform_fee_amount").field("value"),
                    fee.value,
                    AmountRule {
                        positive: false,
                        ..AMOUNT
                    },
                );
            }
            total = total.and_then(|t| t.checked_add(s.amount.value));
        }
        if !sources.is_empty() && total != Some(r.amount.value) {
            report.warning(
                &path,
                codes::SUM_MISMATCH,
                "the sources do not add up to the refund's amount",
            );
        }
    }
}

/// What YooKassa answers (HTTP 400) a refund that breaks the rules in `report`: `None` when it
/// has no error; otherwise `invalid_request` with the violation's text and its field as the
/// error object's `parameter` (the response handling page's shape). One function, so that
/// `refundkit serve` refuses exactly what refundkit calls an error, and books what it only
/// warns about.
pub fn refusal_reason(report: &Report) -> Option<(&'static str, String, String)> {
    let violation = report.errors().next()?;
    Some((
        "invalid_request",
        violation.message.clone(),
        violation.path.clone(),
    ))
}
