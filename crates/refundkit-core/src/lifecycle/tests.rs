use super::*;

#[test]
fn after_saturates_instead_of_panicking_at_the_end_of_time() {
    let far = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
    let end = after(far, u64::MAX);
    assert!(end >= far);
}

#[test]
fn every_step_has_a_stable_name() {
    let names: Vec<_> = [
        Step::Done,
        Step::Wait,
        Step::Resend,
        Step::Refused,
        Step::Reconcile,
        Step::Review,
        Step::Mismatch,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    assert_eq!(
        names,
        [
            "done",
            "wait",
            "resend",
            "refused",
            "reconcile",
            "review",
            "mismatch"
        ]
    );
}

#[test]
fn a_refusal_keeps_the_providers_code_and_text() {
    let refusal = crate::Refusal {
        http_status: 400,
        code: Some("7"),
        text: Some("too much".to_string()),
    };
    let decision: Decision<()> = Decision::refused(&refusal, true);
    assert_eq!(decision.step(), Step::Refused);
    assert_eq!(
        decision,
        Decision::Refused(Refused {
            http_status: Some(400),
            code: Some("7".into()),
            text: Some("too much".into()),
            may_correct: true,
        })
    );
}

#[test]
fn a_server_failure_is_5xx_or_429_never_a_client_error() {
    for status in [429, 500, 502, 503, 504, 599] {
        assert!(is_server_failure(status), "{status}");
    }
    for status in [200, 400, 401, 404, 409, 428, 600] {
        assert!(!is_server_failure(status), "{status}");
    }
}

#[test]
fn an_echo_reports_the_first_field_that_differs() {
    let m = Echo::new()
        .required("orderId", "o-1", Some("o-1"))
        .if_stated("externalOperationId", Some("r-1"), None)
        .required("clientOrderId", "7", Some("8"))
        .required("other", "x", None)
        .check()
        .unwrap_err();
    assert_eq!(
        (m.field.as_str(), m.refund.as_str(), m.answer.as_deref()),
        ("clientOrderId", "7", Some("8"))
    );
    let absent = Echo::new()
        .required("requestId", "r", None)
        .check()
        .unwrap_err();
    assert_eq!(absent.answer, None);
    assert!(absent.to_string().contains("has no requestId"));
}

#[test]
fn an_echo_compares_amounts_by_value() {
    let a = |s: &str| s.parse::<crate::Amount>().ok();
    assert!(
        Echo::new()
            .amount("amount", a("509.76"), a("509.760000"))
            .check()
            .is_ok()
    );
    assert!(
        Echo::new()
            .amount("amount", a("509.76"), a("1.00"))
            .check()
            .is_err()
    );
    assert!(Echo::new().amount("amount", a("1"), None).check().is_ok());
}
