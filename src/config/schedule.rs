//! When a source is fetched: a crontab line in a time zone, or a plain interval.
//!
//! Cron expressions go through croner because it reads them as crontab does
//! (five fields, Sunday is 0 or 7, optional leading seconds field); the `cron`
//! crate wants seconds and counts Sunday as 1, so a line copied from a crontab
//! would fire on the wrong day.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A parsed `schedule` value.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// A cron expression, evaluated in `timezone`.
    Cron {
        /// The expression as written, for messages and the status page.
        expression: String,
        /// The parsed expression.
        cron: Box<croner::Cron>,
        /// The zone its hours are read in.
        timezone: Tz,
    },
    /// `every 15m`: a fixed interval from the previous run.
    Every(Duration),
}

/// Why a schedule could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// A cron expression croner rejects.
    #[error("invalid cron expression {expression:?}: {reason}")]
    Cron {
        /// The expression as written.
        expression: String,
        /// Why croner rejected it.
        reason: String,
    },
    /// An `every …` interval that is unreadable or too short.
    #[error("invalid interval {text:?}: {reason} (write e.g. \"every 15m\", \"every 2h\")")]
    Interval {
        /// The value as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An unknown time zone name, with the message to show.
    #[error("{0}")]
    TimeZone(String),
}

/// Intervals shorter than this would hammer a server; nobody needs a news
/// source more often.
const SHORTEST_INTERVAL: Duration = Duration::from_secs(10);

/// Longer intervals would overflow date arithmetic, and mean nothing.
const LONGEST_INTERVAL: Duration = Duration::from_secs(366 * 86_400);

impl Schedule {
    /// Reads a schedule. `timezone` applies to cron expressions that do not
    /// carry their own `CRON_TZ=`/`TZ=` prefix.
    pub fn parse(text: &str, timezone: Tz) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if let Some(interval) = text.strip_prefix("every ") {
            let interval = interval.trim();
            let every =
                humantime::parse_duration(interval).map_err(|err| ScheduleError::Interval {
                    text: text.to_owned(),
                    reason: err.to_string(),
                })?;
            if every > LONGEST_INTERVAL {
                return Err(ScheduleError::Interval {
                    text: text.to_owned(),
                    reason: "longer than the maximum of a year".to_owned(),
                });
            }
            if every < SHORTEST_INTERVAL {
                return Err(ScheduleError::Interval {
                    text: text.to_owned(),
                    reason: format!(
                        "shorter than the minimum of {}s",
                        SHORTEST_INTERVAL.as_secs()
                    ),
                });
            }
            return Ok(Schedule::Every(every));
        }

        let (timezone, expression) = match split_timezone_prefix(text) {
            Some((name, rest)) => (
                super::parse_timezone(name).map_err(ScheduleError::TimeZone)?,
                rest,
            ),
            None => (timezone, text),
        };
        let cron = croner::Cron::from_str(expression).map_err(|err| ScheduleError::Cron {
            expression: expression.to_owned(),
            reason: err.to_string(),
        })?;
        // A pattern can parse yet never fire (31 February); catch it now
        // rather than leave a feed silently unscheduled.
        let now = Utc::now().with_timezone(&timezone);
        cron.find_next_occurrence(&now, false)
            .map_err(|err| ScheduleError::Cron {
                expression: expression.to_owned(),
                reason: format!("never fires: {err}"),
            })?;
        let schedule = Schedule::Cron {
            expression: expression.to_owned(),
            cron: Box::new(cron),
            timezone,
        };
        if schedule.typical_period(Utc::now()) < SHORTEST_INTERVAL {
            return Err(ScheduleError::Cron {
                expression: expression.to_owned(),
                reason: format!(
                    "fires more often than every {}s, the shortest allowed",
                    SHORTEST_INTERVAL.as_secs()
                ),
            });
        }
        Ok(schedule)
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Schedule::Every(every) => {
                after + chrono::Duration::from_std(*every).unwrap_or_default()
            }
            Schedule::Cron { cron, timezone, .. } => cron
                .find_next_occurrence(&after.with_timezone(timezone), false)
                .map(|next| next.with_timezone(&Utc))
                // Validated at parse time; a pattern that stops firing
                // years from now falls back to a daily run.
                .unwrap_or_else(|_| after + chrono::Duration::days(1)),
        }
    }

    /// Roughly how far apart runs are, to size the jitter added to each run.
    pub fn typical_period(&self, around: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Every(every) => *every,
            Schedule::Cron { .. } => {
                let first = self.next_after(around);
                let second = self.next_after(first);
                (second - first).to_std().unwrap_or(Duration::from_secs(60))
            }
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(every) => write!(f, "every {}", humantime::format_duration(*every)),
            Schedule::Cron {
                expression,
                timezone,
                ..
            } => write!(f, "{expression} ({timezone})"),
        }
    }
}

/// Splits `CRON_TZ=Africa/Dakar 0 7 * * *` (cronie's syntax) or `TZ=…` into
/// the zone name and the expression.
fn split_timezone_prefix(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("CRON_TZ=")
        .or_else(|| text.strip_prefix("TZ="))?;
    let (name, expression) = rest.split_once(char::is_whitespace)?;
    Some((name, expression.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike};

    #[test]
    fn crontab_sunday_is_zero_as_in_crontab() {
        let schedule = Schedule::parse("0 7 * * 0", Tz::UTC).unwrap();
        // 2026-11-21 is a Saturday.
        let saturday = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let next = schedule.next_after(saturday);
        assert_eq!(next.weekday(), chrono::Weekday::Sun);
        assert_eq!((next.day(), next.hour()), (22, 7));
    }

    #[test]
    fn timezone_prefix_shifts_the_run() {
        // Dakar is UTC+0, Bamako too, Nouakchott too; Paris in November is UTC+1.
        let schedule = Schedule::parse("CRON_TZ=Europe/Paris 0 7 * * *", Tz::UTC).unwrap();
        let morning = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        assert_eq!(schedule.next_after(morning).hour(), 6);
    }

    #[test]
    fn optional_seconds_field() {
        let schedule = Schedule::parse("30 */5 * * * *", Tz::UTC).unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        let next = schedule.next_after(start);
        assert_eq!((next.minute(), next.second()), (0, 30));
    }

    #[test]
    fn intervals() {
        let schedule = Schedule::parse("every 15m", Tz::UTC).unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
        assert_eq!((schedule.next_after(start) - start).num_minutes(), 15);
        assert!(matches!(
            Schedule::parse("every 1s", Tz::UTC),
            Err(ScheduleError::Interval { .. })
        ));
        assert!(matches!(
            Schedule::parse("every soon", Tz::UTC),
            Err(ScheduleError::Interval { .. })
        ));
    }

    #[test]
    fn bad_expressions_are_rejected() {
        assert!(matches!(
            Schedule::parse("61 * * * *", Tz::UTC),
            Err(ScheduleError::Cron { .. })
        ));
        assert!(matches!(
            Schedule::parse("* * * * * *", Tz::UTC),
            Err(ScheduleError::Cron { .. })
        ));
        assert!(matches!(
            Schedule::parse("0 0 31 2 *", Tz::UTC),
            Err(ScheduleError::Cron { .. })
        ));
        assert!(matches!(
            Schedule::parse("CRON_TZ=Africa/Atlantis 0 7 * * *", Tz::UTC),
            Err(ScheduleError::TimeZone(_))
        ));
    }
}
