//! What an answer to returnPayment states, one test per rule, and the property that nothing
//! without the success marker reads as a success.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use refundkit_core::Verdict;
use refundkit_testkit::http_status;
use refundkit_yookassa::{ErrorCode, parse_response};

fn verdict(status: u16, xml: &str) -> Verdict {
    parse_response(status, xml.as_bytes()).verdict()
}

#[test]
fn done_is_a_return_payment_response_with_status_0_and_no_error_at_a_2xx_status() {
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse status="0" error="0"/>"#),
        Verdict::Success
    );
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse status="0"/>"#),
        Verdict::Success
    );
    assert_eq!(
        verdict(500, r#"<returnPaymentResponse status="0" error="0"/>"#),
        Verdict::Malformed
    );
}

#[test]
fn another_methods_answer_is_malformed_however_it_reads() {
    for root in [
        "makeDepositionResponse",
        "confirmPaymentResponse",
        "checkOrderResponse",
    ] {
        let xml = format!(r#"<{root} status="0" error="0"/>"#);
        assert_eq!(verdict(200, &xml), Verdict::Malformed, "{root}");
    }
}

#[test]
fn status_1_is_in_progress_and_status_3_a_refusal_with_its_error() {
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse status="1" error="0"/>"#),
        Verdict::InProgress
    );
    let outcome = parse_response(
        200,
        br#"<returnPaymentResponse status="3" error="413" techMessage="too much"/>"#,
    );
    let refusal = outcome.refusal().unwrap();
    assert_eq!(
        (refusal.code, refusal.text.as_deref()),
        (Some(ErrorCode::AmountExceedsPayment), Some("too much"))
    );
}

#[test]
fn status_0_with_an_error_or_an_undocumented_status_is_malformed() {
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse status="0" error="405"/>"#),
        Verdict::Malformed
    );
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse status="2"/>"#),
        Verdict::Malformed
    );
    assert_eq!(
        verdict(200, r#"<returnPaymentResponse error="0"/>"#),
        Verdict::Malformed
    );
    assert_eq!(
        verdict(200, "<html><body>502</body></html>"),
        Verdict::Malformed
    );
    assert_eq!(
        verdict(200, "MIAGCSqGSIb3DQEHAqCAMIACAQExCzAJBgUrDgMCGgUA"),
        Verdict::Malformed
    );
}

fn response() -> impl Strategy<Value = String> {
    let root = prop_oneof![
        Just("returnPaymentResponse"),
        Just("makeDepositionResponse"),
        Just("listReturnsResponse"),
    ];
    let attr = |name: &'static str| {
        proptest::option::of(proptest::sample::select(
            &["0", "1", "2", "3", "405", "", "x", "00"][..],
        ))
        .prop_map(move |v| v.map(|v| format!(r#" {name}="{v}""#)).unwrap_or_default())
    };
    (root, attr("status"), attr("error"), attr("techMessage"))
        .prop_map(|(root, s, e, t)| format!("<{root}{s}{e}{t}/>"))
}

proptest! {
    #[test]
    fn an_answer_without_status_0_of_return_payment_is_never_done(xml in response(), status in http_status()) {
        if parse_response(status, xml.as_bytes()).is_success() {
            prop_assert!((200..300).contains(&status));
            prop_assert!(xml.starts_with("<returnPaymentResponse "), "{}", xml);
            prop_assert!(xml.contains(r#" status="0""#) || xml.contains(r#" status="00""#), "{}", xml);
            prop_assert!(!xml.contains(r#" error="405""#) && !xml.contains(r#" error="x""#), "{}", xml);
        }
    }
}
