//! The client's cost per call over a bare `reqwest` POST of the same
//! prepared request to the same emulator, over loopback:
//! `cargo bench -p usersig-client --bench overhead`.
//!
//! The emulator runs on its own thread (`start_in_background`, one worker,
//! no rate limit); the calls run one at a time on a current-thread runtime,
//! over one `reqwest::Client` (the client is given the very same one, so
//! both use one pool and one kept-alive connection). Three ways to ask
//! `openim/query_online_status` for one account with the detail:
//!
//! - `bare`: the request prepared once by `RestApi` (the same URL, headers
//!   and body the client sends), posted, and its body read: the floor any
//!   client pays;
//! - `typed` (`Client::query_online_status`): the rate-limit lookup (off),
//!   the lock, preparing the request (cached admin UserSig, fresh `random`),
//!   the timeout, the `tracing` spans (no subscriber), the post, the capped
//!   body read, `parse_response` and the typed answer;
//! - `call` (`Client::call`): the same, answering the whole JSON object.
//!
//! Loopback round trips on a shared host drift by 3x within minutes (25 to
//! 95 us for the same call, measured here), so one variant timed after the
//! other, as criterion does, compares two machines. Instead the variants
//! are interleaved: each round times a batch of each, in an order that
//! rotates, and the ratio is taken within the round; the median of the
//! rounds' ratios is the figure. Bounded: `ROUNDS` rounds of `BATCH` calls
//! per variant (about 30 000 calls).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::json;
use usersig::SecretKey;
use usersig_client::{Client, ClientConfig, RateLimits};
use usersig_login::rest::{PreparedRequest, Region, RestApi};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u32 = 1_400_000_000;
const ROUNDS: usize = 33;
const BATCH: usize = 300;
const WARM_UP: usize = 2_000;

async fn bare(http: &reqwest::Client, req: &PreparedRequest) {
    let mut r = http.post(req.url());
    for (name, value) in req.headers() {
        r = r.header(*name, *value);
    }
    let resp = r.body(req.body().to_vec()).send().await.unwrap();
    black_box(resp.bytes().await.unwrap());
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let key = SecretKey::new(KEY).unwrap();
    let mut emu_config = usersig_emulator::Config::new(APP, key.clone());
    emu_config.rate_limit = 0;
    let emu =
        usersig_emulator::start_in_background(emu_config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut config = ClientConfig::new(APP, "administrator", key.clone()).with_base_url(emu.url());
    config.rate_limits = RateLimits::off();
    config.http_client = Some(http.clone());
    let client = Client::new(config).unwrap();

    let mut api = RestApi::new(APP, "administrator", &key, Region::China)
        .unwrap()
        .with_base_url(emu.url())
        .unwrap();
    let req = api
        .query_online_status_at(&["administrator"], true, usersig::unix_now(), &mut || 7u32)
        .unwrap()
        .remove(0);
    let ids = ["administrator"];
    let body = json!({ "To_Account": ["administrator"], "IsNeedDetail": 1 });

    let time = |variant: usize, n: usize| -> Duration {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                match variant {
                    0 => bare(&http, &req).await,
                    1 => {
                        black_box(client.query_online_status(black_box(&ids)).await.unwrap());
                    }
                    _ => {
                        black_box(
                            client
                                .call("openim", "query_online_status", &body)
                                .await
                                .unwrap(),
                        );
                    }
                }
            }
            start.elapsed()
        })
    };

    // Each answers what it should, and everything is warm.
    let typed = rt.block_on(client.query_online_status(&ids)).unwrap();
    assert_eq!(typed.statuses.len(), 1);
    for v in 0..3 {
        time(v, WARM_UP);
    }

    let names = [
        "bare reqwest POST",
        "Client::query_online_status",
        "Client::call",
    ];
    let mut per_call: [Vec<f64>; 3] = Default::default();
    let mut ratios: [Vec<f64>; 2] = Default::default();
    for round in 0..ROUNDS {
        let mut took = [0f64; 3];
        for k in 0..3 {
            let v = (round + k) % 3;
            took[v] = time(v, BATCH).as_secs_f64() / BATCH as f64;
        }
        for v in 0..3 {
            per_call[v].push(took[v] * 1e6);
        }
        ratios[0].push(took[1] / took[0]);
        ratios[1].push(took[2] / took[0]);
    }
    println!(
        "{ROUNDS} rounds of {BATCH} calls per variant, interleaved; per call, median of the rounds:"
    );
    for v in 0..3 {
        println!("  {:<28} {:>7.1} us", names[v], median(&mut per_call[v]));
    }
    for (i, r) in ratios.iter_mut().enumerate() {
        let m = median(r);
        println!(
            "  {:<28} {:.3}x the bare POST (rounds: {:.3} to {:.3})",
            names[i + 1],
            m,
            r[0],
            r[r.len() - 1]
        );
    }
    drop(emu);
}
