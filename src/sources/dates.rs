//! Dates as feeds actually write them.
//!
//! RFC 3339 and RFC 2822 first; then a lenient reading for what French,
//! Spanish, Portuguese and German CMSs put in `pubDate`:
//! `ven., 03 juil. 2020 10:00:00 +0200`, `Lundi, 16. Novembre 2020`,
//! `03/07/2020 10h30`. Numeric dates are read day-first, as everywhere these
//! outlets publish. A date without an offset is taken as UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

/// Parses a feed or page date, or `None` if it cannot be read with confidence.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&date));
        }
    }
    lenient(text)
}

#[derive(Default)]
struct Parts {
    day: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
    time: Option<NaiveTime>,
    offset: Option<i32>,
    /// "pm" seen (Some(true)) or "am" (Some(false)).
    afternoon: Option<bool>,
    /// The clock said 24:00, which is midnight of the next day.
    next_day: bool,
    seen_number: bool,
}

fn lenient(text: &str) -> Option<DateTime<Utc>> {
    let lower = text.to_lowercase();
    let mut parts = Parts::default();
    for chunk in lower.split(|c: char| c.is_whitespace() || c == ',') {
        let chunk = chunk.trim_matches(|c: char| c == '(' || c == ')');
        if chunk.chars().all(|c| c.is_ascii_punctuation()) {
            continue;
        }
        read_chunk(chunk, &mut parts)?;
    }
    let mut date = NaiveDate::from_ymd_opt(parts.year?, parts.month?, parts.day?)?;
    if parts.next_day {
        date = date.succ_opt()?;
    }
    let mut time = parts.time.unwrap_or_default();
    match (parts.afternoon, time.hour()) {
        (Some(true), hour @ 1..=11) => time = time.with_hour(hour + 12)?,
        (Some(false), 12) => time = time.with_hour(0)?,
        _ => {}
    }
    let naive = date.and_time(time);
    let offset = FixedOffset::east_opt(parts.offset.unwrap_or(0))?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|date| date.with_timezone(&Utc))
}

/// Reads one whitespace-separated piece; `None` means the text is not a date.
fn read_chunk(chunk: &str, parts: &mut Parts) -> Option<()> {
    let first = chunk.chars().next()?;
    if (first == '+' || first == '-') && chunk.len() > 1 {
        parts.offset = Some(parse_offset(&chunk[1..], first == '-')?);
        return Some(());
    }
    if first.is_alphabetic() {
        let word = chunk.trim_end_matches('.');
        if let Some(offset) = zone_offset(word) {
            parts.offset = Some(offset);
        } else if matches!(word, "am" | "a.m" | "pm" | "p.m") {
            parts.afternoon = Some(word.starts_with('p'));
        } else if is_weekday(word) && !parts.seen_number {
            // "mar." before the day is mardi, not mars.
        } else if let Some(month) = month_number(word) {
            parts.month = Some(month);
        } else if !is_filler(word) {
            return None;
        }
        return Some(());
    }
    if !first.is_ascii_digit() {
        return None;
    }
    parts.seen_number = true;
    // "10:00:00+01:00", "10:00Z"
    if chunk.contains(':') || is_french_time(chunk) {
        let (clock, offset) = split_clock_offset(chunk);
        let (time, next_day) = parse_clock(clock)?;
        parts.time = Some(time);
        parts.next_day = next_day;
        if let Some((sign, offset)) = offset {
            parts.offset = Some(match offset {
                "z" => 0,
                _ => parse_offset(offset, sign == '-')?,
            });
        }
        return Some(());
    }
    let numbers: Vec<&str> = chunk.trim_end_matches('.').split(['/', '-', '.']).collect();
    match numbers.as_slice() {
        [single] => {
            let value: u32 = single.parse().ok()?;
            if single.len() == 4 {
                parts.year = Some(value as i32);
            } else if parts.day.is_none() && (1..=31).contains(&value) {
                parts.day = Some(value);
            } else if parts.year.is_none() && single.len() == 2 {
                parts.year = Some(2000 + value as i32);
            } else {
                return None;
            }
        }
        [a, b, c] => {
            let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
            let mut year: i32 = year.parse().ok()?;
            if year < 100 {
                year += 2000;
            }
            parts.year = Some(year);
            parts.month = Some(month.parse().ok()?);
            parts.day = Some(day.parse().ok()?);
        }
        _ => return None,
    }
    Some(())
}

