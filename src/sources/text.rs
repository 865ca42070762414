//! HTML fragments (feed content, summaries) to readable plain text.
//!
//! The record keeps text, not markup: it is what gets searched, tagged and
//! quoted in digests. Paragraph breaks survive as blank lines so snippets and
//! the document page stay readable.
//! [`words_hash`] names a text by its words alone, whatever its markup.

use std::fmt::Write as _;

use ego_tree::NodeRef;
use scraper::{Html, Node};
use sha2::{Digest, Sha256};

/// Elements whose text is never content.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "head", "button", "form", "select",
    "object", "embed", "canvas",
];

/// Elements that end a paragraph.
pub(crate) const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "figure",
    "figcaption",
    "hr",
    "address",
    "details",
    "summary",
];

/// Plain text of an HTML fragment.
pub fn html_to_text(html: &str) -> String {
    // A fragment too deep to parse in reasonable time (see `nesting`) still
    // has words; its tags are dropped instead.
    if super::nesting::check(html).is_err() {
        return normalise_whitespace(&strip_tags(html));
    }
    let fragment = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len() / 2);
    walk(fragment.tree.root(), &mut out);
    normalise_whitespace(&out)
}

/// Text outside `<…>`, each tag read as a space; entities left as they are.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        rest = rest[open..]
            .find('>')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Text that may or may not be HTML: feeds mark summaries as text and put
/// markup in them, or the other way round.
pub fn maybe_html_to_text(text: &str) -> String {
    if looks_like_html(text) {
        html_to_text(text)
    } else {
        normalise_whitespace(text)
    }
}

fn looks_like_html(text: &str) -> bool {
    [
        "</", "<p", "<br", "<div", "<a ", "<img", "<span", "<strong", "<em>",
    ]
    .iter()
    .any(|marker| text.contains(marker))
        || has_character_reference(text)
}

/// `&eacute;`, `&#233;`, `&rsquo;`: left undecoded by feed parsers that do
/// not know HTML's entities.
fn has_character_reference(text: &str) -> bool {
    text.match_indices('&').any(|(position, _)| {
        let rest = &text[position + 1..];
        let name_length = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .unwrap_or(rest.len());
        name_length > 1 && rest[name_length..].starts_with(';')
    })
}

/// Depth-first walk with an explicit stack: a hostile page nested a hundred
/// thousand levels deep must not overflow the thread's stack.
fn walk(root: NodeRef<'_, Node>, out: &mut String) {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        Leave,
    }
    let mut stack: Vec<Step<'_>> = root.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Leave => {
                out.push_str("\n\n");
                continue;
            }
            Step::Enter(node) => node,
        };
        match node.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                if BLOCKS.contains(&name) {
                    out.push_str("\n\n");
                    stack.push(Step::Leave);
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => stack.extend(node.children().rev().map(Step::Enter)),
        }
    }
}

/// Collapses runs of spaces within lines and runs of blank lines to one,
/// trimming each line.
pub fn normalise_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_lines = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        blank_lines = 0;
        let mut first = true;
        for word in words {
            if !first {
                out.push(' ');
            }
            out.push_str(word);
            first = false;
        }
    }
    out
}

/// A hash of the words of `parts` (hex SHA-256), insensitive to case,
/// whitespace and punctuation, so that the same text under different
/// markup hashes the same. Each part ends with its own separator, so words
/// moved from one part to the next change the hash. It names an item that
/// has nothing else to be known by, and is what a story's content hash
/// (`enrich::dedup::content_hash`) is made of.
pub fn words_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
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

/// `bytes` as lower-case hexadecimal, two digits a byte: how veille writes
/// every hash it keeps.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        write!(out, "{byte:02x}").expect("writing to a String cannot fail");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_survive_markup_does_not() {
        let html = "<p>Les  camions-citernes<br>sont bloqués.</p><script>alert(1)</script><p>À Diboli &amp; Kayes.</p>";
        assert_eq!(
            html_to_text(html),
            "Les camions-citernes\nsont bloqués.\n\nÀ Diboli & Kayes."
        );
    }

    #[test]
    fn entities_in_plain_text_are_decoded() {
        assert_eq!(
            maybe_html_to_text("Kédougou &eacute;t&eacute; &rsquo;"),
            "Kédougou été \u{2019}"
        );
        assert_eq!(
            maybe_html_to_text("AT&T; Sissoko & Frères"),
            "AT&T; Sissoko & Frères"
        );
    }

    #[test]
    fn a_fragment_too_deep_to_parse_keeps_its_words() {
        let deep = format!(
            "{}Gao : attaque{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let started = std::time::Instant::now();
        assert_eq!(html_to_text(&deep), "Gao : attaque");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let depth = 200_000;
        let html = format!("{}texte{}", "<span>".repeat(depth), "</span>".repeat(depth));
        // Run on a small stack to prove the walk is not recursive.
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let fragment = Html::parse_fragment(&html);
                let mut out = String::new();
                walk(fragment.tree.root(), &mut out);
                out
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(text, "texte");
    }

    #[test]
    fn plain_text_stays_plain() {
        assert_eq!(maybe_html_to_text("  a <b  \n\n\n c "), "a <b\n\nc");
    }
}
