//! Dates as feeds and listing pages actually write them.
//!
//! RFC 3339 and RFC 2822 first; then a lenient reading for what French,
//! Spanish, Portuguese and German CMSs put in `pubDate`:
//! `ven., 03 juil. 2020 10:00:00 +0200`, `Lundi, 16. Novembre 2020`,
//! `03/07/2020 10h30`, `1er juillet 2025`, `Publié le 1 juillet 2025`.
//! Numeric dates are read day-first, as everywhere these outlets publish.
//!
//! Feeds: a date without an offset is taken as UTC ([`parse_date`]).
//! Listing pages ([`parse_listing_date`]) are written for local readers, so
//! their offset-less dates are wall-clock times in the source's zone, and they
//! also say `il y a 3 heures` or `hier à 14h20`, which only mean something
//! against the fetch time.

use chrono::{
    DateTime, FixedOffset, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// How far past its fetch a date may be and still be believed: a source that
/// writes local time as UTC is a few hours ahead, never days.
pub const FUTURE_SLACK: TimeDelta = TimeDelta::days(1);

/// The earliest date a document is believed to carry. News watched as it is
/// published is not older; a date before this is a CMS's placeholder or a
/// typo, and the index could not even sort a date before 1678.
pub fn earliest_published() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(1900, 1, 1)
        .expect("a valid day")
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// The date a document is shown at: `published` if it is plausible for a
/// document fetched at `fetched`, else `None` (the caller then shows the
/// time it was first seen, flagged as such). A date in the future or before
/// [`earliest_published`] would sort first in "newest first", match every
/// `since:` and stretch the timeline.
pub fn plausible_published(
    published: Option<DateTime<Utc>>,
    fetched: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    published.filter(|date| {
        *date >= earliest_published()
            && fetched
                .checked_add_signed(FUTURE_SLACK)
                .is_none_or(|latest| *date <= latest)
    })
}

/// Parses a feed or page date, or `None` if it cannot be read with confidence.
///
/// A date that does not state its offset is taken as UTC: feeds are written
/// for machines, and most CMSs that drop the offset store UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    match read_absolute(text)? {
        Reading::Instant(date) => Some(date),
        Reading::Wall(naive) => Some(Utc.from_utc_datetime(&naive)),
    }
}

/// A date as a listing page shows it, or `None` if it cannot be read with
/// confidence.
///
/// Accepted: absolute dates (`1 juillet 2025`, `01/07/2025`,
/// `1er juillet 2025 à 10h30`, `July 1, 2025`, `Jul 1, 2025 10:30 AM`, ISO),
/// optionally behind a label (`Publié le`, `Posted on`, `Mis à jour le`);
/// dates relative to `now` (`il y a 3 heures`, `il y a une heure`,
/// `5 min ago`, `2 weeks ago`, `il y a 2 mois`, `hier`, `hier à 14h20`,
/// `avant-hier`, `aujourd'hui`, `yesterday`, `today`, `just now`,
/// `à l'instant`).
///
/// When `format` is given (a chrono strftime format, for a site the automatic
/// reading gets wrong) only that format is tried: an operator who wrote one
/// knows the site, and a second guess would silently misread its dates. The
/// format may describe a date, a date and time, or a date, time and offset.
///
/// Times without an offset, and the calendar days `hier`/`today` refer to,
/// are in `timezone`; a date alone is midnight there. Spans (`il y a 3
/// heures`, `2 days ago`) are subtracted from `now` exactly, as precise as the
/// site lets us be.
pub fn parse_listing_date(
    text: &str,
    format: Option<&str>,
    timezone: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(format) = format {
        return read_with_format(text, format, timezone);
    }
    if let Some(date) = read_relative(text, timezone, now) {
        return Some(date);
    }
    match read_absolute(text)? {
        Reading::Instant(date) => Some(date),
        Reading::Wall(naive) => wall_to_utc(naive, timezone),
    }
}

