//! The pictures of a result set, drawn on the server as SVG geometry that
//! the templates lay out: a timeline of documents per day stacked by the
//! leading entities, and a map of the places named. Numbers only leave
//! here; every name goes through the templates' escaping.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::i18n::Lang;
use crate::archive::{PlaceCount, Timeline};

/// The timeline's drawing area, in SVG units.
const TIMELINE_WIDTH: f64 = 720.0;
const TIMELINE_HEIGHT: f64 = 140.0;

/// Bars at most: a longer span is grouped into weeks, months…
const MAX_BARS: i64 = 120;

#[derive(Debug, Serialize)]
pub(crate) struct TimelineChart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// The tallest bar's count, for the axis.
    pub max: u64,
    pub first_day: String,
    pub last_day: String,
    /// Days per bar.
    pub days_per_bar: i64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Bar {
    pub x: f64,
    pub width: f64,
    /// First and last day the bar covers.
    pub from: String,
    pub to: String,
    pub total: u64,
    /// Stacked from the bottom: one per series, then the rest.
    pub parts: Vec<BarPart>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BarPart {
    /// 0–4 for the series, 5 for the rest: the CSS class's number.
    pub series: usize,
    pub y: f64,
    pub height: f64,
    pub count: u64,
}

/// Lays out `timeline` as bars, gaps included, so a quiet week shows as
/// one. `None` when nothing matched.
pub(crate) fn timeline(timeline: &Timeline) -> Option<TimelineChart> {
    let parse = |day: &str| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
    let first = parse(&timeline.days.first()?.day)?;
    let last = parse(&timeline.days.last()?.day)?;
    let span = (last - first).num_days() + 1;
    let days_per_bar = (span + MAX_BARS - 1) / MAX_BARS;
    let bar_count = (span + days_per_bar - 1) / days_per_bar;
    let series = timeline.series.len();
    // Per bar: counts per series then the rest.
    let mut sums = vec![vec![0u64; series + 1]; bar_count as usize];
    for day in &timeline.days {
        let Some(date) = parse(&day.day) else {
            continue;
        };
        let bar = ((date - first).num_days() / days_per_bar) as usize;
        for (slot, count) in day.counts.iter().chain([&day.other]).enumerate() {
            sums[bar][slot] += count;
        }
    }
    let max = sums
        .iter()
        .map(|counts| counts.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let slot_width = TIMELINE_WIDTH / bar_count as f64;
    let scale = TIMELINE_HEIGHT / max as f64;
    let bars = sums
        .into_iter()
        .enumerate()
        .filter(|(_, counts)| counts.iter().any(|count| *count > 0))
        .map(|(index, counts)| {
            let from = first + chrono::Days::new((index as i64 * days_per_bar) as u64);
            let to = (from + chrono::Days::new(days_per_bar as u64 - 1)).min(last);
            let mut top = TIMELINE_HEIGHT;
            let parts = counts
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(slot, &count)| {
                    let height = count as f64 * scale;
                    top -= height;
                    BarPart {
                        series: if slot == series { 5 } else { slot },
                        y: round(top),
                        height: round(height),
                        count,
                    }
                })
                .collect();
            Bar {
                x: round(index as f64 * slot_width + slot_width * 0.1),
                width: round((slot_width * 0.8).max(1.0)),
                from: from.format("%Y-%m-%d").to_string(),
                to: to.format("%Y-%m-%d").to_string(),
                total: counts.iter().sum(),
                parts,
            }
        })
        .collect();
    Some(TimelineChart {
        width: TIMELINE_WIDTH,
        height: TIMELINE_HEIGHT,
        bars,
        max,
        first_day: first.format("%Y-%m-%d").to_string(),
        last_day: last.format("%Y-%m-%d").to_string(),
        days_per_bar,
    })
}

/// The shipped outlines (Natural Earth, public domain; see
/// `assets/map/README.md`).
const COUNTRIES: &str = include_str!("../../../assets/map/countries.json");

/// Countries the map is about, drawn darker than their neighbours.
const FOCUS: &[&str] = &["MLI", "SEN", "MRT"];

/// Map pixels per degree of latitude.
const MAP_SCALE: f64 = 36.0;

/// The view, `[west, south, east, north]` in degrees: Mali whole, Senegal,
/// Mauritania's south and the borders where the groups push, without the
/// empty north of the outlines' box.
const VIEW: [f64; 4] = [-18.0, 9.0, 4.6, 25.3];

#[derive(Deserialize)]
struct Outlines {
    countries: Vec<Outline>,
}

#[derive(Deserialize)]
struct Outline {
    iso: String,
    name_fr: String,
    name_en: String,
    rings: Vec<Vec<[f64; 2]>>,
}

/// The view and the countries as SVG paths, projected once.
struct Basemap {
    projection: Projection,
    countries: Vec<CountryShape>,
}

#[derive(Clone, Copy)]
struct Projection {
    west: f64,
    north: f64,
    /// Degrees of longitude shrink with latitude; one factor for the middle
    /// of the view keeps the Sahel's shapes true enough (equirectangular).
    x_scale: f64,
    width: f64,
    height: f64,
}

impl Projection {
    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            round((lon - self.west) * self.x_scale),
            round((self.north - lat) * MAP_SCALE),
        )
    }

    fn contains(&self, (x, y): (f64, f64)) -> bool {
        (0.0..=self.width).contains(&x) && (0.0..=self.height).contains(&y)
    }
}

