//! The transcript parsers on public test data: the Podcasting 2.0 example
//! transcripts (the same episode in each format a feed can link with
//! `<podcast:transcript>`) and the "SubRip subtitles capability tester"
//! (ale5000), which packs most SRT oddities players meet into 37 cues. Neither
//! has a machine-readable expectation, so the facts checked were read off
//! the files.

use veille::sources::transcript::{Segment, TranscriptFormat, parse};

use crate::support::shared_data;

fn example(extension: &str) -> Vec<Segment> {
    let path = shared_data()
        .join("podcast-transcripts")
        .join(format!("example.{extension}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let format = TranscriptFormat::from_extension(extension).expect("known extension");
    assert_eq!(
        TranscriptFormat::sniff(&text),
        format,
        "sniffing {extension}"
    );
    let segments = parse(&text, format).unwrap_or_else(|error| panic!("{extension}: {error}"));
    assert!(!segments.is_empty());
    for segment in &segments {
        assert!(segment.start.is_some(), "{extension}: untimed {segment:?}");
        assert!(!segment.text.is_empty());
    }
    segments
}

#[test]
fn json_words_merge_into_sentences() {
    let segments = example("json");
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].speaker.as_deref(), Some("Darth Vader"));
    assert_eq!(segments[0].text, "I am your father.");
    assert_eq!((segments[0].start, segments[0].end), (Some(0.5), Some(2.5)));
    assert_eq!(segments[1].speaker.as_deref(), Some("Luke"));
    assert_eq!(segments[1].text, "Nooooo");
    assert_eq!(
        (segments[1].start, segments[1].end),
        (Some(2.75), Some(3.0))
    );
}

#[test]
fn vtt_voices_name_speakers() {
    let segments = example("vtt");
    assert_eq!(segments.len(), 7);
    assert!(segments.iter().all(|s| s.speaker.is_some()));
    assert_eq!(segments[0].speaker.as_deref(), Some("Sarah"));
    assert_eq!(
        (segments[0].start, segments[0].end),
        (Some(0.0), Some(2.76))
    );
    assert_eq!(
        segments[0].text,
        "In today's episode, you'll learn whether or not you"
    );
    assert!(segments[2].text.contains("Welcome to Podcasting Q&A,"));
    assert_eq!(segments[5].speaker.as_deref(), Some("Gillian"));
    assert_eq!(segments[5].start, Some(19.08));
    assert_eq!(segments[6].end, Some(25.35));
}

#[test]
fn html_cites_and_times_attribute_paragraphs() {
    let segments = example("html");
    assert_eq!(segments.len(), 10);
    assert!(segments.iter().all(|s| s.speaker.is_some()));
    assert_eq!(segments[0].speaker.as_deref(), Some("Travis"));
    assert_eq!(
        (segments[0].start, segments[0].end),
        (Some(0.0), Some(53.0))
    );
    assert!(
        segments[0]
            .text
            .starts_with("When you first get started in podcasting, it's almost")
    );
    assert_eq!(segments[1].speaker.as_deref(), Some("Sarah"));
    assert_eq!(segments[3].speaker.as_deref(), Some("Gilon"));
    assert_eq!(segments[3].start, Some(219.0));
    // <time>11:31</time>, the last paragraph, ends with the file.
    assert_eq!((segments[9].start, segments[9].end), (Some(691.0), None));
    assert!(segments.iter().all(|s| !s.text.contains("&#39;")));
}

