#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usersig::fuzz_harness::tamper(data));
