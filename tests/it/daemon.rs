//! `veille run` as an operator runs it: starts, polls on schedule, stops on
//! SIGTERM, and keeps its state through `kill -9`.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use veille::store::Store;

use crate::support::{Reply, Setup, TestServer, long_text, rss, text, veille_command};

fn start_daemon(setup: &Setup) -> Child {
    veille_command()
        .arg("--config")
        .arg(&setup.config_path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn veille run")
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

fn feed_server() -> TestServer {
    let items: Vec<(String, String, String, String)> = (1..=3)
        .map(|n| {
            (
                format!("{n}"),
                format!("Kayes {n}"),
                format!("https://k.example/{n}"),
                long_text(&format!("Kayes {n}")),
            )
        })
        .collect();
    let body = rss(
        "k",
        &items
            .iter()
            .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
            .collect::<Vec<_>>(),
    );
    TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => Reply::ok("application/rss+xml", body.clone()).header("ETag", "\"k\""),
        _ => Reply::status(404),
    })
}

fn daemon_setup(server: &TestServer) -> Setup {
    Setup::with_feeds(
        "[defaults]\nschedule = \"every 10s\"",
        &[("k", &server.url("/feed.xml"))],
    )
}

#[test]
fn run_polls_and_stops_cleanly_on_sigterm() {
    let server = feed_server();
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
fn state_survives_kill_9() {
    let server = feed_server();
    let setup = daemon_setup(&server);
    let mut daemon = start_daemon(&setup);
    wait_for_documents(&setup, &mut daemon, 3, Duration::from_secs(30));
    signal(&daemon, "KILL");
    wait_for_exit(&mut daemon, Duration::from_secs(10));

    let output = setup.veille(&["fetch"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    // The validators survived, so the feed answers 304 and nothing is new.
    assert!(stdout.contains("k  not modified"), "{stdout}");
    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    assert_eq!(store.document_count().unwrap(), 3);
}
