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
//!
//! Each match is then judged by the rules of [`super::evidence`]: spellings
//! that are also ordinary words or common names need evidence, and counter-
//! evidence (a river, a first name, a foreign name part) refuses a match.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};

use super::evidence::{self, Level, Site, Target};
use super::gazetteer::{EntityType, Gazetteer};
use super::normalise::{CharCounter, normalise, normalise_alias};

/// One place an entity is mentioned, in characters of the tagged text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mention {
    /// Where the mention starts.
    pub start: usize,
    /// Where it ends (exclusive).
    pub end: usize,
    /// The words as the text writes them.
    pub text: String,
    /// Why an ambiguous spelling was tagged (`cue:région de`,
    /// `context:bamako`, `form:régions de`); absent for plain spellings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// An entity found in a text, with all its mentions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Tagged {
    /// The entity's gazetteer id.
    pub id: String,
    /// Its type, serialised as `type`.
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// Its canonical name in the gazetteer.
    pub name: String,
    /// Every place the text names it, in text order.
    pub mentions: Vec<Mention>,
}

/// A spelling found but not tagged, and the rule that refused it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// The id of the entity the spelling would have been tagged with.
    pub id: String,
    /// Where the spelling starts, in characters of the text.
    pub start: usize,
    /// Where it ends (exclusive).
    pub end: usize,
    /// The words as the text writes them.
    pub text: String,
    /// `no-evidence`, `first-name`, `title`, `name-before`, `name-after`,
    /// `river`, `gulf`, `foreign-name`, `delta`, `foreign-state`, `compound`, `organisation`,
    /// `ordinary-word` or `hamza`.
    pub rejected: &'static str,
}

/// What `Tagger::explain` returns: the tags, and what was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// What `Tagger::tag` returns for the same text.
    pub entities: Vec<Tagged>,
    /// The spellings found but not tagged, in text order.
    pub rejected: Vec<Rejected>,
}

/// What one automaton pattern stands for.
#[derive(Debug, Clone)]
struct Pattern {
    /// Indices into the gazetteer's entities, each with whether this
    /// spelling of it needs evidence.
    entities: Vec<(usize, bool)>,
    /// The alias as written, when it must match with its case.
    exact: Option<String>,
    /// Whether an alias of this form is written with a hamza inside a word:
    /// if not, a text with one there is another word (كأي "like any" is not
    /// كاي).
    hamza: bool,
}

/// The entities writing one normalised form (each with whether it needs
/// evidence), and whether any writes it with a hamza inside a word.
type FormUses = (Vec<(usize, bool)>, bool);

/// What the evidence rules need to know about an entity.
#[derive(Debug, Clone)]
struct Facts {
    kind: EntityType,
    /// Its own country or its nearest ancestor's.
    country: Option<String>,
    /// A Sahel entity: of a Sahel country, or an armed group, force or
    /// person of the gazetteer.
    sahel: bool,
    /// A place with no parent that is not a country: a river or another
    /// natural feature, which river words do not refuse.
    natural: bool,
    /// A place some administrative spelling names ("région de Kayes",
    /// "cercle de Macina"): a region or cercle, not a town.
    administrative: bool,
}

/// Countries whose entities are context for one another.
const SAHEL_COUNTRIES: [&str; 8] = ["ML", "NE", "BF", "MR", "SN", "GN", "TD", "GM"];

/// A compiled gazetteer.
pub struct Tagger {
    gazetteer: Gazetteer,
    automaton: AhoCorasick,
    /// The same patterns for anchored searches only: a shorter spelling
    /// where the longest one ends inside a word.
    anchored: AhoCorasick,
    patterns: Vec<Pattern>,
    facts: Vec<Facts>,
    /// The entity standing for a place name at an administrative level
    /// ("kayes" as a region is kayes-region), from spellings such as
    /// "région de Kayes" and "منطقة كاي".
    admin: HashMap<(Level, String), usize>,
}

/// The gazetteer's spellings could not be compiled into one automaton.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the entity matcher: {0}")]
pub struct TaggerError(String);

/// Arabic letters that attach to the next word: conjunctions و ف, prepositions
/// ب ك ل, the article ال, in that order.
const ARABIC_LEADING: [char; 2] = ['و', 'ف'];
const ARABIC_PREPOSITIONS: [char; 3] = ['ب', 'ك', 'ل'];

