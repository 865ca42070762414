//! Reading `feeds.toml` and reporting every mistake in it at once.
//!
//! Each section and each `[[feed]]` goes through [`Report::section`], which
//! reports every bad key; checks serde cannot make (unique ids, URLs,
//! schedules, selectors) then run on what parsed, and look spans up in the
//! same parse so that they also name a line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use super::diagnostics::{Diagnostic, Report, render};
use super::{
    Config, EnrichConfig, Feed, FeedConfig, FeedDefaults, FetchConfig, Schedule, ServerConfig,
    StorageConfig, parse_timezone,
};

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}", render(.path.display(), .diagnostics))]
    Invalid {
        path: PathBuf,
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
    let mut defaults_table = None;
    let mut feed_tables = Vec::new();

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
            "feed" => match value.get_ref() {
                DeValue::Array(items) => feed_tables.extend(items.iter()),
                _ => report.push(
                    value.span(),
                    "",
                    Some("feed"),
                    "sources are an array of tables: write each as [[feed]]".to_owned(),
                ),
            },
            other => report.push(
                key.span(),
                "",
                Some(other),
                "unknown section; expected one of storage, server, fetch, defaults, enrich, feed"
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
        feeds,
    })
}

fn feed_label(position: usize, table: &Spanned<DeValue<'_>>) -> String {
    match table
        .get_ref()
        .get("id")
        .and_then(|id| id.get_ref().as_str())
    {
        Some(id) => format!("[[feed]] {id:?}"),
        None => format!("[[feed]] #{}", position + 1),
    }
}

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
        let url = match resolve_url(&raw.url, base_dir) {
            Ok(url) => Some(url),
            Err(message) => {
                self.push_at_key(label, table, "url", message);
                None
            }
        };
        let timezone = match raw.timezone.as_deref().map(parse_timezone) {
            None => default_timezone,
            Some(Ok(tz)) => tz,
            Some(Err(message)) => {
                self.push_at_key(label, table, "timezone", message);
                default_timezone
            }
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
            let valid = (2..=3).contains(&language.len())
                && language.bytes().all(|byte| byte.is_ascii_lowercase());
            if !valid {
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
            language: raw.language,
            full_text: raw.full_text.unwrap_or(defaults.full_text),
            content_selector: raw.content_selector,
            enabled: raw.enabled,
            tags: raw.tags,
        })
    }

    fn into_error(self) -> ConfigError {
        ConfigError::Invalid {
            path: self.file.to_owned(),
            diagnostics: self.diagnostics,
        }
    }
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
