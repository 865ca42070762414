//! The one writer of the index: adds documents from the record and commits
//! them with the revision they bring the index up to.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tantivy::directory::error::LockError;
use tantivy::{Index, IndexWriter, TantivyError, Term};

use super::{ARCHIVE_DIR, Archive, ArchiveError, Payload, Result, schema};
use crate::enrich::Gazetteer;
use crate::store::{Store, StoredDocument};

/// Memory for each indexing thread's in-flight segment; commits come
/// often, so a modest budget is plenty.
const HEAP_BYTES_PER_THREAD: usize = 48 * 1024 * 1024;

/// Indexing threads: analysis (folding, stemming in three languages) is
/// most of the cost of adding a document, and with one thread a bulk
/// catch-up (`veille fetch` of a large backlog, `reindex`) left every other
/// core idle. Tantivy hands documents to whichever thread is free; a small
/// commit simply makes one segment per busy thread, which merging folds.
fn indexing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4))
}

/// Documents read from the record at a time.
const READ_BATCH: usize = 500;

/// A long catch-up (a rebuild) commits this often, so progress survives an
/// interruption.
const COMMIT_EVERY: usize = 20_000;

pub struct ArchiveWriter {
    archive: Arc<Archive>,
    writer: IndexWriter,
    entity_types: HashMap<String, &'static str>,
    revision: i64,
}

impl ArchiveWriter {
    /// Opens the index under `storage_dir` for writing, creating it, or
    /// recreating it empty if another version of veille built it (catching
    /// up then rebuilds it). Fails with [`ArchiveError::Locked`] while
    /// another process writes it.
    pub fn open(storage_dir: &Path, gazetteer: &Gazetteer) -> Result<ArchiveWriter> {
        let path = storage_dir.join(ARCHIVE_DIR);
        std::fs::create_dir_all(&path).map_err(|error| ArchiveError::CreateDir {
            path: path.clone(),
            error,
        })?;
        let index_error = |error| ArchiveError::Index {
            path: path.clone(),
            error,
        };
        let kept = if path.join("meta.json").exists() {
            let index = Index::open_in_dir(&path).map_err(index_error)?;
            // Take the lock before judging the index, so a running daemon's
            // index is never deleted from under it.
            let writer = lock(&index, &path)?;
            match Archive::from_index(index, path.clone()) {
                Ok(archive) if archive.is_current() => Some((writer, archive)),
                _ => {
                    tracing::warn!(path = %path.display(), "index built by another version; rebuilding it from the record");
                    None
                }
            }
        } else {
            None
        };
        let (writer, archive, revision) = match kept {
            Some((writer, archive)) => {
                let revision = archive.indexed_revision()?;
                (writer, archive, revision)
            }
            None => {
                std::fs::remove_dir_all(&path)
                    .and_then(|()| std::fs::create_dir_all(&path))
                    .map_err(|error| ArchiveError::CreateDir {
                        path: path.clone(),
                        error,
                    })?;
                let index = Index::create_in_dir(&path, schema::build().0).map_err(index_error)?;
                let mut writer = lock(&index, &path)?;
                let archive = Archive::from_index(index, path.clone())?;
                // An empty commit with a payload: readers can tell this
                // index is current, and empty.
                commit(&mut writer, &archive, 0)?;
                (writer, archive, 0)
            }
        };
        Ok(ArchiveWriter {
            archive: Arc::new(archive),
            writer,
            entity_types: schema::entity_types(gazetteer),
            revision,
        })
    }

    /// Takes entity types from `gazetteer` for documents indexed from now
    /// on (after a configuration reload).
    pub fn set_gazetteer(&mut self, gazetteer: &Gazetteer) {
        self.entity_types = schema::entity_types(gazetteer);
    }

    /// The index, for searches in this process; it sees each commit.
    pub fn archive(&self) -> Arc<Archive> {
        self.archive.clone()
    }

