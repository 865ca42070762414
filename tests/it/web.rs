//! The web page over HTTP: what it sends a browser (languages, links that
//! narrow a search, error pages, the Content-Security-Policy, the login
//! form in front of a token), on the daemon loaded with the sample corpus
//! and one hostile feed. `browser.rs` drives the same pages in Chromium.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::daemon::{self, Daemon, wait_until};
use crate::support::{Reply, Setup, TestServer, rss, shipped_with};

/// A feed item's title written to run script wherever it is not escaped.
pub const HOSTILE_TITLE: &str =
    "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> Alerte à Diboli";

/// The hostile feed: a title and a text that try to become markup. The
/// XML escapes them once, so the parsed item holds the tags as text.
fn hostile_server() -> TestServer {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let text = format!(
        "{} {}",
        "Des hommes armés ont bloqué la route de Diboli à Kayes.",
        crate::support::long_text("blocus carburant Diboli")
    );
    let body = rss(
        "Hostile",
        &[(
            "hostile-1",
            &escape(&escape(HOSTILE_TITLE)),
            "http://127.0.0.1:9/hostile-1",
            &escape(&format!(
                "{} {text}",
                escape("<b onmouseover=alert(1)>gras</b>")
            )),
        )],
    );
    TestServer::start(move |_| Reply::ok("application/rss+xml", body.clone()))
}

/// The shipped samples plus the hostile feed, on a port of the system's
/// choosing, fetched once so the daemon starts on a full record; `config`
/// is appended (a `[server]` token setting, say).
fn sample_setup(hostile: &TestServer, server: &str) -> Setup {
    let setup = shipped_with(&format!(
        "[[feed]]\nid = \"hostile\"\nname = \"Hostile feed\"\nurl = \"{}\"\nlanguage = \"fr\"\n",
        hostile.url("/feed.xml")
    ));
    let config = std::fs::read_to_string(&setup.config_path)
        .unwrap()
        .replace(
            "bind = \"127.0.0.1:8080\"",
            &format!("bind = \"127.0.0.1:0\"\n{server}"),
        );
    std::fs::write(&setup.config_path, config).unwrap();
    let fetched = setup.veille(&["fetch"]);
    assert!(
        fetched.status.success(),
        "{}",
        crate::support::text(&fetched.stderr)
    );
    setup
}

