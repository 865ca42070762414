//! Running a query: ranked or dated hits with snippets, facets, exports.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Order, Score, SegmentOrdinal, SegmentReader};

use super::facets::{self, EntityCount, FACET_SIZE, FacetCollector, Facets, RawCounts};
use super::overview::{self, PlaceCount};
use super::query::{self, EntityLookup, Expr, Lowering, QueryContext, QueryError};
use super::{Archive, Result, analysis};
use crate::enrich::Tagger;
use crate::store::{DocumentSource, Store, StoredDocument, Timecode};

/// The most hits one page may ask for.
pub const MAX_LIMIT: usize = 100;

/// The deepest page: past this, narrow the query or export.
pub const MAX_OFFSET: usize = 10_000;

/// Length of a snippet, in characters.
const SNIPPET_CHARS: usize = 220;

/// The order of a search's hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Best match first (BM25 over titles and texts, titles weighing more).
    Relevance,
    /// Newest publication first.
    Date,
}

impl SortOrder {
    /// As a parameter names it: `relevance` or `date`.
    pub fn name(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevance",
            SortOrder::Date => "date",
        }
    }
}

impl FromStr for SortOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<SortOrder, String> {
        match text {
            "relevance" => Ok(SortOrder::Relevance),
            "date" => Ok(SortOrder::Date),
            other => Err(format!("unknown sort '{other}'; use relevance or date")),
        }
    }
}

/// One page of a search, the query as typed.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// In the query language of [`crate::archive::query`]; empty matches
    /// every document.
    pub query: String,
    /// Capped at [`MAX_LIMIT`]; 0 asks for counts and facets only.
    pub limit: usize,
    /// Capped at [`MAX_OFFSET`].
    pub offset: usize,
    /// By default, relevance when the query has words, else date.
    pub sort: Option<SortOrder>,
}

impl SearchRequest {
    /// Which page it asks for, whatever the query.
    pub fn page(&self) -> ResultPage {
        ResultPage {
            limit: self.limit,
            offset: self.offset,
            sort: self.sort,
        }
    }
}

/// Which page of the matches a search returns, in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultPage {
    /// Capped at [`MAX_LIMIT`]; 0 asks for counts and facets only.
    pub limit: usize,
    /// Capped at [`MAX_OFFSET`].
    pub offset: usize,
    /// By default, relevance when the query has words, else date.
    pub sort: Option<SortOrder>,
}

/// One page of matches, with counts and facets over all of them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResults {
    /// The query as typed, or as the archive reads a built one.
    pub query: String,
    /// Documents matching, in all.
    pub total: usize,
    /// How many matches come before this page (after capping).
    pub offset: usize,
    /// The page size used (after capping).
    pub limit: usize,
    /// The order used: the one asked for, or the default for the query.
    pub sort: SortOrder,
    /// This page's documents, in that order.
    pub hits: Vec<Hit>,
    /// The most frequent sources, languages, kinds and entities among all
    /// the matches, not only this page.
    pub facets: Facets,
    /// Every place named in the result set that has coordinates, most
    /// named first: what a map of the results shows.
    pub places: Vec<PlaceCount>,
}

/// A matching document as a result list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// The document's id in the record, for `/api/documents/{id}`.
    pub id: i64,
    /// The title as extracted from the source.
    pub title: String,
    /// The document's canonical address.
    pub url: String,
    /// Ids of the feeds that carried it, first first.
    pub sources: Vec<String>,
    /// The detected language code (`fr`, `en`, `ar`…), if one was
    /// detected.
    pub language: Option<String>,
    /// When it was published, as RFC 3339 in UTC.
    pub published: String,
    /// The source gave no plausible date (none, one in the future, one
    /// before 1900): `published` is when veille first saw the document.
    pub published_is_fetch_time: bool,
    /// `article` or `transcript`.
    pub kind: String,
    /// Ids of the gazetteer entities it names.
    pub entities: Vec<String>,
    /// Relevance score, when sorted by relevance.
    pub score: Option<f32>,
    /// The passage that shows why it matched.
    pub snippet: Snippet,
    /// For a transcript: when the snippet's first matched word was said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timecode: Option<Timecode>,
}

