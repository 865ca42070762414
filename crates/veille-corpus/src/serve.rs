//! A loopback server of many feeds, each with an `ETag`, answering 304 to a
//! request that presents it: what a poll cycle over thousands of unchanged
//! sources meets.
//!
//! Feeds are spread over several ports, since veille spaces requests per
//! server (host and port) and a desk's thousands of sources sit on
//! hundreds of servers. A feed's items and tag depend only on the seed and
//! the feed's number, so the tag is known without rendering the body.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use super::feed::{ItemText, rss};
use super::{CorpusError, Generator};

/// Requests answered, by kind, for a benchmark to check what it measured.
#[derive(Debug, Default)]
pub struct Counters {
    /// Feeds sent in full (200), because the client had no current ETag.
    pub full: AtomicU64,
    /// Conditional requests answered 304 Not Modified.
    pub not_modified: AtomicU64,
    /// Requests for a path that is not one of the feeds (404).
    pub other: AtomicU64,
}

struct Shared {
    generator: Generator,
    feeds: u64,
    items: u64,
    counters: Arc<Counters>,
}

/// A running feed server; it stops when the runtime it was started on does.
pub struct FeedServer {
    addresses: Vec<SocketAddr>,
    counters: Arc<Counters>,
}

impl FeedServer {
    /// Serves `feeds` feeds of `items` full-text items each on `ports`
    /// ports of 127.0.0.1, feed `n` on port `n % ports`.
    pub async fn start(
        generator: Generator,
        feeds: u64,
        items: u64,
        ports: usize,
    ) -> Result<FeedServer, CorpusError> {
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            generator,
            feeds,
            items,
            counters: counters.clone(),
        });
        let router = Router::new()
            .route("/feeds/{name}", get(feed))
            .route("/robots.txt", get(robots))
            .fallback(|| async { StatusCode::NOT_FOUND })
            .with_state(shared);
        let mut addresses = Vec::new();
        for _ in 0..ports.max(1) {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .await
                .map_err(CorpusError::Serve)?;
            addresses.push(listener.local_addr().map_err(CorpusError::Serve)?);
            let router = router.clone();
            tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, router).await {
                    tracing::error!(%error, "feed server stopped");
                }
            });
        }
        Ok(FeedServer {
            addresses,
            counters,
        })
    }

    /// The address of feed `n`.
    pub fn url(&self, n: u64) -> String {
        let address = self.addresses[(n % self.addresses.len() as u64) as usize];
        format!("http://{address}/feeds/{n}.xml")
    }

    /// The loopback addresses the feeds are spread over.
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// What has been answered so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
}

/// The feed's validator: its content depends on nothing but these.
fn etag(seed: u64, feed: u64, items: u64) -> String {
    format!(
        "\"{:016x}\"",
        super::mix(seed ^ items.rotate_left(32), feed)
    )
}

/// Whether an `If-None-Match` value lists `tag` (weak comparison, as
/// RFC 9110 asks for GET).
fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

async fn feed(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let number = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|&n| n < shared.feeds);
    let Some(number) = number else {
        shared.counters.other.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_FOUND.into_response();
    };
    let tag = etag(shared.generator.seed(), number, shared.items);
    let tag_header = HeaderValue::from_str(&tag).expect("hex is a valid header");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| matches(value, &tag))
    {
        shared.counters.not_modified.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag_header)]).into_response();
    }
    shared.counters.full.fetch_add(1, Ordering::Relaxed);
    let first = number * shared.items;
    let documents: Vec<_> = (first..first + shared.items)
        .map(|index| shared.generator.document(index))
        .collect();
    let body = rss(
        &format!("feed-{number}"),
        &documents,
        ItemText::Full,
        &|document| document.url(),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/rss+xml; charset=utf-8"),
            ),
            (header::ETAG, tag_header),
        ],
        body,
    )
        .into_response()
}

async fn robots() -> &'static str {
    "User-agent: *\nAllow: /\n"
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "a test reading its own loopback server's small answer"
)]
mod tests {
    use super::*;
    use veille::enrich::Gazetteer;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        assert!(matches("\"ab\"", "\"ab\""));
        assert!(matches("\"x\", W/\"ab\"", "\"ab\""));
        assert!(matches("*", "\"ab\""));
        assert!(!matches("\"abc\"", "\"ab\""));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_matching_if_none_match_gets_304_and_anything_else_the_feed() {
        let server = FeedServer::start(Generator::new(1, &Gazetteer::default()), 10, 2, 3)
            .await
            .unwrap();
        assert_eq!(server.addresses().len(), 3);
        let client = reqwest::Client::new();
        let url = server.url(4);
        let first = client.get(&url).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        let body = first.text().await.unwrap();
        assert_eq!(body.matches("<item>").count(), 2);
        assert!(body.contains("<guid isPermaLink=\"false\">corpus-8</guid>"));

        let again = client
            .get(&url)
            .header(header::IF_NONE_MATCH, &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()[header::ETAG].to_str().unwrap(), tag);
        assert!(again.bytes().await.unwrap().is_empty());

        let stale = client
            .get(&url)
            .header(header::IF_NONE_MATCH, "\"0000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
        // Another feed has another tag.
        let other = client.get(server.url(5)).send().await.unwrap();
        assert_ne!(other.headers()[header::ETAG].to_str().unwrap(), tag);
        assert_eq!(
            client.get(server.url(10)).send().await.unwrap().status(),
            404
        );
        let counters = server.counters();
        assert_eq!(counters.full.load(Ordering::Relaxed), 3);
        assert_eq!(counters.not_modified.load(Ordering::Relaxed), 1);
    }
}