/// One spelling found on word boundaries.
struct Hit {
    word_start: usize,
    start: usize,
    end: usize,
    start_char: usize,
    end_char: usize,
    /// Byte range of the spelling in the original text.
    original: (usize, usize),
    paragraph: usize,
    pattern: usize,
}

/// What became of one entity at one hit.
enum Decision {
    Accepted(Option<String>),
    Rejected(&'static str),
    NeedsContext,
}

/// The evidence rules' answers at one site, as they are asked.
#[derive(Default)]
struct SiteChecks {
    /// Counter-evidence, by ambiguous × person × river.
    counter: [Option<Option<&'static str>>; 8],
    /// The place cue's evidence, for a region or country and for a town.
    cue: [Option<Option<String>>; 2],
    actor_cue: Option<Option<String>>,
}

struct Candidate {
    hit: usize,
    entity: usize,
    ambiguous: bool,
    decision: Decision,
}

impl Tagger {
    /// Compiles every spelling of `gazetteer` into the matcher; done once at
    /// start-up, since a tagger is shared by every document.
    pub fn new(gazetteer: Gazetteer) -> Result<Tagger, TaggerError> {
        // One pattern per distinct normalised spelling (and per exact form
        // for case-sensitive ones), pointing at every entity that uses it.
        let mut by_form: BTreeMap<(String, Option<String>), FormUses> = BTreeMap::new();
        let mut admin = HashMap::new();
        for (index, entity) in gazetteer.entities().iter().enumerate() {
            for alias in entity.spellings() {
                let exact = entity.is_case_sensitive(alias).then(|| alias.to_owned());
                let ambiguous = entity.is_ambiguous(alias);
                let form = normalise_alias(alias);
                if entity.kind == EntityType::Place
                    && let Some(key) = evidence::admin_name(&form)
                {
                    admin.entry(key).or_insert(index);
                }
                for variant in arabic_variants(&form) {
                    let (entities, hamza) = by_form.entry((variant, exact.clone())).or_default();
                    *hamza |= has_medial_hamza(alias);
                    match entities.iter_mut().find(|(listed, _)| *listed == index) {
                        Some((_, listed_ambiguous)) => *listed_ambiguous &= ambiguous,
                        None => entities.push((index, ambiguous)),
                    }
                }
            }
        }
        let mut forms = Vec::with_capacity(by_form.len());
        let mut patterns = Vec::with_capacity(by_form.len());
        for ((form, exact), (entities, hamza)) in by_form {
            forms.push(form);
            patterns.push(Pattern {
                entities,
                exact,
                hamza,
            });
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&forms)
            .map_err(|err| TaggerError(err.to_string()))?;
        let anchored = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(&forms)
            .map_err(|err| TaggerError(err.to_string()))?;
        let mut facts = gazetteer
            .entities()
            .iter()
            .map(|entity| {
                let country = country_of(&gazetteer, entity);
                let sahel = match entity.kind {
                    EntityType::ArmedGroup | EntityType::Force | EntityType::Person => true,
                    _ => country
                        .as_deref()
                        .is_some_and(|code| SAHEL_COUNTRIES.contains(&code)),
                };
                Facts {
                    kind: entity.kind,
                    country,
                    sahel,
                    natural: entity.kind == EntityType::Place && entity.parent.is_none(),
                    administrative: false,
                }
            })
            .collect::<Vec<Facts>>();
        for &entity in admin.values() {
            facts[entity].administrative = true;
        }
        Ok(Tagger {
            gazetteer,
            automaton,
            anchored,
            patterns,
            facts,
            admin,
        })
    }

    /// The gazetteer it tags with.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Every entity mentioned in `text`, in order of first mention.
    pub fn tag(&self, text: &str) -> Vec<Tagged> {
        self.run(text, false).entities
    }

    /// The tags of `text`, and every spelling found but refused, with the
    /// rule that refused it.
    pub fn explain(&self, text: &str) -> Explained {
        self.run(text, true)
    }

