use super::*;

fn json_error(text: &str) -> DecodeError {
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        a: u8,
    }
    DecodeError::from_json("x", &serde_json::from_str::<T>(text).unwrap_err())
}

#[test]
fn serde_errors_get_a_kind_a_caller_can_match() {
    assert_eq!(
        json_error(r#"{"a":1,"b":2}"#).kind,
        DecodeErrorKind::UnknownField
    );
    assert_eq!(json_error("{}").kind, DecodeErrorKind::MissingField);
    assert_eq!(json_error(r#"{"a":"1"}"#).kind, DecodeErrorKind::Type);
    assert_eq!(json_error(r#"{"a":1000}"#).kind, DecodeErrorKind::Value);
    assert_eq!(json_error("{").kind, DecodeErrorKind::Syntax);
    let deep = serde_json::from_str::<serde_json::Value>(&"[".repeat(200)).unwrap_err();
    assert_eq!(
        DecodeError::from_json("", &deep).kind,
        DecodeErrorKind::TooDeep
    );
}

#[test]
fn the_path_leads_and_serdes_position_is_dropped() {
    let e = json_error(r#"{"a":1,"b":2}"#);
    assert_eq!(e.to_string(), "x: unknown field `b`, expected `a`");
    assert_eq!(
        DecodeError::too_large(10, 5).to_string(),
        "10 bytes, at most 5 accepted"
    );
    assert_eq!(
        EncodeError::new("Tax", "no code").to_string(),
        "Tax: no code"
    );
}
