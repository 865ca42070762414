//! One poll of one source: fetch, parse, extract, dedup, store.
//!
//! Shared by `veille fetch` (one pass) and the daemon (on schedule). A poll
//! never fails as a whole in a way that affects other feeds: whatever goes
//! wrong ends up in its [`PollReport`] and in the feed's recorded status.
//! The kinds of source differ only in how a fetched body becomes entries
//! (`listing` for HTML pages, `transcripts` for radio); from entries on,
//! every kind goes through [`Pipeline::ingest_entry`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{Feed, FeedKind};
use crate::enrich::dedup::{Identity, Newness, body_hash, canonical_url, content_hash, newness};
use crate::enrich::{Tagger, enrich};
use crate::fetch::{
    ACCEPT_FEED, ACCEPT_PAGE, ACCEPT_TRANSCRIPT, FetchOutcome, Fetched, Fetcher, Validators,
    charset,
};
use crate::sources::Entry;
use crate::sources::article::{Article, extract_article};
use crate::sources::dates::plausible_published;
use crate::sources::feed::parse_feed;
use crate::store::{FeedAttempt, NewDocument, Recorded, SourceRef, Store, StoredValidators};

use super::IngestError;

/// A feed entry with less text than this is taken for a teaser, and its
/// linked page is fetched for the article.
pub const SHORTEST_ARTICLE_CHARS: usize = 500;

/// What a process needs to poll feeds: one fetcher, one record.
pub struct Pipeline {
    pub fetcher: Fetcher,
    pub store: Store,
    /// The compiled gazetteer every document is tagged with.
    pub tagger: Arc<Tagger>,
}

/// Whether a poll stores what it finds, or only says what it would store
/// (`veille fetch --dry-run`, for tuning a source's selectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Store,
    /// Nothing is written: not the documents, not the feed's status, not
    /// the validators; and validators are not sent, so the source is read
    /// in full.
    DryRun,
}

/// What a dry run would have done with one entry.
#[derive(Debug, Clone)]
pub struct Preview {
    pub key: String,
    pub title: String,
    pub url: Option<String>,
    pub outcome: PreviewOutcome,
}

#[derive(Debug, Clone)]
pub enum PreviewOutcome {
    /// Would be stored as this document.
    New(Box<NewDocument>),
    /// This source delivered it before.
    Seen,
    /// The story is stored already (document id), from another source.
    Duplicate(i64),
    /// It could not be read (the reason is among the warnings).
    Failed,
}

/// How a poll ended.
#[derive(Debug)]
pub enum PollOutcome {
    /// The body was parsed; counts are in the report.
    Updated,
    /// 304, or the same bytes as last time.
    NotModified,
    Failed(IngestError),
}

/// Two failures are the same outcome when the operator reads the same
/// reason: the errors inside (I/O, SQLite) have no equality of their own.
impl PartialEq for PollOutcome {
    fn eq(&self, other: &PollOutcome) -> bool {
        match (self, other) {
            (PollOutcome::Updated, PollOutcome::Updated)
            | (PollOutcome::NotModified, PollOutcome::NotModified) => true,
            (PollOutcome::Failed(one), PollOutcome::Failed(other)) => {
                one.to_string() == other.to_string()
            }
            _ => false,
        }
    }
}

/// What one poll did.
#[derive(Debug)]
pub struct PollReport {
    pub feed_id: String,
    pub outcome: PollOutcome,
    pub new: usize,
    /// Entries whose story was already stored from another entry or feed.
    pub duplicate: usize,
    /// Entries this feed delivered before.
    pub already_seen: usize,
    /// Problems with single entries (an article page that failed), which did
    /// not stop the others.
    pub warnings: Vec<String>,
    pub repaired: bool,
    pub http_status: Option<u16>,
    pub retry_not_before: Option<DateTime<Utc>>,
    /// Listing pages read (html sources).
    pub pages: usize,
    /// Entries that could not be read (a transcript that failed): they stay
    /// unseen, and the source's validators are not saved, so that the next
    /// poll reads the source again and retries them.
    pub unread: usize,
    /// A dry run's entries, in the source's order.
    pub previews: Vec<Preview>,
}

impl PollReport {
    fn new(feed: &Feed) -> PollReport {
        PollReport {
            feed_id: feed.id.clone(),
            outcome: PollOutcome::Updated,
            new: 0,
            duplicate: 0,
            already_seen: 0,
            warnings: Vec::new(),
            repaired: false,
            http_status: None,
            retry_not_before: None,
            pages: 0,
            unread: 0,
            previews: Vec::new(),
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, PollOutcome::Failed(_))
    }
}

