//! The record's side of alerting: rules, matches, digests, deliveries.
//!
//! The guarantees live in these transactions. A match is one row per rule
//! and document (so matching twice cannot record it twice); a digest claims
//! its matches in the transaction that creates it (so no match is in two
//! digests); a digest stays undelivered until every target accepted it (so
//! a crash or a refused delivery is retried, from the same claimed matches).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, parse_timestamp, timestamp};

/// A match, as listed by the API.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatchRow {
    /// The matched document's id in the record.
    pub document_id: i64,
    /// When the rule matched it (RFC 3339, UTC).
    pub matched_at: String,
    /// The rule's query parts and terms found in the document.
    pub terms: Vec<String>,
    /// The digest the match went into; `None` while it waits for the next one.
    pub digest_id: Option<i64>,
    /// When the digest holding it was delivered.
    pub delivered: Option<String>,
}

/// A digest waiting for delivery.
#[derive(Debug, Clone)]
pub struct DigestRow {
    /// The digest's id, also in its Message-ID and webhook idempotency key.
    pub id: i64,
    /// The rule the digest was made for.
    pub rule_id: String,
    /// When the digest was made and its matches claimed.
    pub created: DateTime<Utc>,
    /// Delivery attempts so far, failed or not.
    pub attempts: i64,
}

/// A source-health finding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HealthEvent {
    /// The feed the finding is about.
    pub feed_id: String,
    /// `failing` or `silent`.
    pub condition: String,
    /// Since when the condition holds (RFC 3339, UTC).
    pub since: String,
    /// What an operator reads: the last error, or how long nothing new came.
    pub detail: String,
}

/// What health rules need to know of a feed.
#[derive(Debug, Clone, Default)]
pub struct FeedHealth {
    /// The feed's id from `feeds.toml`.
    pub feed_id: String,
    /// Start of the current run of failed polls; `None` when the last poll
    /// worked.
    pub failing_since: Option<DateTime<Utc>>,
    /// When the feed last brought a new document.
    pub last_new_at: Option<DateTime<Utc>>,
    /// First attempt recorded: a feed that never stored anything has been
    /// silent since then.
    pub tracked_since: Option<DateTime<Utc>>,
    /// The last poll's error, if it failed.
    pub error: Option<String>,
}

/// A rule's state, for listings and the API.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RuleSummary {
    /// When the rule (in its current form) was first seen; a changed rule
    /// starts afresh.
    pub added: Option<String>,
    /// When the rule's schedule last ran, whether or not it made a digest.
    pub last_run: Option<String>,
    /// Matches (and health events) not yet in a digest.
    pub pending: i64,
    /// Matches in delivered digests.
    pub delivered: i64,
    /// Digests created but not yet accepted by every target.
    pub undelivered_digests: i64,
    /// When a digest of the rule was last accepted by every target.
    pub last_delivered: Option<String>,
    /// The last delivery error of an undelivered digest.
    pub last_error: Option<String>,
}

fn count_waiting(connection: &rusqlite::Connection, rule_id: &str) -> Result<i64> {
    Ok(connection.query_row(
        "SELECT (SELECT count(*) FROM alert_matches WHERE rule_id = ?1 AND digest_id IS NULL)
              + (SELECT count(*) FROM health_events WHERE rule_id = ?1 AND digest_id IS NULL)",
        [rule_id],
        |row| row.get(0),
    )?)
}

