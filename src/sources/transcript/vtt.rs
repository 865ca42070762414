//! WebVTT, following the W3C file parsing algorithm
//! (<https://www.w3.org/TR/webvtt1/#file-parsing>) for cues, except on
//! the points below, where it follows vtt.js, the reference this crate is
//! tested against.
//!
//! WebVTT is what Apple Podcasts ingests and what most podcast hosts emit,
//! and the spec defines recovery for every malformed input. Following that
//! algorithm step by step (rather than a regex over blocks) means a broken
//! cue costs that cue only. Regions, style sheets and cue settings are
//! layout; they are recognised only so they can be skipped.
//!
//! Where vtt.js's test suite shows it disagreeing with the current W3C
//! text, this parser does what vtt.js does:
//! - the header runs to the first blank line, so a timing line right
//!   under `WEBVTT` is part of the header, not a cue;
//! - a block whose timing line is malformed is discarded up to the next
//!   blank line, even if a valid timing line follows inside it;
//! - in a two-field timestamp the first field is minutes whatever its
//!   number of digits (`000:00.000` is 0 s), unless it exceeds 59, in
//!   which case the fields are hours and minutes (`120:00.000` is 120 h).
//!
//! Everything else (line splitting, ids, payloads, the `-->` that ends a
//! cue without a blank line, field ranges) follows the spec.

use super::TranscriptError;
use super::clean::{collapse_whitespace, decode_entities, digits};

/// A cue as the WebVTT parsing algorithm yields it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// The cue identifier line; empty when the cue has none.
    pub id: String,
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// raw cue payload text, markup kept
    pub text: String,
}

/// The marker that makes a line a timing line, wherever it appears.
const ARROW: &str = "-->";

/// Runs the WebVTT file parsing algorithm and returns its cues in file
/// order, empty payloads included (they are cues all the same).
pub fn parse_cues(text: &str) -> Result<Vec<Cue>, TranscriptError> {
    let input = preprocess(text);
    // Decoders drop one byte order mark before the parser sees the text.
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(&input);
    let signed = input
        .strip_prefix("WEBVTT")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n']));
    if !signed {
        return Err(TranscriptError::NotWebVtt);
    }
    // After preprocessing LF is the only terminator, so the spec's position
    // pointer can walk whole lines. A final LF leaves an empty last line,
    // which every step below treats like the end of input.
    let lines: Vec<&str> = input.split('\n').collect();
    let mut cues = Vec::new();
    // The rest of the signature line is free text.
    let mut at = 1;
    if at >= lines.len() {
        return Ok(cues);
    }
    // Header: every line up to the first blank one, timing lines included
    // (vtt.js; the spec would end the header at a timing line).
    at = skip_blank_lines(&lines, next_blank_line(&lines, at));
    while at < lines.len() {
        let (cue, next) = collect_block(&lines, at);
        cues.extend(cue);
        at = skip_blank_lines(&lines, next);
    }
    Ok(cues)
}

/// Applies the spec's preprocessing: NUL becomes U+FFFD and CRLF/CR become
/// LF, so files from any platform split into the same lines.
fn preprocess(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            c => out.push(c),
        }
    }
    out
}

fn next_blank_line(lines: &[&str], mut at: usize) -> usize {
    while at < lines.len() && !lines[at].is_empty() {
        at += 1;
    }
    at
}

fn skip_blank_lines(lines: &[&str], mut at: usize) -> usize {
    while at < lines.len() && lines[at].is_empty() {
        at += 1;
    }
    at
}

/// The spec's "collect a WebVTT block" (after the header): reads one block
/// starting at line `at` and returns its cue, if it is a well-formed cue,
/// and the line to continue from.
///
/// Blocks are not simply "up to the next blank line": a line containing
/// `-->` that cannot belong to this block (a second timing line) ends it
/// and starts the next one, which is how a missing blank line between cues
/// is survived. A malformed timing line, though, costs the whole block up
/// to the next blank line, as in vtt.js. Comment, style and region blocks
/// never produce a cue, so they need no case of their own here.
fn collect_block(lines: &[&str], mut at: usize) -> (Option<Cue>, usize) {
    let mut line_count = 0;
    let mut previous = at;
    let mut buffer = String::new();
    let mut seen_arrow = false;
    let mut cue: Option<Cue> = None;
    while let Some(line) = lines.get(at) {
        at += 1;
        line_count += 1;
        if line.contains(ARROW) {
            if line_count == 1 || (line_count == 2 && !seen_arrow) {
                let Some((start, end)) = parse_timings(line) else {
                    return (None, next_blank_line(lines, at));
                };
                seen_arrow = true;
                previous = at;
                cue = Some(Cue {
                    id: std::mem::take(&mut buffer),
                    start,
                    end,
                    text: String::new(),
                });
            } else {
                at = previous;
                break;
            }
        } else if line.is_empty() {
            break;
        } else {
            if !buffer.is_empty() {
                buffer.push('\n');
            }
            buffer.push_str(line);
            previous = at;
        }
    }
    let cue = cue.map(|cue| Cue {
        text: buffer,
        ..cue
    });
    (cue, at)
}

