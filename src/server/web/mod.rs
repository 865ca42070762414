//! The analyst's web page, served at `/` by `veille run`: search with
//! facets, a timeline and a map; documents with their entities marked;
//! the feeds' health; the alert rules with a backtest.
//!
//! Pages are rendered on the server from templates embedded in the binary
//! (no CDN, no build step), in French or English. A feed's text reaches a
//! page only through the templates' HTML escaping: nothing from a feed is
//! ever marked safe, and the pages' Content-Security-Policy (see
//! [`super::guard`]) runs no script but the page's own file.

mod charts;
mod i18n;
mod reading;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State as TemplateState, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::api::{ApiError, blocking, documents_by_id, internal, rule_list, rule_matches};
use crate::alerts::digest::link;
use crate::archive::{
    ArchiveError, EntityCount, MAX_LIMIT, SearchRequest, SortOrder, TIMELINE_SERIES, is_actor,
};
use i18n::Lang;

/// Results on a page of the search.
const PAGE_SIZE: usize = 20;

/// Deepest page offered: as the API, past this narrow the query.
const MAX_PAGE: usize = crate::archive::MAX_OFFSET / PAGE_SIZE;

/// Recent matches shown under each rule on the alerts page.
const RECENT_MATCHES: usize = 5;

/// Matches shown by a backtest and on a rule's page.
const LONG_LIST: usize = 50;

/// How far back the page's backtest reads; the CLI's has no bound.
const BACKTEST_MAX_DAYS: i64 = 366;

/// Held while a backtest runs.
static BACKTEST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The cookie that carries the API token for a browser, which cannot send
/// an `Authorization` header when following a link.
pub const TOKEN_COOKIE: &str = "veille_token";

/// The templates, by name: embedded so the binary is the whole install.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../assets/web/templates/base.html"),
    ),
    (
        "search.html",
        include_str!("../../../assets/web/templates/search.html"),
    ),
    (
        "document.html",
        include_str!("../../../assets/web/templates/document.html"),
    ),
    (
        "feeds.html",
        include_str!("../../../assets/web/templates/feeds.html"),
    ),
    (
        "alerts.html",
        include_str!("../../../assets/web/templates/alerts.html"),
    ),
    (
        "rule.html",
        include_str!("../../../assets/web/templates/rule.html"),
    ),
    (
        "backtest.html",
        include_str!("../../../assets/web/templates/backtest.html"),
    ),
    (
        "login.html",
        include_str!("../../../assets/web/templates/login.html"),
    ),
    (
        "error.html",
        include_str!("../../../assets/web/templates/error.html"),
    ),
    (
        "rule_facts.html",
        include_str!("../../../assets/web/templates/rule_facts.html"),
    ),
    (
        "match.html",
        include_str!("../../../assets/web/templates/match.html"),
    ),
    (
        "backtest_form.html",
        include_str!("../../../assets/web/templates/backtest_form.html"),
    ),
];

/// Static files: name, content type, bytes.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../assets/web/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/web/app.js"),
    ),
];

static TEMPLATE_ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the embedded templates compile (tested)");
    }
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_function("t", translate);
    env.add_filter("when", when);
    env
});

/// `t("key", name=value…)`: the message in the page's language, with
/// `{name}` replaced.
fn translate(state: &TemplateState, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup("lang")
        .and_then(|lang| lang.as_str().and_then(Lang::from_code))
        .unwrap_or(Lang::Fr);
    let mut text = lang
        .text(key)
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, format!("no message {key:?}")))?
        .to_owned();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    Ok(text)
}

/// An RFC 3339 time as `2026-11-20 14:05 UTC`.
fn when(value: Option<String>) -> String {
    let Some(value) = value else {
        return "–".to_owned();
    };
    chrono::DateTime::parse_from_rfc3339(&value).map_or(value, |time| {
        time.with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string()
    })
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(search))
        .route("/documents/{id}", get(document))
        .route("/feeds", get(feeds))
        .route("/alerts", get(alerts))
        .route("/alerts/backtest", get(backtest))
        .route("/alerts/{id}", get(rule))
        .route("/lang/{code}", get(switch_language))
        .route("/login", get(login_form).post(login))
        .route("/assets/{name}", get(asset))
}

