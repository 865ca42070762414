//! Runs every document rule over a batch of new documents.
//!
//! The batch goes into an in-memory index with the archive's analysers, so
//! a rule matches exactly what the same query finds in a search. With
//! thousands of rules, most cannot match a given batch; as in Lucene
//! Monitor, each rule is reduced beforehand to a set of terms at least one
//! of which any matching document must contain, and only rules with such a
//! term in the batch's term dictionaries are run. Rules that cannot be
//! reduced (a pure `NOT`, a date range) always run.

use std::collections::{HashMap, HashSet};

use tantivy::collector::DocSetCollector;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::{DocAddress, Term};

use super::Result;
use super::rules::{Rule, RuleKind};
use crate::archive::query::{Expr, Filter, Lowering};
use crate::archive::schema::{self, EntityTypes};
use crate::archive::{ArchiveError, MemoryIndex};
use crate::enrich::Gazetteer;
use crate::store::StoredDocument;

/// A rule that matched a document, with the rule's terms found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The rule's id.
    pub rule: String,
    /// The document's id in the record.
    pub document: i64,
    /// The rule's query parts and weighted terms the document contains, as
    /// written in the rule.
    pub terms: Vec<String>,
}

struct CompiledRule {
    id: String,
    fingerprint: String,
    /// The query and the rule's filters, ANDed.
    query: Option<Box<dyn Query>>,
    /// The query's positive parts, to tell which of them a document has.
    leaves: Vec<(String, Box<dyn Query>)>,
    terms: Vec<(String, Box<dyn Query>, f64)>,
    threshold: f64,
}

/// The document rules compiled for the archive's analysers, with the terms that
/// can wake each one.
pub struct Matcher {
    rules: Vec<CompiledRule>,
    /// Field, then term text, to the rules that term may wake.
    wake: HashMap<Field, HashMap<String, Vec<usize>>>,
    /// Rules run on every batch.
    always: Vec<usize>,
    entity_types: EntityTypes,
}

/// The terms a document must contain one of, if the expression matches it.
struct Needed {
    terms: Vec<Term>,
    /// How rarely such terms turn up in a batch, for an `AND` to pick the
    /// best of its parts: words (2) are the rarest, as analysts choose them
    /// for that; entity ids (1) come next, a gazetteer naming a few hundred
    /// actors and places that most batches mention; languages, sources and
    /// kinds (0) are in nearly every batch.
    selectivity: u8,
}

impl Matcher {
    /// Compiles the document rules of `rules`; other rules are left out.
    pub fn new(rules: &[Rule], gazetteer: &Gazetteer) -> Result<Matcher> {
        let (_, fields) = schema::build();
        let mut lowering = Lowering::new(&fields);
        let mut lower = |expr: &Expr| lowering.lower(expr).map_err(ArchiveError::from);
        let mut compiled = Vec::new();
        let mut wake: HashMap<Field, HashMap<String, Vec<usize>>> = HashMap::new();
        let mut always = Vec::new();
        for rule in rules {
            let RuleKind::Documents(document_rule) = &rule.kind else {
                continue;
            };
            let index = compiled.len();
            let full = match (&document_rule.query, &document_rule.filters) {
                (Some(query), Some(filters)) => {
                    Some(Expr::And(vec![query.clone(), filters.clone()]))
                }
                (Some(query), None) => Some(query.clone()),
                (None, Some(filters)) => Some(filters.clone()),
                (None, None) => None,
            };
            let mut leaves = Vec::new();
            if let Some(query) = &document_rule.query {
                for leaf in positive_leaves(query) {
                    leaves.push((label(leaf), lower(leaf)?));
                }
            }
            let mut terms = Vec::new();
            for (text, expr, weight) in &document_rule.terms {
                terms.push((text.clone(), lower(expr)?, *weight));
            }
            // What a matching document must contain: the query's needs
            // and, with weighted terms, one of the positive terms.
            let mut needs = Vec::new();
            if let Some(full) = &full {
                needs.push(needed(full, &mut lower)?);
            }
            if !document_rule.terms.is_empty() {
                let positive: Vec<Expr> = document_rule
                    .terms
                    .iter()
                    .filter(|(_, _, weight)| *weight > 0.0)
                    .map(|(_, expr, _)| expr.clone())
                    .collect();
                needs.push(needed(&Expr::Or(positive), &mut lower)?);
            }
            match choose(needs) {
                Some(needed) => {
                    for term in needed.terms {
                        if let Some(text) = term.value().as_str() {
                            let rules = wake
                                .entry(term.field())
                                .or_default()
                                .entry(text.to_owned())
                                .or_default();
                            if rules.last() != Some(&index) {
                                rules.push(index);
                            }
                        }
                    }
                }
                None => always.push(index),
            }
            compiled.push(CompiledRule {
                id: rule.id().to_owned(),
                fingerprint: rule.fingerprint.clone(),
                query: full.as_ref().map(&mut lower).transpose()?,
                leaves,
                terms,
                threshold: document_rule.threshold,
            });
        }
        Ok(Matcher {
            rules: compiled,
            wake,
            always,
            entity_types: schema::entity_types(gazetteer),
        })
    }

