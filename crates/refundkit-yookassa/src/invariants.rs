//! What YooKassa would reject, checked before anything is signed (the MWS `returnPayment` page).

use refundkit_core::report::codes;
use refundkit_core::{Amount, AmountRule, Coded, Invalid, Path, Report, Validate, Validated};

use crate::codes as yk_codes;

use crate::receipt::{SumCheck, check_sum};
use crate::types::{
    Customer, PAYMENT_METHOD_CODES, PAYMENT_SUBJECT_CODES, Receipt, ReceiptItem,
    ReturnPaymentRequest, VAT_CODES,
};

const CAUSE_MAX: usize = 255;
const TEXT_MAX: usize = 128;
const FULL_NAME_MAX: usize = 256;
const CONTACT_MAX: usize = 64;

/// Every violation in `request`. The rules are listed in the guide (docs/providers.md).
pub fn check(request: &ReturnPaymentRequest) -> Report {
    request.report(&())
}

/// The request, if YooKassa's rules find no error: what [`crate::sign_request`] takes.
/// Otherwise every violation, and the request back.
pub fn validate(
    request: ReturnPaymentRequest,
) -> Result<Validated<ReturnPaymentRequest>, Invalid<ReturnPaymentRequest>> {
    Validated::new(request, &())
}

impl Validate for ReturnPaymentRequest {
    type Context<'a> = ();

    fn check(&self, _: &(), report: &mut Report) {
        report.merge(rules(self));
    }
}

/// Whether `value` is what MWS calls a long (`shopId`, `invoiceId`, `clientOrderId`): decimal
/// digits only, and within a signed 64-bit integer.
pub(crate) fn is_long(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) && value.parse::<i64>().is_ok()
}

fn rules(request: &ReturnPaymentRequest) -> Report {
    let mut report = Report::new();
    let root = Path::ROOT;
    let digits = |report: &mut Report, field: &str, value: &str| {
        let path = root.field(field);
        if value.is_empty() {
            report.error(&path, codes::REQUIRED, "must not be empty");
        } else if !is_long(value) {
            report.error(&path, codes::FORMAT, "must be a decimal integer (a long)");
        }
    };
    digits(&mut report, "clientOrderId", &request.client_order_id);
    digits(&mut report, "invoiceId", &request.invoice_id);
    digits(&mut report, "shopId", &request.shop_id);
    if !crate::timing::is_iso8601_with_offset(&request.request_dt) {
        report.error(
            &root.field("requestDT"),
            codes::FORMAT,
            "must be ISO 8601 with an offset, like 2011-07-02T20:38:00.000Z",
        );
    }
    let amount = root.field("amount");
    report.check_amount(
        &amount,
        request.amount,
        AmountRule {
            positive: true,
            max_places: 2,
            max_integer_digits: 12,
        },
    );
    if request.amount.value().scale() != 2 && request.amount.decimal_places() <= 2 {
        report.error(
            &amount,
            yk_codes::NOT_TWO_DECIMALS,
            format!(
                "{} must be written with exactly two decimals",
                request.amount
            ),
        );
    }
    match request.currency.as_deref() {
        None => report.warning(
            &root.field("currency"),
            codes::REQUIRED,
            "currency omitted (the returnPayment page's receipt example does this); 643 is what production wants",
        ),
        Some("643" | "10643") => {}
        Some(_) => report.error(
            &root.field("currency"),
            codes::UNKNOWN_CODE,
            "must be 643, or 10643 in the demo environment",
        ),
    }
    match &request.cause {
        Some(cause) => report.check_max_chars(&root.field("cause"), cause, CAUSE_MAX),
        None => report.warning(&root.field("cause"), codes::REQUIRED, "no cause given"),
    }
    if let Some(receipt) = &request.receipt {
        validate_receipt(&mut report, &root.field("receipt"), receipt, request.amount);
    }
    report
}

fn validate_receipt(report: &mut Report, path: &Path<'_>, receipt: &Receipt, amount: Amount) {
    match receipt.tax_system.as_deref() {
        None => {}
        Some("") => report.warning(
            &path.field("taxSystem"),
            yk_codes::EMPTY_ATTRIBUTE,
            "empty taxSystem: omit it unless the shop has several tax systems",
        ),
        Some("1" | "2" | "3" | "4" | "5" | "6") => {}
        Some(_) => report.error(
            &path.field("taxSystem"),
            codes::UNKNOWN_CODE,
            "must be 1..6",
        ),
    }
    let customer = receipt.customer.as_ref();
    let has_contact = customer.is_some_and(|c| c.email.is_some() || c.phone.is_some())
        || receipt.customer_contact.is_some();
    if !has_contact {
        report.error(
            path,
            yk_codes::NO_CONTACT,
            "a receipt needs customer email or phone, or customerContact",
        );
    }
    if let Some(c) = customer {
        validate_customer(report, &path.field("customer"), c);
    }
    if let Some(contact) = &receipt.customer_contact {
        let p = path.field("customerContact");
        report.check_max_chars(&p, contact, CONTACT_MAX);
        if contact.contains([',', ';', ' ']) || contact.matches('@').count() > 1 {
            report.error(
                &p,
                yk_codes::SEVERAL_CONTACTS,
                "one phone or one e-mail, not several",
            );
        } else if contact.contains('@') {
            check_email(report, &p, contact);
        } else {
            check_phone(report, &p, contact);
        }
    }
    let items = path.field("items");
    if receipt.items.is_empty() {
        report.error(&items, codes::EMPTY, "a receipt needs at least one item");
    }
    for (i, item) in receipt.items.iter().enumerate() {
        validate_item(report, &items.index(i), item);
    }
    if !receipt.items.is_empty() {
        match check_sum(&receipt.items, amount) {
            SumCheck::Exact => {}
            SumCheck::KopeckOver(total) => report.info(
                &items,
                yk_codes::RECEIPT_TOTAL_KOPECK_OVER,
                format!("receipt total {total} is one kopeck above amount {amount}, as the returnPayment page prescribes when the exact sum is unreachable"),
            ),
            SumCheck::Mismatch(total) => report.error(
                &items,
                yk_codes::RECEIPT_TOTAL,
                format!("receipt total {total} (price x quantity, rounded to kopecks) must equal amount {amount} or exceed it by one kopeck"),
            ),
            SumCheck::Overflow => {
                report.error(&items, yk_codes::RECEIPT_TOTAL, "receipt total overflows")
            }
        }
    }
}

