//! Fetching against real HTTP servers on loopback: validators, robots.txt,
//! Retry-After, body caps, encodings, repair.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use veille::ingest::{PollOutcome, PollReport};

use crate::support::{Reply, Setup, TestServer, long_text, rss};

/// The reason a poll failed; panics if it did not.
fn failure(report: &PollReport) -> String {
    match &report.outcome {
        PollOutcome::Failed(reason) => reason.to_string(),
        other => panic!("{}: expected a failure, got {other:?}", report.feed_id),
    }
}

fn one_feed(server: &TestServer, path: &str, extra_fetch: &str) -> Setup {
    Setup::with_feeds(extra_fetch, &[("f", &server.url(path))])
}

#[tokio::test]
async fn second_fetch_answered_304_creates_nothing() {
    let body = rss(
        "Kayes",
        &[
            (
                "1",
                "Blocus sur la RN1",
                "http://example.org/1",
                &long_text("Blocus sur la RN1"),
            ),
            (
                "2",
                "Diboli sous pression",
                "http://example.org/2",
                &long_text("Diboli"),
            ),
        ],
    );
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" if request.header("if-none-match") == Some("\"v1\"") => Reply::status(304),
        "/feed.xml" => Reply::ok("application/rss+xml", body.clone())
            .header("ETag", "\"v1\"")
            .header("Last-Modified", "Mon, 02 Nov 2026 08:15:00 GMT"),
        _ => Reply::status(404),
    });
    let setup = one_feed(&server, "/feed.xml", "");
    let pipeline = setup.pipeline();
    let feed = setup.config().feeds[0].clone();

    let first = pipeline.poll(&feed).await;
    assert_eq!(first.outcome, PollOutcome::Updated);
    assert_eq!(first.new, 2);

    let second = pipeline.poll(&feed).await;
    assert_eq!(second.outcome, PollOutcome::NotModified);
    assert_eq!((second.new, second.duplicate), (0, 0));
    assert_eq!(pipeline.store.document_count().unwrap(), 2);

    let feed_requests = server.requests_for("/feed.xml");
    assert_eq!(feed_requests.len(), 2);
    assert_eq!(feed_requests[0].header("if-none-match"), None);
    // Validators go back exactly as received.
    assert_eq!(feed_requests[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        feed_requests[1].header("if-modified-since"),
        Some("Mon, 02 Nov 2026 08:15:00 GMT")
    );
}

#[tokio::test]
async fn robots_txt_disallow_is_honoured() {
    let body = rss("x", &[("1", "t", "http://example.org/1", &long_text("t"))]);
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/robots.txt" => Reply::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/private/feed.xml" | "/public/feed.xml" => Reply::ok("application/rss+xml", body.clone()),
        _ => Reply::status(404),
    });
    let setup = Setup::with_feeds(
        "",
        &[
            ("private", &server.url("/private/feed.xml")),
            ("public", &server.url("/public/feed.xml")),
        ],
    );
    let pipeline = setup.pipeline();
    let config = setup.config();

    let private = pipeline.poll(&config.feeds[0]).await;
    assert!(failure(&private).contains("robots.txt"), "{private:?}");
    assert!(
        server.requests_for("/private/feed.xml").is_empty(),
        "the disallowed URL was requested"
    );

    let public = pipeline.poll(&config.feeds[1]).await;
    assert_eq!(public.outcome, PollOutcome::Updated);
    // robots.txt is cached, not fetched per request.
    assert_eq!(server.requests_for("/robots.txt").len(), 1);

    let status = pipeline.store.feed_status("private").unwrap().unwrap();
    assert!(status.error.unwrap().contains("robots.txt"));
    assert_eq!(status.consecutive_failures, 1);
}

