//! `veille run`: the daemon in the foreground (systemd runs it this way).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use veille::archive::ArchiveError;
use veille::config::Config;
use veille::daemon::service::{self, Generation, Loader, Service};
use veille::daemon::signals::Signals;

/// Shortest API token accepted: anything shorter is guessable.
const MIN_TOKEN_LENGTH: usize = 16;

pub async fn run(path: &Path) -> anyhow::Result<ExitCode> {
    // First, so that a SIGTERM or SIGHUP during start-up is handled, not
    // fatal.
    let signals = Signals::install().context("cannot handle signals")?;
    let first = load_generation(path)?;
    // Rules are recorded before the first poll, so new rules see every
    // document stored from now on.
    first
        .alerting
        .register()
        .context("cannot record the alert rules")?;
    let config = &first.config;
    let writer = open_writer(config, &first.pipeline).await?;
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
        reload_generation(&config_path, &storage_dir).map_err(|error| format!("{error:#}"))
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
fn load_generation(path: &Path) -> anyhow::Result<Generation> {
    build_generation(super::load_config(path)?)
}

fn build_generation(config: Config) -> anyhow::Result<Generation> {
    let pipeline = super::open_pipeline(&config)?;
    let alerting = super::alerts::build_alerting(&config, pipeline.clone())?;
    Ok(Generation {
        config,
        pipeline,
        alerting,
    })
}

/// [`load_generation`] for a reload: the data directory is checked before
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

async fn open_writer(
    config: &Config,
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
