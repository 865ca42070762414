//! `[[alert]]` tables compiled against the gazetteer.
//!
//! Queries name entities, so they can only be checked once the gazetteer is
//! loaded; errors still point at the rule's line in `feeds.toml`, with the
//! column inside the query.

use std::fmt::Write as _;

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::{AlertError, Result};
use crate::archive::EntityLookup;
use crate::archive::query::{self, Expr, Filter, QueryContext};
use crate::config::alerts::{HealthConfig, Site};
use crate::config::{Alert, AlertCondition, Config, Diagnostic};
use crate::enrich::Gazetteer;

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The `[[alert]]` table as configured.
    pub alert: Alert,
    /// What the rule watches, compiled.
    pub kind: RuleKind,
    /// Hash of what the rule matches (not of its name, schedule or
    /// targets): when it changes, the rule starts afresh.
    pub fingerprint: String,
}

/// What a rule watches.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// New documents, by query or weighted terms.
    Documents(DocumentRule),
    /// The sources themselves: failing or silent feeds.
    Health(HealthConfig),
}

/// A rule's query and terms, as structures the matcher and the search share.
#[derive(Debug, Clone)]
pub struct DocumentRule {
    /// The boolean query, when the rule has one.
    pub query: Option<Expr>,
    /// The rule's `languages`, `sources` and `kinds`, as one expression.
    pub filters: Option<Expr>,
    /// Weighted terms: (as written, parsed, weight).
    pub terms: Vec<(String, Expr, f64)>,
    /// The sum of weights a document's terms must reach to match.
    pub threshold: f64,
}

impl DocumentRule {
    /// Everything a matching document may contain, for snippets: the query
    /// and the weighted terms.
    pub fn highlight(&self) -> Expr {
        let mut parts: Vec<Expr> = self.query.iter().cloned().collect();
        parts.extend(self.terms.iter().map(|(_, expr, _)| expr.clone()));
        match parts.len() {
            0 => Expr::All,
            1 => parts.remove(0),
            _ => Expr::Or(parts),
        }
    }
}

impl Rule {
    /// The rule's `id` from `feeds.toml`, its key in the record.
    pub fn id(&self) -> &str {
        &self.alert.id
    }

    /// The rule's query as written, or its terms, for listings.
    pub fn describe(&self) -> String {
        match &self.alert.condition {
            AlertCondition::Documents {
                query,
                terms,
                threshold,
                ..
            } => {
                let mut parts = Vec::new();
                if let Some(query) = query {
                    parts.push(query.clone());
                }
                if !terms.is_empty() {
                    let weighted: Vec<String> = terms
                        .iter()
                        .map(|(term, weight)| format!("{term}={weight}"))
                        .collect();
                    parts.push(format!("[{}] >= {threshold}", weighted.join(" ")));
                }
                parts.join(" AND ")
            }
            AlertCondition::SourceHealth(health) => {
                let mut parts = Vec::new();
                if let Some(failing) = health.failing_for {
                    parts.push(format!(
                        "failing for {}",
                        humantime::format_duration(failing)
                    ));
                }
                if let Some(silent) = health.silent_for {
                    parts.push(format!("silent for {}", humantime::format_duration(silent)));
                }
                format!("source health: {}", parts.join(" or "))
            }
        }
    }
}

/// Compiles every rule of `config`, reporting every bad query at once.
pub fn compile(config: &Config, gazetteer: &Gazetteer) -> Result<Vec<Rule>> {
    let lookup = EntityLookup::new(gazetteer);
    let now = Utc::now();
    let context = QueryContext {
        gazetteer,
        lookup: &lookup,
        now,
    };
    // A relative date (`since:7d`) would be fixed at start-up and drift:
    // parsing again a year later tells whether a query has one.
    let later = QueryContext {
        gazetteer,
        lookup: &lookup,
        now: now + chrono::Duration::days(365),
    };
    let parse = |text: &str| -> Result<Expr, query::QueryError> {
        let expr = query::parse(text, &context)?;
        if query::parse(text, &later)? != expr {
            return Err(query::QueryError {
                message: "relative dates such as since:7d are not allowed in rules (they would be fixed when veille starts); a rule sees each new document as it comes, so leave the date out, or write a day such as since:2026-01-01".to_owned(),
                column: 1,
            });
        }
        Ok(expr)
    };
    let mut rules = Vec::new();
    let mut diagnostics = Vec::new();
    for alert in &config.rules {
        let located = |site: Site, key: &str, message: String| Diagnostic {
            file: config.path.clone(),
            line: site.line,
            column: site.column,
            table: format!("[[alert]] {:?}", alert.id),
            key: Some(key.to_owned()),
            message,
        };
        let kind = match &alert.condition {
            AlertCondition::SourceHealth(health) => RuleKind::Health(health.clone()),
            AlertCondition::Documents {
                query,
                terms,
                threshold,
                languages,
                sources,
                kinds,
            } => {
                let query = match query.as_deref().map(parse) {
                    None => None,
                    Some(Ok(expr)) => Some(expr),
                    Some(Err(error)) => {
                        let message = format!(
                            "{} (at column {} of the query)",
                            error.message, error.column
                        );
                        diagnostics.push(located(alert.query_site, "query", message));
                        continue;
                    }
                };
                let mut parsed_terms = Vec::new();
                for (text, weight) in terms {
                    match parse(text) {
                        Ok(expr) => parsed_terms.push((text.clone(), expr, *weight)),
                        Err(error) => diagnostics.push(located(
                            alert.terms_site,
                            "terms",
                            format!("term {text:?}: {}", error.message),
                        )),
                    }
                }
                RuleKind::Documents(DocumentRule {
                    query,
                    filters: filters(languages, sources, kinds),
                    terms: parsed_terms,
                    threshold: *threshold,
                })
            }
        };
        rules.push(Rule {
            fingerprint: fingerprint(&alert.condition),
            alert: alert.clone(),
            kind,
        });
    }
    if diagnostics.is_empty() {
        Ok(rules)
    } else {
        Err(AlertError::Rules(diagnostics))
    }
}

/// `languages`, `sources` and `kinds` as filters: any of each list.
fn filters(languages: &[String], sources: &[String], kinds: &[String]) -> Option<Expr> {
    let any = |values: &[String], filter: fn(String) -> Filter| -> Option<Expr> {
        match values.len() {
            0 => None,
            1 => Some(Expr::Filter(filter(values[0].clone()))),
            _ => Some(Expr::Or(
                values
                    .iter()
                    .map(|value| Expr::Filter(filter(value.clone())))
                    .collect(),
            )),
        }
    };
    let parts: Vec<Expr> = [
        any(languages, Filter::Lang),
        any(sources, Filter::Source),
        any(kinds, Filter::Kind),
    ]
    .into_iter()
    .flatten()
    .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(Expr::And(parts)),
    }
}

/// A stable hash of what a rule matches. The condition's `Debug` form
/// covers every field, in order; if a new veille ever prints it differently,
/// the cost is that rules start afresh once, never that matches are lost.
fn fingerprint(condition: &AlertCondition) -> String {
    let canonical = format!("{condition:?}");
    let hash = Sha256::digest(canonical.as_bytes());
    hash.iter().take(12).fold(String::new(), |mut hex, byte| {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
        hex
    })
}
