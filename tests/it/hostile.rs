//! Hostile sources: every fault of the loopback fault server, polled the way
//! users poll (`veille fetch --feed ID` as a child process). Each poll must
//! end within a bound, keep the child's memory bounded, and leave on the
//! feed either a clear reason or, when the input is readable, the right
//! documents.
//!
//! The fetch settings are tight so the module stays fast: a 5 s whole-request
//! timeout and no retries. A poll's bound is that timeout plus the child's
//! start-up and storing work.

use std::fs::File;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use veille::store::{FeedStatus, Store, StoredDocument};

use crate::support::daemon::{Daemon, wait_until};
use crate::support::faults::{
    CHARSET_TITLES, DEEP_LEVELS, Fault, FaultServer, INVALID_UTF8_TITLES, MANY_ITEMS,
};
use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, veille_command};

const TIMEOUT: Duration = Duration::from_secs(5);

/// The child's peak resident memory must stay under this. The cap on a body
/// is 10 MiB; what is held while parsing it (a DOM, a feed's items) is a
/// small multiple of it.
const MEMORY_BOUND_KIB: u64 = 400 * 1024;

/// How one `veille fetch` went.
struct Run {
    fault: Fault,
    elapsed: Duration,
    /// `VmHWM` of the child, the last time it was read before it exited.
    peak_kib: u64,
    stdout: String,
    setup: Setup,
}

impl Run {
    fn status(&self) -> FeedStatus {
        feed_status(&self.setup, self.fault)
    }

    fn documents(&self) -> Vec<StoredDocument> {
        store(&self.setup).documents_after(0, 1_000_000).unwrap()
    }

    /// The recorded error, checked against the fault's expected reason.
    fn assert_fails(&self) -> String {
        let error = assert_failed_as_expected(&self.setup, self.fault, &self.stdout);
        assert_eq!(self.documents().len(), 0);
        error
    }

    fn assert_succeeds(&self) {
        let status = self.status();
        assert_eq!(status.error, None, "{status:?}\n{}", self.stdout);
        assert_eq!(status.consecutive_failures, 0);
    }
}

fn store(setup: &Setup) -> Store {
    Store::open(&setup.config().storage_dir()).unwrap()
}

fn feed_status(setup: &Setup, fault: Fault) -> FeedStatus {
    store(setup)
        .feed_status(fault.name())
        .unwrap()
        .unwrap_or_else(|| panic!("{}: no status recorded", fault.name()))
}

/// Checks the feed's recorded error names the fault's reason, and that
/// `veille fetch` said the same; returns the error.
fn assert_failed_as_expected(setup: &Setup, fault: Fault, stdout: &str) -> String {
    let status = feed_status(setup, fault);
    let error = status.error.clone().unwrap_or_default();
    let expected = fault.expected_error().expect("a failing fault");
    assert!(
        error.contains(expected),
        "{}: recorded {error:?}, expected it to say {expected:?}\n{stdout}",
        fault.name(),
    );
    assert_eq!(status.consecutive_failures, 1, "{status:?}");
    assert!(stdout.contains(&format!("failed: {error}")), "{stdout}");
    error
}

/// Settings for hostile polls: [`FAST_FETCH`] with a 5 s timeout, a 2 s
/// connect timeout and no retries, then `extra_fetch` and `feeds`.
fn hostile_setup(extra_fetch: &str, feeds: &str) -> Setup {
    let fetch = FAST_FETCH.replace(
        "timeout = \"10s\"",
        &format!("timeout = \"{}s\"", TIMEOUT.as_secs()),
    );
    Setup::new(&format!(
        "{fetch}connect_timeout = \"2s\"\nretries = 0\n{extra_fetch}\n{feeds}"
    ))
}

