//! One test per rule of the Robokassa refund API, named after it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{item, key, request};
use refundkit_core::{Coded, Report, VatRate, codes};
use refundkit_robokassa::{
    Accept, Alg, Password3, VerifyError, check, decode_request, encode_request, sign, validate,
    verify,
};

fn violations(report: &Report) -> Vec<(String, &'static str)> {
    report
        .violations()
        .iter()
        .map(|v| (v.path.clone(), v.code))
        .collect()
}

fn only_error(path: &str, code: &str, report: &Report) {
    let errors: Vec<_> = report.errors().map(|v| (v.path.as_str(), v.code)).collect();
    assert_eq!(errors, [(path, code)], "{report}");
}

#[test]
fn a_valid_request_has_no_violations() {
    assert!(check(&request()).is_empty(), "{}", check(&request()));
}

#[test]
fn op_key_must_not_be_empty() {
    let mut r = request();
    r.op_key = "  ".into();
    only_error("OpKey", codes::EMPTY, &check(&r));
}

#[test]
fn refund_sum_must_be_positive() {
    let mut r = request();
    r.refund_sum = Some("0".parse().unwrap());
    r.invoice_items = None;
    only_error("RefundSum", codes::NOT_POSITIVE, &check(&r));
}

#[test]
fn refund_sum_has_at_most_two_decimals() {
    let mut r = request();
    r.refund_sum = Some("10.001".parse().unwrap());
    r.invoice_items = None;
    only_error("RefundSum", codes::TOO_MANY_DECIMALS, &check(&r));
}

#[test]
fn amounts_have_at_most_eight_integer_digits() {
    let mut r = request();
    r.refund_sum = Some("123456789".parse().unwrap());
    r.invoice_items = None;
    only_error("RefundSum", codes::TOO_MANY_DIGITS, &check(&r));
    r.refund_sum = Some("99999999.99".parse().unwrap());
    assert!(check(&r).is_empty());
}

#[test]
fn absent_refund_sum_means_a_full_refund() {
    let r = refundkit_robokassa::RefundRequest::full("K");
    assert!(check(&r).is_empty());
    assert_eq!(encode_request(&r).unwrap(), br#"{"OpKey":"K"}"#);
}

#[test]
fn item_cost_must_be_positive_with_at_most_two_decimals() {
    let mut r = request();
    r.refund_sum = None;
    r.invoice_items = Some(vec![item("a", "1", "0"), item("b", "1", "1.005")]);
    let v = violations(&check(&r));
    assert!(
        v.contains(&("InvoiceItems[0].Cost".into(), codes::NOT_POSITIVE)),
        "{v:?}"
    );
    assert!(
        v.contains(&("InvoiceItems[1].Cost".into(), codes::TOO_MANY_DECIMALS)),
        "{v:?}"
    );
}

#[test]
fn quantity_may_carry_more_than_two_decimals_but_must_be_positive() {
    let mut r = request();
    r.refund_sum = None;
    r.invoice_items = Some(vec![item("сыр", "0.574", "17")]);
    assert!(check(&r).is_empty());
    r.invoice_items = Some(vec![item("сыр", "0", "17")]);
    only_error("InvoiceItems[0].Quantity", codes::NOT_POSITIVE, &check(&r));
}

#[test]
fn name_has_at_most_128_characters() {
    let mut r = request();
    r.refund_sum = None;
    r.invoice_items = Some(vec![item(&"Я".repeat(128), "1", "1")]);
    assert!(check(&r).is_empty());
    r.invoice_items = Some(vec![item(&"Я".repeat(129), "1", "1")]);
    only_error("InvoiceItems[0].Name", codes::TOO_LONG, &check(&r));
}

#[test]
fn at_most_100_items() {
    let mut r = request();
    r.refund_sum = None;
    r.invoice_items = Some(vec![item("x", "1", "1"); 100]);
    assert!(check(&r).is_empty());
    r.invoice_items = Some(vec![item("x", "1", "1"); 101]);
    only_error("InvoiceItems", codes::TOO_MANY, &check(&r));
}

#[test]
fn invoice_items_present_but_empty_is_refused() {
    let mut r = request();
    r.refund_sum = None;
    r.invoice_items = Some(vec![]);
    only_error("InvoiceItems", codes::EMPTY, &check(&r));
}

#[test]
fn tax_payment_method_and_object_come_from_robokassa_tables() {
    let json = br#"{"OpKey":"K","InvoiceItems":[{"Name":"n","Quantity":1,"Cost":1,
        "Tax":"vat18","PaymentMethod":"cash","PaymentObject":"goods"}]}"#;
    let r = decode_request(json).unwrap();
    let v = violations(&check(&r));
    for field in ["Tax", "PaymentMethod", "PaymentObject"] {
        assert!(
            v.contains(&(format!("InvoiceItems[0].{field}"), codes::UNKNOWN_CODE)),
            "{v:?}"
        );
    }
    // ...and unknown codes are kept verbatim, not lost.
    assert_eq!(
        r.invoice_items.unwrap()[0].tax,
        Coded::Unknown("vat18".into())
    );
}

