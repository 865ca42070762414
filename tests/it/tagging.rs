//! Entity tagging and language detection on the annotated sentence set
//! (`fixtures/tagging/sentences.toml`) with the shipped gazetteer; the
//! evidence rules for ambiguous names, one case per rule and language; the
//! real-text evaluation set (`fixtures/tagging/real-news-annotations.jsonl`,
//! offsets into `../shared/data/real-news/`); and `veille retag`.

use std::collections::BTreeSet;

use serde::Deserialize;
use veille::enrich::normalise::normalise_alias;
use veille::enrich::{Gazetteer, Tagger, detect_language};

use crate::support::{
    Setup, add_local_gazetteer, project_root, shared_data, shipped, text, veille_command,
};

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
                // A name read at an administrative level ("les régions de
                // Ménaka et de Tombouctou") is the region's mention.
                let by_form = mention
                    .evidence
                    .as_deref()
                    .is_some_and(|evidence| evidence.starts_with("form:"));
                let matches_a_spelling = by_form
                    || spellings.iter().any(|spelling| {
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

/// `veille tag ARGS` with the shipped gazetteer on `input` as standard
/// input, its JSON output.
fn tag_command(args: &[&str], input: &str) -> serde_json::Value {
    let mut child = veille_command()
        .arg("tag")
        .args(args)
        .arg("--gazetteer")
        .arg(project_root().join("entities.toml"))
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
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn tag_command_prints_language_and_character_offsets() {
    let input = "À Kédougou, l’EIGS et le GSIM : le JNIM frappe près de Kidira.";
    let json = tag_command(&["--json", "-"], input);
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

/// What a rule should make of one mention.
enum Outcome {
    /// Tagged; the evidence starts with this (`""`: a plain spelling).
    Tagged(&'static str),
    /// Refused by this rule.
    Refused(&'static str),
}
use Outcome::{Refused, Tagged};

/// `(text, entity, outcome)`: each evidence rule fires and refuses in
/// French, English and Arabic.
const RULE_CASES: &[(&str, &str, Outcome)] = &[
    // A place cue right before the mention.
    (
        "Des hommes armés ont attaqué un poste à Kita mardi soir.",
        "kita",
        Tagged("cue:à"),
    ),
    (
        "Gunmen attacked a checkpoint near Gao on Monday.",
        "gao",
        Tagged("cue:near"),
    ),
    (
        "وقع الهجوم في مدينة كاي غرب البلاد.",
        "kayes",
        Tagged("cue:مدينة"),
    ),
    (
        "قتل جنود في هجوم في شمال مالي أمس.",
        "mali",
        Tagged("cue:شمال"),
    ),
    ("وقع انفجار بمالي صباح اليوم.", "mali", Tagged("cue:ب")),
    (
        "le mot kita revient souvent dans la chanson.",
        "kita",
        Refused("no-evidence"),
    ),
    (
        "The orchestra played Gao's symphony.",
        "gao",
        Refused("no-evidence"),
    ),
    (
        "قال الموفد الخاص نيكولاس كاي أمس إن الوضع خطير.",
        "kayes",
        Refused("no-evidence"),
    ),
    (
        "وقدمت الشركة دعم مالي كبير للنادي.",
        "mali",
        Refused("ordinary-word"),
    ),
    (
        "ارتفع العجز المالي هذا العام.",
        "mali",
        Refused("ordinary-word"),
    ),
    // Nationality adjective after a noun that takes one.
    (
        "وصل الرئيس الانتقالي المالي إلى الرياض.",
        "mali",
        Tagged("cue:الرئيس الانتقالي"),
    ),
    (
        "قال الرئيس المالي لشركة النفط إن الأرباح ارتفعت.",
        "mali",
        Refused("no-evidence"),
    ),
    // An unambiguous Sahel entity in the same paragraph.
    (
        "Tombouctou et Kati sont touchées par les coupures.",
        "kati",
        Tagged("context:tombouctou"),
    ),
    (
        "Mali's junta hired Wagner last year.",
        "wagner",
        Tagged("context:mali"),
    ),
    (
        "باماكو تستضيف القمة، ومالي تستعد لها.",
        "mali",
        Tagged("context:bamako"),
    ),
    (
        "Mali's junta spoke.\n\nWagner's music was played all night.",
        "wagner",
        Refused("no-evidence"),
    ),
    (
        "Les élections au Sénégal.\n\nKati Outinen joue le rôle principal.",
        "kati",
        Refused("name-after"),
    ),
    (
        "باماكو مدينة كبيرة.\nوقالت الممثلة كاتي هولمز إنها سعيدة.",
        "kati",
        Refused("no-evidence"),
    ),
    // A word naming what the actor is.
    (
        "des mercenaires du groupe russe Wagner sont arrivés",
        "wagner",
        Tagged("type:russe"),
    ),
    // Counter-evidence: a title or a first name before.
    (
        "M. Wagner a répondu aux questions au Mali.",
        "wagner",
        Refused("title"),
    ),
    (
        "L'opéra de Richard Wagner a été joué au Mali.",
        "wagner",
        Refused("first-name"),
    ),
    (
        "Mr Gao said the talks in Mali went well.",
        "gao",
        Refused("title"),
    ),
    (
        "قال السيد كاي في باماكو إن الاتفاق قريب.",
        "kayes",
        Refused("title"),
    ),
    // Another name part after it.
    (
        "The novelist Gao Xingjian won the prize in Mali.",
        "gao",
        Refused("name-after"),
    ),
    (
        "Kita-ku, in Tokyo, is near Mali's embassy.",
        "kita",
        Refused("name-after"),
    ),
    // Water: a river word before it.
    (
        "Ils ont navigué le long du Niger jusqu'à Mopti.",
        "niger",
        Refused("river"),
    ),
    (
        "They sailed across the Niger to reach the island.",
        "niger",
        Refused("river"),
    ),
    (
        "يعيش الصيادون على ضفاف النيجر منذ قرون.",
        "niger",
        Refused("river"),
    ),
    (
        "Le président du Niger est arrivé à Dakar.",
        "niger",
        Tagged(""),
    ),
    (
        "les pays bordant le golfe de Guinée",
        "guinea",
        Refused("gulf"),
    ),
    (
        "piracy in the Gulf of Guinea is rising",
        "guinea",
        Refused("gulf"),
    ),
    (
        "la capitale de la Papouasie-Nouvelle-Guinée",
        "guinea",
        Refused("foreign-name"),
    ),
    (
        "Port Moresby, Papua New Guinea",
        "guinea",
        Refused("foreign-name"),
    ),
    // Niger Delta and Niger State are Nigeria.
    (
        "la région pétrolifère du delta du Niger",
        "niger",
        Refused("delta"),
    ),
    (
        "militants in the Niger Delta attacked a pipeline",
        "niger",
        Refused("delta"),
    ),
    ("في منطقة دلتا النيجر النفطية", "niger", Refused("delta")),
    (
        "Gunmen attacked a village in Niger State, Nigeria.",
        "niger",
        Refused("foreign-state"),
    ),
    // An organisation's name.
    (
        "La Radio Macina émet depuis Bamako.",
        "macina",
        Refused("organisation"),
    ),
    (
        "The EIS union said teachers will strike.",
        "eigs",
        Refused("organisation"),
    ),
    (
        "أعلنت شركة كاي للعقارات عن أرباحها في باماكو.",
        "kayes",
        Refused("organisation"),
    ),
    (
        "Les djihadistes de l'EIS ont attaqué Ménaka.",
        "eigs",
        Tagged("context:menaka"),
    ),
    ("في كيفة استغلال الوقت", "kiffa", Refused("no-evidence")),
    (
        "وصل الوفد إلى كيفة قادما من نواكشوط.",
        "kiffa",
        Tagged("context:nouakchott"),
    ),
    // A hamza inside the word: كأي is "like any".
    (
        "ظلت على الحياد كأي دولة أخرى في مدينة كاي.",
        "kayes",
        Tagged("cue:مدينة"),
    ),
    ("ظلت على الحياد كأي دولة أخرى.", "kayes", Refused("hamza")),
    // An ordinary compound.
    (
        "They were used guinea-pig-style in the trial.",
        "guinea",
        Refused("compound"),
    ),
];

#[test]
fn each_evidence_rule_fires_and_refuses_in_every_language() {
    let tagger = shipped_tagger();
    let mut wrong = Vec::new();
    for (text, entity, outcome) in RULE_CASES {
        let explained = tagger.explain(text);
        let tagged = explained.entities.iter().find(|t| t.id == *entity);
        let refused = explained.rejected.iter().find(|r| r.id == *entity);
        let ok = match (outcome, tagged, refused) {
            (Tagged(evidence), Some(tagged), _) => tagged.mentions.iter().any(|m| {
                m.evidence.as_deref().unwrap_or("").starts_with(evidence)
                    && (!evidence.is_empty() || m.evidence.is_none())
            }),
            (Refused(rule), None, Some(refused)) => refused.rejected == *rule,
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{text:?} {entity}: tagged {:?}, refused {:?}",
                tagged.map(|t| &t.mentions),
                explained.rejected
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn administrative_forms_and_lists_resolve_to_regions() {
    let tagger = shipped_tagger();
    let cases: &[(&str, &[&str])] = &[
        (
            "Des attaques dans les régions de Ménaka et de Tombouctou ont fait dix morts.",
            &["menaka-region", "tombouctou-region"],
        ),
        (
            "Les violences sexuelles dans les régions centrales de Mopti et Ségou.",
            &["mopti-region", "segou-region"],
        ),
        // No cercle in the gazetteer: the towns, read with the form.
        (
            "Les cercles de Nioro et de Diéma sont sous couvre-feu.",
            &["nioro-du-sahel", "diema"],
        ),
        (
            "Fighting spread to the Mopti and Ségou regions last week.",
            &["mopti-region", "segou-region"],
        ),
        ("Troops were sent to the Gao Region.", &["gao-region"]),
        (
            "امتدت المعارك إلى منطقتي موبتي وسيغو.",
            &["mopti-region", "segou-region"],
        ),
        ("هاجم مسلحون قرية في ولاية غاو.", &["gao-region"]),
        ("أعلنت السلطات حظر التجول في مقاطعة كاي.", &["kayes"]),
        // Without a form, the towns.
        ("Mopti et Ségou ont reçu des renforts.", &["mopti", "segou"]),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in cases {
        let found: Vec<String> = tagger
            .tag(text)
            .into_iter()
            .filter(|t| t.kind == veille::enrich::EntityType::Place)
            .map(|t| t.id)
            .collect();
        if found != *expected {
            wrong.push(format!("{text:?}: {found:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn tag_json_shows_evidence_and_explain_shows_refusals() {
    let input =
        "L'opéra de Richard Wagner a été joué.\n\nDes hommes armés ont attaqué un poste à Kita.";
    let json = tag_command(&["--json", "--explain"], input);
    let kita = json["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "kita")
        .expect("kita tagged");
    assert_eq!(kita["mentions"][0]["evidence"], "cue:à");
    let rejected = json["rejected"].as_array().unwrap();
    assert!(
        rejected
            .iter()
            .any(|r| r["id"] == "wagner" && r["rejected"] == "first-name" && r["text"] == "Wagner"),
        "{rejected:?}"
    );
}

/// One annotated span of a real article.
#[derive(Deserialize)]
struct Annotation {
    id: String,
    start: usize,
    end: usize,
    entity: String,
    /// `must`, `may` or `must-not`.
    label: String,
    /// What kind of mention or trap it is (`ar-mali-bare`, `fr-niger-delta`).
    kind: String,
    /// FNV-1a of the span's text: the shared text has not moved.
    hash: String,
}

fn fnv1a(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// Recall on the must-tag mentions of real news, and no trap tagged.
const REAL_RECALL: f64 = 0.97;

#[test]
fn real_news_mentions_are_found_and_traps_are_not() {
    let annotations: Vec<Annotation> = std::fs::read_to_string(
        project_root().join("tests/it/fixtures/tagging/real-news-annotations.jsonl"),
    )
    .unwrap()
    .lines()
    .map(|line| serde_json::from_str(line).unwrap())
    .collect();
    assert!(
        annotations.len() >= 300,
        "{} annotations",
        annotations.len()
    );
    let mut texts = std::collections::HashMap::new();
    for file in [
        "ar-saudinewsnet.jsonl",
        "fr-bbc-afrique.jsonl",
        "en-bbc.jsonl",
    ] {
        let path = shared_data().join("real-news").join(file);
        let content =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in content.lines() {
            let article: serde_json::Value = serde_json::from_str(line).unwrap();
            texts.insert(
                article["id"].as_str().unwrap().to_owned(),
                article["text"].as_str().unwrap().to_owned(),
            );
        }
    }
    let tagger = shipped_tagger();
    let mut tagged_cache = std::collections::HashMap::new();
    let (mut musts, mut found) = (0, 0);
    let mut misses = Vec::new();
    let mut trap_hits = Vec::new();
    for annotation in &annotations {
        let text = texts
            .get(&annotation.id)
            .unwrap_or_else(|| panic!("no article {}", annotation.id));
        let span: String = text
            .chars()
            .skip(annotation.start)
            .take(annotation.end - annotation.start)
            .collect();
        assert_eq!(
            fnv1a(&span),
            annotation.hash,
            "{} {}..{}: the shared text changed",
            annotation.id,
            annotation.start,
            annotation.end
        );
        let tagged = tagged_cache
            .entry(annotation.id.clone())
            .or_insert_with(|| tagger.tag(text));
        let hit = tagged.iter().any(|entity| {
            entity.id == annotation.entity
                && entity
                    .mentions
                    .iter()
                    .any(|m| m.start < annotation.end && annotation.start < m.end)
        });
        let at = format!(
            "{} {}..{} {} ({})",
            annotation.id, annotation.start, annotation.end, annotation.entity, annotation.kind
        );
        match annotation.label.as_str() {
            "must" => {
                musts += 1;
                if hit {
                    found += 1;
                } else {
                    misses.push(at);
                }
            }
            "must-not" if hit => trap_hits.push(at),
            "must-not" | "may" => {}
            other => panic!("unknown label {other:?}"),
        }
    }
    let recall = f64::from(found) / f64::from(musts.max(1));
    eprintln!(
        "real news: {} annotations, {musts} musts, recall {recall:.3}; missed:\n{}",
        annotations.len(),
        misses.join("\n")
    );
    assert!(
        trap_hits.is_empty(),
        "traps tagged:\n{}",
        trap_hits.join("\n")
    );
    assert!(
        recall >= REAL_RECALL,
        "recall {recall:.3} below {REAL_RECALL}"
    );
}

#[test]
fn retag_applies_the_rules_to_the_archive_without_resending_alerts() {
    let setup = shipped();
    assert!(setup.veille(&["fetch"]).status.success());
    let sent = setup.veille(&["digest", "--rule", "fuel-blockade", "--now"]);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let outbox = || {
        std::fs::read_dir(setup.dir.path().join("index/outbox"))
            .map(std::iter::Iterator::count)
            .unwrap_or(0)
    };
    let sent_before = outbox();
    assert_eq!(sent_before, 1);

    // A gazetteer change that changes tags: a new entity for a word the
    // sample stories use.
    add_local_gazetteer(
        &setup,
        "[[entity]]\nid = \"citerne\"\ntype = \"infrastructure\"\nname = \"citerne\"\naliases = [\"citernes\", \"camion-citerne\", \"camions-citernes\"]\n",
    );
    let output = setup.veille(&["retag"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(!stdout.contains(" 0 changed"), "{stdout}");

    // The index follows: the new entity is searchable.
    let search = setup.veille(&["search", "entity:citerne", "--json", "--limit", "50"]);
    assert!(search.status.success(), "{}", text(&search.stderr));
    let results: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
    assert!(results["total"].as_u64().unwrap() > 0, "{results}");

    // The alert state follows without re-sending: another fetch and digest
    // find nothing new for the rule that was already sent.
    assert!(setup.veille(&["fetch"]).status.success());
    let again = setup.veille(&["digest", "--rule", "fuel-blockade", "--now"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(outbox(), sent_before, "a retag re-sent an alert");
}
