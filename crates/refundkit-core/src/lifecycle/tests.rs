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
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    assert_eq!(names, ["done", "wait", "resend", "refused", "reconcile"]);
}

#[test]
fn a_refusal_keeps_the_providers_code_and_text() {
    let refusal = crate::Refusal {
        http_status: 400,
        code: Some("7"),
        text: Some("too much".to_string()),
    };
    let next = Next::refused(&refusal, true);
    assert_eq!(next.step(), Step::Refused);
    match next {
        Next::Refused {
            http_status,
            code,
            text,
            may_correct,
        } => {
            assert_eq!(
                (http_status, code.as_deref(), text.as_deref(), may_correct),
                (400, Some("7"), Some("too much"), true)
            );
        }
        other => panic!("{other:?}"),
    }
}
