//! The index follows the record: one task owns the index writer and, every
//! `commit_interval`, adds whatever the record gained and commits.
//!
//! It asks the record rather than waiting to be told, so documents stored
//! by any process (a `veille fetch` beside the daemon, a `veille retag`)
//! reach the index too, and a restart after a crash catches up on its first
//! turn.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Pipeline;
use crate::archive::ArchiveWriter;

/// Runs until `stopped` turns true, then catches up one last time.
pub async fn follow_record(
    writer: ArchiveWriter,
    pipeline: Arc<Pipeline>,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut writer = Some(writer);
    loop {
        let stopping = *stopped.borrow();
        let Some(current) = writer.take() else { return };
        let pipeline_for_turn = pipeline.clone();
        // Catching up reads SQLite and writes segments: blocking work.
        let turn = tokio::task::spawn_blocking(move || {
            let mut current = current;
            let outcome = catch_up(&mut current, &pipeline_for_turn);
            (current, outcome)
        })
        .await;
        match turn {
            Ok((current, outcome)) => {
                match outcome {
                    Ok(0) => {}
                    Ok(added) => {
                        tracing::debug!(added, revision = current.revision(), "index updated")
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot update the search index; retrying")
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

fn catch_up(writer: &mut ArchiveWriter, pipeline: &Pipeline) -> crate::archive::Result<usize> {
    if pipeline.store.latest_revision()? <= writer.revision() {
        return Ok(0);
    }
    writer.catch_up(&pipeline.store, &mut |_| {})
}
