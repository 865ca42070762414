//! `veille run` as a service: what runs for the whole process (the index
//! writer, the HTTP server, the watchdog) and what a configuration reload
//! replaces (the feed scheduler and alerting), driven by signals.
//!
//! A reload (SIGHUP) builds the new configuration completely before it
//! touches the running one, so a file with a mistake is rejected with its
//! reasons in the log and the old configuration runs on. Only then are the
//! old feed loops stopped (polls in flight finish), the new rules recorded,
//! and the new loops started. Nothing is lost across the switch: every
//! feed's schedule, every rule's position and every pending digest live in
//! the record, and each new loop resumes from there.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::alerting;
use super::signals::{Signal, Signals};
use super::{SHUTDOWN_GRACE, indexing, systemd};
use crate::alerts::{AlertError, Alerting};
use crate::archive::{Archive, ArchiveWriter, Search};
use crate::config::Config;
use crate::ingest::Pipeline;
use crate::server::{self, AppState, Live};
use crate::store::Store;
use crate::telemetry::{Telemetry, health};

/// Longest wait for HTTP connections to finish after a stop.
const SERVER_GRACE: Duration = Duration::from_secs(5);

/// Longest wait for the index's last catch-up after a stop. What it has not
/// committed by then is added at the next start (the index follows the
/// record), so a large backlog never holds a stop past systemd's
/// `TimeoutStopSec`.
const INDEX_GRACE: Duration = Duration::from_secs(15);

/// How often `systemctl status` gets a fresh status line when no watchdog
/// asks for more often.
const STATUS_PERIOD: Duration = Duration::from_secs(30);

/// Everything built from one reading of the configuration.
pub struct Generation {
    pub config: Config,
    pub pipeline: Arc<Pipeline>,
    /// Built but not yet recorded: [`serve`] records the rules when the
    /// generation goes into force.
    pub alerting: Arc<Alerting>,
}

/// Builds a generation from the configuration file, or says why it cannot.
pub type Loader = Box<dyn FnMut() -> Result<Generation, ReloadError> + Send>;

/// Why a reload was refused; the running configuration stays in force.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The file could not be read or built into a generation: the loader's
    /// account of it, every mistake with its place.
    #[error("{0}")]
    Load(String),
    #[error(
        "[storage] dir changed ({} to {}); restart veille to move its data",
        old.display(),
        new.display()
    )]
    StorageMoved { old: PathBuf, new: PathBuf },
    #[error("cannot record the new alert rules: {0}")]
    Rules(#[from] AlertError),
    /// The task recording the rules panicked or was cancelled.
    #[error("cannot record the new alert rules: {0}")]
    RulesTask(#[from] tokio::task::JoinError),
}

/// What the process keeps from start to stop.
pub struct Service {
    pub signals: Signals,
    pub writer: ArchiveWriter,
    pub listener: TcpListener,
    /// The HTTP server's own connection to the record.
    pub server_store: Store,
    /// The health watcher's own connection, so that busy API handlers
    /// cannot hold up the watchdog's pings.
    pub health_store: Store,
    pub api_token: Option<String>,
}

/// The loops of one generation.
struct Running {
    stop: watch::Sender<bool>,
    scheduler: JoinHandle<()>,
    alerting: JoinHandle<()>,
}

impl Running {
    fn start(generation: &Generation, telemetry: &Arc<Telemetry>) -> Running {
        let (stop, stopped) = watch::channel(false);
        let mut stop_scheduling = stopped.clone();
        let scheduler = tokio::spawn(super::run(
            generation.pipeline.clone(),
            generation.config.feeds.clone(),
            telemetry.clone(),
            async move {
                let _ = stop_scheduling.wait_for(|stop| *stop).await;
            },
        ));
        let alerting = tokio::spawn(alerting::run(
            generation.alerting.clone(),
            generation.config.storage.commit_interval,
            stopped,
            telemetry.clone(),
        ));
        Running {
            stop,
            scheduler,
            alerting,
        }
    }

    /// Stops scheduling, lets polls in flight finish (see
    /// [`super::run`]), and lets the alerting turn finish for as long.
    /// A delivery cut short stays undelivered in the record and is sent
    /// again by the next generation; if the receiver had already accepted
    /// it, that is a resend with the same idempotency key (delivery is at
    /// least once).
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.scheduler.await;
        let alerting = self.alerting;
        let abort = alerting.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, alerting)
            .await
            .is_err()
        {
            tracing::warn!("the alerting turn did not finish in time; it resumes from the record");
            abort.abort();
        }
    }
}

