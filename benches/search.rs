//! Search latency: `cargo bench --bench search` (sizes with
//! `VEILLE_BENCH_SIZES=100000,1000000`, default 100,000).
//!
//! Builds a synthetic multilingual archive (French, English and Arabic
//! documents drawn from fixed vocabularies, naming entities of the shipped
//! gazetteer in their various spellings), then times a fixed set of
//! realistic queries: through veille's whole search (parse, Tantivy, facets,
//! the page read back from the record, snippets), through Tantivy alone (top
//! 10 and count), and through SQLite FTS5 on the same documents (top 10 by
//! rank with a snippet, and count), all in the same run on the same machine.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, params};
use veille::archive::{ArchiveWriter, Search, SearchRequest};
use veille::enrich::{Gazetteer, Tagger};
use veille::store::Store;

/// Each query runs this many times after one warm-up run.
const RUNS: usize = 30;

const FRENCH: &str = "le la les des une un dans sur pour avec sans entre vers depuis selon après avant \
    route axe convoi camion camions carburant blocus marché prix commerçants habitants village \
    villages cercle région frontière armée soldats militaires attaque attaques embuscade enlèvement \
    enlèvements otages négociations chefs coutumiers éleveurs bétail pâturages récoltes greniers \
    école écoles fermeture déplacés réfugiés aide humanitaire ravitaillement pénurie essence gasoil \
    citernes escorte gendarmerie douane poste contrôle pont fleuve saison pluies sécurité menace \
    communiqué revendication explosion engin mine blessés morts bilan témoins téléphone radio";
const ENGLISH: &str = "the a of in on for with without between towards since after before road \
    convoy truck trucks fuel blockade market prices traders residents village villages district \
    region border army soldiers troops attack attacks ambush kidnapping kidnappings hostages talks \
    elders herders cattle grazing harvest granaries school schools closure displaced refugees aid \
    humanitarian supplies shortage petrol diesel tankers escort police customs checkpoint bridge \
    river season rains security threat statement claim explosion device mine wounded dead toll \
    witnesses phone radio";
const ARABIC: &str = "في على من إلى مع بين منذ بعد قبل الطريق قافلة شاحنة الشاحنات الوقود الحصار \
    السوق الأسعار التجار السكان قرية القرى الدائرة المنطقة الحدود والحدود الجيش الجنود هجوم هجمات \
    كمين اختطاف الرهائن مفاوضات الأعيان الرعاة الماشية المراعي الحصاد المدارس إغلاق النازحين \
    اللاجئين المساعدات الإنسانية الإمدادات نقص البنزين الصهاريج مرافقة الدرك الجمارك نقطة تفتيش \
    الجسر النهر موسم الأمطار الأمن تهديد بيان تبني انفجار عبوة لغم جرحى قتلى حصيلة شهود الهاتف";

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
        "\"blocus carburant\"",
        "{title body} : \"blocus carburant\"",
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

struct Synthetic {
    title: String,
    text: String,
    language: &'static str,
    published: String,
    entities: Vec<String>,
}

fn main() {
    let sizes: Vec<usize> = std::env::var("VEILLE_BENCH_SIZES")
        .unwrap_or_else(|_| "100000".into())
        .split(',')
        .map(|size| size.trim().parse().expect("VEILLE_BENCH_SIZES: numbers"))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gazetteer = Gazetteer::load(&[root.join("entities.toml")]).expect("gazetteer");
    let tagger = Arc::new(Tagger::new(gazetteer.clone()).expect("tagger"));
    for size in sizes {
        bench(size, &gazetteer, tagger.clone());
    }
}

