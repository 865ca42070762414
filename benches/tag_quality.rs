//! Tag precision at scale: `cargo bench --bench tag_quality`.
//!
//! Tags every article of `../shared/data/real-news/` (10,000 Arabic press
//! articles, BBC Afrique in French, BBC in English) with the shipped
//! gazetteer and counts, per language, the documents that get each
//! Sahel-specific tag. Whether a document tag is right is judged by hand:
//! the verdicts live in `tests/it/fixtures/tagging/quality-verdicts.jsonl`
//! (article id, entity id, right or not: no text), and the checked
//! precision of the 15 most frequent tags is computed from them. Document
//! tags nobody has judged yet are written, with their mentions in context,
//! to `/tmp/veille-bench-tag-quality/unchecked.jsonl` for the next reader.
//! The table replaces the `tag-quality` section of QUALITY.md.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Instant;

use serde::Deserialize;
use veille::enrich::{EntityType, Gazetteer, Tagger};

/// How many of the most frequent tags per language are checked by hand.
const TOP: usize = 15;
/// How many unjudged documents per tag are written out for judging.
const SAMPLE: usize = 20;
/// Tags whose wrong firings in Arabic the issue counts: western Mali.
const WESTERN_MALI: [&str; 7] = [
    "mali",
    "kayes",
    "kayes-region",
    "diboli",
    "nioro-du-sahel",
    "jnim",
    "katiba-macina",
];
/// Countries whose entities are Sahel-specific.
const SAHEL: [&str; 6] = ["ML", "NE", "BF", "MR", "SN", "GN"];

/// One document a tag was given to: its id and its first mentions in
/// context.
type Tagging = (String, Vec<String>);

#[derive(Deserialize)]
struct Article {
    id: String,
    text: String,
}

#[derive(Deserialize)]
struct Verdict {
    id: String,
    entity: String,
    right: bool,
}

