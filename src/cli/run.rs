//! `veille run`: the daemon in the foreground (systemd runs it this way).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use veille::archive::ArchiveError;
use veille::config::Config;
use veille::daemon::service::{self, Generation, Loader, ReloadError, Service};
use veille::daemon::signals::Signals;
use veille::daemon::storage_lock::StorageLock;

/// Shortest API token accepted: anything shorter is guessable.
const MIN_TOKEN_LENGTH: usize = 16;

pub async fn run(path: &Path) -> anyhow::Result<ExitCode> {
    // First, so that a SIGTERM or SIGHUP during start-up is handled, not
    // fatal.
    let mut signals = Signals::install().context("cannot handle signals")?;
    let config = super::load_config(path)?;
    // Before anything is opened: a second daemon on the same storage would
    // only wait for the first one's index and never serve.
    let _held = StorageLock::take(&config.storage_dir())?;
    let first = build_generation(config)?;
    // Rules are recorded before the first poll, so new rules see every
    // document stored from now on.
    first
        .alerting
        .register()
        .context("cannot record the alert rules")?;
    let config = &first.config;
    let Some(writer) = open_writer(config, &first.pipeline, &mut signals).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let api_token = read_token(config)?;
    let server_store = super::archive::open_store(config)?;
    let health_store = super::archive::open_store(config)?;
    let listener = tokio::net::TcpListener::bind(&config.server.bind)
        .await
        .with_context(|| format!("cannot listen on {} ([server] bind)", config.server.bind))?;
    tracing::info!(
        config = %path.display(),
        record = %first.pipeline.store.path().display(),
        api = %listener.local_addr().map_or_else(|_| config.server.bind.clone(), |a| a.to_string()),
        token = api_token.is_some(),
        "veille starting"
    );
    let config_path = path.to_owned();
    let storage_dir = config.storage_dir();
    let loader: Loader = Box::new(move || {
        reload_generation(&config_path, &storage_dir)
            .map_err(|error| ReloadError::Load(format!("{error:#}")))
    });
    let service = Service {
        signals,
        writer,
        listener,
        server_store,
        health_store,
        api_token,
    };
    service::serve(service, first, loader, path.to_owned()).await;
    Ok(ExitCode::SUCCESS)
}

/// Everything built from the configuration file: what start-up runs, and
/// what a reload (SIGHUP) builds before switching to it.
fn build_generation(config: Config) -> anyhow::Result<Generation> {
    let pipeline = super::open_pipeline(&config)?;
    let alerting = super::alerts::build_alerting(&config, pipeline.clone())?;
    Ok(Generation {
        config,
        pipeline,
        alerting,
    })
}

/// [`build_generation`] for a reload: the data directory is checked before
/// anything is opened, so a rejected file leaves no trace on disk.
fn reload_generation(path: &Path, storage_dir: &Path) -> anyhow::Result<Generation> {
    let config = super::load_config(path)?;
    if config.storage_dir() != storage_dir {
        anyhow::bail!(
            "[storage] dir changed ({} to {}); restart veille to move its data",
            storage_dir.display(),
            config.storage_dir().display()
        );
    }
    build_generation(config)
}

fn read_token(config: &Config) -> anyhow::Result<Option<String>> {
    let Some(source) = config.api_token_source() else {
        return Ok(None);
    };
    let token = source
        .read()
        .map_err(|reason| anyhow::anyhow!("cannot read the API token: {reason}"))?;
    let token = token.trim().to_owned();
    if token.chars().count() < MIN_TOKEN_LENGTH {
        anyhow::bail!(
            "the API token is shorter than {MIN_TOKEN_LENGTH} characters; use a long random one"
        );
    }
    Ok(Some(token))
}

/// How long start-up waits for another process (a `veille fetch` catching
/// the index up) to release the index writer.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// `None` when a signal asked to stop while waiting.
async fn open_writer(
    config: &Config,
    pipeline: &veille::ingest::Pipeline,
    signals: &mut Signals,
) -> anyhow::Result<Option<veille::archive::ArchiveWriter>> {
    let started = std::time::Instant::now();
    loop {
        match super::archive::open_writer(config, &pipeline.store, &pipeline.tagger) {
            Ok(writer) => return Ok(Some(writer)),
            Err(ArchiveError::Locked { .. }) if started.elapsed() < WRITER_WAIT => {
                tracing::info!("the index is being written by another veille process; waiting");
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    signal = signals.next() => {
                        if let veille::daemon::signals::Signal::Stop(name) = signal {
                            tracing::info!(signal = name, "stopping before start-up ended");
                            return Ok(None);
                        }
                    }
                }
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
