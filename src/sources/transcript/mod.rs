//! Radio and podcast transcripts to timed, attributed segments.
//!
//! Many stations cannot be monitored by reading articles: what a minister
//! said on air this morning exists only as audio and, increasingly, as the
//! transcript a podcast host publishes beside it (`<podcast:transcript>`).
//! Those transcripts come in the four Podcasting 2.0 formats plus plain
//! text, so this module turns each into the same thing: segments of plain
//! text with, when the format gives them, times (so an alert can point to
//! the minute) and speakers (so the quote is attributed).
//!
//! Formats differ in what they can express, not in what the caller gets:
//! a format without end times gets them from the next segment's start, and
//! segments that end up without text are dropped everywhere.

mod clean;
mod html;
mod json;
mod layout;
mod links;
mod plain;
mod speaker;
pub mod srt;
pub mod vtt;

pub use layout::{SegmentAt, layout, segment_at};
pub use links::transcript_links;

use std::fmt;

/// One stretch of speech.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// Seconds from the start of the broadcast, when the format gives times.
    pub start: Option<f64>,
    /// Seconds from the start of the broadcast when the segment ends; formats
    /// without end times get the next segment's start.
    pub end: Option<f64>,
    /// Who speaks, when the format names them.
    pub speaker: Option<String>,
    /// Plain text: markup removed, entities decoded, whitespace collapsed to single spaces, trimmed.
    pub text: String,
}

/// The transcript formats a podcast item can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TranscriptFormat {
    /// WebVTT (`text/vtt`), with voice tags for speakers.
    WebVtt,
    /// SubRip (`application/x-subrip`): times, no speakers.
    Srt,
    /// The Podcasting 2.0 JSON transcript, with speakers.
    Json,
    /// An HTML transcript page, speakers in `<cite>`.
    Html,
    /// Plain text; time stamps and speaker labels are read when the lines carry
    /// them.
    Text,
}

impl TranscriptFormat {
    /// From a MIME type as in `<podcast:transcript type="...">` or
    /// Content-Type (parameters like `;charset=` ignored, case-insensitive).
    ///
    /// SRT never got a registered type, so the three spellings seen in
    /// feeds are all accepted; `+json` covers vendor types built on JSON.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/vtt" => Some(Self::WebVtt),
            "application/x-subrip"
            | "application/srt"
            | "text/srt"
            | "application/x-srt"
            | "text/x-srt" => Some(Self::Srt),
            "application/json" | "text/json" => Some(Self::Json),
            "text/html" => Some(Self::Html),
            "text/plain" => Some(Self::Text),
            other if other.starts_with("application/") && other.ends_with("+json") => {
                Some(Self::Json)
            }
            _ => None,
        }
    }

    /// From a file extension without dot, case-insensitive: for transcript
    /// links whose server answers with a generic type.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "vtt" => Some(Self::WebVtt),
            "srt" => Some(Self::Srt),
            "json" => Some(Self::Json),
            "html" | "htm" => Some(Self::Html),
            "txt" => Some(Self::Text),
            _ => None,
        }
    }

    /// Guesses the format from content, for files served as
    /// `application/octet-stream` or `text/plain` regardless of what they
    /// hold. The checks go from the most to the least distinctive: a WebVTT
    /// signature cannot be anything else, while a leading `<` could be any
    /// markup.
    pub fn sniff(text: &str) -> Self {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text
            .strip_prefix("WEBVTT")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
        {
            return Self::WebVtt;
        }
        let content = text.trim_start();
        if content.starts_with('{') {
            return Self::Json;
        }
        // A preamble (title, credits) may come before the first cue. A lone
        // CR ends a line too (classic Mac files, which the SRT parser reads),
        // and `lines()` alone would see such a file as a single line.
        if content
            .lines()
            .flat_map(|line| line.split('\r'))
            .take(SNIFF_LINES)
            .any(|line| srt::parse_timing(line.trim()).is_some())
        {
            return Self::Srt;
        }
        if content.starts_with('<') {
            return Self::Html;
        }
        Self::Text
    }

    /// Rank when a podcast item offers several formats: higher is better.
    /// Times locate a quote and speakers attribute it, so timed with
    /// speakers (WebVTT, JSON) beats timed (SRT) beats untimed (HTML, then
    /// text, which may still carry written times).
    pub fn rank(self) -> u8 {
        match self {
            Self::WebVtt => 4,
            Self::Json => 3,
            Self::Srt => 2,
            Self::Html => 1,
            Self::Text => 0,
        }
    }

    /// Short name for logs, configuration and stored records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebVtt => "vtt",
            Self::Srt => "srt",
            Self::Json => "json",
            Self::Html => "html",
            Self::Text => "text",
        }
    }
}

