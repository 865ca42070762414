//! The index schema: which fields a document has and how each is indexed.
//!
//! The index stores only the document id; titles, texts and sources are read
//! back from the record, so the index stays small and never disagrees with
//! what the record says a document is.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};

use std::collections::HashMap;

use tantivy::TantivyDocument;

use super::analysis::{FOLDED, STEMMED};
use crate::enrich::Gazetteer;
use crate::store::StoredDocument;

/// Raised whenever the fields or analysers change; an index built with
/// another version is rebuilt from the record.
pub const SCHEMA_VERSION: u32 = 1;

/// Handles on the fields, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The record sequence number (`documents.id`).
    pub id: Field,
    /// The title, folded (for `title:`).
    pub title: Field,
    /// Title and text, folded, unstemmed: every document.
    pub body: Field,
    /// Title and text, stemmed, in the document's language, parallel to
    /// [`STEMMED`]: (language code, field).
    pub stemmed: Vec<(&'static str, Field)>,
    /// Entity ids, their types, and the feeds that carried the document.
    pub entity: Field,
    /// The types of those entities (`place`, `person`...).
    pub entity_type: Field,
    /// Ids of the feeds that carried the document.
    pub source: Field,
    /// The document's language code.
    pub lang: Field,
    /// `article` or `transcript`.
    pub kind: Field,
    /// Publication time, to the second.
    pub published: Field,
}

impl Fields {
    /// The stemmed field for a language code, if the archive stems that
    /// language.
    pub fn stemmed_field(&self, language: &str) -> Option<Field> {
        self.stemmed
            .iter()
            .find(|(code, _)| *code == language)
            .map(|(_, field)| *field)
    }
}

/// The archive's schema, for a new index (on disk or in memory).
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |analyser: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyser)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let id = builder.add_u64_field("id", INDEXED | STORED | FAST);
    let title = builder.add_text_field("title", text(FOLDED));
    let body = builder.add_text_field("body", text(FOLDED));
    let stemmed = STEMMED
        .iter()
        .map(|(language, field, analyser)| {
            (*language, builder.add_text_field(field, text(analyser)))
        })
        .collect();
    let entity = builder.add_text_field("entity", STRING | FAST);
    let entity_type = builder.add_text_field("entity_type", STRING);
    let source = builder.add_text_field("source", STRING | FAST);
    let lang = builder.add_text_field("lang", STRING | FAST);
    let kind = builder.add_text_field("kind", STRING | FAST);
    let published = builder.add_date_field(
        "published",
        DateOptions::default()
            .set_indexed()
            .set_fast()
            .set_precision(DateTimePrecision::Seconds),
    );
    let fields = Fields {
        id,
        title,
        body,
        stemmed,
        entity,
        entity_type,
        source,
        lang,
        kind,
        published,
    };
    (builder.build(), fields)
}

/// The fields of an opened index's schema, by name.
pub fn resolve(schema: &Schema) -> tantivy::Result<Fields> {
    let get = |name: &str| schema.get_field(name);
    Ok(Fields {
        id: get("id")?,
        title: get("title")?,
        body: get("body")?,
        stemmed: STEMMED
            .iter()
            .map(|(language, field, _)| Ok((*language, get(field)?)))
            .collect::<tantivy::Result<_>>()?,
        entity: get("entity")?,
        entity_type: get("entity_type")?,
        source: get("source")?,
        lang: get("lang")?,
        kind: get("kind")?,
        published: get("published")?,
    })
}

/// Entity id to type name, for the `entity_type` field.
pub type EntityTypes = HashMap<String, &'static str>;

/// Every gazetteer entity's type name, by id.
pub fn entity_types(gazetteer: &Gazetteer) -> EntityTypes {
    gazetteer
        .entities()
        .iter()
        .map(|entity| (entity.id.clone(), entity.kind.as_str()))
        .collect()
}

/// The index document for a stored document: the one definition of what
/// each field holds, shared by the archive and the in-memory batches alert
/// rules run against.
pub fn document(
    fields: &Fields,
    entity_types: &EntityTypes,
    document: &StoredDocument,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, document.id as u64);
    doc.add_text(fields.title, &document.title);
    doc.add_text(fields.body, &document.title);
    doc.add_text(fields.body, &document.text);
    if let Some(field) = document
        .language
        .as_deref()
        .and_then(|language| fields.stemmed_field(language))
    {
        doc.add_text(field, &document.title);
        doc.add_text(field, &document.text);
    }
    let mut types = Vec::new();
    for (entity, _) in &document.entities {
        doc.add_text(fields.entity, entity);
        if let Some(kind) = entity_types.get(entity)
            && !types.contains(kind)
        {
            types.push(*kind);
            doc.add_text(fields.entity_type, kind);
        }
    }
    for source in &document.sources {
        doc.add_text(fields.source, source);
    }
    doc.add_text(fields.lang, document.language.as_deref().unwrap_or("und"));
    doc.add_text(fields.kind, &document.kind);
    let published = chrono::DateTime::parse_from_rfc3339(&document.published)
        .map_or(0, |time| time.timestamp());
    doc.add_date(fields.published, index_date(published));
    doc
}

/// The range of dates the index holds, in Unix seconds. Tantivy keeps a
/// date as nanoseconds in an `i64`, which wraps before 1678 and after 2262;
/// a date outside is pulled to the nearer end (1700-01-01, 2250-01-01), so it
/// still sorts and filters in the right order.
pub const INDEX_DATES: std::ops::RangeInclusive<i64> = -8_520_336_000..=8_835_955_200;

/// A date as the index keeps it, pulled into [`INDEX_DATES`].
pub fn index_date(unix_seconds: i64) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_secs(
        unix_seconds.clamp(*INDEX_DATES.start(), *INDEX_DATES.end()),
    )
}
