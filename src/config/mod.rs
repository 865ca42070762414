//! `feeds.toml`: what to watch, how to fetch it, where to keep it.
//!
//! Every struct here is the user's reference for one section of the file, so
//! the doc comments say what a key means, its default and its unit. The first
//! paragraph of a field's doc comment is its row of the README's
//! configuration tables, which `tests/it/config_reference.rs` generates and
//! checks: a `Default: …` sentence (or one starting with `Required`) and what
//! the key means; a default written as a value there is checked against what
//! leaving the key out gives. Later paragraphs are notes for the code. Loading is
//! in [`load`]; it reports every mistake in the file at once, each with file,
//! line, column and key, because an operator editing a 300-feed file should not
//! have to run `veille check` thirty times.

pub mod alerts;
mod diagnostics;
mod load;
mod schedule;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

pub use alerts::{Alert, AlertCondition, AlertMode, AlertsConfig, SmtpConfig};
pub use diagnostics::{Diagnostic, Report, render};
pub use load::{ConfigError, load, load_str};
pub use schedule::{Schedule, ScheduleError};

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from; relative paths inside it resolve against
    /// its folder.
    pub path: PathBuf,
    /// `[storage]`: where the record and the index live.
    pub storage: StorageConfig,
    /// `[server]`: the HTTP API and web page.
    pub server: ServerConfig,
    /// `[fetch]`: how sources are fetched.
    pub fetch: FetchConfig,
    /// `[defaults]`: what every `[[feed]]` inherits.
    pub defaults: FeedDefaults,
    /// `[enrich]`: the gazetteer and tagging.
    pub enrich: EnrichConfig,
    /// `[alerts]`: how alert rules run.
    pub alerts: AlertsConfig,
    /// `[smtp]`, when digests are emailed.
    pub smtp: Option<SmtpConfig>,
    /// The `[[feed]]` sources, in file order.
    pub feeds: Vec<Feed>,
    /// The `[[alert]]` rules.
    pub rules: Vec<Alert>,
}

impl Config {
    /// The folder relative paths in the file resolve against.
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Where the API token is read from (`[server] token_env` or
    /// `token_file`, resolved against the config folder).
    pub fn api_token_source(&self) -> Option<alerts::SecretSource> {
        let file = self
            .server
            .token_file
            .as_ref()
            .map(|path| self.base_dir().join(path));
        alerts::SecretSource::from_keys(self.server.token_env.as_ref(), file.as_ref())
    }

    /// The data directory (`[storage] dir`), resolved against the config folder.
    pub fn storage_dir(&self) -> PathBuf {
        self.base_dir().join(&self.storage.dir)
    }

    /// The gazetteer files and folders to load, resolved against the config
    /// folder, and whether the operator named them (a named path must exist;
    /// the default `entities.toml` and `gazetteer/` may be absent, and with
    /// neither, tagging is off).
    pub fn gazetteer_paths(&self) -> (Vec<PathBuf>, bool) {
        match &self.enrich.gazetteer {
            Some(paths) => (
                paths
                    .iter()
                    .map(|path| self.base_dir().join(path))
                    .collect(),
                true,
            ),
            None => (
                EnrichConfig::DEFAULT_GAZETTEER
                    .iter()
                    .map(|path| self.base_dir().join(path))
                    .collect(),
                false,
            ),
        }
    }

    /// The digest templates folder (`[alerts] templates`), resolved.
    pub fn templates_dir(&self) -> PathBuf {
        self.base_dir().join(&self.alerts.templates)
    }

    /// The rule with this id, if configured.
    pub fn rule(&self, id: &str) -> Option<&Alert> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The feed with this id, if configured.
    pub fn feed(&self, id: &str) -> Option<&Feed> {
        self.feeds.iter().find(|feed| feed.id == id)
    }
}

/// `[storage]`: where veille keeps its record and index.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Data directory, relative to the config file's folder unless absolute:
    /// `veille.sqlite` (the record) and `archive/` (the search index, rebuilt
    /// from the record by `veille reindex`). Default: `"index"`.
    #[serde(default = "StorageConfig::default_dir")]
    pub dir: PathBuf,
    /// How often the running daemon adds newly stored documents to the search
    /// index: the longest a stored document waits before searches find it. At
    /// least `100ms`. Default: `"1s"`.
    #[serde(
        default = "StorageConfig::default_commit_interval",
        with = "humantime_serde"
    )]
    pub commit_interval: Duration,
}

