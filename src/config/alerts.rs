//! `[alerts]`, `[smtp]` and `[[alert]]`: what analysts want to be told, when
//! and where.
//!
//! Rule queries are checked later, against the gazetteer (see
//! `alerts::rules`), so each validated [`Alert`] keeps where its `query` and
//! `terms` were written, for errors that still name file and line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::Schedule;

/// `[alerts]`: how digests are rendered and delivered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Folder of the digest templates `digest.txt` and `digest.html`
    /// (minijinja), relative to the config file's folder; a template missing
    /// there is the built-in one, which is the same as the shipped file.
    /// Default: `"templates"`.
    #[serde(default = "AlertsConfig::default_templates")]
    pub templates: PathBuf,
    /// Sender of digest emails and outbox files. Default: `"veille
    /// <veille@localhost>"`.
    #[serde(default = "AlertsConfig::default_from")]
    pub from: String,
    /// Wait before retrying a failed delivery; each further failure doubles it.
    /// Default: `"1m"`.
    #[serde(
        default = "AlertsConfig::default_retry_initial",
        with = "super::humantime_serde"
    )]
    pub retry_initial: Duration,
    /// Longest wait between two delivery attempts. Default: `"1h"`.
    #[serde(
        default = "AlertsConfig::default_retry_max",
        with = "super::humantime_serde"
    )]
    pub retry_max: Duration,
}

impl AlertsConfig {
    fn default_templates() -> PathBuf {
        PathBuf::from("templates")
    }
    fn default_from() -> String {
        "veille <veille@localhost>".to_owned()
    }
    fn default_retry_initial() -> Duration {
        Duration::from_secs(60)
    }
    fn default_retry_max() -> Duration {
        Duration::from_secs(3600)
    }
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            templates: Self::default_templates(),
            from: Self::default_from(),
            retry_initial: Self::default_retry_initial(),
            retry_max: Self::default_retry_max(),
        }
    }
}

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

/// `[smtp]`: the mail server digests are sent through. Needed by rules with
/// `email` recipients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name of the mail server, e.g. `"smtp.example.org"`. Required.
    pub host: String,
    /// Port of the mail server. Default: 587 for `starttls`, 465 for `tls`, 25
    /// for `none`.
    pub port: Option<u16>,
    /// `"starttls"` (required, not opportunistic), `"tls"` (TLS from the first
    /// byte) or `"none"` (a relay on the same machine). Default: `"starttls"`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// User name to log in with; no authentication without it. Default: none.
    pub user: Option<String>,
    /// Environment variable holding the password, e.g. `"VEILLE_SMTP_PASSWORD"`
    /// (set with `Environment=` or `EnvironmentFile=` in the unit). Passwords
    /// are never written in this file and never logged. Default: none.
    pub password_env: Option<String>,
    /// File holding the password (its first line), e.g. a systemd credential
    /// such as `"/run/credentials/veille.service/smtp"`. Default: none.
    pub password_file: Option<PathBuf>,
    /// Time allowed for one SMTP conversation. Default: `"30s"`.
    #[serde(
        default = "SmtpConfig::default_timeout",
        with = "super::humantime_serde"
    )]
    pub timeout: Duration,
}

impl SmtpConfig {
    fn default_timeout() -> Duration {
        Duration::from_secs(30)
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// When a rule's digest goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertMode {
    /// On the rule's `schedule`, with every match since the last digest.
    Digest,
    /// As soon as a match is found.
    Immediate,
}

impl AlertMode {
    /// The mode as written in the configuration and stored in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertMode::Digest => "digest",
            AlertMode::Immediate => "immediate",
        }
    }
}

/// `health = { … }` in an `[[alert]]`: a rule about the sources themselves.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Fire when a source has failed every fetch for this long, e.g. `"6h"`.
    /// Default: none.
    #[serde(default, with = "super::humantime_serde::option")]
    pub failing_for: Option<Duration>,
    /// Fire when a source has stored nothing new for this long, e.g. `"3d"`.
    /// Default: none.
    #[serde(default, with = "super::humantime_serde::option")]
    pub silent_for: Option<Duration>,
    /// Feed ids to watch. Default: `[]` (every enabled feed).
    #[serde(default)]
    pub feeds: Vec<String>,
}