/// Runs `veille fetch` with `args` on `setup`, reading the child's peak
/// memory until it exits; kills it (failing the test) after `limit`.
/// Returns the time taken, the peak in KiB and what it printed.
fn fetch(setup: &Setup, args: &[&str], limit: Duration) -> (Duration, u64, String) {
    let out_path = setup.dir.path().join("stdout");
    let err_path = setup.dir.path().join("stderr");
    let started = Instant::now();
    let mut child = veille_command()
        .arg("--config")
        .arg(&setup.config_path)
        .arg("fetch")
        .args(args)
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .expect("run veille");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|status| high_water_mark(&status))
        {
            peak_kib = peak_kib.max(kib);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "veille fetch {args:?} still running after {limit:?} (peak {} MiB); it logged:\n{}",
                peak_kib / 1024,
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        peak_kib < MEMORY_BOUND_KIB,
        "veille fetch {args:?}: peak RSS {} MiB",
        peak_kib / 1024
    );
    (elapsed, peak_kib, stdout)
}

/// Polls the fault's feed once with `veille fetch --feed NAME`.
fn poll(server: &FaultServer, fault: Fault, extra_fetch: &str, limit: Duration) -> Run {
    let setup = hostile_setup(extra_fetch, &server.feed_toml(fault));
    let (elapsed, peak_kib, stdout) = fetch(&setup, &["--feed", fault.name()], limit);
    eprintln!(
        "hostile {:<22} {:>6.2}s  peak {:>4} MiB  {}",
        fault.name(),
        elapsed.as_secs_f64(),
        peak_kib / 1024,
        stdout.lines().next().unwrap_or_default()
    );
    Run {
        fault,
        elapsed,
        peak_kib,
        stdout,
        setup,
    }
}

/// `VmHWM:   12345 kB` from /proc/PID/status.
fn high_water_mark(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Bound for a poll that should end at once: start-up, one request, one
/// parse. Generous for a loaded debug build.
const QUICK: Duration = Duration::from_secs(20);

/// Polls `fault`, which must fail quickly with its expected reason.
fn fails_quickly(fault: Fault) -> Run {
    let server = FaultServer::start();
    let run = poll(&server, fault, "", QUICK);
    run.assert_fails();
    assert!(run.elapsed < QUICK);
    assert!(run.peak_kib > 0, "memory was not read");
    run
}

#[test]
fn http_500_is_recorded() {
    let run = fails_quickly(Fault::ServerError);
    assert_eq!(run.status().http_status, Some(500));
}

#[test]
fn http_503_with_retry_after_defers_the_feed() {
    let run = fails_quickly(Fault::Unavailable);
    let status = run.status();
    assert_eq!(status.http_status, Some(503));
    assert!(status.retry_not_before.is_some(), "{status:?}");
}

#[test]
fn http_429_with_retry_after_defers_the_feed() {
    let run = fails_quickly(Fault::TooManyRequests);
    let status = run.status();
    assert_eq!(status.http_status, Some(429));
    assert!(status.retry_not_before.is_some(), "{status:?}");
}

/// The hang and the drip are cut by the whole-request timeout: they take
/// that long, and not much more.
#[test]
fn a_server_that_never_answers_times_out() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::Hang, "", TIMEOUT + QUICK);
    assert!(run.assert_fails().contains("timed out after 5s"));
    assert!(run.elapsed >= TIMEOUT, "{:?}", run.elapsed);
    assert_eq!(server.hits(Fault::Hang), 1);
}

#[test]
fn a_body_dripping_a_byte_a_second_times_out() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::Drip, "", TIMEOUT + QUICK);
    assert!(run.assert_fails().contains("timed out after 5s"));
    assert!(run.elapsed >= TIMEOUT, "{:?}", run.elapsed);
}

#[test]
fn a_truncated_body_is_named() {
    fails_quickly(Fault::Truncated);
}

#[test]
fn a_gzip_bomb_is_cut_off_at_the_cap() {
    // The bomb is what it claims: small on the wire, huge inflated.
    let bomb = crate::support::faults::gzip_bomb();
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let mut inflated = flate2::read::GzDecoder::new(bomb);
    let mut first = vec![0u8; 16 * 1024 * 1024];
    std::io::Read::read_exact(&mut inflated, &mut first).unwrap();
    assert!(first.iter().all(|byte| *byte == 0));

    fails_quickly(Fault::GzipBomb);
}

