//! Ingest throughput: `cargo bench --bench ingest`.
//!
//! Writes a synthetic corpus with the generator (`veille_corpus`) as
//! full-text RSS files, and another as teaser feeds with article pages,
//! then times `veille fetch` over each: parse, fetch and extract pages,
//! detect language, tag, deduplicate, store, index, commit; the process's
//! whole life, measured by the kernel. The baseline is bare Tantivy
//! indexing the same documents' titles and texts, from memory, with no
//! enrichment, in this process and the same run.
//!
//! Sizes: `VEILLE_BENCH_INGEST_DOCS` (default 20,000) feed-text documents,
//! `VEILLE_BENCH_INGEST_PAGES` (default 3,000) pages.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{VEILLE, env_number, folder_bytes, machine, measure, record, scratch, secs};
use tantivy::schema::{STORED, Schema, TEXT};
use tantivy::{Index, TantivyDocument, doc};
use veille::enrich::Gazetteer;
use veille_corpus::Generator;

const SEED: u64 = 1;

struct Measured {
    label: &'static str,
    documents: u64,
    text_bytes: u64,
    input_bytes: u64,
    wall: Duration,
    cpu: Duration,
    peak_rss: u64,
}

fn main() {
    support::run_corpus_child();
    let load = support::wait_quiet();
    let documents = env_number("VEILLE_BENCH_INGEST_DOCS", 20_000);
    let pages = env_number("VEILLE_BENCH_INGEST_PAGES", 3_000);
    let gazetteer_path = support::root().join("entities.toml");
    let gazetteer = Gazetteer::load(std::slice::from_ref(&gazetteer_path)).expect("gazetteer");
    let generator = Generator::new(SEED, &gazetteer);
    let dir = scratch("ingest");

    let mut rows = Vec::new();
    for (label, format, count) in [
        ("feed text", "feed", documents),
        ("HTML pages", "html", pages),
    ] {
        let out = dir.join(format);
        let written = measure({
            let mut command = support::corpus();
            command
                .args(["--seed", &SEED.to_string(), "--gazetteer"])
                .arg(&gazetteer_path)
                .args([
                    "write",
                    "--format",
                    format,
                    "-n",
                    &count.to_string(),
                    "--out",
                ])
                .arg(&out);
            command
        });
        assert!(written.success, "the generator failed");
        let input_bytes = folder_bytes(&out);
        let fetch = measure({
            let mut command = Command::new(VEILLE);
            command
                .args(["fetch", "--config"])
                .arg(out.join("feeds.toml"))
                .env("RUST_LOG", "warn");
            command
        });
        assert!(fetch.success, "veille fetch failed");
        assert!(
            fetch
                .stdout
                .contains(&format!("; {count} new documents, 0 duplicates")),
            "not every document was stored: {}",
            fetch.stdout.lines().last().unwrap_or("")
        );
        assert_eq!(
            support::indexed_revision(&out.join("store")),
            count as i64,
            "not every document reached the index"
        );
        rows.push(Measured {
            label,
            documents: count,
            text_bytes: text_bytes(&generator, count),
            input_bytes,
            wall: fetch.wall,
            cpu: fetch.cpu,
            peak_rss: fetch.peak_rss,
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    rows.push(bare_tantivy(&generator, documents));

    let bare = rows.last().expect("baseline").wall.as_secs_f64() / documents as f64;
    let mut table = format!(
        "Measured {}; `veille fetch` as a child process, from feed files to committed index.\n\n\
         | documents | count | wall | CPU | documents/s | text MB/s | input MB/s | peak RSS | time per document ÷ bare Tantivy |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        machine(load)
    );
    for row in &rows {
        let seconds = row.wall.as_secs_f64();
        let _ = std::fmt::Write::write_fmt(
            &mut table,
            format_args!(
                "| {} | {} | {} | {} | {:.0} | {:.1} | {} | {} | {:.1} |\n",
                row.label,
                row.documents,
                secs(row.wall),
                secs(row.cpu),
                row.documents as f64 / seconds,
                row.text_bytes as f64 / 1e6 / seconds,
                if row.input_bytes > 0 {
                    format!("{:.1}", row.input_bytes as f64 / 1e6 / seconds)
                } else {
                    "–".into()
                },
                if row.peak_rss > 0 {
                    support::mb(row.peak_rss)
                } else {
                    "–".into()
                },
                seconds / row.documents as f64 / bare,
            ),
        );
    }
    println!("\n{table}");
    record("ingest", &table);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bare Tantivy: title and text with the default tokenizer, a writer with
/// Tantivy's default threads, one commit; documents already in memory.
fn bare_tantivy(generator: &Generator, count: u64) -> Measured {
    let mut schema = Schema::builder();
    let title = schema.add_text_field("title", TEXT);
    let body = schema.add_text_field("body", TEXT);
    let id = schema.add_u64_field("id", STORED);
    let schema = schema.build();
    let dir = scratch("ingest-tantivy");
    let index = Index::create_in_dir(&dir, schema).expect("index");
    let documents: Vec<(u64, String, String)> = (0..count)
        .map(|i| {
            let document = generator.document(i);
            (i, document.title.clone(), document.text())
        })
        .collect();
    let text_bytes = documents
        .iter()
        .map(|(_, t, b)| (t.len() + b.len()) as u64)
        .sum();
    let cpu = support::own_cpu();
    let started = Instant::now();
    let mut writer: tantivy::IndexWriter<TantivyDocument> =
        index.writer(256 * 1024 * 1024).expect("writer");
    for (number, t, b) in documents {
        writer
            .add_document(doc!(id => number, title => t, body => b))
            .expect("add");
    }
    writer.commit().expect("commit");
    drop(writer);
    let wall = started.elapsed();
    let cpu = support::own_cpu().saturating_sub(cpu);
    let _ = std::fs::remove_dir_all(&dir);
    Measured {
        label: "bare Tantivy, same feed-text documents (baseline)",
        documents: count,
        text_bytes,
        input_bytes: 0,
        wall,
        cpu,
        peak_rss: 0,
    }
}

fn text_bytes(generator: &Generator, count: u64) -> u64 {
    (0..count)
        .map(|i| {
            let document = generator.document(i);
            (document.title.len() + document.text().len()) as u64
        })
        .sum()
}
