//! A digest: a rule's matches gathered, collapsed and rendered.
//!
//! The same story reached through several outlets is one item, "also
//! reported by" the others: the record already merges reprints of one
//! article into one document with several sources, and items whose titles
//! are the same once case, accents and punctuation are set aside are merged
//! here. Rendering goes through two minijinja templates that operators can
//! edit; the view handed to them is also the webhook's JSON.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use minijinja::Environment;
use serde::Serialize;

use super::rules::{Rule, RuleKind};
use super::{AlertError, Result};
use crate::archive::query::Lowering;
use crate::archive::schema::{self, EntityTypes};
use crate::archive::{ArchiveError, Highlighter, MemoryIndex};
use crate::enrich::Tagger;
use crate::enrich::normalise::normalise_alias;
use crate::store::{DigestRow, HealthEvent, Store, StoredDocument, Timecode};

/// What the templates and the webhook see.
#[derive(Debug, Clone, Serialize)]
pub struct DigestView {
    /// The rule the digest is for.
    pub rule: RuleView,
    /// `None` for a preview (`veille digest --dry-run`).
    pub digest_id: Option<i64>,
    /// When the digest was made (RFC 3339, UTC); now for a preview.
    pub created: String,
    /// Matched documents, before collapsing.
    pub matches: usize,
    /// The stories, oldest first, a story carried by several outlets once.
    pub items: Vec<Item>,
    /// Source problems found by a health rule.
    pub health: Vec<HealthEvent>,
}

/// The rule as a template sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// The rule's `id` from `feeds.toml`.
    pub id: String,
    /// The rule's `name`, as in the mail subject.
    pub name: String,
    /// `digest` or `immediate`.
    pub mode: &'static str,
    /// The rule's query as written, or its weighted terms.
    pub query: String,
}

/// One story.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// The document's id in the record, for its page at `/documents/{id}`.
    pub document_id: i64,
    /// The document's title.
    pub title: String,
    /// The article's link; empty when it is not a web or file link.
    pub url: String,
    /// The outlet that carried it first.
    pub source: Outlet,
    /// The other outlets that carried the same story.
    pub also_reported_by: Vec<Outlet>,
    /// When the outlet published it (RFC 3339, UTC), else when veille first saw
    /// it.
    pub published: String,
    /// Its language code, when detected or declared.
    pub language: Option<String>,
    /// `article` or `transcript`.
    pub kind: String,
    /// The passage around the first matched words, as plain text.
    pub snippet: String,
    /// The snippet as HTML, matched words in `<mark>`; already escaped.
    pub snippet_html: String,
    /// The gazetteer entities tagged in it.
    pub entities: Vec<Chip>,
    /// The rule's terms found in it.
    pub terms: Vec<String>,
    /// For a transcript: when the snippet's first matched word was said
    /// (`caption`, `label`, `seconds`, `speaker`, `audio_link`).
    pub timecode: Option<Timecode>,
}

/// A source that carried a story.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outlet {
    /// The feed's `id`; empty when the record lost it.
    pub id: String,
    /// The feed's `name`.
    pub name: String,
    /// The story's link at that outlet; empty when it is not a web or file
    /// link.
    pub url: String,
}

/// An entity tagged in a story, as shown beside it.
#[derive(Debug, Clone, Serialize)]
pub struct Chip {
    /// The entity's gazetteer id.
    pub id: String,
    /// The entity's display name.
    pub name: String,
    /// The entity's type (`person`, `place`, `armed_group`...), `type` in
    /// templates; `unknown` when the gazetteer no longer has it.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A digest ready to send.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The mail subject: the rule's name and what the digest holds.
    pub subject: String,
    /// The plain-text body, from `digest.txt`.
    pub text: String,
    /// The HTML body, from `digest.html`.
    pub html: String,
}

