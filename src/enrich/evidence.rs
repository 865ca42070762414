//! Evidence for names that mean something else too.
//!
//! A spelling marked ambiguous in the gazetteer (or by the loader's rules:
//! short Arabic words, common first names and surnames) is tagged only when
//! the text says it is the place or actor: a place cue right before it in
//! the text's language ("région de", "near", في), the administrative form it
//! stands in ("les cercles de Nioro et de Diéma"), or an unambiguous Sahel
//! entity in the same paragraph. Counter-evidence refuses a mention whatever
//! else is there: a title or first name before it ("Richard Wagner"),
//! another name part after it ("Gao Xingjian", "Kita-ku"), a river word
//! ("across the Niger"), "Niger Delta", "Niger State", an organisation's
//! name around it. The rules here look only at the words next to a mention;
//! the tagger decides with them and records which one fired.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::normalise::{Normalised, normalise_alias};

/// Where a mention sits in the normalised text.
pub struct Site<'n, 'a> {
    /// The whole text, normalised, that the rules read around the mention.
    pub normalised: &'n Normalised<'a>,
    /// Start of the word, with any attached Arabic prefix (و، ب، ال...).
    pub word_start: usize,
    /// Start of the spelling itself, after the prefix.
    pub start: usize,
    /// End of the spelling (exclusive).
    pub end: usize,
    /// The words before, found once for all the rules that look at them.
    before: OnceCell<Vec<(usize, usize)>>,
}

/// How many words before a mention any rule looks at.
const WORDS_BEFORE: usize = 4;

impl<'n, 'a> Site<'n, 'a> {
    /// A mention at `start..end` of `normalised`, its word (with any Arabic
    /// prefix) starting at `word_start`.
    pub fn new(
        normalised: &'n Normalised<'a>,
        word_start: usize,
        start: usize,
        end: usize,
    ) -> Self {
        Site {
            normalised,
            word_start,
            start,
            end,
            before: OnceCell::new(),
        }
    }
}

impl Site<'_, '_> {
    fn haystack(&self) -> &str {
        &self.normalised.text
    }

    /// The Arabic letters attached before the spelling.
    pub fn prefix(&self) -> &str {
        &self.haystack()[self.word_start..self.start]
    }

    /// Whether the Arabic article is attached: "المالي" is an adjective
    /// ("the Malian" or "the financial"), not the country's name.
    pub fn is_definite(&self) -> bool {
        let prefix = self.prefix();
        prefix.ends_with("ال") || prefix.ends_with("لل")
    }

    /// Up to `count` words right before the mention, nearest last, stopping
    /// at punctuation: a cue or a name across a comma or a full stop is not
    /// next to the mention.
    fn words_before(&self, count: usize) -> &[(usize, usize)] {
        let words = self
            .before
            .get_or_init(|| words_before(self.haystack(), self.word_start, WORDS_BEFORE));
        &words[words.len().saturating_sub(count)..]
    }

    fn words_after(&self, count: usize) -> Vec<(usize, usize)> {
        words_after(self.haystack(), self.end, count)
    }

    /// The original text of a normalised byte range.
    fn original(&self, (start, end): (usize, usize)) -> &str {
        let (a, b) = self.normalised.original_range(start, end);
        &self.normalised.original()[a..b]
    }

    /// The original text right after the mention, up to the next space.
    fn original_after(&self) -> &str {
        let (_, end) = self.normalised.original_range(self.start, self.end);
        let rest = &self.normalised.original()[end..];
        rest.split(char::is_whitespace).next().unwrap_or("")
    }
}

/// The words of `haystack` before `pos`, as byte ranges in reading order.
pub fn words_before(haystack: &str, pos: usize, count: usize) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut cursor = pos;
    while words.len() < count {
        let before = &haystack[..cursor];
        let trimmed = before.trim_end_matches(' ');
        if trimmed.is_empty() || (trimmed.len() == before.len() && !words.is_empty()) {
            break;
        }
        let end = trimmed.len();
        let start = trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(0, |(index, c)| index + c.len_utf8());
        if start == end {
            break;
        }
        words.push((start, end));
        cursor = start;
    }
    words.reverse();
    words
}

