//! Webhook delivery: one task sends the queued `State.StateChange` callbacks
//! in the order they were queued (so in order per account), each with a 2 s
//! timeout, and records every outcome in the state's webhook log. Logins
//! never wait for it: they queue without blocking, and a full queue logs
//! the delivery as dropped.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::Emulator;
use crate::emulator::truncate;

/// How long one delivery may take, connection included.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(2);

/// Most bytes of a reply kept in the log.
pub const MAX_REPLY_LOGGED: usize = 4096;

/// Most bytes of a reply read.
const MAX_REPLY_READ: usize = 64 * 1024;

/// One queued callback.
pub(crate) struct Delivery {
    pub(crate) id: u64,
    pub(crate) url: String,
    pub(crate) body: Vec<u8>,
}

/// What became of one delivery.
pub(crate) struct Outcome {
    pub(crate) state: &'static str,
    pub(crate) status: Option<u16>,
    pub(crate) reply: Option<String>,
    pub(crate) reply_ok: bool,
    pub(crate) error: Option<String>,
}

/// The HTTP client for deliveries: rustls, a 2 s timeout, no redirects and
/// no proxy from the environment (a callback to a loopback URL stays on
/// loopback).
pub(crate) fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .connect_timeout(WEBHOOK_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("usersig-emulator/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sends every queued delivery, one at a time, until the queue closes.
pub(crate) async fn run(emu: Emulator, mut rx: mpsc::Receiver<Delivery>, client: reqwest::Client) {
    while let Some(d) = rx.recv().await {
        let outcome = deliver(&client, d.url, d.body).await;
        tracing::info!(
            target: "usersig_emulator::webhook",
            id = d.id,
            state = outcome.state,
            status = outcome.status,
            "webhook"
        );
        emu.delivered(d.id, outcome);
    }
}

async fn deliver(client: &reqwest::Client, url: String, body: Vec<u8>) -> Outcome {
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => return failed(&e),
    };
    let status = resp.status().as_u16();
    let mut buf = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                let room = MAX_REPLY_READ.saturating_sub(buf.len());
                buf.extend_from_slice(c.get(..room.min(c.len())).unwrap_or_default());
                if buf.len() >= MAX_REPLY_READ {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                let mut o = failed(&e);
                o.status = Some(status);
                return o;
            }
        }
    }
    let reply_ok = status == 200
        && serde_json::from_slice::<serde_json::Value>(&buf)
            .ok()
            .and_then(|v| {
                v.get("ActionStatus")
                    .and_then(|s| s.as_str())
                    .map(|s| s == "OK")
            })
            .unwrap_or(false);
    let mut reply = String::from_utf8_lossy(&buf).into_owned();
    truncate(&mut reply, MAX_REPLY_LOGGED);
    Outcome {
        state: if reply_ok { "delivered" } else { "refused" },
        status: Some(status),
        reply: Some(reply),
        reply_ok,
        error: None,
    }
}

fn failed(e: &reqwest::Error) -> Outcome {
    let what = if e.is_timeout() {
        "timed out after 2 s"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    Outcome {
        state: "failed",
        status: None,
        reply: None,
        reply_ok: false,
        // The URL is the configured one; the error text has no secret in it.
        error: Some(what.to_owned()),
    }
}
