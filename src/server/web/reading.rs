//! Texts cut into the pieces a template shows: plain runs and marked runs
//! (matched words, entity mentions), each escaped by the template. Nothing
//! here writes markup, so a feed's text can never become any.

use serde::Serialize;

use crate::archive::{DocumentView, Snippet};
use crate::store::DocumentTranscript;

/// A run of text, marked or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Piece {
    pub text: String,
    /// For a mention: the entity.
    pub entity: Option<MentionOf>,
    /// For a snippet: a word that matched.
    pub mark: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MentionOf {
    pub id: String,
    pub name: String,
    /// `armed_group`, `place`…: the colour.
    pub kind: String,
}

/// A paragraph, or a transcript's segment with when it was said.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Block {
    pub pieces: Vec<Piece>,
    pub time: Option<TimeRef>,
    pub speaker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TimeRef {
    /// `00:12:34`.
    pub label: String,
    /// The recording at that moment, if known.
    pub audio: Option<String>,
}

fn plain(text: &str) -> Piece {
    Piece {
        text: text.to_owned(),
        entity: None,
        mark: false,
    }
}

/// A snippet's text with its matched words marked.
pub(crate) fn snippet(snippet: &Snippet) -> Vec<Piece> {
    let chars: Vec<(usize, char)> = snippet.text.char_indices().collect();
    let byte = |at: usize| chars.get(at).map_or(snippet.text.len(), |(byte, _)| *byte);
    let mut pieces = Vec::new();
    let mut at = 0;
    for &(start, end) in &snippet.highlights {
        let (start, end) = (byte(start), byte(end));
        if start < at || end <= start {
            continue;
        }
        if start > at {
            pieces.push(plain(&snippet.text[at..start]));
        }
        pieces.push(Piece {
            text: snippet.text[start..end].to_owned(),
            entity: None,
            mark: true,
        });
        at = end;
    }
    if at < snippet.text.len() {
        pieces.push(plain(&snippet.text[at..]));
    }
    pieces
}

/// A mention as byte offsets into its field.
struct Span {
    start: usize,
    end: usize,
    entity: usize,
}

/// The mentions of `field` (`title` or `text`) as byte spans, in order,
/// overlaps dropped (the earlier, then longer, one wins).
fn spans(view: &DocumentView, field: &str, text: &str) -> Vec<Span> {
    let mut bytes: Vec<usize> = text.char_indices().map(|(byte, _)| byte).collect();
    bytes.push(text.len());
    let byte = |at: usize| bytes.get(at).copied().unwrap_or(text.len());
    let mut spans: Vec<Span> = view
        .entity_mentions
        .iter()
        .enumerate()
        .flat_map(|(entity, mentions)| {
            mentions
                .mentions
                .iter()
                .filter(|mention| mention.field == field)
                .map(move |mention| (entity, mention))
        })
        .map(|(entity, mention)| Span {
            start: byte(mention.start),
            end: byte(mention.end),
            entity,
        })
        .collect();
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        if kept.last().is_none_or(|last| span.start >= last.end) && span.end > span.start {
            kept.push(span);
        }
    }
    kept
}

/// `text[range]` cut at the mentions inside it.
fn pieces(
    view: &DocumentView,
    text: &str,
    spans: &[Span],
    range: std::ops::Range<usize>,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut at = range.start;
    for span in spans
        .iter()
        .filter(|span| span.start >= range.start && span.end <= range.end)
    {
        if span.start > at {
            pieces.push(plain(&text[at..span.start]));
        }
        let entity = &view.entity_mentions[span.entity];
        pieces.push(Piece {
            text: text[span.start..span.end].to_owned(),
            entity: Some(MentionOf {
                id: entity.id.clone(),
                name: entity.name.clone(),
                kind: entity.kind.clone(),
            }),
            mark: false,
        });
        at = span.end;
    }
    if at < range.end {
        pieces.push(plain(&text[at..range.end]));
    }
    pieces
}

/// The title with its mentions marked.
pub(crate) fn title(view: &DocumentView) -> Vec<Piece> {
    let title = &view.document.title;
    let spans = spans(view, "title", title);
    pieces(view, title, &spans, 0..title.len())
}

/// The text as blocks: a transcript's segments with their time codes, else
/// paragraphs.
pub(crate) fn body(view: &DocumentView) -> Vec<Block> {
    let text = &view.document.text;
    let spans = spans(view, "text", text);
    let block = |range: std::ops::Range<usize>| {
        // Trim inside the range so offsets stay true.
        let slice = &text[range.clone()];
        let start = range.start + (slice.len() - slice.trim_start().len());
        let end = range.start + slice.trim_end().len();
        (start < end).then(|| pieces(view, text, &spans, start..end))
    };
    if let Some(transcript) = view
        .document
        .transcript
        .as_ref()
        .filter(|transcript| !transcript.segments.is_empty())
    {
        return segments(transcript, text.len())
            .into_iter()
            // A record from another version could hold an offset inside a
            // character; such a segment is left out, not a panic.
            .filter(|(range, _, _)| {
                text.is_char_boundary(range.start) && text.is_char_boundary(range.end)
            })
            .filter_map(|(range, time, speaker)| {
                Some(Block {
                    pieces: block(range)?,
                    time,
                    speaker,
                })
            })
            .collect();
    }
    let mut blocks = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices('\n').chain([(text.len(), "")]) {
        if let Some(pieces) = block(start..at) {
            blocks.push(Block {
                pieces,
                time: None,
                speaker: None,
            });
        }
        start = (at + 1).min(text.len());
    }
    blocks
}

type Segment = (std::ops::Range<usize>, Option<TimeRef>, Option<String>);

/// Each segment's byte range in the text, time code and speaker.
fn segments(transcript: &DocumentTranscript, text_len: usize) -> Vec<Segment> {
    let segments = &transcript.segments;
    segments
        .iter()
        .enumerate()
        .map(|(index, segment)| {
            let end = segments
                .get(index + 1)
                .map_or(text_len, |next| next.offset)
                .clamp(segment.offset.min(text_len), text_len);
            let time = transcript.timecode_at(segment.offset).map(|code| TimeRef {
                label: code.label,
                // Only a link a browser may follow (never `javascript:`).
                audio: code
                    .audio_link
                    .as_deref()
                    .map(crate::alerts::digest::link)
                    .filter(|link| !link.is_empty()),
            });
            (
                segment.offset.min(text_len)..end,
                time,
                segment.speaker.clone(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_pieces_follow_character_offsets() {
        let snippet = Snippet {
            text: "…à Diboli, <b>blocus</b> total".to_owned(),
            highlights: vec![(3, 9), (14, 20)],
            html: String::new(),
            position: None,
        };
        let pieces = snippet_pieces(&snippet);
        let marked: Vec<&str> = pieces
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["Diboli", "blocus"]);
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, snippet.text, "nothing lost or added");
    }

    fn snippet_pieces(snippet: &Snippet) -> Vec<Piece> {
        super::snippet(snippet)
    }
}