fn live(generation: &Generation, archive: &Arc<Archive>) -> Live {
    Live {
        search: Search::new(archive.clone(), generation.pipeline.tagger.clone()),
        rules: generation.alerting.rules.clone(),
        feeds: generation.config.feeds.clone(),
        commit_interval: generation.config.storage.commit_interval,
    }
}

fn summary(generation: &Generation) -> String {
    let enabled = generation
        .config
        .feeds
        .iter()
        .filter(|feed| feed.enabled)
        .count();
    format!(
        "watching {enabled} sources with {} alert rules",
        generation.alerting.rules.len()
    )
}

/// Why `new` cannot replace `old` without a restart, if it cannot; and the
/// changes a reload accepts but that wait for a restart.
fn compare(old: &Config, new: &Config) -> Result<Vec<&'static str>, ReloadError> {
    if old.storage_dir() != new.storage_dir() {
        return Err(ReloadError::StorageMoved {
            old: old.storage_dir(),
            new: new.storage_dir(),
        });
    }
    let mut waiting = Vec::new();
    if old.server.bind != new.server.bind {
        waiting.push("[server] bind");
    }
    if old.server.token_env != new.server.token_env
        || old.server.token_file != new.server.token_file
    {
        waiting.push("[server] token");
    }
    if old.server.request_timeout != new.server.request_timeout {
        waiting.push("[server] request_timeout");
    }
    if old.storage.commit_interval != new.storage.commit_interval {
        waiting.push("[storage] commit_interval");
    }
    Ok(waiting)
}

/// Runs until SIGTERM or SIGINT. `first` is in force at start (its rules
/// already recorded); `load` reads the configuration again on SIGHUP.
pub async fn serve(service: Service, first: Generation, mut load: Loader, config_path: PathBuf) {
    let Service {
        mut signals,
        writer,
        listener,
        server_store,
        health_store,
        api_token,
    } = service;
    let telemetry = Arc::new(Telemetry::new());
    let archive = writer.archive();
    let mut generation = first;
    let state = Arc::new(AppState::new(
        server_store,
        live(&generation, &archive),
        telemetry.clone(),
        archive.path().to_owned(),
        api_token,
        generation.config.server.request_timeout,
    ));

    let (stop_all, stopped_all) = watch::channel(false);
    let (pipelines, current_pipeline) = watch::channel(generation.pipeline.clone());
    let indexing = tokio::spawn(indexing::follow_record(
        writer,
        current_pipeline,
        generation.config.storage.commit_interval,
        stopped_all.clone(),
        telemetry.clone(),
    ));
    let mut server_stopped = stopped_all.clone();
    let server = tokio::spawn(server::serve(listener, state.clone(), async move {
        let _ = server_stopped.wait_for(|stop| *stop).await;
    }));
    let watchdog = tokio::spawn(watch_health(
        state.clone(),
        health_store,
        stopped_all.clone(),
    ));

    let mut running = Running::start(&generation, &telemetry);
    systemd::ready(&summary(&generation));
    tracing::info!("{}", summary(&generation));

    loop {
        match signals.next().await {
            Signal::Stop(name) => {
                tracing::info!("{name} received; stopping");
                break;
            }
            Signal::Reload => {
                systemd::reloading();
                tracing::info!(config = %config_path.display(), "SIGHUP received; reloading the configuration");
                match reload(&mut load, &generation, running, &telemetry).await {
                    Ok((new, started)) => {
                        state.replace(live(&new, &archive));
                        let _ = pipelines.send(new.pipeline.clone());
                        generation = new;
                        running = started;
                        telemetry.reload(true);
                        tracing::info!("configuration reloaded: {}", summary(&generation));
                    }
                    Err((reason, old)) => {
                        running = old;
                        telemetry.reload(false);
                        tracing::error!(
                            config = %config_path.display(),
                            "reload rejected, the running configuration stays in force: {reason}"
                        );
                    }
                }
                systemd::ready(&summary(&generation));
            }
        }
    }

    systemd::stopping();
    let shutdown = async {
        running.stop().await;
        let _ = stop_all.send(true);
        match tokio::time::timeout(SERVER_GRACE, server).await {
            Ok(Ok(Err(error))) => tracing::error!(%error, "the HTTP server failed"),
            Err(_) => tracing::warn!("HTTP connections still open; dropping them"),
            _ => {}
        }
        // The last catch-up commits what was stored before the stop.
        if tokio::time::timeout(INDEX_GRACE, indexing).await.is_err() {
            tracing::warn!("the index is still catching up; it resumes at the next start");
        }
        let _ = watchdog.await;
    };
    let second_stop = async {
        // A reload asked for during the stop is moot; only a second stop
        // cuts it short.
        while signals.next().await == Signal::Reload {}
    };
    tokio::select! {
        _ = shutdown => tracing::info!("veille stopped"),
        _ = second_stop => {
            tracing::warn!("second stop signal; stopping at once (the record is safe, the index catches up at the next start)");
        }
    }
}

