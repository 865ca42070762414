//! Enrichment of documents before they are stored and indexed.
//!
//! For now: deciding when two entries are the same story. Language
//! detection and entity tagging join here.

pub mod dedup;
