//! Alert matching: `cargo bench --bench alerts`.
//!
//! Times matching a batch of 1,000 new documents against 100, 1,000 and
//! 10,000 rules, with veille's term prefilter (only rules that a term of the
//! batch can wake are run) and, as the baseline, running every rule as a
//! plain query over the same in-memory batch; both in the same run, and
//! both must find the same matches.
//!
//! Documents mix a language's everyday words, entity names from the shipped
//! gazetteer, and words drawn from a 200,000-word vocabulary with Zipf's law,
//! as news text does. Rules are what analysts write: a word, two words, an
//! `OR` of three, an entity with a word, a phrase, weighted terms, and a few
//! pure negations (which no prefilter can skip); their words are drawn
//! uniformly from the vocabulary, since analysts pick telling words, not
//! the commonest ones.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use veille::alerts::{self, Matcher};
use veille::enrich::Gazetteer;
use veille::store::StoredDocument;

const VOCABULARY: usize = 200_000;
const BATCH: usize = 1_000;
const RUNS: usize = 5;
const EVERYDAY: &str = "le la les des une dans sur pour avec route convoi camion carburant blocus \
    marché village région frontière armée attaque otages école déplacés aide pénurie the of in road \
    convoy truck fuel blockade market village region border army attack hostages school aid shortage";

/// The `rank`-th word of the synthetic vocabulary: letters only, unique.
fn word(rank: usize) -> String {
    const SYLLABLES: [&str; 20] = [
        "ba", "ka", "li", "mo", "nu", "sa", "te", "di", "fo", "ga", "ru", "ze", "pi", "vo", "ha",
        "ne", "ki", "lo", "ma", "tu",
    ];
    let mut out = String::from("x");
    let mut rest = rank;
    loop {
        out.push_str(SYLLABLES[rest % 20]);
        rest /= 20;
        if rest == 0 {
            return out;
        }
    }
}

/// Draws ranks with probability proportional to 1/rank.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(size: usize) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let target = rng.random_range(0.0..*self.cumulative.last().unwrap());
        self.cumulative.partition_point(|&c| c < target)
    }
}

fn documents(rng: &mut StdRng, gazetteer: &Gazetteer, zipf: &Zipf) -> Vec<StoredDocument> {
    let everyday: Vec<&str> = EVERYDAY.split_whitespace().collect();
    let entities = gazetteer.entities();
    (1..=BATCH as i64)
        .map(|id| {
            let mut words: Vec<String> = (0..60).map(|_| word(zipf.draw(rng))).collect();
            words.extend((0..30).map(|_| everyday[rng.random_range(0..everyday.len())].to_owned()));
            let mut named = Vec::new();
            for _ in 0..rng.random_range(0..4) {
                let entity = &entities[rng.random_range(0..entities.len())];
                words.insert(rng.random_range(0..words.len()), entity.name.clone());
                named.push((entity.id.clone(), 1));
            }
            let language = ["fr", "en"][rng.random_range(0..2)];
            StoredDocument {
                id,
                url: format!("https://example.org/{id}"),
                canonical_url: format!("https://example.org/{id}"),
                title: words[..8].join(" "),
                text: words.join(" "),
                author: None,
                published: "2026-11-20T08:00:00Z".to_owned(),
                published_is_fetch_time: false,
                fetched: "2026-11-20T08:00:00Z".to_owned(),
                language_hint: None,
                content_hash: String::new(),
                extraction: "feed".to_owned(),
                sources: vec![format!("source-{}", id % 40)],
                language: Some(language.to_owned()),
                language_confidence: 1.0,
                language_source: "detector".to_owned(),
                entities: named,
                revision: id,
                kind: "article".to_owned(),
                transcript: None,
            }
        })
        .collect()
}

