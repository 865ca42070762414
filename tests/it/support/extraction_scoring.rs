//! Scoring article extraction on the two shared sets, shared by the test
//! (`tests/it/extraction.rs`) and the benchmark (`benches/extraction.rs`,
//! which includes this file by path), so both score the same way.
//!
//! - `article-extraction-benchmark`: that benchmark's own method: `\w+`
//!   tokens, 4-token shingles, per-page true/false positives and negatives
//!   normalised to sum 1, precision and recall averaged over pages, F1 from
//!   the averages.
//! - `trafilatura-eval`: trafilatura's method (its tests/evaluate.py): over
//!   all pages, a `with` snippet found in title + text (whitespace
//!   collapsed) is a true positive, one not found a false negative; a
//!   `without` snippet found is a false positive.

#![allow(dead_code)] // the test and the bench each use part of it

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Precision, recall and F1 of one extractor on one set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Score {
    fn new(precision: f64, recall: f64) -> Score {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Score {
            precision,
            recall,
            f1,
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "precision {:.3}, recall {:.3}, F1 {:.3}",
            self.precision, self.recall, self.f1
        )
    }
}

/// One page of a set: where its HTML is, its URL, and what it is scored on.
#[derive(Debug, Clone)]
pub struct Page {
    /// A name unique in the set (the file's name).
    pub id: String,
    pub path: PathBuf,
    pub url: Option<String>,
    pub expected: Expected,
}

#[derive(Debug, Clone)]
pub enum Expected {
    /// The article's whole text (article-extraction-benchmark).
    Body(String),
    /// Snippets that must and must not be kept (trafilatura-eval).
    Snippets {
        with: Vec<String>,
        without: Vec<String>,
    },
}

impl Page {
    /// The page's raw bytes (gunzipped if stored compressed).
    pub fn bytes(&self) -> Vec<u8> {
        let raw = std::fs::read(&self.path)
            .unwrap_or_else(|err| panic!("{}: {err}", self.path.display()));
        if self.path.extension().is_some_and(|ext| ext == "gz") {
            let mut html = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .read_to_end(&mut html)
                .expect("gunzip");
            html
        } else {
            raw
        }
    }
}

/// A set's index: a JSON object of entries.
fn read_json(path: &Path) -> HashMap<String, serde_json::Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The pages of `../shared/data/article-extraction-benchmark/`.
pub fn article_benchmark(shared_data: &Path) -> Vec<Page> {
    let root = shared_data.join("article-extraction-benchmark");
    let mut pages: Vec<Page> = read_json(&root.join("ground-truth.json"))
        .into_iter()
        .map(|(id, entry)| Page {
            path: root.join("html").join(format!("{id}.html.gz")),
            url: entry["url"].as_str().map(str::to_owned),
            expected: Expected::Body(entry["articleBody"].as_str().unwrap_or_default().to_owned()),
            id,
        })
        .collect();
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    pages
}

/// The pages of `../shared/data/trafilatura-eval/`.
pub fn trafilatura_eval(shared_data: &Path) -> Vec<Page> {
    let root = shared_data.join("trafilatura-eval");
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|snippet| snippet.as_str().map(str::to_owned))
            .collect()
    };
    let mut pages: Vec<Page> = read_json(&root.join("evaldata.json"))
        .into_iter()
        .map(|(url, entry)| {
            let file = entry["file"].as_str().expect("file").to_owned();
            Page {
                path: root.join("pages").join(&file),
                url: Some(url),
                expected: Expected::Snippets {
                    with: strings(&entry["with"]),
                    without: strings(&entry["without"]),
                },
                id: file,
            }
        })
        .collect();
    pages.sort_by(|a, b| a.id.cmp(&b.id));
    pages
}

/// What one page's extraction scored.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PageScore {
    pub true_positives: f64,
    pub false_positives: f64,
    pub false_negatives: f64,
}

/// Scores `extracted` (title and text; `None` if nothing was extracted)
/// against the page's expectations.
pub fn score_page(expected: &Expected, extracted: &str) -> PageScore {
    match expected {
        Expected::Body(body) => shingle_matching(body, extracted),
        Expected::Snippets { with, without } => {
            let text = collapse_whitespace(extracted);
            let found = |snippet: &String| text.contains(&collapse_whitespace(snippet));
            let kept = with.iter().filter(|snippet| found(snippet)).count();
            PageScore {
                true_positives: kept as f64,
                false_negatives: (with.len() - kept) as f64,
                false_positives: without.iter().filter(|snippet| found(snippet)).count() as f64,
            }
        }
    }
}