/// The words of `haystack` after `pos`, in reading order.
pub fn words_after(haystack: &str, pos: usize, count: usize) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut cursor = pos;
    while words.len() < count {
        let after = &haystack[cursor..];
        let trimmed = after.trim_start_matches(' ');
        let start = cursor + (after.len() - trimmed.len());
        let length = trimmed
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(trimmed.len(), |(index, _)| index);
        if length == 0 {
            break;
        }
        words.push((start, start + length));
        cursor = start + length;
    }
    words
}

/// Letters, digits and the apostrophe of an elision ("d'", "l'").
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Normalised word lists, so the tables below can be written as people
/// write them; longer phrases first, so the evidence names "région de",
/// not "de".
fn list(words: &[&str]) -> Phrases {
    let mut phrases: Vec<String> = words.iter().map(|word| normalise_alias(word)).collect();
    phrases.sort_by_key(|phrase| std::cmp::Reverse(phrase.split(' ').count()));
    let mut by_last_word: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, phrase) in phrases.iter().enumerate() {
        let last = phrase.rsplit(' ').next().unwrap_or_default();
        by_last_word.entry(last.to_owned()).or_default().push(index);
    }
    Phrases {
        phrases,
        by_last_word,
    }
}

/// A table of phrases, found by their last word: every mention is checked
/// against a dozen tables, so a scan of each would cost more than finding
/// the mention.
struct Phrases {
    /// In the order they are tried: longer phrases first.
    phrases: Vec<String>,
    /// The phrases ending with each word, in that order.
    by_last_word: HashMap<String, Vec<usize>>,
}

impl Phrases {
    /// Whether `word` is one of the phrases.
    fn contains(&self, word: &str) -> bool {
        self.ending_with(word)
            .iter()
            .any(|&index| self.phrases[index] == word)
    }

    fn ending_with(&self, word: &str) -> &[usize] {
        self.by_last_word.get(word).map_or(&[], Vec::as_slice)
    }

    fn iter(&self) -> impl Iterator<Item = &String> {
        self.phrases.iter()
    }
}

/// Words that put a place name after them, in French, English and Arabic.
/// Longer cues are tried first, so the evidence names "région de", not "de".
static PLACE_CUES: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        // French
        "à",
        "au",
        "aux",
        "en",
        "de",
        "du",
        "d'",
        "dans",
        "près de",
        "vers",
        "depuis",
        "région de",
        "région du",
        "cercle de",
        "cercle du",
        "localité de",
        "ville de",
        "commune de",
        "village de",
        "département de",
        "province de",
        "préfecture de",
        "environs de",
        "autour de",
        "nord de",
        "sud de",
        "est de",
        "ouest de",
        "centre de",
        "nord du",
        "sud du",
        "est du",
        "ouest du",
        "centre du",
        "route de",
        "axe",
        "Etat du",
        "gouvernement du",
        "président du",
        "armée du",
        // English
        "in",
        "near",
        "at",
        "outside",
        "around",
        "from",
        "into",
        "town of",
        "city of",
        "region of",
        "village of",
        "north of",
        "south of",
        "east of",
        "west of",
        "central",
        "northern",
        "southern",
        "eastern",
        "western",
        // Arabic (ب attached to the word is a cue too, see below)
        "في",
        "إلى",
        "الى",
        "مدينة",
        "بلدة",
        "قرية",
        "منطقة",
        "ولاية",
        "مقاطعة",
        "إقليم",
        "شمال",
        "جنوب",
        "شرق",
        "غرب",
        "وسط",
        "شمالي",
        "جنوبي",
        "دولة",
        "جمهورية",
        "عاصمة",
        "حكومة",
        "رئيس",
        "جيش",
        "قرب",
        "بالقرب من",
        "حدود",
        "سلطات",
        "أزمة",
        "شمال شرق",
        "شمال غرب",
        "جنوب شرق",
        "جنوب غرب",
    ])
});

/// Nouns a nationality adjective with the article follows ("الرئيس المالي",
/// "نظيره المالي"): with the article, مالي is "the Malian" only after one of
/// these, and otherwise most often "the financial".
static DEFINITE_HEADS: LazyLock<Phrases> = LazyLock::new(|| {
    // Not "الرئيس" (الرئيس المالي is also a company's finance chief), nor
    // "الجانب", "الوسط", "الشريك": the financial side, circles, partner.
    list(&[
        "الشعب",
        "الشمال",
        "الجنوب",
        "نظيره",
        "نظيرة",
        "الوفد",
        "المجلس العسكري",
        "الرئيس الانتقالي",
        "الانقلاب",
        "الجندي",
        "اللاعب",
        "المنتخب",
        "الجيش",
    ])
});

