//! `veille retag`: apply a changed gazetteer to the whole record.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use veille::enrich::enrich;
use veille::store::Store;

/// Documents re-tagged per transaction.
const BATCH: usize = 500;

pub(crate) fn retag(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let tagger = super::load_tagger(&config)?;
    let store = Store::open(&config.storage_dir()).with_context(|| {
        format!(
            "cannot open the record under {}",
            config.storage_dir().display()
        )
    })?;
    let total = store.document_count()? as u64;
    let progress = super::archive::progress_bar(total);
    let (mut after, mut done, mut changed) = (0, 0usize, 0usize);
    loop {
        let documents = store.documents_after(after, BATCH)?;
        let Some(last) = documents.last() else {
            break;
        };
        after = last.id;
        let mut updates = Vec::with_capacity(documents.len());
        for document in &documents {
            let hint = document.language_hint.as_deref();
            let enrichment = enrich(&tagger, &document.title, &document.text, hint);
            let before: Vec<(String, usize)> = document
                .entities
                .iter()
                .map(|(id, count)| (id.clone(), *count as usize))
                .collect();
            let mut after_sorted = enrichment.entities.clone();
            after_sorted.sort();
            // Only changed documents are written: each write raises the
            // document's revision and so re-indexes it.
            if after_sorted != before || enrichment.language != document.language {
                changed += 1;
                updates.push((document.id, enrichment));
            }
        }
        store.update_enrichment(&updates)?;
        done += documents.len();
        progress.set_position(done as u64);
    }
    progress.finish_and_clear();
    super::archive::update_archive(&config, &store, &tagger)?;
    println!(
        "{done} documents re-tagged with {} entities; {changed} changed",
        tagger.gazetteer().len()
    );
    Ok(ExitCode::SUCCESS)
}
