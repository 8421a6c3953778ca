//! One test per rule of refund.do, named after it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_core::{Report, SecretString, codes};
use refundkit_rbs::codes as rbs_codes;
use refundkit_rbs::http::{Endpoint, refund_request};
use refundkit_rbs::types::{Auth, Password, Token};
use refundkit_rbs::{RefundRequest, check, encode_request_text, validate};

fn request() -> RefundRequest {
    RefundRequest {
        auth: Auth::Password {
            user_name: "test-api".into(),
            password: Password(SecretString::from("testPwd")),
        },
        order_id: "148a2a67-25ff-7d1b-b28d-391800a7dca8".into(),
        amount: 101_000,
        json_params: None,
        language: None,
        refund_items: None,
        currency: None,
        order_bundle: None,
    }
}

fn errors(r: &Report) -> Vec<(&str, &str)> {
    r.errors().map(|v| (v.path.as_str(), v.code)).collect()
}

fn with(f: impl FnOnce(&mut RefundRequest)) -> Report {
    let mut r = request();
    f(&mut r);
    check(&r)
}

#[test]
fn the_seed_example_is_valid_and_encodes_byte_for_byte() {
    assert!(check(&request()).is_empty());
    assert_eq!(
        encode_request_text(&request()),
        "userName=test-api&password=testPwd&orderId=148a2a67-25ff-7d1b-b28d-391800a7dca8&amount=101000"
    );
}

#[test]
fn user_name_and_password_are_required() {
    let r = with(|r| {
        r.auth = Auth::Password {
            user_name: String::new(),
            password: Password(SecretString::from("")),
        }
    });
    assert_eq!(
        errors(&r),
        [("userName", codes::REQUIRED), ("password", codes::REQUIRED)]
    );
}

#[test]
fn credentials_over_the_seeds_30_are_warned_and_over_alfa_banks_limits_refused() {
    let r = with(|r| {
        r.auth = Auth::Password {
            user_name: "u".repeat(31),
            password: Password(SecretString::from("p".repeat(201).as_str())),
        }
    });
    assert!(r.contains("userName", codes::TOO_LONG));
    assert_eq!(errors(&r), [("password", codes::TOO_LONG)]);
}

#[test]
fn a_token_replaces_user_name_and_password() {
    let r = with(|r| r.auth = Auth::Token(Token(SecretString::from("t0ken"))));
    assert!(r.is_empty());
    let mut req = request();
    req.auth = Auth::Token(Token(SecretString::from("t0ken")));
    assert!(encode_request_text(&req).starts_with("token=t0ken&orderId="));
    let r = with(|r| r.auth = Auth::Token(Token(SecretString::from("t".repeat(257).as_str()))));
    assert_eq!(errors(&r), [("token", codes::TOO_LONG)]);
}

#[test]
fn order_id_is_ans36() {
    assert_eq!(
        errors(&with(|r| r.order_id = String::new())),
        [("orderId", codes::REQUIRED)]
    );
    assert_eq!(
        errors(&with(|r| r.order_id = "x".repeat(37))),
        [("orderId", codes::FORMAT)]
    );
    let short = with(|r| r.order_id = "12345".into());
    assert!(!short.has_errors() && short.contains("orderId", codes::FORMAT));
}

#[test]
fn amount_has_at_most_12_digits() {
    assert!(with(|r| r.amount = 999_999_999_999).is_empty());
    assert_eq!(
        errors(&with(|r| r.amount = 1_000_000_000_000)),
        [("amount", codes::TOO_MANY_DIGITS)]
    );
}

#[test]
fn amount_0_refunds_the_whole_order() {
    let r = with(|r| r.amount = 0);
    assert!(!r.has_errors());
    assert!(r.contains("amount", rbs_codes::FULL_REFUND));
}

#[test]
fn reserved_json_params_names_are_refused() {
    for name in [
        "sbrf_spasibo:amount_bonus",
        "sbrf_sbermiles:amount_bonus",
        "loyaltyId",
    ] {
        let r = with(|r| r.json_params = Some(vec![(name.into(), "1".into())]));
        assert_eq!(
            errors(&r),
            [(
                format!("jsonParams.{name}").as_str(),
                rbs_codes::RESERVED_PARAM
            )]
        );
    }
    assert!(with(|r| r.json_params = Some(vec![("orderNumber".into(), "1".into())])).is_empty());
}

#[test]
fn json_params_travel_as_compact_json_then_form_encoded() {
    let mut r = request();
    r.json_params = Some(vec![("a".into(), "1 & 2".into())]);
    assert!(encode_request_text(&r).ends_with("&jsonParams=%7B%22a%22%3A%221%20%26%202%22%7D"));
}

