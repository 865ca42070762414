//! The second extractor: Readability (Mozilla's algorithm) by dom_smoothie.

use url::Url;

use crate::sources::text::html_to_text;

/// The article's text by Readability, paragraphs as blank lines.
pub(super) fn extract(html: &str, url: Option<&Url>) -> Result<String, String> {
    let config = dom_smoothie::Config {
        // The text is read from the article's HTML below, which keeps
        // paragraph breaks that its plain text loses.
        disable_json_ld: true,
        ..dom_smoothie::Config::default()
    };
    let mut readability = dom_smoothie::Readability::new(html, url.map(Url::as_str), Some(config))
        .map_err(|err| err.to_string())?;
    let article = readability.parse().map_err(|err| err.to_string())?;
    Ok(html_to_text(&article.content))
}
