//! `kind = "transcript"` sources end to end: a podcast feed offering
//! `<podcast:transcript>` files, a page listing transcript files and a
//! single file on loopback, and a drop folder read exactly once; the time
//! codes that search hits and digests show.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use url::Url;
use veille::ingest::PollOutcome;
use veille::sources::TranscriptSource;
use veille::sources::feed::parse_feed;
use veille::sources::transcript::{TranscriptFormat, parse};
use veille::store::StoredDocument;

use crate::support::{FAST_FETCH, Reply, Setup, TestServer, shared_data, text};

fn example(name: &str) -> String {
    std::fs::read_to_string(shared_data().join("podcast-transcripts").join(name)).unwrap()
}

fn segments_in(name: &str, format: TranscriptFormat) -> usize {
    parse(&example(name), format).unwrap().len()
}

fn by_title<'a>(documents: &'a [StoredDocument], title: &str) -> &'a StoredDocument {
    documents
        .iter()
        .find(|document| document.title == title)
        .unwrap_or_else(|| panic!("no document {title:?}"))
}

#[test]
fn the_namespace_example_feed_offers_its_transcripts_best_first() {
    let feed = parse_feed(
        &example("example.xml"),
        &Url::parse("https://example.com/feed.xml").unwrap(),
    )
    .unwrap();
    let episode = feed
        .entries
        .iter()
        .find(|entry| entry.key == "https://example.com/ep0003")
        .expect("episode 3");
    let Some(TranscriptSource::Links(links)) = &episode.transcript else {
        panic!("no transcripts on {episode:?}");
    };
    // The VTT (timed, with a language) before the plain text.
    assert_eq!(
        links[0].url.as_str(),
        "https://example.com/episode1/transcript.vtt"
    );
    assert_eq!(links[0].format, Some(TranscriptFormat::WebVtt));
    assert_eq!(links[0].language.as_deref(), Some("es"));
    assert_eq!(links[1].format, Some(TranscriptFormat::Text));
    assert_eq!(
        episode.audio.as_ref().map(Url::as_str),
        Some("https://example.com/file-03.mp3")
    );
}

#[tokio::test]
async fn a_podcast_feed_brings_each_episode_with_its_segments() {
    let server = TestServer::start(|request| {
        let path = request.path.as_str();
        let file = |name: &str, kind: &str| Reply::ok(kind, example(name));
        match path {
            "/podcast.xml" => Reply::ok(
                "application/rss+xml",
                podcast_feed(request.header("host").unwrap_or_default()),
            ),
            "/t/ep1.vtt" => file("example.vtt", "text/vtt"),
            "/t/ep1.json" | "/t/ep2.json" => file("example.json", "application/json"),
            "/t/ep1.srt" | "/t/ep4.srt" => file("example.srt", "application/x-subrip"),
            "/t/ep3.html" => file("example.html", "text/html"),
            _ => Reply::status(404),
        }
    });
    let setup = Setup::new(&format!(
        "{FAST_FETCH}\n[[feed]]\nid = \"kayes-fm\"\nname = \"Kayes FM\"\nkind = \"transcript\"\nurl = \"{}\"\n",
        server.url("/podcast.xml")
    ));
    let pipeline = setup.pipeline();
    let feed = setup.config().feeds[0].clone();

    let report = pipeline.poll(&feed).await;
    assert_eq!(report.outcome, PollOutcome::Updated, "{report:?}");
    assert_eq!(report.new, 4, "{report:?}");
    assert!(
        report
            .warnings
            .iter()
            // A remote feed's file: offer is no offer.
            .any(|w| w.contains("2 of 6 items offer no")),
        "{:?}",
        report.warnings
    );

    let documents = pipeline.store.documents_after(0, 10).unwrap();
    assert!(
        documents
            .iter()
            .all(|document| document.kind == "transcript")
    );
    let expectations = [
        (
            "Épisode 1",
            "vtt",
            Some("en"),
            segments_in("example.vtt", TranscriptFormat::WebVtt),
        ),
        (
            "Épisode 2",
            "json",
            Some("fr"),
            segments_in("example.json", TranscriptFormat::Json),
        ),
        (
            "Épisode 3",
            "html",
            Some("en"),
            segments_in("example.html", TranscriptFormat::Html),
        ),
        // Its VTT is gone (404): the SRT it also offers is read instead.
        (
            "Épisode 4",
            "srt",
            Some("fr"),
            segments_in("example.srt", TranscriptFormat::Srt),
        ),
    ];
    for (title, format, language, segments) in expectations {
        let document = by_title(&documents, title);
        let transcript = document.transcript.as_ref().expect("transcript kept");
        assert_eq!(transcript.format, format, "{title}");
        assert_eq!(document.extraction, format, "{title}");
        assert_eq!(document.language_hint.as_deref(), language, "{title}");
        assert_eq!(transcript.segments.len(), segments, "{title}");
        assert!(segments > 1, "{title}");
    }
    // Only the best offer of episode 1 was fetched.
    assert!(server.requests_for("/t/ep1.json").is_empty());
    assert!(server.requests_for("/t/ep1.srt").is_empty());

    // Episode 1 keeps its audio and speakers; a word of it maps back to the
    // moment it was said.
    let first = by_title(&documents, "Épisode 1");
    let transcript = first.transcript.as_ref().unwrap();
    assert_eq!(
        transcript.audio_url.as_deref(),
        Some("https://cdn.kayes.example/ep1.mp3")
    );
    let gillian = first
        .text
        .find("Gillian here")
        .expect("the VTT's sixth cue");
    let timecode = transcript.timecode_at(gillian).unwrap();
    assert_eq!(timecode.label, "00:00:19");
    assert_eq!(timecode.speaker.as_deref(), Some("Gillian"));
    assert_eq!(
        timecode.audio_link.as_deref(),
        Some("https://cdn.kayes.example/ep1.mp3#t=19")
    );
    assert_eq!(timecode.caption, "Kayes FM, Épisode 1, at 00:00:19");

    let again = pipeline.poll(&feed).await;
    assert_eq!((again.new, again.duplicate), (0, 0), "{again:?}");
}

