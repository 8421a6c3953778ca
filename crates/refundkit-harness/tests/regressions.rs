//! Every input a fuzz target has failed on, as a named test that runs on stable.
//!
//! Each test replays the crashing input through its target, and then states the repaired rule
//! on the wire directly: a structured target reads its input through `arbitrary`, so the same
//! bytes build a different value once the target's generator changes, and the replay alone
//! would silently stop testing anything.
#![allow(clippy::unwrap_used)]

use refundkit_harness::structured;

/// robokassa_round_trip, 2026-11-22, on the empty input: the target expected `sign` to sign a
/// request with an empty OpKey. Only a validated request can be signed, by design (since issue
/// 12 by type: `sign` takes a `Validated`); the target now states that law (refused exactly
/// when `check` reports an error) instead.
#[test]
fn robokassa_sign_refuses_exactly_what_validate_reports() {
    structured::robokassa_round_trip(b"");
    let request = refundkit_robokassa::RefundRequest::full("");
    match refundkit_robokassa::validate(request.clone()) {
        Err(invalid) => assert_eq!(invalid.report, refundkit_robokassa::check(&request)),
        Ok(_) => panic!("an empty OpKey was not refused"),
    }
}

/// yandex_pay_round_trip, 2026-11-22: `"2444988245986420478668341248.0"` has 29 significant
/// digits, which Decimal holds, but the parser dropped the trailing zero past 28, so the body
/// re-encoded as `"...248"` and was no longer the bytes it was read from.
#[test]
fn yandex_pay_amount_of_29_digits_reads_back_at_its_written_scale() {
    structured::yandex_pay_round_trip(b"[\x00\x00\x01\x00\x00\x00\x00\x00\x00x\x00O\n");
    let body = br#"{"refundAmount":"2444988245986420478668341248.0","orderAmount":"0","cart":{"items":[],"total":{"amount":"0"}}}"#;
    let request = refundkit_yandex_pay::decode_request(body).unwrap();
    assert_eq!(
        refundkit_yandex_pay::encode_request(&request).unwrap(),
        body
    );
}

/// yookassa_round_trip, 2026-11-22: the same parser fault on an item's `quantity`
/// (`466048034234108104073124.24960` read back as `...2496`).
#[test]
fn yookassa_quantity_of_29_digits_reads_back_at_its_written_scale() {
    structured::yookassa_round_trip(
        b"\x00\x00\x00\x00\x00\xff\xff\xff\x00\x96\x9d\x96\x96\x96\xfe\xff\x00\x00\x00\x00\x00\x00\x00\xff\xff\x96\x96\x96\x96\x96\x00\x00\n\xbb@~\xff\xff\xff",
    );
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<returnPaymentRequest clientOrderId="" requestDT="" invoiceId="" shopId="" amount="65535.00">
 <receipt>
  <items>
   <item quantity="466048034234108104073124.24960" tax="" text="">
    <price amount="18446601415213842432.00"/>
   </item>
  </items>
 </receipt>
</returnPaymentRequest>"#;
    let request = refundkit_yookassa::decode_request(xml).unwrap();
    assert_eq!(refundkit_yookassa::encode_request(&request).unwrap(), xml);
}

/// rbs_response, 2026-11-23 (CI's 10 s campaign): `{"errorCode":"0","error2essage":"<invalid
/// UTF-8>"}` read as a success, because serde skips an unknown member's string without checking
/// its UTF-8, and the target's oracle (which parses the whole body) refused it. A body that is
/// not UTF-8 throughout is not JSON, so it is malformed, in every provider's parser.
#[test]
fn an_answer_that_is_not_utf8_throughout_is_malformed() {
    let body = b"{\"errorCode\":\"0\",\"error2essage\":\"\xd0\xa3\xd1\x81\xf9\xd0\xbf\"}\n";
    refundkit_harness::rbs_response(body);
    use refundkit_core::Verdict;
    assert_eq!(
        refundkit_rbs::parse_response(200, body).verdict(),
        Verdict::Malformed
    );
    let robokassa = b"{\"success\":true,\"requestId\":\"1\",\"x\":\"\xf9\"}";
    assert_eq!(
        refundkit_robokassa::parse_response(200, robokassa).verdict(),
        Verdict::Malformed
    );
}

/// robokassa_response, 2026-11-23 (a 90 s local campaign): a GetState success with an unknown
/// member holding `-1.04444e4444444400000`. The parser was right (valid JSON, RFC 8259 6; the
/// success is stated); the target's oracle, which read the body into a `serde_json::Value`,
/// could not hold the number and panicked. The oracle now reads member by member.
#[test]
fn a_number_beyond_f64_in_an_unknown_member_does_not_hide_a_stated_success() {
    let body = b"{\n    \"requestId\": \"30\",\n    \"]mount\":-1.04444e4444444400000,\n    \"label\": \"prg\"}\n";
    refundkit_harness::robokassa_response(body);
    assert!(refundkit_robokassa::parse_state_response(200, body).is_success());
}

/// refund_machine, 2026-12-07, the day YooKassa API v3 became the fifth sample refund: the
/// target built its own credentials for the first four providers, so a first byte of 4 picked
/// a refund it could not build a request for ("the sample credentials build"). The target now
/// takes every provider's sample credential from the facade's one loader; the rule is that
/// every sample refund builds its first request with the samples.
#[test]
fn every_sample_refund_builds_its_request_with_the_sample_credentials() {
    refundkit_harness::machine::refund_machine(include_bytes!(
        "../../../fuzz/corpus/refund_machine/yookassa-v3-sample-credentials"
    ));
    let credentials = refundkit::samples::credentials();
    let desc = refundkit::plan::RefundDescription::from_json(include_bytes!(
        "../../../testdata/plan/sample-order.json"
    ))
    .unwrap();
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_428_000);
    for p in refundkit::plan::build(&desc, &credentials, &[], now)
        .unwrap()
        .providers
    {
        let refund = p.refund.unwrap();
        assert!(refund.poll(now, &credentials).is_ok(), "{}", p.provider);
    }
}
