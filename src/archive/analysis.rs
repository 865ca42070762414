//! How text becomes index terms, one analyser per field family.
//!
//! A Tantivy field has one tokenizer, so each language that gets stemming
//! has its own field (`body_fr`, `body_en`, `body_ar`), and every document
//! also goes, unstemmed, into the folded `body` field. All analysers fold
//! case and accents ("Enlèvements" and "enlevements" meet); the Arabic one
//! also unifies letter variants and strips the prefixes that Arabic writes
//! attached to the word (و، ال، بال، لل…) before Tantivy's Arabic stemmer,
//! which leaves most of them on.

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Unstemmed, folded: every document's title and text, in any language.
pub const FOLDED: &str = "veille_folded";

/// The languages with a stemmed field: (language code, field, analyser).
pub const STEMMED: &[(&str, &str, &str)] = &[
    ("fr", "body_fr", "veille_fr"),
    ("en", "body_en", "veille_en"),
    ("ar", "body_ar", "veille_ar"),
];

/// Tokens longer than this (base64 blobs, run-together URLs) are dropped.
pub const LONGEST_TOKEN_BYTES: usize = 60;

/// Registers every analyser on `index`; to be called on each opened index,
/// since Tantivy does not persist custom analysers.
pub fn register(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(FOLDED, folded());
    for (language, _, name) in STEMMED {
        tokenizers.register(
            name,
            stemmed(language).expect("every STEMMED language has an analyser"),
        );
    }
}

/// The analyser of the folded field.
pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(ArabicFolding {
            strip_prefixes: false,
        })
        .build()
}

/// The stemming analyser for `language`, if it has one.
pub fn stemmed(language: &str) -> Option<TextAnalyzer> {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    Some(match language {
        "fr" => base.filter(Stemmer::new(Language::French)).build(),
        "en" => base.filter(Stemmer::new(Language::English)).build(),
        "ar" => base
            .filter(ArabicFolding {
                strip_prefixes: true,
            })
            .filter(Stemmer::new(Language::Arabic))
            .build(),
        _ => return None,
    })
}

/// The terms `analyser` makes of `text`, in order.
pub fn terms(analyser: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyser.token_stream(text);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

/// Arabic letter folding as a token filter: no diacritics or tatweel, one
/// alef, one ya, ta marbuta as ha; optionally without attached prefixes.
#[derive(Clone)]
pub struct ArabicFolding {
    /// Also strip the attached article (al-, alone or after wa-, fa-, bi-,
    /// ka- or li-) and a leading wa-: set for the Arabic stemmed field only.
    pub strip_prefixes: bool,
}

impl TokenFilter for ArabicFolding {
    type Tokenizer<T: Tokenizer> = ArabicFoldingTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ArabicFoldingTokenizer<T> {
        ArabicFoldingTokenizer {
            inner: tokenizer,
            strip_prefixes: self.strip_prefixes,
        }
    }
}

/// A tokenizer whose tokens come out folded by [`ArabicFolding`].
#[derive(Clone)]
pub struct ArabicFoldingTokenizer<T> {
    inner: T,
    strip_prefixes: bool,
}

impl<T: Tokenizer> Tokenizer for ArabicFoldingTokenizer<T> {
    type TokenStream<'a> = ArabicFoldingStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ArabicFoldingStream {
            tail: self.inner.token_stream(text),
            strip_prefixes: self.strip_prefixes,
        }
    }
}

/// The token stream of [`ArabicFoldingTokenizer`].
pub struct ArabicFoldingStream<T> {
    tail: T,
    strip_prefixes: bool,
}

impl<T: TokenStream> TokenStream for ArabicFoldingStream<T> {
    fn advance(&mut self) -> bool {
        loop {
            if !self.tail.advance() {
                return false;
            }
            let token = self.tail.token_mut();
            if token.text.is_ascii() {
                return true;
            }
            let folded = fold_arabic(&token.text, self.strip_prefixes);
            // A token of diacritics alone folds to nothing: not a term.
            if !folded.is_empty() {
                token.text = folded;
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Prefixes written attached to an Arabic word, longest first: the article
/// with a preposition or conjunction, then the article alone.
const ARTICLE_PREFIXES: &[&str] = &["وال", "فال", "بال", "كال", "لل", "ال"];

/// Folds one Arabic word (see [`ArabicFolding`]).
pub fn fold_arabic(word: &str, strip_prefixes: bool) -> String {
    let mut folded = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            // Harakat, superscript alef, Quranic marks, tatweel.
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}' => {}
            'أ' | 'إ' | 'آ' | 'ٱ' => folded.push('ا'),
            'ى' | 'ی' => folded.push('ي'),
            'ة' => folded.push('ه'),
            'ک' => folded.push('ك'),
            other => folded.push(other),
        }
    }
    if !strip_prefixes {
        return folded;
    }
    // Keep at least two letters after any prefix, so short words such as
    // "الى" or "ولد" are not cut down to nothing.
    let letters = |s: &str| s.chars().count();
    for prefix in ARTICLE_PREFIXES {
        if let Some(rest) = folded.strip_prefix(prefix)
            && letters(rest) >= 2
        {
            return rest.to_owned();
        }
    }
    if let Some(rest) = folded.strip_prefix('و')
        && letters(rest) >= 3
    {
        return rest.to_owned();
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyse(analyser: &mut TextAnalyzer, text: &str) -> Vec<String> {
        terms(analyser, text)
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(
            analyse(&mut folded(), "Enlèvements À KÉDOUGOU"),
            ["enlevements", "a", "kedougou"]
        );
    }

    #[test]
    fn french_stemming_meets_singular_and_plural_with_or_without_accents() {
        let mut fr = stemmed("fr").unwrap();
        assert_eq!(
            analyse(&mut fr, "Enlèvements"),
            analyse(&mut fr, "enlevement")
        );
        assert_eq!(analyse(&mut fr, "camions"), analyse(&mut fr, "camion"));
    }

    #[test]
    fn english_stemming_meets_inflections() {
        let mut en = stemmed("en").unwrap();
        assert_eq!(
            analyse(&mut en, "kidnappings"),
            analyse(&mut en, "kidnapping")
        );
        assert_eq!(analyse(&mut en, "blockaded"), analyse(&mut en, "blockade"));
    }

    #[test]
    fn arabic_words_with_diacritics_stay_one_token() {
        assert_eq!(analyse(&mut folded(), "مُحَمَّد مـالي").len(), 2);
        assert_eq!(analyse(&mut folded(), "مُحَمَّد"), ["محمد"]);
        assert_eq!(analyse(&mut folded(), "مـالي"), ["مالي"]);
    }

    #[test]
    fn arabic_prefixes_and_variants_are_unified_before_stemming() {
        let mut ar = stemmed("ar").unwrap();
        let bare = analyse(&mut ar, "حدود");
        for attached in ["الحدود", "والحدود", "بالحدود", "وحدود", "الحُدُود"]
        {
            assert_eq!(analyse(&mut ar, attached), bare, "{attached}");
        }
        assert_eq!(analyse(&mut ar, "أزمة"), analyse(&mut ar, "ازمه"));
        assert_eq!(analyse(&mut ar, "الشاحنات"), analyse(&mut ar, "شاحنات"));
    }

    #[test]
    fn short_arabic_words_keep_their_letters() {
        assert_eq!(fold_arabic("ولد", true), "ولد");
        assert_eq!(fold_arabic("الى", true), "الي");
    }
}
