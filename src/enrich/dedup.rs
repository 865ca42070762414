//! When are two entries the same story?
//!
//! Two tests, either sufficient: the same canonical URL (outlets syndicate
//! with tracking parameters, mixed-case hosts and fragments), or the same
//! content hash (the same wire copy under two URLs).

use sha2::{Digest, Sha256};
use url::Url;

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
    let mut hasher = Sha256::new();
    for part in [title, text] {
        for word in part
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            hasher.update(word.to_lowercase().as_bytes());
            hasher.update(b" ");
        }
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// Hash of raw bytes, for "this body is the one we already parsed".
pub fn body_hash(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
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
