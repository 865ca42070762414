//! The lead (standfirst, teaser, "chapô") between the headline and the
//! story: both extractors often lose it, because sites put it in the
//! article's header, outside the element that holds the story's
//! paragraphs.
//!
//! The page is cut into blocks the way a reader sees them (text between
//! block-level tags). The blocks after the last `<h1>` before the
//! extracted story's first paragraph are the header; those of them that
//! read as prose (at least [`LEAD_MIN_CHARS`], few of their words links)
//! are put back before the story. A header with more than
//! [`MAX_HEADER_BLOCKS`] blocks is not a header but a page section (the
//! `<h1>` was the site's logo), and gives nothing back.

use std::collections::HashSet;

use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::{boilerplate, collapse};
use crate::sources::text::BLOCKS;

/// Shortest block taken for a lead; shorter ones are bylines, dates,
/// kickers and labels.
pub(super) const LEAD_MIN_CHARS: usize = 80;
/// Largest share of a lead's characters that may be link text; past it the
/// block is a teaser of another article.
pub(super) const LEAD_MAX_LINK_SHARE: f64 = 0.3;
/// Most blocks between the headline and the story for them to be the
/// article's header.
pub(super) const MAX_HEADER_BLOCKS: usize = 12;
/// Most lead paragraphs put back.
pub(super) const MAX_LEAD_PARAGRAPHS: usize = 3;
/// Characters of the story's first paragraph looked for in the page.
const ANCHOR_CHARS: usize = 40;

/// Subtrees never part of a lead: invisible, or furniture (navigation,
/// figures and their captions, forms).
const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "svg",
    "iframe",
    "object",
    "select",
    "nav",
    "aside",
    "footer",
    "form",
    "button",
    "figure",
    "figcaption",
    "time",
    "picture",
    "textarea",
];

/// Words in a class or id that mark an element of the header as furniture
/// rather than the lead: pictures and their captions, bylines and author
/// boxes, share and sign-up widgets, teasers of related articles.
const FURNITURE_HINTS: &[&str] = &[
    "caption",
    "credit",
    "image",
    "photo",
    "byline",
    "author",
    "share",
    "social",
    "signup",
    "newsletter",
    "subscri",
    "promo",
    "related",
];

/// One block of the page: its text, whitespace collapsed, and how many of
/// its characters are inside links.
struct Block {
    text: String,
    link_chars: usize,
}

/// The lead paragraphs of `document` missing from `text` (the extracted
/// story), in page order; empty when the page has none or its header
/// cannot be told.
pub(super) fn missing_lead(
    document: &Html,
    text: &str,
    link_texts: &HashSet<String>,
) -> Vec<String> {
    let Some(anchor) = anchor(text) else {
        return Vec::new();
    };
    let Some(header) = header_blocks(document, &anchor) else {
        return Vec::new();
    };
    if header.len() > MAX_HEADER_BLOCKS {
        return Vec::new();
    }
    let collapsed_text = collapse(text);
    let leads: Vec<String> = header
        .into_iter()
        .filter(|block| {
            let chars = block.text.chars().count();
            chars >= LEAD_MIN_CHARS
                && (block.link_chars as f64) <= LEAD_MAX_LINK_SHARE * chars as f64
                && !collapsed_text.contains(&block.text)
        })
        .map(|block| block.text)
        .take(MAX_LEAD_PARAGRAPHS)
        .collect();
    if leads.is_empty() {
        return leads;
    }
    let cleaned = boilerplate::clean(&leads.join("\n\n"), link_texts);
    cleaned
        .text
        .split("\n\n")
        .filter(|paragraph| !paragraph.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The start of the story's first paragraph long enough to be found in the
/// page unambiguously.
fn anchor(text: &str) -> Option<String> {
    text.split('\n')
        .map(collapse)
        .find(|paragraph| paragraph.chars().count() >= ANCHOR_CHARS)
        .map(|paragraph| paragraph.chars().take(ANCHOR_CHARS).collect())
}

/// The blocks after the last `<h1>` that comes before the block holding
/// `anchor`; `None` without such an `<h1>` or block.
fn header_blocks(document: &Html, anchor: &str) -> Option<Vec<Block>> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut seen_headline = false;
    let mut current = String::new();
    let mut link_chars = 0;
    let mut skipped_depth = 0usize;
    let mut link_depth = 0usize;
    // Ends the block being read; true when it holds the anchor.
    let flush = |current: &mut String, link_chars: &mut usize, blocks: &mut Vec<Block>| {
        let text = collapse(current);
        current.clear();
        let links = std::mem::take(link_chars);
        if text.is_empty() {
            return false;
        }
        if text.contains(anchor) {
            return true;
        }
        blocks.push(Block {
            text,
            link_chars: links,
        });
        false
    };
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let name = element.name();
                    if skipped_depth > 0
                        || SKIPPED.contains(&name)
                        || (seen_headline && is_furniture(element))
                    {
                        skipped_depth += 1;
                        continue;
                    }
                    if (BLOCKS.contains(&name) || name == "br")
                        && flush(&mut current, &mut link_chars, &mut blocks)
                    {
                        return seen_headline.then_some(blocks);
                    }
                    if name == "a" {
                        link_depth += 1;
                    }
                }
                Node::Text(words) if skipped_depth == 0 => {
                    current.push_str(words);
                    current.push(' ');
                    if link_depth > 0 {
                        link_chars += words
                            .split_whitespace()
                            .map(|w| w.chars().count() + 1)
                            .sum::<usize>();
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                let Node::Element(element) = node.value() else {
                    continue;
                };
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                    continue;
                }
                let name = element.name();
                if name == "a" {
                    link_depth = link_depth.saturating_sub(1);
                }
                if BLOCKS.contains(&name) {
                    if flush(&mut current, &mut link_chars, &mut blocks) {
                        return seen_headline.then_some(blocks);
                    }
                    if name == "h1" {
                        // The headline: what came before it is the page's
                        // top, not the article's header.
                        seen_headline = true;
                        blocks.clear();
                    }
                }
            }
        }
    }
    None
}

