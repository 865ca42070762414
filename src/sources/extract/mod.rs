//! The main text of a page when no `content_selector` names it: two
//! extractors and rules to choose between them, then boilerplate removal.
//!
//! rs-trafilatura runs, and Readability (dom_smoothie) when it has work to
//! do (a short result to rescue, short paragraphs to confirm); each text first
//! loses the paragraphs that are notices rather than story (paywall
//! teasers, "read also" and related lists, share bars, comment sections,
//! cookie banners: [`boilerplate`]). rs-trafilatura's text wins unless it
//! is short next to the page's visible text (see [`Rules`]); then
//! Readability's wins if it is clearly longer and not mostly the page's
//! every word. When rs-trafilatura's wins, its short paragraphs must be
//! confirmed by Readability's text. Every step is recorded in an
//! [`Explanation`], which `veille extract --explain` prints.

pub mod boilerplate;
mod lead;
mod page;
mod readability;

use std::collections::HashSet;

use url::Url;

/// Which extractor a text came from, as stored on the document: this one
/// is rs-trafilatura.
pub const TRAFILATURA: &str = "extractor";
/// The method stored for a text that Readability found.
pub const READABILITY: &str = "readability";

/// Ratio rules deciding when the second extractor runs and when it wins.
/// Lengths are characters of cleaned text (boilerplate removed).
pub struct Rules;

impl Rules {
    /// Below this rs-trafilatura's text is short whatever the page.
    pub const SHORT_CHARS: usize = 500;
    /// Below this share of the page's visible text, rs-trafilatura's text
    /// is short for the page (a live blog reduced to a few entries).
    pub const SHORT_SHARE: f64 = 0.25;
    /// Readability wins when its text is at least this many times longer.
    pub const LONGER_FACTOR: f64 = 1.5;
    /// … and holds less than this share of the page's visible text: past
    /// it, Readability took the whole page (menus, footers) for the story.
    pub const MAX_PAGE_SHARE: f64 = 0.9;
    /// When rs-trafilatura's text wins, its paragraphs up to this length
    /// (headings, captions, but also "related" links, bylines, widgets)
    /// are kept only if Readability kept them too …
    pub const CONFIRM_MAX_CHARS: usize = 100;
    /// … provided Readability found a real article: at least this share of
    /// rs-trafilatura's length. The two err differently, so a short line
    /// both kept is story far more often than one only one of them kept.
    pub const CONFIRM_MIN_SHARE: f64 = 0.3;
    /// A paragraph this long that also holds over half of rs-trafilatura's
    /// text is a flattened page: with no paragraph markup to go by it kept
    /// the whole body, menus and footers run together with the story …
    pub const FLATTENED_CHARS: usize = 1500;
    /// … and then Readability's text wins if it is shorter (it found the
    /// story inside the page), not short itself (at least
    /// [`Rules::SHORT_CHARS`]) and at least this share of the page's
    /// visible text (rs-trafilatura's length is no yardstick: a flattened
    /// page can even repeat itself past the page's length) …
    pub const FLATTENED_MIN_PAGE_SHARE: f64 = 0.15;
    /// … and its paragraphs are prose, their median at least this long;
    /// a column of short lines is a list of links or names it took for
    /// the story.
    pub const PROSE_MEDIAN_CHARS: usize = 50;
}

/// One extractor's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Candidate {
    /// [`TRAFILATURA`] or [`READABILITY`].
    pub extractor: &'static str,
    /// Characters kept, after boilerplate removal.
    pub chars: usize,
    /// Paragraphs kept, after boilerplate removal.
    pub paragraphs: usize,
    /// `chars` over the page's visible characters.
    pub page_share: f64,
    /// Why it produced nothing, if it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Paragraphs dropped as boilerplate, each cut to 80 characters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Short paragraphs dropped because the other extractor did not keep
    /// them, each cut to 80 characters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<String>,
    /// The text itself, left out of the explanation's JSON.
    #[serde(skip)]
    pub text: String,
}

/// Why the text is what it is.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Explanation {
    /// Visible characters of the page's body (scripts, styles left out).
    pub page_chars: usize,
    /// Every extractor that ran, in the order they ran.
    pub candidates: Vec<Candidate>,
    /// The extractor whose text was kept.
    pub winner: &'static str,
    /// The rule that chose the winner, in words, for `veille extract --explain`.
    pub reason: String,
    /// Lead paragraphs found between the headline and the story and put
    /// back before it (see [`lead`]), each cut to 80 characters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lead: Vec<String>,
}

