//! Podcasting 2.0 JSON transcripts
//! (`{"version": …, "segments": [{"speaker", "startTime", "endTime", "body"}]}`).
//!
//! The format allows anything from one segment per monologue to one per
//! word, and speech-to-text services favour one per word for highlighting.
//! A word is useless as a search hit or an alert quote, so word-level
//! segments are merged back into phrases here.

use serde::{Deserialize, Deserializer};

use super::clean::{collapse_whitespace, decode_entities, parse_clock};
use super::{Segment, TranscriptError};

/// Longest merged text, in characters: about two caption lines, short
/// enough to quote in an alert.
const MERGE_MAX_CHARS: usize = 200;

/// Longest silence, in seconds, that a merged phrase may span; a longer
/// pause is usually a new thought even without punctuation.
const MERGE_MAX_GAP: f64 = 2.0;

#[derive(Deserialize)]
struct Document {
    segments: Vec<JsonSegment>,
}

#[derive(Deserialize)]
struct JsonSegment {
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default, rename = "startTime", deserialize_with = "seconds")]
    start_time: Option<f64>,
    #[serde(default, rename = "endTime", deserialize_with = "seconds")]
    end_time: Option<f64>,
    #[serde(default)]
    body: Option<String>,
}

/// Times are numbers in the spec, but producers also write `"12.5"` or
/// `"00:00:12.500"`; anything unreadable is treated as absent rather than
/// failing the whole transcript.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let seconds = match value {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => {
            let text = text.trim();
            text.parse::<f64>().ok().or_else(|| parse_clock(text))
        }
        _ => None,
    };
    Ok(seconds.filter(|s| s.is_finite() && *s >= 0.0))
}

pub(crate) fn parse(text: &str) -> Result<Vec<Segment>, TranscriptError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let document: Document =
        serde_json::from_str(text).map_err(|error| TranscriptError::Json(error.to_string()))?;
    let segments = document
        .segments
        .into_iter()
        .map(|segment| Segment {
            start: segment.start_time,
            end: segment.end_time,
            speaker: segment
                .speaker
                .map(|speaker| collapse_whitespace(&speaker))
                .filter(|speaker| !speaker.is_empty()),
            text: collapse_whitespace(&decode_entities(&segment.body.unwrap_or_default())),
        })
        .filter(|segment| !segment.text.is_empty())
        .collect();
    Ok(merge_words(segments))
}

/// Joins consecutive segments into phrases.
///
/// A segment is appended to the previous one when both have the same
/// speaker, the previous text does not end a sentence, the silence between
/// them is at most [`MERGE_MAX_GAP`] and the result stays within
/// [`MERGE_MAX_CHARS`]. The phrase keeps the first start and the last end.
/// Segments that are already phrases mostly end sentences or are long, so
/// they pass through unchanged.
fn merge_words(segments: Vec<Segment>) -> Vec<Segment> {
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    for segment in segments {
        if let Some(last) = merged.last_mut() {
            if can_merge(last, &segment) {
                if !segment.text.starts_with(is_closing_punctuation) {
                    last.text.push(' ');
                }
                last.text.push_str(&segment.text);
                last.start = last.start.or(segment.start);
                last.end = segment.end.or(last.end);
                continue;
            }
        }
        merged.push(segment);
    }
    merged
}

fn can_merge(last: &Segment, next: &Segment) -> bool {
    let gap_ok = match (last.end.or(last.start), next.start) {
        (Some(previous), Some(start)) => start - previous <= MERGE_MAX_GAP,
        _ => true,
    };
    last.speaker == next.speaker
        && gap_ok
        && !ends_sentence(&last.text)
        && last.text.chars().count() + 1 + next.text.chars().count() <= MERGE_MAX_CHARS
}

/// Whether `text` ends with sentence punctuation, looking past closing
/// quotes and brackets (`« Non. »`). The Arabic question mark counts too.
fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '»' | '”' | '’' | ')' | ']')
    })
    .ends_with(['.', '?', '!', '…', '؟'])
}

/// Punctuation that attaches to the previous word when words are joined.
fn is_closing_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '.' | ';' | ':' | '!' | '?' | ')' | ']' | '…' | '%' | '»' | '”' | '،' | '؟'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, speaker: Option<&str>, text: &str) -> Segment {
        Segment {
            start: Some(start),
            end: Some(end),
            speaker: speaker.map(str::to_owned),
            text: text.into(),
        }
    }

    #[test]
    fn merges_words_into_sentences() {
        let file = r#"{"version": "1.0.0", "segments": [
            {"speaker": "Awa", "startTime": 0.5, "endTime": 0.75, "body": "Bonjour"},
            {"speaker": "Awa", "startTime": "1", "endTime": "1.25", "body": ","},
            {"speaker": "Awa", "startTime": 1.5, "endTime": 2.0, "body": "Niamey.\n"},
            {"speaker": "Awa", "startTime": 2.25, "endTime": 2.5, "body": "Ici"},
            {"speaker": "Awa", "startTime": 5.0, "endTime": 5.5, "body": "Radio"},
            {"speaker": "Ali", "startTime": 5.6, "endTime": 6.0, "body": "مرحبا"},
            {"speaker": "Ali", "startTime": 6.1, "endTime": 6.5, "body": "  "},
            {"startTime": 7, "body": "Q&amp;A"}
        ]}"#;
        assert_eq!(
            parse(file).unwrap(),
            vec![
                seg(0.5, 2.0, Some("Awa"), "Bonjour, Niamey."),
                seg(2.25, 2.5, Some("Awa"), "Ici"),
                seg(5.0, 5.5, Some("Awa"), "Radio"),
                seg(5.6, 6.0, Some("Ali"), "مرحبا"),
                Segment {
                    start: Some(7.0),
                    end: None,
                    speaker: None,
                    text: "Q&A".into()
                },
            ]
        );
    }

    #[test]
    fn caps_merged_length() {
        let word = "mot ".repeat(20);
        let segments = (0..3)
            .map(|i| seg(f64::from(i), f64::from(i) + 0.5, None, word.trim()))
            .collect();
        let merged = merge_words(segments);
        assert_eq!(merged.len(), 2);
        assert!(
            merged
                .iter()
                .all(|s| s.text.chars().count() <= MERGE_MAX_CHARS)
        );
        assert_eq!((merged[0].start, merged[0].end), (Some(0.0), Some(1.5)));
    }

    #[test]
    fn sentence_ends_look_past_quotes() {
        assert!(ends_sentence("« Non. »"));
        assert!(ends_sentence("Pourquoi ?"));
        assert!(ends_sentence("لماذا؟"));
        assert!(!ends_sentence("Bonjour,"));
    }

    #[test]
    fn reports_malformed_documents() {
        let Err(TranscriptError::Json(message)) = parse(r#"{"version": "1.0.0"}"#) else {
            panic!("missing segments must fail");
        };
        assert!(message.contains("segments"), "{message}");
        assert!(matches!(parse("{"), Err(TranscriptError::Json(_))));
        assert_eq!(parse(r#"{"segments": []}"#), Ok(vec![]));
        let odd = r#"{"segments": [{"startTime": null, "endTime": "soon", "body": "x"}]}"#;
        assert_eq!(parse(odd).unwrap()[0].start, None);
    }
}
