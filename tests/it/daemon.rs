//! `veille run` as an operator runs it: starts, polls on schedule, stops on
//! SIGTERM, and keeps its state through `kill -9`.

use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use veille::store::Store;

use crate::support::{Reply, Setup, TestServer, long_text, rss, text};

fn start_daemon(setup: &Setup) -> Child {
    crate::support::daemon::spawn_run(setup)
}

/// Waits up to `limit` for the record to hold `count` documents.
fn wait_for_documents(setup: &Setup, daemon: &mut Child, count: i64, limit: Duration) {
    let started = Instant::now();
    let dir = setup.dir.path().join("index");
    loop {
        if let Ok(store) = Store::open(&dir)
            && store.document_count().unwrap_or(0) >= count
        {
            return;
        }
        if started.elapsed() > limit {
            let _ = daemon.kill();
            let mut stderr = String::new();
            std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("no {count} documents after {limit:?}; the daemon said:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("daemon did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

/// A feed of `count` teaser items whose article pages answer after
/// `page_delay`, served with an ETag and answering 304 to it.
fn feed_server(count: usize, page_delay: Duration) -> TestServer {
    let feed_body = Arc::new(Mutex::new(String::new()));
    let served = feed_body.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" if request.header("if-none-match") == Some("\"k\"") => Reply::status(304),
        "/feed.xml" => {
            Reply::ok("application/rss+xml", served.lock().unwrap().clone()).header("ETag", "\"k\"")
        }
        path if path.starts_with("/page/") => {
            let page = format!(
                "<html><body><article><h1>{path}</h1><p>{}</p></article></body></html>",
                long_text(&format!("Article {path} sur Kayes"))
            );
            Reply::ok("text/html", page).delayed(page_delay)
        }
        _ => Reply::status(404),
    });
    let items: Vec<(String, String)> = (1..=count)
        .map(|n| (n.to_string(), server.url(&format!("/page/{n}"))))
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(id, url)| (id.as_str(), id.as_str(), url.as_str(), "Teaser."))
        .collect();
    *feed_body.lock().unwrap() = rss("k", &refs);
    server
}

fn daemon_setup(server: &TestServer) -> Setup {
    Setup::with_feeds(
        "[defaults]\nschedule = \"every 10s\"",
        &[("k", &server.url("/feed.xml"))],
    )
}

#[test]
fn run_polls_and_stops_cleanly_on_sigterm() {
    let server = feed_server(3, Duration::ZERO);
    let setup = daemon_setup(&server);
    let mut daemon = start_daemon(&setup);
    wait_for_documents(&setup, &mut daemon, 3, Duration::from_secs(30));
    signal(&daemon, "TERM");
    let status = wait_for_exit(&mut daemon, Duration::from_secs(15));
    let mut stderr = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stderr.contains("scheduler stopped"), "{stderr}");

    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    let feed = store.feed_status("k").unwrap().unwrap();
    assert!(feed.last_success.is_some());
    assert!(feed.next_run.is_some(), "next run recorded");
}

#[test]
fn state_survives_kill_9_in_the_middle_of_a_poll() {
    // Six entries whose pages take 400 ms each: killed after the second is
    // stored, the daemon is mid-poll.
    let server = feed_server(6, Duration::from_millis(400));
    let setup = daemon_setup(&server);
    let mut daemon = start_daemon(&setup);
    wait_for_documents(&setup, &mut daemon, 2, Duration::from_secs(30));
    signal(&daemon, "KILL");
    wait_for_exit(&mut daemon, Duration::from_secs(10));
    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    let stored_before = store.document_count().unwrap();
    assert!(stored_before < 6, "the poll finished before the kill");

    // The interrupted poll saved no validators, so the feed is read again
    // (no 304) and only what is missing is stored.
    let output = setup.veille(&["fetch"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    let expected = format!(
        "k  {} new, 0 duplicate, {stored_before} already seen",
        6 - stored_before
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert_eq!(store.document_count().unwrap(), 6);

    // Now complete, the feed's validators hold: the next fetch is a 304.
    let stdout = text(&setup.veille(&["fetch"]).stdout);
    assert!(stdout.contains("k  not modified"), "{stdout}");
    assert_eq!(
        server
            .requests_for("/feed.xml")
            .last()
            .unwrap()
            .header("if-none-match"),
        Some("\"k\"")
    );
}
