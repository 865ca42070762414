//! Synthetic news for veille's benchmarks and load tests: deterministic
//! documents in French, English and Arabic that read, to veille's parsers,
//! analysers and tagger, like what it watches.
//!
//! A crate of its own beside veille's, so that the daemon's library carries
//! only what the daemon runs; veille's benches and integration tests use it
//! as a dev-dependency.
//!
//! Every document is a pure function of the seed and its index, so a corpus
//! of a million can be regenerated piece by piece (or in parallel) and two
//! runs of a benchmark see the same text. Lengths follow a log-normal law
//! cut to 300–2,000 words (most news stories are short, a few are long);
//! words follow Zipf's law over vocabularies of the field; each story names
//! a few entities of the gazetteer, several times, in the spelling of its
//! script. [`feed`] renders documents as RSS items and article pages,
//! [`write`] writes them to disk or straight into a record, and [`serve`]
//! is a loopback feed server answering conditional requests. [`cli`] is the
//! `veille-corpus` command line.

pub mod cli;
pub mod feed;
pub mod serve;
mod vocabulary;
pub mod write;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use veille::enrich::Gazetteer;

/// The shortest document, in words.
pub const MIN_WORDS: usize = 300;
/// The longest document, in words.
pub const MAX_WORDS: usize = 2_000;
/// The log-normal law of lengths before the cut: a median around 600 words,
/// with a long tail towards investigations and interviews.
const LENGTH_MEDIAN: f64 = 600.0;
const LENGTH_SIGMA: f64 = 0.55;

/// Share of French, English and Arabic documents, in twentieths.
const FRENCH_SHARE: u32 = 9;
const ENGLISH_SHARE: u32 = 7;

/// Publication dates spread over the two years before this moment.
const LATEST: (i32, u32, u32) = (2026, 11, 20);
const SPAN_DAYS: i64 = 730;

/// How many outlets documents are spread over.
pub const SOURCES: u64 = 40;

/// Why writing or serving a corpus failed.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file or folder of the output could not be written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or folder being written.
        path: std::path::PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The record (`--format record`) refused a document.
    #[error("record: {0}")]
    Store(#[from] veille::store::StoreError),
    /// A loopback port for `serve` could not be bound.
    #[error("cannot serve feeds: {0}")]
    Serve(std::io::Error),
}

/// One synthetic news story.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its position in the corpus, which (with the seed) determines it.
    pub index: u64,
    /// ISO 639-1 code: `fr`, `en` or `ar`.
    pub language: &'static str,
    /// The headline, in the document's language.
    pub title: String,
    /// The byline: an invented name.
    pub author: String,
    /// The body, one string per paragraph.
    pub paragraphs: Vec<String>,
    /// When the outlet published it, within the two years before 2026-11-20.
    pub published: DateTime<Utc>,
    /// Ids of the gazetteer entities the story names.
    pub entities: Vec<String>,
    /// Words in the paragraphs (the title not counted).
    pub words: usize,
}

impl Document {
    /// The outlet that published it, `0..SOURCES`.
    pub fn source(&self) -> u64 {
        self.index % SOURCES
    }

    /// Its address on its outlet's (fictional) site.
    pub fn url(&self) -> String {
        format!(
            "https://outlet-{}.example/{}/story-{}",
            self.source(),
            self.published.format("%Y/%m"),
            self.index
        )
    }

    /// The paragraphs as plain text, a blank line between them.
    pub fn text(&self) -> String {
        self.paragraphs.join("\n\n")
    }
}

/// A language's words with their cumulative Zipf weights.
struct Lexicon {
    code: &'static str,
    words: Vec<&'static str>,
    cumulative: Vec<f64>,
    phrases: &'static [&'static str],
    /// Gazetteer spellings in this language's script: (entity index, spelling).
    names: Vec<Vec<String>>,
}

impl Lexicon {
    fn new(
        code: &'static str,
        words: &'static str,
        phrases: &'static [&'static str],
        names: Vec<Vec<String>>,
    ) -> Lexicon {
        let words: Vec<&str> = words.split_whitespace().collect();
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Lexicon {
            code,
            words,
            cumulative,
            phrases,
            names,
        }
    }

    fn word(&self, rng: &mut StdRng) -> &'static str {
        let target = rng.random_range(0.0..*self.cumulative.last().expect("words"));
        let rank = self.cumulative.partition_point(|&c| c < target);
        self.words[rank.min(self.words.len() - 1)]
    }
}

/// Makes the documents of one corpus.
pub struct Generator {
    seed: u64,
    entity_ids: Vec<String>,
    lexicons: [Lexicon; 3],
}

