//! Source parsers: from decoded text to entries.
//!
//! A source parser knows one format and nothing about fetching or storage;
//! the daemon's poll hands it text and gets entries back. Later kinds of
//! source (HTML listings, transcripts) live beside `feed`.

pub mod article;
pub mod dates;
pub mod feed;
pub mod text;

use chrono::{DateTime, Utc};
use url::Url;

/// One item of a source, as the source gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Identity of the item within its source (guid/id, else link, else
    /// title): what "seen before" is decided on.
    pub key: String,
    /// The item's link, resolved against the source URL.
    pub url: Option<Url>,
    pub title: String,
    /// Plain text of the summary/description.
    pub summary: String,
    /// Plain text of the full content, when the source carries it.
    pub content: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Language declared by the item or its source, primary subtag.
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

/// A parsed source document.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub language: Option<String>,
    pub entries: Vec<Entry>,
    /// The body had to be repaired (stray `&` escaped) before it parsed.
    pub repaired: bool,
}
