//! The record read as a running service's status: every feed's state, how
//! much each source brought lately, and how much work is waiting. These
//! feed `/api/feeds`, `/healthz` and `/metrics`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{FEED_STATUS_COLUMNS, FeedStatus, Result, Store, feed_status_row, timestamp};

/// Documents a source carried lately.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct FeedActivity {
    /// Documents first seen in the last 24 hours.
    pub documents_24h: i64,
    /// Documents first seen in the last 7 days.
    pub documents_7d: i64,
}

/// Work waiting in the record.
#[derive(Debug, Clone, Copy, Default)]
pub struct Queues {
    /// Documents in the record.
    pub documents: i64,
    /// Alert matches and health findings not yet in a digest.
    pub matches_waiting: i64,
    /// Digests made but not yet accepted by every target.
    pub digests_undelivered: i64,
}

/// An undelivered digest whose last attempt failed.
#[derive(Debug, Clone)]
pub struct FailingDelivery {
    /// The rule whose digest is stuck.
    pub rule_id: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The last attempt's error.
    pub error: String,
}

impl Store {
    /// The recorded status of every feed ever polled, by feed id.
    pub fn feed_statuses(&self) -> Result<HashMap<String, FeedStatus>> {
        let connection = self.connection();
        let mut statement =
            connection.prepare(&format!("SELECT {FEED_STATUS_COLUMNS} FROM feed_status"))?;
        let rows = statement.query_map([], feed_status_row)?;
        let mut statuses = HashMap::new();
        for status in rows {
            let status = status?;
            statuses.insert(status.feed_id.clone(), status);
        }
        Ok(statuses)
    }

    /// Documents each feed carried over the day and the week before `now`
    /// (a story reprinted by two outlets counts for both).
    pub fn feed_activity(&self, now: DateTime<Utc>) -> Result<HashMap<String, FeedActivity>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT feed_id, sum(first_seen >= ?1), count(*) FROM document_sources
             WHERE first_seen >= ?2 GROUP BY feed_id",
        )?;
        let day = timestamp(now - chrono::Duration::days(1));
        let week = timestamp(now - chrono::Duration::days(7));
        let rows = statement.query_map([day, week], |row| {
            Ok((
                row.get::<_, String>(0)?,
                FeedActivity {
                    documents_24h: row.get(1)?,
                    documents_7d: row.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How much work is waiting.
    pub fn queues(&self) -> Result<Queues> {
        let connection = self.connection();
        let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0));
        Ok(Queues {
            documents: count("SELECT count(*) FROM documents")?,
            matches_waiting: count("SELECT count(*) FROM alert_matches WHERE digest_id IS NULL")?
                + count("SELECT count(*) FROM health_events WHERE digest_id IS NULL")?,
            digests_undelivered: count("SELECT count(*) FROM digests WHERE delivered IS NULL")?,
        })
    }

    /// Undelivered digests whose last attempt failed, oldest first.
    pub fn failing_deliveries(&self) -> Result<Vec<FailingDelivery>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT rule_id, attempts, last_error FROM digests
             WHERE delivered IS NULL AND last_error IS NOT NULL ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(FailingDelivery {
                rule_id: row.get(0)?,
                attempts: row.get(1)?,
                error: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FeedAttempt;

    #[test]
    fn statuses_and_queues_of_a_fresh_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let attempt = FeedAttempt {
            at: Utc::now(),
            error: Some("HTTP 503".into()),
            ..FeedAttempt::default()
        };
        store.record_attempt("down", &attempt).unwrap();
        let statuses = store.feed_statuses().unwrap();
        assert_eq!(statuses["down"].consecutive_failures, 1);
        assert_eq!(statuses["down"].error.as_deref(), Some("HTTP 503"));
        let queues = store.queues().unwrap();
        assert_eq!(queues.documents, 0);
        assert_eq!(queues.digests_undelivered, 0);
        assert!(store.feed_activity(Utc::now()).unwrap().is_empty());
        assert!(store.failing_deliveries().unwrap().is_empty());
    }

    #[test]
    fn warnings_are_kept_bounded_and_survive_a_304() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let long = "x".repeat(5_000);
        let mut warnings: Vec<String> = (0..25).map(|n| format!("link {n} refused")).collect();
        warnings.insert(0, long);
        let attempt = FeedAttempt {
            at: Utc::now(),
            warnings,
            ..FeedAttempt::default()
        };
        store.record_attempt("noisy", &attempt).unwrap();
        let status = store.feed_status("noisy").unwrap().unwrap();
        assert_eq!(status.warning_count, 26);
        assert_eq!(status.warnings.len(), crate::store::KEPT_WARNINGS);
        assert!(status.warnings[0].chars().count() <= 401);
        assert_eq!(status.warnings[1], "link 0 refused");

        // A 304 read nothing, so the last poll's warnings stand.
        let not_modified = FeedAttempt {
            at: Utc::now(),
            not_modified: true,
            ..FeedAttempt::default()
        };
        store.record_attempt("noisy", &not_modified).unwrap();
        assert_eq!(
            store.feed_status("noisy").unwrap().unwrap().warning_count,
            26
        );

        // A clean poll clears them.
        let clean = FeedAttempt {
            at: Utc::now(),
            ..FeedAttempt::default()
        };
        store.record_attempt("noisy", &clean).unwrap();
        let status = store.feed_status("noisy").unwrap().unwrap();
        assert_eq!(status.warning_count, 0);
        assert!(status.warnings.is_empty());
    }
}