/// The spec's "collect WebVTT cue timings and settings", keeping the times.
/// Settings only position the caption on screen, so they are not parsed.
fn parse_timings(line: &str) -> Option<(f64, f64)> {
    let rest = line.trim_start_matches(is_vtt_space);
    let (start, rest) = timestamp(rest)?;
    let rest = rest.trim_start_matches(is_vtt_space).strip_prefix(ARROW)?;
    let (end, _settings) = timestamp(rest.trim_start_matches(is_vtt_space))?;
    Some((start, end))
}

/// ASCII whitespace as the spec's "skip whitespace" means it.
fn is_vtt_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0C' | '\r')
}

/// "Collect a WebVTT timestamp" as vtt.js reads it: `h…h:mm:ss.ttt`, or
/// with two fields `m…m:ss.ttt`, or `h…h:mm.ttt` when the first field
/// exceeds 59 (the spec would require seconds after hours, and hours for
/// a first field that is not two digits). Returns the seconds and the
/// unread rest of `text`.
fn timestamp(text: &str) -> Option<(f64, &str)> {
    let (first, rest) = digits(text)?;
    let rest = rest.strip_prefix(':')?;
    let (second, rest) = digits(rest)?;
    if second.len() != 2 {
        return None;
    }
    let (hours, minutes, seconds, rest) = if let Some(rest) = rest.strip_prefix(':') {
        let (third, rest) = digits(rest)?;
        if third.len() != 2 {
            return None;
        }
        (value(first), value(second), value(third), rest)
    } else if value(first) > 59.0 {
        (value(first), value(second), 0.0, rest)
    } else {
        (0.0, value(first), value(second), rest)
    };
    let (fraction, rest) = digits(rest.strip_prefix('.')?)?;
    if fraction.len() != 3 || minutes > 59.0 || seconds > 59.0 {
        return None;
    }
    let total = hours * 3600.0 + minutes * 60.0 + seconds + value(fraction) / 1000.0;
    // Some 310 digits of hours make infinity, which is no time at all (and
    // would be stored as null): such a timing line is malformed.
    total.is_finite().then_some((total, rest))
}

/// Digit strings can be arbitrarily long (hours are unbounded), so they are
/// read as floats rather than risking integer overflow.
fn value(digits: &str) -> f64 {
    digits
        .bytes()
        .fold(0.0, |acc, b| acc * 10.0 + f64::from(b - b'0'))
}

/// Cue payload to (speaker from the first `<v Name>` voice span, plain text with tags removed and
/// `&amp;` `&lt;` `&gt;` `&nbsp;` `&lrm;` `&rlm;` and numeric refs decoded).
///
/// Tags are delimited as the cue text tokenizer delimits them: from `<` to
/// the next `>` or the end of the payload, so a stray `<` swallows the rest
/// just as it would in a browser. Only the first named voice counts, since
/// a segment carries one speaker and the opening voice is who is talking.
pub fn cue_text(payload: &str) -> (Option<String>, String) {
    let mut speaker = None;
    let mut text = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag = &rest[open + 1..];
        let (inner, after) = match tag.find('>') {
            Some(close) => (&tag[..close], &tag[close + 1..]),
            None => (tag, ""),
        };
        if speaker.is_none() {
            speaker = voice_annotation(inner);
        }
        rest = after;
    }
    text.push_str(rest);
    (speaker, collapse_whitespace(&decode_entities(&text)))
}

