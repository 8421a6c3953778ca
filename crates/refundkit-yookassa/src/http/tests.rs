use super::*;

#[test]
fn posts_the_pem_as_pkcs7_mime() {
    let signed = SignedRequest("-----BEGIN PKCS7-----\n".into());
    let r = return_payment_request(&Endpoint::production(), &signed).unwrap();
    assert_eq!(r.method(), Method::POST);
    assert_eq!(
        r.uri(),
        "https://shop.yookassa.ru/webservice/mws/api/returnPayment"
    );
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pkcs7-mime");
}

#[test]
fn the_documented_hosts_are_base_urls() {
    for base in [Endpoint::PRODUCTION, Endpoint::LEGACY, Endpoint::DEMO] {
        assert!(refundkit_core::BaseUrl::parse(base).is_ok());
    }
    assert_eq!(
        Endpoint::demo().return_payment_url(),
        "https://penelope-demo.yamoney.ru:8083/webservice/mws/api/returnPayment"
    );
}
