//! Plain-text transcripts.
//!
//! Stations publish transcripts typed by people or exported from
//! transcription tools, with times and speakers written in whatever way the
//! tool or typist chose. Paragraphs are the units; a line that starts with
//! a time stamp or a speaker label starts a new unit even without a blank
//! line, because exports such as `[00:01:02] Awa: …` put one per line.

use super::Segment;
use super::clean::{collapse_whitespace, decode_entities, normalize_newlines, parse_clock};
use super::speaker::{speaker_name, split_speaker};

/// A segment being assembled; `text` may still be empty after a header
/// line such as `Speaker 1  0:03`, whose words follow on the next lines.
#[derive(Default)]
struct Pending {
    start: Option<f64>,
    speaker: Option<String>,
    text: String,
}

pub(crate) fn parse(text: &str) -> Vec<Segment> {
    let text = normalize_newlines(text);
    let mut segments = Vec::new();
    let mut pending: Option<Pending> = None;
    for line in text.split('\n').map(str::trim) {
        if line.is_empty() {
            // A paragraph ends; a header still waiting for its words waits
            // across the blank line.
            if pending.as_ref().is_some_and(|p| !p.text.is_empty()) {
                flush(&mut pending, &mut segments);
            }
            continue;
        }
        let (start, speaker, words) = match labelled_stamp(line) {
            Some((speaker, start, words)) => (Some(start), Some(speaker), words),
            None => {
                let (start, rest) = leading_stamp(line);
                let (speaker, words) = split_speaker(rest);
                (start, speaker, words)
            }
        };
        if start.is_none() && speaker.is_none() {
            let current = pending.get_or_insert_with(Pending::default);
            if !current.text.is_empty() {
                current.text.push('\n');
            }
            current.text.push_str(words);
            continue;
        }
        // A header without words yet absorbs what this line adds.
        let header = pending.take_if(|p| p.text.is_empty());
        flush(&mut pending, &mut segments);
        let header = header.unwrap_or_default();
        pending = Some(Pending {
            start: start.or(header.start),
            speaker: speaker.or(header.speaker),
            text: words.to_owned(),
        });
    }
    flush(&mut pending, &mut segments);
    segments
}

fn flush(pending: &mut Option<Pending>, segments: &mut Vec<Segment>) {
    if let Some(done) = pending.take() {
        let text = collapse_whitespace(&decode_entities(&done.text));
        if !text.is_empty() {
            segments.push(Segment {
                start: done.start,
                end: None,
                speaker: done.speaker,
                text,
            });
        }
    }
}

/// Reads a time stamp opening a line: `[00:12:34]`, `(12:34)`, `00:12:34`
/// or `12:34 -`. Returns it and the rest of the line with any separator
/// dash removed; the whole line when there is no stamp.
fn leading_stamp(line: &str) -> (Option<f64>, &str) {
    let bracketed = [('[', ']'), ('(', ')')]
        .into_iter()
        .find_map(|(open, close)| line.strip_prefix(open)?.split_once(close));
    let (stamp, rest) = match bracketed {
        Some(found) => found,
        None => {
            let end = line.find(char::is_whitespace).unwrap_or(line.len());
            let (token, rest) = line.split_at(end);
            (token.strip_suffix(':').unwrap_or(token), rest)
        }
    };
    match parse_clock(stamp.trim()) {
        Some(start) => {
            let rest = rest
                .trim_start()
                .trim_start_matches(['-', '–', '—', '|'])
                .trim_start();
            (Some(start), rest)
        }
        None => (None, line),
    }
}

/// Reads a speaker label carrying a time, as transcription tools export
/// them: `Speaker 1  0:03` alone on its line, or `Awa (00:12): Bonjour` /
/// `Awa [00:12] Bonjour` with the words after. Returns the speaker, the
/// time and the words.
///
/// A bare clock is only taken at the end of the line: inside prose,
/// `Le Conseil 10:30 …` is more likely a sentence than a label.
fn labelled_stamp(line: &str) -> Option<(String, f64, &str)> {
    let mut name_end = 0;
    // A name has at most four words, plus perhaps a dash before the time.
    for (index, token) in line.split_whitespace().take(6).enumerate() {
        let token_at = token.as_ptr() as usize - line.as_ptr() as usize;
        let after = &line[token_at + token.len()..];
        if index > 0 {
            let core = token.strip_suffix(':').unwrap_or(token);
            let bracketed = core
                .strip_prefix(['(', '['])
                .and_then(|inner| inner.strip_suffix([')', ']']));
            let clock = match bracketed {
                Some(inner) => parse_clock(inner),
                None if after.trim().is_empty() => parse_clock(core),
                None => None,
            };
            if let Some(start) = clock {
                let name = line[..name_end]
                    .trim_end()
                    .trim_end_matches(['-', '–', '—', '|']);
                let name = speaker_name(name, true)?;
                return Some((name, start, after.trim_start()));
            }
        }
        name_end = token_at + token.len();
    }
    None
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
    fn paragraphs_become_segments() {
        let text = "\u{FEFF}Bonjour à tous,\r\nvoici le journal.\r\n\r\n\r\nMoussa: Merci &amp; bonsoir.\r\nLa suite.\r\n";
        assert_eq!(
            parse(text),
            vec![
                seg(None, None, "Bonjour à tous, voici le journal."),
                seg(None, Some("Moussa"), "Merci & bonsoir. La suite."),
            ]
        );
    }

    #[test]
    fn stamped_lines_start_segments() {
        let text = "[00:00:05] Awa: Bonjour\n(01:10) Ali : Salut\n00:02:00 - Fin du journal.\n12:34 - أهلا وسهلا\n10:30: suite";
        assert_eq!(
            parse(text),
            vec![
                seg(Some(5.0), Some("Awa"), "Bonjour"),
                seg(Some(70.0), Some("Ali"), "Salut"),
                seg(Some(120.0), None, "Fin du journal."),
                seg(Some(754.0), None, "أهلا وسهلا"),
                seg(Some(630.0), None, "suite"),
            ]
        );
    }

    #[test]
    fn header_lines_name_the_following_words() {
        let text = "Speaker 1  0:03\nHello there,\nfriends.\n\nFatou Diallo - 1:02:03\n\nOn continue.\nJOURNALISTE:\nQuestion ?\nAwa (00:12): Oui.\n[00:20]\nsans nom";
        assert_eq!(
            parse(text),
            vec![
                seg(Some(3.0), Some("Speaker 1"), "Hello there, friends."),
                seg(Some(3723.0), Some("Fatou Diallo"), "On continue."),
                seg(None, Some("JOURNALISTE"), "Question ?"),
                seg(Some(12.0), Some("Awa"), "Oui."),
                seg(Some(20.0), None, "sans nom"),
            ]
        );
    }

    #[test]
    fn prose_is_not_mistaken_for_labels() {
        let text = "Le Conseil 10:30 a commencé.\nVoir http://example.com pour la suite.";
        assert_eq!(
            parse(text),
            vec![seg(
                None,
                None,
                "Le Conseil 10:30 a commencé. Voir http://example.com pour la suite."
            )]
        );
    }
}