/// The annotation of a `<v>` start tag (`v Name`, `v.loud Name`), i.e. the
/// speaker's name, when there is one.
fn voice_annotation(tag: &str) -> Option<String> {
    let after_v = tag.strip_prefix('v')?;
    let name_end = after_v
        .find(|c: char| c == '.' || is_vtt_space(c))
        .unwrap_or(after_v.len());
    // `<video>` or `<vx>` are other (unknown) tags, not voices.
    if name_end != 0 {
        return None;
    }
    let annotation_at = after_v.find(is_vtt_space)?;
    let name = collapse_whitespace(&decode_entities(&after_v[annotation_at..]));
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(id: &str, start: f64, end: f64, text: &str) -> Cue {
        Cue {
            id: id.into(),
            start,
            end,
            text: text.into(),
        }
    }

    #[test]
    fn parses_ids_payloads_and_line_endings() {
        let file = "\u{FEFF}WEBVTT - Journal de 7h\r\nKind: captions\r\n\r\nintro\r\n00:00:01.000 --> 00:00:04.500 align:start\r\n<v Awa>Bonjour à tous,\r\nbienvenue.\r\n\r\n00:05.000 --> 00:06.250\rمرحبا بكم\r\r";
        assert_eq!(
            parse_cues(file).unwrap(),
            vec![
                cue("intro", 1.0, 4.5, "<v Awa>Bonjour à tous,\nbienvenue."),
                cue("", 5.0, 6.25, "مرحبا بكم"),
            ]
        );
    }

    #[test]
    fn requires_the_signature() {
        for bad in [
            "",
            "WEBVT",
            "WEBVTTX\n",
            " WEBVTT\n",
            "\n\nWEBVTT",
            "webvtt\n",
        ] {
            assert_eq!(parse_cues(bad), Err(TranscriptError::NotWebVtt), "{bad:?}");
        }
        for good in ["WEBVTT", "WEBVTT\n", "WEBVTT\tx", "\u{FEFF}WEBVTT FILE\n\n"] {
            assert_eq!(parse_cues(good), Ok(vec![]), "{good:?}");
        }
    }

    #[test]
    fn skips_notes_styles_regions_and_bad_timings() {
        let file = "WEBVTT\n\nNOTE un commentaire\nsur deux lignes\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:fred\n\n00:01.000 -> 00:02.000\nflèche courte\n\n00:01.00 --> 00:02.000\ntrois chiffres\n\n00:61.000 --> 01:02.000\nsecondes\n\n00:03.000 --> 00:04.000\ngardé\n";
        assert_eq!(parse_cues(file).unwrap(), vec![cue("", 3.0, 4.0, "gardé")]);
    }

    #[test]
    fn a_timing_line_ends_the_previous_cue() {
        let file = "WEBVTT\n\n00:00.000 --> 00:01.000\nun\n00:01.000 --> 00:02.000\ndeux\n";
        assert_eq!(
            parse_cues(file).unwrap(),
            vec![cue("", 0.0, 1.0, "un"), cue("", 1.0, 2.0, "deux")]
        );
    }

    #[test]
    fn the_header_runs_to_the_first_blank_line() {
        let file = "WEBVTT\n00:00.000 --> 00:01.000\nen-tête\n\n00:01.000 --> 00:02.000\nun\n";
        assert_eq!(parse_cues(file).unwrap(), vec![cue("", 1.0, 2.0, "un")]);
    }

    #[test]
    fn a_bad_timing_line_discards_its_whole_block() {
        let file = "WEBVTT\n\nid\n00:00 --> 00:01.000\n00:01.000 --> 00:02.000\nperdu\n\n00:02.000 --> 00:03.000\ngardé\n";
        assert_eq!(parse_cues(file).unwrap(), vec![cue("", 2.0, 3.0, "gardé")]);
    }

    #[test]
    fn timestamps_follow_vttjs() {
        let at = |s: &str| timestamp(s).map(|(t, _)| t);
        assert_eq!(at("00:01.500"), Some(1.5));
        assert_eq!(at("1:00:01.500"), Some(3601.5));
        assert_eq!(at("100:00:00.001"), Some(360_000.001));
        assert_eq!(at("01:02:03.004"), Some(3723.004));
        // Two fields are minutes and seconds, whatever the first's width...
        assert_eq!(at("1:00.000"), Some(60.0));
        assert_eq!(at("000:02.000"), Some(2.0));
        // ...unless the first exceeds 59: then hours and minutes.
        assert_eq!(at("120:10.000"), Some(432_600.0));
        assert_eq!(at("60:00.000"), Some(216_000.0));
        assert_eq!(at("00:60.000"), None);
        assert_eq!(at("00:00:60.000"), None);
        assert_eq!(at("00:00.0000"), None);
        assert_eq!(at("00:00,000"), None);
        assert_eq!(at("00:000.000"), None);
    }

    #[test]
    fn nul_becomes_replacement_character() {
        let cues = parse_cues("WEBVTT\n\n00:00.000 --> 00:01.000\na\0b").unwrap();
        assert_eq!(cues[0].text, "a\u{FFFD}b");
    }

    #[test]
    fn cue_text_strips_markup_and_names_the_voice() {
        assert_eq!(
            cue_text("<v.loud Ibrahim Maïga>Q&amp;A <b>ce</b> soir &lt;3</v>"),
            (Some("Ibrahim Maïga".into()), "Q&A ce soir <3".into())
        );
        assert_eq!(
            cue_text("<c.yellow>Il est</c> <00:00:01.000>&#x645;&#1585;&nbsp;ok&lrm;"),
            (None, "Il est مر ok\u{200E}".into())
        );
        assert_eq!(
            cue_text("<v>anonyme <v Bob>x"),
            (Some("Bob".into()), "anonyme x".into())
        );
        assert_eq!(cue_text("<video x>texte"), (None, "texte".into()));
        assert_eq!(cue_text("coupé <i"), (None, "coupé".into()));
    }
}
