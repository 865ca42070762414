//! The gazetteer: the actors and places veille recognises, in every spelling.
//!
//! Read from one or more TOML files of `[[entity]]` tables (the shipped
//! `entities.toml`, then the operator's own) and from folders of generated
//! files (the shipped `gazetteer/` village layer). Mistakes are reported all
//! at once with file, line and entity, like the config's; a gazetteer with any
//! mistake is refused whole, because a half-loaded one would silently stop
//! tagging what analysts rely on.
//!
//! A folder is a generated layer and yields to the files: a generated entity
//! whose id a file already defines is left out (the hand-curated one wins),
//! and so is one whose name another entity of its type already has (a
//! homonym cannot be told apart in text); a generated alias that another
//! entity claims, or that is too short to be a name, is dropped from it.

use std::collections::{HashMap, HashSet};
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
    /// A non-state armed group (JNIM, EIGS).
    ArmedGroup,
    /// A named person.
    Person,
    /// A town, village, region or other place, with coordinates.
    Place,
    /// An organisation: the UN and its missions, a regional body, an NGO.
    Organisation,
    /// An army or security force, national or foreign (FAMa, Barkhane, Wagner).
    Force,
    /// A road, railway, dam or other named structure.
    Infrastructure,
    /// A country.
    Country,
}

impl EntityType {
    /// The type as written in `type = …` and in search (`type:place`).
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
    /// the README, "Evidence for ambiguous names"). Every generated place
    /// has it.
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
    /// Longitude in decimal degrees, east positive.
    pub lon: Option<f64>,
    /// Ids of the places a place lies in, where known: its first-level
    /// region (`admin1`), its cercle, département or préfecture (`admin2`)
    /// and its commune (`admin3`).
    pub admin1: Option<String>,
    /// Id of its cercle, département or préfecture.
    pub admin2: Option<String>,
    /// Id of its commune.
    pub admin3: Option<String>,
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

    /// Whether `alias` is only tagged when written with this exact case
    /// (listed in `case_sensitive`).
    pub fn is_case_sensitive(&self, alias: &str) -> bool {
        self.case_sensitive.iter().any(|listed| listed == alias)
    }

    /// The ids of the region, cercle/département and commune it lies in,
    /// widest first, those known.
    pub fn admin_parents(&self) -> impl Iterator<Item = &str> {
        [&self.admin1, &self.admin2, &self.admin3]
            .into_iter()
            .filter_map(|id| id.as_deref())
    }

    /// Latitude and longitude, when it has them.
    pub fn position(&self) -> Option<(f64, f64)> {
        Some((self.lat?, self.lon?))
    }

    /// Every id it refers to, with the key that names it.
    fn references(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("parent", &self.parent),
            ("admin1", &self.admin1),
            ("admin2", &self.admin2),
            ("admin3", &self.admin3),
        ]
        .into_iter()
        .filter_map(|(key, id)| Some((key, id.as_deref()?)))
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

/// An Arabic spelling this short is ambiguous by rule.
const SHORT_ARABIC_LETTERS: usize = 3;

/// The loader's built-in ambiguity rules, for spellings nobody marked:
/// - a one-word Arabic spelling of at most three letters, without the
///   article: such short words are mostly ordinary words too or syllables
///   of transliterated foreign names (كاي in هونغ كاي, غاو). Longer ones
///   that are also words (مالي "financial", كاتي "Katie", كيفة a misspelt
///   "how") are listed in `ambiguous_aliases`: a rule by length alone
///   would also make كايس and سيغو, which are nothing but the towns, wait
///   for evidence that a short Arabic report often does not give;
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
    (arabic && !form.starts_with("ال") && form.chars().count() <= SHORT_ARABIC_LETTERS)
        || COMMON_NAMES.contains(&form.as_str())
}

/// A loaded, validated gazetteer.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entities: Vec<Entity>,
    by_id: HashMap<String, usize>,
    layer: LayerSummary,
}