    /// Whether there is any document rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// (id, fingerprint) of each document rule, as the record knows them.
    pub fn rule_keys(&self) -> Vec<(&str, &str)> {
        self.rules
            .iter()
            .map(|rule| (rule.id.as_str(), rule.fingerprint.as_str()))
            .collect()
    }

    /// Rules that run on every batch, for lack of a term to wait for.
    pub fn unfiltered_rules(&self) -> usize {
        self.always.len()
    }

    /// Every rule's matches in `documents`, running only the rules that
    /// could match.
    pub fn match_batch(&self, documents: &[StoredDocument]) -> Result<Vec<Found>> {
        let batch = MemoryIndex::build(documents, &self.entity_types)?;
        let candidates = self.candidates(&batch)?;
        self.run(&batch, candidates)
    }

    /// How many rules the prefilter would run on `documents`.
    pub fn rules_woken(&self, documents: &[StoredDocument]) -> Result<usize> {
        let batch = MemoryIndex::build(documents, &self.entity_types)?;
        Ok(self.candidates(&batch)?.len())
    }

    /// Every rule's matches in `documents`, running every rule: the
    /// baseline the prefilter is measured and tested against.
    pub fn match_batch_exhaustive(&self, documents: &[StoredDocument]) -> Result<Vec<Found>> {
        let batch = MemoryIndex::build(documents, &self.entity_types)?;
        self.run(&batch, (0..self.rules.len()).collect())
    }

    /// The rules woken by a term of the batch, and those always run.
    fn candidates(&self, batch: &MemoryIndex) -> Result<Vec<usize>> {
        let mut woken = vec![false; self.rules.len()];
        for &index in &self.always {
            woken[index] = true;
        }
        for segment in batch.searcher().segment_readers() {
            for (field, terms) in &self.wake {
                let inverted = segment.inverted_index(*field).map_err(ArchiveError::from)?;
                let mut stream = inverted
                    .terms()
                    .stream()
                    .map_err(|error| ArchiveError::Tantivy(error.into()))?;
                while stream.advance() {
                    let Ok(text) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if let Some(rules) = terms.get(text) {
                        for &index in rules {
                            woken[index] = true;
                        }
                    }
                }
            }
        }
        Ok(woken
            .iter()
            .enumerate()
            .filter_map(|(index, woken)| woken.then_some(index))
            .collect())
    }

    fn run(&self, batch: &MemoryIndex, candidates: Vec<usize>) -> Result<Vec<Found>> {
        let searcher = batch.searcher();
        let matching = |query: &dyn Query| -> Result<HashSet<DocAddress>> {
            Ok(searcher
                .search(query, &DocSetCollector)
                .map_err(ArchiveError::from)?)
        };
        let mut found = Vec::new();
        for index in candidates {
            let rule = &self.rules[index];
            let mut hits: Option<HashSet<DocAddress>> = match &rule.query {
                Some(query) => Some(matching(query.as_ref())?),
                None => None,
            };
            let mut terms_found: HashMap<DocAddress, Vec<String>> = HashMap::new();
            if !rule.terms.is_empty() {
                let mut scores: HashMap<DocAddress, f64> = HashMap::new();
                for (text, query, weight) in &rule.terms {
                    for address in matching(query.as_ref())? {
                        if hits.as_ref().is_none_or(|hits| hits.contains(&address)) {
                            *scores.entry(address).or_default() += weight;
                            terms_found.entry(address).or_default().push(text.clone());
                        }
                    }
                }
                hits = Some(
                    scores
                        .into_iter()
                        .filter(|(_, score)| *score >= rule.threshold)
                        .map(|(address, _)| address)
                        .collect(),
                );
            }
            let hits = hits.unwrap_or_default();
            if hits.is_empty() {
                continue;
            }
            for (text, query) in &rule.leaves {
                for address in matching(query.as_ref())? {
                    if hits.contains(&address) {
                        terms_found.entry(address).or_default().push(text.clone());
                    }
                }
            }
            let mut rule_found = Vec::new();
            for address in hits {
                let mut terms = terms_found.remove(&address).unwrap_or_default();
                let mut seen = HashSet::new();
                terms.retain(|term| seen.insert(term.clone()));
                rule_found.push(Found {
                    rule: rule.id.clone(),
                    document: batch.record_id(address),
                    terms,
                });
            }
            rule_found.sort_by_key(|found| found.document);
            found.extend(rule_found);
        }
        Ok(found)
    }
}