#[test]
fn srt_labels_name_speakers() {
    let segments = example("srt");
    assert_eq!(segments.len(), 222);
    assert_eq!(segments[0].speaker.as_deref(), Some("Travis"));
    assert_eq!(
        segments[0].text,
        "When you first get started in podcasting, it's"
    );
    assert_eq!(
        (segments[0].start, segments[0].end),
        (Some(0.179), Some(2.399))
    );
    let labelled: Vec<(f64, &str)> = segments
        .iter()
        .filter_map(|s| Some((s.start?, s.speaker.as_deref()?)))
        .collect();
    // The ten speaker turns of the HTML version, each about when the HTML
    // says it starts.
    let turns: Vec<&str> = labelled.iter().map(|(_, name)| *name).collect();
    assert_eq!(
        turns,
        [
            "Travis", "Sarah", "Travis", "Gilon", "Travis", "Gilon", "Travis", "Sarah", "Gilon",
            "Travis"
        ]
    );
    assert_eq!(labelled[1].0, 53.03);
    assert_eq!(
        segments[221].text,
        "best thing to do is to batch your episodes."
    );
    assert_eq!(segments[221].end, Some(754.769));
}

// --- SRT capability tester ---

fn tester() -> Vec<Segment> {
    let path = shared_data().join("srt/capability_tester.srt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    assert!(text.contains("\r\n"), "the fixture is meant to be CRLF");
    assert_eq!(TranscriptFormat::sniff(&text), TranscriptFormat::Srt);
    parse(&text, TranscriptFormat::Srt).expect("the tester parses")
}

fn times(segment: &Segment) -> (Option<f64>, Option<f64>) {
    (segment.start, segment.end)
}

#[test]
fn every_cue_is_kept_in_order() {
    let segments = tester();
    assert_eq!(segments.len(), 37);
    assert_eq!(times(&segments[0]), (Some(0.0), Some(0.0)));
    assert_eq!(
        segments[0].text,
        "Don't show this text it may be used to insert hidden data"
    );
    assert_eq!(times(&segments[36]), (Some(66.501), Some(68.5)));
    assert_eq!(
        segments[36].text,
        "Both line should be strikethrough but the wrong closing tag should be showed"
    );
    // Overlapping cues stay in file order, not start order.
    assert_eq!(times(&segments[21]), (Some(33.5), Some(35.5)));
    assert_eq!(times(&segments[30]), (Some(54.501), Some(56.5)));
    assert!(segments.iter().all(|s| s.speaker.is_none()));
}

#[test]
fn zero_length_cues_with_text_are_kept() {
    let segments = tester();
    let zero: Vec<&str> = segments
        .iter()
        .filter(|s| s.start == s.end)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        zero,
        [
            "Don't show this text it may be used to insert hidden data",
            "Hidden"
        ]
    );
}

#[test]
fn coordinates_after_the_timing_are_ignored() {
    let segments = tester();
    assert_eq!(times(&segments[9]), (Some(21.501), Some(22.5)));
    assert_eq!(
        segments[9].text,
        "This text should NOT be in the normal position"
    );
}

#[test]
fn markup_is_gone_and_text_survives() {
    let segments = tester();
    for segment in &segments {
        let text = &segment.text;
        assert!(!text.contains("{\\"), "override left in {text:?}");
        assert!(
            !text.contains("\\N") && !text.contains("\\h"),
            "escape left in {text:?}"
        );
        // `<` stays only where it is the caption's own text (`2<3`, a lone
        // `<`), never opening a tag.
        let tag = text.match_indices('<').any(|(at, _)| {
            let after = text[at + 1..].trim_start_matches('/');
            after.starts_with(|c: char| c.is_ascii_alphabetic())
        });
        assert!(!tag, "tag left in {text:?}");
        assert_eq!(text.trim(), text);
        assert!(!text.contains("  "), "uncollapsed spaces in {text:?}");
    }
    assert_eq!(
        segments[19].text,
        "This could be the most difficult thing to implement"
    );
    assert!(
        segments[4]
            .text
            .contains("accent: È 日本語 This text should be bold")
    );
    assert!(
        segments[7]
            .text
            .contains("underlined without problems also: 2<3,5>1,4<6 This")
    );
    assert_eq!(
        segments[28].text,
        "Hide these tags: also hide these tags: but show this: {normal text}"
    );
    assert!(segments[29].text.ends_with(
        "The line will never break automatically right before or after a hard space. :-D"
    ));
    assert!(
        segments[32]
            .text
            .ends_with("5 normal spaces between letters: A A ^--Forced line break")
    );
}
