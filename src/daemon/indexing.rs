//! The index follows the record: one task owns the index writer and, every
//! `commit_interval`, adds whatever the record gained and commits.
//!
//! It asks the record rather than waiting to be told, so documents stored
//! by any process (a `veille fetch` beside the daemon, a `veille retag`)
//! reach the index too, and a restart after a crash catches up on its first
//! turn.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::archive::ArchiveWriter;
use crate::ingest::Pipeline;
use crate::telemetry::Telemetry;

/// Runs until `stopped` turns true, then catches up one last time.
///
/// `pipelines` holds the current configuration's pipeline: after a reload
/// the index writer takes the new gazetteer's entity types from it.
pub async fn follow_record(
    writer: ArchiveWriter,
    pipelines: watch::Receiver<Arc<Pipeline>>,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
    telemetry: Arc<Telemetry>,
) {
    let mut writer = Some(writer);
    let mut tagger = pipelines.borrow().tagger.clone();
    telemetry.set_indexed_revision(writer.as_ref().map_or(0, ArchiveWriter::revision));
    loop {
        let stopping = *stopped.borrow();
        let Some(mut current) = writer.take() else {
            return;
        };
        let pipeline = pipelines.borrow().clone();
        if !Arc::ptr_eq(&pipeline.tagger, &tagger) {
            tagger = pipeline.tagger.clone();
            current.set_gazetteer(tagger.gazetteer());
        }
        let beats = telemetry.clone();
        // Catching up reads SQLite and writes segments: blocking work.
        let turn = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let outcome = catch_up(&mut current, &pipeline, &beats);
            (current, outcome, started.elapsed())
        })
        .await;
        match turn {
            Ok((current, outcome, elapsed)) => {
                match outcome {
                    Ok(0) => {
                        telemetry.index_succeeded();
                        telemetry.index_beat();
                    }
                    Ok(added) => {
                        telemetry.index_committed(added, current.revision(), elapsed);
                        telemetry.index_succeeded();
                        telemetry.index_beat();
                        tracing::debug!(added, revision = current.revision(), "index updated")
                    }
                    // No heartbeat, and a failure /healthz reports at once
                    // (degraded) and, when it lasts, as failing, which stops
                    // the watchdog.
                    Err(error) => {
                        tracing::error!(%error, "cannot update the search index; retrying");
                        telemetry.index_failed(error.to_string());
                        telemetry.set_indexed_revision(current.revision());
                    }
                }
                writer = Some(current);
            }
            Err(error) => {
                tracing::error!(%error, "the indexing task failed; searches will not see new documents until restart");
                return;
            }
        }
        if stopping {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stopped.wait_for(|stop| *stop) => {}
        }
    }
}

fn catch_up(
    writer: &mut ArchiveWriter,
    pipeline: &Pipeline,
    telemetry: &Telemetry,
) -> crate::archive::Result<usize> {
    if pipeline.store.latest_revision()? <= writer.revision() && !writer.needs_repair() {
        return Ok(0);
    }
    // A long catch-up (after a restore, or a large retag) is progress, not
    // a stall.
    writer.catch_up(&pipeline.store, &mut |_| telemetry.index_beat())
}
