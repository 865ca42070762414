//! The archive: analysis, the query language, filters, facets, pages and
//! snippets, over a small corpus whose every answer is known.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use veille::archive::{
    ArchiveError, ArchiveWriter, Search, SearchRequest, SearchResults, SortOrder,
};
use veille::enrich::{Gazetteer, Tagger};
use veille::store::Store;

use crate::support::{Story, project_root, record_story};

struct Corpus {
    dir: tempfile::TempDir,
    store: Store,
    search: Search,
    names: HashMap<i64, &'static str>,
}

/// (name, source, language, published, title, text)
type Fixture = (
    &'static str,
    &'static str,
    &'static str,
    DateTime<Utc>,
    &'static str,
    &'static str,
);

fn documents() -> Vec<Fixture> {
    let day = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    vec![
        (
            "fr-diboli",
            "echos",
            "fr",
            day("2025-09-03T08:00:00Z"),
            "Enlèvements de commerçants sur la route de Diboli",
            "Les enlèvements de commerçants se multiplient sur la route nationale près de Diboli. \
          Le GSIM est soupçonné par les habitants. Les camions de carburant restent bloqués \
          depuis le début du blocus carburant imposé autour de Kayes.",
        ),
        (
            "fr-marche",
            "echos",
            "fr",
            day("2025-09-20T09:30:00Z"),
            "Kayes : le marché central rouvre",
            "À Kayes, le marché central a rouvert ses portes malgré le blocus. Les commerçants \
          attendent toujours les camions venus de Dakar, et les prix restent très élevés.",
        ),
        (
            "en-nioro",
            "watch",
            "en",
            day("2025-09-10T12:00:00Z"),
            "Kidnappings rise near Nioro du Sahel",
            "Several kidnappings were reported near Nioro du Sahel this week. Residents blame \
          JNIM fighters, who have blockaded the road to Diboli since August.",
        ),
        (
            "en-fuel",
            "watch",
            "en",
            day("2025-10-05T07:00:00Z"),
            "Fuel blockade hits traders in western Mali",
            "The fuel blockade imposed by Jama'at Nusrat al-Islam wal-Muslimin keeps tankers \
          away from Kayes, and traders say prices have tripled in a month.",
        ),
        (
            "ar-hudud",
            "akhbar",
            "ar",
            day("2025-09-15T10:00:00Z"),
            "الشاحنات عالقة قرب ديبولي",
            "تبقى مئات الشاحنات عالقة والحدود مغلقة قرب ديبولي، بعد هجمات جماعة نصرة الإسلام \
          والمسلمين على الطريق الوطني، ويقول السائقون إنهم ينتظرون منذ أسابيع.",
        ),
        (
            "ar-wuqud",
            "akhbar",
            "ar",
            day("2025-10-02T10:00:00Z"),
            "أزمة الوقود تشتد في كايس",
            "تتفاقم أزمة الوقود في كايس بسبب الحصار، وارتفعت أسعار البنزين في السوق السوداء \
          إلى مستويات غير مسبوقة.",
        ),
        (
            "fr-recent",
            "echos",
            "fr",
            Utc::now() - Duration::days(2),
            "Nioro du Sahel : un calme précaire",
            "Le calme est revenu à Nioro du Sahel après une semaine de tension, selon des \
          habitants joints par téléphone.",
        ),
    ]
}

fn corpus() -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let gazetteer = Gazetteer::load(&[project_root().join("entities.toml")]).unwrap();
    let tagger = Arc::new(Tagger::new(gazetteer).unwrap());
    let store = Store::open(dir.path()).unwrap();
    let mut names = HashMap::new();
    for (name, source, language, published, title, text) in documents() {
        let story = Story {
            name,
            feed_id: source,
            language,
            published,
            title,
            text,
        };
        names.insert(record_story(&store, &tagger, &story), name);
    }
    let mut writer = ArchiveWriter::open(dir.path(), tagger.gazetteer()).unwrap();
    assert_eq!(writer.catch_up(&store, &mut |_| {}).unwrap(), names.len());
    let search = Search::new(writer.archive(), tagger);
    drop(writer);
    Corpus {
        dir,
        store,
        search,
        names,
    }
}

impl Corpus {
    fn run(&self, query: &str) -> SearchResults {
        self.page(query, 100, 0, None)
    }

    fn page(
        &self,
        query: &str,
        limit: usize,
        offset: usize,
        sort: Option<SortOrder>,
    ) -> SearchResults {
        let request = SearchRequest {
            query: query.to_owned(),
            limit,
            offset,
            sort,
        };
        self.search
            .search(&self.store, &request)
            .unwrap_or_else(|error| panic!("{query}: {error}"))
    }

