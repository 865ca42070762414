//! Search latency: `cargo bench --bench search` (sizes with
//! `VEILLE_BENCH_SIZES=100000,1000000`, default 100,000).
//!
//! Searches an archive of generated documents (`veille_corpus`: French,
//! English and Arabic stories of 300 to 2,000 words naming entities of the
//! shipped gazetteer, stored and tagged as a poll would, then indexed),
//! built once under `/tmp/veille-bench-archive-SIZE` and reused (the
//! daemon benchmark shares it). Times a fixed set of realistic queries:
//! through veille's whole search (parse, Tantivy, facets, the page read
//! back from the record, snippets), through Tantivy alone (top 10 and
//! count), and through SQLite FTS5 on the same documents (top 10 by rank
//! with a snippet, and count), all in the same run on the same machine.

#![allow(
    clippy::disallowed_macros,
    clippy::disallowed_methods,
    unreachable_pub,
    reason = "a benchmark prints its report and drives blocking child processes; its pub items are shared with benches/support"
)]

#[path = "support/mod.rs"]
mod support;

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use veille::archive::{Archive, Search, SearchRequest};
use veille::enrich::{Gazetteer, Tagger};
use veille::store::Store;

/// Each query runs this many times after one warm-up run
/// (`VEILLE_BENCH_RUNS`, default 30; with 30, p99 is the slowest run).
fn runs() -> usize {
    support::env_number("VEILLE_BENCH_RUNS", 30) as usize
}

/// (label, veille query, FTS5 MATCH expression, extra SQL condition)
const QUERIES: &[(&str, &str, &str, &str)] = &[
    (
        "two words",
        "jnim blocus",
        "{title body} : (jnim blocus)",
        "",
    ),
    (
        "phrase",
        "\"pénurie de carburant\"",
        "{title body} : \"pénurie de carburant\"",
        "",
    ),
    (
        "OR",
        "enlèvement OR kidnapping",
        "{title body} : (enlèvement OR kidnapping)",
        "",
    ),
    (
        "NOT",
        "convoi NOT diéma",
        "{title body} : (convoi NOT diéma)",
        "",
    ),
    ("Arabic word", "الحدود", "{title body} : الحدود", ""),
    (
        "three words",
        "fuel blockade kayes",
        "{title body} : (fuel blockade kayes)",
        "",
    ),
    (
        "entity + date",
        "entity:jnim since:2025-09-01",
        "entities : jnim",
        "AND published >= '2025-09-01'",
    ),
    (
        "entity + lang",
        "entity:diboli lang:ar",
        "entities : diboli",
        "AND lang = 'ar'",
    ),
    (
        "word + entity",
        "camions entity:kayes",
        "{title body} : camions AND entities : kayes",
        "",
    ),
];

fn main() {
    support::run_corpus_child();
    let load = support::wait_quiet();
    let sizes: Vec<u64> = std::env::var("VEILLE_BENCH_SIZES")
        .unwrap_or_else(|_| "100000".into())
        .split(',')
        .map(|size| size.trim().parse().expect("VEILLE_BENCH_SIZES: numbers"))
        .collect();
    let gazetteer = Gazetteer::load(&[support::root().join("entities.toml")]).expect("gazetteer");
    let tagger = Arc::new(Tagger::new(gazetteer).expect("tagger"));
    let mut report = format!(
        "Measured {}; {} runs of each query after a warm-up; p50 / p99.\n",
        support::machine(load),
        runs()
    );
    for size in sizes {
        report.push_str(&bench(size, tagger.clone()));
    }
    support::record("search", &report);
}

