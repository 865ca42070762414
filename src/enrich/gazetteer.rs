//! The gazetteer: the actors and places veille recognises, in every spelling.
//!
//! Read from one or more TOML files of `[[entity]]` tables (the shipped
//! `entities.toml`, then the operator's own). Mistakes are reported all at
//! once with file, line and entity, like the config's; a gazetteer with any
//! mistake is refused whole, because a half-loaded one would silently stop
//! tagging what analysts rely on.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::normalise::normalise_alias;
use crate::config::{Diagnostic, Report, render};

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    ArmedGroup,
    Person,
    Place,
    Organisation,
    Force,
    Infrastructure,
    Country,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::ArmedGroup => "armed_group",
            EntityType::Person => "person",
            EntityType::Place => "place",
            EntityType::Organisation => "organisation",
            EntityType::Force => "force",
            EntityType::Infrastructure => "infrastructure",
            EntityType::Country => "country",
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[entity]]` table: the gazetteer file format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Stable identifier, kebab-case (`jnim`, `nioro-du-sahel`): what the
    /// record, searches and alert rules use.
    pub id: String,
    /// `armed_group`, `person`, `place`, `organisation`, `force`,
    /// `infrastructure` or `country`.
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// Display name. Always matched, as if it were an alias.
    pub name: String,
    /// Every other way the entity is written, in any script. Case, accents,
    /// Arabic diacritics and hyphen/space differences need no alias of
    /// their own.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Aliases (also listed in `aliases`) matched only as written, for short
    /// acronyms that are ordinary words in some language.
    #[serde(default)]
    pub case_sensitive: Vec<String>,
    /// Every spelling of this entity is also an ordinary word or a common
    /// name somewhere, so each mention is tagged only with evidence: a
    /// place cue before it or another Sahel entity in its paragraph (see
    /// the README, "Evidence for ambiguous names").
    #[serde(default)]
    pub ambiguous: bool,
    /// Just these spellings (also listed in `aliases`) need evidence.
    /// Short Arabic spellings and common first names or surnames need it
    /// without being listed (see [`ambiguous_by_rule`]).
    #[serde(default)]
    pub ambiguous_aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 country code (`ML`, `SN`, `MR`).
    pub country: Option<String>,
    /// Id of the administrative parent (a town's region, a region's country).
    pub parent: Option<String>,
    /// Latitude and longitude in decimal degrees; required for places.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl Entity {
    /// The name and aliases, each once.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(
            self.aliases
                .iter()
                .map(String::as_str)
                .filter(move |alias| *alias != self.name),
        )
    }

    pub fn is_case_sensitive(&self, alias: &str) -> bool {
        self.case_sensitive.iter().any(|listed| listed == alias)
    }

    /// Whether a mention written as `alias` needs evidence to be tagged.
    pub fn is_ambiguous(&self, alias: &str) -> bool {
        self.ambiguous
            || self.ambiguous_aliases.iter().any(|listed| listed == alias)
            || ambiguous_by_rule(self.kind, alias)
    }
}

/// Common first names and surnames that are also, or may be, names of
/// Sahel places or actors, in their normalised form: "Gao Xingjian",
/// "Richard Wagner", "Kita" and "Kati" (Japanese, Finnish), "Nara",
/// "Saraya"; and West African surnames a village may be named after.
const COMMON_NAMES: [&str; 14] = [
    "gao",
    "wagner",
    "kita",
    "kati",
    "nara",
    "saraya",
    "tall",
    "faye",
    "diallo",
    "traore",
    "keita",
    "coulibaly",
    "toure",
    "sow",
];

/// The loader's built-in ambiguity rules, for spellings nobody marked:
/// - a one-word Arabic spelling of at most four letters, without the
///   article (a name written with it, النيجر, is a name): short Arabic words are mostly ordinary words too (مالي
///   "financial", كاي, غاو) or syllables of transliterated foreign names;
/// - a one-word spelling that is a common first name or surname elsewhere.
///
/// People are left out: their names are what they are, and short ones are
/// already written in full.
pub fn ambiguous_by_rule(kind: EntityType, alias: &str) -> bool {
    if kind == EntityType::Person {
        return false;
    }
    let form = normalise_alias(alias);
    if form.contains(' ') {
        return false;
    }
    let arabic = form.chars().all(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    // A name written with the article (النيجر، السنغال) is a name.
    (arabic && !form.starts_with("ال") && form.chars().count() <= 4)
        || COMMON_NAMES.contains(&form.as_str())
}

/// A loaded, validated gazetteer.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entities: Vec<Entity>,
    by_id: HashMap<String, usize>,
}

/// Why a gazetteer could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("cannot read gazetteer {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}", render("the gazetteer", .diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
}

/// Where an entity was defined, for errors found after all files are read.
struct Origin {
    file: PathBuf,
    line: usize,
    column: usize,
}

impl Gazetteer {
    /// Loads and validates gazetteer files, in order.
    pub fn load(paths: &[PathBuf]) -> Result<Gazetteer, GazetteerError> {
        let mut sources = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|error| GazetteerError::Read {
                path: path.clone(),
                error,
            })?;
            sources.push((path.clone(), text));
        }
        let sources: Vec<(&Path, &str)> = sources
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
            .collect();
        Gazetteer::from_sources(&sources)
    }

    /// The gazetteer `config` names. Empty, with a warning, when it names
    /// none and the default `entities.toml` is absent.
    pub fn for_config(config: &crate::config::Config) -> Result<Gazetteer, GazetteerError> {
        let (paths, named) = config.gazetteer_paths();
        if !named && paths.iter().all(|path| !path.exists()) {
            tracing::warn!(
                path = %paths[0].display(),
                "no gazetteer: documents will not be tagged with entities"
            );
            return Ok(Gazetteer::default());
        }
        Gazetteer::load(&paths)
    }

    /// Validates gazetteer texts, each named by the file it came from.
    pub fn from_sources(sources: &[(&Path, &str)]) -> Result<Gazetteer, GazetteerError> {
        let mut diagnostics = Vec::new();
        let mut entities: Vec<(Entity, Origin)> = Vec::new();
        for (file, text) in sources {
            let mut report = Report {
                file,
                text,
                diagnostics: Vec::new(),
            };
            read_file(&mut report, &mut entities);
            diagnostics.extend(report.diagnostics);
        }
        check_whole(&entities, &mut diagnostics);
        if !diagnostics.is_empty() {
            return Err(GazetteerError::Invalid { diagnostics });
        }
        let entities: Vec<Entity> = entities.into_iter().map(|(entity, _)| entity).collect();
        let by_id = entities
            .iter()
            .enumerate()
            .map(|(index, entity)| (entity.id.clone(), index))
            .collect();
        Ok(Gazetteer { entities, by_id })
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&index| &self.entities[index])
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
}

fn read_file(report: &mut Report<'_>, entities: &mut Vec<(Entity, Origin)>) {
    let (root, syntax_errors) = DeTable::parse_recoverable(report.text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let span = error.span().unwrap_or(0..0);
            report.push(span, "", None, error.message().trim().to_owned());
        }
        return;
    }
    for (key, value) in root.get_ref().iter() {
        let name: &str = key.get_ref();
        match (name, value.get_ref()) {
            ("entity", DeValue::Array(tables)) => {
                for (position, table) in tables.iter().enumerate() {
                    read_entity(report, position, table, entities);
                }
            }
            ("entity", _) => report.push(
                value.span(),
                "",
                Some("entity"),
                "entities are an array of tables: write each as [[entity]]".to_owned(),
            ),
            (other, _) => report.push(
                key.span(),
                "",
                Some(other),
                "unknown key; a gazetteer holds only [[entity]] tables".to_owned(),
            ),
        }
    }
}

fn read_entity(
    report: &mut Report<'_>,
    position: usize,
    table: &Spanned<DeValue<'_>>,
    entities: &mut Vec<(Entity, Origin)>,
) {
    let label = match table
        .get_ref()
        .get("id")
        .and_then(|id| id.get_ref().as_str())
    {
        Some(id) => format!("[[entity]] {id:?}"),
        None => format!("[[entity]] #{}", position + 1),
    };
    let Some(entity) = report.section::<Entity>(&label, table) else {
        return;
    };
    let errors_before = report.diagnostics.len();
    let table = Some(table);
    let is_kebab = !entity.id.is_empty()
        && !entity.id.starts_with('-')
        && !entity.id.ends_with('-')
        && entity
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !is_kebab {
        let message = format!(
            "invalid id {:?}: use kebab-case (lower-case letters, digits, '-')",
            entity.id
        );
        report.push_at_key(&label, table, "id", message);
    }
    if entity.name.trim().is_empty() {
        report.push_at_key(&label, table, "name", "must not be empty".to_owned());
    }
    for alias in entity.spellings() {
        if normalise_alias(alias).is_empty() {
            report.push_at_key(
                &label,
                table,
                "aliases",
                format!("alias {alias:?} has no letters to match"),
            );
        }
    }
    for (key, listed) in [
        ("case_sensitive", &entity.case_sensitive),
        ("ambiguous_aliases", &entity.ambiguous_aliases),
    ] {
        for alias in listed {
            if !entity.spellings().any(|spelling| spelling == alias) {
                let message = format!("{alias:?} is not one of the entity's name or aliases");
                report.push_at_key(&label, table, key, message);
            }
        }
    }
    if let Some(country) = &entity.country
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
    {
        let message =
            format!("invalid country code {country:?}: use ISO 3166-1 alpha-2, e.g. \"ML\"");
        report.push_at_key(&label, table, "country", message);
    }
    match (entity.lat, entity.lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                report.push_at_key(
                    &label,
                    table,
                    "lat",
                    format!("latitude {lat} is not within -90..90"),
                );
            }
            if !(-180.0..=180.0).contains(&lon) {
                report.push_at_key(
                    &label,
                    table,
                    "lon",
                    format!("longitude {lon} is not within -180..180"),
                );
            }
        }
        (None, None) if entity.kind != EntityType::Place => {}
        (None, None) => {
            let message = "a place needs coordinates: set lat and lon".to_owned();
            report.push_at_key(&label, table, "lat", message);
        }
        (Some(_), None) => report.push_at_key(&label, table, "lon", "lat without lon".to_owned()),
        (None, Some(_)) => report.push_at_key(&label, table, "lat", "lon without lat".to_owned()),
    }
    if report.diagnostics.len() > errors_before {
        return;
    }
    let id_span = table
        .and_then(|table| table.get_ref().get("id"))
        .map_or(0..0, Spanned::span);
    let (line, column) = report.line_col(id_span.start);
    let origin = Origin {
        file: report.file.to_owned(),
        line,
        column,
    };
    entities.push((entity, origin));
}

/// Checks that need every file: unique ids, known parents, aliases not
/// claimed twice within a type.
fn check_whole(entities: &[(Entity, Origin)], diagnostics: &mut Vec<Diagnostic>) {
    let mut first_by_id: HashMap<&str, &Origin> = HashMap::new();
    let mut claimed: HashMap<(EntityType, String), &str> = HashMap::new();
    let mut error = |origin: &Origin, id: &str, key: &str, message: String| {
        diagnostics.push(Diagnostic {
            file: origin.file.clone(),
            line: origin.line,
            column: origin.column,
            table: format!("[[entity]] {id:?}"),
            key: Some(key.to_owned()),
            message,
        });
    };
    for (entity, origin) in entities {
        if let Some(first) = first_by_id.get(entity.id.as_str()) {
            let message = format!(
                "duplicate id {:?}: already defined at {}:{}",
                entity.id,
                first.file.display(),
                first.line
            );
            error(origin, &entity.id, "id", message);
            continue;
        }
        first_by_id.insert(&entity.id, origin);
        for alias in entity.spellings() {
            let key = (entity.kind, normalise_alias(alias));
            match claimed.get(&key) {
                Some(other) if *other != entity.id => {
                    let message = format!(
                        "alias {alias:?} is already claimed by {other:?}, another {}",
                        entity.kind
                    );
                    error(origin, &entity.id, "aliases", message);
                }
                _ => {
                    claimed.insert(key, &entity.id);
                }
            }
        }
    }
    for (entity, origin) in entities {
        if let Some(parent) = &entity.parent
            && !first_by_id.contains_key(parent.as_str())
        {
            error(
                origin,
                &entity.id,
                "parent",
                format!("unknown parent {parent:?}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Gazetteer, Vec<Diagnostic>> {
        Gazetteer::from_sources(&[(Path::new("entities.toml"), text)]).map_err(|err| match err {
            GazetteerError::Invalid { diagnostics } => diagnostics,
            other => panic!("{other}"),
        })
    }

    #[test]
    fn a_valid_entity_loads() {
        let gazetteer = load(
            "[[entity]]\nid = \"mali\"\ntype = \"country\"\nname = \"Mali\"\naliases = [\"مالي\"]\ncountry = \"ML\"\nlat = 12.6\nlon = -8.0\n",
        )
        .unwrap();
        let mali = gazetteer.get("mali").unwrap();
        assert_eq!(mali.spellings().collect::<Vec<_>>(), ["Mali", "مالي"]);
    }

    #[test]
    fn every_mistake_is_named_with_its_line() {
        let found = load(
            r#"[[entity]]
id = "kayes"
type = "place"
name = "Kayes"
parent = "kayes-region"
lat = 14.4
lon = -11.4

[[entity]]
id = "kayes"
type = "place"
name = "Kayes bis"
lat = 14.4
lon = -11.4

[[entity]]
id = "kayes-ville"
type = "place"
name = "KAYES"
lat = 104.4
lon = -11.4

[[entity]]
id = "diboli"
type = "town"
name = "Diboli"
"#,
        )
        .unwrap_err();
        let messages: Vec<String> = found
            .iter()
            .map(|d| format!("{}:{}", d.line, d.message))
            .collect();
        let has = |line: usize, needle: &str| {
            found
                .iter()
                .any(|d| d.line == line && d.message.contains(needle))
        };
        assert!(has(10, "duplicate id \"kayes\""), "{messages:?}");
        assert!(has(20, "latitude 104.4"), "{messages:?}");
        assert!(has(25, "unknown variant `town`"), "{messages:?}");
        assert!(has(2, "unknown parent \"kayes-region\""), "{messages:?}");
        assert_eq!(found.len(), 4, "{messages:?}");
    }

    #[test]
    fn ambiguity_is_marked_per_entity_per_alias_and_by_rule() {
        let gazetteer = load(
            "[[entity]]\nid = \"kassa\"\ntype = \"place\"\nname = \"Kassa\"\nambiguous = true\nlat = 1.0\nlon = 1.0\n\n[[entity]]\nid = \"mali\"\ntype = \"country\"\nname = \"Mali\"\naliases = [\"مالي\", \"République du Mali\", \"Maali\"]\nambiguous_aliases = [\"Maali\"]\n\n[[entity]]\nid = \"wagner\"\ntype = \"force\"\nname = \"Wagner\"\naliases = [\"groupe Wagner\"]\n",
        )
        .unwrap();
        assert!(gazetteer.get("kassa").unwrap().is_ambiguous("Kassa"));
        let mali = gazetteer.get("mali").unwrap();
        assert!(mali.is_ambiguous("Maali"));
        assert!(mali.is_ambiguous("مالي"), "a short Arabic spelling");
        assert!(!mali.is_ambiguous("Mali"));
        assert!(!mali.is_ambiguous("République du Mali"));
        let wagner = gazetteer.get("wagner").unwrap();
        assert!(wagner.is_ambiguous("Wagner"), "a common surname");
        assert!(!wagner.is_ambiguous("groupe Wagner"));
        assert!(!ambiguous_by_rule(EntityType::Place, "باماكو"));
        assert!(!ambiguous_by_rule(EntityType::Person, "Gao"));

        let found = load(
            "[[entity]]\nid = \"a\"\ntype = \"person\"\nname = \"A\"\nambiguous_aliases = [\"B\"]\n",
        )
        .unwrap_err();
        assert!(
            found[0].message.contains("\"B\" is not one of"),
            "{found:?}"
        );
    }

    #[test]
    fn an_alias_claimed_twice_in_one_type_is_refused() {
        let found = load(
            "[[entity]]\nid = \"a\"\ntype = \"person\"\nname = \"Koufa\"\n\n[[entity]]\nid = \"b\"\ntype = \"person\"\nname = \"B\"\naliases = [\"KOUFA\"]\n",
        )
        .unwrap_err();
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("already claimed by \"a\""),
            "{found:?}"
        );
        assert_eq!(found[0].line, 7);
    }
}
