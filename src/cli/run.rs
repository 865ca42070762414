//! `veille run`: the daemon in the foreground (systemd runs it this way).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub async fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(path)?;
    let pipeline = super::open_pipeline(&config)?;
    tracing::info!(
        config = %path.display(),
        record = %pipeline.store.path().display(),
        "veille starting"
    );
    let shutdown = shutdown_signal().await?;
    veille::daemon::run(pipeline, config.feeds, shutdown).await;
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