/// Whether `element`'s class or id names it as furniture (see
/// [`FURNITURE_HINTS`]).
fn is_furniture(element: &scraper::node::Element) -> bool {
    [element.attr("class"), element.id()]
        .into_iter()
        .flatten()
        .any(|names| {
            let names = names.to_ascii_lowercase();
            FURNITURE_HINTS.iter().any(|hint| names.contains(hint))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "Le convoi de vivres est arrivé à Ménaka mardi soir après trois semaines de blocus, a indiqué le gouverneur.";
    const LEAD: &str = "Après trois semaines de blocus, les habitants de Ménaka ont enfin reçu des vivres : sept camions escortés par l'armée.";

    fn page(header: &str) -> Html {
        Html::parse_document(&format!(
            "<html><body><nav><a href='/'>Accueil</a></nav><p>Un autre article du site, assez long pour passer pour un chapô s'il était lu.</p>\
             <header><h1>Ménaka : le convoi arrive</h1>{header}</header>\
             <div class='body'><p>{STORY}</p><p>Suite.</p></div></body></html>"
        ))
    }

    #[test]
    fn the_lead_between_headline_and_story_comes_back() {
        let document = page(&format!(
            "<p class='byline'>Par A. Touré, le 3 mars, correspondant permanent de la rédaction à Gao et à Ménaka</p><figure><figcaption>Un camion à l'entrée de la ville, photographié mardi soir par notre correspondant.</figcaption></figure><p class='chapo'>{LEAD}</p>"
        ));
        assert_eq!(
            missing_lead(&document, &format!("{STORY}\n\nSuite."), &HashSet::new()),
            [LEAD]
        );
        // Already in the text: nothing to add.
        assert!(missing_lead(&document, &format!("{LEAD}\n\n{STORY}"), &HashSet::new()).is_empty());
    }

    #[test]
    fn no_headline_or_a_crowded_header_gives_nothing() {
        let document = Html::parse_document(&format!(
            "<html><body><p>{LEAD}</p><p>{STORY}</p></body></html>"
        ));
        assert!(missing_lead(&document, STORY, &HashSet::new()).is_empty());
        let crowded = format!("<p>{LEAD}</p>").repeat(MAX_HEADER_BLOCKS + 1);
        assert!(missing_lead(&page(&crowded), STORY, &HashSet::new()).is_empty());
        // A teaser that is mostly a link is another article.
        let teaser = page(&format!("<p><a href='/x'>{LEAD}</a></p>"));
        assert!(missing_lead(&teaser, STORY, &HashSet::new()).is_empty());
    }
}
