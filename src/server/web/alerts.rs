//! The alert rules' pages: every rule with its recent matches
//! (`/alerts`), one rule with all of them (`/alerts/{id}`), and a backtest
//! of a rule over stored documents (`/alerts/backtest`), one at a time.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::Frame;
use super::request::{encode, path_and_query, strict_params};
use crate::alerts::{Found, Rule, RuleKind};
use crate::archive::MAX_OFFSET;
use crate::server::AppState;
use crate::server::api::{
    ApiError, RuleEntry, RuleMatches, blocking, documents_by_id, internal, rule_list, rule_matches,
};

/// Recent matches shown under each rule on the alerts page.
const RECENT_MATCHES: usize = 5;

/// Matches shown by a backtest and on a rule's page.
const LONG_LIST: usize = 50;

/// How far back the page's backtest reads; the CLI's has no bound.
const BACKTEST_MAX_DAYS: i64 = 366;

/// The backtest period the form offers first.
const DEFAULT_SINCE: &str = "30d";

/// Held while a backtest runs.
static BACKTEST: Mutex<()> = Mutex::new(());

/// A rule the backtest form offers.
#[derive(Serialize)]
struct Testable {
    id: String,
    name: String,
}

/// What `alerts.html` shows.
#[derive(Serialize)]
struct AlertsPage {
    rules: Vec<RuleWithRecent>,
    testable: Vec<Testable>,
    since: &'static str,
    /// The rule the backtest form has chosen: none here.
    chosen: Option<String>,
}

#[derive(Serialize)]
struct RuleWithRecent {
    #[serde(flatten)]
    rule: RuleEntry,
    recent: RuleMatches,
}

/// What `rule.html` shows.
#[derive(Serialize)]
struct RulePage {
    rule: RuleEntry,
    matches: RuleMatches,
    previous: Option<String>,
    next: Option<String>,
    since: &'static str,
    testable: Vec<Testable>,
}

/// What `backtest.html` shows.
#[derive(Serialize)]
struct BacktestPage {
    rule: RuleFacts,
    testable: Vec<Testable>,
    since: String,
    since_time: String,
    read: usize,
    found: usize,
    matches: Vec<BacktestMatch>,
}

#[derive(Serialize)]
struct RuleFacts {
    id: String,
    name: String,
    query: String,
}

/// A document the backtest found, with the terms it matched on.
#[derive(Serialize)]
struct BacktestMatch {
    document_id: i64,
    title: String,
    published: String,
    sources: Vec<String>,
    terms: Vec<String>,
}

pub(crate) async fn alerts(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let frame = Frame::new(&headers, "/alerts".to_owned(), "alerts");
    let page = blocking(move || {
        let rules = rule_list(&state)?
            .into_iter()
            .map(|rule| {
                let recent = rule_matches(&state, &rule.id, RECENT_MATCHES, 0)?;
                Ok(RuleWithRecent { rule, recent })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(AlertsPage {
            rules,
            testable: testable(&state.live().rules, |_| true),
            since: DEFAULT_SINCE,
            chosen: None,
        })
    })
    .await;
    match page {
        Ok(page) => frame.render("alerts.html", StatusCode::OK, &page),
        Err(error) => frame.error(error),
    }
}

pub(crate) async fn rule(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(
        &headers,
        path_and_query(&format!("/alerts/{}", encode(&id)), raw.as_deref()),
        "alerts",
    );
    let mut offset = 0;
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match (&*key, value.parse::<usize>()) {
            ("offset", Ok(value)) if value <= MAX_OFFSET => offset = value,
            _ => {
                return frame.error(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "unknown or invalid parameter {key:?}; this page takes offset, up to {MAX_OFFSET}"
                    ),
                ));
            }
        }
    }
    let page = blocking(move || {
        let rule = rule_list(&state)?
            .into_iter()
            .find(|rule| rule.id == id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no alert rule {id:?}")))?;
        let matches = rule_matches(&state, &id, LONG_LIST, offset)?;
        let total = usize::try_from(matches.total).unwrap_or(0);
        let link = |offset: usize| format!("/alerts/{}?offset={offset}", encode(&id));
        Ok(RulePage {
            previous: (offset > 0).then(|| link(offset.saturating_sub(LONG_LIST))),
            next: (offset + LONG_LIST < total).then(|| link(offset + LONG_LIST)),
            testable: testable(&state.live().rules, |rule| rule.id() == id),
            rule,
            matches,
            since: DEFAULT_SINCE,
        })
    })
    .await;
    match page {
        Ok(page) => frame.render("rule.html", StatusCode::OK, &page),
        Err(error) => frame.error(error),
    }
}