/// Paths a browser may load before it has the token: the login form, its
/// style and script, and the language switch.
pub fn is_public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/") || path.starts_with("/lang/")
}

/// Whether `path` is a page (which sends a browser to the login form when
/// the token is missing) rather than the API (which answers 401).
pub fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/") || path == "/healthz" || path == "/metrics")
}

/// A cookie's value from the request, percent-decoded.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// What every page knows: its language, its own address (for the language
/// switch), which tab is open.
struct Frame {
    lang: Lang,
    here: String,
    section: &'static str,
}

impl Frame {
    fn new(headers: &HeaderMap, here: String, section: &'static str) -> Frame {
        Frame {
            lang: Lang::negotiate(headers),
            here,
            section,
        }
    }

    fn render(&self, name: &str, status: StatusCode, page: serde_json::Value) -> Response {
        let languages: Vec<serde_json::Value> = Lang::ALL
            .iter()
            .map(|lang| {
                json!({
                    "code": lang.code(),
                    "href": format!("/lang/{}?back={}", lang.code(), encode(&self.here)),
                    "current": *lang == self.lang,
                })
            })
            .collect();
        let mut context = json!({
            "lang": self.lang.code(),
            "section": self.section,
            "languages": languages,
        });
        if let (Some(context), serde_json::Value::Object(page)) = (context.as_object_mut(), page) {
            context.extend(page);
        }
        let rendered = TEMPLATE_ENV
            .get_template(name)
            .and_then(|template| template.render(minijinja::value::Serde(&context)));
        match rendered {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(
                    template = name,
                    error = format!("{error:#}"),
                    "cannot render page"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; the daemon's log has the details",
                )
                    .into_response()
            }
        }
    }

    /// An error page: the message a reader can act on.
    fn error(&self, error: ApiError) -> Response {
        let status = error.status;
        self.render(
            "error.html",
            status,
            json!({ "status": status.as_u16(), "message": error.message }),
        )
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn path_and_query(path: &str, raw: &Option<String>) -> String {
    match raw {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

/// The search form as the address holds it, so a search can be shared by
/// copying the address. Facets add filters beside the typed query rather
/// than editing it, so each can be removed with a click.
#[derive(Debug, Clone, Default, PartialEq)]
struct SearchForm {
    q: String,
    entities: Vec<String>,
    sources: Vec<String>,
    langs: Vec<String>,
    kinds: Vec<String>,
    from: String,
    to: String,
    sort: Option<SortOrder>,
    /// 1-based.
    page: usize,
}

impl SearchForm {
    fn parse(raw: Option<&str>) -> Result<SearchForm, String> {
        let mut form = SearchForm {
            page: 1,
            ..SearchForm::default()
        };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.trim().to_owned();
            let filter_value = |value: String| {
                if value.contains('"') {
                    Err(format!("{key}: a value cannot hold a double quote"))
                } else {
                    Ok(value)
                }
            };
            match &*key {
                "q" => form.q = value,
                "entity" => form.entities.push(filter_value(value)?),
                "source" => form.sources.push(filter_value(value)?),
                "lang" => form.langs.push(filter_value(value)?),
                "kind" => form.kinds.push(filter_value(value)?),
                "from" | "to" => {
                    if !value.is_empty()
                        && chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err()
                    {
                        return Err(format!("{key}: {value:?} is not a date (2026-11-01)"));
                    }
                    if key == "from" {
                        form.from = value;
                    } else {
                        form.to = value;
                    }
                }
                "sort" => {
                    form.sort = match value.as_str() {
                        "" => None,
                        other => Some(other.parse()?),
                    }
                }
                "page" => {
                    form.page = value
                        .parse::<usize>()
                        .ok()
                        .filter(|page| (1..=MAX_PAGE).contains(page))
                        .ok_or_else(|| format!("page: a number from 1 to {MAX_PAGE}"))?;
                }
                other => {
                    return Err(format!(
                        "unknown parameter {other:?}; the page takes q, entity, source, lang, kind, from, to, sort and page"
                    ));
                }
            }
        }
        form.entities.retain(|value| !value.is_empty());
        form.sources.retain(|value| !value.is_empty());
        form.langs.retain(|value| !value.is_empty());
        form.kinds.retain(|value| !value.is_empty());
        Ok(form)
    }

    /// The typed query with the filters, as the archive's query language.
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("({})", self.q));
        }
        for (field, values) in [
            ("entity", &self.entities),
            ("source", &self.sources),
            ("lang", &self.langs),
            ("kind", &self.kinds),
        ] {
            // Several values of one facet widen; different facets narrow.
            let terms: Vec<String> = values
                .iter()
                .map(|value| format!("{field}:\"{value}\""))
                .collect();
            match terms.len() {
                0 => {}
                1 => parts.push(terms[0].clone()),
                _ => parts.push(format!("({})", terms.join(" OR "))),
            }
        }
        if !self.from.is_empty() {
            parts.push(format!("since:{}", self.from));
        }
        if !self.to.is_empty() {
            parts.push(format!("until:{}", self.to));
        }
        parts.join(" ")
    }

    fn is_empty(&self) -> bool {
        self.query().is_empty()
    }

    fn href(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            out.append_pair("q", &self.q);
        }
        for (key, values) in [
            ("entity", &self.entities),
            ("source", &self.sources),
            ("lang", &self.langs),
            ("kind", &self.kinds),
        ] {
            for value in values {
                out.append_pair(key, value);
            }
        }
        if !self.from.is_empty() {
            out.append_pair("from", &self.from);
        }
        if !self.to.is_empty() {
            out.append_pair("to", &self.to);
        }
        if let Some(sort) = self.sort {
            out.append_pair(
                "sort",
                match sort {
                    SortOrder::Relevance => "relevance",
                    SortOrder::Date => "date",
                },
            );
        }
        if self.page > 1 {
            out.append_pair("page", &self.page.to_string());
        }
        let query = out.finish();
        if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        }
    }

    /// This search with `change` made, back on its first page.
    fn with(&self, change: impl FnOnce(&mut SearchForm)) -> String {
        let mut form = self.clone();
        form.page = 1;
        change(&mut form);
        form.href()
    }

    /// This search narrowed to documents naming entity `id`.
    fn with_entity(&self, id: &str) -> String {
        self.with(|form| {
            if !form.entities.iter().any(|chosen| chosen == id) {
                form.entities.push(id.to_owned());
            }
        })
    }

    fn values(&mut self, facet: &str) -> &mut Vec<String> {
        match facet {
            "entity" => &mut self.entities,
            "source" => &mut self.sources,
            "lang" => &mut self.langs,
            _ => &mut self.kinds,
        }
    }
}

