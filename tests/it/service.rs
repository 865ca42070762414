//! veille as a system service: the systemd unit's hardening, the sd_notify
//! conversation (READY, STATUS, WATCHDOG, RELOADING, STOPPING), reloading
//! on SIGHUP, `/healthz`, `/metrics`, `/api/feeds`, and the API token.

use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::{Daemon, wait_until};
use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, project_root, rss};

/// A loopback server with two healthy feeds (`/a.xml`, `/b.xml`, two
/// stories each) and a broken one (`/down.xml`, 503).
fn news_server() -> TestServer {
    TestServer::start(|request| match request.path.as_str() {
        "/a.xml" | "/b.xml" => {
            let feed = &request.path[1..2];
            let items: Vec<(String, String, String, String)> = (1..=2)
                .map(|n| {
                    (
                        format!("{feed}-{n}"),
                        format!("Story {n} from {feed}"),
                        format!("http://127.0.0.1/{feed}/{n}"),
                        long_text(&format!("Convoy number {n} of feed {feed} reached Kayes")),
                    )
                })
                .collect();
            let items: Vec<(&str, &str, &str, &str)> = items
                .iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
                .collect();
            Reply::ok("application/rss+xml", rss(feed, &items))
        }
        "/down.xml" => Reply::status(503),
        _ => Reply::status(404),
    })
}

fn feed_entry(id: &str, url: &str) -> String {
    format!("\n[[feed]]\nid = \"{id}\"\nurl = \"{url}\"\nschedule = \"every 1h\"\n")
}

const STORAGE: &str = "\n[storage]\ncommit_interval = \"200ms\"\n";

/// Collects what the daemon sends to `NOTIFY_SOCKET`.
struct NotifySocket {
    path: std::path::PathBuf,
    messages: Arc<Mutex<Vec<String>>>,
}

impl NotifySocket {
    fn bind(dir: &std::path::Path) -> NotifySocket {
        let path = dir.join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::downgrade(&messages);
        // Ends when the test drops the socket's owner.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            loop {
                let Some(messages) = kept.upgrade() else {
                    return;
                };
                if let Ok(length) = socket.recv(&mut buffer) {
                    let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
                    messages.lock().unwrap().push(text);
                }
            }
        });
        NotifySocket { path, messages }
    }

    fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Lines sent so far that start with `prefix`.
    fn lines(&self, prefix: &str) -> Vec<String> {
        self.messages()
            .iter()
            .flat_map(|message| message.lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|line| line.starts_with(prefix))
            .collect()
    }

    fn wait_for(&self, line: &str, count: usize) -> bool {
        wait_until(Duration::from_secs(30), || self.lines(line).len() >= count)
    }
}

fn feeds(daemon: &Daemon) -> Value {
    daemon.json("/api/feeds", 200)
}

fn feed<'a>(feeds: &'a Value, id: &str) -> &'a Value {
    feeds["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|feed| feed["id"] == id)
        .unwrap_or_else(|| panic!("no feed {id} in {feeds}"))
}

