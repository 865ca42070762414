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
    let writer = super::archive::open_writer(&config, &pipeline.store, &pipeline.tagger).map_err(
        |error| match error {
            ArchiveError::Locked { .. } => {
                anyhow::anyhow!(
                    "{error}; is another `veille run` using {}?",
                    config.storage_dir().display()
                )
            }
            other => anyhow::Error::new(other).context("cannot open the search index"),
        },
    )?;
    let state = Arc::new(AppState {
        search: Search::new(writer.archive(), pipeline.tagger.clone()),
        store: super::archive::open_store(&config)?,
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
    tracing::info!("veille stopped");
    Ok(ExitCode::SUCCESS)
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