impl StorageConfig {
    fn default_dir() -> PathBuf {
        PathBuf::from("index")
    }

    fn default_commit_interval() -> Duration {
        Duration::from_secs(1)
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            dir: Self::default_dir(),
            commit_interval: Self::default_commit_interval(),
        }
    }
}

/// `[server]`: the HTTP API and web page served by `veille run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port of the HTTP API and the web page; `127.0.0.1:0` picks a
    /// free port, which the start-up log line shows as `api=`. An address other
    /// than loopback needs an API token (`token_env` or `token_file`), so that
    /// the archive is never open to the network by accident. Default:
    /// `"127.0.0.1:8080"`.
    #[serde(default = "ServerConfig::default_bind")]
    pub bind: String,
    /// Environment variable holding the API token (at least 16 characters),
    /// e.g. `"VEILLE_API_TOKEN"`. With a token, every request needs
    /// `Authorization: Bearer <token>` (a browser signs in once on the web
    /// page's form, which keeps it in a cookie). Required when `bind` is not a
    /// loopback address, unless `token_file` is set (not both). Default: none.
    pub token_env: Option<String>,
    /// File holding the API token (its first line), e.g. a systemd credential
    /// such as `"/run/credentials/veille.service/api-token"`. Default: none.
    pub token_file: Option<PathBuf>,
    /// Longest time one request may take before it is answered 503; exports
    /// stream for as long as they need once started. A client that has not sent
    /// its whole request head within this time (at most 10 s) is disconnected.
    /// At least `1s`. Default: `"30s"`.
    #[serde(
        default = "ServerConfig::default_request_timeout",
        with = "humantime_serde"
    )]
    pub request_timeout: Duration,
}

impl ServerConfig {
    fn default_bind() -> String {
        "127.0.0.1:8080".to_owned()
    }

    fn default_request_timeout() -> Duration {
        Duration::from_secs(30)
    }

    /// Whether `bind` listens on loopback only.
    pub fn is_loopback(&self) -> bool {
        match self.bind.parse::<std::net::SocketAddr>() {
            Ok(address) => address.ip().is_loopback(),
            Err(_) => false,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: Self::default_bind(),
            token_env: None,
            token_file: None,
            request_timeout: Self::default_request_timeout(),
        }
    }
}

