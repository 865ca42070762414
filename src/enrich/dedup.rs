//! When are two entries the same story, and is this one new?
//!
//! Two tests, either sufficient: the same canonical URL (outlets syndicate
//! with tracking parameters, mixed-case hosts and fragments), or the same
//! content hash (the same wire copy under two URLs). [`newness`] is the one
//! place that applies them: ingest asks it early, with only an entry's link,
//! to skip fetching a page it has; the record asks it again inside the
//! transaction that writes the entry, with everything the document is known
//! by, so two writers carrying one story store it once.

use sha2::{Digest, Sha256};
use url::Url;

use crate::sources::text::{hex, words_hash};

/// Texts shorter than this are not matched by content hash: short texts
/// ("Communiqué", a one-line teaser) repeat across different stories; only
/// a real article's hash identifies it.
pub const MIN_CHARS_FOR_HASH_DEDUP: usize = 200;

/// What a story is known by in the record.
#[derive(Debug, Clone, Default)]
pub struct Identity<'a> {
    /// Canonical URLs (see [`canonical_url`]), the preferred one first.
    pub urls: Vec<&'a str>,
    /// The text's [`content_hash`], when the text is long enough to tell
    /// stories apart.
    pub content_hash: Option<&'a str>,
}

impl<'a> Identity<'a> {
    /// A stored or about-to-be-stored story: its URLs, and its hash if its
    /// text is long enough.
    pub fn of_story(
        canonical_url: &'a str,
        aliases: &'a [String],
        text: &str,
        content_hash: &'a str,
    ) -> Identity<'a> {
        let mut urls = vec![canonical_url];
        urls.extend(aliases.iter().map(String::as_str));
        Identity {
            urls,
            content_hash: (text.chars().count() >= MIN_CHARS_FOR_HASH_DEDUP)
                .then_some(content_hash),
        }
    }

    /// An entry before its page or text are read: its link's canonical
    /// form, if it has a link that identifies it.
    pub fn of_link(link_key: Option<&'a str>) -> Identity<'a> {
        Identity {
            urls: link_key.into_iter().collect(),
            content_hash: None,
        }
    }
}

/// What the record can say about an identity: the store answers, over its
/// connection or inside its write transaction.
pub trait Known {
    /// What a failed look-up returns (the store's error).
    type Error;
    /// Whether `feed_id` delivered the item `entry_key` before.
    fn is_seen(&self, feed_id: &str, entry_key: &str) -> Result<bool, Self::Error>;
    /// The document known under any of these canonical URLs, trying them in
    /// order.
    fn find_by_urls(&self, urls: &[&str]) -> Result<Option<i64>, Self::Error>;
    /// The first document stored with this content hash.
    fn find_by_content_hash(&self, hash: &str) -> Result<Option<i64>, Self::Error>;
}

/// Whether an entry is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newness {
    /// Its source delivered it before.
    Seen,
    /// The story is stored already, as this document (from another item or
    /// another source).
    Known(i64),
    /// Neither: a story to store.
    New,
}

/// Decides whether the item `entry_key` of `feed_id`, known by `identity`,
/// is new: seen before from this source, else the same story as a stored
/// document by URL, else by content hash.
pub fn newness<K: Known>(
    record: &K,
    feed_id: &str,
    entry_key: &str,
    identity: &Identity<'_>,
) -> Result<Newness, K::Error> {
    if record.is_seen(feed_id, entry_key)? {
        return Ok(Newness::Seen);
    }
    if let Some(id) = record.find_by_urls(&identity.urls)? {
        return Ok(Newness::Known(id));
    }
    let by_hash = match identity.content_hash {
        Some(hash) => record.find_by_content_hash(hash)?,
        None => None,
    };
    Ok(by_hash.map_or(Newness::New, Newness::Known))
}

/// Query parameters that identify a campaign or a click, not a page.
fn is_tracking_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "xtor",
        "xtref",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "ito",
        "at_medium",
        "at_campaign",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "wt.mc_id",
        "mkt_tok",
        "vero_id",
        "oly_enc_id",
        "oly_anon_id",
        "__twitter_impression",
    ];
    name.starts_with("utm_")
        || name.starts_with("at_")
        || name.starts_with("pk_")
        || EXACT.contains(&name.as_str())
}

/// The form of `url` two copies of one page share: lower-case scheme and
/// host (the `url` crate does that), no default port, no fragment, no
/// tracking parameters, remaining parameters sorted.
pub fn canonical_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    let mut kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking_parameter(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        kept.sort();
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    if let Some(host) = url.host_str()
        && let Some(bare) = host.strip_prefix("www.")
        && !bare.is_empty()
    {
        // www.x and x serve the same site in practice; one key for both.
        let bare = bare.to_owned();
        let _ = url.set_host(Some(&bare));
    }
    url.to_string()
}

/// Hash of a story's text, insensitive to case, whitespace and punctuation,
/// so that the same copy with different markup hashes the same.
pub fn content_hash(title: &str, text: &str) -> String {
    words_hash(&[title, text])
}

/// Hash of raw bytes, for "this body is the one we already parsed".
pub fn body_hash(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        canonical_url(&Url::parse(text).unwrap())
    }

    #[test]
    fn tracking_noise_is_removed() {
        assert_eq!(
            canon(
                "HTTPS://WWW.Example.ORG:443/a/B?utm_source=rss&id=3&fbclid=x&xtor=RSS-1&at_medium=feed#top"
            ),
            "https://example.org/a/B?id=3"
        );
        assert_eq!(
            canon("https://example.org/a?b=2&a=1"),
            "https://example.org/a?a=1&b=2"
        );
        assert_eq!(
            canon("https://example.org/a?gclid=1"),
            "https://example.org/a"
        );
    }

    #[test]
    fn same_words_same_hash() {
        assert_eq!(
            content_hash("Blocus à Kayes", "Les citernes,  bloquées."),
            content_hash("blocus à KAYES", "les citernes bloquées")
        );
        assert_ne!(content_hash("a", "b c"), content_hash("a b", "c"));
    }
}
