//! Faults injected into a running veille: a request that would overflow the
//! parser's stack, links to internal addresses in a remote feed, a disk
//! that fills or turns read-only under the index, an index folder deleted,
//! dates no news carries, a second daemon on the same storage, a record
//! truncated to nothing, clients that never finish their headers. Each must
//! be refused or survived with a clear word, and lose nothing.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;
use veille::archive::EntityLookup;
use veille::archive::query::{self, MAX_NESTING, QueryContext};
use veille::enrich::Gazetteer;
use veille::store::Store;

use crate::support::daemon::{Daemon, wait_until};
use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, text, veille_command};

const STORAGE: &str = "\n[storage]\ncommit_interval = \"200ms\"\n";

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A query as a hostile client sends it: parentheses unencoded (legal in
/// a query string), so 1,900 levels fit in a 4 KB request line.
fn raw(text: &str) -> String {
    text.replace(' ', "+")
}

fn feed_entry(id: &str, url: &str) -> String {
    format!("\n[[feed]]\nid = \"{id}\"\nurl = \"{url}\"\nschedule = \"every 1h\"\n")
}

/// Quick settings and one feed, `id`, on `server`'s `/feed.xml`.
fn watching(server: &TestServer, id: &str) -> Setup {
    Setup::new(&format!(
        "{FAST_FETCH}{STORAGE}{}",
        feed_entry(id, &server.url("/feed.xml"))
    ))
}

/// A feed with no items.
fn empty_feed() -> TestServer {
    TestServer::start(|_| Reply::ok("application/rss+xml", channel("")))
}

/// An RSS item, dated.
fn item(guid: &str, title: &str, link: &str, date: &str, description: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>{link}</link>\
         <pubDate>{date}</pubDate><description>{description}</description></item>\n"
    )
}

fn channel(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>t</title>\
         <link>http://example.org/</link>\n{items}</channel></rss>\n"
    )
}

fn record(setup: &Setup) -> Store {
    Store::open(&setup.config().storage_dir()).unwrap()
}

fn record_ids(setup: &Setup) -> BTreeSet<i64> {
    record(setup)
        .documents_after(0, 100_000)
        .unwrap()
        .iter()
        .map(|document| document.id)
        .collect()
}

/// The ids every search finds.
fn indexed_ids(daemon: &Daemon) -> BTreeSet<i64> {
    let results = daemon.json("/api/search?q=&limit=100", 200);
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_i64().unwrap())
        .collect()
}

/// Waits (30 s at most) until the index holds exactly the record's
/// documents.
fn assert_index_agrees(daemon: &Daemon, setup: &Setup) {
    assert!(
        wait_until(Duration::from_secs(30), || indexed_ids(daemon)
            == record_ids(setup)),
        "index {:?} != record {:?}\n{}",
        indexed_ids(daemon),
        record_ids(setup),
        daemon.log()
    );
}