#[tokio::test]
async fn retry_after_on_429_delays_the_retry() {
    let body = rss("x", &[("1", "t", "http://example.org/1", &long_text("t"))]);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" if counter.fetch_add(1, Ordering::SeqCst) == 0 => {
            Reply::status(429).header("Retry-After", "2")
        }
        "/feed.xml" => Reply::ok("application/rss+xml", body.clone()),
        _ => Reply::status(404),
    });
    let setup = one_feed(&server, "/feed.xml", "");
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert_eq!(report.outcome, PollOutcome::Updated, "{report:?}");

    let requests = server.requests_for("/feed.xml");
    assert_eq!(requests.len(), 2);
    let gap = requests[1].at - requests[0].at;
    assert!(
        gap >= Duration::from_millis(1900),
        "retried after {gap:?}, before Retry-After"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_limit_defers_the_feed() {
    let server = TestServer::start(|request| match request.path.as_str() {
        "/feed.xml" => Reply::status(503).header("Retry-After", "3600"),
        _ => Reply::status(404),
    });
    let setup = one_feed(&server, "/feed.xml", "max_retry_after = \"5s\"\n");
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert!(report.failed());
    assert_eq!(
        server.requests_for("/feed.xml").len(),
        1,
        "must not retry within the hour"
    );
    let not_before = report.retry_not_before.expect("retry time recorded");
    assert!(not_before > chrono::Utc::now() + chrono::Duration::minutes(59));
    let status = pipeline.store.feed_status("f").unwrap().unwrap();
    assert_eq!(status.http_status, Some(503));
    assert!(status.retry_not_before.is_some());
}

#[tokio::test]
async fn oversized_bodies_are_cut_and_reported() {
    let big = vec![b'x'; 200 * 1024];
    // 5 MB of zeros gzip to a few KB: the cap must count inflated bytes.
    let bomb = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 5 * 1024 * 1024]).unwrap();
        encoder.finish().unwrap()
    };
    assert!(bomb.len() < 64 * 1024);
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/big.xml" => Reply::ok("application/rss+xml", big.clone()),
        "/bomb.xml" => {
            Reply::ok("application/rss+xml", bomb.clone()).header("Content-Encoding", "gzip")
        }
        _ => Reply::status(404),
    });
    let setup = Setup::with_feeds(
        "max_body_bytes = 65536\n",
        &[
            ("big", &server.url("/big.xml")),
            ("bomb", &server.url("/bomb.xml")),
        ],
    );
    let pipeline = setup.pipeline();
    for feed in &setup.config().feeds {
        let report = pipeline.poll(feed).await;
        assert!(
            failure(&report).contains("max_body_bytes (65536 bytes)"),
            "{report:?}"
        );
        let status = pipeline.store.feed_status(&feed.id).unwrap().unwrap();
        assert!(status.error.unwrap().contains("max_body_bytes"));
    }
    // Not retried: a body too large will be too large again.
    assert_eq!(server.requests_for("/bomb.xml").len(), 1);
}

#[tokio::test]
async fn windows_1252_feeds_decode_correctly() {
    let feed_1252 = |declaration: &[u8]| {
        let mut bytes = declaration.to_vec();
        bytes.extend_from_slice(
            b"<rss version=\"2.0\"><channel><title>c</title><item><guid>1</guid><title>",
        );
        bytes.extend_from_slice(
            b"Enl\xe8vement pr\xe8s de K\xe9dougou \x96 t\xe9moignages</title><description>",
        );
        bytes.extend_from_slice(&b"Un r\xe9cit de d\xe9plac\xe9s. ".repeat(40));
        bytes.extend_from_slice(b"</description></item></channel></rss>");
        bytes
    };
    let by_header = feed_1252(b"<?xml version=\"1.0\"?>");
    let by_declaration = feed_1252(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>");
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/header.xml" => Reply::ok(
            "application/rss+xml; charset=windows-1252",
            by_header.clone(),
        ),
        "/declaration.xml" => Reply::ok("application/rss+xml", by_declaration.clone()),
        _ => Reply::status(404),
    });
    let setup = Setup::with_feeds(
        "",
        &[
            ("header", &server.url("/header.xml")),
            ("declaration", &server.url("/declaration.xml")),
        ],
    );
    let pipeline = setup.pipeline();
    for feed in &setup.config().feeds {
        let report = pipeline.poll(feed).await;
        assert_eq!(
            report.outcome,
            PollOutcome::Updated,
            "{}: {report:?}",
            feed.id
        );
    }
    let documents = pipeline.store.documents_after(0, 10).unwrap();
    // Same title and text from both feeds: one story, two sources.
    assert_eq!(documents.len(), 1, "{documents:?}");
    let document = &documents[0];
    assert_eq!(document.title, "Enlèvement près de Kédougou – témoignages");
    assert!(
        document.text.starts_with("Un récit de déplacés."),
        "{}",
        document.text
    );
    assert_eq!(document.sources, vec!["header", "declaration"]);
    // No date in the items: fetch time, marked as such.
    assert!(document.published_is_fetch_time);
}

