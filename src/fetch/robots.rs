//! robots.txt rules, as RFC 9309 reads them, cached per origin.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

/// RFC 9309 asks crawlers not to use a cached robots.txt for more than a day.
const FRESH_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// An unreachable robots.txt means "disallow everything" (RFC 9309 §2.3.1.4),
/// but only until the next look: a server having a bad minute should not
/// silence a feed for a day.
const UNREACHABLE_FRESH_FOR: Duration = Duration::from_secs(10 * 60);
/// Google reads the first 500 KiB; so do we.
pub(crate) const MAX_ROBOTS_BYTES: u64 = 500 * 1024;

/// What one origin's robots.txt says about us.
pub(crate) enum Rules {
    AllowAll,
    /// The file could not be fetched (5xx or network error).
    Unreachable(String),
    Parsed(Box<texting_robots::Robot>),
}

impl Rules {
    /// Rules from a robots.txt response.
    pub(crate) fn from_response(status: u16, body: &[u8], agent: &str) -> Rules {
        match status {
            200..=299 => match texting_robots::Robot::new(agent, body) {
                Ok(robot) => Rules::Parsed(Box::new(robot)),
                // An unparseable file says nothing we can honour.
                Err(_) => Rules::AllowAll,
            },
            // 4xx: no robots.txt, everything is allowed (RFC 9309 §2.3.1.3).
            400..=499 => Rules::AllowAll,
            _ => Rules::Unreachable(format!("robots.txt answered HTTP {status}")),
        }
    }

    pub(crate) fn allows(&self, url: &Url) -> Result<(), String> {
        match self {
            Rules::AllowAll => Ok(()),
            Rules::Unreachable(reason) => Err(format!(
                "{reason}; RFC 9309 says to fetch nothing from the site until it is reachable"
            )),
            Rules::Parsed(robot) if robot.allowed(url.as_str()) => Ok(()),
            Rules::Parsed(_) => Err("disallowed by the site's robots.txt".to_owned()),
        }
    }

    pub(crate) fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|delay| delay.is_finite() && *delay > 0.0)
                .map(|delay| Duration::from_secs_f32(delay.min(3600.0))),
            _ => None,
        }
    }

    fn fresh_for(&self) -> Duration {
        match self {
            Rules::Unreachable(_) => UNREACHABLE_FRESH_FOR,
            _ => FRESH_FOR,
        }
    }
}

/// The agent name robots.txt groups are matched against: the product token
/// of the User-Agent (`veille/0.1 (…)` → `veille`).
pub(crate) fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|token| !token.is_empty())
        .unwrap_or("veille")
}

struct Entry {
    rules: Option<(Arc<Rules>, Instant)>,
}

/// Per-origin cache. Each origin has its own async lock so that ten feeds on
/// one site starting together fetch its robots.txt once.
#[derive(Default)]
pub(crate) struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Entry>>>>,
}

impl RobotsCache {
    /// The rules for `url`'s origin, fetching them with `load` when missing or
    /// stale.
    pub(crate) async fn rules<F, Fut>(&self, url: &Url, load: F) -> Arc<Rules>
    where
        F: FnOnce(Url) -> Fut,
        Fut: Future<Output = Rules>,
    {
        let origin = url.origin().ascii_serialization();
        let entry = {
            let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
            origins
                .entry(origin.clone())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Entry { rules: None })))
                .clone()
        };
        let mut entry = entry.lock().await;
        if let Some((rules, fetched)) = &entry.rules
            && fetched.elapsed() < rules.fresh_for()
        {
            return rules.clone();
        }
        let robots_url =
            Url::parse(&format!("{origin}/robots.txt")).unwrap_or_else(|_| url.clone());
        let rules = Arc::new(load(robots_url).await);
        entry.rules = Some((rules.clone(), Instant::now()));
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_match_our_product_token() {
        let body = b"User-agent: *\nDisallow: /private/\n\nUser-agent: veille\nDisallow: /feeds/\nCrawl-delay: 3\n";
        let rules = Rules::from_response(200, body, agent_token("veille/0.1 (news monitoring)"));
        let url = |path: &str| Url::parse(&format!("https://example.org{path}")).unwrap();
        assert!(rules.allows(&url("/feeds/rss.xml")).is_err());
        assert!(rules.allows(&url("/private/x")).is_ok());
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn status_codes_follow_rfc_9309() {
        let url = Url::parse("https://example.org/rss").unwrap();
        assert!(
            Rules::from_response(404, b"", "veille")
                .allows(&url)
                .is_ok()
        );
        assert!(
            Rules::from_response(503, b"", "veille")
                .allows(&url)
                .is_err()
        );
    }
}