/// Loads the new configuration and, if it can run, switches to it. On
/// failure the old loops keep running (or are started again) and come back
/// with the reason.
async fn reload(
    load: &mut Loader,
    old: &Generation,
    running: Running,
    telemetry: &Arc<Telemetry>,
) -> Result<(Generation, Running), (ReloadError, Running)> {
    // Reading files and compiling the gazetteer is blocking work.
    let new = match tokio::task::block_in_place(load) {
        Ok(new) => new,
        Err(reason) => return Err((reason, running)),
    };
    let mut new = new;
    let waiting = match compare(&old.config, &new.config) {
        Ok(waiting) => waiting,
        Err(reason) => return Err((reason, running)),
    };
    for setting in waiting {
        tracing::warn!("{setting} changed; it takes effect when veille restarts");
    }
    // What waits for a restart keeps its running value, so that every loop
    // (and the health check's idea of a stall) goes by the same one.
    new.config.server = old.config.server.clone();
    new.config.storage.commit_interval = old.config.storage.commit_interval;
    running.stop().await;
    let alerting = new.alerting.clone();
    let registered = match tokio::task::spawn_blocking(move || alerting.register()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(ReloadError::from(error)),
        Err(error) => Err(ReloadError::from(error)),
    };
    if let Err(reason) = registered {
        return Err((reason, Running::start(old, telemetry)));
    }
    let started = Running::start(&new, telemetry);
    Ok((new, started))
}

/// Feeds the systemd watchdog while the daemon works, and keeps its status
/// line current. A failing check stops the pings: systemd then restarts
/// veille after `WatchdogSec`.
async fn watch_health(state: Arc<AppState>, store: Store, mut stopped: watch::Receiver<bool>) {
    let store = Arc::new(store);
    let watchdog = systemd::watchdog_period();
    let period = watchdog.unwrap_or(STATUS_PERIOD).min(STATUS_PERIOD);
    let mut was_failing = false;
    while !*stopped.borrow() {
        let check = state.clone();
        let own = store.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let live = check.live();
            let failures = health::failures(&check.telemetry, &own, live.commit_interval);
            let status = status_line(&own, &live.feeds);
            (failures, status)
        })
        .await;
        if let Ok((failures, status)) = checked {
            if failures.is_empty() {
                if watchdog.is_some() {
                    systemd::watchdog();
                }
                systemd::status(&status);
                if was_failing {
                    tracing::info!("the daemon is working again");
                }
                was_failing = false;
            } else {
                let reasons = failures.join("; ");
                if !was_failing {
                    tracing::error!(reasons = %reasons, "the daemon is failing; the watchdog is no longer fed");
                }
                systemd::status(&format!("failing: {reasons}"));
                was_failing = true;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stopped.wait_for(|stop| *stop) => {}
        }
    }
}

fn status_line(store: &Store, feeds: &[crate::config::Feed]) -> String {
    let failing = store.feed_statuses().map_or(0, |statuses| {
        feeds
            .iter()
            .filter(|feed| feed.enabled)
            .filter(|feed| {
                statuses
                    .get(&feed.id)
                    .is_some_and(|status| status.consecutive_failures > 0)
            })
            .count()
    });
    let documents = store.document_count().unwrap_or(0);
    let enabled = feeds.iter().filter(|feed| feed.enabled).count();
    format!("{enabled} sources ({failing} failing), {documents} documents")
}
