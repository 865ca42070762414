//! Source-health rules: a feed that has failed for too long, or stored
//! nothing new for too long, is news for the analysts who rely on it.
//!
//! A finding is keyed by when its condition began, so one outage is
//! reported once, however long it lasts, and the next outage again.

use chrono::{DateTime, Utc};

use crate::config::Feed;
use crate::config::alerts::HealthConfig;
use crate::store::{FeedHealth, HealthEvent, timestamp};

/// The findings of one health rule over the feeds' current state.
pub fn findings(
    rule: &HealthConfig,
    feeds: &[Feed],
    states: &[FeedHealth],
    now: DateTime<Utc>,
) -> Vec<HealthEvent> {
    let watched = |id: &str| {
        if rule.feeds.is_empty() {
            feeds.iter().any(|feed| feed.id == id && feed.enabled)
        } else {
            rule.feeds.iter().any(|feed| feed == id)
        }
    };
    let older_than = |since: DateTime<Utc>, limit: std::time::Duration| {
        (now - since).to_std().is_ok_and(|age| age >= limit)
    };
    let mut events = Vec::new();
    for state in states.iter().filter(|state| watched(&state.feed_id)) {
        if let (Some(limit), Some(since)) = (rule.failing_for, state.failing_since)
            && older_than(since, limit)
        {
            events.push(HealthEvent {
                feed_id: state.feed_id.clone(),
                condition: "failing".to_owned(),
                since: timestamp(since),
                detail: state
                    .error
                    .clone()
                    .unwrap_or_else(|| "fetches fail".to_owned()),
            });
        }
        if let (Some(limit), Some(since)) =
            (rule.silent_for, state.last_new_at.or(state.tracked_since))
            && older_than(since, limit)
        {
            events.push(HealthEvent {
                feed_id: state.feed_id.clone(),
                condition: "silent".to_owned(),
                since: timestamp(since),
                detail: format!(
                    "no new document for {}",
                    humantime::format_duration(std::time::Duration::from_secs(
                        (now - since).num_minutes().max(0) as u64 * 60
                    ))
                ),
            });
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn feed(id: &str) -> Feed {
        Feed::for_test(id, "every 15m")
    }

    #[test]
    fn failing_and_silent_feeds_are_found_once_their_time_is_up() {
        let now = Utc::now();
        let hours = |h| now - chrono::Duration::hours(h);
        let rule = HealthConfig {
            failing_for: Some(Duration::from_secs(6 * 3600)),
            silent_for: Some(Duration::from_secs(3 * 86400)),
            feeds: Vec::new(),
        };
        let states = vec![
            FeedHealth {
                feed_id: "down-long".into(),
                failing_since: Some(hours(7)),
                last_new_at: Some(hours(7)),
                tracked_since: Some(hours(1000)),
                error: Some("HTTP 503".into()),
            },
            FeedHealth {
                feed_id: "down-briefly".into(),
                failing_since: Some(hours(1)),
                last_new_at: Some(hours(2)),
                ..Default::default()
            },
            FeedHealth {
                feed_id: "quiet".into(),
                last_new_at: Some(hours(80)),
                ..Default::default()
            },
            FeedHealth {
                feed_id: "never-new".into(),
                tracked_since: Some(hours(100)),
                ..Default::default()
            },
            FeedHealth {
                feed_id: "disabled".into(),
                failing_since: Some(hours(100)),
                ..Default::default()
            },
        ];
        let mut feeds: Vec<Feed> = [
            "down-long",
            "down-briefly",
            "quiet",
            "never-new",
            "disabled",
        ]
        .into_iter()
        .map(feed)
        .collect();
        feeds[4].enabled = false;
        let found: Vec<(String, String)> = findings(&rule, &feeds, &states, now)
            .into_iter()
            .map(|event| (event.feed_id, event.condition))
            .collect();
        assert_eq!(
            found,
            vec![
                ("down-long".to_owned(), "failing".to_owned()),
                ("quiet".to_owned(), "silent".to_owned()),
                ("never-new".to_owned(), "silent".to_owned()),
            ]
        );
    }
}