/// One value in the facet list: what clicking it does.
#[derive(Serialize)]
struct FacetValue {
    value: String,
    label: String,
    count: u64,
    active: bool,
    href: String,
}

fn facet_values(
    form: &SearchForm,
    facet: &'static str,
    counts: impl IntoIterator<Item = (String, String, u64)>,
) -> Vec<FacetValue> {
    let mut form = form.clone();
    let chosen = form.values(facet).clone();
    counts
        .into_iter()
        .map(|(value, label, count)| {
            let active = chosen.contains(&value);
            let href = form.with(|form| {
                let values = form.values(facet);
                if active {
                    values.retain(|chosen| *chosen != value);
                } else {
                    values.push(value.clone());
                }
            });
            FacetValue {
                value,
                label,
                count,
                active,
                href,
            }
        })
        .collect()
}

async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(&headers, path_and_query("/", &raw), "search");
    let form = match SearchForm::parse(raw.as_deref()) {
        Ok(form) => form,
        Err(message) => return frame.error(ApiError::new(StatusCode::BAD_REQUEST, message)),
    };
    let lang = frame.lang;
    let page = blocking(move || search_page(&state, form, lang)).await;
    match page {
        Ok((status, page)) => frame.render("search.html", status, page),
        Err(error) => frame.error(error),
    }
}

