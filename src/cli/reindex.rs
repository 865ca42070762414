//! `veille reindex`: rebuild the search index from the record.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub(crate) fn reindex(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let tagger = super::load_tagger(&config)?;
    let store = super::archive::open_store(&config)?;
    let mut writer =
        veille::archive::ArchiveWriter::open(&config.storage_dir(), tagger.gazetteer())
            .context("cannot open the index for writing (stop the daemon first)")?;
    let bar = super::archive::progress_bar(store.document_count()? as u64);
    let started = std::time::Instant::now();
    let added = writer.rebuild(&store, &mut |done| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    println!(
        "{added} documents indexed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