#[test]
fn a_1_gib_body_is_refused() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::HugeBody, "", QUICK);
    run.assert_fails();
    let run = poll(&server, Fault::HugeUnsizedBody, "", QUICK);
    run.assert_fails();
}

#[test]
fn a_redirect_loop_is_given_up() {
    let run = fails_quickly(Fault::RedirectLoop);
    assert!(
        run.status()
            .error
            .unwrap()
            .contains("more than 5 redirects"),
        "{:?}",
        run.status()
    );
}

#[test]
fn a_web_page_at_a_feed_url_is_named() {
    fails_quickly(Fault::HtmlNotFeed);
}

fn titles(run: &Run) -> Vec<String> {
    let mut titles: Vec<String> = run.documents().into_iter().map(|d| d.title).collect();
    titles.sort();
    titles
}

fn sorted(titles: &[&str]) -> Vec<String> {
    let mut titles: Vec<String> = titles
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    titles.sort();
    titles
}

#[test]
fn a_mislabelled_charset_is_read_right() {
    let server = FaultServer::start();
    for fault in [Fault::WrongCharset, Fault::WrongCharsetReverse] {
        let run = poll(&server, fault, "", QUICK);
        run.assert_succeeds();
        assert_eq!(titles(&run), sorted(&CHARSET_TITLES), "{}", fault.name());
    }
}

#[test]
fn invalid_utf8_in_titles_costs_only_the_bad_bytes() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::InvalidUtf8, "", QUICK);
    run.assert_succeeds();
    // Each ill-formed sequence reads as one U+FFFD, and every good accent
    // of the feed stays: no `Ã©`.
    assert_eq!(titles(&run), sorted(&INVALID_UTF8_TITLES));
}

#[test]
fn a_feed_of_100_000_items_is_read_up_to_max_items() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::HundredThousandItems, "", QUICK);
    run.assert_succeeds();
    // The first 500 (the default max_items), which are the newest.
    let expected: Vec<String> = (MANY_ITEMS - 499..=MANY_ITEMS)
        .map(|number| format!("Dépêche n°{number}"))
        .collect();
    let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(titles(&run), sorted(&expected));
    assert!(
        run.stdout.contains(&format!(
            "warning: the source lists {MANY_ITEMS} items; only the first 500 were read (max_items)"
        )),
        "{}",
        run.stdout
    );

    let run = poll(
        &server,
        Fault::HundredThousandItems,
        "max_items = 20\n",
        QUICK,
    );
    assert_eq!(run.documents().len(), 20);
}

#[test]
fn a_deeply_nested_listing_fails_with_its_reason() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::DeepListing, "", QUICK);
    assert!(
        run.assert_fails()
            .contains("page nested more than 512 levels deep"),
        "{}",
        run.stdout
    );
    assert!(crate::support::faults::deep_page().len() > DEEP_LEVELS * 20);
}

#[test]
fn a_deeply_nested_article_page_leaves_the_feed_text() {
    let server = FaultServer::start();
    let run = poll(&server, Fault::DeepArticle, "", QUICK);
    run.assert_succeeds();
    let documents = run.documents();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].text, "Le résumé du flux reste lisible.");
    assert!(
        run.stdout
            .contains("/page: page nested more than 512 levels deep"),
        "{}",
        run.stdout
    );
    assert_eq!(server.hits(Fault::DeepArticle), 2, "the feed and its page");
}

/// Every fault in one `veille fetch`, the way a daemon's poll round meets
/// them: polled concurrently, each ends with its own reason (one fault's
/// `Retry-After` or hang does not leak onto the others, which are other
/// servers), within one timeout, and memory stays bounded.
#[test]
fn every_fault_at_once() {
    let server = FaultServer::start();
    let setup = hostile_setup("concurrency = 32\n", &server.all_feeds_toml());
    let (elapsed, peak_kib, stdout) = fetch(&setup, &[], TIMEOUT + QUICK);
    eprintln!(
        "hostile all at once {:>6.2}s  peak {:>4} MiB",
        elapsed.as_secs_f64(),
        peak_kib / 1024
    );
    for fault in Fault::ALL {
        match fault.expected_error() {
            Some(_) => {
                assert_failed_as_expected(&setup, fault, &stdout);
            }
            None => {
                let status = feed_status(&setup, fault);
                assert_eq!(status.error, None, "{}: {status:?}", fault.name());
                assert!(status.last_new > 0, "{}: {status:?}", fault.name());
            }
        }
    }
    assert!(
        stdout.contains("17 feeds: 5 updated, 0 not modified, 12 failed"),
        "{stdout}"
    );
}

