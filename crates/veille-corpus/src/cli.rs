//! The `veille-corpus` command line: synthetic Sahel news for benchmarks
//! and load tests. The binary is [`main`]; veille's benches run the same
//! function as a child process of their own (see `benches/support/`).
//!
//! ```text
//! veille-corpus write --out DIR -n 10000                  # full-text RSS files + feeds.toml
//! veille-corpus write --out DIR -n 2000 --format html     # teaser feeds + article pages
//! veille-corpus write --out DIR -n 100000 --format record # straight into DIR/veille.sqlite
//! veille-corpus serve --feeds 10000 --config-out f.toml   # loopback feeds with ETag/304
//! ```

#![allow(
    clippy::disallowed_macros,
    reason = "the command line is the one part of veille-corpus that writes to the terminal"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use veille::enrich::{Gazetteer, Tagger};
use veille::store::Store;

use crate::feed::ItemText;
use crate::serve::FeedServer;
use crate::write::{config_header, write_feeds, write_record};
use crate::{Generator, MAX_WORDS, MIN_WORDS};

#[derive(Parser)]
#[command(
    version,
    about = "Deterministic synthetic news (French, English, Arabic) for veille's benchmarks"
)]
struct Cli {
    /// Seed: the same seed gives the same corpus.
    #[arg(long, default_value_t = 1, global = true)]
    seed: u64,
    /// Gazetteer the stories draw entity names from (and, for `--format
    /// record`, are tagged with).
    #[arg(long, default_value = "entities.toml", global = true)]
    gazetteer: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes N documents.
    Write {
        #[arg(long)]
        out: PathBuf,
        #[arg(short = 'n', long, default_value_t = 10_000)]
        documents: u64,
        /// Index of the first document: to grow a corpus in steps.
        #[arg(long, default_value_t = 0)]
        first: u64,
        #[arg(long, value_enum, default_value_t = Format::Feed)]
        format: Format,
        /// Items per feed file.
        #[arg(long, default_value_t = 100)]
        per_feed: usize,
        /// Threads generating and tagging documents (`--format record`).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Serves M feeds on 127.0.0.1 until interrupted (or `--for` elapses).
    Serve {
        #[arg(long, default_value_t = 1_000)]
        feeds: u64,
        /// Items per feed.
        #[arg(long, default_value_t = 1)]
        items: u64,
        /// Ports to spread the feeds over (veille spaces requests per port).
        #[arg(long, default_value_t = 100)]
        ports: usize,
        /// Writes a feeds.toml polling every served feed here.
        #[arg(long)]
        config_out: Option<PathBuf>,
        /// Stops after this long.
        #[arg(long = "for", default_value = "1h", value_parser = humantime::parse_duration)]
        duration: Duration,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// RSS files carrying each story's full text.
    Feed,
    /// RSS files of teasers linking to article pages, which veille fetches
    /// and extracts.
    Html,
    /// Stored straight into a record (veille.sqlite), enriched.
    Record,
}

/// Runs the command line `args` (the program's name first), logging to
/// standard error.
pub fn main<I, T>(args: I) -> anyhow::Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse_from(args);
    let gazetteer = Gazetteer::load(std::slice::from_ref(&cli.gazetteer))
        .with_context(|| format!("cannot load the gazetteer {}", cli.gazetteer.display()))?;
    let gazetteer_path = std::path::absolute(&cli.gazetteer)?;
    let generator = Generator::new(cli.seed, &gazetteer);
    match cli.command {
        Command::Write {
            out,
            documents,
            first,
            format,
            per_feed,
            threads,
        } => {
            let started = Instant::now();
            let range = first..first + documents;
            match format {
                Format::Feed | Format::Html => {
                    let text = match format {
                        Format::Html => ItemText::Teaser,
                        _ => ItemText::Full,
                    };
                    let written = write_feeds(
                        &generator,
                        range,
                        per_feed,
                        text,
                        &out,
                        Some(&gazetteer_path),
                    )?;
                    println!(
                        "{} documents ({MIN_WORDS}–{MAX_WORDS} words, {:.0} on average) in {} feeds, {:.1} MB, in {:.1}s; poll them with: veille fetch --config {}",
                        written.documents,
                        written.words as f64 / written.documents.max(1) as f64,
                        written.feeds,
                        written.bytes as f64 / 1e6,
                        started.elapsed().as_secs_f64(),
                        written.config.display()
                    );
                }
                Format::Record => {
                    let store = Store::open(&out)
                        .with_context(|| format!("cannot open a record in {}", out.display()))?;
                    let tagger = Tagger::new(gazetteer.clone())?;
                    let threads = threads.unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
                    });
                    let mut last = Instant::now();
                    let stored =
                        write_record(&generator, range, &store, &tagger, threads, &mut |done| {
                            if last.elapsed() > Duration::from_secs(10) {
                                eprintln!("{done} stored");
                                last = Instant::now();
                            }
                        })?;
                    println!(
                        "{} new documents ({} known already), {:.1} MB of text, in {:.1}s, in {}; `veille reindex` indexes them",
                        stored.new,
                        stored.duplicates,
                        stored.bytes as f64 / 1e6,
                        started.elapsed().as_secs_f64(),
                        store.path().display()
                    );
                }
            }
        }
        Command::Serve {
            feeds,
            items,
            ports,
            config_out,
            duration,
        } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let server = FeedServer::start(generator, feeds, items, ports).await?;
                if let Some(path) = &config_out {
                    let mut config = config_header(Some(&gazetteer_path));
                    // Loopback: no need to space requests to a server.
                    config = config.replace(
                        "[fetch]\n",
                        "[fetch]\nconcurrency = 64\nper_host_concurrency = 4\nper_host_delay = \"0s\"\n",
                    );
                    for n in 0..feeds {
                        config.push_str(&format!(
                            "\n[[feed]]\nid = \"served-{n:06}\"\nurl = \"{}\"\n",
                            server.url(n)
                        ));
                    }
                    std::fs::write(path, config)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                let addresses: Vec<String> = server
                    .addresses()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                println!(
                    "serving {feeds} feeds of {items} items on {} ports: {} … (feed n is /feeds/n.xml on port n mod {})",
                    addresses.len(),
                    server.url(0),
                    addresses.len()
                );
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = tokio::time::sleep(duration) => {}
                }
                let counters = server.counters();
                use std::sync::atomic::Ordering::Relaxed;
                println!(
                    "answered {} feeds, {} not modified, {} other",
                    counters.full.load(Relaxed),
                    counters.not_modified.load(Relaxed),
                    counters.other.load(Relaxed)
                );
                anyhow::Ok(())
            })?;
        }
    }
    Ok(())
}
