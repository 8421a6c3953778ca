use super::*;

fn minimal(cause: &str) -> ReturnPaymentRequest {
    ReturnPaymentRequest {
        client_order_id: "1".into(),
        request_dt: "2011-07-02T20:38:00.000Z".into(),
        invoice_id: "2".into(),
        shop_id: "3".into(),
        amount: "10.00".parse().unwrap(),
        currency: Some("643".into()),
        cause: Some(cause.into()),
        receipt: None,
    }
}

#[test]
fn every_attribute_value_is_escaped_and_reads_back() {
    let nasty = "a&b<c>d\"e'f\tg\nh\ri «Я» 😀";
    let xml = encode_request(&minimal(nasty)).unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(
        text.contains("a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i «Я» 😀"),
        "{text}"
    );
    assert_eq!(decode_request(&xml).unwrap().cause.as_deref(), Some(nasty));
}

#[test]
fn literal_newlines_in_attributes_read_as_spaces() {
    let xml = b"<returnPaymentRequest clientOrderId=\"1\" requestDT=\"x\" invoiceId=\"1\" shopId=\"1\" amount=\"1.00\" cause=\"a\nb\"/>";
    assert_eq!(decode_request(xml).unwrap().cause.as_deref(), Some("a b"));
}

#[test]
fn characters_xml_cannot_carry_are_refused_on_writing() {
    let e = encode_request(&minimal("bell\u{7}")).unwrap_err();
    assert_eq!(e.path, "returnPaymentRequest@cause");
}

#[test]
fn amounts_are_written_with_exactly_two_decimals() {
    let mut r = minimal("x");
    r.amount = "10".parse().unwrap();
    let text = String::from_utf8(encode_request(&r).unwrap()).unwrap();
    assert!(text.contains("amount=\"10.00\""), "{text}");
}

#[test]
fn the_declaration_is_utf8() {
    let xml = encode_request(&minimal("x")).unwrap();
    assert!(xml.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<returnPaymentRequest "));
}

#[test]
fn doctype_and_entities_are_refused() {
    let e = decode_request(b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><returnPaymentRequest cause=\"&e;\"/>").unwrap_err();
    assert!(e.detail.contains("DOCTYPE"), "{e}");
    let e = decode_request(b"<returnPaymentRequest clientOrderId=\"1\" requestDT=\"x\" invoiceId=\"1\" shopId=\"1\" amount=\"1.00\" cause=\"&custom;\"/>").unwrap_err();
    assert_eq!(e.path, "returnPaymentRequest@cause");
}

#[test]
fn depth_and_size_are_bounded() {
    let deep = "<a>".repeat(MAX_DEPTH + 1);
    assert!(read_tree(deep.as_bytes()).is_err());
    let big = vec![b' '; MAX_INPUT + 1];
    assert!(read_tree(&big).is_err());
}

#[test]
fn text_content_and_second_roots_are_refused() {
    assert!(read_tree(b"<a>text</a>").is_err());
    assert!(read_tree(b"<a/><b/>").is_err());
    assert!(read_tree(b"<a><b></a>").is_err());
}

#[test]
fn responses_keep_unknown_attributes_and_codes() {
    let r = read_response(b"<returnPaymentResponse clientOrderId=\"1\" status=\"3\" error=\"999\" processedDT=\"x\" extra=\"y\"/>").unwrap();
    assert_eq!(r.status, Status::Refused);
    assert_eq!(r.error, Some(ErrorCode::Other(999)));
    assert_eq!(r.other, vec![("extra".to_string(), "y".to_string())]);
}

#[test]
fn a_response_without_status_is_malformed() {
    let e = read_response(b"<returnPaymentResponse error=\"0\"/>").unwrap_err();
    assert_eq!(e.path, "returnPaymentResponse@status");
}