/// Starts the daemon on `setup` and waits until its index holds the
/// record.
fn sample_daemon(setup: &Setup, env: &[(&str, &str)], bearer: Option<&str>) -> Daemon {
    let daemon = Daemon::start_with_env(setup, env);
    let auth = bearer.map(|token| format!("Bearer {token}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|auth| vec![("Authorization", auth)])
        .unwrap_or_default();
    let indexed = wait_until(Duration::from_secs(60), || {
        let (status, _, body) = daemon.request("/api/search?limit=0", &headers);
        status == 200
            && serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
                .as_u64()
                .unwrap_or(0)
                >= 45
    });
    assert!(indexed, "the samples were not indexed:\n{}", daemon.log());
    daemon
}

/// [`daemon::call`] with the body as a page reads: the templates escape
/// `/` and `'` too, and those two are turned back so assertions read like
/// the page (`<` and `"` stay escaped, so markup cannot appear by this).
fn call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    form: Option<&[(&str, &str)]>,
) -> (u16, HashMap<String, String>, String) {
    let (status, headers, body) = daemon::call(method, url, headers, form);
    let body = body.replace("&#x2f;", "/").replace("&#x27;", "'");
    (status, headers, body)
}

/// A daemon on the samples and the hostile feed, with what it runs on.
pub struct Sample {
    pub daemon: Daemon,
    _setup: Setup,
    _hostile: TestServer,
}

impl Sample {
    /// `server` goes into `[server]`; `env` and `bearer` reach the daemon.
    pub fn start(server: &str, env: &[(&str, &str)], bearer: Option<&str>) -> Sample {
        let hostile = hostile_server();
        let setup = sample_setup(&hostile, server);
        let daemon = sample_daemon(&setup, env, bearer);
        Sample {
            daemon,
            _setup: setup,
            _hostile: hostile,
        }
    }

    /// GETs a page as a browser asking for `language` would.
    fn page(&self, path: &str, language: &str) -> (u16, HashMap<String, String>, String) {
        let url = format!("{}{path}", self.daemon.api);
        call("GET", &url, &[("Accept-Language", language)], None)
    }
}

/// The page's policy: only its own script and style, nothing inline.
fn assert_page_policy(headers: &HashMap<String, String>) {
    let policy = &headers["content-security-policy"];
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-type"].starts_with("text/html"));
}

#[test]
fn pages_speak_french_first_and_narrow_searches_by_their_links() {
    let sample = Sample::start("", &[], None);
    let page = |path: &str, language: &str| sample.page(path, language);

    // No preference we speak: French.
    let (status, headers, french) = page("/", "de-DE,de;q=0.9");
    assert_eq!(status, 200, "{french}");
    assert_page_policy(&headers);
    assert!(french.contains("<html lang=\"fr\">"));
    assert!(french.contains("documents dans l'archive"), "{french}");
    let (_, _, english) = page("/", "en-GB,en;q=0.9,fr;q=0.5");
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("documents in the archive"));

    // The everything-page draws the timeline and the map, and offers the
    // sample's armed groups as facets.
    assert!(
        french.contains("class=\"timeline-chart\"") && french.contains("<rect class=\"series-")
    );
    assert!(french.contains("class=\"map-chart\"") && french.contains("<circle"));
    assert!(french.contains("data-value=\"jnim\""), "no JNIM facet");

    // A facet's link adds the filter; the page it leads to counts fewer
    // documents, all of them naming JNIM, and offers a link to remove it.
    let (_, _, filtered) = page("/?entity=jnim", "fr");
    let total = |html: &str| -> u64 {
        let at = html.find("class=\"total\">").expect("a total") + 14;
        html[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    assert!(total(&filtered) < total(&french));
    assert!(total(&filtered) >= 10);
    assert!(filtered.contains("documents correspondent"));
    assert!(filtered.contains("class=\"chip type-armed_group removable\" href=\"/\""));

    // The address holds the whole search, so it can be shared.
    let (status, _, shared) = page(
        "/?q=blocus&entity=kayes&lang=fr&from=2026-11-01&to=2026-11-30&sort=date",
        "fr",
    );
    assert_eq!(status, 200);
    assert!(shared.contains("value=\"blocus\""));
    assert!(
        shared.contains("<mark>blocus</mark>"),
        "the snippet marks the word"
    );
    assert!(shared.contains("name=\"from\" value=\"2026-11-01\""));

    // A document: its mentions marked by type, its sources listed.
    let id = {
        let at = french.find("href=\"/documents/").unwrap() + 17;
        french[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    };
    let (status, headers, document) = page(&format!("/documents/{id}"), "fr");
    assert_eq!(status, 200, "{document}");
    assert_page_policy(&headers);
    assert!(document.contains("class=\"mention type-"), "{document}");
    assert!(document.contains("Sources ("));

    // Feeds and alerts.
    let (status, _, feeds) = page("/feeds", "fr");
    assert_eq!(status, 200);
    assert!(feeds.contains("Les Échos du Kayes (sample)") && feeds.contains("en service"));
    let (status, _, alerts) = page("/alerts", "en");
    assert_eq!(status, 200, "{alerts}");
    assert!(alerts.contains("jnim-west") && alerts.contains("Backtest"));
    let (status, _, backtest) = page("/alerts/backtest?rule=jnim-west&since=2026-01-01", "en");
    assert_eq!(status, 200, "{backtest}");
    assert!(backtest.contains("class=\"summary backtest-result\""));
    assert!(backtest.contains("href=\"/documents/"), "{backtest}");
    let (status, _, rule) = page("/alerts/jnim-west", "fr");
    assert_eq!(status, 200, "{rule}");
    assert!(rule.contains("Tous les résultats"));

    // The static files.
    for (path, kind) in [
        ("/assets/app.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/basemap.svg", "image/svg+xml"),
    ] {
        let (status, headers, body) = page(path, "fr");
        assert_eq!(status, 200, "{path}");
        assert!(headers["content-type"].starts_with(kind), "{path}");
        assert!(body.len() > 500, "{path}");
    }
    sample.daemon.stop();
}

#[test]
fn bad_requests_get_a_page_that_says_why() {
    let sample = Sample::start("", &[], None);
    let page = |path: &str| sample.page(path, "fr");
    // A query that does not parse: 400, the reason, its column in the box.
    let (status, headers, body) = page("/?q=%22Kayes");
    assert_eq!(status, 400);
    assert_page_policy(&headers);
    assert!(body.contains("Requête invalide"), "{body}");
    assert!(body.contains("colonne 1"), "{body}");
    for (path, reason) in [
        ("/?limit=5", "unknown parameter"),
        ("/?from=hier", "is not a date"),
        ("/?page=0", "page"),
        ("/?sort=best", "unknown sort"),
        ("/documents/abc", "not a document number"),
        ("/alerts/backtest?rule=jnim-west&since=yesterday", "30d"),
        ("/alerts/backtest?rule=sources-dark", "nothing to backtest"),
        (
            "/alerts/backtest?rule=jnim-west&since=2000-01-01",
            "366 days",
        ),
        ("/alerts/jnim-west?offset=18446744073709551615", "offset"),
        // The typed query cannot swallow the filters beside it.
        ("/?q=a)%20OR%20(b&entity=jnim", "Requête invalide"),
    ] {
        let (status, _, body) = page(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(reason), "{path}: {body}");
    }
    for path in ["/documents/999999", "/alerts/nope", "/nowhere"] {
        let (status, headers, body) = page(path);
        assert_eq!(status, 404, "{path}");
        assert!(headers["content-type"].starts_with("text/html"));
        assert!(body.contains("Page introuvable"), "{path}: {body}");
    }
    // Under /api/ a miss stays JSON.
    let (status, headers, _) = page("/api/nowhere");
    assert_eq!(status, 404);
    assert!(headers["content-type"].starts_with("application/json"));
    sample.daemon.stop();
}

#[test]
fn the_language_switch_remembers_and_never_sends_a_reader_elsewhere() {
    let sample = Sample::start("", &[], None);
    let daemon = &sample.daemon;
    let (status, headers, _) = call(
        "GET",
        &format!("{}/lang/en?back=%2Ffeeds%3Fx%3D1", daemon.api),
        &[],
        None,
    );
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/feeds?x=1");
    assert!(headers["set-cookie"].starts_with("veille_lang=en;"));
    let (_, _, page) = call(
        "GET",
        &format!("{}/feeds", daemon.api),
        &[("Cookie", "veille_lang=en"), ("Accept-Language", "fr")],
        None,
    );
    assert!(
        page.contains("<html lang=\"en\">"),
        "the choice beats the browser"
    );
    for outside in ["%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example%2F"] {
        let (status, headers, _) = call(
            "GET",
            &format!("{}/lang/fr?back={outside}", daemon.api),
            &[],
            None,
        );
        assert_eq!(status, 303);
        assert_eq!(headers["location"], "/", "{outside}");
    }
    let (status, _, _) = call("GET", &format!("{}/lang/de", daemon.api), &[], None);
    assert_eq!(status, 404);
    sample.daemon.stop();
}

#[test]
fn hostile_feed_text_reaches_the_page_as_text() {
    let sample = Sample::start("", &[], None);
    let daemon = &sample.daemon;
    // The record keeps the title as the feed wrote it, tags and all.
    let found = daemon.json("/api/search?q=source:hostile", 200);
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["title"], HOSTILE_TITLE);
    let id = found["hits"][0]["id"].as_i64().unwrap();
    for path in [
        "/?source=hostile".to_owned(),
        "/?q=Diboli".to_owned(),
        format!("/documents/{id}"),
        "/alerts".to_owned(),
    ] {
        let (status, _, page) = call("GET", &format!("{}{path}", daemon.api), &[], None);
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("<script>window"),
            "{path} carries the script"
        );
        assert!(!page.contains("<img src=x"), "{path} carries the image");
        assert!(!page.contains("<b onmouseover"), "{path} carries the bold");
        // The only scripts are the page's own file.
        assert_eq!(page.matches("<script").count(), 1, "{path}");
    }
    let (_, _, page) = call("GET", &format!("{}/documents/{id}", daemon.api), &[], None);
    assert!(
        page.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
        "{page}"
    );
    sample.daemon.stop();
}

#[test]
fn a_token_sends_browsers_to_a_login_form_that_sets_a_cookie() {
    let token = "web-token-for-tests; with spaces 0123";
    let sample = Sample::start(
        "token_env = \"VEILLE_WEB_TOKEN\"",
        &[("VEILLE_WEB_TOKEN", token)],
        Some(token),
    );
    let daemon = &sample.daemon;
    let url = |path: &str| format!("{}{path}", daemon.api);

    // A page without the token: to the form, and back after.
    let (status, headers, _) = call("GET", &url("/feeds?x=1"), &[], None);
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/login?back=%2Ffeeds%3Fx%3D1");
    // The API still answers 401, for scripts.
    let (status, _, _) = call("GET", &url("/api/feeds"), &[], None);
    assert_eq!(status, 401);
    // The form, its style and the switch need no token.
    for path in ["/login", "/assets/app.css", "/lang/en"] {
        let (status, _, _) = call("GET", &url(path), &[], None);
        assert!(status == 200 || status == 303, "{path}: {status}");
    }
    let (status, _, form) = call("GET", &url("/login?back=%2Ffeeds"), &[], None);
    assert_eq!(status, 200);
    assert!(form.contains("name=\"back\" value=\"/feeds\""));

    let (status, _, refused) = call(
        "POST",
        &url("/login"),
        &[],
        Some(&[("token", "not-the-token-at-all-0000"), ("back", "/feeds")]),
    );
    assert_eq!(status, 401);
    assert!(refused.contains("role=\"alert\""));

    let (status, headers, _) = call(
        "POST",
        &url("/login"),
        &[],
        Some(&[("token", token), ("back", "/feeds")]),
    );
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/feeds");
    let cookie = headers["set-cookie"].clone();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let (status, _, feeds) = call("GET", &url("/feeds"), &[("Cookie", &pair)], None);
    assert_eq!(status, 200);
    assert!(feeds.contains("Hostile feed"));
    // A forged cookie is no token.
    let (status, _, _) = call(
        "GET",
        &url("/feeds"),
        &[("Cookie", "veille_token=guess")],
        None,
    );
    assert_eq!(status, 303);
    sample.daemon.stop();
}
