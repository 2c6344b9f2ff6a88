//! The client-side rate limits: one `governor` limiter per API, made when
//! the API is first called, waited on with tokio's timer.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, Quota};

use crate::config::{RateLimit, RateLimits};

/// The shortest wait between two tries for a slot (against a zero wait
/// rounded down, which would spin).
const MIN_WAIT: Duration = Duration::from_micros(50);

/// One API's limiter, `None` for an API without a limit.
type Limiter = Option<Arc<DefaultDirectRateLimiter>>;

pub(crate) struct Limiters {
    config: RateLimits,
    /// By `(service, command)`, made at the API's first call.
    made: Mutex<HashMap<(String, String), Limiter>>,
}

fn quota(limit: RateLimit) -> Option<Quota> {
    let rate = NonZeroU32::new(limit.per_second)?;
    let burst = NonZeroU32::new(limit.burst)?;
    Some(Quota::per_second(rate).allow_burst(burst))
}

impl Limiters {
    /// The limiters for `config`; `Err` names the API of a limit that is 0.
    pub(crate) fn new(config: RateLimits) -> Result<Self, String> {
        for (service, command, limit) in config.all() {
            if limit.is_some_and(|l| quota(l).is_none()) {
                return Err(format!("{service}/{command}"));
            }
        }
        Ok(Self {
            config,
            made: Mutex::new(HashMap::new()),
        })
    }

    /// The limiter of `service`/`command`, `None` when it has no limit.
    pub(crate) fn get(&self, service: &str, command: &str) -> Limiter {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(l) = made.get(&(service.to_owned(), command.to_owned())) {
            return l.clone();
        }
        let limiter = self
            .config
            .get(service, command)
            .and_then(quota)
            .map(|q| Arc::new(DefaultDirectRateLimiter::direct(q)));
        made.insert((service.to_owned(), command.to_owned()), limiter.clone());
        limiter
    }
}

/// Waits for the limiter's next slot and takes it, returning the time
/// waited; `Err` (taking nothing) as soon as a wait would last longer than
/// the time `left` says is left.
pub(crate) async fn take_slot(
    limiter: &DefaultDirectRateLimiter,
    mut left: impl FnMut() -> Option<Duration>,
) -> Result<Duration, ()> {
    let mut waited = Duration::ZERO;
    loop {
        let Err(not_until) = limiter.check() else {
            return Ok(waited);
        };
        let wait = not_until
            .wait_time_from(limiter.clock().now())
            .max(MIN_WAIT);
        if left().is_some_and(|l| wait > l) {
            return Err(());
        }
        tokio::time::sleep(wait).await;
        waited = waited.saturating_add(wait);
    }
}