    fn found(&self, query: &str) -> BTreeSet<&'static str> {
        let results = self.run(query);
        assert_eq!(
            results.total,
            results.hits.len(),
            "{query}: total and hits disagree"
        );
        results.hits.iter().map(|hit| self.names[&hit.id]).collect()
    }
}

fn set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

#[test]
fn french_and_english_words_match_across_inflection_case_and_accents() {
    let corpus = corpus();
    for query in ["enlevement", "Enlèvements", "ENLEVEMENTS", "enlèvement"] {
        assert_eq!(corpus.found(query), set(&["fr-diboli"]), "{query}");
    }
    assert_eq!(corpus.found("camion"), set(&["fr-diboli", "fr-marche"]));
    assert_eq!(corpus.found("kidnapping"), set(&["en-nioro"]));
    assert_eq!(corpus.found("blockade"), set(&["en-nioro", "en-fuel"]));
    assert_eq!(corpus.found("marché"), set(&["fr-marche"]));
    assert!(corpus.found("enlevementz").is_empty());
}

#[test]
fn arabic_words_match_without_their_prefixes() {
    let corpus = corpus();
    // The text has والحدود and الشاحنات; the title has الشاحنات.
    assert_eq!(corpus.found("حدود"), set(&["ar-hudud"]));
    assert_eq!(corpus.found("الحدود"), set(&["ar-hudud"]));
    assert_eq!(corpus.found("شاحنات"), set(&["ar-hudud"]));
    // أزمة written with a bare alef and a ha.
    assert_eq!(corpus.found("ازمه"), set(&["ar-wuqud"]));
    assert_eq!(corpus.found("وقود"), set(&["ar-wuqud"]));
}

#[test]
fn phrases_boolean_operators_and_title() {
    let corpus = corpus();
    assert_eq!(corpus.found("\"blocus carburant\""), set(&["fr-diboli"]));
    assert_eq!(corpus.found("blocus"), set(&["fr-diboli", "fr-marche"]));
    assert_eq!(corpus.found("blocus -carburant"), set(&["fr-marche"]));
    assert_eq!(corpus.found("blocus NOT carburant"), set(&["fr-marche"]));
    assert_eq!(
        corpus.found("(kidnapping OR enlevement) AND diboli"),
        set(&["fr-diboli", "en-nioro"])
    );
    assert_eq!(corpus.found("title:kayes"), set(&["fr-marche"]));
    assert_eq!(
        corpus.found("title:\"nioro du sahel\""),
        set(&["en-nioro", "fr-recent"])
    );
}

#[test]
fn an_entity_filter_matches_every_spelling_and_script() {
    let corpus = corpus();
    // GSIM (fr), JNIM (en), the full name (en) and the Arabic name (ar).
    let jnim = set(&["fr-diboli", "en-nioro", "en-fuel", "ar-hudud"]);
    for query in [
        "entity:jnim",
        "entity:GSIM",
        "entity:\"Jama'at Nusrat al-Islam wal-Muslimin\"",
        "entity:\"جماعة نصرة الإسلام والمسلمين\"",
    ] {
        assert_eq!(corpus.found(query), jnim, "{query}");
    }
    assert_eq!(
        corpus.found("entity:diboli"),
        set(&["fr-diboli", "en-nioro", "ar-hudud"])
    );
    assert_eq!(corpus.found("entity:ديبولي lang:ar"), set(&["ar-hudud"]));
    assert_eq!(corpus.found("type:armed_group"), jnim);
    // The Kayes region holds Kayes, Diboli and Nioro du Sahel.
    assert_eq!(
        corpus.found("place:kayes-region source:akhbar"),
        set(&["ar-hudud", "ar-wuqud"])
    );
    assert_eq!(corpus.found("source:watch -entity:jnim"), set(&[]));
}

#[test]
fn date_filters_absolute_and_relative() {
    let corpus = corpus();
    assert_eq!(
        corpus.found("since:2025-09-10 until:2025-09-20"),
        set(&["en-nioro", "ar-hudud", "fr-marche"])
    );
    assert_eq!(corpus.found("until:2025-09-09"), set(&["fr-diboli"]));
    assert_eq!(corpus.found("since:7d"), set(&["fr-recent"]));
    assert_eq!(
        corpus.found("entity:jnim since:2025-10-01"),
        set(&["en-fuel"])
    );
}

