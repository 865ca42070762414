//! Fetching URLs like a good web citizen.
//!
//! One [`Fetcher`] is shared by every feed of a process. It owns the HTTP
//! client, the per-host spacing, the robots.txt cache and the global cap on
//! requests in flight, so that whoever asks for a URL (a feed poll, an
//! article page) goes through the same politeness. It returns raw bytes:
//! decoding them is [`charset`]'s job, parsing them the sources'.

pub mod address;
pub mod charset;
pub mod folder;
mod politeness;
mod robots;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;
use url::Url;

use crate::config::FetchConfig;
use address::{AddressPolicy, AddressRefused, GuardedResolver};
use politeness::Politeness;
use robots::{RobotsCache, Rules};

/// The validators a server gave for a URL, sent back verbatim on the next
/// request so that an unchanged resource costs a 304 and no parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` header, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from after redirects.
    pub final_url: Url,
    /// The final response's HTTP status, a 2xx.
    pub status: u16,
    /// The `Content-Type` header as sent, charset included; `charset::decode`
    /// reads it.
    pub content_type: Option<String>,
    /// What to send next time so that an unchanged resource answers 304.
    pub validators: Validators,
    /// The raw body, at most `max_body_bytes` long (cut there when the caller
    /// asked to keep a truncated page).
    pub body: Vec<u8>,
}

/// What a fetch produced.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 304: the validators still hold.
    NotModified,
    /// The server sent a body.
    Fetched(Fetched),
}

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S UTC";

/// Why a fetch failed. Each says enough for an operator reading the feed's
/// status to know what to do.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// An error status (4xx or 5xx) with no `Retry-After` time to honour.
    #[error("HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The server answered 429 or 503 with a `Retry-After` time, kept so the
    /// next poll waits for it.
    #[error("HTTP {status}: the server asks not to come back before {}", until.format(TIME_FORMAT))]
    RetryAfter {
        /// The HTTP status, 429 or 503.
        status: u16,
        /// The earliest time the server accepts another request.
        until: DateTime<Utc>,
    },
    /// The host's robots.txt disallows the URL for veille's user agent, or
    /// could not be read (which RFC 9309 says to treat as disallowing all).
    #[error("not fetched: {0}")]
    Robots(String),
    /// An earlier answer from the same host asked veille to wait; no request
    /// was sent.
    #[error("not fetched: the host asked not to be contacted before {}", until.format(TIME_FORMAT))]
    HostDeferred {
        /// When the host may be contacted again.
        until: DateTime<Utc>,
    },
    /// A 3xx answer whose `Location` is missing or not a URL.
    #[error("redirect without a usable Location (HTTP {status})")]
    BadRedirect {
        /// The redirect's HTTP status.
        status: u16,
    },
    /// The body went past `max_body_bytes`; reading stopped at the limit.
    #[error("body larger than max_body_bytes ({limit} bytes); cut off there")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// No complete answer within the configured timeout.
    #[error("timed out after {}s", .0.as_secs())]
    Timeout(Duration),
    /// The redirect chain was longer than veille follows.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// The connection ended before the whole body arrived.
    #[error("body cut short: {0}")]
    BodyCut(String),
    /// No connection could be made (DNS, refused, TLS); the text is the root
    /// cause.
    #[error("connection failed: {0}")]
    Connect(String),
    /// Any other transport failure; the text is the root cause.
    #[error("network error: {0}")]
    Network(String),
    /// The URL leads to an internal address that `[fetch] allow_private` does
    /// not allow.
    #[error("refused: {0}")]
    Refused(AddressRefused),
    /// The URL is neither http nor https (nor a file in a watched folder).
    #[error("not fetched: veille follows http and https links only, not {0}:")]
    BadScheme(String),
    /// A local file (a watched folder's transcript) could not be read.
    #[error("cannot read {path}: {reason}")]
    File {
        /// The file, as a path.
        path: String,
        /// Why it could not be read.
        reason: String,
    },
}

impl FetchError {
    /// The HTTP status behind the error, if the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status } | FetchError::RetryAfter { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Earliest time the server allows another try, if it said.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::RetryAfter { until, .. } | FetchError::HostDeferred { until } => {
                Some(*until)
            }
            _ => None,
        }
    }

    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status } => *status == 429 || *status >= 500,
            FetchError::Timeout(_)
            | FetchError::BodyCut(_)
            | FetchError::Connect(_)
            | FetchError::Network(_) => true,
            _ => false,
        }
    }
}

