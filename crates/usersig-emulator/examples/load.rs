//! A bounded load generator for the emulator, over loopback only.
//!
//! ```sh
//! cargo run --release -p usersig-emulator --example load            # 20 000 requests per phase
//! cargo run --release -p usersig-emulator --example load -- 50000   # more
//! ```
//!
//! The server runs on one tokio worker thread (one core); the client, on
//! this thread, keeps 64 requests in flight over keep-alive connections.
//! Each phase stops after its count of requests or 30 s, whichever comes
//! first; the two HTTP phases are interleaved over three rounds and the best
//! of each is kept. It prints, side by side:
//! - logins per second over HTTP (every login verifies its UserSig; 1 000
//!   accounts, 10 Web instances allowed each, 40 instance names, so most
//!   logins kick an older one),
//! - trivial requests per second over HTTP (an empty `events` poll): the
//!   HTTP floor of the same server and client,
//! - logins per second in process (no HTTP),
//! - the memory per online instance: resident memory grown by logging in
//!   100 000 instances of 100 000 accounts, in process (Linux; the kernel's
//!   `VmRSS`, so allocator slack included).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use usersig::{SecretKey, Signer};
use usersig_emulator::{Clock, Config, Emulator, LoginRequest, start_in_background};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const NOW: u64 = 1_700_000_000;
const ACCOUNTS: usize = 1_000;
const IN_FLIGHT: usize = 64;
const DEADLINE: Duration = Duration::from_secs(30);

fn config() -> Config {
    let mut c = Config::new(APP, SecretKey::new(KEY).unwrap());
    c.clock = Clock::Manual { now: NOW };
    c.web_instances = 10;
    c.rate_limit = 0;
    c.limits.max_accounts = 200_000;
    c.limits.max_instances = 200_000;
    c
}

fn sigs(n: usize) -> Vec<String> {
    let signer = Signer::new(APP, &SecretKey::new(KEY).unwrap()).unwrap();
    (0..n)
        .map(|i| signer.sign_at(&format!("user{i}"), 86_400, NOW).unwrap())
        .collect()
}

fn login_body(i: usize, sigs: &[String]) -> String {
    serde_json::json!({
        "UserID": format!("user{}", i % ACCOUNTS),
        "UserSig": sigs[i % ACCOUNTS],
        "Platform": "Web",
        "InstanceID": format!("tab{}", (i / ACCOUNTS) % 40),
    })
    .to_string()
}

/// Sends `total` requests made by `make`, `IN_FLIGHT` at a time; returns
/// requests per second and how many were answered with HTTP 200.
async fn drive(
    client: &reqwest::Client,
    total: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> (f64, usize) {
    let start = Instant::now();
    let mut done = 0usize;
    let mut ok = 0usize;
    let mut next = 0usize;
    let mut running = tokio::task::JoinSet::new();
    while done < total && start.elapsed() < DEADLINE {
        while running.len() < IN_FLIGHT && next < total {
            let req = make(next);
            next += 1;
            running.spawn(async move {
                let r = req.send().await.ok()?;
                let status = r.status().as_u16();
                r.bytes().await.ok()?;
                Some(status)
            });
        }
        match running.join_next().await {
            Some(Ok(Some(200))) => ok += 1,
            Some(_) => {}
            None => break,
        }
        done += 1;
    }
    let _ = client;
    (done as f64 / start.elapsed().as_secs_f64(), ok)
}

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let sigs = sigs(ACCOUNTS);

    // In process: logins per second without HTTP.
    let emu = Emulator::new(config()).unwrap();
    let reqs: Vec<LoginRequest> = (0..total)
        .map(|i| serde_json::from_str(&login_body(i, &sigs)).unwrap())
        .collect();
    let start = Instant::now();
    for r in &reqs {
        assert!(emu.login(r).unwrap().is_ok());
    }
    let in_process = total as f64 / start.elapsed().as_secs_f64();
    emu.check_invariants().unwrap();
    drop(emu);

    // Over HTTP, the server on one worker thread.
    let server = start_in_background(config(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = server.url().to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(IN_FLIGHT)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let login_url = format!("{url}/emulator/v1/login");
    let events_url = format!("{url}/emulator/v1/events?InstanceID=nobody");
    let bodies: Vec<String> = (0..total).map(|i| login_body(i, &sigs)).collect();
    // Three rounds, the two phases interleaved; the best of each phase.
    let (mut trivial, mut logins, mut trivial_ok, mut logins_ok) = (0f64, 0f64, 0, 0);
    for _ in 0..3 {
        let (t, ok) = rt.block_on(drive(&client, total, |_| client.get(&events_url)));
        trivial = trivial.max(t);
        trivial_ok += ok;
        let (l, ok) = rt.block_on(drive(&client, total, |i| {
            client.post(&login_url).body(bodies[i].clone())
        }));
        logins = logins.max(l);
        logins_ok += ok;
    }
    server.check_invariants().unwrap();
    let state = server.state();
    drop(server);

    // Memory per online instance, in process.
    let emu = Emulator::new({
        let mut c = config();
        c.web_instances = 1;
        c
    })
    .unwrap();
    let n = 100_000usize;
    let signer = Signer::new(APP, &SecretKey::new(KEY).unwrap()).unwrap();
    let many: Vec<LoginRequest> = (0..n)
        .map(|i| LoginRequest {
            user_id: format!("member{i}"),
            user_sig: signer.sign_at(&format!("member{i}"), 86_400, NOW).unwrap(),
            platform: "Web".into(),
            instance_id: format!("instance-{i}"),
        })
        .collect();
    let before = rss_kib();
    for r in &many {
        assert!(emu.login(r).unwrap().is_ok());
    }
    let after = rss_kib();
    assert_eq!(emu.state().online_count, n);

    println!(
        "requests per phase: {total}, {IN_FLIGHT} in flight, server on 1 worker thread, best of 3 interleaved rounds"
    );
    println!("trivial requests over HTTP: {trivial:.0}/s ({trivial_ok} answered 200)");
    println!(
        "logins over HTTP:           {logins:.0}/s ({logins_ok} answered 200; {:.2} of the trivial rate)",
        logins / trivial
    );
    println!(
        "logins in process:          {in_process:.0}/s ({:.1}x the HTTP rate)",
        in_process / logins
    );
    println!(
        "kicks logged: {} (kept {}), online at the end: {}",
        state.kicks.len() as u64 + state.dropped.kicks,
        state.kicks.len(),
        state.online_count
    );
    match (before, after) {
        (Some(b), Some(a)) => println!(
            "memory per online instance (with its account): {:.0} bytes of resident memory over {n}",
            (a.saturating_sub(b) * 1024) as f64 / n as f64
        ),
        _ => println!("memory per online instance: /proc/self/status not readable here"),
    }
}