/// `count` `[[alert]]` tables.
fn rules_toml(rng: &mut StdRng, gazetteer: &Gazetteer, count: usize) -> String {
    let mut toml = String::from("[[feed]]\nid = \"a\"\nurl = \"https://a.example/\"\n");
    let pick = |rng: &mut StdRng| word(rng.random_range(0..VOCABULARY));
    let entities = gazetteer.entities();
    for index in 0..count {
        let _ = writeln!(toml, "[[alert]]\nid = \"r{index}\"");
        let line = match rng.random_range(0..200) {
            0..70 => format!("query = \"{}\"", pick(rng)),
            70..110 => format!("query = \"{} {}\"", pick(rng), pick(rng)),
            110..140 => format!(
                "query = \"{} OR {} OR {}\"",
                pick(rng),
                pick(rng),
                pick(rng)
            ),
            140..170 => {
                let entity = &entities[rng.random_range(0..entities.len())].id;
                format!("query = \"entity:{entity} {}\"", pick(rng))
            }
            170..189 => format!("query = '\"{} {}\"'", pick(rng), pick(rng)),
            189..199 => format!(
                "terms = {{ {} = 3, {} = 2, {} = 1 }}\nthreshold = 4",
                pick(rng),
                pick(rng),
                pick(rng)
            ),
            _ => format!("query = \"NOT {}\"", pick(rng)),
        };
        let _ = writeln!(toml, "{line}");
    }
    toml
}

fn median(mut run: impl FnMut() -> usize) -> (Duration, usize) {
    let found = run();
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            assert_eq!(run(), found);
            started.elapsed()
        })
        .collect();
    samples.sort();
    (samples[RUNS / 2], found)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gazetteer = Gazetteer::load(&[root.join("entities.toml")]).expect("gazetteer");
    let mut rng = StdRng::seed_from_u64(11);
    let zipf = Zipf::new(VOCABULARY);
    let batch = documents(&mut rng, &gazetteer, &zipf);
    println!(
        "batch: {BATCH} documents; vocabulary {VOCABULARY} words (Zipf); median of {RUNS} runs"
    );
    println!(
        "{:>7}  {:>9}  {:>11}  {:>6}  {:>12}  {:>11}  {:>6}  {:>15}  {:>7}",
        "rules",
        "compile",
        "index batch",
        "woken",
        "prefiltered",
        "every rule",
        "ratio",
        "ratio, matching",
        "matches"
    );
    let entity_types = veille::archive::schema::entity_types(&gazetteer);
    let (index, _) = median(|| {
        veille::archive::MemoryIndex::build(&batch, &entity_types).expect("batch index");
        0
    });
    for count in [100, 1_000, 10_000] {
        let text = rules_toml(&mut rng, &gazetteer, count);
        let config =
            veille::config::load_str(&text, &root.join("bench.toml")).expect("bench rules");
        let rules = alerts::compile(&config, &gazetteer).expect("rules compile");
        let started = Instant::now();
        let matcher = Matcher::new(&rules, &gazetteer).expect("matcher");
        let compile = started.elapsed();
        let (fast, found) = median(|| matcher.match_batch(&batch).expect("match").len());
        let (slow, baseline) =
            median(|| matcher.match_batch_exhaustive(&batch).expect("match").len());
        assert_eq!(found, baseline, "the prefilter changed the matches");
        // Both include indexing the batch; the second ratio leaves it out.
        let matching = |total: Duration| total.saturating_sub(index).as_secs_f64();
        let woken = matcher.rules_woken(&batch).expect("prefilter");
        println!(
            "{count:>7}  {:>9}  {:>11}  {:>5.0}%  {:>12}  {:>11}  {:>6.2}  {:>15.2}  {found:>7}",
            ms(compile),
            ms(index),
            woken as f64 * 100.0 / count as f64,
            ms(fast),
            ms(slow),
            fast.as_secs_f64() / slow.as_secs_f64(),
            matching(fast) / matching(slow)
        );
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1}ms", duration.as_secs_f64() * 1e3)
}