fn main() {
    let data = support::root().join("../shared/data/real-news");
    if !data.exists() {
        println!(
            "tag quality: {} is missing; nothing measured",
            data.display()
        );
        return;
    }
    let gazetteer = Gazetteer::load(&support::gazetteer_files()).expect("gazetteer");
    let sahel_specific: Vec<String> = gazetteer
        .entities()
        .iter()
        .filter(|entity| is_sahel_specific(&gazetteer, entity))
        .map(|entity| entity.id.clone())
        .collect();
    let tagger = Tagger::new(gazetteer).expect("tagger");
    let verdicts = verdicts();
    let scratch = support::scratch("tag-quality");
    let mut unchecked = std::fs::File::create(scratch.join("unchecked.jsonl")).expect("sample");

    let mut report = String::new();
    for (lang, file) in [
        ("ar", "ar-saudinewsnet.jsonl"),
        ("fr", "fr-bbc-afrique.jsonl"),
        ("en", "en-bbc.jsonl"),
    ] {
        let text = std::fs::read_to_string(data.join(file)).expect("corpus");
        let articles: Vec<Article> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("article"))
            .collect();
        let started = Instant::now();
        let mut documents: BTreeMap<String, Vec<Tagging>> = BTreeMap::new();
        // Documents each tag would get if every spelling found were kept,
        // as before the evidence rules.
        let mut unruled: HashMap<String, usize> = HashMap::new();
        for article in &articles {
            let explained = tagger.explain(&article.text);
            let mut found: Vec<&str> = explained
                .entities
                .iter()
                .map(|tagged| tagged.id.as_str())
                .chain(
                    explained
                        .rejected
                        .iter()
                        .map(|rejected| rejected.id.as_str()),
                )
                .collect();
            found.sort_unstable();
            found.dedup();
            for id in found {
                *unruled.entry(id.to_owned()).or_default() += 1;
            }
            for tagged in explained.entities {
                if !sahel_specific.contains(&tagged.id) {
                    continue;
                }
                let chars: Vec<char> = article.text.chars().collect();
                let contexts = tagged
                    .mentions
                    .iter()
                    .take(3)
                    .map(|mention| {
                        let from = mention.start.saturating_sub(60);
                        let to = (mention.end + 60).min(chars.len());
                        let before: String = chars[from..mention.start].iter().collect();
                        let after: String = chars[mention.end..to].iter().collect();
                        format!(
                            "{before}[[{}]]{after} {{{}}}",
                            mention.text,
                            mention.evidence.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                documents
                    .entry(tagged.id)
                    .or_default()
                    .push((article.id.clone(), contexts));
            }
        }
        let elapsed = started.elapsed();
        let mut unruled_ranked: Vec<(&String, &usize)> = unruled
            .iter()
            .filter(|(id, _)| sahel_specific.contains(id))
            .collect();
        unruled_ranked.sort_by_key(|(id, count)| (std::cmp::Reverse(**count), (*id).clone()));
        let mut ranked: Vec<(&String, &Vec<Tagging>)> = documents.iter().collect();
        ranked.sort_by_key(|(id, docs)| (std::cmp::Reverse(docs.len()), (*id).clone()));
        let total_tags: usize = documents.values().map(Vec::len).sum();
        report.push_str(&format!(
            "\n### {lang}: {} articles ({file}), {total_tags} Sahel-specific document tags, tagged in {:.1} s\n\n",
            articles.len(),
            elapsed.as_secs_f64()
        ));
        report.push_str("| tag | documents | checked | right | checked precision | documents without the evidence rules |\n|---|---:|---:|---:|---:|---:|\n");
        let (mut checked_all, mut right_all, mut estimated_right) = (0usize, 0usize, 0.0f64);
        let mut western_wrong = 0.0f64;
        for (position, (id, docs)) in ranked.iter().enumerate() {
            let judged: Vec<bool> = docs
                .iter()
                .filter_map(|(doc, _)| verdicts.get(&(doc.clone(), (*id).clone())).copied())
                .collect();
            let right = judged.iter().filter(|right| **right).count();
            let precision = right as f64 / judged.len().max(1) as f64;
            if position < TOP {
                checked_all += judged.len();
                right_all += right;
                let shown = if judged.is_empty() {
                    "unchecked".to_owned()
                } else {
                    format!("{:.0}%", precision * 100.0)
                };
                report.push_str(&format!(
                    "| {id} | {} | {} | {right} | {shown} | {} |\n",
                    docs.len(),
                    judged.len(),
                    unruled.get(id.as_str()).copied().unwrap_or(0)
                ));
                let mut written = 0;
                for (doc, contexts) in docs.iter() {
                    if written >= SAMPLE {
                        break;
                    }
                    if verdicts.contains_key(&(doc.clone(), (*id).clone())) {
                        continue;
                    }
                    let line = serde_json::json!({"lang": lang, "id": doc, "entity": id, "contexts": contexts});
                    writeln!(unchecked, "{line}").expect("sample");
                    written += 1;
                }
            }
            // Unjudged tags count at the tag's checked precision; a tag
            // nobody checked counts as right, which the table shows.
            let tag_precision = if judged.is_empty() { 1.0 } else { precision };
            estimated_right += docs.len() as f64 * tag_precision;
            if WESTERN_MALI.contains(&id.as_str()) {
                western_wrong += docs.len() as f64 * (1.0 - tag_precision);
            }
        }
        let dropped: Vec<String> = unruled_ranked
            .iter()
            .map(|(id, count)| (id, **count, documents.get(*id).map_or(0, Vec::len)))
            .filter(|(_, before, after)| before > after)
            .take(TOP)
            .map(|(id, before, after)| format!("{id} {before} → {after}"))
            .collect();
        report.push_str(&format!(
            "\nDocuments per tag before → after the evidence rules, where they differ: {}.\n",
            if dropped.is_empty() {
                "none".to_owned()
            } else {
                dropped.join(", ")
            }
        ));
        report.push_str(&format!(
            "\nChecked precision over the {TOP} most frequent tags: {right_all}/{checked_all} = {:.1}%; \
             all Sahel-specific document tags, each at its tag's checked precision: {:.1}%.\n",
            100.0 * right_all as f64 / checked_all.max(1) as f64,
            100.0 * estimated_right / total_tags.max(1) as f64,
        ));
        if lang == "ar" {
            report.push_str(&format!(
                "Estimated wrong western-Mali tags ({}): {:.1} per 10,000 articles.\n",
                WESTERN_MALI.join(", "),
                western_wrong * 10_000.0 / articles.len() as f64
            ));
        }
    }
    println!("{report}");
    record("tag-quality", &report);
    println!(
        "(unjudged samples in {})",
        scratch.join("unchecked.jsonl").display()
    );
}

/// Entities of the Sahel's countries (the countries themselves included),
/// and every armed group, force and person of the gazetteer.
fn is_sahel_specific(gazetteer: &Gazetteer, entity: &veille::enrich::Entity) -> bool {
    if matches!(
        entity.kind,
        EntityType::ArmedGroup | EntityType::Force | EntityType::Person
    ) {
        return true;
    }
    let mut current = entity;
    for _ in 0..8 {
        if let Some(country) = &current.country {
            return SAHEL.contains(&country.as_str());
        }
        match current.parent.as_deref().and_then(|id| gazetteer.get(id)) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

fn verdicts() -> HashMap<(String, String), bool> {
    let path = support::root().join("tests/it/fixtures/tagging/quality-verdicts.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let verdict: Verdict = serde_json::from_str(line).expect("verdict");
            ((verdict.id, verdict.entity), verdict.right)
        })
        .collect()
}

/// Replaces the section `name` of QUALITY.md, between its markers.
fn record(name: &str, body: &str) {
    let path = support::root().join("QUALITY.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let begin = format!("<!-- {name}: begin -->");
    let end = format!("<!-- {name}: end -->");
    let section = format!("{begin}\n{body}\n{end}");
    let updated = match (text.find(&begin), text.find(&end)) {
        (Some(a), Some(b)) if a < b => format!("{}{section}{}", &text[..a], &text[b + end.len()..]),
        _ => format!("{text}\n{section}\n"),
    };
    std::fs::write(&path, updated).expect("write QUALITY.md");
    println!("(recorded in QUALITY.md, section {name})");
}
