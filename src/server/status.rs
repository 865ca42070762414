//! The service endpoints: `/api/feeds` (every source's state), `/healthz`
//! and `/metrics`.

use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;

use super::AppState;
use super::api::{ApiError, blocking, internal};
use crate::config::{Feed, FeedKind};
use crate::store::{FeedActivity, FeedStatus};
use crate::telemetry::Gauges;
use crate::telemetry::health::{self, HealthStatus};

/// A source as `/api/feeds` and the feeds page show it.
#[derive(Serialize)]
pub(crate) struct FeedView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub url: String,
    pub schedule: String,
    pub enabled: bool,
    /// `ok`, `failing`, `never_fetched` or `disabled`.
    pub state: &'static str,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    /// The last attempt's error; absent once a poll succeeds again.
    pub last_error: Option<String>,
    pub http_status: Option<u16>,
    pub consecutive_failures: i64,
    pub next_run: Option<String>,
    pub retry_not_before: Option<String>,
    /// New documents from the last successful poll.
    pub last_new: i64,
    /// What the last poll that read the source went on without (refused
    /// links, article pages that failed): the count, and the first few.
    pub warning_count: i64,
    pub warnings: Vec<String>,
    pub documents_24h: i64,
    pub documents_7d: i64,
}

/// Every source, with how many are failing.
#[derive(Serialize)]
pub(crate) struct FeedList<T = FeedView> {
    pub total: usize,
    pub failing: usize,
    pub feeds: Vec<T>,
}

fn kind_name(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Feed => "feed",
        FeedKind::Html => "html",
        FeedKind::Transcript => "transcript",
    }
}

fn state_of(feed: &Feed, status: Option<&FeedStatus>) -> &'static str {
    match status {
        _ if !feed.enabled => "disabled",
        Some(status) if status.consecutive_failures > 0 => "failing",
        Some(status) if status.last_attempt.is_some() => "ok",
        _ => "never_fetched",
    }
}

pub(crate) async fn feeds(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let body = blocking(move || feed_list(&state)).await?;
    Ok(Json(body).into_response())
}

/// Every source with its state, as `/api/feeds` and the feeds page show
/// them.
pub(crate) fn feed_list(state: &AppState) -> Result<FeedList, ApiError> {
    let live = state.live();
    let statuses = state.store.feed_statuses().map_err(internal)?;
    let activity = state.store.feed_activity(Utc::now()).map_err(internal)?;
    let feeds: Vec<FeedView> = live
        .feeds
        .iter()
        .map(|feed| {
            let status = statuses.get(&feed.id);
            let counts = activity.get(&feed.id).copied().unwrap_or_default();
            view(feed, status, counts)
        })
        .collect();
    let failing = feeds.iter().filter(|feed| feed.state == "failing").count();
    Ok(FeedList {
        total: feeds.len(),
        failing,
        feeds,
    })
}

fn view(feed: &Feed, status: Option<&FeedStatus>, counts: FeedActivity) -> FeedView {
    let failing = status.is_some_and(|status| status.consecutive_failures > 0);
    FeedView {
        id: feed.id.clone(),
        name: feed.name.clone(),
        kind: kind_name(feed.kind),
        url: feed.url.as_str().to_owned(),
        schedule: feed.schedule.to_string(),
        enabled: feed.enabled,
        state: state_of(feed, status),
        last_attempt: status.and_then(|status| status.last_attempt.clone()),
        last_success: status.and_then(|status| status.last_success.clone()),
        last_error: status
            .filter(|_| failing)
            .and_then(|status| status.error.clone()),
        http_status: status.and_then(|status| status.http_status),
        consecutive_failures: status.map_or(0, |status| status.consecutive_failures),
        next_run: status.and_then(|status| status.next_run.clone()),
        retry_not_before: status.and_then(|status| status.retry_not_before.clone()),
        last_new: status.map_or(0, |status| status.last_new),
        warning_count: status.map_or(0, |status| status.warning_count),
        warnings: status.map_or_else(Vec::new, |status| status.warnings.clone()),
        documents_24h: counts.documents_24h,
        documents_7d: counts.documents_7d,
    }
}

/// 200 when ok or degraded (the service works; something it watches does
/// not), 503 when failing.
pub(crate) async fn healthz(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let report = blocking(move || {
        let live = state.live();
        Ok(health::assess(
            &state.telemetry,
            &state.store,
            &live.feeds,
            live.commit_interval,
        ))
    })
    .await?;
    let status = match report.status {
        HealthStatus::Failing => StatusCode::SERVICE_UNAVAILABLE,
        HealthStatus::Ok | HealthStatus::Degraded => StatusCode::OK,
    };
    Ok((status, Json(report)).into_response())
}

pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let text = blocking(move || {
        let gauges = gauges(&state).map_err(internal)?;
        Ok(state.telemetry.render(&gauges))
    })
    .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

fn gauges(state: &AppState) -> crate::store::Result<Gauges> {
    let live = state.live();
    let queues = state.store.queues()?;
    let statuses = state.store.feed_statuses()?;
    let mut gauges = Gauges {
        documents: queues.documents,
        index_backlog: state
            .store
            .count_changed_after(state.telemetry.indexed_revision())?,
        matches_waiting: queues.matches_waiting,
        digests_undelivered: queues.digests_undelivered,
        index_size_bytes: folder_size(&state.archive_dir) as i64,
        ..Gauges::default()
    };
    for feed in &live.feeds {
        match state_of(feed, statuses.get(&feed.id)) {
            "ok" => gauges.feeds_ok += 1,
            "failing" => gauges.feeds_failing += 1,
            "disabled" => gauges.feeds_disabled += 1,
            _ => gauges.feeds_never_fetched += 1,
        }
    }
    Ok(gauges)
}

/// Bytes in the files directly inside `dir` (a Tantivy index is flat).
fn folder_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|metadata| metadata.len())
        .sum()
}
