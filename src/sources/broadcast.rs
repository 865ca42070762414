//! What a broadcast's transcript file says about the broadcast: station,
//! programme and air time, read from its name (`file_pattern`) or from a
//! sidecar `.toml` beside it.
//!
//! Speech-to-text pipelines name their output after the recording
//! (`rrk_20250701_0730.vtt`) and rarely write anything else, so the name is
//! often the only place the air time is; a sidecar is for pipelines that
//! know more (the programme, the audio's URL).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use regex::Regex;
use serde::Deserialize;

/// What is known of one broadcast. Every part is optional: a pattern may
/// name only the station, a sidecar only the programme.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Broadcast {
    /// The station's name as the file name or sidecar spells it.
    pub station: Option<String>,
    /// The programme's name.
    pub programme: Option<String>,
    /// When the broadcast went on air, read in the station's time zone.
    pub air_time: Option<DateTime<Utc>>,
    /// A title for the broadcast, used when the item has none.
    pub title: Option<String>,
    /// The language of the broadcast, primary subtag: the language hint when
    /// the transcript offer itself declares none.
    pub language: Option<String>,
    /// The recording: an absolute URL, or a path relative to the transcript.
    pub audio: Option<String>,
}

impl Broadcast {
    /// `self`, with what it lacks taken from `fallback`.
    #[must_use]
    pub fn or(self, fallback: Broadcast) -> Broadcast {
        Broadcast {
            station: self.station.or(fallback.station),
            programme: self.programme.or(fallback.programme),
            air_time: self.air_time.or(fallback.air_time),
            title: self.title.or(fallback.title),
            language: self.language.or(fallback.language),
            audio: self.audio.or(fallback.audio),
        }
    }
}

/// Why a `file_pattern` is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error(
        "unknown placeholder {{{0}}}: use {{station}}, {{programme}}, {{date}}, {{time}}, {{lang}} or {{*}}"
    )]
    /// A `{name}` that is not one of the placeholders.
    UnknownPlaceholder(String),
    /// The same placeholder twice, which a file name cannot fill consistently.
    #[error("{{{0}}} appears twice")]
    Repeated(String),
    /// A `{` with no `}` after it.
    #[error("a '{{' is not closed")]
    Unclosed,
    /// The pattern is too long to compile.
    #[error("cannot be compiled: {0}")]
    Regex(String),
}

/// A compiled `file_pattern` such as `{station}_{date}_{time}.vtt`.
#[derive(Debug, Clone)]
pub struct FilePattern {
    source: String,
    regex: Regex,
}

