//! Spacing requests to each host.
//!
//! A regional desk may list a dozen feeds and hundreds of article pages on
//! one small newspaper's server; fetching them all at once is how a monitor
//! gets blocked. Each host gets a concurrency cap and a minimum gap between
//! request starts (the larger of `per_host_delay` and its robots.txt
//! `Crawl-delay`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The longest `Crawl-delay` honoured; some robots.txt files ask for an hour,
/// which would make a news feed useless.
const LONGEST_CRAWL_DELAY: Duration = Duration::from_secs(60);

pub struct Politeness {
    delay: Duration,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

struct HostState {
    in_flight: Arc<Semaphore>,
    schedule: Mutex<HostSchedule>,
}

struct HostSchedule {
    next_start: Instant,
    crawl_delay: Duration,
}

/// Held for the duration of one request to a host.
pub struct HostTurn {
    _permit: OwnedSemaphorePermit,
}

impl Politeness {
    pub fn new(delay: Duration, per_host: usize) -> Politeness {
        Politeness {
            delay,
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        hosts
            .entry(host.to_owned())
            .or_insert_with(|| {
                Arc::new(HostState {
                    in_flight: Arc::new(Semaphore::new(self.per_host)),
                    schedule: Mutex::new(HostSchedule {
                        next_start: Instant::now(),
                        crawl_delay: Duration::ZERO,
                    }),
                })
            })
            .clone()
    }

    /// Records the host's robots.txt `Crawl-delay`.
    pub fn set_crawl_delay(&self, host: &str, delay: Duration) {
        let state = self.host(host);
        let mut schedule = state.schedule.lock().unwrap_or_else(|p| p.into_inner());
        schedule.crawl_delay = delay.min(LONGEST_CRAWL_DELAY);
    }

    /// Waits until a request to `host` may start.
    pub async fn wait_turn(&self, host: &str) -> HostTurn {
        let state = self.host(host);
        let permit = state
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let start = {
            let mut schedule = state.schedule.lock().unwrap_or_else(|p| p.into_inner());
            let start = schedule.next_start.max(Instant::now());
            schedule.next_start = start + self.delay.max(schedule.crawl_delay);
            start
        };
        tokio::time::sleep_until(start).await;
        HostTurn { _permit: permit }
    }
}
