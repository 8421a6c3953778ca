use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::jwt::CANONICAL_HEADERS;
use super::payload::write_json_string;
use crate::types::Alg;

#[test]
fn header_segments_are_the_base64_of_the_exact_header_bytes() {
    assert_eq!(
        URL_SAFE_NO_PAD.encode(Alg::Hs256.header_json()),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    );
}

#[test]
fn canonical_headers_are_the_base64_of_each_header() {
    for (alg, b64) in CANONICAL_HEADERS {
        assert_eq!(URL_SAFE_NO_PAD.encode(alg.header_json()), b64);
    }
}

#[test]
fn json_strings_escape_only_what_json_requires() {
    let mut out = Vec::new();
    write_json_string(&mut out, "Тест/\"\\\n\u{1}\u{7f}\u{2028}");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"Тест/\\\"\\\\\\n\\u0001\u{7f}\u{2028}\""
    );
}

#[test]
fn json_strings_match_serde_json_for_every_ascii_byte() {
    let s: String = (0u8..=0x7f).map(char::from).collect();
    let mut ours = Vec::new();
    write_json_string(&mut ours, &s);
    assert_eq!(ours, serde_json::to_vec(&s).unwrap());
}