/// `[fetch]`: how veille behaves as an HTTP client. The defaults are polite
/// to small sites on slow links: one request at a time per host, a second
/// apart, robots.txt honoured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// `User-Agent` header sent with every request; its first word is the agent
    /// name matched against robots.txt groups. Put a contact address in it.
    /// Default: `"veille/<version> (news monitoring)"`.
    #[serde(default = "FetchConfig::default_user_agent")]
    pub user_agent: String,
    /// Time allowed for one whole request, body included. Default: `"30s"`.
    #[serde(default = "FetchConfig::default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Time allowed to open a connection. Default: `"10s"`.
    #[serde(
        default = "FetchConfig::default_connect_timeout",
        with = "humantime_serde"
    )]
    pub connect_timeout: Duration,
    /// Largest body accepted, in bytes, counted after decompression; a larger
    /// one is cut off at this size and the fetch fails with that reason.
    /// Default: `10485760` (10 MiB).
    #[serde(default = "FetchConfig::default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// Requests in flight at once, across all hosts. Default: `8`.
    #[serde(default = "FetchConfig::default_concurrency")]
    pub concurrency: usize,
    /// Requests in flight at once to one host. Default: `1`.
    #[serde(default = "FetchConfig::default_per_host_concurrency")]
    pub per_host_concurrency: usize,
    /// Least time between the starts of two requests to one host; a larger
    /// `Crawl-delay` in the host's robots.txt wins (up to 60 s). Default:
    /// `"1s"`.
    #[serde(
        default = "FetchConfig::default_per_host_delay",
        with = "humantime_serde"
    )]
    pub per_host_delay: Duration,
    /// Honour robots.txt (RFC 9309): it is cached for a day; a missing file
    /// allows all; an unreachable one blocks the site for 10 minutes. Default:
    /// `true`.
    #[serde(default = "FetchConfig::default_true")]
    pub respect_robots: bool,
    /// Retries after a network error, a timeout, a 5xx or a 429 answer, with
    /// exponential backoff and jitter. Default: `2`.
    #[serde(default = "FetchConfig::default_retries")]
    pub retries: u32,
    /// Wait before the first retry; each further retry doubles it. Default:
    /// `"2s"`.
    #[serde(
        default = "FetchConfig::default_retry_backoff",
        with = "humantime_serde"
    )]
    pub retry_backoff: Duration,
    /// Longest `Retry-After` veille waits for within one fetch. A server asking
    /// for longer is left alone until then: the fetch fails and the feed's next
    /// run moves accordingly. Default: `"2m"`.
    #[serde(
        default = "FetchConfig::default_max_retry_after",
        with = "humantime_serde"
    )]
    pub max_retry_after: Duration,
    /// Redirects followed before giving up. Default: `5`.
    #[serde(default = "FetchConfig::default_max_redirects")]
    pub max_redirects: usize,
    /// Items read from one poll of a feed, at most: the first ones, the newest
    /// in a feed's usual order. The rest of a longer feed is ignored, with a
    /// warning. Listing pages have their own cap of 500 items a page. Default:
    /// `500`.
    ///
    /// Each item read may cost a page fetch and is a document to store, so a
    /// whole archive, or a hostile feed, must not become one poll's work.
    #[serde(default = "FetchConfig::default_max_items")]
    pub max_items: usize,
    /// Internal address ranges that URLs found in sources (item links, listing
    /// pages' links, redirects, transcript offers) may reach, e.g.
    /// `["10.1.0.0/16", "fd12:3456::/48"]`, for an intranet you watch (see
    /// *Internal addresses stay internal* in the README). Default: `[]`.
    ///
    /// Without them, such a URL is refused when it names or resolves to a
    /// loopback, private (RFC 1918, RFC 4193), link-local, carrier-grade NAT,
    /// multicast, unspecified or reserved address, or the cloud metadata
    /// service. The servers of the URLs written in this file are always
    /// reached.
    #[serde(default)]
    pub allow_private: Vec<ipnet::IpNet>,
}

impl FetchConfig {
    fn default_user_agent() -> String {
        format!("veille/{} (news monitoring)", env!("CARGO_PKG_VERSION"))
    }
    fn default_timeout() -> Duration {
        Duration::from_secs(30)
    }
    fn default_connect_timeout() -> Duration {
        Duration::from_secs(10)
    }
    fn default_max_body_bytes() -> u64 {
        10 * 1024 * 1024
    }
    fn default_concurrency() -> usize {
        8
    }
    fn default_per_host_concurrency() -> usize {
        1
    }
    fn default_per_host_delay() -> Duration {
        Duration::from_secs(1)
    }
    fn default_true() -> bool {
        true
    }
    fn default_retries() -> u32 {
        2
    }
    fn default_retry_backoff() -> Duration {
        Duration::from_secs(2)
    }
    fn default_max_retry_after() -> Duration {
        Duration::from_secs(120)
    }
    fn default_max_redirects() -> usize {
        5
    }
    fn default_max_items() -> usize {
        500
    }
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: Self::default_user_agent(),
            timeout: Self::default_timeout(),
            connect_timeout: Self::default_connect_timeout(),
            max_body_bytes: Self::default_max_body_bytes(),
            concurrency: Self::default_concurrency(),
            per_host_concurrency: Self::default_per_host_concurrency(),
            per_host_delay: Self::default_per_host_delay(),
            respect_robots: true,
            retries: Self::default_retries(),
            retry_backoff: Self::default_retry_backoff(),
            max_retry_after: Self::default_max_retry_after(),
            max_redirects: Self::default_max_redirects(),
            max_items: Self::default_max_items(),
            allow_private: Vec::new(),
        }
    }
}