    fn run(&self, text: &str, explain: bool) -> Explained {
        let normalised = normalise(text);
        let haystack = normalised.text.as_str();
        let mut chars = CharCounter::new(text);
        let mut rejected = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let (mut paragraph, mut paragraph_scanned) = (0, 0);
        for found in self.automaton.find_iter(haystack) {
            // "Ségou regions": the longest spelling ("Ségou Region") ends
            // inside a word, so take the longest shorter one that does not.
            let Some(found) = self.whole_words_at(haystack, found) else {
                continue;
            };
            let Some(word_start) = word_start(haystack, found.start()) else {
                continue;
            };
            let (start_byte, end_byte) = normalised.original_range(found.start(), found.end());
            let written = &text[start_byte..end_byte];
            let pattern = &self.patterns[found.pattern().as_usize()];
            if pattern
                .exact
                .as_deref()
                .is_some_and(|exact| exact != written)
            {
                continue;
            }
            let start_char = chars.chars_at(start_byte);
            let end_char = start_char + written.chars().count();
            if !pattern.hamza && has_medial_hamza(written) {
                if explain {
                    for &(entity, _) in &pattern.entities {
                        rejected.push(Rejected {
                            id: self.gazetteer.entities()[entity].id.clone(),
                            start: start_char,
                            end: end_char,
                            text: written.to_owned(),
                            rejected: "hamza",
                        });
                    }
                }
                continue;
            }
            paragraph += text[paragraph_scanned..start_byte].matches('\n').count();
            paragraph_scanned = start_byte;
            hits.push(Hit {
                word_start,
                start: found.start(),
                end: found.end(),
                start_char,
                end_char,
                original: (start_byte, end_byte),
                paragraph,
                pattern: found.pattern().as_usize(),
            });
        }
        let site = |hit: &Hit| Site::new(&normalised, hit.word_start, hit.start, hit.end);

        // Candidates in hit order; `of_hit[i]` is where hit i's start.
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut of_hit: Vec<usize> = Vec::with_capacity(hits.len() + 1);
        let mut hit_is_place: Vec<bool> = Vec::with_capacity(hits.len());
        for (index, hit) in hits.iter().enumerate() {
            of_hit.push(candidates.len());
            let mut place = false;
            for &(entity, ambiguous) in &self.patterns[hit.pattern].entities {
                place |= self.facts[entity].kind == EntityType::Place;
                candidates.push(Candidate {
                    hit: index,
                    entity,
                    ambiguous,
                    decision: Decision::NeedsContext,
                });
            }
            hit_is_place.push(place);
        }
        of_hit.push(candidates.len());
        self.read_administrative_forms(
            &hits,
            &hit_is_place,
            &of_hit,
            &mut candidates,
            &site,
            haystack,
        );
        // A spelling several entities share is one site: the words around
        // it are read once, and each rule's answer is kept for the next
        // entity that asks the same question.
        let mut checks: Option<(usize, Site<'_, '_>, SiteChecks)> = None;
        for candidate in &mut candidates {
            if !matches!(candidate.decision, Decision::NeedsContext) {
                continue;
            }
            let facts = &self.facts[candidate.entity];
            // Only places and countries have counter-evidence when their
            // spelling is not ambiguous (water, Niger Delta, "guinea-pig").
            if !candidate.ambiguous
                && !matches!(facts.kind, EntityType::Place | EntityType::Country)
            {
                candidate.decision = Decision::Accepted(None);
                continue;
            }
            let hit = &hits[candidate.hit];
            if checks
                .as_ref()
                .is_none_or(|(checked, _, _)| *checked != candidate.hit)
            {
                checks = Some((candidate.hit, site(hit), SiteChecks::default()));
            }
            let Some((_, site, answers)) = checks.as_mut() else {
                unreachable!("set above")
            };
            let site: &Site<'_, '_> = site;
            let place_follows = hits.get(candidate.hit + 1).is_some_and(|next| {
                hit_is_place[candidate.hit + 1]
                    && haystack[hit.end..next.word_start].trim().is_empty()
            });
            let target = Target {
                form: &haystack[hit.start..hit.end],
                is_person: facts.kind == EntityType::Person,
                is_river: facts.natural,
                place_follows,
            };
            let question = usize::from(candidate.ambiguous) * 4
                + usize::from(target.is_person) * 2
                + usize::from(target.is_river);
            let counter = *answers.counter[question].get_or_insert_with(|| {
                evidence::counter_evidence(site, &target, candidate.ambiguous)
            });
            candidate.decision = if let Some(reason) = counter {
                Decision::Rejected(reason)
            } else if !candidate.ambiguous {
                Decision::Accepted(None)
            } else if let Some(cue) = matches!(facts.kind, EntityType::Place | EntityType::Country)
                .then(|| {
                    let town = self.is_town(candidate.entity);
                    answers.cue[usize::from(town)]
                        .get_or_insert_with(|| {
                            evidence::cue(site, town).map(|cue| format!("cue:{cue}"))
                        })
                        .clone()
                })
                .flatten()
            {
                Decision::Accepted(Some(cue))
            } else if let Some(cue) =
                matches!(facts.kind, EntityType::ArmedGroup | EntityType::Force)
                    .then(|| {
                        answers
                            .actor_cue
                            .get_or_insert_with(|| {
                                evidence::actor_cue(site).map(|cue| format!("type:{cue}"))
                            })
                            .clone()
                    })
                    .flatten()
            {
                Decision::Accepted(Some(cue))
            } else {
                Decision::NeedsContext
            };
        }
        // Context comes only from mentions accepted on their own, so two
        // ambiguous names cannot vouch for each other.
        let mut context: HashMap<usize, Vec<usize>> = HashMap::new();
        if candidates
            .iter()
            .any(|candidate| matches!(candidate.decision, Decision::NeedsContext))
        {
            for candidate in &candidates {
                if matches!(candidate.decision, Decision::Accepted(_)) {
                    let entities = context.entry(hits[candidate.hit].paragraph).or_default();
                    if !entities.contains(&candidate.entity) {
                        entities.push(candidate.entity);
                    }
                }
            }
        }
        for candidate in &mut candidates {
            if !matches!(candidate.decision, Decision::NeedsContext) {
                continue;
            }
            let paragraph = hits[candidate.hit].paragraph;
            let support = context.get(&paragraph).and_then(|entities| {
                entities
                    .iter()
                    .find(|&&other| self.supports(other, candidate.entity))
            });
            candidate.decision = match support {
                Some(&other) => Decision::Accepted(Some(format!(
                    "context:{}",
                    self.gazetteer.entities()[other].id
                ))),
                None => Decision::Rejected("no-evidence"),
            };
        }

        let mut found: Vec<Tagged> = Vec::new();
        // By entity index; a map, not a slot per gazetteer entity, since
        // the village layer makes that 15,000 slots cleared per document.
        let mut slot_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for candidate in candidates {
            let hit = &hits[candidate.hit];
            let entity = &self.gazetteer.entities()[candidate.entity];
            match candidate.decision {
                Decision::Accepted(evidence) => {
                    let slot = *slot_of.entry(candidate.entity).or_insert_with(|| {
                        found.push(Tagged {
                            id: entity.id.clone(),
                            kind: entity.kind,
                            name: entity.name.clone(),
                            mentions: Vec::new(),
                        });
                        found.len() - 1
                    });
                    found[slot].mentions.push(Mention {
                        start: hit.start_char,
                        end: hit.end_char,
                        text: text[hit.original.0..hit.original.1].to_owned(),
                        evidence,
                    });
                }
                Decision::Rejected(reason) if explain => rejected.push(Rejected {
                    id: entity.id.clone(),
                    start: hit.start_char,
                    end: hit.end_char,
                    text: text[hit.original.0..hit.original.1].to_owned(),
                    rejected: reason,
                }),
                _ => {}
            }
        }
        rejected.sort_by_key(|rejection| rejection.start);
        Explained {
            entities: found,
            rejected,
        }
    }

