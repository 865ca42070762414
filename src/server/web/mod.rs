//! The analyst's web page, served at `/` by `veille run`: search with
//! facets, a timeline and a map ([`search`]); documents with their
//! entities marked ([`document`]); the feeds' health ([`sources`]); the
//! alert rules with a backtest ([`alerts`]); the token's login form
//! ([`login`]).
//!
//! Pages are rendered on the server from templates embedded in the binary
//! (no CDN, no build step), in French or English. Each page hands its
//! template a typed view (`#[derive(Serialize)]` structs), the one
//! [`Frame`] adds what every page knows. A feed's text reaches a page
//! only through the templates' HTML escaping: nothing from a feed is ever
//! marked safe, and the pages' Content-Security-Policy (see
//! [`super::guard`]) runs no script but the page's own file.

mod alerts;
mod charts;
mod document;
mod i18n;
mod login;
mod reading;
pub(crate) mod request;
mod search;
mod sources;

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State as TemplateState, Value};
use serde::Serialize;

use super::AppState;
use super::api::ApiError;
use i18n::Lang;
use request::{back, encode, local_path};

/// The templates, by name: embedded so the binary is the whole install.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
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

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(search::search))
        .route("/documents/{id}", get(document::document))
        .route("/feeds", get(sources::feeds))
        .route("/alerts", get(alerts::alerts))
        .route("/alerts/backtest", get(alerts::backtest))
        .route("/alerts/{id}", get(alerts::rule))
        .route("/lang/{code}", get(switch_language))
        .route("/login", get(login::login_form).post(login::login))
        .route("/assets/{name}", get(asset))
}

/// Paths a browser may load before it has the token: the login form, its
/// style and script, and the language switch.
pub(crate) fn is_public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/") || path.starts_with("/lang/")
}

/// Whether `path` is a page (which sends a browser to the login form when
/// the token is missing) rather than the API (which answers 401).
pub(crate) fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/") || path == "/healthz" || path == "/metrics")
}

/// `value` with the link a click on it follows.
#[derive(Serialize)]
struct Linked<T> {
    #[serde(flatten)]
    value: T,
    href: String,
}

impl<T> Linked<T> {
    fn new(value: T, href: String) -> Linked<T> {
        Linked { value, href }
    }
}

/// What every page knows: its language, its own address (for the language
/// switch), which tab is open.
struct Frame {
    lang: Lang,
    here: String,
    section: &'static str,
}

/// A page's template context: the frame's part, then the page's own.
#[derive(Serialize)]
struct Context<'a, P> {
    lang: &'static str,
    section: &'static str,
    languages: Vec<LanguageLink>,
    #[serde(flatten)]
    page: &'a P,
}

/// The language switch's entry for one language.
#[derive(Serialize)]
struct LanguageLink {
    code: &'static str,
    href: String,
    current: bool,
}

/// What `error.html` shows.
#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    message: String,
}

impl Frame {
    fn new(headers: &HeaderMap, here: String, section: &'static str) -> Frame {
        Frame {
            lang: Lang::negotiate(headers),
            here,
            section,
        }
    }

    fn render(&self, name: &str, status: StatusCode, page: &impl Serialize) -> Response {
        let context = Context {
            lang: self.lang.code(),
            section: self.section,
            languages: Lang::ALL
                .iter()
                .map(|lang| LanguageLink {
                    code: lang.code(),
                    href: format!("/lang/{}?back={}", lang.code(), encode(&self.here)),
                    current: *lang == self.lang,
                })
                .collect(),
            page,
        };
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
        let page = ErrorPage {
            status: status.as_u16(),
            message: error.message,
        };
        self.render("error.html", status, &page)
    }
}

/// `/lang/{code}?back=…`: remembers the reader's language in a cookie and
/// goes back to the page the switch was on.
async fn switch_language(Path(code): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let Some(lang) = Lang::from_code(&code).filter(|lang| lang.code() == code) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no language {code:?}; the page speaks fr and en"),
        )
        .into_response();
    };
    let mut response = Redirect::to(&local_path(back(raw.as_deref()))).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        i18n::COOKIE,
        lang.code()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Unknown addresses: JSON under `/api/`, a page elsewhere.
pub(crate) async fn not_found(headers: HeaderMap, uri: axum::http::Uri) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compile() {
        for (name, _) in TEMPLATES {
            TEMPLATE_ENV.get_template(name).unwrap();
        }
    }
}
