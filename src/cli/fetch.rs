//! `veille fetch`: one pass over the feeds, with a report per feed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use veille::daemon::{PollOutcome, PollReport};

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Only this feed (repeatable). Default: every enabled feed.
    #[arg(long = "feed", value_name = "ID")]
    feeds: Vec<String>,
}

pub async fn fetch(path: &Path, args: FetchArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(path)?;
    let selected: Vec<_> = if args.feeds.is_empty() {
        config
            .feeds
            .iter()
            .filter(|feed| feed.enabled)
            .cloned()
            .collect()
    } else {
        let mut selected = Vec::new();
        for id in &args.feeds {
            match config.feed(id) {
                Some(feed) => selected.push(feed.clone()),
                None => {
                    let known: Vec<&str> =
                        config.feeds.iter().map(|feed| feed.id.as_str()).collect();
                    bail!(
                        "no feed {id:?} in {}; feeds: {}",
                        path.display(),
                        known.join(", ")
                    );
                }
            }
        }
        selected
    };
    let pipeline = super::open_pipeline(&config)?;
    // Rules are recorded before fetching, so that a new rule's first
    // matches are what this fetch brings.
    let alerting = super::alerts::open_alerting(&config, pipeline.clone())?;

    let progress = if std::io::stdout().is_terminal() {
        let bar = ProgressBar::new(selected.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} feeds  {msg}")
                .expect("template is valid"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut polls = JoinSet::new();
    for (index, feed) in selected.iter().cloned().enumerate() {
        let pipeline = pipeline.clone();
        polls.spawn(async move { (index, pipeline.poll_isolated(&feed).await) });
    }
    let mut reports: Vec<Option<PollReport>> = vec![None; selected.len()];
    while let Some(joined) = polls.join_next().await {
        let (index, report) = joined?;
        progress.inc(1);
        progress.set_message(report.feed_id.clone());
        reports[index] = Some(report);
    }
    progress.finish_and_clear();
    super::archive::update_archive(&config, &pipeline.store, &pipeline.tagger)?;
    let matched = tokio::task::spawn_blocking(move || alerting.match_new(chrono::Utc::now()))
        .await?
        .context("cannot match new documents against the alert rules")?;
    tracing::debug!(matched, "alert matches recorded");

    let reports: Vec<PollReport> = reports.into_iter().flatten().collect();
    let width = reports
        .iter()
        .map(|report| report.feed_id.len())
        .max()
        .unwrap_or(0);
    for report in &reports {
        println!("{:width$}  {}", report.feed_id, describe(report));
        for warning in &report.warnings {
            println!("{:width$}    warning: {warning}", "");
        }
    }
    let count = |wanted: fn(&PollReport) -> bool| reports.iter().filter(|r| wanted(r)).count();
    let failed = count(PollReport::failed);
    println!(
        "{} feeds: {} updated, {} not modified, {} failed; {} new documents, {} duplicates",
        reports.len(),
        count(|r| r.outcome == PollOutcome::Updated),
        count(|r| r.outcome == PollOutcome::NotModified),
        failed,
        reports.iter().map(|r| r.new).sum::<usize>(),
        reports.iter().map(|r| r.duplicate).sum::<usize>(),
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn describe(report: &PollReport) -> String {
    match &report.outcome {
        PollOutcome::Failed(error) => format!("failed: {error}"),
        PollOutcome::NotModified => "not modified".to_owned(),
        PollOutcome::Updated => {
            let mut text = format!("{} new, {} duplicate", report.new, report.duplicate);
            if report.already_seen > 0 {
                text.push_str(&format!(", {} already seen", report.already_seen));
            }
            if report.repaired {
                text.push_str(" (feed needed repair: stray '&')");
            }
            text
        }
    }
}
