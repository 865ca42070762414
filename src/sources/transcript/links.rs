//! Links to transcript files on a web page (a station's archive page, a
//! server's directory index).

use scraper::{Html, Selector};
use url::Url;

use super::TranscriptFormat;

/// Transcript files taken from one page: each is a fetch, and a station's
/// archive page lists days, not years.
const MAX_LINKS: usize = 500;

/// The transcript files `html` links to, resolved against `base`, in page
/// order and without repeats. A file is recognised by its name's
/// extension; `.html` is left out, since every page links to pages.
pub fn transcript_links(html: &str, base: &Url) -> Vec<(Url, TranscriptFormat)> {
    // A page nested too deep to parse in reasonable time links to nothing
    // worth reading.
    if crate::sources::nesting::check(html).is_err() {
        return Vec::new();
    }
    let document = Html::parse_document(html);
    let anchors = Selector::parse("a[href]").expect("valid selector");
    let mut links: Vec<(Url, TranscriptFormat)> = Vec::new();
    for anchor in document.select(&anchors) {
        let Some(mut url) = anchor
            .value()
            .attr("href")
            .and_then(|href| base.join(href.trim()).ok())
        else {
            continue;
        };
        let allowed = crate::sources::followable(&url, base);
        url.set_fragment(None);
        let format = crate::sources::extension(url.path())
            .and_then(TranscriptFormat::from_extension)
            .filter(|format| *format != TranscriptFormat::Html);
        if let Some(format) = format
            && allowed
            && !links.iter().any(|(seen, _)| *seen == url)
        {
            links.push((url, format));
            if links.len() == MAX_LINKS {
                break;
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_files_only_resolved_and_once() {
        let page = r#"<html><body><a href="/">Accueil</a>
            <a href="journal_20250701_0730.vtt">07:30</a>
            <a href="journal_20250701_0730.vtt#top">07:30 (bis)</a>
            <a href="https://cdn.example.org/rrk/0800.SRT">08:00</a>
            <a href="notes.html">notes</a><a href="file:///etc/passwd.txt">x</a>
            <a href="javascript:void(0).vtt">y</a></body></html>"#;
        let base = Url::parse("https://radio.example.org/transcripts/").unwrap();
        let links: Vec<String> = transcript_links(page, &base)
            .into_iter()
            .map(|(url, _)| url.to_string())
            .collect();
        assert_eq!(
            links,
            [
                "https://radio.example.org/transcripts/journal_20250701_0730.vtt",
                "https://cdn.example.org/rrk/0800.SRT"
            ]
        );
    }
}