fn bench(size: usize, gazetteer: &Gazetteer, tagger: Arc<Tagger>) {
    let dir =
        tempfile::tempdir_in(std::env::var("VEILLE_BENCH_DIR").unwrap_or_else(|_| "target".into()))
            .expect("temp dir");
    println!("\n== {size} documents ==");
    let started = Instant::now();
    let store = Store::open(dir.path()).expect("store");
    let mut fts = Connection::open(dir.path().join("fts.sqlite")).expect("fts");
    fts.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE VIRTUAL TABLE fts USING fts5(title, body, entities,
             published UNINDEXED, lang UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');",
    )
    .expect("fts schema");
    let mut record =
        Connection::open(dir.path().join(veille::store::DATABASE_FILE)).expect("record");
    let mut rng = StdRng::seed_from_u64(7);
    let spellings: Vec<(String, Vec<String>)> = gazetteer
        .entities()
        .iter()
        .map(|entity| {
            (
                entity.id.clone(),
                entity.spellings().map(str::to_owned).collect(),
            )
        })
        .collect();
    let mut text_bytes = 0;
    for chunk_start in (0..size).step_by(10_000) {
        let documents: Vec<Synthetic> = (chunk_start..(chunk_start + 10_000).min(size))
            .map(|_| synthetic(&mut rng, &spellings))
            .collect();
        let record_tx = record.transaction().expect("tx");
        let fts_tx = fts.transaction().expect("tx");
        for (offset, document) in documents.iter().enumerate() {
            let id = (chunk_start + offset + 1) as i64;
            text_bytes += document.text.len();
            record_tx
                .execute(
                    "INSERT INTO documents (id, url, canonical_url, title, text, published, fetched,
                         content_hash, extraction, language, language_confidence, language_source, revision)
                     VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?5, ?1, 'feed', ?6, 1.0, 'detector', ?1)",
                    params![id, format!("https://example.org/{id}"), document.title, document.text, document.published, document.language],
                )
                .expect("insert");
            record_tx
                .execute(
                    "INSERT INTO document_sources (document_id, feed_id, url, entry_key, first_seen)
                     VALUES (?1, ?2, '', ?1, ?3)",
                    params![id, format!("source-{}", id % 40), document.published],
                )
                .expect("insert source");
            for entity in &document.entities {
                record_tx
                    .execute(
                        "INSERT OR IGNORE INTO document_entities (document_id, entity_id, mentions) VALUES (?1, ?2, 1)",
                        params![id, entity],
                    )
                    .expect("insert entity");
            }
            fts_tx
                .execute(
                    "INSERT INTO fts (rowid, title, body, entities, published, lang) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, document.title, document.text, fts_entities(&document.entities), document.published, document.language],
                )
                .expect("insert fts");
        }
        record_tx.commit().expect("commit");
        fts_tx.commit().expect("commit");
    }
    println!(
        "generated and stored {:.0} MB of text in {:.0}s (record and FTS5 index)",
        text_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut writer = ArchiveWriter::open(dir.path(), gazetteer).expect("archive");
    writer.catch_up(&store, &mut |_| {}).expect("index");
    println!(
        "indexed with Tantivy in {:.0}s ({:.0} documents/s, one indexing thread)",
        started.elapsed().as_secs_f64(),
        size as f64 / started.elapsed().as_secs_f64()
    );
    let search = Search::new(writer.archive(), tagger);
    let tantivy_only = veille_bench_core(&search);

    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "query", "veille p50", "p99", "tantivy p50", "p99", "FTS5 p50", "p99", "hits"
    );
    let mut all = [Vec::new(), Vec::new(), Vec::new()];
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
        println!(
            "{label:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9}",
            ms(percentile(&veille, 50)),
            ms(percentile(&veille, 99)),
            ms(percentile(&core, 50)),
            ms(percentile(&core, 99)),
            ms(percentile(&sqlite, 50)),
            ms(percentile(&sqlite, 99)),
            format!("{total}/{fts_total}"),
        );
        all[0].extend(veille);
        all[1].extend(core);
        all[2].extend(sqlite);
    }
    let [veille, core, sqlite] = all;
    println!(
        "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "all queries",
        ms(percentile(&veille, 50)),
        ms(percentile(&veille, 99)),
        ms(percentile(&core, 50)),
        ms(percentile(&core, 99)),
        ms(percentile(&sqlite, 50)),
        ms(percentile(&sqlite, 99)),
    );
    println!(
        "ratios to FTS5 (lower is faster): veille p50 {:.2}, p99 {:.2}; tantivy alone p50 {:.2}, p99 {:.2}",
        ratio(&veille, &sqlite, 50),
        ratio(&veille, &sqlite, 99),
        ratio(&core, &sqlite, 50),
        ratio(&core, &sqlite, 99),
    );
    println!(
        "hits: veille/FTS5 totals differ where veille stems (French, English, Arabic prefixes) and FTS5 does not"
    );
}

/// Tantivy alone: the lowered query, top 10 by score and the count.
fn veille_bench_core(search: &Search) -> impl Fn(&str) + '_ {
    move |query| {
        search.top_ids(query, 10).expect("core search");
    }
}

/// Entity ids as FTS5 tokens: unicode61 would split `kayes-region` into
/// `kayes` and `region`, and `entities : kayes` would match it.
fn fts_entities(ids: &[String]) -> String {
    ids.iter()
        .map(|id| id.replace('-', ""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn synthetic(rng: &mut StdRng, spellings: &[(String, Vec<String>)]) -> Synthetic {
    let (language, words): (&'static str, Vec<&str>) = match rng.random_range(0..20) {
        0..9 => ("fr", FRENCH.split_whitespace().collect()),
        9..16 => ("en", ENGLISH.split_whitespace().collect()),
        _ => ("ar", ARABIC.split_whitespace().collect()),
    };
    let mut entities = Vec::new();
    let mut named = Vec::new();
    for _ in 0..rng.random_range(0..4) {
        let (id, names) = &spellings[rng.random_range(0..spellings.len())];
        let name = &names[rng.random_range(0..names.len())];
        if !entities.contains(id) {
            entities.push(id.clone());
        }
        named.push(name.as_str());
    }
    let mut sentence = |count: usize, named: &[&str]| {
        let mut out: Vec<&str> = (0..count)
            .map(|_| words[rng.random_range(0..words.len())])
            .collect();
        for name in named {
            let at = rng.random_range(0..=out.len());
            out.insert(at, name);
        }
        out.join(" ")
    };
    let title = sentence(8, &named[..named.len().min(1)]);
    let text = sentence(90, &named);
    let day = rng.random_range(0..730);
    let published = (chrono::DateTime::parse_from_rfc3339("2024-11-01T00:00:00Z").unwrap()
        + chrono::Duration::days(day)
        + chrono::Duration::minutes(rng.random_range(0..1440)))
    .to_utc()
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Synthetic {
        title,
        text,
        language,
        published,
        entities,
    }
}

fn time(mut run: impl FnMut()) -> Vec<Duration> {
    run();
    (0..RUNS)
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

fn ratio(a: &[Duration], b: &[Duration], p: usize) -> f64 {
    percentile(a, p).as_secs_f64() / percentile(b, p).as_secs_f64()
}

fn ms(duration: Duration) -> String {
    format!("{:.2}ms", duration.as_secs_f64() * 1e3)
}
