//! The `/api/*` handlers.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::AppState;
use crate::archive::{ArchiveError, ExportFormat, MAX_LIMIT, SearchRequest, SortOrder};
use crate::config::alerts::AlertMode;
use crate::store::{MatchRow, RuleSummary};

/// Page size when none is asked for.
const DEFAULT_LIMIT: usize = 20;

/// Entities listed by `/api/entities` when no limit is asked for.
const DEFAULT_ENTITY_LIMIT: usize = 50;

/// An error answer: `{"error": "...", "column": n}`.
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub column: Option<usize>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            column: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            column: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(column) = self.column {
            body["column"] = column.into();
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<ArchiveError> for ApiError {
    fn from(error: ArchiveError) -> ApiError {
        match error {
            ArchiveError::Query(error) => ApiError {
                status: StatusCode::BAD_REQUEST,
                message: format!("invalid query: {}", error.message),
                column: Some(error.column),
            },
            other => internal(other),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text())
    }
}

/// Searches and pages run at once, at most. Each holds a searcher, its
/// collectors and the record rows it reads; without a bound, memory grew
/// with the number of clients (issue 25 saw about 740 MB under a burst of
/// heavy queries). The rest wait their turn, within the request timeout.
const CONCURRENT_SEARCHES: usize = 4;

static SEARCHES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_SEARCHES);

/// Runs blocking search work off the async threads, a few at a time.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let turn = SEARCHES.acquire().await.map_err(internal)?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .unwrap_or_else(|error| Err(internal(error)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchParams {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
    #[serde(default)]
    offset: usize,
    sort: Option<SortOrder>,
}

pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let request = SearchRequest {
        query: params.q,
        limit: params.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        offset: params.offset,
        sort: params.sort,
    };
    let results = blocking(move || Ok(state.live().search.search(&state.store, &request)?)).await?;
    Ok(Json(results).into_response())
}

