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
