//! A throwaway in-memory index of a batch of documents, with the archive's
//! schema and analysers, so that a query means the same thing on a batch as
//! on the archive. Alert rules run against these batches (as Lucene
//! Monitor runs queries against a one-document index), never against the
//! whole archive, so matching costs the same on day one and after years.

use tantivy::{DocAddress, Index, Searcher, SingleSegmentIndexWriter, TantivyDocument};

use super::schema::{self, EntityTypes, Fields};
use super::{Result, analysis};
use crate::store::StoredDocument;

/// Budget for the batch's segment; a batch of a thousand articles needs a
/// few megabytes, and Tantivy asks for at least 15.
const HEAP_BYTES: usize = 32 * 1024 * 1024;

/// A batch of documents indexed in memory, searchable with the archive's
/// queries.
pub struct MemoryIndex {
    searcher: Searcher,
    fields: Fields,
    /// Record id by index document id: one segment, written in order.
    ids: Vec<i64>,
}

impl MemoryIndex {
    /// Indexes `documents` into one in-memory segment.
    pub fn build(documents: &[StoredDocument], entity_types: &EntityTypes) -> Result<MemoryIndex> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        analysis::register(&index);
        let mut writer = SingleSegmentIndexWriter::<TantivyDocument>::new(index, HEAP_BYTES)?;
        for document in documents {
            writer.add_document(schema::document(&fields, entity_types, document))?;
        }
        let index = writer.finalize()?;
        analysis::register(&index);
        let searcher = index.reader()?.searcher();
        Ok(MemoryIndex {
            searcher,
            fields,
            ids: documents.iter().map(|document| document.id).collect(),
        })
    }

    /// The searcher over the batch.
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// The batch's fields, the archive's schema.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The record id of a document of the batch.
    pub fn record_id(&self, address: DocAddress) -> i64 {
        self.ids[address.doc_id as usize]
    }
}