/// Titles before a name: what follows is a person.
static TITLES: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "m",
        "mr",
        "mrs",
        "ms",
        "mme",
        "mlle",
        "dr",
        "pr",
        "prof",
        "sir",
        "lord",
        "lady",
        "madame",
        "monsieur",
        "mister",
        "miss",
        "sister",
        "father",
        "saint",
        "st",
        "السيد",
        "السيدة",
        "الدكتور",
        "المهندس",
        "السير",
        "الموسيقار",
        "المؤلف",
    ])
});

/// First names common where these spellings are surnames.
static FIRST_NAMES: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "richard",
        "robert",
        "wilhelm",
        "siegfried",
        "cosima",
        "winifred",
        "wolfgang",
        "john",
        "james",
        "michael",
        "david",
        "peter",
        "paul",
        "thomas",
        "daniel",
        "william",
        "george",
        "anna",
        "maria",
        "mary",
        "christian",
        "patrick",
        "honus",
        "lindsay",
        "jill",
        "jack",
        "robin",
        "adam",
        "mark",
        "chris",
        "steve",
        "susan",
        "yan",
        "wei",
        "li",
        "xi",
        "yu",
        "hong",
        "takeshi",
        "hiroshi",
        "kenji",
        "yuki",
        "ريتشارد",
        "روبرت",
        "جون",
        "جيمس",
        "مايكل",
        "ديفيد",
        "بيتر",
        "هونغ",
        "هونج",
        "شي",
        "لي",
        "وانغ",
    ])
});

/// Words that make what follows them water, not land.
static RIVER_WORDS: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "fleuve",
        "rivière",
        "river",
        "across the",
        "across",
        "banks of the",
        "bord du",
        "bords du",
        "rives du",
        "rive du",
        "le long du",
        "along the",
        "نهر",
        "النهر",
        "ضفاف",
    ])
});

/// Words of an organisation's name around a place name in it.
static ORGANISATION_BEFORE: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "office",
        "radio",
        "banque",
        "bank",
        "université",
        "university",
        "hôtel",
        "hotel",
        "société",
        "compagnie",
        "company",
        "club",
        "fc",
        "association",
        "fondation",
        "foundation",
        "institut",
        "institute",
        "école",
        "school",
        "stade",
        "stadium",
        "festival",
        "orchestre",
        "orchestra",
        "opéra",
        "opera",
        "airlines",
        "شركة",
        "بنك",
        "مصرف",
        "جامعة",
        "نادي",
        "فندق",
        "مؤسسة",
        "إذاعة",
        "مهرجان",
    ])
});
static ORGANISATION_AFTER: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "fc",
        "sa",
        "sarl",
        "ltd",
        "inc",
        "corp",
        "corporation",
        "airlines",
        "airways",
        "bank",
        "university",
        "club",
        "group",
        "holdings",
        "records",
        "festival",
        "union",
    ])
});

/// Words after which a mention is a state of another country ("Niger
/// State", Nigeria) or a delta ("Niger Delta").
static FOREIGN_AFTER: LazyLock<Vec<(String, &'static str)>> = LazyLock::new(|| {
    vec![
        (normalise_alias("delta"), "delta"),
        (normalise_alias("state"), "foreign-state"),
    ]
});
/// Words that make a country's name part of another country's:
/// "Papouasie-Nouvelle-Guinée", "Papua New Guinea".
static FOREIGN_NAME_BEFORE: LazyLock<Phrases> =
    LazyLock::new(|| list(&["nouvelle", "new", "papouasie", "papua", "بابوا", "الجديدة"]));

/// A gulf named after a country is water: "golfe de Guinée".
static GULF_BEFORE: LazyLock<Phrases> =
    LazyLock::new(|| list(&["golfe de", "golfe du", "gulf of", "gulf of the", "خليج"]));
static DELTA_BEFORE: LazyLock<Phrases> =
    LazyLock::new(|| list(&["delta du", "delta of the", "دلتا"]));

