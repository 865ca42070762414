//! Reading `feeds.toml` and reporting every mistake in it at once.
//!
//! Each section and each `[[feed]]` goes through [`Report::section`], which
//! reports every bad key; checks serde cannot make (unique ids, URLs,
//! schedules, selectors) then run on what parsed, and look spans up in the
//! same parse so that they also name a line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use super::alerts::{
    Alert, AlertCondition, AlertConfig, AlertMode, AlertsConfig, SecretSource, Site, SmtpConfig,
    Targets, Webhook,
};
use super::diagnostics::{Diagnostic, Report, render};
use super::{
    Config, DropFolder, EnrichConfig, Feed, FeedConfig, FeedDefaults, FeedKind, FetchConfig,
    Listing, Schedule, ServerConfig, StorageConfig, parse_timezone,
};
use crate::sources::broadcast::FilePattern;
use crate::sources::html::{DateReading, ListingSelectors};

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file named.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file was read but has mistakes: all of them, located.
    #[error("{}", render(.path.display(), .diagnostics))]
    Invalid {
        /// The file read.
        path: PathBuf,
        /// Every mistake found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        error,
    })?;
    load_str(&text, path)
}

/// Validates config text as if read from `path` (which locates relative paths
/// and names the file in errors).
pub fn load_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let mut report = Report {
        file: path,
        text,
        diagnostics: Vec::new(),
    };
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let span = error.span().unwrap_or(0..0);
            report.push(span, "", None, error.message().trim().to_owned());
        }
        return Err(report.into_error());
    }

    let mut storage = StorageConfig::default();
    let mut server = ServerConfig::default();
    let mut fetch = FetchConfig::default();
    let mut defaults = FeedDefaults::default();
    let mut enrich = EnrichConfig::default();
    let mut alerts = AlertsConfig::default();
    let mut smtp = None;
    let mut defaults_table = None;
    let mut feed_tables = Vec::new();
    let mut alert_tables = Vec::new();

    for (key, value) in root.get_ref().iter() {
        let name: &str = key.get_ref();
        match name {
            "storage" => {
                if let Some(section) = report.section::<StorageConfig>("[storage]", value) {
                    storage = section;
                }
            }
            "server" => {
                if let Some(section) = report.section::<ServerConfig>("[server]", value) {
                    server = section;
                }
            }
            "fetch" => {
                if let Some(section) = report.section::<FetchConfig>("[fetch]", value) {
                    fetch = section;
                }
            }
            "enrich" => {
                if let Some(section) = report.section::<EnrichConfig>("[enrich]", value) {
                    enrich = section;
                }
            }
            "defaults" => {
                defaults_table = Some(value);
                if let Some(section) = report.section::<FeedDefaults>("[defaults]", value) {
                    defaults = section;
                }
            }
            "alerts" => {
                if let Some(section) = report.section::<AlertsConfig>("[alerts]", value) {
                    alerts = section;
                }
            }
            "smtp" => {
                smtp = report
                    .section::<SmtpConfig>("[smtp]", value)
                    .map(|mut smtp| {
                        let base_dir = path.parent().unwrap_or(Path::new("."));
                        smtp.password_file = smtp.password_file.map(|file| base_dir.join(file));
                        smtp
                    });
            }
            "feed" => match value.get_ref() {
                DeValue::Array(items) => feed_tables.extend(items.iter()),
                _ => report.push(
                    value.span(),
                    "",
                    Some("feed"),
                    "sources are an array of tables: write each as [[feed]]".to_owned(),
                ),
            },
            "alert" => match value.get_ref() {
                DeValue::Array(items) => alert_tables.extend(items.iter()),
                _ => report.push(
                    value.span(),
                    "",
                    Some("alert"),
                    "alert rules are an array of tables: write each as [[alert]]".to_owned(),
                ),
            },
            other => report.push(
                key.span(),
                "",
                Some(other),
                "unknown section; expected one of storage, server, fetch, defaults, enrich, alerts, smtp, feed, alert"
                    .to_owned(),
            ),
        }
    }

    report.check_server(&server, root.get_ref().get("server"));
    report.check_storage(&storage, root.get_ref().get("storage"));
    report.check_fetch(&fetch, root.get_ref().get("fetch"));
    let default_timezone = match parse_timezone(&defaults.timezone) {
        Ok(tz) => tz,
        Err(message) => {
            report.push_at_key("[defaults]", defaults_table, "timezone", message);
            chrono_tz::Tz::UTC
        }
    };
    if let Err(err) = Schedule::parse(&defaults.schedule, default_timezone) {
        report.push_at_key("[defaults]", defaults_table, "schedule", err.to_string());
    }

    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut feeds = Vec::new();
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    for (position, table) in feed_tables.into_iter().enumerate() {
        let label = feed_label(position, table);
        let Some(raw) = report.section::<FeedConfig>(&label, table) else {
            continue;
        };
        let id_span = table
            .get_ref()
            .get("id")
            .map_or(table.span(), Spanned::span);
        let line = report.line_col(id_span.start).0;
        if let Some(first) = first_line_of_id.get(&raw.id) {
            let message = format!(
                "duplicate id {:?}: already used by the feed at line {first}",
                raw.id
            );
            report.push_at_key(&label, Some(table), "id", message);
            continue;
        }
        first_line_of_id.insert(raw.id.clone(), line);
        if let Some(feed) =
            report.check_feed(raw, &label, table, &defaults, default_timezone, base_dir)
        {
            feeds.push(feed);
        }
    }

    report.check_alerts_section(&alerts, root.get_ref().get("alerts"));
    if let Some(smtp) = &smtp {
        report.check_smtp(smtp, root.get_ref().get("smtp"));
    }
    let mut rules = Vec::new();
    let mut first_line_of_rule: HashMap<String, usize> = HashMap::new();
    for (position, table) in alert_tables.into_iter().enumerate() {
        let label = table_label("alert", position, table);
        let Some(raw) = report.section::<AlertConfig>(&label, table) else {
            continue;
        };
        let line = report.line_col(key_span(table, "id").start).0;
        if let Some(first) = first_line_of_rule.get(&raw.id) {
            let message = format!(
                "duplicate id {:?}: already used by the rule at line {first}",
                raw.id
            );
            report.push_at_key(&label, Some(table), "id", message);
            continue;
        }
        first_line_of_rule.insert(raw.id.clone(), line);
        let context = AlertContext {
            feeds: &feeds,
            feed_ids: &first_line_of_id,
            smtp: smtp.as_ref(),
            default_timezone,
            base_dir,
        };
        if let Some(rule) = report.check_alert(raw, &label, table, &context) {
            rules.push(rule);
        }
    }

    if !report.diagnostics.is_empty() {
        return Err(report.into_error());
    }
    Ok(Config {
        path: path.to_owned(),
        storage,
        server,
        fetch,
        defaults,
        enrich,
        alerts,
        smtp,
        feeds,
        rules,
    })
}

