//! The durable record: SQLite under the storage directory.
//!
//! Everything veille knows lives here: documents and the sources that
//! carried them, which items of which feed were seen, each feed's status,
//! and the HTTP validators of every URL. The search index is derived from
//! this record and can be rebuilt from it, so this is the one thing to back
//! up. WAL mode keeps readers (the CLI, the web page) off the daemon's back
//! and makes a `kill -9` lose at most the transaction in flight; each entry
//! is stored in one transaction with its "seen" mark, so a crash never leaves
//! a document without its seen item or the other way round.

mod alerts;
mod migrations;
mod status;

pub use status::{FailingDelivery, FeedActivity, Queues};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

pub use crate::enrich::Enrichment;
use crate::enrich::dedup::{self, Identity, Known, Newness};
use crate::sources::transcript::{SegmentAt, segment_at};
pub use alerts::{DigestRow, FeedHealth, HealthEvent, MatchRow, RuleSummary};

/// File name of the record inside the storage directory.
pub const DATABASE_FILE: &str = "veille.sqlite";

/// Why the record could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage directory does not exist and could not be made.
    #[error("cannot create storage directory {}: {error}", path.display())]
    CreateDir {
        /// The configured storage directory.
        path: PathBuf,
        /// What the file system answered.
        error: std::io::Error,
    },
    /// SQLite could not open the record file or set it up (WAL, pragmas).
    #[error("record {}: {error}", path.display())]
    Open {
        /// The record file.
        path: PathBuf,
        /// What SQLite answered.
        error: rusqlite::Error,
    },
    /// The record was written by a newer veille; opening it would risk
    /// damaging what that version stored.
    #[error(
        "record {} has schema version {found}, newer than this veille understands ({supported}); upgrade veille",
        path.display()
    )]
    TooNew {
        /// The record file.
        path: PathBuf,
        /// The schema version stored in the record.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The record file is empty while an index or outbox beside it shows
    /// that it once held data: it was lost, and starting over would wipe
    /// the index and send every alert again.
    #[error(
        "record {} is empty (0 bytes), but {} beside it comes from an earlier record: the record was truncated or lost. Restore it from a backup; to start over on purpose, move the whole storage folder aside",
        path.display(), evidence.display()
    )]
    Emptied {
        /// The empty record file.
        path: PathBuf,
        /// The index or outbox that shows the record once held data.
        evidence: PathBuf,
    },
    /// A query or transaction failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The result of a record operation; the error is a [`StoreError`] unless
/// said otherwise.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A document about to be stored.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// The link as the source gave it.
    pub url: String,
    /// The identity used for dedup (see `enrich::dedup::canonical_url`).
    pub canonical_url: String,
    /// Other canonical forms the same page is known by (the entry link when
    /// the page declares another canonical URL, the URL after redirects).
    pub aliases: Vec<String>,
    /// The headline, as plain text.
    pub title: String,
    /// The body as plain text, paragraphs separated by blank lines.
    pub text: String,
    /// The byline, when the source gives one.
    pub author: Option<String>,
    /// When the story was published, in UTC; the fetch time when the source
    /// gave no usable date.
    pub published: DateTime<Utc>,
    /// No usable date in the source: `published` is the fetch time.
    pub published_is_fetch_time: bool,
    /// When veille fetched it.
    pub fetched: DateTime<Utc>,
    /// The feed's configured language (ISO 639-1), used when detection is
    /// unsure.
    pub language_hint: Option<String>,
    /// Hash of the title's and text's words, which finds the same story under
    /// another URL.
    pub content_hash: String,
    /// Where the text came from: `feed`, `extractor`, `selector`, or the
    /// transcript's format.
    pub extraction: String,
    /// The language and entities found in the title and text.
    pub enrichment: Enrichment,
    /// For a radio transcript, what it keeps beside its text.
    pub transcript: Option<DocumentTranscript>,
}

impl NewDocument {
    /// What the story is known by, for [`dedup::newness`].
    pub fn identity(&self) -> Identity<'_> {
        Identity::of_story(
            &self.canonical_url,
            &self.aliases,
            &self.text,
            &self.content_hash,
        )
    }
}

/// What a transcript keeps beside its text, so that a passage of the text
/// can be traced back to the moment it was said.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DocumentTranscript {
    /// The station that broadcast it, when known.
    pub station: Option<String>,
    /// The programme, else the air time as the station's clock showed it.
    pub programme: Option<String>,
    /// The recording, which time codes link into.
    pub audio_url: Option<String>,
    /// The file format it was read from: `vtt`, `srt`, `json`, `html`, `text`.
    pub format: String,
    /// The text's passages, each with its byte offset in the text and, when the
    /// file gives them, its times and speaker.
    pub segments: Vec<SegmentAt>,
}

