//! The search page at `/`: the form, the filters in force, facets, a
//! timeline, a map and a page of hits.

mod form;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::charts::{self, Bar, Label, Point, TimelineChart};
use super::i18n::Lang;
use super::reading::{self, Piece};
use super::request::{encode, path_and_query};
use super::{Frame, Linked};
use crate::alerts::digest::link;
use crate::archive::{
    ArchiveError, EntityCount, MAX_LIMIT, ResultPage, Search, SearchResults, SortOrder,
    TIMELINE_SERIES, is_actor,
};
use crate::server::AppState;
use crate::server::api::{ApiError, blocking, internal};
pub(crate) use form::SearchForm;
use form::{Facet, MAX_PAGE, PAGE_SIZE};

/// Keeps [`MAX_LIMIT`] and the page size in step: a page never asks the
/// archive for more than the API allows.
const _: () = assert!(PAGE_SIZE <= MAX_LIMIT);

/// What `search.html` shows. On an error only the form, the filters and
/// the error: `results` is absent.
#[derive(Serialize)]
struct SearchPage {
    form: FormView,
    chips: Vec<Chip>,
    error: Option<QueryErrorView>,
    #[serde(flatten)]
    results: Option<ResultsView>,
}

/// The form's fields as the reader left them.
#[derive(Serialize)]
struct FormView {
    q: String,
    from: String,
    to: String,
    sort: Option<&'static str>,
    /// The filters the search box's form carries along: (name, value).
    hidden: Vec<(&'static str, String)>,
}

/// Why the search did not run; `column` only for what the reader typed.
#[derive(Serialize)]
struct QueryErrorView {
    message: String,
    column: Option<usize>,
}

/// A filter in force, with the link that removes it.
#[derive(Serialize)]
struct Chip {
    label: String,
    kind: String,
    href: String,
}

#[derive(Serialize)]
struct ResultsView {
    total: usize,
    /// Nothing asked: the archive's whole content.
    everything: bool,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    timeline: Option<TimelineView>,
    legend: Vec<LegendEntry>,
    map: MapView,
    pager: Pager,
    sorts: Vec<SortLink>,
    /// The export of the same search.
    export: String,
}

#[derive(Serialize)]
struct HitView {
    id: i64,
    title: String,
    url: String,
    /// The sources' names.
    sources: Vec<String>,
    language: Option<String>,
    published: String,
    published_is_fetch_time: bool,
    kind: String,
    snippet: Vec<Piece>,
    timecode: Option<TimecodeView>,
    entities: Vec<EntityChip>,
}

#[derive(Serialize)]
struct TimecodeView {
    label: String,
    speaker: Option<String>,
    audio_link: Option<String>,
}

/// An entity named by a hit, linking to the search narrowed to it.
#[derive(Serialize)]
struct EntityChip {
    name: String,
    kind: &'static str,
    href: String,
}

/// One facet's values, `key` naming the facet for the template.
#[derive(Serialize)]
struct FacetView {
    key: &'static str,
    values: Vec<FacetValue>,
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

/// The timeline and its bars, each bar linking to its days.
#[derive(Serialize)]
struct TimelineView {
    chart: TimelineChart,
    bars: Vec<Linked<Bar>>,
}

#[derive(Serialize)]
struct LegendEntry {
    series: usize,
    name: String,
    kind: String,
    href: String,
}

#[derive(Serialize)]
struct MapView {
    width: f64,
    height: f64,
    labels: Vec<Label>,
    points: Vec<Linked<Point>>,
    outside: usize,
}

#[derive(Serialize)]
struct Pager {
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct SortLink {
    name: &'static str,
    active: bool,
    href: String,
}

pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let frame = Frame::new(&headers, path_and_query("/", raw.as_deref()), "search");
    let form = match SearchForm::parse(raw.as_deref()) {
        Ok(form) => form,
        Err(message) => return frame.error(ApiError::new(StatusCode::BAD_REQUEST, message)),
    };
    let lang = frame.lang;
    let page = blocking(move || search_page(&state, form, lang)).await;
    match page {
        Ok((status, page)) => frame.render("search.html", status, &page),
        Err(error) => frame.error(error),
    }
}

fn search_page(
    state: &AppState,
    form: SearchForm,
    lang: Lang,
) -> Result<(StatusCode, SearchPage), ApiError> {
    let live = state.live();
    let feed_names: HashMap<&str, &str> = live
        .feeds
        .iter()
        .map(|feed| (feed.id.as_str(), feed.name.as_str()))
        .collect();
    let source_name = |id: &str| feed_names.get(id).map_or(id, |name| *name).to_owned();
    let mut page = SearchPage {
        form: FormView {
            q: form.q.clone(),
            from: form.from.clone(),
            to: form.to.clone(),
            sort: form.sort.map(SortOrder::name),
            hidden: form.hidden_fields(),
        },
        chips: active_filters(&form, &live.search, &source_name),
        error: None,
        results: None,
    };
    // The typed query is parsed alone, so its parentheses cannot swallow
    // the filters (`a) OR (b` beside `entity:jnim`), and its errors point
    // at a column of what the reader typed.
    let context = live.search.context(chrono::Utc::now());
    let typed = match crate::archive::query::parse(&form.q, &context) {
        Ok(typed) => typed,
        Err(error) => {
            page.error = Some(QueryErrorView {
                message: error.message,
                column: Some(error.column),
            });
            return Ok((StatusCode::BAD_REQUEST, page));
        }
    };
    let query = form.query(typed, &context).map_err(ArchiveError::Query);
    let results = query.and_then(|query| {
        let results = live.search.search_expr(
            &state.store,
            &query,
            ResultPage {
                limit: PAGE_SIZE,
                offset: (form.page - 1) * PAGE_SIZE,
                sort: form.sort,
            },
        )?;
        Ok((query, results))
    });
    let (query, results) = match results {
        Ok(found) => found,
        Err(ArchiveError::Query(error)) => {
            // In the filters, which the reader did not type, or in a word
            // that cannot be searched: no column.
            page.error = Some(QueryErrorView {
                message: error.message,
                column: None,
            });
            return Ok((StatusCode::BAD_REQUEST, page));
        }
        Err(other) => return Err(internal(other)),
    };
    let timeline = timeline(&live.search, &form, &query, &results)?;
    page.results = Some(results_view(
        &form,
        results,
        timeline,
        lang,
        &live.search,
        &source_name,
    ));
    Ok((StatusCode::OK, page))
}

/// The timeline of the matches, split by the actors most named in them,
/// its bars and legend linking to the search narrowed to them.
fn timeline(
    search: &Search,
    form: &SearchForm,
    query: &crate::archive::Expr,
    results: &SearchResults,
) -> Result<(Option<TimelineView>, Vec<LegendEntry>), ApiError> {
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
    let timeline = search.timeline(query, series).map_err(internal)?;
    let chart = charts::timeline(&timeline).map(|chart| {
        let bars = chart
            .bars
            .iter()
            .map(|bar| {
                let href = form.with(|form| {
                    form.from.clone_from(&bar.from);
                    form.to.clone_from(&bar.to);
                });
                Linked::new(bar.clone(), href)
            })
            .collect();
        TimelineView { chart, bars }
    });
    let legend = timeline
        .series
        .into_iter()
        .enumerate()
        .map(|(index, entity)| LegendEntry {
            series: index,
            href: form.with_entity(&entity.id),
            name: entity.name,
            kind: entity.kind,
        })
        .collect();
    Ok((chart, legend))
}

fn results_view(
    form: &SearchForm,
    results: SearchResults,
    (timeline, legend): (Option<TimelineView>, Vec<LegendEntry>),
    lang: Lang,
    search: &Search,
    source_name: &dyn Fn(&str) -> String,
) -> ResultsView {
    let map = charts::map(&results.places, lang);
    let map = MapView {
        width: map.width,
        height: map.height,
        labels: map.labels,
        points: map
            .points
            .into_iter()
            .map(|point| {
                let href = form.with_entity(&point.id);
                Linked::new(point, href)
            })
            .collect(),
        outside: map.outside,
    };
    let entity_facet = |kind: &'static str| FacetView {
        key: kind,
        values: facet_values(
            form,
            Facet::Entity,
            results
                .facets
                .entities
                .get(kind)
                .into_iter()
                .flatten()
                .map(|entity| (entity.id.clone(), entity.name.clone(), entity.count)),
        ),
    };
    let facets =
        vec![
            entity_facet("armed_group"),
            entity_facet("person"),
            entity_facet("force"),
            entity_facet("place"),
            FacetView {
                key: "source",
                values: facet_values(
                    form,
                    Facet::Source,
                    results
                        .facets
                        .sources
                        .iter()
                        .map(|count| (count.value.clone(), source_name(&count.value), count.count)),
                ),
            },
            FacetView {
                key: "language",
                values: facet_values(
                    form,
                    Facet::Lang,
                    results.facets.languages.iter().map(|count| {
                        (count.value.clone(), count.value.to_uppercase(), count.count)
                    }),
                ),
            },
        ];
    let gazetteer = search.gazetteer();
    let pages = results.total.div_ceil(PAGE_SIZE).clamp(1, MAX_PAGE);
    let hits = results
        .hits
        .into_iter()
        .map(|hit| HitView {
            snippet: reading::snippet(&hit.snippet),
            entities: hit
                .entities
                .iter()
                .filter_map(|id| gazetteer.get(id))
                .map(|entity| EntityChip {
                    name: entity.name.clone(),
                    kind: entity.kind.as_str(),
                    href: form.with_entity(&entity.id),
                })
                .collect(),
            sources: hit.sources.iter().map(|id| source_name(id)).collect(),
            timecode: hit.timecode.map(|timecode| TimecodeView {
                label: timecode.label,
                speaker: timecode.speaker,
                audio_link: timecode.audio_link.as_deref().map(link),
            }),
            id: hit.id,
            title: hit.title,
            url: hit.url,
            language: hit.language,
            published: hit.published,
            published_is_fetch_time: hit.published_is_fetch_time,
            kind: hit.kind,
        })
        .collect();
    let sorts = [SortOrder::Relevance, SortOrder::Date]
        .into_iter()
        .map(|sort| SortLink {
            name: sort.name(),
            active: results.sort == sort,
            href: form.with(|form| form.sort = Some(sort)),
        })
        .collect();
    ResultsView {
        total: results.total,
        everything: form.is_empty(),
        hits,
        facets,
        timeline,
        legend,
        map,
        pager: Pager {
            page: form.page,
            pages,
            previous: (form.page > 1).then(|| form.on_page(form.page - 1)),
            next: (form.page < pages).then(|| form.on_page(form.page + 1)),
        },
        sorts,
        export: format!("/api/export?q={}", encode(&form.export_text())),
    }
}

fn facet_values(
    form: &SearchForm,
    facet: Facet,
    counts: impl IntoIterator<Item = (String, String, u64)>,
) -> Vec<FacetValue> {
    let chosen = form.chosen(facet);
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

/// The filters in force, each with the link that removes it.
fn active_filters(
    form: &SearchForm,
    search: &Search,
    source_name: &dyn Fn(&str) -> String,
) -> Vec<Chip> {
    let mut chips = Vec::new();
    for facet in Facet::ALL {
        for value in form.chosen(facet) {
            let (label, kind) = match facet {
                Facet::Entity => search.gazetteer().get(value).map_or_else(
                    || (value.clone(), "unknown".to_owned()),
                    |entity| (entity.name.clone(), entity.kind.as_str().to_owned()),
                ),
                Facet::Source => (source_name(value), "source".to_owned()),
                Facet::Lang | Facet::Kind => (value.clone(), facet.key().to_owned()),
            };
            chips.push(Chip {
                label,
                kind,
                href: form.with(|form| form.values(facet).retain(|chosen| chosen != value)),
            });
        }
    }
    chips
}
