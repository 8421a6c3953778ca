//! Certificates and messages as others ship them, from ../shared/peer-data (its README names
//! the sources): the Yandex.Money "joinup" example of romkavt/yandex-money-kassa-example.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use refundkit_pkcs7::{Certificate, Error, Trust, open};
use refundkit_testkit::peer_data;

fn peer(path: &str) -> Option<Vec<u8>> {
    peer_data(&format!("yookassa/{path}"))
}

#[test]
fn the_provider_signed_2015_notifications_verify_under_its_certificate() {
    let (Some(cert), Some(check), Some(aviso), Some(check_xml), Some(aviso_xml)) = (
        peer("ym_paymentcenter_2014.pem"),
        peer("ym_checkOrder_2015.p7.pem"),
        peer("ym_paymentAviso_2015.p7.pem"),
        peer("ym_checkOrder_2015.content.xml"),
        peer("ym_paymentAviso_2015.content.xml"),
    ) else {
        return;
    };
    let cert = Certificate::from_pem_or_der(&cert).unwrap();
    for (message, content) in [(check, check_xml), (aviso, aviso_xml)] {
        let opened = open(&message, Trust::Certificate(&cert)).unwrap();
        assert_eq!(opened.content, content);
        assert_eq!(opened.signed_by, Some(0));
        assert!(cert.subject().contains("PaymentCenter"));
    }
}

#[test]
fn a_certificate_file_with_text_before_the_pem_block_loads_as_openssl_loads_it() {
    let (Some(plain), Some(printed)) = (
        peer("ym_paymentcenter_2014.pem"),
        peer("ym_paymentcenter_2014.print_certs.pem"),
    ) else {
        return;
    };
    assert!(printed.starts_with(b"subject="));
    assert_eq!(
        Certificate::from_pem_or_der(&printed).unwrap(),
        Certificate::from_pem_or_der(&plain).unwrap()
    );
}

#[test]
fn a_file_of_several_certificates_is_a_trust_set_and_says_which_one_signs() {
    let (Some(shipped), Some(current), Some(check)) = (
        peer("ym_yamoney_as_shipped.pem"),
        peer("ym_paymentcenter_2014.print_certs.pem"),
        peer("ym_checkOrder_2015.p7.pem"),
    ) else {
        return;
    };
    let shipped = Certificate::all_from_pem_or_der(&shipped).unwrap();
    assert_eq!(
        shipped.len(),
        3,
        "the example ships a three-certificate chain"
    );
    // The chain is of a later key: it does not verify the 2015 messages...
    assert_eq!(
        open(&check, Trust::AnyOf(&shipped)).unwrap_err(),
        Error::BadSignature
    );
    // ...and with the 2014 certificate added, the set verifies, naming the one that signed.
    let mut set = shipped.clone();
    set.extend(Certificate::all_from_pem_or_der(&current).unwrap());
    let opened = open(&check, Trust::AnyOf(&set)).unwrap();
    assert_eq!(opened.signed_by, Some(3));
}

#[test]
fn crlf_line_ends_load() {
    let Some(plain) = peer("ym_paymentcenter_2014.pem") else {
        return;
    };
    let crlf = String::from_utf8(plain.clone())
        .unwrap()
        .replace('\n', "\r\n");
    assert_eq!(
        Certificate::from_pem_or_der(crlf.as_bytes()).unwrap(),
        Certificate::from_pem_or_der(&plain).unwrap()
    );
}