/// The parts of a query whose presence counts for a match: words, phrases
/// and filters outside any `NOT`.
fn positive_leaves(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            children.iter().flat_map(positive_leaves).collect()
        }
        Expr::Not(_) | Expr::All => Vec::new(),
        Expr::Filter(Filter::Since(_) | Filter::Until(_)) => Vec::new(),
        leaf => vec![leaf],
    }
}

/// How a found term is shown: as the analyst would write it.
fn label(leaf: &Expr) -> String {
    match leaf {
        Expr::Text {
            text, phrase: true, ..
        } => format!("\"{text}\""),
        Expr::Text { text, .. } => text.clone(),
        Expr::Filter(Filter::Entity(ids)) => format!("entity:{}", ids[0]),
        Expr::Filter(Filter::Title(text)) => format!("title:{text}"),
        Expr::Filter(Filter::EntityType(kind)) => format!("type:{kind}"),
        Expr::Filter(Filter::Source(source)) => format!("source:{source}"),
        Expr::Filter(Filter::Lang(lang)) => format!("lang:{lang}"),
        Expr::Filter(Filter::Kind(kind)) => format!("kind:{kind}"),
        other => other.to_string(),
    }
}

/// The terms any document matching `expr` contains one of, or `None` when
/// no such set can be told (the rule must always run).
fn needed(
    expr: &Expr,
    lower: &mut impl FnMut(&Expr) -> Result<Box<dyn Query>, ArchiveError>,
) -> Result<Option<Needed>, ArchiveError> {
    let terms_of = |query: Box<dyn Query>| {
        let mut terms = Vec::new();
        query.query_terms(&mut |term, _| terms.push(term.clone()));
        terms
    };
    Ok(match expr {
        Expr::All | Expr::Not(_) => None,
        Expr::Filter(Filter::Since(_) | Filter::Until(_)) => None,
        Expr::Text { .. } | Expr::Filter(_) => {
            let selectivity = match expr {
                Expr::Text { .. } | Expr::Filter(Filter::Title(_)) => 2,
                Expr::Filter(Filter::Entity(_)) => 1,
                _ => 0,
            };
            let terms = terms_of(lower(expr)?);
            (!terms.is_empty()).then_some(Needed { terms, selectivity })
        }
        Expr::And(children) => {
            let mut needs = Vec::new();
            for child in children {
                needs.push(needed(child, lower)?);
            }
            choose(needs)
        }
        Expr::Or(children) => {
            let mut union = Needed {
                terms: Vec::new(),
                selectivity: 2,
            };
            for child in children {
                match needed(child, lower)? {
                    Some(need) => {
                        union.terms.extend(need.terms);
                        union.selectivity = union.selectivity.min(need.selectivity);
                    }
                    None => return Ok(None),
                }
            }
            (!union.terms.is_empty()).then_some(union)
        }
    })
}

