//! Opening the archive from the CLI, and keeping it in step with the record.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use veille::archive::{Archive, ArchiveError, ArchiveWriter, Search};
use veille::config::Config;
use veille::enrich::Tagger;
use veille::store::Store;

pub(crate) fn open_store(config: &Config) -> anyhow::Result<Store> {
    Store::open(&config.storage_dir()).with_context(|| {
        format!(
            "cannot open the record under {}",
            config.storage_dir().display()
        )
    })
}

/// Opens the index for writing. An index holding revisions the record does
/// not have (the record was replaced) is rebuilt.
pub(crate) fn open_writer(
    config: &Config,
    store: &Store,
    tagger: &Tagger,
) -> Result<ArchiveWriter, ArchiveError> {
    let mut writer = ArchiveWriter::open(&config.storage_dir(), tagger.gazetteer())?;
    if writer.revision() > store.latest_revision()? {
        tracing::warn!(
            "the index is ahead of the record (was the record replaced?); rebuilding it"
        );
        writer.rebuild(store, &mut |_| {})?;
    }
    Ok(writer)
}

/// Brings the index up to the record after a command that changed it,
/// unless a running daemon owns the index (it does the same on its own).
pub(crate) fn update_archive(
    config: &Config,
    store: &Store,
    tagger: &Tagger,
) -> anyhow::Result<()> {
    // Asked first: the index's own lock goes with its folder, and a daemon
    // rebuilding a deleted index must not meet a second writer there.
    if veille::daemon::storage_lock::held_by_daemon(&config.storage_dir()) {
        tracing::debug!("a running daemon owns the index; it will catch up");
        return Ok(());
    }
    match open_writer(config, store, tagger) {
        Ok(mut writer) => {
            let bar = progress_bar(store.count_changed_after(writer.revision())? as u64);
            let added = writer.catch_up(store, &mut |done| bar.set_position(done as u64))?;
            bar.finish_and_clear();
            tracing::debug!(added, "index updated");
            Ok(())
        }
        Err(ArchiveError::Locked { .. }) => {
            tracing::debug!("the index is written by a running daemon; it will catch up");
            Ok(())
        }
        Err(error) => Err(error).context("cannot update the search index"),
    }
}

/// The index for searching, with a note on stderr when it lags the record.
pub(crate) fn open_search(
    config: &Config,
    store: &Store,
    tagger: Arc<Tagger>,
) -> anyhow::Result<Search> {
    let archive = Archive::open(&config.storage_dir())?;
    let behind = store.count_changed_after(archive.indexed_revision()?)?;
    if behind > 0 {
        eprintln!(
            "note: {behind} stored documents are not in the index yet; start the daemon or run `veille reindex`"
        );
    }
    Ok(Search::new(Arc::new(archive), tagger))
}

/// A progress bar on a terminal, nothing otherwise.
pub(crate) fn progress_bar(total: u64) -> ProgressBar {
    if std::io::stderr().is_terminal() && total > 0 {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} documents  {eta}")
                .expect("template is valid"),
        );
        bar
    } else {
        ProgressBar::hidden()
    }
}
