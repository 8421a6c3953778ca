//! Form bodies decoded by an independent implementation: python3's `urllib.parse.parse_qsl`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Stdio};

use refundkit_core::SecretString;
use refundkit_rbs::types::{Auth, Password};
use refundkit_rbs::{RefundRequest, encode_request_text};

const PYTHON: &str = r#"
import sys, json, urllib.parse
for line in sys.stdin.read().split("\n"):
    if line:
        pairs = urllib.parse.parse_qsl(line, keep_blank_values=True, strict_parsing=True, encoding="utf-8", errors="strict")
        print(json.dumps(pairs, ensure_ascii=True))
"#;

#[test]
fn python_parse_qsl_reads_our_bodies_exactly() {
    let tricky = [
        "Возврат заказа № 42",
        "a&b=c+d e",
        "100% «скидка» = 5+5",
        "emoji 😀 and 🇷🇺",
        "slash/question?hash#",
        "",
        "tab\tnewline\n",
    ];
    let mut lines = String::new();
    let mut expected = Vec::new();
    for (i, value) in tricky.iter().enumerate() {
        let request = RefundRequest {
            auth: Auth::Password {
                user_name: format!("user+{i}&"),
                password: Password(SecretString::from(*value)),
            },
            order_id: "148a2a67-25ff-7d1b-b28d-391800a7dca8".into(),
            amount: 101_000,
            json_params: Some(vec![
                ("comment".into(), (*value).into()),
                ("ключ=&".into(), "x".into()),
            ]),
            language: Some("ru".into()),
            refund_items: None,
            currency: None,
            order_bundle: None,
        };
        lines.push_str(&encode_request_text(&request));
        lines.push('\n');
        let json_params = format!(
            "{{{}:{},\"ключ=&\":\"x\"}}",
            serde_json::to_string("comment").unwrap(),
            serde_json::to_string(value).unwrap()
        );
        expected.push(vec![
            ("userName".to_string(), format!("user+{i}&")),
            ("password".into(), (*value).to_string()),
            (
                "orderId".into(),
                "148a2a67-25ff-7d1b-b28d-391800a7dca8".into(),
            ),
            ("amount".into(), "101000".into()),
            ("jsonParams".into(), json_params),
            ("language".into(), "ru".into()),
        ]);
    }
    let mut child = Command::new("python3")
        .args(["-c", PYTHON])
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
    let parsed: Vec<Vec<(String, String)>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, expected);
}