#[tokio::test]
async fn bare_ampersand_feed_is_repaired_and_recorded() {
    let body = rss(
        "Sécurité & Défense",
        &[(
            "1",
            "Kayes & Diboli : le blocus",
            "http://example.org/1",
            &long_text("Citernes & convois"),
        )],
    );
    assert!(body.contains(" & "));
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", body.clone()),
        _ => Reply::status(404),
    });
    let setup = one_feed(&server, "/feed.xml", "");
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert_eq!(report.outcome, PollOutcome::Updated, "{report:?}");
    assert!(report.repaired);
    let documents = pipeline.store.documents_after(0, 10).unwrap();
    assert_eq!(documents[0].title, "Kayes & Diboli : le blocus");
    assert!(
        pipeline
            .store
            .feed_status("f")
            .unwrap()
            .unwrap()
            .needed_repair
    );
}

#[tokio::test]
async fn summary_only_entries_get_the_linked_article() {
    let server_page = r#"<!DOCTYPE html><html lang="fr"><head><title>Nioro : les routes coupées</title>
        <link rel="canonical" href="https://journal.example/2026/11/nioro-routes"></head><body>
        <nav><a href="/">Accueil</a> <a href="/politique">Politique</a> <a href="/sport">Sport</a></nav>
        <article><h1>Nioro : les routes coupées</h1>
        <p>Depuis lundi, les axes reliant Nioro du Sahel à Diéma et à la frontière mauritanienne sont coupés par des hommes armés.</p>
        <p>Les transporteurs signalent des camions immobilisés à l'entrée de la ville, faute d'escorte, et les prix du carburant ont doublé en trois jours.</p>
        <p>Les autorités locales appellent au calme et promettent la reprise des convois escortés avant la fin de la semaine.</p>
        </article><footer>© Journal 2026 — Mentions légales — Contact</footer></body></html>"#;
    let body_holder = Arc::new(Mutex::new(String::new()));
    let feed_body = body_holder.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", feed_body.lock().unwrap().clone()),
        "/article.html" => Reply::ok("text/html; charset=utf-8", server_page),
        _ => Reply::status(404),
    });
    *body_holder.lock().unwrap() = rss(
        "j",
        &[(
            "1",
            "Nioro : les routes coupées",
            &server.url("/article.html?utm_source=rss"),
            "Les axes sont coupés.",
        )],
    );
    let setup = one_feed(&server, "/feed.xml", "");
    let pipeline = setup.pipeline();
    let report = pipeline.poll(&setup.config().feeds[0]).await;
    assert_eq!((report.new, report.warnings.len()), (1, 0), "{report:?}");
    let document = &pipeline.store.documents_after(0, 1).unwrap()[0];
    assert_eq!(document.extraction, "extractor");
    assert!(
        document.text.contains("prix du carburant ont doublé"),
        "{}",
        document.text
    );
    assert!(
        !document.text.contains("Mentions légales"),
        "{}",
        document.text
    );
    assert_eq!(
        document.canonical_url,
        "https://journal.example/2026/11/nioro-routes"
    );
    // The page is fetched at the link as given; only the dedup key is cleaned.
    assert_eq!(
        server.requests_for("/article.html")[0].target,
        "/article.html?utm_source=rss"
    );
}

#[tokio::test]
async fn requests_to_one_host_are_spaced() {
    let body = rss("x", &[("1", "t", "http://example.org/1", &long_text("t"))]);
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/a.xml" | "/b.xml" | "/c.xml" => Reply::ok("application/rss+xml", body.clone()),
        _ => Reply::status(404),
    });
    // Not FAST_FETCH: this test is about the delay it turns off.
    let mut config = String::from("[fetch]\nper_host_delay = \"400ms\"\n");
    for id in ["a", "b", "c"] {
        let url = server.url(&format!("/{id}.xml"));
        config.push_str(&format!("\n[[feed]]\nid = \"{id}\"\nurl = \"{url}\"\n"));
    }
    let setup = Setup::new(&config);
    let pipeline = setup.pipeline();
    let feeds = setup.config().feeds;
    // All three at once, as the daemon would when they fall due together.
    let mut polls = tokio::task::JoinSet::new();
    for feed in feeds {
        let pipeline = pipeline.clone();
        polls.spawn(async move { pipeline.poll(&feed).await });
    }
    while let Some(report) = polls.join_next().await {
        let report = report.unwrap();
        assert_eq!(report.outcome, PollOutcome::Updated, "{report:?}");
    }
    let mut starts: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    starts.sort();
    assert_eq!(starts.len(), 4, "robots.txt and three feeds");
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(380),
            "two requests {gap:?} apart"
        );
    }
}

