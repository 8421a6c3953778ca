use super::*;

const KNOWN: &[&str] = &["errorCode", "errorMessage", "error"];

#[test]
fn known_members_are_kept_raw_and_others_counted() {
    let m = members(
        br#"{"errorCode": 7, "x": [1, {"y": 2}], "errorMessage": "no"}"#,
        KNOWN,
    )
    .unwrap();
    assert_eq!(m.get("errorCode").map(RawValue::get), Some("7"));
    assert_eq!(
        string(m.get("errorMessage")).unwrap().as_deref(),
        Some("no")
    );
    assert_eq!(m.get("error").map(RawValue::get), None);
    assert_eq!((m.unknown, m.known_present()), (1, 2));
    assert!(!m.is_empty());
    assert!(members(b"{}", KNOWN).unwrap().is_empty());
}

#[test]
fn a_member_given_twice_is_refused() {
    let e = members(br#"{"errorCode": "0", "errorCode": "7"}"#, KNOWN).unwrap_err();
    assert!(e.to_string().contains("given twice"), "{e}");
}

#[test]
fn anything_but_one_object_is_refused() {
    for body in [
        &b"[]"[..],
        b"\"x\"",
        b"{} {}",
        b"<html>",
        b"",
        b"{\"errorCode\": 0",
    ] {
        assert!(
            members(body, KNOWN).is_err(),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut deep = String::from("{\"x\":");
    deep.push_str(&"[".repeat(100_000));
    deep.push_str(&"]".repeat(100_000));
    deep.push('}');
    assert!(members(deep.as_bytes(), KNOWN).is_err());
}

#[test]
fn readers_take_null_as_absent_and_refuse_other_kinds() {
    let m = members(
        br#"{"errorCode": null, "errorMessage": 5, "error": "true"}"#,
        KNOWN,
    )
    .unwrap();
    assert_eq!(code(m.get("errorCode")), Ok(None));
    assert!(string(m.get("errorMessage")).is_err());
    assert!(
        boolean(m.get("error")).is_err(),
        "a string is not a boolean"
    );
    assert_eq!(m.known_present(), 2);
}

#[test]
fn codes_are_strings_or_numbers_and_zero_however_padded() {
    let m = members(br#"{"errorCode": " 007 ", "error": 0}"#, KNOWN).unwrap();
    assert_eq!(code(m.get("errorCode")).unwrap().as_deref(), Some("007"));
    assert_eq!(code(m.get("error")).unwrap().as_deref(), Some("0"));
    assert!(is_zero_code("0") && is_zero_code("000"));
    assert!(!is_zero_code("") && !is_zero_code("07") && !is_zero_code("-0"));
    let empty = members(br#"{"errorCode": "  "}"#, KNOWN).unwrap();
    assert!(code(empty.get("errorCode")).is_err());
}

#[test]
fn a_body_that_is_not_utf8_throughout_is_refused_even_in_an_unknown_member() {
    // Found by the rbs_response fuzz target: serde skips an unknown member's string without
    // checking its UTF-8, so this read as an RBS success.
    let body = b"{\"errorCode\":\"0\",\"error2essage\":\"\xd0\xa3\xf9\"}";
    let e = members(body, KNOWN).unwrap_err();
    assert_eq!(e.kind, crate::DecodeErrorKind::Encoding);
}

#[test]
fn openings_are_counted_exactly_eight_bytes_at_a_time() {
    for body in [
        &b""[..],
        b"{[",
        b"{\"a\":[1,2,{\"b\":[]}]}   [[[{{{",
        b"[{;{[{[Z\x7b\x5b\x3b\x1b\xfb\xdb",
        b"\x00\x01[\x7f\x80{\xff\x5a",
    ] {
        let slow = body.iter().filter(|&&b| b == b'[' || b == b'{').count();
        assert_eq!(super::openings(body), slow, "{body:?}");
    }
}

proptest::proptest! {
    #[test]
    fn openings_agree_with_counting_byte_by_byte(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
        let slow = body.iter().filter(|&&b| b == b'[' || b == b'{').count();
        proptest::prop_assert_eq!(super::openings(&body), slow);
    }

    #[test]
    fn openings_agree_on_bracket_heavy_bodies(body in proptest::collection::vec(proptest::sample::select(vec![b'[', b'{', b';', b'{' ^ 0x20, b'a']), 0..3000)) {
        let slow = body.iter().filter(|&&b| b == b'[' || b == b'{').count();
        proptest::prop_assert_eq!(super::openings(&body), slow);
    }
}
