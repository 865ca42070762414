//! An alerting turn's parts, for the daemon's loop (`daemon::alerting`) and
//! for one-shot commands (`veille alerts`, `veille fetch`): record the
//! rules, match what the record gained and note source-health findings,
//! start a rule's digest, deliver a digest.
//!
//! Like the index, matching follows the record rather than being told, so
//! documents stored by another process are matched too, and a restart
//! resumes from the cursor the record keeps. Delivery state is in the record
//! as well: a digest killed mid-delivery is simply still undelivered.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    AlertError, Deliverer, DigestMaker, Matcher, Result, Rule, RuleKind, Templates, health,
};
use crate::config::{Config, Feed};
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
    pub fn new(config: &Config, pipeline: Arc<Pipeline>, rules: Vec<Rule>) -> Result<Alerting> {
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
    pub fn register(&self) -> Result<()> {
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
    pub fn match_new(&self, now: DateTime<Utc>, progress: &mut dyn FnMut(usize)) -> Result<usize> {
        let store = &self.pipeline.store;
        let mut found = super::match_new(store, &self.matcher, progress)?;
        let mut states = None;
        for rule in &self.rules {
            let RuleKind::Health(health) = &rule.kind else {
                continue;
            };
            let states = match &states {
                Some(states) => states,
                None => states.insert(store.feed_health()?),
            };
            for event in health::findings(health, &self.feeds, states, now) {
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
    ) -> Result<Option<i64>> {
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
    pub async fn deliver(self: &Arc<Self>, digest: DigestRow) -> Result<Delivery> {
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
