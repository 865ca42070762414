//! `veille run`: the daemon in the foreground (systemd runs it this way).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;
use veille::archive::{ArchiveError, Search};
use veille::server::{self, AppState};

pub async fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(path)?;
    let pipeline = super::open_pipeline(&config)?;
    let writer = open_writer(&config, &pipeline).await?;
    // Rules are recorded before the first poll, so new rules see every
    // document stored from now on.
    let alerting = super::alerts::open_alerting(&config, pipeline.clone())?;
    let state = Arc::new(AppState {
        search: Search::new(writer.archive(), pipeline.tagger.clone()),
        store: super::archive::open_store(&config)?,
        rules: alerting.rules.clone(),
    });
    let listener = tokio::net::TcpListener::bind(&config.server.bind)
        .await
        .with_context(|| format!("cannot listen on {} ([server] bind)", config.server.bind))?;
    tracing::info!(
        config = %path.display(),
        record = %pipeline.store.path().display(),
        api = %listener.local_addr().map_or_else(|_| config.server.bind.clone(), |a| a.to_string()),
        "veille starting"
    );
    let shutdown = shutdown_signal().await?;

    let (stop, stopped) = watch::channel(false);
    let indexing = tokio::spawn(veille::daemon::indexing::follow_record(
        writer,
        pipeline.clone(),
        config.storage.commit_interval,
        stopped.clone(),
    ));
    let alerting = tokio::spawn(veille::daemon::alerting::run(
        alerting,
        config.storage.commit_interval,
        stopped.clone(),
    ));
    let mut server_stopped = stopped.clone();
    let server = tokio::spawn(server::serve(listener, state, async move {
        let _ = server_stopped.wait_for(|stop| *stop).await;
    }));

    veille::daemon::run(pipeline, config.feeds, shutdown).await;
    let _ = stop.send(true);
    if let Ok(Err(error)) = server.await {
        tracing::error!(%error, "the HTTP server failed");
    }
    let _ = indexing.await;
    let _ = alerting.await;
    tracing::info!("veille stopped");
    Ok(ExitCode::SUCCESS)
}

/// How long start-up waits for another process (a `veille fetch` catching
/// the index up) to release the index writer.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

async fn open_writer(
    config: &veille::config::Config,
    pipeline: &veille::daemon::Pipeline,
) -> anyhow::Result<veille::archive::ArchiveWriter> {
    let started = std::time::Instant::now();
    loop {
        match super::archive::open_writer(config, &pipeline.store, &pipeline.tagger) {
            Ok(writer) => return Ok(writer),
            Err(ArchiveError::Locked { .. }) if started.elapsed() < WRITER_WAIT => {
                tracing::info!("the index is being written by another veille process; waiting");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            Err(error @ ArchiveError::Locked { .. }) => {
                anyhow::bail!(
                    "{error}; is another `veille run` using {}?",
                    config.storage_dir().display()
                )
            }
            Err(other) => {
                return Err(anyhow::Error::new(other).context("cannot open the search index"));
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM. Signal handlers are installed before the
/// scheduler starts, so an early SIGTERM still stops cleanly.
async fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
        }
    })
}
