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