pub(crate) async fn document(
    State(state): State<Arc<AppState>>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let view = blocking(move || Ok(state.live().search.document(&state.store, id)?)).await?;
    match view {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(ApiError {
            status: StatusCode::NOT_FOUND,
            message: format!("no document {id}"),
            column: None,
        }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntityParams {
    #[serde(default)]
    q: String,
    since: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn entities(
    State(state): State<Arc<AppState>>,
    params: Result<Query<EntityParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(DEFAULT_ENTITY_LIMIT).min(MAX_LIMIT);
    let (total, entities) = blocking(move || {
        Ok(state
            .live()
            .search
            .entity_counts(&params.q, params.since.as_deref(), limit)?)
    })
    .await?;
    Ok(Json(serde_json::json!({ "total": total, "entities": entities })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportParams {
    #[serde(default)]
    q: String,
    format: Option<ExportFormat>,
}

/// Streams the export: a blocking task writes batches into a channel that
/// the response body drains, so memory stays flat whatever the size, and a
/// client that hangs up stops the export.
pub(crate) async fn export(
    State(state): State<Arc<AppState>>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let format = params.format.unwrap_or(ExportFormat::Csv);
    // Parse the query first, so a bad one gets a 400 rather than a broken
    // stream; the export runs the parsed query.
    let (live, query) = {
        let state = state.clone();
        blocking(move || {
            let live = state.live();
            let query = live.search.parse(&params.q, chrono::Utc::now())?;
            Ok((live, query))
        })
        .await?
    };
    let (sender, receiver) = mpsc::channel::<Bytes>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter { sender };
        if let Err(error) =
            crate::archive::export(&live.search, &state.store, &query, format, &mut out)
        {
            let cause = std::error::Error::source(&error).map(ToString::to_string);
            tracing::warn!(%error, cause = cause.as_deref().unwrap_or(""), "export stopped");
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), receiver))
    });
    let extension = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Jsonl => "jsonl",
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"veille-export.{extension}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A `Write` that hands its bytes to the response body.
struct ChannelWriter {
    sender: mpsc::Sender<Bytes>,
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.sender
            .blocking_send(Bytes::copy_from_slice(bytes))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every rule with its state: last run, next run, pending and delivered
/// counts, the last delivery error.
pub(crate) async fn alerts(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let rules = blocking(move || rule_list(&state)).await?;
    Ok(Json(serde_json::json!({ "rules": rules })).into_response())
}

/// A rule as `/api/alerts` and the alerts pages show it: what it asks,
/// when it runs, and what it found and delivered.
#[derive(Serialize)]
pub(crate) struct RuleEntry {
    pub id: String,
    pub name: String,
    pub mode: AlertMode,
    pub schedule: Option<String>,
    pub next_run: Option<String>,
    pub query: String,
    pub min_matches: usize,
    pub targets: Vec<&'static str>,
    #[serde(flatten)]
    pub summary: RuleSummary,
}

/// The rules as `/api/alerts` and the alerts page show them.
pub(crate) fn rule_list(state: &AppState) -> Result<Vec<RuleEntry>, ApiError> {
    let now = chrono::Utc::now();
    state
        .live()
        .rules
        .iter()
        .map(|rule| {
            let summary = state.store.rule_summary(rule.id()).map_err(internal)?;
            // As the daemon counts it: from the last run, else from when
            // the rule was added.
            let next_run = rule.alert.schedule.as_ref().map(|schedule| {
                let last = summary
                    .last_run
                    .as_deref()
                    .or(summary.added.as_deref())
                    .and_then(|time| chrono::DateTime::parse_from_rfc3339(time).ok())
                    .map_or(now, |time| time.with_timezone(&chrono::Utc));
                crate::store::timestamp(schedule.next_after(last).max(now))
            });
            Ok(RuleEntry {
                id: rule.id().to_owned(),
                name: rule.alert.name.clone(),
                mode: rule.alert.mode,
                schedule: rule.alert.schedule.as_ref().map(ToString::to_string),
                next_run,
                query: rule.describe(),
                min_matches: rule.alert.min_matches,
                targets: rule.alert.targets.names(),
                summary,
            })
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchParams {
    limit: Option<usize>,
    #[serde(default)]
    offset: usize,
}

/// A rule's matches, newest document first, with each document's title,
/// link and sources and whether its digest was delivered.
pub(crate) async fn alert_matches(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    params: Result<Query<MatchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let body = blocking(move || rule_matches(&state, &id, limit, params.offset)).await?;
    Ok(Json(body).into_response())
}

/// A page of a rule's matches.
#[derive(Serialize)]
pub(crate) struct RuleMatches {
    pub rule: String,
    pub total: i64,
    pub offset: usize,
    pub limit: usize,
    pub matches: Vec<MatchEntry>,
}

/// A match with the document it found, while the record still holds it.
#[derive(Serialize)]
pub(crate) struct MatchEntry {
    #[serde(flatten)]
    pub row: MatchRow,
    #[serde(flatten)]
    pub document: Option<MatchedDocument>,
}

#[derive(Serialize)]
pub(crate) struct MatchedDocument {
    pub title: String,
    pub url: String,
    pub sources: Vec<String>,
    pub published: String,
}

/// A page of a rule's matches, as `/api/alerts/{id}/matches` and the
/// alerts page show them; 404 for a rule not configured.
pub(crate) fn rule_matches(
    state: &AppState,
    id: &str,
    limit: usize,
    offset: usize,
) -> Result<RuleMatches, ApiError> {
    if !state.live().rules.iter().any(|rule| rule.id() == id) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no alert rule {id:?}"),
        ));
    }
    let (total, rows) = state
        .store
        .rule_matches(id, limit, offset)
        .map_err(internal)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.document_id).collect();
    let documents = documents_by_id(state, &ids)?;
    let matches = rows
        .into_iter()
        .map(|row| MatchEntry {
            document: documents
                .get(&row.document_id)
                .map(|document| MatchedDocument {
                    title: document.title.clone(),
                    url: document.url.clone(),
                    sources: document.sources.clone(),
                    published: document.published.clone(),
                }),
            row,
        })
        .collect();
    Ok(RuleMatches {
        rule: id.to_owned(),
        total,
        offset,
        limit,
        matches,
    })
}

/// The stored documents with these ids, by id: a document deleted since
/// its id was read is simply absent.
pub(crate) fn documents_by_id(
    state: &AppState,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, crate::store::StoredDocument>, ApiError> {
    Ok(state
        .store
        .documents_by_ids(ids)
        .map_err(internal)?
        .into_iter()
        .map(|document| (document.id, document))
        .collect())
}

/// A failure of veille's own, not of the request. The details (which may
/// name files under the data directory) go to the log, not to the client.
pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "request failed");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: "internal error; the daemon's log has the details".to_owned(),
        column: None,
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        message:
            "no such endpoint; see /api/search, /api/documents/{id}, /api/entities, /api/export, /api/alerts, /api/feeds, /healthz, /metrics"
                .to_owned(),
        column: None,
    }
}
