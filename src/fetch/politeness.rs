//! Spacing requests to each host.
//!
//! A regional desk may list a dozen feeds and hundreds of article pages on
//! one small newspaper's server; fetching them all at once is how a monitor
//! gets blocked. Each host gets a concurrency cap and a minimum gap between
//! request starts (the larger of `per_host_delay` and its robots.txt
//! `Crawl-delay`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The longest `Crawl-delay` honoured; some robots.txt files ask for an hour,
/// which would make a news feed useless.
const LONGEST_CRAWL_DELAY: Duration = Duration::from_secs(60);

pub(crate) struct Politeness {
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
    /// The host's own `Retry-After`: nothing goes to it before then.
    not_before: Option<DateTime<Utc>>,
}

/// Held for the duration of one request to a host.
pub(crate) struct HostTurn {
    _permit: OwnedSemaphorePermit,
}

impl Politeness {
    pub(crate) fn new(delay: Duration, per_host: usize) -> Politeness {
        Politeness {
            delay,
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts
            .entry(host.to_owned())
            .or_insert_with(|| {
                Arc::new(HostState {
                    in_flight: Arc::new(Semaphore::new(self.per_host)),
                    schedule: Mutex::new(HostSchedule {
                        next_start: Instant::now(),
                        crawl_delay: Duration::ZERO,
                        not_before: None,
                    }),
                })
            })
            .clone()
    }

    /// Records the host's robots.txt `Crawl-delay`.
    pub(crate) fn set_crawl_delay(&self, host: &str, delay: Duration) {
        let state = self.host(host);
        let mut schedule = state
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        schedule.crawl_delay = delay.min(LONGEST_CRAWL_DELAY);
    }

    /// Records a host's `Retry-After`: every request to it waits until then.
    pub(crate) fn defer(&self, host: &str, until: DateTime<Utc>) {
        let state = self.host(host);
        let mut schedule = state
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        schedule.not_before = Some(schedule.not_before.map_or(until, |known| known.max(until)));
    }

    /// Waits until a request to `host` may start. A host that asked (with
    /// `Retry-After`) not to be contacted for longer than `longest_wait` is
    /// not waited for: the time it asked for comes back as the error.
    pub(crate) async fn wait_turn(
        &self,
        host: &str,
        longest_wait: Duration,
    ) -> Result<HostTurn, DateTime<Utc>> {
        let state = self.host(host);
        let not_before = {
            let schedule = state
                .schedule
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            schedule.not_before.filter(|until| *until > Utc::now())
        };
        if let Some(until) = not_before {
            let wait = (until - Utc::now()).to_std().unwrap_or_default();
            if wait > longest_wait {
                return Err(until);
            }
            tokio::time::sleep(wait).await;
        }
        let permit = state
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let start = {
            let mut schedule = state
                .schedule
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let start = schedule.next_start.max(Instant::now());
            schedule.next_start = start + self.delay.max(schedule.crawl_delay);
            start
        };
        tokio::time::sleep_until(start).await;
        Ok(HostTurn { _permit: permit })
    }
}