/// What became of the generated layer's entities when merged with the
/// hand-curated files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerSummary {
    /// Generated entities read from the folders.
    pub read: usize,
    /// Left out because a file defines the same id.
    pub overridden: usize,
    /// Left out because another entity of the type has the same name.
    pub homonyms: usize,
    /// Aliases dropped: claimed by another entity, or too short.
    pub aliases_dropped: usize,
}

impl LayerSummary {
    /// Generated entities kept.
    pub fn kept(&self) -> usize {
        self.read - self.overridden - self.homonyms
    }
}

/// Spellings of generated entities shorter than this (in normalised
/// characters) are dropped: two letters are an abbreviation or a word far
/// more often than a village.
const SHORTEST_GENERATED_SPELLING: usize = 3;

/// Why a gazetteer could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    /// A gazetteer file or folder could not be read.
    #[error("cannot read gazetteer {}: {error}", path.display())]
    Read {
        /// The file or folder named.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The files were read but have mistakes: all of them, located.
    #[error("{}", render("the gazetteer", .diagnostics))]
    Invalid {
        /// Every mistake found, file by file.
        diagnostics: Vec<Diagnostic>,
    },
}

/// Where an entity was defined, for errors found after all files are read.
struct Origin {
    file: PathBuf,
    line: usize,
    column: usize,
    /// Read from a folder (the generated layer) rather than a named file.
    generated: bool,
}

/// One gazetteer text to validate.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The file it came from, for errors.
    pub file: &'a Path,
    /// The TOML text.
    pub text: &'a str,
    /// Part of the generated layer: yields to the hand-curated files.
    pub generated: bool,
}

impl Gazetteer {
    /// Loads and validates gazetteer files and folders, in order. A folder
    /// contributes its `*.toml` files, in name order, as the generated layer.
    pub fn load(paths: &[PathBuf]) -> Result<Gazetteer, GazetteerError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|error| GazetteerError::Read {
                path: path.to_owned(),
                error,
            })
        };
        let mut texts = Vec::new();
        for path in paths {
            if path.is_dir() {
                for file in layer_files(path)? {
                    let text = read(&file)?;
                    texts.push((file, text, true));
                }
            } else {
                texts.push((path.clone(), read(path)?, false));
            }
        }
        let sources: Vec<Source<'_>> = texts
            .iter()
            .map(|(file, text, generated)| Source {
                file,
                text,
                generated: *generated,
            })
            .collect();
        Gazetteer::from_layers(&sources)
    }

    /// The gazetteer `config` names. When it names none, the default
    /// `entities.toml` and `gazetteer/` folder that exist; empty, with a
    /// warning, when neither does.
    pub fn for_config(config: &crate::config::Config) -> Result<Gazetteer, GazetteerError> {
        let (mut paths, named) = config.gazetteer_paths();
        if !named {
            paths.retain(|path| path.exists());
        }
        if paths.is_empty() {
            tracing::warn!(
                path = %config.gazetteer_paths().0[0].display(),
                "no gazetteer: documents will not be tagged with entities"
            );
            return Ok(Gazetteer::default());
        }
        let gazetteer = Gazetteer::load(&paths)?;
        let layer = gazetteer.layer();
        if layer.read > 0 {
            tracing::info!(
                entities = gazetteer.len(),
                generated = layer.kept(),
                overridden = layer.overridden,
                homonyms = layer.homonyms,
                aliases_dropped = layer.aliases_dropped,
                "gazetteer loaded with its generated layer"
            );
        }
        Ok(gazetteer)
    }

    /// Validates hand-curated gazetteer texts, each named by the file it
    /// came from.
    pub fn from_sources(sources: &[(&Path, &str)]) -> Result<Gazetteer, GazetteerError> {
        let sources: Vec<Source<'_>> = sources
            .iter()
            .map(|&(file, text)| Source {
                file,
                text,
                generated: false,
            })
            .collect();
        Gazetteer::from_layers(&sources)
    }

    /// Validates gazetteer texts, hand-curated and generated, and merges
    /// them: the hand-curated ones win (see the module's doc).
    pub fn from_layers(sources: &[Source<'_>]) -> Result<Gazetteer, GazetteerError> {
        let mut diagnostics = Vec::new();
        let mut entities: Vec<(Entity, Origin)> = Vec::new();
        for source in sources {
            let mut report = Report {
                file: source.file,
                text: source.text,
                diagnostics: Vec::new(),
            };
            read_file(&mut report, source.generated, &mut entities);
            diagnostics.extend(report.diagnostics);
        }
        let (entities, layer) = merge(entities, &mut diagnostics);
        if !diagnostics.is_empty() {
            return Err(GazetteerError::Invalid { diagnostics });
        }
        let by_id = entities
            .iter()
            .enumerate()
            .map(|(index, entity)| (entity.id.clone(), index))
            .collect();
        Ok(Gazetteer {
            entities,
            by_id,
            layer,
        })
    }

    /// What became of the generated layer.
    pub fn layer(&self) -> LayerSummary {
        self.layer
    }

    /// The region, cercle/département and commune `entity` lies in, widest
    /// first, those the gazetteer knows.
    pub fn admin_parents<'a>(&'a self, entity: &'a Entity) -> impl Iterator<Item = &'a Entity> {
        entity.admin_parents().filter_map(|id| self.get(id))
    }

    /// Every entity, in the order the files define them.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The entity with this id, if the gazetteer has one.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&index| &self.entities[index])
    }

    /// How many entities it holds.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether it holds no entity (no gazetteer file was found).
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
}

