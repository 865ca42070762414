//! The HTTP API served by `veille run`.
//!
//! Every answer is JSON except exports. Parameters are checked strictly
//! (an unknown one is an error, not silently ignored, so a typo such as
//! `?limt=50` is noticed), bad queries get 400 with the column of the
//! problem, and page sizes are capped.

mod api;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::alerts::Rule;
use crate::archive::Search;
use crate::store::Store;

/// What the handlers share.
pub struct AppState {
    pub search: Search,
    /// A connection of its own, so reads never queue behind the daemon's
    /// writes (WAL lets them run side by side).
    pub store: Store,
    /// The alert rules, for `/api/alerts`.
    pub rules: Vec<Rule>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/search", get(api::search))
        .route("/api/documents/{id}", get(api::document))
        .route("/api/entities", get(api::entities))
        .route("/api/export", get(api::export))
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}/matches", get(api::alert_matches))
        .fallback(api::not_found)
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