    /// `found`, or the longest shorter spelling starting at the same place,
    /// that ends a word.
    fn whole_words_at(
        &self,
        haystack: &str,
        found: aho_corasick::Match,
    ) -> Option<aho_corasick::Match> {
        let mut current = found;
        loop {
            if ends_a_word(haystack, current.end()) {
                return Some(current);
            }
            let input = Input::new(haystack)
                .range(current.start()..current.end() - 1)
                .anchored(Anchored::Yes);
            current = self.anchored.find(input)?;
        }
    }

    /// Lists and forms that put place names at an administrative level
    /// ("les régions de Ménaka et de Tombouctou", "Mopti and Ségou regions",
    /// "منطقتي كاي وموبتي"): each name becomes the entity at that level
    /// where the gazetteer has one, and stays the town otherwise; the form
    /// is its evidence.
    fn read_administrative_forms<'n, 'a>(
        &self,
        hits: &[Hit],
        hit_is_place: &[bool],
        of_hit: &[usize],
        candidates: &mut [Candidate],
        site: &dyn Fn(&Hit) -> Site<'n, 'a>,
        haystack: &str,
    ) {
        let mut first = 0;
        while first < hits.len() {
            if !hit_is_place[first] {
                first += 1;
                continue;
            }
            // A run of hits that are places, joined only by list words (an
            // Arabic و attached to the next name among them).
            let mut last = first;
            while last + 1 < hits.len()
                && hit_is_place[last + 1]
                && evidence::is_list_gap(&haystack[hits[last].end..hits[last + 1].word_start])
                && matches!(
                    &haystack[hits[last + 1].word_start..hits[last + 1].start],
                    "" | "و"
                )
            {
                last += 1;
            }
            let form = evidence::admin_before(&site(&hits[first]))
                .or_else(|| evidence::admin_after(&site(&hits[last])));
            if let Some((level, written)) = form {
                for candidate in &mut candidates[of_hit[first]..of_hit[last + 1]] {
                    if self.facts[candidate.entity].kind != EntityType::Place {
                        continue;
                    }
                    let hit = &hits[candidate.hit];
                    let name = haystack[hit.start..hit.end].to_owned();
                    if let Some(&entity) = self.admin.get(&(level, name)) {
                        candidate.entity = entity;
                    }
                    candidate.decision = Decision::Accepted(Some(format!("form:{written}")));
                }
            }
            first = last + 1;
        }
    }

