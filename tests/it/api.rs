//! The archive as users reach it: the daemon's HTTP API, the search, export
//! and reindex commands, and recovery of the index after `kill -9`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use veille::archive::Archive;
use veille::store::Store;

use crate::support::daemon::{Daemon, wait_until};
use crate::support::{Reply, Setup, TestServer, long_text, project_root, rss, text};

/// Item texts, each naming JNIM another way, and a place.
const STORIES: &[(&str, &str)] = &[
    (
        "Le GSIM bloque la route de Diboli",
        "Le GSIM bloque la route de Diboli",
    ),
    (
        "JNIM fighters seen near Nioro du Sahel",
        "JNIM fighters were seen near Nioro du Sahel",
    ),
    (
        "Blocus carburant à Kayes",
        "Le blocus carburant du JNIM étrangle Kayes",
    ),
    (
        "Convoi attaqué près de Diéma",
        "Un convoi a été attaqué près de Diéma par le GSIM",
    ),
    (
        "Fuel blockade tightens",
        "The fuel blockade by JNIM tightens around Kayes",
    ),
    (
        "Les camions attendent à Kidira",
        "Les camions attendent à Kidira depuis deux semaines",
    ),
];

/// A feed serving the first `count` stories; the count can be raised.
struct Feed {
    server: TestServer,
    count: Arc<Mutex<usize>>,
}

impl Feed {
    fn start(count: usize) -> Feed {
        let count = Arc::new(Mutex::new(count));
        let served = count.clone();
        let server = TestServer::start(move |request| {
            if request.path != "/feed.xml" {
                return Reply::status(404);
            }
            let n = *served.lock().unwrap();
            let items: Vec<(String, String, String, String)> = STORIES[..n]
                .iter()
                .enumerate()
                .map(|(i, (title, sentence))| {
                    (
                        format!("story-{i}"),
                        title.to_string(),
                        format!("http://127.0.0.1/story/{i}"),
                        long_text(sentence),
                    )
                })
                .collect();
            let refs: Vec<(&str, &str, &str, &str)> = items
                .iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
                .collect();
            Reply::ok("application/rss+xml", rss("Sahel", &refs))
        });
        Feed { server, count }
    }

    fn setup(&self, commit_interval: &str) -> Setup {
        let gazetteer = project_root().join("entities.toml");
        Setup::with_feeds(
            &format!(
                "[defaults]\nschedule = \"every 10s\"\n[storage]\ncommit_interval = \"{commit_interval}\"\n\
                 [enrich]\ngazetteer = [{:?}]\n",
                gazetteer.display().to_string()
            ),
            &[("sahel", &self.server.url("/feed.xml"))],
        )
    }
}

fn store_count(setup: &Setup) -> i64 {
    Store::open(&setup.dir.path().join("index"))
        .and_then(|store| store.document_count())
        .unwrap_or(0)
}

