//! `kind = "html"`: sites without feeds, read from their listing pages on a
//! loopback server; `veille fetch --dry-run`; selector mistakes at check.

use veille::ingest::PollOutcome;
use veille::store::Store;

use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, text};

fn item(slug: &str, title: &str, date: &str) -> String {
    format!(
        r#"<article class="post"><h2><a href="/articles/{slug}.html">{title}</a></h2>
           <time>{date}</time><p class="chapo">Chapô de « {title} ».</p></article>"#
    )
}

fn listing(items: &[String], next: Option<&str>) -> String {
    let next = next
        .map(|href| format!(r#"<a class="next" href="{href}">Page suivante</a>"#))
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Diboli Infos</title></head>
        <body><nav><a href="/">Accueil</a> <a href="/contact.html">Contact</a></nav>
        <div class="liste">{}</div>{next}<footer><a href="/mentions.html">Mentions</a></footer></body></html>"#,
        items.concat()
    )
}

fn article(title: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
        <body><nav>Menu Accueil Politique Sécurité</nav><h1>{title}</h1>
        <div class="article-corps"><p>{}</p></div><aside>Les plus lus : rien à voir.</aside></body></html>"#,
        long_text(title)
    )
}

/// A two-page listing of five stories, each with its page.
fn site() -> TestServer {
    let first = listing(
        &[
            item(
                "douane-diboli",
                "Attaque contre le poste de douane de Diboli",
                "20 novembre 2026",
            ),
            item(
                "route-kayes-diboli",
                "La route Kayes–Diboli fermée la nuit",
                "19/11/2026",
            ),
            item(
                "carburant-diboli",
                "Le litre d'essence à 1 500 francs à Diboli",
                "18 novembre 2026",
            ),
        ],
        Some("/actualites?page=2"),
    );
    let second = listing(
        &[
            item(
                "kidira-commercants",
                "Les commerçants passent à Kidira",
                "10 novembre 2026",
            ),
            item(
                "nioro-menaces",
                "Menaces de la Katiba Macina à Nioro du Sahel",
                "5 novembre 2026",
            ),
        ],
        None,
    );
    TestServer::start(move |request| match request.path.as_str() {
        "/actualites" if request.target.ends_with("?page=2") => {
            Reply::ok("text/html; charset=utf-8", second.clone())
        }
        "/actualites" => Reply::ok("text/html; charset=utf-8", first.clone()),
        path if path.starts_with("/articles/") => {
            let slug = path
                .trim_start_matches("/articles/")
                .trim_end_matches(".html");
            Reply::ok(
                "text/html; charset=utf-8",
                article(&format!("Article {slug}")),
            )
        }
        _ => Reply::status(404),
    })
}

fn html_setup(server: &TestServer, max_pages: u32) -> Setup {
    Setup::new(&format!(
        r#"{FAST_FETCH}
[[feed]]
id = "diboli-infos"
kind = "html"
url = "{}"
timezone = "Africa/Bamako"
content_selector = "div.article-corps"
listing = {{ item = "article.post", link = "h2 a", date = "time", summary = "p.chapo", next = "a.next", max_pages = {max_pages} }}
"#,
        server.url("/actualites")
    ))
}

#[tokio::test]
async fn a_listing_on_loopback_yields_its_items_across_pages() {
    let server = site();
    let setup = html_setup(&server, 2);
    let pipeline = setup.pipeline();
    let feed = setup.config().feeds[0].clone();

    let report = pipeline.poll(&feed).await;
    assert_eq!(report.outcome, PollOutcome::Updated, "{report:?}");
    assert_eq!((report.new, report.pages), (5, 2), "{report:?}");

    let documents = pipeline.store.documents_after(0, 100).unwrap();
    let mut found: Vec<(String, String, String)> = documents
        .iter()
        .map(|d| (d.url.clone(), d.title.clone(), d.published.clone()))
        .collect();
    found.sort();
    let url = |slug: &str| server.url(&format!("/articles/{slug}.html"));
    assert_eq!(
        found,
        [
            (
                url("carburant-diboli"),
                "Le litre d'essence à 1 500 francs à Diboli".to_owned(),
                "2026-11-18T00:00:00Z".to_owned()
            ),
            (
                url("douane-diboli"),
                "Attaque contre le poste de douane de Diboli".to_owned(),
                "2026-11-20T00:00:00Z".to_owned()
            ),
            (
                url("kidira-commercants"),
                "Les commerçants passent à Kidira".to_owned(),
                "2026-11-10T00:00:00Z".to_owned()
            ),
            (
                url("nioro-menaces"),
                "Menaces de la Katiba Macina à Nioro du Sahel".to_owned(),
                "2026-11-05T00:00:00Z".to_owned()
            ),
            (
                url("route-kayes-diboli"),
                "La route Kayes–Diboli fermée la nuit".to_owned(),
                "2026-11-19T00:00:00Z".to_owned()
            ),
        ]
    );
    // The article's text came from its page, through content_selector:
    // no menu, no sidebar.
    let douane = documents
        .iter()
        .find(|d| d.url == url("douane-diboli"))
        .unwrap();
    assert_eq!(douane.extraction, "selector");
    assert!(
        douane.text.starts_with("Article douane-diboli."),
        "{}",
        douane.text
    );
    assert!(!douane.text.contains("plus lus"), "{}", douane.text);
    // The menu and footer links were not taken for stories.
    for request in server.requests() {
        assert!(
            !request.path.contains("contact") && !request.path.contains("mentions"),
            "{}",
            request.path
        );
    }

    // Nothing new on page 1: page 2 is not read again, nothing is stored.
    let before = server.requests_for("/actualites").len();
    let again = pipeline.poll(&feed).await;
    assert_eq!(again.new, 0, "{again:?}");
    let listing_requests = server.requests_for("/actualites").len() - before;
    assert!(listing_requests <= 1, "{listing_requests} listing requests");
}

