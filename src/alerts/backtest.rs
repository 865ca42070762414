//! What a rule would have caught in documents already stored, whether or
//! not it existed when they came: how analysts tune a rule before trusting
//! it. Read-only: nothing is recorded or delivered.

use chrono::{DateTime, NaiveDate, Utc};

use super::{MATCH_BATCH, Matcher, Result, Rule};
use crate::enrich::Gazetteer;
use crate::store::Store;

/// A backtest's findings.
#[derive(Debug, Clone, Default)]
pub struct Backtest {
    /// Documents fetched in the period, all read.
    pub read: usize,
    /// Matches, newest document first.
    pub found: Vec<super::Found>,
}

/// Runs `rule` over every document fetched since `since`, a batch at a
/// time so memory stays flat however long the period. `None` for a
/// source-health rule, which watches feeds rather than documents.
pub fn backtest(
    store: &Store,
    rule: &Rule,
    gazetteer: &Gazetteer,
    since: DateTime<Utc>,
) -> Result<Option<Backtest>> {
    let matcher = Matcher::new(std::slice::from_ref(rule), gazetteer)?;
    if matcher.is_empty() {
        return Ok(None);
    }
    let mut backtest = Backtest::default();
    let mut after = 0;
    loop {
        let batch = store.documents_fetched_since(since, after, MATCH_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        backtest.read += batch.len();
        backtest.found.extend(matcher.match_batch(&batch)?);
    }
    backtest
        .found
        .sort_by_key(|found| std::cmp::Reverse(found.document));
    Ok(Some(backtest))
}

/// The start of a backtest period: an age before `now` (`30d`, `12h`,
/// `2w`, `90m`) or the start of a date (`2026-10-01`).
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    let invalid =
        || format!("{text:?}: write an age such as 30d, 12h, 2w, or a date such as 2026-10-01");
    let age = humantime::parse_duration(text).map_err(|_| invalid())?;
    chrono::Duration::from_std(age)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .ok_or_else(|| format!("{text:?} is too far back"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_ages_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("2d", now).unwrap().to_rfc3339(),
            "2026-11-19T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-10-01", now).unwrap().to_rfc3339(),
            "2026-10-01T00:00:00+00:00"
        );
        assert!(parse_since("yesterday", now).unwrap_err().contains("30d"));
        assert!(parse_since("100000000000y", now).is_err());
    }
}
