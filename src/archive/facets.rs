//! Counts over a whole result set: entities, sources, languages, days.
//!
//! Read from the fast fields of every matching document, so facets cost one
//! pass over the matches and never touch the record.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// How many values of each facet are reported.
pub(crate) const FACET_SIZE: usize = 20;

/// One value of a facet with its number of documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    /// The value: a feed id, a language code or a day.
    pub value: String,
    /// Documents with that value.
    pub count: u64,
}

/// An entity with its number of documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntityCount {
    /// The entity's gazetteer id.
    pub id: String,
    /// The entity's display name.
    pub name: String,
    /// The entity's type, `type` in JSON.
    #[serde(rename = "type")]
    pub kind: String,
    /// Documents naming it.
    pub count: u64,
}

/// Facet counts for a result set.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Facets {
    /// By entity type (`armed_group`, `place`…), most mentioned first.
    pub entities: BTreeMap<String, Vec<EntityCount>>,
    /// By feed id, most documents first.
    pub sources: Vec<Count>,
    /// By language code, most documents first.
    pub languages: Vec<Count>,
    /// Documents per day (UTC) of publication, oldest first.
    pub days: Vec<Count>,
}

/// Raw counts by value, before naming and ranking.
#[derive(Debug, Default)]
pub(crate) struct RawCounts {
    pub entities: HashMap<String, u64>,
    pub sources: HashMap<String, u64>,
    pub languages: HashMap<String, u64>,
    /// Day number since the Unix epoch.
    pub days: BTreeMap<i64, u64>,
}

/// Counts the facets of every document it collects.
pub(crate) struct FacetCollector;

pub(crate) struct FacetSegmentCollector {
    entity: Option<StrColumn>,
    source: Option<StrColumn>,
    lang: Option<StrColumn>,
    published: Column<tantivy::DateTime>,
    entity_counts: Vec<u64>,
    source_counts: Vec<u64>,
    lang_counts: Vec<u64>,
    days: BTreeMap<i64, u64>,
}

impl Collector for FacetCollector {
    type Fruit = RawCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = segment.fast_fields();
        let entity = fast.str("entity")?;
        let source = fast.str("source")?;
        let lang = fast.str("lang")?;
        let sized =
            |column: &Option<StrColumn>| vec![0; column.as_ref().map_or(0, |c| c.num_terms())];
        Ok(FacetSegmentCollector {
            entity_counts: sized(&entity),
            source_counts: sized(&source),
            lang_counts: sized(&lang),
            entity,
            source,
            lang,
            published: fast.date("published")?,
            days: BTreeMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<RawCounts>) -> tantivy::Result<RawCounts> {
        let mut total = RawCounts::default();
        for segment in segments {
            for (into, from) in [
                (&mut total.entities, segment.entities),
                (&mut total.sources, segment.sources),
                (&mut total.languages, segment.languages),
            ] {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
            }
            for (day, count) in segment.days {
                *total.days.entry(day).or_default() += count;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = RawCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (column, counts) in [
            (&self.entity, &mut self.entity_counts),
            (&self.source, &mut self.source_counts),
            (&self.lang, &mut self.lang_counts),
        ] {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
        if let Some(published) = self.published.first(doc) {
            let day = published.into_timestamp_secs().div_euclid(86_400);
            *self.days.entry(day).or_default() += 1;
        }
    }

    fn harvest(self) -> RawCounts {
        let named = |column: Option<StrColumn>, counts: Vec<u64>| {
            let mut out = HashMap::new();
            let Some(column) = column else { return out };
            let mut value = String::new();
            for (ord, count) in counts.into_iter().enumerate() {
                if count > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    out.insert(value.clone(), count);
                }
            }
            out
        };
        RawCounts {
            entities: named(self.entity, self.entity_counts),
            sources: named(self.source, self.source_counts),
            languages: named(self.lang, self.lang_counts),
            days: self.days,
        }
    }
}

/// Values by count, most first, ties by value; at most `size`.
pub(crate) fn ranked(counts: HashMap<String, u64>, size: usize) -> Vec<Count> {
    let mut ranked: Vec<Count> = counts
        .into_iter()
        .map(|(value, count)| Count { value, count })
        .collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    ranked.truncate(size);
    ranked
}
