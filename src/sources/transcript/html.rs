//! Podcasting 2.0 HTML transcripts: `<cite>Speaker:</cite>`,
//! `<time>0:00</time>`, `<p>words</p>`, repeated.
//!
//! The format is a convention rather than a schema, so elements are read
//! in document order as a running state: a `<cite>` names whoever speaks
//! in the following paragraphs, a `<time>` dates the next paragraph only.
//! Pages that do not follow the convention at all (no `<p>`) still have
//! words worth keeping, and fall back to the plain-text reading.

use scraper::{ElementRef, Html};

use super::clean::{collapse_whitespace, parse_clock};
use super::{Segment, plain};
use crate::sources::text::html_to_text;

/// Elements whose text is never transcript.
const SKIPPED: &[&str] = &["script", "style", "template", "head", "title", "noscript"];

/// Nesting deeper than this is not a transcript but a hostile page; the
/// walk stops there rather than run out of stack.
const MAX_DEPTH: usize = 128;

pub(crate) fn parse(text: &str) -> Vec<Segment> {
    // Too deep to parse in reasonable time: its words, as plain text.
    if crate::sources::nesting::check(text).is_err() {
        return plain::parse(&html_to_text(text));
    }
    let html = Html::parse_fragment(text);
    let mut walk = Walk::default();
    walk.visit(html.root_element(), 0);
    if walk.found_paragraph {
        return walk.segments;
    }
    plain::parse(&html_to_text(text))
}

#[derive(Default)]
struct Walk {
    speaker: Option<String>,
    start: Option<f64>,
    segments: Vec<Segment>,
    found_paragraph: bool,
}

impl Walk {
    fn visit(&mut self, element: ElementRef<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in element.children().filter_map(ElementRef::wrap) {
            match child.value().name() {
                "cite" => self.speaker = speaker_label(child),
                "time" => self.start = time_value(child).or(self.start),
                "p" => self.paragraph(child),
                name if SKIPPED.contains(&name) => {}
                _ => self.visit(child, depth + 1),
            }
        }
    }

    /// Emits one segment for a `<p>`. A `<cite>` or `<time>` inside the
    /// paragraph (some generators nest them) applies to it, not its text.
    fn paragraph(&mut self, paragraph: ElementRef<'_>) {
        self.found_paragraph = true;
        let mut text = String::new();
        self.inline(paragraph, &mut text, 0);
        let text = collapse_whitespace(&text);
        let start = self.start.take();
        if !text.is_empty() {
            self.segments.push(Segment {
                start,
                end: None,
                speaker: self.speaker.clone(),
                text,
            });
        }
    }

    fn inline(&mut self, element: ElementRef<'_>, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in element.children() {
            if let Some(text) = child.value().as_text() {
                out.push_str(text);
                continue;
            }
            let Some(child) = ElementRef::wrap(child) else {
                continue;
            };
            match child.value().name() {
                "cite" => self.speaker = speaker_label(child),
                "time" => {
                    let shown = child.text().collect::<String>();
                    let clock = parse_clock(shown.trim());
                    if self.start.is_none() {
                        self.start = clock.or_else(|| datetime(child));
                    }
                    // Words inside `<time>` ("five minutes in") are speech.
                    if clock.is_none() {
                        self.inline(child, out, depth + 1);
                    }
                }
                "br" => out.push(' '),
                name if SKIPPED.contains(&name) => {}
                _ => {
                    // Nested blocks would otherwise glue words together.
                    out.push(' ');
                    self.inline(child, out, depth + 1);
                    out.push(' ');
                }
            }
        }
    }
}

/// `<cite>Alban :</cite>` names Alban.
fn speaker_label(cite: ElementRef<'_>) -> Option<String> {
    let label = collapse_whitespace(&cite.text().collect::<String>());
    let label = label.trim_end_matches([':', ' ', '\u{A0}']);
    (!label.is_empty()).then(|| label.to_owned())
}

/// `<time>1:42</time>`, or the `datetime` attribute when the visible text
/// is not a clock reading.
fn time_value(time: ElementRef<'_>) -> Option<f64> {
    let shown = time.text().collect::<String>();
    parse_clock(shown.trim()).or_else(|| datetime(time))
}

fn datetime(time: ElementRef<'_>) -> Option<f64> {
    parse_clock(time.value().attr("datetime")?.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: Option<f64>, speaker: Option<&str>, text: &str) -> Segment {
        Segment {
            start,
            end: None,
            speaker: speaker.map(str::to_owned),
            text: text.into(),
        }
    }

    #[test]
    fn deep_nesting_is_read_without_recursing_into_it() {
        // Past MAX_DEPTH the walk stops; the words are still read, by the
        // plain-text fallback, which walks without recursion.
        let deep = format!(
            "{}<p>fond</p>{}",
            "<div>".repeat(2_000),
            "</div>".repeat(2_000)
        );
        let segments = parse(&deep);
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].text, "fond");
    }

    #[test]
    fn reads_cite_time_paragraph_runs() {
        let page = "<cite>Kevin:</cite>\n<time>0:00</time>\n<p>\n  We have an\n  update &amp; more</p>\n<p>Second <b>paragraph</b><br>here</p>\n<cite>Fatimata\u{A0}:</cite><time>1:02:03</time><p>C&#39;est l&rsquo;été.</p><cite>علي:</cite><p>شكرا</p>";
        assert_eq!(
            parse(page),
            vec![
                seg(Some(0.0), Some("Kevin"), "We have an update & more"),
                seg(None, Some("Kevin"), "Second paragraph here"),
                seg(Some(3723.0), Some("Fatimata"), "C'est l’été."),
                seg(None, Some("علي"), "شكرا"),
            ]
        );
    }

    #[test]
    fn handles_nested_and_full_documents() {
        let page = "<!DOCTYPE html><html><head><title>Épisode 12</title><style>p{}</style></head><body><div><p><cite>Awa:</cite> <time datetime=\"0:05\">cinq secondes</time> Bonjour</p></div></body></html>";
        assert_eq!(
            parse(page),
            vec![seg(Some(5.0), Some("Awa"), "cinq secondes Bonjour")]
        );
    }

    #[test]
    fn falls_back_to_plain_text_without_paragraphs() {
        let page = "<div>Awa: Bonjour</div><div>[00:10] Ali: Salut<br>à tous</div>";
        let segments = parse(page);
        assert_eq!(segments.len(), 2, "{segments:?}");
        assert_eq!(segments[0].speaker.as_deref(), Some("Awa"));
        assert_eq!(segments[1].start, Some(10.0));
        assert_eq!(segments[1].text, "Salut à tous");
    }
}
