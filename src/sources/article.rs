//! The article on a linked page: main text, title, author, date, canonical URL.
//!
//! Main-text extraction is [`super::extract`]: rs-trafilatura (pinned: its
//! output is what the extraction tests score), Readability when its text is
//! short, then boilerplate removal. A feed can name a CSS selector for
//! sites the extractors get wrong; the selector is tried first and the
//! extractors are the fallback when it matches nothing.

use chrono::{DateTime, Utc};
use ego_tree::iter::Edge;
use scraper::{Html, Selector};
use url::Url;

use super::dates::parse_date;
use super::extract::{self, Explanation};
use super::nesting::{self, TooDeep};
use super::text::{html_to_text, normalise_whitespace};

/// What was read off a page.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Article {
    /// The headline, when the page gives one.
    pub title: Option<String>,
    /// The main text, paragraphs separated by blank lines.
    pub text: String,
    /// The byline, when the page names one.
    pub author: Option<String>,
    /// When the page says it was published.
    pub published: Option<DateTime<Utc>>,
    /// The page's own idea of its URL (`rel=canonical`, else `og:url`).
    pub canonical_url: Option<Url>,
    /// Declared page language (`<html lang>`), primary subtag.
    pub language: Option<String>,
    /// How the text was found: `selector`, `extractor` (rs-trafilatura)
    /// or `readability`.
    pub method: &'static str,
    /// Which extractor won and why (none when the selector matched).
    #[serde(skip)]
    pub explanation: Option<Explanation>,
}

/// Why no article could be read off a page; recorded on the feed.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The page parsed, but neither the selector nor the extractors found text.
    #[error("no article text found on the page")]
    NoText,
    /// The extractors failed on the page (or crashed, the panic caught), with their message.
    #[error("extractor failed: {0}")]
    Extractor(String),
    /// The page nests elements too deep to parse safely.
    #[error(transparent)]
    TooDeep(#[from] TooDeep),
    /// Parsed, but still too deep for the extractor's recursion.
    #[error("the page nests elements more than {0} deep; not extracted")]
    NestedTooDeep(usize),
}

/// Nesting past which a page is not given to rs-trafilatura. It recurses
/// once per level, and a few thousand levels (nested tables: ~8,000 on a
/// 2 MiB blocking-pool stack, unoptimised) overflow the stack, which
/// aborts the whole process instead of panicking. Real articles nest a few
/// dozen levels; this leaves a wide margin both ways.
pub const MAX_EXTRACTOR_DEPTH: usize = 1_000;

/// Extracts the article from `html`. `url` is where the page was fetched
/// from (resolves relative canonical links); `content_selector` overrides
/// the extractor.
pub fn extract_article(
    html: &str,
    url: Option<&Url>,
    content_selector: Option<&str>,
) -> Result<Article, ExtractError> {
    // The extractor is heuristics over hostile markup; a panic in it costs
    // this page, never the process.
    std::panic::catch_unwind(|| extract(html, url, content_selector)).unwrap_or_else(|_| {
        Err(ExtractError::Extractor(
            "the extractor crashed on this page".to_owned(),
        ))
    })
}

fn extract(
    html: &str,
    url: Option<&Url>,
    content_selector: Option<&str>,
) -> Result<Article, ExtractError> {
    // Parsing a deeply nested page costs its depth squared; refuse first.
    nesting::check(html)?;
    let document = Html::parse_document(html);
    let page = PageMetadata::read(&document, url);

    let selected = content_selector
        .and_then(|selector| Selector::parse(selector).ok())
        .map(|selector| {
            let parts: Vec<String> = document
                .select(&selector)
                .map(|element| html_to_text(&element.html()))
                .filter(|text| !text.is_empty())
                .collect();
            parts.join("\n\n")
        })
        .filter(|text| !text.is_empty());

    let (text, method, extracted) = match selected {
        Some(text) => (text, "selector", None),
        None => {
            if nesting_depth(&document) > MAX_EXTRACTOR_DEPTH {
                return Err(ExtractError::NestedTooDeep(MAX_EXTRACTOR_DEPTH));
            }
            let extracted =
                extract::main_text(html, &document, url).map_err(ExtractError::Extractor)?;
            (extracted.text.clone(), extracted.method, Some(extracted))
        }
    };
    if text.is_empty() {
        return Err(ExtractError::NoText);
    }
    let (meta_title, meta_author, meta_date, explanation) = match extracted {
        Some(extracted) => (
            extracted.title,
            extracted.author,
            extracted.published,
            Some(extracted.explanation),
        ),
        None => (None, None, None, None),
    };
    Ok(Article {
        // og:title is the headline as the site wants it shared, and the
        // article's <h1> is the headline as printed; <title> carries the
        // site's name, and the extractor's guess cuts headlines at colons.
        title: page
            .og_title
            .or(page.headline)
            .or(page.html_title)
            .or(meta_title)
            .map(|title| {
                without_site_name(
                    &normalise_whitespace(&title),
                    page.site_name.as_deref(),
                    url,
                )
            }),
        text,
        author: page.author.or(meta_author),
        published: page.published.or(meta_date),
        canonical_url: page.canonical_url,
        language: page.language,
        method,
        explanation,
    })
}