fn validate_customer(report: &mut Report, path: &Path<'_>, c: &Customer) {
    if let Some(name) = &c.full_name {
        report.check_max_chars(&path.field("fullName"), name, FULL_NAME_MAX);
    }
    if let Some(inn) = &c.inn {
        if !(inn.len() == 10 || inn.len() == 12) || !inn.bytes().all(|b| b.is_ascii_digit()) {
            report.error(
                &path.field("inn"),
                codes::FORMAT,
                "an INN has 10 or 12 digits",
            );
        }
    }
    if let Some(email) = &c.email {
        check_email(report, &path.field("email"), email);
    }
    if let Some(phone) = &c.phone {
        check_phone(report, &path.field("phone"), phone);
    }
}

/// Syntactically an address: one `@`, a non-empty local part, a dotted domain, no spaces.
fn check_email(report: &mut Report, path: &Path<'_>, email: &str) {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if !ok {
        report.error(
            path,
            codes::FORMAT,
            "not a syntactically valid e-mail address",
        );
    }
}

/// E.164: `+`, then 8 to 15 digits. Not `+7`: a warning (receipts may not be delivered).
fn check_phone(report: &mut Report, path: &Path<'_>, phone: &str) {
    let digits = phone.strip_prefix('+').unwrap_or("");
    if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        report.error(
            path,
            codes::FORMAT,
            "phone must be E.164, like +79210000000",
        );
    } else if !digits.starts_with('7') {
        report.warning(
            path,
            yk_codes::FOREIGN_PHONE,
            "receipts reach Russian numbers (+7); a foreign number may not receive one",
        );
    }
}

fn in_table<T: Copy + PartialEq>(value: &Coded<T>, table: &[(T, &str)]) -> bool {
    matches!(value, Coded::Known(_)) && value.code_in(table).is_some()
}

fn validate_item(report: &mut Report, path: &Path<'_>, item: &ReceiptItem) {
    report.check_positive(&path.field("quantity"), item.quantity.value());
    report.check_amount(
        &path.field("price").field("amount"),
        item.price,
        AmountRule {
            positive: true,
            max_places: 2,
            max_integer_digits: 12,
        },
    );
    if let Some(currency) = &item.price_currency {
        if currency != "RUB" {
            report.error(
                &path.field("price").field("currency"),
                codes::UNKNOWN_CODE,
                "the only price currency is RUB",
            );
        }
    }
    if !in_table(&item.tax, VAT_CODES) {
        report.error(&path.field("tax"), codes::UNKNOWN_CODE, "tax must be 1..12");
    }
    let text = path.field("text");
    report.check_not_blank(&text, &item.text);
    report.check_max_chars(&text, &item.text, TEXT_MAX);
    if let Some(s) = &item.payment_subject_type {
        if !in_table(s, PAYMENT_SUBJECT_CODES) {
            report.error(
                &path.field("paymentSubjectType"),
                codes::UNKNOWN_CODE,
                "not one of YooKassa's payment subjects",
            );
        }
    }
    if let Some(m) = &item.payment_method_type {
        if !in_table(m, PAYMENT_METHOD_CODES) {
            report.error(
                &path.field("paymentMethodType"),
                codes::UNKNOWN_CODE,
                "not one of YooKassa's payment methods",
            );
        }
    }
    if let Some(code) = &item.product_code {
        let bytes: Vec<&str> = code.split(' ').collect();
        let hex = bytes
            .iter()
            .all(|b| b.len() == 2 && b.bytes().all(|c| c.is_ascii_hexdigit()));
        if !hex || bytes.len() > 32 {
            report.error(
                &path.field("productCode"),
                codes::FORMAT,
                "hex bytes separated by single spaces, at most 32 (00 00 00 01 00 21 FA 41 ...)",
            );
        }
    }
    if let Some(country) = &item.country_of_origin_code {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            report.warning(
                &path.field("countryOfOriginCode"),
                codes::FORMAT,
                "expected a two-letter country code such as RU",
            );
        }
    }
    if let Some(number) = &item.customs_declaration_number {
        let p = path.field("customsDeclarationNumber");
        report.check_not_blank(&p, number);
        report.check_max_chars(&p, number, 32);
    }
    if let Some(excise) = item.excise {
        report.check_amount(
            &path.field("excise"),
            excise,
            AmountRule {
                positive: false,
                max_places: 2,
                max_integer_digits: 12,
            },
        );
    }
}
