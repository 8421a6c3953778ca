//! What the RBS gateway would refuse, checked before anything is sent.

use refundkit_core::report::codes;
use refundkit_core::{Invalid, Path, Report, Validate, Validated};

use crate::codes as rbs_codes;
use crate::types::{
    Auth, Dialect, EXTERNAL_REFUND_ID, RESERVED_PARAMS, RefundRequest, StatusRequest,
};

/// `amount` has at most 12 digits.
pub const MAX_AMOUNT: u64 = 999_999_999_999;

/// Every violation of the gateway's rules in `request`.
///
/// Sources conflict on credential lengths: the RBS refund page says userName and password
/// AN..30, Alfa-Bank's documentation 100 and 200 (and 256 for a token). Beyond 30 is a
/// warning; beyond Alfa-Bank's limits an error.
pub fn check(request: &RefundRequest) -> Report {
    check_for(request, Dialect::Rest)
}

/// Every violation of the rules of a gateway speaking `dialect`: the RBS REST rules, and for
/// Sber's ecom gateway its own on top (only `userName` and `password`; no `currency` and no
/// `refundItems`, which its `RefundRequest` does not have and which it refuses as unknown;
/// `orderBundle` with its required `cartItems`).
pub fn check_for(request: &RefundRequest, dialect: Dialect) -> Report {
    request.report(&dialect)
}

/// The request, if the RBS REST rules find no error: what [`crate::http::refund_request`]
/// takes. Otherwise every violation, and the request back.
pub fn validate(
    request: RefundRequest,
) -> Result<Validated<RefundRequest>, Invalid<RefundRequest>> {
    validate_for(request, Dialect::Rest)
}

/// As [`validate`], by the rules of a gateway speaking `dialect`.
pub fn validate_for(
    request: RefundRequest,
    dialect: Dialect,
) -> Result<Validated<RefundRequest>, Invalid<RefundRequest>> {
    Validated::new(request, &dialect)
}

impl Validate for RefundRequest {
    type Context<'a> = Dialect;

    fn check(&self, dialect: &Dialect, report: &mut Report) {
        rules(self, *dialect, report);
        if *dialect == Dialect::Ecom {
            ecom_rules(self, report);
        }
    }
}

/// The tax types (`tax.taxType`, FFD tag 1199) of the tables read: the RBS REST page's 0-7
/// (3 and 5 the old 18%), of which Sber's ecom OpenAPI lists 0, 1, 2, 4, 6, 7. No bank's table
/// read so far has a code for the 22% rate in force since 2026-01-01, so any other integer is
/// kept as written and warned about, never refused: the bank may know it.
pub const TAX_TYPES: &[u64] = &[0, 1, 2, 3, 4, 5, 6, 7];

/// Sber's ecom gateway: what its OpenAPI's `RefundRequest` has not, and what it requires.
fn ecom_rules(request: &RefundRequest, report: &mut Report) {
    let root = Path::ROOT;
    let absent = |report: &mut Report, field: &str, why: &str| {
        report.error(&root.field(field), rbs_codes::NOT_IN_GATEWAY, why);
    };
    if matches!(request.auth, Auth::Token(_)) {
        absent(
            report,
            "token",
            "Sber's ecom refund.do takes userName and password only",
        );
    }
    if request.currency.is_some() {
        absent(
            report,
            "currency",
            "Sber's ecom refund.do has no currency (the order's is used); it refuses members it does not document",
        );
    }
    if request.refund_items.is_some() {
        absent(
            report,
            "refundItems",
            "Sber's ecom refund.do takes the refunded cart as orderBundle.cartItems, not refundItems",
        );
    }
    if request.amount == 0 {
        report.warning(
            &root.field("amount"),
            rbs_codes::FULL_REFUND,
            "amount 0 refunds the whole order on the RBS REST API; Sber's ecom OpenAPI does not say so: give the amount",
        );
    }
    if let Some(bundle) = &request.order_bundle {
        let has_cart = serde_json::from_str::<serde_json::Value>(bundle)
            .ok()
            .is_some_and(|v| v.get("cartItems").is_some());
        if !has_cart {
            report.error(
                &root.field("orderBundle").field("cartItems"),
                codes::REQUIRED,
                "Sber's ecom OrderBundle requires cartItems",
            );
        }
    }
}

