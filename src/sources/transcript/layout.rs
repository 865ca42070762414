//! From timed segments to a document's text, remembering where each
//! segment's words landed so that a search hit in the text can be turned
//! back into a time code.

use super::Segment;

/// Where a segment sits in the document text, with its time and speaker.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentAt {
    /// Byte offset of the segment's first character in the document text.
    pub offset: usize,
    /// The segment's start in seconds, when the transcript is timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// The segment's end in seconds, when the transcript is timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<f64>,
    /// Who speaks in the segment, when the transcript says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
}

/// The document text of a transcript: a paragraph per speaker turn, which
/// reads like a transcript and gives the extractor-free text the language
/// detector and the tagger need; and each segment's place in it.
pub fn layout(segments: &[Segment]) -> (String, Vec<SegmentAt>) {
    let mut text = String::new();
    let mut places = Vec::with_capacity(segments.len());
    let mut previous_speaker: Option<&str> = None;
    for (index, segment) in segments.iter().enumerate() {
        let speaker = segment.speaker.as_deref();
        if index > 0 {
            text.push_str(if speaker != previous_speaker {
                "\n\n"
            } else {
                " "
            });
        }
        places.push(SegmentAt {
            offset: text.len(),
            start: segment.start,
            end: segment.end,
            speaker: segment.speaker.clone(),
        });
        text.push_str(&segment.text);
        previous_speaker = speaker;
    }
    (text, places)
}

/// The segment the byte `offset` of the text falls in.
pub fn segment_at(places: &[SegmentAt], offset: usize) -> Option<&SegmentAt> {
    let after = places.partition_point(|place| place.offset <= offset);
    places.get(after.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: f64, speaker: &str, text: &str) -> Segment {
        Segment {
            start: Some(start),
            end: Some(start + 2.0),
            speaker: (!speaker.is_empty()).then(|| speaker.to_owned()),
            text: text.to_owned(),
        }
    }

    #[test]
    fn turns_become_paragraphs_and_offsets_point_back() {
        let segments = [
            segment(0.0, "Présentateur", "Bonjour, voici le journal."),
            segment(2.5, "Présentateur", "À Nioro du Sahel,"),
            segment(5.0, "Correspondant", "la route est coupée."),
        ];
        let (text, places) = layout(&segments);
        assert_eq!(
            text,
            "Bonjour, voici le journal. À Nioro du Sahel,\n\nla route est coupée."
        );
        let nioro = text.find("Nioro").unwrap();
        assert_eq!(segment_at(&places, nioro).unwrap().start, Some(2.5));
        let route = text.find("route").unwrap();
        let at = segment_at(&places, route).unwrap();
        assert_eq!(
            (at.start, at.speaker.as_deref()),
            (Some(5.0), Some("Correspondant"))
        );
        assert_eq!(segment_at(&places, 0).unwrap().start, Some(0.0));
        assert!(segment_at(&[], 3).is_none());
    }
}
