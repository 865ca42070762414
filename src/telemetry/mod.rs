//! What the daemon's loops say about themselves: counters and timings for
//! `/metrics`, and heartbeats for `/healthz` and the systemd watchdog.
//!
//! The loops only bump atomics here; anything that needs the record (queue
//! depths, feed states, index size) is read when `/metrics` is scraped, so
//! an unwatched daemon pays nothing for it. [`health`] reads them, with the
//! record, into the answer of `/healthz`.
//!
//! It sits below both the daemon, whose loops write it, and the server,
//! which reads it, so neither imports the other for it.

pub mod health;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::ingest::{PollOutcome, PollReport};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    feed_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedStateLabel {
    state: &'static str,
}

/// Depths and sizes read from the record and the disk at scrape time.
#[derive(Debug, Default, Clone)]
pub struct Gauges {
    pub documents: i64,
    /// Documents stored or changed that the index has not caught up with.
    pub index_backlog: i64,
    /// Alert matches not yet in a digest.
    pub matches_waiting: i64,
    /// Digests made but not yet accepted by every target.
    pub digests_undelivered: i64,
    pub index_size_bytes: i64,
    pub feeds_ok: i64,
    pub feeds_failing: i64,
    pub feeds_never_fetched: i64,
    pub feeds_disabled: i64,
}

