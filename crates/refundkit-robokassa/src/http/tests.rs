use super::*;

fn token() -> Token {
    Token("aaa.bbb.ccc".into())
}

#[test]
fn create_posts_the_token_as_a_json_string_by_default() {
    let r = create_request(&Endpoint::production(), &token(), CreateBody::default()).unwrap();
    assert_eq!(r.method(), Method::POST);
    assert_eq!(
        r.uri(),
        "https://services.robokassa.ru/RefundService/Refund/Create"
    );
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(r.body(), b"\"aaa.bbb.ccc\"");
}

#[test]
fn create_can_post_the_bare_token() {
    let r = create_request(&Endpoint::production(), &token(), CreateBody::BareJwt).unwrap();
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/jwt");
    assert_eq!(r.body(), b"aaa.bbb.ccc");
    let r = create_request(&Endpoint::production(), &token(), CreateBody::BareText).unwrap();
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/plain");
}

#[test]
fn get_state_percent_encodes_the_id() {
    let r = state_request(
        &Endpoint::production(),
        "cf15fd52-d2d1-4fc4-b9c0-25310e3bdded",
    )
    .unwrap();
    assert_eq!(r.method(), Method::GET);
    assert_eq!(
        r.uri(),
        "https://services.robokassa.ru/RefundService/Refund/GetState?id=cf15fd52-d2d1-4fc4-b9c0-25310e3bdded"
    );
    let r = state_request(&Endpoint::production(), "a b&c=d/é").unwrap();
    assert_eq!(r.uri().query(), Some("id=a%20b%26c%3Dd%2F%C3%A9"));
}

#[test]
fn endpoint_base_must_be_an_absolute_http_url() {
    assert!(Endpoint::custom("http://127.0.0.1:8080/RefundService/").is_ok());
    assert!(Endpoint::custom("ftp://x/").is_err());
    assert!(Endpoint::custom("/relative").is_err());
    assert!(Endpoint::custom("not a url").is_err());
    assert!(refundkit_core::BaseUrl::parse(Endpoint::PRODUCTION).is_ok());
}

#[test]
fn a_create_request_kept_on_record_loses_its_signature_and_keeps_its_payload() {
    for body in [CreateBody::default(), CreateBody::BareJwt] {
        let r = create_request(&Endpoint::production(), &token(), body).unwrap();
        let kept = unsigned(&r);
        let text = String::from_utf8(kept.body().clone()).unwrap();
        assert!(text.contains("aaa.bbb.REDACTED"), "{text}");
        assert!(!text.contains("ccc"), "{text}");
        assert_eq!(kept.uri(), r.uri());
    }
}