/// The digest templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// File name of the plain-text template, in the templates folder.
    pub const TEXT: &'static str = "digest.txt";
    /// File name of the HTML template, in the templates folder.
    pub const HTML: &'static str = "digest.html";
    const BUILT_IN: [(&'static str, &'static str); 2] = [
        (Self::TEXT, include_str!("../../templates/digest.txt")),
        (Self::HTML, include_str!("../../templates/digest.html")),
    ];

    /// Reads the templates from `dir`; a template missing there is the
    /// built-in one. HTML is auto-escaped.
    pub fn load(dir: &Path) -> Result<Templates> {
        let mut env = Environment::new();
        for (name, built_in) in Self::BUILT_IN {
            let path = dir.join(name);
            let source = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => built_in.to_owned(),
                Err(error) => return Err(AlertError::TemplateRead { path, error }),
            };
            env.add_template_owned(name, source)
                .map_err(|error| AlertError::Template {
                    name: path.display().to_string(),
                    error,
                })?;
        }
        Ok(Templates { env })
    }

    /// Renders a sample digest, so that `veille check` finds template
    /// errors that only show when rendering (an unknown filter, a bad
    /// attribute access).
    pub fn check(&self) -> Result<()> {
        let sample = DigestView {
            rule: RuleView {
                id: "check".to_owned(),
                name: "Template check".to_owned(),
                mode: "digest",
                query: "jnim".to_owned(),
            },
            digest_id: Some(1),
            created: "2026-01-01T07:00:00Z".to_owned(),
            matches: 1,
            items: vec![Item {
                document_id: 1,
                title: "Title".to_owned(),
                url: "https://example.org/a".to_owned(),
                source: Outlet {
                    id: "a".to_owned(),
                    name: "A".to_owned(),
                    url: "https://example.org/a".to_owned(),
                },
                also_reported_by: Vec::new(),
                published: "2026-01-01T06:00:00Z".to_owned(),
                language: Some("fr".to_owned()),
                kind: "article".to_owned(),
                snippet: "text".to_owned(),
                snippet_html: "<mark>text</mark>".to_owned(),
                entities: Vec::new(),
                terms: vec!["jnim".to_owned()],
                timecode: None,
            }],
            health: vec![HealthEvent {
                feed_id: "a".to_owned(),
                condition: "failing".to_owned(),
                since: "2026-01-01T00:00:00Z".to_owned(),
                detail: "HTTP 503".to_owned(),
            }],
        };
        self.render(&sample).map(|_| ())
    }

    /// Renders both bodies and the subject; a template error names the
    /// template.
    pub fn render(&self, view: &DigestView) -> Result<Rendered> {
        let render = |name: &str| {
            self.env
                .get_template(name)
                .and_then(|template| template.render(minijinja::value::Serde(view)))
                .map_err(|error| AlertError::Template {
                    name: name.to_owned(),
                    error,
                })
        };
        Ok(Rendered {
            subject: subject(view),
            text: render(Self::TEXT)?,
            html: render(Self::HTML)?,
        })
    }
}

fn subject(view: &DigestView) -> String {
    let mut parts = Vec::new();
    match view.items.len() {
        0 => {}
        1 => parts.push("1 new item".to_owned()),
        n => parts.push(format!("{n} new items")),
    }
    match view.health.len() {
        0 => {}
        1 => parts.push("1 source problem".to_owned()),
        n => parts.push(format!("{n} source problems")),
    }
    format!("[veille] {}: {}", view.rule.name, parts.join(", "))
}

/// Builds digest views from the record.
pub struct DigestMaker {
    tagger: Arc<Tagger>,
    entity_types: EntityTypes,
    /// Feed id to the outlet's name.
    feed_names: HashMap<String, String>,
    /// The templates digests are rendered with.
    pub templates: Templates,
}

impl DigestMaker {
    /// A maker naming outlets by `feed_names` (feed id to name) and entities by
    /// the tagger's gazetteer.
    pub fn new(
        tagger: Arc<Tagger>,
        feed_names: HashMap<String, String>,
        templates: Templates,
    ) -> DigestMaker {
        DigestMaker {
            entity_types: schema::entity_types(tagger.gazetteer()),
            tagger,
            feed_names,
            templates,
        }
    }

    /// The view of a digest, or (`digest` = `None`) of what the rule's next
    /// digest would hold now.
    pub fn view(
        &self,
        store: &Store,
        rule: &Rule,
        digest: Option<&DigestRow>,
    ) -> Result<DigestView> {
        let digest_id = digest.map(|digest| digest.id);
        let matches = store.digest_matches(rule.id(), digest_id)?;
        let health = store.digest_health_events(rule.id(), digest_id)?;
        let terms: HashMap<i64, Vec<String>> = matches.iter().cloned().collect();
        let ids: Vec<i64> = matches.iter().map(|(id, _)| *id).collect();
        let documents = store.documents_by_ids(&ids)?;
        let items = self.items(store, rule, &documents, &terms)?;
        let created: DateTime<Utc> = digest.map_or_else(Utc::now, |digest| digest.created);
        Ok(DigestView {
            rule: RuleView {
                id: rule.id().to_owned(),
                name: rule.alert.name.clone(),
                mode: rule.alert.mode.as_str(),
                query: rule.describe(),
            },
            digest_id,
            created: crate::store::timestamp(created),
            matches: documents.len(),
            items,
            health,
        })
    }

