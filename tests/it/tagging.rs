//! Entity tagging and language detection on the annotated sentence set
//! (`fixtures/tagging/sentences.toml`) with the shipped gazetteer.

use std::collections::BTreeSet;

use serde::Deserialize;
use veille::enrich::normalise::normalise_alias;
use veille::enrich::{Gazetteer, Tagger, detect_language};

use crate::support::{Setup, project_root, text, veille_command};

/// Precision and recall below this fail the test.
const MINIMUM: f64 = 0.95;

#[derive(Deserialize)]
struct Sentences {
    sentence: Vec<Sentence>,
}

#[derive(Deserialize)]
struct Sentence {
    text: String,
    entities: Vec<String>,
    lang: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

fn shipped_tagger() -> Tagger {
    let gazetteer =
        Gazetteer::load(&[project_root().join("entities.toml")]).expect("entities.toml");
    Tagger::new(gazetteer).expect("tagger")
}

fn sentences() -> Vec<Sentence> {
    let path = project_root().join("tests/it/fixtures/tagging/sentences.toml");
    let parsed: Sentences = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    parsed.sentence
}

#[test]
fn the_annotated_set_is_tagged_with_high_precision_and_recall() {
    let tagger = shipped_tagger();
    let sentences = sentences();
    assert!(sentences.len() >= 60, "only {} sentences", sentences.len());
    let (mut true_positives, mut false_positives, mut false_negatives) = (0, 0, 0);
    let mut misses = Vec::new();
    for sentence in &sentences {
        let tagged = tagger.tag(&sentence.text);
        let found: BTreeSet<&str> = tagged.iter().map(|t| t.id.as_str()).collect();
        let expected: BTreeSet<&str> = sentence.entities.iter().map(String::as_str).collect();
        true_positives += found.intersection(&expected).count();
        false_positives += found.difference(&expected).count();
        false_negatives += expected.difference(&found).count();
        if found != expected {
            misses.push(format!(
                "{:?}\n    expected {expected:?}\n    found    {found:?}",
                sentence.text
            ));
        }
        // Every mention points at the original text, at a spelling of its
        // entity.
        let chars: Vec<char> = sentence.text.chars().collect();
        for entity in &tagged {
            let spellings: Vec<String> = tagger
                .gazetteer()
                .get(&entity.id)
                .unwrap()
                .spellings()
                .map(normalise_alias)
                .collect();
            for mention in &entity.mentions {
                let slice: String = chars[mention.start..mention.end].iter().collect();
                assert_eq!(slice, mention.text, "{:?}", sentence.text);
                let form = normalise_alias(&slice);
                let matches_a_spelling = spellings.iter().any(|spelling| {
                    *spelling == form || spelling.strip_prefix("ال") == Some(form.as_str())
                });
                assert!(
                    matches_a_spelling,
                    "{slice:?} is not a spelling of {}",
                    entity.id
                );
            }
        }
    }
    let precision = true_positives as f64 / (true_positives + false_positives).max(1) as f64;
    let recall = true_positives as f64 / (true_positives + false_negatives).max(1) as f64;
    eprintln!(
        "tagging: {} sentences, precision {precision:.3}, recall {recall:.3}\n{}",
        sentences.len(),
        misses.join("\n")
    );
    assert!(
        precision >= MINIMUM && recall >= MINIMUM,
        "precision {precision:.3}, recall {recall:.3}"
    );
}

#[test]
fn language_is_detected_on_sentences_of_ten_words_or_more() {
    let sentences = sentences();
    let mut checked = std::collections::BTreeMap::<&str, usize>::new();
    let mut wrong = Vec::new();
    for sentence in &sentences {
        let Some(expected) = &sentence.lang else {
            continue;
        };
        assert!(
            sentence.text.split_whitespace().count() >= 10,
            "{:?} is too short to check",
            sentence.text
        );
        *checked.entry(expected).or_default() += 1;
        let detected = detect_language(&sentence.text, None);
        if detected.code.as_deref() != Some(expected.as_str()) {
            wrong.push(format!("{:?}: {:?}", sentence.text, detected));
        }
    }
    for language in ["fr", "en", "ar"] {
        assert!(
            checked.get(language).copied().unwrap_or(0) >= 5,
            "too few {language} sentences: {checked:?}"
        );
    }
    assert!(wrong.is_empty(), "misdetected:\n{}", wrong.join("\n"));
}

#[test]
fn the_shipped_gazetteer_has_the_required_entities() {
    let gazetteer = Gazetteer::load(&[project_root().join("entities.toml")]).unwrap();
    let required = [
        "jnim",
        "katiba-macina",
        "eigs",
        "aqmi",
        "ansar-dine",
        "ansar-al-islam",
        "fama",
        "gar-si",
        "africa-corps",
        "wagner",
        "iyad-ag-ghaly",
        "amadou-koufa",
        "thierno-hady-tall",
        "cherif-bouye-haidara",
        "mali",
        "senegal",
        "mauritania",
        "guinea",
        "guinea-bissau",
        "burkina-faso",
        "niger",
        "bamako",
        "dakar",
        "nouakchott",
        "kayes",
        "diboli",
        "nioro-du-sahel",
        "diema",
        "bafoulabe",
        "kenieba",
        "koulikoro",
        "mopti",
        "segou",
        "menaka",
        "farabougou",
        "dioumara",
        "nampala",
        "macina",
        "kedougou",
        "tambacounda",
        "matam",
        "bakel",
        "saraya",
        "goudiry",
        "kidira",
        "faleme",
        "hodh-ech-chargui",
        "hodh-el-gharbi",
        "assaba",
        "rn1",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|id| gazetteer.get(id).is_none())
        .collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    for entity in gazetteer.entities() {
        if entity.kind == veille::enrich::EntityType::Place {
            assert!(
                entity.lat.is_some() && entity.lon.is_some(),
                "{} has no coordinates",
                entity.id
            );
        }
    }
}

#[test]
fn tag_command_prints_language_and_character_offsets() {
    let input = "À Kédougou, l’EIGS et le GSIM : le JNIM frappe près de Kidira.";
    let mut child = veille_command()
        .args(["tag", "--json", "--gazetteer"])
        .arg(project_root().join("entities.toml"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["lang"], "fr");
    let entities = json["entities"].as_array().unwrap();
    let jnim = entities
        .iter()
        .find(|e| e["id"] == "jnim")
        .expect("jnim tagged");
    assert_eq!(jnim["type"], "armed_group");
    let chars: Vec<char> = input.chars().collect();
    let mentions = jnim["mentions"].as_array().unwrap();
    assert_eq!(mentions.len(), 2, "GSIM and JNIM");
    for mention in mentions {
        let (start, end) = (
            mention["start"].as_u64().unwrap() as usize,
            mention["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[start..end].iter().collect::<String>(),
            mention["text"].as_str().unwrap()
        );
    }
    assert_eq!(mentions[0]["text"], "GSIM");
    assert!(entities.iter().any(|e| e["id"] == "kedougou"));
    assert!(entities.iter().any(|e| e["id"] == "eigs"));
}

#[test]
fn a_broken_gazetteer_is_refused_by_check_with_file_line_and_entity() {
    let setup = Setup::new("[enrich]\ngazetteer = [\"local.toml\"]\n");
    std::fs::write(
        setup.dir.path().join("local.toml"),
        "[[entity]]\nid = \"kayes\"\ntype = \"place\"\nname = \"Kayes\"\nparent = \"nowhere\"\nlat = 14.4\nlon = -11.4\n\n\
         [[entity]]\nid = \"kayes\"\ntype = \"place\"\nname = \"Kayes ville\"\nlat = 14.4\nlon = -11.4\n",
    )
    .unwrap();
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    let file = setup.dir.path().join("local.toml").display().to_string();
    assert!(
        stderr.contains(&format!(
            "{file}:10:6: [[entity]] \"kayes\" key `id`: duplicate id"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}:2:6: [[entity]] \"kayes\" key `parent`: unknown parent \"nowhere\""
        )),
        "{stderr}"
    );
}