/// The `*.toml` files of a layer folder, in name order.
fn layer_files(folder: &Path) -> Result<Vec<PathBuf>, GazetteerError> {
    let error = |error| GazetteerError::Read {
        path: folder.to_owned(),
        error,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(error)? {
        let path = entry.map_err(error)?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Where each line of a text starts, so that every entity of a
/// 14,000-entity file gets its line without rescanning the file.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineStarts(starts)
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.0.partition_point(|&start| start <= offset);
        let start = self.0[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }
}

fn read_file(report: &mut Report<'_>, generated: bool, entities: &mut Vec<(Entity, Origin)>) {
    let lines = LineStarts::new(report.text);
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
                    read_entity(report, &lines, position, table, generated, entities);
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
    lines: &LineStarts,
    position: usize,
    table: &Spanned<DeValue<'_>>,
    generated: bool,
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
    let (line, column) = lines.line_col(report.text, id_span.start);
    let origin = Origin {
        file: report.file.to_owned(),
        line,
        column,
        generated,
    };
    entities.push((entity, origin));
}

/// The error for an id already defined, if it was.
fn duplicate(first_by_id: &HashMap<String, (PathBuf, usize)>, id: &str) -> Option<String> {
    first_by_id.get(id).map(|(file, line)| {
        format!(
            "duplicate id {id:?}: already defined at {}:{line}",
            file.display()
        )
    })
}

/// Checks that need every file (unique ids, known parents, aliases not
/// claimed twice within a type), and the merge of the generated layer into
/// the hand-curated files.
fn merge(
    entities: Vec<(Entity, Origin)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Entity>, LayerSummary) {
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
    let (curated, generated): (Vec<_>, Vec<_>) = entities
        .into_iter()
        .partition(|(_, origin)| !origin.generated);
    let mut layer = LayerSummary {
        read: generated.len(),
        ..LayerSummary::default()
    };
    let mut first_by_id: HashMap<String, (PathBuf, usize)> = HashMap::new();
    let mut claimed: HashMap<(EntityType, String), String> = HashMap::new();
    let mut kept: Vec<(Entity, Origin)> = Vec::new();
    for (entity, origin) in curated {
        if let Some(message) = duplicate(&first_by_id, &entity.id) {
            error(&origin, &entity.id, "id", message);
            continue;
        }
        first_by_id.insert(entity.id.clone(), (origin.file.clone(), origin.line));
        for alias in entity.spellings() {
            let key = (entity.kind, normalise_alias(alias));
            match claimed.get(&key) {
                Some(other) if *other != entity.id => {
                    let message = format!(
                        "alias {alias:?} is already claimed by {other:?}, another {}",
                        entity.kind
                    );
                    error(&origin, &entity.id, "aliases", message);
                }
                _ => {
                    claimed.insert(key, entity.id.clone());
                }
            }
        }
        kept.push((entity, origin));
    }
    let curated_ids: HashSet<String> = first_by_id.keys().cloned().collect();
    let mut left_out: HashSet<String> = HashSet::new();
    for (mut entity, origin) in generated {
        if curated_ids.contains(&entity.id) {
            layer.overridden += 1;
            continue;
        }
        if let Some(message) = duplicate(&first_by_id, &entity.id) {
            error(&origin, &entity.id, "id", message);
            continue;
        }
        let usable = |spelling: &str| {
            let form = normalise_alias(spelling);
            let free = claimed
                .get(&(entity.kind, form.clone()))
                .is_none_or(|other| *other == entity.id);
            free && form.chars().count() >= SHORTEST_GENERATED_SPELLING
        };
        if !usable(&entity.name) {
            layer.homonyms += 1;
            left_out.insert(entity.id);
            continue;
        }
        let before = entity.aliases.len();
        let mut aliases = std::mem::take(&mut entity.aliases);
        aliases.retain(|alias| usable(alias));
        layer.aliases_dropped += before - aliases.len();
        entity.aliases = aliases;
        let spellings: HashSet<String> = entity.spellings().map(str::to_owned).collect();
        entity
            .case_sensitive
            .retain(|alias| spellings.contains(alias));
        entity
            .ambiguous_aliases
            .retain(|alias| spellings.contains(alias));
        for spelling in &spellings {
            claimed.insert((entity.kind, normalise_alias(spelling)), entity.id.clone());
        }
        first_by_id.insert(entity.id.clone(), (origin.file.clone(), origin.line));
        kept.push((entity, origin));
    }
    let kinds: HashMap<&str, EntityType> = kept
        .iter()
        .map(|(entity, _)| (entity.id.as_str(), entity.kind))
        .collect();
    let mut cleared: Vec<(usize, &'static str)> = Vec::new();
    for (index, (entity, origin)) in kept.iter().enumerate() {
        for (key, id) in entity.references() {
            match kinds.get(id) {
                // A generated place keeps its place when the layer left its
                // homonym parent out; it only loses the link.
                None if origin.generated && left_out.contains(id) => cleared.push((index, key)),
                None => error(origin, &entity.id, key, format!("unknown {key} {id:?}")),
                Some(kind) if key != "parent" && *kind != EntityType::Place => {
                    let message = format!("{key} {id:?} is a {kind}, not a place");
                    error(origin, &entity.id, key, message);
                }
                Some(_) if id == entity.id => {
                    error(
                        origin,
                        &entity.id,
                        key,
                        format!("{key} is the entity itself"),
                    );
                }
                Some(_) => {}
            }
        }
    }
    for (index, key) in cleared {
        let entity = &mut kept[index].0;
        match key {
            "parent" => entity.parent = None,
            "admin1" => entity.admin1 = None,
            "admin2" => entity.admin2 = None,
            _ => entity.admin3 = None,
        }
    }
    (kept.into_iter().map(|(entity, _)| entity).collect(), layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Gazetteer, Vec<Diagnostic>> {
        Gazetteer::from_sources(&[(Path::new("entities.toml"), text)]).map_err(|err| match err {
            GazetteerError::Invalid { diagnostics } => diagnostics,
            other @ GazetteerError::Read { .. } => panic!("{other}"),
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
        assert!(
            !mali.is_ambiguous("مالي"),
            "four letters: listed, not by rule"
        );
        assert!(
            ambiguous_by_rule(EntityType::Place, "كاي"),
            "a short Arabic spelling"
        );
        assert!(!ambiguous_by_rule(EntityType::Place, "كايس"));
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

    fn layered(curated: &str, generated: &[&str]) -> Result<Gazetteer, Vec<Diagnostic>> {
        let names: Vec<PathBuf> = (0..generated.len())
            .map(|i| PathBuf::from(format!("gazetteer/{i}.toml")))
            .collect();
        let mut sources = vec![Source {
            file: Path::new("entities.toml"),
            text: curated,
            generated: false,
        }];
        for (file, text) in names.iter().zip(generated) {
            sources.push(Source {
                file,
                text,
                generated: true,
            });
        }
        Gazetteer::from_layers(&sources).map_err(|err| match err {
            GazetteerError::Invalid { diagnostics } => diagnostics,
            other @ GazetteerError::Read { .. } => panic!("{other}"),
        })
    }

    const CURATED: &str = r#"
[[entity]]
id = "mali"
type = "country"
name = "Mali"
country = "ML"

[[entity]]
id = "mopti-region"
type = "place"
name = "Région de Mopti"
country = "ML"
lat = 14.49
lon = -4.19
parent = "mali"

[[entity]]
id = "douentza"
type = "place"
name = "Douentza"
aliases = ["Duwenza"]
country = "ML"
lat = 15.0
lon = -2.95
parent = "mopti-region"
"#;

    #[test]
    fn a_hand_curated_entry_wins_over_a_generated_one_with_its_id() {
        let generated = r#"
[[entity]]
id = "douentza"
type = "place"
name = "Douentza (generated)"
country = "ML"
lat = 15.1
lon = -2.9
ambiguous = true

[[entity]]
id = "ml-boni"
type = "place"
name = "Boni"
aliases = ["Bòni"]
country = "ML"
lat = 15.08
lon = -1.93
parent = "douentza"
admin1 = "mopti-region"
ambiguous = true
"#;
        let gazetteer = layered(CURATED, &[generated]).unwrap();
        let douentza = gazetteer.get("douentza").unwrap();
        assert_eq!(douentza.name, "Douentza");
        assert!(!douentza.ambiguous);
        let boni = gazetteer.get("ml-boni").unwrap();
        assert!(boni.ambiguous);
        assert_eq!(
            gazetteer.layer(),
            LayerSummary {
                read: 2,
                overridden: 1,
                homonyms: 0,
                aliases_dropped: 0
            }
        );
        assert_eq!(gazetteer.len(), 4);
        let regions: Vec<&str> = gazetteer
            .admin_parents(boni)
            .map(|entity| entity.id.as_str())
            .collect();
        assert_eq!(regions, ["mopti-region"]);
        assert_eq!(boni.position(), Some((15.08, -1.93)));
    }

    #[test]
    fn generated_homonyms_and_claimed_or_short_aliases_are_left_out() {
        let first = r#"
[[entity]]
id = "ml-kona"
type = "place"
name = "Kona"
aliases = ["Duwenza", "Ko", "Konna"]
ambiguous_aliases = ["Konna"]
country = "ML"
lat = 14.94
lon = -3.89
ambiguous = true
"#;
        let second = r#"
[[entity]]
id = "ml-douentza-village"
type = "place"
name = "DOUENTZA"
country = "ML"
lat = 14.0
lon = -4.0
ambiguous = true

[[entity]]
id = "ml-kona-2"
type = "place"
name = "Kona"
country = "ML"
lat = 12.0
lon = -6.0
ambiguous = true

[[entity]]
id = "ml-kona-hamlet"
type = "place"
name = "Kona Hamlet"
country = "ML"
lat = 14.95
lon = -3.9
parent = "ml-kona-2"
ambiguous = true
"#;
        let gazetteer = layered(CURATED, &[first, second]).unwrap();
        let kona = gazetteer.get("ml-kona").unwrap();
        assert_eq!(kona.aliases, ["Konna"], "claimed and short aliases dropped");
        assert_eq!(kona.ambiguous_aliases, ["Konna"]);
        assert!(gazetteer.get("ml-douentza-village").is_none());
        assert!(gazetteer.get("ml-kona-2").is_none());
        // Its homonym parent left out, the hamlet stays, unlinked.
        assert_eq!(gazetteer.get("ml-kona-hamlet").unwrap().parent, None);
        let layer = gazetteer.layer();
        assert_eq!((layer.homonyms, layer.aliases_dropped), (2, 2));
        assert_eq!(layer.kept(), 2);
    }

    #[test]
    fn admin_parents_must_exist_and_be_places() {
        let generated = r#"
[[entity]]
id = "ml-sari"
type = "place"
name = "Sari"
country = "ML"
lat = 14.1
lon = -3.1
parent = "ml-nowhere-commune"
admin1 = "mali"
admin2 = "ml-douentza-cercle"
admin3 = "ml-sari"
ambiguous = true
"#;
        let found = layered(CURATED, &[generated]).unwrap_err();
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown parent \"ml-nowhere-commune\"",
                "admin1 \"mali\" is a country, not a place",
                "unknown admin2 \"ml-douentza-cercle\"",
                "admin3 is the entity itself",
            ]
        );
        assert!(
            found
                .iter()
                .all(|d| d.file == Path::new("gazetteer/0.toml"))
        );
    }

    #[test]
    fn ambiguous_flags_are_read_and_checked() {
        let gazetteer = load(
            "[[entity]]\nid = \"wagner\"\ntype = \"force\"\nname = \"Groupe Wagner\"\naliases = [\"Wagner\"]\nambiguous_aliases = [\"Wagner\"]\n",
        )
        .unwrap();
        let wagner = gazetteer.get("wagner").unwrap();
        assert!(!wagner.ambiguous);
        assert_eq!(wagner.ambiguous_aliases, ["Wagner"]);
        let found = load(
            "[[entity]]\nid = \"gao\"\ntype = \"place\"\nname = \"Gao\"\nlat = 16.3\nlon = -0.04\nambiguous = true\nambiguous_aliases = [\"Gaw\"]\n",
        )
        .unwrap_err();
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("\"Gaw\" is not one of"),
            "{found:?}"
        );
        assert_eq!(found[0].key.as_deref(), Some("ambiguous_aliases"));
    }

    #[test]
    fn a_folder_is_loaded_as_the_generated_layer_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let curated = dir.path().join("entities.toml");
        std::fs::write(&curated, CURATED).unwrap();
        let layer = dir.path().join("gazetteer");
        std::fs::create_dir(&layer).unwrap();
        let village = |id: &str, name: &str| {
            format!(
                "[[entity]]\nid = \"{id}\"\ntype = \"place\"\nname = \"{name}\"\ncountry = \"ML\"\nlat = 14.0\nlon = -4.0\nambiguous = true\n"
            )
        };
        // b.toml is read after a.toml: its Sari is the homonym left out.
        std::fs::write(layer.join("b.toml"), village("ml-sari-b", "Sari")).unwrap();
        std::fs::write(layer.join("a.toml"), village("ml-sari-a", "Sari")).unwrap();
        std::fs::write(layer.join("notes.txt"), "not a gazetteer").unwrap();
        std::fs::write(layer.join("douentza.toml"), village("douentza", "Other")).unwrap();
        let gazetteer = Gazetteer::load(&[layer.clone(), curated]).unwrap();
        assert!(gazetteer.get("ml-sari-a").is_some());
        assert!(gazetteer.get("ml-sari-b").is_none());
        assert_eq!(gazetteer.get("douentza").unwrap().name, "Douentza");
        assert_eq!(gazetteer.layer().read, 3);
        assert_eq!(gazetteer.layer().kept(), 1);
        let missing = Gazetteer::load(&[dir.path().join("nowhere")]).unwrap_err();
        assert!(matches!(missing, GazetteerError::Read { .. }), "{missing}");
    }
}
