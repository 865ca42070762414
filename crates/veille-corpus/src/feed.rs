//! Synthetic documents as outlets publish them: RSS 2.0 feeds carrying the
//! full text, teaser feeds pointing at article pages, and the pages, with
//! the navigation, byline, related links and footer that extraction has to
//! see past.

use std::fmt::Write;

use super::Document;

/// How a feed item carries its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemText {
    /// The whole text in `content:encoded`, as many WordPress feeds do.
    Full,
    /// A one-sentence teaser; the story is on the page at `link`.
    Teaser,
}

/// An RSS 2.0 feed of `documents`. `link` gives each item's link (the
/// story's own URL for full-text feeds, its page for teaser feeds).
pub fn rss(
    title: &str,
    documents: &[Document],
    text: ItemText,
    link: &dyn Fn(&Document) -> String,
) -> String {
    let mut out = String::with_capacity(
        documents
            .iter()
            .map(|d| d.words * 8 + 512)
            .sum::<usize>()
            .max(1024),
    );
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n\
         <title>{}</title>\n<link>https://corpus.example/</link>\n\
         <description>Synthetic Sahel news for benchmarks</description>\n",
        escape(title)
    );
    for document in documents {
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>{}</link>\n\
             <guid isPermaLink=\"false\">corpus-{}</guid>\n<pubDate>{}</pubDate>\n\
             <dc:creator>{}</dc:creator>\n<description>{}</description>\n",
            escape(&document.title),
            escape(&link(document)),
            document.index,
            document.published.to_rfc2822(),
            escape(&document.author),
            escape(teaser(document)),
        );
        if text == ItemText::Full {
            out.push_str("<content:encoded><![CDATA[");
            for paragraph in &document.paragraphs {
                let _ = write!(out, "<p>{}</p>", escape(paragraph));
            }
            out.push_str("]]></content:encoded>\n");
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// An article page as a news site serves it.
pub fn page(document: &Document) -> String {
    let title = escape(&document.title);
    let mut out = String::with_capacity(document.words * 8 + 4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"{dir}>\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} – Outlet {source}</title>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"description\" content=\"{teaser}\">\n\
         <meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:type\" content=\"article\">\n\
         <meta property=\"article:published_time\" content=\"{published}\">\n\
         <meta name=\"author\" content=\"{author}\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <link rel=\"stylesheet\" href=\"/static/site.css\">\n\
         <script>window.dataLayer = window.dataLayer || [];</script>\n\
         </head>\n<body class=\"single-post\">\n\
         <header class=\"site-header\"><a class=\"logo\" href=\"/\">Outlet {source}</a>\n\
         <nav class=\"menu\"><ul>",
        lang = document.language,
        dir = if document.language == "ar" {
            " dir=\"rtl\""
        } else {
            ""
        },
        source = document.source(),
        teaser = escape(teaser(document)),
        published = document.published.to_rfc3339(),
        author = escape(&document.author),
        url = escape(&document.url()),
    );
    for section in [
        "Actualité",
        "Politique",
        "Sécurité",
        "Économie",
        "Société",
        "Région",
        "International",
        "Sport",
        "Culture",
        "Contact",
    ] {
        let _ = write!(
            out,
            "<li><a href=\"/rubrique/{}\">{section}</a></li>",
            section.to_lowercase()
        );
    }
    let _ = write!(
        out,
        "</ul></nav></header>\n<main>\n<article class=\"post\">\n<h1 class=\"entry-title\">{title}</h1>\n\
         <div class=\"byline\">Par <span class=\"author\">{}</span> · \
         <time datetime=\"{}\">{}</time></div>\n<div class=\"entry-content\">\n",
        escape(&document.author),
        document.published.to_rfc3339(),
        document.published.format("%d/%m/%Y %H:%M"),
    );
    for paragraph in &document.paragraphs {
        let _ = writeln!(out, "<p>{}</p>", escape(paragraph));
    }
    out.push_str(
        "</div>\n<div class=\"share\">Partager : <a href=\"#\">Facebook</a> \
         <a href=\"#\">X</a> <a href=\"#\">WhatsApp</a></div>\n</article>\n\
         <aside class=\"related\"><h2>À lire aussi</h2><ul>",
    );
    for offset in 1..=5 {
        let _ = write!(
            out,
            "<li><a href=\"/story-{}\">Autres nouvelles de la région, épisode {}</a></li>",
            document.index + offset,
            document.index + offset
        );
    }
    let _ = write!(
        out,
        "</ul></aside>\n</main>\n<footer class=\"site-footer\"><p>© 2026 Outlet {}. \
         Tous droits réservés.</p><p><a href=\"/mentions-legales\">Mentions légales</a> · \
         <a href=\"/publicite\">Publicité</a></p></footer>\n</body>\n</html>\n",
        document.source()
    );
    out
}

/// The story's first sentence, which feeds and pages show as its summary.
pub fn teaser(document: &Document) -> &str {
    let first = document.paragraphs.first().map_or("", String::as_str);
    match first.find(". ") {
        Some(end) => &first[..=end],
        None => first,
    }
}

/// Escapes text for XML and HTML content and attribute values.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Generator;
    use veille::enrich::Gazetteer;
    use veille::sources::article::extract_article;
    use veille::sources::feed::parse_feed;

    fn documents(count: u64) -> Vec<Document> {
        let generator = Generator::new(2, &Gazetteer::default());
        (0..count).map(|index| generator.document(index)).collect()
    }

    #[test]
    fn full_text_feeds_parse_back_to_the_documents() {
        let documents = documents(5);
        let xml = rss("Test", &documents, ItemText::Full, &|d| d.url());
        let base = url::Url::parse("file:///tmp/feed.xml").unwrap();
        let parsed = parse_feed(&xml, &base).unwrap();
        assert_eq!(parsed.entries.len(), 5);
        for (entry, document) in parsed.entries.iter().zip(&documents) {
            assert_eq!(entry.title, document.title);
            assert_eq!(entry.key, format!("corpus-{}", document.index));
            assert_eq!(entry.published, Some(document.published));
            // Paragraph breaks survive as blank lines.
            assert_eq!(entry.best_text(), document.text());
        }
    }

    #[test]
    fn teaser_feeds_are_short_and_pages_extract_to_the_story() {
        let documents = documents(3);
        let xml = rss("Test", &documents, ItemText::Teaser, &|d| {
            format!("../pages/{}.html", d.index)
        });
        let base = url::Url::parse("file:///tmp/feeds/feed.xml").unwrap();
        let parsed = parse_feed(&xml, &base).unwrap();
        for (entry, document) in parsed.entries.iter().zip(&documents) {
            assert!(entry.best_text().chars().count() < 500);
            assert_eq!(
                entry.url.as_ref().unwrap().as_str(),
                format!("file:///tmp/pages/{}.html", document.index)
            );
            let html = page(document);
            let article = extract_article(&html, None, None).unwrap();
            assert_eq!(
                article.canonical_url.unwrap().as_str(),
                document.url(),
                "the page names its story"
            );
            // The extractor keeps the story and drops the site around it.
            let words = article.text.split_whitespace().count();
            assert!(
                words >= document.words * 9 / 10,
                "{words} of {}",
                document.words
            );
            assert!(!article.text.contains("Mentions légales"));
        }
    }
}
