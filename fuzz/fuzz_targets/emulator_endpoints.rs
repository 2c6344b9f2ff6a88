#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usersig_emulator::fuzz_harness::endpoints(data));