/// The backtest form's choices: rules over documents (a source-health
/// rule watches feeds; there is nothing to backtest).
fn testable(rules: &[Rule], keep: impl Fn(&Rule) -> bool) -> Vec<Testable> {
    rules
        .iter()
        .filter(|rule| matches!(rule.kind, RuleKind::Documents(_)) && keep(rule))
        .map(|rule| Testable {
            id: rule.id().to_owned(),
            name: rule.alert.name.clone(),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BacktestParams {
    rule: String,
    #[serde(default = "default_since")]
    since: String,
}

fn default_since() -> String {
    DEFAULT_SINCE.to_owned()
}

pub(crate) async fn backtest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(
        &headers,
        path_and_query("/alerts/backtest", raw.as_deref()),
        "alerts",
    );
    let params: BacktestParams = match strict_params(raw.as_deref()) {
        Ok(params) => params,
        Err(message) => return frame.error(ApiError::new(StatusCode::BAD_REQUEST, message)),
    };
    match blocking(move || backtest_page(&state, params)).await {
        Ok(page) => frame.render("backtest.html", StatusCode::OK, &page),
        Err(error) => frame.error(error),
    }
}

fn backtest_page(state: &AppState, params: BacktestParams) -> Result<BacktestPage, ApiError> {
    let live = state.live();
    let rule = live
        .rules
        .iter()
        .find(|rule| rule.id() == params.rule)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no alert rule {:?}", params.rule),
            )
        })?;
    let now = chrono::Utc::now();
    let since = crate::alerts::parse_since(&params.since, now)
        .map_err(|message| ApiError::new(StatusCode::BAD_REQUEST, message))?;
    if now - since > chrono::Duration::days(BACKTEST_MAX_DAYS) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "a backtest here goes back {BACKTEST_MAX_DAYS} days at most; `veille alerts backtest` goes further"
            ),
        ));
    }
    // One at a time: each reads the whole period, and a page that timed
    // out does not stop its scan.
    let _running = BACKTEST.try_lock().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "another backtest is running; try again in a moment",
        )
    })?;
    let outcome = crate::alerts::backtest(&state.store, rule, live.search.gazetteer(), since)
        .map_err(internal)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "rule {:?} watches sources, not documents; nothing to backtest",
                    rule.id()
                ),
            )
        })?;
    let shown: Vec<&Found> = outcome.found.iter().take(LONG_LIST).collect();
    let ids: Vec<i64> = shown.iter().map(|found| found.document).collect();
    let documents = documents_by_id(state, &ids)?;
    let matches = shown
        .iter()
        .filter_map(|found| Some((found, documents.get(&found.document)?)))
        .map(|(found, document)| BacktestMatch {
            document_id: document.id,
            title: document.title.clone(),
            published: document.published.clone(),
            sources: document.sources.clone(),
            terms: found.terms.clone(),
        })
        .collect();
    Ok(BacktestPage {
        rule: RuleFacts {
            id: rule.id().to_owned(),
            name: rule.alert.name.clone(),
            query: rule.describe(),
        },
        testable: testable(&live.rules, |_| true),
        since: params.since,
        since_time: crate::store::timestamp(since),
        read: outcome.read,
        found: outcome.found.len(),
        matches,
    })
}
