//! The searchable archive: a Tantivy index derived from the record.
//!
//! The record (SQLite) is the truth; the index is a copy shaped for search
//! that can always be rebuilt from it. Every change to a document raises its
//! revision in the record, and the index remembers, in the payload of each
//! commit, the last revision it holds. Catching up is "add every document
//! with a higher revision", and adding replaces any earlier copy of the same
//! document, so a crash between storing and committing costs nothing: the
//! next start re-adds exactly what the index is missing.

pub mod analysis;
mod export;
mod facets;
mod memory;
mod overview;
pub mod query;
pub mod schema;
mod search;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use tantivy::{Index, IndexReader, ReloadPolicy};

pub use export::{ExportFormat, export};
pub use facets::{Count, EntityCount, Facets};
pub use memory::MemoryIndex;
pub use overview::{PlaceCount, TIMELINE_SERIES, Timeline, TimelineDay, is_actor};
pub use query::{EntityLookup, Expr, QueryError};
pub use schema::Fields;
pub use search::{
    DocumentView, Highlighter, Hit, MAX_LIMIT, MAX_OFFSET, ResultPage, Search, SearchRequest,
    SearchResults, Snippet, SortOrder,
};
pub use writer::ArchiveWriter;

use crate::store::StoreError;

/// Directory of the index inside the storage directory.
pub const ARCHIVE_DIR: &str = "archive";

/// Why the index could not be opened, written or searched.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The index folder could not be created.
    #[error("cannot create index directory {}: {error}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why it could not be made.
        error: std::io::Error,
    },
    /// Tantivy could not open or create the index.
    #[error("index {}: {error}", path.display())]
    Index {
        /// The index folder.
        path: PathBuf,
        /// What Tantivy reported.
        error: tantivy::TantivyError,
    },
    #[error(
        "the index {} is being written by another veille process (a running daemon keeps it up to date)",
        path.display()
    )]
    /// Another process holds the index's writer lock.
    Locked {
        /// The index folder.
        path: PathBuf,
    },
    #[error(
        "the index {} could not be written and is being reopened",
        path.display()
    )]
    /// An earlier write failed; the writer is reopened before it takes more
    /// documents.
    Broken {
        /// The index folder.
        path: PathBuf,
    },
    /// No index exists yet where one was expected.
    #[error("there is no index under {} yet; start the daemon or run `veille reindex`", path.display())]
    Missing {
        /// The index folder.
        path: PathBuf,
    },
    #[error(
        "the index {} was built by another version of veille; run `veille reindex`",
        path.display()
    )]
    /// The index has another schema version; it must be rebuilt from the
    /// record.
    Outdated {
        /// The index folder.
        path: PathBuf,
    },
    // Not a `source`: the message already quotes it, and a chain would
    // print it twice.
    /// The query text is malformed; the error gives the column.
    #[error("invalid query: {0}")]
    Query(QueryError),
    /// Reading documents from the record failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing an export to its destination failed.
    #[error("cannot write the export")]
    Write(#[source] std::io::Error),
    /// Tantivy failed while searching or indexing.
    #[error("search failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl From<QueryError> for ArchiveError {
    fn from(error: QueryError) -> ArchiveError {
        ArchiveError::Query(error)
    }
}

/// Result of archive operations.
pub type Result<T, E = ArchiveError> = std::result::Result<T, E>;

/// What each commit records of the record it was derived from.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Payload {
    schema: u32,
    /// The highest document revision the index holds.
    revision: i64,
}

/// An opened index, for searching.
pub struct Archive {
    /// Swapped by the writer when it reopens the index after an error, so
    /// searches that hold this `Archive` follow.
    opened: RwLock<Opened>,
    fields: Fields,
    path: PathBuf,
}

struct Opened {
    index: Index,
    reader: IndexReader,
}

impl Archive {
    /// Opens the index under `storage_dir` for searching. It must exist and
    /// have been built by this version.
    pub fn open(storage_dir: &Path) -> Result<Archive> {
        let path = storage_dir.join(ARCHIVE_DIR);
        if !path.join("meta.json").exists() {
            return Err(ArchiveError::Missing { path });
        }
        let index = Index::open_in_dir(&path).map_err(|error| ArchiveError::Index {
            path: path.clone(),
            error,
        })?;
        let archive = Archive::from_index(index, path)?;
        if archive.is_current() {
            Ok(archive)
        } else {
            Err(ArchiveError::Outdated { path: archive.path })
        }
    }

    /// The index's folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this version of veille built the index (its last commit says
    /// so in its payload).
    fn is_current(&self) -> bool {
        self.payload()
            .ok()
            .flatten()
            .is_some_and(|payload| payload.schema == schema::SCHEMA_VERSION)
    }

    fn from_index(index: Index, path: PathBuf) -> Result<Archive> {
        let (opened, fields) = Opened::new(index, &path)?;
        Ok(Archive {
            opened: RwLock::new(opened),
            fields,
            path,
        })
    }

    /// Searches from now on read `index` (the same folder, reopened).
    fn replace(&self, index: Index) -> Result<()> {
        let (opened, fields) = Opened::new(index, &self.path)?;
        if fields.id != self.fields.id || fields.published != self.fields.published {
            return Err(ArchiveError::Outdated {
                path: self.path.clone(),
            });
        }
        *self.opened.write().expect("not poisoned") = opened;
        Ok(())
    }

    pub(crate) fn index(&self) -> Index {
        self.opened.read().expect("not poisoned").index.clone()
    }

    fn payload(&self) -> Result<Option<Payload>> {
        let metas = self.index().load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()))
    }

    /// The highest document revision the index holds, as last committed.
    pub fn indexed_revision(&self) -> Result<i64> {
        Ok(self.payload()?.map_or(0, |payload| payload.revision))
    }

    /// Number of documents searchable now.
    pub fn document_count(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// The index's fields, resolved from its schema when it was opened.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Makes the latest commit visible to searches.
    pub fn reload(&self) -> Result<()> {
        Ok(self.opened.read().expect("not poisoned").reader.reload()?)
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.opened.read().expect("not poisoned").reader.searcher()
    }
}

impl Opened {
    fn new(index: Index, path: &Path) -> Result<(Opened, Fields)> {
        analysis::register(&index);
        let fields = schema::resolve(&index.schema()).map_err(|_| ArchiveError::Outdated {
            path: path.to_owned(),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|error| ArchiveError::Index {
                path: path.to_owned(),
                error,
            })?;
        Ok((Opened { index, reader }, fields))
    }
}