    /// The highest revision committed.
    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// Adds every document the record changed since the last commit, and
    /// commits. `progress` hears the running count. Returns how many
    /// documents were (re-)added.
    pub fn catch_up(&mut self, store: &Store, progress: &mut dyn FnMut(usize)) -> Result<usize> {
        let mut revision = self.revision;
        let mut added = 0;
        let mut uncommitted = 0;
        loop {
            let batch = store.changed_after(revision, READ_BATCH)?;
            let Some(last) = batch.last() else { break };
            revision = last.revision;
            for document in &batch {
                self.add(document)?;
            }
            added += batch.len();
            uncommitted += batch.len();
            progress(added);
            if uncommitted >= COMMIT_EVERY {
                self.commit(revision)?;
                uncommitted = 0;
            }
        }
        if uncommitted > 0 || revision != self.revision {
            self.commit(revision)?;
        }
        Ok(added)
    }

    /// Empties the index and adds the whole record again.
    pub fn rebuild(&mut self, store: &Store, progress: &mut dyn FnMut(usize)) -> Result<usize> {
        self.writer.delete_all_documents()?;
        self.revision = 0;
        self.commit(0)?;
        self.catch_up(store, progress)
    }

    /// Adds `document`, replacing any copy of it already in the index.
    pub fn add(&mut self, document: &StoredDocument) -> Result<()> {
        let fields = self.archive.fields();
        self.writer
            .delete_term(Term::from_field_u64(fields.id, document.id as u64));
        self.writer
            .add_document(schema::document(fields, &self.entity_types, document))?;
        Ok(())
    }

    /// Commits what was added, recording `revision` as held.
    pub fn commit(&mut self, revision: i64) -> Result<()> {
        commit(&mut self.writer, &self.archive, revision)?;
        self.revision = revision;
        Ok(())
    }
}

fn lock(index: &Index, path: &Path) -> Result<IndexWriter> {
    index
        .writer_with_num_threads(
            indexing_threads(),
            HEAP_BYTES_PER_THREAD * indexing_threads(),
        )
        .map_err(|error| match error {
            TantivyError::LockFailure(LockError::LockBusy, _) => ArchiveError::Locked {
                path: path.to_owned(),
            },
            error => ArchiveError::Index {
                path: path.to_owned(),
                error,
            },
        })
}

/// Commits with the payload that says which revision the index now holds,
/// and shows the commit to this process's searches.
fn commit(writer: &mut IndexWriter, archive: &Archive, revision: i64) -> Result<()> {
    let payload = serde_json::to_string(&Payload {
        schema: schema::SCHEMA_VERSION,
        revision,
    })
    .expect("payload serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    archive.reload()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_of_another_schema_is_refused_for_search_and_rebuilt_for_writing() {
        let dir = tempfile::tempdir().unwrap();
        let gazetteer = Gazetteer::default();
        let mut writer = ArchiveWriter::open(dir.path(), &gazetteer).unwrap();
        writer.commit(42).unwrap();
        assert_eq!(
            Archive::open(dir.path())
                .unwrap()
                .indexed_revision()
                .unwrap(),
            42
        );
        // What an older veille would have left: another schema version.
        let mut prepared = writer.writer.prepare_commit().unwrap();
        prepared.set_payload(r#"{"schema":0,"revision":42}"#);
        prepared.commit().unwrap();
        drop(writer);

        assert!(matches!(
            Archive::open(dir.path()),
            Err(ArchiveError::Outdated { .. })
        ));
        let writer = ArchiveWriter::open(dir.path(), &gazetteer).unwrap();
        assert_eq!(writer.revision(), 0, "rebuilt from scratch");
        drop(writer);
        assert_eq!(
            Archive::open(dir.path())
                .unwrap()
                .indexed_revision()
                .unwrap(),
            0
        );
    }

    #[test]
    fn a_second_writer_is_told_the_index_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let gazetteer = Gazetteer::default();
        let _first = ArchiveWriter::open(dir.path(), &gazetteer).unwrap();
        assert!(matches!(
            ArchiveWriter::open(dir.path(), &gazetteer),
            Err(ArchiveError::Locked { .. })
        ));
    }
}
