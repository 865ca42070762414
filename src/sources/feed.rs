//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.
//!
//! Real feeds are often not well-formed. The most common fault by far is a
//! bare `&` (`Sécurité & Défense`) which makes every XML parser reject the
//! whole document; so a feed that fails to parse has its stray ampersands
//! escaped and is tried once more, and the result says it needed that, so
//! an operator can tell the outlet.

use std::collections::HashMap;

use feed_rs::model;
use url::Url;

use super::text::{html_to_text, maybe_html_to_text, normalise_whitespace, words_hash};
use super::transcript::TranscriptFormat;
use super::{Entry, ParsedFeed, TranscriptLink, TranscriptSource, dates, extension, followable};

/// Why a body could not be read as a feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("got an HTML page, not a feed (is the URL the site's page rather than its feed?)")]
    HtmlPage,
    #[error("empty body")]
    Empty,
    #[error("not a valid feed: {0}")]
    Invalid(String),
}

/// Parses decoded feed text. `base` (the feed's final URL) resolves relative
/// links.
pub fn parse_feed(text: &str, base: &Url) -> Result<ParsedFeed, FeedError> {
    // XML and JSON both forbid raw U+0000. NULs here are a UTF-16 body read
    // as a single-byte one (no BOM, no charset to go by); quick-xml, meeting
    // `\0<\0?` at the start, switches to UTF-16 itself and then panics on the
    // declaration's encoding. Without them, the feed's ASCII reads again.
    let without_nul;
    let text = if text.contains('\0') {
        without_nul = text.replace('\0', "");
        without_nul.as_str()
    } else {
        text
    };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Err(FeedError::Empty);
    }
    if looks_like_html_page(text) {
        return Err(FeedError::HtmlPage);
    }
    // The text is already UTF-8; a leftover `encoding="windows-1252"` would
    // make feed-rs decode it a second time.
    let text = declare_utf8(text);
    let (feed, repaired) = match run_feed_rs(&text, base) {
        Ok(feed) => (feed, false),
        Err(first_error) => {
            let repaired = escape_stray_ampersands(&text);
            if repaired == text {
                return Err(FeedError::Invalid(first_error));
            }
            match run_feed_rs(&repaired, base) {
                Ok(feed) => (feed, true),
                Err(_) => return Err(FeedError::Invalid(first_error)),
            }
        }
    };
    let transcript_languages = transcript_languages(&text);
    Ok(convert(feed, base, repaired, &transcript_languages))
}

/// The `language` of each `<podcast:transcript>`, by URL. feed-rs reads the
/// element but drops that attribute, and it is the best hint there is for a
/// radio transcript's language.
fn transcript_languages(text: &str) -> HashMap<String, String> {
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;

    let mut languages = HashMap::new();
    if !text.contains("transcript") {
        return languages;
    }
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element))
                if element.local_name().into_inner() == "transcript" =>
            {
                let attribute = |name: &str| {
                    element
                        .try_get_attribute(name)
                        .ok()
                        .flatten()
                        .and_then(|value| value.normalized_value(XmlVersion::Implicit1_0).ok())
                        .map(|value| value.trim().to_owned())
                };
                if let (Some(url), Some(language)) = (attribute("url"), attribute("language"))
                    && let Ok(url) = Url::parse(&url)
                {
                    languages.insert(url.to_string(), primary_language(&language));
                }
            }
            // An error here only loses hints; feed-rs has read the feed.
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    languages
}

/// feed-rs, with its panics (seen in its XML reader on odd encodings) turned
/// into errors: one hostile feed must not take the daemon down.
fn run_feed_rs(text: &str, base: &Url) -> Result<model::Feed, String> {
    let parse = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(base.as_str()))
            // No generated ids: feed-rs makes random ones for items with
            // neither link nor title, which would never count as seen.
            .id_generator(|_, _, _| String::new())
            .sanitize_content(false)
            .timestamp_parser(dates::parse_date)
            .build()
            .parse(text.as_bytes())
            .map_err(|err| err.to_string())
    };
    std::panic::catch_unwind(parse)
        .unwrap_or_else(|_| Err("the feed parser crashed on this input".to_owned()))
}