/// Combines per-page scores the way each set's method does: averages of
/// per-page precision and recall for whole bodies, totals for snippets.
pub fn total(expected_kind: &Expected, pages: &[PageScore]) -> Score {
    match expected_kind {
        Expected::Body(_) => {
            let count = pages.len().max(1) as f64;
            Score::new(
                pages.iter().map(body_precision).sum::<f64>() / count,
                pages.iter().map(body_recall).sum::<f64>() / count,
            )
        }
        Expected::Snippets { .. } => {
            let sum = |field: fn(&PageScore) -> f64| pages.iter().map(field).sum::<f64>();
            let tp = sum(|page| page.true_positives);
            let fp = sum(|page| page.false_positives);
            let fn_ = sum(|page| page.false_negatives);
            Score::new(
                if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 },
                if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 },
            )
        }
    }
}

/// Scores every page of a set with `extract` (page → title and text),
/// spreading pages over the machine's cores. With `VEILLE_EXTRACTION_MISSES`
/// set to a file, also writes there, page by page, the snippets missed and
/// the boilerplate kept: what to look at when the score drops.
pub fn score_set(pages: &[Page], extract: impl Fn(&Page) -> String + Sync) -> Score {
    let results = parallel_map(pages, |page| {
        let text = extract(page);
        (score_page(&page.expected, &text), text)
    });
    if let Some(path) = std::env::var_os("VEILLE_EXTRACTION_MISSES") {
        write_misses(Path::new(&path), pages, &results);
    }
    let scores: Vec<PageScore> = results.iter().map(|(score, _)| *score).collect();
    total(&pages[0].expected, &scores)
}

fn write_misses(path: &Path, pages: &[Page], results: &[(PageScore, String)]) {
    let mut out = String::new();
    for (page, (score, text)) in pages.iter().zip(results) {
        let Expected::Snippets { with, without } = &page.expected else {
            out += &format!(
                "{} recall {:.2} precision {:.2}\n",
                page.id,
                body_recall(score),
                body_precision(score)
            );
            continue;
        };
        let text = collapse_whitespace(text);
        let found = |snippet: &&String| text.contains(&collapse_whitespace(snippet));
        let missed: Vec<&String> = with.iter().filter(|s| !found(s)).collect();
        let kept: Vec<&String> = without.iter().filter(found).collect();
        if !missed.is_empty() || !kept.is_empty() {
            out += &format!(
                "{} ({} chars)\n  missed: {missed:?}\n  kept: {kept:?}\n",
                page.id,
                text.chars().count()
            );
        }
    }
    std::fs::write(path, out).expect("write the misses");
    let texts: HashMap<&str, &str> = pages
        .iter()
        .zip(results)
        .map(|(page, (_, text))| (page.id.as_str(), text.as_str()))
        .collect();
    std::fs::write(
        path.with_extension("texts.json"),
        serde_json::to_string(&texts).expect("texts as JSON"),
    )
    .expect("write the texts");
}

/// `f` over `items` on as many threads as there are cores, in order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(at) else { break };
                        done.push((at, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("scoring thread"))
            .collect()
    });
    results.sort_by_key(|(at, _)| *at);
    results.into_iter().map(|(_, result)| result).collect()
}

pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|token| !token.is_empty())
        .collect()
}

fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let tokens = tokens(text);
    let mut counts = HashMap::new();
    for window in tokens.windows(4) {
        *counts.entry(window.to_vec()).or_insert(0) += 1;
    }
    counts
}

/// True/false positives and negatives of 4-token shingles, normalised to
/// sum 1.
pub fn shingle_matching(truth: &str, prediction: &str) -> PageScore {
    let truth = shingles(truth);
    let prediction = shingles(prediction);
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for key in truth
        .keys()
        .chain(prediction.keys().filter(|k| !truth.contains_key(*k)))
    {
        let t = *truth.get(key).unwrap_or(&0) as f64;
        let p = *prediction.get(key).unwrap_or(&0) as f64;
        tp += t.min(p);
        fp += (p - t).max(0.0);
        fn_ += (t - p).max(0.0);
    }
    let sum = tp + fp + fn_;
    if sum > 0.0 {
        PageScore {
            true_positives: tp / sum,
            false_positives: fp / sum,
            false_negatives: fn_ / sum,
        }
    } else {
        PageScore::default()
    }
}

pub fn body_precision(page: &PageScore) -> f64 {
    body_share(page, page.false_positives)
}

pub fn body_recall(page: &PageScore) -> f64 {
    body_share(page, page.false_negatives)
}

/// tp / (tp + `wrong`), with the benchmark's edge cases: a page with no
/// errors scores 1, one with nothing right or wrong on that side 0.
fn body_share(page: &PageScore, wrong: f64) -> f64 {
    if page.false_positives == 0.0 && page.false_negatives == 0.0 {
        1.0
    } else if page.true_positives == 0.0 && wrong == 0.0 {
        0.0
    } else {
        page.true_positives / (page.true_positives + wrong)
    }
}
