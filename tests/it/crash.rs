//! Crash safety: `veille run` killed with SIGKILL at random moments while
//! it ingests, indexes and delivers digests, again and again. After the
//! last restart has caught up, no document may be missing or stored twice,
//! in the record or the index, and every alert match must have been
//! delivered in exactly one digest.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use veille::archive::Archive;
use veille::store::Store;

use crate::support::daemon::{Daemon, spawn_run, wait_until};
use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, rss};

const FEEDS: usize = 2;
const ITEMS_PER_FEED: usize = 50;
const KILLS: usize = 22;

/// Two feeds of teasers whose article pages answer slowly (polls take
/// seconds), and a webhook that answers slowly (deliveries are in flight
/// often). The webhook records every call.
/// Each webhook call: its idempotency key and its JSON body.
type WebhookCalls = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

fn world() -> (TestServer, WebhookCalls) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let recorded = calls.clone();
    let server = TestServer::start(move |request| {
        let path = request.path.as_str();
        if let Some(feed) = path
            .strip_prefix("/feed-")
            .and_then(|rest| rest.strip_suffix(".xml"))
        {
            let items: Vec<(String, String, String)> = (1..=ITEMS_PER_FEED)
                .map(|n| {
                    (
                        format!("{feed}-{n}"),
                        format!("Convoi {n} du fil {feed}"),
                        format!(
                            "http://{}/page/{feed}/{n}",
                            request.header("host").unwrap_or("127.0.0.1")
                        ),
                    )
                })
                .collect();
            let items: Vec<(&str, &str, &str, &str)> = items
                .iter()
                .map(|(guid, title, link)| (guid.as_str(), title.as_str(), link.as_str(), "Bref."))
                .collect();
            return Reply::ok("application/rss+xml", rss(feed, &items));
        }
        if let Some(page) = path.strip_prefix("/page/") {
            let body = format!(
                "<html><body><article><h1>Convoi {page}</h1><p>{}</p></article></body></html>",
                long_text(&format!(
                    "Le convoi {page} a quitté Kayes pour Nioro du Sahel"
                ))
            );
            return Reply::ok("text/html", body).delayed(Duration::from_millis(80));
        }
        if path == "/hook" {
            let key = request.header("idempotency-key").unwrap_or("").to_owned();
            let body = serde_json::from_slice(&request.body).unwrap_or_default();
            recorded.lock().unwrap().push((key, body));
            return Reply::status(200).delayed(Duration::from_millis(250));
        }
        Reply::status(404)
    });
    (server, calls)
}

fn setup(server: &TestServer) -> Setup {
    let mut text = format!(
        "{FAST_FETCH}retries = 1\n[storage]\ncommit_interval = \"150ms\"\n[alerts]\nretry_initial = \"200ms\"\nretry_max = \"1s\"\n"
    );
    for feed in 1..=FEEDS {
        text.push_str(&format!(
            "\n[[feed]]\nid = \"fil-{feed}\"\nurl = \"{}\"\nschedule = \"every 10s\"\n",
            server.url(&format!("/feed-{feed}.xml"))
        ));
    }
    text.push_str(&format!(
        "\n[[alert]]\nid = \"convois\"\nquery = \"convoi\"\nmode = \"immediate\"\nwebhook = \"{}\"\noutbox = true\n",
        server.url("/hook")
    ));
    Setup::new(&text)
}

/// Every item link the feeds list.
fn expected_links(server: &TestServer) -> BTreeSet<String> {
    (1..=FEEDS)
        .flat_map(|feed| {
            (1..=ITEMS_PER_FEED).map(move |n| format!("http://{}/page/{feed}/{n}", server.addr))
        })
        .collect()
}

