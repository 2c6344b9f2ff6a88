//! What the client tests share: the app, an emulator on 127.0.0.1 port 0 on
//! the test's runtime, a client configured for it with short backoffs and
//! the emulator's manual clock, and a capture of every `tracing` line.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use usersig::{SecretKey, Signer};
use usersig_client::{Backoff, ClientConfig, RetryPolicy, UnixClock};
use usersig_emulator::{Clock, Config, Handle, LoginRequest, start};

pub const APP: u32 = 1_400_000_000;
pub const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
pub const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
pub const NOW: u64 = 1_700_000_000;

pub fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

/// An emulator on the manual clock at `NOW`, changed by `tune`.
pub async fn emulator(tune: impl FnOnce(&mut Config)) -> Handle {
    let mut c = Config::new(APP, key());
    c.clock = Clock::Manual { now: NOW };
    tune(&mut c);
    start(c, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// Retries fast enough for tests: 3 attempts, 5 ms doubling up to 50 ms,
/// a 10 s deadline.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
        },
        deadline: Some(Duration::from_secs(10)),
        retry_writes_on_transport: false,
    }
}

/// A client for `emu`: its URL, its clock, fast retries.
pub fn config(emu: &Handle) -> ClientConfig {
    let mut c = ClientConfig::new(APP, "administrator", key()).with_base_url(emu.url());
    let e = emu.emulator().clone();
    c.clock = UnixClock::from_fn(move || e.now());
    c.retry = fast_retry();
    c
}

/// Logs `user` in on the emulator (a Web instance named `instance`).
pub fn login(emu: &Handle, user: &str, instance: &str) {
    let now = emu.emulator().now();
    let sig = Signer::new(APP, &key())
        .unwrap()
        .sign_at(user, 86_400, now)
        .unwrap();
    let r = emu
        .emulator()
        .login(&LoginRequest {
            user_id: user.into(),
            user_sig: sig,
            platform: "Web".into(),
            instance_id: instance.into(),
        })
        .unwrap();
    assert_eq!(r.error_code, 0, "{r:?}");
}

/// Whether the emulator holds the account `user`.
pub fn has_account(emu: &Handle, user: &str) -> bool {
    emu.emulator()
        .state()
        .accounts
        .iter()
        .any(|a| a.user_id == user)
}

/// Every line a `fmt` subscriber writes, spans opening and closing included.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Lines holding every one of `parts`.
    pub fn count(&self, parts: &[&str]) -> usize {
        self.text()
            .lines()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .count()
    }
}

/// Captures every `tracing` line of this thread (the test's current-thread
/// runtime: the client's and the emulator's), at `trace` level, until the
/// guard drops.
pub fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let cap = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(cap.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .finish();
    (cap, tracing::subscriber::set_default(subscriber))
}

/// A port on 127.0.0.1 with nothing listening (bound, then closed).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
