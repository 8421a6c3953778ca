use super::*;

#[test]
fn posts_the_pem_as_pkcs7_mime() {
    let r = return_payment_request(&Endpoint::production(), "-----BEGIN PKCS7-----\n").unwrap();
    assert_eq!(r.method(), Method::POST);
    assert_eq!(r.uri(), Endpoint::PRODUCTION);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pkcs7-mime");
}