/// Arabic nouns the adjective مالي ("financial") most often follows; after
/// one of them, a mention is the adjective whatever else the paragraph says.
static ADJECTIVE_HEADS: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "الفساد",
        "فساد",
        "العام",
        "عام",
        "الدعم",
        "دعم",
        "العجز",
        "عجز",
        "الوضع",
        "وضع",
        "السوق",
        "سوق",
        "النظام",
        "نظام",
        "القطاع",
        "قطاع",
        "الاستقرار",
        "استقرار",
        "الأداء",
        "أداء",
        "المركز",
        "مركز",
        "المستشار",
        "مستشار",
        "المدير",
        "مدير",
        "المحلل",
        "محلل",
        "الإفصاح",
        "إفصاح",
        "التقرير",
        "تقرير",
        "التحليل",
        "تحليل",
        "الموسم",
        "العائد",
        "عائد",
        "الربح",
        "ربح",
        "التخطيط",
        "تخطيط",
        "التمويل",
        "الاحتيال",
        "احتيال",
        "التعثر",
        "تعثر",
        "الالتزام",
        "التزام",
        "الضمان",
        "ضمان",
        "الإداري",
        "إداري",
        "المحاسبي",
        "محاسبي",
        "الاقتصادي",
        "اقتصادي",
        "الشأن",
        "شأن",
        "مبلغ",
        "المبلغ",
        "التعويض",
        "تعويض",
        "العبء",
        "عبء",
        "حجم",
        "الحجم",
        "الاستثمار",
        "الإصلاح",
        "إصلاح",
        "الرقابة",
        "رقابة",
        "الجانب المالي والإداري",
    ])
});
static ADJECTIVE_AFTER: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "والإداري",
        "والاداري",
        "والاقتصادي",
        "والمحاسبي",
        "والمعنوي",
        "والفني",
    ])
});

/// Words that follow a place without being part of a foreign name.
static ADMIN_AFTER: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "region",
        "région",
        "regions",
        "cercle",
        "cercles",
        "district",
        "province",
        "town",
        "city",
        "airport",
        "camp",
        "prefecture",
        "commune",
        "area",
    ])
});

/// Connecting words within a list of names or after a cue.
static STOPWORDS: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "le", "la", "les", "l'", "the", "of", "and", "et", "a", "an", "de", "du", "des", "d'",
        "ou", "or", "to", "by", "with", "for", "on", "from", "in", "at", "but", "as",
    ])
});

/// What is known about the entity a mention would be tagged with.
pub struct Target<'a> {
    /// The spelling matched, normalised.
    pub form: &'a str,
    /// The entity is a person: name rules apply, place rules do not.
    pub is_person: bool,
    /// The entity is a river, which shares its name with towns and regions.
    pub is_river: bool,
    /// Another place of the gazetteer follows right after ("l'axe
    /// Gao-Ansongo"): a place name, not a foreign name's part.
    pub place_follows: bool,
}

/// The last words of every phrase the checks for unambiguous spellings look
/// for before a mention, and the words they look for after it.
static TRIGGERS_BEFORE: LazyLock<HashSet<String>> = LazyLock::new(|| {
    [
        &RIVER_WORDS,
        &GULF_BEFORE,
        &FOREIGN_NAME_BEFORE,
        &DELTA_BEFORE,
    ]
    .into_iter()
    .flat_map(|phrases| phrases.iter())
    .filter_map(|phrase| phrase.rsplit(' ').next().map(str::to_owned))
    .collect()
});

/// A quick look at the words next to a mention: whether any check for an
/// unambiguous spelling could refuse it. Most mentions have none, and
/// tagging speed depends on not looking further.
fn may_have_counter_evidence(site: &Site<'_, '_>) -> bool {
    let haystack = site.haystack();
    let before = haystack[..site.word_start].trim_end_matches(' ');
    let previous_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(0, |(index, c)| index + c.len_utf8());
    let previous = &before[previous_start..];
    if TRIGGERS_BEFORE.contains(previous)
        || TRIGGERS_BEFORE.contains(strip_arabic_conjunction(previous))
    {
        return true;
    }
    let after = haystack[site.end..].trim_start_matches(' ');
    let next_end = after
        .char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(after.len(), |(index, _)| index);
    if FOREIGN_AFTER
        .iter()
        .any(|(word, _)| *word == after[..next_end])
    {
        return true;
    }
    let (_, end) = site.normalised.original_range(site.start, site.end);
    site.normalised.original()[end..].starts_with(['-', '\u{2010}', '\u{2011}'])
}