/// Warns about each `cartItems.items[i].tax.taxType` of `orderBundle` outside [`TAX_TYPES`].
fn tax_types(bundle: &str, report: &mut Report) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(bundle) else {
        return;
    };
    let Some(items) = value
        .get("cartItems")
        .and_then(|c| c.get("items"))
        .and_then(|i| i.as_array())
    else {
        return;
    };
    let root = Path::ROOT;
    let bundle_path = root.field("orderBundle");
    let cart = bundle_path.field("cartItems");
    let path = cart.field("items");
    for (i, item) in items.iter().enumerate() {
        let Some(tax_type) = item.get("tax").and_then(|t| t.get("taxType")) else {
            continue;
        };
        let known = tax_type.as_u64().is_some_and(|t| TAX_TYPES.contains(&t));
        if !known {
            report.warning(
                &path.index(i).field("tax").field("taxType"),
                codes::UNKNOWN_CODE,
                format!(
                    "{tax_type} is not in the tax tables read (0-7; none has the 22% rate yet): \
                     kept as written, check it with the bank"
                ),
            );
        }
    }
}

fn rules(request: &RefundRequest, dialect: Dialect, report: &mut Report) {
    let root = Path::ROOT;
    identity_rules(&request.auth, &request.order_id, report);
    let amount = root.field("amount");
    if request.amount > MAX_AMOUNT {
        report.error(&amount, codes::TOO_MANY_DIGITS, "at most 12 digits (N..12)");
    } else if (1..100).contains(&request.amount) {
        report.warning(
            &amount,
            rbs_codes::UNDER_ONE_ROUBLE,
            "under one ruble: the gateway refuses such a refund with code 7 (securecardpayment.ru)",
        );
    } else if request.amount == 0 && dialect == Dialect::Rest {
        report.info(
            &amount,
            rbs_codes::FULL_REFUND,
            "amount 0 refunds the whole order",
        );
    }
    if let Some(currency) = &request.currency {
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_digit()) {
            report.error(
                &root.field("currency"),
                codes::FORMAT,
                "ISO 4217 numeric: three digits (643)",
            );
        }
    }
    if let Some(params) = &request.json_params {
        let path = root.field("jsonParams");
        for (key, _) in params {
            let p = path.field(key);
            if RESERVED_PARAMS.contains(&key.as_str()) {
                report.error(
                    &p,
                    rbs_codes::RESERVED_PARAM,
                    "a reserved name: the order may be rejected",
                );
            }
            if key.is_empty() {
                report.error(&p, codes::EMPTY, "empty parameter name");
            }
        }
    }
    language_rule(request.language.as_deref(), report);
    if let Some(bundle) = &request.order_bundle {
        tax_types(bundle, report);
    }
    if let Some(id) = request.external_refund_id() {
        if id.is_empty() {
            report.error(
                &root.field("jsonParams").field(EXTERNAL_REFUND_ID),
                codes::EMPTY,
                "an empty idempotency key",
            );
        }
    }
    if let Some(items) = &request.refund_items {
        let path = root.field("refundItems");
        if items.is_empty() {
            report.error(
                &path,
                codes::EMPTY,
                "omit refundItems rather than send none",
            );
        }
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            report.check_not_blank(&p.field("positionId"), &item.position_id);
            if let Some(name) = &item.name {
                report.check_not_blank(&p.field("name"), name);
            }
            if let Some(code) = &item.item_code {
                report.check_not_blank(&p.field("itemCode"), code);
            }
            if item.quantity.value == 0 {
                report.error(
                    &p.field("quantity").field("value"),
                    codes::NOT_POSITIVE,
                    "must be greater than zero",
                );
            }
        }
        // Compared only when every position says its amount (itemAmount is optional).
        let amounts: Option<Vec<u64>> = items.iter().map(|i| i.item_amount).collect();
        if let Some(amounts) = amounts {
            let total = amounts.iter().try_fold(0u64, |acc, a| acc.checked_add(*a));
            if request.amount > 0 && total != Some(request.amount) {
                report.warning(
                    &path,
                    rbs_codes::ITEMS_TOTAL,
                    format!(
                        "the items' itemAmount total differs from amount {}",
                        request.amount
                    ),
                );
            }
        }
    }
}

