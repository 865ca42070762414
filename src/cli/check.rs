//! `veille check`: validate the configuration, show the schedule.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use veille::alerts::Templates;
use veille::config::{Feed, Schedule};
use veille::daemon::due_at;
use veille::enrich::Gazetteer;
use veille::store::{DATABASE_FILE, ScheduleState, Store};

pub(crate) fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(path)?;
    let gazetteer = Gazetteer::for_config(&config)?;
    let rules = veille::alerts::compile(&config, &gazetteer)?;
    Templates::load(&config.templates_dir())?.check()?;
    let storage = std::path::absolute(config.storage_dir()).unwrap_or(config.storage_dir());
    let enabled = config.feeds.iter().filter(|feed| feed.enabled).count();
    println!(
        "{}: ok, {} feeds ({} enabled); data in {}",
        path.display(),
        config.feeds.len(),
        enabled,
        storage.display()
    );
    let (gazetteer_paths, _) = config.gazetteer_paths();
    let shown: Vec<String> = gazetteer_paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    println!(
        "gazetteer: {} entities from {}",
        gazetteer.len(),
        shown.join(", ")
    );
    let layer = gazetteer.layer();
    if layer.read > 0 {
        println!(
            "  generated layer: {} kept; left out: {} with a hand-curated id, {} homonyms; {} aliases dropped",
            layer.kept(),
            layer.overridden,
            layer.homonyms,
            layer.aliases_dropped
        );
    }
    // The record, when there is one, says when each feed last ran; check
    // never creates it.
    let store = if storage.join(DATABASE_FILE).exists() {
        Store::open(&storage).ok()
    } else {
        None
    };
    let now = Utc::now();
    let rows: Vec<[String; 5]> = config
        .feeds
        .iter()
        .map(|feed| {
            let state = store
                .as_ref()
                .and_then(|store| store.schedule_state(&feed.id).ok())
                .unwrap_or_default();
            [
                feed.id.clone(),
                feed.kind.as_str().to_owned(),
                feed.schedule.to_string(),
                next_run_text(feed, state, now),
                feed.url.to_string(),
            ]
        })
        .collect();
    let header = ["ID", "KIND", "SCHEDULE", "NEXT RUN", "URL"].map(str::to_owned);
    let table: Vec<[String; 5]> = std::iter::once(header).chain(rows).collect();
    super::print_table(&table, "  ");
    if !rules.is_empty() {
        // A misspelt templates folder falls back to the built-in templates;
        // say which ones are used, so it shows.
        let dir = config.templates_dir();
        let used: Vec<String> = [Templates::TEXT, Templates::HTML]
            .iter()
            .map(|name| {
                let path = dir.join(name);
                if path.exists() {
                    path.display().to_string()
                } else {
                    format!("{name} (built in)")
                }
            })
            .collect();
        println!("digest templates: {}", used.join(", "));
        println!("alert rules: {}", rules.len());
        let rows: Vec<[String; 4]> = rules
            .iter()
            .map(|rule| {
                [
                    rule.id().to_owned(),
                    match &rule.alert.schedule {
                        Some(schedule) => format!("digest {schedule}"),
                        None => "immediate".to_owned(),
                    },
                    format!("to {}", rule.alert.targets.names().join("+")),
                    rule.describe(),
                ]
            })
            .collect();
        super::print_table(&rows, "  ");
    }
    Ok(ExitCode::SUCCESS)
}

fn next_run_text(feed: &Feed, state: ScheduleState, now: DateTime<Utc>) -> String {
    if !feed.enabled {
        return "disabled".to_owned();
    }
    let due = due_at(feed, state, now);
    if due <= now {
        return if state.last_attempt.is_none() {
            "on start (never fetched)".to_owned()
        } else {
            "on start (due)".to_owned()
        };
    }
    match &feed.schedule {
        Schedule::Cron { timezone, .. } if *timezone != chrono_tz::Tz::UTC => format!(
            "{} ({})",
            due.with_timezone(timezone).format("%Y-%m-%d %H:%M %Z"),
            due.format("%H:%M UTC")
        ),
        _ => due.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}