impl Pipeline {
    /// Polls `feed` once in a task of its own: should anything in it panic,
    /// the failure is recorded on the feed and the caller carries on.
    pub async fn poll_isolated(self: &Arc<Self>, feed: &Feed) -> PollReport {
        let pipeline = self.clone();
        let owned = feed.clone();
        let task = tokio::spawn(async move { pipeline.poll(&owned).await });
        // If this future is dropped (the scheduler stopping after its grace
        // period), the poll stops too, rather than running on unseen beside
        // the next generation's poll of the same feed.
        let _abort = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(report) => report,
            Err(error) => {
                let reason = IngestError::Internal(error.to_string());
                tracing::error!(feed_id = %feed.id, %reason);
                let attempt = FeedAttempt {
                    at: Utc::now(),
                    error: Some(reason.to_string()),
                    ..FeedAttempt::default()
                };
                if let Err(error) = self.store.record_attempt(&feed.id, &attempt) {
                    tracing::error!(feed_id = %feed.id, %error, "cannot record feed status");
                }
                let mut report = PollReport::new(feed);
                report.outcome = PollOutcome::Failed(reason);
                report
            }
        }
    }

    /// Polls `feed` once and records the outcome in its status.
    pub async fn poll(self: &Arc<Self>, feed: &Feed) -> PollReport {
        self.run(feed, Mode::Store).await
    }

    /// Reads `feed` as a poll would and reports what it would store,
    /// writing nothing.
    pub async fn preview(self: &Arc<Self>, feed: &Feed) -> PollReport {
        self.run(feed, Mode::DryRun).await
    }

    async fn run(self: &Arc<Self>, feed: &Feed, mode: Mode) -> PollReport {
        let started = Utc::now();
        let mut report = PollReport::new(feed);
        if let Err(error) = self.poll_inner(feed, started, &mut report, mode).await {
            // Only the source's own answer carries these: a page or a file
            // failing later is a warning, not the poll's outcome.
            if let Some(status) = error.http_status() {
                report.http_status = Some(status);
            }
            if let Some(until) = error.retry_after() {
                report.retry_not_before = Some(until);
            }
            report.outcome = PollOutcome::Failed(error);
        }
        if mode == Mode::DryRun {
            return report;
        }
        let attempt = FeedAttempt {
            at: started,
            error: match &report.outcome {
                PollOutcome::Failed(error) => Some(error.to_string()),
                _ => None,
            },
            http_status: report.http_status,
            not_modified: report.outcome == PollOutcome::NotModified,
            needed_repair: report.repaired,
            new_documents: report.new,
            duplicates: report.duplicate,
            retry_not_before: report.retry_not_before,
            warnings: report.warnings.clone(),
        };
        if let Err(error) = self.store.record_attempt(&feed.id, &attempt) {
            tracing::error!(feed_id = %feed.id, %error, "cannot record feed status");
        }
        match &report.outcome {
            PollOutcome::Failed(error) => {
                tracing::warn!(feed_id = %feed.id, url = %feed.url, %error, "feed failed")
            }
            outcome => tracing::info!(
                feed_id = %feed.id,
                new = report.new,
                duplicate = report.duplicate,
                not_modified = (*outcome == PollOutcome::NotModified),
                repaired = report.repaired,
                "feed polled"
            ),
        }
        report
    }

    async fn poll_inner(
        &self,
        feed: &Feed,
        started: DateTime<Utc>,
        report: &mut PollReport,
        mode: Mode,
    ) -> Result<(), IngestError> {
        if let Some(folder) = &feed.folder {
            let entries = self.read_folder(feed, folder, report, mode).await?;
            if entries.is_empty() {
                // The folder's counterpart of a 304: nothing to read.
                report.outcome = PollOutcome::NotModified;
            }
            self.ingest_all(feed, &entries, started, report, mode)
                .await?;
            return Ok(());
        }
        let url_key = feed.url.as_str();
        let stored = self.store.validators(url_key)?;
        let validators = Validators {
            etag: stored.etag.clone(),
            last_modified: stored.last_modified.clone(),
        };
        let accept = match feed.kind {
            FeedKind::Feed => ACCEPT_FEED,
            FeedKind::Html => ACCEPT_PAGE,
            FeedKind::Transcript => ACCEPT_TRANSCRIPT,
        };
        let sent = (mode == Mode::Store).then_some(&validators);
        let fetched = match self.fetcher.fetch(&feed.url, sent, accept).await {
            Ok(FetchOutcome::NotModified) => {
                report.http_status = Some(304);
                report.outcome = PollOutcome::NotModified;
                return Ok(());
            }
            Ok(FetchOutcome::Fetched(fetched)) => fetched,
            Err(error) => return Err(error.into()),
        };
        report.http_status = (fetched.final_url.scheme() != "file").then_some(fetched.status);
        let hash = body_hash(&fetched.body);
        let new_validators = StoredValidators {
            etag: fetched.validators.etag.clone(),
            last_modified: fetched.validators.last_modified.clone(),
            body_hash: Some(hash),
        };
        // Servers without validators still often send identical bytes.
        if mode == Mode::Store
            && stored.body_hash.is_some()
            && stored.body_hash == new_validators.body_hash
        {
            report.outcome = PollOutcome::NotModified;
            self.store.save_validators(url_key, &new_validators)?;
            return Ok(());
        }

        match (feed.kind, &feed.listing) {
            (FeedKind::Html, Some(listing)) => {
                self.read_listing(feed, listing, fetched, started, report, mode)
                    .await?
            }
            (FeedKind::Transcript, _) => {
                let mut entries = self.transcript_entries(feed, fetched, report).await?;
                self.cap_entries(feed, &mut entries, report);
                self.ingest_all(feed, &entries, started, report, mode)
                    .await?;
            }
            _ => {
                let final_url = fetched.final_url.clone();
                let parsed = off_the_runtime("feed parser", move || {
                    let decoded = charset::decode(&fetched.body, fetched.content_type.as_deref());
                    Ok(parse_feed(&decoded.text, &final_url)?)
                })
                .await?;
                report.repaired = parsed.repaired;
                let mut entries = parsed.entries;
                self.cap_entries(feed, &mut entries, report);
                self.ingest_all(feed, &entries, started, report, mode)
                    .await?;
            }
        }
        // Saved last: a poll cut short re-reads the same body next time, and
        // what it stored already is skipped as seen.
        if mode == Mode::Store && report.unread == 0 {
            self.store.save_validators(url_key, &new_validators)?;
        }
        Ok(())
    }

    /// Keeps the first `max_items` entries. Each entry may cost a page
    /// fetch, an extraction and a write: a feed carrying its whole archive,
    /// or a hostile one with 100,000 items, would hold the poll for many
    /// minutes. Feeds list their newest items first, so the first are kept.
    fn cap_entries(&self, feed: &Feed, entries: &mut Vec<Entry>, report: &mut PollReport) {
        let limit = self.fetcher.config().max_items;
        if entries.len() > limit {
            tracing::warn!(
                feed_id = %feed.id,
                items = entries.len(),
                max_items = limit,
                "the source lists more items than max_items; the rest are not read"
            );
            report.warnings.push(format!(
                "the source lists {} items; only the first {limit} were read (max_items)",
                entries.len()
            ));
            entries.truncate(limit);
        }
    }

    /// Ingests `entries` in order and counts the outcomes. Returns how many
    /// were not seen before from this source. The record itself failing is
    /// not an entry problem: it stops the poll, before the validators are
    /// saved, so that the next poll retries.
    pub(super) async fn ingest_all(
        &self,
        feed: &Feed,
        entries: &[Entry],
        fetched_at: DateTime<Utc>,
        report: &mut PollReport,
        mode: Mode,
    ) -> Result<usize, IngestError> {
        let mut fresh = 0;
        for entry in entries {
            let outcome = self
                .ingest_entry(feed, entry, fetched_at, report, mode)
                .await?;
            match outcome {
                Some(Recorded::New(_)) => report.new += 1,
                Some(Recorded::Duplicate(_)) => report.duplicate += 1,
                Some(Recorded::AlreadySeen) => report.already_seen += 1,
                None => report.unread += 1,
            }
            if outcome != Some(Recorded::AlreadySeen) {
                fresh += 1;
            }
        }
        Ok(fresh)
    }

    /// Fetches `url` (a listing's next page, a transcript file), found in
    /// what the operator's `feed` served, without validators, and decodes it.
    pub(super) async fn fetch_text(
        &self,
        url: &Url,
        feed: &Feed,
        accept: &str,
    ) -> Result<(String, Fetched), IngestError> {
        match self.fetcher.fetch_found(url, &feed.url, accept).await? {
            FetchOutcome::Fetched(fetched) => {
                let text = charset::decode(&fetched.body, fetched.content_type.as_deref()).text;
                Ok((text, fetched))
            }
            FetchOutcome::NotModified => Err(IngestError::UnaskedNotModified { page: false }),
        }
    }

    /// Stores one entry, or in a dry run says what would be stored. `None`
    /// when the entry could not be read (a transcript that failed): it is
    /// a warning on the report, and is not marked seen, so the next poll
    /// tries it again.
    async fn ingest_entry(
        &self,
        feed: &Feed,
        entry: &Entry,
        fetched_at: DateTime<Utc>,
        report: &mut PollReport,
        mode: Mode,
    ) -> Result<Option<Recorded>, IngestError> {
        let preview = |report: &mut PollReport, outcome: PreviewOutcome| {
            if mode == Mode::DryRun {
                report.previews.push(Preview {
                    key: entry.key.clone(),
                    title: entry.title.clone(),
                    url: entry.url.as_ref().map(Url::to_string),
                    outcome,
                });
            }
        };
        let source = SourceRef {
            feed_id: &feed.id,
            entry_key: &entry.key,
            url: entry.url.as_ref().map_or("", Url::as_str),
            tags: &feed.tags,
        };
        // A transcript is not known by its link: a podcast item's link is
        // often the station's home page, shared by every episode. Its
        // text's hash still merges the same broadcast from two sources.
        let link = entry.url.as_ref().filter(|_| entry.transcript.is_none());
        let mut link_key = link.map(canonical_url);
        let mut shared_link = false;
        // Asked before anything is fetched: a story stored already needs
        // no page fetched again.
        match newness(
            &self.store,
            &feed.id,
            &entry.key,
            &Identity::of_link(link_key.as_deref()),
        )? {
            Newness::Seen => {
                preview(report, PreviewOutcome::Seen);
                return Ok(Some(Recorded::AlreadySeen));
            }
            Newness::Known(id) if !self.store.has_source(id, &feed.id)? => {
                preview(report, PreviewOutcome::Duplicate(id));
                return Ok(Some(match mode {
                    Mode::Store => self.store.add_source(id, source)?,
                    Mode::DryRun => Recorded::Duplicate(id),
                }));
            }
            Newness::Known(_) => {
                // Another item of this very feed has the same link (a show
                // page, a section front): the link does not tell this story
                // apart, and neither would the page it points to.
                shared_link = true;
                link_key = None;
            }
            Newness::New => {}
        }
        let mut document = if entry.transcript.is_some() {
            match self.transcript_document(feed, entry, fetched_at).await {
                Ok(document) => document,
                Err(error) => {
                    tracing::warn!(feed_id = %feed.id, key = %entry.key, %error, "transcript not read");
                    report.warnings.push(format!("{}: {error}", entry.key));
                    preview(report, PreviewOutcome::Failed);
                    return Ok(None);
                }
            }
        } else {
            let feed_text = entry.best_text();
            let wants_page = feed.full_text || feed_text.chars().count() < SHORTEST_ARTICLE_CHARS;
            let article = match link {
                Some(link) if wants_page && !shared_link => {
                    self.article(feed, link, &mut report.warnings).await
                }
                _ => None,
            };
            build_document(feed, entry, article, fetched_at, link_key)
        };
        document.enrichment = enrich(
            &self.tagger,
            &document.title,
            &document.text,
            document.language_hint.as_deref(),
        );
        match mode {
            Mode::Store => Ok(Some(self.store.record(&document, source)?)),
            Mode::DryRun => {
                // What `record` would decide, without its transaction.
                let id = match newness(&self.store, &feed.id, &entry.key, &document.identity())? {
                    Newness::Known(id) => Some(id),
                    Newness::Seen | Newness::New => None,
                };
                report.previews.push(Preview {
                    key: entry.key.clone(),
                    title: document.title.clone(),
                    url: entry.url.as_ref().map(Url::to_string),
                    outcome: match id {
                        Some(id) => PreviewOutcome::Duplicate(id),
                        None => PreviewOutcome::New(Box::new(document)),
                    },
                });
                Ok(Some(match id {
                    Some(id) => Recorded::Duplicate(id),
                    None => Recorded::New(0),
                }))
            }
        }
    }

    /// Fetches and extracts an entry's page; a failure is a warning on the
    /// entry, which is then stored with the feed's own text.
    async fn article(
        &self,
        feed: &Feed,
        link: &Url,
        warnings: &mut Vec<String>,
    ) -> Option<(Article, Url)> {
        let result = match self.fetcher.fetch_found(link, &feed.url, ACCEPT_PAGE).await {
            Ok(FetchOutcome::Fetched(page)) => {
                let selector = feed.content_selector.clone();
                off_the_runtime("article extractor", move || {
                    let decoded = charset::decode(&page.body, page.content_type.as_deref());
                    let article =
                        extract_article(&decoded.text, Some(&page.final_url), selector.as_deref())?;
                    Ok((article, page.final_url))
                })
                .await
            }
            Ok(FetchOutcome::NotModified) => Err(IngestError::UnaskedNotModified { page: true }),
            Err(error) => Err(error.into()),
        };
        match result {
            Ok(article) => Some(article),
            Err(error) => {
                tracing::warn!(feed_id = %feed.id, url = %link, %error, "article page failed; keeping the feed's text");
                warnings.push(format!("{link}: {error}"));
                None
            }
        }
    }
}