/// Separators between a headline and the site's name or section in titles.
const TITLE_SEPARATORS: [&str; 7] = [" | ", " - ", " – ", " — ", " · ", " • ", " » "];

/// Parts of a title this short (in words) after the headline are the
/// site's name or section, not the headline.
const SITE_PART_MAX_WORDS: usize = 3;

/// `title` without the site's name and section that pages append (or put
/// first): a trailing part of a few words, or any part naming the site
/// (its `og:site_name` or its domain), is dropped, the headline kept.
fn without_site_name(title: &str, site_name: Option<&str>, url: Option<&Url>) -> String {
    let mut parts = vec![title];
    for separator in TITLE_SEPARATORS {
        parts = parts
            .into_iter()
            .flat_map(|part| part.split(separator))
            .collect();
    }
    if parts.len() < 2 {
        return title.to_owned();
    }
    let squeeze = |text: &str| -> String {
        text.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    // The domain's name without "www." and its suffix: "lemonde" for
    // www.lemonde.fr.
    let domain = url
        .and_then(Url::host_str)
        .and_then(|host| host.trim_start_matches("www.").split('.').next())
        .map(squeeze)
        .filter(|name| name.chars().count() >= 3);
    let site = site_name.map(squeeze).filter(|name| !name.is_empty());
    let names_site = |part: &str| {
        let part = squeeze(part);
        !part.is_empty()
            && (site.as_deref() == Some(part.as_str())
                || domain
                    .as_deref()
                    .is_some_and(|domain| part.contains(domain)))
    };
    let mut kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|part| !names_site(part))
        .collect();
    while kept.len() > 1
        && kept
            .last()
            .is_some_and(|part| part.split_whitespace().count() <= SITE_PART_MAX_WORDS)
    {
        kept.pop();
    }
    // The parts are slices of `title`: keep its text from the first kept
    // part to the last, separators as written.
    let offset = |part: &str| part.as_ptr() as usize - title.as_ptr() as usize;
    match (kept.first(), kept.last()) {
        (Some(first), Some(last)) => title[offset(first)..offset(last) + last.len()]
            .trim()
            .to_owned(),
        _ => title.to_owned(),
    }
}

/// What the page's `<head>` says about itself. Read directly because these
/// tags are unambiguous and the extractor's heuristics need not guess them.
/// How deep the document's nodes nest, counted without recursion.
fn nesting_depth(document: &Html) -> usize {
    let mut depth = 0;
    let mut deepest = 0;
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(_) => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Edge::Close(_) => depth -= 1,
        }
    }
    deepest
}

#[derive(Default)]
struct PageMetadata {
    og_title: Option<String>,
    site_name: Option<String>,
    headline: Option<String>,
    html_title: Option<String>,
    author: Option<String>,
    published: Option<DateTime<Utc>>,
    canonical_url: Option<Url>,
    language: Option<String>,
}