fn total(daemon: &Daemon, query: &str) -> u64 {
    let value = daemon.json(&format!("/api/search?q={}", encode(query)), 200);
    value["total"].as_u64().expect("total")
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn the_api_searches_what_the_daemon_stored() {
    let feed = Feed::start(STORIES.len());
    let setup = feed.setup("1s");
    let daemon = Daemon::start(&setup);
    let stored = wait_until(Duration::from_secs(30), || store_count(&setup) == 6);
    assert!(
        stored,
        "feed not stored; the daemon said:\n{}",
        daemon.log()
    );
    // Stored documents are searchable within seconds.
    assert!(
        wait_until(Duration::from_secs(5), || total(&daemon, "") == 6),
        "not searchable within 5 s"
    );

    // Every spelling of JNIM, found by one entity filter.
    let results = daemon.json("/api/search?q=entity%3Ajnim&limit=2&sort=date", 200);
    assert_eq!(results["total"], 5);
    assert_eq!(results["limit"], 2);
    assert_eq!(results["sort"], "date");
    let hits = results["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    for hit in hits {
        for key in [
            "id",
            "title",
            "url",
            "sources",
            "language",
            "published",
            "entities",
            "snippet",
        ] {
            assert!(!hit[key].is_null(), "hit lacks {key}: {hit}");
        }
        assert_eq!(hit["sources"], serde_json::json!(["sahel"]));
        assert!(hit["entities"].as_array().unwrap().contains(&"jnim".into()));
    }
    assert_eq!(
        results["facets"]["entities"]["armed_group"][0]["id"],
        "jnim"
    );
    assert_eq!(results["facets"]["entities"]["armed_group"][0]["count"], 5);
    assert_eq!(results["facets"]["sources"][0]["count"], 5);

    // Words with highlights.
    let results = daemon.json("/api/search?q=blocus%20carburant", 200);
    assert_eq!(results["total"], 1);
    let html = results["hits"][0]["snippet"]["html"].as_str().unwrap();
    assert!(
        html.contains("<mark>blocus</mark> <mark>carburant</mark>"),
        "{html}"
    );

    // Bad input: 400 with the reason, and where.
    let error = daemon.json("/api/search?q=jnim%20(blocus", 400);
    assert_eq!(error["column"], 6, "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("never closed"),
        "{error}"
    );
    let error = daemon.json("/api/search?q=jnim&limt=5", 400);
    assert!(error["error"].as_str().unwrap().contains("limt"), "{error}");
    let error = daemon.json("/api/search?q=jnim&sort=oldest", 400);
    assert!(error["error"].as_str().unwrap().contains("sort"), "{error}");
    assert_eq!(daemon.json("/api/search?limit=5000", 200)["limit"], 100);
    daemon.json("/api/nothing-here", 404);

    // One document, with its entities' mentions at their character offsets.
    let id = hits[0]["id"].as_i64().unwrap();
    let document = daemon.json(&format!("/api/documents/{id}"), 200);
    let body: Vec<char> = document["text"].as_str().unwrap().chars().collect();
    let title: Vec<char> = document["title"].as_str().unwrap().chars().collect();
    let jnim = document["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entity| entity["id"] == "jnim")
        .expect("jnim in the document");
    assert_eq!(jnim["type"], "armed_group");
    for mention in jnim["mentions"].as_array().unwrap() {
        let (start, end) = (
            mention["start"].as_u64().unwrap() as usize,
            mention["end"].as_u64().unwrap() as usize,
        );
        let chars = if mention["field"] == "title" {
            &title
        } else {
            &body
        };
        let found: String = chars[start..end].iter().collect();
        assert_eq!(found, mention["text"].as_str().unwrap());
        assert!(["JNIM", "GSIM"].contains(&found.as_str()), "{found}");
    }
    assert_eq!(document["sources"][0]["feed_id"], "sahel");
    daemon.json("/api/documents/999999", 404);
    daemon.json("/api/documents/abc", 400);

    // Top entities for a query.
    let entities = daemon.json("/api/entities?q=&since=2020-01-01", 200);
    assert_eq!(entities["total"], 6);
    assert_eq!(entities["entities"][0]["id"], "jnim");
    assert_eq!(entities["entities"][0]["count"], 5);
    let error = daemon.json("/api/entities?since=yesterday", 400);
    assert!(
        error["error"].as_str().unwrap().contains("since"),
        "{error}"
    );

    // Exports stream every match.
    let (status, content_type, csv) = daemon.get("/api/export?q=entity%3Ajnim&format=csv");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|row| row[7].contains("jnim")));
    let (status, _, jsonl) = daemon.get("/api/export?q=kayes&format=jsonl");
    assert_eq!(status, 200);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|line| line["text"].as_str().unwrap().contains("Kayes"))
    );
    daemon.json("/api/export?q=(", 400);
    daemon.json("/api/export?q=x&format=xls", 400);

    assert!(daemon.stop().success());
}