fn search_page(
    state: &AppState,
    form: SearchForm,
    lang: Lang,
) -> Result<(StatusCode, serde_json::Value), ApiError> {
    let live = state.live();
    let feed_names: HashMap<&str, &str> = live
        .feeds
        .iter()
        .map(|feed| (feed.id.as_str(), feed.name.as_str()))
        .collect();
    let source_name = |id: &str| feed_names.get(id).map_or(id, |name| *name).to_owned();
    let chips = active_filters(&form, &live.search, &source_name);
    let mut page = json!({
        "form": {
            "q": form.q,
            "from": form.from,
            "to": form.to,
            "sort": form.sort.map(|sort| match sort {
                SortOrder::Relevance => "relevance",
                SortOrder::Date => "date",
            }),
            "hidden": hidden_fields(&form),
        },
        "chips": chips,
        "error": null,
    });
    // The typed query must stand on its own, or its parentheses could
    // swallow the filters (`a) OR (b` beside `entity:jnim`).
    if let Err(error) = live.search.parse(&form.q, chrono::Utc::now()) {
        let (message, column) = match error {
            ArchiveError::Query(error) => (error.message, Some(error.column)),
            other => return Err(internal(other)),
        };
        page["error"] = json!({ "message": message, "column": column });
        return Ok((StatusCode::BAD_REQUEST, page));
    }
    let request = SearchRequest {
        query: form.query(),
        limit: PAGE_SIZE,
        offset: (form.page - 1) * PAGE_SIZE,
        sort: form.sort,
    };
    let results = match live.search.search(&state.store, &request) {
        Ok(results) => results,
        Err(ArchiveError::Query(error)) => {
            // The typed query parsed alone, so this is in the filters,
            // which the reader did not type: no column.
            page["error"] = json!({ "message": error.message, "column": null });
            return Ok((StatusCode::BAD_REQUEST, page));
        }
        Err(other) => return Err(internal(other)),
    };
    let gazetteer = live.search.gazetteer();
    let mut series: Vec<EntityCount> = results
        .facets
        .entities
        .iter()
        .filter(|(kind, _)| is_actor(kind))
        .flat_map(|(_, counts)| counts.iter().cloned())
        .collect();
    // An entity the search is filtered on is in every document: splitting
    // by it would show nothing.
    series.retain(|entity| !form.entities.contains(&entity.id));
    series.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    series.truncate(TIMELINE_SERIES);
    let timeline = live
        .search
        .timeline(&request.query, series)
        .map_err(internal)?;
    let chart = charts::timeline(&timeline).map(|chart| {
        let bars: Vec<serde_json::Value> = chart
            .bars
            .iter()
            .map(|bar| {
                let href = form.with(|form| {
                    form.from = bar.from.clone();
                    form.to = bar.to.clone();
                });
                linked(bar, href)
            })
            .collect();
        json!({ "chart": chart, "bars": bars })
    });
    let legend: Vec<serde_json::Value> = timeline
        .series
        .iter()
        .enumerate()
        .map(|(index, entity)| {
            json!({
                "series": index,
                "name": entity.name,
                "kind": entity.kind,
                "href": form.with_entity(&entity.id),
            })
        })
        .collect();
    let map = charts::map(&results.places, lang);
    let map_points: Vec<serde_json::Value> = map
        .points
        .iter()
        .map(|point| linked(point, form.with_entity(&point.id)))
        .collect();

    let entity_facet = |kind: &str| {
        facet_values(
            &form,
            "entity",
            results
                .facets
                .entities
                .get(kind)
                .into_iter()
                .flatten()
                .map(|entity| (entity.id.clone(), entity.name.clone(), entity.count)),
        )
    };
    let facets = json!([
        { "key": "armed_group", "values": entity_facet("armed_group") },
        { "key": "person", "values": entity_facet("person") },
        { "key": "force", "values": entity_facet("force") },
        { "key": "place", "values": entity_facet("place") },
        { "key": "source", "values": facet_values(&form, "source",
            results.facets.sources.iter().map(|count| (count.value.clone(), source_name(&count.value), count.count))) },
        { "key": "language", "values": facet_values(&form, "lang",
            results.facets.languages.iter().map(|count| (count.value.clone(), count.value.to_uppercase(), count.count))) },
    ]);

    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|hit| {
            let chips: Vec<serde_json::Value> = hit
                .entities
                .iter()
                .filter_map(|id| gazetteer.get(id))
                .map(|entity| {
                    json!({
                        "name": entity.name,
                        "kind": entity.kind.as_str(),
                        "href": form.with_entity(&entity.id),
                    })
                })
                .collect();
            json!({
                "id": hit.id,
                "title": hit.title,
                "url": hit.url,
                "sources": hit.sources.iter().map(|id| source_name(id)).collect::<Vec<_>>(),
                "language": hit.language,
                "published": hit.published,
                "published_is_fetch_time": hit.published_is_fetch_time,
                "kind": hit.kind,
                "snippet": reading::snippet(&hit.snippet),
                "timecode": hit.timecode.as_ref().map(|timecode| json!({
                    "label": timecode.label,
                    "speaker": timecode.speaker,
                    "audio_link": timecode.audio_link.as_deref().map(link),
                })),
                "entities": chips,
            })
        })
        .collect();
    let pages = results.total.div_ceil(PAGE_SIZE).clamp(1, MAX_PAGE);
    let pager = json!({
        "page": form.page,
        "pages": pages,
        "previous": (form.page > 1).then(|| {
            let mut previous = form.clone();
            previous.page -= 1;
            previous.href()
        }),
        "next": (form.page < pages).then(|| {
            let mut next = form.clone();
            next.page += 1;
            next.href()
        }),
    });
    let sorts: Vec<serde_json::Value> = [
        (SortOrder::Relevance, "relevance"),
        (SortOrder::Date, "date"),
    ]
    .into_iter()
    .map(|(sort, name)| {
        json!({
            "name": name,
            "active": results.sort == sort,
            "href": form.with(|form| form.sort = Some(sort)),
        })
    })
    .collect();
    let extra = json!({
        "total": results.total,
        "everything": form.is_empty(),
        "hits": hits,
        "facets": facets,
        "timeline": chart,
        "legend": legend,
        "map": {
            "width": map.width,
            "height": map.height,
            "labels": map.labels,
            "points": map_points,
            "outside": map.outside,
        },
        "pager": pager,
        "sorts": sorts,
        "export": format!("/api/export?q={}", encode(&request.query)),
    });
    if let (Some(page), serde_json::Value::Object(extra)) = (page.as_object_mut(), extra) {
        page.extend(extra);
    }
    Ok((StatusCode::OK, page))
}

