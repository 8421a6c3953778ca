//! Properties of the Robokassa codec over generated requests.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use common::{key, request_strategy as request};
use proptest::prelude::*;
use refundkit_robokassa::{
    Accept, Alg, check, decode_request, encode_request, sign, validate, verify,
};

fn alg() -> impl Strategy<Value = Alg> {
    proptest::sample::select(Alg::ALL.to_vec())
}

proptest! {
    #[test]
    fn any_valid_payload_signs_and_verifies_back_to_an_equal_value(r in request(), alg in alg()) {
        prop_assert!(!check(&r).has_errors());
        let token = sign(&validate(r.clone()).unwrap(), &key(), alg).unwrap();
        let v = verify(token.as_str(), &key(), Accept::Only(alg)).unwrap();
        prop_assert_eq!(&v.request, &r);
        prop_assert_eq!(v.payload_json, encode_request(&r).unwrap());
    }

    #[test]
    fn any_change_of_one_byte_of_a_token_fails_verification(
        r in request(), alg in alg(), pos in any::<prop::sample::Index>(), byte in any::<u8>()
    ) {
        let token = sign(&validate(r.clone()).unwrap(), &key(), alg).unwrap().into_string();
        let mut bytes = token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let tampered = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verify(&tampered, &key(), Accept::AnyHmac).is_err(), "{} accepted", tampered);
    }

    #[test]
    fn decimal_formatting_round_trips_through_serde_json(r in request()) {
        // The payload is JSON serde_json accepts, and re-reading it gives the same request
        // and the same bytes.
        let bytes = encode_request(&r).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert!(value.is_object());
        let back = decode_request(&bytes).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(encode_request(&back).unwrap(), bytes);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_request(&bytes);
        let s = String::from_utf8_lossy(&bytes);
        let _ = verify(&s, &key(), Accept::AnyHmac);
        let _ = refundkit_robokassa::decode_unverified(&s);
        let _ = refundkit_robokassa::parse_response(200, &bytes);
        let _ = refundkit_robokassa::parse_state_response(200, &bytes);
    }
}