/// FTS5 over the archive's record: the same titles, texts, entities,
/// dates and languages; built once beside the archive.
fn fts5(archive: &Path) -> Connection {
    let path = archive.join("fts.sqlite");
    let done = archive.join("fts-complete");
    if done.exists() {
        return Connection::open(&path).expect("fts");
    }
    let _ = std::fs::remove_file(&path);
    let started = Instant::now();
    let fts = Connection::open(&path).expect("fts");
    fts.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE VIRTUAL TABLE fts USING fts5(title, body, entities,
             published UNINDEXED, lang UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');",
    )
    .expect("fts schema");
    let record = archive.join("store").join(veille::store::DATABASE_FILE);
    fts.execute(
        "ATTACH DATABASE ?1 AS record",
        [record.to_str().expect("UTF-8 path")],
    )
    .expect("attach");
    // Entity ids as FTS5 tokens: unicode61 would split `kayes-region` into
    // `kayes` and `region`, and `entities : kayes` would match it.
    fts.execute_batch(
        "INSERT INTO fts (rowid, title, body, entities, published, lang)
         SELECT d.id, d.title, d.text,
                (SELECT group_concat(replace(e.entity_id, '-', ''), ' ')
                   FROM record.document_entities e WHERE e.document_id = d.id),
                d.published, d.language
           FROM record.documents d ORDER BY d.id;
         DETACH DATABASE record;",
    )
    .expect("fill fts");
    std::fs::write(&done, "").expect("marker");
    println!(
        "FTS5 index built in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    fts
}

fn bench(size: u64, tagger: Arc<Tagger>) -> String {
    println!("\n== {size} documents ==");
    let dir = support::archive(size);
    let store = Store::open(&dir.join("store")).expect("store");
    let fts = fts5(&dir);
    let archive = Arc::new(Archive::open(&dir.join("store")).expect("index"));
    let search = Search::new(archive, tagger);
    let tantivy_only = veille_bench_core(&search);
    let mut table = format!(
        "\n**{size} documents**\n\n\
         | query | veille p50 | veille p99 | Tantivy alone p50 | p99 | FTS5 p50 | FTS5 p99 | veille ÷ FTS5 p99 | hits veille / FTS5 |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "query", "veille p50", "p99", "tantivy p50", "p99", "FTS5 p50", "p99", "hits"
    );
    let mut all: [Vec<Duration>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for &(label, query, matching, extra) in QUERIES {
        let request = SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            sort: None,
        };
        let mut total = 0;
        let veille = time(|| {
            total = search.search(&store, &request).expect("search").total;
        });
        let core = time(|| {
            tantivy_only(query);
        });
        let mut fts_total = 0i64;
        let mut top = fts
            .prepare(&format!(
                "SELECT rowid, title, snippet(fts, 1, '<mark>', '</mark>', '…', 24) FROM fts
                 WHERE fts MATCH ?1 {extra} ORDER BY rank LIMIT 10"
            ))
            .expect("fts query");
        let mut count = fts
            .prepare(&format!(
                "SELECT count(*) FROM fts WHERE fts MATCH ?1 {extra}"
            ))
            .expect("fts count");
        let sqlite = time(|| {
            let rows: Vec<(i64, String, String)> = top
                .query_map([matching], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .expect("fts")
                .collect::<Result<_, _>>()
                .expect("fts rows");
            assert!(rows.len() <= 10);
            fts_total = count
                .query_row([matching], |row| row.get(0))
                .expect("fts count");
        });
        let cells = latency_cells(&veille, &core, &sqlite);
        let _ = writeln!(
            table,
            "| {label} | {} | {:.2} | {total} / {fts_total} |",
            cells.join(" | "),
            ratio(&veille, &sqlite, 99),
        );
        println!(
            "{label:<16}{}{:>10}",
            cells.map(|cell| format!(" {cell:>10}")).concat(),
            format!("{total}/{fts_total}"),
        );
        all[0].extend(veille);
        all[1].extend(core);
        all[2].extend(sqlite);
    }
    let [veille, core, sqlite] = all;
    let cells = latency_cells(&veille, &core, &sqlite);
    println!(
        "{:<16}{}",
        "all queries",
        cells.clone().map(|cell| format!(" {cell:>10}")).concat()
    );
    println!(
        "ratios to FTS5 (lower is faster): veille p50 {:.2}, p99 {:.2}; tantivy alone p50 {:.2}, p99 {:.2}",
        ratio(&veille, &sqlite, 50),
        ratio(&veille, &sqlite, 99),
        ratio(&core, &sqlite, 50),
        ratio(&core, &sqlite, 99),
    );
    let _ = writeln!(
        table,
        "| **all queries** | {} | {:.2} | |",
        cells.join(" | "),
        ratio(&veille, &sqlite, 99),
    );
    println!(
        "hits: veille/FTS5 totals differ where veille stems (French, English, Arabic prefixes) and FTS5 does not"
    );
    table
}

/// Tantivy alone: the lowered query, top 10 by score and the count.
fn veille_bench_core(search: &Search) -> impl Fn(&str) + '_ {
    move |query| {
        search.top_ids(query, 10).expect("core search");
    }
}

fn time(mut run: impl FnMut()) -> Vec<Duration> {
    run();
    (0..runs())
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect()
}

fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) * p).div_ceil(100)]
}

/// p50 and p99 of veille, Tantivy alone and FTS5, formatted: a table row's
/// six latency cells.
fn latency_cells(veille: &[Duration], core: &[Duration], sqlite: &[Duration]) -> [String; 6] {
    [veille, core, sqlite]
        .map(|samples| [50, 99].map(|p| ms(percentile(samples, p))))
        .concat()
        .try_into()
        .expect("six cells")
}

fn ratio(a: &[Duration], b: &[Duration], p: usize) -> f64 {
    percentile(a, p).as_secs_f64() / percentile(b, p).as_secs_f64()
}

fn ms(duration: Duration) -> String {
    format!("{:.2}ms", duration.as_secs_f64() * 1e3)
}
