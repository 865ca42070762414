//! The shipped `feeds.toml` ingests the bundled sample corpus, offline, and
//! a second pass finds nothing new.

use veille::store::Store;

use crate::support::{add_local_gazetteer, shipped, text};

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
    // Every document was tagged: languages detected (the hint deciding only
    // for short texts), the sample's actors and places found in each script.
    let detected = documents
        .iter()
        .filter(|d| d.language_source == "detector")
        .count();
    assert!(
        detected * 10 >= documents.len() * 9,
        "only {detected} languages detected"
    );
    // Detection agrees with the feeds' hints, except on the shared story,
    // whose page is French and one of whose feeds is English.
    for document in documents.iter().filter(|d| d.language != d.language_hint) {
        assert_eq!(
            document.sources.len(),
            2,
            "{:?} detected as {:?}",
            document.title,
            document.language
        );
        assert_eq!(document.language.as_deref(), Some("fr"));
    }
    for (language, entity) in [
        ("fr", "jnim"),
        ("en", "jnim"),
        ("ar", "jnim"),
        ("fr", "kayes"),
        ("ar", "kayes"),
    ] {
        let tagged = documents.iter().any(|d| {
            d.language.as_deref() == Some(language) && d.entities.iter().any(|(id, _)| id == entity)
        });
        assert!(tagged, "no {language} document tagged {entity}");
    }
    // The radio drop folder: both broadcasts, their segments timed, the
    // station and programme from the sidecar or the file name.
    let transcripts: Vec<_> = documents
        .iter()
        .filter(|d| d.kind == "transcript")
        .collect();
    assert_eq!(transcripts.len(), 2, "{transcripts:?}");
    for document in &transcripts {
        let transcript = document.transcript.as_ref().unwrap();
        assert!(transcript.segments.len() >= 15, "{}", document.title);
        assert!(transcript.segments.iter().all(|s| s.start.is_some()));
    }
    let kayes = transcripts
        .iter()
        .find(|d| d.title == "Radio Rurale de Kayes, Journal de 07:30")
        .expect("the sidecar named the station and programme");
    assert_eq!(kayes.published, "2026-11-20T07:30:00Z");
    let blocus = kayes.text.find("blocus").unwrap();
    let timecode = kayes
        .transcript
        .as_ref()
        .unwrap()
        .timecode_at(blocus)
        .unwrap();
    assert_eq!(timecode.label, "00:05:02");
    assert_eq!(
        timecode.audio_link.as_deref(),
        Some("https://radio-rurale-kayes.example/journal/2026-11-20-0730.mp3#t=302")
    );
    // The site without a feed: six stories over two listing pages, text
    // from the article pages' div.article-corps.
    let site: Vec<_> = documents
        .iter()
        .filter(|d| d.sources == ["diboli-infos"])
        .collect();
    assert_eq!(site.len(), 6);
    assert!(
        site.iter()
            .all(|d| d.extraction == "selector" && d.text.chars().count() > 1000)
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
        stdout.contains("0 updated, 5 not modified, 0 failed; 0 new documents"),
        "{stdout}"
    );

    // The shipped rules caught the samples: the morning JNIM digest has
    // stories waiting, and the fuel-blockade digest goes to the outbox.
    let listed = text(&setup.veille(&["alerts", "list"]).stdout);
    let waiting = |rule: &str| -> usize {
        let row = listed.lines().find(|line| line.starts_with(rule)).unwrap();
        let cells: Vec<&str> = row
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        cells[3].parse().unwrap()
    };
    assert!(waiting("jnim-west") >= 10, "{listed}");
    assert!(waiting("fuel-blockade") >= 2, "{listed}");
    let sent = setup.veille(&["digest", "--rule", "fuel-blockade", "--now"]);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let outbox: Vec<_> = std::fs::read_dir(setup.dir.path().join("index/outbox"))
        .unwrap()
        .collect();
    assert_eq!(outbox.len(), 1);
}

#[test]
fn retag_applies_a_gazetteer_change_to_the_whole_record() {
    let setup = shipped();
    assert!(setup.veille(&["fetch"]).status.success());
    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    let mentions_radio = |store: &Store| {
        store
            .documents_after(0, 1000)
            .unwrap()
            .iter()
            .filter(|d| d.entities.iter().any(|(id, _)| id == "radio-kingui"))
            .count()
    };
    assert_eq!(mentions_radio(&store), 0);

    // The operator adds a local gazetteer with one more entity.
    add_local_gazetteer(
        &setup,
        "[[entity]]\nid = \"radio-kingui\"\ntype = \"organisation\"\nname = \"Radio Kingui FM\"\naliases = [\"Radio Kingui\"]\n",
    );

    let output = setup.veille(&["retag"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    let tagged = mentions_radio(&store);
    assert!(tagged > 0, "no document tagged after retag: {stdout}");
    assert!(stdout.contains(&format!("{tagged} changed")), "{stdout}");
}