/// One `[[alert]]` table, as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Unique, stable name of the rule: lower-case letters, digits and `-`.
    /// Matches are recorded under it. Required.
    pub id: String,
    /// Human name, used in digest subjects. Default: the id.
    pub name: Option<String>,
    /// A search query (see *The query language* in the README), e.g.
    /// `'(entity:jnim OR GSIM) AND (place:kayes OR place:diboli)'`. Default:
    /// none.
    pub query: Option<String>,
    /// Weighted terms, `{ term = weight, … }`, for what boolean queries cannot
    /// say: each term is a query (a word, a `"phrase"`, a filter such as
    /// `entity:jnim`), and a document matches when the weights of the terms it
    /// contains add up to `threshold`. With `query` too, both must hold.
    /// Default: none.
    pub terms: Option<BTreeMap<String, f64>>,
    /// The sum of weights a document needs. Required with `terms`.
    pub threshold: Option<f64>,
    /// Only documents in these languages (ISO 639-1 codes). Default: `[]`
    /// (all).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Only documents carried by these feeds (ids). Default: `[]` (all).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Only documents of these kinds: `"article"`, `"transcript"`. Default:
    /// `[]` (all).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// When digests go out: `"digest"` (on `schedule`) or `"immediate"` (as
    /// soon as a match is found). Default: `"digest"` when a schedule is given,
    /// else `"immediate"`.
    pub mode: Option<AlertMode>,
    /// When digests go out: a crontab line, e.g. `"0 7 * * *"`, optionally with
    /// a time zone in front (`"CRON_TZ=Africa/Dakar 0 7 * * *"`), or an
    /// interval such as `"every 6h"`. Required for `"digest"`.
    pub schedule: Option<String>,
    /// Time zone of `schedule`. Default: `[defaults] timezone`.
    pub timezone: Option<String>,
    /// Send nothing while fewer matches than this are waiting; they keep
    /// waiting for the next run. Default: `1`.
    #[serde(default = "AlertConfig::default_min_matches")]
    pub min_matches: usize,
    /// Email recipients (needs `[smtp]`), e.g. `["desk@example.org"]`. Default:
    /// `[]`.
    #[serde(default)]
    pub email: Vec<String>,
    /// URL the digest is POSTed to as JSON. Default: none.
    pub webhook: Option<String>,
    /// Environment variable holding the webhook's HMAC-SHA256 secret; the
    /// signature goes in `X-Veille-Signature: sha256=<hex>`. Default: none.
    pub webhook_secret_env: Option<String>,
    /// File holding the webhook's HMAC-SHA256 secret (its first line). Default:
    /// none.
    pub webhook_secret_file: Option<PathBuf>,
    /// Also write each digest as an `.eml` file under `<storage>/outbox/`.
    /// Default: `true` when the rule has no `email` and no `webhook`.
    pub outbox: Option<bool>,
    /// Makes this a source-health rule instead of a document rule, with no
    /// `query` (see `health` below). Default: none.
    pub health: Option<HealthConfig>,
}

impl AlertConfig {
    fn default_min_matches() -> usize {
        1
    }
}

/// Where a key was written: line and column, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Site {
    /// The line, counted from 1.
    pub line: usize,
    /// The column, in characters from 1.
    pub column: usize,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertCondition {
    /// New documents that match a query, weighted terms, or both.
    Documents {
        /// The rule's `query`, unparsed (it is parsed against the gazetteer).
        query: Option<String>,
        /// Weighted terms (`terms`), sorted by term.
        terms: Vec<(String, f64)>,
        /// The sum of term weights a document needs; 0 without terms.
        threshold: f64,
        /// Only documents in these languages; empty for all.
        languages: Vec<String>,
        /// Only documents carried by these feeds; empty for all.
        sources: Vec<String>,
        /// Only documents of these kinds; empty for all.
        kinds: Vec<String>,
    },
    /// The sources themselves: feeds failing or silent (`health = { … }`).
    SourceHealth(HealthConfig),
}

/// Where a rule's digests go.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Addresses the digest is emailed to, through `[smtp]`.
    pub email: Vec<String>,
    /// The URL the digest is posted to as JSON, if any.
    pub webhook: Option<Webhook>,
    /// Whether the digest is also written as an `.eml` file under the outbox.
    pub outbox: bool,
}

impl Targets {
    /// The targets' names, as the record tracks deliveries.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.outbox {
            names.push("outbox");
        }
        if !self.email.is_empty() {
            names.push("email");
        }
        if self.webhook.is_some() {
            names.push("webhook");
        }
        names
    }
}

/// A rule's webhook: where digests are posted and how they are signed.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The URL that receives each digest as a JSON POST.
    pub url: Url,
    /// The key of the HMAC-SHA256 signature header, if the receiver checks one.
    pub secret: Option<SecretSource>,
}

/// Where a secret is read from, at delivery time, so that rotating it needs
/// no restart and it never sits in the config.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// The value of this environment variable.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

impl SecretSource {
    /// The source the `*_env` and `*_file` keys name; the variable wins
    /// when both are set, and `None` when neither is.
    pub fn from_keys(env: Option<&String>, file: Option<&PathBuf>) -> Option<SecretSource> {
        match (env, file) {
            (Some(name), _) => Some(SecretSource::Env(name.clone())),
            (None, Some(path)) => Some(SecretSource::File(path.clone())),
            (None, None) => None,
        }
    }

    /// Reads the secret. The error names where it was looked for, never
    /// the value.
    pub fn read(&self) -> Result<String, String> {
        match self {
            SecretSource::Env(name) => {
                std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
            }
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|text| text.lines().next().unwrap_or_default().to_owned())
                .map_err(|error| {
                    // The path goes to the log, not into errors the API shows.
                    tracing::warn!(path = %path.display(), %error, "cannot read a secret file");
                    format!("cannot read the secret file: {error}")
                }),
        }
    }
}

/// A validated `[[alert]]`.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The rule's unique id, as the record and the API name it.
    pub id: String,
    /// The rule's title in digests; its id when none is given.
    pub name: String,
    /// Digest on a schedule, or immediate.
    pub mode: AlertMode,
    /// Set for digest rules.
    pub schedule: Option<Schedule>,
    /// Matches that must be waiting before a digest is sent.
    pub min_matches: usize,
    /// What the rule watches.
    pub condition: AlertCondition,
    /// Where its digests go.
    pub targets: Targets,
    /// Where `query` and `terms` are written, for errors found when they
    /// are parsed against the gazetteer.
    pub query_site: Site,
    /// Where `terms` is written.
    pub terms_site: Site,
}
