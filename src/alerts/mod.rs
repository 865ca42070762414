//! Alert rules and digests: what analysts are told, and when.
//!
//! The path: [`rules`] compiles the `[[alert]]` tables against the
//! gazetteer; [`matcher`] runs them over each batch of new documents,
//! prefiltered by the batch's terms; the record keeps every match once;
//! [`digest`] gathers a rule's waiting matches into a digest and renders it
//! from templates; [`deliver`] hands it to the outbox, a mail server or a
//! webhook; [`health`] turns feeds that failed or went quiet into findings
//! for source-health rules. [`turn`] puts them together into the parts of
//! an alerting turn, which the daemon's loop (`daemon::alerting`) runs on
//! schedule and `veille alerts` and `veille fetch` once.

pub mod backtest;
pub mod deliver;
pub mod digest;
pub mod health;
pub mod matcher;
pub mod rules;
pub mod turn;

use crate::archive::ArchiveError;
use crate::config::Diagnostic;
use crate::store::StoreError;

pub use backtest::{Backtest, backtest, parse_since};
pub use deliver::{Deliverer, DeliveryError};
pub use digest::{DigestMaker, DigestView, Rendered, Templates};
pub use matcher::{Found, Matcher};
pub use rules::{Rule, RuleKind, compile};
pub use turn::{Alerting, Delivery};

/// Why alerting could not run; delivery failures are [`DeliveryError`]s,
/// recorded on the digest instead.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The `[[alert]]` tables have mistakes, each with its line.
    #[error("{}", crate::config::render("the alert rules", .0))]
    Rules(Vec<Diagnostic>),
    /// A digest template does not compile or render.
    #[error("template {name}: {error:#}")]
    Template {
        /// The template's file name.
        name: String,
        /// What minijinja reported, with the line.
        error: minijinja::Error,
    },
    /// A template file in the templates folder cannot be read.
    #[error("cannot read template {}: {error}", path.display())]
    TemplateRead {
        /// The file.
        path: std::path::PathBuf,
        /// Why it cannot be read.
        error: std::io::Error,
    },
    /// The blocking task rendering a digest panicked or was cancelled.
    #[error("alerting task failed: {0}")]
    Task(String),
    /// The record failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The in-memory index or a query failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}

/// Result of alerting operations.
pub type Result<T, E = AlertError> = std::result::Result<T, E>;

/// Documents matched against the rules at a time.
pub const MATCH_BATCH: usize = 1000;

/// Matches every document stored since the rules last looked against the
/// rules, and records the matches. Each rule keeps its own position in the
/// record (the highest document id matched against it), so a rule recorded
/// by another process, or with another fingerprint, is neither skipped nor
/// matched with the wrong query. Documents are matched once, when new: a
/// story that later gains a source or new entities is not news again.
/// Returns how many matches were recorded.
///
/// `progress` is called after each batch with the matches recorded so far,
/// so a long catch-up shows it is alive.
pub fn match_new(
    store: &crate::store::Store,
    matcher: &Matcher,
    progress: &mut dyn FnMut(usize),
) -> Result<usize> {
    let rules = matcher.rule_keys();
    let mut recorded = 0;
    loop {
        let positions = store.matched_through(&rules)?;
        let Some(cursor) = positions.values().copied().min() else {
            return Ok(recorded);
        };
        let batch = store.documents_after(cursor, MATCH_BATCH)?;
        let Some(last) = batch.last() else {
            return Ok(recorded);
        };
        let through = last.id;
        let found = matcher.match_batch(&batch)?;
        let rows: Vec<(&str, i64, Vec<String>)> = found
            .iter()
            .map(|found| (found.rule.as_str(), found.document, found.terms.clone()))
            .collect();
        let live: Vec<(&str, &str)> = rules
            .iter()
            .filter(|(id, _)| positions.contains_key(*id))
            .copied()
            .collect();
        recorded += store.record_matches(&live, &rows, through)?;
        progress(recorded);
    }
}