/// `[defaults]`: values every `[[feed]]` takes unless it sets its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedDefaults {
    /// Schedule of feeds that set none (see `[[feed]] schedule`). Default:
    /// `"every 30m"`.
    #[serde(default = "FeedDefaults::default_schedule")]
    pub schedule: String,
    /// Time zone cron schedules are read in, an IANA name such as
    /// `"Africa/Bamako"`. Default: `"UTC"`.
    #[serde(default = "FeedDefaults::default_timezone")]
    pub timezone: String,
    /// Fetch and extract every entry's linked page (see `[[feed]] full_text`).
    /// Default: `false`.
    #[serde(default)]
    pub full_text: bool,
}

impl FeedDefaults {
    fn default_schedule() -> String {
        "every 30m".to_owned()
    }
    fn default_timezone() -> String {
        "UTC".to_owned()
    }
}

impl Default for FeedDefaults {
    fn default() -> Self {
        FeedDefaults {
            schedule: Self::default_schedule(),
            timezone: Self::default_timezone(),
            full_text: false,
        }
    }
}

/// `[enrich]`: language detection and entity tagging.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichConfig {
    /// Gazetteer files (`[[entity]]` tables) and folders, read in order,
    /// relative to the config file's folder: the shipped `entities.toml`, the
    /// shipped `gazetteer/` folder of generated communes and villages, then
    /// your own, e.g. `["entities.toml", "gazetteer", "local-entities.toml"]`.
    /// A folder's `*.toml` files are a generated layer whose entries yield to
    /// the files' (same id, or same type and name). A path you name must exist.
    /// Leave `"gazetteer"` out to tag without the village layer. Default:
    /// `["entities.toml", "gazetteer"]`, those of them that exist; with
    /// neither, documents get no entities (a warning says so).
    pub gazetteer: Option<Vec<PathBuf>>,
}

impl EnrichConfig {
    /// The gazetteer paths used when `gazetteer` is not set, relative to the
    /// config's folder; those that exist are read.
    pub const DEFAULT_GAZETTEER: [&str; 2] = ["entities.toml", "gazetteer"];
}

/// What a source is, and so which parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    #[default]
    Feed,
    /// A site without a feed: a listing page read with the CSS selectors
    /// of `listing`, each item's page then fetched like a feed entry's.
    Html,
    /// Radio transcripts (WebVTT, SRT, Podcasting 2.0 JSON, HTML or plain
    /// text): from a podcast feed whose items carry `<podcast:transcript>`,
    /// from a transcript file or a page listing such files (`url`), or from
    /// a drop folder (`folder`).
    Transcript,
}

impl FeedKind {
    /// The kind as written in `kind = …` and stored in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Feed => "feed",
            FeedKind::Html => "html",
            FeedKind::Transcript => "transcript",
        }
    }
}

/// `listing = { … }` of a `kind = "html"` source: where the items of its
/// listing page are. Selectors inside an item are relative to the item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingConfig {
    /// CSS selector matching each item (one story) of the listing page, e.g.
    /// `"article.post"` or `"ul.news > li"`. Required.
    pub item: String,
    /// The element inside an item whose `href` is the story's link. Default:
    /// the first `a[href]` in the item.
    pub link: Option<String>,
    /// The element inside an item holding the title. Default: the link's text.
    pub title: Option<String>,
    /// The element inside an item holding the date: its `datetime`, `content`
    /// or `title` attribute, else its text. French and English dates are
    /// understood (`1 juillet 2025`, `01/07/2025`, `July 1, 2025`, `il y a 3
    /// heures`, `hier`, `2 days ago`). Default: none (the article page's date
    /// is used, else the fetch time).
    pub date: Option<String>,
    /// A strftime format for dates the automatic reading gets wrong, e.g.
    /// `"%d.%m.%Y"`; only this format is tried when set. Default: none.
    pub date_format: Option<String>,
    /// The element inside an item holding a teaser. Default: none.
    pub summary: Option<String>,
    /// The "next page" link of the listing, e.g. `"a.next"`, followed up to
    /// `max_pages` while the pages bring items not seen before. Default: none.
    pub next: Option<String>,
    /// Listing pages read per poll, the first included, at most 50. Default:
    /// `1`.
    #[serde(default = "ListingConfig::default_max_pages")]
    pub max_pages: u32,
}

