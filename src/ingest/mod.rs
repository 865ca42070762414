//! Ingest: from a source's fetched bytes to stored documents.
//!
//! One poll of one source ([`Pipeline::poll`]) fetches it, turns the body
//! into entries (a feed's items in `poll`, an HTML listing's in `listing`,
//! a radio source's transcripts in `transcripts`), and takes each entry
//! through the same steps: seen before? the same story as one stored? its
//! page, its document, its language and entities, its place in the record.
//! It is shared by `veille fetch` (one pass) and the daemon (on schedule),
//! which owns only the when; the what is here. Whatever goes wrong ends up
//! in the [`PollReport`] and on the feed's recorded status, typed as an
//! [`IngestError`].

mod error;
mod listing;
mod poll;
mod transcripts;

pub use error::IngestError;
pub use poll::{
    Mode, Pipeline, PollOutcome, PollReport, Preview, PreviewOutcome, SHORTEST_ARTICLE_CHARS,
};