impl Generator {
    /// A generator drawing entity names from `gazetteer`; an empty
    /// gazetteer gives stories that name nobody.
    pub fn new(seed: u64, gazetteer: &Gazetteer) -> Generator {
        let entities = gazetteer.entities();
        let spellings = |arabic: bool| -> Vec<Vec<String>> {
            entities
                .iter()
                .map(|entity| {
                    // A generated story gives no evidence around a name, so
                    // it names entities only in spellings that need none
                    // (see `enrich::evidence`); an entity with none in this
                    // script is left out of the cast.
                    entity
                        .spellings()
                        .filter(|spelling| is_arabic(spelling) == arabic)
                        .filter(|spelling| !entity.is_ambiguous(spelling))
                        .map(str::to_owned)
                        .collect()
                })
                .collect()
        };
        let latin = spellings(false);
        Generator {
            seed,
            entity_ids: entities.iter().map(|entity| entity.id.clone()).collect(),
            lexicons: [
                Lexicon::new(
                    "fr",
                    vocabulary::FRENCH,
                    vocabulary::FRENCH_PHRASES,
                    latin.clone(),
                ),
                Lexicon::new(
                    "en",
                    vocabulary::ENGLISH,
                    vocabulary::ENGLISH_PHRASES,
                    latin,
                ),
                Lexicon::new(
                    "ar",
                    vocabulary::ARABIC,
                    vocabulary::ARABIC_PHRASES,
                    spellings(true),
                ),
            ],
        }
    }

    /// The seed this generator was made with: with it, every document can be
    /// made again.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The `index`-th document of the corpus.
    pub fn document(&self, index: u64) -> Document {
        let mut rng = StdRng::seed_from_u64(mix(self.seed, index));
        let lexicon = match rng.random_range(0..20) {
            share if share < FRENCH_SHARE => &self.lexicons[0],
            share if share < FRENCH_SHARE + ENGLISH_SHARE => &self.lexicons[1],
            _ => &self.lexicons[2],
        };
        let target = length(&mut rng);

        // The story's cast: entities with a spelling in this script, each
        // with the spelling this outlet uses and how often it comes up.
        let mut cast: Vec<(usize, &str, usize)> = Vec::new();
        if !self.entity_ids.is_empty() {
            let size = rng.random_range(1..=5);
            // Not every entity has an Arabic spelling: draw until the cast
            // is full, within reason.
            for _ in 0..size * 8 {
                if cast.len() == size {
                    break;
                }
                let entity = rng.random_range(0..self.entity_ids.len());
                let names = &lexicon.names[entity];
                if names.is_empty() || cast.iter().any(|(known, _, _)| *known == entity) {
                    continue;
                }
                let name = &names[rng.random_range(0..names.len())];
                cast.push((entity, name, rng.random_range(1..=4)));
            }
        }
        let mut mentions: Vec<&str> = cast
            .iter()
            .flat_map(|&(_, name, times)| std::iter::repeat_n(name, times))
            .collect();

        let mut paragraphs = Vec::new();
        let mut words = 0;
        while words < target {
            let mut paragraph = String::new();
            for _ in 0..rng.random_range(2..=5) {
                let length = rng
                    .random_range(8..=28)
                    .min(target.saturating_sub(words).max(4));
                // Names come up early and then now and again.
                let name = (!mentions.is_empty() && (words == 0 || rng.random_bool(0.25)))
                    .then(|| mentions.swap_remove(rng.random_range(0..mentions.len())));
                words += sentence(&mut rng, lexicon, length, name, &mut paragraph);
                if words >= target {
                    break;
                }
            }
            paragraphs.push(paragraph);
        }
        // Names the text has not used yet go into a closing paragraph, so
        // that every entity of the cast is named as often as drawn.
        if !mentions.is_empty() {
            let mut paragraph = String::new();
            while let Some(name) = mentions.pop() {
                sentence(&mut rng, lexicon, 6, Some(name), &mut paragraph);
            }
            paragraphs.push(paragraph);
        }

        let mut title = String::new();
        let lead = cast.first().map(|&(_, name, _)| name);
        let length = rng.random_range(5..=11);
        sentence(&mut rng, lexicon, length, lead, &mut title);
        let title = title.trim_end_matches('.').to_owned();

        let latest = Utc
            .with_ymd_and_hms(LATEST.0, LATEST.1, LATEST.2, 0, 0, 0)
            .single()
            .expect("valid date");
        let published = latest - Duration::minutes(rng.random_range(0..SPAN_DAYS * 24 * 60));
        let author = format!(
            "{} {}",
            vocabulary::GIVEN_NAMES[rng.random_range(0..vocabulary::GIVEN_NAMES.len())],
            vocabulary::SURNAMES[rng.random_range(0..vocabulary::SURNAMES.len())]
        );
        let mut entities: Vec<String> = cast
            .iter()
            .map(|&(entity, _, _)| self.entity_ids[entity].clone())
            .collect();
        entities.sort();
        Document {
            index,
            language: lexicon.code,
            title,
            author,
            paragraphs,
            published,
            entities,
            words,
        }
    }
}

/// A length in words, log-normal, drawn again until it falls in range.
fn length(rng: &mut StdRng) -> usize {
    loop {
        // Box-Muller: two uniforms make a standard normal.
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random_range(0.0..1.0);
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let words = (LENGTH_MEDIAN.ln() + LENGTH_SIGMA * normal).exp().round() as usize;
        if (MIN_WORDS..=MAX_WORDS).contains(&words) {
            return words;
        }
    }
}