/// The daemon's counters and heartbeats. One per process: it outlives
/// configuration reloads, so counters never go back to zero while the
/// process runs.
pub struct Telemetry {
    started: Instant,
    registry: Registry,
    fetches: Family<OutcomeLabel, Counter>,
    feed_errors: Family<FeedLabel, Counter>,
    documents_stored: Counter,
    duplicates: Counter,
    documents_indexed: Counter,
    index_update_seconds: Histogram,
    alert_matches: Counter,
    deliveries: Family<OutcomeLabel, Counter>,
    reloads: Family<OutcomeLabel, Counter>,
    polls_in_flight: Gauge,
    index_backlog: Gauge,
    matches_waiting: Gauge,
    digests_undelivered: Gauge,
    documents: Gauge,
    index_size_bytes: Gauge,
    feeds: Family<FeedStateLabel, Gauge>,
    /// Milliseconds after `started` of the indexing loop's last turn (or
    /// progress inside a long turn), 0 before the first.
    index_heartbeat: AtomicU64,
    alerting_heartbeat: AtomicU64,
    /// The record revision the index has committed.
    indexed_revision: AtomicI64,
    /// The index's turns have failed since this moment, with the last error;
    /// `None` while the last turn succeeded.
    index_failure: std::sync::Mutex<Option<(Instant, String)>>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    pub fn new() -> Telemetry {
        let mut registry = Registry::with_prefix("veille");
        let telemetry = Telemetry {
            started: Instant::now(),
            fetches: Family::default(),
            feed_errors: Family::default(),
            documents_stored: Counter::default(),
            duplicates: Counter::default(),
            documents_indexed: Counter::default(),
            // 1 ms to about 16 s.
            index_update_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 15)),
            alert_matches: Counter::default(),
            deliveries: Family::default(),
            reloads: Family::default(),
            polls_in_flight: Gauge::default(),
            index_backlog: Gauge::default(),
            matches_waiting: Gauge::default(),
            digests_undelivered: Gauge::default(),
            documents: Gauge::default(),
            index_size_bytes: Gauge::default(),
            feeds: Family::default(),
            index_heartbeat: AtomicU64::new(0),
            alerting_heartbeat: AtomicU64::new(0),
            indexed_revision: AtomicI64::new(0),
            index_failure: std::sync::Mutex::new(None),
            registry: Registry::default(),
        };
        registry.register(
            "fetches",
            "Polls of a source, by outcome (updated, not_modified, failed)",
            telemetry.fetches.clone(),
        );
        registry.register(
            "feed_errors",
            "Failed polls, by feed",
            telemetry.feed_errors.clone(),
        );
        registry.register(
            "documents_stored",
            "New documents stored in the record",
            telemetry.documents_stored.clone(),
        );
        registry.register(
            "duplicates",
            "Entries merged into a story already stored",
            telemetry.duplicates.clone(),
        );
        registry.register(
            "documents_indexed",
            "Documents added to the search index",
            telemetry.documents_indexed.clone(),
        );
        registry.register(
            "index_update_seconds",
            "Indexing turns that added documents: reading them from the record, adding and committing",
            telemetry.index_update_seconds.clone(),
        );
        registry.register(
            "alert_matches",
            "Alert matches and source-health findings recorded",
            telemetry.alert_matches.clone(),
        );
        registry.register(
            "deliveries",
            "Digest delivery attempts, by outcome (delivered, failed)",
            telemetry.deliveries.clone(),
        );
        registry.register(
            "reloads",
            "Configuration reloads (SIGHUP), by outcome (applied, rejected)",
            telemetry.reloads.clone(),
        );
        registry.register(
            "polls_in_flight",
            "Polls running now",
            telemetry.polls_in_flight.clone(),
        );
        registry.register(
            "index_backlog_documents",
            "Documents stored or changed that searches do not see yet",
            telemetry.index_backlog.clone(),
        );
        registry.register(
            "alert_matches_waiting",
            "Alert matches and health findings not yet in a digest",
            telemetry.matches_waiting.clone(),
        );
        registry.register(
            "digests_undelivered",
            "Digests not yet accepted by every target",
            telemetry.digests_undelivered.clone(),
        );
        registry.register(
            "documents",
            "Documents in the record",
            telemetry.documents.clone(),
        );
        registry.register(
            "index_size_bytes",
            "Size of the search index on disk",
            telemetry.index_size_bytes.clone(),
        );
        registry.register(
            "feeds",
            "Configured sources, by state (ok, failing, never_fetched, disabled)",
            telemetry.feeds.clone(),
        );
        Telemetry {
            registry,
            ..telemetry
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts a finished poll.
    pub fn poll_finished(&self, report: &PollReport) {
        let outcome = match &report.outcome {
            PollOutcome::Updated => "updated",
            PollOutcome::NotModified => "not_modified",
            PollOutcome::Failed(_) => {
                self.feed_errors
                    .get_or_create(&FeedLabel {
                        feed_id: report.feed_id.clone(),
                    })
                    .inc();
                "failed"
            }
        };
        self.fetches.get_or_create(&OutcomeLabel { outcome }).inc();
        self.documents_stored.inc_by(report.new as u64);
        self.duplicates.inc_by(report.duplicate as u64);
    }

    /// Marks a poll as running until the guard is dropped.
    pub fn poll_running(&self) -> PollGuard<'_> {
        self.polls_in_flight.inc();
        PollGuard(&self.polls_in_flight)
    }

    /// Records an indexing turn that added `added` documents and committed
    /// up to `revision` in `elapsed`.
    pub fn index_committed(&self, added: usize, revision: i64, elapsed: Duration) {
        self.documents_indexed.inc_by(added as u64);
        self.index_update_seconds.observe(elapsed.as_secs_f64());
        self.indexed_revision.store(revision, Ordering::Relaxed);
    }

    pub fn set_indexed_revision(&self, revision: i64) {
        self.indexed_revision.store(revision, Ordering::Relaxed);
    }

    pub fn indexed_revision(&self) -> i64 {
        self.indexed_revision.load(Ordering::Relaxed)
    }

    pub fn matches_recorded(&self, found: usize) {
        self.alert_matches.inc_by(found as u64);
    }

    pub fn delivery(&self, delivered: bool) {
        let outcome = if delivered { "delivered" } else { "failed" };
        self.deliveries
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub fn reload(&self, applied: bool) {
        let outcome = if applied { "applied" } else { "rejected" };
        self.reloads.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// An indexing turn failed with `error`. Heartbeats may go on (a turn
    /// makes progress before its commit fails), so health looks here too.
    pub fn index_failed(&self, error: String) {
        let mut failure = self.index_failure.lock().expect("not poisoned");
        let since = failure
            .as_ref()
            .map_or_else(Instant::now, |(since, _)| *since);
        *failure = Some((since, error));
    }

    /// An indexing turn succeeded: the index holds what the record held.
    pub fn index_succeeded(&self) {
        *self.index_failure.lock().expect("not poisoned") = None;
    }

    /// How long the index's turns have been failing, and the last error.
    pub fn index_failure(&self) -> Option<(Duration, String)> {
        self.index_failure
            .lock()
            .expect("not poisoned")
            .as_ref()
            .map(|(since, error)| (since.elapsed(), error.clone()))
    }

    /// The indexing loop is alive (a turn ended, or a long one progressed).
    pub fn index_beat(&self) {
        self.index_heartbeat
            .store(self.millis_since_start(), Ordering::Relaxed);
    }

    pub fn alerting_beat(&self) {
        self.alerting_heartbeat
            .store(self.millis_since_start(), Ordering::Relaxed);
    }

    /// How long ago the indexing loop last showed life; `None` before its
    /// first turn.
    pub fn since_index_beat(&self) -> Option<Duration> {
        self.since(&self.index_heartbeat)
    }

    pub fn since_alerting_beat(&self) -> Option<Duration> {
        self.since(&self.alerting_heartbeat)
    }

    fn since(&self, beat: &AtomicU64) -> Option<Duration> {
        match beat.load(Ordering::Relaxed) {
            0 => None,
            at => Some(Duration::from_millis(
                self.millis_since_start().saturating_sub(at),
            )),
        }
    }

    fn millis_since_start(&self) -> u64 {
        // Never 0, which means "no beat yet".
        (self.started.elapsed().as_millis() as u64).max(1)
    }

    /// The Prometheus text exposition, with the scrape-time gauges set
    /// from `gauges`.
    pub fn render(&self, gauges: &Gauges) -> String {
        self.index_backlog.set(gauges.index_backlog);
        self.matches_waiting.set(gauges.matches_waiting);
        self.digests_undelivered.set(gauges.digests_undelivered);
        let states = [
            ("ok", gauges.feeds_ok),
            ("failing", gauges.feeds_failing),
            ("never_fetched", gauges.feeds_never_fetched),
            ("disabled", gauges.feeds_disabled),
        ];
        for (state, count) in states {
            self.feeds
                .get_or_create(&FeedStateLabel { state })
                .set(count);
        }
        self.documents.set(gauges.documents);
        self.index_size_bytes.set(gauges.index_size_bytes);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Keeps `polls_in_flight` up while a poll runs, even if it panics.
pub struct PollGuard<'a>(&'a Gauge);

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_in_the_exposition() {
        let telemetry = Telemetry::new();
        telemetry.delivery(true);
        telemetry.delivery(false);
        telemetry.delivery(false);
        telemetry.index_committed(7, 12, Duration::from_millis(3));
        let text = telemetry.render(&Gauges {
            index_backlog: 4,
            feeds_failing: 2,
            ..Gauges::default()
        });
        assert!(
            text.contains("veille_deliveries_total{outcome=\"failed\"} 2"),
            "{text}"
        );
        assert!(text.contains("veille_documents_indexed_total 7"), "{text}");
        assert!(text.contains("veille_index_backlog_documents 4"), "{text}");
        assert!(text.contains("veille_feeds{state=\"failing\"} 2"), "{text}");
        assert!(
            text.contains("veille_index_update_seconds_count 1"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn heartbeats_start_unset() {
        let telemetry = Telemetry::new();
        assert_eq!(telemetry.since_index_beat(), None);
        telemetry.index_beat();
        assert!(telemetry.since_index_beat().unwrap() < Duration::from_secs(5));
    }
}