impl ListingConfig {
    fn default_max_pages() -> u32 {
        1
    }
}

/// One `[[feed]]` table, as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Unique, stable name of the source: lower-case letters, digits and `-`.
    /// It is what the record and search results call the source, so renaming it
    /// starts the source afresh. Required.
    pub id: String,
    /// Human name of the outlet (or radio station), for listings and digests.
    /// Default: the id.
    pub name: Option<String>,
    /// Where to fetch: `https://…`, `http://…`, `file:///abs/path` or
    /// `file:rel/path` (relative to the config file's folder). Required, except
    /// for a transcript drop folder, which has `folder` instead.
    pub url: Option<String>,
    /// Parser for the source: `"feed"` (RSS 0.9x/1.0/2.0, Atom or JSON Feed),
    /// `"html"` (a listing page read with `listing` selectors) or
    /// `"transcript"` (radio transcripts; see *Radio transcripts and sites
    /// without feeds* in the README). Default: `"feed"`.
    #[serde(default)]
    pub kind: FeedKind,
    /// `kind = "transcript"` only, instead of `url`: a drop folder, relative to
    /// the config file's folder unless absolute, where a speech-to-text
    /// pipeline writes one file per broadcast (`.vtt`, `.srt`, `.json`,
    /// `.html`, `.txt`), each read once. Default: none.
    ///
    /// Each file is read once, even across restarts, and only after it has
    /// stopped changing for `min_age`; files named `.*`, `*.part`, `*.tmp` and
    /// `*~` are left alone, so a pipeline may also write under such a name and
    /// rename. A `<name>.toml` beside a transcript may give `station`,
    /// `programme`, `air_time`, `title`, `language` and `audio`; an audio file
    /// with the same name (`.mp3`, `.m4a`, `.ogg`, `.opus`, `.wav`) is linked
    /// to when there is no `audio`.
    pub folder: Option<PathBuf>,
    /// `kind = "transcript"` only: what a transcript's file name says, e.g.
    /// `"{station}_{date}_{time}.vtt"`. Placeholders: `{station}`,
    /// `{programme}`, `{date}` (`2025-07-01` or `20250701`), `{time}` (`0730`,
    /// `07-30`, `07h30`, `073000`), `{lang}`, and `{*}` for anything; date and
    /// time are the air time, in `timezone`. Files whose name does not match
    /// are skipped. Default: any transcript file.
    pub file_pattern: Option<String>,
    /// `folder` only: how long a file must have stayed unchanged before it is
    /// read, so that one still being written is not taken half-done. Default:
    /// `"30s"`.
    #[serde(default, with = "humantime_serde::option")]
    pub min_age: Option<Duration>,
    /// `kind = "html"` only: where the items of the listing page are (see
    /// `listing` below). Required for `"html"`.
    pub listing: Option<ListingConfig>,
    /// When to fetch: a crontab line, 5 fields (`"*/20 * * * *"`) or 6 with
    /// seconds first, or an alias such as `@hourly`, optionally with a time
    /// zone in front (`"CRON_TZ=Africa/Dakar 0 7 * * *"`); or an interval,
    /// `"every 15m"`. Sunday is 0 or 7, as in crontab. Nothing more often than
    /// every 10 s. Default: `[defaults] schedule`.
    pub schedule: Option<String>,
    /// Time zone (IANA name) of this feed's cron schedule, and of dates and air
    /// times the source writes without an offset (listing dates, transcript
    /// file names, sidecars). Default: `[defaults] timezone`.
    pub timezone: Option<String>,
    /// Language the outlet writes in (ISO 639-1, e.g. `"fr"`), recorded as its
    /// documents' language hint. It wins over what the feed declares, since
    /// many CMSs declare a default (WordPress's `en-US`) their French or Arabic
    /// outlets never change; without it, the feed's, then the page's
    /// declaration is used. Default: none.
    pub language: Option<String>,
    /// Fetch and extract the linked page of every entry; entries with less than
    /// 500 characters of text get their page fetched anyway. Default:
    /// `[defaults] full_text`.
    pub full_text: Option<bool>,
    /// CSS selector for the article body on linked pages, e.g.
    /// `"div.entry-content"`, for sites the automatic extractor gets wrong; if
    /// it matches nothing, the extractor is used. Default: none.
    pub content_selector: Option<String>,
    /// Whether the daemon and `veille fetch` poll this source. Default: `true`.
    #[serde(default = "FetchConfig::default_true")]
    pub enabled: bool,
    /// Free labels, recorded with every document this feed carries. Default:
    /// `[]`.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A transcript drop folder, validated.
