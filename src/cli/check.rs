//! `veille check`: validate the configuration, show the schedule.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use veille::config::Schedule;

pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(path)?;
    let enabled = config.feeds.iter().filter(|feed| feed.enabled).count();
    println!(
        "{}: ok, {} feeds ({} enabled); data in {}",
        path.display(),
        config.feeds.len(),
        enabled,
        config.storage_dir().display()
    );
    let width = config
        .feeds
        .iter()
        .map(|feed| feed.id.len())
        .max()
        .unwrap_or(0);
    let now = Utc::now();
    for feed in &config.feeds {
        let next = if !feed.enabled {
            "disabled".to_owned()
        } else {
            let next = feed.schedule.next_after(now);
            match &feed.schedule {
                Schedule::Cron { timezone, .. } if *timezone != chrono_tz::Tz::UTC => format!(
                    "next {} ({})",
                    next.with_timezone(timezone).format("%Y-%m-%d %H:%M %Z"),
                    next.format("%H:%M UTC")
                ),
                _ => format!("next {}", next.format("%Y-%m-%d %H:%M UTC")),
            }
        };
        println!(
            "  {:width$}  {:4}  {:<24}  {:<40}  {}",
            feed.id,
            feed.kind.as_str(),
            feed.schedule.to_string(),
            next,
            feed.url
        );
    }
    Ok(ExitCode::SUCCESS)
}
