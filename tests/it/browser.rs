//! The web page in a real browser (headless Chromium, Debian's package):
//! a reader searches, clicks a facet, opens a document, sees the timeline
//! and the map drawn, switches language, and a feed title holding a
//! `<script>` stays text. Each page is saved as a screenshot under
//! `target/tmp/screenshots/` so it can be looked at.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::browser::Browser;
use crate::web::{HOSTILE_TITLE, Sample};

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

/// The number in the results' total (`47 documents…`).
fn total(browser: &Browser) -> u64 {
    let text = browser.find(".summary .total").text();
    text.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no count in {text:?}"))
}

#[test]
fn a_reader_searches_narrows_reads_and_switches_language() {
    let sample = Sample::start("", &[], None);
    let daemon = &sample.daemon;
    let shots = screenshots();
    let browser = Browser::start("fr-FR,fr;q=0.9,en;q=0.5");
    let url = |path: &str| format!("{}{path}", daemon.api);

    // The front page, in French, with the page's own script allowed to run
    // by the Content-Security-Policy.
    browser.goto(&url("/"));
    assert_eq!(browser.eval("return document.documentElement.lang"), "fr");
    browser.wait_until(
        "return document.body.dataset.script === 'ready'",
        Duration::from_secs(10),
    );
    let everything = total(&browser);
    assert!(everything >= 45, "{everything}");
    assert!(
        browser
            .find(".summary .total")
            .text()
            .contains("documents dans l'archive")
    );

    // The timeline and the map are drawn: bars with height, points inside
    // the map, and the country outlines loaded.
    let drawn = browser.eval(
        "const bars = [...document.querySelectorAll('svg.timeline-chart rect')];
         const points = [...document.querySelectorAll('svg.map-chart circle')];
         const map = document.querySelector('svg.map-chart').getBoundingClientRect();
         const inside = points.filter(p => { const r = p.getBoundingClientRect();
             return r.width > 0 && r.left >= map.left && r.right <= map.right
                 && r.top >= map.top && r.bottom <= map.bottom; });
         const outline = performance.getEntriesByType('resource')
             .find(e => e.name.endsWith('/assets/basemap.svg'));
         return { bars: bars.filter(b => b.getBBox().height > 0).length,
                  points: points.length, inside: inside.length,
                  outline: outline ? outline.responseStatus : null,
                  legend: document.querySelectorAll('.legend li').length };",
    );
    assert!(drawn["bars"].as_u64().unwrap() >= 10, "{drawn}");
    assert!(drawn["points"].as_u64().unwrap() >= 10, "{drawn}");
    assert_eq!(drawn["inside"], drawn["points"], "{drawn}");
    assert_eq!(drawn["outline"], 200, "{drawn}");
    assert!(drawn["legend"].as_u64().unwrap() >= 2, "{drawn}");
    browser.screenshot(shots.join("01-search-fr.png"));

    // A typed query, then a click on the JNIM facet: fewer documents, all
    // of them the search's, and the filter shown with a way to remove it.
    let box_ = browser.find("#q");
    box_.type_text("blocus");
    box_.submit();
    assert!(browser.url().contains("q=blocus"), "{}", browser.url());
    let blocus = total(&browser);
    assert!(blocus > 0 && blocus < everything);
    assert!(!browser.find_all(".hit .snippet mark").is_empty());
    browser
        .find(".facet[data-facet=armed_group] a[data-value=jnim]")
        .click_and_wait();
    assert!(browser.url().contains("entity=jnim"), "{}", browser.url());
    assert!(browser.url().contains("q=blocus"), "the typed query stays");
    let narrowed = total(&browser);
    assert!(narrowed > 0 && narrowed <= blocus, "{narrowed} of {blocus}");
    assert_eq!(
        browser.find(".filters .chip").text().trim_end_matches(" ×"),
        "JNIM"
    );
    let hits = browser.find_all(".hit");
    assert_eq!(hits.len() as u64, narrowed.min(20));
    for hit in &hits {
        assert!(hit.text().contains("JNIM"), "{}", hit.text());
    }
    browser.screenshot(shots.join("02-facet-jnim.png"));

    // A document: its mentions marked in their type's colour.
    browser.find(".hit a.title").click_and_wait();
    assert!(browser.url().contains("/documents/"), "{}", browser.url());
    let marked = browser.eval(
        "const colour = t => { const m = document.querySelector('.mention.type-' + t);
             return m ? getComputedStyle(m).borderBottomColor : null; };
         return { mentions: document.querySelectorAll('.text .mention').length,
                  group: colour('armed_group'), place: colour('place'),
                  sources: document.querySelectorAll('.sources li').length };",
    );
    assert!(marked["mentions"].as_u64().unwrap() >= 3, "{marked}");
    assert!(
        marked["group"].is_string() && marked["place"].is_string(),
        "{marked}"
    );
    assert_ne!(marked["group"], marked["place"], "{marked}");
    assert!(marked["sources"].as_u64().unwrap() >= 1, "{marked}");
    browser.screenshot(shots.join("03-document.png"));

    // The switch: the same document in English, and English stays.
    let document = browser.url();
    browser.find(".lang-switch a.lang-en").click_and_wait();
    assert_eq!(browser.url(), document);
    assert_eq!(browser.eval("return document.documentElement.lang"), "en");
    assert!(browser.find(".back").text().contains("Back to search"));
    browser.screenshot(shots.join("04-document-en.png"));
    browser.goto(&url("/feeds"));
    assert_eq!(browser.eval("return document.documentElement.lang"), "en");
    assert!(browser.find("h1").text().contains("Sources"));
    assert!(!browser.find_all("tr.feed").is_empty());
    browser.screenshot(shots.join("05-feeds.png"));

    // A radio transcript: segments with their time codes, each a link into
    // the recording at that moment.
    browser.goto(&url("/?kind=transcript&q=title%3Akayes"));
    browser.find(".hit a.title").click_and_wait();
    let segments = browser.find_all(".segment a.timecode");
    assert!(segments.len() >= 10, "{} time codes", segments.len());
    let link = segments[1].attr("href").unwrap_or_default();
    assert!(
        link.starts_with("https://radio-rurale-kayes.example/") && link.contains(".mp3#t="),
        "{link}"
    );
    let code = segments[0].text();
    let digits: Vec<bool> = code
        .trim_start_matches("▶ ")
        .chars()
        .map(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(
        digits,
        [true, true, false, true, true, false, true, true],
        "{code}"
    );
    browser.screenshot(shots.join("06-transcript.png"));

    // Alerts, and a backtest run from its form.
    browser.goto(&url("/alerts"));
    assert!(!browser.find_all("section.rule").is_empty());
    browser.screenshot(shots.join("07-alerts.png"));
    let since = browser.find("form.backtest input[name=since]");
    since.clear();
    since.type_text("2026-01-01");
    since.submit();
    assert!(
        browser.url().contains("/alerts/backtest?"),
        "{}",
        browser.url()
    );
    assert!(browser.find(".backtest-result").text().contains("match"));
    browser.screenshot(shots.join("08-backtest.png"));
    drop(browser);
    sample.daemon.stop();
}