#[derive(Debug, Clone)]
pub struct DropFolder {
    /// The folder watched for transcript files.
    pub path: PathBuf,
    /// How long a file must stay unchanged before it is read.
    pub min_age: Duration,
}

impl DropFolder {
    /// `min_age` when the feed does not set it.
    pub const DEFAULT_MIN_AGE: Duration = Duration::from_secs(30);
}

/// The listing of a `kind = "html"` source, compiled.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The CSS selectors that find items, links and the next page.
    pub selectors: crate::sources::html::ListingSelectors,
    /// How dates on the listing are read.
    pub dates: crate::sources::html::DateReading,
    /// Listing pages read per poll, the first included.
    pub max_pages: u32,
}

/// A validated source, ready to be fetched.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The source's unique id, as the record, the API and alert rules name it.
    pub id: String,
    /// The name shown to analysts; the id when none is given.
    pub name: String,
    /// The source's URL; for a drop folder, the folder's `file:` URL.
    pub url: Url,
    /// Which parser reads it.
    pub kind: FeedKind,
    /// When it is polled.
    pub schedule: Schedule,
    /// The zone of cron schedules and of local dates the source writes.
    pub timezone: Tz,
    /// The operator's language hint, which wins over what the source declares.
    pub language: Option<String>,
    /// Whether every entry's linked page is fetched and extracted.
    pub full_text: bool,
    /// A CSS selector tried before the extractors on linked pages.
    pub content_selector: Option<String>,
    /// Whether the daemon and `veille fetch` poll it.
    pub enabled: bool,
    /// Free labels recorded with every document it carries.
    pub tags: Vec<String>,
    /// `kind = "html"`: the compiled listing selectors.
    pub listing: Option<Listing>,
    /// `kind = "transcript"` read from a folder.
    pub folder: Option<DropFolder>,
    /// `kind = "transcript"`: what file names say.
    pub file_pattern: Option<crate::sources::broadcast::FilePattern>,
}

#[cfg(test)]
impl Feed {
    /// A feed of `https://example.org/rss` on `schedule` (UTC), for tests.
    pub(crate) fn for_test(id: &str, schedule: &str) -> Feed {
        Feed {
            id: id.into(),
            name: id.into(),
            url: Url::parse("https://example.org/rss").expect("valid"),
            kind: FeedKind::Feed,
            schedule: Schedule::parse(schedule, Tz::UTC).expect("valid schedule"),
            timezone: Tz::UTC,
            language: None,
            full_text: false,
            content_selector: None,
            enabled: true,
            tags: Vec::new(),
            listing: None,
            folder: None,
            file_pattern: None,
        }
    }
}

/// Time zone names accepted in the config, e.g. `Africa/Bamako`.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        format!("unknown time zone {name:?} (use an IANA name such as \"Africa/Bamako\")")
    })
}

/// Serde adapter for human durations such as `"30s"`, `"2m"`, `"1h 30m"`.
mod humantime_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text).map_err(|err| {
            serde::de::Error::custom(format!(
                "invalid duration {text:?}: {err} (write e.g. \"30s\", \"2m\", \"1h\")"
            ))
        })
    }

    /// The same, for a key that may be left out (with `#[serde(default)]`).
    pub(super) mod option {
        use std::time::Duration;

        use serde::Deserializer;

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Duration>, D::Error> {
            super::deserialize(deserializer).map(Some)
        }
    }
}