/// The chosen text and how it was chosen.
pub struct Extracted {
    /// The main text, paragraphs separated by blank lines.
    pub text: String,
    /// The winning extractor, stored on the document as its method.
    pub method: &'static str,
    /// The headline the extractor found, if any.
    pub title: Option<String>,
    /// The byline the extractor found, if any.
    pub author: Option<String>,
    /// The publication date the extractor found, if any.
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the text is what it is.
    pub explanation: Explanation,
}

/// Extracts the main text of `html`, whose parsed form is `document`.
pub fn main_text(
    html: &str,
    document: &scraper::Html,
    url: Option<&Url>,
) -> Result<Extracted, String> {
    let page_chars = page::visible_chars(document);
    let links = page::link_texts(document);
    let options = rs_trafilatura::Options {
        url: url.map(Url::to_string),
        ..rs_trafilatura::Options::default()
    };
    let (first, metadata) = match rs_trafilatura::extract_with_options(html, &options) {
        Ok(result) => (
            candidate(TRAFILATURA, &result.content_text, page_chars, &links, None),
            Some(result.metadata),
        ),
        Err(err) => (
            candidate(TRAFILATURA, "", page_chars, &links, Some(err.to_string())),
            None,
        ),
    };
    let mut explanation = Explanation {
        page_chars,
        ..Explanation::default()
    };
    let short = first.chars < Rules::SHORT_CHARS || first.page_share < Rules::SHORT_SHARE;
    let flattened = !short && is_flattened(&first.text);
    // Readability runs only when it has something to do: rescue a short
    // result, or confirm short paragraphs; most pages of plain prose need
    // neither, and it costs as much as the first extractor.
    if !short && !flattened && !has_paragraphs_to_confirm(&first.text) {
        explanation.reason = format!(
            "rs-trafilatura kept {} characters, {:.0}% of the page: not short (under {} or {:.0}%), no short paragraph to confirm; Readability not run",
            first.chars,
            first.page_share * 100.0,
            Rules::SHORT_CHARS,
            Rules::SHORT_SHARE * 100.0
        );
        explanation.candidates = vec![first];
        return finish(explanation, 0, metadata, document, &links);
    }
    let second = match readability::extract(html, url) {
        Ok(text) => candidate(READABILITY, &text, page_chars, &links, None),
        Err(err) => candidate(READABILITY, "", page_chars, &links, Some(err)),
    };
    let (winner, mut reason) = if short {
        choose(&first, &second)
    } else if flattened {
        choose_flattened(&first, &second)
    } else {
        (
            0,
            format!(
                "rs-trafilatura kept {} characters, {:.0}% of the page: not short (under {} or {:.0}%)",
                first.chars,
                first.page_share * 100.0,
                Rules::SHORT_CHARS,
                Rules::SHORT_SHARE * 100.0
            ),
        )
    };
    explanation.candidates = vec![first, second];
    if winner == 0 {
        let [first, second] = &mut explanation.candidates[..] else {
            unreachable!("two candidates")
        };
        if second.chars as f64 >= Rules::CONFIRM_MIN_SHARE * first.chars as f64 {
            let unconfirmed = confirm(first, second);
            if unconfirmed > 0 {
                reason += &format!(
                    "; {unconfirmed} short paragraphs Readability did not keep were dropped"
                );
            }
        }
    }
    explanation.reason = reason;
    finish(explanation, winner, metadata, document, &links)
}

/// The result, `winner` being the index of the chosen candidate, with the
/// lead it lost put back.
fn finish(
    mut explanation: Explanation,
    winner: usize,
    metadata: Option<rs_trafilatura::Metadata>,
    document: &scraper::Html,
    links: &HashSet<String>,
) -> Result<Extracted, String> {
    explanation.winner = explanation.candidates[winner].extractor;
    let chosen = &explanation.candidates[winner];
    if let (true, Some(error)) = (chosen.text.is_empty(), &chosen.error) {
        return Err(error.clone());
    }
    let lead = lead::missing_lead(document, &chosen.text, links);
    let text = if lead.is_empty() {
        chosen.text.clone()
    } else {
        format!("{}\n\n{}", lead.join("\n\n"), chosen.text)
    };
    explanation.lead = lead
        .iter()
        .map(|paragraph| paragraph.chars().take(80).collect())
        .collect();
    let chosen = &explanation.candidates[winner];
    let (title, author, published) = match metadata {
        Some(metadata) => (metadata.title, metadata.author, metadata.date),
        None => (None, None, None),
    };
    Ok(Extracted {
        text,
        method: chosen.extractor,
        title,
        author,
        published,
        explanation,
    })
}

