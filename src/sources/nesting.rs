//! A cheap look at how deeply a page nests, before it is parsed.
//!
//! html5ever, under scraper, scans its stack of open elements for many start
//! tags (every `<div>`, `<section>`, `<ul>` first looks for an open `<p>`
//! to close), so parsing costs the number of elements times their depth:
//! 20,000 nested `<div>` take seconds, and a 10 MiB page of them (two
//! million) hours. No page a person reads is nested that deep; browsers
//! stop building the tree 512 levels down. So pages are scanned first, in
//! one linear pass, and one whose elements go deeper than that is refused
//! with a reason instead of parsed.
//!
//! The scan is an estimate, not the HTML tree builder: it tracks open
//! elements by name, skips comments and raw text (`<script>`, `<style>`…),
//! ignores void elements, and applies the implied end tags that sloppy but
//! real pages rely on (`<li>` after `<li>`, `<td>` after `<td>`, `<tr>`
//! closing an open cell, `<p>` after `<p>`), so that a page of unclosed
//! list items or table cells is not taken for a deep one.

/// Deepest nesting accepted, as in browsers (Blink and WebKit build no
/// deeper than 512 levels).
pub const MAX_DEPTH: usize = 512;

/// How far down the stack an end tag or an implied end is looked for. A
/// stray end tag matching nothing near the top is ignored, as the tree
/// builder mostly does, and the scan stays linear.
const SEARCH_WINDOW: usize = 24;

/// A page nests elements deeper than [`MAX_DEPTH`]; it is refused rather than
/// parsed, since a tree that deep only serves to exhaust the stack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("page nested more than {MAX_DEPTH} levels deep (a hostile or broken page); not parsed")]
pub struct TooDeep;

/// Elements without content or end tag.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Where an open `<p>` can be closed from: up to the nearest of these
/// (the HTML standard's "button scope").
const P_SCOPE: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "button",
];

/// Start tags that close an open `<p>` first.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "ul",
];

/// A start tag of `name` closes an open element of its group found above
/// the nearest boundary element (with whatever is open above that), after
/// closing an open `<p>` if it is in [`CLOSES_P`] or a list item.
fn implied_end(name: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    const TABLE: &[&str] = &["table"];
    Some(match name {
        "li" => (&["li"], &["ul", "ol", "menu"]),
        "dt" | "dd" => (&["dt", "dd"], &["dl"]),
        "td" | "th" => (&["td", "th"], &["tr", "table"]),
        "tr" => (&["tr"], TABLE),
        "thead" | "tbody" | "tfoot" => (&["thead", "tbody", "tfoot"], TABLE),
        "option" => (&["option"], &["select", "datalist"]),
        "optgroup" => (&["optgroup"], &["select"]),
        _ => return None,
    })
}

