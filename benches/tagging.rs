//! Tagging throughput: `cargo bench --bench tagging`.
//!
//! Measures `Tagger::tag` (normalisation, the automaton, boundary checks,
//! evidence, offsets back to the original) in MB/s on one core, over the
//! sample corpus's documents (each article and feed tagged on its own, as
//! the daemon tags them) repeated to a few megabytes, with the shipped gazetteer,
//! the shipped gazetteer with its generated village layer (`gazetteer/`),
//! and a synthetic 50,000-alias one. The baseline is a bare Aho-Corasick
//! scan of the same documents with the same patterns: what tagging would
//! cost if it did nothing but find strings. With the village layer it also
//! measures both on all the text as one document, where the tagger's
//! buffers outgrow the caches. Also times loading each gazetteer and
//! compiling its tagger. Writes its table to BENCHMARKS.md.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::fmt::Write as _;
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

/// Tagging must keep at least this share of a bare scan's speed.
const LEAST_SHARE_OF_SCAN: f64 = 0.30;

fn main() {
    let load = support::wait_quiet();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = corpus(&root.join("samples"));
    let shipped_paths = [root.join("entities.toml")];
    let layered_paths = [root.join("entities.toml"), root.join("gazetteer")];
    let (shipped, shipped_load) = timed(|| Gazetteer::load(&shipped_paths).expect("shipped"));
    let (layered, layered_load) =
        timed(|| Gazetteer::load(&layered_paths).expect("shipped with its layer"));
    let (synthetic, synthetic_load) = timed(|| synthetic_gazetteer(50_000));

    let corpus_bytes: usize = corpus.iter().map(String::len).sum();
    let whole = [corpus.join("\n\n")];
    println!(
        "tagging benchmark: {:.1} MB of sample text in {} documents, one core",
        corpus_bytes as f64 / 1e6,
        corpus.len()
    );
    let mut table = String::from(
        "| gazetteer | entities | aliases | load | tagger build | tagger MB/s | raw Aho-Corasick MB/s | tagger ÷ raw |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut shares = Vec::new();
    for (name, gazetteer, load_time) in [
        ("shipped `entities.toml`", shipped, shipped_load),
        (
            "`entities.toml` + `gazetteer/` layer",
            layered,
            layered_load,
        ),
        ("synthetic", synthetic, synthetic_load),
    ] {
        let entities = gazetteer.len();
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
        let (tagger, build_time) = timed(|| Tagger::new(gazetteer).expect("tagger"));

        let raw_rate = throughput(&corpus, |text| raw.find_iter(text).count());
        let tag_rate = throughput(&corpus, |text| tagger.tag(text).len());
        let share = tag_rate / raw_rate;
        shares.push((name, share));
        let mut rows = vec![(name.to_owned(), tag_rate, raw_rate)];
        if name.contains("layer") {
            let raw_rate = throughput(&whole, |text| raw.find_iter(text).count());
            let tag_rate = throughput(&whole, |text| tagger.tag(text).len());
            rows.push((format!("{name}, as one text"), tag_rate, raw_rate));
        }
        for (name, tag_rate, raw_rate) in rows {
            let share = tag_rate / raw_rate;
            println!(
                "{name:<40} {entities:>7} {alias_count:>8} load {:>6.0} ms build {:>6.0} ms {tag_rate:>8.1} {raw_rate:>8.1} MB/s {:>5.0}%",
                millis(load_time),
                millis(build_time),
                share * 100.0
            );
            writeln!(
                table,
                "| {name} | {entities} | {alias_count} | {:.0} ms | {:.0} ms | {tag_rate:.1} | {raw_rate:.1} | {:.0}% |",
                millis(load_time),
                millis(build_time),
                share * 100.0
            )
            .unwrap();
        }
    }
    let verdict: Vec<String> = shares
        .iter()
        .map(|(name, share)| {
            let met = if *share >= LEAST_SHARE_OF_SCAN {
                "met"
            } else {
                "NOT met"
            };
            format!("{name}: {:.0}% ({met})", share * 100.0)
        })
        .collect();
    support::record(
        "tagging",
        &format!(
            "Measured {}. One core, {:.1} MB of the sample corpus's text in {} documents, each \
             tagged (and scanned) on its own, repeated for at least 2 s; \"as one text\" is the \
             same text as a single document. Load is `Gazetteer::load` (read, parse, validate, \
             merge), build is `Tagger::new`.\n\n{table}\nTarget: tagging at least {:.0}% of \
             the bare scan's speed, per document. {}.",
            support::machine(load),
            corpus_bytes as f64 / 1e6,
            corpus.len(),
            LEAST_SHARE_OF_SCAN * 100.0,
            verdict.join("; ")
        ),
    );
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = work();
    (value, started.elapsed())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// MB/s of `work` over each of `documents`, repeated for at least
/// [`MIN_TIME`].
fn throughput(documents: &[String], work: impl Fn(&str) -> usize) -> f64 {
    let pass = || {
        documents
            .iter()
            .map(|text| std::hint::black_box(work(std::hint::black_box(text))))
            .sum::<usize>()
    };
    // One pass to warm caches; its result keeps the work from being elided.
    std::hint::black_box(pass());
    let size: usize = documents.iter().map(String::len).sum();
    let started = Instant::now();
    let mut bytes = 0usize;
    while started.elapsed() < MIN_TIME {
        std::hint::black_box(pass());
        bytes += size;
    }
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// The sample corpus's article pages and feeds, as plain text, one document
/// each, repeated.
fn corpus(samples: &Path) -> Vec<String> {
    let mut one = Vec::new();
    for folder in ["articles", "feeds"] {
        let mut paths: Vec<_> = std::fs::read_dir(samples.join(folder))
            .expect("samples")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let raw = std::fs::read_to_string(&path).expect("sample file");
            one.push(html_to_text(&raw));
        }
    }
    let mut documents = Vec::new();
    let mut bytes = 0;
    while bytes < TARGET_BYTES {
        for document in &one {
            bytes += document.len();
            documents.push(document.clone());
        }
    }
    documents
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
