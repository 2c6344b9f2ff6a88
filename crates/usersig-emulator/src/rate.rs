//! REST call limits per API and second, with `governor`, on a clock that
//! follows the emulator's: real time, or the manual clock (which only moves
//! when it is set, so that a test of the limit never races the clock).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

/// The most seconds past the start the limits count (about 146 years):
/// `governor` counts in `u64` nanoseconds and panics on a longer time, so a
/// manual clock set further on leaves the limits' clock here.
const MAX_RATE_SECS: u64 = (u64::MAX / 4) / 1_000_000_000;

/// The time the limits count with: real, or the manual clock's seconds since start.
#[derive(Clone, Debug)]
pub(crate) struct RateClock {
    start: Instant,
    manual: Option<Arc<AtomicU64>>,
}

impl Clock for RateClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        match &self.manual {
            Some(secs) => Nanos::from(Duration::from_secs(
                secs.load(Ordering::Relaxed).min(MAX_RATE_SECS),
            )),
            None => Nanos::from(self.start.elapsed().min(Duration::from_secs(MAX_RATE_SECS))),
        }
    }
}

type Keyed =
    RateLimiter<&'static str, HashMapStateStore<&'static str>, RateClock, NoOpMiddleware<Nanos>>;

/// One limiter per API (keyed by the API's name: only the known APIs are
/// keys, so the key set is bounded), `multiaccount_import` on its own quota.
pub(crate) struct RateLimits {
    apis: Option<Keyed>,
    multi: Option<Keyed>,
}

impl RateLimits {
    /// `per_second` calls per API and second (0: no limit); `multiaccount_import`
    /// gets half of it, at least one. `manual`: the manual clock's seconds.
    pub(crate) fn new(per_second: u32, manual: Option<Arc<AtomicU64>>) -> Self {
        let clock = RateClock {
            start: Instant::now(),
            manual,
        };
        let make = |n: u32| {
            NonZeroU32::new(n)
                .map(|n| RateLimiter::hashmap_with_clock(Quota::per_second(n), clock.clone()))
        };
        Self {
            apis: make(per_second),
            multi: if per_second == 0 {
                None
            } else {
                make(per_second.div_ceil(2))
            },
        }
    }

    /// Whether one more call of `api` fits in its limit now (and counts it).
    pub(crate) fn allow(&self, api: &'static str) -> bool {
        let limiter = if api == "multiaccount_import" {
            &self.multi
        } else {
            &self.apis
        };
        limiter.as_ref().is_none_or(|l| l.check_key(&api).is_ok())
    }
}
