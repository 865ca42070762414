//! SubRip (SRT) subtitles.
//!
//! SRT has no specification, only habits: files come out of caption
//! editors, speech-to-text services and hand edits, with or without index
//! lines, with `.` for `,`, with stray blank lines, with HTML-ish tags and
//! ASS override codes meant for players. The parser therefore keys on the
//! one thing every SRT has, the `start --> end` timing line, and treats
//! everything between two timing lines as the first one's text.

use super::clean::{collapse_whitespace, decode_entities, digits, normalize_newlines};
use super::speaker::split_speaker;
use super::{Segment, TranscriptError};

/// Parses SRT text into segments, in file order, speaker labels split off.
/// Blocks without a timing line (titles, credits before the first cue) are
/// skipped; a file with text but no timing line at all is not SRT.
pub(crate) fn parse(text: &str) -> Result<Vec<Segment>, TranscriptError> {
    let text = normalize_newlines(text);
    let mut blocks: Vec<(f64, f64, Vec<&str>)> = Vec::new();
    let mut has_text = false;
    for line in text.split('\n') {
        let line = line.trim();
        has_text |= !line.is_empty();
        if let Some((start, end)) = parse_timing(line) {
            if let Some((_, _, lines)) = blocks.last_mut() {
                drop_index_line(lines);
            }
            blocks.push((start, end, Vec::new()));
        } else if let Some((_, _, lines)) = blocks.last_mut() {
            lines.push(line);
        }
    }
    if blocks.is_empty() && has_text {
        return Err(TranscriptError::NotSrt);
    }
    Ok(blocks
        .into_iter()
        .map(|(start, end, lines)| {
            let text = clean_text(&lines.join("\n"));
            let (speaker, text) = split_speaker(&text);
            Segment {
                start: Some(start),
                end: Some(end),
                speaker,
                text: text.to_owned(),
            }
        })
        .collect())
}

