use super::*;

#[test]
fn verdicts_are_named_as_the_command_line_prints_them() {
    let all: [Outcome<(), ()>; 5] = [
        Outcome::Success(()),
        Outcome::InProgress(()),
        Outcome::Refused(Refusal {
            http_status: 400,
            code: None,
            text: None,
        }),
        Outcome::ServerError { http_status: 502 },
        Outcome::malformed_with(200, "HTML"),
    ];
    let names: Vec<&str> = all.iter().map(|o| o.verdict().as_str()).collect();
    assert_eq!(
        names,
        [
            "success",
            "in-progress",
            "refused",
            "server-error",
            "malformed"
        ]
    );
    assert_eq!(all.iter().filter(|o| o.is_success()).count(), 1);
}

#[test]
fn only_2xx_statuses_may_carry_a_success() {
    assert!(is_2xx(200) && is_2xx(204) && is_2xx(299));
    assert!(!is_2xx(199) && !is_2xx(300) && !is_2xx(401) && !is_2xx(500));
    assert!(is_5xx(500) && is_5xx(599) && !is_5xx(499) && !is_5xx(600));
}