/// When a passage of a transcript was said.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timecode {
    /// Seconds from the start of the recording.
    pub seconds: u64,
    /// `00:12:34`.
    pub label: String,
    /// Who speaks in that passage, when the transcript says.
    pub speaker: Option<String>,
    /// The recording at that moment (`…/journal.mp3#t=754`), if known.
    pub audio_link: Option<String>,
    /// `Radio Rurale de Kayes, Journal de 07:30, at 00:12:34`.
    pub caption: String,
}

impl DocumentTranscript {
    /// The time code of the passage at byte `offset` of the text, when its
    /// segment is timed.
    pub fn timecode_at(&self, offset: usize) -> Option<Timecode> {
        let segment = segment_at(&self.segments, offset)?;
        let seconds = segment.start?.max(0.0).floor() as u64;
        let label = format!(
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        let audio_link = self.audio_url.as_deref().map(|audio| {
            // A media fragment: players and browsers start there.
            match url::Url::parse(audio) {
                Ok(mut url) => {
                    url.set_fragment(Some(&format!("t={seconds}")));
                    url.to_string()
                }
                Err(_) => format!("{}#t={seconds}", audio.split('#').next().unwrap_or(audio)),
            }
        });
        let mut caption: Vec<&str> = [&self.station, &self.programme]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let at = format!("at {label}");
        caption.push(&at);
        Some(Timecode {
            caption: caption.join(", "),
            seconds,
            label,
            speaker: segment.speaker.clone(),
            audio_link,
        })
    }
}

/// The source an entry came through.
#[derive(Debug, Clone, Copy)]
pub struct SourceRef<'a> {
    /// The configured id of the feed.
    pub feed_id: &'a str,
    /// The item's key within its feed (its id or link, a transcript's file
    /// name), by which it is marked seen.
    pub entry_key: &'a str,
    /// The item's link in that source.
    pub url: &'a str,
    /// The feed's `tags`, kept with the document.
    pub tags: &'a [String],
}

/// What storing an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new document, with its record sequence number.
    New(i64),
    /// The story was already stored (from this or another source); this
    /// source was added to it.
    Duplicate(i64),
    /// This feed's item was stored before.
    AlreadySeen,
}

/// A stored document, as read back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDocument {
    /// The record's sequence number for the document, stable for its lifetime.
    pub id: i64,
    /// The link as the first source gave it.
    pub url: String,
    /// The identity used for dedup (see `enrich::dedup::canonical_url`).
    pub canonical_url: String,
    /// The headline, as plain text.
    pub title: String,
    /// The body as plain text.
    pub text: String,
    /// The byline, when the source gave one.
    pub author: Option<String>,
    /// Publication time, RFC 3339 in UTC (the fetch time when
    /// `published_is_fetch_time`).
    pub published: String,
    /// No usable date in the source: `published` is the fetch time.
    pub published_is_fetch_time: bool,
    /// Fetch time, RFC 3339 in UTC.
    pub fetched: String,
    /// The feed's configured language (ISO 639-1), if any.
    pub language_hint: Option<String>,
    /// Hash of the title's and text's words (see
    /// [`NewDocument::content_hash`]).
    pub content_hash: String,
    /// Where the text came from: `feed`, `extractor`, `selector`, or the
    /// transcript's format.
    pub extraction: String,
    /// Ids of the feeds that carried it, in the order they did.
    pub sources: Vec<String>,
    /// Detected language (ISO 639-1), `None` when neither detection nor the
    /// feed could tell.
    pub language: Option<String>,
    /// The detector's confidence in `language`, 0 to 1.
    pub language_confidence: f64,
    /// How `language` was decided: `detector`, `hint`, `guess` or `unknown`.
    pub language_source: String,
    /// Entity ids with their number of mentions, by id.
    pub entities: Vec<(String, i64)>,
    /// Raised by every change to the document; see `changed_after`.
    pub revision: i64,
    /// `article` or `transcript`.
    pub kind: String,
    /// For a radio transcript, what it keeps beside its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<DocumentTranscript>,
}

/// HTTP validators and body hash remembered for a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredValidators {
    /// The `ETag` the server last sent, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` the server last sent, sent back as
    /// `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// Hash of the last body read, so an unchanged body is not parsed again
    /// when the server ignores validators.
    pub body_hash: Option<String>,
}