/// The rules a refund.do and a getOrderStatusExtended.do share: the credentials' lengths and
/// the gateway's order id.
fn identity_rules(auth: &Auth, order_id: &str, report: &mut Report) {
    let root = Path::ROOT;
    let length = |report: &mut Report, field: &str, value: &str, seed: usize, hard: usize| {
        let path = root.field(field);
        let n = value.chars().count();
        if value.is_empty() {
            report.error(&path, codes::REQUIRED, "must not be empty");
        } else if n > hard {
            report.error(
                &path,
                codes::TOO_LONG,
                format!("{n} characters, at most {hard}"),
            );
        } else if n > seed {
            report.warning(
                &path,
                codes::TOO_LONG,
                format!("{n} characters: the RBS refund page allows {seed}, Alfa-Bank {hard}"),
            );
        }
    };
    match auth {
        Auth::Password {
            user_name,
            password,
        } => {
            length(report, "userName", user_name, 30, 100);
            length(report, "password", password.0.expose_secret(), 30, 200);
        }
        Auth::Token(token) => length(report, "token", token.0.expose_secret(), 256, 256),
    }
    let path = root.field("orderId");
    let n = order_id.chars().count();
    if n == 0 {
        report.error(&path, codes::REQUIRED, "must not be empty");
    } else if n > 36 || !order_id.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        report.error(
            &path,
            codes::FORMAT,
            "ANS36: at most 36 printable ASCII characters",
        );
    } else if n != 36 {
        report.warning(
            &path,
            codes::FORMAT,
            "ANS36: gateway order ids are 36 characters (a UUID)",
        );
    }
}

/// `language`: ISO 639-1, two letters. The REST pages write it lower case (`ru`, `en`); a
/// public client sends `RU` and its live tests against the gateway pass, so upper case is a
/// warning, not an error (the emulator books it the same way).
fn language_rule(language: Option<&str>, report: &mut Report) {
    let Some(language) = language else { return };
    let path = Path::ROOT.field("language");
    if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        report.error(&path, codes::FORMAT, "ISO 639-1: two letters (ru, en)");
    } else if !language.bytes().all(|b| b.is_ascii_lowercase()) {
        report.warning(
            &path,
            codes::FORMAT,
            "ISO 639-1 is written lower case (ru, en); the gateway has been seen taking upper case",
        );
    }
}

/// Every violation in a getOrderStatusExtended.do request: the credentials, the order id and
/// `language`, by the same rules as refund.do's.
pub fn check_status(request: &StatusRequest) -> Report {
    let mut report = Report::new();
    identity_rules(&request.auth, &request.order_id, &mut report);
    language_rule(request.language.as_deref(), &mut report);
    report
}

/// What the gateway answers a request that breaks the rules in `report`: `None` when it has no
/// error; otherwise errorCode 5, the validation error (the REST pages: "ошибка значения
/// параметра запроса"; Sber's ecom gateway: "Ошибка валидации данных запроса"), naming the first
/// field at fault. One function, so that `refundkit serve` refuses exactly what [`check_for`]
/// and [`check_status`] call an error, and books what they only warn about.
pub fn gateway_refusal(report: &Report, dialect: Dialect) -> Option<(&'static str, String)> {
    let violation = report.errors().next()?;
    let field = if violation.path.is_empty() {
        "(request)"
    } else {
        violation.path.as_str()
    };
    Some(match dialect {
        Dialect::Ecom => ("5", format!("Ошибка валидации данных запроса: {field}")),
        _ => ("5", format!("Неверное значение параметра запроса: {field}")),
    })
}