fn is_french_time(chunk: &str) -> bool {
    // "10h30", "10h"
    chunk.split_once('h').is_some_and(|(hours, minutes)| {
        !hours.is_empty()
            && hours.bytes().all(|b| b.is_ascii_digit())
            && minutes.bytes().all(|b| b.is_ascii_digit())
    })
}

fn split_clock_offset(chunk: &str) -> (&str, Option<(char, &str)>) {
    if let Some(clock) = chunk.strip_suffix('z') {
        return (clock, Some(('+', "z")));
    }
    match chunk.find(['+', '-']) {
        Some(position) => (
            &chunk[..position],
            Some((chunk.as_bytes()[position] as char, &chunk[position + 1..])),
        ),
        None => (chunk, None),
    }
}

/// `10:30`, `10:30:15.250`, `10h30`; `24:00` is midnight of the next day.
fn parse_clock(clock: &str) -> Option<(NaiveTime, bool)> {
    let mut fields = clock.split([':', 'h']);
    let hours: u32 = fields.next()?.parse().ok()?;
    let minutes: u32 = match fields.next() {
        Some("") | None => 0,
        Some(minutes) => minutes.parse().ok()?,
    };
    let seconds: u32 = match fields.next() {
        Some(seconds) => seconds.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if hours == 24 && minutes == 0 && seconds == 0 {
        return Some((NaiveTime::MIN, true));
    }
    Some((NaiveTime::from_hms_opt(hours, minutes, seconds)?, false))
}

/// `0200`, `02:00` or `2` → seconds east of UTC.
fn parse_offset(text: &str, negative: bool) -> Option<i32> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != text.len() - text.matches(':').count() {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    let seconds = hours * 3600 + minutes * 60;
    Some(if negative { -seconds } else { seconds })
}

fn zone_offset(word: &str) -> Option<i32> {
    let hours = match word {
        "gmt" | "utc" | "ut" | "z" => 0,
        "wat" | "cet" | "bst" | "west" => 1,
        "cest" | "eet" | "cat" | "sast" => 2,
        "eest" | "msk" | "eat" => 3,
        "est" => -5,
        "edt" => -4,
        "cdt" => -5,
        "cst" => -6,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        _ => return None,
    };
    Some(hours * 3600)
}

fn is_weekday(word: &str) -> bool {
    const WEEKDAYS: &[&str] = &[
        // French
        "lundi",
        "lun",
        "mardi",
        "mar",
        "mercredi",
        "mer",
        "jeudi",
        "jeu",
        "vendredi",
        "ven",
        "samedi",
        "sam",
        "dimanche",
        "dim", // English
        "monday",
        "mon",
        "tuesday",
        "tue",
        "tues",
        "wednesday",
        "wed",
        "thursday",
        "thu",
        "thur",
        "thurs",
        "friday",
        "fri",
        "saturday",
        "sat",
        "sunday",
        "sun", // Spanish
        "lunes",
        "martes",
        "miércoles",
        "miercoles",
        "mié",
        "jueves",
        "jue",
        "viernes",
        "vie",
        "sábado",
        "sabado",
        "sáb",
        "domingo",
        "dom", // Portuguese
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "seg",
        "ter",
        "qua",
        "qui",
        "sex", // German
        "montag",
        "mo",
        "dienstag",
        "di",
        "mittwoch",
        "mi",
        "donnerstag",
        "do",
        "freitag",
        "fr",
        "samstag",
        "sa",
        "sonntag",
        "so",
    ];
    WEEKDAYS.contains(&word)
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &[
            "janvier", "janv", "jan", "january", "enero", "ene", "janeiro", "januar", "jän",
        ],
        &[
            "février",
            "fevrier",
            "févr",
            "fevr",
            "fév",
            "fev",
            "february",
            "feb",
            "febrero",
            "fevereiro",
            "februar",
        ],
        &[
            "mars", "mar", "march", "marzo", "março", "marco", "märz", "mrz",
        ],
        &["avril", "avr", "april", "apr", "abril", "abr"],
        &["mai", "may", "mayo", "maio"],
        &["juin", "june", "jun", "junio", "junho", "juni"],
        &["juillet", "juil", "july", "jul", "julio", "julho", "juli"],
        &[
            "août", "aout", "aoû", "aou", "august", "aug", "agosto", "ago",
        ],
        &[
            "septembre",
            "sept",
            "sep",
            "september",
            "septiembre",
            "setiembre",
            "setembro",
            "set",
        ],
        &[
            "octobre", "oct", "october", "octubre", "outubro", "out", "oktober", "okt",
        ],
        &["novembre", "nov", "november", "noviembre", "novembro"],
        &[
            "décembre",
            "decembre",
            "déc",
            "dec",
            "december",
            "diciembre",
            "dic",
            "dezembro",
            "dez",
            "dezember",
        ],
    ];
    MONTHS
        .iter()
        .position(|names| names.contains(&word))
        .map(|index| index as u32 + 1)
}

fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "le" | "à" | "a" | "at" | "um" | "de" | "del" | "the" | "on" | "h" | "am"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> String {
        parse_date(text)
            .unwrap_or_else(|| panic!("could not parse {text:?}"))
            .to_rfc3339()
    }

    #[test]
    fn standard_formats() {
        assert_eq!(
            iso("2026-11-02T08:15:00+01:00"),
            "2026-11-02T07:15:00+00:00"
        );
        assert_eq!(
            iso("Mon, 02 Nov 2026 08:15:00 +0000"),
            "2026-11-02T08:15:00+00:00"
        );
        assert_eq!(iso("2026-11-02 08:15:00"), "2026-11-02T08:15:00+00:00");
    }

    #[test]
    fn french_formats_from_the_wild() {
        assert_eq!(
            iso("ven., 03 juil. 2020 10:00:00 +0200"),
            "2020-07-03T08:00:00+00:00"
        );
        assert_eq!(iso("ven., 03 juil. 2020"), "2020-07-03T00:00:00+00:00");
        assert_eq!(iso("Lundi, 16. Novembre 2020"), "2020-11-16T00:00:00+00:00");
        assert_eq!(
            iso("mar., 07 juil. 2020 09:30 GMT"),
            "2020-07-07T09:30:00+00:00"
        );
        assert_eq!(iso("1 juillet 2025"), "2025-07-01T00:00:00+00:00");
        assert_eq!(iso("le 12 août 2025 à 14h30"), "2025-08-12T14:30:00+00:00");
        assert_eq!(iso("01/07/2025"), "2025-07-01T00:00:00+00:00");
        assert_eq!(
            iso("Jeudi 3 Décembre 2020 - 18:05"),
            "2020-12-03T18:05:00+00:00"
        );
    }

    #[test]
    fn other_languages_and_sloppy_english() {
        assert_eq!(
            iso("Thurs, 13 Jul 2011 07:38:00 GMT"),
            "2011-07-13T07:38:00+00:00"
        );
        assert_eq!(
            iso("Montag, 16. November 2020 12:00"),
            "2020-11-16T12:00:00+00:00"
        );
        assert_eq!(
            iso("sáb, 4 abr 2020 10:00:00 -0300"),
            "2020-04-04T13:00:00+00:00"
        );
        assert_eq!(iso("November 16, 2020"), "2020-11-16T00:00:00+00:00");
    }

    #[test]
    fn clocks_and_zones() {
        assert_eq!(iso("Nov 2, 2026 12:30 am"), "2026-11-02T00:30:00+00:00");
        assert_eq!(iso("Nov 2, 2026 3:05 pm EAT"), "2026-11-02T12:05:00+00:00");
        assert_eq!(iso("02/11/2026 24:00"), "2026-11-03T00:00:00+00:00");
        assert_eq!(iso("2026-11-02T08:15:00.000"), "2026-11-02T08:15:00+00:00");
        assert_eq!(
            iso("2 novembre 2026 10:00 CAT"),
            "2026-11-02T08:00:00+00:00"
        );
    }

    #[test]
    fn nonsense_is_rejected() {
        for text in [
            "",
            "hier",
            "bientôt",
            "32 juillet 2020",
            "Lundi",
            "2020",
            "yesterday at noon",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }
}
