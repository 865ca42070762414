//! The same story through several doors is stored once; a restart stores
//! nothing twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{Reply, Setup, TestServer, long_text, rss, text};

fn two_feeds(server: &TestServer) -> Setup {
    Setup::with_feeds(
        "",
        &[("a", &server.url("/a.xml")), ("b", &server.url("/b.xml"))],
    )
}

#[tokio::test]
async fn a_story_in_two_feeds_is_stored_once_with_both_sources() {
    let story = long_text("Attaque contre un convoi de citernes entre Kayes et Diboli");
    let wire = long_text("Des déplacés arrivent à Bakel après les combats de Yélimané");
    let feed_a = rss(
        "A",
        &[
            (
                "a-1",
                "Convoi attaqué",
                "https://www.news.example/2026/convoi?utm_source=rss&utm_medium=a",
                &story,
            ),
            (
                "a-2",
                "Déplacés à Bakel",
                "https://a.example/wire/123",
                &wire,
            ),
        ],
    );
    let feed_b = rss(
        "B",
        &[
            (
                "b-9",
                "Convoi attaqué près de Diboli",
                "https://news.example/2026/convoi?xtor=RSS-3#top",
                &story,
            ),
            // The same wire copy under another outlet's URL.
            (
                "b-10",
                "Déplacés à Bakel",
                "https://b.example/afrique/deplaces",
                &wire,
            ),
            (
                "b-11",
                "Autre sujet",
                "https://b.example/afrique/autre",
                &long_text("Kédougou"),
            ),
        ],
    );
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/a.xml" => Reply::ok("application/rss+xml", feed_a.clone()),
        "/b.xml" => Reply::ok("application/rss+xml", feed_b.clone()),
        _ => Reply::status(404),
    });
    let setup = two_feeds(&server);
    let pipeline = setup.pipeline();
    let config = setup.config();
    let first = pipeline.poll(&config.feeds[0]).await;
    let second = pipeline.poll(&config.feeds[1]).await;
    assert_eq!((first.new, first.duplicate), (2, 0), "{first:?}");
    assert_eq!((second.new, second.duplicate), (1, 2), "{second:?}");

    let documents = pipeline.store.documents_after(0, 10).unwrap();
    assert_eq!(documents.len(), 3);
    let convoy = documents
        .iter()
        .find(|d| d.title == "Convoi attaqué")
        .unwrap();
    assert_eq!(convoy.sources, vec!["a", "b"]);
    assert_eq!(convoy.canonical_url, "https://news.example/2026/convoi");
    let displaced = documents
        .iter()
        .find(|d| d.title == "Déplacés à Bakel")
        .unwrap();
    assert_eq!(displaced.sources, vec!["a", "b"]);
}

#[test]
fn a_restart_re_ingests_nothing() {
    // No validators, and bytes that change on every request: each run must
    // parse the whole feed again and still store nothing twice.
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let server = TestServer::start(move |request| {
        let items: Vec<(String, String, String, String)> = (1..=5)
            .map(|n| {
                (
                    format!("item-{n}"),
                    format!("Dépêche {n}"),
                    format!("https://x.example/{n}"),
                    long_text(&format!("Dépêche numéro {n} sur Nioro du Sahel")),
                )
            })
            .collect();
        let refs: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect();
        match request.path.as_str() {
            "/a.xml" | "/b.xml" => {
                let call = counter.fetch_add(1, Ordering::SeqCst);
                let body =
                    rss("x", &refs).replace("</channel>", &format!("<!-- {call} --></channel>"));
                Reply::ok("application/rss+xml", body)
            }
            _ => Reply::status(404),
        }
    });
    let setup = two_feeds(&server);

    let first = setup.veille(&["fetch"]);
    let first_out = text(&first.stdout);
    assert!(
        first.status.success(),
        "{first_out}\n{}",
        text(&first.stderr)
    );
    assert!(
        first_out.contains("5 new documents, 5 duplicates"),
        "{first_out}"
    );

    let second = setup.veille(&["fetch"]);
    let second_out = text(&second.stdout);
    assert!(
        second.status.success(),
        "{second_out}\n{}",
        text(&second.stderr)
    );
    assert!(
        second_out.contains("0 new documents, 0 duplicates"),
        "{second_out}"
    );
    assert!(second_out.contains("already seen"), "{second_out}");
    assert_eq!(served.load(Ordering::SeqCst), 4);
}

#[test]
fn a_malformed_feed_is_reported_while_others_update() {
    let good = rss(
        "ok",
        &[("1", "Kayes", "https://x.example/1", &long_text("Kayes"))],
    );
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/a.xml" => Reply::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><item><title>cut",
        ),
        "/b.xml" => Reply::ok("application/rss+xml", good.clone()),
        _ => Reply::status(404),
    });
    let setup = two_feeds(&server);
    let output = setup.veille(&["fetch"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let line_a = stdout.lines().find(|line| line.starts_with("a ")).unwrap();
    let line_b = stdout.lines().find(|line| line.starts_with("b ")).unwrap();
    assert!(line_a.contains("failed: not a valid feed"), "{line_a}");
    assert!(line_b.contains("1 new"), "{line_b}");

    let pipeline = setup.pipeline();
    let status = pipeline.store.feed_status("a").unwrap().unwrap();
    assert!(status.error.unwrap().contains("not a valid feed"));
    assert!(status.last_success.is_none());
    assert!(
        pipeline
            .store
            .feed_status("b")
            .unwrap()
            .unwrap()
            .error
            .is_none()
    );
}

#[tokio::test]
async fn items_sharing_a_link_or_a_front_page_canonical_stay_apart() {
    // Every page claims the site's front page as its canonical URL, as some
    // CMS themes do; and a radio feed links every bulletin to its show page.
    let page = |text: &str| {
        format!(
            "<html><head><link rel=\"canonical\" href=\"https://radio.example/\"></head><body><article><h1>{text}</h1><p>{}</p></article></body></html>",
            long_text(text)
        )
    };
    let pages: Vec<String> = ["Kayes", "Nioro"].iter().map(|t| page(t)).collect();
    let feed_body = Arc::new(std::sync::Mutex::new(String::new()));
    let served = feed_body.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", served.lock().unwrap().clone()),
        "/news/kayes" => Reply::ok("text/html", pages[0].clone()),
        "/news/nioro" => Reply::ok("text/html", pages[1].clone()),
        _ => Reply::status(404),
    });
    let (kayes, nioro, show) = (
        server.url("/news/kayes"),
        server.url("/news/nioro"),
        server.url("/show"),
    );
    *feed_body.lock().unwrap() = rss(
        "radio",
        &[
            ("1", "Kayes", &kayes, "Court."),
            ("2", "Nioro", &nioro, "Court."),
            ("3", "Journal de 7h", &show, "Bulletin du lundi."),
            ("4", "Journal de 7h", &show, "Bulletin du mardi."),
            ("5", "Journal de 7h", &show, "Bulletin du mercredi."),
        ],
    );
    let setup = Setup::with_feeds("", &[("radio", &server.url("/feed.xml"))]);
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert_eq!((report.new, report.duplicate), (5, 0), "{report:?}");
    // The show page was fetched for the first bulletin only.
    assert_eq!(server.requests_for("/show").len(), 1);
    let documents = pipeline.store.documents_after(0, 10).unwrap();
    assert!(
        documents
            .iter()
            .all(|d| d.canonical_url != "https://radio.example/")
    );
}
