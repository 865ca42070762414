//! Enrichment of documents before they are stored: which language, which
//! actors and places, and whether the story is already known.

pub mod dedup;
pub mod evidence;
pub mod gazetteer;
pub mod language;
pub mod normalise;
pub mod tagger;

pub use gazetteer::{Entity, EntityType, Gazetteer, GazetteerError};
pub use language::{Language, LanguageSource, detect_language};
pub use tagger::{Explained, Mention, Rejected, Tagged, Tagger};

/// What enrichment found in a document, as the record keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enrichment {
    /// ISO 639-1 code.
    pub language: Option<String>,
    /// The detector's confidence in its answer, 0 to 1.
    pub language_confidence: f64,
    /// `detector`, `hint`, `guess` or `unknown`.
    pub language_source: String,
    /// Entity ids with their number of mentions.
    pub entities: Vec<(String, usize)>,
}

/// The language and entities of a document, from its title and text;
/// `hint` is the feed's language, used when detection is unsure.
pub fn enrich(tagger: &Tagger, title: &str, text: &str, hint: Option<&str>) -> Enrichment {
    let full = format!("{title}\n\n{text}");
    let language = detect_language(&full, hint);
    Enrichment {
        language: language.code,
        language_confidence: language.confidence,
        language_source: language.source.as_str().to_owned(),
        entities: tagger
            .tag(&full)
            .into_iter()
            .map(|tagged| (tagged.id, tagged.mentions.len()))
            .collect(),
    }
}