/// Appends a sentence of about `length` words to `out`, naming `name` at
/// some point, and returns the words written.
fn sentence(
    rng: &mut StdRng,
    lexicon: &Lexicon,
    length: usize,
    name: Option<&str>,
    out: &mut String,
) -> usize {
    if !out.is_empty() {
        out.push(' ');
    }
    let name_at = name.map(|_| rng.random_range(0..length.max(1)));
    let start = out.len();
    let mut written = 0;
    for position in 0..length {
        if position > 0 {
            out.push_str(if rng.random_bool(0.06) { ", " } else { " " });
        }
        if name_at == Some(position) {
            let name = name.expect("a position only with a name");
            out.push_str(name);
            written += name.split_whitespace().count();
            continue;
        }
        match rng.random_range(0..100) {
            0..4 => {
                let phrase = lexicon.phrases[rng.random_range(0..lexicon.phrases.len())];
                out.push_str(phrase);
                written += phrase.split_whitespace().count();
            }
            4..6 => {
                out.push_str(&rng.random_range(2..=500).to_string());
                written += 1;
            }
            _ => {
                out.push_str(lexicon.word(rng));
                written += 1;
            }
        }
    }
    // Capitalise the sentence's first letter (a no-op for Arabic).
    if let Some(first) = out[start..].chars().next()
        && first.is_lowercase()
    {
        let upper: String = first.to_uppercase().collect();
        out.replace_range(start..start + first.len_utf8(), &upper);
    }
    out.push('.');
    written
}

fn is_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// SplitMix64 of the seed and the index: neighbouring indexes get unrelated
/// streams.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// veille's folder (the workspace root), where the shipped gazetteer is.
#[cfg(test)]
pub(crate) fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        Gazetteer::load(&[crate::project_root().join("entities.toml")]).unwrap()
    }

    #[test]
    fn a_seed_and_an_index_always_give_the_same_document() {
        let gazetteer = gazetteer();
        let first = Generator::new(7, &gazetteer);
        let again = Generator::new(7, &gazetteer);
        let other = Generator::new(8, &gazetteer);
        for index in [0, 1, 999, 123_456] {
            assert_eq!(first.document(index), again.document(index));
            assert_ne!(first.document(index).text(), other.document(index).text());
        }
        assert_ne!(first.document(1).text(), first.document(2).text());
    }

    #[test]
    fn lengths_stay_within_300_to_2000_words_and_spread_out() {
        let generator = Generator::new(1, &gazetteer());
        let mut lengths: Vec<usize> = (0..2_000)
            .map(|index| {
                let document = generator.document(index);
                let counted: usize = document
                    .paragraphs
                    .iter()
                    .map(|p| p.split_whitespace().count())
                    .sum();
                // Numbers and phrases count as the words they are; the
                // closing paragraph of leftover names may add a few.
                assert!(counted >= document.words, "{counted} < {}", document.words);
                assert!(counted <= document.words + 120, "{index}: {counted}");
                document.words
            })
            .collect();
        lengths.sort_unstable();
        assert!(lengths[0] >= MIN_WORDS, "shortest {}", lengths[0]);
        assert!(
            *lengths.last().unwrap() <= MAX_WORDS + 30,
            "longest {}",
            lengths.last().unwrap()
        );
        let median = lengths[lengths.len() / 2];
        assert!((500..=750).contains(&median), "median {median}");
        assert!(lengths[lengths.len() * 95 / 100] > 1_100, "no long tail");
        assert!(lengths[lengths.len() / 20] < 400, "no short stories");
    }

    #[test]
    fn languages_mix_and_the_tagger_finds_the_named_entities() {
        let gazetteer = gazetteer();
        let tagger = veille::enrich::Tagger::new(gazetteer.clone()).unwrap();
        let generator = Generator::new(3, &gazetteer);
        let mut seen = std::collections::HashMap::new();
        let (mut named, mut missed) = (0, Vec::new());
        for index in 0..300 {
            let document = generator.document(index);
            *seen.entry(document.language).or_insert(0) += 1;
            assert!(!document.entities.is_empty());
            let found: Vec<String> = tagger
                .tag(&format!("{}\n\n{}", document.title, document.text()))
                .into_iter()
                .map(|tagged| tagged.id)
                .collect();
            // A spelling may also contain another entity's name (a region
            // named after its town), so the tagger may find more. It may
            // also find less: the random words around a name can be
            // counter-evidence ("Tombouctou region" is the region), so a
            // few misses are the tagger being right about the text.
            for id in &document.entities {
                named += 1;
                if !found.contains(id) {
                    missed.push(format!("{index}: {id} not in {found:?}"));
                }
            }
        }
        assert!(
            missed.len() * 50 <= named,
            "{} of {named} missed: {missed:#?}",
            missed.len()
        );
        assert!(
            seen["fr"] > 100 && seen["en"] > 70 && seen["ar"] > 30,
            "{seen:?}"
        );
    }

    #[test]
    fn detected_language_is_the_generated_one() {
        let generator = Generator::new(5, &gazetteer());
        for index in 0..100 {
            let document = generator.document(index);
            let detected = veille::enrich::detect_language(&document.text(), None);
            assert_eq!(detected.code.as_deref(), Some(document.language), "{index}");
        }
    }
}
