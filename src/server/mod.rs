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
use crate::daemon::Telemetry;
use crate::store::Store;

/// What a configuration reload replaces.
pub struct Live {
    /// Searches resolve `entity:` through the current gazetteer.
    pub search: Search,
    /// The alert rules, for `/api/alerts`.
    pub rules: Vec<Rule>,
    /// The configured sources, for `/api/feeds` and `/healthz`.
    pub feeds: Vec<Feed>,
    pub commit_interval: Duration,
}

/// What the handlers share.
pub struct AppState {
    /// A connection of its own, so reads never queue behind the daemon's
    /// writes (WAL lets them run side by side).
    pub store: Store,
    live: RwLock<Arc<Live>>,
    pub telemetry: Arc<Telemetry>,
    /// The search index's folder, whose size `/metrics` reports.
    pub archive_dir: PathBuf,
    /// When set, every request must carry it as a bearer token.
    token: Option<guard::Token>,
    request_timeout: Duration,
}

impl AppState {
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
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Puts a reloaded configuration in force.
    pub fn replace(&self, live: Live) {
        *self
            .live
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(live);
    }
}

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

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
