//! The machine's own rules, on a provider made up for the purpose: what happens between a
//! request and its answer is the same for every provider.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::time::Duration;

use super::*;
use crate::lifecycle::{Budget, Repeat, Resolution, after};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Toy {
    body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum ToyRequest {
    Refund,
    Status,
}

impl Lifecycle for Toy {
    type Request = ToyRequest;
    type Keys<'k> = Option<&'k str>;
    const PROVIDER: &'static str = "toy";

    fn timing() -> Timing {
        Timing {
            poll: Duration::from_secs(30),
            settle: Duration::from_secs(60),
            repeat: Repeat::every(Duration::from_secs(60)),
            not_sent: Duration::from_secs(5),
            budget: Default::default(),
        }
    }

    fn first(&self) -> ToyRequest {
        ToyRequest::Refund
    }

    fn is_refund(request: ToyRequest) -> bool {
        request == ToyRequest::Refund
    }

    fn method(request: ToyRequest) -> &'static str {
        match request {
            ToyRequest::Refund => "refund",
            ToyRequest::Status => "status",
        }
    }

    fn build(
        &self,
        request: ToyRequest,
        progress: &Progress,
        keys: &Option<&str>,
    ) -> Result<http::Request<Vec<u8>>, BuildError> {
        let key = keys.ok_or(BuildError::MissingCredential("key"))?;
        Ok(
            http::Request::post(format!("https://toy/{}", Self::method(request)))
                .header("key", key)
                .header("attempt", progress.attempts.to_string())
                .body(self.body.clone().into_bytes())?,
        )
    }

    fn decide(
        &mut self,
        _request: ToyRequest,
        answer: Answer<'_>,
        context: &Context<'_>,
        _keys: &Option<&str>,
    ) -> Decision<ToyRequest> {
        match answer {
            Answer::Received { body: b"done", .. } => Decision::done(None, "done"),
            Answer::Received {
                body: b"pending", ..
            } => Decision::send(
                Step::Wait,
                ToyRequest::Status,
                later(context.now, context.timing.poll),
                "pending",
            ),
            Answer::Received { body: b"other", .. } => Decision::mismatch(
                Mismatch {
                    field: "id".into(),
                    refund: "1".into(),
                    answer: Some("2".into()),
                },
                "check",
            ),
            Answer::Received {
                http_status: 503, ..
            } => Decision::send(
                Step::Resend,
                ToyRequest::Refund,
                later(context.now, Duration::from_secs(1)),
                "unavailable",
            ),
            _ => Decision::review("by hand"),
        }
    }

    fn amount(&self) -> Option<Amount> {
        None
    }

    fn identity(&self) -> Vec<(&'static str, String)> {
        vec![("body", self.body.clone())]
    }

    fn payment(&self) -> String {
        "toy".into()
    }

    fn fingerprint_input(&self) -> Vec<u8> {
        self.body.clone().into_bytes()
    }

    fn check(&self) -> Result<(), LoadError> {
        Ok(())
    }
}

fn t(s: u64) -> SystemTime {
    after(SystemTime::UNIX_EPOCH, 1_790_000_000 + s)
}

fn machine() -> Machine<Toy> {
    Machine::new(Toy { body: "b".into() }, t(0))
}

/// Polls, and acknowledges what it gives as leaving at `at`.
fn send(m: &mut Machine<Toy>, at: SystemTime) -> Outgoing {
    match m.poll(at, &Some("k")).unwrap() {
        Action::Send(s) => {
            m.sent(&s, at).unwrap();
            s
        }
        other => panic!("{other:?}"),
    }
}

fn answer(body: &[u8]) -> Answer<'_> {
    Answer::received(200, body)
}

/// The answer to the request in flight.
fn on(m: &mut Machine<Toy>, answer: Answer<'_>, at: SystemTime) {
    let seq = m.progress().seq;
    m.on_answer(seq, answer, &Some("k"), at).unwrap();
}

#[test]
fn a_new_refund_sends_its_first_request_at_once_and_counts_it() {
    let mut m = machine();
    assert_eq!(m.status(), Status::Pending);
    let s = send(&mut m, t(0));
    assert!(s.moves_money);
    assert_eq!((s.attempts, s.step, s.seq), (1, None, 1));
    assert_eq!(s.request.headers()["attempt"], "0");
    assert_eq!(m.status(), Status::InFlight);
    assert_eq!(m.progress().refund_sent_at, Some(t(0)));
}

#[test]
fn polling_changes_nothing_the_acknowledgement_does() {
    let m = machine();
    let before = m.clone();
    let Action::Send(out) = m.poll(t(0), &Some("k")).unwrap() else {
        panic!()
    };
    assert_eq!(m, before, "poll is pure");
    let mut m = m;
    m.sent(&out, t(0)).unwrap();
    assert_eq!(m.status(), Status::InFlight);
    assert_eq!(m.progress().seq, 1);
}

