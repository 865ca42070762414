//! The corpus generator end to end: what it writes, veille reads. The
//! generator is a crate of its own (`crates/veille-corpus`, whose own tests
//! run its binary); here its library writes the files and the `veille`
//! binary fetches and searches them.

use std::process::Command;

use veille::enrich::Gazetteer;
use veille_corpus::Generator;
use veille_corpus::feed::ItemText;
use veille_corpus::write::write_feeds;

use crate::support::project_root;

const VEILLE: &str = env!("CARGO_BIN_EXE_veille");

/// What `veille-corpus --seed 3 write --format FORMAT -n COUNT --per-feed 20`
/// writes.
fn generate(out: &std::path::Path, format: &str, count: u64) {
    let gazetteer_path = project_root().join("entities.toml");
    let gazetteer = Gazetteer::load(std::slice::from_ref(&gazetteer_path)).unwrap();
    let text = match format {
        "html" => ItemText::Teaser,
        _ => ItemText::Full,
    };
    let generator = Generator::new(3, &gazetteer);
    write_feeds(&generator, 0..count, 20, text, out, Some(&gazetteer_path)).unwrap();
}

#[test]
fn generated_feeds_and_pages_are_fetched_stored_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    for (format, count) in [("feed", 50), ("html", 12)] {
        let out = dir.path().join(format);
        generate(&out, format, count);
        let config = out.join("feeds.toml");
        let fetch = Command::new(VEILLE)
            .args(["fetch", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&fetch.stdout);
        assert!(fetch.status.success(), "{fetch:?}");
        assert!(
            stdout.contains(&format!("0 failed; {count} new documents, 0 duplicates")),
            "{stdout}"
        );
        let search = Command::new(VEILLE)
            .args(["search", "--json", "--limit", "100", "--config"])
            .arg(&config)
            .args(["--", "lang:fr OR lang:en OR lang:ar"])
            .output()
            .unwrap();
        let results: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
        assert_eq!(results["total"].as_u64().unwrap(), count);
        if format == "html" {
            // Teasers were completed from the pages by the extractor.
            let hit = &results["hits"][0];
            let id = hit["id"].as_i64().unwrap();
            let store = veille::store::Store::open(&out.join("store")).unwrap();
            let document = &store.documents_by_ids(&[id]).unwrap()[0];
            assert_eq!(document.extraction, "extractor");
            assert!(document.text.split_whitespace().count() >= 270);
        }
    }
}
