#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usersig_login::fuzz_harness::kick_and_code(data));
