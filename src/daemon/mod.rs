//! The daemon: every enabled feed on its schedule, until told to stop.
//!
//! Each feed has its own task that sleeps until its next run, polls, and
//! computes the next run. Feeds share nothing but the [`Pipeline`], whose
//! fetcher caps concurrency and spaces requests per host; so a feed that
//! hangs or fails costs the others nothing.

pub mod alerting;
pub mod indexing;
pub mod service;
pub mod signals;
pub mod storage_lock;
pub mod systemd;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Feed;
use crate::ingest::Pipeline;
use crate::store::ScheduleState;
use crate::telemetry::Telemetry;

/// How long polls in flight may run on after a stop is requested. Each
/// entry is stored in its own transaction, so a poll cut short loses nothing
/// that the next poll will not pick up.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Startup spreads first runs over up to this much time, so that
/// restarting a daemon with 500 due feeds does not fire 500 requests in one
/// second ...
const STARTUP_SPREAD: Duration = Duration::from_secs(5);

/// ... and over this much per feed below that, so a small daemon gets going
/// at once after a restart.
const STARTUP_SPREAD_PER_FEED: Duration = Duration::from_millis(50);

/// The longest a failing feed is left alone between two tries.
pub const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(6 * 60 * 60);

/// The longest jitter added to a scheduled run.
const MAX_JITTER: Duration = Duration::from_secs(30);

/// Runs `feeds` (the enabled ones) until `shutdown` completes, then stops
/// scheduling, lets polls in flight finish for up to [`SHUTDOWN_GRACE`] and
/// drops the rest.
pub async fn run(
    pipeline: Arc<Pipeline>,
    feeds: Vec<Feed>,
    telemetry: Arc<Telemetry>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let enabled: Vec<Feed> = feeds.into_iter().filter(|feed| feed.enabled).collect();
    tracing::info!(feeds = enabled.len(), "scheduler started");
    let spread = STARTUP_SPREAD.min(STARTUP_SPREAD_PER_FEED * enabled.len() as u32);
    for feed in enabled {
        tasks.spawn(feed_loop(
            pipeline.clone(),
            feed,
            spread,
            telemetry.clone(),
            stopped.clone(),
        ));
    }
    shutdown.await;
    tracing::info!("stopping: no new polls; waiting for polls in flight");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            remaining = tasks.len(),
            "polls still running after {}s; dropping them",
            SHUTDOWN_GRACE.as_secs()
        );
        tasks.shutdown().await;
    }
    tracing::info!("scheduler stopped");
}

async fn feed_loop(
    pipeline: Arc<Pipeline>,
    feed: Feed,
    spread: Duration,
    telemetry: Arc<Telemetry>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut next = first_run(&pipeline, &feed, spread);
    loop {
        if let Err(error) = pipeline.store.set_next_run(&feed.id, next) {
            tracing::error!(feed_id = %feed.id, %error, "cannot record next run");
        }
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        let report = {
            let _running = telemetry.poll_running();
            pipeline.poll_isolated(&feed).await
        };
        telemetry.poll_finished(&report);
        let failures = match pipeline.store.feed_status(&feed.id) {
            Ok(status) => status.map_or(0, |status| status.consecutive_failures),
            Err(_) => 0,
        };
        next = next_run(&feed, Utc::now(), report.retry_not_before, failures);
        if *stopped.borrow() {
            return;
        }
    }
}

/// When a feed runs first after a (re)start: `due_at`, spread a little.
fn first_run(pipeline: &Pipeline, feed: &Feed, spread: Duration) -> DateTime<Utc> {
    let state = pipeline
        .store
        .schedule_state(&feed.id)
        .unwrap_or_else(|error| {
            tracing::error!(feed_id = %feed.id, %error, "cannot read feed status; running it now");
            Default::default()
        });
    due_at(feed, state, Utc::now()) + random_delay(spread)
}