struct CountryShape {
    iso: String,
    name_fr: String,
    name_en: String,
    path: String,
    /// Where its name goes: the middle of its largest ring's box, if that
    /// is in view.
    label: Option<(f64, f64)>,
}

static BASEMAP: LazyLock<Basemap> = LazyLock::new(|| {
    let outlines: Outlines =
        serde_json::from_str(COUNTRIES).expect("the shipped outlines are valid (tested)");
    let [west, south, east, north] = VIEW;
    let x_scale = MAP_SCALE * ((south + north) / 2.0).to_radians().cos();
    let projection = Projection {
        west,
        north,
        x_scale,
        width: round((east - west) * x_scale),
        height: round((north - south) * MAP_SCALE),
    };
    let countries = outlines
        .countries
        .into_iter()
        .map(|country| {
            let mut path = String::new();
            for ring in &country.rings {
                for (index, [lon, lat]) in ring.iter().enumerate() {
                    let (x, y) = projection.project(*lon, *lat);
                    path.push(if index == 0 { 'M' } else { 'L' });
                    path.push_str(&format!("{x} {y}"));
                }
                path.push('Z');
            }
            let label = country
                .rings
                .iter()
                .max_by_key(|ring| ring.len())
                .map(|ring| {
                    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
                    for point in ring {
                        for axis in 0..2 {
                            min[axis] = min[axis].min(point[axis]);
                            max[axis] = max[axis].max(point[axis]);
                        }
                    }
                    projection.project((min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0)
                })
                .filter(|point| projection.contains(*point));
            CountryShape {
                iso: country.iso,
                name_fr: country.name_fr,
                name_en: country.name_en,
                path,
                label,
            }
        })
        .collect();
    Basemap {
        projection,
        countries,
    }
});

#[derive(Debug, Serialize)]
pub(crate) struct MapChart {
    pub width: f64,
    pub height: f64,
    /// Names of the countries the map is about, in the page's language.
    pub labels: Vec<Label>,
    pub points: Vec<Point>,
    /// Places named that lie outside the view.
    pub outside: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct Label {
    pub name: &'static str,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Point {
    pub id: String,
    pub name: String,
    pub count: u64,
    pub x: f64,
    pub y: f64,
    pub radius: f64,
    /// The most named places get their name written beside them.
    pub labelled: bool,
}

/// The countries as one SVG file, the same for every search: served as
/// an asset the browser keeps, under the points each page draws.
pub(crate) fn basemap_svg() -> &'static str {
    static SVG: LazyLock<String> = LazyLock::new(|| {
        let basemap = &*BASEMAP;
        let Projection { width, height, .. } = basemap.projection;
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\n<rect width=\"{width}\" height=\"{height}\" fill=\"#dfeaf2\"/>\n"
        );
        for country in &basemap.countries {
            let fill = if FOCUS.contains(&country.iso.as_str()) {
                "#f3ead7"
            } else {
                "#ece9e2"
            };
            svg.push_str(&format!(
                "<path id=\"{}\" d=\"{}\" fill=\"{fill}\" fill-rule=\"evenodd\" stroke=\"#8a8170\" stroke-width=\"0.8\" stroke-linejoin=\"round\"/>\n",
                country.iso, country.path
            ));
        }
        svg.push_str("</svg>\n");
        svg
    });
    &SVG
}

/// Places named most that get a written label, if it has room.
const LABELLED: usize = 8;

/// Room a label needs around another's start, in map pixels.
const LABEL_ROOM: (f64, f64) = (70.0, 14.0);

