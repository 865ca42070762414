//! What the page shows, measured: the yardstick extractors are compared to.

use std::collections::HashSet;

use scraper::{Html, Node, Selector};

/// Elements whose text a reader never sees.
const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe", "object", "select",
];

/// Characters of visible text in the page (whitespace runs count as one),
/// walked without recursion since pages can nest deeply.
pub(super) fn visible_chars(document: &Html) -> usize {
    let mut count = 0;
    let mut stack = vec![document.tree.root()];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(text) => {
                let mut in_space = true;
                for c in text.chars() {
                    if c.is_whitespace() {
                        if !in_space {
                            count += 1;
                        }
                        in_space = true;
                    } else {
                        count += 1;
                        in_space = false;
                    }
                }
            }
            Node::Element(element) if INVISIBLE.contains(&element.name()) => {}
            _ => stack.extend(node.children()),
        }
    }
    count
}

/// The whitespace-normalised text of every link on the page that has words
/// in it.
pub(super) fn link_texts(document: &Html) -> HashSet<String> {
    let Ok(links) = Selector::parse("a[href]") else {
        return HashSet::new();
    };
    document
        .select(&links)
        .map(|link| {
            link.text()
                .flat_map(str::split_whitespace)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|text| text.chars().any(char::is_alphabetic))
        .collect()
}
