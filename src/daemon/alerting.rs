//! The daemon's alerting turn, every `commit_interval`: match what the
//! record gained, note source-health findings, start the digests that are
//! due, and deliver the digests waiting for delivery.
//!
//! Like the index, matching follows the record rather than being told, so
//! documents stored by another process are matched too, and a restart
//! resumes from the cursor the record keeps. Delivery state is in the record
//! as well: a digest killed mid-delivery is simply still undelivered.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::Telemetry;
use crate::alerts::{self, AlertError, Deliverer, DigestMaker, Matcher, Rule, RuleKind, Templates};
use crate::config::{AlertMode, Config, Feed};
use crate::ingest::Pipeline;
use crate::store::DigestRow;

/// Everything alerting needs, built once from the config.
pub struct Alerting {
    pub pipeline: Arc<Pipeline>,
    pub rules: Vec<Rule>,
    pub matcher: Matcher,
    pub digests: DigestMaker,
    pub deliverer: Deliverer,
    feeds: Vec<Feed>,
    retry_initial: Duration,
    retry_max: Duration,
}

/// What one delivery attempt did.
#[derive(Debug)]
pub enum Delivery {
    Delivered,
    /// Some target refused; retried at `retry_at`.
    Failed {
        error: String,
        retry_at: DateTime<Utc>,
    },
}

