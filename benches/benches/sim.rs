//! The emulator's status lookups as its record grows: Robokassa `Refund/GetState` with
//! 100,000 refunds held (`refundkit`) beside the same lookup with 10 held (`at-10`). A ratio
//! near 1.00 is the point: a lookup by id, never a scan (before the index, a long load test
//! fell from 88k to 1.6k GetState requests per second at 111k refunds).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use refundkit_robokassa::http::{CreateBody, Endpoint, create_request, state_request};
use refundkit_robokassa::{Alg, Password3, RefundRequest, sign, validate};
use refundkit_sim::{Reply, Scenario, Sim};

const OP_KEY: &str = "0005F891-8CCD-434B-8455-816AFFFDBF37-0VOisWikFF";

/// An emulator holding `n` Robokassa refunds of 1.00 each; the last one's `requestId`.
fn with_refunds(n: usize) -> (Sim, String) {
    let scenario = Scenario::from_json(
        format!(
            r#"{{"robokassa": {{"password3": "bench-password3", "settle_seconds": 5,
                "operations": [{{"op_key": "{OP_KEY}", "amount": "100000000.00"}}]}}}}"#
        )
        .as_bytes(),
        std::path::Path::new("."),
    )
    .unwrap();
    let mut sim = Sim::new(&scenario).unwrap();
    let key = Password3::new("bench-password3".into()).unwrap();
    let endpoint = Endpoint::custom("http://127.0.0.1/robokassa/RefundService").unwrap();
    let request = validate(RefundRequest::partial(OP_KEY, "1.00".parse().unwrap())).unwrap();
    let token = sign(&request, &key, Alg::Hs256).unwrap();
    let create = create_request(&endpoint, &token, CreateBody::JsonString).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_000);
    let mut last = String::new();
    for _ in 0..n {
        let Reply::Answer(r) = sim.handle(&create, now).reply else {
            panic!("no answer")
        };
        let answer: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        last = answer["requestId"].as_str().expect("a refund").to_owned();
    }
    (sim, last)
}

fn bench(c: &mut Criterion) {
    let endpoint = Endpoint::custom("http://127.0.0.1/robokassa/RefundService").unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_428_100);
    let (mut big, big_id) = with_refunds(100_000);
    let (mut small, small_id) = with_refunds(10);
    let big_request = state_request(&endpoint, &big_id).unwrap();
    let small_request = state_request(&endpoint, &small_id).unwrap();

    let mut g = refundkit_benches::group(c, "sim/robokassa-get-state");
    g.bench("refundkit", || {
        big.handle(black_box(&big_request), now).reply
    });
    g.bench("at-10", || {
        small.handle(black_box(&small_request), now).reply
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