#[test]
fn vat22_and_vat122_are_known() {
    let json = br#"{"OpKey":"K","InvoiceItems":[
        {"Name":"n","Quantity":1,"Cost":1,"Tax":"vat22","PaymentMethod":"full_payment","PaymentObject":"commodity"},
        {"Name":"n","Quantity":1,"Cost":1,"Tax":"vat122","PaymentMethod":"full_payment","PaymentObject":"commodity"}]}"#;
    let r = decode_request(json).unwrap();
    assert!(check(&r).is_empty());
    let items = r.invoice_items.unwrap();
    assert_eq!(items[0].tax, Coded::Known(VatRate::Vat22));
    assert_eq!(items[1].tax, Coded::Known(VatRate::Vat22_122));
}

#[test]
fn refund_sum_differing_from_items_total_is_a_warning() {
    let mut r = request();
    r.refund_sum = Some("9.99".parse().unwrap());
    let report = check(&r);
    assert!(!report.has_errors());
    assert!(report.contains("RefundSum", codes::SUM_MISMATCH));
}

#[test]
fn every_violation_is_reported_not_just_the_first() {
    let mut r = request();
    r.op_key = String::new();
    r.refund_sum = Some("0.001".parse().unwrap());
    r.invoice_items = Some(vec![item("", "0", "0")]);
    assert!(check(&r).errors().count() >= 5, "{}", check(&r));
}

