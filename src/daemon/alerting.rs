//! The daemon's alerting loop, every `commit_interval`: match what the
//! record gained, note source-health findings, start the digests that are
//! due, and deliver the digests waiting for delivery. The turn's parts are
//! `alerts::Alerting`'s; this loop keeps the schedule of digest rules and
//! the heartbeats.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::alerts::{Alerting, Delivery};
use crate::config::AlertMode;
use crate::telemetry::Telemetry;

/// Runs alerting turns every `interval` until `stopped`. The caller has
/// recorded the rules ([`Alerting::register`]) before the first poll.
pub async fn run(
    alerting: Arc<Alerting>,
    interval: Duration,
    mut stopped: watch::Receiver<bool>,
    telemetry: Arc<Telemetry>,
) {
    let mut next_runs: HashMap<String, DateTime<Utc>> = HashMap::new();
    for rule in &alerting.rules {
        if let (AlertMode::Digest, Some(schedule)) = (rule.alert.mode, &rule.alert.schedule) {
            // Counted from the last run, or from when the rule was added:
            // a run missed while the daemon was down happens now, and
            // frequent restarts do not keep pushing the first run back.
            let base = alerting
                .pipeline
                .store
                .rule_schedule_base(rule.id())
                .ok()
                .flatten();
            let next = schedule.next_after(base.unwrap_or_else(Utc::now));
            tracing::info!(rule = %rule.id(), next_run = %crate::store::timestamp(next), "digest scheduled");
            next_runs.insert(rule.id().to_owned(), next);
        }
    }
    while !*stopped.borrow() {
        let this = alerting.clone();
        let schedule = next_runs.clone();
        let counts = telemetry.clone();
        // A turn that hit an error does not count as alive: a loop that
        // fails every turn shows in /healthz and stops the watchdog.
        let mut healthy = false;
        match tokio::task::spawn_blocking(move || prepare(&this, &schedule, &counts)).await {
            Ok((ran, ok)) => {
                next_runs.extend(ran);
                healthy = ok;
            }
            Err(error) => tracing::error!(%error, "alert matching task failed; retrying"),
        }
        match alerting.pipeline.store.due_digests(Utc::now()) {
            Ok(due) => {
                for digest in due {
                    if *stopped.borrow() {
                        break;
                    }
                    match alerting.deliver(digest).await {
                        Ok(Delivery::Delivered) => telemetry.delivery(true),
                        Ok(Delivery::Failed { .. }) => telemetry.delivery(false),
                        Err(error) => tracing::error!(%error, "cannot record a delivery"),
                    }
                    // Deliveries to slow servers are progress too.
                    telemetry.alerting_beat();
                }
            }
            Err(error) => {
                healthy = false;
                tracing::error!(%error, "cannot read pending digests")
            }
        }
        if healthy {
            telemetry.alerting_beat();
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stopped.wait_for(|stop| *stop) => {}
        }
    }
}

/// The blocking part of a turn: matching, health, and starting digests.
/// Returns the next run of each digest rule that ran, and whether the
/// turn went without errors.
fn prepare(
    alerting: &Alerting,
    next_runs: &HashMap<String, DateTime<Utc>>,
    telemetry: &Telemetry,
) -> (Vec<(String, DateTime<Utc>)>, bool) {
    let now = Utc::now();
    let mut healthy = true;
    // A failure here must not hold back digests of matches already
    // recorded, nor the other rules.
    // Matching a large backlog is progress, not a stall.
    match alerting.match_new(now, &mut |_| telemetry.alerting_beat()) {
        Ok(0) => {}
        Ok(found) => {
            telemetry.matches_recorded(found);
            tracing::debug!(found, "new alert matches")
        }
        Err(error) => {
            healthy = false;
            tracing::error!(%error, "alert matching failed; retrying")
        }
    }
    let mut ran = Vec::new();
    for rule in &alerting.rules {
        let (run_at, next) = match (rule.alert.mode, &rule.alert.schedule) {
            (AlertMode::Digest, Some(schedule)) => {
                if next_runs.get(rule.id()).is_none_or(|next| *next > now) {
                    continue;
                }
                // The next run is set even if this one fails, so a
                // broken rule does not run every turn.
                ran.push((rule.id().to_owned(), schedule.next_after(now)));
                (Some(now), true)
            }
            (AlertMode::Immediate, _) => (None, false),
            (AlertMode::Digest, None) => continue,
        };
        if let Err(error) = alerting.start_digest(rule, run_at, now) {
            healthy = false;
            tracing::error!(rule = %rule.id(), %error, scheduled = next, "cannot start a digest");
        }
    }
    (ran, healthy)
}
