//! Is the daemon well? `/healthz` answers with the reasons, and the systemd
//! watchdog is fed only while the answer is not [`HealthStatus::Failing`].
//!
//! Failing means veille itself has stopped working: the record cannot be
//! read, or the indexing or alerting loop has stopped turning. A restart may
//! fix that, so the watchdog lets systemd restart it. Degraded means veille
//! works but the world does not: feeds that fail, digests that cannot be
//! delivered. A restart fixes none of those, so they only show.

use std::time::Duration;

use serde::Serialize;

use super::Telemetry;
use crate::config::Feed;
use crate::store::Store;

/// A loop that has not turned for this many commit intervals (and at least
/// [`MIN_STALL`]) is taken as stuck.
const STALL_INTERVALS: u32 = 30;
const MIN_STALL: Duration = Duration::from_secs(120);

/// Failing feeds named one by one in a report; more are counted.
const MAX_NAMED: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
    Degraded,
    Failing,
}

#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    /// Why it is not ok, one sentence each; empty when ok.
    pub reasons: Vec<String>,
    pub version: &'static str,
    pub uptime_seconds: u64,
}

/// How long a loop may go without a heartbeat.
pub fn stall_limit(commit_interval: Duration) -> Duration {
    (commit_interval * STALL_INTERVALS).max(MIN_STALL)
}

/// Reasons the daemon itself is not working: the cheap part of the check,
/// which the watchdog runs every few seconds.
pub fn failures(telemetry: &Telemetry, store: &Store, commit_interval: Duration) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Err(error) = store.latest_revision() {
        reasons.push(format!("the record cannot be read: {error}"));
    }
    let limit = stall_limit(commit_interval);
    let loops = [
        ("indexing", telemetry.since_index_beat()),
        ("alerting", telemetry.since_alerting_beat()),
    ];
    for (name, since) in loops {
        // Before its first turn a loop is given the same time from start-up.
        let quiet = since.unwrap_or_else(|| telemetry.uptime());
        if quiet > limit {
            reasons.push(format!(
                "the {name} loop has not completed a turn without errors for {} (the log says why)",
                humantime::format_duration(Duration::from_secs(quiet.as_secs()))
            ));
        }
    }
    // A loop that turns but fails every time is not alive either: after
    // the same grace, the watchdog lets systemd restart veille.
    if let Some((failing_for, error)) = telemetry.index_failure()
        && failing_for > limit
    {
        reasons.push(format!(
            "the search index has failed to update for {}: {error}",
            humantime::format_duration(Duration::from_secs(failing_for.as_secs()))
        ));
    }
    reasons
}

/// The full check: [`failures`], then what degrades the service.
pub fn assess(
    telemetry: &Telemetry,
    store: &Store,
    feeds: &[Feed],
    commit_interval: Duration,
) -> HealthReport {
    let failing = failures(telemetry, store, commit_interval);
    let mut degraded = Vec::new();
    if failing.is_empty() {
        degraded = degradations(telemetry, store, feeds, commit_interval);
    }
    let status = if !failing.is_empty() {
        HealthStatus::Failing
    } else if !degraded.is_empty() {
        HealthStatus::Degraded
    } else {
        HealthStatus::Ok
    };
    HealthReport {
        status,
        reasons: failing.into_iter().chain(degraded).collect(),
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: telemetry.uptime().as_secs(),
    }
}

fn degradations(
    telemetry: &Telemetry,
    store: &Store,
    feeds: &[Feed],
    commit_interval: Duration,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some((failing_for, error)) = telemetry.index_failure() {
        reasons.push(format!(
            "the search index cannot be updated (for {}): {error}; new documents are kept in the record and indexed once it can",
            humantime::format_duration(Duration::from_secs(failing_for.as_secs()))
        ));
    }
    match store.feed_statuses() {
        Ok(statuses) => {
            let failing: Vec<String> = feeds
                .iter()
                .filter(|feed| feed.enabled)
                .filter_map(|feed| {
                    let status = statuses.get(&feed.id)?;
                    (status.consecutive_failures > 0).then(|| {
                        format!(
                            "feed {} failing ({} in a row): {}",
                            feed.id,
                            status.consecutive_failures,
                            status.error.as_deref().unwrap_or("unknown error")
                        )
                    })
                })
                .collect();
            let extra = failing.len().saturating_sub(MAX_NAMED);
            reasons.extend(failing.into_iter().take(MAX_NAMED));
            if extra > 0 {
                reasons.push(format!("and {extra} more failing feeds"));
            }
        }
        Err(error) => reasons.push(format!("feed statuses cannot be read: {error}")),
    }
    // A backlog is normal for one turn; one that outlives several turns
    // means indexing cannot keep up or keeps failing.
    let index_quiet = telemetry
        .since_index_beat()
        .is_some_and(|since| since > commit_interval * 5 + Duration::from_secs(5));
    let behind = match index_quiet {
        true => store
            .count_changed_after(telemetry.indexed_revision())
            .unwrap_or(0),
        false => 0,
    };
    if behind > 0 {
        reasons.push(format!(
            "the search index is {behind} documents behind the record"
        ));
    }
    // The delivery error itself stays in the log and `veille alerts list`:
    // it can name the outbox folder or a secret's file.
    if let Ok(deliveries) = store.failing_deliveries() {
        for delivery in deliveries.iter().take(MAX_NAMED) {
            reasons.push(format!(
                "a digest of rule {} is undelivered after {} attempts",
                delivery.rule_id, delivery.attempts
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FeedAttempt;

    #[test]
    fn a_failing_feed_degrades_but_does_not_fail() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let telemetry = Telemetry::new();
        telemetry.index_beat();
        telemetry.alerting_beat();
        let feeds = vec![Feed::for_test("down", "every 15m")];
        let interval = Duration::from_secs(1);
        assert_eq!(
            assess(&telemetry, &store, &feeds, interval).status,
            HealthStatus::Ok
        );
        let attempt = FeedAttempt {
            at: chrono::Utc::now(),
            error: Some("HTTP 503".into()),
            ..FeedAttempt::default()
        };
        store.record_attempt("down", &attempt).unwrap();
        let report = assess(&telemetry, &store, &feeds, interval);
        assert_eq!(report.status, HealthStatus::Degraded);
        assert_eq!(report.reasons, ["feed down failing (1 in a row): HTTP 503"]);
        assert!(failures(&telemetry, &store, interval).is_empty());
    }

    #[test]
    fn a_failing_index_degrades_at_once_even_while_the_loop_beats() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let telemetry = Telemetry::new();
        telemetry.alerting_beat();
        telemetry.index_beat();
        telemetry.index_failed("No space left on device".into());
        telemetry.index_beat();
        let interval = Duration::from_secs(1);
        let report = assess(&telemetry, &store, &[], interval);
        assert_eq!(report.status, HealthStatus::Degraded);
        assert!(
            report.reasons[0].contains("search index cannot be updated")
                && report.reasons[0].contains("No space left"),
            "{:?}",
            report.reasons
        );
        // Not yet failing: the watchdog still pings for a while.
        assert!(failures(&telemetry, &store, interval).is_empty());
        telemetry.index_succeeded();
        assert_eq!(
            assess(&telemetry, &store, &[], interval).status,
            HealthStatus::Ok
        );
    }

    #[test]
    fn the_stall_limit_grows_with_the_commit_interval() {
        assert_eq!(stall_limit(Duration::from_secs(1)), MIN_STALL);
        assert_eq!(
            stall_limit(Duration::from_secs(10)),
            Duration::from_secs(300)
        );
    }
}