#[test]
fn facets_count_the_whole_result_set() {
    let corpus = corpus();
    let results = corpus.page("entity:jnim", 1, 0, None);
    assert_eq!(results.total, 4);
    assert_eq!(results.hits.len(), 1);
    let facets = &results.facets;
    let counts = |list: &[veille::archive::Count]| -> Vec<(String, u64)> {
        list.iter().map(|c| (c.value.clone(), c.count)).collect()
    };
    assert_eq!(
        counts(&facets.sources),
        [
            ("watch".into(), 2),
            ("akhbar".into(), 1),
            ("echos".into(), 1)
        ]
    );
    assert_eq!(
        counts(&facets.languages),
        [("en".into(), 2), ("ar".into(), 1), ("fr".into(), 1)]
    );
    assert_eq!(
        counts(&facets.days),
        [
            ("2025-09-03".into(), 1),
            ("2025-09-10".into(), 1),
            ("2025-09-15".into(), 1),
            ("2025-10-05".into(), 1)
        ]
    );
    let armed: Vec<(&str, u64)> = facets.entities["armed_group"]
        .iter()
        .map(|e| (e.id.as_str(), e.count))
        .collect();
    assert_eq!(armed, [("jnim", 4)]);
    let places: HashMap<&str, u64> = facets.entities["place"]
        .iter()
        .map(|e| (e.id.as_str(), e.count))
        .collect();
    assert_eq!(places.get("diboli"), Some(&3));
    assert_eq!(places.get("kayes"), Some(&2));
}

#[test]
fn pages_cover_every_hit_once_in_order() {
    let corpus = corpus();
    let all = corpus.page("", 100, 0, Some(SortOrder::Date));
    assert_eq!(all.total, 7);
    let dates: Vec<&str> = all.hits.iter().map(|hit| hit.published.as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "date order is newest first");
    let mut paged = Vec::new();
    for offset in (0..7).step_by(3) {
        let page = corpus.page("", 3, offset, Some(SortOrder::Date));
        assert_eq!(page.total, 7);
        paged.extend(page.hits.into_iter().map(|hit| hit.id));
    }
    let all_ids: Vec<i64> = all.hits.iter().map(|hit| hit.id).collect();
    assert_eq!(paged, all_ids);
    // Relevance: the document that says "blocus carburant" twice-over ranks first.
    let ranked = corpus.page("blocus carburant", 10, 0, None);
    assert_eq!(ranked.sort, SortOrder::Relevance);
    assert_eq!(corpus.names[&ranked.hits[0].id], "fr-diboli");
    assert!(ranked.hits.iter().all(|hit| hit.score.is_some()));
    // Limits are capped.
    assert_eq!(
        corpus.page("", 5000, 0, None).limit,
        veille::archive::MAX_LIMIT
    );
}

#[test]
fn snippets_highlight_the_words_that_matched() {
    let corpus = corpus();
    let marked = |results: &SearchResults| -> Vec<String> {
        let snippet = &results.hits[0].snippet;
        let chars: Vec<char> = snippet.text.chars().collect();
        snippet
            .highlights
            .iter()
            .map(|&(start, end)| chars[start..end].iter().collect())
            .collect()
    };
    let results = corpus.run("enlevement");
    assert_eq!(marked(&results), ["enlèvements"]);
    assert!(
        results.hits[0]
            .snippet
            .html
            .contains("<mark>enlèvements</mark>")
    );

    let results = corpus.run("camions diboli");
    let words = marked(&results);
    assert!(
        words.contains(&"camions".to_owned()) && words.contains(&"Diboli".to_owned()),
        "{words:?}"
    );

    let results = corpus.run("حدود");
    assert_eq!(marked(&results), ["والحدود"]);

    // An entity filter alone highlights the entity, as the text spells it.
    let results = corpus.run("entity:jnim source:echos");
    assert_eq!(marked(&results), ["GSIM"]);
}

#[test]
fn bad_queries_say_what_and_where() {
    let corpus = corpus();
    let request = SearchRequest {
        query: "jnim (blocus".into(),
        limit: 10,
        offset: 0,
        sort: None,
    };
    match corpus.search.search(&corpus.store, &request) {
        Err(ArchiveError::Query(error)) => {
            assert_eq!(error.column, 6);
            assert!(error.message.contains("never closed"), "{error}");
        }
        other => panic!(
            "expected a query error, got {other:?}",
            other = other.map(|r| r.total)
        ),
    }
}

#[test]
fn re_adding_a_document_replaces_it() {
    let corpus = corpus();
    let dir = corpus.dir.path();
    let tagger =
        Tagger::new(Gazetteer::load(&[project_root().join("entities.toml")]).unwrap()).unwrap();
    let mut writer = ArchiveWriter::open(dir, tagger.gazetteer()).unwrap();
    let documents = corpus.store.documents_after(0, 100).unwrap();
    for document in &documents {
        writer.add(document).unwrap();
    }
    writer.commit(writer.revision()).unwrap();
    assert_eq!(writer.archive().document_count(), 7);
    let search = Search::new(writer.archive(), Arc::new(tagger));
    let request = SearchRequest {
        query: "entity:jnim".into(),
        limit: 100,
        offset: 0,
        sort: None,
    };
    assert_eq!(search.search(&corpus.store, &request).unwrap().total, 4);
}
