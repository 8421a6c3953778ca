//! The refund state machine driven by arbitrary answers: the laws that hold whatever the
//! providers say, with the state stored and reloaded between every step.
//!
//! The input: its first byte picks the provider (one of `plan`'s sample refunds); then
//! one answer per step, each a kind byte (lost, never sent, or an HTTP status from a table)
//! and a length byte, then that many bytes of body. The laws:
//! - no panic, and the state reads back from its JSON to an equal refund, whose JSON is the same;
//! - done only just after a received 2xx answer whose body states success in the documented
//!   shape of the method it answers, about this refund;
//! - refused only just after a received answer stating a refusal, never at a server failure;
//! - the refund request is sent again only where that is safe: never at Robokassa; at RBS only
//!   after a status that states the refund did not happen; at MWS always the identical bytes;
//!   at Yandex Pay always under the same `externalOperationId` and `X-Request-Id`.

use std::sync::OnceLock;
use std::time::SystemTime;

use refundkit::core::lifecycle::{Action, Answer, Status, after, is_server_failure};
use refundkit::core::outcome::is_2xx;
use refundkit::{Credentials, ProviderId, Refund};

/// The statuses an answer comes with.
const STATUSES: [u16; 8] = [200, 200, 201, 400, 404, 429, 500, 503];

fn testdata(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../testdata/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("testdata")
}

/// The sample credentials and `plan`'s sample refunds, made once.
fn samples() -> &'static (Credentials, Vec<Refund>) {
    static SAMPLES: OnceLock<(Credentials, Vec<Refund>)> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        // The sample credential of every provider, as the one loader reads the sample files.
        let credentials = refundkit::samples::credentials();
        let desc: refundkit::plan::RefundDescription =
            refundkit::core::json::decode(&testdata("plan/sample-order.json")).expect("sample");
        let now = after(SystemTime::UNIX_EPOCH, 1_795_428_000);
        let plan = refundkit::plan::build(&desc, &credentials, &[], now).expect("the sample");
        let refunds = plan
            .providers
            .into_iter()
            .map(|p| p.refund.expect("a refund"))
            .collect();
        (credentials, refunds)
    })
}

/// What a received answer states about the refund, by the method it answers: `(success,
/// refusal)`, each as its provider's parser reads it.
fn stated(provider: ProviderId, method: &str, status: u16, body: &[u8]) -> (bool, bool) {
    use refundkit::core::Outcome;
    fn of<T, C>(o: &Outcome<T, C>) -> (bool, bool) {
        (o.is_success(), o.refusal().is_some())
    }
    let fail = |o: &Outcome<refundkit::yandex_pay::Operation, _>| {
        o.success()
            .is_some_and(|op| op.status == refundkit::yandex_pay::types::OperationStatus::Fail)
    };
    match provider {
        ProviderId::Robokassa if method == "Refund/Create" => {
            of(&refundkit::robokassa::parse_response(status, body))
        }
        ProviderId::Robokassa => {
            let o = refundkit::robokassa::parse_state_response(status, body);
            // A state is a success as read; `canceled` is the refusal it states.
            let canceled = o
                .success()
                .is_some_and(|s| s.label == refundkit::robokassa::RefundLabel::Canceled);
            (o.is_success(), o.refusal().is_some() || canceled)
        }
        ProviderId::YandexPay if method.starts_with("orders/{orderId}/refund") => {
            let o = refundkit::yandex_pay::parse_response(status, body);
            (o.is_success(), o.refusal().is_some() || fail(&o))
        }
        ProviderId::YandexPay => {
            let o = refundkit::yandex_pay::parse_operation_response(status, body);
            (o.is_success(), o.refusal().is_some() || fail(&o))
        }
        ProviderId::Yookassa => of(&refundkit::yookassa::parse_response(status, body)),
        ProviderId::Rbs if method == "refund.do" => {
            of(&refundkit::rbs::parse_response(status, body))
        }
        ProviderId::Rbs => of(&refundkit::rbs::parse_status_response(status, body)),
        ProviderId::YookassaV3 => {
            let o = refundkit::yookassa_v3::parse_response(status, body);
            let verdict = refundkit::yookassa_v3::refund_verdict(&o);
            (
                verdict == refundkit::core::Verdict::Success,
                verdict == refundkit::core::Verdict::Refused,
            )
        }
    }
}

