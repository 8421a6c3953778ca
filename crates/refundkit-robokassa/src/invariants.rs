//! What Robokassa would reject, checked before anything is signed.
//!
//! Sources: Robokassa's refund API page, and Robokassa's fiscal limits as published (names at most 128
//! characters, amounts at most 8 integer digits and 2 decimals, at most 100 receipt lines).

use refundkit_core::report::codes;
use refundkit_core::{
    AmountRule, Coded, Invalid, Path, PaymentSubject, Report, Validate, Validated,
};

use crate::codes as rk_codes;
use crate::types::{
    InvoiceItem, PAYMENT_METHOD_CODES, PAYMENT_OBJECT_CODES, RefundRequest, VAT_CODES,
};

/// At most this many `InvoiceItems`.
pub const MAX_ITEMS: usize = 100;
/// `Name` at most this many characters.
pub const MAX_NAME_CHARS: usize = 128;
/// `RefundSum` and `Cost`: positive, 2 decimals, 8 integer digits.
pub const AMOUNT: AmountRule = AmountRule {
    positive: true,
    max_places: 2,
    max_integer_digits: 8,
};

/// Whether `op_key` has the form OpStateExt and Result2 give an OpKey in: a GUID
/// (`8-4-4-4-12` hex digits), a `-` and an alphanumeric suffix, as in Robokassa's refund page
/// example `0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF`. The refund API itself types
/// `OpKey` as a string, so a request is not refused for another form ([`check`]); a refund
/// the shop describes (refundkit's plan) is, since its OpKey
/// comes from one of those two.
pub fn is_op_key_form(op_key: &str) -> bool {
    let mut parts = op_key.splitn(6, '-');
    let hex = |part: Option<&str>, len: usize| {
        part.is_some_and(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    hex(parts.next(), 8)
        && hex(parts.next(), 4)
        && hex(parts.next(), 4)
        && hex(parts.next(), 4)
        && hex(parts.next(), 12)
        && parts.next().is_some_and(|suffix| {
            !suffix.is_empty()
                && suffix.len() <= 64
                && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Every violation of Robokassa's rules in `request`.
///
/// Errors: an empty `OpKey`; a `RefundSum` or `Cost` that is zero, has more than 2 decimals or
/// more than 8 integer digits; a zero `Quantity`; an empty or over-long `Name`; more than 100
/// or zero `InvoiceItems`; a `Tax`, `PaymentMethod` or `PaymentObject` outside Robokassa's
/// tables. Warnings: an item without `PaymentMethod` or `PaymentObject` (the shop's default
/// applies); `RefundSum` differs from the sum of `Cost` x `Quantity` over the items
/// (Robokassa does not document that it checks this, and the meaning of `Cost` as a unit price
/// is the receipt API's, so this is not an error).
pub fn check(request: &RefundRequest) -> Report {
    request.report(&())
}

/// The request, if Robokassa's rules find no error: what [`crate::sign`] takes. Otherwise
/// every violation, and the request back.
pub fn validate(
    request: RefundRequest,
) -> Result<Validated<RefundRequest>, Invalid<RefundRequest>> {
    Validated::new(request, &())
}

impl Validate for RefundRequest {
    type Context<'a> = ();

    fn check(&self, _: &(), report: &mut Report) {
        rules(self, report);
    }
}

fn rules(request: &RefundRequest, report: &mut Report) {
    let root = Path::ROOT;
    report.check_not_blank(&root.field("OpKey"), &request.op_key);
    if let Some(sum) = request.refund_sum {
        report.check_amount(&root.field("RefundSum"), sum, AMOUNT);
    }
    if let Some(items) = &request.invoice_items {
        let path = root.field("InvoiceItems");
        if items.is_empty() {
            report.error(
                &path,
                codes::EMPTY,
                "omit InvoiceItems rather than send none",
            );
        }
        if items.len() > MAX_ITEMS {
            report.error(
                &path,
                codes::TOO_MANY,
                format!("{} items, at most {MAX_ITEMS} allowed", items.len()),
            );
        }
        for (i, item) in items.iter().enumerate() {
            validate_item(report, &path.index(i), item);
        }
        if let Some(sum) = request.refund_sum {
            check_items_total(report, &root.field("RefundSum"), sum, items);
        }
    }
}

fn validate_item(report: &mut Report, path: &Path<'_>, item: &InvoiceItem) {
    let name = path.field("Name");
    report.check_not_blank(&name, &item.name);
    report.check_max_chars(&name, &item.name, MAX_NAME_CHARS);
    report.check_positive(&path.field("Quantity"), item.quantity.value());
    report.check_amount(&path.field("Cost"), item.cost, AMOUNT);
    let checks = [
        ("Tax", Some(in_table(&item.tax, VAT_CODES))),
        (
            "PaymentMethod",
            item.payment_method
                .as_ref()
                .map(|m| in_table(m, PAYMENT_METHOD_CODES)),
        ),
        (
            "PaymentObject",
            item.payment_object
                .as_ref()
                .map(|o| in_table(o, PAYMENT_OBJECT_CODES)),
        ),
    ];
    if let Some(code) = &item.nomenclature_code {
        nomenclature_code(report, path, item, code);
    }
    for (field, known) in checks {
        match known {
            Some(true) => {}
            Some(false) => report.error(
                &path.field(field),
                codes::UNKNOWN_CODE,
                "not one of Robokassa's codes",
            ),
            None => report.warning(
                &path.field(field),
                rk_codes::DEFAULTED,
                "absent: the default in the shop's Robokassa settings applies",
            ),
        }
    }
}

/// Whether `id` has the form of a GUID (`8-4-4-4-12` hex digits), as the refund API's page
/// types `requestId`. Robokassa's own module treats a success without one as unknown and never
/// polls it; refundkit sends no GetState for it either.
pub fn is_request_id_form(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `NomenclatureCode`: its form, and the marked-goods line it belongs to. Robokassa's own module
/// sends one line per code (`Quantity` 1) with `PaymentObject: "tovar_mark"`: other shapes are
/// warned about, not refused (a weighed marked good is one code for a fractional quantity).
fn nomenclature_code(report: &mut Report, path: &Path<'_>, item: &InvoiceItem, code: &str) {
    let at = path.field("NomenclatureCode");
    if !refundkit_core::fiscal::is_marking_code_form(code) {
        report.error(
            &at,
            codes::FORMAT,
            format!(
                "a marking code as printed: 1 to {} bytes of printable ASCII and GS \
                 separators",
                refundkit_core::fiscal::MAX_MARKING_CODE_LEN
            ),
        );
    }
    if item.payment_object != Some(Coded::Known(PaymentSubject::MarkedCommodity)) {
        report.warning(
            &path.field("PaymentObject"),
            codes::FORMAT,
            "a line with a NomenclatureCode is marked goods: PaymentObject tovar_mark",
        );
    }
    if item.quantity != refundkit_core::Quantity::from(1) {
        report.warning(
            &path.field("Quantity"),
            codes::FORMAT,
            "one line per marking code: Quantity 1 (Robokassa's own module)",
        );
    }
}

/// Known, and spelled in Robokassa's table.
fn in_table<T: Copy + PartialEq>(value: &Coded<T>, table: &[(T, &str)]) -> bool {
    matches!(value, Coded::Known(_)) && value.code_in(table).is_some()
}

fn check_items_total(
    report: &mut Report,
    path: &Path<'_>,
    sum: refundkit_core::Amount,
    items: &[InvoiceItem],
) {
    let total = items
        .iter()
        .try_fold(refundkit_core::Amount::ZERO, |acc, item| {
            acc.checked_add(item.cost.checked_mul(item.quantity)?.round_to_kopecks())
        });
    match total {
        Some(total) if total == sum => {}
        Some(total) => report.warning(
            path,
            codes::SUM_MISMATCH,
            format!("RefundSum {sum} differs from the items' Cost x Quantity total {total}"),
        ),
        None => report.warning(path, codes::SUM_MISMATCH, "the items' total overflows"),
    }
}
