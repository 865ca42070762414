//! The one writer of the index: adds documents from the record and commits
//! them with the revision they bring the index up to.

use std::collections::{HashMap, HashSet};
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

/// The one writer of the index, keeping it in step with the record by revision.
pub struct ArchiveWriter {
    archive: Arc<Archive>,
    /// `None` after an error, until the index is reopened: a Tantivy writer
    /// whose indexing thread failed has lost the documents it held, and
    /// must not commit again as if it had them.
    writer: Option<IndexWriter>,
    entity_types: HashMap<String, &'static str>,
    /// The revision of the last commit that succeeded: every document of
    /// the record at or below it is in a committed segment.
    revision: i64,
    /// Whether the index was checked against the record since it was
    /// opened: a commit of an earlier run may have claimed documents a
    /// failed write had lost.
    checked: bool,
}

impl ArchiveWriter {
    /// Opens the index under `storage_dir` for writing, creating it, or
    /// recreating it empty if another version of veille built it (catching
    /// up then rebuilds it). Fails with [`ArchiveError::Locked`] while
    /// another process writes it.
    pub fn open(storage_dir: &Path, gazetteer: &Gazetteer) -> Result<ArchiveWriter> {
        let path = storage_dir.join(ARCHIVE_DIR);
        let (writer, archive) = open_or_create(&path)?;
        let revision = archive.indexed_revision()?;
        Ok(ArchiveWriter {
            archive: Arc::new(archive),
            writer: Some(writer),
            entity_types: schema::entity_types(gazetteer),
            revision,
            checked: false,
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

    /// Whether the index must be checked or reopened before it can take
    /// documents: it was just opened, a write failed, or its folder was
    /// deleted from under it.
    pub fn needs_repair(&self) -> bool {
        !self.checked || self.writer.is_none() || !self.archive.path().join("meta.json").exists()
    }

    /// Adds every document the record changed since the last commit, and
    /// commits. `progress` hears the running count. Returns how many
    /// documents were (re-)added.
    ///
    /// After a failure (a full disk, a read-only moment, the folder
    /// deleted) the writer is dropped with whatever it held; the next call
    /// reopens the index, takes the revision of its last good commit, adds
    /// back any document of the record the index lacks, and goes on from
    /// there, so nothing is skipped for good.
    pub fn catch_up(&mut self, store: &Store, progress: &mut dyn FnMut(usize)) -> Result<usize> {
        let outcome = self.checked_catch_up(store, progress);
        if outcome.is_err() {
            self.writer = None;
        }
        outcome
    }

    fn checked_catch_up(
        &mut self,
        store: &Store,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize> {
        if self.writer.is_none() || !self.archive.path().join("meta.json").exists() {
            self.repair(store)?;
        } else if !self.checked {
            self.add_missing(store)?;
        }
        self.checked = true;
        let added = self.add_changes(store, progress)?;
        self.check_complete(store)?;
        Ok(added)
    }

    fn add_changes(&mut self, store: &Store, progress: &mut dyn FnMut(usize)) -> Result<usize> {
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

    /// Checks, when the index has caught up with the record, that it holds
    /// as many documents; if not, adds back those it lacks.
    fn check_complete(&mut self, store: &Store) -> Result<()> {
        if store.latest_revision()? != self.revision {
            // The record moved on meanwhile: the next turn checks.
            return Ok(());
        }
        let recorded = store.document_count()?;
        if self.archive.document_count() as i64 >= recorded {
            return Ok(());
        }
        self.add_missing(store)
    }

    /// Reopens the index (recreating it if its folder is gone or
    /// unreadable), takes the revision of its last good commit and adds
    /// back what it lacks.
    fn repair(&mut self, store: &Store) -> Result<()> {
        // The broken writer holds the lock; it goes first.
        self.writer = None;
        let path = self.archive.path().to_owned();
        let (writer, reopened) = open_or_create(&path)?;
        let revision = reopened.indexed_revision()?;
        self.archive.replace(reopened.index())?;
        self.archive.reload()?;
        self.writer = Some(writer);
        tracing::warn!(path = %path.display(), revision, "search index reopened after an error; adding back what it lacks");
        self.revision = revision;
        self.add_missing(store)
    }

    /// Adds every document of the record at or below the committed
    /// revision that the index does not hold, and commits.
    fn add_missing(&mut self, store: &Store) -> Result<()> {
        let present = self.indexed_ids()?;
        let missing: Vec<i64> = store
            .document_ids_up_to(self.revision)?
            .into_iter()
            .filter(|id| !present.contains(&(*id as u64)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        tracing::warn!(
            missing = missing.len(),
            "the search index lacked documents of the record; adding them"
        );
        for chunk in missing.chunks(READ_BATCH) {
            for document in store.documents_by_ids(chunk)? {
                self.add(&document)?;
            }
        }
        self.commit(self.revision)
    }

    /// The record ids of every searchable document.
    fn indexed_ids(&self) -> Result<HashSet<u64>> {
        let searcher = self.archive.searcher();
        let mut ids = HashSet::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("id")?;
            for doc in segment.doc_ids_alive() {
                ids.extend(column.first(doc));
            }
        }
        Ok(ids)
    }

    /// Empties the index and adds the whole record again.
    pub fn rebuild(&mut self, store: &Store, progress: &mut dyn FnMut(usize)) -> Result<usize> {
        self.writer()?.delete_all_documents()?;
        self.revision = 0;
        self.commit(0)?;
        self.catch_up(store, progress)
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        self.writer.as_mut().ok_or_else(|| ArchiveError::Broken {
            path: self.archive.path().to_owned(),
        })
    }

    /// Adds `document`, replacing any copy of it already in the index.
    pub fn add(&mut self, document: &StoredDocument) -> Result<()> {
        let fields = self.archive.fields().clone();
        let indexed = schema::document(&fields, &self.entity_types, document);
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_u64(fields.id, document.id as u64));
        writer.add_document(indexed)?;
        Ok(())
    }

    /// Commits what was added, recording `revision` as held.
    pub fn commit(&mut self, revision: i64) -> Result<()> {
        let archive = self.archive.clone();
        commit(self.writer()?, &archive, revision)?;
        self.revision = revision;
        Ok(())
    }
}

/// Opens the index at `path` for writing, or creates it (empty, revision 0)
/// when it is missing or was built by another version.
fn open_or_create(path: &Path) -> Result<(IndexWriter, Archive)> {
    std::fs::create_dir_all(path).map_err(|error| ArchiveError::CreateDir {
        path: path.to_owned(),
        error,
    })?;
    let index_error = |error| ArchiveError::Index {
        path: path.to_owned(),
        error,
    };
    if path.join("meta.json").exists() {
        let index = Index::open_in_dir(path).map_err(index_error)?;
        // Take the lock before judging the index, so a running daemon's
        // index is never deleted from under it.
        let writer = lock(&index, path)?;
        match Archive::from_index(index, path.to_owned()) {
            Ok(archive) if archive.is_current() => return Ok((writer, archive)),
            _ => {
                tracing::warn!(path = %path.display(), "index built by another version; rebuilding it from the record");
            }
        }
    }
    // Emptied rather than deleted: the folder may be a mount point.
    empty_dir(path).map_err(|error| ArchiveError::CreateDir {
        path: path.to_owned(),
        error,
    })?;
    let index = Index::create_in_dir(path, schema::build().0).map_err(index_error)?;
    let mut writer = lock(&index, path)?;
    let archive = Archive::from_index(index, path.to_owned())?;
    // An empty commit with a payload: readers can tell this index is
    // current, and empty.
    commit(&mut writer, &archive, 0)?;
    Ok((writer, archive))
}

fn empty_dir(path: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
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
        let mut prepared = writer.writer.as_mut().unwrap().prepare_commit().unwrap();
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