    /// A place below a country that is not an administrative region: a
    /// town or a village.
    fn is_town(&self, entity: usize) -> bool {
        let facts = &self.facts[entity];
        facts.kind == EntityType::Place && !facts.natural && !facts.administrative
    }

    /// Whether a mention of `context` in a paragraph is evidence for
    /// `target` there: another place of the same country or an armed group
    /// or force for a place; any Sahel entity for a country, group or
    /// person.
    fn supports(&self, context: usize, target: usize) -> bool {
        let (context_facts, target_facts) = (&self.facts[context], &self.facts[target]);
        if context == target || !context_facts.sahel {
            return false;
        }
        match target_facts.kind {
            EntityType::Place => {
                matches!(
                    context_facts.kind,
                    EntityType::ArmedGroup | EntityType::Force
                ) || (target_facts.country.is_some()
                    && context_facts.country == target_facts.country)
            }
            _ => true,
        }
    }
}

/// The entity's country, or its nearest ancestor's.
fn country_of(gazetteer: &Gazetteer, entity: &super::gazetteer::Entity) -> Option<String> {
    let mut current = entity;
    // Parents are checked to exist, not to be acyclic: a bound is enough.
    for _ in 0..8 {
        if let Some(country) = &current.country {
            return Some(country.clone());
        }
        current = gazetteer.get(current.parent.as_deref()?)?;
    }
    None
}

/// Whether a hamza on alef, waw or ya is written inside a word, not at its
/// start or right after the article: hamza there is part of the word
/// (كأي, سأل), where at a word's start writers often leave it out.
fn has_medial_hamza(text: &str) -> bool {
    if !text.contains(['أ', 'إ', 'ؤ', 'ئ']) {
        return false;
    }
    text.split(|c: char| !c.is_alphanumeric()).any(|word| {
        let mut previous = String::new();
        for (position, c) in word.chars().enumerate() {
            if position > 0
                && matches!(c, 'أ' | 'إ' | 'ؤ' | 'ئ')
                && !(previous.ends_with("ال") || previous.ends_with("لل"))
            {
                return true;
            }
            previous.push(c);
        }
        false
    })
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

/// Where the word of a match starts, if the match starts a word: nothing
/// word-like precedes it, or what precedes it in its word is an Arabic
/// attached prefix.
fn word_start(haystack: &str, start: usize) -> Option<usize> {
    let before = &haystack[..start];
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(0, |(index, c)| index + c.len_utf8());
    let prefix = &before[word_start..];
    let starts = prefix.is_empty()
        || (haystack[start..]
            .chars()
            .next()
            .is_some_and(is_arabic_letter)
            && is_arabic_prefix(prefix));
    starts.then_some(word_start)
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