/// The outcome of one poll of a feed, as recorded.
#[derive(Debug, Clone, Default)]
pub struct FeedAttempt {
    /// When the poll began.
    pub at: DateTime<Utc>,
    /// `None` for success.
    pub error: Option<String>,
    /// The HTTP status of the answer, when there was one.
    pub http_status: Option<u16>,
    /// The server answered 304: nothing changed since the last poll.
    pub not_modified: bool,
    /// The feed was malformed XML and was read only after repair (stray `&`
    /// escaped).
    pub needed_repair: bool,
    /// Documents stored for the first time.
    pub new_documents: usize,
    /// Items that were stories already stored from another item or feed.
    pub duplicates: usize,
    /// The server asked not to be polled again before this time.
    pub retry_not_before: Option<DateTime<Utc>>,
    /// What the poll could not do but went on without (a refused link, an
    /// article page that failed, an unreadable transcript); kept on the
    /// feed until the next poll that reads the source again.
    pub warnings: Vec<String>,
}

/// A feed's status, as recorded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FeedStatus {
    /// The configured id of the feed.
    pub feed_id: String,
    /// When the feed was last polled, RFC 3339 in UTC.
    pub last_attempt: Option<String>,
    /// When a poll last succeeded, RFC 3339 in UTC.
    pub last_success: Option<String>,
    /// The HTTP status of the last answer.
    pub http_status: Option<u16>,
    /// Why the last poll failed; `None` when it succeeded.
    pub error: Option<String>,
    /// Failed polls in a row, reset by a success; the scheduler's back-off
    /// grows with it.
    pub consecutive_failures: i64,
    /// When the scheduler plans to poll it next, RFC 3339 in UTC.
    pub next_run: Option<String>,
    /// The server asked not to be polled before this time (`Retry-After`),
    /// RFC 3339 in UTC.
    pub retry_not_before: Option<String>,
    /// The last poll read the feed only after repairing malformed XML.
    pub needed_repair: bool,
    /// Documents the last poll stored for the first time.
    pub last_new: i64,
    /// Items of the last poll that were already stored stories.
    pub last_duplicates: i64,
    /// How many warnings the last poll that read the source had.
    pub warning_count: i64,
    /// The first [`KEPT_WARNINGS`] of them.
    pub warnings: Vec<String>,
}

/// Warnings kept per feed: enough to see what went wrong without letting a
/// hostile feed of 100,000 bad links grow the record.
pub const KEPT_WARNINGS: usize = 10;

/// A kept warning's length at most, in characters.
const WARNING_CHARS: usize = 400;

/// What the scheduler needs to know of a feed after a restart.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScheduleState {
    /// When the feed was last polled, if ever.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Failed polls in a row, for the back-off.
    pub consecutive_failures: i64,
    /// The server asked not to be polled before this time.
    pub retry_not_before: Option<DateTime<Utc>>,
}

/// Handle on the record. Cheap operations only; callers on an async runtime
/// may call it directly (each call is a few milliseconds at most), except
/// [`Store::open`].
pub struct Store {
    connection: Mutex<Connection>,
    path: PathBuf,
}

/// The `feed_status` columns that [`feed_status_row`] reads, in its order.
const FEED_STATUS_COLUMNS: &str = "feed_id, last_attempt, last_success, http_status, error, \
     consecutive_failures, next_run, retry_not_before, needed_repair, last_new, last_duplicates, \
     warning_count, warnings";

fn feed_status_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FeedStatus> {
    Ok(FeedStatus {
        feed_id: row.get(0)?,
        last_attempt: row.get(1)?,
        last_success: row.get(2)?,
        http_status: row.get(3)?,
        error: row.get(4)?,
        consecutive_failures: row.get(5)?,
        next_run: row.get(6)?,
        retry_not_before: row.get(7)?,
        needed_repair: row.get(8)?,
        last_new: row.get(9)?,
        last_duplicates: row.get(10)?,
        warning_count: row.get(11)?,
        warnings: row
            .get::<_, Option<String>>(12)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
    })
}

/// The warnings a feed keeps, as the JSON array the record stores; `None`
/// when there are none.
fn kept_warnings(warnings: &[String]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let kept: Vec<String> = warnings
        .iter()
        .take(KEPT_WARNINGS)
        .map(|warning| match warning.char_indices().nth(WARNING_CHARS) {
            Some((cut, _)) => format!("{}…", &warning[..cut]),
            None => warning.clone(),
        })
        .collect();
    serde_json::to_string(&kept).ok()
}

/// A time as the record writes it: RFC 3339 in UTC, to the second.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