/// Of the needs of an `AND`'s parts, the best to wait for: the most
/// selective kind, then the fewest terms.
fn choose(needs: Vec<Option<Needed>>) -> Option<Needed> {
    needs
        .into_iter()
        .flatten()
        .min_by_key(|need| (std::cmp::Reverse(need.selectivity), need.terms.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn gazetteer() -> Gazetteer {
        Gazetteer::from_sources(&[(
            Path::new("test.toml"),
            "[[entity]]\nid = \"jnim\"\ntype = \"armed_group\"\nname = \"JNIM\"\naliases = [\"GSIM\"]\n",
        )])
        .unwrap()
    }

    fn document(
        id: i64,
        language: &str,
        source: &str,
        text: &str,
        entities: &[&str],
    ) -> StoredDocument {
        StoredDocument {
            id,
            url: format!("https://example.org/{id}"),
            canonical_url: format!("https://example.org/{id}"),
            title: String::new(),
            text: text.to_owned(),
            author: None,
            published: "2026-11-20T08:00:00Z".to_owned(),
            published_is_fetch_time: false,
            fetched: "2026-11-20T08:00:00Z".to_owned(),
            language_hint: None,
            content_hash: String::new(),
            extraction: "feed".to_owned(),
            sources: vec![source.to_owned()],
            language: Some(language.to_owned()),
            language_confidence: 1.0,
            language_source: "detector".to_owned(),
            entities: entities.iter().map(|id| ((*id).to_owned(), 1)).collect(),
            revision: id,
            kind: "article".to_owned(),
            transcript: None,
        }
    }

    fn rules(alerts: &str) -> Vec<Rule> {
        let text = format!(
            "[[feed]]\nid = \"fr-news\"\nurl = \"https://a.example/\"\n[[feed]]\nid = \"en-news\"\nurl = \"https://b.example/\"\n{alerts}"
        );
        let config = crate::config::load_str(&text, Path::new("/t/feeds.toml")).unwrap();
        crate::alerts::compile(&config, &gazetteer()).unwrap()
    }

    fn documents() -> Vec<StoredDocument> {
        vec![
            document(
                1,
                "fr",
                "fr-news",
                "Le blocus du carburant imposé par le GSIM continue.",
                &["jnim"],
            ),
            document(
                2,
                "en",
                "en-news",
                "The fuel blockade of Kayes enters its third week.",
                &[],
            ),
            document(
                3,
                "fr",
                "fr-news",
                "Une citerne de carburant est arrivée à Kita.",
                &[],
            ),
            document(
                4,
                "fr",
                "fr-news",
                "Les blocus se multiplient; une citerne incendiée.",
                &[],
            ),
            document(
                5,
                "en",
                "en-news",
                "JNIM fighters seen near Diboli.",
                &["jnim"],
            ),
        ]
    }

    const RULES: &str = r#"
[[alert]]
id = "word"
query = "blocus"
[[alert]]
id = "phrase"
query = '"fuel blockade"'
[[alert]]
id = "group-not-fuel"
query = "entity:jnim NOT carburant"
[[alert]]
id = "not-only"
query = "NOT blocus"
[[alert]]
id = "weighted"
terms = { blocus = 3, carburant = 2, citerne = 1 }
threshold = 4
[[alert]]
id = "english-only"
query = "blockade OR blocus"
languages = ["en"]
[[alert]]
id = "source-only"
query = "source:en-news"
"#;

    fn matched(found: &[Found], rule: &str) -> Vec<(i64, Vec<String>)> {
        found
            .iter()
            .filter(|found| found.rule == rule)
            .map(|found| (found.document, found.terms.clone()))
            .collect()
    }

    #[test]
    fn rules_match_what_the_same_query_finds_and_say_which_terms() {
        let matcher = Matcher::new(&rules(RULES), &gazetteer()).unwrap();
        let found = matcher.match_batch(&documents()).unwrap();
        let ids = |rule| {
            matched(&found, rule)
                .into_iter()
                .map(|(id, _)| id)
                .collect::<Vec<_>>()
        };
        // Stemmed French: "blocus" finds the plural too.
        assert_eq!(
            matched(&found, "word"),
            vec![(1, vec!["blocus".into()]), (4, vec!["blocus".into()])]
        );
        assert_eq!(ids("phrase"), vec![2]);
        assert_eq!(
            matched(&found, "group-not-fuel"),
            vec![(5, vec!["entity:jnim".into()])]
        );
        assert_eq!(ids("not-only"), vec![2, 3, 5]);
        // 3 + 2 and 3 + 1 reach 4; carburant and citerne alone do not.
        assert_eq!(
            matched(&found, "weighted"),
            vec![
                (1, vec!["blocus".into(), "carburant".into()]),
                (4, vec!["blocus".into(), "citerne".into()]),
            ]
        );
        assert_eq!(ids("english-only"), vec![2]);
        assert_eq!(ids("source-only"), vec![2, 5]);
    }

    #[test]
    fn the_prefilter_changes_nothing_but_the_work() {
        let matcher = Matcher::new(&rules(RULES), &gazetteer()).unwrap();
        // Only the pure negation has no term to wait for.
        assert_eq!(matcher.unfiltered_rules(), 1);
        for batch in [
            documents(),
            documents()[2..3].to_vec(),
            documents()[4..].to_vec(),
        ] {
            let mut fast = matcher.match_batch(&batch).unwrap();
            let mut slow = matcher.match_batch_exhaustive(&batch).unwrap();
            let key = |found: &Found| (found.rule.clone(), found.document);
            fast.sort_by_key(key);
            slow.sort_by_key(key);
            assert_eq!(fast, slow);
        }
    }
}