/// Whether `words` (normalised, reading order) end with `phrase`.
fn ends_with_phrase(haystack: &str, words: &[(usize, usize)], phrase: &str) -> bool {
    // From the last word: most phrases differ there, and are left at once.
    let mut words = words.iter().rev();
    phrase.rsplit(' ').all(|part| {
        words.next().is_some_and(|&(a, b)| {
            let word = &haystack[a..b];
            part == word || part == strip_arabic_conjunction(word)
        })
    })
}

/// "وفي" is "and in", "بوسط" "in the centre of": the attached conjunction
/// or preposition does not change the cue.
fn strip_arabic_conjunction(word: &str) -> &str {
    let mut rest = word;
    for letter in ['و', 'ف', 'ب'] {
        if let Some(stripped) = rest.strip_prefix(letter)
            && stripped.chars().count() >= 2
        {
            rest = stripped;
        }
    }
    rest
}

/// The longest phrase of `phrases` right before the mention, with its words'
/// range.
fn phrase_before<'p>(site: &Site<'_, '_>, phrases: &'p Phrases) -> Option<(&'p str, usize)> {
    let words = site.words_before(WORDS_BEFORE);
    let &(a, b) = words.last()?;
    let last = &site.haystack()[a..b];
    let stripped = strip_arabic_conjunction(last);
    // The first phrase in the table's order that ends the words, among
    // those whose last word is the mention's previous word as written or
    // without its attached conjunction.
    let mut candidates = phrases.ending_with(last).iter();
    let mut others = if stripped == last {
        [].iter()
    } else {
        phrases.ending_with(stripped).iter()
    };
    let (mut next, mut other) = (candidates.next(), others.next());
    loop {
        let index = match (next, other) {
            (None, None) => return None,
            (Some(&x), Some(&y)) if y < x => {
                other = others.next();
                y
            }
            (Some(&x), _) => {
                next = candidates.next();
                x
            }
            (None, Some(&y)) => {
                other = others.next();
                y
            }
        };
        let phrase = &phrases.phrases[index];
        if ends_with_phrase(site.haystack(), words, phrase) {
            let length = phrase.split(' ').count();
            return Some((phrase.as_str(), words[words.len() - length].0));
        }
    }
}

/// Why a mention is refused whatever else the text says, if it is.
/// Unambiguous spellings are checked only for water and foreign states;
/// ambiguous ones for names and organisations too.
pub fn counter_evidence(
    site: &Site<'_, '_>,
    target: &Target<'_>,
    ambiguous: bool,
) -> Option<&'static str> {
    if !ambiguous && !may_have_counter_evidence(site) {
        return None;
    }
    let haystack = site.haystack();
    let after = site.words_after(1);
    let next = after.first().map(|&(a, b)| &haystack[a..b]);
    let directly_after = after
        .first()
        .is_some_and(|&(a, _)| haystack[site.end..a].chars().all(|c| c == ' '));
    if !target.is_river && phrase_before(site, &RIVER_WORDS).is_some() {
        return Some("river");
    }
    if phrase_before(site, &GULF_BEFORE).is_some() {
        return Some("gulf");
    }
    if phrase_before(site, &FOREIGN_NAME_BEFORE).is_some() {
        return Some("foreign-name");
    }
    if phrase_before(site, &DELTA_BEFORE).is_some() {
        return Some("delta");
    }
    if is_compound_word(site) {
        return Some("compound");
    }
    if directly_after && let Some(next) = next {
        for (word, reason) in FOREIGN_AFTER.iter() {
            if next == word {
                return Some(reason);
            }
        }
    }
    if !ambiguous || target.is_person {
        return None;
    }
    if written_in_lower_case(site) {
        return Some("lower-case");
    }
    if title_before(site) {
        return Some("title");
    }
    if phrase_before(site, &FIRST_NAMES).is_some() {
        return Some("first-name");
    }
    if organisation_around(site, next.filter(|_| directly_after)) {
        return Some("organisation");
    }
    if let Some(&(a, b)) = site.words_before(1).last() {
        let previous = site.original((a, b));
        let at_sentence_start = words_before(haystack, a, 1).is_empty();
        if !at_sentence_start
            && starts_upper_latin(previous)
            && !STOPWORDS.contains(&haystack[a..b])
            && !PLACE_CUES.contains(&haystack[a..b])
        {
            return Some("name-before");
        }
    }
    if !target.place_follows && name_after(site, next.filter(|_| directly_after)) {
        return Some("name-after");
    }
    if is_arabic(target.form) {
        if phrase_before(site, &ADJECTIVE_HEADS).is_some() {
            return Some("ordinary-word");
        }
        if directly_after && next.is_some_and(|next| ADJECTIVE_AFTER.contains(next)) {
            return Some("ordinary-word");
        }
    }
    None
}