impl fmt::Display for TranscriptFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How many lines [`TranscriptFormat::sniff`] reads looking for an SRT
/// timing line.
const SNIFF_LINES: usize = 30;

/// Why a transcript yielded nothing. Each message says what the operator
/// should check: the declared format, or the file itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscriptError {
    /// The file was declared WebVTT but lacks the `WEBVTT` header.
    #[error("not a WebVTT file: it must start with a \"WEBVTT\" line")]
    NotWebVtt,
    /// The file was declared SRT but has no timing line.
    #[error("not an SRT file: no timing line such as \"00:00:01,000 --> 00:00:04,000\" was found")]
    NotSrt,
    /// The JSON does not parse or lacks the `segments` list.
    #[error("malformed JSON transcript: {0}")]
    Json(String),
    /// The file parsed but holds no text.
    #[error("the transcript contains no text")]
    Empty,
}

/// Parses `text` (already decoded to UTF-8) as `format` into segments, in order, dropping segments with empty text.
///
/// A transcript without any text is an error rather than an empty list: a
/// station that publishes an empty file has a broken pipeline worth
/// reporting, and an empty success would hide it.
pub fn parse(text: &str, format: TranscriptFormat) -> Result<Vec<Segment>, TranscriptError> {
    let mut segments = match format {
        TranscriptFormat::WebVtt => vtt::parse_cues(text)?
            .into_iter()
            .map(|cue| {
                let (voice, text) = vtt::cue_text(&cue.text);
                // Without a voice span, a written `Name:` label is the only
                // attribution the cue has.
                let (speaker, text) = match voice {
                    Some(voice) => (Some(voice), text),
                    None => {
                        let (label, words) = speaker::split_speaker(&text);
                        (label, words.to_owned())
                    }
                };
                Segment {
                    start: Some(cue.start),
                    end: Some(cue.end),
                    speaker,
                    text,
                }
            })
            .collect(),
        TranscriptFormat::Srt => srt::parse(text)?,
        TranscriptFormat::Json => json::parse(text)?,
        TranscriptFormat::Html => html::parse(text),
        TranscriptFormat::Text => plain::parse(text),
    };
    segments.retain(|segment| !segment.text.is_empty());
    if segments.is_empty() {
        return Err(TranscriptError::Empty);
    }
    fill_missing_ends(&mut segments);
    Ok(segments)
}

