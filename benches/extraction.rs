//! Article extraction, veille and trafilatura side by side:
//! `cargo bench --bench extraction`.
//!
//! Scores both extractors on the same pages in the same run, with each
//! set's own method (see `tests/it/support/extraction_scoring.rs`, shared
//! with the test): `../shared/data/trafilatura-eval/` (snippets, title and
//! text) and `../shared/data/article-extraction-benchmark/` (shingles of
//! the text). trafilatura (Python, default settings) is installed from PyPI
//! into a virtual environment under the target directory the first time.
//! Pages per second are extraction alone, on one core: veille in this
//! process, trafilatura timed inside its own process, reading files and
//! starting Python left out of both.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

#[path = "../tests/it/support/extraction_scoring.rs"]
mod extraction_scoring;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use extraction_scoring::{Page, Score, article_benchmark, score_page, total, trafilatura_eval};
use url::Url;
use veille::fetch::charset;
use veille::sources::article::extract_article;

/// The trafilatura release the issue compares against.
const TRAFILATURA: &str = "trafilatura==2.3.1";

struct Row {
    set: &'static str,
    extractor: String,
    score: Score,
    pages: usize,
    seconds: f64,
}

fn main() {
    let load = support::wait_quiet();
    let shared = support::root().join("../shared/data");
    let python = trafilatura_venv();
    let mut rows = Vec::new();
    for (set, pages, with_title) in [
        ("trafilatura-eval", trafilatura_eval(&shared), true),
        (
            "article-extraction-benchmark",
            article_benchmark(&shared),
            false,
        ),
    ] {
        let inputs: Vec<(String, Option<Url>)> = pages
            .iter()
            .map(|page| {
                let decoded = charset::decode(&page.bytes(), None);
                let url = page.url.as_deref().and_then(|url| Url::parse(url).ok());
                (decoded.text, url)
            })
            .collect();
        let mut elapsed = Duration::ZERO;
        let extracted: Vec<String> = inputs
            .iter()
            .map(|(html, url)| {
                let started = Instant::now();
                let article = extract_article(html, url.as_ref(), None);
                elapsed += started.elapsed();
                match article {
                    Ok(article) if with_title => {
                        format!("{} {}", article.title.unwrap_or_default(), article.text)
                    }
                    Ok(article) => article.text,
                    Err(_) => String::new(),
                }
            })
            .collect();
        rows.push(Row {
            set,
            extractor: "veille".into(),
            score: score(&pages, &extracted),
            pages: pages.len(),
            seconds: elapsed.as_secs_f64(),
        });

        let (seconds, results) = run_trafilatura(&python, &pages);
        let field = |page: &Page, name: &str| {
            results
                .get(&page.id)
                .and_then(|result| result[name].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let plain: Vec<String> = pages
            .iter()
            .map(|page| {
                if with_title {
                    format!("{} {}", field(page, "title"), field(page, "text"))
                } else {
                    field(page, "text")
                }
            })
            .collect();
        rows.push(Row {
            set,
            extractor: format!("{TRAFILATURA}, defaults"),
            score: score(&pages, &plain),
            pages: pages.len(),
            seconds,
        });
        if with_title {
            // How the issue measured it: the text output with its metadata
            // header, which adds the page's description.
            let headed: Vec<String> = pages
                .iter()
                .map(|page| field(page, "with_metadata"))
                .collect();
            rows.push(Row {
                set,
                extractor: format!("{TRAFILATURA}, `extract(with_metadata=True)`"),
                score: score(&pages, &headed),
                pages: pages.len(),
                seconds: f64::NAN,
            });
        }
    }

    let mut table = format!(
        "Measured {}. Each set scored with its own method (trafilatura-eval: \
         snippets in title + text over all pages; article-extraction-benchmark: \
         4-token shingles of the text, averaged per page). Pages/s: extraction \
         alone, one core.\n\n\
         | set | extractor | pages | precision | recall | F1 | pages/s |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
        support::machine(load)
    );
    for row in &rows {
        table += &format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {} |\n",
            row.set,
            row.extractor,
            row.pages,
            row.score.precision,
            row.score.recall,
            row.score.f1,
            if row.seconds.is_nan() {
                "–".to_owned()
            } else {
                format!("{:.0}", row.pages as f64 / row.seconds)
            },
        );
    }
    println!("\n{table}");
    support::record("extraction", &table);
}

fn score(pages: &[Page], extracted: &[String]) -> Score {
    let scores: Vec<_> = pages
        .iter()
        .zip(extracted)
        .map(|(page, text)| score_page(&page.expected, text))
        .collect();
    total(&pages[0].expected, &scores)
}

/// The virtual environment's python with trafilatura installed, set up the
/// first time under the target directory.
fn trafilatura_venv() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trafilatura-venv");
    let python = venv.join("bin/python");
    let ready = venv.join("installed");
    if std::fs::read_to_string(&ready).ok().as_deref() == Some(TRAFILATURA) {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(created.success(), "cannot create {}", venv.display());
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", TRAFILATURA, "lxml_html_clean"])
        .status()
        .expect("pip install");
    assert!(installed.success(), "pip install {TRAFILATURA} failed");
    std::fs::write(&ready, TRAFILATURA).expect("venv marker");
    python
}

/// trafilatura's extraction seconds and its results by page id.
fn run_trafilatura(python: &Path, pages: &[Page]) -> (f64, HashMap<String, serde_json::Value>) {
    let list: Vec<serde_json::Value> = pages
        .iter()
        .map(|page| {
            serde_json::json!({
                "id": page.id,
                "path": page.path,
                "url": page.url,
            })
        })
        .collect();
    let mut child = Command::new(python)
        .arg(support::root().join("benches/support/trafilatura_extract.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run trafilatura");
    let input = serde_json::to_vec(&list).expect("page list");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("trafilatura output");
    writer.join().expect("writer").expect("write page list");
    assert!(output.status.success(), "trafilatura failed");
    let mut result: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("trafilatura JSON");
    let seconds = result["seconds"].as_f64().expect("seconds");
    let pages = serde_json::from_value(result["pages"].take()).expect("pages");
    (seconds, pages)
}