/// Index of the winner among (rs-trafilatura, Readability), and why.
fn choose(first: &Candidate, second: &Candidate) -> (usize, String) {
    let lengths = format!(
        "rs-trafilatura {} characters ({:.0}% of the page), Readability {} ({:.0}%)",
        first.chars,
        first.page_share * 100.0,
        second.chars,
        second.page_share * 100.0
    );
    if second.chars == 0 {
        return (0, format!("{lengths}: Readability found nothing"));
    }
    if first.chars == 0 {
        return (1, format!("{lengths}: rs-trafilatura found nothing"));
    }
    let factor = second.chars as f64 / first.chars as f64;
    if factor < Rules::LONGER_FACTOR {
        return (
            0,
            format!(
                "{lengths}: Readability is not {}× longer ({factor:.2}×)",
                Rules::LONGER_FACTOR
            ),
        );
    }
    if second.page_share > Rules::MAX_PAGE_SHARE {
        return (
            0,
            format!(
                "{lengths}: Readability kept over {:.0}% of the page, likely menus and footers too",
                Rules::MAX_PAGE_SHARE * 100.0
            ),
        );
    }
    (
        1,
        format!("{lengths}: rs-trafilatura is short and Readability is {factor:.2}× longer"),
    )
}

/// Whether rs-trafilatura's `text` is a flattened page (see
/// [`Rules::FLATTENED_CHARS`]).
fn is_flattened(text: &str) -> bool {
    let total = text.chars().count();
    text.split('\n')
        .map(|paragraph| paragraph.chars().count())
        .any(|chars| chars > Rules::FLATTENED_CHARS && 2 * chars > total)
}

/// Index of the winner when rs-trafilatura's text is a flattened page.
fn choose_flattened(first: &Candidate, second: &Candidate) -> (usize, String) {
    let lengths = format!(
        "rs-trafilatura {} characters in one run-on paragraph, Readability {}",
        first.chars, second.chars
    );

    let median = median_paragraph_chars(&second.text);
    if median < Rules::PROSE_MEDIAN_CHARS {
        return (
            0,
            format!(
                "{lengths}: rs-trafilatura kept a flattened page but Readability's paragraphs are short lines (median {median} characters, under {})",
                Rules::PROSE_MEDIAN_CHARS
            ),
        );
    }
    if second.chars < first.chars
        && second.chars >= Rules::SHORT_CHARS
        && second.page_share >= Rules::FLATTENED_MIN_PAGE_SHARE
    {
        (
            1,
            format!(
                "{lengths}: rs-trafilatura kept the flattened page, Readability found the story in it ({:.0}% of the page)",
                second.page_share * 100.0
            ),
        )
    } else {
        (
            0,
            format!(
                "{lengths}: rs-trafilatura kept a flattened page but Readability's is not shorter, or under {} characters or {:.0}% of the page",
                Rules::SHORT_CHARS,
                Rules::FLATTENED_MIN_PAGE_SHARE * 100.0
            ),
        )
    }
}

fn median_paragraph_chars(text: &str) -> usize {
    let mut lengths: Vec<usize> = text
        .split('\n')
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| paragraph.chars().count())
        .collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() / 2).copied().unwrap_or(0)
}

/// Whether `text` has a paragraph, past its first, short enough to need
/// confirming (see [`Rules::CONFIRM_MAX_CHARS`]).
fn has_paragraphs_to_confirm(text: &str) -> bool {
    text.split('\n').skip(1).any(|paragraph| {
        !paragraph.trim().is_empty() && paragraph.chars().count() <= Rules::CONFIRM_MAX_CHARS
    })
}

