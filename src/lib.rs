//! veille: a news and radio watch daemon for the Sahel.
//!
//! The modules follow the data's path: [`config`] says what to watch,
//! [`fetch`] gets it politely, [`sources`] parses it into entries,
//! [`enrich`] tells their language and entities and whether they are new,
//! [`ingest`] takes a source from fetched bytes to stored documents,
//! [`store`] keeps the durable record, [`archive`] is its searchable copy,
//! [`alerts`] tells analysts what matched, [`server`] serves the API and
//! the web page, and [`daemon`] runs it all on schedule; [`telemetry`] is
//! what the daemon's loops report and the server shows. The `veille`
//! binary's `cli` sits on top. The benchmarks' synthetic news comes from
//! the `veille-corpus` crate (`crates/veille-corpus/`), outside this library.

pub mod alerts;
pub mod archive;
pub mod config;
pub mod daemon;
pub mod enrich;
pub mod fetch;
pub mod ingest;
pub mod server;
pub mod sources;
pub mod store;
pub mod telemetry;