    /// Items for `documents`, oldest published first, one per story.
    pub fn items(
        &self,
        store: &Store,
        rule: &Rule,
        documents: &[StoredDocument],
        terms: &HashMap<i64, Vec<String>>,
    ) -> Result<Vec<Item>> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        let batch = MemoryIndex::build(documents, &self.entity_types)?;
        let highlight = match &rule.kind {
            RuleKind::Documents(document_rule) => document_rule.highlight(),
            RuleKind::Health(_) => crate::archive::query::Expr::All,
        };
        let query = Lowering::new(batch.fields())
            .lower(&highlight)
            .map_err(ArchiveError::from)?;
        let highlighter = Highlighter::new(batch.searcher(), query.as_ref(), &highlight);
        let gazetteer = self.tagger.gazetteer();
        let mut items: Vec<Item> = Vec::new();
        let mut by_title: HashMap<String, usize> = HashMap::new();
        let mut ordered: Vec<&StoredDocument> = documents.iter().collect();
        ordered.sort_by(|a, b| a.published.cmp(&b.published).then(a.id.cmp(&b.id)));
        for document in ordered {
            let mut outlets: Vec<Outlet> = store
                .document_sources(document.id)?
                .into_iter()
                .map(|source| Outlet {
                    name: self
                        .feed_names
                        .get(&source.feed_id)
                        .cloned()
                        .unwrap_or_else(|| source.feed_id.clone()),
                    id: source.feed_id,
                    url: link(&source.url),
                })
                .collect();
            // A feed that carried the story under two items is one outlet.
            let mut seen = std::collections::HashSet::new();
            outlets.retain(|outlet| seen.insert(outlet.id.clone()));
            let found_terms = terms.get(&document.id).cloned().unwrap_or_default();
            let key = story_key(&document.title);
            if let Some(&at) = by_title.get(&key).filter(|_| !key.is_empty()) {
                let item = &mut items[at];
                for outlet in outlets {
                    if item.source.id != outlet.id
                        && !item.also_reported_by.iter().any(|o| o.id == outlet.id)
                    {
                        item.also_reported_by.push(outlet);
                    }
                }
                for term in found_terms {
                    if !item.terms.contains(&term) {
                        item.terms.push(term);
                    }
                }
                continue;
            }
            let snippet = highlighter.snippet(document, batch.fields(), &self.tagger);
            let snippet_position = snippet.position;
            let mut outlets = outlets.into_iter();
            let source = outlets.next().unwrap_or_else(|| Outlet {
                id: String::new(),
                name: "unknown source".to_owned(),
                url: link(&document.url),
            });
            by_title.insert(key, items.len());
            items.push(Item {
                document_id: document.id,
                title: document.title.clone(),
                url: link(&document.url),
                source,
                also_reported_by: outlets.collect(),
                published: document.published.clone(),
                language: document.language.clone(),
                kind: document.kind.clone(),
                snippet: snippet.text,
                snippet_html: snippet.html,
                entities: document
                    .entities
                    .iter()
                    .map(|(id, _)| {
                        let entity = gazetteer.get(id);
                        Chip {
                            id: id.clone(),
                            name: entity.map_or_else(|| id.clone(), |e| e.name.clone()),
                            kind: entity.map_or("unknown", |e| e.kind.as_str()).to_owned(),
                        }
                    })
                    .collect(),
                terms: found_terms,
                timecode: document.transcript.as_ref().and_then(|transcript| {
                    let mut timecode = transcript.timecode_at(snippet_position?)?;
                    timecode.audio_link = timecode
                        .audio_link
                        .map(|audio| link(&audio))
                        .filter(|audio| !audio.is_empty());
                    Some(timecode)
                }),
            });
        }
        Ok(items)
    }
}

/// A feed's link, if it is one a mail client or browser may follow:
/// `javascript:` or `data:` from a hostile feed would survive HTML escaping
/// in an `href`. Empty otherwise.
pub(crate) fn link(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https" | "file") => url.to_owned(),
        _ => String::new(),
    }
}

/// Titles that are the same story: case, accents, punctuation and spacing
/// set aside.
fn story_key(title: &str) -> String {
    normalise_alias(title)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