/// `value` with the link a click on it follows.
fn linked(value: &impl Serialize, href: String) -> serde_json::Value {
    let mut value = serde_json::to_value(value).unwrap_or_default();
    value["href"] = href.into();
    value
}

/// The filters in force, each with the link that removes it.
fn active_filters(
    form: &SearchForm,
    search: &crate::archive::Search,
    source_name: &dyn Fn(&str) -> String,
) -> Vec<serde_json::Value> {
    let mut chips = Vec::new();
    for facet in ["entity", "source", "lang", "kind"] {
        let mut editable = form.clone();
        for value in editable.values(facet).clone() {
            let (label, kind) = match facet {
                "entity" => search.gazetteer().get(&value).map_or_else(
                    || (value.clone(), "unknown".to_owned()),
                    |entity| (entity.name.clone(), entity.kind.as_str().to_owned()),
                ),
                "source" => (source_name(&value), "source".to_owned()),
                _ => (value.clone(), facet.to_owned()),
            };
            chips.push(json!({
                "label": label,
                "kind": kind,
                "href": form.with(|form| form.values(facet).retain(|chosen| *chosen != value)),
            }));
        }
    }
    chips
}

/// The filters the search box's form must carry along when resubmitted.
fn hidden_fields(form: &SearchForm) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    for (key, values) in [
        ("entity", &form.entities),
        ("source", &form.sources),
        ("lang", &form.langs),
        ("kind", &form.kinds),
    ] {
        fields.extend(values.iter().map(|value| (key, value.clone())));
    }
    fields
}