fn podcast_feed(host: &str) -> String {
    let base = format!("http://{host}/t");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Kayes FM</title><link>https://kayes-fm.example/</link><language>fr-ML</language>
<item><title>Épisode 1</title><guid>ep1</guid><pubDate>Fri, 20 Nov 2026 07:30:00 +0000</pubDate>
  <enclosure url="https://cdn.kayes.example/ep1.mp3" type="audio/mpeg" length="1000"/>
  <podcast:transcript url="{base}/ep1.json" type="application/json"/>
  <podcast:transcript url="{base}/ep1.srt" type="application/x-subrip"/>
  <podcast:transcript url="{base}/ep1.vtt" type="text/vtt" language="en"/></item>
<item><title>Épisode 2</title><guid>ep2</guid><podcast:transcript url="{base}/ep2.json" type="application/json"/></item>
<item><title>Épisode 3</title><guid>ep3</guid><podcast:transcript url="{base}/ep3.html" type="text/html" language="en-US"/></item>
<item><title>Épisode 4</title><guid>ep4</guid>
  <podcast:transcript url="{base}/gone.vtt" type="text/vtt"/>
  <podcast:transcript url="{base}/ep4.srt" type="application/srt"/></item>
<item><title>Sans transcription</title><guid>ep5</guid><description>Pas de texte.</description></item>
<item><title>Piège</title><guid>ep6</guid><podcast:transcript url="file:///etc/passwd" type="text/plain"/>
  <enclosure url="file:///etc/shadow" type="audio/mpeg" length="1"/></item>
</channel></rss>"#
    )
}

#[tokio::test]
async fn a_page_of_transcript_files_and_a_single_file_url() {
    let latest = std::sync::Arc::new(std::sync::Mutex::new(example("example.vtt")));
    let served = latest.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/archives/" => Reply::ok(
            "text/html",
            r#"<html><body><a href="/">Accueil</a> <a href="notes.html">Notes</a>
               <a href="rrk_20261120_0730.vtt">Journal du 20</a>
               <a href="rrk_20261121_0730.srt">Journal du 21</a>
               <a href="autre-chose.vtt">Autre</a></body></html>"#,
        ),
        "/archives/rrk_20261120_0730.vtt" | "/archives/autre-chose.vtt" => {
            Reply::ok("text/vtt", example("example.vtt"))
        }
        "/archives/rrk_20261121_0730.srt" => Reply::ok("text/plain", example("example.srt")),
        "/latest.vtt" => Reply::ok("text/vtt", served.lock().unwrap().clone()),
        _ => Reply::status(404),
    });
    let setup = Setup::new(&format!(
        r#"{FAST_FETCH}
[defaults]
timezone = "Africa/Bamako"

[[feed]]
id = "rrk-archives"
name = "Radio Rurale de Kayes"
kind = "transcript"
url = "{}"
file_pattern = "{{station}}_{{date}}_{{time}}.{{*}}"

[[feed]]
id = "rrk-latest"
kind = "transcript"
url = "{}"
"#,
        server.url("/archives/"),
        server.url("/latest.vtt")
    ));
    let pipeline = setup.pipeline();
    let config = setup.config();

    let archives = pipeline.poll(&config.feeds[0]).await;
    assert_eq!(archives.new, 2, "{archives:?}");
    // Only files matching the pattern were fetched.
    assert!(server.requests_for("/archives/autre-chose.vtt").is_empty());
    assert!(server.requests_for("/archives/notes.html").is_empty());
    let documents = pipeline.store.documents_after(0, 10).unwrap();
    let mut aired: Vec<(String, String, String)> = documents
        .iter()
        .map(|d| (d.title.clone(), d.published.clone(), d.extraction.clone()))
        .collect();
    aired.sort();
    assert_eq!(
        aired,
        [
            (
                "rrk, 2026-11-20 07:30".to_owned(),
                "2026-11-20T07:30:00Z".to_owned(),
                "vtt".to_owned()
            ),
            (
                "rrk, 2026-11-21 07:30".to_owned(),
                "2026-11-21T07:30:00Z".to_owned(),
                "srt".to_owned()
            ),
        ]
    );

    let first = pipeline.poll(&config.feeds[1]).await;
    assert_eq!(first.new, 1, "{first:?}");
    let unchanged = pipeline.poll(&config.feeds[1]).await;
    assert_eq!(unchanged.outcome, PollOutcome::NotModified);
    // The same URL with the next bulletin in it is a new document.
    *latest.lock().unwrap() = example("example.vtt").replace("Gillian", "Aminata");
    let next = pipeline.poll(&config.feeds[1]).await;
    assert_eq!(next.new, 1, "{next:?}");
    assert_eq!(pipeline.store.document_count().unwrap(), 4);
}