fn reload(refund: &Refund) -> Refund {
    let json = refund.to_json();
    let back = Refund::from_json(json.as_bytes()).expect("a stored refund reads back");
    assert_eq!(&back, refund, "the state changed through its JSON");
    assert_eq!(back.to_json(), json, "the JSON of the state is not stable");
    back
}

/// The target's body.
pub fn refund_machine(data: &[u8]) {
    let (credentials, refunds) = samples();
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let Some(mut refund) = refunds
        .get(usize::from(pick).checked_rem(refunds.len()).unwrap_or(0))
        .cloned()
    else {
        return;
    };
    let provider = refund.provider();
    let mut now = after(SystemTime::UNIX_EPOCH, 1_795_428_000);
    let mut refund_sends: Vec<http::Request<Vec<u8>>> = Vec::new();
    // Whether the last answer was a status stating (in its parser's reading) a success.
    let mut last_status_success = false;
    for _ in 0..16 {
        refund = reload(&refund);
        let send = match refund
            .poll(now, credentials)
            .expect("the sample credentials build")
        {
            Action::Send(send) => send,
            Action::Sleep { until } => {
                now = until;
                continue;
            }
            Action::Awaiting { .. } => panic!("nothing is left in flight between steps"),
            Action::Escalate(_) | Action::Done(_) | Action::Refused(_) | Action::Review(_) => {
                return;
            }
        };
        refund
            .sent(&send, now)
            .expect("the request polled is the one due");
        if send.moves_money {
            if let Some(first) = refund_sends.first() {
                match provider {
                    ProviderId::Robokassa => panic!("Refund/Create sent twice"),
                    ProviderId::Rbs => assert!(
                        last_status_success,
                        "refund.do sent again without a status stating it did not happen"
                    ),
                    ProviderId::Yookassa => {
                        assert_eq!(send.request.body(), first.body(), "a changed repeat")
                    }
                    ProviderId::YookassaV3 => {
                        assert_eq!(
                            send.request.headers().get("idempotence-key"),
                            first.headers().get("idempotence-key")
                        );
                        assert_eq!(send.request.body(), first.body(), "a changed repeat");
                    }
                    ProviderId::YandexPay => {
                        for h in ["x-request-id", "authorization"] {
                            assert_eq!(send.request.headers().get(h), first.headers().get(h));
                        }
                        assert_eq!(send.request.body(), first.body(), "a changed repeat");
                    }
                }
            }
            refund_sends.push(refundkit::core::copy_request(&send.request));
        }
        refund = reload(&refund);
        let Some((&kind, tail)) = rest.split_first() else {
            return;
        };
        let (&len, tail) = tail.split_first().unwrap_or((&0, &[]));
        let (body, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        let status = STATUSES
            .get(
                usize::from(kind >> 3)
                    .checked_rem(STATUSES.len())
                    .unwrap_or(0),
            )
            .copied()
            .unwrap_or(200);
        let answer = match kind & 7 {
            0 => Answer::Lost,
            1 => Answer::NotSent,
            _ => Answer::Received {
                http_status: status,
                body,
                headers: None,
            },
        };
        // An answer to another request than the one in flight is refused, and changes nothing.
        let before = refund.clone();
        assert!(
            refund
                .on_answer(send.seq.wrapping_add(1), answer, credentials, now)
                .is_err(),
            "an answer to a request that never left was taken"
        );
        assert_eq!(refund, before);
        refund
            .on_answer(send.seq, answer, credentials, now)
            .expect("a request was in flight");
        if answer == Answer::NotSent && send.moves_money {
            // It never left: sending it again is not a repeat.
            refund_sends.pop();
        }
        let (success, refusal) = match answer {
            Answer::Received {
                http_status, body, ..
            } => stated(provider, send.method, http_status, body),
            _ => (false, false),
        };
        last_status_success = !send.moves_money && success;
        match refund.status() {
            Status::Done => {
                assert!(
                    matches!(answer, Answer::Received { http_status, .. } if is_2xx(http_status)),
                    "done without a received 2xx answer"
                );
                assert!(success, "done from an answer that states no success");
            }
            Status::Refused => {
                let Answer::Received { http_status, .. } = answer else {
                    panic!("refused without an answer");
                };
                assert!(
                    !is_server_failure(http_status),
                    "a server failure read as a refusal"
                );
                assert!(refusal, "refused from an answer that states no refusal");
            }
            _ => {}
        }
        now = after(now, 1);
    }
}