impl Store {
    /// Registers the configured rules, each with the fingerprint of what it
    /// matches: a new rule, or one whose fingerprint changed, starts after
    /// the newest stored document. Returns the ids of the rules that
    /// (re)started.
    pub fn sync_rules(&self, rules: &[(&str, &str)]) -> Result<Vec<String>> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let newest: i64 =
            transaction.query_row("SELECT coalesce(max(id), 0) FROM documents", [], |row| {
                row.get(0)
            })?;
        let now = timestamp(Utc::now());
        let mut started = Vec::new();
        for (id, fingerprint) in rules {
            let known: Option<String> = transaction
                .query_row(
                    "SELECT fingerprint FROM alert_rules WHERE rule_id = ?1",
                    [id],
                    |row| row.get(0),
                )
                .optional()?;
            if known.as_deref() == Some(*fingerprint) {
                continue;
            }
            transaction.execute(
                "INSERT INTO alert_rules (rule_id, fingerprint, matched_through, added)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (rule_id) DO UPDATE SET fingerprint = ?2, matched_through = ?3, added = ?4",
                params![id, fingerprint, newest, now],
            )?;
            started.push((*id).to_owned());
        }
        transaction.commit()?;
        Ok(started)
    }

    /// Where each of `rules` (id, fingerprint) stands: the highest document
    /// id matched against it. Rules the record holds with another
    /// fingerprint (another process runs a newer config) are left out: this
    /// process must not match them.
    pub fn matched_through(
        &self,
        rules: &[(&str, &str)],
    ) -> Result<std::collections::HashMap<String, i64>> {
        let wanted: std::collections::HashMap<&str, &str> = rules.iter().copied().collect();
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached("SELECT rule_id, fingerprint, matched_through FROM alert_rules")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        let mut found = std::collections::HashMap::new();
        for row in rows {
            let (id, fingerprint, through) = row?;
            if wanted.get(id.as_str()) == Some(&fingerprint.as_str()) {
                found.insert(id, through);
            }
        }
        Ok(found)
    }

    /// Records matches (rule, document, terms found) of `rules` (id,
    /// fingerprint) over the documents up to `through`, and moves those
    /// rules to `through`, in one transaction. Matches of documents a rule
    /// has already been matched against, and of rules whose fingerprint
    /// changed meanwhile, are left out, so matching twice records nothing
    /// twice.
    pub fn record_matches(
        &self,
        rules: &[(&str, &str)],
        matches: &[(&str, i64, Vec<String>)],
        through: i64,
    ) -> Result<usize> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = timestamp(Utc::now());
        let fingerprints: std::collections::HashMap<&str, &str> = rules.iter().copied().collect();
        let mut recorded = 0;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT OR IGNORE INTO alert_matches (rule_id, document_id, matched_at, terms)
                 SELECT ?1, ?2, ?3, ?4 FROM alert_rules
                 WHERE rule_id = ?1 AND fingerprint = ?5 AND matched_through < ?2",
            )?;
            for (rule, document, terms) in matches {
                let Some(fingerprint) = fingerprints.get(rule) else {
                    continue;
                };
                let terms = serde_json::to_string(terms).unwrap_or_else(|_| "[]".to_owned());
                recorded += insert.execute(params![rule, document, now, terms, fingerprint])?;
            }
            let mut advance = transaction.prepare_cached(
                "UPDATE alert_rules SET matched_through = max(matched_through, ?3)
                 WHERE rule_id = ?1 AND fingerprint = ?2",
            )?;
            for (rule, fingerprint) in rules {
                advance.execute(params![rule, fingerprint, through])?;
            }
        }
        transaction.commit()?;
        Ok(recorded)
    }

    /// Records a health finding unless this outage was already noticed.
    pub fn record_health_event(&self, rule_id: &str, event: &HealthEvent) -> Result<bool> {
        let inserted = self.connection().execute(
            "INSERT OR IGNORE INTO health_events (rule_id, feed_id, condition, since, detail, noticed)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 FROM alert_rules WHERE rule_id = ?1",
            params![
                rule_id,
                event.feed_id,
                event.condition,
                event.since,
                event.detail,
                timestamp(Utc::now())
            ],
        )?;
        Ok(inserted > 0)
    }

    /// Every feed's health facts.
    pub fn feed_health(&self) -> Result<Vec<FeedHealth>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT feed_id, failing_since, last_new_at, tracked_since, error FROM feed_status",
        )?;
        let rows = statement.query_map([], |row| {
            let time = |index| -> rusqlite::Result<Option<DateTime<Utc>>> {
                Ok(row
                    .get::<_, Option<String>>(index)?
                    .as_deref()
                    .and_then(parse_timestamp))
            };
            Ok(FeedHealth {
                feed_id: row.get(0)?,
                failing_since: time(1)?,
                last_new_at: time(2)?,
                tracked_since: time(3)?,
                error: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the rule's schedule last ran, else when the rule was added:
    /// where its next run counts from.
    pub fn rule_schedule_base(&self, rule_id: &str) -> Result<Option<DateTime<Utc>>> {
        let text: Option<Option<String>> = self
            .connection()
            .query_row(
                "SELECT coalesce(last_run, added) FROM alert_rules WHERE rule_id = ?1",
                [rule_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(text.flatten().as_deref().and_then(parse_timestamp))
    }

    /// Matches and health events of a rule not yet in a digest.
    pub fn waiting_count(&self, rule_id: &str) -> Result<i64> {
        count_waiting(&self.connection(), rule_id)
    }

    /// Runs a rule: when at least `min_matches` matches and health events
    /// are waiting, claims them all for a new digest, first tried at
    /// `first_attempt`, and returns its id. A scheduled run (`run_at`) is
    /// noted as the rule's last run either way.
    pub fn create_digest(
        &self,
        rule_id: &str,
        min_matches: usize,
        run_at: Option<DateTime<Utc>>,
        first_attempt: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let min_matches = min_matches.max(1) as i64;
        // Most runs find nothing: ask before taking the write lock.
        if run_at.is_none() && self.waiting_count(rule_id)? < min_matches {
            return Ok(None);
        }
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let waiting = count_waiting(&transaction, rule_id)?;
        if let Some(run_at) = run_at {
            transaction.execute(
                "UPDATE alert_rules SET last_run = ?2 WHERE rule_id = ?1",
                params![rule_id, timestamp(run_at)],
            )?;
        }
        let digest = if waiting >= min_matches {
            transaction.execute(
                "INSERT INTO digests (rule_id, created, items, next_attempt) VALUES (?1, ?2, ?3, ?4)",
                params![rule_id, timestamp(Utc::now()), waiting, timestamp(first_attempt)],
            )?;
            let id = transaction.last_insert_rowid();
            for table in ["alert_matches", "health_events"] {
                transaction.execute(
                    &format!(
                        "UPDATE {table} SET digest_id = ?2 WHERE rule_id = ?1 AND digest_id IS NULL"
                    ),
                    params![rule_id, id],
                )?;
            }
            Some(id)
        } else {
            None
        };
        transaction.commit()?;
        Ok(digest)
    }

    /// Undelivered digests whose next attempt is due, oldest first.
    pub fn due_digests(&self, now: DateTime<Utc>) -> Result<Vec<DigestRow>> {
        self.digests_where(
            "delivered IS NULL AND next_attempt <= ?1 ORDER BY id",
            params![timestamp(now)],
        )
    }

    /// One digest by id, delivered or not.
    pub fn digest(&self, id: i64) -> Result<Option<DigestRow>> {
        Ok(self.digests_where("id = ?1", [id])?.into_iter().next())
    }

    fn digests_where(
        &self,
        filter: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<DigestRow>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT id, rule_id, created, attempts FROM digests WHERE {filter}"
        ))?;
        let rows = statement.query_map(parameters, |row| {
            let created: String = row.get(2)?;
            Ok(DigestRow {
                id: row.get(0)?,
                rule_id: row.get(1)?,
                created: parse_timestamp(&created).unwrap_or_default(),
                attempts: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The matches of a digest (`Some`), or a rule's waiting matches
    /// (`None`), oldest document first: (document id, terms).
    pub fn digest_matches(
        &self,
        rule_id: &str,
        digest_id: Option<i64>,
    ) -> Result<Vec<(i64, Vec<String>)>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT document_id, terms FROM alert_matches
             WHERE rule_id = ?1 AND digest_id IS ?2 ORDER BY document_id",
        )?;
        let rows = statement.query_map(params![rule_id, digest_id], |row| {
            let terms: String = row.get(1)?;
            Ok((
                row.get(0)?,
                serde_json::from_str(&terms).unwrap_or_default(),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The health events of a digest, or a rule's waiting ones.
    pub fn digest_health_events(
        &self,
        rule_id: &str,
        digest_id: Option<i64>,
    ) -> Result<Vec<HealthEvent>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT feed_id, condition, since, detail FROM health_events
             WHERE rule_id = ?1 AND digest_id IS ?2 ORDER BY since, feed_id",
        )?;
        let rows = statement.query_map(params![rule_id, digest_id], |row| {
            Ok(HealthEvent {
                feed_id: row.get(0)?,
                condition: row.get(1)?,
                since: row.get(2)?,
                detail: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The targets that already accepted a digest.
    pub fn delivered_targets(&self, digest_id: i64) -> Result<Vec<String>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached("SELECT target FROM digest_deliveries WHERE digest_id = ?1")?;
        let rows = statement.query_map([digest_id], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Notes that `target` accepted the digest.
    pub fn target_delivered(&self, digest_id: i64, target: &str) -> Result<()> {
        self.connection().execute(
            "INSERT OR IGNORE INTO digest_deliveries (digest_id, target, delivered) VALUES (?1, ?2, ?3)",
            params![digest_id, target, timestamp(Utc::now())],
        )?;
        Ok(())
    }

    /// Marks the digest delivered: every target accepted it.
    pub fn digest_delivered(&self, digest_id: i64) -> Result<()> {
        self.connection().execute(
            "UPDATE digests SET delivered = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![digest_id, timestamp(Utc::now())],
        )?;
        Ok(())
    }

    /// Notes a failed attempt and when to try again.
    pub fn digest_failed(
        &self,
        digest_id: i64,
        error: &str,
        next_attempt: DateTime<Utc>,
    ) -> Result<()> {
        self.connection().execute(
            "UPDATE digests SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE id = ?1",
            params![digest_id, error, timestamp(next_attempt)],
        )?;
        Ok(())
    }

    /// The rule's digests not yet delivered, oldest first.
    pub fn undelivered_digests(&self, rule_id: &str) -> Result<Vec<DigestRow>> {
        self.digests_where("rule_id = ?1 AND delivered IS NULL ORDER BY id", [rule_id])
    }

    /// Puts off the next attempt at a digest, while this process delivers
    /// it.
    pub fn postpone_digest(&self, digest_id: i64, until: DateTime<Utc>) -> Result<()> {
        self.connection().execute(
            "UPDATE digests SET next_attempt = ?2 WHERE id = ?1",
            params![digest_id, timestamp(until)],
        )?;
        Ok(())
    }

    /// Counts and times for one rule.
    pub fn rule_summary(&self, rule_id: &str) -> Result<RuleSummary> {
        let connection = self.connection();
        let (added, last_run) = connection
            .query_row(
                "SELECT added, last_run FROM alert_rules WHERE rule_id = ?1",
                [rule_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, None));
        let (pending, delivered): (i64, i64) = connection.query_row(
            "SELECT count(*) FILTER (WHERE m.digest_id IS NULL),
                    count(*) FILTER (WHERE d.delivered IS NOT NULL)
             FROM alert_matches m LEFT JOIN digests d ON d.id = m.digest_id
             WHERE m.rule_id = ?1",
            [rule_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let pending_events: i64 = connection.query_row(
            "SELECT count(*) FROM health_events WHERE rule_id = ?1 AND digest_id IS NULL",
            [rule_id],
            |row| row.get(0),
        )?;
        let (undelivered_digests, last_delivered, last_error) = connection.query_row(
            "SELECT count(*) FILTER (WHERE delivered IS NULL), max(delivered),
                    (SELECT last_error FROM digests WHERE rule_id = ?1 AND delivered IS NULL
                     AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1)
             FROM digests WHERE rule_id = ?1",
            [rule_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        Ok(RuleSummary {
            added,
            last_run,
            pending: pending + pending_events,
            delivered,
            undelivered_digests,
            last_delivered,
            last_error,
        })
    }

    /// A rule's matches, newest first, and how many there are.
    pub fn rule_matches(
        &self,
        rule_id: &str,
        limit: usize,
        offset: usize,
    ) -> Result<(i64, Vec<MatchRow>)> {
        let connection = self.connection();
        let total = connection.query_row(
            "SELECT count(*) FROM alert_matches WHERE rule_id = ?1",
            [rule_id],
            |row| row.get(0),
        )?;
        let mut statement = connection.prepare_cached(
            "SELECT m.document_id, m.matched_at, m.terms, m.digest_id, d.delivered
             FROM alert_matches m LEFT JOIN digests d ON d.id = m.digest_id
             WHERE m.rule_id = ?1 ORDER BY m.document_id DESC LIMIT ?2 OFFSET ?3",
        )?;
        let rows = statement.query_map(params![rule_id, limit as i64, offset as i64], |row| {
            let terms: String = row.get(2)?;
            Ok(MatchRow {
                document_id: row.get(0)?,
                matched_at: row.get(1)?,
                terms: serde_json::from_str(&terms).unwrap_or_default(),
                digest_id: row.get(3)?,
                delivered: row.get(4)?,
            })
        })?;
        Ok((total, rows.collect::<rusqlite::Result<_>>()?))
    }

    /// Documents fetched at or after `since` with an id above `after`, by
    /// id: what a backtest reads.
    pub fn documents_fetched_since(
        &self,
        since: DateTime<Utc>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<super::StoredDocument>> {
        self.select_documents(
            "WHERE d.fetched >= ?1 AND d.id > ?2 ORDER BY d.id LIMIT ?3",
            params![timestamp(since), after, limit as i64],
        )
    }
}