#[tokio::test]
async fn a_body_without_length_is_cut_while_streaming() {
    let server = TestServer::start(|request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", vec![b' '; 300 * 1024]).without_length(),
        _ => Reply::status(404),
    });
    let setup = one_feed(&server, "/feed.xml", "max_body_bytes = 65536\n");
    let report = setup.pipeline().poll(&setup.config().feeds[0]).await;
    assert!(failure(&report).contains("max_body_bytes"), "{report:?}");
}

#[tokio::test]
async fn every_redirect_hop_is_checked_against_robots_txt() {
    let body = rss("x", &[("1", "t", "http://example.org/1", &long_text("t"))]);
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/robots.txt" => Reply::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/moved.xml" => Reply::status(301).header("Location", "/public/feed.xml"),
        "/sneaky.xml" => Reply::status(302).header("Location", "/private/feed.xml"),
        "/loop.xml" => Reply::status(302).header("Location", "/loop.xml"),
        "/public/feed.xml" | "/private/feed.xml" => Reply::ok("application/rss+xml", body.clone()),
        _ => Reply::status(404),
    });
    let setup = Setup::with_feeds(
        "",
        &[
            ("moved", &server.url("/moved.xml")),
            ("sneaky", &server.url("/sneaky.xml")),
            ("loop", &server.url("/loop.xml")),
        ],
    );
    let pipeline = setup.pipeline();
    let feeds = setup.config().feeds;
    assert_eq!(pipeline.poll(&feeds[0]).await.outcome, PollOutcome::Updated);
    let sneaky = pipeline.poll(&feeds[1]).await;
    assert!(failure(&sneaky).contains("robots.txt"), "{sneaky:?}");
    assert!(server.requests_for("/private/feed.xml").is_empty());
    let looping = pipeline.poll(&feeds[2]).await;
    assert!(failure(&looping).contains("redirects"), "{looping:?}");
    // max_redirects (5) hops after the first request, then it gives up.
    assert_eq!(server.requests_for("/loop.xml").len(), 6);
}

#[tokio::test]
async fn a_large_robots_txt_is_read_up_to_500_kib() {
    let mut robots = String::from("User-agent: *\nDisallow: /\n");
    while robots.len() < 700 * 1024 {
        robots.push_str("# padding padding padding padding padding padding padding\n");
    }
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/robots.txt" => Reply::ok("text/plain", robots.clone()),
        _ => Reply::ok(
            "application/rss+xml",
            "<rss version=\"2.0\"><channel></channel></rss>",
        ),
    });
    let setup = one_feed(&server, "/feed.xml", "");
    let report = setup.pipeline().poll(&setup.config().feeds[0]).await;
    assert!(failure(&report).contains("robots.txt"), "{report:?}");
    assert!(server.requests_for("/feed.xml").is_empty());
}

#[tokio::test]
async fn retry_after_from_an_article_page_holds_back_the_whole_host() {
    let page = "<html><body><article><p>Texte.</p></article></body></html>";
    let feed_body = Arc::new(Mutex::new(String::new()));
    let served = feed_body.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", served.lock().unwrap().clone()),
        "/page/1" => Reply::status(429).header("Retry-After", "3600"),
        path if path.starts_with("/page/") => Reply::ok("text/html", page),
        _ => Reply::status(404),
    });
    let items: Vec<(String, String)> = (1..=4)
        .map(|n| (n.to_string(), server.url(&format!("/page/{n}"))))
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(id, url)| (id.as_str(), "Brève", url.as_str(), "Teaser."))
        .collect();
    *feed_body.lock().unwrap() = rss("x", &refs);
    let setup = one_feed(&server, "/feed.xml", "max_retry_after = \"5s\"\n");
    let report = setup.pipeline().poll(&setup.config().feeds[0]).await;
    // Every entry is still stored (with the feed's text), none of the
    // other pages was requested, and each says why.
    assert_eq!(report.new, 4, "{report:?}");
    assert_eq!(server.requests_for("/page/1").len(), 1);
    for n in 2..=4 {
        assert!(
            server.requests_for(&format!("/page/{n}")).is_empty(),
            "page {n} was requested"
        );
    }
    assert_eq!(report.warnings.len(), 4, "{report:?}");
    assert!(
        report.warnings[1].contains("not to be contacted before"),
        "{report:?}"
    );
}