#[test]
fn a_script_in_a_feed_title_never_runs() {
    let sample = Sample::start("", &[], None);
    let daemon = &sample.daemon;
    let browser = Browser::start("fr");
    for path in ["/?source=hostile", "/?q=Diboli&sort=date", "/alerts"] {
        browser.goto(&format!("{}{path}", daemon.api));
        browser.wait_until(
            "return document.body.dataset.script === 'ready'",
            Duration::from_secs(10),
        );
        let state = browser.eval(
            "return { pwned: window.__pwned === undefined ? null : window.__pwned,
                      images: document.querySelectorAll('main img').length,
                      scripts: document.scripts.length };",
        );
        assert!(state["pwned"].is_null(), "{path}: {state}");
        assert_eq!(state["images"], 0, "{path}: {state}");
        assert_eq!(state["scripts"], 1, "{path}: only the page's own: {state}");
    }
    // The title is shown as the characters the feed wrote.
    browser.goto(&format!("{}/?source=hostile", daemon.api));
    assert_eq!(browser.find(".hit a.title").text(), HOSTILE_TITLE);
    browser.find(".hit a.title").click_and_wait();
    assert_eq!(browser.find("h1").text(), HOSTILE_TITLE);
    assert!(
        browser
            .eval("return window.__pwned === undefined")
            .as_bool()
            .unwrap()
    );
    // Nothing was even refused: no markup from the feed reached the page.
    let refused: Vec<String> = browser
        .console()
        .into_iter()
        .filter(|line| line.contains("Content Security Policy") || line.contains("Refused"))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    browser.screenshot(screenshots().join("09-hostile-title.png"));
    drop(browser);
    sample.daemon.stop();
}
