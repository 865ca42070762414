//! Which language a document is in.
//!
//! whatlang, restricted to the languages these outlets write in, so that a
//! short French headline is not taken for Catalan. When whatlang is unsure
//! (short texts), the feed's `language` hint decides, and the record says
//! which one did.

use std::sync::LazyLock;

use whatlang::{Detector, Info, Lang};

/// The languages detection chooses among, with their ISO 639-1 codes.
const LANGUAGES: [(Lang, &str); 6] = [
    (Lang::Fra, "fr"),
    (Lang::Eng, "en"),
    (Lang::Ara, "ar"),
    (Lang::Por, "pt"),
    (Lang::Spa, "es"),
    (Lang::Deu, "de"),
];

static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::with_allowlist(LANGUAGES.iter().map(|(lang, _)| *lang).collect()));

/// What decided a document's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageSource {
    /// whatlang, with a reliable result.
    Detector,
    /// The feed's `language` hint, whatlang being unsure.
    Hint,
    /// whatlang's best guess, unsure and with no hint to prefer.
    Guess,
    /// Nothing to go on.
    Unknown,
}

impl LanguageSource {
    /// The name the record and the API use: `detector`, `hint`, `guess` or
    /// `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageSource::Detector => "detector",
            LanguageSource::Hint => "hint",
            LanguageSource::Guess => "guess",
            LanguageSource::Unknown => "unknown",
        }
    }
}

/// A document's language.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Language {
    /// ISO 639-1 code, when known.
    pub code: Option<String>,
    /// whatlang's confidence in its own answer, 0 to 1 (0 when it had none).
    pub confidence: f64,
    /// Which evidence decided the code.
    pub source: LanguageSource,
}

/// Detects the language of `text`, falling back to `hint` when unsure.
pub fn detect_language(text: &str, hint: Option<&str>) -> Language {
    let code_of = |lang: Lang| {
        LANGUAGES
            .iter()
            .find(|(known, _)| *known == lang)
            .map(|(_, code)| (*code).to_owned())
    };
    // whatlang names the language of a one-language script (Ge'ez, Hangul,
    // Georgian...) even when it is not on the allowlist; such an answer
    // has no code here, so it counts as no answer and the hint gets its say.
    let info = DETECTOR
        .detect(text)
        .filter(|info| code_of(info.lang()).is_some());
    let confidence = info.as_ref().map_or(0.0, Info::confidence);
    match (info, hint) {
        (Some(info), _) if info.is_reliable() => Language {
            code: code_of(info.lang()),
            confidence,
            source: LanguageSource::Detector,
        },
        (_, Some(hint)) => Language {
            code: Some(hint.to_owned()),
            confidence,
            source: LanguageSource::Hint,
        },
        (Some(info), None) => Language {
            code: code_of(info.lang()),
            confidence,
            source: LanguageSource::Guess,
        },
        (None, None) => Language {
            code: None,
            confidence: 0.0,
            source: LanguageSource::Unknown,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_in_the_three_languages() {
        let cases = [
            (
                "Les camions-citernes restent bloqués à la frontière depuis trois jours, faute d'escorte militaire.",
                "fr",
            ),
            (
                "Fuel tankers have been stranded at the border for three days because no military escort is available.",
                "en",
            ),
            (
                "لا تزال شاحنات الوقود عالقة عند الحدود منذ ثلاثة أيام بسبب غياب المرافقة العسكرية.",
                "ar",
            ),
        ];
        for (text, expected) in cases {
            let language = detect_language(text, None);
            assert_eq!(language.code.as_deref(), Some(expected), "{text}");
            assert_eq!(language.source, LanguageSource::Detector);
        }
    }

    #[test]
    fn short_titles_fall_back_to_the_hint() {
        let language = detect_language("Kayes : RN1", Some("fr"));
        assert_eq!(language.code.as_deref(), Some("fr"));
        assert_eq!(language.source, LanguageSource::Hint);
        assert_eq!(detect_language("", None).source, LanguageSource::Unknown);
    }
}