async fn document(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let frame = Frame::new(&headers, format!("/documents/{id}"), "search");
    let Ok(id) = id.parse::<i64>() else {
        return frame.error(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not a document number"),
        ));
    };
    let page = blocking(move || {
        let live = state.live();
        let view = live
            .search
            .document(&state.store, id)
            .map_err(internal)?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no document {id}")))?;
        let feed_names: HashMap<&str, &str> = live
            .feeds
            .iter()
            .map(|feed| (feed.id.as_str(), feed.name.as_str()))
            .collect();
        let sources: Vec<serde_json::Value> = view
            .source_details
            .iter()
            .map(|source| {
                json!({
                    "name": feed_names.get(source.feed_id.as_str()).copied().unwrap_or(&source.feed_id),
                    "url": link(&source.url),
                    "first_seen": source.first_seen,
                    "href": SearchForm { sources: vec![source.feed_id.clone()], page: 1, ..SearchForm::default() }.href(),
                })
            })
            .collect();
        let mut entities: Vec<serde_json::Value> = view
            .entity_mentions
            .iter()
            .map(|entity| {
                json!({
                    "name": entity.name,
                    "kind": entity.kind,
                    "mentions": entity.mentions.len(),
                    "href": SearchForm { entities: vec![entity.id.clone()], page: 1, ..SearchForm::default() }.href(),
                })
            })
            .collect();
        entities.sort_by_key(|entity| std::cmp::Reverse(entity["mentions"].as_u64()));
        let document = &view.document;
        Ok(json!({
            "document": {
                "id": document.id,
                "url": link(&document.url),
                "published": document.published,
                "fetched": document.fetched,
                "author": document.author,
                "language": document.language,
                "kind": document.kind,
                "extraction": document.extraction,
            },
            "title": reading::title(&view),
            "body": reading::body(&view),
            "transcript": document.transcript.as_ref().map(|transcript| json!({
                "station": transcript.station,
                "programme": transcript.programme,
                "audio": transcript.audio_url.as_deref().map(link),
                "format": transcript.format,
            })),
            "sources": sources,
            "entities": entities,
        }))
    })
    .await;
    match page {
        Ok(page) => frame.render("document.html", StatusCode::OK, page),
        Err(error) => frame.error(error),
    }
}

async fn feeds(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let frame = Frame::new(&headers, "/feeds".to_owned(), "feeds");
    match blocking(move || super::status::feed_list(&state)).await {
        Ok(mut list) => {
            // Failing sources first, so they are seen.
            if let Some(feeds) = list["feeds"].as_array_mut() {
                let rank = |feed: &serde_json::Value| match feed["state"].as_str() {
                    Some("failing") => 0,
                    Some("never_fetched") => 1,
                    Some("ok") => 2,
                    _ => 3,
                };
                feeds.sort_by_key(rank);
                for feed in feeds.iter_mut() {
                    let id = feed["id"].as_str().unwrap_or_default().to_owned();
                    feed["href"] = SearchForm {
                        sources: vec![id],
                        page: 1,
                        ..SearchForm::default()
                    }
                    .href()
                    .into();
                }
            }
            frame.render("feeds.html", StatusCode::OK, list)
        }
        Err(error) => frame.error(error),
    }
}

async fn alerts(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let frame = Frame::new(&headers, "/alerts".to_owned(), "alerts");
    let page = blocking(move || {
        let mut rules = rule_list(&state)?;
        for rule in &mut rules {
            let id = rule["id"].as_str().unwrap_or_default().to_owned();
            rule["recent"] = rule_matches(&state, &id, RECENT_MATCHES, 0)?;
        }
        let testable = testable(&state.live().rules, |_| true);
        Ok(json!({ "rules": rules, "testable": testable, "since": "30d", "chosen": null }))
    })
    .await;
    match page {
        Ok(page) => frame.render("alerts.html", StatusCode::OK, page),
        Err(error) => frame.error(error),
    }
}

