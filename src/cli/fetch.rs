//! `veille fetch`: one pass over the feeds, with a report per feed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use veille::ingest::{Pipeline, PollOutcome, PollReport, Preview, PreviewOutcome};

#[derive(clap::Args)]
pub struct FetchArgs {
    /// Only this feed (repeatable). Default: every enabled feed.
    #[arg(long = "feed", value_name = "ID")]
    feeds: Vec<String>,
    /// Show what would be stored, item by item, and store nothing (not even
    /// the feed's status): for tuning a source's selectors and patterns.
    #[arg(long)]
    dry_run: bool,
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
    if args.dry_run {
        return dry_run(&pipeline, &selected).await;
    }
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
    let mut reports: Vec<Option<PollReport>> = selected.iter().map(|_| None).collect();
    while let Some(joined) = polls.join_next().await {
        let (index, report) = joined?;
        progress.inc(1);
        progress.set_message(report.feed_id.clone());
        reports[index] = Some(report);
    }
    progress.finish_and_clear();
    super::archive::update_archive(&config, &pipeline.store, &pipeline.tagger)?;
    let matched =
        tokio::task::spawn_blocking(move || alerting.match_new(chrono::Utc::now(), &mut |_| {}))
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

/// Feeds one after the other, each with what it would store.
async fn dry_run(
    pipeline: &std::sync::Arc<Pipeline>,
    feeds: &[veille::config::Feed],
) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for feed in feeds {
        let report = pipeline.preview(feed).await;
        println!(
            "{} ({}, {}): {}",
            feed.id,
            feed.kind.as_str(),
            feed.url,
            describe(&report)
        );
        if report.pages > 1 {
            println!("  {} listing pages read", report.pages);
        }
        for preview in &report.previews {
            print_preview(preview);
        }
        for warning in &report.warnings {
            println!("  warning: {warning}");
        }
        failed |= report.failed();
    }
    println!("dry run: nothing was stored");
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_preview(preview: &Preview) {
    let document = match &preview.outcome {
        PreviewOutcome::New(document) => document,
        other => {
            let status = match other {
                PreviewOutcome::Seen => "seen before".to_owned(),
                PreviewOutcome::Duplicate(id) => format!("stored already as #{id}"),
                _ => "not readable (see warnings)".to_owned(),
            };
            let name = if preview.title.is_empty() {
                &preview.key
            } else {
                &preview.title
            };
            println!("  - {name}  [{status}]");
            return;
        }
    };
    let published = if document.published_is_fetch_time {
        "no date".to_owned()
    } else {
        document.published.format("%Y-%m-%d %H:%M").to_string()
    };
    println!("  + {}", document.title);
    println!(
        "    {published} · {}",
        preview.url.as_deref().unwrap_or(&preview.key)
    );
    let mut facts = vec![
        document
            .enrichment
            .language
            .clone()
            .unwrap_or_else(|| "language unknown".to_owned()),
        format!(
            "{} chars from {}",
            document.text.chars().count(),
            document.extraction
        ),
    ];
    if let Some(transcript) = &document.transcript {
        let timed = transcript
            .segments
            .iter()
            .filter(|segment| segment.start.is_some())
            .count();
        facts.push(format!(
            "{} segments, {timed} timed",
            transcript.segments.len()
        ));
        if let Some(audio) = &transcript.audio_url {
            facts.push(format!("audio {audio}"));
        }
    }
    if !document.enrichment.entities.is_empty() {
        let ids: Vec<&str> = document
            .enrichment
            .entities
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        facts.push(format!("entities: {}", ids.join(", ")));
    }
    println!("    {}", facts.join(" · "));
    let opening: String = document.text.chars().take(160).collect();
    println!(
        "    {}{}",
        opening.replace('\n', " "),
        if document.text.chars().count() > 160 {
            "…"
        } else {
            ""
        }
    );
}