#[test]
fn sigkill_at_random_moments_loses_and_repeats_nothing() {
    let (server, calls) = world();
    let setup = setup(&server);
    let storage = setup.dir.path().join("index");
    let seed: u64 = rand::rng().random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    println!("crash test seed {seed}");

    let stored = || {
        Store::open(&storage)
            .and_then(|store| store.document_count())
            .unwrap_or(0)
    };
    let total = (FEEDS * ITEMS_PER_FEED) as i64;
    let mut documents_at_kill = Vec::new();
    for _ in 0..KILLS {
        let before = stored();
        let mut child = spawn_run(&setup);
        // Nobody reads the log: the pipe is closed at once, so every log
        // line fails to write. The daemon must work on regardless (as when
        // journald restarts under it).
        drop(child.stderr.take());
        // While stories are coming in, each kill falls soon after this run
        // stored its first (so the kills land in the middle of ingestion,
        // however slowly this machine starts the daemon); after that, at a
        // random moment of indexing, matching and delivery.
        if before < total {
            wait_until(Duration::from_secs(20), || stored() > before);
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..900)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        documents_at_kill.push(stored());
    }
    println!("documents stored at each kill: {documents_at_kill:?}");
    // Kills landed while documents were being stored, not only before the
    // first or after the last.
    let moments: BTreeSet<i64> = documents_at_kill.iter().copied().collect();
    assert!(
        moments.len() >= 4,
        "seed {seed}: kills fell at too few distinct moments: {documents_at_kill:?}"
    );
    let calls_during_kills = calls.lock().unwrap().len();
    assert!(
        calls_during_kills > 0,
        "seed {seed}: no delivery began before the last kill"
    );

    // The last run is left to finish everything.
    let daemon = Daemon::start(&setup);
    let expected = expected_links(&server);
    let caught_up = wait_until(Duration::from_secs(120), || {
        let Ok(store) = Store::open(&storage) else {
            return false;
        };
        let queues = store.queues().unwrap();
        let indexed = daemon.json("/api/search?q=&limit=1", 200)["total"].as_i64();
        // Every document matched, not just every recorded match sent: on a
        // busy machine the last batch may not be matched yet.
        let (matched, _) = store.rule_matches("convois", 1, 0).unwrap();
        queues.documents == total
            && indexed == Some(total)
            && matched == total
            && queues.matches_waiting == 0
            && queues.digests_undelivered == 0
    });
    assert!(caught_up, "seed {seed}; the daemon said:\n{}", daemon.log());
    daemon.stop();

    // The record: every item once.
    let store = Store::open(&storage).unwrap();
    let documents = store.documents_after(0, 10_000).unwrap();
    let links: BTreeSet<String> = documents.iter().map(|d| d.url.clone()).collect();
    assert_eq!(documents.len(), expected.len(), "seed {seed}: duplicates");
    assert_eq!(links, expected, "seed {seed}");
    let ids: BTreeSet<i64> = documents.iter().map(|d| d.id).collect();

    // The index: the same documents, once each.
    let archive = Archive::open(&storage).unwrap();
    assert_eq!(archive.document_count(), ids.len() as u64, "seed {seed}");
    drop(archive);

    // Alerts: each document matched once, in exactly one digest; a digest
    // sent again after a kill carries the same key and the same items.
    let (matched, matches) = store.rule_matches("convois", 10_000, 0).unwrap();
    assert_eq!(matched, total, "seed {seed}");
    assert!(
        matches.iter().all(|row| row.delivered.is_some()),
        "seed {seed}"
    );
    let mut digests: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let calls = calls.lock().unwrap().clone();
    for (key, body) in &calls {
        assert!(key.starts_with("veille-digest-"), "{key}");
        let items: BTreeSet<i64> = body["digest"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| item["document_id"].as_i64().unwrap())
            .collect();
        if let Some(earlier) = digests.insert(key.clone(), items.clone()) {
            assert_eq!(
                earlier, items,
                "seed {seed}: digest {key} changed on resend"
            );
        }
    }
    let mut delivered = BTreeSet::new();
    for items in digests.values() {
        for id in items {
            assert!(
                delivered.insert(*id),
                "seed {seed}: document {id} in two digests"
            );
        }
    }
    assert_eq!(delivered, ids, "seed {seed}: every match delivered");
    // The outbox has one file per digest, whatever the resends.
    let outbox: Vec<_> = std::fs::read_dir(storage.join("outbox"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
        .collect();
    assert_eq!(outbox.len(), digests.len(), "seed {seed}");
    println!(
        "{} webhook calls ({} during the kills) for {} digests",
        calls.len(),
        calls_during_kills,
        digests.len()
    );
}