#[test]
fn the_unit_file_passes_a_security_review() {
    let unit = project_root().join("systemd/veille.service");
    let output = std::process::Command::new("systemd-analyze")
        .args(["security", "--offline=yes"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze (Debian package systemd) must be installed");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let score: f64 = text
        .lines()
        .find_map(|line| {
            line.split("Overall exposure level for veille.service:")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|score| score.parse().ok())
        .unwrap_or_else(|| panic!("no score in:\n{text}"));
    assert!(score <= 2.0, "exposure {score}:\n{text}");

    let unit = std::fs::read_to_string(&unit).unwrap();
    for line in [
        "Type=notify",
        "WatchdogSec=",
        "ExecStartPre=/usr/local/bin/veille check",
        "StateDirectory=veille",
        "DynamicUser=yes",
    ] {
        assert!(unit.contains(line), "the unit lacks {line}");
    }
    // The check runs before the signal, so a bad file never reaches the
    // daemon.
    let reloads: Vec<&str> = unit
        .lines()
        .filter(|line| line.starts_with("ExecReload="))
        .collect();
    assert_eq!(reloads.len(), 2, "{reloads:?}");
    assert!(reloads[0].contains("veille check"), "{reloads:?}");
    assert!(reloads[1].contains("kill -HUP $MAINPID"), "{reloads:?}");
}

#[test]
fn systemd_hears_ready_watchdog_reload_and_stop() {
    let server = news_server();
    let setup = Setup::new(&format!(
        "{FAST_FETCH}{STORAGE}{}",
        feed_entry("a", &server.url("/a.xml"))
    ));
    let socket = NotifySocket::bind(setup.dir.path());
    let daemon = Daemon::start_with_env(
        &setup,
        &[
            ("NOTIFY_SOCKET", socket.path.to_str().unwrap()),
            // A ping every half second.
            ("WATCHDOG_USEC", "1000000"),
        ],
    );
    assert!(socket.wait_for("READY=1", 1), "{:?}", socket.messages());
    assert!(
        socket
            .lines("STATUS=")
            .iter()
            .any(|line| line.contains("watching 1 sources")),
        "{:?}",
        socket.messages()
    );
    assert!(socket.wait_for("WATCHDOG=1", 3), "{:?}", socket.messages());
    assert!(
        wait_until(
            Duration::from_secs(30),
            || feed(&feeds(&daemon), "a")["documents_24h"] == 2
        ),
        "{}",
        feeds(&daemon)
    );

    // A valid edit: a second feed, and an alert rule.
    std::fs::write(
        &setup.config_path,
        format!(
            "{FAST_FETCH}{STORAGE}{}{}\n[[alert]]\nid = \"convoys\"\nquery = \"convoy\"\nmode = \"immediate\"\n",
            feed_entry("a", &server.url("/a.xml")),
            feed_entry("b", &server.url("/b.xml"))
        ),
    )
    .unwrap();
    daemon.signal("HUP");
    assert!(socket.wait_for("RELOADING=1", 1), "{:?}", socket.messages());
    assert!(socket.wait_for("READY=1", 2), "{:?}", socket.messages());
    assert!(
        wait_until(
            Duration::from_secs(30),
            || feed(&feeds(&daemon), "b")["documents_24h"] == 2
        ),
        "{}\n{}",
        feeds(&daemon),
        daemon.log()
    );
    let alerts = daemon.json("/api/alerts", 200);
    assert_eq!(alerts["rules"][0]["id"], "convoys", "{alerts}");
    // Feed a was not fetched again by the reload: its run is still an
    // hour away.
    assert_eq!(server.requests_for("/a.xml").len(), 1);

    // A broken edit is refused, and the running configuration stays.
    std::fs::write(
        &setup.config_path,
        format!(
            "{FAST_FETCH}{STORAGE}{}\n[[feed]]\nid = \"c\"\nurl = \"{}\"\nshedule = \"every 1h\"\n",
            feed_entry("a", &server.url("/a.xml")),
            server.url("/c.xml")
        ),
    )
    .unwrap();
    daemon.signal("HUP");
    assert!(socket.wait_for("RELOADING=1", 2), "{:?}", socket.messages());
    assert!(socket.wait_for("READY=1", 3), "{:?}", socket.messages());
    assert!(
        wait_until(Duration::from_secs(10), || daemon
            .log()
            .contains("reload rejected")),
        "{}",
        daemon.log()
    );
    let log = daemon.log();
    let rejection = log
        .lines()
        .find(|line| line.contains("reload rejected"))
        .unwrap();
    assert!(
        rejection.contains("feeds.toml:") && rejection.contains("shedule"),
        "the rejection names the file, line and key: {rejection}"
    );
    let listed = feeds(&daemon);
    assert_eq!(listed["total"], 2, "{listed}");
    let metrics = daemon.get("/metrics").2;
    assert!(
        metrics.contains("veille_reloads_total{outcome=\"applied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("veille_reloads_total{outcome=\"rejected\"} 1"),
        "{metrics}"
    );

    let pid = daemon.child.id();
    let status = daemon.stop();
    assert!(status.success(), "exit status {status:?}");
    assert!(socket.wait_for("STOPPING=1", 1), "{:?}", socket.messages());
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn health_metrics_and_feeds_report_failures() {
    let server = news_server();
    let setup = Setup::new(&format!(
        "{FAST_FETCH}retries = 0\n{STORAGE}{}{}",
        feed_entry("a", &server.url("/a.xml")),
        feed_entry("down", &server.url("/down.xml"))
    ));
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(30), || {
            let listed = feeds(&daemon);
            feed(&listed, "a")["state"] == "ok" && feed(&listed, "down")["state"] == "failing"
        }),
        "{}",
        feeds(&daemon)
    );
    let listed = feeds(&daemon);
    assert_eq!(listed["failing"], 1, "{listed}");
    let down = feed(&listed, "down");
    assert!(
        down["last_error"].as_str().unwrap().contains("503"),
        "{down}"
    );
    assert_eq!(down["http_status"], 503, "{down}");
    assert!(down["next_run"].is_string(), "{down}");
    assert!(down["last_success"].is_null(), "{down}");
    let healthy = feed(&listed, "a");
    assert!(healthy["last_error"].is_null(), "{healthy}");
    assert_eq!(healthy["documents_7d"], 2, "{healthy}");
    assert_eq!(healthy["schedule"], "every 1h", "{healthy}");

    let (status, _, body) = daemon.get("/healthz");
    assert_eq!(status, 200, "{body}");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    let reasons = health["reasons"].to_string();
    assert!(reasons.contains("feed down failing"), "{health}");
    assert!(!reasons.contains("feed a "), "{health}");

    // The index catches up, and the metrics say so.
    assert!(
        wait_until(Duration::from_secs(20), || daemon
            .get("/metrics")
            .2
            .contains("veille_documents_indexed_total 2")),
        "{}",
        daemon.get("/metrics").2
    );
    let (status, content_type, metrics) = daemon.get("/metrics");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/openmetrics-text"));
    for expected in [
        "veille_fetches_total{outcome=\"updated\"} 1",
        "veille_fetches_total{outcome=\"failed\"} 1",
        "veille_feed_errors_total{feed_id=\"down\"} 1",
        "veille_documents_stored_total 2",
        "veille_documents 2",
        "veille_index_backlog_documents 0",
        "veille_alert_matches_waiting 0",
        "veille_feeds{state=\"failing\"} 1",
        "veille_feeds{state=\"ok\"} 1",
        "veille_polls_in_flight 0",
    ] {
        assert!(metrics.contains(expected), "no {expected} in:\n{metrics}");
    }
    // Two stories may reach the index in one turn or two.
    let turns: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("veille_index_update_seconds_count "))
        .and_then(|value| value.parse().ok())
        .expect("index turns");
    assert!((1..=2).contains(&turns), "{metrics}");
    let size: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("veille_index_size_bytes "))
        .and_then(|value| value.parse().ok())
        .expect("index size");
    assert!(size > 1000, "{metrics}");
    daemon.stop();
}

#[test]
fn a_token_guards_every_route_and_answers_stay_inert() {
    let setup = Setup::new(&format!(
        "[server]\nbind = \"127.0.0.1:0\"\ntoken_env = \"VEILLE_TEST_TOKEN\"\n{STORAGE}"
    ));
    let token = "a-long-random-token-for-tests-0123";
    let daemon = Daemon::start_with_env(&setup, &[("VEILLE_TEST_TOKEN", token)]);
    let bearer = format!("Bearer {token}");
    for path in ["/api/search?q=kayes", "/api/feeds", "/metrics", "/healthz"] {
        let (status, headers, body) = daemon.request(path, &[]);
        assert_eq!(status, 401, "{path}: {body}");
        assert!(headers["www-authenticate"].starts_with("Bearer"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-security-policy"].contains("default-src 'none'"));
        assert!(body.contains("API token"), "{body}");
        let (status, _, _) = daemon.request(
            path,
            &[("Authorization", "Bearer a-long-random-token-for-tests-0124")],
        );
        assert_eq!(status, 401, "{path} with a wrong token");
        let (status, headers, body) = daemon.request(path, &[("Authorization", &bearer)]);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-security-policy"].contains("default-src 'none'"));
    }
    let long = format!("/api/search?q={}", "kayes+".repeat(2000));
    let (status, headers, body) = daemon.request(&long, &[("Authorization", &bearer)]);
    assert_eq!(status, 414, "{body}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (status, headers, _) = daemon.request("/nowhere", &[("Authorization", &bearer)]);
    assert_eq!(status, 404);
    assert!(headers["content-security-policy"].contains("default-src 'none'"));
    let (status, _, body) = daemon.request("/api/search?q=(", &[("Authorization", &bearer)]);
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains(setup.dir.path().to_str().unwrap()), "{body}");
    daemon.stop();
}

#[test]
fn listening_beyond_loopback_needs_a_token() {
    let setup = Setup::new(
        "[server]\nbind = \"0.0.0.0:8080\"\n\n[[feed]]\nid = \"a\"\nurl = \"http://127.0.0.1:9/a.xml\"\n",
    );
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("feeds.toml:2") && stderr.contains("token_env"),
        "{stderr}"
    );

    // A token too short to be safe stops the daemon at start.
    let setup = Setup::new(&format!(
        "[server]\nbind = \"127.0.0.1:0\"\ntoken_env = \"VEILLE_SHORT_TOKEN\"\n{STORAGE}"
    ));
    let output = crate::support::veille_command()
        .env("VEILLE_SHORT_TOKEN", "short")
        .arg("--config")
        .arg(&setup.config_path)
        .arg("run")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shorter than 16"), "{stderr}");
}
