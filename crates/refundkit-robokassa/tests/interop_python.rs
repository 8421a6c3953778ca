//! Tokens cross-checked against an independent implementation: python3's `json`, `hmac`,
//! `hashlib` and `base64`, from the standard library. python3 is required (it is on CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use refundkit_robokassa::{Accept, Alg, encode_request, sign, validate, verify};

/// Reads lines `alg \t payload-json`; re-serialises each payload its own way (json.loads then
/// compact json.dumps, floats printed by repr, which is shortest round-trip) and prints the
/// token it computes. Then it verifies our token line by line.
const PYTHON: &str = r#"
import sys, json, hmac, hashlib, base64
key = sys.argv[1].encode()
algs = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    if not line: continue
    alg, payload, ours = line.split("\t")
    obj = json.loads(payload)
    compact = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    si = b64(('{"alg":"%s","typ":"JWT"}' % alg).encode()) + "." + b64(compact)
    token = si + "." + b64(hmac.new(key, si.encode(), algs[alg]).digest())
    h, p, s = ours.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)
    ok = hmac.compare_digest(base64.urlsafe_b64decode(pad(s)),
                             hmac.new(key, (h + "." + p).encode(), algs[alg]).digest())
    print(token, "verified" if ok else "FORGED")
"#;

#[test]
fn tokens_match_python_stdlib_hmac_and_base64() {
    let secret = "sample-password3-NOT-A-REAL-KEY";
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    let mut lines = String::new();
    let mut ours = Vec::new();
    for i in 0..200 {
        let r = common::request_strategy()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let alg = Alg::ALL[i % 3];
        let token = sign(&validate(r.clone()).unwrap(), &common::key(), alg).unwrap();
        // JSON text with no literal newline or tab (they are escaped), so lines are safe.
        let payload = String::from_utf8(encode_request(&r).unwrap()).unwrap();
        lines.push_str(&format!("{}\t{payload}\t{token}\n", alg.name()));
        ours.push(token.into_string());
    }
    let mut child = Command::new("python3")
        .args(["-c", PYTHON, secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required for the interop tests");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(theirs.len(), ours.len());
    for (ours, theirs) in ours.iter().zip(&theirs) {
        let (token, verdict) = theirs.split_once(' ').unwrap();
        assert_eq!(verdict, "verified", "python rejects {ours}");
        assert_eq!(ours, token);
        assert!(verify(token, &common::key(), Accept::AnyHmac).is_ok());
    }
}
