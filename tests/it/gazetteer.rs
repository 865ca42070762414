//! The generated commune and village layer (`gazetteer/`) under the shipped
//! `entities.toml`: it loads whole, a village mention in a place context is
//! tagged, and `place:` finds it, from the village up to its region.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use chrono::Utc;
use veille::archive::{ArchiveWriter, Search, SearchRequest};
use veille::enrich::{EntityType, Gazetteer, Tagger};
use veille::store::Store;

use crate::support::{Story, project_root, record_story};

/// The shipped gazetteer with its village layer, compiled once: the layer
/// holds thousands of places.
fn tagger() -> Arc<Tagger> {
    static TAGGER: OnceLock<Arc<Tagger>> = OnceLock::new();
    TAGGER
        .get_or_init(|| {
            let root = project_root();
            let gazetteer = Gazetteer::load(&[root.join("entities.toml"), root.join("gazetteer")])
                .expect("shipped gazetteer with its layer");
            Arc::new(Tagger::new(gazetteer).expect("tagger"))
        })
        .clone()
}

#[test]
fn the_layer_loads_under_the_hand_curated_file() {
    let tagger = tagger();
    let gazetteer = tagger.gazetteer();
    let curated = Gazetteer::load(&[project_root().join("entities.toml")]).unwrap();
    let layer = gazetteer.layer();
    assert!(layer.kept() > 10_000, "{layer:?}");
    assert_eq!(gazetteer.len(), curated.len() + layer.kept());
    // Hand-curated entries are kept as written, none marked ambiguous by the layer.
    for entity in curated.entities() {
        let loaded = gazetteer.get(&entity.id).unwrap();
        assert_eq!(loaded.name, entity.name, "{}", entity.id);
        assert_eq!(loaded.aliases, entity.aliases, "{}", entity.id);
    }
    let curated_ids: HashSet<&str> = curated.entities().iter().map(|e| e.id.as_str()).collect();
    let generated: Vec<_> = gazetteer
        .entities()
        .iter()
        .filter(|entity| !curated_ids.contains(entity.id.as_str()))
        .collect();
    for entity in &generated {
        assert!(entity.ambiguous, "{} is not ambiguous", entity.id);
        assert_eq!(entity.kind, EntityType::Place, "{}", entity.id);
        assert!(entity.position().is_some(), "{} has no position", entity.id);
        for parent in gazetteer.admin_parents(entity) {
            assert_eq!(parent.kind, EntityType::Place, "{}", entity.id);
        }
        assert_eq!(
            gazetteer.admin_parents(entity).count(),
            entity.admin_parents().count(),
            "{}: an admin parent is missing",
            entity.id
        );
    }
    let communes = generated
        .iter()
        .filter(|entity| entity.country.as_deref() == Some("ML") && entity.id.ends_with("-commune"))
        .count();
    assert!(communes >= 650, "{communes} Malian communes");
    for country in ["ML", "BF", "NE", "SN", "MR", "GN"] {
        let places = generated
            .iter()
            .filter(|entity| entity.country.as_deref() == Some(country))
            .count();
        assert!(places >= 50, "{country}: {places} generated places");
    }
}

#[test]
fn a_village_in_a_place_context_is_tagged_with_its_cercle() {
    let tagged = tagger().tag(
        "Des hommes armés ont attaqué jeudi le village de Dioura, dans le cercle de Ténenkou, \
         selon des sources locales.",
    );
    let ids: Vec<&str> = tagged.iter().map(|t| t.id.as_str()).collect();
    assert!(ids.contains(&"ml-dioura"), "{ids:?}");
    assert!(ids.contains(&"ml-tenenkou-cercle"), "{ids:?}");
    let dioura = tagged.iter().find(|t| t.id == "ml-dioura").unwrap();
    assert_eq!(dioura.mentions[0].text, "Dioura");
    assert_eq!(dioura.mentions[0].start, 49);
}

#[test]
fn place_search_finds_a_village_from_itself_its_cercle_and_its_region() {
    let tagger = tagger();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let stories = [
        (
            "dioura",
            "Attaque à Dioura",
            "Des hommes armés ont attaqué le village de Dioura, dans le cercle de Ténenkou.",
        ),
        (
            "bamako",
            "Conseil des ministres",
            "Le conseil des ministres s'est réuni mercredi à Bamako.",
        ),
    ];
    let mut names = std::collections::HashMap::new();
    for (name, title, text) in stories {
        let story = Story {
            name,
            feed_id: "echos",
            language: "fr",
            published: Utc::now(),
            title,
            text,
        };
        names.insert(record_story(&store, &tagger, &story), name);
    }
    let mut writer = ArchiveWriter::open(dir.path(), tagger.gazetteer()).unwrap();
    writer.catch_up(&store, &mut |_| {}).unwrap();
    let search = Search::new(writer.archive(), tagger.clone());
    drop(writer);
    let found = |query: &str| -> Vec<&str> {
        let request = SearchRequest {
            query: query.to_owned(),
            limit: 10,
            offset: 0,
            sort: None,
        };
        let results = search
            .search(&store, &request)
            .unwrap_or_else(|error| panic!("{query}: {error}"));
        results.hits.iter().map(|hit| names[&hit.id]).collect()
    };
    assert_eq!(found("place:ml-dioura"), ["dioura"]);
    assert_eq!(found("place:\"Cercle de Ténenkou\""), ["dioura"]);
    assert_eq!(found("place:mopti-region"), ["dioura"]);
    let in_mali = found("place:mali");
    assert!(
        in_mali.contains(&"dioura") && in_mali.contains(&"bamako"),
        "{in_mali:?}"
    );
    assert!(found("place:ml-dioura-diale").is_empty());
}

#[test]
fn a_village_name_written_in_lower_case_is_the_ordinary_word() {
    let tagger = tagger();
    let ids = |text: &str| -> Vec<String> { tagger.tag(text).into_iter().map(|t| t.id).collect() };
    // "dire" after "à" or "de" is a cue in form only: the verb, not Diré.
    let verb =
        ids("Les habitants de Ségou ont leur mot à dire, il est difficile de dire pourquoi.");
    assert!(!verb.iter().any(|id| id == "ml-dire"), "{verb:?}");
    let beyond = ids("Au Mali et au-delà de la région de Mopti.");
    assert!(!beyond.iter().any(|id| id == "ml-dela"), "{beyond:?}");
    let same = ids("In Mali, the same attackers returned to Mopti.");
    assert!(!same.iter().any(|id| id == "ml-same"), "{same:?}");
    // Written as a name, the town is found.
    let town = ids("Des hommes armés ont attaqué un poste à Diré, dans la région de Tombouctou.");
    assert!(town.iter().any(|id| id == "ml-dire"), "{town:?}");
    // A transcript without capitals is not judged by case.
    let spoken = ids("des hommes armés ont attaqué un poste à diré dans la région de tombouctou");
    assert!(spoken.iter().any(|id| id == "ml-dire"), "{spoken:?}");
}