fn looks_like_html_page(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The text with the encoding of every XML declaration set to UTF-8, which
/// is what the text is by now. Every declaration, not only a leading one:
/// feed-rs switches decoders at each declaration it meets, and quick-xml
/// panics when that happens past the start of the input (a declaration
/// after stray text or a comment, or a second one in feeds pasted
/// together).
fn declare_utf8(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("<?xml") {
        let start = from + found;
        // quick-xml reads a declaration up to the first `?>`, whatever lies
        // between; every `encoding` in there may be the one it takes.
        let Some(end) = text[start..].find("?>").map(|length| start + length) else {
            break;
        };
        let mut key = start;
        while let Some(at) = text[key..end].find("encoding") {
            key += at + "encoding".len();
            if let Some(value) = quoted_value(&text[key..end]) {
                out.push_str(&text[copied..key + value.start]);
                out.push_str("UTF-8");
                copied = key + value.end;
                key = copied;
            }
        }
        from = end;
    }
    if copied == 0 {
        return text.into();
    }
    out.push_str(&text[copied..]);
    out.into()
}

/// Where the first quoted value in `text` lies, quotes excluded.
fn quoted_value(text: &str) -> Option<std::ops::Range<usize>> {
    let open = text.find(['"', '\''])?;
    let quote = text.as_bytes()[open] as char;
    let length = text[open + 1..].find(quote)?;
    Some(open + 1..open + 1 + length)
}

/// Escapes every `&` that does not start an entity or character reference.
/// HTML entities such as `&eacute;` are left for the parser, which knows them.
pub fn escape_stray_ampersands(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(position) = rest.find('&') {
        out.push_str(&rest[..position]);
        let after = &rest[position + 1..];
        if starts_with_reference(after) {
            out.push('&');
        } else {
            out.push_str("&amp;");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn starts_with_reference(after: &str) -> bool {
    let name_end = after.find(';');
    let Some(name_end) = name_end.filter(|end| *end > 0 && *end <= 32) else {
        return false;
    };
    let name = &after[..name_end];
    if let Some(number) = name.strip_prefix('#') {
        return match number.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            None => !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
        };
    }
    name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn convert(
    feed: model::Feed,
    base: &Url,
    repaired: bool,
    transcript_languages: &HashMap<String, String>,
) -> ParsedFeed {
    let language = feed
        .language
        .clone()
        .map(|language| primary_language(&language));
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| {
            let mut converted = convert_entry(&entry, base, language.as_deref());
            converted.audio = audio(&entry, base);
            converted.transcript = transcripts(&entry, base, transcript_languages);
            converted
        })
        .collect();
    ParsedFeed {
        title: feed.title.map(|title| maybe_html_to_text(&title.content)),
        language,
        entries,
        repaired,
    }
}

fn convert_entry(entry: &model::Entry, base: &Url, feed_language: Option<&str>) -> Entry {
    let link = entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or_else(|| entry.links.first())
        .and_then(|link| base.join(link.href.trim()).ok())
        .filter(|url| followable(url, base));
    let content = entry
        .content
        .as_ref()
        .and_then(|content| content.body.as_deref())
        .map(maybe_html_to_text)
        .unwrap_or_default();
    let summary = entry.summary.as_ref().map(text_of).unwrap_or_default();
    let title = entry
        .title
        .as_ref()
        .map(text_of)
        .map(|title| normalise_whitespace(&title).replace('\n', " "))
        .unwrap_or_default();
    let author = entry
        .authors
        .iter()
        .filter_map(|person| person.name.as_deref())
        .map(str::trim)
        .find(|name| !name.is_empty())
        .map(str::to_owned);
    // Without a guid, the link identifies the item (it survives an edited
    // headline), then the title, then the text.
    let key = if !entry.id.trim().is_empty() {
        entry.id.trim().to_owned()
    } else if let Some(link) = &link {
        link.to_string()
    } else if !title.is_empty() {
        title.clone()
    } else {
        format!(
            "text:{}",
            words_hash(&["", &format!("{summary}\n{content}")])
        )
    };
    Entry {
        key,
        url: link,
        title,
        summary,
        content,
        author,
        published: entry.published.or(entry.updated),
        language: entry
            .language
            .as_deref()
            .map(primary_language)
            .or_else(|| feed_language.map(str::to_owned)),
        ..Entry::default()
    }
}

/// The item's audio or video enclosure.
fn audio(entry: &model::Entry, base: &Url) -> Option<Url> {
    let contents = || entry.media.iter().flat_map(|media| &media.content);
    let is_recording = |content: &&model::MediaContent| {
        content
            .content_type
            .as_ref()
            .is_some_and(|kind| matches!(kind.ty().as_str(), "audio" | "video"))
    };
    contents()
        .find(is_recording)
        .or_else(|| contents().next())
        .and_then(|content| content.url.clone())
        .filter(|url| followable(url, base))
}

/// Offers of one item tried, best first.
const MAX_OFFERS: usize = 4;

/// The transcripts a podcast item offers, best format first.
fn transcripts(
    entry: &model::Entry,
    base: &Url,
    languages: &HashMap<String, String>,
) -> Option<TranscriptSource> {
    let mut links: Vec<TranscriptLink> = entry
        .media
        .iter()
        .flat_map(|media| &media.transcripts)
        .filter(|offer| followable(&offer.url, base))
        .map(|offer| TranscriptLink {
            format: TranscriptFormat::from_media_type(offer.content_type.as_str())
                .or_else(|| TranscriptFormat::from_extension(extension(offer.url.path())?)),
            language: languages.get(offer.url.as_str()).cloned(),
            url: offer.url.clone(),
        })
        .collect();
    links.sort_by_key(|link| std::cmp::Reverse(link.format.map_or(0, TranscriptFormat::rank)));
    links.dedup_by(|a, b| a.url == b.url);
    // Each offer is a fetch; a feed offering dozens per item is not
    // offering alternatives any more.
    links.truncate(MAX_OFFERS);
    (!links.is_empty()).then_some(TranscriptSource::Links(links))
}

fn text_of(text: &model::Text) -> String {
    if text.content_type.subty() == "html" || text.content_type.subty() == "xhtml" {
        html_to_text(&text.content)
    } else {
        maybe_html_to_text(&text.content)
    }
}

/// `fr-FR` → `fr`.
fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/feeds/rss.xml").unwrap()
    }

    #[test]
    fn stray_ampersands_are_escaped_and_references_kept() {
        assert_eq!(
            escape_stray_ampersands("Sécurité & Défense &amp; &#233; &#x41; &eacute; AT&T;x &"),
            "Sécurité &amp; Défense &amp; &#233; &#x41; &eacute; AT&T;x &amp;"
        );
    }

    #[test]
    fn bare_ampersand_feed_is_repaired() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Sécurité & Défense</title>
            <item><title>Kayes & Diboli</title><link>/a/1</link><guid>1</guid></item></channel></rss>"#;
        let feed = parse_feed(rss, &base()).unwrap();
        assert!(feed.repaired);
        assert_eq!(feed.entries[0].title, "Kayes & Diboli");
        assert_eq!(
            feed.entries[0].url.as_ref().unwrap().as_str(),
            "https://example.org/a/1"
        );
    }

    #[test]
    fn declared_legacy_encoding_is_not_applied_twice() {
        let rss = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Kédougou</title></item></channel></rss>";
        let feed = parse_feed(rss, &base()).unwrap();
        assert!(!feed.repaired);
        assert_eq!(feed.entries[0].title, "Kédougou");
    }

    #[test]
    fn items_without_guid_get_stable_keys_and_remote_file_links_are_dropped() {
        let rss = r#"<rss version="2.0"><channel><title>t</title>
            <item><title>A</title><link>https://example.org/a</link></item>
            <item><title>B</title><link>file:///etc/passwd</link></item>
            <item><description>Texte seul.</description></item></channel></rss>"#;
        let first = parse_feed(rss, &base()).unwrap();
        let second = parse_feed(rss, &base()).unwrap();
        let keys: Vec<_> = first.entries.iter().map(|e| e.key.clone()).collect();
        assert_eq!(keys[0], "https://example.org/a");
        assert_eq!(keys[1], "B");
        assert!(keys[2].starts_with("text:"), "{keys:?}");
        assert_eq!(
            keys,
            second
                .entries
                .iter()
                .map(|e| e.key.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(first.entries[1].url, None);
    }

    #[test]
    fn html_page_is_named_as_such() {
        let page = "<!DOCTYPE html><html><body>hello</body></html>";
        assert!(matches!(
            parse_feed(page, &base()),
            Err(FeedError::HtmlPage)
        ));
    }

    #[test]
    fn json_feed_and_french_dates() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","language":"ar-SA","items":[
            {"id":"x","url":"https://example.org/x","title":"<b>t</b>","content_html":"<p>a</p><p>b</p>","date_published":"ven., 03 juil. 2020 10:00:00 +0200"}]}"#;
        let feed = parse_feed(json, &base()).unwrap();
        let entry = &feed.entries[0];
        assert_eq!(entry.content, "a\n\nb");
        assert_eq!(entry.language.as_deref(), Some("ar"));
        assert_eq!(
            entry.published.unwrap().to_rfc3339(),
            "2020-07-03T08:00:00+00:00"
        );
    }
}
