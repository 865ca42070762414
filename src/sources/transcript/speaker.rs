//! Speaker labels written into the text itself (`Travis: When you first…`).
//!
//! SRT has no speaker field and many VTT and plain-text transcripts skip the
//! `<v>` span, yet knowing who spoke matters more on radio than anywhere
//! else: a minister's words and a caller's are not the same news. The label
//! convention is a name and a colon, which prose also produces ("Note: …",
//! "http://…", "10:30 …", "Then he said: …"), so the rules below lean
//! towards missing a speaker rather than inventing one.

/// Longest label taken as a name; anything longer is a sentence.
const MAX_NAME_CHARS: usize = 40;

/// Most words in a label (`Jean de La Fontaine`).
const MAX_NAME_WORDS: usize = 4;

/// Lowercase name particles, kept so that lowercase words in general can
/// still disqualify a label (`Then he said:`).
const PARTICLES: &[&str] = &[
    "al", "bin", "bint", "da", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "el",
    "ibn", "la", "le", "ould", "ag", "van", "von", "y",
];

/// Capitalised words that introduce a remark, not a speaker.
const NOT_SPEAKERS: &[&str] = &[
    "attention",
    "avertissement",
    "caption",
    "chapitre",
    "chapter",
    "copyright",
    "credit",
    "credits",
    "crédit",
    "crédits",
    "date",
    "edit",
    "email",
    "heure",
    "important",
    "lien",
    "link",
    "nb",
    "note",
    "nota",
    "objet",
    "photo",
    "ps",
    "re",
    "remarque",
    "source",
    "sources",
    "subject",
    "summary",
    "time",
    "titre",
    "title",
    "traduction",
    "transcript",
    "transcription",
    "translation",
    "update",
    "url",
    "video",
    "vidéo",
    "warning",
];

/// Splits a leading `Name: ` label off `text`.
///
/// Returns the speaker and the text after the label, or `None` and the whole
/// text when the start does not look like a label. A label alone (`JOHN:`)
/// counts, because plain-text transcripts often put the words on the next
/// line.
pub(crate) fn split_speaker(text: &str) -> (Option<String>, &str) {
    let Some(colon) = text.find(':') else {
        return (None, text);
    };
    let after = &text[colon + 1..];
    // `http://`, `10:30` and `a:b` all fail here: a label's colon is
    // followed by a space or ends the text.
    if after.starts_with("//") || !(after.is_empty() || after.starts_with(char::is_whitespace)) {
        return (None, text);
    }
    // French typography puts a (no-break) space before the colon.
    match speaker_name(&text[..colon], false) {
        Some(name) => (Some(name), after.trim_start()),
        None => (None, text),
    }
}

/// Validates a candidate label, returning it tidied.
///
/// `allow_digits` is for header lines such as `Speaker 1  0:03` (Otter-style
/// exports), where the timestamp beside the name already shows it is a
/// label; inline, a digit usually means a list item or a time.
pub(crate) fn speaker_name(candidate: &str, allow_digits: bool) -> Option<String> {
    let candidate = candidate.trim();
    if candidate.is_empty() || candidate.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    let words: Vec<&str> = candidate.split_whitespace().collect();
    if words.len() > MAX_NAME_WORDS {
        return None;
    }
    let first = words[0];
    let first_lower = first.to_lowercase();
    if NOT_SPEAKERS.contains(&first_lower.trim_end_matches('.')) {
        return None;
    }
    // Only the first letter must be a capital (or uncased, as in Arabic);
    // later words may be particles such as `ould` or `de`.
    if !starts_name(first) {
        return None;
    }
    for word in &words {
        let lettered = word.chars().all(|c| {
            c.is_alphabetic()
                || matches!(c, '-' | '\'' | '’' | '.')
                || (allow_digits && c.is_ascii_digit())
        });
        let has_core = word
            .chars()
            .any(|c| c.is_alphabetic() || (allow_digits && c.is_ascii_digit()));
        if !lettered || !has_core {
            return None;
        }
        if !(starts_name(word)
            || word.starts_with(|c: char| allow_digits && c.is_ascii_digit())
            || PARTICLES.contains(&word.to_lowercase().as_str()))
        {
            return None;
        }
    }
    Some(words.join(" "))
}

/// A name word starts with a letter that is not lowercase: a capital in
/// cased scripts, any letter in scripts without case.
fn starts_name(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() && !c.is_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker(text: &str) -> Option<String> {
        split_speaker(text).0
    }

    #[test]
    fn takes_names_in_several_scripts() {
        assert_eq!(
            split_speaker("Travis: When you first get started"),
            (Some("Travis".to_owned()), "When you first get started")
        );
        assert_eq!(
            speaker("Jean de La Fontaine: Bonjour"),
            Some("Jean de La Fontaine".into())
        );
        assert_eq!(speaker("Aïcha Maïga : on y va"), Some("Aïcha Maïga".into()));
        assert_eq!(
            speaker("Moussa Ag Attaher: bien"),
            Some("Moussa Ag Attaher".into())
        );
        assert_eq!(
            speaker("Mohamed ould Cheikh: oui"),
            Some("Mohamed ould Cheikh".into())
        );
        assert_eq!(speaker("O’Brien-Smith: Hi"), Some("O’Brien-Smith".into()));
        assert_eq!(speaker("أحمد: مرحبا بكم"), Some("أحمد".into()));
        assert_eq!(speaker("JOURNALISTE:"), Some("JOURNALISTE".into()));
        assert_eq!(
            split_speaker("Alban\u{A0}: salut"),
            (Some("Alban".to_owned()), "salut")
        );
    }

    #[test]
    fn refuses_prose_urls_and_times() {
        for text in [
            "Note: the line was bad",
            "NB: fin",
            "http://example.com is down",
            "See https://example.com",
            "10:30 le conseil",
            "À 10:30 le conseil",
            "Then he said: no",
            "le ministre: non",
            "Speaker 1: hi",
            "One two three four five: no",
            "Un nom beaucoup trop long pour un orateur: non",
            "ratio 3:2",
            "Nom:suite",
            "no colon here",
        ] {
            assert_eq!(speaker(text), None, "{text}");
        }
    }

    #[test]
    fn header_names_may_carry_numbers() {
        assert_eq!(speaker_name("Speaker 1", true), Some("Speaker 1".into()));
        assert_eq!(speaker_name("Speaker 1", false), None);
        assert_eq!(speaker_name("12", true), None);
    }
}