async fn rule(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(
        &headers,
        path_and_query(&format!("/alerts/{}", encode(&id)), &raw),
        "alerts",
    );
    let mut offset = 0;
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match (&*key, value.parse::<usize>()) {
            ("offset", Ok(value)) if value <= crate::archive::MAX_OFFSET => offset = value,
            _ => {
                return frame.error(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "unknown or invalid parameter {key:?}; this page takes offset, up to {}",
                        crate::archive::MAX_OFFSET
                    ),
                ));
            }
        }
    }
    let page = blocking(move || {
        let rules = rule_list(&state)?;
        let rule = rules
            .into_iter()
            .find(|rule| rule["id"] == id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no alert rule {id:?}")))?;
        let matches = rule_matches(&state, &id, LONG_LIST, offset)?;
        let total = matches["total"].as_u64().unwrap_or(0) as usize;
        let link = |offset: usize| format!("/alerts/{}?offset={offset}", encode(&id));
        let testable = testable(&state.live().rules, |rule| rule.id() == id);
        Ok(json!({
            "rule": rule,
            "matches": matches,
            "previous": (offset > 0).then(|| link(offset.saturating_sub(LONG_LIST))),
            "next": (offset + LONG_LIST < total).then(|| link(offset + LONG_LIST)),
            "since": "30d",
            "testable": testable,
        }))
    })
    .await;
    match page {
        Ok(page) => frame.render("rule.html", StatusCode::OK, page),
        Err(error) => frame.error(error),
    }
}

/// The backtest form's choices: rules over documents (a source-health
/// rule watches feeds; there is nothing to backtest).
fn testable(
    rules: &[crate::alerts::Rule],
    keep: impl Fn(&crate::alerts::Rule) -> bool,
) -> Vec<serde_json::Value> {
    rules
        .iter()
        .filter(|rule| matches!(rule.kind, crate::alerts::RuleKind::Documents(_)) && keep(rule))
        .map(|rule| json!({ "id": rule.id(), "name": rule.alert.name }))
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
    "30d".to_owned()
}

async fn backtest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(&headers, path_and_query("/alerts/backtest", &raw), "alerts");
    let params: BacktestParams = match serde_urlencoded_params(raw.as_deref()) {
        Ok(params) => params,
        Err(message) => return frame.error(ApiError::new(StatusCode::BAD_REQUEST, message)),
    };
    let page = blocking(move || {
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
        // One at a time: each reads the whole period, and a page that
        // timed out does not stop its scan.
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
        let shown: Vec<&crate::alerts::Found> = outcome.found.iter().take(LONG_LIST).collect();
        let ids: Vec<i64> = shown.iter().map(|found| found.document).collect();
        let documents = documents_by_id(&state, &ids)?;
        let matches: Vec<serde_json::Value> = shown
            .iter()
            .filter_map(|found| Some((found, documents.get(&found.document)?)))
            .map(|(found, document)| {
                json!({
                    "document_id": document.id,
                    "title": document.title,
                    "published": document.published,
                    "sources": document.sources,
                    "terms": found.terms,
                })
            })
            .collect();
        let testable = testable(&live.rules, |_| true);
        Ok(json!({
            "rule": { "id": rule.id(), "name": rule.alert.name, "query": rule.describe() },
            "testable": testable,
            "since": params.since,
            "since_time": crate::store::timestamp(since),
            "read": outcome.read,
            "found": outcome.found.len(),
            "matches": matches,
        }))
    })
    .await;
    match page {
        Ok(page) => frame.render("backtest.html", StatusCode::OK, page),
        Err(error) => frame.error(error),
    }
}

/// Parameters with the API's strictness: an unknown one is an error.
fn serde_urlencoded_params<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let value = serde_json::Value::Object(
        pairs
            .into_iter()
            .map(|(key, value)| (key, serde_json::Value::String(value)))
            .collect(),
    );
    serde_json::from_value(value).map_err(|error| error.to_string())
}

#[derive(Deserialize)]
struct BackParams {
    back: Option<String>,
}

/// Only a path on this server: an address from elsewhere (`//evil`,
/// `https://…`) would make the switch an open redirect.
fn local_path(back: Option<String>) -> String {
    back.filter(|back| {
        // Browsers drop tabs and newlines from a URL, so `/\t/evil` would
        // become `//evil`; and a backslash counts as a slash.
        back.starts_with('/')
            && !back.starts_with("//")
            && !back
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    })
    .unwrap_or_else(|| "/".to_owned())
}

