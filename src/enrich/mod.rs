//! Enrichment of documents before they are stored: which language, which
//! actors and places, and whether the story is already known.

pub mod dedup;
pub mod gazetteer;
pub mod language;
pub mod normalise;
pub mod tagger;

pub use gazetteer::{Entity, EntityType, Gazetteer, GazetteerError};
pub use language::{Language, LanguageSource, detect_language};
pub use tagger::{Mention, Tagged, Tagger};
