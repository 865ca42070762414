//! The `veille-corpus` generator end to end: what it writes, veille reads.

use std::process::Command;

use crate::support::project_root;

const CORPUS: &str = env!("CARGO_BIN_EXE_veille-corpus");
const VEILLE: &str = env!("CARGO_BIN_EXE_veille");

fn generate(out: &std::path::Path, format: &str, count: &str) {
    let output = Command::new(CORPUS)
        .arg("--gazetteer")
        .arg(project_root().join("entities.toml"))
        .args(["--seed", "3", "write", "--format", format, "-n", count])
        .args(["--per-feed", "20", "--out"])
        .arg(out)
        .output()
        .expect("run veille-corpus");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn generated_feeds_and_pages_are_fetched_stored_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    for (format, count) in [("feed", "50"), ("html", "12")] {
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
        assert_eq!(results["total"].as_u64().unwrap().to_string(), count);
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

#[test]
fn the_same_seed_writes_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("a"), "feed", "30");
    generate(&dir.path().join("b"), "feed", "30");
    for name in ["corpus-000000.xml", "corpus-000001.xml"] {
        let a = std::fs::read(dir.path().join("a/feeds").join(name)).unwrap();
        let b = std::fs::read(dir.path().join("b/feeds").join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
}