/// The map of `places`: points sized by the documents naming them (area
/// proportional to the count), largest drawn first so small ones stay on
/// top and clickable.
pub(crate) fn map(places: &[PlaceCount], lang: Lang) -> MapChart {
    let basemap = &*BASEMAP;
    let projection = basemap.projection;
    let max = places.iter().map(|place| place.count).max().unwrap_or(1) as f64;
    let mut outside = 0;
    let mut points: Vec<Point> = Vec::new();
    for place in places {
        let at = projection.project(place.lon, place.lat);
        if !projection.contains(at) {
            outside += 1;
            continue;
        }
        let crowded = points.iter().filter(|point| point.labelled).any(|point| {
            (point.x - at.0).abs() < LABEL_ROOM.0 && (point.y - at.1).abs() < LABEL_ROOM.1
        });
        let labels = points.iter().filter(|point| point.labelled).count();
        points.push(Point {
            id: place.id.clone(),
            name: place.name.clone(),
            count: place.count,
            x: at.0,
            y: at.1,
            radius: round(3.0 + 13.0 * (place.count as f64 / max).sqrt()),
            labelled: labels < LABELLED && !crowded,
        });
    }
    points.sort_by(|a, b| b.radius.total_cmp(&a.radius));
    MapChart {
        width: projection.width,
        height: projection.height,
        labels: basemap
            .countries
            .iter()
            .filter(|country| FOCUS.contains(&country.iso.as_str()))
            .filter_map(|country| {
                let (x, y) = country.label?;
                Some(Label {
                    name: match lang {
                        Lang::Fr => &country.name_fr,
                        Lang::En => &country.name_en,
                    },
                    x,
                    y,
                })
            })
            .collect(),
        points,
        outside,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{EntityCount, TimelineDay};

    fn day(day: &str, counts: &[u64], other: u64) -> TimelineDay {
        TimelineDay {
            day: day.to_owned(),
            total: counts.iter().sum::<u64>() + other,
            counts: counts.to_vec(),
            other,
        }
    }

    fn series(id: &str) -> EntityCount {
        EntityCount {
            id: id.to_owned(),
            name: id.to_owned(),
            kind: "armed_group".to_owned(),
            count: 1,
        }
    }

    #[test]
    fn bars_stack_to_their_totals_and_gaps_stay_empty() {
        let chart = timeline(&Timeline {
            series: vec![series("jnim"), series("macina")],
            days: vec![day("2026-11-01", &[2, 1], 1), day("2026-11-04", &[0, 3], 0)],
        })
        .unwrap();
        assert_eq!(chart.days_per_bar, 1);
        assert_eq!(chart.max, 4);
        assert_eq!(chart.bars.len(), 2, "the quiet days draw no bar");
        let first = &chart.bars[0];
        assert_eq!(first.total, 4);
        assert_eq!(
            first.parts.iter().map(|p| p.series).collect::<Vec<_>>(),
            [0, 1, 5]
        );
        let height: f64 = first.parts.iter().map(|p| p.height).sum();
        assert!((height - TIMELINE_HEIGHT).abs() < 0.5, "{height}");
        // The fourth of four days sits in the last quarter.
        assert!(
            chart.bars[1].x > TIMELINE_WIDTH * 0.75,
            "{}",
            chart.bars[1].x
        );
    }

    #[test]
    fn long_spans_are_grouped() {
        let chart = timeline(&Timeline {
            series: vec![],
            days: vec![day("2025-01-01", &[], 1), day("2026-01-01", &[], 1)],
        })
        .unwrap();
        assert_eq!(chart.days_per_bar, 4);
        assert_eq!(chart.bars.last().unwrap().to, "2026-01-01");
        assert!(timeline(&Timeline::default()).is_none());
    }

    #[test]
    fn places_land_inside_their_country_box() {
        let place = |id: &str, lat: f64, lon: f64, count: u64| PlaceCount {
            id: id.to_owned(),
            name: id.to_owned(),
            lat,
            lon,
            count,
        };
        let chart = map(
            &[
                place("kayes", 14.45, -11.44, 9),
                place("dakar", 14.69, -17.45, 1),
                place("paris", 48.86, 2.35, 3),
            ],
            Lang::Fr,
        );
        assert_eq!(chart.outside, 1);
        assert_eq!(chart.points.len(), 2);
        let kayes = chart.points.iter().find(|p| p.id == "kayes").unwrap();
        let dakar = chart.points.iter().find(|p| p.id == "dakar").unwrap();
        assert!(kayes.radius > dakar.radius);
        assert!(dakar.x < kayes.x, "Dakar is west of Kayes");
        assert_eq!(chart.points[0].id, "kayes", "largest drawn first");
        let names: Vec<&str> = chart.labels.iter().map(|label| label.name).collect();
        assert!(
            names.contains(&"Sénégal") && names.contains(&"Mauritanie"),
            "{names:?}"
        );
        let svg = basemap_svg();
        assert!(svg.contains("id=\"MLI\" d=\"M") && svg.matches("<path").count() >= 15);
    }
}