#[test]
fn only_the_request_due_can_be_acknowledged() {
    let mut m = machine();
    let Action::Send(mut out) = m.poll(t(0), &Some("k")).unwrap() else {
        panic!()
    };
    out.seq = 7;
    assert_eq!(
        m.sent(&out, t(0)),
        Err(MachineError::Stale {
            expected: 1,
            got: 7
        })
    );
    out.seq = 1;
    m.sent(&out, t(0)).unwrap();
    assert!(matches!(
        m.sent(&out, t(0)),
        Err(MachineError::InFlight { .. })
    ));
}

#[test]
fn an_answer_to_another_request_than_the_one_in_flight_is_refused() {
    let mut m = machine();
    send(&mut m, t(0));
    on(&mut m, answer(b"pending"), t(1));
    send(&mut m, t(31));
    // The answer to the first request, late: not the answer to the second.
    assert_eq!(
        m.on_answer(1, answer(b"done"), &Some("k"), t(32)),
        Err(MachineError::Stale {
            expected: 2,
            got: 1
        })
    );
    assert_eq!(m.status(), Status::InFlight);
    on(&mut m, answer(b"done"), t(33));
    assert_eq!(m.status(), Status::Done);
}

#[test]
fn a_request_in_flight_is_awaited_never_sent_twice() {
    let mut m = machine();
    send(&mut m, t(0));
    match m.poll(t(1), &Some("k")).unwrap() {
        Action::Awaiting { seq, method, since } => {
            assert_eq!((seq, method, since), (1, "refund", t(0)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.progress().sends, 1);
}

#[test]
fn a_request_that_never_left_is_sent_again_unchanged_and_not_counted_under_a_new_number() {
    let mut m = machine();
    let first = send(&mut m, t(0));
    on(&mut m, Answer::NotSent, t(1));
    assert_eq!(m.progress().attempts, 0);
    assert_eq!(m.progress().refund_sent_at, None);
    assert_eq!(m.not_before(), Some(t(6)));
    let again = send(&mut m, t(6));
    assert_eq!(again.request.headers(), first.request.headers());
    assert_eq!(again.request.body(), first.request.body());
    assert_eq!((first.seq, again.seq), (1, 2));
}

#[test]
fn nothing_is_due_before_not_before() {
    let mut m = machine();
    send(&mut m, t(0));
    on(&mut m, answer(b"pending"), t(1));
    assert_eq!(m.status(), Status::Waiting);
    match m.poll(t(2), &Some("k")).unwrap() {
        Action::Sleep { until } => assert_eq!(until, t(31)),
        other => panic!("{other:?}"),
    }
    let status = send(&mut m, t(31));
    assert!(!status.moves_money);
    assert_eq!(status.step, Some(Step::Wait));
    assert_eq!(status.attempts, 1);
}

#[test]
fn a_server_that_says_when_to_come_back_is_not_asked_sooner() {
    let mut m = machine();
    send(&mut m, t(0));
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::RETRY_AFTER, "120".parse().unwrap());
    on(
        &mut m,
        Answer::received(503, b"").with_headers(&headers),
        t(1),
    );
    assert_eq!(m.not_before(), Some(t(121)));
    // Without the header, the provider's own wait.
    let mut m = machine();
    send(&mut m, t(0));
    on(&mut m, Answer::received(503, b""), t(1));
    assert_eq!(m.not_before(), Some(t(2)));
}

#[test]
fn an_answer_without_a_request_in_flight_is_an_error() {
    let mut m = machine();
    assert_eq!(
        m.on_answer(1, answer(b"done"), &Some("k"), t(0)),
        Err(MachineError::NotInFlight)
    );
}

#[test]
fn a_missing_credential_builds_nothing_and_changes_nothing() {
    let m = machine();
    let before = m.clone();
    assert!(matches!(
        m.poll(t(0), &None),
        Err(BuildError::MissingCredential("key"))
    ));
    assert_eq!(m, before);
}

#[test]
fn a_mismatch_goes_to_a_person_never_done() {
    let mut m = machine();
    send(&mut m, t(0));
    on(&mut m, answer(b"other"), t(1));
    assert_eq!(m.status(), Status::Review);
    match m.poll(t(2), &Some("k")).unwrap() {
        Action::Review(r) => assert_eq!(r.mismatch.unwrap().field, "id"),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.next(&Some("k")).unwrap().step(), Step::Mismatch);
}

#[test]
fn the_retry_budget_in_sends_hands_the_refund_to_a_person() {
    let mut m = Machine::with_timing(
        Toy { body: "b".into() },
        Toy::timing().with_budget(Budget {
            attempts: 2,
            age: Duration::from_secs(3600),
        }),
        t(0),
    );
    send(&mut m, t(0));
    on(&mut m, Answer::received(503, b""), t(1));
    send(&mut m, t(2));
    on(&mut m, Answer::received(503, b""), t(3));
    let Action::Escalate(why) = m.poll(t(4), &Some("k")).unwrap() else {
        panic!("the third send is past the budget")
    };
    assert!(why.contains("left 2 times"), "{why}");
    m.escalate(why, t(4)).unwrap();
    assert_eq!(m.status(), Status::Review);
    assert_eq!(m.settled_at(), Some(t(4)));
}

#[test]
fn the_retry_budget_in_time_counts_from_the_first_request() {
    let budget = Budget {
        attempts: 10,
        age: Duration::from_secs(60),
    };
    let mut m = Machine::with_timing(
        Toy { body: "b".into() },
        Toy::timing().with_budget(budget),
        t(0),
    );
    // Waiting a day for its turn costs nothing.
    send(&mut m, t(86_400));
    on(&mut m, answer(b"pending"), t(86_401));
    assert!(matches!(
        m.poll(t(86_431), &Some("k")).unwrap(),
        Action::Send(_)
    ));
    assert!(matches!(
        m.poll(t(86_461), &Some("k")).unwrap(),
        Action::Escalate(_)
    ));
}

#[test]
fn only_a_refund_in_review_is_resolved_and_the_machine_keeps_the_persons_answer() {
    let mut m = machine();
    assert_eq!(
        m.resolve(Resolution::Done, "seen", None, t(0)),
        Err(MachineError::NotInReview(Status::Pending))
    );
    send(&mut m, t(0));
    assert!(matches!(
        m.escalate("why", t(1)),
        Err(MachineError::InFlight { .. })
    ));
    on(&mut m, Answer::Lost, t(1));
    assert_eq!(m.status(), Status::Review);
    m.resolve(
        Resolution::NotRefunded,
        "not in the console",
        Some("anna"),
        t(2),
    )
    .unwrap();
    assert_eq!(m.status(), Status::Refused);
    assert_eq!(m.settled_at(), Some(t(2)));
    let resolved = m.resolved().unwrap();
    assert_eq!(
        (
            resolved.resolution,
            resolved.note.as_str(),
            resolved.by.as_deref(),
            resolved.review.how.as_str()
        ),
        (
            Resolution::NotRefunded,
            "not in the console",
            Some("anna"),
            "by hand"
        )
    );
    assert!(m.reason().contains("not in the console"));
    assert_eq!(
        m.resolve(Resolution::Done, "again", None, t(3)),
        Err(MachineError::NotInReview(Status::Refused))
    );
}

#[test]
fn the_state_round_trips_exactly_through_json_at_every_step() {
    let mut m = machine();
    let reload = |m: &Machine<Toy>| {
        let json = serde_json::to_string(m).unwrap();
        let back: Machine<Toy> = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, m);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        back
    };
    m = reload(&m);
    send(&mut m, t(0));
    m = reload(&m);
    on(&mut m, answer(b"pending"), t(1));
    m = reload(&m);
    send(&mut m, t(31));
    m = reload(&m);
    on(&mut m, answer(b"done"), t(32));
    let m = reload(&m);
    assert_eq!(m.status(), Status::Done);
    assert_eq!(m.settled_at(), Some(t(32)));
}

#[test]
fn a_state_from_a_newer_refundkit_is_refused_not_misread() {
    let mut json: serde_json::Value = serde_json::to_value(machine()).unwrap();
    json["version"] = (STATE_VERSION + 1).into();
    let err = serde_json::from_value::<Machine<Toy>>(json).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn a_refund_changed_after_it_was_made_fails_its_fingerprint() {
    let mut json: serde_json::Value = serde_json::to_value(machine()).unwrap();
    json["refund"]["body"] = "c".into();
    let err = serde_json::from_value::<Machine<Toy>>(json).unwrap_err();
    assert!(err.to_string().contains("fingerprint"), "{err}");
}

#[test]
fn the_fingerprint_is_the_same_for_the_same_refund_and_differs_for_another() {
    let a = machine();
    let b = Machine::new(Toy { body: "b".into() }, t(99));
    let c = Machine::new(Toy { body: "c".into() }, t(0));
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert_eq!(a.fingerprint().len(), 64);
}

#[test]
fn a_notification_takes_effect_only_when_it_settles_the_refund() {
    let mut m = machine();
    send(&mut m, t(0));
    let pending = Decision::send(Step::Wait, ToyRequest::Status, t(10), "pending");
    assert!(!m.settle(pending, t(1)));
    let done = Decision::done(None, "notified");
    assert!(m.settle(done.clone(), t(1)));
    assert!(!m.settle(done, t(2)));
    // The answer to the request that was in flight changes nothing any more.
    on(&mut m, answer(b"other"), t(3));
    assert_eq!(m.status(), Status::Done);
}

#[test]
fn scaled_timing_travels_with_the_state() {
    let mut m = Machine::with_timing(Toy { body: "b".into() }, Toy::timing().scaled(1, 100), t(0));
    send(&mut m, t(0));
    on(&mut m, answer(b"pending"), t(0));
    assert_eq!(m.not_before(), Some(t(0) + Duration::from_millis(300)));
}
