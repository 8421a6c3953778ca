use super::*;

#[test]
fn every_reserved_character_is_percent_encoded() {
    assert_eq!(
        encode_form([("a b", "x&y=z+w/é~._-")]),
        "a%20b=x%26y%3Dz%2Bw%2F%C3%A9~._-"
    );
}

#[test]
fn form_decoding_reads_plus_as_space_and_refuses_bad_escapes() {
    assert_eq!(
        decode_form(b"a=b+c%20d").unwrap(),
        vec![("a".into(), "b c d".into())]
    );
    assert!(decode_form(b"a=%zz").is_err());
    assert!(decode_form(b"a=%4").is_err());
    assert!(decode_form(b"a=%ff").is_err());
    assert!(decode_form(b"novalue").is_err());
}

#[test]
fn error_code_is_a_string_a_number_or_absent() {
    for body in [
        &br#"{"errorCode":"0"}"#[..],
        br#"{"errorCode":0}"#,
        b"{}",
        br#"{"errorCode":null,"errorMessage":"ok"}"#,
    ] {
        assert!(parse_response(200, body).is_success());
    }
    let code = |body: &[u8]| {
        parse_response(200, body)
            .refusal()
            .and_then(|r| r.code.clone())
    };
    assert_eq!(
        code(br#"{"errorCode":"6"}"#),
        Some(ErrorCode::WrongOrderNumber)
    );
    assert_eq!(
        code(br#"{"errorCode":99}"#),
        Some(ErrorCode::Other("99".into()))
    );
}

#[test]
fn json_params_keep_their_order_and_refuse_non_strings() {
    let p = parse_json_params(r#"{"z":"1","a":"2"}"#).unwrap();
    assert_eq!(json_params_text(&p), r#"{"z":"1","a":"2"}"#);
    assert!(parse_json_params(r#"{"a":1}"#).is_err());
    assert!(parse_json_params(r#"{"a":"1","a":"2"}"#).is_err());
    assert!(parse_json_params(r#"["a"]"#).is_err());
}