fn feed_label(position: usize, table: &Spanned<DeValue<'_>>) -> String {
    table_label("feed", position, table)
}

/// `[[feed]] "rfi"`, or `[[feed]] #3` for a table without a readable id.
fn table_label(kind: &str, position: usize, table: &Spanned<DeValue<'_>>) -> String {
    match table
        .get_ref()
        .get("id")
        .and_then(|id| id.get_ref().as_str())
    {
        Some(id) => format!("[[{kind}]] {id:?}"),
        None => format!("[[{kind}]] #{}", position + 1),
    }
}

/// The span of `key` in `table`, or of the table when the key is absent.
fn key_span(table: &Spanned<DeValue<'_>>, key: &str) -> std::ops::Range<usize> {
    table.get_ref().get(key).map_or(table.span(), Spanned::span)
}

/// What checking an `[[alert]]` needs from the rest of the file.
struct AlertContext<'a> {
    feeds: &'a [Feed],
    feed_ids: &'a HashMap<String, usize>,
    smtp: Option<&'a SmtpConfig>,
    default_timezone: chrono_tz::Tz,
    base_dir: &'a Path,
}

/// Longest wait between two delivery attempts: a week is already more than
/// any analyst would wait, and longer ones overflow date arithmetic.
const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// More listing pages than this per poll is crawling a site, not watching it.
const MAX_LISTING_PAGES: u32 = 50;

/// Below this, the index writer would spin committing nothing.
const MIN_COMMIT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