fn health(daemon: &Daemon) -> Value {
    let (_, _, body) = daemon.get("/healthz");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

fn index_trouble(health: &Value) -> bool {
    health["reasons"].as_array().is_some_and(|reasons| {
        reasons
            .iter()
            .any(|r| r.to_string().contains("search index"))
    })
}

/// `veille fetch --feed ID`, bounded: (success, stdout, stderr).
fn fetch_feed(setup: &Setup, id: &str) -> (bool, String, String) {
    let output = setup.veille(&["fetch", "--feed", id]);
    (
        output.status.success(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

/// Waits up to `limit` for `child` to exit; kills it and fails if it does
/// not.
fn exit_within(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("still running after {limit:?}");
}

fn spawn_run(setup: &Setup) -> std::process::Child {
    veille_command()
        .arg("--config")
        .arg(&setup.config_path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stderr_of(child: &mut std::process::Child) -> String {
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

// 1. The query parser's nesting limit.

fn nested(depth: usize) -> String {
    format!("{}blocus{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn a_deeply_nested_query_is_refused_and_the_daemon_keeps_serving() {
    let server = empty_feed();
    let setup = watching(&server, "vide");
    let daemon = Daemon::start(&setup);
    let hostile = [
        nested(1900),
        format!("{}blocus", "NOT ".repeat(1900)),
        format!("{}blocus", "-(".repeat(1900)),
    ];
    for path in [
        "/api/search?q=",
        "/api/entities?q=",
        "/api/export?q=",
        "/?q=",
    ] {
        for query in &hostile {
            let (status, _, body) = daemon.get(&format!("{path}{}", raw(query)));
            assert_eq!(status, 400, "{path}: {}", &body[..body.len().min(300)]);
            assert!(body.contains("nested too deeply"), "{path}: {body:.300}");
        }
    }
    // At the limit, a query is still answered.
    let (status, _, body) = daemon.get(&format!("/api/search?q={}", encode(&nested(MAX_NESTING))));
    assert_eq!(status, 200, "{body}");
    assert_eq!(health(&daemon)["status"], "ok");

    // A reload with such a rule is rejected; the old configuration stays.
    let rule = format!(
        "\n[[alert]]\nid = \"profond\"\nquery = \"{}\"\nmode = \"immediate\"\n",
        nested(1900)
    );
    let good = std::fs::read_to_string(&setup.config_path).unwrap();
    std::fs::write(&setup.config_path, format!("{good}{rule}")).unwrap();
    daemon.signal("HUP");
    assert!(
        wait_until(Duration::from_secs(20), || daemon
            .log()
            .contains("reload rejected")),
        "{}",
        daemon.log()
    );
    assert!(
        daemon.log().contains("nested too deeply"),
        "{}",
        daemon.log()
    );
    let (status, _, _) = daemon.get("/api/search?q=blocus");
    assert_eq!(status, 200, "still serving after the rejected reload");
    let alerts = daemon.json("/api/alerts", 200);
    assert!(!alerts.to_string().contains("profond"), "{alerts}");

    // `veille check` names the file and line of the rule.
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    let line = good.lines().count() + 4;
    let at = format!("{}:{line}:", setup.config_path.display());
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(&at) && l.contains("nested too deeply")),
        "expected {at} … nested too deeply in:\n{stderr}"
    );
}

/// A few characters the query language gives meaning to, and others.
fn query_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "(",
        ")",
        "\"",
        "-",
        "NOT ",
        "AND ",
        "OR ",
        " ",
        ":",
        "since:",
        "until:",
        "entity:",
        "title:",
        "9999999999d",
        "2300-01-01",
        "x",
        "blocus",
        "é",
        "نيورو",
        "\u{0}",
        "\t",
    ]);
    prop_oneof![
        prop::collection::vec(pieces, 0..2000).prop_map(|parts| parts.concat()),
        ".{0,2000}",
    ]
    .prop_map(|mut text: String| {
        while text.len() > 8192 {
            text.pop();
        }
        text
    })
}

fn parse(text: &str) -> Result<query::Expr, query::QueryError> {
    static GAZETTEER: std::sync::LazyLock<Gazetteer> = std::sync::LazyLock::new(Gazetteer::default);
    let lookup = EntityLookup::new(&GAZETTEER);
    let context = QueryContext {
        gazetteer: &GAZETTEER,
        lookup: &lookup,
        now: chrono::Utc::now(),
    };
    query::parse(text, &context)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_query_parser_never_panics_on_up_to_8_kib(input in query_text()) {
        let _ = parse(&input);
    }

    #[test]
    fn deep_nesting_is_an_error_never_an_overflow(depth in 0usize..4000, not in any::<bool>()) {
        let query = if not {
            format!("{}x", "NOT ".repeat(depth))
        } else {
            nested(depth)
        };
        let outcome = parse(&query);
        if depth <= MAX_NESTING {
            prop_assert!(outcome.is_ok(), "{depth}: {outcome:?}");
        } else {
            prop_assert!(outcome.unwrap_err().message.contains("nested too deeply"));
        }
    }
}

// 2. Internal addresses stay internal.

/// A feed on loopback (trusted: the operator named it) whose items link to
/// internal addresses, all pointing at `canary`, and one that redirects
/// there from the feed's own server.
fn ssrf_server(canary: &TestServer) -> (TestServer, Vec<String>) {
    let port = canary.addr.port();
    let links = vec![
        format!("http://127.0.0.1:{port}/api/feeds"),
        format!("http://localhost:{port}/secret"),
        format!("http://[::1]:{port}/secret"),
        format!("http://2130706433:{port}/secret"),
        format!("http://0x7f.1:{port}/secret"),
        format!("http://0.0.0.0:{port}/secret"),
        format!("http://[::ffff:127.0.0.1]:{port}/secret"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ];
    let items: String = links
        .iter()
        .enumerate()
        .map(|(n, link)| {
            item(
                &format!("i{n}"),
                "Brève",
                link,
                "Mon, 02 Nov 2026 08:15:00 +0000",
                "Brève.",
            )
        })
        .collect();
    let hop_target = format!("http://127.0.0.1:{port}/hop-target");
    let body = std::sync::Mutex::new(None::<String>);
    let server = TestServer::start(move |request| {
        if request.path == "/hop" {
            return Reply::status(302).header("Location", &hop_target);
        }
        let mut body = body.lock().unwrap();
        let own = format!("http://{}/hop", request.header("host").unwrap_or_default());
        let feed = body.get_or_insert_with(|| {
            channel(&format!(
                "{items}{}",
                item(
                    "hop",
                    "Brève",
                    &own,
                    "Mon, 02 Nov 2026 08:15:00 +0000",
                    "Brève."
                )
            ))
        });
        Reply::ok("application/rss+xml", feed.clone())
    });
    (server, links)
}

fn canary() -> TestServer {
    TestServer::start(|_| {
        let secret = "Réponse interne SECRET-CANARY. ".repeat(40);
        Reply::ok(
            "text/html",
            format!(
                "<html><head><title>interne</title></head><body><article><h1>interne</h1><p>{secret}</p><p>{secret}</p></article></body></html>"
            ),
        )
    })
}

/// The feed `distant` on `feed`, no retries, `fetch` keys added.
fn distant(feed: &TestServer, fetch: &str) -> Setup {
    Setup::new(&format!(
        "{FAST_FETCH}retries = 0\n{fetch}{}",
        feed_entry("distant", &feed.url("/feed.xml"))
    ))
}

#[test]
fn links_to_internal_addresses_are_refused_at_every_hop() {
    let canary = canary();
    let (feed, links) = ssrf_server(&canary);
    let setup = distant(&feed, "");
    let (ok, stdout, stderr) = fetch_feed(&setup, "distant");
    assert!(ok, "{stdout}{stderr}");
    assert!(
        canary.requests().is_empty(),
        "veille reached an internal address: {:?}",
        canary.requests()
    );
    // The redirect's first hop is the feed's own server; the second is
    // refused.
    assert_eq!(feed.requests_for("/hop").len(), 1);
    for link in &links {
        let host = url::Url::parse(link)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        assert!(
            stdout
                .lines()
                .any(|line| line.contains("refused") && line.contains(&host)),
            "no refusal for {link} in:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("hop-target") || stdout.contains("/hop"),
        "{stdout}"
    );
    // Every item is kept, with the feed's own text, and nothing internal.
    let documents = record(&setup).documents_after(0, 100).unwrap();
    assert_eq!(documents.len(), links.len() + 1);
    assert!(documents.iter().all(|d| !d.text.contains("SECRET-CANARY")));
    // The refusals are kept on the feed's status, for the feeds page and
    // `/api/feeds`, not only in the log.
    let status = record(&setup).feed_status("distant").unwrap().unwrap();
    assert!(status.warning_count >= links.len() as i64, "{status:?}");
    assert!(
        status
            .warnings
            .iter()
            .any(|warning| warning.contains("refused")),
        "{status:?}"
    );

    // The same feed with loopback allowed does reach the canary: the
    // refusals above are the policy's, not an unreachable address.
    let canary = self::canary();
    let (feed, _) = ssrf_server(&canary);
    let allowing = distant(
        &feed,
        "allow_private = [\"127.0.0.0/8\", \"::ffff:127.0.0.0/104\"]\n",
    );
    let (ok, stdout, stderr) = fetch_feed(&allowing, "distant");
    assert!(ok, "{stdout}{stderr}");
    assert!(canary.requests_for("/secret").len() >= 3, "{stdout}");
    assert_eq!(canary.requests_for("/hop-target").len(), 1, "{stdout}");
    let documents = record(&allowing).documents_after(0, 100).unwrap();
    assert!(documents.iter().any(|d| d.text.contains("SECRET-CANARY")));
}

// 3 and 4. The index never falls behind for good; health says so meanwhile.

/// A tmpfs of `size` at `path`, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output();
        match output {
            Ok(output) if output.status.success() => Some(Tmpfs(path.to_owned())),
            Ok(output) => {
                eprintln!(
                    "SKIPPED: cannot mount a {size} tmpfs at {} ({}); this fault needs root and mount",
                    path.display(),
                    text(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                eprintln!("SKIPPED: cannot run mount ({error}); this fault needs root and mount");
                None
            }
        }
    }

    /// Lays a read-only view over the folder until [`Tmpfs::writable`].
    /// (Remounting the tmpfs itself read-only fails while the daemon holds
    /// files open for writing; a read-only bind mount on top does what an
    /// operator's mistake would: every new write fails.)
    fn read_only(&self) {
        let bind = Command::new("mount")
            .arg("--bind")
            .arg(&self.0)
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(bind.success(), "mount --bind");
        let read_only = Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(read_only.success(), "remount the bind mount read-only");
    }

    fn writable(&self) {
        let status = Command::new("umount").arg(&self.0).status().unwrap();
        assert!(status.success(), "umount the read-only view");
    }

    /// Writes a file until the tmpfs is full; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A feed that lists `batches` times 5 items, each with a text long enough
/// that no page is fetched.
fn growing_feed() -> (TestServer, Arc<AtomicUsize>) {
    let batches = Arc::new(AtomicUsize::new(1));
    let shown = batches.clone();
    let server = TestServer::start(move |_| {
        let items: String = (0..shown.load(Ordering::SeqCst) * 5)
            .map(|n| {
                item(
                    &format!("g{n}"),
                    &format!("Convoi {n}"),
                    &format!("http://example.org/{n}"),
                    "Mon, 02 Nov 2026 08:15:00 +0000",
                    &long_text(&format!("Le convoi numéro {n} est arrivé à Kayes")),
                )
            })
            .collect();
        Reply::ok("application/rss+xml", channel(&items))
    });
    (server, batches)
}

enum Fault {
    DiskFull,
    ReadOnly,
}

/// Stores 5 documents, breaks the index's disk, stores 10 more, repairs
/// the disk: the index must then hold exactly the record's documents, with
/// no reindex, and health must have said the index was in trouble.
fn index_survives(fault: Fault) {
    let (server, batches) = growing_feed();
    let setup = watching(&server, "convois");
    let archive = setup.dir.path().join("index/archive");
    let Some(tmpfs) = Tmpfs::mount(&archive, "2m") else {
        return;
    };
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(30), || indexed_ids(&daemon).len() == 5),
        "{}",
        daemon.log()
    );
    let filler = match fault {
        Fault::DiskFull => Some(tmpfs.fill()),
        Fault::ReadOnly => {
            tmpfs.read_only();
            None
        }
    };
    for batch in [2, 3] {
        batches.store(batch, Ordering::SeqCst);
        let (ok, stdout, stderr) = fetch_feed(&setup, "convois");
        assert!(ok, "{stdout}{stderr}");
    }
    assert_eq!(record_ids(&setup).len(), 15);
    assert!(
        wait_until(Duration::from_secs(20), || {
            let health = health(&daemon);
            health["status"] != "ok" && index_trouble(&health)
        }),
        "health did not report the index: {}\n{}",
        health(&daemon),
        daemon.log()
    );
    assert!(indexed_ids(&daemon).len() < 15, "the fault did not bite");
    match filler {
        Some(filler) => std::fs::remove_file(filler).unwrap(),
        None => tmpfs.writable(),
    }
    assert_index_agrees(&daemon, &setup);
    assert!(
        wait_until(Duration::from_secs(20), || !index_trouble(&health(&daemon))),
        "{}",
        health(&daemon)
    );
    // And a restart finds nothing to repair.
    daemon.stop();
    let daemon = Daemon::start(&setup);
    assert_eq!(indexed_ids(&daemon), record_ids(&setup));
    drop(daemon);
    drop(tmpfs);
}

#[test]
fn the_index_catches_up_after_the_disk_fills_and_frees() {
    index_survives(Fault::DiskFull);
}

#[test]
fn the_index_catches_up_after_a_read_only_moment() {
    index_survives(Fault::ReadOnly);
}

#[test]
fn a_deleted_index_folder_is_rebuilt_while_running() {
    let (server, batches) = growing_feed();
    let setup = watching(&server, "convois");
    let daemon = Daemon::start(&setup);
    assert!(wait_until(Duration::from_secs(30), || indexed_ids(&daemon)
        .len()
        == 5));
    std::fs::remove_dir_all(setup.dir.path().join("index/archive")).unwrap();
    batches.store(2, Ordering::SeqCst);
    let (ok, stdout, stderr) = fetch_feed(&setup, "convois");
    assert!(ok, "{stdout}{stderr}");
    assert_index_agrees(&daemon, &setup);
    assert!(setup.dir.path().join("index/archive/meta.json").exists());
}

// 5. Dates no news carries.

#[test]
fn implausible_dates_are_shown_at_first_sight_and_flagged() {
    let dates = [
        ("ancien", "Mon, 01 Jan 1600 00:00:00 +0000"),
        ("futur", "Thu, 01 Jan 2099 00:00:00 +0000"),
        ("lointain", "Fri, 31 Dec 9999 00:00:00 +0000"),
        ("normal", "Mon, 02 Nov 2026 08:15:00 +0000"),
    ];
    let items: String = dates
        .iter()
        .map(|(guid, date)| {
            item(
                guid,
                guid,
                &format!("http://example.org/{guid}"),
                date,
                &long_text(&format!("Dépêche {guid} sur le convoi de Kayes")),
            )
        })
        .collect();
    let body = channel(&items);
    let server = TestServer::start(move |_| Reply::ok("application/rss+xml", body.clone()));
    let setup = watching(&server, "dates");
    let started = chrono::Utc::now();
    let daemon = Daemon::start(&setup);
    assert!(wait_until(Duration::from_secs(30), || indexed_ids(&daemon)
        .len()
        == 4));
    let results = daemon.json("/api/search?q=&sort=date&limit=10", 200);
    let hits = results["hits"].as_array().unwrap();
    for hit in hits {
        let title = hit["title"].as_str().unwrap();
        let published = chrono::DateTime::parse_from_rfc3339(hit["published"].as_str().unwrap())
            .unwrap()
            .to_utc();
        let flagged = hit["published_is_fetch_time"].as_bool().unwrap();
        if title == "normal" {
            assert!(!flagged, "{hit}");
            assert_eq!(published.to_rfc3339(), "2026-11-02T08:15:00+00:00");
        } else {
            assert!(flagged, "{hit}");
            assert!(
                published >= started - chrono::Duration::minutes(1)
                    && published <= chrono::Utc::now(),
                "{hit}"
            );
        }
    }
    // The undated ones were first seen now, so they are the newest; the
    // dated one is last, not pushed back by a wrapped date.
    assert_eq!(hits.last().unwrap()["title"], "normal", "{results}");
    let count = |query: &str| -> Value {
        let (status, _, body) = daemon.get(&format!("/api/search?limit=0&q={}", encode(query)));
        serde_json::json!({ "status": status, "body": serde_json::from_str::<Value>(&body).unwrap_or(Value::Null) })
    };
    assert_eq!(count("until:2300-01-01")["body"]["total"], 4);
    assert_eq!(
        count("since:2026-11-01 until:2026-11-03")["body"]["total"],
        1
    );
    assert_eq!(count("since:1900-01-01")["body"]["total"], 4);
    for query in ["since:9999999999d", "until:9999999999w"] {
        let answer = count(query);
        assert_eq!(answer["status"], 400, "{query}: {answer}");
    }
    let timeline = daemon.get("/?q=");
    assert_eq!(timeline.0, 200);
    assert!(!timeline.2.contains("1816") && !timeline.2.contains("2184"));
    // The web page marks the dates that are first-seen times.
    assert!(
        timeline.2.contains("first seen then") || timeline.2.contains("vu pour la première fois"),
        "no first-seen mark on the page"
    );
}

// 6. One daemon per storage folder.

#[test]
fn a_second_daemon_on_the_same_storage_says_so_and_exits() {
    let server = empty_feed();
    let setup = watching(&server, "vide");
    let first = Daemon::start(&setup);
    let mut second = spawn_run(&setup);
    let status = exit_within(&mut second, Duration::from_secs(10));
    let stderr = stderr_of(&mut second);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another `veille run`")
            && stderr.contains(&format!("pid {}", first.child.id())),
        "{stderr}"
    );
    assert_eq!(health(&first)["status"], "ok");
}

// 7. A record truncated to nothing.

#[test]
fn an_emptied_record_beside_an_index_is_refused() {
    let (server, _) = growing_feed();
    let setup = watching(&server, "convois");
    let (ok, stdout, stderr) = fetch_feed(&setup, "convois");
    assert!(ok, "{stdout}{stderr}");
    let storage = setup.dir.path().join("index");
    let record = storage.join("veille.sqlite");
    for leftover in ["veille.sqlite-wal", "veille.sqlite-shm"] {
        let _ = std::fs::remove_file(storage.join(leftover));
    }
    std::fs::File::create(&record).unwrap();
    let index_before = std::fs::read(storage.join("archive/meta.json")).unwrap();

    let (ok, stdout, stderr) = fetch_feed(&setup, "convois");
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("is empty (0 bytes)"), "{stderr}");
    let mut daemon = spawn_run(&setup);
    let status = exit_within(&mut daemon, Duration::from_secs(20));
    let stderr = stderr_of(&mut daemon);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("restore it from a backup") || stderr.contains("Restore it"),
        "{stderr}"
    );
    // Nothing was started over.
    assert_eq!(std::fs::metadata(&record).unwrap().len(), 0);
    assert_eq!(
        std::fs::read(storage.join("archive/meta.json")).unwrap(),
        index_before
    );
    assert_eq!(
        server.requests_for("/feed.xml").len(),
        1,
        "the feed was fetched again"
    );
}

// 8. Slow clients.

#[test]
fn clients_that_never_finish_their_headers_are_disconnected() {
    let server = empty_feed();
    let setup = Setup::new(&format!(
        "[server]\nbind = \"127.0.0.1:0\"\nrequest_timeout = \"2s\"\n[fetch]\nper_host_delay = \"0s\"\n{STORAGE}{}",
        feed_entry("vide", &server.url("/feed.xml"))
    ));
    let daemon = Daemon::start(&setup);
    let address = daemon.api.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .write_all(b"GET /api/feeds HTTP/1.1\r\nHost: veille\r\nX-Slow: ")
                .unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            stream
        })
        .collect();
    // Meanwhile, a client that finishes its request is served.
    assert_eq!(daemon.get("/healthz").0, 200);
    for stream in &mut slow {
        let mut buffer = [0u8; 256];
        // Closed: end of stream (after an error answer, if any), or a reset.
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(error) => {
                    assert!(
                        !matches!(
                            error.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ),
                        "still open: {error}"
                    );
                    break;
                }
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(15),
        "slow clients were held {elapsed:?}"
    );
    assert_eq!(daemon.get("/healthz").0, 200);
}

