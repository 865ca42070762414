//! The matching form of a text, with a map back to the original.
//!
//! Outlets write one name many ways: "Kédougou", "KEDOUGOU", "Kedougou";
//! "Nioro-du-Sahel" and "Nioro du Sahel"; "Jama’at" and "Jama'at";
//! "مَالِي", "مـالي" and "مالي"; "أنصار" and "انصار". Tagging runs on a copy
//! of the text where all of these are the same string, and every byte of the
//! copy remembers which character of the original it came from, so mentions
//! point at the text the reader sees.

use std::sync::LazyLock;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A normalised copy of a text.
#[derive(Debug, Clone)]
pub struct Normalised<'a> {
    /// The normalised text, which offsets found in it refer to.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original of the
    /// character it came from.
    origin: Vec<u32>,
    original: &'a str,
}

impl<'a> Normalised<'a> {
    /// The text this is a normalised copy of.
    pub fn original(&self) -> &'a str {
        self.original
    }

    /// The original byte range behind the byte range `[start, end)` of the
    /// normalised text, widened to whole original characters.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self
            .origin
            .get(start)
            .map_or(self.original.len(), |&i| i as usize);
        let last = match end.checked_sub(1).and_then(|last| self.origin.get(last)) {
            Some(&offset) => {
                let offset = offset as usize;
                offset
                    + self.original[offset..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8)
            }
            None => first,
        };
        (first, last.max(first))
    }
}

/// Normalises `text` for matching: lower case, no accents or Arabic
/// diacritics, one apostrophe, hyphens and runs of spaces as one space,
/// Arabic letter variants unified.
pub fn normalise(text: &str) -> Normalised<'_> {
    let mut out = Normalised {
        text: String::with_capacity(text.len()),
        origin: Vec::with_capacity(text.len()),
        original: text,
    };
    let mut rest = text;
    while !rest.is_empty() {
        let offset = text.len() - rest.len();
        // Most of a French or English text is ASCII letters and digits:
        // copied a word at a time, lower-cased in place.
        let run = rest
            .bytes()
            .position(|byte| !byte.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if run > 0 {
            let from = out.text.len();
            out.text.push_str(&rest[..run]);
            out.text[from..].make_ascii_lowercase();
            out.origin.extend(offset as u32..(offset + run) as u32);
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = &rest[c.len_utf8()..];
        let offset = offset as u32;
        let class = match CLASSES.get(c as usize) {
            Some(Class::Letter) => {
                // The table's letters: the letter's form follows it.
                let form = &FORMS[c as usize];
                for e in form.chars() {
                    push(&mut out, e, offset);
                }
                continue;
            }
            Some(class) => *class,
            None => classify(c),
        };
        match class {
            Class::Drop => {}
            Class::Space => {
                if !out.text.is_empty() && !out.text.ends_with(' ') {
                    push(&mut out, ' ', offset);
                }
            }
            Class::Apostrophe => push(&mut out, '\'', offset),
            Class::Letter => letter_form(c, |e| push(&mut out, e, offset)),
        }
    }
    out
}

/// The class of every character below U+0700 (Latin with accents, Greek,
/// Cyrillic, Arabic) and the matching form of its letters, worked out once:
/// the Unicode tables cost more than the rest of normalising.
static CLASSES: LazyLock<Vec<Class>> =
    LazyLock::new(|| ('\u{0}'..'\u{0700}').map(classify).collect());
static FORMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ('\u{0}'..'\u{0700}')
        .map(|c| {
            let mut form = String::new();
            letter_form(c, |e| form.push(e));
            form
        })
        .collect()
});

/// What a letter is matched as: lower case, ligatures spelt out, accents
/// and Arabic diacritics off, Arabic variants unified.
fn letter_form(c: char, mut emit: impl FnMut(char)) {
    for lower in c.to_lowercase() {
        if let Some(expanded) = ligature(lower) {
            expanded.chars().for_each(&mut emit);
            continue;
        }
        decompose_canonical(lower, |part| {
            if !is_combining_mark(part) {
                emit(arabic_variant(part));
            }
        });
    }
}

/// Turns increasing byte offsets of a text into character offsets, in one
/// pass over the text however many offsets are asked for.
pub struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    /// A counter at the start of `text`.
    pub fn new(text: &'a str) -> CharCounter<'a> {
        CharCounter {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The character offset of `byte`; offsets must not decrease between
    /// calls (a smaller one is counted from the start again).
    pub fn chars_at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// Normalises an alias of the gazetteer the same way as text, so both meet.
pub fn normalise_alias(alias: &str) -> String {
    normalise(alias).text.trim().to_owned()
}

fn push(out: &mut Normalised<'_>, c: char, origin: u32) {
    out.text.push(c);
    for _ in 0..c.len_utf8() {
        out.origin.push(origin);
    }
}

#[derive(Clone, Copy)]
enum Class {
    Letter,
    Space,
    Apostrophe,
    Drop,
}

fn classify(c: char) -> Class {
    match c {
        '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}'
        | '\u{2032}' | '\u{FF07}' => Class::Apostrophe,
        // Soft hyphen, zero-width characters, tatweel: invisible, so gone.
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{0640}' => Class::Drop,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '_' => Class::Space,
        c if c.is_whitespace() => Class::Space,
        _ => Class::Letter,
    }
}

fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        'ø' => "o",
        'đ' => "d",
        'ł' => "l",
        _ => return None,
    })
}

/// Arabic letters written several ways for one sound or one word.
/// (Hamza carriers and madda are already gone with the combining marks.)
fn arabic_variant(c: char) -> char {
    match c {
        'ٱ' => 'ا',
        'ى' | 'ی' => 'ي',
        'ة' => 'ه',
        'ک' => 'ك',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_variants_meet() {
        for text in ["Kédougou", "KEDOUGOU", "kedougou", "Kèdougou"] {
            assert_eq!(normalise(text).text, "kedougou", "{text}");
        }
        assert_eq!(normalise("Nioro-du–Sahel").text, "nioro du sahel");
        assert_eq!(normalise("Jama’at  Nusrat").text, "jama'at nusrat");
        assert_eq!(normalise("Cœur").text, "coeur");
    }

    #[test]
    fn arabic_variants_meet() {
        assert_eq!(normalise("مَالِي").text, "مالي");
        assert_eq!(normalise("مـالي").text, "مالي");
        assert_eq!(normalise("أنصار").text, normalise("انصار").text);
        assert_eq!(normalise("إياد آغ").text, "اياد اغ");
        assert_eq!(normalise("القاعدة").text, "القاعده");
        assert_eq!(normalise("مصطفى").text, "مصطفي");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let original = "Près de KÉDOUGOU, l’EIGS";
        let normalised = normalise(original);
        let start = normalised.text.find("kedougou").unwrap();
        let (a, b) = normalised.original_range(start, start + "kedougou".len());
        assert_eq!(&original[a..b], "KÉDOUGOU");
        let start = normalised.text.find("eigs").unwrap();
        let (a, b) = normalised.original_range(start, start + 4);
        assert_eq!(&original[a..b], "EIGS");
        let mut counter = CharCounter::new(original);
        assert_eq!(counter.chars_at(a), 20);
        assert_eq!(counter.chars_at(b), 24);
    }
}
