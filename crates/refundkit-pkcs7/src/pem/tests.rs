use super::*;

const ONE: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";

#[test]
fn text_around_and_between_blocks_is_ignored_as_openssl_ignores_it() {
    let input = format!("subject=/CN=a\nissuer=/CN=b\n{ONE}\nsome words\r\n{ONE}trailing");
    assert!(is_pem(input.as_bytes()));
    let found = blocks(input.as_bytes()).unwrap();
    assert_eq!(found.len(), 2);
    assert!(
        found
            .iter()
            .all(|b| b.label == "CERTIFICATE" && b.der == [0, 1, 2])
    );
}

#[test]
fn crlf_line_ends_and_other_widths_read() {
    let input = "-----BEGIN CERTIFICATE-----\r\nAA\r\n  EC\r\n-----END CERTIFICATE-----\r\n";
    assert_eq!(
        decode(input.as_bytes(), &["CERTIFICATE"]).unwrap().1,
        [0, 1, 2]
    );
}

#[test]
fn rfc1421_headers_are_read_not_decoded_as_base64() {
    let input = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
    let block = &blocks(input.as_bytes()).unwrap()[0];
    assert!(block.is_encrypted());
    assert_eq!(block.der, [0, 1, 2]);
}

#[test]
fn der_is_not_pem_and_a_missing_end_line_is_named() {
    assert!(!is_pem(&[0x30, 0x03, 0x02, 0x01, 0x00]));
    let e = blocks(b"-----BEGIN CERTIFICATE-----\nAAEC\n").unwrap_err();
    assert_eq!(e, PemError::NoEnd("CERTIFICATE".into()));
    assert!(e.to_string().contains("-----END CERTIFICATE-----"), "{e}");
}

#[test]
fn encode_and_decode_are_inverse() {
    let der: Vec<u8> = (0..=255).collect();
    let pem = encode("PKCS7", &der);
    assert_eq!(decode(pem.as_bytes(), &["PKCS7"]).unwrap(), ("PKCS7", der));
}

#[test]
fn whitespace_inside_a_base64_line_is_taken_out_as_openssl_takes_it_out() {
    let input = "-----BEGIN CERTIFICATE-----\nAA E\tC\n-----END CERTIFICATE-----\n";
    assert_eq!(
        decode(input.as_bytes(), &["CERTIFICATE"]).unwrap().1,
        [0, 1, 2]
    );
}

#[test]
fn an_end_line_right_after_the_base64_on_its_line_ends_the_block() {
    let input = "-----BEGIN CERTIFICATE-----\nAAEC-----END CERTIFICATE-----";
    assert_eq!(
        decode(input.as_bytes(), &["CERTIFICATE"]).unwrap().1,
        [0, 1, 2]
    );
}

#[test]
fn another_label_s_end_line_does_not_end_the_block() {
    let input = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END PKCS7-----\n";
    assert_eq!(
        blocks(input.as_bytes()).unwrap_err(),
        PemError::NoEnd("CERTIFICATE".into())
    );
}

#[test]
fn a_colon_after_the_base64_has_begun_is_bad_base64_naming_the_block() {
    let input = "-----BEGIN CERTIFICATE-----\nAAEC\nName: value\n-----END CERTIFICATE-----\n";
    match blocks(input.as_bytes()).unwrap_err() {
        PemError::Base64 { label, .. } => assert_eq!(label, "CERTIFICATE"),
        other => panic!("{other:?}"),
    }
}

proptest::proptest! {
    /// Any DER, written at any line width with either line end, reads back as itself.
    #[test]
    fn any_der_at_any_width_reads_back(
        der in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        width in 4usize..100,
        crlf in proptest::bool::ANY,
    ) {
        let b64 = STANDARD.encode(&der);
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("-----BEGIN PKCS7-----{eol}");
        for chunk in b64.as_bytes().chunks(width) {
            text.push_str(std::str::from_utf8(chunk).unwrap());
            text.push_str(eol);
        }
        text.push_str("-----END PKCS7-----");
        text.push_str(eol);
        proptest::prop_assert_eq!(decode(text.as_bytes(), &["PKCS7"]).unwrap().1, der);
    }
}

#[test]
fn base64_is_refused_where_rfc4648_refuses_it() {
    for body in [
        "AAE",    // no padding
        "AAF=",   // trailing bits not zero
        "AA==AA", // data after padding
        "AAE*",   // not the alphabet
        "AA-_",   // the URL-safe alphabet
    ] {
        let input = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        assert!(
            matches!(
                blocks(input.as_bytes()),
                Err(PemError::Base64 { .. } | PemError::NoEnd(_))
            ),
            "{body}: {:?}",
            blocks(input.as_bytes())
        );
    }
}
