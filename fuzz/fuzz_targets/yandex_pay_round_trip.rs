#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| refundkit_harness::structured::yandex_pay_round_trip(data));
