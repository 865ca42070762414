//! The daemon's memory and start-up: `cargo bench --bench daemon`.
//!
//! 1. Peak RSS (VmHWM) of `veille run` while it ingests
//!    `VEILLE_BENCH_DAEMON_DOCS` (default 20,000; the figure is
//!    100,000) feed-text documents from generated feed files, until every
//!    one is committed to the index; and how long that took.
//! 2. Start-up time (spawn to listening) and idle RSS (VmRSS after 10 s)
//!    of `veille run` over the archive of `VEILLE_BENCH_ARCHIVE_DOCS`
//!    (default 100,000; 1,000,000 for the full run) generated documents,
//!    built once under `/tmp/veille-bench-archive-SIZE` and shared with the
//!    search benchmark.
//!
//! The baseline is the same daemon over an empty archive, in the same run.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{Daemon, env_number, folder_bytes, machine, mb, measure, record, scratch, secs};

/// How long an idle daemon settles before its RSS is read.
const SETTLE: Duration = Duration::from_secs(10);

fn main() {
    support::run_corpus_child();
    let load = support::wait_quiet();
    let documents = env_number("VEILLE_BENCH_DAEMON_DOCS", 20_000);
    let archive_size = env_number("VEILLE_BENCH_ARCHIVE_DOCS", 100_000);
    let gazetteer = support::root().join("entities.toml");

    // The baseline: an empty archive.
    let empty = scratch("daemon-empty");
    std::fs::write(
        empty.join("empty.xml"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>empty</title></channel></rss>",
    )
    .expect("empty feed");
    std::fs::write(
        empty.join("feeds.toml"),
        veille_corpus::write::config_header(Some(&gazetteer))
            + "\n[[feed]]\nid = \"empty\"\nurl = \"file:empty.xml\"\n",
    )
    .expect("config");
    let (empty_start, empty_idle) = idle(&empty.join("feeds.toml"));

    // Ingesting.
    let dir = scratch("daemon-ingest");
    let mut write = support::corpus();
    write
        .args(["--gazetteer"])
        .arg(&gazetteer)
        .args(["write", "-n", &documents.to_string(), "--out"])
        .arg(&dir);
    assert!(measure(write).success, "the generator failed");
    let daemon = Daemon::start(&dir.join("feeds.toml"));
    let deadline = Instant::now() + Duration::from_secs(3600);
    let mut peak_sampled = 0;
    while support::indexed_revision(&dir.join("store")) < documents as i64 {
        assert!(Instant::now() < deadline, "ingesting took over an hour");
        assert!(
            daemon.child.id() > 0 && Path::new(&format!("/proc/{}", daemon.child.id())).exists(),
            "the daemon died:\n{}",
            daemon.log.lock().unwrap()
        );
        peak_sampled = peak_sampled.max(daemon.memory("VmRSS"));
        std::thread::sleep(Duration::from_millis(200));
    }
    let ingest_time = daemon.started.elapsed();
    let ingest_peak = daemon.memory("VmHWM");
    daemon.stop();
    let _ = std::fs::remove_dir_all(&dir);

    // Over the big archive: the first start reads the index from disk (or
    // the page cache, if it was used lately); the second is warm.
    let archive = support::archive(archive_size);
    let (first_start, first_idle) = idle(&archive.join("feeds.toml"));
    let (warm_start, warm_idle) = idle(&archive.join("feeds.toml"));
    // The record and the index; FTS5's copy for the search bench is not veille's.
    let archive_bytes = folder_bytes(&archive.join("store"));

    let table = format!(
        "Measured {}; `veille run` as a child process, memory from /proc/PID/status.\n\n\
         | measurement | value | baseline: empty archive | ratio |\n\
         | --- | --- | --- | --- |\n\
         | peak RSS (VmHWM) ingesting {documents} feed-text documents to the index | {} | {} idle | {:.1}× |\n\
         | time to ingest and index them (daemon, start to last commit) | {} ({:.0} documents/s) | | |\n\
         | start-up over {archive_size} documents ({:.1} GB on disk), first start | {} | {} | {:.1}× |\n\
         | start-up over {archive_size} documents, second start | {} | {} | {:.1}× |\n\
         | idle RSS over {archive_size} documents, {}s after start (first / second start) | {} / {} | {} | {:.1}× |\n",
        machine(load),
        mb(ingest_peak),
        mb(empty_idle),
        ingest_peak as f64 / empty_idle as f64,
        secs(ingest_time),
        documents as f64 / ingest_time.as_secs_f64(),
        archive_bytes as f64 / 1e9,
        secs(first_start),
        secs(empty_start),
        first_start.as_secs_f64() / empty_start.as_secs_f64(),
        secs(warm_start),
        secs(empty_start),
        warm_start.as_secs_f64() / empty_start.as_secs_f64(),
        SETTLE.as_secs(),
        mb(first_idle),
        mb(warm_idle),
        mb(empty_idle),
        warm_idle as f64 / empty_idle as f64,
    );
    println!("\n{table}");
    record("daemon", &table);
    let _ = std::fs::remove_dir_all(&empty);
}

/// Starts a daemon on `config`, lets it settle, and returns how long it
/// took to listen and its RSS then.
fn idle(config: &Path) -> (Duration, u64) {
    let daemon = Daemon::start(config);
    std::thread::sleep(SETTLE);
    let rss = daemon.memory("VmRSS");
    let ready = daemon.ready_after;
    daemon.stop();
    (ready, rss)
}
