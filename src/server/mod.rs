//! The HTTP API served by `veille run`, the service endpoints (`/healthz`,
//! `/metrics`), and the analyst's web page ([`web`]) at `/`.
//!
//! Every answer is JSON except exports and metrics. Parameters are checked
//! strictly (an unknown one is an error, not silently ignored, so a typo
//! such as `?limt=50` is noticed), bad queries get 400 with the column of
//! the problem, and page sizes are capped. [`guard`] wraps every route:
//! the API token, size and time limits, and headers that keep a browser
//! from running anything a feed wrote.

mod api;
mod guard;
mod status;
mod web;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::alerts::Rule;
use crate::archive::Search;
use crate::config::Feed;
use crate::store::Store;
use crate::telemetry::Telemetry;

/// What a configuration reload replaces.
pub struct Live {
    /// Searches resolve `entity:` through the current gazetteer.
    pub search: Search,
    /// The alert rules, for `/api/alerts`.
    pub rules: Vec<Rule>,
    /// The configured sources, for `/api/feeds` and `/healthz`.
    pub feeds: Vec<Feed>,
    /// How often the daemon commits the index: `/healthz` reports indexing
    /// as stalled when several such intervals pass without a commit.
    pub commit_interval: Duration,
}

/// What the handlers share.
pub struct AppState {
    /// A connection of its own, so reads never queue behind the daemon's
    /// writes (WAL lets them run side by side).
    pub store: Store,
    live: RwLock<Arc<Live>>,
    /// The daemon's counters and last-run times, read by `/metrics` and
    /// `/healthz`.
    pub telemetry: Arc<Telemetry>,
    /// The search index's folder, whose size `/metrics` reports.
    pub archive_dir: PathBuf,
    /// When set, every request must carry it as a bearer token.
    token: Option<guard::Token>,
    request_timeout: Duration,
}

impl AppState {
    /// The state for one server. Without `token`, the API is open to
    /// whoever can reach its address; `request_timeout` bounds every
    /// request.
    pub fn new(
        store: Store,
        live: Live,
        telemetry: Arc<Telemetry>,
        archive_dir: PathBuf,
        token: Option<String>,
        request_timeout: Duration,
    ) -> AppState {
        AppState {
            store,
            live: RwLock::new(Arc::new(live)),
            telemetry,
            archive_dir,
            token: token.as_deref().map(guard::Token::new),
            request_timeout,
        }
    }

    /// The configuration in force now. Requests hold it for their whole
    /// run, so a reload never changes it under them.
    pub fn live(&self) -> Arc<Live> {
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Puts a reloaded configuration in force.
    pub fn replace(&self, live: Live) {
        *self
            .live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(live);
    }
}

/// Every route of the API, the service endpoints and the web page, behind
/// the guard; the daemon serves it on its configured address.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/search", get(api::search))
        .route("/api/documents/{id}", get(api::document))
        .route("/api/entities", get(api::entities))
        .route("/api/export", get(api::export))
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}/matches", get(api::alert_matches))
        .route("/api/feeds", get(status::feeds))
        .route("/healthz", get(status::healthz))
        .route("/metrics", get(status::metrics))
        .merge(web::routes())
        .fallback(web::not_found)
        // The guard reads Content-Length; this bounds a chunked body too.
        .layer(axum::extract::DefaultBodyLimit::max(
            guard::MAX_BODY_BYTES as usize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// A client gets at most this long (or the request timeout, if shorter)
/// to send its request line and headers; one that trickles them in, or
/// opens a connection and says nothing, is disconnected, so idle sockets
/// cannot pile up until the daemon runs out of file descriptors.
const MAX_HEADER_WAIT: Duration = Duration::from_secs(10);

/// Serves the API on `listener` until `shutdown` completes, then lets the
/// requests under way finish.
///
/// Connections are served by hyper directly rather than `axum::serve`,
/// which sets no timer and so never times out a request head.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let header_wait = state.request_timeout.min(MAX_HEADER_WAIT);
    let app = router(state);
    // Connections watch `stopping`; each holds a `done` receiver, and the
    // sender's `closed()` tells when the last one has ended.
    let (stopping, _) = tokio::sync::watch::channel(false);
    let (done, done_receiver) = tokio::sync::watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, a connection reset before
                    // accept: wait a little rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stopping.subscribe();
        let held = done_receiver.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_wait)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended");
                        }
                        break;
                    }
                    _ = stop.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
                }
            }
            drop(held);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(done_receiver);
    done.closed().await;
    Ok(())
}