/// Drops `first`'s short paragraphs (but its first, the lead or headline)
/// that `second` does not contain; returns how many.
fn confirm(first: &mut Candidate, second: &Candidate) -> usize {
    let confirmed_in = collapse(&second.text);
    let mut dropped = Vec::new();
    let kept: Vec<&str> = first
        .text
        .split('\n')
        .enumerate()
        .filter(|(index, paragraph)| {
            let keep = *index == 0
                || paragraph.trim().is_empty()
                || paragraph.chars().count() > Rules::CONFIRM_MAX_CHARS
                || confirmed_in.contains(&collapse(paragraph));
            if !keep {
                dropped.push(paragraph.chars().take(80).collect::<String>());
            }
            keep
        })
        .map(|(_, paragraph)| paragraph)
        .collect();
    if dropped.is_empty() {
        return 0;
    }
    let count = dropped.len();
    first.text = super::text::normalise_whitespace(&kept.join("\n"));
    first.chars = first.text.chars().count();
    first.paragraphs = first.text.split("\n\n").filter(|p| !p.is_empty()).count();
    first.unconfirmed = dropped;
    count
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn candidate(
    extractor: &'static str,
    raw: &str,
    page_chars: usize,
    links: &HashSet<String>,
    error: Option<String>,
) -> Candidate {
    let cleaned = boilerplate::clean(&super::text::normalise_whitespace(raw), links);
    let chars = cleaned.text.chars().count();
    Candidate {
        extractor,
        chars,
        paragraphs: cleaned.text.split("\n\n").filter(|p| !p.is_empty()).count(),
        page_share: if page_chars > 0 {
            chars as f64 / page_chars as f64
        } else {
            0.0
        },
        error,
        removed: cleaned
            .removed
            .iter()
            .map(|paragraph| paragraph.chars().take(80).collect())
            .collect(),
        unconfirmed: Vec::new(),
        text: cleaned.text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(extractor: &'static str, text: &str, page_chars: usize) -> Candidate {
        candidate(extractor, text, page_chars, &HashSet::new(), None)
    }

    #[test]
    fn readability_wins_only_when_clearly_longer_and_not_the_whole_page() {
        let long = "Les habitants de Ménaka ont reçu des vivres après trois semaines. ".repeat(12);
        let short = made(TRAFILATURA, "Une ligne.", 2_000);
        let (winner, reason) = choose(&short, &made(READABILITY, &long, 2_000));
        assert_eq!(winner, 1, "{reason}");
        // The same text as nearly all of the page is menus and footers too.
        let (winner, reason) = choose(&short, &made(READABILITY, &long, long.len()));
        assert_eq!(winner, 0, "{reason}");
        assert!(reason.contains("likely menus"), "{reason}");
        let (winner, _) = choose(
            &made(TRAFILATURA, &long, 2_000),
            &made(READABILITY, &long, 2_000),
        );
        assert_eq!(winner, 0);
    }

    #[test]
    fn short_paragraphs_need_the_other_extractors_word() {
        let story = "Le convoi de vivres est arrivé à Ménaka mardi soir après trois semaines de blocus, a indiqué le gouverneur.";
        let mut first = made(
            TRAFILATURA,
            &format!(
                "Ménaka : le convoi arrive\n\n{story}\n\nLégende de la photo\n\nAutre article du site"
            ),
            2_000,
        );
        let second = made(
            READABILITY,
            &format!("{story}\n\nLégende de la photo"),
            2_000,
        );
        assert_eq!(confirm(&mut first, &second), 1);
        assert_eq!(
            first.text,
            format!("Ménaka : le convoi arrive\n\n{story}\n\nLégende de la photo")
        );
        assert_eq!(first.unconfirmed, ["Autre article du site"]);
    }

    #[test]
    fn a_flattened_page_yields_to_readabilitys_prose_only() {
        let story = "Les habitants de Ménaka ont reçu des vivres après trois semaines de blocus, a indiqué le gouverneur de la région. ";
        let flattened = format!("Accueil Monde Afrique Sport {}", story.repeat(20));
        assert!(is_flattened(&flattened));
        assert!(!is_flattened(&format!("{story}\n{story}")));
        let first = made(TRAFILATURA, &flattened, flattened.len());
        let prose = made(READABILITY, &[story; 6].join("\n\n"), flattened.len());
        let (winner, reason) = choose_flattened(&first, &prose);
        assert_eq!(winner, 1, "{reason}");
        // A column of short lines is a list of links, not the story.
        let links = made(
            READABILITY,
            &["Accueil", "Sport", "Ménaka : le convoi arrive"]
                .repeat(30)
                .join("\n"),
            flattened.len(),
        );
        let (winner, reason) = choose_flattened(&first, &links);
        assert_eq!(winner, 0, "{reason}");
        assert!(reason.contains("short lines"), "{reason}");
    }
}