impl PageMetadata {
    fn read(document: &Html, url: Option<&Url>) -> PageMetadata {
        let first_attribute = |selectors: &[&str], attribute: &str| {
            selectors.iter().find_map(|selector| {
                let selector = Selector::parse(selector).ok()?;
                document
                    .select(&selector)
                    .filter_map(|element| element.value().attr(attribute))
                    .map(str::trim)
                    .find(|value| !value.is_empty())
                    .map(str::to_owned)
            })
        };
        let resolve = |href: String| match url {
            Some(base) => base.join(&href).ok(),
            None => Url::parse(&href).ok(),
        };
        let canonical_url = first_attribute(&["link[rel~=canonical]"], "href")
            .and_then(resolve)
            .or_else(|| first_attribute(&["meta[property='og:url']"], "content").and_then(resolve))
            .filter(|url| matches!(url.scheme(), "http" | "https"));
        let og_title = first_attribute(&["meta[property='og:title']"], "content");
        let site_name = first_attribute(&["meta[property='og:site_name']"], "content");
        let first_text = |selector: &str| {
            let selector = Selector::parse(selector).ok()?;
            document
                .select(&selector)
                .map(|element| element.text().collect::<String>())
                .find(|text| !text.trim().is_empty())
        };
        let headline = first_text("article h1").or_else(|| {
            // A lone <h1> outside <article> is the headline too; several are
            // the site's logo, section names and the like.
            let selector = Selector::parse("h1").ok()?;
            let mut headings = document.select(&selector);
            let only = headings.next()?;
            headings
                .next()
                .is_none()
                .then(|| only.text().collect::<String>())
        });
        let html_title = first_text("title");
        let author = first_attribute(
            &["meta[name=author]", "meta[property='article:author']"],
            "content",
        )
        .filter(|author| !author.starts_with("http"));
        let published = first_attribute(
            &[
                "meta[property='article:published_time']",
                "meta[name=date]",
                "meta[itemprop=datePublished]",
                "time[datetime]",
            ],
            "content",
        )
        .or_else(|| first_attribute(&["time[datetime]"], "datetime"))
        .and_then(|date| parse_date(&date));
        let language = first_attribute(&["html[lang]"], "lang")
            .map(|lang| {
                lang.split(['-', '_'])
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            })
            .filter(|lang| !lang.is_empty());
        PageMetadata {
            og_title,
            site_name,
            headline,
            html_title,
            author,
            published,
            canonical_url,
            language,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html lang="fr-ML"><head><title>Kayes : blocus | Site</title>
        <link rel="canonical" href="/2026/11/blocus-kayes?utm_source=x">
        <meta name="author" content="A. Traoré">
        <meta property="article:published_time" content="2026-11-02T08:00:00Z"></head>
        <body><nav><a href="/">Accueil</a><a href="/sport">Sport</a></nav>
        <article><h1>Blocus</h1><div class="corps"><p>Premier paragraphe sur le blocus de Kayes.</p><p>Second paragraphe.</p></div></article>
        <footer>© Site</footer></body></html>"#;

    #[test]
    fn selector_override_and_head_metadata() {
        let url = Url::parse("https://echos.example/rubrique/x").unwrap();
        let article = extract_article(PAGE, Some(&url), Some("div.corps")).unwrap();
        assert_eq!(article.method, "selector");
        assert_eq!(
            article.text,
            "Premier paragraphe sur le blocus de Kayes.\n\nSecond paragraphe."
        );
        assert_eq!(
            article.canonical_url.unwrap().as_str(),
            "https://echos.example/2026/11/blocus-kayes?utm_source=x"
        );
        assert_eq!(article.author.as_deref(), Some("A. Traoré"));
        assert_eq!(article.language.as_deref(), Some("fr"));
        assert_eq!(
            article.published.unwrap().to_rfc3339(),
            "2026-11-02T08:00:00+00:00"
        );
    }

    #[test]
    fn a_page_nested_too_deep_is_refused_unparsed() {
        let deep = format!("{}<p>Texte.</p>", "<div>".repeat(100_000));
        let started = std::time::Instant::now();
        let error = extract_article(&deep, None, None).unwrap_err();
        assert!(matches!(error, ExtractError::TooDeep(_)), "{error}");
        assert!(error.to_string().contains("nested more than 512 levels"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn selector_matching_nothing_falls_back_to_the_extractor() {
        let article = extract_article(PAGE, None, Some("div.absent")).unwrap();
        assert_eq!(article.method, "extractor");
        assert!(
            article.text.contains("Premier paragraphe"),
            "{}",
            article.text
        );
        assert!(!article.text.contains("Accueil"), "{}", article.text);
    }

    #[test]
    fn titles_lose_the_sites_name_not_the_headline() {
        let url = Url::parse("https://www.journal-du-sahel.com/a").unwrap();
        for (title, site, headline) in [
            (
                "Kayes : le convoi arrive | Journal du Sahel",
                None,
                "Kayes : le convoi arrive",
            ),
            (
                "Journal du Sahel - Kayes : le convoi arrive",
                None,
                "Kayes : le convoi arrive",
            ),
            (
                "Kayes : le convoi arrive - Actualités - Sahel Info",
                Some("Sahel Info"),
                "Kayes : le convoi arrive",
            ),
            (
                "Mali - Niger : la frontière rouverte après six mois",
                None,
                "Mali - Niger : la frontière rouverte après six mois",
            ),
            ("Kayes", None, "Kayes"),
        ] {
            assert_eq!(
                without_site_name(title, site, Some(&url)),
                headline,
                "{title}"
            );
        }
    }
}