#[test]
fn search_export_and_reindex_from_the_command_line() {
    let feed = Feed::start(STORIES.len());
    let setup = feed.setup("1s");
    let fetched = setup.veille(&["fetch"]);
    assert!(fetched.status.success(), "{}", text(&fetched.stderr));

    // Options may follow the query.
    let output = setup.veille(&["search", "entity:GSIM", "--json", "--limit", "3"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let results: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results["total"], 5);
    assert_eq!(results["hits"].as_array().unwrap().len(), 3);

    let output = setup.veille(&["search", "camion"]);
    assert!(output.status.success());
    let plain = text(&output.stdout);
    assert!(plain.starts_with("1 documents match"), "{plain}");
    assert!(plain.contains("Les camions attendent à Kidira"), "{plain}");

    let output = setup.veille(&["search", "since:lundi"]);
    assert_eq!(output.status.code(), Some(1));
    let error = text(&output.stderr);
    assert!(
        error.contains("not a date") && error.contains("column 7"),
        "{error}"
    );
    assert_eq!(
        error.matches("not a date").count(),
        1,
        "said twice: {error}"
    );

    let output = setup.veille(&[
        "export",
        "--format",
        "jsonl",
        "--",
        "entity:jnim",
        "-source:other",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 5);

    let output = setup.veille(&["reindex"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("6 documents indexed"),
        "{}",
        text(&output.stdout)
    );
    let archive = Archive::open(&setup.dir.path().join("index")).unwrap();
    assert_eq!(archive.document_count(), 6);
}

#[test]
fn a_daemon_killed_before_committing_catches_up_on_restart() {
    let feed = Feed::start(3);
    let setup = feed.setup("1s");
    let index = setup.dir.path().join("index");

    // First run: three stories, stored and committed.
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(30), || total(&daemon, "") == 3),
        "the daemon said:\n{}",
        daemon.log()
    );
    daemon.kill_9();

    // Second run commits only once an hour: three more stories are stored
    // but not committed when it is killed.
    let slow = std::fs::read_to_string(&setup.config_path)
        .unwrap()
        .replace("commit_interval = \"1s\"", "commit_interval = \"1h\"");
    std::fs::write(&setup.config_path, &slow).unwrap();
    let daemon = Daemon::start(&setup);
    // Let its first catch-up pass (nothing to do) before the feed grows.
    std::thread::sleep(Duration::from_millis(500));
    *feed.count.lock().unwrap() = 6;
    assert!(
        wait_until(Duration::from_secs(40), || store_count(&setup) == 6),
        "the daemon said:\n{}",
        daemon.log()
    );
    daemon.kill_9();
    let archive = Archive::open(&index).unwrap();
    assert_eq!(
        archive.document_count(),
        3,
        "the second run committed nothing"
    );
    drop(archive);

    // Third run adds exactly what is missing.
    std::fs::write(
        &setup.config_path,
        slow.replace("commit_interval = \"1h\"", "commit_interval = \"1s\""),
    )
    .unwrap();
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(10), || total(&daemon, "") == 6),
        "the daemon said:\n{}",
        daemon.log()
    );
    let all = daemon.json("/api/search?q=&limit=100", 200);
    let ids: BTreeSet<i64> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 6, "no duplicates");
    assert_eq!(total(&daemon, "entity:jnim"), 5);
    assert!(daemon.stop().success());
    let archive = Archive::open(&index).unwrap();
    assert_eq!(archive.document_count(), 6);
}

#[test]
fn an_index_ahead_of_a_replaced_record_is_rebuilt() {
    let feed = Feed::start(STORIES.len());
    let setup = feed.setup("1s");
    let index = setup.dir.path().join("index");
    assert!(setup.veille(&["fetch"]).status.success());
    assert_eq!(Archive::open(&index).unwrap().document_count(), 6);
    // The record is replaced by one that knows less (say, an older backup).
    for file in ["veille.sqlite", "veille.sqlite-wal", "veille.sqlite-shm"] {
        let _ = std::fs::remove_file(index.join(file));
    }
    *feed.count.lock().unwrap() = 2;
    let fetched = setup.veille(&["fetch"]);
    assert!(fetched.status.success(), "{}", text(&fetched.stderr));
    let archive = Archive::open(&index).unwrap();
    assert_eq!(archive.document_count(), 2);
    assert_eq!(archive.indexed_revision().unwrap(), 2);
}
