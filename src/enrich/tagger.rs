//! Finding the gazetteer's entities in a text.
//!
//! One Aho-Corasick automaton (leftmost-longest) holds every alias in its
//! normalised form and runs over the normalised text, so one pass finds every
//! spelling in every script, and "katiba Macina" wins over "Macina". A match
//! counts only on word boundaries ("Somalie" is not Mali, "RN10" is not RN1);
//! an apostrophe is a boundary, which takes care of French elisions (l'EIGS,
//! d'AQMI) and English possessives. In Arabic, where the conjunctions,
//! prepositions and article are written attached (وكايس، بمالي، للجيش), a
//! match may also follow such a prefix.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::gazetteer::{EntityType, Gazetteer};
use super::normalise::{CharCounter, normalise, normalise_alias};

/// One place an entity is mentioned, in characters of the tagged text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// An entity found in a text, with all its mentions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tagged {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub name: String,
    pub mentions: Vec<Mention>,
}

/// What one automaton pattern stands for.
#[derive(Debug, Clone)]
struct Pattern {
    /// Indices into the gazetteer's entities.
    entities: Vec<usize>,
    /// The alias as written, when it must match with its case.
    exact: Option<String>,
}

/// A compiled gazetteer.
pub struct Tagger {
    gazetteer: Gazetteer,
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the entity matcher: {0}")]
pub struct TaggerError(String);

/// Arabic letters that attach to the next word: conjunctions و ف, prepositions
/// ب ك ل, the article ال, in that order.
const ARABIC_LEADING: [char; 2] = ['و', 'ف'];
const ARABIC_PREPOSITIONS: [char; 3] = ['ب', 'ك', 'ل'];

impl Tagger {
    pub fn new(gazetteer: Gazetteer) -> Result<Tagger, TaggerError> {
        // One pattern per distinct normalised spelling (and per exact form
        // for case-sensitive ones), pointing at every entity that uses it.
        let mut by_form: BTreeMap<(String, Option<String>), Vec<usize>> = BTreeMap::new();
        for (index, entity) in gazetteer.entities().iter().enumerate() {
            for alias in entity.spellings() {
                let exact = entity.is_case_sensitive(alias).then(|| alias.to_owned());
                let form = normalise_alias(alias);
                for variant in arabic_variants(&form) {
                    let entry = by_form.entry((variant, exact.clone())).or_default();
                    if !entry.contains(&index) {
                        entry.push(index);
                    }
                }
            }
        }
        let mut forms = Vec::with_capacity(by_form.len());
        let mut patterns = Vec::with_capacity(by_form.len());
        for ((form, exact), entities) in by_form {
            forms.push(form);
            patterns.push(Pattern { entities, exact });
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&forms)
            .map_err(|err| TaggerError(err.to_string()))?;
        Ok(Tagger {
            gazetteer,
            automaton,
            patterns,
        })
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Every entity mentioned in `text`, in order of first mention.
    pub fn tag(&self, text: &str) -> Vec<Tagged> {
        let normalised = normalise(text);
        let haystack = normalised.text.as_str();
        let mut chars = CharCounter::new(text);
        let mut found: Vec<Tagged> = Vec::new();
        let mut slot_of: Vec<Option<usize>> = vec![None; self.gazetteer.len()];
        for hit in self.automaton.find_iter(haystack) {
            if !ends_a_word(haystack, hit.end()) || !starts_a_word(haystack, hit.start()) {
                continue;
            }
            let (start_byte, end_byte) = normalised.original_range(hit.start(), hit.end());
            let written = &text[start_byte..end_byte];
            let pattern = &self.patterns[hit.pattern().as_usize()];
            if pattern
                .exact
                .as_deref()
                .is_some_and(|exact| exact != written)
            {
                continue;
            }
            let start = chars.chars_at(start_byte);
            let end = start + written.chars().count();
            for &index in &pattern.entities {
                let slot = *slot_of[index].get_or_insert_with(|| {
                    let entity = &self.gazetteer.entities()[index];
                    found.push(Tagged {
                        id: entity.id.clone(),
                        kind: entity.kind,
                        name: entity.name.clone(),
                        mentions: Vec::new(),
                    });
                    found.len() - 1
                });
                found[slot].mentions.push(Mention {
                    start,
                    end,
                    text: written.to_owned(),
                });
            }
        }
        found
    }
}

/// The forms an alias is matched in: as written, and for an Arabic alias
/// with the article, also without it, so that "للجيش المالي" (li + al-jaysh,
/// the alef dropped) finds "الجيش المالي".
fn arabic_variants(form: &str) -> Vec<String> {
    let mut variants = vec![form.to_owned()];
    if let Some(bare) = form.strip_prefix("ال")
        && bare.chars().count() >= 3
        && bare.chars().next().is_some_and(is_arabic_letter)
    {
        variants.push(bare.to_owned());
    }
    variants
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_arabic_letter(c: char) -> bool {
    ('\u{0620}'..='\u{064A}').contains(&c) || ('\u{066E}'..='\u{06D3}').contains(&c)
}

fn ends_a_word(haystack: &str, end: usize) -> bool {
    haystack[end..]
        .chars()
        .next()
        .is_none_or(|c| !is_word_char(c))
}

/// A match starts a word if nothing word-like precedes it, or if what
/// precedes it in its word is an Arabic attached prefix.
fn starts_a_word(haystack: &str, start: usize) -> bool {
    let before = &haystack[..start];
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(0, |(index, c)| index + c.len_utf8());
    let prefix = &before[word_start..];
    prefix.is_empty()
        || (haystack[start..]
            .chars()
            .next()
            .is_some_and(is_arabic_letter)
            && is_arabic_prefix(prefix))
}

/// و/ف, then ب/ك/ل, then ال; or لل (li + al, alef dropped).
fn is_arabic_prefix(prefix: &str) -> bool {
    let mut rest = prefix;
    if let Some(c) = rest.chars().next()
        && ARABIC_LEADING.contains(&c)
    {
        rest = &rest[c.len_utf8()..];
    }
    if let Some(tail) = rest.strip_prefix("لل") {
        return tail.is_empty();
    }
    if let Some(c) = rest.chars().next()
        && ARABIC_PREPOSITIONS.contains(&c)
    {
        rest = &rest[c.len_utf8()..];
    }
    rest.is_empty() || rest == "ال"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn tagger() -> Tagger {
        let text = r#"
[[entity]]
id = "mali"
type = "country"
name = "Mali"
aliases = ["مالي"]

[[entity]]
id = "guinea"
type = "country"
name = "Guinée"
aliases = ["Guinea"]

[[entity]]
id = "guinea-bissau"
type = "country"
name = "Guinée-Bissau"

[[entity]]
id = "macina"
type = "place"
name = "Macina"
lat = 13.96
lon = -5.36

[[entity]]
id = "katiba-macina"
type = "armed_group"
name = "Katiba Macina"
aliases = ["كتيبة ماسينا"]

[[entity]]
id = "rn1"
type = "infrastructure"
name = "RN1"

[[entity]]
id = "fama"
type = "force"
name = "FAMa"
aliases = ["الجيش المالي"]

[[entity]]
id = "eigs"
type = "armed_group"
name = "EIGS"
aliases = ["EI"]
case_sensitive = ["EI"]
"#;
        let gazetteer = Gazetteer::from_sources(&[(Path::new("t.toml"), text)]).unwrap();
        Tagger::new(gazetteer).unwrap()
    }

    fn ids(text: &str) -> Vec<String> {
        tagger().tag(text).into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn boundaries_and_longest_match() {
        assert_eq!(ids("La Somalie et le MALI."), ["mali"]);
        assert_eq!(ids("Sur la RN10 puis la RN1."), ["rn1"]);
        assert_eq!(ids("Guinée-Bissau et Guinee."), ["guinea-bissau", "guinea"]);
        assert_eq!(
            ids("la katiba Macina près de Macina"),
            ["katiba-macina", "macina"]
        );
        assert!(ids("animalistic").is_empty());
    }

    #[test]
    fn elisions_possessives_and_case_sensitive_aliases() {
        assert_eq!(ids("l'EIGS et l’EI"), ["eigs"]);
        assert!(ids("ei ei").is_empty());
        assert_eq!(ids("Mali's army"), ["mali"]);
    }

    #[test]
    fn arabic_prefixes_and_variants() {
        assert_eq!(ids("وصل إلى مـالي"), ["mali"]);
        assert_eq!(ids("بمالي وكتيبة ماسينا"), ["mali", "katiba-macina"]);
        assert_eq!(ids("للجيش المالي"), ["fama"]);
        assert!(ids("ومالية").is_empty());
        // An attached letter that is not a prefix makes another word.
        assert!(ids("تمالي").is_empty());
    }

    #[test]
    fn mentions_point_at_the_original_text() {
        let text = "Près de KÉDOUGOU? Non: au MALI, puis à Guinée-Bissau.";
        let tagged = tagger().tag(text);
        let chars: Vec<char> = text.chars().collect();
        for entity in &tagged {
            for mention in &entity.mentions {
                let slice: String = chars[mention.start..mention.end].iter().collect();
                assert_eq!(slice, mention.text);
            }
        }
        assert_eq!(tagged[0].mentions[0].text, "MALI");
        assert_eq!(tagged[1].mentions[0].text, "Guinée-Bissau");
    }
}