async fn switch_language(Path(code): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let Some(lang) = Lang::from_code(&code).filter(|lang| lang.code() == code) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no language {code:?}; the page speaks fr and en"),
        )
        .into_response();
    };
    let back = serde_urlencoded_params::<BackParams>(raw.as_deref())
        .ok()
        .and_then(|params| params.back);
    let mut response = Redirect::to(&local_path(back)).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        i18n::COOKIE,
        lang.code()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn login_form(headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let frame = Frame::new(&headers, path_and_query("/login", &raw), "login");
    let back = serde_urlencoded_params::<BackParams>(raw.as_deref())
        .ok()
        .and_then(|params| params.back);
    frame.render(
        "login.html",
        StatusCode::OK,
        json!({ "back": local_path(back), "failed": false }),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
    back: Option<String>,
}

/// Checks the token the reader typed and keeps it in a cookie that
/// scripts cannot read (`HttpOnly`) and other sites cannot send
/// (`SameSite`).
async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let back = local_path(form.back);
    let admitted = state
        .token
        .as_ref()
        .is_none_or(|token| token.admits(form.token.trim()));
    if !admitted {
        let frame = Frame::new(&headers, "/login".to_owned(), "login");
        return frame.render(
            "login.html",
            StatusCode::UNAUTHORIZED,
            json!({ "back": back, "failed": true }),
        );
    }
    let mut response = Redirect::to(&back).into_response();
    let value: String = percent_encoding::utf8_percent_encode(
        form.token.trim(),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .collect();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{TOKEN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Unknown addresses: JSON under `/api/`, a page elsewhere.
pub async fn not_found(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    if !is_page(uri.path()) {
        return super::api::not_found().await.into_response();
    }
    Frame::new(&headers, "/".to_owned(), "").error(ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no page {}", uri.path()),
    ))
}

async fn asset(Path(name): Path<String>) -> Response {
    let basemap = ("basemap.svg", "image/svg+xml", charts::basemap_svg());
    match ASSETS
        .iter()
        .copied()
        .chain([basemap])
        .find(|(asset, _, _)| *asset == name)
    {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            body,
        )
            .into_response(),
        None => ApiError::new(StatusCode::NOT_FOUND, format!("no asset {name:?}")).into_response(),
    }
}

/// Keeps [`MAX_LIMIT`] and the page size in step: a page never asks the
/// archive for more than the API allows.
const _: () = assert!(PAGE_SIZE <= MAX_LIMIT);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compile() {
        for (name, _) in TEMPLATES {
            TEMPLATE_ENV.get_template(name).unwrap();
        }
    }

    #[test]
    fn search_form_round_trips_through_the_address() {
        let form = SearchForm::parse(Some(
            "q=blocus+carburant&entity=jnim&entity=kayes&lang=fr&from=2026-11-01&sort=date&page=2",
        ))
        .unwrap();
        assert_eq!(form.entities, ["jnim", "kayes"]);
        assert_eq!(
            form.query(),
            "(blocus carburant) (entity:\"jnim\" OR entity:\"kayes\") lang:\"fr\" since:2026-11-01"
        );
        let again = SearchForm::parse(form.href().strip_prefix("/?")).unwrap();
        assert_eq!(again, form);
        let narrowed = form.with(|form| form.sources.push("studio-tamani".to_owned()));
        assert!(narrowed.contains("source=studio-tamani") && !narrowed.contains("page="));
    }

    #[test]
    fn search_form_refuses_what_it_cannot_mean() {
        for bad in [
            "limit=5",
            "from=yesterday",
            "page=0",
            "page=x",
            "sort=best",
            "entity=a%22+OR+x",
        ] {
            assert!(SearchForm::parse(Some(bad)).is_err(), "{bad}");
        }
        assert!(SearchForm::parse(None).unwrap().is_empty());
    }

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path(Some("/feeds?x=1".into())), "/feeds?x=1");
        for outside in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "feeds",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(outside.into())), "/", "{outside}");
        }
    }

    #[test]
    fn cookies_are_read_and_decoded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "veille_lang=en; veille_token=a%3Bb%20c".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, TOKEN_COOKIE).as_deref(), Some("a;b c"));
        assert_eq!(cookie(&headers, "other"), None);
    }
}