impl Store {
    /// Opens (creating if needed) the record in `dir`, migrating it to the
    /// current schema. It blocks: when another process is creating the same
    /// record it waits up to 5 s, so async code calls it under
    /// `spawn_blocking`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|error| StoreError::CreateDir {
            path: dir.to_owned(),
            error,
        })?;
        let path = dir.join(DATABASE_FILE);
        refuse_emptied(dir, &path)?;
        let open_error = |error| StoreError::Open {
            path: path.clone(),
            error,
        };
        let mut connection = Connection::open(&path).map_err(open_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_error)?;
        enable_wal(&connection).map_err(open_error)?;
        connection
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(open_error)?;
        migrations::migrate(&mut connection, &path)?;
        // Every statement of a poll's writes is prepared once and reused:
        // compiling them for each stored entry cost about 4% of ingest CPU.
        // Searches' ad hoc `IN (...)` lists pass through too, hence room.
        connection.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            connection: Mutex::new(connection),
            path,
        })
    }

    /// The record file on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// SQLite takes a 0-byte file for a new database. Beside an index or an
/// outbox that is a record lost (a disk that filled, a bad copy), and
/// starting over would wipe the index and send every alert again.
fn refuse_emptied(dir: &Path, path: &Path) -> Result<()> {
    if !std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.len() == 0) {
        return Ok(());
    }
    let index = dir.join(crate::archive::ARCHIVE_DIR).join("meta.json");
    let outbox = dir.join(crate::alerts::deliver::OUTBOX_DIR);
    let outbox_used = std::fs::read_dir(&outbox).is_ok_and(|mut entries| entries.next().is_some());
    let evidence = if index.exists() {
        index
    } else if outbox_used {
        outbox
    } else {
        return Ok(());
    };
    Err(StoreError::Emptied {
        path: path.to_owned(),
        evidence,
    })
}