#[test]
fn a_sidecar_cannot_point_the_audio_outside_the_drop_folder() {
    let setup = Setup::new(&format!(
        "{FAST_FETCH}\n[[feed]]\nid = \"rrk\"\nkind = \"transcript\"\nfolder = \"drop\"\nfile_pattern = \"{{station}}_{{date}}_{{time}}.vtt\"\nmin_age = \"0s\"\ntimezone = \"Africa/Bamako\"\nlanguage = \"fr\"\n"
    ));
    let drop = setup.dir.path().join("drop");
    std::fs::create_dir(&drop).unwrap();
    std::fs::write(
        drop.join("rrk_20261120_0730.vtt"),
        "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nLe convoi de carburant est arrivé à Kayes ce matin.\n",
    )
    .unwrap();
    std::fs::write(
        drop.join("rrk_20261120_0730.toml"),
        "station = \"Radio Rurale de Kayes\"\naudio = \"../../../../../../etc/passwd\"\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = fetch_feed(&setup, "rrk");
    assert!(ok, "{stdout}{stderr}");
    let documents = record(&setup).documents_after(0, 10).unwrap();
    assert_eq!(documents.len(), 1, "{stdout}");
    let audio = documents[0]
        .transcript
        .as_ref()
        .and_then(|transcript| transcript.audio_url.clone());
    assert!(
        audio
            .as_deref()
            .is_none_or(|audio| !audio.contains("etc/passwd")),
        "{audio:?}"
    );
}
