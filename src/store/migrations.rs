//! Versioned schema. Each entry of [`MIGRATIONS`] moves the record from
//! version N to N+1 (`PRAGMA user_version`); a migration is never edited
//! once released, only followed by another.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: documents, their sources and URLs, seen items, feed status, validators.
    "CREATE TABLE documents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        published TEXT NOT NULL,
        published_is_fetch_time INTEGER NOT NULL DEFAULT 0,
        fetched TEXT NOT NULL,
        language_hint TEXT,
        content_hash TEXT NOT NULL,
        extraction TEXT NOT NULL
    );
    CREATE INDEX documents_content_hash ON documents (content_hash);
    CREATE INDEX documents_published ON documents (published);
    CREATE TABLE document_urls (
        url TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents (id)
    ) WITHOUT ROWID;
    CREATE TABLE document_sources (
        document_id INTEGER NOT NULL REFERENCES documents (id),
        feed_id TEXT NOT NULL,
        url TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        -- JSON array of the feed's tags when it carried the document.
        tags TEXT NOT NULL DEFAULT '[]',
        UNIQUE (document_id, feed_id, entry_key)
    );
    CREATE TABLE seen_items (
        feed_id TEXT NOT NULL,
        entry_key TEXT NOT NULL,
        document_id INTEGER REFERENCES documents (id),
        first_seen TEXT NOT NULL,
        PRIMARY KEY (feed_id, entry_key)
    ) WITHOUT ROWID;
    CREATE TABLE feed_status (
        feed_id TEXT PRIMARY KEY,
        last_attempt TEXT,
        last_success TEXT,
        http_status INTEGER,
        error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_run TEXT,
        retry_not_before TEXT,
        needed_repair INTEGER NOT NULL DEFAULT 0,
        last_new INTEGER NOT NULL DEFAULT 0,
        last_duplicates INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE validators (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        updated TEXT NOT NULL
    );",
    // 2: language as detected, and the entities each document mentions.
    "ALTER TABLE documents ADD COLUMN language TEXT;
    ALTER TABLE documents ADD COLUMN language_confidence REAL NOT NULL DEFAULT 0;
    ALTER TABLE documents ADD COLUMN language_source TEXT NOT NULL DEFAULT 'unknown';
    CREATE INDEX documents_language ON documents (language);
    CREATE TABLE document_entities (
        document_id INTEGER NOT NULL REFERENCES documents (id),
        entity_id TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        PRIMARY KEY (document_id, entity_id)
    ) WITHOUT ROWID;
    CREATE INDEX document_entities_entity ON document_entities (entity_id, document_id);",
    // 3: a revision per document, raised by every change to it (new source,
    // re-tagging), which the search index follows; and the document's kind.
    "ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    UPDATE documents SET revision = id;
    CREATE INDEX documents_revision ON documents (revision);
    ALTER TABLE documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'article';",
    // 4: alert rules, their matches and digests; what source-health rules
    // need of each feed.
    "CREATE TABLE alert_rules (
        rule_id TEXT PRIMARY KEY,
        -- Hash of what the rule matches; a change restarts it.
        fingerprint TEXT NOT NULL,
        -- The highest document id matched against the rule. A rule starts
        -- at the newest document when it is added or edited: it does not
        -- go through the archive.
        matched_through INTEGER NOT NULL,
        added TEXT NOT NULL,
        last_run TEXT
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rule_id TEXT NOT NULL,
        created TEXT NOT NULL,
        items INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT NOT NULL,
        last_error TEXT,
        delivered TEXT
    );
    CREATE INDEX digests_undelivered ON digests (delivered, next_attempt);
    CREATE TABLE digest_deliveries (
        digest_id INTEGER NOT NULL REFERENCES digests (id),
        target TEXT NOT NULL,
        delivered TEXT NOT NULL,
        PRIMARY KEY (digest_id, target)
    ) WITHOUT ROWID;
    CREATE TABLE alert_matches (
        rule_id TEXT NOT NULL,
        document_id INTEGER NOT NULL REFERENCES documents (id),
        matched_at TEXT NOT NULL,
        -- JSON array of the rule's terms found in the document.
        terms TEXT NOT NULL,
        digest_id INTEGER REFERENCES digests (id),
        PRIMARY KEY (rule_id, document_id)
    ) WITHOUT ROWID;
    CREATE INDEX alert_matches_digest ON alert_matches (rule_id, digest_id);
    CREATE TABLE health_events (
        rule_id TEXT NOT NULL,
        feed_id TEXT NOT NULL,
        -- 'failing' or 'silent'
        condition TEXT NOT NULL,
        -- When the condition began: one event per outage.
        since TEXT NOT NULL,
        detail TEXT NOT NULL,
        noticed TEXT NOT NULL,
        digest_id INTEGER REFERENCES digests (id),
        PRIMARY KEY (rule_id, feed_id, condition, since)
    ) WITHOUT ROWID;
    ALTER TABLE feed_status ADD COLUMN failing_since TEXT;
    ALTER TABLE feed_status ADD COLUMN last_new_at TEXT;
    ALTER TABLE feed_status ADD COLUMN tracked_since TEXT;
    UPDATE feed_status SET tracked_since = last_attempt,
        failing_since = CASE WHEN consecutive_failures > 0 THEN last_attempt END;",
    // 5: what a transcript keeps beside its text: the broadcast, the audio,
    // and where each timed segment sits in the text.
    "CREATE TABLE document_transcripts (
        document_id INTEGER PRIMARY KEY REFERENCES documents (id),
        station TEXT,
        programme TEXT,
        audio_url TEXT,
        -- The file format it was read from: vtt, srt, json, html or text.
        format TEXT NOT NULL,
        -- JSON array of {offset, start, end, speaker}; offset is the byte
        -- where the segment begins in documents.text.
        segments TEXT NOT NULL
    );",
    // 6: documents per source over the last day or week, for the feeds
    // listing, without scanning every source row.
    "CREATE INDEX document_sources_first_seen ON document_sources (first_seen, feed_id);",
    // 7: what the last poll went on without (refused links, failed article
    // pages), so the feeds page shows it and not only the log.
    "ALTER TABLE feed_status ADD COLUMN warning_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE feed_status ADD COLUMN warnings TEXT;",
];

/// Brings the record to the latest schema, one transaction per step.
///
/// Each step takes the write lock first and reads the version inside it, so
/// two processes opening a new record at once (the daemon and a `veille
/// fetch`) do not both apply the same step.
pub(crate) fn migrate(connection: &mut Connection, path: &Path) -> Result<()> {
    let supported = MIGRATIONS.len() as i64;
    loop {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if current > supported {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: current,
                supported,
            });
        }
        let Some(step) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        transaction.execute_batch(step)?;
        transaction.pragma_update(None, "user_version", current + 1)?;
        transaction.commit()?;
    }
}