/// What one fetch asks for.
struct Request<'a> {
    validators: Option<&'a Validators>,
    accept: &'a str,
    limit: u64,
    overflow: Overflow,
    check_robots: bool,
    /// A URL the operator named: its server's addresses are not checked;
    /// every other server a hop reaches must be public or allowed.
    trusted: Option<Url>,
}

/// What to do with a body larger than the limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Fail,
    Truncate,
}

/// The answer to one request.
enum Hop {
    Done(FetchOutcome),
    Redirect(Url),
}

/// The shared HTTP client with its politeness state.
pub struct Fetcher {
    /// For the servers the operator named.
    client: reqwest::Client,
    /// For every other server: connects to allowed addresses only.
    guarded: reqwest::Client,
    policy: Arc<AddressPolicy>,
    config: FetchConfig,
    agent: String,
    in_flight: Arc<Semaphore>,
    politeness: Politeness,
    robots: RobotsCache,
}

/// Accept header for feed requests: feed types first, then anything.
pub const ACCEPT_FEED: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";
/// Accept header for transcript files and the pages listing them.
pub const ACCEPT_TRANSCRIPT: &str = "text/vtt, application/x-subrip, application/json;q=0.9, text/html;q=0.8, text/plain;q=0.8, */*;q=0.5";
/// Accept header for article pages.
pub const ACCEPT_PAGE: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