/// When a feed is due, given what the record says of it: at once if it was
/// never fetched or its run fell due while the daemon was down, else at its
/// next scheduled time; never before the server allowed.
pub fn due_at(feed: &Feed, state: ScheduleState, now: DateTime<Utc>) -> DateTime<Utc> {
    let mut due = match state.last_attempt {
        Some(last) => feed.schedule.next_after(last).max(now),
        None => now,
    };
    if let (Some(last), Some(backoff)) = (
        state.last_attempt,
        failure_backoff(feed, now, state.consecutive_failures),
    ) {
        due = due.max(last + backoff);
    }
    due.max(state.retry_not_before.unwrap_or(due))
}

/// How long a feed failing `consecutive_failures` times in a row is left
/// alone: nothing before the third failure, then its period doubled per
/// further failure, up to [`MAX_FAILURE_BACKOFF`].
fn failure_backoff(
    feed: &Feed,
    now: DateTime<Utc>,
    consecutive_failures: i64,
) -> Option<chrono::Duration> {
    if consecutive_failures < 3 {
        return None;
    }
    let period = feed.schedule.typical_period(now);
    let doublings = (consecutive_failures - 2).min(16) as u32;
    let backoff = period
        .saturating_mul(1 << doublings)
        .min(MAX_FAILURE_BACKOFF);
    chrono::Duration::from_std(backoff).ok()
}

/// The next run: the schedule's, with jitter; no earlier than the server
/// asked; and spaced out while the feed keeps failing (see
/// [`failure_backoff`]), so that a dead site is not hammered for weeks, yet a
/// feed that comes back is noticed within hours.
fn next_run(
    feed: &Feed,
    now: DateTime<Utc>,
    retry_not_before: Option<DateTime<Utc>>,
    consecutive_failures: i64,
) -> DateTime<Utc> {
    let period = feed.schedule.typical_period(now);
    let mut next = feed.schedule.next_after(now) + random_delay((period / 20).min(MAX_JITTER));
    if let Some(backoff) = failure_backoff(feed, now, consecutive_failures) {
        next = next.max(now + backoff);
    }
    next.max(retry_not_before.unwrap_or(next))
}

fn random_delay(at_most: Duration) -> chrono::Duration {
    let millis = at_most.as_millis() as i64;
    if millis == 0 {
        return chrono::Duration::zero();
    }
    chrono::Duration::milliseconds(rand::rng().random_range(0..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(schedule: &str) -> Feed {
        Feed::for_test("f", schedule)
    }

    #[test]
    fn failing_feeds_back_off_up_to_a_cap() {
        let feed = feed("every 15m");
        let now = Utc::now();
        let gap = |failures| (next_run(&feed, now, None, failures) - now).num_minutes();
        assert!((15..=16).contains(&gap(0)), "{}", gap(0));
        assert!((15..=16).contains(&gap(2)), "{}", gap(2));
        assert_eq!(gap(3), 30);
        assert_eq!(gap(5), 120);
        assert_eq!(gap(40), 6 * 60);
    }

    #[test]
    fn a_restart_keeps_the_failure_backoff() {
        let feed = feed("every 15m");
        let now = Utc::now();
        let state = ScheduleState {
            last_attempt: Some(now - chrono::Duration::minutes(20)),
            consecutive_failures: 5,
            retry_not_before: None,
        };
        // 15 min doubled three times is two hours after the last attempt.
        assert_eq!(
            due_at(&feed, state, now),
            now + chrono::Duration::minutes(100)
        );
        let healthy = ScheduleState {
            consecutive_failures: 0,
            ..state
        };
        assert_eq!(due_at(&feed, healthy, now), now);
    }

    #[test]
    fn retry_after_wins_over_the_schedule() {
        let feed = feed("every 15m");
        let now = Utc::now();
        let later = now + chrono::Duration::hours(2);
        assert_eq!(next_run(&feed, now, Some(later), 0), later);
    }
}
