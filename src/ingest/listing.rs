//! Polling a `kind = "html"` source: its listing page, and the pages after
//! it while they bring stories not seen before.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::IngestError;
use super::poll::{Mode, Pipeline, PollReport, off_the_runtime};
use crate::config::{Feed, Listing};
use crate::fetch::{ACCEPT_PAGE, Fetched, charset};
use crate::sources::html::parse_listing;

impl Pipeline {
    /// Reads the listing from its first page (already fetched), ingesting
    /// each page's items before deciding whether to follow "next": a page
    /// of stories all seen before means the rest are older still.
    pub(super) async fn read_listing(
        &self,
        feed: &Feed,
        listing: &Listing,
        first: Fetched,
        started: DateTime<Utc>,
        report: &mut PollReport,
        mode: Mode,
    ) -> Result<(), IngestError> {
        let mut visited = HashSet::from([first.final_url.clone()]);
        let mut text = charset::decode(&first.body, first.content_type.as_deref()).text;
        let mut page_url = first.final_url;
        loop {
            report.pages += 1;
            let selectors = listing.selectors.clone();
            let dates = listing.dates.clone();
            let base = page_url.clone();
            let parsed = off_the_runtime("listing parser", move || {
                Ok(parse_listing(&text, &base, &selectors, &dates, started))
            })
            .await?;
            let page = match parsed {
                Ok(page) => page,
                Err(refused) if report.pages == 1 => return Err(refused.into()),
                Err(refused) => {
                    report.warnings.push(format!("{page_url}: {refused}"));
                    return Ok(());
                }
            };
            if page.entries.is_empty() {
                // On the first page this is a broken selector or a site
                // redesign: a failure, so that health rules see it.
                let problem = IngestError::NoListedItem {
                    page: page_url,
                    skipped: page.skipped,
                };
                if report.pages == 1 {
                    return Err(problem);
                }
                report.warnings.push(problem.to_string());
                return Ok(());
            }
            let fresh = self
                .ingest_all(feed, &page.entries, started, report, mode)
                .await?;
            let next = page.next_page.filter(|next| !visited.contains(next));
            let Some(next) = next else {
                return Ok(());
            };
            if fresh == 0 || report.pages >= listing.max_pages as usize {
                return Ok(());
            }
            match self.fetch_text(&next, feed, ACCEPT_PAGE).await {
                Ok((next_text, fetched)) => {
                    text = next_text;
                    visited.insert(next);
                    page_url = fetched.final_url;
                    visited.insert(page_url.clone());
                }
                Err(error) => {
                    report.warnings.push(format!("{next}: {error}"));
                    return Ok(());
                }
            }
        }
    }
}