/// Refuses `html` if its elements nest deeper than [`MAX_DEPTH`].
pub fn check(html: &str) -> Result<(), TooDeep> {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    // svg and math elements close themselves with `/>`; HTML ones do not.
    let mut foreign = 0usize;
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|b| *b == b'<') {
        let start = at + offset + 1;
        let rest = &bytes[start..];
        if rest.starts_with(b"!--") {
            at = find(bytes, start + 3, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            at = tag_end(bytes, start);
            continue;
        }
        let closing = rest.starts_with(b"/");
        let name_start = start + usize::from(closing);
        let name = tag_name(&bytes[name_start..]);
        if name.is_empty() {
            at = start;
            continue;
        }
        at = tag_end(bytes, name_start);
        if closing {
            let window = open.len().saturating_sub(SEARCH_WINDOW);
            if let Some(position) = open[window..].iter().rposition(|open| *open == name) {
                for popped in open.drain(window + position..) {
                    foreign -= usize::from(is_foreign_root(&popped));
                }
            }
            continue;
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if foreign > 0 && at >= 2 && bytes[at - 2] == b'/' {
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let end_tag = format!("</{name}");
            at = find_ignoring_case(bytes, at, end_tag.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if CLOSES_P.contains(&name.as_str()) || matches!(name.as_str(), "li" | "dt" | "dd") {
            close_implied(&mut open, &mut foreign, &["p"], P_SCOPE);
        }
        if let Some((group, boundaries)) = implied_end(&name) {
            close_implied(&mut open, &mut foreign, group, boundaries);
        }
        foreign += usize::from(is_foreign_root(&name));
        open.push(name);
        if open.len() > MAX_DEPTH {
            return Err(TooDeep);
        }
    }
    Ok(())
}

/// Pops the nearest open element of `group`, and everything above it,
/// unless a boundary comes first.
fn close_implied(open: &mut Vec<String>, foreign: &mut usize, group: &[&str], boundaries: &[&str]) {
    let window = open.len().saturating_sub(SEARCH_WINDOW);
    let found = open[window..]
        .iter()
        .rev()
        .take_while(|open| !boundaries.contains(&open.as_str()))
        .position(|open| group.contains(&open.as_str()));
    if let Some(from_top) = found {
        let keep = open.len() - from_top - 1;
        for popped in open.drain(keep..) {
            *foreign -= usize::from(is_foreign_root(&popped));
        }
    }
}

fn is_foreign_root(name: &str) -> bool {
    name == "svg" || name == "math"
}

/// The tag name at the start of `bytes`, lower-cased; empty if `bytes` does
/// not start with a letter (then `<` is text).
fn tag_name(bytes: &[u8]) -> String {
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return String::new();
    }
    bytes
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && **b != b'/' && **b != b'>')
        .take(32)
        .map(|b| b.to_ascii_lowercase() as char)
        .collect()
}

/// Just past the `>` ending the tag begun before `from`, skipping quoted
/// attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (index, byte) in bytes[from..].iter().enumerate() {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(*byte),
            (Some(open), _) if open == *byte => quote = None,
            (None, b'>') => return from + index + 1,
            _ => {}
        }
    }
    bytes.len()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| from + position)
}

fn find_ignoring_case(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..]
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
        .map(|position| from + position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_pages_are_refused_quickly() {
        let deep = format!("<html><body>{}x</body></html>", "<div>".repeat(2_000_000));
        let started = std::time::Instant::now();
        assert_eq!(check(&deep), Err(TooDeep));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // `<div/>` is an open `<div>` in HTML.
        assert!(check(&"<div/>".repeat(MAX_DEPTH + 1)).is_err());
        let just = format!("{}x{}", "<section>".repeat(500), "</section>".repeat(500));
        assert_eq!(check(&just), Ok(()));
    }

    #[test]
    fn sloppy_real_pages_are_not_taken_for_deep_ones() {
        let rows = "<tr><td>Kayes<td>12<tr><th>Gao<td>3".repeat(2_000);
        let items = "<li><a href=/a>Ségou</a><li>Mopti".repeat(2_000);
        let paragraphs = "<p>Un paragraphe<p>Un autre<br><img src=x.png>".repeat(2_000);
        let defs = "<dt>Terme<dd>Définition<option>o".repeat(2_000);
        let icons = r#"<svg viewBox="0 0 1 1"><path d="M0"/><circle r="1"/></svg>"#.repeat(2_000);
        let scripts = "<script>for (;;) { s += '<div>'; }</script><!-- <div> -->".repeat(2_000);
        let quoted = r#"<a title="a > b <div>">x</a>"#.repeat(2_000);
        let closed = "<div><span><b>x</b></span></div>".repeat(2_000);
        for page in [
            rows, items, paragraphs, defs, icons, scripts, quoted, closed,
        ] {
            let page = format!("<!DOCTYPE html><html><body><table>{page}</table></body></html>");
            assert_eq!(check(&page), Ok(()), "{}", &page[..200]);
        }
    }

    #[test]
    fn stray_end_tags_and_text_brackets_are_harmless() {
        let page = "</div></p>a < b <3 <> x".repeat(10_000);
        assert_eq!(check(&page), Ok(()));
        let unclosed_comment = "<div><!-- never closed <div><div>";
        assert_eq!(check(unclosed_comment), Ok(()));
    }
}