/// Removes the next block's index from the end of a block's lines.
///
/// Only a number directly above the timing line is an index; a number
/// followed by a blank line is the last line of a caption ("42") whose
/// following block simply lacks an index.
fn drop_index_line(lines: &mut Vec<&str>) {
    if lines
        .last()
        .is_some_and(|line| !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
    {
        lines.pop();
    }
}

/// Reads a timing line, `00:00:01,000 --> 00:00:04,000`, ignoring anything
/// after the end time (old SRT put caption coordinates there).
pub(crate) fn parse_timing(line: &str) -> Option<(f64, f64)> {
    let (start, rest) = timestamp(line.trim_start())?;
    let rest = rest.trim_start().strip_prefix("-->")?;
    let (end, rest) = timestamp(rest.trim_start())?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((start, end))
}

/// `h:mm:ss,mmm` with any number of hour digits, either decimal mark and
/// a fraction of any length (or none), as encoders in the wild emit.
fn timestamp(text: &str) -> Option<(f64, &str)> {
    let (hours, rest) = digits(text)?;
    let (minutes, rest) = digits(rest.strip_prefix(':')?)?;
    let (seconds, rest) = digits(rest.strip_prefix(':')?)?;
    if minutes.len() > 2 || seconds.len() > 2 {
        return None;
    }
    let (minutes, seconds): (f64, f64) = (minutes.parse().ok()?, seconds.parse().ok()?);
    if minutes >= 60.0 || seconds >= 60.0 {
        return None;
    }
    let mut total = hours.parse::<f64>().ok()? * 3600.0 + minutes * 60.0 + seconds;
    let mut rest = rest;
    if let Some(after_mark) = rest.strip_prefix([',', '.']) {
        let (fraction, after) = digits(after_mark)?;
        total += format!("0.{fraction}").parse::<f64>().ok()?;
        rest = after;
    }
    // Hours are unbounded, and enough digits of them read as infinity.
    total.is_finite().then_some((total, rest))
}

/// Caption text to plain text: player directives go, words stay.
///
/// Only things that look like markup are removed: `<` followed by a tag
/// name, `{\…}` ASS overrides and `{X:…}` MicroDVD codes. Text such as
/// `2<3,5>1` or `{aside}` is the caption's own and is kept.
fn clean_text(raw: &str) -> String {
    let text = remove_overrides(raw);
    let text = text
        .replace("\\N", " ")
        .replace("\\n", " ")
        .replace("\\h", " ");
    collapse_whitespace(&decode_entities(&remove_tags(&text)))
}

/// Removes `{\an8}`-style ASS overrides and `{Y:i}`-style MicroDVD codes.
fn remove_overrides(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..];
        let mut chars = inner.chars();
        let directive = match (chars.next(), chars.next()) {
            (Some('\\'), _) => true,
            (Some(letter), Some(':')) => letter.is_ascii_alphabetic(),
            _ => false,
        };
        match inner.find('}').filter(|_| directive) {
            Some(close) => rest = &inner[close + 1..],
            None => {
                out.push('{');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes HTML-like tags (`<i>`, `</font>`, `<font color="red">`), each
/// within one line.
fn remove_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..];
        let named = inner
            .strip_prefix('/')
            .unwrap_or(inner)
            .starts_with(|c: char| c.is_ascii_alphabetic());
        let close = inner
            .find(['>', '<', '\n'])
            .filter(|&at| named && inner[at..].starts_with('>'));
        match close {
            Some(close) => rest = &inner[close + 1..],
            None => {
                out.push('<');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn parses_plain_blocks_with_crlf_and_bom() {
        let file = "\u{FEFF}1\r\n00:00:01,000 --> 00:00:04,000\r\nBonjour et bienvenue\r\nsur Radio Sahel.\r\n\r\n2\r\n00:00:04,500 --> 00:00:06,000\r\nAmadou : merci &amp; bonsoir\r\n";
        assert_eq!(
            parse(file).unwrap(),
            vec![
                seg(1.0, 4.0, None, "Bonjour et bienvenue sur Radio Sahel."),
                seg(4.5, 6.0, Some("Amadou"), "merci & bonsoir"),
            ]
        );
    }

    #[test]
    fn tolerates_sloppy_files() {
        // No indexes, `.` marks, one-digit hours, coordinates, stray blank
        // lines, a missing blank line, CR-only endings.
        let file = "Titre du fichier\r\r0:00:01.5 --> 0:00:02.250 X1:10 X2:20 Y1:30 Y2:40\rالسلام عليكم\r\r\rورحمة الله\r2\r0:00:03,000 --> 0:00:04,000\r42\r\r0:00:05,000-->0:00:06,000\rfin\r";
        assert_eq!(
            parse(file).unwrap(),
            vec![
                seg(1.5, 2.25, None, "السلام عليكم ورحمة الله"),
                seg(3.0, 4.0, None, "42"),
                seg(5.0, 6.0, None, "fin"),
            ]
        );
    }

    #[test]
    fn strips_tags_and_overrides_but_not_text() {
        assert_eq!(
            clean_text("{\\an8}<i>Le <font color=\"red\">Niger</font></i>\\Nrépond\\h:"),
            "Le Niger répond :"
        );
        assert_eq!(clean_text("2<3,5>1,4<6 <"), "2<3,5>1,4<6 <");
        assert_eq!(clean_text("{Y:i}{normal} {\\pos(1,2)}x"), "{normal} x");
        assert_eq!(clean_text("<b\nnot a tag"), "<b not a tag");
        assert_eq!(clean_text("Show this: \\TEST"), "Show this: \\TEST");
    }

    #[test]
    fn rejects_files_without_timing_lines() {
        assert_eq!(parse("1\nHello\n"), Err(TranscriptError::NotSrt));
        assert_eq!(parse("\r\n\r\n"), Ok(vec![]));
        assert_eq!(parse_timing("00:00:01,000 --> 00:00:04,000x"), None);
        assert_eq!(parse_timing("00:00:01,000 -> 00:00:04,000"), None);
        assert_eq!(parse_timing("00:61:01,000 --> 00:00:04,000"), None);
    }
}