/// A passage of the text with the words that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    /// The passage as plain text, with `…` where the document goes on
    /// before or after it.
    pub text: String,
    /// Matched words as `[start, end)` character offsets into `text`.
    pub highlights: Vec<(usize, usize)>,
    /// `text` as HTML, matched words in `<mark>`.
    pub html: String,
    /// Byte offset in the document text of the first matched word, if a
    /// word of the text matched: where a transcript's time code is read.
    #[serde(skip)]
    pub position: Option<usize>,
}

/// A document with everything the record and the gazetteer say about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentView {
    /// The document as the record holds it.
    #[serde(flatten)]
    pub document: StoredDocument,
    /// Every source that carried it, with its link and when it was seen
    /// there.
    #[serde(rename = "sources")]
    pub source_details: Vec<DocumentSource>,
    /// The entities the current gazetteer finds in it, by id.
    #[serde(rename = "entities")]
    pub entity_mentions: Vec<EntityMentions>,
}

/// One entity named in a document, with every place it is named.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EntityMentions {
    /// The entity's id in the gazetteer.
    pub id: String,
    /// Its display name in the gazetteer.
    pub name: String,
    /// Its gazetteer type, such as `armed_group` or `place`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is named: `field` is `title` or `text`, offsets are in
    /// characters.
    pub mentions: Vec<MentionAt>,
}

/// One place where an entity is named.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MentionAt {
    /// `title` or `text`.
    pub field: &'static str,
    /// Character offset where the mention starts.
    pub start: usize,
    /// Character offset just after the mention.
    pub end: usize,
    /// The words as the document wrote them.
    pub text: String,
}

/// Searches an [`Archive`], reading hits' details from the record.
pub struct Search {
    pub(super) archive: Arc<Archive>,
    tagger: Arc<Tagger>,
    lookup: EntityLookup,
}

impl Search {
    /// Searches `archive`, naming and resolving entities with `tagger`'s
    /// gazetteer; a reload builds a new one.
    pub fn new(archive: Arc<Archive>, tagger: Arc<Tagger>) -> Search {
        let lookup = EntityLookup::new(tagger.gazetteer());
        Search {
            archive,
            tagger,
            lookup,
        }
    }

    /// The gazetteer that names entities in results.
    pub fn gazetteer(&self) -> &crate::enrich::Gazetteer {
        self.tagger.gazetteer()
    }