/// A French bulletin with « blocus » said at 00:12:34.
const BULLETIN: &str = "WEBVTT

NOTE sortie du pipeline de transcription

00:00:01.000 --> 00:00:06.500
<v Présentatrice>Bonjour, voici le journal de 7 h 30 sur Radio Rurale de Kayes.

00:05:10.000 --> 00:05:18.000
<v Présentatrice>À Nioro du Sahel, les commerçants rationnent le carburant depuis une semaine.

00:12:34.200 --> 00:12:41.000
<v Correspondant>Le blocus imposé par le JNIM sur la route de Diboli se poursuit, selon les transporteurs.

00:13:02.000 --> 00:13:09.000
<v Correspondant>Les camions attendent toujours à Kidira, de l'autre côté de la Falémé.
";

fn age(path: &Path, by: Duration) {
    let file = File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

#[test]
fn a_drop_folder_is_read_once_and_never_half_written() {
    let setup = Setup::new(&format!(
        r#"{FAST_FETCH}
[[feed]]
id = "rrk"
name = "RRK"
kind = "transcript"
folder = "drop"
file_pattern = "{{station}}_{{date}}_{{time}}.vtt"
min_age = "2s"
timezone = "Africa/Bamako"
language = "fr"

[[alert]]
id = "blocus-radio"
name = "Blocus à la radio"
query = "blocus kind:transcript"
schedule = "0 7 * * *"
"#
    ));
    let drop = setup.dir.path().join("drop");
    std::fs::create_dir(&drop).unwrap();
    let done = drop.join("rrk_20261120_0730.vtt");
    let sidecar = drop.join("rrk_20261120_0730.toml");
    let audio = drop.join("rrk_20261120_0730.mp3");
    std::fs::write(&done, BULLETIN).unwrap();
    std::fs::write(
        &sidecar,
        "station = \"Radio Rurale de Kayes\"\nprogramme = \"Journal de 07:30\"\n",
    )
    .unwrap();
    std::fs::write(&audio, b"ID3").unwrap();
    for path in [&done, &sidecar, &audio] {
        age(path, Duration::from_secs(60));
    }
    // The 08:00 bulletin is still being written.
    let writing = drop.join("rrk_20261120_0800.vtt");
    let half = &BULLETIN[..BULLETIN.find("00:05:10").unwrap() + 20];
    std::fs::write(&writing, half).unwrap();

    let fetch = |expected_new: &str| {
        let output = setup.veille(&["fetch"]);
        let stdout = text(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
        let line = stdout
            .lines()
            .find(|l| l.starts_with("rrk"))
            .unwrap()
            .to_owned();
        assert!(
            line.contains(expected_new),
            "expected {expected_new}: {stdout}"
        );
        stdout
    };
    let first = fetch("1 new");
    assert!(
        first.contains("rrk_20261120_0800.vtt: changed less than 2s ago"),
        "{first}"
    );

    // Search shows where in the broadcast the word was said, and links
    // into the recording there.
    let search = setup.veille(&["search", "blocus"]);
    let found = text(&search.stdout);
    assert!(
        found.contains("Radio Rurale de Kayes, Journal de 07:30, at 00:12:34 (Correspondant)"),
        "{found}"
    );
    assert!(found.contains("rrk_20261120_0730.mp3#t=754"), "{found}");
    let json: serde_json::Value =
        serde_json::from_slice(&setup.veille(&["search", "--json", "blocus"]).stdout).unwrap();
    let hit = &json["hits"][0];
    assert_eq!(hit["kind"], "transcript");
    assert_eq!(hit["timecode"]["seconds"], 754);
    assert_eq!(hit["published"], "2026-11-20T07:30:00Z");

    // A second process (a restart) reads nothing again; the unfinished file
    // still waits.
    let second = fetch("not modified");
    assert!(
        second.contains("rrk_20261120_0800.vtt: changed less"),
        "{second}"
    );

    std::fs::write(&writing, BULLETIN.replace("7 h 30", "8 h")).unwrap();
    age(&writing, Duration::from_secs(60));
    fetch("1 new");
    fetch("not modified");
    let count = setup.veille(&["search", "--json", "kind:transcript"]);
    let count: serde_json::Value = serde_json::from_slice(&count.stdout).unwrap();
    assert_eq!(count["total"], 2, "{count}");

    // The digest of the rule shows the time codes too.
    let digest = setup.veille(&["digest", "--rule", "blocus-radio", "--dry-run"]);
    let digest = text(&digest.stdout);
    assert!(
        digest.contains("Radio Rurale de Kayes, Journal de 07:30, at 00:12:34"),
        "{digest}"
    );
    assert!(
        digest.contains("rrk, 2026-11-20 08:00, at 00:12:34"),
        "{digest}"
    );
}

#[tokio::test]
async fn a_transcript_that_failed_is_fetched_again_though_the_feed_is_unchanged() {
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = attempts.clone();
    let server = TestServer::start(move |request| {
        match request.path.as_str() {
        "/podcast.xml" => Reply::ok(
            "application/rss+xml",
            format!(
                r#"<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>t</title>
                <item><title>Journal</title><guid>j1</guid>
                <podcast:transcript url="http://{}/j1.vtt" type="text/vtt"/></item></channel></rss>"#,
                request.header("host").unwrap_or_default()
            ),
        )
        .header("ETag", "\"same\""),
        "/j1.vtt" if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => {
            Reply::status(404)
        }
        "/j1.vtt" => Reply::ok("text/vtt", example("example.vtt")),
        _ => Reply::status(404),
    }
    });
    let setup = Setup::new(&format!(
        "{FAST_FETCH}\n[[feed]]\nid = \"p\"\nkind = \"transcript\"\nurl = \"{}\"\n",
        server.url("/podcast.xml")
    ));
    let pipeline = setup.pipeline();
    let feed = setup.config().feeds[0].clone();
    let first = pipeline.poll(&feed).await;
    assert_eq!((first.new, first.unread), (0, 1), "{first:?}");
    assert!(
        first.warnings.iter().any(|w| w.contains("HTTP 404")),
        "{first:?}"
    );
    // The feed's validators were not kept: it is read again, not a 304.
    let second = pipeline.poll(&feed).await;
    assert_eq!(second.new, 1, "{second:?}");
    assert!(
        server.requests_for("/podcast.xml")[1]
            .header("if-none-match")
            .is_none()
    );
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_transcript_url_serving_neither_transcripts_nor_a_feed_fails() {
    let server = TestServer::start(|request| match request.path.as_str() {
        "/maintenance" => Reply::ok(
            "text/html",
            "<html><body><h1>Site en maintenance</h1><p>Revenez plus tard.</p></body></html>",
        ),
        "/broken.xml" => Reply::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss><channel><item>",
        ),
        _ => Reply::status(404),
    });
    let setup = Setup::new(&format!(
        "{FAST_FETCH}\n[[feed]]\nid = \"a\"\nkind = \"transcript\"\nurl = \"{}\"\n\n[[feed]]\nid = \"b\"\nkind = \"transcript\"\nurl = \"{}\"\n",
        server.url("/maintenance"),
        server.url("/broken.xml")
    ));
    let pipeline = setup.pipeline();
    for (feed, expected) in setup
        .config()
        .feeds
        .iter()
        .zip(["no transcript file", "not a valid feed"])
    {
        let report = pipeline.poll(feed).await;
        match &report.outcome {
            PollOutcome::Failed(reason) => {
                assert!(reason.to_string().contains(expected), "{reason}");
            }
            other => panic!("{}: expected a failure, got {other:?}", feed.id),
        }
    }
    assert_eq!(pipeline.store.document_count().unwrap(), 0);
}
