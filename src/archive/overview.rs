//! A result set drawn rather than listed: documents per day split by the
//! entity that leads each one (the web page's timeline), and the places
//! named with where they are (its map).
//!
//! Like facets, both are read from fast fields in one pass over the
//! matches, so they cost the same whatever the documents' length.

use std::collections::{BTreeMap, HashMap};

use chrono::DateTime;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::facets::EntityCount;
use super::query::{Expr, Lowering};
use super::{Result, Search};
use crate::enrich::Gazetteer;
use crate::enrich::gazetteer::EntityType;

/// Entities a timeline is split by, at most.
pub const TIMELINE_SERIES: usize = 5;

/// Documents per day (UTC) of publication, split by series.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Timeline {
    /// The entities the days are split by, most frequent first.
    pub series: Vec<EntityCount>,
    /// Every day with a match, oldest first.
    pub days: Vec<TimelineDay>,
}

/// One day of a [`Timeline`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimelineDay {
    /// `2026-11-20`.
    pub day: String,
    /// Documents published that day (UTC) in the result set.
    pub total: u64,
    /// Documents per series, parallel to [`Timeline::series`]. A document
    /// naming two of them counts for the more frequent one only, so the
    /// stack of a day adds up to at most its total; the rest is `other`.
    pub counts: Vec<u64>,
    /// Documents of the day in none of the series.
    pub other: u64,
}

/// A place named in a result set, where the gazetteer puts it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaceCount {
    /// The place's gazetteer id.
    pub id: String,
    /// The place's display name.
    pub name: String,
    /// Latitude in degrees, from the gazetteer.
    pub lat: f64,
    /// Longitude in degrees, from the gazetteer.
    pub lon: f64,
    /// Documents naming it.
    pub count: u64,
}

/// Entities worth a series: who acts, not where (places are on the map).
pub fn is_actor(kind: &str) -> bool {
    matches!(kind, "armed_group" | "person" | "force" | "organisation")
}

/// The places and infrastructure among `counts` that have coordinates,
/// most named first.
pub(crate) fn places(counts: &HashMap<String, u64>, gazetteer: &Gazetteer) -> Vec<PlaceCount> {
    let mut places: Vec<PlaceCount> = counts
        .iter()
        .filter_map(|(id, count)| {
            let entity = gazetteer.get(id)?;
            if !matches!(entity.kind, EntityType::Place | EntityType::Infrastructure) {
                return None;
            }
            Some(PlaceCount {
                id: id.clone(),
                name: entity.name.clone(),
                lat: entity.lat?,
                lon: entity.lon?,
                count: *count,
            })
        })
        .collect();
    places.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    places
}

impl Search {
    /// The timeline of the documents matching `expr`, split by `series`
    /// (entity ids, most frequent first, as the facets rank them).
    pub fn timeline(&self, expr: &Expr, series: Vec<EntityCount>) -> Result<Timeline> {
        let lowered = Lowering::new(self.archive.fields()).lower(expr)?;
        let wanted: Vec<String> = series.iter().map(|entity| entity.id.clone()).collect();
        let raw = self
            .archive
            .searcher()
            .search(&lowered, &TimelineCollector { series: &wanted })?;
        let days = raw
            .into_iter()
            .filter_map(|(day, counts)| {
                let date = DateTime::from_timestamp(day * 86_400, 0)?;
                let (split, rest) = counts.split_at(series.len());
                let total: u64 = counts.iter().sum();
                Some(TimelineDay {
                    day: date.format("%Y-%m-%d").to_string(),
                    total,
                    counts: split.to_vec(),
                    other: rest.iter().sum(),
                })
            })
            .collect();
        Ok(Timeline { series, days })
    }
}

/// Per day, documents per series with the last slot for the rest.
type DayCounts = BTreeMap<i64, Vec<u64>>;

struct TimelineCollector<'a> {
    series: &'a [String],
}

struct TimelineSegment {
    entity: Option<StrColumn>,
    published: Column<tantivy::DateTime>,
    /// Term ordinal in this segment of each series' entity, if present.
    series_ords: Vec<Option<u64>>,
    days: DayCounts,
}

impl Collector for TimelineCollector<'_> {
    type Fruit = DayCounts;
    type Child = TimelineSegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        let entity = fast.str("entity")?;
        let series_ords = self
            .series
            .iter()
            .map(|id| {
                let Some(column) = &entity else {
                    return Ok(None);
                };
                column.dictionary().term_ord(id.as_bytes())
            })
            .collect::<std::io::Result<_>>()?;
        Ok(TimelineSegment {
            entity,
            published: fast.date("published")?,
            series_ords,
            days: BTreeMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<DayCounts>) -> tantivy::Result<DayCounts> {
        let mut total = DayCounts::new();
        for segment in segments {
            for (day, counts) in segment {
                let into = total
                    .entry(day)
                    .or_insert_with(|| vec![0; self.series.len() + 1]);
                for (into, count) in into.iter_mut().zip(counts) {
                    *into += count;
                }
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for TimelineSegment {
    type Fruit = DayCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(published) = self.published.first(doc) else {
            return;
        };
        let day = published.into_timestamp_secs().div_euclid(86_400);
        let slot = self
            .entity
            .as_ref()
            .and_then(|column| {
                // The first series (most frequent) the document names.
                let ords: Vec<u64> = column.term_ords(doc).collect();
                self.series_ords
                    .iter()
                    .position(|ord| ord.is_some_and(|ord| ords.contains(&ord)))
            })
            .unwrap_or(self.series_ords.len());
        let width = self.series_ords.len() + 1;
        self.days.entry(day).or_insert_with(|| vec![0; width])[slot] += 1;
    }

    fn harvest(self) -> DayCounts {
        self.days
    }
}