/// Runs CPU-bound parsing on the blocking pool, so that a 10 MiB page does
/// not stall the fetches of other feeds, and turns a panic in it (a bug in
/// a parser meeting hostile input) into an error for this one item.
pub(super) async fn off_the_runtime<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, IngestError> + Send + 'static,
) -> Result<T, IngestError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(IngestError::Crashed(what)))
}

/// Whether `candidate` (a page's canonical URL, a redirect target) can stand
/// for one story: not a site's front page, and on the same site as `link`
/// when one is given.
fn is_specific_to(candidate: &Url, link: Option<&Url>) -> bool {
    let bare = |url: &Url| {
        url.host_str()
            .map(|host| host.trim_start_matches("www.").to_owned())
    };
    let on_same_site = link.is_none_or(|link| bare(link) == bare(candidate));
    let is_front_page =
        candidate.path().trim_end_matches('/').is_empty() && candidate.query().is_none();
    on_same_site && !is_front_page
}

/// The document to store for an entry, from the page when its text is
/// better than the feed's.
fn build_document(
    feed: &Feed,
    entry: &Entry,
    article: Option<(Article, Url)>,
    fetched_at: DateTime<Utc>,
    link_key: Option<String>,
) -> NewDocument {
    let feed_text = entry.best_text();
    let mut aliases = Vec::new();
    let mut title = entry.title.clone();
    let mut text = feed_text.to_owned();
    let mut author = entry.author.clone();
    let mut published = entry.published;
    // The operator's hint wins over what the feed declares: CMSs ship a
    // default (WordPress's en-US) that many French outlets never change.
    let mut language = feed.language.clone().or_else(|| entry.language.clone());
    let mut extraction = "feed";
    let mut canonical = link_key.clone();

    if let Some((article, final_url)) = article {
        if article.text.chars().count() > feed_text.chars().count() {
            text = article.text;
            extraction = article.method;
        }
        if title.is_empty() {
            title = article.title.unwrap_or_default();
        }
        author = author.or(article.author);
        published = published.or(article.published);
        language = language.or(article.language);
        // A page's canonical URL and the URL it redirected to name the
        // story only when they are specific to it: some sites point every
        // og:url at their home page, or redirect gone articles there (or to
        // a consent page on another host).
        let link = entry.url.as_ref();
        if is_specific_to(&final_url, link) {
            aliases.push(canonical_url(&final_url));
        }
        // A canonical URL on another site is how syndicated copies point at
        // the original, so it is trusted wherever it points, front pages
        // excepted.
        if let Some(page_url) = article
            .canonical_url
            .filter(|url| is_specific_to(url, None))
        {
            canonical = Some(canonical_url(&page_url));
        }
    }
    if let Some(link_key) = &link_key {
        aliases.push(link_key.clone());
    }
    let url = entry.url.as_ref().map(Url::to_string).unwrap_or_default();
    // An entry without a link still needs an identity; the feed and its key
    // make one that cannot collide with a web URL.
    let canonical_url = canonical.unwrap_or_else(|| format!("veille:{}/{}", feed.id, entry.key));
    aliases.retain(|alias| *alias != canonical_url);
    aliases.dedup();
    let published = plausible_published(published, fetched_at);
    NewDocument {
        url,
        content_hash: content_hash(&title, &text),
        canonical_url,
        aliases,
        title,
        text,
        author,
        // Implausible dates are dropped here, so every reader of the
        // record (index, timeline, digests) sees the same bounded date.
        published_is_fetch_time: published.is_none(),
        published: published.unwrap_or(fetched_at),
        fetched: fetched_at,
        language_hint: language,
        extraction: extraction.to_owned(),
        enrichment: Default::default(),
        transcript: None,
    }
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