fn is_arabic(form: &str) -> bool {
    form.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn starts_upper_latin(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() && !is_arabic(&c.to_string()))
}

/// How far around a mention to look for capitals, in bytes: enough for the
/// sentence it sits in.
const CASE_WINDOW: usize = 400;

/// Latin-script writers capitalise place names, so an ambiguous name written
/// in lower case is the ordinary word it also is ("c'est-à-dire" for Diré,
/// "au-delà" for Dela, "the same" for Same). Text with no capitals around
/// the mention (a speech-to-text transcript) says nothing either way.
fn written_in_lower_case(site: &Site<'_, '_>) -> bool {
    let (start, end) = site.normalised.original_range(site.start, site.end);
    let original = site.normalised.original();
    let lower_latin = |c: char| c.is_lowercase() && !is_arabic(&c.to_string());
    // "cercle de Ténenkou" is a name: a capital anywhere in the mention will do.
    let written = &original[start..end];
    if !written.chars().next().is_some_and(lower_latin) || written.chars().any(char::is_uppercase) {
        return false;
    }
    let mut from = start.saturating_sub(CASE_WINDOW);
    while !original.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + CASE_WINDOW).min(original.len());
    while !original.is_char_boundary(to) {
        to += 1;
    }
    original[from..to].chars().any(char::is_uppercase)
}

/// A name written in lower case and joined by a hyphen to a lower-case
/// word is part of an ordinary compound ("guinea-pig"), not the name.
fn is_compound_word(site: &Site<'_, '_>) -> bool {
    let (start, end) = site.normalised.original_range(site.start, site.end);
    let original = site.normalised.original();
    let lower_case = |c: char| c.is_lowercase() && !is_arabic(&c.to_string());
    let mut after = original[end..].chars();
    original[start..].chars().next().is_some_and(lower_case)
        && matches!(after.next(), Some('-' | '\u{2010}' | '\u{2011}'))
        && after.next().is_some_and(lower_case)
}

/// "M. Wagner", "Mr Gao", "السيد كاي".
fn title_before(site: &Site<'_, '_>) -> bool {
    let haystack = site.haystack();
    let before = haystack[..site.word_start].trim_end_matches(' ');
    let before = before.strip_suffix('.').unwrap_or(before);
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphanumeric())
        .map_or(0, |(index, c)| index + c.len_utf8());
    let word = &before[start..];
    !word.is_empty() && TITLES.contains(word)
}

/// Another part of a foreign name right after: "Gao Xingjian", "Kita-ku",
/// "Saraya al-Quds". A place's own words ("Gao Region") and sentence ends
/// are not name parts.
fn name_after(site: &Site<'_, '_>, next: Option<&str>) -> bool {
    let Some(next) = next else {
        return false;
    };
    if ADMIN_AFTER.contains(next) {
        return false;
    }
    let written = site.original_after();
    // The rest of the original word after the mention: a hyphen joins it to
    // a name part ("Kita-ku", "Saraya-al").
    if let Some(joined) = written.strip_prefix(['-', '\u{2010}', '\u{2011}']) {
        return joined
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() && !is_arabic(&c.to_string()));
    }
    if !written.is_empty() {
        // Punctuation right after the mention ends the name.
        return false;
    }
    let (_, end) = site.normalised.original_range(site.start, site.end);
    let following = site.normalised.original()[end..].trim_start();
    let word: String = following
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    matches!(word.as_str(), "al" | "el" | "ad" | "ed" | "as" | "ul")
        || (starts_upper_latin(&word) && !STOPWORDS.contains(&normalise_alias(&word)))
}

fn organisation_around(site: &Site<'_, '_>, next: Option<&str>) -> bool {
    if next.is_some_and(|next| ORGANISATION_AFTER.contains(next)) {
        return true;
    }
    let haystack = site.haystack();
    // The organisation's word, then at most two connecting words.
    let words = site.words_before(3);
    words
        .iter()
        .rev()
        .take(3)
        .enumerate()
        .any(|(distance, &(a, b))| {
            let word = &haystack[a..b];
            let connectors_between = words[words.len() - distance..]
                .iter()
                .all(|&(c, d)| STOPWORDS.contains(&haystack[c..d]));
            connectors_between && ORGANISATION_BEFORE.contains(word)
        })
}