/// Gives a segment without an end the next segment's start: speech runs
/// until the next speaker or paragraph begins, and a known end lets
/// callers compute durations and place quotes without special cases.
fn fill_missing_ends(segments: &mut [Segment]) {
    for index in 1..segments.len() {
        let next_start = segments[index].start;
        let segment = &mut segments[index - 1];
        if segment.end.is_none() {
            segment.end = next_start.filter(|&next| segment.start.is_none_or(|s| s <= next));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        use TranscriptFormat::*;
        for (media_type, format) in [
            ("text/vtt", Some(WebVtt)),
            ("Text/VTT; charset=utf-8", Some(WebVtt)),
            ("application/x-subrip", Some(Srt)),
            ("application/srt", Some(Srt)),
            ("text/srt;charset=UTF-8", Some(Srt)),
            ("application/json", Some(Json)),
            ("application/vnd.example+json", Some(Json)),
            ("text/html; charset=iso-8859-1", Some(Html)),
            ("text/plain", Some(Text)),
            ("application/octet-stream", None),
            ("", None),
        ] {
            assert_eq!(
                TranscriptFormat::from_media_type(media_type),
                format,
                "{media_type}"
            );
        }
    }

    #[test]
    fn extensions_names_and_ranks() {
        use TranscriptFormat::*;
        assert_eq!(TranscriptFormat::from_extension("VTT"), Some(WebVtt));
        assert_eq!(TranscriptFormat::from_extension("htm"), Some(Html));
        assert_eq!(TranscriptFormat::from_extension("txt"), Some(Text));
        assert_eq!(TranscriptFormat::from_extension("mp3"), None);
        let mut formats = [Text, Srt, Html, WebVtt, Json];
        formats.sort_by_key(|f| std::cmp::Reverse(f.rank()));
        assert_eq!(formats, [WebVtt, Json, Srt, Html, Text]);
        let names: Vec<String> = formats.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["vtt", "json", "srt", "html", "text"]);
    }

    #[test]
    fn sniffing() {
        use TranscriptFormat::*;
        for (text, format) in [
            ("\u{FEFF}WEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nx", WebVtt),
            ("WEBVTT", WebVtt),
            ("WEBVTTX\n", Text),
            ("  \n{\"segments\": []}", Json),
            ("1\r\n00:00:01,000 --> 00:00:04,000\r\nBonjour", Srt),
            ("Titre\n\n1\n0:00:01.000 --> 0:00:02.000 X1:1\nBonjour", Srt),
            ("1\r00:00:01,000 --> 00:00:04,000\rBonjour\r", Srt),
            ("<cite>Awa:</cite><p>Bonjour</p>", Html),
            ("\n<!DOCTYPE html>", Html),
            ("Awa: Bonjour", Text),
            ("", Text),
        ] {
            assert_eq!(TranscriptFormat::sniff(text), format, "{text:?}");
        }
    }

    #[test]
    fn vtt_speakers_come_from_voices_or_labels_without_carry_over() {
        let file = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Awa>Bonjour\n\n00:02.000 --> 00:03.000\nsuite\n\n00:03.000 --> 00:04.000\nAli: Salut\n\n00:04.000 --> 00:05.000\n<b></b>\n";
        let segments = parse(file, TranscriptFormat::WebVtt).unwrap();
        let speakers: Vec<Option<&str>> = segments.iter().map(|s| s.speaker.as_deref()).collect();
        assert_eq!(speakers, [Some("Awa"), None, Some("Ali")]);
        assert_eq!(segments[2].text, "Salut");
    }

    #[test]
    fn empty_transcripts_are_errors() {
        use TranscriptFormat::*;
        assert_eq!(parse("WEBVTT\n\n", WebVtt), Err(TranscriptError::Empty));
        assert_eq!(parse("", Srt), Err(TranscriptError::Empty));
        assert_eq!(parse("<p> </p>", Html), Err(TranscriptError::Empty));
        assert_eq!(parse(" \n\n ", Text), Err(TranscriptError::Empty));
        assert_eq!(
            parse(r#"{"segments": []}"#, Json),
            Err(TranscriptError::Empty)
        );
        assert_eq!(parse("Bonjour", WebVtt), Err(TranscriptError::NotWebVtt));
    }

    #[test]
    fn missing_ends_come_from_the_next_start() {
        let text = "[00:10] Un.\n[00:20] Deux.\nTrois.\n\nQuatre.\n\n[00:05] Cinq.";
        let segments = parse(text, TranscriptFormat::Text).unwrap();
        let times: Vec<(Option<f64>, Option<f64>)> =
            segments.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(
            times,
            [
                (Some(10.0), Some(20.0)),
                (Some(20.0), None),
                (None, Some(5.0)),
                (Some(5.0), None),
            ]
        );
    }

    #[test]
    fn segments_serialize_as_plain_records() {
        let segment = Segment {
            start: Some(1.5),
            end: None,
            speaker: Some("Awa".into()),
            text: "Bonjour".into(),
        };
        let json = serde_json::to_string(&segment).unwrap();
        assert_eq!(
            json,
            r#"{"start":1.5,"end":null,"speaker":"Awa","text":"Bonjour"}"#
        );
        assert_eq!(serde_json::from_str::<Segment>(&json).unwrap(), segment);
    }
}
