//! Exchange files (`refundkit serve --record`, `refundkit::transcript`): what `check` says of
//! one, as a typed error.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::{Duration, SystemTime};

use refundkit::transcript::{TranscriptError, check, record};

fn exchange() -> serde_json::Value {
    let request = http::Request::post("https://securepayments.sberbank.ru/payment/rest/refund.do")
        .body(b"userName=u&password=p&orderId=1&amount=100".to_vec())
        .unwrap();
    record(
        &request,
        Some((200, br#"{"errorCode":"0"}"#)),
        SystemTime::UNIX_EPOCH,
        Duration::ZERO,
    )
    .unwrap()
}

#[test]
fn a_recorded_exchange_checks() {
    assert_eq!(check(&exchange()), Ok(()));
}

#[test]
fn another_file_is_not_an_exchange() {
    assert_eq!(
        check(&serde_json::json!({})),
        Err(TranscriptError::NotAnExchange)
    );
}

#[test]
fn an_answer_that_reads_otherwise_than_recorded_gives_both_readings() {
    let mut e = exchange();
    e["answer"]["body"] = serde_json::json!(r#"{"errorCode":"7","errorMessage":"x"}"#);
    match check(&e) {
        Err(TranscriptError::Reading { recorded, read }) => {
            assert_eq!(recorded["verdict"], "success");
            assert_eq!(read["verdict"], "refused");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_field_is_named() {
    let mut e = exchange();
    e["answer"]["httpStatus"] = serde_json::Value::Null;
    assert!(matches!(
        check(&e),
        Err(TranscriptError::Field {
            field: "answer.httpStatus",
            ..
        })
    ));
}