    /// What queries are read and built against: the gazetteer, with
    /// relative dates counted from `now`.
    pub fn context(&self, now: DateTime<Utc>) -> QueryContext<'_> {
        QueryContext {
            gazetteer: self.tagger.gazetteer(),
            lookup: &self.lookup,
            now,
        }
    }

    /// Parses `query` against the gazetteer: the one time a typed query is
    /// read; what follows takes the parsed [`Expr`].
    pub fn parse(&self, query: &str, now: DateTime<Utc>) -> Result<Expr> {
        Ok(query::parse(query, &self.context(now))?)
    }

    /// A page of the documents matching a typed query.
    pub fn search(&self, store: &Store, request: &SearchRequest) -> Result<SearchResults> {
        let expr = self.parse(&request.query, Utc::now())?;
        self.run(store, &expr, request.query.clone(), request.page())
    }

    /// A page of the documents matching `expr`, a query parsed or built
    /// already (the web page's form builds one).
    pub fn search_expr(
        &self,
        store: &Store,
        expr: &Expr,
        page: ResultPage,
    ) -> Result<SearchResults> {
        self.run(store, expr, expr.to_string(), page)
    }

    fn run(
        &self,
        store: &Store,
        expr: &Expr,
        query: String,
        page: ResultPage,
    ) -> Result<SearchResults> {
        let limit = page.limit.min(MAX_LIMIT);
        let offset = page.offset.min(MAX_OFFSET);
        let sort = page.sort.unwrap_or(if expr.has_text() {
            SortOrder::Relevance
        } else {
            SortOrder::Date
        });
        let fields = self.archive.fields();
        let lowered = Lowering::new(fields).lower(expr)?;
        let searcher = self.archive.searcher();
        let (page, total, raw): (Vec<(Option<f32>, DocAddress)>, usize, RawCounts) =
            match (limit, sort) {
                (0, _) => {
                    let (total, raw) = searcher.search(&lowered, &(Count, FacetCollector))?;
                    (Vec::new(), total, raw)
                }
                (_, SortOrder::Relevance) => {
                    let top = TopDocs::with_limit(limit).and_offset(offset);
                    let (top, total, raw) =
                        searcher.search(&lowered, &(top, Count, FacetCollector))?;
                    let page = top
                        .into_iter()
                        .map(|(score, at)| (Some(score), at))
                        .collect();
                    (page, total, raw)
                }
                (_, SortOrder::Date) => {
                    let top = TopDocs::with_limit(limit)
                        .and_offset(offset)
                        .order_by_fast_field::<tantivy::DateTime>("published", Order::Desc);
                    let (top, total, raw) =
                        searcher.search(&lowered, &(top, Count, FacetCollector))?;
                    (
                        top.into_iter().map(|(_, at)| (None, at)).collect(),
                        total,
                        raw,
                    )
                }
            };
        let ids = record_ids(&searcher, page.iter().map(|(_, address)| *address))?;
        let scores: HashMap<i64, Option<f32>> = ids
            .iter()
            .zip(&page)
            .map(|(id, (score, _))| (*id, *score))
            .collect();
        let highlighter = Highlighter::new(&searcher, &*lowered, expr);
        let hits = store
            .documents_by_ids(&ids)?
            .into_iter()
            .map(|document| {
                let snippet = highlighter.snippet(&document, fields, &self.tagger);
                Hit {
                    timecode: document
                        .transcript
                        .as_ref()
                        .zip(snippet.position)
                        .and_then(|(transcript, position)| transcript.timecode_at(position)),
                    snippet,
                    score: scores.get(&document.id).copied().flatten(),
                    id: document.id,
                    entities: document.entities.into_iter().map(|(id, _)| id).collect(),
                    title: document.title,
                    url: document.url,
                    sources: document.sources,
                    language: document.language,
                    published: document.published,
                    published_is_fetch_time: document.published_is_fetch_time,
                    kind: document.kind,
                }
            })
            .collect();
        Ok(SearchResults {
            query,
            total,
            offset,
            limit,
            sort,
            hits,
            places: overview::places(&raw.entities, self.tagger.gazetteer()),
            facets: self.facets(raw),
        })
    }

    /// The ids of the `limit` best matches of `query` and the number of
    /// matches, without facets, snippets or the record: the index's share
    /// of a search.
    pub fn top_ids(&self, query: &str, limit: usize) -> Result<(usize, Vec<i64>)> {
        let expr = self.parse(query, Utc::now())?;
        let query = Lowering::new(self.archive.fields()).lower(&expr)?;
        let searcher = self.archive.searcher();
        let (top, total) = searcher.search(&query, &(TopDocs::with_limit(limit.max(1)), Count))?;
        let ids = record_ids(&searcher, top.into_iter().map(|(_, address)| address))?;
        Ok((total, ids))
    }

    /// Ids of every document matching `expr`, newest first: what an
    /// export writes.
    pub fn matching_ids(&self, expr: &Expr) -> Result<Vec<i64>> {
        let query = Lowering::new(self.archive.fields()).lower(expr)?;
        let mut dated = self.archive.searcher().search(&query, &DatedIds)?;
        dated.sort_unstable_by(|a, b| b.cmp(a));
        Ok(dated.into_iter().map(|(_, id)| id as i64).collect())
    }

    /// The entities most often in documents matching `query` (published
    /// since `since`, a date or age as in `since:`), with their counts.
    pub fn entity_counts(
        &self,
        query: &str,
        since: Option<&str>,
        limit: usize,
    ) -> Result<(usize, Vec<EntityCount>)> {
        let now = Utc::now();
        let mut expr = self.parse(query, now)?;
        if let Some(since) = since {
            let since = self.since(since, now)?;
            expr = Expr::And(vec![expr, since]);
        }
        let query = Lowering::new(self.archive.fields()).lower(&expr)?;
        let (total, raw) = self
            .archive
            .searcher()
            .search(&query, &(Count, FacetCollector))?;
        let mut counts = self.entity_list(raw.entities);
        counts.truncate(limit);
        Ok((total, counts))
    }

    /// The `since` parameter as a filter: its errors name it, and count
    /// columns in the value.
    fn since(&self, since: &str, now: DateTime<Utc>) -> Result<Expr> {
        let context = self.context(now);
        let filter = if since.trim().is_empty() {
            Err(QueryError {
                message: "'since:' needs a value".to_owned(),
                column: 1,
            })
        } else {
            context.filter("since", since)
        };
        filter.map_err(|mut error| {
            error.message = format!("since: {}", error.message);
            super::ArchiveError::Query(error)
        })
    }

    /// A stored document with its sources and its entities' mentions.
    pub fn document(&self, store: &Store, id: i64) -> Result<Option<DocumentView>> {
        let Some(document) = store.document(id)? else {
            return Ok(None);
        };
        let source_details = store.document_sources(id)?;
        let mut by_entity: BTreeMap<String, EntityMentions> = BTreeMap::new();
        for (field, text) in [("title", &document.title), ("text", &document.text)] {
            for tagged in self.tagger.tag(text) {
                let entry = by_entity
                    .entry(tagged.id.clone())
                    .or_insert_with(|| EntityMentions {
                        id: tagged.id.clone(),
                        name: tagged.name.clone(),
                        kind: tagged.kind.as_str().to_owned(),
                        mentions: Vec::new(),
                    });
                entry
                    .mentions
                    .extend(tagged.mentions.into_iter().map(|mention| MentionAt {
                        field,
                        start: mention.start,
                        end: mention.end,
                        text: mention.text,
                    }));
            }
        }
        Ok(Some(DocumentView {
            document,
            source_details,
            entity_mentions: by_entity.into_values().collect(),
        }))
    }

    fn facets(&self, raw: RawCounts) -> Facets {
        let mut entities: BTreeMap<String, Vec<EntityCount>> = BTreeMap::new();
        for count in self.entity_list(raw.entities) {
            let of_type = entities.entry(count.kind.clone()).or_default();
            if of_type.len() < FACET_SIZE {
                of_type.push(count);
            }
        }
        Facets {
            entities,
            sources: facets::ranked(raw.sources, FACET_SIZE),
            languages: facets::ranked(raw.languages, FACET_SIZE),
            days: raw
                .days
                .into_iter()
                .filter_map(|(day, count)| {
                    let date = DateTime::from_timestamp(day * 86_400, 0)?;
                    Some(facets::Count {
                        value: date.format("%Y-%m-%d").to_string(),
                        count,
                    })
                })
                .collect(),
        }
    }

    /// Entity counts, named and typed from the gazetteer, most first.
    fn entity_list(&self, counts: HashMap<String, u64>) -> Vec<EntityCount> {
        let gazetteer = self.tagger.gazetteer();
        let mut list: Vec<EntityCount> = counts
            .into_iter()
            .map(|(id, count)| {
                let entity = gazetteer.get(&id);
                EntityCount {
                    name: entity.map_or_else(|| id.clone(), |entity| entity.name.clone()),
                    kind: entity
                        .map_or("unknown", |entity| entity.kind.as_str())
                        .to_owned(),
                    id,
                    count,
                }
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        list
    }
}

/// The record ids of index documents, from the `id` fast field.
fn record_ids(
    searcher: &tantivy::Searcher,
    addresses: impl Iterator<Item = DocAddress>,
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for address in addresses {
        let column = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64("id")?;
        ids.push(column.first(address.doc_id).unwrap_or_default() as i64);
    }
    Ok(ids)
}

/// Picks and marks the passage of a hit that shows why it matched.
pub struct Highlighter {
    /// Query terms by field, weighted rarer-first as Tantivy's own snippets.
    terms: HashMap<Field, BTreeMap<String, Score>>,
    entities: HashSet<String>,
}

impl Highlighter {
    /// Prepares to mark the words of `query` (rarer words first) and the
    /// entities `expr` asks for.
    pub fn new(searcher: &tantivy::Searcher, query: &dyn Query, expr: &Expr) -> Highlighter {
        let mut terms: HashMap<Field, BTreeMap<String, Score>> = HashMap::new();
        query.query_terms(&mut |term, _| {
            if let Some(text) = term.value().as_str() {
                let frequency = searcher.doc_freq(term).unwrap_or(0);
                if frequency > 0 {
                    terms
                        .entry(term.field())
                        .or_default()
                        .insert(text.to_owned(), 1.0 / (1.0 + frequency as Score));
                }
            }
        });
        let mut entities = HashSet::new();
        expr.wanted_entities(&mut entities);
        Highlighter { terms, entities }
    }

    /// The passage of `document` where the query's words match best, or
    /// else where a wanted entity is first named, with those marked.
    pub fn snippet(
        &self,
        document: &StoredDocument,
        fields: &super::Fields,
        tagger: &Tagger,
    ) -> Snippet {
        let text = &document.text;
        // The document's stemmed field shows "enlèvements" for a query
        // "enlèvement"; other languages have the folded field only.
        let stemmed = document.language.as_deref().and_then(|language| {
            Some((
                fields.stemmed_field(language)?,
                analysis::stemmed(language)?,
            ))
        });
        let candidates = stemmed
            .into_iter()
            .chain(std::iter::once((fields.body, analysis::folded())));
        for (field, analyser) in candidates {
            let Some(terms) = self.terms.get(&field) else {
                continue;
            };
            let generator = SnippetGenerator::new(terms.clone(), analyser, field, SNIPPET_CHARS);
            let snippet = generator.snippet(text);
            if snippet.is_empty() {
                continue;
            }
            let fragment = snippet.fragment();
            let start = text.find(fragment).unwrap_or(0);
            let highlights = snippet
                .highlighted()
                .iter()
                .map(|range| (range.start, range.end))
                .collect();
            return framed(text, start, start + fragment.len(), highlights);
        }
        if !self.entities.is_empty() {
            let mut mentions: Vec<(usize, usize)> = tagger
                .tag(text)
                .into_iter()
                .filter(|tagged| self.entities.contains(&tagged.id))
                .flat_map(|tagged| tagged.mentions)
                .map(|mention| (mention.start, mention.end))
                .collect();
            mentions.sort_unstable();
            if let Some(&(first, _)) = mentions.first() {
                let byte_of = char_to_byte(text);
                let start = word_start(text, byte_of(first.saturating_sub(SNIPPET_CHARS / 4)));
                let end = word_end(text, byte_of(char_count_to(text, start) + SNIPPET_CHARS));
                let highlights = mentions
                    .iter()
                    .map(|&(s, e)| (byte_of(s), byte_of(e)))
                    .filter(|&(s, e)| s >= start && e <= end)
                    .map(|(s, e)| (s - start, e - start))
                    .collect();
                return framed(text, start, end, highlights);
            }
        }
        let end = word_end(text, char_to_byte(text)(SNIPPET_CHARS));
        framed(text, 0, end, Vec::new())
    }
}

/// The snippet for `text[start..end]` with highlights as byte ranges
/// relative to `start`: ellipses where the passage is cut, offsets in
/// characters, and the HTML form.
fn framed(text: &str, start: usize, end: usize, highlights: Vec<(usize, usize)>) -> Snippet {
    let passage = text[start..end].trim_end();
    let lead = if start > 0 { "…" } else { "" };
    let tail = if start + passage.len() < text.trim_end().len() {
        "…"
    } else {
        ""
    };
    let shift = lead.chars().count();
    let mut html = String::from(lead);
    let mut at = 0;
    let mut char_highlights = Vec::with_capacity(highlights.len());
    let first_highlight = highlights.first().map(|&(s, _)| s);
    for (s, e) in highlights {
        if s < at || e > passage.len() {
            continue;
        }
        html.push_str(&escape(&passage[at..s]));
        html.push_str("<mark>");
        html.push_str(&escape(&passage[s..e]));
        html.push_str("</mark>");
        at = e;
        let s_chars = passage[..s].chars().count() + shift;
        char_highlights.push((s_chars, s_chars + passage[s..e].chars().count()));
    }
    html.push_str(&escape(&passage[at..]));
    html.push_str(tail);
    Snippet {
        text: format!("{lead}{passage}{tail}"),
        position: first_highlight.map(|offset| start + offset),
        highlights: char_highlights,
        html,
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Maps character offsets of `text` to byte offsets (past the end: its
/// length).
fn char_to_byte(text: &str) -> impl Fn(usize) -> usize + '_ {
    move |chars| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(byte, _)| byte)
    }
}

fn char_count_to(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// `byte` moved back to the start of its word.
fn word_start(text: &str, byte: usize) -> usize {
    text[..byte].rfind(char::is_whitespace).map_or(0, |space| {
        space + text[space..].chars().next().map_or(1, char::len_utf8)
    })
}

/// `byte` moved forward to the end of its word.
fn word_end(text: &str, byte: usize) -> usize {
    text[byte..]
        .find(char::is_whitespace)
        .map_or(text.len(), |space| byte + space)
}

/// Collects (publication time, id) of every match.
struct DatedIds;

struct DatedIdsSegment {
    id: Column<u64>,
    published: Column<tantivy::DateTime>,
    found: Vec<(i64, u64)>,
}

impl Collector for DatedIds {
    type Fruit = Vec<(i64, u64)>;
    type Child = DatedIdsSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<DatedIdsSegment> {
        let fast = segment.fast_fields();
        Ok(DatedIdsSegment {
            id: fast.u64("id")?,
            published: fast.date("published")?,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<(i64, u64)>>) -> tantivy::Result<Vec<(i64, u64)>> {
        Ok(segments.into_iter().flatten().collect())
    }
}

impl SegmentCollector for DatedIdsSegment {
    type Fruit = Vec<(i64, u64)>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(id) = self.id.first(doc) {
            let published = self
                .published
                .first(doc)
                .map_or(0, tantivy::DateTime::into_timestamp_secs);
            self.found.push((published, id));
        }
    }

    fn harvest(self) -> Vec<(i64, u64)> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_marks_and_escapes() {
        let text = "Les <camions> & bus à Diboli attendent.";
        let start = text.find("camions").unwrap() - 1;
        let snippet = framed(text, start, text.len(), vec![(1, 8)]);
        assert_eq!(snippet.text, "…<camions> & bus à Diboli attendent.");
        assert_eq!(snippet.highlights, [(2, 9)]);
        assert_eq!(
            snippet.html,
            "…&lt;<mark>camions</mark>&gt; &amp; bus à Diboli attendent."
        );
        let chars: Vec<char> = snippet.text.chars().collect();
        assert_eq!(chars[2..9].iter().collect::<String>(), "camions");
    }

    #[test]
    fn word_bounds() {
        let text = "un deux trois";
        assert_eq!(word_start(text, 5), 3);
        assert_eq!(word_end(text, 4), 7);
        assert_eq!(word_end(text, 9), 13);
    }
}
