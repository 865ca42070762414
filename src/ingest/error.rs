//! Why a poll, or one entry of a poll, could not be read.
//!
//! The text of each variant is what the operator reads on the feed's status
//! (`veille check`, `/api/feeds`, the sources page), so it names the source
//! of the trouble; the variants keep what the scheduler acts on (the HTTP
//! status, the time the server allows another try) as values, not text.

use chrono::{DateTime, Utc};
use url::Url;

use crate::fetch::FetchError;
use crate::sources::article::ExtractError;
use crate::sources::feed::FeedError;
use crate::sources::nesting::TooDeep;
use crate::sources::transcript::TranscriptError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The source, a page or a file could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A request sent without validators was answered 304: the server
    /// is confused, and there is no body to read.
    #[error("{}answered 304 to a plain request", if *.page { "page " } else { "" })]
    UnaskedNotModified {
        /// An article page, rather than a listing page or a file.
        page: bool,
    },
    /// The record failed: not the source's fault, and it stops the poll
    /// before the validators are saved, so that the next poll retries.
    #[error("record: {0}")]
    Record(#[from] StoreError),
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// A listing page nested too deep to parse.
    #[error(transparent)]
    TooDeep(#[from] TooDeep),
    /// A listing page on which the selectors found nothing: on the first
    /// page, a broken selector or a site redesign.
    #[error(
        "no item with a link matched the listing's selectors on {page}{}",
        skipped_note(*.skipped)
    )]
    NoListedItem { page: Url, skipped: usize },
    #[error(transparent)]
    Article(#[from] ExtractError),
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// A transcript source's page that is not a transcript either.
    #[error("the page links to no transcript file (.vtt, .srt, .json, .txt)")]
    NoTranscriptLink,
    #[error("no transcript")]
    NoTranscript,
    /// Every transcript an item offers failed, each for its reason.
    #[error("{}", offers_note(.0))]
    TranscriptOffers(Vec<(Url, IngestError)>),
    /// A dropped transcript's sidecar `.toml` could not be read.
    #[error("{name}: {reason}")]
    Sidecar { name: String, reason: String },
    #[error(transparent)]
    Url(#[from] url::ParseError),
    /// A parser panicked on this input (a bug meeting hostile input); the
    /// panic cost this item only.
    #[error("the {0} crashed on this input")]
    Crashed(&'static str),
    /// The poll's own task panicked or was cancelled.
    #[error("internal error while polling: {0}")]
    Internal(String),
}

impl IngestError {
    /// The HTTP status behind the error, if the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            IngestError::Fetch(error) => error.http_status(),
            _ => None,
        }
    }

    /// Earliest time the server allows another try, if it said.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            IngestError::Fetch(error) => error.retry_after(),
            _ => None,
        }
    }
}

fn skipped_note(skipped: usize) -> String {
    if skipped > 0 {
        format!(" ({skipped} items without a usable link)")
    } else {
        String::new()
    }
}

fn offers_note(failures: &[(Url, IngestError)]) -> String {
    failures
        .iter()
        .map(|(url, error)| format!("{url}: {error}"))
        .collect::<Vec<_>>()
        .join("; ")
}