impl Fetcher {
    /// Builds the two HTTP clients (trusted and address-guarded) from
    /// `[fetch]`; fails only if the TLS backend cannot start.
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .timeout(config.timeout)
                .connect_timeout(config.connect_timeout)
                // Redirects are followed by hand, so that every hop is checked
                // against its host's robots.txt, spacing and address policy.
                .redirect(reqwest::redirect::Policy::none())
                .gzip(true)
                .brotli(true)
                .deflate(true)
        };
        let policy = Arc::new(AddressPolicy::new(&config.allow_private));
        let client = builder()
            .build()
            .map_err(|err| FetchError::Network(err.to_string()))?;
        let guarded = builder()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .build()
            .map_err(|err| FetchError::Network(err.to_string()))?;
        Ok(Fetcher {
            client,
            guarded,
            policy,
            agent: robots::agent_token(&config.user_agent).to_owned(),
            in_flight: Arc::new(Semaphore::new(config.concurrency.max(1))),
            politeness: Politeness::new(config.per_host_delay, config.per_host_concurrency),
            robots: RobotsCache::default(),
            config: config.clone(),
        })
    }

    /// The settings the fetcher was made with.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`, a URL the operator gave, sending `validators` for a
    /// conditional GET, retrying transient failures with backoff and
    /// honouring robots.txt. Its server is reached wherever it is; a
    /// redirect to another server must lead to a public address.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        accept: &str,
    ) -> Result<FetchOutcome, FetchError> {
        if url.scheme() == "file" {
            return self.read_file(url).await.map(FetchOutcome::Fetched);
        }
        self.fetch_trusting(url, validators, accept, Some(url.clone()))
            .await
    }

    /// Fetches `url`, found in what `operator_url` served (an item's link, a
    /// listing's next page, a transcript offer): it may reach the operator's
    /// server, and otherwise public addresses only (see [`address`]).
    pub async fn fetch_found(
        &self,
        url: &Url,
        operator_url: &Url,
        accept: &str,
    ) -> Result<FetchOutcome, FetchError> {
        if url.scheme() == "file" && operator_url.scheme() == "file" {
            return self.read_file(url).await.map(FetchOutcome::Fetched);
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadScheme(url.scheme().to_owned()));
        }
        self.fetch_trusting(url, None, accept, Some(operator_url.clone()))
            .await
    }

    async fn fetch_trusting(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        accept: &str,
        trusted: Option<Url>,
    ) -> Result<FetchOutcome, FetchError> {
        let request = Request {
            validators,
            accept,
            limit: self.config.max_body_bytes,
            overflow: Overflow::Fail,
            check_robots: self.config.respect_robots,
            trusted,
        };
        let mut attempt = 0;
        loop {
            let error = match self.follow(url, &request).await {
                Err(error) if attempt < self.config.retries => error,
                other => return other,
            };
            let wait = match &error {
                FetchError::RetryAfter { until, .. } => {
                    let wait = (*until - Utc::now()).to_std().unwrap_or_default();
                    if wait > self.config.max_retry_after {
                        return Err(error);
                    }
                    wait
                }
                error if error.is_transient() => self.backoff(attempt),
                _ => return Err(error),
            };
            tracing::debug!(url = %url, attempt, wait_ms = wait.as_millis() as u64, %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One try at `url`, following redirects by hand.
    async fn follow(&self, url: &Url, request: &Request<'_>) -> Result<FetchOutcome, FetchError> {
        let mut current = url.clone();
        for _ in 0..=self.config.max_redirects {
            let trusted = request
                .trusted
                .as_ref()
                .is_some_and(|trusted| same_server(trusted, &current));
            if !trusted {
                self.policy
                    .check_url(&current)
                    .map_err(FetchError::Refused)?;
            }
            if request.check_robots {
                self.check_robots(&current, trusted).await?;
            }
            match self.send(&current, request, trusted).await? {
                Hop::Done(outcome) => return Ok(outcome),
                Hop::Redirect(next) => current = next,
            }
        }
        Err(FetchError::TooManyRedirects(self.config.max_redirects))
    }

    /// Exponential backoff with full jitter, so that many feeds failing at
    /// once do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .config
            .retry_backoff
            .saturating_mul(1 << attempt.min(10));
        let jittered = rand::rng().random_range(0.5..=1.0) * ceiling.as_secs_f64();
        Duration::from_secs_f64(jittered)
    }

    async fn check_robots(&self, url: &Url, trusted: bool) -> Result<(), FetchError> {
        let rules = self
            .robots
            .rules(url, |robots_url| async move {
                // RFC 9309: follow redirects, and read (at least) the first
                // 500 KiB of a larger file rather than ignore it.
                let request = Request {
                    validators: None,
                    accept: "text/plain",
                    limit: robots::MAX_ROBOTS_BYTES,
                    overflow: Overflow::Truncate,
                    check_robots: false,
                    trusted: trusted.then(|| robots_url.clone()),
                };
                // Boxed: `follow` calls back into this check for other URLs.
                match Box::pin(self.follow(&robots_url, &request)).await {
                    Ok(FetchOutcome::Fetched(fetched)) => {
                        Rules::from_response(fetched.status, &fetched.body, &self.agent)
                    }
                    Ok(FetchOutcome::NotModified) => Rules::AllowAll,
                    Err(FetchError::Status { status } | FetchError::RetryAfter { status, .. }) => {
                        Rules::from_response(status, &[], &self.agent)
                    }
                    Err(error) => Rules::Unreachable(format!("robots.txt unreachable ({error})")),
                }
            })
            .await;
        if let Some(delay) = rules.crawl_delay() {
            self.politeness.set_crawl_delay(&server_key(url), delay);
        }
        rules.allows(url).map_err(FetchError::Robots)
    }

    /// One request, no retry, no redirect.
    async fn send(
        &self,
        url: &Url,
        request: &Request<'_>,
        trusted: bool,
    ) -> Result<Hop, FetchError> {
        let host = server_key(url);
        // The host's turn first, then a global slot: a request waiting for
        // a slow host must not hold a slot other hosts could use.
        let _turn = self
            .politeness
            .wait_turn(&host, self.config.max_retry_after)
            .await
            .map_err(|until| FetchError::HostDeferred { until })?;
        let _slot = self.in_flight.acquire().await.expect("never closed");

        let client = if trusted { &self.client } else { &self.guarded };
        let mut builder = client
            .get(url.clone())
            .header(header::ACCEPT, request.accept);
        if let Some(validators) = request.validators {
            if let Some(etag) = &validators.etag {
                builder = builder.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = &validators.last_modified {
                builder = builder.header(header::IF_MODIFIED_SINCE, last_modified);
            }
        }
        let mut response = builder.send().await.map_err(|err| self.classify(err))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Hop::Done(FetchOutcome::NotModified));
        }
        if status.is_redirection() {
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .and_then(|location| url.join(location).ok())
                .filter(|next| matches!(next.scheme(), "http" | "https"));
            return match next {
                Some(next) => Ok(Hop::Redirect(next)),
                None => Err(FetchError::BadRedirect {
                    status: status.as_u16(),
                }),
            };
        }
        if (status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE)
            && let Some(until) = retry_after(response.headers())
        {
            self.politeness.defer(&host, until);
            return Err(FetchError::RetryAfter {
                status: status.as_u16(),
                until,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        let too_large = FetchError::TooLarge {
            limit: request.limit,
        };
        if request.overflow == Overflow::Fail
            && response
                .content_length()
                .is_some_and(|length| length > request.limit)
        {
            return Err(too_large);
        }
        let headers = response.headers();
        let text_header = |name| {
            headers
                .get(name)
                .and_then(|value: &header::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = text_header(header::CONTENT_TYPE);
        let validators = Validators {
            etag: text_header(header::ETAG),
            last_modified: text_header(header::LAST_MODIFIED),
        };
        // Counted after decompression: the cap is what protects memory, and a
        // small gzip body can inflate to gigabytes.
        let limit = request.limit as usize;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.classify_body(err))?
        {
            if body.len() + chunk.len() > limit {
                match request.overflow {
                    Overflow::Fail => return Err(too_large),
                    Overflow::Truncate => {
                        body.extend_from_slice(&chunk[..limit - body.len()]);
                        break;
                    }
                }
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Hop::Done(FetchOutcome::Fetched(Fetched {
            final_url: url.clone(),
            status: status.as_u16(),
            content_type,
            validators,
            body,
        })))
    }

    fn classify(&self, error: reqwest::Error) -> FetchError {
        if let Some(refused) = refusal_in(&error) {
            FetchError::Refused(refused)
        } else if error.is_timeout() {
            FetchError::Timeout(self.config.timeout)
        } else if error.is_redirect() {
            FetchError::TooManyRedirects(self.config.max_redirects)
        } else if error.is_connect() {
            FetchError::Connect(root_cause(&error))
        } else {
            FetchError::Network(root_cause(&error))
        }
    }

    /// An error while the body streams in: past the timeout, the answer
    /// began and did not end (a `Content-Length` not honoured, a connection
    /// reset halfway), which "network error" would hide.
    fn classify_body(&self, error: reqwest::Error) -> FetchError {
        if error.is_timeout() {
            FetchError::Timeout(self.config.timeout)
        } else {
            FetchError::BodyCut(root_cause(&error))
        }
    }

    async fn read_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        let file_error = |reason: String| FetchError::File {
            path: url.path().to_owned(),
            reason,
        };
        let path = url
            .to_file_path()
            .map_err(|()| file_error("not a local file path".to_owned()))?;
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|err| file_error(err.to_string()))?;
        let limit = self.config.max_body_bytes;
        let mut body = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut body)
            .await
            .map_err(|err| file_error(err.to_string()))?;
        if body.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        Ok(Fetched {
            final_url: url.clone(),
            status: 200,
            content_type: None,
            validators: Validators::default(),
            body,
        })
    }
}

/// The server a request goes to, for spacing and `Retry-After`: the host,
/// with the port when it is not the scheme's default. Services on other
/// ports of one host (a stream server beside a site, test servers on
/// loopback) are separate servers; one asking to be left alone must not
/// silence the others.
fn server_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Whether `a` and `b` reach the same server: the same host, on the same
/// port, or each on its scheme's default port (a site moving from http to
/// https). Another port of a trusted host is another service, and not
/// trusted: the daemon's own API may be one.
fn same_server(a: &Url, b: &Url) -> bool {
    let on_default_port = |url: &Url| url.port().is_none();
    a.host() == b.host()
        && (a.port_or_known_default() == b.port_or_known_default()
            || (on_default_port(a) && on_default_port(b)))
}

/// The address refusal behind a failed connection, if that was the cause.
fn refusal_in(error: &reqwest::Error) -> Option<AddressRefused> {
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<AddressRefused>() {
            return Some(refused.clone());
        }
        cause = current.source();
    }
    None
}

/// reqwest's top-level messages ("error sending request") hide the reason;
/// the innermost source says it ("connection refused").
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Utc::now() + chrono::Duration::seconds(seconds.min(7 * 24 * 3600) as i64));
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_told_apart_by_host_and_non_default_port() {
        let key = |url: &str| server_key(&Url::parse(url).unwrap());
        assert_eq!(key("https://example.ml/feed"), "example.ml");
        assert_eq!(key("http://example.ml:80/feed"), "example.ml");
        assert_eq!(key("https://example.ml:443/a"), key("http://example.ml/b"));
        assert_eq!(key("http://127.0.0.1:8000/"), "127.0.0.1:8000");
        assert_ne!(key("http://127.0.0.1:8000/"), key("http://127.0.0.1:8001/"));
    }

    #[test]
    fn a_server_is_its_host_and_port() {
        let same = |a: &str, b: &str| same_server(&Url::parse(a).unwrap(), &Url::parse(b).unwrap());
        assert!(same("http://10.1.0.5/feed", "https://10.1.0.5/article"));
        assert!(same("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b"));
        assert!(!same(
            "http://127.0.0.1:8000/a",
            "http://127.0.0.1:8080/api/feeds"
        ));
        assert!(!same("http://127.0.0.1/a", "http://127.0.0.1:8080/"));
        assert!(!same("https://news.example/a", "https://other.example/a"));
    }
}
