//! Command-line interface: parses arguments, runs a command, reports errors.
//!
//! Library errors arrive typed; here they get context and become messages
//! for a person at a terminal or a journal.

mod alerts;
mod archive;
mod check;
mod extract;
mod fetch;
mod reindex;
mod retag;
mod run;
mod search;
mod tag;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use veille::config::{self, Config};
use veille::enrich::{Gazetteer, Tagger};
use veille::fetch::Fetcher;
use veille::ingest::Pipeline;
use veille::store::Store;

#[derive(Parser)]
#[command(
    name = "veille",
    version,
    about = "Watch news and radio sources, extract, record and alert."
)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        short,
        global = true,
        default_value = "feeds.toml",
        value_name = "FILE"
    )]
    config: PathBuf,
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the configuration and show each feed with its next run.
    Check,
    /// Fetch feeds once, store what is new, and report per feed.
    Fetch(fetch::FetchArgs),
    /// Run the daemon: every enabled feed on its schedule, until SIGINT/SIGTERM.
    Run,
    /// Show what would be stored from an HTML page.
    Extract(extract::ExtractArgs),
    /// Detect the language of a text and tag the gazetteer's entities in it.
    Tag(tag::TagArgs),
    /// Re-tag every stored document (after a gazetteer change).
    Retag,
    /// Search the archive.
    Search(search::SearchArgs),
    /// Write every document matching a query to stdout, as CSV or JSON lines.
    Export(search::ExportArgs),
    /// Rebuild the search index from the record.
    Reindex,
    /// List alert rules, or backtest one.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Preview a rule's next digest (--dry-run), or make and deliver it now (--now).
    Digest(alerts::DigestArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match (&cli.command, cli.verbose) {
        (_, 2..) => "trace",
        (_, 1) => "debug",
        (Command::Run, 0) => "info",
        (_, 0) => "warn",
    };
    init_logging(default_level);
    let result = match cli.command {
        Command::Check => check::check(&cli.config),
        Command::Fetch(args) => with_runtime(fetch::fetch(&cli.config, args)),
        Command::Run => with_runtime(run::run(&cli.config)),
        Command::Extract(args) => extract::extract(args),
        Command::Tag(args) => tag::tag(&cli.config, args),
        Command::Retag => retag::retag(&cli.config),
        Command::Search(args) => search::search(&cli.config, args),
        Command::Export(args) => search::export(&cli.config, args),
        Command::Reindex => reindex::reindex(&cli.config),
        Command::Alerts(command) => alerts::alerts(&cli.config, command),
        Command::Digest(args) => with_runtime(alerts::digest(&cli.config, args)),
    };
    match result {
        Ok(code) => code,
        // A reader that went away (`veille search … | head`) is not an
        // error worth a message, as for any Unix filter.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("veille: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|json| json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

fn with_runtime(work: impl Future<Output = anyhow::Result<ExitCode>>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(work);
    // Blocking work still running (an index catch-up cut short by a stop)
    // must not hold the exit: what it did not finish is redone from the
    // record at the next start.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

/// Logs go to stderr. Under systemd (JOURNAL_STREAM is set) the journal adds
/// its own timestamps, so ours are left out, as are colours.
fn init_logging(default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,veille={default_level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A log line that cannot be written (journald restarted, the
        // reader of a pipe went away) is dropped; by default the failure is
        // reported with `eprintln!`, which panics on the same broken stderr
        // and would take the daemon down.
        .log_internal_errors(false)
        .with_target(false);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().with_ansi(false).init();
    } else {
        // Colours only for a person at a terminal, not for log files.
        use std::io::IsTerminal;
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

/// Prints rows in columns as wide as their widest cell, each line after
/// `indent`.
fn print_table<const N: usize>(rows: &[[String; N]], indent: &str) {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        println!("{indent}{}", line.join("  ").trim_end());
    }
}

/// Loads the configuration, or explains every problem in it.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Ok(config::load(path)?)
}

/// Opens the record and builds the fetcher for `config`.
pub fn open_pipeline(config: &Config) -> anyhow::Result<Arc<Pipeline>> {
    let store = Store::open(&config.storage_dir()).with_context(|| {
        format!(
            "cannot open the record under {}",
            config.storage_dir().display()
        )
    })?;
    let fetcher = Fetcher::new(&config.fetch).context("cannot set up the HTTP client")?;
    let tagger = load_tagger(config)?;
    Ok(Arc::new(Pipeline {
        fetcher,
        store,
        tagger: Arc::new(tagger),
    }))
}

/// The gazetteer `config` names, compiled.
pub fn load_tagger(config: &Config) -> anyhow::Result<Tagger> {
    let gazetteer = Gazetteer::for_config(config)?;
    Ok(Tagger::new(gazetteer)?)
}