#[test]
fn unknown_json_fields_are_refused() {
    let e = decode_request(br#"{"OpKey":"K","Refundsum":10}"#).unwrap_err();
    assert!(e.detail.contains("unknown field `Refundsum`"), "{e}");
    assert_eq!(e.kind, refundkit_core::DecodeErrorKind::UnknownField);
    let e = decode_request(br#"{"OpKey":"K","InvoiceItems":[{"Name":"n","Quantity":1,"Cost":1,"Tax":"none","PaymentMethod":"full_payment","PaymentObject":"payment","Sum":1}]}"#).unwrap_err();
    assert_eq!(e.path, "InvoiceItems[0].Sum");
}

#[test]
fn null_refund_sum_is_refused_not_read_as_full_refund() {
    let e = decode_request(br#"{"OpKey":"K","RefundSum":null}"#).unwrap_err();
    assert_eq!(e.path, "RefundSum");
}

#[test]
fn amounts_must_be_json_numbers() {
    let e = decode_request(br#"{"OpKey":"K","RefundSum":"10"}"#).unwrap_err();
    assert_eq!(e.path, "RefundSum");
    assert!(e.detail.contains("JSON number"), "{e}");
}

#[test]
fn negative_amounts_are_refused_with_their_path() {
    let e = decode_request(br#"{"OpKey":"K","RefundSum":-1}"#).unwrap_err();
    assert_eq!(e.path, "RefundSum");
}

#[test]
fn amounts_are_read_exactly_never_through_a_float() {
    let r = decode_request(br#"{"OpKey":"K","RefundSum":0.1000000000000000055511151231257827}"#);
    // Too many digits for an exact decimal: refused, not rounded to 0.1.
    assert!(r.is_err());
    let r = decode_request(br#"{"OpKey":"K","RefundSum":1244.50}"#).unwrap();
    assert_eq!(r.refund_sum.unwrap().to_json_number(), "1244.5");
}

#[test]
fn payload_is_compact_json_in_the_seed_field_order_with_raw_utf8() {
    let r = decode_request(
        r#"{ "InvoiceItems": [ { "PaymentObject": "payment", "PaymentMethod": "full_payment",
             "Tax": "none", "Cost": 1.0, "Quantity": 1, "Name": "Тестовый товар" } ],
             "RefundSum": 1.0, "OpKey": "K/1" }"#
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(encode_request(&r).unwrap()).unwrap(),
        r#"{"OpKey":"K/1","RefundSum":1,"InvoiceItems":[{"Name":"Тестовый товар","Quantity":1,"Cost":1,"Tax":"none","PaymentMethod":"full_payment","PaymentObject":"payment"}]}"#
    );
}

#[test]
fn header_is_exactly_alg_then_typ() {
    for alg in Alg::ALL {
        let t = sign(&validate(request().clone()).unwrap(), &key(), alg).unwrap();
        let header = URL_SAFE_NO_PAD
            .decode(t.as_str().split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            header,
            format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name()).as_bytes()
        );
    }
}

#[test]
fn invalid_requests_are_not_validated_so_cannot_be_signed() {
    let mut r = request();
    r.op_key = String::new();
    let invalid = validate(r.clone()).unwrap_err();
    assert!(invalid.report.contains("OpKey", codes::EMPTY));
    assert_eq!(*invalid.value, r);
}

#[test]
fn tokens_verify_under_each_hmac_algorithm() {
    for alg in Alg::ALL {
        let t = sign(&validate(request().clone()).unwrap(), &key(), alg).unwrap();
        let v = verify(t.as_str(), &key(), Accept::AnyHmac).unwrap();
        assert_eq!(v.alg, alg);
        assert_eq!(v.request, request());
        assert_eq!(
            verify(t.as_str(), &key(), Accept::Only(alg)).unwrap().alg,
            alg
        );
    }
}

#[test]
fn a_pinned_algorithm_refuses_the_others() {
    let t = sign(&validate(request().clone()).unwrap(), &key(), Alg::Hs512).unwrap();
    assert_eq!(
        verify(t.as_str(), &key(), Accept::Only(Alg::Hs256)),
        Err(VerifyError::AlgNotAllowed {
            found: Alg::Hs512,
            expected: Alg::Hs256
        })
    );
}

fn forge(header: &str, payload: &str, sig: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        sig
    )
}

#[test]
fn alg_none_is_refused() {
    for alg in ["none", "None", "NONE"] {
        let t = forge(
            &format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
            r#"{"OpKey":"K"}"#,
            "",
        );
        assert_eq!(
            verify(&t, &key(), Accept::AnyHmac),
            Err(VerifyError::AlgNone)
        );
    }
}

#[test]
fn every_other_algorithm_is_refused() {
    for alg in ["RS256", "ES256", "PS512", "HS1", "hs256", "EdDSA"] {
        let t = forge(&format!(r#"{{"alg":"{alg}"}}"#), r#"{"OpKey":"K"}"#, "AAAA");
        assert!(
            matches!(
                verify(&t, &key(), Accept::AnyHmac),
                Err(VerifyError::UnsupportedAlg(_))
            ),
            "{alg}"
        );
    }
}

#[test]
fn a_wrong_password3_fails_verification() {
    let t = sign(&validate(request().clone()).unwrap(), &key(), Alg::Hs256).unwrap();
    let other = Password3::new("another".into()).unwrap();
    assert_eq!(
        verify(t.as_str(), &other, Accept::AnyHmac),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn a_truncated_signature_fails_verification() {
    let t = sign(&validate(request().clone()).unwrap(), &key(), Alg::Hs256).unwrap();
    let (rest, _) = t.as_str().rsplit_once('.').unwrap();
    let short = format!("{rest}.{}", URL_SAFE_NO_PAD.encode([0u8; 16]));
    assert_eq!(
        verify(&short, &key(), Accept::AnyHmac),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn malformed_tokens_are_refused_with_a_typed_error() {
    let k = key();
    assert_eq!(
        verify("abc", &k, Accept::AnyHmac),
        Err(VerifyError::Segments)
    );
    assert_eq!(
        verify("a.b.c.d", &k, Accept::AnyHmac),
        Err(VerifyError::Segments)
    );
    assert!(matches!(
        verify("!!.b.c", &k, Accept::AnyHmac),
        Err(VerifyError::Base64(_))
    ));
    // Padding and non-canonical trailing bits are not base64url-without-padding.
    let t = sign(&validate(request().clone()).unwrap(), &k, Alg::Hs256)
        .unwrap()
        .into_string();
    assert!(matches!(
        verify(&format!("{t}="), &k, Accept::AnyHmac),
        Err(VerifyError::Base64(_))
    ));
    let not_json = forge("not json", "{}", "AAAA");
    assert!(matches!(
        verify(&not_json, &k, Accept::AnyHmac),
        Err(VerifyError::Header(_))
    ));
    let crit = forge(r#"{"alg":"HS256","crit":["exp"]}"#, "{}", "AAAA");
    assert!(matches!(
        verify(&crit, &k, Accept::AnyHmac),
        Err(VerifyError::Header(_))
    ));
    let huge = "a".repeat(refundkit_robokassa::codec::MAX_TOKEN_LEN + 1);
    assert!(matches!(
        verify(&huge, &k, Accept::AnyHmac),
        Err(VerifyError::TooLarge { .. })
    ));
}

#[test]
fn an_authentic_token_with_a_bad_payload_reports_the_field() {
    let payload = br#"{"OpKey":"K","RefundSum":"1"}"#;
    let t = refundkit_robokassa::codec::sign_payload_bytes(payload, &key(), Alg::Hs256);
    match verify(t.as_str(), &key(), Accept::AnyHmac) {
        Err(VerifyError::Payload(e)) => assert_eq!(e.path, "RefundSum"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_never_contain_password3() {
    let secret = "sample-password3-NOT-A-REAL-KEY";
    let t = sign(&validate(request().clone()).unwrap(), &key(), Alg::Hs256).unwrap();
    let other = Password3::new("x".into()).unwrap();
    let e = verify(t.as_str(), &other, Accept::AnyHmac).unwrap_err();
    assert!(!format!("{e} {e:?} {:?}", key()).contains(secret));
}

#[test]
fn seed_example_response_forms_parse() {
    use refundkit_core::{Outcome, Refusal};
    use refundkit_robokassa::{Accepted, CreateMessage, parse_response};
    assert_eq!(
        parse_response(
            200,
            br#"{"success":true,"message":null,"requestId":"68cd7fa6-1338-4745-ba5c-28d16cbcdb3d"}"#
        ),
        Outcome::Success(Accepted {
            request_id: Some("68cd7fa6-1338-4745-ba5c-28d16cbcdb3d".into())
        })
    );
    assert_eq!(
        parse_response(
            200,
            br#"{"success":false,"message":"NotEnoughOperationFunds","requestId":null}"#
        ),
        Outcome::Refused(Refusal {
            http_status: 200,
            code: Some(CreateMessage::NotEnoughOperationFunds),
            text: None,
        })
    );
}

#[test]
fn a_success_without_request_id_is_still_a_success() {
    use refundkit_core::Outcome;
    use refundkit_robokassa::{Accepted, parse_response};
    assert_eq!(
        parse_response(200, br#"{"success":true}"#),
        Outcome::Success(Accepted { request_id: None })
    );
}

#[test]
fn get_state_amount_is_kept_exact() {
    use refundkit_robokassa::parse_state_response;
    let outcome = parse_state_response(
        200,
        br#"{"requestId":"x","amount":1.000000,"label":"finished"}"#,
    );
    let s = outcome.success().unwrap();
    assert_eq!(s.amount.unwrap().to_string(), "1.000000");
}

/// One marked good: a line of one unit, `tovar_mark`, with its code.
fn marked(code: &str) -> refundkit_robokassa::RefundRequest {
    let mut r = request();
    let items = r.invoice_items.as_mut().unwrap();
    items.truncate(1);
    items[0].quantity = refundkit_core::Quantity::from(1);
    items[0].payment_object = Some(Coded::Known(
        refundkit_core::PaymentSubject::MarkedCommodity,
    ));
    items[0].nomenclature_code = Some(code.into());
    r.refund_sum = Some(items[0].cost);
    r
}

const MARKING_CODE: &str =
    "010460406000600021N4N57RSCBUZTQ\u{1d}2403004002910161218\u{1d}1724010191ffd0";

#[test]
fn nomenclature_code_is_a_marking_code_as_printed_with_its_gs_separators() {
    assert!(
        check(&marked(MARKING_CODE)).is_empty(),
        "{}",
        check(&marked(MARKING_CODE))
    );
    for bad in ["", " 0104", "0104\n", "код", &"0".repeat(257)] {
        only_error(
            "InvoiceItems[0].NomenclatureCode",
            codes::FORMAT,
            &check(&marked(bad)),
        );
    }
}

#[test]
fn a_nomenclature_code_belongs_on_one_unit_of_tovar_mark() {
    let mut r = marked(MARKING_CODE);
    let item = &mut r.invoice_items.as_mut().unwrap()[0];
    item.payment_object = Some(Coded::Known(refundkit_core::PaymentSubject::Commodity));
    item.quantity = refundkit_core::Quantity::from(2);
    r.refund_sum = None;
    let report = check(&r);
    assert!(!report.has_errors(), "{report}");
    assert!(report.contains("InvoiceItems[0].PaymentObject", codes::FORMAT));
    assert!(report.contains("InvoiceItems[0].Quantity", codes::FORMAT));
}

#[test]
fn a_nomenclature_code_is_signed_and_read_back_byte_for_byte() {
    let r = marked(MARKING_CODE);
    let payload = encode_request(&r).unwrap();
    assert!(String::from_utf8(payload.clone()).unwrap().contains(
        r#""PaymentObject":"tovar_mark","NomenclatureCode":"010460406000600021N4N57RSCBUZTQ\u001d"#
    ));
    assert_eq!(decode_request(&payload).unwrap(), r);
}
