//! Tagging throughput: `cargo bench --bench tagging`.
//!
//! Measures `Tagger::tag` (normalisation, the automaton, boundary checks,
//! offsets back to the original) in MB/s on one core, over the text of the
//! sample corpus repeated to a few megabytes, with the shipped gazetteer and
//! with a synthetic 50,000-alias one. The baseline is a bare Aho-Corasick
//! scan of the same text with the same patterns: what tagging would cost if
//! it did nothing but find strings.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};
use veille::enrich::normalise::normalise_alias;
use veille::enrich::{Gazetteer, Tagger};
use veille::sources::text::html_to_text;

/// Roughly how much text each measurement reads.
const TARGET_BYTES: usize = 8 * 1024 * 1024;
/// Each measurement repeats until it has run this long.
const MIN_TIME: Duration = Duration::from_secs(2);

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = corpus(&root.join("samples"));
    // With the generated village layer, when the project has it.
    let shipped = Gazetteer::load(&support::gazetteer_files()).expect("shipped gazetteer");
    let synthetic = synthetic_gazetteer(50_000);

    println!(
        "tagging benchmark: {:.1} MB of sample text, one core",
        corpus.len() as f64 / 1e6
    );
    println!(
        "{:<28} {:>8} {:>14} {:>14} {:>8}",
        "gazetteer", "aliases", "tagger MB/s", "raw AC MB/s", "ratio"
    );
    for (name, gazetteer) in [("shipped gazetteer", shipped), ("synthetic", synthetic)] {
        let aliases: Vec<String> = gazetteer
            .entities()
            .iter()
            .flat_map(|entity| entity.spellings().map(normalise_alias))
            .collect();
        let raw = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&aliases)
            .expect("automaton");
        let alias_count = aliases.len();
        let tagger = Tagger::new(gazetteer).expect("tagger");

        let raw_rate = throughput(&corpus, |text| raw.find_iter(text).count());
        let tag_rate = throughput(&corpus, |text| tagger.tag(text).len());
        println!(
            "{name:<28} {alias_count:>8} {tag_rate:>14.1} {raw_rate:>14.1} {:>7.2}x",
            raw_rate / tag_rate
        );
    }
}

/// MB/s of `work` over `text`, repeated for at least [`MIN_TIME`].
fn throughput(text: &str, work: impl Fn(&str) -> usize) -> f64 {
    // One run to warm caches; its result keeps the work from being elided.
    std::hint::black_box(work(text));
    let started = Instant::now();
    let mut bytes = 0usize;
    while started.elapsed() < MIN_TIME {
        std::hint::black_box(work(std::hint::black_box(text)));
        bytes += text.len();
    }
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// The sample corpus's article pages and feeds, as plain text, repeated.
fn corpus(samples: &Path) -> String {
    let mut text = String::new();
    for folder in ["articles", "feeds"] {
        let mut paths: Vec<_> = std::fs::read_dir(samples.join(folder))
            .expect("samples")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let raw = std::fs::read_to_string(&path).expect("sample file");
            text.push_str(&html_to_text(&raw));
            text.push_str("\n\n");
        }
    }
    let one = text.clone();
    while text.len() < TARGET_BYTES {
        text.push_str(&one);
    }
    text
}

/// `count` distinct made-up names, ten aliases per person.
fn synthetic_gazetteer(count: usize) -> Gazetteer {
    const SYLLABLES: [&str; 24] = [
        "ka", "ba", "di", "lo", "ma", "se", "tou", "fa", "gu", "ni", "ko", "ya", "mou", "sa", "ra",
        "ti", "bou", "dja", "ne", "zo", "wa", "he", "pi", "lu",
    ];
    let word = |mut n: usize| {
        let mut out = String::new();
        loop {
            out.push_str(SYLLABLES[n % SYLLABLES.len()]);
            n /= SYLLABLES.len();
            if n == 0 {
                break;
            }
        }
        out
    };
    let mut toml = String::new();
    for entity in 0..count / 10 {
        let aliases: Vec<String> = (0..10)
            .map(|k| format!("\"{} {}\"", word(entity * 10 + k + 1000), word(entity)))
            .collect();
        toml.push_str(&format!(
            "[[entity]]\nid = \"p{entity}\"\ntype = \"person\"\nname = \"P{entity} {}\"\naliases = [{}]\n\n",
            word(entity + 7),
            aliases.join(", ")
        ));
    }
    Gazetteer::from_sources(&[(Path::new("synthetic.toml"), &toml)]).expect("synthetic gazetteer")
}