impl Store {
    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (its own transactions guarantee that), so a poisoned lock is usable.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The HTTP validators remembered for `url`; empty when it was never
    /// fetched.
    pub fn validators(&self, url: &str) -> Result<StoredValidators> {
        let connection = self.connection();
        let found = connection
            .prepare_cached("SELECT etag, last_modified, body_hash FROM validators WHERE url = ?1")?
            .query_row([url], |row| {
                Ok(StoredValidators {
                    etag: row.get(0)?,
                    last_modified: row.get(1)?,
                    body_hash: row.get(2)?,
                })
            })
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// Remembers `url`'s validators for the next conditional request, replacing
    /// the old ones.
    pub fn save_validators(&self, url: &str, validators: &StoredValidators) -> Result<()> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "INSERT INTO validators (url, etag, last_modified, body_hash, updated)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3, body_hash = ?4, updated = ?5",
        )?;
        statement.execute(params![
            url,
            validators.etag,
            validators.last_modified,
            validators.body_hash,
            timestamp(Utc::now())
        ])?;
        Ok(())
    }

    /// Whether `feed_id` already carried document `id`.
    pub fn has_source(&self, id: i64, feed_id: &str) -> Result<bool> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT 1 FROM document_sources WHERE document_id = ?1 AND feed_id = ?2",
        )?;
        Ok(statement.exists(params![id, feed_id])?)
    }

    /// Records `source`'s item as a duplicate of document `id`.
    pub fn add_source(&self, id: i64, source: SourceRef<'_>) -> Result<Recorded> {
        let mut connection = self.connection();
        // Immediate: take the write lock before reading, so a concurrent
        // writer (another veille process) makes us wait, not fail.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !link_source(&transaction, id, source)? {
            // Dropping the transaction rolls it back.
            return Ok(Recorded::AlreadySeen);
        }
        bump_revision(&transaction, id)?;
        transaction.commit()?;
        Ok(Recorded::Duplicate(id))
    }

    /// Stores an entry: as a new document, or as one more source of the
    /// document it duplicates, as [`dedup::newness`] decides. The decision
    /// and the write are one transaction, so two feeds carrying the same
    /// story at the same moment still store it once; and the seen mark's
    /// key stands guard behind it: an item marked seen meanwhile is
    /// "already have it", never an error.
    pub fn record(&self, document: &NewDocument, source: SourceRef<'_>) -> Result<Recorded> {
        let mut connection = self.connection();
        // Immediate: take the write lock before reading, so a concurrent
        // writer (another veille process) makes us wait, not fail.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let identity = document.identity();
        let newness = dedup::newness(
            &Lookup(&transaction),
            source.feed_id,
            source.entry_key,
            &identity,
        )?;
        let outcome = match newness {
            Newness::Seen => return Ok(Recorded::AlreadySeen),
            Newness::Known(id) => Recorded::Duplicate(id),
            Newness::New => {
                transaction
                    .prepare_cached(
                        "INSERT INTO documents (url, canonical_url, title, text, author, published,
                         published_is_fetch_time, fetched, language_hint, content_hash, extraction,
                         kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    )?
                    .execute(params![
                        document.url,
                        document.canonical_url,
                        document.title,
                        document.text,
                        document.author,
                        timestamp(document.published),
                        document.published_is_fetch_time,
                        timestamp(document.fetched),
                        document.language_hint,
                        document.content_hash,
                        document.extraction,
                        if document.transcript.is_some() {
                            "transcript"
                        } else {
                            "article"
                        },
                    ])?;
                let id = transaction.last_insert_rowid();
                write_enrichment(&transaction, id, &document.enrichment)?;
                if let Some(transcript) = &document.transcript {
                    write_transcript(&transaction, id, transcript)?;
                }
                Recorded::New(id)
            }
        };
        let (Recorded::New(id) | Recorded::Duplicate(id)) = outcome else {
            unreachable!("outcome is New or Duplicate here");
        };
        for url in &identity.urls {
            transaction
                .prepare_cached(
                    "INSERT OR IGNORE INTO document_urls (url, document_id) VALUES (?1, ?2)",
                )?
                .execute(params![url, id])?;
        }
        if !link_source(&transaction, id, source)? {
            return Ok(Recorded::AlreadySeen);
        }
        bump_revision(&transaction, id)?;
        transaction.commit()?;
        Ok(outcome)
    }

    /// Replaces the language and entities of documents (after a gazetteer
    /// change), in one transaction.
    pub fn update_enrichment(&self, updates: &[(i64, Enrichment)]) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (id, enrichment) in updates {
            transaction.execute("DELETE FROM document_entities WHERE document_id = ?1", [id])?;
            write_enrichment(&transaction, *id, enrichment)?;
            bump_revision(&transaction, *id)?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Records the outcome of a poll in the feed's status.
    pub fn record_attempt(&self, feed_id: &str, attempt: &FeedAttempt) -> Result<()> {
        let at = timestamp(attempt.at);
        let success = attempt.error.is_none();
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "INSERT INTO feed_status (feed_id, last_attempt, last_success, http_status, error,
                 consecutive_failures, retry_not_before, needed_repair, last_new, last_duplicates,
                 failing_since, last_new_at, tracked_since, warning_count, warnings)
             VALUES (?1, ?2, CASE WHEN ?3 THEN ?2 END, ?4, ?5, CASE WHEN ?3 THEN 0 ELSE 1 END, ?6, ?7, ?8, ?9,
                 CASE WHEN ?3 THEN NULL ELSE ?2 END, CASE WHEN ?8 > 0 THEN ?2 END, ?2, ?11, ?12)
             ON CONFLICT (feed_id) DO UPDATE SET
                 failing_since = CASE WHEN ?3 THEN NULL ELSE coalesce(failing_since, ?2) END,
                 last_new_at = CASE WHEN ?8 > 0 THEN ?2 ELSE last_new_at END,
                 tracked_since = coalesce(tracked_since, ?2),
                 last_attempt = ?2,
                 last_success = CASE WHEN ?3 THEN ?2 ELSE last_success END,
                 http_status = ?4,
                 error = ?5,
                 consecutive_failures = CASE WHEN ?3 THEN 0 ELSE consecutive_failures + 1 END,
                 retry_not_before = ?6,
                 needed_repair = CASE WHEN ?10 THEN needed_repair ELSE ?7 END,
                 last_new = CASE WHEN ?3 THEN ?8 ELSE last_new END,
                 last_duplicates = CASE WHEN ?3 THEN ?9 ELSE last_duplicates END,
                 warning_count = CASE WHEN ?10 THEN warning_count ELSE ?11 END,
                 warnings = CASE WHEN ?10 THEN warnings ELSE ?12 END",
        )?;
        statement.execute(params![
            feed_id,
            at,
            success,
            attempt.http_status,
            attempt.error,
            attempt.retry_not_before.map(timestamp),
            attempt.needed_repair,
            attempt.new_documents as i64,
            attempt.duplicates as i64,
            // A 304 parsed nothing, so it says nothing about repair or
            // warnings.
            attempt.not_modified,
            attempt.warnings.len() as i64,
            kept_warnings(&attempt.warnings),
        ])?;
        Ok(())
    }

    /// Records when the scheduler plans to poll `feed_id` next, shown on the
    /// status page.
    pub fn set_next_run(&self, feed_id: &str, next_run: DateTime<Utc>) -> Result<()> {
        self.connection().execute(
            "INSERT INTO feed_status (feed_id, next_run) VALUES (?1, ?2)
             ON CONFLICT (feed_id) DO UPDATE SET next_run = ?2",
            params![feed_id, timestamp(next_run)],
        )?;
        Ok(())
    }

    /// The recorded status of `feed_id`; `None` when it was never polled or
    /// scheduled.
    pub fn feed_status(&self, feed_id: &str) -> Result<Option<FeedStatus>> {
        let connection = self.connection();
        Ok(connection
            .query_row(
                &format!("SELECT {FEED_STATUS_COLUMNS} FROM feed_status WHERE feed_id = ?1"),
                [feed_id],
                feed_status_row,
            )
            .optional()?)
    }

    /// When the feed was last attempted and may next be, for scheduling after
    /// a restart.
    pub fn schedule_state(&self, feed_id: &str) -> Result<ScheduleState> {
        let status = self.feed_status(feed_id)?.unwrap_or_default();
        Ok(ScheduleState {
            last_attempt: status.last_attempt.as_deref().and_then(parse_timestamp),
            consecutive_failures: status.consecutive_failures,
            retry_not_before: status.retry_not_before.as_deref().and_then(parse_timestamp),
        })
    }

    /// How many documents the record holds.
    pub fn document_count(&self) -> Result<i64> {
        Ok(self
            .connection()
            .query_row("SELECT count(*) FROM documents", [], |row| row.get(0))?)
    }

    /// Documents with a record sequence above `after`, oldest first.
    pub fn documents_after(&self, after: i64, limit: usize) -> Result<Vec<StoredDocument>> {
        self.select_documents(
            "WHERE d.id > ?1 ORDER BY d.id LIMIT ?2",
            params![after, limit as i64],
        )
    }

    /// Documents whose revision is above `revision`, in revision order: what
    /// a follower that has seen everything up to `revision` is missing.
    pub fn changed_after(&self, revision: i64, limit: usize) -> Result<Vec<StoredDocument>> {
        self.select_documents(
            "WHERE d.revision > ?1 ORDER BY d.revision LIMIT ?2",
            params![revision, limit as i64],
        )
    }

    /// The latest revision in the record (0 when it is empty).
    pub fn latest_revision(&self) -> Result<i64> {
        Ok(self.connection().query_row(
            "SELECT coalesce(max(revision), 0) FROM documents",
            [],
            |row| row.get(0),
        )?)
    }

    /// The ids of the documents whose revision is `revision` or below: what
    /// an index that holds up to `revision` must hold.
    pub fn document_ids_up_to(&self, revision: i64) -> Result<Vec<i64>> {
        let connection = self.connection();
        let mut statement =
            connection.prepare_cached("SELECT id FROM documents WHERE revision <= ?1")?;
        let ids = statement
            .query_map([revision], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(ids)
    }

    /// How many documents have a revision above `revision`.
    pub fn count_changed_after(&self, revision: i64) -> Result<i64> {
        Ok(self.connection().query_row(
            "SELECT count(*) FROM documents WHERE revision > ?1",
            [revision],
            |row| row.get(0),
        )?)
    }

    /// The documents with these ids, in the order asked; unknown ids are
    /// left out.
    pub fn documents_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredDocument>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            found.extend(self.select_documents(&format!("WHERE d.id IN ({list})"), [])?);
        }
        let position: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        found.sort_by_key(|document| position.get(&document.id).copied());
        Ok(found)
    }

    /// The document with record id `id`, if it exists.
    pub fn document(&self, id: i64) -> Result<Option<StoredDocument>> {
        Ok(self
            .select_documents("WHERE d.id = ?1", [id])?
            .into_iter()
            .next())
    }

    /// Every source that carried document `id`, first first.
    pub fn document_sources(&self, id: i64) -> Result<Vec<DocumentSource>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT feed_id, url, first_seen, tags FROM document_sources
             WHERE document_id = ?1 ORDER BY rowid",
        )?;
        let rows = statement.query_map([id], |row| {
            let tags: String = row.get(3)?;
            Ok(DocumentSource {
                feed_id: row.get(0)?,
                url: row.get(1)?,
                first_seen: row.get(2)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn select_documents(
        &self,
        filter: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<StoredDocument>> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT d.id, d.url, d.canonical_url, d.title, d.text, d.author, d.published,
                    d.published_is_fetch_time, d.fetched, d.language_hint, d.content_hash, d.extraction,
                    (SELECT group_concat(feed_id, ' ') FROM
                        (SELECT feed_id FROM document_sources s WHERE s.document_id = d.id
                         GROUP BY feed_id ORDER BY min(s.rowid))),
                    d.language, d.language_confidence, d.language_source,
                    (SELECT group_concat(entity_id || ':' || mentions, ' ') FROM
                        (SELECT entity_id, mentions FROM document_entities e
                         WHERE e.document_id = d.id ORDER BY entity_id)),
                    d.revision, d.kind,
                    t.station, t.programme, t.audio_url, t.format, t.segments
             FROM documents d LEFT JOIN document_transcripts t ON t.document_id = d.id {filter}"
        ))?;
        let rows = statement.query_map(parameters, |row| {
            let sources: Option<String> = row.get(12)?;
            Ok(StoredDocument {
                id: row.get(0)?,
                url: row.get(1)?,
                canonical_url: row.get(2)?,
                title: row.get(3)?,
                text: row.get(4)?,
                author: row.get(5)?,
                published: row.get(6)?,
                published_is_fetch_time: row.get(7)?,
                fetched: row.get(8)?,
                language_hint: row.get(9)?,
                content_hash: row.get(10)?,
                extraction: row.get(11)?,
                sources: sources
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                language: row.get(13)?,
                language_confidence: row.get(14)?,
                language_source: row.get(15)?,
                entities: row
                    .get::<_, Option<String>>(16)?
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|pair| {
                        let (id, count) = pair.rsplit_once(':')?;
                        Some((id.to_owned(), count.parse().ok()?))
                    })
                    .collect(),
                revision: row.get(17)?,
                kind: row.get(18)?,
                transcript: match row.get::<_, Option<String>>(22)? {
                    None => None,
                    Some(format) => Some(DocumentTranscript {
                        station: row.get(19)?,
                        programme: row.get(20)?,
                        audio_url: row.get(21)?,
                        format,
                        segments: serde_json::from_str(&row.get::<_, String>(23)?)
                            .unwrap_or_default(),
                    }),
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn write_transcript(
    connection: &Connection,
    id: i64,
    transcript: &DocumentTranscript,
) -> rusqlite::Result<()> {
    let segments = serde_json::to_string(&transcript.segments)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    connection.execute(
        "INSERT INTO document_transcripts (document_id, station, programme, audio_url, format, segments)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            transcript.station,
            transcript.programme,
            transcript.audio_url,
            transcript.format,
            segments
        ],
    )?;
    Ok(())
}

/// A source that carried a document, as the document page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentSource {
    /// The configured id of the feed.
    pub feed_id: String,
    /// The item's link in that source.
    pub url: String,
    /// When that source first carried it, RFC 3339 in UTC.
    pub first_seen: String,
    /// The feed's `tags` when it carried it.
    pub tags: Vec<String>,
}

/// Switches the record to WAL. The switch needs an exclusive lock and SQLite
/// answers "busy" at once, without its busy handler, when another process is
/// opening the same new record; so it is retried for a while.
fn enable_wal(connection: &Connection) -> rusqlite::Result<()> {
    let mut attempts = 0;
    loop {
        let result = connection.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        });
        match result {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::DatabaseBusy && attempts < 100 =>
            {
                attempts += 1;
                #[expect(
                    clippy::disallowed_methods,
                    reason = "opening the record is blocking work: async callers (the CLI's commands) open it on the blocking pool, and the wait is bounded (5 s)"
                )]
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other.map(|_| ()),
        }
    }
}

/// The record's answers for [`dedup::newness`], over a connection or a
/// transaction.
struct Lookup<'c>(&'c Connection);

impl Known for Lookup<'_> {
    type Error = StoreError;

    fn is_seen(&self, feed_id: &str, entry_key: &str) -> Result<bool> {
        let mut statement = self
            .0
            .prepare_cached("SELECT 1 FROM seen_items WHERE feed_id = ?1 AND entry_key = ?2")?;
        Ok(statement.exists(params![feed_id, entry_key])?)
    }

    fn find_by_urls(&self, urls: &[&str]) -> Result<Option<i64>> {
        let mut statement = self
            .0
            .prepare_cached("SELECT document_id FROM document_urls WHERE url = ?1")?;
        for url in urls {
            if let Some(id) = statement.query_row([url], |row| row.get(0)).optional()? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn find_by_content_hash(&self, hash: &str) -> Result<Option<i64>> {
        Ok(self
            .0
            .prepare_cached("SELECT id FROM documents WHERE content_hash = ?1 ORDER BY id LIMIT 1")?
            .query_row([hash], |row| row.get(0))
            .optional()?)
    }
}

/// The store answers [`dedup::newness`] outside a write too (ingest's early
/// question, a dry run); the answer may be stale by the time of the write,
/// which asks again inside its transaction.
impl Known for Store {
    type Error = StoreError;

    fn is_seen(&self, feed_id: &str, entry_key: &str) -> Result<bool> {
        Lookup(&self.connection()).is_seen(feed_id, entry_key)
    }

    fn find_by_urls(&self, urls: &[&str]) -> Result<Option<i64>> {
        Lookup(&self.connection()).find_by_urls(urls)
    }

    fn find_by_content_hash(&self, hash: &str) -> Result<Option<i64>> {
        Lookup(&self.connection()).find_by_content_hash(hash)
    }
}

fn write_enrichment(connection: &Connection, id: i64, enrichment: &Enrichment) -> Result<()> {
    let mut statement = connection.prepare_cached(
        "UPDATE documents SET language = ?2, language_confidence = ?3, language_source = ?4 WHERE id = ?1",
    )?;
    statement.execute(params![
        id,
        enrichment.language,
        enrichment.language_confidence,
        enrichment.language_source
    ])?;
    let mut insert = connection.prepare_cached(
        "INSERT INTO document_entities (document_id, entity_id, mentions) VALUES (?1, ?2, ?3)",
    )?;
    for (entity, mentions) in &enrichment.entities {
        insert.execute(params![id, entity, *mentions as i64])?;
    }
    Ok(())
}

/// Gives document `id` the next revision, so that followers of the record
/// (the search index) see it changed. Called inside the write transaction,
/// which holds SQLite's write lock, so two processes never hand out the same
/// revision.
fn bump_revision(connection: &Connection, id: i64) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE documents SET revision = (SELECT coalesce(max(revision), 0) + 1 FROM documents)
         WHERE id = ?1",
        )?
        .execute([id])?;
    Ok(())
}