#[test]
fn language_is_two_letters_and_upper_case_is_a_warning() {
    assert!(with(|r| r.language = Some("en".into())).is_empty());
    // A public client sends `RU`, and its live tests against the gateway pass.
    let upper = with(|r| r.language = Some("RU".into()));
    assert!(errors(&upper).is_empty() && upper.contains("language", codes::FORMAT));
    for bad in ["russian", "r1", ""] {
        assert_eq!(
            errors(&with(|r| r.language = Some(bad.into()))),
            [("language", codes::FORMAT)],
            "{bad}"
        );
    }
}

#[test]
fn a_refund_under_one_ruble_is_warned_about() {
    let report = with(|r| r.amount = 99);
    assert!(errors(&report).is_empty());
    assert!(report.contains("amount", refundkit_rbs::codes::UNDER_ONE_ROUBLE));
    assert!(!with(|r| r.amount = 100).contains("amount", refundkit_rbs::codes::UNDER_ONE_ROUBLE));
}

#[test]
fn a_status_request_has_the_refund_requests_rules_for_its_credentials_order_and_language() {
    let status = refundkit_rbs::StatusRequest {
        auth: request().auth,
        order_id: "x".repeat(37),
        language: Some("RU".into()),
    };
    let report = refundkit_rbs::check_status(&status);
    assert_eq!(errors(&report), [("orderId", codes::FORMAT)]);
    assert!(report.contains("language", codes::FORMAT));
}

#[test]
fn every_endpoint_posts_the_form_to_refund_do() {
    for (base, url) in [
        (
            Endpoint::SBERBANK,
            "https://securepayments.sberbank.ru/payment/rest/refund.do",
        ),
        (
            Endpoint::SBERBANK_TEST,
            "https://3dsec.sberbank.ru/payment/rest/refund.do",
        ),
        (
            Endpoint::ALFA_BANK,
            "https://pay.alfabank.ru/payment/rest/refund.do",
        ),
        (
            Endpoint::ALFA_BANK_TEST,
            "https://alfa.rbsuat.com/payment/rest/refund.do",
        ),
        (
            Endpoint::YOOKASSA,
            "https://3dsec-payments.yookassa.ru/payment/rest/refund.do",
        ),
        (
            "http://127.0.0.1:8080/payment/rest",
            "http://127.0.0.1:8080/payment/rest/refund.do",
        ),
    ] {
        let endpoint = Endpoint::custom(base).unwrap();
        let r = refund_request(&endpoint, &validate(request()).unwrap()).unwrap();
        assert_eq!(r.uri(), url);
        assert_eq!(r.method(), "POST");
        assert_eq!(
            r.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(r.body(), encode_request_text(&request()).as_bytes());
    }
}

#[test]
fn passwords_and_tokens_never_print() {
    let r = request();
    assert!(!format!("{r:?}").contains("testPwd"));
    let t = Token(SecretString::from("t0ken"));
    assert!(!format!("{t:?}").contains("t0ken"));
}

#[test]
fn currency_is_iso_4217_numeric() {
    assert!(with(|r| r.currency = Some("643".into())).is_empty());
    let r = with(|r| r.currency = Some("RUB".into()));
    assert_eq!(errors(&r), [("currency", codes::FORMAT)]);
}

#[test]
fn refund_items_need_only_a_position_and_a_quantity() {
    use refundkit_rbs::types::{ItemQuantity, RefundItem};
    let r = with(|r| {
        r.refund_items = Some(vec![RefundItem {
            position_id: "1".into(),
            name: None,
            quantity: ItemQuantity {
                value: 1,
                measure: "шт".into(),
            },
            item_code: None,
            item_amount: None,
        }])
    });
    assert!(r.is_empty(), "{r}");
}

#[test]
fn a_redacted_request_hides_the_password_and_the_token() {
    let endpoint = Endpoint::known(Endpoint::SBERBANK_TEST);
    let mut by_token = request();
    by_token.auth = Auth::Token(Token(SecretString::from("t0ken")));
    for (r, secret, field) in [
        (request(), "testPwd", "password"),
        (by_token, "t0ken", "token"),
    ] {
        let sent = refund_request(&endpoint, &validate(r).unwrap()).unwrap();
        let logged = refundkit_rbs::http::redacted(&sent);
        let body = String::from_utf8(logged.body().clone()).unwrap();
        assert!(!body.contains(secret), "{body}");
        assert!(body.contains(&format!("{field}=%5Bredacted%5D")), "{body}");
        assert_eq!(logged.uri(), sent.uri());
    }
}

#[test]
fn a_request_the_gateway_would_refuse_cannot_be_validated_for_sending() {
    let mut r = request();
    r.order_id = String::new();
    let invalid = validate(r).unwrap_err();
    assert!(invalid.report.contains("orderId", codes::REQUIRED));
}