/// What an absolute date says: an instant when it states its offset, else a
/// wall-clock time whose zone the caller has to supply.
enum Reading {
    Instant(DateTime<Utc>),
    Wall(NaiveDateTime),
}

fn read_absolute(text: &str) -> Option<Reading> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(Reading::Instant(date.with_timezone(&Utc)));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(Reading::Instant(date.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(Reading::Instant(date.with_timezone(&Utc)));
        }
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Reading::Wall(date));
        }
    }
    lenient(text)
}

/// A wall-clock time in `timezone` as an instant.
///
/// In the hour a DST change repeats, the earlier instant is taken; in the hour
/// it skips, the writer's clock had already moved on, so the time is read an
/// hour later.
fn wall_to_utc(naive: NaiveDateTime, timezone: Tz) -> Option<DateTime<Utc>> {
    let local = match timezone.from_local_datetime(&naive) {
        LocalResult::Single(date) | LocalResult::Ambiguous(date, _) => date,
        LocalResult::None => timezone
            .from_local_datetime(&naive.checked_add_signed(TimeDelta::hours(1))?)
            .earliest()?,
    };
    Some(local.with_timezone(&Utc))
}

fn read_with_format(text: &str, format: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_str(text, format) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
        return wall_to_utc(naive, timezone);
    }
    let date = NaiveDate::parse_from_str(text, format).ok()?;
    wall_to_utc(date.and_time(NaiveTime::MIN), timezone)
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

impl Parts {
    /// Reads every piece of `text`; `None` as soon as one is not part of a
    /// date, so that prose containing a number is never taken for a date.
    fn read(text: &str) -> Option<Parts> {
        let lower = text.to_lowercase();
        let mut parts = Parts::default();
        for chunk in lower.split(|c: char| c.is_whitespace() || c == ',') {
            let chunk = chunk.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '|'));
            // Separators: "-", "|", "•", "—", "·"…
            if chunk.chars().all(|c| !c.is_alphanumeric()) {
                continue;
            }
            read_chunk(chunk, &mut parts)?;
        }
        Some(parts)
    }

    /// The time of day, with "am"/"pm" applied; midnight if none was given.
    fn time_of_day(&self) -> Option<NaiveTime> {
        let time = self.time.unwrap_or_default();
        match (self.afternoon, time.hour()) {
            (Some(true), hour @ 1..=11) => time.with_hour(hour + 12),
            (Some(false), 12) => time.with_hour(0),
            _ => Some(time),
        }
    }

    fn has_date(&self) -> bool {
        self.day.is_some() || self.month.is_some() || self.year.is_some()
    }
}

fn lenient(text: &str) -> Option<Reading> {
    let parts = Parts::read(text)?;
    let mut date = NaiveDate::from_ymd_opt(parts.year?, parts.month?, parts.day?)?;
    if parts.next_day {
        date = date.succ_opt()?;
    }
    let naive = date.and_time(parts.time_of_day()?);
    match parts.offset {
        None => Some(Reading::Wall(naive)),
        Some(offset) => FixedOffset::east_opt(offset)?
            .from_local_datetime(&naive)
            .single()
            .map(|date| Reading::Instant(date.with_timezone(&Utc))),
    }
}

