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

fn list() -> ListReturns {
    ListReturns {
        request_dt: "2026-11-22T16:00:00.000Z".into(),
        shop_id: "6689".into(),
        from: "2026-11-01T00:00:00.000+03:00".into(),
        till: "2026-11-30T23:59:59.000+03:00".into(),
    }
}

#[test]
fn a_list_returns_form_reads_back_as_it_was_built() {
    let request = list_returns_request(&Endpoint::production(), &list()).unwrap();
    assert_eq!(decode_list_returns_request(request.body()).unwrap(), list());
}

#[test]
fn a_list_returns_form_needs_request_dt_shop_id_from_and_till() {
    let body = list_returns_request(&Endpoint::production(), &list())
        .unwrap()
        .into_body();
    let body = String::from_utf8(body).unwrap();
    for name in ["requestDT", "shopId", "from", "till"] {
        let without: Vec<&str> = body
            .split('&')
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect();
        let e = decode_list_returns_request(without.join("&").as_bytes()).unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.kind),
            (name, DecodeErrorKind::MissingField)
        );
    }
}

#[test]
fn a_list_returns_field_given_twice_is_refused() {
    let e = decode_list_returns_request(
        b"requestDT=2026-11-22T16%3A00%3A00.000Z&shopId=1&shopId=2&from=2026-11-01T00%3A00%3A00Z&till=2026-11-02T00%3A00%3A00Z",
    )
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("shopId", DecodeErrorKind::Repeated)
    );
}

#[test]
fn a_list_returns_period_must_be_iso_8601_with_an_offset() {
    let e = decode_list_returns_request(
        b"requestDT=2026-11-22T16%3A00%3A00.000Z&shopId=1&from=2026-11-01&till=2026-11-02T00%3A00%3A00Z",
    )
    .unwrap_err();
    assert_eq!((e.path.as_str(), e.kind), ("from", DecodeErrorKind::Value));
}

#[test]
fn a_list_returns_form_asks_for_xml_or_nothing() {
    let e = decode_list_returns_request(
        b"requestDT=2026-11-22T16%3A00%3A00.000Z&outputFormat=CSV&shopId=1&from=2026-11-01T00%3A00%3A00Z&till=2026-11-02T00%3A00%3A00Z",
    )
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("outputFormat", DecodeErrorKind::Value)
    );
}

#[test]
fn a_list_returns_shop_id_is_a_long_as_mws_reads_it() {
    // Found by the yookassa_list_returns fuzz target: a shopId of text was taken, and its
    // form, percent-encoded again, grew past what the decoder reads.
    let regression =
        include_bytes!("../../../../fuzz/corpus/yookassa_list_returns/shop-id-not-a-long");
    let e = decode_list_returns_request(regression).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("shopId", DecodeErrorKind::Value)
    );
    for bad in ["x", "66 89", "-6689", "99999999999999999999", ""] {
        let form = format!(
            "requestDT=2026-11-22T16:00:00.000Z&shopId={bad}&from=2026-11-01T00:00:00.000Z&till=2026-11-30T00:00:00.000Z"
        );
        let e = decode_list_returns_request(form.as_bytes()).unwrap_err();
        assert_eq!(e.path, "shopId", "{bad}");
    }
}