#[tokio::test]
async fn max_pages_bounds_the_crawl() {
    let server = site();
    let setup = html_setup(&server, 1);
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert_eq!((report.new, report.pages), (3, 1), "{report:?}");
    assert!(
        server
            .requests_for("/actualites")
            .iter()
            .all(|request| !request.target.contains('?')),
        "page 2 was fetched"
    );
}

#[tokio::test]
async fn a_selector_matching_nothing_fails_the_feed() {
    let server = site();
    let setup = Setup::new(&format!(
        "{FAST_FETCH}\n[[feed]]\nid = \"redesigned\"\nkind = \"html\"\nurl = \"{}\"\nlisting = {{ item = \"div.teaser\" }}\n",
        server.url("/actualites")
    ));
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    match &report.outcome {
        PollOutcome::Failed(reason) => assert!(reason.to_string().contains("no item"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    let status = pipeline.store.feed_status("redesigned").unwrap().unwrap();
    assert!(status.error.is_some());
}

#[test]
fn dry_run_shows_the_items_and_stores_nothing() {
    let server = site();
    let setup = html_setup(&server, 2);
    let output = setup.veille(&["fetch", "--feed", "diboli-infos", "--dry-run"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    for title in [
        "Attaque contre le poste de douane de Diboli",
        "Menaces de la Katiba Macina à Nioro du Sahel",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.contains(title))
            .unwrap_or_else(|| panic!("{title} missing from:\n{stdout}"));
        assert!(line.trim_start().starts_with('+'), "{line}");
    }
    assert!(stdout.contains("2026-11-20"), "{stdout}");
    assert!(stdout.contains("from selector"), "{stdout}");
    assert!(stdout.contains("dry run: nothing was stored"), "{stdout}");

    let store = Store::open(&setup.config().storage_dir()).unwrap();
    assert_eq!(store.document_count().unwrap(), 0);
    assert!(store.feed_status("diboli-infos").unwrap().is_none());
    assert_eq!(
        store.validators(&server.url("/actualites")).unwrap(),
        Default::default()
    );

    // A real fetch then stores them all, and a dry run after it calls them seen.
    let fetched = setup.veille(&["fetch", "--feed", "diboli-infos"]);
    assert!(fetched.status.success(), "{}", text(&fetched.stdout));
    let again = text(
        &setup
            .veille(&["fetch", "--feed", "diboli-infos", "--dry-run"])
            .stdout,
    );
    let douane = again
        .lines()
        .find(|line| line.contains("douane-diboli") || line.contains("douane de Diboli"))
        .unwrap();
    assert!(douane.contains("seen before"), "{again}");
}

#[test]
fn check_names_the_feed_key_and_selector_of_each_mistake() {
    let setup = Setup::new(
        r#"[[feed]]
id = "diboli-infos"
kind = "html"
url = "https://diboli.example/actualites"
listing = { item = "article.post", link = "h2 >> a", next = "a.next" }

[[feed]]
id = "no-listing"
kind = "html"
url = "https://kayes.example/"

[[feed]]
id = "radio"
kind = "transcript"
folder = "drop"
file_pattern = "{station}_{day}.vtt"
"#,
    );
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    let file = setup.config_path.display().to_string();
    let at = |line: usize| {
        stderr
            .lines()
            .find(|l| l.contains(&format!("{file}:{line}:")))
            .unwrap_or_else(|| panic!("nothing at line {line}:\n{stderr}"))
            .to_owned()
    };
    let selector = at(5);
    for part in ["diboli-infos", "listing.link", "h2 >> a"] {
        assert!(selector.contains(part), "{part} missing: {selector}");
    }
    assert!(
        stderr.contains("no-listing") && stderr.contains("needs listing"),
        "{stderr}"
    );
    let pattern = at(16);
    for part in ["radio", "file_pattern", "{day}"] {
        assert!(pattern.contains(part), "{part} missing: {pattern}");
    }
}