impl Alerting {
    pub fn new(
        config: &Config,
        pipeline: Arc<Pipeline>,
        rules: Vec<Rule>,
    ) -> alerts::Result<Alerting> {
        let matcher = Matcher::new(&rules, pipeline.tagger.gazetteer())?;
        let feed_names = config
            .feeds
            .iter()
            .map(|feed| (feed.id.clone(), feed.name.clone()))
            .collect();
        let templates = Templates::load(&config.templates_dir())?;
        Ok(Alerting {
            digests: DigestMaker::new(pipeline.tagger.clone(), feed_names, templates),
            deliverer: Deliverer::new(
                &config.storage_dir(),
                &config.alerts,
                config.smtp.clone(),
                &config.fetch.user_agent,
            ),
            matcher,
            rules,
            pipeline,
            feeds: config.feeds.clone(),
            retry_initial: config.alerts.retry_initial,
            retry_max: config.alerts.retry_max,
        })
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id() == id)
    }

    /// Records the configured rules; new and edited ones start now.
    pub fn register(&self) -> alerts::Result<()> {
        let rules: Vec<(&str, &str)> = self
            .rules
            .iter()
            .map(|rule| (rule.id(), rule.fingerprint.as_str()))
            .collect();
        for id in self.pipeline.store.sync_rules(&rules)? {
            tracing::info!(rule = %id, "alert rule starts with the next stored document");
        }
        Ok(())
    }

    /// Matches new documents and notes health findings. `progress` is
    /// called after each batch of documents.
    pub fn match_new(
        &self,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(usize),
    ) -> alerts::Result<usize> {
        let store = &self.pipeline.store;
        let mut found = alerts::match_new(store, &self.matcher, progress)?;
        let mut states = None;
        for rule in &self.rules {
            let RuleKind::Health(health) = &rule.kind else {
                continue;
            };
            let states = match &states {
                Some(states) => states,
                None => states.insert(store.feed_health()?),
            };
            for event in alerts::health::findings(health, &self.feeds, states, now) {
                if store.record_health_event(rule.id(), &event)? {
                    tracing::warn!(rule = %rule.id(), feed_id = %event.feed_id, condition = %event.condition, since = %event.since, "source health finding");
                    found += 1;
                }
            }
        }
        Ok(found)
    }

    /// Starts a digest for `rule` if enough is waiting: a scheduled run
    /// (`run_at`) or an immediate rule's check (`None`).
    pub fn start_digest(
        &self,
        rule: &Rule,
        run_at: Option<DateTime<Utc>>,
        first_attempt: DateTime<Utc>,
    ) -> alerts::Result<Option<i64>> {
        let digest = self.pipeline.store.create_digest(
            rule.id(),
            rule.alert.min_matches,
            run_at,
            first_attempt,
        )?;
        if let Some(id) = digest {
            tracing::info!(rule = %rule.id(), digest = id, "digest created");
        }
        Ok(digest)
    }

    /// Tries to deliver a digest to every target that has not accepted it
    /// yet, and records the outcome.
    pub async fn deliver(self: &Arc<Self>, digest: DigestRow) -> alerts::Result<Delivery> {
        let store = &self.pipeline.store;
        let Some(rule) = self.rule(&digest.rule_id) else {
            let error = format!("rule {} is no longer configured", digest.rule_id);
            let retry_at =
                Utc::now() + chrono::Duration::from_std(self.retry_max).unwrap_or_default();
            store.digest_failed(digest.id, &error, retry_at)?;
            return Ok(Delivery::Failed { error, retry_at });
        };
        let this = self.clone();
        let row = digest.clone();
        let rule_id = rule.id().to_owned();
        let rendered = tokio::task::spawn_blocking(move || {
            let rule = this.rule(&rule_id).expect("looked up above");
            let view = this.digests.view(&this.pipeline.store, rule, Some(&row))?;
            let rendered = this.digests.templates.render(&view)?;
            Ok::<_, AlertError>((view, rendered))
        })
        .await
        .map_err(|error| AlertError::Task(error.to_string()))?;
        let (view, rendered) = match rendered {
            Ok(done) => done,
            Err(error) => {
                let error = error.to_string();
                let retry_at = self.retry_at(digest.attempts);
                store.digest_failed(digest.id, &error, retry_at)?;
                return Ok(Delivery::Failed { error, retry_at });
            }
        };
        let done = store.delivered_targets(digest.id)?;
        let mut errors = Vec::new();
        for target in rule.alert.targets.names() {
            if done.iter().any(|name| name == target) {
                continue;
            }
            match self
                .deliverer
                .deliver(target, &rule.alert.targets, &view, &rendered)
                .await
            {
                Ok(()) => {
                    store.target_delivered(digest.id, target)?;
                    tracing::info!(rule = %rule.id(), digest = digest.id, target, items = view.items.len(), "digest delivered");
                }
                Err(error) => errors.push(error.to_string()),
            }
        }
        if errors.is_empty() {
            store.digest_delivered(digest.id)?;
            return Ok(Delivery::Delivered);
        }
        let error = errors.join("; ");
        let retry_at = self.retry_at(digest.attempts);
        store.digest_failed(digest.id, &error, retry_at)?;
        tracing::warn!(rule = %rule.id(), digest = digest.id, %error, retry_at = %crate::store::timestamp(retry_at), "digest delivery failed; will retry");
        Ok(Delivery::Failed { error, retry_at })
    }

    /// When to try again after `attempts` failed attempts and one more:
    /// the initial wait doubled per attempt, capped.
    fn retry_at(&self, attempts: i64) -> DateTime<Utc> {
        let doublings = attempts.clamp(0, 20) as u32;
        let wait = self
            .retry_initial
            .saturating_mul(1 << doublings)
            .min(self.retry_max);
        Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default()
    }
}

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
        match tokio::task::spawn_blocking(move || this.prepare(&schedule, &counts)).await {
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

impl Alerting {
    /// The blocking part of a turn: matching, health, and starting digests.
    /// Returns the next run of each digest rule that ran, and whether the
    /// turn went without errors.
    fn prepare(
        &self,
        next_runs: &HashMap<String, DateTime<Utc>>,
        telemetry: &Telemetry,
    ) -> (Vec<(String, DateTime<Utc>)>, bool) {
        let now = Utc::now();
        let mut healthy = true;
        // A failure here must not hold back digests of matches already
        // recorded, nor the other rules.
        // Matching a large backlog is progress, not a stall.
        match self.match_new(now, &mut |_| telemetry.alerting_beat()) {
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
        for rule in &self.rules {
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
            if let Err(error) = self.start_digest(rule, run_at, now) {
                healthy = false;
                tracing::error!(rule = %rule.id(), %error, scheduled = next, "cannot start a digest");
            }
        }
        (ran, healthy)
    }
}