/// Reads one whitespace-separated piece; `None` means the text is not a date.
fn read_chunk(chunk: &str, parts: &mut Parts) -> Option<()> {
    let first = chunk.chars().next()?;
    if (first == '+' || first == '-') && chunk.len() > 1 {
        parts.offset = Some(parse_offset(&chunk[1..], first == '-')?);
        return Some(());
    }
    if first.is_alphabetic() {
        // "juil.", "Publié le:"
        let word = chunk.trim_end_matches(['.', ':']);
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
    if let Some(day) = ordinal_day(chunk) {
        if parts.day.is_some() {
            return None;
        }
        parts.day = Some(day);
        return Some(());
    }
    // "10:30am", "3pm"
    let (chunk, meridiem) = split_meridiem(chunk);
    if meridiem.is_some() {
        parts.afternoon = meridiem;
    }
    // "10:00:00+01:00", "10:00Z"
    if chunk.contains(':') || is_french_time(chunk) || meridiem.is_some() {
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

/// `1er`, `1re`, `2e`, `3ème`, `1st`, `22nd`, `3rd`, `4th`: a day of the month.
fn ordinal_day(chunk: &str) -> Option<u32> {
    let digits = chunk.bytes().take_while(u8::is_ascii_digit).count();
    let (number, suffix) = chunk.split_at(digits);
    if !matches!(
        suffix,
        "er" | "re" | "e" | "ème" | "eme" | "st" | "nd" | "rd" | "th"
    ) || !(1..=2).contains(&number.len())
    {
        return None;
    }
    number.parse().ok().filter(|day| (1..=31).contains(day))
}

/// Splits an "am"/"pm" glued to a clock (`10:30am`, `3pm`) from it.
fn split_meridiem(chunk: &str) -> (&str, Option<bool>) {
    for (suffix, afternoon) in [("am", false), ("a.m.", false), ("pm", true), ("p.m.", true)] {
        if let Some(clock) = chunk.strip_suffix(suffix)
            && clock.ends_with(|c: char| c.is_ascii_digit())
        {
            return (clock, Some(afternoon));
        }
    }
    (chunk, None)
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
        "le" | "à" | "a" | "at" | "um" | "de" | "del" | "the" | "on" | "h" | "am" | "of"
    ) || is_label(word)
}

/// Words of the label listing pages put before a date: "Publié le",
/// "Posted on", "Mis à jour le", "Last updated".
fn is_label(word: &str) -> bool {
    matches!(
        word,
        "publié"
            | "publiée"
            | "publie"
            | "publiee"
            | "posted"
            | "published"
            | "updated"
            | "last"
            | "mis"
            | "mise"
            | "jour"
            | "modifié"
            | "modifiée"
            | "modifie"
            | "date"
    )
}

/// `il y a 3 heures`, `hier à 14h20`, `2 weeks ago`, `à l'instant`…
fn read_relative(text: &str, timezone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = text
        .to_lowercase()
        .replace(['\u{2019}', '`', '\u{b4}'], "'");
    let all: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|token| token.trim_end_matches(['.', ':', '!']))
        .filter(|token| token.chars().any(char::is_alphanumeric))
        .collect();
    // Drop a leading label: "Publié il y a 3 heures", "Mis à jour hier".
    let mut start = 0;
    while let Some(&token) = all.get(start) {
        let label = is_label(token)
            || matches!(token, "le" | "on" | "à")
            || (token == "a" && all.get(start + 1) == Some(&"jour"));
        if !label {
            break;
        }
        start += 1;
    }
    let tokens = &all[start..];
    match tokens {
        ["l'instant" | "now" | "maintenant"] | ["a", "l'instant"] | ["just", "now"] => Some(now),
        ["il", "y", "a", span @ ..] => before(now, span),
        [span @ .., "ago"] => before(now, span),
        ["avant-hier", rest @ ..] | ["avant", "hier", rest @ ..] => {
            day_before(now, timezone, 2, rest)
        }
        ["hier" | "yesterday", rest @ ..] => day_before(now, timezone, 1, rest),
        ["aujourd'hui" | "today", rest @ ..] => day_before(now, timezone, 0, rest),
        _ => None,
    }
}

/// `now` minus a span such as `3 heures`, `une heure`, `5min`,
/// `1 heure et 20 minutes`, `2 mois`.
fn before(now: DateTime<Utc>, span: &[&str]) -> Option<DateTime<Utc>> {
    let mut seconds: i64 = 0;
    let mut months: u32 = 0;
    let mut count: Option<u32> = None;
    let mut read_any = false;
    for &token in span {
        let (number, unit) = match count.take() {
            // After a count only a unit may come.
            Some(number) => (number, token),
            None => {
                if matches!(token, "et" | "and") {
                    continue;
                }
                if matches!(token, "un" | "une" | "a" | "an" | "one") {
                    count = Some(1);
                    continue;
                }
                let digits = token.bytes().take_while(u8::is_ascii_digit).count();
                let (number, unit) = token.split_at(digits);
                let number: u32 = number.parse().ok()?;
                if unit.is_empty() {
                    count = Some(number);
                    continue;
                }
                // "3h", "5min", "2j"
                (number, unit)
            }
        };
        match span_unit(unit)? {
            Unit::Seconds(length) => {
                seconds = seconds.checked_add(i64::from(number).checked_mul(length)?)?;
            }
            Unit::Months(length) => months = months.checked_add(number.checked_mul(length)?)?,
        }
        read_any = true;
    }
    if count.is_some() || !read_any {
        return None;
    }
    now.checked_sub_signed(TimeDelta::try_seconds(seconds)?)?
        .checked_sub_months(Months::new(months))
}

enum Unit {
    Seconds(i64),
    /// Months differ in length, so they are counted on the calendar.
    Months(u32),
}

fn span_unit(word: &str) -> Option<Unit> {
    Some(match word {
        "s" | "sec" | "secs" | "seconde" | "secondes" | "second" | "seconds" => Unit::Seconds(1),
        "mn" | "min" | "mins" | "minute" | "minutes" => Unit::Seconds(60),
        "h" | "hr" | "hrs" | "heure" | "heures" | "hour" | "hours" => Unit::Seconds(3600),
        "j" | "jour" | "jours" | "d" | "day" | "days" => Unit::Seconds(86_400),
        "sem" | "semaine" | "semaines" | "wk" | "wks" | "week" | "weeks" => {
            Unit::Seconds(7 * 86_400)
        }
        "mois" | "month" | "months" => Unit::Months(1),
        "an" | "ans" | "année" | "années" | "annee" | "annees" | "year" | "years" | "yr"
        | "yrs" => Unit::Months(12),
        _ => return None,
    })
}

/// The calendar day `days` before `now`'s day in `timezone`, at the time of
/// day in `rest` (`à 14h20`, `at 2:20 pm`) or at midnight.
fn day_before(now: DateTime<Utc>, timezone: Tz, days: u64, rest: &[&str]) -> Option<DateTime<Utc>> {
    let parts = Parts::read(&rest.join(" "))?;
    if parts.has_date() || parts.next_day {
        return None;
    }
    let day = now
        .with_timezone(&timezone)
        .date_naive()
        .checked_sub_days(chrono::Days::new(days))?;
    let naive = day.and_time(parts.time_of_day()?);
    match parts.offset {
        None => wall_to_utc(naive, timezone),
        Some(offset) => FixedOffset::east_opt(offset)?
            .from_local_datetime(&naive)
            .single()
            .map(|date| date.with_timezone(&Utc)),
    }
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
    #[test]
    fn feed_reading_gains_ordinals_labels_and_glued_meridiems() {
        assert_eq!(iso("1er juillet 2025"), "2025-07-01T00:00:00+00:00");
        assert_eq!(iso("July 1st, 2025"), "2025-07-01T00:00:00+00:00");
        assert_eq!(iso("Publié le 1 juillet 2025"), "2025-07-01T00:00:00+00:00");
        assert_eq!(iso("Jul 1, 2025 10:30pm"), "2025-07-01T22:30:00+00:00");
        assert_eq!(iso("1 juillet 2025 • 10:30"), "2025-07-01T10:30:00+00:00");
        assert_eq!(parse_date("1er 2 juillet 2025"), None);
    }

    use chrono_tz::Africa::{Bamako, Lagos};
    use chrono_tz::Europe::Paris;

    /// Thursday 10 July 2025, noon UTC: noon in Bamako, 13:00 in Lagos, 14:00
    /// in Paris.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 7, 10, 12, 0, 0).unwrap()
    }

    fn listing_at(text: &str, timezone: Tz, now: DateTime<Utc>) -> String {
        parse_listing_date(text, None, timezone, now)
            .unwrap_or_else(|| panic!("could not parse {text:?} in {timezone}"))
            .to_rfc3339()
    }

    fn listing(text: &str, timezone: Tz) -> String {
        listing_at(text, timezone, now())
    }

    #[test]
    fn listing_absolute_dates() {
        // Bamako keeps UTC all year: the wall-clock time is the instant.
        for (text, expected) in [
            ("1 juillet 2025", "2025-07-01T00:00:00+00:00"),
            ("01/07/2025", "2025-07-01T00:00:00+00:00"),
            ("1er juillet 2025 à 10h30", "2025-07-01T10:30:00+00:00"),
            ("July 1, 2025", "2025-07-01T00:00:00+00:00"),
            ("July 1st, 2025", "2025-07-01T00:00:00+00:00"),
            ("Jul 1, 2025 10:30 AM", "2025-07-01T10:30:00+00:00"),
            ("Jul 1, 2025 10:30 PM", "2025-07-01T22:30:00+00:00"),
            ("2025-07-01", "2025-07-01T00:00:00+00:00"),
            ("2025-07-01T10:30:00", "2025-07-01T10:30:00+00:00"),
            ("2025-07-01T10:30:00+02:00", "2025-07-01T08:30:00+00:00"),
            ("Mardi 1 juillet 2025 - 10:30", "2025-07-01T10:30:00+00:00"),
        ] {
            assert_eq!(listing(text, Bamako), expected, "{text:?}");
        }
    }

    #[test]
    fn listing_labels_before_the_date_are_skipped() {
        for (text, expected) in [
            ("Publié le 1 juillet 2025", "2025-07-01T00:00:00+00:00"),
            (
                "Publié le : 01/07/2025 à 10h30",
                "2025-07-01T10:30:00+00:00",
            ),
            ("Posted on July 1, 2025", "2025-07-01T00:00:00+00:00"),
            (
                "Mis à jour le 1er juillet 2025",
                "2025-07-01T00:00:00+00:00",
            ),
            ("Last updated: Jul 1, 2025", "2025-07-01T00:00:00+00:00"),
            ("Publié il y a 3 heures", "2025-07-10T09:00:00+00:00"),
            ("Mis à jour hier à 14h20", "2025-07-09T14:20:00+00:00"),
            ("Updated 3 hours ago", "2025-07-10T09:00:00+00:00"),
        ] {
            assert_eq!(listing(text, Bamako), expected, "{text:?}");
        }
    }

    #[test]
    fn listing_wall_clock_times_are_read_in_the_source_zone() {
        // Lagos is UTC+1 all year.
        assert_eq!(
            listing("1 juillet 2025", Lagos),
            "2025-06-30T23:00:00+00:00"
        );
        assert_eq!(
            listing("1er juillet 2025 à 10h30", Lagos),
            "2025-07-01T09:30:00+00:00"
        );
        // Paris is UTC+2 in summer, UTC+1 in winter.
        assert_eq!(
            listing("Jul 1, 2025 10:30 AM", Paris),
            "2025-07-01T08:30:00+00:00"
        );
        assert_eq!(
            listing("15 janvier 2025 10:00", Paris),
            "2025-01-15T09:00:00+00:00"
        );
        // A stated offset or zone wins over the source's zone.
        for text in [
            "2025-07-01T10:30:00Z",
            "2025-07-01T10:30:00+00:00",
            "Tue, 01 Jul 2025 10:30:00 GMT",
            "1 juillet 2025 10:30 UTC",
        ] {
            assert_eq!(
                listing(text, Paris),
                "2025-07-01T10:30:00+00:00",
                "{text:?}"
            );
        }
        // The hour Paris skips in March is read on the new clock; the hour it
        // repeats in October as its first occurrence.
        assert_eq!(
            listing("30/03/2025 02:30", Paris),
            "2025-03-30T01:30:00+00:00"
        );
        assert_eq!(
            listing("26/10/2025 02:30", Paris),
            "2025-10-26T00:30:00+00:00"
        );
    }

    #[test]
    fn listing_spans_are_subtracted_exactly() {
        for (text, expected) in [
            ("il y a 3 heures", "2025-07-10T09:00:00+00:00"),
            ("Il y a une heure", "2025-07-10T11:00:00+00:00"),
            ("il y a 2 jours", "2025-07-08T12:00:00+00:00"),
            ("il y a 5 min", "2025-07-10T11:55:00+00:00"),
            ("il y a 30 secondes", "2025-07-10T11:59:30+00:00"),
            ("il y a 3h", "2025-07-10T09:00:00+00:00"),
            ("il y a 1 heure et 20 minutes", "2025-07-10T10:40:00+00:00"),
            ("il y a 2 semaines", "2025-06-26T12:00:00+00:00"),
            ("il y a 3 mois", "2025-04-10T12:00:00+00:00"),
            ("il y a 1 an", "2024-07-10T12:00:00+00:00"),
            ("3 hours ago", "2025-07-10T09:00:00+00:00"),
            ("an hour ago", "2025-07-10T11:00:00+00:00"),
            ("5 mins ago", "2025-07-10T11:55:00+00:00"),
            ("a day ago", "2025-07-09T12:00:00+00:00"),
            ("2 weeks ago", "2025-06-26T12:00:00+00:00"),
            ("a month ago", "2025-06-10T12:00:00+00:00"),
            ("2 years ago", "2023-07-10T12:00:00+00:00"),
            ("just now", "2025-07-10T12:00:00+00:00"),
            ("à l'instant", "2025-07-10T12:00:00+00:00"),
            ("À l’instant", "2025-07-10T12:00:00+00:00"),
        ] {
            // A span does not depend on the zone.
            for timezone in [Bamako, Lagos, Paris] {
                assert_eq!(listing(text, timezone), expected, "{text:?} in {timezone}");
            }
        }
    }

    #[test]
    fn listing_named_days_are_calendar_days_in_the_source_zone() {
        for (text, bamako, lagos, paris) in [
            (
                "hier",
                "2025-07-09T00:00:00+00:00",
                "2025-07-08T23:00:00+00:00",
                "2025-07-08T22:00:00+00:00",
            ),
            (
                "hier à 14h20",
                "2025-07-09T14:20:00+00:00",
                "2025-07-09T13:20:00+00:00",
                "2025-07-09T12:20:00+00:00",
            ),
            (
                "Hier, 14:20",
                "2025-07-09T14:20:00+00:00",
                "2025-07-09T13:20:00+00:00",
                "2025-07-09T12:20:00+00:00",
            ),
            (
                "avant-hier",
                "2025-07-08T00:00:00+00:00",
                "2025-07-07T23:00:00+00:00",
                "2025-07-07T22:00:00+00:00",
            ),
            (
                "aujourd'hui",
                "2025-07-10T00:00:00+00:00",
                "2025-07-09T23:00:00+00:00",
                "2025-07-09T22:00:00+00:00",
            ),
            (
                "Aujourd’hui à 08h15",
                "2025-07-10T08:15:00+00:00",
                "2025-07-10T07:15:00+00:00",
                "2025-07-10T06:15:00+00:00",
            ),
            (
                "yesterday",
                "2025-07-09T00:00:00+00:00",
                "2025-07-08T23:00:00+00:00",
                "2025-07-08T22:00:00+00:00",
            ),
            (
                "Yesterday at 2:20 pm",
                "2025-07-09T14:20:00+00:00",
                "2025-07-09T13:20:00+00:00",
                "2025-07-09T12:20:00+00:00",
            ),
            (
                "today",
                "2025-07-10T00:00:00+00:00",
                "2025-07-09T23:00:00+00:00",
                "2025-07-09T22:00:00+00:00",
            ),
        ] {
            assert_eq!(listing(text, Bamako), bamako, "{text:?} in Bamako");
            assert_eq!(listing(text, Lagos), lagos, "{text:?} in Lagos");
            assert_eq!(listing(text, Paris), paris, "{text:?} in Paris");
        }
        // 23:30 UTC is already tomorrow in Lagos: "today" is the Lagos day.
        let late = Utc.with_ymd_and_hms(2025, 7, 10, 23, 30, 0).unwrap();
        assert_eq!(
            listing_at("aujourd'hui", Lagos, late),
            "2025-07-10T23:00:00+00:00"
        );
        assert_eq!(listing_at("hier", Lagos, late), "2025-07-09T23:00:00+00:00");
        assert_eq!(
            listing_at("aujourd'hui", Bamako, late),
            "2025-07-10T00:00:00+00:00"
        );
    }

    #[test]
    fn listing_format_is_honoured_and_exclusive() {
        let read = |text: &str, format: &str, timezone: Tz| {
            parse_listing_date(text, Some(format), timezone, now()).map(|date| date.to_rfc3339())
        };
        assert_eq!(
            read("01.07.2025", "%d.%m.%Y", Bamako).as_deref(),
            Some("2025-07-01T00:00:00+00:00")
        );
        assert_eq!(
            read("01.07.2025", "%d.%m.%Y", Paris).as_deref(),
            Some("2025-06-30T22:00:00+00:00")
        );
        assert_eq!(
            read("01.07.2025 10:30", "%d.%m.%Y %H:%M", Paris).as_deref(),
            Some("2025-07-01T08:30:00+00:00")
        );
        assert_eq!(
            read("2025-07-01 10:30 +0100", "%Y-%m-%d %H:%M %z", Paris).as_deref(),
            Some("2025-07-01T09:30:00+00:00")
        );
        // A US site: month first, which the automatic reading never assumes.
        assert_eq!(
            read("07/01/2025", "%m/%d/%Y", Bamako).as_deref(),
            Some("2025-07-01T00:00:00+00:00")
        );
        assert_eq!(listing("07/01/2025", Bamako), "2025-01-07T00:00:00+00:00");
        // Only the format is tried.
        for text in ["1 juillet 2025", "il y a 3 heures", "hier", "2025-07-01"] {
            assert_eq!(read(text, "%d.%m.%Y", Bamako), None, "{text:?}");
        }
        // A broken or incomplete format reads nothing, and does not panic.
        assert_eq!(read("01.07.2025", "%Q", Bamako), None);
        assert_eq!(read("01.07", "%d.%m", Bamako), None);
    }

    #[test]
    fn listing_garbage_is_rejected() {
        for text in [
            "",
            "   ",
            "bientôt",
            "il y a",
            "il y a longtemps",
            "il y a 3",
            "il y a heures",
            "il y a -3 heures",
            "il y a 3 heures 4",
            "3 ago",
            "ago",
            "hier soir",
            "hier 3",
            "hier 3 juillet",
            "yesterday at noon",
            "Lundi",
            "32 juillet 2020",
            "0 commentaire",
            "Par Moussa Traoré",
            "il y a 99999999999 heures",
            "il y a 4000000000 ans",
            "il y a 4000000000 jours",
        ] {
            for timezone in [Bamako, Paris] {
                assert_eq!(
                    parse_listing_date(text, None, timezone, now()),
                    None,
                    "{text:?}"
                );
            }
        }
    }
}
