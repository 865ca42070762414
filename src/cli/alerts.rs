//! `veille alerts list|backtest` and `veille digest`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::Utc;
use veille::alerts::{self, Rule};
use veille::alerts::{Alerting, Delivery};
use veille::config::Config;
use veille::ingest::Pipeline;
use veille::store::{Store, timestamp};

#[derive(clap::Subcommand)]
pub enum AlertsCommand {
    /// Every rule with its schedule, waiting and delivered matches, and the
    /// last delivery error.
    List,
    /// Show what a rule would have caught in documents fetched recently,
    /// whether or not it existed then.
    Backtest(BacktestArgs),
}

#[derive(clap::Args)]
pub struct BacktestArgs {
    /// The rule's id.
    rule: String,
    /// How far back: an age (`30d`, `12h`, `2w`) or a date (`2026-10-01`).
    #[arg(long, default_value = "30d")]
    since: String,
    /// Matches shown at most (the count covers them all).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// One JSON object per match instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("action").required(true).args(["dry_run", "now"]))]
pub struct DigestArgs {
    /// The rule's id.
    #[arg(long)]
    rule: String,
    /// Print the digest the rule's waiting matches would make, and deliver
    /// nothing.
    #[arg(long)]
    dry_run: bool,
    /// Make the digest now and deliver it, whatever the schedule.
    #[arg(long)]
    now: bool,
    /// With --dry-run: print the HTML version instead of the text.
    #[arg(long)]
    html: bool,
}

/// The rules of `config`, compiled against its gazetteer.
pub fn compile_rules(config: &Config, pipeline: &Pipeline) -> anyhow::Result<Vec<Rule>> {
    Ok(alerts::compile(config, pipeline.tagger.gazetteer())?)
}

/// Alerting for `config`, with its rules recorded (new and edited rules
/// start now).
pub fn open_alerting(config: &Config, pipeline: Arc<Pipeline>) -> anyhow::Result<Arc<Alerting>> {
    let alerting = build_alerting(config, pipeline)?;
    alerting
        .register()
        .context("cannot record the alert rules")?;
    Ok(alerting)
}

/// The rules and their delivery, compiled but not yet recorded.
pub fn build_alerting(config: &Config, pipeline: Arc<Pipeline>) -> anyhow::Result<Arc<Alerting>> {
    let rules = compile_rules(config, &pipeline)?;
    Ok(Arc::new(Alerting::new(config, pipeline, rules)?))
}

fn find_rule<'a>(rules: &'a [Rule], id: &str, config: &Config) -> anyhow::Result<&'a Rule> {
    rules.iter().find(|rule| rule.id() == id).ok_or_else(|| {
        let known: Vec<&str> = rules.iter().map(Rule::id).collect();
        anyhow::anyhow!(
            "no alert rule {id:?} in {}; rules: {}",
            config.path.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    })
}

pub fn alerts(config_path: &Path, command: AlertsCommand) -> anyhow::Result<ExitCode> {
    match command {
        AlertsCommand::List => list(config_path),
        AlertsCommand::Backtest(args) => backtest(config_path, args),
    }
}

fn list(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let pipeline = super::open_pipeline(&config)?;
    let rules = compile_rules(&config, &pipeline)?;
    if rules.is_empty() {
        println!("no alert rules in {}", config_path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![
        [
            "ID",
            "MODE",
            "SCHEDULE",
            "WAITING",
            "DELIVERED",
            "LAST RUN",
            "LAST ERROR",
        ]
        .map(str::to_owned),
    ];
    for rule in &rules {
        let summary = pipeline.store.rule_summary(rule.id())?;
        rows.push([
            rule.id().to_owned(),
            rule.alert.mode.as_str().to_owned(),
            rule.alert
                .schedule
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string),
            summary.pending.to_string(),
            summary.delivered.to_string(),
            summary.last_run.unwrap_or_else(|| "-".to_owned()),
            summary.last_error.unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    super::print_table(&rows, "");
    Ok(ExitCode::SUCCESS)
}

fn backtest(config_path: &Path, args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let pipeline = super::open_pipeline(&config)?;
    let rules = compile_rules(&config, &pipeline)?;
    let rule = find_rule(&rules, &args.rule, &config)?;
    let since = alerts::parse_since(&args.since, Utc::now())
        .map_err(|error| anyhow::anyhow!("--since {error}"))?;
    let store = &pipeline.store;
    let Some(found) = alerts::backtest(store, rule, pipeline.tagger.gazetteer(), since)? else {
        bail!(
            "rule {:?} watches sources, not documents; nothing to backtest",
            rule.id()
        );
    };
    let shown: Vec<_> = found.found.iter().take(args.limit).collect();
    let ids: Vec<i64> = shown.iter().map(|found| found.document).collect();
    let documents = store.documents_by_ids(&ids)?;
    for (found, document) in shown.iter().zip(&documents) {
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "document_id": document.id,
                    "published": document.published,
                    "title": document.title,
                    "url": document.url,
                    "sources": document.sources,
                    "terms": found.terms,
                })
            );
        } else {
            println!(
                "{}  {}  {}\n    {}  [{}]",
                document.published.get(..10).unwrap_or(&document.published),
                document.sources.join(", "),
                document.title,
                document.url,
                found.terms.join(", ")
            );
        }
    }
    eprintln!(
        "rule {}: {} of {} documents fetched since {} match{}",
        rule.id(),
        found.found.len(),
        found.read,
        timestamp(since),
        if found.found.len() > shown.len() {
            format!(" ({} shown; --limit for more)", shown.len())
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn digest(config_path: &Path, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_path)?;
    let pipeline = super::open_pipeline(&config)?;
    let alerting = open_alerting(&config, pipeline.clone())?;
    let rule = find_rule(&alerting.rules, &args.rule, &config)?.clone();
    {
        let alerting = alerting.clone();
        tokio::task::spawn_blocking(move || alerting.match_new(Utc::now(), &mut |_| {}))
            .await?
            .context("cannot match new documents")?;
    }
    let store: &Store = &pipeline.store;
    if args.dry_run {
        let view = alerting.digests.view(store, &rule, None)?;
        if view.items.is_empty() && view.health.is_empty() {
            eprintln!("nothing waiting for rule {}", rule.id());
            return Ok(ExitCode::SUCCESS);
        }
        let rendered = alerting.digests.templates.render(&view)?;
        if args.html {
            print!("{}", rendered.html);
        } else {
            println!("Subject: {}\n", rendered.subject);
            print!("{}", rendered.text);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // A running daemon leaves the digests alone while this process
    // delivers them, and retries them if this process fails.
    let claim = Utc::now() + chrono::Duration::minutes(10);
    alerting.start_digest(&rule, None, claim)?;
    let waiting = store.undelivered_digests(rule.id())?;
    if waiting.is_empty() {
        eprintln!("nothing waiting for rule {}", rule.id());
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = false;
    for digest in waiting {
        let id = digest.id;
        store.postpone_digest(id, claim)?;
        match alerting.deliver(digest).await? {
            Delivery::Delivered => {
                let targets = rule.alert.targets.names().join(", ");
                println!("digest {id} of rule {} delivered to {targets}", rule.id());
            }
            Delivery::Failed { error, retry_at } => {
                failed = true;
                eprintln!(
                    "veille: digest {id} of rule {} not delivered: {error}\nthe daemon retries it from {}",
                    rule.id(),
                    timestamp(retry_at)
                );
            }
        }
    }
    if rule.alert.targets.outbox {
        println!("outbox: {}", alerting.deliverer.outbox().display());
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