/// Marks `source`'s item seen and links it to document `id`. `false` when
/// the item was marked seen already: the mark's primary key is the last
/// word on "already have it", whoever wrote it first.
fn link_source(connection: &Connection, id: i64, source: SourceRef<'_>) -> Result<bool> {
    let now = timestamp(Utc::now());
    let marked = connection
        .prepare_cached(
            "INSERT INTO seen_items (feed_id, entry_key, document_id, first_seen)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![source.feed_id, source.entry_key, id, now])?;
    if marked == 0 {
        return Ok(false);
    }
    let tags = serde_json::to_string(source.tags).unwrap_or_else(|_| "[]".to_owned());
    let mut statement = connection.prepare_cached(
        "INSERT OR IGNORE INTO document_sources (document_id, feed_id, url, entry_key, first_seen, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    statement.execute(params![
        id,
        source.feed_id,
        source.url,
        source.entry_key,
        now,
        tags
    ])?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_opens_of_a_new_record_both_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || Store::open(&dir).map(|_| ()))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap().expect("open");
        }
    }

    fn story(canonical_url: &str, text: &str) -> NewDocument {
        NewDocument {
            url: canonical_url.to_owned(),
            canonical_url: canonical_url.to_owned(),
            aliases: Vec::new(),
            title: "Blocus".to_owned(),
            text: text.to_owned(),
            author: None,
            published: Utc::now(),
            published_is_fetch_time: false,
            fetched: Utc::now(),
            language_hint: None,
            content_hash: dedup::content_hash("Blocus", text),
            extraction: "feed".to_owned(),
            enrichment: Enrichment::default(),
            transcript: None,
        }
    }

    fn source<'a>(feed_id: &'a str, entry_key: &'a str) -> SourceRef<'a> {
        SourceRef {
            feed_id,
            entry_key,
            url: "",
            tags: &[],
        }
    }

    #[test]
    fn newness_decides_and_the_seen_mark_guards() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let long = "Les citernes restent bloquées sur la route de Diboli. ".repeat(5);
        let Recorded::New(id) = store
            .record(&story("https://example.org/a", &long), source("f", "1"))
            .unwrap()
        else {
            panic!("the first copy is new");
        };
        // The same words under another URL: known by hash, from another feed.
        assert_eq!(
            store
                .record(&story("https://example.com/b", &long), source("g", "9"))
                .unwrap(),
            Recorded::Duplicate(id)
        );
        // A short text is not matched by hash.
        assert!(matches!(
            store
                .record(&story("https://example.com/c", "Communiqué"), source("g", "10"))
                .unwrap(),
            Recorded::New(other) if other != id
        ));
        assert_eq!(
            store
                .record(&story("https://example.org/a", &long), source("f", "1"))
                .unwrap(),
            Recorded::AlreadySeen
        );
        // Linking an item seen meanwhile is "already have it", not an error,
        // and leaves the record as it was.
        let revision = store.latest_revision().unwrap();
        assert_eq!(
            store.add_source(id, source("g", "9")).unwrap(),
            Recorded::AlreadySeen
        );
        assert_eq!(store.latest_revision().unwrap(), revision);
        assert_eq!(store.document_sources(id).unwrap().len(), 2);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let connection = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
        drop(connection);
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