impl Report<'_> {
    fn check_storage(&mut self, storage: &StorageConfig, table: Option<&Spanned<DeValue<'_>>>) {
        if storage.commit_interval < MIN_COMMIT_INTERVAL {
            let message = "must be at least 100ms".to_owned();
            self.push_at_key("[storage]", table, "commit_interval", message);
        }
    }

    fn check_server(&mut self, server: &ServerConfig, table: Option<&Spanned<DeValue<'_>>>) {
        if server.bind.parse::<std::net::SocketAddr>().is_err() {
            let message = format!(
                "invalid listen address {:?}: write an IP address and port such as \"127.0.0.1:8080\"",
                server.bind
            );
            self.push_at_key("[server]", table, "bind", message);
        } else if !server.is_loopback() && server.token_env.is_none() && server.token_file.is_none()
        {
            let message = format!(
                "{} is reachable from other machines: set token_env or token_file so that \
                 requests need a token, or bind to 127.0.0.1",
                server.bind
            );
            self.push_at_key("[server]", table, "bind", message);
        }
        if server.token_env.is_some() && server.token_file.is_some() {
            let message = "set token_env or token_file, not both".to_owned();
            self.push_at_key("[server]", table, "token_file", message);
        }
        if server.request_timeout < Duration::from_secs(1) {
            let message = "must be at least 1s".to_owned();
            self.push_at_key("[server]", table, "request_timeout", message);
        }
    }

    fn check_fetch(&mut self, fetch: &FetchConfig, table: Option<&Spanned<DeValue<'_>>>) {
        if fetch.concurrency == 0 {
            self.push_at_key(
                "[fetch]",
                table,
                "concurrency",
                "must be at least 1".to_owned(),
            );
        }
        if fetch.per_host_concurrency == 0 {
            let message = "must be at least 1".to_owned();
            self.push_at_key("[fetch]", table, "per_host_concurrency", message);
        }
        if fetch.max_items == 0 {
            let message = "must be at least 1".to_owned();
            self.push_at_key("[fetch]", table, "max_items", message);
        }
        if fetch.max_body_bytes < 1024 {
            let message = "must be at least 1024 bytes".to_owned();
            self.push_at_key("[fetch]", table, "max_body_bytes", message);
        }
        if fetch.user_agent.trim().is_empty() {
            self.push_at_key(
                "[fetch]",
                table,
                "user_agent",
                "must not be empty".to_owned(),
            );
        }
    }

    fn check_feed(
        &mut self,
        raw: FeedConfig,
        label: &str,
        table: &Spanned<DeValue<'_>>,
        defaults: &FeedDefaults,
        default_timezone: chrono_tz::Tz,
        base_dir: &Path,
    ) -> Option<Feed> {
        let errors_before = self.diagnostics.len();
        let table = Some(table);
        if !is_valid_id(&raw.id) {
            let message = format!(
                "invalid id {:?}: use lower-case letters, digits and '-' (at most 64)",
                raw.id
            );
            self.push_at_key(label, table, "id", message);
        }
        let timezone = match raw.timezone.as_deref().map(parse_timezone) {
            None => default_timezone,
            Some(Ok(tz)) => tz,
            Some(Err(message)) => {
                self.push_at_key(label, table, "timezone", message);
                default_timezone
            }
        };
        let (url, folder) = self.check_location(&raw, label, table, base_dir);
        let listing = self.check_listing(&raw, label, table, timezone);
        let file_pattern = match (&raw.file_pattern, raw.kind) {
            (None, _) => None,
            (Some(_), kind) if kind != FeedKind::Transcript => {
                let message = "only transcript sources have a file_pattern".to_owned();
                self.push_at_key(label, table, "file_pattern", message);
                None
            }
            (Some(pattern), _) => match FilePattern::parse(pattern) {
                Ok(pattern) => Some(pattern),
                Err(error) => {
                    let message = format!("invalid file_pattern {pattern:?}: {error}");
                    self.push_at_key(label, table, "file_pattern", message);
                    None
                }
            },
        };
        let schedule_text = raw.schedule.as_deref().unwrap_or(&defaults.schedule);
        let schedule = match Schedule::parse(schedule_text, timezone) {
            Ok(schedule) => Some(schedule),
            Err(err) => {
                // A bad default is reported once, at [defaults].
                if raw.schedule.is_some() {
                    self.push_at_key(label, table, "schedule", err.to_string());
                }
                None
            }
        };
        if let Some(language) = &raw.language {
            if !is_language_code(language) {
                let message = format!(
                    "invalid language {language:?}: use an ISO 639-1 code such as \"fr\", \"en\", \"ar\""
                );
                self.push_at_key(label, table, "language", message);
            }
        }
        if let Some(selector) = &raw.content_selector
            && let Err(err) = scraper::Selector::parse(selector)
        {
            let message = format!("invalid CSS selector {selector:?}: {err}");
            self.push_at_key(label, table, "content_selector", message);
        }
        if self.diagnostics.len() > errors_before {
            return None;
        }
        Some(Feed {
            name: raw.name.unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            url: url?,
            kind: raw.kind,
            schedule: schedule?,
            timezone,
            listing,
            folder,
            file_pattern,
            language: raw.language,
            full_text: raw.full_text.unwrap_or(defaults.full_text),
            content_selector: raw.content_selector,
            enabled: raw.enabled,
            tags: raw.tags,
        })
    }

    /// The source's URL, and its drop folder if it has one: exactly one of
    /// `url` and `folder`, and a folder only for transcripts.
    fn check_location(
        &mut self,
        raw: &FeedConfig,
        label: &str,
        table: Option<&Spanned<DeValue<'_>>>,
        base_dir: &Path,
    ) -> (Option<Url>, Option<DropFolder>) {
        if raw.min_age.is_some() && raw.folder.is_none() {
            let message = "min_age applies to a drop folder only".to_owned();
            self.push_at_key(label, table, "min_age", message);
        }
        match (&raw.url, &raw.folder) {
            (Some(url), None) => match resolve_url(url, base_dir) {
                Ok(url) => (Some(url), None),
                Err(message) => {
                    self.push_at_key(label, table, "url", message);
                    (None, None)
                }
            },
            (None, Some(_)) if raw.kind != FeedKind::Transcript => {
                let message =
                    "only transcript sources read a folder: add kind = \"transcript\"".to_owned();
                self.push_at_key(label, table, "folder", message);
                (None, None)
            }
            (None, Some(folder)) => {
                // Absolute, as file URLs must be: the daemon may not run
                // from the config's folder.
                let path = std::path::absolute(base_dir.join(folder)).unwrap_or_default();
                match Url::from_directory_path(&path).ok() {
                    Some(url) => {
                        let folder = DropFolder {
                            path,
                            min_age: raw.min_age.unwrap_or(DropFolder::DEFAULT_MIN_AGE),
                        };
                        (Some(url), Some(folder))
                    }
                    None => {
                        let message = format!("cannot use {} as a folder", path.display());
                        self.push_at_key(label, table, "folder", message);
                        (None, None)
                    }
                }
            }
            (Some(_), Some(_)) => {
                let message = "give url or folder, not both".to_owned();
                self.push_at_key(label, table, "folder", message);
                (None, None)
            }
            (None, None) => {
                let message = if raw.kind == FeedKind::Transcript {
                    "missing url (or folder, for a drop folder)"
                } else {
                    "missing url"
                };
                self.push_at_key(label, table, "url", message.to_owned());
                (None, None)
            }
        }
    }

    /// Compiles `listing`, which an html source needs and no other has;
    /// each bad selector is reported at its own key.
    fn check_listing(
        &mut self,
        raw: &FeedConfig,
        label: &str,
        table: Option<&Spanned<DeValue<'_>>>,
        timezone: chrono_tz::Tz,
    ) -> Option<Listing> {
        let listing = match (&raw.listing, raw.kind) {
            (None, FeedKind::Html) => {
                let message =
                    "an html source needs listing = { item = \"…\" } (the CSS selector of each item)"
                        .to_owned();
                self.push_at_key(label, table, "listing", message);
                return None;
            }
            (None, _) => return None,
            (Some(_), kind) if kind != FeedKind::Html => {
                let message = "only html sources have a listing: add kind = \"html\"".to_owned();
                self.push_at_key(label, table, "listing", message);
                return None;
            }
            (Some(listing), _) => listing,
        };
        let errors_before = self.diagnostics.len();
        let mut compile = |key: &str, selector: Option<&String>| {
            let selector = selector?;
            match scraper::Selector::parse(selector) {
                Ok(compiled) => Some(compiled),
                Err(err) => {
                    let message = format!("invalid CSS selector {selector:?}: {err}");
                    self.push_at_key(label, table, &format!("listing.{key}"), message);
                    None
                }
            }
        };
        let item = compile("item", Some(&listing.item));
        let selectors = ListingSelectors {
            link: compile("link", listing.link.as_ref()),
            title: compile("title", listing.title.as_ref()),
            date: compile("date", listing.date.as_ref()),
            summary: compile("summary", listing.summary.as_ref()),
            next: compile("next", listing.next.as_ref()),
            item: item?,
        };
        if let Some(format) = &listing.date_format
            && !is_date_format(format)
        {
            let message =
                format!("invalid date_format {format:?}: use strftime fields, e.g. \"%d.%m.%Y\"");
            self.push_at_key(label, table, "listing.date_format", message);
        }
        if listing.max_pages == 0 || listing.max_pages > MAX_LISTING_PAGES {
            let message = format!("must be between 1 and {MAX_LISTING_PAGES}");
            self.push_at_key(label, table, "listing.max_pages", message);
        }
        if self.diagnostics.len() > errors_before {
            return None;
        }
        Some(Listing {
            selectors,
            dates: DateReading {
                format: listing.date_format.clone(),
                timezone,
            },
            max_pages: listing.max_pages,
        })
    }

    fn check_alerts_section(
        &mut self,
        alerts: &AlertsConfig,
        table: Option<&Spanned<DeValue<'_>>>,
    ) {
        if let Err(error) = alerts.from.parse::<lettre::message::Mailbox>() {
            let message = format!(
                "invalid sender {:?}: {error} (write e.g. \"veille <veille@example.org>\")",
                alerts.from
            );
            self.push_at_key("[alerts]", table, "from", message);
        }
        if alerts.retry_initial.is_zero() || alerts.retry_max < alerts.retry_initial {
            let message = "must be above zero and at most retry_max".to_owned();
            self.push_at_key("[alerts]", table, "retry_initial", message);
        }
        if alerts.retry_max > MAX_RETRY_WAIT {
            let message = "must be at most 7 days".to_owned();
            self.push_at_key("[alerts]", table, "retry_max", message);
        }
    }

    fn check_smtp(&mut self, smtp: &SmtpConfig, table: Option<&Spanned<DeValue<'_>>>) {
        if smtp.user.is_some() && smtp.password_env.is_none() && smtp.password_file.is_none() {
            let message = "a user needs password_env or password_file".to_owned();
            self.push_at_key("[smtp]", table, "user", message);
        }
    }

    fn check_alert(
        &mut self,
        raw: AlertConfig,
        label: &str,
        table: &Spanned<DeValue<'_>>,
        context: &AlertContext<'_>,
    ) -> Option<Alert> {
        let errors_before = self.diagnostics.len();
        let at = Some(table);
        if !is_valid_id(&raw.id) {
            let message = format!(
                "invalid id {:?}: use lower-case letters, digits and '-' (at most 64)",
                raw.id
            );
            self.push_at_key(label, at, "id", message);
        }
        let timezone = match raw.timezone.as_deref().map(parse_timezone) {
            None => context.default_timezone,
            Some(Ok(tz)) => tz,
            Some(Err(message)) => {
                self.push_at_key(label, at, "timezone", message);
                context.default_timezone
            }
        };
        let mode = raw.mode.unwrap_or(if raw.schedule.is_some() {
            AlertMode::Digest
        } else {
            AlertMode::Immediate
        });
        let schedule = match (&raw.schedule, mode) {
            (Some(text), AlertMode::Digest) => match Schedule::parse(text, timezone) {
                Ok(schedule) => Some(schedule),
                Err(error) => {
                    self.push_at_key(label, at, "schedule", error.to_string());
                    None
                }
            },
            (None, AlertMode::Digest) => {
                let message = "a digest rule needs a schedule, e.g. \"0 7 * * *\"".to_owned();
                self.push_at_key(label, at, "schedule", message);
                None
            }
            (Some(_), AlertMode::Immediate) => {
                let message =
                    "an immediate rule sends as matches come; remove the schedule or set mode = \"digest\""
                        .to_owned();
                self.push_at_key(label, at, "schedule", message);
                None
            }
            (None, AlertMode::Immediate) => None,
        };
        if raw.min_matches == 0 {
            self.push_at_key(label, at, "min_matches", "must be at least 1".to_owned());
        }
        let condition = self.check_condition(&raw, label, table, context);
        let targets = self.check_targets(&raw, label, table, context);
        if self.diagnostics.len() > errors_before {
            return None;
        }
        let site = |key: &str| {
            let (line, column) = self.line_col(key_span(table, key).start);
            Site { line, column }
        };
        Some(Alert {
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            mode,
            schedule,
            min_matches: raw.min_matches,
            condition: condition?,
            targets: targets?,
            query_site: site("query"),
            terms_site: site("terms"),
        })
    }

    fn check_condition(
        &mut self,
        raw: &AlertConfig,
        label: &str,
        table: &Spanned<DeValue<'_>>,
        context: &AlertContext<'_>,
    ) -> Option<AlertCondition> {
        let at = Some(table);
        let errors_before = self.diagnostics.len();
        if let Some(health) = &raw.health {
            for key in [
                "query",
                "terms",
                "threshold",
                "languages",
                "sources",
                "kinds",
            ] {
                if table.get_ref().get(key).is_some() {
                    let message =
                        "a health rule watches sources, not documents; remove this key".to_owned();
                    self.push_at_key(label, at, key, message);
                }
            }
            if health.failing_for.is_none() && health.silent_for.is_none() {
                let message = "give failing_for, silent_for or both".to_owned();
                self.push_at_key(label, at, "health", message);
            }
            for feed in &health.feeds {
                if !context.feed_ids.contains_key(feed) {
                    let message = format!("unknown feed {feed:?} in health.feeds");
                    self.push_at_key(label, at, "health", message);
                }
            }
            return (self.diagnostics.len() == errors_before)
                .then(|| AlertCondition::SourceHealth(health.clone()));
        }
        let terms: Vec<(String, f64)> = raw.terms.clone().unwrap_or_default().into_iter().collect();
        if raw.query.is_none() && terms.is_empty() {
            let message = "a rule needs a query, weighted terms, or both".to_owned();
            self.push_at_key(label, at, "query", message);
        }
        if raw
            .query
            .as_deref()
            .is_some_and(|query| query.trim().is_empty())
        {
            self.push_at_key(label, at, "query", "must not be empty".to_owned());
        }
        if terms.iter().any(|(_, weight)| !weight.is_finite()) {
            self.push_at_key(label, at, "terms", "weights must be numbers".to_owned());
        }
        let threshold = match (raw.threshold, terms.is_empty()) {
            (Some(threshold), false) if threshold > 0.0 && threshold.is_finite() => threshold,
            (Some(_), false) => {
                let message = "must be a number above 0".to_owned();
                self.push_at_key(label, at, "threshold", message);
                0.0
            }
            (None, false) => {
                let message = "weighted terms need a threshold, e.g. threshold = 4".to_owned();
                self.push_at_key(label, at, "terms", message);
                0.0
            }
            (Some(_), true) => {
                let message = "a threshold only applies to weighted terms".to_owned();
                self.push_at_key(label, at, "threshold", message);
                0.0
            }
            (None, true) => 0.0,
        };
        for language in &raw.languages {
            if !is_language_code(language) {
                let message = format!(
                    "invalid language {language:?}: use ISO 639-1 codes such as \"fr\", \"en\", \"ar\""
                );
                self.push_at_key(label, at, "languages", message);
            }
        }
        for source in &raw.sources {
            if !context.feeds.iter().any(|feed| &feed.id == source)
                && !context.feed_ids.contains_key(source)
            {
                let message = format!("unknown feed {source:?}");
                self.push_at_key(label, at, "sources", message);
            }
        }
        for kind in &raw.kinds {
            if !["article", "transcript"].contains(&kind.as_str()) {
                let message = format!("unknown kind {kind:?}: use \"article\" or \"transcript\"");
                self.push_at_key(label, at, "kinds", message);
            }
        }
        (self.diagnostics.len() == errors_before).then(|| AlertCondition::Documents {
            query: raw.query.clone(),
            terms,
            threshold,
            languages: raw.languages.clone(),
            sources: raw.sources.clone(),
            kinds: raw.kinds.clone(),
        })
    }

    fn check_targets(
        &mut self,
        raw: &AlertConfig,
        label: &str,
        table: &Spanned<DeValue<'_>>,
        context: &AlertContext<'_>,
    ) -> Option<Targets> {
        let at = Some(table);
        let errors_before = self.diagnostics.len();
        for address in &raw.email {
            if let Err(error) = address.parse::<lettre::message::Mailbox>() {
                let message = format!("invalid email address {address:?}: {error}");
                self.push_at_key(label, at, "email", message);
            }
        }
        if !raw.email.is_empty() && context.smtp.is_none() {
            let message = "email recipients need an [smtp] section to send through".to_owned();
            self.push_at_key(label, at, "email", message);
        }
        let webhook = match raw.webhook.as_deref().map(Url::parse) {
            None => None,
            Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => Some(Webhook {
                url,
                secret: SecretSource::from_keys(
                    raw.webhook_secret_env.as_ref(),
                    raw.webhook_secret_file
                        .as_ref()
                        .map(|path| context.base_dir.join(path))
                        .as_ref(),
                ),
            }),
            Some(Ok(url)) => {
                let message = format!(
                    "the webhook URL's scheme is {:?}; use http or https",
                    url.scheme()
                );
                self.push_at_key(label, at, "webhook", message);
                None
            }
            Some(Err(error)) => {
                // The URL itself may hold a token: not repeated here.
                let message = format!("invalid webhook URL: {error}");
                self.push_at_key(label, at, "webhook", message);
                None
            }
        };
        if raw.webhook.is_none()
            && (raw.webhook_secret_env.is_some() || raw.webhook_secret_file.is_some())
        {
            let message = "a webhook secret without a webhook URL".to_owned();
            self.push_at_key(label, at, "webhook", message);
        }
        let outbox = raw
            .outbox
            .unwrap_or(raw.email.is_empty() && raw.webhook.is_none());
        if !outbox && raw.email.is_empty() && raw.webhook.is_none() {
            let message = "a rule with outbox = false needs email or a webhook".to_owned();
            self.push_at_key(label, at, "outbox", message);
        }
        (self.diagnostics.len() == errors_before).then(|| Targets {
            email: raw.email.clone(),
            webhook,
            outbox,
        })
    }

    fn into_error(self) -> ConfigError {
        ConfigError::Invalid {
            path: self.file.to_owned(),
            diagnostics: self.diagnostics,
        }
    }
}

fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|byte| byte.is_ascii_lowercase())
}

/// Whether `format` is a strftime format chrono understands.
fn is_date_format(format: &str) -> bool {
    use chrono::format::{Item, StrftimeItems};
    format.contains('%') && !StrftimeItems::new(format).any(|item| matches!(item, Item::Error))
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// Parses a feed URL; `file:rel/path` resolves against the config folder.
fn resolve_url(text: &str, base_dir: &Path) -> Result<Url, String> {
    if let Some(path) = text.strip_prefix("file:")
        && !path.starts_with('/')
    {
        let absolute = std::path::absolute(base_dir.join(path))
            .map_err(|err| format!("cannot resolve {text:?}: {err}"))?;
        return Url::from_file_path(&absolute)
            .map_err(|()| format!("cannot turn {} into a file URL", absolute.display()));
    }
    let url = Url::parse(text).map_err(|err| format!("invalid URL {text:?}: {err}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("invalid URL {text:?}: no host")),
        "file" => Ok(url),
        other => Err(format!(
            "unsupported URL scheme {other:?} in {text:?}: use http, https or file"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        match load_str(text, Path::new("/etc/veille/feeds.toml")) {
            Ok(_) => Vec::new(),
            Err(ConfigError::Invalid { diagnostics, .. }) => diagnostics,
            Err(other) => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn minimal_config_uses_defaults() {
        let config = load_str(
            "[[feed]]\nid = \"a\"\nurl = \"https://example.org/rss\"\n",
            Path::new("/srv/feeds.toml"),
        )
        .unwrap();
        assert_eq!(config.storage_dir(), PathBuf::from("/srv/index"));
        assert_eq!(config.fetch.max_body_bytes, 10 * 1024 * 1024);
        assert!(config.fetch.respect_robots);
        assert_eq!(config.feeds[0].schedule.to_string(), "every 30m");
        assert!(config.feeds[0].enabled);
    }

    #[test]
    fn relative_file_urls_resolve_against_the_config_folder() {
        let config = load_str(
            "[[feed]]\nid = \"a\"\nurl = \"file:samples/a.xml\"\n",
            Path::new("/srv/veille/feeds.toml"),
        )
        .unwrap();
        assert_eq!(
            config.feeds[0].url.as_str(),
            "file:///srv/veille/samples/a.xml"
        );
    }

    #[test]
    fn every_bad_key_of_one_table_is_reported() {
        let found = errors("[fetch]\ntimeout = \"soon\"\nfoo = 1\nconcurrency = \"many\"\n");
        let keys: Vec<_> = found
            .iter()
            .map(|d| (d.line, d.key.clone().unwrap()))
            .collect();
        assert!(keys.contains(&(2, "timeout".into())), "{found:?}");
        assert!(keys.contains(&(3, "foo".into())), "{found:?}");
        assert!(keys.contains(&(4, "concurrency".into())), "{found:?}");
    }

    #[test]
    fn duplicate_ids_point_at_both_lines() {
        let found = errors(
            "[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\n\n[[feed]]\nid = \"a\"\nurl = \"https://b.example/\"\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 6);
        assert!(found[0].message.contains("line 2"), "{}", found[0].message);
    }

    #[test]
    fn removed_required_key_is_not_reported_twice() {
        let found = errors("[[feed]]\nid = 5\nurl = \"https://a.example/\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key.as_deref(), Some("id"));
    }

    #[test]
    fn missing_required_key_points_at_the_table() {
        let found = errors("[storage]\ndir = \"x\"\n\n[[feed]]\nid = \"a\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("url"), "{found:?}");
        assert!(found[0].line >= 4, "{found:?}");
    }

    #[test]
    fn a_commit_interval_too_short_or_unreadable_is_reported_at_its_key() {
        for (value, message) in [
            ("\"0s\"", "at least 100ms"),
            ("\"soon\"", "invalid duration"),
        ] {
            let found = errors(&format!("[storage]\ncommit_interval = {value}\n"));
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].line, 2, "{found:?}");
            assert_eq!(found[0].key.as_deref(), Some("commit_interval"));
            assert!(found[0].message.contains(message), "{found:?}");
        }
    }

    #[test]
    fn syntax_errors_have_lines() {
        let found = errors("[fetch]\ntimeout = \n");
        assert!(!found.is_empty());
        assert_eq!(found[0].line, 2);
    }

    #[test]
    fn a_drop_folder_is_an_absolute_path_and_file_url() {
        let config = load_str(
            "[[feed]]\nid = \"radio\"\nkind = \"transcript\"\nfolder = \"radio/drop\"\n",
            Path::new("feeds.toml"),
        )
        .unwrap();
        let folder = config.feeds[0].folder.as_ref().unwrap();
        assert!(folder.path.is_absolute(), "{}", folder.path.display());
        assert!(folder.path.ends_with("radio/drop"));
        assert_eq!(config.feeds[0].url.scheme(), "file");
        assert!(config.feeds[0].url.path().ends_with("/radio/drop/"));
    }

    #[test]
    fn bad_scheme_selector_language_and_timezone() {
        let found = errors(
            "[[feed]]\nid = \"a\"\nurl = \"ftp://a.example/\"\ncontent_selector = \"div[\"\nlanguage = \"French\"\ntimezone = \"Mars/Olympus\"\n",
        );
        let keys: Vec<_> = found.iter().filter_map(|d| d.key.clone()).collect();
        for key in ["url", "content_selector", "language", "timezone"] {
            assert!(
                keys.iter().any(|k| k == key),
                "{key} missing from {found:?}"
            );
        }
    }
}