/// The place cue right before a mention, as written ("région de", "في"),
/// if there is one.
///
/// `town` says the mention would be a town or village: Arabic has no
/// capitals to tell a name from a noun, so before a town's Arabic spelling
/// a bare preposition (في، إلى، ب، ل) is not a cue on its own ("في كيفة" is
/// also a misspelt "in how"); a noun cue (مدينة، قرية...) still is.
pub fn cue(site: &Site<'_, '_>, town: bool) -> Option<String> {
    if site.is_definite() {
        return phrase_before(site, &DEFINITE_HEADS)
            .map(|(_, from)| site.original((from, site.word_start)).trim().to_owned());
    }
    let arabic = is_arabic(&site.haystack()[site.start..site.end]);
    let prefix = site.prefix();
    for letter in ["ب", "ل"] {
        if prefix.ends_with(letter) && !(town && arabic) {
            return Some(letter.to_owned());
        }
    }
    let (phrase, from) = phrase_before(site, &PLACE_CUES)?;
    let written = site.original((from, site.word_start)).trim().to_owned();
    // "a" is the French "à" only with its accent: the English article is not
    // a cue.
    if phrase == "a" && !written.starts_with(['à', 'À']) {
        return None;
    }
    if town && arabic && ARABIC_PREPOSITIONS.contains(phrase) {
        return None;
    }
    Some(written)
}

static ARABIC_PREPOSITIONS: LazyLock<Phrases> =
    LazyLock::new(|| list(&["في", "إلى", "الى", "من", "على"]));

/// Words that say what kind of actor follows: "le groupe russe Wagner",
/// "mercenaries from Wagner", "مرتزقة فاغنر".
static ACTOR_CUES: LazyLock<Phrases> = LazyLock::new(|| {
    list(&[
        "groupe",
        "mercenaires",
        "paramilitaires",
        "milice",
        "société militaire",
        "russe",
        "russes",
        "group",
        "mercenaries",
        "paramilitary",
        "militia",
        "russian",
        "fighters",
        "combattants",
        "jihadistes",
        "djihadistes",
        "jihadists",
        "katiba",
        "مجموعة",
        "مرتزقة",
        "ميليشيا",
        "جماعة",
        "الروسية",
        "قوات",
        "مقاتلي",
        "عناصر",
    ])
});

/// The word before an armed group or force that names what it is, within
/// two words ("groupe russe Wagner").
pub fn actor_cue(site: &Site<'_, '_>) -> Option<String> {
    let words = site.words_before(2);
    words.iter().rev().find_map(|&(a, b)| {
        let word = strip_arabic_conjunction(&site.haystack()[a..b]);
        ACTOR_CUES
            .contains(word)
            .then(|| site.original((a, b)).to_owned())
    })
}

/// An administrative level a list or form puts names at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// A first-level region (`admin1`).
    Region,
    /// A cercle, département or préfecture (`admin2`).
    Cercle,
    /// A commune (`admin3`).
    Commune,
}

/// Administrative words before a name or a list of names, by level.
static ADMIN_BEFORE: LazyLock<Vec<(String, Level)>> = LazyLock::new(|| {
    let table: &[(&str, Level)] = &[
        ("régions de", Level::Region),
        ("régions du", Level::Region),
        ("région de", Level::Region),
        ("région du", Level::Region),
        ("regions of", Level::Region),
        ("region of", Level::Region),
        ("منطقتي", Level::Region),
        ("مناطق", Level::Region),
        ("منطقة", Level::Region),
        ("ولايتي", Level::Region),
        ("ولايات", Level::Region),
        ("ولاية", Level::Region),
        ("إقليم", Level::Region),
        ("إقليمي", Level::Region),
        ("أقاليم", Level::Region),
        ("cercles de", Level::Cercle),
        ("cercles du", Level::Cercle),
        ("cercle de", Level::Cercle),
        ("cercle du", Level::Cercle),
        ("départements de", Level::Cercle),
        ("département de", Level::Cercle),
        ("مقاطعة", Level::Cercle),
        ("مقاطعتي", Level::Cercle),
        ("مقاطعات", Level::Cercle),
        ("دائرة", Level::Cercle),
        ("communes de", Level::Commune),
        ("commune de", Level::Commune),
        ("بلدية", Level::Commune),
    ];
    let mut table: Vec<(String, Level)> = table
        .iter()
        .map(|(word, level)| (normalise_alias(word), *level))
        .collect();
    table.sort_by_key(|(word, _)| std::cmp::Reverse(word.split(' ').count()));
    table
});

