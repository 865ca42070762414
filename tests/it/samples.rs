//! The shipped `feeds.toml` ingests the bundled sample corpus, offline, and
//! a second pass finds nothing new.

use std::path::Path;

use veille::store::Store;

use crate::support::{Setup, project_root, text};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The shipped config and samples, copied so the test's record is its own.
fn shipped() -> Setup {
    let root = project_root();
    let setup = Setup::new(&std::fs::read_to_string(root.join("feeds.toml")).unwrap());
    copy_dir(&root.join("samples"), &setup.dir.path().join("samples"));
    setup
}

#[test]
fn shipped_config_checks_and_ingests_the_sample_corpus() {
    let setup = shipped();
    let check = setup.veille(&["check"]);
    assert!(check.status.success(), "{}", text(&check.stderr));

    let first = setup.veille(&["fetch"]);
    let stdout = text(&first.stdout);
    assert!(first.status.success(), "{stdout}\n{}", text(&first.stderr));
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");

    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    let documents = store.documents_after(0, 1000).unwrap();
    assert!(documents.len() >= 40, "only {} documents", documents.len());
    for language in ["fr", "en", "ar"] {
        assert!(
            documents
                .iter()
                .filter(|d| d.language_hint.as_deref() == Some(language))
                .count()
                >= 10,
            "fewer than 10 documents in {language}"
        );
    }
    // Summary-only entries were completed from their linked pages.
    let from_pages = documents.iter().filter(|d| d.extraction != "feed").count();
    assert!(
        from_pages >= 15,
        "only {from_pages} documents extracted from pages"
    );
    // One story is carried by two sample feeds.
    assert!(
        documents.iter().any(|d| d.sources.len() == 2),
        "no shared story"
    );
    // Dates in French formats were read, not replaced by the fetch time.
    assert!(
        documents.iter().all(|d| !d.published_is_fetch_time),
        "a sample date was not parsed"
    );

    let second = setup.veille(&["fetch"]);
    let stdout = text(&second.stdout);
    assert!(second.status.success(), "{stdout}");
    assert!(
        stdout.contains("0 updated, 3 not modified, 0 failed; 0 new documents"),
        "{stdout}"
    );
}
