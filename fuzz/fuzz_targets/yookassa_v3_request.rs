#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| refundkit_harness::yookassa_v3_request(data));