/// The daemon with every fault at once beside a healthy feed that keeps
/// publishing: it stays up with bounded memory, the healthy feed keeps
/// updating, and `/api/feeds` gives each failure its reason.
#[test]
fn the_daemon_survives_every_fault_at_once() {
    let faults = FaultServer::start();
    let published = Arc::new(AtomicUsize::new(2));
    let count = published.clone();
    let healthy = TestServer::start(move |request| {
        let host = request.header("host").unwrap_or("127.0.0.1").to_owned();
        let items: Vec<(String, String, String, String)> = (1..=count.load(Ordering::SeqCst))
            .map(|n| {
                let title = format!("Nouvelles de Kayes numéro {n}");
                let text = long_text(&format!("Le marché de Kayes, jour {n}"));
                (
                    n.to_string(),
                    title,
                    format!("http://{host}/story/{n}"),
                    text,
                )
            })
            .collect();
        let items: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(id, title, link, text)| {
                (id.as_str(), title.as_str(), link.as_str(), text.as_str())
            })
            .collect();
        Reply::ok("application/rss+xml", crate::support::rss("ok", &items))
    });
    let setup = hostile_setup(
        "concurrency = 32\n[storage]\ncommit_interval = \"200ms\"\n",
        &format!(
            "{}\n[[feed]]\nid = \"healthy\"\nurl = \"{}\"\nschedule = \"every 10s\"\n",
            faults.all_feeds_toml(),
            healthy.url("/feed.xml")
        ),
    );
    let daemon = Daemon::start(&setup);
    let listed = |daemon: &Daemon| daemon.json("/api/feeds", 200);
    let feed_state = |feeds: &serde_json::Value, id: &str| -> serde_json::Value {
        feeds["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|feed| feed["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no feed {id}"))
    };
    // Every source has been tried once.
    assert!(
        wait_until(Duration::from_secs(60), || {
            let feeds = listed(&daemon);
            feeds["feeds"]
                .as_array()
                .unwrap()
                .iter()
                .all(|feed| feed["last_attempt"].is_string())
        }),
        "{}\n{}",
        listed(&daemon),
        daemon.log()
    );
    // The healthy feed publishes more, and the next scheduled poll takes it
    // in while the faults go on.
    published.store(5, Ordering::SeqCst);
    assert!(
        wait_until(Duration::from_secs(40), || feed_state(
            &listed(&daemon),
            "healthy"
        )["documents_24h"]
            == 5),
        "{}\n{}",
        listed(&daemon),
        daemon.log()
    );

    let feeds = listed(&daemon);
    for fault in Fault::ALL {
        let feed = feed_state(&feeds, fault.name());
        match fault.expected_error() {
            Some(reason) => {
                assert_eq!(feed["state"], "failing", "{feed}");
                let error = feed["last_error"].as_str().unwrap_or_default();
                assert!(error.contains(reason), "{}: {error}", fault.name());
                assert!(!error.is_empty(), "{feed}");
            }
            None => assert_eq!(feed["state"], "ok", "{feed}"),
        }
    }
    let health = daemon.json("/healthz", 200);
    assert_eq!(health["status"], "degraded", "{health}");
    let peak_kib = daemon.peak_rss_kib();
    eprintln!("daemon under every fault: peak {} MiB", peak_kib / 1024);
    assert!(peak_kib < MEMORY_BOUND_KIB, "peak {peak_kib} KiB");
    let status = daemon.stop();
    assert!(status.success(), "{status:?}");
}