/// Administrative words after a name or a list: "Mopti and Ségou regions".
static ADMIN_AFTER_LIST: LazyLock<Vec<(String, Level)>> = LazyLock::new(|| {
    [
        ("regions", Level::Region),
        ("region", Level::Region),
        ("cercles", Level::Cercle),
        ("cercle", Level::Cercle),
        ("communes", Level::Commune),
    ]
    .iter()
    .map(|(word, level)| (normalise_alias(word), *level))
    .collect()
});

/// The administrative word right before the word starting at `word_start`,
/// as written, and its level.
pub fn admin_before(site: &Site<'_, '_>) -> Option<(Level, String)> {
    static LAST_WORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
        ADMIN_BEFORE
            .iter()
            .filter_map(|(phrase, _)| phrase.rsplit(' ').next().map(str::to_owned))
            .collect()
    });
    let before = site.haystack()[..site.word_start].trim_end_matches(' ');
    let previous = &before[before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(0, |(index, c)| index + c.len_utf8())..];
    if !LAST_WORDS.contains(previous) && !LAST_WORDS.contains(strip_arabic_conjunction(previous)) {
        return None;
    }
    let words = site.words_before(3);
    for (phrase, level) in ADMIN_BEFORE.iter() {
        if ends_with_phrase(site.haystack(), words, phrase) {
            let length = phrase.split(' ').count();
            let from = words[words.len() - length].0;
            let written = site.original((from, site.word_start)).trim().to_owned();
            return Some((*level, written));
        }
    }
    // An adjective between: "les régions centrales de Mopti et Ségou".
    if let [(a, _), _, (c, d)] = words[..] {
        let preposition = &site.haystack()[c..d];
        if matches!(preposition, "de" | "du" | "of") {
            let head = format!("{} {preposition}", &site.haystack()[a..words[0].1]);
            if let Some((_, level)) = ADMIN_BEFORE.iter().find(|(phrase, _)| *phrase == head) {
                let written = site.original((a, site.word_start)).trim().to_owned();
                return Some((*level, written));
            }
        }
    }
    None
}

/// The administrative word right after `end` ("regions"), if any.
pub fn admin_after(site: &Site<'_, '_>) -> Option<(Level, String)> {
    let haystack = site.haystack();
    let a = site.end + 1;
    if !haystack[site.end..].starts_with(' ') {
        return None;
    }
    let b = a + haystack[a..]
        .char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(haystack.len() - a, |(index, _)| index);
    let word = &haystack[a..b];
    ADMIN_AFTER_LIST
        .iter()
        .find(|(listed, _)| listed == word)
        .map(|(_, level)| (*level, site.original((a, b)).to_owned()))
}

/// Whether the text between two names only joins them in a list
/// (", ", " et de ", " and ", " و").
pub fn is_list_gap(gap: &str) -> bool {
    static JOINERS: LazyLock<Phrases> = LazyLock::new(|| {
        list(&[
            "et", "de", "d'", "du", "and", "ou", "or", "و", "the", "la", "le",
        ])
    });
    // A list's joints are short: most gaps between two names are not.
    if gap.len() > 24 {
        return false;
    }
    let mut words = gap.split([' ', ',', '،']).filter(|word| !word.is_empty());
    words
        .by_ref()
        .take(4)
        .enumerate()
        .all(|(position, word)| position < 3 && JOINERS.contains(word))
}

/// The level and place name of an administrative spelling in the gazetteer
/// ("région de Kayes" → Region, "kayes"), normalised.
pub fn admin_name(form: &str) -> Option<(Level, String)> {
    for (phrase, level) in ADMIN_BEFORE.iter() {
        if let Some(rest) = form.strip_prefix(phrase.as_str())
            && let Some(rest) = rest.strip_prefix(' ')
        {
            return Some((*level, rest.to_owned()));
        }
    }
    for (word, level) in ADMIN_AFTER_LIST.iter() {
        if let Some(rest) = form.strip_suffix(word.as_str())
            && let Some(rest) = rest.strip_suffix(' ')
        {
            return Some((*level, rest.to_owned()));
        }
    }
    None
}