impl FilePattern {
    /// Compiles a `file_pattern` setting; text outside placeholders must match
    /// literally, case aside.
    pub fn parse(pattern: &str) -> Result<FilePattern, PatternError> {
        let mut regex = String::from("(?i)^");
        let mut seen = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            regex.push_str(&regex::escape(&rest[..open]));
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(PatternError::Unclosed)?;
            let name = &after[..close];
            let part = match name {
                // Lazy, so that `{station}_{date}` leaves the underscore and
                // the digits to what follows even when the station's own name
                // has underscores.
                "station" => r"(?P<station>.+?)",
                "programme" => r"(?P<programme>.+?)",
                "date" => r"(?P<date>\d{4}-?\d{2}-?\d{2})",
                "time" => r"(?P<time>\d{2}[-h:.]?\d{2}(?:[-:.]?\d{2})?)",
                "lang" => r"(?P<lang>[a-z]{2,3})",
                "*" => r".*?",
                other => return Err(PatternError::UnknownPlaceholder(other.to_owned())),
            };
            if name != "*" {
                if seen.contains(&name) {
                    return Err(PatternError::Repeated(name.to_owned()));
                }
                seen.push(name);
            }
            regex.push_str(part);
            rest = &after[close + 1..];
        }
        regex.push_str(&regex::escape(rest));
        regex.push('$');
        // Placeholders and escaped text always make valid syntax, but a long
        // enough pattern (some 100,000 characters) exceeds the compiled size
        // limit, and a bad setting must be reported, not panic.
        let regex = Regex::new(&regex).map_err(|error| PatternError::Regex(error.to_string()))?;
        Ok(FilePattern {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// The pattern as the operator wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// What `file_name` says, or `None` when it does not match the pattern.
    /// Date and time are the station's clock, in `timezone`.
    pub fn read(&self, file_name: &str, timezone: Tz) -> Option<Broadcast> {
        let found = self.regex.captures(file_name)?;
        let text = |name: &str| found.name(name).map(|value| value.as_str().to_owned());
        let date = found
            .name("date")
            .and_then(|date| parse_date(date.as_str()));
        let time = found
            .name("time")
            .and_then(|time| parse_time(time.as_str()));
        Some(Broadcast {
            station: text("station"),
            programme: text("programme"),
            air_time: date
                .and_then(|date| local(date.and_time(time.unwrap_or_default()), timezone)),
            language: text("lang").map(|lang| lang.to_ascii_lowercase()),
            ..Broadcast::default()
        })
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&digits(text), "%Y%m%d").ok()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let digits = digits(text);
    match digits.len() {
        4 => NaiveTime::parse_from_str(&digits, "%H%M").ok(),
        6 => NaiveTime::parse_from_str(&digits, "%H%M%S").ok(),
        _ => None,
    }
}

/// A wall-clock time in `timezone`; in the hour a clock change repeats,
/// the earlier reading.
fn local(time: NaiveDateTime, timezone: Tz) -> Option<DateTime<Utc>> {
    timezone
        .from_local_datetime(&time)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
}

/// The sidecar `<transcript name>.toml` a pipeline may write beside a
/// transcript. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// The station's name, e.g. `"Radio Rurale de Kayes"`.
    pub station: Option<String>,
    /// The programme, e.g. `"Journal de 07:30"`.
    pub programme: Option<String>,
    /// When it went on air: RFC 3339 (`2025-07-01T07:30:00Z`), or a local
    /// `2025-07-01 07:30` read in the source's `timezone`.
    pub air_time: Option<String>,
    /// A title for the document. Default: station, programme and air time.
    pub title: Option<String>,
    /// The language spoken (ISO 639-1), a hint for detection.
    pub language: Option<String>,
    /// The recording: an `http(s)` URL, or a path relative to the folder.
    pub audio: Option<String>,
}

impl Sidecar {
    /// Reads a sidecar's text; errors say the line and the key.
    pub fn read(text: &str, timezone: Tz) -> Result<Broadcast, String> {
        let sidecar: Sidecar = toml::from_str(text).map_err(|error| error.to_string())?;
        let air_time = match &sidecar.air_time {
            None => None,
            Some(text) => Some(parse_air_time(text, timezone).ok_or_else(|| {
                format!(
                    "air_time {text:?} is not a date and time (write \"2025-07-01 07:30\" or RFC 3339)"
                )
            })?),
        };
        Ok(Broadcast {
            station: sidecar.station,
            programme: sidecar.programme,
            air_time,
            title: sidecar.title,
            language: sidecar.language,
            audio: sidecar.audio,
        })
    }
}

fn parse_air_time(text: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .and_then(|time| local(time, timezone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn station_date_and_time_from_the_name() {
        let pattern = FilePattern::parse("{station}_{date}_{time}.vtt").unwrap();
        let found = pattern
            .read("radio_rurale_kayes_20250701_0730.vtt", Tz::Africa__Bamako)
            .unwrap();
        assert_eq!(found.station.as_deref(), Some("radio_rurale_kayes"));
        assert_eq!(found.air_time, Some(utc("2025-07-01T07:30:00Z")));
        // Dakar and Bamako are on UTC; Paris is not.
        let paris = pattern
            .read("rfi_2025-07-01_07h30.VTT", Tz::Europe__Paris)
            .unwrap();
        assert_eq!(paris.air_time, Some(utc("2025-07-01T05:30:00Z")));
        assert!(pattern.read("rrk_20250701_0730.srt", Tz::UTC).is_none());
        assert!(pattern.read("notes.vtt", Tz::UTC).is_none());
    }

    #[test]
    fn programme_language_and_wildcards() {
        let pattern = FilePattern::parse("{station}-{programme}-{lang}-{*}.srt").unwrap();
        let found = pattern
            .read("tamani-journal-fr-take2.srt", Tz::UTC)
            .unwrap();
        assert_eq!(found.station.as_deref(), Some("tamani"));
        assert_eq!(found.programme.as_deref(), Some("journal"));
        assert_eq!(found.language.as_deref(), Some("fr"));
        assert_eq!(found.air_time, None);
    }

    #[test]
    fn bad_patterns_say_why() {
        assert_eq!(
            FilePattern::parse("{station}_{hour}.vtt").unwrap_err(),
            PatternError::UnknownPlaceholder("hour".into())
        );
        assert_eq!(
            FilePattern::parse("{date}_{date}").unwrap_err(),
            PatternError::Repeated("date".into())
        );
        assert_eq!(
            FilePattern::parse("{station").unwrap_err(),
            PatternError::Unclosed
        );
        // Regex syntax in the literal parts is just text.
        let literal = FilePattern::parse("a+b (1)_{date}.txt").unwrap();
        assert!(literal.read("a+b (1)_20250701.txt", Tz::UTC).is_some());
        assert!(literal.read("aab (1)_20250701.txt", Tz::UTC).is_none());
    }

    #[test]
    fn sidecars_win_over_names_and_report_mistakes() {
        let sidecar = Sidecar::read(
            "station = \"Radio Rurale de Kayes\"\nprogramme = \"Journal de 07:30\"\nair_time = \"2025-07-01 07:30\"\n",
            Tz::Africa__Bamako,
        )
        .unwrap();
        let from_name = Broadcast {
            station: Some("rrk".into()),
            audio: Some("rrk.mp3".into()),
            ..Broadcast::default()
        };
        let merged = sidecar.or(from_name);
        assert_eq!(merged.station.as_deref(), Some("Radio Rurale de Kayes"));
        assert_eq!(merged.audio.as_deref(), Some("rrk.mp3"));
        assert_eq!(merged.air_time, Some(utc("2025-07-01T07:30:00Z")));

        let unknown = Sidecar::read("studio = \"x\"\n", Tz::UTC).unwrap_err();
        assert!(unknown.contains("studio"), "{unknown}");
        let bad_time = Sidecar::read("air_time = \"matin\"\n", Tz::UTC).unwrap_err();
        assert!(bad_time.contains("matin"), "{bad_time}");
    }
}
