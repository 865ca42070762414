//! A poll cycle over many unchanged feeds: `cargo bench --bench polling`.
//!
//! `veille-corpus serve` serves `VEILLE_BENCH_FEEDS` feeds (default
//! 10,000) of one item each on 100 loopback ports, with an ETag. A first
//! `veille fetch` reads and stores them all; the second, measured, sends
//! each feed's ETag back and gets 304 from every one: wall and CPU time of
//! the whole process (configuration, 10,000 conditional requests, 10,000
//! status rows, the index and alert turns). The baseline is the same
//! conditional requests sent with reqwest alone, as concurrently as veille
//! is configured to, from this process: what polling costs with nothing
//! recorded.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use support::{VEILLE, env_number, machine, measure, record, scratch, secs};

const CONCURRENCY: usize = 64;

fn main() {
    support::run_corpus_child();
    let load = support::wait_quiet();
    let feeds = env_number("VEILLE_BENCH_FEEDS", 10_000);
    let dir = scratch("polling");
    let config = dir.join("feeds.toml");
    let mut server = support::corpus()
        .arg("--gazetteer")
        .arg(support::root().join("entities.toml"))
        .args(["serve", "--feeds", &feeds.to_string(), "--items", "1"])
        .args(["--ports", "100", "--for", "30m", "--config-out"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn veille-corpus serve");
    // Its first line says it is listening (after writing the config).
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server output");
    assert!(line.starts_with("serving"), "server said {line:?}");
    let urls: Vec<String> = std::fs::read_to_string(&config)
        .expect("config")
        .lines()
        .filter_map(|line| line.strip_prefix("url = \""))
        .map(|url| url.trim_end_matches('"').to_owned())
        .collect();
    assert_eq!(urls.len() as u64, feeds);

    let fetch = || {
        let mut command = Command::new(VEILLE);
        command
            .args(["fetch", "--config"])
            .arg(&config)
            .env("RUST_LOG", "warn");
        measure(command)
    };
    let first = fetch();
    assert!(first.success, "the first cycle failed");
    assert!(
        first
            .stdout
            .contains(&format!("{feeds} feeds: {feeds} updated")),
        "{}",
        first.stdout.lines().last().unwrap_or("")
    );
    let cycle = fetch();
    assert!(cycle.success, "the 304 cycle failed");
    assert!(
        cycle
            .stdout
            .contains(&format!("{feeds} feeds: 0 updated, {feeds} not modified")),
        "{}",
        cycle.stdout.lines().last().unwrap_or("")
    );

    let (baseline_wall, baseline_cpu) = bare_requests(&urls);
    let _ = server.kill();
    let _ = server.wait();

    let table = format!(
        "Measured {}; {feeds} feeds on 100 loopback ports, `concurrency = {CONCURRENCY}`, \
         `per_host_concurrency = 4`, `per_host_delay = \"0s\"`.\n\n\
         | cycle | wall | CPU | feeds/s | CPU per feed |\n\
         | --- | --- | --- | --- | --- |\n\
         | first `veille fetch` (200, {feeds} documents stored and indexed) | {} | {} | {:.0} | {:.2} ms |\n\
         | **second `veille fetch`, every feed 304** | **{}** | **{}** | **{:.0}** | **{:.2} ms** |\n\
         | baseline: reqwest alone, the same {feeds} conditional GETs | {} | {} | {:.0} | {:.2} ms |\n\n\
         304 cycle ÷ baseline: wall {:.1}×, CPU {:.1}×.\n",
        machine(load),
        secs(first.wall),
        secs(first.cpu),
        feeds as f64 / first.wall.as_secs_f64(),
        first.cpu.as_secs_f64() * 1e3 / feeds as f64,
        secs(cycle.wall),
        secs(cycle.cpu),
        feeds as f64 / cycle.wall.as_secs_f64(),
        cycle.cpu.as_secs_f64() * 1e3 / feeds as f64,
        secs(baseline_wall),
        secs(baseline_cpu),
        feeds as f64 / baseline_wall.as_secs_f64(),
        baseline_cpu.as_secs_f64() * 1e3 / feeds as f64,
        cycle.wall.as_secs_f64() / baseline_wall.as_secs_f64(),
        cycle.cpu.as_secs_f64() / baseline_cpu.as_secs_f64(),
    );
    println!("\n{table}");
    record("polling", &table);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every URL fetched once for its ETag, then the measured pass sending it
/// back, `CONCURRENCY` at a time. Returns wall and CPU time of that pass.
fn bare_requests(urls: &[String]) -> (Duration, Duration) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent("bench")
            .build()
            .expect("client");
        let tags: Vec<String> = futures_util::stream::iter(urls)
            .map(|url| {
                let client = client.clone();
                async move {
                    let response = client.get(url).send().await.expect("GET");
                    let tag = response.headers()["etag"].to_str().expect("tag").to_owned();
                    response.bytes().await.expect("body");
                    tag
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let cpu = support::own_cpu();
        let started = Instant::now();
        let not_modified = futures_util::stream::iter(urls.iter().zip(&tags))
            .map(|(url, tag)| {
                let client = client.clone();
                async move {
                    let response = client
                        .get(url)
                        .header("if-none-match", tag)
                        .send()
                        .await
                        .expect("GET");
                    response.status() == 304
                }
            })
            .buffer_unordered(CONCURRENCY)
            .filter(|&is| async move { is })
            .count()
            .await;
        assert_eq!(not_modified, urls.len());
        (started.elapsed(), support::own_cpu().saturating_sub(cpu))
    })
}
