//! Source parsers: from decoded text to entries.
//!
//! A source parser knows one format and nothing about fetching or storage;
//! ingest hands it text and gets entries back: `feed` for
//! RSS/Atom/JSON Feed, `html` for listing pages read with CSS selectors,
//! `transcript` for radio transcripts and `broadcast` for what a transcript's
//! file name or sidecar says; `article` extracts a linked page's text.

pub mod article;
pub mod broadcast;
pub mod dates;
pub mod extract;
pub mod feed;
pub mod html;
pub mod nesting;
pub mod text;
pub mod transcript;

use chrono::{DateTime, Utc};
use url::Url;

/// One item of a source, as the source gave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// Identity of the item within its source (guid/id, else link, else
    /// title): what "seen before" is decided on.
    pub key: String,
    /// The item's link, resolved against the source URL.
    pub url: Option<Url>,
    /// The item's headline as plain text; empty when the source gives none.
    pub title: String,
    /// Plain text of the summary/description.
    pub summary: String,
    /// Plain text of the full content, when the source carries it.
    pub content: String,
    /// The byline, as the source writes it.
    pub author: Option<String>,
    /// When the source says the item was published; `None` if it gives no date
    /// or one that does not parse.
    pub published: Option<DateTime<Utc>>,
    /// Language declared by the item or its source, primary subtag.
    pub language: Option<String>,
    /// The item's audio (a podcast enclosure), which transcript time codes
    /// link into.
    pub audio: Option<Url>,
    /// The item's transcript, for a `kind = "transcript"` source.
    pub transcript: Option<TranscriptSource>,
    /// What the transcript's file name or sidecar says of the broadcast.
    pub broadcast: Option<broadcast::Broadcast>,
}

/// Where an entry's transcript is.
#[derive(Debug, Clone, PartialEq)]
pub enum TranscriptSource {
    /// Files to fetch (what a podcast item offers, or a link on a listing
    /// page), best first.
    Links(Vec<TranscriptLink>),
    /// Read already (a drop-folder file).
    Read {
        /// The format the file was read as.
        format: transcript::TranscriptFormat,
        /// The file's segments, in order.
        segments: Vec<transcript::Segment>,
    },
}

/// A transcript file offered for an item.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptLink {
    /// Where the file is, resolved against the item's source.
    pub url: Url,
    /// `None` when neither the offer's type nor the file name tells;
    /// the content decides then.
    pub format: Option<transcript::TranscriptFormat>,
    /// The offer's `language` attribute, primary subtag.
    pub language: Option<String>,
}

impl Entry {
    /// The longest text the source itself gives for the item.
    pub fn best_text(&self) -> &str {
        if self.content.chars().count() >= self.summary.chars().count() {
            &self.content
        } else {
            &self.summary
        }
    }
}

/// Whether a link found in a source fetched from `base` may be followed:
/// web links always, `file:` links only from a `file:` source (the
/// operator's own), so that a remote feed or page cannot make veille read
/// local files.
pub fn followable(url: &Url, base: &Url) -> bool {
    match url.scheme() {
        "http" | "https" => url.host().is_some(),
        "file" => base.scheme() == "file",
        _ => false,
    }
}

/// Whether `url`, named by the local file `file` (a drop folder's sidecar
/// naming its recording), may be linked to: a web address, or a file in
/// `file`'s own folder or below, never `../../etc/passwd`.
pub fn beside(url: &Url, file: &Url) -> bool {
    match url.scheme() {
        "http" | "https" => url.host().is_some(),
        "file" => {
            let (Ok(path), Ok(file)) = (url.to_file_path(), file.to_file_path()) else {
                return false;
            };
            // The URL parser resolves `..`; a `%2F` decoded into a segment
            // could bring one back.
            path.components()
                .all(|part| !matches!(part, std::path::Component::ParentDir))
                && file.parent().is_some_and(|folder| path.starts_with(folder))
        }
        _ => false,
    }
}

/// The extension of the last segment of a URL path or file name:
/// `vtt` for `/radio/rrk_0730.vtt`.
pub fn extension(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let (stem, extension) = name.rsplit_once('.')?;
    (!stem.is_empty()).then_some(extension)
}

/// A parsed source document.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The channel's or page's own title.
    pub title: Option<String>,
    /// The language the source declares for all its items, primary subtag.
    pub language: Option<String>,
    /// The items in document order.
    pub entries: Vec<Entry>,
    /// The body had to be repaired (stray `&` escaped) before it parsed.
    pub repaired: bool,
}
